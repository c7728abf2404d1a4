/**
 * One child process run to its end for the integration tests: an argument array (no shell), its output collected,
 * killed only by the net against a hung process (test/util/hang-net.ts): no test is timed.
 */
import { spawn } from 'child_process';
import { HANG_NET_MS } from './hang-net';

export interface ProcessRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /** Written to its standard input, which is then closed; without it, standard input is closed at once. */
  readonly stdin?: string;
  /** Aborting it kills the process (e.g. when the test block ends). */
  readonly signal?: AbortSignal;
}

/** Runs `command` with `args` and resolves with its exit status and output; rejects when it cannot be started. */
export function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], signal: options.signal });
    // Decoded once at the end: a character split across two chunks stays whole.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_NET_MS);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.stdin.end(options.stdin ?? '');
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}
