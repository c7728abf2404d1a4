/**
 * The benchmark's local-deploy rows (`npm run bench`; alone: `npx tsx test/bench/local-deploy.ts`): the bundled
 * golden-image example deployed to the local Azure offline, as `npx projen deploy:local` deploys it
 * (test/local-azure/deployed-app.ts), timed in three phases, one run each:
 * - deploy: `terraform apply` of golden-image, then golden-fleet (the setup, Sysprep, generalize, capture, copy, three
 *   VMs and their URL check);
 * - rebuild: the same after a setup change (another page title): a new build VM, a new image and copy beside the old,
 *   the fleet rolled out onto it, new VMs before old; checked by the new title on every page;
 * - destroy: `terraform destroy` of golden-fleet, then golden-image; checked by nothing left.
 * Prints one JSON line, `{"deploy": s, "rebuild": s, "destroy": s}`, last. Not a test: no assertion on a time.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildApp } from '../../examples/golden-image/main';
import { AzCli } from '../local-azure/az-cli';
import { GOLDEN_IMAGE_EXAMPLE, localAzureOptions } from '../local-azure/deploy-local';
import { LocalDeployment } from '../local-azure/deployed-app';
import { startLocalAzure } from '../local-azure/server';
import { getPage } from '../util/web-server';

const REBUILT_TITLE = 'Golden image web server, rebuilt';

async function seconds(label: string, phase: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await phase();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`  local deploy, ${label}: ${elapsed.toFixed(0)} s\n`);
  return elapsed;
}

async function main(): Promise<void> {
  const running = await startLocalAzure(localAzureOptions());
  const stacks = GOLDEN_IMAGE_EXAMPLE.stacks;
  const deployments: LocalDeployment[] = [];
  let cli: AzCli | undefined;
  try {
    cli = await AzCli.login(running);
    const target = { running, cli };
    const first = LocalDeployment.prepare(GOLDEN_IMAGE_EXAMPLE.build, stacks);
    deployments.push(first);
    // The changed app, synthesized beside; it takes over the first one's state (the examples' local backends).
    const rebuilt = LocalDeployment.prepare((app) => buildApp(app, { pageTitle: REBUILT_TITLE }), stacks);
    deployments.push(rebuilt);

    const deploy = await seconds('deploy', () => first.apply(target));
    for (const stack of stacks) {
      fs.copyFileSync(path.join(first.directory(stack), 'terraform.tfstate'), path.join(rebuilt.directory(stack), 'terraform.tfstate'));
    }
    const rebuild = await seconds('rebuild', () => rebuilt.apply(target));
    const urls: Record<string, string> = (await rebuilt.outputs('golden-fleet')).fleet_urls;
    const pages = await Promise.all(Object.values(urls).map(getPage));
    if (pages.length !== 3 || !pages.every((page) => 'body' in page && page.body.includes(REBUILT_TITLE))) {
      throw new Error(`after the rebuild, not every page shows '${REBUILT_TITLE}':\n${JSON.stringify(pages)}`);
    }
    const destroy = await seconds('destroy', () => rebuilt.destroy(target));
    if (running.azure.resources().length > 0) {
      throw new Error(`the destroy left ${running.azure.resources().map((r) => r.id).join(', ')}`);
    }
    console.log(JSON.stringify({ deploy, rebuild, destroy }));
  } finally {
    cli?.dispose();
    deployments.forEach((deployment) => deployment.dispose());
    await running.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
