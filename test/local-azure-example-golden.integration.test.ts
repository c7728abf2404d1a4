/**
 * The bundled golden-image example (examples/golden-image/main.ts) deployed to the local Azure end to end (issue 25) by
 * the one-shot mode of `npx projen deploy:local` (test/local-azure/deploy-local.ts, `deployLocally`), unmodified: its
 * two stacks synthesized as `cdktf synth` does, applied in order by real Terraform with the real azurerm and random
 * providers (pointed at the local Azure by the ARM_* variables they read, test/local-azure/deployed-app.ts), the
 * operator's steps run by Terraform with the real Azure CLI 2.74: the base-image check, the setup (IIS, ASP.NET and the
 * machine-name page) through Run Command in pwsh with the Windows stand-ins, its smoke test against the guest's own IIS,
 * Sysprep, deallocate, generalize, the capture, the copy into rg-golden-images; then the fleet of three VMs from the
 * copy, whose URL check fetches each VM's page from a web server standing in for it on its public IP (guest-web.ts: the
 * page the setup wrote on the build VM's C: drive, carried by the image to each VM's own drive, rendered with each VM's
 * own computer name). Checked by what the local Azure holds after the apply, then after the destroy (nothing).
 */
import { Deployed, deployLocally, GOLDEN_IMAGE_EXAMPLE } from './local-azure/deploy-local';
import { LocalTarget } from './local-azure/deployed-app';
import { describeWithPwsh } from './powershell/pwsh';
import { describeWithCurrentAz } from './util/tools';
import { getPage } from './util/web-server';

const TIMEOUT_MS = 25 * 60_000;

/** What the local Azure holds after the apply. */
async function checkApplied({ running, cli, deployment, applyOutput, urls }: Deployed): Promise<void> {
  const ofType = (type: string) => running.azure.resources().filter((r) => r.type === type).map((r) => r.id);
  const held = (id: string) => running.azure.resource(id)!;

  // The build VM: set up, Sysprep run once in its guest, generalized and deallocated.
  const vms = ofType('Microsoft.Compute/virtualMachines');
  const buildVm = vms.find((id) => /\/vm-golden-build$/.test(id))!;
  expect(buildVm).toMatch(/\/resourceGroups\/rg-vm-golden-build\/providers\/Microsoft\.Compute\/virtualMachines\/vm-golden-build$/);
  expect(await cli.json(['vm', 'get-instance-view', '--ids', buildVm, '--query', 'instanceView.statuses[].code']))
    .toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
  expect(running.azure.guestCalls(buildVm, 'Install-WindowsFeature').flatMap((call) => call.arguments.Name)).toContain('Web-Asp-Net45');
  expect(running.azure.guestCalls(buildVm, 'Sysprep.exe').map((call) => call.arguments.ArgumentList)).toEqual([['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm']]);

  // The build's image beside the build VM, and its copy in the separate images group, both V2.
  const images = ofType('Microsoft.Compute/images').sort();
  expect(images).toEqual([
    expect.stringMatching(/\/resourceGroups\/rg-golden-images\/providers\/Microsoft\.Compute\/images\/img-golden-web-\d{14}$/),
    expect.stringMatching(/\/resourceGroups\/rg-vm-golden-build\/providers\/Microsoft\.Compute\/images\/img-golden-web-\d{14}$/),
  ]);
  const [copy, build] = images;
  expect(held(build)).toMatchObject({ properties: { sourceVirtualMachine: { id: buildVm }, hyperVGeneration: 'V2' } });
  expect(held(copy)).toMatchObject({ properties: { hyperVGeneration: 'V2' } });
  expect(held(copy).properties.sourceVirtualMachine).toBeUndefined();
  expect((await deployment.outputs('golden-image')).image_id.toLowerCase()).toBe(copy.toLowerCase());

  // Three VMs from the copy, in rg-golden-app, each with its own computer name.
  expect(vms.filter((id) => id !== buildVm).map((id) => held(id)).map((vm) => ({
    group: vm.id.split('/')[4],
    computerName: vm.properties.osProfile.computerName,
    image: vm.properties.storageProfile.imageReference.id.toLowerCase(),
  })).sort((a, b) => a.computerName.localeCompare(b.computerName)))
    .toEqual(['web0001', 'web0002', 'web0003'].map((computerName) => ({ group: 'rg-golden-app', computerName, image: copy.toLowerCase() })));

  // The fleet's own URL check passed against the stand-ins, and every URL answers with its VM's own page.
  expect(applyOutput[1]).toContain('all 3 VM(s) answer with their own computer name');
  expect(Object.keys(urls).sort()).toEqual(['web0001', 'web0002', 'web0003']);
  const pages = await Promise.all(Object.entries(urls).map(async ([name, url]) => ({ name, url, page: await getPage(url) })));
  for (const page of pages) {
    expect(page.url).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+\/$/);
    expect(page.page).toEqual({ status: 200, body: expect.stringContaining('<title>Golden image web server</title>') });
    expect(page.page).toEqual({ status: 200, body: expect.stringContaining(`<strong id="computer-name">${page.name.toUpperCase()}</strong>`) });
  }
  expect(new Set(pages.map((page) => JSON.stringify(page.page))).size).toBe(3);
  expect(running.azure.unhandled).toEqual([]);
}

/** Nothing the stacks made is left. */
async function checkDestroyed({ running }: LocalTarget): Promise<void> {
  expect(running.azure.resources()).toEqual([]);
  expect(running.azure.unhandled).toEqual([]);
}

describeWithCurrentAz('the golden-image example on the local Azure', () => {
  describeWithPwsh('npx projen deploy:local --once', () => {
    const stopping = new AbortController();
    afterAll(() => stopping.abort());

    test('golden-image, then golden-fleet: the image in rg-golden-images, three VMs from it each serving its own name; destroy leaves nothing', async () => {
      const checked: string[] = [];
      await deployLocally({
        app: GOLDEN_IMAGE_EXAMPLE,
        once: true,
        print: () => undefined,
        stop: stopping.signal,
        afterApply: async (deployed) => {
          await checkApplied(deployed);
          checked.push('applied');
        },
        afterDestroy: async (target) => {
          await checkDestroyed(target);
          checked.push('destroyed');
        },
      });
      expect(checked).toEqual(['applied', 'destroyed']);
    }, TIMEOUT_MS);
  });
});
