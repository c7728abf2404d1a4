/**
 * A CDKTF app deployed to a local Azure the way a user deploys it to Azure: the app synthesized as `cdktf synth` does,
 * the real providers installed once (from wherever Terraform is configured to take them) and linked into every stack,
 * then `terraform apply` stack by stack in dependency order with the current Azure CLI first on PATH and logged in to
 * the local Azure (the operator's steps run it), and `terraform destroy` in reverse order. The app itself is not
 * changed: the azurerm provider finds the local Azure through the environment it reads (ARM_METADATA_HOSTNAME, the
 * ARM_* credentials, SSL_CERT_FILE), as it finds any cloud.
 *
 * Used by the integration tests that apply whole apps (`appUnderLocalAzure` for a `describe` block) and by
 * `npx projen deploy:local` (test/local-azure/deploy-local.ts). Integration tier only: real Terraform, providers and az.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { AzCli } from './az-cli';
import { LocalAzureOptions } from './local-azure';
import { PlanSummary, summarizePlan } from './plan-summary';
import { RunningLocalAzure, startLocalAzure } from './server';
import { synthApp } from '../util/examples';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync, TerraformRun } from '../util/terraform';

/** What a stack directory keeps when the app is synthesized again: Terraform's state and initialized providers. */
const KEPT_ON_DAY_2 = /^(\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate(\.backup)?)$/;

/** The operator's polls, one second apart instead of Azure's 15 (the local Azure answers at once). */
const FAST_POLLS = { GOLDEN_POLL_SECONDS: '1', VERIFY_INTERVAL_SECONDS: '1' };

/** The local Azure a deployment goes to, and the current az logged in to it (for stacks whose operator steps run it). */
export interface LocalTarget {
  readonly running: RunningLocalAzure;
  readonly cli?: AzCli;
}

export interface DeploymentOptions {
  /** Stops Terraform (SIGTERM, so it stops gracefully) when aborted. */
  readonly signal?: AbortSignal;
  /** Terraform's output as it comes (both streams), e.g. to show a user the apply's progress. */
  readonly echo?: (text: string) => void;
  /** More environment for Terraform and the operator steps it runs. */
  readonly environment?: Record<string, string>;
}

/** A synthesized app, initialized against the real providers, applied to and destroyed from a local Azure. */
export class LocalDeployment {
  /**
   * Synthesizes `build`'s app, installs the providers its stacks need once and initializes every stack from them
   * (with its backend: the stacks are applied). `stacks` in dependency order: the order `apply` uses. Needs no local
   * Azure yet, so it can run while one starts and az logs in.
   */
  public static prepare(build: (app: App) => unknown, stacks: string[]): LocalDeployment {
    const { outdir } = synthApp(build);
    const deployment = new LocalDeployment(stacks, outdir, fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-app-')));
    try {
      const directories = stacks.map((stack) => deployment.directory(stack));
      const providers = installProviders(deployment.workDir, requiredProvidersOf(directories));
      directories.forEach((directory) => initFromSharedProviders(directory, providers, { backend: true }));
      return deployment;
    } catch (error) {
      deployment.dispose();
      throw error;
    }
  }

  private constructor(
    /** The stacks, in dependency order. */
    public readonly stacks: string[],
    /** Where the app was synthesized (cdktf's `cdktf.out`). */
    public readonly outdir: string,
    private readonly workDir: string,
  ) {}

  /**
   * Day 2 as `cdktf deploy` does it: `build`'s app (the same stacks, changed) synthesized into the stack directories in
   * place of the app they held, each directory's Terraform state and initialized providers kept, so that the next
   * `apply` or `terraform plan` changes what the first one made.
   */
  public resynthesize(build: (app: App) => unknown): void {
    const { outdir } = synthApp(build);
    try {
      for (const stack of this.stacks) {
        const from = path.join(outdir, 'stacks', stack);
        if (!fs.existsSync(path.join(from, 'cdk.tf.json'))) {
          throw new Error(`the changed app has no stack ${stack}: day 2 changes the stacks ${this.stacks.join(', ')}, not which there are`);
        }
        const directory = this.directory(stack);
        for (const entry of fs.readdirSync(directory).filter((name) => !KEPT_ON_DAY_2.test(name))) {
          fs.rmSync(path.join(directory, entry), { recursive: true, force: true });
        }
        fs.cpSync(from, directory, { recursive: true });
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  /** A stack's directory: Terraform's working directory for it. */
  public directory(stack: string): string {
    return path.join(this.outdir, 'stacks', stack);
  }

  /** `terraform <args>` in a stack's directory against `target`, whatever its exit code. */
  public terraform(target: LocalTarget, stack: string, args: string[], options: DeploymentOptions = {}): Promise<TerraformRun> {
    return runTerraformAsync(this.directory(stack), args, targetEnvironment(target, options), options.signal, options.echo);
  }

  /**
   * `terraform plan` of a stack against `target` (a destroy plan with `destroy`), saved and read back with `terraform
   * show -json`: what the real providers would do, from what the stack's state and the local Azure hold. Applies nothing.
   */
  public async plan(target: LocalTarget, stack: string, options: DeploymentOptions & { destroy?: boolean } = {}): Promise<PlanSummary> {
    await this.mustRun(target, stack, ['plan', '-input=false', '-out=day2.tfplan', ...(options.destroy ? ['-destroy'] : [])], options);
    const show = await this.mustRun(target, stack, ['show', '-json', 'day2.tfplan'], options);
    return summarizePlan(JSON.parse(show.stdout));
  }

  /** Applies the stacks in order (all, or the given ones); throws with Terraform's output at the first that fails. */
  public async apply(target: LocalTarget, options: DeploymentOptions = {}, stacks: string[] = this.stacks): Promise<TerraformRun[]> {
    const runs: TerraformRun[] = [];
    for (const stack of stacks) {
      runs.push(await this.mustRun(target, stack, ['apply', '-auto-approve', '-input=false'], options));
    }
    return runs;
  }

  /** Destroys the stacks in reverse order (all, or the given ones); throws at the first that fails. */
  public async destroy(target: LocalTarget, options: DeploymentOptions = {}, stacks: string[] = this.stacks): Promise<void> {
    for (const stack of [...stacks].reverse()) {
      await this.mustRun(target, stack, ['destroy', '-auto-approve', '-input=false'], options);
    }
  }

  /** A stack's outputs, by name, as `terraform output -json` gives their values (read from its state). */
  public async outputs(stack: string): Promise<Record<string, any>> {
    const run = await runTerraformAsync(this.directory(stack), ['output', '-json']);
    if (run.status !== 0) {
      throw new Error(`terraform output -json of stack ${stack} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    const outputs: Record<string, { value: unknown }> = JSON.parse(run.stdout);
    return Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
  }

  /** Removes the synthesized app and Terraform's files (not what it made in the local Azure). */
  public dispose(): void {
    [this.outdir, this.workDir].forEach((directory) => fs.rmSync(directory, { recursive: true, force: true }));
  }

  private async mustRun(target: LocalTarget, stack: string, args: string[], options: DeploymentOptions): Promise<TerraformRun> {
    const run = await this.terraform(target, stack, args, options);
    if (run.status !== 0) {
      throw new Error(`terraform ${args.join(' ')} of stack ${stack} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    return run;
  }
}

/** What Terraform and the operator steps it runs see: az logged in to the local Azure, the provider pointed at it. */
export function targetEnvironment(target: LocalTarget, options: DeploymentOptions = {}): Record<string, string> {
  return { ...target.cli?.environment(), ...target.running.environment(), ...FAST_POLLS, ...options.environment };
}

/** A local Azure, the current az logged in to it, and something made ready beside them (an app, a fleet). */
export interface UnderLocalAzure<T> {
  readonly running: RunningLocalAzure;
  readonly cli: AzCli;
  readonly prepared: T;
  /** Aborted when the block ends: for the processes a test starts (Terraform). */
  readonly stopping: AbortSignal;
}

/**
 * Starts a local Azure for the enclosing `describe` block, logs the current az in to it while `prepare` runs (az's
 * first call builds its command index; Terraform mostly waits), and stops it all after the block, `dispose` first.
 * Both end before a failure is told. Read the returned object's fields in tests.
 */
export function underLocalAzure<T>(azureOptions: LocalAzureOptions, setupTimeoutMs: number,
  prepare: (running: RunningLocalAzure, stopping: AbortSignal) => Promise<T>, dispose: (prepared: T) => void): UnderLocalAzure<T> {
  const holder: { running?: RunningLocalAzure; cli?: AzCli; prepared?: T } = {};
  const stopping = new AbortController();
  beforeAll(async () => {
    const running = await startLocalAzure(azureOptions);
    holder.running = running;
    const [prepared, loggedIn] = await Promise.allSettled([prepare(running, stopping.signal), AzCli.login(running)]);
    holder.prepared = prepared.status === 'fulfilled' ? prepared.value : undefined;
    holder.cli = loggedIn.status === 'fulfilled' ? loggedIn.value : undefined;
    for (const outcome of [prepared, loggedIn]) {
      if (outcome.status === 'rejected') {
        throw outcome.reason;
      }
    }
  }, setupTimeoutMs);
  afterAll(async () => {
    stopping.abort();
    holder.cli?.dispose();
    if (holder.prepared !== undefined) {
      dispose(holder.prepared);
    }
    await holder.running?.stop();
  });
  return {
    get running() {
      return holder.running!;
    },
    get cli() {
      return holder.cli!;
    },
    get prepared() {
      return holder.prepared!;
    },
    stopping: stopping.signal,
  };
}
