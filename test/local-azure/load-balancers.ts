/**
 * Azure's rules for a load balancer's rules, probes and pools beyond the references network.ts checks, each checked
 * where Azure checks it (the PUT of the whole load balancer, which azurerm's `azurerm_lb_rule`/`azurerm_lb_probe` do
 * by GET-modify-PUT, or the DELETE of a pool or of the load balancer), and what its frontend does with a connection:
 * - a load-balancing rule's ports: `frontendPort` 0-65534 and `backendPort` 0-65535, 0 meaning any port
 *   (LoadBalancingRule.FrontendPort / BackendPort: "Acceptable values are between 0 and 65534. Note that value 0
 *   enables 'Any Port'", "between 0 and 65535", Microsoft Learn, Azure SDK for .NET reference of the Network REST API);
 *   refused in the form Network uses for a value out of its range (400 InvalidParameter; the exact code is not
 *   published for this field);
 * - a rule whose probe is a scale set's health probe cannot go: 400 CannotRemoveRuleUsedByProbeUsedByVMSS, "Load
 *   balancer rule {rule} cannot be removed because the rule references the load balancer probe {probe} that is used as
 *   health probe by VM scale set {scale set}. To remove this rule, please update VM scale set to remove the reference
 *   to the probe." (quoted in terraform-provider-azurerm issues 4398 and 9076, azure-cli issue 14167); nor can that
 *   probe itself (the same words, as the probe is only removed with its rules here);
 * - a backend pool a scale set's model uses cannot be dropped from the load balancer, nor can the load balancer holding
 *   it be deleted: "Cannot remove backend address
 *   pool {name} from load balancer since it is in use by virtual machine scale set {id}" (quoted in Azure/vm-scale-sets
 *   issue 53; 400, code not published: this Azure names it InUseBackendAddressPoolCannotBeDeleted, as Network names its
 *   other in-use refusals, e.g. InUseSubnetCannotBeDeleted).
 * The frontend: a connection to a frontend IP and port goes to the healthy members of the rule's pool (their scale set's
 * health probe's verdict, the example's rule probe: scale-sets.ts), chosen by a hash of the connection ("Azure Load Balancer distribution modes": a five-tuple
 * hash by default).
 */
import { AzureError } from './errors';
import { Json } from './http';
import { same } from './ids';
import { AzureState } from './resource-manager';
import { instanceDrive, instancesOfScaleSet, isHealthy, SCALE_SET } from './scale-sets';
import { StoredResource } from './store';

/** The scale sets whose model uses the pool (by id) in a NIC's IP configuration. */
function scaleSetsUsingPool(azure: AzureState, poolId: string): StoredResource[] {
  return azure.store.all().filter((r) => r.type === SCALE_SET && ipConfigurationsOf(r).some((c) => poolsOf(c).some((id) => same(id, poolId))));
}

function ipConfigurationsOf(set: StoredResource): Json[] {
  return ((set.body.properties?.virtualMachineProfile?.networkProfile?.networkInterfaceConfigurations ?? []) as Json[])
    .flatMap((nic) => (nic.properties?.ipConfigurations ?? []) as Json[]);
}

function poolsOf(configuration: Json): string[] {
  return ((configuration.properties?.loadBalancerBackendAddressPools ?? []) as Json[]).map((p) => p.id as string);
}

/** The scale set whose health probe is `probeId`, if any. */
function scaleSetUsingProbe(azure: AzureState, probeId: string): StoredResource | undefined {
  return azure.store.all()
    .find((r) => r.type === SCALE_SET && same(r.body.properties?.virtualMachineProfile?.networkProfile?.healthProbe?.id, probeId));
}

function poolInUse(poolName: string, setId: string): AzureError {
  return new AzureError(400, 'InUseBackendAddressPoolCannotBeDeleted',
    `Cannot remove backend address pool ${poolName} from load balancer since it is in use by virtual machine scale set ${setId}.`);
}

function checkRulePorts(rule: Json): void {
  for (const [field, max] of [['frontendPort', 65534], ['backendPort', 65535]] as const) {
    const value = rule.properties?.[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
      throw new AzureError(400, 'InvalidParameter', `The value ${String(value)} of ${field} of load balancing rule ${rule.id} is out of range. The value must `
        + `be between 0 and ${max}, inclusive.`, `properties.loadBalancingRules.${field}`);
    }
  }
}

/** Azure's checks of a load balancer's PUT (`after`) against what it was (`before`), beyond its references. */
export function checkLoadBalancerUpdate(azure: AzureState, before: Json | undefined, after: Json): void {
  for (const rule of (after.properties.loadBalancingRules ?? []) as Json[]) {
    checkRulePorts(rule);
  }
  if (before === undefined) {
    return;
  }
  const kept = (collection: string) => new Set(((after.properties[collection] ?? []) as Json[]).map((e) => String(e.name).toLowerCase()));
  const keptRules = kept('loadBalancingRules');
  for (const rule of (before.properties?.loadBalancingRules ?? []) as Json[]) {
    const probeId: string | undefined = rule.properties?.probe?.id;
    const set = probeId === undefined ? undefined : scaleSetUsingProbe(azure, probeId);
    if (!keptRules.has(String(rule.name).toLowerCase()) && set !== undefined) {
      throw new AzureError(400, 'CannotRemoveRuleUsedByProbeUsedByVMSS', `Load balancer rule ${rule.id} cannot be removed because the rule references the load `
        + `balancer probe ${probeId} that is used as health probe by VM scale set ${set.id}. To remove this rule, please update VM scale set to remove the `
        + 'reference to the probe.');
    }
  }
  const keptPools = kept('backendAddressPools');
  for (const pool of (before.properties?.backendAddressPools ?? []) as Json[]) {
    const [set] = scaleSetsUsingPool(azure, pool.id);
    if (!keptPools.has(String(pool.name).toLowerCase()) && set !== undefined) {
      throw poolInUse(pool.name, set.id);
    }
  }
}

/** Refuses the deletion of a backend pool (or of the load balancer holding it) that a scale set uses. */
export function refuseDeletingPoolsInUse(azure: AzureState, pools: readonly Json[]): void {
  for (const pool of pools) {
    const [set] = scaleSetsUsingPool(azure, pool.id);
    if (set !== undefined) {
      throw poolInUse(pool.name, set.id);
    }
  }
}

/** A machine behind a load balancer's frontend: its computer name and C: drive. */
export interface Backend {
  readonly computerName: string;
  readonly systemDrive: string | undefined;
}

/**
 * The healthy machines a connection to `ipAddress`:`port` may reach: the load balancer whose frontend holds the public
 * IP address, its rule for the port, that rule's pool's scale set instances that answer the rule's probe.
 */
export function frontendBackends(azure: AzureState, ipAddress: string, port: number): Backend[] {
  const publicIp = azure.store.all().find((r) => r.type === 'Microsoft.Network/publicIPAddresses' && r.body.properties?.ipAddress === ipAddress);
  if (publicIp === undefined) {
    return [];
  }
  const frontendsOf = (lb: StoredResource | undefined) => (lb?.body.properties?.frontendIPConfigurations ?? []) as Json[];
  const holdsIp = (frontend: Json) => same(frontend.properties?.publicIPAddress?.id, publicIp.id);
  const lb = azure.store.all().find((r) => r.type === 'Microsoft.Network/loadBalancers' && frontendsOf(r).some(holdsIp));
  const frontend = frontendsOf(lb).find(holdsIp);
  const rules = (lb?.body.properties?.loadBalancingRules ?? []) as Json[];
  const rule = rules.find((r) => same(r.properties?.frontendIPConfiguration?.id, frontend?.id)
    && (r.properties?.frontendPort === port || r.properties?.frontendPort === 0));
  if (rule === undefined) {
    return [];
  }
  const poolIds = [rule.properties?.backendAddressPool?.id, ...((rule.properties?.backendAddressPools ?? []) as Json[]).map((p) => p.id)]
    .filter((id): id is string => typeof id === 'string');
  return poolIds.flatMap((poolId) => scaleSetsUsingPool(azure, poolId))
    .flatMap((set) => instancesOfScaleSet(set).filter((instance) => isHealthy(azure, set, instance))
      .map((instance) => ({ computerName: instance.computerName, systemDrive: instanceDrive(azure, set, instance) })));
}
