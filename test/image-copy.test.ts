import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import {
  GeneralizedImage, GoldenVm, HyperVGeneration, IImage, ImageCopy, ImageCopyMethod, ImageCopyProps, ManagedImage, ManagedImageAttributes,
  OsDiskStorageType, OsType,
} from '../lib';
import { goldenVmProps } from './util/constructs';
import { addressAt, addressOf, onlyResource, resourceAt, resourcesOf, synthStack } from './util/synth';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const SOURCE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
const SOURCE_DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden-build/providers/Microsoft.Compute/disks/osdisk-golden`;
const GALLERY_TYPES = ['azurerm_shared_image_gallery', 'azurerm_shared_image', 'azurerm_shared_image_version', 'azurerm_managed_disk'];

interface CopySpec {
  readonly source?: Partial<ManagedImageAttributes>;
  readonly copy?: Partial<ImageCopyProps>;
}

function synthCopy(spec: CopySpec = {}) {
  let copy: ImageCopy | undefined;
  const result = synthStack((stack) => {
    const source = ManagedImage.fromImageId(stack, 'Golden', {
      imageId: SOURCE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, ...spec.source,
    });
    copy = new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-images', ...spec.copy });
  });
  return { ...result, copy: copy! };
}

function ref(parsed: any, type: string, attribute: string): string {
  return `\${${addressOf(parsed, type)}.${attribute}}`;
}

/** A copy of a GeneralizedImage build: one build of the copy's own image line. */
function synthBuildCopy(copyProps: Partial<ImageCopyProps> = {}) {
  let copy: ImageCopy | undefined;
  let image: GeneralizedImage | undefined;
  const result = synthStack((stack) => {
    const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps());
    image = new GeneralizedImage(stack, 'Image', { vm, imageName: 'img-golden' });
    copy = new ImageCopy(stack, 'Copy', { source: image, resourceGroupName: 'rg-images', ...copyProps });
  });
  return { ...result, copy: copy!, image: image! };
}

describe('ImageCopy', () => {
  describe('of a build of an image line', () => {
    test('within the region: captures <line>-<revision> from the build\'s generalized OS disk, beside the earlier builds\' copies', () => {
      const { parsed, copy, image } = synthBuildCopy({ imageName: 'img-web', retainBuilds: 2, osDiskStorageType: OsDiskStorageType.PREMIUM_LRS });
      expect(copy.method).toBe(ImageCopyMethod.OS_DISK);
      const revision = `\${${addressAt(parsed, 'terraform_data', 'BuildVm/BuildRevision')}.output}`;
      const osDisk = `\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.os_disk[0].id}`;
      const capture = resourceAt(parsed, 'terraform_data', 'Copy/Capture');
      expect(capture.input).toMatchObject({
        image_name: `img-web-${revision}`, resource_group_name: 'rg-images', source_disk_id: osDisk, hyper_v_generation: 'V2',
      });
      expect(capture.provisioner[0]['local-exec'].environment).toMatchObject({
        GOLDEN_IMAGE_NAME: 'img-web',
        GOLDEN_BUILD_REVISION: revision,
        GOLDEN_SOURCE_ID: osDisk,
        GOLDEN_RETAIN_BUILDS: '2',
        GOLDEN_STORAGE_SKU: 'Premium_LRS',
        GOLDEN_OS_TYPE: 'Windows',
      });
      // After the source's own capture: the disk is final only once the source image exists.
      expect(capture.depends_on).toEqual([addressAt(parsed, 'terraform_data', 'Copy/ImageLine'), addressAt(parsed, 'terraform_data', 'Image/Capture')]);
      expect(resourceAt(parsed, 'terraform_data', 'Copy/ImageLine').input).toMatchObject({ image_line: 'img-web', resource_group_name: 'rg-images' });
      expect(resourcesOf(parsed, 'azurerm_image')).toEqual({});
      expect(copy.imageBuild).toEqual({ revision: image.imageBuild!.revision, lineName: 'img-web' });
      expect(copy.imageDependables).toEqual([copy.captureStep]);
    });

    test('defaults to the source\'s line name', () => {
      const { parsed } = synthBuildCopy();
      expect(resourceAt(parsed, 'terraform_data', 'Copy/Capture').provisioner[0]['local-exec'].environment.GOLDEN_IMAGE_NAME).toBe('img-golden');
    });

    test('to another region: every build a new gallery version (numbered from the revision), disk and image; one definition for the line', () => {
      const { parsed } = synthBuildCopy({ location: 'northeurope' });
      const revision = addressAt(parsed, 'terraform_data', 'BuildVm/BuildRevision');
      expect(onlyResource(parsed, 'azurerm_shared_image').name).toBe('img-golden');
      expect(onlyResource(parsed, 'azurerm_shared_image_version').name).toBe(
        `\${format("%d.%d.%d", tonumber(substr(${revision}.output, 0, 4)), tonumber(substr(${revision}.output, 4, 4)), tonumber(substr(${revision}.output, 8, 6)))}`);
      expect(onlyResource(parsed, 'azurerm_managed_disk').name).toBe(`img-golden-\${${revision}.output}-osdisk`);
      expect(onlyResource(parsed, 'azurerm_image').name).toBe(`img-golden-\${${revision}.output}`);
    });

    test('to another region: a rebuild makes the new copy before it deletes the old one (create before destroy)', () => {
      // Named by the revision, every build's version, disk and image are replaced on a rebuild: old first would delete
      // the copy the fleet runs on at the start of the apply, and a failed build would leave none.
      const { parsed } = synthBuildCopy({ location: 'northeurope' });
      for (const type of ['azurerm_shared_image_version', 'azurerm_managed_disk', 'azurerm_image']) {
        expect([type, onlyResource(parsed, type).lifecycle]).toEqual([type, { create_before_destroy: true }]);
      }
      // The gallery and the definition serve every build: never replaced by one.
      expect(onlyResource(parsed, 'azurerm_shared_image_gallery').lifecycle).toBeUndefined();
      expect(onlyResource(parsed, 'azurerm_shared_image').lifecycle).toBeUndefined();
    });
  });

  describe('within the region, from the source OS disk', () => {
    test('makes one managed image from the generalized OS disk, keeping generation and OS type', () => {
      // WHEN
      const { parsed, copy } = synthCopy({ source: { osDiskId: SOURCE_DISK_ID } });
      // THEN
      expect(copy.method).toBe(ImageCopyMethod.OS_DISK);
      expect(onlyResource(parsed, 'azurerm_image')).toEqual({
        name: 'img-golden',
        resource_group_name: 'rg-images',
        location: 'westeurope',
        hyper_v_generation: 'V2',
        os_disk: { os_type: 'Windows', os_state: 'Generalized', managed_disk_id: SOURCE_DISK_ID, caching: 'ReadWrite', storage_type: 'StandardSSD_LRS' },
      });
      for (const type of GALLERY_TYPES) {
        expect(resourcesOf(parsed, type)).toEqual({});
      }
    });

    test('is an IImage of the copy, not of the source', () => {
      // WHEN
      let copy: ImageCopy | undefined;
      const { parsed } = synthStack((stack) => {
        const source = ManagedImage.fromImageId(stack, 'Golden', { imageId: SOURCE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osDiskId: SOURCE_DISK_ID });
        copy = new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-images' });
        new TerraformOutput(stack, 'id', { value: copy.imageId });
      });
      // THEN
      expect(parsed.output.id.value).toBe(ref(parsed, 'azurerm_image', 'id'));
      expect(copy!.imageName).toBe('img-golden');
      expect(copy!.resourceGroupName).toBe('rg-images');
      expect(copy!.location).toBe('westeurope');
      expect(copy!.osType).toBe(OsType.WINDOWS);
      expect(copy!.hyperVGeneration).toBe(HyperVGeneration.V2);
      expect(copy!.imageDependables).toEqual([copy!.image]);
      // The disk belongs to the source: a copy of this copy must not rely on it.
      expect(copy!.osDiskId).toBeUndefined();
    });

    test('keeps a V1 Linux source as it is, with the storage type asked for', () => {
      const { parsed } = synthStack((stack) => {
        const source = ManagedImage.fromImageId(stack, 'Golden', { imageId: SOURCE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V1, osType: OsType.LINUX, osDiskId: SOURCE_DISK_ID });
        const linux = new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-images', imageName: 'img-linux', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS });
        expect(linux.osType).toBe(OsType.LINUX);
        expect(linux.hyperVGeneration).toBe(HyperVGeneration.V1);
      });
      expect(onlyResource(parsed, 'azurerm_image')).toMatchObject({
        name: 'img-linux', hyper_v_generation: 'V1', os_disk: { os_type: 'Linux', storage_type: 'Premium_LRS' },
      });
    });

    test('waits for everything the source needs (the generalization of its VM)', () => {
      // GIVEN a source whose OS disk is only final after another resource
      const { parsed } = synthStack((stack) => {
        const source = sourceAfter(stack, SOURCE_DISK_ID);
        // WHEN
        new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-images' });
      });
      // THEN
      expect(onlyResource(parsed, 'azurerm_image').depends_on).toEqual([addressOf(parsed, 'azurerm_resource_group')]);
    });
  });

  describe('through an Azure Compute Gallery', () => {
    test('copies to another region with a fully replicated image version, a disk and an image there', () => {
      // WHEN
      const { parsed, copy } = synthCopy({ source: { osDiskId: SOURCE_DISK_ID }, copy: { location: 'North Europe', imageName: 'img-golden-ne' } });
      // THEN
      expect(copy.method).toBe(ImageCopyMethod.COMPUTE_GALLERY);
      expect(copy.location).toBe('northeurope');
      expect(onlyResource(parsed, 'azurerm_shared_image_gallery')).toMatchObject({
        name: 'img_golden_ne_copy', resource_group_name: 'rg-images', location: 'westeurope',
      });
      expect(onlyResource(parsed, 'azurerm_shared_image')).toMatchObject({
        name: 'img-golden-ne',
        gallery_name: ref(parsed, 'azurerm_shared_image_gallery', 'name'),
        resource_group_name: 'rg-images',
        location: 'westeurope',
        os_type: 'Windows',
        hyper_v_generation: 'V2',
        identifier: { publisher: 'azure-golden-image', offer: 'image-copy', sku: 'generalized' },
      });
      const version = onlyResource(parsed, 'azurerm_shared_image_version');
      expect(version).toMatchObject({
        name: '1.0.0',
        gallery_name: ref(parsed, 'azurerm_shared_image_gallery', 'name'),
        image_name: ref(parsed, 'azurerm_shared_image', 'name'),
        resource_group_name: 'rg-images',
        location: 'westeurope',
        managed_image_id: SOURCE_ID,
        replication_mode: 'Full',
        timeouts: { create: '180m' },
      });
      expect(version.target_region).toEqual([
        { name: 'westeurope', regional_replica_count: 1, storage_account_type: 'Standard_LRS' },
        { name: 'northeurope', regional_replica_count: 1, storage_account_type: 'Standard_LRS' },
      ]);
      expect(onlyResource(parsed, 'azurerm_managed_disk')).toEqual({
        name: 'img-golden-ne-osdisk',
        resource_group_name: 'rg-images',
        location: 'northeurope',
        storage_account_type: 'Standard_LRS',
        create_option: 'FromImage',
        gallery_image_reference_id: ref(parsed, 'azurerm_shared_image_version', 'id'),
        os_type: 'Windows',
        timeouts: { create: '180m' },
      });
      expect(onlyResource(parsed, 'azurerm_image')).toEqual({
        name: 'img-golden-ne',
        resource_group_name: 'rg-images',
        location: 'northeurope',
        hyper_v_generation: 'V2',
        os_disk: {
          os_type: 'Windows', os_state: 'Generalized', managed_disk_id: ref(parsed, 'azurerm_managed_disk', 'id'), caching: 'ReadWrite', storage_type: 'StandardSSD_LRS',
        },
      });
    });

    test('copies within the region when the source does not tell its OS disk', () => {
      const { parsed, copy } = synthCopy();
      expect(copy.method).toBe(ImageCopyMethod.COMPUTE_GALLERY);
      expect(onlyResource(parsed, 'azurerm_shared_image_version').target_region).toEqual([
        { name: 'westeurope', regional_replica_count: 1, storage_account_type: 'Standard_LRS' },
      ]);
      expect(onlyResource(parsed, 'azurerm_managed_disk').location).toBe('westeurope');
      expect(onlyResource(parsed, 'azurerm_image').location).toBe('westeurope');
    });

    test('puts everything it creates in its own resource group, and reads the source only through its image id', () => {
      const { parsed, json } = synthCopy({ copy: { location: 'northeurope' } });
      for (const type of [...GALLERY_TYPES, 'azurerm_image']) {
        expect(onlyResource(parsed, type).resource_group_name).toBe('rg-images');
      }
      // The source appears once: as the version's source, which a full replication copies.
      expect(json.split('rg-golden').length - 1).toBe(1);
    });

    test('tells its own disk, so a copy of the copy can use it', () => {
      const { parsed } = synthStack((stack) => {
        const source = ManagedImage.fromImageId(stack, 'Golden', { imageId: SOURCE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
        const regional = new ImageCopy(stack, 'Regional', { source, resourceGroupName: 'rg-images-ne', location: 'northeurope' });
        expect(regional.osDiskId).toBeDefined();
        const again = new ImageCopy(stack, 'Again', { source: regional, resourceGroupName: 'rg-app-ne', imageName: 'img-app' });
        expect(again.method).toBe(ImageCopyMethod.OS_DISK);
      });
      const images = Object.values(resourcesOf(parsed, 'azurerm_image'));
      const appImage = images.find((i: any) => i.name === 'img-app');
      expect(appImage.os_disk.managed_disk_id).toBe(ref(parsed, 'azurerm_managed_disk', 'id'));
      expect(appImage.location).toBe('northeurope');
    });

    test('waits for everything the source needs before versioning it', () => {
      const { parsed } = synthStack((stack) => {
        const source = sourceAfter(stack);
        new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-images', location: 'northeurope' });
      });
      expect(onlyResource(parsed, 'azurerm_shared_image_version').depends_on).toEqual([addressOf(parsed, 'azurerm_resource_group')]);
      expect(onlyResource(parsed, 'azurerm_image').depends_on).toBeUndefined();
    });

    test('is forced with method COMPUTE_GALLERY, and takes a gallery name, a timeout and tags', () => {
      const tags = { owner: 'images' };
      const { parsed } = synthCopy({
        source: { osDiskId: SOURCE_DISK_ID },
        copy: { method: ImageCopyMethod.COMPUTE_GALLERY, galleryName: 'gal_golden', timeoutMinutes: 240, tags },
      });
      expect(onlyResource(parsed, 'azurerm_shared_image_gallery').name).toBe('gal_golden');
      expect(onlyResource(parsed, 'azurerm_shared_image_version').timeouts).toEqual({ create: '240m' });
      // A copy of an image made elsewhere keeps its names, which Azure cannot hold twice: replaced old first.
      expect(onlyResource(parsed, 'azurerm_shared_image_version').lifecycle).toBeUndefined();
      expect(onlyResource(parsed, 'azurerm_image').lifecycle).toBeUndefined();
      for (const type of [...GALLERY_TYPES, 'azurerm_image']) {
        expect(onlyResource(parsed, type).tags).toEqual(tags);
      }
    });
  });

  test('accepts tokens, and uses the gallery when the regions are unknown', () => {
    // GIVEN
    const { parsed } = synthStack((stack: TerraformStack) => {
      const location = new TerraformVariable(stack, 'location', { type: 'string' });
      const rg = new TerraformVariable(stack, 'rg', { type: 'string' });
      const name = new TerraformVariable(stack, 'name', { type: 'string' });
      const source = ManagedImage.fromImageId(stack, 'Golden', { imageId: SOURCE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osDiskId: SOURCE_DISK_ID });
      // WHEN
      const copy = new ImageCopy(stack, 'Copy', { source, resourceGroupName: rg.stringValue, location: location.stringValue, imageName: name.stringValue });
      expect(copy.method).toBe(ImageCopyMethod.COMPUTE_GALLERY);
    });
    // THEN
    const version = onlyResource(parsed, 'azurerm_shared_image_version');
    expect(version.target_region).toBeUndefined();
    expect(version.dynamic.target_region).toEqual({
      for_each: '${toset(distinct(["westeurope", var.location]))}',
      iterator: 'each',
      content: { name: '${each.value}', regional_replica_count: 1, storage_account_type: 'Standard_LRS' },
    });
    expect(onlyResource(parsed, 'azurerm_shared_image_gallery').name).toBe('${format("%s_copy", substr(replace(var.name, "/[^0-9A-Za-z_.]/", "_"), 0, 75))}');
    expect(onlyResource(parsed, 'azurerm_managed_disk')).toMatchObject({ name: '${var.name}-osdisk', location: '${var.location}', resource_group_name: '${var.rg}' });
    expect(onlyResource(parsed, 'azurerm_image')).toMatchObject({ name: '${var.name}', location: '${var.location}' });
  });

  describe('bad input', () => {
    test.each<[string, CopySpec, RegExp]>([
      ['OS disk method to another region', { source: { osDiskId: SOURCE_DISK_ID }, copy: { method: ImageCopyMethod.OS_DISK, location: 'northeurope' } },
        /location: 'northeurope' differs from the source's region 'westeurope'.*Fix: use ImageCopyMethod.COMPUTE_GALLERY/],
      ['OS disk method without the OS disk', { copy: { method: ImageCopyMethod.OS_DISK } },
        /method: 'OsDisk' needs the OS disk of the source, but the source does not tell it \(osDiskId\)/],
      ['a copy over its source', { copy: { resourceGroupName: 'RG-Golden' } }, /resourceGroupName: 'RG-Golden' holds the source 'img-golden' already.*Fix: copy into another resource group/],
      ['an invalid resource group name', { copy: { resourceGroupName: 'rg/images' } }, /resourceGroupName: 'rg\/images' is not a valid resource group name/],
      ['an invalid location', { copy: { location: 'north-europe!' } }, /location: 'north-europe!' is not an Azure region name/],
      ['an invalid image name', { copy: { imageName: 'img golden' } }, /imageName: 'img golden' is not a valid image name/],
      ['a gallery name with hyphens', { copy: { galleryName: 'gal-golden' } }, /galleryName: 'gal-golden' is not a valid gallery name .*no hyphens/],
      ['a timeout out of range', { copy: { timeoutMinutes: 10 } }, /timeoutMinutes: 10 is not a whole number of minutes between 30 and 720/],
      ['an unknown method', { copy: { method: 'Magic' as ImageCopyMethod } }, /method: 'Magic' is not an image copy method/],
    ])('%s', (_, spec, message) => {
      expect(() => synthCopy(spec)).toThrow(message);
    });

    test('reports every problem at once, with the path', () => {
      expect(() => synthCopy({ copy: { imageName: 'bad name', timeoutMinutes: 1, resourceGroupName: 'bad/rg' } }))
        .toThrow(/ImageCopy 'stack\/Copy': 3 invalid props:\n  - resourceGroupName: .*\n  - imageName: .*\n  - timeoutMinutes: /);
    });
  });
});

/** A source image that is only final after another resource (here a resource group named Capture). */
function sourceAfter(stack: TerraformStack, osDiskId?: string): IImage {
  const capture = new ResourceGroup(stack, 'Capture', { name: 'rg-capture', location: 'westeurope' });
  return {
    imageId: SOURCE_ID,
    imageName: 'img-golden',
    resourceGroupName: 'rg-golden',
    location: 'westeurope',
    osType: OsType.WINDOWS,
    hyperVGeneration: HyperVGeneration.V2,
    imageDependables: [capture],
    osDiskId,
  };
}
