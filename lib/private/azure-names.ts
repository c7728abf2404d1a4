/**
 * Azure naming rules shared by the constructs, with the wording used in error messages.
 * Sources: "Naming rules and restrictions for Azure resources" (Microsoft.Resources, Microsoft.Compute,
 * Microsoft.Network) and the Windows computer name rules.
 */
import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { canonicalLocation, checkRegion, warnRestrictedRegion } from './regions';
import { isUnresolved, PropsValidator } from './validation';

export { canonicalLocation } from './regions';

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

/**
 * Names Azure refuses for a Windows administrator account: the union of Microsoft Learn's "Frequently asked questions
 * about Windows Virtual Machines" (What are the username requirements when creating a VM?) and the Compute REST API's
 * `osProfile.adminUsername` ("Disallowed values"; user3, user4 and user5 are only in the latter), the list the Azure
 * CLI checks too (`_validate_admin_username`).
 */
const RESERVED_ADMIN_USERNAMES = new Set([
  'administrator', 'admin', 'user', 'user1', 'test', 'user2', 'test1', 'user3', 'admin1', '1', '123', 'a',
  'actuser', 'adm', 'admin2', 'aspnet', 'backup', 'console', 'david', 'guest', 'john', 'owner', 'root', 'server',
  'sql', 'support', 'support_388945a0', 'sys', 'test2', 'test3', 'user4', 'user5',
]);

/** Windows user names: at most 20 characters (Microsoft Learn, Windows VM FAQ; `osProfile.adminUsername` "Max-length (Windows)"). */
export const ADMIN_USERNAME_MAX_LENGTH = 20;

/**
 * Characters Windows refuses in a user name: Microsoft Learn, "USER_INFO_0 structure (lmaccess.h)", Remarks (at most 20
 * characters, not ending with a period, no `" / \ [ ] : | < > + = ; , ? *` and no characters 1-31), and `@`, which the
 * Azure CLI refuses for Windows VMs too (`_validate_admin_username`). Windows also refuses names of only periods or
 * spaces (Active Directory's logon name rules).
 */
const ADMIN_USERNAME_FORBIDDEN_CHARACTERS = ['\\', '/', '"', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '?', '*', '@'];

/** Why Azure or Windows would refuse `name` as the administrator's user name, or undefined when they take it. */
export function adminUsernameProblem(name: string): string | undefined {
  if (name.length === 0) {
    return 'it is empty';
  }
  if (name.length > ADMIN_USERNAME_MAX_LENGTH) {
    return `it has ${name.length} characters, Windows at most ${ADMIN_USERNAME_MAX_LENGTH}`;
  }
  const forbidden = ADMIN_USERNAME_FORBIDDEN_CHARACTERS.find((c) => name.includes(c));
  if (forbidden !== undefined) {
    return `Windows refuses '${forbidden}' in a user name (${ADMIN_USERNAME_FORBIDDEN_CHARACTERS.join(' ')})`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return 'Windows refuses control characters (a line break, a tab...) in a user name';
  }
  if (/^[. ]+$/.test(name)) {
    return 'Windows refuses a user name of only periods and spaces';
  }
  if (name.endsWith('.')) {
    return 'Azure refuses a Windows user name that ends with a period';
  }
  if (RESERVED_ADMIN_USERNAMES.has(name.toLowerCase())) {
    return 'Azure reserves it (like administrator, admin, root, guest, user1 or test: reserved names are refused in any case)';
  }
  return undefined;
}

export function isAdminUsername(name: string): boolean {
  return adminUsernameProblem(name) === undefined;
}

/** Records a problem unless `adminUsername` (skipped when undefined or a token) is a name Azure and Windows take. */
export function checkAdminUsername(v: PropsValidator, adminUsername: string | undefined, example: string): void {
  if (adminUsername === undefined || isUnresolved(adminUsername)) {
    return;
  }
  if (typeof adminUsername !== 'string') {
    v.fail('adminUsername', adminUsername, 'is not a string', `pass a user name, e.g. '${example}'`);
    return;
  }
  const problem = adminUsernameProblem(adminUsername);
  if (problem !== undefined) {
    v.fail('adminUsername', adminUsername, `is not allowed for a Windows administrator: ${problem}`, `choose another name, e.g. '${example}'`);
  }
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

/** The network props of a construct that creates its own VNet and subnet unless it is given a subnet. */
export interface OwnNetworkProps {
  readonly subnetId?: string;
  readonly addressSpace?: string;
  readonly subnetPrefix?: string;
}

/** What `checkOwnNetwork` settled. */
export interface OwnNetwork {
  /** True when no subnet was given: the construct creates the VNet and subnet. */
  readonly own: boolean;
  readonly addressSpace: string;
  readonly subnetPrefix: string;
  /** True when both CIDRs are literal and valid, and the subnet, a /29 or larger, lies inside the address space (then its size can be checked). */
  readonly literalAndContained: boolean;
}

/**
 * Validates `addressSpace` and `subnetPrefix` (IPv4 CIDRs, the subnet inside the address space, neither beside a given
 * `subnetId`) and applies their defaults.
 */
export function checkOwnNetwork(v: PropsValidator, constructName: string, props: OwnNetworkProps): OwnNetwork {
  const own = props.subnetId === undefined;
  for (const [prop, cidr] of [['addressSpace', props.addressSpace], ['subnetPrefix', props.subnetPrefix]] as const) {
    v.check(prop, cidr, isIpv4Cidr, 'is not an IPv4 CIDR with zero host bits', "write it like '10.0.0.0/24'");
    if (!own && cidr !== undefined) {
      v.fail(prop, cidr, `only applies to the network ${constructName} creates, but subnetId was given`, `remove ${prop}, or remove subnetId`);
    }
  }
  const addressSpace = props.addressSpace ?? '10.0.0.0/16';
  const subnetPrefix = props.subnetPrefix ?? '10.0.0.0/24';
  const literal = own && !isUnresolved(addressSpace) && !isUnresolved(subnetPrefix) && isIpv4Cidr(addressSpace) && isIpv4Cidr(subnetPrefix);
  if (own && !isUnresolved(addressSpace) && isIpv4Cidr(addressSpace)) {
    const refused = VNET_REFUSED_RANGES.find(([range]) => ipv4CidrsOverlap(addressSpace, range));
    if (refused !== undefined) {
      v.fail('addressSpace', addressSpace, `overlaps ${refused[0]} (${refused[1]}), which Azure refuses in a virtual network`,
        "use a private range (RFC 1918), e.g. '10.0.0.0/16'");
    }
  }
  if (literal && !ipv4CidrContains(addressSpace, subnetPrefix)) {
    v.fail('subnetPrefix', subnetPrefix, `is not inside addressSpace '${addressSpace}'`, 'pick a subnet prefix inside the address space');
  }
  const tooSmall = literal && Number(subnetPrefix.split('/')[1]) > SMALLEST_SUBNET_PREFIX_LENGTH;
  if (tooSmall) {
    v.fail('subnetPrefix', subnetPrefix, `is smaller than the smallest subnet Azure allows, a /${SMALLEST_SUBNET_PREFIX_LENGTH} `
      + `(8 addresses, of which Azure keeps ${SUBNET_RESERVED_ADDRESSES})`, `pass a /${SMALLEST_SUBNET_PREFIX_LENGTH} or larger inside the address space`);
  }
  return { own, addressSpace, subnetPrefix, literalAndContained: literal && !tooSmall && ipv4CidrContains(addressSpace, subnetPrefix) };
}

/** The smallest IPv4 subnet Azure allows (Microsoft Learn, "Azure Virtual Network FAQ": "The smallest supported IPv4 subnet is /29"). */
export const SMALLEST_SUBNET_PREFIX_LENGTH = 29;

/**
 * Ranges Azure refuses in a virtual network's address space (Microsoft Learn, "Azure Virtual Network FAQ", What address
 * ranges can I use in my virtual networks?).
 */
const VNET_REFUSED_RANGES: ReadonlyArray<readonly [string, string]> = [
  ['224.0.0.0/4', 'multicast'],
  ['255.255.255.255/32', 'broadcast'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['168.63.129.16/32', "Azure's internal DNS"],
];

/**
 * Validates the naming props every construct shares (the resource group: `checkResourceGroup`): `location` must be an
 * Azure region, or one listed in the cdktf context of `scope` (see `checkRegion`). Every caller creates something in
 * that region, so one Azure opens only on request is warned about (`warnRestrictedRegion`).
 */
export function checkCommonNames(v: PropsValidator, scope: IConstruct, props: { location?: string }): void {
  checkRegion(v, scope, 'location', props.location);
  warnRestrictedRegion(scope, 'location', props.location);
}

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** The parts of a resource id of the form `/subscriptions/<guid>/resourceGroups/<rg>/providers/<provider>/<type>/<name>`. */
export interface ResourceIdParts {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly name: string;
}

/**
 * Parses the id of a resource of `providerAndType` (e.g. `Microsoft.Compute/images`) directly under a resource group.
 * The fixed segments are compared case-insensitively, as Azure does; the names must be valid.
 */
function parseResourceId(id: string, providerAndType: string, isName: (name: string) => boolean): ResourceIdParts | undefined {
  const escaped = providerAndType.replace(/[.]/g, '\\.');
  const match = new RegExp(`^/subscriptions/(${GUID})/resourceGroups/([^/]+)/providers/${escaped}/([^/]+)$`, 'i').exec(id);
  if (!match || !isResourceGroupName(match[2]) || !isName(match[3])) {
    return undefined;
  }
  return { subscriptionId: match[1], resourceGroupName: match[2], name: match[3] };
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>`, or undefined. */
export function parseManagedImageId(id: string): ResourceIdParts | undefined {
  return parseResourceId(id, 'Microsoft.Compute/images', isImageName);
}

/** `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Compute/disks/<name>`. */
export function isManagedDiskId(id: string): boolean {
  return parseResourceId(id, 'Microsoft.Compute/disks', isImageName) !== undefined;
}

/** Azure Compute Gallery: 1-80 letters, digits, underscores and periods, starting and ending with a letter or digit (no hyphens). */
export function isGalleryName(name: string): boolean {
  return /^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/.test(name);
}

function ipv4CidrRange(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const start = address.split('.').map(Number).reduce((acc, o) => acc * 256 + o, 0);
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

/** Whether two valid IPv4 CIDRs share an address. */
function ipv4CidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = ipv4CidrRange(a);
  const [bStart, bEnd] = ipv4CidrRange(b);
  return aStart <= bEnd && bStart <= aEnd;
}

/** Whether `inner` lies inside `outer`; both valid IPv4 CIDRs. */
export function ipv4CidrContains(outer: string, inner: string): boolean {
  const [outerStart, outerEnd] = ipv4CidrRange(outer);
  const [innerStart, innerEnd] = ipv4CidrRange(inner);
  return innerStart >= outerStart && innerEnd <= outerEnd;
}

/** Azure keeps five addresses of every subnet (network, broadcast, gateway and two for DNS). */
export const SUBNET_RESERVED_ADDRESSES = 5;

/** Addresses a NIC can get in a subnet with this prefix (a valid IPv4 CIDR). */
export function usableSubnetAddresses(cidr: string): number {
  const [start, end] = ipv4CidrRange(cidr);
  return Math.max(0, end - start + 1 - SUBNET_RESERVED_ADDRESSES);
}

/** The longest prefix length (smallest subnet) with room for `addresses` NICs besides Azure's reserved ones. */
export function subnetPrefixLengthFor(addresses: number): number {
  return 32 - Math.ceil(Math.log2(addresses + SUBNET_RESERVED_ADDRESSES));
}

/** Whether two regions are the same; false when either is an unresolved token (unknown until apply). */
export function isSameKnownLocation(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && canonicalLocation(a) === canonicalLocation(b);
}

/** Whether two regions are known to differ; false when either is an unresolved token. */
export function isDifferentKnownLocation(a: string, b: string): boolean {
  return !Token.isUnresolved(a) && !Token.isUnresolved(b) && canonicalLocation(a) !== canonicalLocation(b);
}

/** Image definition: 1-80 letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit. */
export function isGalleryImageName(name: string): boolean {
  return /^[A-Za-z0-9]([-\w.]{0,78}[A-Za-z0-9])?$/.test(name);
}

