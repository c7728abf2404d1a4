/**
 * A synthesized cdktf stack (cdk.tf.json, parsed) as a stand-in configuration that real Terraform plans and applies
 * without any provider download (DESIGN.md, "Testing what cannot reach Azure", item 8).
 *
 * Every provider resource `<type>.<name>` (azurerm_*, random_*, ...) becomes two `terraform_data` resources:
 * - `terraform_data.<type>__<name>` (the "main" stand-in): `input` = its arguments, `triggers_replace` = the arguments
 *   that force a new resource in the provider version we use (force-new.ts), and its own `for_each`/`count`,
 *   `depends_on`, `lifecycle`. A change of an argument is therefore an update, a change of a ForceNew argument a
 *   replacement, exactly as the provider would plan it.
 * - `terraform_data.<type>__<name>__computed`: `input` = the attributes Azure computes (`id` as the deterministic ARM
 *   id built from subscription 00000000-..., resource group and NAME, so two resources with the same name get the same
 *   id; private/public IPs; a random_password's `result`, ...). It is replaced whenever the main stand-in is (its
 *   `replace_triggered_by` is the main stand-in's `id`, which changes only on replacement), so its `output` is unknown
 *   in a plan exactly when the provider's computed attributes are: on create and replace, not on an in-place update.
 *
 * References are rewritten: an argument `azurerm_x.y.name` reads `terraform_data.azurerm_x__y.input.name` (known at
 * plan time, like a configured value), a computed attribute `azurerm_x.y.id` reads
 * `terraform_data.azurerm_x__y__computed.output.id`. A whole multi-instance resource (`for k, v in azurerm_x.y: ...`)
 * becomes `{ for k, v in terraform_data.azurerm_x__y : k => merge(v.input, <computed>[k].output) }`. A VM's
 * `os_disk[0].id` gets a per-creation suffix (Azure names an OS disk `<vm>_OsDisk_1_<32 hex>`): the computed stand-in's
 * own random `id`.
 *
 * Approximations (documented for the reviewer):
 * - `lifecycle.ignore_changes = all` maps to `all` on both stand-ins. A list of attributes cannot be mapped
 *   (Terraform cannot ignore a key inside `input`): those arguments are left out of `input` and `triggers_replace`
 *   entirely, so their changes never update or replace anything (same plan), but their values are not carried.
 * - `postcondition` blocks are dropped (they read computed attributes through `self`); `precondition` blocks stay.
 * - Object-valued arguments are blocks (normalized to one-element lists in `input`), except the map arguments in
 *   MAP_ARGUMENTS.
 * - Conditional ForceNew rules (CONDITIONAL_FORCE_NEW) are not modelled.
 * - `data.<provider type>` sources become `local.standin_data__<type>__<name>`: their arguments plus the values the
 *   scenario supplies (`dataValues`).
 * - `plantimestamp()` and `timestamp()` read a clock the caller sets (`clock`), so each plan of a scenario can be a
 *   different day, like real rebuilds.
 * - Provisioners are dropped; `terraform_data` resources already in the stack (the operator stages) stay as they are
 *   otherwise, and the `environment` and `input` of each local-exec operator stage are recorded as outputs
 *   `standin_operator__<name>` (the checker reads which VM a stage generalizes from them).
 */
import { FORCE_NEW } from './force-new';

export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
const SUBSCRIPTION = `/subscriptions/${SUBSCRIPTION_ID}`;

/** Object-valued arguments that are maps, not blocks. */
const MAP_ARGUMENTS = new Set(['tags', 'keepers', 'metadata', 'labels', 'triggers']);
const META_ARGUMENTS = new Set(['//', 'for_each', 'count', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection', 'timeouts']);
const COMPUTED_SUFFIX = '__computed';
export const OPERATOR_OUTPUT_PREFIX = 'standin_operator__';

/** Whether a resource type is a provider's (and gets a stand-in) rather than Terraform's own. */
export function isProviderType(type: string): boolean {
  return /^(azurerm|random|azuread|azapi|time|tls|null)_/.test(type) && type !== 'terraform_data';
}

type Args = Record<string, any>;
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
const groupId = (a: Args) => `${SUBSCRIPTION}/resourceGroups/${str(a.resource_group_name)}`;
const armId = (a: Args, namespace: string, collection: string, name: unknown = a.name) =>
  `${groupId(a)}/providers/${namespace}/${collection}/${str(name)}`;

/**
 * ARM id of a resource from its arguments, as Azure builds it. Works on concrete values (the checker) and on
 * Terraform template strings (the stand-in's computed `id`). `undefined` for types without an own Azure name.
 */
export const ARM_ID: Record<string, (a: Args) => string> = {
  azurerm_resource_group: (a) => `${SUBSCRIPTION}/resourceGroups/${str(a.name)}`,
  azurerm_virtual_network: (a) => armId(a, 'Microsoft.Network', 'virtualNetworks'),
  azurerm_subnet: (a) => `${armId(a, 'Microsoft.Network', 'virtualNetworks', a.virtual_network_name)}/subnets/${str(a.name)}`,
  azurerm_network_security_group: (a) => armId(a, 'Microsoft.Network', 'networkSecurityGroups'),
  azurerm_network_interface: (a) => armId(a, 'Microsoft.Network', 'networkInterfaces'),
  azurerm_public_ip: (a) => armId(a, 'Microsoft.Network', 'publicIPAddresses'),
  azurerm_windows_virtual_machine: (a) => armId(a, 'Microsoft.Compute', 'virtualMachines'),
  azurerm_linux_virtual_machine: (a) => armId(a, 'Microsoft.Compute', 'virtualMachines'),
  azurerm_virtual_machine_extension: (a) => `${str(a.virtual_machine_id)}/extensions/${str(a.name)}`,
  azurerm_virtual_machine_run_command: (a) => `${str(a.virtual_machine_id)}/runCommands/${str(a.name)}`,
  azurerm_image: (a) => armId(a, 'Microsoft.Compute', 'images'),
  azurerm_managed_disk: (a) => armId(a, 'Microsoft.Compute', 'disks'),
  azurerm_shared_image_gallery: (a) => armId(a, 'Microsoft.Compute', 'galleries'),
  azurerm_shared_image: (a) => `${armId(a, 'Microsoft.Compute', 'galleries', a.gallery_name)}/images/${str(a.name)}`,
  azurerm_shared_image_version: (a) =>
    `${armId(a, 'Microsoft.Compute', 'galleries', a.gallery_name)}/images/${str(a.image_name)}/versions/${str(a.name)}`,
  azurerm_windows_virtual_machine_scale_set: (a) => armId(a, 'Microsoft.Compute', 'virtualMachineScaleSets'),
  azurerm_lb: (a) => armId(a, 'Microsoft.Network', 'loadBalancers'),
  // Load balancer children: named under their load balancer (loadbalancer_id), as Azure ids them.
  azurerm_lb_backend_address_pool: (a) => `${str(a.loadbalancer_id)}/backendAddressPools/${str(a.name)}`,
  azurerm_lb_probe: (a) => `${str(a.loadbalancer_id)}/probes/${str(a.name)}`,
  azurerm_lb_rule: (a) => `${str(a.loadbalancer_id)}/loadBalancingRules/${str(a.name)}`,
  azurerm_lb_outbound_rule: (a) => `${str(a.loadbalancer_id)}/outboundRules/${str(a.name)}`,
};

/** Association resources: their azurerm ids (no Azure name of their own). */
const ASSOCIATION_ID: Record<string, (a: Args) => string> = {
  azurerm_subnet_network_security_group_association: (a) => str(a.subnet_id),
  azurerm_network_interface_security_group_association: (a) => `${str(a.network_interface_id)}|${str(a.network_security_group_id)}`,
};

/** A Terraform expression (inside `${}`) for a deterministic IPv4 address in `cidr` from a template string. */
const addressIn = (cidr: string, seed: string, hexDigits: number) =>
  `\${cidrhost("${cidr}", parseint(substr(sha1("${seed.replace(/"/g, '\\"')}"), 0, ${hexDigits}), 16))}`;

/** Computed attributes Azure returns, per type, from the (template) arguments and the ARM id. */
const COMPUTED: Record<string, (a: Args, id: string) => Args> = {
  azurerm_windows_virtual_machine: vmComputed,
  azurerm_linux_virtual_machine: vmComputed,
  azurerm_network_interface: (_a, id) => {
    const ip = addressIn('10.0.0.0/8', id, 6);
    return { private_ip_address: ip, private_ip_addresses: [ip], mac_address: '00-0D-3A-00-00-00', applied_dns_servers: [] };
  },
  azurerm_public_ip: (_a, id) => ({ ip_address: addressIn('198.18.0.0/15', id, 4), fqdn: '' }),
  azurerm_virtual_network: () => ({ guid: '00000000-0000-0000-0000-00000000cafe' }),
  random_password: () => ({ result: 'Stand-in-Passw0rd!', bcrypt_hash: '$2a$10$standin' }),
};

function vmComputed(a: Args, id: string): Args {
  const ip = addressIn('10.0.0.0/8', id, 6);
  return {
    private_ip_address: ip,
    private_ip_addresses: [ip],
    public_ip_address: '',
    public_ip_addresses: [],
    virtual_machine_id: '00000000-0000-0000-0000-0000000000vm',
    // The per-creation suffix is added where the id is read (see rewriteReference).
    os_disk: [{ id: `${groupId(a)}/providers/Microsoft.Compute/disks/${str(a.name)}_OsDisk_1_` }],
  };
}

/** Attributes that are computed, not arguments, for every type. */
const ALWAYS_COMPUTED = new Set(['id']);

export interface StandInOptions {
  /**
   * Values of provider data sources, by type (`azurerm_platform_image`) or by address (`azurerm_platform_image.x`),
   * e.g. `{ azurerm_platform_image: { version: '20348.2700.240905' } }`.
   */
  readonly dataValues?: Record<string, Record<string, unknown>>;
  /** RFC 3339 time that `plantimestamp()` and `timestamp()` return. */
  readonly clock?: string;
}

/** A terraform_data resource of the stack with a local-exec provisioner (an operator stage). */
export interface OperatorStep {
  readonly address: string;
  readonly environment: Record<string, unknown>;
  readonly input?: unknown;
  /** Name of the output that records the stage's resolved environment and input. */
  readonly output?: string;
  readonly destroyTime: boolean;
}

export interface StandInResult {
  readonly config: any;
  /** Original address (`azurerm_x.y`) of every main stand-in (`terraform_data.azurerm_x__y`). */
  readonly standIns: Record<string, string>;
  readonly operatorSteps: OperatorStep[];
}

interface Target {
  readonly type: string;
  readonly name: string;
  readonly body: Args;
  readonly multi?: 'for_each' | 'count';
  readonly main: string;
  readonly computed: string;
}

/** `terraform_data.<type>__<name>` for a provider resource. */
export function standInAddress(type: string, name: string): string {
  return `terraform_data.${type}__${name}`;
}

/**
 * The original address of a stand-in address (`terraform_data.azurerm_x__y["k"]` -> `azurerm_x.y["k"]`), with
 * `computed` true for the hidden computed-attribute stand-ins; undefined for other terraform_data resources.
 */
export function originalAddress(address: string): { address: string; type: string; computed: boolean } | undefined {
  const m = /^terraform_data\.([a-z0-9]+(?:_[a-z0-9]+)*)__(.+?)(__computed)?(\[.*\])?$/.exec(address);
  if (!m || !isProviderType(m[1])) {
    return undefined;
  }
  return { address: `${m[1]}.${m[2]}${m[4] ?? ''}`, type: m[1], computed: m[3] !== undefined };
}

/** Values of `path` (force-new.ts syntax) in the arguments; undefined when absent. */
export function pick(args: Args, path: string): unknown {
  const [head, ...rest] = path.split('.');
  const value = args[head];
  if (rest.length === 0) {
    return value;
  }
  if (value === undefined || value === null) {
    return undefined;
  }
  const items: any[] = Array.isArray(value) ? value : [value];
  if (rest[0] === '#') {
    return items.length;
  }
  if (rest[0] === '*') {
    return items;
  }
  const inner = items.map((item) => (item && typeof item === 'object' ? pick(item, rest.join('.')) : undefined));
  return inner.every((v) => v === undefined) ? undefined : inner;
}

function cloneWithout(obj: Args, drop: Set<string>): Args {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !drop.has(k)));
}

function normalizeBlocks(args: Args): Args {
  const out: Args = {};
  for (const [k, v] of Object.entries(args)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && !MAP_ARGUMENTS.has(k)) {
      out[k] = [stripComments(v)];
    } else {
      out[k] = stripComments(v);
    }
  }
  return out;
}

function stripComments(v: any): any {
  if (Array.isArray(v)) {
    return v.map(stripComments);
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '//').map(([k, x]) => [k, stripComments(x)]));
  }
  return v;
}

/** Finds the index of the bracket closing the one at `open`. */
function closingBracket(s: string, open: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        quoted = false;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      depth--;
      if (depth === 0) {
        return i;
      }
    }
  }
  return -1;
}

const REFERENCE = /(?<![\w.\-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]*)\.([A-Za-z_][\w-]*)/g;

class Rewriter {
  constructor(
    private readonly targets: Map<string, Target>,
    private readonly dataSources: Set<string>,
    private readonly clock?: string,
  ) {}

  /** Rewrites a value (strings inside are expressions or templates). */
  value(v: any): any {
    if (typeof v === 'string') {
      return this.string(v, 'expression');
    }
    if (Array.isArray(v)) {
      return v.map((x) => this.value(x));
    }
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x)]));
    }
    return v;
  }

  /** Rewrites a `depends_on` / `replace_triggered_by` entry (a bare address, maybe with an index and attribute). */
  address(v: string, kind: 'depends_on' | 'replace_triggered_by'): string {
    return this.string(v, kind);
  }

  private string(s: string, mode: 'expression' | 'depends_on' | 'replace_triggered_by'): string {
    let out = '';
    let last = 0;
    REFERENCE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = REFERENCE.exec(s)) !== null) {
      const [whole, data, type, name] = m;
      const key = `${type}.${name}`;
      if (data) {
        if (this.dataSources.has(key)) {
          out += s.slice(last, m.index) + `local.standin_data__${type}__${name}`;
          last = m.index + whole.length;
        }
        continue;
      }
      const target = this.targets.get(key);
      if (!target) {
        continue;
      }
      let end = m.index + whole.length;
      let index = '';
      if (s[end] === '[') {
        const close = closingBracket(s, end);
        if (close > 0) {
          index = s.slice(end, close + 1);
          end = close + 1;
        }
      }
      const attribute = /^\.([A-Za-z_][\w-]*)/.exec(s.slice(end))?.[1];
      let replacement: string;
      if (mode === 'depends_on') {
        replacement = target.main + index;
      } else if (mode === 'replace_triggered_by') {
        if (attribute === undefined) {
          replacement = target.main + index;
        } else if (attribute === 'id') {
          replacement = `${target.main}${index}.id`;
          end += '.id'.length;
        } else {
          replacement = this.isComputed(target, attribute) ? `${target.computed}${index}.output` : `${target.main}${index}.input`;
        }
      } else if (!index && target.multi) {
        replacement = target.multi === 'for_each'
          ? `{ for k, v in ${target.main} : k => merge(v.input, ${target.computed}[k].output) }`
          : `[ for i, v in ${target.main} : merge(v.input, ${target.computed}[i].output) ]`;
      } else if (attribute === undefined) {
        replacement = `merge(${target.main}${index}.input, ${target.computed}${index}.output)`;
      } else if (/^(azurerm_(windows|linux)_virtual_machine)$/.test(type) && s.slice(end).startsWith('.os_disk[0].id')) {
        replacement = `format("%s%s", ${target.computed}${index}.output.os_disk[0].id, replace(${target.computed}${index}.id, "-", ""))`;
        end += '.os_disk[0].id'.length;
      } else {
        replacement = this.isComputed(target, attribute) ? `${target.computed}${index}.output` : `${target.main}${index}.input`;
      }
      out += s.slice(last, m.index) + replacement;
      last = end;
      REFERENCE.lastIndex = end;
    }
    out += s.slice(last);
    if (this.clock !== undefined && mode === 'expression') {
      out = out.replace(/\b(plantimestamp|timestamp)\(\s*\)/g, `"${this.clock}"`);
    }
    return out;
  }

  private isComputed(target: Target, attribute: string): boolean {
    return ALWAYS_COMPUTED.has(attribute) || target.body[attribute] === undefined;
  }
}

/** Transforms one parsed cdk.tf.json into its stand-in configuration. */
export function standInConfig(stack: any, options: StandInOptions = {}): StandInResult {
  if (stack.module) {
    throw new Error('modules are not supported by the stand-in transform');
  }
  const resources: Record<string, Record<string, Args>> = stack.resource ?? {};
  const targets = new Map<string, Target>();
  for (const [type, byName] of Object.entries(resources)) {
    if (!isProviderType(type)) {
      continue;
    }
    for (const [name, body] of Object.entries(byName)) {
      const main = standInAddress(type, name);
      targets.set(`${type}.${name}`, {
        type,
        name,
        body,
        main,
        computed: main + COMPUTED_SUFFIX,
        multi: body.for_each !== undefined ? 'for_each' : body.count !== undefined ? 'count' : undefined,
      });
    }
  }
  const dataSources = new Set<string>();
  for (const [type, byName] of Object.entries(stack.data ?? {})) {
    if (type !== 'terraform_remote_state') {
      for (const name of Object.keys(byName as object)) {
        dataSources.add(`${type}.${name}`);
      }
    }
  }
  const rw = new Rewriter(targets, dataSources, options.clock);

  const terraformData: Record<string, Args> = {};
  const standIns: Record<string, string> = {};
  const operatorSteps: OperatorStep[] = [];
  const outputs: Record<string, Args> = {};

  for (const target of targets.values()) {
    const { type, name, body } = target;
    const lifecycle: Args = body.lifecycle ?? {};
    const ignore = lifecycle.ignore_changes;
    const ignoreAll = ignore === 'all' || (Array.isArray(ignore) && ignore.includes('all'));
    const ignored = new Set<string>(Array.isArray(ignore) && !ignoreAll ? ignore.map((a: string) => a.replace(/[.[].*$/, '')) : []);
    const args = cloneWithout(body, new Set([...META_ARGUMENTS, ...ignored]));
    const triggers: Args = {};
    for (const path of FORCE_NEW[type] ?? []) {
      const v = pick(args, path);
      if (v !== undefined && !ignored.has(path.split('.')[0])) {
        triggers[path] = stripComments(v);
      }
    }
    if (!FORCE_NEW[type]) {
      throw new Error(`no ForceNew table for ${type}: add it to force-new.ts (with its source citation)`);
    }
    const mainName = target.main.slice('terraform_data.'.length);
    const main: Args = { '//': body['//'], 'input': rw.value(normalizeBlocks(args)) };
    if (Object.keys(triggers).length > 0) {
      main.triggers_replace = rw.value(triggers);
    }
    const iteration: Args = {};
    if (body.for_each !== undefined) {
      iteration.for_each = rw.value(body.for_each);
    }
    if (body.count !== undefined) {
      iteration.count = rw.value(body.count);
    }
    Object.assign(main, iteration);
    if (body.depends_on) {
      main.depends_on = body.depends_on.map((d: string) => rw.address(d, 'depends_on'));
    }
    const mainLifecycle: Args = {};
    if (lifecycle.create_before_destroy !== undefined) {
      mainLifecycle.create_before_destroy = lifecycle.create_before_destroy;
    }
    if (lifecycle.prevent_destroy !== undefined) {
      mainLifecycle.prevent_destroy = lifecycle.prevent_destroy;
    }
    if (ignoreAll) {
      mainLifecycle.ignore_changes = 'all';
    }
    if (lifecycle.replace_triggered_by) {
      mainLifecycle.replace_triggered_by = lifecycle.replace_triggered_by.map((r: string) => rw.address(r, 'replace_triggered_by'));
    }
    if (lifecycle.precondition) {
      mainLifecycle.precondition = rw.value(lifecycle.precondition);
    }
    if (Object.keys(mainLifecycle).length > 0) {
      main.lifecycle = mainLifecycle;
    }
    terraformData[mainName] = main;
    standIns[target.main] = `${type}.${name}`;

    // The computed attributes, from the same (rewritten) arguments.
    const templateArgs = rw.value(stripComments(args));
    const id = ARM_ID[type]?.(templateArgs) ?? ASSOCIATION_ID[type]?.(templateArgs) ?? (type.startsWith('random_') ? 'none' : `${type}/${name}`);
    const computedInput = { id, ...(COMPUTED[type]?.(templateArgs, id) ?? {}) };
    const instance = target.multi === 'for_each' ? '[each.key]' : target.multi === 'count' ? '[count.index]' : '';
    terraformData[mainName + COMPUTED_SUFFIX] = {
      ...iteration,
      input: computedInput,
      depends_on: [target.main],
      lifecycle: {
        replace_triggered_by: [`${target.main}${instance}.id`],
        ...(lifecycle.create_before_destroy !== undefined ? { create_before_destroy: lifecycle.create_before_destroy } : {}),
        ...(ignoreAll ? { ignore_changes: 'all' } : {}),
      },
    };
  }

  for (const [name, body] of Object.entries(resources.terraform_data ?? {})) {
    if (targets.has(`terraform_data.${name}`) || terraformData[name]) {
      throw new Error(`terraform_data.${name} collides with a stand-in name`);
    }
    const { provisioner, connection, depends_on: dependsOn, lifecycle, ...rest } = body;
    const copy: Args = rw.value(rest);
    if (dependsOn) {
      copy.depends_on = dependsOn.map((d: string) => rw.address(d, 'depends_on'));
    }
    if (lifecycle) {
      const { replace_triggered_by: rtb, postcondition, ...other } = lifecycle;
      copy.lifecycle = rw.value(other);
      if (rtb) {
        copy.lifecycle.replace_triggered_by = rtb.map((r: string) => rw.address(r, 'replace_triggered_by'));
      }
    }
    terraformData[name] = copy;
    for (const p of provisioner ?? []) {
      const localExec = p['local-exec'];
      if (!localExec) {
        continue;
      }
      const single = body.for_each === undefined && body.count === undefined;
      const output = single ? `${OPERATOR_OUTPUT_PREFIX}${name}` : undefined;
      if (output) {
        outputs[output] = {
          sensitive: true,
          // A provisioner's `self` is the stage itself.
          value: {
            environment: JSON.parse(JSON.stringify(rw.value(localExec.environment ?? {}))
              .replace(/(?<![\w.])self\./g, `terraform_data.${name}.`)),
            input: `\${terraform_data.${name}.input}`,
          },
        };
      }
      operatorSteps.push({
        address: `terraform_data.${name}`,
        environment: localExec.environment ?? {},
        input: body.input,
        output,
        destroyTime: localExec.when === 'destroy' || p.when === 'destroy',
      });
    }
  }

  const locals: Args = rw.value(stack.locals ?? {});
  for (const key of dataSources) {
    const [type, name] = key.split('.');
    const args = cloneWithout(stack.data[type][name], META_ARGUMENTS);
    locals[`standin_data__${type}__${name}`] = {
      ...rw.value(stripComments(args)),
      id: `standin-data/${type}/${name}`,
      ...(options.dataValues?.[type] ?? {}),
      ...(options.dataValues?.[key] ?? {}),
    };
  }

  const config: Args = {};
  const backendPath = stack.terraform?.backend?.local?.path ?? 'terraform.tfstate';
  config.terraform = { backend: { local: { path: backendPath } } };
  if (Object.keys(locals).length > 0) {
    config.locals = locals;
  }
  if (stack.variable) {
    config.variable = stack.variable;
  }
  const remoteState = stack.data?.terraform_remote_state;
  if (remoteState) {
    config.data = { terraform_remote_state: rw.value(remoteState) };
  }
  config.resource = { terraform_data: terraformData };
  const allOutputs = { ...rw.value(stack.output ?? {}), ...outputs };
  if (Object.keys(allOutputs).length > 0) {
    config.output = allOutputs;
  }
  return { config, standIns, operatorSteps };
}
