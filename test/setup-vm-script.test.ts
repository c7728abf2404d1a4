/**
 * Runs lib/scripts/operator/setup-vm.sh as Terraform's local-exec does (`bash "./assets/.../operator/setup-vm.sh"`
 * from the stack directory, every value in the environment) against the simulated az of test/fake-az, whose guest
 * runs a detached setup over several status polls.
 *
 * No assertion depends on how long anything takes: the fake's setup advances one step per status poll, not per
 * second, so a loaded machine changes only the duration of a run.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  expectServicePrincipalLogin, FakeAz, fakeAzFixture, RunResult, runShellCommand, SERVICE_PRINCIPAL, SUBSCRIPTION_ID,
} from './util/fake-az';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

/** Short waits: a status poll every second, no backoff unless a test asks for it. */
const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } = SERVICE_PRINCIPAL;
const RESULT_SUCCESS = 'GOLDEN-IMAGE-SETUP-RESULT: SUCCESS';

// The tests run concurrently (each has its own fake az): the file takes about the time of its slowest test.
jest.setTimeout(90_000);

const { fakeAz, layout: stack } = fakeAzFixture(SCRIPTS_DIRECTORY);

/** The provisioner's environment, as GoldenVm writes it for the seed's Gen2 Standard VM. */
function setupEnvironment(): Record<string, string> {
  return {
    GOLDEN_RESOURCE_GROUP: 'rg-golden',
    GOLDEN_VM_NAME: 'vm-golden',
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_GUEST_DIRECTORY: `${stack().assets}/guest`,
    GOLDEN_EXPECTED_HYPERV_GENERATION: 'V2',
  };
}

function runSetup(fake: FakeAz, extra: Record<string, string> = {}): Promise<RunResult> {
  return runShellCommand(stack().command('setup-vm.sh'), {
    cwd: stack().directory,
    env: { ...fake.environment(), ...setupEnvironment(), ...FAST, ...extra },
    timeoutMs: 80_000,
  });
}

// --- the expected az lines ---------------------------------------------------------------------------------------
const VM = [`--subscription=${SUBSCRIPTION_ID}`, '--resource-group=rg-golden', '--name=vm-golden'];
const ACCOUNT = ['account', 'show', '-o', 'none'];
const STATE = ['vm', 'get-instance-view', ...VM, '--query', 'instanceView.statuses[].code', '-o', 'tsv'];
const CHECK = ['vm', 'get-instance-view', ...VM, '--query', '[[securityProfile.securityType, instanceView.hyperVGeneration]]', '-o', 'tsv'];
const RESTART = ['vm', 'restart', ...VM, '-o', 'none'];

function guestCall(script: string, ...parameters: string[]): string[] {
  return ['vm', 'run-command', 'invoke', ...VM, '--command-id', 'RunPowerShellScript', '--scripts', `@${stack().assets}/guest/${script}`,
    ...(parameters.length > 0 ? ['--parameters', ...parameters] : []), '--query', 'value[].[code, message]', '-o', 'tsv'];
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

/** The setup log's lines as printed by the script (`  guest| `), in order, up to the end of the setup wait. */
function printedLogLines(stdout: string): string[] {
  const end = stdout.search(/\] (setup: every step|cleanup: )/);
  const lines = (end < 0 ? stdout : stdout.slice(0, end)).split('\n');
  return lines.filter((line) => line.startsWith('  guest| ')).map((line) => line.slice('  guest| '.length));
}

function runCommands(fake: FakeAz): string[] {
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

describe('setup-vm.sh against a simulated az and guest', () => {
  test.concurrent('happy path: checks the VM, starts the setup, streams its log across polls, cleans the guest, in that order', async () => {
    // GIVEN a running Gen2 Standard VM whose setup logs six lines over three polls
    const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 3, lines: SIX_LINES } });
    // WHEN
    const result = await runSetup(fake);
    // THEN exactly these az calls, the offsets following the log's bytes
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const [o0, o1, o2] = offsetsAfter(SIX_LINES.slice(0, 2), SIX_LINES.slice(2, 4));
    expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK, START(), STATUS(o0), STATUS(o1), STATUS(o2), FINISH()]);
    expect(fake.state().setup).toMatchObject({ phase: 'removed', starts: 1, keptFiles: false, offsets: [o0, o1, o2] });
    expect(fake.state().setup?.badOffsets).toBeUndefined();
    expect(fake.state().restarts).toBeUndefined();
    // Every log line once, in order, then the result line; progress between the polls.
    expect(printedLogLines(result.stdout)).toEqual([...SIX_LINES, RESULT_SUCCESS]);
    expect(result.stdout.match(/\[setup-vm \+\d+s\] setup: running in the guest, \d+s of 3600s/g)).toHaveLength(2);
    expect(result.stdout).toMatch(/\[setup-vm \+\d+s\] check: security type Standard, Hyper-V generation V2 \(expected Standard, V2\)/);
    expect(result.stdout).toMatch(/\[setup-vm \+\d+s\] setup: started as a scheduled task in the guest/);
    expect(result.stdout).toMatch(/\[setup-vm \+\d+s\] setup: every step and the smoke test passed in the guest/);
    expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(result.stdout).toMatch(/\[setup-vm \+\d+s\] done: the VM is set up and clean, ready for Sysprep\n$/);
    // Nothing left behind in TMPDIR.
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });

  test.concurrent('a log longer than one status answer (3000 bytes): read in chunks at byte offsets, every line once', async () => {
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

  test.concurrent('polls that bring no new line (a long step) go on waiting', async () => {
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

  test.concurrent('GOLDEN_KEEP_SETUP_FILES=true reaches the cleanup', async () => {
    const fake = fakeAz({ setup: { polls: 1, lines: ['one'] } });
    const result = await runSetup(fake, { GOLDEN_KEEP_SETUP_FILES: 'true' });
    expect(result.code).toBe(0);
    expect(fake.calls()[fake.calls().length - 1]).toEqual(FINISH('true'));
    expect(fake.state().setup!.keptFiles).toBe(true);
    expect(result.stdout).toContain('cleanup: removing the setup\'s task, files and custom data from the guest (keep files: true)');
  });

  describe('the kind of VM', () => {
    test.concurrent.each<[string, 'TrustedLaunch' | 'ConfidentialVM']>([
      ['Trusted Launch', 'TrustedLaunch'],
      ['a Confidential VM', 'ConfidentialVM'],
    ])('%s where Standard is expected: exit 7 before any Run Command, naming the fix', async (_, securityType) => {
      const fake = fakeAz({ securityType });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK]);
      expect(result.stderr).toContain(`ERROR: check: Azure created the build VM as ${securityType} although the configuration asks for Standard`);
      expect(result.stderr).toContain(`A managed image cannot be captured from a ${securityType} VM`);
      expect(result.stderr).toMatch(/Fix: let this subscription create Standard VMs \(unregister the Trusted-Launch-by-default preview feature, or exempt the build's resource group from the policy\)/);
      expect(fake.state().setup).toBeUndefined();
    });

    test.concurrent('an explicit Standard security type is Standard', async () => {
      const fake = fakeAz({ securityType: 'Standard', setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type Standard, Hyper-V generation V2');
    });

    test.concurrent('Trusted Launch expected (a gallery target) and found: the setup runs', async () => {
      const fake = fakeAz({ securityType: 'TrustedLaunch', setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake, { GOLDEN_EXPECTED_SECURITY_TYPE: 'TrustedLaunch' });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type TrustedLaunch, Hyper-V generation V2 (expected TrustedLaunch, V2)');
    });

    test.concurrent('Trusted Launch expected but a Standard VM: exit 7', async () => {
      const fake = fakeAz();
      const result = await runSetup(fake, { GOLDEN_EXPECTED_SECURITY_TYPE: 'TrustedLaunch' });
      expect(result.code).toBe(7);
      expect(result.stderr).toContain("check: the VM's security type is Standard, but the image needs TrustedLaunch.");
      expect(fake.commands()).not.toContain('vm run-command invoke');
    });

    test.concurrent('a V1 VM when the image was declared V2: exit 7 before any Run Command, naming the fix', async () => {
      const fake = fakeAz({ hyperVGeneration: 'V1' });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK]);
      expect(result.stderr).toContain('check: the VM runs as Hyper-V generation V1, but its marketplace image was declared V2');
      expect(result.stderr).toContain('hyperVGeneration: HyperVGeneration.V1');
    });

    test.concurrent('a generation the instance view does not report (None) is not held against the VM', async () => {
      const fake = fakeAz({ hyperVGeneration: undefined, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('check: security type Standard, Hyper-V generation None (expected Standard, V2)');
    });
  });

  describe('the setup failing in the guest', () => {
    test.concurrent('a failed step: exit 5 naming the step and its message, after the whole log; the guest is not cleaned', async () => {
      // GIVEN a setup that fails at its second step, on the second poll
      const lines = ['==> [0s] install IIS and ASP.NET', 'ok', '==> [30s] install the app', 'ERROR: Access to the path C:\\inetpub\\wwwroot is denied.'];
      const fake = fakeAz({ setup: { outcome: 'fails', polls: 2, lines, failingStep: 'install the app', failureMessage: 'Access to the path C:\\inetpub\\wwwroot is denied.' } });
      // WHEN
      const result = await runSetup(fake);
      // THEN
      expect(result.code).toBe(5);
      expect(printedLogLines(result.stdout)).toEqual([...lines, "GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'install the app': Access to the path C:\\inetpub\\wwwroot is denied."]);
      expect(result.stderr).toMatch(/ERROR: setup: step 'install the app': Access to the path C:\\inetpub\\wwwroot is denied\.\. The guest's log is printed above \(guest\|\)\. Nothing was imaged; the VM is left running\./);
      expect(runCommands(fake)).toEqual(['setup-start.ps1', 'setup-status.ps1', 'setup-status.ps1']);
      expect(fake.state().finishRuns).toBeUndefined();
      expect(fake.state().power).toBe('running');
    });

    test.concurrent('the setup process dying (no result line): exit 5; a rerun starts it anew', async () => {
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
  });

  describe('reruns (idempotency)', () => {
    test.concurrent('timeout: exit 4, the setup goes on in the guest; the rerun waits for it without starting it again', async () => {
      // GIVEN a setup far longer than the limit (1 minute of 2 s)
      const lines = Array.from({ length: 10 }, (_, i) => `step line ${i}`);
      const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 1000, lines } });
      // WHEN
      const first = await runSetup(fake, { GOLDEN_SETUP_TIMEOUT_MINUTES: '1', GOLDEN_SECONDS_PER_MINUTE: '2' });
      // THEN
      expect(first.code).toBe(4);
      expect(first.stderr).toContain('ERROR: setup: the setup did not finish within 1 minutes (GoldenVm setupTimeoutMinutes). It goes on in the guest: run the deployment again to keep waiting for it (it is not started twice), or raise setupTimeoutMinutes.');
      expect(fake.state().setup).toMatchObject({ phase: 'running', starts: 1 });
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
      expect(fake.commands().slice(0, 3)).toEqual(['account show', 'vm get-instance-view', 'vm get-instance-view']);
      expect(runCommands(fake).slice(-3)).toEqual(['setup-status.ps1', 'setup-status.ps1', 'setup-finish.ps1']);
    });

    test.concurrent('after a setup that succeeded but was not cleaned (interrupted run): SUCCEEDED, not run again, then cleaned', async () => {
      const lines = ['==> [0s] only step', 'done'];
      const fake = fakeAz({ setup: { outcome: 'succeeds', polls: 1, lines, phase: 'ended', result: 'succeeded', statusPolls: 1, starts: 1 } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK, START(), STATUS(0), FINISH()]);
      expect(result.stdout).toContain('setup: already succeeded in an earlier run: not running it again');
      expect(printedLogLines(result.stdout)).toEqual([...lines, RESULT_SUCCESS]);
      expect(fake.state().setup).toMatchObject({ starts: 1, phase: 'removed' });
    });

    test.concurrent('after a finished run (setup removed): NO-SETUP, only the cleanup runs again', async () => {
      const fake = fakeAz({ setup: { phase: 'removed', starts: 1 } });
      const result = await runSetup(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK, START(), FINISH()]);
      expect(result.stdout).toContain('setup: no setup left in the guest: an earlier run finished it and removed its files');
      expect(result.stdout).toContain('  guest| GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    });

    test.concurrent('a whole second run after success converges with nothing started again', async () => {
      const fake = fakeAz({ setup: { polls: 2, lines: ['a', 'b'] } });
      expect((await runSetup(fake)).code).toBe(0);
      fake.clearLog();
      const rerun = await runSetup(fake);
      expect(rerun.code).toBe(0);
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK, START(), FINISH()]);
      expect(fake.state().setup!.starts).toBe(1);
    });

    test.concurrent('an already generalized VM: exit 0 with no Run Command', async () => {
      const fake = fakeAz({ power: 'deallocated', osState: 'generalized' });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(fake.calls()).toEqual([ACCOUNT, STATE]);
      expect(result.stdout).toContain('state: the VM is already generalized: its setup finished in an earlier run');
    });

    test.concurrent.each(['deallocated', 'stopped'])('a %s VM: exit 7 with what to do, no Run Command', async (power) => {
      const fake = fakeAz({ power });
      const result = await runSetup(fake);
      expect(result.code).toBe(7);
      expect(fake.calls()).toEqual([ACCOUNT, STATE]);
      expect(result.stderr).toContain(`ERROR: state: the VM is ${power} (status codes: ProvisioningState/succeeded PowerState/${power}), but the setup needs it running. Start it (\`az vm start\`), then run the deployment again.`);
    });

    test.concurrent('a VM still starting is waited for', async () => {
      const fake = fakeAz({ power: 'starting', settlesAfter: 1, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/state: VM is starting, waiting for it to settle/);
    });
  });

  describe('a pending reboot', () => {
    test.concurrent('two restarts needed: restart, clean again, restart, clean again, CLEAN', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, rebootPending: 2 });
      const result = await runSetup(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(fake.calls()).toEqual([ACCOUNT, STATE, CHECK, START(), STATUS(0), FINISH(), RESTART, FINISH(), RESTART, FINISH()]);
      expect(fake.state()).toMatchObject({ restarts: 2, rebootPending: 0, power: 'running', finishRuns: 3 });
      expect(result.stdout).toContain('restart: a reboot is pending in the guest (ComponentBasedServicing,PendingFileRenameOperations): restarting the VM (1 of 3, limit 1200s)');
      expect(result.stdout).toContain('restarting the VM (2 of 3, limit 1200s)');
      expect(result.stdout).toContain('cleanup: the guest is clean and needs no restart');
    });

    test.concurrent('a reboot pending after every restart: exit 5 after 3 restarts', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, rebootPending: 'always' });
      const result = await runSetup(fake);
      expect(result.code).toBe(5);
      expect(fake.state()).toMatchObject({ restarts: 3, finishRuns: 4 });
      expect(fake.commands().filter((c) => c === 'vm restart')).toHaveLength(3);
      expect(result.stderr).toContain('ERROR: cleanup: a reboot is still pending after 3 restarts (ComponentBasedServicing,PendingFileRenameOperations): something in the setup re-arms it at every boot.');
    });
  });

  describe('az failures', () => {
    test.concurrent('transient errors of the check, a status poll and the restart are retried; the log is still shown once', async () => {
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

    test.concurrent('an earlier Run Command still running in the guest (409 Conflict) is waited for, not counted as a failure', async () => {
      const fake = fakeAz({ setup: { polls: 1, lines: ['one'] }, runCommandInProgress: 2 });
      const result = await runSetup(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/setup: another Run Command is still running in the guest \(an interrupted earlier run\?\): waiting for it to end, \d+s of 1200s/);
      expect(result.stdout).not.toMatch(/transient az failure/);
      expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(5);
      expect(fake.state().setup!.starts).toBe(1);
    });

    test.concurrent('the VM deleted during the setup: exit 8, nothing retried', async () => {
      const fake = fakeAz({ setup: { polls: 3, lines: ['a', 'b', 'c'] }, deleteAfter: { command: 'vm run-command invoke', calls: 2 } });
      const result = await runSetup(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceNotFound)');
      expect(result.stderr).toContain('ERROR: setup: az vm run-command invoke failed: VM vm-golden in resource group rg-golden');
      expect(result.stdout).not.toMatch(/retrying in/);
    });
  });

  describe('input validation: exit 2 and no az call', () => {
    test.concurrent.each<[string, Record<string, string>, string]>([
      ['GOLDEN_RESOURCE_GROUP missing', { GOLDEN_RESOURCE_GROUP: '' }, 'GOLDEN_RESOURCE_GROUP must be an Azure resource group name'],
      ['GOLDEN_RESOURCE_GROUP with a command', { GOLDEN_RESOURCE_GROUP: 'rg;touch pwned' }, 'GOLDEN_RESOURCE_GROUP must be an Azure resource group name'],
      ['GOLDEN_VM_NAME missing', { GOLDEN_VM_NAME: '' }, 'GOLDEN_VM_NAME must be an Azure VM name'],
      ['GOLDEN_VM_NAME with $( )', { GOLDEN_VM_NAME: '$(touch pwned)' }, 'GOLDEN_VM_NAME must be an Azure VM name'],
      ['GOLDEN_SUBSCRIPTION_ID not a GUID', { GOLDEN_SUBSCRIPTION_ID: 'my-subscription' }, 'GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID) must be a subscription id'],
      ['GOLDEN_GUEST_DIRECTORY missing', { GOLDEN_GUEST_DIRECTORY: '' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
      ['GOLDEN_GUEST_DIRECTORY absolute', { GOLDEN_GUEST_DIRECTORY: '/etc' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
      ['GOLDEN_GUEST_DIRECTORY not there', { GOLDEN_GUEST_DIRECTORY: 'assets/nowhere' }, 'GOLDEN_GUEST_DIRECTORY: no directory at assets/nowhere'],
      ['GOLDEN_GUEST_DIRECTORY without setup-status.ps1', { GOLDEN_GUEST_DIRECTORY: 'partial-guest' }, 'GOLDEN_GUEST_DIRECTORY: no readable setup-status.ps1 in partial-guest'],
      ['GOLDEN_SETUP_TIMEOUT_MINUTES 0', { GOLDEN_SETUP_TIMEOUT_MINUTES: '0' }, 'GOLDEN_SETUP_TIMEOUT_MINUTES must be between 1 and 1440; got 0'],
      ['GOLDEN_SETUP_TIMEOUT_MINUTES 1e3', { GOLDEN_SETUP_TIMEOUT_MINUTES: '1e3' }, 'GOLDEN_SETUP_TIMEOUT_MINUTES must be a whole number; got 1e3'],
      ['GOLDEN_RESTART_TIMEOUT_MINUTES 121', { GOLDEN_RESTART_TIMEOUT_MINUTES: '121' }, 'GOLDEN_RESTART_TIMEOUT_MINUTES must be between 1 and 120; got 121'],
      ['GOLDEN_EXPECTED_SECURITY_TYPE lowercase', { GOLDEN_EXPECTED_SECURITY_TYPE: 'trustedlaunch' }, 'GOLDEN_EXPECTED_SECURITY_TYPE must be Standard or TrustedLaunch; got trustedlaunch'],
      ['GOLDEN_EXPECTED_HYPERV_GENERATION missing', { GOLDEN_EXPECTED_HYPERV_GENERATION: '' }, "GOLDEN_EXPECTED_HYPERV_GENERATION must be V1 or V2; got ''"],
      ['GOLDEN_EXPECTED_HYPERV_GENERATION V3', { GOLDEN_EXPECTED_HYPERV_GENERATION: 'V3' }, 'GOLDEN_EXPECTED_HYPERV_GENERATION must be V1 or V2; got V3'],
      ['GOLDEN_KEEP_SETUP_FILES yes', { GOLDEN_KEEP_SETUP_FILES: 'yes' }, 'GOLDEN_KEEP_SETUP_FILES must be true or false; got yes'],
      ['GOLDEN_POLL_SECONDS 0', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
      ['GOLDEN_RETRY_BASE_SECONDS negative', { GOLDEN_RETRY_BASE_SECONDS: '-1' }, 'GOLDEN_RETRY_BASE_SECONDS must be a whole number; got -1'],
      ['GOLDEN_RETRY_MAX_ATTEMPTS 21', { GOLDEN_RETRY_MAX_ATTEMPTS: '21' }, 'GOLDEN_RETRY_MAX_ATTEMPTS must be between 1 and 20; got 21'],
      ['GOLDEN_SECONDS_PER_MINUTE 61', { GOLDEN_SECONDS_PER_MINUTE: '61' }, 'GOLDEN_SECONDS_PER_MINUTE must be between 1 and 60; got 61'],
    ])('%s', async (_, values, message) => {
      const fake = fakeAz();
      const partial = path.join(stack().directory, 'partial-guest');
      fs.mkdirSync(partial, { recursive: true });
      fs.copyFileSync(path.join(stack().directory, stack().assets, 'guest', 'setup-start.ps1'), path.join(partial, 'setup-start.ps1'));
      const result = await runSetup(fake, values);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(fake.calls()).toEqual([]);
      expect(fs.existsSync(path.join(stack().directory, 'pwned'))).toBe(false);
    });
  });

  describe('authentication', () => {
    test.concurrent('as the service principal of the ARM_* variables: the secret on stdin only, never on a command line or in the output', async () => {
      const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET }, setup: { polls: 1, lines: ['one'] } });
      const result = await runSetup(fake, { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID });
      expect(result.code).toBe(0);
      expectServicePrincipalLogin(fake, result);
    });

    test.concurrent('no session and no credentials: exit 3, nothing else tried', async () => {
      const fake = fakeAz({ loggedIn: false });
      const result = await runSetup(fake);
      expect(result.code).toBe(3);
      expect(fake.commands()).toEqual(['account show']);
    });
  });
});

describe('the operator scripts pass shellcheck (following `source common.sh`)', () => {
  const haveShellcheck = !spawnSync('shellcheck', ['--version']).error;
  if (!haveShellcheck) {
    console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
  }
  const operator = path.join(SCRIPTS_DIRECTORY, 'operator');
  test.each(['setup-vm.sh', 'common.sh', 'verify-fleet.sh'])('%s', (script) => {
    if (!haveShellcheck) {
      return;
    }
    // -P SCRIPTDIR: `source common.sh` is found beside the script, whatever the working directory.
    expect(() => execFileSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', '-s', 'bash', path.join(operator, script)], { encoding: 'utf8' })).not.toThrow();
  });
});
