/**
 * Version numbers, compared the one way the operator compares them: as dotted whole numbers, part by part. Text order
 * is wrong for them (`26100.32230.260111` sorts before `26100.4652.250708` as text, yet it is the newer Windows Server
 * 2025 image; `2.10.0` before `2.9.0`), and it is the order Azure lists marketplace image versions in
 * (terraform-provider-azurerm issue 31577, azure-rest-api-specs issue 30142). Used for the Azure CLI's version
 * (az.ts) and for a marketplace image's newest version (steps/base-image.ts).
 */

/** One or more whole numbers separated by periods, e.g. `2.44.0` or `20348.2849.241109`. */
export const DOTTED_NUMBERS = /^[0-9]+(\.[0-9]+)*$/;

/**
 * Compares two dotted version numbers: negative when `a` is older, positive when newer, 0 when they are the same
 * version. Each part is a whole number of any length (leading zeros do not count, and no part is rounded: they are
 * compared as digits, not as floating-point numbers); a missing part counts as 0 (`2.44` = `2.44.0`). Throws on
 * anything else: callers check `DOTTED_NUMBERS` first.
 */
export function compareVersions(a: string, b: string): number {
  const partsA = versionParts(a);
  const partsB = versionParts(b);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const order = compareWholeNumbers(partsA[i] ?? '0', partsB[i] ?? '0');
    if (order !== 0) {
      return order;
    }
  }
  return 0;
}

/** The newest of `versions` by `compareVersions`; undefined for none. The first of equal ones wins. */
export function newestVersion(versions: readonly string[]): string | undefined {
  let newest: string | undefined;
  for (const version of versions) {
    if (newest === undefined || compareVersions(version, newest) > 0) {
      newest = version;
    }
  }
  return newest;
}

function versionParts(version: string): string[] {
  if (!DOTTED_NUMBERS.test(version)) {
    throw new Error(`not a dotted version number: ${JSON.stringify(version)}`);
  }
  return version.split('.');
}

/** Two whole numbers written in decimal digits: without leading zeros, the longer is the larger; else digit by digit. */
function compareWholeNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=.)/, '');
  const y = b.replace(/^0+(?=.)/, '');
  if (x.length !== y.length) {
    return Math.sign(x.length - y.length);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}
