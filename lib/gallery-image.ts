/**
 * `GalleryImage`: an image definition in an `ImageGallery` (name, identifier, generation, security type, NVMe support,
 * purchase plan), which a `GalleryImageVersion` publishes each build to.
 */
import type { SharedImage } from '@cdktf/provider-azurerm/lib/shared-image';
import { Construct } from 'constructs';
import { HyperVGeneration, ImageSecurityType, OsType, PurchasePlan } from './image';
import { ImageGallery } from './image-gallery';
import { PURCHASE_PLAN } from './private/images/image-kinds';
import { checkPurchasePlan, planBlock } from './private/images/purchase-plan';
import { isGalleryImageName } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimNames, rememberResource, resourceOf, scopeWithin } from './private/naming/name-claims';
import { galleryBindings } from './private/terraform/bindings';
import { definitionEndOfLife, RenderedEndOfLife } from './private/validation/dates';
import { BOOLEAN, enumOf, instanceOf, markKind, readProps, STRING, STRING_MAP, struct } from './private/validation/prop-types';
import { PropsValidator, requireProps } from './private/validation/props-validator';
import { checkTags } from './private/validation/tags';

/** The publisher/offer/SKU that identifies an image definition within its gallery (all three together unique). */
export interface GalleryImageIdentifier {
  /** Publisher (1-128 letters, digits, underscores, hyphens and periods). */
  readonly publisher: string;
  /** Offer (1-64 letters, digits, underscores, hyphens and periods). */
  readonly offer: string;
  /** SKU (1-64 letters, digits, underscores, hyphens and periods). */
  readonly sku: string;
}

/** Props of `GalleryImage`. */
export interface GalleryImageProps {
  /** The gallery that holds the definition. */
  readonly gallery: ImageGallery;
  /**
   * Name of the image definition (1-80 letters, digits, underscores, hyphens and periods, starting and ending with a
   * letter or digit). Its versions are the builds: `YYYY.MMDD.hhmmss` of each build revision.
   *
   * @default - the construct id in lower case
   */
  readonly imageName?: string;
  /**
   * Which VMs the versions may be created from and may create. `TRUSTED_LAUNCH`: Trusted Launch build VMs into
   * Trusted Launch VMs only. `TRUSTED_LAUNCH_SUPPORTED`: Standard Gen2 build VMs into VMs of either type. `STANDARD`:
   * Standard build VMs into Standard VMs. Cannot change once the definition exists (Azure: a new definition).
   *
   * @default ImageSecurityType.TRUSTED_LAUNCH
   */
  readonly securityType?: ImageSecurityType;
  /**
   * Hyper-V generation of every version; it must be the build VM's. Trusted Launch needs V2.
   *
   * @default HyperVGeneration.V2
   */
  readonly hyperVGeneration?: HyperVGeneration;
  /**
   * Tag the definition for NVMe, so that VMs of NVMe-only sizes (the v6 and later D, E and F series, e.g.
   * `Standard_D2s_v6`) can boot its versions.
   *
   * It sets azurerm's `disk_controller_type_nvme_enabled`: the definition's `DiskControllerTypes` feature becomes
   * `SCSI, NVMe`, and VMs of sizes with SCSI still boot the versions. Without it Azure refuses VMs of NVMe-only sizes
   * ("The VM size ... cannot boot with OS image or disk"), and every construct here refuses such a size for the versions.
   *
   * The tag is a promise about the image: its Windows must boot from an NVMe disk. Windows Server 2019, 2022 and 2025
   * Gen2 marketplace images are tagged for NVMe by Azure; older ones have no NVMe support. Windows attaches the OS disk
   * only through a storage driver that starts at boot (for NVMe, `stornvme`: Microsoft's SCSI-to-NVMe guide fixes a VM
   * that does not boot with `sc.exe config stornvme start=boot`), so prove it before the version becomes latest: build
   * on an NVMe-only size, or give `GalleryImageVersion` a canary of one (`canary: { vmSize: 'Standard_D2s_v6' }`).
   * Gen2 (V2) only: Azure supports NVMe on Gen2 VMs only.
   *
   * Turning it on or off replaces the definition (Terraform: a new resource): every version of the line is deleted
   * with the old definition, and the current build is published again to the new one.
   *
   * @default false - the definition is SCSI only: its versions boot on sizes with SCSI (e.g. `Standard_D2s_v5`), not on
   * NVMe-only sizes
   */
  readonly nvmeSupported?: boolean;
  /**
   * Operating system of the versions.
   *
   * @default OsType.WINDOWS
   */
  readonly osType?: OsType;
  /**
   * Publisher, offer and SKU of the definition, unique within the gallery.
   *
   * @default - publisher `golden-image`, offer the definition's name, SKU from the generation and security type
   * (e.g. `gen2-trustedlaunch`)
   */
  readonly identifier?: GalleryImageIdentifier;
  /**
   * Description of the definition.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Date after which the definition should no longer be used, `YYYY-MM-DD` (informational: Azure keeps serving it).
   * A date in the past gives a synth-time warning; a token is checked at plan time to be a date.
   *
   * @default - none
   */
  readonly endOfLifeDate?: string;
  /**
   * The purchase plan of the third-party marketplace image the versions are built from (the `MarketplaceImage`'s
   * `plan`): VMs created from the versions must name it, and `GalleryImageVersion` refuses a build of another plan.
   * Cannot change once the definition exists (Azure: a new definition).
   *
   * @default - none: versions built from a first-party image such as Windows Server
   */
  readonly purchasePlan?: PurchasePlan;
  /**
   * Tags of the definition.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `GalleryImageProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GALLERY_IMAGE_PROPS = struct<GalleryImageProps>('GalleryImageProps', {
  gallery: instanceOf('ImageGallery', () => "pass the gallery: new ImageGallery(this, 'Gallery', { location: 'westeurope' })"),
  imageName: STRING,
  securityType: enumOf('ImageSecurityType', ImageSecurityType),
  hyperVGeneration: enumOf('HyperVGeneration', HyperVGeneration),
  nvmeSupported: BOOLEAN,
  osType: enumOf('OsType', OsType),
  identifier: struct<GalleryImageIdentifier>('GalleryImageIdentifier', { publisher: STRING, offer: STRING, sku: STRING },
    "{ publisher: 'contoso', offer: 'web', sku: 'iis' }"),
  description: STRING,
  endOfLifeDate: STRING,
  purchasePlan: PURCHASE_PLAN,
  tags: STRING_MAP,
}, '{ gallery }');

/**
 * An image definition in an Azure Compute Gallery: the line of images that `GalleryImageVersion` publishes one build at
 * a time. It fixes what every version is: OS type, Hyper-V generation and security type (Standard,
 * TrustedLaunchSupported or TrustedLaunch), NVMe support, and its publisher/offer/SKU identity.
 */
export class GalleryImage extends Construct {
  /** The image definition resource. */
  public readonly definition: SharedImage;
  /** The gallery. */
  public readonly gallery: ImageGallery;
  /** Name of the definition. */
  public readonly imageName: string;
  /** Azure resource id of the definition: as a VM's source image, its latest version. */
  public readonly galleryImageId: string;
  public readonly securityType: ImageSecurityType;
  public readonly hyperVGeneration: HyperVGeneration;
  public readonly osType: OsType;
  /** Whether the definition is tagged for NVMe (`nvmeSupported`): VMs of NVMe-only sizes can boot its versions. */
  public readonly nvmeSupported: boolean;
  /** The purchase plan of every version, when the definition has one. */
  public readonly purchasePlan?: PurchasePlan;

  constructor(scope: Construct, id: string, props: GalleryImageProps) {
    super(scope, id);
    const validator = new PropsValidator(`GalleryImage '${this.node.path}'`);
    props = readProps(validator, props, GALLERY_IMAGE_PROPS, { gallery: "pass the gallery the definition belongs to, e.g. new ImageGallery(this, 'Gallery', { location: 'westeurope' })" });
    const config = this.parseProps(validator, props, id);

    this.gallery = props.gallery;
    this.securityType = config.securityType;
    this.hyperVGeneration = config.hyperVGeneration;
    this.osType = config.osType;
    this.nvmeSupported = config.nvmeSupported;
    this.purchasePlan = props.purchasePlan;
    this.definition = this.createDefinition(props, config);
    this.imageName = this.definition.name;
    this.galleryImageId = this.definition.id;
  }

  /**
   * Checks the props, and resolves every default once: the name, the generation and security type, the identifier.
   * Throws, listing every problem, unless all are fine.
   */
  private parseProps(validator: PropsValidator, props: GalleryImageProps, id: string): DefinitionConfig {
    const imageName = props.imageName ?? id.toLowerCase();
    const securityType = props.securityType ?? ImageSecurityType.TRUSTED_LAUNCH;
    const hyperVGeneration = props.hyperVGeneration ?? HyperVGeneration.V2;
    const osType = props.osType ?? OsType.WINDOWS;
    validator.check(props.imageName === undefined ? 'imageName (from the construct id)' : 'imageName', imageName, isGalleryImageName,
      'is not a valid image definition name (1-80 letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit)',
      "pass imageName, e.g. 'web-iis'");
    validator.check('securityType', securityType, (t) => Object.values(ImageSecurityType).includes(t), 'is not an image security type',
      'pass ImageSecurityType.TRUSTED_LAUNCH, TRUSTED_LAUNCH_SUPPORTED or STANDARD');
    validator.check('hyperVGeneration', hyperVGeneration, (g) => Object.values(HyperVGeneration).includes(g), 'is not a Hyper-V generation',
      'pass HyperVGeneration.V2 (the default) or V1');
    validator.check('osType', osType, (o) => Object.values(OsType).includes(o), 'is not an operating system type', 'pass OsType.WINDOWS or OsType.LINUX');
    const nvmeSupported = props.nvmeSupported ?? false;
    validator.check('nvmeSupported', props.nvmeSupported, (n) => typeof n === 'boolean', 'is not a boolean', 'pass true or false, or omit it (false)');
    checkGeneration(validator, hyperVGeneration, securityType, nvmeSupported);
    const identifier = checkIdentifier(validator, props, imageName, hyperVGeneration, securityType);
    const endOfLife = definitionEndOfLife(this, validator, 'endOfLifeDate', props.endOfLifeDate);
    checkPurchasePlan(validator, 'purchasePlan', props.purchasePlan, "pass the plan of the build's MarketplaceImage (`az vm image show --urn <urn> --query plan`)");
    checkTags(validator, 'tags', props.tags);
    claimDefinitionNames(this, validator, props, imageName, identifier);
    validator.throwIfInvalid();
    return { imageName, securityType, hyperVGeneration, osType, nvmeSupported, identifier, endOfLife };
  }

  /** The definition in the gallery. */
  private createDefinition(props: GalleryImageProps, config: DefinitionConfig): SharedImage {
    const { SharedImage } = galleryBindings();
    const { securityType, endOfLife } = config;
    return new SharedImage(this, 'Definition', {
      name: config.imageName,
      galleryName: props.gallery.galleryName,
      resourceGroupName: props.gallery.resourceGroupName,
      location: props.gallery.location,
      osType: config.osType,
      hyperVGeneration: config.hyperVGeneration,
      identifier: config.identifier,
      trustedLaunchEnabled: securityType === ImageSecurityType.TRUSTED_LAUNCH ? true : undefined,
      trustedLaunchSupported: securityType === ImageSecurityType.TRUSTED_LAUNCH_SUPPORTED ? true : undefined,
      // Sends the gallery image feature DiskControllerTypes = "SCSI, NVMe" (azurerm v4.55.0,
      // internal/services/compute/shared_image_resource.go:768-773); ForceNew (272-276). Left out when false, so a
      // definition made before this prop existed keeps its JSON.
      diskControllerTypeNvmeEnabled: config.nvmeSupported ? true : undefined,
      description: props.description,
      endOfLifeDate: endOfLife.value,
      purchasePlan: planBlock(props.purchasePlan),
      tags: props.tags,
      lifecycle: endOfLife.preconditions.length > 0 ? { precondition: endOfLife.preconditions } : undefined,
    });
  }
}

markKind(GalleryImage, 'GalleryImage');

/** The props of a definition, checked, with every default resolved. */
interface DefinitionConfig {
  readonly imageName: string;
  readonly securityType: ImageSecurityType;
  readonly hyperVGeneration: HyperVGeneration;
  readonly osType: OsType;
  readonly nvmeSupported: boolean;
  readonly identifier: GalleryImageIdentifier;
  readonly endOfLife: RenderedEndOfLife;
}


/** NVMe support and Trusted Launch need a Gen2 definition. */
function checkGeneration(validator: PropsValidator, hyperVGeneration: HyperVGeneration, securityType: ImageSecurityType,
  nvmeSupported: boolean): void {
  if (nvmeSupported === true && hyperVGeneration === HyperVGeneration.V1) {
    // "Will Generation 1 VMs be supported with NVMe disks? No" ("General FAQ for NVMe"); every NVMe-only size boots
    // Gen2 images only, so no VM could use the tag of a Gen1 definition.
    validator.fail('nvmeSupported', nvmeSupported, 'cannot be given to a Gen1 (V1) definition: Azure supports NVMe on Gen2 VMs only, and every NVMe-only size boots Gen2 images only',
      'use HyperVGeneration.V2 (the default) with a Gen2 build VM, or omit nvmeSupported for a Gen1 image');
  }
  if (securityType !== ImageSecurityType.STANDARD && hyperVGeneration === HyperVGeneration.V1) {
    validator.fail('hyperVGeneration', hyperVGeneration, `cannot carry the ${securityType} security type: Trusted Launch needs Gen2 (V2)`,
      'use HyperVGeneration.V2 with a Gen2 build VM, or ImageSecurityType.STANDARD for a Gen1 image');
  }
}

/** The identifier, given or defaulted from the name, the generation and the security type, with its parts checked. */
function checkIdentifier(validator: PropsValidator, props: GalleryImageProps, imageName: string, hyperVGeneration: HyperVGeneration,
  securityType: ImageSecurityType): GalleryImageIdentifier {
  const identifier = props.identifier ?? {
    publisher: 'golden-image',
    offer: imageName,
    sku: `gen${hyperVGeneration === HyperVGeneration.V2 ? 2 : 1}-${String(securityType).toLowerCase()}`,
  };
  if (props.identifier !== undefined && props.identifier !== null) {
    requireProps(validator, props.identifier, { publisher: "pass e.g. 'contoso'", offer: "pass e.g. 'web-iis'", sku: "pass e.g. 'gen2'" }, 'identifier');
  }
  for (const [part, max] of [['publisher', 128], ['offer', 64], ['sku', 64]] as const) {
    validator.check(`identifier.${part}`, identifier[part], (value) => new RegExp(`^[A-Za-z0-9]([-\\w.]{0,${max - 2}}[A-Za-z0-9])?$`).test(value),
      `is not a valid ${part} (1-${max} letters, digits, underscores, hyphens and periods, starting and ending with a letter or digit)`,
      `pass e.g. '${part === 'publisher' ? 'contoso' : part === 'offer' ? 'web-iis' : 'gen2'}'`);
  }
  return identifier;
}

/**
 * Claims the definition's name in its gallery, and its identifier, the default one included (publisher, offer and SKU
 * are unique together within a gallery: "Within a gallery, all image definitions must have a unique combination of
 * publisher, offer, and SKU", Microsoft Learn, "Troubleshoot shared images in Azure"; a definition with a given
 * identifier can meet another's default one), and records the definition for the versions published to it.
 */
function claimDefinitionNames(definition: GalleryImage, validator: PropsValidator, props: GalleryImageProps, imageName: string,
  identifier: GalleryImageIdentifier): void {
  const scope = scopeWithin(resourceOf(props.gallery, AZURE_RESOURCE.GALLERY));
  const named = { kind: AZURE_RESOURCE.GALLERY_IMAGE, scope, name: imageName };
  claimNames(definition, validator, {
    prop: props.imageName === undefined ? 'imageName (from the construct id)' : 'imageName',
    value: imageName,
    names: [named],
    fix: 'pass another imageName to one of them, or put them in different galleries',
  });
  const given = props.identifier !== undefined && props.identifier !== null;
  const joined = `${identifier.publisher}/${identifier.offer}/${identifier.sku}`;
  claimNames(definition, validator, {
    prop: given ? 'identifier' : 'identifier (the default, from imageName and the generation and security type)',
    value: joined,
    names: [{ kind: AZURE_RESOURCE.GALLERY_IMAGE_IDENTIFIER, scope, name: joined }],
    fix: 'give one of them another publisher, offer or SKU',
  });
  rememberResource(definition, named);
}
