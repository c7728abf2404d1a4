import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commandOf, FakeAzState, initialState } from './fake-az';
import { AzInvocation } from '../../lib/operator/az-process';
import { AzResult } from '../../lib/operator/faults';
import { prepareAz } from '../fake-az/simulator';

/** A hung call ended by its AbortSignal ends as az killed by SIGTERM would: 128 + 15, nothing printed. */
export const ABORTED_EXIT_CODE = 143;

/**
 * The simulated az of test/fake-az/simulator.js inside the test's process: the same simulation as FakeAz (the CLI),
 * with the state and the call log in memory and no child process. Each call sees the state as the last call left it,
 * through JSON as the CLI's state file (a call that throws leaves it unchanged). The API mirrors FakeAz's.
 *
 * A call that hangs (`hang`) resolves only once its AbortSignal aborts (exit 143); a call killed by a signal (`killed`)
 * resolves with 128 + the signal's number. `holdUntil` (waiting for a file) is the CLI's only: a call it names fails.
 */
export class InProcessAz {
  /** A temporary directory of the fake's own (removed by dispose()). */
  public readonly directory: string;
  /** TMPDIR for the operator under test: whatever it leaves there is visible. */
  public readonly tmpDirectory: string;
  private json: string;
  private log: string[][] = [];
  private readonly hung = new Set<string[]>();

  constructor(state: Partial<FakeAzState> = {}) {
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-az-inprocess-'));
    this.tmpDirectory = path.join(this.directory, 'tmp');
    fs.mkdirSync(this.tmpDirectory);
    this.json = JSON.stringify(initialState(state));
  }

  /** A private HOME and TMPDIR, as FakeAz.environment() gives them (no PATH: nothing runs az as a command). */
  public environment(): Record<string, string> {
    return { HOME: this.directory, TMPDIR: this.tmpDirectory };
  }

  /** Runs one call of az: the function the operator calls (bound: it can be passed on as it is). */
  public readonly run = async (invocation: AzInvocation): Promise<AzResult> => {
    const argv = [...invocation.args];
    this.log.push(argv);
    const state = JSON.parse(this.json) as FakeAzState;
    const call = prepareAz({ argv, env: invocation.env, stdin: invocation.stdin, state, cwd: invocation.cwd });
    const gate = call.parserError ? undefined : state.holdUntil?.[call.command];
    if (gate !== undefined) {
      throw new Error(`InProcessAz: holdUntil (${call.command}: ${gate}) waits for a file, which only the CLI (FakeAz) does`);
    }
    const result = call.run();
    this.json = JSON.stringify(state);
    if (result.hang) {
      this.hung.add(argv);
      await aborted(invocation.signal);
      this.hung.delete(argv);
      return { exitCode: ABORTED_EXIT_CODE, stdout: '', stderr: '' };
    }
    return { exitCode: result.code, stdout: result.stdout, stderr: result.stderr };
  };

  public state(): FakeAzState {
    return JSON.parse(this.json);
  }

  public update(patch: Partial<FakeAzState>): void {
    this.json = JSON.stringify({ ...this.state(), ...patch });
  }

  /** Every recorded call's argv, in order. */
  public calls(): string[][] {
    return this.log.map((argv) => [...argv]);
  }

  /** The command of every call, e.g. `vm deallocate`. */
  public commands(): string[] {
    return this.calls().map(commandOf);
  }

  public clearLog(): void {
    this.log = [];
  }

  /** The argv of every call that hangs and was not aborted yet (what FakeAz's `hangingPids` still running are). */
  public hanging(): string[][] {
    return [...this.hung].map((argv) => [...argv]);
  }

  public dispose(): void {
    fs.rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Resolves once the signal aborts (at once if it has). */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
    } else {
      signal.addEventListener('abort', () => resolve(), { once: true });
    }
  });
}
