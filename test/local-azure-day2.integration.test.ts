/**
 * The day-2 pieces every example's day-2 test stands on (test/local-azure/deployed-app.ts): `resynthesize` puts a
 * changed app into the deployed stack directories, keeping each one's state and providers, as `cdktf deploy` does on
 * day 2; `plan` tells what the real azurerm provider decides from that state and what the local Azure holds: an update
 * in place, a replacement, a deletion. On a one-group app, so that the provider's decisions are the only subject.
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { actionsOf, NO_CHANGES } from './local-azure/plan-summary';
import { describeWithCurrentAz } from './util/tools';

const TIMEOUT_MS = 10 * 60_000;
const GROUP = 'azurerm_resource_group.Group';

/** One stack with one resource group, named and tagged as given. */
const groupApp = (name: string, tags?: Record<string, string>) => (app: App): App => {
  const stack = new TerraformStack(app, 'day2-group');
  new LocalBackend(stack, { path: '../day2-group/terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new ResourceGroup(stack, 'Group', { name, location: 'westeurope', tags });
  return app;
};

describeWithCurrentAz('day 2 on the local Azure: a changed app synthesized in place, planned by the real provider', () => {
  const azure = underLocalAzure({}, TIMEOUT_MS, async () => LocalDeployment.prepare(groupApp('rg-day2'), ['day2-group']),
    (deployment) => deployment.dispose());

  test('no change plans nothing; new tags update in place; a new name replaces; a destroy plan deletes', async () => {
    const deployment = azure.prepared;
    const target = { running: azure.running };
    await deployment.apply(target);
    const groupId = `/subscriptions/${azure.running.azure.subscriptionId}/resourceGroups/rg-day2`;
    expect(azure.running.azure.holds(groupId)).toBe(true);
    expect(actionsOf(await deployment.plan(target, 'day2-group'))).toEqual(NO_CHANGES);

    deployment.resynthesize(groupApp('rg-day2', { patch: '2026-12' }));
    expect(actionsOf(await deployment.plan(target, 'day2-group'))).toEqual({ ...NO_CHANGES, update: [GROUP] });
    await deployment.apply(target);
    expect(azure.running.azure.resource(groupId)).toMatchObject({ tags: { patch: '2026-12' } });

    deployment.resynthesize(groupApp('rg-day2-renamed'));
    const renamed = await deployment.plan(target, 'day2-group');
    expect(actionsOf(renamed)).toEqual({ ...NO_CHANGES, replace: [GROUP] });
    expect(renamed.replaceOrder).toEqual({ [GROUP]: 'destroy-before-create' });

    expect(actionsOf(await deployment.plan(target, 'day2-group', { destroy: true }))).toEqual({ ...NO_CHANGES, delete: [GROUP] });
    await deployment.destroy(target);
    expect(azure.running.azure.resources()).toEqual([]);
  }, TIMEOUT_MS);
});
