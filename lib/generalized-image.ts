/**
 * `GeneralizedImage`: the build VM generalized by the operator's generalize step and, unless it is published to a
 * gallery only, captured as one build of a managed image line; with its props and the generalize step's timeouts.
 */
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { ITerraformDependable, Precondition, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { GoldenVm } from './golden-vm';
import { HyperVGeneration, IImage, ImageBuild, OsType, PurchasePlan, SecurityType } from './image';
import { DEALLOCATE_MINUTES, generalizeEnvironment, SYSPREP_MINUTES } from './operator/steps/generalize';
import {
  checkCaptureTags, checkImageLineName, checkRetainBuilds, claimImageLine, DEFAULT_RETAIN_BUILDS, ImageLine, imageLine,
} from './private/images/image-line';
import { claimCreatedResourceGroup } from './private/naming/name-claims';
import { checkResourceGroup, placeResourceGroup } from './private/naming/resource-group';
import { inheritServedPage } from './private/network/served-page';
import { checkNumberInput, environmentNumber, guestDirectory, operatorStep, providerSubscriptionId, subscriptionOf } from './private/steps/operator-step';
import { withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, instanceOf, markKind, NUMBER, readProps, STRING, STRING_MAP, struct } from './private/validation/prop-types';
import { PropsValidator } from './private/validation/props-validator';
import { nvmeOnlySize } from './private/vm/vm-sizes';

/** How long each wait of the generalize step may take. */
export interface GeneralizeTimeouts {
  /**
   * How long Sysprep may run in the guest, in minutes (5-80). Run Command stops any script after 90 minutes,
   * and the guest agent and the transfer of the output need some of them.
   *
   * @default 30
   */
  readonly sysprepMinutes?: number;
  /**
   * How long deallocating the VM may take, in minutes (5-60).
   *
   * @default 20
   */
  readonly deallocateMinutes?: number;
}

/** Props of `GeneralizedImage`. */
export interface GeneralizedImageProps {
  /** The build VM to generalize and capture. Once generalized, it can never be started again. */
  readonly vm: GoldenVm;
  /**
   * Capture each build as a managed image. Without one the generalized VM is the build, for `GalleryImageVersion` to
   * publish straight from it (the gallery path needs no intermediate image), and this construct is no `IImage` itself:
   * reading `imageId` or `imageName` throws.
   *
   * @default - true for a Standard build VM; false for a Trusted Launch one (Azure refuses managed images of those)
   */
  readonly managedImage?: boolean;
  /**
   * Name of the image line: build `<revision>` is captured as `<imageName>-<revision>` (1-65 letters, digits,
   * underscores, periods and hyphens). The construct's `imageName` property is that build's name, not this one.
   *
   * @default - `img-<vmName>`
   */
  readonly imageName?: string;
  /**
   * How many builds' images are kept, this one included (1-50): a rebuild adds an image beside the earlier ones, for
   * rollback, and deletes those beyond the newest `retainBuilds`.
   *
   * @default 3
   */
  readonly retainBuilds?: number;
  /**
   * Resource group of the images: an existing group, or the name of the group to create with
   * `createResourceGroup: true`. The images are always in the VM's region.
   *
   * @default - the VM's resource group
   */
  readonly resourceGroupName?: string;
  /**
   * Create the resource group (`resourceGroupName`, or `rg-<imageName>`) rather than use an existing one. The same
   * rule in every construct of this library.
   *
   * @default false - `resourceGroupName` or the VM's group exists already
   */
  readonly createResourceGroup?: boolean;
  /**
   * Limits of the waits of the generalize step; the deployment fails with a message when one is reached.
   *
   * @default - Sysprep 30 minutes, deallocation 20 minutes
   */
  readonly timeouts?: GeneralizeTimeouts;
  /**
   * Tags of the image.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `GeneralizedImageProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GENERALIZED_IMAGE_PROPS = struct<GeneralizedImageProps>('GeneralizedImageProps', {
  vm: instanceOf('GoldenVm', () => "pass the build VM: new GoldenVm(this, 'BuildVm', { location, image, setup })"),
  managedImage: BOOLEAN,
  imageName: STRING,
  retainBuilds: NUMBER,
  resourceGroupName: STRING,
  createResourceGroup: BOOLEAN,
  timeouts: struct<GeneralizeTimeouts>('GeneralizeTimeouts', { sysprepMinutes: NUMBER, deallocateMinutes: NUMBER }, '{ sysprepMinutes: 30 }'),
  tags: STRING_MAP,
}, '{ vm }');

/**
 * A managed image captured from a `GoldenVm`, in the same `cdktf deploy`: one build of an image line.
 *
 * Once the VM's setup and smoke test have finished, the operator stage runs on the machine that runs Terraform:
 * Sysprep in the guest (through Run Command, waiting until Windows reports it is ready to be captured), `az vm
 * deallocate`, `az vm generalize` and a check of the final state (`generalizeStep`); then `az image create` captures the
 * VM as `<imageName>-<buildRevision>` with its Hyper-V generation, and the line's images beyond the newest
 * `retainBuilds` are deleted (`captureStep`). The machine that runs Terraform needs Node.js and the Azure CLI, logged in or
 * given the `ARM_*` variables of the azurerm provider.
 *
 * Why the images are not Terraform resources: a rebuild must add an image beside the earlier ones (consumers see a new
 * image id and roll out; the previous images stay for rollback), whereas Terraform would replace the one image it
 * manages. `imageLine` deletes every image of the line when the stack is destroyed.
 *
 * The step runs once per build VM: a new VM (any change to its inputs) is a new build, generalized and captured anew.
 */
export class GeneralizedImage extends Construct implements IImage {
  /** The build VM. */
  public readonly vm: GoldenVm;
  /** The `terraform_data` resource whose provisioner generalizes the VM. */
  public readonly generalizeStep: TerraformResource;
  /** Whether each build is captured as a managed image (`managedImage`). */
  public readonly hasManagedImage: boolean;
  /**
   * The `terraform_data` resource whose provisioner captures the image and deletes the line's older images, with a
   * managed image.
   */
  public readonly captureStep?: TerraformResource;
  /** The `terraform_data` resource whose destroy-time provisioner deletes every image of the line, with a managed image. */
  public readonly imageLine?: TerraformResource;
  public readonly resourceGroupName: string;
  /** The resource group, when `createResourceGroup` made one. */
  public readonly resourceGroup?: ResourceGroup;
  public readonly location: string;
  public readonly osType: OsType;
  public readonly hyperVGeneration: HyperVGeneration;
  /** The capture step with a managed image; the generalize step without. */
  public readonly imageDependables: ITerraformDependable[];
  /** The build VM's OS disk: generalized once `imageDependables` exist, and deleted with the VM. */
  public readonly osDiskId?: string;
  /**
   * This build: `revision`, the build VM's `buildRevision` (a token), and `lineName`, the `imageName` prop (default
   * `img-<vmName>`). Set with or without a managed image.
   */
  public readonly imageBuild?: ImageBuild;
  /** The build VM's marketplace purchase plan: VMs from the image must name it. */
  public readonly purchasePlan?: PurchasePlan;
  private readonly managedImageId?: string;
  private readonly managedImageName?: string;
  /** The gallery versions that publish this build (`GalleryImageVersion` records itself). */
  private readonly publishers: Construct[] = [];

  constructor(scope: Construct, id: string, props: GeneralizedImageProps) {
    super(scope, id);
    const validator = new PropsValidator(`GeneralizedImage '${this.node.path}'`);
    props = readProps(validator, props, GENERALIZED_IMAGE_PROPS, { vm: "pass the build VM to generalize, e.g. new GoldenVm(this, 'BuildVm', { ... })" });
    inheritServedPage(this, props.vm);
    const config = this.parseProps(validator, props);

    const vm = config.vm;
    this.vm = vm;
    this.hasManagedImage = config.managedImage;
    const group = placeResourceGroup(this, config.resourceGroup, vm.location, config.tags);
    this.resourceGroup = group.resourceGroup;
    this.resourceGroupName = group.resourceGroupName;
    this.generalizeStep = this.createGeneralizeStep(config);

    this.location = vm.location;
    this.osType = vm.osType;
    this.hyperVGeneration = vm.hyperVGeneration;
    this.osDiskId = vm.virtualMachine.osDisk.id;
    this.imageBuild = { revision: vm.buildRevision, lineName: config.lineName };
    this.purchasePlan = vm.purchasePlan;
    if (!config.managedImage) {
      this.imageDependables = [this.generalizeStep];
      // Checked at synth, once every construct exists: a version may be made after this construct.
      this.node.addValidation({ validate: () => this.checkPublished() });
      return;
    }
    const line = this.createImageLine(config);
    this.imageLine = line.imageLine;
    this.captureStep = line.captureStep;
    this.managedImageId = line.imageId;
    this.managedImageName = line.imageName;
    this.imageDependables = [line.captureStep];
  }

  /**
   * Azure resource id of this build's managed image,
   * `/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Compute/images/<line>-<revision>`.
   *
   * A token, not that text, at synth time: a reference to the capture step's output
   * (`${terraform_data.<id>_Capture_<hash>.output.image_id}`), so whatever uses it waits for the capture, and another
   * stack gets it as a cross-stack output. Terraform knows the value once the capture step exists: in the plan that
   * creates a build it is "known after apply".
   *
   * Throws without a managed image (`managedImage: false`, the default for a Trusted Launch build VM).
   */
  public get imageId(): string {
    return this.managedImageId ?? this.noManagedImage('imageId');
  }

  /**
   * Name of this build's managed image, `<line>-<revision>` (e.g. `img-golden-web-20261129171800`): not the
   * `imageName` prop, which names the line.
   *
   * A token, not that text, at synth time: a reference to the capture step's output
   * (`${terraform_data.<id>_Capture_<hash>.output.image_name}`). The revision is the UTC time of the plan that created
   * the build VM, so Terraform knows the name once the capture step exists: in the plan that creates a build it is
   * "known after apply". The line's name, as given or defaulted, is `imageBuild.lineName`.
   *
   * Throws without a managed image (`managedImage: false`, the default for a Trusted Launch build VM).
   */
  public get imageName(): string {
    return this.managedImageName ?? this.noManagedImage('imageName');
  }

  /**
   * Records that `version` publishes this build. Called by `GalleryImageVersion`.
   *
   * @internal
   */
  public _publishedBy(version: Construct): void {
    this.publishers.push(version);
  }

  /** A build without a managed image is kept only by a gallery version: without one, the bake would leave nothing. */
  private checkPublished(): string[] {
    if (this.publishers.length > 0) {
      return [];
    }
    const reason = this.vm.securityType === SecurityType.TRUSTED_LAUNCH
      ? 'a Trusted Launch build has no managed image (Azure refuses them)' : 'managedImage is false';
    return [`GeneralizedImage '${this.node.path}': 1 invalid prop:\n  - vm: '${this.vm.vmName}' would be built, generalized and left unused: `
      + `${reason} and no GalleryImageVersion publishes this build, so the deployment would publish nothing. `
      + "Fix: publish it with new GalleryImageVersion(this, 'Version', { galleryImage, source: image }) to a "
      + `${this.vm.securityType === SecurityType.TRUSTED_LAUNCH ? 'TrustedLaunch ' : ''}definition, or build with SecurityType.STANDARD for a managed image`];
  }

  private noManagedImage(attribute: string): never {
    throw new Error(`GeneralizedImage '${this.node.path}': ${attribute} was read, but this build has no managed image (managedImage is false`
      + `${this.vm.securityType === SecurityType.TRUSTED_LAUNCH ? ': the build VM is Trusted Launch' : ''}). Fix: publish it with `
      + 'new GalleryImageVersion(this, \'Version\', { galleryImage, source: image }) and use the version as the image.');
  }
  /**
   * Checks the props against the build VM, and resolves every default once: the line's name, the timeouts, whether a
   * managed image is made. Throws, listing every problem, unless all are fine.
   */
  private parseProps(validator: PropsValidator, props: GeneralizedImageProps): GeneralizeConfig {
    const vm = props.vm;
    const lineName = props.imageName ?? `img-${vm.vmName}`;
    const retainBuilds = props.retainBuilds ?? DEFAULT_RETAIN_BUILDS;
    const sysprepMinutes = props.timeouts?.sysprepMinutes ?? SYSPREP_MINUTES.default;
    const deallocateMinutes = props.timeouts?.deallocateMinutes ?? DEALLOCATE_MINUTES.default;
    const lineProp = props.imageName === undefined ? 'imageName (from the VM name)' : 'imageName';

    checkImageLineName(validator, lineProp, lineName,
      props.imageName === undefined ? "pass a shorter imageName, e.g. 'img-golden-web'" : "shorten it, e.g. 'img-golden-web'");
    const retainBuildsChecks = checkRetainBuilds(validator, retainBuilds);
    const resourceGroup = checkResourceGroup(validator, props, { createdName: `rg-${lineName}`, existingName: vm.resourceGroupName });
    const managedImage = props.managedImage ?? vm.securityType === SecurityType.STANDARD;
    if (managedImage && vm.securityType === SecurityType.TRUSTED_LAUNCH) {
      validator.fail('managedImage', true, `asks for a managed image of '${vm.vmName}', a Trusted Launch build VM, but Azure refuses managed images of Trusted Launch VMs`,
        'omit managedImage and publish the build with GalleryImageVersion to a TrustedLaunch definition, or build with SecurityType.STANDARD');
    }
    checkManagedImageNvme(validator, vm, managedImage);
    const timeoutChecks = [
      ...checkNumberInput(validator, SYSPREP_MINUTES, sysprepMinutes, 'minutes'),
      ...checkNumberInput(validator, DEALLOCATE_MINUTES, deallocateMinutes, 'minutes'),
    ];
    checkCaptureTags(validator, props.tags);
    if (managedImage) {
      claimImageLine(this, validator, lineProp, lineName, resourceGroup.name);
    }
    claimCreatedResourceGroup(this, validator, props.resourceGroupName === undefined ? 'resourceGroupName (from imageName)' : 'resourceGroupName', resourceGroup);
    validator.throwIfInvalid();
    return {
      vm, lineName, retainBuilds, sysprepMinutes, deallocateMinutes, managedImage, resourceGroup, tags: props.tags, retainBuildsChecks, timeoutChecks,
    };
  }

  /** Sysprep in the guest, deallocate, generalize, and a check of the final state, by the operator's generalize step. */
  private createGeneralizeStep(config: GeneralizeConfig): TerraformResource {
    const vm = config.vm;
    return operatorStep(this, 'Generalize', {
      step: 'generalize',
      // A new build VM (new id) is generalized again; the same one never twice.
      triggersReplace: vm.vmId,
      dependsOn: vm.readyForCapture,
      environment: generalizeEnvironment({
        subscriptionId: subscriptionOf(vm.vmId),
        resourceGroup: vm.resourceGroupName,
        vmName: vm.vmName,
        guestDirectory: guestDirectory(this),
        sysprepMinutes: environmentNumber(config.sysprepMinutes),
        deallocateMinutes: environmentNumber(config.deallocateMinutes),
      }),
      // Without a managed image, retainBuilds has no step to read it: it is checked here, as a literal is.
      lifecycle: withPreconditions([...config.timeoutChecks, ...config.managedImage ? [] : config.retainBuildsChecks]),
    });
  }

  /** The line's managed images: this build's captured once generalized, the builds beyond `retainBuilds` deleted. */
  private createImageLine(config: GeneralizeConfig): ImageLine {
    const vm = config.vm;
    return imageLine(this, {
      // Not the VM's id: the line (and its destroy-time deletion of every image) must outlive every build.
      subscriptionId: providerSubscriptionId(this),
      resourceGroupName: this.resourceGroupName,
      location: vm.location,
      lineName: config.lineName,
      revision: vm.buildRevision,
      source: { virtualMachineId: vm.vmId },
      hyperVGeneration: vm.hyperVGeneration,
      osType: vm.osType,
      retainBuilds: config.retainBuilds,
      tags: config.tags,
      dependsOn: [this.generalizeStep],
      preconditions: config.retainBuildsChecks,
    });
  }

}

markKind(GeneralizedImage, 'GeneralizedImage');

/** The props of a build, checked, with every default resolved, and the plan-time checks of its tokens. */
interface GeneralizeConfig {
  readonly vm: GoldenVm;
  readonly lineName: string;
  readonly retainBuilds: number;
  readonly sysprepMinutes: number;
  readonly deallocateMinutes: number;
  readonly managedImage: boolean;
  readonly resourceGroup: { create: boolean; name: string };
  readonly tags?: { [key: string]: string };
  readonly retainBuildsChecks: Precondition[];
  readonly timeoutChecks: Precondition[];
}


/**
 * Refuses a managed image of a build on an NVMe-only size. Azure cannot tag a managed image for NVMe (the tag is a
 * feature of a gallery image definition, `DiskControllerTypes`), so no VM of the size the image was built, set up and
 * smoke-tested on could boot it ("The VM size ... cannot boot with OS image or disk"), and every VM that can would
 * attach its OS disk through SCSI, which the build never booted from. A user who picks an NVMe-only build size expects
 * an image for that size: a gallery definition with NVMe support gives one, and a build on a size with SCSI gives a
 * managed image that fleets of SCSI sizes boot.
 */
function checkManagedImageNvme(validator: PropsValidator, vm: GoldenVm, managedImage: boolean): void {
  const build = nvmeOnlySize(vm.vmSize);
  if (!managedImage || build === undefined) {
    return;
  }
  validator.fail('vm', vm.vmSize, `is the size of build VM '${vm.vmName}', which attaches disks through NVMe only (${build.series}), but a managed image of it cannot be tagged `
    + `for NVMe: no VM of that size could boot the image (Azure: "The VM size '${vm.vmSize}' cannot boot with OS image or disk"), and every VM that can would `
    + 'boot it through SCSI, which the build never did',
  `build on a size with SCSI, e.g. GoldenVm vmSize: '${build.sizeWithScsi}', or pass managedImage: false and publish the build with GalleryImageVersion `
    + 'to a GalleryImage with nvmeSupported: true');
}
