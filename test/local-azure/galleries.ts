/**
 * Azure Compute Gallery (Microsoft Learn, "Compute REST API": Galleries, Gallery Images, Gallery Image Versions;
 * `azurerm_shared_image_gallery`, `azurerm_shared_image`, `az sig image-version`): galleries, their image definitions and
 * the definitions' versions. Definitions and versions are nested resources (resource-manager.ts): each has its own
 * GET, PUT and DELETE, needs its parent, and is listed by a GET of `<parent>/images` or `<definition>/versions`.
 * Every PUT and DELETE is long-running; a version's PUT goes on replicating after Azure answered (`Replications`).
 *
 * What Azure shows: a gallery's `identifier.uniqueName` (`<subscription>-<NAME>`); a definition's `hyperVGeneration`
 * (V1 unless the PUT names one: azure-cli issue 16564 shows Azure's V1 for a definition made without it) and its
 * `features`; a version's `publishingProfile` with its `targetRegions` by display name ("West Europe", as the
 * operator's gallery-version.ts expects to read), `publishedDate`, and `$expand=ReplicationStatus` adds
 * `replicationStatus` (an `aggregatedState` and a `summary` per region: "Gallery Image Versions - Get" and its
 * example GalleryImageVersion_Get_WithReplicationStatus.json in Azure/azure-rest-api-specs).
 *
 * Azure's rules held here, each where Azure checks it:
 * - a version from a VM of another Hyper-V generation than its definition: 409 `Conflict`, "The resource with id
 *   '{vm}' has a different Hypervisor generation ['V2'] than the parent gallery image Hypervisor generation ['V1']."
 *   (Azure's answer quoted in MicrosoftDocs/azure-docs issues 117462 and 118774);
 * - a version's source that does not exist: 404 `NotFound`, naming the source;
 * - a version's target regions include its own location: 400 `InvalidParameter` (the code as Compute's other
 *   publishing-profile refusals; the words are Azure's, quoted in hashicorp/packer issue 8895: "Gallery image version
 *   publishing profile regions 'northeurope' must contain the location of image version 'East US'.");
 * - each target region's replica count is 1-100 ("Store and share images in an Azure Compute Gallery", Scaling: at
 *   most 100 replicas per region; packer-plugin-azure pull request 337: "Replica count must be between 1 and 100"):
 *   400 `InvalidParameter` on `regionalReplicaCount`;
 * - a definition (or gallery) that still holds versions (or definitions) is not deleted: 409 `CannotDeleteResource`,
 *   "Cannot delete resource while nested resources exist. Some existing nested resource IDs include: '...'. Please
 *   delete all nested resources before deleting this resource." (Azure's answer quoted in jenkins-infra/azure pull
 *   request 1544; azure-sdk-for-net issue 30258);
 * - VMs from a definition whose SecurityType feature is `TrustedLaunch` must be Trusted Launch, and a Trusted Launch VM
 *   needs a Trusted Launch capable image (`securityRuleOf`, checked by compute.ts when a VM is created).
 */
import { AzureError } from './errors';
import { AzureRequest, AzureResponse, Json, json } from './http';
import { normalizeLocation, parseResourceId, same } from './ids';
import { AzureState, clone, PutContext, ResourceType } from './resource-manager';
import { StoredResource } from './store';

const GALLERY = 'Microsoft.Compute/galleries';
const DEFINITION = `${GALLERY}/images`;
const VERSION = `${DEFINITION}/versions`;
/** "Store and share images in an Azure Compute Gallery", Scaling: at most 100 replicas per region. */
export const MAX_REPLICAS_PER_REGION = 100;
/** What the versions' replicas are stored on (TargetRegion.storageAccountType in the Gallery Image Versions reference). */
const STORAGE_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];

/** Azure's display names of the regions this Azure offers, as a version's target regions and replication show them. */
const DISPLAY_NAMES: { [region: string]: string } = {
  westeurope: 'West Europe',
  northeurope: 'North Europe',
  swedencentral: 'Sweden Central',
  eastus: 'East US',
  eastus2: 'East US 2',
  westus2: 'West US 2',
  uksouth: 'UK South',
  germanywestcentral: 'Germany West Central',
};

function displayName(region: string): string {
  return DISPLAY_NAMES[normalizeLocation(region)] ?? region;
}

/** One region of a version's replication. */
interface RegionReplication {
  readonly region: string;
  state: 'Replicating' | 'Completed' | 'Failed';
  details: string;
  progress: number;
}

/** What a version's replication is, kept beside the version (its `hidden` state). */
interface Replication {
  regions: RegionReplication[];
}

/**
 * The versions' replications: each new or changed target region replicates after Azure answered the PUT, and the PUT's
 * operation runs until it ends. Replications end at once (on the event loop's next turn), unless a test holds them
 * (`hold`) to look at a version while it replicates, then lets them end (`release`) or makes a region fail (`fail`).
 */
export class Replications {
  private held = false;
  private readonly waiting: Array<() => void> = [];
  private readonly failures = new Map<string, string>();

  /** Replications started from now on stay in progress until `release`. */
  public hold(): void {
    this.held = true;
  }

  /** Ends every replication held, and lets the next ones end at once. */
  public release(): void {
    this.held = false;
    this.waiting.splice(0).forEach((end) => end());
  }

  /** The next replication to `region` fails with Azure's `details`. */
  public fail(region: string, details: string): void {
    this.failures.set(normalizeLocation(region), details);
  }

  /** Replicates the version's regions in `pending` state; resolves when done, rejects (the operation fails) when a region failed. */
  public start(version: StoredResource): Promise<Json | undefined> {
    const replication = replicationOf(version);
    const pending = replication.regions.filter((r) => r.state === 'Replicating');
    return new Promise<void>((resolve) => {
      if (this.held) {
        this.waiting.push(resolve);
      } else {
        setImmediate(resolve);
      }
    }).then(() => {
      for (const region of pending) {
        const failure = this.failures.get(normalizeLocation(region.region));
        this.failures.delete(normalizeLocation(region.region));
        Object.assign(region, failure === undefined
          ? { state: 'Completed', details: '', progress: 100 }
          : { state: 'Failed', details: failure, progress: 0 });
      }
      const failed = replication.regions.filter((r) => r.state === 'Failed');
      if (failed.length > 0) {
        // A region that failed fails the version's operation with its reason (the operator reads it per region).
        throw new AzureError(500, 'ReplicationFailed', `Replication failed in ${failed.map((r) => `${displayName(r.region)}: ${r.details}`).join('; ')}`);
      }
      return undefined;
    });
  }
}

function replicationOf(version: StoredResource): Replication {
  return version.hidden.replication as Replication;
}

/** Refuses to delete a resource while resources nested in it exist (a gallery's definitions, a definition's versions). */
function refuseWhileNested(resource: StoredResource, azure: AzureState): void {
  const prefix = `${resource.id.toLowerCase()}/`;
  const nested = azure.store.all().filter((r) => r.id.toLowerCase().startsWith(prefix));
  if (nested.length > 0) {
    const ids = nested.map((r) => {
      const address = parseResourceId(r.id)!;
      return `${address.namespace}/${address.types.map((type, i) => `${type}/${address.names[i]}`).join('/')}`;
    });
    throw new AzureError(409, 'CannotDeleteResource', 'Cannot delete resource while nested resources exist. Some existing nested resource IDs include: '
      + `'${ids.join(', ')}'. Please delete all nested resources before deleting this resource.`);
  }
}

/** The envelope Azure writes for a gallery resource. */
function envelope(context: PutContext, type: string, properties: Json): Json {
  const { body, id, name } = context;
  return {
    id,
    name,
    type,
    location: normalizeLocation(body.location),
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    properties: { ...properties, provisioningState: 'Succeeded' },
  };
}

/** A GET of `<parent id>/<collection>`: the nested resources of one type directly under the parent, as `{"value": [...]}`. */
function listNested(type: string) {
  return (parent: StoredResource, _request: AzureRequest, azure: AzureState): AzureResponse => {
    const prefix = `${parent.id.toLowerCase()}/`;
    const depth = parent.id.split('/').length + 2;
    const value = azure.store.all()
      .filter((r) => same(r.type, type) && r.id.toLowerCase().startsWith(prefix) && r.id.split('/').length === depth)
      .map((r) => renderVersionOrClone(r, azure));
    return json(200, { value });
  };
}

function renderVersionOrClone(resource: StoredResource, azure: AzureState): Json {
  return same(resource.type, VERSION) ? renderVersion(clone(resource.body), { expand: [], azure }) : clone(resource.body);
}

const galleryType: ResourceType = {
  type: GALLERY,
  longRunning: true,
  creatingState: 'Creating',
  build: (context) => {
    const properties = context.body.properties ?? {};
    return envelope(context, GALLERY, {
      ...(properties.description !== undefined ? { description: properties.description } : {}),
      identifier: { uniqueName: `${context.address.subscriptionId}-${context.name.toUpperCase()}` },
      ...(properties.sharingProfile !== undefined ? { sharingProfile: properties.sharingProfile } : {}),
    });
  },
  deleting: refuseWhileNested,
  actions: { images: { GET: listNested(DEFINITION) } },
};

/** The value of a definition's feature, e.g. `SecurityType`. */
export function featureOf(definition: Json, name: string): string | undefined {
  const features: Json[] = definition.properties?.features ?? [];
  return features.find((f) => same(f.name, name))?.value;
}

const definitionType: ResourceType = {
  type: DEFINITION,
  nested: true,
  longRunning: true,
  creatingState: 'Creating',
  build: (context) => {
    const properties = context.body.properties ?? {};
    for (const required of ['osType', 'osState', 'identifier']) {
      if (properties[required] === undefined) {
        throw new AzureError(400, 'InvalidParameter', `Required parameter '${required}' is missing (null).`, `galleryImage.properties.${required}`);
      }
    }
    return envelope(context, DEFINITION, { ...properties, hyperVGeneration: properties.hyperVGeneration ?? 'V1' });
  },
  deleting: refuseWhileNested,
  actions: { versions: { GET: listNested(VERSION) } },
};

/** The definition a version (or definition) id names, or undefined. */
export function definitionOf(azure: AzureState, id: string): StoredResource | undefined {
  const address = parseResourceId(id);
  if (address === undefined || !same(address.namespace, 'Microsoft.Compute') || !same(address.types[0], 'galleries') || address.types.length < 2) {
    return undefined;
  }
  const definitionId = `/subscriptions/${address.subscriptionId}/resourceGroups/${address.resourceGroup}/providers/Microsoft.Compute/galleries/`
    + `${address.names[0]}/images/${address.names[1]}`;
  return azure.store.get(definitionId);
}

/**
 * The version an image reference names: a version id as it is, a definition id its latest version, the highest that is
 * not excluded from latest ("Store and share images in an Azure Compute Gallery": VMs from the definition get "the
 * latest image version"; `excludeFromLatest`: "If set to true, Virtual Machines deployed from the latest version of the
 * Image Definition won't use this Image Version", GalleryImageVersionPublishingProfile); undefined when there is none.
 */
export function versionOf(azure: AzureState, imageId: string): string | undefined {
  const address = parseResourceId(imageId);
  if (address === undefined || !same(address.types[0], 'galleries') || address.types.length < 2) {
    return undefined;
  }
  if (address.types.length === 3) {
    return azure.store.get(imageId)?.id;
  }
  const prefix = `${imageId.toLowerCase()}/versions/`;
  const parts = (name: string) => name.split('.').map(Number);
  const newerFirst = (a: StoredResource, b: StoredResource) => {
    const [x, y] = [parts(a.body.name), parts(b.body.name)];
    return (y[0] - x[0]) || (y[1] - x[1]) || (y[2] - x[2]);
  };
  return azure.store.all().filter((r) => same(r.type, VERSION) && r.id.toLowerCase().startsWith(prefix)
    && r.body.properties.publishingProfile.excludeFromLatest !== true).sort(newerFirst)[0]?.id;
}

/** The source of a new version: a VM (`virtualMachineId`) or an image (`id`), which must exist. */
function sourceOf(context: PutContext): { id: string; resource: StoredResource } {
  const source = context.body.properties?.storageProfile?.source ?? {};
  const id: string | undefined = source.virtualMachineId ?? source.id;
  if (id === undefined) {
    throw new AzureError(400, 'InvalidParameter', 'Required parameter \'storageProfile.source\' is missing (null).', 'galleryImageVersion.properties.storageProfile');
  }
  const resource = context.azure.store.get(id);
  if (resource === undefined) {
    throw new AzureError(404, 'NotFound', `The entity was not found in this Azure location. Source '${id}'.`);
  }
  return { id, resource };
}

/** The Hyper-V generation of a version's source: a VM's OS disk's, an image's or another version's definition's. */
function generationOfSource(azure: AzureState, source: StoredResource): string | undefined {
  if (same(source.type, 'Microsoft.Compute/virtualMachines')) {
    return azure.store.get(source.body.properties.storageProfile.osDisk.managedDisk.id)?.body.properties?.hyperVGeneration;
  }
  if (same(source.type, VERSION)) {
    return definitionOf(azure, source.id)?.body.properties.hyperVGeneration;
  }
  return source.body.properties?.hyperVGeneration;
}

/** The target regions as Azure stores them, each checked: a replica count of 1-100, a storage type it knows. */
function targetRegionsOf(profile: Json, location: string): Json[] {
  const requested: Json[] = profile.targetRegions ?? [{ name: location }];
  if (!requested.some((region) => same(normalizeLocation(region.name ?? ''), normalizeLocation(location)))) {
    throw new AzureError(400, 'InvalidParameter', `Gallery image version publishing profile regions '${requested.map((r) => r.name).join(', ')}' must contain `
      + `the location of image version '${location}'.`, 'galleryImageVersion.properties.publishingProfile.targetRegions');
  }
  return requested.map((region, index) => {
    const count = region.regionalReplicaCount ?? profile.replicaCount ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS_PER_REGION) {
      throw new AzureError(400, 'InvalidParameter', `The value ${count} of parameter 'regionalReplicaCount' is out of range. The value must be between 1 and `
        + `${MAX_REPLICAS_PER_REGION}, inclusive.`, `galleryImageVersion.properties.publishingProfile.targetRegions[${index}].regionalReplicaCount`);
    }
    // Compared without regard to case, stored in Azure's case: az 2.74 sends `standard_lrs` as its validator wants it
    // (azure-cli issue 33880: the validator takes lower case only, and Azure accepts what it sends).
    const requestedType = region.storageAccountType ?? profile.storageAccountType ?? 'Standard_LRS';
    const storageAccountType = STORAGE_TYPES.find((t) => same(t, requestedType)) ?? requestedType;
    if (!STORAGE_TYPES.includes(storageAccountType)) {
      throw new AzureError(400, 'InvalidParameter', `The value '${storageAccountType}' of parameter 'storageAccountType' is not allowed. Allowed values are `
        + `${STORAGE_TYPES.join(', ')}.`, `galleryImageVersion.properties.publishingProfile.targetRegions[${index}].storageAccountType`);
    }
    return { name: displayName(region.name), regionalReplicaCount: count, storageAccountType };
  });
}

/** The regions of a replication after a PUT: those new or changed replicate again, the others keep their state. */
function replicationAfter(previous: Replication | undefined, before: Json[], after: Json[]): Replication {
  return {
    regions: after.map((target) => {
      const kept = previous?.regions.find((r) => same(displayName(r.region), target.name));
      const old = before.find((t) => same(t.name, target.name));
      const unchanged = kept !== undefined && old !== undefined && old.regionalReplicaCount === target.regionalReplicaCount
        && old.storageAccountType === target.storageAccountType && kept.state !== 'Failed';
      return unchanged ? kept : { region: normalizeLocation(target.name), state: 'Replicating', details: '', progress: 0 };
    }),
  };
}

const versionType: ResourceType = {
  type: VERSION,
  nested: true,
  longRunning: true,
  creatingState: 'Creating',
  build: (context) => {
    const { body, existing, azure, id } = context;
    const properties = body.properties ?? {};
    const definition = definitionOf(azure, id)!;
    const profile = properties.publishingProfile ?? {};
    const targetRegions = targetRegionsOf(profile, body.location);
    let storageProfile: Json;
    if (existing === undefined) {
      const source = sourceOf(context);
      const generation = generationOfSource(azure, source.resource) ?? 'V1';
      const wanted = definition.body.properties.hyperVGeneration;
      if (generation !== wanted) {
        throw new AzureError(409, 'Conflict', `The resource with id '${source.id}' has a different Hypervisor generation ['${generation}'] than the parent `
          + `gallery image Hypervisor generation ['${wanted}'].`);
      }
      // The version holds the VM's disk as it is now: the guest of a VM made from it starts with that drive.
      azure.guests.capture(id, source.id);
      const osDiskGb = source.resource.body.properties?.storageProfile?.osDisk?.diskSizeGB ?? 127;
      storageProfile = {
        source: properties.storageProfile.source,
        osDiskImage: { sizeInGB: osDiskGb, hostCaching: 'ReadWrite' },
        dataDiskImages: [],
      };
    } else {
      storageProfile = existing.properties.storageProfile;
    }
    return envelope(context, VERSION, {
      publishingProfile: {
        targetRegions,
        replicaCount: profile.replicaCount ?? 1,
        excludeFromLatest: profile.excludeFromLatest ?? false,
        publishedDate: existing?.properties.publishingProfile.publishedDate ?? azure.now(),
        ...(profile.endOfLifeDate !== undefined ? { endOfLifeDate: profile.endOfLifeDate } : {}),
        storageAccountType: profile.storageAccountType ?? 'Standard_LRS',
        ...(profile.replicationMode !== undefined ? { replicationMode: profile.replicationMode } : {}),
      },
      storageProfile,
      safetyProfile: { allowDeletionOfReplicatedLocations: false, ...properties.safetyProfile, reportedForPolicyViolation: false },
    });
  },
  stored: (version, previous, azure) => {
    const before: Json[] = previous?.properties.publishingProfile.targetRegions ?? [];
    version.hidden.replication = replicationAfter(version.hidden.replication, before, version.body.properties.publishingProfile.targetRegions);
    return azure.replications.start(version);
  },
  render: (body, context) => renderVersion(body, context),
};

/** A version as a GET shows it: its provisioning state from its replication, and `$expand=ReplicationStatus`. */
function renderVersion(body: Json, { expand, azure }: { expand: string[]; azure: AzureState }): Json {
  const replication: Replication | undefined = azure.store.get(body.id)?.hidden.replication;
  if (replication === undefined) {
    return body;
  }
  const states = replication.regions.map((r) => r.state);
  const provisioningState = states.includes('Failed') ? 'Failed' : states.includes('Replicating') ? 'Creating' : 'Succeeded';
  const rendered = { ...body, properties: { ...body.properties, provisioningState } };
  if (expand.some((e) => same(e, 'ReplicationStatus'))) {
    rendered.properties.replicationStatus = {
      aggregatedState: states.includes('Failed') ? 'Failed' : states.includes('Replicating') ? 'InProgress' : 'Completed',
      summary: replication.regions.map((r) => ({ region: displayName(r.region), state: r.state, details: r.details, progress: r.progress })),
    };
  }
  return rendered;
}

export const GALLERY_TYPES: ResourceType[] = [galleryType, definitionType, versionType];

// --- what VMs from gallery images must be -------------------------------------------------------------------------

/**
 * Azure's rules for the security type of a VM from an image, as compute.ts applies them to a new VM; the refusal, or
 * undefined when the VM may be created:
 * - a definition with the SecurityType feature `TrustedLaunch` makes only Trusted Launch VMs: 400 `BadRequest`, "The
 *   provided gallery image only supports creation of VMs and VM Scale Sets with 'TrustedLaunch' security type."
 *   (Azure's answer quoted in terraform-provider-azurerm issue 23148 and kubermatic/machine-controller issue 2013);
 * - a Trusted Launch VM needs a Trusted Launch capable image, Gen2 with a TrustedLaunch or TrustedLaunchSupported
 *   definition (or a Gen2 platform image): 400 `BadRequest`, "Use of TrustedLaunch setting is not supported for the
 *   provided image. Please select Trusted Launch Supported Gen2 OS Image. For more information, see
 *   https://aka.ms/TrustedLaunch-FAQ." (Azure's answer quoted in azure-cli issues 27975 and 28005; "SecurityType can
 *   be specified only with TVM capable image (Gen2 image with TVM tags)", azure-cli issue 17599).
 */
export function securityRefusal(azure: AzureState, imageReference: Json | undefined, securityType: string | undefined,
  generation: string | undefined): AzureError | undefined {
  const definition = imageReference?.id === undefined ? undefined : definitionOf(azure, imageReference.id);
  const imageSecurity = definition === undefined ? undefined : featureOf(definition.body, 'SecurityType');
  const trustedLaunch = same(securityType, 'TrustedLaunch');
  if (same(imageSecurity, 'TrustedLaunch') && !trustedLaunch) {
    return new AzureError(400, 'BadRequest', 'The provided gallery image only supports creation of VMs and VM Scale Sets with \'TrustedLaunch\' security type.');
  }
  const capable = definition !== undefined
    ? generation === 'V2' && (same(imageSecurity, 'TrustedLaunch') || same(imageSecurity, 'TrustedLaunchSupported'))
    : generation === 'V2';
  if (trustedLaunch && !capable) {
    return new AzureError(400, 'BadRequest', 'Use of TrustedLaunch setting is not supported for the provided image. Please select Trusted Launch Supported '
      + 'Gen2 OS Image. For more information, see https://aka.ms/TrustedLaunch-FAQ.');
  }
  return undefined;
}
