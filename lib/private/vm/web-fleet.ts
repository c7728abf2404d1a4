/**
 * What ImageFleet and ImageScaleSet, the two constructs that serve the golden image's web app from many Windows VMs,
 * share: one implementation of their opening (the checks of the shared props in one order, the resource group, the
 * network and its NSG, the image's deployments), the checks of the image and the app port, and their outputs.
 */
import { NetworkSecurityGroup, NetworkSecurityGroupSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-group';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { Annotations, Precondition, TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { checkAdminUsername } from './admin-username';
import { AdminPassword } from './credentials';
import {
  checkImageRegion, checkVmSizeForImage, checkVmSecurityType, defaultVmSecurityType, kindOf, replicaPlanOf, warnManagedImageDeployments,
} from './image-use';
import { DEFAULT_VM_SIZE, finishVmChecks } from './vm-props';
import { checkVmSizeName, vcpusOf } from './vm-sizes';
import type { CommonFleetProps } from '../../common-props';
import { IImage, ImageKind, OsType, SecurityType } from '../../image';
import type { NumberInput } from '../../operator/inputs';
import { AZURE_RESOURCE, ClaimedName, NameClaim, resourceGroupScope, scopeWithin } from '../naming/name-claims';
import { canonicalLocation, checkCommonNames } from '../naming/regions';
import { checkResourceGroup, placeResourceGroup, SettledResourceGroup } from '../naming/resource-group';
import { MANAGEMENT_PORT_NUMBERS, managementAccess, ManagementAccess } from '../network/management-access';
import { checkOwnNetwork, OwnNetwork } from '../network/own-network';
import { PageConsumer, ServedPage, servedPageOf, servedPortChecks } from '../network/served-page';
import { checkNumberInput, environmentNumber } from '../steps/operator-step';
import { checkNumber, noneOf, NumberCheck, wholeNumberBetween } from '../validation/number-rules';
import { withPreconditions } from '../validation/plan-checks';
import { describeValue, isUnresolved, PropsValidator } from '../validation/props-validator';

/** The props of ImageFleet and ImageScaleSet that are alike in both but documented in each (their ranges differ). */
export interface FleetProps extends CommonFleetProps {
  readonly count: number;
  readonly namePrefix: string;
  readonly appPort?: number;
  readonly verifyTimeoutMinutes?: number;
  readonly outputPrefix?: string;
}

/** Where ImageFleet and ImageScaleSet differ in the checks they share. */
export interface FleetRules {
  /** The construct, for messages: `ImageFleet`. */
  readonly constructName: string;
  /** The rule of `count`. */
  readonly count: NumberCheck;
  /** The longest `namePrefix`, and the problem of a longer one. */
  readonly maxNamePrefixLength: number;
  readonly namePrefixTooLong: (namePrefix: string) => string;
  /** An output prefix for the fix of a bad `outputPrefix`. */
  readonly outputPrefixExample: string;
  /** The rules of `appPort` besides the page's. */
  readonly appPort: Omit<AppPortOptions, 'page'>;
  /** The operator input `verifyTimeoutMinutes` becomes. */
  readonly verifyTimeout: NumberInput;
  /** The subnet the construct creates without `subnetPrefix`. */
  readonly defaultSubnetPrefix: string;
}

/** A fleet's shared props, checked, with their defaults. */
export interface FleetSettings {
  readonly image: IImage;
  /** The region as given, or the image's: what the image's regions are compared with. */
  readonly requestedLocation: string;
  /** The same, canonical (`westeurope`). */
  readonly location: string;
  readonly namePrefix: string;
  readonly count: number;
  readonly vmSize: string;
  readonly appPort: number;
  /** The page the image serves, when its setup is known. */
  readonly page?: ServedPage;
  readonly verifyTimeoutMinutes: number;
  readonly adminUsername: string;
  readonly securityType: SecurityType;
  readonly resourceGroup: SettledResourceGroup;
  readonly subnetId?: string;
  readonly network: OwnNetwork;
  readonly management: ManagementAccess;
  readonly tags?: { [key: string]: string };
  /** Plan-time checks of token props, for the resources that use them. */
  readonly countChecks: Precondition[];
  readonly appPortChecks: Precondition[];
  readonly verifyTimeoutChecks: Precondition[];
}

/** Administrator of every fleet VM, unless `adminUsername` says otherwise. */
const DEFAULT_ADMIN_USERNAME = 'fleetadmin';

/**
 * Checks the props ImageFleet and ImageScaleSet share, in one order, and resolves their defaults; the construct then
 * checks its own, and ends with `finishFleetChecks`.
 */
export function checkFleetProps(scope: Construct, validator: PropsValidator, props: FleetProps, rules: FleetRules): FleetSettings {
  const image = props.image;
  const requestedLocation = props.location ?? image.location;
  const vmSize = props.vmSize ?? DEFAULT_VM_SIZE;
  const appPort = props.appPort ?? 80;
  const verifyTimeoutMinutes = props.verifyTimeoutMinutes ?? rules.verifyTimeout.default;
  const page = servedPageOf(image);
  checkCommonNames(validator, scope, { location: props.location });
  const resourceGroup = checkResourceGroup(validator, props, { createdName: `rg-${props.namePrefix}` });
  validator.check('outputPrefix', props.outputPrefix, (p) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(p),
    'is not a Terraform output name prefix (a letter or underscore, then letters, digits, underscores and hyphens)', `pass e.g. '${rules.outputPrefixExample}'`);
  const countChecks = checkNumber(validator, 'count', props.count, [rules.count]);
  validator.check('namePrefix', props.namePrefix, (p) => /^[A-Za-z][A-Za-z0-9-]*$/.test(p),
    'is not a valid name prefix (a letter, then letters, digits and hyphens)', "pass e.g. 'web'");
  validator.check('namePrefix', props.namePrefix, (p) => p.length <= rules.maxNamePrefixLength, rules.namePrefixTooLong(props.namePrefix),
    `shorten it to at most ${rules.maxNamePrefixLength} characters`);
  checkVmSizeName(validator, vmSize);
  const appPortChecks = checkAppPort(validator, appPort, { ...rules.appPort, page });
  checkAdminUsername(validator, props.adminUsername, DEFAULT_ADMIN_USERNAME);
  const verifyTimeoutChecks = checkNumberInput(validator, rules.verifyTimeout, verifyTimeoutMinutes, 'minutes');
  const management = managementAccess(validator, props);
  const securityType = checkWindowsImage(validator, rules.constructName, image, requestedLocation, props.securityType);
  checkVmSizeForImage(scope, validator, vmSize, image, securityType, props.securityType !== undefined);
  const network = checkOwnNetwork(validator, rules.constructName, {
    ...props, subnetPrefix: props.subnetPrefix ?? (props.subnetId === undefined ? rules.defaultSubnetPrefix : undefined),
  });
  return {
    image,
    requestedLocation,
    location: canonicalLocation(requestedLocation),
    namePrefix: props.namePrefix,
    count: props.count,
    vmSize,
    appPort,
    page,
    verifyTimeoutMinutes,
    adminUsername: props.adminUsername ?? DEFAULT_ADMIN_USERNAME,
    securityType,
    resourceGroup,
    subnetId: props.subnetId,
    network,
    management,
    tags: props.tags,
    countChecks,
    appPortChecks,
    verifyTimeoutChecks,
  };
}

/**
 * The last checks of a fleet (`finishVmChecks`: tags, names, password; every problem thrown at once), then its VMs
 * counted among the deployments of its image's replica plan, when it has one (a gallery version's), and held against
 * what a managed image serves (lib/private/vm/image-use.ts). Returns the password.
 */
export function finishFleetChecks(scope: Construct, validator: PropsValidator, props: FleetProps, fleet: FleetSettings,
  names: NameClaim): AdminPassword {
  const password = finishVmChecks(scope, validator, props, { names, resourceGroup: fleet.resourceGroup, groupNamedAfter: 'namePrefix' });
  replicaPlanOf(fleet.image)?.addDeployments(scope, fleet.image, fleet.requestedLocation, fleet.count);
  warnManagedImageDeployments(scope, fleet.image, fleet.count);
  return password;
}

/** Where a fleet's resources go. */
export interface FleetPlacement {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags?: { [key: string]: string };
}

/** The resource group and network `placeFleet` made or found. */
export interface FleetSite extends WebNetwork {
  readonly placement: FleetPlacement;
  /** The group, when the fleet creates it. */
  readonly resourceGroup?: ResourceGroup;
}

/**
 * The fleet's resource group (created, or the given one) and its network: the given subnet or a VNet of its own, and
 * the NSG that opens the app port to the Internet and the management ports to their range.
 */
export function placeFleet(scope: Construct, fleet: FleetSettings): FleetSite {
  const group = placeResourceGroup(scope, fleet.resourceGroup, fleet.location, fleet.tags);
  const placement = { resourceGroupName: group.resourceGroupName, location: fleet.location, tags: fleet.tags };
  const network = webNetwork(scope, {
    ...placement,
    prefix: fleet.namePrefix,
    addressSpace: fleet.network.addressSpace,
    subnetPrefix: fleet.network.subnetPrefix,
    subnetId: fleet.subnetId,
    rules: appSecurityRules(environmentNumber(fleet.appPort), fleet.management),
    preconditions: [...fleet.management.preconditions ?? [], ...fleet.appPortChecks],
  });
  return { ...network, placement, resourceGroup: group.resourceGroup };
}

/** A Terraform output `<outputPrefix>_<suffix>`, as both fleets name theirs. */
export function fleetOutput(scope: Construct, outputPrefix: string, suffix: string, description: string, value: unknown): TerraformOutput {
  const output = new TerraformOutput(scope, `Output_${suffix}`, { description, value });
  output.overrideLogicalId(`${outputPrefix}_${suffix}`);
  return output;
}

/** Ports never opened to the whole Internet, in line with `GoldenImageChecks`: the management ports and SSH. */
const INTERNET_FORBIDDEN_PORTS = [22, ...Object.values(MANAGEMENT_PORT_NUMBERS)];

/**
 * Highest port an NSG rule opens: "Integer or range between 0 and 65535" (Azure's Network REST API, "Security Rules -
 * Create Or Update", destinationPortRange).
 */
export const MAX_PORT = 65535;

/** What decides the rules of a fleet's or scale set's `appPort` besides Azure's and the Internet's. */
export interface AppPortOptions {
  /** The highest port: `MAX_PORT` for an NSG alone, less for a load-balancing rule. */
  readonly maxPort: number;
  /** Why `maxPort`, in the problem: `a load-balancing rule takes`. */
  readonly maxPortReason?: string;
  /** The page the image serves, when its setup is known. */
  readonly page?: ServedPage;
  /** What fetches the page on `appPort`, for the messages. */
  readonly consumer: PageConsumer;
}

/**
 * Records a problem unless `appPort` is a TCP port up to `maxPort`; never a management port, which the NSG would open
 * to the whole Internet; and the port the image serves its page on, when its setup is known (lib/private/network/served-page.ts),
 * each rule in that order, the first that fails reported. A token gets the same rules as preconditions, for the NSG
 * that opens the port.
 */
export function checkAppPort(validator: PropsValidator, appPort: number, options: AppPortOptions): Precondition[] {
  return checkNumber(validator, 'appPort', appPort, [
    wholeNumberBetween(1, options.maxPort, `is not a TCP port${options.maxPortReason ? ` ${options.maxPortReason}` : ''} (a whole number 1-${options.maxPort})`,
      'pass e.g. 80'),
    noneOf(INTERNET_FORBIDDEN_PORTS, 'is a management port (SSH, RDP or WinRM), which would be opened to the whole Internet',
      'serve the application on another port; open management ports with managementSourceRange'),
    ...servedPortChecks(options.page, options.consumer),
  ]);
}

/**
 * Checks that Windows VMs in `location` can be created from `image` (a Windows image, in that region, of a security
 * type the VMs may have) and returns the VMs' security type: the given one, else the image's default.
 */
export function checkWindowsImage(validator: PropsValidator, constructName: string, image: IImage, location: string,
  securityType?: SecurityType): SecurityType {
  if (image.osType !== OsType.WINDOWS) {
    validator.fail('image', image.osType, `is not a Windows image, but ${constructName} creates Windows VMs`, 'pass a Windows image');
  }
  checkImageRegion(validator, location, image, kindOf(image) === ImageKind.MANAGED_IMAGE
    ? `copy the image first, e.g. new ImageCopy(this, 'Copy', { source: image, resourceGroupName: '...', location: ${describeValue(location)} }), and pass the copy`
    : `add { location: ${describeValue(location)} } to the GalleryImageVersion's targetRegions`);
  const settled = securityType ?? defaultVmSecurityType(image);
  checkVmSecurityType(validator, securityType === undefined ? 'securityType (from the image)' : 'securityType', settled, image);
  return settled;
}

/**
 * The inbound rules of the VMs' NSG: the app port from the Internet, the management ports from their range. Nothing
 * else is allowed: Azure's default rules deny all other inbound traffic from the Internet (and allow the load
 * balancer's health probes).
 */
export function appSecurityRules(port: string, management: ManagementAccess): NetworkSecurityGroupSecurityRule[] {
  const rules: NetworkSecurityGroupSecurityRule[] = [{
    name: 'allow-app-from-internet',
    priority: 100,
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: port,
    sourceAddressPrefix: 'Internet',
    destinationAddressPrefix: '*',
  }];
  return management.rule ? [...rules, management.rule] : rules;
}

export interface WebNetworkOptions {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags?: { [key: string]: string };
  /** The names' stem: `vnet-<prefix>`, `snet-<prefix>`, `nsg-<prefix>`. */
  readonly prefix: string;
  readonly addressSpace: string;
  readonly subnetPrefix: string;
  /** An existing subnet: no VNet or subnet is made. */
  readonly subnetId?: string;
  readonly rules: NetworkSecurityGroupSecurityRule[];
  /** Plan-time checks of the rules' token values (a management source range, the app port), for the NSG. */
  readonly preconditions?: Precondition[];
}

export interface WebNetwork {
  readonly subnetId: string;
  readonly virtualNetwork?: VirtualNetwork;
  readonly subnet?: Subnet;
  readonly networkSecurityGroup: NetworkSecurityGroup;
}

/** The Azure names of the network `webNetwork` makes for `prefix`. */
function webNetworkNames(prefix: string) {
  return { virtualNetwork: `vnet-${prefix}`, subnet: `snet-${prefix}`, networkSecurityGroup: `nsg-${prefix}` };
}

/** The names `webNetwork` makes in `resourceGroupName`, for `claimNames`: the NSG, and the VNet and subnet unless a subnet is given. */
export function webNetworkClaims(resourceGroupName: string, prefix: string, subnetGiven: boolean): ClaimedName[] {
  const names = webNetworkNames(prefix);
  const scope = resourceGroupScope(resourceGroupName);
  const vnet = { kind: AZURE_RESOURCE.VIRTUAL_NETWORK, scope, name: names.virtualNetwork };
  const nsg = { kind: AZURE_RESOURCE.NETWORK_SECURITY_GROUP, scope, name: names.networkSecurityGroup };
  return subnetGiven ? [nsg] : [vnet, { kind: AZURE_RESOURCE.SUBNET, scope: scopeWithin(vnet), name: names.subnet }, nsg];
}

/** The VMs' subnet (the given one, or a new VNet with one subnet) and their NSG. */
export function webNetwork(scope: Construct, options: WebNetworkOptions): WebNetwork {
  const names = webNetworkNames(options.prefix);
  const placement = { resourceGroupName: options.resourceGroupName, location: options.location, tags: options.tags };
  let subnetId = options.subnetId;
  let virtualNetwork: VirtualNetwork | undefined;
  let subnet: Subnet | undefined;
  if (subnetId === undefined) {
    virtualNetwork = new VirtualNetwork(scope, 'VirtualNetwork', { ...placement, name: names.virtualNetwork, addressSpace: [options.addressSpace] });
    subnet = new Subnet(scope, 'Subnet', {
      name: names.subnet,
      resourceGroupName: options.resourceGroupName,
      virtualNetworkName: virtualNetwork.name,
      addressPrefixes: [options.subnetPrefix],
      // Outbound access for VMs without public IP (Windows activation, Run Command, the app's own calls): azurerm's
      // default today (subnet_resource.go:273-277 at v4.55.0), stated so a changed default cannot cut them off.
      defaultOutboundAccessEnabled: true,
    });
    subnetId = subnet.id;
  }
  const networkSecurityGroup = new NetworkSecurityGroup(scope, 'NetworkSecurityGroup', {
    ...placement,
    name: names.networkSecurityGroup,
    securityRule: options.rules,
    lifecycle: withPreconditions(options.preconditions ?? []),
  });
  return { subnetId, virtualNetwork, subnet, networkSecurityGroup };
}

/**
 * Reports on `scope`, at synth time, the vCPUs `count` VMs of `vmSize` need in `location` (and at `peak` VMs, during an
 * image rollout), so that the quotas are checked before a deploy that would stop half-way; a size whose name does not
 * tell its vCPUs gets a warning instead. Returns the total, or undefined when unknown.
 */
export function reportVcpus(scope: Construct, count: number, vmSize: string, location: string,
  peak?: { count: number; during: string }): number | undefined {
  const vcpus = vcpusOf(vmSize);
  const check = `az vm list-usage --location ${location} -o table`;
  if (isUnresolved(count) || isUnresolved(vmSize)) {
    return undefined;
  }
  if (vcpus === undefined) {
    Annotations.of(scope).addWarning(`The vCPUs of size '${vmSize}' are not known from its name, so the vCPU quota the ${count} VMs need cannot be `
      + `computed here: check it with ${check}`);
    return undefined;
  }
  const during = peak && peak.count > count ? `, up to ${peak.count * vcpus} ${peak.during}` : '';
  Annotations.of(scope).addInfo(`${count} instances x ${vcpus} vCPUs (${vmSize}) = ${count * vcpus} vCPUs in ${location}${during}. `
    + `Check the regional and the size family's vCPU quotas before deploying: ${check}`);
  return count * vcpus;
}
