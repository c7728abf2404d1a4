import { DataAzurermPlatformImage } from '@cdktf/provider-azurerm/lib/data-azurerm-platform-image';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { Annotations, Fn, ITerraformDependable, TerraformResource, Token } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, OsType, PurchasePlan, SecurityType } from './image';
import { ManagementPort } from './management-port';
import { MarketplaceImage } from './marketplace-image';
import { baseImageEnvironment, basePlanInput } from './operator/steps/base-image';
import { setupEnvironment, SETUP_MINUTES } from './operator/steps/setup';
import { WINDOWS_SERVER_PUBLISHER } from './private/images/generation';
import { planBlock } from './private/images/purchase-plan';
import { COMPUTER_NAME_MAX_LENGTH, isComputerName, isVmSize, isWindowsVmName } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimCreatedResourceGroup, claimNames, NameClaim, resourceGroupScope, scopeWithin } from './private/naming/name-claims';
import { canonicalLocation, checkCommonNames, checkZoneRedundantStorage } from './private/naming/regions';
import { checkResourceGroup, placeResourceGroup } from './private/naming/resource-group';
import { managementAccess } from './private/network/management-access';
import { checkOwnNetwork } from './private/network/own-network';
import { inheritServedPage } from './private/network/served-page';
import { checkNumberInput, environmentNumber, guestDirectory, operatorStep, providerSubscriptionId, subscriptionOf } from './private/steps/operator-step';
import { TerraformData } from './private/terraform/terraform-data';
import { withPreconditions } from './private/validation/plan-checks';
import {
  BOOLEAN, checkPropTypes, enumOf, instanceOf, listOf, markKind, NUMBER, SECRET_STRING, STRING, STRING_MAP, struct,
} from './private/validation/prop-types';
import { describeValue, PropsValidator, requireProps } from './private/validation/props-validator';
import { checkTags } from './private/validation/tags';
import { checkAdminUsername } from './private/vm/admin-username';
import { adminPassword } from './private/vm/credentials';
import { checkBuildImagePatching, NO_SELF_PATCHING_VM } from './private/vm/patching';
import { checkVmSizeUse, marketplaceBootImage } from './private/vm/vm-sizes';
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
export interface GoldenVmProps {
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
   * Resource group for the build VM and its network: an existing group, or the name of the group to create with
   * `createResourceGroup: true`.
   *
   * @default - the group GoldenVm creates, `rg-<vmName>`
   */
  readonly resourceGroupName?: string;
  /**
   * Create the resource group (`resourceGroupName`, or `rg-<vmName>`) rather than use an existing one. The same rule
   * in every construct of this library.
   *
   * @default - true without `resourceGroupName`, false with it
   */
  readonly createResourceGroup?: boolean;
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
   * VM size.
   *
   * @default 'Standard_D2s_v5'
   */
  readonly vmSize?: string;
  /**
   * An existing subnet for the build VM's NIC.
   *
   * @default - a new VNet (`addressSpace`) with one subnet (`subnetPrefix`) and an NSG with no inbound rule
   */
  readonly subnetId?: string;
  /**
   * Address space of the VNet created when no `subnetId` is given.
   *
   * @default '10.0.0.0/16'
   */
  readonly addressSpace?: string;
  /**
   * Prefix of the subnet created when no `subnetId` is given; inside `addressSpace`.
   *
   * @default '10.0.0.0/24'
   */
  readonly subnetPrefix?: string;
  /**
   * Give the build VM a public IP, for debugging. The setup needs none: it runs through the VM agent.
   *
   * @default false
   */
  readonly publicIp?: boolean;
  /**
   * Source range (IPv4 CIDR) allowed to reach the `managementPorts` (RDP by default) of the build VM, for debugging.
   * Needs the network GoldenVm creates (no `subnetId`). The whole Internet is refused.
   *
   * @default - no inbound rule: every management port is closed
   */
  readonly managementSourceRange?: string;
  /**
   * The ports `managementSourceRange` opens.
   *
   * @default [ManagementPort.RDP]
   */
  readonly managementPorts?: ManagementPort[];
  /**
   * Source range (CIDR) allowed to reach RDP (3389) on the build VM.
   *
   * @deprecated use `managementSourceRange`, which opens RDP alone by default: the same rule
   * @default - no inbound rule: RDP is closed
   */
  readonly rdpSourceRange?: string;
  /**
   * Administrator user name.
   *
   * @default 'goldenadmin'
   */
  readonly adminUsername?: string;
  /**
   * Administrator password, as a token (a sensitive `TerraformVariable` or a Key Vault secret); a literal is rejected
   * because it would be written in plain text to cdk.tf.json.
   *
   * @default - 24 random characters generated by Terraform, kept in state only
   */
  readonly adminPassword?: string;
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
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `GoldenVmProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const GOLDEN_VM_PROPS = struct<GoldenVmProps>('GoldenVmProps', {
  location: STRING,
  image: instanceOf('MarketplaceImage', (value) => typeof value === 'string'
    ? `pass MarketplaceImage.fromUrn(${describeValue(value)})`
    : "pass MarketplaceImage.fromUrn('<publisher>:<offer>:<sku>:<version>'), MarketplaceImage.fromParts({ publisher, offer, sku }), "
      + 'or a factory such as MarketplaceImage.windowsServer2022DatacenterCoreGen2()'),
  setup: instanceOf('WindowsSetup', (value) => typeof value === 'object' && value !== null && 'steps' in value
    ? 'pass WindowsSetup.custom({ steps: [...] }) with these steps' : 'pass WindowsSetup.iisAspNet({ ... }) or WindowsSetup.custom({ steps: [...] })'),
  resourceGroupName: STRING,
  createResourceGroup: BOOLEAN,
  vmName: STRING,
  computerName: STRING,
  vmSize: STRING,
  subnetId: STRING,
  addressSpace: STRING,
  subnetPrefix: STRING,
  publicIp: BOOLEAN,
  managementSourceRange: STRING,
  managementPorts: listOf(enumOf('ManagementPort', ManagementPort)),
  rdpSourceRange: STRING,
  adminUsername: STRING,
  adminPassword: SECRET_STRING,
  securityType: enumOf('SecurityType', SecurityType),
  osDiskStorageType: enumOf('OsDiskStorageType', OsDiskStorageType),
  setupTimeoutMinutes: NUMBER,
  keepSetupFiles: BOOLEAN,
  tags: STRING_MAP,
}, "{ location: 'westeurope', image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(), setup: WindowsSetup.iisAspNet() }");

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
    const v = new PropsValidator(`GoldenVm '${this.node.path}'`);
    requireProps(v, props, {
      location: "pass the Azure region to build in, e.g. 'westeurope'",
      image: 'pass the marketplace image to start from, e.g. MarketplaceImage.windowsServer2022DatacenterCoreGen2()',
      setup: 'pass what runs in the guest before imaging, e.g. WindowsSetup.iisAspNet()',
    });
    props = checkPropTypes(v, props, GOLDEN_VM_PROPS);
    v.throwIfInvalid();
    inheritServedPage(this, props.setup);
    const vmName = props.vmName ?? id.toLowerCase();
    const computerName = props.computerName ?? vmName;
    const vmSize = props.vmSize ?? 'Standard_D2s_v5';
    const securityType = props.securityType ?? SecurityType.STANDARD;
    const setupTimeoutMinutes = props.setupTimeoutMinutes ?? SETUP_MINUTES.default;

    checkCommonNames(v, this, props);
    v.check(props.vmName === undefined ? 'vmName (from the construct id)' : 'vmName', vmName, isWindowsVmName,
      'is not a valid VM name (1-64 letters, digits and hyphens, not starting or ending with a hyphen)', "pass vmName, e.g. 'golden-build'");
    v.check(props.computerName === undefined ? 'computerName (from vmName)' : 'computerName', computerName, isComputerName,
      `is not a Windows computer name (1-${COMPUTER_NAME_MAX_LENGTH} letters, digits and hyphens, not only digits, not starting or ending with a hyphen)`,
      props.computerName === undefined ? "pass computerName explicitly, e.g. 'golden01'" : "shorten it, e.g. 'golden01'");
    v.check('vmSize', vmSize, isVmSize, "is not a VM size such as 'Standard_D2s_v5'", 'pick one from `az vm list-sizes --location <location> -o table`');
    checkAdminUsername(v, props.adminUsername, 'goldenadmin');
    const setupTimeoutChecks = checkNumberInput(v, SETUP_MINUTES, setupTimeoutMinutes, 'minutes');
    v.check('securityType', props.securityType, (t) => Object.values(SecurityType).includes(t), 'is not a security type',
      'pass SecurityType.STANDARD (the default) or SecurityType.TRUSTED_LAUNCH');
    v.check('osDiskStorageType', props.osDiskStorageType, (t) => Object.values(OsDiskStorageType).includes(t), 'is not a storage type',
      'pass one of OsDiskStorageType, e.g. OsDiskStorageType.STANDARD_SSD_LRS (the default)');
    if (securityType === SecurityType.TRUSTED_LAUNCH && props.image.hyperVGeneration !== HyperVGeneration.V2) {
      v.fail('securityType', securityType, `needs a Gen2 image, but ${describeValue(props.image.urn)} is Gen1 (Trusted Launch is Secure Boot and vTPM on UEFI)`,
        "use a Gen2 SKU, e.g. 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest', or SecurityType.STANDARD");
    }
    checkVmSizeUse(this, v, {
      prop: 'vmSize',
      size: vmSize,
      image: marketplaceBootImage(props.image),
      securityType,
      trustedLaunchReason: 'securityType is SecurityType.TRUSTED_LAUNCH',
      trustedLaunchAlternative: 'or build with SecurityType.STANDARD',
      osDisk: {
        prop: 'osDiskStorageType',
        storageType: props.osDiskStorageType ?? OsDiskStorageType.STANDARD_SSD_LRS,
        standardSsd: 'osDiskStorageType: OsDiskStorageType.STANDARD_SSD_LRS',
      },
    });
    const zoneChecks = checkZoneRedundantStorage(v, this, {
      prop: 'osDiskStorageType', storageType: props.osDiskStorageType, locationProp: 'location', location: props.location, storageEnum: 'OsDiskStorageType',
    });
    checkBuildImagePatching(v, 'image', props.image);
    const { own: ownNetwork, addressSpace, subnetPrefix } = checkOwnNetwork(v, 'GoldenVm', props);
    const management = managementAccess(v, props);
    if (!ownNetwork && management.prop !== undefined) {
      v.fail(management.prop, props.managementSourceRange ?? props.rdpSourceRange, 'only applies to the network GoldenVm creates, but subnetId was given',
        `remove ${management.prop}, or remove subnetId`);
    }
    if (props.rdpSourceRange !== undefined) {
      Annotations.of(this).addWarning('rdpSourceRange is deprecated: use managementSourceRange (it opens RDP alone unless managementPorts says otherwise).');
    }
    const resourceGroup = checkResourceGroup(v, props, { createdName: `rg-${vmName}` });
    checkTags(v, 'tags', props.tags);
    claimNames(this, v, buildVmNames(props, vmName, resourceGroup.name, ownNetwork));
    claimCreatedResourceGroup(this, v, props.resourceGroupName === undefined ? 'resourceGroupName (from vmName)' : 'resourceGroupName', resourceGroup);
    const { value: password, preconditions: passwordChecks } = adminPassword(this, 'AdminPassword', v, props.adminPassword);
    v.throwIfInvalid();

    this.location = canonicalLocation(props.location);
    this.vmName = vmName;
    this.computerName = computerName;
    this.vmSize = vmSize;
    this.hyperVGeneration = props.image.hyperVGeneration;
    this.purchasePlan = props.image.plan;
    this.osDiskStorageType = props.osDiskStorageType ?? OsDiskStorageType.STANDARD_SSD_LRS;
    this.adminUsername = props.adminUsername ?? 'goldenadmin';
    this.adminPassword = password;
    const tags = props.tags;

    const group = placeResourceGroup(this, resourceGroup, this.location, tags);
    this.resourceGroup = group.resourceGroup;
    this.resourceGroupName = group.resourceGroupName;
    const placement = { resourceGroupName: this.resourceGroupName, location: this.location, tags };

    let subnetId = props.subnetId;
    if (subnetId === undefined) {
      const vnet = new VirtualNetwork(this, 'VirtualNetwork', { ...placement, name: `vnet-${vmName}`, addressSpace: [addressSpace] });
      const subnet = new Subnet(this, 'Subnet', {
        name: `snet-${vmName}`,
        resourceGroupName: this.resourceGroupName,
        virtualNetworkName: vnet.name,
        addressPrefixes: [subnetPrefix],
        // Outbound access for a VM without public IP: Run Command returns the setup's and Sysprep's output only with
        // it ("Run scripts in your Windows VM by using action Run Commands": the VM needs outbound connectivity), and
        // Windows activates through it. azurerm's default today (subnet_resource.go:273-277 at v4.55.0), stated so a
        // provider or Azure default that makes new subnets private cannot silently cut the build off.
        defaultOutboundAccessEnabled: true,
      });
      // No inbound rule unless asked: Azure's default rules then deny all inbound traffic from the Internet.
      this.networkSecurityGroup = new NetworkSecurityGroup(this, 'NetworkSecurityGroup', {
        ...placement,
        name: `nsg-${vmName}`,
        securityRule: management.rule === undefined ? [] : [management.rule],
        lifecycle: management.preconditions ? { precondition: management.preconditions } : undefined,
      });
      new SubnetNetworkSecurityGroupAssociation(this, 'SubnetNsgAssociation', {
        subnetId: subnet.id,
        networkSecurityGroupId: this.networkSecurityGroup.id,
      });
      subnetId = subnet.id;
    }

    if (props.publicIp) {
      this.publicIpAddress = new PublicIp(this, 'PublicIp', { ...placement, name: `pip-${vmName}`, allocationMethod: 'Static', sku: 'Standard' });
    }
    this.networkInterface = new NetworkInterface(this, 'NetworkInterface', {
      ...placement,
      name: `nic-${vmName}`,
      ipConfiguration: [{
        name: 'primary',
        subnetId,
        privateIpAddressAllocation: 'Dynamic',
        publicIpAddressId: this.publicIpAddress?.id,
      }],
    });

    this.securityType = securityType;
    this.platformImage = props.image.version === 'latest' ? new DataAzurermPlatformImage(this, 'BaseImage', {
      location: this.location,
      publisher: props.image.publisher,
      offer: props.image.offer,
      sku: props.image.sku,
    }) : undefined;
    this.baseImageVersion = this.platformImage?.version ?? props.image.version;

    const sourceImageReference = {
      publisher: props.image.publisher,
      offer: props.image.offer,
      sku: props.image.sku,
      version: this.baseImageVersion,
    };
    const osDisk = { caching: 'ReadWrite', storageAccountType: this.osDiskStorageType };
    const customData = Buffer.from(props.setup.renderScript(), 'utf8').toString('base64');
    // Every input of the VM: the VM ignores changes of its own arguments and is replaced when this changes, so a
    // generalized VM is never updated in place (Azure would refuse it), whatever changed, tags included.
    const buildSpec = new TerraformData(this, 'BuildSpec', {
      triggersReplace: {
        name: vmName,
        resource_group_name: this.resourceGroupName,
        location: this.location,
        computer_name: computerName,
        size: vmSize,
        source_image_reference: sourceImageReference,
        security_type: securityType,
        os_disk: { caching: osDisk.caching, storage_account_type: osDisk.storageAccountType },
        network_interface_ids: [this.networkInterface.id],
        admin_username: this.adminUsername,
        patch_mode: NO_SELF_PATCHING_VM.patchMode,
        automatic_updates_enabled: NO_SELF_PATCHING_VM.automaticUpdatesEnabled,
        // A hash: the password itself stays in the VM's and the generator's state only.
        admin_password_sha256: Fn.sha256(password),
        custom_data_sha256: props.setup.scriptHash,
        tags: tags ?? {},
        // Only with a plan: the specs of earlier builds, without one, stay the same.
        ...(props.image.plan ? { plan: planBlock(props.image.plan) } : {}),
      },
    });

    this.buildSpec = buildSpec;
    this.baseImageCheck = this.platformImage === undefined && !hasPlanToCheck(props.image) ? undefined
      : checkBaseImage(this, props.image, buildSpec, this.platformImage);

    this.virtualMachine = new WindowsVirtualMachine(this, 'VirtualMachine', {
      ...placement,
      name: vmName,
      computerName,
      size: vmSize,
      adminUsername: this.adminUsername,
      adminPassword: password,
      networkInterfaceIds: [this.networkInterface.id],
      sourceImageReference,
      // A third-party image's purchase plan: Azure creates the VM only with it (and its terms accepted).
      plan: planBlock(props.image.plan),
      osDisk,
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
      customData,
      lifecycle: {
        ignoreChanges: 'all',
        replaceTriggeredBy: [buildSpec.address],
        precondition: passwordChecks.length > 0 || zoneChecks ? [...passwordChecks, ...zoneChecks ? [zoneChecks] : []] : undefined,
      },
      // A `latest` version is checked before the VM is made from it.
      dependsOn: this.baseImageCheck === undefined ? undefined : [this.baseImageCheck],
    });
    this.vmId = this.virtualMachine.id;

    const revision = new TerraformData(this, 'BuildRevision', {
      triggersReplace: this.vmId,
      // The plan time of the VM's creation: kept (ignore_changes) until the VM is replaced.
      input: Fn.formatdate(BUILD_REVISION_FORMAT, Fn.plantimestamp()),
      lifecycle: { ignoreChanges: ['input'] },
    });
    this.buildRevisionResource = revision;
    this.buildRevision = revision.output;

    this.setupStep = operatorStep(this, 'Setup', {
      step: 'setup',
      // Once per build VM: a new VM is set up anew, the same one never twice.
      triggersReplace: this.vmId,
      environment: setupEnvironment({
        subscriptionId: subscriptionOf(this.vmId),
        resourceGroup: this.resourceGroupName,
        vmName,
        guestDirectory: guestDirectory(this),
        setupMinutes: environmentNumber(setupTimeoutMinutes),
        expectedSecurityType: securityType,
        expectedHyperVGeneration: this.hyperVGeneration,
        keepSetupFiles: props.keepSetupFiles ?? false,
      }),
      lifecycle: withPreconditions(setupTimeoutChecks),
    });
    this.readyForCapture = [this.setupStep];
  }

  /** Private IP address of the build VM. */
  public get privateIpAddress(): string {
    return this.virtualMachine.privateIpAddress;
  }
}

markKind(GoldenVm, 'GoldenVm');

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

