/**
 * `npx projen deploy:local`: the bundled golden-image example (or an app of your own) deployed to a local Azure on this
 * machine, without a subscription: the local Azure starts (test/local-azure/server.ts), the current Azure CLI is
 * installed if needed (test/local-azure/install-az.sh) and logged in to it, the app's stacks are applied in order with
 * the real providers (deployed-app.ts), and the URLs of every `*_urls` output are printed; they answer while the
 * command runs (each VM's page, served from its guest's C: drive on its public IP under 127.0.0.0/8, port 80). Ctrl-C
 * destroys the stacks in reverse order and stops the local Azure. `--once` (CI) fetches every URL once, then destroys
 * and stops without waiting.
 *
 *   npx projen deploy:local                                      # the golden-image example; Ctrl-C destroys
 *   npx projen deploy:local --once                               # deploy, check the URLs, destroy
 *   npx projen deploy:local --app my-app.ts --stacks images,web  # a module exporting buildApp(app: App)
 *
 * Needs Terraform and the providers (from the registry, or TF_CLI_CONFIG_FILE), pwsh (the guest's PowerShell), and
 * the right to listen on port 80 (root, or CAP_NET_BIND_SERVICE). Exit code 0, or 1 when a step failed (the stacks are
 * destroyed all the same), 2 for bad arguments.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { App } from 'cdktf';
import { AzCli } from './az-cli';
import { LocalDeployment, LocalTarget } from './deployed-app';
import { DEFAULT_PLATFORM_IMAGES, LocalAzureOptions } from './local-azure';
import { startLocalAzure } from './server';
import { buildApp as goldenImageApp } from '../../examples/golden-image/main';
import { INSTALL_AZ_SCRIPT } from '../util/tools';
import { getPage } from '../util/web-server';

/** An app to deploy: how to build it, and its stacks in dependency order. */
export interface LocalApp {
  /** Builds the stacks into the app it is given; what it returns (the app, or its stacks for tests) is not used. */
  readonly build: (app: App) => unknown;
  readonly stacks: string[];
}

/** The bundled golden-image example: its image stack, then its fleet. */
export const GOLDEN_IMAGE_EXAMPLE: LocalApp = { build: (app) => goldenImageApp(app), stacks: ['golden-image', 'golden-fleet'] };

/**
 * The local Azure for a deployment: the default marketplace and the example's base image (Windows Server 2022
 * Datacenter Core Gen2; its versions' text order is their numeric order, which the base-image step accepts as azurerm's
 * lookup chose), and public IPs under 127.0.0.0/8 served on port 80: a /24 of its own per run, so that runs side by side
 * on one machine do not meet.
 */
/** The bundled examples' base image (Windows Server 2022 Datacenter Core Gen2), which `localAzureOptions()` offers. */
export const EXAMPLE_BASE_SKU = { location: 'westeurope', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2' };
/**
 * A version of it after the newest `localAzureOptions()` offers, as text and as numbers (`latest` whichever way it is
 * sorted): what day-2 tests publish (`publishPlatformImageVersion`) as Microsoft's next monthly patch.
 */
export const NEXT_BASE_VERSION = '20348.3207.250211';

export function localAzureOptions(): LocalAzureOptions {
  const octet = () => 1 + Math.floor(Math.random() * 254);
  return {
    platformImages: [...DEFAULT_PLATFORM_IMAGES, {
      ...EXAMPLE_BASE_SKU,
      hyperVGeneration: 'V2',
      diskControllerTypes: 'SCSI, NVMe',
      versions: ['20348.2849.241109', '20348.3091.250112'],
    }],
    publicIpPrefix: `127.${octet()}.${octet()}.0/24`,
    servePublicIps: true,
  };
}

export interface DeployLocallyOptions {
  readonly app: LocalApp;
  /** Check every URL once, then destroy; otherwise wait for `stop` (Ctrl-C). */
  readonly once: boolean;
  /** Where the progress goes (Terraform's output, the URLs). */
  readonly print: (text: string) => void;
  /** Aborted: stop waiting (and stop Terraform if it runs), then destroy. */
  readonly stop: AbortSignal;
  /** The local Azure's options. @default localAzureOptions() */
  readonly azure?: LocalAzureOptions;
  /** Runs after the apply, before the destroy (a test's checks of what the local Azure holds). */
  readonly afterApply?: (deployed: Deployed) => Promise<void>;
  /** Runs after the destroy, before the local Azure stops. */
  readonly afterDestroy?: (target: LocalTarget) => Promise<void>;
}

/** What an apply made: the target, the deployment and each stack's apply output, and the URLs of its `*_urls` outputs. */
export interface Deployed extends LocalTarget {
  readonly cli: AzCli;
  readonly deployment: LocalDeployment;
  readonly applyOutput: string[];
  readonly urls: Record<string, string>;
}

/** Deploys, prints the URLs, waits (or checks them once), destroys and stops; throws the first failure after cleaning up. */
export async function deployLocally(options: DeployLocallyOptions): Promise<void> {
  const { app, print, stop } = options;
  print(`Installing the current Azure CLI if needed (${path.relative(process.cwd(), INSTALL_AZ_SCRIPT)})...\n`);
  execFileSync('bash', [INSTALL_AZ_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  const running = await startLocalAzure(options.azure ?? localAzureOptions());
  print(`Local Azure at ${running.origin}; synthesizing ${app.stacks.join(', ')} and installing the providers, logging az in...\n`);
  let cli: AzCli | undefined;
  let deployment: LocalDeployment | undefined;
  let failure: unknown;
  try {
    const [prepared, loggedIn] = await Promise.allSettled([
      Promise.resolve().then(() => LocalDeployment.prepare(app.build, app.stacks)), AzCli.login(running),
    ]);
    deployment = prepared.status === 'fulfilled' ? prepared.value : undefined;
    cli = loggedIn.status === 'fulfilled' ? loggedIn.value : undefined;
    [prepared, loggedIn].forEach((outcome) => {
      if (outcome.status === 'rejected') {
        throw outcome.reason;
      }
    });
    const target = { running, cli: cli! };
    const runs = await deployment!.apply(target, { signal: stop, echo: print });
    const urls = await urlsOf(deployment!);
    print(`\nDeployed ${app.stacks.join(', ')} to the local Azure. The fleet's pages:\n${Object.entries(urls).map(([name, url]) => `  ${name}  ${url}\n`).join('')}`);
    await options.afterApply?.({ ...target, deployment: deployment!, applyOutput: runs.map((run) => run.stdout), urls });
    if (options.once) {
      await checkUrls(urls, print);
    } else {
      print('They answer while this runs. Ctrl-C destroys everything and stops the local Azure.\n');
      await new Promise<void>((resolve) => stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true }));
    }
  } catch (error) {
    failure = error;
  }
  try {
    if (deployment !== undefined && cli !== undefined) {
      print(`\nDestroying ${[...app.stacks].reverse().join(', ')}...\n`);
      // Not aborted by `stop`: the destroy is what Ctrl-C asked for.
      await deployment.destroy({ running, cli }, { echo: print });
      await options.afterDestroy?.({ running, cli });
      print(`Destroyed; the local Azure holds ${running.azure.resources().length} resources.\n`);
    }
  } catch (error) {
    failure ??= error;
  } finally {
    cli?.dispose();
    deployment?.dispose();
    await running.stop();
  }
  if (failure !== undefined) {
    throw failure;
  }
}

/** The values of every output whose name ends in `_urls` (ImageFleet's `<outputPrefix>_urls`), by instance name. */
async function urlsOf(deployment: LocalDeployment): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  for (const stack of deployment.stacks) {
    for (const [name, value] of Object.entries(await deployment.outputs(stack))) {
      if (name.endsWith('_urls') && typeof value === 'object' && value !== null) {
        Object.assign(urls, value);
      }
    }
  }
  return urls;
}

/** Fetches every URL once; throws unless each answers 200. */
async function checkUrls(urls: Record<string, string>, print: (text: string) => void): Promise<void> {
  const answers = await Promise.all(Object.entries(urls).map(async ([name, url]) => {
    const page = await getPage(url);
    return { name, url, status: 'status' in page ? page.status : page.error };
  }));
  answers.forEach((answer) => print(`  ${answer.name}  ${answer.url}  ${answer.status}\n`));
  const failing = answers.filter((answer) => answer.status !== 200);
  if (failing.length > 0) {
    throw new Error(`${failing.length} of ${answers.length} URL(s) did not answer 200: ${failing.map((f) => `${f.url} (${f.status})`).join(', ')}`);
  }
}

/** The command line: `--once`, `--app <module>`, `--stacks <a,b>`; undefined and a message for anything else. */
export function parseArguments(args: string[]): { once: boolean; app?: string; stacks?: string[] } | { problem: string } {
  const parsed: { once: boolean; app?: string; stacks?: string[] } = { once: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--once') {
      parsed.once = true;
    } else if ((arg === '--app' || arg === '--stacks') && args[i + 1] !== undefined && !args[i + 1].startsWith('--')) {
      const value = args[++i];
      if (arg === '--app') {
        parsed.app = value;
      } else {
        parsed.stacks = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      }
    } else {
      return { problem: `unknown or incomplete argument '${arg}'` };
    }
  }
  if ((parsed.app === undefined) !== (parsed.stacks === undefined) || parsed.stacks?.length === 0) {
    return { problem: '--app and --stacks go together: --app <module exporting buildApp(app: App)> --stacks <stack,stack> (in dependency order)' };
  }
  return parsed;
}

async function main(): Promise<number> {
  const parsed = parseArguments(process.argv.slice(2));
  if ('problem' in parsed) {
    process.stderr.write(`deploy:local: ${parsed.problem}\nUsage: npx projen deploy:local [--once] [--app <module> --stacks <stack,stack>]\n`);
    return 2;
  }
  let app = GOLDEN_IMAGE_EXAMPLE;
  if (parsed.app !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.resolve(parsed.app));
    if (typeof module.buildApp !== 'function') {
      process.stderr.write(`deploy:local: ${parsed.app} exports no buildApp(app: App)\n`);
      return 2;
    }
    app = { build: (a) => module.buildApp(a), stacks: parsed.stacks! };
  }
  const stop = new AbortController();
  const interrupt = () => {
    if (!stop.signal.aborted) {
      process.stdout.write('\nStopping: destroying what was deployed (Ctrl-C again does not interrupt the destroy)...\n');
      stop.abort();
    }
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await deployLocally({ app, once: parsed.once, print: (text) => process.stdout.write(text), stop: stop.signal });
    return 0;
  } catch (error) {
    process.stderr.write(`deploy:local failed: ${(error as Error).message ?? error}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
