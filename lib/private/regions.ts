/**
 * Azure region names: the public cloud's list, the check every region prop goes through, the suggestions of its
 * message, and the cdktf context key that admits a region the list does not know.
 */
import { IConstruct } from 'constructs';
import { describeValue, isUnresolved, PropsValidator } from './validation';

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
  const value: unknown = scope.node.tryGetContext(EXTRA_REGIONS_CONTEXT);
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
