/**
 * Images live longer than apps: one stack bakes and keeps the image, another deploys (and redeploys, or destroys)
 * the fleet from it. The fleet stack reads the image id from the image stack's state, so destroying the fleet never
 * touches the image, and a new fleet needs no rebuild.
 *
 * Synthesize (offline, from the repository root):
 *   npx cdktf synth --app "npx tsx examples/two-stacks/main.ts"
 * Deploy both, image first (cdktf orders them by their cross-stack reference):
 *   npx cdktf deploy --app "npx tsx examples/two-stacks/main.ts" golden-images web-fleet
 * Destroy only the app:
 *   npx cdktf destroy --app "npx tsx examples/two-stacks/main.ts" web-fleet
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GeneralizedImage, GoldenVm, IImage, ImageCopy, ImageFleet, ManagedImage, MarketplaceImage, WindowsSetup } from '../../lib';

const LOCATION = 'westeurope';

/** The build VM, its image and the kept copy in rg-golden-images. */
export class GoldenImagesStack extends TerraformStack {
  public readonly imageCopy: ImageCopy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // `../<stack>/` keeps the path valid from both stack directories: the fleet stack reads this state.
    new LocalBackend(this, { path: `../${id}/terraform.tfstate` });
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    const buildVm = new GoldenVm(this, 'BuildVm', {
      location: LOCATION,
      vmName: 'vm-golden-build',
      computerName: 'golden-build',
      image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
      setup: WindowsSetup.iisAspNet(),
    });
    const image = new GeneralizedImage(this, 'Image', { vm: buildVm, imageName: 'img-golden-web' });
    const imagesGroup = new ResourceGroup(this, 'ImagesResourceGroup', { name: 'rg-golden-images', location: LOCATION });
    this.imageCopy = new ImageCopy(this, 'ImageCopy', { source: image, resourceGroupName: imagesGroup.name });
  }
}

export interface WebFleetStackProps {
  /** The image, from another stack. */
  readonly image: IImage;
}

/** A fleet from the image of another stack. */
export class WebFleetStack extends TerraformStack {
  public readonly fleet: ImageFleet;

  constructor(scope: Construct, id: string, props: WebFleetStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: `../${id}/terraform.tfstate` });
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // Only the id crosses the stack boundary (cdktf turns it into an output and a terraform_remote_state);
    // the fleet then waits on nothing of the other stack.
    const image = ManagedImage.fromImageId(this, 'GoldenImage', {
      imageId: props.image.imageId,
      location: props.image.location,
      hyperVGeneration: props.image.hyperVGeneration,
    });
    const appGroup = new ResourceGroup(this, 'AppResourceGroup', { name: 'rg-golden-app', location: LOCATION });
    this.fleet = new ImageFleet(this, 'Fleet', { image, count: 3, resourceGroupName: appGroup.name, namePrefix: 'web', verifyUrls: true });
    new TerraformOutput(this, 'fleet_urls', { value: this.fleet.urls });
  }
}

export function buildApp(app: App = new App()): App {
  const images = new GoldenImagesStack(app, 'golden-images');
  new WebFleetStack(app, 'web-fleet', { image: images.imageCopy });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
