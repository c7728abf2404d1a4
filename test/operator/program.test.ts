/**
 * The operator program as a process, at its real boundaries: the bundle the stacks' assets carry, started with the
 * argument list the provisioner gives Terraform (no shell; PATH without bash or sh), its exit codes, a signal, and the
 * az child it stops. The steps' logic is tested in-process (generalize.test.ts); this file keeps only what needs a
 * process.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FAKE_AZ_DIRECTORY, FakeAz, isRunning, SUBSCRIPTION_ID } from '../util/fake-az';
import { nodeOnlyDirectory, resolveEnvironment, stepProvisioner, subscriptionExpression, SynthesizedStack, synthSeedStack } from '../util/generalize-stack';


let seed: SynthesizedStack;
let nodeOnly: string;
const fakes: FakeAz[] = [];

beforeAll(() => {
  seed = synthSeedStack();
  nodeOnly = nodeOnlyDirectory();
});
afterAll(() => {
  fakes.forEach((fake) => fake.dispose());
  fs.rmSync(seed.outdir, { recursive: true, force: true });
  fs.rmSync(nodeOnly, { recursive: true, force: true });
});

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the provisioner's interpreter with its command, as Terraform does, from the stack directory. */
function start(fake: FakeAz, command = seed.provisioner.command, provisioner = seed.provisioner,
  values: Record<string, string> = {}): { child: ChildProcess; exit: Promise<Exit>; output: () => string } {
  const interpreter = (provisioner as unknown as { interpreter: string[] }).interpreter;
  const environment = resolveEnvironment(provisioner.environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID, ...values });
  const child = spawn(interpreter[0], [...interpreter.slice(1), command], {
    cwd: seed.stackDirectory,
    env: { ...fake.environment(), PATH: `${nodeOnly}${path.delimiter}${FAKE_AZ_DIRECTORY}`, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => { stdout += chunk; });
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  const exit = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, exit, output: () => stdout + stderr };
}

function fakeAz(state: ConstructorParameters<typeof FakeAz>[0] = {}): FakeAz {
  const fake = new FakeAz(state);
  fakes.push(fake);
  return fake;
}

test('the provisioner runs Node.js with the bundled program and the step, no shell anywhere', () => {
  const provisioner = seed.provisioner as unknown as { interpreter: string[]; command: string };
  expect(provisioner.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]+\/operator\/operator\.js$/)]);
  expect(provisioner.command).toBe('generalize');
  expect(fs.existsSync(path.join(seed.stackDirectory, provisioner.interpreter[1]))).toBe(true);
});

test('a whole run as a process, with a PATH that has no bash or sh: exit 0, the VM generalized', async () => {
  for (const shell of ['bash', 'sh']) {
    expect(fs.existsSync(path.join(nodeOnly, shell)) || fs.existsSync(path.join(FAKE_AZ_DIRECTORY, shell))).toBe(false);
  }
  const fake = fakeAz();
  const { code, stdout, stderr } = await start(fake).exit;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('verify: the VM is deallocated and generalized; the image can be captured');
  expect(fake.state()).toMatchObject({ power: 'deallocated', osState: 'generalized', sysprepRuns: 1 });
});

test('GoldenVm\'s setup step as a process, as its provisioner starts it: exit 0, the setup followed and the guest cleaned', async () => {
  const setup = stepProvisioner(seed, 'Setup');
  expect(setup.interpreter).toEqual((seed.provisioner as unknown as { interpreter: string[] }).interpreter);
  const fake = fakeAz({ setup: { polls: 1, lines: ['==> [0s] install IIS and ASP.NET', '==> [40s] smoke test'] }, rebootPending: 1 });
  const { code, stdout, stderr } = await start(fake, setup.command, setup).exit;
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('  guest| ==> [40s] smoke test');
  expect(stdout).toMatch(/\[setup-vm \+\d+s\] done: the VM is set up and clean, ready for Sysprep\n$/);
  expect(fake.state()).toMatchObject({ restarts: 1, setup: { phase: 'removed', starts: 1 } });
});

test('GoldenVm\'s base-image step as a process, as its provisioner starts it: exit 13 when the lookup chose the last of Azure\'s text order', async () => {
  const check = stepProvisioner(seed, 'BaseImageCheck');
  expect(check.interpreter).toEqual((seed.provisioner as unknown as { interpreter: string[] }).interpreter);
  const [lookup] = Object.keys(seed.parsed.data.azurerm_platform_image);
  const sku = { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', versions: ['20348.4052.250808', '20348.10000.260110'] };
  const fake = fakeAz({ marketplace: { westeurope: [sku] } });
  const { code, stderr } = await start(fake, check.command, check, {
    '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}': SUBSCRIPTION_ID,
    [`\${data.azurerm_platform_image.${lookup}.location}`]: 'westeurope',
    // What azurerm chooses: the last as text.
    [`\${data.azurerm_platform_image.${lookup}.version}`]: '20348.4052.250808',
  }).exit;
  expect(code).toBe(13);
  expect(stderr).toContain("Fix: pin the newest version, MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:20348.10000.260110')");
  expect(fake.calls().map((argv) => argv.slice(0, 3).join(' '))).toEqual(['version --output json', 'account show --query', 'vm image list']);
});

test('an unknown step: exit 2 and the usage, nothing run', async () => {
  const fake = fakeAz();
  const { code, stderr } = await start(fake, 'generalise').exit;
  expect(code).toBe(2);
  expect(stderr).toContain('usage: node operator.js <step>, one of: generalize, setup, capture, delete-all, base-image, gallery-publish, gallery-replicate, gallery-canary, gallery-promote, gallery-delete-all, verify-fleet, verify-scale-set; got ["generalise"]');
  expect(fake.calls()).toEqual([]);
});

test('SIGTERM while az runs: the az child is stopped, exit 143, the phase named, no temporary file left', async () => {
  const fake = fakeAz({ hang: ['vm deallocate'] });
  const run = start(fake);
  // Signalled once the simulated az has started hanging: no race with the machine's load.
  await until(() => (fake.state().hangingPids ?? []).length > 0);
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exit;
  expect(code).toBe(143);
  expect(stderr).toContain('ERROR: interrupted by SIGTERM during deallocate.');
  await until(() => fake.state().hangingPids!.every((pid) => !isRunning(pid)));
  expect(fs.readdirSync(fake.tmpDirectory)).toEqual([]);
});

/** Waits for a condition of another process, polling; the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
