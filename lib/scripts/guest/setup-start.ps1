# Starts the build VM's setup, run through Run Command by the operator's setup step (`node operator.js setup`,
# lib/operator/steps/setup.ts; as SYSTEM, Windows PowerShell 5.1):
#   az vm run-command invoke --command-id RunPowerShellScript --scripts @setup-start.ps1
# Run Command cannot stream output and stops a script after 90 minutes, so the setup (custom data, rendered by
# WindowsSetup) runs detached as a scheduled task; the operator follows its log with setup-status.ps1. Idempotent:
# a rerun never starts a second setup beside a running one, nor reruns one that succeeded. The last line of output
# is the result:
#   GOLDEN-IMAGE-SETUP-START: SUCCEEDED     an earlier run succeeded (its log says so); nothing started
#   GOLDEN-IMAGE-SETUP-START: RUNNING       the task is running (or queued); nothing started
#   GOLDEN-IMAGE-SETUP-START: NO-SETUP      neither custom data nor a copy of it: an earlier run finished and cleaned up
#   GOLDEN-IMAGE-SETUP-START: STARTED       the task was registered and started (an earlier log moved to setup.<n>.log)
#   GOLDEN-IMAGE-SETUP-START: FAILURE <message>   (exit code 1)
param(
  [string] $Directory = 'C:\GoldenImage',
  [string] $CustomDataPath = 'C:\AzureData\CustomData.bin',
  [string] $TaskName = 'GoldenImageSetup'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$Marker = 'GOLDEN-IMAGE-SETUP-START:'
$ResultMarker = 'GOLDEN-IMAGE-SETUP-RESULT:'
$TaskPath = '\'
# Task Scheduler's own codes while a task is queued or running, whatever its State says.
$TaskRunningResults = @(267045, 267009)

function Write-Result([string] $Text) {
  Write-Output "$Marker $Text"
}

# The setup script and its log may hold secrets of the steps: SYSTEM and the administrators only, nothing inherited.
# (The same function is in setup-finish.ps1: Run Command sends one file.)
function Set-AdministratorsOnlyAcl([string] $Path) {
  & icacls $Path /reset /T /C /Q | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls /reset failed on $Path with exit code $LASTEXITCODE" }
  & icacls $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' /C /Q | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls /grant failed on $Path with exit code $LASTEXITCODE" }
}

function Get-SetupTask {
  Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue | Select-Object -First 1
}

function Test-SetupTaskRunning {
  $task = Get-SetupTask
  if ($null -eq $task) { return $false }
  if (@('Running', 'Queued') -contains [string] $task.State) { return $true }
  $info = Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
  return ($null -ne $info -and $TaskRunningResults -contains [long] $info.LastTaskResult)
}

# The last line of the log (read from its end: the log may be large, and the task may still be writing it).
function Get-LastLogLine([string] $Path) {
  $stream = New-Object System.IO.FileStream($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
    ([System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete))
  try {
    $count = [int] [Math]::Min(4096, $stream.Length)
    $null = $stream.Seek(-$count, [System.IO.SeekOrigin]::End)
    $bytes = New-Object byte[] $count
    $read = 0
    while ($read -lt $count) {
      $n = $stream.Read($bytes, $read, $count - $read)
      if ($n -le 0) { break }
      $read += $n
    }
  } finally {
    $stream.Dispose()
  }
  $lines = @([System.Text.Encoding]::UTF8.GetString($bytes, 0, $read) -split "`r?`n" | Where-Object { $_ -ne '' })
  if ($lines.Count -eq 0) { return '' }
  return $lines[$lines.Count - 1]
}

# The next free setup.<n>.log: every earlier attempt's log is kept beside the new one.
function Move-OldLog([string] $Log) {
  $n = 1
  while (Test-Path -LiteralPath (Join-Path $Directory "setup.$n.log")) { $n++ }
  Move-Item -LiteralPath $Log -Destination (Join-Path $Directory "setup.$n.log")
  Write-Output "moved the log of an earlier attempt to setup.$n.log"
}

function Register-SetupTask([string] $Script) {
  $arguments = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f $Script
  $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument $arguments -WorkingDirectory $Directory
  $principal = New-ScheduledTaskPrincipal -UserId 'S-1-5-18' -LogonType ServiceAccount -RunLevel Highest
  # A generous limit: the operator's own timeout ends the wait long before; this only stops a setup nobody follows.
  $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Hours 24) -MultipleInstances IgnoreNew `
    -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
  Register-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Action $action -Principal $principal -Settings $settings -Force | Out-Null
}

try {
  $log = Join-Path $Directory 'setup.log'
  $setupScript = Join-Path $Directory 'setup.ps1'
  if ((Test-Path -LiteralPath $log -PathType Leaf) -and (Get-LastLogLine $log) -eq "$ResultMarker SUCCESS") {
    Write-Result 'SUCCEEDED'
    exit 0
  }
  if (Test-SetupTaskRunning) {
    Write-Result 'RUNNING'
    exit 0
  }
  $haveCustomData = Test-Path -LiteralPath $CustomDataPath -PathType Leaf
  if (-not $haveCustomData -and -not (Test-Path -LiteralPath $setupScript -PathType Leaf)) {
    Write-Result 'NO-SETUP'
    exit 0
  }
  New-Item -ItemType Directory -Path $Directory -Force | Out-Null
  Set-AdministratorsOnlyAcl $Directory
  if (Test-Path -LiteralPath $log) {
    Move-OldLog $log
  }
  if ($haveCustomData) {
    # Byte for byte: the rendered script is pure ASCII, and Windows PowerShell reads it as written.
    Copy-Item -LiteralPath $CustomDataPath -Destination $setupScript -Force
  } else {
    Write-Output "custom data is gone: using the copy made by an earlier attempt ($setupScript)"
  }
  Register-SetupTask $setupScript
  Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
  Write-Result 'STARTED'
  exit 0
} catch {
  Write-Result "FAILURE $(($_.Exception.Message -replace '\s+', ' ').Trim())"
  exit 1
}
