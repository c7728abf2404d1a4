/**
 * Managed images (`Microsoft.Compute/images`, the Compute REST API's Images operations; `az image create`,
 * `azurerm_image`): PUT (long-running), GET, DELETE, and the group's list (`az image list -g`, resource-manager.ts).
 * An image captured from a VM (`properties.sourceVirtualMachine.id`) takes its OS disk from the VM's: Azure fills
 * `storageProfile.osDisk` (`osState: Generalized`, the disk's id, type, caching and size) and the Hyper-V generation
 * the PUT names, else the source disk's ("if the source is managed resource like disk or snapshot, we may require the
 * user to specify the property if we cannot deduce it from the source managed resource": ImageProperties.
 * hyperVGeneration in the Images reference), else V1. Azure's rules for that capture, each 409 `OperationNotAllowed`:
 * - the VM must be generalized: "The operation 'Create Image' requires the Virtual Machine '{name}' to be
 *   Generalized." (Azure's answer, quoted in terraform-provider-azurerm issue 7209 and ansible/ansible issue 37158);
 * - and not Trusted Launch: "Creation of managed images are not supported for virtual machine with TrustedLaunch
 *   security type." (quoted in hashicorp/packer issue 13189 and taskcluster/community-tc-config issue 936; Microsoft
 *   Learn, "Create a legacy managed image of a generalized VM in Azure": Trusted Launch needs a gallery);
 * - a source VM that does not exist: 404 `NotFound` (Compute's answer for a missing resource it is pointed at).
 * An image from a managed disk (`storageProfile.osDisk.managedDisk.id`, what ImageCopy captures) is stored as sent.
 * Either way the image keeps what the disk holds when it is made: the guest's C: drive of the VM whose OS disk it is
 * (run-command.ts, `Guests.capture`), which every VM made from the image starts with (compute.ts).
 */
import { AzureError } from './errors';
import { Json } from './http';
import { normalizeLocation, parseResourceId } from './ids';
import { AzureState, PutContext, ResourceType } from './resource-manager';
import { StoredResource } from './store';
import { isGeneralized } from './vm-power';

const IMAGE = 'Microsoft.Compute/images';

function captureRefused(message: string): AzureError {
  return new AzureError(409, 'OperationNotAllowed', message);
}

/** The source VM, checked against Azure's rules for a capture. */
function sourceVm(azure: AzureState, id: string): StoredResource {
  const vm = parseResourceId(id) === undefined ? undefined : azure.store.get(id);
  if (vm === undefined || vm.type !== 'Microsoft.Compute/virtualMachines') {
    throw new AzureError(404, 'NotFound', `The entity was not found in this Azure location. Source virtual machine '${id}'.`);
  }
  if (vm.body.properties?.securityProfile?.securityType === 'TrustedLaunch') {
    throw captureRefused('Creation of managed images are not supported for virtual machine with TrustedLaunch security type.');
  }
  if (!isGeneralized(vm)) {
    throw captureRefused(`The operation 'Create Image' requires the Virtual Machine '${vm.body.name}' to be Generalized.`);
  }
  return vm;
}

/** The storage profile Azure records for an image of `vm`: its OS disk, generalized. */
function storageProfileOf(azure: AzureState, vm: StoredResource, zoneResilient: boolean | undefined): Json {
  const osDisk = vm.body.properties.storageProfile.osDisk;
  const disk = azure.store.get(osDisk.managedDisk.id);
  return {
    osDisk: {
      osType: osDisk.osType,
      osState: 'Generalized',
      managedDisk: { id: osDisk.managedDisk.id },
      caching: osDisk.caching,
      storageAccountType: disk?.body.sku?.name ?? osDisk.managedDisk.storageAccountType,
      diskSizeGB: osDisk.diskSizeGB,
    },
    dataDisks: [],
    zoneResilient: zoneResilient ?? false,
  };
}

function build(context: PutContext): Json {
  const { body, existing, azure, id, name } = context;
  const properties = body.properties ?? {};
  const sourceId: string | undefined = properties.sourceVirtualMachine?.id;
  let storageProfile: Json = properties.storageProfile ?? {};
  let generation: string | undefined = properties.hyperVGeneration;
  if (sourceId !== undefined && existing === undefined) {
    const vm = sourceVm(azure, sourceId);
    storageProfile = storageProfileOf(azure, vm, properties.storageProfile?.zoneResilient);
    generation ??= azure.store.get(vm.body.properties.storageProfile.osDisk.managedDisk.id)?.body.properties?.hyperVGeneration;
    azure.guests.capture(id, vm.id);
  } else if (existing === undefined) {
    const owner = vmWithOsDisk(azure, storageProfile.osDisk?.managedDisk?.id);
    if (owner !== undefined) {
      azure.guests.capture(id, owner.id);
    }
  } else {
    storageProfile = existing.properties.storageProfile;
    generation = existing.properties.hyperVGeneration;
  }
  return {
    id,
    name,
    type: IMAGE,
    location: normalizeLocation(body.location),
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    properties: {
      ...(sourceId !== undefined ? { sourceVirtualMachine: { id: sourceId } } : {}),
      storageProfile,
      hyperVGeneration: generation ?? 'V1',
      provisioningState: 'Succeeded',
    },
  };
}

/** The VM whose OS disk `diskId` is, if any. */
function vmWithOsDisk(azure: AzureState, diskId: string | undefined): StoredResource | undefined {
  return diskId === undefined ? undefined : azure.store.all().find((r) => r.type === 'Microsoft.Compute/virtualMachines'
    && r.body.properties?.storageProfile?.osDisk?.managedDisk?.id?.toLowerCase() === diskId.toLowerCase());
}

export const IMAGE_TYPE: ResourceType = {
  type: IMAGE,
  longRunning: true,
  creatingState: 'Creating',
  build,
  deleting: (image, azure) => azure.guests.forget(image.id),
};
