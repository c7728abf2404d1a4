/**
 * Azure refuses to delete a resource on its own while another still uses it; each refusal names the user, and Azure's
 * words and codes are quoted from its answers to the real clients:
 * - a NIC a VM uses: 400 `NicInUse`, "Network Interface {nic id} is used by existing resource {vm id}. In order to delete
 *   the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic."
 *   (terraform-provider-azurerm issue 8105, packer-plugin-azure issue 273);
 * - a public IP on a NIC's IP configuration or a load balancer's frontend: 400 `PublicIPAddressCannotBeDeleted` (not
 *   `PublicIPAddressInUse`), "Public IP address {ip id} can not be deleted since it is still allocated to resource {ip
 *   configuration id}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To
 *   learn how to do this, see aka.ms/deletepublicip." (two spaces before "To", as Azure writes it: terraform-provider-azurerm
 *   issue 2566, microsoft/AzureTRE issue 4355, oap-project/cloudtik issue 158);
 * - a subnet with IP configurations in it (NICs, scale set instances, a load balancer's private frontend), deleted, or
 *   dropped from its VNet's PUT, or its VNet deleted: 400 `InUseSubnetCannotBeDeleted`, "Subnet {name} is in use by {ip
 *   configuration id} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See
 *   aka.ms/deletesubnet." (Azure/bicep issue 13267; the VNet's PUT: Azure-Samples/jmeter-aci-terraform issue 69; the
 *   VNet's DELETE: packer-plugin-azure issue 273; a load balancer frontend: kubernetes-sigs/cluster-api-provider-azure
 *   issue 172);
 * - an NSG associated with a subnet or a NIC: 400 `InUseNetworkSecurityGroupCannotBeDeleted`, "Network security group {nsg
 *   id} cannot be deleted because it is in use by the following resources: {subnet or NIC id}. In order to delete the
 *   Network security group, remove the association with the resource(s). To learn how to do this, see aka.ms/deletensg."
 *   (pulumi-azure-native issue 3051, DataBiosphere/terra-workspace-manager pull request 502; the aka.ms link as Azure
 *   sends it, quoted in Microsoft Learn's Azure Batch troubleshooting of pool deletion; how several users are joined is
 *   not quoted anywhere found: here ", "); a scale set's NSG, on its instances' NICs, likewise (by inference from
 *   Azure/azure-powershell issue 11835, where the NSG lists the instances' NICs: no refusal quoted);
 * - a managed disk a VM uses: 409 `OperationNotAllowed`, "Disk {name} is attached to VM {vm id}." (Microsoft Learn, "AKS
 *   troubleshooting", Azure disk: `DisksClient#Delete: ... StatusCode=409 ... Code="OperationNotAllowed"`; ansible/ansible
 *   pull request 54644).
 * The three network codes together: Microsoft Learn, "A public IP address/subnet/network security group in use can't be
 * deleted" (AKS troubleshooting).
 * A resource group's deletion is not refused: Resource Manager orders it by dependencies (resources.ts), so these checks
 * run only for a DELETE of the resource itself (`ResourceType.refuseDeleting`, resource-manager.ts).
 */
import { AzureError } from './errors';
import { Json } from './http';
import { parseResourceId, same } from './ids';
import { AzureState } from './resource-manager';
import { instancesOfScaleSet, SCALE_SET } from './scale-sets';

const NIC = 'Microsoft.Network/networkInterfaces';
const VNET = 'Microsoft.Network/virtualNetworks';
const LOAD_BALANCER = 'Microsoft.Network/loadBalancers';
const VM = 'Microsoft.Compute/virtualMachines';

function resourcesOf(azure: AzureState, type: string) {
  return azure.store.all().filter((r) => r.type === type);
}

function ipConfigurationsOf(nic: Json): Json[] {
  return (nic.properties?.ipConfigurations ?? []) as Json[];
}

function frontendsOf(lb: Json): Json[] {
  return (lb.properties?.frontendIPConfigurations ?? []) as Json[];
}

/** The VMs whose network profile holds the NIC. */
function vmsUsingNic(azure: AzureState, nicId: string): string[] {
  return resourcesOf(azure, VM)
    .filter((vm) => ((vm.body.properties?.networkProfile?.networkInterfaces ?? []) as Json[]).some((n) => same(n.id, nicId)))
    .map((vm) => vm.id);
}

export function refuseDeletingNicInUse(nicId: string, azure: AzureState): void {
  const [vmId] = vmsUsingNic(azure, nicId);
  if (vmId !== undefined) {
    throw new AzureError(400, 'NicInUse', `Network Interface ${nicId} is used by existing resource ${vmId}. In order to delete the network interface, `
      + 'it must be dissociated from the resource. To learn more, see aka.ms/deletenic.');
  }
}

/** The NIC IP configuration or load balancer frontend holding the public IP, but for those of `exceptId` (a NIC or load balancer). */
function publicIpHolder(azure: AzureState, publicIpId: string, exceptId?: string): Json | undefined {
  const others = (type: string) => resourcesOf(azure, type).filter((r) => exceptId === undefined || !same(r.id, exceptId));
  const holders = [
    ...others(NIC).flatMap((nic) => ipConfigurationsOf(nic.body)),
    ...others(LOAD_BALANCER).flatMap((lb) => frontendsOf(lb.body)),
  ];
  return holders.find((c) => same(c.properties?.publicIPAddress?.id, publicIpId));
}

/**
 * A public IP goes to one IP configuration at a time: a NIC's or load balancer's PUT that gives it another is refused,
 * 400 `PublicIPAddressInUse`, "Resource {ip configuration id} is referencing public IP address {ip id} that is already
 * allocated to resource {its ip configuration id}." (the words: MicrosoftLearning/AZ-100-MicrosoftAzureInfrastructureDeployment
 * issue 15, microsoft/azure-tools-for-java issue 91, which do not show the code; the code is Network's for a public IP
 * another resource holds, seen on a load balancer's PUT in azure-xplat-cli's recorded tests and on an Azure Firewall's
 * PUT given a NAT gateway's public IP, api-version 2024-10-01, in a public Terraform module's notes).
 */
export function refuseAttachingPublicIpInUse(azure: AzureState, publicIpId: string | undefined, configurationId: string, ownerId: string): void {
  const holder = publicIpId === undefined ? undefined : publicIpHolder(azure, publicIpId, ownerId);
  if (holder !== undefined) {
    throw new AzureError(400, 'PublicIPAddressInUse', `Resource ${configurationId} is referencing public IP address ${publicIpId} that is already allocated `
      + `to resource ${holder.id}.`);
  }
}

export function refuseDeletingPublicIpInUse(publicIpId: string, azure: AzureState): void {
  const holder = publicIpHolder(azure, publicIpId);
  if (holder !== undefined) {
    throw new AzureError(400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${publicIpId} can not be deleted since it is still allocated to resource `
      + `${holder.id}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see `
      + 'aka.ms/deletepublicip.');
  }
}

/**
 * Each scale set instance's NICs, with their ids as Network names them (`<set id>/virtualMachines/<instance
 * id>/networkInterfaces/<name>`, the AKS page above) and their configuration in the instance's model.
 */
function scaleSetInstanceNics(azure: AzureState): Array<{ id: string; nic: Json }> {
  return resourcesOf(azure, SCALE_SET).flatMap((set) => instancesOfScaleSet(set).flatMap((instance) =>
    ((instance.profile.networkProfile?.networkInterfaceConfigurations ?? []) as Json[])
      .map((nic) => ({ id: `${set.id}/virtualMachines/${instance.instanceId}/networkInterfaces/${nic.name}`, nic }))));
}

/** The ids of the IP configurations in a subnet: NICs', load balancer frontends', and each scale set instance's. */
function ipConfigurationsInSubnet(azure: AzureState, subnetId: string): string[] {
  const inSubnet = (configuration: Json) => same(configuration.properties?.subnet?.id, subnetId);
  const instanceConfigurations = scaleSetInstanceNics(azure).flatMap(({ id, nic }) =>
    ((nic.properties?.ipConfigurations ?? []) as Json[]).filter(inSubnet).map((c) => `${id}/ipConfigurations/${c.name}`));
  return [
    ...resourcesOf(azure, NIC).flatMap((nic) => ipConfigurationsOf(nic.body)).filter(inSubnet).map((c) => c.id as string),
    ...resourcesOf(azure, LOAD_BALANCER).flatMap((lb) => frontendsOf(lb.body)).filter(inSubnet).map((c) => c.id as string),
    ...instanceConfigurations,
  ];
}

export function refuseDeletingSubnetInUse(subnetId: string, azure: AzureState): void {
  const [user] = ipConfigurationsInSubnet(azure, subnetId);
  if (user !== undefined) {
    const name = parseResourceId(subnetId)?.names[1] ?? subnetId;
    throw new AzureError(400, 'InUseSubnetCannotBeDeleted', `Subnet ${name} is in use by ${user} and cannot be deleted. In order to delete the subnet, `
      + 'delete all the resources within the subnet. See aka.ms/deletesubnet.');
  }
}

export function refuseDeletingNsgInUse(nsgId: string, azure: AzureState): void {
  const associated = (holder: Json) => same(holder.properties?.networkSecurityGroup?.id, nsgId);
  const users = [
    ...resourcesOf(azure, VNET).flatMap((vnet) => (vnet.body.properties?.subnets ?? []) as Json[]).filter(associated).map((s) => s.id as string),
    ...resourcesOf(azure, NIC).filter((nic) => associated(nic.body)).map((nic) => nic.id),
    // A scale set's NSG is on its instances' NICs, which the NSG lists among its network interfaces (Azure/azure-powershell
    // issue 11835): in use while the scale set has instances.
    ...scaleSetInstanceNics(azure).filter(({ nic }) => associated(nic)).map(({ id }) => id),
  ];
  if (users.length > 0) {
    throw new AzureError(400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${nsgId} cannot be deleted because it is in use by the `
      + `following resources: ${users.join(', ')}. In order to delete the Network security group, remove the association with the resource(s). To learn `
      + 'how to do this, see aka.ms/deletensg.');
  }
}

export function refuseDeletingDiskInUse(diskId: string, azure: AzureState): void {
  const disksOf = (vm: Json) => [vm.properties?.storageProfile?.osDisk, ...(vm.properties?.storageProfile?.dataDisks ?? [])] as Json[];
  const vm = resourcesOf(azure, VM).find((r) => disksOf(r.body).some((d) => same(d?.managedDisk?.id, diskId)));
  if (vm !== undefined) {
    const name = parseResourceId(diskId)?.names[0] ?? diskId;
    throw new AzureError(409, 'OperationNotAllowed', `Disk ${name} is attached to VM ${vm.id}.`);
  }
}
