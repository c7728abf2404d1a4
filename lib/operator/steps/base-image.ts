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
 * Exit codes: 0 the chosen version is the newest; 2 invalid input; 3 az cannot be used (missing, too old, crashing,
 * lacking a module, cannot log in, or its session expired during the run); 4 timeout; 6 az failed; 8 Azure lists no
 * version of the SKU in the region, or no longer the chosen one; 12 no temporary directory; 13 the chosen version is
 * older than the newest; 129/130/143 interrupted.
 */
import { Az } from '../az';
import { ExitCode } from '../failure';
import { InputReader, readTuning, REGION_NAME, SUBSCRIPTION_ID, TextInput } from '../inputs';
import { Operator } from '../operator';
import { compareVersions, newestVersion } from '../versions';

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
  /** The version `data.azurerm_platform_image` chose. */
  readonly chosenVersion: string;
}

export function baseImageEnvironment(input: BaseImageEnvironment): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [BASE_IMAGE_LOCATION.env]: input.location,
    [BASE_IMAGE_PUBLISHER.env]: input.publisher,
    [BASE_IMAGE_OFFER.env]: input.offer,
    [BASE_IMAGE_SKU.env]: input.sku,
    [BASE_IMAGE_VERSION.env]: input.chosenVersion,
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
  const image: Sku = { location, publisher, offer, sku, urn: `${publisher}:${offer}:${sku}` };
  const az = new Az(op, tuning);

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
