/** Shared by the ImageFleet tests (test/image-fleet.test.ts, test/image-fleet-terraform.integration.test.ts). */
import { createHash } from 'crypto';
import { TerraformStack } from 'cdktf';
import { resourcesOf, synthStack } from './synth';
import { HyperVGeneration, IImage, ImageFleet, ImageFleetProps, ManagedImage, OsType } from '../../lib';

export const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
export const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
/** The next image: neither id contains the other, so each can be counted in a JSON. */
export const NEXT_IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-web-v2`;
export const FOR_EACH_TYPES = ['azurerm_windows_virtual_machine', 'azurerm_network_interface', 'azurerm_public_ip', 'azurerm_network_interface_security_group_association'];
/** The per-instance resource types a rollout replaces. */
export const INSTANCE_TYPES = { vm: 'azurerm_windows_virtual_machine', nic: 'azurerm_network_interface', pip: 'azurerm_public_ip' };

/** An ImageFleet's instance names `web0001`, `web0002`, ... from the `from`th to the `count`th (its `namePrefix` 'web'). */
export const fleetInstanceNames = (count: number, from = 1): string[] =>
  Array.from({ length: count - from + 1 }, (_, i) => `web${String(from + i).padStart(4, '0')}`);

export type FleetOverrides = Partial<Omit<ImageFleetProps, 'image'>> & { imageOsType?: OsType; imageId?: string };

export function importImage(stack: TerraformStack, osType: OsType = OsType.WINDOWS, imageId = IMAGE_ID): IImage {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osType });
}

export function synthFleet(overrides: FleetOverrides = {}) {
  let fleet: ImageFleet | undefined;
  const { imageOsType, imageId, ...props } = overrides;
  const result = synthStack((stack) => {
    fleet = new ImageFleet(stack, 'Fleet', {
      image: importImage(stack, imageOsType, imageId), count: 3, resourceGroupName: 'rg-app', namePrefix: 'web', ...props,
    });
  });
  return { ...result, fleet: fleet! };
}

/** The Azure names' suffix for an image, as Terraform computes it (`substr(sha1(id), 0, 6)`). */
export function revisionOf(imageId: string): string {
  return createHash('sha1').update(imageId, 'utf8').digest('hex').slice(0, 6);
}

export function onlyLocal(parsed: any): [string, string] {
  const entries = Object.entries(parsed.locals ?? {});
  expect(entries).toHaveLength(1);
  return entries[0] as [string, string];
}

/** The fleet's `terraform_data` with construct id `id` (its Terraform name ends with a hash), and its address. */
export function terraformData(parsed: any, id: string): { address: string; body: any } {
  const names = Object.keys(resourcesOf(parsed, 'terraform_data')).filter((n) => n.startsWith(`Fleet_${id}_`));
  expect(names).toHaveLength(1);
  return { address: `terraform_data.${names[0]}`, body: parsed.resource.terraform_data[names[0]] };
}

/** The value expression of the output named `name` (with `outputPrefix: 'fleet'`, `fleet_urls` and so on). */
export function outputValue(parsed: any, name: string): string {
  expect(Object.keys(parsed.output ?? {})).toContain(name);
  return parsed.output[name].value;
}
