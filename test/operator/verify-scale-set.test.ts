/**
 * The verify-scale-set step (lib/operator/steps/verify-scale-set.ts) in-process on a simulated clock, against the
 * simulated az (test/fake-az: a scale set's latest rolling upgrade, its instances, a gallery definition's versions) and
 * a simulated load balancer that hands each new connection to one of the instances (test/util/fake-http.ts); then
 * Node's own HTTP client against a stand-in load balancer on loopback (test/util/web-server.ts).
 */
import * as fs from 'fs';
import { HttpClient, nodeHttpClient, PageRequest } from '../../lib/operator/http';
import { STEPS } from '../../lib/operator/main';
import {
  SCALE_SET_GALLERY_IMAGE, SCALE_SET_INSTANCES, SCALE_SET_NAME, SCALE_SET_RESOURCE_GROUP, SCALE_SET_URL, SCALE_SET_VERIFY_TIMEOUT_MINUTES,
  verifyScaleSetEnvironment,
} from '../../lib/operator/steps/verify-scale-set';
import {
  AzFault, FakeAzState, FakeGalleryVersion, FakeRollingUpgrade, FakeScaleSet, FakeScaleSetInstance, SERVICE_PRINCIPAL, SUBSCRIPTION_ID,
} from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { fakeLoadBalancer, fakePages } from '../util/fake-http';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';
import { LoadBalancerOptions, withLoadBalancer, withServer } from '../util/web-server';

// The simulated tests take milliseconds; those against real servers and real Terraform take real seconds on a loaded machine.
jest.setTimeout(60_000);

const GROUP = 'rg-web';
const NAME = 'vmss-web';
const URL = 'http://203.0.113.10/';
const DEFINITION = 'rg-gallery/gallery_golden/golden-web';
const DEFINITION_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/gallery_golden/images/golden-web`;
const OLD = '2026.1101.120000';
const NEW = '2026.1201.120000';
const SERVICE_PRINCIPAL_VARIABLES = {
  ARM_CLIENT_ID: SERVICE_PRINCIPAL.clientId, ARM_CLIENT_SECRET: SERVICE_PRINCIPAL.secret, ARM_TENANT_ID: SERVICE_PRINCIPAL.tenantId,
};

const fakes: InProcessAz[] = [];
afterAll(() => fakes.forEach((fake) => fake.dispose()));

function fakeAz(state: Partial<FakeAzState>): InProcessAz {
  const fake = new InProcessAz(state);
  fakes.push(fake);
  return fake;
}

/** Computer names as Azure gives a Windows scale set's instances: the prefix, then the instance id in 6 base-36 digits. */
function computerNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `web${i.toString(36).padStart(6, '0')}`);
}

function instances(count: number, extra: Partial<FakeScaleSetInstance> = {}): FakeScaleSetInstance[] {
  return computerNames(count).map((computerName) => ({ computerName, latestModelApplied: true, provisioningState: 'Succeeded', ...extra }));
}

function scaleSet(list: FakeScaleSetInstance[], rollingUpgrade: FakeRollingUpgrade | null = null, extra: Partial<FakeScaleSet> = {},
  state: Partial<FakeAzState> = {}): Partial<FakeAzState> {
  return { scaleSets: { [`${GROUP}/${NAME}`]: { instances: list, rollingUpgrade, ...extra } }, ...state };
}

function environment(count: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_SCALE_SET_RESOURCE_GROUP: GROUP,
    GOLDEN_SCALE_SET_NAME: NAME,
    GOLDEN_SCALE_SET_URL: URL,
    GOLDEN_SCALE_SET_INSTANCES: String(count),
    GOLDEN_VERIFY_TIMEOUT_MINUTES: '20',
    ...extra,
  };
}

function verify(fake: InProcessAz, http: HttpClient, env: Record<string, string>,
  options: { clock?: FakeClock; interrupt?: Parameters<typeof runInProcess>[1]['interrupt'] } = {}): Promise<StepRun> {
  return runInProcess(STEPS['verify-scale-set'], { env: { ...fake.environment(), ...env }, az: fake.run, http, clock: options.clock, interrupt: options.interrupt });
}

/** Runs the step behind a simulated load balancer; `count` instances expected (those of the load balancer by default). */
async function verifyBehind(fake: InProcessAz, balancer: LoadBalancerOptions, extra: Record<string, string> = {}, count = balancer.instances.length) {
  const lb = fakeLoadBalancer(balancer, URL);
  const result = await verify(fake, lb.client, environment(count, extra));
  return { result, lb };
}

// --- the expected az lines ---------------------------------------------------------------------------------------
const START = STEP_START_CALLS;
const SCALE_SET_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`, `--name=${NAME}`];
const GET_LATEST = ['vmss', 'rolling-upgrade', 'get-latest', ...SCALE_SET_ARGS, '--output', 'json'];
const LIST_INSTANCES = ['vmss', 'list-instances', ...SCALE_SET_ARGS, '--query',
  '[].[instanceId, osProfile.computerName, provisioningState, latestModelApplied, storageProfile.imageReference.exactVersion, location]', '--output', 'json'];
const START_UPGRADE = ['vmss', 'rolling-upgrade', 'start', ...SCALE_SET_ARGS, '--output', 'none'];
const LIST_VERSIONS = ['sig', 'image-version', 'list', `--subscription=${SUBSCRIPTION_ID}`, '--resource-group=rg-gallery', '--gallery-name=gallery_golden',
  '--gallery-image-definition=golden-web', '--output', 'json'];

/** What Azure says when the health probe stops a rolling upgrade. */
const FAULT = {
  code: 'MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade',
  message: 'Maximum allowed percentage of unhealthy upgraded instances (20%) exceeded: 2 of 3 upgraded instances are unhealthy.',
};

/** The step left nothing in TMPDIR (a private az config of a login with the ARM_* variables included). */
function expectClean(fake: InProcessAz): void {
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
}

describe('verify-scale-set: the rolling upgrade and the instances', () => {
  test('first deployment (no rolling upgrade ever ran): every instance seen through the load balancer, in exactly these az calls and lines', async () => {
    const fake = fakeAz(scaleSet(instances(3)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3), pick: 'round-robin' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, GET_LATEST, LIST_INSTANCES]);
    expect(result.stdout.split('\n')).toEqual([
      `[verify-scale-set +0s] scale set vmss-web in resource group rg-web, subscription ${SUBSCRIPTION_ID}: 3 instance(s) expected behind ${URL}; deadline 1200s`,
      '[verify-scale-set +0s] az version: azure-cli 2.74.0',
      '[verify-scale-set +0s] login: using the current az session',
      '[verify-scale-set +0s] rolling upgrade: no rolling upgrade has run on this scale set (a first deployment): nothing to wait for',
      '[verify-scale-set +0s] instances: all 3 provisioned and on the latest model: web000000, web000001, web000002',
      `[verify-scale-set +0s] load balancer: fetching ${URL} until each of the 3 instance(s) has answered with its computer name: batches of 8 request(s), `
        + '8 at a time, each on a new connection',
      '[verify-scale-set +0s] load balancer: batch 1: 8 page(s), 0 failed request(s), 0 page(s) naming none of the instances; 3 of 3 instance(s) seen',
      '[verify-scale-set +0s] load balancer: all 3 instance(s) answered through the load balancer with their computer name (8 request(s) in 1 batch(es))',
      '[verify-scale-set +0s] verified in 0s: 3 instance(s) on the latest model, each answering through the load balancer',
      '',
    ]);
    expect(Object.keys(lb.served).sort()).toEqual(computerNames(3));
    expectClean(fake);
  });

  test('an image upgrade: waits while the rolling upgrade is RollingForward, printing its progress, then checks the upgraded instances', async () => {
    // GIVEN an upgrade that Azure finishes after two more looks; the instances are on the new model only then
    const upgrade: FakeRollingUpgrade = {
      code: 'RollingForward',
      progress: { successfulInstanceCount: 1, failedInstanceCount: 0, inProgressInstanceCount: 1, pendingInstanceCount: 1 },
      pendingShows: 2,
    };
    const fake = fakeAz(scaleSet(instances(3, { latestModelApplied: false }), upgrade));
    // WHEN
    const { result } = await verifyBehind(fake, { instances: computerNames(3), pick: 'round-robin' }, { VERIFY_INTERVAL_SECONDS: '20' });
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, GET_LATEST, GET_LATEST, GET_LATEST, LIST_INSTANCES]);
    const waits = [...result.stdout.matchAll(/\+(\d+)s\] rolling upgrade: RollingForward: 1 succeeded, 0 failed, 1 in progress, 1 pending; waiting, (\d+)s of 1200s/g)];
    expect(waits.map((wait) => [wait[1], wait[2]])).toEqual([['0', '0'], ['20', '20']]);
    expect(result.stdout).toContain('[verify-scale-set +40s] rolling upgrade: the latest rolling upgrade Completed (3 succeeded, 0 failed, 0 in progress, 0 pending)');
    expect(fake.state().scaleSets![`${GROUP}/${NAME}`].instances.every((i) => i.latestModelApplied)).toBe(true);
    expectClean(fake);
  });

  test.each<[string, FakeRollingUpgrade, string]>([
    ['Faulted (the health probe found upgraded instances unhealthy)', {
      code: 'RollingForward',
      pendingShows: 1,
      becomes: { code: 'Faulted', error: FAULT, progress: { successfulInstanceCount: 1, failedInstanceCount: 2, inProgressInstanceCount: 0, pendingInstanceCount: 3 } },
    }, 'the latest rolling upgrade of scale set vmss-web is Faulted: Azure stopped it because the load balancer\'s health probe on the app\'s page found '
      + 'upgraded instances unhealthy (progress: 1 succeeded, 2 failed, 0 in progress, 3 pending). Azure says: MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade: '
      + 'Maximum allowed percentage of unhealthy upgraded instances (20%) exceeded: 2 of 3 upgraded instances are unhealthy.'],
    ['Cancelled', { code: 'Cancelled', progress: { successfulInstanceCount: 2, failedInstanceCount: 0, inProgressInstanceCount: 0, pendingInstanceCount: 4 } },
      'the latest rolling upgrade of scale set vmss-web is Cancelled (az vmss rolling-upgrade cancel, or the portal) before every instance was upgraded '
      + '(progress: 2 succeeded, 0 failed, 0 in progress, 4 pending). The instances'],
  ])('a rolling upgrade %s: exit 10 with Azure\'s error and the fix; the load balancer is not tried', async (_, upgrade, message) => {
    const fake = fakeAz(scaleSet(instances(6, { latestModelApplied: false }), upgrade));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(6) });
    expect(result.code).toBe(10);
    expect(result.stderr).toContain(`ERROR: rolling upgrade: ${message}`);
    expect(result.stderr).toContain('The instances not yet upgraded keep the previous image. Look at `az vmss rolling-upgrade get-latest --resource-group rg-web --name vmss-web` '
      + 'and at the upgraded instances, then fix the image and deploy again, or roll back: deploy again with the previous source image id.');
    expect(fake.commands()).not.toContain('vmss list-instances');
    expect(lb.requests()).toBe(0);
  });

  test('a rolling upgrade still RollingForward at the deadline: exit 4 with its progress, after exactly the timeout', async () => {
    const fake = fakeAz(scaleSet(instances(3, { latestModelApplied: false }), { code: 'RollingForward' }));
    const { result } = await verifyBehind(fake, { instances: computerNames(3) }, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' });
    expect(result.code).toBe(4);
    expect(result.seconds).toBe(300);
    expect(result.stderr).toBe('[verify-scale-set +300s] ERROR: rolling upgrade: after 300s (GOLDEN_VERIFY_TIMEOUT_MINUTES=5), the latest rolling upgrade is still '
      + 'RollingForward (0 succeeded, 0 failed, 0 in progress, 3 pending). Azure goes on with it: look at `az vmss rolling-upgrade get-latest --resource-group rg-web '
      + '--name vmss-web`, then run the deployment again to check again, or give the check more time (verifyTimeoutMinutes of the ImageScaleSet construct).\n');
    expect(result.stdout).toContain('rolling upgrade: RollingForward: 0 succeeded, 0 failed, 0 in progress, 3 pending; waiting, 290s of 300s');
    // A look every VERIFY_INTERVAL_SECONDS (10): at 0, 10, ..., 300.
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade get-latest')).toHaveLength(31);
    expect(fake.commands()).not.toContain('vmss list-instances');
  });

  test('an instance Azure is still creating is waited for', async () => {
    const creating: FakeScaleSetInstance = { computerName: 'web000002', latestModelApplied: true, provisioningState: 'Creating' };
    const fake = fakeAz(scaleSet([...instances(2), creating], null, { pendingLists: 1, thenInstances: instances(3) }));
    const { result } = await verifyBehind(fake, { instances: computerNames(3) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('[verify-scale-set +0s] instances: 1 not provisioned (Succeeded): web000002 (Creating); waiting, 0s of 1200s');
    expect(fake.calls()).toEqual([...START, GET_LATEST, LIST_INSTANCES, GET_LATEST, LIST_INSTANCES]);
  });

  test.each<[string, FakeScaleSetInstance[], string]>([
    ['fewer instances than expected', instances(2), 'the scale set is still not as expected: 2 instance(s), not 3 (GOLDEN_SCALE_SET_INSTANCES). Azure may still be creating'],
    ['more instances than expected', instances(4), 'the scale set is still not as expected: 4 instance(s), not 3 (GOLDEN_SCALE_SET_INSTANCES).'],
    ['instances not on the latest model', [...instances(1), ...instances(3).slice(1).map((i) => ({ ...i, latestModelApplied: false }))],
      'the scale set is still not as expected: 2 not on the latest model: web000001, web000002. Azure may still be creating, deleting or upgrading instances: look at '
      + '`az vmss list-instances --resource-group rg-web --name vmss-web` (a Failed instance needs a repair or a reimage), check that nothing else (autoscale, a manual '
      + 'change) sets the capacity, then run the deployment again.'],
    ['a Failed instance', [...instances(2), { computerName: 'web000002', latestModelApplied: true, provisioningState: 'Failed' }],
      'the scale set is still not as expected: 1 not provisioned (Succeeded): web000002 (Failed). Azure may'],
  ])('%s until the deadline: exit 4 naming them; the load balancer is not tried', async (_, list, message) => {
    const fake = fakeAz(scaleSet(list));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3) }, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5', VERIFY_INTERVAL_SECONDS: '60' }, 3);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('ERROR: instances: after 300s (GOLDEN_VERIFY_TIMEOUT_MINUTES=5), ');
    expect(result.stderr).toContain(message);
    expect(result.stdout).toMatch(/instances: .*; waiting, 240s of 300s/);
    // The rolling upgrade is looked at again at every look: at 0, 60, ..., 300.
    expect(fake.commands().slice(2)).toEqual(Array.from({ length: 6 }, () => ['vmss rolling-upgrade get-latest', 'vmss list-instances']).flat());
    expect(lb.requests()).toBe(0);
  });

  test('a state of the rolling upgrade the step does not know: exit 6 naming it', async () => {
    const fake = fakeAz(scaleSet(instances(1), { code: 'RollingBack' as FakeRollingUpgrade['code'] }));
    const { result } = await verifyBehind(fake, { instances: computerNames(1) });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('rolling upgrade: az vmss rolling-upgrade get-latest reports the state "RollingBack", which this step does not know '
      + '(RollingForward, Completed, Faulted, Cancelled).');
  });

  test('an instance without a computer name: exit 6 before any request', async () => {
    const fake = fakeAz(scaleSet([...instances(1), { computerName: null, latestModelApplied: true, provisioningState: 'Succeeded' }]));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(2) });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('instances: instance "1" has no Windows computer name in az vmss list-instances (osProfile.computerName is null).');
    expect(lb.requests()).toBe(0);
  });

  test('the scale set does not exist: exit 8 with az\'s error', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { resourceGroups: [GROUP] }));
    const result = await verify(fake, fakePages({}).client, environment(1, { GOLDEN_SCALE_SET_NAME: 'vmss-gone' }));
    expect(result.code).toBe(8);
    expect(result.stderr).toContain("  az| ERROR: (ResourceNotFound) The Resource 'Microsoft.Compute/virtualMachineScaleSets/vmss-gone'");
    expect(result.stderr).toContain(`rolling upgrade: az vmss rolling-upgrade get-latest failed: scale set vmss-gone in resource group rg-web (subscription ${SUBSCRIPTION_ID}) was not found`);
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade get-latest')).toHaveLength(1);
  });

  test('transient az errors are retried', async () => {
    const fake = fakeAz(scaleSet(instances(2), null, {}, {
      transient: [{ command: 'vmss rolling-upgrade get-latest', error: '429', times: 1 }, { command: 'vmss list-instances', error: '503', times: 2 }],
    }));
    const { result } = await verifyBehind(fake, { instances: computerNames(2) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('rolling upgrade: transient az failure (attempt 1 of 6): ERROR: (TooManyRequests)');
    expect(result.stdout).toContain('instances: transient az failure (attempt 2 of 6): ERROR: (ServiceUnavailable)');
    expect(fake.commands().slice(2)).toEqual(['vmss rolling-upgrade get-latest', 'vmss rolling-upgrade get-latest', 'vmss list-instances', 'vmss list-instances', 'vmss list-instances']);
  });

  test('not logged in, and no credentials: exit 3, nothing asked of Azure', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { loggedIn: false }));
    const result = await verify(fake, fakePages({}).client, environment(1));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('az is not logged in and no credentials were given. Run `az login`');
    expect(fake.calls()).toEqual(START);
  });

  test('without a subscription, az\'s current one is used', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const { result } = await verifyBehind(fake, { instances: computerNames(1) }, { GOLDEN_SUBSCRIPTION_ID: '' });
    expect(result.code).toBe(0);
    expect(fake.calls().flat().some((arg) => arg.startsWith('--subscription'))).toBe(false);
  });
});

describe('verify-scale-set: through the load balancer', () => {
  test('an instance that never answers (its health probe is down, say): exit 11 naming it, a pause after every batch that saw no one new', async () => {
    const fake = fakeAz(scaleSet(instances(3)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(3), leaveOut: ['web000001'], pick: 'round-robin' }, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' });
    expect(result.code).toBe(11);
    expect(result.seconds).toBe(300);
    expect(result.stderr).toMatch(new RegExp(String.raw`ERROR: load balancer: after 300s \(GOLDEN_VERIFY_TIMEOUT_MINUTES=5\), 1 of 3 instance\(s\) never answered through the `
      + String.raw`load balancer at http://203\.0\.113\.10/: web000001\. Of (\d+) request\(s\), \1 gave a page, 0 of them naming none of the instances, and 0 failed\. `
      + String.raw`Check the NSG rule that lets the app port in, the load balancer rule, the health probe's path \(an instance the probe finds down gets no connections\), `
      + 'and that the app\'s page shows the computer name\\.'));
    expect(lb.served.web000001).toBeUndefined();
    // Batch 1 sees both others; every later batch but the one the deadline ends is followed by a pause of VERIFY_INTERVAL_SECONDS (10).
    const batches = result.stdout.match(/load balancer: batch \d+: \d+ page\(s\)/g) ?? [];
    const pauses = result.stdout.match(/load balancer: no new instance in batch \d+; not yet seen: web000001$/gm) ?? [];
    expect(batches).toHaveLength(32);
    expect(pauses).toHaveLength(30);
    expect(lb.requests()).toBe(32 * 8);
  });

  test('many instances never answering: the first 20 named, and how many more', async () => {
    const names = computerNames(25);
    const fake = fakeAz(scaleSet(instances(25)));
    const { result } = await verifyBehind(fake, { instances: names, leaveOut: names.slice(2) }, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' });
    expect(result.code).toBe(11);
    expect(result.stderr).toContain('23 of 25 instance(s) never answered through the load balancer at http://203.0.113.10/');
    expect(result.stderr).toContain(`: ${names.slice(2, 22).join(', ')} and 3 more. Of `);
  });

  test('a machine outside the scale set answering too (an old VM in the backend pool): reported, as a warning once every instance was seen', async () => {
    const fake = fakeAz(scaleSet(instances(2)));
    const { result } = await verifyBehind(fake, { instances: computerNames(2), strangers: ['web-old01'], pick: 'round-robin' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('load balancer: batch 1: 8 page(s), 0 failed request(s), 2 page(s) naming none of the instances; 2 of 2 instance(s) seen');
    expect(result.stdout).toContain('load balancer: a page naming none of the instances (an error page, or a machine outside the scale set in the backend pool?): '
      + "'Golden image web server Served by WEB-OLD01 '");
    expect(result.stderr).toBe("[verify-scale-set +0s] WARNING: load balancer: 2 of 8 page(s) named none of the scale set's instances (the first: 'Golden image web server "
      + "Served by WEB-OLD01 '). The load balancer may also send connections to a machine outside the scale set (look at its backend pool), or an instance "
      + 'served another page.\n');
  });

  test('only an old machine answers: exit 11, with what it served and the instances never seen', async () => {
    const fake = fakeAz(scaleSet(instances(2)));
    const { result } = await verifyBehind(fake, { instances: computerNames(2), leaveOut: computerNames(2), strangers: ['web-old01'] }, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' });
    expect(result.code).toBe(11);
    expect(result.stderr).toMatch(/2 of 2 instance\(s\) never answered through the load balancer at http:\/\/203\.0\.113\.10\/: web000000, web000001\. Of (\d+) request\(s\), \1 gave a page, \1 of them naming none of the instances \(the first: 'Golden image web server Served by WEB-OLD01 '\), and 0 failed\./);
  });

  test('nothing answering at the URL: exit 11 with the connection error of the first failure', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, fakePages({}).client, environment(1, { GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' }));
    expect(result.code).toBe(11);
    expect(result.stdout).toContain('load balancer: first failure of batch 1: connect ECONNREFUSED 203.0.113.10:80');
    expect(result.stderr).toMatch(/1 of 1 instance\(s\) never answered through the load balancer at http:\/\/203\.0\.113\.10\/: web000000\. Of (\d+) request\(s\), 0 gave a page, 0 of them naming none of the instances, and \1 failed \(the first: connect ECONNREFUSED 203\.0\.113\.10:80\)/);
  });

  test('error pages count as failed requests (as curl --fail), not as pages', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const pages = fakePages({ [URL]: (n) => (n <= 8 ? { kind: 'answer', status: 502, statusText: 'Bad Gateway', body: '<h1>web000000 is down</h1>' } : { kind: 'answer', status: 200, statusText: 'OK', body: 'WEB000000' }) });
    const result = await verify(fake, pages.client, environment(1));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('load balancer: batch 1: 0 page(s), 8 failed request(s), 0 page(s) naming none of the instances; 0 of 1 instance(s) seen');
    expect(result.stdout).toContain('load balancer: first failure of batch 1: HTTP 502 Bad Gateway');
    expect(result.stdout).toContain('[verify-scale-set +10s] load balancer: batch 2: 8 page(s)');
  });

  test('300 instances behind a load balancer that spreads connections at random: all seen within a few batches of 600', async () => {
    const fake = fakeAz(scaleSet(instances(300)));
    const { result, lb } = await verifyBehind(fake, { instances: computerNames(300) });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('batches of 600 request(s), 32 at a time, each on a new connection');
    expect(result.stdout).toContain('instances: all 300 provisioned and on the latest model: web000000, web000001,');
    expect(result.stdout).toContain(', web00000j and 280 more');
    expect(Object.keys(lb.served)).toHaveLength(300);
    // About N*ln(N) = 1711 requests are needed; a batch is 600, each one whole.
    expect(lb.requests() % 600).toBe(0);
    expect(lb.requests()).toBeLessThanOrEqual(600 * 8);
  });
});

describe('verify-scale-set: the rollout of a gallery definition\'s latest (automatic OS image upgrades)', () => {
  const version = (name: string, extra: Partial<FakeGalleryVersion> = {}): FakeGalleryVersion => ({
    name, provisioningState: 'Succeeded', excludeFromLatest: false, targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }], ...extra,
  });
  /** A scale set on the definition's latest, its instances on `on`, its last rolling upgrade Completed (to the version before). */
  function onLatest(versions: FakeGalleryVersion[], on: string | undefined, extra: Partial<FakeScaleSet> = {},
    list = instances(3, { version: on })): Partial<FakeAzState> {
    return {
      ...scaleSet(list, { code: 'Completed' }, { galleryImage: DEFINITION, ...extra }),
      galleryImages: { [DEFINITION]: versions },
    };
  }
  const rollout = (extra: Record<string, string> = {}) => environment(3, { GOLDEN_SCALE_SET_GALLERY_IMAGE: DEFINITION_ID, ...extra });
  const lb = () => fakeLoadBalancer({ instances: computerNames(3), pick: 'round-robin' }, URL).client;

  test('instances left on the old version after a promote: a rolling upgrade is started exactly once, said so, and the verification passes after it', async () => {
    // GIVEN version NEW promoted (latest now), the instances still on OLD, and no rolling upgrade for it (Azure started none)
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD));
    // WHEN
    const result = await verify(fake, lb(), rollout());
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, GET_LATEST, LIST_INSTANCES, LIST_VERSIONS, START_UPGRADE, GET_LATEST, GET_LATEST, LIST_INSTANCES]);
    expect(fake.state().rollingUpgradesStarted).toBe(1);
    const lines = result.stdout.split('\n').filter((line) => /\] (rolling upgrade|instances):/.test(line));
    expect(lines).toEqual([
      '[verify-scale-set +0s] rolling upgrade: the latest rolling upgrade Completed (3 succeeded, 0 failed, 0 in progress, 0 pending)',
      `[verify-scale-set +0s] rolling upgrade: 3 of 3 instance(s) do not run version ${NEW}, the latest of gallery_golden/golden-web (web000000 on ${OLD}, `
        + `web000001 on ${OLD}, web000002 on ${OLD}), and no rolling upgrade runs for it: starting one (az vmss rolling-upgrade start). Azure starts its automatic `
        + 'OS image upgrade when a version is published and replicated, not when a version published excluded from latest becomes latest later.',
      `[verify-scale-set +0s] rolling upgrade: started, to move the instances to version ${NEW}`,
      '[verify-scale-set +0s] rolling upgrade: RollingForward: 0 succeeded, 0 failed, 0 in progress, 3 pending; waiting, 0s of 1200s',
      '[verify-scale-set +10s] rolling upgrade: the latest rolling upgrade Completed (3 succeeded, 0 failed, 0 in progress, 0 pending)',
      `[verify-scale-set +10s] instances: all 3 provisioned and on the latest model and on version ${NEW}, the latest of gallery_golden/golden-web: `
        + 'web000000, web000001, web000002',
    ]);
    expect(fake.state().scaleSets![`${GROUP}/${NAME}`].instances.map((i) => i.version)).toEqual([NEW, NEW, NEW]);

    // AND a rerun (the same state) starts none: the instances are on the latest now
    fake.clearLog();
    const rerun = await verify(fake, lb(), rollout());
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, GET_LATEST, LIST_INSTANCES, LIST_VERSIONS]);
    expect(fake.state().rollingUpgradesStarted).toBe(1);
  });

  test('a rerun while the started upgrade still runs: waited for, no second one', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD, { startedUpgradeShows: 1000 }));
    const first = await verify(fake, lb(), rollout({ GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' }));
    expect(first.code).toBe(4);
    expect(first.stderr).toContain('the latest rolling upgrade is still RollingForward (0 succeeded, 0 failed, 0 in progress, 3 pending)');
    const rerun = await verify(fake, lb(), rollout({ GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' }));
    expect(rerun.code).toBe(4);
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade start')).toHaveLength(1);
    expect(fake.state().rollingUpgradesStarted).toBe(1);
  });

  test('an instance the started upgrade leaves on the old version: no second start; exit 4 at the deadline naming it', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD, { upgradeLeavesBehind: ['web000002'] }));
    const result = await verify(fake, lb(), rollout({ GOLDEN_VERIFY_TIMEOUT_MINUTES: '5' }));
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`ERROR: instances: after 300s (GOLDEN_VERIFY_TIMEOUT_MINUTES=5), the scale set is still not as expected: 1 not on version ${NEW}, `
      + `the latest of gallery_golden/golden-web: web000002 (on ${OLD}). Azure may still be creating, deleting or upgrading instances`);
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade start')).toHaveLength(1);
  });

  test('Azure started the rollout itself: waited for, none started', async () => {
    const fake = fakeAz({
      ...onLatest([version(OLD), version(NEW)], OLD),
      ...scaleSet(instances(3, { version: OLD }), { code: 'RollingForward', pendingShows: 2, targetVersion: NEW }, { galleryImage: DEFINITION }),
    });
    const result = await verify(fake, lb(), rollout());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.commands()).not.toContain('vmss rolling-upgrade start');
    expect(fake.state().rollingUpgradesStarted).toBeUndefined();
    expect(result.stdout).toContain(`instances: all 3 provisioned and on the latest model and on version ${NEW}, the latest of gallery_golden/golden-web`);
  });

  test('Azure starts its own between the step\'s look and its start: the refused start is not an error, its upgrade is waited for', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD, { platformStartsAfterLists: 0 }));
    const result = await verify(fake, lb(), rollout());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('rolling upgrade: az vmss rolling-upgrade start failed (ERROR: (OperationNotAllowed) Rolling upgrade of virtual machine scale set '
      + "'vmss-web' cannot be started: a rolling upgrade is already in progress. (simulated message)), but a rolling upgrade runs now (Azure started its own): waiting for it");
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade start')).toHaveLength(1);
    expect(fake.state().rollingUpgradesStarted).toBeUndefined();
    expect(fake.state().scaleSets![`${GROUP}/${NAME}`].instances.map((i) => i.version)).toEqual([NEW, NEW, NEW]);
  });

  test('instances already on the latest: nothing started', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], NEW));
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(0);
    expect(fake.calls()).toEqual([...START, GET_LATEST, LIST_INSTANCES, LIST_VERSIONS]);
  });

  test('the newest version still excluded from latest (published, not promoted): latest is the one before, nothing started', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW, { excludeFromLatest: true }), version('2026.1201.130000', { provisioningState: 'Failed' })], OLD));
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(0);
    expect(fake.commands()).not.toContain('vmss rolling-upgrade start');
    expect(result.stdout).toContain(`instances: all 3 provisioned and on the latest model and on version ${OLD}, the latest of gallery_golden/golden-web`);
  });

  test('latest ordered by Major, Minor, Patch as numbers, not as text', async () => {
    const fake = fakeAz(onLatest([version('2026.1201.99999'), version('2026.1201.100000')], '2026.1201.99999'));
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(0);
    expect(fake.state().rollingUpgradesStarted).toBe(1);
    expect(result.stdout).toContain('do not run version 2026.1201.100000');
  });

  test('the latest not replicated to the scale set\'s region: said so, nothing started, the check passes on the old version', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW, { targetRegions: [{ name: 'northeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }] })], OLD));
    const result = await verify(fake, lb(), rollout());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`rolling upgrade: version ${NEW}, the latest of gallery_golden/golden-web, is not replicated to westeurope, the scale set's region: `
      + 'Azure rolls out no version before it is replicated there, so the instances stay as they are');
    expect(fake.commands()).not.toContain('vmss rolling-upgrade start');
    expect(result.stdout).toContain('instances: all 3 provisioned and on the latest model: web000000');
  });

  test('no upgrade is started while the scale set is still changing; once settled, it is', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD, { pendingLists: 1, thenInstances: instances(3, { version: OLD }) },
      instances(2, { version: OLD })));
    const result = await verify(fake, lb(), rollout());
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.commands().slice(2, 8)).toEqual(['vmss rolling-upgrade get-latest', 'vmss list-instances', 'sig image-version list',
      'vmss rolling-upgrade get-latest', 'vmss list-instances', 'vmss rolling-upgrade start']);
    expect(result.stdout).toContain(`instances: 2 instance(s), not 3 (GOLDEN_SCALE_SET_INSTANCES); 2 not on version ${NEW}, the latest of gallery_golden/golden-web: `
      + `web000000 (on ${OLD}), web000001 (on ${OLD}); waiting, 0s of 1200s`);
  });

  test('instances whose image version Azure does not show: said so, nothing started', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], undefined));
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('rolling upgrade: az vmss list-instances shows no image version (storageProfile.imageReference.exactVersion) for 3 instance(s) '
      + `(web000000, web000001, web000002): whether they run ${NEW} cannot be told, so no rolling upgrade is started for them`);
    expect(fake.commands()).not.toContain('vmss rolling-upgrade start');
  });

  test('the start refused, and no upgrade running: exit 6 with az\'s error', async () => {
    const fake = fakeAz({ ...onLatest([version(OLD), version(NEW)], OLD), faults: [{ command: 'vmss rolling-upgrade start', fault: 'authorization' }] });
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
    expect(result.stderr).toContain('ERROR: rolling upgrade: az vmss rolling-upgrade start failed. The instances stay on their version. Check that the identity may start '
      + 'a rolling upgrade of the scale set (Microsoft.Compute/virtualMachineScaleSets/osRollingUpgrade/action), then run the deployment again.');
  });

  test('the gallery definition does not exist: exit 8 naming it', async () => {
    const fake = fakeAz({ ...onLatest([], OLD), galleryImages: {}, resourceGroups: ['rg-gallery'] });
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(8);
    expect(result.stderr).toContain('  az| ERROR: (ParentResourceNotFound)');
    expect(result.stderr).toContain('rolling upgrade: az sig image-version list failed: gallery image definition gallery_golden/golden-web in resource group rg-gallery '
      + `(subscription ${SUBSCRIPTION_ID}), whose latest the scale set follows (GOLDEN_SCALE_SET_GALLERY_IMAGE), was not found.`);
  });

  test('no version latest at all: said so once, nothing started', async () => {
    // GIVEN a scale set that needs a second look (an instance still being created)
    const fake = fakeAz(onLatest([version(OLD, { excludeFromLatest: true })], OLD, { pendingLists: 1, thenInstances: instances(3, { version: OLD }) },
      instances(2, { version: OLD })));
    const result = await verify(fake, lb(), rollout());
    expect(result.code).toBe(0);
    // The versions are read once per run.
    expect(fake.commands().filter((c) => c === 'sig image-version list')).toHaveLength(1);
    expect(result.stdout).toContain('rolling upgrade: no version of gallery image gallery_golden/golden-web is latest (none has succeeded without being excluded from '
      + 'latest): nothing to roll out');
  });

  test('without GOLDEN_SCALE_SET_GALLERY_IMAGE (no automatic OS upgrades), the versions are not looked at', async () => {
    const fake = fakeAz(onLatest([version(OLD), version(NEW)], OLD));
    const result = await verify(fake, lb(), environment(3));
    expect(result.code).toBe(0);
    expect(fake.commands()).not.toContain('sig image-version list');
    expect(fake.commands()).not.toContain('vmss rolling-upgrade start');
  });
});

describe('verify-scale-set: the faults every step shares', () => {
  test('az killed at `az account show`: exit 3, reported as broken, no login tried with the ARM_* credentials', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, faults: [{ command: 'account show', fault: 'killed' }] }));
    const result = await verify(fake, fakePages({}).client, { ...environment(1), ...SERVICE_PRINCIPAL_VARIABLES });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: login: az account show: the Azure CLI is installed but crashes: az was killed by SIGKILL (exit status 137)');
    expect(result.stderr).not.toMatch(/not logged in|az login --service-principal/);
    expect(fake.commands()).toEqual(['version', 'account show']);
    expect(fake.state().logins).toBeUndefined();
  });

  test.each<[AzFault, string]>([
    ['expired-authentication-token', '(ExpiredAuthenticationToken) The access token has expired.'],
    ['refresh-token-expired', 'AADSTS700082: The refresh token has expired due to inactivity.'],
  ])('the session expires (%s) at get-latest: exit 3 (log in again), not retried', async (fault, quote) => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { faults: [{ command: 'vmss rolling-upgrade get-latest', fault }] }));
    const result = await verify(fake, fakePages({}).client, environment(1));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('ERROR: rolling upgrade: az vmss rolling-upgrade get-latest failed: the az session expired during the run: Azure refused its token (');
    expect(result.stderr).toContain(quote);
    expect(fake.commands().filter((c) => c === 'vmss rolling-upgrade get-latest')).toHaveLength(1);
    expect(result.stdout).not.toContain('transient az failure');
  });

  test('az vmss list-instances lacking a Python module: exit 3 naming it; never retried', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { faults: [{ command: 'vmss list-instances', fault: 'missing-module' }] }));
    const result = await verify(fake, fakePages({}).client, environment(1));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("instances: az vmss list-instances: the Azure CLI is installed but crashes: ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'");
    expect(result.stderr).toContain('This installation lacks the Python module azure.mgmt.compute.v2022_11_01 that `az vmss list-instances` needs');
    expect(result.stderr).not.toContain('Check that the identity may read the scale set');
    expect(fake.commands().filter((c) => c === 'vmss list-instances')).toHaveLength(1);
  });

  test('SIGHUP while az get-latest runs (logged in with the ARM_* variables): exit 129, az stopped, the private az config removed', async () => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL, hang: ['vmss rolling-upgrade get-latest'] }));
    const result = await verify(fake, fakePages({}).client, { ...environment(1), ...SERVICE_PRINCIPAL_VARIABLES },
      { interrupt: { signal: 'SIGHUP', when: (call) => call.args.join(' ').startsWith('vmss rolling-upgrade get-latest') } });
    expect(result.code).toBe(129);
    expect(result.stderr).toContain('ERROR: interrupted by SIGHUP during rolling upgrade (the terminal or SSH session that ran the deployment was closed?). '
      + 'The check changes nothing in Azure, but for a rolling upgrade it started (said so above), which Azure carries on; Terraform taints a resource whose '
      + 'provisioner failed, so the next deployment runs it again.');
    expect(fake.hanging()).toEqual([]);
    expect(fake.state().logins).toHaveLength(1);
    expectClean(fake);
  });

  test.each(['does not exist', 'is not a directory'])('TMPDIR %s, with a login by the ARM_* variables: exit 12 before the login', async (problem) => {
    const fake = fakeAz(scaleSet(instances(1), null, {}, { loggedIn: false, servicePrincipal: SERVICE_PRINCIPAL }));
    const tmp = `${fake.directory}/${problem === 'does not exist' ? 'no-such-directory' : 'a-file'}`;
    if (problem === 'is not a directory') {
      fs.writeFileSync(tmp, '');
    }
    const result = await verify(fake, fakePages({}).client, { ...environment(1), ...SERVICE_PRINCIPAL_VARIABLES, TMPDIR: tmp });
    expect(result.code).toBe(12);
    expect(result.stderr).toContain(`TMPDIR=${JSON.stringify(tmp)} ${problem}`);
    expect(fake.commands()).toEqual(['version', 'account show']);
  });
});

describe('verify-scale-set input validation: exit 2 naming the variable and the value, and no az call', () => {
  test.each<[string, string, string]>([
    ['GOLDEN_SUBSCRIPTION_ID', 'prod', 'GOLDEN_SUBSCRIPTION_ID must be a subscription id (a GUID); got "prod".'],
    ['GOLDEN_SCALE_SET_RESOURCE_GROUP', '', 'GOLDEN_SCALE_SET_RESOURCE_GROUP must be an Azure resource group name (1-90 letters, digits, _ - . ( ), not ending in a period); got "".'],
    ['GOLDEN_SCALE_SET_RESOURCE_GROUP', 'rg$(touch pwned)', 'GOLDEN_SCALE_SET_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_SCALE_SET_NAME', '', 'GOLDEN_SCALE_SET_NAME must be a scale set name (1-64 letters, digits, hyphens, underscores and periods, starting with a letter or digit); got "".'],
    ['GOLDEN_SCALE_SET_NAME', '-vmss', 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_NAME', 'vmss web', 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_NAME', 'v'.repeat(65), 'GOLDEN_SCALE_SET_NAME must be a scale set name'],
    ['GOLDEN_SCALE_SET_URL', '', 'GOLDEN_SCALE_SET_URL must be an http(s) URL with a host name or IPv4 address, without spaces, quotes, brackets or braces, such as http://203.0.113.10/; got "".'],
    ['GOLDEN_SCALE_SET_URL', 'ftp://203.0.113.10/', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/a b', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/"', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', "http://203.0.113.10/'", 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10/{a,b}', 'GOLDEN_SCALE_SET_URL must be an http(s) URL'],
    ['GOLDEN_SCALE_SET_URL', 'http://203.0.113.10:70000/', 'GOLDEN_SCALE_SET_URL must have a port between 1 and 65535; got "http://203.0.113.10:70000/".'],
    ['GOLDEN_SCALE_SET_INSTANCES', '', 'GOLDEN_SCALE_SET_INSTANCES must be a whole number; got "". It comes from the ImageScaleSet construct\'s props (count)'],
    ['GOLDEN_SCALE_SET_INSTANCES', '03', 'GOLDEN_SCALE_SET_INSTANCES must be a whole number; got "03".'],
    ['GOLDEN_SCALE_SET_INSTANCES', '0', 'GOLDEN_SCALE_SET_INSTANCES must be between 1 and 1000; got 0.'],
    ['GOLDEN_SCALE_SET_INSTANCES', '1001', 'GOLDEN_SCALE_SET_INSTANCES must be between 1 and 1000; got 1001.'],
    ['GOLDEN_VERIFY_TIMEOUT_MINUTES', '30m', 'GOLDEN_VERIFY_TIMEOUT_MINUTES must be a whole number; got "30m". It comes from the ImageScaleSet construct\'s props (verifyTimeoutMinutes)'],
    ['GOLDEN_VERIFY_TIMEOUT_MINUTES', '4', 'GOLDEN_VERIFY_TIMEOUT_MINUTES must be between 5 and 480; got 4.'],
    ['VERIFY_INTERVAL_SECONDS', '0', 'VERIFY_INTERVAL_SECONDS must be between 1 and 3600; got 0.'],
    ['VERIFY_INTERVAL_SECONDS', 'ten', 'VERIFY_INTERVAL_SECONDS must be a whole number; got "ten".'],
    ['VERIFY_REQUEST_SECONDS', '601', 'VERIFY_REQUEST_SECONDS must be between 1 and 600; got 601.'],
    ['GOLDEN_POLL_SECONDS', '0', 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0.'],
    ['GOLDEN_RETRY_MAX_ATTEMPTS', '21', 'GOLDEN_RETRY_MAX_ATTEMPTS must be between 1 and 20; got 21.'],
    ['GOLDEN_SCALE_SET_GALLERY_IMAGE', `${DEFINITION_ID}/versions/1.0.0`, 'GOLDEN_SCALE_SET_GALLERY_IMAGE must be the resource id of a gallery image definition'],
    ['GOLDEN_SCALE_SET_GALLERY_IMAGE', DEFINITION_ID.replace('gallery_golden', 'gallery golden'), 'GOLDEN_SCALE_SET_GALLERY_IMAGE must be the resource id of a gallery image definition'],
  ])('%s=%j', async (variable, value, message) => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, fakePages({}).client, { ...environment(1), [variable]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
    expect(fake.calls()).toEqual([]);
  });

  test('GOLDEN_SCALE_SET_URL longer than 2048 characters', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const result = await verify(fake, fakePages({}).client, environment(1, { GOLDEN_SCALE_SET_URL: `http://203.0.113.10/${'a'.repeat(2030)}` }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GOLDEN_SCALE_SET_URL must be at most 2048 characters; got 2050.');
    expect(fake.calls()).toEqual([]);
  });

  test('URLs that pass: a host name, a port, a path and a query; a gallery definition id in any case of its fixed parts', async () => {
    for (const url of ['http://203.0.113.10', 'https://web.example.com:8443/health/page.aspx?probe=1&x=a%20b', 'http://203.0.113.10:8080/']) {
      const fake = fakeAz({ loggedIn: false });
      const result = await verify(fake, fakePages({}).client, environment(1, { GOLDEN_SCALE_SET_URL: url, GOLDEN_SCALE_SET_GALLERY_IMAGE: DEFINITION_ID.replace('resourceGroups', 'resourcegroups') }));
      // Past validation: stopped at the login.
      expect({ url, code: result.code }).toEqual({ url, code: 3 });
    }
  });

  test('the construct writes exactly the inputs the step reads', () => {
    const written = verifyScaleSetEnvironment({
      subscriptionId: 's', resourceGroup: 'g', scaleSetName: 'n', url: 'u', instances: '1', timeoutMinutes: '60', galleryImageId: 'i',
    });
    expect(Object.keys(written).sort()).toEqual(['GOLDEN_SUBSCRIPTION_ID', SCALE_SET_GALLERY_IMAGE.env, SCALE_SET_INSTANCES.env, SCALE_SET_NAME.env,
      SCALE_SET_RESOURCE_GROUP.env, SCALE_SET_URL.env, SCALE_SET_VERIFY_TIMEOUT_MINUTES.env].sort());
    expect(SCALE_SET_VERIFY_TIMEOUT_MINUTES).toMatchObject({ env: 'GOLDEN_VERIFY_TIMEOUT_MINUTES', prop: 'verifyTimeoutMinutes', min: 5, max: 480, default: 60 });
  });
});

describe('verify-scale-set with Node\'s own HTTP client against a stand-in load balancer on loopback', () => {
  test('each request on a new connection: every instance seen, one request per connection', async () => {
    const fake = fakeAz(scaleSet(instances(4)));
    const clock = new FakeClock();
    await withLoadBalancer({ instances: computerNames(4) }, async (server) => {
      const http = (request: PageRequest) => clock.whileBusy(nodeHttpClient(request));
      const result = await verify(fake, http, environment(4, { GOLDEN_SCALE_SET_URL: server.url }), { clock });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(Object.keys(server.served).sort()).toEqual(computerNames(4));
      expect(server.connections).toBe(server.requests);
      expect(server.requests % 8).toBe(0);
    });
  });

  test('batch after batch, never a connection used twice (a kept-alive one would always reach the same instance)', async () => {
    const fake = fakeAz(scaleSet(instances(2)));
    const clock = new FakeClock();
    await withLoadBalancer({ instances: computerNames(2), leaveOut: ['web000001'] }, async (server) => {
      const result = await verify(fake, (request) => clock.whileBusy(nodeHttpClient(request)),
        environment(2, { GOLDEN_SCALE_SET_URL: server.url, GOLDEN_VERIFY_TIMEOUT_MINUTES: '5', VERIFY_INTERVAL_SECONDS: '60' }), { clock });
      expect(result.code).toBe(11);
      // Batches at 0, 0, 60, ..., 300 s: 7 of 8 requests.
      expect(server.requests).toBe(7 * 8);
      expect(server.connections).toBe(server.requests);
    });
  });

  test('SIGTERM while a batch waits for answers: exit 143 at once, the requests ended', async () => {
    const fake = fakeAz(scaleSet(instances(1)));
    const clock = new FakeClock();
    let firstRequest: () => void = () => undefined;
    const requested = new Promise<void>((resolve) => { firstRequest = resolve; });
    const started = Date.now();
    await withServer(() => firstRequest(), async (server) => {
      const result = await verify(fake, (request) => clock.whileBusy(nodeHttpClient(request)),
        environment(1, { GOLDEN_SCALE_SET_URL: server.url, VERIFY_REQUEST_SECONDS: '30' }), { clock, interrupt: { signal: 'SIGTERM', at: requested } });
      expect(result.code).toBe(143);
      expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during load balancer. The check changes nothing in Azure');
      expect(server.requests).toBeGreaterThanOrEqual(1);
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
