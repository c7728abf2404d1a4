/**
 * `ManagedImage.fromImageId`: a managed image made elsewhere as an `IImage`, from its id and what Azure cannot be asked
 * at synth time (region, generation, OS type, OS disk, purchase plan).
 */
import { Fn, ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, IImage, OsType, PurchasePlan } from './image';
import { PURCHASE_PLAN } from './private/images/image-kinds';
import { checkPurchasePlan } from './private/images/purchase-plan';
import { isManagedDiskId, parseManagedImageId } from './private/images/resource-ids';
import { canonicalLocation, checkRegion } from './private/naming/regions';
import { enumOf, readProps, STRING, struct } from './private/validation/prop-types';
import { isUnresolved, PropsValidator } from './private/validation/props-validator';

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
  /**
   * The purchase plan of the marketplace image the image was made from, when it has one: VMs from the image must name
   * it (`az vm show --query plan` of the VM the image was captured from).
   *
   * @default - none: made from a first-party image such as Windows Server
   */
  readonly purchasePlan?: PurchasePlan;
}

/** `ManagedImageAttributes` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const MANAGED_IMAGE_ATTRIBUTES = struct<ManagedImageAttributes>('ManagedImageAttributes', {
  imageId: STRING,
  location: STRING,
  hyperVGeneration: enumOf('HyperVGeneration', HyperVGeneration),
  osType: enumOf('OsType', OsType),
  osDiskId: STRING,
  purchasePlan: PURCHASE_PLAN,
}, "{ imageId: '/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/images/<name>', location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 }");

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
  public readonly purchasePlan?: PurchasePlan;

  constructor(scope: Construct, id: string, attrs: ManagedImageAttributes) {
    super(scope, id);
    const validator = new PropsValidator(`ManagedImage.fromImageId '${this.node.path}'`);
    attrs = readProps(validator, attrs, MANAGED_IMAGE_ATTRIBUTES, {
      imageId: 'copy it from `az image show --resource-group <rg> --name <name> --query id -o tsv`',
      location: "pass the image's region, e.g. 'westeurope' (`az image show --query location`)",
      hyperVGeneration: "pass the image's, HyperVGeneration.V1 or V2 (`az image show --query hyperVGeneration`)",
    }, 'attrs');
    checkAttributes(validator, this, attrs);
    validator.throwIfInvalid();

    const names = namesOf(attrs.imageId);
    this.imageId = attrs.imageId;
    this.resourceGroupName = names.resourceGroupName;
    this.imageName = names.imageName;
    this.location = canonicalLocation(attrs.location);
    this.hyperVGeneration = attrs.hyperVGeneration;
    this.osType = attrs.osType ?? OsType.WINDOWS;
    this.osDiskId = attrs.osDiskId;
    this.purchasePlan = attrs.purchasePlan;
  }
}


/** The ids, the region and what the attributes say of the image: generation, OS type, purchase plan. */
function checkAttributes(validator: PropsValidator, scope: Construct, attrs: ManagedImageAttributes): void {
  validator.check('imageId', attrs.imageId, (i) => parseManagedImageId(i) !== undefined,
    'is not the resource id of a managed image (/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Compute/images/<name>)',
    'copy it from `az image show --resource-group <rg> --name <name> --query id -o tsv`');
  checkRegion(validator, scope, 'location', attrs.location);
  validator.check('osDiskId', attrs.osDiskId, isManagedDiskId,
    'is not the resource id of a managed disk (/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.Compute/disks/<name>)',
    'copy it from `az image show --query storageProfile.osDisk.managedDisk.id -o tsv`, or omit it');
  if (!Object.values(HyperVGeneration).includes(attrs.hyperVGeneration)) {
    validator.fail('hyperVGeneration', attrs.hyperVGeneration, 'is not a Hyper-V generation', 'pass HyperVGeneration.V1 or HyperVGeneration.V2');
  }
  if (attrs.osType !== undefined && !Object.values(OsType).includes(attrs.osType)) {
    validator.fail('osType', attrs.osType, 'is not an operating system type', 'pass OsType.WINDOWS or OsType.LINUX');
  }
  checkPurchasePlan(validator, 'purchasePlan', attrs.purchasePlan, 'copy it from `az vm show --query plan` of the VM the image was captured from');
}

/** The resource group and the name: read from a literal id, or split from a token by Terraform. */
function namesOf(imageId: string): { resourceGroupName: string; imageName: string } {
  if (isUnresolved(imageId)) {
    const segment = (i: number) => Token.asString(Fn.element(Fn.split('/', imageId), i));
    return { resourceGroupName: segment(ID_SEGMENT_RESOURCE_GROUP), imageName: segment(ID_SEGMENT_NAME) };
  }
  const parts = parseManagedImageId(imageId)!;
  return { resourceGroupName: parts.resourceGroupName, imageName: parts.name };
}
