/**
 * The first deploy against the local Azure (issue 25): the real azurerm 4.55.0 and random 3.7.2 providers apply stacks
 * of the library's constructs that need no operator step to the local Azure (test/local-azure/), over HTTPS with the
 * certificate it made at start, then plan again (no changes), apply a change a user makes (a resize), plan again and
 * destroy; after each step the test checks what the local Azure holds (ids, counts, addresses), not what Terraform
 * printed. The stacks: an `ImageFleet` and an `ImageScaleSet` from `ManagedImage.fromImageId` (verification off), with
 * GoldenVm's `azurerm_platform_image` lookup beside the fleet; and the bundled examples/existing-image, unmodified.
 *
 * The provider finds the local Azure through `ARM_METADATA_HOSTNAME`, authenticates as the local Azure's service
 * principal (`ARM_TENANT_ID`, `ARM_CLIENT_ID`, `ARM_CLIENT_SECRET`) into `ARM_SUBSCRIPTION_ID`, and trusts the
 * certificate through `SSL_CERT_FILE`; nothing else (the local Azure lists the resource providers it serves as
 * registered, so no registration is attempted). Providers come from wherever Terraform is configured to take them
 * (TF_CLI_CONFIG_FILE, or the registry), as in test/terraform-validate.integration.test.ts.
 *
 * Terraform runs asynchronously (runTerraformAsync): the local Azures answer from this process. With
 * LOCAL_AZURE_REPORT=<file>, the time of each step and the requests per resource type are written there.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { DataAzurermPlatformImage } from '@cdktf/provider-azurerm/lib/data-azurerm-platform-image';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { RunningLocalAzure, startLocalAzure } from './local-azure/server';
import { buildApp as existingImageApp } from '../examples/existing-image/main';
import { HyperVGeneration, ImageFleet, ImageScaleSet, ManagedImage, MarketplaceImage } from '../lib';
import { synthApp } from './util/examples';
import { initFromSharedProviders, installProviders, requiredProvidersOf, runTerraformAsync, SharedProviders, terraform } from './util/terraform';
import { describeWithTerraform } from './util/tools';

// A stack's whole cycle took 1.5-2.5 minutes here (2 cores, other jobs running), most of it the provider's own fixed
// waits (10 s before polling a delete or a new resource group); a busier CI machine gets room.
const STACK_TIMEOUT_MS = 20 * 60_000;
const SETUP_TIMEOUT_MS = 300_000;
const REGION = 'westeurope';
/** What the outputs show of an address the provider read back (an empty string when Azure returned none). */
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const BASE_IMAGE = MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest');

/** One stack's cycle: how to synthesize it for a count, and what the local Azure must hold for that count. */
interface StackUnderTest {
  readonly title: string;
  /** Its directory under `stacks/`. */
  readonly stack: string;
  readonly build: (app: App, imageId: string, count: number) => void;
  /** The count deployed first, and the one a user changes it to (none: no resize). */
  readonly counts: [number] | [number, number];
  /** Terraform variables the stack needs (`TF_VAR_*`). */
  readonly variables?: (imageId: string) => { [name: string]: string };
  /** What the local Azure holds once the stack is applied with `count`; `outputs` are Terraform's. */
  readonly expectDeployed: (azure: RunningLocalAzure, count: number, outputs: { [name: string]: any }) => void;
}

/** The ImageFleet, and the lookup GoldenVm makes of a `latest` marketplace version. */
function buildFleet(app: App, imageId: string, count: number): void {
  const stack = new TerraformStack(app, 'fleet');
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const image = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: REGION, hyperVGeneration: HyperVGeneration.V2 });
  new ImageFleet(stack, 'Fleet', { image, count, namePrefix: 'web', outputPrefix: 'fleet', verifyUrls: false });
  const lookup = new DataAzurermPlatformImage(stack, 'BaseImage', { location: REGION, publisher: BASE_IMAGE.publisher, offer: BASE_IMAGE.offer, sku: BASE_IMAGE.sku });
  new TerraformOutput(stack, 'base_image_version', { value: lookup.version });
}

function buildScaleSet(app: App, imageId: string, count: number): void {
  const stack = new TerraformStack(app, 'scale-set');
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const image = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: REGION, hyperVGeneration: HyperVGeneration.V2 });
  new ImageScaleSet(stack, 'Web', { image, count, namePrefix: 'app', outputPrefix: 'web', verifyInstances: false });
}

/** The ids of one type in a group, as the local Azure holds them. */
function idsOf(azure: RunningLocalAzure, group: string, type: string): string[] {
  return azure.azure.resources().filter((r) => r.type === type && r.id.includes(`/resourceGroups/${group}/`)).map((r) => r.id).sort();
}

/** The fleet's VMs, each with its NIC, public IP and OS disk, and the outputs' addresses: what an ImageFleet of `count` makes. */
function expectFleet(azure: RunningLocalAzure, group: string, prefix: string, count: number, outputs: { privateIps?: any; publicIps: any }): void {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);
  const vms = idsOf(azure, group, 'Microsoft.Compute/virtualMachines');
  expect(vms.map((id) => id.split('/').pop()!.replace(/-[0-9a-f]{6}$/, ''))).toEqual(names);
  expect(idsOf(azure, group, 'Microsoft.Network/networkInterfaces')).toHaveLength(count);
  expect(idsOf(azure, group, 'Microsoft.Network/publicIPAddresses')).toHaveLength(count);
  expect(idsOf(azure, group, 'Microsoft.Compute/disks')).toHaveLength(count);
  expect(idsOf(azure, group, 'Microsoft.Network/networkSecurityGroups')).toHaveLength(1);
  for (const vmId of vms) {
    const vm = azure.azure.resource(vmId)!;
    const name = vm.properties.osProfile.computerName;
    // Its OS disk, attached to it; its NIC, behind the fleet's NSG, with the address the outputs show.
    const diskId: string | undefined = vm.properties.storageProfile.osDisk.managedDisk?.id;
    expect(diskId).toMatch(/\/providers\/Microsoft\.Compute\/disks\//);
    expect(azure.azure.resource(diskId!)).toMatchObject({ managedBy: vmId, properties: { diskState: 'Attached' } });
    const nic = azure.azure.resource(vm.properties.networkProfile.networkInterfaces[0].id)!;
    expect(azure.azure.holds(nic.properties.networkSecurityGroup.id)).toBe(true);
    const configuration = nic.properties.ipConfigurations[0].properties;
    if (outputs.privateIps !== undefined) {
      expect(outputs.privateIps[name]).toMatch(IPV4);
      expect(outputs.privateIps[name]).toBe(configuration.privateIPAddress);
    }
    expect(outputs.publicIps[name]).toMatch(IPV4);
    expect(outputs.publicIps[name]).toBe(azure.azure.resource(configuration.publicIPAddress.id)!.properties.ipAddress);
  }
}

const STACKS: StackUnderTest[] = [
  {
    title: 'an ImageFleet from ManagedImage.fromImageId, and the lookup of a latest marketplace version',
    stack: 'fleet',
    build: buildFleet,
    counts: [2, 3],
    expectDeployed: (azure, count, outputs) => {
      expectFleet(azure, 'rg-web', 'web', count, { privateIps: outputs.fleet_private_ips, publicIps: outputs.fleet_public_ips });
      expect(idsOf(azure, 'rg-web', 'Microsoft.Network/virtualNetworks')).toHaveLength(1);
      // azurerm takes the last version Azure lists, and Azure lists them as text (test/local-azure/compute.ts).
      expect(outputs.base_image_version).toBe('20348.887.220806');
    },
  },
  {
    title: 'an ImageScaleSet from ManagedImage.fromImageId',
    stack: 'scale-set',
    build: buildScaleSet,
    counts: [2, 3],
    expectDeployed: (azure, count, outputs) => {
      const [lbId] = idsOf(azure, 'rg-app', 'Microsoft.Network/loadBalancers');
      const lb = azure.azure.resource(lbId)!;
      const names = (collection: string) => lb.properties[collection].map((entry: any) => entry.name);
      expect([names('backendAddressPools'), names('probes'), names('loadBalancingRules'), names('outboundRules')]).toEqual([['instances'], ['app-page'], ['app'], ['outbound']]);
      const [setId] = idsOf(azure, 'rg-app', 'Microsoft.Compute/virtualMachineScaleSets');
      const set = azure.azure.resource(setId)!;
      expect(set.sku.capacity).toBe(count);
      // The instances Azure made, on one model: a resize is no new model, so it rolls no instance (scale-sets.ts).
      const instances = azure.azure.scaleSetInstances(setId);
      expect(instances.map((i) => i.computerName)).toEqual(['app000000', 'app000001', 'app000002'].slice(0, count));
      expect(new Set(instances.map((i) => i.model)).size).toBe(1);
      const network = set.properties.virtualMachineProfile.networkProfile;
      expect(network.healthProbe.id).toBe(`${lbId}/probes/app-page`);
      expect(network.networkInterfaceConfigurations[0].properties.ipConfigurations[0].properties.loadBalancerBackendAddressPools).toEqual([{ id: `${lbId}/backendAddressPools/instances` }]);
      const frontendIp = azure.azure.resource(lb.properties.frontendIPConfigurations[0].properties.publicIPAddress.id)!;
      expect(outputs.web_public_ip).toMatch(IPV4);
      expect(outputs.web_public_ip).toBe(frontendIp.properties.ipAddress);
      expect(outputs.web_url).toBe(`http://${frontendIp.properties.ipAddress}/`);
    },
  },
  {
    title: 'examples/existing-image, unmodified (its image id as TF_VAR_image_id)',
    stack: 'fleet-from-existing-image',
    build: (app) => existingImageApp(app),
    counts: [2],
    variables: (imageId) => ({ TF_VAR_image_id: imageId }),
    expectDeployed: (azure, count, outputs) => {
      const urls = outputs.fleet_urls as { [name: string]: string };
      const addresses = Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, /^http:\/\/([^/:]*)\/$/.exec(url)?.[1]]));
      // Its only output is the URLs, of the public addresses.
      expectFleet(azure, 'rg-existing-image-app', 'app', count, { publicIps: addresses });
    },
  },
];

/** What one step took: its time, and the requests the provider made, by resource type. */
interface StepMeasure {
  readonly step: string;
  readonly seconds: number;
  readonly requests: { [kind: string]: number };
}

/**
 * The stacks are independent, so their cycles run side by side, each against a local Azure of its own (its requests
 * and what it holds are that stack's alone): most of a cycle is the provider waiting (10 s before it first polls a
 * delete or a new resource group, whatever the Retry-After). beforeAll starts them; each stack's test waits for its own
 * cycle and fails with its error. afterAll stops whatever still runs (Terraform, the local Azures).
 */
const azures = new Map<string, RunningLocalAzure>();
const cycles = new Map<string, Promise<void>>();
const stopping = new AbortController();
const temporary: string[] = [];
const report: { [stack: string]: StepMeasure[] } = {};

describeWithTerraform('the real azurerm provider against the local Azure', () => {
  beforeAll(async () => {
    const synthesized = new Map<string, string[]>();
    for (const stack of STACKS) {
      const azure = await startLocalAzure();
      azures.set(stack.stack, azure);
      // An image made elsewhere, in the local Azure's subscription (the local Azure does not check that it exists yet).
      const imageId = `/subscriptions/${azure.azure.subscriptionId}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
      synthesized.set(stack.stack, stack.counts.map((count) => {
        const { outdir } = synthApp((app) => {
          stack.build(app, imageId, count);
          return app;
        });
        temporary.push(outdir);
        return path.join(outdir, 'stacks', stack.stack);
      }));
    }
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-deploy-'));
    temporary.push(workDir);
    const providers = installProviders(workDir, requiredProvidersOf([...synthesized.values()].flat()));
    for (const stack of STACKS) {
      const cycle = runCycle(stack, azures.get(stack.stack)!, synthesized.get(stack.stack)!, providers);
      // Its test reports the failure; until then, it is not an unhandled rejection.
      cycle.catch(() => undefined);
      cycles.set(stack.stack, cycle);
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    stopping.abort();
    await Promise.allSettled(cycles.values());
    await Promise.all([...azures.values()].map((azure) => azure.stop()));
    for (const directory of temporary) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
    if (process.env.LOCAL_AZURE_REPORT) {
      fs.writeFileSync(process.env.LOCAL_AZURE_REPORT, JSON.stringify(report, null, 2));
    }
  });

  test('it serves HTTPS on 127.0.0.1 with the certificate it made, which a client trusting only that certificate accepts', async () => {
    const running = azures.get(STACKS[0].stack)!;
    const ca = fs.readFileSync(running.certificateFile, 'utf8');
    type Answer = { status: number; text: string };
    const send = (target: string, options: https.RequestOptions, body?: string) => new Promise<Answer>((resolve, reject) => {
      const request = https.request(`${running.origin}${target}`, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      request.on('error', reject);
      request.end(body);
    });
    expect(running.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await send('/metadata/endpoints?api-version=2022-09-01', { ca })).status).toBe(200);
    await expect(send('/metadata/endpoints?api-version=2022-09-01', {})).rejects.toThrow(/self[- ]signed/);
    // A body that is not JSON: Resource Manager's 400.
    const garbled = await send(`/subscriptions/${running.azure.subscriptionId}/resourceGroups/rg-x?api-version=2022-09-01`,
      { ca, method: 'PUT', headers: { 'Content-Type': 'application/json' } }, '{"location": ');
    expect({ status: garbled.status, code: JSON.parse(garbled.text).error.code }).toEqual({ status: 400, code: 'InvalidRequestContent' });
  });

  const cases = STACKS.map((stack) => ({
    ...stack,
    steps: stack.counts[1] === undefined ? 'apply (through throttling), plan again without changes, destroy'
      : `apply (through throttling), plan again without changes, resize ${stack.counts[0]} -> ${stack.counts[1]}, plan again, destroy`,
  }));
  test.each(cases)('$title: $steps; the local Azure holds what Terraform made, then nothing', async (stack) => {
    await cycles.get(stack.stack);
  }, STACK_TIMEOUT_MS);
});

/** One stack's cycle against its local Azure, checking what the local Azure holds after each step. */
async function runCycle(stack: StackUnderTest, running: RunningLocalAzure, [directory, resized]: string[],
  providers: SharedProviders): Promise<void> {
  initFromSharedProviders(directory, providers, { backend: true });
  const imageId = `/subscriptions/${running.azure.subscriptionId}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
  const environment = { ...running.environment(), ...stack.variables?.(imageId) };
  const measures: StepMeasure[] = report[stack.stack] = [];

  /** Runs one Terraform step against the local Azure, measuring it; returns its exit code (0 or, for a plan, 2). */
  async function step(name: string, args: string[]): Promise<number> {
    const before = running.azure.requests.length;
    const started = Date.now();
    const run = await runTerraformAsync(directory, [...args, '-input=false'], environment, stopping.signal);
    const requests: { [kind: string]: number } = {};
    for (const request of running.azure.requests.slice(before)) {
      requests[request.kind] = (requests[request.kind] ?? 0) + 1;
    }
    measures.push({ step: name, seconds: (Date.now() - started) / 1000, requests });
    if (run.status !== 0 && !(args[0] === 'plan' && run.status === 2)) {
      throw new Error(`${stack.stack}: terraform ${args.join(' ')} (${name}) failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    return run.status;
  }
  const outputs = () => Object.fromEntries(Object.entries<any>(JSON.parse(terraform(directory, ['output', '-json']))).map(([key, o]) => [key, o.value]));
  const expectNoChanges = async (name: string) => expect({ step: name, exitCode: await step(name, ['plan', '-detailed-exitcode']) }).toEqual({ step: name, exitCode: 0 });

  // The first apply meets throttling: the provider waits out Retry-After and goes on.
  running.azure.throttleNext(2);
  await step('apply', ['apply', '-auto-approve']);
  expect(running.azure.requests.filter((r) => r.status === 429)).toHaveLength(2);
  expectStateHeld(running, directory);
  stack.expectDeployed(running, stack.counts[0], outputs());
  await expectNoChanges('plan again');

  if (resized !== undefined) {
    fs.copyFileSync(path.join(resized, 'cdk.tf.json'), path.join(directory, 'cdk.tf.json'));
    await step(`apply count ${stack.counts[0]} -> ${stack.counts[1]}`, ['apply', '-auto-approve']);
    expectStateHeld(running, directory);
    stack.expectDeployed(running, stack.counts[1]!, outputs());
    await expectNoChanges('plan again after the resize');
  }

  await step('destroy', ['destroy', '-auto-approve']);
  expect(running.azure.resources()).toEqual([]);
  expect(running.azure.unhandled).toEqual([]);
}

/**
 * Every azurerm resource in the stack's Terraform state is held by the local Azure under the id Terraform recorded
 * (an association's id is its two ends, joined by `|`), and every VM's OS disk id names a disk there.
 */
function expectStateHeld(running: RunningLocalAzure, directory: string): void {
  const state = JSON.parse(terraform(directory, ['show', '-json']));
  const resources: any[] = (state.values?.root_module?.resources ?? []).filter((r: any) => r.mode === 'managed' && r.type.startsWith('azurerm_'));
  expect(resources.length).toBeGreaterThan(0);
  const missing = resources.flatMap((r) => String(r.values.id).split('|').filter((id) => !running.azure.holds(id)).map((id) => `${r.address}: ${id}`));
  const disks = resources.filter((r) => r.type === 'azurerm_windows_virtual_machine').map((r) => r.values.os_disk[0].id)
    .filter((id: string) => !running.azure.holds(id)).map((id: string) => `os_disk ${JSON.stringify(id)}`);
  expect([...missing, ...disks]).toEqual([]);
}
