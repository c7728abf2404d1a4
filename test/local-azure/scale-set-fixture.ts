/**
 * A scale set in the local Azure, called in-process, as ImageScaleSet makes one: images captured from build VMs whose
 * guests serve a page with the computer name (written to the guest's web root as the setup's page step writes it), a
 * Standard load balancer with its pool, probe and rule, and a Rolling scale set from the first image. For the unit
 * tests of scale-sets.ts, load-balancers.ts and their rules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { groupBody, imageFromVmBody, nicBody, pathsIn, PLATFORM_IMAGE, publicIpBody, scaleSetBody, subnetBody, vmBody, vnetBody, webLoadBalancerBody } from './bodies';
import { Json } from './http';
import { API, InProcessAzure } from './in-process';

const body = InProcessAzure.body;

/** The page the setup's page step (lib/scripts/guest/deploy-machine-name-page.ps1) deploys, with its title. */
export function machineNamePage(title: string): string {
  return `<%@ Page Language="C#" %>\n<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n  <h1>${title}</h1>\n`
    + '  <p>Served by <strong id="computer-name"><%= Server.HtmlEncode(Environment.MachineName) %></strong></p>\n</body>\n</html>\n';
}

const EXAMPLE_POLICY: Json = { maxBatchInstancePercent: 20, maxUnhealthyInstancePercent: 20, maxUnhealthyUpgradedInstancePercent: 20 };

export function withScaleSet(capacity = 5, policy: Json = EXAMPLE_POLICY) {
  const client = new InProcessAzure();
  const paths = pathsIn(client, 'rg-web');
  client.put(paths.group, groupBody(), API.resources);
  client.put(paths.vnet('vnet-web'), vnetBody());
  const subnetId = body(client.put(paths.subnet('vnet-web', 'snet-web'), subnetBody())).id as string;

  /** A managed image of a build VM whose guest serves `title`'s page (no page: undefined), captured as `name`. */
  const image = (name: string, title: string | undefined): string => {
    const nic = body(client.put(paths.nic(`nic-${name}`), nicBody(subnetId)));
    const vm = body(client.put(paths.vm(`vm-${name}`), vmBody(nic.id, { imageReference: PLATFORM_IMAGE }), API.compute));
    if (title !== undefined) {
      const root = path.join(client.azure.systemDrive(vm.id), 'inetpub', 'wwwroot');
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(path.join(root, 'Default.aspx'), machineNamePage(title));
    }
    for (const action of ['deallocate', 'generalize']) {
      client.request('POST', `${paths.vm(`vm-${name}`)}/${action}?api-version=${API.compute}`);
    }
    return body(client.put(paths.image(name), imageFromVmBody(vm.id, 'V2'), API.compute)).id;
  };

  const firstImage = image('img-v1', 'Version 1');
  const publicIp = body(client.put(paths.publicIp('pip-lb'), publicIpBody()));
  const lbId = `${client.group('rg-web')}/providers/Microsoft.Network/loadBalancers/lb-web`;
  const lb = body(client.put(paths.loadBalancer('lb-web'), webLoadBalancerBody(publicIp.id, lbId)));
  const poolId = `${lb.id}/backendAddressPools/instances`;
  const probeId = `${lb.id}/probes/app-page`;
  const setBody = (imageId: string): Json => {
    const set = scaleSetBody(subnetId, poolId, probeId, imageId);
    // A fresh copy each time: tests change it.
    return JSON.parse(JSON.stringify({ ...set, sku: { ...set.sku, capacity }, properties: { ...set.properties, upgradePolicy: { mode: 'Rolling', rollingUpgradePolicy: policy } } }));
  };
  const created = client.put(paths.scaleSet('vmss-web'), setBody(firstImage), API.compute);
  const setId = body(created).id as string;
  const instances = () => body(client.get(`${paths.scaleSet('vmss-web')}/virtualMachines`, API.compute)).value as Json[];
  const latest = () => client.get(`${paths.scaleSet('vmss-web')}/rollingUpgrades/latest`, API.compute);
  return {
    client,
    paths,
    subnetId,
    image,
    firstImage,
    publicIp,
    lb,
    lbId,
    poolId,
    probeId,
    setBody,
    created,
    setId,
    instances,
    latest,
    frontendIp: publicIp.properties.ipAddress as string,
  };
}
