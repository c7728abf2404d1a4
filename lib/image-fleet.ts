import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import type { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import {
  Annotations, Fn, Op, TerraformIterator, TerraformLocal, TerraformOutput, TerraformResource, Token,
} from 'cdktf';
import { Construct } from 'constructs';
import { IImage, SecurityType } from './image';
import { ManagementPort } from './management-port';
import { FLEET_VERIFY_TIMEOUT_MINUTES, verifyFleetEnvironment } from './operator/steps/verify-fleet';
import { IMAGE } from './private/images/image-kinds';
import { planBlock } from './private/images/purchase-plan';
import { COMPUTER_NAME_MAX_LENGTH, isVmSize } from './private/naming/azure-names';
import { AZURE_RESOURCE, claimCreatedResourceGroup, claimNames, NameClaim, resourceGroupScope } from './private/naming/name-claims';
import { canonicalLocation, checkCommonNames } from './private/naming/regions';
import { checkResourceGroup, placeResourceGroup } from './private/naming/resource-group';
import { subnetPrefixLengthFor, usableSubnetAddresses } from './private/network/cidr';
import { managementAccess } from './private/network/management-access';
import { checkOwnNetwork } from './private/network/own-network';
import { PageConsumer, servedPageOf } from './private/network/served-page';
import { checkNumberInput, environmentNumber, operatorStep } from './private/steps/operator-step';
import { sameKeyAttribute, inStackOf } from './private/terraform/references';
import { TerraformData } from './private/terraform/terraform-data';
import { checkNumber, wholeNumberBetween } from './private/validation/number-rules';
import { withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, checkPropTypes, enumOf, listOf, NUMBER, SECRET_STRING, STRING, STRING_MAP, struct } from './private/validation/prop-types';
import { describeValue, isUnresolved, PropsValidator, requireProps } from './private/validation/props-validator';
import { checkTags } from './private/validation/tags';
import { checkAdminUsername } from './private/vm/admin-username';
import { adminPassword } from './private/vm/credentials';
import { checkVmSizeForImage, registerDeployments } from './private/vm/image-use';
import { NO_SELF_PATCHING_VM } from './private/vm/patching';
import { appSecurityRules, checkAppPort, checkWindowsImage, MAX_PORT, reportVcpus, webNetwork, webNetworkClaims } from './private/vm/web-fleet';

/** What happens to a fleet's VMs when its image changes. */
export enum FleetRollout {
  /**
   * Every instance gets a new VM, NIC and public IP from the new image before its old ones are removed (create before
   * destroy; the Azure names carry the image revision). Never all down at once, but twice the capacity for a while,
   * and new IP addresses. Needs the image from another stack or configuration (`ManagedImage.fromImageId`).
   */
  NEW_BEFORE_OLD = 'NewBeforeOld',
  /**
   * Terraform's default: every VM is destroyed, then created again from the new image. The fleet is down meanwhile.
   * For an image built in the same stack, or a fleet whose downtime does not matter.
   */
  ALL_AT_ONCE = 'AllAtOnce',
}

/** Props of `ImageFleet`. */
export interface ImageFleetProps {
  /**
   * The image every VM is created from, in the fleet's region: a managed image (e.g. an `ImageCopy`) or a gallery
   * image version (by version, or its definition's latest). Windows only.
   */
  readonly image: IImage;
  /**
   * Security type of the VMs. Trusted Launch (Secure Boot and vTPM) needs a gallery image of the TrustedLaunch or
   * TrustedLaunchSupported type; a TrustedLaunch image takes Trusted Launch VMs only; managed images take Standard VMs
   * only.
   *
   * @default - SecurityType.TRUSTED_LAUNCH where the image supports it, SecurityType.STANDARD otherwise
   */
  readonly securityType?: SecurityType;
  /**
   * Number of VMs, 1-9999 (`ImageFleet.MAX_COUNT`). Changing it adds or removes the highest-numbered VMs only.
   */
  readonly count: number;
  /**
   * Resource group for the VMs and their network: an existing group, or the name of the group to create with
   * `createResourceGroup: true`.
   *
   * @default - the group ImageFleet creates, `rg-<namePrefix>`
   */
  readonly resourceGroupName?: string;
  /**
   * Create the resource group (`resourceGroupName`, or `rg-<namePrefix>`) rather than use an existing one. The same
   * rule in every construct of this library.
   *
   * @default - true without `resourceGroupName`, false with it
   */
  readonly createResourceGroup?: boolean;
  /**
   * Azure region; VMs can only be created from an image in their own region (a gallery version: one of its regions).
   *
   * @default - the image's region
   */
  readonly location?: string;
  /**
   * Start of every instance name: instance `i` is named `<namePrefix><i>` with `i` zero-padded to four digits
   * (`web0001`, `web0002`, ...). The instance name is the Windows computer name and the key of the instance's
   * Terraform addresses; the Azure names of its VM, NIC and public IP add the image revision (`web0001-1a2b3c`,
   * `nic-web0001-1a2b3c`, `pip-web0001-1a2b3c`). A letter first, then letters, digits and hyphens; at most 11
   * characters so that the computer names fit Windows' 15.
   */
  readonly namePrefix: string;
  /**
   * VM size.
   *
   * @default 'Standard_D2s_v5'
   */
  readonly vmSize?: string;
  /**
   * Give every VM a static Standard public IP, like `az vm create` does. The addresses are static for the life of
   * an image: a new image brings new public IPs (see `ImageFleet`).
   *
   * @default true
   */
  readonly publicIp?: boolean;
  /**
   * TCP port of the application, opened to the Internet (1-65535; not SSH, RDP or WinRM). An image whose setup's page
   * is known must serve it there (`WindowsSetup.iisAspNet()` without steps of your own: port 80).
   *
   * @default 80
   */
  readonly appPort?: number;
  /**
   * Source range (IPv4 CIDR) allowed to reach the `managementPorts` (RDP by default) of every VM. The whole Internet
   * is refused.
   *
   * @default - no management port is open
   */
  readonly managementSourceRange?: string;
  /**
   * The ports `managementSourceRange` opens.
   *
   * @default [ManagementPort.RDP]
   */
  readonly managementPorts?: ManagementPort[];
  /**
   * Administrator user name of every VM.
   *
   * @default 'fleetadmin'
   */
  readonly adminUsername?: string;
  /**
   * Administrator password of every VM, as a token (a sensitive `TerraformVariable` or a Key Vault secret); a literal
   * is rejected because it would be written in plain text to cdk.tf.json. Azure sets it only when it creates a VM, so
   * a new password (like a new `adminUsername`) needs new VMs: change it together with the image, otherwise the new
   * VMs would have the old ones' names and Terraform stops with "already exists" before it destroys anything.
   *
   * @default - 24 random characters generated by Terraform, kept in state only
   */
  readonly adminPassword?: string;
  /**
   * An existing subnet for the NICs (in the fleet's region).
   *
   * @default - a new VNet (`addressSpace`) with one subnet (`subnetPrefix`)
   */
  readonly subnetId?: string;
  /**
   * Address space of the VNet created when no `subnetId` is given.
   *
   * @default '10.0.0.0/16'
   */
  readonly addressSpace?: string;
  /**
   * Prefix of the subnet created when no `subnetId` is given; inside `addressSpace`, with an address for every VM,
   * and for twice as many during an image rollout (Azure keeps 5 per subnet: a /24 holds 251 NICs, a /20 4091).
   *
   * @default '10.0.0.0/24'
   */
  readonly subnetPrefix?: string;
  /**
   * After deployment, fetch every VM's URL from the machine that runs Terraform until the page contains the VM's
   * computer name (the golden image's page), and fail the apply otherwise. The operator program's `verify-fleet` step
   * does it with Node.js alone (no az, no curl); it needs a route to the VMs: their public IPs, or the network itself
   * without them.
   *
   * @default false
   */
  readonly verifyUrls?: boolean;
  /**
   * How long the URL check waits for all VMs to answer, in minutes (1-60).
   *
   * @default 15
   */
  readonly verifyTimeoutMinutes?: number;
  /**
   * What happens when the image changes. `NEW_BEFORE_OLD` needs the image from another stack: Terraform extends
   * create-before-destroy to everything the VMs depend on, so a build VM or image in the same stack would be re-created
   * beside the old one under the same name, which Azure refuses.
   *
   * @default FleetRollout.NEW_BEFORE_OLD
   */
  readonly rollout?: FleetRollout;
  /**
   * Add Terraform outputs named `<outputPrefix>_instance_names`, `<outputPrefix>_private_ips`,
   * `<outputPrefix>_public_ips` (with public IPs) and `<outputPrefix>_urls` (a letter or underscore first, then
   * letters, digits, underscores and hyphens). Two fleets in one stack need two prefixes.
   *
   * @default - no outputs: the same values are `instanceNames`, `privateIpAddresses`, `publicIpAddresses` and `urls`
   */
  readonly outputPrefix?: string;
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** `ImageFleetProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const IMAGE_FLEET_PROPS = struct<ImageFleetProps>('ImageFleetProps', {
  image: IMAGE,
  securityType: enumOf('SecurityType', SecurityType),
  count: NUMBER,
  resourceGroupName: STRING,
  createResourceGroup: BOOLEAN,
  location: STRING,
  namePrefix: STRING,
  vmSize: STRING,
  publicIp: BOOLEAN,
  appPort: NUMBER,
  managementSourceRange: STRING,
  managementPorts: listOf(enumOf('ManagementPort', ManagementPort)),
  adminUsername: STRING,
  adminPassword: SECRET_STRING,
  subnetId: STRING,
  addressSpace: STRING,
  subnetPrefix: STRING,
  verifyUrls: BOOLEAN,
  verifyTimeoutMinutes: NUMBER,
  rollout: enumOf('FleetRollout', FleetRollout),
  outputPrefix: STRING,
  tags: STRING_MAP,
}, "{ image, count: 3, namePrefix: 'web' }");

const INDEX_DIGITS = 4;
/** Largest `count` (ImageFleet.MAX_COUNT): the instance index has four digits. */
const MAX_FLEET_COUNT = 10 ** INDEX_DIGITS - 1;
const FLEET_COUNT = wholeNumberBetween(1, MAX_FLEET_COUNT, `is not a whole number between 1 and ${MAX_FLEET_COUNT}`,
  `pass 1-${MAX_FLEET_COUNT}; beyond a few hundred VMs a VM scale set fits better (and the subscription's vCPU quota is usually lower)`);
/** What a fleet does with the page its image serves. */
const FLEET_PAGE_CONSUMER: PageConsumer = {
  plainHttp: "the fleet's URLs and their verification (verifyUrls) use plain http",
  consequence: 'every URL of the fleet would go unanswered (and verifyUrls would fail the deployment)',
};
/** Terraform's `range()` refuses to return more than 1024 values: instance numbers come in ranges of a thousand. */
const RANGE_CHUNK = 1000;
/** Hex digits of the image revision in Azure names: 16.7 million values, so successive images practically never share one. */
const REVISION_LENGTH = 6;

/**
 * N Windows VMs from one image (the seed's `az vm create --image ... --count 3`): each with its own computer name,
 * NIC and (by default) static public IP, behind one NSG that opens the application port to the Internet and the
 * management ports (RDP by default) only to a given range. Its names, IP addresses and URLs are attributes, and
 * Terraform outputs with `outputPrefix`.
 *
 * Each kind of resource is one block with `for_each` over a map keyed by instance name, computed by Terraform from
 * `count` and `namePrefix`: the synthesized JSON has the same size for 3 or 300 VMs (one `range()` more per thousand
 * beyond), every VM has a stable address (`azurerm_windows_virtual_machine.<name>["web0002"]`), and removing one
 * shifts no other.
 *
 * The VMs are Trusted Launch (Secure Boot and vTPM) when the image is a gallery image that supports it, and of the
 * Standard security type otherwise (managed images): see `securityType`.
 *
 * Image rollout: a new image (a different image id) replaces every VM create-before-destroy. Terraform first creates,
 * for every instance, a new public IP, NIC, NSG association and VM; it destroys an old VM only once its replacement
 * exists (with `verifyUrls`, only once every new URL has answered), then the old VM's association, NIC and public IP.
 * For the new resources to exist beside the old ones, the Azure names of the VMs, NICs and public IPs carry the image
 * revision, six hex digits of the SHA-1 of the image id computed by Terraform (`web0001-1a2b3c`); computer names and
 * Terraform addresses stay the instance names, so two VMs briefly share a computer name. A NIC attaches to one VM and
 * a public IP to one NIC, so new VMs need new NICs and new public IPs: **every private and public IP address, and so
 * every URL, changes with the image**. Put a load balancer in front of the fleet for stable addresses. During a
 * rollout the fleet exists twice: vCPU and public IP quotas and the subnet must hold both.
 *
 * Terraform extends create-before-destroy to everything the VMs depend on. An image made in the same configuration
 * (`GeneralizedImage`, `ImageCopy`) is then also replaced create-before-destroy when it is rebuilt, which fails for
 * resources whose Azure names do not change (a build VM, an image name). Deploy the fleet from a stack of its own
 * instead, from `ManagedImage.fromImageId` with the image stack's image id: Terraform configurations do not share
 * lifecycles.
 */
export class ImageFleet extends Construct {
  /** Largest `count`: the instance index has four digits, so names never change when the fleet grows or shrinks. */
  public static readonly MAX_COUNT = MAX_FLEET_COUNT;
  /** Longest `namePrefix`, so that `<prefix><4 digits>` fits a Windows computer name. */
  public static readonly MAX_NAME_PREFIX_LENGTH = COMPUTER_NAME_MAX_LENGTH - INDEX_DIGITS;

  /** The VMs: one resource block, one instance per name. */
  public readonly virtualMachines: WindowsVirtualMachine;
  /** The NICs, one per VM. */
  public readonly networkInterfaces: NetworkInterface;
  /** The public IPs, one per VM, unless `publicIp` is false. */
  public readonly publicIps?: PublicIp;
  /** The NSG of every NIC. */
  public readonly networkSecurityGroup: NetworkSecurityGroup;
  /** The VNet created when no subnet was given. */
  public readonly virtualNetwork?: VirtualNetwork;
  /** The subnet created when no subnet was given. */
  public readonly subnet?: Subnet;
  /** The URL check, with `verifyUrls`. */
  public readonly urlCheck?: TerraformResource;
  /**
   * A `terraform_data` replaced whenever the image id changes; its replacement replaces every VM, NIC and public IP
   * (`replace_triggered_by`). Resources of your own that must follow the image can use it the same way.
   */
  public readonly imageRevision: TerraformResource;

  /**
   * Instance names: the Windows computer names and the keys of the per-instance resources (the Azure names add the
   * image revision); known at synth time unless `count` or `namePrefix` is a token.
   */
  public readonly instanceNames: string[];
  /** Private IP address per instance name. */
  public readonly privateIpAddresses: { [name: string]: string };
  /** Public IP address per instance name, with public IPs. */
  public readonly publicIpAddresses?: { [name: string]: string };
  /** Application URL per instance name (public IP, or private IP without public IPs). */
  public readonly urls: { [name: string]: string };
  /** Output `<outputPrefix>_instance_names` (a list), with `outputPrefix`. */
  public readonly instanceNamesOutput?: TerraformOutput;
  /** Output `<outputPrefix>_private_ips`, by instance name, with `outputPrefix`. */
  public readonly privateIpAddressesOutput?: TerraformOutput;
  /** Output `<outputPrefix>_public_ips`, by instance name, with `outputPrefix` and public IPs. */
  public readonly publicIpAddressesOutput?: TerraformOutput;
  /** Output `<outputPrefix>_urls`, by instance name, with `outputPrefix`. */
  public readonly urlsOutput?: TerraformOutput;
  /** The resource group, when ImageFleet creates it. */
  public readonly resourceGroup?: ResourceGroup;

  /** Region of the VMs. */
  public readonly location: string;
  /** Security type of the VMs. */
  public readonly securityType: SecurityType;
  /** Administrator user name. */
  public readonly adminUsername: string;
  /** Administrator password (a token; sensitive in Terraform). */
  public readonly adminPassword: string;

  constructor(scope: Construct, id: string, props: ImageFleetProps) {
    super(scope, id);
    const v = new PropsValidator(`ImageFleet '${this.node.path}'`);
    requireProps(v, props, {
      image: "pass the image to deploy, e.g. an ImageCopy, a GalleryImageVersion or ManagedImage.fromImageId(this, 'Golden', { ... })",
      count: 'pass the number of VMs, e.g. 3',
      namePrefix: "pass the prefix of the VM names, e.g. 'web'",
    });
    props = checkPropTypes(v, props, IMAGE_FLEET_PROPS);
    v.throwIfInvalid();
    const image = props.image;
    const location = props.location ?? image.location;
    const vmSize = props.vmSize ?? 'Standard_D2s_v5';
    const appPort = props.appPort ?? 80;
    const publicIp = props.publicIp ?? true;
    const verifyTimeoutMinutes = props.verifyTimeoutMinutes ?? FLEET_VERIFY_TIMEOUT_MINUTES.default;

    checkCommonNames(v, this, { location: props.location });
    const resourceGroup = checkResourceGroup(v, props, { createdName: `rg-${props.namePrefix}` });
    v.check('outputPrefix', props.outputPrefix, (p) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p),
      'is not a Terraform output name prefix (a letter or underscore, then letters, digits, underscores and hyphens)', "pass e.g. 'fleet'");
    const countChecks = checkNumber(v, 'count', props.count, [FLEET_COUNT]);
    v.check('namePrefix', props.namePrefix, (p) => /^[A-Za-z][A-Za-z0-9-]*$/.test(p),
      'is not a valid name prefix (a letter, then letters, digits and hyphens)', "pass e.g. 'web'");
    v.check('namePrefix', props.namePrefix, (p) => p.length <= ImageFleet.MAX_NAME_PREFIX_LENGTH,
      `is too long: instance names such as ${describeValue(`${props.namePrefix}${'1'.padStart(INDEX_DIGITS, '0')}`)} must fit the ${COMPUTER_NAME_MAX_LENGTH} characters of a Windows computer name`,
      `shorten it to at most ${ImageFleet.MAX_NAME_PREFIX_LENGTH} characters`);
    v.check('vmSize', vmSize, isVmSize, "is not a VM size such as 'Standard_D2s_v5'", 'pick one from `az vm list-sizes --location <location> -o table`');
    const appPortPreconditions = checkAppPort(v, appPort, { maxPort: MAX_PORT, page: servedPageOf(image), consumer: FLEET_PAGE_CONSUMER });
    checkAdminUsername(v, props.adminUsername, 'fleetadmin');
    const verifyTimeoutChecks = checkNumberInput(v, FLEET_VERIFY_TIMEOUT_MINUTES, verifyTimeoutMinutes, 'minutes');
    const management = managementAccess(v, props);
    const securityType = checkWindowsImage(v, 'ImageFleet', image, location, props.securityType);
    checkVmSizeForImage(this, v, vmSize, image, securityType, props.securityType !== undefined);
    const { addressSpace, subnetPrefix, literalAndContained } = checkOwnNetwork(v, 'ImageFleet', props);
    if (literalAndContained) {
      if (!isUnresolved(props.count) && props.count > usableSubnetAddresses(subnetPrefix)) {
        v.fail('subnetPrefix', subnetPrefix, `has room for ${usableSubnetAddresses(subnetPrefix)} NICs (Azure keeps 5 addresses), not ${props.count}`,
          `pass a /${subnetPrefixLengthFor(props.count)} or larger, a /${subnetPrefixLengthFor(2 * props.count)} for image rollouts (they hold both fleets' NICs)`);
      } else if (!isUnresolved(props.count) && 2 * props.count > usableSubnetAddresses(subnetPrefix)) {
        Annotations.of(this).addWarning(`subnetPrefix '${subnetPrefix}' has room for ${usableSubnetAddresses(subnetPrefix)} NICs: enough for ${props.count} VMs, `
          + `but an image rollout creates ${props.count} new NICs before it removes the old ones and would stop when the subnet is full. `
          + `Pass a /${subnetPrefixLengthFor(2 * props.count)} or larger.`);
      }
    }
    if (props.verifyUrls && !publicIp) {
      Annotations.of(this).addWarning('verifyUrls without publicIp fetches the private IPs: Terraform must run inside the VMs\' network.');
    }
    const rolloutMode = props.rollout ?? FleetRollout.NEW_BEFORE_OLD;
    // What of the image is made in this stack: an image of another stack is waited for through its id.
    const imageDependables = inStackOf(this, image.imageDependables);
    if (!Object.values(FleetRollout).includes(rolloutMode)) {
      v.fail('rollout', rolloutMode, 'is not a FleetRollout', 'pass FleetRollout.NEW_BEFORE_OLD or FleetRollout.ALL_AT_ONCE');
    } else if (rolloutMode === FleetRollout.NEW_BEFORE_OLD && imageDependables.length > 0) {
      v.fail('rollout', rolloutMode, 'needs an image made in another stack, but this image is made in this one: Terraform extends '
        + 'create-before-destroy to everything the VMs depend on, so a rebuilt build VM or image would be created beside the old '
        + 'one under the same name, which Azure refuses',
      'deploy the fleet from a stack of its own with ManagedImage.fromImageId(...) and the image stack\'s image id '
        + '(as examples/golden-image does), or pass rollout: FleetRollout.ALL_AT_ONCE');
    }
    checkTags(v, 'tags', props.tags);
    claimNames(this, v, fleetNames(props, resourceGroup.name, rolloutMode, publicIp));
    claimCreatedResourceGroup(this, v, props.resourceGroupName === undefined ? 'resourceGroupName (from namePrefix)' : 'resourceGroupName', resourceGroup);
    const { value: password, preconditions: passwordChecks } = adminPassword(this, 'AdminPassword', v, props.adminPassword);
    v.throwIfInvalid();
    registerDeployments(this, image, location, props.count);
    reportVcpus(this, props.count, vmSize, canonicalLocation(location),
      rolloutMode === FleetRollout.NEW_BEFORE_OLD ? { count: 2 * props.count, during: 'during an image rollout (new VMs before old)' } : undefined);

    this.location = canonicalLocation(location);
    this.securityType = securityType;
    this.adminUsername = props.adminUsername ?? 'fleetadmin';
    this.adminPassword = password;
    const prefix = props.namePrefix;
    const port = isUnresolved(appPort) ? Token.asString(appPort) : String(appPort);
    const tags = props.tags;
    const group = placeResourceGroup(this, resourceGroup, this.location, tags);
    this.resourceGroup = group.resourceGroup;
    const placement = { resourceGroupName: group.resourceGroupName, location: this.location, tags };

    // Terraform computes the names, so the JSON hardly grows with count: {"web0001" = "web0001", ...}.
    const nameList = Fn.formatlist(`%s%0${INDEX_DIGITS}d`, [prefix, instanceNumbers(props.count)]);
    const instances = new TerraformLocal(this, 'Instances', Fn.zipmap(nameList, nameList));
    const instance = TerraformIterator.fromMap(instances.asAnyMap);
    this.instanceNames = isUnresolved(props.count) || isUnresolved(prefix)
      ? Token.asList(Fn.keys(instances.asAnyMap))
      : literalInstanceNames(prefix, props.count);

    const network = webNetwork(this, {
      ...placement,
      prefix,
      addressSpace,
      subnetPrefix,
      subnetId: props.subnetId,
      rules: appSecurityRules(port, management),
      preconditions: [...management.preconditions ?? [], ...appPortPreconditions],
    });
    this.virtualNetwork = network.virtualNetwork;
    this.subnet = network.subnet;
    this.networkSecurityGroup = network.networkSecurityGroup;
    const subnetId = network.subnetId;

    // Image rollout: a new image replaces the revision, which replaces every VM, NIC and public IP, new ones first.
    // Their Azure names carry the revision so that both sets can exist at once; Terraform computes it because the
    // image id is often known only at apply time. The NIC and public IP must be new too: a NIC attaches to one VM,
    // a public IP to one NIC.
    const fleetChecks = [...countChecks, ...passwordChecks];
    const imageRevision = new TerraformData(this, 'ImageRevision', {
      triggersReplace: image.imageId,
      // A single resource that every VM follows: its preconditions are checked once, not per VM.
      lifecycle: fleetChecks.length > 0 ? { precondition: fleetChecks } : undefined,
    });
    this.imageRevision = imageRevision;
    const newBeforeOld = rolloutMode === FleetRollout.NEW_BEFORE_OLD;
    const nameSuffix = newBeforeOld ? `-${Fn.substr(Fn.sha1(image.imageId), 0, REVISION_LENGTH)}` : '';
    const rollout = newBeforeOld ? { createBeforeDestroy: true, replaceTriggeredBy: [imageRevision.address] } : undefined;

    if (publicIp) {
      this.publicIps = new PublicIp(this, 'PublicIp', {
        ...placement,
        forEach: instance,
        name: `pip-${instance.key}${nameSuffix}`,
        allocationMethod: 'Static',
        sku: 'Standard',
        lifecycle: rollout,
      });
    }
    this.networkInterfaces = new NetworkInterface(this, 'NetworkInterface', {
      ...placement,
      forEach: instance,
      name: `nic-${instance.key}${nameSuffix}`,
      lifecycle: rollout,
      ipConfiguration: [{
        name: 'primary',
        subnetId,
        privateIpAddressAllocation: 'Dynamic',
        publicIpAddressId: this.publicIps ? sameKeyAttribute(this.publicIps, 'id') : undefined,
      }],
    });
    // On the NICs rather than the subnet: the same rules whether the subnet is the fleet's own or given.
    // A new NIC gets a new association (network_interface_id forces it), created before the old one is removed. The
    // VMs depend on it: a new VM starts behind its NSG, and an old NIC keeps its NSG as long as its old VM runs
    // (without an NSG, a Standard public IP takes no traffic). No replace_triggered_by: replacing an association on
    // the same NIC fails in azurerm ("already exists", a NIC has one NSG), and removing the old one would detach it.
    const nsgAssociation = new NetworkInterfaceSecurityGroupAssociation(this, 'NetworkInterfaceNsg', {
      forEach: instance,
      networkInterfaceId: sameKeyAttribute(this.networkInterfaces, 'id'),
      networkSecurityGroupId: this.networkSecurityGroup.id,
      lifecycle: newBeforeOld ? { createBeforeDestroy: true } : undefined,
    });

    this.virtualMachines = new WindowsVirtualMachine(this, 'VirtualMachine', {
      ...placement,
      forEach: instance,
      name: `${instance.key}${nameSuffix}`,
      // The instance's identity: unchanged by a rollout, and what the URL check expects on the page.
      computerName: instance.key,
      size: vmSize,
      adminUsername: this.adminUsername,
      adminPassword: password,
      networkInterfaceIds: [sameKeyAttribute(this.networkInterfaces, 'id')],
      sourceImageId: image.imageId,
      // The plan of the marketplace image the image comes from: Azure creates the VMs only with it.
      plan: planBlock(image.purchasePlan),
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
      // The security type, stated explicitly (Trusted Launch: Secure Boot and vTPM).
      secureBootEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      vtpmEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      provisionVmAgent: true,
      // Patched by the next image rolling out, not by Windows Update restarting VMs on its own (lib/private/vm/patching.ts).
      ...NO_SELF_PATCHING_VM,
      dependsOn: [nsgAssociation, ...imageDependables],
      lifecycle: rollout,
    });

    const vms = TerraformIterator.fromResources(this.virtualMachines);
    const addressSource = this.publicIps ? TerraformIterator.fromResources(this.publicIps) : vms;
    const addressAttribute = this.publicIps ? 'ip_address' : 'private_ip_address';
    const urlFormat = appPort === 80 ? '"http://%s/"' : '"http://%s:%d/"';
    const urlArguments = appPort === 80 ? `val.${addressAttribute}` : `val.${addressAttribute}, ${port}`;
    this.privateIpAddresses = Token.asStringMap(vms.forExpressionForMap('key', 'val.private_ip_address'));
    this.publicIpAddresses = this.publicIps
      ? Token.asStringMap(TerraformIterator.fromResources(this.publicIps).forExpressionForMap('key', 'val.ip_address'))
      : undefined;
    this.urls = Token.asStringMap(addressSource.forExpressionForMap('key', `format(${urlFormat}, ${urlArguments})`));

    if (props.outputPrefix !== undefined) {
      const output = (suffix: string, description: string, value: unknown): TerraformOutput => {
        const out = new TerraformOutput(this, `Output_${suffix}`, { description, value });
        out.overrideLogicalId(`${props.outputPrefix}_${suffix}`);
        return out;
      };
      this.instanceNamesOutput = output('instance_names', 'Instance names: the Windows computer names (the Azure VM names add the image revision).', vms.keys());
      this.privateIpAddressesOutput = output('private_ips', 'Private IP address of each VM, by name.', this.privateIpAddresses);
      if (this.publicIpAddresses) {
        this.publicIpAddressesOutput = output('public_ips', 'Public IP address of each VM, by name.', this.publicIpAddresses);
      }
      this.urlsOutput = output('urls', 'Application URL of each VM, by name.', this.urls);
    }

    if (props.verifyUrls) {
      // `name=url` pairs separated by spaces: names and URLs hold neither.
      const targets = addressSource.forExpressionForList(`format("%s=${urlFormat.slice(1, -1)}", key, ${urlArguments})`);
      this.urlCheck = operatorStep(this, 'UrlCheck', {
        step: 'verify-fleet',
        // A changed address or instance set checks again.
        triggersReplace: this.urls,
        dependsOn: [this.virtualMachines],
        environment: verifyFleetEnvironment({
          targets: Fn.join(' ', Token.asList(targets)),
          timeoutMinutes: environmentNumber(verifyTimeoutMinutes),
        }),
        lifecycle: withPreconditions(verifyTimeoutChecks),
      });
    }
  }
}

/**
 * The list 1..count for `formatlist`, as `range()` calls of at most RANGE_CHUNK numbers each: one for up to a thousand
 * VMs, as many as needed for a literal count; for a count known only to Terraform, enough for MAX_COUNT, each clamped
 * to the count (`range(n, n)` is empty).
 */
function instanceNumbers(count: number): unknown {
  if (!isUnresolved(count)) {
    const chunks = Array.from({ length: Math.ceil(count / RANGE_CHUNK) },
      (_, k) => Fn.range(k * RANGE_CHUNK + 1, Math.min(count, (k + 1) * RANGE_CHUNK) + 1));
    return chunks.length === 1 ? chunks[0] : Fn.concat(chunks);
  }
  const end = Op.add(count, 1);
  return Fn.concat(Array.from({ length: Math.ceil(ImageFleet.MAX_COUNT / RANGE_CHUNK) },
    (_, k) => Fn.range(k === 0 ? 1 : Fn.min([end, k * RANGE_CHUNK + 1]), Fn.min([end, (k + 1) * RANGE_CHUNK + 1]))));
}

/** `<prefix>0001`, `<prefix>0002`, ...: the instance names Terraform's `formatlist` makes from a literal prefix and count. */
function literalInstanceNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(INDEX_DIGITS, '0')}`);
}

/**
 * The names the fleet makes in its resource group: its network's, and with `ALL_AT_ONCE` every instance's VM, NIC and
 * public IP (`web0001`, `nic-web0001`, `pip-web0001`), computed from a literal prefix and count. With `NEW_BEFORE_OLD`
 * those names carry the image revision, which only Terraform knows.
 */
function fleetNames(props: ImageFleetProps, resourceGroupName: string, rollout: FleetRollout, publicIp: boolean): NameClaim {
  const scope = resourceGroupScope(resourceGroupName);
  const prefix = props.namePrefix;
  const literal = rollout === FleetRollout.ALL_AT_ONCE && !isUnresolved(prefix) && !isUnresolved(props.count)
    && Number.isInteger(props.count) && props.count >= 1 && props.count <= ImageFleet.MAX_COUNT;
  const instances = literal ? literalInstanceNames(prefix, props.count) : [];
  return {
    prop: 'namePrefix',
    value: prefix,
    names: [
      ...webNetworkClaims(resourceGroupName, prefix, props.subnetId !== undefined),
      ...instances.flatMap((name) => [
        { kind: AZURE_RESOURCE.VIRTUAL_MACHINE, scope, name },
        { kind: AZURE_RESOURCE.NETWORK_INTERFACE, scope, name: `nic-${name}` },
        ...publicIp ? [{ kind: AZURE_RESOURCE.PUBLIC_IP, scope, name: `pip-${name}` }] : [],
      ]),
    ],
    fix: 'pass another namePrefix to one of them (every name of the fleet starts with it), or put them in different resource groups',
  };
}
