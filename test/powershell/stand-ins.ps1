# Stand-ins for what only Windows has, dot-sourced by run-with-stand-ins.ps1 before a guest script runs (functions
# come before cmdlets and executables in PowerShell's command lookup, so the guest script's own code runs unchanged
# and calls these). The simulated world (scheduled tasks, registry, services, Sysprep, Windows features) lives in the
# JSON file $env:GOLDEN_TEST_WORLD, which the test sets up and reads back; every call is appended to
# $env:GOLDEN_TEST_CALLS (JSON lines). Test code only: pwsh 7 syntax is fine here.

function Get-GoldenTestWorld {
  Get-Content -LiteralPath $env:GOLDEN_TEST_WORLD -Raw | ConvertFrom-Json -AsHashtable -Depth 20
}

function Save-GoldenTestWorld($World) {
  $World | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $env:GOLDEN_TEST_WORLD
}

function Add-GoldenTestCall([string] $Command, $Arguments) {
  $line = @{ command = $Command; arguments = $Arguments } | ConvertTo-Json -Depth 10 -Compress
  Add-Content -LiteralPath $env:GOLDEN_TEST_CALLS -Value $line
}

# --- Task Scheduler -------------------------------------------------------------------------------------------

# Brings a task whose script really runs (runTasks) up to date: Running while its process lives, then Ready with
# the process's exit code as its last result.
function Update-GoldenTestTask($Task) {
  if ($Task.ContainsKey('pid') -and $null -ne $Task.pid) {
    $alive = $null -ne (Get-Process -Id $Task.pid -ErrorAction SilentlyContinue)
    if ($alive -and -not (Test-Path -LiteralPath $Task.exitCodeFile)) {
      $Task.state = 'Running'
      $Task.lastTaskResult = 267009
    } else {
      $Task.state = 'Ready'
      $code = if (Test-Path -LiteralPath $Task.exitCodeFile) { [int] (Get-Content -LiteralPath $Task.exitCodeFile -Raw).Trim() } else { 1 }
      $Task.lastTaskResult = $code
    }
  }
  $Task
}

function Get-ScheduledTask {
  [CmdletBinding()]
  param([string] $TaskName, [string] $TaskPath = '\')
  $world = Get-GoldenTestWorld
  if (-not $world.tasks.ContainsKey($TaskName)) {
    Write-Error "No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'."
    return
  }
  $task = Update-GoldenTestTask $world.tasks[$TaskName]
  [pscustomobject] @{ TaskName = $TaskName; TaskPath = $TaskPath; State = $task.state }
}

function Get-ScheduledTaskInfo {
  [CmdletBinding()]
  param([string] $TaskName, [string] $TaskPath = '\')
  $world = Get-GoldenTestWorld
  if (-not $world.tasks.ContainsKey($TaskName)) {
    Write-Error "The system cannot find the file specified: $TaskName"
    return
  }
  $task = Update-GoldenTestTask $world.tasks[$TaskName]
  [pscustomobject] @{ TaskName = $TaskName; LastTaskResult = [uint32] $task.lastTaskResult }
}

function New-ScheduledTaskAction {
  param([string] $Execute, [string] $Argument, [string] $WorkingDirectory)
  [pscustomobject] @{ Execute = $Execute; Arguments = $Argument; WorkingDirectory = $WorkingDirectory }
}

function New-ScheduledTaskPrincipal {
  param([string] $UserId, [string] $LogonType, [string] $RunLevel)
  [pscustomobject] @{ UserId = $UserId; LogonType = $LogonType; RunLevel = $RunLevel }
}

function New-ScheduledTaskSettingsSet {
  param([TimeSpan] $ExecutionTimeLimit, [string] $MultipleInstances, [switch] $AllowStartIfOnBatteries, [switch] $DontStopIfGoingOnBatteries)
  [pscustomobject] @{ ExecutionTimeLimit = $ExecutionTimeLimit; MultipleInstances = $MultipleInstances }
}

function Register-ScheduledTask {
  [CmdletBinding()]
  param([string] $TaskName, [string] $TaskPath = '\', $Action, $Principal, $Settings, [switch] $Force)
  $world = Get-GoldenTestWorld
  if ($world.tasks.ContainsKey($TaskName) -and -not $Force) {
    throw "Cannot create a file when that file already exists: $TaskName"
  }
  $world.tasks[$TaskName] = @{
    state = 'Ready'; lastTaskResult = 267011; starts = 0
    execute = $Action.Execute; argument = $Action.Arguments; workingDirectory = $Action.WorkingDirectory
    userId = $Principal.UserId; logonType = $Principal.LogonType; runLevel = $Principal.RunLevel
    executionTimeLimit = [string] $Settings.ExecutionTimeLimit; force = [bool] $Force
  }
  Save-GoldenTestWorld $world
  Add-GoldenTestCall 'Register-ScheduledTask' @{ TaskName = $TaskName; TaskPath = $TaskPath; Force = [bool] $Force }
  [pscustomobject] @{ TaskName = $TaskName }
}

function Start-ScheduledTask {
  [CmdletBinding()]
  param([string] $TaskName, [string] $TaskPath = '\')
  $world = Get-GoldenTestWorld
  if (-not $world.tasks.ContainsKey($TaskName)) { throw "The system cannot find the file specified: $TaskName" }
  $task = $world.tasks[$TaskName]
  $task.starts = [int] $task.starts + 1
  Add-GoldenTestCall 'Start-ScheduledTask' @{ TaskName = $TaskName; TaskPath = $TaskPath }
  if ($world.ContainsKey('runTasks') -and $world.runTasks) {
    # powershell.exe ... -File "<script>": the same script under pwsh -File, detached, its exit code kept in a file.
    if ($task.argument -notmatch '-File "([^"]+)"') { throw "stand-in: no -File in the task's arguments: $($task.argument)" }
    # A path on a drive of this session (the local Azure's guest maps C:, test/local-azure/guest.ps1) as the file system
    # names it: the task's pwsh is a process of its own.
    $script = Convert-Path -LiteralPath $Matches[1]
    $task.exitCodeFile = Join-Path (Split-Path $env:GOLDEN_TEST_WORLD) "task-exit-$($task.starts)"
    $out = Join-Path (Split-Path $env:GOLDEN_TEST_WORLD) "task-out-$($task.starts)"
    $pwsh = $env:GOLDEN_TEST_PWSH
    $wrapper = Join-Path (Split-Path $env:GOLDEN_TEST_WORLD) "task-$($task.starts).sh"
    # In a world with a launcher (the local Azure's guest.ps1: its C: drive and these stand-ins), the script runs through it.
    $run = if ($world.ContainsKey('taskLauncher')) { (@($world.taskLauncher | ForEach-Object { "'$_'" }) -join ' ') + " -Script '$script'" } else { "-File '$script'" }
    Set-Content -LiteralPath $wrapper -Value "'$pwsh' -NoProfile -NonInteractive $run; echo `$? > '$($task.exitCodeFile)'"
    $process = Microsoft.PowerShell.Management\Start-Process -FilePath 'bash' -ArgumentList $wrapper -PassThru -RedirectStandardOutput $out
    $task.pid = $process.Id
    $task.state = 'Running'
  } else {
    $task.state = 'Running'
  }
  $task.lastTaskResult = 267009
  Save-GoldenTestWorld $world
}

function Unregister-ScheduledTask {
  [CmdletBinding(SupportsShouldProcess)]
  param([string] $TaskName, [string] $TaskPath = '\')
  $world = Get-GoldenTestWorld
  if (-not $world.tasks.ContainsKey($TaskName)) { throw "No MSFT_ScheduledTask objects found: $TaskName" }
  $world.tasks.Remove($TaskName)
  Save-GoldenTestWorld $world
  Add-GoldenTestCall 'Unregister-ScheduledTask' @{ TaskName = $TaskName; TaskPath = $TaskPath }
}

# --- ACLs -------------------------------------------------------------------------------------------------------

function icacls {
  Add-GoldenTestCall 'icacls' @{ args = @($args) }
  $world = Get-GoldenTestWorld
  $global:LASTEXITCODE = if ($world.ContainsKey('icaclsExitCode')) { [int] $world.icaclsExitCode } else { 0 }
}

# --- Services, registry, Sysprep --------------------------------------------------------------------------------

function Get-Service {
  [CmdletBinding()]
  param([string] $Name)
  $world = Get-GoldenTestWorld
  if (-not $world.services.ContainsKey($Name)) {
    Write-Error "Cannot find any service with service name '$Name'."
    return
  }
  $statuses = @($world.services[$Name])
  $status = $statuses[0]
  if ($statuses.Count -gt 1) {
    $world.services[$Name] = @($statuses | Select-Object -Skip 1)
    Save-GoldenTestWorld $world
  }
  [pscustomobject] @{ Name = $Name; Status = $status }
}

function Test-Path {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]] $Path, [string[]] $LiteralPath, [Microsoft.PowerShell.Commands.TestPathType] $PathType = 'Any')
  $target = if ($PSBoundParameters.ContainsKey('LiteralPath')) { $LiteralPath[0] } else { $Path[0] }
  if ($target -like 'HKLM:*') {
    return (Get-GoldenTestWorld).registry.ContainsKey($target)
  }
  Microsoft.PowerShell.Management\Test-Path @PSBoundParameters
}

$GoldenTestStateKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Setup\State'
$GoldenTestReadyState = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE'

# Sysprep, once started, reaches the ready state after readyAfterPolls reads of ImageState, or exits early.
function Step-GoldenTestSysprep($World) {
  if (-not ($World.ContainsKey('sysprepStarted') -and $World.sysprepStarted)) { return }
  $World.sysprepPolls = [int] $World.sysprepPolls + 1
  $sysprep = $World.sysprep
  if ($null -ne $sysprep -and $sysprep.ContainsKey('readyAfterPolls') -and $World.sysprepPolls -ge $sysprep.readyAfterPolls) {
    $World.registry[$GoldenTestStateKey] = @{ ImageState = $GoldenTestReadyState }
    $World.sysprepExited = $true
  }
  if ($null -ne $sysprep -and $sysprep.ContainsKey('exitAfterPolls') -and $World.sysprepPolls -ge $sysprep.exitAfterPolls) {
    $World.sysprepExited = $true
  }
}

function Get-ItemProperty {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string[]] $Path, [string[]] $LiteralPath, [Parameter(Position = 1)][string[]] $Name)
  $target = if ($PSBoundParameters.ContainsKey('LiteralPath')) { $LiteralPath[0] } else { $Path[0] }
  if ($target -notlike 'HKLM:*') {
    return Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters
  }
  $world = Get-GoldenTestWorld
  if ($target -eq $GoldenTestStateKey) {
    Step-GoldenTestSysprep $world
    Save-GoldenTestWorld $world
  }
  $key = $world.registry[$target]
  if ($null -eq $key) {
    Write-Error "Cannot find path '$target' because it does not exist."
    return
  }
  $result = [ordered] @{ PSPath = $target }
  foreach ($n in $Name) {
    if (-not $key.ContainsKey($n)) {
      Write-Error "Property $n does not exist at path $target."
      return
    }
    $result[$n] = $key[$n]
  }
  [pscustomobject] $result
}

function Start-Process {
  [CmdletBinding()]
  param([Parameter(Position = 0)][string] $FilePath, [Parameter(Position = 1)][string[]] $ArgumentList, [switch] $PassThru, [switch] $Wait,
    [string] $RedirectStandardOutput)
  if ($FilePath -notlike '*\Sysprep.exe') {
    return Microsoft.PowerShell.Management\Start-Process @PSBoundParameters
  }
  Add-GoldenTestCall 'Sysprep.exe' @{ FilePath = $FilePath; ArgumentList = @($ArgumentList) }
  $world = Get-GoldenTestWorld
  $world.sysprepStarted = $true
  $world.sysprepPolls = 0
  $world.sysprepExited = $false
  Save-GoldenTestWorld $world
  $process = [pscustomobject] @{ Id = 4242 }
  $process | Add-Member -MemberType ScriptProperty -Name HasExited -Value { [bool] (Get-GoldenTestWorld).sysprepExited }
  $process | Add-Member -MemberType ScriptProperty -Name Handle -Value { [IntPtr] 1 }
  $process | Add-Member -MemberType ScriptProperty -Name ExitCode -Value {
    $w = Get-GoldenTestWorld
    if ($w.sysprepExited) { if ($null -ne $w.sysprep -and $w.sysprep.ContainsKey('exitCode')) { $w.sysprep.exitCode } else { 0 } } else { $null }
  }
  $process
}

# --- Windows features -----------------------------------------------------------------------------------------

function Install-WindowsFeature {
  param([string[]] $Name)
  $world = Get-GoldenTestWorld
  Add-GoldenTestCall 'Install-WindowsFeature' @{ Name = @($Name) }
  $failed = @($Name | Where-Object { $world.ContainsKey('failFeatures') -and @($world.failFeatures) -contains $_ })
  # Installing IIS makes its site's root with its start page (C:\inetpub\wwwroot\iisstart.htm), where a guest with a
  # system drive of its own (the local Azure's) has it.
  if ($env:SystemDrive -and @($Name) -contains 'Web-Server' -and $failed -notcontains 'Web-Server') {
    $root = Join-Path $env:SystemDrive 'inetpub\wwwroot'
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    if (-not (Microsoft.PowerShell.Management\Test-Path -LiteralPath (Join-Path $root 'iisstart.htm'))) {
      Set-Content -LiteralPath (Join-Path $root 'iisstart.htm') -Value '<html><head><title>IIS Windows Server</title></head><body></body></html>'
    }
  }
  $restart = if ($world.ContainsKey('restartNeeded') -and $world.restartNeeded) { 'Yes' } else { 'No' }
  [pscustomobject] @{ Success = $failed.Count -eq 0; ExitCode = $(if ($failed.Count -eq 0) { 'Success' } else { 'Failed' }); RestartNeeded = $restart }
}

function Get-WindowsFeature {
  param([string[]] $Name)
  $world = Get-GoldenTestWorld
  foreach ($n in $Name) {
    [pscustomobject] @{ Name = $n; Installed = -not ($world.ContainsKey('failFeatures') -and @($world.failFeatures) -contains $n) }
  }
}
