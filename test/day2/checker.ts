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
 * c. `trusted-launch-image`: no managed image (azurerm_image with `source_virtual_machine_id`, or an operator capture
 *    stage whose input has `source_virtual_machine_id` or a source disk id) from a VM with Secure Boot or vTPM enabled
 *    or security type TrustedLaunch.
 *
 * Unknown values of the plan (names built from values known only after apply) are resolved from the state after the
 * apply of that plan when the caller passes it (`stateAfter`, `terraform show -json` of the state).
 */
import { ARM_ID, OPERATOR_OUTPUT_PREFIX, originalAddress } from './standin';

export type Rule = 'frozen-vm' | 'same-name' | 'trusted-launch-image';

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

const lower = (s: string | undefined) => s?.toLowerCase();
const known = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Lower-cased ARM id of a stand-in's arguments, undefined if unknown or unnamed. */
export function identity(type: string, args: any): string | undefined {
  if (!args || typeof args !== 'object') {
    return undefined;
  }
  if (type === 'terraform_data') {
    return known(args.image_name) && known(args.resource_group_name)
      ? ARM_ID.azurerm_image({ name: args.image_name, resource_group_name: args.resource_group_name }).toLowerCase()
      : undefined;
  }
  const build = ARM_ID[type];
  if (!build || !known(args.name)) {
    return undefined;
  }
  const parents = ['resource_group_name', 'virtual_network_name', 'gallery_name', 'image_name', 'virtual_machine_id']
    .filter((k) => k in args || (k === 'resource_group_name' && type !== 'azurerm_resource_group' && !/extension|run_command/.test(type)));
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
