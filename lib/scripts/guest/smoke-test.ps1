# The local smoke test before imaging: the page must answer 200 and, when asked, show this VM's name.
# A failure here fails the extension, so the apply stops before anything is generalized.
$deadline = (Get-Date).AddSeconds($GoldenSetup.SmokeTestTimeoutSeconds)
$lastProblem = 'no attempt made'
do {
  try {
    $response = Invoke-WebRequest -Uri $GoldenSetup.SmokeTestUrl -UseBasicParsing -TimeoutSec 15
    if ($response.StatusCode -ne 200) {
      $lastProblem = "status $($response.StatusCode)"
    } elseif ($GoldenSetup.SmokeTestExpectComputerName -and $response.Content -notmatch [regex]::Escape($env:COMPUTERNAME)) {
      $lastProblem = "the page does not contain the computer name '$($env:COMPUTERNAME)'"
    } elseif ($GoldenSetup.SmokeTestExpectText -and -not $response.Content.Contains($GoldenSetup.SmokeTestExpectText)) {
      $lastProblem = "the page does not contain '$($GoldenSetup.SmokeTestExpectText)'"
    } else {
      Write-Output "Smoke test passed: $($GoldenSetup.SmokeTestUrl) answered 200 as $($env:COMPUTERNAME)"
      return
    }
  } catch {
    $lastProblem = $_.Exception.Message
  }
  Write-Output "Smoke test waiting: $lastProblem"
  Start-Sleep -Seconds 5
} while ((Get-Date) -lt $deadline)
throw "Smoke test failed after $($GoldenSetup.SmokeTestTimeoutSeconds)s on $($GoldenSetup.SmokeTestUrl): $lastProblem"
