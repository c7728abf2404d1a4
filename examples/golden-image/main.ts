/**
 * The seed's story as one CDKTF app: a Gen2 Windows Server 2022 Datacenter Core build VM with IIS,
 * ASP.NET 4.x and a page that shows the VM's own name, tested in the guest before anything is imaged,
 * then generalized (Sysprep, deallocate, generalize) and captured into a V2 managed image.
 *
 * Synthesize (offline, from the repository root):   npx cdktf synth
 * Deploy (needs Terraform, bash, the Azure CLI logged in with `az login`, and a subscription):
 *   npx cdktf deploy golden-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GeneralizedImage, GoldenVm, MarketplaceImage, WindowsSetup } from '../../lib';

export interface GoldenImageStackProps {
  /** Azure region of every resource. */
  readonly location: string;
}

export class GoldenImageStack extends TerraformStack {
  public readonly buildVm: GoldenVm;
  public readonly image: GeneralizedImage;

  constructor(scope: Construct, id: string, props: GoldenImageStackProps) {
    super(scope, id);
    // State next to the stack's JSON, by a relative path: the synthesized JSON is the same on every machine.
    new LocalBackend(this, { path: 'terraform.tfstate' });
    // Subscription and credentials come from `az login` or the ARM_* environment variables.
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    this.buildVm = new GoldenVm(this, 'BuildVm', {
      location: props.location,
      vmName: 'vm-golden-build',
      computerName: 'golden-build',
      image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'),
      setup: WindowsSetup.iisAspNet({ pageTitle: 'Golden image web server' }),
    });

    this.image = new GeneralizedImage(this, 'Image', { vm: this.buildVm });

    new TerraformOutput(this, 'build_vm_id', { value: this.buildVm.vmId });
    new TerraformOutput(this, 'image_id', { value: this.image.imageId });
  }
}

export function buildApp(app: App = new App()): App {
  new GoldenImageStack(app, 'golden-image', { location: 'westeurope' });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
