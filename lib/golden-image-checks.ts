/**
 * `GoldenImageChecks`: an Aspect applied to every stack of an app that fails synthesis on what Azure or a security
 * review would refuse across constructs, the user's own resources included: management ports open to the Internet,
 * Trusted Launch and Hyper-V generation mismatches, resources attached to a build VM.
 */
import {
  Annotations, App, Aspects, DefaultTokenResolver, IAspect, StringConcat, TerraformResource, TerraformStack, Tokenization,
} from 'cdktf';
import { IConstruct } from 'constructs';
import { GoldenVm } from './golden-vm';
import { HyperVGeneration } from './image';
import { inferGeneration } from './private/images/generation';
import { anyConstruct, checkValueType } from './private/validation/prop-types';
import { PropsValidator, requireProps } from './private/validation/props-validator';

/** Management ports that must never be open to the whole Internet. */
const MANAGEMENT_PORTS: ReadonlyArray<[number, string]> = [[22, 'SSH'], [3389, 'RDP'], [5985, 'WinRM'], [5986, 'WinRM over HTTPS']];
const ANY_SOURCE = new Set(['*', 'internet', 'any', '0.0.0.0/0', '0.0.0.0/0.0.0.0', '::/0']);
const VM_TYPES: ReadonlySet<string> = new Set(['azurerm_windows_virtual_machine', 'azurerm_linux_virtual_machine']);
/** Every resource that creates VMs from `source_image_id`. azurerm's orchestrated (Flexible) scale set has no Secure Boot or vTPM setting. */
const COMPUTE_TYPES: ReadonlySet<string> = new Set([...VM_TYPES, 'azurerm_windows_virtual_machine_scale_set',
  'azurerm_linux_virtual_machine_scale_set', 'azurerm_orchestrated_virtual_machine_scale_set']);
const MANAGED_IMAGE = new Set(['azurerm_image']);
const GALLERY_IMAGE = new Set(['azurerm_shared_image']);
const GALLERY_IMAGE_VERSION = new Set(['azurerm_shared_image_version']);
const TERRAFORM_DATA = new Set(['terraform_data']);
/** The `input.kind` of this library's gallery image version step, and the outputs a VM can be created from. */
const GALLERY_STEP_KIND = 'gallery_image_version';
const GALLERY_STEP_OUTPUTS = ['output.version_id', 'output.gallery_image_id'];
/** The output of this library's managed image capture step (a `terraform_data` whose input has `image_id` and `hyper_v_generation`). */
const CAPTURE_STEP_OUTPUTS = ['output.image_id'];

interface ResolvedResource {
  readonly construct: TerraformResource;
  readonly type: string;
  readonly address: string;
  readonly config: any;
}

type Resources = ReadonlyMap<string, ResolvedResource>;

/** Azure's security types of a gallery image definition (a managed image is always Standard). Not Confidential VM types. */
type DefinitionSecurityType = 'Standard' | 'TrustedLaunchSupported' | 'TrustedLaunch';
const SECURITY_TYPES: ReadonlyArray<DefinitionSecurityType> = ['Standard', 'TrustedLaunchSupported', 'TrustedLaunch'];

/** What the checks know of an image VMs are created from; an undefined field cannot be told at synth time. */
interface ImageFacts {
  /** For messages, e.g. `managed image azurerm_image.Image`. */
  readonly description: string;
  readonly managed: boolean;
  readonly securityType?: DefinitionSecurityType;
  readonly generation?: HyperVGeneration;
}

/** A VM's Hyper-V generation, and how it is known (for messages: "runs the Gen2 SKU '...'"). */
interface VmGeneration {
  readonly generation: HyperVGeneration;
  readonly because: string;
}

/**
 * Checks a whole stack (yours included, not only this library's constructs) the way cdk-nag does, and fails
 * synthesis with an error annotation for:
 * - an NSG rule that allows SSH, RDP or WinRM from any source (`*`, `Internet`, `0.0.0.0/0`): `ManagementPortOpen`;
 * - a managed image (`azurerm_image`) captured from a Trusted Launch VM (Secure Boot or vTPM enabled): `TrustedLaunchManagedImage`;
 * - a managed image, or the gallery image definition of a version captured from a VM (`azurerm_shared_image_version`
 *   with `managed_image_id` set to a VM's id), whose Hyper-V generation differs from its source VM's (inferred from the
 *   VM's marketplace SKU, or from the image the VM was created from): `HyperVGenerationMismatch`;
 * - a gallery image version captured from a Trusted Launch VM into a definition that is not TrustedLaunch (Standard or
 *   TrustedLaunchSupported), or from a Standard VM into a TrustedLaunch definition:
 *   `TrustedLaunchVmToNonTrustedLaunchDefinition`, `StandardVmToTrustedLaunchDefinition`;
 * - a TrustedLaunch or TrustedLaunchSupported gallery image definition (`azurerm_shared_image`) that is not
 *   `hyper_v_generation = "V2"` (the default is V1): `TrustedLaunchDefinitionNotGen2`;
 * - a VM or scale set whose `source_image_id` is an image of the wrong security type: a Trusted Launch VM from a
 *   managed image (`azurerm_image`, or this library's capture step) or from a Standard gallery image, a Standard VM
 *   from a TrustedLaunch gallery image (a definition, a version, or this library's gallery version step):
 *   `TrustedLaunchVmFromManagedImage`, `TrustedLaunchVmFromStandardImage`, `StandardVmFromTrustedLaunchImage`;
 * - a resource attached to a GoldenVm's VM by `virtual_machine_id` (a VM extension, a Run Command, a data disk
 *   attachment, ...): Azure refuses every change to a generalized VM's extensions, so the next rebuild or destroy
 *   would fail: `ResourceOnBuildVm`.
 * A public IP on a GoldenVm is reported as a warning: it is for debugging only (`BuildVmPublicIp`).
 * Each message starts with `[GoldenImage:<id>]`, the id named above.
 * A value the checks cannot follow (a variable, a data source, another stack's output) is never reported.
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
    const v = new PropsValidator('GoldenImageChecks.applyTo');
    requireProps(v, { scope }, { scope: 'pass the App, or a TerraformStack, whose stacks to check' });
    checkValueType(v, 'scope', scope, anyConstruct('pass the App, or a TerraformStack, whose stacks to check'));
    v.throwIfInvalid();
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
    // One report per finding, however many GoldenImageChecks a stack has (applyTo(app) and a per-stack aspect): the
    // first one to visit a construct checks it.
    if (!claimVisit(node, this)) {
      return;
    }
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
      } else if (resource.type === 'azurerm_shared_image') {
        checkGalleryImage(resource);
      } else if (resource.type === 'azurerm_shared_image_version') {
        checkGalleryImageVersion(resource, byAddress);
      } else if (COMPUTE_TYPES.has(resource.type)) {
        checkVmSource(resource, byAddress);
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

/** The checks that visited each construct first. */
const firstVisitor = new WeakMap<IConstruct, GoldenImageChecks>();

/** Whether `checks` is the first GoldenImageChecks to visit `node` (and so the one that reports on it). */
function claimVisit(node: IConstruct, checks: GoldenImageChecks): boolean {
  const first = firstVisitor.get(node);
  if (first === undefined) {
    firstVisitor.set(node, checks);
    return true;
  }
  return first === checks;
}

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

function checkImage(image: ResolvedResource, resources: Resources): void {
  const vm = follow(image.config.source_virtual_machine_id, resources, VM_TYPES, ['id']);
  if (!vm) {
    return;
  }
  if (vmSecurityType(vm) === 'TrustedLaunch') {
    Annotations.of(image.construct).addError(`[GoldenImage:TrustedLaunchManagedImage] managed image ${image.address} is captured from ${vm.address}, `
      + 'a Trusted Launch VM (Secure Boot or vTPM enabled); Azure refuses managed images of Trusted Launch VMs. '
      + 'Fix: build with the Standard security type (secure_boot_enabled = false, vtpm_enabled = false), or capture into an Azure Compute Gallery.');
  }
  const expected = vmGeneration(vm, resources);
  const actual = generationOf(image.config.hyper_v_generation);
  if (expected !== undefined && actual !== undefined && actual !== expected.generation) {
    Annotations.of(image.construct).addError(`[GoldenImage:HyperVGenerationMismatch] managed image ${image.address} has hyper_v_generation '${actual}', `
      + `but its source VM ${vm.address} ${expected.because}. `
      + `Fix: set hyper_v_generation = '${expected.generation}' (GeneralizedImage derives it from the VM).`);
  }
}

function checkGalleryImage(definition: ResolvedResource): void {
  const securityType = galleryImageSecurityType(definition);
  if ((securityType === 'TrustedLaunch' || securityType === 'TrustedLaunchSupported')
    && generationOf(definition.config.hyper_v_generation) === HyperVGeneration.V1) {
    Annotations.of(definition.construct).addError(`[GoldenImage:TrustedLaunchDefinitionNotGen2] gallery image definition ${definition.address} is `
      + `${securityType} but hyper_v_generation is 'V1'${definition.config.hyper_v_generation === undefined ? ' (the default)' : ''}. `
      + 'Azure supports Trusted Launch only on Gen2 images and refuses the definition. '
      + 'Fix: set hyper_v_generation = \'V2\' (and publish Gen2 VMs into it), or drop trusted_launch_enabled / trusted_launch_supported for a Gen1 image.');
  }
}

function checkGalleryImageVersion(version: ResolvedResource, resources: Resources): void {
  const vm = follow(version.config.managed_image_id, resources, VM_TYPES, ['id']);
  const definition = definitionOf(version, resources);
  if (!vm || !definition) {
    return;
  }
  const vmType = vmSecurityType(vm);
  const definitionType = galleryImageSecurityType(definition);
  if (vmType === 'TrustedLaunch' && definitionType !== undefined && definitionType !== 'TrustedLaunch') {
    Annotations.of(version.construct).addError(`[GoldenImage:TrustedLaunchVmToNonTrustedLaunchDefinition] gallery image version ${version.address} `
      + `is captured from ${vm.address}, a Trusted Launch VM (Secure Boot or vTPM enabled), into ${definition.address}, a ${definitionType} definition. `
      + 'Azure captures a Trusted Launch VM only into a TrustedLaunch definition. '
      + 'Fix: make the definition TrustedLaunch (trusted_launch_enabled = true, hyper_v_generation = \'V2\'), '
      + 'or build with the Standard security type (secure_boot_enabled = false, vtpm_enabled = false).');
  }
  if (vmType === 'Standard' && definitionType === 'TrustedLaunch') {
    Annotations.of(version.construct).addError(`[GoldenImage:StandardVmToTrustedLaunchDefinition] gallery image version ${version.address} `
      + `is captured from ${vm.address}, a Standard VM (neither Secure Boot nor vTPM enabled), into ${definition.address}, a TrustedLaunch definition. `
      + 'Azure captures a Standard VM only into a Standard or TrustedLaunchSupported definition. '
      + 'Fix: make the definition TrustedLaunchSupported (trusted_launch_supported = true instead of trusted_launch_enabled), '
      + 'or build a Trusted Launch VM (secure_boot_enabled = true, vtpm_enabled = true).');
  }
  const expected = vmGeneration(vm, resources);
  const actual = generationOf(definition.config.hyper_v_generation);
  if (expected !== undefined && actual !== undefined && actual !== expected.generation) {
    Annotations.of(version.construct).addError(`[GoldenImage:HyperVGenerationMismatch] gallery image version ${version.address} is captured from `
      + `${vm.address}, which ${expected.because}, into ${definition.address}, whose hyper_v_generation is '${actual}'. `
      + 'Azure refuses a version whose source generation differs from its definition\'s. '
      + `Fix: set hyper_v_generation = '${expected.generation}' on the definition, or capture into a ${expected.generation} definition.`);
  }
}

function checkVmSource(vm: ResolvedResource, resources: Resources): void {
  const image = imageOf(vm.config.source_image_id, resources);
  const vmType = vmSecurityType(vm);
  if (!image || !vmType) {
    return;
  }
  const what = `${vm.address} is a Trusted Launch VM (Secure Boot or vTPM enabled), but its source_image_id is ${image.description}`;
  if (vmType === 'TrustedLaunch' && image.managed) {
    Annotations.of(vm.construct).addError(`[GoldenImage:TrustedLaunchVmFromManagedImage] ${what}. `
      + 'Managed images are always the Standard security type, and Azure creates no Trusted Launch VM from one. '
      + 'Fix: publish the image to an Azure Compute Gallery with a TrustedLaunchSupported or TrustedLaunch definition, '
      + 'or create the VM with the Standard security type (secure_boot_enabled = false, vtpm_enabled = false).');
  } else if (vmType === 'TrustedLaunch' && image.securityType === 'Standard') {
    Annotations.of(vm.construct).addError(`[GoldenImage:TrustedLaunchVmFromStandardImage] ${what}, of the Standard security type. `
      + 'Azure creates Trusted Launch VMs only from TrustedLaunch or TrustedLaunchSupported images. '
      + 'Fix: publish into a TrustedLaunchSupported or TrustedLaunch definition (hyper_v_generation = \'V2\'), '
      + 'or create the VM with the Standard security type (secure_boot_enabled = false, vtpm_enabled = false).');
  } else if (vmType === 'Standard' && image.securityType === 'TrustedLaunch') {
    const fix = vm.type === 'azurerm_orchestrated_virtual_machine_scale_set'
      ? 'publish into a TrustedLaunchSupported definition, which accepts both (azurerm\'s orchestrated scale set has no Secure Boot or vTPM '
        + 'setting), or use a Uniform scale set (azurerm_windows/linux_virtual_machine_scale_set) with secure_boot_enabled = true and vtpm_enabled = true'
      : 'set secure_boot_enabled = true and vtpm_enabled = true, or publish into a TrustedLaunchSupported definition, which accepts both';
    Annotations.of(vm.construct).addError(`[GoldenImage:StandardVmFromTrustedLaunchImage] ${vm.address} has the Standard security type `
      + `(neither Secure Boot nor vTPM enabled), but its source_image_id is ${image.description}, of the TrustedLaunch security type. `
      + 'Azure creates VMs from a TrustedLaunch image only as Trusted Launch VMs. '
      + `Fix: ${fix}.`);
  }
}

/**
 * The resource of this stack that `value` references, when `value` is exactly `${<type>.<name>.<attribute>}` with a
 * type in `types` and one of `attributes`; undefined for anything else (a literal, a variable, a data source, an
 * indexed or for_each instance, another stack's output), which the checks then leave alone.
 */
function follow(value: unknown, resources: Resources, types: ReadonlySet<string>, attributes: ReadonlyArray<string>): ResolvedResource | undefined {
  const match = typeof value === 'string' ? /^\$\{([\w-]+)\.([\w-]+)\.([\w.]+)\}$/.exec(value) : null;
  if (!match || !types.has(match[1]) || !attributes.includes(match[3])) {
    return undefined;
  }
  return resources.get(`${match[1]}.${match[2]}`);
}

/** The gallery image definition of a version, when its `image_name` references one in this stack. */
function definitionOf(version: ResolvedResource, resources: Resources): ResolvedResource | undefined {
  return follow(version.config.image_name, resources, GALLERY_IMAGE, ['name']);
}

/** What a VM's `source_image_id` points at, when it references an image of this stack that the checks understand. */
function imageOf(sourceImageId: unknown, resources: Resources): ImageFacts | undefined {
  const managed = follow(sourceImageId, resources, MANAGED_IMAGE, ['id']);
  if (managed) {
    return {
      description: `managed image ${managed.address}`,
      managed: true,
      securityType: 'Standard',
      generation: generationOf(managed.config.hyper_v_generation),
    };
  }
  const definition = follow(sourceImageId, resources, GALLERY_IMAGE, ['id']);
  if (definition) {
    return galleryImageFacts(definition, `gallery image definition ${definition.address}`);
  }
  const version = follow(sourceImageId, resources, GALLERY_IMAGE_VERSION, ['id']);
  const versionDefinition = version ? definitionOf(version, resources) : undefined;
  if (version && versionDefinition) {
    return galleryImageFacts(versionDefinition, `gallery image version ${version.address} (definition ${versionDefinition.address})`);
  }
  const galleryStep = follow(sourceImageId, resources, TERRAFORM_DATA, GALLERY_STEP_OUTPUTS);
  const galleryInput = galleryStep?.config.input;
  if (galleryStep && isObject(galleryInput) && galleryInput.kind === GALLERY_STEP_KIND) {
    return {
      description: `the gallery image version of ${galleryStep.address}`,
      managed: false,
      securityType: SECURITY_TYPES.find((t) => t === galleryInput.security_type),
      generation: galleryInput.hyper_v_generation === undefined ? undefined : generationOf(galleryInput.hyper_v_generation),
    };
  }
  const captureStep = follow(sourceImageId, resources, TERRAFORM_DATA, CAPTURE_STEP_OUTPUTS);
  const captureInput = captureStep?.config.input;
  if (captureStep && isObject(captureInput) && captureInput.kind === undefined
    && captureInput.image_id !== undefined && captureInput.hyper_v_generation !== undefined) {
    return {
      description: `the managed image of ${captureStep.address}`,
      managed: true,
      securityType: 'Standard',
      generation: generationOf(captureInput.hyper_v_generation),
    };
  }
  return undefined;
}

function galleryImageFacts(definition: ResolvedResource, description: string): ImageFacts {
  return {
    description,
    managed: false,
    securityType: galleryImageSecurityType(definition),
    generation: generationOf(definition.config.hyper_v_generation),
  };
}

/**
 * A gallery image definition's security type; undefined when a flag is a reference, or for a confidential VM
 * definition (another security type, not checked here).
 */
function galleryImageSecurityType(definition: ResolvedResource): DefinitionSecurityType | undefined {
  const config = definition.config;
  if (![config.confidential_vm_enabled, config.confidential_vm_supported].every(isFalse)) {
    return undefined;
  }
  if (config.trusted_launch_enabled === true) {
    return 'TrustedLaunch';
  }
  if (!isFalse(config.trusted_launch_enabled)) {
    return undefined;
  }
  if (config.trusted_launch_supported === true) {
    return 'TrustedLaunchSupported';
  }
  return isFalse(config.trusted_launch_supported) ? 'Standard' : undefined;
}

/** TrustedLaunch when Secure Boot or vTPM is enabled, Standard when neither is, undefined when either is a reference. */
function vmSecurityType(vm: ResolvedResource): 'TrustedLaunch' | 'Standard' | undefined {
  const flags = [vm.config.secure_boot_enabled, vm.config.vtpm_enabled];
  if (flags.some((flag) => flag === true)) {
    return 'TrustedLaunch';
  }
  return flags.every(isFalse) ? 'Standard' : undefined;
}

/** A VM's Hyper-V generation: from its marketplace SKU's name, or from the image of this stack it is created from. */
function vmGeneration(vm: ResolvedResource, resources: Resources): VmGeneration | undefined {
  const reference = Array.isArray(vm.config.source_image_reference) ? vm.config.source_image_reference[0] : vm.config.source_image_reference;
  if (isObject(reference)) {
    const publisher = reference.publisher;
    const sku = reference.sku;
    if (typeof publisher !== 'string' || typeof sku !== 'string' || isReference(publisher) || isReference(sku)) {
      return undefined;
    }
    const generation = inferGeneration(publisher, sku);
    return generation && { generation, because: `runs the ${generation === HyperVGeneration.V2 ? 'Gen2' : 'Gen1'} SKU '${sku}'` };
  }
  const image = imageOf(vm.config.source_image_id, resources);
  return image?.generation && { generation: image.generation, because: `was created from ${image.description} (${image.generation})` };
}

/** A hyper_v_generation argument: V1 when unset (Azure's default), undefined when it is a reference. */
function generationOf(value: unknown): HyperVGeneration | undefined {
  if (value === undefined) {
    return HyperVGeneration.V1;
  }
  return value === HyperVGeneration.V1 || value === HyperVGeneration.V2 ? value : undefined;
}

function isFalse(flag: unknown): boolean {
  return flag === undefined || flag === false;
}

function isReference(value: string): boolean {
  return value.includes('${');
}

function isObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
