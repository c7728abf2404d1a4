/**
 * Zone-redundant storage (issue 23, point 3): Standard_ZRS replicas and Premium_ZRS / StandardSSD_ZRS OS disks exist
 * only in regions with availability zones. Every place a storage type is chosen refuses ZRS in a region the zone list
 * (lib/private/naming/regions.ts) knows to have none: GoldenVm's OS disk, ImageCopy's recorded OS disk type (both of its ways),
 * and GalleryImageVersion's target regions (its gallery's own region too). A region given as a token is checked at plan.
 * ImageFleet, ImageScaleSet and the canaries choose no storage type: their OS disks are locally redundant wherever
 * they run.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import {
  GalleryImage, GalleryImageVersion, GalleryStorageType, GalleryTargetRegion, GeneralizedImage, GoldenVm, ImageCopy, ImageCopyMethod, ImageFleet,
  ImageGallery, ImageScaleSet, OsDiskStorageType, SecurityType,
} from '../lib';
import { galleryImageVersionProps, imageCopyProps, imageFleetProps, imageScaleSetProps } from './util/builders';
import { goldenVmProps } from './util/constructs';
import { expectRefused, Refusal, synthesize } from './util/refusal';
import { onlyResource, resourceAt, synthStack } from './util/synth';
import { AZURE_PUBLIC_REGIONS, REGIONS_WITH_ZONES, REGIONS_WITHOUT_ZONES, ZONE_REGIONS_CONTEXT } from '../lib/private/naming/regions';

/** A gallery version whose build VM and gallery are in `home`, published to `targetRegions`. */
function galleryIn(stack: TerraformStack, home: string, targetRegions: GalleryTargetRegion[]): GalleryImageVersion {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ location: home, securityType: SecurityType.TRUSTED_LAUNCH }));
  const gallery = new ImageGallery(stack, 'Gallery', { location: home, galleryName: 'gal_golden' });
  return new GalleryImageVersion(stack, 'Version', {
    galleryImage: new GalleryImage(stack, 'Definition', { gallery, imageName: 'web-iis' }),
    source: new GeneralizedImage(stack, 'Image', { vm, managedImage: false }),
    targetRegions,
  });
}

const ZONE_FIX = /Fix: use (OsDiskStorageType|GalleryStorageType)\.[A-Z_]+_LRS there, or a region with availability zones \(e\.g\. 'westeurope'\); if '[a-z0-9]+' has zones by now, add it to the cdktf context 'azure-golden-image:zoneRegions'/;

describe('zone-redundant storage', () => {
  describe('the zone list', () => {
    test('names public regions only, each once, none in both lists; the regions of the Learn page without zones are all there', () => {
      const all = [...REGIONS_WITH_ZONES, ...REGIONS_WITHOUT_ZONES];
      expect(new Set(all).size).toBe(all.length);
      expect(all.filter((r) => !AZURE_PUBLIC_REGIONS.includes(r))).toEqual([]);
      expect(REGIONS_WITHOUT_ZONES).toEqual(expect.arrayContaining(['westus', 'northcentralus', 'westcentralus', 'ukwest', 'canadaeast', 'southindia',
        'australiasoutheast', 'australiacentral', 'francesouth', 'germanynorth', 'norwaywest', 'switzerlandwest', 'uaecentral', 'koreasouth']));
      expect(REGIONS_WITH_ZONES).toEqual(expect.arrayContaining(['westeurope', 'northeurope', 'eastus', 'eastus2', 'westus2', 'westus3', 'swedencentral']));
    });
  });

  describe('refused: ZRS where the region has no zones, in every construct that chooses a storage type', () => {
    const ROWS: Array<Refusal & { readonly label: string }> = [
      {
        label: 'GoldenVm: a Premium_ZRS OS disk in westus',
        construct: 'GoldenVm',
        prop: 'osDiskStorageType',
        value: 'Premium_ZRS',
        mentions: [/is zone-redundant storage, but location 'westus' is a region without availability zones/, /Fix: use OsDiskStorageType\.PREMIUM_LRS there/],
        build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'westus', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS })),
      },
      {
        label: 'GoldenVm: a StandardSSD_ZRS OS disk in a region given by its display name',
        construct: 'GoldenVm',
        prop: 'osDiskStorageType',
        value: 'StandardSSD_ZRS',
        mentions: [/but location 'West Central US' is a region without availability zones/, /Fix: use OsDiskStorageType\.STANDARD_SSD_LRS there/,
          /add it to the cdktf context 'azure-golden-image:zoneRegions' \(cdktf\.json: "context": \{ "azure-golden-image:zoneRegions": \["westcentralus"\] \}\)/],
        build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'West Central US', osDiskStorageType: OsDiskStorageType.STANDARD_SSD_ZRS })),
      },
      {
        label: 'ImageCopy: a copy through a gallery into ukwest recording Premium_ZRS',
        construct: 'ImageCopy',
        prop: 'osDiskStorageType',
        value: 'Premium_ZRS',
        mentions: [/but location 'ukwest' is a region without availability zones/],
        build: (s) => new ImageCopy(s, 'Copy', imageCopyProps(s, { location: 'ukwest', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS })),
      },
      {
        label: 'ImageCopy: a build\'s copy from its OS disk, in the source\'s zoneless region',
        construct: 'ImageCopy',
        prop: 'osDiskStorageType',
        value: 'StandardSSD_ZRS',
        mentions: [/but location \(the source's\) 'northcentralus' is a region without availability zones/],
        build: (s) => new ImageCopy(s, 'Copy', {
          source: new GeneralizedImage(s, 'Image', { vm: new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'northcentralus' })) }),
          resourceGroupName: 'rg-copy',
          method: ImageCopyMethod.OS_DISK,
          osDiskStorageType: OsDiskStorageType.STANDARD_SSD_ZRS,
        }),
      },
      {
        label: 'GalleryImageVersion: Standard_ZRS replicas in a zoneless target region',
        construct: 'GalleryImageVersion',
        prop: 'targetRegions[1].storageType',
        value: 'Standard_ZRS',
        mentions: [/but targetRegions\[1\]\.location 'southindia' is a region without availability zones/, /Fix: use GalleryStorageType\.STANDARD_LRS there/],
        build: (s) => new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, {
          targetRegions: [{ location: 'westeurope', storageType: GalleryStorageType.STANDARD_ZRS }, { location: 'southindia', storageType: GalleryStorageType.STANDARD_ZRS }],
        })),
      },
      {
        label: 'GalleryImageVersion: Standard_ZRS replicas in the gallery\'s own zoneless region',
        construct: 'GalleryImageVersion',
        prop: 'targetRegions[0].storageType',
        value: 'Standard_ZRS',
        mentions: [/but targetRegions\[0\]\.location 'westus' is a region without availability zones/],
        build: (s) => galleryIn(s, 'westus', [{ location: 'westus', storageType: GalleryStorageType.STANDARD_ZRS }]),
      },
    ];
    test.each(ROWS.map((row) => [row.label, row] as const))('%s', (_, row) => {
      expectRefused({ ...row, mentions: [...row.mentions ?? [], ZONE_FIX] });
    });
  });

  describe('accepted', () => {
    test.each<[string, (s: TerraformStack) => void]>([
      ['ZRS in regions with zones', (s) => {
        new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'westus2', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
        new ImageCopy(s, 'Copy', imageCopyProps(s, { location: 'swedencentral', osDiskStorageType: OsDiskStorageType.STANDARD_SSD_ZRS }));
      }],
      ['locally redundant storage in regions without zones', (s) => {
        galleryIn(s, 'westus', [{ location: 'westus', storageType: GalleryStorageType.PREMIUM_LRS }, { location: 'ukwest' }]);
        new ImageCopy(s, 'Copy', imageCopyProps(s, { location: 'ukwest', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS }));
      }],
      ['ZRS in a region the zone list does not know (newer than its source): Azure decides', (s) => {
        new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'denmarkeast', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
      }],
    ])('%s', (_, build) => {
      expect(synthesize(build).error).toBeUndefined();
    });

    test('a zoneless region listed in the context key azure-golden-image:zoneRegions (it gained zones since): accepted', () => {
      const build = (s: TerraformStack) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'westus', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
      expect(synthesize(build, { [ZONE_REGIONS_CONTEXT]: ['West US'] }).error).toBeUndefined();
      expect(synthesize(build, { [ZONE_REGIONS_CONTEXT]: 'ukwest,westus' }).error).toBeUndefined();
      expect(synthesize(build, { [ZONE_REGIONS_CONTEXT]: ['ukwest'] }).error?.message).toMatch(/osDiskStorageType: 'Premium_ZRS' is zone-redundant storage/);
    });

    test('a storage type that is none (a JavaScript caller\'s string) is reported once, as not a storage type', () => {
      const result = synthesize((s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'westus', osDiskStorageType: 'premium_zrs' as OsDiskStorageType })));
      expect(result.error?.message).toMatch(/: 1 invalid prop:\n {2}- osDiskStorageType: 'premium_zrs' is not a storage type/);
    });
  });

  describe('the constructs that choose no storage type: locally redundant OS disks in any region', () => {
    test('ImageFleet and ImageScaleSet in a zoneless region: StandardSSD_LRS OS disks', () => {
      const { parsed } = synthStack((s) => {
        new ImageFleet(s, 'Fleet', imageFleetProps(s, { location: 'westus' }, { location: 'westus' }));
        new ImageScaleSet(s, 'Web', imageScaleSetProps(new Construct(s, 'Other'), { location: 'westus' }, { location: 'westus' }));
      });
      expect(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Fleet/VirtualMachine').os_disk.storage_account_type).toBe('StandardSSD_LRS');
      expect(onlyResource(parsed, 'azurerm_windows_virtual_machine_scale_set').os_disk.storage_account_type).toBe('StandardSSD_LRS');
    });
  });

  describe('a region given as a token: the same rule at plan time', () => {
    const regionVariable = (s: TerraformStack) => new TerraformVariable(s, 'region', { type: 'string' }).stringValue;

    test('GoldenVm: a precondition on the VM, reading like the synth-time line', () => {
      const { parsed } = synthStack((s) => {
        new GoldenVm(s, 'BuildVm', goldenVmProps({ location: regionVariable(s), osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
      });
      const [check] = onlyResource(parsed, 'azurerm_windows_virtual_machine').lifecycle.precondition;
      expect(check.condition).toContain('!contains(["australiacentral",');
      expect(check.condition).toContain('lower(replace(var.region, " ", ""))');
      expect(check.error_message).toMatch(/^GoldenVm 'stack\/BuildVm': osDiskStorageType: 'Premium_ZRS' is zone-redundant storage, but location \$\{try\(format\("'%s'", var\.region\), "null"\)\} is a region without availability zones .*\. Fix: use OsDiskStorageType\.PREMIUM_LRS there, or a region with availability zones/);
    });

    test('ImageCopy (the image, or its line\'s capture step) and GalleryImageVersion (its publish step) carry it too', () => {
      const { parsed } = synthStack((s) => {
        const region = regionVariable(s);
        new ImageCopy(s, 'Copy', imageCopyProps(s, { location: region, osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
        new ImageCopy(s, 'LineCopy', {
          source: new GeneralizedImage(s, 'LineImage', { vm: new GoldenVm(s, 'LineVm', goldenVmProps({ vmName: 'vm-line', location: region })) }),
          resourceGroupName: 'rg-line-copy',
          method: ImageCopyMethod.OS_DISK,
          osDiskStorageType: OsDiskStorageType.STANDARD_SSD_ZRS,
        });
        new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [{ location: region, storageType: GalleryStorageType.STANDARD_ZRS }] }));
      });
      const messages = [
        resourceAt(parsed, 'azurerm_image', 'Copy/Image'),
        resourceAt(parsed, 'terraform_data', 'LineCopy/Capture'),
        resourceAt(parsed, 'terraform_data', 'Version/Publish'),
      ].map((resource) => resource.lifecycle.precondition.map((p: { error_message: string }) => p.error_message.replace(/ is zone-redundant .*/, '')));
      expect(messages).toEqual([
        ["ImageCopy 'stack/Copy': osDiskStorageType: 'Premium_ZRS'"],
        ["ImageCopy 'stack/LineCopy': osDiskStorageType: 'StandardSSD_ZRS'"],
        ["GalleryImageVersion 'stack/Version': targetRegions[0].storageType: 'Standard_ZRS'"],
      ]);
    });

    test('locally redundant storage in a token region, or ZRS in a literal one: no precondition (the JSON stays as it was)', () => {
      const { parsed } = synthStack((s) => {
        new GoldenVm(s, 'TokenVm', goldenVmProps({ vmName: 'vm-token', location: regionVariable(s) }));
        new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [{ location: 'westeurope', storageType: GalleryStorageType.STANDARD_ZRS }] }));
      });
      expect(resourceAt(parsed, 'azurerm_windows_virtual_machine', 'TokenVm/VirtualMachine').lifecycle.precondition).toBeUndefined();
      expect(resourceAt(parsed, 'terraform_data', 'Version/Publish').lifecycle).toBeUndefined();
    });
  });
});
