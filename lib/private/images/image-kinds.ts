/**
 * The runtime shapes of the image types every construct shares (lib/image.ts): `IImage`, the images VMs are made
 * from, and the `PurchasePlan` and `ImageBuild` they carry. See ../validation/prop-types.ts.
 */
import { HyperVGeneration, IImage, ImageBuild, ImageKind, ImageSecurityType, OsType, PurchasePlan } from '../../image';
import { behaviour, BOOLEAN, enumOf, hasKind, listOf, PropKind, STRING, struct } from '../validation/prop-types';
import { describeValue } from '../validation/props-validator';

export const PURCHASE_PLAN = struct<PurchasePlan>('PurchasePlan', { name: STRING, product: STRING, publisher: STRING },
  "{ name: 'byol', product: '<offer>', publisher: '<publisher>' } (`az vm image show --urn <urn> --query plan`)", ['name', 'product', 'publisher']);

export const IMAGE_BUILD = struct<ImageBuild>('ImageBuild', { revision: STRING, lineName: STRING }, "{ revision: '20270115093000', lineName: 'img-web' }",
  ['revision', 'lineName']);

/** What `terraform_data`, resources and modules are to `dependsOn`: an object with its fully qualified name. */
const TERRAFORM_DEPENDABLE: PropKind = {
  category: 'interface',
  typeName: 'ITerraformDependable',
  expected: 'a Terraform resource or module',
  check: (v, prop, value) => {
    if (typeof value === 'object' && value !== null && typeof (value as { fqn?: unknown }).fqn === 'string') {
      return value;
    }
    v.fail(prop, value, 'is not a Terraform resource or module (an ITerraformDependable)', 'list the resources that must exist before the image can be used');
    return undefined;
  },
};

const MARKETPLACE_URN = /^[^:/\s]+:[^:/\s]+:[^:/\s]+:[^:/\s]+$/;

/** What to pass for an image instead of `value`: for a URN, a resource id, a build VM, a definition. */
function imageFix(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  if (MARKETPLACE_URN.test(text)) {
    return 'a marketplace image is where a golden image starts, not an image VMs here are created from: build one from it, '
      + `new GeneralizedImage(this, 'Image', { vm: new GoldenVm(this, 'BuildVm', { image: MarketplaceImage.fromUrn(${describeValue(value)}), location, setup }) })`;
  }
  if (/\/providers\/Microsoft\.Compute\/galleries\//i.test(text)) {
    return `import it: GalleryImageVersion.fromVersionId(this, 'Image', { imageId: ${describeValue(value)}, location, hyperVGeneration, securityType })`;
  }
  if (/\/providers\/Microsoft\.Compute\/images\//i.test(text)) {
    return `import it: ManagedImage.fromImageId(this, 'Image', { imageId: ${describeValue(value)}, location, hyperVGeneration })`;
  }
  if (hasKind(value, 'GoldenVm')) {
    return "capture the build VM first: new GeneralizedImage(this, 'Image', { vm }), and pass that";
  }
  if (hasKind(value, 'GalleryImage')) {
    return "pass a version of the definition: new GalleryImageVersion(this, 'Version', { galleryImage, source }), or its latest";
  }
  return 'pass an image: a GeneralizedImage, an ImageCopy, a GalleryImageVersion (or its latest), or one imported with '
    + 'ManagedImage.fromImageId(...) or GalleryImageVersion.fromVersionId(...)';
}

/** An `IImage`: any construct or object with its members, from this library (any copy of it) or the caller's. */
export const IMAGE = behaviour<IImage>('IImage', {
  imageId: STRING,
  imageName: STRING,
  resourceGroupName: STRING,
  location: STRING,
  regions: listOf(STRING, true),
  kind: enumOf('ImageKind', ImageKind, true),
  securityType: enumOf('ImageSecurityType', ImageSecurityType, true),
  nvmeSupported: BOOLEAN,
  osType: enumOf('OsType', OsType, true),
  hyperVGeneration: enumOf('HyperVGeneration', HyperVGeneration, true),
  imageDependables: listOf(TERRAFORM_DEPENDABLE, true),
  osDiskId: STRING,
  imageBuild: IMAGE_BUILD,
  purchasePlan: PURCHASE_PLAN,
}, ['imageId', 'imageName', 'resourceGroupName', 'location', 'osType', 'hyperVGeneration', 'imageDependables'], imageFix);
