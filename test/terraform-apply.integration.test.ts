/**
 * Real Terraform runs the synthesized generalize step (and GoldenVm's base-image check), as a user's `cdktf deploy` would: the provisioner's interpreter
 * (Node.js and the operator program, no shell) and environment, from the stack directory, against the simulated az,
 * with a PATH that holds no bash and no sh. The stack holds only the terraform_data resource (azurerm references
 * replaced by literals): terraform_data needs no provider download.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FAKE_AZ_DIRECTORY, FakeAz, SUBSCRIPTION_ID } from './util/fake-az';
import { happyPathCalls, nodeOnlyDirectory, resolveEnvironment, subscriptionExpression, SynthesizedStack, synthSeedStack } from './util/generalize-stack';
import { describeWithTool, TERRAFORM as TERRAFORM_TOOL } from './util/tools';

/** Found on the test's own PATH: the step runs with a PATH of only Node.js and the simulated az. */
const TERRAFORM = process.env.TERRAFORM ?? onPath('terraform');
const describeWithTerraform = (name: string, body: () => void) => describeWithTool({ ...TERRAFORM_TOOL, found: () => spawnSync(TERRAFORM, ['version']).status === 0 }, name, body);
const VM_ID = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden`;


describeWithTerraform('terraform apply of the generalize step', () => {
  let synthesized: SynthesizedStack;
  let workDirectory: string;
  let fake: FakeAz;
  let nodeOnly: string;

  /** Writes a stack of only the generalize step, with the VM id `vmId`, next to a copy of the assets. */
  function writeStack(vmId: string): void {
    const resource = JSON.parse(JSON.stringify(synthesized.generalize));
    // The azurerm references, as Terraform would have resolved them.
    expect(resource.triggers_replace).toBe(`\${${synthesized.vmAddress}.id}`);
    resource.triggers_replace = vmId;
    delete resource.depends_on;
    const localExec = resource.provisioner[0]['local-exec'];
    localExec.environment = resolveEnvironment(localExec.environment, { [subscriptionExpression(synthesized.vmAddress)]: vmId.split('/')[2] });
    const stack = {
      terraform: { backend: { local: { path: 'terraform.tfstate' } } },
      resource: { terraform_data: { [synthesized.generalizeName]: resource } },
    };
    fs.writeFileSync(path.join(workDirectory, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  }

  function terraform(...args: string[]) {
    const started = Date.now();
    const result = spawnSync(TERRAFORM, [...args, '-no-color', '-input=false'], {
      cwd: workDirectory,
      encoding: 'utf8',
      env: {
        ...fake.environment(),
        PATH: `${nodeOnly}${path.delimiter}${FAKE_AZ_DIRECTORY}`,
        GOLDEN_POLL_SECONDS: '1',
        GOLDEN_RETRY_BASE_SECONDS: '0',
        CHECKPOINT_DISABLE: '1',
        TF_IN_AUTOMATION: '1',
      },
    });
    return { ...result, output: `${result.stdout}${result.stderr}`, milliseconds: Date.now() - started };
  }

  beforeAll(() => {
    synthesized = synthSeedStack();
    workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'generalize-terraform-'));
    nodeOnly = nodeOnlyDirectory();
    fs.cpSync(path.join(synthesized.stackDirectory, 'assets'), path.join(workDirectory, 'assets'), { recursive: true });
    fake = new FakeAz();
    writeStack(VM_ID);
    const init = terraform('init');
    expect(init.status).toBe(0);
  });

  afterAll(() => {
    fake?.dispose();
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.rmSync(nodeOnly, { recursive: true, force: true });
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  test('apply runs the provisioner: the az calls of the happy path', () => {
    const apply = terraform('apply', '-auto-approve');
    console.log(`terraform apply: ${apply.milliseconds} ms`);
    expect(apply.status).toBe(0);
    const guestScripts = path.join(workDirectory, synthesized.provisioner.environment.GOLDEN_GUEST_DIRECTORY);
    expect(fake.calls()).toEqual(happyPathCalls({ subscriptionId: SUBSCRIPTION_ID, guestScripts, pollSeconds: 1 }));
    // Terraform started Node.js with the operator program and the step's name, no shell, from the stack directory.
    expect(apply.output).toMatch(
      /\(local-exec\): Executing: \["node" "\.\/assets\/GoldenImageScripts\/[0-9A-F]+\/operator\/operator\.js" "generalize"\]/);
    expect(apply.output).toMatch(/\(local-exec\): \[generalize-vm \+\d+s\] verify: the VM is deallocated and generalized/);
    expect(apply.output).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(fake.state()).toMatchObject({ power: 'deallocated', osState: 'generalized', sysprepRuns: 1 });
  });

  test('a second apply with the same VM runs nothing', () => {
    fake.clearLog();
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.output).toContain('No changes.');
    expect(fake.calls()).toEqual([]);
  });

  test('a new build VM (new id) is generalized again', () => {
    fake.clearLog();
    fake.update({ power: 'running', osState: 'specialized', guestImageState: 'IMAGE_STATE_COMPLETE', vmTags: {} });
    // A replaced VM's id is unknown until it exists, which replaces terraform_data; another string stands for it here.
    writeStack(VM_ID.replace('/virtualMachines/', '/virtualmachines/'));
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.output).toContain('must be replaced');
    expect(fake.commands()).toEqual([
      'version', 'account show', 'vm get-instance-view', 'vm run-command invoke', 'vm update', 'vm deallocate', 'vm generalize', 'vm get-instance-view',
    ]);
  });

  test('a failing generalize step fails the apply with the script\'s message', () => {
    fake.clearLog();
    fake.update({ power: 'running', osState: 'specialized', guestImageState: 'IMAGE_STATE_COMPLETE', sysprep: 'never-reaches-oobe', vmTags: {} });
    writeStack(VM_ID);
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).not.toBe(0);
    expect(apply.output).toMatch(/ERROR: sysprep: Sysprep failed in the guest: timed out after 1800 s/);
    expect(apply.output).toMatch(/Error: local-exec provisioner error/);
    expect(apply.output).toContain('exit status 5');
    expect(fake.commands()).not.toContain('vm deallocate');
  });
});

describeWithTerraform('terraform apply of GoldenVm\'s base-image check, before the build VM (stood in for by a terraform_data)', () => {
  let synthesized: SynthesizedStack;
  let workDirectory: string;
  let fake: FakeAz;
  let nodeOnly: string;
  let checkName: string;
  const STALE = '20348.4052.250808';
  const NEWEST = '20348.10000.260110';

  /**
   * The check as synthesized, its expressions as Terraform resolves them for the version the lookup chose, and the
   * VM as a terraform_data with the VM's own depends_on.
   */
  function writeStack(chosen: string): void {
    const [name, check] = Object.entries<any>(synthesized.parsed.resource.terraform_data).find(([, r]) => r['//'].metadata.path.endsWith('/BaseImageCheck'))!;
    checkName = name;
    const [lookup] = Object.keys(synthesized.parsed.data.azurerm_platform_image);
    const values = {
      '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}': SUBSCRIPTION_ID,
      [`\${data.azurerm_platform_image.${lookup}.location}`]: 'westeurope',
      [`\${data.azurerm_platform_image.${lookup}.version}`]: chosen,
      [`\${${Object.keys(synthesized.parsed.resource.terraform_data).filter((n) => n.includes('BuildSpec')).map((n) => `terraform_data.${n}`)[0]}.id}`]: 'build-spec-1',
    };
    const resource = JSON.parse(JSON.stringify(check));
    resource.triggers_replace = resolveEnvironment(resource.triggers_replace, values);
    resource.provisioner[0]['local-exec'].environment = resolveEnvironment(resource.provisioner[0]['local-exec'].environment, values);
    const vm = Object.values<any>(synthesized.parsed.resource.azurerm_windows_virtual_machine)[0];
    const stack = {
      terraform: { backend: { local: { path: 'terraform.tfstate' } } },
      resource: { terraform_data: { [name]: resource, vm: { depends_on: vm.depends_on, input: chosen } } },
    };
    fs.writeFileSync(path.join(workDirectory, 'cdk.tf.json'), JSON.stringify(stack, null, 2));
  }

  function terraform(...args: string[]) {
    const result = spawnSync(TERRAFORM, [...args, '-no-color', '-input=false'], {
      cwd: workDirectory,
      encoding: 'utf8',
      env: { ...fake.environment(), PATH: `${nodeOnly}${path.delimiter}${FAKE_AZ_DIRECTORY}`, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
    });
    return { ...result, output: `${result.stdout}${result.stderr}` };
  }

  beforeAll(() => {
    synthesized = synthSeedStack();
    workDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'base-image-terraform-'));
    nodeOnly = nodeOnlyDirectory();
    fs.cpSync(path.join(synthesized.stackDirectory, 'assets'), path.join(workDirectory, 'assets'), { recursive: true });
    // Azure lists the SKU's versions as text: the newest first, the one azurerm takes last.
    fake = new FakeAz({ marketplace: { westeurope: [{ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', versions: [STALE, NEWEST] }] } });
    writeStack(STALE);
    expect(terraform('init').status).toBe(0);
  });

  afterAll(() => {
    fake?.dispose();
    fs.rmSync(workDirectory, { recursive: true, force: true });
    fs.rmSync(nodeOnly, { recursive: true, force: true });
    fs.rmSync(synthesized.outdir, { recursive: true, force: true });
  });

  test('a lookup older than the newest version fails the apply with exit status 13 before the VM is created', () => {
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).not.toBe(0);
    expect(apply.output).toMatch(/\(local-exec\): Executing: \["node" "\.\/assets\/GoldenImageScripts\/[0-9A-F]+\/operator\/operator\.js" "base-image"\]/);
    expect(apply.output).toContain(`chose ${STALE}, but the newest version Azure lists in westeurope is ${NEWEST}`);
    expect(apply.output).toContain('exit status 13');
    // The VM never started: the check failed first, and the state holds only the failed (tainted) check.
    expect(apply.output).not.toContain('terraform_data.vm: Creating');
    const state = spawnSync(TERRAFORM, ['state', 'list'], { cwd: workDirectory, encoding: 'utf8', env: { CHECKPOINT_DISABLE: '1' } });
    expect(state.stdout.trim().split('\n')).toEqual([`terraform_data.${checkName}`]);
    expect(fake.commands()).toEqual(['version', 'account show', 'vm image list']);
  });

  test('once the lookup chooses the newest version, the check runs again, passes, and the VM is created after it', () => {
    fake.clearLog();
    writeStack(NEWEST);
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.output).toContain(`check: ${NEWEST} is the newest of the 2 version(s)`);
    const checked = apply.output.indexOf(`terraform_data.${checkName}: Creation complete`);
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThan(apply.output.indexOf('terraform_data.vm: Creating'));
    expect(fake.commands()).toEqual(['version', 'account show', 'vm image list']);
  });

  test('a second apply with the same lookup checks nothing again', () => {
    fake.clearLog();
    const apply = terraform('apply', '-auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.output).toContain('No changes.');
    expect(fake.calls()).toEqual([]);
  });
});

function onPath(program: string): string {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(directory, program);
    if (directory !== '' && fs.existsSync(candidate)) {
      return candidate;
    }
  }
  return program;
}
