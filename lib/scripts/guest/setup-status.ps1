# Reports the progress of the build VM's setup, run through Run Command by the operator's setup step
# (`node operator.js setup`, lib/operator/steps/setup.ts) at every poll (as SYSTEM, Windows PowerShell 5.1):
#   az vm run-command invoke --command-id RunPowerShellScript --scripts @setup-status.ps1 --parameters Offset=<n>
# Prints the setup log's bytes from Offset, at most MaxBytes, up to the last complete line in that window (a single
# line longer than MaxBytes is cut at MaxBytes, never inside a UTF-8 sequence, and so arrives as several lines),
# then one last line:
#   GOLDEN-IMAGE-SETUP-STATUS: <state> <next offset>
# where state is succeeded or failed (the log ends with its result line and has been read to its end), running,
# ended <the task's last result, decimal; -1 without a task> (the task is no longer running, the log has been read
# to its end and holds no result line: the setup process died), missing (neither log nor task), or
# error <message> (exit code 1). Run Command returns only the last 4096 bytes: MaxBytes is capped so all of it fits.
param(
  [string] $Offset = '0',
  [string] $MaxBytes = '3000',
  [string] $Directory = 'C:\GoldenImage',
  [string] $TaskName = 'GoldenImageSetup'
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$Marker = 'GOLDEN-IMAGE-SETUP-STATUS:'
$ResultMarker = 'GOLDEN-IMAGE-SETUP-RESULT:'
$TaskPath = '\'
# Task Scheduler's own codes while a task is queued or running, whatever its State says.
$TaskRunningResults = @(267045, 267009)
# Room for the status line within Run Command's 4096 bytes.
$MaxWindowBytes = 3800

function Write-Status([string] $Text) {
  Write-Output "$Marker $Text"
}

# Running, plus the task's last result: $null when there is no task.
function Get-SetupTaskState {
  $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($null -eq $task) { return @{ Exists = $false; Running = $false; LastResult = -1 } }
  $info = Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
  $lastResult = if ($null -eq $info) { -1 } else { [long] $info.LastTaskResult }
  $running = (@('Running', 'Queued') -contains [string] $task.State) -or ($TaskRunningResults -contains $lastResult)
  return @{ Exists = $true; Running = $running; LastResult = $lastResult }
}

function Read-Bytes([System.IO.FileStream] $Stream, [long] $Position, [int] $Count) {
  $bytes = New-Object byte[] $Count
  $null = $Stream.Seek($Position, [System.IO.SeekOrigin]::Begin)
  $read = 0
  while ($read -lt $Count) {
    $n = $Stream.Read($bytes, $read, $Count - $read)
    if ($n -le 0) { break }
    $read += $n
  }
  if ($read -lt $Count) { [Array]::Resize([ref] $bytes, $read) }
  return , $bytes
}

# Where to cut a window that holds no line end: before its last UTF-8 sequence when that one is not whole.
function Get-Utf8Boundary([byte[]] $Bytes) {
  $lead = $Bytes.Length - 1
  # Step back over continuation bytes (10xxxxxx) to the lead byte of the last sequence.
  while ($lead -gt 0 -and ($Bytes[$lead] -band 0xC0) -eq 0x80) { $lead-- }
  $first = [int] $Bytes[$lead]
  $size = if ($first -lt 0x80) { 1 } elseif ($first -ge 0xF0) { 4 } elseif ($first -ge 0xE0) { 3 } elseif ($first -ge 0xC0) { 2 } else { 1 }
  if ($lead + $size -le $Bytes.Length -or $lead -eq 0) { return $Bytes.Length }
  return $lead
}

try {
  $start = [long]::Parse($Offset, [System.Globalization.CultureInfo]::InvariantCulture)
  $window = [int]::Parse($MaxBytes, [System.Globalization.CultureInfo]::InvariantCulture)
  if ($start -lt 0) { throw "Offset must be a byte offset of 0 or more, not $Offset" }
  if ($window -lt 16) { throw "MaxBytes must be 16 or more, not $MaxBytes" }
  $window = [Math]::Min($window, $MaxWindowBytes)

  $log = Join-Path $Directory 'setup.log'
  $task = Get-SetupTaskState
  if (-not (Test-Path -LiteralPath $log -PathType Leaf)) {
    if (-not $task.Exists) { Write-Status "missing $start"; exit 0 }
    if ($task.Running) { Write-Status "running $start"; exit 0 }
    Write-Status "ended $($task.LastResult) $start"
    exit 0
  }

  # The task writes the log while we read it.
  $stream = New-Object System.IO.FileStream($log, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read,
    ([System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete))
  try {
    $length = $stream.Length
    # A log shorter than the offset was replaced by a new attempt's (setup-start.ps1): read it from its start.
    if ($start -gt $length) { $start = 0 }
    $bytes = Read-Bytes $stream $start ([int] [Math]::Min([long] $window, $length - $start))
    $tail = Read-Bytes $stream ([Math]::Max(0, $length - 4096)) ([int] [Math]::Min(4096, $length))
  } finally {
    $stream.Dispose()
  }

  $take = [Array]::LastIndexOf($bytes, [byte] 10) + 1
  if (-not $task.Running -and $start + $bytes.Length -eq $length) {
    # The log is complete: its last line may lack a line end (the process died while writing it), none will come.
    $take = $bytes.Length
  } elseif ($take -eq 0 -and $bytes.Length -ge $window) {
    # One line longer than the window: its first part now, the rest at the next poll.
    $take = Get-Utf8Boundary $bytes
  }
  $next = $start + $take
  if ($take -gt 0) {
    $text = [System.Text.Encoding]::UTF8.GetString($bytes, 0, $take)
    Write-Output ($text -replace '\r?\n$', '')
  }

  $lines = @([System.Text.Encoding]::UTF8.GetString($tail) -split "`r?`n" | Where-Object { $_ -ne '' })
  $lastLine = if ($lines.Count -gt 0) { $lines[$lines.Count - 1] } else { '' }
  $readToEnd = $next -ge $length
  if ($readToEnd -and $lastLine -eq "$ResultMarker SUCCESS") {
    Write-Status "succeeded $next"
  } elseif ($readToEnd -and $lastLine.StartsWith("$ResultMarker FAILURE")) {
    Write-Status "failed $next"
  } elseif ($readToEnd -and -not $task.Running) {
    Write-Status "ended $($task.LastResult) $next"
  } else {
    Write-Status "running $next"
  }
  exit 0
} catch {
  Write-Status "error $(($_.Exception.Message -replace '\s+', ' ').Trim())"
  exit 1
}
