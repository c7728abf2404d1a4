/**
 * ImageFleet: N standalone Windows VMs from one image, for small fleets (ImageScaleSet serves large ones), with the
 * props that only it has and the rollout of a new image (FleetRollout).
 */
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import type { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import {
  Annotations, Fn, ITerraformDependable, MapTerraformIterator, Op, ResourceTerraformIterator, TerraformIterator, TerraformLocal, TerraformOutput,
  TerraformResource, TerraformResourceLifecycle, Token,
} from 'cdktf';
import { Construct } from 'constructs';
import { CommonFleetProps } from './common-props';
import { SecurityType } from './image';
import { FLEET_VERIFY_TIMEOUT_MINUTES, verifyFleetEnvironment } from './operator/steps/verify-fleet';
import { planBlock } from './private/images/purchase-plan';
import { COMPUTER_NAME_MAX_LENGTH } from './private/naming/azure-names';
import { AZURE_RESOURCE, NameClaim, resourceGroupScope } from './private/naming/name-claims';
import { subnetPrefixLengthFor, usableSubnetAddresses } from './private/network/cidr';
import { PageConsumer } from './private/network/served-page';
import { environmentNumber, operatorStep } from './private/steps/operator-step';
import { inStackOf, sameKeyAttribute } from './private/terraform/references';
import { TerraformData } from './private/terraform/terraform-data';
import { wholeNumberBetween } from './private/validation/number-rules';
import { withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, enumOf, NUMBER, readProps, STRING, struct } from './private/validation/prop-types';
import { describeValue, isUnresolved, PropsValidator } from './private/validation/props-validator';
import { AdminPassword } from './private/vm/credentials';
import { NO_SELF_PATCHING_VM } from './private/vm/patching';
import { COMMON_FLEET_SHAPE } from './private/vm/vm-props';
import { checkFleetProps, finishFleetChecks, fleetOutput, FleetPlacement, FleetRules, FleetSettings, FleetSite, MAX_PORT, placeFleet, reportVcpus, webNetworkClaims } from './private/vm/web-fleet';

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
export interface ImageFleetProps extends CommonFleetProps {
  /**
   * Number of VMs, 1-9999 (`ImageFleet.MAX_COUNT`). Changing it adds or removes the highest-numbered VMs only.
   */
  readonly count: number;
  /**
   * Start of every instance name: instance `i` is named `<namePrefix><i>` with `i` zero-padded to four digits
   * (`web0001`, `web0002`, ...). The instance name is the Windows computer name and the key of the instance's
   * Terraform addresses; the Azure names of its VM, NIC and public IP add the image revision (`web0001-1a2b3c`,
   * `nic-web0001-1a2b3c`, `pip-web0001-1a2b3c`). A letter first, then letters, digits and hyphens; at most 11
   * characters so that the computer names fit Windows' 15.
   */
  readonly namePrefix: string;
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
}

/** `ImageFleetProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const IMAGE_FLEET_PROPS = struct<ImageFleetProps>('ImageFleetProps', {
  ...COMMON_FLEET_SHAPE,
  count: NUMBER,
  namePrefix: STRING,
  publicIp: BOOLEAN,
  appPort: NUMBER,
  verifyUrls: BOOLEAN,
  verifyTimeoutMinutes: NUMBER,
  rollout: enumOf('FleetRollout', FleetRollout),
  outputPrefix: STRING,
}, "{ image, count: 3, namePrefix: 'web' }");

/** What ImageFleet needs, with the fixes its messages give. */
const REQUIRED_PROPS = {
  image: "pass the image to deploy, e.g. an ImageCopy, a GalleryImageVersion or ManagedImage.fromImageId(this, 'Golden', { ... })",
  count: 'pass the number of VMs, e.g. 3',
  namePrefix: "pass the prefix of the VM names, e.g. 'web'",
};

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
/** Longest `namePrefix`, so that `<prefix><4 digits>` fits a Windows computer name. */
const MAX_NAME_PREFIX_LENGTH = COMPUTER_NAME_MAX_LENGTH - INDEX_DIGITS;
/** How ImageFleet's checks of the props every fleet shares differ from ImageScaleSet's (lib/private/vm/web-fleet.ts). */
const FLEET_RULES: FleetRules = {
  constructName: 'ImageFleet',
  count: FLEET_COUNT,
  maxNamePrefixLength: MAX_NAME_PREFIX_LENGTH,
  namePrefixTooLong: (prefix) => `is too long: instance names such as ${describeValue(`${prefix}${'1'.padStart(INDEX_DIGITS, '0')}`)} `
    + `must fit the ${COMPUTER_NAME_MAX_LENGTH} characters of a Windows computer name`,
  outputPrefixExample: 'fleet',
  appPort: { maxPort: MAX_PORT, consumer: FLEET_PAGE_CONSUMER },
  verifyTimeout: FLEET_VERIFY_TIMEOUT_MINUTES,
  defaultSubnetPrefix: '10.0.0.0/24',
};

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
  public static readonly MAX_NAME_PREFIX_LENGTH = MAX_NAME_PREFIX_LENGTH;

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
    const fleet = this.parseProps(props);
    this.location = fleet.location;
    this.securityType = fleet.securityType;
    this.adminUsername = fleet.adminUsername;
    this.adminPassword = fleet.password.value;
    const site = placeFleet(this, fleet);
    this.resourceGroup = site.resourceGroup;
    this.virtualNetwork = site.virtualNetwork;
    this.subnet = site.subnet;
    this.networkSecurityGroup = site.networkSecurityGroup;

    const instances = this.createInstanceMap(fleet);
    const instance = TerraformIterator.fromMap(instances.asAnyMap);
    this.instanceNames = isUnresolved(fleet.count) || isUnresolved(fleet.namePrefix)
      ? Token.asList(Fn.keys(instances.asAnyMap)) : literalInstanceNames(fleet.namePrefix, fleet.count);
    const imageRevision = this.createImageRevision(fleet);
    this.imageRevision = imageRevision;
    const rollout = this.rolloutOf(fleet, imageRevision);
    this.publicIps = fleet.publicIp ? this.createPublicIps(site.placement, instance, rollout) : undefined;
    this.networkInterfaces = this.createNetworkInterfaces(site, instance, rollout);
    const nsgAssociation = this.associateNsg(instance, rollout);
    this.virtualMachines = this.createVms(fleet, site.placement, instance, rollout, nsgAssociation);

    const urls = this.urlSource(fleet.appPort);
    const vms = TerraformIterator.fromResources(this.virtualMachines);
    this.privateIpAddresses = Token.asStringMap(vms.forExpressionForMap('key', 'val.private_ip_address'));
    this.publicIpAddresses = this.publicIps
      ? Token.asStringMap(TerraformIterator.fromResources(this.publicIps).forExpressionForMap('key', 'val.ip_address'))
      : undefined;
    this.urls = Token.asStringMap(urls.addresses.forExpressionForMap('key', `format(${urls.format}, ${urls.arguments})`));
    const outputPrefix = fleet.outputPrefix;
    if (outputPrefix !== undefined) {
      const output = (suffix: string, description: string, value: unknown) => fleetOutput(this, outputPrefix, suffix, description, value);
      this.instanceNamesOutput = output('instance_names', 'Instance names: the Windows computer names (the Azure VM names add the image revision).', vms.keys());
      this.privateIpAddressesOutput = output('private_ips', 'Private IP address of each VM, by name.', this.privateIpAddresses);
      this.publicIpAddressesOutput = this.publicIpAddresses && output('public_ips', 'Public IP address of each VM, by name.', this.publicIpAddresses);
      this.urlsOutput = output('urls', 'Application URL of each VM, by name.', this.urls);
    }
    this.urlCheck = fleet.verifyUrls ? this.createUrlCheck(fleet, urls) : undefined;
  }

  /**
   * Checks the props (those every fleet shares, lib/private/vm/web-fleet.ts, then ImageFleet's own), reporting every
   * problem at once, and resolves each default once.
   */
  private parseProps(given: ImageFleetProps): Fleet {
    const validator = new PropsValidator(`ImageFleet '${this.node.path}'`);
    const props = readProps(validator, given, IMAGE_FLEET_PROPS, REQUIRED_PROPS);
    const shared = checkFleetProps(this, validator, props, FLEET_RULES);
    const publicIp = props.publicIp ?? true;
    const rollout = props.rollout ?? FleetRollout.NEW_BEFORE_OLD;
    this.checkSubnetRoom(validator, shared);
    if (props.verifyUrls && !publicIp) {
      Annotations.of(this).addWarning('verifyUrls without publicIp fetches the private IPs: Terraform must run inside the VMs\' network.');
    }
    // What of the image is made in this stack: an image of another stack is waited for through its id.
    const imageDependables = inStackOf(this, shared.image.imageDependables);
    checkRollout(validator, rollout, imageDependables);
    const password = finishFleetChecks(this, validator, props, shared, fleetNames(props, shared.resourceGroup.name, rollout, publicIp));
    reportVcpus(this, props.count, shared.vmSize, shared.location,
      rollout === FleetRollout.NEW_BEFORE_OLD ? { count: 2 * props.count, during: 'during an image rollout (new VMs before old)' } : undefined);
    return {
      ...shared, password, publicIp, rollout, imageDependables, verifyUrls: props.verifyUrls ?? false, outputPrefix: props.outputPrefix,
    };
  }

  /** Refuses a subnet of the fleet's own too small for its NICs; warns when an image rollout (twice the NICs) would not fit. */
  private checkSubnetRoom(validator: PropsValidator, fleet: FleetSettings): void {
    const { count, network: { subnetPrefix, literalAndContained } } = fleet;
    if (!literalAndContained || isUnresolved(count)) {
      return;
    }
    if (count > usableSubnetAddresses(subnetPrefix)) {
      validator.fail('subnetPrefix', subnetPrefix, `has room for ${usableSubnetAddresses(subnetPrefix)} NICs (Azure keeps 5 addresses), not ${count}`,
        `pass a /${subnetPrefixLengthFor(count)} or larger, a /${subnetPrefixLengthFor(2 * count)} for image rollouts (they hold both fleets' NICs)`);
    } else if (2 * count > usableSubnetAddresses(subnetPrefix)) {
      Annotations.of(this).addWarning(`subnetPrefix '${subnetPrefix}' has room for ${usableSubnetAddresses(subnetPrefix)} NICs: enough for ${count} VMs, `
        + `but an image rollout creates ${count} new NICs before it removes the old ones and would stop when the subnet is full. `
        + `Pass a /${subnetPrefixLengthFor(2 * count)} or larger.`);
    }
  }

  /**
   * The instances, `{"web0001" = "web0001", ...}`: Terraform computes the names from `count` and `namePrefix`, so the
   * JSON hardly grows with the count.
   */
  private createInstanceMap(fleet: Fleet): TerraformLocal {
    const nameList = Fn.formatlist(`%s%0${INDEX_DIGITS}d`, [fleet.namePrefix, instanceNumbers(fleet.count)]);
    return new TerraformLocal(this, 'Instances', Fn.zipmap(nameList, nameList));
  }

  /**
   * Image rollout: a new image replaces the revision, which replaces every VM, NIC and public IP, new ones first.
   * Their Azure names carry the revision so that both sets can exist at once; Terraform computes it because the image
   * id is often known only at apply time. The NIC and public IP must be new too: a NIC attaches to one VM, a public IP
   * to one NIC.
   */
  private createImageRevision(fleet: Fleet): TerraformData {
    const fleetChecks = [...fleet.countChecks, ...fleet.password.preconditions];
    return new TerraformData(this, 'ImageRevision', {
      triggersReplace: fleet.image.imageId,
      // A single resource that every VM follows: its preconditions are checked once, not per VM.
      lifecycle: fleetChecks.length > 0 ? { precondition: fleetChecks } : undefined,
    });
  }

  /** What a new image does to the per-instance resources (see `FleetRollout`). */
  private rolloutOf(fleet: Fleet, imageRevision: TerraformData): Rollout {
    if (fleet.rollout !== FleetRollout.NEW_BEFORE_OLD) {
      return { newBeforeOld: false, nameSuffix: '' };
    }
    return {
      newBeforeOld: true,
      nameSuffix: `-${Fn.substr(Fn.sha1(fleet.image.imageId), 0, REVISION_LENGTH)}`,
      lifecycle: { createBeforeDestroy: true, replaceTriggeredBy: [imageRevision.address] },
    };
  }

  private createPublicIps(placement: FleetPlacement, instance: MapTerraformIterator, rollout: Rollout): PublicIp {
    return new PublicIp(this, 'PublicIp', {
      ...placement,
      forEach: instance,
      name: `pip-${instance.key}${rollout.nameSuffix}`,
      allocationMethod: 'Static',
      sku: 'Standard',
      lifecycle: rollout.lifecycle,
    });
  }

  private createNetworkInterfaces(site: FleetSite, instance: MapTerraformIterator, rollout: Rollout): NetworkInterface {
    return new NetworkInterface(this, 'NetworkInterface', {
      ...site.placement,
      forEach: instance,
      name: `nic-${instance.key}${rollout.nameSuffix}`,
      lifecycle: rollout.lifecycle,
      ipConfiguration: [{
        name: 'primary',
        subnetId: site.subnetId,
        privateIpAddressAllocation: 'Dynamic',
        publicIpAddressId: this.publicIps ? sameKeyAttribute(this.publicIps, 'id') : undefined,
      }],
    });
  }

  /**
   * The NSG, on the NICs rather than the subnet: the same rules whether the subnet is the fleet's own or given.
   * A new NIC gets a new association (network_interface_id forces it), created before the old one is removed. The
   * VMs depend on it: a new VM starts behind its NSG, and an old NIC keeps its NSG as long as its old VM runs
   * (without an NSG, a Standard public IP takes no traffic). No replace_triggered_by: replacing an association on
   * the same NIC fails in azurerm ("already exists", a NIC has one NSG), and removing the old one would detach it.
   */
  private associateNsg(instance: MapTerraformIterator, rollout: Rollout): NetworkInterfaceSecurityGroupAssociation {
    return new NetworkInterfaceSecurityGroupAssociation(this, 'NetworkInterfaceNsg', {
      forEach: instance,
      networkInterfaceId: sameKeyAttribute(this.networkInterfaces, 'id'),
      networkSecurityGroupId: this.networkSecurityGroup.id,
      lifecycle: rollout.newBeforeOld ? { createBeforeDestroy: true } : undefined,
    });
  }

  private createVms(fleet: Fleet, placement: FleetPlacement, instance: MapTerraformIterator, rollout: Rollout,
    nsgAssociation: NetworkInterfaceSecurityGroupAssociation): WindowsVirtualMachine {
    return new WindowsVirtualMachine(this, 'VirtualMachine', {
      ...placement,
      forEach: instance,
      name: `${instance.key}${rollout.nameSuffix}`,
      // The instance's identity: unchanged by a rollout, and what the URL check expects on the page.
      computerName: instance.key,
      size: fleet.vmSize,
      adminUsername: fleet.adminUsername,
      adminPassword: fleet.password.value,
      networkInterfaceIds: [sameKeyAttribute(this.networkInterfaces, 'id')],
      sourceImageId: fleet.image.imageId,
      // The plan of the marketplace image the image comes from: Azure creates the VMs only with it.
      plan: planBlock(fleet.image.purchasePlan),
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
      // The security type, stated explicitly (Trusted Launch: Secure Boot and vTPM).
      secureBootEnabled: fleet.securityType === SecurityType.TRUSTED_LAUNCH,
      vtpmEnabled: fleet.securityType === SecurityType.TRUSTED_LAUNCH,
      provisionVmAgent: true,
      // Patched by the next image rolling out, not by Windows Update restarting VMs on its own (lib/private/vm/patching.ts).
      ...NO_SELF_PATCHING_VM,
      dependsOn: [nsgAssociation, ...fleet.imageDependables],
      lifecycle: rollout.lifecycle,
    });
  }

  /** Each VM's URL: its public IP, or its private IP without public IPs, and the app port unless it is 80. */
  private urlSource(appPort: number): UrlSource {
    const addresses = this.publicIps ? TerraformIterator.fromResources(this.publicIps) : TerraformIterator.fromResources(this.virtualMachines);
    const address = `val.${this.publicIps ? 'ip_address' : 'private_ip_address'}`;
    return appPort === 80
      ? { addresses, format: '"http://%s/"', arguments: address }
      : { addresses, format: '"http://%s:%d/"', arguments: `${address}, ${environmentNumber(appPort)}` };
  }

  /** The operator's `verify-fleet` step: fetches every URL until it answers with its VM's name. */
  private createUrlCheck(fleet: Fleet, urls: UrlSource): TerraformResource {
    // `name=url` pairs separated by spaces: names and URLs hold neither.
    const targets = urls.addresses.forExpressionForList(`format("%s=${urls.format.slice(1, -1)}", key, ${urls.arguments})`);
    return operatorStep(this, 'UrlCheck', {
      step: 'verify-fleet',
      // A changed address or instance set checks again.
      triggersReplace: this.urls,
      dependsOn: [this.virtualMachines],
      environment: verifyFleetEnvironment({
        targets: Fn.join(' ', Token.asList(targets)),
        timeoutMinutes: environmentNumber(fleet.verifyTimeoutMinutes),
      }),
      lifecycle: withPreconditions(fleet.verifyTimeoutChecks),
    });
  }
}

/** ImageFleetProps checked, every default resolved: what the constructor builds from. */
interface Fleet extends FleetSettings {
  readonly password: AdminPassword;
  readonly publicIp: boolean;
  readonly rollout: FleetRollout;
  /** What of the image is made in this stack: the VMs wait for it. */
  readonly imageDependables: ITerraformDependable[];
  readonly verifyUrls: boolean;
  readonly outputPrefix?: string;
}

/** What a new image does to each instance's VM, NIC and public IP. */
interface Rollout {
  readonly newBeforeOld: boolean;
  /** `-<image revision>` with `NEW_BEFORE_OLD`, so that new and old resources can exist at once. */
  readonly nameSuffix: string;
  readonly lifecycle?: TerraformResourceLifecycle;
}

/** Where the URLs come from: the addresses' resources, and the `format()` that makes a URL of each. */
interface UrlSource {
  readonly addresses: ResourceTerraformIterator;
  readonly format: string;
  readonly arguments: string;
}

/** Refuses a rollout that is no FleetRollout, or `NEW_BEFORE_OLD` for an image made in the fleet's stack. */
function checkRollout(validator: PropsValidator, rollout: FleetRollout, imageDependables: ITerraformDependable[]): void {
  if (!Object.values(FleetRollout).includes(rollout)) {
    validator.fail('rollout', rollout, 'is not a FleetRollout', 'pass FleetRollout.NEW_BEFORE_OLD or FleetRollout.ALL_AT_ONCE');
  } else if (rollout === FleetRollout.NEW_BEFORE_OLD && imageDependables.length > 0) {
    validator.fail('rollout', rollout, 'needs an image made in another stack, but this image is made in this one: Terraform extends '
      + 'create-before-destroy to everything the VMs depend on, so a rebuilt build VM or image would be created beside the old '
      + 'one under the same name, which Azure refuses',
    'deploy the fleet from a stack of its own with ManagedImage.fromImageId(...) and the image stack\'s image id '
      + '(as examples/golden-image does), or pass rollout: FleetRollout.ALL_AT_ONCE');
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
