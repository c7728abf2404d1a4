import * as fs from 'fs';
import * as path from 'path';
import { WindowsSetup } from '../lib';

describe('WindowsSetup.iisAspNet', () => {
  test('installs IIS and ASP.NET 4.x, deploys the page, then runs the smoke test last', () => {
    // WHEN
    const setup = WindowsSetup.iisAspNet();
    const script = setup.renderScript();
    // THEN
    expect(setup.steps.map((s) => s.name)).toEqual(['Install IIS and ASP.NET 4.x', 'Deploy the machine-name page', 'Smoke test']);
    const install = setup.steps[0].script;
    expect(install).toMatch(/Install-WindowsFeature -Name \$features/);
    expect(install).toMatch(/'Web-Server'/);
    expect(install).toMatch(/'Web-Asp-Net45'/);
    expect(install).toMatch(/'NET-Framework-45-ASPNET'/);
    expect(decodedSteps(script)).toEqual(setup.steps.map((s) => s.script.trimEnd() + '\n'));
    expect(script).toMatch(/\$ErrorActionPreference = 'Stop'/);
    expect(script).toMatch(/SmokeTestUrl = 'http:\/\/localhost\/'/);
    expect(script).toMatch(/SmokeTestExpectComputerName = \$true/);
    // The steps run through Invoke-GoldenSetup, which writes the log and its result line; the script exits with its code.
    expect(script.trimEnd().endsWith('Invoke-GoldenSetup -Steps $GoldenSteps\nexit $GoldenExitCode')).toBe(true);
    expect(script).not.toMatch(/Start-Transcript/);
    expect(script).toMatch(/SmokeTestRetrySeconds = 5/);
  });

  test('renders pure ASCII whatever the text: other characters travel base64-encoded and decode back whole', () => {
    // GIVEN texts that Windows PowerShell 5.1 would read as Windows-1252 (curly quotes end a PowerShell string)
    const title = 'Café ёлка “Contoso’s”';
    const setup = WindowsSetup.iisAspNet({ pageTitle: title, stepsBefore: [{ name: 'Étape ё', script: 'Write-Output 1' }], smokeTest: { expectText: 'ёлка' } });
    // WHEN
    const script = setup.renderScript();
    // THEN
    expect(/^[\t\n\x20-\x7e]*$/.test(script)).toBe(true);
    const literal = (key: string) => Buffer.from(script.match(new RegExp(`  ${key} = \\(ConvertFrom-GoldenBase64 '([A-Za-z0-9+/=]+)'\\)`))![1], 'base64').toString('utf8');
    expect(literal('PageTitle')).toBe(title);
    expect(literal('SmokeTestExpectText')).toBe('ёлка');
    expect(Buffer.from(script.match(/@\{ Name = \(ConvertFrom-GoldenBase64 '([A-Za-z0-9+/=]+)'\)/)![1], 'base64').toString('utf8')).toBe('Étape ё');
    // ASCII stays readable
    expect(script).toContain("@{ Name = 'Install IIS and ASP.NET 4.x'; Script = (ConvertFrom-GoldenBase64 '");
  });

  test('renders the computer name at request time, not at build time', () => {
    const script = decodedSteps(WindowsSetup.iisAspNet().renderScript()).join('\n');
    expect(script).toContain('<%= Server.HtmlEncode(Environment.MachineName) %>');
    // The build VM's name must never be baked into the page.
    expect(script).not.toMatch(/\$env:COMPUTERNAME[^\n]*Default\.aspx/);
  });

  test('runs the steps before and after in order, and quotes the title for PowerShell', () => {
    const setup = WindowsSetup.iisAspNet({
      pageTitle: "Contoso's web",
      stepsBefore: [{ name: 'Before', script: 'Write-Output before' }],
      stepsAfter: [{ name: 'After', script: 'Write-Output after' }],
    });
    expect(setup.steps.map((s) => s.name)).toEqual(['Before', 'Install IIS and ASP.NET 4.x', 'Deploy the machine-name page', 'After', 'Smoke test']);
    expect(setup.renderScript()).toContain("PageTitle = 'Contoso''s web'");
  });

  test('changes its hash when a step changes', () => {
    const a = WindowsSetup.iisAspNet({ stepsAfter: [{ name: 'x', script: 'Write-Output 1' }] });
    const b = WindowsSetup.iisAspNet({ stepsAfter: [{ name: 'x', script: 'Write-Output 2' }] });
    expect(a.scriptHash).not.toBe(b.scriptHash);
    expect(a.scriptHash).toBe(WindowsSetup.iisAspNet({ stepsAfter: [{ name: 'x', script: 'Write-Output 1' }] }).scriptHash);
  });

  test.each([
    [{ pageTitle: '' }, /pageTitle: '' is not a one-line title/],
    [{ smokeTest: { timeoutSeconds: 5 } }, /smokeTest.timeoutSeconds: 5 is not a whole number of seconds between 10 and 3600/],
    [{ smokeTest: { url: "http://localhost/'; Remove-Item C:\\" } }, /smokeTest.url: .* is not an http\(s\) URL/],
    [{ stepsAfter: [{ name: "it's", script: 'x' }] }, /stepsAfter\[0\].name: 'it\\'s' is not a one-line name/],
    [{ stepsAfter: [{ name: 'x', script: '  ' }] }, /stepsAfter\[0\].script \(step 'x'\): '  ' is empty/],
  ])('rejects %j', (options, message) => {
    expect(() => WindowsSetup.iisAspNet(options)).toThrow(message);
  });
});

describe('the step contract', () => {
  test('is documented where API.md and the README take it: strict mode, errors, exit, native exit codes, the log, encoding', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', 'lib', 'powershell-step.ts'), 'utf8');
    const stepDoc = source.slice(0, source.indexOf('export interface PowerShellStep'));
    for (const term of ['Set-StrictMode -Version 3.0', "$ErrorActionPreference = 'Stop'", '`exit` ends the step, not the setup', '$LASTEXITCODE', 'standard error', '$GoldenSetup']) {
      expect({ term, documented: stepDoc.includes(term) }).toEqual({ term, documented: true });
    }
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const contract = readme.slice(readme.indexOf('**Setup steps: the contract.**'));
    expect(readme).toContain('**Setup steps: the contract.**');
    for (const term of ['Set-StrictMode -Version 3.0', '$ErrorActionPreference = \'Stop\'', '`exit` or `exit 0`', '$LASTEXITCODE', 'setup.log', 'pure ASCII']) {
      expect({ term, documented: contract.includes(term) }).toEqual({ term, documented: true });
    }
  });
});

describe('WindowsSetup.custom', () => {
  test('carries any step content intact, quotes and here-string markers included', () => {
    const tricky = "Write-Output 'a'\n$x = @'\nraw\n'@\nWrite-Output \"$x\"";
    const setup = WindowsSetup.custom({ steps: [{ name: 'Tricky', script: tricky }] });
    expect(decodedSteps(setup.renderScript())).toEqual([tricky + '\n']);
  });

  test('runs only the given steps when no smoke test is asked for', () => {
    const setup = WindowsSetup.custom({ steps: [{ name: 'App', script: 'Write-Output app' }] });
    expect(setup.steps.map((s) => s.name)).toEqual(['App']);
    expect(setup.renderScript()).not.toContain('Smoke test');
  });

  test('rejects an empty list of steps', () => {
    expect(() => WindowsSetup.custom({ steps: [] })).toThrow(/steps: \[\] is empty. Fix: give at least one PowerShell step/);
  });

  test('rejects a script larger than custom data can carry', () => {
    const big = 'Write-Output 1\n'.repeat(5000);
    expect(() => WindowsSetup.custom({ steps: [{ name: 'Big', script: big }] })).toThrow(/custom data holds at most 65535/);
  });
});

/** The steps of a rendered script, decoded as the guest decodes them. */
function decodedSteps(script: string): string[] {
  return [...script.matchAll(/Script = \(ConvertFrom-GoldenBase64 '([A-Za-z0-9+/=]+)'\)/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
}
