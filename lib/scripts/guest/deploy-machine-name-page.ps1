# A setup step of WindowsSetup.iisAspNet, run by the setup script (setup-prelude.ps1) as SYSTEM under Windows
# PowerShell 5.1: an ASP.NET page that renders the computer name at request time, so every VM made from the image
# shows its own name (Sysprep gives each one a new name), not the build VM's. The title is $GoldenSetup.PageTitle.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$root = Join-Path $env:SystemDrive 'inetpub\wwwroot'
foreach ($default in 'iisstart.htm', 'iisstart.png') {
  Remove-Item -LiteralPath (Join-Path $root $default) -Force -ErrorAction SilentlyContinue
}
$title = [System.Net.WebUtility]::HtmlEncode($GoldenSetup.PageTitle)
$page = @'
<%@ Page Language="C#" %>
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>__TITLE__</title></head>
<body>
  <h1>__TITLE__</h1>
  <p>Served by <strong id="computer-name"><%= Server.HtmlEncode(Environment.MachineName) %></strong></p>
</body>
</html>
'@
Set-Content -LiteralPath (Join-Path $root 'Default.aspx') -Value $page.Replace('__TITLE__', $title) -Encoding UTF8
Write-Output "Deployed $(Join-Path $root 'Default.aspx')"
