# Parses PowerShell files as Windows PowerShell 5.1 would read them and reports what 5.1 lacks. Test code only.
# Each file's bytes are decoded as 5.1 decodes a script: UTF-8 after a UTF-8 BOM, UTF-16 after a UTF-16 BOM, else
# the ANSI code page (Windows-1252 on Azure's English images). Then PowerShell's own parser (pwsh 7, which knows
# every newer construct) must report no error, and the syntax tree must hold nothing that 5.1 cannot run.
# Prints one JSON array: { path, text, parseErrors, findings } per file.
param([Parameter(Mandatory, ValueFromRemainingArguments)][string[]] $Path)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

# Parameters that cmdlets of Windows PowerShell 5.1 do not have (added in PowerShell 6 or 7).
$NewParameters = @{
  'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'UseNewRunspace')
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json' = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
  'Get-Content' = @('AsByteStream')
  'Set-Content' = @('AsByteStream')
  'Add-Content' = @('AsByteStream')
  'Invoke-WebRequest' = @('SkipCertificateCheck', 'SkipHttpErrorCheck', 'StatusCodeVariable', 'Authentication', 'Token',
    'SslProtocol', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'SkipHeaderValidation', 'NoProxy', 'HttpVersion',
    'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'Form', 'PreserveAuthorizationOnRedirect',
    'AllowUnencryptedAuthentication', 'ResponseHeadersVariable', 'AllowInsecureRedirect', 'PreserveHttpMethodOnRedirect')
  'Invoke-RestMethod' = @('SkipCertificateCheck', 'SkipHttpErrorCheck', 'StatusCodeVariable', 'Authentication', 'Token',
    'SslProtocol', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'SkipHeaderValidation', 'NoProxy', 'HttpVersion',
    'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'Form', 'FollowRelLink', 'MaximumFollowRelLink',
    'ResponseHeadersVariable', 'AllowUnencryptedAuthentication', 'AllowInsecureRedirect', 'PreserveHttpMethodOnRedirect')
  'Get-Date' = @('AsUTC', 'UnixTimeSeconds')
  'Split-Path' = @('LeafBase', 'Extension')
  'Select-String' = @('Raw', 'NoEmphasis', 'Culture')
  'Test-Connection' = @('TargetName', 'Ping', 'Traceroute', 'TcpPort', 'MtuSize', 'Detailed', 'Repeat')
  'Sort-Object' = @('Top', 'Bottom', 'Stable')
  'Get-Random' = @('Shuffle')
  'Start-Process' = @('Environment')
}
$NewCommands = @('Join-String', 'Test-Json', 'Get-Error', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption',
  'Set-MarkdownOption', 'Get-Uptime', 'Remove-Alias', 'Remove-Service', 'Get-ExperimentalFeature', 'Enable-ExperimentalFeature',
  'Disable-ExperimentalFeature', 'Get-PSSubsystem', 'ConvertTo-CliXml', 'ConvertFrom-CliXml', 'Get-SecureRandom', 'Test-Json')
$Aliases = @{ '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; 'irm' = 'Invoke-RestMethod'; 'iwr' = 'Invoke-WebRequest';
  'gc' = 'Get-Content'; 'cat' = 'Get-Content'; 'type' = 'Get-Content'; 'sc' = 'Set-Content'; 'ac' = 'Add-Content'; 'sort' = 'Sort-Object'; 'sls' = 'Select-String'; 'start' = 'Start-Process'; 'saps' = 'Start-Process' }
# Variables that do not exist in 5.1: under Set-StrictMode a read of one is an error there.
$NewVariables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'PSNativeCommandUseErrorActionPreference', 'PSNativeCommandArgumentPassing')
$NewEncodings = @('utf8NoBOM', 'utf8BOM', 'ansi')

function Read-As51([string] $File) {
  $bytes = [System.IO.File]::ReadAllBytes($File)
  if ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) {
    return [System.Text.Encoding]::UTF8.GetString($bytes, 3, $bytes.Length - 3)
  }
  if ($bytes.Length -ge 2 -and $bytes[0] -eq 0xFF -and $bytes[1] -eq 0xFE) {
    return [System.Text.Encoding]::Unicode.GetString($bytes, 2, $bytes.Length - 2)
  }
  return [System.Text.Encoding]::GetEncoding(1252).GetString($bytes)
}

function Get-Findings([System.Management.Automation.Language.Ast] $Ast, $Tokens) {
  $found = New-Object System.Collections.Generic.List[string]
  $nodes = $Ast.FindAll({ $true }, $true)
  foreach ($node in $nodes) {
    $kind = $node.GetType().Name
    # Where a finding is: the line and the start of the construct's text (computed only for a finding).
    $where = { "line $($node.Extent.StartLineNumber): $($node.Extent.Text.Split("`n")[0])" }
    switch ($kind) {
      'TernaryExpressionAst' { $found.Add("ternary operator ?: ($(& $where))") }
      'PipelineChainAst' { $found.Add("pipeline chain && or || ($(& $where))") }
      'BinaryExpressionAst' {
        if ([string] $node.Operator -eq 'QuestionQuestion') { $found.Add("null-coalescing operator ?? ($(& $where))") }
        if (@('Ireplace', 'Creplace', 'Replace') -contains [string] $node.Operator -and $node.Right -is [System.Management.Automation.Language.ArrayLiteralAst] -and
          @($node.Right.Elements | Where-Object { $_ -is [System.Management.Automation.Language.ScriptBlockExpressionAst] }).Count -gt 0) {
          $found.Add("-replace with a script block ($(& $where))")
        }
      }
      'AssignmentStatementAst' {
        if ([string] $node.Operator -eq 'QuestionQuestionEquals') { $found.Add("null-coalescing assignment ??= ($(& $where))") }
      }
      'MemberExpressionAst' { if ($node.NullConditional) { $found.Add("null-conditional member access ?. ($(& $where))") } }
      'InvokeMemberExpressionAst' { if ($node.NullConditional) { $found.Add("null-conditional member access ?. ($(& $where))") } }
      'IndexExpressionAst' { if ($node.NullConditional) { $found.Add("null-conditional index ?[] ($(& $where))") } }
      'PipelineAst' { if ($node.Background) { $found.Add("background operator & ($(& $where))") } }
      'ScriptBlockAst' { if ($null -ne $node.CleanBlock) { $found.Add("clean block ($(& $where))") } }
      'VariableExpressionAst' {
        if ($NewVariables -contains $node.VariablePath.UserPath) { $found.Add("variable `$$($node.VariablePath.UserPath), absent in 5.1 ($(& $where))") }
      }
      'CommandAst' {
        $name = $node.GetCommandName()
        if ($null -eq $name) { break }
        if ($Aliases.ContainsKey($name)) { $name = $Aliases[$name] }
        if ($NewCommands -contains $name) { $found.Add("command $name, absent in 5.1 ($(& $where))") }
        $elements = $node.CommandElements
        for ($i = 1; $i -lt $elements.Count; $i++) {
          $element = $elements[$i]
          if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
          $parameter = $element.ParameterName
          if ($NewParameters.ContainsKey($name)) {
            foreach ($new in $NewParameters[$name]) {
              if ($new -eq $parameter -or ($parameter.Length -ge 3 -and $new.StartsWith($parameter, [StringComparison]::OrdinalIgnoreCase))) {
                $found.Add("$name -$new, absent in 5.1 ($(& $where))")
              }
            }
          }
          if ($parameter -eq 'Encoding') {
            $value = if ($null -ne $element.Argument) { $element.Argument } elseif ($i + 1 -lt $elements.Count) { $elements[$i + 1] } else { $null }
            if ($null -ne $value -and $NewEncodings -contains ($value.Extent.Text.Trim("'", '"'))) {
              $found.Add("-Encoding $($value.Extent.Text), absent in 5.1 ($(& $where))")
            }
          }
        }
      }
    }
  }
  foreach ($token in $Tokens) {
    if ($token.Kind -eq 'StringExpandable' -or $token.Kind -eq 'HereStringExpandable') {
      if ($token.Text -match '`u\{') { $found.Add("escape ``u{...}, read as plain text by 5.1 (line $($token.Extent.StartLineNumber))") }
    }
    if ($token.Kind -eq 'Number' -and ($token.Text -match '^0b[01]' -or $token.Text -match '^\d+(u|s|y|n|us|uy|ul)$')) {
      $found.Add("number literal $($token.Text), absent in 5.1 (line $($token.Extent.StartLineNumber))")
    }
  }
  $found
}

$results = foreach ($file in $Path) {
  $text = Read-As51 $file
  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput($text, $file, [ref] $tokens, [ref] $errors)
  [pscustomobject] @{
    path = $file
    text = $text
    parseErrors = @($errors | ForEach-Object { "line $($_.Extent.StartLineNumber): $($_.Message)" })
    findings = @(Get-Findings $ast $tokens | ForEach-Object { $_ })
  }
}
ConvertTo-Json -InputObject @($results) -Depth 5
