import { Fn, ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, IImage, OsType } from './image';
import { canonicalLocation, isLocation, isManagedDiskId, parseManagedImageId } from './private/azure-names';
import { isUnresolved, PropsValidator } from './private/validation';

/** What `ManagedImage.fromImageId` needs to know about an image made elsewhere. */
export interface ManagedImageAttributes {
  /**
   * Azure resource id of the managed image:
   * `/subscriptions/<subscription id>/resourceGroups/<resource group>/providers/Microsoft.Compute/images/<name>`.
   */
  readonly imageId: string;
  /** Azure region of the image, e.g. `westeurope` (`az image show --query location`). */
  readonly location: string;
  /** Hyper-V generation of the image (`az image show --query hyperVGeneration`). */
  readonly hyperVGeneration: HyperVGeneration;
  /**
   * Operating system of the image.
   *
   * @default OsType.WINDOWS
   */
  readonly osType?: OsType;
  /**
   * Azure resource id of the generalized managed disk the image was captured from, when it still exists
   * (`az image show --query storageProfile.osDisk.managedDisk.id`). Lets `ImageCopy` copy within the region
   * without an Azure Compute Gallery.
   *
   * @default - unknown: copies go through an Azure Compute Gallery
   */
  readonly osDiskId?: string;
}

/** Managed images (`Microsoft.Compute/images`) made outside this app. */
export class ManagedImage {
  /**
   * An existing managed image, e.g. made by `az image create` or another Terraform configuration.
   *
   * The resource group and image name are read from a literal id; for a token they are split from it by Terraform.
   * Nothing is looked up in Azure at synth time, so the attributes must describe the image truthfully.
   */
  public static fromImageId(scope: Construct, id: string, attrs: ManagedImageAttributes): IImage {
    return new ImportedManagedImage(scope, id, attrs);
  }

  private constructor() {}
}

const ID_SEGMENT_RESOURCE_GROUP = 4;
const ID_SEGMENT_NAME = 8;

class ImportedManagedImage extends Construct implements IImage {
  public readonly imageId: string;
  public readonly imageName: string;
  public readonly resourceGroupName: string;
  public readonly location: string;
  public readonly osType: OsType;
  public readonly hyperVGeneration: HyperVGeneration;
  public readonly imageDependables: ITerraformDependable[] = [];
  public readonly osDiskId?: string;

  constructor(scope: Construct, id: string, attrs: ManagedImageAttributes) {
    super(scope, id);
    const v = new PropsValidator(`ManagedImage.fromImageId '${this.node.path}'`);
    v.check('imageId', attrs.imageId, (i) => parseManagedImageId(i) !== undefined,
      'is not the resource id of a managed image (/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Compute/images/<name>)',
      'copy it from `az image show --resource-group <rg> --name <name> --query id -o tsv`');
    v.check('location', attrs.location, (l) => isLocation(canonicalLocation(l)),
      'is not an Azure region name', "use the region's name as `az image show --query location` prints it, e.g. 'westeurope'");
    v.check('osDiskId', attrs.osDiskId, isManagedDiskId,
      'is not the resource id of a managed disk (/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Compute/disks/<name>)',
      'copy it from `az image show --query storageProfile.osDisk.managedDisk.id -o tsv`, or omit it');
    if (!Object.values(HyperVGeneration).includes(attrs.hyperVGeneration)) {
      v.fail('hyperVGeneration', attrs.hyperVGeneration, 'is not a Hyper-V generation', 'pass HyperVGeneration.V1 or HyperVGeneration.V2');
    }
    if (attrs.osType !== undefined && !Object.values(OsType).includes(attrs.osType)) {
      v.fail('osType', attrs.osType, 'is not an operating system type', 'pass OsType.WINDOWS or OsType.LINUX');
    }
    v.throwIfInvalid();

    this.imageId = attrs.imageId;
    if (isUnresolved(attrs.imageId)) {
      const segment = (i: number) => Token.asString(Fn.element(Fn.split('/', attrs.imageId), i));
      this.resourceGroupName = segment(ID_SEGMENT_RESOURCE_GROUP);
      this.imageName = segment(ID_SEGMENT_NAME);
    } else {
      const parts = parseManagedImageId(attrs.imageId)!;
      this.resourceGroupName = parts.resourceGroupName;
      this.imageName = parts.name;
    }
    this.location = canonicalLocation(attrs.location);
    this.hyperVGeneration = attrs.hyperVGeneration;
    this.osType = attrs.osType ?? OsType.WINDOWS;
    this.osDiskId = attrs.osDiskId;
  }
}
