/**
 * The VNet and subnet a construct makes for itself unless it is given a subnet: the checks of their CIDRs (Azure's
 * refused ranges, the subnet inside the address space and no smaller than Azure allows) and their defaults.
 */
import { ipv4CidrContains, ipv4CidrsOverlap, isIpv4Cidr, SMALLEST_SUBNET_PREFIX_LENGTH, SUBNET_RESERVED_ADDRESSES } from './cidr';
import type { VmNetworkProps } from '../../common-props';
import { isUnresolved, PropsValidator } from '../validation/props-validator';

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
export function checkOwnNetwork(v: PropsValidator, constructName: string, props: VmNetworkProps): OwnNetwork {
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
