/**
 * The plan-time checks of numbers given as tokens, in whole synthesized stacks under the real azurerm 4.55.0 provider
 * against the local Azure (test/local-azure/): an `ImageFleet` and an `ImageScaleSet` whose count, app port and batch
 * size are Terraform variables. A bad value fails `terraform plan` with the synth-time message, and `terraform apply`
 * before anything is made (the local Azure holds nothing afterwards); good values plan. The provider-free tier
 * (test/token-numbers.integration.test.ts) covers every prop and value; this one proves the checks where they sit.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformStack, TerraformVariable } from 'cdktf';
import { HyperVGeneration, ImageFleet, ImageScaleSet, ManagedImage } from '../lib';
import { RunningLocalAzure, startLocalAzure } from './local-azure/server';
import { synthApp } from './util/examples';
import { failedPreconditions } from './util/preconditions';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync, TerraformRun } from './util/terraform';
import { describeWithTerraform } from './util/tools';

const REGION = 'westeurope';
const SETUP_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 300_000;

function stackOf(app: App, id: string, imageId: string): { stack: TerraformStack; image: ReturnType<typeof ManagedImage.fromImageId> } {
  const stack = new TerraformStack(app, id);
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  return { stack, image: ManagedImage.fromImageId(stack, 'Golden', { imageId, location: REGION, hyperVGeneration: HyperVGeneration.V2 }) };
}

// (A Terraform variable may not be named `count`: the counts read `instances`.)
const number = (stack: TerraformStack, name: string) => new TerraformVariable(stack, name, { type: 'number' }).numberValue;

function build(app: App, imageId: string): App {
  const fleet = stackOf(app, 'fleet', imageId);
  new ImageFleet(fleet.stack, 'Fleet', {
    image: fleet.image, count: number(fleet.stack, 'instances'), appPort: number(fleet.stack, 'app_port'), namePrefix: 'web',
  });
  const scaleSet = stackOf(app, 'scale-set', imageId);
  new ImageScaleSet(scaleSet.stack, 'Web', {
    image: scaleSet.image,
    count: number(scaleSet.stack, 'instances'),
    appPort: number(scaleSet.stack, 'app_port'),
    namePrefix: 'app',
    rollingUpgrade: { maxBatchInstancePercent: number(scaleSet.stack, 'batch') },
  });
  return app;
}

let azure: RunningLocalAzure;
let outdir: string;
let workDir: string;
const stopping = new AbortController();

/** `terraform <args>` in a stack with its variables, against the local Azure. */
function run(stack: string, args: string[], variables: { [name: string]: number }): Promise<TerraformRun> {
  const environment = { ...azure.environment(), ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [`TF_VAR_${name}`, String(value)])) };
  return runTerraformAsync(path.join(outdir, 'stacks', stack), [...args, '-input=false'], environment, stopping.signal);
}

describeWithTerraform('numbers given as tokens, in whole stacks under the real azurerm provider', () => {
  beforeAll(async () => {
    azure = await startLocalAzure();
    const imageId = `/subscriptions/${azure.azure.subscriptionId}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
    outdir = synthApp((app) => build(app, imageId)).outdir;
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-numbers-azurerm-'));
    const stacks = ['fleet', 'scale-set'].map((stack) => path.join(outdir, 'stacks', stack));
    const providers = installProviders(workDir, requiredProvidersOf(stacks));
    for (const stack of stacks) {
      initFromSharedProviders(stack, providers, { backend: true });
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    stopping.abort();
    await azure?.stop();
    for (const directory of [outdir, workDir]) {
      if (directory) {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    }
  });

  test.each<[string, string, { [name: string]: number }, Array<[RegExp, RegExp]>]>([
    ['a fleet of 0 VMs', 'fleet', { instances: 0, app_port: 80 },
      [[/^terraform_data\.Fleet_ImageRevision_/, /^ImageFleet 'fleet\/Fleet': count: 0 is not a whole number between 1 and 9999\. Fix: pass 1-9999; /]]],
    ['a fleet whose app port is RDP', 'fleet', { instances: 2, app_port: 3389 },
      [[/^azurerm_network_security_group\.Fleet_NetworkSecurityGroup_/,
        /^ImageFleet 'fleet\/Fleet': appPort: 3389 is a management port \(SSH, RDP or WinRM\), which would be opened to the whole Internet\. Fix: /]]],
    ['a scale set whose batch is above the unhealthy share', 'scale-set', { instances: 2, app_port: 80, batch: 30 },
      [[/^azurerm_windows_virtual_machine_scale_set\.Web_ScaleSet_/,
        /^ImageScaleSet 'scale-set\/Web': rollingUpgrade\.maxBatchInstancePercent: 30 is above maxUnhealthyInstancePercent \(20\), which Azure refuses/]]],
    ['a scale set on port 65535, which a load-balancing rule does not take', 'scale-set', { instances: 2, app_port: 65535, batch: 20 },
      [[/^azurerm_network_security_group\.Web_NetworkSecurityGroup_/,
        /^ImageScaleSet 'scale-set\/Web': appPort: 65535 is not a TCP port a load-balancing rule takes \(a whole number 1-65534\)\. Fix: pass e\.g\. 80$/]]],
  ])('%s: terraform plan fails with the synth-time message, on the resource that first uses the value', async (_, stack, variables, expected) => {
    // WHEN
    const plan = await run(stack, ['plan'], variables);
    // THEN
    expect(plan.status).toBe(1);
    const failed = failedPreconditions(plan.stderr);
    expect(failed.map((f) => [f.resource, f.message]))
      .toEqual(expected.map(([resource, message]) => [expect.stringMatching(resource), expect.stringMatching(message)]));
    expect(azure.azure.resources()).toEqual([]);
  }, RUN_TIMEOUT_MS);

  test('terraform apply with a bad value stops at its plan: the local Azure holds nothing', async () => {
    const before = azure.azure.requests.length;
    const apply = await run('fleet', ['apply', '-auto-approve'], { instances: 2, app_port: 22 });
    expect(apply.status).toBe(1);
    expect(failedPreconditions(apply.stderr).map((f) => f.message)).toEqual([expect.stringMatching(/^ImageFleet 'fleet\/Fleet': appPort: 22 is a management port/)]);
    expect(azure.azure.resources()).toEqual([]);
    // Nothing was written to Azure: the provider only read (its client configuration).
    expect(azure.azure.requests.slice(before).filter((r) => !['GET', 'POST'].includes(r.method))).toEqual([]);
  }, RUN_TIMEOUT_MS);

  test.each<[string, { [name: string]: number }]>([
    ['fleet', { instances: 3, app_port: 8080 }],
    ['scale-set', { instances: 3, app_port: 80, batch: 20 }],
  ])('%s with good values: terraform plan plans the stack', async (stack, variables) => {
    const plan = await run(stack, ['plan', '-detailed-exitcode'], variables);
    expect({ status: plan.status, stderr: plan.stderr }).toEqual({ status: 2, stderr: '' });
  }, RUN_TIMEOUT_MS);
});
