/**
 * The seed's whole story as one CDKTF app:
 *   1. a Gen2 Windows Server 2022 Datacenter Core build VM with IIS, ASP.NET 4.x and a page that shows the VM's own
 *      name, smoke-tested in the guest before anything is imaged;
 *   2. generalized (Sysprep, deallocate, generalize) and captured into a V2 managed image;
 *   3. copied into an images resource group (images outlive apps);
 *   4. a fleet of 3 web servers from the copy, in an app resource group, each answering with its own name.
 *
 * Synthesize (offline, from the repository root):   npx cdktf synth
 * Deploy (needs Terraform, bash, curl, the Azure CLI logged in with `az login`, and a subscription):
 *   npx cdktf deploy golden-image
 * Destroy everything it created:   npx cdktf destroy golden-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GeneralizedImage, GoldenVm, ImageCopy, ImageFleet, MarketplaceImage, WindowsSetup } from '../../lib';

export interface GoldenImageStackProps {
  /** Azure region of every resource. */
  readonly location: string;
  /** Number of web servers in the fleet. */
  readonly fleetCount: number;
}

export class GoldenImageStack extends TerraformStack {
  public readonly buildVm: GoldenVm;
  public readonly image: GeneralizedImage;
  public readonly imageCopy: ImageCopy;
  public readonly fleet: ImageFleet;

  constructor(scope: Construct, id: string, props: GoldenImageStackProps) {
    super(scope, id);
    // State next to the stack's JSON, by a relative path: the synthesized JSON is the same on every machine.
    new LocalBackend(this, { path: 'terraform.tfstate' });
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

    // 4. The fleet, in the app resource group: web001, web002, web003, each with a public IP and port 80 open.
    const appGroup = new ResourceGroup(this, 'AppResourceGroup', { name: 'rg-golden-app', location: props.location });
    this.fleet = new ImageFleet(this, 'Fleet', {
      image: this.imageCopy,
      count: props.fleetCount,
      resourceGroupName: appGroup.name,
      namePrefix: 'web',
      verifyUrls: true,
    });

    new TerraformOutput(this, 'image_id', { value: this.imageCopy.imageId, description: 'The golden image in rg-golden-images.' });
    new TerraformOutput(this, 'fleet_urls', { value: this.fleet.urls, description: 'Open these in a browser: each page shows its VM\'s name.' });
    new TerraformOutput(this, 'fleet_public_ips', { value: this.fleet.publicIpAddresses });
  }
}

export interface BuildAppOptions {
  /** Number of web servers (the seed's `--count 3`). */
  readonly fleetCount?: number;
}

export function buildApp(app: App = new App(), options: BuildAppOptions = {}): App {
  new GoldenImageStack(app, 'golden-image', { location: 'westeurope', fleetCount: options.fleetCount ?? 3 });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
