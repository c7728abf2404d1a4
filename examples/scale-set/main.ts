/**
 * A large fleet from the golden image: a VM scale set behind a load balancer with one stable public IP, in two stacks
 * because images live longer than apps:
 *
 * `golden-image` (kept, rebuilt on every change): the golden-image example's image stack, unchanged: a Gen2 Windows
 *   Server 2022 build VM with IIS, ASP.NET 4.x and a page that shows the VM's own name, generalized, captured and
 *   copied into rg-golden-images (the newest 3 builds stay).
 * `web-scale-set` (redeployed, or destroyed, on its own schedule): `vmss-web`, a scale set of 3 instances (`web000000`,
 *   `web000001`, ...) from the image stack's image, behind the Standard load balancer `lb-web` and its static public
 *   IP; the load balancer's health probe fetches the app page on every instance. A rebuilt image updates the scale
 *   set's image in place and Azure rolls it through the instances in batches of 20%, each gated by the probe; the IP
 *   address and the URL never change. After each deploy the operator's machine waits for that rollout and checks,
 *   through the load balancer, that every instance answers with its own name.
 *
 * Synthesize (offline, from the repository root):
 *   npx cdktf synth --app "node --require tsx/cjs examples/scale-set/main.ts"
 * Deploy (needs Terraform, the Azure CLI logged in with `az login`, and a subscription; Node.js runs the operator steps):
 *   npx cdktf deploy --app "node --require tsx/cjs examples/scale-set/main.ts" golden-image web-scale-set
 * Rebuild and roll out (a new marketplace version, a changed setup): the same command.
 * Grow or shrink: SCALE_SET_COUNT=300 npx cdktf deploy --app "..." web-scale-set (in place, up to 600 from a managed image).
 * Destroy:   npx cdktf destroy --app "..." web-scale-set golden-image
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { GoldenImageChecks, IImage, ImageScaleSet, ManagedImage } from '../../lib';
import { GoldenImageStack, GoldenImageStackProps } from '../golden-image/main';

export interface WebScaleSetStackProps {
  /** The image, from the image stack. */
  readonly image: IImage;
  /** Number of instances. */
  readonly count: number;
}

/** The scale set and its load balancer, in rg-golden-scale-set. */
export class WebScaleSetStack extends TerraformStack {
  public readonly scaleSet: ImageScaleSet;

  constructor(scope: Construct, id: string, props: WebScaleSetStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: `../${id}/terraform.tfstate` });
    new AzurermProvider(this, 'azurerm', { features: [{}] });

    // Only the image id crosses the stack boundary (cdktf makes it an output there and a terraform_remote_state here).
    const image = ManagedImage.fromImageId(this, 'GoldenImage', {
      imageId: props.image.imageId,
      location: props.image.location,
      hyperVGeneration: props.image.hyperVGeneration,
    });

    const group = new ResourceGroup(this, 'ResourceGroup', { name: 'rg-golden-scale-set', location: image.location });
    this.scaleSet = new ImageScaleSet(this, 'Web', {
      image,
      count: props.count,
      namePrefix: 'web',
      resourceGroupName: group.name,
      // Rolling upgrade: 20% of the instances at a time, stopped when more than 20% are unhealthy, a minute apart.
      rollingUpgrade: {
        maxBatchInstancePercent: 20,
        maxUnhealthyInstancePercent: 20,
        maxUnhealthyUpgradedInstancePercent: 20,
        pauseBetweenBatchesSeconds: 60,
      },
      verifyInstances: true,
      // web_url (open it and reload: each answer names the instance that served it), web_public_ip, web_scale_set_name.
      outputPrefix: 'web',
    });
  }
}

export interface BuildAppOptions extends Omit<GoldenImageStackProps, 'location'> {
  /** Number of instances. */
  readonly count?: number;
}

export function buildApp(app: App = new App(), options: BuildAppOptions = {}): App {
  const { count, ...imageProps } = options;
  const images = new GoldenImageStack(app, 'golden-image', { location: 'westeurope', ...imageProps });
  new WebScaleSetStack(app, 'web-scale-set', { image: images.imageCopy, count: count ?? 3 });
  GoldenImageChecks.applyTo(app);
  return app;
}

if (require.main === module) {
  const count = process.env.SCALE_SET_COUNT;
  buildApp(new App(), { count: count === undefined || count === '' ? undefined : Number(count) }).synth();
}
