/**
 * Runs the generalize step exactly as synthesized (the provisioner's command under /bin/sh, its environment with the
 * Terraform expressions resolved, from the stack directory) against the simulated az of test/fake-az.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TerraformVariable } from 'cdktf';
import { GeneralizedImage, GoldenVm, MarketplaceImage, WindowsSetup } from '../lib';
import { childPids, FakeAz, FakeAzState, FAKE_AZ_DIRECTORY, isRunning, RunResult, runShellCommand, SUBSCRIPTION_ID } from './util/fake-az';
import {
  happyPathCalls, resolveEnvironment, subscriptionExpression, SynthesizedStack, synthSeedStack, synthToDirectory,
} from './util/generalize-stack';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

/** Short waits: progress every second, no backoff unless a test asks for it. */
const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const SECRET = 'Sp-s3cret value with $pace and \'quotes\'';
const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TENANT_ID = '11111111-2222-4333-8444-555555555555';

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

describe('generalize-vm.sh as synthesized, against a simulated az', () => {
  test.concurrent('happy path: Sysprep, deallocate, generalize, verify, in that order', async () => {
    // GIVEN a running build VM and an az session
    const fake = fakeAz();
    // WHEN
    const result = await runSeed(fake);
    // THEN
    expect(result.code).toBe(0);
    const guestScript = seedEnvironment().GOLDEN_GUEST_SCRIPT;
    expect(fake.calls()).toEqual(happyPathCalls({ subscriptionId: SUBSCRIPTION_ID, guestScript, pollSeconds: 1 }));
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
    const fake = fakeAz({ slow: { 'vm deallocate': 2200 } });
    const result = await runSeed(fake);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\[generalize-vm \+\d+s\] deallocate: waiting for az vm deallocate, 1s of 1200s/);
    expect(result.stdout).toMatch(/\[generalize-vm \+\d+s\] deallocate: waiting for az vm deallocate, 2s of 1200s/);
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

    test.concurrent('other failures are not retried', async () => {
      const fake = fakeAz({ failGeneralize: 1 });
      const result = await runSeed(fake);
      expect(result.code).toBe(6);
      expect(fake.commands().filter((c) => c === 'vm generalize')).toHaveLength(1);
      expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
      expect(result.stderr).toMatch(/generalize: az vm generalize failed\. The VM is deallocated: run the deployment again to resume/);
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
  });

  describe('reruns converge', () => {
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
      expect(fake.calls()[1]).toEqual(['login', '--service-principal', '--username', CLIENT_ID, '--password', '@-', '--tenant', TENANT_ID, '-o', 'none']);
      expect(fake.state().passwordSources).toEqual(['stdin']);
      expect(fake.calls().flat().some((arg) => arg.includes('s3cret'))).toBe(false);
      expect(result.output).not.toContain('s3cret');
      // The session was made in a temporary AZURE_CONFIG_DIR that is gone now.
      const [login] = fake.state().logins!;
      expect(login.configDir.startsWith(fake.tmpDirectory)).toBe(true);
      expect(fs.existsSync(login.configDir)).toBe(false);
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
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
    test.concurrent('a deallocation that never finishes times out with a clear message, and az is stopped', async () => {
      const fake = fakeAz({ hang: ['vm deallocate'] });
      const result = await runVariables(fake, { deallocateMinutes: '2' }, { GOLDEN_SECONDS_PER_MINUTE: '1' });
      expect(result.code).toBe(4);
      expect(result.stdout).toMatch(/deallocate: waiting for az vm deallocate, 1s of 2s/);
      expect(result.stderr).toContain('deallocate: the VM was not deallocated within 2 minutes (GeneralizedImage timeouts.deallocateMinutes). It may still be deallocating: run the deployment again to resume.');
      await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
    });

    test.concurrent('SIGTERM stops the script and its az with a message and a non-zero exit', async () => {
      const fake = fakeAz({ hang: ['vm deallocate'] });
      let signalled = false;
      const result = await runSeed(fake, {}, (output, shellPid) => {
        // The first progress line of the wait: az deallocate is running by then.
        if (!signalled && /deallocate: waiting for az vm deallocate, 1s/.test(output)) {
          signalled = true;
          // /bin/sh runs bash as its child: signal the script itself, as a supervisor would.
          const [bashPid] = childPids(shellPid);
          process.kill(bashPid, 'SIGTERM');
        }
      });
      expect(signalled).toBe(true);
      expect(result.code).toBe(143);
      expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during step deallocate. The VM is left as it is: run the deployment again to resume');
      await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    });
  });
});

describe('the scripts themselves', () => {
  const operator = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', 'generalize-vm.sh'), 'utf8');
  const guest = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'generalize.ps1'), 'utf8');
  const fake = fs.readFileSync(path.join(FAKE_AZ_DIRECTORY, 'az'), 'utf8');

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
    expect(() => execFileSync('shellcheck', ['-s', 'bash', path.join(SCRIPTS_DIRECTORY, 'operator', 'generalize-vm.sh')], { encoding: 'utf8' })).not.toThrow();
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
