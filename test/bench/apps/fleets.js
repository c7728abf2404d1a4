// ImageFleet versus ImageScaleSet: one stack with N VMs, through this library as compiled JavaScript (dist-bench/,
// built by the benchmark). Usage: fleets.js <outdir> fleet|scaleset <N>
//   fleet:    one ImageFleet of N VMs from a managed image (ManagedImage.fromImageId), in a /19 subnet (room for a
//             rollout of up to 4,000 VMs: the same props at every N, only count changes)
//   scaleset: one ImageScaleSet of N instances from the same managed image while N <= 600
//             (ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE); above that, ceil(N / 1000) ImageScaleSets
//             (ImageScaleSet.MAX_INSTANCES) sharing N between them, from a gallery image version reference
//             (GalleryImageVersion.fromVersionId), since one scale set holds at most 1000 instances
// The image id is a Terraform variable (with a default), as it is a token from the image stack in a real app. The
// stack keeps its state in its own directory (a relative local backend): the benchmark plans it with the real providers
// from there, and the JSON holds no path of this machine.
const path = require('path');
const { App, LocalBackend, TerraformStack, TerraformVariable } = require('cdktf');
const { AzurermProvider } = require('@cdktf/provider-azurerm/lib/provider');
const { report } = require('./report');

const [outdir, kind, countArg] = process.argv.slice(2);
const count = Number(countArg);
if ((kind !== 'fleet' && kind !== 'scaleset') || !Number.isInteger(count) || count < 1) {
  throw new Error(`usage: fleets.js <outdir> fleet|scaleset <N>, not '${kind}' '${countArg}'`);
}
const lib = require(path.join(__dirname, '..', '..', '..', 'dist-bench', 'lib'));

const GROUP = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-golden-images';
const app = new App({ outdir });
const stack = new TerraformStack(app, kind);
new LocalBackend(stack, { path: 'terraform.tfstate' });
new AzurermProvider(stack, 'azurerm', { features: [{}] });
const variable = (name, value) => new TerraformVariable(stack, name, { type: 'string', default: value }).stringValue;
const managedImage = () => lib.ManagedImage.fromImageId(stack, 'Image', {
  imageId: variable('image_id', `${GROUP}/providers/Microsoft.Compute/images/img-golden-web`),
  location: 'westeurope',
  hyperVGeneration: lib.HyperVGeneration.V2,
});

if (kind === 'fleet') {
  const image = managedImage();
  new lib.ImageFleet(stack, 'Web', { image, count, namePrefix: 'web', subnetPrefix: '10.0.0.0/19' });
} else if (count <= lib.ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE) {
  const image = managedImage();
  new lib.ImageScaleSet(stack, 'Web', { image, count, namePrefix: 'web' });
} else {
  const image = lib.GalleryImageVersion.fromVersionId(stack, 'Image', {
    imageId: variable('image_version_id', `${GROUP}/providers/Microsoft.Compute/galleries/golden/images/web/versions/2026.101.120000`),
    location: 'westeurope',
    hyperVGeneration: lib.HyperVGeneration.V2,
    securityType: lib.ImageSecurityType.STANDARD,
    latest: false,
  });
  const sets = Math.ceil(count / lib.ImageScaleSet.MAX_INSTANCES);
  for (let i = 0; i < sets; i++) {
    // N split as evenly as possible: 3000 -> 3 x 1000.
    const share = Math.floor(count / sets) + (i < count % sets ? 1 : 0);
    new lib.ImageScaleSet(stack, `Web${i + 1}`, { image, count: share, namePrefix: `web${i + 1}` });
  }
}

app.synth();
report(outdir);
