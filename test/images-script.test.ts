/**
 * Runs lib/scripts/operator/images.sh (capture, delete-all) as Terraform's local-exec does, from a stack directory,
 * against the simulated az of test/fake-az and its managed images per resource group.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { FakeAz, fakeAzFixture, FakeImage, RunResult, runShellCommand, SUBSCRIPTION_ID } from './util/fake-az';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const LINE = 'golden-web';
const GROUP = 'rg-images';
const REVISION = '20261201120000';
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/disks/vm-golden-os`;

jest.setTimeout(90_000);

/** A generalized, deallocated build VM (what capture runs after) and the given images. */
const { fakeAz, layout: stack } = fakeAzFixture(SCRIPTS_DIRECTORY, {
  power: 'deallocated', osState: 'generalized', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', images: { [GROUP]: [] },
});

function lineEnvironment(): Record<string, string> {
  return { GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_IMAGE_RESOURCE_GROUP: GROUP, GOLDEN_IMAGE_NAME: LINE };
}

function captureEnvironment(): Record<string, string> {
  return {
    ...lineEnvironment(),
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_SOURCE_ID: VM_ID,
    GOLDEN_IMAGE_LOCATION: 'westeurope',
    GOLDEN_HYPERV_GENERATION: 'V2',
  };
}

function run(fake: FakeAz, action: string, environment: Record<string, string>): Promise<RunResult> {
  return runShellCommand(stack().command('images.sh', action), {
    cwd: stack().directory,
    env: { ...fake.environment(), ...FAST, ...environment },
    timeoutMs: 80_000,
  });
}

const capture = (fake: FakeAz, extra: Record<string, string> = {}) => run(fake, 'capture', { ...captureEnvironment(), ...extra });
const deleteAll = (fake: FakeAz, extra: Record<string, string> = {}) => run(fake, 'delete-all', { ...lineEnvironment(), ...extra });

/** An image of a line, as images.sh tags it. */
function lineImage(line: string, revision: string): FakeImage {
  return { name: `${line}-${revision}`, tags: { 'golden-image-name': line, 'golden-image-revision': revision } };
}

/** Revisions a month apart, oldest first. */
function revisions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `2026${String(i + 1).padStart(2, '0')}01120000`);
}

/** Images beside the line that no run may touch: another line (older and newer), an untagged image, one of the line without a revision. */
const BYSTANDERS: FakeImage[] = [
  lineImage('golden-api', '20250101000000'),
  lineImage('golden-api', '20270101000000'),
  { name: 'hand-made', tags: null },
  { name: 'golden-web-manual', tags: { 'golden-image-name': LINE } },
];

const GROUP_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`];
const LIST = ['image', 'list', ...GROUP_ARGS, '--query', `[?tags."golden-image-name"=='${LINE}'].[tags."golden-image-revision", name]`, '-o', 'tsv'];
const CREATE = ['image', 'create', ...GROUP_ARGS, `--name=${LINE}-${REVISION}`, `--source=${VM_ID}`, '--location=westeurope', '--hyper-v-generation=V2',
  '--tags', `golden-image-name=${LINE}`, `golden-image-revision=${REVISION}`];
const DELETE = (name: string) => ['image', 'delete', ...GROUP_ARGS, `--name=${name}`, '-o', 'none'];

function imageNames(fake: FakeAz, group = GROUP): string[] {
  return (fake.state().images?.[group] ?? []).map((image) => image.name);
}

describe('images.sh capture', () => {
  test.concurrent('captures the build from the VM with the line\'s tags, in exactly these calls', async () => {
    const fake = fakeAz();
    const result = await capture(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([['account', 'show', '-o', 'none'], LIST, [...CREATE, '-o', 'none']]);
    const [image] = fake.state().images![GROUP];
    expect(image).toMatchObject({
      name: `${LINE}-${REVISION}`,
      location: 'westeurope',
      hyperVGeneration: 'V2',
      sourceVirtualMachine: { id: VM_ID },
      tags: { 'golden-image-name': LINE, 'golden-image-revision': REVISION },
    });
    expect(result.stdout).toMatch(/\[images \+\d+s\] capture: golden-web-20261201120000 created/);
    expect(result.stdout).toContain('prune: 1 image(s) in line golden-web, keeping all (at most 3)');
  });

  test.concurrent('user tags (one per line of GOLDEN_IMAGE_TAGS) and a storage SKU are passed on', async () => {
    const fake = fakeAz();
    const result = await capture(fake, { GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web=1\n', GOLDEN_STORAGE_SKU: 'StandardSSD_LRS' });
    expect(result.code).toBe(0);
    expect(fake.calls()[2]).toEqual([...CREATE, 'env=prod', 'owner=team web=1', '--storage-sku=StandardSSD_LRS', '-o', 'none']);
    expect(fake.state().images![GROUP][0].tags).toEqual({ 'golden-image-name': LINE, 'golden-image-revision': REVISION, 'env': 'prod', 'owner': 'team web=1' });
  });

  test.concurrent('user tags cannot take over the line\'s own tags (the image would escape pruning and delete-all)', async () => {
    const fake = fakeAz();
    for (const tag of ['golden-image-name=other-line', 'Golden-Image-Revision=29991231235959']) {
      const result = await capture(fake, { GOLDEN_IMAGE_TAGS: `env=prod\n${tag}` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/GOLDEN_IMAGE_TAGS .*golden-image-name and golden-image-revision/);
    }
    expect(fake.calls()).toEqual([]);
  });

  test.concurrent('from a managed OS disk: --os-type is added (az needs it for a disk)', async () => {
    const fake = fakeAz({ disks: [DISK_ID] });
    const result = await capture(fake, { GOLDEN_SOURCE_ID: DISK_ID, GOLDEN_STORAGE_SKU: 'Premium_LRS' });
    expect(result.code).toBe(0);
    expect(fake.calls()[2]).toEqual(['image', 'create', ...GROUP_ARGS, `--name=${LINE}-${REVISION}`, `--source=${DISK_ID}`, '--location=westeurope',
      '--hyper-v-generation=V2', '--tags', `golden-image-name=${LINE}`, `golden-image-revision=${REVISION}`, '--os-type=Windows', '--storage-sku=Premium_LRS', '-o', 'none']);
    expect(fake.state().images![GROUP][0].storageProfile!.osDisk).toMatchObject({ osType: 'Windows', managedDisk: { id: DISK_ID }, storageAccountType: 'Premium_LRS' });
  });

  test.concurrent('a rerun after a capture does not create the image again', async () => {
    const fake = fakeAz();
    expect((await capture(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await capture(fake);
    expect(rerun.code).toBe(0);
    expect(fake.calls()).toEqual([['account', 'show', '-o', 'none'], LIST]);
    expect(rerun.stdout).toContain('capture: golden-web-20261201120000 exists already (an earlier run captured it): not capturing it again');
    expect(fake.state().imagesCreated).toEqual([`${LINE}-${REVISION}`]);
    expect(fake.state().imagesRecreated).toBeUndefined();
  });

  describe('pruning to the newest GOLDEN_RETAIN_BUILDS', () => {
    const cases: Array<[number, number]> = [];
    for (let existing = 0; existing <= 5; existing++) {
      for (let retain = 1; retain <= 3; retain++) {
        cases.push([existing, retain]);
      }
    }
    test.concurrent.each(cases)('%i earlier image(s), retain %i: the oldest go first, never the new one, nothing else touched', async (existing, retain) => {
      // GIVEN earlier builds of the line, listed in no particular order, and images of other lines
      const earlier = revisions(existing);
      const fake = fakeAz({ images: { [GROUP]: [...BYSTANDERS, ...[...earlier].reverse().map((r) => lineImage(LINE, r))] } });
      // WHEN
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: String(retain) });
      // THEN
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const all = [...earlier, REVISION].map((r) => `${LINE}-${r}`);
      const deleted = all.slice(0, Math.max(0, all.length - retain));
      expect(fake.calls().slice(3)).toEqual(deleted.map(DELETE));
      expect(imageNames(fake).sort()).toEqual([...BYSTANDERS.map((i) => i.name), ...all.slice(all.length - Math.min(retain, all.length))].sort());
    });

    test.concurrent('a build older than the ones kept (a rerun of an old revision) is still never deleted', async () => {
      const newer = ['20270101000000', '20270201000000', '20270301000000'];
      const fake = fakeAz({ images: { [GROUP]: newer.map((r) => lineImage(LINE, r)) } });
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: '2' });
      expect(result.code).toBe(0);
      expect(imageNames(fake)).toContain(`${LINE}-${REVISION}`);
      expect(fake.state().imagesDeleted).toEqual([`${LINE}-20270101000000`]);
    });
  });

  describe('failures', () => {
    test.concurrent('transient errors of list, create and delete are retried, with one image created', async () => {
      const fake = fakeAz({
        images: { [GROUP]: revisions(3).map((r) => lineImage(LINE, r)) },
        transient: [
          { command: 'image list', error: '429', times: 1 },
          { command: 'image create', error: '500', times: 2 },
          { command: 'image delete', error: 'connection', times: 1 },
        ],
      });
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: '2' });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/list: transient az failure \(attempt 1 of 6\): ERROR: \(TooManyRequests\)/);
      expect(result.stdout).toMatch(/capture: transient az failure \(attempt 2 of 6\): ERROR: \(InternalServerError\)/);
      expect(result.stdout).toMatch(/delete: transient az failure \(attempt 1 of 6\): ERROR: HTTPSConnectionPool/);
      expect(fake.state().imagesCreated).toEqual([`${LINE}-${REVISION}`]);
      expect(fake.state().imagesDeleted).toEqual(revisions(2).map((r) => `${LINE}-${r}`));
    });

    test.concurrent('a source VM that is gone: exit 8, nothing retried', async () => {
      const fake = fakeAz({ deleted: 'vm' });
      const result = await capture(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceNotFound)');
      expect(result.stderr).toContain(`capture: az image create failed: the source of image line ${LINE} or resource group ${GROUP}`);
      expect(imageNames(fake)).toEqual([]);
    });

    test.concurrent('an image resource group that does not exist: exit 8', async () => {
      const fake = fakeAz({ images: {} });
      const result = await capture(fake, { GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-nowhere' });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceGroupNotFound)');
    });

    test.concurrent('a source VM that is not generalized: exit 6 with az\'s error', async () => {
      const fake = fakeAz({ power: 'running', osState: 'specialized' });
      const result = await capture(fake);
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('  az| ERROR: (OperationNotAllowed)');
      expect(result.stderr).toContain('A managed image needs a generalized source of the Standard security type');
    });
  });
});

describe('images.sh delete-all', () => {
  test.concurrent('deletes every image of the line, oldest first, and nothing else', async () => {
    const fake = fakeAz({ images: { [GROUP]: [...BYSTANDERS, ...revisions(3).reverse().map((r) => lineImage(LINE, r))], other: [lineImage(LINE, '20260101000000')] } });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([['account', 'show', '-o', 'none'], LIST, ...revisions(3).map((r) => DELETE(`${LINE}-${r}`))]);
    expect(imageNames(fake).sort()).toEqual(BYSTANDERS.map((i) => i.name).sort());
    expect(imageNames(fake, 'other')).toEqual([`${LINE}-20260101000000`]);
    expect(result.stdout).toContain('delete-all: done');
  });

  test.concurrent('a line without images: nothing deleted', async () => {
    const fake = fakeAz({ images: { [GROUP]: BYSTANDERS } });
    const result = await deleteAll(fake);
    expect(result.code).toBe(0);
    expect(fake.calls()).toEqual([['account', 'show', '-o', 'none'], LIST]);
  });

  test.concurrent('a resource group that is already gone: success', async () => {
    const fake = fakeAz({ images: {} });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([['account', 'show', '-o', 'none'], LIST]);
  });

  test.concurrent('transient errors are retried', async () => {
    const fake = fakeAz({
      images: { [GROUP]: revisions(2).map((r) => lineImage(LINE, r)) },
      transient: [{ command: 'image list', error: '503', times: 1 }, { command: 'image delete', error: '429', times: 2 }],
    });
    const result = await deleteAll(fake);
    expect(result.code).toBe(0);
    expect(imageNames(fake)).toEqual([]);
    expect(fake.commands().filter((c) => c === 'image delete')).toHaveLength(4);
  });

  test.concurrent('needs none of the capture variables', async () => {
    const fake = fakeAz({ images: { [GROUP]: [lineImage(LINE, REVISION)] } });
    const result = await deleteAll(fake, { GOLDEN_RETAIN_BUILDS: 'not checked', GOLDEN_BUILD_REVISION: '' });
    expect(result.code).toBe(0);
    expect(imageNames(fake)).toEqual([]);
  });
});

describe('images.sh input validation: exit 2 and no az call', () => {
  test.concurrent.each<[string, string, Record<string, string>, string]>([
    ['no action', '', {}, "usage: images.sh capture|delete-all (got '')"],
    ['an unknown action', 'delete', {}, 'usage: images.sh capture|delete-all (got delete)'],
    ['GOLDEN_IMAGE_RESOURCE_GROUP missing', 'delete-all', { GOLDEN_IMAGE_RESOURCE_GROUP: '' }, 'GOLDEN_IMAGE_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_IMAGE_RESOURCE_GROUP with a command', 'capture', { GOLDEN_IMAGE_RESOURCE_GROUP: 'rg$(touch pwned)' }, 'GOLDEN_IMAGE_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_IMAGE_NAME missing', 'delete-all', { GOLDEN_IMAGE_NAME: '' }, 'GOLDEN_IMAGE_NAME must be an image name'],
    ['GOLDEN_IMAGE_NAME with a quote (it goes into a JMESPath query)', 'delete-all', { GOLDEN_IMAGE_NAME: "x']|[*" }, 'GOLDEN_IMAGE_NAME must be an image name'],
    ['GOLDEN_SUBSCRIPTION_ID not a GUID', 'capture', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID) must be a subscription id'],
    ['GOLDEN_BUILD_REVISION missing', 'capture', { GOLDEN_BUILD_REVISION: '' }, 'GOLDEN_BUILD_REVISION must be a build revision (14 digits, YYYYMMDDhhmmss)'],
    ['GOLDEN_BUILD_REVISION too short', 'capture', { GOLDEN_BUILD_REVISION: '2026120112' }, 'GOLDEN_BUILD_REVISION must be a build revision'],
    ['GOLDEN_SOURCE_ID missing', 'capture', { GOLDEN_SOURCE_ID: '' }, 'GOLDEN_SOURCE_ID must be the resource id of a VM or managed disk'],
    ['GOLDEN_SOURCE_ID of a snapshot', 'capture', { GOLDEN_SOURCE_ID: DISK_ID.replace('/disks/', '/snapshots/') }, 'GOLDEN_SOURCE_ID must be the resource id of a VM or managed disk'],
    ['GOLDEN_IMAGE_LOCATION missing', 'capture', { GOLDEN_IMAGE_LOCATION: '' }, 'GOLDEN_IMAGE_LOCATION must be an Azure region name'],
    ['GOLDEN_IMAGE_LOCATION display name', 'capture', { GOLDEN_IMAGE_LOCATION: 'West Europe' }, 'GOLDEN_IMAGE_LOCATION must be an Azure region name'],
    ['GOLDEN_HYPERV_GENERATION missing', 'capture', { GOLDEN_HYPERV_GENERATION: '' }, 'GOLDEN_HYPERV_GENERATION must be V1 or V2'],
    ['GOLDEN_OS_TYPE lowercase', 'capture', { GOLDEN_OS_TYPE: 'windows' }, 'GOLDEN_OS_TYPE must be Windows or Linux'],
    ['GOLDEN_STORAGE_SKU unknown', 'capture', { GOLDEN_STORAGE_SKU: 'Standard_GRS' }, 'GOLDEN_STORAGE_SKU must be a storage type'],
    ['GOLDEN_IMAGE_TAGS without =', 'capture', { GOLDEN_IMAGE_TAGS: 'env' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS key with /', 'capture', { GOLDEN_IMAGE_TAGS: 'a/b=c' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_RETAIN_BUILDS 0', 'capture', { GOLDEN_RETAIN_BUILDS: '0' }, 'GOLDEN_RETAIN_BUILDS must be between 1 and 50; got 0'],
    ['GOLDEN_RETAIN_BUILDS not a number', 'capture', { GOLDEN_RETAIN_BUILDS: 'all' }, 'GOLDEN_RETAIN_BUILDS must be a whole number; got all'],
    ['GOLDEN_POLL_SECONDS 0', 'delete-all', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
  ])('%s', async (_, action, values, message) => {
    const fake = fakeAz();
    const result = await run(fake, action, { ...captureEnvironment(), ...values });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fake.calls()).toEqual([]);
  });
});

describe('images.sh passes shellcheck (following `source common.sh`)', () => {
  test('images.sh', () => {
    if (spawnSync('shellcheck', ['--version']).error) {
      console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    const script = path.join(SCRIPTS_DIRECTORY, 'operator', 'images.sh');
    expect(() => execFileSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', '-s', 'bash', script], { encoding: 'utf8' })).not.toThrow();
  });
});
