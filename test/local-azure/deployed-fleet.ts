/**
 * VMs the real azurerm provider made in a local Azure: an `ImageFleet` (from `ManagedImage.fromImageId`, verification
 * off) applied with `terraform apply` (deployed-app.ts), for tests that then work on those VMs with other real tools
 * (the Azure CLI, the operator). Integration tier only (real Terraform and providers, about 1.5 minutes an apply here).
 */
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { LocalBackend, TerraformStack } from 'cdktf';
import { LocalDeployment, UnderLocalAzure, underLocalAzure } from './deployed-app';
import { RunningLocalAzure } from './server';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../../lib';

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
  const deployment = LocalDeployment.prepare((app) => {
    const stack = new TerraformStack(app, 'fleet');
    new LocalBackend(stack, { path: 'terraform.tfstate' });
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const image = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: region, hyperVGeneration: HyperVGeneration.V2 });
    new ImageFleet(stack, 'Fleet', { image, count, namePrefix, verifyUrls: false });
    return app;
  }, ['fleet']);
  try {
    // The provider alone: no operator step runs, so no az yet.
    const apply = await deployment.terraform({ running }, 'fleet', ['apply', '-auto-approve', '-input=false'], { signal });
    if (apply.status !== 0) {
      throw new Error(`terraform apply of the fleet failed (exit ${apply.status}):\n${apply.stdout}\n${apply.stderr}`);
    }
    const vmIds = running.azure.resources().filter((r) => r.type === 'Microsoft.Compute/virtualMachines').map((r) => r.id).sort();
    return { resourceGroup: vmIds[0].split('/')[4], vmIds, dispose: () => deployment.dispose() };
  } catch (error) {
    deployment.dispose();
    throw error;
  }
}

/** A local Azure, a fleet the real provider applied in it, and the current az logged in to it: filled in `beforeAll`. */
export interface FleetUnderAz extends Omit<UnderLocalAzure<DeployedFleet>, 'prepared'> {
  readonly fleet: DeployedFleet;
}

/**
 * Starts a local Azure for the enclosing `describe` block, applies a fleet of `count` VMs named `<namePrefix>0001`...
 * and logs the current az in to it side by side, and stops it all after the block (deployed-app.ts's
 * `underLocalAzure`). Read the returned object's fields in tests.
 */
export function fleetUnderAz(count: number, namePrefix: string, setupTimeoutMs: number): FleetUnderAz {
  const under = underLocalAzure({}, setupTimeoutMs,
    (running, stopping) => deployFleet(running, count, namePrefix, stopping), (fleet) => fleet.dispose());
  return {
    get running() {
      return under.running;
    },
    get cli() {
      return under.cli;
    },
    get fleet() {
      return under.prepared;
    },
    stopping: under.stopping,
  };
}
