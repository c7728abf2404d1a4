/**
 * The bundled scale-set example (examples/scale-set/main.ts) deployed to the local Azure end to end (issue 25),
 * unmodified: its two stacks synthesized as `cdktf synth` does and applied in order by real Terraform with the real
 * azurerm and random providers (pointed at the local Azure by the variables they read: test/local-azure/deployed-app.ts),
 * the operator's steps run with the real Azure CLI 2.74: the golden image built, generalized, captured and copied; then
 * the scale set of 3 behind its Standard load balancer, whose verification (verify-scale-set) reads the rolling
 * upgrade and the instances with az and fetches the app through the load balancer's public IP, where a web server
 * stands in for the frontend: each connection goes to a healthy instance (its health probe's answer), which serves the
 * page the build VM's setup wrote, carried by the image to the instance's own C: drive and rendered with its own
 * computer name (guest-web.ts, load-balancers.ts, scale-sets.ts).
 * Day 2: the same app with a changed setup (the page title) rebuilds the image; the scale set's model gets the new copy
 * and Azure rolls it out in batches of 20% (one instance) gated by the health probe, which the verification waits for
 * and checks; then destroy leaves nothing. Checked by what the local Azure holds after each phase.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { localAzureOptions } from './local-azure/deploy-local';
import { LocalDeployment, underLocalAzure } from './local-azure/deployed-app';
import { describeWithPwsh } from './powershell/pwsh';
import { describeWithCurrentAz } from './util/tools';
import { getPage } from './util/web-server';
import { buildApp } from '../examples/scale-set/main';

const TIMEOUT_MS = 25 * 60_000;
const STACKS = ['golden-image', 'web-scale-set'];
const SCALE_SET = 'rg-golden-scale-set/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web';
const REBUILT_TITLE = 'Golden image web server, build 2';

describeWithCurrentAz('the scale-set example on the local Azure', () => {
  describeWithPwsh('golden-image, then web-scale-set: applied, rebuilt and rolled out, destroyed', () => {
    // The example's base image beside the default marketplace; public IPs under 127.0.0.0/8, served on port 80.
    const azure = underLocalAzure(localAzureOptions(), TIMEOUT_MS, async () => ({
      example: LocalDeployment.prepare((app: App) => buildApp(app), STACKS),
      rebuilt: LocalDeployment.prepare((app: App) => buildApp(app, { pageTitle: REBUILT_TITLE }), STACKS),
    }), ({ example, rebuilt }) => [example, rebuilt].forEach((deployment) => deployment.dispose()));

    const local = () => azure.running.azure;
    const scaleSetId = () => `/subscriptions/${local().subscriptionId}/resourceGroups/${SCALE_SET}`;
    const instances = () => local().scaleSetInstances(scaleSetId())
      .map((i) => ({ name: i.computerName, image: i.profile.storageProfile.imageReference.id }));
    /** Pages fetched through the load balancer until every instance answered: by computer name, the page's title. */
    async function pagesThrough(url: string): Promise<Record<string, string>> {
      const seen: Record<string, string> = {};
      for (let request = 0; request < 60 && Object.keys(seen).length < 3; request++) {
        // Each GET on a connection of its own: the load balancer picks the instance by the connection.
        const page = await getPage(url);
        expect(page).toMatchObject({ status: 200 });
        const body = 'body' in page ? page.body : '';
        const [, title, name] = /<title>(.*)<\/title>[\s\S]*id="computer-name">([^<]*)</.exec(body) ?? [];
        seen[name] = title;
      }
      return seen;
    }

    test('3 instances behind the load balancer, each verified by its own page; a rebuilt image rolls out in batches; destroy leaves nothing', async () => {
      const { example, rebuilt } = azure.prepared;
      const [, scaleSetApply] = await example.apply(azure, { signal: azure.stopping });

      // The image copy in rg-golden-images is the scale set's image; three instances, named as Azure names them.
      const { image_id: firstImage } = await example.outputs('golden-image');
      expect(firstImage).toMatch(/\/resourceGroups\/rg-golden-images\/providers\/Microsoft\.Compute\/images\/img-golden-web-\d{14}$/);
      expect(instances()).toEqual(['web000000', 'web000001', 'web000002'].map((name) => ({ name, image: firstImage })));
      // The verification found every instance through the frontend, which only the stand-in frontend could route.
      expect(scaleSetApply.stdout).toContain('all 3 instance(s) answered through the load balancer with their computer name');
      expect(new Set(local().frontendAnswers)).toEqual(new Set(['web000000', 'web000001', 'web000002']));
      const { web_url: url } = await example.outputs('web-scale-set');
      expect(url).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+\/$/);
      expect(await pagesThrough(url)).toEqual({ WEB000000: 'Golden image web server', WEB000001: 'Golden image web server', WEB000002: 'Golden image web server' });

      // Day 2: a changed setup, the same command: a new build, its copy, and the rolling upgrade Azure carries out.
      for (const stack of STACKS) {
        fs.copyFileSync(path.join(example.directory(stack), 'terraform.tfstate'), path.join(rebuilt.directory(stack), 'terraform.tfstate'));
      }
      const [, rollout] = await rebuilt.apply(azure, { signal: azure.stopping });
      const { image_id: secondImage } = await rebuilt.outputs('golden-image');
      expect(secondImage).not.toBe(firstImage);
      expect(rollout.stdout).toMatch(/~ resource "azurerm_windows_virtual_machine_scale_set"|azurerm_windows_virtual_machine_scale_set\.\S+: Modifying/);
      expect(rollout.stdout).toContain('rolling upgrade: RollingForward: 1 succeeded, 0 failed, 0 in progress, 2 pending');
      expect(rollout.stdout).toContain('all 3 instance(s) answered through the load balancer with their computer name');
      expect(await azure.cli.json(['vmss', 'rolling-upgrade', 'get-latest', '--resource-group', 'rg-golden-scale-set', '--name', 'vmss-web',
        '--query', '[runningStatus.code, progress.successfulInstanceCount, progress.failedInstanceCount]'])).toEqual(['Completed', 3, 0]);
      expect(instances()).toEqual(['web000000', 'web000001', 'web000002'].map((name) => ({ name, image: secondImage })));
      expect(await pagesThrough(url)).toEqual({ WEB000000: REBUILT_TITLE, WEB000001: REBUILT_TITLE, WEB000002: REBUILT_TITLE });
      expect(local().unhandled).toEqual([]);

      await rebuilt.destroy(azure, { signal: azure.stopping });
      expect(local().resources()).toEqual([]);
      expect(local().unhandled).toEqual([]);
    }, TIMEOUT_MS);
  });
});
