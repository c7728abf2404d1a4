/**
 * Every guest script and every rendered setup script, read as Windows PowerShell 5.1 reads it, parses with
 * PowerShell's own parser and uses nothing that 5.1 lacks (check-ps51.ps1).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describeWithPwsh, GUEST_DIRECTORY, HARNESS_DIRECTORY, runPwsh } from './pwsh';
import { WindowsSetup } from '../../lib';


interface CheckResult {
  path: string;
  text: string;
  parseErrors: string[];
  findings: string[];
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-ps51-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Checks files in one pwsh run; keyed by path. */
async function check(files: string[]): Promise<Map<string, CheckResult>> {
  const result = await runPwsh(['-File', path.join(HARNESS_DIRECTORY, 'check-ps51.ps1'), ...files]);
  if (result.code !== 0) {
    throw new Error(`check-ps51.ps1 failed (${result.code}):\n${result.stderr}`);
  }
  const parsed: CheckResult[] = JSON.parse(result.stdout);
  return new Map(parsed.map((r) => [r.path, r]));
}

function writeFile(name: string, content: string | Buffer): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, content);
  return file;
}

/** The steps of a rendered script, decoded as the guest decodes them. */
function decodedSteps(script: string): string[] {
  return [...script.matchAll(/Script = \(ConvertFrom-GoldenBase64 '([A-Za-z0-9+/=]+)'\)/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
}

/** A PowerShell single-quoted string: every quote PowerShell accepts as one (', ‘, ’, ‚, ‛) doubled. */
function psQuote(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** Text that Windows-1252 turns into quotes (0x91-0x94 in UTF-8 continuation bytes: ё, ‑), curly quotes, an emoji. */
const NON_ASCII = 'Café ёлка‑шоп “Contoso’s” 😀';

const SETUPS: Record<string, () => WindowsSetup> = {
  'iisAspNet default': () => WindowsSetup.iisAspNet(),
  'iisAspNet with steps before and after': () => WindowsSetup.iisAspNet({
    pageTitle: "Contoso's web",
    stepsBefore: [{ name: 'Before', script: 'Write-Output before' }],
    stepsAfter: [{ name: 'After', script: "Write-Output 'after'\nexit 0" }],
    smokeTest: { url: 'http://localhost:8080/health', expectText: 'OK', timeoutSeconds: 60 },
  }),
  'custom': () => WindowsSetup.custom({ steps: [{ name: 'App', script: 'Write-Output app' }] }),
  'non-ASCII title, step names and expected text': () => WindowsSetup.iisAspNet({
    pageTitle: NON_ASCII,
    stepsBefore: [{ name: `Étape ${NON_ASCII}`, script: `Write-Output ${psQuote(NON_ASCII)}` }],
    smokeTest: { expectText: NON_ASCII },
  }),
};

describeWithPwsh('guest PowerShell under the real parser', () => {
  const shipped = fs.readdirSync(GUEST_DIRECTORY).filter((f) => f.endsWith('.ps1')).sort();

  test('finds the shipped guest scripts', () => {
    expect(shipped).toEqual(expect.arrayContaining([
      'deploy-machine-name-page.ps1', 'generalize.ps1', 'install-iis-aspnet.ps1', 'setup-finish.ps1', 'setup-prelude.ps1',
      'setup-start.ps1', 'setup-status.ps1', 'smoke-test.ps1',
    ]));
  });

  test('every shipped guest script is ASCII, parses as Windows PowerShell 5.1 reads it and uses only 5.1 syntax', async () => {
    const files = shipped.map((f) => path.join(GUEST_DIRECTORY, f));
    const results = await check(files);
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      const text = bytes.toString('utf8');
      // ASCII: the same text whatever code page reads it (Run Command and custom data carry the bytes as they are).
      const nonAscii = [...bytes].filter((b) => b > 0x7e || (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09)).length;
      expect({ file, nonAscii }).toEqual({ file, nonAscii: 0 });
      const { parseErrors, findings } = results.get(file)!;
      expect({ file, parseErrors, findings }).toEqual({ file, parseErrors: [], findings: [] });
      // Each says what it is and who runs it, and runs strict.
      expect(text.startsWith('# ')).toBe(true);
      expect(text).toMatch(/Windows\s+(# )?PowerShell 5\.1/);
      expect(text).toContain('Set-StrictMode -Version 3.0');
      expect(text).toContain("$ErrorActionPreference = 'Stop'");
    }
  });

  test('every rendered setup script and its steps parse as Windows PowerShell 5.1 reads the custom data, with 5.1 syntax only', async () => {
    const files: string[] = [];
    for (const [name, make] of Object.entries(SETUPS)) {
      const script = make().renderScript();
      // The bytes GoldenVm puts in custom data, which reach setup.ps1 unchanged.
      const bytes = Buffer.from(script, 'utf8');
      expect({ name, nonAscii: [...bytes].filter((b) => b > 0x7e).length }).toEqual({ name, nonAscii: 0 });
      const slug = name.replace(/\W+/g, '-');
      files.push(writeFile(`${slug}.ps1`, bytes));
      // Steps are written with a BOM by the prelude: Windows PowerShell 5.1 reads them as UTF-8.
      decodedSteps(script).forEach((step, i) => files.push(writeFile(`${slug}.step${i}.ps1`, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(step, 'utf8')]))));
    }
    const results = await check(files);
    for (const file of files) {
      expect({ file: path.basename(file), parseErrors: results.get(file)!.parseErrors, findings: results.get(file)!.findings })
        .toEqual({ file: path.basename(file), parseErrors: [], findings: [] });
    }
    // The non-ASCII step's text reads back whole from its BOM-prefixed file.
    const nonAsciiStep = results.get(files.find((f) => f.includes('non-ASCII') && f.endsWith('step0.ps1'))!)!;
    expect(nonAsciiStep.text).toContain(psQuote(NON_ASCII));
  });

  test('the model of Windows PowerShell 5.1 decoding is right: UTF-8 without a BOM reads as Windows-1252 and can break the script', async () => {
    // GIVEN the old rendering (a UTF-8 literal, no BOM), with and without a BOM
    const literal = `$title = ${psQuote(NON_ASCII)}\nWrite-Output $title\n`;
    const withoutBom = writeFile('literal-no-bom.ps1', Buffer.from(literal, 'utf8'));
    const withBom = writeFile('literal-bom.ps1', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(literal, 'utf8')]));
    // WHEN read as 5.1 reads them
    const results = await check([withoutBom, withBom]);
    // THEN without a BOM the text is garbled and the bytes read as curly quotes end the string early
    expect(results.get(withoutBom)!.text).toContain('CafÃ©');
    expect(results.get(withoutBom)!.parseErrors.length).toBeGreaterThan(0);
    // and with one it reads as written
    expect(results.get(withBom)!.text).toBe(literal);
    expect(results.get(withBom)!.parseErrors).toEqual([]);
  });

  const SAMPLES: Array<[string, string, RegExp]> = [
    ['ternary', '$a = $x ? 1 : 2', /ternary/],
    ['null-coalescing', '$b = $a ?? 2', /null-coalescing operator \?\?/],
    ['null-coalescing assignment', '$a ??= 1', /null-coalescing assignment \?\?=/],
    ['null-conditional member', '${a}?.Length', /null-conditional member access/],
    ['null-conditional method', '${a}?.ToString()', /null-conditional member access/],
    ['null-conditional index', '${a}?[0]', /null-conditional index/],
    ['pipeline chain &&', 'Get-Item x && Get-Item y', /pipeline chain/],
    ['pipeline chain ||', 'Get-Item x || Write-Output y', /pipeline chain/],
    ['ForEach-Object -Parallel', '1..3 | ForEach-Object -Parallel { $_ }', /ForEach-Object -Parallel/],
    ['% -Parallel', '1..3 | % -Parallel { $_ } -ThrottleLimit 2', /ForEach-Object -Parallel/],
    ['ConvertFrom-Json -AsHashtable', "'{}' | ConvertFrom-Json -AsHashtable", /ConvertFrom-Json -AsHashtable/],
    ['Join-String', '1, 2 | Join-String -Separator ","', /command Join-String/],
    ['clean block', 'function f { process { 1 } clean { 2 } }', /clean block/],
    ['background operator', 'Start-Sleep 1 &', /background operator/],
    ['$IsWindows', 'if ($IsWindows) { 1 }', /variable \$IsWindows/],
    ['`u{} escape', 'Write-Output "`u{263A}"', /escape `u\{/],
    ['-replace with a script block', '"a" -replace "a", { "b" }', /-replace with a script block/],
    ['Get-Content -AsByteStream', 'Get-Content x -AsByteStream', /Get-Content -AsByteStream/],
    ['-Encoding utf8NoBOM', 'Set-Content x -Value 1 -Encoding utf8NoBOM', /-Encoding utf8NoBOM/],
    ['Invoke-WebRequest -SkipCertificateCheck', 'Invoke-WebRequest https://x -SkipCertificateCheck', /Invoke-WebRequest -SkipCertificateCheck/],
    ['binary literal', '$a = 0b101', /number literal 0b101/],
  ];

  test('the checker rejects each construct Windows PowerShell 5.1 lacks, and accepts their 5.1 spellings', async () => {
    const files = SAMPLES.map(([name, code], i) => writeFile(`sample${i}.ps1`, `# ${name}\n${code}\n`));
    const fine = writeFile('fine.ps1', [
      'if ($x) { 1 } else { 2 }', 'if ($null -eq $a) { $a = 1 }', '1..3 | ForEach-Object { $_ }', "'{}' | ConvertFrom-Json",
      '(1, 2) -join ","', 'Get-Content x -Encoding Byte', 'Get-Item x; if ($?) { Get-Item y }', 'Write-Output "$([char] 0x263A)"',
      'Invoke-WebRequest https://x -UseBasicParsing -TimeoutSec 5', '$a = [regex]::Replace("a", "a", { param($m) "b" })',
    ].join('\n'));
    const results = await check([...files, fine]);
    SAMPLES.forEach(([name, , pattern], i) => {
      const result = results.get(files[i])!;
      expect({ name, parseErrors: result.parseErrors }).toEqual({ name, parseErrors: [] });
      expect({ name, found: result.findings.some((f) => pattern.test(f)), findings: result.findings }).toMatchObject({ name, found: true });
    });
    expect(results.get(fine)!.findings).toEqual([]);
    expect(results.get(fine)!.parseErrors).toEqual([]);
  });
});
