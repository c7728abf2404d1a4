import {
  Annotations, App, Aspects, DefaultTokenResolver, IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization,
} from 'cdktf';
import { IConstruct } from 'constructs';
import { GoldenVm } from './golden-vm';
import { HyperVGeneration } from './image';
import { inferGeneration } from './private/generation';

/** Management ports that must never be open to the whole Internet. */
const MANAGEMENT_PORTS: ReadonlyArray<[number, string]> = [[22, 'SSH'], [3389, 'RDP'], [5985, 'WinRM'], [5986, 'WinRM over HTTPS']];
const ANY_SOURCE = new Set(['*', 'internet', 'any', '0.0.0.0/0', '0.0.0.0/0.0.0.0', '::/0']);
const VM_TYPES = new Set(['azurerm_windows_virtual_machine', 'azurerm_linux_virtual_machine']);

interface ResolvedResource {
  readonly construct: TerraformResource;
  readonly type: string;
  readonly address: string;
  readonly config: any;
}

/**
 * Checks a whole stack (yours included, not only this library's constructs) the way cdk-nag does, and fails
 * synthesis with an error annotation for:
 * - an NSG rule that allows SSH, RDP or WinRM from any source (`*`, `Internet`, `0.0.0.0/0`);
 * - a managed image (`azurerm_image`) captured from a Trusted Launch VM (Secure Boot or vTPM enabled);
 * - a managed image whose Hyper-V generation differs from its source VM's marketplace image;
 * - a resource attached to a GoldenVm's VM by `virtual_machine_id` (a VM extension, a Run Command, a data disk
 *   attachment, ...): Azure refuses every change to a generalized VM's extensions, so the next rebuild or destroy
 *   would fail.
 * A public IP on a GoldenVm is reported as a warning: it is for debugging only.
 *
 * Add it with `GoldenImageChecks.applyTo(app)`, which covers every stack of the app, or `applyTo(stack)` for one.
 * `Aspects.of(app).add(new GoldenImageChecks())` is not enough: cdktf runs aspects per stack, from the stack down,
 * so an aspect added to the App is never run.
 *
 * @example
 * import { App } from 'cdktf';
 * import { GoldenImageChecks } from 'azure-golden-image';
 *
 * const app = new App();
 * // ... the app's stacks, before or after this call ...
 * GoldenImageChecks.applyTo(app);
 */
export class GoldenImageChecks implements IAspect {
  /**
   * Checks every stack of `scope`'s app or stack, now and at synthesis.
   *
   * - An `App`: every stack in it, including stacks added after this call (they get the checks when `app.synth()`
   *   runs). `Testing.synth(stack)` bypasses `app.synth()`: call `applyTo` after creating the stacks you test that way.
   * - A `TerraformStack`, or any construct in one: that stack.
   *
   * A stack gets the checks once, however often `applyTo` is called.
   *
   * @param scope an App, a TerraformStack, or a construct inside a stack
   * @returns the checks added (shared by every stack of one call)
   */
  public static applyTo(scope: IConstruct): GoldenImageChecks {
    const checks = new GoldenImageChecks();
    if (!App.isApp(scope)) {
      addOnce(TerraformStack.isStack(scope) ? scope : TerraformStack.of(scope), checks);
      return checks;
    }
    const app = scope as App & { [SYNTH_HOOKED]?: boolean };
    stacksOf(app).forEach((stack) => addOnce(stack, checks));
    if (!app[SYNTH_HOOKED]) {
      // Stacks created after this call: the app adds the checks to them just before it synthesizes them.
      const synth = app.synth.bind(app);
      app.synth = () => {
        stacksOf(app).forEach((stack) => addOnce(stack, checks));
        synth();
      };
      app[SYNTH_HOOKED] = true;
    }
    return checks;
  }

  public visit(node: IConstruct): void {
    if (node instanceof GoldenVm && node.publicIpAddress) {
      Annotations.of(node).addWarning('[GoldenImage:BuildVmPublicIp] the build VM has a public IP; the setup needs none. '
        + 'Fix: remove publicIp once debugging is done.');
    }
    if (!TerraformStack.isStack(node)) {
      return;
    }
    const resources = resolveResources(node);
    const byAddress = new Map(resources.map((r) => [r.address, r]));
    const buildVms = new Set(node.node.findAll().filter((c): c is GoldenVm => c instanceof GoldenVm)
      .map((vm) => `\${${vm.virtualMachine.terraformResourceType}.${vm.virtualMachine.friendlyUniqueId}.id}`));
    for (const resource of resources) {
      if (resource.type === 'azurerm_network_security_group') {
        for (const rule of asArray(resource.config.security_rule)) {
          checkRule(resource, rule, `NSG rule '${rule?.name}'`);
        }
      } else if (resource.type === 'azurerm_network_security_rule') {
        checkRule(resource, resource.config, `NSG rule '${resource.config.name}'`);
      } else if (resource.type === 'azurerm_image') {
        checkImage(resource, byAddress);
      }
      if (buildVms.has(String(resource.config.virtual_machine_id))) {
        Annotations.of(resource.construct).addError(`[GoldenImage:ResourceOnBuildVm] ${resource.address} is attached to a GoldenVm's build VM. `
          + 'Once the VM is generalized Azure refuses every change to it and its extensions ("Cannot modify extensions in the VM when the VM '
          + 'is not running"), so the next rebuild or destroy would fail. Fix: run that work as a setup step (WindowsSetup), not as a '
          + 'resource on the build VM.');
      }
    }
  }
}

const SYNTH_HOOKED = Symbol.for('azure-golden-image.GoldenImageChecks.synthHooked');

function stacksOf(app: App): TerraformStack[] {
  return app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
}

function addOnce(stack: TerraformStack, checks: GoldenImageChecks): void {
  if (!Aspects.of(stack).all.some((a) => a instanceof GoldenImageChecks)) {
    Aspects.of(stack).add(checks);
  }
}

function resolveResources(stack: TerraformStack): ResolvedResource[] {
  const resolver = new DefaultTokenResolver(new StringConcat());
  return stack.node.findAll()
    // Not instanceof: provider bindings may extend another copy of the framework (e.g. cdktn behind an npm alias).
    .filter((c): c is TerraformResource => TerraformResource.isTerraformResource(c))
    .map((construct) => {
      const synthesized = Tokenization.resolve(construct.toTerraform(), { scope: stack, resolver, preparing: false });
      const byType = synthesized.resource ?? {};
      const type = Object.keys(byType)[0];
      const name = type ? Object.keys(byType[type])[0] : undefined;
      return { construct, type, address: `${type}.${name}`, config: type && name ? byType[type][name] : {} };
    })
    .filter((r) => r.type !== undefined);
}

function checkRule(resource: ResolvedResource, rule: any, label: string): void {
  if (!rule || String(rule.direction).toLowerCase() !== 'inbound' || String(rule.access).toLowerCase() !== 'allow') {
    return;
  }
  const sources = [rule.source_address_prefix, ...asArray(rule.source_address_prefixes)].filter((s) => typeof s === 'string');
  const openSource = sources.find((s: string) => ANY_SOURCE.has(s.toLowerCase()));
  if (openSource === undefined) {
    return;
  }
  const ranges = [rule.destination_port_range, ...asArray(rule.destination_port_ranges)].filter((r) => typeof r === 'string' || typeof r === 'number');
  const exposed = MANAGEMENT_PORTS.filter(([port]) => ranges.some((r) => portRangeIncludes(String(r), port)));
  if (exposed.length > 0) {
    const what = exposed.map(([port, name]) => `${name} (${port})`).join(', ');
    Annotations.of(resource.construct).addError(`[GoldenImage:ManagementPortOpen] ${label} allows ${what} from any source ('${openSource}'). `
      + 'Fix: restrict source_address_prefix to your own range (e.g. managementSourceRange), or remove the rule.');
  }
}

function checkImage(image: ResolvedResource, byAddress: Map<string, ResolvedResource>): void {
  const sourceRef = /^\$\{([\w-]+\.[\w-]+)\.id\}$/.exec(String(image.config.source_virtual_machine_id ?? ''));
  const vm = sourceRef ? byAddress.get(sourceRef[1]) : undefined;
  if (!vm || !VM_TYPES.has(vm.type)) {
    return;
  }
  if (vm.config.secure_boot_enabled === true || vm.config.vtpm_enabled === true) {
    Annotations.of(image.construct).addError(`[GoldenImage:TrustedLaunchManagedImage] managed image ${image.address} is captured from ${vm.address}, `
      + 'a Trusted Launch VM (Secure Boot or vTPM enabled); Azure refuses managed images of Trusted Launch VMs. '
      + 'Fix: build with the Standard security type (secure_boot_enabled = false, vtpm_enabled = false), or capture into an Azure Compute Gallery.');
  }
  const reference = vm.config.source_image_reference;
  const expected = reference ? inferGeneration(String(reference.publisher), String(reference.sku)) : undefined;
  const actual = image.config.hyper_v_generation ?? HyperVGeneration.V1;
  if (expected !== undefined && actual !== expected) {
    Annotations.of(image.construct).addError(`[GoldenImage:HyperVGenerationMismatch] managed image ${image.address} has hyper_v_generation '${actual}', `
      + `but its source VM ${vm.address} runs the ${expected === HyperVGeneration.V2 ? 'Gen2' : 'Gen1'} SKU '${reference.sku}'. `
      + `Fix: set hyper_v_generation = '${expected}' (GeneralizedImage derives it from the VM).`);
  }
}

function portRangeIncludes(range: string, port: number): boolean {
  const trimmed = range.trim();
  if (trimmed === '*') {
    return true;
  }
  const match = /^(\d+)(?:-(\d+))?$/.exec(trimmed);
  if (!match) {
    return false;
  }
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return port >= low && port <= high;
}

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
