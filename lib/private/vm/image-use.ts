/**
 * How VMs use an image: its kind, security type and regions, the VM security types it allows, and the replica plan
 * that fleets join to size a gallery version's replicas.
 */
import { Annotations, Token } from 'cdktf';
import { Construct } from 'constructs';
import { BootImage, checkVmSizeUse, NvmeTag } from './vm-sizes';
import { HyperVGeneration, IImage, ImageKind, ImageSecurityType, SecurityType } from '../../image';
import { MAX_REPLICAS_PER_REGION } from '../../operator/steps/gallery-versions';
import { canonicalLocation } from '../naming/regions';
import { isUnresolved, PropsValidator } from '../validation/props-validator';

/**
 * How VMs use an image, in one place for every construct that creates VMs (`ImageFleet`, the gallery's canary, scale
 * sets): its kind, security type and regions with their defaults, which VM security types it allows, and how many
 * concurrent deployments it serves.
 *
 * Capacity, from Azure's documentation ("Store and share images in an Azure Compute Gallery", section Scaling, and
 * "Create a legacy managed image"): a managed image serves about 20 concurrent VM deployments; a gallery image version
 * about 50 per replica, with at most 100 replicas per region (the numbers of `CONCURRENT_DEPLOYMENTS_PER_REPLICA` and
 * `MAX_REPLICAS_PER_REGION`).
 */
export const MANAGED_IMAGE_CONCURRENT_DEPLOYMENTS = 20;
export const CONCURRENT_DEPLOYMENTS_PER_REPLICA = 50;
// Defined with the publish step's input, which checks it too.
export { MAX_REPLICAS_PER_REGION };

export function kindOf(image: IImage): ImageKind {
  return image.kind ?? ImageKind.MANAGED_IMAGE;
}

export function securityTypeOf(image: IImage): ImageSecurityType {
  return image.securityType ?? ImageSecurityType.STANDARD;
}

/** Canonical regions VMs can be created in from the image. */
export function regionsOf(image: IImage): string[] {
  return (image.regions ?? [image.location]).map(canonicalLocation);
}

/** The security type a VM gets from an image unless told otherwise: Trusted Launch wherever the image allows it. */
export function defaultVmSecurityType(image: IImage): SecurityType {
  return securityTypeOf(image) === ImageSecurityType.STANDARD ? SecurityType.STANDARD : SecurityType.TRUSTED_LAUNCH;
}

/**
 * Records a problem when VMs of `securityType` cannot be created from `image`: Trusted Launch needs a Gen2 gallery image
 * of type TrustedLaunch or TrustedLaunchSupported; a TrustedLaunch image takes Trusted Launch VMs only.
 */
export function checkVmSecurityType(v: PropsValidator, prop: string, securityType: SecurityType, image: IImage): void {
  if (!Object.values(SecurityType).includes(securityType)) {
    v.fail(prop, securityType, 'is not a security type', 'pass SecurityType.STANDARD or SecurityType.TRUSTED_LAUNCH, or omit it (it follows the image)');
    return;
  }
  const imageType = securityTypeOf(image);
  if (securityType === SecurityType.TRUSTED_LAUNCH) {
    if (kindOf(image) === ImageKind.MANAGED_IMAGE) {
      v.fail(prop, securityType, 'cannot be used with a managed image: Azure creates Trusted Launch VMs only from gallery images (and marketplace images)',
        'publish the build to an Azure Compute Gallery (GalleryImageVersion) with a TrustedLaunch or TrustedLaunchSupported definition, or use SecurityType.STANDARD');
    } else if (imageType === ImageSecurityType.STANDARD) {
      v.fail(prop, securityType, `needs an image that supports Trusted Launch, but image '${shownName(image)}' is of the Standard security type`,
        'use a gallery image definition of ImageSecurityType.TRUSTED_LAUNCH or TRUSTED_LAUNCH_SUPPORTED, or SecurityType.STANDARD');
    } else if (image.hyperVGeneration !== HyperVGeneration.V2) {
      v.fail(prop, securityType, 'needs a Gen2 (V2) image', 'use a V2 image, or SecurityType.STANDARD');
    }
  } else if (imageType === ImageSecurityType.TRUSTED_LAUNCH) {
    v.fail(prop, securityType, `cannot be used with image '${shownName(image)}': its definition is of the TrustedLaunch security type, which Azure deploys as Trusted Launch VMs only`,
      'use SecurityType.TRUSTED_LAUNCH (the default for this image), or publish to a TRUSTED_LAUNCH_SUPPORTED definition');
  }
}

/** Records a problem unless `location` is one of the image's regions. */
export function checkImageRegion(v: PropsValidator, location: string, image: IImage, fix: string): void {
  const regions = image.regions ?? [image.location];
  // A location that is no region at all has its own problem; comparing it with the image's would only repeat it.
  if (isUnresolved(location) || regions.some((r) => isUnresolved(r)) || v.hasProblemWith('location')) {
    return;
  }
  if (!regions.map(canonicalLocation).includes(canonicalLocation(location))) {
    const where = regions.length === 1 ? `the image's region '${regions[0]}'` : `the image's regions (${regions.map((r) => `'${r}'`).join(', ')})`;
    v.fail('location', location, `is not ${where}: Azure creates VMs only from an image in their own region`, fix);
  }
}

/** A construct that creates VMs from a gallery version, and whether it takes the definition's latest. */
export interface ImageConsumer {
  readonly consumer: Construct;
  readonly latest: boolean;
}

/**
 * The replicas of one `GalleryImageVersion`: the counts given explicitly, and the deployments that the fleets of this
 * app (`addDeployments`) plan from the version or one of its views (its latest, its imports into other stacks), by
 * canonical region. The version owns it and hands it to each of its views; a fleet joins it through its image
 * (`replicaPlanOf`), so that every target region without an explicit count gets one replica per 50 of their VMs.
 */
export class ReplicaPlan {
  private readonly deployments: Record<string, number> = {};
  private readonly registered: ImageConsumer[] = [];

  /** @param explicitReplicas replica counts given explicitly, by canonical region */
  constructor(private readonly explicitReplicas: Record<string, number>) {}

  /** Every construct that creates VMs from the version or one of its views, in the order they were made. */
  public get consumers(): readonly ImageConsumer[] {
    return this.registered;
  }

  /** The concurrent deployments the consumers registered for `region` (canonical). */
  public plannedDeployments(region: string): number {
    return this.deployments[region] ?? 0;
  }

  /**
   * Registers `consumer`, which creates VMs from `image` (the version or one of its views), and its `instances` VMs
   * created at once in `location` (a fleet counts every VM: a rollout creates them all in one apply); warns on
   * `consumer` when the region's explicit replica count serves fewer. Unknown numbers are not counted.
   */
  public addDeployments(consumer: Construct, image: IImage, location: string, instances: number): void {
    this.registered.push({ consumer, latest: kindOf(image) === ImageKind.GALLERY_IMAGE_LATEST });
    if (isUnresolved(instances) || Token.isUnresolved(location)) {
      return;
    }
    const region = canonicalLocation(location);
    this.deployments[region] = (this.deployments[region] ?? 0) + instances;
    const explicit = this.explicitReplicas[region];
    if (explicit !== undefined && instances > explicit * CONCURRENT_DEPLOYMENTS_PER_REPLICA) {
      Annotations.of(consumer).addWarning(`${instances} VMs in ${region} from gallery image '${shownName(image)}', whose version has ${explicit} replica(s) there: `
        + `Azure serves about ${CONCURRENT_DEPLOYMENTS_PER_REPLICA} concurrent deployments per replica. `
        + `Give that target region replicaCount ${replicasFor(instances)}, or leave replicaCount out so that it follows the fleets.`);
    }
  }
}

/** The replica plan `image` joins: that of the `GalleryImageVersion` it is or is a view of; none for any other image. */
export function replicaPlanOf(image: IImage): ReplicaPlan | undefined {
  const plan = (image as { readonly _replicaPlan?: unknown })._replicaPlan;
  return plan instanceof ReplicaPlan ? plan : undefined;
}

/** Replicas for a number of concurrent deployments in one region: one per 50, at least 1, at most 100. */
export function replicasFor(deployments: number): number {
  return Math.min(MAX_REPLICAS_PER_REGION, Math.max(1, Math.ceil(deployments / CONCURRENT_DEPLOYMENTS_PER_REPLICA)));
}

/**
 * Warns on `scope` when `instances` VMs created at once from a managed image exceed the about 20 concurrent deployments
 * it serves. Unknown numbers are not counted.
 */
export function warnManagedImageDeployments(scope: Construct, image: IImage, instances: number): void {
  if (kindOf(image) === ImageKind.MANAGED_IMAGE && !isUnresolved(instances) && instances > MANAGED_IMAGE_CONCURRENT_DEPLOYMENTS) {
    Annotations.of(scope).addWarning(`${instances} VMs from managed image '${shownName(image)}': Azure serves about `
      + `${MANAGED_IMAGE_CONCURRENT_DEPLOYMENTS} concurrent deployments from one managed image, so a rollout of all of them at once may be throttled or fail. `
      + `Publish the build to an Azure Compute Gallery (GalleryImageVersion), whose replicas serve about ${CONCURRENT_DEPLOYMENTS_PER_REPLICA} each.`);
  }
}

function shownName(image: IImage): string {
  return Token.isUnresolved(image.imageName) ? '<computed>' : image.imageName;
}

/**
 * Checks that VMs of `vmSize` boot `image` with `securityType` (`checkVmSizeUse`: generation, architecture, NVMe,
 * Trusted Launch), for every construct that creates VMs from an `IImage` (`ImageFleet`, `ImageScaleSet`).
 */
export function checkVmSizeForImage(scope: Construct, v: PropsValidator, vmSize: string, image: IImage, securityType: SecurityType,
  securityTypeGiven: boolean): void {
  const imageType = securityTypeOf(image);
  checkVmSizeUse(scope, v, {
    prop: 'vmSize',
    size: vmSize,
    image: bootImageOf(image),
    securityType,
    trustedLaunchReason: securityTypeGiven ? 'securityType is SecurityType.TRUSTED_LAUNCH'
      : `the VMs are Trusted Launch, the default for image '${shownName(image)}' (${imageType})`,
    trustedLaunchAlternative: imageType === ImageSecurityType.TRUSTED_LAUNCH ? undefined : 'or pass securityType: SecurityType.STANDARD',
  });
}

/**
 * The image as the size check sees it. Its architecture is known for a managed image (Azure makes managed images of
 * x64 VMs only: "All new features, like ARM64, Trusted Launch, and Confidential VM are only supported through Azure
 * Compute Gallery", "Create a legacy managed image of a generalized VM in Azure") and for this library's gallery
 * versions and their views (`GalleryImage` definitions are x64, azurerm_shared_image's default architecture); not for a
 * gallery image imported by id.
 */
function bootImageOf(image: IImage): BootImage {
  const description = `image '${shownName(image)}'`;
  let x64Reason: string | undefined;
  if (kindOf(image) === ImageKind.MANAGED_IMAGE) {
    x64Reason = `${description} is a managed image, and Azure makes managed images of x64 VMs only`;
  } else if (replicaPlanOf(image) !== undefined) {
    x64Reason = `${description} is a version of a GalleryImage definition, which is x64`;
  }
  return { description, generation: image.hyperVGeneration, x64Reason, nvme: nvmeTagOf(image, description) };
}

/**
 * Whether the image is tagged for NVMe. A managed image never is: the tag is a feature of a gallery image definition
 * (`DiskControllerTypes`, "FAQ for remote NVMe disks": "Create an image definition. Be sure to include `--feature
 * DiskControllerTypes=SCSI,NVMe`"), and a managed image (`Microsoft.Compute/images`) has no features. A gallery image
 * says so in `nvmeSupported` (a version of a `GalleryImage`, always; an import, when its attributes say).
 */
function nvmeTagOf(image: IImage, description: string): NvmeTag {
  if (kindOf(image) === ImageKind.MANAGED_IMAGE) {
    return {
      tagged: false,
      reason: `${description} is a managed image, which Azure cannot tag for NVMe (only a gallery image definition carries the tag)`,
      alternative: 'or publish the build with GalleryImageVersion to a GalleryImage with nvmeSupported: true and use that version',
    };
  }
  if (image.nvmeSupported === undefined) {
    return {
      check: 'az sig image-definition show --query "features[?name==\'DiskControllerTypes\'].value" (NVMe listed or not), '
        + 'then pass nvmeSupported to GalleryImageVersion.fromVersionId.',
    };
  }
  return image.nvmeSupported ? { tagged: true } : {
    tagged: false,
    reason: `${description} is a version of a gallery image definition without NVMe support (no DiskControllerTypes feature with NVMe)`,
    alternative: 'or publish to a definition with NVMe support (GalleryImage nvmeSupported: true)',
  };
}
