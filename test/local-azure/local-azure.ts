/**
 * A local Azure that the real tools talk to (issue 25): the cloud metadata and identity endpoints, and Azure Resource
 * Manager with the resource types the library's fleets and scale sets create, holding Azure's state and refusing what
 * Azure refuses. `LocalAzure.handle` answers one request; server.ts serves it over HTTPS on 127.0.0.1 for the real
 * azurerm provider and the real Azure CLI (az-cli.ts logs it in: `az cloud register`, an ADFS-style login).
 *
 * The modules, one concern each: identity.ts (metadata, tokens), resources.ts (subscriptions, providers, groups,
 * listing), resource-manager.ts (create/read/update/delete, child resources, long-running operations, a type's list in
 * a group), network.ts and compute.ts (the types), scale-sets.ts (scale sets, their instances and rolling upgrades),
 * load-balancers.ts (a load balancer's rules against what uses it, and which instances its frontend reaches), in-use.ts
 * (what Azure does not delete while another resource uses it),
 * vm-power.ts (a VM's power states and generalization), run-command.ts (scripts in a VM's guest, under pwsh with
 * test/powershell's stand-ins; the guests' and scale set instances' C: drives), guest-web.ts (the guests' IIS: the
 * guest's own port 80, and with `servePublicIps` each public IP's port 80 on this machine, a VM's or a load balancer
 * frontend's), extensions.ts (VM extensions), images.ts
 * (managed images), galleries.ts (Azure Compute Gallery: galleries, image definitions, versions and their replication),
 * deployments.ts (ARM template deployments, as `az vm create` makes its VMs),
 * errors.ts (Azure's error shapes), ids.ts, store.ts, addresses.ts, certificate.ts, server.ts.
 *
 * Azure's rules held here, each with its source where it is checked and a test in test/local-azure/rules.test.ts:
 * - names are unique per type in their scope and compared without regard to case: a PUT of an existing name updates
 *   the resource (200, not 201); in another region it is refused (409 InvalidResourceLocation, groups:
 *   InvalidResourceGroupLocation); a VM whose OS disk name is taken by another disk is refused (409 ConflictingUserInput);
 * - a resource in a group that does not exist: 404 ResourceGroupNotFound; a subnet in a VNet that does not exist: 404
 *   ResourceNotFound; a reference to a missing subnet, public IP, NSG or load balancer entry: 400 InvalidResourceReference;
 * - deleting a group deletes everything in it; deleting a VM detaches its OS disk (or deletes it, deleteOption Delete);
 * - what is in use is not deleted on its own (in-use.ts): a NIC a VM uses (400 NicInUse), a public IP on a NIC or load
 *   balancer frontend (400 PublicIPAddressCannotBeDeleted), a subnet with IP configurations in it, deleted, left out of
 *   its VNet's PUT or with its VNet (400 InUseSubnetCannotBeDeleted), an NSG on a subnet, a NIC or scale set instances (400
 *   InUseNetworkSecurityGroupCannotBeDeleted), a disk a VM uses (409 OperationNotAllowed); deleting the user first (the
 *   VM, which detaches its NIC and disk; a PUT without the reference, as azurerm's associations dissociate) lets it go;
 *   and a public IP another NIC or load balancer holds is not given to a second one (400 PublicIPAddressInUse);
 * - a subnet has no addresses left: 400 SubnetIsFull (Azure keeps 5 per subnet);
 * - secrets and custom data are never returned; an empty additionalCapabilities is omitted;
 * - a SKU's image versions are listed as text, not as version numbers;
 * - throttling on demand (`throttleNext`): 429 SubscriptionRequestsThrottled with Retry-After;
 * - Resource Manager takes only tokens this Azure issued, for the one service principal it knows;
 * - a running VM cannot be generalized; a generalized VM cannot be started or changed (409 OperationNotAllowed), nor
 *   can the extensions of a VM that is not running (vm-power.ts, extensions.ts);
 * - Run Command runs one script at a time (409 Conflict), only in a running VM, and returns the last 4096 bytes of each
 *   stream (run-command.ts);
 * - a managed image only from a generalized VM, and never from a Trusted Launch VM (409 OperationNotAllowed, images.ts);
 * - an image keeps what its source OS disk holds when it is made, and a VM made from an image starts with that (the
 *   guest's C: drive: images.ts, run-command.ts);
 * - a VM's port 80 answers only while it runs and its IIS is installed; `/` is IIS's first default document that exists
 *   (guest-web.ts); a load balancer frontend's port 80 sends each connection to a healthy instance behind it;
 * - a scale set in Rolling mode, or with automatic OS image upgrade, needs a health probe or the Application Health
 *   extension (400 BadRequest); automatic OS image upgrade on Windows not with automatic updates on; the rolling
 *   upgrade policy's percentages in their ranges (400 InvalidParameter); a new model rolls out in batches gated by the
 *   health probe, Faulted past the unhealthy limits, each upgraded instance's drive made again from the new image
 *   (scale-sets.ts);
 * - a load-balancing rule's ports in their ranges (400 InvalidParameter); a rule whose probe is a scale set's health
 *   probe cannot be removed (400 CannotRemoveRuleUsedByProbeUsedByVMSS), nor a load balancer whose pool a scale set
 *   uses be deleted (400 InUseBackendAddressPoolCannotBeDeleted, load-balancers.ts); a group's deletion deletes users
 *   first (resources.ts).
 * - a gallery version's source has its definition's Hyper-V generation (409 Conflict); its target regions include its
 *   own location (400 InvalidParameter); 1-100 replicas per target region
 *   (400 InvalidParameter); a definition with versions, or a gallery with definitions, is not deleted (409
 *   CannotDeleteResource); a nested resource needs its parent (404 ParentResourceNotFound); a version replicates after
 *   Azure answered, per region, and a region that fails fails the version (galleries.ts);
 * - a Trusted Launch VM needs a Trusted Launch capable image, and a TrustedLaunch definition makes only Trusted Launch VMs
 *   (400 BadRequest, galleries.ts `securityRefusal`, checked by compute.ts);
 * - a VM or scale set of an NVMe-only size (the v6 and later D, E and F series) needs an image tagged for NVMe: a
 *   marketplace version or gallery definition whose DiskControllerTypes include NVMe, never a managed image (400
 *   InvalidParameter on vmSize, disk-controllers.ts).
 *
 * Next pieces (not held yet): a version's source VM is generalized as its definition's OS state says (without a source
 * for Azure's answer yet); no version of a TrustedLaunchSupported
 * definition from a VM (Azure's answer in 2023, quoted in packer-plugin-azure issue 304: to be checked against today's
 * Azure); a VM only in a region its gallery version is replicated to; a VM
 * from an image or NIC that does not exist; a NIC given to a second VM while the first holds it (the create-side twin of
 * NicInUse: its code and words not found quoted yet); a subnet outside its VNet's address space (NetcfgInvalidSubnet); changing what Azure cannot change in place (a
 * VM's admin password, a public IP's SKU); Flexible scale sets and scale set extensions; images from disks checked
 * against their source; unregistered resource providers (MissingSubscriptionRegistration).
 */
import { formatAddress, parseBlock } from './addresses';
import { COMPUTE_TYPES, marketplace } from './compute';
import { Deployments } from './deployments';
import { AzureError, authenticationFailed, missingApiVersion, resourceGroupNotFound, throttled } from './errors';
import { GALLERY_TYPES, Replications } from './galleries';
import { GuestWeb } from './guest-web';
import { AzureRequest, AzureResponse, json, Json, segmentsOf } from './http';
import { Identity, ServicePrincipal } from './identity';
import { parseResourcePath, ResourceAddress, same, typeKey } from './ids';
import { Backend, frontendBackends } from './load-balancers';
import { NETWORK_TYPES } from './network';
import { AzureState, indexOfPlatformSku, newGuid, PlatformImage, PlatformSku, ResourceManager, ResourceType } from './resource-manager';
import { SubscriptionScope } from './resources';
import { Guests } from './run-command';
import { instancesOfScaleSet, SCALE_SET_TYPES, ScaleSetInstance } from './scale-sets';
import { ResourceStore } from './store';
import { StandInCall } from '../powershell/pwsh';

export interface LocalAzureOptions {
  /** @default a fixed test subscription */
  readonly subscriptionId?: string;
  /** The service principal that may log in. @default fixed test ids and secret */
  readonly principal?: Partial<ServicePrincipal>;
  /** The marketplace. @default Windows Server 2022 and 2025 SKUs in westeurope (`DEFAULT_PLATFORM_IMAGES`) */
  readonly platformImages?: PlatformImage[];
  /** Where static public IPs come from. @default '203.0.113.0/24' (TEST-NET-3, RFC 5737) */
  readonly publicIpPrefix?: string;
  /**
   * Serve each public IP's port 80 on this machine for the VM behind it, with what the VM's guest serves there (its IIS,
   * guest-web.ts): needs a `publicIpPrefix` this machine can listen on (under 127.0.0.0/8) and the right to port 80.
   * @default false
   */
  readonly servePublicIps?: boolean;
}

/** One request the local Azure answered: what the tests count per resource type. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** What it was about: a resource type (`Microsoft.Network/networkInterfaces`), or `metadata`, `token`, `operations`. */
  readonly kind: string;
}

/** A request the local Azure could not answer because it lacks the endpoint or the type (not an Azure refusal). */
export interface UnhandledRequest {
  readonly method: string;
  readonly path: string;
  readonly reason: string;
}

export const DEFAULT_PLATFORM_IMAGES: PlatformImage[] = [
  // Versions as the marketplace names them; listed as text, the last is not the newest (compute.ts). Windows Server 2022
  // and 2025 Gen2 are tagged for NVMe ("Supported OS images for remote NVMe", disk-controllers.ts).
  ...['2022-datacenter-azure-edition', '2022-datacenter-g2'].map((sku) => ({
    location: 'westeurope',
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku,
    hyperVGeneration: 'V2' as const,
    diskControllerTypes: 'SCSI, NVMe',
    versions: ['20348.2849.241109', '20348.3091.250112', '20348.887.220806'],
  })),
  {
    location: 'westeurope',
    publisher: 'MicrosoftWindowsServer',
    offer: 'WindowsServer',
    sku: '2025-datacenter-azure-edition',
    hyperVGeneration: 'V2',
    diskControllerTypes: 'SCSI, NVMe',
    versions: ['26100.32230.260111', '26100.4652.250708'],
  },
];

const DEFAULT_PRINCIPAL: ServicePrincipal = {
  tenantId: '72f988bf-0000-4000-8000-00000000aa01',
  clientId: '04b07795-0000-4000-8000-00000000cc01',
  clientSecret: 'local-azure-client-secret',
  objectId: '8f1c2a3b-0000-4000-8000-00000000ee01',
};

export class LocalAzure {
  public readonly subscriptionId: string;
  public readonly principal: ServicePrincipal;
  /** Every request answered, in order. */
  public readonly requests: RecordedRequest[] = [];
  /** Requests it had no answer for: a gap of the local Azure, never one of Azure's refusals. */
  public readonly unhandled: UnhandledRequest[] = [];

  private readonly store = new ResourceStore();
  private readonly types: Map<string, ResourceType>;
  private readonly identity: Identity;
  private readonly manager: ResourceManager;
  private readonly subscriptionScope: SubscriptionScope;
  private readonly deployments: Deployments;
  private readonly state: AzureState;
  private throttling: { remaining: number; retryAfterSeconds: number } | undefined;
  /** The gallery versions' replications (galleries.ts): tests hold them to see a version while it replicates. */
  public readonly replications = new Replications();
  /** The VMs' guests (run-command.ts), each made at its VM's first Run Command; removed by `dispose`. */
  private readonly guests = new Guests();
  /** Their web servers (guest-web.ts); closed by `dispose`. */
  private readonly web: GuestWeb;
  /** The marketplace: `publishPlatformImageVersion` adds to it. */
  private readonly platformImages: PlatformImage[];

  constructor(options: LocalAzureOptions = {}) {
    this.subscriptionId = options.subscriptionId ?? '5e1f0c2a-0000-4000-8000-00000000bb01';
    this.principal = { ...DEFAULT_PRINCIPAL, ...options.principal };
    this.types = new Map([...NETWORK_TYPES, ...COMPUTE_TYPES, ...SCALE_SET_TYPES, ...GALLERY_TYPES].map((type) => [type.type.toLowerCase(), type]));
    const pool = parseBlock(options.publicIpPrefix ?? '203.0.113.0/24')!;
    const store = this.store;
    const types = this.types;
    this.web = new GuestWeb(store, (vmId) => this.guests.systemDrive(vmId),
      (address, reason) => this.unhandled.push({ method: 'LISTEN', path: `${address}:80`, reason }),
      (address) => frontendBackends(this.state, address, 80));
    const web = this.web;
    const servePublicIps = options.servePublicIps ?? false;
    this.platformImages = [...options.platformImages ?? DEFAULT_PLATFORM_IMAGES];
    this.state = {
      store,
      subscriptions: [this.subscriptionId],
      platformImages: this.platformImages,
      typeOf: (address: ResourceAddress) => types.get(typeKey(address)),
      guid: newGuid,
      now: () => new Date().toISOString(),
      allocatePublicIp: () => {
        const address = allocate(pool, store);
        if (servePublicIps) {
          web.listenOnPublicIp(address);
        }
        return address;
      },
      startOperation: (...args) => this.manager.startOperation(...args),
      guests: this.guests,
      web,
      replications: this.replications,
    };
    this.identity = new Identity(this.principal);
    this.manager = new ResourceManager(this.state);
    this.deployments = new Deployments(this.state, (request) => this.handle(request));
    this.subscriptionScope = new SubscriptionScope(this.state, this.manager, this.principal.tenantId, namespacesOf([...this.types.values()]));
  }

  /** Answers one request as Azure would, and records it. */
  public handle(request: AzureRequest): AzureResponse {
    const segments = segmentsOf(request.path);
    let response: AzureResponse;
    try {
      response = this.answer(request, segments);
    } catch (error) {
      if (!(error instanceof AzureError)) {
        throw error;
      }
      if (error.code === 'InvalidResourceType') {
        this.unhandled.push({ method: request.method, path: request.path, reason: error.message });
      }
      response = error.toResponse();
    }
    this.requests.push({ method: request.method, path: request.path, status: response.status, kind: this.kindOf(segments) });
    return response;
  }

  /**
   * The next `count` Resource Manager requests are refused as throttled (429 with `Retry-After`), as Azure does when
   * a principal exceeds its limits; clients should wait and retry.
   */
  public throttleNext(count: number, retryAfterSeconds = 1): void {
    this.throttling = { remaining: count, retryAfterSeconds };
  }

  /** Resolves once every long-running operation started so far has ended (a guest script, for in-process tests). */
  public settled(): Promise<void> {
    return this.manager.settled();
  }

  /** Removes the guests' files, once every script running in them has ended. */
  public async dispose(): Promise<void> {
    await this.settled();
    await this.web.dispose();
    this.guests.dispose();
  }

  /** The directory of the VM's guest (its C: drive is `C` in it), once a Run Command made it. */
  public guestDirectory(vmId: string): string | undefined {
    return this.guests.directory(vmId);
  }

  /**
   * The directory of the VM's C: drive (its guest made if it has none yet: a VM has its disk from creation), for tests
   * that put there what a guest would have written.
   */
  public systemDrive(vmId: string): string {
    const vm = this.store.get(vmId);
    if (vm === undefined || vm.type !== 'Microsoft.Compute/virtualMachines') {
      throw new Error(`the local Azure holds no VM ${vmId}`);
    }
    return this.guests.driveOf(vm);
  }

  /** The instances of a scale set as this Azure holds them: ids, computer names, model and C: drive. */
  public scaleSetInstances(scaleSetId: string): readonly ScaleSetInstance[] {
    const set = this.store.get(scaleSetId);
    return set === undefined ? [] : instancesOfScaleSet(set);
  }

  /** The computer names of the scale set instances that load balancer frontends sent connections to, in order. */
  public get frontendAnswers(): string[] {
    return this.web.answeredBy;
  }

  /** The instances a connection to a load balancer's frontend (`ipAddress`:`port`) may reach now (load-balancers.ts). */
  public frontendBackends(ipAddress: string, port: number): Backend[] {
    return frontendBackends(this.state, ipAddress, port);
  }

  /**
   * Microsoft publishes a new version of a marketplace SKU (a Patch Tuesday): listed from now on, so the next plan's
   * `latest` may resolve to it. Throws when this Azure does not offer the SKU in `location`.
   */
  public publishPlatformImageVersion(sku: PlatformSku, version: string): void {
    const index = indexOfPlatformSku(this.platformImages, sku);
    if (index < 0) {
      throw new Error(`this local Azure does not offer ${JSON.stringify(sku)}: add it to LocalAzureOptions.platformImages`);
    }
    const image = this.platformImages[index];
    this.platformImages[index] = { ...image, versions: [...image.versions, version] };
  }

  /** The calls of a Windows command (e.g. `Sysprep.exe`) the VM's guest made in its Run Commands, with their arguments. */
  public guestCalls(vmId: string, command: string): StandInCall[] {
    return this.guests.calls(vmId, command);
  }

  /** Every group and resource this Azure holds (ids in their stored case, with their types). */
  public resources(): Array<{ id: string; type: string }> {
    return this.store.all().map((r) => ({ id: r.id, type: r.type }));
  }

  /** Whether this Azure holds `id`: a group, a resource, or an entry of a resource's arrays (a subnet, a pool). */
  public holds(id: string): boolean {
    return this.store.holds(id);
  }

  /** A group or resource as a GET of it shows it (a copy), or undefined. */
  public resource(id: string): Json | undefined {
    const resource = this.store.get(id);
    return resource === undefined ? undefined : this.manager.view(resource);
  }

  private answer(request: AzureRequest, segments: string[]): AzureResponse {
    if (same(segments[0], 'metadata') && same(segments[1], 'endpoints') && segments.length === 2 && request.method === 'GET') {
      return this.identity.metadata(request);
    }
    const identity = this.identity.handle(request, segments);
    if (identity !== undefined) {
      return identity;
    }
    if (!same(segments[0], 'subscriptions')) {
      return this.noSuchEndpoint(request, 'not an endpoint of Azure Resource Manager or the identity platform');
    }
    if (!request.query.has('api-version')) {
      throw missingApiVersion();
    }
    const problem = this.identity.check(request.headers.authorization);
    if (problem !== undefined) {
      throw authenticationFailed(problem, `${request.origin}/${this.principal.tenantId}`);
    }
    if (this.throttling !== undefined && this.throttling.remaining > 0) {
      this.throttling.remaining -= 1;
      const kind = request.method === 'GET' ? 'read' : request.method === 'DELETE' ? 'delete' : 'write';
      throw throttled(kind, segments[1] ?? '', this.identity.actor, this.throttling.retryAfterSeconds);
    }
    return this.resourceManager(request, segments) ?? this.noSuchEndpoint(request, 'not served by this local Azure');
  }

  private resourceManager(request: AzureRequest, segments: string[]): AzureResponse | undefined {
    const lower = segments.map((s) => s.toLowerCase());
    // /subscriptions/{s}/providers/{namespace}/locations/{location}/...: operations and the marketplace.
    if (lower[2] === 'providers' && lower[4] === 'locations' && segments.length >= 7) {
      if ((lower[6] === 'operations' || lower[6] === 'operationresults') && segments.length === 8 && request.method === 'GET') {
        return this.manager.operation(request, segments[7], lower[6] === 'operationresults');
      }
      if (lower[3] === 'microsoft.compute') {
        return marketplace(request, this.state, this.subscriptionId, segments[5], segments.slice(6));
      }
      return undefined;
    }
    // /subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Resources/deployments/{name}: a template deployment.
    if (lower[2] === 'resourcegroups' && lower[4] === 'providers' && lower[5] === 'microsoft.resources' && lower[6] === 'deployments'
      && segments.length === 8) {
      const group = this.store.group(segments[1], segments[3]);
      if (group === undefined) {
        throw resourceGroupNotFound(segments[3]);
      }
      return this.deployments.handle(request, group.id, segments[7]);
    }
    // /subscriptions/{s}/resourceGroups/{g}/providers/{namespace}/{type}: a type's resources in the group.
    if (lower[2] === 'resourcegroups' && lower[4] === 'providers' && segments.length === 7 && request.method === 'GET') {
      return this.manager.listInGroup(request, segments[1], segments[3], segments[5], segments[6]);
    }
    const resourcePath = parseResourcePath(request.path);
    if (resourcePath !== undefined) {
      return this.manager.handle(request, resourcePath);
    }
    return this.subscriptionScope.handle(request, segments);
  }

  private noSuchEndpoint(request: AzureRequest, reason: string): AzureResponse {
    this.unhandled.push({ method: request.method, path: request.path, reason });
    return json(404, { error: { code: 'NotFound', message: `${request.method} ${request.path}: ${reason}` } });
  }

  /** What a request was about, for the counts per resource type. */
  private kindOf(segments: string[]): string {
    const lower = segments.map((s) => s.toLowerCase());
    if (lower[0] === 'metadata') {
      return 'metadata';
    }
    if (lower[0] !== 'subscriptions') {
      return 'token';
    }
    if (lower[2] === 'providers' && lower[4] === 'locations') {
      return lower[6]?.startsWith('operation') ? 'operations' : `${segments[3]}/locations/${segments[6] ?? ''}`;
    }
    const resourcePath = parseResourcePath(`/${segments.join('/')}`);
    if (resourcePath !== undefined) {
      const type = this.types.get(typeKey(resourcePath.address))?.type ?? `${resourcePath.address.namespace}/${resourcePath.address.types.join('/')}`;
      return resourcePath.action === undefined ? type : `${type}/${resourcePath.action}`;
    }
    if (lower[2] === 'resourcegroups') {
      return lower[4] === 'resources' ? 'Microsoft.Resources/resources' : 'Microsoft.Resources/resourceGroups';
    }
    return `Microsoft.Resources/${lower[2] ?? 'subscriptions'}`;
  }
}

/** The next address of the pool that no public IP holds. */
function allocate(pool: { first: number; size: number }, store: ResourceStore): string {
  const taken = new Set(store.all().map((r) => r.body.properties?.ipAddress).filter((a) => a !== undefined));
  for (let offset = 1; offset < pool.size - 1; offset++) {
    const address = formatAddress(pool.first + offset);
    if (!taken.has(address)) {
      return address;
    }
  }
  // The pool is this Azure's regional public IP quota, refused in the words Azure uses when one is used up.
  throw new AzureError(400, 'PublicIPCountLimitReached', `Cannot create more than ${pool.size - 2} public IP addresses for this subscription in this region.`);
}

/** The namespaces of the types, each with its top-level resource types (for the provider list). */
function namespacesOf(types: ResourceType[]): { [namespace: string]: string[] } {
  const namespaces: { [namespace: string]: string[] } = { 'Microsoft.Resources': ['resourceGroups', 'subscriptions'] };
  for (const type of types) {
    const [namespace, ...rest] = type.type.split('/');
    namespaces[namespace] = [...(namespaces[namespace] ?? []), rest.join('/')];
  }
  return namespaces;
}
