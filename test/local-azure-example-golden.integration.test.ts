/**
 * The bundled golden-image example (examples/golden-image/main.ts) deployed to the local Azure end to end, then taken
 * through day 2 (issue 25, points 3 and 4), unmodified: its two stacks synthesized as `cdktf synth` does, applied in
 * order by real Terraform with the real azurerm and random providers (pointed at the local Azure by the ARM_* variables
 * they read, test/local-azure/deployed-app.ts), the operator's steps run by Terraform with the real Azure CLI 2.74: the
 * base-image check, the setup (IIS, ASP.NET and the machine-name page) through Run Command in pwsh with the Windows
 * stand-ins, its smoke test against the guest's own IIS, Sysprep, deallocate, generalize, the capture, the copy into
 * rg-golden-images; then the fleet of three VMs from the copy, whose URL check fetches each VM's page from a web server
 * standing in for it on its public IP (guest-web.ts: the page the setup wrote on the build VM's C: drive, carried by the
 * image to each VM's own drive, rendered with each VM's own computer name).
 *
 * Day 2, each change made as a user makes it (the example's options, synthesized again into the deployed stack
 * directories: `LocalDeployment.resynthesize`) and planned by the real provider from the real state (what it creates,
 * replaces, updates and deletes is the provider's decision; the expected sets are derived from the synthesized JSON by
 * type and construct path):
 * - a second plan changes nothing; a setup change, new tags, and a marketplace version published since the last plan
 *   each plan the same rebuild of the build (the network untouched, or its tags updated in place);
 * - a VM size change applied: a new build VM of that size from the new marketplace version, a new image and copy beside
 *   the old, the fleet rolled onto the new copy new-before-old;
 * - the fleet resized 3 -> 5 (two more VMs, the URL check again, nothing in the image stack);
 * - a rollback to the first build (`GOLDEN_ROLLBACK_IMAGE_ID`), kept in rg-golden-images;
 * - the old design's failures fail here as on Azure: the generalized build VM updated in place (its tags), or given the
 *   old design's setup extension, is refused with 409 OperationNotAllowed, and nothing changes;
 * - the destroy, fleet first: nothing left.
 * Each phase is checked by what the local Azure holds afterwards.
 */
import { App } from 'cdktf';
import { EXAMPLE_BASE_SKU, GOLDEN_IMAGE_EXAMPLE, localAzureOptions, NEXT_BASE_VERSION } from './local-azure/deploy-local';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { Json } from './local-azure/http';
import { actionsOf, NO_CHANGES, PlanSummary } from './local-azure/plan-summary';
import { addressesOf, readStack, resourceAt, resourcesOf, StackResource, withEditedStack } from './local-azure/stack-resources';
import { describeWithPwsh } from './powershell/pwsh';
import { fleetInstanceNames } from './util/fleet';
import { describeWithCurrentAz } from './util/tools';
import { getPage } from './util/web-server';
import { buildApp, BuildAppOptions } from '../examples/golden-image/main';

const PHASE_TIMEOUT_MS = 25 * 60_000;
const IMAGE = 'golden-image';
const FLEET = 'golden-fleet';
const TITLE = 'Golden image web server';
const NEW_SIZE = 'Standard_D4s_v5';

describeWithCurrentAz('the golden-image example on the local Azure: deployed, taken through day 2, destroyed', () => {
  describeWithPwsh('golden-image and golden-fleet', () => {
    // The app and stacks `npx projen deploy:local` deploys by default.
    const azure = underLocalAzure(localAzureOptions(), PHASE_TIMEOUT_MS,
      async () => LocalDeployment.prepare(GOLDEN_IMAGE_EXAMPLE.build, GOLDEN_IMAGE_EXAMPLE.stacks), (deployment) => deployment.dispose());
    const deployment = () => azure.prepared;
    const local = () => azure.running.azure;
    const options = () => ({ signal: azure.stopping });
    const plan = (stack: string) => deployment().plan(azure, stack, options());
    const apply = async (stack: string) => (await deployment().apply(azure, options(), [stack]))[0].stdout;
    const change = (appOptions: BuildAppOptions) => deployment().resynthesize((app: App) => buildApp(app, appOptions));
    const stack = (name: string) => readStack(deployment().directory(name));
    const ofType = (type: string) => local().resources().filter((r) => r.type === type).map((r) => r.id);
    const held = (id: string): Json => local().resource(id)!;
    const buildVmId = () => `/subscriptions/${local().subscriptionId}/resourceGroups/rg-vm-golden-build/providers/Microsoft.Compute/virtualMachines/vm-golden-build`;
    /** The fleet's VMs: by computer name, their image (lower case) and group. */
    const fleetVms = () => Object.fromEntries(ofType('Microsoft.Compute/virtualMachines').filter((id) => id !== buildVmId()).map(held)
      .map((vm) => [vm.properties.osProfile.computerName, { group: vm.id.split('/')[4], image: vm.properties.storageProfile.imageReference.id.toLowerCase() }]));
    const imagesIn = (group: string) => ofType('Microsoft.Compute/images').filter((id) => id.split('/')[4] === group).sort();
    const imageId = async () => (await deployment().outputs(IMAGE)).image_id as string;

    /** Every fleet URL answers with its VM's own page, under `title`. */
    async function expectPages(count: number, title: string): Promise<void> {
      const urls: Record<string, string> = (await deployment().outputs(FLEET)).fleet_urls;
      expect(Object.keys(urls).sort()).toEqual(fleetInstanceNames(count));
      for (const [name, url] of Object.entries(urls)) {
        const page = await getPage(url);
        expect(page).toEqual({ status: 200, body: expect.stringContaining(`<title>${title}</title>`) });
        expect(page).toEqual({ status: 200, body: expect.stringContaining(`<strong id="computer-name">${name.toUpperCase()}</strong>`) });
      }
    }

    /**
     * The image-stack plan of a rebuild: the build VM, its build spec, revision, base-image check and setup, and the
     * generalize and capture steps replaced; the image lines stay (replacing one would run its destroy-time deletion of
     * every kept image), and so does the network, but for `updates`.
     */
    function expectRebuild(summary: PlanSummary, updates: string[] = []): void {
      const rebuilt = resourcesOf(stack(IMAGE)).filter((r) =>
        (r.type === 'terraform_data' && !r.path.endsWith('/ImageLine')) || r.type === 'azurerm_windows_virtual_machine');
      expect(rebuilt.filter((r) => r.type === 'terraform_data').map((r) => r.path).sort()).toEqual([
        'BuildVm/BaseImageCheck', 'BuildVm/BuildRevision', 'BuildVm/BuildSpec', 'BuildVm/Setup', 'Image/Capture', 'Image/Generalize', 'ImageCopy/Capture',
      ]);
      expect(actionsOf(summary)).toEqual({ ...NO_CHANGES, replace: addressesOf(rebuilt), update: updates });
    }

    /** The fleet-stack plan after a new image id: every instance replaced new-before-old, and its revision and URL check. */
    function expectRollout(summary: PlanSummary, count: number): void {
      const fleet = resourcesOf(stack(FLEET));
      const perInstance = fleet.filter((r) => r.body.for_each !== undefined);
      const steps = fleet.filter((r) => r.type === 'terraform_data');
      expect(steps.map((r) => r.path).sort()).toEqual(['Fleet/ImageRevision', 'Fleet/UrlCheck']);
      expect(actionsOf(summary)).toEqual({ ...NO_CHANGES, replace: addressesOf([...perInstance, ...steps], fleetInstanceNames(count)) });
      for (const address of addressesOf(perInstance, fleetInstanceNames(count))) {
        expect([address, summary.replaceOrder[address]]).toEqual([address, 'create-before-destroy']);
      }
    }

    const firstBuild: { copy?: string; build?: string } = {};

    test('first deploy: the build generalized and captured, its copy in rg-golden-images, three VMs from it each serving its own name', async () => {
      expect(deployment().stacks).toEqual([IMAGE, FLEET]);
      await apply(IMAGE);
      const fleetApply = await apply(FLEET);

      // The build VM: set up, Sysprep run once in its guest, generalized and deallocated.
      expect(await azure.cli.json(['vm', 'get-instance-view', '--ids', buildVmId(), '--query', 'instanceView.statuses[].code']))
        .toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
      expect(local().guestCalls(buildVmId(), 'Install-WindowsFeature').flatMap((call) => call.arguments.Name)).toContain('Web-Asp-Net45');
      expect(local().guestCalls(buildVmId(), 'Sysprep.exe').map((call) => call.arguments.ArgumentList))
        .toEqual([['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm']]);

      // The build's image beside the build VM, and its copy in the separate images group, both V2.
      const [build] = imagesIn('rg-vm-golden-build');
      const [copy] = imagesIn('rg-golden-images');
      expect([...imagesIn('rg-vm-golden-build'), ...imagesIn('rg-golden-images')]).toEqual([build, copy]);
      expect(build).toMatch(/\/images\/img-golden-web-\d{14}$/);
      expect(held(build)).toMatchObject({ properties: { sourceVirtualMachine: { id: buildVmId() }, hyperVGeneration: 'V2' } });
      expect(held(copy)).toMatchObject({ properties: { hyperVGeneration: 'V2' } });
      expect(held(copy).properties.sourceVirtualMachine).toBeUndefined();
      expect((await imageId()).toLowerCase()).toBe(copy.toLowerCase());
      Object.assign(firstBuild, { copy: await imageId(), build });

      // Three VMs from the copy, in rg-golden-app, each with its own computer name, each page its own.
      expect(fleetVms()).toEqual(Object.fromEntries(fleetInstanceNames(3).map((name) => [name, { group: 'rg-golden-app', image: copy.toLowerCase() }])));
      expect(fleetApply).toContain('all 3 VM(s) answer with their own computer name');
      await expectPages(3, TITLE);
      expect(local().unhandled).toEqual([]);
    }, PHASE_TIMEOUT_MS);

    test('a second plan changes nothing; a setup change, new tags and a new marketplace version each plan the same rebuild', async () => {
      expect(actionsOf(await plan(IMAGE))).toEqual(NO_CHANGES);
      expect(actionsOf(await plan(FLEET))).toEqual(NO_CHANGES);

      change({ pageTitle: `${TITLE} 2.0` });
      expectRebuild(await plan(IMAGE));

      // GoldenVm's tags go on what it creates: the group and network update in place, the VM (never updated) is rebuilt.
      change({ tags: { patch: '2026-12' } });
      const taggedInPlace = ['BuildVm/ResourceGroup', 'BuildVm/VirtualNetwork', 'BuildVm/NetworkSecurityGroup', 'BuildVm/NetworkInterface'];
      expectRebuild(await plan(IMAGE), addressesOf(taggedInPlace.map((p) => resourceAt(stack(IMAGE), p))));

      // `latest` is resolved at every plan: the unchanged app rebuilds when Microsoft publishes a version.
      change({});
      local().publishPlatformImageVersion(EXAMPLE_BASE_SKU, NEXT_BASE_VERSION);
      expectRebuild(await plan(IMAGE));
      expect(actionsOf(await plan(FLEET))).toEqual(NO_CHANGES);
    }, PHASE_TIMEOUT_MS);

    test(`the build VM resized to ${NEW_SIZE}: a new build from the new version beside the old; the fleet rolls onto it new-before-old`, async () => {
      change({ buildVmSize: NEW_SIZE });
      expectRebuild(await plan(IMAGE));
      await apply(IMAGE);
      expect(held(buildVmId())).toMatchObject({ properties: { hardwareProfile: { vmSize: NEW_SIZE } } });
      expect((await deployment().outputs(IMAGE)).base_image_version).toBe(NEXT_BASE_VERSION);
      // The new build beside the first, in both groups: the first stays for rollback.
      const copies = imagesIn('rg-golden-images');
      expect(copies).toHaveLength(2);
      expect(imagesIn('rg-vm-golden-build')).toHaveLength(2);
      expect(copies.map((id) => id.toLowerCase())).toContain(firstBuild.copy!.toLowerCase());
      const newCopy = await imageId();
      expect(newCopy).not.toBe(firstBuild.copy);

      expectRollout(await plan(FLEET), 3);
      await apply(FLEET);
      expect(fleetVms()).toEqual(Object.fromEntries(fleetInstanceNames(3).map((name) => [name, { group: 'rg-golden-app', image: newCopy.toLowerCase() }])));
      await expectPages(3, TITLE);
      expect(local().unhandled).toEqual([]);
    }, PHASE_TIMEOUT_MS);

    test('the fleet resized 3 -> 5: two more VMs from the current build and the URL check again, nothing in the image stack', async () => {
      change({ buildVmSize: NEW_SIZE, fleetCount: 5 });
      expect(actionsOf(await plan(IMAGE))).toEqual(NO_CHANGES);
      const fleet = resourcesOf(stack(FLEET));
      const perInstance = fleet.filter((r) => r.body.for_each !== undefined);
      expect(actionsOf(await plan(FLEET))).toEqual({
        ...NO_CHANGES,
        create: addressesOf(perInstance, ['web0004', 'web0005']),
        replace: addressesOf(fleet.filter((r) => r.path === 'Fleet/UrlCheck')),
      });
      const fleetApply = await apply(FLEET);
      expect(fleetApply).toContain('all 5 VM(s) answer with their own computer name');
      const current = (await imageId()).toLowerCase();
      expect(fleetVms()).toEqual(Object.fromEntries(fleetInstanceNames(5).map((name) => [name, { group: 'rg-golden-app', image: current }])));
      await expectPages(5, TITLE);
    }, PHASE_TIMEOUT_MS);

    test('a rollback to the first build (GOLDEN_ROLLBACK_IMAGE_ID): the fleet rolls back onto the kept copy, the image stack untouched', async () => {
      change({ buildVmSize: NEW_SIZE, fleetCount: 5, rollbackImageId: firstBuild.copy });
      expect(actionsOf(await plan(IMAGE))).toEqual(NO_CHANGES);
      expectRollout(await plan(FLEET), 5);
      await apply(FLEET);
      expect(fleetVms()).toEqual(Object.fromEntries(fleetInstanceNames(5).map((name) => [name, { group: 'rg-golden-app', image: firstBuild.copy!.toLowerCase() }])));
      await expectPages(5, TITLE);
      expect(imagesIn('rg-golden-images')).toHaveLength(2);
    }, PHASE_TIMEOUT_MS);

    describe('the old design\'s failures fail here as on Azure (the generalized build VM changed, DESIGN.md "day 2")', () => {
      const vmOf = (json: any): StackResource => resourceAt(json, 'BuildVm/VirtualMachine');
      /** Writes an edited copy of the image stack, plans and applies it, and puts the synthesized stack back. */
      async function applyEdited(edit: (json: any) => void): Promise<{ summary: PlanSummary; status: number; output: string }> {
        return withEditedStack(deployment().directory(IMAGE), edit, async () => {
          const summary = await plan(IMAGE);
          const run = await deployment().terraform(azure, IMAGE, ['apply', '-auto-approve', '-input=false'], options());
          return { summary, status: run.status, output: `${run.stdout}\n${run.stderr}` };
        });
      }

      test('its tags updated in place (no rebuild trigger, no ignore_changes): 409 OperationNotAllowed, the VM unchanged', async () => {
        const before = held(buildVmId());
        const { summary, status, output } = await applyEdited((json) => {
          const vm = vmOf(json).body;
          delete vm.lifecycle;
          vm.tags = { ...vm.tags, patch: '2026-12' };
        });
        expect(actionsOf(summary)).toEqual({ ...NO_CHANGES, update: addressesOf([vmOf(stack(IMAGE))]) });
        expect(status).not.toBe(0);
        expect(output).toMatch(/OperationNotAllowed[\s\S]*since the VM is generalized/);
        expect(held(buildVmId())).toEqual(before);
        expect(actionsOf(await plan(IMAGE))).toEqual(NO_CHANGES);
      }, PHASE_TIMEOUT_MS);

      test('the old design\'s setup extension on it: 409 OperationNotAllowed, no extension', async () => {
        const { summary, status, output } = await applyEdited((json) => {
          const vm = vmOf(json);
          json.resource.azurerm_virtual_machine_extension = {
            OldSetup: {
              name: 'golden-setup',
              virtual_machine_id: `\${azurerm_windows_virtual_machine.${vm.name}.id}`,
              publisher: 'Microsoft.Compute',
              type: 'CustomScriptExtension',
              type_handler_version: '1.10',
              settings: JSON.stringify({ commandToExecute: 'powershell.exe -Command exit 0' }),
            },
          };
        });
        expect(actionsOf(summary)).toEqual({ ...NO_CHANGES, create: ['azurerm_virtual_machine_extension.OldSetup'] });
        expect(status).not.toBe(0);
        expect(output).toContain('Cannot modify extensions in the VM when the VM is not running.');
        expect(ofType('Microsoft.Compute/virtualMachines/extensions')).toEqual([]);
        expect(actionsOf(await plan(IMAGE))).toEqual(NO_CHANGES);
      }, PHASE_TIMEOUT_MS);
    });

    test('destroy, fleet first, then the image stack: every VM, image and group deleted, nothing left', async () => {
      await deployment().destroy(azure, options());
      expect(local().resources()).toEqual([]);
      expect(local().unhandled).toEqual([]);
    }, PHASE_TIMEOUT_MS);
  });
});
