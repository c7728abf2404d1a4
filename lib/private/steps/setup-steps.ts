/**
 * The synth-time checks of `WindowsSetup` steps: their shape (a list of `{ name, script }`), their text (a script read
 * from a file in the wrong encoding), and calls that would end the whole setup or restart the VM instead of ending
 * the step. Also the reading of a step's file in any encoding PowerShell editors save (`WindowsSetup.stepFromFile`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { blankComments } from './powershell-comments';
import type { PowerShellStep } from '../../powershell-step';
import { refuseUnknownMember, STRING, struct } from '../validation/prop-types';
import { isUnresolved, PropsValidator } from '../validation/props-validator';

const STEP_NAME = /^[^\r\n']{1,100}$/;
const NAME_FIX = "name the step, e.g. 'Install the app'";
const FILE_FIX = 'read the file with WindowsSetup.stepFromFile(name, path), which decodes UTF-8 and UTF-16, or save it as UTF-8';

/**
 * Checks a list of steps given as `listProp` (`steps`, `stepsBefore`, `stepsAfter`), recording every problem, and
 * returns the steps normalized (a leading byte order mark dropped). The result is only meaningful when nothing was
 * recorded.
 */
export function checkSteps(v: PropsValidator, listProp: string, steps: unknown, required: boolean): PowerShellStep[] {
  if (steps === undefined || steps === null) {
    if (required) {
      v.fail(listProp, steps, 'is missing', "give the steps to run, e.g. [{ name: 'Install the app', script: 'choco install app -y' }]");
    }
    return [];
  }
  if (!Array.isArray(steps)) {
    v.fail(listProp, steps, 'is not a list of steps', `give a list, e.g. ${listProp}: [step] for one step`);
    return [];
  }
  if (steps.length === 0 && required) {
    v.fail(listProp, steps, 'is empty', 'give at least one PowerShell step');
  }
  return steps.map((step, i) => checkStep(v, `${listProp}[${i}]`, step));
}

/** `PowerShellStep` at runtime (lib/private/validation/prop-types.ts); its members are checked here, one by one. */
export const POWERSHELL_STEP = struct<PowerShellStep>('PowerShellStep', { name: STRING, script: STRING },
  "{ name: 'Install the app', script: '<PowerShell>' }, or WindowsSetup.stepFromFile(name, path)");
const STEP_MEMBERS: readonly string[] = Object.keys(POWERSHELL_STEP.shape);

function checkStep(v: PropsValidator, prop: string, step: unknown): PowerShellStep {
  if (step === null || typeof step !== 'object' || Array.isArray(step)) {
    v.fail(prop, step, 'is not a step', "give { name: 'Install the app', script: '<PowerShell>' }, or WindowsSetup.stepFromFile(name, path)");
    return { name: '', script: '' };
  }
  const { name, script } = step as { name?: unknown; script?: unknown };
  for (const [member, value] of Object.entries(step)) {
    if (!STEP_MEMBERS.includes(member) && value !== undefined && value !== null) {
      refuseUnknownMember(v, `${prop}.`, member, value, 'PowerShellStep', STEP_MEMBERS);
    }
  }
  if (isUnresolved(name) || isUnresolved(script)) {
    v.fail(prop, name, 'holds an unresolved token; the setup script is fixed at synth time', 'pass the step as literal PowerShell');
    return { name: '', script: '' };
  }
  const nameIsValid = typeof name === 'string' && STEP_NAME.test(name);
  if (name === undefined) {
    v.fail(`${prop}.name`, name, 'is missing: the log and the failure message name each step', NAME_FIX);
  } else if (!nameIsValid) {
    v.fail(`${prop}.name`, name, 'is not a one-line name of 1-100 characters without single quotes', NAME_FIX);
  }
  // A script's problems name the step by its index and its name.
  const scriptProp = `${prop}.script${nameIsValid ? ` (step '${name}')` : ''}`;
  const normalized = checkScript(v, scriptProp, script);
  return { name: name as string, script: normalized };
}

/** Checks one step's script; returns it without a leading byte order mark. */
function checkScript(v: PropsValidator, prop: string, script: unknown): string {
  if (script === undefined) {
    v.fail(prop, script, 'is missing', "give the step's PowerShell, or read it with WindowsSetup.stepFromFile(name, path)");
    return '';
  }
  if (Buffer.isBuffer(script) || script instanceof Uint8Array) {
    v.fail(prop, `<${script.length} bytes>`, 'is bytes, not text', 'read the file with WindowsSetup.stepFromFile(name, path), which decodes it');
    return '';
  }
  if (typeof script !== 'string') {
    v.fail(prop, script, 'is not a string', "give the step's PowerShell as a string");
    return '';
  }
  // A file read as text keeps its UTF-8 BOM as U+FEFF: dropped, so re-saving a file with a BOM changes nothing.
  const text = script.replace(/^\uFEFF/, '');
  if (text.trim().length === 0) {
    v.fail(prop, script, 'is empty', "give the step's PowerShell");
    return text;
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    v.fail(withLine(prop, text, nul), lineAt(text, nul), 'contains U+0000 (NUL): a UTF-16 file read as UTF-8 or Latin-1', FILE_FIX);
    return text;
  }
  const replacement = text.indexOf('\uFFFD');
  if (replacement >= 0) {
    v.fail(withLine(prop, text, replacement), lineAt(text, replacement),
      'contains U+FFFD, the replacement character: bytes that were not UTF-8 were lost when the file was read',
      `${FILE_FIX}; to mean the character itself, write [char]0xFFFD`);
  }
  checkCalls(v, prop, text);
  return text;
}

type Consequence = 'ends the setup' | 'does not end the step' | 'stops the VM' | 'may restart the VM';

interface ForbiddenCall {
  readonly what: string;
  readonly consequence: Consequence;
  /** Offset in the line (comments blanked) where the call is, or -1. */
  readonly find: (line: string) => number;
  /** The fix, when it is the call's own (else the consequence's). */
  readonly fix?: string;
}

function pattern(regex: RegExp): (line: string) => number {
  return (line) => line.search(regex);
}

/**
 * A native installer run quietly without its no-restart option on the same line: where `program` is, or -1. Quiet,
 * such an installer restarts Windows by itself when the installation needs it.
 */
function quietWithoutNoRestart(program: RegExp, quiet: RegExp, noRestart: RegExp): (line: string) => number {
  return (line) => {
    const at = line.search(program);
    return at >= 0 && quiet.test(line.slice(at)) && !noRestart.test(line.slice(at)) ? at : -1;
  };
}

/** A switch given as `-Name` or `-Name:$true`, not `-Name:$false`. */
function switchOn(name: string): RegExp {
  return new RegExp(`(?<![\\w$-])-${name}(?![\\w-])(?!\\s*:\\s*\\$false\\b)`, 'i');
}

/** A command that stops processes: Stop-Process and its aliases, taskkill, or a process object's Kill(). */
const KILL = /(?<![\w$.-])(?:Stop-Process|spps|kill|taskkill(?:\.exe)?)(?![\w-])|\.\s*Kill\s*\(/i;
/** The setup's own process: `$PID`, the current process, or a name PowerShell's wildcards match to powershell(.exe). */
const OWN_PROCESS = /\$PID(?![\w:])|GetCurrentProcess\s*\(/i;

function killsOwnProcess(line: string): number {
  const kill = line.search(KILL);
  if (kill < 0) {
    return -1;
  }
  const namesPowerShell = line.split(/[\s,;|(){}=[\]'"\u2018-\u201e]+/).some((word) => {
    if (!/^[\w.*?]+$/.test(word) || !/[a-z*?]/i.test(word)) {
      return false;
    }
    const wildcard = new RegExp(`^${word.replace(/\./g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    return wildcard.test('powershell') || wildcard.test('powershell.exe');
  });
  return OWN_PROCESS.test(line) || namesPowerShell ? kill : -1;
}

/**
 * Calls a step must not make. The setup runs as `powershell.exe -File setup.ps1` and each step from its own script
 * file, so `exit` ends only the step (setup-prelude.ps1); these end the setup's process itself, or the VM's run:
 * - `[Environment]::Exit()` and `FailFast()` end the process at once, and so does stopping it (`Stop-Process -Id $PID`,
 *   `Stop-Process -Name powershell`, `taskkill /im powershell.exe`, `[Diagnostics.Process]::GetCurrentProcess().Kill()`):
 *   the log gets no result line, and the deployment fails later with "ended without a result line";
 * - `$host.SetShouldExit(n)` does not end a script run with `-File`: the step runs on and succeeds (the setup's own
 *   `exit` then sets the process's exit code), so a step meant to fail would pass;
 * - `Restart-Computer`, `Stop-Computer`, `shutdown.exe /r /s /p /g /sg /h /hybrid` (also with `-`), and the WMI/CIM
 *   methods `Reboot`, `Shutdown`, `Win32Shutdown` and `Win32ShutdownTracker` of Win32_OperatingSystem restart or stop
 *   the VM in the middle of the setup ("shutdown", Microsoft Learn, Windows Commands; "Win32_OperatingSystem class").
 * Text in strings counts (it may be a command line, `cmd /c "shutdown /r"`); text in comments does not.
 */
const FORBIDDEN_CALLS: ForbiddenCall[] = [
  { what: '[Environment]::Exit()', consequence: 'ends the setup', find: pattern(/\[\s*(?:System\s*\.\s*)?Environment\s*\]\s*::\s*Exit\s*\(/i) },
  { what: '[Environment]::FailFast()', consequence: 'ends the setup', find: pattern(/\[\s*(?:System\s*\.\s*)?Environment\s*\]\s*::\s*FailFast\s*\(/i) },
  { what: 'stopping the setup\'s own process', consequence: 'ends the setup', find: killsOwnProcess },
  { what: '$host.SetShouldExit()', consequence: 'does not end the step', find: pattern(/\.\s*SetShouldExit\s*\(/i) },
  { what: 'Restart-Computer', consequence: 'stops the VM', find: pattern(/(?<![\w-])Restart-Computer(?![\w-])/i) },
  { what: 'Stop-Computer', consequence: 'stops the VM', find: pattern(/(?<![\w-])Stop-Computer(?![\w-])/i) },
  {
    what: 'shutdown.exe',
    consequence: 'stops the VM',
    find: pattern(/(?<![\w$-])shutdown(?:\.exe)?(?![\w-]).*?(?<![\w/-])[/-](?:r|s|p|g|sg|h|hybrid)(?![\w:])/i),
  },
  // Restarts that a switch or a quiet installer asks for (issue 23 point 7): `-Restart` of Install-WindowsFeature,
  // Uninstall-WindowsFeature, Rename-Computer, Add-Computer and Remove-Computer ("Restarts the target server
  // automatically if a restart is required", Microsoft Learn, Install-WindowsFeature; "Restarts the computer", the
  // others' pages); PSWindowsUpdate's `-AutoReboot` ("Do not ask for reboot if it needed", its help, PowerShell
  // Gallery); Windows Installer without UI ("If there is no user interface ... the system automatically restarts",
  // Microsoft Learn, REBOOT property and System Reboots; msiexec's /norestart or REBOOT=ReallySuppress keep it from
  // that, Windows Commands "msiexec"); DISM with /Quiet ("/NoRestart ... keep it from restarting automatically if the
  // /Quiet option is used", Microsoft Learn, DISM Global Options); wusa with /quiet (Windows Commands "wusa": /quiet
  // restarts when the update needs it, /norestart does not).
  {
    what: 'a -Restart switch',
    consequence: 'may restart the VM',
    find: pattern(switchOn('Restart')),
    fix: 'remove -Restart (or write -Restart:$false); end the step with exit <code>: a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  },
  {
    what: 'a -AutoReboot switch',
    consequence: 'may restart the VM',
    find: pattern(switchOn('AutoReboot')),
    fix: 'remove -AutoReboot (add -IgnoreReboot); a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  },
  {
    what: 'msiexec without UI (/quiet, /qn) and without /norestart',
    consequence: 'may restart the VM',
    find: quietWithoutNoRestart(/(?<![\w$-])msiexec(?:\.exe)?(?![\w-])/i, /(?<![\w-])[/-](?:quiet|qn?\+?)(?![\w+])/i,
      /(?<![\w-])[/-]norestart(?![\w-])|\bREBOOT\s*=\s*["']?(?:ReallySuppress|R)\b/i),
    fix: 'add /norestart (or REBOOT=ReallySuppress); a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  },
  {
    what: 'DISM with /Quiet and without /NoRestart',
    consequence: 'may restart the VM',
    find: quietWithoutNoRestart(/(?<![\w$-])dism(?:\.exe)?(?![\w-])/i, /(?<![\w-])\/quiet(?![\w-])/i, /(?<![\w-])\/norestart(?![\w-])/i),
    fix: 'add /NoRestart; a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  },
  {
    what: 'wusa with /quiet and without /norestart',
    consequence: 'may restart the VM',
    find: quietWithoutNoRestart(/(?<![\w$-])wusa(?:\.exe)?(?![\w-])/i, /(?<![\w-])\/quiet(?![\w-])/i, /(?<![\w-])\/norestart(?![\w-])/i),
    fix: 'add /norestart; a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  },
  {
    what: 'a Win32_OperatingSystem reboot or shutdown',
    consequence: 'stops the VM',
    find: pattern(/-(?:Method)?Name\s+['"]?(?:Reboot|Win32Shutdown|Win32ShutdownTracker)(?![\w-])|-MethodName\s+['"]?Shutdown(?![\w-])|\.\s*(?:Reboot|Win32Shutdown|Win32ShutdownTracker)\s*\(|\.\s*Shutdown\s*\(\s*\)/i),
  },
];

const WHY: Record<Consequence, string> = {
  'ends the setup': 'would end the whole setup, not just this step: the setup stops without its result line and the deployment fails',
  'does not end the step': 'neither ends nor fails the step (the step runs on and succeeds): only exit ends a step',
  'stops the VM': 'would restart or shut down the VM in the middle of the setup, before its result and before the image is taken',
  'may restart the VM': 'would restart the VM by itself when the installation needs it, in the middle of the setup, before its result and before the image is taken',
};

const CALL_FIX: Record<Consequence, string> = {
  'ends the setup': 'end the step with exit <code> instead: exit 0 succeeds, any other code fails the step and the setup',
  'does not end the step': 'end the step with exit <code> instead: exit 0 succeeds, any other code fails the step and the setup',
  'stops the VM': 'remove it; end the step with exit <code>: a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
  'may restart the VM': 'keep the restart for after the setup: a pending reboot is done after the setup, before Sysprep (see PowerShellStep)',
};

function checkCalls(v: PropsValidator, prop: string, script: string): void {
  // Comments blanked, and a line continued with a backtick joined to the next (same offsets).
  const code = blankComments(script).replace(/`\r?\n/g, (m) => ' '.repeat(m.length));
  for (const call of FORBIDDEN_CALLS) {
    let offset = 0;
    for (const line of code.split('\n')) {
      const found = call.find(line);
      if (found >= 0) {
        v.fail(withLine(prop, script, offset + found), lineAt(script, offset + found).trim(),
          `calls ${call.what}, which ${WHY[call.consequence]}`, call.fix ?? CALL_FIX[call.consequence]);
        break;
      }
      offset += line.length + 1;
    }
  }
}

/** `steps[0].script (step 'x')` becomes `steps[0].script (step 'x', line 3)`. */
function withLine(prop: string, text: string, offset: number): string {
  const line = `line ${text.slice(0, offset).split('\n').length}`;
  return prop.endsWith(')') ? `${prop.slice(0, -1)}, ${line})` : `${prop} (${line})`;
}

function lineAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const end = text.indexOf('\n', offset);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, '');
}

/**
 * Reads a step's file: UTF-8 with or without a BOM, or UTF-16 LE or BE with or without a BOM (what Windows PowerShell
 * 5.1's `Out-File` and older editors save as "Unicode"); line endings become `\n`. Records a problem on `path` when the
 * file cannot be read or is not text in one of these encodings; returns its text otherwise.
 */
export function readStepFile(v: PropsValidator, name: unknown, file: unknown): string | undefined {
  const prop = typeof name === 'string' && STEP_NAME.test(name) ? `path (step '${name}')` : 'path';
  const fix = 'save the file as UTF-8 (VS Code: "Save with Encoding", UTF-8; PowerShell 5.1: Set-Content -Encoding UTF8)';
  if (isUnresolved(file)) {
    v.fail(prop, file, 'is an unresolved token, but the file is read at synth time', "pass the file's path as a literal string");
    return undefined;
  }
  if (typeof file !== 'string' || file.trim() === '') {
    v.fail(prop, file, 'is not a file path', "pass the path of a .ps1 file, e.g. path.join(__dirname, 'install-app.ps1')");
    return undefined;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    v.fail(prop, file, `cannot be read (${code}, resolved to ${path.resolve(file)})`,
      `pass the path of a .ps1 file; a relative path is taken from the working directory (${process.cwd()}), so build it from __dirname, `
      + "e.g. path.join(__dirname, 'install-app.ps1')");
    return undefined;
  }
  const decoded = decodeText(bytes);
  if ('problem' in decoded) {
    v.fail(prop, file, decoded.problem, fix);
    return undefined;
  }
  if (decoded.text.includes('\u0000')) {
    v.fail(prop, file, `holds NUL characters once decoded as ${decoded.encoding}: it is UTF-32, or not a text file`, fix);
    return undefined;
  }
  return decoded.text.replace(/\r\n/g, '\n');
}

type Decoded = { text: string; encoding: string } | { problem: string };

function decodeText(bytes: Buffer): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return utf8(bytes.subarray(3));
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return utf16(bytes.subarray(2), 'UTF-16 LE');
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return utf16(bytes.subarray(2), 'UTF-16 BE');
  }
  const withoutBom = utf16Order(bytes);
  if (withoutBom) {
    return utf16(bytes, withoutBom);
  }
  // UTF-8 text has no NUL byte.
  return bytes.includes(0) ? { problem: 'holds NUL bytes but is not UTF-16 text: it is UTF-32, or not a text file' } : utf8(bytes);
}

/**
 * UTF-16 without a BOM: NUL bytes (the high bytes of ASCII characters) in at least a quarter of the odd (LE) or even
 * (BE) positions, and at most a quarter as many in the others (the low bytes of characters such as U+0100 or a low
 * surrogate; UTF-32 has half as many there).
 */
function utf16Order(bytes: Buffer): 'UTF-16 LE' | 'UTF-16 BE' | undefined {
  if (bytes.length < 2 || bytes.length % 2 !== 0) {
    return undefined;
  }
  const nuls = [0, 0];
  bytes.forEach((b, i) => {
    if (b === 0) {
      nuls[i % 2]++;
    }
  });
  const half = bytes.length / 2;
  if (nuls[1] * 4 >= half && nuls[0] * 4 <= nuls[1]) {
    return 'UTF-16 LE';
  }
  if (nuls[0] * 4 >= half && nuls[1] * 4 <= nuls[0]) {
    return 'UTF-16 BE';
  }
  return undefined;
}

function utf16(bytes: Buffer, encoding: 'UTF-16 LE' | 'UTF-16 BE'): Decoded {
  if (bytes.length % 2 !== 0) {
    return { problem: `is not whole ${encoding}: it has an odd number of bytes` };
  }
  const littleEndian = encoding === 'UTF-16 LE' ? bytes : Buffer.from(bytes).swap16();
  return { text: littleEndian.toString('utf16le'), encoding };
}

function utf8(bytes: Buffer): Decoded {
  const text = bytes.toString('utf8');
  // Decoding replaces each byte that is not UTF-8 with U+FFFD: encoding again shows where the first one was.
  const again = Buffer.from(text, 'utf8');
  if (again.equals(bytes)) {
    return { text, encoding: 'UTF-8' };
  }
  let offset = 0;
  while (offset < bytes.length && bytes[offset] === again[offset]) {
    offset++;
  }
  const line = bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;
  return {
    problem: `is not UTF-8: byte 0x${bytes[offset].toString(16).padStart(2, '0')} on line ${line} is not part of a UTF-8 character `
      + '(saved in a Windows code page such as Windows-1252?)',
  };
}
