import { Image } from '@cdktf/provider-azurerm/lib/image';
import { Fn, ITerraformDependable, TerraformResource, Token } from 'cdktf';
import { Construct } from 'constructs';
import { GoldenVm } from './golden-vm';
import { HyperVGeneration, IImage, OsType } from './image';
import { isImageName, isResourceGroupName } from './private/azure-names';
import { relativeAssetPath, stackScriptAsset } from './private/script-assets';
import { TerraformData } from './private/terraform-data';
import { isUnresolved, PropsValidator } from './private/validation';

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
   * Name of the managed image (1-80 letters, digits, underscores, periods and hyphens).
   *
   * @default - `img-<vmName>`
   */
  readonly imageName?: string;
  /**
   * Resource group of the image. The image is always in the VM's region.
   *
   * @default - the VM's resource group
   */
  readonly resourceGroupName?: string;
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

const DEFAULT_SYSPREP_MINUTES = 30;
const DEFAULT_DEALLOCATE_MINUTES = 20;

/**
 * A managed image captured from a `GoldenVm`, in the same `cdktf deploy`.
 *
 * Once the VM's setup and smoke test have finished, a `terraform_data` resource runs a local-exec provisioner on the
 * machine that runs Terraform: Sysprep in the guest (through Run Command, waiting until Windows reports it is ready
 * to be captured), `az vm deallocate`, `az vm generalize` and a check of the final state. Then `azurerm_image`
 * captures the VM with its Hyper-V generation. The machine that runs Terraform needs bash and the Azure CLI, logged
 * in or given the `ARM_*` variables of the azurerm provider.
 *
 * The step runs once per build VM: a new VM (any change to its image, size or setup) is generalized again and
 * replaces the image.
 */
export class GeneralizedImage extends Construct implements IImage {
  /** The managed image. */
  public readonly image: Image;
  /** The `terraform_data` resource whose provisioner generalizes the VM. */
  public readonly generalizeStep: TerraformResource;

  public readonly imageId: string;
  public readonly imageName: string;
  public readonly resourceGroupName: string;
  public readonly location: string;
  public readonly osType: OsType;
  public readonly hyperVGeneration: HyperVGeneration;
  public readonly imageDependables: ITerraformDependable[];
  /** The build VM's OS disk: generalized once `imageDependables` exist, and deleted with the VM. */
  public readonly osDiskId?: string;

  constructor(scope: Construct, id: string, props: GeneralizedImageProps) {
    super(scope, id);
    const vm = props.vm;
    const v = new PropsValidator(`GeneralizedImage '${this.node.path}'`);
    const imageName = props.imageName ?? `img-${vm.vmName}`;
    const sysprepMinutes = props.timeouts?.sysprepMinutes ?? DEFAULT_SYSPREP_MINUTES;
    const deallocateMinutes = props.timeouts?.deallocateMinutes ?? DEFAULT_DEALLOCATE_MINUTES;

    v.check(props.imageName === undefined ? 'imageName (from the VM name)' : 'imageName', imageName, isImageName,
      'is not a valid managed image name (1-80 letters, digits, underscores, periods and hyphens, starting with a letter or digit, ending with a letter, digit or underscore)',
      "pass imageName, e.g. 'img-golden-web'");
    v.check('resourceGroupName', props.resourceGroupName, isResourceGroupName,
      'is not a valid resource group name (1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period)',
      "choose a name such as 'rg-golden-images'");
    v.check('timeouts.sysprepMinutes', sysprepMinutes, (m) => Number.isInteger(m) && m >= 5 && m <= 80,
      'is not a whole number of minutes between 5 and 80 (Run Command stops scripts after 90 minutes)', `pass e.g. ${DEFAULT_SYSPREP_MINUTES}`);
    v.check('timeouts.deallocateMinutes', deallocateMinutes, (m) => Number.isInteger(m) && m >= 5 && m <= 60,
      'is not a whole number of minutes between 5 and 60', `pass e.g. ${DEFAULT_DEALLOCATE_MINUTES}`);
    v.throwIfInvalid();

    const operatorScript = stackScriptAsset(this, 'GoldenImageGeneralizeVmScript', 'operator/generalize-vm.sh');
    const guestScript = stackScriptAsset(this, 'GoldenImageGeneralizeGuestScript', 'guest/generalize.ps1');

    const generalize = new TerraformData(this, 'Generalize', {
      // A new build VM (new id) is generalized again; the same one never twice.
      triggersReplace: vm.vmId,
      dependsOn: vm.readyForCapture,
      provisioners: [{
        type: 'local-exec',
        // Constant: every value reaches the script through the environment, never through a shell's parsing.
        command: `bash "${relativeAssetPath(operatorScript)}"`,
        environment: {
          // The VM's own subscription, from its resource id, whatever subscription az defaults to.
          GOLDEN_SUBSCRIPTION_ID: Token.asString(Fn.element(Fn.split('/', vm.vmId), 2)),
          GOLDEN_RESOURCE_GROUP: vm.resourceGroupName,
          GOLDEN_VM_NAME: vm.vmName,
          GOLDEN_GUEST_SCRIPT: relativeAssetPath(guestScript),
          GOLDEN_SYSPREP_TIMEOUT_MINUTES: asEnvironmentValue(sysprepMinutes),
          GOLDEN_DEALLOCATE_TIMEOUT_MINUTES: asEnvironmentValue(deallocateMinutes),
        },
      }],
    });
    this.generalizeStep = generalize;

    this.image = new Image(this, 'Image', {
      name: imageName,
      resourceGroupName: props.resourceGroupName ?? vm.resourceGroupName,
      location: vm.location,
      sourceVirtualMachineId: vm.vmId,
      // A Gen2 VM captured into a V1 image (azurerm's default) fails.
      hyperVGeneration: vm.hyperVGeneration,
      // No os_disk block: with source_virtual_machine_id the provider sends none to Azure (the image takes the VM's
      // disk and its storage type) and reads none back, so a block would be a perpetual diff that replaces the image.
      // No zone_resilient either: Azure refuses it with a source VM.
      tags: props.tags,
      dependsOn: [generalize],
      // source_virtual_machine_id is updatable in the provider but not in Azure: a new build VM needs a new image.
      lifecycle: { replaceTriggeredBy: [generalize.address] },
    });

    this.imageId = this.image.id;
    this.imageName = imageName;
    this.resourceGroupName = props.resourceGroupName ?? vm.resourceGroupName;
    this.location = vm.location;
    this.osType = vm.osType;
    this.hyperVGeneration = vm.hyperVGeneration;
    this.imageDependables = [this.image];
    this.osDiskId = vm.virtualMachine.osDisk.id;
  }
}

function asEnvironmentValue(minutes: number): string {
  return isUnresolved(minutes) ? Token.asString(minutes) : String(minutes);
}
