/*
 * Who patches Windows on the VMs of this library: nobody on their own. The build VM starts from the marketplace
 * version (Microsoft publishes a patched one every month; a new `latest` is a change that rebuilds) plus whatever
 * update steps the setup itself runs, logged; every VM made from the image is patched by the next build rolling out. This file holds those settings, written once for the build VM,
 * the fleet's VMs and the scale set, and the check of the marketplace images whose patching cannot be turned off.
 */
import { describeValue, PropsValidator } from '../validation/props-validator';

/**
 * Windows Update off and Azure's guest patching manual, on a standalone VM (`azurerm_windows_virtual_machine`).
 *
 * - Why: Windows Update on its own installs and restarts at a time of its choosing: on the build VM around the setup
 *   and Sysprep (a restart there fails the setup's smoke test or Sysprep), on a fleet VM outside any rollout, and it
 *   makes VMs of one image drift apart. The image is the unit of patching.
 * - Both settings, because Azure ties them: patch mode `Manual` needs `enableAutomaticUpdates = false` ("Manual - ...
 *   automatic updates are disabled; the property WindowsConfiguration.enableAutomaticUpdates must be false": Compute
 *   REST API, PatchSettings.patchMode, learn.microsoft.com/rest/api/compute/virtual-machines/create-or-update#patchsettings).
 *   azurerm sends `enableAutomaticUpdates = true` whenever `automatic_updates_enabled` is not set
 *   (internal/services/compute/windows_virtual_machine_resource.go:656-660 at v4.55.0), and the attribute is ForceNew
 *   (same file, line 247: Azure refuses to change it on an existing VM).
 */
export const NO_SELF_PATCHING_VM = { patchMode: 'Manual', automaticUpdatesEnabled: false } as const;

/**
 * Windows Update off on a scale set's instances (`azurerm_windows_virtual_machine_scale_set`, which has no patch mode).
 *
 * Azure refuses `enableAutomaticUpdates = true` with automatic OS image upgrade on Windows ("If this is set to true for
 * Windows based scale sets, enableAutomaticUpdates is automatically set to false and cannot be set to true": Compute
 * REST API, AutomaticOSUpgradePolicy.enableAutomaticOSUpgrade), and azurerm defaults `enable_automatic_updates` to true
 * and always sends it (internal/services/compute/windows_virtual_machine_scale_set_resource.go:1271-1275 and 294-295
 * at v4.55.0). Off without automatic OS upgrade too: the instances are patched by the next image, through the
 * health-gated rolling upgrade, like the fleet's VMs.
 */
export const NO_SELF_PATCHING_SCALE_SET = { enableAutomaticUpdates: false } as const;

/**
 * Marketplace SKUs that azurerm creates only with `patch_mode = "AutomaticByPlatform"` ("patch_mode must always be set
 * to AutomaticByPlatform when source_image_reference points to a hotpatch enabled image":
 * internal/services/compute/shared_schema.go:708-737 and windows_virtual_machine_resource.go:702-704 at v4.55.0):
 * the hotpatch images of Windows Server Azure Edition. Azure matches SKUs without regard to case; the provider's list
 * does, so a SKU in another case is caught here too.
 */
const HOTPATCH_SKUS: readonly string[] = [
  '2022-datacenter-azure-edition-core',
  '2022-datacenter-azure-edition-core-smalldisk',
  '2022-datacenter-azure-edition-hotpatch',
  '2022-datacenter-azure-edition-hotpatch-smalldisk',
  '2025-datacenter-azure-edition',
  '2025-datacenter-azure-edition-smalldisk',
  '2025-datacenter-azure-edition-core',
  '2025-datacenter-azure-edition-core-smalldisk',
];

/** A marketplace image by its parts (a `MarketplaceImage`, without importing the public construct). */
interface MarketplaceReference {
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly version: string;
  readonly urn: string;
}

/** Whether azurerm requires platform patching (`AutomaticByPlatform`) for a VM from this marketplace image. */
export function isHotpatchImage(image: MarketplaceReference): boolean {
  return image.publisher.toLowerCase() === 'microsoftwindowsserver' && image.offer.toLowerCase() === 'windowsserver'
    && HOTPATCH_SKUS.includes(image.sku.toLowerCase());
}

/**
 * Refuses a build VM image whose patching cannot be turned off: the platform would patch and restart the build VM on
 * its own schedule, during the setup or Sysprep.
 */
export function checkBuildImagePatching(validator: PropsValidator, prop: string, image: MarketplaceReference): void {
  if (isHotpatchImage(image)) {
    validator.fail(prop, image.urn, 'is a hotpatch image: azurerm creates VMs from it only with patch_mode AutomaticByPlatform, where Azure patches and restarts the build VM on its own schedule, during the setup or Sysprep (the build VM is patched by the setup\'s own steps, patch mode Manual)',
      `build from the same release without hotpatch, e.g. ${describeValue(`MicrosoftWindowsServer:WindowsServer:${image.sku.toLowerCase().startsWith('2025') ? '2025-datacenter-g2' : '2022-datacenter-g2'}:${image.version}`)} (Windows Server Datacenter, Gen2), or '2022-datacenter-azure-edition' (Azure Edition without hotpatch)`);
  }
}
