# Runs first in the build VM's setup (CustomScriptExtension, as SYSTEM). Every step runs through
# Invoke-GoldenStep, which logs its name and duration; any error stops the setup, and the extension
# reports the failure to Terraform, so nothing is imaged from a half-configured VM.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$GoldenLogDirectory = Join-Path $env:SystemDrive 'GoldenImage'
New-Item -ItemType Directory -Path $GoldenLogDirectory -Force | Out-Null
Start-Transcript -Path (Join-Path $GoldenLogDirectory 'setup.log') -Append | Out-Null
$GoldenSetupStarted = Get-Date

function ConvertFrom-GoldenBase64([string] $Text) {
  [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($Text))
}

function Invoke-GoldenStep {
  param(
    [Parameter(Mandatory)][string] $Name,
    [Parameter(Mandatory)][string] $Script
  )
  $started = Get-Date
  Write-Output ("==> [{0:N0}s] {1}" -f ((Get-Date) - $GoldenSetupStarted).TotalSeconds, $Name)
  try {
    & ([scriptblock]::Create($Script))
  } catch {
    Write-Output "!!! step '$Name' failed: $($_.Exception.Message)"
    Write-Output $_.ScriptStackTrace
    Stop-Transcript | Out-Null
    exit 1
  }
  Write-Output ("<== {0} done in {1:N0}s" -f $Name, ((Get-Date) - $started).TotalSeconds)
}
