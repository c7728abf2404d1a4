# Runs a guest script with the Windows-only commands stood in (stand-ins.ps1), its parameters given as strings, the
# way Run Command passes them; exits with the script's exit code. Test code only.
param(
  [Parameter(Mandatory)][string] $Script,
  [string] $ParametersJson = '{}'
)
. (Join-Path $PSScriptRoot 'stand-ins.ps1')
$parameters = ConvertFrom-Json $ParametersJson -AsHashtable
$global:LASTEXITCODE = 0
& $Script @parameters
exit $LASTEXITCODE
