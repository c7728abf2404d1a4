# A guest script as Run Command runs it in the local Azure (test/local-azure/run-command.ts): the guest's system drive
# C: is a directory of the guest's own (so `C:\AzureData\CustomData.bin`, `C:\GoldenImage` and the scripts' other
# Windows defaults resolve under pwsh on Linux), then the Windows-only commands are stood in as in the PowerShell tests
# (test/powershell/run-with-stand-ins.ps1). Test code only.
param(
  [Parameter(Mandatory)][string] $Script,
  [Parameter(Mandatory)][string] $SystemDrive,
  [string] $ParametersJson = '{}'
)
New-PSDrive -Name C -PSProvider FileSystem -Root $SystemDrive -Scope Global | Out-Null
& (Join-Path $PSScriptRoot '..' 'powershell' 'run-with-stand-ins.ps1') -Script $Script -ParametersJson $ParametersJson
exit $LASTEXITCODE
