/**
 * Azure's naming rules for the resources the constructs make, with the wording used in error messages.
 * Sources: "Naming rules and restrictions for Azure resources" (Microsoft.Resources, Microsoft.Compute,
 * Microsoft.Network) and the Windows computer name rules.
 */

export const COMPUTER_NAME_MAX_LENGTH = 15;

/** Resource group: 1-90 letters, digits, underscores, hyphens, periods and parentheses; not ending in a period. */
export function isResourceGroupName(name: string): boolean {
  return /^[-\w.()]{1,90}$/.test(name) && !name.endsWith('.');
}

/** Windows VM resource name: 1-64 letters, digits and hyphens, starting with a letter or digit, not ending with a hyphen. */
export function isWindowsVmName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(name) && !name.endsWith('-');
}

/** Windows computer name: 1-15 letters, digits and hyphens, not only digits, not starting or ending with a hyphen. */
export function isComputerName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/.test(name) && !name.endsWith('-') && !/^\d+$/.test(name);
}

/** Network resources (VNet, subnet, NSG, NIC, public IP): 1-80 characters, word characters, periods and hyphens. */
export function isNetworkResourceName(name: string): boolean {
  return /^[A-Za-z0-9][-\w.]{0,78}[\w]$|^[A-Za-z0-9]$/.test(name);
}

/** Managed image name: 1-80 letters, digits, underscores, periods and hyphens; starts alphanumeric, ends alphanumeric or underscore. */
export function isImageName(name: string): boolean {
  return /^[A-Za-z0-9]([-\w.]{0,78}[\w])?$/.test(name);
}

/** Canonical Azure region name: lowercase letters and digits, e.g. `westeurope`. */
export function isLocation(location: string): boolean {
  return /^[a-z][a-z0-9]{2,40}$/.test(location);
}

/** VM size such as `Standard_D2s_v5`, or a constrained-vCPU size such as `Standard_E16-4s_v5`. */
export function isVmSize(size: string): boolean {
  return /^(Standard|Basic)_[A-Za-z0-9]+([-_][A-Za-z0-9]+)*$/.test(size);
}

/** Azure Compute Gallery: 1-80 letters, digits, underscores and periods, starting and ending with a letter or digit (no hyphens). */
export function isGalleryName(name: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/.test(name);
}

/** Image definition: 1-80 letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit. */
export function isGalleryImageName(name: string): boolean {
  return /^[A-Za-z0-9]([-\w.]{0,78}[A-Za-z0-9])?$/.test(name);
}

