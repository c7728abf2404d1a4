/**
 * An app that passes the library's images across stacks as objects, as cdktf users do: an `images` stack with a
 * managed-image build and its copy, and a Trusted Launch build published to a gallery; a `consumers` stack whose
 * fleets, scale set and copy take those objects directly (cdktf turns each reference into an output there and a
 * `terraform_remote_state` here). Validated by real Terraform in test/terraform-validate.integration.test.ts, which refuses a
 * remote-state attribute in `depends_on`.
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { galleryImageVersionProps } from './builders';
import { goldenVmProps } from './constructs';
import { FleetRollout, GalleryImageVersion, GeneralizedImage, GoldenVm, ImageCopy, ImageFleet, ImageScaleSet } from '../../lib';

export const CROSS_STACK_APP_STACKS = ['images', 'consumers'];

export function buildCrossStackApp(app: App): App {
  const images = new TerraformStack(app, 'images');
  new AzurermProvider(images, 'azurerm', { features: [{}] });
  const vm = new GoldenVm(images, 'BuildVm', goldenVmProps({ vmName: 'vm-managed', computerName: 'managed01' }));
  const build = new GeneralizedImage(images, 'Image', { vm, imageName: 'img-golden' });
  const copy = new ImageCopy(images, 'Copy', { source: build, resourceGroupName: 'rg-images' });
  const version = new GalleryImageVersion(images, 'Version', galleryImageVersionProps(new Construct(images, 'Gallery')));

  const consumers = new TerraformStack(app, 'consumers');
  new AzurermProvider(consumers, 'azurerm', { features: [{}] });
  new ImageFleet(consumers, 'Web', { image: copy, count: 2, namePrefix: 'web', resourceGroupName: 'rg-web' });
  new ImageFleet(consumers, 'Api', { image: build, count: 2, namePrefix: 'api', resourceGroupName: 'rg-api', rollout: FleetRollout.ALL_AT_ONCE });
  new ImageScaleSet(consumers, 'Set', { image: version.latest, count: 2, namePrefix: 'set', resourceGroupName: 'rg-set' });
  new ImageCopy(consumers, 'AppCopy', { source: build, resourceGroupName: 'rg-app-images', imageName: 'img-app' });
  return app;
}
