/**
 * `GalleryImageReference`: a gallery image version (or a definition's latest version) known by its resource id, the
 * `IImage` that `GalleryImageVersion.fromVersionId`, `GalleryImageVersion.importInto` and a version's own `latest`
 * return, with `GalleryImageVersionAttributes`, what it needs to know of a version made elsewhere.
 */
import { Fn, ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, IImage, ImageKind, ImageSecurityType, OsType, PurchasePlan } from './image';
import { PURCHASE_PLAN } from './private/images/image-kinds';
import { checkPurchasePlan } from './private/images/purchase-plan';
import { isGalleryImageName, isGalleryName, isResourceGroupName } from './private/naming/azure-names';
import { canonicalLocation, checkRegion } from './private/naming/regions';
import { BOOLEAN, enumOf, listOf, readProps, STRING, struct } from './private/validation/prop-types';
import { isUnresolved, PropsValidator } from './private/validation/props-validator';
import { ReplicaPlan } from './private/vm/image-use';

/** What `GalleryImageVersion.fromVersionId` needs to know about a version (or definition) made elsewhere. */
export interface GalleryImageVersionAttributes {
  /**
   * Azure resource id of the version
   * (`/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<definition>/versions/<X.Y.Z>`),
   * or of the definition (without `/versions/...`) for its latest version.
   */
  readonly imageId: string;
  /** Region of the gallery, e.g. `westeurope`. */
  readonly location: string;
  /**
   * Every region the version is replicated to.
   *
   * @default - `[location]`
   */
  readonly regions?: string[];
  /** Hyper-V generation of the definition. */
  readonly hyperVGeneration: HyperVGeneration;
  /** Security type of the definition. */
  readonly securityType: ImageSecurityType;
  /**
   * Operating system of the definition.
   *
   * @default OsType.WINDOWS
   */
  readonly osType?: OsType;
  /**
   * Whether `imageId` names the definition (its latest version) rather than a version; needed when `imageId` is a token.
   *
   * @default - read from a literal id; false for a token
   */
  readonly latest?: boolean;
  /**
   * The definition's purchase plan, when it has one (`az sig image-definition show --query purchasePlan`): VMs from the
   * version must name it.
   *
   * @default - none
   */
  readonly purchasePlan?: PurchasePlan;
  /**
   * Whether the definition is tagged for NVMe: `az sig image-definition show --query
   * "features[?name=='DiskControllerTypes'].value"` lists NVMe. VMs of NVMe-only sizes (the v6 and later D, E and F
   * series) boot the version only then: with false, every construct refuses such a size for it.
   *
   * @default - unknown: an NVMe-only size passes with a warning that says how to check
   */
  readonly nvmeSupported?: boolean;
}

/** The attributes at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GALLERY_IMAGE_VERSION_ATTRIBUTES = struct<GalleryImageVersionAttributes>('GalleryImageVersionAttributes', {
  imageId: STRING,
  location: STRING,
  regions: listOf(STRING),
  hyperVGeneration: enumOf('HyperVGeneration', HyperVGeneration),
  securityType: enumOf('ImageSecurityType', ImageSecurityType),
  osType: enumOf('OsType', OsType),
  latest: BOOLEAN,
  purchasePlan: PURCHASE_PLAN,
  nvmeSupported: BOOLEAN,
}, "{ imageId, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, securityType: ImageSecurityType.TRUSTED_LAUNCH }");

const GALLERY_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)\/images\/([^/]+)(?:\/versions\/(\d+\.\d+\.\d+))?$/i;

/** How a reference is made, besides its attributes. */
interface ReferenceOptions {
  /** The definition's name, for an id that is a token. */
  readonly definitionName?: string;
  /** What Terraform must create first (the promotion, for a version's own latest). */
  readonly dependables?: ITerraformDependable[];
  /** The replica plan of the version this reference is a view of (its latest, an import), which its consumers join. */
  readonly replicaPlan?: ReplicaPlan;
}

/** A version or definition by its id: made elsewhere, another stack's, or a version's own latest. */
export class GalleryImageReference extends Construct implements IImage {
  public readonly imageId: string;
  public readonly imageName: string;
  public readonly resourceGroupName: string;
  public readonly location: string;
  public readonly regions: string[];
  public readonly kind: ImageKind;
  public readonly securityType: ImageSecurityType;
  public readonly osType: OsType;
  public readonly hyperVGeneration: HyperVGeneration;
  public readonly imageDependables: ITerraformDependable[];
  public readonly purchasePlan?: PurchasePlan;
  public readonly nvmeSupported?: boolean;
  /**
   * The replica plan of the version this is a view of, which fleets from this image join; none for a version made
   * elsewhere.
   *
   * @internal
   */
  public readonly _replicaPlan?: ReplicaPlan;

  constructor(scope: Construct, id: string, attrs: GalleryImageVersionAttributes, options: ReferenceOptions = {}) {
    super(scope, id);
    const validator = new PropsValidator(`GalleryImageVersion.fromVersionId '${this.node.path}'`);
    attrs = readProps(validator, attrs, GALLERY_IMAGE_VERSION_ATTRIBUTES, {
      imageId: 'copy it from `az sig image-version show -g <rg> -r <gallery> -i <definition> -e <version> --query id -o tsv`',
      location: "pass the gallery's region, e.g. 'westeurope' (`az sig show --query location`)",
      hyperVGeneration: "pass the definition's, HyperVGeneration.V1 or V2 (`az sig image-definition show --query hyperVGeneration`)",
      securityType: "pass the definition's (`az sig image-definition show --query features`): ImageSecurityType.STANDARD, TRUSTED_LAUNCH_SUPPORTED or TRUSTED_LAUNCH",
    }, 'attrs');
    const parsed = isUnresolved(attrs.imageId) ? undefined : GALLERY_ID.exec(attrs.imageId);
    checkImageId(validator, attrs, parsed);
    checkDefinitionAttributes(validator, this, attrs);
    validator.throwIfInvalid();

    const latest = attrs.latest ?? (parsed ? parsed[4] === undefined : false);
    const names = namesOf(attrs.imageId, parsed, latest, options.definitionName);
    this.imageId = attrs.imageId;
    this.kind = latest ? ImageKind.GALLERY_IMAGE_LATEST : ImageKind.GALLERY_IMAGE_VERSION;
    this.resourceGroupName = names.resourceGroupName;
    this.imageName = names.imageName;
    this.location = canonicalLocation(attrs.location);
    const regions = (attrs.regions ?? [attrs.location]).map(canonicalLocation);
    this.regions = regions.includes(this.location) || isUnresolved(this.location) ? regions : [this.location, ...regions];
    this.hyperVGeneration = attrs.hyperVGeneration;
    this.securityType = attrs.securityType;
    this.osType = attrs.osType ?? OsType.WINDOWS;
    this.purchasePlan = attrs.purchasePlan;
    this.nvmeSupported = attrs.nvmeSupported;
    this.imageDependables = options.dependables ?? [];
    this._replicaPlan = options.replicaPlan;
  }
}


/** A literal id must name a version or a definition, and agree with `latest` when that is given. */
function checkImageId(validator: PropsValidator, attrs: GalleryImageVersionAttributes, parsed: RegExpExecArray | null | undefined): void {
  if (isUnresolved(attrs.imageId)) {
    return;
  }
  if (!parsed || !isResourceGroupName(parsed[1]) || !isGalleryName(parsed[2]) || !isGalleryImageName(parsed[3])) {
    validator.fail('imageId', attrs.imageId,
      'is not the resource id of a gallery image version (/subscriptions/<GUID>/resourceGroups/<rg>/providers/Microsoft.Compute/galleries/<gallery>/images/<definition>/versions/<X.Y.Z>) or definition',
      'copy it from `az sig image-version show -g <rg> -r <gallery> -i <definition> -e <version> --query id -o tsv`');
  } else if (attrs.latest !== undefined && attrs.latest !== (parsed[4] === undefined)) {
    validator.fail('latest', attrs.latest, `contradicts imageId, which names ${parsed[4] === undefined ? 'a definition' : 'a version'}`, 'omit latest');
  }
}

/** The regions, and what the attributes say of the definition: generation, security type, OS, plan, NVMe support. */
function checkDefinitionAttributes(validator: PropsValidator, scope: Construct, attrs: GalleryImageVersionAttributes): void {
  checkRegion(validator, scope, 'location', attrs.location);
  (attrs.regions ?? []).forEach((region, i) => {
    if (region === undefined || region === null) {
      validator.fail(`regions[${i}]`, region, 'is missing', "list the version's regions, e.g. ['westeurope', 'northeurope']");
    }
    checkRegion(validator, scope, `regions[${i}]`, region);
  });
  validator.check('hyperVGeneration', attrs.hyperVGeneration, (g) => Object.values(HyperVGeneration).includes(g), 'is not a Hyper-V generation',
    'pass HyperVGeneration.V1 or HyperVGeneration.V2');
  validator.check('securityType', attrs.securityType, (t) => Object.values(ImageSecurityType).includes(t), 'is not an image security type',
    'pass the definition\'s (`az sig image-definition show --query features`): ImageSecurityType.STANDARD, TRUSTED_LAUNCH_SUPPORTED or TRUSTED_LAUNCH');
  validator.check('osType', attrs.osType, (o) => Object.values(OsType).includes(o), 'is not an operating system type', 'pass OsType.WINDOWS or OsType.LINUX');
  checkPurchasePlan(validator, 'purchasePlan', attrs.purchasePlan, 'copy it from `az sig image-definition show --query purchasePlan`');
  validator.check('nvmeSupported', attrs.nvmeSupported, (n) => typeof n === 'boolean', 'is not a boolean',
    'pass whether `az sig image-definition show --query "features[?name==\'DiskControllerTypes\'].value"` lists NVMe (true or false), or omit it');
}

/** The resource group and the version's name (the definition's, for its latest): read from a literal id, or by Terraform. */
function namesOf(imageId: string, parsed: RegExpExecArray | null | undefined, latest: boolean, definitionName: string | undefined)
  : { resourceGroupName: string; imageName: string } {
  if (parsed) {
    return { resourceGroupName: parsed[1], imageName: parsed[4] ?? parsed[3] };
  }
  const segment = (i: number) => Token.asString(Fn.element(Fn.split('/', imageId), i));
  return { resourceGroupName: segment(4), imageName: definitionName ?? segment(latest ? 10 : 12) };
}
