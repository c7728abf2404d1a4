import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { TerraformStack, Testing } from 'cdktf';
import {
  FleetRollout, GalleryImage, GalleryImageProps, GoldenImageChecks, GalleryImageVersion, GalleryImageVersionProps, GalleryStorageType,
  GeneralizedImage,
  GoldenVm, HyperVGeneration, ImageCopy, ImageFleet, ImageGallery, ImageKind, ImageScaleSet, ImageSecurityType, MarketplaceImage,
  SecurityType,
} from '../lib';
import { goldenVmProps, warningsOf } from './util/constructs';
import { addressAt, addressOf, onlyResource, resourceAt, resourcesOf, synthStack } from './util/synth';

const GEN1_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest');
const SCRIPTS = '\\./assets/GoldenImageScripts/[0-9A-F]{32}';

interface Pipeline {
  vm: GoldenVm;
  image: GeneralizedImage;
  gallery: ImageGallery;
  definition: GalleryImage;
  version: GalleryImageVersion;
}

/** A Trusted Launch build published to a TrustedLaunch definition, unless told otherwise. */
function pipeline(stack: TerraformStack, options: {
  vm?: Parameters<typeof goldenVmProps>[0];
  definition?: Partial<GalleryImageProps>;
  version?: Partial<GalleryImageVersionProps>;
  galleryLocation?: string;
} = {}): Pipeline {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH, ...options.vm }));
  const image = new GeneralizedImage(stack, 'Image', { vm });
  const gallery = new ImageGallery(stack, 'Gallery', { location: options.galleryLocation ?? 'westeurope', galleryName: 'gal_golden' });
  const definition = new GalleryImage(stack, 'Web', { gallery, imageName: 'web-iis', ...options.definition });
  const version = new GalleryImageVersion(stack, 'Version', {
    galleryImage: definition,
    source: image,
    targetRegions: [{ location: 'northeurope' }],
    ...options.version,
  });
  return { vm, image, gallery, definition, version };
}

function synthPipeline(options: Parameters<typeof pipeline>[1] = {}, extra?: (p: Pipeline, stack: TerraformStack) => void) {
  let built: Pipeline | undefined;
  const result = synthStack((stack) => {
    built = pipeline(stack, options);
    extra?.(built, stack);
  });
  return { ...result, ...built! };
}

const environmentOf = (resource: any) => resource.provisioner[0]['local-exec'].environment;
const commandOf = (resource: any) => resource.provisioner[0]['local-exec'].command;

describe('Trusted Launch build -> gallery version', () => {
  test('the build VM is Trusted Launch (Secure Boot + vTPM) and is generalized without a managed image', () => {
    const { parsed, image } = synthPipeline();
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm.secure_boot_enabled).toBe(true);
    expect(vm.vtpm_enabled).toBe(true);
    expect(image.hasManagedImage).toBe(false);
    expect(image.captureStep).toBeUndefined();
    // No managed image, no image line: only the generalize step of GeneralizedImage.
    expect(resourcesOf(parsed, 'azurerm_image')).toEqual({});
    expect(Object.keys(resourcesOf(parsed, 'terraform_data')).filter((n) => n.startsWith('Image_'))).toEqual([
      expect.stringMatching(/^Image_Generalize_/),
    ]);
    // The setup step checks the real VM against Trusted Launch.
    expect(environmentOf(resourceAt(parsed, 'terraform_data', 'BuildVm/Setup')).GOLDEN_EXPECTED_SECURITY_TYPE).toBe('TrustedLaunch');
    expect(() => image.imageId).toThrow(/has no managed image \(managedImage is false: the build VM is Trusted Launch\)\. Fix: publish it with new GalleryImageVersion/);
  });

  test('gallery and TrustedLaunch definition: V2, trusted_launch_enabled, identity, end of life', () => {
    const { parsed } = synthPipeline({ definition: { description: 'IIS web server', endOfLifeDate: '2999-12-31' } });
    const gallery = onlyResource(parsed, 'azurerm_shared_image_gallery');
    expect(gallery).toMatchObject({ name: 'gal_golden', location: 'westeurope' });
    const definition = onlyResource(parsed, 'azurerm_shared_image');
    expect(definition).toMatchObject({
      name: 'web-iis',
      os_type: 'Windows',
      hyper_v_generation: 'V2',
      trusted_launch_enabled: true,
      identifier: { publisher: 'golden-image', offer: 'web-iis', sku: 'gen2-trustedlaunch' },
      description: 'IIS web server',
      end_of_life_date: '2999-12-31T00:00:00Z',
      gallery_name: `\${${addressOf(parsed, 'azurerm_shared_image_gallery')}.name}`,
    });
    expect(definition.trusted_launch_supported).toBeUndefined();
  });

  test('TrustedLaunchSupported definition from a Standard build VM; its canary boots as Trusted Launch', () => {
    const { parsed } = synthPipeline({
      vm: { securityType: SecurityType.STANDARD },
      definition: { securityType: ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED },
    });
    const definition = onlyResource(parsed, 'azurerm_shared_image');
    expect(definition.trusted_launch_supported).toBe(true);
    expect(definition.trusted_launch_enabled).toBeUndefined();
    // A Standard build VM still gets its managed image by default, beside the gallery version.
    expect(Object.keys(resourcesOf(parsed, 'terraform_data')).some((n) => n.startsWith('Image_Capture_'))).toBe(true);
    expect(environmentOf(resourceAt(parsed, 'terraform_data', 'Version/Canary')).GOLDEN_CANARY_SECURITY_TYPE).toBe('TrustedLaunch');
  });

  test('publish, replication, canary and promote run in order, each once per build revision, from the generalized VM', () => {
    const { parsed } = synthPipeline();
    const revision = `\${${addressAt(parsed, 'terraform_data', 'BuildVm/BuildRevision')}.output}`;
    const address = (step: string) => addressAt(parsed, 'terraform_data', `Version/${step}`);
    const publish = resourceAt(parsed, 'terraform_data', 'Version/Publish');
    const replication = resourceAt(parsed, 'terraform_data', 'Version/Replication');
    const canary = resourceAt(parsed, 'terraform_data', 'Version/Canary');
    const promote = resourceAt(parsed, 'terraform_data', 'Version/Promote');
    const line = resourceAt(parsed, 'terraform_data', 'Version/VersionLine');

    // The operator program's steps as Terraform's interpreter (no shell).
    const interpreterOf = (resource: any) => resource.provisioner[0]['local-exec'].interpreter;
    for (const [resource, step] of [[publish, 'gallery-publish'], [replication, 'gallery-replicate'], [canary, 'gallery-canary'], [promote, 'gallery-promote'],
      [line, 'gallery-delete-all']]) {
      expect(interpreterOf(resource)).toEqual(['node', expect.stringMatching(new RegExp(`^${SCRIPTS}/operator/operator\\.js$`))]);
      expect(commandOf(resource)).toBe(step);
    }
    expect(line.provisioner[0]['local-exec'].when).toBe('destroy');

    // Once per build and per definition (a replaced definition is a new line: its old versions are deleted first).
    const definitionId = `\${${addressAt(parsed, 'azurerm_shared_image', 'Web/Definition')}.id}`;
    expect(publish.triggers_replace).toEqual({ revision, gallery_image_resource_id: definitionId });
    expect(canary.triggers_replace).toEqual({ revision, regions: ['westeurope', 'northeurope'], gallery_image_resource_id: definitionId });
    expect(line.triggers_replace).toMatchObject({ gallery_image_resource_id: definitionId });
    expect(promote.triggers_replace).toMatchObject({ revision, gallery_image_resource_id: definitionId });
    expect(publish.depends_on).toEqual(expect.arrayContaining([address('VersionLine'), addressAt(parsed, 'terraform_data', 'Image/Generalize')]));
    expect(replication.depends_on).toEqual([address('Publish')]);
    expect(canary.depends_on).toEqual([address('Replication')]);
    expect(promote.depends_on).toEqual([address('Canary')]);

    const vmId = `\${${addressAt(parsed, 'azurerm_windows_virtual_machine', 'BuildVm/VirtualMachine')}.id}`;
    const env = environmentOf(publish);
    expect(env).toMatchObject({
      GOLDEN_GALLERY_NAME: `\${${addressOf(parsed, 'azurerm_shared_image_gallery')}.name}`,
      GOLDEN_GALLERY_IMAGE: `\${${addressAt(parsed, 'azurerm_shared_image', 'Web/Definition')}.name}`,
      GOLDEN_SOURCE_ID: vmId,
      GOLDEN_BUILD_REVISION: revision,
      GOLDEN_GALLERY_LOCATION: 'westeurope',
      // The gallery's own region first (Azure requires a replica there), then the others.
      GOLDEN_TARGET_REGIONS: 'westeurope=1=Standard_LRS\nnortheurope=1=Standard_LRS',
      GOLDEN_PUBLISH_TIMEOUT_MINUTES: '180',
    });
    // X.Y.Z from the revision, computed by Terraform.
    expect(env.GOLDEN_GALLERY_VERSION).toContain('format("%d.%d.%d"');
    expect(publish.input).toMatchObject({ kind: 'gallery_image_version', security_type: 'TrustedLaunch', hyper_v_generation: 'V2', source_virtual_machine_id: vmId });
    expect(environmentOf(promote)).toMatchObject({ GOLDEN_EXCLUDE_FROM_LATEST: 'false', GOLDEN_RETAIN_VERSIONS: '3' });
    expect(environmentOf(canary)).toMatchObject({
      GOLDEN_CANARY_REGIONS: 'westeurope\nnortheurope',
      GOLDEN_CANARY_SECURITY_TYPE: 'TrustedLaunch',
      GOLDEN_CANARY_VM_SIZE: 'Standard_D2s_v5',
      GOLDEN_CANARY_TIMEOUT_MINUTES: '30',
      GOLDEN_CANARY_URL: 'http://localhost/',
    });
    // Only references to self at destroy time.
    expect(Object.values(environmentOf(line)).every((value) => String(value).startsWith('${self.input.'))).toBe(true);
  });

  test('the version is an image in each of its regions, read from the promote step (using it waits for the canary)', () => {
    const { version, parsed } = synthPipeline();
    expect(version.kind).toBe(ImageKind.GALLERY_IMAGE_VERSION);
    expect(version.regions).toEqual(['westeurope', 'northeurope']);
    expect(version.securityType).toBe(ImageSecurityType.TRUSTED_LAUNCH);
    expect(version.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(version.imageDependables).toEqual([version.promoteStep]);
    expect(version.latest.kind).toBe(ImageKind.GALLERY_IMAGE_LATEST);
    const promote = resourceAt(parsed, 'terraform_data', 'Version/Promote');
    expect(promote.input.version_id).toMatch(/\/galleries\/\$\{azurerm_shared_image_gallery\.[^}]+\.name\}\/images\/\$\{azurerm_shared_image\.[^}]+\.name\}\/versions\/\$\{format\("%d\.%d\.%d"/);
  });

  test('a Trusted Launch fleet in the second region from the version: Secure Boot, vTPM, the version id', () => {
    const { parsed } = synthPipeline({}, ({ version }, stack) => {
      new ImageFleet(stack, 'Fleet', { image: version, location: 'North Europe', count: 3, namePrefix: 'web', rollout: FleetRollout.ALL_AT_ONCE });
    });
    const vms = resourceAt(parsed, 'azurerm_windows_virtual_machine', 'Fleet/VirtualMachine');
    expect(vms).toMatchObject({ secure_boot_enabled: true, vtpm_enabled: true, location: 'northeurope' });
    expect(vms.source_image_id).toBe(`\${${addressAt(parsed, 'terraform_data', 'Version/Promote')}.output.version_id}`);
  });

  test('replicas follow the fleets: one per 50 VMs in the region, at least 1; explicit counts win', () => {
    const { parsed } = synthPipeline({
      version: { targetRegions: [{ location: 'northeurope' }, { location: 'swedencentral', replicaCount: 2, storageType: GalleryStorageType.STANDARD_ZRS }] },
    }, ({ version }, stack) => {
      new ImageFleet(stack, 'Big', { image: version, location: 'northeurope', count: 120, namePrefix: 'big', rollout: FleetRollout.ALL_AT_ONCE, subnetPrefix: '10.0.0.0/22' });
      new ImageFleet(stack, 'Small', { image: version.latest, location: 'northeurope', count: 40, namePrefix: 'small', rollout: FleetRollout.ALL_AT_ONCE });
    });
    // 160 VMs in northeurope: 4 replicas; westeurope has no fleet: 1.
    expect(environmentOf(resourceAt(parsed, 'terraform_data', 'Version/Publish')).GOLDEN_TARGET_REGIONS)
      .toBe('westeurope=1=Standard_LRS\nnortheurope=4=Standard_LRS\nswedencentral=2=Standard_ZRS');
    // The replication step runs again when the counts change.
    expect(resourceAt(parsed, 'terraform_data', 'Version/Replication').triggers_replace.target_regions).toContain('northeurope=4');
  });

  test('scale sets count like fleets', () => {
    const app = Testing.app();
    const images = new TerraformStack(app, 'images');
    const { version } = pipeline(images);
    const webStack = new TerraformStack(app, 'web');
    new ImageScaleSet(webStack, 'Web', { image: version.importInto(webStack, 'Image', { latest: true }), location: 'northeurope', count: 300, namePrefix: 'web' });
    const parsed = JSON.parse(Testing.synth(images));
    expect(environmentOf(resourceAt(parsed, 'terraform_data', 'Version/Publish')).GOLDEN_TARGET_REGIONS).toContain('northeurope=6=Standard_LRS');
  });

  test('fleets in another stack count too, through importInto', () => {
    const app = Testing.app();
    const images = new TerraformStack(app, 'images');
    const { version } = pipeline(images);
    const fleetStack = new TerraformStack(app, 'fleet');
    const image = version.importInto(fleetStack, 'Image');
    expect(image.imageDependables).toEqual([]);
    new ImageFleet(fleetStack, 'Fleet', { image, location: 'northeurope', count: 260, namePrefix: 'web', subnetPrefix: '10.0.0.0/22' });
    const parsed = JSON.parse(Testing.synth(images));
    expect(environmentOf(resourceAt(parsed, 'terraform_data', 'Version/Publish')).GOLDEN_TARGET_REGIONS).toContain('northeurope=6=Standard_LRS');
  });

  test('warnings when a fleet exceeds what its image serves: a managed image beyond 20, explicit replicas beyond 50 each', () => {
    let fleets: ImageFleet[] = [];
    synthPipeline({ version: { targetRegions: [{ location: 'northeurope', replicaCount: 1 }] } }, ({ version }, stack) => {
      const managedVm = new GoldenVm(stack, 'StdVm', goldenVmProps({ vmName: 'vm-std', computerName: 'std01' }));
      const managed = new GeneralizedImage(stack, 'StdImage', { vm: managedVm });
      fleets = [
        new ImageFleet(stack, 'FromManaged', { image: managed, count: 25, namePrefix: 'mgd', rollout: FleetRollout.ALL_AT_ONCE }),
        new ImageFleet(stack, 'FromGallery', { image: version, location: 'northeurope', count: 60, namePrefix: 'gal', rollout: FleetRollout.ALL_AT_ONCE }),
        new ImageFleet(stack, 'Fine', { image: version, location: 'westeurope', count: 60, namePrefix: 'fine', rollout: FleetRollout.ALL_AT_ONCE }),
      ];
    });
    expect(warningsOf(fleets[0])).toEqual([expect.stringMatching(/^25 VMs from managed image .*about 20 concurrent deployments/)]);
    expect(warningsOf(fleets[1])).toEqual([expect.stringMatching(/^60 VMs in northeurope .* 1 replica\(s\) there.*Give that target region replicaCount 2/)]);
    expect(warningsOf(fleets[2])).toEqual([]);
  });

  test('canary disabled: promote follows replication; excludeFromLatest and retainVersions reach the promote step', () => {
    const { parsed } = synthPipeline({ version: { canary: { enabled: false }, excludeFromLatest: true, retainVersions: 5 } });
    expect(Object.keys(resourcesOf(parsed, 'terraform_data')).some((n) => n.startsWith('Version_Canary'))).toBe(false);
    const promote = resourceAt(parsed, 'terraform_data', 'Version/Promote');
    expect(promote.depends_on).toEqual([addressAt(parsed, 'terraform_data', 'Version/Replication')]);
    expect(environmentOf(promote)).toMatchObject({ GOLDEN_EXCLUDE_FROM_LATEST: 'true', GOLDEN_RETAIN_VERSIONS: '5' });
  });

  test('fromVersionId: a version or a definition (latest) made elsewhere', () => {
    const stack = new TerraformStack(Testing.app(), 'imports');
    const id = '/subscriptions/6f1c5b2a-3d4e-4f50-8a9b-0c1d2e3f4a5b/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal_golden/images/web-iis';
    const version = GalleryImageVersion.fromVersionId(stack, 'V', {
      imageId: `${id}/versions/2026.1129.204500`,
      location: 'westeurope',
      regions: ['northeurope'],
      hyperVGeneration: HyperVGeneration.V2,
      securityType: ImageSecurityType.TRUSTED_LAUNCH,
    });
    expect(version).toMatchObject({ kind: ImageKind.GALLERY_IMAGE_VERSION, imageName: '2026.1129.204500', resourceGroupName: 'rg-images', regions: ['westeurope', 'northeurope'] });
    const latest = GalleryImageVersion.fromVersionId(stack, 'L', {
      imageId: id, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, securityType: ImageSecurityType.TRUSTED_LAUNCH,
    });
    expect(latest).toMatchObject({ kind: ImageKind.GALLERY_IMAGE_LATEST, imageName: 'web-iis' });
    expect(() => GalleryImageVersion.fromVersionId(stack, 'Bad', {
      imageId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/images/img',
      location: 'West Europe',
      hyperVGeneration: HyperVGeneration.V2,
      securityType: ImageSecurityType.STANDARD,
    })).toThrow(/imageId: '\/subscriptions\/x\/.*' is not the resource id of a gallery image version .* Fix: copy it from `az sig image-version show/);
  });

  test('NVMe: the definition\'s tag reaches the version, its latest and its imports; fromVersionId takes it, unknown by default', () => {
    const { parsed, definition, version } = synthPipeline({ definition: { nvmeSupported: true }, version: { canary: { vmSize: 'Standard_D2s_v6' } } }, (p, stack) => {
      expect(p.version.importInto(stack, 'Imported').nvmeSupported).toBe(true);
    });
    expect(onlyResource(parsed, 'azurerm_shared_image')).toMatchObject({ disk_controller_type_nvme_enabled: true });
    expect(definition.nvmeSupported).toBe(true);
    expect(version.nvmeSupported).toBe(true);
    expect(version.latest.nvmeSupported).toBe(true);
    expect(synthPipeline().version.nvmeSupported).toBe(false);

    const stack = new TerraformStack(Testing.app(), 'imports');
    const attrs = {
      imageId: '/subscriptions/6f1c5b2a-3d4e-4f50-8a9b-0c1d2e3f4a5b/resourceGroups/rg-images/providers/Microsoft.Compute/galleries/gal_golden/images/web-iis',
      location: 'westeurope',
      hyperVGeneration: HyperVGeneration.V2,
      securityType: ImageSecurityType.TRUSTED_LAUNCH,
    };
    expect(GalleryImageVersion.fromVersionId(stack, 'Unknown', attrs).nvmeSupported).toBeUndefined();
    expect(GalleryImageVersion.fromVersionId(stack, 'Tagged', { ...attrs, nvmeSupported: true }).nvmeSupported).toBe(true);
    expect(() => GalleryImageVersion.fromVersionId(stack, 'Bad', { ...attrs, nvmeSupported: 'yes' as unknown as boolean }))
      .toThrow(/nvmeSupported: 'yes' is a string, not a boolean\. Fix: pass true \(a boolean\), not 'yes'/);
  });
});

describe('mismatches are refused at synth time, naming the prop, the value and the fix', () => {
  test.each([
    ['a Trusted Launch VM into a TrustedLaunchSupported definition', { definition: { securityType: ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED } },
      /galleryImage: 'TrustedLaunchSupported' is a TrustedLaunchSupported definition, but build VM 'vm-golden' is Trusted Launch.*Fix: publish to a GalleryImage with securityType ImageSecurityType.TRUSTED_LAUNCH/],
    ['a Trusted Launch VM into a Standard definition', { definition: { securityType: ImageSecurityType.STANDARD } },
      /galleryImage: 'Standard' is a Standard definition, but build VM 'vm-golden' is Trusted Launch/],
    ['a Standard VM into a TrustedLaunch definition', { vm: { securityType: SecurityType.STANDARD } },
      /galleryImage: 'TrustedLaunch' is a TrustedLaunch definition, but build VM 'vm-golden' is of the Standard security type.*Fix: build with securityType: SecurityType.TRUSTED_LAUNCH/],
    ['a Gen1 VM into a V2 definition', { vm: { securityType: SecurityType.STANDARD, image: GEN1_IMAGE }, definition: { securityType: ImageSecurityType.STANDARD } },
      /galleryImage: 'V2' is a V2 definition, but build VM 'vm-golden' is V1/],
    ['a gallery in another region than the build VM', { galleryLocation: 'northeurope' },
      /source: 'westeurope' is the build VM's region, but the gallery is in 'northeurope'/],
    ['a region listed twice', { version: { targetRegions: [{ location: 'northeurope' }, { location: 'North Europe' }] } },
      /targetRegions\[1\]\.location: 'North Europe' is listed twice/],
    ['too many replicas', { version: { targetRegions: [{ location: 'northeurope', replicaCount: 101 }] } },
      /targetRegions\[0\]\.replicaCount: 101 is not a whole number between 1 and 100/],
    ['a bad storage type', { version: { targetRegions: [{ location: 'northeurope', storageType: 'Premium_ZRS' as GalleryStorageType }] } },
      /targetRegions\[0\]\.storageType: 'Premium_ZRS' is not a gallery storage type/],
    ['an unknown region', { version: { targetRegions: [{ location: 'north-europe!' }] } }, /location: 'north-europe!' is not an Azure region name/],
    ['retainVersions 0', { version: { retainVersions: 0 } }, /retainVersions: 0 is not a whole number of versions between 1 and 50/],
    ['an end of life that is no date', { version: { endOfLifeDate: '2027-02-30' } }, /endOfLifeDate: '2027-02-30' is not a date YYYY-MM-DD/],
    ['a canary URL with a quote', { version: { canary: { url: "http://localhost/'x" } } }, /canary\.url: .* is not an http\(s\) URL/],
    ['a canary timeout beyond 120', { version: { canary: { timeoutMinutes: 121 } } }, /canary\.timeoutMinutes: 121 is not a whole number of minutes between 5 and 120/],
    ['a Gen1 TrustedLaunch definition', { definition: { hyperVGeneration: HyperVGeneration.V1 } },
      /hyperVGeneration: 'V1' cannot carry the TrustedLaunch security type: Trusted Launch needs Gen2/],
    ['a definition name with a space', { definition: { imageName: 'web iis' } }, /imageName: 'web iis' is not a valid image definition name/],
  ] as Array<[string, Parameters<typeof pipeline>[1], RegExp]>)('%s', (_, options, message) => {
    expect(() => synthPipeline(options)).toThrow(message);
  });

  test('a Trusted Launch build VM from a Gen1 image', () => {
    expect(() => synthStack((stack) => new GoldenVm(stack, 'Vm', goldenVmProps({ image: GEN1_IMAGE, securityType: SecurityType.TRUSTED_LAUNCH }))))
      .toThrow(/securityType: 'TrustedLaunch' needs a Gen2 image, but 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest' is Gen1/);
  });

  test('a managed image of a Trusted Launch build VM', () => {
    expect(() => synthStack((stack) => {
      const vm = new GoldenVm(stack, 'Vm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH }));
      new GeneralizedImage(stack, 'Image', { vm, managedImage: true });
    })).toThrow(/managedImage: true asks for a managed image of 'vm-golden', a Trusted Launch build VM.*Fix: omit managedImage and publish the build with GalleryImageVersion/);
  });

  test.each([
    ['a Trusted Launch fleet from a managed image', 'managed', SecurityType.TRUSTED_LAUNCH, /securityType: 'TrustedLaunch' cannot be used with a managed image/],
    ['a Standard fleet from a TrustedLaunch version', 'trusted', SecurityType.STANDARD, /securityType: 'Standard' cannot be used with image .*TrustedLaunch security type/],
    ['a Trusted Launch fleet from a Standard definition', 'standard', SecurityType.TRUSTED_LAUNCH, /securityType: 'TrustedLaunch' needs an image that supports Trusted Launch/],
    ['a fleet in a region the version is not replicated to', 'trusted', undefined, /location: 'swedencentral' is not the image's regions \('westeurope', 'northeurope'\).*Fix: add \{ location: 'swedencentral' \} to the GalleryImageVersion's targetRegions/],
  ] as Array<[string, string, SecurityType | undefined, RegExp]>)('%s', (_, source, securityType, message) => {
    expect(() => synthStack((stack) => {
      const standard = source !== 'trusted';
      const built = pipeline(stack, standard
        ? { vm: { securityType: SecurityType.STANDARD }, definition: { securityType: ImageSecurityType.STANDARD } }
        : {});
      const image = source === 'managed' ? built.image : built.version;
      new ImageFleet(stack, 'Fleet', {
        image,
        securityType,
        count: 2,
        namePrefix: 'web',
        rollout: FleetRollout.ALL_AT_ONCE,
        location: securityType === undefined ? 'swedencentral' : undefined,
      });
    })).toThrow(message);
  });

  test('TrustedLaunchSupported takes fleets of either security type; the default is Trusted Launch', () => {
    const fleets: ImageFleet[] = [];
    const supported = { vm: { securityType: SecurityType.STANDARD }, definition: { securityType: ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED } };
    synthPipeline(supported, ({ version }, stack) => {
      fleets.push(new ImageFleet(stack, 'Default', { image: version, count: 1, namePrefix: 'a', rollout: FleetRollout.ALL_AT_ONCE }));
      fleets.push(new ImageFleet(stack, 'Std', { image: version, count: 1, namePrefix: 'b', rollout: FleetRollout.ALL_AT_ONCE, securityType: SecurityType.STANDARD }));
    });
    expect(fleets.map((f) => f.securityType)).toEqual([SecurityType.TRUSTED_LAUNCH, SecurityType.STANDARD]);
  });

  test('ImageCopy refuses a gallery version: replicate it instead', () => {
    expect(() => synthStack((stack) => {
      const { version } = pipeline(stack);
      new ImageCopy(stack, 'Copy', { source: version, location: 'northeurope' });
    })).toThrow(/source: 'GalleryImageVersion' is a gallery image, but ImageCopy copies managed images.*Fix: replicate the version instead/);
  });
});

describe('GoldenImageChecks reads what GalleryImageVersion records', () => {
  /** A VM of your own, written with the raw provider binding, from the version's (or its latest's) id. */
  function ownVm(latest: boolean, secureBoot: boolean): () => void {
    return () => {
      const stack = new TerraformStack(Testing.app(), 'own');
      new AzurermProvider(stack, 'azurerm', { features: [{}] });
      const { version } = pipeline(stack);
      new WindowsVirtualMachine(stack, 'OwnVm', {
        name: 'own',
        resourceGroupName: 'rg-own',
        location: 'northeurope',
        size: 'Standard_D2s_v5',
        adminUsername: 'ownadmin',
        adminPassword: '${var.pw}',
        networkInterfaceIds: ['nic'],
        osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
        sourceImageId: latest ? version.latest.imageId : version.imageId,
        secureBootEnabled: secureBoot,
        vtpmEnabled: secureBoot,
      });
      GoldenImageChecks.applyTo(stack);
      Testing.fullSynth(stack);
    };
  }

  test.each([[false], [true]])('a Standard VM of your own from the TrustedLaunch version (latest: %s) fails synthesis', (latest) => {
    expect(ownVm(latest, false)).toThrow(/\[GoldenImage:StandardVmFromTrustedLaunchImage\] /);
    expect(ownVm(latest, true)).not.toThrow();
  });
});
