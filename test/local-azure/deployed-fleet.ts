/**
 * VMs the real azurerm provider made in a local Azure: an `ImageFleet` (from `ManagedImage.fromImageId`, verification
 * off) applied with `terraform apply`, for tests that then work on those VMs with other real tools (the Azure CLI,
 * the operator). Integration tier only (real Terraform and providers, about 1.5 minutes an apply here).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { LocalBackend, TerraformStack } from 'cdktf';
import { AzCli } from './az-cli';
import { RunningLocalAzure, startLocalAzure } from './server';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../../lib';
import { synthApp } from '../util/examples';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync } from '../util/terraform';

export interface DeployedFleet {
  /** The resource group Terraform made. */
  readonly resourceGroup: string;
  /** The VMs' ids, sorted. */
  readonly vmIds: string[];
  /** Removes the synthesized stack and Terraform's files (not what it made in the local Azure). */
  dispose(): void;
}

/** Applies an `ImageFleet` of `count` VMs named `<namePrefix>0001`... to `running`; `signal` stops Terraform. */
export async function deployFleet(running: RunningLocalAzure, count: number, namePrefix: string, signal?: AbortSignal): Promise<DeployedFleet> {
  const region = 'westeurope';
  const imageId = `/subscriptions/${running.azure.subscriptionId}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
  const { outdir } = synthApp((app) => {
    const stack = new TerraformStack(app, 'fleet');
    new LocalBackend(stack, { path: 'terraform.tfstate' });
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const image = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: region, hyperVGeneration: HyperVGeneration.V2 });
    new ImageFleet(stack, 'Fleet', { image, count, namePrefix, verifyUrls: false });
    return app;
  });
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-fleet-'));
  const dispose = () => [outdir, workDir].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  try {
    const directory = path.join(outdir, 'stacks', 'fleet');
    initFromSharedProviders(directory, installProviders(workDir, requiredProvidersOf([directory])), { backend: true });
    const apply = await runTerraformAsync(directory, ['apply', '-auto-approve', '-input=false'], running.environment(), signal);
    if (apply.status !== 0) {
      throw new Error(`terraform apply of the fleet failed (exit ${apply.status}):\n${apply.stdout}\n${apply.stderr}`);
    }
    const vmIds = running.azure.resources().filter((r) => r.type === 'Microsoft.Compute/virtualMachines').map((r) => r.id).sort();
    return { resourceGroup: vmIds[0].split('/')[4], vmIds, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** A local Azure, a fleet the real provider applied in it, and the current az logged in to it: filled in `beforeAll`. */
export interface FleetUnderAz {
  readonly running: RunningLocalAzure;
  readonly cli: AzCli;
  readonly fleet: DeployedFleet;
  /** Aborted when the block ends: for the processes a test starts. */
  readonly stopping: AbortSignal;
}

/**
 * Starts a local Azure for the enclosing `describe` block, applies a fleet of `count` VMs named `<namePrefix>0001`...
 * and logs the current az in to it side by side (Terraform mostly waits; az's first call builds its command index),
 * and stops it all after the block. Both end before a failure is told. Read the returned object's fields in tests.
 */
export function fleetUnderAz(count: number, namePrefix: string, setupTimeoutMs: number): FleetUnderAz {
  const holder: { running?: RunningLocalAzure; cli?: AzCli; fleet?: DeployedFleet } = {};
  const stopping = new AbortController();
  beforeAll(async () => {
    const running = await startLocalAzure();
    holder.running = running;
    const [deployed, loggedIn] = await Promise.allSettled([deployFleet(running, count, namePrefix, stopping.signal), AzCli.login(running)]);
    holder.fleet = deployed.status === 'fulfilled' ? deployed.value : undefined;
    holder.cli = loggedIn.status === 'fulfilled' ? loggedIn.value : undefined;
    for (const outcome of [deployed, loggedIn]) {
      if (outcome.status === 'rejected') {
        throw outcome.reason;
      }
    }
  }, setupTimeoutMs);
  afterAll(async () => {
    stopping.abort();
    holder.cli?.dispose();
    holder.fleet?.dispose();
    await holder.running?.stop();
  });
  return {
    get running() {
      return holder.running!;
    },
    get cli() {
      return holder.cli!;
    },
    get fleet() {
      return holder.fleet!;
    },
    stopping: stopping.signal,
  };
}
