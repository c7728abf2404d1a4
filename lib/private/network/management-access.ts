/**
 * Management access to the VMs (RDP, WinRM): which ports open to which source range, checked, and the NSG rules
 * that open them; never to the whole Internet.
 */
import { NetworkSecurityGroupSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-group';
import { Fn, Op, Precondition } from 'cdktf';
import { isIpv4Cidr } from './cidr';
import type { ManagementAccessProps } from '../../common-props';
import { ManagementPort } from '../../management-port';
import { planTimeCheck, shownInTerraform } from '../validation/plan-checks';
import { describeValue, isUnresolved, PropsValidator } from '../validation/props-validator';

/** TCP port of each management port. */
export const MANAGEMENT_PORT_NUMBERS: Readonly<Record<ManagementPort, number>> = {
  [ManagementPort.RDP]: 3389,
  [ManagementPort.WINRM_HTTPS]: 5986,
  [ManagementPort.WINRM_HTTP]: 5985,
};

const WHOLE_INTERNET = ['*', 'internet', 'any'];
/** A prefix length of zero, however written (`/0`, `/00`): the whole address space. */
const ZERO_PREFIX = /\/0+$/;
const ZERO_PREFIX_RE2 = '/0+$';
const WHOLE_INTERNET_PROBLEM = 'opens the management ports to the whole Internet';
const WHOLE_INTERNET_FIX = 'give the range of your own network, e.g. your address with /32';
const NOT_A_CIDR_PROBLEM = 'is not an IPv4 CIDR with zero host bits';
const NOT_A_CIDR_FIX = "write it like '203.0.113.0/24' ('203.0.113.7/32' for one address)";
/** `isIpv4Cidr`'s shape, for Terraform's RE2 (a bracket, not a backslash: HCL strings know no `\.` escape). */
const IPV4_CIDR_SHAPE = '^[0-9]{1,3}([.][0-9]{1,3}){3}/[0-9]{1,2}$';

/** The management props, with GoldenVm's deprecated one. */
export interface ManagementAccessInput extends ManagementAccessProps {
  /** GoldenVm's deprecated name for `managementSourceRange`. */
  readonly rdpSourceRange?: string;
}

/** What `managementAccess` settled. */
export interface ManagementAccess {
  /** The prop the source range came from, for messages; undefined when no management port is opened. */
  readonly prop?: string;
  /** The inbound rule to add to the NSG, when a source range was given. */
  readonly rule?: NetworkSecurityGroupSecurityRule;
  /**
   * For the NSG that holds `rule`, when the range is a token: the synth-time checks of a literal range, made by
   * Terraform at plan time.
   */
  readonly preconditions?: Precondition[];
}

/**
 * Validates the management props (an IPv4 CIDR that is not the whole Internet; known, distinct ports; ports only with a
 * range; not both `rdpSourceRange` and `managementSourceRange`) and makes the inbound rule that opens the ports to the
 * range.
 */
export function managementAccess(validator: PropsValidator, props: ManagementAccessInput): ManagementAccess {
  if (props.rdpSourceRange !== undefined && props.managementSourceRange !== undefined) {
    validator.fail('rdpSourceRange', props.rdpSourceRange, `is the deprecated name of managementSourceRange, which is given too (${describeValue(props.managementSourceRange)})`,
      'remove rdpSourceRange');
  }
  const prop = props.managementSourceRange !== undefined ? 'managementSourceRange' : props.rdpSourceRange !== undefined ? 'rdpSourceRange' : undefined;
  const range = props.managementSourceRange ?? props.rdpSourceRange;
  const ports = props.managementPorts ?? [ManagementPort.RDP];
  if (props.managementPorts !== undefined) {
    checkPorts(validator, props.managementPorts, range !== undefined);
  }
  if (prop === undefined || range === undefined) {
    return {};
  }
  if (!isUnresolved(range)) {
    if (WHOLE_INTERNET.includes(range.toLowerCase()) || ZERO_PREFIX.test(range)) {
      validator.fail(prop, range, WHOLE_INTERNET_PROBLEM, WHOLE_INTERNET_FIX);
    } else if (!isIpv4Cidr(range)) {
      validator.fail(prop, range, NOT_A_CIDR_PROBLEM, NOT_A_CIDR_FIX);
    }
  }
  const numbers = [...new Set(ports)].map((p) => MANAGEMENT_PORT_NUMBERS[p]).filter((n) => n !== undefined).sort((a, b) => a - b);
  return {
    prop,
    preconditions: isUnresolved(range) ? rangePreconditions(validator, prop, range) : undefined,
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

/**
 * The checks above as Terraform expressions, for a range known only to Terraform: not the whole Internet; else an IPv4
 * CIDR whose address is its network address (`cidrhost(range, 0)`, both sides normalized by Terraform as
 * `isIpv4Cidr` reads them). `try` turns a malformed value (or null) into a false test rather than an evaluation
 * error: Terraform 1.11 evaluates both sides of `&&` and `||`.
 */
function rangePreconditions(validator: PropsValidator, prop: string, range: string): Precondition[] {
  const wholeInternet = Fn.try([Op.or(Fn.contains(WHOLE_INTERNET, Fn.lower(range)), Fn.can(Fn.regex(ZERO_PREFIX_RE2, range))), false]);
  const address = Fn.element(Fn.split('/', range), 0);
  const cidr = Fn.try([Op.and(Fn.can(Fn.regex(IPV4_CIDR_SHAPE, range)), Op.eq(Fn.cidrhost(range, 0), Fn.cidrhost(Fn.format('%s/32', [address]), 0))), false]);
  const shown = shownInTerraform(range);
  return [
    planTimeCheck(validator, prop, shown, Op.not(wholeInternet), WHOLE_INTERNET_PROBLEM, WHOLE_INTERNET_FIX),
    // One problem per range, as at synth time: a whole-Internet range is not also reported as no CIDR.
    planTimeCheck(validator, prop, shown, Op.or(wholeInternet, cidr), NOT_A_CIDR_PROBLEM, NOT_A_CIDR_FIX),
  ];
}

function checkPorts(validator: PropsValidator, ports: ManagementPort[], withRange: boolean): void {
  const known = Object.values(ManagementPort) as string[];
  if (!Array.isArray(ports) || ports.length === 0) {
    validator.fail('managementPorts', ports, 'lists no port', 'list at least one, e.g. [ManagementPort.RDP] (the default), or omit managementPorts');
    return;
  }
  const unknown = ports.filter((p) => !known.includes(p));
  if (unknown.length > 0) {
    validator.fail('managementPorts', ports, `holds ${unknown.map((p) => describeValue(p)).join(', ')}, not a ManagementPort`,
      'use ManagementPort.RDP, ManagementPort.WINRM_HTTPS or ManagementPort.WINRM_HTTP');
  }
  const repeated = ports.filter((p, i) => ports.indexOf(p) !== i);
  if (repeated.length > 0) {
    validator.fail('managementPorts', ports, `lists ${[...new Set(repeated)].join(', ')} more than once`, 'list each port once');
  }
  if (!withRange) {
    validator.fail('managementPorts', ports, 'opens nothing without managementSourceRange', 'give managementSourceRange too, or remove managementPorts');
  }
}
