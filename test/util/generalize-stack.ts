import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { STEP_START_CALLS } from './operator';
import { GeneralizedImage, GoldenVm, MarketplaceImage, WindowsSetup } from '../../lib';

/** A stack synthesized by a real `App.synth()` into a temporary directory, with its assets. */
export interface SynthesizedStack {
  readonly outdir: string;
  /** The stack directory: Terraform's working directory, against which the asset paths are relative. */
  readonly stackDirectory: string;
  readonly parsed: any;
  /** Terraform name of the generalize step's terraform_data resource. */
  readonly generalizeName: string;
  /** The generalize step's terraform_data resource as synthesized. */
  readonly generalize: any;
  readonly provisioner: { command: string; environment: Record<string, string> };
  /** Address of the build VM's azurerm_windows_virtual_machine. */
  readonly vmAddress: string;
}

/** Synthesizes `build` into a temporary outdir, as `cdktf synth` does. */
export function synthToDirectory(stackName: string, build: (stack: TerraformStack) => void): SynthesizedStack {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'generalize-synth-'));
  const app = new App({ outdir, stackTraces: false });
  const stack = new TerraformStack(app, stackName);
  new LocalBackend(stack, { path: 'terraform.tfstate' });
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  build(stack);
  app.synth();
  const stackDirectory = path.join(outdir, 'stacks', stackName);
  const parsed = JSON.parse(fs.readFileSync(path.join(stackDirectory, 'cdk.tf.json'), 'utf8'));
  const generalizeSteps = Object.entries<any>(parsed.resource.terraform_data).filter(([, r]) => /\/Generalize$/.test(r['//'].metadata.path));
  if (generalizeSteps.length !== 1) {
    throw new Error(`expected one generalize step, found ${generalizeSteps.length}`);
  }
  const [generalizeName, generalize] = generalizeSteps[0];
  const vmNames = Object.keys(parsed.resource.azurerm_windows_virtual_machine);
  return {
    outdir,
    stackDirectory,
    parsed,
    generalizeName,
    generalize,
    provisioner: generalize.provisioner[0]['local-exec'],
    vmAddress: `azurerm_windows_virtual_machine.${vmNames[0]}`,
  };
}

/** The seed's stack: a Gen2 build VM with literal names in a given resource group, and its image. */
export function synthSeedStack(): SynthesizedStack {
  return synthToDirectory('golden', (stack) => {
    const vm = new GoldenVm(stack, 'BuildVm', {
      location: 'westeurope',
      resourceGroupName: 'rg-golden',
      vmName: 'vm-golden',
      computerName: 'golden01',
      image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest'),
      setup: WindowsSetup.iisAspNet(),
    });
    new GeneralizedImage(stack, 'Image', { vm });
  });
}

/**
 * Replaces the Terraform expressions of a provisioner's environment by the values Terraform would give them.
 * Every expression must be listed: an unexpected one fails the test.
 */
export function resolveEnvironment(environment: Record<string, string>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => {
    if (!value.includes('${')) {
      return [name, value];
    }
    if (!(value in values)) {
      throw new Error(`no value given for ${name} = ${value}`);
    }
    return [name, values[value]];
  }));
}

export interface StepProvisioner {
  readonly command: string;
  readonly interpreter: string[];
  readonly environment: Record<string, string>;
}

/** A local-exec provisioner of an operator step in a synthesized stack: the terraform_data whose path ends with `/<id>`. */
export function stepProvisioner(stack: SynthesizedStack, id: string): StepProvisioner {
  const steps = Object.values<any>(stack.parsed.resource.terraform_data).filter((r) => r['//'].metadata.path.endsWith(`/${id}`));
  if (steps.length !== 1) {
    throw new Error(`expected one ${id} step, found ${steps.length}`);
  }
  return steps[0].provisioner[0]['local-exec'];
}

/** The expression of the subscription id derived from the VM's resource id. */
export function subscriptionExpression(vmAddress: string): string {
  return `\${element(split("/", ${vmAddress}.id), 2)}`;
}

/**
 * The az calls of a successful first run of the generalize step against the seed stack's VM, in order.
 * `guestScripts` is the guest scripts' absolute directory (the step resolves it from its working directory).
 */
export function happyPathCalls(options: { subscriptionId: string; guestScripts: string; pollSeconds: number }): string[][] {
  const vm = [`--subscription=${options.subscriptionId}`, '--resource-group=rg-golden', '--name=vm-golden'];
  return [
    ...STEP_START_CALLS,
    ['vm', 'get-instance-view', ...vm, '--output', 'json'],
    ['vm', 'run-command', 'invoke', ...vm, '--command-id', 'RunPowerShellScript', '--scripts', `@${path.join(options.guestScripts, 'generalize.ps1')}`,
      '--parameters', 'TimeoutSeconds=1800', `PollSeconds=${options.pollSeconds}`, '--query', 'value[].[code, message]', '--output', 'json'],
    ['vm', 'update', ...vm, '--set', 'tags.golden-image-sysprep=succeeded', '--output', 'none'],
    ['vm', 'deallocate', ...vm, '--output', 'none'],
    ['vm', 'generalize', ...vm, '--output', 'none'],
    ['vm', 'get-instance-view', ...vm, '--output', 'json'],
  ];
}

/**
 * A directory holding only a link to this Node.js: a PATH of it (and the simulated az) has no bash and no sh, as on a
 * Windows machine without Git Bash.
 */
export function nodeOnlyDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'node-only-'));
  fs.symlinkSync(process.execPath, path.join(directory, 'node'));
  return directory;
}
