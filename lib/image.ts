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
 * A managed image that VMs can be created from: a `GeneralizedImage`, an `ImageCopy`,
 * or an image made elsewhere (`ManagedImage.fromImageId`).
 */
export interface IImage {
  /** Azure resource id of the managed image. */
  readonly imageId: string;
  /** Name of the managed image. */
  readonly imageName: string;
  /** Resource group that holds the image. */
  readonly resourceGroupName: string;
  /** Canonical Azure region of the image, e.g. `westeurope`. VMs can only be created from an image in the same region. */
  readonly location: string;
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
}
