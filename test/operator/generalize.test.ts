/**
 * The generalize step (lib/operator/steps/generalize.ts) in-process, against the simulated az (test/fake-az) and a
 * simulated clock: the environment is the one the seed stack synthesizes, with Terraform's expressions resolved.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MINIMUM_AZ_VERSION } from '../../lib/operator/az';
import { STEPS } from '../../lib/operator/main';
import { SYSPREP_RESULT_MARKER, SYSPREP_TAG } from '../../lib/operator/steps/generalize';
import { SCRIPTS_DIRECTORY } from '../../lib/private/steps/scripts';
import { FakeAzState, SERVICE_PRINCIPAL, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { resolveEnvironment, subscriptionExpression, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } = SERVICE_PRINCIPAL;
const READY = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE';

let seed: SynthesizedStack;
beforeAll(() => {
  seed = synthSeedStack();
});
afterAll(() => fs.rmSync(seed.outdir, { recursive: true, force: true }));

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return { ...resolveEnvironment(seed.provisioner.environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID }), ...extra };
}

interface Run extends StepRun {
  readonly fake: InProcessAz;
}

async function run(fake: InProcessAz, extra: Record<string, string> = {}, options: { interruptAt?: string } = {}): Promise<Run> {
  const result = await runInProcess(STEPS.generalize, {
    env: { ...fake.environment(), ...environment(extra) },
    az: fake.run,
    clock: new FakeClock(),
    cwd: seed.stackDirectory,
    interrupt: options.interruptAt === undefined ? undefined : { signal: 'SIGTERM', when: (call) => call.args.join(' ').startsWith(options.interruptAt!) },
  });
  return { ...result, fake };
}

function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  return new InProcessAz(state);
}

function expectFinalState(fake: InProcessAz, power: string, osState: string) {
  expect(fake.state()).toMatchObject({ power, osState });
  expect(fake.state().generalizedWithoutSysprep).toBeUndefined();
}

/** The commands of a whole first run. */
const FULL_RUN = ['version', 'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm update', 'vm deallocate', 'vm generalize', 'vm get-instance-view'];

async function expectRerunConverges(fake: InProcessAz, commands: string[], extra: Record<string, string> = {}): Promise<Run> {
  fake.clearLog();
  const rerun = await run(fake, extra);
  expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
  expect(fake.commands()).toEqual(commands);
  expect(rerun.stdout).toContain('verify: the VM is deallocated and generalized; the image can be captured');
  expectFinalState(fake, 'deallocated', 'generalized');
  return rerun;
}

describe('the generalize step, in-process against the simulated az', () => {
  test('happy path: version, session, Sysprep, the record, deallocate, generalize, verify, in that order', async () => {
    const fake = fakeAz();
    const result = await run(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const vm = [`--subscription=${SUBSCRIPTION_ID}`, '--resource-group=rg-golden', '--name=vm-golden'];
    const guest = path.join(seed.stackDirectory, environment().GOLDEN_GUEST_DIRECTORY, 'generalize.ps1');
    expect(fake.calls()).toEqual([
      ...STEP_START_CALLS,
      ['vm', 'get-instance-view', ...vm, '--output', 'json'],
      ['vm', 'run-command', 'invoke', ...vm, '--command-id', 'RunPowerShellScript', '--scripts', `@${guest}`,
        '--parameters', 'TimeoutSeconds=1800', 'PollSeconds=15', '--query', 'value[].[code, message]', '--output', 'json'],
      ['vm', 'update', ...vm, '--set', `tags.${SYSPREP_TAG}=succeeded`, '--output', 'none'],
      ['vm', 'deallocate', ...vm, '--output', 'none'],
      ['vm', 'generalize', ...vm, '--output', 'none'],
      ['vm', 'get-instance-view', ...vm, '--output', 'json'],
    ]);
    expectFinalState(fake, 'deallocated', 'generalized');
    expect(fake.state().vmTags).toEqual({ [SYSPREP_TAG]: 'succeeded' });
    expect(fake.state().sysprepRuns).toBe(1);
    expect(result.stdout).toMatch(/^\[generalize-vm \+0s\] VM vm-golden in resource group rg-golden, subscription /);
    expect(result.stdout).toContain('[generalize-vm +0s] login: using the current az session');
    expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
    expect(result.stdout).toContain(`record: tagged the VM ${SYSPREP_TAG}=succeeded`);
  });

  describe('Sysprep\'s record on the VM (a deallocated VM cannot be asked whether Sysprep ran)', () => {
    test('deallocated by something else during Sysprep (no record): refused, exit 7, nothing generalized', async () => {
      // GIVEN a VM an auto-shutdown schedule deallocated while Sysprep ran: Windows never reached OOBE
      const fake = fakeAz({ power: 'deallocated', guestImageState: 'IMAGE_STATE_UNDEPLOYABLE' });
      const result = await run(fake);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain(`state: the VM is deallocated, but it has no tag ${SYSPREP_TAG}=succeeded`);
      expect(result.stderr).toContain('Fix: start the VM (`az vm start --resource-group <group> --name <vm>`)');
      expect(fake.commands()).toEqual(['version', 'account show', 'vm get-instance-view']);
      expect(fake.state().osState).not.toBe('generalized');
    });

    test('recorded, then interrupted before the generalization: the rerun generalizes without a second Sysprep', async () => {
      const fake = fakeAz({ failGeneralize: 1 });
      expect((await run(fake)).code).toBe(6);
      expect(fake.state()).toMatchObject({ power: 'deallocated', osState: 'specialized', vmTags: { [SYSPREP_TAG]: 'succeeded' } });
      const rerun = await expectRerunConverges(fake, ['version', 'account show', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']);
      expect(rerun.stdout).toContain(`state: the VM is already deallocated and tagged ${SYSPREP_TAG}=succeeded: skipping Sysprep and the deallocation`);
      expect(fake.state().sysprepRuns).toBe(1);
    });

    test('the record cannot be written (no permission): exit 6 before the deallocation, and the rerun records it without a second Sysprep', async () => {
      const fake = fakeAz({ faults: [{ command: 'vm update', fault: 'authorization', times: 1 }] });
      const first = await run(fake);
      expect(first.code).toBe(6);
      expect(first.stderr).toContain('record: az vm update failed. Run the deployment again once the cause is fixed');
      expect(fake.commands()).not.toContain('vm deallocate');
      await expectRerunConverges(fake, FULL_RUN);
      expect(fake.state().sysprepStarts).toBe(1);
    });
  });

  describe('transient az failures', () => {
    test('a throttled call is retried after 5 s, then 10 s (simulated time), Sysprep runs once', async () => {
      const fake = fakeAz({ transient: [{ command: 'vm run-command invoke', error: '429', times: 2 }] });
      const result = await run(fake);
      expect(result.code).toBe(0);
      expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(3);
      expect(result.stdout).toMatch(/sysprep: transient az failure \(attempt 1 of 6\): ERROR: \(TooManyRequests\)/);
      expect(result.stdout).toContain('sysprep: retrying in 5s');
      expect(result.stdout).toContain('sysprep: retrying in 10s');
      expect(result.seconds).toBe(15);
      expect(fake.state().sysprepRuns).toBe(1);
    });

    test('retries are bounded: exit 6 with az\'s error, and a rerun after the storm converges', async () => {
      const fake = fakeAz({ transient: [{ command: 'vm deallocate', error: '503', times: 99 }] });
      const first = await run(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '3' });
      expect(first.code).toBe(6);
      expect(first.stdout).toContain('deallocate: az vm deallocate still failing after 3 attempts: giving up');
      expect(first.stderr).toMatch(/ {2}az\| ERROR: .*ServiceUnavailable/);
      fake.update({ transient: [] });
      await expectRerunConverges(fake, ['version', 'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm update', 'vm deallocate',
        'vm generalize', 'vm get-instance-view']);
      expect(fake.state().sysprepStarts).toBe(1);
    });
  });

  describe('the VM deleted mid-run', () => {
    test.each<[string, NonNullable<FakeAzState['deleteAfter']>, string, string, string]>([
      ['VM deleted after Sysprep', { command: 'vm run-command invoke' }, 'vm update', 'record', 'ResourceNotFound'],
      ['resource group deleted after the record', { command: 'vm update', what: 'resource-group' }, 'vm deallocate', 'deallocate', 'ResourceGroupNotFound'],
      ['VM deleted after the deallocation', { command: 'vm deallocate' }, 'vm generalize', 'generalize', 'ResourceNotFound'],
    ])('%s: exit 8, naming the VM, no retry', async (_, deleteAfter, failing, phase, code) => {
      const fake = fakeAz({ deleteAfter });
      const result = await run(fake);
      expect(result.code).toBe(8);
      expect(fake.commands().filter((c) => c === failing)).toHaveLength(1);
      expect(result.stderr).toContain(`  az| ERROR: (${code})`);
      expect(result.stderr).toContain(`ERROR: ${phase}: az ${failing} failed: VM vm-golden in resource group rg-golden (subscription ${SUBSCRIPTION_ID}) was not found`);
      expect(result.stdout).not.toMatch(/transient az failure|retrying in/);
    });
  });

  describe('Sysprep failures', () => {
    test('Sysprep never reaching OOBE: exit 5 with the Panther logs, nothing recorded or deallocated', async () => {
      const fake = fakeAz({ sysprep: 'never-reaches-oobe' });
      const result = await run(fake);
      expect(result.code).toBe(5);
      expect(result.stdout).toContain('  guest| ----- last 8 lines of C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log -----');
      expect(result.stderr).toMatch(/ERROR: sysprep: Sysprep failed in the guest: timed out after 1800 s: ImageState is IMAGE_STATE_UNDEPLOYABLE/);
      expect(fake.commands()).not.toContain('vm update');
      expect(fake.commands()).not.toContain('vm deallocate');
      expectFinalState(fake, 'running', 'specialized');
    });

    test.each<[string, FakeAzState['sysprep'], RegExp]>([
      ['no result marker', 'no-marker', /holds no result marker/],
      ['a PowerShell exception and no marker', 'exception', /the guest script stopped on an error, printed above \(guest stderr\|\), before its result marker/],
      ['an exception and the failure marker', 'exception-and-failure-marker', /Sysprep failed in the guest: unexpected error: Access is denied\. .*and so is the guest's error output/],
    ])('%s: exit 5, then a rerun with Sysprep completing converges', async (_, sysprep, message) => {
      const fake = fakeAz({ sysprep });
      const first = await run(fake);
      expect(first.code).toBe(5);
      expect(first.stderr).toMatch(message);
      fake.update({ sysprep: 'completes' });
      await expectRerunConverges(fake, FULL_RUN);
    });

    test('an error record on StdErr with the success marker: printed, and the marker decides', async () => {
      const fake = fakeAz({ sysprep: 'completes-with-stderr' });
      const result = await run(fake);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("  guest stderr| Remove-Item : Cannot find path 'C:\\AzureData\\CustomData.bin' because it does not exist.");
      expect(result.stdout).toContain('sysprep: the guest script wrote to its error stream (printed above), but its result marker says Sysprep finished');
    });

    test('Run Command returns no output at all (no outbound access): exit 6, the message names outbound access to AzureCloud', async () => {
      const fake = fakeAz({ runCommandOutput: 'none' });
      const result = await run(fake);
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('sysprep: Run Command succeeded but returned no output of the guest script');
      expect(result.stderr).toContain('outbound HTTPS to the AzureCloud service tag');
      expect(fake.commands()).not.toContain('vm deallocate');
    });
  });

  describe('states and waits', () => {
    test('an earlier Run Command still running (409): waited for, then converges without a second Sysprep', async () => {
      const fake = fakeAz({ guestImageState: READY, runCommandInProgress: 2 });
      const rerun = await expectRerunConverges(fake, ['version', 'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm run-command invoke',
        'vm run-command invoke', 'vm update', 'vm deallocate', 'vm generalize', 'vm get-instance-view']);
      expect(rerun.stdout).toMatch(/sysprep: another Run Command is still running in the guest \(an interrupted earlier run\?\): waiting for it to end, 15s of 2400s/);
      expect(fake.state().sysprepStarts).toBeUndefined();
    });

    test('a Run Command that never ends in the guest: exit 4 after the Run Command limit (40 simulated minutes)', async () => {
      const fake = fakeAz({ runCommandInProgress: 100000 });
      const result = await run(fake);
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('sysprep: another Run Command kept running in the guest for 2400s, so Sysprep could not start.');
      expect(result.seconds).toBeGreaterThanOrEqual(2400);
      expect(fake.commands()).not.toContain('vm deallocate');
    });

    test('a deallocation that never returns: exit 4 at its limit (20 simulated minutes), az stopped; the rerun waits for Azure and converges', async () => {
      const fake = fakeAz({ hang: ['vm deallocate'] });
      const result = await run(fake);
      expect(result.code).toBe(4);
      expect(result.seconds).toBe(1200);
      expect(result.stdout).toContain('deallocate: waiting for az vm deallocate, 15s of 1200s');
      expect(result.stderr).toContain('deallocate: the VM was not deallocated within 20 minutes (GeneralizedImage timeouts.deallocateMinutes).');
      fake.update({ hang: [], settlesAfter: 1 });
      const rerun = await expectRerunConverges(fake, ['version', 'account show', 'vm get-instance-view', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']);
      expect(rerun.stdout).toContain('state: VM is deallocating, waiting for it to settle');
      expect(fake.state().sysprepStarts).toBe(1);
    });

    test('SIGTERM during the deallocation: exit 143, az stopped, the phase named; the rerun converges without a second Sysprep', async () => {
      const fake = fakeAz({ hang: ['vm deallocate'] });
      const result = await run(fake, {}, { interruptAt: 'vm deallocate' });
      expect(result.code).toBe(143);
      expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during deallocate. The resources are left as they are: run the deployment again to resume');
      fake.update({ hang: [], settlesAfter: 1 });
      await expectRerunConverges(fake, ['version', 'account show', 'vm get-instance-view', 'vm get-instance-view', 'vm generalize', 'vm get-instance-view']);
      expect(fake.state().sysprepStarts).toBe(1);
    });

    test('already generalized and deallocated: a look, nothing else', async () => {
      const fake = fakeAz({ power: 'deallocated', osState: 'generalized', guestImageState: READY });
      const result = await run(fake);
      expect(result.code).toBe(0);
      expect(fake.commands()).toEqual(['version', 'account show', 'vm get-instance-view']);
    });

    test('stopped but not deallocated: exit 7 with what to do', async () => {
      const fake = fakeAz({ power: 'stopped' });
      const result = await run(fake);
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/stopped but not deallocated.*az vm deallocate.*az vm start/);
    });
  });

  describe('inputs and the CLI', () => {
    test.each([
      ['a VM name with ; and a command', { GOLDEN_VM_NAME: 'x;touch /tmp/pwned' }, /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a VM name loading a file', { GOLDEN_VM_NAME: '@/etc/passwd' }, /GOLDEN_VM_NAME must be an Azure VM name/],
      ['a resource group with $( )', { GOLDEN_RESOURCE_GROUP: 'rg$(id)' }, /GOLDEN_RESOURCE_GROUP must be an Azure resource group name/],
      ['a timeout beyond Run Command\'s', { GOLDEN_SYSPREP_TIMEOUT_MINUTES: '90' },
        /GOLDEN_SYSPREP_TIMEOUT_MINUTES must be between 5 and 80 \(Run Command stops scripts after 90 minutes\); got 90\. It comes from the GeneralizedImage construct's props \(timeouts\.sysprepMinutes\)/],
      ['a timeout that is not a number', { GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: '1e3' }, /GOLDEN_DEALLOCATE_TIMEOUT_MINUTES must be a whole number; got "1e3"/],
    ])('%s: exit 2, no az call', async (_, extra, message) => {
      const fake = fakeAz();
      const result = await run(fake, extra);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(fake.calls()).toEqual([]);
    });

    test(`an Azure CLI older than ${MINIMUM_AZ_VERSION}: exit 3 before any other call`, async () => {
      const fake = fakeAz({ cliVersion: '2.43.0' });
      const result = await run(fake);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`the Azure CLI is 2.43.0; the operator steps need ${MINIMUM_AZ_VERSION} or later`);
      expect(fake.commands()).toEqual(['version']);
    });

    test('no session: logs in as the ARM_* service principal, the secret on stdin only', async () => {
      const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } });
      const result = await run(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(0);
      expect(fake.state().passwordSources).toEqual(['stdin']);
      expect(fake.calls().flat().some((arg) => arg.includes(SECRET))).toBe(false);
      expect(result.stdout + result.stderr).not.toContain(SECRET);
    });
  });
});

describe('the guest script and the step agree', () => {
  const guest = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'generalize.ps1'), 'utf8');
  const simulator = fs.readFileSync(path.join(__dirname, '..', 'fake-az', 'simulator.js'), 'utf8');

  test('the result marker is the same in the guest script, the step and the simulated az; the guest follows the recipe', () => {
    expect(SYSPREP_RESULT_MARKER).toBe('GOLDEN-IMAGE-SYSPREP-RESULT:');
    expect(guest).toContain(`$ResultMarker = '${SYSPREP_RESULT_MARKER}'`);
    expect(simulator).toContain(`const RESULT_MARKER = '${SYSPREP_RESULT_MARKER}'`);
    expect(guest).toContain('Write-Output "$ResultMarker SUCCESS"');
    expect(guest).toContain('Write-Output "$ResultMarker FAILURE $Reason"');
    expect(guest).toContain("-ArgumentList '/oobe', '/generalize', '/quiet', '/quit', '/mode:vm'");
    expect(guest).toContain("$ReadyState = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE'");
    expect(guest).toMatch(/Write-LogTail 'setupact\.log' \d+\n\s+Write-LogTail 'setuperr\.log' \d+/);
  });
});
