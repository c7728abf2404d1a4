# A setup step of WindowsSetup.iisAspNet, run by the setup script (setup-prelude.ps1) as SYSTEM under Windows
# PowerShell 5.1: IIS with ASP.NET 4.x, as the seed installs it with Install-WindowsFeature.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$features = @(
  'Web-Server', 'Web-Default-Doc', 'Web-Static-Content', 'Web-Http-Errors',
  'Web-Asp-Net45', 'Web-Net-Ext45', 'Web-ISAPI-Ext', 'Web-ISAPI-Filter', 'NET-Framework-45-ASPNET'
)
$result = Install-WindowsFeature -Name $features
if (-not $result.Success) {
  throw "Install-WindowsFeature failed with exit code $($result.ExitCode)"
}
$missing = @(Get-WindowsFeature -Name $features | Where-Object { -not $_.Installed } | ForEach-Object { $_.Name })
if ($missing.Count -gt 0) {
  throw "Windows features still missing after installation: $($missing -join ', ')"
}
if ("$($result.RestartNeeded)" -eq 'Yes') {
  # Sysprep runs with /quit and restarts nothing: the build restarts the VM after the setup, before Sysprep.
  Write-Output 'Install-WindowsFeature asks for a restart: a restart is pending, and the build restarts the VM before Sysprep.'
}
Write-Output "Installed: $($features -join ', ')"
