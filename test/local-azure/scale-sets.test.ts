/**
 * Scale sets in the local Azure (scale-sets.ts, load-balancers.ts, guest-web.ts): instances named as Azure names them,
 * each serving its image's page with its own computer name through the load balancer's frontend, and a new image
 * rolled out as Azure rolls it out: in batches, each gated by the health probe.
 */
import { iisAnswer } from './guest-web';
import { Json } from './http';
import { API, InProcessAzure } from './in-process';
import { withScaleSet } from './scale-set-fixture';

const body = InProcessAzure.body;
const names = (instances: Json[]) => instances.map((i) => i.properties.osProfile.computerName);
/** What each machine behind the frontend serves at `/`, by computer name. */
const pages = (setup: ReturnType<typeof withScaleSet>) => Object.fromEntries(setup.client.azure.frontendBackends(setup.frontendIp, 80)
  .map((b) => [b.computerName, iisAnswer(b.systemDrive!, b.computerName.toUpperCase(), '/')?.body.match(/<title>(.*)<\/title>[\s\S]*computer-name">([^<]*)</)?.slice(1)]));

describe('a scale set\'s instances', () => {
  test('capacity instances named prefix + base-36 id, on the latest model, each with its own subnet address; no upgrade has run', () => {
    const setup = withScaleSet(3);
    expect(setup.created.status).toBe(201);
    const instances = setup.instances();
    expect(instances.map((i) => i.instanceId)).toEqual(['0', '1', '2']);
    expect(names(instances)).toEqual(['web000000', 'web000001', 'web000002']);
    expect(instances.every((i) => i.properties.latestModelApplied === true && i.properties.provisioningState === 'Succeeded')).toBe(true);
    expect(instances[0]).toMatchObject({ id: `${setup.setId}/virtualMachines/0`, name: 'vmss-web_0', location: 'westeurope' });
    expect(JSON.stringify(instances)).not.toContain('Sup3r-Secret');
    const addresses = setup.client.azure.scaleSetInstances(setup.setId).map((i) => i.privateIPAddress);
    const nicAddresses = ['img-v1'].map((n) => body(setup.client.get(setup.paths.nic(`nic-${n}`))).properties.ipConfigurations[0].properties.privateIPAddress);
    expect(new Set([...addresses, ...nicAddresses]).size).toBe(4);
    expect(setup.latest().status).toBe(404);
  });

  test('the frontend reaches every healthy instance, each serving the image\'s page with its own name in upper case', () => {
    const setup = withScaleSet(3);
    expect(pages(setup)).toEqual({
      web000000: ['Version 1', 'WEB000000'], web000001: ['Version 1', 'WEB000001'], web000002: ['Version 1', 'WEB000002'],
    });
    expect(setup.client.azure.frontendBackends(setup.frontendIp, 8080)).toEqual([]);
  });

  test('a larger capacity adds instances on the latest model with the next ids; a smaller one removes the highest ids', () => {
    const setup = withScaleSet(3);
    expect(setup.client.put(setup.paths.scaleSet('vmss-web'), { ...setup.setBody(setup.firstImage), sku: { name: 'Standard_D2s_v5', tier: 'Standard', capacity: 5 } }, API.compute).status).toBe(200);
    expect(names(setup.instances())).toEqual(['web000000', 'web000001', 'web000002', 'web000003', 'web000004']);
    setup.client.patch(setup.paths.scaleSet('vmss-web'), { sku: { capacity: 2 } }, API.compute);
    expect(names(setup.instances())).toEqual(['web000000', 'web000001']);
    expect(setup.latest().status).toBe(404);
  });
});

describe('a new image rolls out as Azure rolls it out (Rolling upgrade policy)', () => {
  test('batches of maxBatchInstancePercent (at least one), one per look at the upgrade, then Completed with every instance on the new page', () => {
    const setup = withScaleSet(5, { maxBatchInstancePercent: 40, maxUnhealthyInstancePercent: 40, maxUnhealthyUpgradedInstancePercent: 20 });
    const second = setup.image('img-v2', 'Version 2');
    // WHEN azurerm PATCHes the model's image (what it does in Rolling mode)
    const newImage = { properties: { virtualMachineProfile: { storageProfile: { imageReference: { id: second } } } } };
    const patched = setup.client.patch(setup.paths.scaleSet('vmss-web'), newImage, API.compute);
    expect(patched.status).toBe(200);
    expect(setup.instances().map((i) => i.properties.latestModelApplied)).toEqual([false, false, false, false, false]);
    // THEN each look at the upgrade finds one more batch of 2 (40% of 5) done
    const looks = [1, 2, 3].map(() => body(setup.latest()));
    const { progress } = { progress: (l: Json) => [l.properties.progress.successfulInstanceCount, l.properties.progress.pendingInstanceCount] };
    expect(looks.map((l) => [l.properties.runningStatus.code, ...progress(l)]))
      .toEqual([['RollingForward', 2, 3], ['RollingForward', 4, 1], ['Completed', 5, 0]]);
    expect(setup.instances().map((i) => i.properties.latestModelApplied)).toEqual([true, true, true, true, true]);
    expect(setup.instances()[0].properties.storageProfile.imageReference.id).toBe(second);
    expect(Object.values(pages(setup)).map((p) => p![0])).toEqual(['Version 2', 'Version 2', 'Version 2', 'Version 2', 'Version 2']);
    // AND a model that does not change starts no upgrade
    setup.client.patch(setup.paths.scaleSet('vmss-web'), { tags: { unchanged: 'model' } }, API.compute);
    expect(body(setup.latest()).properties.runningStatus.code).toBe('Completed');
  });

  test('an image whose instances fail the health probe stops Faulted after the first batch; the others keep the old image and serve', () => {
    const setup = withScaleSet(5);
    const broken = setup.image('img-broken', undefined);
    setup.client.patch(setup.paths.scaleSet('vmss-web'), { properties: { virtualMachineProfile: { storageProfile: { imageReference: { id: broken } } } } }, API.compute);
    const status = body(setup.latest()).properties;
    expect(status.runningStatus.code).toBe('Faulted');
    expect(status.error.code).toBe('MaxUnhealthyUpgradedInstancePercentExceededInRollingUpgrade');
    expect(status.progress).toEqual({ successfulInstanceCount: 0, failedInstanceCount: 1, inProgressInstanceCount: 0, pendingInstanceCount: 4 });
    expect(body(setup.latest()).properties.runningStatus.code).toBe('Faulted');
    expect(setup.instances().map((i) => i.properties.latestModelApplied)).toEqual([true, false, false, false, false]);
    // The unhealthy instance gets no connections; the four others still serve version 1.
    expect(Object.keys(pages(setup))).toEqual(['web000001', 'web000002', 'web000003', 'web000004']);
  });

  test('deleting the scale set takes its instances; the group\'s deletion deletes it before the load balancer it uses', () => {
    const setup = withScaleSet(2);
    expect(setup.client.delete(setup.paths.group, API.resources).status).toBe(202);
    expect(setup.client.azure.resources()).toEqual([]);
  });
});
