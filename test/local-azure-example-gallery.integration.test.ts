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
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzCli } from './local-azure/az-cli';
import { Json } from './local-azure/http';
import { RunningLocalAzure, startLocalAzure } from './local-azure/server';
import { describeWithPwsh } from './powershell/pwsh';
import { synthApp } from './util/examples';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync } from './util/terraform';
import { describeWithCurrentAz } from './util/tools';
import { buildApp } from '../examples/gallery-trusted-launch/main';

const APPLY_TIMEOUT_MS = 30 * 60_000;
const VERSION_TYPE = 'Microsoft.Compute/galleries/images/versions';

describeWithCurrentAz('the gallery-trusted-launch example on the local Azure, by Terraform, with the real Azure CLI', () => {
  describeWithPwsh('gallery-image, then gallery-fleet, then destroy', () => {
    let running: RunningLocalAzure;
    let cli: AzCli;
    let imageStack: string;
    let fleetStack: string;
    const temporary: string[] = [];
    const stopping = new AbortController();

    beforeAll(async () => {
      // Public IPs on loopback addresses of this run's own, where the VMs' pages answer (guest-web.ts).
      const octet = () => 1 + Math.floor(Math.random() * 250);
      running = await startLocalAzure({
        publicIpPrefix: `127.${octet()}.${octet()}.0/24`,
        servePublicIps: true,
        platformImages: [{
          location: 'westeurope',
          publisher: 'MicrosoftWindowsServer',
          offer: 'WindowsServer',
          sku: '2022-datacenter-core-g2',
          hyperVGeneration: 'V2',
          versions: ['20348.2849.241109', '20348.3091.250112'],
        }],
      });
      const { outdir } = synthApp((app) => buildApp(app));
      temporary.push(outdir);
      imageStack = path.join(outdir, 'stacks', 'gallery-image');
      fleetStack = path.join(outdir, 'stacks', 'gallery-fleet');
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-gallery-'));
      temporary.push(workDir);
      const providers = installProviders(workDir, requiredProvidersOf([imageStack, fleetStack]));
      // Terraform's init beside az's first call, which builds its command index.
      const [loggedIn] = await Promise.all([AzCli.login(running), Promise.resolve().then(() => {
        for (const directory of [imageStack, fleetStack]) {
          initFromSharedProviders(directory, providers, { backend: true });
        }
      })]);
      cli = loggedIn;
    }, APPLY_TIMEOUT_MS);

    afterAll(async () => {
      stopping.abort();
      cli?.dispose();
      await running?.stop();
      temporary.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    });

    const environment = () => ({ ...cli.environment(), ...running.environment(), GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '1' });
    const ofType = (type: string) => running.azure.resources().filter((r) => r.type === type).map((r) => r.id);
    const resource = (id: string): Json => running.azure.resource(id)!;

    test('gallery-image: the Trusted Launch build set up, generalized, published, replicated, canaried in each region, promoted', async () => {
      const apply = await runTerraformAsync(imageStack, ['apply', '-auto-approve', '-input=false'], environment(), stopping.signal);
      expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: '' });

      const [vmId] = ofType('Microsoft.Compute/virtualMachines');
      expect(resource(vmId)).toMatchObject({ name: 'vm-gallery-build', properties: { securityProfile: { securityType: 'TrustedLaunch' } } });
      expect(await cli.json(['vm', 'get-instance-view', '--ids', vmId, '--query', 'instanceView.statuses[].code']))
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
      const canaries = running.azure.requests.filter((r) => r.method === 'PUT' && r.kind === 'Microsoft.Compute/virtualMachines' && r.status === 201)
        .map((r) => r.path.split('/').pop());
      expect(canaries).toEqual(['vm-gallery-build', expect.stringMatching(/^c/), expect.stringMatching(/^c/)]);
      expect(ofType('Microsoft.Compute/virtualMachines')).toEqual([vmId]);
      expect(apply.stdout).toMatch(/the canary passed/);
      expect(running.azure.unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('gallery-fleet: three Trusted Launch VMs in northeurope from the version, each answering its URL with its own name', async () => {
      const apply = await runTerraformAsync(fleetStack, ['apply', '-auto-approve', '-input=false'], environment(), stopping.signal);
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
      const urls: { [name: string]: string } = JSON.parse((await runTerraformAsync(fleetStack, ['output', '-json', 'fleet_urls'], environment())).stdout);
      for (const [name, url] of Object.entries(urls)) {
        expect(await (await fetch(url)).text()).toContain(name.toUpperCase());
      }
      expect(running.azure.unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('destroy: the fleet, then the image stack (its versions first): nothing is left', async () => {
      for (const stack of [fleetStack, imageStack]) {
        const destroy = await runTerraformAsync(stack, ['destroy', '-auto-approve', '-input=false'], environment(), stopping.signal);
        expect({ status: destroy.status, stderr: destroy.stderr }).toEqual({ status: 0, stderr: '' });
      }
      expect(running.azure.resources()).toEqual([]);
      expect(running.azure.unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);
  });
});
