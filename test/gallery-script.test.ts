/**
 * Runs lib/scripts/operator/gallery.sh (publish, replicate, canary, promote, delete-all) as Terraform's local-exec does, from a
 * stack directory, against the simulated az of test/fake-az: its gallery image versions, canary VMs, their NICs and
 * VNets, and the canary check in their guests.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  CanaryFault, childPids, commandOf, FakeAz, fakeAzFixture, FakeAzState, FakeGalleryVersion, FAKE_AZ_DIRECTORY, isRunning, RunResult,
  runShellCommand, SUBSCRIPTION_ID,
} from './util/fake-az';
import { SCRIPTS_DIRECTORY } from '../lib/private/scripts';

const FAST = { GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '0' };
const GROUP = 'rg-gallery';
const GALLERY = 'gallery_golden';
const DEFINITION = 'golden-web';
const LINE_KEY = `${GROUP}/${GALLERY}/${DEFINITION}`;
const REVISION = '20261201120000';
const VERSION = '2026.1201.120000';
const CANARY_GROUP = 'rg-canary';
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/${GALLERY}/images/${DEFINITION}/versions/${VERSION}`;

jest.setTimeout(90_000);

/** A generalized, deallocated build VM (what publish runs after), an empty image definition and the canaries' group. */
const { fakeAz, layout: stack } = fakeAzFixture(SCRIPTS_DIRECTORY, {
  power: 'deallocated',
  osState: 'generalized',
  guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
  galleryImages: { [LINE_KEY]: [] },
  resourceGroups: [CANARY_GROUP],
});

function lineEnvironment(): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_GALLERY_RESOURCE_GROUP: GROUP, GOLDEN_GALLERY_NAME: GALLERY, GOLDEN_GALLERY_IMAGE: DEFINITION,
  };
}

function publishEnvironment(): Record<string, string> {
  return {
    ...lineEnvironment(),
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_SOURCE_ID: VM_ID,
    GOLDEN_GALLERY_LOCATION: 'westeurope',
    GOLDEN_TARGET_REGIONS: 'westeurope=2=Standard_ZRS\nnortheurope=1=Standard_LRS\n',
  };
}

function canaryEnvironment(): Record<string, string> {
  return {
    ...lineEnvironment(),
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_CANARY_REGIONS: 'westeurope\nnortheurope',
    GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch',
    GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
    GOLDEN_CANARY_RESOURCE_GROUP: CANARY_GROUP,
    GOLDEN_GUEST_DIRECTORY: `${stack().assets}/guest`,
  };
}

function promoteEnvironment(): Record<string, string> {
  return { ...lineEnvironment(), GOLDEN_BUILD_REVISION: REVISION, GOLDEN_GALLERY_VERSION: VERSION };
}

function run(fake: FakeAz, action: string, environment: Record<string, string>,
  onOutput?: (output: string, pid: number) => void): Promise<RunResult> {
  return runShellCommand(stack().command('gallery.sh', action), {
    cwd: stack().directory,
    env: { ...fake.environment(), ...FAST, ...environment },
    timeoutMs: 80_000,
    onOutput,
  });
}

const publish = (fake: FakeAz, extra: Record<string, string> = {}) => run(fake, 'publish', { ...publishEnvironment(), ...extra });
const canary = (fake: FakeAz, extra: Record<string, string> = {}, onOutput?: (output: string, pid: number) => void) =>
  run(fake, 'canary', { ...canaryEnvironment(), ...extra }, onOutput);
const promote = (fake: FakeAz, extra: Record<string, string> = {}) => run(fake, 'promote', { ...promoteEnvironment(), ...extra });
/** Replicate with the publish step's regions unless told otherwise. */
const replicate = (fake: FakeAz, regions?: string) => {
  const { GOLDEN_SOURCE_ID: _source, ...environment } = publishEnvironment();
  return run(fake, 'replicate', { ...environment, ...(regions === undefined ? {} : { GOLDEN_TARGET_REGIONS: regions }) });
};
const deleteAll = (fake: FakeAz, extra: Record<string, string> = {}) => run(fake, 'delete-all', { ...lineEnvironment(), ...extra });

// --- the expected az lines ---------------------------------------------------------------------------------------
const ACCOUNT = ['account', 'show', '-o', 'none'];
const GALLERY_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`, `--gallery-name=${GALLERY}`, `--gallery-image-definition=${DEFINITION}`];
const VERSION_ARGS = [...GALLERY_ARGS, `--gallery-image-version=${VERSION}`];
const SHOW = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--query',
  '[[provisioningState, publishingProfile.excludeFromLatest, tags."golden-image-revision"]]', '-o', 'tsv'];
const CREATE = ['sig', 'image-version', 'create', ...VERSION_ARGS, `--virtual-machine=${VM_ID}`, '--location=westeurope',
  // az takes the storage type of region=count=type in lower case only.
  '--target-regions', 'westeurope=2=standard_zrs', 'northeurope=1=standard_lrs', '--replication-mode=Full', '--exclude-from-latest=true',
  '--tags', `golden-image-name=${DEFINITION}`, `golden-image-revision=${REVISION}`];
const UPDATE = ['sig', 'image-version', 'update', ...VERSION_ARGS, '--set', 'publishingProfile.excludeFromLatest=false', '-o', 'none'];
const LIST = ['sig', 'image-version', 'list', ...GALLERY_ARGS, '--query',
  `[?tags."golden-image-name"=='${DEFINITION}'].[tags."golden-image-revision", name, publishingProfile.excludeFromLatest]`, '-o', 'tsv'];
const DELETE = (name: string) => ['sig', 'image-version', 'delete', ...GALLERY_ARGS, `--gallery-image-version=${name}`, '-o', 'none'];

const CANARY_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${CANARY_GROUP}`];
const LEFTOVERS = ['resource', 'list', ...CANARY_ARGS, '--query',
  `[?tags."golden-canary"=='${VERSION}' && tags."golden-canary-image"=='${GALLERY}/${DEFINITION}'].[type, name]`, '-o', 'tsv'];
/** 8 hex digits of POSIX cksum of the line, as the script computes them. */
const CANARY_LINE = Number(execFileSync('cksum', { input: LINE_KEY }).toString().split(' ')[0]).toString(16).padStart(8, '0');
const CANARY_VM = (index: number) => `canary-${REVISION}-${CANARY_LINE}-${String(index).padStart(2, '0')}`;
const COMPUTER_NAME = (index: number) => `c${REVISION.slice(2)}${String(index).padStart(2, '0')}`;
function vmCreate(index: number, region: string, securityType = 'TrustedLaunch'): string[] {
  const vm = CANARY_VM(index);
  return ['vm', 'create', ...CANARY_ARGS, `--name=${vm}`, `--location=${region}`, `--image=${IMAGE_ID}`, '--size=Standard_D2s_v5',
    `--security-type=${securityType}`, ...(securityType === 'TrustedLaunch' ? ['--enable-secure-boot=true', '--enable-vtpm=true'] : []),
    '--admin-username=canaryadmin', expect.stringMatching(/^--admin-password=@\/.*\/canary-password$/) as unknown as string,
    `--computer-name=${COMPUTER_NAME(index)}`, '--public-ip-address=', '--nsg=', `--vnet-name=${vm}-vnet`, '--subnet=canary',
    '--nic-delete-option=Delete', '--os-disk-delete-option=Delete', '--tags', `golden-canary=${VERSION}`, `golden-canary-image=${GALLERY}/${DEFINITION}`, '-o', 'none'];
}
function canaryCheck(index: number, timeoutSeconds = 1800): string[] {
  return ['vm', 'run-command', 'invoke', ...CANARY_ARGS, `--name=${CANARY_VM(index)}`, '--command-id', 'RunPowerShellScript',
    '--scripts', `@${stack().assets}/guest/canary-check.ps1`, '--parameters', 'Url=http://localhost/', `ExpectedName=${COMPUTER_NAME(index)}`,
    `TimeoutSeconds=${timeoutSeconds}`, '--query', 'value[].[code, message]', '-o', 'tsv'];
}
function canaryDeletion(name: string): string[][] {
  return [
    ['vm', 'delete', ...CANARY_ARGS, `--name=${name}`, '--yes', '-o', 'none'],
    ['network', 'nic', 'delete', ...CANARY_ARGS, `--name=${name}VMNic`, '-o', 'none'],
    ['network', 'vnet', 'delete', ...CANARY_ARGS, `--name=${name}-vnet`, '-o', 'none'],
  ];
}

/** A version of the line, as gallery.sh makes it. */
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

async function expectEventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function versions(fake: FakeAz, key = LINE_KEY): FakeGalleryVersion[] {
  return fake.state().galleryImages?.[key] ?? [];
}
function versionNames(fake: FakeAz, key = LINE_KEY): string[] {
  return versions(fake, key).map((v) => v.name);
}
function withVersions(...list: FakeGalleryVersion[]): Partial<FakeAzState> {
  return { galleryImages: { [LINE_KEY]: list } };
}

/** Nothing of any canary is left: no VM, NIC or VNet in the canaries' group, and no password file. */
function expectNoCanaryLeft(fake: FakeAz): void {
  const state = fake.state();
  expect({ vms: state.canaryVms ?? [], nics: state.nics ?? [], vnets: state.vnets ?? [] }).toEqual({ vms: [], nics: [], vnets: [] });
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
}

/** Every password the fake saw came from a 0600 file and appears in no command line and no output. */
function expectPasswordsSecret(fake: FakeAz, result: RunResult, count: number): void {
  const state = fake.state();
  expect(state.canaryPasswordSources).toEqual(Array(count).fill('file'));
  expect(state.canaryPasswordFileModes).toEqual(Array(count).fill(0o600));
  expect(state.canaryPasswords).toHaveLength(count);
  expect(new Set(state.canaryPasswords).size).toBe(count);
  for (const password of state.canaryPasswords!) {
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(fake.calls().flat().some((arg) => arg.includes(password))).toBe(false);
    expect(result.output).not.toContain(password);
  }
  for (const argv of fake.calls().filter((a) => a[0] === 'vm' && a[1] === 'create')) {
    expect(argv.filter((a) => a.startsWith('--admin-password'))).toEqual([expect.stringMatching(/^--admin-password=@\//)]);
  }
}

describe('gallery.sh publish', () => {
  test.concurrent('publishes the build from the VM, excluded from latest, with the line\'s tags, in exactly these calls', async () => {
    const fake = fakeAz();
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, [...CREATE, '-o', 'none'], SHOW]);
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
    expect(result.stdout).toMatch(/\[gallery \+\d+s\] publish: version 2026\.1201\.120000 published in \d+s \(excluded from latest: True\)/);
  });

  test.concurrent('user tags (one per line) and the end of life date are passed on', async () => {
    const fake = fakeAz();
    const result = await publish(fake, { GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web=1\n', GOLDEN_END_OF_LIFE_DATE: '2027-12-31' });
    expect(result.code).toBe(0);
    expect(fake.calls()[2]).toEqual([...CREATE, 'env=prod', 'owner=team web=1', '--end-of-life-date=2027-12-31', '-o', 'none']);
    expect(versions(fake)[0]).toMatchObject({
      endOfLifeDate: '2027-12-31', tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': REVISION, 'env': 'prod', 'owner': 'team web=1' },
    });
  });

  test.concurrent('user tags cannot take over the line\'s own tags (the version would escape pruning and delete-all)', async () => {
    const fake = fakeAz();
    for (const tag of ['golden-image-name=other-line', 'Golden-Image-Revision=29991231235959']) {
      const result = await publish(fake, { GOLDEN_IMAGE_TAGS: `env=prod\n${tag}` });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/GOLDEN_IMAGE_TAGS must not set .*golden-image-name and golden-image-revision/);
    }
    expect(fake.calls()).toEqual([]);
  });

  test.concurrent('a rerun does not publish again', async () => {
    const fake = fakeAz();
    expect((await publish(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await publish(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW]);
    expect(rerun.stdout).toContain('publish: version 2026.1201.120000 exists already (an earlier run published it): not publishing it again (excluded from latest: True)');
    expect(fake.state().galleryVersionsCreated).toEqual([VERSION]);
  });

  test.concurrent('a version still Creating (an interrupted run) is waited for, with progress lines, and not created again', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({ provisioningState: 'Creating', pendingShows: 2 })));
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, SHOW, SHOW]);
    expect(result.stdout).toMatch(/publish: version 2026\.1201\.120000 is Creating \(an earlier run's publication, or Azure still replicating\): waiting, \d+s of 10800s/);
    expect(result.stdout).toContain('exists already (an earlier run published it)');
    expect(versions(fake)[0].provisioningState).toBe('Succeeded');
    expect(fake.state().galleryVersionsCreated).toBeUndefined();
  });

  test.concurrent('a Failed version is deleted and published again; one that fails while waited for too', async () => {
    for (const earlier of [PUBLISHED({ provisioningState: 'Failed' }), PUBLISHED({ provisioningState: 'Creating', pendingShows: 1, becomes: 'Failed' })]) {
      const fake = fakeAz(withVersions(...BYSTANDERS, earlier));
      const result = await publish(fake);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain('publish: version 2026.1201.120000 is Failed (an earlier run\'s publication): deleting it to publish it again');
      expect(fake.calls().slice(-4)).toEqual([DELETE(VERSION), SHOW, [...CREATE, '-o', 'none'], SHOW]);
      expect(fake.state()).toMatchObject({ galleryVersionsDeleted: [VERSION], galleryVersionsCreated: [VERSION] });
      expect(versions(fake).find((v) => v.name === VERSION)).toMatchObject({ provisioningState: 'Succeeded', excludeFromLatest: true });
      expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), VERSION].sort());
    }
  });

  test.concurrent('a version that stays Creating: exit 4 at the timeout, with a clear message; nothing created', async () => {
    const fake = fakeAz(withVersions(PUBLISHED({ provisioningState: 'Creating' })));
    // The shortest timeout: 30 minutes of one second.
    const result = await publish(fake, { GOLDEN_SECONDS_PER_MINUTE: '1', GOLDEN_PUBLISH_TIMEOUT_MINUTES: '30' });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('publish: version 2026.1201.120000 is still Creating after 30 minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES). Azure goes on: run the deployment again to wait for it');
    expect(fake.commands().filter((c) => c === 'sig image-version show').length).toBeGreaterThan(5);
    expect(fake.commands()).not.toContain('sig image-version create');
  });

  test.concurrent('an az sig image-version create that never returns: exit 4, az stopped', async () => {
    const fake = fakeAz({ hang: ['sig image-version create'] });
    const result = await publish(fake, { GOLDEN_SECONDS_PER_MINUTE: '1', GOLDEN_PUBLISH_TIMEOUT_MINUTES: '30' });
    expect(result.code).toBe(4);
    // The limit is what is left of the 30 s after the first look at the version: less on a loaded machine, never more.
    const limit = Number(/publish: waiting for az sig image-version, \d+s of (\d+)s/.exec(result.stdout)?.[1]);
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(30);
    expect(result.stderr).toContain('publish: az sig image-version create did not return within 30 minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES). Azure goes on creating and replicating it: run the deployment again, which waits for it.');
    expect(fake.state().hangingPids).toHaveLength(1);
    await expectEventually(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
  });

  test.concurrent('a publication that fails: exit 6 with az\'s error and a hint; the rerun deletes the Failed version and publishes it again', async () => {
    const fake = fakeAz({ failGalleryCreate: 1 });
    const result = await publish(fake);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('  az| ERROR: (OperationExecutionFailed) Replication job not completed at region');
    expect(result.stderr).toContain('publish: az sig image-version create failed. The source must be the generalized build VM');
    expect(versions(fake)[0].provisioningState).toBe('Failed');
    const rerun = await publish(fake);
    expect(rerun.code).toBe(0);
    expect(versions(fake)).toEqual([expect.objectContaining({ name: VERSION, provisioningState: 'Succeeded' })]);
    expect(fake.state().galleryVersionsDeleted).toEqual([VERSION]);
  });

  test.concurrent('transient errors of show and create are retried', async () => {
    const fake = fakeAz({ transient: [{ command: 'sig image-version show', error: '429', times: 1 }, { command: 'sig image-version create', error: '503', times: 2 }] });
    const result = await publish(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/publish: transient az failure \(attempt 2 of 6\): ERROR: \(ServiceUnavailable\)/);
    expect(fake.state().galleryVersionsCreated).toEqual([VERSION]);
  });

  test.concurrent('a version of this number made from another build is left alone: exit 2', async () => {
    const other = lineVersion('20261130000000', { name: VERSION });
    const fake = fakeAz(withVersions(other));
    const result = await publish(fake);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`publish: version ${VERSION} of ${GALLERY}/${DEFINITION} exists already, but it is not build ${REVISION} (its golden-image-revision tag is 20261130000000)`);
    expect(versions(fake)).toEqual([other]);
  });

  test.concurrent.each<[string, Partial<FakeAzState>, number, string]>([
    ['the build VM is gone: exit 8', { deleted: 'vm' }, 8, `publish: az sig image-version create failed: the source VM ${VM_ID}, or image definition ${GALLERY}/${DEFINITION}`],
    ['the image definition does not exist: exit 8', { galleryImages: { [`${GROUP}/${GALLERY}/other`]: [] } }, 8, '(ParentResourceNotFound)'],
    ['the build VM is not generalized: exit 6', { power: 'running', osState: 'specialized' }, 6, 'must be generalized'],
  ])('%s', async (_, state, code, message) => {
    const fake = fakeAz(state);
    const result = await publish(fake, { GOLDEN_RETRY_BASE_SECONDS: '20' });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });
});

describe('gallery.sh canary', () => {
  test.concurrent('Trusted Launch, two regions: one canary after the other, each checked and deleted with its NIC and VNet', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    const result = await canary(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([
      ACCOUNT, SHOW, LEFTOVERS,
      vmCreate(1, 'westeurope'), canaryCheck(1), ...canaryDeletion(CANARY_VM(1)),
      vmCreate(2, 'northeurope'), canaryCheck(2), ...canaryDeletion(CANARY_VM(2)),
    ]);
    expect(fake.state().canaryVmsCreated).toEqual([CANARY_VM(1), CANARY_VM(2)]);
    expect(fake.state().canaryVmsDeleted).toEqual([{ name: CANARY_VM(1), noWait: false }, { name: CANARY_VM(2), noWait: false }]);
    expect(fake.state().vnetsDeleted).toEqual([`${CANARY_VM(1)}-vnet`, `${CANARY_VM(2)}-vnet`]);
    expect(fake.state().canaryChecks!.map((c) => [c.vm, c.location])).toEqual([[CANARY_VM(1), 'westeurope'], [CANARY_VM(2), 'northeurope']]);
    expectNoCanaryLeft(fake);
    expectPasswordsSecret(fake, result, 2);
    // Computer names of 15 characters; the version is untouched, still excluded from latest.
    expect(COMPUTER_NAME(1)).toHaveLength(15);
    expect(versions(fake)).toEqual([PUBLISHED()]);
    expect(result.stdout).toContain(`  guest| GOLDEN-IMAGE-CANARY-RESULT: PASSED ${COMPUTER_NAME(2).toUpperCase()} answered http://localhost/`);
    expect(result.stdout).toMatch(/canary westeurope: canary canary-\d+-[0-9a-f]{8}-01 deleted in \d+s/);
    expect(result.stdout).toContain('canary: passed in 2 region(s): westeurope northeurope');
  });

  test.concurrent('Standard: no Secure Boot or vTPM; the VM has no public IP, no NSG, and the canary tags', async () => {
    // GIVEN a fake that keeps the VM (its deletion is held) to look at it
    const fake = fakeAz({ ...withVersions(PUBLISHED()), holdUntil: { 'vm delete': path.join(stack().directory, 'never-released') } });
    let vms: FakeAzState['canaryVms'];
    const result = await canary(fake, {
      GOLDEN_CANARY_SECURITY_TYPE: 'Standard',
      GOLDEN_CANARY_REGIONS: 'northeurope',
      GOLDEN_CANARY_TIMEOUT_MINUTES: '5',
      GOLDEN_CANARY_URL: 'https://localhost:8443/health/',
    }, (output, shellPid) => {
      if (vms === undefined && output.includes(': deleting canary ')) {
        vms = fake.state().canaryVms;
        process.kill(childPids(shellPid)[0], 'SIGTERM');
      }
    });
    expect(result.code).toBe(143);
    expect(vms).toEqual([expect.objectContaining({
      location: 'northeurope',
      computerName: COMPUTER_NAME(1),
      image: IMAGE_ID,
      size: 'Standard_D2s_v5',
      securityType: 'Standard',
      secureBoot: null,
      vtpm: null,
      adminUsername: 'canaryadmin',
      publicIpAddress: '',
      nsg: '',
      vnet: `${CANARY_VM(1)}-vnet`,
      subnet: 'canary',
      nicDeleteOption: 'Delete',
      osDiskDeleteOption: 'Delete',
      tags: { 'golden-canary': VERSION, 'golden-canary-image': `${GALLERY}/${DEFINITION}` },
    })]);
    const create = fake.calls().find((argv) => argv[1] === 'create')!;
    expect(create).toEqual(vmCreate(1, 'northeurope', 'Standard'));
    expect(fake.calls().find((argv) => argv[1] === 'run-command')).toEqual(expect.arrayContaining(['Url=https://localhost:8443/health/', 'TimeoutSeconds=300']));
  });

  test.concurrent('a rerun runs the canaries again and leaves nothing; without a subscription, az\'s current one names the version', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    expect((await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' })).code).toBe(0);
    fake.clearLog();
    const rerun = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope', GOLDEN_SUBSCRIPTION_ID: '' });
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(0, 2)).toEqual([ACCOUNT, ['account', 'show', '--query', 'id', '-o', 'tsv']]);
    expect(fake.calls().find((argv) => argv[1] === 'create')).toContain(`--image=${IMAGE_ID}`);
    expect(fake.calls().flat().some((arg) => arg.startsWith('--subscription='))).toBe(false);
    expect(rerun.stdout).toContain(`canary: subscription ${SUBSCRIPTION_ID} (az's current one)`);
    expect(fake.state().canaryVmsCreated).toEqual([CANARY_VM(1), CANARY_VM(1)]);
    expectNoCanaryLeft(fake);
  });

  describe('a failing canary: exit 9, the canary deleted, the version still excluded from latest', () => {
    test.concurrent.each<[CanaryFault, string, string[]]>([
      ['wrong-name', `the canary failed: the computer name is 'VM-GOLDEN', not '${COMPUTER_NAME(2)}' as Azure named the VM`, ['vm create', 'vm run-command invoke', 'vm delete']],
      ['no-answer', 'the canary failed: no answer from http://localhost/ with the computer name within 1800s', ['vm create', 'vm run-command invoke', 'vm delete']],
      ['no-marker', 'the canary failed: the guest\'s output does not end with a result line (GOLDEN-IMAGE-CANARY-RESULT: ...)', ['vm create', 'vm run-command invoke', 'vm delete']],
      ['create-fails', 'the canary could not be created: az vm create failed (printed above: e.g. no quota for Standard_D2s_v5 in northeurope', ['vm create', 'vm delete']],
    ])('%s in the second region', async (fault, message, commands) => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), canaryFaults: { northeurope: fault } });
      const result = await canary(fake);
      expect(result.code).toBe(9);
      expect(result.stderr).toContain(`canary northeurope: ${message}`);
      expect(result.stderr).toContain(`Version ${VERSION} stays excluded from latest, so`);
      expect(result.stderr).toMatch(/the previous version remains latest|keep the previous version/);
      // The first region passed; the second one's canary was made, looked at and deleted with its NIC and VNet.
      expect(result.stdout).toContain('canary westeurope: the canary passed');
      const second = fake.calls().slice(fake.calls().findIndex((argv) => argv.includes('--location=northeurope')));
      expect(second.map(commandOf).filter((c) => !c.startsWith('network'))).toEqual(commands);
      expect(second.slice(-3)).toEqual(canaryDeletion(CANARY_VM(2)));
      expectNoCanaryLeft(fake);
      expectPasswordsSecret(fake, result, 2);
      expect(versions(fake)).toEqual([PUBLISHED()]);
      if (fault === 'create-fails') {
        expect(result.stderr).toContain('  az| ERROR: {"status":"Failed","error":{"code":"DeploymentFailed"');
        expect(fake.state().nicsDeleted).toEqual([`${CANARY_VM(2)}VMNic`]);
      } else {
        expect(result.stdout).toContain('  guest| ');
      }
    });
  });

  test.concurrent('Run Command failing for good: exit 6, and the canary is still deleted on the way out', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), transient: [{ command: 'vm run-command invoke', error: '503', times: 1 }] });
    const result = await canary(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '1', GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('canary westeurope: az vm run-command invoke failed.');
    expect(result.stdout).toContain(`canary westeurope: the run is ending (exit 6): deleting canary ${CANARY_VM(1)}`);
    expect(fake.calls().slice(-3)).toEqual(canaryDeletion(CANARY_VM(1)));
    expectNoCanaryLeft(fake);
  });

  test.concurrent('canaries left by an interrupted run of this version and line are deleted first; others are not touched', async () => {
    // GIVEN an interrupted run's canary (VM, NIC, VNet), a VNet of a failed creation, and another version's and line's canaries
    const tags = { 'golden-canary': VERSION, 'golden-canary-image': `${GALLERY}/${DEFINITION}` };
    const left = `canary-${REVISION}-${CANARY_LINE}-03`;
    const vnetOnly = `canary-${REVISION}-${CANARY_LINE}-04`;
    const otherVersion = { 'golden-canary': '2026.1101.120000', 'golden-canary-image': `${GALLERY}/${DEFINITION}` };
    const otherLine = { 'golden-canary': VERSION, 'golden-canary-image': `${GALLERY}/golden-api` };
    const network = (name: string, t: Record<string, string>) => ({ resourceGroup: CANARY_GROUP, name: `${name}-vnet`, location: 'westeurope', tags: t, subnets: ['canary'] });
    const nic = (name: string, t: Record<string, string>) => ({ resourceGroup: CANARY_GROUP, name: `${name}VMNic`, location: 'westeurope', tags: t, vnet: `${name}-vnet`, vm: name });
    const vm = (name: string, t: Record<string, string>) => ({
      resourceGroup: CANARY_GROUP,
      name,
      location: 'westeurope',
      computerName: 'c2612011200003',
      image: IMAGE_ID,
      size: 'Standard_D2s_v5',
      securityType: 'TrustedLaunch',
      secureBoot: 'true',
      vtpm: 'true',
      adminUsername: 'canaryadmin',
      publicIpAddress: '',
      nsg: '',
      vnet: `${name}-vnet`,
      subnet: 'canary',
      nic: `${name}VMNic`,
      nicDeleteOption: 'Delete',
      osDiskDeleteOption: 'Delete',
      tags: t,
    });
    const others = ['canary-20261101120000-00000000-01', 'canary-20261201120000-11111111-01'];
    const fake = fakeAz({
      ...withVersions(PUBLISHED()),
      canaryVms: [vm(left, tags), vm(others[0], otherVersion), vm(others[1], otherLine)],
      nics: [nic(left, tags), nic(others[0], otherVersion), nic(others[1], otherLine)],
      vnets: [network(left, tags), network(vnetOnly, tags), network(others[0], otherVersion), network(others[1], otherLine)],
    });
    // WHEN
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(0, 9)).toEqual([ACCOUNT, SHOW, LEFTOVERS, ...canaryDeletion(left), ...canaryDeletion(vnetOnly)]);
    expect(result.stdout).toContain(`canary leftovers: canary ${left} was left by an interrupted earlier run`);
    const state = fake.state();
    expect(state.canaryVms!.map((v) => v.name)).toEqual(others);
    expect(state.nics!.map((n) => n.name)).toEqual(others.map((o) => `${o}VMNic`));
    expect(state.vnets!.map((n) => n.name)).toEqual(others.map((o) => `${o}-vnet`));
  });

  test.concurrent('SIGTERM during the check: exit 143, the canary\'s deletion started without waiting; a rerun deletes its VNet and passes', async () => {
    const gate = path.join(stack().directory, 'never-released');
    const fake = fakeAz({ ...withVersions(PUBLISHED()), holdUntil: { 'vm run-command invoke': gate } });
    let signalled = false;
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' }, (output, shellPid) => {
      if (!signalled && output.includes('checking the guest through Run Command')) {
        signalled = true;
        // Once az has started waiting for the guest.
        setTimeout(() => process.kill(childPids(shellPid)[0], 'SIGTERM'), 300);
      }
    });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain(`ERROR: interrupted by SIGTERM during step canary westeurope. Version ${VERSION} is left as it is, excluded from latest`);
    expect(result.stdout).toContain(`canary westeurope: canary ${CANARY_VM(1)} is being deleted; its VNet ${CANARY_VM(1)}-vnet is deleted by the next run`);
    expect(fake.state().canaryVmsDeleted).toEqual([{ name: CANARY_VM(1), noWait: true }]);
    expect(fake.state().vnets!.map((v) => v.name)).toEqual([`${CANARY_VM(1)}-vnet`]);
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    // WHEN the deployment runs again
    fake.update({ holdUntil: {} });
    fake.clearLog();
    const rerun = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(2, 6)).toEqual([LEFTOVERS, ...canaryDeletion(CANARY_VM(1))]);
    expectNoCanaryLeft(fake);
  });

  test.concurrent.each<[string, Partial<FakeAzState>, Record<string, string>, number, string]>([
    ['the version is not published: exit 8', {}, {}, 8, `canary: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} was not found.`],
    ['the version is still Creating: exit 6', withVersions(PUBLISHED({ provisioningState: 'Creating' })), {}, 6, `canary: version ${VERSION} is Creating, not Succeeded`],
    ['the version is another build\'s: exit 2', withVersions(lineVersion('20261130000000', { name: VERSION })), {}, 2, 'exists already, but it is not build'],
    ['the canary resource group does not exist: exit 8', withVersions(PUBLISHED()), { GOLDEN_CANARY_RESOURCE_GROUP: 'rg-nowhere' }, 8, 'or the canary resource group rg-nowhere'],
    ['a region the version is not replicated to: exit 9', withVersions(PUBLISHED()), { GOLDEN_CANARY_REGIONS: 'eastus' }, 9, 'is not replicated to region \'eastus\''],
  ])('%s', async (_, state, environment, code, message) => {
    const fake = fakeAz(state);
    const result = await canary(fake, environment);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(fake.state().canaryVms ?? []).toEqual([]);
  });
});

describe('gallery.sh replicate', () => {
  const REPLICAS = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--query',
    'publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]', '-o', 'tsv'];
  const published = () => PUBLISHED({
    // As Azure reports them: display names.
    targetRegions: [{ name: 'West Europe', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' }, { name: 'North Europe', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
  });

  test.concurrent('replicas as asked already: nothing to update', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, REPLICAS]);
    expect(result.stdout).toContain('replicate: the replicas are as asked already');
  });

  test.concurrent('more replicas and a new region: one update with every target region, storage types in lower case', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=2=Standard_ZRS\nnortheurope=4=Standard_LRS\nswedencentral=1=Standard_LRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, REPLICAS, ['sig', 'image-version', 'update', ...VERSION_ARGS, '--target-regions',
      'westeurope=2=standard_zrs', 'northeurope=4=standard_lrs', 'swedencentral=1=standard_lrs', '-o', 'none']]);
    expect(versions(fake)[0].targetRegions).toEqual([
      { name: 'westeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
      { name: 'northeurope', regionalReplicaCount: 4, storageAccountType: 'Standard_LRS' },
      { name: 'swedencentral', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
    ]);
    // Still excluded from latest: replication never promotes.
    expect(versions(fake)[0].excludeFromLatest).toBe(true);
  });

  test.concurrent('a region dropped: its replicas are removed, with Azure\'s explicit permission', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=2=Standard_ZRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().pop()).toEqual(['sig', 'image-version', 'update', ...VERSION_ARGS, '--target-regions', 'westeurope=2=standard_zrs',
      '--allow-replicated-location-deletion=true', '-o', 'none']);
    expect(result.stdout).toContain('replicate: northeurope is no longer a target region: its replicas are removed');
    expect(versions(fake)[0].targetRegions!.map((r) => r.name)).toEqual(['westeurope']);
  });

  test.concurrent('a changed storage type is kept for the existing replicas (Azure refuses to change it) and said so', async () => {
    const fake = fakeAz(withVersions(published()));
    const result = await replicate(fake, 'westeurope=3=Standard_LRS\nnortheurope=1=Standard_LRS');
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain("replicate: westeurope keeps its storage type Standard_ZRS (Azure does not change it in place; the next build's version gets Standard_LRS)");
    expect(versions(fake)[0].targetRegions![0]).toEqual({ name: 'westeurope', regionalReplicaCount: 3, storageAccountType: 'Standard_ZRS' });
  });

  test.concurrent('a version that is not there, or another build\'s: no update', async () => {
    const missing = fakeAz(withVersions());
    const gone = await replicate(missing);
    expect(gone.code).toBe(8);
    expect(gone.stderr).toContain('replicate: version 2026.1201.120000 of image definition gallery_golden/golden-web in resource group rg-gallery was not found');
    const other = fakeAz(withVersions({ ...published(), tags: { 'golden-image-name': DEFINITION, 'golden-image-revision': '20261101000000' } }));
    const foreign = await replicate(other, 'westeurope=5=Standard_ZRS');
    expect(foreign.code).toBe(2);
    expect(other.commands()).not.toContain('sig image-version update');
  });
});

describe('gallery.sh promote', () => {
  test.concurrent('lets latest resolve to the version, then keeps the line\'s newest 3, in exactly these calls', async () => {
    const earlier = revisions(4).map((r) => lineVersion(r));
    const fake = fakeAz(withVersions(...BYSTANDERS, ...[...earlier].reverse(), PUBLISHED()));
    const result = await promote(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, UPDATE, LIST, DELETE(earlier[0].name), DELETE(earlier[1].name)]);
    expect(versions(fake).find((v) => v.name === VERSION)!.excludeFromLatest).toBe(false);
    expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), earlier[2].name, earlier[3].name, VERSION].sort());
    expect(result.stdout).toContain('promote: version 2026.1201.120000 promoted in');
    expect(result.stdout).toContain('prune: 5 version(s) in line gallery_golden/golden-web, keeping the newest 3 and 2026.1201.120000, which latest resolves to');
  });

  test.concurrent('a rerun changes nothing', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    expect((await promote(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await promote(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, SHOW, LIST]);
    expect(rerun.stdout).toContain('promote: version 2026.1201.120000 is already promoted (not excluded from latest): nothing to change');
    expect(fake.state().galleryVersionUpdates).toHaveLength(1);
  });

  test.concurrent('GOLDEN_EXCLUDE_FROM_LATEST=true: the version stays excluded, and pruning keeps the version latest resolves to', async () => {
    const earlier = revisions(3).map((r) => lineVersion(r));
    const fake = fakeAz(withVersions(...earlier, PUBLISHED()));
    const result = await promote(fake, { GOLDEN_EXCLUDE_FROM_LATEST: 'true', GOLDEN_RETAIN_VERSIONS: '1' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toContain('promote: GOLDEN_EXCLUDE_FROM_LATEST=true: version 2026.1201.120000 stays excluded from latest');
    expect(fake.commands()).not.toContain('sig image-version update');
    expect(versions(fake).find((v) => v.name === VERSION)!.excludeFromLatest).toBe(true);
    // The newest promoted version (what latest resolves to) stays, beyond the retention of 1.
    expect(versionNames(fake)).toEqual([earlier[2].name, VERSION]);
  });

  describe('pruning to the newest GOLDEN_RETAIN_VERSIONS', () => {
    const cases: Array<[number, number]> = [];
    for (const existing of [0, 1, 2, 4]) {
      for (const retain of [1, 3]) {
        cases.push([existing, retain]);
      }
    }
    test.concurrent.each(cases)('%i earlier version(s), retain %i: the oldest go first, never this one, nothing else touched', async (existing, retain) => {
      const earlier = revisions(existing);
      const fake = fakeAz(withVersions(...BYSTANDERS, ...[...earlier].reverse().map((r) => lineVersion(r)), PUBLISHED()));
      const result = await promote(fake, { GOLDEN_RETAIN_VERSIONS: String(retain) });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const all = [...earlier, REVISION].map((r) => lineVersion(r).name);
      const deleted = all.slice(0, Math.max(0, all.length - retain));
      expect(fake.calls().slice(4)).toEqual(deleted.map(DELETE));
      expect(versionNames(fake).sort()).toEqual([...BYSTANDERS.map((v) => v.name), ...all.slice(all.length - Math.min(retain, all.length))].sort());
    });

    test.concurrent('a version older than the ones kept (a rerun of an old revision) is still never deleted', async () => {
      const newer = ['20270101000000', '20270201000000', '20270301000000'].map((r) => lineVersion(r));
      const fake = fakeAz(withVersions(...newer, PUBLISHED()));
      const result = await promote(fake, { GOLDEN_RETAIN_VERSIONS: '2' });
      expect(result.code).toBe(0);
      expect(versionNames(fake)).toContain(VERSION);
      expect(fake.state().galleryVersionsDeleted).toEqual([newer[0].name]);
    });
  });

  test.concurrent.each<[string, Partial<FakeAzState>, number, string]>([
    ['the version does not exist: exit 8', {}, 8, `promote: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP}`],
    ['the version is Failed: exit 6', withVersions(PUBLISHED({ provisioningState: 'Failed' })), 6, 'promote: version 2026.1201.120000 is Failed, not Succeeded'],
    ['the version is another build\'s: exit 2', withVersions(lineVersion('20261130000000', { name: VERSION, excludeFromLatest: true })), 2, 'exists already, but it is not build'],
  ])('%s, nothing changed', async (_, state, code, message) => {
    const fake = fakeAz(state);
    const before = fake.state().galleryImages;
    const result = await promote(fake);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(fake.state().galleryImages).toEqual(before);
  });

  test.concurrent('transient errors of update, list and delete are retried', async () => {
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
  });
});

describe('gallery.sh delete-all', () => {
  test.concurrent('deletes every version of the line, oldest first, and nothing else', async () => {
    const line = revisions(3).map((r) => lineVersion(r));
    const otherKey = `${GROUP}/${GALLERY}/golden-api`;
    const fake = fakeAz({ galleryImages: { [LINE_KEY]: [...BYSTANDERS, ...[...line].reverse()], [otherKey]: [lineVersion(REVISION)] } });
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, LIST, ...line.map((v) => DELETE(v.name))]);
    expect(versionNames(fake).sort()).toEqual(BYSTANDERS.map((v) => v.name).sort());
    expect(versionNames(fake, otherKey)).toEqual([VERSION]);
    expect(result.stdout).toContain('delete-all: done');
  });

  test.concurrent('a rerun (nothing left) deletes nothing', async () => {
    const fake = fakeAz(withVersions(...BYSTANDERS, lineVersion(REVISION)));
    expect((await deleteAll(fake)).code).toBe(0);
    fake.clearLog();
    const rerun = await deleteAll(fake);
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, LIST]);
  });

  test.concurrent.each<[string, Partial<FakeAzState>]>([
    ['the image definition', { galleryImages: { [`${GROUP}/${GALLERY}/other`]: [] } }],
    ['the resource group', { galleryImages: {} }],
  ])('%s already gone: success, nothing to delete', async (_, state) => {
    const fake = fakeAz(state);
    const result = await deleteAll(fake);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([ACCOUNT, LIST]);
    expect(result.stdout).toContain('list: image definition gallery_golden/golden-web or its gallery or resource group does not exist: no versions');
  });

  test.concurrent('needs none of the other subcommands\' variables; transient errors are retried', async () => {
    const fake = fakeAz({ ...withVersions(...revisions(2).map((r) => lineVersion(r))), transient: [{ command: 'sig image-version delete', error: '504', times: 2 }] });
    const result = await deleteAll(fake, { GOLDEN_GALLERY_VERSION: 'x', GOLDEN_RETAIN_VERSIONS: 'all', GOLDEN_CANARY_REGIONS: '' });
    expect(result.code).toBe(0);
    expect(versionNames(fake)).toEqual([]);
    expect(fake.commands().filter((c) => c === 'sig image-version delete')).toHaveLength(4);
  });
});

describe('gallery.sh input validation: exit 2 naming the variable, and no az call', () => {
  const all = () => ({ ...publishEnvironment(), ...canaryEnvironment(), ...promoteEnvironment() });
  test.concurrent.each<[string, string, Record<string, string>, string]>([
    ['no action', '', {}, "usage: gallery.sh publish|replicate|canary|promote|delete-all (got '')"],
    ['an unknown action', 'capture', {}, 'usage: gallery.sh publish|replicate|canary|promote|delete-all (got capture)'],
    ['GOLDEN_SUBSCRIPTION_ID not a GUID', 'delete-all', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID) must be a subscription id'],
    ['GOLDEN_GALLERY_RESOURCE_GROUP missing', 'delete-all', { GOLDEN_GALLERY_RESOURCE_GROUP: '' }, 'GOLDEN_GALLERY_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_GALLERY_RESOURCE_GROUP with a command', 'publish', { GOLDEN_GALLERY_RESOURCE_GROUP: 'rg$(touch pwned)' }, 'GOLDEN_GALLERY_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_GALLERY_NAME with a hyphen', 'promote', { GOLDEN_GALLERY_NAME: 'my-gallery' }, 'GOLDEN_GALLERY_NAME must be a gallery name'],
    ['GOLDEN_GALLERY_NAME missing', 'delete-all', { GOLDEN_GALLERY_NAME: '' }, 'GOLDEN_GALLERY_NAME must be a gallery name'],
    ['GOLDEN_GALLERY_IMAGE with a quote (it goes into a JMESPath query)', 'delete-all', { GOLDEN_GALLERY_IMAGE: "x']|[*" }, 'GOLDEN_GALLERY_IMAGE must be an image definition name'],
    ['GOLDEN_GALLERY_IMAGE ending with a period', 'canary', { GOLDEN_GALLERY_IMAGE: 'web.' }, 'GOLDEN_GALLERY_IMAGE must be an image definition name'],
    ['GOLDEN_GALLERY_VERSION with a leading zero', 'publish', { GOLDEN_GALLERY_VERSION: '2026.0101.120000' }, 'GOLDEN_GALLERY_VERSION must be a gallery image version X.Y.Z'],
    ['GOLDEN_GALLERY_VERSION with two parts', 'promote', { GOLDEN_GALLERY_VERSION: '1.0' }, 'GOLDEN_GALLERY_VERSION must be a gallery image version X.Y.Z'],
    ['GOLDEN_GALLERY_VERSION beyond 32 bits', 'canary', { GOLDEN_GALLERY_VERSION: '1.2147483648.0' }, 'GOLDEN_GALLERY_VERSION must be X.Y.Z with each part at most 2147483647; got 1.2147483648.0'],
    ['GOLDEN_BUILD_REVISION too short', 'publish', { GOLDEN_BUILD_REVISION: '2026120112' }, 'GOLDEN_BUILD_REVISION must be a build revision (14 digits, YYYYMMDDhhmmss)'],
    ['GOLDEN_BUILD_REVISION missing', 'promote', { GOLDEN_BUILD_REVISION: '' }, 'GOLDEN_BUILD_REVISION must be a build revision'],
    ['GOLDEN_SOURCE_ID of a managed image', 'publish', { GOLDEN_SOURCE_ID: VM_ID.replace('/virtualMachines/', '/images/') }, 'GOLDEN_SOURCE_ID must be the resource id of the generalized build VM'],
    ['GOLDEN_GALLERY_LOCATION display name', 'publish', { GOLDEN_GALLERY_LOCATION: 'West Europe' }, 'GOLDEN_GALLERY_LOCATION must be an Azure region name'],
    ['GOLDEN_TARGET_REGIONS empty', 'publish', { GOLDEN_TARGET_REGIONS: '\n' }, 'GOLDEN_TARGET_REGIONS must hold at least one region=replicaCount=storageType line'],
    ['GOLDEN_TARGET_REGIONS without the storage type', 'publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType'],
    ['GOLDEN_TARGET_REGIONS with 101 replicas', 'publish', { GOLDEN_TARGET_REGIONS: 'westeurope=101=Standard_LRS' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType'],
    ['GOLDEN_TARGET_REGIONS with an unknown storage type', 'publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1=Premium_ZRS' }, 'a line of GOLDEN_TARGET_REGIONS must be region=replicaCount=storageType'],
    ['GOLDEN_TARGET_REGIONS naming a region twice', 'publish', { GOLDEN_TARGET_REGIONS: 'westeurope=1=Standard_LRS\nwesteurope=2=Standard_ZRS' }, 'GOLDEN_TARGET_REGIONS names westeurope twice'],
    ['GOLDEN_TARGET_REGIONS without the gallery\'s region', 'publish', { GOLDEN_TARGET_REGIONS: 'northeurope=1=Standard_LRS' }, 'GOLDEN_TARGET_REGIONS must include the gallery\'s own region westeurope (GOLDEN_GALLERY_LOCATION)'],
    ['GOLDEN_END_OF_LIFE_DATE not a date', 'publish', { GOLDEN_END_OF_LIFE_DATE: '2027-13-01' }, 'GOLDEN_END_OF_LIFE_DATE must be a date YYYY-MM-DD'],
    ['GOLDEN_IMAGE_TAGS without =', 'publish', { GOLDEN_IMAGE_TAGS: 'env' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS key with /', 'publish', { GOLDEN_IMAGE_TAGS: 'a/b=c' }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_IMAGE_TAGS value of 257 characters', 'publish', { GOLDEN_IMAGE_TAGS: `a=${'v'.repeat(257)}` }, 'a line of GOLDEN_IMAGE_TAGS must be key=value'],
    ['GOLDEN_PUBLISH_TIMEOUT_MINUTES 29', 'publish', { GOLDEN_PUBLISH_TIMEOUT_MINUTES: '29' }, 'GOLDEN_PUBLISH_TIMEOUT_MINUTES must be between 30 and 720; got 29'],
    ['GOLDEN_CANARY_REGIONS empty', 'canary', { GOLDEN_CANARY_REGIONS: '' }, 'GOLDEN_CANARY_REGIONS must hold 1-20 regions, one per line; got 0'],
    ['GOLDEN_CANARY_REGIONS with a display name', 'canary', { GOLDEN_CANARY_REGIONS: 'westeurope\nNorth Europe' }, 'a line of GOLDEN_CANARY_REGIONS must be an Azure region name'],
    ['GOLDEN_CANARY_REGIONS naming a region twice', 'canary', { GOLDEN_CANARY_REGIONS: 'westeurope\nwesteurope' }, 'GOLDEN_CANARY_REGIONS names westeurope twice'],
    ['GOLDEN_CANARY_REGIONS with 21 regions', 'canary', { GOLDEN_CANARY_REGIONS: Array.from({ length: 21 }, (_, i) => `region${i}`).join('\n') }, 'GOLDEN_CANARY_REGIONS must hold 1-20 regions, one per line; got 21'],
    ['GOLDEN_CANARY_SECURITY_TYPE ConfidentialVM', 'canary', { GOLDEN_CANARY_SECURITY_TYPE: 'ConfidentialVM' }, 'GOLDEN_CANARY_SECURITY_TYPE must be Standard or TrustedLaunch'],
    ['GOLDEN_CANARY_VM_SIZE with a space', 'canary', { GOLDEN_CANARY_VM_SIZE: 'Standard D2s v5' }, 'GOLDEN_CANARY_VM_SIZE must be an Azure VM size'],
    ['GOLDEN_CANARY_RESOURCE_GROUP missing', 'canary', { GOLDEN_CANARY_RESOURCE_GROUP: '' }, 'GOLDEN_CANARY_RESOURCE_GROUP must be an Azure resource group name'],
    ['GOLDEN_CANARY_TIMEOUT_MINUTES 121', 'canary', { GOLDEN_CANARY_TIMEOUT_MINUTES: '121' }, 'GOLDEN_CANARY_TIMEOUT_MINUTES must be between 5 and 120; got 121'],
    ['GOLDEN_CANARY_URL with a query', 'canary', { GOLDEN_CANARY_URL: 'http://localhost/?a=1&b=2' }, 'GOLDEN_CANARY_URL must be an http(s) URL without spaces, quotes or query'],
    ['GOLDEN_CANARY_URL ftp', 'canary', { GOLDEN_CANARY_URL: 'ftp://localhost/' }, 'GOLDEN_CANARY_URL must be an http(s) URL'],
    ['GOLDEN_GUEST_DIRECTORY absolute', 'canary', { GOLDEN_GUEST_DIRECTORY: '/etc' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
    ['GOLDEN_GUEST_DIRECTORY without canary-check.ps1', 'canary', { GOLDEN_GUEST_DIRECTORY: 'assets' }, 'GOLDEN_GUEST_DIRECTORY: no readable canary-check.ps1 in assets'],
    ['GOLDEN_EXCLUDE_FROM_LATEST yes', 'promote', { GOLDEN_EXCLUDE_FROM_LATEST: 'yes' }, 'GOLDEN_EXCLUDE_FROM_LATEST must be true or false'],
    ['GOLDEN_RETAIN_VERSIONS 0', 'promote', { GOLDEN_RETAIN_VERSIONS: '0' }, 'GOLDEN_RETAIN_VERSIONS must be between 1 and 50; got 0'],
    ['GOLDEN_RETAIN_VERSIONS not a number', 'promote', { GOLDEN_RETAIN_VERSIONS: 'all' }, 'GOLDEN_RETAIN_VERSIONS must be a whole number; got all'],
    ['GOLDEN_POLL_SECONDS 0', 'delete-all', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
  ])('%s', async (_, action, values, message) => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    const result = await run(fake, action, { ...all(), ...values });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fake.calls()).toEqual([]);
  });
});

describe('the scripts themselves', () => {
  const operator = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'operator', 'gallery.sh'), 'utf8');
  const guest = fs.readFileSync(path.join(SCRIPTS_DIRECTORY, 'guest', 'canary-check.ps1'), 'utf8');
  const fake = fs.readFileSync(path.join(FAKE_AZ_DIRECTORY, 'simulator.js'), 'utf8');

  test('the guest script, the operator script and the fake az use the same result marker', () => {
    const marker = "'GOLDEN-IMAGE-CANARY-RESULT:'";
    expect(guest).toContain(`$Marker = ${marker}`);
    expect(operator).toContain(`readonly CANARY_MARKER=${marker}`);
    expect(fake).toContain(`const CANARY_MARKER = ${marker}`);
    expect(guest).toContain('Write-Output "$Marker PASSED $Text"');
    expect(guest).toContain('Write-Output "$Marker FAILED $(Get-Short $Text)"');
  });

  test('the header documents every variable the script reads and every exit code', () => {
    const read = new Set([...operator.matchAll(/\$\{(GOLDEN_[A-Z_]+)/g)].map((m) => m[1]));
    for (const variable of read) {
      expect({ variable, documented: new RegExp(`^#\\s+${variable}\\s`, 'm').test(operator) }).toEqual({ variable, documented: true });
    }
    expect(operator).toMatch(/# Exit codes: 0 done; 2 invalid input; 3 az cannot be used \(missing, .*\n# .*; 4 timeout .*; 6 az failed; 8 .*\n# .*; 9 a canary failed .*\n# .*; 12 no temporary directory \(TMPDIR\); 129\/130\/143 interrupted/);
  });

  test('gallery.sh passes shellcheck (following `source common.sh`)', () => {
    if (spawnSync('shellcheck', ['--version']).error) {
      console.log('shellcheck is not installed: skipping (CI installs it: apt-get install -y shellcheck)');
      return;
    }
    expect(() => execFileSync('shellcheck', ['-x', '-P', 'SCRIPTDIR', '-s', 'bash', path.join(SCRIPTS_DIRECTORY, 'operator', 'gallery.sh')], { encoding: 'utf8' })).not.toThrow();
  });
});
