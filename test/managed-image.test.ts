import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { HyperVGeneration, IImage, ManagedImage, ManagedImageAttributes, OsType } from '../lib';
import { synthStack } from './util/synth';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-build/providers/Microsoft.Compute/disks/osdisk-golden`;

function attrs(overrides: Partial<ManagedImageAttributes> = {}): ManagedImageAttributes {
  return { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, ...overrides };
}

function importImage(overrides: Partial<ManagedImageAttributes> = {}): IImage {
  let image: IImage | undefined;
  synthStack((stack) => {
    image = ManagedImage.fromImageId(stack, 'Golden', attrs(overrides));
  });
  return image!;
}

describe('ManagedImage.fromImageId', () => {
  test('reads the resource group and name from a literal id', () => {
    // WHEN
    const image = importImage();
    // THEN
    expect(image.imageId).toBe(IMAGE_ID);
    expect(image.resourceGroupName).toBe('rg-golden');
    expect(image.imageName).toBe('img-golden');
    expect(image.location).toBe('westeurope');
    expect(image.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(image.imageDependables).toEqual([]);
    expect(image.osDiskId).toBeUndefined();
  });

  test('defaults to Windows and keeps the given OS type, generation and OS disk', () => {
    expect(importImage().osType).toBe(OsType.WINDOWS);
    const linux = importImage({ osType: OsType.LINUX, hyperVGeneration: HyperVGeneration.V1, osDiskId: DISK_ID });
    expect(linux.osType).toBe(OsType.LINUX);
    expect(linux.hyperVGeneration).toBe(HyperVGeneration.V1);
    expect(linux.osDiskId).toBe(DISK_ID);
  });

  test('accepts ids as Azure prints them, in any case, and canonicalizes the region', () => {
    const lower = `/subscriptions/${SUBSCRIPTION}/resourcegroups/RG-Golden/providers/microsoft.compute/images/Img.Golden_2`;
    const image = importImage({ imageId: lower, location: 'West Europe' });
    expect(image.resourceGroupName).toBe('RG-Golden');
    expect(image.imageName).toBe('Img.Golden_2');
    expect(image.location).toBe('westeurope');
  });

  test('splits an id token in Terraform', () => {
    // GIVEN
    const { parsed } = synthStack((stack: TerraformStack) => {
      const imageId = new TerraformVariable(stack, 'image_id', { type: 'string' });
      const location = new TerraformVariable(stack, 'location', { type: 'string' });
      // WHEN
      const image = ManagedImage.fromImageId(stack, 'Golden', attrs({ imageId: imageId.stringValue, location: location.stringValue }));
      new TerraformOutput(stack, 'rg', { value: image.resourceGroupName });
      new TerraformOutput(stack, 'name', { value: image.imageName });
      new TerraformOutput(stack, 'region', { value: image.location });
      new TerraformOutput(stack, 'id', { value: image.imageId });
    });
    // THEN
    expect(parsed.output.rg.value).toBe('${element(split("/", var.image_id), 4)}');
    expect(parsed.output.name.value).toBe('${element(split("/", var.image_id), 8)}');
    expect(parsed.output.region.value).toBe('${var.location}');
    expect(parsed.output.id.value).toBe('${var.image_id}');
  });

  test('adds nothing to the stack', () => {
    const { parsed } = synthStack((stack) => {
      ManagedImage.fromImageId(stack, 'Golden', attrs());
    });
    expect(parsed.resource).toBeUndefined();
    expect(parsed.data).toBeUndefined();
  });

  describe('bad input', () => {
    test.each<[string, Partial<ManagedImageAttributes>, RegExp]>([
      ['a name instead of an id', { imageId: 'img-golden' }, /imageId: 'img-golden' is not the resource id of a managed image \(\/subscriptions\/<subscription GUID>\/resourceGroups\/.*Fix: copy it from `az image show/],
      ['the id of another resource type', { imageId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm` }, /imageId: .* is not the resource id of a managed image/],
      ['a subscription that is no GUID', { imageId: '/subscriptions/my-sub/resourceGroups/rg/providers/Microsoft.Compute/images/img' }, /imageId: .* is not the resource id/],
      ['a trailing slash', { imageId: `${IMAGE_ID}/` }, /imageId: .* is not the resource id/],
      ['an invalid image name', { imageId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Compute/images/img-` }, /imageId: .* is not the resource id/],
      ['an invalid location', { location: 'west-europe!' }, /location: 'west-europe!' is not an Azure region name/],
      ['an OS disk id of another type', { osDiskId: IMAGE_ID }, /osDiskId: .* is not the resource id of a managed disk/],
      ['a generation that is none', { hyperVGeneration: 'V3' as HyperVGeneration }, /hyperVGeneration: 'V3' is not a Hyper-V generation/],
    ])('%s', (_, overrides, message) => {
      expect(() => importImage(overrides)).toThrow(message);
    });

    test('reports every problem at once, with the path', () => {
      expect(() => importImage({ imageId: 'x', location: '!' }))
        .toThrow(/ManagedImage.fromImageId 'stack\/Golden': 2 invalid props:\n  - imageId: 'x' .*\n  - location: '!'/);
    });
  });
});
