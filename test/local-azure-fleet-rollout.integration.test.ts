/**
 * An ImageFleet's image rollout on the local Azure, decided by the real azurerm provider and done in the order Terraform
 * gives it: with `FleetRollout.NEW_BEFORE_OLD` (the default) a new image replaces every VM, NIC, public IP and NSG
 * association, new ones first, then the old ones are deleted. The local Azure refuses to delete what another resource
 * still uses, as Azure does (test/local-azure/in-use.ts: a NIC on a VM, a public IP on a NIC, an NSG on a NIC), so the
 * rollout and the destroy pass only if the library's create-before-destroy deletes each old user before what it used.
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../lib';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { describeWithCurrentAz } from './util/tools';

const TIMEOUT_MS = 15 * 60_000;
const STACK = 'rollout';
const GROUP = 'rg-web';

/** A fleet of 2 from a managed image made elsewhere (the local Azure does not check that it exists). */
const fleetApp = (imageId: string) => (app: App): App => {
  const stack = new TerraformStack(app, STACK);
  new LocalBackend(stack, { path: `../${STACK}/terraform.tfstate` });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const image = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
  new ImageFleet(stack, 'Fleet', { image, count: 2, namePrefix: 'web', outputPrefix: 'fleet', verifyUrls: false });
  return app;
};

describeWithCurrentAz('an ImageFleet\'s image rollout on the local Azure: new before old, in an order Azure accepts', () => {
  const imageIn = (subscriptionId: string, name: string) => `/subscriptions/${subscriptionId}/resourceGroups/rg-images/providers/Microsoft.Compute/images/${name}`;
  const azure = underLocalAzure({}, TIMEOUT_MS,
    async (running) => LocalDeployment.prepare(fleetApp(imageIn(running.azure.subscriptionId, 'img-v1')), [STACK]),
    (deployment) => deployment.dispose());

  test('a new image: new VMs, NICs and public IPs first, then the old ones deleted (each user before what it used); destroy leaves nothing', async () => {
    const deployment = azure.prepared;
    const target = { running: azure.running };
    const local = azure.running.azure;
    const imageId = (name: string) => imageIn(local.subscriptionId, name);
    const ids = (type: string) => local.resources().filter((r) => r.type === type && r.id.includes(`/resourceGroups/${GROUP}/`)).map((r) => r.id).sort();
    const perInstance = () => ['Microsoft.Compute/virtualMachines', 'Microsoft.Network/networkInterfaces', 'Microsoft.Network/publicIPAddresses']
      .map((type) => ids(type));
    await deployment.apply(target);
    const before = perInstance();
    expect(before.map((list) => list.length)).toEqual([2, 2, 2]);

    deployment.resynthesize(fleetApp(imageId('img-v2')));
    const plan = await deployment.plan(target, STACK);
    const replaced = (type: string) => plan.replace.filter((address) => address.startsWith(`${type}.`));
    for (const type of ['azurerm_windows_virtual_machine', 'azurerm_network_interface', 'azurerm_public_ip', 'azurerm_network_interface_security_group_association']) {
      expect(replaced(type)).toHaveLength(2);
      replaced(type).forEach((address) => expect(plan.replaceOrder[address]).toBe('create-before-destroy'));
    }
    await deployment.apply(target);
    const after = perInstance();
    // Two of each again, all new: the old ones deleted once nothing used them.
    expect(after.map((list) => list.length)).toEqual([2, 2, 2]);
    after.forEach((list, index) => list.forEach((id) => expect(before[index]).not.toContain(id)));
    for (const vmId of after[0]) {
      expect(local.resource(vmId)!.properties.storageProfile.imageReference.id).toBe(imageId('img-v2'));
    }

    await deployment.destroy(target);
    expect(local.resources()).toEqual([]);
  }, TIMEOUT_MS);
});
