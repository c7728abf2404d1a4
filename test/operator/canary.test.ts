/**
 * The gallery-canary step (lib/operator/steps/canary.ts) in-process, against the simulated az (test/fake-az: gallery
 * image versions, canary VMs with their NICs and VNets, the canary check in their guests) on a simulated clock.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing, TerraformStack } from 'cdktf';
import {
  GalleryImage, GalleryImageVersion, GalleryImageVersionProps, GeneralizedImage, GoldenVm, ImageGallery, SecurityType, WindowsSetup,
} from '../../lib';
import { AzInvocation } from '../../lib/operator/az-process';
import { STEPS } from '../../lib/operator/main';
import {
  CANARY_MARKER, canaryNames, canaryPassword, lineKey, MAX_CANARY_REGIONS, MAX_CHECK_MINUTES, posixCksum,
} from '../../lib/operator/steps/canary';
import { SCRIPTS_DIRECTORY } from '../../lib/private/steps/scripts';
import { goldenVmProps } from '../util/constructs';
import { CanaryFault, commandOf, FakeAzState, FakeGalleryVersion, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { stepProvisioner, SynthesizedStack, synthToDirectory } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const GROUP = 'rg-gallery';
const GALLERY = 'gallery_golden';
const DEFINITION = 'golden-web';
const LINE_KEY = `${GROUP}/${GALLERY}/${DEFINITION}`;
const REVISION = '20261201120000';
const VERSION = '2026.1201.120000';
const CANARY_GROUP = 'rg-canary';
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${GROUP}/providers/Microsoft.Compute/galleries/${GALLERY}/images/${DEFINITION}/versions/${VERSION}`;
/** The step runs from a directory whose `guest` holds the guest scripts (a stack directory's `assets/.../guest`). */
const CHECK_SCRIPT = path.join(SCRIPTS_DIRECTORY, 'guest', 'canary-check.ps1');

/** 8 hex digits of the real `cksum` of the line, as the bash canary (gallery.sh) computed them: the same names. */
const CANARY_LINE = Number(execFileSync('cksum', { input: LINE_KEY }).toString().split(' ')[0]).toString(16).padStart(8, '0');
const CANARY_VM = (index: number) => `canary-${REVISION}-${CANARY_LINE}-${String(index).padStart(2, '0')}`;
const COMPUTER_NAME = (index: number) => `c${REVISION.slice(2)}${String(index).padStart(2, '0')}`;

const fakes: InProcessAz[] = [];
afterAll(() => fakes.forEach((fake) => fake.dispose()));

/** A published build (what the canary runs after) and the canaries' resource group. */
function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz({
    power: 'deallocated',
    osState: 'generalized',
    guestImageState: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE',
    galleryImages: { [LINE_KEY]: [] },
    resourceGroups: [CANARY_GROUP],
    ...state,
  });
  fakes.push(fake);
  return fake;
}

function canaryEnvironment(): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_GALLERY_RESOURCE_GROUP: GROUP,
    GOLDEN_GALLERY_NAME: GALLERY,
    GOLDEN_GALLERY_IMAGE: DEFINITION,
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_CANARY_REGIONS: 'westeurope\nnortheurope',
    GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch',
    GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
    GOLDEN_CANARY_RESOURCE_GROUP: CANARY_GROUP,
    GOLDEN_GUEST_DIRECTORY: 'guest',
  };
}

interface CanaryOptions {
  readonly interrupt?: { readonly signal: 'SIGHUP' | 'SIGINT' | 'SIGTERM'; readonly when: (call: AzInvocation) => boolean };
  /** Sees every call before the fake answers it. */
  readonly watch?: (call: AzInvocation) => void;
  readonly clock?: FakeClock;
}

function canary(fake: InProcessAz, extra: Record<string, string> = {}, options: CanaryOptions = {}): Promise<StepRun> {
  return runInProcess(STEPS['gallery-canary'], {
    env: { ...fake.environment(), ...canaryEnvironment(), ...extra },
    az: (call) => {
      options.watch?.(call);
      return fake.run(call);
    },
    clock: options.clock ?? new FakeClock(),
    cwd: SCRIPTS_DIRECTORY,
    interrupt: options.interrupt,
  });
}

const isCommand = (words: string) => (call: AzInvocation) => commandOf(call.args as string[]) === words;

// --- the expected az lines ---------------------------------------------------------------------------------------
const START = STEP_START_CALLS;
const VERSION_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${GROUP}`, `--gallery-name=${GALLERY}`, `--gallery-image-definition=${DEFINITION}`,
  `--gallery-image-version=${VERSION}`];
const SHOW = ['sig', 'image-version', 'show', ...VERSION_ARGS, '--query',
  '[[provisioningState, publishingProfile.excludeFromLatest, tags."golden-image-revision"]]', '--output', 'json'];
const CANARY_ARGS = [`--subscription=${SUBSCRIPTION_ID}`, `--resource-group=${CANARY_GROUP}`];
const LEFTOVERS = ['resource', 'list', ...CANARY_ARGS, '--query',
  `[?tags."golden-canary"=='${VERSION}' && tags."golden-canary-image"=='${GALLERY}/${DEFINITION}'].[type, name]`, '--output', 'json'];
function vmCreate(index: number, region: string, securityType = 'TrustedLaunch', group = CANARY_ARGS): string[] {
  const vm = CANARY_VM(index);
  return ['vm', 'create', ...group, `--name=${vm}`, `--location=${region}`, `--image=${IMAGE_ID}`, '--size=Standard_D2s_v5',
    `--security-type=${securityType}`, ...(securityType === 'TrustedLaunch' ? ['--enable-secure-boot=true', '--enable-vtpm=true'] : []),
    '--admin-username=canaryadmin', expect.stringMatching(/^--admin-password=@\/.*\/canary-password$/) as unknown as string,
    `--computer-name=${COMPUTER_NAME(index)}`, '--public-ip-address=', '--nsg=', `--vnet-name=${vm}-vnet`, '--subnet=canary',
    '--nic-delete-option=Delete', '--os-disk-delete-option=Delete', '--tags', `golden-canary=${VERSION}`, `golden-canary-image=${GALLERY}/${DEFINITION}`,
    '--output', 'none'];
}
function canaryCheck(index: number, timeoutSeconds = 1800, url = 'http://localhost/'): string[] {
  return ['vm', 'run-command', 'invoke', ...CANARY_ARGS, `--name=${CANARY_VM(index)}`, '--command-id', 'RunPowerShellScript',
    '--scripts', `@${CHECK_SCRIPT}`, '--parameters', `Url=${url}`, `ExpectedName=${COMPUTER_NAME(index)}`, `TimeoutSeconds=${timeoutSeconds}`,
    '--query', 'value[].[code, message]', '--output', 'json'];
}
function canaryDeletion(name: string, group = CANARY_ARGS): string[][] {
  return [
    ['vm', 'delete', ...group, `--name=${name}`, '--yes', '--output', 'none'],
    ['network', 'nic', 'delete', ...group, `--name=${name}VMNic`, '--output', 'none'],
    ['network', 'vnet', 'delete', ...group, `--name=${name}-vnet`, '--output', 'none'],
  ];
}

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
/** This build's version, as the publish step leaves it: excluded from latest. */
const PUBLISHED = (extra: Partial<FakeGalleryVersion> = {}) => lineVersion(REVISION, { excludeFromLatest: true, ...extra });
const withVersions = (...list: FakeGalleryVersion[]): Partial<FakeAzState> => ({ galleryImages: { [LINE_KEY]: list } });

/** Nothing of any canary is left: no VM, NIC or VNet in the canaries' group, and no password file (nor its directory). */
function expectNoCanaryLeft(fake: InProcessAz): void {
  const state = fake.state();
  expect({ vms: state.canaryVms ?? [], nics: state.nics ?? [], vnets: state.vnets ?? [] }).toEqual({ vms: [], nics: [], vnets: [] });
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
}

/** Every password the fake saw came from a 0600 file and appears in no command line and no output. */
function expectPasswordsSecret(fake: InProcessAz, result: StepRun, count: number): void {
  const state = fake.state();
  expect(state.canaryPasswordSources).toEqual(Array(count).fill('file'));
  expect(state.canaryPasswordFileModes).toEqual(Array(count).fill(0o600));
  expect(state.canaryPasswords).toHaveLength(count);
  expect(new Set(state.canaryPasswords).size).toBe(count);
  for (const password of state.canaryPasswords!) {
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(fake.calls().flat().some((arg) => arg.includes(password))).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(password);
  }
  for (const argv of fake.calls().filter((a) => commandOf(a) === 'vm create')) {
    expect(argv.filter((a) => a.startsWith('--admin-password'))).toEqual([expect.stringMatching(/^--admin-password=@\//)]);
  }
}

describe('names', () => {
  test('the line key is 8 hex digits of the CRC the real cksum computes, of the line in lower case', () => {
    const inputs = ['', 'a', LINE_KEY, 'rg-GALLERY/Gallery_Golden/Golden-Web'.toLowerCase(), 'x'.repeat(255), 'y'.repeat(256), 'z'.repeat(70000)];
    for (const input of inputs) {
      const real = Number(execFileSync('cksum', { input }).toString().split(' ')[0]);
      expect({ input: input.slice(0, 20), crc: posixCksum(Buffer.from(input)) }).toEqual({ input: input.slice(0, 20), crc: real });
    }
    expect(lineKey({ resourceGroup: 'RG-Gallery', gallery: 'Gallery_Golden', definition: 'Golden-Web' }))
      .toBe(lineKey({ resourceGroup: 'rg-gallery', gallery: 'gallery_golden', definition: 'golden-web' }));
    expect(lineKey({ resourceGroup: GROUP, gallery: GALLERY, definition: DEFINITION })).toBe(CANARY_LINE);
  });

  test('VM and computer names: canary-<revision>-<line key>-<NN>, c<YYMMDDhhmmss><NN> of 15 characters', () => {
    expect(canaryNames(REVISION, CANARY_LINE, 1)).toEqual({ vm: CANARY_VM(1), computer: 'c26120112000001' });
    expect(canaryNames(REVISION, CANARY_LINE, 20).computer).toHaveLength(15);
  });

  test('the guest script, the step and the simulated az use the same result marker', () => {
    const guest = fs.readFileSync(CHECK_SCRIPT, 'utf8');
    const simulator = fs.readFileSync(path.join(__dirname, '..', 'fake-az', 'simulator.js'), 'utf8');
    expect(guest).toContain(`$Marker = '${CANARY_MARKER}'`);
    expect(guest).toContain('Write-Output "$Marker PASSED $Text"');
    expect(guest).toContain('Write-Output "$Marker FAILED $(Get-Short $Text)"');
    expect(simulator).toContain(`const CANARY_MARKER = '${CANARY_MARKER}'`);
  });

  test('passwords: 24 letters and digits of each kind, never twice the same', () => {
    const passwords = Array.from({ length: 50 }, canaryPassword);
    for (const password of passwords) {
      expect(password).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{24}$/);
    }
    expect(new Set(passwords).size).toBe(50);
  });
});

describe('the gallery-canary step, in-process against the simulated az', () => {
  test('Trusted Launch, two regions: one canary after the other, each checked and deleted with its NIC and VNet', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    // What the step keeps in its temporary directory while each check runs: the password file is gone once az read it.
    const keptDuringChecks: string[][] = [];
    const result = await canary(fake, {}, {
      watch: (call) => {
        if (isCommand('vm run-command invoke')(call)) {
          keptDuringChecks.push(fs.readdirSync(fake.tmpDirectory).flatMap((directory) => fs.readdirSync(path.join(fake.tmpDirectory, directory))));
        }
      },
    });
    expect(keptDuringChecks).toEqual([[], []]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([
      ...START, SHOW, LEFTOVERS,
      vmCreate(1, 'westeurope'), canaryCheck(1), ...canaryDeletion(CANARY_VM(1)),
      vmCreate(2, 'northeurope'), canaryCheck(2), ...canaryDeletion(CANARY_VM(2)),
    ]);
    const state = fake.state();
    expect(state.canaryVmsCreated).toEqual([CANARY_VM(1), CANARY_VM(2)]);
    expect(state.canaryVmsDeleted).toEqual([{ name: CANARY_VM(1), noWait: false }, { name: CANARY_VM(2), noWait: false }]);
    expect(state.vnetsDeleted).toEqual([`${CANARY_VM(1)}-vnet`, `${CANARY_VM(2)}-vnet`]);
    expect(state.canaryChecks!.map((c) => [c.vm, c.location])).toEqual([[CANARY_VM(1), 'westeurope'], [CANARY_VM(2), 'northeurope']]);
    expectNoCanaryLeft(fake);
    expectPasswordsSecret(fake, result, 2);
    // Computer names of 15 characters; the version is untouched, still excluded from latest.
    expect(COMPUTER_NAME(1)).toHaveLength(15);
    expect(fake.state().galleryImages![LINE_KEY]).toEqual([PUBLISHED()]);
    expect(result.stdout).toContain(`[gallery +0s] canary: version ${VERSION} of ${GALLERY}/${DEFINITION} in resource group ${GROUP}, one TrustedLaunch `
      + `Standard_D2s_v5 VM in each of: westeurope northeurope (resource group ${CANARY_GROUP})`);
    expect(result.stdout).toContain(`canary: version ${VERSION} is published (excluded from latest: True)`);
    expect(result.stdout).toContain(`  guest| ${CANARY_MARKER} PASSED ${COMPUTER_NAME(2).toUpperCase()} answered http://localhost/`);
    expect(result.stdout).toMatch(/canary westeurope: canary canary-\d+-[0-9a-f]{8}-01 deleted in \d+s/);
    expect(result.stdout).toContain('canary: passed in 2 region(s): westeurope northeurope');
  });

  test('Standard: no Secure Boot or vTPM; the VM has no public IP, no NSG, and the canary tags; the URL and the limit reach the guest', async () => {
    // GIVEN a look at the canary as it is when its deletion starts
    const fake = fakeAz(withVersions(PUBLISHED()));
    let vms: FakeAzState['canaryVms'];
    const result = await canary(fake, {
      GOLDEN_CANARY_SECURITY_TYPE: 'Standard',
      GOLDEN_CANARY_REGIONS: 'northeurope',
      GOLDEN_CANARY_TIMEOUT_MINUTES: '5',
      GOLDEN_CANARY_URL: 'https://localhost:8443/health/',
    }, { watch: (call) => { vms ??= isCommand('vm delete')(call) ? fake.state().canaryVms : undefined; } });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
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
    expect(fake.calls().find((argv) => commandOf(argv) === 'vm create')).toEqual(vmCreate(1, 'northeurope', 'Standard'));
    expect(fake.calls().find((argv) => commandOf(argv) === 'vm run-command invoke')).toEqual(canaryCheck(1, 300, 'https://localhost:8443/health/'));
    expect(result.stdout).toContain('(limit 300s)');
    expectNoCanaryLeft(fake);
  });

  test('a rerun runs the canaries again and leaves nothing; without a subscription, az\'s current one names the version', async () => {
    const fake = fakeAz(withVersions(PUBLISHED()));
    expect((await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' })).code).toBe(0);
    fake.clearLog();
    const rerun = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope', GOLDEN_SUBSCRIPTION_ID: '' });
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(0, 3)).toEqual([...START, ['account', 'show', '--query', 'id', '--output', 'json']]);
    expect(fake.calls().find((argv) => commandOf(argv) === 'vm create')).toEqual(vmCreate(1, 'westeurope', 'TrustedLaunch', [`--resource-group=${CANARY_GROUP}`]));
    expect(fake.calls().flat().some((arg) => arg.startsWith('--subscription='))).toBe(false);
    expect(rerun.stdout).toContain(`canary: subscription ${SUBSCRIPTION_ID} (az's current one)`);
    expect(fake.state().canaryVmsCreated).toEqual([CANARY_VM(1), CANARY_VM(1)]);
    expectNoCanaryLeft(fake);
  });

  describe('a failing canary: exit 9, the canary deleted, the version still excluded from latest', () => {
    test.each<[CanaryFault, string, string[]]>([
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
      expect(fake.state().galleryImages![LINE_KEY]).toEqual([PUBLISHED()]);
      if (fault === 'create-fails') {
        expect(result.stderr).toContain('  az| ERROR: {"status":"Failed","error":{"code":"DeploymentFailed"');
        expect(fake.state().nicsDeleted).toEqual([`${CANARY_VM(2)}VMNic`]);
      } else {
        expect(result.stdout).toContain('  guest| ');
      }
    });
  });

  test('Run Command failing for good: exit 6, and the canary is still deleted on the way out', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), transient: [{ command: 'vm run-command invoke', error: '503', times: 1 }] });
    const result = await canary(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '1', GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('canary westeurope: az vm run-command invoke failed.');
    expect(result.stdout).toContain(`canary westeurope: the run is ending (exit 6): deleting canary ${CANARY_VM(1)}`);
    expect(fake.calls().slice(-3)).toEqual(canaryDeletion(CANARY_VM(1)));
    expectNoCanaryLeft(fake);
  });

  test('a canary that cannot be deleted on the way out: the step\'s own failure stands, and the message says what may be left', async () => {
    const fake = fakeAz({
      ...withVersions(PUBLISHED()),
      transient: [{ command: 'vm run-command invoke', error: '503', times: 1 }],
      faults: [{ command: 'vm delete', fault: 'authorization' }],
    });
    const result = await canary(fake, { GOLDEN_RETRY_MAX_ATTEMPTS: '1', GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
    expect(result.stderr).toContain(`ERROR: canary ${CANARY_VM(1)} (VM, NIC, VNet ${CANARY_VM(1)}-vnet) may be left in resource group ${CANARY_GROUP}: delete it `
      + `by hand, or run the deployment again (canaries tagged golden-canary=${VERSION} are deleted first).`);
    expect(result.stderr).toMatch(/ERROR: canary westeurope: az vm run-command invoke failed\.[^\n]*\n$/);
    expect(fake.state().canaryVms!.map((vm) => vm.name)).toEqual([CANARY_VM(1)]);
  });

  test('a canary that passed but cannot be deleted: exit 6, naming what may be left', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), faults: [{ command: 'network vnet delete', fault: 'authorization' }] });
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`ERROR: canary westeurope: deleting canary ${CANARY_VM(1)} failed. canary ${CANARY_VM(1)} (VM, NIC, VNet `);
    expect(fake.commands().filter((c) => c === 'vm delete')).toHaveLength(1);
  });

  test('canaries left by an interrupted run of this version and line are deleted first; others are not touched', async () => {
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
    // A resource with both tags but no canary's name is left alone.
    const stranger = { resourceGroup: CANARY_GROUP, name: 'my-network', location: 'westeurope', tags, subnets: ['default'] };
    const fake = fakeAz({
      ...withVersions(PUBLISHED()),
      canaryVms: [vm(left, tags), vm(others[0], otherVersion), vm(others[1], otherLine)],
      nics: [nic(left, tags), nic(others[0], otherVersion), nic(others[1], otherLine)],
      vnets: [network(left, tags), network(vnetOnly, tags), network(others[0], otherVersion), network(others[1], otherLine), stranger],
    });
    // WHEN
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
    // THEN
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(0, 10)).toEqual([...START, SHOW, LEFTOVERS, ...canaryDeletion(left), ...canaryDeletion(vnetOnly)]);
    expect(result.stdout).toContain(`canary leftovers: canary ${left} was left by an interrupted earlier run`);
    expect(result.stdout).toContain('canary leftovers: "my-network" carries the canary tags but not a canary\'s name: left as it is');
    const state = fake.state();
    expect(state.canaryVms!.map((v) => v.name)).toEqual(others);
    expect(state.nics!.map((n) => n.name)).toEqual(others.map((o) => `${o}VMNic`));
    expect(state.vnets!.map((n) => n.name)).toEqual([...others.map((o) => `${o}-vnet`), 'my-network']);
  });

  test('a leftover that cannot be deleted: exit 6 before any new canary, naming what may be left', async () => {
    const left = `canary-${REVISION}-${CANARY_LINE}-01`;
    const tags = { 'golden-canary': VERSION, 'golden-canary-image': `${GALLERY}/${DEFINITION}` };
    const fake = fakeAz({
      ...withVersions(PUBLISHED()),
      vnets: [{ resourceGroup: CANARY_GROUP, name: `${left}-vnet`, location: 'westeurope', tags, subnets: ['canary'] }],
      faults: [{ command: 'network vnet delete', fault: 'authorization' }],
    });
    const result = await canary(fake);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`ERROR: canary leftovers: deleting ${left} failed. canary ${left} (VM, NIC, VNet ${left}-vnet) may be left`);
    expect(fake.commands()).not.toContain('vm create');
  });

  test('SIGTERM during the check: exit 143, the canary\'s deletion started without waiting; a rerun deletes its VNet and passes', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), hang: ['vm run-command invoke'] });
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' }, { interrupt: { signal: 'SIGTERM', when: isCommand('vm run-command invoke') } });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain(`ERROR: interrupted by SIGTERM during canary westeurope. Version ${VERSION} is left as it is, excluded from latest: run the `
      + 'deployment again to run the canaries again.');
    expect(result.stdout).toContain(`canary westeurope: starting the deletion of canary ${CANARY_VM(1)} (not waiting for it)`);
    expect(result.stdout).toContain(`canary westeurope: canary ${CANARY_VM(1)} is being deleted; its VNet ${CANARY_VM(1)}-vnet is deleted by the next run`);
    expect(fake.calls().slice(-1)).toEqual([['vm', 'delete', ...CANARY_ARGS, `--name=${CANARY_VM(1)}`, '--yes', '--no-wait', '--output', 'none']]);
    expect(fake.hanging()).toEqual([]);
    expect(fake.state().canaryVmsDeleted).toEqual([{ name: CANARY_VM(1), noWait: true }]);
    expect(fake.state().vnets!.map((v) => v.name)).toEqual([`${CANARY_VM(1)}-vnet`]);
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    // WHEN the deployment runs again
    fake.update({ hang: [] });
    fake.clearLog();
    const rerun = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().slice(3, 7)).toEqual([LEFTOVERS, ...canaryDeletion(CANARY_VM(1))]);
    expectNoCanaryLeft(fake);
  });

  test.each<['SIGHUP' | 'SIGINT', string, number, boolean]>([
    ['SIGHUP', 'vm create', 129, true],
    ['SIGINT', 'resource list', 130, false],
  ])('%s during az %s: exit %d, the deletion started only when a canary may exist', async (signal, command, code, deletes) => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), hang: [command] });
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' }, { interrupt: { signal, when: isCommand(command) } });
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(`ERROR: interrupted by ${signal} during canary ${deletes ? 'westeurope' : 'leftovers'}`);
    expect(result.stderr).toContain(`Version ${VERSION} is left as it is, excluded from latest`);
    expect(fake.commands().slice(-1)).toEqual([deletes ? 'vm delete' : command]);
    expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
  });

  test('SIGTERM, and the deletion cannot even be started: the message says what may be left', async () => {
    const fake = fakeAz({ ...withVersions(PUBLISHED()), hang: ['vm run-command invoke'], faults: [{ command: 'vm delete', fault: 'authorization' }] });
    const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' }, { interrupt: { signal: 'SIGTERM', when: isCommand('vm run-command invoke') } });
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
    expect(result.stderr).toContain(`ERROR: canary ${CANARY_VM(1)} (VM, NIC, VNet ${CANARY_VM(1)}-vnet) may be left in resource group ${CANARY_GROUP}`);
  });

  test.each<[string, Partial<FakeAzState>, Record<string, string>, number, string]>([
    ['the version is not published: exit 8', {}, {}, 8, `canary: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} was not found.`],
    ['the definition does not exist: exit 8', { galleryImages: {} }, {}, 8, `canary: version ${VERSION} of image definition ${GALLERY}/${DEFINITION} in resource group ${GROUP} was not found.`],
    ['the version is still Creating: exit 6', withVersions(PUBLISHED({ provisioningState: 'Creating' })), {}, 6, `canary: version ${VERSION} is Creating, not Succeeded`],
    ['the version is another build\'s: exit 2', withVersions(lineVersion('20261130000000', { name: VERSION })), {}, 2, 'exists already, but it is not build 20261201120000 (its golden-image-revision tag is "20261130000000")'],
    ['the version has no revision tag: exit 2', withVersions(PUBLISHED({ tags: { 'golden-image-name': DEFINITION } })), {}, 2, 'exists already, but it is not build 20261201120000 (it has no golden-image-revision tag)'],
    ['the canary resource group does not exist: exit 8', withVersions(PUBLISHED()), { GOLDEN_CANARY_RESOURCE_GROUP: 'rg-nowhere' }, 8, 'or the canary resource group rg-nowhere'],
    ['a region the version is not replicated to: exit 9', withVersions(PUBLISHED()), { GOLDEN_CANARY_REGIONS: 'eastus' }, 9, 'is not replicated to region \'eastus\''],
  ])('%s', async (_, state, environment, code, message) => {
    const fake = fakeAz(state);
    const result = await canary(fake, environment);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(fake.state().canaryVms ?? []).toEqual([]);
  });

  describe('a third-party image\'s purchase plan', () => {
    const PLAN = { name: 'plan-a', product: 'product-b', publisher: 'publisher.c' };
    const PLAN_ENVIRONMENT = {
      GOLDEN_CANARY_PLAN_NAME: PLAN.name, GOLDEN_CANARY_PLAN_PRODUCT: PLAN.product, GOLDEN_CANARY_PLAN_PUBLISHER: PLAN.publisher,
    };

    test('given: the canary names it, and Azure creates it', async () => {
      const fake = fakeAz(withVersions(PUBLISHED({ purchasePlan: PLAN })));
      const result = await canary(fake, { ...PLAN_ENVIRONMENT, GOLDEN_CANARY_REGIONS: 'westeurope' });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const create = fake.calls().find((argv) => commandOf(argv) === 'vm create')!;
      expect(create.slice(create.indexOf('--enable-vtpm=true') + 1, create.indexOf('--admin-username=canaryadmin')))
        .toEqual(['--plan-name=plan-a', '--plan-product=product-b', '--plan-publisher=publisher.c']);
    });

    test('missing: Azure refuses the canary, exit 9', async () => {
      const fake = fakeAz(withVersions(PUBLISHED({ purchasePlan: PLAN })));
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
      expect(result.code).toBe(9);
      expect(result.stderr).toContain('(VMMarketplaceInvalidInput)');
      expectNoCanaryLeft(fake);
    });
  });

  describe('limits', () => {
    test('az vm create that never returns: exit 4 after GOLDEN_CANARY_TIMEOUT_MINUTES, what it made deleted on the way out', async () => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), hang: ['vm create'] });
      const clock = new FakeClock();
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope', GOLDEN_CANARY_TIMEOUT_MINUTES: '5' }, { clock });
      expect(result.code).toBe(4);
      expect(result.stderr).toContain(`ERROR: canary westeurope: canary ${CANARY_VM(1)} was not created within 5 minutes (GOLDEN_CANARY_TIMEOUT_MINUTES). `
        + `Version ${VERSION} stays excluded from latest, so the previous version remains latest. Run the deployment again to retry.`);
      expect(result.stdout).toContain(`the run is ending (exit 4): deleting canary ${CANARY_VM(1)}`);
      expect(fake.commands().slice(-3)).toEqual(['vm delete', 'network nic delete', 'network vnet delete']);
      expect(result.seconds).toBe(300);
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    });

    test.each([
      // The guest's own wait, and Run Command's limit (10 minutes more), follow the timeout up to 80 minutes.
      [5, 300, 900],
      [80, 4800, 5400],
      [120, MAX_CHECK_MINUTES * 60, 5400],
    ])('timeout %d minutes: the guest waits %ds, Run Command may take %ds, then exit 4', async (minutes, checkSeconds, runCommandSeconds) => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), hang: ['vm run-command invoke'] });
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope', GOLDEN_CANARY_TIMEOUT_MINUTES: String(minutes) });
      expect(result.code).toBe(4);
      expect(result.stdout).toContain(`(limit ${minutes * 60}s)`);
      expect(fake.calls().find((argv) => commandOf(argv) === 'vm run-command invoke')).toContain(`TimeoutSeconds=${checkSeconds}`);
      expect(result.stderr).toContain(`ERROR: canary westeurope: Run Command did not return within ${runCommandSeconds}s. Version ${VERSION} stays excluded `
        + 'from latest, so the previous version remains latest.');
      expect(fake.commands().slice(-3)).toEqual(['vm delete', 'network nic delete', 'network vnet delete']);
    });
  });

  describe('faults of az and of the canary\'s VM', () => {
    test('the session expires while the canary is created: exit 3, not a failed canary (9); what was made is deleted on the way out', async () => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), faults: [{ command: 'vm create', fault: 'access-token-expired', times: 1 }] });
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('ERROR: canary westeurope: az vm create failed: the az session expired during the run: Azure refused its token (');
      expect(result.stderr).not.toContain('the canary could not be created');
      expect(fake.commands().slice(-4)).toEqual(['vm create', 'vm delete', 'network nic delete', 'network vnet delete']);
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    });

    test('a VM agent that stays not ready: exit 4 after GOLDEN_AGENT_WAIT_SECONDS, naming the agent and the fix; the canary deleted', async () => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), faults: [{ command: 'vm run-command invoke', fault: 'agent-not-ready' }] });
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope', GOLDEN_AGENT_WAIT_SECONDS: '2', GOLDEN_POLL_SECONDS: '1' });
      expect(result.code).toBe(4);
      const vm = CANARY_VM(1);
      expect(result.stderr).toContain(`ERROR: canary westeurope: the VM agent (Windows Azure Guest Agent) of VM ${vm} was still not ready after 2s `
        + '(GOLDEN_AGENT_WAIT_SECONDS), so Run Command could not run the canary check in the guest. The VM is left as it is. Fix: look at the VM in the '
        + 'portal (Overview > Properties > Agent status; Help > Boot diagnostics: did Windows start?) or at '
        + `\`az vm get-instance-view --resource-group ${CANARY_GROUP} --name ${vm} --query instanceView.vmAgent\` (its status should be Ready); restart `
        + 'the VM if the agent stays not ready, then run the deployment again.');
      expect(result.stderr).toContain('  az| ERROR: (VMAgentStatusCommunicationError)');
      expect(fake.commands().filter((c) => c === 'vm run-command invoke')).toHaveLength(3);
      expect(fake.state().canaryVms).toEqual([]);
      expect(fake.state().vnets).toEqual([]);
    });

    test('a subnet without outbound access: Run Command returns no output, exit 6 naming the canary\'s network and the fix; the canary deleted', async () => {
      const fake = fakeAz({ ...withVersions(PUBLISHED()), canaryFaults: { westeurope: 'private-subnet' } });
      const result = await canary(fake, { GOLDEN_CANARY_REGIONS: 'westeurope' });
      expect(result.code).toBe(6);
      expect(result.stderr).toContain('ERROR: canary westeurope: Run Command succeeded but returned no output of the guest script ("[]\\n"). Run Command '
        + 'returns the output only when the VM can reach Azure');
      expect(result.stderr).toContain(`Fix: the canary's own VNet ${CANARY_VM(1)}-vnet (subnet canary, made by az vm create, no public IP) reaches Azure `
        + 'only through Azure\'s default outbound access, which az vm create leaves on (no az from 2.44 on has an option to set it explicitly)');
      expect(result.stderr).toContain(`Exempt resource group ${CANARY_GROUP} (canary.resourceGroupName) from it`);
      expect(fake.state().canaryChecks).toHaveLength(1);
      expectNoCanaryLeft(fake);
    });

    test('no temporary directory: exit 12 before any az call', async () => {
      const fake = fakeAz(withVersions(PUBLISHED()));
      const tmp = path.join(fake.directory, 'no-such-directory');
      const result = await canary(fake, { TMPDIR: tmp });
      expect(result.code).toBe(12);
      expect(result.stderr).toContain(`ERROR: TMPDIR=${JSON.stringify(tmp)} does not exist, so the operator cannot create the temporary directory it keeps canary in`);
      expect(fake.calls()).toEqual([]);
    });
  });

  describe('input validation: exit 2 naming the variable, and no az call', () => {
    test.each<[string, Record<string, string>, string]>([
      ['GOLDEN_SUBSCRIPTION_ID not a GUID', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID must be a subscription id (a GUID); got "prod"'],
      ['GOLDEN_GALLERY_IMAGE ending with a period', { GOLDEN_GALLERY_IMAGE: 'web.' }, 'GOLDEN_GALLERY_IMAGE must be an image definition name'],
      ['GOLDEN_GALLERY_VERSION beyond 32 bits', { GOLDEN_GALLERY_VERSION: '1.2147483648.0' }, 'GOLDEN_GALLERY_VERSION must be X.Y.Z with each part at most 2147483647; got 1.2147483648.0'],
      ['GOLDEN_BUILD_REVISION missing', { GOLDEN_BUILD_REVISION: '' }, 'GOLDEN_BUILD_REVISION must be a build revision (14 digits, YYYYMMDDhhmmss)'],
      ['GOLDEN_CANARY_REGIONS empty', { GOLDEN_CANARY_REGIONS: '' }, `GOLDEN_CANARY_REGIONS must hold 1-${MAX_CANARY_REGIONS} regions, one per line; got 0`],
      ['GOLDEN_CANARY_REGIONS with a display name', { GOLDEN_CANARY_REGIONS: 'westeurope\nNorth Europe' }, 'a line of GOLDEN_CANARY_REGIONS must be an Azure region name such as westeurope; got "North Europe"'],
      ['GOLDEN_CANARY_REGIONS naming a region twice', { GOLDEN_CANARY_REGIONS: 'westeurope\nwesteurope' }, 'GOLDEN_CANARY_REGIONS names westeurope twice'],
      ['GOLDEN_CANARY_REGIONS with 21 regions', { GOLDEN_CANARY_REGIONS: Array.from({ length: 21 }, (_, i) => `region${i}`).join('\n') }, 'GOLDEN_CANARY_REGIONS must hold 1-20 regions, one per line; got 21'],
      ['GOLDEN_CANARY_SECURITY_TYPE ConfidentialVM', { GOLDEN_CANARY_SECURITY_TYPE: 'ConfidentialVM' }, 'GOLDEN_CANARY_SECURITY_TYPE must be Standard or TrustedLaunch'],
      ['GOLDEN_CANARY_VM_SIZE with a space', { GOLDEN_CANARY_VM_SIZE: 'Standard D2s v5' }, 'GOLDEN_CANARY_VM_SIZE must be an Azure VM size'],
      ['GOLDEN_CANARY_RESOURCE_GROUP missing', { GOLDEN_CANARY_RESOURCE_GROUP: '' }, 'GOLDEN_CANARY_RESOURCE_GROUP must be an Azure resource group name'],
      ['GOLDEN_CANARY_TIMEOUT_MINUTES 121', { GOLDEN_CANARY_TIMEOUT_MINUTES: '121' }, 'GOLDEN_CANARY_TIMEOUT_MINUTES must be between 5 and 120; got 121'],
      ['GOLDEN_CANARY_TIMEOUT_MINUTES 4', { GOLDEN_CANARY_TIMEOUT_MINUTES: '4' }, 'GOLDEN_CANARY_TIMEOUT_MINUTES must be between 5 and 120; got 4'],
      ['GOLDEN_CANARY_URL with a query', { GOLDEN_CANARY_URL: 'http://localhost/?a=1&b=2' }, 'GOLDEN_CANARY_URL must be an http(s) URL without spaces, quotes or query'],
      ['GOLDEN_CANARY_URL ftp', { GOLDEN_CANARY_URL: 'ftp://localhost/' }, 'GOLDEN_CANARY_URL must be an http(s) URL'],
      ['GOLDEN_CANARY_URL of 2049 characters', { GOLDEN_CANARY_URL: `http://localhost/${'a'.repeat(2032)}` }, 'GOLDEN_CANARY_URL must be at most 2048 characters; got 2049'],
      ['GOLDEN_CANARY_PLAN_PRODUCT missing beside the two others', { GOLDEN_CANARY_PLAN_NAME: 'plan', GOLDEN_CANARY_PLAN_PUBLISHER: 'pub' },
        'GOLDEN_CANARY_PLAN_PRODUCT must be a marketplace plan id (1-128 letters, digits, - _ .), given with the two other GOLDEN_CANARY_PLAN_ variables; got ""'],
      ['GOLDEN_CANARY_PLAN_NAME with a space', { GOLDEN_CANARY_PLAN_NAME: 'a plan', GOLDEN_CANARY_PLAN_PRODUCT: 'p', GOLDEN_CANARY_PLAN_PUBLISHER: 'q' }, 'GOLDEN_CANARY_PLAN_NAME must be a marketplace plan id'],
      ['GOLDEN_GUEST_DIRECTORY absolute', { GOLDEN_GUEST_DIRECTORY: '/etc' }, 'GOLDEN_GUEST_DIRECTORY must be the relative path of the guest scripts directory'],
      ['GOLDEN_GUEST_DIRECTORY without canary-check.ps1', { GOLDEN_GUEST_DIRECTORY: 'operator' }, 'GOLDEN_GUEST_DIRECTORY: no readable canary-check.ps1 in "operator"'],
      ['GOLDEN_POLL_SECONDS 0', { GOLDEN_POLL_SECONDS: '0' }, 'GOLDEN_POLL_SECONDS must be between 1 and 3600; got 0'],
    ])('%s', async (_, values, message) => {
      const fake = fakeAz(withVersions(PUBLISHED()));
      const result = await canary(fake, values);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(fake.calls()).toEqual([]);
      expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
    });
  });
});

describe('GalleryImageVersion and the step: one definition of each input', () => {
  /** The pipeline of a Trusted Launch build published to GALLERY/DEFINITION, with a canary in westeurope and northeurope. */
  function pipeline(stack: TerraformStack, version: Partial<GalleryImageVersionProps> = {}, setup?: WindowsSetup): void {
    const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH, resourceGroupName: 'rg-golden', ...setup ? { setup } : {} }));
    const image = new GeneralizedImage(stack, 'Image', { vm });
    const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: GALLERY, resourceGroupName: GROUP });
    const definition = new GalleryImage(stack, 'Web', { gallery, imageName: DEFINITION });
    new GalleryImageVersion(stack, 'Version', {
      galleryImage: definition, source: image, targetRegions: [{ location: 'northeurope' }], canary: { resourceGroupName: CANARY_GROUP }, ...version,
    });
  }

  let synthesized: SynthesizedStack;
  beforeAll(() => {
    synthesized = synthToDirectory('gallery', (stack) => pipeline(stack));
  });
  afterAll(() => fs.rmSync(synthesized.outdir, { recursive: true, force: true }));

  /** What Terraform gives the expressions of the canary's environment, by variable. */
  const VALUES: Record<string, string> = {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_GALLERY_NAME: GALLERY,
    GOLDEN_GALLERY_IMAGE: DEFINITION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_BUILD_REVISION: REVISION,
  };

  test('the provisioner runs the step with the environment the construct writes, from the stack directory', async () => {
    const provisioner = stepProvisioner(synthesized, 'Canary');
    expect(provisioner.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js$/)]);
    expect(provisioner.command).toBe('gallery-canary');
    const environment = Object.fromEntries(Object.entries(provisioner.environment).map(([name, value]) => {
      if (!value.includes('${')) {
        return [name, value];
      }
      expect({ name, resolved: name in VALUES }).toEqual({ name, resolved: true });
      return [name, VALUES[name]];
    }));
    expect(Object.keys(environment).sort()).toEqual(['GOLDEN_BUILD_REVISION', 'GOLDEN_CANARY_REGIONS', 'GOLDEN_CANARY_RESOURCE_GROUP',
      'GOLDEN_CANARY_SECURITY_TYPE', 'GOLDEN_CANARY_TIMEOUT_MINUTES', 'GOLDEN_CANARY_URL', 'GOLDEN_CANARY_VM_SIZE', 'GOLDEN_GALLERY_IMAGE',
      'GOLDEN_GALLERY_NAME', 'GOLDEN_GALLERY_RESOURCE_GROUP', 'GOLDEN_GALLERY_VERSION', 'GOLDEN_GUEST_DIRECTORY', 'GOLDEN_SUBSCRIPTION_ID']);
    const fake = fakeAz(withVersions(PUBLISHED()));
    const result = await runInProcess(STEPS['gallery-canary'], {
      env: { ...fake.environment(), ...environment }, az: fake.run, clock: new FakeClock(), cwd: synthesized.stackDirectory,
    });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls().filter((argv) => commandOf(argv) === 'vm create')).toEqual([vmCreate(1, 'westeurope'), vmCreate(2, 'northeurope')]);
    expect(fake.calls().filter((argv) => commandOf(argv) === 'vm run-command invoke').map((argv) => argv[argv.indexOf('--scripts') + 1]))
      .toEqual(Array(2).fill(`@${path.join(synthesized.stackDirectory, environment.GOLDEN_GUEST_DIRECTORY, 'canary-check.ps1')}`));
  });

  /**
   * Whether GalleryImageVersion takes the canary option at synth. The build's setup has a step of its own, so that its
   * page is not fully known: a URL is judged by the rules the step shares, not by the page of WindowsSetup.iisAspNet()
   * alone (test/served-page.test.ts).
   */
  function constructAccepts(version: Partial<GalleryImageVersionProps>): boolean {
    try {
      pipeline(new TerraformStack(Testing.app(), 'check'), version, WindowsSetup.iisAspNet({ stepsAfter: [{ name: 'App', script: 'Write-Output app' }] }));
      return true;
    } catch (error) {
      return !/invalid prop/.test((error as Error).message);
    }
  }

  /** Whether the step takes the value (it then goes on to the Azure CLI, which is missing here: exit 3). */
  async function stepAccepts(values: Record<string, string>): Promise<boolean> {
    const fake = fakeAz();
    const result = await runInProcess(STEPS['gallery-canary'], {
      env: { ...fake.environment(), ...canaryEnvironment(), ...values }, az: undefined, clock: new FakeClock(), cwd: SCRIPTS_DIRECTORY,
    });
    expect([2, 3]).toContain(result.code);
    return result.code !== 2;
  }

  test.each<[string, unknown[], (value: any) => Partial<GalleryImageVersionProps>, string]>([
    ['canary.url', ['http://localhost/', 'http://localhost:8080/health', 'https://127.0.0.1/', `http://localhost/${'a'.repeat(2031)}`,
      `http://localhost/${'a'.repeat(2032)}`, 'http://localhost/?q=1', "http://localhost/'x", 'ftp://localhost/', 'http://localhost/a b'],
    (url) => ({ canary: { url } }), 'GOLDEN_CANARY_URL'],
    ['canary.vmSize', ['Standard_D2s_v5', 'Standard_E16-4s_v5', 'Standard_D2s_v5_a_b_c_d_e', 'Standard_D2s_v5_a_b_c_d_e_f', 'Standard D2s v5', 'D2s_v5'],
      (vmSize) => ({ canary: { vmSize } }), 'GOLDEN_CANARY_VM_SIZE'],
    ['canary.resourceGroupName', ['rg-canary', '(rg)_canary', 'x'.repeat(90), 'x'.repeat(91), 'rg-canary.', 'rg canary', 'rg/canary'],
      (resourceGroupName) => ({ canary: { resourceGroupName } }), 'GOLDEN_CANARY_RESOURCE_GROUP'],
    ['canary.timeoutMinutes', [4, 5, 30, 120, 121], (timeoutMinutes) => ({ canary: { timeoutMinutes } }), 'GOLDEN_CANARY_TIMEOUT_MINUTES'],
  ])('%s: the construct refuses at synth exactly what the step refuses', async (_, values, props, variable) => {
    const verdicts = [];
    for (const value of values) {
      verdicts.push({ value, construct: constructAccepts(props(value)), step: await stepAccepts({ [variable]: String(value) }) });
    }
    expect(verdicts.map((v) => ({ value: v.value, agree: v.construct === v.step }))).toEqual(values.map((value) => ({ value, agree: true })));
    // Each rule both accepts and refuses something here.
    expect(new Set(verdicts.map((v) => v.step))).toEqual(new Set([true, false]));
  });

  test(`more target regions than the ${MAX_CANARY_REGIONS} the step takes: refused at synth, unless the canary is disabled`, () => {
    const regions = ['northeurope', 'eastus', 'eastus2', 'westus', 'westus2', 'westus3', 'centralus', 'northcentralus', 'southcentralus', 'westcentralus',
      'canadacentral', 'canadaeast', 'brazilsouth', 'uksouth', 'ukwest', 'francecentral', 'germanywestcentral', 'norwayeast', 'swedencentral',
      'switzerlandnorth'].map((location) => ({ location }));
    expect(constructAccepts({ targetRegions: regions.slice(0, MAX_CANARY_REGIONS - 1) })).toBe(true);
    expect(() => pipeline(new TerraformStack(Testing.app(), 'many'), { targetRegions: regions }))
      .toThrow(`targetRegions: ${MAX_CANARY_REGIONS + 1} are more than the ${MAX_CANARY_REGIONS} regions a canary run covers`);
    expect(constructAccepts({ targetRegions: regions, canary: { enabled: false, resourceGroupName: CANARY_GROUP } })).toBe(true);
  });
});
