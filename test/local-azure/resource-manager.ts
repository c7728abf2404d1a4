/**
 * Resource Manager's create, read, update and delete of the resources in a resource group, as Azure does them
 * (Microsoft Learn, "Azure REST API reference" and "Track asynchronous Azure operations",
 * https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations):
 * - PUT creates (201) or, for a name that exists in its scope, updates (200) the resource: names are unique per type in
 *   their resource group (or parent), and compared without regard to case (ids.ts).
 * - A long-running PUT, PATCH or DELETE answers at once (201/200, DELETE 202) with `Azure-AsyncOperation` (the status
 *   URL; DELETE also `Location`) and `Retry-After`; the status URL answers `{"status":"Succeeded"}`. This Azure finishes
 *   every operation at once and asks for polls after 1 second (`Retry-After: 1`), so clients wait as little as they can.
 * - GET of a missing resource: 404 `ResourceNotFound` (`ResourceGroupNotFound` when its group is missing; a missing
 *   child of an existing parent: the provider's 404 `NotFound`); DELETE of a missing resource: 204.
 * What each type stores and refuses is its `ResourceType` (network.ts, compute.ts).
 */
import { randomUUID } from 'crypto';
import {
  AzureError, childNotFound, invalidResourceLocation, invalidResourceType, locationRequired, resourceGroupNotFound, resourceNotFound,
  subscriptionNotFound,
} from './errors';
import type { Replications } from './galleries';
import type { GuestWeb } from './guest-web';
import { AzureRequest, AzureResponse, empty, Json, json } from './http';
import { idOf, normalizeLocation, parseResourceId, ResourceAddress, ResourcePath, same, typeAndName } from './ids';
import type { Guests } from './run-command';
import { ResourceStore, StoredResource } from './store';

/** What the resource types share: the store, the catalogue of types, ids and clocks. */
export interface AzureState {
  readonly store: ResourceStore;
  readonly subscriptions: readonly string[];
  /** The platform images (the marketplace) this Azure offers. */
  readonly platformImages: readonly PlatformImage[];
  /** The VMs' guests, where Run Command runs scripts (run-command.ts). */
  readonly guests: Guests;
  /** The guests' web servers (their IIS, guest-web.ts). */
  readonly web: GuestWeb;
  /** The gallery versions' replications (galleries.ts). */
  readonly replications: Replications;
  /** The type of an id or address, if this Azure knows it. */
  typeOf(address: ResourceAddress): ResourceType | undefined;
  /** A new GUID (vmId, resourceGuid, operation ids). */
  guid(): string;
  /** The time now, as Azure writes it (ISO 8601). Only ever shown, never compared by the tests. */
  now(): string;
  /** The next free public IP address of this Azure's pool. */
  allocatePublicIp(): string;
  /** Starts a long-running operation (`ResourceManager.startOperation`), for a type's actions; returns the answer's headers. */
  startOperation(request: AzureRequest, namespace: string, location: string, resourceId: string | undefined, withLocation: boolean,
    pending?: Promise<Json | undefined>): OperationHeaders;
}

/** One SKU of a marketplace image in one region, with its versions. */
export interface PlatformImage {
  readonly location: string;
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly versions: readonly string[];
  readonly hyperVGeneration: 'V1' | 'V2';
  /** Its `DiskControllerTypes` feature (`SCSI, NVMe`), when Azure tagged it (disk-controllers.ts). @default SCSI only */
  readonly diskControllerTypes?: string;
}

/** Which SKU of the marketplace a platform image is: its region, publisher, offer and SKU, compared without regard to case. */
export type PlatformSku = Pick<PlatformImage, 'location' | 'publisher' | 'offer' | 'sku'>;

/** The index of `sku` among `images`, or -1. */
export function indexOfPlatformSku(images: readonly PlatformImage[], sku: Partial<PlatformSku>): number {
  return images.findIndex((image) => same(image.location, sku.location) && same(image.publisher, sku.publisher)
    && same(image.offer, sku.offer) && same(image.sku, sku.sku));
}

/** What a PUT (or a PATCH, merged onto the current resource) asks of a type. */
export interface PutContext {
  /** The id, in the case of the request (or of the existing resource). */
  readonly id: string;
  readonly address: ResourceAddress;
  readonly name: string;
  readonly body: Json;
  /** The resource as it is, when the PUT updates it. */
  readonly existing?: Json;
  /** For a child: its parent's JSON as it will be stored. */
  readonly parent?: Json;
  readonly azure: AzureState;
}

/** What a read asks of a type: the query's `$expand`, and the state to compute read-only fields from. */
export interface ReadContext {
  readonly expand: string[];
  readonly azure: AzureState;
}

/** How Azure treats one resource type. */
export interface ResourceType {
  /** As Azure writes it in `type`, e.g. `Microsoft.Network/virtualNetworks`. */
  readonly type: string;
  /** A child stored in its parent's `properties.<collection>` (a subnet, a backend pool). */
  readonly child?: boolean;
  /**
   * A child Azure keeps as a resource of its own, with its own GET, PUT and DELETE and not shown in its parent's GET
   * (a gallery's image definitions and their versions): its parent must exist.
   */
  readonly nested?: boolean;
  /** PUT, PATCH and DELETE are long-running operations (`Azure-AsyncOperation`). */
  readonly longRunning: boolean;
  /** What a PUT's answer shows as provisioningState while the operation runs, for a new resource. */
  readonly creatingState?: 'Creating' | 'Updating';
  /** The JSON Azure stores for the PUT; throws an `AzureError` where Azure refuses it. */
  readonly build: (context: PutContext) => Json;
  /** The JSON a GET returns: the stored one, with what Azure computes at read time. */
  readonly render?: (body: Json, context: ReadContext) => Json;
  /**
   * After a PUT stored the resource (`previous`: its JSON before an update): the work Azure goes on with after it
   * answered (a gallery version's replication); the PUT's operation runs until it settles.
   */
  readonly stored?: (resource: StoredResource, previous: Json | undefined, azure: AzureState) => Promise<Json | undefined>;
  /** After a new resource is stored (a VM's OS disk is made with it). */
  readonly created?: (resource: StoredResource, azure: AzureState) => void;
  /** Before the resource is deleted: what its deletion does to others (a VM's OS disk), or a refusal. */
  readonly deleting?: (resource: StoredResource, azure: AzureState) => void;
  /**
   * Azure's refusal to delete the resource (or child) on its own while another resource uses it (in-use.ts): asked by a
   * DELETE of the resource itself, not by its group's deletion, which Resource Manager orders by dependencies.
   */
  readonly refuseDeleting?: (id: string, body: Json, azure: AzureState) => void;
  /** A child Azure serves its own way rather than as an entry of its parent's arrays (a scale set's rolling upgrades). */
  readonly serve?: (request: AzureRequest, address: ResourceAddress, parent: StoredResource, azure: AzureState) => AzureResponse;
  /** Calls on the resource, by action name and method, e.g. `instanceView` GET. */
  readonly actions?: { [action: string]: { [method: string]: ActionHandler } };
}

/** One call on a resource, e.g. its instance view. */
export type ActionHandler = (resource: StoredResource, request: AzureRequest, azure: AzureState) => AzureResponse;

/** A long-running operation: its status URL answers from here. */
interface Operation {
  readonly id: string;
  readonly startTime: string;
  endTime?: string;
  /** The resource it created or updated (deleted: undefined), for the `Location` URL's final answer. */
  readonly resourceId?: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** What the `Location` URL answers once it succeeded, for an action with a result of its own (Run Command's output). */
  result?: Json;
  /** Why it failed. */
  error?: AzureError;
}

/** The headers of an answer that started a long-running operation: where to poll, and when. */
export type OperationHeaders = { [name: string]: string };

/** The version the request asked for, echoed in the URLs the answer points to. */
function apiVersionOf(request: AzureRequest): string {
  return request.query.get('api-version') ?? '';
}

export class ResourceManager {
  private readonly operations = new Map<string, Operation>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly azure: AzureState) {}

  /** A request on a resource (or an action on it) inside a resource group. */
  public handle(request: AzureRequest, path: ResourcePath): AzureResponse {
    const { address, action } = path;
    this.requireGroup(address);
    const type = this.azure.typeOf(address);
    if (type === undefined) {
      throw invalidResourceType(address.types.join('/'), address.namespace, apiVersionOf(request));
    }
    if (action !== undefined) {
      return this.act(request, address, type, action);
    }
    if (type.child) {
      return this.handleChild(request, address, type);
    }
    if (type.nested) {
      this.requireParent(address);
    }
    switch (request.method) {
      case 'GET': return json(200, this.read(idOf(address), request));
      case 'PUT': return this.put(request, address, type, request.body ?? {});
      case 'PATCH': return this.patch(request, address, type);
      case 'DELETE': return this.remove(request, address, type);
      default: throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
    }
  }

  /**
   * The status URL of an operation (`Azure-AsyncOperation`: `InProgress`, then `Succeeded` or `Failed` with the error) or
   * its result URL (`Location`: 202 while it runs, then the result, or the error with its status): "Track asynchronous
   * Azure operations" on Microsoft Learn.
   */
  public operation(request: AzureRequest, operationId: string, result: boolean): AzureResponse {
    const operation = this.operations.get(operationId.toLowerCase());
    if (operation === undefined) {
      // Not one of Azure's documented answers (clients only poll URLs they were given); a 404 is what they would get.
      throw new AzureError(404, 'NotFound', `Operation ${operationId} not found.`);
    }
    if (!result) {
      const { id, status, startTime, endTime, error } = operation;
      // While it runs, when to ask again: "Retry-After - The number of seconds to wait before checking the status of
      // the asynchronous operation" (Microsoft Learn, "Track asynchronous Azure operations"). Without it, clients wait
      // their own default between polls (azure-core's ARM polling: 30 seconds, a Run Command's every poll in az).
      const retry: { [name: string]: string } = status === 'InProgress' ? { 'Retry-After': '1' } : {};
      return json(200, {
        id: request.path,
        name: id,
        status,
        startTime,
        ...(endTime !== undefined ? { endTime } : {}),
        ...(error !== undefined ? { error: error.toJson() } : {}),
      }, retry);
    }
    if (operation.status === 'InProgress') {
      return empty(202, { 'Location': `${request.origin}${request.path}?${request.query.toString()}`, 'Retry-After': '1' });
    }
    if (operation.error !== undefined) {
      return operation.error.toResponse();
    }
    if (operation.result !== undefined) {
      return json(200, operation.result);
    }
    const resource = operation.resourceId === undefined ? undefined : this.azure.store.get(operation.resourceId);
    return resource === undefined ? empty(204) : json(200, this.read(resource.id, request));
  }

  /**
   * Records an operation and returns its id: finished at once, or, with `pending`, running until `pending` settles
   * (its value the `Location` URL's answer; an `AzureError` fails it).
   */
  public recordOperation(resourceId: string | undefined, pending?: Promise<Json | undefined>): string {
    const id = this.azure.guid();
    const startTime = this.azure.now();
    const operation: Operation = { id, startTime, resourceId, status: pending === undefined ? 'Succeeded' : 'InProgress' };
    this.operations.set(id, operation);
    if (pending === undefined) {
      operation.endTime = startTime;
      return id;
    }
    const settled = pending.then((result) => {
      operation.status = 'Succeeded';
      operation.result = result;
    }, (error: unknown) => {
      operation.status = 'Failed';
      operation.error = error instanceof AzureError ? error
        : new AzureError(500, 'InternalExecutionError', `An internal execution error occurred: ${String((error as Error).message ?? error)}`);
    }).finally(() => {
      operation.endTime = this.azure.now();
      this.running.delete(settled);
    });
    this.running.add(settled);
    return id;
  }

  /** Resolves once every operation started so far has ended (for in-process tests of long-running actions). */
  public async settled(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.all([...this.running]);
    }
  }

  /** A started operation's headers: its status URL (and, `withLocation`, its result URL) and when to poll it. */
  public startOperation(request: AzureRequest, namespace: string, location: string, resourceId: string | undefined, withLocation: boolean,
    pending?: Promise<Json | undefined>): OperationHeaders {
    const id = this.recordOperation(resourceId, pending);
    const base = `${request.origin}/subscriptions/${request.path.split('/')[2]}/providers/${namespace}/locations/${location}`;
    const version = `api-version=${apiVersionOf(request)}`;
    return {
      'Azure-AsyncOperation': `${base}/operations/${id}?${version}`,
      ...(withLocation ? { Location: `${base}/operationResults/${id}?${version}` } : {}),
      'Retry-After': '1',
    };
  }

  /**
   * `GET .../resourceGroups/{group}/providers/{namespace}/{type}`: the group's resources of one top-level type, as a
   * type's List operation answers (`{"value": [...]}`, e.g. Images_ListByResourceGroup, which `az image list -g` calls).
   */
  public listInGroup(request: AzureRequest, subscriptionId: string, resourceGroup: string, namespace: string, typeName: string): AzureResponse {
    const address: ResourceAddress = { subscriptionId, resourceGroup, namespace, types: [typeName], names: [''] };
    this.requireGroup(address);
    const type = this.azure.typeOf(address);
    if (type === undefined || type.child) {
      throw invalidResourceType(typeName, namespace, apiVersionOf(request));
    }
    const resources = this.azure.store.inGroup(subscriptionId, resourceGroup).filter((r) => same(r.type, type.type));
    return json(200, { value: resources.map((r) => this.view(r)) });
  }

  /** The JSON a GET of a top-level resource returns. */
  public read(id: string, request: AzureRequest): Json {
    const expand = (request.query.get('$expand') ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
    return this.view(this.find(id), expand);
  }

  /** A resource as a GET shows it, with what Azure computes at read time. */
  public view(resource: StoredResource, expand: string[] = []): Json {
    const address = parseResourceId(resource.id);
    const type = address && this.azure.typeOf(address);
    return type?.render ? type.render(clone(resource.body), { expand, azure: this.azure }) : clone(resource.body);
  }

  /** Deletes a resource and what its deletion takes with it (a group's deletion calls this for each resource in it). */
  public deleteResource(resource: StoredResource): void {
    const type = this.azure.typeOf(parseResourceId(resource.id)!);
    type?.deleting?.(resource, this.azure);
    this.azure.store.delete(resource.id);
  }

  private requireGroup(address: ResourceAddress): void {
    if (!this.azure.subscriptions.some((s) => same(s, address.subscriptionId))) {
      throw subscriptionNotFound(address.subscriptionId);
    }
    if (this.azure.store.group(address.subscriptionId, address.resourceGroup) === undefined) {
      throw resourceGroupNotFound(address.resourceGroup);
    }
  }

  private find(id: string): StoredResource {
    const resource = this.azure.store.get(id);
    if (resource === undefined) {
      const address = parseResourceId(id)!;
      const nested = this.azure.typeOf(address)?.nested === true;
      throw resourceNotFound(typeAndName(address, nested ? address.types.length : 1), address.resourceGroup);
    }
    return resource;
  }

  /**
   * The parent of a nested resource must exist: Resource Manager's 404 `ParentResourceNotFound`, "Can not perform
   * requested operation on nested resource. Parent resource '{name}' not found." (its answer for a child of a missing
   * parent; lib/operator/steps/gallery-versions.ts reads the code).
   */
  private requireParent(address: ResourceAddress): void {
    const parentId = idOf(address, address.types.length - 1);
    if (this.azure.store.get(parentId) === undefined) {
      throw new AzureError(404, 'ParentResourceNotFound',
        `Can not perform requested operation on nested resource. Parent resource '${address.names.slice(0, -1).join('/')}' not found.`);
    }
  }

  private put(request: AzureRequest, address: ResourceAddress, type: ResourceType, body: Json): AzureResponse {
    const id = idOf(address);
    const existing = this.azure.store.get(id);
    if (body.location === undefined) {
      throw locationRequired();
    }
    if (existing !== undefined && normalizeLocation(body.location) !== existing.body.location) {
      throw invalidResourceLocation(existing.body.name, existing.body.location, address.resourceGroup, normalizeLocation(body.location));
    }
    const name = existing?.body.name ?? address.names[address.names.length - 1];
    const parent = type.nested ? this.azure.store.get(idOf(address, address.types.length - 1))?.body : undefined;
    const built = type.build({ id: existing?.id ?? id, address, name, body, existing: existing?.body, parent, azure: this.azure });
    const stored: StoredResource = existing ?? { id, type: type.type, body: built, hidden: {} };
    const previous = existing?.body;
    stored.body = built;
    this.azure.store.put(stored);
    if (existing === undefined) {
      type.created?.(stored, this.azure);
    }
    const pending = type.stored?.(stored, previous, this.azure);
    const answer = this.read(stored.id, request);
    if (!type.longRunning) {
      return json(existing ? 200 : 201, answer);
    }
    answer.properties = { ...answer.properties, provisioningState: existing ? 'Updating' : type.creatingState ?? 'Updating' };
    return json(existing ? 200 : 201, answer, this.startOperation(request, address.namespace, built.location, stored.id, false, pending));
  }

  /** PATCH: the body merged onto the resource (objects merged, arrays and values replaced), then stored as a PUT would. */
  private patch(request: AzureRequest, address: ResourceAddress, type: ResourceType): AzureResponse {
    const existing = this.find(idOf(address));
    const merged = mergePatch(clone(existing.body), request.body ?? {});
    const built = type.build({ id: existing.id, address, name: existing.body.name, body: merged, existing: existing.body, azure: this.azure });
    existing.body = built;
    const answer = this.read(existing.id, request);
    return type.longRunning
      ? json(200, answer, this.startOperation(request, address.namespace, built.location, existing.id, false))
      : json(200, answer);
  }

  private remove(request: AzureRequest, address: ResourceAddress, type: ResourceType): AzureResponse {
    const resource = this.azure.store.get(idOf(address));
    if (resource === undefined) {
      return empty(204);
    }
    type.refuseDeleting?.(resource.id, resource.body, this.azure);
    this.deleteResource(resource);
    return type.longRunning
      ? empty(202, this.startOperation(request, address.namespace, resource.body.location, undefined, true))
      : empty(200);
  }

  private act(request: AzureRequest, address: ResourceAddress, type: ResourceType, action: string): AzureResponse {
    const handler = Object.entries(type.actions ?? {}).find(([name]) => same(name, action))?.[1][request.method];
    if (handler === undefined) {
      throw invalidResourceType(`${address.types.join('/')}/${action}`, address.namespace, apiVersionOf(request));
    }
    return handler(this.find(idOf(address)), request, this.azure);
  }

  /**
   * A child resource (`<parent id>/<collection>/<name>`), kept in its parent's `properties.<collection>`: the parent must
   * exist (404 `ResourceNotFound` naming the parent), and the parent's GET shows the child.
   */
  private handleChild(request: AzureRequest, address: ResourceAddress, type: ResourceType): AzureResponse {
    const parent = this.find(idOf(address, address.types.length - 1));
    if (type.serve !== undefined) {
      return type.serve(request, address, parent, this.azure);
    }
    const collection = address.types[address.types.length - 1];
    const name = address.names[address.names.length - 1];
    const id = idOf(address);
    const children: Json[] = parent.body.properties?.[collection] ?? [];
    const index = children.findIndex((child) => same(child.name, name));
    switch (request.method) {
      case 'GET': {
        const rendered = this.read(parent.id, request).properties?.[collection] ?? [];
        const child = rendered.find((c: Json) => same(c.name, name));
        if (child === undefined) {
          throw childNotFound(id);
        }
        return json(200, child);
      }
      case 'PUT': {
        const existing = index >= 0 ? children[index] : undefined;
        const built = type.build({
          id: existing?.id ?? id, address, name: existing?.name ?? name, body: request.body ?? {}, existing, parent: parent.body, azure: this.azure,
        });
        const updated = index >= 0 ? children.map((c, i) => (i === index ? built : c)) : [...children, built];
        parent.body = { ...parent.body, properties: { ...parent.body.properties, [collection]: updated } };
        const answer = (this.read(parent.id, request).properties[collection] as Json[]).find((c) => same(c.name, built.name))!;
        if (!type.longRunning) {
          return json(existing ? 200 : 201, answer);
        }
        const headers = this.startOperation(request, address.namespace, parent.body.location, parent.id, false);
        return json(existing ? 200 : 201, { ...answer, properties: { ...answer.properties, provisioningState: 'Updating' } }, headers);
      }
      case 'DELETE': {
        if (index < 0) {
          return empty(204);
        }
        type.refuseDeleting?.(children[index].id, children[index], this.azure);
        parent.body = { ...parent.body, properties: { ...parent.body.properties, [collection]: children.filter((_, i) => i !== index) } };
        return empty(202, this.startOperation(request, address.namespace, parent.body.location, undefined, true));
      }
      default: throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
    }
  }
}

/** A deep copy of JSON. */
export function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** JSON merge (RFC 7386 without null deletion): objects merge key by key, everything else is replaced. */
function mergePatch(target: Json, patch: Json): Json {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    target[key] = isObject(value) && isObject(current) ? mergePatch(current, value) : value;
  }
  return target;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A new GUID, as Azure writes them. */
export function newGuid(): string {
  return randomUUID();
}
