/**
 * The setup step (lib/operator/steps/setup.ts) in-process, against the simulated az (test/fake-az), whose guest runs a
 * detached setup over several status polls, and a simulated clock: the environment is the one the seed stack
 * synthesizes for GoldenVm's Setup, with Terraform's expressions resolved. No real sleep, no wall-clock assertion: the
 * simulated setup advances one step per status poll.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AzRunner } from '../../lib/operator/az-process';
import { AzResult } from '../../lib/operator/faults';
import { STEPS } from '../../lib/operator/main';
import { FINISH_MARKER, RESULT_MARKER, START_MARKER, STATUS_MARKER } from '../../lib/operator/steps/setup';
import { SCRIPTS_DIRECTORY } from '../../lib/private/steps/scripts';
import { FakeAzState, SERVICE_PRINCIPAL, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { resolveEnvironment, stepProvisioner, subscriptionExpression, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } = SERVICE_PRINCIPAL;
const RESULT_SUCCESS = `${RESULT_MARKER} SUCCESS`;

let seed: SynthesizedStack;
let provisioner: { command: string; interpreter: string[]; environment: Record<string, string> };
const fakes: InProcessAz[] = [];
beforeAll(() => {
  seed = synthSeedStack();
  provisioner = stepProvisioner(seed, 'Setup');
});
afterAll(() => {
  fakes.forEach((fake) => fake.dispose());
  fs.rmSync(seed.outdir, { recursive: true, force: true });
});

/** The environment GoldenVm writes for the seed's Gen2 Standard VM, resolved. */
function environment(extra: Record<string, string> = {}): Record<string, string> {
  return { ...resolveEnvironment(provisioner.environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID }), ...extra };
}

interface Run extends StepRun {
  readonly fake: InProcessAz;
}

/** Run Command's answer (`value[].[code, message]`) with the guest's output. */
function guestAnswer(stdout: string): AzResult {
  return { exitCode: 0, stdout: JSON.stringify([['ComponentStatus/StdOut/succeeded', stdout], ['ComponentStatus/StdErr/succeeded', '']]), stderr: '' };
}

async function runSetup(fake: InProcessAz, extra: Record<string, string> = {},
  options: { interruptAt?: string; guest?: Record<string, string> } = {}): Promise<Run> {
  // `guest`: the output of a guest script, by name, instead of the simulated guest's.
  const az: AzRunner = (invocation) => {
    const script = Object.keys(options.guest ?? {}).find((name) => invocation.args.some((arg) => arg.endsWith(`/${name}`)));
    return script === undefined ? fake.run(invocation) : Promise.resolve(guestAnswer(options.guest![script]));
  };
  const result = await runInProcess(STEPS.setup, {
    env: { ...fake.environment(), ...environment(extra) },
    az,
    clock: new FakeClock(),
    cwd: seed.stackDirectory,
    interrupt: options.interruptAt === undefined ? undefined : { signal: 'SIGTERM', when: (call) => call.args.join(' ').startsWith(options.interruptAt!) },
  });
  return { ...result, fake };
}

function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz(state);
  fakes.push(fake);
  return fake;
}

// --- the expected az lines ---------------------------------------------------------------------------------------
const VM = [`--subscription=${SUBSCRIPTION_ID}`, '--resource-group=rg-golden', '--name=vm-golden'];
const [VERSION, ACCOUNT] = STEP_START_CALLS;
const STATE = ['vm', 'get-instance-view', ...VM, '--output', 'json'];
const RESTART = ['vm', 'restart', ...VM, '--output', 'none'];

function guestCall(script: string, ...parameters: string[]): string[] {
  return ['vm', 'run-command', 'invoke', ...VM, '--command-id', 'RunPowerShellScript', '--scripts',
    `@${path.join(seed.stackDirectory, environment().GOLDEN_GUEST_DIRECTORY, script)}`,
    ...(parameters.length > 0 ? ['--parameters', ...parameters] : []), '--query', 'value[].[code, message]', '--output', 'json'];
}
const START = (): string[] => guestCall('setup-start.ps1');
const STATUS = (offset: number): string[] => guestCall('setup-status.ps1', `Offset=${offset}`);
const FINISH = (keep = 'false'): string[] => guestCall('setup-finish.ps1', `KeepSetupFiles=${keep}`);

/** The byte offsets at which the polls of a log read in one chunk per poll begin: 0, then after each poll's lines. */
function offsetsAfter(...polls: string[][]): number[] {
  const offsets = [0];
  for (const lines of polls) {
    offsets.push(offsets[offsets.length - 1] + lines.reduce((sum, line) => sum + Buffer.byteLength(`${line}\n`), 0));
  }
  return offsets;
}

/** The setup log's lines as printed by the step (`  guest| `), in order, up to the end of the setup wait. */
function printedLogLines(stdout: string): string[] {
  const end = stdout.search(/\] (setup: every step|cleanup: )/);
  const lines = (end < 0 ? stdout : stdout.slice(0, end)).split('\n');
  return lines.filter((line) => line.startsWith('  guest| ')).map((line) => line.slice('  guest| '.length));
}

function runCommands(fake: InProcessAz): string[] {
  return fake.state().guestScriptRuns ?? [];
}

/** Six lines in three polls of two, one of them not ASCII (the offsets are bytes, not characters). */
const SIX_LINES = [
  '==> [0s] install IIS and ASP.NET',
  'Success Restart Needed Exit Code      Feature Result',
  'True    No             Success       {Common HTTP Features, Default Document, ...}',
  '==> [41s] deploy the machine-name page: café – déjà vu',
  '==> [44s] smoke test',
  'smoke test: http://localhost/ answered 200 with the computer name golden01',
];

describe('the setup step, in-process against the simulated az and guest', () => {
  test('the construct runs it as the operator program\'s `setup` step, every input in the environment', () => {
    expect(provisioner.command).toBe('setup');
    expect(provisioner.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/.+\/operator\/operator\.js$/)]);
    expect(environment()).toMatchObject({
      GOLDEN_RESOURCE_GROUP: 'rg-golden',
      GOLDEN_VM_NAME: 'vm-golden',
      GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
      GOLDEN_SETUP_TIMEOUT_MINUTES: '60',
      GOLDEN_EXPECTED_SECURITY_TYPE: 'Standard',
      GOLDEN_EXPECTED_HYPERV_GENERATION: 'V2',
      GOLDEN_KEEP_SETUP_FILES: 'false',
    });
  });

  test('happy path: checks the VM, starts the setup, prints its log across polls, cleans the guest, in that order', async () => {
    // GIVEN a running Gen2 Standard VM whose setup logs six lines over three polls
    const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 3, lines: SIX_LINES } });
    // WHEN
    const result = await runSetup(fake);
    // THEN exactly these az calls, the offsets following the log's bytes
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const [o0, o1, o2] = offsetsAfter(SIX_LINES.slice(0, 2), SIX_LINES.slice(2, 4));
    expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE, START(), STATUS(o0), STATUS(o1), STATUS(o2), FINISH()]);
    expect(fake.state().setup).toMatchObject({ phase: 'removed', starts: 1, keptFiles: false, offsets: [o0, o1, o2] });
    expect(fake.state().setup?.badOffsets).toBeUndefined();
    expect(fake.state().restarts).toBeUndefined();
    // Every log line once, in order, then the result line; progress between the polls, every 15 simulated seconds.
    expect(printedLogLines(result.stdout)).toEqual([...SIX_LINES, RESULT_SUCCESS]);
    expect(result.stdout).toContain('[setup-vm +0s] setup: running in the guest, 0s of 3600s');
    expect(result.stdout).toContain('[setup-vm +15s] setup: running in the guest, 15s of 3600s');
    expect(result.stdout.match(/setup: running in the guest/g)).toHaveLength(2);
    expect(result.stdout).toContain('[setup-vm +0s] check: security type Standard, Hyper-V generation V2 (expected Standard, V2)');
    expect(result.stdout).toContain('[setup-vm +0s] setup: starting the setup in the guest (limit 3600s)');
    expect(result.stdout).toContain('setup: started as a scheduled task in the guest');
    expect(result.stdout).toContain('[setup-vm +30s] setup: every step and the smoke test passed in the guest');
    expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(result.stdout).toMatch(/\[setup-vm \+30s\] done: the VM is set up and clean, ready for Sysprep\n$/);
    expect(result.seconds).toBe(30);
    // Nothing left behind in TMPDIR.
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });

  test('a log longer than one status answer (3000 bytes): read in chunks at byte offsets, every line once', async () => {
    // GIVEN 80 lines of about 100 bytes (some not ASCII), all written before the first poll
    const lines = Array.from({ length: 80 }, (_, i) => `line ${String(i).padStart(2, '0')} ${i % 7 === 0 ? 'Überprüfung läuft… ' : ''}${'x'.repeat(80)}`);
    const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 1, lines } });
    // WHEN
    const result = await runSetup(fake);
    // THEN more polls than the setup needed, no offset outside a line start, and the whole log once
    expect(result.code).toBe(0);
    const offsets = fake.state().setup!.offsets!;
    expect(offsets.length).toBeGreaterThanOrEqual(3);
    expect(fake.state().setup!.badOffsets).toBeUndefined();
    expect(printedLogLines(result.stdout)).toEqual([...lines, RESULT_SUCCESS]);
  });

  test('polls that bring no new line (a long step) go on waiting', async () => {
    // GIVEN a setup whose only line comes at the 3rd of 4 polls: polls 1 and 2 return the status line alone
    const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 4, lines: ['==> [0s] a long step'] } });
    // WHEN
    const result = await runSetup(fake);
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.state().setup!.offsets).toEqual([0, 0, 0, 0]);
    expect(printedLogLines(result.stdout)).toEqual(['==> [0s] a long step', RESULT_SUCCESS]);
    expect(result.stdout.match(/setup: running in the guest, \d+s of 3600s/g)).toHaveLength(3);
  });

  test('GOLDEN_KEEP_SETUP_FILES=true reaches the cleanup', async () => {
    const fake = fakeAz({ setup: { polls: 1, lines: ['one'] } });
    const result = await runSetup(fake, { GOLDEN_KEEP_SETUP_FILES: 'true' });
    expect(result.code).toBe(0);
    expect(fake.calls()[fake.calls().length - 1]).toEqual(FINISH('true'));
    expect(fake.state().setup!.keptFiles).toBe(true);
    expect(result.stdout).toContain('cleanup: removing the setup\'s task, files and custom data from the guest (keep files: true)');
  });

  describe('the kind of VM (read from the instance view of the state: no call of its own)', () => {
    test.each<[string, 'TrustedLaunch' | 'ConfidentialVM']>([
      ['Trusted Launch', 'TrustedLaunch'],
      ['a Confidential VM', 'ConfidentialVM'],
    ])('%s where Standard is expected: exit 7 before any Run Command, naming the fix', async (_, securityType) => {
      const fake = fakeAz({ securityType });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE]);
      expect(result.stderr).toContain(`ERROR: check: Azure created the build VM as ${securityType} although the configuration asks for Standard`);
      expect(result.stderr).toContain(`A managed image cannot be captured from a ${securityType} VM`);
      expect(result.stderr).toContain('Fix: let this subscription create Standard VMs (unregister the Trusted-Launch-by-default preview feature, or exempt the build\'s resource group from the policy)');
      expect(fake.state().setup).toBeUndefined();
    });

    test('an explicit Standard security type is Standard', async () => {
      const fake = fakeAz({ securityType: 'Standard', setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type Standard, Hyper-V generation V2');
    });

    test('Trusted Launch expected (a gallery target) and found: the setup runs', async () => {
      const fake = fakeAz({ securityType: 'TrustedLaunch', setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake, { GOLDEN_EXPECTED_SECURITY_TYPE: 'TrustedLaunch' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type TrustedLaunch, Hyper-V generation V2 (expected TrustedLaunch, V2)');
    });

    test('Trusted Launch expected but a Standard VM: exit 7', async () => {
      const fake = fakeAz();
      const result = await runSetup(fake, { GOLDEN_EXPECTED_SECURITY_TYPE: 'TrustedLaunch' });
      expect(result.code).toBe(7);
      expect(result.stderr).toContain("check: the VM's security type is Standard, but the image needs TrustedLaunch.");
      expect(fake.commands()).not.toContain('vm run-command invoke');
    });

    test('a V1 VM when the image was declared V2: exit 7 before any Run Command, naming the fix', async () => {
      const fake = fakeAz({ hyperVGeneration: 'V1' });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE]);
      expect(result.stderr).toContain('check: the VM runs as Hyper-V generation V1, but its marketplace image was declared V2');
      expect(result.stderr).toContain('hyperVGeneration: HyperVGeneration.V1');
    });

    test('a generation the instance view does not report is not held against the VM', async () => {
      const fake = fakeAz({ hyperVGeneration: undefined, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type Standard, Hyper-V generation unknown (expected Standard, V2)');
    });
  });

  describe('the setup failing in the guest', () => {
    test('a failed step: exit 5 naming the step and its message, after the whole log; the guest is not cleaned', async () => {
      // GIVEN a setup that fails at its second step, on the second poll
      const lines = ['==> [0s] install IIS and ASP.NET', 'ok', '==> [30s] install the app', 'ERROR: Access to the path C:\\inetpub\\wwwroot is denied.'];
      const fake = fakeAz({ setup: { outcome: 'fails', polls: 2, lines, failingStep: 'install the app', failureMessage: 'Access to the path C:\\inetpub\\wwwroot is denied.' } });
      // WHEN
      const result = await runSetup(fake);
      // THEN
      expect(result.code).toBe(5);
      expect(printedLogLines(result.stdout)).toEqual([...lines, "GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'install the app': Access to the path C:\\inetpub\\wwwroot is denied."]);
      expect(result.stderr).toContain("ERROR: setup: step 'install the app': Access to the path C:\\inetpub\\wwwroot is denied.. The guest's log is printed above (guest|). Nothing was imaged; the VM is left running.");
      expect(runCommands(fake)).toEqual(['setup-start.ps1', 'setup-status.ps1', 'setup-status.ps1']);
      expect(fake.state().finishRuns).toBeUndefined();
      expect(fake.state().power).toBe('running');
    });

    test('the setup process dying (no result line): exit 5; a rerun starts it anew', async () => {
      const lines = ['==> [0s] install IIS and ASP.NET', 'Start-Process: ...'];
      const fake = fakeAz({ setup: { outcome: 'dies', polls: 2, lines } });
      const result = await runSetup(fake);
      expect(result.code).toBe(5);
      expect(printedLogLines(result.stdout)).toEqual(lines);
      expect(result.stderr).toMatch(/ERROR: setup: the setup process in the guest ended without a result line \(guest status: ended 2147943467 \d+\): it was killed, or the VM restarted during the setup\./);
      expect(fake.state().finishRuns).toBeUndefined();
      // WHEN the cause is gone and the deployment runs again THEN the setup runs again from the start
      fake.update({ setup: { ...fake.state().setup, outcome: 'succeeds' } });
      fake.clearLog();
      const rerun = await runSetup(fake);
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toContain('setup: started as a scheduled task in the guest');
      expect(fake.state().setup!.starts).toBe(2);
      expect(printedLogLines(rerun.stdout)).toEqual([...lines, RESULT_SUCCESS]);
    });

    test.each<[string, string, string]>([
      ['a state the step does not know', `${STATUS_MARKER} paused 0`, 'ERROR: setup: unexpected status line from the guest: "paused 0"'],
      ['no byte offset', `${STATUS_MARKER} running -1`, 'ERROR: setup: unexpected status line from the guest (no byte offset of the setup log): "running -1"'],
      ['the guest script\'s own error', `${STATUS_MARKER} error Offset must be a byte offset`, 'ERROR: setup: unexpected status line from the guest: "error Offset must be a byte offset"'],
      ['no status line at all', 'Get-ScheduledTask : Access is denied.',
        'ERROR: setup: setup-status.ps1 stopped before its result line (GOLDEN-IMAGE-SETUP-STATUS: ...): its output is printed above.'],
    ])('a status answer with %s: exit 5 quoting it, the guest not cleaned', async (_, answer, message) => {
      const fake = fakeAz({ setup: { polls: 2, lines: ['a', 'b'] } });
      const result = await runSetup(fake, {}, { guest: { 'setup-status.ps1': answer } });
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(message);
      expect(fake.state().finishRuns).toBeUndefined();
    });

    test.each<[string, string, string]>([
      ['setup-start.ps1', `${START_MARKER} FAILURE icacls /reset failed on C:\\GoldenImage with exit code 5`,
        'ERROR: setup: the setup could not be started in the guest: FAILURE icacls /reset failed on C:\\GoldenImage with exit code 5'],
      ['setup-finish.ps1', `${FINISH_MARKER} FAILURE the setup task GoldenImageSetup is still running`,
        'ERROR: cleanup: the guest could not be cleaned: the setup task GoldenImageSetup is still running'],
    ])('%s reporting a failure: exit 5 with its message', async (script, answer, message) => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['a'] } });
      const result = await runSetup(fake, {}, { guest: { [script]: answer } });
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(message);
      expect(result.stdout + result.stderr).toContain(`  guest| ${answer}`);
    });
  });

  describe('reruns (idempotency)', () => {
    test('timeout: exit 4 at the limit (5 simulated minutes), the setup goes on in the guest; the rerun waits for it without starting it again', async () => {
      // GIVEN a setup far longer than the limit
      const lines = Array.from({ length: 10 }, (_, i) => `step line ${i}`);
      const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 1000, lines } });
      // WHEN
      const first = await runSetup(fake, { GOLDEN_SETUP_TIMEOUT_MINUTES: '5' });
      // THEN
      expect(first.code).toBe(4);
      expect(first.seconds).toBe(300);
      expect(first.stderr).toContain('ERROR: setup: the setup did not finish within 5 minutes (GoldenVm setupTimeoutMinutes). It goes on in the guest: run the deployment again to keep waiting for it (it is not started twice), or raise setupTimeoutMinutes.');
      expect(fake.state().setup).toMatchObject({ phase: 'running', starts: 1, statusPolls: 21 });
      expect(fake.state().finishRuns).toBeUndefined();
      // WHEN the setup is close to its end and the deployment runs again
      const polled = fake.state().setup!.statusPolls!;
      fake.update({ setup: { ...fake.state().setup, polls: polled + 2 } });
      fake.clearLog();
      const rerun = await runSetup(fake);
      // THEN it is waited for (RUNNING), not started again, and its whole log is shown once
      expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
      expect(rerun.stdout).toContain('setup: already running in the guest (an interrupted earlier run): waiting for it, not starting it again');
      expect(fake.state().setup!.starts).toBe(1);
      expect(printedLogLines(rerun.stdout)).toEqual([...lines, RESULT_SUCCESS]);
      expect(fake.commands().slice(0, 3)).toEqual(['version', 'account show', 'vm get-instance-view']);
      expect(runCommands(fake).slice(-3)).toEqual(['setup-status.ps1', 'setup-status.ps1', 'setup-finish.ps1']);
    });

    test('after a setup that succeeded but was not cleaned (interrupted run): SUCCEEDED, not run again, then cleaned', async () => {
      const lines = ['==> [0s] only step', 'done'];
      const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 1, lines, phase: 'ended', result: 'succeeded', statusPolls: 1, starts: 1 } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE, START(), STATUS(0), FINISH()]);
      expect(result.stdout).toContain('setup: already succeeded in an earlier run: not running it again');
      expect(printedLogLines(result.stdout)).toEqual([...lines, RESULT_SUCCESS]);
      expect(fake.state().setup).toMatchObject({ starts: 1, phase: 'removed' });
    });

    test('after a finished run (setup removed): NO-SETUP, only the cleanup runs again', async () => {
      const fake = fakeAz({ setup: { phase: 'removed', starts: 1 } });
      const result = await runSetup(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE, START(), FINISH()]);
      expect(result.stdout).toContain('setup: no setup left in the guest: an earlier run finished it and removed its files');
      expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    });

    test('a whole second run after success converges with nothing started again', async () => {
      const fake = fakeAz({ setup: { polls: 2, lines: ['a', 'b'] } });
      expect((await runSetup(fake)).code).toBe(0);
      fake.clearLog();
      const rerun = await runSetup(fake);
      expect(rerun.code).toBe(0);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE, START(), FINISH()]);
      expect(fake.state().setup!.starts).toBe(1);
    });

    test('an already generalized VM: exit 0 with no Run Command', async () => {
      const fake = fakeAz({ power: 'deallocated', osState: 'generalized' });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE]);
      expect(result.stdout).toContain('state: the VM is already generalized: its setup finished in an earlier run');
    });

    test.each(['deallocated', 'stopped'])('a %s VM: exit 7 with what to do, no Run Command', async (power) => {
      const fake = fakeAz({ power });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE]);
      expect(result.stderr).toContain(`ERROR: state: the VM is ${power} (status codes: ProvisioningState/succeeded PowerState/${power}), but the setup needs it running. Start it (\`az vm start\`), then run the deployment again.`);
    });

    test('a VM still starting is waited for', async () => {
      const fake = fakeAz({ power: 'starting', settlesAfter: 1, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('state: VM is starting, waiting for it to settle, 0s of 1200s');
    });

    test('SIGTERM during a status poll: exit 143, the phase named; the rerun waits for the running setup', async () => {
      const fake = fakeAz({ setup: { polls: 3, lines: ['a', 'b', 'c'] } });
      const result = await runSetup(fake, {}, { interruptAt: 'vm run-command invoke' });
      expect(result.code).toBe(143);
      expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during setup. The resources are left as they are: run the deployment again to resume');
      fake.clearLog();
      const rerun = await runSetup(fake);
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toContain('setup: already running in the guest (an interrupted earlier run)');
      expect(fake.state().setup!.starts).toBe(1);
    });
  });

  describe('a pending reboot', () => {
    test('two restarts needed: restart, clean again, restart, clean again, CLEAN', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, rebootPending: 2 });
      const result = await runSetup(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fake.calls()).toEqual([VERSION, ACCOUNT, STATE, START(), STATUS(0), FINISH(), RESTART, FINISH(), RESTART, FINISH()]);
      expect(fake.state()).toMatchObject({ restarts: 2, rebootPending: 0, power: 'running', finishRuns: 3 });
      expect(result.stdout).toContain('restart: a reboot is pending in the guest (ComponentBasedServicing,PendingFileRenameOperations): restarting the VM (1 of 3, limit 1200s)');
      expect(result.stdout).toContain('restarting the VM (2 of 3, limit 1200s)');
      expect(result.stdout).toContain('restart: done; the next Run Command waits for the guest agent');
      expect(result.stdout).toContain('cleanup: the guest is clean and needs no restart');
    });

    test('a reboot pending after every restart: exit 5 after 3 restarts', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, rebootPending: 'always' });
      const result = await runSetup(fake);
      expect(result.code).toBe(5);
      expect(fake.state()).toMatchObject({ restarts: 3, finishRuns: 4 });
      expect(fake.commands().filter((c) => c === 'vm restart')).toHaveLength(3);
      expect(result.stderr).toContain('ERROR: cleanup: a reboot is still pending after 3 restarts (ComponentBasedServicing,PendingFileRenameOperations): something in the setup re-arms it at every boot.');
    });

    test('a restart that never returns: exit 4 at GOLDEN_RESTART_TIMEOUT_MINUTES (simulated), az stopped', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, rebootPending: 1, hang: ['vm restart'] });
      const result = await runSetup(fake, { GOLDEN_RESTART_TIMEOUT_MINUTES: '2' });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('ERROR: restart: the VM did not restart within 2 minutes. Check it in the portal, then run the deployment again.');
      expect(fake.hanging()).toEqual([]);
    });
  });

  describe('az failures', () => {
    test('transient errors of the state, a status poll and the restart are retried; the log is still shown once', async () => {
      const fake = fakeAz({
        setup: { polls: 2, lines: SIX_LINES },
        rebootPending: 1,
        transient: [
          { command: 'vm get-instance-view', error: '429', times: 1 },
          { command: 'vm run-command invoke', script: 'setup-status.ps1', error: '503', times: 2 },
          { command: 'vm restart', error: 'connection', times: 1 },
        ],
      });
      const result = await runSetup(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/state: transient az failure \(attempt 1 of 6\): ERROR: \(TooManyRequests\)/);
      expect(result.stdout).toMatch(/setup: transient az failure \(attempt 2 of 6\): ERROR: \(ServiceUnavailable\)/);
      expect(result.stdout).toMatch(/restart: transient az failure \(attempt 1 of 6\): ERROR: HTTPSConnectionPool/);
      expect(printedLogLines(result.stdout)).toEqual([...SIX_LINES, RESULT_SUCCESS]);
      expect(fake.state().setup!.badOffsets).toBeUndefined();
      expect(fake.state().restarts).toBe(1);
    });

    test('an earlier Run Command still running in the guest (409 Conflict) is waited for, not counted as a failure', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, runCommandInProgress: 2 });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('setup: another Run Command is still running in the guest (an interrupted earlier run?): waiting for it to end, 15s of 1200s');
      expect(result.stdout).not.toMatch(/transient az failure/);
      expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(5);
      expect(fake.state().setup!.starts).toBe(1);
    });

    test('the VM deleted during the setup: exit 8, nothing retried', async () => {
      const fake = fakeAz({ setup: { polls: 3, lines: ['a', 'b', 'c'] }, deleteAfter: { command: 'vm run-command invoke', calls: 2 } });
      const result = await runSetup(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceNotFound)');
      expect(result.stderr).toContain('ERROR: setup: az vm run-command invoke failed: VM vm-golden in resource group rg-golden');
      expect(result.stderr).toContain('Run the deployment again: Terraform sees the VM is gone and builds it again.');
      expect(result.stdout).not.toMatch(/retrying in/);
    });

    test('Run Command returns no output at all (no outbound access): exit 6 naming outbound access to AzureCloud', async () => {
      const fake = fakeAz({ runCommandOutput: 'none' });
      const result = await runSetup(fake);
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('setup: Run Command succeeded but returned no output of the guest script');
    });
  });

  describe('input validation: exit 2 and no az call', () => {
    test.each<[string, Record<string, string>, string]>([
      ['GOLDEN_RESOURCE_GROUP missing', { GOLDEN_RESOURCE_GROUP: '' }, 'GOLDEN_RESOURCE_GROUP must be an Azure resource group name'],
      ['GOLDEN_RESOURCE_GROUP with a command', { GOLDEN_RESOURCE_GROUP: 'rg;touch pwned' }, 'GOLDEN_RESOURCE_GROUP must be an Azure resource group name'],
      ['GOLDEN_VM_NAME missing', { GOLDEN_VM_NAME: '' }, 'GOLDEN_VM_NAME must be an Azure VM name'],
      ['GOLDEN_VM_NAME with $( )', { GOLDEN_VM_NAME: '$(touch pwned)' }, 'GOLDEN_VM_NAME must be an Azure VM name'],
      ['GOLDEN_SUBSCRIPTION_ID not a GUID', { GOLDEN_SUBSCRIPTION_ID: 'my-subscription' }, 'GOLDEN_SUBSCRIPTION_ID must be a subscription id'],
      ['GOLDEN_GUEST_DIRECTORY missing', { GOLDEN_GUEST_DIRECTORY: '' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
      ['GOLDEN_GUEST_DIRECTORY absolute', { GOLDEN_GUEST_DIRECTORY: '/etc' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
      ['GOLDEN_GUEST_DIRECTORY not there', { GOLDEN_GUEST_DIRECTORY: 'assets/nowhere' }, 'GOLDEN_GUEST_DIRECTORY: no readable setup-start.ps1 in "assets/nowhere"'],
      ['GOLDEN_GUEST_DIRECTORY without setup-status.ps1', { GOLDEN_GUEST_DIRECTORY: 'partial-guest' }, 'GOLDEN_GUEST_DIRECTORY: no readable setup-status.ps1 in "partial-guest"'],
      ['GOLDEN_SETUP_TIMEOUT_MINUTES 0', { GOLDEN_SETUP_TIMEOUT_MINUTES: '0' },
        "GOLDEN_SETUP_TIMEOUT_MINUTES must be between 5 and 720; got 0. It comes from the GoldenVm construct's props (setupTimeoutMinutes)"],
      ['GOLDEN_SETUP_TIMEOUT_MINUTES 1e3', { GOLDEN_SETUP_TIMEOUT_MINUTES: '1e3' }, 'GOLDEN_SETUP_TIMEOUT_MINUTES must be a whole number; got "1e3"'],
      ['GOLDEN_RESTART_TIMEOUT_MINUTES 121', { GOLDEN_RESTART_TIMEOUT_MINUTES: '121' },
        "GOLDEN_RESTART_TIMEOUT_MINUTES must be between 1 and 120; got 121. It is one of the operator's tuning variables"],
      ['GOLDEN_EXPECTED_SECURITY_TYPE lowercase', { GOLDEN_EXPECTED_SECURITY_TYPE: 'trustedlaunch' }, 'GOLDEN_EXPECTED_SECURITY_TYPE must be Standard or TrustedLaunch; got "trustedlaunch"'],
      ['GOLDEN_EXPECTED_HYPERV_GENERATION missing', { GOLDEN_EXPECTED_HYPERV_GENERATION: '' }, 'GOLDEN_EXPECTED_HYPERV_GENERATION must be V1 or V2; got ""'],
      ['GOLDEN_EXPECTED_HYPERV_GENERATION V3', { GOLDEN_EXPECTED_HYPERV_GENERATION: 'V3' }, 'GOLDEN_EXPECTED_HYPERV_GENERATION must be V1 or V2; got "V3"'],
      ['GOLDEN_KEEP_SETUP_FILES yes', { GOLDEN_KEEP_SETUP_FILES: 'yes' }, 'GOLDEN_KEEP_SETUP_FILES must be true or false; got "yes"'],
      ['GOLDEN_POLL_SECONDS 0', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
      ['GOLDEN_RETRY_BASE_SECONDS negative', { GOLDEN_RETRY_BASE_SECONDS: '-1' }, 'GOLDEN_RETRY_BASE_SECONDS must be a whole number; got "-1"'],
      ['GOLDEN_RETRY_MAX_ATTEMPTS 21', { GOLDEN_RETRY_MAX_ATTEMPTS: '21' }, 'GOLDEN_RETRY_MAX_ATTEMPTS must be between 1 and 20; got 21'],
    ])('%s', async (_, values, message) => {
      const fake = fakeAz();
      const partial = path.join(seed.stackDirectory, 'partial-guest');
      fs.mkdirSync(partial, { recursive: true });
      fs.copyFileSync(path.join(seed.stackDirectory, environment().GOLDEN_GUEST_DIRECTORY, 'setup-start.ps1'), path.join(partial, 'setup-start.ps1'));
      const result = await runSetup(fake, values);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(fake.calls()).toEqual([]);
      expect(fs.existsSync(path.join(seed.stackDirectory, 'pwned'))).toBe(false);
    });
  });

  describe('authentication', () => {
    test('as the service principal of the ARM_* variables: the secret on stdin only, never on a command line or in the output', async () => {
      const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET }, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(0);
      expect(fake.state().passwordSources).toEqual(['stdin']);
      expect(fake.calls().flat().some((arg) => arg.includes(SECRET))).toBe(false);
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    });

    test('no session and no credentials: exit 3, nothing else tried', async () => {
      const fake = fakeAz({ loggedIn: false });
      const result = await runSetup(fake);
      expect(result.code).toBe(3);
      expect(fake.commands()).toEqual(['version', 'account show']);
    });
  });
});

describe('the guest scripts and the step agree', () => {
  const guest = (name: string) => fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', name), 'utf8');
  const simulator = fs.readFileSync(path.join(__dirname, '..', 'fake-az', 'simulator.js'), 'utf8');

  test.each([
    ['setup-start.ps1', START_MARKER],
    ['setup-status.ps1', STATUS_MARKER],
    ['setup-finish.ps1', FINISH_MARKER],
  ])('%s prints the marker the step reads (%s), and so does the simulated az', (script, marker) => {
    expect(guest(script)).toContain(`$Marker = '${marker}'`);
    expect(simulator).toContain(`'${marker}'`);
  });

  test('the setup log\'s result line is the one setup-status.ps1 and setup-start.ps1 look for', () => {
    expect(guest('setup-status.ps1')).toContain(`$ResultMarker = '${RESULT_MARKER}'`);
    expect(guest('setup-start.ps1')).toContain(`$ResultMarker = '${RESULT_MARKER}'`);
  });
});
