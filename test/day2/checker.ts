/**
 * Holds a real Terraform plan of a stand-in configuration (standin.ts), as `terraform show -json <planfile>` prints
 * it, against Azure rules that the provider's schema does not express:
 *
 * a. `frozen-vm`: a generalized build VM is never updated, and no child resource of it (a resource whose
 *    `virtual_machine_id` is the VM's id, or whose own id is under it: extensions, run commands) is updated or deleted
 *    while it exists ("Cannot modify extensions in the VM when the VM is not running"). A VM counts as generalized
 *    when, in the prior state, an operator stage (a terraform_data with a local-exec provisioner) names it through
 *    GOLDEN_VM_NAME / GOLDEN_RESOURCE_GROUP, or when the caller names it (`buildVms`).
 * b. `same-name`: never two resources with the same Azure identity (type + resource group + name, compared
 *    case-insensitively: the lower-cased ARM id) at the same time: (i) after the plan; (ii) a create-before-destroy
 *    replacement that keeps its name; (iii) a create of an identity that another resource deletes in the same plan
 *    (conservatively, whatever the order). Managed images made by operator capture stages count: a terraform_data whose
 *    `input` has `image_name` and `resource_group_name` holds that image from its creation on, and keeps it after the
 *    stage is destroyed or replaced (the operator prunes old images outside Terraform), unless a destroy-time
 *    provisioner is declared.
 *    Gallery image versions published by operator stages count the same way: a terraform_data whose `input` has
 *    `kind = "gallery_image_version"`, a `version_id` and a source (`source_virtual_machine_id`, ...) publishes that
 *    version (a promote step names the version too, but has no source: it does not hold it).
 * c. `trusted-launch-image`: no managed image (azurerm_image with `source_virtual_machine_id`, or an operator capture
 *    stage whose input has `source_virtual_machine_id` or a source disk id) from a VM with Secure Boot or vTPM enabled
 *    or security type TrustedLaunch.
 * d. `line-kept`: a line (an operator stage with a destroy-time provisioner, which deletes every build of its line: the
 *    ImageLine's managed images, the VersionLine's gallery versions) is never replaced while its input (the place it
 *    names) stays the same: the replacement's destroy would delete every kept build, the one the fleets run included,
 *    for nothing (DESIGN.md, "the last K builds are kept for rollback"). A line moved elsewhere (new input) may go, and
 *    so may a line whose builds go anyway: the plan deletes or replaces the resource group, gallery or definition that
 *    holds them (the line's `resource_group_name`, `gallery_name`, `gallery_image`).
 * e. `versions-before-definition`: Azure refuses to delete a gallery image definition that still holds versions. A
 *    definition (azurerm_shared_image) deleted by the plan whose versions belong to a line (a destroy-time stage whose
 *    input names its resource group, gallery and definition: `resource_group_name`, `gallery_name`, `gallery_image`)
 *    needs that line deleted in the same plan, and destroyed first: the line depends on the definition (in the
 *    dependencies the prior state records, transitively), so Terraform destroys the line before the definition.
 * f. `scale-set-rollout`: a new image reaches a scale set (azurerm_windows/linux_virtual_machine_scale_set) through its
 *    upgrade policy: `source_image_id` and `source_image_reference` sku/version update the scale set's model in place
 *    and a Rolling scale set rolls it out batch by batch behind its health probe. A plan that replaces a scale set
 *    while changing its image instead deletes every instance at once (or, create-before-destroy, needs its name twice):
 *    an outage of the whole scale set for a routine rebuild. The message names the ForceNew arguments whose change
 *    forced the replacement (the stand-in's `triggers_replace` keys), or `replace_triggered_by`.
 *
 * Unknown values of the plan (names built from values known only after apply) are resolved from the state after the
 * apply of that plan when the caller passes it (`stateAfter`, `terraform show -json` of the state).
 */
import { ARM_ID, OPERATOR_OUTPUT_PREFIX, originalAddress } from './standin';

export type Rule = 'frozen-vm' | 'same-name' | 'trusted-launch-image' | 'line-kept' | 'versions-before-definition' | 'scale-set-rollout';

export interface Violation {
  readonly rule: Rule;
  /** Original address (azurerm_x.y[...]) or terraform_data address. */
  readonly address: string;
  readonly message: string;
}

export interface CheckOptions {
  /** Build VMs that are generalized once they exist in the prior state (original or stand-in addresses, no index). */
  readonly buildVms?: string[];
  /** `terraform show -json` of the state after this plan was applied: resolves values unknown in the plan. */
  readonly stateAfter?: any;
  /** Operator stages (terraform_data addresses) with a destroy-time provisioner: their destroy deletes their image. */
  readonly destroyTimeSteps?: string[];
}

/** One resource instance of the plan, as the rules see it. */
interface Instance {
  /** Address in the stand-in configuration. */
  readonly address: string;
  /** Original address for stand-ins, the address itself otherwise. */
  readonly label: string;
  /** Provider type for stand-ins, 'terraform_data' otherwise. */
  readonly type: string;
  readonly standIn: boolean;
  readonly actions: string[];
  /** Arguments (stand-ins) or input (terraform_data), before and after; after resolved from stateAfter if unknown. */
  readonly before?: any;
  readonly after?: any;
  readonly destroyTimeProvisioner: boolean;
}

const VM_TYPES = new Set(['azurerm_windows_virtual_machine', 'azurerm_linux_virtual_machine']);
const SCALE_SET_TYPES = new Set(['azurerm_windows_virtual_machine_scale_set', 'azurerm_linux_virtual_machine_scale_set']);
/** A scale set's image arguments: both update in place (only source_image_reference's publisher and offer are ForceNew). */
const SCALE_SET_IMAGE_ARGUMENTS = ['source_image_id', 'source_image_reference'];

const lower = (s: string | undefined) => s?.toLowerCase();
const known = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Input keys of an operator publish step that name the source a gallery image version is made from. */
const VERSION_SOURCE_KEYS = ['source_virtual_machine_id', 'source_id', 'managed_image_id', 'os_disk_snapshot_id'];

/** Lower-cased ARM id of a stand-in's arguments, undefined if unknown or unnamed. */
export function identity(type: string, args: any): string | undefined {
  if (!args || typeof args !== 'object') {
    return undefined;
  }
  if (type === 'terraform_data') {
    if (known(args.image_name) && known(args.resource_group_name)) {
      return ARM_ID.azurerm_image({ name: args.image_name, resource_group_name: args.resource_group_name }).toLowerCase();
    }
    // An operator stage that publishes a gallery image version (from a source) holds that version.
    if (args.kind === 'gallery_image_version' && known(args.version_id) && VERSION_SOURCE_KEYS.some((k) => known(args[k]))) {
      return args.version_id.toLowerCase();
    }
    return undefined;
  }
  const build = ARM_ID[type];
  if (!build || !known(args.name)) {
    return undefined;
  }
  const parents = ['resource_group_name', 'virtual_network_name', 'gallery_name', 'image_name', 'virtual_machine_id', 'loadbalancer_id']
    .filter((k) => k in args || (k === 'resource_group_name' && type !== 'azurerm_resource_group' && !/extension|run_command|^azurerm_lb_/.test(type)));
  if (parents.some((k) => !known(args[k]))) {
    return undefined;
  }
  return build(args).toLowerCase();
}

function stateResources(state: any): Map<string, any> {
  const out = new Map<string, any>();
  const walk = (module: any) => {
    for (const r of module?.resources ?? []) {
      out.set(r.address, r.values);
    }
    for (const child of module?.child_modules ?? []) {
      walk(child);
    }
  };
  walk(state?.values?.root_module);
  return out;
}

function hasUnknown(afterUnknown: any): boolean {
  if (afterUnknown === true) {
    return true;
  }
  if (afterUnknown && typeof afterUnknown === 'object') {
    return Object.values(afterUnknown).some(hasUnknown);
  }
  return false;
}

function instances(plan: any, stateAfter?: any, destroyTimeSteps: string[] = []): Instance[] {
  const after = stateAfter ? stateResources(stateAfter) : new Map<string, any>();
  const destroyTime = new Set<string>(destroyTimeSteps);
  const out: Instance[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== 'managed' || rc.type !== 'terraform_data') {
      continue;
    }
    const original = originalAddress(rc.address);
    if (original?.computed) {
      continue;
    }
    const change = rc.change ?? {};
    let afterInput = change.after?.input;
    if (change.after && hasUnknown(change.after_unknown?.input) && after.has(rc.address)) {
      afterInput = after.get(rc.address).input;
    }
    out.push({
      address: rc.address,
      label: original?.address ?? rc.address,
      type: original?.type ?? 'terraform_data',
      standIn: original !== undefined,
      actions: change.actions ?? [],
      before: change.before?.input ?? undefined,
      after: change.after ? afterInput : undefined,
      destroyTimeProvisioner: destroyTime.has(rc.address.replace(/\[.*\]$/, '')),
    });
  }
  return out;
}

const creates = (i: Instance) => i.actions.includes('create');
const deletes = (i: Instance) => i.actions.includes('delete');

/** All violations of the plan, without duplicates. */
export function checkPlan(plan: any, options: CheckOptions = {}): Violation[] {
  const all = instances(plan, options.stateAfter, options.destroyTimeSteps);
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const report = (rule: Rule, address: string, message: string) => {
    const key = `${rule}|${address}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      violations.push({ rule, address, message });
    }
  };
  checkFrozenVms(plan, all, options, report);
  checkNames(all, report);
  checkTrustedLaunch(plan, all, report);
  checkLinesKept(all, report);
  checkVersionsBeforeDefinition(plan, all, report);
  checkScaleSetRollout(plan, all, report);
  return violations;
}

type Report = (rule: Rule, address: string, message: string) => void;

function checkFrozenVms(plan: any, all: Instance[], options: CheckOptions, report: Report): void {
  const prior = stateResources(plan.prior_state);
  const generalized = new Map<string, string>(); // VM id -> why
  for (const [name, output] of Object.entries<any>(plan.prior_state?.values?.outputs ?? {})) {
    if (!name.startsWith(OPERATOR_OUTPUT_PREFIX)) {
      continue;
    }
    const step = `terraform_data.${name.slice(OPERATOR_OUTPUT_PREFIX.length)}`;
    const env = output.value?.environment ?? {};
    if (prior.has(step) && known(env.GOLDEN_VM_NAME) && known(env.GOLDEN_RESOURCE_GROUP)) {
      const id = ARM_ID.azurerm_windows_virtual_machine({ name: env.GOLDEN_VM_NAME, resource_group_name: env.GOLDEN_RESOURCE_GROUP });
      generalized.set(id.toLowerCase(), `generalized by ${step}`);
    }
  }
  for (const vm of options.buildVms ?? []) {
    for (const i of all) {
      const bare = i.label.replace(/\[.*\]$/, '');
      if ((bare === vm || i.address.replace(/\[.*\]$/, '') === vm) && i.before) {
        const id = identity(i.type, i.before);
        if (id) {
          generalized.set(id, `build VM ${vm}`);
        }
      }
    }
  }
  for (const i of all) {
    if (!i.standIn || !i.before) {
      continue;
    }
    const id = identity(i.type, i.before);
    if (VM_TYPES.has(i.type) && id && generalized.has(id) && i.actions.includes('update')) {
      report('frozen-vm', i.label, `updates the generalized VM ${id} (${generalized.get(id)}): Azure refuses every change to it`);
      continue;
    }
    for (const [vmId, why] of generalized) {
      const child = lower(i.before.virtual_machine_id) === vmId || (id !== undefined && id.startsWith(`${vmId}/`));
      if (child && (i.actions.includes('update') || deletes(i))) {
        report('frozen-vm', i.label, `${i.actions.join('/')} of a child of the generalized VM ${vmId} (${why}): `
          + '"Cannot modify extensions in the VM when the VM is not running"');
      }
    }
  }
}

function checkNames(all: Instance[], report: Report): void {
  // (i) identities held after the plan.
  const holders = new Map<string, string[]>();
  const hold = (id: string | undefined, who: string) => {
    if (id) {
      holders.set(id, [...(holders.get(id) ?? []), who]);
    }
  };
  for (const i of all) {
    if (i.after !== undefined && !(deletes(i) && !creates(i))) {
      hold(identity(i.type, i.after), i.label);
    }
    // Images of operator stages outlive the stage.
    if (!i.standIn && !i.destroyTimeProvisioner && deletes(i)) {
      hold(identity(i.type, i.before), `${i.label} (image of the previous instance, kept)`);
    }
  }
  for (const [id, who] of holders) {
    if (who.length > 1) {
      report('same-name', who[0], `${who.join(' and ')} both hold ${id}`);
    }
  }
  // (ii) create-before-destroy replacements that keep their identity.
  for (const i of all) {
    if (i.actions.length === 2 && i.actions[0] === 'create' && i.actions[1] === 'delete') {
      const before = identity(i.type, i.before);
      if (before && before === identity(i.type, i.after)) {
        report('same-name', i.label, `create-before-destroy replacement keeps its name: ${before} would exist twice`);
      }
    }
  }
  // (iii) a create of an identity another resource deletes in the same plan.
  const deleted = new Map<string, string>();
  for (const i of all) {
    if (deletes(i) && (i.standIn || i.destroyTimeProvisioner)) {
      const id = identity(i.type, i.before);
      if (id) {
        deleted.set(id, i.label);
      }
    }
  }
  for (const i of all) {
    if (creates(i)) {
      const id = identity(i.type, i.after);
      const other = id ? deleted.get(id) : undefined;
      if (id && other && other !== i.label) {
        report('same-name', i.label, `creates ${id} while ${other}, which holds it, is deleted in the same plan`);
      }
    }
  }
}

function checkTrustedLaunch(plan: any, all: Instance[], report: Report): void {
  const vms = all.filter((i) => VM_TYPES.has(i.type) && i.after);
  const trusted = (args: any) => args?.secure_boot_enabled === true || args?.vtpm_enabled === true
    || /^trustedlaunch$/i.test(String(args?.security_type ?? ''));
  const osDiskPrefix = (args: any) => (known(args?.name) && known(args?.resource_group_name)
    ? `${ARM_ID.azurerm_managed_disk({ name: `${args.name}_OsDisk_1_`, resource_group_name: args.resource_group_name })}`.toLowerCase()
    : undefined);
  const configResources = new Map<string, any>(
    (plan.configuration?.root_module?.resources ?? []).map((r: any) => [r.address, r]));

  for (const i of all) {
    if (!creates(i) && !i.actions.includes('update')) {
      continue;
    }
    const args = i.after ?? {};
    const isImage = i.type === 'azurerm_image' || (!i.standIn && known(args.image_name));
    if (!isImage) {
      continue;
    }
    const sources = [args.source_virtual_machine_id, args.source_disk_id, args.source_os_disk_id, args.os_disk_id,
      args.managed_disk_id, ...(Array.isArray(args.os_disk) ? args.os_disk.map((d: any) => d?.managed_disk_id) : [])]
      .filter(known).map((s) => s.toLowerCase());
    let sourceVms = vms.filter((vm) => {
      const id = identity(vm.type, vm.after);
      const disk = osDiskPrefix(vm.after);
      return sources.some((s) => s === id || (disk !== undefined && s.startsWith(disk)));
    });
    if (sources.length === 0) {
      // Unknown in the plan and no state to resolve it: the VMs the input's expression references.
      const references: string[] = configResources.get(i.address.replace(/\[.*\]$/, ''))?.expressions?.input?.references ?? [];
      sourceVms = vms.filter((vm) => references.some((r) => r.startsWith(vm.address.replace(/\[.*\]$/, ''))));
    }
    for (const vm of sourceVms) {
      if (trusted(vm.after)) {
        report('trusted-launch-image', i.label, `captures a managed image from ${vm.label}, a Trusted Launch VM `
          + '(Secure Boot or vTPM): managed images cannot be captured from Trusted Launch VMs, use an Azure Compute Gallery');
      }
    }
  }
}

/** JSON with object keys sorted: equal values, equal strings. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) {
    return `[${v.map(canonical).join(',')}]`;
  }
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Whether the plan deletes (or replaces) the resource group, gallery or definition that holds a line's builds. */
function lineContainerDeleted(line: any, all: Instance[]): boolean {
  const same = (a: unknown, b: unknown) => known(a) && known(b) && a.toLowerCase() === b.toLowerCase();
  return all.some((i) => i.standIn && deletes(i) && i.before && same(i.before.resource_group_name ?? i.before.name, line.resource_group_name) && (
    i.type === 'azurerm_resource_group'
    || (i.type === 'azurerm_shared_image_gallery' && same(i.before.name, line.gallery_name))
    || (i.type === 'azurerm_shared_image' && same(i.before.gallery_name, line.gallery_name) && same(i.before.name, line.gallery_image))));
}

function checkLinesKept(all: Instance[], report: Report): void {
  for (const i of all) {
    const replaced = i.actions.length === 2 && creates(i) && deletes(i);
    if (!i.standIn && i.destroyTimeProvisioner && replaced && i.before !== undefined && i.after !== undefined
      && canonical(i.before) === canonical(i.after) && !lineContainerDeleted(i.before, all)) {
      report('line-kept', i.label, `replaced with the same input ${canonical(i.before)}: its destroy-time step deletes every build `
        + 'of the line (the kept builds and the one the fleets run) although the line stays where it was');
    }
  }
}

/** Every resource a prior-state resource depends on (recorded dependencies, transitively), by address without index. */
function priorDependencies(plan: any): (address: string) => Set<string> {
  const direct = new Map<string, string[]>();
  const walk = (module: any) => {
    for (const r of module?.resources ?? []) {
      const bare = r.address.replace(/\[.*\]$/, '');
      direct.set(bare, [...(direct.get(bare) ?? []), ...(r.depends_on ?? [])]);
    }
    for (const child of module?.child_modules ?? []) {
      walk(child);
    }
  };
  walk(plan.prior_state?.values?.root_module);
  return (address) => {
    const seen = new Set<string>();
    const stack = [...(direct.get(address) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop()!.replace(/\[.*\]$/, '');
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(...(direct.get(next) ?? []));
      }
    }
    return seen;
  };
}

function checkVersionsBeforeDefinition(plan: any, all: Instance[], report: Report): void {
  const dependenciesOf = priorDependencies(plan);
  const same = (a: unknown, b: unknown) => known(a) && known(b) && a.toLowerCase() === b.toLowerCase();
  for (const definition of all.filter((i) => i.type === 'azurerm_shared_image' && deletes(i) && i.before)) {
    const d = definition.before;
    const lines = all.filter((l) => !l.standIn && l.destroyTimeProvisioner && l.before && same(l.before.gallery_image, d.name)
      && same(l.before.gallery_name, d.gallery_name) && same(l.before.resource_group_name, d.resource_group_name));
    const definitionAddress = definition.address.replace(/\[.*\]$/, '');
    for (const line of lines) {
      if (!deletes(line)) {
        report('versions-before-definition', definition.label, `deletes the definition while ${line.label}, whose versions it holds, `
          + 'stays: Azure refuses to delete a gallery image definition that still has versions');
      } else if (!dependenciesOf(line.address.replace(/\[.*\]$/, '')).has(definitionAddress)) {
        report('versions-before-definition', line.label, `deletes the versions of ${definition.label} but does not depend on it: `
          + 'Terraform may delete the definition first, which Azure refuses while it still has versions');
      }
    }
  }
}

/** The ForceNew arguments (stand-in trigger keys) whose value a planned change changes, or what else forced a replacement. */
export function replacementCause(change: any, actionReason?: string): string[] {
  const before = change?.before?.triggers_replace ?? {};
  const after = change?.after?.triggers_replace ?? {};
  const unknown = change?.after_unknown?.triggers_replace;
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown && typeof unknown === 'object' ? unknown : {})])];
  const forced = keys.filter((k) => canonical(before[k]) !== canonical(after[k]) || hasUnknown(unknown?.[k])).sort();
  if (forced.length > 0) {
    return forced;
  }
  return [actionReason === 'replace_by_triggers' ? 'lifecycle.replace_triggered_by' : actionReason ?? 'unknown'];
}

function checkScaleSetRollout(plan: any, all: Instance[], report: Report): void {
  const changes = new Map<string, any>((plan.resource_changes ?? []).map((rc: any) => [rc.address, rc]));
  for (const i of all) {
    if (!SCALE_SET_TYPES.has(i.type) || !creates(i) || !deletes(i) || !i.before || !i.after) {
      continue;
    }
    const image = SCALE_SET_IMAGE_ARGUMENTS.filter((k) => canonical(i.before[k]) !== canonical(i.after[k]));
    if (image.length === 0) {
      continue;
    }
    const rc = changes.get(i.address);
    report('scale-set-rollout', i.label, `replaced while its image changes (${image.join(', ')}), forced by `
      + `${replacementCause(rc?.change, rc?.action_reason).join(', ')}: every instance is deleted at once instead of the new `
      + 'image rolling out through the upgrade policy (an in-place update of the scale set)');
  }
}
