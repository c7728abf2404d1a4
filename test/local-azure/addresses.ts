/** IPv4 address arithmetic for the private addresses of subnets and the local Azure's pool of public addresses. */

/** An IPv4 CIDR block, as numbers. */
export interface Block {
  readonly first: number;
  readonly size: number;
}

export function parseBlock(cidr: string): Block | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (match === null || Number(match[5]) > 32 || match.slice(1, 5).some((octet) => Number(octet) > 255)) {
    return undefined;
  }
  const address = match.slice(1, 5).reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(match[5]));
  return { first: address - (address % size), size };
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseAddress(address: string): number | undefined {
  return parseBlock(`${address}/32`)?.first;
}

/**
 * The first address of `block` that `taken` does not hold, skipping the ones Azure keeps: "Azure reserves the first four
 * and last IP address for a total of 5 IP addresses within each subnet" (Microsoft Learn, "Azure Virtual Network
 * frequently asked questions", https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq). Undefined when
 * the subnet is full.
 */
export function firstFreeSubnetAddress(block: Block, taken: ReadonlySet<string>): string | undefined {
  for (let offset = 4; offset < block.size - 1; offset++) {
    const address = formatAddress(block.first + offset);
    if (!taken.has(address)) {
      return address;
    }
  }
  return undefined;
}
