/** `Operator`: what every step shares: its log lines with their elapsed time, its inputs, its clock and its end. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzRunner } from './az-process';
import { Clock } from './clock';
import { ExitCode, Interrupted, OperatorFailure } from './failure';
import { HttpClient, nodeHttpClient } from './http';

/** Where the operator writes: its progress lines and its errors. */
export interface OperatorOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface OperatorOptions {
  /** The name in every line, e.g. `generalize-vm`. */
  readonly name: string;
  /** The construct whose props the inputs come from, for messages about invalid inputs. */
  readonly construct: string;
  /** The process environment the step was started with. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  /** Runs az; undefined when no az was found. */
  readonly az: AzRunner | undefined;
  /** Fetches pages (the verification steps); Node's http/https by default. */
  readonly http?: HttpClient;
  readonly output: OperatorOutput;
  /** The working directory: the stack directory, which relative paths (the guest scripts) start from. */
  readonly cwd: string;
  /** Aborted with the signal's name when the process is interrupted (SIGHUP, SIGINT, SIGTERM). */
  readonly interrupt: AbortSignal;
}

/**
 * What every step shares: its name and the construct it serves, the clock, logging with the time since the start,
 * failing with an exit code, interruption, and temporary directories removed at the end.
 */
export class Operator {
  public readonly name: string;
  public readonly construct: string;
  public readonly env: Readonly<Record<string, string | undefined>>;
  public readonly clock: Clock;
  public readonly azRunner: AzRunner | undefined;
  public readonly http: HttpClient;
  public readonly interrupt: AbortSignal;
  public readonly cwd: string;
  /** The part of the step running now, named in the message of an interruption. */
  public phase = 'start';
  /** What an interruption leaves and what to do, for its message: each step says it for itself. */
  public interruptNote = 'The resources are left as they are: run the deployment again to resume (steps already done are detected and skipped).';
  private readonly output: OperatorOutput;
  private readonly started: number;
  private readonly temporaryDirectories: string[] = [];

  constructor(options: OperatorOptions) {
    this.name = options.name;
    this.construct = options.construct;
    this.env = options.env;
    this.clock = options.clock;
    this.azRunner = options.az;
    this.http = options.http ?? nodeHttpClient;
    this.output = options.output;
    this.interrupt = options.interrupt;
    this.cwd = options.cwd;
    this.started = options.clock.now();
  }

  /** Whole seconds since the start. */
  public elapsedSeconds(): number {
    return Math.floor((this.clock.now() - this.started) / 1000);
  }

  public log(message: string): void {
    this.output.stdout(`[${this.name} +${this.elapsedSeconds()}s] ${message}\n`);
  }

  /** Lines printed as they are (az's and the guest's output), each with a prefix, on stdout or stderr. */
  public print(prefix: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    if (lines.length > 0) {
      this.output[stream](lines.map((line) => `${prefix}${line}\n`).join(''));
    }
  }

  public warn(message: string): void {
    this.output.stderr(`[${this.name} +${this.elapsedSeconds()}s] WARNING: ${message}\n`);
  }

  public errorLine(message: string): void {
    this.output.stderr(`[${this.name} +${this.elapsedSeconds()}s] ERROR: ${message}\n`);
  }

  public fail(exitCode: number, message: string): never {
    throw new OperatorFailure(exitCode, message);
  }

  /** Throws `Interrupted` when the process was interrupted: call after every wait. */
  public checkInterrupted(): void {
    if (this.interrupt.aborted) {
      throw new Interrupted(this.interrupt.reason as 'SIGHUP' | 'SIGINT' | 'SIGTERM');
    }
  }

  /** Waits `seconds`, printing `<phase>: <reason>, <n>s of <seconds>s` every `pollSeconds`. */
  public async pause(phase: string, seconds: number, reason: string, pollSeconds: number): Promise<void> {
    const started = this.clock.now();
    const end = started + seconds * 1000;
    let nextProgress = started + pollSeconds * 1000;
    while (this.clock.now() < end) {
      await this.clock.sleep(Math.min(end, nextProgress) - this.clock.now(), this.interrupt);
      this.checkInterrupted();
      if (this.clock.now() >= nextProgress && this.clock.now() < end) {
        this.log(`${phase}: ${reason}, ${Math.floor((this.clock.now() - started) / 1000)}s of ${seconds}s`);
        nextProgress = this.clock.now() + pollSeconds * 1000;
      }
    }
  }

  /**
   * A new private directory in the system's temporary directory (TMPDIR, TEMP or /tmp), removed when the step ends;
   * fails with exit code 12 saying why there is none.
   */
  public temporaryDirectory(purpose: string): string {
    const root = this.env.TMPDIR || this.env.TEMP || this.env.TMP || os.tmpdir();
    try {
      const directory = fs.mkdtempSync(path.join(root, `${this.name}-${purpose}-`));
      this.temporaryDirectories.push(directory);
      return directory;
    } catch (error) {
      return this.fail(ExitCode.NO_TEMP_DIRECTORY, `${temporaryRootProblem(root, this.env)}, so the operator cannot create the temporary `
        + `directory it keeps ${purpose} in (${(error as Error).message}). Fix: set TMPDIR (TEMP on Windows) to an existing writable directory in the `
        + 'environment that runs Terraform, then run the deployment again.');
    }
  }

  /** Removes the temporary directories. */
  public cleanUp(): void {
    for (const directory of this.temporaryDirectories.splice(0)) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
}

function temporaryRootProblem(root: string, env: Readonly<Record<string, string | undefined>>): string {
  const where = env.TMPDIR !== undefined ? `TMPDIR=${JSON.stringify(env.TMPDIR)}` : `the temporary directory ${JSON.stringify(root)}`;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(root);
  } catch {
    return `${where} does not exist`;
  }
  if (!stat.isDirectory()) {
    return `${where} is not a directory`;
  }
  try {
    fs.accessSync(root, fs.constants.W_OK);
  } catch {
    return `${where} is not writable`;
  }
  return `${where} is a writable directory, but no directory could be created in it (is the disk full?)`;
}
