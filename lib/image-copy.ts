/**
 * `ImageCopy`: an independent copy of a managed image in another resource group, and optionally another region (the
 * seed's `az image copy`), with its props and `ImageCopyMethod`, how the copy is made.
 */
import { Image } from '@cdktf/provider-azurerm/lib/image';
import type { ManagedDisk } from '@cdktf/provider-azurerm/lib/managed-disk';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { SharedImage } from '@cdktf/provider-azurerm/lib/shared-image';
import type { SharedImageGallery } from '@cdktf/provider-azurerm/lib/shared-image-gallery';
import type { SharedImageVersion, SharedImageVersionTargetRegion } from '@cdktf/provider-azurerm/lib/shared-image-version';
import { Fn, IResolvable, ITerraformDependable, Precondition, TerraformIterator, TerraformResource, Token } from 'cdktf';
import { Construct } from 'constructs';
import { OsDiskStorageType } from './golden-vm';
import { HyperVGeneration, IImage, ImageBuild, ImageKind, OsType, PurchasePlan } from './image';
import { IMAGE } from './private/images/image-kinds';
import {
  checkCaptureTags, checkImageLineName, checkRetainBuilds, claimImageLine, DEFAULT_RETAIN_BUILDS, galleryVersionName, ImageLine, imageLine,
} from './private/images/image-line';
import { planBlock } from './private/images/purchase-plan';
import { isGalleryName, isImageName } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimCreatedResourceGroup, claimNames, GALLERY_NAME_SCOPE, resourceGroupScope } from './private/naming/name-claims';
import { canonicalLocation, checkCommonNames, isDifferentKnownLocation, isSameKnownLocation, checkZoneRedundantStorage } from './private/naming/regions';
import { checkResourceGroup, placeResourceGroup } from './private/naming/resource-group';
import { inheritServedPage } from './private/network/served-page';
import { providerSubscriptionId } from './private/steps/operator-step';
import { galleryBindings } from './private/terraform/bindings';
import { inStackOf, nonEmpty } from './private/terraform/references';
import { checkNumber, wholeNumberBetween } from './private/validation/number-rules';
import { withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, enumOf, NUMBER, readProps, STRING, STRING_MAP, struct } from './private/validation/prop-types';
import { describeValue, isUnresolved, PropsValidator } from './private/validation/props-validator';
import { checkTags } from './private/validation/tags';
import { kindOf } from './private/vm/image-use';

/** How `ImageCopy` makes its independent managed image. */
export enum ImageCopyMethod {
  /**
   * A managed image captured from the source's generalized OS disk (`IImage.osDiskId`): one resource, minutes.
   * Same region only. This is the disk `az image copy` reads too.
   */
  OS_DISK = 'OsDisk',
  /**
   * Through an Azure Compute Gallery: an image version of the source, fully replicated to the target region,
   * a managed disk from that replica, and a managed image from the disk. Any region, any source.
   */
  COMPUTE_GALLERY = 'ComputeGallery',
}

/** Props of `ImageCopy`. */
export interface ImageCopyProps {
  /** The image to copy, e.g. a `GeneralizedImage` or `ManagedImage.fromImageId(...)`. */
  readonly source: IImage;
  /**
   * Resource group for the copy (and, with the gallery method, its gallery and disk): an existing group, or the name
   * of the group to create with `createResourceGroup: true`. Another group than the source's, so that the copy
   * outlives it.
   *
   * @default - the group ImageCopy creates, `rg-<imageName>`
   */
  readonly resourceGroupName?: string;
  /**
   * Create the resource group (`resourceGroupName`, or `rg-<imageName>`) rather than use an existing one. The same
   * rule in every construct of this library.
   *
   * @default - true without `resourceGroupName`, false with it
   */
  readonly createResourceGroup?: boolean;
  /**
   * Azure region of the copy. Another region than the source's needs `ImageCopyMethod.COMPUTE_GALLERY`.
   *
   * @default - the source's region
   */
  readonly location?: string;
  /**
   * Name of the copy (1-80 letters, digits, underscores, periods and hyphens). For a build of an image line (a
   * `GeneralizedImage`, or a copy of one), the name of the copy's line (at most 65 characters): build `<revision>` is
   * copied as `<imageName>-<revision>`.
   *
   * @default - the source's name, or the source's line name for a build
   */
  readonly imageName?: string;
  /**
   * For a build of an image line copied within its region (`OS_DISK`): how many builds' copies are kept, this one
   * included (1-50); older ones are deleted. A cross-region copy (`COMPUTE_GALLERY`) keeps only the current build.
   *
   * @default 3
   */
  readonly retainBuilds?: number;
  /**
   * How the copy is made.
   *
   * @default - `OS_DISK` when the copy stays in the source's (known) region and the source tells its OS disk
   * (`osDiskId`); `COMPUTE_GALLERY` otherwise
   */
  readonly method?: ImageCopyMethod;
  /**
   * Storage type recorded in the copy: the default for OS disks of VMs created from it.
   *
   * @default OsDiskStorageType.STANDARD_SSD_LRS
   */
  readonly osDiskStorageType?: OsDiskStorageType;
  /**
   * Name of the Azure Compute Gallery created for the `COMPUTE_GALLERY` method (1-80 letters, digits, underscores and
   * periods; no hyphens).
   *
   * @default - the image name with other characters replaced by `_`, followed by `_copy`
   */
  readonly galleryName?: string;
  /**
   * How long Terraform waits for the gallery to replicate the image and for the disk to be created from it, in minutes
   * (30-720). Replication to another region takes from minutes to a few hours, depending on the image and the regions.
   *
   * @default 180
   */
  readonly timeoutMinutes?: number;
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `ImageCopyProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const IMAGE_COPY_PROPS = struct<ImageCopyProps>('ImageCopyProps', {
  source: IMAGE,
  resourceGroupName: STRING,
  createResourceGroup: BOOLEAN,
  location: STRING,
  imageName: STRING,
  retainBuilds: NUMBER,
  method: enumOf('ImageCopyMethod', ImageCopyMethod),
  osDiskStorageType: enumOf('OsDiskStorageType', OsDiskStorageType),
  galleryName: STRING,
  timeoutMinutes: NUMBER,
  tags: STRING_MAP,
}, "{ source, resourceGroupName: 'rg-images' }");

const GALLERY_IMAGE_VERSION = '1.0.0';
/** `timeoutMinutes`: the create timeouts of the gallery version and the disk made from it. */
const COPY_TIMEOUT_MINUTES = wholeNumberBetween(30, 720, 'is not a whole number of minutes between 30 and 720', 'pass e.g. 180');
const GALLERY_NAME_SUFFIX = '_copy';
const MAX_GALLERY_NAME_LENGTH = 80;
// Identifies the one image definition in the copy's own gallery; unique per gallery is all Azure asks.
const GALLERY_IMAGE_IDENTIFIER = { publisher: 'azure-golden-image', offer: 'image-copy', sku: 'generalized' };

/**
 * An independent copy of a managed image in another resource group, and optionally another region: the seed's
 * `az image copy`. VMs created from the copy keep working after the source (and its resource group) is deleted.
 * The copy keeps the source's Hyper-V generation and OS type.
 *
 * Two native Terraform methods, chosen automatically (see `ImageCopyMethod`):
 * - `OS_DISK` (same region, source with `osDiskId`): `azurerm_image` from the source's generalized OS disk, like
 *   Azure's own "create an image from a managed disk". A managed image holds its own copy of the data: it does not
 *   need the disk afterwards.
 * - `COMPUTE_GALLERY` (another region, or a source without `osDiskId`): a gallery, an image definition and an image
 *   version of the source with *full* replication to the source's and the target region, then `azurerm_managed_disk`
 *   (`FromImage`, `gallery_image_reference_id`) in the target region and `azurerm_image` from that disk. The gallery
 *   lives in the copy's resource group, in the source's region (Azure requires the version next to a managed-image
 *   source). A managed disk cannot be created from a managed image (`image_reference_id` takes platform images
 *   only), and azurerm 4.x `azurerm_snapshot` has no `CopyStart` for a cross-region snapshot copy, so the gallery is
 *   the native cross-region path.
 *
 * Limits: the gallery, its image version (billed as snapshots, one per replica region) and the intermediate disk stay
 * as long as the copy: Terraform cannot delete what it created in the same apply. The copy is made once: Terraform
 * records the source, so a changed source (a rebuilt golden image) replaces the copy, and removing the source from the
 * program changes the copy's inputs too; import the copy with `ManagedImage.fromImageId` where it must outlive its
 * source in the program.
 */
export class ImageCopy extends Construct implements IImage {
  /**
   * The managed image that is the copy, when Terraform manages it: a one-off copy, or a cross-region copy. A build of
   * an image line copied within its region is made by `captureStep` instead, beside the earlier builds' copies.
   */
  public readonly image?: Image;
  /** With a build copied within its region: the step that captures the copy and deletes the line's older copies. */
  public readonly captureStep?: TerraformResource;
  /** With a build copied within its region: the resource that deletes every copy of the line when destroyed. */
  public readonly imageLine?: TerraformResource;
  /** The method used. */
  public readonly method: ImageCopyMethod;
  /** The gallery, with `COMPUTE_GALLERY`. */
  public readonly gallery?: SharedImageGallery;
  /** The gallery's image definition, with `COMPUTE_GALLERY`. */
  public readonly galleryImage?: SharedImage;
  /** The gallery image version replicated to the target region, with `COMPUTE_GALLERY`. */
  public readonly galleryImageVersion?: SharedImageVersion;
  /** The managed disk created from the replica in the target region, with `COMPUTE_GALLERY`. */
  public readonly osDisk?: ManagedDisk;

  /** Azure resource id of the copy. */
  public readonly imageId: string;
  /** Name of the copy. */
  public readonly imageName: string;
  /** Resource group of the copy. */
  public readonly resourceGroupName: string;
  /** The resource group, when ImageCopy creates it. */
  public readonly resourceGroup?: ResourceGroup;
  /** Canonical region of the copy. */
  public readonly location: string;
  /** The source's operating system. */
  public readonly osType: OsType;
  /** The source's Hyper-V generation. */
  public readonly hyperVGeneration: HyperVGeneration;
  /** The copy's managed image. */
  public readonly imageDependables: ITerraformDependable[];
  /** The copy's own OS disk with `COMPUTE_GALLERY`; undefined with `OS_DISK`, whose disk belongs to the source. */
  public readonly osDiskId?: string;
  /** The source's build, with the copy's line name, when the source is a build of an image line. */
  public readonly imageBuild?: ImageBuild;
  /** The source's marketplace purchase plan: VMs from the copy must name it too. */
  public readonly purchasePlan?: PurchasePlan;

  constructor(scope: Construct, id: string, props: ImageCopyProps) {
    super(scope, id);
    const validator = new PropsValidator(`ImageCopy '${this.node.path}'`);
    props = readProps(validator, props, IMAGE_COPY_PROPS, { source: "pass the image to copy, e.g. a GeneralizedImage or ManagedImage.fromImageId(this, 'Source', { ... })" });
    inheritServedPage(this, props.source);
    const config = this.parseProps(validator, props);

    const source = config.source;
    this.method = config.method;
    this.location = canonicalLocation(config.location);
    this.imageName = config.imageName;
    this.imageBuild = config.sourceBuild ? { revision: config.sourceBuild.revision, lineName: config.lineName } : undefined;
    this.osType = source.osType;
    this.hyperVGeneration = source.hyperVGeneration;
    this.purchasePlan = source.purchasePlan;
    const group = placeResourceGroup(this, config.resourceGroup, this.location, config.tags);
    this.resourceGroup = group.resourceGroup;
    this.resourceGroupName = group.resourceGroupName;

    if (config.method === ImageCopyMethod.OS_DISK && config.sourceBuild) {
      const line = this.createImageLine(config, config.sourceBuild);
      this.captureStep = line.captureStep;
      this.imageLine = line.imageLine;
      this.imageId = line.imageId;
      this.imageDependables = [line.captureStep];
      return;
    }
    if (config.method === ImageCopyMethod.COMPUTE_GALLERY) {
      const replica = this.createGalleryReplica(config);
      this.gallery = replica.gallery;
      this.galleryImage = replica.galleryImage;
      this.galleryImageVersion = replica.galleryImageVersion;
      this.osDisk = replica.osDisk;
      this.osDiskId = replica.osDisk.id;
    }
    this.image = this.createImage(config, this.osDiskId ?? source.osDiskId!);
    this.imageId = this.image.id;
    this.imageDependables = [this.image];
  }

  /**
   * Checks the props against the source, and resolves every default once: the line and image names, the method, the
   * resource group. Throws, listing every problem, unless all are fine.
   */
  private parseProps(validator: PropsValidator, props: ImageCopyProps): CopyConfig {
    const source = props.source;
    const location = props.location ?? source.location;
    const sourceBuild = source.imageBuild;
    // A build's copy is one build of the copy's own line: `<line>-<revision>`.
    const lineName = props.imageName ?? sourceBuild?.lineName ?? source.imageName;
    const imageName = sourceBuild ? `${lineName}-${sourceBuild.revision}` : lineName;
    const retainBuilds = props.retainBuilds ?? DEFAULT_RETAIN_BUILDS;
    const timeoutMinutes = props.timeoutMinutes ?? 180;
    const sameRegion = isSameKnownLocation(location, source.location);
    const method = props.method ?? (sameRegion && source.osDiskId !== undefined ? ImageCopyMethod.OS_DISK : ImageCopyMethod.COMPUTE_GALLERY);

    checkCommonNames(validator, this, { location: props.location });
    const resourceGroup = checkResourceGroup(validator, props, { createdName: `rg-${lineName}` });
    checkCopyName(validator, props, sourceBuild !== undefined, lineName, imageName);
    const retainBuildsChecks = checkRetainBuilds(validator, retainBuilds);
    if (kindOf(source) !== ImageKind.MANAGED_IMAGE) {
      validator.fail('source', source.kind, 'is a gallery image, but ImageCopy copies managed images',
        "replicate the version instead: add the region to the GalleryImageVersion's targetRegions (a gallery replica is the copy, and serves more VMs)");
    }
    if (sourceBuild && method === ImageCopyMethod.OS_DISK) {
      checkCaptureTags(validator, props.tags);
    } else {
      checkTags(validator, 'tags', props.tags);
    }
    validator.check('galleryName', props.galleryName, isGalleryName,
      'is not a valid gallery name (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit; no hyphens)',
      "write it with underscores, e.g. 'gal_golden_images'");
    const timeoutChecks = checkNumber(validator, 'timeoutMinutes', timeoutMinutes, [COPY_TIMEOUT_MINUTES]);
    checkMethod(validator, method, location, source);
    if (props.osDiskStorageType !== undefined && !Object.values(OsDiskStorageType).includes(props.osDiskStorageType)) {
      validator.fail('osDiskStorageType', props.osDiskStorageType, 'is not a storage type', 'pass one of OsDiskStorageType');
    }
    const zoneCheck = checkZoneRedundantStorage(validator, this, {
      prop: 'osDiskStorageType',
      storageType: props.osDiskStorageType,
      locationProp: props.location === undefined ? "location (the source's)" : 'location',
      location,
      storageEnum: 'OsDiskStorageType',
    });
    checkCopyBesideSource(validator, source, resourceGroup.name, lineName, imageName);
    claimCopyNames(this, validator, props, {
      method, lineName, imageName, sourceBuild: sourceBuild !== undefined, resourceGroupName: resourceGroup.name,
    });
    claimCreatedResourceGroup(this, validator, props.resourceGroupName === undefined ? 'resourceGroupName (from imageName)' : 'resourceGroupName', resourceGroup);
    validator.throwIfInvalid();
    return {
      source,
      sourceBuild,
      location,
      lineName,
      imageName,
      method,
      resourceGroup,
      retainBuilds,
      timeoutMinutes,
      storageType: props.osDiskStorageType ?? OsDiskStorageType.STANDARD_SSD_LRS,
      galleryName: props.galleryName,
      tags: props.tags,
      zoneChecks: zoneCheck ? [zoneCheck] : [],
      retainBuildsChecks,
      timeoutChecks,
    };
  }

  /** A build copied within its region: the line's copies, made from the source's generalized OS disk by the operator. */
  private createImageLine(config: CopyConfig, sourceBuild: ImageBuild): ImageLine {
    return imageLine(this, {
      // Not the source disk's id: the line (and its destroy-time deletion of every copy) must outlive every build.
      subscriptionId: providerSubscriptionId(this),
      resourceGroupName: this.resourceGroupName,
      location: this.location,
      lineName: config.lineName,
      revision: sourceBuild.revision,
      source: { diskId: config.source.osDiskId! },
      hyperVGeneration: this.hyperVGeneration,
      osType: this.osType,
      retainBuilds: config.retainBuilds,
      storageType: config.storageType,
      tags: config.tags,
      // The source's OS disk is only final once the source image exists (after Sysprep and generalization).
      dependsOn: inStackOf(this, config.source.imageDependables),
      // A token region's zone-redundant storage; timeoutMinutes, read by no resource of this method, as a literal is.
      preconditions: [...config.zoneChecks, ...config.retainBuildsChecks, ...config.timeoutChecks],
    });
  }

  /**
   * With `COMPUTE_GALLERY`: a gallery, a definition and a version of the source in the source's region, fully replicated
   * to the copy's, then a managed disk from the replica there.
   */
  private createGalleryReplica(config: CopyConfig): GalleryReplica {
    const { SharedImageGallery, SharedImage, SharedImageVersion, ManagedDisk } = galleryBindings();
    const { source, sourceBuild, tags, timeoutMinutes } = config;
    const sourceLocation = canonicalLocation(source.location);
    // The gallery, definition and version sit in the source's region: a version from a managed image must.
    const galleryPlacement = { resourceGroupName: this.resourceGroupName, location: sourceLocation, tags };
    const gallery = new SharedImageGallery(this, 'Gallery', {
      ...galleryPlacement,
      name: config.galleryName ?? galleryNameFor(config.lineName),
      description: 'Replicates one image for an independent copy (azure-golden-image ImageCopy).',
    });
    const galleryImage = new SharedImage(this, 'GalleryImage', {
      ...galleryPlacement,
      // The line's name: one definition for every build.
      name: config.lineName,
      galleryName: gallery.name,
      osType: this.osType,
      hyperVGeneration: this.hyperVGeneration,
      identifier: GALLERY_IMAGE_IDENTIFIER,
      purchasePlan: planBlock(this.purchasePlan),
    });
    const galleryImageVersion = new SharedImageVersion(this, 'GalleryImageVersion', {
      ...galleryPlacement,
      // Every build is a new version (a version's source cannot change).
      name: sourceBuild ? galleryVersionName(sourceBuild.revision) : GALLERY_IMAGE_VERSION,
      galleryName: gallery.name,
      imageName: galleryImage.name,
      managedImageId: source.imageId,
      // Full replication stores the data in the gallery; Shallow would keep reading the source.
      replicationMode: 'Full',
      targetRegion: targetRegions(sourceLocation, this.location),
      timeouts: { create: `${timeoutMinutes}m` },
      dependsOn: nonEmpty(inStackOf(this, source.imageDependables)),
      // retainBuilds is read by no resource of this method: checked here, as a literal is.
      lifecycle: withPreconditions([...config.timeoutChecks, ...config.retainBuildsChecks], newBeforeOld(config)),
    });
    const osDisk = new ManagedDisk(this, 'OsDisk', {
      ...this.placement(config),
      name: `${config.imageName}-osdisk`,
      // Never attached: it only feeds the image, so the cheapest type does.
      storageAccountType: 'Standard_LRS',
      createOption: 'FromImage',
      galleryImageReferenceId: galleryImageVersion.id,
      osType: this.osType,
      timeouts: { create: `${timeoutMinutes}m` },
      lifecycle: newBeforeOld(config),
    });
    return { gallery, galleryImage, galleryImageVersion, osDisk };
  }

  /** The copy: a managed image from `osDiskId`, the source's own (`OS_DISK`) or the disk from the replica. */
  private createImage(config: CopyConfig, osDiskId: string): Image {
    const osDiskMethod = config.method === ImageCopyMethod.OS_DISK;
    return new Image(this, 'Image', {
      ...this.placement(config),
      name: config.imageName,
      hyperVGeneration: this.hyperVGeneration,
      osDisk: {
        osType: this.osType,
        osState: 'Generalized',
        managedDiskId: osDiskId,
        caching: 'ReadWrite',
        storageType: config.storageType,
      },
      // The source's OS disk is only final once the source image exists (after Sysprep and generalization).
      dependsOn: osDiskMethod ? nonEmpty(inStackOf(this, config.source.imageDependables)) : undefined,
      // A token region's zone-redundant storage; with OS_DISK, the numbers no resource reads, checked as a literal is.
      lifecycle: withPreconditions([
        ...config.zoneChecks,
        ...osDiskMethod ? [...config.timeoutChecks, ...config.retainBuildsChecks] : [],
      ], newBeforeOld(config)),
    });
  }

  /** Where the copy's disk and image go. */
  private placement(config: CopyConfig): { resourceGroupName: string; location: string; tags?: { [key: string]: string } } {
    return { resourceGroupName: this.resourceGroupName, location: this.location, tags: config.tags };
  }
}

/** The props of a copy, checked, with every default resolved, and the plan-time checks of its tokens. */
interface CopyConfig {
  readonly source: IImage;
  readonly sourceBuild?: ImageBuild;
  /** As given or the source's, not canonical. */
  readonly location: string;
  readonly lineName: string;
  readonly imageName: string;
  readonly method: ImageCopyMethod;
  readonly resourceGroup: { create: boolean; name: string };
  readonly retainBuilds: number;
  readonly timeoutMinutes: number;
  readonly storageType: OsDiskStorageType;
  readonly galleryName?: string;
  readonly tags?: { [key: string]: string };
  readonly zoneChecks: Precondition[];
  readonly retainBuildsChecks: Precondition[];
  readonly timeoutChecks: Precondition[];
}

/** What `COMPUTE_GALLERY` makes before the image. */
interface GalleryReplica {
  readonly gallery: SharedImageGallery;
  readonly galleryImage: SharedImage;
  readonly galleryImageVersion: SharedImageVersion;
  readonly osDisk: ManagedDisk;
}


/**
 * A build's gallery version, disk and image (the line's copies within the region are the operator's) are named by its
 * revision, so a rebuild replaces them under new names. New before old: Terraform's default deletes the copy the fleet
 * runs on at the start of the apply, hours before the new one is replicated, and a build that fails on the way leaves
 * no copy at all. A copy of anything else keeps its names, which Azure cannot hold twice: old first.
 */
function newBeforeOld(config: CopyConfig): { createBeforeDestroy: boolean } | undefined {
  return config.sourceBuild ? { createBeforeDestroy: true } : undefined;
}

/** The copy's name: a line name for a build (`<line>-<revision>` per build), an image name otherwise. */
function checkCopyName(validator: PropsValidator, props: ImageCopyProps, sourceBuild: boolean, lineName: string, imageName: string): void {
  if (sourceBuild) {
    checkImageLineName(validator, props.imageName === undefined ? "imageName (the source's line)" : 'imageName', lineName,
      "pass imageName, e.g. 'img-golden-web'");
  } else {
    validator.check(props.imageName === undefined ? "imageName (the source's)" : 'imageName', imageName, isImageName,
      'is not a valid image name (1-80 letters, digits, underscores, periods and hyphens, starting with a letter or digit, ending with a letter, digit or underscore)',
      "pass imageName, e.g. 'img-golden-web'");
  }
}

/** `OS_DISK` makes the image from the source's OS disk: in the source's region, from a source that tells its disk. */
function checkMethod(validator: PropsValidator, method: ImageCopyMethod, location: string, source: IImage): void {
  if (!Object.values(ImageCopyMethod).includes(method)) {
    validator.fail('method', method, 'is not an image copy method', 'pass ImageCopyMethod.OS_DISK or ImageCopyMethod.COMPUTE_GALLERY');
  } else if (method === ImageCopyMethod.OS_DISK) {
    if (isDifferentKnownLocation(location, source.location)) {
      validator.fail('location', location, `differs from the source's region ${describeValue(source.location)}, but the OS_DISK method makes the image from a disk, which must be in the image's region`,
        'use ImageCopyMethod.COMPUTE_GALLERY (the default for another region), or copy within the region');
    }
    if (source.osDiskId === undefined) {
      validator.fail('method', method, 'needs the OS disk of the source, but the source does not tell it (osDiskId)',
        'use ImageCopyMethod.COMPUTE_GALLERY (the default), or give osDiskId to ManagedImage.fromImageId');
    }
  }
}

/** A copy of the same name in the source's own resource group would replace the source. */
function checkCopyBesideSource(validator: PropsValidator, source: IImage, resourceGroupName: string, lineName: string, imageName: string): void {
  if (!isUnresolved(resourceGroupName) && !isUnresolved(source.resourceGroupName) && !isUnresolved(imageName)
    && !isUnresolved(source.imageName)
    && resourceGroupName.toLowerCase() === source.resourceGroupName.toLowerCase()
    && lineName.toLowerCase() === (source.imageBuild?.lineName ?? source.imageName).toLowerCase()) {
    validator.fail('resourceGroupName', resourceGroupName, `holds the source ${describeValue(source.imageName)} already: the copy would replace it`,
      'copy into another resource group (the point of a copy that survives the source), or pass another imageName');
  }
}

/**
 * Claims the names the copy makes in its resource group: a build copied within its region is a line of images; any
 * other copy is one managed image, and with `COMPUTE_GALLERY` also a gallery and a managed disk.
 */
function claimCopyNames(copy: ImageCopy, validator: PropsValidator, props: ImageCopyProps,
  settled: { method: ImageCopyMethod; lineName: string; imageName: string; sourceBuild: boolean; resourceGroupName: string }): void {
  const imageProp = props.imageName !== undefined ? 'imageName' : settled.sourceBuild ? "imageName (the source's line)" : "imageName (the source's)";
  if (settled.method === ImageCopyMethod.OS_DISK && settled.sourceBuild) {
    claimImageLine(copy, validator, imageProp, settled.lineName, settled.resourceGroupName);
    return;
  }
  if (!Object.values(ImageCopyMethod).includes(settled.method)) {
    return;
  }
  const scope = resourceGroupScope(settled.resourceGroupName);
  const gallery = settled.method === ImageCopyMethod.COMPUTE_GALLERY;
  const fix = 'pass another imageName to one of them, or copy into another resource group';
  if (settled.sourceBuild) {
    // A build's copy through the gallery is named `<line>-<revision>` too, as the line's images within the region and
    // the build's own are: the same line in one group would make the same image names (the revision is a token).
    claimImageLine(copy, validator, imageProp, settled.lineName, settled.resourceGroupName);
  }
  claimNames(copy, validator, {
    prop: imageProp,
    value: settled.lineName,
    names: [
      { kind: AZURE_RESOURCE.MANAGED_IMAGE, scope, name: settled.imageName },
      ...gallery ? [{ kind: AZURE_RESOURCE.MANAGED_DISK, scope, name: `${settled.imageName}-osdisk` }] : [],
      ...gallery && props.galleryName === undefined
        ? [{ kind: AZURE_RESOURCE.GALLERY, scope: GALLERY_NAME_SCOPE, name: galleryNameFor(settled.lineName) }] : [],
    ],
    fix,
  });
  if (gallery && props.galleryName !== undefined) {
    claimNames(copy, validator, {
      prop: 'galleryName',
      value: props.galleryName,
      names: [{ kind: AZURE_RESOURCE.GALLERY, scope: GALLERY_NAME_SCOPE, name: props.galleryName }],
      fix: 'pass another galleryName to one of them: gallery names are unique within the subscription, whatever their resource groups',
    });
  }
}

/** The replica regions: the source's own (Azure requires it) and the copy's, once. */
function targetRegions(sourceLocation: string, location: string): SharedImageVersionTargetRegion[] | IResolvable {
  const region = (name: string) => ({ name, regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' });
  if (!Token.isUnresolved(sourceLocation) && !Token.isUnresolved(location)) {
    return [...new Set([sourceLocation, location])].map(region);
  }
  // Unknown until apply: let Terraform drop the duplicate when both turn out to be the same region.
  const regions = TerraformIterator.fromList(Fn.distinct([sourceLocation, location]));
  return regions.dynamic({ name: regions.value, regional_replica_count: 1, storage_account_type: 'Standard_LRS' });
}

function defaultGalleryName(imageName: string): string {
  const base = imageName.replace(/[^0-9A-Za-z_.]/g, '_').slice(0, MAX_GALLERY_NAME_LENGTH - GALLERY_NAME_SUFFIX.length);
  return `${base}${GALLERY_NAME_SUFFIX}`;
}

function galleryNameFor(imageName: string): string {
  if (!isUnresolved(imageName)) {
    return defaultGalleryName(imageName);
  }
  const base = Fn.substr(Fn.replace(imageName, '/[^0-9A-Za-z_.]/', '_'), 0, MAX_GALLERY_NAME_LENGTH - GALLERY_NAME_SUFFIX.length);
  return Fn.format(`%s${GALLERY_NAME_SUFFIX}`, [base]);
}
