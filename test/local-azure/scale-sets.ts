/**
 * Microsoft.Compute/virtualMachineScaleSets (Uniform orchestration) with their instances and rolling upgrades, as Azure
 * keeps them (Microsoft Learn, "Virtual Machine Scale Sets REST API"; "Configure rolling upgrades on Virtual Machine
 * Scale Sets"; "Upgrade policies for Virtual Machine Scale Sets"):
 * - `sku.capacity` instances, ids `0`, `1`, ... never reused; each with the computer name `computerNamePrefix` + its id
 *   in base 36 on 6 characters (`web000000`, `web00000a`; the operator's verify-scale-set step and the example read it
 *   so), a private address in the model's subnet (addresses.ts), a C: drive made from the image (what the image
 *   captured of its build VM's drive: run-command.ts, `Guests.startInstance`), and the model it was made from; an
 *   instance upgraded to a new model is reimaged (its drive made again from the new image). `GET .../virtualMachines` lists them (`az vmss list-instances`), with `latestModelApplied`.
 * - A PUT or PATCH that changes `virtualMachineProfile` makes a new model: every instance is then off the latest model.
 *   With `upgradePolicy.mode` Rolling, Azure rolls the new model out on its own ("Rolling - Scale set performs updates
 *   in batches with an optional pause time in between", "Upgrade policies for Virtual Machine Scale Sets"); azurerm
 *   only PATCHes the model in that mode (virtual_machine_scale_set_update.go, performUpdate: UpdateInstances only for
 *   Manual or Automatic). Capacity changes add instances on the latest model, or remove the highest ids.
 * - The rolling upgrade (`GET .../rollingUpgrades/latest`, RollingUpgradeStatusInfo): batches of
 *   maxBatchInstancePercent of the instances (at least one), unhealthy outdated instances first with
 *   prioritizeUnhealthyInstances; before each batch the share of unhealthy instances is held to
 *   maxUnhealthyInstancePercent, after it the share of unhealthy upgraded instances to
 *   maxUnhealthyUpgradedInstancePercent, else the upgrade stops Faulted ("This constraint will be checked prior to
 *   starting any batch" / "This check will happen after each batch is upgraded. If this percentage is ever exceeded,
 *   the rolling update aborts": RollingUpgradePolicy, Compute REST API). Health is the health probe's answer from the
 *   instance's IIS (guest-web.ts). Time is not this Azure's to keep: one batch is done per look at the upgrade
 *   (a GET of `latest`), the pause between batches taken as passed between looks, so a poller sees every batch.
 * - `POST .../osRollingUpgrade` (`az vmss rolling-upgrade start`) starts one for the instances off the latest model;
 *   `POST .../rollingUpgrades/cancel` cancels the running one.
 * Azure's refusals, each checked where Azure checks it (the PUT or PATCH of the scale set; load-balancers.ts for the
 * load balancer's side):
 * - Rolling mode without a health probe or the Application Health extension: 400 BadRequest, "Rolling Upgrade mode is
 *   not supported for this Virtual Machine Scale Set because a health probe or health extension was not provided."
 *   (quoted in hashicorp/terraform-provider-azurerm pull 5430 and gbowerman/azure-myriad issue 30);
 * - automatic OS image upgrade likewise: "Automatic OS Upgrade is not supported for this Virtual Machine Scale Set
 *   because a health probe or health extension was not specified." (Azure-Samples/open-source-labs issue 46), and on
 *   Windows not with `enableAutomaticUpdates` true ("If this is set to true for Windows based scale sets,
 *   enableAutomaticUpdates is automatically set to false and cannot be set to true": AutomaticOSUpgradePolicy,
 *   Compute REST API; the error's code and words are not published, so this Azure says it in those words);
 * - the rolling upgrade policy's percentages: maxBatchInstancePercent and maxUnhealthyInstancePercent 5-100,
 *   maxUnhealthyUpgradedInstancePercent 0-100 (RollingUpgradePolicy's minimum and maximum in the Compute REST API's
 *   specification), refused in Compute's words for a value out of range (400 InvalidParameter, "The value {v} of
 *   parameter '{name}' is out of range. The value must be between {min} and {max}, inclusive.");
 * - a health probe or backend pool that does not exist: 400 InvalidResourceReference (azure-cli issue 3986 quotes it).
 */
import { firstFreeSubnetAddress, parseBlock } from './addresses';
import { DEFAULT_OS_DISK_GB, trackedCompute, withoutEmptyCapabilities, withoutSecrets } from './compute';
import { diskControllerRefusal } from './disk-controllers';
import { AzureError, invalidResourceReference } from './errors';
import { iisAnswer } from './guest-web';
import { AzureRequest, AzureResponse, empty, Json, json } from './http';
import { idOf, normalizeLocation, parseResourceId, same } from './ids';
import { AzureState, clone, PutContext, ResourceType } from './resource-manager';
import { StoredResource } from './store';

export const SCALE_SET = 'Microsoft.Compute/virtualMachineScaleSets';
const INSTANCE_TYPE = `${SCALE_SET}/virtualMachines`;

/** One instance of a scale set, kept in the scale set's hidden state. */
export interface ScaleSetInstance {
  readonly instanceId: string;
  readonly computerName: string;
  readonly vmId: string;
  readonly privateIPAddress: string | undefined;
  readonly timeCreated: string;
  /** The model it runs: its number, and the `virtualMachineProfile` of that model. */
  model: number;
  profile: Json;
}

/** The key of an instance's C: drive among the guests (its resource id). */
export function instanceKey(set: StoredResource, instance: ScaleSetInstance): string {
  return `${set.id}/virtualMachines/${instance.instanceId}`;
}

/** The directory of the instance's C: drive. */
export function instanceDrive(azure: AzureState, set: StoredResource, instance: ScaleSetInstance): string | undefined {
  return azure.guests.instanceDrive(instanceKey(set, instance));
}

/** Makes the instance's C: drive (again) from its model's image. */
function imageInstance(azure: AzureState, set: StoredResource, instance: ScaleSetInstance): void {
  azure.guests.startInstance(instanceKey(set, instance), instance.profile.storageProfile?.imageReference?.id);
}

/** A rolling upgrade, as `rollingUpgrades/latest` shows it. */
interface RollingUpgrade {
  status: 'RollingForward' | 'Completed' | 'Faulted' | 'Cancelled';
  readonly startTime: string;
  endTime?: string;
  readonly policy: Json;
  /** The instances still to upgrade, in order. */
  pending: string[];
  /** The instances of each batch done. */
  readonly batches: string[][];
  failed: number;
  error?: { code: string; message: string };
}

/** The computer name of an instance: the prefix, then the id in base 36 on 6 characters. */
export function instanceComputerName(prefix: string, instanceId: number): string {
  return `${prefix}${instanceId.toString(36).padStart(6, '0')}`;
}

function instancesOf(set: StoredResource): ScaleSetInstance[] {
  return (set.hidden.instances ??= []) as ScaleSetInstance[];
}

function upgradeOf(set: StoredResource): RollingUpgrade | undefined {
  return set.hidden.rollingUpgrade as RollingUpgrade | undefined;
}

/** The rolling upgrade policy's percentages and their ranges. */
const PERCENTAGES: Array<[string, number]> = [['maxBatchInstancePercent', 5], ['maxUnhealthyInstancePercent', 5], ['maxUnhealthyUpgradedInstancePercent', 0]];

function outOfRange(name: string, value: unknown, min: number, max: number): AzureError {
  return new AzureError(400, 'InvalidParameter', `The value ${String(value)} of parameter '${name}' is out of range. The value must be between ${min} and ${max}, inclusive.`,
    name);
}

function hasHealthExtension(profile: Json): boolean {
  return ((profile.extensionProfile?.extensions ?? []) as Json[]).some((e) => /^ApplicationHealth(Windows|Linux)$/.test(e.properties?.type ?? ''));
}

/** Azure's checks of a scale set's upgrade policy against its model. */
function checkUpgradePolicy(properties: Json, profile: Json): void {
  const policy = properties.upgradePolicy ?? {};
  const healthSignal = profile.networkProfile?.healthProbe?.id !== undefined || hasHealthExtension(profile);
  const automaticOs = policy.automaticOSUpgradePolicy?.enableAutomaticOSUpgrade === true;
  if (automaticOs && !healthSignal) {
    throw new AzureError(400, 'BadRequest', 'Automatic OS Upgrade is not supported for this Virtual Machine Scale Set because a health probe or health '
      + 'extension was not specified.');
  }
  if (automaticOs && profile.osProfile?.windowsConfiguration?.enableAutomaticUpdates === true) {
    throw new AzureError(400, 'InvalidParameter', 'enableAutomaticUpdates cannot be set to true on a Windows scale set with automatic OS image upgrade '
      + '(upgradePolicy.automaticOSUpgradePolicy.enableAutomaticOSUpgrade).', 'virtualMachineProfile.osProfile.windowsConfiguration.enableAutomaticUpdates');
  }
  if (policy.mode === 'Rolling' && !healthSignal) {
    throw new AzureError(400, 'BadRequest', 'Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because a health probe or health '
      + 'extension was not provided.');
  }
  const rolling = policy.rollingUpgradePolicy ?? {};
  for (const [name, min] of PERCENTAGES) {
    const value = rolling[name];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > 100)) {
      throw outOfRange(`upgradePolicy.rollingUpgradePolicy.${name}`, value, min, 100);
    }
  }
}

/** The references of the model's NICs to the network: subnets, backend pools, the health probe; each must exist. */
function checkReferences(azure: AzureState, id: string, profile: Json): void {
  const configurations = ((profile.networkProfile?.networkInterfaceConfigurations ?? []) as Json[])
    .flatMap((nic) => (nic.properties?.ipConfigurations ?? []) as Json[]);
  const references = [
    profile.networkProfile?.healthProbe?.id,
    ...configurations.map((c) => c.properties?.subnet?.id),
    ...configurations.flatMap((c) => ((c.properties?.loadBalancerBackendAddressPools ?? []) as Json[]).map((p) => p.id)),
  ].filter((ref): ref is string => typeof ref === 'string');
  for (const reference of references) {
    if (!azure.store.holds(reference)) {
      throw invalidResourceReference(reference, id);
    }
  }
}

/** The model as the instances run it: compared to tell a new model (secrets are never kept). */
function modelOf(properties: Json): string {
  return JSON.stringify(properties.virtualMachineProfile ?? {});
}

/** The primary IP configuration of a model: its subnet and backend pools. */
function primaryIpConfiguration(profile: Json): Json | undefined {
  const nics = (profile.networkProfile?.networkInterfaceConfigurations ?? []) as Json[];
  const nic = nics.find((n) => n.properties?.primary) ?? nics[0];
  const configurations = (nic?.properties?.ipConfigurations ?? []) as Json[];
  return configurations.find((c) => c.properties?.primary) ?? configurations[0];
}

/** Every private address an instance of any scale set holds in the subnet (network.ts counts them as taken). */
export function scaleSetAddresses(azure: AzureState, subnetId: string): string[] {
  return azure.store.all().filter((r) => r.type === SCALE_SET)
    .flatMap((set) => instancesOf(set).filter((i) => same(primaryIpConfiguration(i.profile)?.properties?.subnet?.id, subnetId)))
    .map((i) => i.privateIPAddress).filter((a): a is string => a !== undefined);
}

function newInstance(azure: AzureState, set: StoredResource, taken: Set<string>): ScaleSetInstance {
  const next: number = set.hidden.nextInstanceId ?? 0;
  set.hidden.nextInstanceId = next + 1;
  const profile = clone(set.body.properties.virtualMachineProfile);
  const subnetId: string | undefined = primaryIpConfiguration(profile)?.properties?.subnet?.id;
  let privateIPAddress: string | undefined;
  if (subnetId !== undefined) {
    const address = parseResourceId(subnetId)!;
    const vnet = azure.store.get(idOf(address, 1));
    const subnet = ((vnet?.body.properties?.subnets ?? []) as Json[]).find((s) => same(s.name, address.names[1]));
    const block = parseBlock(subnet?.properties?.addressPrefix ?? subnet?.properties?.addressPrefixes?.[0] ?? '');
    privateIPAddress = block === undefined ? undefined : firstFreeSubnetAddress(block, taken);
    if (block !== undefined && privateIPAddress === undefined) {
      throw new AzureError(400, 'SubnetIsFull', `Subnet ${subnet?.name} does not have enough capacity for 1 IP addresses.`);
    }
    if (privateIPAddress !== undefined) {
      taken.add(privateIPAddress);
    }
  }
  const instance: ScaleSetInstance = {
    instanceId: String(next),
    computerName: instanceComputerName(profile.osProfile?.computerNamePrefix ?? set.body.name, next),
    vmId: azure.guid(),
    privateIPAddress,
    timeCreated: azure.now(),
    model: set.hidden.model,
    profile,
  };
  imageInstance(azure, set, instance);
  return instance;
}

/** Brings the instances to `capacity`: new ones on the latest model, or the highest ids removed. */
function scaleTo(azure: AzureState, set: StoredResource, capacity: number): void {
  const instances = instancesOf(set);
  const subnetId: string | undefined = primaryIpConfiguration(set.body.properties.virtualMachineProfile)?.properties?.subnet?.id;
  const taken = new Set<string>(subnetId === undefined ? [] : [...subnetAddressesOfNics(azure, subnetId), ...scaleSetAddresses(azure, subnetId)]);
  while (instances.length < capacity) {
    instances.push(newInstance(azure, set, taken));
  }
  instances.splice(capacity).forEach((instance) => azure.guests.removeInstance(instanceKey(set, instance)));
}

function subnetAddressesOfNics(azure: AzureState, subnetId: string): string[] {
  return azure.store.all().filter((r) => r.type === 'Microsoft.Network/networkInterfaces')
    .flatMap((r) => (r.body.properties?.ipConfigurations ?? []) as Json[])
    .filter((c) => same(c.properties?.subnet?.id, subnetId))
    .map((c) => c.properties?.privateIPAddress as string);
}

/** Whether the instance answers its scale set's health probe (the load balancer probe the model names). */
export function isHealthy(azure: AzureState, set: StoredResource, instance: ScaleSetInstance): boolean {
  const probeId: string | undefined = set.body.properties.virtualMachineProfile?.networkProfile?.healthProbe?.id;
  const probe = probeId === undefined ? undefined : loadBalancerProbe(azure, probeId);
  const drive = instanceDrive(azure, set, instance);
  const answer = drive === undefined ? undefined : iisAnswer(drive, instance.computerName.toUpperCase(), probe?.properties?.requestPath ?? '/');
  // A TCP probe needs the port to listen (IIS installed); an HTTP(S) one a 200 for its path.
  return String(probe?.properties?.protocol ?? 'Tcp').toLowerCase() === 'tcp' ? answer !== undefined : answer?.status === 200;
}

/** A load balancer's probe by its id, or undefined. */
export function loadBalancerProbe(azure: AzureState, probeId: string): Json | undefined {
  const address = parseResourceId(probeId);
  const lb = address === undefined ? undefined : azure.store.get(idOf(address, 1));
  return ((lb?.body.properties?.probes ?? []) as Json[]).find((p) => same(p.id, probeId));
}

/** Starts a rolling upgrade of the instances off the latest model (none off it: one that is Completed at once). */
function startRollingUpgrade(azure: AzureState, set: StoredResource): void {
  const policy = set.body.properties.upgradePolicy?.rollingUpgradePolicy ?? {};
  const outdated = instancesOf(set).filter((i) => i.model !== set.hidden.model);
  const prioritize = policy.prioritizeUnhealthyInstances === true;
  const ordered = prioritize ? [...outdated.filter((i) => !isHealthy(azure, set, i)), ...outdated.filter((i) => isHealthy(azure, set, i))] : outdated;
  const now = azure.now();
  set.hidden.rollingUpgrade = {
    status: ordered.length === 0 ? 'Completed' : 'RollingForward',
    startTime: now,
    ...(ordered.length === 0 ? { endTime: now } : {}),
    policy,
    pending: ordered.map((i) => i.instanceId),
    batches: [],
    failed: 0,
  } as RollingUpgrade;
}

/** One batch of a running upgrade, with the health checks before and after it. */
function advance(azure: AzureState, set: StoredResource): void {
  const upgrade = upgradeOf(set);
  if (upgrade === undefined || upgrade.status !== 'RollingForward') {
    return;
  }
  const instances = instancesOf(set);
  const percent = (part: number) => (instances.length === 0 ? 0 : (100 * part) / instances.length);
  const fault = (code: string, message: string) => {
    upgrade.status = 'Faulted';
    upgrade.endTime = azure.now();
    upgrade.error = { code, message };
  };
  const unhealthy = instances.filter((i) => !isHealthy(azure, set, i)).length;
  if (percent(unhealthy) > (upgrade.policy.maxUnhealthyInstancePercent ?? 20)) {
    fault('MaxUnhealthyInstancePercentExceededInRollingUpgrade', `The rolling upgrade stopped before a batch: ${unhealthy} of ${instances.length} `
      + `instances are unhealthy, more than maxUnhealthyInstancePercent (${upgrade.policy.maxUnhealthyInstancePercent ?? 20}%).`);
    return;
  }
  const size = Math.max(1, Math.floor((instances.length * (upgrade.policy.maxBatchInstancePercent ?? 20)) / 100));
  const batch = upgrade.pending.splice(0, size);
  for (const instance of instances.filter((i) => batch.includes(i.instanceId))) {
    instance.model = set.hidden.model;
    instance.profile = clone(set.body.properties.virtualMachineProfile);
    imageInstance(azure, set, instance);
  }
  upgrade.batches.push(batch);
  const upgraded = new Set(upgrade.batches.flat());
  const unhealthyUpgraded = instances.filter((i) => upgraded.has(i.instanceId) && !isHealthy(azure, set, i)).length;
  upgrade.failed = unhealthyUpgraded;
  if (upgraded.size > 0 && (100 * unhealthyUpgraded) / upgraded.size > (upgrade.policy.maxUnhealthyUpgradedInstancePercent ?? 20)) {
    fault('MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade', `The rolling upgrade stopped after a batch: ${unhealthyUpgraded} of `
      + `${upgraded.size} upgraded instances are unhealthy, more than maxUnhealthyUpgradedInstancePercent (${upgrade.policy.maxUnhealthyUpgradedInstancePercent ?? 20}%).`);
    return;
  }
  if (upgrade.pending.length === 0) {
    upgrade.status = 'Completed';
    upgrade.endTime = azure.now();
  }
}

/** `rollingUpgrades/latest` as Azure shows it (RollingUpgradeStatusInfo). */
function upgradeStatus(set: StoredResource, upgrade: RollingUpgrade): Json {
  const done = upgrade.batches.flat().length;
  return {
    name: 'latest',
    type: `${SCALE_SET}/rollingUpgrades`,
    location: set.body.location,
    properties: {
      policy: upgrade.policy,
      runningStatus: {
        code: upgrade.status,
        startTime: upgrade.startTime,
        lastAction: upgrade.status === 'Cancelled' ? 'Cancel' : 'Start',
        lastActionTime: upgrade.endTime ?? upgrade.startTime,
        ...(upgrade.endTime !== undefined ? { endTime: upgrade.endTime } : {}),
      },
      progress: {
        successfulInstanceCount: done - upgrade.failed,
        failedInstanceCount: upgrade.failed,
        inProgressInstanceCount: 0,
        pendingInstanceCount: upgrade.pending.length,
      },
      ...(upgrade.error !== undefined ? { error: upgrade.error } : {}),
    },
  };
}

/** An instance as `GET .../virtualMachines` lists it (VirtualMachineScaleSetVM). */
function instanceView(set: StoredResource, instance: ScaleSetInstance): Json {
  const { adminPassword, customData, computerNamePrefix, ...osProfile } = instance.profile.osProfile ?? {};
  const storage = instance.profile.storageProfile ?? {};
  return {
    name: `${set.body.name}_${instance.instanceId}`,
    id: `${set.id}/virtualMachines/${instance.instanceId}`,
    type: INSTANCE_TYPE,
    location: set.body.location,
    instanceId: instance.instanceId,
    sku: { name: set.body.sku?.name, tier: set.body.sku?.tier ?? 'Standard' },
    properties: {
      latestModelApplied: instance.model === set.hidden.model,
      vmId: instance.vmId,
      provisioningState: 'Succeeded',
      timeCreated: instance.timeCreated,
      hardwareProfile: { vmSize: set.body.sku?.name },
      storageProfile: { ...storage, osDisk: { ...storage.osDisk, name: `${set.body.name}_${instance.instanceId}_OsDisk_1_${instance.vmId.replace(/-/g, '')}` } },
      osProfile: { ...osProfile, computerName: instance.computerName, secrets: [] },
      networkProfile: { networkInterfaces: [{ id: `${set.id}/virtualMachines/${instance.instanceId}/networkInterfaces/nic` }] },
    },
  };
}

const scaleSetType: ResourceType = {
  type: SCALE_SET,
  longRunning: true,
  creatingState: 'Creating',
  build: (context: PutContext) => {
    const { body, existing, azure, id } = context;
    const properties = body.properties ?? {};
    const profile = properties.virtualMachineProfile ?? {};
    checkUpgradePolicy(properties, profile);
    checkReferences(azure, id, profile);
    const storage = profile.storageProfile ?? {};
    const location = normalizeLocation(body.location ?? existing?.location);
    const sizeRefusal = diskControllerRefusal(azure, location, storage.imageReference, body.sku?.name ?? existing?.sku?.name);
    if (sizeRefusal !== undefined) {
      throw sizeRefusal;
    }
    const osDisk = {
      osType: profile.osProfile?.linuxConfiguration !== undefined ? 'Linux' : 'Windows',
      ...storage.osDisk,
      diskSizeGB: storage.osDisk?.diskSizeGB ?? DEFAULT_OS_DISK_GB,
    };
    const built = trackedCompute(context, SCALE_SET, withoutEmptyCapabilities({
      ...properties,
      virtualMachineProfile: {
        ...profile,
        ...(profile.osProfile !== undefined ? { osProfile: withoutSecrets(profile.osProfile) } : {}),
        storageProfile: { ...storage, osDisk, dataDisks: storage.dataDisks ?? [] },
      },
      uniqueId: existing?.properties?.uniqueId ?? azure.guid(),
      timeCreated: existing?.properties?.timeCreated ?? azure.now(),
    }));
    const stored = existing === undefined ? undefined : azure.store.get(id);
    if (stored !== undefined) {
      // An update: a new model when the profile changed, rolled out as the upgrade policy says; then the capacity.
      const changed = modelOf(built.properties) !== modelOf(stored.body.properties);
      stored.body = built;
      if (changed) {
        stored.hidden.model = (stored.hidden.model ?? 0) + 1;
        if (built.properties.upgradePolicy?.mode === 'Rolling') {
          startRollingUpgrade(azure, stored);
        }
      }
      scaleTo(azure, stored, built.sku?.capacity ?? instancesOf(stored).length);
    }
    return built;
  },
  created: (set, azure) => {
    set.hidden.model = 0;
    scaleTo(azure, set, set.body.sku?.capacity ?? 0);
  },
  deleting: (set, azure) => scaleTo(azure, set, 0),
  actions: {
    virtualMachines: { GET: (set) => json(200, { value: instancesOf(set).map((i) => instanceView(set, i)) }) },
    osRollingUpgrade: {
      POST: (set, request, azure) => {
        if (upgradeOf(set)?.status !== 'RollingForward') {
          startRollingUpgrade(azure, set);
        }
        return empty(202, azure.startOperation(request, 'Microsoft.Compute', set.body.location, undefined, true));
      },
    },
  },
};

/**
 * A scale set's rolling upgrades: `GET .../rollingUpgrades/latest` shows the last one; before any, Compute's 404 for
 * an upgrade that never ran, the `NotFound` azurerm expects before it deletes a scale set ("No rolling upgrades are
 * running so skipping attempt to cancel them before deletion": CancelRollingUpgradesBeforeDeletion,
 * internal/services/compute/client/client.go at v4.55.0; the same words as test/fake-az/simulator.js's `vmss
 * rolling-upgrade get-latest`). `POST .../rollingUpgrades/cancel` cancels a running one.
 */
const rollingUpgradesType: ResourceType = {
  type: `${SCALE_SET}/rollingUpgrades`,
  child: true,
  longRunning: false,
  build: () => {
    throw new AzureError(405, 'MethodNotAllowed', 'A rolling upgrade is started by an action, not created.');
  },
  serve: (request: AzureRequest, address, set, azure): AzureResponse => {
    const name = address.names[1];
    const upgrade = upgradeOf(set);
    if (request.method === 'GET' && same(name, 'latest')) {
      if (upgrade === undefined) {
        throw new AzureError(404, 'NotFound', 'The entity was not found in this Azure location.');
      }
      advance(azure, set);
      return json(200, upgradeStatus(set, upgrade));
    }
    if (request.method === 'POST' && same(name, 'cancel')) {
      if (upgrade?.status === 'RollingForward') {
        upgrade.status = 'Cancelled';
        upgrade.endTime = azure.now();
      }
      return empty(202, azure.startOperation(request, 'Microsoft.Compute', set.body.location, undefined, true));
    }
    throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
  },
};

export const SCALE_SET_TYPES: ResourceType[] = [scaleSetType, rollingUpgradesType];

/** The scale set's instances as this Azure holds them (a copy), for tests and the load balancer's frontend. */
export function instancesOfScaleSet(set: StoredResource): readonly ScaleSetInstance[] {
  return instancesOf(set);
}
