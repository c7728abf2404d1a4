# Polls setup-status.ps1 the way the operator's setup step (lib/operator/steps/setup.ts) does (from offset to offset until the state is no longer
# running), in one process so that a test can take many small windows quickly; the stand-ins are loaded first.
# Prints one JSON array: the output and exit code of every call. Test code only.
param(
  [Parameter(Mandatory)][string] $Script,
  [string] $ParametersJson = '{}',
  [int] $MaxPolls = 100,
  [int] $PauseMilliseconds = 0
)
. (Join-Path $PSScriptRoot 'stand-ins.ps1')
$parameters = ConvertFrom-Json $ParametersJson -AsHashtable
$offset = '0'
$polls = @()
for ($i = 0; $i -lt $MaxPolls; $i++) {
  $global:LASTEXITCODE = 0
  $output = @(& $Script @parameters -Offset $offset | ForEach-Object { [string] $_ }) -join "`n"
  $polls += [pscustomobject] @{ output = $output; code = $LASTEXITCODE }
  $status = ($output -split "`n")[-1]
  if ($status -notmatch '^GOLDEN-IMAGE-SETUP-STATUS: running (\d+)$') { break }
  $offset = $Matches[1]
  Start-Sleep -Milliseconds $PauseMilliseconds
}
ConvertTo-Json -InputObject @($polls) -Depth 3
