/**
 * The current Azure CLI against the local Azure (issue 25): Debian trixie's 2.74 (test/local-azure/install-az.sh) logs
 * in to the local Azure as a user logs in to a cloud of their own (`az cloud register` with its Resource Manager and an
 * ADFS-style authority, `az login --service-principal`; test/local-azure/az-cli.ts), then manages resource groups and
 * reads a VM that the real azurerm provider made there. Every answer az prints is checked against what the local
 * Azure holds.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCAL_CLOUD } from './local-azure/az-cli';
import { fleetUnderAz } from './local-azure/deployed-fleet';
import { currentAzPath, describeWithCurrentAz } from './util/tools';

// The fleet's apply took about 1.5 minutes here (the provider's own fixed waits); a busy CI machine gets room.
const SETUP_TIMEOUT_MS = 15 * 60_000;
const AZ_TIMEOUT_MS = 5 * 60_000;

describeWithCurrentAz('the current Azure CLI', () => {
  test('az version: azure-cli 2.74.0 and its core, from the prefix install-az.sh made', () => {
    const configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'az-version-'));
    try {
      const result = spawnSync(currentAzPath(), ['version', '--output', 'json'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: configDirectory, AZURE_CONFIG_DIR: configDirectory, AZURE_CORE_COLLECT_TELEMETRY: 'false' },
      });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ 'azure-cli': '2.74.0', 'azure-cli-core': '2.74.0' });
    } finally {
      fs.rmSync(configDirectory, { recursive: true, force: true });
    }
  });
});

describeWithCurrentAz('the current Azure CLI against the local Azure', () => {
  const azure = fleetUnderAz(1, 'web', SETUP_TIMEOUT_MS);

  test('az login: the local cloud is active, and the service principal is logged in to the local subscription', async () => {
    const account = await azure.cli.json(['account', 'show']);
    expect(account).toMatchObject({
      environmentName: LOCAL_CLOUD,
      id: azure.running.azure.subscriptionId,
      tenantId: azure.running.azure.principal.tenantId,
      user: { name: azure.running.azure.principal.clientId, type: 'servicePrincipal' },
    });
    const cloud = await azure.cli.json(['cloud', 'show', '--name', LOCAL_CLOUD]);
    expect(cloud.endpoints).toMatchObject({ resourceManager: azure.running.origin, activeDirectory: `${azure.running.origin}/adfs` });
    // The tokens came from the ADFS endpoint, and nothing was asked that the local Azure does not serve.
    expect(azure.running.azure.requests.filter((r) => r.kind === 'token').map((r) => `${r.method} ${r.path} ${r.status}`)).toContain('POST /adfs/oauth2/token 200');
    expect(azure.running.azure.unhandled).toEqual([]);
  }, AZ_TIMEOUT_MS);

  test('az group create, show, list and delete', async () => {
    const created = await azure.cli.json(['group', 'create', '--name', 'rg-cli', '--location', 'West Europe', '--tags', 'purpose=test']);
    const id = `/subscriptions/${azure.running.azure.subscriptionId}/resourceGroups/rg-cli`;
    expect(created).toMatchObject({ id, name: 'rg-cli', location: 'westeurope', tags: { purpose: 'test' }, properties: { provisioningState: 'Succeeded' } });
    expect(azure.running.azure.holds(id)).toBe(true);
    expect(await azure.cli.json(['group', 'show', '--name', 'RG-CLI'])).toEqual(created);
    const listed = (await azure.cli.json(['group', 'list', '--query', '[].name'])).sort();
    expect(listed).toEqual([azure.fleet.resourceGroup, 'rg-cli'].sort());
    await azure.cli.mustRun(['group', 'delete', '--name', 'rg-cli', '--yes']);
    expect(azure.running.azure.holds(id)).toBe(false);
    const shown = await azure.cli.run(['group', 'show', '--name', 'rg-cli']);
    expect({ status: shown.status, stderr: shown.stderr }).toEqual({ status: 3, stderr: expect.stringContaining("(ResourceGroupNotFound) Resource group 'rg-cli' could not be found.") });
  }, AZ_TIMEOUT_MS);

  test('az vm show of the VM the azurerm provider made: its id, OS disk and NIC as the local Azure holds them; with -d its power state and addresses', async () => {
    const [vmId] = azure.fleet.vmIds;
    const held = azure.running.azure.resource(vmId)!;
    const name = vmId.split('/').pop()!;
    const shown = await azure.cli.json(['vm', 'show', '--resource-group', azure.fleet.resourceGroup, '--name', name]);
    expect(shown).toMatchObject({
      id: vmId,
      name,
      location: 'westeurope',
      hardwareProfile: { vmSize: held.properties.hardwareProfile.vmSize },
      storageProfile: { osDisk: { managedDisk: { id: held.properties.storageProfile.osDisk.managedDisk.id } } },
      networkProfile: { networkInterfaces: [{ id: held.properties.networkProfile.networkInterfaces[0].id }] },
      osProfile: { computerName: held.properties.osProfile.computerName },
    });
    // -d: the instance view's power state, and the addresses of its NIC and public IP.
    const nic = azure.running.azure.resource(held.properties.networkProfile.networkInterfaces[0].id)!;
    const configuration = nic.properties.ipConfigurations[0].properties;
    const publicIp = azure.running.azure.resource(configuration.publicIPAddress.id)!;
    const details = await azure.cli.json(['vm', 'show', '--show-details', '--ids', vmId]);
    expect(details).toMatchObject({ powerState: 'VM running', privateIps: configuration.privateIPAddress, publicIps: publicIp.properties.ipAddress });
    expect(azure.running.azure.unhandled).toEqual([]);
  }, AZ_TIMEOUT_MS);
});
