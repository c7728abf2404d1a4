/**
 * Faults of the bash operator scripts (lib/scripts/operator; the Node.js operator's steps: test/operator/faults.test.ts,
 * and the verification steps' own tests), table-driven: gallery.sh where it shares the code path of common.sh, run as
 * Terraform's local-exec runs it, against the simulated az of test/fake-az:
 * - an Azure CLI that is installed but crashes at the login (a traceback, a missing module, exit 126/127, a signal);
 * - an az session that expires during the run (AADSTS700082, AADSTS50173, an expired ARM token, a lost account);
 * - Run Command answering that the VM agent is not ready (waited for within GOLDEN_AGENT_WAIT_SECONDS);
 * - SIGHUP (a closed terminal or SSH session);
 * - a TMPDIR where no temporary directory can be made;
 * - an az subcommand that crashes on a Python module its installation lacks (Debian's azure-cli 2.45).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  AzFault, childPids, FakeAz, fakeAzFixture, FakeAzState, isRunning, RunResult, runShellCommand, SERVICE_PRINCIPAL, SUBSCRIPTION_ID,
} from './util/fake-az';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

/** Short waits: progress and polls every second, no backoff. */
const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const GALLERY_LINE = 'rg-gallery/gallery_golden/golden-web';
const REVISION = '20261201120000';
const VERSION = '2026.1201.120000';
/** The ARM_* variables of a service principal the simulated az accepts. */
const SERVICE_PRINCIPAL_VARIABLES = {
  ARM_CLIENT_ID: SERVICE_PRINCIPAL.clientId, ARM_CLIENT_SECRET: SERVICE_PRINCIPAL.secret, ARM_TENANT_ID: SERVICE_PRINCIPAL.tenantId,
};

// The tests run concurrently (each has its own fake az): the file takes about the time of its slowest tests.
jest.setTimeout(60_000);

const { fakeAz, layout: stack } = fakeAzFixture(SCRIPTS_DIRECTORY);

/** A script as its construct's provisioner runs it: its file, argument, environment, and a world it succeeds in. */
interface OperatorScript {
  readonly file: string;
  readonly argument?: string;
  readonly state: Partial<FakeAzState>;
  environment(): Record<string, string>;
}

const GALLERY_ENVIRONMENT = {
  GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
  GOLDEN_GALLERY_RESOURCE_GROUP: 'rg-gallery',
  GOLDEN_GALLERY_NAME: 'gallery_golden',
  GOLDEN_GALLERY_IMAGE: 'golden-web',
  GOLDEN_BUILD_REVISION: REVISION,
  GOLDEN_GALLERY_VERSION: VERSION,
};
/** The build's version, published and not yet promoted. */
const PUBLISHED_VERSION: Partial<FakeAzState> = {
  galleryImages: {
    [GALLERY_LINE]: [{
      name: VERSION,
      provisioningState: 'Succeeded',
      excludeFromLatest: true,
      source: VM_ID,
      tags: { 'golden-image-name': 'golden-web', 'golden-image-revision': REVISION },
      targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
    }],
  },
  resourceGroups: ['rg-canary'],
};

const SCRIPTS = {
  'gallery.sh promote': { file: 'gallery.sh', argument: 'promote', environment: () => GALLERY_ENVIRONMENT, state: PUBLISHED_VERSION },
  'gallery.sh canary': {
    file: 'gallery.sh',
    argument: 'canary',
    environment: () => ({
      ...GALLERY_ENVIRONMENT,
      GOLDEN_CANARY_REGIONS: 'westeurope',
      GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch',
      GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
      GOLDEN_CANARY_RESOURCE_GROUP: 'rg-canary',
      GOLDEN_GUEST_DIRECTORY: `${stack().assets}/guest`,
    }),
    state: PUBLISHED_VERSION,
  },
} satisfies Record<string, OperatorScript>;
type ScriptName = keyof typeof SCRIPTS;

function fakeFor(script: ScriptName, state: Partial<FakeAzState> = {}): FakeAz {
  return fakeAz({ ...SCRIPTS[script].state, ...state });
}

function run(fake: FakeAz, script: ScriptName, extra: Record<string, string> = {},
  onOutput?: (output: string, pid: number) => void): Promise<RunResult> {
  const { file, argument, environment } = SCRIPTS[script] as OperatorScript;
  return runShellCommand(stack().command(file, argument), {
    cwd: stack().directory,
    env: { ...fake.environment(), ...environment(), ...FAST, ...extra },
    timeoutMs: 50_000,
    onOutput,
  });
}

/** How many calls of `command` (e.g. `vm deallocate`) the fake az saw. */
function callsOf(fake: FakeAz, command: string): number {
  return fake.commands().filter((c) => c === command).length;
}

/** The fake's state while az may be writing it: undefined when caught mid-write. */
function stateNow(fake: FakeAz): FakeAzState | undefined {
  try {
    return fake.state();
  } catch {
    return undefined;
  }
}

/** Nothing left in TMPDIR: the work directory and any private az config directory are gone. */
function expectNothingLeft(fake: FakeAz): void {
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  for (const login of fake.state().logins ?? []) {
    expect(fs.existsSync(login.configDir)).toBe(false);
  }
}

async function expectEventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('an Azure CLI that is installed but crashes, at the login', () => {
  /** The line each crash is reported with: the exception of a traceback, the launcher's error, or how az ended. */
  const CRASHES: Array<[AzFault, string]> = [
    ['crash', "AttributeError: 'NoneType' object has no attribute 'get'"],
    ['startup-crash', "ModuleNotFoundError: No module named 'msal'"],
    ['no-interpreter', '/usr/bin/az: line 3: /opt/az/bin/python3: No such file or directory'],
    ['not-executable', '/usr/bin/az: line 3: /opt/az/bin/python3: Permission denied'],
    ['killed', 'az was killed by SIGKILL (exit status 137)'],
  ];
  const CASES: Array<[ScriptName, AzFault, string]> = [
    ['gallery.sh promote', 'no-interpreter', CRASHES[2][1]],
  ];

  test.concurrent.each(CASES)('%s, `az account show` fails with %s: exit 3, reported as broken, no login tried with the ARM_* credentials', async (script, fault, line) => {
    // GIVEN no session, a service principal in the ARM_* variables, and an az that crashes
    const fake = fakeFor(script, { loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'account show', fault }] });
    // WHEN
    const result = await run(fake, script, SERVICE_PRINCIPAL_VARIABLES);
    // THEN
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`ERROR: login: az account show: the Azure CLI is installed but crashes: ${escape(line)}`));
    expect(result.stderr).toMatch(/Fix: (reinstall or upgrade it|upgrade or reinstall the Azure CLI)/);
    expect(result.stderr).toContain('check `az version`');
    expect(result.stderr).not.toMatch(/not logged in|az login --service-principal/);
    expect(fake.commands()).toEqual(['account show']);
    expect(fake.state().logins).toBeUndefined();
    expectNothingLeft(fake);
  });
});

describe('an az session that expires during the run', () => {
  /** The fault and the text of Azure's answer the message quotes. */
  const EXPIRIES: Array<[AzFault, string]> = [
    ['refresh-token-expired', 'AADSTS700082: The refresh token has expired due to inactivity.'],
    ['token-revoked', 'AADSTS50173: The provided grant has expired due to it being revoked'],
    ['access-token-expired', '(InvalidAuthenticationTokenTokenExpired) The access token expiry UTC time'],
    ['expired-authentication-token', '(ExpiredAuthenticationToken) The access token has expired.'],
    ['session-lost', "Please run 'az login' to setup account."],
  ];
  /** Where the session expires: the first call to Azure. */
  const WHERE: Record<string, { command: string; script?: string; step: string }> = {
    'gallery.sh promote': { command: 'sig image-version show', step: 'promote: az sig image-version show' },
  };
  const CASES: Array<[ScriptName, AzFault, string]> = [
    ['gallery.sh promote', 'refresh-token-expired', EXPIRIES[0][1]],
  ];

  test.concurrent.each(CASES)('%s, %s: exit 3 (the login code), log in again and rerun; not retried', async (script, fault, quote) => {
    // GIVEN an az session that works for the first calls, then Azure refuses its token
    const where = WHERE[script];
    const fake = fakeFor(script, { faults: [{ command: where.command, fault, script: where.script }] });
    // WHEN
    const result = await run(fake, script);
    // THEN
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`ERROR: ${where.step} failed: the az session expired during the run: Azure refused its token (`);
    expect(result.stderr).toContain(quote);
    expect(result.stderr).toContain('and a retry would be refused too. Log in again (`az login`; or, when the deployment logs in with the ARM_* variables, check ARM_CLIENT_ID, '
      + 'ARM_CLIENT_SECRET and ARM_TENANT_ID, or ARM_USE_MSI), then run the deployment again.');
    // The refused call, once: for the setup, its one status poll (the guest script's path ends each such call).
    const refused = where.script === undefined ? callsOf(fake, where.command)
      : fake.calls().filter((argv) => argv.some((arg) => arg.endsWith(`/${where.script}`))).length;
    expect(refused).toBe(1);
    expect(result.stdout).not.toContain('transient az failure');
    expectNothingLeft(fake);
  });

  test.concurrent('gallery.sh canary, while creating the canary: exit 3, not a failed canary (9); what was made is deleted on the way out', async () => {
    const fake = fakeFor('gallery.sh canary', { faults: [{ command: 'vm create', fault: 'access-token-expired', times: 1 }] });
    const result = await run(fake, 'gallery.sh canary');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: canary westeurope: az vm create failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).not.toContain('the canary could not be created');
    expect(fake.commands().slice(-4)).toEqual(['vm create', 'vm delete', 'network nic delete', 'network vnet delete']);
    expectNothingLeft(fake);
  });
});

describe('Run Command: the VM agent is not ready', () => {
  test.concurrent.each<[ScriptName, string, string, Record<string, string>]>([
    ['gallery.sh canary', 'canary westeurope', 'the canary check', { GOLDEN_CANARY_REGIONS: 'westeurope' }],
  ])('%s: an agent that stays not ready fails the step (exit 4) after GOLDEN_AGENT_WAIT_SECONDS, naming the agent and the fix', async (script, step, purpose, extra) => {
    const fake = fakeFor(script, { faults: [{ command: 'vm run-command invoke', fault: 'agent-not-ready' }] });
    const result = await run(fake, script, { GOLDEN_AGENT_WAIT_SECONDS: '2', ...extra });
    expect(result.code).toBe(4);
    const vm = script === 'gallery.sh canary' ? `canary-${REVISION}-[0-9a-f]{8}-01` : 'vm-golden';
    const group = script === 'gallery.sh canary' ? 'rg-canary' : 'rg-golden';
    expect(result.stderr).toMatch(new RegExp(`ERROR: ${step}: the VM agent \\(Windows Azure Guest Agent\\) of VM ${vm} was still not ready after 2s \\(GOLDEN_AGENT_WAIT_SECONDS\\), `
      + `so Run Command could not run ${purpose} in the guest\\. The VM is left as it is\\. Fix: look at the VM in the portal \\(Overview > Properties > Agent status; `
      + `Help > Boot diagnostics: did Windows start\\?\\) or at \`az vm get-instance-view --resource-group ${group} --name ${vm} --query instanceView\\.vmAgent\` `
      + '\\(its status should be Ready\\); restart the VM if the agent stays not ready, then run the deployment again\\.'));
    expect(result.stderr).toContain('  az| ERROR: (VMAgentStatusCommunicationError)');
    // Bounded: one refusal a second (GOLDEN_POLL_SECONDS) for 2 s, and a few more on a loaded machine.
    const refusals = callsOf(fake, 'vm run-command invoke');
    expect(refusals).toBeGreaterThanOrEqual(2);
    expect(refusals).toBeLessThanOrEqual(6);
    expect(result.milliseconds).toBeGreaterThanOrEqual(2000);
    if (script === 'gallery.sh canary') {
      // The canary is deleted on the way out, as after any other failure.
      expect(fake.state().canaryVms).toEqual([]);
      expect(fake.state().vnets).toEqual([]);
    }
    expectNothingLeft(fake);
  });
});

describe('SIGHUP (the terminal or SSH session that ran the deployment closed)', () => {
  // What each script's own handler says an interruption leaves, last in each row.
  test.concurrent.each<[ScriptName, string, string, string]>([
    ['gallery.sh promote', 'sig image-version show', 'promote', 'Run the deployment again to resume.'],
  ])('%s, while az %s runs: exit 129, az stopped, the work directory and the private az config removed', async (script, command, step, left) => {
    // GIVEN a login with the ARM_* service principal (a private az config) and an az call that never returns
    const fake = fakeFor(script, { loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, hang: [command] });
    let signalled = false;
    // WHEN the script gets SIGHUP while it waits for az
    const result = await run(fake, script, SERVICE_PRINCIPAL_VARIABLES, (output, shellPid) => {
      if (!signalled && output.includes(`waiting for az ${command.split(' ').slice(0, 2).join(' ')}`) && (stateNow(fake)?.hangingPids ?? []).length > 0) {
        signalled = true;
        // /bin/sh runs bash as its child: signal the script itself, as a closing terminal would.
        process.kill(childPids(shellPid)[0], 'SIGHUP');
      }
    });
    // THEN
    expect(signalled).toBe(true);
    expect(result.code).toBe(129);
    expect(result.stderr).toContain(`ERROR: interrupted by SIGHUP during step ${step} (the terminal or SSH session that ran the deployment was closed?). ${left}`);
    await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
    expect(fake.state().logins).toHaveLength(1);
    expectNothingLeft(fake);
  });
});

describe('a TMPDIR where no temporary directory can be made', () => {
  const SCRIPT_NAMES: ScriptName[] = ['gallery.sh promote'];
  const CASES = SCRIPT_NAMES.flatMap((script): Array<[ScriptName, string]> => [[script, 'does not exist'], [script, 'is not a directory']]);

  test.concurrent.each(CASES)('%s, TMPDIR %s: exit 12 naming TMPDIR, its value and the fix, before any az call', async (script, problem) => {
    const fake = fakeFor(script);
    const tmp = path.join(fake.directory, problem === 'does not exist' ? 'no-such-directory' : 'a-file');
    if (problem === 'is not a directory') {
      fs.writeFileSync(tmp, '');
    }
    const result = await run(fake, script, { TMPDIR: tmp });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`ERROR: TMPDIR=${tmp} ${problem}, so mktemp cannot create the `);
    expect(result.stderr).toContain('Fix: set TMPDIR to an existing writable directory (or unset it to use /tmp) in the environment that runs Terraform, then run the deployment again.');
    expect(fake.calls()).toEqual([]);
  });
});

describe('an az subcommand that crashes on a Python module its installation lacks', () => {
  const MISSING_COMPUTE = "ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'";
  test.concurrent.each<[ScriptName, string, AzFault, Partial<FakeAzState>, string, string]>([
    ['gallery.sh promote', 'sig image-version update', 'missing-module', {}, MISSING_COMPUTE, 'azure.mgmt.compute.v2022_11_01'],
  ])('%s, `az %s` (%s): exit 3, names the module and how to fix az; never retried', async (script, command, fault, state, line, module) => {
    const fake = fakeFor(script, { ...state, faults: [{ command, fault }] });
    const result = await run(fake, script);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`az ${command}: the Azure CLI is installed but crashes: ${line}`);
    expect(result.stderr).toContain(`This installation lacks the Python module ${module} that \`az ${command}\` needs: a retry or a rerun fails the same way until az is fixed. `
      + 'Fix: upgrade or reinstall the Azure CLI: `az upgrade`, or Microsoft\'s package (https://aka.ms/azure-cli) instead of a Linux distribution\'s');
    expect(result.stderr).toContain('check `az version`, then run the deployment again.');
    // az's own traceback is shown, and the step's usual advice (to rerun as it is) is not.
    expect(result.stderr).toContain(`  az| ${line}`);
    expect(result.stderr).not.toMatch(/failed\. (Run the deployment again|The VM is left as it is|Check that the identity)/);
    expect(callsOf(fake, command)).toBe(1);
    expectNothingLeft(fake);
  });
});

describe('the bash operator scripts pass shellcheck (following `source common.sh`)', () => {
  const haveShellcheck = !spawnSync('shellcheck', ['--version']).error;
  if (!haveShellcheck) {
    console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
  }
  test.each(['common.sh'])('%s', (script) => {
    if (!haveShellcheck) {
      return;
    }
    // -P SCRIPTDIR: `source common.sh` is found beside the script, whatever the working directory.
    expect(() => execFileSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', '-s', 'bash', path.join(SCRIPTS_DIRECTORY, 'operator', script)], { encoding: 'utf8' })).not.toThrow();
  });
});
