// A fresh CDKTF app of another team: it knows the library only by its package name.
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { FleetRollout, GeneralizedImage, GoldenVm, ImageCopy, ImageFleet, MarketplaceImage, WindowsSetup } from 'azure-golden-image';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';

const app = new App();
const stack = new TerraformStack(app, 'consumer');
new LocalBackend(stack, { path: 'terraform.tfstate' });
new AzurermProvider(stack, 'azurerm', { features: [{}] });

const vm = new GoldenVm(stack, 'BuildVm', {
  location: 'northeurope',
  vmName: 'vm-team-build',
  computerName: 'team-build',
  resourceGroupName: 'rg-team-build',
  image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(),
  setup: WindowsSetup.iisAspNet({ pageTitle: 'Team web' }),
});
const image = new GeneralizedImage(stack, 'Image', { vm });
const copy = new ImageCopy(stack, 'Copy', { source: image, resourceGroupName: 'rg-team-images' });
// Image and fleet in one stack: a new image replaces the VMs all at once (new-before-old needs the image elsewhere).
const fleet = new ImageFleet(stack, 'Fleet', {
  image: copy, count: 2, resourceGroupName: 'rg-team-app', namePrefix: 'team', verifyUrls: true, rollout: FleetRollout.ALL_AT_ONCE,
});
new TerraformOutput(stack, 'urls', { value: fleet.urls });

app.synth();
