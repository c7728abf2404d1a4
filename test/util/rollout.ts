import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { terraform } from './terraform';

/**
 * Plays a deployment change with real Terraform, without Azure: every azurerm resource of a synthesized stack is
 * replaced by a `terraform_data` stand-in with the same `for_each`, `depends_on` and `lifecycle`, whose
 * `triggers_replace` holds the arguments that force a new Azure resource in azurerm 4.x (so Terraform plans the
 * same replacements) and whose `input` holds the name and the links the model below checks. The order in which
 * Terraform then creates and destroys the stand-ins is the order it would use against Azure.
 *
 * A small model of Azure replays that order and reports what Azure would refuse (two resources of a type with the
 * same name in the resource group, a NIC on two VMs, a public IP on two NICs, two NSGs on a NIC, deleting a NIC or
 * public IP still in use) and how many instances serve traffic at every step.
 */

/**
 * Arguments that force a new resource, per azurerm type (azurerm 4.x schema); `*` means every argument. Left out:
 * references to resources without a stand-in (a VM's admin_password, a `random_password` that never changes).
 */
const FORCE_NEW: Record<string, string[]> = {
  // automatic_updates_enabled: "Changing property 'windowsConfiguration.enableAutomaticUpdates' is not allowed"
  // (windows_virtual_machine_resource.go:247 at v4.55.0).
  azurerm_windows_virtual_machine: ['name', 'resource_group_name', 'location', 'computer_name', 'admin_username',
    'source_image_id', 'secure_boot_enabled', 'vtpm_enabled', 'provision_vm_agent', 'automatic_updates_enabled'],
  azurerm_network_interface: ['name', 'resource_group_name', 'location'],
  azurerm_public_ip: ['name', 'resource_group_name', 'location', 'sku'],
  azurerm_network_interface_security_group_association: ['network_interface_id', 'network_security_group_id'],
  azurerm_network_security_group: ['name', 'resource_group_name', 'location'],
  azurerm_image: ['*'],
};

const META_ARGUMENTS = new Set(['for_each', 'count', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection', 'timeouts']);

/** One Azure object as the model sees it. */
export interface AzureObject {
  readonly id: string;
  /** The azurerm type the stand-in plays. */
  readonly type: string;
  /** The for_each key, if any. */
  readonly key?: string;
  /** Azure name ('' for an association). */
  readonly name: string;
  /** Stand-in id of the object this one attaches to: a VM's NIC, a NIC's public IP, an association's NIC. */
  readonly attachedTo?: string;
}

export interface RolloutResult {
  /** What Terraform did, in order: `create VM web0001-1a2b3c`, `destroy NIC nic-web0001-4d5e6f`, `create check`. */
  readonly steps: string[];
  /** What Azure would refuse, in order; empty when Azure accepts every step. */
  readonly violations: string[];
  /** Fewest instances serving at any moment of the change (a VM on a live NIC with its NSG and public IP). */
  readonly minServing: number;
  /** Instances serving before the change. */
  readonly servingBefore: number;
  /** Objects alive at the end, by type. */
  readonly finalNames: Record<string, string[]>;
}

const SHORT: Record<string, string> = {
  azurerm_windows_virtual_machine: 'VM',
  azurerm_network_interface: 'NIC',
  azurerm_public_ip: 'PIP',
  azurerm_network_interface_security_group_association: 'NSG association',
  azurerm_network_security_group: 'NSG',
  azurerm_image: 'image',
};

/**
 * Turns a synthesized stack into a configuration of `terraform_data` only (no provider to download).
 * `slowTypes` get a create-time `sleep 1`, like VMs that take minutes to create: what the graph does not order
 * after them then visibly happens first.
 */
export function standInConfig(stackJson: string, slowTypes: string[] = ['azurerm_windows_virtual_machine']): any {
  const parsed = JSON.parse(stackJson);
  const resources: Record<string, Record<string, any>> = parsed.resource ?? {};
  const standInNames = new Map<string, string>();
  for (const [type, byName] of Object.entries(resources)) {
    if (FORCE_NEW[type]) {
      for (const name of Object.keys(byName)) {
        standInNames.set(`${type}.${name}`, type);
      }
    }
  }
  const rewrite = (value: unknown): any => JSON.parse(JSON.stringify(value)
    .replace(/\b(azurerm_[a-z_]+)\.(\w+)/g, (whole, type, name) => (standInNames.has(`${type}.${name}`) ? `terraform_data.${name}` : whole))
    .replace(/\bval\.(ip_address|private_ip_address)\b/g, 'val.output.$1'));

  const data: Record<string, any> = {};
  for (const [type, byName] of Object.entries(resources)) {
    for (const [name, body] of Object.entries(byName)) {
      if (type === 'terraform_data') {
        // The URL check's provisioner needs the network; its position in the graph is what counts.
        const { provisioner, ...rest } = body;
        data[name] = rewrite(provisioner ? { ...rest, input: 'check' } : rest);
        continue;
      }
      if (!FORCE_NEW[type]) {
        continue;
      }
      const forceNew = FORCE_NEW[type][0] === '*'
        ? Object.fromEntries(Object.entries(body).filter(([k]) => !META_ARGUMENTS.has(k)))
        : Object.fromEntries(FORCE_NEW[type].filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
      const attachedTo = body.network_interface_ids?.[0] ?? body.ip_configuration?.[0]?.public_ip_address_id ?? body.network_interface_id;
      const standIn: Record<string, unknown> = {
        triggers_replace: forceNew,
        input: {
          type,
          name: body.name ?? '',
          attached_to: attachedTo ?? '',
          // What the outputs and the URL check read; new with every name, like a new public IP.
          ip_address: body.name ?? '',
          private_ip_address: body.name ?? '',
        },
      };
      for (const meta of ['for_each', 'depends_on', 'lifecycle']) {
        if (body[meta] !== undefined) {
          standIn[meta] = body[meta];
        }
      }
      if (slowTypes.includes(type)) {
        standIn.provisioner = [{ 'local-exec': { command: 'sleep 1' } }];
      }
      data[name] = rewrite(standIn);
    }
  }
  // Terraform refuses an empty output block: a fleet without outputPrefix has none.
  return { locals: parsed.locals, resource: { terraform_data: data }, ...(parsed.output ? { output: rewrite(parsed.output) } : {}) };
}

/** Applies `before`, then `after` (synthesized stacks), and replays the second apply against the Azure model. */
export function playRollout(before: string, after: string): RolloutResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-rollout-'));
  try {
    const write = (json: string, slowTypes?: string[]) =>
      fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(standInConfig(json, slowTypes), null, 2));
    // Slow VMs only matter in the change: a provisioner added later replaces nothing.
    write(before, []);
    terraform(dir, ['init', '-backend=false']);
    terraform(dir, ['apply', '-auto-approve']);
    const objectsBefore = objectsInState(dir);
    write(after);
    const log = terraform(dir, ['apply', '-auto-approve', '-json']);
    const objectsAfter = objectsInState(dir);
    return replay(log, objectsBefore, objectsAfter);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function objectsInState(dir: string): Map<string, AzureObject> {
  const state = JSON.parse(terraform(dir, ['show', '-json']).replace(/^[^{]*/, ''));
  const objects = new Map<string, AzureObject>();
  for (const r of state.values?.root_module?.resources ?? []) {
    const input = r.values.input;
    objects.set(r.values.id, typeof input === 'object' && input?.type
      ? { id: r.values.id, type: input.type, key: r.index, name: input.name, attachedTo: input.attached_to || undefined }
      : { id: r.values.id, type: r.name.includes('UrlCheck') ? 'check' : 'terraform_data', key: r.index, name: r.name });
  }
  return objects;
}

function replay(log: string, before: Map<string, AzureObject>, after: Map<string, AzureObject>): RolloutResult {
  const known = new Map([...before, ...after]);
  const live = new Map(before);
  const steps: string[] = [];
  const violations: string[] = [];
  const label = (o: AzureObject) => `${SHORT[o.type] ?? o.type} ${o.name || `of ${o.key}`}`;
  const liveOf = (type: string) => [...live.values()].filter((o) => o.type === type);

  const serving = () => new Set(liveOf('azurerm_windows_virtual_machine').filter((vm) => {
    const nic = vm.attachedTo ? live.get(vm.attachedTo) : undefined;
    const nsg = nic && liveOf('azurerm_network_interface_security_group_association').some((a) => a.attachedTo === nic.id);
    const pip = nic && (nic.attachedTo === undefined || live.has(nic.attachedTo));
    return nsg && pip;
  }).map((vm) => vm.key)).size;
  const servingBefore = serving();
  let minServing = servingBefore;

  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    const event = JSON.parse(line);
    const hook = event.hook ?? {};
    if (event.type === 'apply_start' && hook.action === 'delete') {
      const o = known.get(hook.id_value);
      if (!o) {
        throw new Error(`deleted object ${hook.id_value} (${hook.resource?.addr}) is in neither state`);
      }
      for (const user of live.values()) {
        if (user.attachedTo === o.id && user.id !== o.id && user.type !== 'azurerm_network_interface_security_group_association') {
          violations.push(`destroy ${label(o)} while ${label(user)} uses it`);
        }
      }
      live.delete(o.id);
      steps.push(`destroy ${label(o)}`);
    } else if (event.type === 'apply_complete' && hook.action === 'create') {
      const o = known.get(hook.id_value);
      if (!o) {
        throw new Error(`created object ${hook.id_value} (${hook.resource?.addr}) is not in the final state`);
      }
      for (const other of live.values()) {
        if (other.type !== o.type || !FORCE_NEW[o.type]) {
          continue;
        }
        if (o.name !== '' && other.name === o.name) {
          violations.push(`create ${label(o)}: already exists`);
        }
        if (o.attachedTo !== undefined && other.attachedTo === o.attachedTo) {
          violations.push(`create ${label(o)}: ${known.get(o.attachedTo) ? label(known.get(o.attachedTo)!) : o.attachedTo} is already in use by ${label(other)}`);
        }
      }
      live.set(o.id, o);
      steps.push(`create ${label(o)}`);
    } else {
      continue;
    }
    minServing = Math.min(minServing, serving());
  }
  const finalNames: Record<string, string[]> = {};
  for (const o of live.values()) {
    (finalNames[o.type] ??= []).push(o.name);
  }
  for (const names of Object.values(finalNames)) {
    names.sort();
  }
  return { steps, violations, minServing, servingBefore, finalNames };
}
