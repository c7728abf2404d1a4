/**
 * Which disk controllers an image's Windows boots from, and Azure's refusal of a VM (or scale set) whose size attaches
 * disks through NVMe only when its image is not tagged for NVMe:
 * - The v6 and later D, E and F series are NVMe only ("NVMe overview", learn.microsoft.com/azure/virtual-machines/
 *   nvme-overview: "the older generations ... (D/Ev5 or Fv2 and older) support SCSI. The newer generations (Ebsv5,
 *   Da/Ea/Fav6 and newer) typically support only the NVMe storage interface"; the "Dsv6" size page: "only works on OS
 *   images that are tagged with NVMe support").
 * - An image is tagged by its `DiskControllerTypes` feature: a marketplace version's (Windows Server 2022 and 2025 Gen2
 *   carry `SCSI, NVMe`: "Supported OS images for remote NVMe"), a gallery definition's (azurerm's
 *   `disk_controller_type_nvme_enabled`). A managed image has no features, so it never is: a managed image captured
 *   from a v6 VM does not boot a v6 VM, a gallery definition tagged for NVMe does (MarcelMeurer/WVD-Hydra issue 26).
 * - The refusal: 400 `InvalidParameter`, target `vmSize`, "The VM size '<size>' cannot boot with OS image or disk.
 *   Please check that disk controller types supported by the OS image or disk is one of the supported disk controller
 *   types for the VM size '<size>'. Please query sku api at https://aka.ms/azure-compute-skus  to determine supported
 *   disk controller types for the VM size." (Azure's answer quoted in kubernetes-sigs/image-builder pull request 1875,
 *   openshift/installer pull request 9232 and WVD-Hydra issue 26; the two spaces before "to" are Azure's).
 */
import { AzureError } from './errors';
import { definitionOf, featureOf } from './galleries';
import { Json } from './http';
import { AzureState, indexOfPlatformSku } from './resource-manager';

/**
 * The sizes that attach disks through NVMe only: the v6 and later D, E and F series (`Standard_D2s_v6`,
 * `Standard_E4-2as_v6`), not the confidential DC and EC sizes, which run confidential VM images ("Supported OS images
 * for remote NVMe").
 */
export function isNvmeOnly(vmSize: string | undefined): boolean {
  const match = /^Standard_[DEF]\d+(-\d+)?[a-z]*_v(\d+)$/i.exec(vmSize ?? '');
  return match !== null && Number(match[2]) >= 6;
}

/** Whether an image reference's Windows boots from NVMe, as its tags say; undefined for an image this Azure does not know. */
function taggedForNvme(azure: AzureState, location: string, imageReference: Json): boolean | undefined {
  if (imageReference.id !== undefined) {
    const definition = definitionOf(azure, imageReference.id);
    if (definition !== undefined) {
      return /\bNVMe\b/i.test(featureOf(definition.body, 'DiskControllerTypes') ?? '');
    }
    // A managed image: no features.
    return azure.store.get(imageReference.id) === undefined ? undefined : false;
  }
  const image = azure.platformImages[indexOfPlatformSku(azure.platformImages, { ...imageReference, location })];
  return image === undefined ? undefined : /\bNVMe\b/i.test(image.diskControllerTypes ?? '');
}

/** Azure's refusal of `vmSize` for a VM or scale set from `imageReference`, or undefined when it may boot. */
export function diskControllerRefusal(azure: AzureState, location: string, imageReference: Json | undefined,
  vmSize: string | undefined): AzureError | undefined {
  if (imageReference === undefined || !isNvmeOnly(vmSize) || taggedForNvme(azure, location, imageReference) !== false) {
    return undefined;
  }
  return new AzureError(400, 'InvalidParameter', `The VM size '${vmSize}' cannot boot with OS image or disk. Please check that disk controller types `
    + `supported by the OS image or disk is one of the supported disk controller types for the VM size '${vmSize}'. Please query sku api at `
    + 'https://aka.ms/azure-compute-skus  to determine supported disk controller types for the VM size.', 'vmSize');
}
