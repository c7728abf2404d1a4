/**
 * Azure region names: the public cloud's list, the check every region prop goes through, the suggestions of its
 * message, and the cdktf context key that admits a region the list does not know.
 */
import { Annotations, Fn, Op, Precondition, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { planTimeCheck, shownInTerraform } from '../validation/plan-checks';
import { describeValue, isUnresolved, PropsValidator } from '../validation/props-validator';

/**
 * The cdktf context key listing extra region names that every region prop accepts besides `AZURE_PUBLIC_REGIONS`: a
 * region newer than this library, a restricted one not in the list, or one of a sovereign cloud. Set it in cdktf.json
 * (`"context": { "azure-golden-image:extraRegions": ["chinanorth3"] }`) or `new App({ context: { ... } })`.
 */
export const EXTRA_REGIONS_CONTEXT = 'azure-golden-image:extraRegions';

/**
 * Every physical region of Azure's public cloud, by the name Azure uses (`az account list-locations --query [].name`),
 * including the restricted ones (access on request, e.g. the paired-only `australiacentral2`, `francesouth`,
 * `swedensouth`) and the early-access (EUAP) ones, which subscriptions enrolled in them deploy to.
 *
 * Sources, read 2026-11-30: `az account list-locations -o table` of public-cloud subscriptions (2025 outputs, regionType
 * Physical), and Microsoft Learn "Azure regions list" (https://learn.microsoft.com/azure/reliability/regions-list).
 * Left out: the logical names (`GEOGRAPHIES`, no resource can be placed there) and Microsoft's staging regions
 * (`eastusstg`, `eastusstage`, ...), which accept no customer deployment.
 */
export const AZURE_PUBLIC_REGIONS: readonly string[] = [
  // Americas
  'brazilsouth', 'brazilsoutheast', 'brazilus', 'canadacentral', 'canadaeast', 'centralus', 'centraluseuap', 'chilecentral', 'eastus',
  'eastus2', 'eastus2euap', 'mexicocentral', 'northcentralus', 'southcentralus', 'westcentralus', 'westus', 'westus2', 'westus3',
  // Europe
  'austriaeast', 'belgiumcentral', 'denmarkeast', 'francecentral', 'francesouth', 'germanynorth', 'germanywestcentral', 'italynorth',
  'northeurope', 'norwayeast', 'norwaywest', 'polandcentral', 'spaincentral', 'swedencentral', 'swedensouth', 'switzerlandnorth',
  'switzerlandwest', 'uksouth', 'ukwest', 'westeurope',
  // Asia Pacific
  'australiacentral', 'australiacentral2', 'australiaeast', 'australiasoutheast', 'centralindia', 'eastasia', 'indonesiacentral',
  'japaneast', 'japanwest', 'jioindiacentral', 'jioindiawest', 'koreacentral', 'koreasouth', 'malaysiawest', 'newzealandnorth',
  'southeastasia', 'southindia', 'taiwannorth', 'taiwannorthwest', 'westindia',
  // Middle East and Africa
  'israelcentral', 'qatarcentral', 'uaecentral', 'uaenorth', 'southafricanorth', 'southafricawest',
];

/**
 * The logical locations `az account list-locations` also returns (regionType Logical): geographies, in which Azure
 * places no VM, image or gallery. The regions they contain are suggested instead.
 */
const GEOGRAPHIES: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  asiapacific: ['eastasia', 'southeastasia', 'australiaeast'],
  global: [],
  singapore: ['southeastasia'],
  unitedstates: ['eastus', 'westus2', 'centralus'],
  unitedstateseuap: ['centraluseuap', 'eastus2euap'],
  // The others' regions carry their name, e.g. europe: northeurope and westeurope.
  ...Object.fromEntries(['asia', 'australia', 'austria', 'belgium', 'brazil', 'canada', 'chile', 'denmark', 'europe', 'france', 'germany',
    'india', 'indonesia', 'israel', 'italy', 'japan', 'korea', 'malaysia', 'mexico', 'newzealand', 'norway', 'poland', 'qatar',
    'southafrica', 'spain', 'sweden', 'switzerland', 'taiwan', 'uae', 'uk'].map((g) => [g, AZURE_PUBLIC_REGIONS.filter((r) => r.includes(g))])),
}));

/**
 * Regions of the sovereign clouds: not part of the public cloud, so refused unless listed in the context key
 * `EXTRA_REGIONS_CONTEXT`, with a message that says which cloud they belong to (a public-cloud subscription cannot
 * deploy there). Sources: "Azure regions list" of Azure operated by 21Vianet (https://docs.azure.cn/reliability/regions-list)
 * and Azure Government's regions (`az account list-locations` in AzureUSGovernment; usgoviowa is retired but named).
 */
const SOVEREIGN_REGIONS: ReadonlyMap<string, SovereignCloud> = new Map([
  ...['chinaeast', 'chinaeast2', 'chinaeast3', 'chinanorth', 'chinanorth2', 'chinanorth3']
    .map((r): [string, SovereignCloud] => [r, { cloud: 'Azure China (21Vianet)', environment: 'china' }]),
  ...['usgovarizona', 'usgoviowa', 'usgovtexas', 'usgovvirginia', 'usdodcentral', 'usdodeast']
    .map((r): [string, SovereignCloud] => [r, { cloud: 'Azure Government', environment: 'usgovernment' }]),
]);

interface SovereignCloud {
  readonly cloud: string;
  /** The azurerm provider's `environment` for it. */
  readonly environment: string;
}

const PUBLIC = new Set(AZURE_PUBLIC_REGIONS);
const MAX_SUGGESTIONS = 3;

/** `West Europe` -> `westeurope`, the form Azure returns and comparisons need; an unresolved token is returned as is. */
export function canonicalLocation(location: string): string {
  return isUnresolved(location) ? location : location.replace(/\s+/g, '').toLowerCase();
}

/** The extra region names of the context key, canonical; `invalid` holds the value when it is not a list of names. */
export function extraRegions(scope: IConstruct): { readonly names: string[]; readonly invalid?: unknown } {
  return contextRegions(scope, EXTRA_REGIONS_CONTEXT);
}

/** The region names of a context key (a list, or a comma-separated string), canonical; `invalid` holds a value of another form. */
function contextRegions(scope: IConstruct, key: string): { readonly names: string[]; readonly invalid?: unknown } {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) {
    return { names: [] };
  }
  // A comma-separated string too: what a command line or an environment variable can carry.
  const entries = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string' || !/^[a-z][a-z0-9]{2,40}$/.test(canonicalLocation(e.trim())))) {
    return { names: [], invalid: value };
  }
  return { names: entries.map((e: string) => canonicalLocation(e.trim())) };
}

/**
 * Records a problem unless `location` is a region of the public cloud (`West Europe`, `westeurope` and `WestEurope`
 * alike) or one listed in the context key, read from `scope`. Skips undefined and unresolved tokens.
 */
export function checkRegion(v: PropsValidator, scope: IConstruct, prop: string, location: string | undefined): void {
  if (location === undefined || location === null || isUnresolved(location)) {
    return;
  }
  if (typeof location !== 'string') {
    v.fail(prop, location, 'is not a region name', "pass the region's name as a string, e.g. 'westeurope'");
    return;
  }
  const name = canonicalLocation(location);
  if (PUBLIC.has(name)) {
    return;
  }
  const extra = extraRegions(scope);
  if (extra.invalid !== undefined) {
    v.fail(`context '${EXTRA_REGIONS_CONTEXT}'`, extra.invalid, 'is not a list of Azure region names',
      `set it to a list of names in cdktf.json, e.g. "context": { "${EXTRA_REGIONS_CONTEXT}": ["chinanorth3"] }`);
  }
  if (extra.names.includes(name)) {
    return;
  }
  const sovereign = SOVEREIGN_REGIONS.get(name);
  if (sovereign !== undefined) {
    v.fail(prop, location, `is a region of ${sovereign.cloud}, not of the public cloud this library checks against`,
      `if the stack deploys to ${sovereign.cloud} (azurerm provider environment '${sovereign.environment}'), add ${describeValue(name)} to the `
      + `${contextKey(name)}; otherwise pick a public-cloud region, e.g. 'westeurope'`);
    return;
  }
  const geography = GEOGRAPHIES.get(name);
  if (geography !== undefined) {
    v.fail(prop, location, `is a geography, not a region: Azure places no resource in it${didYouMean(geography)}`,
      'pick one of its regions, as `az account list-locations -o table` lists them');
    return;
  }
  v.fail(prop, location, `is not an Azure region name${didYouMean(closestRegions(location, [...AZURE_PUBLIC_REGIONS, ...extra.names]))}`,
    `write the name as \`az account list-locations -o table\` prints it, e.g. 'westeurope'; if ${describeValue(name)} is a region this `
    + `library does not know yet, add it to the ${contextKey(name)}`);
}

/** Where to list a region the list lacks, with the cdktf.json that does it. */
function contextKey(name: string): string {
  return `cdktf context '${EXTRA_REGIONS_CONTEXT}' (cdktf.json: "context": { "${EXTRA_REGIONS_CONTEXT}": [${JSON.stringify(name)}] })`;
}

function didYouMean(names: readonly string[]): string {
  if (names.length === 0) {
    return '';
  }
  const shown = names.slice(0, MAX_SUGGESTIONS).map((n) => `'${n}'`);
  return ` (did you mean ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`}?)`;
}

/**
 * The known names closest to `input`, best first, at most three: a name its words spell in any order ('Europe West',
 * 'west-europe'), else those within a few edits (letters swapped, missing or extra) of its letters and digits.
 */
export function closestRegions(input: string, known: readonly string[]): string[] {
  const words = input.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  const spelled = known.filter((name) => words.length > 0 && words.length <= 4 && permutations(words).some((p) => p.join('') === name));
  if (spelled.length > 0) {
    return spelled.slice(0, MAX_SUGGESTIONS);
  }
  const squashed = words.join('');
  const limit = Math.min(3, Math.max(1, Math.floor(squashed.length / 4)));
  return known
    .map((name) => ({ name, distance: editDistance(squashed, name) }))
    .filter((c) => c.distance <= limit)
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, MAX_SUGGESTIONS)
    .map((c) => c.name);
}

function permutations(words: string[]): string[][] {
  if (words.length <= 1) {
    return [words];
  }
  return words.flatMap((word, i) => permutations([...words.slice(0, i), ...words.slice(i + 1)]).map((rest) => [word, ...rest]));
}

/** Edits (insert, delete, substitute, swap two neighbours) from `a` to `b`: the optimal string alignment distance. */
export function editDistance(a: string, b: string): number {
  // d[i][j]: the edits from the first i letters of a to the first j of b.
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (__, j) => (i === 0 ? j : i)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The cdktf context key listing regions to treat as having availability zones although `REGIONS_WITHOUT_ZONES` says
 * otherwise: a region that gained zones after this library's list was read. Same forms as `EXTRA_REGIONS_CONTEXT`.
 */
export const ZONE_REGIONS_CONTEXT = 'azure-golden-image:zoneRegions';

/**
 * Regions of the public cloud with availability zones, and without. Zone-redundant storage (Standard_ZRS for gallery
 * replicas; Premium_ZRS and StandardSSD_ZRS for managed disks) is kept in three zones of its region, so a region
 * without zones offers none: "Zone-redundant storage (ZRS) synchronously replicates your Azure managed disk across
 * three Azure availability zones in the region you select" (Microsoft Learn, "Redundancy options for managed disks",
 * https://learn.microsoft.com/azure/virtual-machines/disks-redundancy), and ZRS disks are offered in the regions that
 * support availability zones ("Deploy a managed disk that uses zone-redundant storage", Regional availability,
 * https://learn.microsoft.com/azure/virtual-machines/disks-deploy-zrs); the storage accounts that hold gallery replicas
 * likewise ("Azure regions that support zone-redundant storage (ZRS)",
 * https://learn.microsoft.com/azure/storage/common/redundancy-regions-zrs, lists none of the regions below).
 *
 * Source of both lists, read 2026-12-07: Microsoft Learn "Azure regions list"
 * (https://learn.microsoft.com/azure/reliability/regions-list; MicrosoftDocs/azure-docs
 * articles/reliability/regions-list.md, ms.date 2025-03-21: the "Availability zone support" column), and its newer
 * edition with zone counts (Austria East 3, Belgium Central 3). A region in neither list (newer than the page, the
 * early-access and the restricted regions it does not show) is unknown: never refused.
 */
export const REGIONS_WITH_ZONES: readonly string[] = [
  'australiaeast', 'austriaeast', 'belgiumcentral', 'brazilsouth', 'canadacentral', 'centralindia', 'centralus', 'eastasia', 'eastus', 'eastus2',
  'francecentral', 'germanywestcentral', 'indonesiacentral', 'israelcentral', 'italynorth', 'japaneast', 'japanwest', 'koreacentral', 'mexicocentral',
  'newzealandnorth', 'northeurope', 'norwayeast', 'polandcentral', 'qatarcentral', 'southafricanorth', 'southcentralus', 'southeastasia',
  'spaincentral', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'westeurope', 'westus2', 'westus3',
];
export const REGIONS_WITHOUT_ZONES: readonly string[] = [
  'australiacentral', 'australiacentral2', 'australiasoutheast', 'brazilsoutheast', 'canadaeast', 'francesouth', 'germanynorth', 'koreasouth',
  'northcentralus', 'norwaywest', 'southafricawest', 'southindia', 'switzerlandwest', 'uaecentral', 'ukwest', 'westcentralus', 'westindia', 'westus',
];

/** One place a zone-redundant storage type may be chosen: the storage prop, and the region it applies to. */
export interface StorageRegion {
  /** The prop that chose the storage type, e.g. `osDiskStorageType` or `targetRegions[1].storageType`. */
  readonly prop: string;
  readonly storageType: string | undefined;
  /** The region prop, e.g. `location`, for messages. */
  readonly locationProp: string;
  readonly location: string;
  /** The enum the storage type is of, for the fix's locally redundant choice, e.g. `OsDiskStorageType.PREMIUM_LRS`. */
  readonly storageEnum: 'OsDiskStorageType' | 'GalleryStorageType';
}

/** The enum member of the locally redundant type of the same tier: `Premium_ZRS` -> `OsDiskStorageType.PREMIUM_LRS`. */
function locallyRedundant(storageType: string, storageEnum: string): string {
  return `${storageEnum}.${storageType.replace(/_ZRS$/i, '_LRS').replace(/SSD_/, '_SSD_').toUpperCase()}`;
}

/**
 * Where a storage type is chosen, and so checked: GoldenVm's and ImageCopy's `osDiskStorageType`, GalleryImageVersion's
 * target regions (each region's `storageType`; the gallery's own region, added when missing, and every region left
 * without one get Standard_LRS). ImageFleet and ImageScaleSet choose none (their OS disks are StandardSSD_LRS), nor
 * do the canaries: gallery-canary's `az vm create` passes no `--storage-sku`, and azure-cli defaults one only for
 * unmanaged disks (azure-cli 2.45, vm/_validators.py lines 478-479), so no zone-redundant type is asked for.
 *
 * Records a problem when a zone-redundant storage type is chosen for a region known to have no availability zones
 * (`REGIONS_WITHOUT_ZONES`, less the regions of the context key `ZONE_REGIONS_CONTEXT`). A region given as a token is
 * known only at plan: the same rule becomes a precondition, returned for the resource the storage belongs to. An
 * unknown region, a storage type given as a token, or a locally redundant one is not checked.
 */
export function checkZoneRedundantStorage(v: PropsValidator, scope: IConstruct, use: StorageRegion): Precondition | undefined {
  const { storageType, location } = use;
  if (typeof storageType !== 'string' || isUnresolved(storageType) || !/_ZRS$/i.test(storageType) || typeof location !== 'string'
    || v.hasProblemWith(use.prop)) {
    return undefined;
  }
  const zoneRegions = contextRegions(scope, ZONE_REGIONS_CONTEXT).names;
  const zoneless = REGIONS_WITHOUT_ZONES.filter((r) => !zoneRegions.includes(r));
  const problem = (region: string) => `is zone-redundant storage, but ${use.locationProp} ${region} is a region without availability zones `
    + '(Microsoft Learn, "Azure regions list"), and Azure keeps zone-redundant storage in three zones of its region';
  const fix = (region: string, example: string) => `use ${locallyRedundant(storageType, use.storageEnum)} there, or a region with availability zones (e.g. 'westeurope'); if ${region} `
    + `has zones by now, add it to the cdktf context '${ZONE_REGIONS_CONTEXT}' (cdktf.json: "context": { "${ZONE_REGIONS_CONTEXT}": [${example}] })`;
  if (isUnresolved(location)) {
    const canonical = Fn.lower(Fn.replace(location, ' ', ''));
    return planTimeCheck(v, use.prop, describeValue(storageType), Op.not(Fn.contains(zoneless, canonical)), problem(shownInTerraform(location)),
      fix('that region', '"<region>"'));
  }
  const name = canonicalLocation(location);
  if (zoneless.includes(name)) {
    v.fail(use.prop, storageType, problem(describeValue(location)), fix(describeValue(name), JSON.stringify(name)));
  }
  return undefined;
}

/**
 * Regions Azure opens to a subscription only on request, each with the open region it is paired with (the usual
 * alternative). Access restricted: the regions Microsoft Learn's "Azure regions list" marks "access restricted to
 * support specific customer scenarios, such as in-country disaster recovery. To request access to a restricted region,
 * see Azure region access request process" (https://learn.microsoft.com/azure/reliability/regions-list;
 * MicrosoftDocs/azure-docs articles/reliability/regions-list.md, ms.date 2025-03-21, read 2026-12-07). Early access:
 * the EUAP regions (early updates access program), open only to subscriptions enrolled in it.
 *
 * Not refused: a subscription that was granted access deploys there like anywhere else, and nothing at synth (or plan:
 * the azurerm provider lists no region's access) can tell. So the constructs that create something in such a region
 * warn (`warnRestrictedRegion`), naming the region and how to request access; importers of what exists there do not.
 */
export const RESTRICTED_REGIONS: ReadonlyMap<string, RestrictedRegion> = new Map<string, RestrictedRegion>([
  ...Object.entries({
    australiacentral2: 'australiacentral',
    brazilsoutheast: 'brazilsouth',
    francesouth: 'francecentral',
    germanynorth: 'germanywestcentral',
    koreasouth: 'koreacentral',
    norwaywest: 'norwayeast',
    southafricawest: 'southafricanorth',
    swedensouth: 'swedencentral',
    switzerlandwest: 'switzerlandnorth',
    uaecentral: 'uaenorth',
  }).map(([region, open]): [string, RestrictedRegion] => [region, { open, access: 'restricted' }]),
  ...Object.entries({ centraluseuap: 'centralus', eastus2euap: 'eastus2' })
    .map(([region, open]): [string, RestrictedRegion] => [region, { open, access: 'early access' }]),
]);

export interface RestrictedRegion {
  /** The open region it is paired with. */
  readonly open: string;
  readonly access: 'restricted' | 'early access';
}

/** Microsoft Learn's page on requesting access to a restricted region. */
export const REGION_ACCESS_REQUEST = 'https://learn.microsoft.com/troubleshoot/azure/general/region-access-request-process';

/**
 * Warns on `scope` when `location` (a prop of a construct that creates something there) is a region Azure opens only on
 * request (`RESTRICTED_REGIONS`): the deployment fails there unless the subscription has access. Skips tokens and
 * names that are no region (their own problem is reported).
 */
export function warnRestrictedRegion(scope: IConstruct, prop: string, location: string | undefined): void {
  if (typeof location !== 'string' || isUnresolved(location)) {
    return;
  }
  const name = canonicalLocation(location);
  const restricted = RESTRICTED_REGIONS.get(name);
  if (restricted === undefined) {
    return;
  }
  const request = restricted.access === 'restricted'
    ? `request access for the subscription (Microsoft Learn, "Azure region access request process": ${REGION_ACCESS_REQUEST})`
    : 'have the subscription enrolled in the early access program of these regions (EUAP)';
  Annotations.of(scope).addWarning(`${prop} ${describeValue(location)} is a region Azure opens only on request (${restricted.access === 'restricted'
    ? 'access restricted: Microsoft Learn, "Azure regions list"' : 'early access'}): the deployment fails there unless the subscription has access. If it has, `
    + `nothing to do; otherwise ${request}, or deploy to '${restricted.open}', the open region it is paired with.`);
}

/**
 * Validates the naming props every construct shares (the resource group: `checkResourceGroup`): `location` must be an
 * Azure region, or one listed in the cdktf context of `scope` (see `checkRegion`). Every caller creates something in
 * that region, so one Azure opens only on request is warned about (`warnRestrictedRegion`).
 */
export function checkCommonNames(v: PropsValidator, scope: IConstruct, props: { location?: string }): void {
  checkRegion(v, scope, 'location', props.location);
  warnRestrictedRegion(scope, 'location', props.location);
}

/** Whether two regions are the same; false when either is an unresolved token (unknown until apply). */
export function isSameKnownLocation(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && canonicalLocation(a) === canonicalLocation(b);
}

/** Whether two regions are known to differ; false when either is an unresolved token. */
export function isDifferentKnownLocation(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && canonicalLocation(a) !== canonicalLocation(b);
}
