# The setup's last step (WindowsSetup smoke test), run by the setup script (setup-prelude.ps1) as SYSTEM under
# Windows PowerShell 5.1: the page must answer 200 and, when asked, show this VM's name and a given text. A failure
# fails the setup, so the apply stops before anything is generalized. Its parameters are in $GoldenSetup.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$deadline = (Get-Date).AddSeconds($GoldenSetup.SmokeTestTimeoutSeconds)
$retryMilliseconds = [int] (1000 * $GoldenSetup.SmokeTestRetrySeconds)
$lastProblem = 'no attempt made'
do {
  # A server that accepts but never answers must not hold the test beyond its deadline.
  $requestSeconds = [int] [Math]::Max(1, [Math]::Min(15, [Math]::Ceiling(($deadline - (Get-Date)).TotalSeconds)))
  try {
    $response = Invoke-WebRequest -Uri $GoldenSetup.SmokeTestUrl -UseBasicParsing -TimeoutSec $requestSeconds
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
  Start-Sleep -Milliseconds $retryMilliseconds
} while ((Get-Date) -lt $deadline)
throw "Smoke test failed after $($GoldenSetup.SmokeTestTimeoutSeconds)s on $($GoldenSetup.SmokeTestUrl): $lastProblem"
