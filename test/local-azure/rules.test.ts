/**
 * Azure's rules that the local Azure holds (listed in test/local-azure/local-azure.ts, each with its source where it is
 * checked): for each, the request Azure refuses is refused the same way (HTTP status, error code, message), and the
 * state is left as Azure leaves it.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  definitionBody, extensionBody, groupBody, imageFromVmBody, loadBalancerBody, nicBody, nsgBody, pathsIn, PLATFORM_IMAGE, publicIpBody, subnetBody,
  versionBody, vmBody,
  VmOptions,
  vnetBody,
} from './bodies';
import { isNvmeOnly } from './disk-controllers';
import { AzureResponse, Json } from './http';
import { API, InProcessAzure } from './in-process';
import { DEFAULT_PLATFORM_IMAGES } from './local-azure';
import { withScaleSet } from './scale-set-fixture';
import { nvmeOnlySize } from '../../lib/private/vm/vm-sizes';

const body = InProcessAzure.body;

function withGroup(name = 'rg-web') {
  const client = new InProcessAzure();
  const paths = pathsIn(client, name);
  client.put(paths.group, groupBody(), API.resources);
  return { client, paths };
}

function withSubnet(prefix = '10.0.0.0/24') {
  const { client, paths } = withGroup();
  client.put(paths.vnet('vnet-web'), vnetBody());
  const subnet = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody(prefix)));
  return { client, paths, subnetId: subnet.id as string };
}

function expectRefusal(answer: AzureResponse, status: number, code: string, message: string | RegExp): void {
  expect({ status: answer.status, code: body(answer)?.error?.code }).toEqual({ status, code });
  if (typeof message === 'string') {
    expect(body(answer).error.message).toBe(message);
  } else {
    expect(body(answer).error.message).toMatch(message);
  }
}

describe('names are unique per type in their scope, compared without regard to case', () => {
  test('a PUT of an existing name (in any case) updates the resource: 200, the same id in its first case, one resource', () => {
    const { client, paths } = withGroup();
    const created = client.put(paths.vnet('vnet-web'), vnetBody());
    const again = client.put(paths.vnet('VNET-Web'), { ...vnetBody(), tags: { updated: 'yes' } });
    expect([created.status, again.status]).toEqual([201, 200]);
    expect(body(again)).toMatchObject({ id: body(created).id, name: 'vnet-web', tags: { updated: 'yes' } });
    expect(client.azure.resources().filter((r) => r.type === 'Microsoft.Network/virtualNetworks')).toHaveLength(1);
  });

  test('a resource group\'s name likewise: a second PUT is an update', () => {
    const { client, paths } = withGroup();
    const again = client.put(pathsIn(client, 'RG-WEB').group, { ...groupBody(), tags: { a: 'b' } }, API.resources);
    expect(again.status).toBe(200);
    expect(body(again)).toMatchObject({ name: 'rg-web', tags: { a: 'b' } });
    expect(body(client.get(paths.group, API.resources)).tags).toEqual({ a: 'b' });
  });

  test('the same name in another region is taken: 409 InvalidResourceLocation, the resource unchanged', () => {
    const { client, paths } = withGroup();
    client.put(paths.publicIp('pip-web'), publicIpBody());
    const answer = client.put(paths.publicIp('pip-web'), publicIpBody('northeurope'));
    expectRefusal(answer, 409, 'InvalidResourceLocation', "The resource 'pip-web' already exists in location 'westeurope' in resource group 'rg-web'. "
      + "A resource with the same name cannot be created in location 'northeurope'. Please select a new resource name.");
    expect(body(client.get(paths.publicIp('pip-web'))).location).toBe('westeurope');
  });

  test('a group\'s name in another region is taken: 409 InvalidResourceGroupLocation', () => {
    const { client, paths } = withGroup();
    const answer = client.put(paths.group, groupBody('eastus'), API.resources);
    expectRefusal(answer, 409, 'InvalidResourceGroupLocation', "Invalid resource group location 'eastus'. The Resource group already exists in location 'westeurope'.");
  });

  test('a new VM whose OS disk name another disk holds is refused: 409 ConflictingUserInput, no VM made, the disk untouched', () => {
    // GIVEN a VM whose OS disk is named `shared-os-disk`, deleted with its disk kept (deleteOption Detach)
    const { client, paths, subnetId } = withSubnet();
    const nic = body(client.put(paths.nic('nic-a'), nicBody(subnetId)));
    client.put(paths.vm('vm-a'), vmBody(nic.id, { osDiskName: 'shared-os-disk' }), API.compute);
    client.delete(paths.vm('vm-a'), API.compute);
    // WHEN another VM names its OS disk the same
    const nicB = body(client.put(paths.nic('nic-b'), nicBody(subnetId)));
    const answer = client.put(paths.vm('vm-b'), vmBody(nicB.id, { osDiskName: 'shared-os-disk' }), API.compute);
    // THEN Azure's refusal, naming the disk
    expectRefusal(answer, 409, 'ConflictingUserInput', 'Disk shared-os-disk already exists in resource group RG-WEB. Only CreateOption.Attach is supported.');
    expect(body(answer).error.target).toBe(paths.disk('shared-os-disk'));
    expect(client.get(paths.vm('vm-b'), API.compute).status).toBe(404);
    expect(body(client.get(paths.disk('shared-os-disk'), API.compute)).properties.diskState).toBe('Unattached');
  });

  test('the same name as another type is no clash: a VNet and a public IP may share a name', () => {
    const { client, paths } = withGroup();
    client.put(paths.vnet('web'), vnetBody());
    expect(client.put(paths.publicIp('web'), publicIpBody()).status).toBe(201);
  });
});

describe('references must exist', () => {
  test('a resource in a group that does not exist: 404 ResourceGroupNotFound', () => {
    const client = new InProcessAzure();
    const answer = client.put(pathsIn(client, 'rg-missing').vnet('vnet-web'), vnetBody());
    expectRefusal(answer, 404, 'ResourceGroupNotFound', "Resource group 'rg-missing' could not be found.");
  });

  test('a subnet of a VNet that does not exist: 404 ResourceNotFound naming the VNet', () => {
    const { client, paths } = withGroup();
    const answer = client.put(paths.subnet('vnet-missing', 'snet-web'), subnetBody());
    expectRefusal(answer, 404, 'ResourceNotFound',
      "The Resource 'Microsoft.Network/virtualNetworks/vnet-missing' under resource group 'rg-web' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
  });

  test('a missing subnet of an existing VNet: the network provider\'s 404 NotFound', () => {
    const { client, paths } = withSubnet();
    const answer = client.get(paths.subnet('vnet-web', 'snet-other'));
    expectRefusal(answer, 404, 'NotFound', `Resource ${paths.subnet('vnet-web', 'snet-other')} not found.`);
  });

  test.each([
    ['a subnet of a VNet that does not exist', (p: ReturnType<typeof pathsIn>) => p.subnet('vnet-missing', 'snet-web'), undefined],
    ['a subnet the VNet does not have', (p: ReturnType<typeof pathsIn>) => p.subnet('vnet-web', 'snet-missing'), undefined],
    ['a public IP that does not exist', (p: ReturnType<typeof pathsIn>) => p.subnet('vnet-web', 'snet-web'), (p: ReturnType<typeof pathsIn>) => p.publicIp('pip-missing')],
  ])('a NIC in %s: 400 InvalidResourceReference naming both, no NIC made', (_case, subnetOf, publicIpOf) => {
    const { client, paths } = withSubnet();
    const missing = publicIpOf ? publicIpOf(paths) : subnetOf(paths);
    const answer = client.put(paths.nic('nic-web'), nicBody(subnetOf(paths), publicIpOf?.(paths)));
    expectRefusal(answer, 400, 'InvalidResourceReference', `Resource ${missing} referenced by resource ${paths.nic('nic-web')}/ipConfigurations/primary was not found. `
      + 'Please make sure that the referenced resource exists, and that both resources are in the same region.');
    expect(client.get(paths.nic('nic-web')).status).toBe(404);
  });

  test('a load balancer rule using a probe the load balancer does not have: 400 InvalidResourceReference', () => {
    const { client, paths } = withGroup();
    const publicIp = body(client.put(paths.publicIp('pip-lb'), publicIpBody()));
    const lb = body(client.put(paths.loadBalancer('lb-web'), loadBalancerBody(publicIp.id)));
    const rule = { name: 'app', properties: { protocol: 'Tcp', frontendPort: 80, backendPort: 80, probe: { id: `${lb.id}/probes/missing` } } };
    const answer = client.put(paths.loadBalancer('lb-web'), { ...lb, properties: { ...lb.properties, loadBalancingRules: [rule] } });
    expectRefusal(answer, 400, 'InvalidResourceReference', new RegExp(`^Resource ${lb.id}/probes/missing referenced by resource ${lb.id}/loadBalancingRules/app was not found`));
    expect(body(client.get(paths.loadBalancer('lb-web'))).properties.loadBalancingRules).toEqual([]);
  });

  test('a load balancer frontend on a public IP that does not exist: 400 InvalidResourceReference', () => {
    const { client, paths } = withGroup();
    const answer = client.put(paths.loadBalancer('lb-web'), loadBalancerBody(paths.publicIp('pip-missing')));
    expectRefusal(answer, 400, 'InvalidResourceReference', new RegExp(`^Resource ${paths.publicIp('pip-missing')} referenced by resource .*/frontendIPConfigurations/public was not found`));
  });
});

describe('deletion', () => {
  test('deleting a group deletes everything in it, OS disks included, as one operation (202, Location, Retry-After)', () => {
    // GIVEN a group with a network, a VM and its disk, and another group
    const { client, paths, subnetId } = withSubnet();
    const nic = body(client.put(paths.nic('nic-a'), nicBody(subnetId)));
    client.put(paths.vm('vm-a'), vmBody(nic.id), API.compute);
    const other = pathsIn(client, 'rg-other');
    client.put(other.group, groupBody(), API.resources);
    client.put(other.publicIp('pip-kept'), publicIpBody());
    expect(client.azure.resources().filter((r) => r.id.includes('/resourceGroups/rg-web/'))).toHaveLength(4);
    // WHEN the group is deleted
    const answer = client.delete(paths.group, API.resources);
    // THEN nothing of it is left, and the other group is untouched
    expect(answer.status).toBe(202);
    expect(new URL(answer.headers.Location).pathname).toMatch(new RegExp(`^${client.subscription}/operationresults/`));
    expect(answer.headers['Retry-After']).toBe('1');
    expect(client.azure.resources().map((r) => r.id)).toEqual([other.group, other.publicIp('pip-kept')]);
    expect(client.get(`${paths.group}/resources`, API.resources).status).toBe(404);
  });

  test.each([
    ['Detach (the default)', undefined, 'Unattached'],
    ['Delete', 'Delete', undefined],
  ])('deleting a VM whose OS disk\'s deleteOption is %s', (_option, deleteOption, diskState) => {
    const { client, paths, subnetId } = withSubnet();
    const nic = body(client.put(paths.nic('nic-a'), nicBody(subnetId)));
    const vm = body(client.put(paths.vm('vm-a'), vmBody(nic.id, { deleteOption }), API.compute));
    client.delete(paths.vm('vm-a'), API.compute);
    const disk = client.get(vm.properties.storageProfile.osDisk.managedDisk.id, API.compute);
    if (diskState === undefined) {
      expect(disk.status).toBe(404);
    } else {
      expect(body(disk)).toMatchObject({ properties: { diskState } });
      expect(body(disk).managedBy).toBeUndefined();
    }
    expect(body(client.get(paths.nic('nic-a'))).properties.virtualMachine).toBeUndefined();
  });
});

/** A VM on a NIC with a public IP, in a subnet, with one NSG on the subnet and on the NIC: every kind of use there is to delete. */
function withVmInUse(deleteOption?: string) {
  const { client, paths } = withGroup();
  const nsg = body(client.put(paths.nsg('nsg-web'), nsgBody()));
  client.put(paths.vnet('vnet-web'), vnetBody());
  const subnet = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody('10.0.0.0/24', nsg.id)));
  const publicIp = body(client.put(paths.publicIp('pip-web'), publicIpBody()));
  const nicWith = (extra: Json = {}) => {
    const nicJson = nicBody(subnet.id, publicIp.id);
    return { ...nicJson, properties: { ...nicJson.properties, ...extra } };
  };
  const nic = body(client.put(paths.nic('nic-web'), nicWith({ networkSecurityGroup: { id: nsg.id } })));
  const vm = body(client.put(paths.vm('vm-web'), vmBody(nic.id, { deleteOption }), API.compute));
  return { client, paths, nsg, subnet, publicIp, nic, vm, nicWith };
}

describe('deleting what is in use (in-use.ts)', () => {
  test('a NIC a VM uses: 400 NicInUse naming the VM; once the VM is deleted (the NIC detached), the NIC goes', () => {
    const { client, paths, nic, vm } = withVmInUse();
    expectRefusal(client.delete(paths.nic('nic-web')), 400, 'NicInUse', `Network Interface ${nic.id} is used by existing resource ${vm.id}. In order to delete `
      + 'the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.');
    expect(body(client.get(paths.nic('nic-web'))).properties.virtualMachine).toEqual({ id: vm.id });
    client.delete(paths.vm('vm-web'), API.compute);
    expect(body(client.get(paths.nic('nic-web'))).properties.virtualMachine).toBeUndefined();
    expect(client.delete(paths.nic('nic-web')).status).toBe(202);
  });

  test('a VM whose NIC reference\'s deleteOption is Delete (az vm create --nic-delete-option Delete) takes the NIC with it; then its subnet goes', () => {
    const { client, paths, subnetId } = withSubnet();
    const nic = body(client.put(paths.nic('nic-a'), nicBody(subnetId)));
    const vm = vmBody(nic.id);
    vm.properties.networkProfile.networkInterfaces[0].properties.deleteOption = 'Delete';
    client.put(paths.vm('vm-a'), vm, API.compute);
    client.delete(paths.vm('vm-a'), API.compute);
    expect(client.get(paths.nic('nic-a')).status).toBe(404);
    expect(client.delete(paths.subnet('vnet-web', 'snet-web')).status).toBe(202);
  });

  test('a public IP on a NIC\'s IP configuration: 400 PublicIPAddressCannotBeDeleted naming it; once the NIC lets go of it, it goes', () => {
    const { client, paths, publicIp, nic, nicWith } = withVmInUse();
    expectRefusal(client.delete(paths.publicIp('pip-web')), 400, 'PublicIPAddressCannotBeDeleted', `Public IP address ${publicIp.id} can not be deleted since it `
      + `is still allocated to resource ${nic.id}/ipConfigurations/primary. In order to delete the public IP, disassociate/detach the Public IP address from the `
      + 'resource.  To learn how to do this, see aka.ms/deletepublicip.');
    const withoutIp = nicWith();
    delete withoutIp.properties.ipConfigurations[0].properties.publicIPAddress;
    expect(client.put(paths.nic('nic-web'), withoutIp).status).toBe(200);
    expect(client.delete(paths.publicIp('pip-web')).status).toBe(202);
  });

  test('a public IP goes to one IP configuration: another NIC or a load balancer given it is refused, 400 PublicIPAddressInUse; its own NIC\'s update keeps it', () => {
    const { client, paths, subnet, publicIp, nic, nicWith } = withVmInUse();
    const message = (configurationId: string) => `Resource ${configurationId} is referencing public IP address ${publicIp.id} that is already allocated to `
      + `resource ${nic.id}/ipConfigurations/primary.`;
    expectRefusal(client.put(paths.nic('nic-other'), nicBody(subnet.id, publicIp.id)), 400, 'PublicIPAddressInUse',
      message(`${paths.nic('nic-other')}/ipConfigurations/primary`));
    expectRefusal(client.put(paths.loadBalancer('lb-web'), loadBalancerBody(publicIp.id)), 400, 'PublicIPAddressInUse',
      message(`${paths.loadBalancer('lb-web')}/frontendIPConfigurations/public`));
    expect([client.get(paths.nic('nic-other')).status, client.get(paths.loadBalancer('lb-web')).status]).toEqual([404, 404]);
    expect(client.put(paths.nic('nic-web'), { ...nicWith(), tags: { again: 'yes' } }).status).toBe(200);
  });

  test('a public IP on a load balancer\'s frontend: refused naming the frontend; after the load balancer, it goes', () => {
    const { client, paths } = withGroup();
    const publicIp = body(client.put(paths.publicIp('pip-lb'), publicIpBody()));
    const lb = body(client.put(paths.loadBalancer('lb-web'), loadBalancerBody(publicIp.id)));
    expectRefusal(client.delete(paths.publicIp('pip-lb')), 400, 'PublicIPAddressCannotBeDeleted',
      new RegExp(`^Public IP address ${publicIp.id} can not be deleted since it is still allocated to resource ${lb.id}/frontendIPConfigurations/public\\. `));
    expect(client.delete(paths.loadBalancer('lb-web')).status).toBe(202);
    expect(client.delete(paths.publicIp('pip-lb')).status).toBe(202);
  });

  test('a subnet with a NIC in it: 400 InUseSubnetCannotBeDeleted, alone, with its VNet, or left out of the VNet\'s PUT; after the NIC, it goes', () => {
    const { client, paths, nic } = withVmInUse();
    const message = `Subnet snet-web is in use by ${nic.id}/ipConfigurations/primary and cannot be deleted. In order to delete the subnet, delete all the `
      + 'resources within the subnet. See aka.ms/deletesubnet.';
    expectRefusal(client.delete(paths.subnet('vnet-web', 'snet-web')), 400, 'InUseSubnetCannotBeDeleted', message);
    expectRefusal(client.delete(paths.vnet('vnet-web')), 400, 'InUseSubnetCannotBeDeleted', message);
    const vnet = body(client.get(paths.vnet('vnet-web')));
    expectRefusal(client.put(paths.vnet('vnet-web'), { ...vnet, properties: { ...vnet.properties, subnets: [] } }), 400, 'InUseSubnetCannotBeDeleted', message);
    expect(body(client.get(paths.vnet('vnet-web'))).properties.subnets).toHaveLength(1);
    client.delete(paths.vm('vm-web'), API.compute);
    expect(client.delete(paths.nic('nic-web')).status).toBe(202);
    expect(client.delete(paths.subnet('vnet-web', 'snet-web')).status).toBe(202);
    expect(client.delete(paths.vnet('vnet-web')).status).toBe(202);
  });

  test('a subnet with scale set instances in it: refused naming an instance\'s IP configuration; after the scale set, it goes', () => {
    const setup = withScaleSet(2);
    const { client, paths } = setup;
    // The build VM and its NIC go first, so that only the scale set's instances are left in the subnet.
    client.delete(paths.vm('vm-img-v1'), API.compute);
    client.delete(paths.nic('nic-img-v1'));
    const [first] = setup.instances();
    expectRefusal(client.delete(paths.subnet('vnet-web', 'snet-web')), 400, 'InUseSubnetCannotBeDeleted',
      `Subnet snet-web is in use by ${setup.setId}/virtualMachines/${first.instanceId}/networkInterfaces/nic/ipConfigurations/primary and cannot be deleted. `
      + 'In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.');
    client.delete(paths.scaleSet('vmss-web'), API.compute);
    expect(client.delete(paths.subnet('vnet-web', 'snet-web')).status).toBe(202);
  });

  test('an NSG on a subnet and a NIC: 400 InUseNetworkSecurityGroupCannotBeDeleted naming both; dissociated as azurerm\'s associations do, it goes', () => {
    const { client, paths, nsg, subnet, nic, nicWith } = withVmInUse();
    expectRefusal(client.delete(paths.nsg('nsg-web')), 400, 'InUseNetworkSecurityGroupCannotBeDeleted', `Network security group ${nsg.id} cannot be deleted `
      + `because it is in use by the following resources: ${subnet.id}, ${nic.id}. In order to delete the Network security group, remove the association with `
      + 'the resource(s). To learn how to do this, see aka.ms/deletensg.');
    // azurerm_subnet_network_security_group_association's delete: a PUT of the subnet without its NSG.
    expect(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody()).status).toBe(200);
    expectRefusal(client.delete(paths.nsg('nsg-web')), 400, 'InUseNetworkSecurityGroupCannotBeDeleted', new RegExp(`following resources: ${nic.id}\\. `));
    // azurerm_network_interface_security_group_association's delete: a PUT of the NIC without its NSG.
    expect(client.put(paths.nic('nic-web'), nicWith()).status).toBe(200);
    expect(client.delete(paths.nsg('nsg-web')).status).toBe(202);
  });

  test('an NSG a scale set\'s NICs use: refused naming an instance\'s NIC while the scale set has instances; after the scale set, it goes', () => {
    const setup = withScaleSet(1);
    const { client, paths } = setup;
    const nsg = body(client.put(paths.nsg('nsg-set'), nsgBody()));
    const set = setup.setBody(setup.firstImage);
    set.properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].properties.networkSecurityGroup = { id: nsg.id };
    const created = body(client.put(paths.scaleSet('vmss-nsg'), set, API.compute));
    const [instance] = body(client.get(`${paths.scaleSet('vmss-nsg')}/virtualMachines`, API.compute)).value as Json[];
    expectRefusal(client.delete(paths.nsg('nsg-set')), 400, 'InUseNetworkSecurityGroupCannotBeDeleted',
      new RegExp(`following resources: ${created.id}/virtualMachines/${instance.instanceId}/networkInterfaces/nic\\. `));
    client.delete(paths.scaleSet('vmss-nsg'), API.compute);
    expect(client.delete(paths.nsg('nsg-set')).status).toBe(202);
  });

  test('a managed disk a VM uses: 409 OperationNotAllowed naming the VM; after the VM (the disk detached), it goes', () => {
    const { client, vm } = withVmInUse();
    const diskId = vm.properties.storageProfile.osDisk.managedDisk.id as string;
    expectRefusal(client.delete(diskId, API.compute), 409, 'OperationNotAllowed', `Disk ${vm.properties.storageProfile.osDisk.name} is attached to VM ${vm.id}.`);
    client.delete(vm.id, API.compute);
    expect(client.delete(diskId, API.compute).status).toBe(202);
    expect(client.get(diskId, API.compute).status).toBe(404);
  });

  test('a group\'s deletion is never refused: Resource Manager orders it, users first', () => {
    const { client, paths } = withVmInUse();
    const publicIp = body(client.put(paths.publicIp('pip-lb'), publicIpBody()));
    client.put(paths.loadBalancer('lb-web'), loadBalancerBody(publicIp.id));
    expect(client.delete(paths.group, API.resources).status).toBe(202);
    expect(client.azure.resources()).toEqual([]);
  });
});

describe('addresses', () => {
  test('a subnet holds its size less the 5 addresses Azure keeps: a /29 takes 3 NICs, the 4th is refused with SubnetIsFull', () => {
    const { client, paths, subnetId } = withSubnet('10.0.0.0/29');
    const addresses = ['nic-1', 'nic-2', 'nic-3'].map((name) => body(client.put(paths.nic(name), nicBody(subnetId))).properties.ipConfigurations[0].properties.privateIPAddress);
    expect(addresses).toEqual(['10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expectRefusal(client.put(paths.nic('nic-4'), nicBody(subnetId)), 400, 'SubnetIsFull', 'Subnet snet-web with address prefix 10.0.0.0/29 does not have enough capacity for 1 IP addresses.');
    // A deleted NIC's address is free again.
    client.delete(paths.nic('nic-2'));
    expect(body(client.put(paths.nic('nic-4'), nicBody(subnetId))).properties.ipConfigurations[0].properties.privateIPAddress).toBe('10.0.0.5');
  });
});

describe('requests Azure refuses before any resource provider', () => {
  test('a PUT without location: 400 LocationRequired', () => {
    const { client, paths } = withGroup();
    expectRefusal(client.put(paths.vnet('vnet-web'), { properties: vnetBody().properties }), 400, 'LocationRequired', 'The location property is required for this definition.');
  });

  test('a request without api-version: 400 MissingApiVersionParameter', () => {
    const { client, paths } = withGroup();
    expectRefusal(client.request('GET', paths.group), 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  });

  test.each([
    { case: 'no Authorization header', headers: {} as { [name: string]: string }, code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." },
    { case: 'a token this Azure did not issue', headers: { authorization: 'Bearer eyJub3QiOiJvdXJzIn0.e30.' }, code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' },
  ])('$case: 401 $code', ({ headers, code, message }) => {
    const { client, paths } = withGroup();
    const answer = client.request('GET', `${paths.group}?api-version=${API.resources}`, { headers });
    expectRefusal(answer, 401, code, message);
    expect(answer.headers['WWW-Authenticate']).toMatch(/^Bearer authorization_uri="/);
  });

  test.each([
    { case: 'a wrong secret', change: { client_secret: 'wrong' }, status: 401, error: 'invalid_client', code: 7000215 },
    { case: 'an unknown client', change: { client_id: '00000000-0000-0000-0000-000000000000' }, status: 400, error: 'unauthorized_client', code: 700016 },
  ])('a token for $case is refused as the identity platform refuses it ($status $error, AADSTS$code)', ({ change, status, error, code }) => {
    const client = new InProcessAzure();
    const { tenantId, clientId, clientSecret } = client.azure.principal;
    const answer = client.request('POST', `/${tenantId}/oauth2/v2.0/token`, {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'x/.default', ...change },
    });
    expect(answer.status).toBe(status);
    expect(body(answer)).toMatchObject({ error, error_codes: [code], error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)) });
  });
});

describe('throttling on demand', () => {
  test('the next N Resource Manager requests get 429 SubscriptionRequestsThrottled with Retry-After; then requests pass again', () => {
    // GIVEN a throttled Azure
    const { client, paths } = withGroup();
    client.azure.throttleNext(2, 7);
    // WHEN a read and a write are sent, then a third request
    const read = client.get(paths.group, API.resources);
    const write = client.put(paths.vnet('vnet-web'), vnetBody());
    const third = client.get(paths.group, API.resources);
    // THEN the first two are refused as ARM throttles, naming the kind of request, the principal and the wait
    const message = (kind: string) => `Number of '${kind}' requests for subscription '${client.azure.subscriptionId}' actor '${client.azure.principal.objectId}' exceeded. `
      + "Please try again after '7' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.";
    expectRefusal(read, 429, 'SubscriptionRequestsThrottled', message('read'));
    expectRefusal(write, 429, 'SubscriptionRequestsThrottled', message('write'));
    expect([read.headers['Retry-After'], write.headers['Retry-After']]).toEqual(['7', '7']);
    expect(third.status).toBe(200);
    // AND the refused write changed nothing
    expect(client.get(paths.vnet('vnet-web')).status).toBe(404);
  });

  test('the identity platform is not Resource Manager: tokens are issued while Resource Manager throttles', () => {
    const client = new InProcessAzure();
    client.azure.throttleNext(5);
    const { tenantId, clientId, clientSecret } = client.azure.principal;
    const token = client.request('POST', `/${tenantId}/oauth2/v2.0/token`, { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret } });
    expect(token.status).toBe(200);
  });
});

describe('the marketplace', () => {
  test('a SKU\'s versions are listed as text, not as version numbers: the last is not the newest', () => {
    const client = new InProcessAzure({
      platformImages: [{
        location: 'westeurope',
        publisher: 'MicrosoftWindowsServer',
        offer: 'WindowsServer',
        sku: '2025-datacenter-azure-edition',
        hyperVGeneration: 'V2',
        versions: ['26100.4652.250708', '26100.32230.260111', '26100.1742.240906'],
      }],
    });
    const versions = body(client.get(`${client.subscription}/providers/Microsoft.Compute/locations/westeurope/publishers/MicrosoftWindowsServer/artifacttypes/vmimage`
      + '/offers/WindowsServer/skus/2025-datacenter-azure-edition/versions', API.compute)) as Json[];
    expect(versions.map((v) => v.name)).toEqual(['26100.1742.240906', '26100.32230.260111', '26100.4652.250708']);
    expect(versions[2].id).toBe(`/Subscriptions/${client.azure.subscriptionId}/Providers/Microsoft.Compute/Locations/westeurope/Publishers/MicrosoftWindowsServer`
      + '/ArtifactTypes/VMImage/Offers/WindowsServer/Skus/2025-datacenter-azure-edition/Versions/26100.4652.250708');
  });
});

/** A running Gen2 VM from the marketplace (a build VM), and how to act on it. */
function withBuildVm(options: VmOptions = {}) {
  const { client, paths, subnetId } = withSubnet();
  const nic = body(client.put(paths.nic('nic-build'), nicBody(subnetId)));
  const vm = body(client.put(paths.vm('vm-build'), vmBody(nic.id, { imageReference: PLATFORM_IMAGE, ...options }), API.compute));
  const act = (action: string) => client.request('POST', `${paths.vm('vm-build')}/${action}?api-version=${API.compute}`);
  const codes = () => (body(client.get(`${paths.vm('vm-build')}/instanceView`, API.compute)).statuses as Json[]).map((status) => status.code);
  return { client, paths, vm, act, codes };
}

/** The build VM deallocated and generalized, as the operator's generalize step leaves it. */
function withGeneralizedVm(options: VmOptions = {}) {
  const setup = withBuildVm(options);
  expect(setup.act('deallocate').status).toBe(202);
  expect(setup.act('generalize').status).toBe(200);
  return setup;
}

describe('power states and generalization', () => {
  test('deallocate, then generalize: the instance view shows OSState/generalized and PowerState/deallocated', () => {
    const { act, codes } = withBuildVm();
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
    const deallocate = act('deallocate');
    expect(deallocate.status).toBe(202);
    expect(Object.keys(deallocate.headers)).toEqual(['Azure-AsyncOperation', 'Location', 'Retry-After']);
    expect(act('generalize').status).toBe(200);
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
  });

  test('a stopped VM (Sysprep /shutdown, powerOff) can be generalized; powerOff leaves a deallocated VM deallocated', () => {
    const { act, codes } = withBuildVm();
    act('powerOff');
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/stopped']);
    expect(act('generalize').status).toBe(200);
    act('deallocate');
    act('powerOff');
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
  });

  test('a running VM cannot be generalized: 409 OperationNotAllowed, and it stays as it was', () => {
    const { act, codes } = withBuildVm();
    expectRefusal(act('generalize'), 409, 'OperationNotAllowed', "Operation 'generalize' is not allowed on VM 'vm-build' since the VM is running.");
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });
});

describe('a generalized VM cannot be started, changed or given an extension', () => {
  test('start: 409 OperationNotAllowed, still deallocated', () => {
    const { act, codes } = withGeneralizedVm();
    expectRefusal(act('start'), 409, 'OperationNotAllowed', "Operation 'Start VM' is not allowed on VM 'vm-build' since the VM is generalized.");
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
  });

  test('a start before generalizing works: the rule is about generalization, not deallocation', () => {
    const { act, codes } = withBuildVm();
    act('deallocate');
    expect(act('start').status).toBe(202);
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  test.each(['PUT', 'PATCH'])('an update by %s (tags, as `az vm update --set tags...` or azurerm send it): 409 OperationNotAllowed, unchanged', (method) => {
    const { client, paths, vm } = withGeneralizedVm();
    const change = method === 'PUT' ? { ...vm, tags: { changed: 'yes' } } : { tags: { changed: 'yes' } };
    const answer = client.request(method, `${paths.vm('vm-build')}?api-version=${API.compute}`, { body: change });
    expectRefusal(answer, 409, 'OperationNotAllowed', "Operation 'Update VM' is not allowed on VM 'vm-build' since the VM is generalized.");
    expect(body(client.get(paths.vm('vm-build'), API.compute)).tags).toBeUndefined();
  });

  test('an update before generalizing works (the operator tags the VM after Sysprep, before it deallocates it)', () => {
    const { client, paths, vm } = withBuildVm();
    const answer = client.put(paths.vm('vm-build'), { ...vm, tags: { 'golden-image-sysprep': 'succeeded' } }, API.compute);
    expect(answer.status).toBe(200);
    expect(body(client.get(paths.vm('vm-build'), API.compute)).tags).toEqual({ 'golden-image-sysprep': 'succeeded' });
  });

  test('an update as `az vm update` sends it, without the image reference, keeps the VM\'s (the provider reads it back)', () => {
    const { client, paths, vm } = withBuildVm();
    const { imageReference, ...storageWithoutImage } = vm.properties.storageProfile;
    expect(imageReference).toMatchObject({ publisher: 'MicrosoftWindowsServer', sku: '2022-datacenter-g2' });
    const update = { ...vm, tags: { 'golden-image-sysprep': 'succeeded' }, properties: { ...vm.properties, storageProfile: storageWithoutImage } };
    expect(client.put(paths.vm('vm-build'), update, API.compute).status).toBe(200);
    expect(body(client.get(paths.vm('vm-build'), API.compute)).properties.storageProfile.imageReference).toEqual(imageReference);
  });

  test('an extension: 409 OperationNotAllowed "Cannot modify extensions in the VM when the VM is not running.", none added', () => {
    const { client, paths } = withGeneralizedVm();
    const extension = `${paths.vm('vm-build')}/extensions/setup`;
    expectRefusal(client.put(extension, extensionBody(), API.compute), 409, 'OperationNotAllowed', 'Cannot modify extensions in the VM when the VM is not running.');
    expect(client.get(extension, API.compute).status).toBe(404);
  });

  test('an extension on a running VM is added (201, long-running); on a stopped VM it can be neither changed nor removed', () => {
    const { client, paths, act } = withBuildVm();
    const extension = `${paths.vm('vm-build')}/extensions/setup`;
    const added = client.put(extension, { ...extensionBody(), properties: { ...extensionBody().properties, protectedSettings: { secret: 'x' } } }, API.compute);
    expect(added.status).toBe(201);
    expect(added.headers['Azure-AsyncOperation']).toBeDefined();
    expect(body(client.get(extension, API.compute))).toMatchObject({ name: 'setup', type: 'Microsoft.Compute/virtualMachines/extensions', properties: { provisioningState: 'Succeeded' } });
    expect(JSON.stringify(body(client.get(extension, API.compute)))).not.toContain('protectedSettings');
    act('powerOff');
    expectRefusal(client.put(extension, extensionBody(), API.compute), 409, 'OperationNotAllowed', 'Cannot modify extensions in the VM when the VM is not running.');
    expectRefusal(client.delete(extension, API.compute), 409, 'OperationNotAllowed', 'Cannot modify extensions in the VM when the VM is not running.');
    expect(client.get(extension, API.compute).status).toBe(200);
  });
});

describe('Run Command needs a running VM', () => {
  test.each(['deallocate', 'powerOff'])('after %s: 409 OperationNotAllowed, nothing runs in the guest', (action) => {
    const { client, paths, act, vm } = withBuildVm();
    act(action);
    const answer = client.request('POST', `${paths.vm('vm-build')}/runCommand?api-version=${API.compute}`, {
      body: { commandId: 'RunPowerShellScript', script: ['Start-Process Sysprep.exe'] },
    });
    expectRefusal(answer, 409, 'OperationNotAllowed', 'The operation requires the VM to be running (or set to run).');
    expect(client.azure.guestCalls(vm.id, 'Sysprep.exe')).toEqual([]);
  });
});

describe('managed images from VMs', () => {
  test('from a generalized Standard VM: the VM\'s OS disk, generalized, with the disk\'s generation; listed in the group', () => {
    const { client, paths, vm } = withGeneralizedVm();
    const answer = client.put(paths.image('img-golden'), imageFromVmBody(vm.id), API.compute);
    expect(answer.status).toBe(201);
    expect(answer.headers['Azure-AsyncOperation']).toBeDefined();
    const osDisk = vm.properties.storageProfile.osDisk;
    expect(body(client.get(paths.image('img-golden'), API.compute))).toEqual({
      id: paths.image('img-golden'),
      name: 'img-golden',
      type: 'Microsoft.Compute/images',
      location: 'westeurope',
      tags: {},
      properties: {
        sourceVirtualMachine: { id: vm.id },
        storageProfile: {
          osDisk: { osType: 'Windows', osState: 'Generalized', managedDisk: { id: osDisk.managedDisk.id }, caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS', diskSizeGB: 127 },
          dataDisks: [],
          zoneResilient: false,
        },
        hyperVGeneration: 'V2',
        provisioningState: 'Succeeded',
      },
    });
    expect(body(client.get(paths.images, API.compute)).value.map((image: Json) => image.name)).toEqual(['img-golden']);
  });

  test('an image keeps what the OS disk holds when it is made: a VM from it, or from an image of the same disk, starts with that C: drive', async () => {
    // GIVEN a build VM whose setup wrote a page on its C: drive
    const { client, paths, vm, act } = withBuildVm();
    try {
      const write = (vmId: string, file: string, text: string) => {
        const full = path.join(client.azure.systemDrive(vmId), ...file.split('/'));
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, text);
      };
      write(vm.id, 'inetpub/wwwroot/Default.aspx', 'the page');
      act('deallocate');
      act('generalize');
      // WHEN it is captured, then copied from its OS disk (as ImageCopy does), and a VM is made from each image
      const image = body(client.put(paths.image('img-golden'), imageFromVmBody(vm.id), API.compute));
      write(vm.id, 'after-capture.txt', 'not in the image');
      const diskId = vm.properties.storageProfile.osDisk.managedDisk.id;
      const copy = body(client.put(paths.image('img-golden-copy'), {
        location: 'westeurope',
        properties: { storageProfile: { osDisk: { osType: 'Windows', osState: 'Generalized', managedDisk: { id: diskId } } }, hyperVGeneration: 'V2' },
      }, API.compute));
      const subnetId = body(client.get(paths.subnet('vnet-web', 'snet-web'))).id;
      const drives = [image, copy].map((source, i) => {
        const nic = body(client.put(paths.nic(`nic-web${i}`), nicBody(subnetId)));
        return client.azure.systemDrive(body(client.put(paths.vm(`web${i}`), vmBody(nic.id, { imageReference: { id: source.id } }), API.compute)).id);
      });
      // THEN each new VM's drive holds the page; the captured image, not what the disk got after its capture
      for (const drive of drives) {
        expect(fs.readFileSync(path.join(drive, 'inetpub', 'wwwroot', 'Default.aspx'), 'utf8')).toBe('the page');
      }
      expect(fs.existsSync(path.join(drives[0], 'after-capture.txt'))).toBe(false);
    } finally {
      await client.azure.dispose();
    }
  });

  test('from a VM that is not generalized (even deallocated): 409 OperationNotAllowed, no image', () => {
    const { client, paths, vm, act } = withBuildVm();
    act('deallocate');
    expectRefusal(client.put(paths.image('img-golden'), imageFromVmBody(vm.id, 'V2'), API.compute), 409, 'OperationNotAllowed',
      "The operation 'Create Image' requires the Virtual Machine 'vm-build' to be Generalized.");
    expect(client.get(paths.image('img-golden'), API.compute).status).toBe(404);
  });

  test('from a generalized Trusted Launch VM: 409 OperationNotAllowed, no image (Trusted Launch needs a gallery)', () => {
    const { client, paths, vm } = withGeneralizedVm({ securityType: 'TrustedLaunch' });
    expectRefusal(client.put(paths.image('img-golden'), imageFromVmBody(vm.id, 'V2'), API.compute), 409, 'OperationNotAllowed',
      'Creation of managed images are not supported for virtual machine with TrustedLaunch security type.');
    expect(body(client.get(paths.images, API.compute)).value).toEqual([]);
  });
});

describe('scale sets: health signals, automatic OS upgrade, the rolling upgrade policy (scale-sets.ts)', () => {
  const withoutProbe = (set: Json): Json => {
    const copy = JSON.parse(JSON.stringify(set));
    delete copy.properties.virtualMachineProfile.networkProfile.healthProbe;
    return copy;
  };

  test('Rolling mode without a health probe or the Application Health extension: 400 BadRequest, nothing made', () => {
    const setup = withScaleSet(1);
    const answer = setup.client.put(setup.paths.scaleSet('vmss-other'), withoutProbe(setup.setBody(setup.firstImage)), API.compute);
    expectRefusal(answer, 400, 'BadRequest', 'Rolling Upgrade mode is not supported for this Virtual Machine Scale Set because a health probe or health '
      + 'extension was not provided.');
    expect(setup.client.azure.holds(`${setup.setId.replace(/vmss-web$/, 'vmss-other')}`)).toBe(false);
  });

  test('the Application Health extension is a health signal too', () => {
    const setup = withScaleSet(1);
    const set = withoutProbe(setup.setBody(setup.firstImage));
    set.properties.virtualMachineProfile.extensionProfile = {
      extensions: [{ name: 'health', properties: { publisher: 'Microsoft.ManagedServices', type: 'ApplicationHealthWindows', typeHandlerVersion: '2.0' } }],
    };
    expect(setup.client.put(setup.paths.scaleSet('vmss-other'), set, API.compute).status).toBe(201);
  });

  test('automatic OS image upgrade without a health probe or extension: 400 BadRequest', () => {
    const setup = withScaleSet(1);
    const set = withoutProbe(setup.setBody(setup.firstImage));
    set.properties.upgradePolicy = { mode: 'Automatic', automaticOSUpgradePolicy: { enableAutomaticOSUpgrade: true } };
    expectRefusal(setup.client.put(setup.paths.scaleSet('vmss-other'), set, API.compute), 400, 'BadRequest',
      'Automatic OS Upgrade is not supported for this Virtual Machine Scale Set because a health probe or health extension was not specified.');
  });

  test('automatic OS image upgrade on Windows with automatic updates on: 400, the scale set unchanged', () => {
    const setup = withScaleSet(1);
    const set = setup.setBody(setup.firstImage);
    set.properties.upgradePolicy = { ...set.properties.upgradePolicy, automaticOSUpgradePolicy: { enableAutomaticOSUpgrade: true } };
    set.properties.virtualMachineProfile.osProfile.windowsConfiguration.enableAutomaticUpdates = true;
    expectRefusal(setup.client.put(setup.paths.scaleSet('vmss-web'), set, API.compute), 400, 'InvalidParameter', /^enableAutomaticUpdates cannot be set to true/);
    set.properties.virtualMachineProfile.osProfile.windowsConfiguration.enableAutomaticUpdates = false;
    expect(setup.client.put(setup.paths.scaleSet('vmss-web'), set, API.compute).status).toBe(200);
  });

  test.each([
    ['maxBatchInstancePercent', 4, 5], ['maxBatchInstancePercent', 101, 5], ['maxUnhealthyInstancePercent', 4, 5], ['maxUnhealthyUpgradedInstancePercent', -1, 0],
  ])('the rolling upgrade policy\'s %s of %d: 400 InvalidParameter, out of range (%d-100)', (name, value, min) => {
    const setup = withScaleSet(1);
    const set = setup.setBody(setup.firstImage);
    set.properties.upgradePolicy.rollingUpgradePolicy[name] = value;
    expectRefusal(setup.client.put(setup.paths.scaleSet('vmss-web'), set, API.compute), 400, 'InvalidParameter',
      `The value ${value} of parameter 'upgradePolicy.rollingUpgradePolicy.${name}' is out of range. The value must be between ${min} and 100, inclusive.`);
  });

  test('a health probe that does not exist: 400 InvalidResourceReference', () => {
    const setup = withScaleSet(1);
    const set = setup.setBody(setup.firstImage);
    set.properties.virtualMachineProfile.networkProfile.healthProbe = { id: `${setup.lb.id}/probes/missing` };
    expectRefusal(setup.client.put(setup.paths.scaleSet('vmss-other'), set, API.compute), 400, 'InvalidResourceReference', /probes\/missing referenced by resource/);
  });
});

describe('load balancers: rule ports, and what a scale set uses (load-balancers.ts)', () => {
  test.each([['frontendPort', 65535, 65534], ['backendPort', 65536, 65535], ['frontendPort', -1, 65534]])('a rule\'s %s of %d: 400 InvalidParameter (0-%d)', (field, value, max) => {
    const setup = withScaleSet(1);
    const lb = body(setup.client.get(setup.paths.loadBalancer('lb-web')));
    lb.properties.loadBalancingRules[0].properties[field] = value;
    expectRefusal(setup.client.put(setup.paths.loadBalancer('lb-web'), lb), 400, 'InvalidParameter',
      `The value ${value} of ${field} of load balancing rule ${setup.lb.id}/loadBalancingRules/app is out of range. The value must be between 0 and ${max}, inclusive.`);
  });

  test('a rule whose probe is the scale set\'s health probe cannot be removed: 400 CannotRemoveRuleUsedByProbeUsedByVMSS; after the scale set, it can', () => {
    const setup = withScaleSet(1);
    const lb = body(setup.client.get(setup.paths.loadBalancer('lb-web')));
    const withoutRule = { ...lb, properties: { ...lb.properties, loadBalancingRules: [] } };
    expectRefusal(setup.client.put(setup.paths.loadBalancer('lb-web'), withoutRule), 400, 'CannotRemoveRuleUsedByProbeUsedByVMSS',
      `Load balancer rule ${setup.lb.id}/loadBalancingRules/app cannot be removed because the rule references the load balancer probe ${setup.probeId} that is `
      + `used as health probe by VM scale set ${setup.setId}. To remove this rule, please update VM scale set to remove the reference to the probe.`);
    expect(body(setup.client.get(setup.paths.loadBalancer('lb-web'))).properties.loadBalancingRules).toHaveLength(1);
    setup.client.delete(setup.paths.scaleSet('vmss-web'), API.compute);
    expect(setup.client.put(setup.paths.loadBalancer('lb-web'), withoutRule).status).toBe(200);
  });

  test('a load balancer whose pool a scale set uses cannot be deleted: 400 InUseBackendAddressPoolCannotBeDeleted; after the scale set, it can', () => {
    const setup = withScaleSet(1);
    const message = `Cannot remove backend address pool instances from load balancer since it is in use by virtual machine scale set ${setup.setId}.`;
    expectRefusal(setup.client.delete(setup.paths.loadBalancer('lb-web')), 400, 'InUseBackendAddressPoolCannotBeDeleted', message);
    expect(setup.client.azure.holds(setup.lb.id)).toBe(true);
    const lb = body(setup.client.get(setup.paths.loadBalancer('lb-web')));
    const withoutPool = { ...lb, properties: { ...lb.properties, backendAddressPools: [], loadBalancingRules: [] } };
    setup.client.delete(setup.paths.scaleSet('vmss-web'), API.compute);
    expect(setup.client.put(setup.paths.loadBalancer('lb-web'), withoutPool).status).toBe(200);
    expect(setup.client.delete(setup.paths.loadBalancer('lb-web')).status).toBe(202);
  });
});

/** A gallery with one definition (`securityType` its SecurityType feature, V2 unless told) beside a generalized build VM. */
function withGallery(definition: { securityType?: string; hyperVGeneration?: string; diskControllerTypes?: string } = { securityType: 'TrustedLaunch' }, vm: VmOptions = { securityType: 'TrustedLaunch' }) {
  const setup = withGeneralizedVm(vm);
  const { client, paths } = setup;
  expect(client.put(paths.gallery('gal_web'), { location: 'westeurope', properties: {} }, API.compute).status).toBe(201);
  expect(client.put(paths.definition('gal_web', 'web-iis'), definitionBody(definition), API.compute).status).toBe(201);
  const version = (name: string) => paths.version('gal_web', 'web-iis', name);
  return { ...setup, version };
}

const NORTH = { name: 'northeurope', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' };
const WEST = { name: 'westeurope', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' };

describe('gallery image versions', () => {
  test('a version from the generalized VM replicates after Azure answered: Creating and Replicating per region until done, then Succeeded', async () => {
    const { client, vm, version } = withGallery();
    client.azure.replications.hold();
    const answer = client.put(version('2026.1207.101500'), versionBody(vm.id, [WEST, NORTH]), API.compute);
    expect(answer.status).toBe(201);
    expect(body(answer).properties.provisioningState).toBe('Creating');
    const status = () => body(client.request('GET', new URL(answer.headers['Azure-AsyncOperation']).pathname + '?api-version=' + API.compute)).status;
    expect(status()).toBe('InProgress');
    const shown = () => body(client.request('GET', `${version('2026.1207.101500')}?api-version=${API.compute}&$expand=ReplicationStatus`));
    expect(shown().properties).toMatchObject({
      provisioningState: 'Creating',
      replicationStatus: {
        aggregatedState: 'InProgress',
        summary: [{ region: 'West Europe', state: 'Replicating', progress: 0 }, { region: 'North Europe', state: 'Replicating', progress: 0 }],
      },
    });

    client.azure.replications.release();
    await client.azure.settled();
    expect(status()).toBe('Succeeded');
    expect(shown().properties).toMatchObject({
      provisioningState: 'Succeeded',
      publishingProfile: {
        // Azure names the regions by their display names.
        targetRegions: [
          { name: 'West Europe', regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' },
          { name: 'North Europe', regionalReplicaCount: 2, storageAccountType: 'Standard_ZRS' },
        ],
        excludeFromLatest: true,
      },
      storageProfile: { source: { virtualMachineId: vm.id } },
      replicationStatus: { aggregatedState: 'Completed', summary: [{ region: 'West Europe', state: 'Completed', progress: 100 }, expect.anything()] },
    });
    // A plain GET shows no replication status; the definition lists the version.
    expect(body(client.get(version('2026.1207.101500'), API.compute)).properties.replicationStatus).toBeUndefined();
    const listed = body(client.get(version('2026.1207.101500').replace(/\/[^/]+$/, ''), API.compute));
    expect(listed.value.map((v: Json) => [v.name, v.properties.provisioningState])).toEqual([['2026.1207.101500', 'Succeeded']]);
  });

  test('a region whose replication fails fails the version and its operation, with the region\'s reason', async () => {
    const { client, vm, version } = withGallery();
    client.azure.replications.fail('northeurope', 'The quota for replicas in this region was exceeded.');
    const answer = client.put(version('1.0.0'), versionBody(vm.id, [WEST, NORTH]), API.compute);
    await client.azure.settled();
    const operation = body(client.request('GET', new URL(answer.headers['Azure-AsyncOperation']).pathname + '?api-version=' + API.compute));
    expect(operation).toMatchObject({ status: 'Failed', error: { code: 'ReplicationFailed' } });
    expect(body(client.request('GET', `${version('1.0.0')}?api-version=${API.compute}&$expand=ReplicationStatus`)).properties).toMatchObject({
      provisioningState: 'Failed',
      replicationStatus: {
        aggregatedState: 'Failed',
        summary: [{ region: 'West Europe', state: 'Completed' }, { region: 'North Europe', state: 'Failed', details: 'The quota for replicas in this region was exceeded.' }],
      },
    });
  });

  test('a version from a VM of another Hyper-V generation than the definition: 409 Conflict, no version', () => {
    const { client, vm, version } = withGallery({ hyperVGeneration: 'V1' }, {});
    expectRefusal(client.put(version('1.0.0'), versionBody(vm.id), API.compute), 409, 'Conflict',
      `The resource with id '${vm.id}' has a different Hypervisor generation ['V2'] than the parent gallery image Hypervisor generation ['V1'].`);
    expect(client.get(version('1.0.0'), API.compute).status).toBe(404);
  });

  test.each([0, 101])('%i replicas in a region: 400 InvalidParameter (1-100), no version', (count) => {
    const { client, vm, version } = withGallery();
    expectRefusal(client.put(version('1.0.0'), versionBody(vm.id, [{ ...WEST, regionalReplicaCount: count }]), API.compute), 400, 'InvalidParameter',
      `The value ${count} of parameter 'regionalReplicaCount' is out of range. The value must be between 1 and 100, inclusive.`);
    expect(client.get(version('1.0.0'), API.compute).status).toBe(404);
  });

  test('a version whose target regions leave out its own location: 400 InvalidParameter, no version; with it listed (any case), 201', () => {
    const { client, vm, version } = withGallery();
    expectRefusal(client.put(version('1.0.0'), versionBody(vm.id, [NORTH]), API.compute), 400, 'InvalidParameter',
      "Gallery image version publishing profile regions 'northeurope' must contain the location of image version 'westeurope'.");
    expect(client.get(version('1.0.0'), API.compute).status).toBe(404);
    expect(client.put(version('1.0.0'), versionBody(vm.id, [NORTH, { ...WEST, name: 'West Europe' }]), API.compute).status).toBe(201);
  });

  test('a version of a definition that does not exist: 404 ParentResourceNotFound', () => {
    const { client, paths, vm } = withGallery();
    expectRefusal(client.put(paths.version('gal_web', 'no-such', '1.0.0'), versionBody(vm.id), API.compute), 404, 'ParentResourceNotFound',
      "Can not perform requested operation on nested resource. Parent resource 'gal_web/no-such' not found.");
  });

  test('a definition with versions, and a gallery with definitions, are not deleted (409 CannotDeleteResource); emptied, they are', async () => {
    const { client, paths, vm, version } = withGallery();
    client.put(version('1.0.0'), versionBody(vm.id), API.compute);
    await client.azure.settled();
    expectRefusal(client.delete(paths.definition('gal_web', 'web-iis'), API.compute), 409, 'CannotDeleteResource',
      "Cannot delete resource while nested resources exist. Some existing nested resource IDs include: 'Microsoft.Compute/galleries/gal_web/images/web-iis/versions/1.0.0'. "
      + 'Please delete all nested resources before deleting this resource.');
    expectRefusal(client.delete(paths.gallery('gal_web'), API.compute), 409, 'CannotDeleteResource', /^Cannot delete resource while nested resources exist/);
    expect(client.delete(version('1.0.0'), API.compute).status).toBe(202);
    expect(client.delete(paths.definition('gal_web', 'web-iis'), API.compute).status).toBe(202);
    expect(client.delete(paths.gallery('gal_web'), API.compute).status).toBe(202);
    expect(client.azure.resources().filter((r) => r.type.startsWith('Microsoft.Compute/galleries'))).toEqual([]);
  });

  test('deleting the group deletes the gallery with its definitions and versions', async () => {
    const { client, paths, vm, version } = withGallery();
    client.put(version('1.0.0'), versionBody(vm.id), API.compute);
    await client.azure.settled();
    expect(client.delete(paths.group, API.resources).status).toBe(202);
    expect(client.azure.resources()).toEqual([]);
  });
});

describe('VMs and the security type of their image', () => {
  async function withVersion(securityType: string | undefined) {
    const setup = withGallery({ securityType }, { securityType: 'TrustedLaunch' });
    setup.client.put(setup.version('1.0.0'), versionBody(setup.vm.id), API.compute);
    await setup.client.azure.settled();
    const { client, paths } = setup;
    const subnetId = body(client.get(paths.subnet('vnet-web', 'snet-web'))).id;
    const create = (name: string, vmSecurity?: string) => {
      const nic = body(client.put(paths.nic(`nic-${name}`), nicBody(subnetId)));
      return client.put(paths.vm(name), vmBody(nic.id, { imageReference: { id: setup.version('1.0.0') }, securityType: vmSecurity }), API.compute);
    };
    return { ...setup, create };
  }

  test('a TrustedLaunch definition makes Trusted Launch VMs (201), never Standard ones: 400 BadRequest, no VM', async () => {
    const { client, paths, create } = await withVersion('TrustedLaunch');
    expect(create('web0001', 'TrustedLaunch').status).toBe(201);
    expectRefusal(create('web0002'), 400, 'BadRequest', "The provided gallery image only supports creation of VMs and VM Scale Sets with 'TrustedLaunch' security type.");
    expect(client.get(paths.vm('web0002'), API.compute).status).toBe(404);
  });

  test('a Trusted Launch VM from a Gen2 definition without the SecurityType feature: 400 BadRequest; a Standard VM from it: 201', async () => {
    const { create } = await withVersion(undefined);
    expectRefusal(create('web0001', 'TrustedLaunch'), 400, 'BadRequest',
      'Use of TrustedLaunch setting is not supported for the provided image. Please select Trusted Launch Supported Gen2 OS Image. For more information, see '
      + 'https://aka.ms/TrustedLaunch-FAQ.');
    expect(create('web0002').status).toBe(201);
  });

  test('a TrustedLaunchSupported definition makes both', async () => {
    const { create } = await withVersion('TrustedLaunchSupported');
    expect([create('web0001', 'TrustedLaunch').status, create('web0002').status]).toEqual([201, 201]);
  });

  test('a Trusted Launch VM from a Gen1 platform image: 400 BadRequest, no VM', () => {
    const gen1 = {
      location: 'westeurope',
      publisher: 'MicrosoftWindowsServer',
      offer: 'WindowsServer',
      sku: '2022-datacenter',
      hyperVGeneration: 'V1' as const,
      versions: ['20348.887.220806'],
    };
    const client = new InProcessAzure({ platformImages: [gen1] });
    const paths = pathsIn(client, 'rg-web');
    client.put(paths.group, groupBody(), API.resources);
    client.put(paths.vnet('vnet-web'), vnetBody());
    const subnet = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody('10.0.0.0/24')));
    const nic = body(client.put(paths.nic('nic-old'), nicBody(subnet.id)));
    const imageReference = { publisher: gen1.publisher, offer: gen1.offer, sku: gen1.sku, version: 'latest' };
    expectRefusal(client.put(paths.vm('vm-old'), vmBody(nic.id, { imageReference, securityType: 'TrustedLaunch' }), API.compute), 400, 'BadRequest',
      /^Use of TrustedLaunch setting is not supported for the provided image/);
    expect(client.get(paths.vm('vm-old'), API.compute).status).toBe(404);
  });
});

describe('NVMe-only sizes need an image tagged for NVMe (disk-controllers.ts)', () => {
  const V6 = 'Standard_D2s_v6';
  const refusal = (size: string) => `The VM size '${size}' cannot boot with OS image or disk. Please check that disk controller types supported by the OS image `
    + `or disk is one of the supported disk controller types for the VM size '${size}'. Please query sku api at https://aka.ms/azure-compute-skus  `
    + 'to determine supported disk controller types for the VM size.';

  /** A generalized Standard build VM, its managed image, and a VM of `vmSize` from an image reference. */
  async function withImages(definition: { diskControllerTypes?: string } = {}) {
    const setup = withGallery({ ...definition }, {});
    const { client, paths, vm, version } = setup;
    const image = body(client.put(`${client.group('rg-web')}/providers/Microsoft.Compute/images/img-web`, imageFromVmBody(vm.id), API.compute));
    client.put(version('1.0.0'), versionBody(vm.id), API.compute);
    await client.azure.settled();
    const subnetId = body(client.get(paths.subnet('vnet-web', 'snet-web'))).id;
    const create = (name: string, vmSize: string, imageReference: Json) => {
      const nic = body(client.put(paths.nic(`nic-${name}`), nicBody(subnetId)));
      return client.put(paths.vm(name), vmBody(nic.id, { imageReference, vmSize }), API.compute);
    };
    return { ...setup, image: image.id as string, create };
  }

  test('a v6 VM from a managed image (never tagged): 400 InvalidParameter on vmSize, no VM; a v5 VM from it: 201', async () => {
    const { client, paths, image, create } = await withImages();
    const answer = create('web0001', V6, { id: image });
    expectRefusal(answer, 400, 'InvalidParameter', refusal(V6));
    expect(body(answer).error.target).toBe('vmSize');
    expect(client.get(paths.vm('web0001'), API.compute).status).toBe(404);
    expect(create('web0002', 'Standard_D2s_v5', { id: image }).status).toBe(201);
  });

  test('from a gallery version: refused when its definition is SCSI only, created when it is tagged SCSI, NVMe', async () => {
    const untagged = await withImages();
    expectRefusal(untagged.create('web0001', 'Standard_E8as_v6', { id: untagged.version('1.0.0') }), 400, 'InvalidParameter', refusal('Standard_E8as_v6'));
    const tagged = await withImages({ diskControllerTypes: 'SCSI, NVMe' });
    expect(tagged.create('web0001', 'Standard_E8as_v6', { id: tagged.version('1.0.0') }).status).toBe(201);
  });

  test('from the marketplace: Windows Server 2022 Gen2 is tagged (201); an untagged SKU is refused; a marketplace version shows its tag', () => {
    const untagged = { location: 'westeurope', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2019-datacenter-gensecond', hyperVGeneration: 'V2' as const, versions: ['17763.6414.241004'] };
    const client = new InProcessAzure({ platformImages: [...DEFAULT_PLATFORM_IMAGES, untagged] });
    const paths = pathsIn(client, 'rg-web');
    client.put(paths.group, groupBody(), API.resources);
    client.put(paths.vnet('vnet-web'), vnetBody());
    const subnet = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody('10.0.0.0/24')));
    const create = (name: string, imageReference: Json) => {
      const nic = body(client.put(paths.nic(`nic-${name}`), nicBody(subnet.id)));
      return client.put(paths.vm(name), vmBody(nic.id, { imageReference, vmSize: 'Standard_F2as_v6' }), API.compute);
    };
    expect(create('vm-2022', PLATFORM_IMAGE).status).toBe(201);
    expectRefusal(create('vm-2019', { publisher: untagged.publisher, offer: untagged.offer, sku: untagged.sku, version: 'latest' }), 400, 'InvalidParameter',
      refusal('Standard_F2as_v6'));
    const version = body(client.get(`${client.subscription}/providers/Microsoft.Compute/locations/westeurope/publishers/MicrosoftWindowsServer/artifacttypes/`
      + 'vmimage/offers/WindowsServer/skus/2022-datacenter-g2/versions/20348.3091.250112', API.compute));
    expect(version.properties.features).toEqual([{ name: 'DiskControllerTypes', value: 'SCSI, NVMe' }]);
  });

  test('a scale set moved to a v6 size with its managed image: 400 InvalidParameter on vmSize, the scale set unchanged', async () => {
    const { client, paths, setBody, firstImage } = withScaleSet(2);
    const resized = setBody(firstImage);
    resized.sku.name = V6;
    expectRefusal(client.put(paths.scaleSet('vmss-web'), resized, API.compute), 400, 'InvalidParameter', refusal(V6));
    expect(body(client.get(paths.scaleSet('vmss-web'), API.compute)).sku.name).toBe(setBody(firstImage).sku.name);
  });

  test('which sizes are NVMe only: the v6 and later D, E and F series; the library\'s synth-time rule agrees', () => {
    const nvmeOnly = ['Standard_D2s_v6', 'Standard_D2as_v6', 'Standard_E8as_v6', 'Standard_E4-2as_v6', 'Standard_F2as_v6', 'Standard_D4ads_v6', 'Standard_D2s_v7'];
    const withScsi = ['Standard_D2s_v5', 'Standard_E4bs_v5', 'Standard_F2s_v2', 'Standard_B2ms', 'Standard_NV6ads_A10_v5', 'Standard_L8s_v3', 'Standard_DC2as_v6'];
    expect(nvmeOnly.filter(isNvmeOnly)).toEqual(nvmeOnly);
    expect(withScsi.filter(isNvmeOnly)).toEqual([]);
    // lib/private/vm/vm-sizes.ts refuses these sizes for untagged images at synth time, from the same pages.
    expect([...nvmeOnly, ...withScsi].filter((size) => nvmeOnlySize(size) !== undefined)).toEqual(nvmeOnly);
  });
});
