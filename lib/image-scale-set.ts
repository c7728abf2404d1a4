/**
 * ImageScaleSet: a VM scale set from one image behind a Standard load balancer, for large fleets (ImageFleet serves
 * small ones), with the props that only it has: the health probe, the rolling upgrade (ScaleSetRollingUpgrade) and
 * automatic OS upgrades.
 */
import type { Lb } from '@cdktf/provider-azurerm/lib/lb';
import type { LbBackendAddressPool } from '@cdktf/provider-azurerm/lib/lb-backend-address-pool';
import type { LbOutboundRule } from '@cdktf/provider-azurerm/lib/lb-outbound-rule';
import type { LbProbe } from '@cdktf/provider-azurerm/lib/lb-probe';
import type { LbRule } from '@cdktf/provider-azurerm/lib/lb-rule';
import type { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import type { WindowsVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set';
import { Fn, Op, Precondition, TerraformOutput, TerraformResource, Token } from 'cdktf';
import { Construct } from 'constructs';
import { CommonFleetProps } from './common-props';
import { IImage, ImageKind, SecurityType } from './image';
import { SCALE_SET_VERIFY_TIMEOUT_MINUTES, verifyScaleSetEnvironment } from './operator/steps/verify-scale-set';
import { planBlock } from './private/images/purchase-plan';
import { COMPUTER_NAME_MAX_LENGTH } from './private/naming/azure-names';
import { AZURE_RESOURCE, NameClaim, resourceGroupScope } from './private/naming/name-claims';
import { subnetPrefixLengthFor, usableSubnetAddresses } from './private/network/cidr';
import { checkServedPath, PageConsumer, ServedPage } from './private/network/served-page';
import { environmentNumber, operatorStep, subscriptionOf } from './private/steps/operator-step';
import { scaleSetBindings } from './private/terraform/bindings';
import { inStackOf } from './private/terraform/references';
import { allOf, atMost, checkNumber, NumberCheck, shownNumber, wholeNumberBetween } from './private/validation/number-rules';
import { planTimeCheck, withPreconditions } from './private/validation/plan-checks';
import { BOOLEAN, NUMBER, readProps, STRING, struct } from './private/validation/prop-types';
import { isUnresolved, PropsValidator } from './private/validation/props-validator';
import { AdminPassword } from './private/vm/credentials';
import { kindOf } from './private/vm/image-use';
import { NO_SELF_PATCHING_SCALE_SET } from './private/vm/patching';
import { COMMON_FLEET_SHAPE } from './private/vm/vm-props';
import { checkFleetProps, finishFleetChecks, fleetOutput, FleetPlacement, FleetRules, FleetSettings, FleetSite, placeFleet, reportVcpus, webNetworkClaims } from './private/vm/web-fleet';

/**
 * How a scale set's instances move to a new image: in batches, each gated by the load balancer's health probe on the
 * app page (Azure's rolling upgrade policy; the defaults are Azure's, but for the pause).
 */
export interface ScaleSetRollingUpgrade {
  /**
   * Largest share of the instances upgraded at once, in percent (5-100; at most `maxUnhealthyInstancePercent`).
   *
   * @default 20
   */
  readonly maxBatchInstancePercent?: number;
  /**
   * The upgrade stops when more than this share of all instances is unhealthy (upgrading or failing the probe), in
   * percent (5-100), checked before each batch.
   *
   * @default 20
   */
  readonly maxUnhealthyInstancePercent?: number;
  /**
   * The upgrade stops when more than this share of the upgraded instances fails the health probe, in percent
   * (0-100), checked after each batch. 0: a single unhealthy instance on the new image stops the rollout.
   *
   * @default 20
   */
  readonly maxUnhealthyUpgradedInstancePercent?: number;
  /**
   * Pause after each batch before the next, in seconds (0-3600): time for the new instances to warm up and for the
   * probe to see them fail.
   *
   * @default 60
   */
  readonly pauseBetweenBatchesSeconds?: number;
  /**
   * Upgrade instances that are unhealthy before the healthy ones.
   *
   * @default true
   */
  readonly prioritizeUnhealthyInstances?: boolean;
  /**
   * MaxSurge: each batch creates new instances from the new image before it deletes old ones, so capacity never drops
   * (Azure preview: register the feature `Microsoft.Compute/MaxSurgeRollingUpgrade` first). The vCPU quota must hold
   * the extra batch; instance ids, and so computer names, change.
   *
   * @default false
   */
  readonly maximumSurge?: boolean;
}

/** Props of `ImageScaleSet`. */
export interface ImageScaleSetProps extends CommonFleetProps {
  /**
   * Number of instances: 1-1000 (`ImageScaleSet.MAX_INSTANCES`), 1-600 from a managed image
   * (`ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE`), Azure's limits of one scale set. Changing it adds or removes
   * instances in place.
   */
  readonly count: number;
  /**
   * Start of every name: the scale set `vmss-<namePrefix>`, load balancer `lb-<namePrefix>`, its public IP
   * `pip-lb-<namePrefix>`, and the instances' Windows computer names, `<namePrefix>` and six characters of the
   * instance id that Azure appends (`web000000`, `web000001`, ...). A letter first, then letters, digits and hyphens;
   * at most 9 characters (Windows' 15 minus Azure's 6).
   */
  readonly namePrefix: string;
  /**
   * TCP port of the application (1-65534, the most a load-balancing rule takes; not SSH, RDP or WinRM): the load
   * balancer's port, the instances' port, the health probe's port, and the port the NSG opens to the Internet. A setup
   * whose page is known (`WindowsSetup.iisAspNet()` without steps of your own: port 80) must serve it there.
   *
   * @default 80
   */
  readonly appPort?: number;
  /**
   * Path the health probe requests on every instance (HTTP 200 means healthy): the load balancer sends traffic only
   * to healthy instances, and a rolling upgrade stops when too many upgraded instances are unhealthy. An image whose
   * setup's pages are all known must serve it (`WindowsSetup.iisAspNet()` without steps of your own: `/` and
   * `/Default.aspx`).
   *
   * @default '/'
   */
  readonly healthProbePath?: string;
  /**
   * How a new image rolls through the instances.
   *
   * @default - batches of 20%, at most 20% unhealthy, a minute between batches
   */
  readonly rollingUpgrade?: ScaleSetRollingUpgrade;
  /**
   * Let Azure roll out every new version of the gallery definition on its own (automatic OS image upgrade), without a
   * Terraform deploy: the scale set must use the definition's latest (`GalleryImageVersion.latest`). The rollout follows
   * `rollingUpgrade`, and Azure rolls an upgrade back when it fails. Azure starts it only when a version is published
   * and replicated, not when a version published excluded from latest is promoted later: with `verifyInstances`, the
   * verification starts it then.
   *
   * @default - true for a gallery definition's latest, false otherwise (a new image is a new image id: deploy it)
   */
  readonly automaticOsUpgrade?: boolean;
  /**
   * After every deploy that changes the image, the count or the address, wait on the machine that runs Terraform for
   * the rolling upgrade to finish (fail when Azure stopped it), then fetch the app's URL through the load balancer
   * until every instance has answered with its own computer name, and fail the apply otherwise.
   *
   * With `automaticOsUpgrade`, the check also runs after every promotion of a `GalleryImageVersion` of the same stack,
   * and starts the rolling upgrade to the version that latest now is when Azure has not (Azure starts its automatic
   * upgrade only when a version is published and replicated, and the gallery's versions are published excluded from
   * latest and promoted later).
   *
   * The check (the operator program's `verify-scale-set` step) needs on that machine Node.js and the Azure CLI
   * (`az`), logged in like the other operator steps (an `az login` session, or the azurerm provider's `ARM_*`
   * variables), with read access to the scale set (`az vmss rolling-upgrade get-latest`, `az vmss list-instances`);
   * with `automaticOsUpgrade` also to the gallery's image versions (`az sig image-version list`) and the right to
   * start a rolling upgrade (`az vmss rolling-upgrade start`). No curl.
   *
   * @default false
   */
  readonly verifyInstances?: boolean;
  /**
   * How long the verification may take in all, in minutes (5-480): the rolling upgrade of a large set takes a while
   * (five batches of 20% and their pauses).
   *
   * @default 60
   */
  readonly verifyTimeoutMinutes?: number;
  /**
   * Add Terraform outputs `<outputPrefix>_url`, `<outputPrefix>_public_ip` and `<outputPrefix>_scale_set_name` (a
   * letter or underscore first, then letters, digits, underscores and hyphens).
   *
   * @default - no outputs: the same values are `url`, `publicIpAddress` and `scaleSetName`
   */
  readonly outputPrefix?: string;
}

/** `ImageScaleSetProps` at runtime (lib/private/validation/prop-types.ts): for callers TypeScript does not check. */
const IMAGE_SCALE_SET_PROPS = struct<ImageScaleSetProps>('ImageScaleSetProps', {
  ...COMMON_FLEET_SHAPE,
  count: NUMBER,
  namePrefix: STRING,
  appPort: NUMBER,
  healthProbePath: STRING,
  rollingUpgrade: struct<ScaleSetRollingUpgrade>('ScaleSetRollingUpgrade', {
    maxBatchInstancePercent: NUMBER,
    maxUnhealthyInstancePercent: NUMBER,
    maxUnhealthyUpgradedInstancePercent: NUMBER,
    pauseBetweenBatchesSeconds: NUMBER,
    prioritizeUnhealthyInstances: BOOLEAN,
    maximumSurge: BOOLEAN,
  }, '{ maxBatchInstancePercent: 20 }'),
  automaticOsUpgrade: BOOLEAN,
  verifyInstances: BOOLEAN,
  verifyTimeoutMinutes: NUMBER,
  outputPrefix: STRING,
}, "{ image, count: 3, namePrefix: 'web' }");

/** What ImageScaleSet needs, with the fixes its messages give. */
const REQUIRED_PROPS = {
  image: "pass the image to deploy, e.g. a GalleryImageVersion or ManagedImage.fromImageId(this, 'Golden', { ... })",
  count: 'pass the number of instances, e.g. 3',
  namePrefix: "pass the prefix of the computer names, e.g. 'web'",
};

/**
 * Highest frontend port of a load-balancing rule: "Acceptable values are between 0 and 65534" (Azure's Network REST
 * API, "Load Balancers - Create Or Update", LoadBalancingRule.frontendPort; 0 means any port). azurerm v4.55.0 lets
 * 65535 through (internal/services/loadbalancer/lb_rule_resource.go:392-402, validate.PortNumberOrZero, 0-65535 in
 * helpers/validate/network.go:43-62), so Azure would refuse it at apply. The backend port (0-65535) and the probe's
 * (1-65535, lb_probe_resource.go:73-77, validate.PortNumber) take the same appPort.
 */
const MAX_FRONTEND_PORT = 65534;
/** What a scale set does with the page its image serves. */
const SCALE_SET_PAGE_CONSUMER: PageConsumer = {
  plainHttp: "the load balancer's health probe (HTTP), the URL and the verification (verifyInstances) use plain http",
  consequence: 'the health probe would find every instance unhealthy: the load balancer would send them no traffic, and every rolling upgrade would stop',
};

/** `count`: the most instances one scale set holds (fewer from a managed image); a literal's fix says how to split it. */
function scaleSetCount(fromManagedImage: boolean): NumberCheck {
  const max = fromManagedImage ? ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE : ImageScaleSet.MAX_INSTANCES;
  const split = (count: number) => `several ImageScaleSets (e.g. ${Math.ceil(count / max)} of ${Math.ceil(count / Math.ceil(count / max))})`;
  const fix = (several: string) => fromManagedImage
    ? `pass 1-${max}; for more, publish the image to an Azure Compute Gallery (GalleryImageVersion: ${ImageScaleSet.MAX_INSTANCES} per scale set), `
      + `or split the instances over ${several}`
    : `pass 1-${max}; for more, split the instances over ${several}, each with its own load balancer, behind a Traffic Manager or Front Door profile`;
  return wholeNumberBetween(1, max, `is not a whole number between 1 and ${max}, the most instances one scale set holds${fromManagedImage ? ' from a managed image' : ''}`,
    fix('several ImageScaleSets'), (count) => fix(count > max ? split(count) : 'several ImageScaleSets'));
}

/** SNAT ports one public frontend IP offers to the outbound rule's pool (Azure: 64,000 per IP address). */
const SNAT_PORTS_PER_FRONTEND_IP = 64000;
const FRONTEND_NAME = 'public';

/**
 * N Windows instances from one image in a VM scale set (Uniform orchestration) behind a Standard load balancer with
 * one static public IP: the large-fleet counterpart of `ImageFleet`. One `azurerm_windows_virtual_machine_scale_set`
 * holds every instance, so the Terraform configuration, its state and every plan stay the same size for 3 or 1000
 * instances, and Azure, not Terraform, creates the VMs.
 *
 * - **Names.** Each instance's computer name is `<namePrefix>` and its instance id in six base-36 characters
 *   (`web000000`, `web000001`, ...): unique in the set, and what the app's page shows.
 * - **Traffic.** The load balancer forwards `appPort` to every instance whose health probe (`healthProbePath` on
 *   `appPort`) answers 200. The instances have no public IP; they reach the Internet through the load balancer's
 *   outbound rule (64 SNAT ports each at 1000 instances, more for smaller limits). The NSG opens `appPort` to the
 *   Internet and the management ports only to `managementSourceRange`.
 * - **Image upgrades.** The upgrade mode is Rolling: a new image id updates the scale set's model in place, and Azure
 *   upgrades the instances in batches (`rollingUpgrade`), each batch gated by the health probe; too many unhealthy
 *   instances stop the rollout, leaving the rest on the previous image. The load balancer, its public IP and the URL
 *   never change. Terraform's apply returns once the model is updated; `verifyInstances` waits for the rollout and
 *   fails the apply when Azure stopped it. With a gallery definition's latest (`GalleryImageVersion.latest`), Azure
 *   rolls out each promoted version (`automaticOsUpgrade`); `verifyInstances` starts that rollout when Azure does not.
 * - **Limits.** One scale set holds up to 1000 instances, 600 from a managed image: more is refused at synth time
 *   (use several scale sets). The vCPUs (`count` x the size's vCPUs) are reported at synth time for a quota check.
 *
 * Uniform rather than Flexible orchestration, although Microsoft recommends Flexible for new workloads: rolling
 * upgrades are generally available for Uniform scale sets with a load balancer probe, and a preview (behind a feature
 * registration, and with the Application Health extension) for Flexible ones; azurerm 4.55 also makes a Flexible
 * set's upgrade mode ForceNew. See the README's "Which fleet?".
 */
export class ImageScaleSet extends Construct {
  /** Most instances of one Uniform scale set from a gallery image (or a marketplace image). */
  public static readonly MAX_INSTANCES = 1000;
  /** Most instances of one scale set from a managed image. */
  public static readonly MAX_INSTANCES_FROM_MANAGED_IMAGE = 600;
  /** Longest `namePrefix`: Azure appends six characters to make a Windows computer name of at most 15. */
  public static readonly MAX_NAME_PREFIX_LENGTH = COMPUTER_NAME_MAX_LENGTH - 6;

  /** The scale set. */
  public readonly scaleSet: WindowsVirtualMachineScaleSet;
  /** The Standard load balancer in front of it. */
  public readonly loadBalancer: Lb;
  /** The load balancer's static public IP. */
  public readonly publicIp: PublicIp;
  /** The backend pool every instance joins. */
  public readonly backendPool: LbBackendAddressPool;
  /** The HTTP health probe on the app page. */
  public readonly healthProbe: LbProbe;
  /** The rule that forwards `appPort` to healthy instances. */
  public readonly loadBalancingRule: LbRule;
  /** The instances' outbound access through the load balancer's public IP. */
  public readonly outboundRule: LbOutboundRule;
  /** The NSG of every instance's NIC. */
  public readonly networkSecurityGroup: NetworkSecurityGroup;
  /** The VNet created when no subnet was given. */
  public readonly virtualNetwork?: VirtualNetwork;
  /** The subnet created when no subnet was given. */
  public readonly subnet?: Subnet;
  /** The verification step, with `verifyInstances`. */
  public readonly verification?: TerraformResource;
  /** The resource group, when ImageScaleSet creates it. */
  public readonly resourceGroup?: ResourceGroup;
  /** Output `<outputPrefix>_url`, with `outputPrefix`. */
  public readonly urlOutput?: TerraformOutput;
  /** Output `<outputPrefix>_public_ip`, with `outputPrefix`. */
  public readonly publicIpAddressOutput?: TerraformOutput;
  /** Output `<outputPrefix>_scale_set_name`, with `outputPrefix`. */
  public readonly scaleSetNameOutput?: TerraformOutput;

  /** Region of the scale set. */
  public readonly location: string;
  /** Security type of the instances. */
  public readonly securityType: SecurityType;
  /** Whether Azure rolls out the gallery definition's new versions on its own. */
  public readonly automaticOsUpgrade: boolean;
  /** Administrator user name. */
  public readonly adminUsername: string;
  /** Administrator password (a token; sensitive in Terraform). */
  public readonly adminPassword: string;
  /** Name of the scale set, `vmss-<namePrefix>`. */
  public readonly scaleSetName: string;
  /** The load balancer's public IP address (known after apply). */
  public readonly publicIpAddress: string;
  /** The app's URL through the load balancer (known after apply). */
  public readonly url: string;
  /** SNAT ports each instance gets for outbound connections. */
  public readonly outboundPortsPerInstance: number;
  /** vCPUs of all instances (`count` x the size's vCPUs); undefined when the size or the count is not known. */
  public readonly totalVcpus?: number;

  constructor(scope: Construct, id: string, props: ImageScaleSetProps) {
    super(scope, id);
    const scaleSet = this.parseProps(props);
    this.location = scaleSet.location;
    this.securityType = scaleSet.securityType;
    this.automaticOsUpgrade = scaleSet.automaticOsUpgrade;
    this.adminUsername = scaleSet.adminUsername;
    this.adminPassword = scaleSet.password.value;
    this.scaleSetName = `vmss-${scaleSet.namePrefix}`;
    this.totalVcpus = reportVcpus(this, scaleSet.count, scaleSet.vmSize, this.location,
      scaleSet.peak === undefined ? undefined : { count: scaleSet.peak, during: 'during an image upgrade (MaxSurge)' });
    const site = placeFleet(this, scaleSet);
    this.resourceGroup = site.resourceGroup;
    this.virtualNetwork = site.virtualNetwork;
    this.subnet = site.subnet;
    this.networkSecurityGroup = site.networkSecurityGroup;

    this.publicIp = new PublicIp(this, 'PublicIp', { ...site.placement, name: `pip-lb-${scaleSet.namePrefix}`, allocationMethod: 'Static', sku: 'Standard' });
    const balancer = this.createLoadBalancer(scaleSet, site.placement);
    this.loadBalancer = balancer.loadBalancer;
    this.backendPool = balancer.backendPool;
    this.healthProbe = balancer.healthProbe;
    this.loadBalancingRule = balancer.loadBalancingRule;
    this.outboundPortsPerInstance = balancer.outboundPortsPerInstance;
    this.outboundRule = balancer.outboundRule;
    this.scaleSet = this.createScaleSet(scaleSet, site);

    this.publicIpAddress = this.publicIp.ipAddress;
    const port = environmentNumber(scaleSet.appPort);
    this.url = scaleSet.appPort === 80 ? `http://${this.publicIp.ipAddress}/` : `http://${this.publicIp.ipAddress}:${port}/`;
    const outputPrefix = scaleSet.outputPrefix;
    if (outputPrefix !== undefined) {
      const output = (suffix: string, description: string, value: unknown) => fleetOutput(this, outputPrefix, suffix, description, value);
      this.urlOutput = output('url', 'The app\'s URL through the load balancer: each request answers from one instance, with its name.', this.url);
      this.publicIpAddressOutput = output('public_ip', 'The load balancer\'s public IP address: it stays through image upgrades.', this.publicIpAddress);
      this.scaleSetNameOutput = output('scale_set_name', 'The scale set (az vmss list-instances -g <group> -n <name>).', this.scaleSet.name);
    }
    this.verification = scaleSet.verifyInstances ? this.createVerification(scaleSet) : undefined;
  }

  /**
   * Checks the props (those every fleet shares, lib/private/vm/web-fleet.ts, then ImageScaleSet's own), reporting every
   * problem at once, and resolves each default once.
   */
  private parseProps(given: ImageScaleSetProps): ScaleSet {
    const validator = new PropsValidator(`ImageScaleSet '${this.node.path}'`);
    const props = readProps(validator, given, IMAGE_SCALE_SET_PROPS, REQUIRED_PROPS);
    const kind = kindOf(props.image);
    const shared = checkFleetProps(this, validator, props, scaleSetRules(kind === ImageKind.MANAGED_IMAGE));
    const probePath = props.healthProbePath ?? '/';
    checkHealthProbePath(validator, props.healthProbePath, probePath, shared.page);
    const { policy, preconditions: rollingChecks } = checkRollingUpgrade(validator, props.rollingUpgrade ?? {});
    const automaticOsUpgrade = props.automaticOsUpgrade ?? kind === ImageKind.GALLERY_IMAGE_LATEST;
    if (props.automaticOsUpgrade === true && kind !== ImageKind.GALLERY_IMAGE_LATEST) {
      validator.fail('automaticOsUpgrade', true, `needs the latest of a gallery image definition, but the image is ${kind === ImageKind.MANAGED_IMAGE
        ? 'a managed image' : 'a pinned gallery image version'}, which never changes`,
      'pass the definition\'s latest (GalleryImageVersion.latest, or its importInto(..., { latest: true })), or remove automaticOsUpgrade: a new image id then rolls out on deploy');
    }
    const peak = checkPeakInstances(validator, shared, policy);
    const password = finishFleetChecks(this, validator, props, shared, scaleSetNames(props, shared.resourceGroup.name));
    return {
      ...shared,
      password,
      probePath,
      policy,
      rollingChecks,
      automaticOsUpgrade,
      peak,
      maxInstances: kind === ImageKind.MANAGED_IMAGE ? ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE : ImageScaleSet.MAX_INSTANCES,
      verifyInstances: props.verifyInstances ?? false,
      outputPrefix: props.outputPrefix,
    };
  }

  /**
   * The load balancer: the app's rule on the public frontend, gated by the health probe on the app page, and the
   * instances' outbound access through the same public IP.
   */
  private createLoadBalancer(scaleSet: ScaleSet, placement: FleetPlacement): LoadBalancer {
    const { Lb, LbBackendAddressPool, LbOutboundRule, LbProbe, LbRule } = scaleSetBindings();
    const loadBalancer = new Lb(this, 'LoadBalancer', {
      ...placement,
      name: `lb-${scaleSet.namePrefix}`,
      sku: 'Standard',
      frontendIpConfiguration: [{ name: FRONTEND_NAME, publicIpAddressId: this.publicIp.id }],
    });
    const backendPool = new LbBackendAddressPool(this, 'BackendPool', { name: 'instances', loadbalancerId: loadBalancer.id });
    const healthProbe = new LbProbe(this, 'HealthProbe', {
      name: 'app-page',
      loadbalancerId: loadBalancer.id,
      protocol: 'Http',
      port: scaleSet.appPort,
      requestPath: scaleSet.probePath,
      intervalInSeconds: 5,
      numberOfProbes: 2,
    });
    const loadBalancingRule = new LbRule(this, 'AppRule', {
      name: 'app',
      loadbalancerId: loadBalancer.id,
      protocol: 'Tcp',
      frontendPort: scaleSet.appPort,
      backendPort: scaleSet.appPort,
      frontendIpConfigurationName: FRONTEND_NAME,
      backendAddressPoolIds: [backendPool.id],
      probeId: healthProbe.id,
      // Outbound connections go through the outbound rule (Azure refuses both on one frontend).
      disableOutboundSnat: true,
    });
    // The same ports per instance at every count up to the limit (and its surge), so that scaling never needs the
    // rule changed first: Azure refuses a pool whose instances' ports exceed the frontend IP's 64,000.
    const surgeFactor = scaleSet.policy.maximumSurgeInstancesEnabled ? 2 : 1;
    const outboundPortsPerInstance = Math.min(1024, Math.floor(SNAT_PORTS_PER_FRONTEND_IP / (scaleSet.maxInstances * surgeFactor) / 8) * 8);
    const outboundRule = new LbOutboundRule(this, 'OutboundRule', {
      name: 'outbound',
      loadbalancerId: loadBalancer.id,
      protocol: 'All',
      backendAddressPoolId: backendPool.id,
      frontendIpConfiguration: [{ name: FRONTEND_NAME }],
      allocatedOutboundPorts: outboundPortsPerInstance,
    });
    return { loadBalancer, backendPool, healthProbe, loadBalancingRule, outboundRule, outboundPortsPerInstance };
  }

  /** The scale set: every instance behind the load balancer, upgraded in health-gated batches. */
  private createScaleSet(scaleSet: ScaleSet, site: FleetSite): WindowsVirtualMachineScaleSet {
    const { WindowsVirtualMachineScaleSet } = scaleSetBindings();
    const { image, securityType } = scaleSet;
    return new WindowsVirtualMachineScaleSet(this, 'ScaleSet', {
      ...site.placement,
      name: this.scaleSetName,
      computerNamePrefix: scaleSet.namePrefix,
      sku: scaleSet.vmSize,
      instances: scaleSet.count,
      adminUsername: scaleSet.adminUsername,
      adminPassword: scaleSet.password.value,
      sourceImageId: image.imageId,
      // The plan of the marketplace image the image comes from: Azure creates the instances only with it.
      plan: planBlock(image.purchasePlan),
      osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
      secureBootEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      vtpmEnabled: securityType === SecurityType.TRUSTED_LAUNCH,
      provisionVmAgent: true,
      // Patched by the next image through the rolling upgrade, and Azure refuses Windows Update on its own with automatic
      // OS upgrade (lib/private/vm/patching.ts).
      ...NO_SELF_PATCHING_SCALE_SET,
      // Exactly `count` VMs are made (no extra ones deleted afterwards), and the set may grow past 100 instances.
      overprovision: false,
      singlePlacementGroup: false,
      upgradeMode: 'Rolling',
      rollingUpgradePolicy: scaleSet.policy,
      healthProbeId: this.healthProbe.id,
      automaticOsUpgradePolicy: scaleSet.automaticOsUpgrade ? { enableAutomaticOsUpgrade: true, disableAutomaticRollback: false } : undefined,
      networkInterface: [{
        name: 'nic',
        primary: true,
        networkSecurityGroupId: this.networkSecurityGroup.id,
        ipConfiguration: [{
          name: 'primary',
          primary: true,
          subnetId: site.subnetId,
          loadBalancerBackendAddressPoolIds: [this.backendPool.id],
        }],
      }],
      lifecycle: withPreconditions([...scaleSet.countChecks, ...scaleSet.rollingChecks, ...scaleSet.password.preconditions]),
      // Azure uses a probe for a scale set's health only once a load-balancing rule refers to it; the outbound rule
      // first, so the instances have outbound access from their first boot.
      // An image of another stack is waited for through its id (lib/private/terraform/references.ts).
      dependsOn: [this.loadBalancingRule, this.outboundRule, ...inStackOf(this, image.imageDependables)],
    });
  }

  /** The operator's `verify-scale-set` step: waits for the rolling upgrade, then for every instance to answer. */
  private createVerification(scaleSet: ScaleSet): TerraformResource {
    const { image, automaticOsUpgrade } = scaleSet;
    return operatorStep(this, 'Verification', {
      step: 'verify-scale-set',
      // A new image, count or address checks again; with automatic OS upgrades, so does a promotion in this stack.
      triggersReplace: {
        image: image.imageId,
        instances: scaleSet.count,
        url: this.url,
        ...(automaticOsUpgrade ? { promotions: promotionsOf(this, image) } : {}),
      },
      dependsOn: [this.scaleSet],
      environment: verifyScaleSetEnvironment({
        subscriptionId: subscriptionOf(this.scaleSet.id),
        resourceGroup: this.scaleSet.resourceGroupName,
        scaleSetName: this.scaleSet.name,
        url: this.url,
        instances: environmentNumber(scaleSet.count),
        timeoutMinutes: environmentNumber(scaleSet.verifyTimeoutMinutes),
        // The definition whose latest the scale set follows: the step starts its rollout when Azure has not.
        galleryImageId: automaticOsUpgrade ? image.imageId : undefined,
      }),
      lifecycle: withPreconditions(scaleSet.verifyTimeoutChecks),
    });
  }
}

/** ImageScaleSetProps checked, every default resolved: what the constructor builds from. */
interface ScaleSet extends FleetSettings {
  readonly password: AdminPassword;
  readonly probePath: string;
  readonly policy: RollingUpgradePolicy;
  readonly rollingChecks: Precondition[];
  readonly automaticOsUpgrade: boolean;
  /** The most instances at once (with a MaxSurge batch); undefined when a number it needs is a token. */
  readonly peak?: number;
  /** The most instances the scale set may ever hold, for the outbound ports. */
  readonly maxInstances: number;
  readonly verifyInstances: boolean;
  readonly outputPrefix?: string;
}

/** The load balancer and its parts. */
interface LoadBalancer {
  readonly loadBalancer: Lb;
  readonly backendPool: LbBackendAddressPool;
  readonly healthProbe: LbProbe;
  readonly loadBalancingRule: LbRule;
  readonly outboundRule: LbOutboundRule;
  readonly outboundPortsPerInstance: number;
}

/** How ImageScaleSet's checks of the props every fleet shares differ from ImageFleet's (lib/private/vm/web-fleet.ts). */
function scaleSetRules(fromManagedImage: boolean): FleetRules {
  return {
    constructName: 'ImageScaleSet',
    count: scaleSetCount(fromManagedImage),
    maxNamePrefixLength: ImageScaleSet.MAX_NAME_PREFIX_LENGTH,
    namePrefixTooLong: () => `is too long: Azure appends six characters of the instance id to make the Windows computer name (at most ${COMPUTER_NAME_MAX_LENGTH})`,
    outputPrefixExample: 'web',
    appPort: { maxPort: MAX_FRONTEND_PORT, maxPortReason: 'a load-balancing rule takes', consumer: SCALE_SET_PAGE_CONSUMER },
    verifyTimeout: SCALE_SET_VERIFY_TIMEOUT_MINUTES,
    defaultSubnetPrefix: '10.0.0.0/22',
  };
}

/** The probe's path: an absolute URL path, and one the image serves when its pages are known. */
function checkHealthProbePath(validator: PropsValidator, given: string | undefined, probePath: string, page: ServedPage | undefined): void {
  validator.check('healthProbePath', probePath, (p) => /^\/[A-Za-z0-9\-._~/%!$&'()*+,;=:@?]*$/.test(p) && p.length <= 2048,
    'is not an absolute URL path (a slash, then URL characters without spaces)', "pass e.g. '/' or '/health'");
  checkServedPath(validator, given === undefined ? 'healthProbePath (the default)' : 'healthProbePath', probePath, page,
    SCALE_SET_PAGE_CONSUMER.consequence, "pass '/' (the default), or add the step that serves that path to the image's WindowsSetup (stepsAfter)");
}

/**
 * The most instances at once: `count`, and with MaxSurge a batch of new instances before old ones are deleted;
 * refused when the scale set's own subnet has no room for them. Unknown (undefined) when a number it needs is a token
 * (arithmetic on a token's encoding gives a meaningless number).
 */
function checkPeakInstances(validator: PropsValidator, scaleSet: FleetSettings, policy: RollingUpgradePolicy): number | undefined {
  const { count, network: { subnetPrefix, literalAndContained } } = scaleSet;
  const surge = policy.maximumSurgeInstancesEnabled;
  const peak = isUnresolved(count) || (surge && isUnresolved(policy.maxBatchInstancePercent)) ? undefined
    : count + (surge ? Math.ceil(count * policy.maxBatchInstancePercent / 100) : 0);
  if (literalAndContained && peak !== undefined && peak > usableSubnetAddresses(subnetPrefix)) {
    validator.fail('subnetPrefix', subnetPrefix, `has room for ${usableSubnetAddresses(subnetPrefix)} instances (Azure keeps 5 addresses), not ${peak}`
      + (peak > count ? ` (${count} and a surge batch)` : ''), `pass a /${subnetPrefixLengthFor(peak)} or larger`);
  }
  return peak;
}

/**
 * The ids of the image's resources in the scale set's own stack (a `GalleryImageVersion`'s promote step, replaced at
 * every build): a new one means a new version became latest. An image of another stack brings none: its promotion
 * changes nothing in this stack's plan.
 */
function promotionsOf(scope: Construct, image: IImage): string[] {
  return inStackOf(scope, image.imageDependables).filter(TerraformResource.isTerraformResource)
    .map((resource) => Token.asString(resource.interpolationForAttribute('id')));
}

/** A whole percentage from `min` to 100, as Azure takes the rolling upgrade's percentages. */
function percentage(min: number): NumberCheck {
  return wholeNumberBetween(min, 100, `is not a whole percentage between ${min} and 100`, 'pass e.g. 20');
}

/**
 * The rolling upgrade's rules, Azure's: maxBatchInstancePercent and maxUnhealthyInstancePercent 5-100,
 * maxUnhealthyUpgradedInstancePercent 0-100, "the value of maxBatchInstancePercent should not be more than
 * maxUnhealthyInstancePercent" (Microsoft Learn, the RollingUpgradePolicy class of the Azure Batch .NET API, which
 * passes the policy to the scale set; the Compute REST API's RollingUpgradePolicy describes the same fields). azurerm
 * v4.55.0 validates none of them (internal/services/compute/virtual_machine_scale_set.go:1664-1675: plain TypeInt), so
 * Azure would refuse them at apply. The pause is any ISO 8601 duration to Azure; up to an hour is this library's bound.
 */
const ROLLING_UPGRADE_CHECKS = {
  maxBatchInstancePercent: percentage(5),
  maxUnhealthyInstancePercent: percentage(5),
  maxUnhealthyUpgradedInstancePercent: percentage(0),
  pauseBetweenBatchesSeconds: wholeNumberBetween(0, 3600, 'is not a whole number of seconds between 0 and 3600', 'pass e.g. 60'),
};

/** The rolling upgrade policy as azurerm takes it. */
type RollingUpgradePolicy = ReturnType<typeof checkRollingUpgrade>['policy'];

/** The azurerm rolling upgrade policy, after checking every field against Azure's ranges; tokens get preconditions. */
function checkRollingUpgrade(validator: PropsValidator, rolling: ScaleSetRollingUpgrade) {
  const batch = rolling.maxBatchInstancePercent ?? 20;
  const unhealthy = rolling.maxUnhealthyInstancePercent ?? 20;
  const unhealthyUpgraded = rolling.maxUnhealthyUpgradedInstancePercent ?? 20;
  const pause = rolling.pauseBetweenBatchesSeconds ?? 60;
  const checks = ROLLING_UPGRADE_CHECKS;
  const preconditions = [
    ...checkNumber(validator, 'rollingUpgrade.maxBatchInstancePercent', batch, [checks.maxBatchInstancePercent]),
    ...checkNumber(validator, 'rollingUpgrade.maxUnhealthyInstancePercent', unhealthy, [checks.maxUnhealthyInstancePercent]),
    ...checkNumber(validator, 'rollingUpgrade.maxUnhealthyUpgradedInstancePercent', unhealthyUpgraded, [checks.maxUnhealthyUpgradedInstancePercent]),
    ...checkNumber(validator, 'rollingUpgrade.pauseBetweenBatchesSeconds', pause, [checks.pauseBetweenBatchesSeconds]),
    ...checkBatchWithinUnhealthy(validator, batch, unhealthy),
  ];
  for (const flag of ['prioritizeUnhealthyInstances', 'maximumSurge'] as const) {
    if (rolling[flag] !== undefined && typeof rolling[flag] !== 'boolean') {
      validator.fail(`rollingUpgrade.${flag}`, rolling[flag], 'is not a boolean', 'pass true or false');
    }
  }
  return {
    policy: {
      maxBatchInstancePercent: batch,
      maxUnhealthyInstancePercent: unhealthy,
      maxUnhealthyUpgradedInstancePercent: unhealthyUpgraded,
      pauseTimeBetweenBatches: isUnresolved(pause) ? Token.asString(Fn.format('PT%dS', [pause])) : `PT${pause}S`,
      prioritizeUnhealthyInstancesEnabled: rolling.prioritizeUnhealthyInstances ?? true,
      maximumSurgeInstancesEnabled: rolling.maximumSurge ?? false,
    },
    preconditions,
  };
}

/**
 * Azure's relation of the two percentages (see ROLLING_UPGRADE_CHECKS): a batch being upgraded counts as unhealthy. Judged
 * only when both are valid percentages (otherwise their own problems are reported); as a precondition when either is a
 * token, with the same message.
 */
function checkBatchWithinUnhealthy(validator: PropsValidator, batch: number, unhealthy: number): Precondition[] {
  const prop = 'rollingUpgrade.maxBatchInstancePercent';
  const [shownBatch, shownUnhealthy] = [shownNumber(batch), shownNumber(unhealthy)];
  const problem = `is above maxUnhealthyInstancePercent (${shownUnhealthy}), which Azure refuses: a batch upgrading counts as unhealthy`;
  const fix = `lower maxBatchInstancePercent to ${shownUnhealthy}, or raise maxUnhealthyInstancePercent to ${shownBatch}`;
  const { maxBatchInstancePercent: batchRule, maxUnhealthyInstancePercent: unhealthyRule } = ROLLING_UPGRADE_CHECKS;
  if (isUnresolved(batch) || isUnresolved(unhealthy)) {
    const bothValid = allOf([batchRule.condition(batch), unhealthyRule.condition(unhealthy)]);
    return [planTimeCheck(validator, prop, shownBatch, Fn.try([Op.or(Op.not(bothValid), atMost(batch, unhealthy)), true]), problem, fix)];
  }
  if (batchRule.holds(batch) && unhealthyRule.holds(unhealthy) && batch > unhealthy) {
    validator.fail(prop, batch, problem, fix);
  }
  return [];
}

/** The names the scale set makes in its resource group: the scale set, its load balancer and public IP, and its network. */
function scaleSetNames(props: ImageScaleSetProps, resourceGroupName: string): NameClaim {
  const scope = resourceGroupScope(resourceGroupName);
  const prefix = props.namePrefix;
  return {
    prop: 'namePrefix',
    value: prefix,
    names: [
      { kind: AZURE_RESOURCE.SCALE_SET, scope, name: `vmss-${prefix}` },
      { kind: AZURE_RESOURCE.LOAD_BALANCER, scope, name: `lb-${prefix}` },
      { kind: AZURE_RESOURCE.PUBLIC_IP, scope, name: `pip-lb-${prefix}` },
      ...webNetworkClaims(resourceGroupName, prefix, props.subnetId !== undefined),
    ],
    fix: 'pass another namePrefix to one of them (every name of the scale set starts with it), or put them in different resource groups',
  };
}
