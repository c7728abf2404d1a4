# Removes the setup's traces from the build VM before Sysprep, run through Run Command by the operator's setup step
# (`node operator.js setup`, lib/operator/steps/setup.ts) once the setup succeeded (as SYSTEM, Windows PowerShell 5.1):
#   az vm run-command invoke --command-id RunPowerShellScript --scripts @setup-finish.ps1 --parameters KeepSetupFiles=false
# Unregisters the setup task, removes the setup directory (or, with KeepSetupFiles=true, keeps only setup.ps1 and the
# logs, readable by SYSTEM and the administrators only) and the custom data, then reports whether Windows waits for
# a restart (Sysprep refuses to run then; the operator restarts the VM and runs this script again). Idempotent.
# The last line of output is the result:
#   GOLDEN-IMAGE-SETUP-FINISH: CLEAN
#   GOLDEN-IMAGE-SETUP-FINISH: REBOOT-PENDING <comma-separated reasons>
#   GOLDEN-IMAGE-SETUP-FINISH: FAILURE <message>   (exit code 1)
param(
  [string] $KeepSetupFiles = 'false',
  [string] $Directory = 'C:\GoldenImage',
  [string] $TaskName = 'GoldenImageSetup',
  [string] $CustomDataPath = 'C:\AzureData\CustomData.bin'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$Marker = 'GOLDEN-IMAGE-SETUP-FINISH:'
$TaskPath = '\'
# Task Scheduler's own codes while a task is queued or running, whatever its State says.
$TaskRunningResults = @(267045, 267009)

function Write-Result([string] $Text) {
  Write-Output "$Marker $Text"
}

# SYSTEM and the administrators only, nothing inherited. (The same function is in setup-start.ps1: Run Command sends
# one file.)
function Set-AdministratorsOnlyAcl([string] $Path) {
  & icacls $Path /reset /T /C /Q | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls /reset failed on $Path with exit code $LASTEXITCODE" }
  & icacls $Path /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' /C /Q | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls /grant failed on $Path with exit code $LASTEXITCODE" }
}

function Remove-SetupTask {
  $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($null -eq $task) { return }
  $info = Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
  if ((@('Running', 'Queued') -contains [string] $task.State) -or ($null -ne $info -and $TaskRunningResults -contains [long] $info.LastTaskResult)) {
    throw "the setup task $TaskName is still running: wait for its result (setup-status.ps1) before finishing"
  }
  Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Confirm:$false
  Write-Output "unregistered the scheduled task $TaskName"
}

# What makes Windows wait for a restart, as Windows Update and servicing record it.
function Get-PendingRebootReasons {
  $reasons = @()
  if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') {
    $reasons += 'ComponentBasedServicing'
  }
  if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
    $reasons += 'WindowsUpdate'
  }
  $sessionManager = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
  if ($null -ne $sessionManager -and @($sessionManager.PendingFileRenameOperations | Where-Object { "$_" -ne '' }).Count -gt 0) {
    $reasons += 'PendingFileRenameOperations'
  }
  return $reasons
}

try {
  $keep = switch ($KeepSetupFiles.Trim().ToLowerInvariant()) {
    'true' { $true }
    'false' { $false }
    default { throw "KeepSetupFiles must be true or false, not '$KeepSetupFiles'" }
  }
  Remove-SetupTask
  if (Test-Path -LiteralPath $Directory) {
    if ($keep) {
      Get-ChildItem -LiteralPath $Directory -Force |
        Where-Object { $_.Name -ne 'setup.ps1' -and $_.Name -notlike 'setup*.log' } |
        Remove-Item -Recurse -Force
      Set-AdministratorsOnlyAcl $Directory
      Write-Output "kept setup.ps1 and the setup logs in $Directory (SYSTEM and administrators only)"
    } else {
      Remove-Item -LiteralPath $Directory -Recurse -Force
      Write-Output "removed $Directory"
    }
  }
  if (Test-Path -LiteralPath $CustomDataPath) {
    Remove-Item -LiteralPath $CustomDataPath -Force
    Write-Output "removed $CustomDataPath"
  }
  $reasons = @(Get-PendingRebootReasons)
  # PendingFileRenameOperations alone is no pending restart: Windows and its services (the guest agent's updates, the
  # Defender platform) set it again after every boot, so restarting for it never ends. It is one only beside the
  # servicing stack's or Windows Update's own flag, and is named then.
  if (@($reasons | Where-Object { $_ -ne 'PendingFileRenameOperations' }).Count -gt 0) {
    Write-Result "REBOOT-PENDING $($reasons -join ',')"
  } elseif ($reasons.Count -gt 0) {
    Write-Output 'PendingFileRenameOperations is set, with no servicing or Windows Update restart pending: not restarting for it'
    Write-Result 'CLEAN'
  } else {
    Write-Result 'CLEAN'
  }
  exit 0
} catch {
  Write-Result "FAILURE $(($_.Exception.Message -replace '\s+', ' ').Trim())"
  exit 1
}
