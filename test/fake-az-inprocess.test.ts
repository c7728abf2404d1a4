/**
 * The simulated az in-process (InProcessAz) answers as the CLI (test/fake-az/az, which the bash tests run): the same
 * calls on the same state give the same exit codes, output, call log and state.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeAz, FakeAzState, FAKE_AZ_DIRECTORY, isRunning, SERVICE_PRINCIPAL, SUBSCRIPTION_ID } from './util/fake-az';
import { ABORTED_EXIT_CODE, InProcessAz } from './util/fake-az-inprocess';
import { AzResult } from '../lib/operator/faults';
import { SCRIPTS_DIRECTORY } from '../lib/private/steps/scripts';

jest.setTimeout(30_000);

/** One call: its argv, standard input, and variables (given the fake's own directory). */
interface Call {
  readonly args: string[];
  readonly stdin?: string;
  readonly env?: (directory: string) => Record<string, string>;
}

const VM = [`--subscription=${SUBSCRIPTION_ID}`, '--resource-group=rg-golden', '--name=vm-golden'];
const STATUSES = ['--query', 'instanceView.statuses[].code', '-o', 'tsv'];

const directories: string[] = [];
const disposables: Array<{ dispose(): void }> = [];
afterAll(() => {
  disposables.forEach((d) => d.dispose());
  directories.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

/** A working directory for the calls, with the real guest script at guest/generalize.ps1 (relative `@path`s). */
function workingDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-az-cwd-'));
  directories.push(directory);
  fs.mkdirSync(path.join(directory, 'guest'));
  fs.copyFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'generalize.ps1'), path.join(directory, 'guest', 'generalize.ps1'));
  return directory;
}

function fakes(state: Partial<FakeAzState>): { cli: FakeAz; inProcess: InProcessAz } {
  const cli = new FakeAz(state);
  const inProcess = new InProcessAz(state);
  disposables.push(cli, inProcess);
  return { cli, inProcess };
}

/** Starts the CLI as the scripts run it (its path, a minimal environment); `exitCode` as a shell sees it. */
function startCli(fake: FakeAz, call: Call, cwd: string): { pid: number; result: Promise<AzResult> } {
  const env = { PATH: process.env.PATH!, ...fake.environment(), ...call.env?.(fake.directory) };
  const child = spawn(path.join(FAKE_AZ_DIRECTORY, 'az'), call.args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(call.stdin ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
  const result = new Promise<AzResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ exitCode: code ?? 128 + os.constants.signals[signal!], stdout, stderr }));
  });
  return { pid: child.pid!, result };
}

function runInProcess(fake: InProcessAz, call: Call, cwd: string, signal = new AbortController().signal): Promise<AzResult> {
  return fake.run({ args: call.args, stdin: call.stdin, env: { ...fake.environment(), ...call.env?.(fake.directory) }, signal, cwd });
}

/** Runs the calls one after the other on both fakes; expects the same results, call log and state. */
async function expectSameAnswers(state: Partial<FakeAzState>, calls: Call[],
  normalize: (state: FakeAzState, directory: string) => FakeAzState = (s) => s): Promise<AzResult[]> {
  const { cli, inProcess } = fakes(state);
  const cwd = workingDirectory();
  const cliResults: AzResult[] = [];
  const inProcessResults: AzResult[] = [];
  for (const call of calls) {
    cliResults.push(await startCli(cli, call, cwd).result);
    inProcessResults.push(await runInProcess(inProcess, call, cwd));
  }
  expect(inProcessResults).toEqual(cliResults);
  expect(inProcess.calls()).toEqual(cli.calls());
  expect(inProcess.commands()).toEqual(cli.commands());
  expect(normalize(inProcess.state(), inProcess.directory)).toStrictEqual(normalize(cli.state(), cli.directory));
  return inProcessResults;
}

test('the generalize sequence: Sysprep through Run Command (a guest script relative to cwd), deallocate, generalize', async () => {
  const results = await expectSameAnswers({}, [
    { args: ['account', 'show', '-o', 'none'] },
    { args: ['account', 'show', '-o', 'json'] },
    { args: ['vm', 'get-instance-view', ...VM, ...STATUSES] },
    {
      args: ['vm', 'run-command', 'invoke', ...VM, '--command-id', 'RunPowerShellScript', '--scripts', '@guest/generalize.ps1',
        '--parameters', 'TimeoutSeconds=1800', 'PollSeconds=5', '--query', 'value[].[code, message]', '-o', 'tsv'],
    },
    { args: ['vm', 'deallocate', ...VM, '-o', 'none'] },
    { args: ['vm', 'generalize', ...VM, '-o', 'none'] },
    { args: ['vm', 'get-instance-view', ...VM, ...STATUSES] },
  ]);
  expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  expect(JSON.parse(results[1].stdout)).toMatchObject({ id: SUBSCRIPTION_ID });
  expect(results[2].stdout).toBe('ProvisioningState/succeeded\nPowerState/running\n');
  expect(results[3].stdout).toContain('GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
  expect(results[6].stdout).toBe('ProvisioningState/succeeded\nOSState/generalized\nPowerState/deallocated\n');
});

test('a transient 429 is consumed once', async () => {
  const results = await expectSameAnswers({ transient: [{ command: 'vm deallocate', error: '429', times: 1 }] }, [
    { args: ['vm', 'deallocate', ...VM, '-o', 'none'] },
    { args: ['vm', 'deallocate', ...VM, '-o', 'none'] },
  ]);
  expect(results[0]).toEqual({ exitCode: 1, stdout: '', stderr: expect.stringMatching(/^ERROR: \(TooManyRequests\) .*\n$/s) });
  expect(results[1]).toEqual({ exitCode: 0, stdout: '', stderr: '' });
});

test("az's parser refuses an unknown option or command: exit 2, the call logged", async () => {
  const results = await expectSameAnswers({}, [
    { args: ['vm', 'deallocate', ...VM, '--bogus'] },
    { args: ['vm', 'stop', ...VM] },
    { args: ['image', 'create', '-g', 'rg-golden', '-n', 'img', '--source', 'x', '--hyper-v-generation', 'V3'] },
  ]);
  expect(results.map((r) => r.exitCode)).toEqual([2, 2, 2]);
  expect(results[0].stderr).toMatch(/^ERROR: unrecognized arguments: --bogus\n/);
  expect(results[1].stderr).toMatch(/^ERROR: 'vm stop' is not a command supported by the fake az\n/);
});

test('a service principal login reads its secret from stdin (--password @-) and makes a session in AZURE_CONFIG_DIR', async () => {
  const configDirectory = (directory: string) => {
    const config = path.join(directory, 'azure');
    fs.mkdirSync(config, { recursive: true });
    return { AZURE_CONFIG_DIR: config };
  };
  const login = (secret: string): Call => ({
    args: ['login', '--service-principal', '--username', SERVICE_PRINCIPAL.clientId, '--password', '@-', '--tenant', SERVICE_PRINCIPAL.tenantId, '-o', 'none'],
    stdin: `${secret}\n`,
    env: configDirectory,
  });
  const results = await expectSameAnswers({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL }, [
    { args: ['account', 'show', '-o', 'none'], env: configDirectory },
    login('not the secret'),
    login(SERVICE_PRINCIPAL.secret),
    { args: ['account', 'show', '--query', 'id', '-o', 'tsv'], env: configDirectory },
  ], (state, directory) => ({ ...state, logins: state.logins?.map((l) => ({ ...l, configDir: path.relative(directory, l.configDir) })) }));
  expect(results.map((r) => r.exitCode)).toEqual([1, 1, 0, 0]);
  expect(results[0].stderr).toBe("ERROR: Please run 'az login' to setup account.\n");
  expect(results[1].stderr).toMatch(/Invalid client secret/);
  expect(results[3].stdout).toBe(`${SUBSCRIPTION_ID}\n`);
});

test('a call killed by a signal ends with 128 + its number', async () => {
  const results = await expectSameAnswers({ faults: [{ command: 'vm deallocate', fault: 'killed', times: 1 }] }, [
    { args: ['vm', 'deallocate', ...VM, '-o', 'none'] },
    { args: ['vm', 'deallocate', ...VM, '-o', 'none'] },
  ]);
  expect(results.map((r) => r.exitCode)).toEqual([128 + os.constants.signals.SIGKILL, 0]);
});

test('a hung call ends only when it is aborted (the CLI: killed by SIGTERM); Azure accepted the deallocation', async () => {
  const { cli, inProcess } = fakes({ hang: ['vm deallocate'] });
  const cwd = workingDirectory();
  const call: Call = { args: ['vm', 'deallocate', ...VM, '-o', 'none'] };

  const started = startCli(cli, call, cwd);
  await expectEventually(() => (stateNow(cli)?.hangingPids ?? []).includes(started.pid));
  process.kill(started.pid, 'SIGTERM');
  const cliResult = await started.result;
  expect(isRunning(started.pid)).toBe(false);

  const abort = new AbortController();
  let settled = false;
  const inProcessResult = runInProcess(inProcess, call, cwd, abort.signal).finally(() => { settled = true; });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(settled).toBe(false);
  expect(inProcess.hanging()).toEqual([call.args]);
  abort.abort();
  expect(await inProcessResult).toEqual(cliResult);
  expect(cliResult).toEqual({ exitCode: ABORTED_EXIT_CODE, stdout: '', stderr: '' });
  expect(inProcess.hanging()).toEqual([]);

  expect(inProcess.calls()).toEqual(cli.calls());
  const { hangingPids, ...cliState } = cli.state();
  expect(hangingPids).toEqual([started.pid]);
  expect(inProcess.state()).toStrictEqual(cliState);
  expect(inProcess.state().power).toBe('deallocating');
});

test('holdUntil is the CLI only: an in-process call it names fails', async () => {
  const { inProcess } = fakes({ holdUntil: { 'vm deallocate': '/nonexistent' } });
  await expect(runInProcess(inProcess, { args: ['vm', 'deallocate', ...VM] }, process.cwd())).rejects.toThrow(/holdUntil/);
  expect(inProcess.state().power).toBe('running');
});

async function expectEventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The CLI's state, or undefined while a call is writing it. */
function stateNow(fake: FakeAz): FakeAzState | undefined {
  try {
    return fake.state();
  } catch {
    return undefined;
  }
}
