# IIS with ASP.NET 4.x, as the seed installs it with Install-WindowsFeature.
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
  Write-Output 'Install-WindowsFeature asks for a restart; Sysprep restarts the VM before it is imaged.'
}
Write-Output "Installed: $($features -join ', ')"
