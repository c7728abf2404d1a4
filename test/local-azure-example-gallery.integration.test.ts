/**
 * The bundled gallery-trusted-launch example (examples/gallery-trusted-launch/main.ts) deployed end to end to the local
 * Azure (issue 25): its two stacks synthesized unmodified, applied by real Terraform with the real azurerm and random
 * providers (reaching the local Azure through the ARM_* variables the provider reads), their local-exec steps run by the
 * operator with the real Azure CLI 2.74 logged in to it (test/local-azure/az-cli.ts). `gallery-image`: a Trusted Launch
 * build VM set up in its guest (IIS, the machine-name page, the smoke test: pwsh with stand-ins for Windows and IIS),
 * generalized, published to the TrustedLaunch definition, replicated to both regions, a canary per region (`az vm
 * create` from the version: an ARM template deployment), then promoted; `gallery-fleet`: three Trusted Launch VMs from
 * the version, whose pages the fleet's verification fetches; then both destroyed. Each phase is checked by what the
 * local Azure holds afterwards.
 */
import { App } from 'cdktf';
import { localAzureOptions } from './local-azure/deploy-local';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { Json } from './local-azure/http';
import { describeWithPwsh } from './powershell/pwsh';
import { describeWithCurrentAz } from './util/tools';
import { buildApp } from '../examples/gallery-trusted-launch/main';

const APPLY_TIMEOUT_MS = 30 * 60_000;
const VERSION_TYPE = 'Microsoft.Compute/galleries/images/versions';
const IMAGE_STACK = 'gallery-image';
const FLEET_STACK = 'gallery-fleet';

describeWithCurrentAz('the gallery-trusted-launch example on the local Azure, by Terraform, with the real Azure CLI', () => {
  describeWithPwsh('gallery-image, then gallery-fleet, then destroy', () => {
    // Public IPs on loopback addresses of this run's own, where the VMs' pages answer (guest-web.ts).
    const azure = underLocalAzure(localAzureOptions(), APPLY_TIMEOUT_MS,
      async () => LocalDeployment.prepare((app: App) => buildApp(app), [IMAGE_STACK, FLEET_STACK]), (deployment) => deployment.dispose());
    const local = () => azure.running.azure;
    /** `terraform <args>` in a stack, against the local Azure, stopped when the block ends. */
    const terraform = (stack: string, args: string[]) => azure.prepared.terraform(azure, stack, args,
      { signal: azure.stopping, environment: { GOLDEN_RETRY_BASE_SECONDS: '1' } });
    const ofType = (type: string) => local().resources().filter((r) => r.type === type).map((r) => r.id);
    const resource = (id: string): Json => local().resource(id)!;

    test('gallery-image: the Trusted Launch build set up, generalized, published, replicated, canaried in each region, promoted', async () => {
      const apply = await terraform(IMAGE_STACK, ['apply', '-auto-approve', '-input=false']);
      expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: '' });

      const [vmId] = ofType('Microsoft.Compute/virtualMachines');
      expect(resource(vmId)).toMatchObject({ name: 'vm-gallery-build', properties: { securityProfile: { securityType: 'TrustedLaunch' } } });
      expect(await azure.cli.json(['vm', 'get-instance-view', '--ids', vmId, '--query', 'instanceView.statuses[].code']))
        .toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
      // No managed image: Azure refuses one of a Trusted Launch VM.
      expect(ofType('Microsoft.Compute/images')).toEqual([]);

      const [versionId] = ofType(VERSION_TYPE);
      expect(versionId).toMatch(/\/galleries\/gal_golden_web\/images\/web-iis\/versions\/\d{4}\.\d{4}\.\d{6}$/);
      expect(resource(versionId).properties).toMatchObject({
        provisioningState: 'Succeeded',
        publishingProfile: {
          targetRegions: [{ name: 'West Europe', regionalReplicaCount: 1 }, { name: 'North Europe', regionalReplicaCount: 1 }],
          // The canaries passed: promoted.
          excludeFromLatest: false,
        },
        storageProfile: { source: { virtualMachineId: vmId } },
      });
      expect(resource(versionId.replace(/\/versions\/.*$/, '')).properties).toMatchObject({
        hyperVGeneration: 'V2', features: [{ name: 'SecurityType', value: 'TrustedLaunch' }],
      });
      // The canaries were made (one per region, by az vm create's template deployment) and are gone with their networks.
      const canaries = local().requests.filter((r) => r.method === 'PUT' && r.kind === 'Microsoft.Compute/virtualMachines' && r.status === 201)
        .map((r) => r.path.split('/').pop());
      expect(canaries).toEqual(['vm-gallery-build', expect.stringMatching(/^c/), expect.stringMatching(/^c/)]);
      expect(ofType('Microsoft.Compute/virtualMachines')).toEqual([vmId]);
      expect(apply.stdout).toMatch(/the canary passed/);
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('gallery-fleet: three Trusted Launch VMs in northeurope from the version, each answering its URL with its own name', async () => {
      const apply = await terraform(FLEET_STACK, ['apply', '-auto-approve', '-input=false']);
      expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: '' });
      const [versionId] = ofType(VERSION_TYPE);
      const fleet = ofType('Microsoft.Compute/virtualMachines').filter((id) => id.includes('/rg-gallery-app/'));
      // Each VM's name carries the rollout's suffix; its computer name is the instance's name.
      expect(fleet.map((id) => resource(id).properties.osProfile.computerName).sort()).toEqual(['web0001', 'web0002', 'web0003']);
      for (const id of fleet) {
        expect(resource(id)).toMatchObject({
          name: expect.stringMatching(new RegExp(`^${resource(id).properties.osProfile.computerName}-[0-9a-f]+$`)),
          location: 'northeurope',
          properties: { securityProfile: { securityType: 'TrustedLaunch' }, storageProfile: { imageReference: { id: versionId } } },
        });
      }
      // What the fleet's verification fetched, as a browser would: each VM's page, with its own name.
      const urls: { [name: string]: string } = JSON.parse((await terraform(FLEET_STACK, ['output', '-json', 'fleet_urls'])).stdout);
      for (const [name, url] of Object.entries(urls)) {
        expect(await (await fetch(url)).text()).toContain(name.toUpperCase());
      }
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('destroy: the fleet, then the image stack (its versions first): nothing is left', async () => {
      for (const stack of [FLEET_STACK, IMAGE_STACK]) {
        const destroy = await terraform(stack, ['destroy', '-auto-approve', '-input=false']);
        expect({ status: destroy.status, stderr: destroy.stderr }).toEqual({ status: 0, stderr: '' });
      }
      expect(local().resources()).toEqual([]);
      expect(local().unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);
  });
});
