/**
 * GoldenVm: the build VM of a golden image, from a marketplace image, set up in the guest by a WindowsSetup while
 * Terraform waits, with its network, its build spec and revision (every change replaces it), the base image's check
 * and the operator's setup step; and the OsDiskStorageType it takes.
 */
import { DataAzurermPlatformImage } from '@cdktf/provider-azurerm/lib/data-azurerm-platform-image';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { Annotations, Fn, ITerraformDependable, Precondition, TerraformResource, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CommonVmProps } from './common-props';
import { HyperVGeneration, OsType, PurchasePlan, SecurityType } from './image';
import { MarketplaceImage } from './marketplace-image';
import { baseImageEnvironment, basePlanInput } from './operator/steps/base-image';
import { setupEnvironment, SETUP_MINUTES } from './operator/steps/setup';
import { WINDOWS_SERVER_PUBLISHER } from './private/images/generation';
import { planBlock } from './private/images/purchase-plan';
import { COMPUTER_NAME_MAX_LENGTH, isComputerName, isWindowsVmName } from './private/naming/azure-names';
import { AZURE_RESOURCE, NameClaim, resourceGroupScope, scopeWithin } from './private/naming/name-claims';
import { canonicalLocation, checkCommonNames, checkZoneRedundantStorage } from './private/naming/regions';
import { checkResourceGroup, placeResourceGroup, SettledResourceGroup } from './private/naming/resource-group';
import { managementAccess, ManagementAccess } from './private/network/management-access';
import { checkOwnNetwork } from './private/network/own-network';
import { inheritServedPage } from './private/network/served-page';
import { checkNumberInput, environmentNumber, guestDirectory, operatorStep, providerSubscriptionId, subscriptionOf } from './private/steps/operator-step';
import { TerraformData } from './private/terraform/terraform-data';
import { withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, enumOf, instanceOf, markKind, NUMBER, readProps, STRING, struct } from './private/validation/prop-types';
import { describeValue, PropsValidator } from './private/validation/props-validator';
import { checkAdminUsername } from './private/vm/admin-username';
import { AdminPassword } from './private/vm/credentials';
import { checkBuildImagePatching, NO_SELF_PATCHING_VM } from './private/vm/patching';
import { COMMON_VM_SHAPE, DEFAULT_VM_SIZE, finishVmChecks } from './private/vm/vm-props';
import { checkVmSizeName, checkVmSizeUse, marketplaceBootImage } from './private/vm/vm-sizes';
import { WindowsSetup } from './windows-setup';

/** Storage type of a managed OS disk. */
export enum OsDiskStorageType {
  STANDARD_LRS = 'Standard_LRS',
  STANDARD_SSD_LRS = 'StandardSSD_LRS',
  PREMIUM_LRS = 'Premium_LRS',
  STANDARD_SSD_ZRS = 'StandardSSD_ZRS',
  PREMIUM_ZRS = 'Premium_ZRS',
}

/** Props of `GoldenVm`. */
export interface GoldenVmProps extends CommonVmProps {
  /**
   * Azure region, e.g. `westeurope` or `West Europe`: a region of Azure's public cloud, or one listed in the cdktf
   * context key `azure-golden-image:extraRegions` (a newer or sovereign region). Every region prop follows this rule.
   */
  readonly location: string;
  /**
   * The marketplace image the build VM starts from. Windows Update stays off on the build VM (patch mode Manual): a
   * hotpatch image, which azurerm creates only with platform patching, is refused.
   */
  readonly image: MarketplaceImage;
  /** What runs in the guest before imaging, e.g. `WindowsSetup.iisAspNet()`. */
  readonly setup: WindowsSetup;
  /**
   * Name of the VM resource (1-64 letters, digits and hyphens).
   *
   * @default - the construct id in lower case
   */
  readonly vmName?: string;
  /**
   * Windows computer name of the build VM (at most 15 characters). VMs made from the image get their own.
   *
   * @default - `vmName`, when it has at most 15 characters
   */
  readonly computerName?: string;
  /**
   * Give the build VM a public IP, for debugging. The setup needs none: it runs through the VM agent.
   *
   * @default false
   */
  readonly publicIp?: boolean;
  /**
   * Source range (CIDR) allowed to reach RDP (3389) on the build VM.
   *
   * @deprecated use `managementSourceRange`, which opens RDP alone by default: the same rule
   * @default - no inbound rule: RDP is closed
   */
  readonly rdpSourceRange?: string;
  /**
   * Security type. `STANDARD` builds can be captured into a managed image (`GeneralizedImage`) or a gallery definition of
   * the Standard or TrustedLaunchSupported type; `TRUSTED_LAUNCH` builds (Secure Boot and vTPM, Gen2 images only) into a
   * gallery definition of the TrustedLaunch type only (`GalleryImageVersion`): Azure refuses managed images of them.
   *
   * @default SecurityType.STANDARD
   */
  readonly securityType?: SecurityType;
  /**
   * Storage type of the OS disk; the image records the same.
   *
   * @default OsDiskStorageType.STANDARD_SSD_LRS
   */
  readonly osDiskStorageType?: OsDiskStorageType;
  /**
   * How long the setup may run in the guest, in minutes (5-720). The deployment fails when it is reached; the setup
   * goes on in the guest, and the next deployment waits for it instead of starting it again.
   *
   * @default 60
   */
  readonly setupTimeoutMinutes?: number;
  /**
   * Keep the setup script and its log in the image, in `C:\GoldenImage`, readable by administrators only. Every VM
   * made from the image then carries them.
   *
   * @default false - nothing of the setup stays in the image
   */
  readonly keepSetupFiles?: boolean;
}

/** `GoldenVmProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GOLDEN_VM_PROPS = struct<GoldenVmProps>('GoldenVmProps', {
  ...COMMON_VM_SHAPE,
  location: STRING,
  image: instanceOf('MarketplaceImage', (value) => typeof value === 'string'
    ? `pass MarketplaceImage.fromUrn(${describeValue(value)})`
    : "pass MarketplaceImage.fromUrn('<publisher>:<offer>:<sku>:<version>'), MarketplaceImage.fromParts({ publisher, offer, sku }), "
      + 'or a factory such as MarketplaceImage.windowsServer2022DatacenterCoreGen2()'),
  setup: instanceOf('WindowsSetup', (value) => typeof value === 'object' && value !== null && 'steps' in value
    ? 'pass WindowsSetup.custom({ steps: [...] }) with these steps' : 'pass WindowsSetup.iisAspNet({ ... }) or WindowsSetup.custom({ steps: [...] })'),
  vmName: STRING,
  computerName: STRING,
  publicIp: BOOLEAN,
  rdpSourceRange: STRING,
  securityType: enumOf('SecurityType', SecurityType),
  osDiskStorageType: enumOf('OsDiskStorageType', OsDiskStorageType),
  setupTimeoutMinutes: NUMBER,
  keepSetupFiles: BOOLEAN,
}, "{ location: 'westeurope', image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(), setup: WindowsSetup.iisAspNet() }");

/** What GoldenVm needs, with the fixes its messages give. */
const REQUIRED_PROPS = {
  location: "pass the Azure region to build in, e.g. 'westeurope'",
  image: 'pass the marketplace image to start from, e.g. MarketplaceImage.windowsServer2022DatacenterCoreGen2()',
  setup: 'pass what runs in the guest before imaging, e.g. WindowsSetup.iisAspNet()',
};

/** Administrator of the build VM, unless `adminUsername` says otherwise. */
const DEFAULT_ADMIN_USERNAME = 'goldenadmin';

/** Caching of the OS disk: the build VM's, and so the spec's. */
const OS_DISK_CACHING = 'ReadWrite';

/** The revision's format: sortable, and readable as the build's UTC time. */
const BUILD_REVISION_FORMAT = 'YYYYMMDDhhmmss';

/**
 * The build VM of a golden image: a Windows VM from a marketplace image, configured in the guest by a `WindowsSetup`
 * that ends with a local smoke test. Terraform waits for the setup, so a failing step fails the deployment before
 * anything is imaged.
 *
 * The VM is frozen: once generalized, Azure refuses every change to it and to its extensions, and it can never be
 * started again. So nothing hangs on it in Terraform (no VM extension: the setup runs from the operator stage through
 * Run Command, see `setupStep`), and nothing updates it in place: every input, tags included, is recorded in
 * `buildSpec`, whose change replaces the VM (`ignore_changes = all` plus `replace_triggered_by`). Each VM is a new
 * build with a new `buildRevision`, which names everything made from it.
 *
 * The base image's version: a pinned one (`MarketplaceImage.fromUrn('<publisher>:<offer>:<sku>:<version>')`, or a
 * factory's version argument) is exactly what every build starts from, and never moves, forwards or backwards, until
 * you change it. `latest` is looked up at plan time (`azurerm_platform_image`), and a change of the lookup's answer
 * rebuilds. But azurerm takes the last version of a list Azure sorts as text, not by version number
 * (terraform-provider-azurerm issue 31577: `26100.4652.250708` is chosen over the newer `26100.32230.260111`), so before
 * the build VM is created, `baseImageCheck` lists the SKU's versions with az, compares them as numbers, and stops the
 * deployment (exit code 13) when the chosen version is older than the newest, naming the version to pin. What `latest`
 * guarantees: every build Terraform plans (the first, and every rebuild a changed input causes) starts from the newest
 * version Azure lists when it is applied, or does not start: never from an older one, never backwards; and a rebuild
 * happens whenever the lookup's answer changes. What it does not: a newer version that sorts before the looked-up one
 * as text does not change the answer, so it rebuilds nothing by itself; the next rebuild (or `terraform apply -replace`
 * of `baseImageCheck`) stops at the check, which names it.
 */
export class GoldenVm extends Construct {
  /** The Windows VM. */
  public readonly virtualMachine: WindowsVirtualMachine;
  /**
   * Every input of the VM; a change of any of them replaces the VM (a generalized VM cannot be updated).
   */
  public readonly buildSpec: TerraformResource;
  /**
   * The build's identity: replaced with the VM, its output is the build revision (the UTC time of the plan that
   * created the VM, `YYYYMMDDhhmmss`).
   */
  public readonly buildRevisionResource: TerraformResource;
  /**
   * The operator stage's setup step: a `terraform_data` whose local-exec provisioner checks the real VM's security
   * type and generation, runs the setup in the guest while printing its log, removes the setup's traces from the
   * guest and restarts the VM while a reboot is pending.
   */
  public readonly setupStep: TerraformResource;
  /** The marketplace version lookup, when the image's version is `latest`. */
  public readonly platformImage?: DataAzurermPlatformImage;
  /**
   * The check of the base image, when its version is `latest` or its publisher is not Windows Server: a
   * `terraform_data` the VM depends on, whose local-exec provisioner (the operator's `base-image` step) stops the
   * deployment before the VM is created when the version the lookup chose is older than the newest Azure lists in the
   * region (exit code 13), when the image's purchase plan is not the one the MarketplaceImage declares (exit code 14),
   * or when the plan's terms are not accepted in the subscription (exit code 15). Replaced, and so run again, with every
   * build and whenever the looked-up version changes.
   */
  public readonly baseImageCheck?: TerraformResource;
  /** The NIC (no public IP unless `publicIp`). */
  public readonly networkInterface: NetworkInterface;
  /** The resource group created for the VM, when none was given. */
  public readonly resourceGroup?: ResourceGroup;
  /** The network security group created with the network, when no subnet was given. */
  public readonly networkSecurityGroup?: NetworkSecurityGroup;
  /** The public IP, when `publicIp` is set. */
  public readonly publicIpAddress?: PublicIp;

  /** Azure resource id of the VM. */
  public readonly vmId: string;
  /** Name of the VM resource. */
  public readonly vmName: string;
  /** Windows computer name of the build VM. */
  public readonly computerName: string;
  /** VM size of the build VM: `GeneralizedImage` and `GalleryImageVersion` check that what they make of the build boots on it. */
  public readonly vmSize: string;
  /** Resource group of the VM. */
  public readonly resourceGroupName: string;
  /** Canonical Azure region, e.g. `westeurope`. */
  public readonly location: string;
  /** Always Windows. */
  public readonly osType: OsType = OsType.WINDOWS;
  /** Hyper-V generation of the VM, from its marketplace image. */
  public readonly hyperVGeneration: HyperVGeneration;
  /** The VM's security type. */
  public readonly securityType: SecurityType;
  /** Storage type of the OS disk. */
  public readonly osDiskStorageType: OsDiskStorageType;
  /** The purchase plan of the marketplace image, when it has one: every image of this build carries it. */
  public readonly purchasePlan?: PurchasePlan;
  /**
   * The marketplace image version the VM is built from: the pinned version, or for `latest` the one looked up at plan
   * time (checked by `baseImageCheck` before the VM is created).
   */
  public readonly baseImageVersion: string;
  /** The build revision (`YYYYMMDDhhmmss`): a new one for every new build VM. */
  public readonly buildRevision: string;
  /** Administrator user name. */
  public readonly adminUsername: string;
  /** Administrator password (a token; sensitive in Terraform). */
  public readonly adminPassword: string;
  /** What Terraform must finish before the VM may be generalized: the setup and its smoke test. */
  public readonly readyForCapture: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: GoldenVmProps) {
    super(scope, id);
    const build = this.parseProps(id, props);
    this.location = build.location;
    this.vmName = build.vmName;
    this.computerName = build.computerName;
    this.vmSize = build.vmSize;
    this.securityType = build.securityType;
    this.hyperVGeneration = build.image.hyperVGeneration;
    this.purchasePlan = build.image.plan;
    this.osDiskStorageType = build.osDiskStorageType;
    this.adminUsername = build.adminUsername;
    this.adminPassword = build.password.value;

    const group = placeResourceGroup(this, build.resourceGroup, this.location, build.tags);
    this.resourceGroup = group.resourceGroup;
    this.resourceGroupName = group.resourceGroupName;
    const placement: Placement = { resourceGroupName: this.resourceGroupName, location: this.location, tags: build.tags };
    const network: BuildNetwork = build.subnetId === undefined ? this.createNetwork(build, placement) : { subnetId: build.subnetId };
    this.networkSecurityGroup = network.networkSecurityGroup;
    this.publicIpAddress = build.publicIp ? this.createPublicIp(placement) : undefined;
    this.networkInterface = this.createNetworkInterface(placement, network.subnetId);

    this.platformImage = build.image.version === 'latest' ? this.lookUpLatestVersion(build.image) : undefined;
    this.baseImageVersion = this.platformImage?.version ?? build.image.version;
    const buildSpec = this.createBuildSpec(build);
    this.buildSpec = buildSpec;
    this.baseImageCheck = this.platformImage === undefined && !hasPlanToCheck(build.image) ? undefined
      : checkBaseImage(this, build.image, buildSpec, this.platformImage);
    this.virtualMachine = this.createVm(build, placement, buildSpec);
    this.vmId = this.virtualMachine.id;

    const revision = this.createBuildRevision();
    this.buildRevisionResource = revision;
    this.buildRevision = revision.output;
    this.setupStep = this.createSetupStep(build);
    this.readyForCapture = [this.setupStep];
  }

  /** Private IP address of the build VM. */
  public get privateIpAddress(): string {
    return this.virtualMachine.privateIpAddress;
  }

  /**
   * Checks the props, reporting every problem at once, and resolves each default once: the build as the rest of the
   * constructor reads it.
   */
  private parseProps(id: string, given: GoldenVmProps): Build {
    const validator = new PropsValidator(`GoldenVm '${this.node.path}'`);
    const props = readProps(validator, given, GOLDEN_VM_PROPS, REQUIRED_PROPS);
    inheritServedPage(this, props.setup);
    const vmName = props.vmName ?? id.toLowerCase();
    const settled = {
      image: props.image,
      setup: props.setup,
      vmName,
      computerName: props.computerName ?? vmName,
      vmSize: props.vmSize ?? DEFAULT_VM_SIZE,
      securityType: props.securityType ?? SecurityType.STANDARD,
      osDiskStorageType: props.osDiskStorageType ?? OsDiskStorageType.STANDARD_SSD_LRS,
      setupTimeoutMinutes: props.setupTimeoutMinutes ?? SETUP_MINUTES.default,
      adminUsername: props.adminUsername ?? DEFAULT_ADMIN_USERNAME,
    };
    checkCommonNames(validator, this, props);
    const vmChecks = this.checkVm(validator, props, settled);
    const network = this.checkNetwork(validator, props);
    const resourceGroup = checkResourceGroup(validator, props, { createdName: `rg-${vmName}` });
    const password = finishVmChecks(this, validator, props, {
      names: buildVmNames(props, vmName, resourceGroup.name, network.own), resourceGroup, groupNamedAfter: 'vmName',
    });
    return {
      ...settled,
      ...vmChecks,
      ...network,
      location: canonicalLocation(props.location),
      resourceGroup,
      password,
      subnetId: props.subnetId,
      publicIp: props.publicIp ?? false,
      keepSetupFiles: props.keepSetupFiles ?? false,
      tags: props.tags,
    };
  }

  /** Checks the VM's names, size, security type, OS disk, setup timeout and base image (in that order). */
  private checkVm(validator: PropsValidator, props: GoldenVmProps, settled: SettledVm): VmChecks {
    const { vmName, computerName, vmSize, securityType, osDiskStorageType } = settled;
    validator.check(props.vmName === undefined ? 'vmName (from the construct id)' : 'vmName', vmName, isWindowsVmName,
      'is not a valid VM name (1-64 letters, digits and hyphens, not starting or ending with a hyphen)', "pass vmName, e.g. 'golden-build'");
    validator.check(props.computerName === undefined ? 'computerName (from vmName)' : 'computerName', computerName, isComputerName,
      `is not a Windows computer name (1-${COMPUTER_NAME_MAX_LENGTH} letters, digits and hyphens, not only digits, not starting or ending with a hyphen)`,
      props.computerName === undefined ? "pass computerName explicitly, e.g. 'golden01'" : "shorten it, e.g. 'golden01'");
    checkVmSizeName(validator, vmSize);
    checkAdminUsername(validator, props.adminUsername, DEFAULT_ADMIN_USERNAME);
    const setupTimeoutChecks = checkNumberInput(validator, SETUP_MINUTES, settled.setupTimeoutMinutes, 'minutes');
    validator.check('securityType', props.securityType, (t) => Object.values(SecurityType).includes(t), 'is not a security type',
      'pass SecurityType.STANDARD (the default) or SecurityType.TRUSTED_LAUNCH');
    validator.check('osDiskStorageType', props.osDiskStorageType, (t) => Object.values(OsDiskStorageType).includes(t), 'is not a storage type',
      'pass one of OsDiskStorageType, e.g. OsDiskStorageType.STANDARD_SSD_LRS (the default)');
    if (securityType === SecurityType.TRUSTED_LAUNCH && props.image.hyperVGeneration !== HyperVGeneration.V2) {
      validator.fail('securityType', securityType, `needs a Gen2 image, but ${describeValue(props.image.urn)} is Gen1 (Trusted Launch is Secure Boot and vTPM on UEFI)`,
        "use a Gen2 SKU, e.g. 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest', or SecurityType.STANDARD");
    }
    checkVmSizeUse(this, validator, {
      prop: 'vmSize',
      size: vmSize,
      image: marketplaceBootImage(props.image),
      securityType,
      trustedLaunchReason: 'securityType is SecurityType.TRUSTED_LAUNCH',
      trustedLaunchAlternative: 'or build with SecurityType.STANDARD',
      osDisk: { prop: 'osDiskStorageType', storageType: osDiskStorageType, standardSsd: 'osDiskStorageType: OsDiskStorageType.STANDARD_SSD_LRS' },
    });
    // The given storage type only: the default is locally redundant.
    const zoneChecks = checkZoneRedundantStorage(validator, this, {
      prop: 'osDiskStorageType', storageType: props.osDiskStorageType, locationProp: 'location', location: props.location, storageEnum: 'OsDiskStorageType',
    });
    checkBuildImagePatching(validator, 'image', props.image);
    return { setupTimeoutChecks, zoneChecks };
  }

  /** Checks the network props and the management access, which needs the network GoldenVm creates. */
  private checkNetwork(validator: PropsValidator, props: GoldenVmProps): NetworkSettings {
    const { own, addressSpace, subnetPrefix } = checkOwnNetwork(validator, 'GoldenVm', props);
    const management = managementAccess(validator, props);
    if (!own && management.prop !== undefined) {
      validator.fail(management.prop, props.managementSourceRange ?? props.rdpSourceRange, 'only applies to the network GoldenVm creates, but subnetId was given',
        `remove ${management.prop}, or remove subnetId`);
    }
    if (props.rdpSourceRange !== undefined) {
      Annotations.of(this).addWarning('rdpSourceRange is deprecated: use managementSourceRange (it opens RDP alone unless managementPorts says otherwise).');
    }
    return { own, addressSpace, subnetPrefix, management };
  }

  /** The build VM's own VNet and subnet, with an NSG that opens nothing unless `managementSourceRange` asks. */
  private createNetwork(build: Build, placement: Placement): BuildNetwork {
    const vnet = new VirtualNetwork(this, 'VirtualNetwork', { ...placement, name: `vnet-${build.vmName}`, addressSpace: [build.addressSpace] });
    const subnet = new Subnet(this, 'Subnet', {
      name: `snet-${build.vmName}`,
      resourceGroupName: placement.resourceGroupName,
      virtualNetworkName: vnet.name,
      addressPrefixes: [build.subnetPrefix],
      // Outbound access for a VM without public IP: Run Command returns the setup's and Sysprep's output only with
      // it ("Run scripts in your Windows VM by using action Run Commands": the VM needs outbound connectivity), and
      // Windows activates through it. azurerm's default today (subnet_resource.go:273-277 at v4.55.0), stated so a
      // provider or Azure default that makes new subnets private cannot silently cut the build off.
      defaultOutboundAccessEnabled: true,
    });
    const { management } = build;
    // No inbound rule unless asked: Azure's default rules then deny all inbound traffic from the Internet.
    const networkSecurityGroup = new NetworkSecurityGroup(this, 'NetworkSecurityGroup', {
      ...placement,
      name: `nsg-${build.vmName}`,
      securityRule: management.rule === undefined ? [] : [management.rule],
      lifecycle: management.preconditions ? { precondition: management.preconditions } : undefined,
    });
    new SubnetNetworkSecurityGroupAssociation(this, 'SubnetNsgAssociation', {
      subnetId: subnet.id,
      networkSecurityGroupId: networkSecurityGroup.id,
    });
    return { subnetId: subnet.id, networkSecurityGroup };
  }

  private createPublicIp(placement: Placement): PublicIp {
    return new PublicIp(this, 'PublicIp', { ...placement, name: `pip-${this.vmName}`, allocationMethod: 'Static', sku: 'Standard' });
  }

  /** The NIC, with the public IP when there is one. */
  private createNetworkInterface(placement: Placement, subnetId: string): NetworkInterface {
    return new NetworkInterface(this, 'NetworkInterface', {
      ...placement,
      name: `nic-${this.vmName}`,
      ipConfiguration: [{
        name: 'primary',
        subnetId,
        privateIpAddressAllocation: 'Dynamic',
        publicIpAddressId: this.publicIpAddress?.id,
      }],
    });
  }

  /** The marketplace version `latest` stands for, looked up at plan time. */
  private lookUpLatestVersion(image: MarketplaceImage): DataAzurermPlatformImage {
    return new DataAzurermPlatformImage(this, 'BaseImage', {
      location: this.location,
      publisher: image.publisher,
      offer: image.offer,
      sku: image.sku,
    });
  }

  /**
   * Every input of the VM: the VM ignores changes of its own arguments and is replaced when this changes, so a
   * generalized VM is never updated in place (Azure would refuse it), whatever changed, tags included.
   */
  private createBuildSpec(build: Build): TerraformData {
    return new TerraformData(this, 'BuildSpec', {
      triggersReplace: {
        name: build.vmName,
        resource_group_name: this.resourceGroupName,
        location: this.location,
        computer_name: build.computerName,
        size: build.vmSize,
        source_image_reference: this.sourceImageReference(build.image),
        security_type: build.securityType,
        os_disk: { caching: OS_DISK_CACHING, storage_account_type: build.osDiskStorageType },
        network_interface_ids: [this.networkInterface.id],
        admin_username: build.adminUsername,
        patch_mode: NO_SELF_PATCHING_VM.patchMode,
        automatic_updates_enabled: NO_SELF_PATCHING_VM.automaticUpdatesEnabled,
        // A hash: the password itself stays in the VM's and the generator's state only.
        admin_password_sha256: Fn.sha256(build.password.value),
        custom_data_sha256: build.setup.scriptHash,
        tags: build.tags ?? {},
        // Only with a plan: the specs of earlier builds, without one, stay the same.
        ...(build.image.plan ? { plan: planBlock(build.image.plan) } : {}),
      },
    });
  }

  /** The marketplace image at the version the build starts from (the looked-up one for `latest`). */
  private sourceImageReference(image: MarketplaceImage) {
    return { publisher: image.publisher, offer: image.offer, sku: image.sku, version: this.baseImageVersion };
  }

  /** The build VM: replaced, never updated, whenever `buildSpec` changes. */
  private createVm(build: Build, placement: Placement, buildSpec: TerraformData): WindowsVirtualMachine {
    const { password, securityType, zoneChecks } = build;
    return new WindowsVirtualMachine(this, 'VirtualMachine', {
      ...placement,
      name: build.vmName,
      computerName: build.computerName,
      size: build.vmSize,
      adminUsername: build.adminUsername,
      adminPassword: password.value,
      networkInterfaceIds: [this.networkInterface.id],
      sourceImageReference: this.sourceImageReference(build.image),
      // A third-party image's purchase plan: Azure creates the VM only with it (and its terms accepted).
      plan: planBlock(build.image.plan),
      osDisk: { caching: OS_DISK_CACHING, storageAccountType: build.osDiskStorageType },
      // The security type, stated explicitly: Standard for managed images (azurerm 4.x then sends no security profile,
      // so where Trusted Launch is a default the setup step finds out, see setupStep), or Trusted Launch.
      secureBootEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      vtpmEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      provisionVmAgent: true,
      // Windows Update stays off: it would install and restart around the setup and Sysprep. Patches come with the
      // marketplace version (a new one rebuilds) or from the setup's own, logged steps (lib/private/vm/patching.ts).
      ...NO_SELF_PATCHING_VM,
      // Run Command, which runs the setup and Sysprep, is delivered by the VM agent's extension handling.
      allowExtensionOperations: true,
      // The setup script: copied by the setup step into an administrators-only folder, and removed with it.
      customData: Buffer.from(build.setup.renderScript(), 'utf8').toString('base64'),
      lifecycle: {
        ignoreChanges: 'all',
        replaceTriggeredBy: [buildSpec.address],
        precondition: password.preconditions.length > 0 || zoneChecks ? [...password.preconditions, ...zoneChecks ? [zoneChecks] : []] : undefined,
      },
      // A `latest` version is checked before the VM is made from it.
      dependsOn: this.baseImageCheck === undefined ? undefined : [this.baseImageCheck],
    });
  }

  /** The build's identity: the plan time of the VM's creation, kept (ignore_changes) until the VM is replaced. */
  private createBuildRevision(): TerraformData {
    return new TerraformData(this, 'BuildRevision', {
      triggersReplace: this.vmId,
      input: Fn.formatdate(BUILD_REVISION_FORMAT, Fn.plantimestamp()),
      lifecycle: { ignoreChanges: ['input'] },
    });
  }

  /** The operator's setup step (lib/operator/steps/setup.ts), once per build VM: a new VM is set up anew, the same one never twice. */
  private createSetupStep(build: Build): TerraformResource {
    return operatorStep(this, 'Setup', {
      step: 'setup',
      triggersReplace: this.vmId,
      environment: setupEnvironment({
        subscriptionId: subscriptionOf(this.vmId),
        resourceGroup: this.resourceGroupName,
        vmName: build.vmName,
        guestDirectory: guestDirectory(this),
        setupMinutes: environmentNumber(build.setupTimeoutMinutes),
        expectedSecurityType: build.securityType,
        expectedHyperVGeneration: this.hyperVGeneration,
        keepSetupFiles: build.keepSetupFiles,
      }),
      lifecycle: withPreconditions(build.setupTimeoutChecks),
    });
  }
}

markKind(GoldenVm, 'GoldenVm');

/** Where the build VM's resources go. */
interface Placement {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags?: { [key: string]: string };
}

/** The subnet of the build VM's NIC, and the NSG GoldenVm puts on it when it creates the network. */
interface BuildNetwork {
  readonly subnetId: string;
  readonly networkSecurityGroup?: NetworkSecurityGroup;
}

/** The props `parseProps` resolves first: each default once. */
interface SettledVm {
  readonly image: MarketplaceImage;
  readonly setup: WindowsSetup;
  readonly vmName: string;
  readonly computerName: string;
  readonly vmSize: string;
  readonly securityType: SecurityType;
  readonly osDiskStorageType: OsDiskStorageType;
  readonly setupTimeoutMinutes: number;
  readonly adminUsername: string;
}

/** What Terraform checks at plan time of the VM's token props. */
interface VmChecks {
  readonly setupTimeoutChecks: Precondition[];
  readonly zoneChecks?: Precondition;
}

/** The network GoldenVm creates (unless given a subnet) and what it opens. */
interface NetworkSettings {
  /** No subnet was given: GoldenVm creates the VNet, subnet and NSG. */
  readonly own: boolean;
  readonly addressSpace: string;
  readonly subnetPrefix: string;
  readonly management: ManagementAccess;
}

/** GoldenVmProps checked, every default resolved: what the constructor builds from. */
interface Build extends SettledVm, VmChecks, NetworkSettings {
  /** Canonical region. */
  readonly location: string;
  readonly resourceGroup: SettledResourceGroup;
  readonly password: AdminPassword;
  readonly subnetId?: string;
  readonly publicIp: boolean;
  readonly keepSetupFiles: boolean;
  readonly tags?: { [key: string]: string };
}

/**
 * Whether the image's purchase plan is checked before the build: for every publisher but Microsoft's Windows Server,
 * whose images have no plan (MarketplaceImage refuses one for them). Synth time cannot know a third-party image's plan:
 * the base-image step reads it (lib/operator/steps/base-image.ts).
 */
function hasPlanToCheck(image: MarketplaceImage): boolean {
  return Token.isUnresolved(image.publisher) || image.publisher.toLowerCase() !== WINDOWS_SERVER_PUBLISHER.toLowerCase();
}

/**
 * The operator's `base-image` step, before the build VM is made (lib/operator/steps/base-image.ts). For a `latest`
 * image, on what the lookup chose: azurerm takes the last version of a list Azure sorts as text
 * (terraform-provider-azurerm issue 31577), so the step compares the listed versions as numbers; the lookup's own
 * `location` is azurerm's normalized region name. For an image of another publisher than Windows Server, pinned or
 * not: its purchase plan against the declared one, and the plan's terms. The subscription is the provider's.
 */
function checkBaseImage(scope: GoldenVm, image: MarketplaceImage, buildSpec: TerraformData,
  lookup: DataAzurermPlatformImage | undefined): TerraformResource {
  const looked = {
    location: lookup?.location ?? scope.location,
    publisher: image.publisher,
    offer: image.offer,
    sku: image.sku,
    version: lookup?.version ?? image.version,
  };
  return operatorStep(scope, 'BaseImageCheck', {
    step: 'base-image',
    // Once per build and per version the lookup chooses (the spec holds the version and the plan, and is replaced with
    // every build): each build VM is made only once its version passed, whatever else rebuilt it.
    triggersReplace: { ...looked, build_spec: buildSpec.id },
    environment: baseImageEnvironment({
      subscriptionId: providerSubscriptionId(scope),
      location: looked.location,
      publisher: looked.publisher,
      offer: looked.offer,
      sku: looked.sku,
      chosenVersion: looked.version,
      pinned: lookup === undefined,
      plan: hasPlanToCheck(image) ? basePlanInput(image.plan) : undefined,
    }),
  });
}

/** The names the build VM and its network make in its resource group. */
function buildVmNames(props: GoldenVmProps, vmName: string, resourceGroupName: string, ownNetwork: boolean): NameClaim {
  const scope = resourceGroupScope(resourceGroupName);
  const vnet = { kind: AZURE_RESOURCE.VIRTUAL_NETWORK, scope, name: `vnet-${vmName}` };
  return {
    prop: props.vmName === undefined ? 'vmName (from the construct id)' : 'vmName',
    value: vmName,
    names: [
      { kind: AZURE_RESOURCE.VIRTUAL_MACHINE, scope, name: vmName },
      { kind: AZURE_RESOURCE.NETWORK_INTERFACE, scope, name: `nic-${vmName}` },
      ...props.publicIp ? [{ kind: AZURE_RESOURCE.PUBLIC_IP, scope, name: `pip-${vmName}` }] : [],
      ...ownNetwork ? [
        vnet,
        { kind: AZURE_RESOURCE.SUBNET, scope: scopeWithin(vnet), name: `snet-${vmName}` },
        { kind: AZURE_RESOURCE.NETWORK_SECURITY_GROUP, scope, name: `nsg-${vmName}` },
      ] : [],
    ],
    fix: 'pass another vmName to one of them (the names of its NIC, network and public IP follow it), or put them in different resource groups',
  };
}

