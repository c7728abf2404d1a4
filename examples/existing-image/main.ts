/**
 * A fleet from an image made elsewhere (another team's pipeline, `az image create`, a previous deployment of the
 * golden-image example): `ManagedImage.fromImageId` turns its id into an `IImage` that `ImageFleet` takes.
 *
 * Synthesize (offline, from the repository root):
 *   npx cdktf synth --app "node --require tsx/cjs examples/existing-image/main.ts"
 * Deploy, with the image's id (`az image show -g <rg> -n <name> --query id -o tsv`):
 *   TF_VAR_image_id=/subscriptions/.../images/img-golden-web \
 *     npx cdktf deploy --app "node --require tsx/cjs examples/existing-image/main.ts" fleet-from-existing-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../../lib';

export class FleetFromExistingImageStack extends TerraformStack {
  public readonly fleet: ImageFleet;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new LocalBackend(this, { path: 'terraform.tfstate' });
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    const imageId = new TerraformVariable(this, 'image_id', {
      type: 'string',
      description: 'Id of an existing Windows managed image in westeurope (az image show --query id -o tsv)',
    });
    // Nothing is looked up at synth time: the region and generation must describe the image (az image show).
    const image = ManagedImage.fromImageId(this, 'GoldenImage', {
      imageId: imageId.stringValue,
      location: 'westeurope',
      hyperVGeneration: HyperVGeneration.V2,
    });

    const appGroup = new ResourceGroup(this, 'AppResourceGroup', { name: 'rg-existing-image-app', location: 'westeurope' });
    this.fleet = new ImageFleet(this, 'Fleet', { image, count: 2, resourceGroupName: appGroup.name, namePrefix: 'app' });
    new TerraformOutput(this, 'fleet_urls', { value: this.fleet.urls });
  }
}

export function buildApp(app: App = new App()): App {
  new FleetFromExistingImageStack(app, 'fleet-from-existing-image');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
