/**
 * Setup steps as users get them wrong, refused when the setup is made (before any cdk.tf.json): steps that are not a
 * list of `{ name, script }`, scripts read from a file in the wrong encoding, and calls that would end the whole
 * setup or stop the VM instead of ending the step. Each refusal names the step by index (and name), shows the value
 * and says how to fix it (test/util/refusal.ts). Accepted rows: a BOM, CRLF or UTF-16 changes nothing, not even the
 * script's hash, and a command only mentioned in a comment is fine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fn, TerraformStack, Token } from 'cdktf';
import { CustomSetupOptions, GoldenVm, IisAspNetSetupOptions, PowerShellStep, WindowsSetup } from '../lib';
import { goldenVmProps } from './util/constructs';
import { expectRefused, synthesize } from './util/refusal';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-steps-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A file in the temporary directory with these exact bytes. */
function file(name: string, bytes: Buffer): string {
  const target = path.join(directory, name);
  fs.writeFileSync(target, bytes);
  return target;
}

/** Builds a build VM with the setup, as an app would: the setup's error stops the synthesis. */
function buildVm(stack: TerraformStack, setup: () => WindowsSetup): void {
  new GoldenVm(stack, 'BuildVm', goldenVmProps({ setup: setup() }));
}

// Values a JavaScript caller (or a jsii language) can pass where the types say otherwise.
const custom = (options: unknown) => () => WindowsSetup.custom(options as CustomSetupOptions);
const steps = (...list: unknown[]) => custom({ steps: list });
const iis = (options: unknown) => () => WindowsSetup.iisAspNet(options as IisAspNetSetupOptions);
const step = (script: unknown, name = 'Install app'): PowerShellStep => ({ name, script } as PowerShellStep);

interface Row {
  readonly title: string;
  readonly prop: string;
  readonly value: unknown;
  readonly setup: () => WindowsSetup;
  /** The step's name, as the prop names it: `<prop> (step '<name>'...)`. */
  readonly step?: string;
  readonly mentions?: Array<string | RegExp>;
}

function refusedRow(row: Row): void {
  const message = expectRefused({ construct: 'WindowsSetup', prop: row.prop, value: row.value, build: (stack) => buildVm(stack, row.setup), mentions: row.mentions });
  if (row.step !== undefined) {
    expect(message).toContain(`  - ${row.prop} (step '${row.step}'`);
  }
}

describe('the list of steps', () => {
  const rows: Row[] = [
    { title: 'custom without options', prop: 'steps', value: undefined, setup: custom(undefined), mentions: [/is missing/] },
    { title: 'custom without steps', prop: 'steps', value: undefined, setup: custom({}), mentions: [/is missing/] },
    { title: 'custom with steps: null', prop: 'steps', value: null, setup: custom({ steps: null }), mentions: [/is missing/] },
    { title: 'custom with an empty list', prop: 'steps', value: [], setup: steps(), mentions: [/is empty/] },
    { title: 'one step instead of a list', prop: 'steps', value: step('Write-Output 1'), setup: custom({ steps: step('Write-Output 1') }), mentions: [/is not a list of steps/, /\[step\]/] },
    { title: 'a script instead of a list', prop: 'steps', value: 'Write-Output 1', setup: custom({ steps: 'Write-Output 1' }), mentions: [/is not a list of steps/] },
    { title: 'a null step', prop: 'steps[1]', value: null, setup: steps(step('Write-Output 1'), null), mentions: [/is not a step/, /stepFromFile/] },
    { title: 'a script instead of a step', prop: 'steps[0]', value: 'Write-Output 1', setup: steps('Write-Output 1'), mentions: [/is not a step/] },
    { title: 'a step without a name', prop: 'steps[0].name', value: undefined, setup: steps({ script: 'Write-Output 1' }), mentions: [/is missing/] },
    { title: 'a name that is not a string', prop: 'steps[0].name', value: 42, setup: steps({ name: 42, script: 'Write-Output 1' }), mentions: [/name the step/] },
    { title: 'a step without a script', prop: 'steps[0].script', step: 'Install app', value: undefined, setup: steps({ name: 'Install app' }), mentions: [/is missing/] },
    { title: 'script: undefined', prop: 'steps[0].script', step: 'Install app', value: undefined, setup: steps(step(undefined)), mentions: [/is missing/] },
    { title: 'a script that is a number', prop: 'steps[0].script', step: 'Install app', value: 42, setup: steps(step(42)), mentions: [/is not a string/] },
    {
      title: 'a script that is the bytes of a file (readFileSync without an encoding)',
      prop: 'steps[0].script',
      step: 'Install app',
      value: '<14 bytes>',
      setup: steps(step(Buffer.from('Write-Output 1'))),
      mentions: [/is bytes/, /stepFromFile/],
    },
    { title: 'an empty script', prop: 'steps[2].script', step: 'Install app', value: '', setup: steps(step('Write-Output 1', 'a'), step('exit 0', 'b'), step('')), mentions: [/is empty/] },
    { title: 'a blank script', prop: 'steps[0].script', step: 'Install app', value: ' \n\t ', setup: steps(step(' \n\t ')), mentions: [/is empty/] },
    { title: 'a script that is only a BOM', prop: 'steps[0].script', step: 'Install app', value: '\uFEFF\n', setup: steps(step('\uFEFF\n')), mentions: [/is empty/] },
    // iisAspNet: a step is named where the user wrote it
    { title: 'iisAspNet: one step as stepsBefore', prop: 'stepsBefore', value: step('Write-Output 1'), setup: iis({ stepsBefore: step('Write-Output 1') }) },
    { title: 'iisAspNet: a null step in stepsBefore', prop: 'stepsBefore[0]', value: null, setup: iis({ stepsBefore: [null] }), mentions: [/is not a step/] },
    { title: 'iisAspNet: a nameless step in stepsAfter', prop: 'stepsAfter[0].name', value: undefined, setup: iis({ stepsAfter: [{ script: 'Write-Output 1' }] }) },
    {
      title: 'iisAspNet: an empty script in stepsAfter',
      prop: 'stepsAfter[1].script',
      step: 'Install app',
      value: '  ',
      setup: iis({ stepsAfter: [step('Write-Output 1', 'First'), step('  ')] }),
      mentions: [/is empty/],
    },
    { title: 'iisAspNet: a script that is missing in stepsBefore', prop: 'stepsBefore[0].script', step: 'Install app', value: undefined, setup: iis({ stepsBefore: [{ name: 'Install app' }] }) },
  ];
  test.each(rows)('refuses $title', refusedRow);

  test('never fails with a TypeError: iisAspNet(null) is the default setup', () => {
    expect(WindowsSetup.iisAspNet(null as unknown as IisAspNetSetupOptions).scriptHash).toBe(WindowsSetup.iisAspNet().scriptHash);
  });
});

// --- encodings --------------------------------------------------------------------------------------------------------

const TEXT = "Write-Output 'Grüße, ёлка 😀'\n$x = @'\nline\n'@\nexit 0\n";
const utf16be = (text: string): Buffer => Buffer.from(text, 'utf16le').swap16();
const bom8 = Buffer.from([0xef, 0xbb, 0xbf]);

/** WindowsSetup.stepFromFile refusing the file at `filePath`. */
function fromFile(title: string, filePath: string, mentions: RegExp[]): Row {
  return {
    title: `stepFromFile: ${title}`,
    prop: 'path',
    step: 'Install app',
    value: filePath,
    mentions,
    setup: () => WindowsSetup.custom({ steps: [WindowsSetup.stepFromFile('Install app', filePath)] }),
  };
}

describe('step text in the wrong encoding', () => {
  const windows1252 = Buffer.from('Write-Output 1\nWrite-Output \x93quoted\x94\n', 'latin1');
  const rows: Row[] = [
    {
      title: 'a UTF-16 file read as UTF-8 (NUL characters)',
      prop: 'steps[0].script',
      step: 'Install app',
      value: Buffer.from('Write-Output 1\r', 'utf16le').toString('utf8'),
      setup: steps(step(Buffer.from('Write-Output 1\r\n', 'utf16le').toString('utf8'))),
      mentions: [/U\+0000/, /WindowsSetup\.stepFromFile/, /save it as UTF-8/, /line 1\)/],
    },
    {
      title: 'a UTF-16 file with its BOM read as Latin-1',
      prop: 'steps[0].script',
      step: 'Install app',
      value: Buffer.from('\uFEFFexit 0', 'utf16le').toString('latin1'),
      setup: steps(step(Buffer.from('\uFEFFexit 0', 'utf16le').toString('latin1'))),
      mentions: [/U\+0000/],
    },
    {
      title: 'a Windows-1252 file read as UTF-8 (U+FFFD)',
      prop: 'steps[0].script',
      step: 'Install app',
      value: 'Write-Output \uFFFDquoted\uFFFD',
      setup: steps(step(windows1252.toString('utf8'))),
      mentions: [/U\+FFFD/, /line 2\)/, /WindowsSetup\.stepFromFile/, /\[char\]0xFFFD/],
    },
    fromFile('a Windows-1252 file', file('cp1252.ps1', windows1252), [/is not UTF-8: byte 0x93 on line 2/, /save the file as UTF-8/]),
    fromFile('a file that does not exist', path.join(directory, 'missing.ps1'), [/cannot be read \(ENOENT/, /__dirname/]),
    fromFile('a directory', directory, [/cannot be read \(EISDIR/]),
    fromFile('a UTF-32 file', file('utf32.ps1', Buffer.from([0xff, 0xfe, 0, 0, 0x31, 0, 0, 0])), [/NUL characters/, /UTF-32/]),
    fromFile('a UTF-32 file without a BOM', file('utf32-no-bom.ps1', Buffer.from([0x31, 0, 0, 0, 0x32, 0, 0, 0])), [/NUL bytes but is not UTF-16/, /UTF-32/]),
    fromFile('a binary file', file('binary.ps1', Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0])), [/holds NUL/, /not a text file/]),
    fromFile('a UTF-16 file cut short', file('odd.ps1', Buffer.from([0xff, 0xfe, 0x31, 0, 0x32])), [/odd number of bytes/]),
    fromFile('a path that is a token', Token.asString(Fn.lower('a.ps1')), [/synth time/]),
    fromFile('an empty path', '', [/is not a file path/]),
    {
      title: 'stepFromFile: an empty file (then the step is empty)',
      prop: 'steps[0].script',
      step: 'Install app',
      value: '',
      setup: () => WindowsSetup.custom({ steps: [WindowsSetup.stepFromFile('Install app', file('empty.ps1', bom8))] }),
    },
  ];
  test.each(rows)('refuses $title', refusedRow);

  test('drops a leading BOM: the script and its hash are those of the script without it', () => {
    // GIVEN a file's text read with its UTF-8 BOM (as fs.readFileSync(file, 'utf8') does)
    const withBom = WindowsSetup.custom({ steps: [step(`\uFEFF${TEXT}`)] });
    const without = WindowsSetup.custom({ steps: [step(TEXT)] });
    // THEN
    expect(withBom.steps[0].script).toBe(TEXT);
    expect(withBom.renderScript()).toBe(without.renderScript());
    expect(withBom.scriptHash).toBe(without.scriptHash);
    expect(WindowsSetup.iisAspNet({ stepsAfter: [step(`\uFEFF${TEXT}`)] }).scriptHash).toBe(WindowsSetup.iisAspNet({ stepsAfter: [step(TEXT)] }).scriptHash);
  });

  test('stepFromFile reads UTF-8 and UTF-16, with or without a BOM, and CRLF, into the same step and hash', () => {
    // GIVEN the same text saved as each editor might
    const crlf = TEXT.replace(/\n/g, '\r\n');
    const files: Record<string, Buffer> = {
      'UTF-8': Buffer.from(TEXT, 'utf8'),
      'UTF-8 with BOM': Buffer.concat([bom8, Buffer.from(TEXT, 'utf8')]),
      'UTF-8, CRLF': Buffer.from(crlf, 'utf8'),
      'UTF-16 LE with BOM (Windows PowerShell 5.1 Out-File)': Buffer.from(`\uFEFF${crlf}`, 'utf16le'),
      'UTF-16 BE with BOM': utf16be(`\uFEFF${crlf}`),
      'UTF-16 LE without BOM': Buffer.from(TEXT, 'utf16le'),
      'UTF-16 BE without BOM': utf16be(TEXT),
    };
    // WHEN
    const read = Object.entries(files).map(([encoding, bytes], i) => {
      const fileStep = WindowsSetup.stepFromFile('Install app', file(`encoding-${i}.ps1`, bytes));
      return { encoding, script: fileStep.script, hash: WindowsSetup.custom({ steps: [fileStep] }).scriptHash };
    });
    // THEN
    const expected = WindowsSetup.custom({ steps: [step(TEXT)] }).scriptHash;
    expect(read).toEqual(Object.keys(files).map((encoding) => ({ encoding, script: TEXT, hash: expected })));
  });
});

// --- calls that end the setup or stop the VM -------------------------------------------------------------------------

const ENDS = [/would end the whole setup, not just this step/, /without its result line/, /Fix: end the step with exit <code>/];
const STOPS = [/would restart or shut down the VM/, /before the image is taken/, /a pending reboot is done after the setup/];
/** A restart asked for by a switch or a quiet installer, with the fix of that call. */
const MAY_RESTART = (fix: RegExp) => [/would restart the VM by itself when the installation needs it/, /before the image is taken/, fix,
  /a pending reboot is done after the setup, before Sysprep/];
const NO_SWITCH = MAY_RESTART(/Fix: remove -Restart \(or write -Restart:\$false\)/);
const NO_MSI_RESTART = MAY_RESTART(/Fix: add \/norestart \(or REBOOT=ReallySuppress\)/);

/** A step whose `line` (the value the message shows) is line `lineNumber` of `script`. */
function call(title: string, script: string, line: string, mentions: RegExp[], lineNumber = 1): Row {
  return { title, prop: 'steps[1].script', step: 'Install app', value: line, setup: steps(step('Write-Output ok', 'First'), step(script)), mentions: [...mentions, `line ${lineNumber})`] };
}

/** A one-line step script, shown whole. */
function oneLine(script: string, mentions: RegExp[]): Row {
  return call(script, script, script, mentions);
}

describe('calls that end the whole setup or stop the VM', () => {
  const rows: Row[] = [
    // the setup's process ends: no result line
    oneLine('[Environment]::Exit(1)', ENDS),
    oneLine('if ($failed) { [System.Environment]::Exit(3) }', ENDS),
    oneLine('[environment] :: exit (0)', ENDS),
    oneLine("[Environment]::FailFast('broken')", ENDS),
    oneLine('Stop-Process -Id $PID -Force', ENDS),
    oneLine('Stop-Process $pid', ENDS),
    oneLine('Get-Process -Id $PID | Stop-Process', ENDS),
    oneLine('kill $PID', ENDS),
    oneLine('Stop-Process -Name powershell -Force', ENDS),
    oneLine('Get-Process power* | Stop-Process -Force', ENDS),
    oneLine('taskkill /F /IM powershell.exe', ENDS),
    oneLine('[System.Diagnostics.Process]::GetCurrentProcess().Kill()', ENDS),
    // ends nothing
    oneLine('$host.SetShouldExit(1)', [/neither ends nor fails the step/, /Fix: end the step with exit <code>/]),
    // the VM restarts or stops
    oneLine('Restart-Computer -Force', STOPS),
    oneLine('restart-computer', STOPS),
    oneLine('Stop-Computer -Force', STOPS),
    oneLine('shutdown /r /t 0', STOPS),
    oneLine('shutdown.exe -r -f -t 0', STOPS),
    oneLine('& "$env:SystemRoot\\System32\\shutdown.exe" /t 0 /s', STOPS),
    oneLine('shutdown /g', STOPS),
    oneLine('shutdown /p', STOPS),
    oneLine('cmd /c "shutdown /r /t 30"', STOPS),
    oneLine("Start-Process shutdown.exe -ArgumentList '/r', '/t', '0'", STOPS),
    oneLine('Invoke-CimMethod -ClassName Win32_OperatingSystem -MethodName Reboot', STOPS),
    oneLine('(Get-WmiObject Win32_OperatingSystem).Win32Shutdown(6)', STOPS),
    // the VM restarts when an installation needs it (issue 23 point 7)
    oneLine('Install-WindowsFeature Web-Server -IncludeManagementTools -Restart', NO_SWITCH),
    oneLine('Add-WindowsFeature Web-Asp-Net45 -restart', NO_SWITCH),
    oneLine('Uninstall-WindowsFeature Windows-Defender -Restart:$true', NO_SWITCH),
    oneLine('Rename-Computer -NewName web01 -Force -Restart', NO_SWITCH),
    oneLine('Add-Computer -DomainName corp.example.com -Credential $cred -Restart', NO_SWITCH),
    oneLine('Install-WindowsUpdate -AcceptAll -AutoReboot', MAY_RESTART(/Fix: remove -AutoReboot \(add -IgnoreReboot\)/)),
    oneLine('Get-WindowsUpdate -Install -AcceptAll -AutoReboot', MAY_RESTART(/Fix: remove -AutoReboot/)),
    oneLine('msiexec /i C:\\temp\\app.msi /qn', NO_MSI_RESTART),
    oneLine('msiexec.exe /i app.msi /quiet /l*v install.log', NO_MSI_RESTART),
    oneLine("Start-Process msiexec.exe -ArgumentList '/i', 'app.msi', '/q' -Wait", NO_MSI_RESTART),
    oneLine('dism /Online /Enable-Feature /FeatureName:IIS-WebServerRole /All /Quiet', MAY_RESTART(/Fix: add \/NoRestart/)),
    oneLine('wusa.exe C:\\temp\\kb5005112.msu /quiet', MAY_RESTART(/Fix: add \/norestart/)),
    // where it is, and what is not a comment
    call('the line it is on', "Write-Output 'installing'\nchoco install app -y\nRestart-Computer -Force", 'Restart-Computer -Force', STOPS, 3),
    call('a command continued with a backtick', 'Write-Output 1\nshutdown `\n  /r /t 0', 'shutdown `', STOPS, 2),
    call('after a line comment', '# restart below\nRestart-Computer', 'Restart-Computer', STOPS, 2),
    oneLine('<# restart now #> Restart-Computer', STOPS),
    oneLine("Write-Output '#'; Restart-Computer", STOPS),
    oneLine("Write-Output 'it''s # done'; Restart-Computer", STOPS),
    oneLine('Write-Output "a $(\'#\') b"; Restart-Computer', STOPS),
    oneLine('Write-Output \u2018curly quotes # are quotes\u2019; Restart-Computer', STOPS),
    oneLine('Write-Output ${a #b}; Restart-Computer', STOPS),
    oneLine('Write-Output a#b; Restart-Computer', STOPS),
    call('after a here-string holding a #', "$text = @'\n# not a comment\n'@\nRestart-Computer", 'Restart-Computer', STOPS, 4),
  ];
  test.each(rows)('refuses $title', refusedRow);

  test('reports each kind of call of a step once, on its first line', () => {
    expect(() => WindowsSetup.custom({ steps: [step('Restart-Computer\nRestart-Computer -Force\n[Environment]::Exit(1)')] }))
      .toThrow(/: 2 invalid props:\n {2}- steps\[0\]\.script \(step 'Install app', line 3\): '\[Environment\]::Exit\(1\)' .*\n {2}- steps\[0\]\.script \(step 'Install app', line 1\): 'Restart-Computer' /);
  });

  test.each([
    ['a line comment', '# Restart-Computer is done after the setup\nWrite-Output 1'],
    ['a comment after code', 'Write-Output 1 # Stop-Process -Id $PID would end the setup'],
    ['a comment after ;', 'Write-Output 1;# shutdown /r'],
    ['a block comment', '<# Never call Restart-Computer or [Environment]::Exit(1) here #>\nexit 0'],
    ['a block comment over lines', 'Write-Output 1\n<#\n  Restart-Computer\n  $host.SetShouldExit(1)\n#>\nWrite-Output 2'],
    ['a comment after a string whose subexpression holds a quote', 'Write-Output "$(\'"\')" # Restart-Computer is done later'],
    ["a comment after a here-string holding a '", "$text = @'\nit's fine\n'@ # Restart-Computer is done later"],
    ['a comment after an escaped quote', 'Write-Output `"quoted # Restart-Computer is done later'],
    ['shutdown /a (abort a shutdown)', 'shutdown /a'],
    ['reading its own process', '(Get-Process -Id $PID).WorkingSet64'],
    ['stopping another process', 'Stop-Process -Name notepad -ErrorAction SilentlyContinue'],
    ["a socket's Shutdown", '$socket.Shutdown([System.Net.Sockets.SocketShutdown]::Both)'],
    ['a variable named shutdown', '$shutdown = $false\nif ($shutdown) { exit 1 }'],
    ['exit, which ends only the step', 'exit 3'],
    ['-Restart:$false', 'Install-WindowsFeature Web-Server -Restart:$false'],
    ['-Restart: $False, spaced', 'Rename-Computer -NewName web01 -Restart: $False'],
    ['Restart-Service, not a switch', 'Restart-Service W3SVC -Force'],
    ['a -RestartCount parameter', 'Set-Something -RestartCount 3'],
    ['-IgnoreReboot', 'Install-WindowsUpdate -AcceptAll -IgnoreReboot'],
    ['msiexec /qn /norestart', 'msiexec /i app.msi /qn /norestart'],
    ['msiexec /quiet REBOOT=ReallySuppress', 'msiexec.exe /i app.msi /quiet REBOOT=ReallySuppress'],
    ['msiexec with its full UI', 'msiexec /i app.msi'],
    ['DISM /Quiet /NoRestart', 'dism.exe /Online /Enable-Feature /FeatureName:IIS-WebServerRole /All /Quiet /NoRestart'],
    ['DISM without /Quiet', 'dism /Online /Get-Features'],
    ['wusa /quiet /norestart', 'wusa.exe C:\\temp\\kb5005112.msu /quiet /norestart'],
  ])('accepts %s', (_, script) => {
    const result = synthesize((stack) => buildVm(stack, () => WindowsSetup.custom({ steps: [step(script)] })));
    expect(result.error).toBeUndefined();
    expect(result.json).toBeDefined();
  });
});
