# Generalizes Windows in the build VM, run through Run Command by the operator's generalize step (lib/operator/steps/generalize.ts):
#   az vm run-command invoke --command-id RunPowerShellScript --scripts @generalize.ps1 --parameters TimeoutSeconds=... PollSeconds=...
# Run Command reports success even when a script fails, and returns only the last 4096 bytes of its output,
# so the outcome is the last line printed: a result marker that the operator script looks for.
# Sysprep runs with /quit (not /shutdown) and the registry is polled until the image state says it is
# ready to be captured, as Azure VM Image Builder and Packer do: we know Sysprep finished, and the VM is
# deallocated by the operator script afterwards. Windows PowerShell 5.1, as SYSTEM. The parameters after PollSeconds
# are never passed by the operator; tests point them at a temporary directory and shorten the grace period.
param(
  [int] $TimeoutSeconds = 1800,
  [int] $PollSeconds = 15,
  [string] $PantherDirectory = 'C:\Windows\System32\Sysprep\Panther',
  # Leftovers that would make Sysprep or the first boot of every VM made from the image use stale settings.
  [string[]] $LeftoverFiles = @(
    'C:\Windows\Panther\unattend.xml',
    'C:\Windows\System32\Sysprep\unattend.xml',
    'C:\AzureData\CustomData.bin'
  ),
  # A failed Sysprep can leave the image state unchanged for a moment after the process exits.
  [int] $ExitGraceSeconds = 60
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$ResultMarker = 'GOLDEN-IMAGE-SYSPREP-RESULT:'
$ReadyState = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE'
$StateKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State'
$SysprepExe = 'C:\Windows\System32\Sysprep\Sysprep.exe'
$AgentServices = @('RdAgent', 'WindowsAzureGuestAgent')
$Started = Get-Date

function Get-ElapsedSeconds {
  [int] ((Get-Date) - $Started).TotalSeconds
}

function Write-Step([string] $Step, [string] $Text) {
  Write-Output ('[guest +{0}s] {1}: {2}' -f (Get-ElapsedSeconds), $Step, $Text)
}

function Get-ServiceStatus([string] $Name) {
  $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
  if ($null -eq $service) { return 'missing' }
  return [string] $service.Status
}

function Get-ImageState {
  $item = Get-ItemProperty -Path $StateKey -Name ImageState -ErrorAction SilentlyContinue
  if ($null -eq $item) { return '<none>' }
  return [string] $item.ImageState
}

# The end of a Panther log, short enough that both tails and the marker fit in Run Command's 4096 bytes: lines cut
# at 160 characters, anything outside printable ASCII shown as '?' so that a character is one byte.
function Write-LogTail([string] $Name, [int] $Lines) {
  $path = Join-Path $PantherDirectory $Name
  Write-Output "----- last $Lines lines of $path -----"
  if (Test-Path -LiteralPath $path) {
    Get-Content -LiteralPath $path -Tail $Lines -ErrorAction SilentlyContinue | ForEach-Object {
      $line = [string] $_ -replace '[^\x20-\x7E\t]', '?'
      if ($line.Length -gt 160) { $line = $line.Substring(0, 160) + '...' }
      Write-Output $line
    }
  } else {
    Write-Output '(file not found)'
  }
}

function Stop-WithFailure([string] $Reason) {
  Write-LogTail 'setupact.log' 14
  Write-LogTail 'setuperr.log' 8
  $Reason = ($Reason -replace '\s+', ' ') -replace '[^\x20-\x7E]', '?'
  if ($Reason.Length -gt 300) { $Reason = $Reason.Substring(0, 300) + '...' }
  Write-Output "$ResultMarker FAILURE $Reason"
  exit 1
}

try {
  $state = Get-ImageState
  if ($state -eq $ReadyState) {
    # A rerun after Sysprep already finished (e.g. the deallocation failed): running it again would fail.
    Write-Step 'sysprep' "already generalized in the guest (ImageState $state): not running Sysprep again"
    Write-Output "$ResultMarker SUCCESS"
    exit 0
  }

  foreach ($name in $AgentServices) {
    while (($status = Get-ServiceStatus $name) -ne 'Running') {
      if ((Get-ElapsedSeconds) -ge $TimeoutSeconds) {
        Stop-WithFailure "service $name was not running within $TimeoutSeconds s (status: $status)"
      }
      Write-Step 'agent' "waiting for service $name to run (status: $status)"
      Start-Sleep -Seconds $PollSeconds
    }
    Write-Step 'agent' "service $name is running"
  }

  foreach ($path in $LeftoverFiles) {
    if (Test-Path -LiteralPath $path) {
      Remove-Item -LiteralPath $path -Force
      Write-Step 'cleanup' "removed $path"
    }
  }

  Write-Step 'sysprep' "starting $SysprepExe /oobe /generalize /quiet /quit /mode:vm (ImageState $state)"
  $process = Start-Process -FilePath $SysprepExe -ArgumentList '/oobe', '/generalize', '/quiet', '/quit', '/mode:vm' -PassThru
  # Without a handle taken while the process runs, ExitCode stays empty once it has exited (Start-Process -PassThru).
  $null = $process.Handle
  $exitedAt = $null
  while ($true) {
    $state = Get-ImageState
    if ($state -eq $ReadyState) { break }
    $elapsed = Get-ElapsedSeconds
    if ($elapsed -ge $TimeoutSeconds) {
      Stop-WithFailure "timed out after $TimeoutSeconds s: ImageState is $state, not $ReadyState"
    }
    if ($process.HasExited) {
      if ($null -eq $exitedAt) { $exitedAt = $elapsed }
      if ($elapsed - $exitedAt -ge $ExitGraceSeconds) {
        Stop-WithFailure "Sysprep exited with code $($process.ExitCode) but ImageState is $state, not $ReadyState"
      }
    }
    Write-Step 'sysprep' "waiting for $ReadyState (ImageState $state, ${elapsed}s of ${TimeoutSeconds}s)"
    Start-Sleep -Seconds $PollSeconds
  }
  Write-Step 'sysprep' "ImageState is $ReadyState"
  Write-Output "$ResultMarker SUCCESS"
  exit 0
} catch {
  Stop-WithFailure "unexpected error: $($_.Exception.Message)"
}
