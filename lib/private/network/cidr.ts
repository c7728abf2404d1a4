/**
 * IPv4 CIDR arithmetic for the networks the constructs make: validity, containment, overlap, and the addresses a
 * subnet leaves for NICs once Azure has kept its own.
 */

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

/** The smallest IPv4 subnet Azure allows (Microsoft Learn, "Azure Virtual Network FAQ": "The smallest supported IPv4 subnet is /29"). */
export const SMALLEST_SUBNET_PREFIX_LENGTH = 29;

function ipv4CidrRange(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const start = address.split('.').map(Number).reduce((acc, o) => acc * 256 + o, 0);
  return [start, start + 2 ** (32 - Number(prefix)) - 1];
}

/** Whether two valid IPv4 CIDRs share an address. */
export function ipv4CidrsOverlap(a: string, b: string): boolean {
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
