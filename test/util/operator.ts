import { FakeClock } from './fake-clock';
import { AzInvocation, AzRunner } from '../../lib/operator/az-process';
import { AzResult } from '../../lib/operator/faults';
import { HttpClient, PageRequest } from '../../lib/operator/http';
import { Operator } from '../../lib/operator/operator';
import { runStep, StepDefinition } from '../../lib/operator/run';

/** What a step printed and how it ended, run in-process. */
/** The az calls every step makes first: the CLI's version (Az.checkVersion), then the session and its cloud (Az.ensureSession). */
export const STEP_START_CALLS: readonly string[][] = [['version', '--output', 'json'], ['account', 'show', '--query', 'environmentName', '--output', 'tsv']];

export interface StepRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Simulated seconds the step took. */
  readonly seconds: number;
}

export interface InProcessOptions {
  readonly env: Record<string, string | undefined>;
  readonly az: AzRunner | undefined;
  /** Fetches pages (the verification steps): a simulation, or Node's own client against a server of the test. */
  readonly http?: HttpClient;
  readonly clock?: FakeClock;
  readonly cwd?: string;
  /**
   * Interrupts the step with this signal once `when` returns true (checked at every az call), `whenRequest` (checked
   * at every HTTP request, which then fails as an interrupted one does), or `at` settles (e.g. once a server of the
   * test has seen a request: the signal then meets the request in flight).
   */
  readonly interrupt?: {
    readonly signal: 'SIGHUP' | 'SIGINT' | 'SIGTERM';
    readonly when?: (invocation: AzInvocation) => boolean;
    readonly whenRequest?: (request: PageRequest) => boolean;
    readonly at?: Promise<unknown>;
  };
}

/** A step run without `http` fetches nothing from the network: every request fails, naming the missing option. */
const noHttp: HttpClient = () => Promise.resolve({ kind: 'failed', error: 'runInProcess: no http option given' });

/** Runs a step of the operator in this process, with a simulated clock. */
export async function runInProcess(step: StepDefinition, options: InProcessOptions): Promise<StepRun> {
  const clock = options.clock ?? new FakeClock();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const interrupt = new AbortController();
  const az: AzRunner | undefined = options.az === undefined ? undefined : (invocation) => {
    if (options.interrupt?.when?.(invocation)) {
      const answer = options.az!(invocation);
      interrupt.abort(options.interrupt.signal);
      return answer;
    }
    return options.az!(invocation);
  };
  void options.interrupt?.at?.then(() => interrupt.abort(options.interrupt!.signal));
  const client = options.http ?? noHttp;
  const http: HttpClient = (request) => {
    if (options.interrupt?.whenRequest?.(request)) {
      interrupt.abort(options.interrupt.signal);
    }
    return client(request);
  };
  const code = await runStep(step, {
    env: options.env,
    clock,
    az,
    http,
    output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    interrupt: interrupt.signal,
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join(''), seconds: clock.seconds() };
}

/** An Operator for unit tests of the shared parts, with what it printed. */
export function testOperator(options: { env?: Record<string, string>; az?: AzRunner; clock?: FakeClock } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const clock = options.clock ?? new FakeClock();
  const op = new Operator({
    name: 'test-step',
    construct: 'TestConstruct',
    env: options.env ?? {},
    clock,
    az: options.az,
    output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    interrupt: new AbortController().signal,
    cwd: process.cwd(),
  });
  return { op, clock, stdout: () => stdout.join(''), stderr: () => stderr.join('') };
}

/** One scripted answer: for the first call whose argument list matches, `times` times (default once). */
export interface ScriptedAnswer {
  readonly match: (args: readonly string[]) => boolean;
  readonly result: AzResult | 'hang';
  times?: number;
}

/**
 * An az that answers from a script (first matching answer wins; a spent answer is skipped) and records every call; a
 * call nothing answers fails the test with exit code 2, as az's parser would.
 */
export function scriptedAz(answers: ScriptedAnswer[]): { run: AzRunner; calls: AzInvocation[] } {
  const calls: AzInvocation[] = [];
  const run: AzRunner = (invocation) => {
    calls.push(invocation);
    const answer = answers.find((a) => a.match(invocation.args) && (a.times === undefined || a.times > 0));
    if (answer === undefined) {
      return Promise.resolve({ exitCode: 2, stdout: '', stderr: `scripted az: no answer for ${JSON.stringify(invocation.args)}` });
    }
    if (answer.times !== undefined) {
      answer.times -= 1;
    }
    if (answer.result === 'hang') {
      return new Promise((resolve) => invocation.signal.addEventListener('abort', () => resolve({ exitCode: 143, stdout: '', stderr: '' }), { once: true }));
    }
    return Promise.resolve(answer.result);
  };
  return { run, calls };
}

/** Matches a call by its command words, e.g. `vm deallocate`. */
export function command(words: string): (args: readonly string[]) => boolean {
  const expected = words.split(' ');
  return (args) => expected.every((word, i) => args[i] === word) && (args[expected.length] === undefined || args[expected.length].startsWith('-'));
}

export const ok = (stdout = ''): AzResult => ({ exitCode: 0, stdout, stderr: '' });
export const failed = (stderr: string, exitCode = 1): AzResult => ({ exitCode, stdout: '', stderr });
