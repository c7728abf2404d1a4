/**
 * Runs the generalize step exactly as synthesized (the provisioner's command under /bin/sh, its environment with the
 * Terraform expressions resolved, from the stack directory) against the simulated az of test/fake-az.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TerraformVariable } from 'cdktf';
import { GeneralizedImage, GoldenVm, MarketplaceImage, WindowsSetup } from '../lib';
import {
  childPids, expectServicePrincipalLogin, FakeAz, FakeAzState, FAKE_AZ_DIRECTORY, isRunning, RunResult, runShellCommand,
  SERVICE_PRINCIPAL, SUBSCRIPTION_ID, TransientError,
} from './util/fake-az';
import {
  happyPathCalls, resolveEnvironment, subscriptionExpression, SynthesizedStack, synthSeedStack, synthToDirectory,
} from './util/generalize-stack';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

/** Short waits: progress every second, no backoff unless a test asks for it. */
const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } = SERVICE_PRINCIPAL;

// The tests run concurrently (each has its own fake az): the file takes about the time of its slowest test.
jest.setTimeout(30_000);

const fakes: FakeAz[] = [];
let synthesized: { seed: SynthesizedStack; variables: SynthesizedStack } | undefined;

/** Synthesized on first use: jest starts concurrent tests before beforeAll hooks. */
function stacks(): { seed: SynthesizedStack; variables: SynthesizedStack } {
  synthesized ??= { seed: synthSeedStack(), variables: synthVariablesStack() };
  return synthesized;
}

/** Names and a timeout from Terraform variables: the values reach the script only at apply time. */
function synthVariablesStack(): SynthesizedStack {
  return synthToDirectory('variables', (stack) => {
    const vmName = new TerraformVariable(stack, 'vm_name', { type: 'string' });
    const resourceGroup = new TerraformVariable(stack, 'resource_group', { type: 'string' });
    const deallocateMinutes = new TerraformVariable(stack, 'deallocate_minutes', { type: 'number' });
    const vm = new GoldenVm(stack, 'BuildVm', {
      location: 'westeurope',
      resourceGroupName: resourceGroup.stringValue,
      vmName: vmName.stringValue,
      computerName: 'golden01',
      image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'),
      setup: WindowsSetup.iisAspNet(),
    });
    new GeneralizedImage(stack, 'Image', { vm, timeouts: { deallocateMinutes: deallocateMinutes.numberValue } });
  });
}

afterAll(() => {
  fakes.forEach((f) => f.dispose());
  if (synthesized) {
    fs.rmSync(synthesized.seed.outdir, { recursive: true, force: true });
    fs.rmSync(synthesized.variables.outdir, { recursive: true, force: true });
  }
});

function fakeAz(state: Partial<FakeAzState> = {}): FakeAz {
  const fake = new FakeAz(state);
  fakes.push(fake);
  return fake;
}

/** The seed stack's provisioner environment as Terraform would pass it. */
function seedEnvironment(): Record<string, string> {
  const { seed } = stacks();
  return resolveEnvironment(seed.provisioner.environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID });
}

function runSeed(fake: FakeAz, extra: Record<string, string> = {}, onOutput?: (output: string, pid: number) => void): Promise<RunResult> {
  const { seed } = stacks();
  return runShellCommand(seed.provisioner.command, {
    cwd: seed.stackDirectory,
    env: { ...fake.environment(), ...seedEnvironment(), ...FAST, ...extra },
    onOutput,
  });
}

interface VariableValues {
  readonly vmName?: string;
  readonly resourceGroup?: string;
  readonly deallocateMinutes?: string;
  readonly subscription?: string;
}

function runVariables(fake: FakeAz, values: VariableValues, extra: Record<string, string> = {}) {
  const { variables } = stacks();
  const environment = resolveEnvironment(variables.provisioner.environment, {
    [subscriptionExpression(variables.vmAddress)]: values.subscription ?? SUBSCRIPTION_ID,
    '${var.vm_name}': values.vmName ?? 'vm-golden',
    '${var.resource_group}': values.resourceGroup ?? 'rg-golden',
    '${var.deallocate_minutes}': values.deallocateMinutes ?? '20',
  });
  return runShellCommand(variables.provisioner.command, {
    cwd: variables.stackDirectory,
    env: { ...fake.environment(), ...environment, ...FAST, ...extra },
  });
}

function expectFinalState(fake: FakeAz, power: string, osState: string) {
  expect(fake.state()).toMatchObject({ power, osState });
  expect(fake.state().generalizedWithoutSysprep).toBeUndefined();
}

/** The commands of a whole first run, as on the happy path. */
const FULL_RUN = ['account show', 'vm get-instance-view', 'vm run-command invoke', 'vm deallocate', 'vm generalize', 'vm get-instance-view'];

/** Runs the deployment again, from a clean call log, and asserts it converged: generalized by one Sysprep only. */
async function expectRerunConverges(fake: FakeAz, commands: string[], run: () => Promise<RunResult> = () => runSeed(fake)): Promise<RunResult> {
  fake.clearLog();
  const rerun = await run();
  expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
  expect(fake.commands()).toEqual(commands);
  expect(rerun.stdout).toMatch(/verify: the VM is deallocated and generalized; the image can be captured/);
  expectFinalState(fake, 'deallocated', 'generalized');
  return rerun;
}

describe('generalize-vm.sh as synthesized, against a simulated az', () => {
  test.concurrent('happy path: Sysprep, deallocate, generalize, verify, in that order', async () => {
    // GIVEN a running build VM and an az session
    const fake = fakeAz();
    // WHEN
    const result = await runSeed(fake);
    // THEN
    expect(result.code).toBe(0);
    const guestDirectory = seedEnvironment().GOLDEN_GUEST_DIRECTORY;
    expect(fake.calls()).toEqual(happyPathCalls({ subscriptionId: SUBSCRIPTION_ID, guestDirectory, pollSeconds: 1 }));
    expectFinalState(fake, 'deallocated', 'generalized');
    expect(fake.state().sysprepRuns).toBe(1);
    expect(result.stdout).toMatch(/\[generalize-vm \+\d+s\] login: using the current az session/);
    expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
    expect(result.stdout).toMatch(/\[generalize-vm \+\d+s\] verify: the VM is deallocated and generalized/);
    expect(result.stderr).toBe('');
    // Nothing left behind in TMPDIR.
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });

  test.concurrent('prints progress lines with the step and the elapsed seconds while az waits', async () => {
    // az answers once the test has seen two progress lines: no race with the machine's load.
    const fake = fakeAz();
    const release = path.join(fake.directory, 'release-deallocate');
    fake.update({ holdUntil: { 'vm deallocate': release } });
    const progress = (output: string) => [...output.matchAll(/\[generalize-vm \+\d+s\] deallocate: waiting for az vm deallocate, (\d+)s of 1200s/g)].map((m) => Number(m[1]));
    const result = await runSeed(fake, {}, (output) => {
      if (progress(output).length >= 2 && !fs.existsSync(release)) {
        fs.writeFileSync(release, '');
      }
    });
    expect(result.code).toBe(0);
    // One line per GOLDEN_POLL_SECONDS (1 s here), the elapsed seconds growing (bash counts whole seconds of the clock).
    const seconds = progress(result.stdout);
    expect(seconds.length).toBeGreaterThanOrEqual(2);
    expect(seconds[0]).toBeGreaterThanOrEqual(1);
    expect(seconds[1]).toBeGreaterThan(seconds[0]);
    expect(result.stdout).toMatch(/deallocate: waiting for az vm deallocate, \d+s of 1200s\n(.*\n)*\[generalize-vm \+\d+s\] deallocate: done/);
  });

  describe('transient az failures', () => {
    test.concurrent('a throttled call is retried with exponential backoff', async () => {
      const fake = fakeAz({ transient: [{ command: 'vm run-command invoke', error: '429', times: 2 }] });
      const result = await runSeed(fake, { GOLDEN_RETRY_BASE_SECONDS: '1' });
      expect(result.code).toBe(0);
      expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(3);
      expect(result.stdout).toMatch(/sysprep: transient az failure \(attempt 1 of 6\): ERROR: \(TooManyRequests\)/);
      expect(result.stdout).toContain('sysprep: retrying in 1s');
      expect(result.stdout).toContain('sysprep: retrying in 2s');
      expect(result.milliseconds).toBeGreaterThanOrEqual(3000);
      expect(fake.state().sysprepRuns).toBe(1);
      expectFinalState(fake, 'deallocated', 'generalized');
    });

    test.concurrent('server and connection errors are retried too', async () => {
      const fake = fakeAz({ transient: [{ command: 'vm deallocate', error: '503', times: 1 }, { command: 'vm generalize', error: 'connection', times: 1 }] });
      const result = await runSeed(fake);
      expect(result.code).toBe(0);
      expect(fake.commands()).toEqual([
        'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm deallocate', 'vm deallocate', 'vm generalize', 'vm generalize', 'vm get-instance-view',
      ]);
      expectFinalState(fake, 'deallocated', 'generalized');
    });

    test.concurrent('retries are bounded', async () => {
      const fake = fakeAz({ transient: [{ command: 'vm get-instance-view', error: 'connection', times: 99 }] });
      const result = await runSeed(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '3' });
      expect(result.code).toBe(6);
      expect(fake.commands()).toEqual(['account show', 'vm get-instance-view', 'vm get-instance-view', 'vm get-instance-view']);
      expect(result.stdout).toContain('state: az vm get-instance-view still failing after 3 attempts: giving up');
      expect(result.stderr).toContain('  az| ERROR: HTTPSConnectionPool');
    });

    // A storm longer than the bound: each call fails until the test ends it. Backoff 1 s, doubled; three attempts.
    // (429 has the same path: its backoff and a success after retries are tested above.)
    test.concurrent.each<[TransientError, string, string[]]>([
      ['500', 'vm get-instance-view', FULL_RUN],
      ['502', 'vm run-command invoke', FULL_RUN],
      // Sysprep finished in the first run: the rerun's Run Command finds the guest generalized and does not start it again.
      ['503', 'vm deallocate', FULL_RUN],
      ['504', 'vm generalize', ['account show', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']],
    ])('HTTP %s storm on az %s: retried with doubling backoff up to the bound (exit 6), then a rerun after the storm converges', async (error, command, rerunCommands) => {
      // GIVEN every call of one command failing with a transient error
      const fake = fakeAz({ transient: [{ command, error, times: 99 }] });
      // WHEN
      const first = await runSeed(fake, { GOLDEN_RETRY_BASE_SECONDS: '1', GOLDEN_RETRY_MAX_ATTEMPTS: '3' });
      // THEN three attempts, 1 s then 2 s apart, and a failure with az's error
      expect(first.code).toBe(6);
      expect(fake.commands().filter((c) => c === command)).toHaveLength(3);
      const step = first.stdout.match(/\] (\w+): transient az failure \(attempt 1 of 3\)/)?.[1];
      expect(step).toBeDefined();
      expect(first.stdout).toContain(`${step}: transient az failure (attempt 2 of 3)`);
      expect(first.stdout).toContain(`${step}: retrying in 1s`);
      expect(first.stdout).toContain(`${step}: retrying in 2s`);
      expect(first.stdout).not.toContain('retrying in 4s');
      expect(first.stdout).toContain(`${step}: az ${command.split(' ').slice(0, 2).join(' ')} still failing after 3 attempts: giving up`);
      expect(first.stderr).toMatch(/ {2}az\| ERROR: .*(InternalServerError|Bad Gateway|ServiceUnavailable|GatewayTimeout)/);
      expect(first.milliseconds).toBeGreaterThanOrEqual(2000);
      expect(fake.state().generalizedWithoutSysprep).toBeUndefined();
      // WHEN the storm is over and the deployment runs again THEN it converges, with Sysprep started once in all
      fake.update({ transient: [] });
      await expectRerunConverges(fake, rerunCommands);
      expect(fake.state().sysprepStarts).toBe(1);
    });

    test.concurrent('other failures are not retried', async () => {
      const fake = fakeAz({ failGeneralize: 1 });
      const result = await runSeed(fake);
      expect(result.code).toBe(6);
      expect(fake.commands().filter((c) => c === 'vm generalize')).toHaveLength(1);
      expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
      expect(result.stderr).toMatch(/generalize: az vm generalize failed\. The VM is deallocated: run the deployment again to resume/);
    });
  });

  describe('the VM deleted mid-run', () => {
    test.concurrent.each<[string, NonNullable<FakeAzState['deleteAfter']>, string, string, string]>([
      ['VM deleted after Sysprep', { command: 'vm run-command invoke' }, 'vm deallocate', 'deallocate', 'ResourceNotFound'],
      ['resource group deleted after Sysprep', { command: 'vm run-command invoke', what: 'resource-group' }, 'vm deallocate', 'deallocate', 'ResourceGroupNotFound'],
      ['VM deleted after the deallocation', { command: 'vm deallocate' }, 'vm generalize', 'generalize', 'ResourceNotFound'],
      ['VM deleted before Sysprep', { command: 'vm get-instance-view' }, 'vm run-command invoke', 'sysprep', 'ResourceNotFound'],
    ])('%s: the next call answers NotFound, the script fails fast (exit 8) naming the VM and resource group, no retry', async (_, deleteAfter, failing, step, code) => {
      // GIVEN a VM that disappears mid-run; backoff long enough that a retry would show
      const fake = fakeAz({ deleteAfter });
      // WHEN
      const result = await runSeed(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
      // THEN the failing command ran exactly once, and nothing ran after it
      expect(result.code).toBe(8);
      const calls = fake.commands();
      expect(calls.filter((c) => c === failing)).toHaveLength(1);
      expect(calls[calls.length - 1]).toBe(failing);
      expect(result.stderr).toContain(`  az| ERROR: (${code})`);
      expect(result.stderr).toContain(`ERROR: ${step}: az ${failing} failed: VM vm-golden in resource group rg-golden (subscription ${SUBSCRIPTION_ID}) was not found: the VM or its resource group was deleted before or during this run. Nothing was retried.`);
      expect(result.stdout).not.toMatch(/transient az failure|retrying in/);
    });

    test.concurrent('a VM whose name looks transient ("vm-throttled-lab") deleted mid-run: NotFound still wins, no retry (exit 8)', async () => {
      // ResourceNotFound quotes the VM's name, which here matches the throttling pattern.
      const fake = fakeAz({ vmName: 'vm-throttled-lab', deleteAfter: { command: 'vm run-command invoke' } });
      const result = await runVariables(fake, { vmName: 'vm-throttled-lab' }, { GOLDEN_RETRY_BASE_SECONDS: '20' });
      expect(result.code).toBe(8);
      expect(fake.commands().filter((c) => c === 'vm deallocate')).toHaveLength(1);
      expect(result.stderr).toContain('deallocate: az vm deallocate failed: VM vm-throttled-lab in resource group rg-golden');
      expect(result.stdout).not.toMatch(/transient az failure|retrying in/);
    });

    test.concurrent('VM deleted while the script waits for it to settle: fails at the next look (exit 8), not at the timeout', async () => {
      // GIVEN a VM deallocating (e.g. after an interrupted run) and deleted after the first look
      const fake = fakeAz({ power: 'deallocating', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', deleteAfter: { command: 'vm get-instance-view' } });
      // WHEN the wait may last 5 minutes
      const result = await runVariables(fake, { deallocateMinutes: '5' });
      // THEN
      expect(result.code).toBe(8);
      expect(result.stdout).toMatch(/state: VM is deallocating, waiting for it to settle, \d+s of 300s/);
      expect(fake.commands()).toEqual(['account show', 'vm get-instance-view', 'vm get-instance-view']);
      expect(result.stderr).toContain('ERROR: state: az vm get-instance-view failed: VM vm-golden in resource group rg-golden (subscription');
      expect(result.stderr).toContain('was not found');
    });
  });

  describe('Sysprep failures', () => {
    test.concurrent('Sysprep never reaching OOBE fails with the Panther logs, and nothing is deallocated', async () => {
      const fake = fakeAz({ sysprep: 'never-reaches-oobe' });
      const result = await runSeed(fake);
      expect(result.code).toBe(5);
      expect(result.stdout).toContain('  guest| ----- last 14 lines of C:\\Windows\\System32\\Sysprep\\Panther\\setupact.log -----');
      expect(result.stdout).toContain('  guest| ----- last 8 lines of C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log -----');
      expect(result.stdout).toContain('Failed to remove apps for the current user: 0x80073cf2');
      expect(result.stderr).toMatch(/ERROR: sysprep: Sysprep failed in the guest: timed out after 1800 s: ImageState is IMAGE_STATE_UNDEPLOYABLE/);
      expect(result.stderr).toContain('the VM is left running and not generalized');
      expect(fake.commands()).not.toContain('vm deallocate');
      expect(fake.commands()).not.toContain('vm generalize');
      expectFinalState(fake, 'running', 'specialized');
    });

    test.concurrent('Run Command output without the result marker is a failure, though az exits 0', async () => {
      const fake = fakeAz({ sysprep: 'no-marker' });
      const result = await runSeed(fake);
      expect(result.code).toBe(5);
      expect(result.stderr).toContain('holds no result marker');
      expect(fake.commands()).not.toContain('vm deallocate');
    });

    test.concurrent.each<[string, FakeAzState['sysprep'], RegExp]>([
      ['and no result marker', 'exception', /ERROR: sysprep: the guest script stopped on an error, printed above \(guest stderr\|\), before its result marker/],
      ['and the failure marker', 'exception-and-failure-marker',
        /ERROR: sysprep: Sysprep failed in the guest: unexpected error: Access is denied\. The tail of the Panther logs is printed above, and so is the guest's error output/],
    ])('Run Command exits 0 with a PowerShell exception on StdErr %s: exit 5, the guest stderr printed', async (_, sysprep, message) => {
      // GIVEN Run Command reporting success with an error record in value[] StdErr
      const fake = fakeAz({ sysprep });
      // WHEN
      const result = await runSeed(fake);
      // THEN the guest's error stream is on stderr, apart from its output
      expect(result.code).toBe(5);
      expect(result.stderr).toContain('  guest stderr| Exception calling "Start" with "0" argument(s): "Access is denied"');
      expect(result.stderr).toContain('  guest stderr|     + FullyQualifiedErrorId : Win32Exception');
      expect(result.stdout).toContain('  guest| [guest +1s] sysprep: starting C:\\Windows\\System32\\Sysprep\\Sysprep.exe');
      expect(result.stdout).not.toContain('Win32Exception');
      expect(result.stderr).toMatch(message);
      expect(fake.commands()).not.toContain('vm deallocate');
      expectFinalState(fake, 'running', 'specialized');
    });

    test.concurrent('an error record on StdErr with the success marker is printed, and the marker decides: generalized', async () => {
      const fake = fakeAz({ sysprep: 'completes-with-stderr' });
      const result = await runSeed(fake);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("  guest stderr| Remove-Item : Cannot find path 'C:\\AzureData\\CustomData.bin' because it does not exist.");
      expect(result.stdout).toContain('sysprep: the guest script wrote to its error stream (printed above), but its result marker says Sysprep finished');
      expectFinalState(fake, 'deallocated', 'generalized');
    });
  });

  describe('reruns converge', () => {
    test.concurrent.each<[string, FakeAzState['sysprep'], RegExp]>([
      ['Sysprep timed out in the guest', 'never-reaches-oobe', /Sysprep failed in the guest: timed out/],
      ['the guest output had no result marker', 'no-marker', /holds no result marker/],
      ['a PowerShell exception stopped the guest script', 'exception', /stopped on an error/],
    ])('after "%s" (VM left running, not generalized): a rerun with Sysprep completing succeeds', async (_, sysprep, firstError) => {
      // GIVEN a first run that failed in the guest
      const fake = fakeAz({ sysprep });
      const first = await runSeed(fake);
      expect(first.code).toBe(5);
      expect(first.stderr).toMatch(firstError);
      expect(fake.state()).toMatchObject({ power: 'running', osState: 'specialized', sysprepStarts: 1 });
      // WHEN the cause is fixed and the deployment runs again
      fake.update({ sysprep: 'completes' });
      // THEN Sysprep runs again, and only then is the VM deallocated and generalized
      await expectRerunConverges(fake, FULL_RUN);
      expect(fake.state()).toMatchObject({ sysprepStarts: 2, guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE' });
    });

    test.concurrent('after "deallocate succeeded, generalize failed": no second Sysprep, no second deallocation', async () => {
      // GIVEN a first run that failed after the deallocation
      const fake = fakeAz({ failGeneralize: 1 });
      const first = await runSeed(fake);
      expect(first.code).toBe(6);
      expect(fake.state()).toMatchObject({ power: 'deallocated', osState: 'specialized', sysprepRuns: 1 });
      fake.clearLog();
      // WHEN the deployment runs again
      const second = await runSeed(fake);
      // THEN
      expect(second.code).toBe(0);
      expect(fake.commands()).toEqual(['account show', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']);
      expect(second.stdout).toContain('state: the VM is already deallocated: skipping Sysprep and the deallocation');
      expect(fake.state().sysprepRuns).toBe(1);
      expectFinalState(fake, 'deallocated', 'generalized');
    });

    test.concurrent('while an interrupted run\'s Run Command still runs in the guest (409 Conflict): waits for it, then converges without a second Sysprep', async () => {
      // GIVEN a first run interrupted during Sysprep: Sysprep finished in the guest, its Run Command not yet
      const fake = fakeAz({ guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', runCommandInProgress: 2 });
      // WHEN the deployment runs again
      const rerun = await expectRerunConverges(fake, [
        'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm run-command invoke', 'vm run-command invoke', 'vm deallocate', 'vm generalize', 'vm get-instance-view',
      ]);
      // THEN it waited (not counted as a failure or a transient error), and the guest did not start Sysprep again
      expect(rerun.stdout).toMatch(/sysprep: another Run Command is still running in the guest \(an interrupted earlier run\?\): waiting for it to end, \d+s of 2400s/);
      expect(rerun.stdout).not.toMatch(/transient az failure/);
      expect(rerun.stdout).toContain('guest| [guest +0s] sysprep: already generalized in the guest');
      expect(fake.state().sysprepStarts).toBeUndefined();
    });

    test.concurrent('a Run Command that never ends in the guest: exit 4 after the Run Command limit, nothing deallocated', async () => {
      // GIVEN a guest whose earlier Run Command never ends; limits of 1 + 10 minutes of 1 s
      const fake = fakeAz({ runCommandInProgress: 1000 });
      const result = await runSeed(fake, { GOLDEN_SYSPREP_TIMEOUT_MINUTES: '1', GOLDEN_SECONDS_PER_MINUTE: '1' });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('  az| ERROR: (Conflict) Run command extension execution is in progress.');
      expect(result.stderr).toContain('sysprep: another Run Command kept running in the guest for 11s, so Sysprep could not start.');
      expect(fake.commands().filter((c) => c === 'vm run-command invoke').length).toBeGreaterThan(1);
      expect(fake.commands()).not.toContain('vm deallocate');
      expectFinalState(fake, 'running', 'specialized');
    });

    test.concurrent('an already generalized VM needs nothing but a look', async () => {
      const fake = fakeAz({ power: 'deallocated', osState: 'generalized', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE' });
      const result = await runSeed(fake);
      expect(result.code).toBe(0);
      expect(fake.commands()).toEqual(['account show', 'vm get-instance-view']);
      expect(result.stdout).toContain('already generalized and deallocated: nothing to do');
    });

    test.concurrent('a VM stopped but not deallocated stops the script with what to do', async () => {
      const fake = fakeAz({ power: 'stopped' });
      const result = await runSeed(fake);
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/stopped but not deallocated.*az vm deallocate.*az vm start/);
      expect(fake.commands()).toEqual(['account show', 'vm get-instance-view']);
    });
  });

  describe('input validation', () => {
    test.concurrent.each<[string, (m: string) => VariableValues, RegExp]>([
      ['a VM name with ; and a command', (m) => ({ vmName: `x;touch ${m}` }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name with $( )', (m) => ({ vmName: `$(touch ${m})` }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name with backquotes', (m) => ({ vmName: `\`touch ${m}\`` }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name with a newline', () => ({ vmName: 'vm\n--ids' }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name that looks like an option', () => ({ vmName: '--debug' }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name loading a file', () => ({ vmName: '@/etc/passwd' }), /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a resource group with ; and a command', (m) => ({ resourceGroup: `rg;touch ${m}` }), /GOLDEN_RESOURCE_GROUP must be an Azure resource group name/],
      ['a resource group with $( )', (m) => ({ resourceGroup: `rg$(touch ${m})` }), /GOLDEN_RESOURCE_GROUP must be an Azure resource group name/],
      ['a subscription with a command', (m) => ({ subscription: `x;touch ${m}` }), /GOLDEN_SUBSCRIPTION_ID \(or ARM_SUBSCRIPTION_ID\) must be a subscription id/],
    ])('rejects %s and runs nothing', async (_, values, message) => {
      const fake = fakeAz();
      const marker = path.join(fake.directory, 'pwned');
      const result = await runVariables(fake, values(marker));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(fake.calls()).toEqual([]);
      expect(fs.existsSync(marker)).toBe(false);
    });

    test.concurrent('a timeout from a variable is checked at apply time', async () => {
      const fake = fakeAz();
      const result = await runVariables(fake, { deallocateMinutes: '1e3' });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('GOLDEN_DEALLOCATE_TIMEOUT_MINUTES must be a whole number; got 1e3');
      expect(fake.calls()).toEqual([]);
    });
  });

  describe('authentication', () => {
    test.concurrent('no session and no ARM_* variables: a clear message, nothing else tried', async () => {
      const fake = fakeAz({ loggedIn: false });
      const result = await runSeed(fake);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/az is not logged in and no credentials were given\. Run `az login`.*ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID.*ARM_USE_MSI=true/);
      expect(fake.commands()).toEqual(['account show']);
    });

    test.concurrent('logs in as the service principal of the ARM_* variables, the secret on stdin only, in a private config dir', async () => {
      const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } });
      const result = await runSeed(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(0);
      expectServicePrincipalLogin(fake, result);
      expectFinalState(fake, 'deallocated', 'generalized');
    });

    test.concurrent('a rejected secret fails the step without showing the secret', async () => {
      const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: 'the-right-one' } });
      const result = await runSeed(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('  az| ERROR: AADSTS7000215');
      expect(result.stderr).toContain('az login --service-principal failed. Check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID');
      expect(result.output).not.toContain('s3cret');
    });

    test.concurrent('incomplete service principal variables are named', async () => {
      const fake = fakeAz({ loggedIn: false });
      const result = await runSeed(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('the service principal variables are incomplete (missing: ARM_CLIENT_SECRET)');
      expect(fake.commands()).toEqual(['account show']);
    });

    test.concurrent('logs in with the managed identity when ARM_USE_MSI=true', async () => {
      const fake = fakeAz({ loggedIn: false, managedIdentity: true });
      const result = await runSeed(fake, { ARM_USE_MSI: 'true' });
      expect(result.code).toBe(0);
      expect(fake.calls()[1]).toEqual(['login', '--identity', '-o', 'none']);
      expectFinalState(fake, 'deallocated', 'generalized');
    });
  });

  describe('timeouts and interruption', () => {
    test.concurrent('a deallocation that never finishes times out (exit 4) with a clear message, az is stopped; a rerun converges', async () => {
      // Minutes of 3 s: long enough for the simulated az to start hanging on a loaded machine before the limit.
      const fake = fakeAz({ hang: ['vm deallocate'] });
      const result = await runVariables(fake, { deallocateMinutes: '2' }, { GOLDEN_SECONDS_PER_MINUTE: '3' });
      expect(result.code).toBe(4);
      expect(fake.state().hangingPids).toHaveLength(1);
      expect(result.stdout).toMatch(/deallocate: waiting for az vm deallocate, \d+s of 6s/);
      expect(result.stderr).toContain('deallocate: the VM was not deallocated within 2 minutes (GeneralizedImage timeouts.deallocateMinutes). It may still be deallocating: run the deployment again to resume.');
      await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
      // WHEN Azure finishes the deallocation and the deployment runs again THEN it waits for it, and converges
      fake.update({ hang: [], settlesAfter: 1 });
      const rerun = await expectRerunConverges(fake, ['account show', 'vm get-instance-view', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view'],
        () => runVariables(fake, { deallocateMinutes: '2' }, { GOLDEN_SECONDS_PER_MINUTE: '3' }));
      expect(rerun.stdout).toContain('state: VM is deallocating, waiting for it to settle');
      expect(fake.state().sysprepStarts).toBe(1);
    });

    test.concurrent('SIGTERM during the deallocation wait: non-zero exit (143), az stopped; a rerun converges without a second Sysprep', async () => {
      const fake = fakeAz({ hang: ['vm deallocate'] });
      let signalled = false;
      const result = await runSeed(fake, {}, (output, shellPid) => {
        // A progress line of the wait, once the simulated az has started hanging (under load its start can take longer
        // than the first progress line): az deallocate is running by then.
        if (!signalled && /deallocate: waiting for az vm deallocate, \d+s/.test(output) && (fake.state().hangingPids ?? []).length > 0) {
          signalled = true;
          // /bin/sh runs bash as its child: signal the script itself, as a supervisor would.
          const [bashPid] = childPids(shellPid);
          process.kill(bashPid, 'SIGTERM');
        }
      });
      expect(signalled).toBe(true);
      expect(result.code).toBe(143);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during step deallocate. The VM is left as it is: run the deployment again to resume');
      await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
      // Azure goes on with the deallocation it accepted.
      expect(fake.state()).toMatchObject({ power: 'deallocating', osState: 'specialized', sysprepStarts: 1 });
      // WHEN it finishes and the deployment runs again THEN the rerun waits for it, skips Sysprep, and converges
      fake.update({ hang: [], settlesAfter: 1 });
      const rerun = await expectRerunConverges(fake, ['account show', 'vm get-instance-view', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']);
      expect(rerun.stdout).toContain('state: VM is deallocating, waiting for it to settle');
      expect(rerun.stdout).toContain('state: the VM is already deallocated: skipping Sysprep and the deallocation');
      expect(fake.state().sysprepStarts).toBe(1);
      expect(fake.state().sysprepRuns).toBe(1);
    });
  });
});

describe('the scripts themselves', () => {
  const operator = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', 'generalize-vm.sh'), 'utf8');
  const guest = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'generalize.ps1'), 'utf8');
  const fake = fs.readFileSync(path.join(FAKE_AZ_DIRECTORY, 'simulator.js'), 'utf8');

  test('the guest script follows the recipe and prints the markers the operator script and the fake az use', () => {
    const marker = "'GOLDEN-IMAGE-SYSPREP-RESULT:'";
    expect(guest).toContain(`$ResultMarker = ${marker}`);
    expect(operator).toContain(`readonly RESULT_MARKER=${marker}`);
    expect(fake).toContain(`const RESULT_MARKER = ${marker}`);
    expect(guest).toContain('Write-Output "$ResultMarker SUCCESS"');
    expect(guest).toContain('Write-Output "$ResultMarker FAILURE $Reason"');
    expect(guest).toContain("$AgentServices = @('RdAgent', 'WindowsAzureGuestAgent')");
    for (const leftover of ['C:\\Windows\\Panther\\unattend.xml', 'C:\\Windows\\System32\\Sysprep\\unattend.xml', 'C:\\AzureData\\CustomData.bin']) {
      expect(guest).toContain(`'${leftover}'`);
    }
    expect(guest).toContain("$SysprepExe = 'C:\\Windows\\System32\\Sysprep\\Sysprep.exe'");
    expect(guest).toContain("-ArgumentList '/oobe', '/generalize', '/quiet', '/quit', '/mode:vm'");
    expect(guest).toContain("$StateKey = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State'");
    expect(guest).toContain("$ReadyState = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE'");
    expect(guest).toMatch(/Write-LogTail 'setupact\.log' \d+\n\s+Write-LogTail 'setuperr\.log' \d+/);
  });

  test('the operator script passes shellcheck', () => {
    const shellcheck = spawnSync('shellcheck', ['--version']);
    if (shellcheck.error) {
      console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    expect(() => execFileSync('shellcheck', ['-x', '-s', 'bash', path.join(SCRIPTS_DIRECTORY, 'operator', 'generalize-vm.sh')], { encoding: 'utf8' })).not.toThrow();
  });
});

async function expectEventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
