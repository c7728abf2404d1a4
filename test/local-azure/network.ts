/**
 * Microsoft.Network: VNets and their subnets, NSGs, public IPs, NICs and load balancers with their pools, as Azure
 * stores and returns them (Microsoft Learn, "Virtual Network REST API", "Load Balancer REST API"). Every PUT and DELETE
 * is a long-running operation; the JSON echoes what was sent, plus what Azure computes:
 * - ids, `etag`, `type` and `provisioningState` on the resource and on each entry of its arrays (NIC IP
 *   configurations, NSG rules, every load balancer array, which Azure always returns, empty or not);
 * - a public IP's `ipAddress`, allocated at creation when static (and kept through updates);
 * - a NIC IP configuration's `privateIPAddress`, the subnet's first free address when dynamic (subnets keep 5:
 *   addresses.ts), kept through updates;
 * - read-only back-references computed at read time: the VM of a NIC, the IP configurations in a subnet, the NICs and
 *   subnets of an NSG, the rules using a load balancer's frontend, pool or probe.
 * A reference to a resource that does not exist is refused (400 `InvalidResourceReference`), and so is a subnet in a VNet
 * that does not exist (404 `ResourceNotFound`, ResourceManager's child handling); a load balancer's other rules (its
 * rules' ports, what a scale set uses): load-balancers.ts. Scale set instances hold subnet addresses too (scale-sets.ts).
 */
import { firstFreeSubnetAddress, parseBlock } from './addresses';
import { AzureError, invalidResourceReference } from './errors';
import { Json } from './http';
import { idOf, keyOf, normalizeLocation, parseResourceId, same } from './ids';
import { refuseAttachingPublicIpInUse, refuseDeletingNicInUse, refuseDeletingNsgInUse, refuseDeletingPublicIpInUse, refuseDeletingSubnetInUse } from './in-use';
import { checkLoadBalancerUpdate, refuseDeletingPoolsInUse } from './load-balancers';
import { AzureState, PutContext, ResourceType } from './resource-manager';
import { scaleSetAddresses } from './scale-sets';

const NETWORK = 'Microsoft.Network';
const VNET = `${NETWORK}/virtualNetworks`;
const SUBNET = `${VNET}/subnets`;
const NSG = `${NETWORK}/networkSecurityGroups`;
const PUBLIC_IP = `${NETWORK}/publicIPAddresses`;
const NIC = `${NETWORK}/networkInterfaces`;
const LOAD_BALANCER = `${NETWORK}/loadBalancers`;

/** The arrays of a load balancer, each entry a child resource `<lb id>/<collection>/<name>`. */
const LOAD_BALANCER_COLLECTIONS = [
  'frontendIPConfigurations', 'backendAddressPools', 'loadBalancingRules', 'probes', 'inboundNatRules', 'inboundNatPools', 'outboundRules',
] as const;

function etag(azure: AzureState): string {
  return `W/"${azure.guid()}"`;
}

/** The envelope every tracked network resource has, around its properties. */
function tracked(context: PutContext, type: string, properties: Json): Json {
  const { body, existing, azure } = context;
  return {
    id: context.id,
    name: context.name,
    type,
    location: normalizeLocation(body.location),
    ...(body.tags !== undefined ? { tags: body.tags } : {}),
    ...(body.sku !== undefined ? { sku: body.sku } : {}),
    ...(body.zones !== undefined ? { zones: body.zones } : {}),
    etag: etag(azure),
    properties: { ...properties, provisioningState: 'Succeeded', resourceGuid: existing?.properties?.resourceGuid ?? azure.guid() },
  };
}

/** One entry of a resource's array (an IP configuration, a rule): its id, etag and type, around its properties. */
function entry(parentId: string, collection: string, parentType: string, raw: Json, azure: AzureState,
  properties: Json = raw.properties ?? {}): Json {
  return {
    name: raw.name,
    id: `${parentId}/${collection}/${raw.name}`,
    etag: etag(azure),
    type: `${parentType}/${collection}`,
    properties: { ...properties, provisioningState: 'Succeeded' },
  };
}

/** Refuses a reference (`{ id }`, or undefined) from `referencingId` to something that does not exist. */
function requireReference(azure: AzureState, reference: Json | undefined, referencingId: string, alsoValid: ReadonlySet<string> = new Set()): void {
  const id = reference?.id;
  if (typeof id === 'string' && !alsoValid.has(keyOf(id)) && !azure.store.holds(id)) {
    throw invalidResourceReference(id, referencingId);
  }
}

/** `{ id }` entries of the ids that point at `targetId` from the resources' entries found by `references`. */
function backReferences(azure: AzureState, type: string, references: (resource: Json) => Array<{ from: string; to: string | undefined }>,
  targetId: string) {
  return azure.store.all()
    .filter((r) => r.type === type)
    .flatMap((r) => references(r.body))
    .filter((ref) => ref.to !== undefined && same(ref.to, targetId))
    .map((ref) => ({ id: ref.from }));
}

/** Adds `values` as `properties[key]` when there are any: Azure omits empty back-reference arrays. */
function withReferences(properties: Json, key: string, values: Json[]): Json {
  return values.length > 0 ? { ...properties, [key]: values } : properties;
}

/** Each NIC IP configuration and what it points at (its subnet, public IP), for back-references. */
function nicConfigurations(nic: Json, field: 'subnet' | 'publicIPAddress') {
  return (nic.properties?.ipConfigurations ?? []).map((c: Json) => ({ from: c.id, to: c.properties?.[field]?.id as string | undefined }));
}

const subnetType: ResourceType = {
  type: SUBNET,
  child: true,
  longRunning: true,
  build: ({ id, name, body, azure }) => {
    requireReference(azure, body.properties?.networkSecurityGroup, id);
    requireReference(azure, body.properties?.routeTable, id);
    return { ...entry(id.slice(0, id.lastIndexOf('/subnets/')), 'subnets', VNET, { name }, azure, body.properties ?? {}), id };
  },
  refuseDeleting: (id, _subnet, azure) => refuseDeletingSubnetInUse(id, azure),
};

/** A subnet as a GET of it or of its VNet shows it: with the NIC IP configurations in it. */
function renderSubnet(subnet: Json, azure: AzureState): Json {
  const configurations = backReferences(azure, NIC, (nic) => nicConfigurations(nic, 'subnet'), subnet.id);
  return { ...subnet, properties: withReferences(subnet.properties, 'ipConfigurations', configurations) };
}

const virtualNetworkType: ResourceType = {
  type: VNET,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, existing, azure, id } = context;
    const properties = body.properties ?? {};
    if (!Array.isArray(properties.addressSpace?.addressPrefixes) || properties.addressSpace.addressPrefixes.length === 0) {
      throw new AzureError(400, 'InvalidRequestFormat', 'Cannot parse the request. addressSpace.addressPrefixes is required.');
    }
    // A PUT without `subnets` keeps the VNet's subnets (API 2023-11-01 and later: "Azure Virtual Network now supports
    // updates without subnet property", Azure Networking Blog, 2024-03; Azure/bicep-types-az issue 1687); with
    // `subnets`, they are the VNet's subnets.
    const subnets = properties.subnets === undefined
      ? existing?.properties?.subnets ?? []
      : (properties.subnets as Json[]).map((s) => subnetType.build({
        id: `${id}/subnets/${s.name}`, address: context.address, name: s.name, body: s, azure,
      }));
    // A subnet the PUT leaves out is deleted, and refused while in use (in-use.ts).
    for (const dropped of ((existing?.properties?.subnets ?? []) as Json[]).filter((old) => !subnets.some((s: Json) => same(s.name, old.name)))) {
      refuseDeletingSubnetInUse(dropped.id, azure);
    }
    return tracked(context, VNET, {
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
      ...properties,
      subnets,
    });
  },
  refuseDeleting: (_id, vnet, azure) => ((vnet.properties?.subnets ?? []) as Json[]).forEach((s) => refuseDeletingSubnetInUse(s.id, azure)),
  render: (body, { azure }) => ({
    ...body,
    properties: { ...body.properties, subnets: (body.properties.subnets ?? []).map((s: Json) => renderSubnet(s, azure)) },
  }),
};

/** The rules every NSG has besides its own (Microsoft Learn, "Network security groups", "Default security rules"). */
const DEFAULT_SECURITY_RULES: Array<[string, number, string, string, string, string]> = [
  ['AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'],
  ['AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'],
  ['DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'],
];

const networkSecurityGroupType: ResourceType = {
  type: NSG,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, id, azure } = context;
    const rules = (body.properties?.securityRules ?? []).map((rule: Json) => entry(id, 'securityRules', NSG, rule, azure));
    const defaults = DEFAULT_SECURITY_RULES.map(([name, priority, direction, access, source, destination]) => entry(id, 'defaultSecurityRules', NSG, {
      name,
      properties: {
        description: '',
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: source,
        destinationAddressPrefix: destination,
        access,
        priority,
        direction,
        sourcePortRanges: [],
        destinationPortRanges: [],
        sourceAddressPrefixes: [],
        destinationAddressPrefixes: [],
      },
    }, azure));
    return tracked(context, NSG, { ...body.properties, securityRules: rules, defaultSecurityRules: defaults });
  },
  refuseDeleting: (id, _nsg, azure) => refuseDeletingNsgInUse(id, azure),
  render: (body, { azure }) => {
    const nics = azure.store.all().filter((r) => r.type === NIC && same(r.body.properties?.networkSecurityGroup?.id, body.id))
      .map((r) => ({ id: r.id }));
    const subnets = azure.store.all().filter((r) => r.type === VNET)
      .flatMap((vnet) => (vnet.body.properties?.subnets ?? []) as Json[])
      .filter((s) => same(s.properties?.networkSecurityGroup?.id, body.id)).map((s) => ({ id: s.id }));
    return { ...body, properties: withReferences(withReferences(body.properties, 'networkInterfaces', nics), 'subnets', subnets) };
  },
};

const publicIpType: ResourceType = {
  type: PUBLIC_IP,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, existing, azure } = context;
    const properties = body.properties ?? {};
    const allocation = properties.publicIPAllocationMethod ?? 'Dynamic';
    // A static address is allocated with the resource and kept for its life; a dynamic one only once it is attached to
    // a running VM (Microsoft Learn, "Public IP addresses", "IP address assignment"), which this piece does not model.
    const ipAddress = existing?.properties?.ipAddress ?? (allocation === 'Static' ? azure.allocatePublicIp() : undefined);
    return tracked(context, PUBLIC_IP, {
      publicIPAddressVersion: 'IPv4',
      idleTimeoutInMinutes: 4,
      ipTags: [],
      ...properties,
      publicIPAllocationMethod: allocation,
      ...(ipAddress !== undefined ? { ipAddress } : {}),
    });
  },
  refuseDeleting: (id, _ip, azure) => refuseDeletingPublicIpInUse(id, azure),
  render: (body, { azure }) => {
    const users = [
      ...backReferences(azure, NIC, (nic) => nicConfigurations(nic, 'publicIPAddress'), body.id),
      ...backReferences(azure, LOAD_BALANCER, (lb) => (lb.properties?.frontendIPConfigurations ?? [])
        .map((f: Json) => ({ from: f.id, to: f.properties?.publicIPAddress?.id })), body.id),
    ];
    return users.length > 0 ? { ...body, properties: { ...body.properties, ipConfiguration: users[0] } } : body;
  },
};

/** The private addresses taken in a subnet, but for the NIC `exceptNicId` (whose own addresses are reused). */
function takenAddresses(azure: AzureState, subnetId: string, exceptNicId: string): Set<string> {
  const taken = azure.store.all()
    .filter((r) => r.type === NIC && !same(r.id, exceptNicId))
    .flatMap((r) => (r.body.properties?.ipConfigurations ?? []) as Json[])
    .filter((c) => same(c.properties?.subnet?.id, subnetId))
    .map((c) => c.properties?.privateIPAddress as string);
  return new Set([...taken, ...scaleSetAddresses(azure, subnetId)]);
}

/** The subnet's JSON for an id; the reference is known to exist. */
function subnetOf(azure: AzureState, subnetId: string): Json {
  const address = parseResourceId(subnetId)!;
  const vnet = azure.store.get(idOf(address, 1))!;
  return (vnet.body.properties.subnets as Json[]).find((s) => same(s.name, address.names[1]))!;
}

const networkInterfaceType: ResourceType = {
  type: NIC,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, existing, azure, id } = context;
    const properties = body.properties ?? {};
    requireReference(azure, properties.networkSecurityGroup, id);
    const previous: Json[] = existing?.properties?.ipConfigurations ?? [];
    const newAddresses = new Set<string>();
    const configurations = (properties.ipConfigurations ?? []).map((raw: Json, index: number) => {
      const config = raw.properties ?? {};
      const configId = `${id}/ipConfigurations/${raw.name}`;
      requireReference(azure, config.subnet, configId);
      requireReference(azure, config.publicIPAddress, configId);
      refuseAttachingPublicIpInUse(azure, config.publicIPAddress?.id, configId, id);
      const subnetId: string | undefined = config.subnet?.id;
      const before = previous.find((p) => same(p.name, raw.name) && same(p.properties?.subnet?.id, subnetId))?.properties?.privateIPAddress;
      let privateIPAddress = config.privateIPAllocationMethod === 'Static' ? config.privateIPAddress : before;
      if (privateIPAddress === undefined && subnetId !== undefined) {
        const subnet = subnetOf(azure, subnetId);
        const prefix = subnet.properties?.addressPrefix ?? subnet.properties?.addressPrefixes?.[0];
        const taken = takenAddresses(azure, subnetId, id);
        newAddresses.forEach((a) => taken.add(a));
        privateIPAddress = firstFreeSubnetAddress(parseBlock(prefix)!, taken);
        if (privateIPAddress === undefined) {
          // No address left (Microsoft.Network's 400 `SubnetIsFull`; the 5 addresses Azure keeps: addresses.ts).
          throw new AzureError(400, 'SubnetIsFull', `Subnet ${subnet.name} with address prefix ${prefix} does not have enough capacity for 1 IP addresses.`);
        }
      }
      if (privateIPAddress !== undefined) {
        newAddresses.add(privateIPAddress);
      }
      return entry(id, 'ipConfigurations', NIC, raw, azure, {
        privateIPAddressVersion: 'IPv4',
        privateIPAllocationMethod: 'Dynamic',
        ...config,
        primary: config.primary ?? index === 0,
        ...(privateIPAddress !== undefined ? { privateIPAddress } : {}),
      });
    });
    return tracked(context, NIC, {
      enableAcceleratedNetworking: false,
      enableIPForwarding: false,
      ...properties,
      dnsSettings: {
        dnsServers: [],
        ...properties.dnsSettings,
        appliedDnsServers: [],
        internalDomainNameSuffix: existing?.properties?.dnsSettings?.internalDomainNameSuffix ?? `${azure.guid().replace(/-/g, '')}.ax.internal.cloudapp.net`,
      },
      ipConfigurations: configurations,
    });
  },
  refuseDeleting: (id, _nic, azure) => refuseDeletingNicInUse(id, azure),
  render: (body, { azure }) => {
    const vm = azure.store.all().find((r) => r.type === 'Microsoft.Compute/virtualMachines'
      && (r.body.properties?.networkProfile?.networkInterfaces ?? []).some((n: Json) => same(n.id, body.id)));
    if (vm === undefined) {
      return body;
    }
    // Attached to a VM: Azure shows the VM and the NIC's MAC address.
    const mac = vm.body.properties.vmId.replace(/-/g, '').slice(0, 12).toUpperCase().match(/../g)!.join('-');
    return { ...body, properties: { ...body.properties, virtualMachine: { id: vm.id }, macAddress: mac, primary: true } };
  },
};

/** A load balancer entry's references to its siblings, and what they point at, for back-references and checks. */
const ENTRY_REFERENCES: { [collection: string]: Array<[string, string]> } = {
  loadBalancingRules: [['frontendIPConfiguration', 'loadBalancingRules'], ['backendAddressPool', 'loadBalancingRules'], ['probe', 'loadBalancingRules']],
  outboundRules: [['backendAddressPool', 'outboundRules']],
  inboundNatRules: [['frontendIPConfiguration', 'inboundNatRules']],
  inboundNatPools: [['frontendIPConfiguration', 'inboundNatPools']],
};

/** Every reference of one load balancer entry: single ones (`probe: {id}`) and lists (`frontendIPConfigurations: [{id}]`). */
function entryReferences(collection: string, entryJson: Json): Array<{ id: string; backReference: string }> {
  const props = entryJson.properties ?? {};
  const references: Array<{ id: string; backReference: string }> = [];
  for (const [field, backReference] of ENTRY_REFERENCES[collection] ?? []) {
    for (const value of [props[field], ...(props[`${field}s`] ?? [])]) {
      if (typeof value?.id === 'string') {
        references.push({ id: value.id, backReference });
      }
    }
  }
  if (collection === 'outboundRules') {
    for (const frontend of props.frontendIPConfigurations ?? []) {
      references.push({ id: frontend.id, backReference: 'outboundRules' });
    }
  }
  return references;
}

const loadBalancerType: ResourceType = {
  type: LOAD_BALANCER,
  longRunning: true,
  creatingState: 'Updating',
  build: (context) => {
    const { body, id, azure, existing } = context;
    const properties: Json = { ...body.properties };
    // A PUT is the whole load balancer: an array it leaves out is empty, and the GET always shows every array.
    for (const collection of LOAD_BALANCER_COLLECTIONS) {
      properties[collection] = (body.properties?.[collection] ?? []).map((raw: Json) => entry(id, collection, LOAD_BALANCER, raw, azure));
    }
    const own = new Set<string>(LOAD_BALANCER_COLLECTIONS.flatMap((c) => (properties[c] as Json[]).map((e) => keyOf(e.id))));
    for (const frontend of properties.frontendIPConfigurations as Json[]) {
      requireReference(azure, frontend.properties.publicIPAddress, frontend.id);
      refuseAttachingPublicIpInUse(azure, frontend.properties.publicIPAddress?.id, frontend.id, id);
      requireReference(azure, frontend.properties.subnet, frontend.id);
    }
    for (const collection of Object.keys(ENTRY_REFERENCES)) {
      for (const rule of properties[collection] as Json[]) {
        entryReferences(collection, rule).forEach((reference) => requireReference(azure, reference, rule.id, own));
      }
    }
    const built = tracked(context, LOAD_BALANCER, properties);
    checkLoadBalancerUpdate(azure, existing, built);
    return built;
  },
  deleting: (lb, azure) => refuseDeletingPoolsInUse(azure, lb.body.properties?.backendAddressPools ?? []),
  render: (body) => {
    const properties = { ...body.properties };
    const referencing = new Map<string, Map<string, Json[]>>();
    for (const collection of Object.keys(ENTRY_REFERENCES)) {
      for (const rule of properties[collection] as Json[]) {
        for (const { id, backReference } of entryReferences(collection, rule)) {
          const byKind = referencing.get(keyOf(id)) ?? new Map<string, Json[]>();
          byKind.set(backReference, [...(byKind.get(backReference) ?? []), { id: rule.id }]);
          referencing.set(keyOf(id), byKind);
        }
      }
    }
    for (const collection of LOAD_BALANCER_COLLECTIONS) {
      properties[collection] = (properties[collection] as Json[]).map((e) => {
        let entryProperties = e.properties;
        for (const [kind, ids] of referencing.get(keyOf(e.id)) ?? []) {
          entryProperties = withReferences(entryProperties, kind, ids);
        }
        return { ...e, properties: entryProperties };
      });
    }
    return { ...body, properties };
  },
};

/** An entry of a load balancer's arrays, addressed on its own (azurerm PUTs backend pools this way). */
function loadBalancerEntryType(collection: string): ResourceType {
  return {
    type: `${LOAD_BALANCER}/${collection}`,
    child: true,
    longRunning: true,
    build: ({ id, name, body, azure }: PutContext) => ({ ...entry(id.slice(0, id.lastIndexOf(`/${collection}/`)), collection, LOAD_BALANCER, { ...body, name }, azure), id }),
  };
}

export const NETWORK_TYPES: ResourceType[] = [
  virtualNetworkType,
  subnetType,
  networkSecurityGroupType,
  publicIpType,
  networkInterfaceType,
  loadBalancerType,
  ...LOAD_BALANCER_COLLECTIONS.map(loadBalancerEntryType),
];
