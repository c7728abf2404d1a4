/** The constructs with security props given as tokens, shared by test/security-token-input*.test.ts. */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { resourcesOf } from './synth';
import {
  GoldenVm, GoldenVmProps, HyperVGeneration, ImageFleet, ImageFleetProps, ImageScaleSet, ImageScaleSetProps, ManagedImage, MarketplaceImage,
  WindowsSetup,
} from '../../lib';

export const IMAGE_ID = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden';

// --- builders -------------------------------------------------------------------------------------------------------

export type Builder = (stack: TerraformStack, props: { adminPassword?: string; managementSourceRange?: string; rdpSourceRange?: string }) => void;

export const BUILDERS: Record<'GoldenVm' | 'ImageFleet' | 'ImageScaleSet', Builder> = {
  GoldenVm: (stack, props) => new GoldenVm(stack, 'BuildVm', {
    location: 'westeurope', image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(), setup: WindowsSetup.iisAspNet(), ...props as Partial<GoldenVmProps>,
  }),
  ImageFleet: (stack, props) => new ImageFleet(stack, 'Fleet', {
    image: managedImage(stack), count: 2, namePrefix: 'web', resourceGroupName: 'rg-fleet', ...props as Partial<ImageFleetProps>,
  }),
  ImageScaleSet: (stack, props) => new ImageScaleSet(stack, 'Web', {
    image: managedImage(stack), count: 2, namePrefix: 'web', resourceGroupName: 'rg-web', ...props as Partial<ImageScaleSetProps>,
  }),
};

function managedImage(stack: TerraformStack) {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
}

/** Where each construct checks a password token: the resource that uses it, once (a fleet: the one its VMs follow). */
export const PASSWORD_CHECKED_ON: Record<keyof typeof BUILDERS, string> = {
  GoldenVm: 'azurerm_windows_virtual_machine',
  ImageFleet: 'terraform_data',
  ImageScaleSet: 'azurerm_windows_virtual_machine_scale_set',
};

export function variable(stack: TerraformStack, name: string, options: { sensitive?: boolean; default?: string } = {}): string {
  return new TerraformVariable(stack, name, { type: 'string', ...options }).stringValue;
}

// --- refused: secrets from variables that would leak -----------------------------------------------------------------

export interface PreconditionJson {
  readonly condition: string;
  readonly error_message: string;
}

export function preconditionsOf(resource: any): PreconditionJson[] {
  return resource?.lifecycle?.precondition ?? [];
}

/** The one resource of `type` in the synthesized stack that has preconditions. */
export function checkedResource(json: string, type: string): any {
  const checked = Object.values(resourcesOf(JSON.parse(json), type)).filter((r: any) => preconditionsOf(r).length > 0);
  expect(checked).toHaveLength(1);
  return checked[0];
}

