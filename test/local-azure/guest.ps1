# A guest script as Run Command runs it in the local Azure (test/local-azure/run-command.ts): the guest's system drive
# C: is a directory of the guest's own (so `C:\AzureData\CustomData.bin`, `C:\GoldenImage` and the scripts' other
# Windows defaults resolve under pwsh on Linux), then the Windows-only commands are stood in as in the PowerShell tests
# (test/powershell/run-with-stand-ins.ps1). The guest's scheduled tasks run their scripts through this too. Test code
# only.
param(
  [Parameter(Mandatory)][string] $Script,
  [Parameter(Mandatory)][string] $SystemDrive,
  [string] $ParametersJson = '{}'
)
New-PSDrive -Name C -PSProvider FileSystem -Root $SystemDrive -Scope Global | Out-Null

# The guest's own port 80 (http://localhost/, http://127.0.0.1/) is its IIS, which the local Azure serves for this VM
# on $env:GOLDEN_GUEST_PORT_80 (test/local-azure/guest-web.ts); every other address is reached as it is.
function Invoke-WebRequest {
  param([Parameter(Mandatory, Position = 0)][uri] $Uri, [switch] $UseBasicParsing, [int] $TimeoutSec = 0)
  $target = $Uri
  if ($env:GOLDEN_GUEST_PORT_80 -and $Uri.Scheme -eq 'http' -and $Uri.Port -eq 80 -and $Uri.Host -in @('localhost', '127.0.0.1')) {
    $target = [uri]::new([uri] $env:GOLDEN_GUEST_PORT_80, $Uri.PathAndQuery)
  }
  Microsoft.PowerShell.Utility\Invoke-WebRequest -Uri $target -UseBasicParsing -TimeoutSec $TimeoutSec
}

& (Join-Path $PSScriptRoot '..' 'powershell' 'run-with-stand-ins.ps1') -Script $Script -ParametersJson $ParametersJson
exit $LASTEXITCODE
