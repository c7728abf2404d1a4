# The build VM's setup script starts with this prelude; lib/windows-setup.ts (WindowsSetup) appends the $GoldenSetup
# parameters, the steps and the call of Invoke-GoldenSetup. The script reaches the VM as custom data, setup-start.ps1
# copies it to C:\GoldenImage\setup.ps1 and runs it as SYSTEM in a scheduled task, under Windows PowerShell 5.1:
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File C:\GoldenImage\setup.ps1
# Run Command cannot stream output and keeps only its last 4096 bytes, so the setup runs detached: every line it
# produces goes to setup.log beside the script (UTF-8 without BOM, written line by line as produced) and to stdout,
# and the operator polls the log with setup-status.ps1. The last line of the log is the result:
#   GOLDEN-IMAGE-SETUP-RESULT: SUCCESS
#   GOLDEN-IMAGE-SETUP-RESULT: FAILURE step '<step name>': <one-line message>
# and the exit code is 0 on success, 1 on failure. Nothing is imaged from a half-configured VM.
# The rendered script is pure ASCII (windows-setup.ts escapes any other character): Windows PowerShell 5.1 reads a
# file without a BOM in the ANSI code page.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 3.0

$GoldenResultMarker = 'GOLDEN-IMAGE-SETUP-RESULT:'
$GoldenSetupStarted = Get-Date
$GoldenLog = $null
$GoldenExitCode = 1
# Set when the setup itself fails a step (exit code, break): its own position in this script would only be noise.
$GoldenStepVerdict = $null

function ConvertFrom-GoldenBase64([string] $Text) {
  [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($Text))
}

function Get-GoldenElapsedSeconds([datetime] $Since) {
  [int] ((Get-Date) - $Since).TotalSeconds
}

# One line to the log, flushed at once so that a reader polling the file sees progress, and to stdout.
function Write-GoldenLine([string] $Line) {
  if ($null -ne $script:GoldenLog) {
    $script:GoldenLog.Write($Line + "`n")
  }
  [Console]::Out.WriteLine($Line)
}

# The text of whatever a step writes: output objects, Write-Host (information), warning, verbose and debug records.
function Write-GoldenRecord($Record) {
  if ($null -eq $Record) { return }
  if ($Record -is [string]) {
    $text = $Record
  } elseif ($Record -is [System.Management.Automation.InformationRecord]) {
    $text = [string] $Record.MessageData
  } elseif ($Record -is [System.Management.Automation.WarningRecord]) {
    $text = 'WARNING: ' + $Record.Message
  } elseif ($Record -is [System.Management.Automation.VerboseRecord]) {
    $text = 'VERBOSE: ' + $Record.Message
  } elseif ($Record -is [System.Management.Automation.DebugRecord]) {
    $text = 'DEBUG: ' + $Record.Message
  } elseif ($Record -is [System.Management.Automation.ErrorRecord]) {
    $text = 'ERROR: ' + $Record.ToString()
  } else {
    $text = ($Record | Out-String -Width 200).Trim("`r", "`n")
  }
  foreach ($line in ($text -split "`r?`n")) {
    # Only the setup itself writes result lines: a step's output cannot end the operator's wait.
    if ($line.StartsWith($GoldenResultMarker)) { $line = '| ' + $line }
    Write-GoldenLine $line
  }
}

function Format-GoldenOneLine([string] $Text) {
  $line = ($Text -replace '\s+', ' ').Trim()
  if ($line.Length -gt 500) { $line = $line.Substring(0, 500) + '...' }
  $line
}

# Runs one step. A step runs from its own script file, not a script block, so that `exit` ends the step (a script
# file's exit returns to its caller and sets $LASTEXITCODE) instead of ending the whole setup with that code.
function Invoke-GoldenStep([int] $Number, [string] $Name, [string] $Script, [string] $StepDirectory) {
  $file = Join-Path $StepDirectory ('step{0:D2}.ps1' -f $Number)
  # With a BOM, Windows PowerShell 5.1 reads the step as UTF-8 (without one it would read it as ANSI).
  [System.IO.File]::WriteAllText($file, $Script, (New-Object System.Text.UTF8Encoding $true))
  $started = Get-Date
  Write-GoldenLine ('==> [{0}s] {1}' -f (Get-GoldenElapsedSeconds $GoldenSetupStarted), $Name)
  # A native command's non-zero exit code throws nothing in Windows PowerShell 5.1: the step's last native command
  # (or its exit) is judged by $LASTEXITCODE, reset first so that an earlier step's value does not count.
  $global:LASTEXITCODE = 0
  $completed = $false
  # A break or continue outside any loop in the step would end the innermost loop of its callers, silently
  # skipping the later steps: this one-pass loop catches it.
  do {
    & $file 3>&1 4>&1 5>&1 6>&1 | ForEach-Object { Write-GoldenRecord $_ }
    $completed = $true
  } while ($false)
  $exitCode = $global:LASTEXITCODE
  if (-not $completed) {
    $script:GoldenStepVerdict = 'break or continue outside a loop would skip the rest of the setup'
    throw $script:GoldenStepVerdict
  }
  if ($null -ne $exitCode -and $exitCode -ne 0) {
    Write-GoldenLine ("the step's last native command or its exit statement left exit code $exitCode; when a non-zero code " +
      'is expected, end the step with exit 0 or $global:LASTEXITCODE = 0')
    $script:GoldenStepVerdict = "exit code $exitCode"
    throw $script:GoldenStepVerdict
  }
  Write-GoldenLine ('<== {0} done in {1}s' -f $Name, (Get-GoldenElapsedSeconds $started))
}

# Runs the steps in order and ends the log with the result line; sets $GoldenExitCode.
function Invoke-GoldenSetup([object[]] $Steps) {
  $currentStep = $null
  $stepDirectory = Join-Path $PSScriptRoot 'steps'
  try {
    $stream = New-Object System.IO.FileStream((Join-Path $PSScriptRoot 'setup.log'), [System.IO.FileMode]::Append,
      [System.IO.FileAccess]::Write, ([System.IO.FileShare]::ReadWrite -bor [System.IO.FileShare]::Delete))
    $script:GoldenLog = New-Object System.IO.StreamWriter($stream, (New-Object System.Text.UTF8Encoding $false))
    $script:GoldenLog.AutoFlush = $true
    Write-GoldenLine ('Golden image setup: {0} steps, Windows PowerShell {1}, started {2:u}' -f $Steps.Count, $PSVersionTable.PSVersion, $GoldenSetupStarted)
    New-Item -ItemType Directory -Path $stepDirectory -Force | Out-Null
    $number = 0
    foreach ($step in $Steps) {
      $number++
      $currentStep = $step.Name
      Invoke-GoldenStep -Number $number -Name $step.Name -Script $step.Script -StepDirectory $stepDirectory
    }
    $currentStep = $null
    Write-GoldenLine ('Setup complete in {0}s.' -f (Get-GoldenElapsedSeconds $GoldenSetupStarted))
    Write-GoldenLine "$GoldenResultMarker SUCCESS"
    $script:GoldenExitCode = 0
  } catch {
    $failure = $_
    $message = Format-GoldenOneLine $failure.Exception.Message
    if ($null -ne $currentStep) {
      Write-GoldenLine "!!! step '$currentStep' failed: $($failure.Exception.Message)"
    } else {
      Write-GoldenLine "!!! the setup failed: $($failure.Exception.Message)"
    }
    if ($null -eq $script:GoldenStepVerdict) {
      if ($null -ne $failure.InvocationInfo -and $failure.InvocationInfo.PositionMessage) {
        Write-GoldenRecord $failure.InvocationInfo.PositionMessage
      }
      if ($failure.ScriptStackTrace) {
        Write-GoldenRecord $failure.ScriptStackTrace
      }
    }
    if ($null -ne $currentStep) {
      Write-GoldenLine "$GoldenResultMarker FAILURE step '$currentStep': $message"
    } else {
      Write-GoldenLine "$GoldenResultMarker FAILURE $message"
    }
    $script:GoldenExitCode = 1
  } finally {
    Remove-Item -LiteralPath $stepDirectory -Recurse -Force -ErrorAction SilentlyContinue
    if ($null -ne $script:GoldenLog) {
      $script:GoldenLog.Dispose()
      $script:GoldenLog = $null
    }
  }
}
