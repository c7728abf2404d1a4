/**
 * Faults of the Node.js operator's steps, in-process against the simulated az (test/fake-az) on a simulated clock: an
 * Azure CLI that crashes, a session that expires mid-run, a VM agent that is not ready, a TMPDIR that cannot hold the
 * private az profile, an interruption. The generalize step's rows, the images steps' (capture), then the setup step's
 * where its own calls meet them (a status poll, the restart, the cleanup after a restart), then the gallery version
 * steps' (promote). The bash scripts' rows are in test/operator-faults.test.ts until they are ported.
 */
import * as fs from 'fs';
import * as path from 'path';
import { STEPS } from '../../lib/operator/main';
import { AzFault, FakeAzState, SERVICE_PRINCIPAL, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { resolveEnvironment, stepProvisioner, subscriptionExpression, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';
import { runInProcess, StepRun } from '../util/operator';

let seed: SynthesizedStack;
const fakes: InProcessAz[] = [];
beforeAll(() => {
  seed = synthSeedStack();
});
afterAll(() => {
  fakes.forEach((fake) => fake.dispose());
  fs.rmSync(seed.outdir, { recursive: true, force: true });
});

function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz(state);
  fakes.push(fake);
  return fake;
}

function generalize(fake: InProcessAz, extra: Record<string, string> = {}): Promise<StepRun> {
  const environment = resolveEnvironment(seed.provisioner.environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID });
  return runInProcess(STEPS.generalize, { env: { ...fake.environment(), ...environment, ...extra }, az: fake.run, cwd: seed.stackDirectory });
}

const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
/** The capture step's inputs, and a world it succeeds in: the generalized build VM and an empty image resource group. */
const CAPTURE_ENVIRONMENT = {
  GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
  GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-images',
  GOLDEN_IMAGE_NAME: 'golden-web',
  GOLDEN_BUILD_REVISION: '20261201120000',
  GOLDEN_SOURCE_ID: VM_ID,
  GOLDEN_IMAGE_LOCATION: 'westeurope',
  GOLDEN_HYPERV_GENERATION: 'V2',
};
const CAPTURE_STATE: Partial<FakeAzState> = {
  power: 'deallocated', osState: 'generalized', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', images: { 'rg-images': [] },
};

function capture(fake: InProcessAz, extra: Record<string, string> = {}, interruptAt?: string): Promise<StepRun> {
  return runInProcess(STEPS.capture, {
    env: { ...fake.environment(), ...CAPTURE_ENVIRONMENT, ...extra },
    az: fake.run,
    interrupt: interruptAt === undefined ? undefined : { signal: 'SIGHUP', when: (call) => call.args.join(' ').startsWith(interruptAt) },
  });
}

/** Nothing left in TMPDIR: any private az config directory is gone. */
function expectNothingLeft(fake: InProcessAz): void {
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  for (const login of fake.state().logins ?? []) {
    expect(fs.existsSync(login.configDir)).toBe(false);
  }
}

/** GoldenVm's setup step with the environment the seed stack synthesizes. */
function setup(fake: InProcessAz, extra: Record<string, string> = {}): Promise<StepRun> {
  const environment = resolveEnvironment(stepProvisioner(seed, 'Setup').environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID });
  return runInProcess(STEPS.setup, { env: { ...fake.environment(), ...environment, ...extra }, az: fake.run, cwd: seed.stackDirectory });
}

/** A setup that ends at its first status poll. */
const ONE_POLL: Partial<FakeAzState> = { setup: { polls: 1, lines: ['==> [0s] only step'] } };

const SERVICE_PRINCIPAL_VARIABLES = {
  ARM_CLIENT_ID: SERVICE_PRINCIPAL.clientId, ARM_CLIENT_SECRET: SERVICE_PRINCIPAL.secret, ARM_TENANT_ID: SERVICE_PRINCIPAL.tenantId,
};

describe('an Azure CLI that is installed but crashes', () => {
  test.each<[AzFault, string, string]>([
    ['crash', 'account show', "AttributeError: 'NoneType' object has no attribute 'get'"],
    ['startup-crash', 'account show', "ModuleNotFoundError: No module named 'msal'"],
    ['no-interpreter', 'account show', '/usr/bin/az: line 3: /opt/az/bin/python3: No such file or directory'],
    ['not-executable', 'account show', '/usr/bin/az: line 3: /opt/az/bin/python3: Permission denied'],
    ['killed', 'account show', 'az was killed by SIGKILL (exit status 137)'],
    ['crash', 'vm generalize', "AttributeError: 'NoneType' object has no attribute 'get'"],
  ])('%s on az %s: exit 3, reported as broken with its cause, no login tried, nothing retried', async (fault, command, line) => {
    const atLogin = command === 'account show';
    const fake = fakeAz({ loggedIn: !atLogin, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command, fault }] });
    const result = await generalize(fake, atLogin ? SERVICE_PRINCIPAL_VARIABLES : {});
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the Azure CLI is installed but crashes: ${line}`);
    expect(result.stderr).toContain('a retry or a rerun fails the same way until az is fixed');
    expect(fake.commands().filter((c) => c === command)).toHaveLength(1);
    expect(fake.commands()).not.toContain('login');
  });

  test.each<[string, AzFault, string]>([
    ['vm deallocate', 'missing-module', 'azure.mgmt.compute.v2022_11_01'],
    ['vm run-command invoke', 'import-error', 'azure.mgmt.compute.v2022_08_01.models'],
  ])('az %s lacking a Python module (%s): exit 3 naming the module and Microsoft\'s package', async (command, fault, module) => {
    const fake = fakeAz({ faults: [{ command, fault }] });
    const result = await generalize(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`This installation lacks the Python module ${module} that \`az ${command}\` needs`);
    expect(result.stderr).toContain("Microsoft's package from https://aka.ms/azure-cli");
    expect(fake.commands().filter((c) => c === command)).toHaveLength(1);
  });
});

describe('an az session that expires during the run', () => {
  test.each<[AzFault, string]>([
    ['refresh-token-expired', 'AADSTS700082: The refresh token has expired due to inactivity.'],
    ['token-revoked', 'AADSTS50173: The provided grant has expired due to it being revoked'],
    ['access-token-expired', '(InvalidAuthenticationTokenTokenExpired) The access token expiry UTC time'],
    ['expired-authentication-token', '(ExpiredAuthenticationToken) The access token has expired.'],
    ['session-lost', "Please run 'az login' to setup account."],
  ])('%s on az vm deallocate: exit 3 (log in again), not retried, not exit 6', async (fault, quote) => {
    const fake = fakeAz({ faults: [{ command: 'vm deallocate', fault }] });
    const result = await generalize(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('deallocate: az vm deallocate failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).toContain(quote);
    expect(fake.commands().filter((c) => c === 'vm deallocate')).toHaveLength(1);
  });

  test('logged in with the ARM_* service principal: the same message, and the private az profile is removed', async () => {
    const fake = fakeAz({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'vm generalize', fault: 'refresh-token-expired' }] });
    const result = await generalize(fake, SERVICE_PRINCIPAL_VARIABLES);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('generalize: az vm generalize failed: the az session expired during the run');
    const [login] = fake.state().logins!;
    expect(login.configDir.startsWith(fake.tmpDirectory)).toBe(true);
    expect(fs.existsSync(login.configDir)).toBe(false);
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });
});

describe('Run Command: the VM agent is not ready', () => {
  test.each<[AzFault]>([['agent-not-ready'], ['agent-extension-status']])('%s, then ready: waited for with progress lines, then Sysprep runs', async (fault) => {
    const fake = fakeAz({ faults: [{ command: 'vm run-command invoke', fault, times: 3 }] });
    const result = await generalize(fake);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/sysprep: the VM agent of VM vm-golden is not ready, so Run Command cannot reach the guest yet \(.+\): waiting for it, 30s of 600s/);
    expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(4);
    expect(fake.state().sysprepRuns).toBe(1);
  });

  test('never ready: exit 4 after GOLDEN_AGENT_WAIT_SECONDS, with where to look', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm run-command invoke', fault: 'agent-not-ready' }] });
    const result = await generalize(fake, { GOLDEN_AGENT_WAIT_SECONDS: '120' });
    expect(result.code).toBe(4);
    expect(result.seconds).toBe(120);
    expect(result.stderr).toContain('sysprep: the VM agent (Windows Azure Guest Agent) of VM vm-golden was still not ready after 120s (GOLDEN_AGENT_WAIT_SECONDS)');
    expect(result.stderr).toContain('az vm get-instance-view --resource-group rg-golden --name vm-golden --query instanceView.vmAgent');
    expect(fake.commands()).not.toContain('vm deallocate');
  });

  test('GOLDEN_AGENT_WAIT_SECONDS is checked with the other tuning variables: exit 2, no az call', async () => {
    const fake = fakeAz();
    const result = await generalize(fake, { GOLDEN_AGENT_WAIT_SECONDS: '10m' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GOLDEN_AGENT_WAIT_SECONDS must be a whole number; got "10m". It is one of the operator\'s tuning variables');
    expect(fake.calls()).toEqual([]);
  });
});

describe('a TMPDIR where the private az profile cannot be made (only a login with the ARM_* variables needs one)', () => {
  test.each([
    ['does not exist', (fake: InProcessAz) => path.join(fake.directory, 'missing')],
    ['is not a directory', (fake: InProcessAz) => {
      const file = path.join(fake.directory, 'a-file');
      fs.writeFileSync(file, '');
      return file;
    }],
  ])('TMPDIR %s: exit 12 naming TMPDIR, its value and the fix, before the login', async (problem, tmpdir) => {
    const fake = fakeAz({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL });
    const value = tmpdir(fake);
    const result = await generalize(fake, { ...SERVICE_PRINCIPAL_VARIABLES, TMPDIR: value });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`TMPDIR=${JSON.stringify(value)} ${problem}`);
    expect(result.stderr).toContain('Fix: set TMPDIR (TEMP on Windows) to an existing writable directory');
    expect(fake.commands()).not.toContain('login');
  });
});

describe('the capture step (images): the faults it shares with every step', () => {
  test('az account show crashes: exit 3, reported as broken, no login tried with the ARM_* credentials', async () => {
    const fake = fakeAz({ ...CAPTURE_STATE, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'account show', fault: 'crash' }] });
    const result = await capture(fake, SERVICE_PRINCIPAL_VARIABLES);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("ERROR: login: az account show: the Azure CLI is installed but crashes: AttributeError: 'NoneType' object has no attribute 'get'");
    expect(result.stderr).not.toMatch(/not logged in|az login --service-principal/);
    expect(fake.commands()).toEqual(['version', 'account show']);
    expect(fake.state().logins).toBeUndefined();
    expectNothingLeft(fake);
  });

  test('the session expires at az image list: exit 3 (log in again), not retried', async () => {
    const fake = fakeAz({ ...CAPTURE_STATE, faults: [{ command: 'image list', fault: 'access-token-expired' }] });
    const result = await capture(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: list: az image list failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).toContain('(InvalidAuthenticationTokenTokenExpired) The access token expiry UTC time');
    expect(fake.commands().filter((c) => c === 'image list')).toHaveLength(1);
    expect(result.stdout).not.toContain('transient az failure');
  });

  test('az image create lacks a Python module: exit 3 naming the module; never retried, nothing else said', async () => {
    const fake = fakeAz({ ...CAPTURE_STATE, faults: [{ command: 'image create', fault: 'missing-module' }] });
    const result = await capture(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("capture: az image create: the Azure CLI is installed but crashes: ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).toContain('This installation lacks the Python module azure.mgmt.compute.v2022_11_01 that `az image create` needs');
    expect(result.stderr).toContain("  az| ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).not.toMatch(/failed\. A managed image needs/);
    expect(fake.commands().filter((c) => c === 'image create')).toHaveLength(1);
  });

  test('SIGHUP while az image list runs (logged in with the ARM_* variables): exit 129, az stopped, the private az config removed', async () => {
    const fake = fakeAz({ ...CAPTURE_STATE, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, hang: ['image list'] });
    const result = await capture(fake, SERVICE_PRINCIPAL_VARIABLES, 'image list');
    expect(result.code).toBe(129);
    expect(result.stderr).toContain('ERROR: interrupted by SIGHUP during capture (the terminal or SSH session that ran the deployment was closed?). '
      + 'The resources are left as they are: run the deployment again to resume');
    expect(fake.hanging()).toEqual([]);
    expect(fake.state().logins).toHaveLength(1);
    expectNothingLeft(fake);
  });

  test.each(['does not exist', 'is not a directory'])('TMPDIR %s: exit 12 before the login with the ARM_* variables', async (problem) => {
    const fake = fakeAz({ ...CAPTURE_STATE, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL });
    const tmp = path.join(fake.directory, problem === 'does not exist' ? 'no-such-directory' : 'a-file');
    if (problem === 'is not a directory') {
      fs.writeFileSync(tmp, '');
    }
    const result = await capture(fake, { ...SERVICE_PRINCIPAL_VARIABLES, TMPDIR: tmp });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`TMPDIR=${JSON.stringify(tmp)} ${problem}`);
    expect(fake.commands()).not.toContain('login');
    expect(fake.commands()).not.toContain('image list');
  });
});

describe('the setup step', () => {
  test.each<[AzFault, string]>([
    ['crash', "AttributeError: 'NoneType' object has no attribute 'get'"],
    ['not-executable', '/usr/bin/az: line 3: /opt/az/bin/python3: Permission denied'],
  ])('%s at the login: exit 3, reported as broken, no login tried with the ARM_* credentials', async (fault, line) => {
    const fake = fakeAz({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'account show', fault }] });
    const result = await setup(fake, SERVICE_PRINCIPAL_VARIABLES);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the Azure CLI is installed but crashes: ${line}`);
    expect(fake.commands()).toEqual(['version', 'account show']);
    expect(fake.state().logins).toBeUndefined();
  });

  test.each<[AzFault, string]>([
    ['token-revoked', 'AADSTS50173: The provided grant has expired due to it being revoked'],
    ['session-lost', "Please run 'az login' to setup account."],
  ])('%s at a status poll: exit 3 (log in again), the poll not retried', async (fault, quote) => {
    const fake = fakeAz({ ...ONE_POLL, faults: [{ command: 'vm run-command invoke', fault, script: 'setup-status.ps1' }] });
    const result = await setup(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: setup: az vm run-command invoke failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).toContain(quote);
    expect(fake.calls().filter((argv) => argv.some((arg) => arg.endsWith('/setup-status.ps1')))).toHaveLength(1);
    expect(result.stdout).not.toContain('transient az failure');
  });

  test('az vm restart lacking a Python module: exit 3 naming the module; never retried', async () => {
    const fake = fakeAz({ ...ONE_POLL, rebootPending: 1, faults: [{ command: 'vm restart', fault: 'missing-module' }] });
    const result = await setup(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('This installation lacks the Python module azure.mgmt.compute.v2022_11_01 that `az vm restart` needs');
    expect(result.stderr).toContain("  az| ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).not.toContain('Run the deployment again: the setup is not repeated.');
    expect(fake.commands().filter((c) => c === 'vm restart')).toHaveLength(1);
  });

  test('az vm get-instance-view killed: exit 3, reported as broken; never retried', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm get-instance-view', fault: 'killed' }] });
    const result = await setup(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('az vm get-instance-view: the Azure CLI is installed but crashes: az was killed by SIGKILL (exit status 137)');
    expect(fake.commands().filter((c) => c === 'vm get-instance-view')).toHaveLength(1);
  });

  test('the agent not ready after the restart of a pending reboot: waited for with progress lines, then the cleanup runs', async () => {
    const fake = fakeAz({ ...ONE_POLL, rebootPending: 1, faults: [{ command: 'vm run-command invoke', fault: 'agent-extension-status', times: 2, script: 'setup-finish.ps1' }] });
    const result = await setup(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const waits = [...result.stdout.matchAll(/\] cleanup: the VM agent of VM vm-golden is not ready, so Run Command cannot reach the guest yet \((.*)\): waiting for it, (\d+)s of 600s/g)];
    expect(waits.map((wait) => wait[2])).toEqual(['0', '15']);
    expect(waits[0][1]).toMatch(/^ERROR: VM agent on VM 'vm-golden' has not reported latest status for extension 'RunCommandWindows'/);
    expect(result.stdout).not.toContain('transient az failure');
    expect(fake.state().faults![0].times).toBe(0);
    expect(fake.state()).toMatchObject({ restarts: 1, finishRuns: 2 });
  });

  test('an agent that stays not ready: exit 4 after GOLDEN_AGENT_WAIT_SECONDS, naming the agent and the fix', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm run-command invoke', fault: 'agent-not-ready' }] });
    const result = await setup(fake, { GOLDEN_AGENT_WAIT_SECONDS: '30' });
    expect(result.code).toBe(4);
    expect(result.seconds).toBe(30);
    expect(result.stderr).toContain('ERROR: setup: the VM agent (Windows Azure Guest Agent) of VM vm-golden was still not ready after 30s (GOLDEN_AGENT_WAIT_SECONDS), '
      + 'so Run Command could not run setup-start.ps1 in the guest. The VM is left as it is.');
    expect(result.stderr).toContain('  az| ERROR: (VMAgentStatusCommunicationError)');
    expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(3);
  });

  test('SIGHUP while Run Command runs: exit 129, az stopped, the phase named, the private az profile removed', async () => {
    const fake = fakeAz({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, ...ONE_POLL, hang: ['vm run-command invoke'] });
    const environment = resolveEnvironment(stepProvisioner(seed, 'Setup').environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID });
    const result = await runInProcess(STEPS.setup, {
      env: { ...fake.environment(), ...environment, ...SERVICE_PRINCIPAL_VARIABLES },
      az: fake.run,
      cwd: seed.stackDirectory,
      interrupt: { signal: 'SIGHUP', when: (call) => call.args.join(' ').startsWith('vm run-command invoke') },
    });
    expect(result.code).toBe(129);
    expect(result.stderr).toContain('ERROR: interrupted by SIGHUP during setup (the terminal or SSH session that ran the deployment was closed?).');
    expect(fake.hanging()).toEqual([]);
    expect(fake.state().logins).toHaveLength(1);
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });

  test('TMPDIR that does not exist, with a login by the ARM_* variables: exit 12 before the login', async () => {
    const fake = fakeAz({ loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL });
    const missing = path.join(fake.directory, 'missing');
    const result = await setup(fake, { ...SERVICE_PRINCIPAL_VARIABLES, TMPDIR: missing });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`TMPDIR=${JSON.stringify(missing)} does not exist`);
    expect(fake.commands()).not.toContain('login');
  });
});

const GALLERY_LINE = 'rg-gallery/gallery_golden/golden-web';
/** The promote step's inputs, and a world it succeeds in: the build's version, published and not yet promoted. */
const PROMOTE_ENVIRONMENT = {
  GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
  GOLDEN_GALLERY_RESOURCE_GROUP: 'rg-gallery',
  GOLDEN_GALLERY_NAME: 'gallery_golden',
  GOLDEN_GALLERY_IMAGE: 'golden-web',
  GOLDEN_BUILD_REVISION: '20261201120000',
  GOLDEN_GALLERY_VERSION: '2026.1201.120000',
};
const PUBLISHED_VERSION: Partial<FakeAzState> = {
  galleryImages: {
    [GALLERY_LINE]: [{
      name: '2026.1201.120000',
      provisioningState: 'Succeeded',
      excludeFromLatest: true,
      source: VM_ID,
      tags: { 'golden-image-name': 'golden-web', 'golden-image-revision': '20261201120000' },
      targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
    }],
  },
};

function promote(fake: InProcessAz, extra: Record<string, string> = {}, interruptAt?: string): Promise<StepRun> {
  return runInProcess(STEPS['gallery-promote'], {
    env: { ...fake.environment(), ...PROMOTE_ENVIRONMENT, ...extra },
    az: fake.run,
    interrupt: interruptAt === undefined ? undefined : { signal: 'SIGHUP', when: (call) => call.args.join(' ').startsWith(interruptAt) },
  });
}

describe('the gallery version steps (promote): the faults they share with every step', () => {
  test('az account show cannot start (no interpreter): exit 3, reported as broken, no login tried with the ARM_* credentials', async () => {
    const fake = fakeAz({ ...PUBLISHED_VERSION, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'account show', fault: 'no-interpreter' }] });
    const result = await promote(fake, SERVICE_PRINCIPAL_VARIABLES);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: login: az account show: the Azure CLI is installed but crashes: /usr/bin/az: line 3: /opt/az/bin/python3: No such file or directory');
    expect(result.stderr).toContain('check `az version`');
    expect(result.stderr).not.toMatch(/not logged in|az login --service-principal/);
    expect(fake.commands()).toEqual(['version', 'account show']);
    expect(fake.state().logins).toBeUndefined();
    expectNothingLeft(fake);
  });

  test('the session expires at az sig image-version show (AADSTS700082): exit 3 (log in again), not retried', async () => {
    const fake = fakeAz({ ...PUBLISHED_VERSION, faults: [{ command: 'sig image-version show', fault: 'refresh-token-expired' }] });
    const result = await promote(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: promote: az sig image-version show failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).toContain('AADSTS700082: The refresh token has expired due to inactivity.');
    expect(result.stderr).toContain('and a retry would be refused too. Log in again (`az login`; or, when the deployment logs in with the ARM_* variables, check '
      + 'ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID, or ARM_USE_MSI), then run the deployment again.');
    expect(fake.commands().filter((c) => c === 'sig image-version show')).toHaveLength(1);
    expect(result.stdout).not.toContain('transient az failure');
    expectNothingLeft(fake);
  });

  test('az sig image-version update lacks a Python module: exit 3 naming the module; never retried, nothing else said', async () => {
    const fake = fakeAz({ ...PUBLISHED_VERSION, faults: [{ command: 'sig image-version update', fault: 'missing-module' }] });
    const result = await promote(fake);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("promote: az sig image-version update: the Azure CLI is installed but crashes: ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).toContain('This installation lacks the Python module azure.mgmt.compute.v2022_11_01 that `az sig image-version update` needs: a retry or a '
      + 'rerun fails the same way until az is fixed.');
    expect(result.stderr).toContain("  az| ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).not.toMatch(/failed\. (The version stays excluded|Run the deployment again)/);
    expect(fake.commands().filter((c) => c === 'sig image-version update')).toHaveLength(1);
  });

  test('SIGHUP while az sig image-version show runs (logged in with the ARM_* variables): exit 129, az stopped, the private az config removed', async () => {
    const fake = fakeAz({ ...PUBLISHED_VERSION, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, hang: ['sig image-version show'] });
    const result = await promote(fake, SERVICE_PRINCIPAL_VARIABLES, 'sig image-version show');
    expect(result.code).toBe(129);
    expect(result.stderr).toContain('ERROR: interrupted by SIGHUP during promote (the terminal or SSH session that ran the deployment was closed?). Run the '
      + 'deployment again to resume (a promoted version is not updated again; the pruning goes on where it stopped).');
    expect(fake.hanging()).toEqual([]);
    expect(fake.state().logins).toHaveLength(1);
    expectNothingLeft(fake);
  });

  test.each(['does not exist', 'is not a directory'])('TMPDIR %s: exit 12 naming TMPDIR, before the login with the ARM_* variables and any gallery call', async (problem) => {
    const fake = fakeAz({ ...PUBLISHED_VERSION, loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL });
    const tmp = path.join(fake.directory, problem === 'does not exist' ? 'no-such-directory' : 'a-file');
    if (problem === 'is not a directory') {
      fs.writeFileSync(tmp, '');
    }
    const result = await promote(fake, { ...SERVICE_PRINCIPAL_VARIABLES, TMPDIR: tmp });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`TMPDIR=${JSON.stringify(tmp)} ${problem}`);
    expect(result.stderr).toContain('Fix: set TMPDIR (TEMP on Windows) to an existing writable directory in the environment that runs Terraform, then run the deployment again.');
    expect(fake.commands()).toEqual(['version', 'account show']);
  });
});
