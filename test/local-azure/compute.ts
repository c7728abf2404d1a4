/**
 * Microsoft.Compute: VMs with their OS disks and instance views, managed disks, and the marketplace's
 * platform image versions (Microsoft Learn, "Compute REST API"; scale sets: scale-sets.ts). PUT and DELETE are
 * long-running operations.
 * - A VM made from an image gets an OS disk of its own, a `Microsoft.Compute/disks` resource named
 *   `<vm>_OsDisk_1_<32 hex digits>` unless the PUT names it, attached to the VM (`managedBy`), and shown in the VM's
 *   `storageProfile.osDisk.managedDisk.id`. Deleting the VM keeps the disk, detached, unless the disk's `deleteOption`
 *   is `Delete` ("Specifies whether OS Disk should be deleted or detached upon VM deletion ... The default value is set
 *   to Detach", OSDisk.deleteOption in the Compute REST API's VirtualMachines reference); azurerm deletes it itself.
 *   Likewise its NICs: detached (no longer showing the VM) unless the reference's `deleteOption` is `Delete`
 *   (NetworkInterfaceReference.deleteOption, "Specify what happens to the network interface when the VM is deleted",
 *   Delete or Detach; `az vm create --nic-delete-option Delete` sets it), and a disk or NIC a VM uses is not deleted on
 *   its own (in-use.ts).
 * - A new VM whose OS disk name is taken by a disk in the group is refused: 409 `ConflictingUserInput`, "Disk {name}
 *   already exists in resource group {GROUP}. Only CreateOption.Attach is supported." (reported from Azure in
 *   terraform-provider-azurerm issue 15513; the group's name in upper case as Azure writes it there): a name clash
 *   between a VM's disk and another disk, which a VM of another name can cause.
 * - Azure never returns what a PUT sends as secret or one-off: `osProfile.adminPassword` and `osProfile.customData`
 *   (Microsoft Learn, "Custom data and cloud-init on Azure Virtual Machines": "custom data ... isn't available to
 *   retrieve"), and `userData` only with `$expand=userData`; and it omits an empty `additionalCapabilities` (azurerm
 *   reads an echoed `{}` as an in-place change of `hibernation_enabled`/`ultra_ssd_enabled` at every plan:
 *   ../shared/terraform/LOCAL-AZURE-NOTES.md).
 * - A new VM's security type must suit its image (galleries.ts `securityRefusal`): a Trusted Launch VM needs a Trusted
 *   Launch capable image, and a TrustedLaunch gallery definition makes only Trusted Launch VMs.
 * - The instance view (`.../instanceView`, or `$expand=instanceView`) shows the provisioning and power states
 *   (`PowerState/running`; Microsoft Learn, "States and billing status of Azure Virtual Machines").
 * - A SKU's image versions are listed in Azure's order, sorted as text, not as version numbers: azurerm's
 *   `azurerm_platform_image` takes the last one as the latest (terraform-provider-azurerm issue 31577;
 *   azure-rest-api-specs issue 30142), so `26100.4652.250708` is listed after `26100.32230.260111`.
 */
import { diskControllerRefusal } from './disk-controllers';
import { AzureError } from './errors';
import { EXTENSION_TYPE } from './extensions';
import { definitionOf, securityRefusal, versionOf } from './galleries';
import { AzureRequest, AzureResponse, Json, json } from './http';
import { normalizeLocation, parseResourceId, same } from './ids';
import { IMAGE_TYPE } from './images';
import { refuseDeletingDiskInUse } from './in-use';
import { AzureState, indexOfPlatformSku, PutContext, ResourceType } from './resource-manager';
import { runCommand } from './run-command';
import { StoredResource } from './store';
import { isGeneralized, POWER_ACTIONS, powerOf, refuseIfGeneralized, setPower } from './vm-power';

const COMPUTE = 'Microsoft.Compute';
const VIRTUAL_MACHINE = `${COMPUTE}/virtualMachines`;
const DISK = `${COMPUTE}/disks`;

/** The size of an OS disk made from an image without one: Windows Server images are 127 GiB. */
export const DEFAULT_OS_DISK_GB = 127;

/** The envelope of a tracked compute resource. */
export function trackedCompute(context: PutContext, type: string, properties: Json, extra: Json = {}): Json {
  const { body } = context;
  const optional = ['tags', 'plan', 'identity', 'zones', 'sku', 'extendedLocation'].filter((key) => body[key] !== undefined);
  return {
    id: context.id,
    name: context.name,
    type,
    location: normalizeLocation(body.location),
    ...Object.fromEntries(optional.map((key) => [key, body[key]])),
    ...extra,
    properties: { ...properties, provisioningState: 'Succeeded' },
  };
}

/** An OS profile as Azure returns it: without the password and the custom data. */
export function withoutSecrets(osProfile: Json | undefined): Json | undefined {
  if (osProfile === undefined) {
    return undefined;
  }
  const { adminPassword, customData, ...rest } = osProfile;
  return { secrets: [], ...rest };
}

/** Azure omits `additionalCapabilities` that enables nothing (what azurerm sends when none is configured). */
export function withoutEmptyCapabilities(properties: Json): Json {
  const capabilities = properties.additionalCapabilities;
  if (capabilities !== undefined && Object.keys(capabilities).length === 0) {
    const { additionalCapabilities, ...rest } = properties;
    return rest;
  }
  return properties;
}

/** The Hyper-V generation of an image reference, where this Azure knows the image. */
function generationOf(azure: AzureState, location: string, imageReference: Json | undefined): string | undefined {
  if (imageReference?.id !== undefined) {
    // A gallery version (or definition, for its latest) has its definition's generation.
    const definition = definitionOf(azure, imageReference.id);
    return (definition ?? azure.store.get(imageReference.id))?.body.properties?.hyperVGeneration;
  }
  return findPlatformImage(azure, location, imageReference?.publisher, imageReference?.offer, imageReference?.sku)?.hyperVGeneration;
}

function diskIdOf(vmId: string, diskName: string): string {
  const address = parseResourceId(vmId)!;
  return `/subscriptions/${address.subscriptionId}/resourceGroups/${address.resourceGroup}/providers/${COMPUTE}/disks/${diskName}`;
}

const virtualMachineType: ResourceType = {
  type: VIRTUAL_MACHINE,
  longRunning: true,
  creatingState: 'Creating',
  build: (context) => {
    const { body, existing, azure, id, name } = context;
    const properties = body.properties ?? {};
    const storage = properties.storageProfile ?? {};
    const requested = storage.osDisk ?? {};
    const previous = existing?.properties?.storageProfile?.osDisk;
    const diskName: string = previous?.name ?? requested.name ?? `${name}_OsDisk_1_${azure.guid().replace(/-/g, '')}`;
    const stored = existing === undefined ? undefined : azure.store.get(id);
    if (stored !== undefined) {
      refuseIfGeneralized('Update VM', stored);
    }
    const diskId = previous?.managedDisk?.id ?? diskIdOf(id, diskName);
    if (existing === undefined && azure.store.get(diskId) !== undefined) {
      const group = parseResourceId(id)!.resourceGroup.toUpperCase();
      throw new AzureError(409, 'ConflictingUserInput', `Disk ${diskName} already exists in resource group ${group}. Only CreateOption.Attach is supported.`,
        diskId);
    }
    if (existing === undefined && storage.imageReference !== undefined) {
      const generation = generationOf(azure, normalizeLocation(body.location), storage.imageReference);
      const refusal = securityRefusal(azure, storage.imageReference, properties.securityProfile?.securityType, generation)
        ?? diskControllerRefusal(azure, normalizeLocation(body.location), storage.imageReference, properties.hardwareProfile?.vmSize);
      if (refusal !== undefined) {
        throw refusal;
      }
    }
    if (existing === undefined && properties.osProfile?.customData !== undefined) {
      azure.guests.provision(id, properties.osProfile.customData);
    }
    const osDisk = {
      osType: properties.osProfile?.linuxConfiguration !== undefined ? 'Linux' : 'Windows',
      ...requested,
      name: diskName,
      createOption: requested.createOption ?? 'FromImage',
      caching: requested.caching ?? 'ReadWrite',
      managedDisk: { ...requested.managedDisk, id: diskId },
      deleteOption: requested.deleteOption ?? 'Detach',
      diskSizeGB: requested.diskSizeGB ?? previous?.diskSizeGB ?? DEFAULT_OS_DISK_GB,
    };
    return trackedCompute(context, VIRTUAL_MACHINE, withoutEmptyCapabilities({
      ...properties,
      vmId: existing?.properties?.vmId ?? azure.guid(),
      timeCreated: existing?.properties?.timeCreated ?? azure.now(),
      // An update without an image reference keeps the VM's: `az vm update` sends none ("To avoid unnecessary permission
      // check of image", azure-cli vm/custom.py `get_vm_to_update`), and the VM is still from its image afterwards.
      storageProfile: {
        ...storage,
        imageReference: storage.imageReference ?? existing?.properties?.storageProfile?.imageReference,
        osDisk,
        dataDisks: storage.dataDisks ?? [],
      },
      ...(properties.osProfile !== undefined ? { osProfile: { ...withoutSecrets(properties.osProfile), requireGuestProvisionSignal: true } } : {}),
    }));
  },
  created: (vm, azure) => {
    setPower(vm, 'running');
    const osDisk = vm.body.properties.storageProfile.osDisk;
    const imageReference = vm.body.properties.storageProfile.imageReference;
    if (imageReference?.id !== undefined) {
      // Its OS disk is made from the image: the guest starts with what the image captured.
      // A gallery definition's id means its latest version.
      azure.guests.startFromImage(vm, versionOf(azure, imageReference.id) ?? imageReference.id);
    }
    const generation = generationOf(azure, vm.body.location, imageReference);
    const sku = osDisk.managedDisk.storageAccountType ?? 'Premium_LRS';
    azure.store.put({
      id: osDisk.managedDisk.id,
      type: DISK,
      hidden: {},
      body: {
        id: osDisk.managedDisk.id,
        name: osDisk.name,
        type: DISK,
        location: vm.body.location,
        managedBy: vm.id,
        sku: { name: sku, tier: sku.startsWith('Premium') ? 'Premium' : 'Standard' },
        properties: {
          osType: osDisk.osType,
          ...(generation !== undefined ? { hyperVGeneration: generation } : {}),
          creationData: { createOption: 'FromImage', ...(imageReference !== undefined ? { imageReference: imageReferenceOfDisk(azure, vm.body.location, imageReference) } : {}) },
          diskSizeGB: osDisk.diskSizeGB,
          diskSizeBytes: osDisk.diskSizeGB * 1024 ** 3,
          encryption: { type: 'EncryptionAtRestWithPlatformKey' },
          networkAccessPolicy: 'AllowAll',
          publicNetworkAccess: 'Enabled',
          timeCreated: azure.now(),
          provisioningState: 'Succeeded',
          diskState: 'Attached',
          uniqueId: azure.guid(),
        },
      },
    });
  },
  deleting: (vm, azure) => {
    azure.guests.remove(vm.id);
    const osDisk = vm.body.properties.storageProfile.osDisk;
    const disk = azure.store.get(osDisk.managedDisk.id);
    if (disk !== undefined && osDisk.deleteOption === 'Delete') {
      azure.store.delete(disk.id);
    } else if (disk !== undefined) {
      const { managedBy, ...detached } = disk.body;
      disk.body = { ...detached, properties: { ...detached.properties, diskState: 'Unattached' } };
    }
    // A detached NIC stops showing the VM by itself (network.ts renders `virtualMachine` from the VMs that hold it).
    for (const nic of (vm.body.properties.networkProfile?.networkInterfaces ?? []) as Json[]) {
      if (nic.properties?.deleteOption === 'Delete' && typeof nic.id === 'string') {
        azure.store.delete(nic.id);
      }
    }
  },
  render: (body, { expand, azure }) => {
    const properties = { ...body.properties };
    if (!expand.some((e) => same(e, 'userData'))) {
      delete properties.userData;
    }
    // `$expand=instanceView` adds the instance view to the VM (VirtualMachines_Get's `$expand` parameter, "instanceView
    // retrieves a snapshot of the runtime properties of the virtual machine"; `az vm show -d` and `az vm
    // get-instance-view` read it there).
    const stored = azure.store.get(body.id);
    if (expand.some((e) => same(e, 'instanceView')) && stored !== undefined) {
      properties.instanceView = instanceView(stored, azure);
    }
    return { ...body, properties };
  },
  actions: {
    instanceView: { GET: (vm, _request, azure) => json(200, instanceView(vm, azure)) },
    ...POWER_ACTIONS,
    runCommand: { POST: runCommand },
  },
};

/** What a disk made from an image records of it: a managed image's id, or the platform image version's id. */
function imageReferenceOfDisk(azure: AzureState, location: string, imageReference: Json): Json {
  if (imageReference.id !== undefined) {
    return { id: imageReference.id };
  }
  const subscription = azure.subscriptions[0];
  const version = imageReference.version === 'latest'
    ? newestVersion(findPlatformImage(azure, location, imageReference.publisher, imageReference.offer, imageReference.sku)?.versions ?? [])
    : imageReference.version;
  const { publisher, offer, sku } = imageReference;
  return { id: versionId(subscription, location, publisher, offer, sku, version ?? imageReference.version) };
}

/**
 * A VM's instance view, as `az vm get-instance-view` shows it: provisioning, `OSState/generalized` once generalized,
 * then the power state (vm-power.ts); the Hyper-V generation of its OS disk (VirtualMachineInstanceView's
 * `hyperVGeneration`, which the operator's setup step compares with the image's).
 */
export function instanceView(vm: StoredResource, azure: AzureState): Json {
  const power = powerOf(vm);
  const displayStatus: { [state: string]: string } = { running: 'VM running', stopped: 'VM stopped', deallocated: 'VM deallocated' };
  const osDisk = vm.body.properties.storageProfile.osDisk;
  const time = vm.body.properties.timeCreated;
  const generation = azure.store.get(osDisk.managedDisk.id)?.body.properties?.hyperVGeneration;
  return {
    computerName: vm.body.properties.osProfile?.computerName,
    osName: osDisk.osType === 'Windows' ? 'Windows Server 2022 Datacenter' : 'Linux',
    ...(generation !== undefined ? { hyperVGeneration: generation } : {}),
    vmAgent: {
      vmAgentVersion: '2.7.41491.1102',
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'GuestAgent is running and processing the extensions.', time }],
    },
    disks: [{ name: osDisk.name, statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time }] }],
    statuses: [
      { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time },
      ...(isGeneralized(vm) ? [{ code: 'OSState/generalized', level: 'Info', displayStatus: 'VM generalized' }] : []),
      { code: `PowerState/${power}`, level: 'Info', displayStatus: displayStatus[power] },
    ],
  };
}

const diskType: ResourceType = {
  type: DISK,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, existing, azure } = context;
    const properties = body.properties ?? {};
    if (properties.creationData?.createOption === undefined) {
      throw new AzureError(400, 'InvalidParameter', "Required parameter 'creationData.createOption' is missing (null).", 'creationData.createOption');
    }
    return trackedCompute(context, DISK, {
      ...properties,
      diskSizeBytes: (properties.diskSizeGB ?? existing?.properties?.diskSizeGB ?? 0) * 1024 ** 3,
      timeCreated: existing?.properties?.timeCreated ?? azure.now(),
      diskState: existing?.properties?.diskState ?? 'Unattached',
      uniqueId: existing?.properties?.uniqueId ?? azure.guid(),
    }, existing?.managedBy !== undefined ? { managedBy: existing.managedBy } : {});
  },
  refuseDeleting: (id, _disk, azure) => refuseDeletingDiskInUse(id, azure),
};

export const COMPUTE_TYPES: ResourceType[] = [virtualMachineType, EXTENSION_TYPE, diskType, IMAGE_TYPE];

// --- the marketplace ------------------------------------------------------------------------------------------------

function findPlatformImage(azure: AzureState, location: string, publisher?: string, offer?: string, sku?: string) {
  return azure.platformImages[indexOfPlatformSku(azure.platformImages, { location, publisher, offer, sku })];
}

/** The id of a platform image version, in the case Azure writes it. */
function versionId(subscriptionId: string, location: string, publisher: string, offer: string, sku: string, version: string): string {
  return `/Subscriptions/${subscriptionId}/Providers/${COMPUTE}/Locations/${location}/Publishers/${publisher}/ArtifactTypes/VMImage/Offers/${offer}`
    + `/Skus/${sku}/Versions/${version}`;
}

/** The highest version compared as numbers, part by part (what Azure means by `latest` when it creates a VM). */
function newestVersion(versions: readonly string[]): string | undefined {
  const parts = (v: string) => v.split('.').map(Number);
  return [...versions].sort((a, b) => {
    const [x, y] = [parts(a), parts(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if ((x[i] ?? 0) !== (y[i] ?? 0)) {
        return (x[i] ?? 0) - (y[i] ?? 0);
      }
    }
    return 0;
  }).pop();
}

/**
 * `GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{location}/publishers[/{publisher}/artifacttypes/vmimage/
 * offers[/{offer}/skus[/{sku}/versions[/{version}]]]]`: the marketplace, level by level, each as `[{name, location, id}]`;
 * one version as its image (its generation and OS disk). `segments` starts after `locations/{location}`.
 */
export function marketplace(request: AzureRequest, azure: AzureState, subscriptionId: string, location: string,
  segments: string[]): AzureResponse | undefined {
  const [publishers, publisher, artifactTypes, vmImage, offers, offer, skus, sku, versions, version] = segments.map((s) => s.toLowerCase());
  if (request.method !== 'GET' || publishers !== 'publishers' || (segments.length > 2 && (artifactTypes !== 'artifacttypes' || vmImage !== 'vmimage'))) {
    return undefined;
  }
  const region = normalizeLocation(location);
  const inRegion = azure.platformImages.filter((image) => same(image.location, region));
  const base = `/Subscriptions/${subscriptionId}/Providers/${COMPUTE}/Locations/${region}/Publishers`;
  const names = (values: string[], idOf: (name: string) => string) => [...new Set(values)].sort()
    .map((name) => ({ name, location: region, id: idOf(name) }));
  const [p, o, s] = [segments[1], segments[5], segments[7]];
  if (segments.length === 1) {
    return json(200, names(inRegion.map((i) => i.publisher), (name) => `${base}/${name}`));
  }
  if (segments.length === 5 && offers === 'offers') {
    return json(200, names(inRegion.filter((i) => same(i.publisher, publisher)).map((i) => i.offer), (name) => `${base}/${p}/ArtifactTypes/VMImage/Offers/${name}`));
  }
  if (segments.length === 7 && skus === 'skus') {
    return json(200, names(inRegion.filter((i) => same(i.publisher, publisher) && same(i.offer, offer)).map((i) => i.sku),
      (name) => `${base}/${p}/ArtifactTypes/VMImage/Offers/${o}/Skus/${name}`));
  }
  const image = findPlatformImage(azure, region, publisher, offer, sku);
  if (segments.length === 9 && versions === 'versions') {
    // Azure's text order (terraform-provider-azurerm issue 31577); a SKU this Azure does not offer lists no version.
    const listed = [...(image?.versions ?? [])].sort();
    return json(200, listed.map((v) => ({ name: v, location: region, id: versionId(subscriptionId, region, p, o, s, v) })));
  }
  if (segments.length === 10 && versions === 'versions') {
    const found = image?.versions.find((v) => v === version);
    if (image === undefined || found === undefined) {
      // Compute's answer for a version it does not have.
      throw new AzureError(404, 'NotFound', 'Artifact: VMImage was not found.');
    }
    return json(200, {
      name: found,
      location: region,
      id: versionId(subscriptionId, region, p, o, s, found),
      properties: {
        hyperVGeneration: image.hyperVGeneration,
        architecture: 'x64',
        osDiskImage: { operatingSystem: 'Windows', sizeInGb: DEFAULT_OS_DISK_GB },
        dataDiskImages: [],
        imageDeprecationStatus: { imageState: 'Active' },
        ...(image.diskControllerTypes !== undefined ? { features: [{ name: 'DiskControllerTypes', value: image.diskControllerTypes }] } : {}),
      },
    });
  }
  return undefined;
}
