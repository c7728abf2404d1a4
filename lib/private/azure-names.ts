/**
 * Azure naming rules shared by the constructs, with the wording used in error messages.
 * Sources: "Naming rules and restrictions for Azure resources" (Microsoft.Resources, Microsoft.Compute,
 * Microsoft.Network) and the Windows computer name rules.
 */
import { PropsValidator } from './validation';

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

/** `West Europe` -> `westeurope`, the form Azure returns and comparisons need. */
export function canonicalLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** VM size such as `Standard_D2s_v5`. */
export function isVmSize(size: string): boolean {
  return /^(Standard|Basic)_[A-Za-z0-9_]+$/.test(size);
}

/** Names Azure refuses for a Windows administrator account. */
const RESERVED_ADMIN_USERNAMES = new Set([
  'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
  'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server',
  'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
]);

export function isAdminUsername(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.-]{0,19}$/.test(name) && !name.endsWith('.') && !RESERVED_ADMIN_USERNAMES.has(name.toLowerCase());
}

/** IPv4 CIDR such as `203.0.113.0/24`, with the host bits zero. */
export function isIpv4Cidr(cidr: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) {
    return false;
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) {
    return false;
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  return address % hostBits === 0;
}

/** Validates the naming props every construct shares. */
export function checkCommonNames(v: PropsValidator, props: { location?: string; resourceGroupName?: string }): void {
  v.check('location', props.location, (l) => isLocation(canonicalLocation(l)),
    'is not an Azure region name', "use the region's name as `az account list-locations -o table` prints it, e.g. 'westeurope'");
  v.check('resourceGroupName', props.resourceGroupName, isResourceGroupName,
    'is not a valid resource group name (1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period)',
    "choose a name such as 'rg-golden-image'");
}
