/**
 * What the constructs that take an image rely on: `IImage` (a managed image, a gallery version or its latest, a copy,
 * an import), and the enums and structs that describe an image and the VMs made from it (Hyper-V generation, OS type,
 * VM and image security types, image kind, purchase plan, build).
 */
import { ITerraformDependable } from 'cdktf';

/** The Hyper-V generation of a VM or image. A Gen2 VM can only be captured into a V2 image. */
export enum HyperVGeneration {
  /** Generation 1 (BIOS). */
  V1 = 'V1',
  /** Generation 2 (UEFI). */
  V2 = 'V2',
}

/** The operating system of an image. */
export enum OsType {
  WINDOWS = 'Windows',
  LINUX = 'Linux',
}

/** The security type of a VM. */
export enum SecurityType {
  /** No Secure Boot, no vTPM: the only type a managed image can be captured from or create VMs. */
  STANDARD = 'Standard',
  /**
   * Secure Boot and vTPM (Gen2 only). Captured into, and created from, Azure Compute Gallery images of the
   * TrustedLaunch (or, for VMs, TrustedLaunchSupported) security type; never a managed image.
   */
  TRUSTED_LAUNCH = 'TrustedLaunch',
}

/**
 * The security type of an image: which VMs may be created from it, and which build VMs it may be captured from.
 * A managed image is always `STANDARD`; an Azure Compute Gallery image definition states its own.
 */
export enum ImageSecurityType {
  /** VMs without Secure Boot and vTPM only. Any generation. */
  STANDARD = 'Standard',
  /**
   * Gen2 only: VMs with either security type (Standard or Trusted Launch). Captured from a Standard Gen2 build VM.
   */
  TRUSTED_LAUNCH_SUPPORTED = 'TrustedLaunchSupported',
  /** Gen2 only: Trusted Launch VMs only (Secure Boot and vTPM). Captured from a Trusted Launch build VM. */
  TRUSTED_LAUNCH = 'TrustedLaunch',
}

/** What an `IImage`'s id names, which decides how VMs use it and how many deployments it serves at once. */
export enum ImageKind {
  /** A managed image (`Microsoft.Compute/images`): one region, about 20 concurrent VM deployments. */
  MANAGED_IMAGE = 'ManagedImage',
  /**
   * One version of an Azure Compute Gallery image (`.../galleries/<g>/images/<definition>/versions/<X.Y.Z>`),
   * replicated to its regions; each replica serves about 50 concurrent deployments.
   */
  GALLERY_IMAGE_VERSION = 'GalleryImageVersion',
  /**
   * The newest version of a gallery image definition that is not excluded from latest (the definition's id): VMs
   * created later get later versions, and a new version changes no VM that exists.
   */
  GALLERY_IMAGE_LATEST = 'GalleryImageLatest',
}

/**
 * The purchase plan of a third-party Azure Marketplace image. Azure creates a VM from such an image, or from any image
 * captured from one, only when the VM names the plan, and only once its terms were accepted in the subscription
 * (`az vm image terms accept --urn <urn>`). Its three parts are those `az vm image show --urn <urn> --query plan` prints.
 * Microsoft's Windows Server images have none.
 */
export interface PurchasePlan {
  /** The plan id, e.g. `byol` (`plan.name`). */
  readonly name: string;
  /** The product id: the image's offer (`plan.product`). */
  readonly product: string;
  /** The publisher id: the image's publisher (`plan.publisher`). */
  readonly publisher: string;
}

/** The build an image comes from: one of a line of images rebuilt again and again (`GeneralizedImage`, its copies). */
export interface ImageBuild {
  /** The build revision, `YYYYMMDDhhmmss` (the build VM's creation): new for every build, and newer ones sort later. */
  readonly revision: string;
  /**
   * The line's name: every build's image is named `<lineName>-<revision>` and tagged `golden-image-name=<lineName>`,
   * `golden-image-revision=<revision>`; the newest few are kept for rollback.
   */
  readonly lineName: string;
}

/**
 * An image that VMs can be created from: a managed image (`GeneralizedImage`, `ImageCopy`, `ManagedImage.fromImageId`)
 * or a gallery image version (`GalleryImageVersion`, its `latest`, `GalleryImageVersion.fromVersionId`).
 */
export interface IImage {
  /**
   * Azure resource id of the image: a managed image, a gallery image version, or (for the latest version) a gallery
   * image definition; `kind` tells which. Every VM resource takes it as its source image id.
   */
  readonly imageId: string;
  /** Name of the managed image, or the gallery image version (`X.Y.Z`), or the definition for its latest version. */
  readonly imageName: string;
  /** Resource group that holds the image (or its gallery). */
  readonly resourceGroupName: string;
  /**
   * Canonical Azure region of the image, e.g. `westeurope`: the managed image's, or the gallery's. VMs can only be
   * created in a region where the image is (`regions`).
   */
  readonly location: string;
  /**
   * Every region VMs can be created in from this image: a gallery version's replica regions.
   *
   * @default - `[location]`
   */
  readonly regions?: string[];
  /**
   * What `imageId` names.
   *
   * @default ImageKind.MANAGED_IMAGE
   */
  readonly kind?: ImageKind;
  /**
   * Which VMs may be created from the image.
   *
   * @default ImageSecurityType.STANDARD (every managed image)
   */
  readonly securityType?: ImageSecurityType;
  /**
   * Whether the image is tagged for NVMe, which VMs of NVMe-only sizes (the v6 and later D, E and F series, e.g.
   * `Standard_D2s_v6`) need to boot it: a version of a gallery definition with NVMe support (`GalleryImage`
   * `nvmeSupported`). Azure cannot tag a managed image. Checked against every VM size that uses the image.
   *
   * @default - false for a managed image; unknown for a gallery image (an NVMe-only size then passes with a warning)
   */
  readonly nvmeSupported?: boolean;
  /** Operating system of the image. */
  readonly osType: OsType;
  /** Hyper-V generation of the image; VMs created from it have the same generation. */
  readonly hyperVGeneration: HyperVGeneration;
  /** What Terraform must create before the image can be used (empty for imported images). */
  readonly imageDependables: ITerraformDependable[];
  /**
   * Azure resource id of the generalized managed disk the image was captured from, in the image's region, while that
   * disk exists. `ImageCopy` uses it for a same-region copy without an Azure Compute Gallery.
   *
   * @default - unknown: copies go through an Azure Compute Gallery
   */
  readonly osDiskId?: string;
  /**
   * The build the image comes from, when it is one of a line of rebuilt images.
   *
   * @default - not a build: a one-off image
   */
  readonly imageBuild?: ImageBuild;
  /**
   * The purchase plan of the marketplace image the image comes from: VMs created from the image must name it.
   *
   * @default - none: a first-party image (e.g. Windows Server) or one made without a plan
   */
  readonly purchasePlan?: PurchasePlan;
}
