# The canary check of a gallery image version, run through Run Command by the operator's gallery-canary step in a VM just made from
# the version (as SYSTEM, Windows PowerShell 5.1):
#   az vm run-command invoke --command-id RunPowerShellScript --scripts @canary-check.ps1 --parameters Url=... ExpectedName=... TimeoutSeconds=...
# It passes when Windows took the computer name Azure gave the VM (so Sysprep's OOBE specialized the image: a VM that
# kept the build VM's name, or none, was not made from a properly generalized image) and the page at Url answers 200
# with that name, retried until TimeoutSeconds have passed. Run Command reports success whatever the script does and
# returns only the last 4096 bytes of its output, so the outcome is the last line, and the output stays short:
#   GOLDEN-IMAGE-CANARY-RESULT: PASSED <computer name> answered <url>
#   GOLDEN-IMAGE-CANARY-RESULT: FAILED <reason>
param([string] $Url, [string] $ExpectedName, [int] $TimeoutSeconds)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$Marker = 'GOLDEN-IMAGE-CANARY-RESULT:'
# Pause between two requests, and the longest one request may take.
$RetryMilliseconds = 2000
$MaxRequestSeconds = 15
# Waiting lines printed at most (each when the problem changes), so that everything fits in Run Command's output.
$MaxWaitingLines = 8
$Started = Get-Date

function Get-ElapsedSeconds {
  [int] ((Get-Date) - $Started).TotalSeconds
}

# One line of at most 200 characters: an exception message may hold line breaks and be long.
function Get-Short([string] $Text) {
  $line = ($Text -replace '\s+', ' ').Trim()
  if ($line.Length -gt 200) {
    $line = $line.Substring(0, 197) + '...'
  }
  $line
}

function Write-Step([string] $Text) {
  Write-Output ('[guest +{0}s] canary: {1}' -f (Get-ElapsedSeconds), (Get-Short $Text))
}

function Exit-Canary([bool] $Passed, [string] $Text) {
  if ($Passed) {
    Write-Output "$Marker PASSED $Text"
    exit 0
  }
  Write-Output "$Marker FAILED $(Get-Short $Text)"
  exit 1
}

try {
  if ([string]::IsNullOrEmpty($ExpectedName)) {
    Exit-Canary $false 'no ExpectedName was given'
  }
  if ($TimeoutSeconds -lt 1) {
    Exit-Canary $false "TimeoutSeconds must be at least 1, got $TimeoutSeconds"
  }
  if ($Url -notmatch '^https?://') {
    Exit-Canary $false "Url must be an http(s) URL, got '$Url'"
  }

  # Compared without regard to case, as Windows compares computer names (COMPUTERNAME is upper case).
  $name = $env:COMPUTERNAME
  if ($name -ne $ExpectedName) {
    Exit-Canary $false "the computer name is '$name', not '$ExpectedName' as Azure named the VM: Windows did not take its new name at first boot (was the image generalized with Sysprep /oobe /generalize?)"
  }
  Write-Step "computer name $name, as Azure named the VM"

  $deadline = $Started.AddSeconds($TimeoutSeconds)
  $lastProblem = 'no attempt made'
  $printedProblem = ''
  $waitingLines = 0
  $attempts = 0
  do {
    $attempts++
    # A server that accepts but never answers must not hold the check beyond its deadline.
    $requestSeconds = [int] [Math]::Max(1, [Math]::Min($MaxRequestSeconds, [Math]::Ceiling(($deadline - (Get-Date)).TotalSeconds)))
    try {
      $response = Invoke-WebRequest -Uri $Url -UseBasicParsing -TimeoutSec $requestSeconds
      if ($response.StatusCode -ne 200) {
        $lastProblem = "status $($response.StatusCode)"
      } elseif ($response.Content -notmatch [regex]::Escape($name)) {
        $lastProblem = "the page does not contain the computer name '$name'"
      } else {
        Write-Step "$Url answered 200 with the computer name (attempt $attempts)"
        Exit-Canary $true "$name answered $Url"
      }
    } catch {
      $lastProblem = Get-Short $_.Exception.Message
    }
    if ($lastProblem -ne $printedProblem -and $waitingLines -lt $MaxWaitingLines) {
      Write-Step "waiting for ${Url}: $lastProblem"
      $printedProblem = $lastProblem
      $waitingLines++
    }
    $pause = [int] [Math]::Min($RetryMilliseconds, [Math]::Max(0, ($deadline - (Get-Date)).TotalMilliseconds))
    if ($pause -gt 0) {
      Start-Sleep -Milliseconds $pause
    }
  } while ((Get-Date) -lt $deadline)
  Exit-Canary $false "no answer from $Url with the computer name within ${TimeoutSeconds}s ($attempts attempts): $lastProblem"
} catch {
  Exit-Canary $false "unexpected error: $($_.Exception.Message)"
}
