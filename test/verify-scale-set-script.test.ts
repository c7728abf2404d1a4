/**
 * Runs lib/scripts/operator/verify-scale-set.sh as Terraform's local-exec does, from a stack directory, against the
 * simulated az of test/fake-az (a scale set's latest rolling upgrade and its instances) and a stand-in load balancer on
 * loopback that hands each new connection to one of the instances (test/util/web-server.ts).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  childPids, FakeAz, fakeAzFixture, FakeAzState, FakeRollingUpgrade, FakeScaleSetInstance, RunResult, runShellCommand, SUBSCRIPTION_ID,
} from './util/fake-az';
import { LoadBalancerOptions, LoadBalancerServer, withLoadBalancer, withServer } from './util/web-server';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

jest.setTimeout(60_000);

const GROUP = 'rg-web';
const NAME = 'vmss-web';
const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0', VERIFY_INTERVAL_SECONDS: '1', VERIFY_REQUEST_SECONDS: '5' };

const { fakeAz, layout: stack } = fakeAzFixture(SCRIPTS_DIRECTORY);

/** Computer names as Azure gives a Windows scale set's instances: the prefix, then the instance id in 6 base-36 digits. */
function computerNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `web${i.toString(36).padStart(6, '0')}`);
}

function instances(count: number, extra: Partial<FakeScaleSetInstance> = {}): FakeScaleSetInstance[] {
  return computerNames(count).map((computerName) => ({ computerName, latestModelApplied: true, provisioningState: 'Succeeded', ...extra }));
}

function scaleSet(list: FakeScaleSetInstance[], rollingUpgrade: FakeRollingUpgrade | null = null,
  extra: Partial<FakeAzState> = {}): Partial<FakeAzState> {
  return { scaleSets: { [`${GROUP}/${NAME}`]: { instances: list, rollingUpgrade } }, ...extra };
}

function environment(url: string, count: number): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_SCALE_SET_RESOURCE_GROUP: GROUP,
    GOLDEN_SCALE_SET_NAME: NAME,
    GOLDEN_SCALE_SET_URL: url,
    GOLDEN_SCALE_SET_INSTANCES: String(count),
    VERIFY_TIMEOUT_SECONDS: '20',
  };
}

function verify(fake: FakeAz, env: Record<string, string>, onOutput?: (output: string, pid: number) => void): Promise<RunResult> {
  return runShellCommand(stack().command('verify-scale-set.sh'), {
    cwd: stack().directory,
    env: { ...fake.environment(), ...FAST, ...env },
    timeoutMs: 55_000,
    onOutput,
  });
}

/** Runs the script behind a stand-in load balancer; `count` instances expected (those of the load balancer by default). */
async function verifyBehind(fake: FakeAz, balancer: LoadBalancerOptions, extra: Record<string, string> = {},
  count = balancer.instances.length): Promise<{ result: RunResult; lb: LoadBalancerServer }> {
  return withLoadBalancer(balancer, async (lb) => {
    const result = await verify(fake, { ...environment(lb.url, count), ...extra });
    return { result, lb };
  });
}

// --- the expected az lines ---------------------------------------------------------------------------------------
const ACCOUNT = ['account', 'show', '-o', 'none'];
const SCALE_SET_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`, `--name=${NAME}`];
const GET_LATEST = ['vmss', 'rolling-upgrade', 'get-latest', ...SCALE_SET_ARGS, '--query',
  '[[runningStatus.code, progress.successfulInstanceCount, progress.failedInstanceCount, progress.inProgressInstanceCount, progress.pendingInstanceCount, error.code, error.message]]',
  '-o', 'tsv'];
const LIST_INSTANCES = ['vmss', 'list-instances', ...SCALE_SET_ARGS, '--query', '[].[instanceId, osProfile.computerName, provisioningState, latestModelApplied]', '-o', 'tsv'];

/** What Azure says when the health probe stops a rolling upgrade. */
const FAULT = {
  code: 'MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade',
  message: 'Maximum allowed percentage of unhealthy upgraded instances (20%) exceeded: 2 of 3 upgraded instances are unhealthy.',
};

/** The script left nothing in TMPDIR, and the load balancer saw one request per connection. */
function expectClean(fake: FakeAz, lb?: LoadBalancerServer): void {
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  if (lb) {
    expect(lb.connections).toBe(lb.requests);
  }
}

describe('verify-scale-set.sh: the rolling upgrade and the instances', () => {
  test.concurrent('first deployment (no rolling upgrade ever ran): every instance seen through the load balancer, in exactly these az calls', async () => {
    const fake = fakeAz(scaleSet(instances(3)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, GET_LATEST, LIST_INSTANCES]);
    expect(result.stdout).toMatch(/^\[verify-scale-set \+\d+s\] scale set vmss-web in resource group rg-web, subscription [-0-9a-f]+: 3 instance\(s\) expected behind http:\/\/127\.0\.0\.1:\d+\/; deadline 20s$/m);
    expect(result.stdout).toContain('rolling upgrade: no rolling upgrade has run on this scale set (a first deployment): nothing to wait for');
    expect(result.stdout).toContain('instances: all 3 provisioned and on the latest model: web000000, web000001, web000002');
    expect(result.stdout).toContain('load balancer: fetching http://127.0.0.1:');
    expect(result.stdout).toContain('batches of 8 request(s), 8 at a time, each on a new connection');
    expect(result.stdout).toMatch(/load balancer: all 3 instance\(s\) answered through the load balancer with their computer name \(\d+ request\(s\) in \d+ batch\(es\)\)/);
    expect(result.stdout).toMatch(/verified in \d+s: 3 instance\(s\) on the latest model, each answering through the load balancer$/m);
    expect(Object.keys(lb.served).sort()).toEqual(computerNames(3));
    expectClean(fake, lb);
  });

  test.concurrent('an image upgrade: waits while the rolling upgrade is RollingForward, printing its progress, then checks the upgraded instances', async () => {
    // GIVEN an upgrade that Azure finishes after two more looks; the instances are on the new model only then
    const upgrade: FakeRollingUpgrade = {
      code: 'RollingForward',
      progress: { successfulInstanceCount: 1, failedInstanceCount: 0, inProgressInstanceCount: 1, pendingInstanceCount: 1 },
      pendingShows: 2,
    };
    const fake = fakeAz(scaleSet(instances(3, { latestModelApplied: false }), upgrade));
    // WHEN
    const { result } = await verifyBehind(fake, { instances: computerNames(3), pick: 'round-robin' });
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, GET_LATEST, GET_LATEST, GET_LATEST, LIST_INSTANCES]);
    const waits = [...result.stdout.matchAll(/\+(\d+)s\] rolling upgrade: RollingForward: 1 succeeded, 0 failed, 1 in progress, 1 pending; waiting, \d+s of 20s/g)];
    expect(waits).toHaveLength(2);
    expect(Number(waits[1][1])).toBeGreaterThan(Number(waits[0][1]));
    expect(result.stdout).toContain('rolling upgrade: the latest rolling upgrade Completed (3 succeeded, 0 failed, 0 in progress, 0 pending)');
    expect(fake.state().scaleSets![`${GROUP}/${NAME}`].instances.every((i) => i.latestModelApplied)).toBe(true);
    expectClean(fake);
  });

  test.concurrent.each<[string, FakeRollingUpgrade, RegExp]>([
    ['Faulted (the health probe found upgraded instances unhealthy)', { code: 'RollingForward', pendingShows: 1, becomes: { code: 'Faulted', error: FAULT, progress: { successfulInstanceCount: 1, failedInstanceCount: 2, inProgressInstanceCount: 0, pendingInstanceCount: 3 } } },
      /the latest rolling upgrade of scale set vmss-web is Faulted: Azure stopped it because the load balancer's health probe on the app's page found upgraded instances unhealthy \(progress: 1 succeeded, 2 failed, 0 in progress, 3 pending\)\. Azure says: MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade: Maximum allowed percentage of unhealthy upgraded instances \(20%\) exceeded: 2 of 3 upgraded instances are unhealthy\./],
    ['Cancelled', { code: 'Cancelled', progress: { successfulInstanceCount: 2, failedInstanceCount: 0, inProgressInstanceCount: 0, pendingInstanceCount: 4 } },
      /the latest rolling upgrade of scale set vmss-web is Cancelled \(az vmss rolling-upgrade cancel, or the portal\) before every instance was upgraded \(progress: 2 succeeded, 0 failed, 0 in progress, 4 pending\)\. The instances/],
  ])('a rolling upgrade %s: exit 10 with Azure\'s error and the fix; the load balancer is not tried', async (_, upgrade, message) => {
    const fake = fakeAz(scaleSet(instances(6, { latestModelApplied: false }), upgrade));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(6) });
    expect(result.code).toBe(10);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('The instances not yet upgraded keep the previous image. Look at `az vmss rolling-upgrade get-latest --resource-group rg-web --name vmss-web` '
      + 'and at the upgraded instances, then fix the image and deploy again, or roll back: deploy again with the previous source image id.');
    expect(fake.commands()).not.toContain('vmss list-instances');
    expect(lb.requests).toBe(0);
    expectClean(fake);
  });

  test.concurrent('a rolling upgrade still RollingForward at the deadline: exit 4 with its progress', async () => {
    const fake = fakeAz(scaleSet(instances(3, { latestModelApplied: false }), { code: 'RollingForward' }));
    const { result } = await verifyBehind(fake, { instances: computerNames(3) }, { VERIFY_TIMEOUT_SECONDS: '3' });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/ERROR: rolling upgrade: after \d+s \(VERIFY_TIMEOUT_SECONDS=3\), the latest rolling upgrade is still RollingForward \(0 succeeded, 0 failed, 0 in progress, 3 pending\)\. Azure goes on with it/);
    expect(result.stdout).toMatch(/rolling upgrade: RollingForward: 0 succeeded, 0 failed, 0 in progress, 3 pending; waiting, \d+s of 3s/);
    expect(fake.commands()).not.toContain('vmss list-instances');
    expectClean(fake);
  });

  test.concurrent('an instance Azure is still creating is waited for', async () => {
    const creating: FakeScaleSetInstance = { computerName: 'web000002', latestModelApplied: true, provisioningState: 'Creating' };
    const fake = fakeAz({
      scaleSets: {
        [`${GROUP}/${NAME}`]: { instances: [...instances(2), creating], rollingUpgrade: null, pendingLists: 1, thenInstances: instances(3) },
      },
    });
    const { result } = await verifyBehind(fake, { instances: computerNames(3) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/instances: 1 not provisioned \(Succeeded\): web000002 \(Creating\); waiting, \d+s of 20s/);
    expect(fake.calls()).toEqual([ACCOUNT, GET_LATEST, LIST_INSTANCES, GET_LATEST, LIST_INSTANCES]);
  });

  test.concurrent.each<[string, FakeScaleSetInstance[], string]>([
    ['fewer instances than expected', instances(2), 'the scale set is still not as expected: 2 instance(s), not 3 (GOLDEN_SCALE_SET_INSTANCES). Azure may still be creating'],
    ['more instances than expected', instances(4), 'the scale set is still not as expected: 4 instance(s), not 3 (GOLDEN_SCALE_SET_INSTANCES).'],
    ['instances not on the latest model', [...instances(1), ...instances(3).slice(1).map((i) => ({ ...i, latestModelApplied: false }))],
      'the scale set is still not as expected: 2 not on the latest model: web000001, web000002. Azure may still be creating, deleting or upgrading instances: look at `az vmss list-instances --resource-group rg-web --name vmss-web`'],
    ['a Failed instance', [...instances(2), { computerName: 'web000002', latestModelApplied: true, provisioningState: 'Failed' }],
      'the scale set is still not as expected: 1 not provisioned (Succeeded): web000002 (Failed). Azure may'],
  ])('%s until the deadline: exit 4 naming them; the load balancer is not tried', async (_, list, message) => {
    const fake = fakeAz(scaleSet(list));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3) }, { VERIFY_TIMEOUT_SECONDS: '3' }, 3);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/ERROR: instances: after \d+s \(VERIFY_TIMEOUT_SECONDS=3\), /);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toMatch(/instances: .*; waiting, \d+s of 3s/);
    // The rolling upgrade is looked at again at every look (how many fit before the deadline depends on the machine's load).
    const commands = fake.commands().slice(1);
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(commands.every((c, i) => c === (i % 2 === 0 ? 'vmss rolling-upgrade get-latest' : 'vmss list-instances'))).toBe(true);
    expect(lb.requests).toBe(0);
    expectClean(fake);
  });

  test.concurrent('the scale set does not exist: exit 8', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, { resourceGroups: [GROUP] }));
    const result = await verify(fake, { ...environment('http://127.0.0.1:9/', 1), GOLDEN_SCALE_SET_NAME: 'vmss-gone' });
    expect(result.code).toBe(8);
    expect(result.stderr).toContain("  az| ERROR: (ResourceNotFound) The Resource 'Microsoft.Compute/virtualMachineScaleSets/vmss-gone'");
    expect(result.stderr).toContain(`rolling upgrade: az vmss rolling-upgrade get-latest failed: scale set vmss-gone in resource group rg-web (subscription ${SUBSCRIPTION_ID}) was not found`);
    expectClean(fake);
  });

  test.concurrent('transient az errors are retried', async () => {
    const fake = fakeAz(scaleSet(instances(2), null, {
      transient: [{ command: 'vmss rolling-upgrade get-latest', error: '429', times: 1 }, { command: 'vmss list-instances', error: '503', times: 2 }],
    }));
    const { result } = await verifyBehind(fake, { instances: computerNames(2) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('rolling upgrade: transient az failure (attempt 1 of 6): ERROR: (TooManyRequests)');
    expect(result.stdout).toContain('instances: transient az failure (attempt 2 of 6): ERROR: (ServiceUnavailable)');
    expect(fake.commands().slice(1)).toEqual(['vmss rolling-upgrade get-latest', 'vmss rolling-upgrade get-latest', 'vmss list-instances', 'vmss list-instances', 'vmss list-instances']);
  });

  test.concurrent('not logged in, and no credentials: exit 3, nothing asked of Azure', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, { loggedIn: false }));
    const result = await verify(fake, environment('http://127.0.0.1:9/', 1));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('az is not logged in and no credentials were given. Run `az login`');
    expect(fake.calls()).toEqual([ACCOUNT]);
    expectClean(fake);
  });

  test.concurrent('without a subscription, az\'s current one is used', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const { result } = await verifyBehind(fake, { instances: computerNames(1) }, { GOLDEN_SUBSCRIPTION_ID: '' });
    expect(result.code).toBe(0);
    expect(fake.calls().flat().some((arg) => arg.startsWith('--subscription'))).toBe(false);
  });
});

describe('verify-scale-set.sh: through the load balancer', () => {
  test.concurrent('an instance that never answers (its health probe is down, say): exit 11 naming it', async () => {
    const fake = fakeAz(scaleSet(instances(3)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3), leaveOut: ['web000001'], pick: 'round-robin' },
      { VERIFY_TIMEOUT_SECONDS: '10' });
    expect(result.code).toBe(11);
    expect(result.stderr).toMatch(new RegExp(String.raw`ERROR: load balancer: after \d+s \(VERIFY_TIMEOUT_SECONDS=10\), 1 of 3 instance\(s\) never answered through the load balancer at http://127\.0\.0\.1:\d+/: web000001\. `
      + String.raw`Of \d+ request\(s\), \d+ gave a page, 0 of them naming none of the instances, and 0 failed\. Check the NSG rule that lets the app port in, the load balancer rule, the health probe's path`));
    expect(lb.served.web000001).toBeUndefined();
    // Batch 1 sees both others; every later batch but the one the deadline ends is followed by a pause
    // (VERIFY_INTERVAL_SECONDS), not by the next batch at once. How many fit depends on the machine's load.
    const batches = result.stdout.match(/load balancer: batch \d+: \d+ page\(s\)/g) ?? [];
    const pauses = result.stdout.match(/load balancer: no new instance in batch \d+; not yet seen: web000001$/gm) ?? [];
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(pauses).toHaveLength(Math.max(0, batches.length - 2));
    expect(lb.requests).toBeLessThanOrEqual(8 * 15);
    expectClean(fake, lb);
  });

  test.concurrent('many instances never answering: the first 20 named, and how many more', async () => {
    const names = computerNames(25);
    const fake = fakeAz(scaleSet(instances(25)));
    const { result } = await verifyBehind(fake, { instances: names, leaveOut: names.slice(2) }, { VERIFY_TIMEOUT_SECONDS: '2' });
    expect(result.code).toBe(11);
    expect(result.stderr).toContain('23 of 25 instance(s) never answered through the load balancer at http://127.0.0.1:');
    expect(result.stderr).toContain(`: ${names.slice(2, 22).join(', ')} and 3 more. Of `);
  });

  test.concurrent('a machine outside the scale set answering too (an old VM in the backend pool): reported, as a warning once every instance was seen', async () => {
    const fake = fakeAz(scaleSet(instances(2)));
    const { result } = await verifyBehind(fake, { instances: computerNames(2), strangers: ['web-old01'], pick: 'round-robin' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/load balancer: batch 1: 8 page\(s\), 0 failed request\(s\), [1-9] page\(s\) naming none of the instances; 2 of 2 instance\(s\) seen/);
    expect(result.stdout).toContain("load balancer: a page naming none of the instances (an error page, or a machine outside the scale set in the backend pool?): 'Golden image web server Served by WEB-OLD01 '");
    expect(result.stderr).toMatch(/WARNING: load balancer: [1-9] of 8 page\(s\) named none of the scale set's instances \(the first: 'Golden image web server Served by WEB-OLD01 '\)\. The load balancer may also send connections to a machine outside the scale set/);
  });

  test.concurrent('only an old machine answers: exit 11, with what it served and the instances never seen', async () => {
    const fake = fakeAz(scaleSet(instances(2)));
    const { result } = await verifyBehind(fake, { instances: computerNames(2), leaveOut: computerNames(2), strangers: ['web-old01'] }, { VERIFY_TIMEOUT_SECONDS: '2' });
    expect(result.code).toBe(11);
    expect(result.stderr).toMatch(/2 of 2 instance\(s\) never answered through the load balancer at http:\/\/127\.0\.0\.1:\d+\/: web000000, web000001\. Of \d+ request\(s\), (\d+) gave a page, \1 of them naming none of the instances \(the first: 'Golden image web server Served by WEB-OLD01 '\), and 0 failed\./);
  });

  test.concurrent('nothing listening at the URL: exit 11 with curl\'s error', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, { ...environment('http://127.0.0.1:9/', 1), VERIFY_TIMEOUT_SECONDS: '2' });
    expect(result.code).toBe(11);
    expect(result.stdout).toMatch(/load balancer: first failure of batch 1: curl: \(7\) Failed to connect to 127\.0\.0\.1 port 9/);
    expect(result.stderr).toMatch(/1 of 1 instance\(s\) never answered through the load balancer at http:\/\/127\.0\.0\.1:9\/: web000000\. Of \d+ request\(s\), 0 gave a page, 0 of them naming none of the instances, and \d+ failed \(the first: curl: \(7\) Failed to connect/);
    expectClean(fake);
  });

  test.concurrent('SIGTERM while a batch waits for answers: exit 143, curl stopped, nothing left in TMPDIR', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    // A server that never answers: curl waits up to VERIFY_REQUEST_SECONDS.
    const result = await withServer(() => undefined, (server) => {
      let signalled = false;
      return verify(fake, { ...environment(server.url, 1), VERIFY_REQUEST_SECONDS: '30' }, (output, shellPid) => {
        if (!signalled && output.includes('load balancer: fetching')) {
          signalled = true;
          setTimeout(() => process.kill(childPids(shellPid)[0], 'SIGTERM'), 300);
        }
      });
    });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during step load balancer. The check changes nothing in Azure');
    expect(result.milliseconds).toBeLessThan(10_000);
    expectClean(fake);
  });
});

// Alone: its thousands of requests would slow the stand-in load balancers of concurrent tests (one event loop).
describe('verify-scale-set.sh: a large scale set', () => {
  test('300 instances behind a load balancer that spreads connections at random: all seen well within the deadline', async () => {
    const fake = fakeAz(scaleSet(instances(300)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(300) }, { VERIFY_TIMEOUT_SECONDS: '45' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('batches of 600 request(s), 32 at a time, each on a new connection');
    expect(result.stdout).toContain('instances: all 300 provisioned and on the latest model: web000000, web000001,');
    expect(result.stdout).toContain(', web00000j and 280 more');
    expect(Object.keys(lb.served)).toHaveLength(300);
    // About N*ln(N) = 1711 requests are needed; a batch is 600.
    expect(lb.requests % 600).toBe(0);
    expect(lb.requests).toBeLessThanOrEqual(600 * 8);
    expect(result.milliseconds).toBeLessThan(30_000);
    expectClean(fake, lb);
  });
});

describe('verify-scale-set.sh input validation: exit 2 naming the variable and the value, and no az call', () => {
  /** The value as the script prints it (bash's printf %q). */
  const shown = (value: string) => execFileSync('bash', ['-c', 'printf %q "$1"', '_', value], { encoding: 'utf8' });
  test.concurrent.each<[string, string, string]>([
    ['GOLDEN_SUBSCRIPTION_ID', 'prod', 'GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID) must be a subscription id (a GUID)'],
    ['GOLDEN_SCALE_SET_RESOURCE_GROUP', '', 'GOLDEN_SCALE_SET_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_SCALE_SET_RESOURCE_GROUP', 'rg$(touch pwned)', 'GOLDEN_SCALE_SET_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_SCALE_SET_NAME', '', 'GOLDEN_SCALE_SET_NAME must be a scale set name (1-64 letters, digits, hyphens, underscores and periods'],
    ['GOLDEN_SCALE_SET_NAME', '-vmss', 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_NAME', 'vmss web', 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_NAME', 'v'.repeat(65), 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_URL', '', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'ftp://203.0.113.10/', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/a b', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/"', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', "http://203.0.113.10/'", 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/{a,b}', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10:70000/', 'GOLDEN_SCALE_SET_URL must have a port between 1 and 65535'],
    ['GOLDEN_SCALE_SET_INSTANCES', '', 'GOLDEN_SCALE_SET_INSTANCES must be a whole number'],
    ['GOLDEN_SCALE_SET_INSTANCES', '03', 'GOLDEN_SCALE_SET_INSTANCES must be a whole number'],
    ['GOLDEN_SCALE_SET_INSTANCES', '0', 'GOLDEN_SCALE_SET_INSTANCES must be between 1 and 1000'],
    ['GOLDEN_SCALE_SET_INSTANCES', '1001', 'GOLDEN_SCALE_SET_INSTANCES must be between 1 and 1000'],
    ['VERIFY_TIMEOUT_SECONDS', '30m', 'VERIFY_TIMEOUT_SECONDS must be a whole number'],
    ['VERIFY_TIMEOUT_SECONDS', '0', 'VERIFY_TIMEOUT_SECONDS must be between 1 and 86400'],
    ['VERIFY_INTERVAL_SECONDS', '0', 'VERIFY_INTERVAL_SECONDS must be between 1 and 3600'],
    ['VERIFY_INTERVAL_SECONDS', 'ten', 'VERIFY_INTERVAL_SECONDS must be a whole number'],
    ['VERIFY_REQUEST_SECONDS', '601', 'VERIFY_REQUEST_SECONDS must be between 1 and 600'],
    ['GOLDEN_POLL_SECONDS', '0', 'GOLDEN_POLL_SECONDS must be between 1 and 3600'],
    ['GOLDEN_RETRY_MAX_ATTEMPTS', '21', 'GOLDEN_RETRY_MAX_ATTEMPTS must be between 1 and 20'],
  ])('%s=%j', async (variable, value, message) => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, { ...environment('http://203.0.113.10/', 1), [variable]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    // The value as received: quoted as the shell would, or the number itself.
    expect(result.stderr).toContain(/between/.test(message) ? `got ${value}.` : `got ${shown(value)}.`);
    expect(result.stdout).toBe('');
    expect(fake.calls()).toEqual([]);
  });

  test.concurrent('GOLDEN_SCALE_SET_URL longer than 2048 characters', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, { ...environment(`http://203.0.113.10/${'a'.repeat(2030)}`, 1) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GOLDEN_SCALE_SET_URL must be at most 2048 characters; got 2050.');
    expect(fake.calls()).toEqual([]);
  });

  test.concurrent('URLs that pass: a host name, a port, a path and a query', async () => {
    const fake = fakeAz({ loggedIn: false });
    for (const url of ['http://203.0.113.10', 'https://web.example.com:8443/health/page.aspx?probe=1&x=a%20b', 'http://203.0.113.10:8080/']) {
      const result = await verify(fake, environment(url, 1));
      // Past validation: stopped at the login.
      expect({ url, code: result.code }).toEqual({ url, code: 3 });
    }
  });

  test.concurrent('curl older than 7.68 (no --parallel-immediate): exit 5 before any az call', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const bin = path.join(fake.directory, 'old-curl');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'curl'), [
      '#!/bin/sh',
      'for arg in "$@"; do case "$arg" in --parallel*) echo "curl: option $arg: is unknown" >&2; exit 2 ;; esac; done',
      'echo "curl 7.64.1 (x86_64-apple-darwin20.0) libcurl/7.64.1"',
      '',
    ].join('\n'), { mode: 0o755 });
    const result = await runShellCommand(stack().command('verify-scale-set.sh'), {
      cwd: stack().directory,
      env: { ...fake.environment(), ...FAST, ...environment('http://203.0.113.10/', 1), PATH: `${bin}${path.delimiter}${fake.environment().PATH}` },
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('curl 7.64.1 is too old: the check needs curl 7.68 or later (--parallel, --parallel-immediate).');
    expect(fake.calls()).toEqual([]);
  });
});

describe('verify-scale-set.sh itself', () => {
  const script = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', 'verify-scale-set.sh'), 'utf8');

  test('the header documents every variable the script reads and every exit code', () => {
    const read = new Set([...script.matchAll(/\$\{((?:GOLDEN|VERIFY)_[A-Z_]+)/g)].map((m) => m[1]));
    expect(read).toEqual(new Set(['GOLDEN_SUBSCRIPTION_ID', 'GOLDEN_SCALE_SET_RESOURCE_GROUP', 'GOLDEN_SCALE_SET_NAME', 'GOLDEN_SCALE_SET_URL',
      'GOLDEN_SCALE_SET_INSTANCES', 'VERIFY_TIMEOUT_SECONDS', 'VERIFY_INTERVAL_SECONDS', 'VERIFY_REQUEST_SECONDS']));
    for (const variable of read) {
      expect({ variable, documented: new RegExp(`^#\\s+${variable}\\s`, 'm').test(script) }).toEqual({ variable, documented: true });
    }
    const codes = new Set([...script.matchAll(/\bfail(?:_az)? (\d+) /g)].map((m) => Number(m[1])));
    expect([...codes].sort((a, b) => a - b)).toEqual([2, 4, 5, 6, 10, 11]);
    expect(script).toMatch(/# Exit codes: 0 verified; 2 invalid input; 3 az cannot be used \(missing, crashing, lacking a module, cannot log in, or\n# its session expired during the run\); 4 timeout: .*\n# .*; 5 curl is missing or older than 7\.68; 6 az failed; 8 the scale set or its resource\n# group does not exist; 10 the latest rolling upgrade Faulted or was Cancelled; 11 some instances never answered through\n# the load balancer by the deadline; 12 no temporary directory \(TMPDIR\); 129\/130\/143 interrupted\n# \(SIGHUP\/SIGINT\/SIGTERM\)/);
  });

  test('passes shellcheck (following `source common.sh`)', () => {
    if (spawnSync('shellcheck', ['--version']).error) {
      console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    expect(() => execFileSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', '-s', 'bash', path.join(SCRIPTS_DIRECTORY, 'operator', 'verify-scale-set.sh')],
      { encoding: 'utf8' })).not.toThrow();
  });
});
