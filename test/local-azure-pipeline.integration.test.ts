/**
 * The build pipeline deployed to the local Azure by real Terraform (issue 25): a `GoldenVm` with a custom setup and its
 * `GeneralizedImage`, applied with the real azurerm and random providers; Terraform's local-exec provisioners run the
 * operator's steps (base-image check, setup, generalize, capture) as a user's apply does, with the real Azure CLI 2.74
 * first on PATH and logged in to the local Azure (test/local-azure/az-cli.ts). The setup and Sysprep run in the VM's
 * guest through the local Azure's Run Command (pwsh with test/powershell's stand-ins for Windows: the custom data on
 * the guest's C: drive, the setup as a scheduled task). Checked by what the local Azure holds after the apply, then
 * after the destroy (nothing); a setup step that fails fails the apply before anything is imaged.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { LocalBackend, TerraformStack } from 'cdktf';
import { GeneralizedImage, GoldenVm, MarketplaceImage, PowerShellStep, WindowsSetup } from '../lib';
import { AzCli } from './local-azure/az-cli';
import { RunningLocalAzure, startLocalAzure } from './local-azure/server';
import { describeWithPwsh } from './powershell/pwsh';
import { synthApp } from './util/examples';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync } from './util/terraform';
import { describeWithCurrentAz } from './util/tools';

const APPLY_TIMEOUT_MS = 25 * 60_000;
const STEP_OUTPUT = 'hello from the golden image setup';
const FAILURE = 'the build breaks here';

describeWithCurrentAz('the build pipeline on the local Azure, by Terraform, with the real Azure CLI', () => {
  describeWithPwsh('GoldenVm and GeneralizedImage', () => {
    let running: RunningLocalAzure;
    let cli: AzCli;
    let passing: string;
    let failing: string;
    const temporary: string[] = [];
    const stopping = new AbortController();

    beforeAll(async () => {
      // Versions whose text order is their numeric order: the base-image step accepts what azurerm's lookup chose.
      running = await startLocalAzure({
        platformImages: [{
          location: 'westeurope',
          publisher: 'MicrosoftWindowsServer',
          offer: 'WindowsServer',
          sku: '2022-datacenter-g2',
          hyperVGeneration: 'V2',
          versions: ['20348.2849.241109', '20348.3091.250112'],
        }],
      });
      cli = await AzCli.login(running);
      // The build VM's group exists already (GoldenVm then makes none), made as a user makes one.
      await cli.mustRun(['group', 'create', '--name', 'rg-golden', '--location', 'westeurope', '--output', 'none']);
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-pipeline-'));
      temporary.push(workDir);
      passing = synthPipeline([{ name: 'Say hello', script: `Write-Output '${STEP_OUTPUT}'` }]);
      failing = synthPipeline([{ name: 'Break the build', script: `throw '${FAILURE}'` }]);
      const providers = installProviders(workDir, requiredProvidersOf([passing, failing]));
      for (const directory of [passing, failing]) {
        initFromSharedProviders(directory, providers, { backend: true });
      }
    }, APPLY_TIMEOUT_MS);

    afterAll(async () => {
      stopping.abort();
      cli?.dispose();
      await running?.stop();
      temporary.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
    });

    /** The build of a GoldenVm with `steps` and its GeneralizedImage, synthesized; returns the stack's directory. */
    function synthPipeline(steps: PowerShellStep[]): string {
      const { outdir } = synthApp((app) => {
        const stack = new TerraformStack(app, 'golden');
        new LocalBackend(stack, { path: 'terraform.tfstate' });
        new AzurermProvider(stack, 'azurerm', { features: [{}] });
        const vm = new GoldenVm(stack, 'BuildVm', {
          location: 'westeurope',
          resourceGroupName: 'rg-golden',
          vmName: 'vm-golden',
          image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest'),
          setup: WindowsSetup.custom({ steps }),
        });
        new GeneralizedImage(stack, 'Image', { vm, imageName: 'img-golden' });
        return app;
      });
      temporary.push(outdir);
      return path.join(outdir, 'stacks', 'golden');
    }

    const environment = () => ({ ...cli.environment(), ...running.environment(), GOLDEN_POLL_SECONDS: '1' });
    const ofType = (type: string) => running.azure.resources().filter((r) => r.type === type).map((r) => r.id);

    test('apply: the setup ran in the guest, Sysprep, the VM generalized, its image captured; destroy: nothing left', async () => {
      const apply = await runTerraformAsync(passing, ['apply', '-auto-approve', '-input=false'], environment(), stopping.signal);
      expect({ status: apply.status, stderr: apply.stderr }).toEqual({ status: 0, stderr: '' });
      expect(apply.stdout).toContain(STEP_OUTPUT);
      const [vmId] = ofType('Microsoft.Compute/virtualMachines');
      expect(await cli.json(['vm', 'get-instance-view', '--ids', vmId, '--query', 'instanceView.statuses[].code']))
        .toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
      expect(running.azure.guestCalls(vmId, 'Sysprep.exe').map((call) => call.arguments.ArgumentList)).toEqual([['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm']]);
      const images = ofType('Microsoft.Compute/images');
      expect(images).toEqual([expect.stringMatching(/\/images\/img-golden-\d{14}$/)]);
      expect(running.azure.resource(images[0])).toMatchObject({ properties: { sourceVirtualMachine: { id: vmId }, hyperVGeneration: 'V2' } });
      expect(running.azure.unhandled).toEqual([]);

      const destroy = await runTerraformAsync(passing, ['destroy', '-auto-approve', '-input=false'], environment(), stopping.signal);
      expect({ status: destroy.status, stderr: destroy.stderr }).toEqual({ status: 0, stderr: '' });
      expect(running.azure.resources()).toEqual([expect.objectContaining({ id: `/subscriptions/${running.azure.subscriptionId}/resourceGroups/rg-golden` })]);
      expect(running.azure.unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);

    test('a failing setup step fails the apply before Sysprep: the VM runs, nothing is imaged; destroy leaves nothing', async () => {
      const apply = await runTerraformAsync(failing, ['apply', '-auto-approve', '-input=false'], environment(), stopping.signal);
      expect(apply.status).toBe(1);
      expect(apply.stderr).toContain('Break the build');
      expect(apply.stderr).toContain(FAILURE);
      const [vmId] = ofType('Microsoft.Compute/virtualMachines');
      expect(await cli.json(['vm', 'get-instance-view', '--ids', vmId, '--query', 'instanceView.statuses[].code']))
        .toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
      expect(running.azure.guestCalls(vmId, 'Sysprep.exe')).toEqual([]);
      expect(ofType('Microsoft.Compute/images')).toEqual([]);

      const destroy = await runTerraformAsync(failing, ['destroy', '-auto-approve', '-input=false'], environment(), stopping.signal);
      expect({ status: destroy.status, stderr: destroy.stderr }).toEqual({ status: 0, stderr: '' });
      expect(running.azure.resources()).toEqual([expect.objectContaining({ id: `/subscriptions/${running.azure.subscriptionId}/resourceGroups/rg-golden` })]);
      expect(running.azure.unhandled).toEqual([]);
    }, APPLY_TIMEOUT_MS);
  });
});
