/**
 * The base-image step (lib/operator/steps/base-image.ts) in-process, against the simulated az (test/fake-az), whose
 * `az vm image list --all` answers in Azure's order, the versions of each SKU sorted as text: the last one (what
 * azurerm's data.azurerm_platform_image takes) is not the newest. On a simulated clock.
 */
import * as fs from 'fs';
import { STEPS } from '../../lib/operator/main';
import { FakeAzState, FakeMarketplaceSku, SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { resolveEnvironment, stepProvisioner, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';
import { runInProcess, STEP_START_CALLS, StepRun } from '../util/operator';

const REGION = 'westeurope';
/** Windows Server 2025 Datacenter: the text order puts 26100.4652.250708 last, the numeric order 26100.32230.260111. */
const NEWEST = '26100.32230.260111';
const TEXT_LAST = '26100.4652.250708';
const DATACENTER: FakeMarketplaceSku = {
  publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2025-datacenter', versions: [TEXT_LAST, NEWEST, '26100.2033.241004', '26100.4061.250518'],
};
/**
 * What az's partial-name filters also find for `--publisher MicrosoftWindowsServer --offer WindowsServer --sku
 * 2025-datacenter`, each with a version newer than any of the SKU's own: other SKUs, offers and publishers whose names
 * contain the filters.
 */
const NEIGHBOURS: FakeMarketplaceSku[] = [
  { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2025-datacenter-g2', versions: ['26100.40000.270101'] },
  { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2025-datacenter-azure-edition', versions: ['26100.40000.270101'] },
  { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServerSemiAnnual', sku: '2025-datacenter', versions: ['26100.40000.270101'] },
  { publisher: 'MicrosoftWindowsServerUpgrades', offer: 'WindowsServer', sku: '2025-datacenter', versions: ['26100.40000.270101'] },
];

const fakes: InProcessAz[] = [];
afterAll(() => fakes.forEach((fake) => fake.dispose()));

function fakeAz(state: Partial<FakeAzState> = {}): InProcessAz {
  const fake = new InProcessAz({ marketplace: { [REGION]: [...NEIGHBOURS, DATACENTER] }, ...state });
  fakes.push(fake);
  return fake;
}

/** The step's environment as GoldenVm writes it, with the values Terraform gives its expressions. */
function environment(chosen: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GOLDEN_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
    GOLDEN_BASE_IMAGE_LOCATION: REGION,
    GOLDEN_BASE_IMAGE_PUBLISHER: 'MicrosoftWindowsServer',
    GOLDEN_BASE_IMAGE_OFFER: 'WindowsServer',
    GOLDEN_BASE_IMAGE_SKU: '2025-datacenter',
    GOLDEN_BASE_IMAGE_VERSION: chosen,
    ...extra,
  };
}

function check(fake: InProcessAz, env: Record<string, string>, interruptAt?: string): Promise<StepRun> {
  return runInProcess(STEPS['base-image'], {
    env: { ...fake.environment(), ...env },
    az: fake.run,
    interrupt: interruptAt === undefined ? undefined : { signal: 'SIGINT', when: (call) => call.args.join(' ').startsWith(interruptAt) },
  });
}

const START = STEP_START_CALLS;
const LIST = ['vm', 'image', 'list', '--all', `--location=${REGION}`, '--publisher=MicrosoftWindowsServer', '--offer=WindowsServer', '--sku=2025-datacenter',
  `--subscription=${SUBSCRIPTION_ID}`, '--output', 'json'];

test('the program knows the step, named `base-image` in its lines, for GoldenVm', () => {
  expect(STEPS['base-image']).toMatchObject({ name: 'base-image', construct: 'GoldenVm' });
});

describe('the version the lookup chose', () => {
  test('the newest as a number, although not the last in Azure\'s list: passes, in exactly these calls', async () => {
    const fake = fakeAz();
    const result = await check(fake, environment(NEWEST));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, LIST]);
    expect(result.stdout).toContain(`[base-image +0s] check: Terraform's lookup of MicrosoftWindowsServer:WindowsServer:2025-datacenter:latest in ${REGION} `
      + `chose ${NEWEST}; checking that no newer version is listed`);
    // Azure's order, as the simulated az gives it: the SKU's versions sorted as text; the neighbours left out.
    expect(result.stdout).toContain(`list: 4 version(s), in Azure's order: 26100.2033.241004, ${NEWEST}, 26100.4061.250518, ${TEXT_LAST}`);
    expect(result.stdout).toContain(`check: ${NEWEST} is the newest of the 4 version(s) of MicrosoftWindowsServer:WindowsServer:2025-datacenter Azure lists `
      + `in ${REGION} (compared as numbers): the build may start from it`);
    expect(result.seconds).toBe(0);
  });

  test('the last of Azure\'s list, as azurerm chooses it (provider issue 31577): exit 13, naming both versions, the cause and the pin', async () => {
    const fake = fakeAz();
    const result = await check(fake, environment(TEXT_LAST));
    expect(result.code).toBe(13);
    expect(fake.calls()).toEqual([...START, LIST]);
    const urn = 'MicrosoftWindowsServer:WindowsServer:2025-datacenter';
    expect(result.stderr).toBe(`[base-image +0s] ERROR: check: Terraform's lookup of ${urn}:latest chose ${TEXT_LAST}, but the newest version Azure `
      + `lists in ${REGION} is ${NEWEST} (compared as numbers, part by part). Azure lists the SKU's 4 versions sorted as text, not by version number, so `
      + `${TEXT_LAST} comes last, and azurerm's data.azurerm_platform_image takes the last one as the latest (terraform-provider-azurerm issue 31577, `
      + `azure-rest-api-specs issue 30142). Building from ${TEXT_LAST} would miss the newer version's patches and move the build backwards, so the build `
      + `VM was not created. Fix: pin the newest version, MarketplaceImage.fromUrn('${urn}:${NEWEST}') (or pass '${NEWEST}' as the version argument of `
      + `the MarketplaceImage factory you use, e.g. windowsServer2025DatacenterGen2('${NEWEST}')), then deploy again: a pinned version never moves, so no `
      + 'later lookup can take the build backwards. Move the pin forward when a newer version is listed (`az vm image list --all --location westeurope '
      + '--publisher MicrosoftWindowsServer --offer WindowsServer --sku 2025-datacenter -o table`).\n');
  });

  test.each([
    ['an older version in the middle of Azure\'s list', '26100.4061.250518'],
    ['the oldest', '26100.2033.241004'],
    ['a version older than any listed (withdrawn since)', '26100.1742.240906'],
  ])('%s: exit 13, the newest named', async (_, chosen) => {
    const result = await check(fakeAz(), environment(chosen));
    expect(result.code).toBe(13);
    expect(result.stderr).toContain(`chose ${chosen}, but the newest version Azure lists in ${REGION} is ${NEWEST}`);
    expect(result.stderr).toContain('azurerm\'s data.azurerm_platform_image takes the last version of Azure\'s list as the latest, and Azure sorts that list as text');
  });

  test('only the SKU itself counts: the newer versions of SKUs, offers and publishers az\'s partial filters also list are left out', async () => {
    const fake = fakeAz();
    // What the simulated az answers, as the real one would: the neighbours too.
    const listed = JSON.parse((await fake.run({ args: LIST, env: {}, signal: new AbortController().signal, cwd: process.cwd() })).stdout);
    expect(listed).toHaveLength(8);
    expect(listed.filter((image: { version: string }) => image.version === '26100.40000.270101')).toHaveLength(4);
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(0);
  });

  test('names are matched ignoring case, as az and Azure do: `2025-Datacenter` is Azure\'s `2025-datacenter`', async () => {
    const fake = fakeAz();
    const result = await check(fake, environment(TEXT_LAST, { GOLDEN_BASE_IMAGE_SKU: '2025-Datacenter', GOLDEN_BASE_IMAGE_PUBLISHER: 'microsoftwindowsserver' }));
    expect(result.code).toBe(13);
    expect(result.stderr).toContain(`newest version Azure lists in ${REGION} is ${NEWEST}`);
  });

  test('a version Azure lists in another form is left out, and named', async () => {
    const fake = fakeAz({ marketplace: { [REGION]: [{ ...DATACENTER, versions: [...DATACENTER.versions, '26100.preview'] }] } });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('list: ignoring 1 version(s) not of the form Major.Minor.Build, which cannot be compared: "26100.preview"');
  });

  test('the only version listed: passes', async () => {
    const fake = fakeAz({ marketplace: { [REGION]: [{ ...DATACENTER, versions: [NEWEST] }] } });
    expect((await check(fake, environment(NEWEST))).code).toBe(0);
  });
});

describe('what Azure no longer lists: exit 8', () => {
  test('no version of the SKU in the region (withdrawn, or another subscription)', async () => {
    const fake = fakeAz({ marketplace: { [REGION]: NEIGHBOURS, northeurope: [DATACENTER] } });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(8);
    expect(result.stderr).toContain(`ERROR: list: Azure lists no version of MicrosoftWindowsServer:WindowsServer:2025-datacenter in ${REGION} for subscription `
      + `${SUBSCRIPTION_ID}, although Terraform's lookup found ${NEWEST} at plan time`);
    expect(result.stderr).toContain('The build VM was not created. Check `az vm image list --all --location westeurope');
  });

  test('the chosen version, newer than any listed, withdrawn since the plan', async () => {
    const fake = fakeAz({ marketplace: { [REGION]: [{ ...DATACENTER, versions: DATACENTER.versions.filter((v) => v !== NEWEST) }] } });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(8);
    expect(result.stderr).toContain(`ERROR: check: Azure no longer lists MicrosoftWindowsServer:WindowsServer:2025-datacenter:${NEWEST}, the version `
      + `Terraform's lookup chose at plan time, in ${REGION} (the newest it lists is ${TEXT_LAST}): it was withdrawn since the plan.`);
  });
});

describe('az', () => {
  test('checked once before the list: an old CLI stops the step with exit 3, nothing listed', async () => {
    const fake = fakeAz({ cliVersion: '2.43.0' });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the Azure CLI is 2.43.0; the operator steps need 2.44.0 or later');
    expect(fake.commands()).toEqual(['version']);
  });

  test('no session and no credentials: exit 3, nothing listed', async () => {
    const fake = fakeAz({ loggedIn: false });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('az is not logged in and no credentials were given');
    expect(fake.commands()).toEqual(['version', 'account show']);
  });

  test('a service principal from the ARM_* variables, in a private az profile: the secret only on az\'s standard input', async () => {
    const secret = 'sp-secret-value';
    const fake = fakeAz({ loggedIn: false, servicePrincipal: { clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', tenantId: 'contoso.onmicrosoft.com', secret } });
    const result = await check(fake, environment(NEWEST, {
      ARM_CLIENT_ID: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', ARM_CLIENT_SECRET: secret, ARM_TENANT_ID: 'contoso.onmicrosoft.com',
    }));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.state().passwordSources).toEqual(['stdin']);
    expect(JSON.stringify(fake.calls())).not.toContain(secret);
    expect(fake.commands()).toEqual(['version', 'account show', 'login', 'vm image list']);
  });

  test('transient errors are retried with backoff (simulated time), then the list answers', async () => {
    const fake = fakeAz({ transient: [{ command: 'vm image list', error: '429', times: 1 }, { command: 'vm image list', error: 'connection', times: 1 }] });
    const result = await check(fake, environment(TEXT_LAST));
    expect(result.code).toBe(13);
    expect(fake.commands().filter((c) => c === 'vm image list')).toHaveLength(3);
    expect(result.seconds).toBe(15);
  });

  test('a refusal (authorization): exit 6 with az\'s error and the hint', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm image list', fault: 'authorization' }] });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('  az| ERROR: (AuthorizationFailed)');
    expect(result.stderr).toContain('ERROR: list: az vm image list failed. Check that the identity may read the subscription (any role on it, e.g. Reader, '
      + `lists marketplace images) and that ${REGION} is a region of it; then run the deployment again.`);
  });

  test('a subscription az does not know: exit 6', async () => {
    const result = await check(fakeAz(), environment(NEWEST, { GOLDEN_SUBSCRIPTION_ID: '00000000-0000-4000-8000-000000000000' }));
    expect(result.code).toBe(6);
    expect(result.stderr).toContain("Subscription '00000000-0000-4000-8000-000000000000' not found");
  });

  test('a CLI lacking a module for the command: exit 3, not retried', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm image list', fault: 'missing-module' }] });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(3);
    expect(fake.commands().filter((c) => c === 'vm image list')).toHaveLength(1);
  });

  test('the session expiring during the run: exit 3, log in again', async () => {
    const fake = fakeAz({ faults: [{ command: 'vm image list', fault: 'refresh-token-expired' }] });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the az session expired during the run');
  });

  test('a list that never answers: exit 4 after 300 s (simulated), az stopped', async () => {
    const fake = fakeAz({ hang: ['vm image list'] });
    const result = await check(fake, environment(NEWEST));
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('ERROR: list: az vm image list did not answer within 300s.');
    expect(result.stdout).toContain('list: waiting for az vm image list, 15s of 300s');
    expect(result.seconds).toBe(300);
    expect(fake.hanging()).toEqual([]);
  });

  test('interrupted by SIGINT while the list runs: exit 130, az stopped', async () => {
    const fake = fakeAz({ hang: ['vm image list'] });
    const result = await check(fake, environment(NEWEST), 'vm image list');
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('ERROR: interrupted by SIGINT during list.');
    expect(fake.hanging()).toEqual([]);
  });

  test('the subscription: GOLDEN_SUBSCRIPTION_ID, else ARM_SUBSCRIPTION_ID, else az\'s default (no --subscription)', async () => {
    const fromArm = fakeAz();
    expect((await check(fromArm, environment(NEWEST, { GOLDEN_SUBSCRIPTION_ID: '', ARM_SUBSCRIPTION_ID: SUBSCRIPTION_ID }))).code).toBe(0);
    expect(fromArm.calls()[2]).toContain(`--subscription=${SUBSCRIPTION_ID}`);
    const fromAz = fakeAz();
    expect((await check(fromAz, environment(NEWEST, { GOLDEN_SUBSCRIPTION_ID: '' }))).code).toBe(0);
    expect(fromAz.calls()[2].some((arg) => arg.startsWith('--subscription'))).toBe(false);
  });
});

describe('input validation: exit 2 and no az call', () => {
  test.each<[string, Record<string, string>, string]>([
    ['GOLDEN_BASE_IMAGE_VERSION missing', { GOLDEN_BASE_IMAGE_VERSION: '' }, 'GOLDEN_BASE_IMAGE_VERSION must be a marketplace image version (Major.Minor.Build'],
    ['GOLDEN_BASE_IMAGE_VERSION latest (the lookup resolves it)', { GOLDEN_BASE_IMAGE_VERSION: 'latest' }, 'GOLDEN_BASE_IMAGE_VERSION must be a marketplace image version'],
    ['GOLDEN_BASE_IMAGE_VERSION of four parts', { GOLDEN_BASE_IMAGE_VERSION: '1.2.3.4' }, 'GOLDEN_BASE_IMAGE_VERSION must be a marketplace image version'],
    ['GOLDEN_BASE_IMAGE_LOCATION a display name', { GOLDEN_BASE_IMAGE_LOCATION: 'West Europe' }, 'GOLDEN_BASE_IMAGE_LOCATION must be an Azure region name'],
    ['GOLDEN_BASE_IMAGE_PUBLISHER missing', { GOLDEN_BASE_IMAGE_PUBLISHER: '' }, 'GOLDEN_BASE_IMAGE_PUBLISHER must be a marketplace image part'],
    ['GOLDEN_BASE_IMAGE_OFFER with a space', { GOLDEN_BASE_IMAGE_OFFER: 'Windows Server' }, 'GOLDEN_BASE_IMAGE_OFFER must be a marketplace image part'],
    ['GOLDEN_BASE_IMAGE_SKU starting with a hyphen (an option to az)', { GOLDEN_BASE_IMAGE_SKU: '--all' }, 'GOLDEN_BASE_IMAGE_SKU must be a marketplace image part'],
    ['GOLDEN_SUBSCRIPTION_ID not a GUID', { GOLDEN_SUBSCRIPTION_ID: 'prod' }, 'GOLDEN_SUBSCRIPTION_ID must be a subscription id'],
    ['GOLDEN_RETRY_MAX_ATTEMPTS 0', { GOLDEN_RETRY_MAX_ATTEMPTS: '0' }, 'GOLDEN_RETRY_MAX_ATTEMPTS must be between 1 and 20; got 0'],
  ])('%s', async (_, values, message) => {
    const fake = fakeAz();
    const result = await check(fake, environment(NEWEST, values));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/It (comes from the GoldenVm construct's props|is one of the operator's tuning variables)/);
    expect(fake.calls()).toEqual([]);
  });
});

describe('with the environment GoldenVm synthesizes (the seed stack, a `latest` image)', () => {
  let seed: SynthesizedStack;
  beforeAll(() => {
    seed = synthSeedStack();
  });
  afterAll(() => fs.rmSync(seed.outdir, { recursive: true, force: true }));

  test('the step runs with every value from the environment, Terraform\'s expressions resolved', async () => {
    const step = stepProvisioner(seed, 'BaseImageCheck');
    expect([step.command, step.interpreter]).toEqual(['base-image', ['node', expect.stringMatching(/^\.\/assets\/.*\/operator\/operator\.js$/)]]);
    const [lookup] = Object.keys(seed.parsed.data.azurerm_platform_image);
    const values = {
      '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}': SUBSCRIPTION_ID,
      [`\${data.azurerm_platform_image.${lookup}.location}`]: REGION,
      [`\${data.azurerm_platform_image.${lookup}.version}`]: '20348.2849.241109',
    };
    const sku: FakeMarketplaceSku = { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', versions: ['20348.2849.241109', '20348.10000.250101'] };
    const fake = fakeAz({ marketplace: { [REGION]: [sku] } });
    const result = await runInProcess(STEPS[step.command], {
      env: { ...fake.environment(), ...resolveEnvironment(step.environment, values) }, az: fake.run, cwd: seed.stackDirectory,
    });
    // 20348.2849 is the last as text, 20348.10000 the newest.
    expect(result.code).toBe(13);
    expect(result.stderr).toContain("pin the newest version, MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:20348.10000.250101')");
    expect(fake.calls()[2]).toEqual(['vm', 'image', 'list', '--all', `--location=${REGION}`, '--publisher=MicrosoftWindowsServer', '--offer=WindowsServer',
      '--sku=2022-datacenter-core-g2', `--subscription=${SUBSCRIPTION_ID}`, '--output', 'json']);
  });
});

describe('the purchase plan (GOLDEN_BASE_IMAGE_PLAN, any publisher but Windows Server): checked before the build VM is created', () => {
  /** CIS's hardened Windows Server 2022: a third-party image with a plan (name = SKU, product = offer). */
  const CIS_PLAN = { name: 'cis-windows-server-2022-l1-gen2', product: 'cis-windows-server-2022-l1', publisher: 'center-for-internet-security-inc' };
  const CIS: FakeMarketplaceSku = {
    publisher: CIS_PLAN.publisher, offer: CIS_PLAN.product, sku: CIS_PLAN.name, versions: ['1.0.5', '1.0.12'], plan: CIS_PLAN,
  };
  /** Microsoft's SQL Server on Windows Server: another publisher, no plan. */
  const SQL: FakeMarketplaceSku = { publisher: 'MicrosoftSQLServer', offer: 'sql2022-ws2022', sku: 'enterprise-gen2', versions: ['16.0.250110', '16.0.250612'] };
  const CIS_URN = `${CIS_PLAN.publisher}:${CIS_PLAN.product}:${CIS_PLAN.name}`;
  const ACCEPTED = [`${CIS_PLAN.publisher}:${CIS_PLAN.product}:${CIS_PLAN.name}`];
  const planFake = (state: Partial<FakeAzState> = {}) => fakeAz({ marketplace: { [REGION]: [CIS, SQL] }, acceptedTerms: ACCEPTED, ...state });
  const cis = (version: string, extra: Record<string, string> = {}) => environment(version, {
    GOLDEN_BASE_IMAGE_PUBLISHER: CIS.publisher,
    GOLDEN_BASE_IMAGE_OFFER: CIS.offer,
    GOLDEN_BASE_IMAGE_SKU: CIS.sku,
    GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name}:${CIS_PLAN.product}:${CIS_PLAN.publisher}`,
    ...extra,
  });
  const sql = (version: string, extra: Record<string, string> = {}) => environment(version, {
    GOLDEN_BASE_IMAGE_PUBLISHER: SQL.publisher, GOLDEN_BASE_IMAGE_OFFER: SQL.offer, GOLDEN_BASE_IMAGE_SKU: SQL.sku, GOLDEN_BASE_IMAGE_PLAN: 'none', ...extra,
  });
  const show = (urn: string, subscription = true) => ['vm', 'image', 'show', `--location=${REGION}`, `--urn=${urn}`,
    ...(subscription ? [`--subscription=${SUBSCRIPTION_ID}`] : []), '--output', 'json'];
  const TERMS = ['vm', 'image', 'terms', 'show', `--publisher=${CIS_PLAN.publisher}`, `--offer=${CIS_PLAN.product}`, `--plan=${CIS_PLAN.name}`,
    `--subscription=${SUBSCRIPTION_ID}`, '--output', 'json'];
  const cisList = ['vm', 'image', 'list', '--all', `--location=${REGION}`, `--publisher=${CIS.publisher}`, `--offer=${CIS.offer}`, `--sku=${CIS.sku}`,
    `--subscription=${SUBSCRIPTION_ID}`, '--output', 'json'];

  test('a `latest` plan image with its plan declared and its terms accepted: passes, in exactly these calls (versions, image, terms)', async () => {
    const fake = planFake();
    const result = await check(fake, cis('1.0.12'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, cisList, show(`${CIS_URN}:1.0.12`), TERMS]);
    expect(result.stdout).toContain(`plan: ${CIS_URN}:1.0.12 has the declared purchase plan name=${CIS_PLAN.name} product=${CIS_PLAN.product} `
      + `publisher=${CIS_PLAN.publisher}; reading whether its terms are accepted`);
    expect(result.stdout).toContain(`terms: the terms of name=${CIS_PLAN.name} product=${CIS_PLAN.product} publisher=${CIS_PLAN.publisher} are accepted`);
  });

  test('a pinned version: not compared with the newest (no list), its plan and terms checked', async () => {
    const fake = planFake();
    const result = await check(fake, cis('1.0.5', { GOLDEN_BASE_IMAGE_LOOKUP: 'pinned' }));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.calls()).toEqual([...START, show(`${CIS_URN}:1.0.5`), TERMS]);
    expect(result.stdout).toContain(`check: ${CIS_URN}:1.0.5 is pinned; checking its purchase plan`);
  });

  test('another publisher\'s image without a plan, declared without one: passes without reading terms', async () => {
    const fake = planFake();
    const result = await check(fake, sql('16.0.250612'));
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(fake.commands()).toEqual(['version', 'account show', 'vm image list', 'vm image show']);
    expect(result.stdout).toContain(`plan: ${SQL.publisher}:${SQL.offer}:${SQL.sku}:16.0.250612 has no purchase plan, as declared: the build may start from it`);
  });

  test('an image with a plan, declared without one: exit 14 before any VM, naming the plan to declare and the terms to accept', async () => {
    const fake = planFake();
    const result = await check(fake, cis('1.0.12', { GOLDEN_BASE_IMAGE_PLAN: 'none' }));
    expect(result.code).toBe(14);
    expect(fake.commands()).toEqual(['version', 'account show', 'vm image list', 'vm image show']);
    expect(result.stderr).toBe(`[base-image +0s] ERROR: plan: ${CIS_URN}:1.0.12 in ${REGION} has the purchase plan name=${CIS_PLAN.name} `
      + `product=${CIS_PLAN.product} publisher=${CIS_PLAN.publisher}, but the MarketplaceImage declares no purchase plan: Azure creates a VM from it (and `
      + 'from every image captured from it) only with its own plan ("Find and use Azure Marketplace VM images with Azure CLI", Check the purchase plan '
      + `information), so the build VM was not created. Fix: declare the image's plan, MarketplaceImage.fromUrn('${CIS_URN}:latest', { plan: `
      + `{ name: '${CIS_PLAN.name}', product: '${CIS_PLAN.product}', publisher: '${CIS_PLAN.publisher}' } }) (a GalleryImage of the build takes the `
      + `same purchasePlan), accept its terms once per subscription (\`az vm image terms accept --publisher ${CIS_PLAN.publisher} --offer `
      + `${CIS_PLAN.product} --plan ${CIS_PLAN.name}\`), then deploy again.\n`);
  });

  test('an image without a plan, declared with one (a pinned version): exit 14, remove the plan', async () => {
    const fake = planFake();
    const result = await check(fake, sql('16.0.250110', { GOLDEN_BASE_IMAGE_LOOKUP: 'pinned', GOLDEN_BASE_IMAGE_PLAN: 'enterprise-gen2:sql2022-ws2022:MicrosoftSQLServer' }));
    expect(result.code).toBe(14);
    expect(result.stderr).toContain('has no purchase plan, but the MarketplaceImage declares name=enterprise-gen2 product=sql2022-ws2022 '
      + 'publisher=MicrosoftSQLServer: Azure refuses a VM whose plan is not its image\'s');
    expect(result.stderr).toContain(`Fix: remove the plan: MarketplaceImage.fromUrn('${SQL.publisher}:${SQL.offer}:${SQL.sku}:16.0.250110'), then deploy again.`);
  });

  test('another plan than the image\'s: exit 14 naming the image\'s; the same plan in other case passes (Azure\'s ids ignore case)', async () => {
    const other = await check(planFake(), cis('1.0.12', { GOLDEN_BASE_IMAGE_PLAN: `cis-windows-server-2019-l1-gen2:${CIS_PLAN.product}:${CIS_PLAN.publisher}` }));
    expect(other.code).toBe(14);
    expect(other.stderr).toContain(`but the MarketplaceImage declares name=cis-windows-server-2019-l1-gen2 product=${CIS_PLAN.product}`);
    expect(other.stderr).toContain(`{ plan: { name: '${CIS_PLAN.name}', product: '${CIS_PLAN.product}', publisher: '${CIS_PLAN.publisher}' } }`);
    const upper = await check(planFake(), cis('1.0.12', { GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name.toUpperCase()}:${CIS_PLAN.product}:${CIS_PLAN.publisher}` }));
    expect(upper.code).toBe(0);
  });

  test('terms not accepted in the subscription: exit 15 with the license and the `az vm image terms accept` to run', async () => {
    const fake = planFake({ acceptedTerms: [] });
    const result = await check(fake, cis('1.0.12'));
    expect(result.code).toBe(15);
    expect(fake.calls()).toEqual([...START, cisList, show(`${CIS_URN}:1.0.12`), TERMS]);
    expect(result.stderr).toContain(`ERROR: terms: the terms of purchase plan name=${CIS_PLAN.name} product=${CIS_PLAN.product} publisher=${CIS_PLAN.publisher} `
      + `of ${CIS_URN}:1.0.12 are not accepted in subscription ${SUBSCRIPTION_ID}: Azure creates no VM from the image until they are `
      + '(MarketplacePurchaseEligibilityFailed), so the build VM was not created. Fix: read the terms (https://storelegalterms.blob.core.windows.net/');
    expect(result.stderr).toContain(`\`az vm image terms accept --publisher ${CIS_PLAN.publisher} --offer ${CIS_PLAN.product} --plan ${CIS_PLAN.name} `
      + `--subscription ${SUBSCRIPTION_ID}\` (or \`az vm image terms accept --urn ${CIS_URN}:1.0.12\`), then run the deployment again.`);
  });

  test('a pinned version Azure does not list: exit 8 (az\'s NotFound), nothing created', async () => {
    const fake = planFake();
    const result = await check(fake, cis('1.0.99', { GOLDEN_BASE_IMAGE_LOOKUP: 'pinned' }));
    expect(result.code).toBe(8);
    expect(result.stderr).toContain('  az| ERROR: (NotFound) Artifact: VMImage was not found.');
    expect(result.stderr).toContain(`ERROR: plan: az vm image show failed: marketplace image ${CIS_URN}:1.0.99 in ${REGION} was not found`);
  });

  test('az\'s default subscription (no GOLDEN_SUBSCRIPTION_ID): no --subscription, and the fix says so', async () => {
    const fake = planFake({ acceptedTerms: [] });
    const result = await check(fake, cis('1.0.5', { GOLDEN_BASE_IMAGE_LOOKUP: 'pinned', GOLDEN_SUBSCRIPTION_ID: '' }));
    expect(result.code).toBe(15);
    expect(fake.calls()[2]).toEqual(show(`${CIS_URN}:1.0.5`, false));
    expect(fake.calls()[3].some((arg) => arg.startsWith('--subscription'))).toBe(false);
    expect(result.stderr).toContain("are not accepted in az's subscription");
  });

  test('transient errors of the image and terms calls are retried (simulated time)', async () => {
    const fake = planFake({ transient: [{ command: 'vm image show', error: '429', times: 1 }, { command: 'vm image terms show', error: 'connection', times: 1 }] });
    const result = await check(fake, cis('1.0.12'));
    expect(result.code).toBe(0);
    expect(fake.commands().filter((c) => c.startsWith('vm image show') || c.startsWith('vm image terms'))).toHaveLength(4);
  });

  test.each<[string, Record<string, string>, string]>([
    ['GOLDEN_BASE_IMAGE_PLAN of two parts', { GOLDEN_BASE_IMAGE_PLAN: `${CIS_PLAN.name}:${CIS_PLAN.product}` }, 'GOLDEN_BASE_IMAGE_PLAN must be \'none\' or the declared purchase plan'],
    ['GOLDEN_BASE_IMAGE_PLAN with a space', { GOLDEN_BASE_IMAGE_PLAN: 'a b:c:d' }, 'GOLDEN_BASE_IMAGE_PLAN must be \'none\''],
    ['GOLDEN_BASE_IMAGE_LOOKUP neither latest nor pinned', { GOLDEN_BASE_IMAGE_LOOKUP: 'newest' }, 'GOLDEN_BASE_IMAGE_LOOKUP must be \'latest\''],
  ])('%s: exit 2, no az call', async (_, values, message) => {
    const fake = planFake();
    const result = await check(fake, cis('1.0.12', values));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(fake.calls()).toEqual([]);
  });
});
