/**
 * The bundled scale-set example (examples/scale-set/main.ts) deployed to the local Azure end to end (issue 25), and
 * its day 2 as the real azurerm provider decides it: its two stacks synthesized as `cdktf synth` does and applied in
 * order by real Terraform with the real azurerm and random providers (pointed at the local Azure by the variables they
 * read: test/local-azure/deployed-app.ts), the operator's steps run with the real Azure CLI 2.74: the golden image
 * built, generalized, captured and copied; then the scale set of 3 behind its Standard load balancer, whose
 * verification (verify-scale-set) reads the rolling upgrade and the instances with az and fetches the app through the
 * load balancer's public IP, where a web server stands in for the frontend: each connection goes to a healthy instance
 * (its health probe's answer), which serves the page the build VM's setup wrote, carried by the image to the
 * instance's own C: drive and rendered with its own computer name (guest-web.ts, load-balancers.ts, scale-sets.ts).
 *
 * Day 2, each change planned by the real provider from the real state (`LocalDeployment.plan`), the expected addresses
 * derived from the synthesized JSON by type and construct path (test/local-azure/stack-resources.ts):
 * - a second plan of either stack changes nothing;
 * - changes no option of the example makes, as edited copies of the deployed JSON, planned only: a new image, the
 *   instance count and the rolling policy's fields update the scale set in place; upgrade_mode, the network
 *   interface's name and computer_name_prefix replace it; the health probe's port updates the probe in place; a new
 *   load balancer sku replaces the load balancer and every child, and updates the scale set in place;
 * - a changed setup (the page title) replaces the build and its captures, nothing else; applied, the scale set's model
 *   gets the new copy in place (its image id, nothing else) and Azure rolls it out in batches of 20% (one instance)
 *   gated by the health probe, which the verification waits for and checks; the load balancer and its public IP stay;
 * - a new marketplace version of the base image (published while the local Azure runs) plans the same rebuild;
 * - 3 -> 5 instances: the scale set updated in place, the image stack untouched; applied, 5 instances answer;
 * then the scale-set stack destroyed leaves the image stack's state and image as they were, and the image stack's
 * destroy leaves nothing. Checked by what the local Azure holds after each phase.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { EXAMPLE_BASE_SKU, localAzureOptions, NEXT_BASE_VERSION } from './local-azure/deploy-local';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { actionsOf, NO_CHANGES, PlanSummary } from './local-azure/plan-summary';
import {
  addressesOf, addressOf, readStack, resourceAt, resourceOfType, resourcesOf, StackResource, withEditedStack,
} from './local-azure/stack-resources';
import { describeWithPwsh } from './powershell/pwsh';
import { describeWithCurrentAz } from './util/tools';
import { getPage } from './util/web-server';
import { buildApp, BuildAppOptions } from '../examples/scale-set/main';

const TIMEOUT_MS = 25 * 60_000;
const IMAGE_STACK = 'golden-image';
const WEB_STACK = 'web-scale-set';
const STACKS = [IMAGE_STACK, WEB_STACK];
const SCALE_SET = 'rg-golden-scale-set/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web';
const SCALE_SET_TYPE = 'azurerm_windows_virtual_machine_scale_set';
const TITLE = 'Golden image web server';
const REBUILT_TITLE = 'Golden image web server, build 2';
const COUNT = 3;
const BIG_COUNT = 5;

const app = (options: BuildAppOptions) => (scope: App) => buildApp(scope, options);
const names = (count: number) => Array.from({ length: count }, (_, i) => `web${String(i).padStart(6, '0')}`);

describeWithCurrentAz('the scale-set example on the local Azure', () => {
  describeWithPwsh('golden-image, then web-scale-set: applied; day 2 planned by the real provider, rebuilt and rolled out, grown; destroyed', () => {
    // The example's base image beside the default marketplace; public IPs under 127.0.0.0/8, served on port 80.
    const azure = underLocalAzure(localAzureOptions(), TIMEOUT_MS,
      async () => LocalDeployment.prepare(app({}), STACKS), (deployment) => deployment.dispose());

    const local = () => azure.running.azure;
    const deployment = () => azure.prepared;
    const run = () => ({ signal: azure.stopping });
    const plan = (stack: string) => deployment().plan(azure, stack, run());
    const stackJson = (stack: string) => readStack(deployment().directory(stack));
    const web = (p: string): StackResource => resourceAt(stackJson(WEB_STACK), p);
    const scaleSet = () => addressOf(resourceOfType(stackJson(WEB_STACK), SCALE_SET_TYPE));
    const verification = () => addressOf(web('Web/Verification'));
    /** A plan of the web stack with its JSON edited as `edit` says (the synthesized JSON put back afterwards). */
    const planEdited = (edit: (scaleSetBody: any, stack: any) => void): Promise<PlanSummary> =>
      withEditedStack(deployment().directory(WEB_STACK), (stack) => edit(resourceOfType(stack, SCALE_SET_TYPE).body, stack), () => plan(WEB_STACK));
    const scaleSetId = () => `/subscriptions/${local().subscriptionId}/resourceGroups/${SCALE_SET}`;
    const instances = () => local().scaleSetInstances(scaleSetId())
      .map((i) => ({ name: i.computerName, image: i.profile.storageProfile.imageReference.id }));
    /** What a rebuild replaces in the image stack: the build VM and every step of the build but the lines of kept images. */
    const rebuild = () => addressesOf(resourcesOf(stackJson(IMAGE_STACK)).filter((r) => r.type === 'azurerm_windows_virtual_machine'
      || (r.type === 'terraform_data' && r.path.split('/').pop() !== 'ImageLine')));
    /** Pages fetched through the load balancer until every instance answered: by computer name, the page's title. */
    async function pagesThrough(url: string, count: number): Promise<Record<string, string>> {
      const seen: Record<string, string> = {};
      for (let request = 0; request < 30 * count && Object.keys(seen).length < count; request++) {
        // Each GET on a connection of its own: the load balancer picks the instance by the connection.
        const page = await getPage(url);
        expect(page).toMatchObject({ status: 200 });
        const body = 'body' in page ? page.body : '';
        const [, title, name] = /<title>(.*)<\/title>[\s\S]*id="computer-name">([^<]*)</.exec(body) ?? [];
        seen[name] = title;
      }
      return seen;
    }
    const titled = (count: number, title: string) => Object.fromEntries(names(count).map((name) => [name.toUpperCase(), title]));
    let firstImage = '';
    let secondImage = '';
    let url = '';

    test('first deploy: 3 instances behind the load balancer, each verified by its own page; a second plan changes nothing', async () => {
      const [, scaleSetApply] = await deployment().apply(azure, run());

      // The image copy in rg-golden-images is the scale set's image; three instances, named as Azure names them.
      firstImage = (await deployment().outputs(IMAGE_STACK)).image_id;
      expect(firstImage).toMatch(/\/resourceGroups\/rg-golden-images\/providers\/Microsoft\.Compute\/images\/img-golden-web-\d{14}$/);
      expect(instances()).toEqual(names(COUNT).map((name) => ({ name, image: firstImage })));
      // The verification found every instance through the frontend, which only the stand-in frontend could route.
      expect(scaleSetApply.stdout).toContain('all 3 instance(s) answered through the load balancer with their computer name');
      expect(new Set(local().frontendAnswers)).toEqual(new Set(names(COUNT)));
      url = (await deployment().outputs(WEB_STACK)).web_url;
      expect(url).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+\/$/);
      expect(await pagesThrough(url, COUNT)).toEqual(titled(COUNT, TITLE));

      for (const stack of STACKS) {
        expect([stack, actionsOf(await plan(stack))]).toEqual([stack, NO_CHANGES]);
      }
      expect(local().unhandled).toEqual([]);
    }, TIMEOUT_MS);

    test('the real provider\'s decisions for the deployed scale set: image, instances and rolling policy update it in place; '
      + 'upgrade_mode, the NIC\'s name and computer_name_prefix replace it', async () => {
      const rolled = await planEdited((body) => {
        body.source_image_id = firstImage.replace(/\d{14}$/, '20991231235959');
        body.instances = 300;
        body.rolling_upgrade_policy = {
          ...body.rolling_upgrade_policy,
          max_batch_instance_percent: 50,
          max_unhealthy_instance_percent: 50,
          max_unhealthy_upgraded_instance_percent: 50,
          pause_time_between_batches: 'PT0S',
        };
      });
      expect(actionsOf(rolled)).toEqual({ ...NO_CHANGES, update: [scaleSet()] });
      expect(rolled.changed[scaleSet()]).toEqual(['instances', 'rolling_upgrade_policy', 'source_image_id']);

      // A rebuild that changed any of these would replace the scale set: every instance at once, a new IP for none
      // (the load balancer's stays) but no rolling upgrade and no health gate.
      const replaced = await planEdited((body) => {
        body.upgrade_mode = 'Automatic';
        body.network_interface[0].name = 'nic-2';
        body.computer_name_prefix = 'app';
      });
      expect(actionsOf(replaced)).toEqual({ ...NO_CHANGES, replace: [scaleSet()] });
      expect([...replaced.replacePaths[scaleSet()]].sort()).toEqual(['computer_name_prefix', 'network_interface.0.name', 'upgrade_mode']);
    }, TIMEOUT_MS);

    test('the real provider\'s decisions for the load balancer: the probe\'s port updates it in place; a new sku replaces the load '
      + 'balancer and, through its id, every child, and updates the scale set in place', async () => {
      const probe = addressOf(web('Web/HealthProbe'));
      const port = await planEdited((_, stack) => {
        Object.assign(resourceAt(stack, 'Web/HealthProbe').body, { port: 8080, request_path: '/health' });
      });
      expect(actionsOf(port)).toEqual({ ...NO_CHANGES, update: [probe] });
      expect(port.changed[probe]).toEqual(['port', 'request_path']);

      const sku = await planEdited((_, stack) => {
        resourceAt(stack, 'Web/LoadBalancer').body.sku = 'Gateway';
      });
      const children = ['Web/BackendPool', 'Web/HealthProbe', 'Web/AppRule', 'Web/OutboundRule'].map(web);
      expect(actionsOf(sku)).toEqual({ ...NO_CHANGES, replace: addressesOf([web('Web/LoadBalancer'), ...children]), update: [scaleSet()] });
      expect(sku.replacePaths[addressOf(web('Web/LoadBalancer'))]).toEqual(['sku']);
      // The pool's and the probe's ids are known only after the apply (the same names, so the same ids in Azure).
      expect(sku.changed[scaleSet()]).toEqual(['health_probe_id', 'network_interface']);
    }, TIMEOUT_MS);

    test('a rebuild (page title changed): the build and its captures replaced, nothing else; the scale set updated in place '
      + '(its image id only) and rolled out in batches; the load balancer and the URL stay', async () => {
      const webBefore = stackJson(WEB_STACK);
      deployment().resynthesize(app({ pageTitle: REBUILT_TITLE }));
      // The scale-set stack itself does not change: only the image id it reads from the image stack's state.
      expect(stackJson(WEB_STACK)).toEqual(webBefore);
      const image = await plan(IMAGE_STACK);
      expect(rebuild().some((a) => a.startsWith('azurerm_windows_virtual_machine.'))).toBe(true);
      expect(actionsOf(image)).toEqual({ ...NO_CHANGES, replace: rebuild() });
      await deployment().apply(azure, run(), [IMAGE_STACK]);
      secondImage = (await deployment().outputs(IMAGE_STACK)).image_id;
      expect(secondImage).not.toBe(firstImage);

      const rollout = await plan(WEB_STACK);
      expect(actionsOf(rollout)).toEqual({ ...NO_CHANGES, update: [scaleSet()], replace: [verification()] });
      expect(rollout.changed[scaleSet()]).toEqual(['source_image_id']);
      const [applied] = await deployment().apply(azure, run(), [WEB_STACK]);
      expect(applied.stdout).toMatch(/azurerm_windows_virtual_machine_scale_set\.\S+: Modifying/);
      expect(applied.stdout).toContain('rolling upgrade: RollingForward: 1 succeeded, 0 failed, 0 in progress, 2 pending');
      expect(applied.stdout).toContain('all 3 instance(s) answered through the load balancer with their computer name');
      expect(await azure.cli.json(['vmss', 'rolling-upgrade', 'get-latest', '--resource-group', 'rg-golden-scale-set', '--name', 'vmss-web',
        '--query', '[runningStatus.code, progress.successfulInstanceCount, progress.failedInstanceCount]'])).toEqual(['Completed', 3, 0]);
      expect(instances()).toEqual(names(COUNT).map((name) => ({ name, image: secondImage })));
      expect((await deployment().outputs(WEB_STACK)).web_url).toBe(url);
      expect(await pagesThrough(url, COUNT)).toEqual(titled(COUNT, REBUILT_TITLE));
      expect(local().unhandled).toEqual([]);
    }, TIMEOUT_MS);

    test('a new marketplace version of the base image: `latest` resolves to it at the next plan, which plans the same rebuild', async () => {
      const before = await deployment().outputs(IMAGE_STACK);
      expect(before.base_image_version).toBe('20348.3091.250112');
      local().publishPlatformImageVersion(EXAMPLE_BASE_SKU, NEXT_BASE_VERSION);
      const image = await plan(IMAGE_STACK);
      expect(actionsOf(image)).toEqual({ ...NO_CHANGES, replace: rebuild() });
      expect(image.changed[addressOf(resourceAt(stackJson(IMAGE_STACK), 'BuildVm/BaseImageCheck'))]).toContain('triggers_replace');
      // Planned only (a rebuild was applied above): the scale set's plan stays empty until the image stack applies.
      expect(actionsOf(await plan(WEB_STACK))).toEqual(NO_CHANGES);
    }, TIMEOUT_MS);

    test(`count ${COUNT} -> ${BIG_COUNT}: the scale set updated in place (its instances), the verification again; `
      + `${BIG_COUNT} instances answer`, async () => {
      deployment().resynthesize(app({ pageTitle: REBUILT_TITLE, count: BIG_COUNT }));
      const grown = await plan(WEB_STACK);
      expect(actionsOf(grown)).toEqual({ ...NO_CHANGES, update: [scaleSet()], replace: [verification()] });
      expect(grown.changed[scaleSet()]).toEqual(['instances']);
      const [applied] = await deployment().apply(azure, run(), [WEB_STACK]);
      expect(applied.stdout).toContain(`all ${BIG_COUNT} instance(s) answered through the load balancer with their computer name`);
      // The new instances on the scale set's model: the rebuilt image.
      expect(instances()).toEqual(names(BIG_COUNT).map((name) => ({ name, image: secondImage })));
      expect(await pagesThrough(url, BIG_COUNT)).toEqual(titled(BIG_COUNT, REBUILT_TITLE));
      expect(local().unhandled).toEqual([]);
    }, TIMEOUT_MS);

    test('destroy of web-scale-set: the image stack\'s state and image untouched; then of golden-image: nothing is left', async () => {
      const imageState = path.join(deployment().directory(IMAGE_STACK), 'terraform.tfstate');
      const before = fs.readFileSync(imageState, 'utf8');
      await deployment().destroy(azure, run(), [WEB_STACK]);
      expect(local().resources().filter((r) => r.id.includes('/rg-golden-scale-set'))).toEqual([]);
      expect(fs.readFileSync(imageState, 'utf8')).toBe(before);
      expect(local().holds(secondImage)).toBe(true);
      await deployment().destroy(azure, run(), [IMAGE_STACK]);
      expect(local().resources()).toEqual([]);
      expect(local().unhandled).toEqual([]);
    }, TIMEOUT_MS);
  });
});
