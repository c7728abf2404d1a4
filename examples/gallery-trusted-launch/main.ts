/**
 * Trusted Launch end to end, through an Azure Compute Gallery, in two stacks because images live longer than apps:
 *
 * `gallery-image` (kept, rebuilt on every change):
 *   1. a Trusted Launch (Secure Boot + vTPM) Gen2 Windows Server 2022 Datacenter Core build VM with IIS, ASP.NET 4.x
 *      and a page that shows the VM's own name, smoke-tested in the guest;
 *   2. generalized (Sysprep, deallocate, generalize) with no managed image: Azure refuses managed images of Trusted
 *      Launch VMs;
 *   3. published straight from the generalized VM as version `YYYY.MMDD.hhmmss` of the TrustedLaunch definition
 *      `web-iis` in gallery `gal_golden_web`, replicated to westeurope (the gallery's region) and northeurope; one
 *      canary VM per region boots from it and must answer with its own name before the version becomes latest; the
 *      newest 3 versions stay.
 * `gallery-fleet` (redeployed, or destroyed, on its own schedule):
 *   4. 3 Trusted Launch web servers in northeurope from that version, each answering with its own name; a new version
 *      rolls out new VMs before the old ones go.
 *
 * Synthesize (offline, from the repository root):
 *   npx cdktf synth --app "node --require tsx/cjs examples/gallery-trusted-launch/main.ts"
 * Deploy (needs Terraform, Node.js, the Azure CLI logged in with `az login`, and a subscription):
 *   npx cdktf deploy --app "node --require tsx/cjs examples/gallery-trusted-launch/main.ts" gallery-image gallery-fleet
 * Rebuild and roll out (a new marketplace version, a changed setup): the same command.
 * Destroy:   npx cdktf destroy --app "..." gallery-fleet gallery-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenImageChecks, GoldenVm, ImageFleet, ImageGallery, ImageSecurityType,
  MarketplaceImage, SecurityType, WindowsSetup,
} from '../../lib';

/** Terraform state next to each stack's JSON, by a path valid from every stack directory (the fleet reads the image's). */
function stateBackend(stack: TerraformStack, id: string): void {
  new LocalBackend(stack, { path: `../${id}/terraform.tfstate` });
}

export interface GalleryImageStackProps {
  /** Region of the build VM and the gallery. */
  readonly location: string;
  /** The other region the versions are replicated to. */
  readonly replicaLocation: string;
  /** Title of the page: a stand-in for the app's version. */
  readonly pageTitle?: string;
  /** Size of the build VM. */
  readonly buildVmSize?: string;
}

/** Build VM, gallery, definition and the build's version. */
export class GalleryImageStack extends TerraformStack {
  public readonly buildVm: GoldenVm;
  public readonly version: GalleryImageVersion;

  constructor(scope: Construct, id: string, props: GalleryImageStackProps) {
    super(scope, id);
    stateBackend(this, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // 1. The Trusted Launch build VM, in its own resource group (rg-vm-gallery-build).
    this.buildVm = new GoldenVm(this, 'BuildVm', {
      location: props.location,
      vmName: 'vm-gallery-build',
      computerName: 'gallery-build',
      image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
      vmSize: props.buildVmSize,
      securityType: SecurityType.TRUSTED_LAUNCH,
      setup: WindowsSetup.iisAspNet({ pageTitle: props.pageTitle ?? 'Golden image web server' }),
    });

    // 2. Sysprep + deallocate + generalize; no managed image (the default for a Trusted Launch VM).
    const build = new GeneralizedImage(this, 'Build', { vm: this.buildVm });

    // 3. The gallery in its own resource group (rg-gal_golden_web), a TrustedLaunch definition, and the build's version.
    const gallery = new ImageGallery(this, 'Gallery', { location: props.location, galleryName: 'gal_golden_web' });
    const definition = new GalleryImage(this, 'WebImage', {
      gallery,
      imageName: 'web-iis',
      securityType: ImageSecurityType.TRUSTED_LAUNCH,
      description: 'Windows Server 2022 Core with IIS, ASP.NET 4.x and a page that shows the machine name',
    });
    this.version = new GalleryImageVersion(this, 'Version', {
      galleryImage: definition,
      source: build,
      // Replica counts follow the fleets that use the version in each region (one per 50 VMs).
      targetRegions: [{ location: props.location }, { location: props.replicaLocation }],
    });

    new TerraformOutput(this, 'version_id', { value: this.version.imageId, description: 'The current build\'s gallery image version.' });
    new TerraformOutput(this, 'build_revision', { value: this.buildVm.buildRevision, description: 'The current build (YYYYMMDDhhmmss, UTC).' });
  }
}

export interface GalleryFleetStackProps {
  /** The version, from the image stack. */
  readonly version: GalleryImageVersion;
  /** Region of the fleet: one of the version's regions. */
  readonly location: string;
  /** Number of web servers. */
  readonly count: number;
}

/** The Trusted Launch web servers, in rg-gallery-app. */
export class GalleryFleetStack extends TerraformStack {
  public readonly fleet: ImageFleet;

  constructor(scope: Construct, id: string, props: GalleryFleetStackProps) {
    super(scope, id);
    stateBackend(this, id);
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // Only the version id crosses the stack boundary; this fleet still counts towards the version's replicas.
    const image = props.version.importInto(this, 'GoldenImage');

    // 4. web0001..web0003, Trusted Launch (the image's security type), port 80 open, RDP and WinRM closed.
    this.fleet = new ImageFleet(this, 'Fleet', {
      image,
      location: props.location,
      count: props.count,
      resourceGroupName: 'rg-gallery-app',
      createResourceGroup: true,
      namePrefix: 'web',
      addressSpace: '10.2.0.0/16',
      subnetPrefix: '10.2.0.0/20',
      verifyUrls: true,
      outputPrefix: 'fleet',
    });
  }
}

export interface BuildAppOptions {
  /** Number of web servers. */
  readonly fleetCount?: number;
  /** Title of the page: a stand-in for the app's version. */
  readonly pageTitle?: string;
  /** Size of the build VM. */
  readonly buildVmSize?: string;
}

export function buildApp(app: App = new App(), options: BuildAppOptions = {}): App {
  const images = new GalleryImageStack(app, 'gallery-image', {
    location: 'westeurope', replicaLocation: 'northeurope', pageTitle: options.pageTitle, buildVmSize: options.buildVmSize,
  });
  new GalleryFleetStack(app, 'gallery-fleet', { version: images.version, location: 'northeurope', count: options.fleetCount ?? 3 });
  GoldenImageChecks.applyTo(app);
  return app;
}

if (require.main === module) {
  buildApp(new App()).synth();
}
