/**
 * The operator's Azure CLI process: finding `az` on this machine (Windows too) and running it with an argument array.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AzResult } from './faults';

/** One az call as the operator makes it: an argument array, never a command line. */
export interface AzInvocation {
  readonly args: readonly string[];
  /** Written to az's standard input (a secret for `--password @-`); else its input is empty. */
  readonly stdin?: string;
  /** az's whole environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborting it stops az. */
  readonly signal: AbortSignal;
  /** az's working directory, which relative `@file` arguments start from: the stack directory. */
  readonly cwd?: string;
}

/** Runs az: the real CLI in the program, a simulated one in tests. */
export type AzRunner = (invocation: AzInvocation) => Promise<AzResult>;

/** The program az is started as: `az` itself, or the Python of a Windows installation with azure-cli's module. */
export interface AzProgram {
  readonly file: string;
  readonly prefix: readonly string[];
}

/**
 * Finds az without a shell. On Windows it is `az.cmd`, a batch file, which Node starts only through `cmd.exe` (Node
 * refuses `.cmd`/`.bat` without a shell since 18.20.2 and 20.12.2: CVE-2024-27980, "April 2024 Security Releases" on
 * nodejs.org) and whose argument quoting cmd would parse. The MSI's az.cmd only runs `"%~dp0\..\python.exe" -IBm
 * azure.cli %*` (azure-cli build_scripts/windows/scripts/az_msi.cmd), so the operator runs that Python directly with an
 * argument array; an `az.exe` found first is run as it is. Elsewhere `az` is found on PATH by the OS.
 * Returns undefined when there is no az.
 */
export function findAz(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform,
  files: FileProbe = LOCAL_FILES): AzProgram | undefined {
  const pathModule = platform === 'win32' ? path.win32 : path.posix;
  const directories = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  for (const directory of directories) {
    if (platform !== 'win32') {
      const candidate = pathModule.join(directory, 'az');
      if (files.isExecutableFile(candidate)) {
        return { file: candidate, prefix: [] };
      }
      continue;
    }
    const exe = pathModule.join(directory, 'az.exe');
    if (files.isFile(exe)) {
      return { file: exe, prefix: [] };
    }
    const cmd = pathModule.join(directory, 'az.cmd');
    if (files.isFile(cmd)) {
      const python = pathModule.join(directory, '..', 'python.exe');
      if (files.isFile(python)) {
        return { file: python, prefix: ['-IBm', 'azure.cli'] };
      }
    }
  }
  return undefined;
}

/** How `findAz` looks at files: the local file system, or a test's layout of another system's. */
export interface FileProbe {
  readonly isFile: (file: string) => boolean;
  readonly isExecutableFile: (file: string) => boolean;
}

const LOCAL_FILES: FileProbe = { isFile: isLocalFile, isExecutableFile: isLocalExecutableFile };

function isLocalFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isLocalExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** Runs `program` as a child process: no shell, output collected, stopped (SIGTERM) when the invocation aborts. */
export function processAzRunner(program: AzProgram): AzRunner {
  return (invocation) => new Promise<AzResult>((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const child = spawn(program.file, [...program.prefix, ...invocation.args], {
      env: definedOnly(invocation.env),
      cwd: invocation.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    const stop = () => child.kill('SIGTERM');
    invocation.signal.addEventListener('abort', stop, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // az may exit before reading its input: a broken pipe is its answer, not ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(invocation.stdin ?? '');
    let spawnError: Error | undefined;
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      invocation.signal.removeEventListener('abort', stop);
      const text = Buffer.concat(stderr).toString('utf8');
      resolve({
        exitCode: code ?? (signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : 127),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: spawnError ? `${text}${spawnError.message}\n` : text,
      });
    });
  });
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) {
      result[key] = value;
    }
  }
  return result;
}
