/**
 * `GalleryImageVersion`: each build of a `GalleryImage` published as a new version from the build's generalized VM,
 * replicated to its target regions, booted by a canary and promoted to latest, by the operator's gallery steps; with
 * its props (target regions, canary) and the checks that tie the build VM, the definition and the fleets together.
 * A version made elsewhere is a `GalleryImageReference` (gallery-image-reference.ts).
 */
import { Annotations, Aspects, ITerraformDependable, Lazy, Precondition, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { GalleryImage } from './gallery-image';
import { GalleryImageReference, GalleryImageVersionAttributes } from './gallery-image-reference';
import { GeneralizedImage } from './generalized-image';
import type { GoldenVm } from './golden-vm';
import { HyperVGeneration, IImage, ImageBuild, ImageKind, ImageSecurityType, OsType, PurchasePlan, SecurityType } from './image';
import type { ImageGallery } from './image-gallery';
import { galleryLineEnvironment, GalleryVersionEnvironment } from './operator/gallery-line';
import {
  CANARY_RESOURCE_GROUP, CANARY_TIMEOUT_MINUTES, CANARY_VM_SIZE, canaryEnvironment, DEFAULT_CANARY_URL, DEFAULT_CANARY_VM_SIZE, isCanaryUrl,
  MAX_CANARY_REGIONS, MAX_CANARY_URL_LENGTH,
} from './operator/steps/canary';
import {
  galleryPromoteEnvironment, galleryPublishEnvironment, GalleryReplicationEnvironment, galleryReplicationEnvironment, PUBLISH_TIMEOUT_MINUTES,
  RETAIN_VERSIONS, targetRegionLines,
} from './operator/steps/gallery-versions';
import { checkCaptureTags, galleryVersionName, tagLines } from './private/images/image-line';
import { describePurchasePlan, purchasePlanLiteral, samePurchasePlan } from './private/images/purchase-plan';
import { isLocation } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimNames, resourceOf } from './private/naming/name-claims';
import { canonicalLocation, isDifferentKnownLocation, checkRegion, checkZoneRedundantStorage, warnRestrictedRegion } from './private/naming/regions';
import { checkPageUrl, inheritServedPage, servedPageOf } from './private/network/served-page';
import { checkNumberInput, environmentNumber, guestDirectory, operatorStep, providerSubscriptionId } from './private/steps/operator-step';
import { inStackOf } from './private/terraform/references';
import { checkVersionEndOfLife } from './private/validation/dates';
import { checkNumber, wholeNumberBetween } from './private/validation/number-rules';
import { withPreconditions } from './private/validation/plan-checks';
import {
  BOOLEAN, checkPropTypes, enumOf, hasKind, instanceOf, listOf, NUMBER, readProps, STRING, STRING_MAP, struct,
} from './private/validation/prop-types';
import { describeValue, isUnresolved, PropsValidator, requireProps } from './private/validation/props-validator';
import { MAX_REPLICAS_PER_REGION, ReplicaPlan, replicasFor } from './private/vm/image-use';
import { checkVmSizeUse, nvmeOnlySize } from './private/vm/vm-sizes';

// Declared with the reference that takes them; part of this module's API, as before.
export type { GalleryImageVersionAttributes } from './gallery-image-reference';

/** Storage of a gallery image version's replicas in one region. */
export enum GalleryStorageType {
  /** Locally redundant standard storage: every region, the cheapest. */
  STANDARD_LRS = 'Standard_LRS',
  /** Zone-redundant standard storage: survives a zone outage, in regions with availability zones. */
  STANDARD_ZRS = 'Standard_ZRS',
  /** Locally redundant premium storage. */
  PREMIUM_LRS = 'Premium_LRS',
}

/** One region a gallery image version is replicated to. */
export interface GalleryTargetRegion {
  /** Azure region, e.g. `northeurope`. */
  readonly location: string;
  /**
   * Replicas in the region (1-100). Each serves about 50 concurrent VM deployments.
   *
   * @default - from the fleets in this app that use the version in this region: one replica per 50 of their VMs
   * (every VM of a fleet counts: a rollout creates them all in one apply), at least 1, at most 100
   */
  readonly replicaCount?: number;
  /**
   * Storage of the replicas.
   *
   * @default GalleryStorageType.STANDARD_LRS
   */
  readonly storageType?: GalleryStorageType;
}

/** The canary of a new version: one VM per target region booted from it before it becomes latest. */
export interface GalleryCanaryOptions {
  /**
   * Boot the canaries. Without them, a new version becomes latest as soon as it is replicated.
   *
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Size of the canary VMs (one per region, for a few minutes).
   *
   * @default 'Standard_D2s_v5'
   */
  readonly vmSize?: string;
  /**
   * How long each canary may take to boot and answer, in minutes (5-120).
   *
   * @default 30
   */
  readonly timeoutMinutes?: number;
  /**
   * The page each canary fetches inside its guest; it must answer 200 and show the canary's own computer name. It must be
   * a page the build's setup serves: with `WindowsSetup.iisAspNet()` and no steps of your own, http on port 80 (`/` or
   * `/Default.aspx`); never the other scheme on the port the setup's smoke test fetches.
   *
   * @default 'http://localhost/'
   */
  readonly url?: string;
  /**
   * Existing resource group for the canaries (and their throwaway networks), in any region.
   *
   * @default - the gallery's resource group
   */
  readonly resourceGroupName?: string;
}

/** Props of `GalleryImageVersion`. */
export interface GalleryImageVersionProps {
  /** The image definition the versions belong to; its security type and generation must fit the build VM. */
  readonly galleryImage: GalleryImage;
  /**
   * The build: its generalized VM is published straight to the gallery (no managed image needed: pass
   * `managedImage: false` to it unless you also want one). It must be in the gallery's region.
   */
  readonly source: GeneralizedImage;
  /**
   * Regions to replicate every version to. The gallery's own region always holds a replica (Azure requires it): it is
   * added when missing.
   *
   * @default - the gallery's region alone
   */
  readonly targetRegions?: GalleryTargetRegion[];
  /**
   * Keep every version excluded from latest: VMs that ask for the definition's latest never get it, only those that name
   * the version. The canary still runs.
   *
   * @default false - each version becomes latest once its canaries pass
   */
  readonly excludeFromLatest?: boolean;
  /**
   * Date after which a version should no longer be used, `YYYY-MM-DD` (informational: Azure keeps serving it). Each
   * build publishes a version with it, so a date in the past is refused at synth.
   *
   * @default - none
   */
  readonly endOfLifeDate?: string;
  /**
   * How many builds' versions are kept, this one included (1-50); older ones are deleted once a new one is promoted.
   *
   * @default 3
   */
  readonly retainVersions?: number;
  /**
   * The canary that every new version must pass before it becomes latest.
   *
   * @default - one Standard_D2s_v5 canary per target region, 30 minutes each, fetching http://localhost/
   */
  readonly canary?: GalleryCanaryOptions;
  /**
   * How long publishing (and replicating) a version may take, in minutes (30-720).
   *
   * @default 180
   */
  readonly publishTimeoutMinutes?: number;
  /**
   * Tags of every version (its line and revision tags are added).
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** Options of `GalleryImageVersion.importInto`. */
export interface GalleryImageImportOptions {
  /**
   * Use the definition's latest version rather than this version: VMs created later get later versions, and a new
   * version changes no VM that exists (no rollout).
   *
   * @default false
   */
  readonly latest?: boolean;
}

/** The props, attributes and options at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GALLERY_IMAGE_VERSION_PROPS = struct<GalleryImageVersionProps>('GalleryImageVersionProps', {
  galleryImage: instanceOf('GalleryImage', () => "pass the definition: new GalleryImage(this, 'Definition', { gallery })"),
  source: instanceOf('GeneralizedImage', (value) => hasKind(value, 'GoldenVm')
    ? "capture the build VM first: new GeneralizedImage(this, 'Image', { vm, managedImage: false }), and pass that"
    : "pass the build: new GeneralizedImage(this, 'Image', { vm })"),
  targetRegions: listOf(struct<GalleryTargetRegion>('GalleryTargetRegion', {
    location: STRING, replicaCount: NUMBER, storageType: enumOf('GalleryStorageType', GalleryStorageType),
  }, "{ location: 'northeurope', replicaCount: 2 }")),
  excludeFromLatest: BOOLEAN,
  endOfLifeDate: STRING,
  retainVersions: NUMBER,
  canary: struct<GalleryCanaryOptions>('GalleryCanaryOptions', {
    enabled: BOOLEAN, vmSize: STRING, timeoutMinutes: NUMBER, url: STRING, resourceGroupName: STRING,
  }, "{ url: 'http://localhost/', timeoutMinutes: 30 }"),
  publishTimeoutMinutes: NUMBER,
  tags: STRING_MAP,
}, '{ galleryImage, source }');
const GALLERY_IMAGE_IMPORT_OPTIONS = struct<GalleryImageImportOptions>('GalleryImageImportOptions', { latest: BOOLEAN }, '{ latest: true }');

const DEFAULT_RETAIN_VERSIONS = RETAIN_VERSIONS.default;

/**
 * One build of a `GalleryImage`, published from the build's generalized VM in the same `cdktf deploy`: a new version
 * `YYYY.MMDD.hhmmss` per build revision (Azure wants `X.Y.Z`, each part a 32-bit integer; later builds sort higher),
 * replicated to its target regions. A version is an `IImage` in each of its regions (`regions`): `ImageFleet` (and
 * scale sets) take it by version, or by the definition's latest with `latest`.
 *
 * The operator stage (the Azure CLI on the machine that runs Terraform, logged in or given the azurerm provider's
 * `ARM_*` variables; Node.js runs the operator program's steps), in order:
 * 1. `publishStep`: `az sig image-version create` from the generalized VM, excluded from latest, replicated to every
 *    target region (waits until done).
 * 2. `replicationStep`: brings the replicas in line with `targetRegions` when they change without a rebuild.
 * 3. `canaryStep` (unless disabled; the Node.js operator's `gallery-canary` step): in each target region one canary VM
 *    boots from the version, without public IP or inbound rule, and must answer its page with its own computer name,
 *    checked in its guest through Run Command; every canary is deleted afterwards. A failing canary fails the apply: the version stays excluded from latest, so
 *    the previous version stays latest and nothing that asks for latest moves.
 * 4. `promoteStep`: the version becomes latest (unless `excludeFromLatest`), then the definition's versions beyond
 *    the newest `retainVersions` are deleted (never this one).
 * `versionLine` deletes every version of the line when the stack is destroyed, before Terraform deletes the
 * definition.
 *
 * Why the versions are not Terraform resources: a rebuild must add a version beside the earlier ones (rollback, and
 * the fleets still on them), whereas Terraform would replace the one version it manages.
 *
 * Replica planning: a version serves about 50 concurrent VM deployments per replica, at most 100 replicas per region
 * (Azure's "Store and share images in an Azure Compute Gallery", Scaling). Without an explicit `replicaCount`, each
 * target region gets one replica per 50 VMs of the fleets in this app that use the version there.
 */
export class GalleryImageVersion extends Construct implements IImage {
  /**
   * A version or definition made elsewhere, e.g. by another Terraform configuration or the Azure CLI. Nothing is looked
   * up at synth time: the attributes must describe it truthfully.
   */
  public static fromVersionId(scope: Construct, id: string, attrs: GalleryImageVersionAttributes): IImage {
    return new GalleryImageReference(scope, id, attrs);
  }

  /** The definition. */
  public readonly galleryImage: GalleryImage;
  /** The `terraform_data` whose destroy-time provisioner deletes every version of the line. */
  public readonly versionLine: TerraformResource;
  /** The `terraform_data` whose provisioner publishes the build's version, excluded from latest. */
  public readonly publishStep: TerraformResource;
  /** The `terraform_data` whose provisioner sets the version's replicas to `targetRegions`. */
  public readonly replicationStep: TerraformResource;
  /** The `terraform_data` whose provisioner boots and checks a canary per region, unless the canary is disabled. */
  public readonly canaryStep?: TerraformResource;
  /** The `terraform_data` whose provisioner makes the version latest and deletes versions beyond `retainVersions`. */
  public readonly promoteStep: TerraformResource;
  /** The definition's latest version as an image: usable once this version has been promoted. */
  public readonly latest: IImage;

  /** Azure resource id of this build's version (read from the promote step: using it waits for the canary). */
  public readonly imageId: string;
  /** The version, `YYYY.MMDD.hhmmss`. */
  public readonly imageName: string;
  /** Resource group of the gallery. */
  public readonly resourceGroupName: string;
  /** Region of the gallery. */
  public readonly location: string;
  /** Every target region, canonical, the gallery's first (always set). */
  public readonly regions?: string[];
  /** Always `ImageKind.GALLERY_IMAGE_VERSION`. */
  public readonly kind?: ImageKind = ImageKind.GALLERY_IMAGE_VERSION;
  /** The definition's security type (always set). */
  public readonly securityType?: ImageSecurityType;
  public readonly osType: OsType;
  public readonly hyperVGeneration: HyperVGeneration;
  public readonly imageDependables: ITerraformDependable[];
  public readonly imageBuild?: ImageBuild;
  /** The definition's purchase plan, when it has one: VMs from the version must name it. */
  public readonly purchasePlan?: PurchasePlan;
  /** Whether the definition is tagged for NVMe (always set). */
  public readonly nvmeSupported?: boolean;
  /**
   * The replicas of this version, which the fleets from it or its views (`latest`, `importInto`) join.
   *
   * @internal
   */
  public readonly _replicaPlan: ReplicaPlan;

  constructor(scope: Construct, id: string, props: GalleryImageVersionProps) {
    super(scope, id);
    const validator = new PropsValidator(`GalleryImageVersion '${this.node.path}'`);
    props = readProps(validator, props, GALLERY_IMAGE_VERSION_PROPS, {
      galleryImage: "pass the image definition to publish to, e.g. new GalleryImage(this, 'Web', { gallery })",
      source: "pass the build to publish, e.g. new GeneralizedImage(this, 'Image', { vm })",
    });
    props.source._publishedBy(this);
    inheritServedPage(this, props.source);
    const config = this.parseProps(validator, props);

    const definition = config.definition;
    this.galleryImage = definition;
    this.resourceGroupName = config.gallery.resourceGroupName;
    this.location = config.gallery.location;
    this.regions = config.regions.map((r) => r.location);
    this.securityType = definition.securityType;
    this.osType = definition.osType;
    this.hyperVGeneration = definition.hyperVGeneration;
    this.nvmeSupported = definition.nvmeSupported;
    this.imageBuild = { revision: config.vm.buildRevision, lineName: definition.imageName };
    this.purchasePlan = definition.purchasePlan;
    this._replicaPlan = new ReplicaPlan(explicitReplicasOf(config.regions));

    const names = this.nameVersion(config);
    this.versionLine = this.createVersionLine(names);
    this.publishStep = this.createPublishStep(config, names);
    this.replicationStep = this.createReplicationStep(names);
    this.canaryStep = config.canary.enabled ? this.createCanaryStep(config, names) : undefined;
    this.promoteStep = this.createPromoteStep(config, names);

    // Read back from the promote step: one reference that carries the dependency on the canary (and crosses stacks).
    this.imageId = Token.asString(this.promoteStep.interpolationForAttribute('output.version_id'));
    this.imageName = Token.asString(this.promoteStep.interpolationForAttribute('output.version_name'));
    this.imageDependables = [this.promoteStep];
    this.latest = this.createLatest();
    if (config.excludeFromLatest) {
      // Checked at synth, once every construct exists: the consumers are made after the version.
      Aspects.of(TerraformStack.of(this)).add({ visit: (node) => (node === this ? checkExcludedLatestConsumers(this, definition) : undefined) });
    }
    inheritServedPage(this.latest, this);
  }

  /**
   * This version (or, with `latest`, the definition's latest version) as an image in another stack, e.g. the fleet's:
   * only the id crosses the stack boundary (cdktf makes it an output of this stack and a remote state read there), and
   * the fleets there still count towards this version's replicas.
   */
  public importInto(scope: Construct, id: string, options: GalleryImageImportOptions = {}): IImage {
    const types = new PropsValidator(`GalleryImageVersion.importInto '${this.node.path}'`);
    options = checkPropTypes(types, options, GALLERY_IMAGE_IMPORT_OPTIONS, 'options');
    types.throwIfInvalid();
    const imported = new GalleryImageReference(scope, id, {
      ...this.referenceAttributes(),
      imageId: options?.latest ? this.latest.imageId : this.imageId,
      latest: options?.latest ?? false,
    }, { definitionName: options?.latest ? this.galleryImage.imageName : undefined, replicaPlan: this._replicaPlan });
    inheritServedPage(imported, this);
    return imported;
  }

  /**
   * Checks the props against the build and the definition, and resolves every default once. Throws, listing every
   * problem, unless all are fine.
   */
  private parseProps(validator: PropsValidator, props: GalleryImageVersionProps): VersionConfig {
    const definition = props.galleryImage;
    const gallery = definition.gallery;
    const canary = resolveCanary(props.canary ?? {}, definition, gallery);
    checkBuildFitsDefinition(this, validator, props.source.vm, definition, canary);
    const { regions, zoneChecks, replicaChecks } = checkTargetRegions(validator, this, props.targetRegions ?? [], gallery.location);
    if (canary.enabled && regions.length > MAX_CANARY_REGIONS) {
      validator.fail('targetRegions', regions.length, `are more than the ${MAX_CANARY_REGIONS} regions a canary run covers (one VM after the other)`,
        'publish to fewer regions, or disable the canary (canary: { enabled: false })');
    }
    const retainVersions = props.retainVersions ?? DEFAULT_RETAIN_VERSIONS;
    const publishTimeoutMinutes = props.publishTimeoutMinutes ?? PUBLISH_TIMEOUT_MINUTES.default;
    const retainVersionsChecks = checkNumberInput(validator, RETAIN_VERSIONS, retainVersions, 'versions');
    const publishTimeoutChecks = checkNumberInput(validator, PUBLISH_TIMEOUT_MINUTES, publishTimeoutMinutes, 'minutes');
    checkVersionEndOfLife(validator, 'endOfLifeDate', props.endOfLifeDate);
    const canaryTimeoutChecks = checkCanary(this, validator, props.canary ?? {}, canary, definition, props.source);
    checkCaptureTags(validator, props.tags, 'the publish step');
    claimVersionLine(this, validator, definition);
    validator.throwIfInvalid();
    return {
      definition,
      gallery,
      source: props.source,
      vm: props.source.vm,
      regions,
      canary,
      retainVersions,
      publishTimeoutMinutes,
      excludeFromLatest: props.excludeFromLatest === true,
      endOfLifeDate: props.endOfLifeDate,
      tags: props.tags,
      preconditions: [...zoneChecks, ...replicaChecks, ...publishTimeoutChecks, ...retainVersionsChecks, ...canaryTimeoutChecks],
    };
  }

  /** The names and ids every step of this build's version shares. */
  private nameVersion(config: VersionConfig): VersionNames {
    const { gallery, definition } = config;
    const subscriptionId = providerSubscriptionId(this);
    const revision = config.vm.buildRevision;
    const versionName = galleryVersionName(revision);
    const definitionId = `/subscriptions/${subscriptionId}/resourceGroups/${gallery.resourceGroupName}/providers/Microsoft.Compute`
      + `/galleries/${gallery.galleryName}/images/${definition.imageName}`;
    const lineEnvironment = {
      subscriptionId, resourceGroup: gallery.resourceGroupName, gallery: gallery.galleryName, definition: definition.imageName,
    };
    const targetRegions = Lazy.stringValue({
      produce: () => targetRegionLines(config.regions.map((r) => ({
        location: r.location, replicaCount: this.replicaCountOf(r), storageType: r.storageType,
      }))),
    });
    return {
      subscriptionId,
      revision,
      versionName,
      // A new definition (any change Azure makes by replacing it, e.g. its security type) is a new line: the old line's
      // versions go first (Azure refuses to delete a definition that has versions), and every step runs again for it.
      definitionChanges: { gallery_image_resource_id: definition.galleryImageId },
      // What the steps make, for readers of the state and for GoldenImageChecks: a gallery image version.
      made: {
        kind: 'gallery_image_version',
        version_id: `${definitionId}/versions/${versionName}`,
        version_name: versionName,
        gallery_image_id: definitionId,
        security_type: definition.securityType,
        hyper_v_generation: definition.hyperVGeneration,
      },
      targetRegions,
      versionEnvironment: { ...lineEnvironment, version: versionName, revision },
      replication: {
        ...lineEnvironment,
        version: versionName,
        revision,
        location: gallery.location,
        targetRegions,
        publishTimeoutMinutes: environmentNumber(config.publishTimeoutMinutes),
      },
    };
  }

  /** The line: deletes every version of the definition when the stack is destroyed (or the line moves). */
  private createVersionLine(names: VersionNames): TerraformResource {
    const gallery = this.galleryImage.gallery;
    const lineInput = {
      subscription_id: names.subscriptionId,
      resource_group_name: gallery.resourceGroupName,
      gallery_name: gallery.galleryName,
      gallery_image: this.galleryImage.imageName,
    };
    return operatorStep(this, 'VersionLine', {
      step: 'gallery-delete-all',
      whenDestroyed: true,
      input: lineInput,
      // Moved to another gallery or definition, or the definition replaced: the old line's versions go with it.
      triggersReplace: { ...lineInput, ...names.definitionChanges },
      // A destroy-time provisioner may only reference the resource itself.
      environment: galleryLineEnvironment({
        subscriptionId: '${self.input.subscription_id}',
        resourceGroup: '${self.input.resource_group_name}',
        gallery: '${self.input.gallery_name}',
        definition: '${self.input.gallery_image}',
      }),
    });
  }

  /** Publishes the build's version from the generalized VM, excluded from latest, replicated to every target region. */
  private createPublishStep(config: VersionConfig, names: VersionNames): TerraformResource {
    return operatorStep(this, 'Publish', {
      step: 'gallery-publish',
      // One version per build (and per definition).
      triggersReplace: { revision: names.revision, ...names.definitionChanges },
      input: { ...names.made, source_virtual_machine_id: config.vm.vmId, location: config.gallery.location },
      dependsOn: inStackOf(this, [this.versionLine, ...config.source.imageDependables, config.definition.definition]),
      // Tokens checked at plan, on the first of the version's steps, so that no publication starts with a bad value:
      // zone-redundant storage in a target region, and the numbers the later steps read too.
      lifecycle: withPreconditions(config.preconditions),
      environment: galleryPublishEnvironment({
        ...names.replication,
        sourceId: config.vm.vmId,
        endOfLifeDate: config.endOfLifeDate,
        tags: config.tags !== undefined ? tagLines(config.tags) : undefined,
      }),
    });
  }

  /** Brings the replicas in line with `targetRegions` when they change without a rebuild. */
  private createReplicationStep(names: VersionNames): TerraformResource {
    return operatorStep(this, 'Replication', {
      step: 'gallery-replicate',
      // Run again when the regions or replica counts change, also without a rebuild.
      triggersReplace: { version: names.versionName, target_regions: names.targetRegions, ...names.definitionChanges },
      dependsOn: [this.publishStep],
      environment: galleryReplicationEnvironment(names.replication),
    });
  }

  /** Boots a canary VM from the version in each target region; each must answer its page with its own name. */
  private createCanaryStep(config: VersionConfig, names: VersionNames): TerraformResource {
    const { canary, definition } = config;
    const regions = config.regions.map((r) => r.location);
    return operatorStep(this, 'Canary', {
      step: 'gallery-canary',
      // Once per version, and again when a region is added (the new region gets its canary).
      triggersReplace: { revision: names.revision, regions, ...names.definitionChanges },
      dependsOn: [this.replicationStep],
      environment: canaryEnvironment({
        ...names.versionEnvironment,
        guestDirectory: guestDirectory(this),
        regions,
        securityType: canary.securityType,
        vmSize: canary.vmSize,
        canaryResourceGroup: canary.resourceGroupName,
        timeoutMinutes: environmentNumber(canary.timeoutMinutes),
        url: canary.url,
        // A third-party image's plan: Azure creates the canary only with it.
        purchasePlan: definition.purchasePlan,
      }),
    });
  }

  /** Makes the version latest (unless `excludeFromLatest`), then deletes the versions beyond `retainVersions`. */
  private createPromoteStep(config: VersionConfig, names: VersionNames): TerraformResource {
    return operatorStep(this, 'Promote', {
      step: 'gallery-promote',
      triggersReplace: { revision: names.revision, exclude_from_latest: config.excludeFromLatest, ...names.definitionChanges },
      input: names.made,
      dependsOn: [this.canaryStep ?? this.replicationStep],
      environment: galleryPromoteEnvironment({
        ...names.versionEnvironment,
        excludeFromLatest: config.excludeFromLatest ? 'true' : 'false',
        retainVersions: environmentNumber(config.retainVersions),
      }),
    });
  }

  /** The definition's latest version, read from the promote step: usable once this version has been promoted. */
  private createLatest(): IImage {
    return new GalleryImageReference(this, 'Latest', {
      ...this.referenceAttributes(),
      imageId: Token.asString(this.promoteStep.interpolationForAttribute('output.gallery_image_id')),
      latest: true,
    }, { definitionName: this.galleryImage.imageName, dependables: [this.promoteStep], replicaPlan: this._replicaPlan });
  }

  /** What a reference to this version (or its latest) knows of it, but its id. */
  private referenceAttributes(): Omit<GalleryImageVersionAttributes, 'imageId'> {
    return {
      location: this.location,
      regions: this.regions,
      hyperVGeneration: this.hyperVGeneration,
      securityType: this.galleryImage.securityType,
      osType: this.osType,
      purchasePlan: this.purchasePlan,
      nvmeSupported: this.nvmeSupported,
    };
  }

  /** A region's replicas: as given, or one per 50 VMs the fleets of this app deploy there from the version. */
  private replicaCountOf(region: SettledRegion): number {
    return region.replicaCount ?? replicasFor(isLocation(region.location) ? this._replicaPlan.plannedDeployments(region.location) : 0);
  }
}


/** The canary as the step runs it: every default resolved. */
interface CanaryConfig {
  readonly enabled: boolean;
  readonly vmSize: string;
  readonly timeoutMinutes: number;
  readonly url: string;
  readonly resourceGroupName: string;
  readonly securityType: SecurityType;
}

/** The props of a version, checked, with every default resolved, and the plan-time checks of its tokens. */
interface VersionConfig {
  readonly definition: GalleryImage;
  readonly gallery: ImageGallery;
  readonly source: GeneralizedImage;
  readonly vm: GoldenVm;
  /** Canonical, the gallery's first. */
  readonly regions: SettledRegion[];
  readonly canary: CanaryConfig;
  readonly retainVersions: number;
  readonly publishTimeoutMinutes: number;
  readonly excludeFromLatest: boolean;
  readonly endOfLifeDate?: string;
  readonly tags?: { [key: string]: string };
  /** Checked at plan by the publish step: the tokens among the numbers and storage types. */
  readonly preconditions: Precondition[];
}

/** What every step of this build's version names: the subscription, the version, its id and its environments. */
interface VersionNames {
  readonly subscriptionId: string;
  readonly revision: string;
  readonly versionName: string;
  /** In every step's replace triggers: a replaced definition is a new line. */
  readonly definitionChanges: { readonly gallery_image_resource_id: string };
  /** The version the steps make, as their input. */
  readonly made: Record<string, string>;
  /** The target regions as the steps take them, with the replica counts planned once every fleet exists. */
  readonly targetRegions: string;
  readonly versionEnvironment: GalleryVersionEnvironment;
  readonly replication: GalleryReplicationEnvironment;
}

function resolveCanary(canary: GalleryCanaryOptions, definition: GalleryImage, gallery: ImageGallery): CanaryConfig {
  return {
    enabled: canary.enabled ?? true,
    vmSize: canary.vmSize ?? DEFAULT_CANARY_VM_SIZE,
    timeoutMinutes: canary.timeoutMinutes ?? CANARY_TIMEOUT_MINUTES.default,
    url: canary.url ?? DEFAULT_CANARY_URL,
    resourceGroupName: canary.resourceGroupName ?? gallery.resourceGroupName,
    // A TrustedLaunchSupported image is deployed as Trusted Launch by default, so its canary is too.
    securityType: definition.securityType === ImageSecurityType.STANDARD ? SecurityType.STANDARD : SecurityType.TRUSTED_LAUNCH,
  };
}

/**
 * Checks the build VM against the definition and the gallery: Azure publishes a version only of the definition's
 * generation, security type, purchase plan and OS type, and only from a VM in the gallery's region.
 */
function checkBuildFitsDefinition(version: GalleryImageVersion, validator: PropsValidator, vm: GoldenVm, definition: GalleryImage,
  canary: CanaryConfig): void {
  if (vm.hyperVGeneration !== definition.hyperVGeneration) {
    validator.fail('galleryImage', definition.hyperVGeneration, `is a ${definition.hyperVGeneration} definition, but build VM '${vm.vmName}' is ${vm.hyperVGeneration}: Azure refuses a version of another generation`,
      `publish to a ${vm.hyperVGeneration} definition (GalleryImage hyperVGeneration), or build from a ${definition.hyperVGeneration === HyperVGeneration.V2 ? 'Gen2' : 'Gen1'} marketplace image`);
  }
  if (vm.securityType === SecurityType.TRUSTED_LAUNCH && definition.securityType !== ImageSecurityType.TRUSTED_LAUNCH) {
    validator.fail('galleryImage', definition.securityType, `is a ${definition.securityType} definition, but build VM '${vm.vmName}' is Trusted Launch: Azure captures a Trusted Launch VM only into a TrustedLaunch definition`,
      'publish to a GalleryImage with securityType ImageSecurityType.TRUSTED_LAUNCH, or build with SecurityType.STANDARD');
  }
  if (vm.securityType === SecurityType.STANDARD && definition.securityType === ImageSecurityType.TRUSTED_LAUNCH) {
    validator.fail('galleryImage', definition.securityType, `is a TrustedLaunch definition, but build VM '${vm.vmName}' is of the Standard security type`,
      'build with securityType: SecurityType.TRUSTED_LAUNCH on the GoldenVm, or publish to a TRUSTED_LAUNCH_SUPPORTED definition');
  }
  if (samePurchasePlan(vm.purchasePlan, definition.purchasePlan) === false) {
    validator.fail('galleryImage', describePurchasePlan(definition.purchasePlan),
      `is the definition's purchase plan, but build VM '${vm.vmName}' has ${vm.purchasePlan ? `'${describePurchasePlan(vm.purchasePlan)}'` : 'none'}: VMs from the versions name the `
      + 'definition\'s plan, and Azure refuses a VM whose plan is not that of the marketplace image it comes from',
      vm.purchasePlan === undefined
        ? 'publish to a GalleryImage without purchasePlan, or build from the marketplace image whose plan it is'
        : `give the GalleryImage purchasePlan: ${purchasePlanLiteral(vm.purchasePlan)} (the build's MarketplaceImage plan)`);
  }
  checkBuildVmNvme(version, validator, vm, definition, canary.enabled ? canary.vmSize : undefined);
  if (vm.osType !== definition.osType) {
    validator.fail('galleryImage', definition.osType, `is a ${definition.osType} definition, but the build VM runs ${vm.osType}`, 'publish to a definition of the build\'s OS type');
  }
  const gallery = definition.gallery;
  if (isDifferentKnownLocation(vm.location, gallery.location)) {
    validator.fail('source', vm.location, `is the build VM's region, but the gallery is in '${gallery.location}': Azure makes a version from a VM only in the VM's region`,
      `put the gallery (ImageGallery location) in '${vm.location}' and add '${gallery.location}' to targetRegions if VMs run there`);
  }
}

/**
 * Checks the canary options as given (`given`) and as resolved (`canary`): its size boots the definition, its page is
 * one the build serves, on the canary itself. Returns the plan-time checks of its timeout.
 */
function checkCanary(version: GalleryImageVersion, validator: PropsValidator, given: GalleryCanaryOptions, canary: CanaryConfig,
  definition: GalleryImage, source: GeneralizedImage): Precondition[] {
  validator.check('canary.vmSize', given.vmSize, (size) => CANARY_VM_SIZE.pattern.test(size), "is not a VM size such as 'Standard_D2s_v5'",
    'pick one from `az vm list-sizes --location <location> -o table`');
  if (canary.enabled) {
    const definitionName = `GalleryImage '${definition.node.path}'`;
    checkVmSizeUse(version, validator, {
      prop: 'canary.vmSize',
      size: canary.vmSize,
      image: {
        description: definitionName,
        generation: definition.hyperVGeneration,
        x64Reason: `${definitionName} is x64, as every GalleryImage definition`,
        nvme: definition.nvmeSupported ? { tagged: true } : {
          tagged: false,
          reason: `${definitionName} has no NVMe support (nvmeSupported)`,
          alternative: 'or give the GalleryImage nvmeSupported: true (a new definition)',
        },
      },
      securityType: canary.securityType,
      trustedLaunchReason: `the canary boots as Trusted Launch, as VMs from a ${definition.securityType} definition do by default`,
    });
  }
  const timeoutChecks = checkNumberInput(validator, CANARY_TIMEOUT_MINUTES, canary.timeoutMinutes, 'minutes');
  // As the gallery-canary step takes it: it reaches the guest as a Run Command parameter.
  validator.check('canary.url', given.url, isCanaryUrl, `is not an http(s) URL without spaces, quotes or query (at most ${MAX_CANARY_URL_LENGTH} characters)`,
    "pass e.g. 'http://localhost/'");
  // The canary fetches the page inside its own guest and expects its own computer name on it: only the guest itself
  // serves that page (the canary has no public IP, and its name is made per build).
  validator.check('canary.url', given.url, (u) => !/^https?:\/\/[A-Za-z0-9]/.test(u) || isLoopbackUrl(u),
    'does not point at the canary VM itself (it is fetched inside the canary, which must find its own computer name on the page): it can never pass',
    "pass the page on the canary itself, e.g. 'http://localhost/' or 'http://localhost:8080/health'");
  if (canary.enabled) {
    checkPageUrl(validator, given.url === undefined ? 'canary.url (the default)' : 'canary.url', canary.url, servedPageOf(source),
      'every canary would fail and no version would ever become latest',
      "pass the page the setup serves, or add the step that serves that page to the build's WindowsSetup (and smoke-test it there)");
  }
  validator.check('canary.resourceGroupName', given.resourceGroupName, (group) => CANARY_RESOURCE_GROUP.pattern.test(group),
    'is not a valid resource group name (1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period)',
    'name an existing group for the canaries, or omit it (the gallery\'s group)');
  return timeoutChecks;
}

/**
 * Checks the build VM's size against the definition's NVMe support. A build on an NVMe-only size is proven (setup,
 * smoke test) on NVMe only, and that size is what the user picked to run it: a definition without NVMe support would
 * turn it into versions no VM of that size can boot ("The VM size ... cannot boot with OS image or disk"), so that is
 * refused. The reverse, a definition with NVMe support and a build on a size with SCSI, is what Microsoft describes
 * ("How do I tag an image that supports NVMe": an image that supports NVMe, published to a definition with
 * `DiskControllerTypes=SCSI,NVMe`), but nothing in the pipeline then boots the image on NVMe before it becomes latest
 * unless the canary does; Windows boots from NVMe only when its `stornvme` driver starts at boot (Microsoft's "Automate
 * SCSI-to-NVMe conversion": "Windows VM doesn't boot after conversion ... sc.exe config stornvme start=boot"), hence the
 * warning.
 */
function checkBuildVmNvme(version: GalleryImageVersion, validator: PropsValidator, vm: GoldenVm, definition: GalleryImage,
  canaryVmSize: string | undefined): void {
  const build = nvmeOnlySize(vm.vmSize);
  if (build !== undefined && !definition.nvmeSupported) {
    validator.fail('galleryImage', resourceOf(definition, AZURE_RESOURCE.GALLERY_IMAGE).name, `has no NVMe support (nvmeSupported), but build VM '${vm.vmName}' runs on '${vm.vmSize}', which attaches disks through NVMe `
      + `only (${build.series}): its versions would not be tagged for NVMe, and Azure would refuse VMs of that size from them ("The VM size '${vm.vmSize}' `
      + 'cannot boot with OS image or disk")',
    `give the GalleryImage nvmeSupported: true (a new definition), or build on a size with SCSI, e.g. GoldenVm vmSize: '${build.sizeWithScsi}'`);
  }
  const canaryOnNvme = canaryVmSize !== undefined && nvmeOnlySize(canaryVmSize) !== undefined;
  const sizesKnown = !isUnresolved(vm.vmSize) && (canaryVmSize === undefined || !isUnresolved(canaryVmSize));
  if (definition.nvmeSupported && build === undefined && !canaryOnNvme && sizesKnown) {
    Annotations.of(version).addWarning(`GalleryImage '${definition.node.path}' is tagged for NVMe (nvmeSupported), but neither build VM '${vm.vmName}' `
      + `('${vm.vmSize}') nor ${canaryVmSize === undefined ? 'a canary (disabled)' : `the canary ('${canaryVmSize}')`} runs on an NVMe-only size: nothing boots the image `
      + 'from an NVMe disk before it becomes latest, and Windows does so only when its stornvme driver starts at boot. Give the canary an NVMe-only size, '
      + "e.g. canary: { vmSize: 'Standard_D2s_v6' }, or build on one.");
  }
}

/**
 * A version kept out of its definition's latest (`excludeFromLatest`) never reaches the VMs that take that latest
 * (`version.latest`, `importInto(..., { latest: true })`): "If set to true, Virtual Machines deployed from the latest
 * version of the Image Definition won't use this Image Version" (Compute REST API, GalleryImageVersionPublishingProfile
 * .excludeFromLatest; Microsoft Learn, Azure SDK for .NET, `IsExcludedFromLatest`), and the promote step leaves every
 * build excluded. Canary-then-promote is not this: each build is published excluded and the
 * promote step includes it once its canary passes, unless `excludeFromLatest`.
 *
 * When the app's only consumers of the version take its latest, no build would ever reach any of them: refused. When
 * some take the version itself, the latest ones are the hand-promoted stage of a staged rollout (a build reaches them
 * once someone promotes it after the others ran it): a warning names them and the promotion.
 */
function checkExcludedLatestConsumers(version: GalleryImageVersion, definition: GalleryImage): void {
  const consumers = version._replicaPlan.consumers;
  const latest = consumers.filter((c) => c.latest).map((c) => describeValue(c.consumer));
  if (latest.length === 0) {
    return;
  }
  const definitionName = `GalleryImage '${definition.node.path}'`;
  if (latest.length === consumers.length) {
    const validator = new PropsValidator(`GalleryImageVersion '${version.node.path}'`);
    validator.fail('excludeFromLatest', true, `keeps every version of this pipeline out of the latest of ${definitionName}, but the app's only consumers of it take that `
      + `latest (${latest.join(', ')}): no build would ever reach them (Azure resolves latest to the newest version not excluded)`,
    'give them the version itself (image: version, or version.importInto(scope, id) in another stack), which rolls each build out once its canary passes; '
      + 'or remove excludeFromLatest, so that each build becomes latest then');
    validator.throwIfInvalid();
  }
  const gallery = definition.gallery;
  const known = (name: string, placeholder: string) => (isUnresolved(name) ? placeholder : name);
  Annotations.of(version).addWarning(`excludeFromLatest keeps every version of this pipeline out of the latest of ${definitionName}, which ${latest.join(', ')} `
    + 'take: they get a build only once it is promoted by hand, after the consumers of the version itself ran it (az sig image-version update -g '
    + `${known(gallery.resourceGroupName, '<resource group>')} -r ${resourceOf(gallery, AZURE_RESOURCE.GALLERY).name} -i `
    + `${resourceOf(definition, AZURE_RESOURCE.GALLERY_IMAGE).name} -e <version> --set publishingProfile.excludeFromLatest=false).`);
}

/**
 * Claims the definition's version line: two GalleryImageVersions of one definition would promote over each other, delete
 * each other's versions beyond `retainVersions`, and delete them all when either is destroyed.
 */
function claimVersionLine(version: GalleryImageVersion, validator: PropsValidator, definition: GalleryImage): void {
  const named = resourceOf(definition, AZURE_RESOURCE.GALLERY_IMAGE);
  claimNames(version, validator, {
    prop: 'galleryImage',
    value: named.name,
    names: [{ kind: AZURE_RESOURCE.VERSION_LINE, scope: named.scope, name: named.name }],
    fix: 'publish each build line to a definition of its own (a GalleryImage per line); one GalleryImageVersion per definition publishes every build',
  });
}

interface SettledRegion {
  readonly location: string;
  readonly replicaCount?: number;
  readonly storageType: GalleryStorageType;
}

/** `targetRegions[i].replicaCount`: Azure's most replicas per region. */
const REPLICA_COUNT = wholeNumberBetween(1, MAX_REPLICAS_PER_REGION, `is not a whole number between 1 and ${MAX_REPLICAS_PER_REGION} (Azure's most replicas per region)`,
  'pass e.g. 1 per 50 VMs deployed at once in the region, or omit it to follow the fleets');

/**
 * Validates the target regions and returns them canonical, the gallery's own first (added when missing), with the
 * plan-time checks of tokens: zone-redundant storage in a region, a replica count.
 */
function checkTargetRegions(validator: PropsValidator, scope: IConstruct, given: GalleryTargetRegion[], galleryLocation: string)
  : { regions: SettledRegion[]; zoneChecks: Precondition[]; replicaChecks: Precondition[] } {
  const settled: SettledRegion[] = [];
  const zoneChecks: Precondition[] = [];
  const replicaChecks: Precondition[] = [];
  given.forEach((region, i) => {
    const prop = `targetRegions[${i}]`;
    if (!requireProps(validator, region, { location: "give the region, e.g. { location: 'northeurope' }" }, prop)) {
      return;
    }
    checkRegion(validator, scope, `${prop}.location`, region.location);
    warnRestrictedRegion(scope, `${prop}.location`, region.location);
    replicaChecks.push(...checkNumber(validator, `${prop}.replicaCount`, region.replicaCount, [REPLICA_COUNT]));
    validator.check(`${prop}.storageType`, region.storageType, (s) => Object.values(GalleryStorageType).includes(s), 'is not a gallery storage type',
      'pass GalleryStorageType.STANDARD_LRS (the default), STANDARD_ZRS or PREMIUM_LRS');
    const zoneCheck = checkZoneRedundantStorage(validator, scope, {
      prop: `${prop}.storageType`, storageType: region.storageType, locationProp: `${prop}.location`, location: region.location, storageEnum: 'GalleryStorageType',
    });
    zoneChecks.push(...zoneCheck ? [zoneCheck] : []);
    const location = canonicalLocation(region.location);
    if (!isUnresolved(location) && settled.some((s) => s.location === location)) {
      validator.fail(`${prop}.location`, region.location, 'is listed twice', 'list each region once');
      return;
    }
    settled.push({ location, replicaCount: region.replicaCount, storageType: region.storageType ?? GalleryStorageType.STANDARD_LRS });
  });
  const home = canonicalLocation(galleryLocation);
  const homeIndex = settled.findIndex((s) => s.location === home);
  if (homeIndex < 0) {
    return { regions: [{ location: home, storageType: GalleryStorageType.STANDARD_LRS }, ...settled], zoneChecks, replicaChecks };
  }
  return { regions: [settled[homeIndex], ...settled.filter((_, i) => i !== homeIndex)], zoneChecks, replicaChecks };
}

/** The replica counts given explicitly, by canonical region, that the fleets' numbers are held against. */
function explicitReplicasOf(regions: SettledRegion[]): Record<string, number> {
  const explicitReplicas: Record<string, number> = {};
  for (const region of regions) {
    // A count known only to Terraform warns about nothing (a token's encoding is a meaningless number).
    if (region.replicaCount !== undefined && !isUnresolved(region.location) && !isUnresolved(region.replicaCount)) {
      explicitReplicas[region.location] = region.replicaCount;
    }
  }
  return explicitReplicas;
}

/** Whether an http(s) URL names the machine it is fetched on: `localhost`, an address of 127.0.0.0/8. */
function isLoopbackUrl(url: string): boolean {
  const host = /^https?:\/\/([^/:]+)/.exec(url)?.[1].toLowerCase() ?? '';
  return host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
