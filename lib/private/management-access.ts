import { NetworkSecurityGroupSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-group';
import { ManagementPort } from '../management-port';
import { isIpv4Cidr } from './azure-names';
import { isUnresolved, PropsValidator } from './validation';

/** TCP port of each management port. */
export const MANAGEMENT_PORT_NUMBERS: Readonly<Record<ManagementPort, number>> = {
  [ManagementPort.RDP]: 3389,
  [ManagementPort.WINRM_HTTPS]: 5986,
  [ManagementPort.WINRM_HTTP]: 5985,
};

const WHOLE_INTERNET = ['*', 'internet', 'any'];

/** The management props GoldenVm and ImageFleet share. */
export interface ManagementAccessProps {
  readonly managementSourceRange?: string;
  readonly managementPorts?: ManagementPort[];
  /** GoldenVm's deprecated name for `managementSourceRange`. */
  readonly rdpSourceRange?: string;
}

/** What `managementAccess` settled. */
export interface ManagementAccess {
  /** The prop the source range came from, for messages; undefined when no management port is opened. */
  readonly prop?: string;
  /** The inbound rule to add to the NSG, when a source range was given. */
  readonly rule?: NetworkSecurityGroupSecurityRule;
}

/**
 * Validates the management props (an IPv4 CIDR that is not the whole Internet; known, distinct ports; ports only with a
 * range; not both `rdpSourceRange` and `managementSourceRange`) and makes the inbound rule that opens the ports to the
 * range.
 */
export function managementAccess(v: PropsValidator, props: ManagementAccessProps): ManagementAccess {
  if (props.rdpSourceRange !== undefined && props.managementSourceRange !== undefined) {
    v.fail('rdpSourceRange', props.rdpSourceRange, `is the deprecated name of managementSourceRange, which is given too ('${props.managementSourceRange}')`,
      'remove rdpSourceRange');
  }
  const prop = props.managementSourceRange !== undefined ? 'managementSourceRange' : props.rdpSourceRange !== undefined ? 'rdpSourceRange' : undefined;
  const range = props.managementSourceRange ?? props.rdpSourceRange;
  const ports = props.managementPorts ?? [ManagementPort.RDP];
  if (props.managementPorts !== undefined) {
    checkPorts(v, props.managementPorts, range !== undefined);
  }
  if (prop === undefined || range === undefined) {
    return {};
  }
  if (!isUnresolved(range)) {
    if (WHOLE_INTERNET.includes(range.toLowerCase()) || /\/0$/.test(range)) {
      v.fail(prop, range, 'opens the management ports to the whole Internet', 'give the range of your own network, e.g. your address with /32');
    } else if (!isIpv4Cidr(range)) {
      v.fail(prop, range, 'is not an IPv4 CIDR with zero host bits', "write it like '203.0.113.0/24' ('203.0.113.7/32' for one address)");
    }
  }
  const numbers = [...new Set(ports)].map((p) => MANAGEMENT_PORT_NUMBERS[p]).filter((n) => n !== undefined).sort((a, b) => a - b);
  return {
    prop,
    rule: {
      name: 'allow-management-from-source-range',
      priority: 110,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRanges: numbers.map(String),
      sourceAddressPrefix: range,
      destinationAddressPrefix: '*',
    },
  };
}

function checkPorts(v: PropsValidator, ports: ManagementPort[], withRange: boolean): void {
  const known = Object.values(ManagementPort) as string[];
  if (!Array.isArray(ports) || ports.length === 0) {
    v.fail('managementPorts', ports, 'lists no port', 'list at least one, e.g. [ManagementPort.RDP] (the default), or omit managementPorts');
    return;
  }
  const unknown = ports.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    v.fail('managementPorts', ports, `holds ${unknown.map((p) => JSON.stringify(p)).join(', ')}, not a ManagementPort`,
      'use ManagementPort.RDP, ManagementPort.WINRM_HTTPS or ManagementPort.WINRM_HTTP');
  }
  const repeated = ports.filter((p, i) => ports.indexOf(p) !== i);
  if (repeated.length > 0) {
    v.fail('managementPorts', ports, `lists ${[...new Set(repeated)].join(', ')} more than once`, 'list each port once');
  }
  if (!withRange) {
    v.fail('managementPorts', ports, 'opens nothing without managementSourceRange', 'give managementSourceRange too, or remove managementPorts');
  }
}
