/**
 * The image line's steps (lib/operator/steps/images.ts: capture, delete-all) in-process, against the simulated az
 * (test/fake-az) and its managed images per resource group, on a simulated clock.
 */
import * as fs from 'fs';
import { STEPS } from '../../lib/operator/main';
import { CAPTURE_MINUTES, RETAIN_BUILDS } from '../../lib/operator/steps/images';
import { FakeAzState, FakeImage, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { resolveEnvironment, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const LINE = 'golden-web';
const GROUP = 'rg-images';
const REVISION = '20261201120000';
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/disks/vm-golden-os`;

const fakes: InProcessAz[] = [];
afterAll(() => fakes.forEach((fake) => fake.dispose()));

/** A generalized, deallocated build VM (what capture runs after) and the given images. */
function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz({
    power: 'deallocated', osState: 'generalized', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', images: { [GROUP]: [] }, ...state,
  });
  fakes.push(fake);
  return fake;
}

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

function run(fake: InProcessAz, step: 'capture' | 'delete-all', environment: Record<string, string>,
  options: { interruptAt?: string; clock?: FakeClock } = {}): Promise<StepRun> {
  return runInProcess(STEPS[step], {
    env: { ...fake.environment(), ...environment },
    az: fake.run,
    clock: options.clock,
    interrupt: options.interruptAt === undefined ? undefined
      : { signal: 'SIGHUP', when: (call) => call.args.join(' ').startsWith(options.interruptAt!) },
  });
}

const capture = (fake: InProcessAz, extra: Record<string, string> = {}) => run(fake, 'capture', { ...captureEnvironment(), ...extra });
const deleteAll = (fake: InProcessAz, extra: Record<string, string> = {}) => run(fake, 'delete-all', { ...lineEnvironment(), ...extra });

/** An image of a line, as the capture step tags it. */
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
const START = STEP_START_CALLS;
const LIST = ['image', 'list', ...GROUP_ARGS, '--query', `[?tags."golden-image-name"=='${LINE}'].[tags."golden-image-revision", name]`, '--output', 'json'];
const CREATE = ['image', 'create', ...GROUP_ARGS, `--name=${LINE}-${REVISION}`, `--source=${VM_ID}`, '--location=westeurope', '--hyper-v-generation=V2',
  '--tags', `golden-image-name=${LINE}`, `golden-image-revision=${REVISION}`];
const DELETE = (name: string) => ['image', 'delete', ...GROUP_ARGS, `--name=${name}`, '--output', 'none'];

function imageNames(fake: InProcessAz, group = GROUP): string[] {
  return (fake.state().images?.[group] ?? []).map((image) => image.name);
}

test('the program knows both steps, named `images` in their lines', () => {
  expect(STEPS.capture).toMatchObject({ name: 'images', construct: 'GeneralizedImage or ImageCopy' });
  expect(STEPS['delete-all']).toMatchObject({ name: 'images', construct: 'GeneralizedImage or ImageCopy' });
});

describe('capture', () => {
  test('captures the build from the VM with the line\'s tags, in exactly these calls', async () => {
    const fake = fakeAz();
    const result = await capture(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST, [...CREATE, '--output', 'none']]);
    const [image] = fake.state().images![GROUP];
    expect(image).toMatchObject({
      name: `${LINE}-${REVISION}`,
      location: 'westeurope',
      hyperVGeneration: 'V2',
      sourceVirtualMachine: { id: VM_ID },
      tags: { 'golden-image-name': LINE, 'golden-image-revision': REVISION },
    });
    expect(result.stdout).toMatch(/^\[images \+0s\] capture: image golden-web-20261201120000 in resource group rg-images from \/subscriptions\/.* \(keeping the newest 3 of line golden-web\)\n/);
    expect(result.stdout).toContain('[images +0s] capture: golden-web-20261201120000 created');
    expect(result.stdout).toContain('prune: 1 image(s) in line golden-web, keeping all (at most 3)');
    expect(result.seconds).toBe(0);
  });

  test('user tags (one per line of GOLDEN_IMAGE_TAGS) and a storage SKU are passed on', async () => {
    const fake = fakeAz();
    const result = await capture(fake, { GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web=1\n', GOLDEN_STORAGE_SKU: 'StandardSSD_LRS' });
    expect(result.code).toBe(0);
    expect(fake.calls()[3]).toEqual([...CREATE, 'env=prod', 'owner=team web=1', '--storage-sku=StandardSSD_LRS', '--output', 'none']);
    expect(fake.state().images![GROUP][0].tags).toEqual({ 'golden-image-name': LINE, 'golden-image-revision': REVISION, 'env': 'prod', 'owner': 'team web=1' });
  });

  test('user tags cannot take over the line\'s own tags (the image would escape pruning and delete-all)', async () => {
    const fake = fakeAz();
    for (const tag of ['golden-image-name=other-line', 'Golden-Image-Revision=29991231235959']) {
      const result = await capture(fake, { GOLDEN_IMAGE_TAGS: `env=prod\n${tag}` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/GOLDEN_IMAGE_TAGS must not set .*: the capture step sets golden-image-name and golden-image-revision itself/);
    }
    expect(fake.calls()).toEqual([]);
  });

  test('from a managed OS disk: --os-type is added (az needs it for a disk)', async () => {
    const fake = fakeAz({ disks: [DISK_ID] });
    const result = await capture(fake, { GOLDEN_SOURCE_ID: DISK_ID, GOLDEN_STORAGE_SKU: 'Premium_LRS' });
    expect(result.code).toBe(0);
    expect(fake.calls()[3]).toEqual(['image', 'create', ...GROUP_ARGS, `--name=${LINE}-${REVISION}`, `--source=${DISK_ID}`, '--location=westeurope',
      '--hyper-v-generation=V2', '--tags', `golden-image-name=${LINE}`, `golden-image-revision=${REVISION}`, '--os-type=Windows', '--storage-sku=Premium_LRS',
      '--output', 'none']);
    expect(fake.state().images![GROUP][0].storageProfile!.osDisk).toMatchObject({ osType: 'Windows', managedDisk: { id: DISK_ID }, storageAccountType: 'Premium_LRS' });
  });

  test('a rerun after a capture does not create the image again', async () => {
    const fake = fakeAz();
    expect((await capture(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await capture(fake);
    expect(rerun.code).toBe(0);
    expect(fake.calls()).toEqual([...START, LIST]);
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
    test.each(cases)('%i earlier image(s), retain %i: the oldest go first, never the new one, nothing else touched', async (existing, retain) => {
      // GIVEN earlier builds of the line, listed in no particular order, and images of other lines
      const earlier = revisions(existing);
      const fake = fakeAz({ images: { [GROUP]: [...BYSTANDERS, ...[...earlier].reverse().map((r) => lineImage(LINE, r))] } });
      // WHEN
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: String(retain) });
      // THEN
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const all = [...earlier, REVISION].map((r) => `${LINE}-${r}`);
      const deleted = all.slice(0, Math.max(0, all.length - retain));
      expect(fake.calls().slice(4)).toEqual(deleted.map(DELETE));
      expect(imageNames(fake).sort()).toEqual([...BYSTANDERS.map((i) => i.name), ...all.slice(all.length - Math.min(retain, all.length))].sort());
    });

    test('a build older than the ones kept (a rerun of an old revision) is still never deleted', async () => {
      const newer = ['20270101000000', '20270201000000', '20270301000000'];
      const fake = fakeAz({ images: { [GROUP]: newer.map((r) => lineImage(LINE, r)) } });
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: '2' });
      expect(result.code).toBe(0);
      expect(imageNames(fake)).toContain(`${LINE}-${REVISION}`);
      expect(fake.state().imagesDeleted).toEqual([`${LINE}-20270101000000`]);
    });

    test(`GOLDEN_RETAIN_BUILDS defaults to ${RETAIN_BUILDS.default}`, async () => {
      const fake = fakeAz({ images: { [GROUP]: revisions(4).map((r) => lineImage(LINE, r)) } });
      const result = await capture(fake);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('prune: 5 image(s) in line golden-web, keeping the newest 3');
      expect(fake.state().imagesDeleted).toEqual(revisions(2).map((r) => `${LINE}-${r}`));
    });

    test('an image deleted meanwhile (by a person, a concurrent run) counts as deleted', async () => {
      const fake = fakeAz({ images: { [GROUP]: revisions(2).map((r) => lineImage(LINE, r)) } });
      // The list sees both, then the older one disappears just before its deletion.
      const listed = fake.run;
      const result = await runInProcess(STEPS.capture, {
        env: { ...fake.environment(), ...captureEnvironment(), GOLDEN_RETAIN_BUILDS: '1' },
        az: async (invocation) => {
          if (invocation.args[1] === 'delete' && invocation.args.includes(`--name=${LINE}-${revisions(1)[0]}`)) {
            const state = fake.state();
            fake.update({ images: { [GROUP]: state.images![GROUP].filter((image) => image.name !== `${LINE}-${revisions(1)[0]}`) } });
          }
          return listed(invocation);
        },
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`delete: ${LINE}-${revisions(1)[0]} is already gone`);
      expect(imageNames(fake)).toEqual([`${LINE}-${REVISION}`]);
    });
  });

  describe('failures', () => {
    test('transient errors of list, create and delete are retried (simulated time), with one image created', async () => {
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
      // 5 s before the list's second attempt, 5 + 10 s before the create's, 5 s before the delete's.
      expect(result.seconds).toBe(25);
    });

    test('a source VM that is gone: exit 8, nothing retried', async () => {
      const fake = fakeAz({ deleted: 'vm' });
      const result = await capture(fake);
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceNotFound)');
      expect(result.stderr).toContain(`capture: az image create failed: the source of image line ${LINE} or resource group ${GROUP} (subscription ${SUBSCRIPTION_ID}) `
        + 'was not found: it was deleted before or during this run. Nothing was retried. The source of the image is gone: run the deployment again');
      expect(fake.commands().filter((c) => c === 'image create')).toHaveLength(1);
      expect(imageNames(fake)).toEqual([]);
    });

    test('an image resource group that does not exist: the list finds no image, the capture fails with exit 8', async () => {
      const fake = fakeAz({ images: {} });
      const result = await capture(fake, { GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-nowhere' });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain('  az| ERROR: (ResourceGroupNotFound)');
      expect(fake.commands()).toEqual(['version', 'account show', 'image list', 'image create']);
    });

    test('a source VM that is not generalized: exit 6 with az\'s error', async () => {
      const fake = fakeAz({ power: 'running', osState: 'specialized' });
      const result = await capture(fake);
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('  az| ERROR: (OperationNotAllowed)');
      expect(result.stderr).toContain('capture: az image create failed. A managed image needs a generalized source of the Standard security type');
    });

    test(`az image create that never returns: exit 4 after ${CAPTURE_MINUTES} minutes (simulated), az stopped`, async () => {
      const fake = fakeAz({ hang: ['image create'] });
      const result = await capture(fake);
      expect(result.code).toBe(4);
      expect(result.seconds).toBe(CAPTURE_MINUTES * 60);
      expect(result.stderr).toContain(`capture: az image create did not return within ${CAPTURE_MINUTES} minutes. Run the deployment again: an image that was created `
        + 'meanwhile is kept.');
      expect(result.stdout).toContain('capture: waiting for az image create, 15s of 3600s');
      expect(fake.hanging()).toEqual([]);
    });

    test('az image list that never answers: exit 4 after 300 s (simulated)', async () => {
      const fake = fakeAz({ hang: ['image list'] });
      const result = await capture(fake);
      expect(result.code).toBe(4);
      expect(result.seconds).toBe(300);
      expect(result.stderr).toContain('list: az image list did not answer within 300s.');
      expect(fake.commands()).not.toContain('image create');
    });

    test('a deletion az refuses (an image still in use): exit 6 with the hint, after the capture', async () => {
      const fake = fakeAz({ images: { [GROUP]: revisions(1).map((r) => lineImage(LINE, r)) }, faults: [{ command: 'image delete', fault: 'authorization' }] });
      const result = await capture(fake, { GOLDEN_RETAIN_BUILDS: '1' });
      expect(result.code).toBe(6);
      expect(result.stderr).toContain(`delete: az image delete ${LINE}-${revisions(1)[0]} failed. A VM scale set or gallery version may still use it`);
      expect(fake.state().imagesCreated).toEqual([`${LINE}-${REVISION}`]);
    });
  });
});

describe('delete-all', () => {
  test('deletes every image of the line, oldest first, and nothing else', async () => {
    const fake = fakeAz({ images: { [GROUP]: [...BYSTANDERS, ...revisions(3).reverse().map((r) => lineImage(LINE, r))], other: [lineImage(LINE, '20260101000000')] } });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST, ...revisions(3).map((r) => DELETE(`${LINE}-${r}`))]);
    expect(imageNames(fake).sort()).toEqual(BYSTANDERS.map((i) => i.name).sort());
    expect(imageNames(fake, 'other')).toEqual([`${LINE}-20260101000000`]);
    expect(result.stdout).toMatch(/^\[images \+0s\] delete-all: deleting every image of line golden-web in resource group rg-images\n/);
    expect(result.stdout).toContain('delete-all: done');
  });

  test('a line without images: nothing deleted', async () => {
    const fake = fakeAz({ images: { [GROUP]: BYSTANDERS } });
    const result = await deleteAll(fake);
    expect(result.code).toBe(0);
    expect(fake.calls()).toEqual([...START, LIST]);
  });

  test('a resource group that is already gone: success', async () => {
    const fake = fakeAz({ images: {} });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST]);
  });

  test('transient errors are retried', async () => {
    const fake = fakeAz({
      images: { [GROUP]: revisions(2).map((r) => lineImage(LINE, r)) },
      transient: [{ command: 'image list', error: '503', times: 1 }, { command: 'image delete', error: '429', times: 2 }],
    });
    const result = await deleteAll(fake);
    expect(result.code).toBe(0);
    expect(imageNames(fake)).toEqual([]);
    expect(fake.commands().filter((c) => c === 'image delete')).toHaveLength(4);
  });

  test('needs none of the capture variables', async () => {
    const fake = fakeAz({ images: { [GROUP]: [lineImage(LINE, REVISION)] } });
    const result = await deleteAll(fake, { GOLDEN_RETAIN_BUILDS: 'not checked', GOLDEN_BUILD_REVISION: '' });
    expect(result.code).toBe(0);
    expect(imageNames(fake)).toEqual([]);
  });

  test('interrupted by SIGHUP while az image list runs: exit 129, az stopped', async () => {
    const fake = fakeAz({ hang: ['image list'] });
    const result = await run(fake, 'delete-all', lineEnvironment(), { interruptAt: 'image list' });
    expect(result.code).toBe(129);
    expect(result.stderr).toContain('ERROR: interrupted by SIGHUP during delete-all (the terminal or SSH session that ran the deployment was closed?).');
    expect(fake.hanging()).toEqual([]);
  });
});

describe('input validation: exit 2 and no az call', () => {
  test.each<[string, 'capture' | 'delete-all', Record<string, string>, string]>([
    ['GOLDEN_IMAGE_RESOURCE_GROUP missing', 'delete-all', { GOLDEN_IMAGE_RESOURCE_GROUP: '' }, 'GOLDEN_IMAGE_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_IMAGE_RESOURCE_GROUP with a command', 'capture', { GOLDEN_IMAGE_RESOURCE_GROUP: 'rg$(touch pwned)' }, 'GOLDEN_IMAGE_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_IMAGE_NAME missing', 'delete-all', { GOLDEN_IMAGE_NAME: '' }, 'GOLDEN_IMAGE_NAME must be an image name'],
    ['GOLDEN_IMAGE_NAME with a quote (it goes into a JMESPath query)', 'delete-all', { GOLDEN_IMAGE_NAME: "x']|[*" }, 'GOLDEN_IMAGE_NAME must be an image name'],
    ['GOLDEN_IMAGE_NAME of 66 characters', 'capture', { GOLDEN_IMAGE_NAME: 'a'.repeat(66) }, 'GOLDEN_IMAGE_NAME must be an image name of 1-65'],
    ['GOLDEN_SUBSCRIPTION_ID not a GUID', 'capture', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID must be a subscription id'],
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
    ['GOLDEN_IMAGE_TAGS with a carriage return', 'capture', { GOLDEN_IMAGE_TAGS: 'env=prod\r\n' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS value of 257 characters', 'capture', { GOLDEN_IMAGE_TAGS: `env=${'v'.repeat(257)}` }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_RETAIN_BUILDS 0', 'capture', { GOLDEN_RETAIN_BUILDS: '0' }, 'GOLDEN_RETAIN_BUILDS must be between 1 and 50; got 0'],
    ['GOLDEN_RETAIN_BUILDS not a number', 'capture', { GOLDEN_RETAIN_BUILDS: 'all' }, 'GOLDEN_RETAIN_BUILDS must be a whole number; got "all"'],
    ['GOLDEN_POLL_SECONDS 0', 'delete-all', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
  ])('%s', async (_, step, values, message) => {
    const fake = fakeAz();
    const result = await run(fake, step, { ...captureEnvironment(), ...values });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/It (comes from the GeneralizedImage or ImageCopy construct's props|is one of the operator's tuning variables)/);
    expect(fake.calls()).toEqual([]);
  });
});

describe('with the environment the constructs synthesize (the seed stack\'s GeneralizedImage)', () => {
  let seed: SynthesizedStack;
  beforeAll(() => {
    seed = synthSeedStack();
  });
  afterAll(() => fs.rmSync(seed.outdir, { recursive: true, force: true }));

  function provisioner(id: string): { command: string; interpreter: string[]; environment: Record<string, string>; when?: string } {
    const [resource] = Object.values<any>(seed.parsed.resource.terraform_data).filter((r) => r['//'].metadata.path.endsWith(`/${id}`));
    return resource.provisioner[0]['local-exec'];
  }

  test('capture, then delete-all at destroy: the program\'s steps, every value through the environment', async () => {
    const captureStep = provisioner('Capture');
    const lineStep = provisioner('ImageLine');
    expect([captureStep.command, lineStep.command, lineStep.when]).toEqual(['capture', 'delete-all', 'destroy']);
    expect(captureStep.interpreter).toEqual(['node', expect.stringMatching(/operator\/operator\.js$/)]);
    // Terraform's values for the expressions, by variable: the provider's subscription, the VM, the build's revision; `self` at destroy.
    const terraform: Record<string, string> = {
      GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
      GOLDEN_BUILD_REVISION: REVISION,
      GOLDEN_SOURCE_ID: VM_ID,
      GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-golden',
      GOLDEN_IMAGE_NAME: 'img-vm-golden',
    };
    const values = (environment: Record<string, string>) => Object.fromEntries(Object.entries(environment)
      .filter(([, value]) => value.includes('${')).map(([name, value]) => [value, terraform[name]]));
    expect(lineStep.environment).toEqual({
      GOLDEN_SUBSCRIPTION_ID: '${self.input.subscription_id}',
      GOLDEN_IMAGE_RESOURCE_GROUP: '${self.input.resource_group_name}',
      GOLDEN_IMAGE_NAME: '${self.input.image_line}',
    });
    expect(captureStep.environment).toMatchObject({ GOLDEN_IMAGE_NAME: 'img-vm-golden', GOLDEN_IMAGE_RESOURCE_GROUP: 'rg-golden', GOLDEN_RETAIN_BUILDS: '3' });
    const fake = fakeAz({ images: { 'rg-golden': [lineImage('img-vm-golden', '20261101120000')] } });
    const captured = await runInProcess(STEPS.capture, {
      env: { ...fake.environment(), ...resolveEnvironment(captureStep.environment, values(captureStep.environment)) },
      az: fake.run,
      cwd: seed.stackDirectory,
    });
    expect({ code: captured.code, stderr: captured.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().find((argv) => argv[1] === 'create')).toEqual(expect.arrayContaining([`--source=${VM_ID}`, '--hyper-v-generation=V2']));
    expect(imageNames(fake, 'rg-golden').sort()).toEqual(['img-vm-golden-20261101120000', `img-vm-golden-${REVISION}`]);
    const destroyed = await runInProcess(STEPS['delete-all'], {
      env: { ...fake.environment(), ...resolveEnvironment(lineStep.environment, values(lineStep.environment)) },
      az: fake.run,
      cwd: seed.stackDirectory,
    });
    expect({ code: destroyed.code, stderr: destroyed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(imageNames(fake, 'rg-golden')).toEqual([]);
  });
});
