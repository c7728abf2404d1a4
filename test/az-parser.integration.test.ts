/**
 * Replays every az command line the operator runs (the Node.js operator's steps generalize, setup, base-image (with a
 * third-party image's purchase plan and terms: `az vm image show`, `az vm image terms show`, both in azure-cli 2.45), capture,
 * delete-all, the gallery version steps, gallery-canary and verify-scale-set) in their tests' scenarios against the real Azure CLI, offline, with an empty
 * AZURE_CONFIG_DIR: a well-formed line fails only for want of a login ("Please run 'az login'", exit 1), a malformed
 * one with an argument error (exit 2). `az login` lines fail at the network instead (a proxy that refuses
 * connections), after parsing. Some `az vm` subcommands of Debian's azure-cli 2.45 crash on a missing SDK module
 * (`azure.mgmt.compute.v2022_11_01`) whatever their arguments under the default API profile: those are replayed
 * again under an older profile whose API versions Debian's SDK has (`az cloud update --profile`), which loads the
 * same command and parses the same arguments. A line that crashes under both is unverifiable, never counted as passed.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { commandOf, FakeAzState, SUBSCRIPTION_ID } from './util/fake-az';
import { InProcessAz } from './util/fake-az-inprocess';
import { fakeLoadBalancer } from './util/fake-http';
import { resolveEnvironment, stepProvisioner, subscriptionExpression, SynthesizedStack, synthSeedStack } from './util/generalize-stack';
import { HANG_NET_MS } from './util/hang-net';
import { runInProcess } from './util/operator';
import { describeWithTool } from './util/tools';
import { STEPS } from '../lib/operator/main';
import { SCRIPTS_DIRECTORY } from '../lib/private/steps/scripts';

const AZ = process.env.REAL_AZ ?? '/usr/bin/az';
const describeWithAz = (name: string, body: () => void) => describeWithTool({
  name: `the Azure CLI (${AZ})`, found: () => fs.existsSync(AZ), install: 'install it (Debian: apt-get install -y azure-cli; .ci/run does), or name it in REAL_AZ.',
}, name, body);


const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const TENANT_ID = '11111111-2222-4333-8444-555555555555';
const SECRET = 'replayed-secret';
/**
 * The CLI crashing on Debian's SDK, not on the line: a missing API-version module (before parsing), or a model of the
 * profile's API version the SDK lacks (`cmd.get_models` gives None: `az image create` from a disk, after parsing and
 * validation, in the handler).
 */
const SDK_CRASH = /ModuleNotFoundError|No module named 'azure\.mgmt|AttributeError: 'NoneType' object has no attribute/;
/** An API profile whose compute API versions Debian's python3-azure ships (the default profile needs 2022-11-01). */
const FALLBACK_PROFILE = '2020-09-01-hybrid';
const ARGUMENT_ERROR = /unrecognized arguments|the following arguments are required|\((--[a-z-]+)( \| --[a-z-]+)*\) are required|expected (one|at least one) argument|invalid choice|invalid jmespath_type value/;

type Verdict = 'verified' | 'malformed' | 'unverifiable' | 'unexpected';

interface Replay {
  readonly argv: string[];
  readonly code: number | null;
  readonly output: string;
  readonly verdict: Verdict;
  readonly milliseconds: number;
  /** The API profile the CLI ran under: `latest` (its default) or FALLBACK_PROFILE. */
  readonly profile: string;
}

/** The real az's environment: the given config dir and no way out to the network. */
function azEnvironment(configDirectory: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: configDirectory,
    AZURE_CONFIG_DIR: configDirectory,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    // `az login` does reach the network after parsing: send it to a port where nothing listens.
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  };
}

/**
 * What a replay's config dir starts with, per API profile: the profile (clouds.config) and az's command index (which
 * module holds which command: without it every run loads every module, doubling its time). No login, no settings.
 */
const TEMPLATE_FILES = ['clouds.config', 'commandIndex.json', 'versionCheck.json'];
const templates = new Map<string, string>();

function template(profile: string): string {
  let directory = templates.get(profile);
  if (!directory) {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-template-'));
    const options = { env: azEnvironment(directory), stdio: 'pipe' as const };
    if (profile !== 'latest') {
      // Local only: writes the profile into clouds.config.
      execFileSync(AZ, ['cloud', 'update', '--profile', profile, '-o', 'none'], options);
    }
    // Builds the command index for this profile; fails for want of a login, as expected.
    spawnSync(AZ, ['account', 'show', '-o', 'none'], options);
    templates.set(profile, directory);
  }
  return directory;
}

/** Runs the real az on one recorded line with a config dir holding only the profile's template, offline. */
function replay(argv: string[], cwd: string, profile = 'latest'): Promise<Replay> {
  const configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-'));
  for (const file of TEMPLATE_FILES) {
    const source = path.join(template(profile), file);
    if (fs.existsSync(source)) {
      fs.copyFileSync(source, path.join(configDirectory, file));
    }
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(AZ, argv, { cwd, env: azEnvironment(configDirectory), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.stdin.end(argv.includes('@-') ? SECRET : '');
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_NET_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      fs.rmSync(configDirectory, { recursive: true, force: true });
      resolve({ argv, code, output, verdict: verdictOf(argv, code, output), milliseconds: Date.now() - started, profile });
    });
  });
}

function verdictOf(argv: string[], code: number | null, output: string): Verdict {
  if (SDK_CRASH.test(output)) {
    return 'unverifiable';
  }
  if (code === 2 || ARGUMENT_ERROR.test(output)) {
    return 'malformed';
  }
  if (argv[0] === 'version') {
    // Needs no login: parsed and answered.
    return code === 0 && /"azure-cli": "\d+\.\d+\.\d+"/.test(output) ? 'verified' : 'unexpected';
  }
  if (argv[0] === 'cloud') {
    // Local (the replay's own config dir): parsed and done, silently (--only-show-errors keeps az's "Switched active
    // cloud" warnings out of the step's log).
    return code === 0 && output === '' ? 'verified' : 'unexpected';
  }
  if (argv[0] === 'login') {
    // Parsed, then failed trying to authenticate.
    return code === 1 && /ProxyError|Max retries exceeded|Connection refused|Failed to connect to MSI/.test(output) ? 'verified' : 'unexpected';
  }
  return code === 1 && output.includes("Please run 'az login'") ? 'verified' : 'unexpected';
}

/** Runs the tasks two at a time: each az start-up is CPU-bound, and more at once only thrash a small machine. */
async function inPool<T>(tasks: Array<() => Promise<T>>, size = 2): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, worker));
  return results;
}

afterAll(() => {
  // The templates serve every describe block below.
  for (const directory of templates.values()) {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

/** Replays each line under the default profile, and the ones that crash on the SDK again under the fallback profile. */
async function replayAll(lines: string[][], cwd: string): Promise<Replay[]> {
  const latest = await inPool(lines.map((argv) => () => replay(argv, cwd)));
  return inPool(latest.map((r) => () => (r.verdict === 'unverifiable' ? replay(r.argv, cwd, FALLBACK_PROFILE) : Promise.resolve(r))));
}

/** The lines once each, in first-seen order; lines with the same `key` count as one. */
function distinct(lines: string[][], key: (argv: string[]) => string = (argv) => JSON.stringify(argv)): string[][] {
  return lines.filter((argv, i) => lines.findIndex((other) => key(other) === key(argv)) === i);
}

/** Every replayed line parsed: verified, or unverifiable (the CLI cannot load its command); a malformed one shows its output. */
function expectVerifiedOrUnverifiable(replays: Replay[]): void {
  for (const r of replays) {
    expect({ line: r.argv.join(' '), verdict: r.verdict, output: r.verdict === 'verified' || r.verdict === 'unverifiable' ? '' : r.output })
      .toEqual({ line: r.argv.join(' '), verdict: expect.stringMatching(/^(verified|unverifiable)$/), output: '' });
  }
}

function report(title: string, replays: Replay[]): void {
  const lines = replays.map((r) => `  ${r.verdict.padEnd(12)} exit ${r.code} ${(r.milliseconds / 1000).toFixed(1)}s  ${r.profile.padEnd(17)}  az ${r.argv.join(' ')}`);
  console.log(`Azure CLI (${AZ}) on the ${replays.length} distinct az lines of ${title}:\n${lines.join('\n')}`);
}

describeWithAz('the az command lines of the Node.js steps (generalize, setup, base-image), parsed by the real Azure CLI', () => {
  let synthesized: SynthesizedStack;
  let lines: string[][];
  let replays: Replay[];
  /** The seed stack's `latest` image, and its versions as Azure lists them (as text: the newest is not the last). */
  const NEWEST = '20348.10000.260110';
  /** A third-party image with a plan, whose terms the subscription accepted: the base-image check reads both. */
  const CIS_PLAN = { name: 'cis-windows-server-2022-l1-gen2', product: 'cis-windows-server-2022-l1', publisher: 'center-for-internet-security-inc' };
  const marketplace = {
    westeurope: [
      { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', versions: ['20348.4052.250808', NEWEST] },
      { publisher: CIS_PLAN.publisher, offer: CIS_PLAN.product, sku: CIS_PLAN.name, versions: ['1.0.12'], plan: CIS_PLAN },
    ],
  };
  /** The base-image step's inputs for that image, as GoldenVm writes them (`latest`, then pinned). */
  const cisImage = {
    GOLDEN_BASE_IMAGE_PUBLISHER: CIS_PLAN.publisher,
    GOLDEN_BASE_IMAGE_OFFER: CIS_PLAN.product,
    GOLDEN_BASE_IMAGE_SKU: CIS_PLAN.name,
    GOLDEN_BASE_IMAGE_VERSION: '1.0.12',
    GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name}:${CIS_PLAN.product}:${CIS_PLAN.publisher}`,
  };
  const acceptedTerms = [`${CIS_PLAN.publisher}:${CIS_PLAN.product}:${CIS_PLAN.name}`];

  /** The values Terraform gives the expressions of the steps' environments. */
  function terraformValues(): Record<string, string> {
    const [lookup] = Object.keys(synthesized.parsed.data.azurerm_platform_image);
    return {
      [subscriptionExpression(synthesized.vmAddress)]: SUBSCRIPTION_ID,
      '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}': SUBSCRIPTION_ID,
      [`\${data.azurerm_platform_image.${lookup}.location}`]: 'westeurope',
      [`\${data.azurerm_platform_image.${lookup}.version}`]: NEWEST,
    };
  }

  /** The az lines of one in-process run of a step, with the environment the seed stack synthesizes for it, against the fake az. */
  async function recordedLines(state: Partial<FakeAzState>, extra: Record<string, string>,
    step: 'generalize' | 'setup' | 'base-image' = 'generalize'): Promise<string[][]> {
    const fake = new InProcessAz(state);
    try {
      const provisioner = {
        'generalize': synthesized.provisioner,
        'setup': stepProvisioner(synthesized, 'Setup'),
        'base-image': stepProvisioner(synthesized, 'BaseImageCheck'),
      }[step];
      const environment = resolveEnvironment(provisioner.environment, terraformValues());
      const result = await runInProcess(STEPS[step], {
        env: { ...fake.environment(), ...environment, ...extra }, az: fake.run, cwd: synthesized.stackDirectory,
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      return fake.calls();
    } finally {
      fake.dispose();
    }
  }

  beforeAll(async () => {
    synthesized = synthSeedStack();
    const happyPath = await recordedLines({}, {});
    const servicePrincipal = await recordedLines(
      { loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } },
      { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID },
    );
    const managedIdentity = await recordedLines({ loggedIn: false, managedIdentity: true }, { ARM_USE_MSI: 'true' });
    // A sovereign cloud: az cloud set in the private configuration before the login.
    const usGovernment = await recordedLines(
      { loggedIn: false, servicePrincipal: { clientId: CLIENT_ID, tenantId: TENANT_ID, secret: SECRET } },
      { ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: SECRET, ARM_TENANT_ID: TENANT_ID, ARM_ENVIRONMENT: 'usgovernment' },
    );
    const guestSetup = { setup: { outcome: 'succeeds' as const, polls: 2, lines: ['one', 'two', 'three'] } };
    // The setup: a reboot pending once (the restart and a second cleanup), then with the setup's files kept.
    const setup = await recordedLines({ ...guestSetup, rebootPending: 1 }, {}, 'setup');
    const keptFiles = await recordedLines(guestSetup, { GOLDEN_KEEP_SETUP_FILES: 'true' }, 'setup');
    // The base-image check: with the provider's subscription, and with az's default one.
    const baseImage = await recordedLines({ marketplace }, {}, 'base-image');
    const defaultSubscription = await recordedLines({ marketplace }, { GOLDEN_SUBSCRIPTION_ID: '' }, 'base-image');
    // The purchase plan and its terms: a `latest` third-party image, then a pinned one with az's default subscription.
    const planImage = await recordedLines({ marketplace, acceptedTerms }, cisImage, 'base-image');
    const pinnedPlanImage = await recordedLines({ marketplace, acceptedTerms }, { ...cisImage, GOLDEN_BASE_IMAGE_LOOKUP: 'pinned', GOLDEN_SUBSCRIPTION_ID: '' },
      'base-image');
    const all = [...happyPath, ...servicePrincipal, ...managedIdentity, ...usGovernment, ...setup, ...keptFiles, ...baseImage, ...defaultSubscription,
      ...planImage, ...pinnedPlanImage];
    // One status poll per shape: the offsets differ, the arguments do not.
    lines = distinct(all, (argv) => JSON.stringify(argv.map((a) => a.replace(/^Offset=[1-9][0-9]*$/, 'Offset=N'))));
    replays = await replayAll(lines, synthesized.stackDirectory);
    report('the generalize and setup steps', replays);
  });

  afterAll(() => {
    if (synthesized) {
      fs.rmSync(synthesized.outdir, { recursive: true, force: true });
    }
  });

  test('no line is malformed and every line is either verified or listed as unverifiable', () => {
    expectVerifiedOrUnverifiable(replays);
  });

  test('every command of the steps parses, the compute ones at least under the fallback profile', () => {
    const verified = new Set(replays.filter((r) => r.verdict === 'verified').map((r) => commandOf(r.argv)));
    const unverifiable = [...new Set(replays.filter((r) => r.verdict === 'unverifiable').map((r) => commandOf(r.argv)))];
    const underFallback = [...new Set(replays.filter((r) => r.profile !== 'latest').map((r) => commandOf(r.argv)))];
    console.log(`verified: ${[...verified].sort().join(', ')} (under ${FALLBACK_PROFILE}: ${underFallback.sort().join(', ') || 'none'})\n`
      + `unverifiable (the CLI crashes before parsing): ${unverifiable.sort().join(', ') || 'none'}`);
    const commands = ['account show', 'cloud set', 'login', 'version', 'vm deallocate', 'vm generalize', 'vm get-instance-view', 'vm image list', 'vm image show',
      'vm image terms show', 'vm restart', 'vm run-command invoke', 'vm update'];
    expect([...verified].sort()).toEqual(commands);
    // Only compute commands that crashed under the default profile were replayed under the fallback.
    expect(underFallback.every((command) => ['vm deallocate', 'vm generalize', 'vm restart', 'vm update'].includes(command))).toBe(true);
    // Every subcommand of the steps was tried, and every guest script of the setup with its parameters.
    for (const script of ['setup-start.ps1', 'setup-status.ps1', 'setup-finish.ps1']) {
      expect(lines.some((argv) => argv.some((arg) => arg.endsWith(`/${script}`)))).toBe(true);
    }
    expect(lines.filter((argv) => argv.includes('KeepSetupFiles=true') || argv.includes('KeepSetupFiles=false'))).toHaveLength(2);
    // The image list, the image's plan and its terms, with and without --subscription, each parsed under the default
    // profile: no SDK module they lack (the third-party image is listed with its subscription only).
    for (const [command, shapes] of [
      ['vm image list', [[false, 'latest', 'verified'], [true, 'latest', 'verified'], [true, 'latest', 'verified']]],
      ['vm image show', [[false, 'latest', 'verified'], [true, 'latest', 'verified']]],
      ['vm image terms show', [[false, 'latest', 'verified'], [true, 'latest', 'verified']]],
    ] as const) {
      const replayed = replays.filter((r) => commandOf(r.argv) === command);
      expect([command, replayed.map((r) => [r.argv.some((a) => a.startsWith('--subscription=')), r.profile, r.verdict]).sort()]).toEqual([command, shapes]);
    }
    expect(new Set(lines.map(commandOf))).toEqual(new Set(commands));
  });

  test('the replay tells a malformed line from a well-formed one', async () => {
    const runCommand = lines.find((argv) => commandOf(argv) === 'vm run-command invoke')!;
    const imageList = lines.find((argv) => commandOf(argv) === 'vm image list')!;
    const [badOption, badQuery, badListOption, badArchitecture] = await Promise.all([
      replay([...runCommand, '--no-such-option'], synthesized.stackDirectory),
      // The query without its closing bracket.
      replay(runCommand.map((a, i) => (runCommand[i - 1] === '--query' ? a.slice(0, -1) : a)), synthesized.stackDirectory),
      // `az vm image list` has no --version (a filter the step could have wanted) nor --urn.
      replay([...imageList, '--version=20348.10000.260110'], synthesized.stackDirectory),
      replay([...imageList, '--architecture=amd64'], synthesized.stackDirectory),
    ]);
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect(badOption.output).toContain('unrecognized arguments: --no-such-option');
    expect([badQuery.code, badQuery.verdict]).toEqual([2, 'malformed']);
    expect([badListOption.code, badListOption.verdict]).toEqual([2, 'malformed']);
    expect([badArchitecture.code, badArchitecture.verdict]).toEqual([2, 'malformed']);
  });

  test('the plan and terms lines: a wrong option is malformed (`az vm image terms show` takes no --location, `az vm image show` no --plan)', async () => {
    const terms = lines.find((argv) => commandOf(argv) === 'vm image terms show')!;
    const show = lines.find((argv) => commandOf(argv) === 'vm image show')!;
    const [termsWithLocation, showWithPlan] = await Promise.all([
      replay([...terms, '--location=westeurope'], synthesized.stackDirectory),
      replay([...show, `--plan=${CIS_PLAN.name}`], synthesized.stackDirectory),
    ]);
    expect([termsWithLocation.code, termsWithLocation.verdict]).toEqual([2, 'malformed']);
    expect([showWithPlan.code, showWithPlan.verdict]).toEqual([2, 'malformed']);
  });

  test('under the fallback profile too, the replay tells a malformed line from a well-formed one', async () => {
    const deallocate = lines.find((argv) => commandOf(argv) === 'vm deallocate')!;
    const [badOption, missingName] = await Promise.all([
      replay([...deallocate, '--no-such-option'], synthesized.stackDirectory, FALLBACK_PROFILE),
      replay(deallocate.filter((a) => !a.startsWith('--name=')), synthesized.stackDirectory, FALLBACK_PROFILE),
    ]);
    // The well-formed line, replayed in beforeAll.
    expect(replays.find((r) => r.argv === deallocate)).toMatchObject({ profile: FALLBACK_PROFILE, verdict: 'verified' });
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect(badOption.output).toContain('unrecognized arguments: --no-such-option');
    expect(missingName.verdict).toBe('malformed');
  });
});

describeWithAz('the az command lines of the images steps (capture, delete-all), parsed by the real Azure CLI', () => {
  let cwd: string;
  let replays: Replay[];
  const IMAGE_GROUP = 'rg-images';
  const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
  const DISK_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/disks/vm-golden-os`;

  /** The az lines of one in-process run of a step against the fake az. */
  async function recordedLines(step: 'capture' | 'delete-all', state: Partial<FakeAzState>, environment: Record<string, string>): Promise<string[][]> {
    const fake = new InProcessAz(state);
    try {
      const result = await runInProcess(STEPS[step], { env: { ...fake.environment(), ...environment }, az: fake.run, cwd });
      expect({ step, code: result.code, stderr: result.stderr }).toEqual({ step, code: 0, stderr: '' });
      return fake.calls();
    } finally {
      fake.dispose();
    }
  }

  beforeAll(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-images-'));
    const line = { GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_IMAGE_RESOURCE_GROUP: IMAGE_GROUP, GOLDEN_IMAGE_NAME: 'golden-web' };
    const capture = { ...line, GOLDEN_BUILD_REVISION: '20261201120000', GOLDEN_SOURCE_ID: VM_ID, GOLDEN_IMAGE_LOCATION: 'westeurope', GOLDEN_HYPERV_GENERATION: 'V2', GOLDEN_RETAIN_BUILDS: '1' };
    const older = { name: 'golden-web-20261101120000', tags: { 'golden-image-name': 'golden-web', 'golden-image-revision': '20261101120000' } };
    const generalized = { power: 'deallocated', osState: 'generalized' as const };
    const all = [
      ...await recordedLines('capture', { ...generalized, images: { [IMAGE_GROUP]: [older] } }, capture),
      ...await recordedLines('capture', { ...generalized, images: { [IMAGE_GROUP]: [] }, disks: [DISK_ID] },
        { ...capture, GOLDEN_SOURCE_ID: DISK_ID, GOLDEN_STORAGE_SKU: 'StandardSSD_LRS', GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web' }),
      ...await recordedLines('delete-all', { images: { [IMAGE_GROUP]: [older] } }, line),
    ];
    replays = await replayAll(distinct(all), cwd);
    report('the images steps', replays);
  });

  afterAll(() => {
    if (cwd) {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('no line is malformed and every line is either verified or listed as unverifiable', () => {
    expectVerifiedOrUnverifiable(replays);
  });

  test('every command of the two steps was replayed; the image lines are checked for real', () => {
    const commands = new Set(replays.map((r) => commandOf(r.argv)));
    expect(commands).toEqual(new Set(['version', 'account show', 'image list', 'image create', 'image delete']));
    const verified = [...new Set(replays.filter((r) => r.verdict === 'verified').map((r) => `${commandOf(r.argv)}${r.profile === 'latest' ? '' : ` (${r.profile})`}`))];
    console.log(`verified: ${verified.sort().join(', ')}`);
    expect(replays.filter((r) => commandOf(r.argv).startsWith('image ')).every((r) => r.verdict === 'verified')).toBe(true);
  });

  test('the replay tells a malformed image line from a well-formed one', async () => {
    const create = replays.find((r) => commandOf(r.argv) === 'image create')!.argv;
    const list = replays.find((r) => commandOf(r.argv) === 'image list')!.argv;
    const [badOption, badChoice, badQuery] = await Promise.all([
      replay([...create, '--no-such-option'], cwd),
      replay(create.map((a) => (a === '--hyper-v-generation=V2' ? '--hyper-v-generation=V3' : a)), cwd),
      // The query without its closing bracket.
      replay(list.map((a, i) => (list[i - 1] === '--query' ? a.slice(0, -1) : a)), cwd),
    ]);
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect([badChoice.code, badChoice.verdict]).toEqual([2, 'malformed']);
    expect([badQuery.code, badQuery.verdict]).toEqual([2, 'malformed']);
  });
});

describeWithAz('the az command lines of the gallery version steps (publish, replicate, promote, delete-all), parsed by the real Azure CLI', () => {
  let cwd: string;
  let lines: string[][];
  let replays: Replay[];
  const DEFINITION_KEY = 'rg-gallery/gallery_golden/golden-web';
  const REVISION = '20261201120000';
  const VERSION = '2026.1201.120000';
  const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;
  const tags = (revision: string) => ({ 'golden-image-name': 'golden-web', 'golden-image-revision': revision });
  const published = { name: VERSION, provisioningState: 'Succeeded', excludeFromLatest: true, tags: tags(REVISION), targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }] };
  const older = { name: '2026.1101.120000', provisioningState: 'Succeeded', excludeFromLatest: false, tags: tags('20261101120000') };

  /** The az lines of one in-process run of a step against the fake az. */
  async function recordedLines(step: 'gallery-publish' | 'gallery-replicate' | 'gallery-promote' | 'gallery-delete-all', state: Partial<FakeAzState>,
    environment: Record<string, string>): Promise<string[][]> {
    const fake = new InProcessAz({ power: 'deallocated', osState: 'generalized', ...state });
    try {
      const result = await runInProcess(STEPS[step], { env: { ...fake.environment(), ...environment }, az: fake.run, cwd });
      expect({ step, code: result.code, stderr: result.stderr }).toEqual({ step, code: 0, stderr: '' });
      return fake.calls();
    } finally {
      fake.dispose();
    }
  }

  beforeAll(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-gallery-'));
    const line = { GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_GALLERY_RESOURCE_GROUP: 'rg-gallery', GOLDEN_GALLERY_NAME: 'gallery_golden', GOLDEN_GALLERY_IMAGE: 'golden-web' };
    const version = { ...line, GOLDEN_BUILD_REVISION: REVISION, GOLDEN_GALLERY_VERSION: VERSION };
    const publish = {
      ...version,
      GOLDEN_SOURCE_ID: VM_ID,
      GOLDEN_GALLERY_LOCATION: 'westeurope',
      GOLDEN_TARGET_REGIONS: 'westeurope=2=Standard_ZRS\nnortheurope=1=Premium_LRS',
      GOLDEN_END_OF_LIFE_DATE: '2027-12-31',
      GOLDEN_IMAGE_TAGS: 'env=prod\nowner=team web',
    };
    const all = [
      ...await recordedLines('gallery-publish', { galleryImages: { [DEFINITION_KEY]: [] } }, publish),
      // A Failed version of an earlier run: its replication status read, the version deleted and published again.
      ...await recordedLines('gallery-publish', { galleryImages: { [DEFINITION_KEY]: [{ ...published, provisioningState: 'Failed' }] } }, publish),
      // More replicas, and a region dropped (Azure's explicit permission).
      ...await recordedLines('gallery-replicate', { galleryImages: { [DEFINITION_KEY]: [{ ...published, targetRegions: [...published.targetRegions, { name: 'northeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }] }] } }, {
        ...version, GOLDEN_GALLERY_LOCATION: 'westeurope', GOLDEN_TARGET_REGIONS: 'westeurope=3=Standard_ZRS',
      }),
      ...await recordedLines('gallery-promote', { galleryImages: { [DEFINITION_KEY]: [older, published] } }, { ...version, GOLDEN_RETAIN_VERSIONS: '1' }),
      ...await recordedLines('gallery-delete-all', { galleryImages: { [DEFINITION_KEY]: [older] } }, line),
    ];
    lines = distinct(all);
    replays = await replayAll(lines, cwd);
    report('the gallery version steps', replays);
  }, 400_000);

  afterAll(() => {
    if (cwd) {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('no line is malformed and every line is either verified or listed as unverifiable', () => {
    expectVerifiedOrUnverifiable(replays);
  });

  test('every command of the four steps was replayed; every gallery line is verified for real', () => {
    expect(new Set(lines.map(commandOf))).toEqual(new Set(['version', 'account show', 'sig image-version show', 'sig image-version create',
      'sig image-version update', 'sig image-version list', 'sig image-version delete']));
    for (const command of ['sig image-version show', 'sig image-version create', 'sig image-version update', 'sig image-version list', 'sig image-version delete']) {
      expect({ command, verdicts: [...new Set(replays.filter((r) => commandOf(r.argv) === command).map((r) => r.verdict))] }).toEqual({ command, verdicts: ['verified'] });
    }
    const verified = [...new Set(replays.filter((r) => r.verdict === 'verified').map((r) => `${commandOf(r.argv)}${r.profile === 'latest' ? '' : ` (${r.profile})`}`))];
    console.log(`verified: ${verified.sort().join(', ')}`);
    // The replication status, replicate's update with the permission to drop a region, and promote's update were among them.
    expect(lines.some((argv) => commandOf(argv) === 'sig image-version show' && argv.includes('--expand') && argv.includes('ReplicationStatus'))).toBe(true);
    expect(lines.some((argv) => commandOf(argv) === 'sig image-version update' && argv.includes('--allow-replicated-location-deletion=true'))).toBe(true);
    expect(lines.some((argv) => commandOf(argv) === 'sig image-version update' && argv.includes('publishingProfile.excludeFromLatest=false'))).toBe(true);
  });

  test('the replay tells a malformed gallery line from a well-formed one', async () => {
    const create = lines.find((argv) => commandOf(argv) === 'sig image-version create')!;
    const status = lines.find((argv) => argv.includes('--expand'))!;
    const list = lines.find((argv) => commandOf(argv) === 'sig image-version list')!;
    const [badChoice, badOption, upperCaseType, badQuery] = await Promise.all([
      replay(create.map((a) => (a === '--replication-mode=Full' ? '--replication-mode=Everywhere' : a)), cwd),
      replay([...status, '--no-such-option'], cwd),
      // Azure's spelling of the storage type, which az refuses in region=count=type (the step lower-cases it).
      replay(create.map((a) => (a === 'westeurope=2=standard_zrs' ? 'westeurope=2=Standard_ZRS' : a)), cwd),
      // The query without its closing bracket.
      replay(list.map((a, i) => (list[i - 1] === '--query' ? a.slice(0, -1) : a)), cwd),
    ]);
    expect([badChoice.code, badChoice.verdict]).toEqual([2, 'malformed']);
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect(create).toContain('westeurope=2=standard_zrs');
    expect(upperCaseType.verdict).not.toBe('verified');
    expect(upperCaseType.output).toContain('westeurope=2=Standard_ZRS is an invalid target region argument. The third part is not a valid storage account type.');
    expect([badQuery.code, badQuery.verdict]).toEqual([2, 'malformed']);
  });
});

describeWithAz('the az command lines of the gallery-canary step, parsed by the real Azure CLI', () => {
  let lines: string[][];
  let replays: Replay[];
  let passwordDirectory: string;
  const LINE_KEY = 'rg-gallery/gallery_golden/golden-web';
  const REVISION = '20261201120000';
  const VERSION = '2026.1201.120000';
  const PLAN = { name: 'plan-a', product: 'product-b', publisher: 'publisher.c' };
  const published = {
    name: VERSION,
    provisioningState: 'Succeeded',
    excludeFromLatest: true,
    tags: { 'golden-image-name': 'golden-web', 'golden-image-revision': REVISION },
    targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
  };
  const environment = {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_GALLERY_RESOURCE_GROUP: 'rg-gallery',
    GOLDEN_GALLERY_NAME: 'gallery_golden',
    GOLDEN_GALLERY_IMAGE: 'golden-web',
    GOLDEN_BUILD_REVISION: REVISION,
    GOLDEN_GALLERY_VERSION: VERSION,
    GOLDEN_CANARY_REGIONS: 'westeurope',
    GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch',
    GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
    GOLDEN_CANARY_RESOURCE_GROUP: 'rg-canary',
    GOLDEN_GUEST_DIRECTORY: 'guest',
  };

  /** The az lines of one in-process run of the step against the fake az (interrupted by SIGTERM at `interruptAt`, a command). */
  async function recordedLines(state: Partial<FakeAzState>, extra: Record<string, string>, interruptAt?: string): Promise<string[][]> {
    const fake = new InProcessAz({ power: 'deallocated', osState: 'generalized', resourceGroups: ['rg-canary'], ...state });
    try {
      const result = await runInProcess(STEPS['gallery-canary'], {
        env: { ...fake.environment(), ...environment, ...extra },
        az: fake.run,
        cwd: SCRIPTS_DIRECTORY,
        interrupt: interruptAt === undefined ? undefined : { signal: 'SIGTERM', when: (call) => commandOf([...call.args]) === interruptAt },
      });
      expect({ code: result.code, stderr: interruptAt ? '' : result.stderr }).toEqual({ code: interruptAt ? 143 : 0, stderr: '' });
      return fake.calls();
    } finally {
      fake.dispose();
    }
  }

  beforeAll(async () => {
    // The canaries' password files are gone once a run ends: the replays read one made here (az expands `@file`).
    passwordDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-canary-password-'));
    const passwordFile = path.join(passwordDirectory, 'canary-password');
    fs.writeFileSync(passwordFile, 'Replayed0Password0Abc123', { mode: 0o600 });
    const tags = { 'golden-canary': VERSION, 'golden-canary-image': 'gallery_golden/golden-web' };
    const all = [
      // Trusted Launch in a given subscription, with a leftover VNet of an interrupted run.
      ...await recordedLines({
        galleryImages: { [LINE_KEY]: [published] },
        vnets: [{ resourceGroup: 'rg-canary', name: `canary-${REVISION}-fe4437ca-02-vnet`, location: 'westeurope', tags, subnets: ['canary'] }],
      }, {}),
      // Standard, az's current subscription, a third-party image's purchase plan.
      ...await recordedLines({ galleryImages: { [LINE_KEY]: [{ ...published, purchasePlan: PLAN }] } }, {
        GOLDEN_CANARY_SECURITY_TYPE: 'Standard',
        GOLDEN_SUBSCRIPTION_ID: '',
        GOLDEN_CANARY_PLAN_NAME: PLAN.name,
        GOLDEN_CANARY_PLAN_PRODUCT: PLAN.product,
        GOLDEN_CANARY_PLAN_PUBLISHER: PLAN.publisher,
      }),
      // Interrupted during the check: the canary's deletion without waiting.
      ...await recordedLines({ galleryImages: { [LINE_KEY]: [published] }, hang: ['vm run-command invoke'] }, {}, 'vm run-command invoke'),
    ].map((argv) => argv.map((a) => (a.startsWith('--admin-password=@') ? `--admin-password=@${passwordFile}` : a)));
    lines = distinct(all);
    replays = await replayAll(lines, passwordDirectory);
    report('the gallery-canary step', replays);
  }, 400_000);

  afterAll(() => {
    if (passwordDirectory) {
      fs.rmSync(passwordDirectory, { recursive: true, force: true });
    }
  });

  test('no line is malformed and every line is either verified or listed as unverifiable', () => {
    expectVerifiedOrUnverifiable(replays);
  });

  test('every command of the step was replayed; the version, leftover, canary creation, check and deletion lines are verified for real', () => {
    expect(new Set(lines.map(commandOf))).toEqual(new Set(['version', 'account show', 'sig image-version show', 'resource list', 'vm create',
      'vm run-command invoke', 'vm delete', 'network nic delete', 'network vnet delete']));
    const verified = [...new Set(replays.filter((r) => r.verdict === 'verified').map((r) => `${commandOf(r.argv)}${r.profile === 'latest' ? '' : ` (${r.profile})`}`))];
    const unverifiable = [...new Set(replays.filter((r) => r.verdict === 'unverifiable').map((r) => commandOf(r.argv)))];
    console.log(`verified: ${verified.sort().join(', ')}\nunverifiable (the CLI crashes on its SDK under both profiles): ${unverifiable.sort().join(', ') || 'none'}`);
    for (const command of ['account show', 'sig image-version show', 'resource list', 'vm create', 'vm run-command invoke', 'vm delete', 'network vnet delete']) {
      expect({ command, verdicts: [...new Set(replays.filter((r) => commandOf(r.argv) === command).map((r) => r.verdict))] }).toEqual({ command, verdicts: ['verified'] });
    }
    // Both security types, the purchase plan, az's own subscription and the interrupted run's deletion were among them.
    const creates = lines.filter((argv) => commandOf(argv) === 'vm create');
    expect(creates.map((argv) => argv.find((a) => a.startsWith('--security-type=')))).toEqual(['--security-type=TrustedLaunch', '--security-type=Standard']);
    expect(creates[1]).toEqual(expect.arrayContaining(['--plan-name=plan-a', '--plan-product=product-b', '--plan-publisher=publisher.c']));
    expect(lines).toContainEqual(['account', 'show', '--query', 'id', '--output', 'json']);
    expect(lines.some((argv) => commandOf(argv) === 'vm delete' && argv.includes('--no-wait'))).toBe(true);
  });

  test('the replay tells a malformed canary line from a well-formed one', async () => {
    const vmCreate = lines.find((argv) => commandOf(argv) === 'vm create')!;
    const [badOption, missingValue] = await Promise.all([
      replay([...vmCreate, '--no-such-option'], passwordDirectory),
      replay(vmCreate.map((a) => (a === '--size=Standard_D2s_v5' ? '--size' : a)), passwordDirectory),
    ]);
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect(missingValue.verdict).toBe('malformed');
  });
});

describeWithAz('the az command lines of the verify-scale-set step, parsed by the real Azure CLI', () => {
  let cwd: string;
  let lines: string[][];
  let replays: Replay[];
  const GROUP = 'rg-web';
  const NAME = 'vmss-web';
  const NAMES = ['web000000', 'web000001'];
  const DEFINITION = 'rg-gallery/gallery_golden/golden-web';
  const DEFINITION_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/gallery_golden/images/golden-web`;
  const instances = (latestModelApplied: boolean, version?: string) => NAMES.map((computerName) => ({ computerName, latestModelApplied, provisioningState: 'Succeeded', version }));
  const version = (name: string) => ({ name, provisioningState: 'Succeeded', excludeFromLatest: false, targetRegions: [{ name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }] });

  /** The az lines of one in-process run of the step against the fake az, behind a simulated load balancer. */
  async function recordedLines(state: Partial<FakeAzState>, environment: Record<string, string>): Promise<string[][]> {
    const fake = new InProcessAz(state);
    try {
      const url = 'http://203.0.113.10/';
      const result = await runInProcess(STEPS['verify-scale-set'], {
        env: {
          ...fake.environment(),
          GOLDEN_SCALE_SET_RESOURCE_GROUP: GROUP,
          GOLDEN_SCALE_SET_NAME: NAME,
          GOLDEN_SCALE_SET_URL: url,
          GOLDEN_SCALE_SET_INSTANCES: '2',
          ...environment,
        },
        az: fake.run,
        http: fakeLoadBalancer({ instances: NAMES, pick: 'round-robin' }, url).client,
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      return fake.calls();
    } finally {
      fake.dispose();
    }
  }

  beforeAll(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'az-parser-verify-'));
    const all = [
      // An image upgrade: RollingForward once, then Completed.
      ...await recordedLines({ scaleSets: { [`${GROUP}/${NAME}`]: { instances: instances(false), rollingUpgrade: { code: 'RollingForward', pendingShows: 1 } } } },
        { GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID }),
      // A first deployment, in az's current subscription.
      ...await recordedLines({ scaleSets: { [`${GROUP}/${NAME}`]: { instances: instances(true), rollingUpgrade: null } } }, { GOLDEN_SUBSCRIPTION_ID: '' }),
      // A promoted version Azure did not roll out: the definition's versions read, a rolling upgrade started.
      ...await recordedLines({
        scaleSets: { [`${GROUP}/${NAME}`]: { instances: instances(true, '2026.1101.120000'), rollingUpgrade: { code: 'Completed' }, galleryImage: DEFINITION } },
        galleryImages: { [DEFINITION]: [version('2026.1101.120000'), version('2026.1201.120000')] },
      }, { GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID, GOLDEN_SCALE_SET_GALLERY_IMAGE: DEFINITION_ID }),
    ];
    lines = distinct(all);
    replays = await replayAll(lines, cwd);
    report('the verify-scale-set step', replays);
  });

  afterAll(() => {
    if (cwd) {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  test('no line is malformed and every line is either verified or listed as unverifiable', () => {
    expectVerifiedOrUnverifiable(replays);
  });

  test('every vmss and gallery command, with and without a subscription, is verified for real (the vmss ones under the fallback profile: Debian\'s SDK lacks the default one)', () => {
    expect(new Set(lines.map(commandOf))).toEqual(new Set(['version', 'account show', 'vmss rolling-upgrade get-latest', 'vmss list-instances',
      'sig image-version list', 'vmss rolling-upgrade start']));
    for (const [command, count] of [['vmss rolling-upgrade get-latest', 2], ['vmss list-instances', 2], ['sig image-version list', 1], ['vmss rolling-upgrade start', 1]] as const) {
      const ofCommand = replays.filter((r) => commandOf(r.argv) === command);
      expect({ command, count: ofCommand.length, verdicts: [...new Set(ofCommand.map((r) => r.verdict))] }).toEqual({ command, count, verdicts: ['verified'] });
    }
    const verified = [...new Set(replays.filter((r) => r.verdict === 'verified').map((r) => `${commandOf(r.argv)}${r.profile === 'latest' ? '' : ` (${r.profile})`}`))];
    console.log(`verified: ${verified.sort().join(', ')}`);
  });

  test('the replay tells a malformed vmss line from a well-formed one', async () => {
    const list = lines.find((argv) => commandOf(argv) === 'vmss list-instances')!;
    const start = lines.find((argv) => commandOf(argv) === 'vmss rolling-upgrade start')!;
    const [badOption, badQuery, missingName, noWait] = await Promise.all([
      replay([...list, '--no-such-option'], cwd, FALLBACK_PROFILE),
      // The query without its closing bracket.
      replay(list.map((a, i) => (list[i - 1] === '--query' ? a.slice(0, -1) : a)), cwd, FALLBACK_PROFILE),
      replay(start.filter((a) => !a.startsWith('--name=')), cwd, FALLBACK_PROFILE),
      // az before 2.47 has no --no-wait here: the step does not use it.
      replay([...start, '--no-wait'], cwd, FALLBACK_PROFILE),
    ]);
    expect([badOption.code, badOption.verdict]).toEqual([2, 'malformed']);
    expect(badOption.output).toContain('unrecognized arguments: --no-such-option');
    expect([badQuery.code, badQuery.verdict]).toEqual([2, 'malformed']);
    expect(missingName.verdict).toBe('malformed');
    expect(noWait.verdict).toBe('malformed');
  });
});
