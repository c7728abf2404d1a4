/**
 * The local Azure's protocol and read-back fields, in-process (test/local-azure/in-process.ts): what a client reads
 * before Resource Manager (metadata, tokens), Resource Manager's long-running operations and error shapes, and the
 * fields each resource type returns that azurerm reads. Azure's refusals are in rules.test.ts; the real provider
 * against the HTTPS server in test/local-azure.integration.test.ts.
 */
import {
  groupBody, IMAGE_ID, loadBalancerBody, nicBody, nsgBody, pathsIn, publicIpBody, subnetBody, vmBody, vnetBody,
} from './bodies';
import { Json } from './http';
import { API, InProcessAzure } from './in-process';
import { withScaleSet } from './scale-set-fixture';

const body = InProcessAzure.body;

/** A client with group `rg-web` and, in it, VNet `vnet-web` with subnet `snet-web`. */
function withNetwork() {
  const client = new InProcessAzure();
  const paths = pathsIn(client, 'rg-web');
  client.put(paths.group, groupBody(), API.resources);
  client.put(paths.vnet('vnet-web'), vnetBody());
  client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody());
  return { client, paths, subnetId: body(client.get(paths.subnet('vnet-web', 'snet-web'))).id as string };
}

/** A VM `web0001` with its public IP and NIC in `withNetwork()`'s subnet. */
function withVm(options: Parameters<typeof vmBody>[1] = {}) {
  const setup = withNetwork();
  const { client, paths, subnetId } = setup;
  const publicIp = body(client.put(paths.publicIp('pip-web0001'), publicIpBody()));
  const nic = body(client.put(paths.nic('nic-web0001'), nicBody(subnetId, publicIp.id)));
  const answer = client.put(paths.vm('web0001'), vmBody(nic.id, options), API.compute);
  return { ...setup, publicIp, nic, answer, vm: body(client.get(paths.vm('web0001'), API.compute)) };
}

describe('metadata and identity', () => {
  test('the 2022-09-01 metadata names the resource manager without a trailing slash, the login endpoint and Microsoft Graph', () => {
    const client = new InProcessAzure();
    const metadata = body(client.request('GET', '/metadata/endpoints?api-version=2022-09-01'));
    expect(metadata).toMatchObject({
      resourceManager: client.origin,
      authentication: { loginEndpoint: client.origin, audiences: expect.arrayContaining(['https://management.azure.com/']) },
      microsoftGraphResourceId: 'https://graph.microsoft.com/',
      name: expect.any(String),
    });
  });

  test('azurerm\'s //metadata/endpoints?api-version=2018-01-01 names this endpoint and its regions', () => {
    const client = new InProcessAzure();
    const metadata = body(client.request('GET', '//metadata/endpoints?api-version=2018-01-01'));
    expect(Object.values(metadata.cloudEndpoint)).toEqual([{ endpoint: '127.0.0.1:44300', locations: expect.arrayContaining(['westeurope']) }]);
  });

  test.each([
    ['AAD v2', (tenant: string) => `/${tenant}/oauth2/v2.0/token`, { scope: 'https://management.azure.com/.default' }],
    ['AAD v1', (tenant: string) => `/${tenant}/oauth2/token`, { resource: 'https://management.core.windows.net/' }],
    ['ADFS', () => '/adfs/oauth2/token', { resource: 'https://management.core.windows.net/' }],
  ])('the %s token endpoint issues a JWT with the principal\'s oid, tid and appid, which Resource Manager takes', (_form, path, audience) => {
    // GIVEN a client without a token
    const client = new InProcessAzure();
    const { tenantId, clientId, clientSecret, objectId } = client.azure.principal;
    // WHEN it logs in with the service principal's secret
    const answer = client.request('POST', path(tenantId), { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...audience } });
    // THEN a bearer token whose claims name the principal
    expect(answer.status).toBe(200);
    const token: string = body(answer).access_token;
    expect(body(answer).token_type).toBe('Bearer');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ oid: objectId, tid: tenantId, appid: clientId });
    // AND Resource Manager accepts it
    const providers = client.request('GET', `${client.subscription}/providers?api-version=${API.resources}`, { headers: { authorization: `Bearer ${token}` } });
    expect(providers.status).toBe(200);
  });

  test('ADFS\'s OpenID configuration names its token endpoint (MSAL reads it for an ADFS authority)', () => {
    const client = new InProcessAzure();
    expect(body(client.request('GET', '/adfs/.well-known/openid-configuration'))).toMatchObject({ token_endpoint: `${client.origin}/adfs/oauth2/token` });
  });

  test('the providers list shows the namespaces this Azure serves as registered, with their resource types', () => {
    const client = new InProcessAzure();
    const providers = body(client.get(`${client.subscription}/providers`, API.resources)).value as Json[];
    const registered = Object.fromEntries(providers.map((p) => [p.namespace, p.registrationState]));
    expect(registered).toEqual({ 'Microsoft.Resources': 'Registered', 'Microsoft.Network': 'Registered', 'Microsoft.Compute': 'Registered' });
    expect(providers.find((p) => p.namespace === 'Microsoft.Compute')!.resourceTypes.map((t: Json) => t.resourceType)).toContain('virtualMachines');
  });
});

describe('Resource Manager', () => {
  test('a resource group PUT answers at once: 201 with provisioningState Succeeded, no operation to poll', () => {
    const client = new InProcessAzure();
    const answer = client.put(client.group('rg-web'), groupBody(), API.resources);
    expect(answer.status).toBe(201);
    expect(answer.headers['Azure-AsyncOperation']).toBeUndefined();
    expect(body(answer)).toEqual({
      id: `${client.subscription}/resourceGroups/rg-web`,
      name: 'rg-web',
      type: 'Microsoft.Resources/resourceGroups',
      location: 'westeurope',
      properties: { provisioningState: 'Succeeded' },
    });
  });

  test('a network PUT is a long-running operation: 201, Azure-AsyncOperation and Retry-After 1, and the status URL answers Succeeded', () => {
    // GIVEN a group
    const client = new InProcessAzure();
    const paths = pathsIn(client, 'rg-web');
    client.put(paths.group, groupBody(), API.resources);
    // WHEN a VNet is PUT
    const answer = client.put(paths.vnet('vnet-web'), vnetBody());
    // THEN it is accepted as an operation in progress
    expect(answer.status).toBe(201);
    expect(answer.headers['Retry-After']).toBe('1');
    expect(body(answer).properties.provisioningState).toBe('Updating');
    const status = new URL(answer.headers['Azure-AsyncOperation']);
    expect(status.origin).toBe(client.origin);
    expect(status.pathname).toMatch(new RegExp(`^${client.subscription}/providers/Microsoft.Network/locations/westeurope/operations/[0-9a-f-]{36}$`));
    // AND the operation has succeeded, and the VNet with it
    expect(body(client.request('GET', `${status.pathname}${status.search}`))).toMatchObject({ status: 'Succeeded' });
    expect(body(client.get(paths.vnet('vnet-web'))).properties.provisioningState).toBe('Succeeded');
  });

  test('a DELETE answers 202 with the status URL, Location and Retry-After; then the GET is Azure\'s 404 and a second DELETE 204', () => {
    const { client, paths } = withNetwork();
    const answer = client.delete(paths.vnet('vnet-web'));
    expect(answer.status).toBe(202);
    expect(Object.keys(answer.headers).sort()).toEqual(['Azure-AsyncOperation', 'Location', 'Retry-After']);
    expect(client.request('GET', new URL(answer.headers.Location).pathname + new URL(answer.headers.Location).search).status).toBe(204);
    const missing = client.get(paths.vnet('vnet-web'));
    expect(missing.status).toBe(404);
    expect(body(missing)).toEqual({
      error: {
        code: 'ResourceNotFound',
        message: "The Resource 'Microsoft.Network/virtualNetworks/vnet-web' under resource group 'rg-web' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
      },
    });
    expect(client.delete(paths.vnet('vnet-web')).status).toBe(204);
  });

  test('a missing group is Azure\'s 404 ResourceGroupNotFound, for the group and for a resource in it', () => {
    const client = new InProcessAzure();
    const paths = pathsIn(client, 'rg-nowhere');
    const expected = { error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-nowhere' could not be found." } };
    expect(body(client.get(paths.group, API.resources))).toEqual(expected);
    expect(client.get(paths.vnet('vnet-web')).status).toBe(404);
    expect(body(client.get(paths.vnet('vnet-web')))).toEqual(expected);
  });

  test('a PATCH merges into the resource: tags replaced, the rest kept', () => {
    const { client, paths } = withNetwork();
    client.put(paths.publicIp('pip-a'), { ...publicIpBody(), tags: { a: '1' } });
    const answer = client.patch(paths.publicIp('pip-a'), { tags: { b: '2' } });
    expect(answer.status).toBe(200);
    expect(body(client.get(paths.publicIp('pip-a')))).toMatchObject({ tags: { b: '2' }, sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } });
  });

  test('a group\'s resources are listed $top at a time, with a nextLink to the rest', () => {
    const { client, paths } = withNetwork();
    for (const name of ['pip-a', 'pip-b', 'pip-c']) {
      client.put(paths.publicIp(name), publicIpBody());
    }
    const first = body(client.get(`${paths.group}/resources?$expand=provisioningState&$top=2`, API.resources));
    expect(first.value.map((r: Json) => r.name)).toEqual(['vnet-web', 'pip-a']);
    expect(first.value[0]).toMatchObject({ type: 'Microsoft.Network/virtualNetworks', location: 'westeurope', provisioningState: 'Succeeded' });
    const next = new URL(first.nextLink);
    const second = body(client.request('GET', `${next.pathname}${next.search}`));
    expect(second.value.map((r: Json) => r.name)).toEqual(['pip-b', 'pip-c']);
    expect(second.nextLink).toBeUndefined();
  });

  test('requests are recorded by resource type, without bodies', () => {
    const { client } = withNetwork();
    const kinds = client.azure.requests.map((r) => `${r.method} ${r.kind} ${r.status}`);
    expect(kinds).toEqual([
      'POST token 200',
      'PUT Microsoft.Resources/resourceGroups 201',
      'PUT Microsoft.Network/virtualNetworks 201',
      'PUT Microsoft.Network/virtualNetworks/subnets 201',
      'GET Microsoft.Network/virtualNetworks/subnets 200',
    ]);
    expect(JSON.stringify(client.azure.requests)).not.toContain(client.azure.principal.clientSecret);
  });

  test('an endpoint or type this Azure does not serve is recorded as unhandled, apart from Azure\'s refusals', () => {
    const { client, paths } = withNetwork();
    const answer = client.get(`${paths.group}/providers/Microsoft.Web/sites/app`);
    expect(answer.status).toBe(400);
    expect(body(answer).error.code).toBe('InvalidResourceType');
    expect(client.azure.unhandled).toEqual([expect.objectContaining({ path: `${paths.group}/providers/Microsoft.Web/sites/app` })]);
  });
});

describe('read-back fields', () => {
  test('a VNet shows its subnets with ids, and each subnet the NIC IP configurations in it', () => {
    const { client, paths, subnetId, nic } = withVm();
    const vnet = body(client.get(paths.vnet('vnet-web')));
    expect(vnet.properties.subnets).toEqual([expect.objectContaining({
      id: subnetId,
      name: 'snet-web',
      type: 'Microsoft.Network/virtualNetworks/subnets',
      properties: expect.objectContaining({ addressPrefixes: ['10.0.0.0/24'], provisioningState: 'Succeeded', ipConfigurations: [{ id: nic.properties.ipConfigurations[0].id }] }),
    })]);
  });

  test('a static public IP gets its address at creation and keeps it through updates', () => {
    const { client, paths } = withNetwork();
    const created = body(client.put(paths.publicIp('pip-a'), publicIpBody()));
    const second = body(client.put(paths.publicIp('pip-b'), publicIpBody()));
    expect(created.properties.ipAddress).toBe('203.0.113.1');
    expect(second.properties.ipAddress).toBe('203.0.113.2');
    client.put(paths.publicIp('pip-a'), { ...publicIpBody(), tags: { changed: 'yes' } });
    expect(body(client.get(paths.publicIp('pip-a'))).properties.ipAddress).toBe('203.0.113.1');
  });

  test('a NIC\'s IP configurations have ids and the subnet\'s next free address (Azure keeps .0-.3), kept through updates', () => {
    const { client, paths, subnetId } = withNetwork();
    const first = body(client.put(paths.nic('nic-a'), nicBody(subnetId)));
    const second = body(client.put(paths.nic('nic-b'), nicBody(subnetId)));
    expect(first.properties.ipConfigurations).toEqual([expect.objectContaining({
      id: `${first.id}/ipConfigurations/primary`, properties: expect.objectContaining({ privateIPAddress: '10.0.0.4', primary: true, provisioningState: 'Succeeded' }),
    })]);
    expect(second.properties.ipConfigurations[0].properties.privateIPAddress).toBe('10.0.0.5');
    // azurerm's NSG association PUTs the whole NIC with its NSG.
    client.put(paths.nsg('nsg-web'), nsgBody());
    const nsgId = body(client.get(paths.nsg('nsg-web'))).id;
    client.put(paths.nic('nic-a'), { ...nicBody(subnetId), properties: { ...nicBody(subnetId).properties, networkSecurityGroup: { id: nsgId } } });
    const updated = body(client.get(paths.nic('nic-a')));
    expect(updated.properties.ipConfigurations[0].properties.privateIPAddress).toBe('10.0.0.4');
    expect(body(client.get(paths.nsg('nsg-web'))).properties.networkInterfaces).toEqual([{ id: updated.id }]);
  });

  test('an NSG shows its rules with ids and Azure\'s six default rules', () => {
    const { client, paths } = withNetwork();
    const nsg = body(client.put(paths.nsg('nsg-web'), nsgBody()));
    expect(nsg.properties.securityRules).toEqual([expect.objectContaining({ id: `${nsg.id}/securityRules/allow-app`, type: 'Microsoft.Network/networkSecurityGroups/securityRules' })]);
    expect(nsg.properties.defaultSecurityRules.map((r: Json) => r.name)).toEqual([
      'AllowVnetInBound', 'AllowAzureLoadBalancerInBound', 'DenyAllInBound', 'AllowVnetOutBound', 'AllowInternetOutBound', 'DenyAllOutBound',
    ]);
  });

  test('a VM: 201 Creating, then vmId, its OS disk as a resource of its own (id, name, size), and never its password or custom data', () => {
    const { client, paths, answer, vm } = withVm();
    expect(answer.status).toBe(201);
    expect(body(answer).properties.provisioningState).toBe('Creating');
    expect(answer.headers['Azure-AsyncOperation']).toContain('/providers/Microsoft.Compute/locations/westeurope/operations/');
    expect(vm.properties.vmId).toMatch(/^[0-9a-f-]{36}$/);
    const osDisk = vm.properties.storageProfile.osDisk;
    expect(osDisk).toMatchObject({ osType: 'Windows', name: expect.stringMatching(/^web0001_OsDisk_1_[0-9a-f]{32}$/), diskSizeGB: 127, deleteOption: 'Detach' });
    expect(osDisk.managedDisk.id).toBe(paths.disk(osDisk.name));
    expect(body(client.get(osDisk.managedDisk.id, '2023-04-02'))).toMatchObject({
      name: osDisk.name,
      managedBy: vm.id,
      sku: { name: 'StandardSSD_LRS' },
      properties: { diskState: 'Attached', osType: 'Windows', creationData: { createOption: 'FromImage', imageReference: { id: IMAGE_ID } } },
    });
    expect(vm.properties.osProfile).toEqual(expect.objectContaining({ computerName: 'web0001', adminUsername: 'fleetadmin' }));
    expect(JSON.stringify(vm)).not.toContain('Sup3r-Secret');
    expect(vm.properties.osProfile.customData).toBeUndefined();
    // An empty additionalCapabilities is omitted, as Azure does (echoed, azurerm would plan a change at every run).
    expect(vm.properties.additionalCapabilities).toBeUndefined();
  });

  test('a VM\'s NIC shows the VM; its instance view the power state, also in the VM when expanded; its userData only when expanded', () => {
    const { client, paths, vm } = withVm({ userData: 'dXNlcg==' });
    expect(body(client.get(paths.nic('nic-web0001'))).properties).toMatchObject({ virtualMachine: { id: vm.id }, macAddress: expect.stringMatching(/^([0-9A-F]{2}-){5}[0-9A-F]{2}$/) });
    const view = body(client.get(`${paths.vm('web0001')}/instanceView`, API.compute));
    expect(view.statuses.map((s: Json) => s.code)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
    expect(vm.properties.instanceView).toBeUndefined();
    expect(body(client.get(`${paths.vm('web0001')}?$expand=instanceView`, API.compute)).properties.instanceView).toEqual(view);
    expect(vm.properties.userData).toBeUndefined();
    expect(body(client.get(`${paths.vm('web0001')}?$expand=userData`, API.compute)).properties.userData).toBe('dXNlcg==');
  });

  test('a load balancer always shows all its arrays, each entry with an id; a pool PUT on its own appears in the load balancer', () => {
    // GIVEN a load balancer made as azurerm_lb makes it
    const { client, paths } = withNetwork();
    const publicIp = body(client.put(paths.publicIp('pip-lb'), publicIpBody()));
    const lb = body(client.put(paths.loadBalancer('lb-web'), loadBalancerBody(publicIp.id)));
    expect(Object.keys(lb.properties).filter((k) => Array.isArray(lb.properties[k])).sort()).toEqual([
      'backendAddressPools', 'frontendIPConfigurations', 'inboundNatPools', 'inboundNatRules', 'loadBalancingRules', 'outboundRules', 'probes',
    ]);
    // WHEN the pool is PUT as a child, then a probe and a rule by GET-modify-PUT of the whole load balancer
    expect(client.put(`${paths.loadBalancer('lb-web')}/backendAddressPools/instances`, { properties: {} }).status).toBe(201);
    const current = body(client.get(paths.loadBalancer('lb-web')));
    const [frontend, pool] = [current.properties.frontendIPConfigurations[0], current.properties.backendAddressPools[0]];
    expect(pool.id).toBe(`${lb.id}/backendAddressPools/instances`);
    const probe = { name: 'app-page', properties: { protocol: 'Http', port: 80, requestPath: '/', intervalInSeconds: 5, numberOfProbes: 2 } };
    const rule = {
      name: 'app',
      properties: {
        protocol: 'Tcp',
        frontendPort: 80,
        backendPort: 80,
        frontendIPConfiguration: { id: frontend.id },
        backendAddressPools: [{ id: pool.id }],
        probe: { id: `${lb.id}/probes/app-page` },
        disableOutboundSnat: true,
      },
    };
    client.put(paths.loadBalancer('lb-web'), { ...current, properties: { ...current.properties, probes: [probe], loadBalancingRules: [rule] } });
    // THEN every entry has its id, and the entries a rule uses name it
    const after = body(client.get(paths.loadBalancer('lb-web')));
    const ruleId = `${lb.id}/loadBalancingRules/app`;
    expect(after.properties.probes[0]).toMatchObject({ id: `${lb.id}/probes/app-page`, properties: { loadBalancingRules: [{ id: ruleId }] } });
    expect(after.properties.frontendIPConfigurations[0].properties.loadBalancingRules).toEqual([{ id: ruleId }]);
    expect(after.properties.backendAddressPools[0].properties.loadBalancingRules).toEqual([{ id: ruleId }]);
    expect(body(client.get(`${paths.loadBalancer('lb-web')}/probes/app-page`))).toMatchObject({ id: `${lb.id}/probes/app-page` });
    expect(body(client.get(paths.publicIp('pip-lb'))).properties.ipConfiguration).toEqual({ id: frontend.id });
  });

  test('a scale set keeps its capacity and never shows its password; no rolling upgrade has run (404 NotFound)', () => {
    const { client, paths, created } = withScaleSet(2);
    expect(body(created)).toMatchObject({ sku: { capacity: 2 }, properties: { provisioningState: 'Creating', uniqueId: expect.any(String) } });
    expect(JSON.stringify(body(client.get(paths.scaleSet('vmss-web'), API.compute)))).not.toContain('Sup3r-Secret');
    expect(body(client.get(paths.scaleSet('vmss-web'), API.compute)).properties.additionalCapabilities).toBeUndefined();
    const latest = client.get(`${paths.scaleSet('vmss-web')}/rollingUpgrades/latest`, API.compute);
    expect(latest.status).toBe(404);
    expect(body(latest).error.code).toBe('NotFound');
  });

  test('the marketplace lists publishers, offers, SKUs and versions, and shows a version\'s generation', () => {
    const client = new InProcessAzure();
    const base = `${client.subscription}/providers/Microsoft.Compute/locations/westeurope/publishers`;
    expect(body(client.get(base, API.compute)).map((p: Json) => p.name)).toEqual(['MicrosoftWindowsServer']);
    expect(body(client.get(`${base}/MicrosoftWindowsServer/artifacttypes/vmimage/offers/WindowsServer/skus`, API.compute)).map((s: Json) => s.name))
      .toContain('2022-datacenter-azure-edition');
    const version = body(client.get(`${base}/MicrosoftWindowsServer/artifacttypes/vmimage/offers/WindowsServer/skus/2022-datacenter-azure-edition/versions/20348.3091.250112`, API.compute));
    expect(version).toMatchObject({ name: '20348.3091.250112', properties: { hyperVGeneration: 'V2' } });
  });

  test('a version published while it runs is listed from then on (the next plan\'s `latest`); an unknown SKU is refused', () => {
    const client = new InProcessAzure();
    const sku = { location: 'westeurope', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-g2' };
    const versions = () => body(client.get(`${client.subscription}/providers/Microsoft.Compute/locations/westeurope/publishers/`
      + 'MicrosoftWindowsServer/artifacttypes/vmimage/offers/WindowsServer/skus/2022-datacenter-g2/versions', API.compute)).map((v: Json) => v.name);
    expect(versions()).not.toContain('20348.3207.250211');
    client.azure.publishPlatformImageVersion(sku, '20348.3207.250211');
    // Listed as text, as ever (rules.test.ts, 'the marketplace').
    expect(versions()).toEqual(['20348.2849.241109', '20348.3091.250112', '20348.3207.250211', '20348.887.220806']);
    expect(() => client.azure.publishPlatformImageVersion({ ...sku, location: 'northeurope' }, '20348.3207.250211'))
      .toThrow(/does not offer .*northeurope.*LocalAzureOptions\.platformImages/);
  });
});

describe('template deployments (what az vm create sends)', () => {
  /** A template as azure-cli's vm/_template_builder.py writes one: a VNet, a NIC in its subnet, a VM, the password a parameter. */
  function vmTemplate(securityType?: string): Json {
    return {
      $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
      contentVersion: '1.0.0.0',
      parameters: { adminPassword: { type: 'securestring' } },
      variables: {},
      resources: [
        {
          name: 'vm1-vnet',
          type: 'Microsoft.Network/virtualNetworks',
          location: 'westeurope',
          apiVersion: '2015-06-15',
          dependsOn: [],
          tags: {},
          properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'canary', properties: { addressPrefix: '10.0.0.0/24' } }] },
        },
        {
          type: 'Microsoft.Network/networkInterfaces',
          name: 'vm1VMNic',
          location: 'westeurope',
          apiVersion: '2024-05-01',
          tags: {},
          dependsOn: ['Microsoft.Network/virtualNetworks/vm1-vnet'],
          properties: {
            ipConfigurations: [{
              name: 'ipconfigvm1',
              properties: {
                privateIPAllocationMethod: 'Dynamic',
                subnet: { id: "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vm1-vnet', 'canary')]" },
              },
            }],
          },
        },
        {
          apiVersion: '2024-03-01',
          type: 'Microsoft.Compute/virtualMachines',
          name: 'vm1',
          location: 'westeurope',
          tags: {},
          dependsOn: ["[concat('Microsoft.Network/networkInterfaces/', 'vm1VMNic')]"],
          properties: {
            hardwareProfile: { vmSize: 'Standard_D2s_v5' },
            networkProfile: { networkInterfaces: [{ id: "[resourceId('Microsoft.Network/networkInterfaces', 'vm1VMNic')]", properties: { deleteOption: 'Delete' } }] },
            storageProfile: {
              osDisk: { createOption: 'fromImage', name: null, caching: 'ReadWrite', managedDisk: { storageAccountType: null }, deleteOption: 'Delete' },
              imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-g2', version: 'latest' },
            },
            osProfile: { computerName: 'canary1', adminUsername: 'canaryadmin', adminPassword: "[parameters('adminPassword')]" },
            ...(securityType ? { securityProfile: { securityType, uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } } : {}),
          },
        },
      ],
      outputs: {},
    };
  }
  const deploy = (client: InProcessAzure, group: string, template: Json) => client.put(`${group}/providers/Microsoft.Resources/deployments/vm_deploy_1`,
    { properties: { template, parameters: { adminPassword: { value: 'Sup3r-Secret!pass' } }, mode: 'incremental' } }, API.resources);

  test('each resource is created through Resource Manager in the template\'s order, expressions evaluated; the operation succeeds', async () => {
    const client = new InProcessAzure();
    const paths = pathsIn(client, 'rg-canary');
    client.put(paths.group, groupBody(), API.resources);
    const answer = deploy(client, paths.group, vmTemplate('TrustedLaunch'));
    expect(answer.status).toBe(201);
    await client.azure.settled();
    expect(body(client.request('GET', new URL(answer.headers['Azure-AsyncOperation']).pathname + `?api-version=${API.resources}`)).status).toBe('Succeeded');
    const vm = body(client.get(paths.vm('vm1'), API.compute));
    expect(vm.properties).toMatchObject({
      osProfile: { computerName: 'canary1' },
      networkProfile: { networkInterfaces: [{ id: paths.nic('vm1VMNic') }] },
      securityProfile: { securityType: 'TrustedLaunch' },
    });
    // The password reached the VM as a parameter and is, as always, never shown.
    expect(JSON.stringify(vm)).not.toContain('Sup3r-Secret!pass');
    expect(body(client.get(paths.nic('vm1VMNic'))).properties.ipConfigurations[0].properties.subnet.id).toBe(paths.subnet('vm1-vnet', 'canary'));
    expect(body(client.get(`${paths.group}/providers/Microsoft.Resources/deployments/vm_deploy_1`, API.resources)).properties.provisioningState).toBe('Succeeded');
  });

  test('the canary\'s deletion in the operator\'s order: its VNet is in use while the VM\'s NIC is in it; the VM takes the NIC (deleteOption Delete), then the VNet goes', async () => {
    const client = new InProcessAzure();
    const paths = pathsIn(client, 'rg-canary');
    client.put(paths.group, groupBody(), API.resources);
    deploy(client, paths.group, vmTemplate());
    await client.azure.settled();
    expect(client.delete(paths.vnet('vm1-vnet')).status).toBe(400);
    // lib/operator/steps/canary.ts deleteCanary: the VM, its NIC, its VNet.
    expect(client.delete(paths.vm('vm1'), API.compute).status).toBe(202);
    expect(client.delete(paths.nic('vm1VMNic')).status).toBe(204);
    expect(client.delete(paths.vnet('vm1-vnet')).status).toBe(202);
    expect(client.azure.resources().map((r) => r.id)).toEqual([paths.group]);
  });

  test('a resource Azure refuses fails the deployment: DeploymentFailed with the resource\'s error in its details; what came before stays', async () => {
    const client = new InProcessAzure();
    const paths = pathsIn(client, 'rg-canary');
    client.put(paths.group, groupBody(), API.resources);
    const template = vmTemplate('TrustedLaunch');
    // The NIC in a subnet the VNet does not have.
    template.resources[1].properties.ipConfigurations[0].properties.subnet.id = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vm1-vnet', 'nope')]";
    const answer = deploy(client, paths.group, template);
    await client.azure.settled();
    const status = body(client.request('GET', new URL(answer.headers['Azure-AsyncOperation']).pathname + `?api-version=${API.resources}`));
    expect(status).toMatchObject({
      status: 'Failed',
      error: {
        code: 'DeploymentFailed',
        message: 'At least one resource deployment operation failed. Please list deployment operations for details. Please see '
          + 'https://aka.ms/arm-deployment-operations for usage details.',
        details: [{ code: 'InvalidResourceReference', message: expect.stringContaining('/subnets/nope') }],
      },
    });
    expect([client.get(paths.vnet('vm1-vnet')).status, client.get(paths.nic('vm1VMNic')).status, client.get(paths.vm('vm1'), API.compute).status])
      .toEqual([200, 404, 404]);
  });
});
