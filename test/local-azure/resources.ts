/**
 * Microsoft.Resources: subscriptions, resource provider registrations, resource groups and the listing of what a group
 * holds (Microsoft Learn, "Resource Management REST API": Subscriptions, Providers, Resource Groups, Resources).
 * - A group's name is unique in its subscription, compared without regard to case; a PUT of an existing group updates
 *   it (200), in another region it is refused (409 `InvalidResourceGroupLocation`).
 * - Deleting a group deletes everything in it ("When you delete a resource group, all of its resources are also
 *   deleted", Microsoft Learn, "Azure Resource Manager resource group and resource deletion",
 *   https://learn.microsoft.com/azure/azure-resource-manager/management/delete-resource-group), as one long-running
 *   operation: 202 with `Location` (…/operationresults/…) and `Retry-After`.
 * - `GET .../resources` lists a group's resources, `$top` at a time with a `nextLink` (azurerm lists
 *   `$expand=provisioningState&$top=10` before it deletes a group, to refuse deleting one that still holds resources:
 *   internal/services/resource/custompollers/resource_group_prevent_delete_poller.go at v4.55.0).
 */
import { AzureError, resourceGroupNotFound, subscriptionNotFound } from './errors';
import { AzureRequest, AzureResponse, empty, Json, json } from './http';
import { normalizeLocation, resourceGroupId, same } from './ids';
import { AzureState, clone, ResourceManager } from './resource-manager';
import { RESOURCE_GROUP_TYPE, StoredResource } from './store';

/** Regions this Azure offers (`az account list-locations`, and azurerm's location cache of the metadata endpoint). */
export const LOCATIONS = ['westeurope', 'northeurope', 'swedencentral', 'eastus', 'eastus2', 'westus2', 'uksouth', 'germanywestcentral'];

/**
 * The API versions each namespace's types list, newest first: az resolves the version of a generic resource request
 * from them (`az vm create` asks for an existing subnet so: "API version is required and could not be resolved for
 * resource subnets" without one). This Azure answers every version alike; these are versions the real tools use.
 */
const API_VERSIONS: { [namespace: string]: string[] } = {
  'Microsoft.Network': ['2024-05-01', '2023-09-01'],
  'Microsoft.Compute': ['2024-03-01', '2023-07-03'],
  'Microsoft.Resources': ['2022-09-01'],
};

export class SubscriptionScope {
  constructor(
    private readonly azure: AzureState,
    private readonly manager: ResourceManager,
    private readonly tenantId: string,
    /** The namespaces this Azure serves, each with its resource types. */
    private readonly namespaces: { readonly [namespace: string]: string[] },
  ) {}

  /** A request under `/subscriptions`, except the resources in a group's providers (ResourceManager) and operations. */
  public handle(request: AzureRequest, segments: string[]): AzureResponse | undefined {
    if (segments.length === 1 && request.method === 'GET') {
      return json(200, { value: this.azure.subscriptions.map((s) => this.subscription(s)), count: { type: 'Total', value: this.azure.subscriptions.length } });
    }
    const subscriptionId = this.azure.subscriptions.find((s) => same(s, segments[1]));
    if (subscriptionId === undefined) {
      throw subscriptionNotFound(segments[1]);
    }
    const rest = segments.slice(2).map((s) => s.toLowerCase());
    const get = request.method === 'GET';
    if (rest.length === 0 && get) {
      return json(200, this.subscription(subscriptionId));
    }
    if (rest[0] === 'locations' && rest.length === 1 && get) {
      return json(200, { value: LOCATIONS.map((name) => ({ id: `/subscriptions/${subscriptionId}/locations/${name}`, name, displayName: name, type: 'Region' })) });
    }
    if (rest[0] === 'providers' && rest.length <= 3) {
      return this.providers(request, subscriptionId, segments.slice(3));
    }
    if (rest[0] === 'resources' && rest.length === 1 && get) {
      return this.list(request, this.azure.store.all().filter((r) => r.type !== RESOURCE_GROUP_TYPE && same(r.id.split('/')[2], subscriptionId)));
    }
    if (rest[0] === 'operationresults' && rest.length === 2 && get) {
      return this.manager.operation(request, segments[3], true);
    }
    if (rest[0] === 'resourcegroups') {
      if (rest.length === 1 && get) {
        return json(200, { value: this.azure.store.groups(subscriptionId).map((g) => clone(g.body)) });
      }
      if (rest.length === 2) {
        return this.group(request, subscriptionId, segments[3]);
      }
      if (rest.length === 3 && rest[2] === 'resources' && get) {
        const group = this.requireGroup(subscriptionId, segments[3]);
        return this.list(request, this.azure.store.inGroup(subscriptionId, group.body.name));
      }
    }
    return undefined;
  }

  private subscription(subscriptionId: string): Json {
    return {
      id: `/subscriptions/${subscriptionId}`,
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      subscriptionId,
      tenantId: this.tenantId,
      displayName: 'Local Azure',
      state: 'Enabled',
      subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
    };
  }

  /**
   * The resource providers: each namespace this Azure serves is registered (azurerm lists them at every start and
   * registers none of them then; namespaces it wants that are not listed it only warns about:
   * internal/resourceproviders/requiring_registration.go at v4.55.0).
   */
  private providers(request: AzureRequest, subscriptionId: string, rest: string[]): AzureResponse {
    const entry = (namespace: string): Json => ({
      id: `/subscriptions/${subscriptionId}/providers/${namespace}`,
      namespace,
      registrationState: 'Registered',
      registrationPolicy: 'RegistrationRequired',
      resourceTypes: this.namespaces[namespace].map((resourceType) => ({
        resourceType, locations: LOCATIONS, apiVersions: API_VERSIONS[namespace] ?? [],
      })),
    });
    if (rest.length === 0 && request.method === 'GET') {
      return json(200, { value: Object.keys(this.namespaces).map(entry) });
    }
    const namespace = Object.keys(this.namespaces).find((n) => same(n, rest[0]));
    if (namespace === undefined) {
      // Resource Manager's answer for a namespace it does not know.
      throw new AzureError(404, 'InvalidResourceNamespace', `The resource namespace '${rest[0]}' is invalid.`);
    }
    if ((rest.length === 1 && request.method === 'GET') || (rest.length === 2 && same(rest[1], 'register') && request.method === 'POST')) {
      return json(200, entry(namespace));
    }
    throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
  }

  private requireGroup(subscriptionId: string, name: string): StoredResource {
    const group = this.azure.store.group(subscriptionId, name);
    if (group === undefined) {
      throw resourceGroupNotFound(name);
    }
    return group;
  }

  private group(request: AzureRequest, subscriptionId: string, name: string): AzureResponse {
    switch (request.method) {
      case 'GET': return json(200, clone(this.requireGroup(subscriptionId, name).body));
      case 'HEAD': return empty(this.azure.store.group(subscriptionId, name) ? 204 : 404);
      case 'PUT': return this.putGroup(request, subscriptionId, name);
      case 'PATCH': {
        const group = this.requireGroup(subscriptionId, name);
        const patch = request.body ?? {};
        // A group's PATCH changes its tags and managedBy only.
        const changes = Object.fromEntries(['tags', 'managedBy'].filter((key) => patch[key] !== undefined).map((key) => [key, patch[key]]));
        group.body = { ...group.body, ...changes };
        return json(200, clone(group.body));
      }
      case 'DELETE': return this.deleteGroup(request, this.requireGroup(subscriptionId, name));
      default: throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
    }
  }

  /** A group's PUT is not long-running: 201 or 200 with the group, provisioningState Succeeded. */
  private putGroup(request: AzureRequest, subscriptionId: string, name: string): AzureResponse {
    const body = request.body ?? {};
    if (body.location === undefined) {
      throw new AzureError(400, 'LocationRequired', 'The location property is required for this definition.');
    }
    const location = normalizeLocation(body.location);
    const existing = this.azure.store.group(subscriptionId, name);
    if (existing !== undefined && existing.body.location !== location) {
      // Resource Manager's 409 for a group's name taken in another region (the group's region cannot change).
      throw new AzureError(409, 'InvalidResourceGroupLocation',
        `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.body.location}'.`);
    }
    const id = existing?.id ?? resourceGroupId(subscriptionId, name);
    const group: Json = {
      id,
      name: existing?.body.name ?? name,
      type: RESOURCE_GROUP_TYPE,
      location,
      ...(body.managedBy !== undefined ? { managedBy: body.managedBy } : {}),
      ...(body.tags !== undefined ? { tags: body.tags } : {}),
      properties: { provisioningState: 'Succeeded' },
    };
    this.azure.store.put({ id, type: RESOURCE_GROUP_TYPE, body: group, hidden: {} });
    return json(existing ? 200 : 201, clone(group));
  }

  private deleteGroup(request: AzureRequest, group: StoredResource): AzureResponse {
    const [, , subscriptionId] = group.id.split('/');
    // Users before what they use (Microsoft Learn, "Azure Resource Manager resource group and resource deletion": Resource
    // Manager orders the deletion by dependencies), so a scale set goes before the load balancer and NSG it uses; nested
    // resources before their parents (a gallery's image versions, then its definitions, then the gallery), as their
    // parents refuse to go while they exist.
    const users = ['Microsoft.Compute/virtualMachineScaleSets', 'Microsoft.Compute/virtualMachines'];
    const rank = (resource: StoredResource) => (users.includes(resource.type) ? 0 : 1);
    const depth = (resource: StoredResource) => resource.id.split('/').length;
    for (const resource of [...this.azure.store.inGroup(subscriptionId, group.body.name)].sort((a, b) => rank(a) - rank(b) || depth(b) - depth(a))) {
      this.manager.deleteResource(resource);
    }
    this.azure.store.delete(group.id);
    const operation = this.manager.recordOperation(undefined);
    return empty(202, {
      'Location': `${request.origin}/subscriptions/${subscriptionId}/operationresults/${operation}?api-version=${request.query.get('api-version') ?? ''}`,
      'Retry-After': '1',
    });
  }

  /** A page of generic resource entries (`$top` of them, the rest behind `nextLink`), as `GET .../resources` lists them. */
  private list(request: AzureRequest, resources: StoredResource[]): AzureResponse {
    const expand = (request.query.get('$expand') ?? '').split(',').map((e) => e.trim().toLowerCase());
    const top = Number(request.query.get('$top') ?? resources.length) || resources.length;
    const skip = Number(request.query.get('$skiptoken') ?? 0);
    const page = resources.slice(skip, skip + top).map((resource) => {
      const { id, name, type, location, tags, sku, kind, managedBy } = resource.body;
      return {
        id,
        name,
        type,
        location,
        ...(tags ? { tags } : {}),
        ...(sku ? { sku } : {}),
        ...(kind ? { kind } : {}),
        ...(managedBy ? { managedBy } : {}),
        ...(expand.includes('provisioningstate') ? { provisioningState: resource.body.properties?.provisioningState ?? 'Succeeded' } : {}),
      };
    });
    const next = new URLSearchParams(request.query);
    next.set('$skiptoken', String(skip + top));
    return json(200, { value: page, ...(skip + top < resources.length ? { nextLink: `${request.origin}${request.path}?${next}` } : {}) });
  }
}
