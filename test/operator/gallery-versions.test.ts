/**
 * The gallery version steps (lib/operator/steps/gallery-versions.ts: gallery-publish, gallery-replicate, gallery-promote,
 * gallery-delete-all) in-process, against the simulated az (test/fake-az) and its gallery image versions, on a simulated
 * clock; and the environment GalleryImageVersion writes for them, run as it is.
 */
import * as fs from 'fs';
import {
  GalleryImage, GalleryImageVersion, GalleryStorageType, GeneralizedImage, GoldenVm, ImageGallery, ImageSecurityType, MarketplaceImage, SecurityType,
  WindowsSetup,
} from '../../lib';
import { AzRunner } from '../../lib/operator/az-process';
import { describeReplication } from '../../lib/operator/gallery-version';
import { STEPS } from '../../lib/operator/main';
import { GALLERY_STORAGE_TYPES, PUBLISH_TIMEOUT_MINUTES, RETAIN_VERSIONS } from '../../lib/operator/steps/gallery-versions';
import { commandOf, FakeAzState, FakeGalleryVersion, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { synthToDirectory } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const GROUP = 'rg-gallery';
const GALLERY = 'gallery_golden';
const DEFINITION = 'golden-web';
const LINE_KEY = `${GROUP}/${GALLERY}/${DEFINITION}`;
const REVISION = '20261201120000';
const VERSION = '2026.1201.120000';
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;

type GalleryStep = 'gallery-publish' | 'gallery-replicate' | 'gallery-promote' | 'gallery-delete-all';

const fakes: InProcessAz[] = [];
afterAll(() => fakes.forEach((fake) => fake.dispose()));

/** A generalized, deallocated build VM (what publish runs after) and an empty image definition, unless told otherwise. */
function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz({
    power: 'deallocated', osState: 'generalized', guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE', galleryImages: { [LINE_KEY]: [] }, ...state,
  });
  fakes.push(fake);
  return fake;
}

function lineEnvironment(): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_GALLERY_RESOURCE_GROUP: GROUP, GOLDEN_GALLERY_NAME: GALLERY, GOLDEN_GALLERY_IMAGE: DEFINITION,
  };
}

function replicateEnvironment(): Record<string, string> {
  return {
    ...lineEnvironment(),
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_GALLERY_LOCATION: 'westeurope',
    GOLDEN_TARGET_REGIONS: 'westeurope=2=Standard_ZRS\nnortheurope=1=Standard_LRS\n',
  };
}

function publishEnvironment(): Record<string, string> {
  return { ...replicateEnvironment(), GOLDEN_SOURCE_ID: VM_ID };
}

function promoteEnvironment(): Record<string, string> {
  return { ...lineEnvironment(), GOLDEN_BUILD_REVISION: REVISION, GOLDEN_GALLERY_VERSION: VERSION };
}

const ENVIRONMENTS: Record<GalleryStep, () => Record<string, string>> = {
  'gallery-publish': publishEnvironment,
  'gallery-replicate': replicateEnvironment,
  'gallery-promote': promoteEnvironment,
  'gallery-delete-all': lineEnvironment,
};

function run(fake: InProcessAz, step: GalleryStep, extra: Record<string, string> = {},
  interrupt?: { signal: 'SIGHUP' | 'SIGTERM'; at: string }): Promise<StepRun> {
  return runInProcess(STEPS[step], {
    env: { ...fake.environment(), ...ENVIRONMENTS[step](), ...extra },
    az: fake.run,
    interrupt: interrupt === undefined ? undefined : { signal: interrupt.signal, when: (call) => call.args.join(' ').startsWith(interrupt.at) },
  });
}

const publish = (fake: InProcessAz, extra: Record<string, string> = {}) => run(fake, 'gallery-publish', extra);
const replicate = (fake: InProcessAz, regions?: string) => run(fake, 'gallery-replicate', regions === undefined ? {} : { GOLDEN_TARGET_REGIONS: regions });
const promote = (fake: InProcessAz, extra: Record<string, string> = {}) => run(fake, 'gallery-promote', extra);
const deleteAll = (fake: InProcessAz, extra: Record<string, string> = {}) => run(fake, 'gallery-delete-all', extra);

// --- the expected az lines ---------------------------------------------------------------------------------------
const START = STEP_START_CALLS;
const GALLERY_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`, `--gallery-name=${GALLERY}`, `--gallery-image-definition=${DEFINITION}`];
const VERSION_ARGS = [...GALLERY_ARGS, `--gallery-image-version=${VERSION}`];
const SHOW = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--query',
  '[[provisioningState, publishingProfile.excludeFromLatest, tags."golden-image-revision"]]', '--output', 'json'];
const STATUS = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--expand', 'ReplicationStatus', '--output', 'json'];
const CREATE = ['sig', 'image-version', 'create', ...VERSION_ARGS, `--virtual-machine=${VM_ID}`, '--location=westeurope',
  // az takes the storage type of region=count=type in lower case only.
  '--target-regions', 'westeurope=2=standard_zrs', 'northeurope=1=standard_lrs', '--replication-mode=Full', '--exclude-from-latest=true',
  '--tags', `golden-image-name=${DEFINITION}`, `golden-image-revision=${REVISION}`];
const REPLICAS = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--query',
  'publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]', '--output', 'json'];
const PROMOTE = ['sig', 'image-version', 'update', ...VERSION_ARGS, '--set', 'publishingProfile.excludeFromLatest=false', '--output', 'none'];
const LIST = ['sig', 'image-version', 'list', ...GALLERY_ARGS, '--query',
  `[?tags."golden-image-name"=='${DEFINITION}'].[tags."golden-image-revision", name, publishingProfile.excludeFromLatest]`, '--output', 'json'];
const DELETE = (name: string) => ['sig', 'image-version', 'delete', ...GALLERY_ARGS, `--gallery-image-version=${name}`, '--output', 'none'];

/** A version of the line, as the publish step makes it. */
function lineVersion(revision: string, extra: Partial<FakeGalleryVersion> = {}): FakeGalleryVersion {
  const name = `${revision.slice(0, 4)}.${Number(revision.slice(4, 8))}.${Number(revision.slice(8))}`;
  return {
    name,
    provisioningState: 'Succeeded',
    excludeFromLatest: false,
    source: VM_ID,
    location: 'westeurope',
    targetRegions: [{ name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' }, { name: 'northeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
    tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': revision },
    ...extra,
  };
}
/** This build's version, as publish leaves it: excluded from latest. */
const PUBLISHED = (extra: Partial<FakeGalleryVersion> = {}) => lineVersion(REVISION, { excludeFromLatest: true, ...extra });

/** Revisions a month apart in 2026, oldest first (all older than REVISION). */
function revisions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `2026${String(i + 1).padStart(2, '0')}01120000`);
}

/** Versions beside the line that no run may touch: an untagged one, one of another line, one of the line without a revision. */
const BYSTANDERS: FakeGalleryVersion[] = [
  { name: '1.0.0', provisioningState: 'Succeeded', tags: null },
  { name: '2025.101.0', provisioningState: 'Succeeded', tags: { 'golden-image-name': 'golden-api', 'golden-image-revision': '20250101000000' } },
  { name: '9.9.9', provisioningState: 'Succeeded', tags: { 'golden-image-name': DEFINITION } },
];

function versions(fake: InProcessAz, key = LINE_KEY): FakeGalleryVersion[] {
  return fake.state().galleryImages?.[key] ?? [];
}
function versionNames(fake: InProcessAz, key = LINE_KEY): string[] {
  return versions(fake, key).map((v) => v.name);
}
function withVersions(...list: FakeGalleryVersion[]): Partial<FakeAzState> {
  return { galleryImages: { [LINE_KEY]: list } };
}

test('the program knows the four steps, named `gallery` in their lines, for GalleryImageVersion', () => {
  for (const step of ['gallery-publish', 'gallery-replicate', 'gallery-promote', 'gallery-delete-all']) {
    expect(STEPS[step]).toMatchObject({ name: 'gallery', construct: 'GalleryImageVersion' });
  }
});

describe('gallery-publish', () => {
  test('publishes the build from the VM, excluded from latest, with the line\'s tags, in exactly these calls', async () => {
    const fake = fakeAz();
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, [...CREATE, '--output', 'none'], SHOW]);
    expect(versions(fake)).toEqual([expect.objectContaining({
      name: VERSION,
      provisioningState: 'Succeeded',
      excludeFromLatest: true,
      source: VM_ID,
      location: 'westeurope',
      replicationMode: 'Full',
      targetRegions: [{ name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' }, { name: 'northeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
      tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': REVISION },
    })]);
    expect(result.stdout).toContain(`[gallery +0s] publish: version ${VERSION} of ${GALLERY}/${DEFINITION} in resource group ${GROUP} from ${VM_ID}, build ${REVISION}`);
    expect(result.stdout).toContain('publish: target regions westeurope=2=Standard_ZRS northeurope=1=Standard_LRS; excluded from latest until promoted; limit 180 minutes');
    expect(result.stdout).toContain(`[gallery +0s] publish: version ${VERSION} published in 0s (excluded from latest: true)`);
  });

  test('user tags (one per line) and the end of life date are passed on', async () => {
    const fake = fakeAz();
    const result = await publish(fake, { GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web=1\n', GOLDEN_END_OF_LIFE_DATE: '2027-12-31' });
    expect(result.code).toBe(0);
    expect(fake.calls()[3]).toEqual([...CREATE, 'env=prod', 'owner=team web=1', '--end-of-life-date=2027-12-31', '--output', 'none']);
    expect(versions(fake)[0]).toMatchObject({
      endOfLifeDate: '2027-12-31', tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': REVISION, 'env': 'prod', 'owner': 'team web=1' },
    });
  });

  test('user tags cannot take over the line\'s own tags (the version would escape pruning and delete-all)', async () => {
    const fake = fakeAz();
    for (const tag of ['golden-image-name=other-line', 'Golden-Image-Revision=29991231235959']) {
      const result = await publish(fake, { GOLDEN_IMAGE_TAGS: `env=prod\n${tag}` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/GOLDEN_IMAGE_TAGS must not set .*: the publish step sets golden-image-name and golden-image-revision itself/);
    }
    expect(fake.calls()).toEqual([]);
  });

  test('a rerun does not publish again', async () => {
    const fake = fakeAz();
    expect((await publish(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await publish(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW]);
    expect(rerun.stdout).toContain(`publish: version ${VERSION} exists already (an earlier run published it): not publishing it again (excluded from latest: true)`);
    expect(fake.state().galleryVersionsCreated).toEqual([VERSION]);
  });

  test('a version still Creating (an interrupted run) is waited for, with progress lines, and not created again', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({ provisioningState: 'Creating', pendingShows: 2 })));
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, SHOW, SHOW]);
    expect(result.stdout).toContain(`[gallery +0s] publish: version ${VERSION} is Creating (an earlier run's publication, or Azure still replicating): waiting, 0s of 10800s`);
    expect(result.stdout).toContain(`[gallery +15s] publish: version ${VERSION} is Creating (an earlier run's publication, or Azure still replicating): waiting, 15s of 10800s`);
    expect(result.stdout).toContain('exists already (an earlier run published it)');
    expect(result.seconds).toBe(30);
    expect(versions(fake)[0].provisioningState).toBe('Succeeded');
    expect(fake.state().galleryVersionsCreated).toBeUndefined();
  });

  test('a Failed version is deleted and published again, its failed region named; one that fails while waited for too', async () => {
    for (const earlier of [PUBLISHED({ provisioningState: 'Failed' }), PUBLISHED({ provisioningState: 'Creating', pendingShows: 1, becomes: 'Failed' })]) {
      const fake = fakeAz(withVersions(...BYSTANDERS, earlier));
      const result = await publish(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`publish: version ${VERSION} is Failed (an earlier run's publication: replication failed in northeurope `
        + '(Replication job not completed. (simulated message)); replicated to westeurope): deleting it to publish it again');
      expect(fake.calls().slice(-5)).toEqual([STATUS, DELETE(VERSION), SHOW, [...CREATE, '--output', 'none'], SHOW]);
      expect(fake.state()).toMatchObject({ galleryVersionsDeleted: [VERSION], galleryVersionsCreated: [VERSION] });
      expect(versions(fake).find((v) => v.name === VERSION)).toMatchObject({ provisioningState: 'Succeeded', excludeFromLatest: true });
      expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), VERSION].sort());
    }
  });

  test('a version that stays Creating: exit 4 at the timeout, naming the regions still replicating; nothing created', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({
      provisioningState: 'Creating', replication: { westeurope: { state: 'Completed' }, northeurope: { state: 'Replicating', progress: 40 } },
    })));
    // The shortest timeout: 30 minutes.
    const result = await publish(fake, { GOLDEN_PUBLISH_TIMEOUT_MINUTES: '30' });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`ERROR: publish: version ${VERSION} is still Creating after 30 minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES): still replicating to `
      + 'northeurope (40%); replicated to westeurope. Azure goes on: run the deployment again to wait for it.');
    expect(result.seconds).toBe(1800);
    // One look every 15 s (GOLDEN_POLL_SECONDS), the last at the limit, then the replication status.
    expect(fake.commands().filter((c) => c === 'sig image-version show')).toHaveLength(1800 / 15 + 2);
    expect(fake.calls().pop()).toEqual(STATUS);
    expect(fake.commands()).not.toContain('sig image-version create');
  });

  test('an az sig image-version create that never returns: exit 4 at the limit, az stopped, what Azure shows named', async () => {
    const fake = fakeAz({ hang: ['sig image-version create'] });
    const result = await publish(fake, { GOLDEN_PUBLISH_TIMEOUT_MINUTES: '30' });
    expect(result.code).toBe(4);
    // The limit is what is left of the 30 minutes after the first look at the version: all of it, on the simulated clock.
    expect(result.stdout).toContain('publish: creating version 2026.1201.120000 from the build VM and replicating it (limit 1800s)');
    expect(result.stdout).toContain('publish: waiting for az sig image-version create, 15s of 1800s');
    expect(result.stderr).toContain('ERROR: publish: az sig image-version create did not return within 30 minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES): Azure shows no '
      + 'such version. Azure goes on creating and replicating it: run the deployment again, which waits for it.');
    expect(result.seconds).toBe(1800);
    expect(fake.hanging()).toEqual([]);
  });

  test('a publication that fails in replication: exit 6 naming replication, the region and Azure\'s details, not the source; the rerun publishes it again', async () => {
    const fake = fakeAz({ failReplication: { northeurope: 'The regional quota of replicas is exceeded.' } });
    const result = await publish(fake);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("  az| ERROR: (OperationExecutionFailed) Replication job not completed at region: 'northeurope'.");
    expect(result.stderr).toContain(`ERROR: publish: az sig image-version create failed. The replication of version ${VERSION} failed: replication failed in `
      + 'northeurope (The regional quota of replicas is exceeded.); replicated to westeurope (Azure\'s own error above). Fix the cause, or leave the region out of targetRegions');
    expect(result.stderr).toContain('Fix the cause, or leave the region out of targetRegions, then run the deployment again: the failed version is deleted and published again.');
    expect(result.stderr).not.toMatch(/source|build VM/);
    expect(fake.calls().slice(-2)).toEqual([[...CREATE, '--output', 'none'], STATUS]);
    expect(versions(fake)[0].provisioningState).toBe('Failed');
    // The cause fixed: the rerun deletes the Failed version and publishes it again.
    fake.update({ failReplication: {} });
    const rerun = await publish(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(versions(fake)).toEqual([expect.objectContaining({ name: VERSION, provisioningState: 'Succeeded' })]);
    expect(fake.state().galleryVersionsDeleted).toEqual([VERSION]);
  });

  test('a publication that fails in the last region (Azure\'s OperationExecutionFailed): exit 6 naming that region', async () => {
    const fake = fakeAz({ failGalleryCreate: 1 });
    const result = await publish(fake);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("  az| ERROR: (OperationExecutionFailed) Replication job not completed at region: 'northeurope'");
    expect(result.stderr).toContain('publish: az sig image-version create failed. The replication of version 2026.1201.120000 failed: replication failed in northeurope');
  });

  test('transient errors of show and create are retried', async () => {
    const fake = fakeAz({ transient: [{ command: 'sig image-version show', error: '429', times: 1 }, { command: 'sig image-version create', error: '503', times: 2 }] });
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/publish: transient az failure \(attempt 2 of 6\): ERROR: \(ServiceUnavailable\)/);
    expect(fake.state().galleryVersionsCreated).toEqual([VERSION]);
  });

  test('a version of this number made from another build is left alone: exit 2', async () => {
    const other = lineVersion('20261130000000', { name: VERSION });
    const fake = fakeAz(withVersions(other));
    const result = await publish(fake);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`publish: version ${VERSION} of ${GALLERY}/${DEFINITION} exists already, but it is not build ${REVISION} `
      + '(its golden-image-revision tag is "20261130000000"). It is left as it is: give this build another version (GOLDEN_GALLERY_VERSION)');
    expect(versions(fake)).toEqual([other]);
  });

  test.each<[string, Partial<FakeAzState>, number, string]>([
    ['the build VM is gone: exit 8 naming the VM', { deleted: 'vm' }, 8,
      `publish: az sig image-version create failed: the build VM ${VM_ID} was not found: it was deleted before or during this run. Nothing was retried. `
      + 'A build VM that is gone is built anew by the next deployment: run the deployment again.'],
    ['the image definition does not exist: exit 8 naming the definition', { galleryImages: { [`${GROUP}/${GALLERY}/other`]: [] } }, 8,
      `publish: az sig image-version create failed: image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} (subscription ${SUBSCRIPTION_ID}) was not `
      + 'found: it or its gallery was deleted before or during this run. Nothing was retried. Terraform creates a gallery, image definition or resource group '
      + 'that is gone again'],
    ['the gallery\'s resource group does not exist: exit 8 naming it', { galleryImages: {} }, 8,
      `publish: az sig image-version create failed: resource group ${GROUP} of gallery ${GALLERY} was not found`],
    ['the build VM is not generalized: exit 6 naming the source', { power: 'running', osState: 'specialized' }, 6,
      'publish: az sig image-version create failed. The source must be the generalized build VM'],
  ])('%s', async (_, state, code, message) => {
    const fake = fakeAz(state);
    const result = await publish(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('The replication of version');
    expect(fake.commands().filter((c) => c === 'sig image-version create')).toHaveLength(1);
  });

  describe('what Azure shows after a create that returned', () => {
    /** Publish, with the version as `after` leaves it once az sig image-version create has returned. */
    async function publishThen(after: (fake: InProcessAz) => void): Promise<{ fake: InProcessAz; result: StepRun }> {
      const fake = fakeAz();
      const az: AzRunner = async (invocation) => {
        const answer = await fake.run(invocation);
        if (commandOf([...invocation.args]) === 'sig image-version create') {
          after(fake);
        }
        return answer;
      };
      const result = await runInProcess(STEPS['gallery-publish'], { env: { ...fake.environment(), ...publishEnvironment() }, az });
      return { fake, result };
    }

    test('Failed: exit 6 naming the regions where the replication failed; the next run publishes it again', async () => {
      const { fake, result } = await publishThen((f) => f.update(withVersions(PUBLISHED({
        provisioningState: 'Failed', replication: { northeurope: { state: 'Failed', details: 'Replication timed out.' } },
      }))));
      expect(result.code).toBe(6);
      expect(result.stderr).toContain(`ERROR: publish: version ${VERSION} of ${GALLERY}/${DEFINITION} was created but is Failed: replication failed in northeurope `
        + '(Replication timed out.); replicated to westeurope. Fix the cause, then run the deployment again: the failed version is deleted and published again.');
      expect(fake.calls().slice(-2)).toEqual([SHOW, STATUS]);
    });

    test('no version: exit 6, nothing created twice', async () => {
      const { fake, result } = await publishThen((f) => f.update(withVersions()));
      expect(result.code).toBe(6);
      expect(result.stderr).toContain(`ERROR: publish: az sig image-version create succeeded, but version ${VERSION} of ${GALLERY}/${DEFINITION} does not exist.`);
      expect(fake.commands().filter((c) => c === 'sig image-version create')).toHaveLength(1);
    });
  });

  test('a version in a state the step does not know: exit 6 naming it, nothing changed', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({ provisioningState: 'Paused' })));
    const result = await publish(fake);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`ERROR: publish: version ${VERSION} of ${GALLERY}/${DEFINITION} is in state "Paused", which this step does not know.`);
    expect(fake.calls()).toEqual([...START, SHOW]);
  });

  test('SIGTERM while az sig image-version create runs: exit 143, az stopped, what the interruption leaves said', async () => {
    const fake = fakeAz({ hang: ['sig image-version create'] });
    const result = await run(fake, 'gallery-publish', {}, { signal: 'SIGTERM', at: 'sig image-version create' });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during publish. Azure goes on with what it accepted: run the deployment again to resume (a '
      + 'version still being created is waited for, a failed one is published again).');
    expect(fake.hanging()).toEqual([]);
  });
});

describe('gallery-replicate', () => {
  const published = (extra: Partial<FakeGalleryVersion> = {}) => PUBLISHED({
    // As Azure reports them: display names.
    targetRegions: [{ name: 'West Europe', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' }, { name: 'North Europe', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
    ...extra,
  });
  const UPDATE = (...regions: string[]) => ['sig', 'image-version', 'update', ...VERSION_ARGS, '--target-regions', ...regions];

  test('replicas as asked already: nothing to update', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, REPLICAS]);
    expect(result.stdout).toContain('replicate: the replicas are as asked already');
  });

  test('more replicas and a new region: one update with every target region, storage types in lower case', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=2=Standard_ZRS\nnortheurope=4=Standard_LRS\nswedencentral=1=Standard_LRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, REPLICAS, [...UPDATE('westeurope=2=standard_zrs', 'northeurope=4=standard_lrs', 'swedencentral=1=standard_lrs'),
      '--output', 'none']]);
    expect(result.stdout).toContain('replicate: northeurope: 1 -> 4 replica(s)');
    expect(result.stdout).toContain('replicate: swedencentral: new, 1 replica(s) of Standard_LRS');
    expect(versions(fake)[0].targetRegions).toEqual([
      { name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
      { name: 'northeurope', regionalReplicaCount: 4, storageAccountType: 'Standard_LRS' },
      { name: 'swedencentral', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
    ]);
    // Still excluded from latest: replication never promotes.
    expect(versions(fake)[0].excludeFromLatest).toBe(true);
  });

  test('a region dropped: its replicas are removed, with Azure\'s explicit permission', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=2=Standard_ZRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().pop()).toEqual([...UPDATE('westeurope=2=standard_zrs'), '--allow-replicated-location-deletion=true', '--output', 'none']);
    expect(result.stdout).toContain('replicate: northeurope is no longer a target region: its replicas are removed');
    expect(versions(fake)[0].targetRegions!.map((r) => r.name)).toEqual(['westeurope']);
  });

  test('a changed storage type is kept for the existing replicas (Azure refuses to change it) and said so', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=3=Standard_LRS\nnortheurope=1=Standard_LRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain("replicate: westeurope keeps its storage type Standard_ZRS (Azure does not change it in place; the next build's version gets Standard_LRS)");
    expect(versions(fake)[0].targetRegions![0]).toEqual({ name: 'westeurope', regionalReplicaCount: 3, storageAccountType: 'Standard_ZRS' });
  });

  test('a version that is not there (exit 8), or another build\'s (exit 2): no update', async () => {
    const missing = fakeAz(withVersions());
    const gone = await replicate(missing);
    expect(gone.code).toBe(8);
    expect(gone.stderr).toContain(`replicate: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} was not found. `
      + 'Run the deployment again: the publish step publishes it anew before it is replicated.');
    const other = fakeAz(withVersions({ ...published(), tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': '20261101000000' } }));
    const foreign = await replicate(other, 'westeurope=5=Standard_ZRS');
    expect(foreign.code).toBe(2);
    expect(other.commands()).not.toContain('sig image-version update');
  });

  test('a replication that fails in a new region: exit 6 naming replication, the region and Azure\'s details; a rerun names them again', async () => {
    const fake = fakeAz({ ...withVersions(published()), failReplication: { swedencentral: 'The region is not available for this subscription.' } });
    const result = await replicate(fake, 'westeurope=2=Standard_ZRS\nnortheurope=1=Standard_LRS\nswedencentral=1=Standard_LRS');
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("  az| ERROR: (OperationExecutionFailed) Replication job not completed at region: 'swedencentral'.");
    expect(result.stderr).toContain(`ERROR: replicate: az sig image-version update failed. The replication of version ${VERSION} failed: replication failed in `
      + 'swedencentral (The region is not available for this subscription.); replicated to westeurope, northeurope (Azure\'s own error above).');
    expect(fake.calls().pop()).toEqual(STATUS);
    // The version is left Failed: the next run says why, region by region, and changes nothing.
    fake.clearLog();
    const rerun = await replicate(fake, 'westeurope=2=Standard_ZRS\nnortheurope=1=Standard_LRS\nswedencentral=1=Standard_LRS');
    expect(rerun.code).toBe(6);
    expect(rerun.stderr).toContain(`ERROR: replicate: version ${VERSION} is Failed, not Succeeded (replication failed in swedencentral (The region is not `
      + 'available for this subscription.); replicated to westeurope, northeurope): its replicas cannot change yet. Fix the cause, then publish it again');
    expect(fake.calls()).toEqual([...START, SHOW, STATUS]);
  });

  test('an update that never returns: exit 4 at GOLDEN_PUBLISH_TIMEOUT_MINUTES, naming the regions still replicating', async () => {
    const fake = fakeAz({
      ...withVersions(published({ replication: { westeurope: { state: 'Completed' }, northeurope: { state: 'Replicating', progress: 70 } } })),
      hang: ['sig image-version update'],
    });
    const result = await run(fake, 'gallery-replicate', { GOLDEN_TARGET_REGIONS: 'westeurope=2=Standard_ZRS\nnortheurope=3=Standard_LRS', GOLDEN_PUBLISH_TIMEOUT_MINUTES: '45' });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('ERROR: replicate: az sig image-version update did not return within 45 minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES): still '
      + 'replicating to northeurope (70%); replicated to westeurope. Azure goes on replicating: run the deployment again, which compares the replicas anew.');
    expect(result.seconds).toBe(45 * 60);
    expect(fake.hanging()).toEqual([]);
  });

  test('an update Azure refuses otherwise: exit 6 with az\'s error and the usual hint', async () => {
    const fake = fakeAz({ ...withVersions(published()), transient: [{ command: 'sig image-version update', error: '503', times: 1 }] });
    const result = await run(fake, 'gallery-replicate', { GOLDEN_TARGET_REGIONS: 'westeurope=3=Standard_ZRS\nnortheurope=1=Standard_LRS', GOLDEN_RETRY_MAX_ATTEMPTS: '1' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('ERROR: replicate: az sig image-version update failed. Check the regions (the gallery must be available there) and the replica '
      + 'quota, then run the deployment again.');
  });
});

describe('gallery-promote', () => {
  test('lets latest resolve to the version, then keeps the line\'s newest 3, in exactly these calls', async () => {
    const earlier = revisions(4).map((r) => lineVersion(r));
    const fake = fakeAz(withVersions(...BYSTANDERS, ...[...earlier].reverse(), PUBLISHED()));
    const result = await promote(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, PROMOTE, LIST, DELETE(earlier[0].name), DELETE(earlier[1].name)]);
    expect(versions(fake).find((v) => v.name === VERSION)!.excludeFromLatest).toBe(false);
    expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), earlier[2].name, earlier[3].name, VERSION].sort());
    expect(result.stdout).toContain(`promote: version ${VERSION} promoted in 0s: VMs and scale sets that use latest get it from now on`);
    expect(result.stdout).toContain(`prune: 5 version(s) in line ${GALLERY}/${DEFINITION}, keeping the newest 3 and ${VERSION}, which latest resolves to`);
    expect(result.stdout).toContain(`prune: deleting version ${earlier[0].name} of ${GALLERY}/${DEFINITION}`);
  });

  test('a rerun changes nothing', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    expect((await promote(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await promote(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, SHOW, LIST]);
    expect(rerun.stdout).toContain(`promote: version ${VERSION} is already promoted (not excluded from latest): nothing to change`);
    expect(fake.state().galleryVersionUpdates).toHaveLength(1);
  });

  test('GOLDEN_EXCLUDE_FROM_LATEST=true: the version stays excluded, and pruning keeps the version latest resolves to', async () => {
    const earlier = revisions(3).map((r) => lineVersion(r));
    const fake = fakeAz(withVersions(...earlier, PUBLISHED()));
    const result = await promote(fake, { GOLDEN_EXCLUDE_FROM_LATEST: 'true', GOLDEN_RETAIN_VERSIONS: '1' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`promote: GOLDEN_EXCLUDE_FROM_LATEST=true: version ${VERSION} stays excluded from latest`);
    expect(fake.commands()).not.toContain('sig image-version update');
    expect(versions(fake).find((v) => v.name === VERSION)!.excludeFromLatest).toBe(true);
    // The newest promoted version (what latest resolves to) stays, beyond the retention of 1.
    expect(versionNames(fake)).toEqual([earlier[2].name, VERSION]);
  });

  test('GOLDEN_EXCLUDE_FROM_LATEST=true on a version promoted already: left as it is', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({ excludeFromLatest: false })));
    const result = await promote(fake, { GOLDEN_EXCLUDE_FROM_LATEST: 'true' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`promote: GOLDEN_EXCLUDE_FROM_LATEST=true, but version ${VERSION} is already promoted (not excluded from latest): left as it is`);
    expect(fake.commands()).not.toContain('sig image-version update');
  });

  describe('pruning to the newest GOLDEN_RETAIN_VERSIONS', () => {
    const cases: Array<[number, number]> = [];
    for (const existing of [0, 1, 2, 4]) {
      for (const retain of [1, 3]) {
        cases.push([existing, retain]);
      }
    }
    test.each(cases)('%i earlier version(s), retain %i: the oldest go first, never this one, nothing else touched', async (existing, retain) => {
      const earlier = revisions(existing);
      const fake = fakeAz(withVersions(...BYSTANDERS, ...[...earlier].reverse().map((r) => lineVersion(r)), PUBLISHED()));
      const result = await promote(fake, { GOLDEN_RETAIN_VERSIONS: String(retain) });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const all = [...earlier, REVISION].map((r) => lineVersion(r).name);
      const deleted = all.slice(0, Math.max(0, all.length - retain));
      expect(fake.calls().slice(START.length + 3)).toEqual(deleted.map(DELETE));
      expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), ...all.slice(all.length - Math.min(retain, all.length))].sort());
    });

    test('a version listed without excludeFromLatest is in the line and pruned, never taken for the one latest resolves to', async () => {
      const earlier = revisions(2).map((r) => lineVersion(r));
      const fake = fakeAz(withVersions(...earlier, PUBLISHED()));
      // Azure's answer without the flag for the newest earlier version (JMESPath gives null for a missing field).
      const az: AzRunner = async (invocation) => {
        const answer = await fake.run(invocation);
        if (commandOf([...invocation.args]) !== 'sig image-version list') {
          return answer;
        }
        const rows = (JSON.parse(answer.stdout) as unknown[][]).map((row) => (row[1] === earlier[1].name ? [row[0], row[1], null] : row));
        return { ...answer, stdout: JSON.stringify(rows) };
      };
      const result = await runInProcess(STEPS['gallery-promote'], {
        env: { ...fake.environment(), ...promoteEnvironment(), GOLDEN_EXCLUDE_FROM_LATEST: 'true', GOLDEN_RETAIN_VERSIONS: '1' }, az,
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      // 3 in the line; latest resolves to the oldest (the only one Azure says is not excluded), so only the middle one goes.
      expect(result.stdout).toContain(`prune: 3 version(s) in line ${GALLERY}/${DEFINITION}, keeping the newest 1 and ${earlier[0].name}, which latest resolves to`);
      expect(fake.state().galleryVersionsDeleted).toEqual([earlier[1].name]);
    });

    test('a version older than the ones kept (a rerun of an old revision) is still never deleted', async () => {
      const newer = ['20270101000000', '20270201000000', '20270301000000'].map((r) => lineVersion(r));
      const fake = fakeAz(withVersions(...newer, PUBLISHED()));
      const result = await promote(fake, { GOLDEN_RETAIN_VERSIONS: '2' });
      expect(result.code).toBe(0);
      expect(versionNames(fake)).toContain(VERSION);
      expect(fake.state().galleryVersionsDeleted).toEqual([newer[0].name]);
    });
  });

  test.each<[string, Partial<FakeAzState>, number, string]>([
    ['the version does not exist: exit 8', {}, 8, `promote: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} was not `
      + 'found. Run the deployment again: the publish step publishes it anew before it is promoted.'],
    ['the version is Failed: exit 6, naming its replication per region', withVersions(PUBLISHED({ provisioningState: 'Failed' })), 6,
      `promote: version ${VERSION} is Failed, not Succeeded (replication failed in northeurope (Replication job not completed. (simulated message)); replicated `
      + 'to westeurope): it cannot serve VMs yet. Fix the cause, then publish it again'],
    ['the version is still Updating: exit 6, naming the regions still replicating', withVersions(PUBLISHED({ provisioningState: 'Updating' })), 6,
      `promote: version ${VERSION} is Updating, not Succeeded (still replicating to westeurope (0%), northeurope (0%)): it cannot serve VMs yet. Run the `
      + 'deployment again (the publish step waits for it'],
    ['the version is another build\'s: exit 2', withVersions(lineVersion('20261130000000', { name: VERSION, excludeFromLatest: true })), 2, 'exists already, but it is not build'],
  ])('%s, nothing changed', async (_, state, code, message) => {
    const fake = fakeAz(state);
    const before = fake.state().galleryImages;
    const result = await promote(fake);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(fake.state().galleryImages).toEqual(before);
  });

  test('transient errors of update, list and delete are retried', async () => {
    const fake = fakeAz({
      ...withVersions(lineVersion(revisions(1)[0]), PUBLISHED()),
      transient: [
        { command: 'sig image-version update', error: '429', times: 1 },
        { command: 'sig image-version list', error: '500', times: 1 },
        { command: 'sig image-version delete', error: 'connection', times: 2 },
      ],
    });
    const result = await promote(fake, { GOLDEN_RETAIN_VERSIONS: '1' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(versionNames(fake)).toEqual([VERSION]);
    expect(fake.state().galleryVersionUpdates).toHaveLength(1);
    expect(fake.commands().filter((c) => c === 'sig image-version delete')).toHaveLength(3);
  });

  test('an update that fails for good: exit 6, the version stays excluded from latest', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), transient: [{ command: 'sig image-version update', error: '503', times: 1 }] });
    const result = await promote(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '1' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('ERROR: promote: az sig image-version update failed. The version stays excluded from latest. Run the deployment again once the cause is fixed.');
    expect(versions(fake)[0].excludeFromLatest).toBe(true);
  });

  test('SIGTERM during the pruning: exit 143, what the interruption leaves said', async () => {
    const fake = fakeAz({ ...withVersions(lineVersion(revisions(1)[0]), PUBLISHED()), hang: ['sig image-version delete'] });
    const result = await run(fake, 'gallery-promote', { GOLDEN_RETAIN_VERSIONS: '1' }, { signal: 'SIGTERM', at: 'sig image-version delete' });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('ERROR: interrupted by SIGTERM during prune. Run the deployment again to resume (a promoted version is not updated again; the '
      + 'pruning goes on where it stopped).');
    expect(versions(fake).find((v) => v.name === VERSION)!.excludeFromLatest).toBe(false);
  });
});

describe('gallery-delete-all', () => {
  test('deletes every version of the line, oldest first, and nothing else', async () => {
    const line = revisions(3).map((r) => lineVersion(r));
    const otherKey = `${GROUP}/${GALLERY}/golden-api`;
    const fake = fakeAz({ galleryImages: { [LINE_KEY]: [...BYSTANDERS, ...[...line].reverse()], [otherKey]: [lineVersion(REVISION)] } });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST, ...line.map((v) => DELETE(v.name))]);
    expect(versionNames(fake).sort()).toEqual(BYSTANDERS.map((v) => v.name).sort());
    expect(versionNames(fake, otherKey)).toEqual([VERSION]);
    expect(result.stdout).toContain('delete-all: done');
  });

  test('a rerun (nothing left) deletes nothing', async () => {
    const fake = fakeAz(withVersions(...BYSTANDERS, lineVersion(REVISION)));
    expect((await deleteAll(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await deleteAll(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST]);
  });

  test.each<[string, Partial<FakeAzState>]>([
    ['the image definition', { galleryImages: { [`${GROUP}/${GALLERY}/other`]: [] } }],
    ['the resource group', { galleryImages: {} }],
  ])('%s already gone: success, nothing to delete', async (_, state) => {
    const fake = fakeAz(state);
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST]);
    expect(result.stdout).toContain(`list: image definition ${GALLERY}/${DEFINITION} or its gallery or resource group does not exist: no versions`);
  });

  test('the definition deleted meanwhile (by another run, or a person): each of its versions counts as deleted', async () => {
    const fake = fakeAz(withVersions(...revisions(2).map((r) => lineVersion(r))));
    // The definition disappears once the line is listed: every deletion meets ParentResourceNotFound.
    const az: AzRunner = (invocation) => {
      if (commandOf([...invocation.args]) === 'sig image-version delete') {
        fake.update({ galleryImages: { [`${GROUP}/${GALLERY}/other`]: [] } });
      }
      return fake.run(invocation);
    };
    const result = await runInProcess(STEPS['gallery-delete-all'], { env: { ...fake.environment(), ...lineEnvironment() }, az });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.commands().filter((c) => c === 'sig image-version delete')).toHaveLength(2);
    for (const name of revisions(2).map((r) => lineVersion(r).name)) {
      expect(result.stdout).toContain(`delete-all: version ${name} is already gone`);
    }
  });

  test('needs none of the other steps\' variables; transient errors are retried', async () => {
    const fake = fakeAz({ ...withVersions(...revisions(2).map((r) => lineVersion(r))), transient: [{ command: 'sig image-version delete', error: '504', times: 2 }] });
    const result = await deleteAll(fake, { GOLDEN_GALLERY_VERSION: 'x', GOLDEN_RETAIN_VERSIONS: 'all', GOLDEN_TARGET_REGIONS: 'nowhere' });
    expect(result.code).toBe(0);
    expect(versionNames(fake)).toEqual([]);
    expect(fake.commands().filter((c) => c === 'sig image-version delete')).toHaveLength(4);
  });

  test('a deletion that never returns: exit 4 after 30 minutes', async () => {
    const fake = fakeAz({ ...withVersions(lineVersion(REVISION)), hang: ['sig image-version delete'] });
    const result = await deleteAll(fake);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`ERROR: delete-all: az sig image-version delete ${VERSION} did not return within 30 minutes. Azure goes on deleting it: run the deployment again.`);
    expect(result.seconds).toBe(1800);
  });
});

describe('input validation: exit 2 naming the variable, and no az call', () => {
  test.each<[string, GalleryStep, Record<string, string>, string]>([
    ['GOLDEN_SUBSCRIPTION_ID not a GUID', 'gallery-delete-all', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID must be a subscription id'],
    ['GOLDEN_GALLERY_RESOURCE_GROUP missing', 'gallery-delete-all', { GOLDEN_GALLERY_RESOURCE_GROUP: '' }, 'GOLDEN_GALLERY_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_GALLERY_RESOURCE_GROUP with a command', 'gallery-publish', { GOLDEN_GALLERY_RESOURCE_GROUP: 'rg$(touch pwned)' }, 'GOLDEN_GALLERY_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_GALLERY_NAME with a hyphen', 'gallery-promote', { GOLDEN_GALLERY_NAME: 'my-gallery' }, 'GOLDEN_GALLERY_NAME must be a gallery name'],
    ['GOLDEN_GALLERY_NAME missing', 'gallery-delete-all', { GOLDEN_GALLERY_NAME: '' }, 'GOLDEN_GALLERY_NAME must be a gallery name'],
    ['GOLDEN_GALLERY_IMAGE with a quote (it goes into a JMESPath query)', 'gallery-delete-all', { GOLDEN_GALLERY_IMAGE: "x']|[*" }, 'GOLDEN_GALLERY_IMAGE must be an image definition name'],
    ['GOLDEN_GALLERY_IMAGE ending with a period', 'gallery-replicate', { GOLDEN_GALLERY_IMAGE: 'web.' }, 'GOLDEN_GALLERY_IMAGE must be an image definition name'],
    ['GOLDEN_GALLERY_VERSION with a leading zero', 'gallery-publish', { GOLDEN_GALLERY_VERSION: '2026.0101.120000' }, 'GOLDEN_GALLERY_VERSION must be a gallery image version X.Y.Z'],
    ['GOLDEN_GALLERY_VERSION with two parts', 'gallery-promote', { GOLDEN_GALLERY_VERSION: '1.0' }, 'GOLDEN_GALLERY_VERSION must be a gallery image version X.Y.Z'],
    ['GOLDEN_GALLERY_VERSION beyond 32 bits', 'gallery-replicate', { GOLDEN_GALLERY_VERSION: '1.2147483648.0' }, 'GOLDEN_GALLERY_VERSION must be X.Y.Z with each part at most 2147483647; got 1.2147483648.0'],
    ['GOLDEN_BUILD_REVISION too short', 'gallery-publish', { GOLDEN_BUILD_REVISION: '2026120112' }, 'GOLDEN_BUILD_REVISION must be a build revision (14 digits, YYYYMMDDhhmmss)'],
    ['GOLDEN_BUILD_REVISION missing', 'gallery-promote', { GOLDEN_BUILD_REVISION: '' }, 'GOLDEN_BUILD_REVISION must be a build revision'],
    ['GOLDEN_SOURCE_ID of a managed image', 'gallery-publish', { GOLDEN_SOURCE_ID: VM_ID.replace('/virtualMachines/', '/images/') }, 'GOLDEN_SOURCE_ID must be the resource id of the generalized build VM'],
    ['GOLDEN_GALLERY_LOCATION display name', 'gallery-publish', { GOLDEN_GALLERY_LOCATION: 'West Europe' }, 'GOLDEN_GALLERY_LOCATION must be an Azure region name'],
    ['GOLDEN_GALLERY_LOCATION missing (replicate)', 'gallery-replicate', { GOLDEN_GALLERY_LOCATION: '' }, 'GOLDEN_GALLERY_LOCATION must be an Azure region name'],
    ['GOLDEN_TARGET_REGIONS empty', 'gallery-publish', { GOLDEN_TARGET_REGIONS: '\n' }, 'GOLDEN_TARGET_REGIONS must hold at least one region=replicaCount=storageType line. It comes from the GalleryImageVersion construct'],
    ['GOLDEN_TARGET_REGIONS without the storage type', 'gallery-publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType'],
    ['GOLDEN_TARGET_REGIONS with 101 replicas', 'gallery-replicate', { GOLDEN_TARGET_REGIONS: 'westeurope=101=Standard_LRS' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType'],
    ['GOLDEN_TARGET_REGIONS with an unknown storage type', 'gallery-publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1=Premium_ZRS' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType (e.g. westeurope=2=Standard_ZRS; 1-100 replicas; Standard_LRS, Standard_ZRS or Premium_LRS); got "westeurope=1=Premium_ZRS"'],
    ['GOLDEN_TARGET_REGIONS naming a region twice', 'gallery-publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1=Standard_LRS\nwesteurope=2=Standard_ZRS' }, 'GOLDEN_TARGET_REGIONS names westeurope twice'],
    ['GOLDEN_TARGET_REGIONS without the gallery\'s region', 'gallery-replicate', { GOLDEN_TARGET_REGIONS: 'northeurope=1=Standard_LRS' }, 'GOLDEN_TARGET_REGIONS must include the gallery\'s own region westeurope (GOLDEN_GALLERY_LOCATION)'],
    ['GOLDEN_END_OF_LIFE_DATE not a date', 'gallery-publish', { GOLDEN_END_OF_LIFE_DATE: '2027-13-01' }, 'GOLDEN_END_OF_LIFE_DATE must be a date YYYY-MM-DD'],
    ['GOLDEN_END_OF_LIFE_DATE a day that does not exist', 'gallery-publish', { GOLDEN_END_OF_LIFE_DATE: '2027-02-29' },
      'GOLDEN_END_OF_LIFE_DATE must be a date that exists; got 2027-02-29.'],
    ['GOLDEN_END_OF_LIFE_DATE before the build\'s day', 'gallery-publish', { GOLDEN_END_OF_LIFE_DATE: '2026-11-30' },
      `GOLDEN_END_OF_LIFE_DATE 2026-11-30 is before the build's own day, 2026-12-01 (revision ${REVISION}): the version would be published past its end of life.`],
    ['GOLDEN_IMAGE_TAGS without =', 'gallery-publish', { GOLDEN_IMAGE_TAGS: 'env' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS key with /', 'gallery-publish', { GOLDEN_IMAGE_TAGS: 'a/b=c' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS value of 257 characters', 'gallery-publish', { GOLDEN_IMAGE_TAGS: `a=${'v'.repeat(257)}` }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_PUBLISH_TIMEOUT_MINUTES 29', 'gallery-publish', { GOLDEN_PUBLISH_TIMEOUT_MINUTES: '29' }, 'GOLDEN_PUBLISH_TIMEOUT_MINUTES must be between 30 and 720; got 29. It comes from the GalleryImageVersion construct\'s props (publishTimeoutMinutes)'],
    ['GOLDEN_PUBLISH_TIMEOUT_MINUTES 721 (replicate)', 'gallery-replicate', { GOLDEN_PUBLISH_TIMEOUT_MINUTES: '721' }, 'GOLDEN_PUBLISH_TIMEOUT_MINUTES must be between 30 and 720; got 721'],
    ['GOLDEN_EXCLUDE_FROM_LATEST yes', 'gallery-promote', { GOLDEN_EXCLUDE_FROM_LATEST: 'yes' }, 'GOLDEN_EXCLUDE_FROM_LATEST must be true or false'],
    ['GOLDEN_RETAIN_VERSIONS 0', 'gallery-promote', { GOLDEN_RETAIN_VERSIONS: '0' }, 'GOLDEN_RETAIN_VERSIONS must be between 1 and 50; got 0. It comes from the GalleryImageVersion construct\'s props (retainVersions)'],
    ['GOLDEN_RETAIN_VERSIONS not a number', 'gallery-promote', { GOLDEN_RETAIN_VERSIONS: 'all' }, 'GOLDEN_RETAIN_VERSIONS must be a whole number; got "all"'],
    ['GOLDEN_POLL_SECONDS 0', 'gallery-delete-all', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
  ])('%s', async (_, step, values, message) => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    const result = await run(fake, step, values);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fake.calls()).toEqual([]);
  });

  test('the bounds the steps check are the construct\'s (one definition; the storage types those of GalleryStorageType)', () => {
    expect([PUBLISH_TIMEOUT_MINUTES.min, PUBLISH_TIMEOUT_MINUTES.max, PUBLISH_TIMEOUT_MINUTES.default]).toEqual([30, 720, 180]);
    expect([RETAIN_VERSIONS.min, RETAIN_VERSIONS.max, RETAIN_VERSIONS.default]).toEqual([1, 50, 3]);
    expect(GALLERY_STORAGE_TYPES).toEqual(Object.values(GalleryStorageType));
  });
});

describe('the replication status in words', () => {
  test.each<[Parameters<typeof describeReplication>[0], string]>([
    [{ kind: 'absent' }, 'Azure shows no such version'],
    [{ kind: 'unreadable', why: 'ERROR: (AuthorizationFailed) ...' }, 'its replication status could not be read: ERROR: (AuthorizationFailed) ...'],
    [{ kind: 'read', provisioningState: 'Failed', regions: [] }, 'Azure reports no replication status per region (provisioningState Failed)'],
    [{
      kind: 'read',
      provisioningState: 'Failed',
      regions: [
        { region: 'westeurope', state: 'Completed', details: '' },
        { region: 'northeurope', state: 'Failed', details: 'quota' },
        { region: 'eastus', state: 'Failed', details: '' },
        { region: 'uksouth', state: 'Replicating', details: '', progress: 12 },
        { region: 'westus', state: 'Unknown', details: '' },
      ],
    }, 'replication failed in northeurope (quota), eastus; still replicating to uksouth (12%); replicated to westeurope; replication state unknown in westus (Unknown)'],
  ])('%j', (status, words) => {
    expect(describeReplication(status)).toBe(words);
  });
});

describe('GalleryImageVersion\'s environment, as Terraform gives it, runs each step', () => {
  /** The values Terraform would give the expressions, by variable. */
  const RESOLVED: Record<string, string> = {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_GALLERY_NAME: GALLERY,
    GOLDEN_GALLERY_IMAGE: DEFINITION,
    GOLDEN_GALLERY_RESOURCE_GROUP: GROUP,
    GOLDEN_SOURCE_ID: VM_ID,
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
  };
  let synthesized: ReturnType<typeof synthToDirectory>;

  beforeAll(() => {
    synthesized = synthToDirectory('gallery', (stack) => {
      const vm = new GoldenVm(stack, 'BuildVm', {
        location: 'westeurope',
        resourceGroupName: 'rg-golden',
        vmName: 'vm-golden',
        computerName: 'golden01',
        image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
        setup: WindowsSetup.iisAspNet(),
        securityType: SecurityType.TRUSTED_LAUNCH,
      });
      const source = new GeneralizedImage(stack, 'Image', { vm });
      const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: GALLERY, resourceGroupName: GROUP });
      const galleryImage = new GalleryImage(stack, 'Web', { gallery, imageName: DEFINITION, securityType: ImageSecurityType.TRUSTED_LAUNCH });
      new GalleryImageVersion(stack, 'Version', {
        galleryImage, source, targetRegions: [{ location: 'northeurope', replicaCount: 2 }], retainVersions: 1, endOfLifeDate: '2999-12-31', tags: { env: 'prod' },
      });
    });
  });

  afterAll(() => {
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  /** A step's provisioner: its command and its environment, the Terraform expressions resolved. */
  function provisionerOf(id: string): { interpreter: string[]; command: string; environment: Record<string, string> } {
    const [step] = Object.values<any>(synthesized.parsed.resource.terraform_data).filter((r) => r['//'].metadata.path.endsWith(`/Version/${id}`));
    const provisioner = step.provisioner[0]['local-exec'];
    const environment = Object.fromEntries(Object.entries<string>(provisioner.environment).map(([name, value]) => {
      if (value.includes('${')) {
        expect({ name, resolved: name in RESOLVED }).toEqual({ name, resolved: true });
        return [name, RESOLVED[name]];
      }
      return [name, value];
    }));
    return { interpreter: provisioner.interpreter, command: provisioner.command, environment };
  }

  test('publish, replicate, promote and delete-all, one after the other, each with exactly what the construct writes', async () => {
    const fake = fakeAz({ galleryImages: { [LINE_KEY]: [lineVersion(revisions(1)[0])] } });
    const order: Array<[string, GalleryStep]> = [['Publish', 'gallery-publish'], ['Replication', 'gallery-replicate'], ['Promote', 'gallery-promote'],
      ['VersionLine', 'gallery-delete-all']];
    for (const [id, step] of order) {
      const provisioner = provisionerOf(id);
      expect({ id, interpreter: provisioner.interpreter?.[0], command: provisioner.command }).toEqual({ id, interpreter: 'node', command: step });
      const result = await runInProcess(STEPS[step], { env: { ...fake.environment(), ...provisioner.environment }, az: fake.run });
      expect({ id, code: result.code, stderr: result.stderr }).toEqual({ id, code: 0, stderr: '' });
      if (step === 'gallery-publish') {
        expect(versions(fake).find((v) => v.name === VERSION)).toMatchObject({
          endOfLifeDate: '2999-12-31',
          tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': REVISION, 'env': 'prod' },
          targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }, {
            name: 'northeurope',
            regionalReplicaCount: 2,
            storageAccountType: 'Standard_LRS',
          }],
        });
      }
      if (step === 'gallery-promote') {
        // Promoted, and the earlier version pruned (retainVersions: 1).
        expect(versions(fake)).toEqual([expect.objectContaining({ name: VERSION, excludeFromLatest: false })]);
      }
    }
    expect(versions(fake)).toEqual([]);
  });
});
