/**
 * Azure resource ids: `/subscriptions/{subscription}/resourceGroups/{group}/providers/{namespace}/{type}/{name}`, then
 * `/{child type}/{child name}` per level of nesting, and an action after the last name (`.../instanceView`). Azure
 * compares ids, names and types without regard to case and keeps a resource's name in the case it was created with
 * (Microsoft Learn, "Naming rules and restrictions for Azure resources": "Resource and resource group names are
 * case-insensitive unless specifically noted"), so the store keys everything by the lower-case id.
 */
import { segmentsOf } from './http';

/** Where a resource lives and what it is, parsed from its id. */
export interface ResourceAddress {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** As written, e.g. `Microsoft.Network`. */
  readonly namespace: string;
  /** The type of each level, e.g. `['virtualNetworks', 'subnets']`. */
  readonly types: string[];
  /** The name at each level, e.g. `['vnet-web', 'snet-web']`. */
  readonly names: string[];
}

/** A request path inside a resource group's providers: the resource, and an action after it (`instanceView`). */
export interface ResourcePath {
  readonly address: ResourceAddress;
  readonly action?: string;
}

/** The address of `/subscriptions/.../resourceGroups/.../providers/...`, or undefined for any other path. */
export function parseResourcePath(path: string): ResourcePath | undefined {
  const segments = segmentsOf(path);
  if (segments.length < 8 || !same(segments[0], 'subscriptions') || !same(segments[2], 'resourceGroups') || !same(segments[4], 'providers')) {
    return undefined;
  }
  const rest = segments.slice(6);
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    types.push(rest[i]);
    names.push(rest[i + 1]);
  }
  const address = { subscriptionId: segments[1], resourceGroup: segments[3], namespace: segments[5], types, names };
  return { address, action: rest.length % 2 === 1 ? rest[rest.length - 1] : undefined };
}

/** The address of a resource id; undefined when it is not one. */
export function parseResourceId(id: string): ResourceAddress | undefined {
  const parsed = parseResourcePath(id);
  return parsed && parsed.action === undefined ? parsed.address : undefined;
}

/** The id of the resource `depth` levels deep (1: the top-level resource), in the case of the address. */
export function idOf(address: ResourceAddress, depth = address.types.length): string {
  const levels = address.types.slice(0, depth).map((type, i) => `/${type}/${address.names[i]}`).join('');
  return `${resourceGroupId(address.subscriptionId, address.resourceGroup)}/providers/${address.namespace}${levels}`;
}

/** `Microsoft.Network/virtualNetworks/subnets`: the type of the deepest level, as the type catalogue keys it (lower case). */
export function typeKey(address: ResourceAddress): string {
  return `${address.namespace}/${address.types.join('/')}`.toLowerCase();
}

/** The `type/name` pairs Resource Manager's messages show, e.g. `Microsoft.Network/virtualNetworks/vnet-web`. */
export function typeAndName(address: ResourceAddress, depth = address.types.length): string {
  return `${address.namespace}/${address.types.slice(0, depth).join('/')}/${address.names.slice(0, depth).join('/')}`;
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** How the store and every comparison key an id: Azure ignores case. */
export function keyOf(id: string): string {
  return id.toLowerCase();
}

/** Whether two ids (or names) are the same to Azure. */
export function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Azure's region names are lower case without spaces: `West Europe` is stored and returned as `westeurope`. */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}
