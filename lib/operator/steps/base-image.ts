/**
 * base-image: the check of a `latest` marketplace image before GoldenVm's build VM is created from it.
 *
 * GoldenVm builds a `latest` image from the version `data.azurerm_platform_image` looked up at plan time, and that
 * version is also what rebuilds the image when it changes. azurerm 4.55 lists the SKU's versions without an order
 * (`virtualmachineimages.DefaultListOperationOptions()`) and takes the last one ("the last value is the latest,
 * apparently": internal/services/compute/platform_image_data_source.go, dataSourcePlatformImageRead), but Azure sorts
 * that list as text, not by version number (terraform-provider-azurerm issue 31577, WindowsServer 2025-Datacenter;
 * azure-rest-api-specs issue 30142, RHEL 8.9 chosen over 8.10). So `26100.4652.250708` comes last and is chosen
 * although `26100.32230.260111` is newer. Terraform cannot do better at plan time: azurerm 4.55 has no other data
 * source that lists a marketplace SKU's versions (its `sort_versions_by_semver` is for gallery images only).
 *
 * So this step lists the SKU's versions in the region with az, compares them as numbers (versions.ts) and stops the
 * deployment with exit code 13 when the version the lookup chose is older than the newest: building from it would miss
 * the newer version's patches and move the build backwards. The message names the newest version and how to pin it.
 * GoldenVm runs it before creating the build VM, again whenever the looked-up version changes.
 *
 * Why `az vm image list --all` and an exact match here: it lists every version of the SKUs it finds, each with its
 * publisher, offer and SKU, in the order Azure lists them (the same list azurerm reads), but its --publisher, --offer
 * and --sku filters accept partial names ("partial name is accepted": `az vm image list` on Microsoft Learn,
 * https://learn.microsoft.com/cli/azure/vm/image#az-vm-image-list; azure-cli's vm/_actions.py,
 * `load_images_thru_services` and `_matched`, which compares lower-cased substrings), so `2025-datacenter` also lists
 * `2025-datacenter-g2`: the step keeps only the SKU itself, ignoring case as az and Azure do. `az vm image show --urn
 * <publisher>:<offer>:<sku>:latest` would not help: azure-cli resolves `latest` with `$orderby=name desc&$top=1`
 * (`_get_latest_image_version` in vm/_actions.py), the same text order; `az vm image list-skus` lists no versions.
 *
 * The purchase plan (GOLDEN_BASE_IMAGE_PLAN, for an image of any publisher but Microsoft's Windows Server, whose images
 * have none): a third-party image carries a plan, and Azure creates a VM from it, or from any image captured from it,
 * only when the VM names that plan and its terms were accepted in the subscription ("Find and use Azure Marketplace VM
 * images with Azure CLI", Check the purchase plan information and Accept the terms: "If the `plan` property in the
 * output is not `null`, the image has terms you need to accept before programmatic deployment",
 * https://learn.microsoft.com/azure/virtual-machines/linux/cli-ps-findimage; MicrosoftDocs/azure-docs
 * articles/virtual-machines/linux/cli-ps-findimage.md). Synth time cannot know every image's plan, so this step reads it
 * with `az vm image show --urn` (its `plan`: null, or name, product and publisher) and compares it with the plan the
 * MarketplaceImage declares: a missing, extra or different plan stops the deployment before the build VM is created
 * (exit code 14), naming the plan to declare or to remove. A plan is then checked for accepted terms with `az vm image
 * terms show --publisher --offer --plan` (its `accepted`): not accepted, exit code 15 with the `az vm image terms
 * accept` to run. The terms are read by the plan's own ids rather than `--urn`: azure-cli resolves a URN by showing the
 * image in whichever region of the subscription comes first (`_terms_prepare` and `show_vm_image` in
 * vm/custom.py of azure-cli 2.45: `get_one_of_subscription_locations` when no location is given), where the image
 * may not be listed, and takes the offer from the URN instead of the plan's product.
 *
 * A pinned version (GOLDEN_BASE_IMAGE_LOOKUP=pinned) is not compared with the newest: it is what the user chose; only
 * its plan is checked.
 *
 * Exit codes: 0 the chosen version is the newest (and its plan is the declared one, its terms accepted); 2 invalid
 * input; 3 az cannot be used (missing, too old, crashing, lacking a module, cannot log in, or its session expired
 * during the run); 4 timeout; 6 az failed; 8 Azure lists no version of the SKU in the region, or no longer the chosen
 * one; 12 no temporary directory; 13 the chosen version is older than the newest; 14 the image's purchase plan is not
 * the declared one; 15 the plan's terms are not accepted in the subscription; 129/130/143 interrupted.
 */
import { Az } from '../az';
import { ExitCode } from '../failure';
import { InputReader, readTuning, REGION_NAME, SUBSCRIPTION_ID, TextInput } from '../inputs';
import { Operator } from '../operator';
import { compareVersions, newestVersion } from '../versions';
// One rule for plan ids, the canary's and this step's (and MarketplaceImage's, lib/private/images/purchase-plan.ts).
import { PURCHASE_PLAN_PART } from './canary';

export const BASE_IMAGE_NAME = 'base-image';
export const BASE_IMAGE_CONSTRUCT = 'GoldenVm';

/** A publisher, offer or SKU of a marketplace image: what MarketplaceImage accepts, and the step. */
const IMAGE_PART: Pick<TextInput, 'pattern' | 'description'> = {
  pattern: /^[A-Za-z0-9][-\w.]*$/,
  description: 'a marketplace image part (letters, digits, hyphens, underscores, periods; starting with a letter or digit)',
};
export const BASE_IMAGE_PUBLISHER: TextInput = { env: 'GOLDEN_BASE_IMAGE_PUBLISHER', ...IMAGE_PART };
export const BASE_IMAGE_OFFER: TextInput = { env: 'GOLDEN_BASE_IMAGE_OFFER', ...IMAGE_PART };
export const BASE_IMAGE_SKU: TextInput = { env: 'GOLDEN_BASE_IMAGE_SKU', ...IMAGE_PART };
/** The region the build VM is made in, as azurerm normalizes it (the lookup's `location`). */
export const BASE_IMAGE_LOCATION: TextInput = { env: 'GOLDEN_BASE_IMAGE_LOCATION', ...REGION_NAME };
/**
 * The version the lookup chose; also the rule of a pinned MarketplaceImage version. "The allowed formats are
 * Major.Minor.Build or 'latest'. Major, Minor, and Build are decimal numbers." (Compute REST API, ImageReference.version)
 */
export const BASE_IMAGE_VERSION: TextInput = {
  env: 'GOLDEN_BASE_IMAGE_VERSION',
  pattern: /^[0-9]+\.[0-9]+\.[0-9]+$/,
  description: 'a marketplace image version (Major.Minor.Build, three whole numbers, e.g. 20348.2849.241109)',
};

/** The step's inputs as GoldenVm writes them (values or Terraform expressions). */
export interface BaseImageEnvironment {
  /** The subscription the azurerm provider looked the version up in. */
  readonly subscriptionId: string;
  readonly location: string;
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  /** The version `data.azurerm_platform_image` chose, or the pinned one. */
  readonly chosenVersion: string;
  /** The version is pinned: only the plan is checked. */
  readonly pinned?: boolean;
  /** The purchase plan to check the image's against (`basePlanInput`); unset: not checked. */
  readonly plan?: string;
}

export function baseImageEnvironment(input: BaseImageEnvironment): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [BASE_IMAGE_LOCATION.env]: input.location,
    [BASE_IMAGE_PUBLISHER.env]: input.publisher,
    [BASE_IMAGE_OFFER.env]: input.offer,
    [BASE_IMAGE_SKU.env]: input.sku,
    [BASE_IMAGE_VERSION.env]: input.chosenVersion,
    ...(input.pinned ? { [BASE_IMAGE_LOOKUP.env]: 'pinned' } : {}),
    ...(input.plan === undefined ? {} : { [BASE_IMAGE_PLAN.env]: input.plan }),
  };
}

/** A marketplace SKU in a region: what the versions are listed of. */
interface Sku {
  readonly location: string;
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  /** `<publisher>:<offer>:<sku>`, for messages. */
  readonly urn: string;
}

/** An entry of `az vm image list --all`'s answer (the fields the step reads; azure-cli's `image_info`). */
interface ListedImage {
  readonly publisher?: unknown;
  readonly offer?: unknown;
  readonly sku?: unknown;
  readonly version?: unknown;
}

/** Whether the lookup chose the version (`latest`: checked against the newest) or the user pinned it. */
export const BASE_IMAGE_LOOKUP: TextInput = {
  env: 'GOLDEN_BASE_IMAGE_LOOKUP',
  pattern: /^(latest|pinned)$/,
  description: "'latest' (the version Terraform's lookup chose, compared with the newest) or 'pinned'",
};
const PLAN_ID = PURCHASE_PLAN_PART.source.slice(1, -1);
/**
 * The purchase plan the MarketplaceImage declares, checked against the image's: `none`, or `<name>:<product>:<publisher>`
 * (marketplace ids hold no colon). Unset: not checked (Microsoft's Windows Server images have no plan).
 */
export const BASE_IMAGE_PLAN: TextInput = {
  env: 'GOLDEN_BASE_IMAGE_PLAN',
  pattern: new RegExp(`^(none|${PLAN_ID}:${PLAN_ID}:${PLAN_ID})$`),
  description: "'none' or the declared purchase plan as <name>:<product>:<publisher> (marketplace plan ids)",
};

/** A marketplace purchase plan, as `az vm image show` gives it (`plan`) and the MarketplaceImage declares it. */
export interface BaseImagePlan {
  readonly name: string;
  readonly product: string;
  readonly publisher: string;
}

/** GOLDEN_BASE_IMAGE_PLAN of a declared plan: `none` without one. */
export function basePlanInput(plan: BaseImagePlan | undefined): string {
  return plan === undefined ? 'none' : `${plan.name}:${plan.product}:${plan.publisher}`;
}

export async function checkBaseImage(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, BASE_IMAGE_CONSTRUCT);
  op.phase = 'validate';
  const tuning = readTuning(reader);
  const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, 'ARM_SUBSCRIPTION_ID');
  const location = reader.text(BASE_IMAGE_LOCATION);
  const publisher = reader.text(BASE_IMAGE_PUBLISHER);
  const offer = reader.text(BASE_IMAGE_OFFER);
  const sku = reader.text(BASE_IMAGE_SKU);
  const chosen = reader.text(BASE_IMAGE_VERSION);
  const pinned = reader.optionalText(BASE_IMAGE_LOOKUP) === 'pinned';
  const declared = readDeclaredPlan(reader);
  const image: Sku = { location, publisher, offer, sku, urn: `${publisher}:${offer}:${sku}` };
  const az = new Az(op, tuning, {
    subject: `marketplace image ${image.urn}:${chosen} in ${location}`,
    what: 'that version of the image',
    hint: `Check \`${listCommand(image)}\`, then run the deployment again.`,
  });

  if (pinned) {
    op.log(`check: ${image.urn}:${chosen} is pinned; checking its purchase plan`);
    await az.start(reader);
  } else {
    await checkNewest(op, az, reader, image, chosen, subscriptionId);
  }
  if (declared !== undefined) {
    await checkPurchasePlan(op, az, { ...image, version: chosen, pinned }, declared.plan, subscriptionId);
  }
}

/** The declared plan: undefined when it is not to be checked; `{ plan: undefined }` when the image should have none. */
function readDeclaredPlan(reader: InputReader): { readonly plan?: BaseImagePlan } | undefined {
  const value = reader.optionalText(BASE_IMAGE_PLAN);
  if (value === undefined) {
    return undefined;
  }
  if (value === 'none') {
    return {};
  }
  const [name, product, publisher] = value.split(':');
  return { plan: { name, product, publisher } };
}

/** The version the lookup chose against every version Azure lists (exit codes 8 and 13). */
async function checkNewest(op: Operator, az: Az, reader: InputReader, image: Sku, chosen: string, subscriptionId: string | undefined): Promise<void> {
  const { location } = image;
  op.log(`check: Terraform's lookup of ${image.urn}:latest in ${location} chose ${chosen}; checking that no newer version is listed`);
  await az.start(reader);
  op.phase = 'list';
  const versions = await listVersions(op, az, image, subscriptionId);
  op.phase = 'check';
  const newest = newestVersion(versions);
  if (newest === undefined) {
    return op.fail(ExitCode.NOT_FOUND, `list: Azure lists no version of ${image.urn} in ${location}${subscriptionId ? ` for subscription ${subscriptionId}` : ''}, `
      + `although Terraform's lookup found ${chosen} at plan time: the SKU was withdrawn from the region since, or az works in another subscription than `
      + `the azurerm provider. The build VM was not created. Check \`${listCommand(image)}\`, then run the deployment again.`);
  }
  if (compareVersions(chosen, newest) < 0) {
    return op.fail(ExitCode.BASE_IMAGE_NOT_NEWEST, staleLookup(image, chosen, newest, versions));
  }
  if (!versions.some((version) => compareVersions(version, chosen) === 0)) {
    return op.fail(ExitCode.NOT_FOUND, `check: Azure no longer lists ${image.urn}:${chosen}, the version Terraform's lookup chose at plan time, in ${location} `
      + `(the newest it lists is ${newest}): it was withdrawn since the plan. The build VM was not created. Run the deployment again: its plan looks the `
      + 'version up again.');
  }
  op.log(`check: ${chosen} is the newest of the ${versions.length} version(s) of ${image.urn} Azure lists in ${location} (compared as numbers): the build `
    + 'may start from it');
}

/**
 * The SKU's versions in the region, in the order Azure lists them (the order azurerm reads them in): only the SKU itself
 * (az's filters take partial names), and only versions of Azure's format (others cannot be compared, and are named).
 */
async function listVersions(op: Operator, az: Az, image: Sku, subscriptionId: string | undefined): Promise<string[]> {
  op.log(`list: listing the versions of ${image.urn} in ${image.location}`);
  const answer = await az.query<unknown>('list', [
    'vm', 'image', 'list', '--all', `--location=${image.location}`, `--publisher=${image.publisher}`, `--offer=${image.offer}`, `--sku=${image.sku}`,
    ...(subscriptionId ? [`--subscription=${subscriptionId}`] : []),
  ], ExitCode.AZ_FAILED, 'Check that the identity may read the subscription (any role on it, e.g. Reader, lists marketplace images) and that '
    + `${image.location} is a region of it; then run the deployment again.`);
  const entries = (Array.isArray(answer) ? answer : []) as ListedImage[];
  const listed = entries
    .filter((entry) => entry !== null && typeof entry === 'object' && sameName(entry.publisher, image.publisher) && sameName(entry.offer, image.offer)
      && sameName(entry.sku, image.sku) && typeof entry.version === 'string')
    .map((entry) => entry.version as string);
  const others = listed.filter((version) => !BASE_IMAGE_VERSION.pattern.test(version));
  if (others.length > 0) {
    op.log(`list: ignoring ${others.length} version(s) not of the form Major.Minor.Build, which cannot be compared: ${others.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  const versions = listed.filter((version) => BASE_IMAGE_VERSION.pattern.test(version));
  op.log(`list: ${versions.length} version(s)${versions.length > 0 ? `, in Azure's order: ${summary(versions)}` : ''}`);
  return versions;
}

/** Marketplace names match as az's own filter does, ignoring case; but whole, where az's matches a part. */
function sameName(listed: unknown, wanted: string): boolean {
  return typeof listed === 'string' && listed.toLowerCase() === wanted.toLowerCase();
}

/** The first and last few of a long list. */
function summary(versions: readonly string[]): string {
  return versions.length <= 6 ? versions.join(', ') : `${versions.slice(0, 3).join(', ')}, ..., ${versions.slice(-3).join(', ')}`;
}

function listCommand(image: Sku): string {
  return `az vm image list --all --location ${image.location} --publisher ${image.publisher} --offer ${image.offer} --sku ${image.sku} -o table`;
}

/** The message of exit code 13: what was chosen, what is newest, why, and the fix. */
function staleLookup(image: Sku, chosen: string, newest: string, versions: readonly string[]): string {
  const why = versions[versions.length - 1] === chosen
    ? `Azure lists the SKU's ${versions.length} versions sorted as text, not by version number, so ${chosen} comes last, and azurerm's `
      + 'data.azurerm_platform_image takes the last one as the latest'
    : 'azurerm\'s data.azurerm_platform_image takes the last version of Azure\'s list as the latest, and Azure sorts that list as text, not by version number';
  return `check: Terraform's lookup of ${image.urn}:latest chose ${chosen}, but the newest version Azure lists in ${image.location} is ${newest} (compared `
    + `as numbers, part by part). ${why} (terraform-provider-azurerm issue 31577, azure-rest-api-specs issue 30142). Building from ${chosen} would miss `
    + 'the newer version\'s patches and move the build backwards, so the build VM was not created. Fix: pin the newest version, '
    + `MarketplaceImage.fromUrn('${image.urn}:${newest}') (or pass '${newest}' as the version argument of the MarketplaceImage factory you use, e.g. `
    + `windowsServer2025DatacenterGen2('${newest}')), then deploy again: a pinned version never moves, so no later lookup can take the build backwards. `
    + `Move the pin forward when a newer version is listed (\`${listCommand(image)}\`).`;
}

/** The image whose plan is checked: its SKU and version, and whether the user pinned the version. */
interface ImageVersion extends Sku {
  readonly version: string;
  readonly pinned: boolean;
}

/** What the step reads of `az vm image show` (azure-cli's VirtualMachineImage): `plan` is null for an image without one. */
interface ShownImage {
  readonly plan?: Partial<BaseImagePlan> | null;
}

/** What the step reads of `az vm image terms show` (the MarketplaceOrdering agreement). */
interface Terms {
  readonly accepted?: unknown;
  readonly licenseTextLink?: unknown;
}

/**
 * The image's purchase plan against the declared one (exit code 14), then, for a plan, its terms (exit code 15).
 * Marketplace ids are compared ignoring case, as Azure does.
 */
async function checkPurchasePlan(op: Operator, az: Az, image: ImageVersion, declared: BaseImagePlan | undefined,
  subscriptionId: string | undefined): Promise<void> {
  const subscription = subscriptionId ? [`--subscription=${subscriptionId}`] : [];
  const urn = `${image.urn}:${image.version}`;
  op.phase = 'plan';
  op.log(`plan: reading the purchase plan of ${urn} in ${image.location} (declared: ${describePlan(declared)})`);
  const shown = await az.query<ShownImage | null>('plan', ['vm', 'image', 'show', `--location=${image.location}`, `--urn=${urn}`, ...subscription],
    ExitCode.AZ_FAILED, 'Check that the identity may read the subscription (any role on it, e.g. Reader, reads marketplace images); then run the '
    + 'deployment again.');
  const actual = planOf(shown);
  if (!samePlan(actual, declared)) {
    return op.fail(ExitCode.PURCHASE_PLAN_MISMATCH, planMismatch(image, actual, declared));
  }
  if (actual === undefined) {
    op.log(`plan: ${urn} has no purchase plan, as declared: the build may start from it`);
    return;
  }
  op.phase = 'terms';
  op.log(`plan: ${urn} has the declared purchase plan ${describePlan(actual)}; reading whether its terms are accepted`);
  const terms = await az.query<Terms | null>('terms', ['vm', 'image', 'terms', 'show', `--publisher=${actual.publisher}`, `--offer=${actual.product}`,
    `--plan=${actual.name}`, ...subscription], ExitCode.AZ_FAILED, 'Check that the identity may read the subscription\'s marketplace agreements '
    + '(any role on it, e.g. Reader); then run the deployment again.');
  if (terms?.accepted !== true) {
    const license = typeof terms?.licenseTextLink === 'string' ? ` (${terms.licenseTextLink})` : '';
    return op.fail(ExitCode.TERMS_NOT_ACCEPTED, `terms: the terms of purchase plan ${describePlan(actual)} of ${urn} are not accepted in `
      + `${subscriptionId ? `subscription ${subscriptionId}` : 'az\'s subscription'}: Azure creates no VM from the image until they are `
      + '(MarketplacePurchaseEligibilityFailed), so the build VM was not created. Fix: read the terms' + `${license} and accept them, once per `
      + `subscription: \`az vm image terms accept --publisher ${actual.publisher} --offer ${actual.product} --plan ${actual.name}`
      + `${subscriptionId ? ` --subscription ${subscriptionId}` : ''}\` (or \`az vm image terms accept --urn ${urn}\`), then run the deployment again.`);
  }
  op.log(`terms: the terms of ${describePlan(actual)} are accepted: the build may start from ${urn}`);
}

/** The image's plan as `az vm image show` gives it: undefined for `null` (or a plan without its three ids). */
function planOf(shown: ShownImage | null): BaseImagePlan | undefined {
  const plan = shown?.plan;
  if (plan === null || plan === undefined || typeof plan.name !== 'string' || typeof plan.product !== 'string' || typeof plan.publisher !== 'string') {
    return undefined;
  }
  return { name: plan.name, product: plan.product, publisher: plan.publisher };
}

function samePlan(a: BaseImagePlan | undefined, b: BaseImagePlan | undefined): boolean {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  return sameName(a.name, b.name) && sameName(a.product, b.product) && sameName(a.publisher, b.publisher);
}

function describePlan(plan: BaseImagePlan | undefined): string {
  return plan === undefined ? 'no purchase plan' : `name=${plan.name} product=${plan.product} publisher=${plan.publisher}`;
}

/** The message of exit code 14: the image's plan, the declared one, and the MarketplaceImage that fixes it. */
function planMismatch(image: ImageVersion, actual: BaseImagePlan | undefined, declared: BaseImagePlan | undefined): string {
  const urn = `${image.urn}:${image.version}`;
  const written = `${image.urn}:${image.pinned ? image.version : 'latest'}`;
  const literal = (plan: BaseImagePlan) => `{ name: '${plan.name}', product: '${plan.product}', publisher: '${plan.publisher}' }`;
  const what = actual === undefined
    ? `has no purchase plan, but the MarketplaceImage declares ${describePlan(declared)}: Azure refuses a VM whose plan is not its image's`
    : `has the purchase plan ${describePlan(actual)}, but the MarketplaceImage declares ${describePlan(declared)}: Azure creates a VM from it `
      + '(and from every image captured from it) only with its own plan';
  const fix = actual === undefined
    ? `remove the plan: MarketplaceImage.fromUrn('${written}')`
    : `declare the image's plan, MarketplaceImage.fromUrn('${written}', { plan: ${literal(actual)} }) (a GalleryImage of the build takes the same `
      + `purchasePlan), accept its terms once per subscription (\`az vm image terms accept --publisher ${actual.publisher} --offer ${actual.product} `
      + `--plan ${actual.name}\`)`;
  return `plan: ${urn} in ${image.location} ${what} ("Find and use Azure Marketplace VM images with Azure CLI", Check the purchase plan `
    + `information), so the build VM was not created. Fix: ${fix}, then deploy again.`;
}
