/**
 * Runs the guest PowerShell scripts under a real PowerShell (pwsh 7, the closest thing to the guest's Windows
 * PowerShell 5.1 on this machine), with the Windows-only commands stood in by test/powershell/stand-ins.ps1.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SCRIPTS_DIRECTORY } from '../../lib/private/steps/scripts';
import { HANG_NET_MS } from '../util/hang-net';
import { describeWithTool } from '../util/tools';

export const GUEST_DIRECTORY = path.join(SCRIPTS_DIRECTORY, 'guest');
export const HARNESS_DIRECTORY = __dirname;

/** pwsh on PATH, else where `dotnet tool install --global PowerShell` puts it. */
export const PWSH: string | undefined = findPwsh();

function findPwsh(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, 'pwsh')),
    path.join(os.homedir(), '.dotnet', 'tools', 'pwsh'),
  ];
  return candidates.find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** `describe` when pwsh is there; without it, one failing test that says how to install it (never a skip). */
export function describeWithPwsh(name: string, body: () => void): void {
  describeWithTool({
    name: 'pwsh',
    found: () => PWSH !== undefined,
    install: 'install it with: dotnet tool install --global PowerShell --version 7.6.9 (.ci/run does).',
  }, name, body);
}

export interface PwshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PwshOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/** Environment for pwsh: no proxy (the tests talk to 127.0.0.1), no colour codes, no telemetry or update check. */
export function pwshEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(https?|no|all)_proxy$/i.test(k)) {
      env[k] = v;
    }
  }
  return {
    ...env,
    TERM: 'dumb',
    NO_COLOR: '1',
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
    // For the stand-in of Start-ScheduledTask, which runs the task's script under the same pwsh.
    GOLDEN_TEST_PWSH: PWSH ?? 'pwsh',
    ...extra,
  };
}

/** Runs pwsh with the given arguments (after -NoProfile -NonInteractive), asynchronously. */
export function runPwsh(args: string[], options: PwshOptions = {}): Promise<PwshResult> {
  if (!PWSH) {
    return Promise.reject(new Error('pwsh not found'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(PWSH!, ['-NoProfile', '-NonInteractive', ...args], {
      cwd: options.cwd, env: pwshEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // A net against a hung script only (test/util/hang-net.ts): no test is timed.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pwsh ${args.join(' ')} still running after ${HANG_NET_MS} ms:\n${stdout}\n${stderr}`));
    }, HANG_NET_MS);
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a script exactly as `powershell.exe -File` would (no stand-ins), with string parameters as Run Command passes them. */
export function runScriptFile(script: string, parameters: Record<string, string> = {}, options: PwshOptions = {}): Promise<PwshResult> {
  return runPwsh(['-File', script, ...Object.entries(parameters).flatMap(([k, v]) => [`-${k}`, v])], options);
}

/** A world of stand-ins for what only Windows has (see stand-ins.ps1), kept in a JSON file the stand-ins update. */
export interface StandInWorld {
  /** Scheduled tasks by name. */
  tasks?: Record<string, StandInTask>;
  /** Registry keys (HKLM:\...) and their values. */
  registry?: Record<string, Record<string, unknown>>;
  /** Service name -> statuses returned by successive Get-Service calls (the last one stays). */
  services?: Record<string, string[]>;
  /** Sysprep.exe: the image state it reaches after `readyAfterPolls` reads of ImageState, or exits early. */
  sysprep?: { readyAfterPolls?: number; exitAfterPolls?: number; exitCode?: number };
  /** Install-WindowsFeature: features that fail to install. */
  failFeatures?: string[];
  restartNeeded?: boolean;
  /** Start-ScheduledTask runs the task's script for real (detached pwsh), instead of only marking it running. */
  runTasks?: boolean;
  /** pwsh's arguments that run a task's script (followed by `-Script <script>`). @default `-File <script>` */
  taskLauncher?: string[];
  /** icacls exit code. */
  icaclsExitCode?: number;
}

export interface StandInTask {
  state: string;
  lastTaskResult: number;
  execute?: string;
  argument?: string;
  workingDirectory?: string;
  userId?: string;
  logonType?: string;
  runLevel?: string;
  executionTimeLimit?: string;
  force?: boolean;
  pid?: number;
  exitCodeFile?: string;
  starts?: number;
}

export interface StatusPoll {
  output: string;
  code: number;
}

export interface StandInCall {
  command: string;
  arguments: Record<string, unknown>;
}

/** A temporary directory with a world file; runs scripts with the stand-ins loaded. */
export class StandIns {
  public readonly directory: string;
  public readonly worldFile: string;
  public readonly callsFile: string;

  constructor(world: StandInWorld = {}) {
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-pwsh-'));
    this.worldFile = path.join(this.directory, 'world.json');
    this.callsFile = path.join(this.directory, 'calls.jsonl');
    this.setWorld(world);
  }

  public world(): StandInWorld {
    return JSON.parse(fs.readFileSync(this.worldFile, 'utf8'));
  }

  public setWorld(world: StandInWorld): void {
    fs.writeFileSync(this.worldFile, JSON.stringify({ tasks: {}, registry: {}, services: {}, ...world }));
  }

  public calls(command?: string): StandInCall[] {
    if (!fs.existsSync(this.callsFile)) {
      return [];
    }
    const calls: StandInCall[] = fs.readFileSync(this.callsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    return command ? calls.filter((c) => c.command === command) : calls;
  }

  public path(...parts: string[]): string {
    return path.join(this.directory, ...parts);
  }

  /** Runs a script with the stand-ins defined first, parameters splatted as strings (as Run Command passes them). */
  public run(script: string, parameters: Record<string, string | string[]> = {}, options: PwshOptions = {}): Promise<PwshResult> {
    return runPwsh(['-File', path.join(HARNESS_DIRECTORY, 'run-with-stand-ins.ps1'), '-Script', script, '-ParametersJson', JSON.stringify(parameters)], {
      cwd: options.cwd ?? this.directory,
      env: { GOLDEN_TEST_WORLD: this.worldFile, GOLDEN_TEST_CALLS: this.callsFile, ...options.env },
    });
  }

  /** Polls setup-status.ps1 from offset to offset until its state is no longer running, in one process (poll-status.ps1). */
  public async pollStatus(script: string, parameters: Record<string, string>, pauseMilliseconds = 0): Promise<StatusPoll[]> {
    const result = await runPwsh(['-File', path.join(HARNESS_DIRECTORY, 'poll-status.ps1'), '-Script', script, '-ParametersJson', JSON.stringify(parameters),
      '-PauseMilliseconds', String(pauseMilliseconds)], {
      cwd: this.directory,
      env: { GOLDEN_TEST_WORLD: this.worldFile, GOLDEN_TEST_CALLS: this.callsFile },
    });
    if (result.code !== 0) {
      throw new Error(`poll-status.ps1 failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    }
    return JSON.parse(result.stdout);
  }

  public dispose(): void {
    for (const task of Object.values(this.world().tasks ?? {})) {
      if (task.pid) {
        try {
          process.kill(task.pid, 'SIGKILL');
        } catch {
          // already ended
        }
      }
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

/** The last line of a script's output: where every guest script puts its marker. */
export function lastLine(output: string): string {
  const lines = output.split(/\r?\n/).filter((l) => l !== '');
  return lines[lines.length - 1] ?? '';
}
