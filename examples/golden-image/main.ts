/**
 * The seed's whole story as one CDKTF app, in two stacks because images live longer than apps:
 *
 * `golden-image` (kept):
 *   1. a Gen2 Windows Server 2022 Datacenter Core build VM with IIS, ASP.NET 4.x and a page that shows the VM's own
 *      name, smoke-tested in the guest before anything is imaged;
 *   2. generalized (Sysprep, deallocate, generalize) and captured into a V2 managed image;
 *   3. copied into an images resource group.
 * `golden-fleet` (redeployed, or destroyed, on its own schedule):
 *   4. a fleet of 3 web servers from the copy, each answering with its own name; a new image rolls out new VMs
 *      before the old ones go.
 *
 * The fleet stack reads the image id from the image stack's state (a cross-stack reference), so cdktf deploys the
 * image stack first, and destroying the fleet never touches the image.
 *
 * Synthesize (offline, from the repository root):   npx cdktf synth
 * Deploy (needs Terraform, bash, curl, the Azure CLI logged in with `az login`, and a subscription):
 *   npx cdktf deploy golden-image golden-fleet
 * Destroy:   npx cdktf destroy golden-fleet golden-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GeneralizedImage, GoldenVm, IImage, ImageCopy, ImageFleet, ManagedImage, MarketplaceImage, WindowsSetup } from '../../lib';

/** Terraform state next to each stack's JSON, by a path valid from every stack directory (the fleet reads the image's). */
function stateBackend(stack: TerraformStack, id: string): void {
  new LocalBackend(stack, { path: `../${id}/terraform.tfstate` });
}

export interface GoldenImageStackProps {
  /** Azure region of every resource. */
  readonly location: string;
}

/** Build VM, generalized image and its kept copy in rg-golden-images. */
export class GoldenImageStack extends TerraformStack {
  public readonly buildVm: GoldenVm;
  public readonly image: GeneralizedImage;
  public readonly imageCopy: ImageCopy;

  constructor(scope: Construct, id: string, props: GoldenImageStackProps) {
    super(scope, id);
    stateBackend(this, id);
    // Subscription and credentials come from `az login` or the ARM_* environment variables.
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // 1. The build VM, in its own resource group (rg-vm-golden-build).
    this.buildVm = new GoldenVm(this, 'BuildVm', {
      location: props.location,
      vmName: 'vm-golden-build',
      computerName: 'golden-build',
      image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'),
      setup: WindowsSetup.iisAspNet({ pageTitle: 'Golden image web server' }),
    });

    // 2. Sysprep + deallocate + generalize, then the managed image (Hyper-V generation V2, from the VM).
    this.image = new GeneralizedImage(this, 'Image', { vm: this.buildVm, imageName: 'img-golden-web' });

    // 3. An independent copy in the images resource group: it keeps working after rg-vm-golden-build is deleted.
    const imagesGroup = new ResourceGroup(this, 'ImagesResourceGroup', { name: 'rg-golden-images', location: props.location });
    this.imageCopy = new ImageCopy(this, 'ImageCopy', { source: this.image, resourceGroupName: imagesGroup.name, imageName: 'img-golden-web' });

    new TerraformOutput(this, 'image_id', { value: this.imageCopy.imageId, description: 'The golden image in rg-golden-images.' });
  }
}

export interface GoldenFleetStackProps {
  /** The image, from the image stack. */
  readonly image: IImage;
  /** Number of web servers. */
  readonly count: number;
}

/** The web servers, in rg-golden-app. */
export class GoldenFleetStack extends TerraformStack {
  public readonly fleet: ImageFleet;

  constructor(scope: Construct, id: string, props: GoldenFleetStackProps) {
    super(scope, id);
    stateBackend(this, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // Only the image id crosses the stack boundary (cdktf makes it an output there and a terraform_remote_state here).
    const image = ManagedImage.fromImageId(this, 'GoldenImage', {
      imageId: props.image.imageId,
      location: props.image.location,
      hyperVGeneration: props.image.hyperVGeneration,
    });

    // 4. web0001, web0002, web0003: each with a public IP and port 80 open, RDP and WinRM closed. The /20 subnet holds
    // up to 4091 VMs, room for a fleet and its replacement during an image rollout.
    const appGroup = new ResourceGroup(this, 'AppResourceGroup', { name: 'rg-golden-app', location: image.location });
    this.fleet = new ImageFleet(this, 'Fleet', {
      image,
      count: props.count,
      resourceGroupName: appGroup.name,
      namePrefix: 'web',
      addressSpace: '10.1.0.0/16',
      subnetPrefix: '10.1.0.0/20',
      verifyUrls: true,
    });

    new TerraformOutput(this, 'fleet_urls', { value: this.fleet.urls, description: 'Open these in a browser: each page shows its VM\'s name.' });
    new TerraformOutput(this, 'fleet_public_ips', { value: this.fleet.publicIpAddresses });
  }
}

export interface BuildAppOptions {
  /** Number of web servers (the seed's `--count 3`). */
  readonly fleetCount?: number;
}

export function buildApp(app: App = new App(), options: BuildAppOptions = {}): App {
  const images = new GoldenImageStack(app, 'golden-image', { location: 'westeurope' });
  new GoldenFleetStack(app, 'golden-fleet', { image: images.imageCopy, count: options.fleetCount ?? 3 });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
