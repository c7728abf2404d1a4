/**
 * The seed's whole story as one CDKTF app, in two stacks because images live longer than apps:
 *
 * `golden-image` (kept, rebuilt on every change):
 *   1. a Gen2 Windows Server 2022 Datacenter Core build VM (the newest marketplace version, resolved at plan time) with
 *      IIS, ASP.NET 4.x and a page that shows the VM's own name, smoke-tested in the guest before anything is imaged;
 *   2. generalized (Sysprep, deallocate, generalize) and captured as build `img-golden-web-<revision>`, a V2 managed
 *      image;
 *   3. copied into an images resource group as `img-golden-web-<revision>`; the newest 3 builds stay for rollback.
 * `golden-fleet` (redeployed, or destroyed, on its own schedule):
 *   4. a fleet of 3 web servers from the copy, each answering with its own name; a new build rolls out new VMs
 *      before the old ones go.
 *
 * The fleet stack reads the image id from the image stack's state (a cross-stack reference), so cdktf deploys the
 * image stack first, and destroying the fleet never touches the image.
 *
 * Synthesize (offline, from the repository root):   npx cdktf synth
 * Deploy (needs Terraform, the Azure CLI logged in with `az login`, and a subscription; Node.js runs the operator steps):
 *   npx cdktf deploy golden-image golden-fleet
 * Rebuild and roll out (a new marketplace version, a changed setup): the same command.
 * Roll the fleet back to an earlier build: GOLDEN_ROLLBACK_IMAGE_ID=<image id> npx cdktf deploy golden-fleet
 * Destroy:   npx cdktf destroy golden-fleet golden-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GeneralizedImage, GoldenImageChecks, GoldenVm, IImage, ImageCopy, ImageFleet, ManagedImage, MarketplaceImage, WindowsSetup } from '../../lib';

/** Terraform state next to each stack's JSON, by a path valid from every stack directory (the fleet reads the image's). */
function stateBackend(stack: TerraformStack, id: string): void {
  new LocalBackend(stack, { path: `../${id}/terraform.tfstate` });
}

export interface GoldenImageStackProps {
  /** Azure region of every resource. */
  readonly location: string;
  /** Marketplace version of the base image: `latest` (resolved at every plan) or a pinned version. */
  readonly baseImageVersion?: string;
  /** Size of the build VM. */
  readonly buildVmSize?: string;
  /** Title of the page: a stand-in for the app's version. */
  readonly pageTitle?: string;
  /** Tags of the build's resources. */
  readonly tags?: { [key: string]: string };
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
      image: MarketplaceImage.fromUrn(`MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:${props.baseImageVersion ?? 'latest'}`),
      vmSize: props.buildVmSize,
      setup: WindowsSetup.iisAspNet({ pageTitle: props.pageTitle ?? 'Golden image web server' }),
      tags: props.tags,
    });

    // 2. Sysprep + deallocate + generalize, then build img-golden-web-<revision> (Hyper-V generation V2, from the VM).
    this.image = new GeneralizedImage(this, 'Image', { vm: this.buildVm, imageName: 'img-golden-web' });

    // 3. An independent copy in the images resource group: it keeps working after rg-vm-golden-build is deleted. Each
    // build adds one; the newest 3 stay (retainBuilds), and `cdktf destroy` deletes them all.
    const imagesGroup = new ResourceGroup(this, 'ImagesResourceGroup', { name: 'rg-golden-images', location: props.location });
    this.imageCopy = new ImageCopy(this, 'ImageCopy', { source: this.image, resourceGroupName: imagesGroup.name, imageName: 'img-golden-web' });

    new TerraformOutput(this, 'image_id', { value: this.imageCopy.imageId, description: 'The current build of the golden image in rg-golden-images.' });
    new TerraformOutput(this, 'build_revision', { value: this.buildVm.buildRevision, description: 'The current build (YYYYMMDDhhmmss, UTC).' });
    new TerraformOutput(this, 'base_image_version', { value: this.buildVm.baseImageVersion, description: 'The marketplace version the build started from.' });
  }
}

export interface GoldenFleetStackProps {
  /** The image, from the image stack. */
  readonly image: IImage;
  /** An earlier build's image id to roll back to, instead of the image stack's current one. */
  readonly rollbackImageId?: string;
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
      imageId: props.rollbackImageId ?? props.image.imageId,
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
      // fleet_urls (open them in a browser: each page shows its VM's name), fleet_public_ips, fleet_private_ips and
      // fleet_instance_names.
      outputPrefix: 'fleet',
    });
  }
}

export interface BuildAppOptions extends Omit<GoldenImageStackProps, 'location'> {
  /** Number of web servers (the seed's `--count 3`). */
  readonly fleetCount?: number;
  /** An earlier build's image id for the fleet (a rollback). */
  readonly rollbackImageId?: string;
}

export function buildApp(app: App = new App(), options: BuildAppOptions = {}): App {
  const { fleetCount, rollbackImageId, ...imageProps } = options;
  const images = new GoldenImageStack(app, 'golden-image', { location: 'westeurope', ...imageProps });
  new GoldenFleetStack(app, 'golden-fleet', { image: images.imageCopy, count: fleetCount ?? 3, rollbackImageId });
  // Management ports open to the Internet, Trusted Launch managed images, resources on the build VM: synth errors, in
  // every stack of the app.
  GoldenImageChecks.applyTo(app);
  return app;
}

if (require.main === module) {
  // A rollback: the fleet goes to an earlier build kept in rg-golden-images (`az image list -g rg-golden-images -o table`).
  buildApp(new App(), { rollbackImageId: process.env.GOLDEN_ROLLBACK_IMAGE_ID || undefined }).synth();
}
