/**
 * What the local Azure holds: resource groups and the top-level resources in them, each as the JSON Azure returns for
 * it, keyed by lower-case id (ids.ts). Child resources (a VNet's subnets, a load balancer's pools) live inside their
 * parent's JSON, as Azure returns them in the parent's GET.
 */
import { Json } from './http';
import { idOf, keyOf, parseResourceId, resourceGroupId, same } from './ids';

/** One resource: its id and type in their stored case, Azure's JSON of it, and state Azure keeps but shows elsewhere. */
export interface StoredResource {
  readonly id: string;
  /** e.g. `Microsoft.Network/virtualNetworks`; `Microsoft.Resources/resourceGroups` for a group. */
  readonly type: string;
  /** The resource as a GET returns it (before the read-time additions of `ResourceType.render`). */
  body: Json;
  /** What Azure shows only through other calls, e.g. a VM's power state (its instance view). */
  readonly hidden: Json;
}

export class ResourceStore {
  private readonly resources = new Map<string, StoredResource>();

  public get(id: string): StoredResource | undefined {
    return this.resources.get(keyOf(id));
  }

  public put(resource: StoredResource): void {
    this.resources.set(keyOf(resource.id), resource);
  }

  public delete(id: string): boolean {
    return this.resources.delete(keyOf(id));
  }

  /** Whether `id` names a group, a resource, or an entry of a resource's arrays (a subnet, a load balancer's pool) held here. */
  public holds(id: string): boolean {
    const address = parseResourceId(id);
    if (address === undefined) {
      return this.get(id) !== undefined;
    }
    const top = this.get(idOf(address, 1));
    if (top === undefined || address.types.length === 1) {
      return top !== undefined;
    }
    const entries: Json[] = top.body.properties?.[address.types[1]] ?? [];
    return address.types.length === 2 && entries.some((e) => same(e.name, address.names[1]));
  }

  /** The resource group, if it exists. */
  public group(subscriptionId: string, resourceGroup: string): StoredResource | undefined {
    return this.get(resourceGroupId(subscriptionId, resourceGroup));
  }

  /** The groups of a subscription, in creation order. */
  public groups(subscriptionId: string): StoredResource[] {
    return [...this.resources.values()].filter((r) => r.type === RESOURCE_GROUP_TYPE && same(r.id.split('/')[2], subscriptionId));
  }

  /** Every resource (not group) in a resource group, in creation order. */
  public inGroup(subscriptionId: string, resourceGroup: string): StoredResource[] {
    return [...this.resources.values()].filter((r) => {
      const address = parseResourceId(r.id);
      return address !== undefined && same(address.subscriptionId, subscriptionId) && same(address.resourceGroup, resourceGroup);
    });
  }

  /** Every resource and group. */
  public all(): StoredResource[] {
    return [...this.resources.values()];
  }
}

export const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/resourceGroups';
