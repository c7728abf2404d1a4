/**
 * `MarketplaceImage`: a platform image of the Azure Marketplace by URN or parts, its version pinned or `latest`, its
 * Hyper-V generation inferred from the SKU and its purchase plan checked; and the named Windows Server images.
 */
import { Fn, Token } from 'cdktf';
import { HyperVGeneration, PurchasePlan } from './image';
import { BASE_IMAGE_OFFER, BASE_IMAGE_PUBLISHER, BASE_IMAGE_SKU, BASE_IMAGE_VERSION } from './operator/steps/base-image';
import { inferGeneration, WINDOWS_SERVER_PUBLISHER } from './private/images/generation';
import { PURCHASE_PLAN } from './private/images/image-kinds';
import { checkPurchasePlan } from './private/images/purchase-plan';
import { checkPropTypes, checkValueType, enumOf, markKind, readProps, STRING, struct } from './private/validation/prop-types';
import { describeValue, PropsValidator, requireProps } from './private/validation/props-validator';

/** Options for a marketplace image. */
export interface MarketplaceImageOptions {
  /**
   * Hyper-V generation of the image.
   *
   * @default - inferred from the SKU: V2 for Gen2 SKUs (`-g2`, `gen2`, `gensecond`, Azure Edition),
   * V1 for the other Windows Server SKUs; required for other publishers whose SKU names carry no generation.
   */
  readonly hyperVGeneration?: HyperVGeneration;
  /**
   * The purchase plan of a third-party image (`az vm image show --urn <urn> --query plan`): the build VM, and every VM
   * made from the golden image, must name it. Accept its terms once per subscription before deploying
   * (`az vm image terms accept --urn <urn>`).
   *
   * @default - none: Microsoft's Windows Server images have no plan
   */
  readonly plan?: PurchasePlan;
}

/** The four parts of a marketplace image, e.g. for `MarketplaceImage.fromParts`. */
export interface MarketplaceImageParts extends MarketplaceImageOptions {
  /** Publisher, e.g. `MicrosoftWindowsServer`. */
  readonly publisher: string;
  /** Offer, e.g. `WindowsServer`. */
  readonly offer: string;
  /** SKU, e.g. `2022-datacenter-core-g2`. */
  readonly sku: string;
  /**
   * Version: pinned, e.g. `20348.2113.231109` (Major.Minor.Build), or `latest`; what each gives is described on
   * `MarketplaceImage`.
   *
   * @default 'latest'
   */
  readonly version?: string;
}

/** `MarketplaceImageOptions` and `MarketplaceImageParts` at runtime (lib/private/validation/prop-types.ts). */
const OPTIONS_SHAPE = { hyperVGeneration: enumOf('HyperVGeneration', HyperVGeneration), plan: PURCHASE_PLAN };
const MARKETPLACE_IMAGE_OPTIONS = struct<MarketplaceImageOptions>('MarketplaceImageOptions', OPTIONS_SHAPE, '{ hyperVGeneration: HyperVGeneration.V2 }');
const MARKETPLACE_IMAGE_PARTS = struct<MarketplaceImageParts>('MarketplaceImageParts', {
  ...OPTIONS_SHAPE, publisher: STRING, offer: STRING, sku: STRING, version: STRING,
}, "{ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-g2' }");


/**
 * A platform image from the Azure Marketplace, as `az vm create --image` takes it
 * (`publisher:offer:sku:version`), with its Hyper-V generation.
 *
 * The version is pinned or `latest`. Pinned (`fromUrn('...:20348.2849.241109')`, or a factory's `version` argument):
 * every build starts from exactly that version, and moves only when you change it, never backwards. `latest`: a
 * `GoldenVm` looks the version up at plan time and rebuilds when the answer changes; before each build it checks the
 * answer against every version Azure lists in the region, compared as numbers, because azurerm takes the last of a
 * list Azure sorts as text (terraform-provider-azurerm issue 31577). An older version chosen that way stops the
 * deployment before the build VM is created (exit code 13), naming the newest version to pin. A newer version that
 * sorts before the chosen one as text does not change the answer, so it rebuilds nothing by itself.
 */
export class MarketplaceImage {
  /**
   * Parses a URN such as `MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest`.
   *
   * An unresolved token is split by Terraform at apply time; its generation must then be given.
   */
  public static fromUrn(urn: string, options: MarketplaceImageOptions = {}): MarketplaceImage {
    const args = new PropsValidator('MarketplaceImage');
    requireProps(args, { urn }, { urn: "pass the image's URN, e.g. 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'" });
    urn = checkValueType(args, 'urn', urn, STRING)!;
    options = checkPropTypes(args, options, MARKETPLACE_IMAGE_OPTIONS, 'options') ?? {};
    args.throwIfInvalid();
    if (Token.isUnresolved(urn)) {
      const part = (i: number) => Token.asString(Fn.element(Fn.split(':', urn), i));
      return MarketplaceImage.fromParts({ publisher: part(0), offer: part(1), sku: part(2), version: part(3), ...options });
    }
    const parts = urn.split(':');
    if (parts.length !== 4 || parts.some((p) => p.length === 0)) {
      const validator = new PropsValidator('MarketplaceImage');
      validator.fail('urn', urn, 'is not a marketplace image URN (publisher:offer:sku:version, four non-empty parts)',
        "write it as `az vm image list --all -o table` prints it, e.g. 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'");
      checkGenerationValue(validator, options?.hyperVGeneration);
      validator.throwIfInvalid();
    }
    const [publisher, offer, sku, version] = parts;
    return MarketplaceImage.fromParts({ publisher, offer, sku, version, ...options });
  }

  /** A marketplace image from its four parts. */
  public static fromParts(parts: MarketplaceImageParts): MarketplaceImage {
    return new MarketplaceImage(parts);
  }

  /** Windows Server 2022 Datacenter Server Core, Gen2: the seed's image. */
  public static windowsServer2022DatacenterCoreGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2022-datacenter-core-g2', version);
  }

  /** Windows Server 2022 Datacenter with Desktop Experience, Gen2. */
  public static windowsServer2022DatacenterGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2022-datacenter-g2', version);
  }

  /**
   * Windows Server 2022 Datacenter: Azure Edition, Gen2. A `GoldenVm` builds it with patch mode Manual, hotpatching off;
   * the SKUs that azurerm creates only with platform patching (`-core`, `-hotpatch`, the 2025 Azure Edition) it refuses.
   */
  public static windowsServer2022DatacenterAzureEdition(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2022-datacenter-azure-edition', version);
  }

  /** Windows Server 2019 Datacenter Server Core, Gen2. */
  public static windowsServer2019DatacenterCoreGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2019-datacenter-core-g2', version);
  }

  /** Windows Server 2019 Datacenter with Desktop Experience, Gen2. */
  public static windowsServer2019DatacenterGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2019-datacenter-gensecond', version);
  }

  /** Windows Server 2025 Datacenter Server Core, Gen2. */
  public static windowsServer2025DatacenterCoreGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2025-datacenter-core-g2', version);
  }

  /** Windows Server 2025 Datacenter with Desktop Experience, Gen2. */
  public static windowsServer2025DatacenterGen2(version: string = 'latest'): MarketplaceImage {
    return MarketplaceImage.windowsServer('2025-datacenter-g2', version);
  }

  private static windowsServer(sku: string, version: string): MarketplaceImage {
    return MarketplaceImage.fromParts({ publisher: WINDOWS_SERVER_PUBLISHER, offer: 'WindowsServer', sku, version });
  }

  public readonly publisher: string;
  public readonly offer: string;
  public readonly sku: string;
  public readonly version: string;
  /** Hyper-V generation: given, or inferred from the SKU. */
  public readonly hyperVGeneration: HyperVGeneration;
  /** The purchase plan of a third-party image, when given. */
  public readonly plan?: PurchasePlan;

  private constructor(parts: MarketplaceImageParts) {
    const validator = new PropsValidator('MarketplaceImage');
    parts = readProps(validator, parts, MARKETPLACE_IMAGE_PARTS, {
      publisher: "copy it from `az vm image list --all -o table`, e.g. 'MicrosoftWindowsServer'",
      offer: "copy it from `az vm image list --all -o table`, e.g. 'WindowsServer'",
      sku: "copy it from `az vm image list --all -o table`, e.g. '2022-datacenter-core-g2'",
    }, 'parts');
    const version = parts.version ?? 'latest';
    checkUrnParts(validator, parts, version);
    const generation = generationOf(validator, parts);
    checkPlan(validator, parts);
    validator.throwIfInvalid();

    this.publisher = parts.publisher;
    this.offer = parts.offer;
    this.sku = parts.sku;
    this.version = version;
    this.hyperVGeneration = generation!;
    this.plan = parts.plan;
  }

  /** The image as a URN, `publisher:offer:sku:version`. */
  public get urn(): string {
    return `${this.publisher}:${this.offer}:${this.sku}:${this.version}`;
  }
}

markKind(MarketplaceImage, 'MarketplaceImage');


/** The rules of GoldenVm's base-image step, which gets these parts of a `latest` image. */
function checkUrnParts(validator: PropsValidator, parts: MarketplaceImageParts, version: string): void {
  for (const [prop, value, input] of [['publisher', parts.publisher, BASE_IMAGE_PUBLISHER], ['offer', parts.offer, BASE_IMAGE_OFFER],
    ['sku', parts.sku, BASE_IMAGE_SKU]] as const) {
    validator.check(prop, value, (p) => input.pattern.test(p), 'is not a marketplace image part (letters, digits, hyphens, underscores, periods)',
      'copy it from `az vm image list --all -o table`');
  }
  validator.check('version', version, (p) => p === 'latest' || BASE_IMAGE_VERSION.pattern.test(p), "is neither 'latest' nor a version such as '20348.2113.231109'",
    "use 'latest' or a version listed by `az vm image list --all --sku <sku> -o table`");
}

/** The Hyper-V generation: given, or inferred from the SKU; given, it must not contradict the SKU. */
function generationOf(validator: PropsValidator, parts: MarketplaceImageParts): HyperVGeneration | undefined {
  const inferred = inferGeneration(parts.publisher, parts.sku);
  // An unknown generation is reported once: not also as contradicting the SKU, or as missing.
  const knownGeneration = checkGenerationValue(validator, parts.hyperVGeneration);
  if (knownGeneration && parts.hyperVGeneration !== undefined && inferred !== undefined && parts.hyperVGeneration !== inferred) {
    validator.fail('hyperVGeneration', parts.hyperVGeneration, `contradicts SKU ${describeValue(parts.sku)}, which is a ${inferred === HyperVGeneration.V2 ? 'Gen2' : 'Gen1'} image`,
      `omit hyperVGeneration (it is inferred as ${inferred}), or choose the ${parts.hyperVGeneration === HyperVGeneration.V2 ? 'Gen2 SKU (e.g. ending in -g2)' : 'Gen1 SKU (without -g2)'}`);
  }
  const generation = parts.hyperVGeneration ?? inferred;
  if (knownGeneration && generation === undefined) {
    validator.fail('hyperVGeneration', parts.hyperVGeneration, `cannot be inferred from SKU ${describeValue(parts.sku)}`,
      'pass hyperVGeneration: HyperVGeneration.V1 or V2 (see `az vm image show --urn <urn> --query hyperVGeneration`)');
  }
  return generation;
}

/**
 * Checks the plan's parts, and that it belongs to the image: Azure's plan `product` is the image's offer and its
 * `publisher` the image's publisher (the `Plan` of the Compute REST API: "the same value as Offer under the
 * imageReference element"); Windows Server images have no plan.
 */
function checkPlan(validator: PropsValidator, parts: MarketplaceImageParts): void {
  const plan = parts.plan;
  const urnParts = [parts.publisher, parts.offer, parts.sku, parts.version ?? 'latest'];
  const urn = urnParts.some((p) => Token.isUnresolved(p)) ? '<urn>' : urnParts.join(':');
  const copyFix = `copy it from \`az vm image show --urn ${urn} --query plan\``;
  if (plan === undefined) {
    return;
  }
  if (!Token.isUnresolved(parts.publisher) && parts.publisher.toLowerCase() === WINDOWS_SERVER_PUBLISHER.toLowerCase()) {
    validator.fail('plan', plan, `is given for a ${WINDOWS_SERVER_PUBLISHER} image, but Microsoft's Windows Server images have no purchase plan, and Azure refuses a VM whose plan is not its image's`,
      'remove plan');
    return;
  }
  checkPurchasePlan(validator, 'plan', plan, copyFix);
  if (plan === null || typeof plan !== 'object') {
    return;
  }
  for (const [part, imagePart, name] of [['product', parts.offer, 'offer'], ['publisher', parts.publisher, 'publisher']] as const) {
    const value = plan[part];
    if (typeof value === 'string' && value !== '' && !Token.isUnresolved(value) && !Token.isUnresolved(imagePart)
      && value.toLowerCase() !== imagePart.toLowerCase()) {
      validator.fail(`plan.${part}`, value, `is not the image's ${name} '${imagePart}': a marketplace image's plan ${part} is its ${name}`, copyFix);
    }
  }
}

/** Records a problem unless `generation` is undefined or a `HyperVGeneration`; returns whether it is fine. */
function checkGenerationValue(validator: PropsValidator, generation: HyperVGeneration | undefined): boolean {
  if (generation === undefined || Object.values(HyperVGeneration).includes(generation)) {
    return true;
  }
  validator.fail('hyperVGeneration', generation, 'is not a Hyper-V generation', 'pass HyperVGeneration.V1 or HyperVGeneration.V2, or omit it to infer it from the SKU');
  return false;
}
