/**
 * A consumer app factored for testing: the app is built by a function (`buildApp`) that tests call with their own
 * `App`, and only the `require.main === module` tail synthesizes it. Its tests, written as a guide for consumer teams,
 * are in ./app.test.ts (snapshots, the cross-stack reference, the GoldenImageChecks errors and warnings).
 *
 * Two stacks, because images live longer than apps:
 *   `testing-images`: a build VM (IIS + ASP.NET), generalized and captured, copied into an images resource group;
 *   `testing-web`:    a fleet of 2 from the copy's image id (a cross-stack reference: cdktf makes it an output of
 *                     `testing-images` and a `terraform_remote_state` read in `testing-web`).
 *
 * Synthesize (offline, from the repository root):
 *   npx cdktf synth --app "node --require tsx/cjs examples/testing/app.ts"
 * Test (from the repository root):
 *   npx jest examples/testing
 * Deploy (needs Terraform, Node.js, the Azure CLI logged in, and a subscription):
 *   npx cdktf deploy --app "node --require tsx/cjs examples/testing/app.ts" testing-images testing-web
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import {
  GeneralizedImage, GoldenImageChecks, GoldenVm, ImageCopy, ImageFleet, ManagedImage, MarketplaceImage, WindowsSetup,
} from '../../lib';

const LOCATION = 'westeurope';

/** Options for variants of the app (tests use them; the deployed app takes the defaults). */
export interface TestingAppOptions {
  /**
   * Give the build VM a public IP (for debugging a setup). GoldenImageChecks warns about it.
   *
   * @default false
   */
  readonly buildVmPublicIp?: boolean;
}

/** The app's stacks, for tests to synthesize and inspect. */
export interface TestingAppStacks {
  readonly images: TerraformStack;
  readonly web: TerraformStack;
}

/**
 * A state file per stack, by a relative path that is valid from every stack's directory under cdktf.out/stacks
 * (the web stack reads the image stack's state through it): nothing machine-specific lands in the JSON.
 */
function localState(stack: TerraformStack, id: string): void {
  new LocalBackend(stack, { path: `../${id}/terraform.tfstate` });
}

/** Adds the image stack and the web stack to `app`, with GoldenImageChecks on both. */
export function buildApp(app: App, options: TestingAppOptions = {}): TestingAppStacks {
  // The image stack: build VM, generalized image, a copy kept in its own resource group.
  const images = new TerraformStack(app, 'testing-images');
  localState(images, 'testing-images');
  new AzurermProvider(images, 'azurerm', { features: [{}] });
  const buildGroup = new ResourceGroup(images, 'BuildResourceGroup', { name: 'rg-testing-build', location: LOCATION });
  const buildVm = new GoldenVm(images, 'BuildVm', {
    location: LOCATION,
    resourceGroupName: buildGroup.name,
    vmName: 'vm-testing-build',
    computerName: 'testing-build',
    image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
    setup: WindowsSetup.iisAspNet({ pageTitle: 'Testing example' }),
    publicIp: options.buildVmPublicIp,
  });
  const image = new GeneralizedImage(images, 'Image', { vm: buildVm, imageName: 'img-testing-web' });
  const imagesGroup = new ResourceGroup(images, 'ImagesResourceGroup', { name: 'rg-testing-images', location: LOCATION });
  const copy = new ImageCopy(images, 'ImageCopy', { source: image, resourceGroupName: imagesGroup.name });

  // The web stack: a fleet from the copy. `copy.imageId` belongs to the image stack: using it here is a cross-stack
  // reference. Location and generation are plain strings, known at synth time, so they do not cross.
  const web = new TerraformStack(app, 'testing-web');
  localState(web, 'testing-web');
  new AzurermProvider(web, 'azurerm', { features: [{}] });
  const golden = ManagedImage.fromImageId(web, 'GoldenImage', {
    imageId: copy.imageId,
    location: copy.location,
    hyperVGeneration: copy.hyperVGeneration,
  });
  const appGroup = new ResourceGroup(web, 'AppResourceGroup', { name: 'rg-testing-app', location: LOCATION });
  const fleet = new ImageFleet(web, 'Fleet', { image: golden, count: 2, resourceGroupName: appGroup.name, namePrefix: 'web' });
  new TerraformOutput(web, 'fleet_urls', { value: fleet.urls });

  // On the App: every stack, when app.synth() runs. Testing.synth(stack) runs the stack's aspects too.
  GoldenImageChecks.applyTo(app);
  return { images, web };
}

if (require.main === module) {
  // buildApp returns the stacks (for tests), so the app is kept here to synthesize it.
  const app = new App();
  buildApp(app);
  app.synth();
}
