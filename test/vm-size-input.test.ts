/**
 * VM sizes against images, across every construct that takes a size (GoldenVm, ImageFleet, ImageScaleSet and the
 * gallery canary): a size that cannot boot the image (generation, architecture, an NVMe-only size and an image not
 * tagged for NVMe), cannot be Trusted Launch, or cannot take the premium OS disk is refused at synth time with one
 * error naming the prop, the size and the fix; so is a build on an NVMe-only size whose image could not be tagged
 * (a managed image, a definition without NVMe support). The defaults, common sizes and tokens pass; a size the library
 * does not know, or an image whose NVMe tag it does not know, passes with a warning that says so.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { IConstruct } from 'constructs';
import {
  FleetRollout, GalleryImage, GalleryImageProps, GalleryImageVersion, GalleryImageVersionAttributes, GalleryImageVersionProps, GeneralizedImage,
  GoldenVm, GoldenVmProps, HyperVGeneration, IImage, ImageCopy, ImageFleet, ImageFleetProps, ImageGallery, ImageScaleSet, ImageScaleSetProps,
  ImageSecurityType, ManagedImage, MarketplaceImage, OsDiskStorageType, SecurityType,
} from '../lib';
import { goldenVmProps, warningsOf } from './util/constructs';
import { expectRefused, Refusal, synthesize } from './util/refusal';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
const DEFINITION_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-gal/providers/Microsoft.Compute/galleries/gal_web/images/web-iis`;
const GEN1_URN = 'MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest';
/** Gen2, but Windows Server 2016: not tagged for NVMe ("Supported OS images for remote NVMe" lists 2019 and later). */
const WS2016_GEN2_URN = 'MicrosoftWindowsServer:WindowsServer:2016-datacenter-gensecond:latest';
/** The Azure error an NVMe-only size meets with an image not tagged for NVMe. */
const NVME_BOOT_ERROR = 'cannot boot with OS image or disk';

// --- builders: valid constructs, with the props under test overridden ------------------------------------------------

function goldenVm(stack: TerraformStack, overrides: Partial<GoldenVmProps> = {}): GoldenVm {
  return new GoldenVm(stack, 'BuildVm', goldenVmProps(overrides));
}

function managedImage(stack: TerraformStack, hyperVGeneration = HyperVGeneration.V2): IImage {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration });
}

/** A gallery image made elsewhere, imported by id: its architecture (and, unless given, its NVMe tag) is unknown here. */
function importedGalleryImage(stack: TerraformStack, securityType: ImageSecurityType,
  attributes: Partial<GalleryImageVersionAttributes> = {}): IImage {
  return GalleryImageVersion.fromVersionId(stack, 'Golden', {
    imageId: `${DEFINITION_ID}/versions/2026.1129.101500`, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, securityType, ...attributes,
  });
}

/** What a gallery version's build VM and definition are, besides the defaults of `galleryVersion`. */
interface GalleryBuild {
  readonly vm?: Partial<GoldenVmProps>;
  readonly definition?: Partial<GalleryImageProps>;
}

/** This app's own build, published to a TrustedLaunch definition (and so Trusted Launch VMs). */
function galleryVersion(stack: TerraformStack, overrides: Partial<GalleryImageVersionProps> = {}, build: GalleryBuild = {}): GalleryImageVersion {
  const vm = goldenVm(stack, { securityType: SecurityType.TRUSTED_LAUNCH, ...build.vm });
  const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' });
  return new GalleryImageVersion(stack, 'Version', {
    galleryImage: new GalleryImage(stack, 'Definition', { gallery, imageName: 'web-iis', ...build.definition }),
    source: new GeneralizedImage(stack, 'Image', { vm }),
    ...overrides,
  });
}

/** The build's managed image (a Standard build VM captures one by default). */
function buildImage(stack: TerraformStack, vm: Partial<GoldenVmProps> = {}): GeneralizedImage {
  return new GeneralizedImage(stack, 'Image', { vm: goldenVm(stack, vm) });
}

function imageFleet(stack: TerraformStack, image: IImage, overrides: Partial<ImageFleetProps> = {}): ImageFleet {
  return new ImageFleet(stack, 'Fleet', { image, count: 3, namePrefix: 'web', resourceGroupName: 'rg-fleet', ...overrides });
}

function imageScaleSet(stack: TerraformStack, image: IImage, overrides: Partial<ImageScaleSetProps> = {}): ImageScaleSet {
  return new ImageScaleSet(stack, 'Web', { image, count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

// --- refused --------------------------------------------------------------------------------------------------------

function refused(construct: string, prop: string, value: string, build: (stack: TerraformStack) => void,
  ...mentions: Array<string | RegExp>): Refusal {
  return { construct, prop, value, build, mentions };
}

const REFUSED: Array<[string, Refusal]> = [
  // GoldenVm: the seed's Gen2 Windows Server image unless said otherwise.
  ['GoldenVm: a Gen1-only size with a Gen2 image', refused('GoldenVm', 'vmSize', 'Standard_D2_v3', (s) => goldenVm(s, { vmSize: 'Standard_D2_v3' }),
    'boots Generation 1 images only (Dv3-series)', "marketplace image 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest' is Gen2 (V2)",
    "Fix: pick a size that supports Gen2, e.g. 'Standard_D2s_v5'")],
  ['GoldenVm: a Basic A size with a Gen2 image', refused('GoldenVm', 'vmSize', 'Basic_A1', (s) => goldenVm(s, { vmSize: 'Basic_A1' }),
    'boots Generation 1 images only (A-family', "e.g. 'Standard_D2s_v5'")],
  ['GoldenVm: a Gen2-only size with a Gen1 image', refused('GoldenVm', 'vmSize', 'Standard_M208ms_v2',
    (s) => goldenVm(s, { vmSize: 'Standard_M208ms_v2', image: MarketplaceImage.fromUrn(GEN1_URN) }),
    'boots Generation 2 images only (M-series v2 and later', `marketplace image '${GEN1_URN}' is Gen1 (V1)`, 'pick a size that supports Gen1', 'or use a Gen2 image')],
  ['GoldenVm: an Arm64 size with an x64 Windows Server image', refused('GoldenVm', 'vmSize', 'Standard_D2ps_v5', (s) => goldenVm(s, { vmSize: 'Standard_D2ps_v5' }),
    "is an Arm64 size (the 'p' feature)", 'is x64, as every Windows Server marketplace image', "pick an x64 size (without the 'p'), e.g. 'Standard_D2s_v5'")],
  ['GoldenVm: an Arm64 size with a Gen1 image (architecture first)', refused('GoldenVm', 'vmSize', 'Standard_D4plds_v5',
    (s) => goldenVm(s, { vmSize: 'Standard_D4plds_v5', image: MarketplaceImage.fromUrn(GEN1_URN) }), 'is an Arm64 size', "e.g. 'Standard_D4s_v5'")],
  ['GoldenVm: an Arm64 size with another publisher\'s image', refused('GoldenVm', 'vmSize', 'Standard_D2ps_v5',
    (s) => goldenVm(s, { vmSize: 'Standard_D2ps_v5', image: MarketplaceImage.fromUrn('contoso:windows:hardened:latest', { hyperVGeneration: HyperVGeneration.V2 }) }),
    'the images this library captures are x64')],
  ['GoldenVm: a premium OS disk on a size without premium storage', refused('GoldenVm', 'vmSize', 'Standard_D2_v5',
    (s) => goldenVm(s, { vmSize: 'Standard_D2_v5', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS }),
    "does not support premium storage (no 's' among its features), but osDiskStorageType is Premium_LRS",
    "pick a size with premium storage (an 's' among its features), e.g. 'Standard_D2s_v5', or use a Standard SSD disk: osDiskStorageType: OsDiskStorageType.STANDARD_SSD_LRS")],
  ['GoldenVm: a zone-redundant premium OS disk on a size without premium storage', refused('GoldenVm', 'vmSize', 'Standard_D4a_v4',
    (s) => goldenVm(s, { vmSize: 'Standard_D4a_v4', osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }), 'but osDiskStorageType is Premium_ZRS', "e.g. 'Standard_D4s_v5'")],
  ['GoldenVm: Trusted Launch on the M-family', refused('GoldenVm', 'vmSize', 'Standard_M128ms',
    (s) => goldenVm(s, { vmSize: 'Standard_M128ms', securityType: SecurityType.TRUSTED_LAUNCH }),
    'does not support Trusted Launch (M-family), but securityType is SecurityType.TRUSTED_LAUNCH',
    "pick a size that supports Trusted Launch, e.g. 'Standard_D96s_v5', or build with SecurityType.STANDARD")],
  ['GoldenVm: Trusted Launch on a confidential size', refused('GoldenVm', 'vmSize', 'Standard_DC2as_v5',
    (s) => goldenVm(s, { vmSize: 'Standard_DC2as_v5', securityType: SecurityType.TRUSTED_LAUNCH }), 'does not support Trusted Launch (DC and EC confidential families')],

  // ImageFleet
  ['ImageFleet: a Gen1-only size with a Gen2 managed image', refused('ImageFleet', 'vmSize', 'Standard_A2_v2', (s) => imageFleet(s, managedImage(s), { vmSize: 'Standard_A2_v2' }),
    "boots Generation 1 images only (A-family (Basic A, A, Av2)), but image 'img-golden' is Gen2 (V2)", "e.g. 'Standard_D2s_v5'")],
  ['ImageFleet: a Gen2-only size with a Gen1 managed image', refused('ImageFleet', 'vmSize', 'Standard_NC24ads_A100_v4',
    (s) => imageFleet(s, managedImage(s, HyperVGeneration.V1), { vmSize: 'Standard_NC24ads_A100_v4' }),
    "boots Generation 2 images only (NC A100 v4 and NC H100 v5 series), but image 'img-golden' is Gen1 (V1)", "e.g. 'Standard_D32s_v5'")],
  ['ImageFleet: an Arm64 size with a managed image', refused('ImageFleet', 'vmSize', 'Standard_D4ps_v5', (s) => imageFleet(s, managedImage(s), { vmSize: 'Standard_D4ps_v5' }),
    "image 'img-golden' is a managed image, and Azure makes managed images of x64 VMs only", "e.g. 'Standard_D4s_v5'")],
  ['ImageFleet: Trusted Launch by default (TrustedLaunchSupported image) on the M-family', refused('ImageFleet', 'vmSize', 'Standard_M64ms',
    (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED), { vmSize: 'Standard_M64ms' }),
    "the VMs are Trusted Launch, the default for image '2026.1129.101500' (TrustedLaunchSupported)", 'or pass securityType: SecurityType.STANDARD')],
  ['ImageFleet: Trusted Launch given, on an NDasrA100_v4 size', refused('ImageFleet', 'vmSize', 'Standard_ND96asr_v4',
    (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED), { vmSize: 'Standard_ND96asr_v4', securityType: SecurityType.TRUSTED_LAUNCH }),
    'does not support Trusted Launch (NDasrA100_v4 and NDm_A100_v4 series), but securityType is SecurityType.TRUSTED_LAUNCH')],

  // ImageScaleSet
  ['ImageScaleSet: a Gen1-only size with a Gen2 managed image', refused('ImageScaleSet', 'vmSize', 'Standard_D11_v2',
    (s) => imageScaleSet(s, managedImage(s), { vmSize: 'Standard_D11_v2' }), 'boots Generation 1 images only (Dv2-series)', "e.g. 'Standard_D2s_v5'")],
  ['ImageScaleSet: a Gen2-only size with a Gen1 managed image', refused('ImageScaleSet', 'vmSize', 'Standard_D2s_v6',
    (s) => imageScaleSet(s, managedImage(s, HyperVGeneration.V1), { vmSize: 'Standard_D2s_v6' }), 'boots Generation 2 images only (v6 and later D, E and F series')],
  ['ImageScaleSet: an Arm64 size with this app\'s gallery version', refused('ImageScaleSet', 'vmSize', 'Standard_D2pds_v6',
    (s) => imageScaleSet(s, galleryVersion(s), { vmSize: 'Standard_D2pds_v6' }), 'is a version of a GalleryImage definition, which is x64')],
  ['ImageScaleSet: a TrustedLaunch image on a size without Trusted Launch', refused('ImageScaleSet', 'vmSize', 'Standard_EC4as_v5',
    (s) => imageScaleSet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH), { vmSize: 'Standard_EC4as_v5' }),
    '(TrustedLaunch)', "Fix: pick a size that supports Trusted Launch, e.g. 'Standard_D4s_v5'$")],

  // A size Azure offers for Linux only, in every construct that takes a size: every VM here runs Windows.
  ...(['GoldenVm', 'ImageFleet', 'ImageScaleSet', 'GalleryImageVersion'] as const).map((construct): [string, Refusal] => {
    const prop = construct === 'GalleryImageVersion' ? 'canary.vmSize' : 'vmSize';
    const build = {
      GoldenVm: (s: TerraformStack) => goldenVm(s, { vmSize: 'Standard_B1ls' }),
      ImageFleet: (s: TerraformStack) => imageFleet(s, managedImage(s), { vmSize: 'Standard_B1ls' }),
      ImageScaleSet: (s: TerraformStack) => imageScaleSet(s, managedImage(s), { vmSize: 'Standard_B1ls' }),
      GalleryImageVersion: (s: TerraformStack) => galleryVersion(s, { canary: { vmSize: 'Standard_B1ls' } }),
    }[construct];
    return [`${construct}: a size offered for Linux only`, refused(construct, prop, 'Standard_B1ls', build,
      'is offered for Linux only (B1ls is supported only on Linux: Microsoft Learn, "B-series burstable virtual machine sizes"), but the VMs run Windows',
      "Fix: pick a size that runs Windows, e.g. 'Standard_D2s_v5'")];
  }),

  // GalleryImageVersion: the canary boots the version in every target region.
  ['GalleryImageVersion: a canary size without Trusted Launch for a TrustedLaunch definition', refused('GalleryImageVersion', 'canary.vmSize', 'Standard_M32ms',
    (s) => galleryVersion(s, { canary: { vmSize: 'Standard_M32ms' } }),
    'does not support Trusted Launch (M-family), but the canary boots as Trusted Launch, as VMs from a TrustedLaunch definition do by default')],
  ['GalleryImageVersion: a Gen1-only canary size for a Gen2 definition', refused('GalleryImageVersion', 'canary.vmSize', 'Standard_A4_v2',
    (s) => galleryVersion(s, { canary: { vmSize: 'Standard_A4_v2' } }), "but GalleryImage 'stack/Definition' is Gen2 (V2)", "e.g. 'Standard_D4s_v5'")],
  ['GalleryImageVersion: an Arm64 canary size', refused('GalleryImageVersion', 'canary.vmSize', 'Standard_E2ps_v5',
    (s) => galleryVersion(s, { canary: { vmSize: 'Standard_E2ps_v5' } }), "GalleryImage 'stack/Definition' is x64, as every GalleryImage definition")],

  // NVMe-only sizes (v6 and later D, E, F) boot only images tagged for NVMe; Azure's error would come after the bake.
  ['GoldenVm: an NVMe-only size with Windows Server 2016 (not tagged for NVMe)', refused('GoldenVm', 'vmSize', 'Standard_D2s_v6',
    (s) => goldenVm(s, { vmSize: 'Standard_D2s_v6', image: MarketplaceImage.fromUrn(WS2016_GEN2_URN) }),
    'attaches disks through NVMe only (v6 and later D, E and F series) and boots only images tagged for NVMe',
    `marketplace image '${WS2016_GEN2_URN}' is Windows Server 2016, which Azure does not tag for NVMe`,
    `"The VM size 'Standard_D2s_v6' ${NVME_BOOT_ERROR}"`, "Fix: pick a size with SCSI, e.g. 'Standard_D2s_v5', or build from Windows Server 2019 or later")],
  ['ImageFleet: an NVMe-only size with an imported managed image', refused('ImageFleet', 'vmSize', 'Standard_D4as_v6',
    (s) => imageFleet(s, managedImage(s), { vmSize: 'Standard_D4as_v6' }),
    "image 'img-golden' is a managed image, which Azure cannot tag for NVMe", `"The VM size 'Standard_D4as_v6' ${NVME_BOOT_ERROR}"`,
    "Fix: pick a size with SCSI, e.g. 'Standard_D4s_v5', or publish the build with GalleryImageVersion to a GalleryImage with nvmeSupported: true")],
  ['ImageFleet: an NVMe-only size with this app\'s managed image (GeneralizedImage)', refused('ImageFleet', 'vmSize', 'Standard_E8s_v6',
    (s) => imageFleet(s, buildImage(s), { vmSize: 'Standard_E8s_v6', rollout: FleetRollout.ALL_AT_ONCE }), 'is a managed image, which Azure cannot tag for NVMe', "e.g. 'Standard_D8s_v5'")],
  ['ImageFleet: an NVMe-only size with a same-region ImageCopy', refused('ImageFleet', 'vmSize', 'Standard_F4as_v6',
    (s) => imageFleet(s, new ImageCopy(s, 'Copy', { source: buildImage(s), resourceGroupName: 'rg-images' }),
      { vmSize: 'Standard_F4as_v6', rollout: FleetRollout.ALL_AT_ONCE }),
    'is a managed image, which Azure cannot tag for NVMe')],
  ['ImageFleet: an NVMe-only size with an imported gallery version whose definition has no NVMe', refused('ImageFleet', 'vmSize', 'Standard_D2s_v7',
    (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED, { nvmeSupported: false }), { vmSize: 'Standard_D2s_v7' }),
    "image '2026.1129.101500' is a version of a gallery image definition without NVMe support",
    'or publish to a definition with NVMe support (GalleryImage nvmeSupported: true)')],
  ['ImageScaleSet: an NVMe-only size with an imported managed image', refused('ImageScaleSet', 'vmSize', 'Standard_D2ds_v6',
    (s) => imageScaleSet(s, managedImage(s), { vmSize: 'Standard_D2ds_v6' }), 'is a managed image, which Azure cannot tag for NVMe', "e.g. 'Standard_D2s_v5'")],
  ['ImageScaleSet: an NVMe-only size with this app\'s gallery version, definition without NVMe', refused('ImageScaleSet', 'vmSize', 'Standard_D4as_v6',
    (s) => imageScaleSet(s, galleryVersion(s), { vmSize: 'Standard_D4as_v6' }),
    'is a version of a gallery image definition without NVMe support', `"The VM size 'Standard_D4as_v6' ${NVME_BOOT_ERROR}"`)],
  ['ImageScaleSet: an NVMe-only size with the definition\'s latest, definition without NVMe', refused('ImageScaleSet', 'vmSize', 'Standard_E4as_v6',
    (s) => imageScaleSet(s, galleryVersion(s).latest, { vmSize: 'Standard_E4as_v6' }), 'without NVMe support')],
  ['GalleryImageVersion: an NVMe-only canary size for a definition without NVMe', refused('GalleryImageVersion', 'canary.vmSize', 'Standard_D2s_v6',
    (s) => galleryVersion(s, { canary: { vmSize: 'Standard_D2s_v6' } }),
    "but GalleryImage 'stack/Definition' has no NVMe support (nvmeSupported)", `"The VM size 'Standard_D2s_v6' ${NVME_BOOT_ERROR}"`,
    "Fix: pick a size with SCSI, e.g. 'Standard_D2s_v5', or give the GalleryImage nvmeSupported: true (a new definition)")],

  // A build on an NVMe-only size makes an image for that size only when the image can carry the tag.
  ['GeneralizedImage: a managed image of a build on an NVMe-only size', refused('GeneralizedImage', 'vm', 'Standard_D2s_v6',
    (s) => buildImage(s, { vmSize: 'Standard_D2s_v6' }),
    "is the size of build VM 'vm-golden', which attaches disks through NVMe only (v6 and later D, E and F series), but a managed image of it cannot be tagged for NVMe",
    `"The VM size 'Standard_D2s_v6' ${NVME_BOOT_ERROR}"`,
    "Fix: build on a size with SCSI, e.g. GoldenVm vmSize: 'Standard_D2s_v5', or pass managedImage: false and publish the build with GalleryImageVersion to a GalleryImage with nvmeSupported: true")],
  ['GalleryImageVersion: a build on an NVMe-only size, definition without NVMe', refused('GalleryImageVersion', 'galleryImage', 'web-iis',
    (s) => galleryVersion(s, { canary: { enabled: false } }, { vm: { vmSize: 'Standard_E4s_v6' } }),
    "has no NVMe support (nvmeSupported), but build VM 'vm-golden' runs on 'Standard_E4s_v6', which attaches disks through NVMe only",
    "Fix: give the GalleryImage nvmeSupported: true (a new definition), or build on a size with SCSI, e.g. GoldenVm vmSize: 'Standard_D4s_v5'")],
];

describe('a VM size that does not fit the image or the options is refused at synth time', () => {
  test.each(REFUSED)('%s', (_, row) => {
    // Each row's mentions are plain text of its one problem line (a `$` at the end: the line ends there).
    const message = expectRefused({ ...row, mentions: (row.mentions ?? []).map((m) => (typeof m === 'string' && m.endsWith('$') ? new RegExp(`${escape(m.slice(0, -1))}$`, 'm') : m)) });
    expect(message).toMatch(/: 1 invalid prop:\n/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// --- accepted ---------------------------------------------------------------------------------------------------------

/** A definition tagged for NVMe. */
const NVME_DEFINITION: GalleryBuild = { definition: { nvmeSupported: true } };

/** Builds in a fresh stack and synthesizes: no error, the JSON written; returns the warnings of the constructs built. */
function accepted(build: (stack: TerraformStack) => IConstruct): string[] {
  let construct: IConstruct | undefined;
  const result = synthesize((stack) => {
    construct = build(stack);
  });
  expect(result.error).toBeUndefined();
  expect(result.json).toBeDefined();
  return warningsOf(construct!);
}

const ACCEPTED: Array<[string, (stack: TerraformStack) => IConstruct]> = [
  ['GoldenVm: the defaults', (s) => goldenVm(s)],
  ['GoldenVm: Standard_D4s_v5 with a premium OS disk and Trusted Launch', (s) => goldenVm(s,
    { vmSize: 'Standard_D4s_v5', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS, securityType: SecurityType.TRUSTED_LAUNCH })],
  ['GoldenVm: Standard_B2s', (s) => goldenVm(s, { vmSize: 'Standard_B2s' })],
  ['GoldenVm: Standard_B2ats_v2 with a premium OS disk', (s) => goldenVm(s, { vmSize: 'Standard_B2ats_v2', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS })],
  ['GoldenVm: Standard_D2as_v5', (s) => goldenVm(s, { vmSize: 'Standard_D2as_v5' })],
  ['GoldenVm: Standard_E16-4s_v5 (constrained)', (s) => goldenVm(s, { vmSize: 'Standard_E16-4s_v5' })],
  ['GoldenVm: Standard_F2s_v2', (s) => goldenVm(s, { vmSize: 'Standard_F2s_v2' })],
  ['GoldenVm: Standard_DS2_v2 with a premium OS disk', (s) => goldenVm(s, { vmSize: 'Standard_DS2_v2', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS })],
  ['GoldenVm: Standard_D2s_v6 with Trusted Launch', (s) => goldenVm(s, { vmSize: 'Standard_D2s_v6', securityType: SecurityType.TRUSTED_LAUNCH })],
  ['GoldenVm: Standard_M128 with a premium OS disk (M takes premium without an s)',
    (s) => goldenVm(s, { vmSize: 'Standard_M128', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS })],
  ['GoldenVm: Standard_D2_v3 with a Gen1 image', (s) => goldenVm(s, { vmSize: 'Standard_D2_v3', image: MarketplaceImage.fromUrn(GEN1_URN) })],
  ['GoldenVm: Standard_A2_v2 with a Gen1 image', (s) => goldenVm(s, { vmSize: 'Standard_A2_v2', image: MarketplaceImage.fromUrn(GEN1_URN) })],
  ['GoldenVm: a size from a Terraform variable', (s) => goldenVm(s, { vmSize: new TerraformVariable(s, 'size', { type: 'string' }).stringValue })],
  ['ImageFleet: the defaults', (s) => imageFleet(s, managedImage(s))],
  ['ImageFleet: Standard_F2s_v2 with a Gen1 managed image', (s) => imageFleet(s, managedImage(s, HyperVGeneration.V1), { vmSize: 'Standard_F2s_v2' })],
  ['ImageFleet: the M-family as Standard VMs from a TrustedLaunchSupported image',
    (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED), { vmSize: 'Standard_M64ms', securityType: SecurityType.STANDARD })],
  ['ImageScaleSet: the defaults', (s) => imageScaleSet(s, managedImage(s))],
  ['ImageScaleSet: Standard_D4as_v6 from this app\'s gallery version (Trusted Launch), definition with NVMe',
    (s) => imageScaleSet(s, galleryVersion(s, { canary: { vmSize: 'Standard_D2as_v6' } }, NVME_DEFINITION), { vmSize: 'Standard_D4as_v6' })],
  ['ImageScaleSet: Standard_D4as_v6 from the definition\'s latest, definition with NVMe',
    (s) => imageScaleSet(s, galleryVersion(s, {}, NVME_DEFINITION).latest, { vmSize: 'Standard_D4as_v6' })],
  ['ImageFleet: Standard_E4bs_v5 (SCSI and NVMe) from a managed image', (s) => imageFleet(s, managedImage(s), { vmSize: 'Standard_E4bs_v5' })],
  ['ImageFleet: Standard_D2s_v7 from an imported gallery version tagged for NVMe',
    (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED, { nvmeSupported: true }), { vmSize: 'Standard_D2s_v7' })],
  ['GoldenVm: Standard_D2s_v6 with Windows Server 2019 Gen2 (tagged for NVMe)',
    (s) => goldenVm(s, { vmSize: 'Standard_D2s_v6', image: MarketplaceImage.windowsServer2019DatacenterGen2() })],
  ['GoldenVm: Standard_F2as_v6 with Windows Server 2025 Gen2 (tagged for NVMe)',
    (s) => goldenVm(s, { vmSize: 'Standard_F2as_v6', image: MarketplaceImage.windowsServer2025DatacenterCoreGen2() })],
  ['GalleryImageVersion: a build on an NVMe-only size, definition with NVMe, canary on NVMe',
    (s) => galleryVersion(s, { canary: { vmSize: 'Standard_D2s_v6' } }, { ...NVME_DEFINITION, vm: { vmSize: 'Standard_D2s_v6' } })],
  ['ImageScaleSet: Standard_HB120rs_v3 from a managed image', (s) => imageScaleSet(s, managedImage(s), { vmSize: 'Standard_HB120rs_v3' })],
  ['GalleryImageVersion: the default canary', (s) => galleryVersion(s)],
  ['GalleryImageVersion: a canary of Standard_D4s_v5', (s) => galleryVersion(s, { canary: { vmSize: 'Standard_D4s_v5' } })],
  ['GalleryImageVersion: no canary, so no canary size to check', (s) => galleryVersion(s, { canary: { enabled: false, vmSize: 'Standard_M32ms' } })],
];

describe('the defaults, common sizes and tokens pass without a size warning', () => {
  test.each(ACCEPTED)('%s', (_, build) => {
    expect(accepted(build).filter((w) => /size/i.test(w))).toEqual([]);
  });
});

describe('a size the library cannot check passes with a warning that says so', () => {
  test.each<[string, (stack: TerraformStack) => IConstruct, RegExp]>([
    ['GoldenVm: an unknown family', (s) => goldenVm(s, { vmSize: 'Standard_Q4s_v2', securityType: SecurityType.TRUSTED_LAUNCH }),
      /^vmSize 'Standard_Q4s_v2': the library cannot check this size \(its family 'Q' is unknown here\): that it boots marketplace image '[^']+' on x64 with Trusted Launch\. Check it before deploying: az vm list-skus --size Standard_Q4s_v2 --all -o json/],
    ['GoldenVm: a name outside the naming convention', (s) => goldenVm(s, { vmSize: 'Standard_Weird', osDiskStorageType: OsDiskStorageType.PREMIUM_LRS }),
      /^vmSize 'Standard_Weird': the library cannot check this size \(its name does not follow Azure's naming convention\): .* with a Premium_LRS OS disk\./],
    ['ImageScaleSet: an unknown N sub-family', (s) => imageScaleSet(s, managedImage(s), { vmSize: 'Standard_NZ8ads_v7' }),
      /^vmSize 'Standard_NZ8ads_v7': the library cannot check this size \(its family 'NZ' is unknown here\): that it boots image 'img-golden' on x64\./],
    ['GalleryImageVersion: an unknown canary size', (s) => galleryVersion(s, { canary: { vmSize: 'Standard_Q4s_v2' } }),
      /^canary\.vmSize 'Standard_Q4s_v2': the library cannot check this size/],
    ['ImageFleet: an Arm64 size with a gallery image imported by id', (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.STANDARD), { vmSize: 'Standard_D2ps_v6' }),
      /^vmSize 'Standard_D2ps_v6' is an Arm64 size: the library cannot check that image '2026\.1129\.101500' is an Arm64 image\./],
    ['ImageFleet: an NVMe-only size with a gallery image imported without its NVMe support',
      (s) => imageFleet(s, importedGalleryImage(s, ImageSecurityType.STANDARD), { vmSize: 'Standard_D2s_v6' }),
      /^vmSize 'Standard_D2s_v6' attaches disks through NVMe only \(v6 and later D, E and F series\): the library cannot check that image '2026\.1129\.101500' is tagged for NVMe, .*"The VM size 'Standard_D2s_v6' cannot boot with OS image or disk"\. Check it before deploying: az sig image-definition show .*then pass nvmeSupported to GalleryImageVersion\.fromVersionId\.$/],
    ['GoldenVm: an NVMe-only size with another publisher\'s image',
      (s) => goldenVm(s, { vmSize: 'Standard_E2as_v6', image: MarketplaceImage.fromUrn('contoso:windows:hardened:latest', { hyperVGeneration: HyperVGeneration.V2 }) }),
      /^vmSize 'Standard_E2as_v6' attaches disks through NVMe only .*marketplace image 'contoso:windows:hardened:latest' is tagged for NVMe.* az vm image show --urn contoso:windows:hardened:latest --query "features\[\?name=='DiskControllerTypes'\]\.value"/],
    ['GalleryImageVersion: a definition with NVMe, but neither the build nor the canary on an NVMe-only size', (s) => galleryVersion(s, {}, NVME_DEFINITION),
      /^GalleryImage 'stack\/Definition' is tagged for NVMe \(nvmeSupported\), but neither build VM 'vm-golden' \('Standard_D2s_v5'\) nor the canary \('Standard_D2s_v5'\) runs on an NVMe-only size: nothing boots the image from an NVMe disk before it becomes latest.*canary: \{ vmSize: 'Standard_D2s_v6' \}/],
  ])('%s', (_, build, warning) => {
    expect(accepted(build)).toContainEqual(expect.stringMatching(warning));
  });
});

describe('NVMe: a definition with NVMe support synthesizes the tag, and the VMs of NVMe-only sizes are made', () => {
  function resources(json: string, type: string): Array<Record<string, unknown>> {
    return Object.values((JSON.parse(json).resource ?? {})[type] ?? {}) as Array<Record<string, unknown>>;
  }

  test('a scale set of an NVMe-only size from a version of a definition with nvmeSupported', () => {
    const result = synthesize((s) => imageScaleSet(s, galleryVersion(s, { canary: { vmSize: 'Standard_D2s_v6' } }, NVME_DEFINITION), { vmSize: 'Standard_D4as_v6' }));
    expect(result.error).toBeUndefined();
    expect(resources(result.json!, 'azurerm_shared_image')).toEqual([expect.objectContaining({ disk_controller_type_nvme_enabled: true, hyper_v_generation: 'V2' })]);
    expect(resources(result.json!, 'azurerm_windows_virtual_machine_scale_set')).toEqual([expect.objectContaining({ sku: 'Standard_D4as_v6' })]);
  });

  test('a fleet of an NVMe-only size from the latest of such a definition, built on an NVMe-only size', () => {
    const result = synthesize((s) => imageFleet(s, galleryVersion(s, { canary: { enabled: false } }, { ...NVME_DEFINITION, vm: { vmSize: 'Standard_D2s_v6' } }).latest,
      { vmSize: 'Standard_E2s_v6', rollout: FleetRollout.ALL_AT_ONCE }));
    expect(result.error).toBeUndefined();
    expect(resources(result.json!, 'azurerm_shared_image')).toEqual([expect.objectContaining({ disk_controller_type_nvme_enabled: true })]);
    const sizes = resources(result.json!, 'azurerm_windows_virtual_machine').map((vm) => vm.size);
    expect(sizes).toEqual(['Standard_D2s_v6', 'Standard_E2s_v6']);
  });

  test('without nvmeSupported the definition carries no NVMe argument: its JSON is as before', () => {
    const result = synthesize((s) => galleryVersion(s));
    expect(result.error).toBeUndefined();
    expect(resources(result.json!, 'azurerm_shared_image')[0]).not.toHaveProperty('disk_controller_type_nvme_enabled');
  });
});
