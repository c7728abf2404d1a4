import { NetworkSecurityGroup, NetworkSecurityGroupSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { Annotations, Precondition } from 'cdktf';
import { Construct } from 'constructs';
import { checkImageRegion, checkVmSecurityType, defaultVmSecurityType, kindOf } from './image-use';
import { vcpusOf } from './vm-sizes';
import { IImage, ImageKind, OsType, SecurityType } from '../../image';
import { AZURE_RESOURCE, ClaimedName, resourceGroupScope, scopeWithin } from '../naming/name-claims';
import { ManagementAccess, MANAGEMENT_PORT_NUMBERS } from '../network/management-access';
import { PageConsumer, ServedPage, servedPortChecks } from '../network/served-page';
import { checkNumber, noneOf, wholeNumberBetween } from '../validation/number-rules';
import { withPreconditions } from '../validation/plan-checks';
import { describeValue, isUnresolved, PropsValidator } from '../validation/props-validator';

/**
 * What every construct that serves the golden image's web app from many Windows VMs (`ImageFleet`, `ImageScaleSet`)
 * shares: the checks of the image and the app port, and the network the VMs get when no subnet is given.
 */

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
export function checkAppPort(v: PropsValidator, appPort: number, options: AppPortOptions): Precondition[] {
  return checkNumber(v, 'appPort', appPort, [
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
export function checkWindowsImage(v: PropsValidator, constructName: string, image: IImage, location: string,
  securityType?: SecurityType): SecurityType {
  if (image.osType !== OsType.WINDOWS) {
    v.fail('image', image.osType, `is not a Windows image, but ${constructName} creates Windows VMs`, 'pass a Windows image');
  }
  checkImageRegion(v, location, image, kindOf(image) === ImageKind.MANAGED_IMAGE
    ? `copy the image first, e.g. new ImageCopy(this, 'Copy', { source: image, resourceGroupName: '...', location: ${describeValue(location)} }), and pass the copy`
    : `add { location: ${describeValue(location)} } to the GalleryImageVersion's targetRegions`);
  const settled = securityType ?? defaultVmSecurityType(image);
  checkVmSecurityType(v, securityType === undefined ? 'securityType (from the image)' : 'securityType', settled, image);
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
