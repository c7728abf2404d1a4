/**
 * Plays day-2 changes of synthesized stacks with real Terraform, offline: each stack's stand-in configuration
 * (standin.ts) is written to `<root>/stacks/<stack>/cdk.tf.json`, so the stacks' relative local backends
 * (`../<stack>/terraform.tfstate`) and the consumers' `terraform_remote_state` find each other as they would in
 * cdktf.out; then `terraform plan -out`, `terraform show -json` of the saved plan, the checker (checker.ts), and
 * `terraform apply` of exactly that plan. `terraform init` runs once per stack directory; `reset()` forgets the
 * states but keeps the initialized directories for the next scenario.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkPlan, CheckOptions, Violation } from './checker';
import { originalAddress, StandInOptions, standInConfig, StandInResult } from './standin';
import { terraform } from '../util/terraform';

export interface PlanSummary {
  /** Original addresses (`azurerm_x.y["k"]`, `terraform_data.z`), sorted. */
  readonly create: string[];
  readonly replace: string[];
  readonly update: string[];
  readonly delete: string[];
  /** Order of each replacement. */
  readonly replaceOrder: Record<string, 'create-before-destroy' | 'destroy-before-create'>;
}

export interface StepResult {
  readonly stack: string;
  readonly summary: PlanSummary;
  /** Violations of the plan, unknowns resolved from the state after its apply (when applied). */
  readonly violations: Violation[];
  /** `terraform show -json` of the saved plan. */
  readonly plan: any;
  /** `terraform show -json` of the state after the apply (undefined for a plan only). */
  readonly stateAfter?: any;
  /** What `terraform apply` printed (undefined for a plan only): the order in which it created and destroyed. */
  readonly applyLog?: string;
  readonly standIn: StandInResult;
  /** Wall time of write + plan + show (+ apply + state). */
  readonly milliseconds: number;
  /** The clock `plantimestamp()` read. */
  readonly clock: string;
}

export interface DeployOptions extends StandInOptions {
  readonly destroy?: boolean;
  /** Plan only, no apply. */
  readonly planOnly?: boolean;
  readonly check?: Omit<CheckOptions, 'stateAfter'>;
}

const json = (text: string) => JSON.parse(text.slice(text.indexOf('{')));

/** The synthesized stacks of a cdktf output directory (`<outdir>/stacks/<name>/cdk.tf.json`), parsed. */
export function readStacks(outdir: string): Record<string, any> {
  const stacksDir = path.join(outdir, 'stacks');
  return Object.fromEntries(fs.readdirSync(stacksDir).sort()
    .filter((name) => fs.existsSync(path.join(stacksDir, name, 'cdk.tf.json')))
    .map((name) => [name, JSON.parse(fs.readFileSync(path.join(stacksDir, name, 'cdk.tf.json'), 'utf8'))]));
}

/** What the plan creates, replaces, updates and deletes, by original address. */
export function summarize(plan: any): PlanSummary {
  const out = { create: [] as string[], replace: [] as string[], update: [] as string[], delete: [] as string[] };
  const replaceOrder: Record<string, 'create-before-destroy' | 'destroy-before-create'> = {};
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== 'managed') {
      continue;
    }
    const original = originalAddress(rc.address);
    if (original?.computed) {
      continue;
    }
    const address = original?.address ?? rc.address;
    const actions: string[] = rc.change.actions;
    if (actions.length === 2) {
      out.replace.push(address);
      replaceOrder[address] = actions[0] === 'create' ? 'create-before-destroy' : 'destroy-before-create';
    } else if (actions[0] === 'create') {
      out.create.push(address);
    } else if (actions[0] === 'update') {
      out.update.push(address);
    } else if (actions[0] === 'delete') {
      out.delete.push(address);
    }
  }
  for (const list of Object.values(out)) {
    list.sort();
  }
  return { ...out, replaceOrder };
}

export class Day2Harness {
  private readonly initialized = new Set<string>();
  private plans = 0;
  private rootDir?: string;

  /** `root`: the directory that holds `stacks/<name>/`; a new temporary directory (made on first use) by default. */
  constructor(root?: string) {
    this.rootDir = root;
  }

  get root(): string {
    this.rootDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'day2-'));
    return this.rootDir;
  }

  stackDir(stack: string): string {
    return path.join(this.root, 'stacks', stack);
  }

  /** The clock of the next plan: a new day for each plan (rebuilds are days apart). */
  private nextClock(): string {
    const day = new Date(Date.UTC(2026, 0, 1 + this.plans++));
    return day.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Writes the stand-in of `stackJson`, plans (and, unless planOnly, applies) it; returns what the plan does. */
  deploy(stack: string, stackJson: any, options: DeployOptions = {}): StepResult {
    const started = Date.now();
    const clock = options.clock ?? this.nextClock();
    const standIn = standInConfig(stackJson, { ...options, clock });
    const dir = this.stackDir(stack);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(standIn.config, null, 2));
    if (!this.initialized.has(stack)) {
      terraform(dir, ['init', '-input=false']);
      this.initialized.add(stack);
    }
    terraform(dir, ['plan', '-input=false', '-out=day2.tfplan', ...(options.destroy ? ['-destroy'] : [])]);
    const plan = json(terraform(dir, ['show', '-json', 'day2.tfplan']));
    let stateAfter: any;
    let applyLog: string | undefined;
    if (!options.planOnly) {
      applyLog = terraform(dir, ['apply', '-input=false', 'day2.tfplan']);
      stateAfter = json(terraform(dir, ['show', '-json']));
    }
    const destroyTimeSteps = standIn.operatorSteps.filter((s) => s.destroyTime).map((s) => s.address);
    const violations = checkPlan(plan, { destroyTimeSteps, ...options.check, stateAfter });
    return { stack, summary: summarize(plan), violations, plan, stateAfter, applyLog, standIn, milliseconds: Date.now() - started, clock };
  }

  /** Plans and applies the destruction of a stack (its last configuration stays). */
  destroy(stack: string, stackJson: any, options: DeployOptions = {}): StepResult {
    return this.deploy(stack, stackJson, { ...options, destroy: true });
  }

  /** Resources in a stack's state (stand-in addresses). */
  stateAddresses(stack: string): string[] {
    const state = json(terraform(this.stackDir(stack), ['show', '-json']));
    return (state.values?.root_module?.resources ?? []).map((r: any) => r.address);
  }

  /** The states of every stack, to restore later (a deployed baseline shared by scenarios). */
  snapshot(): Record<string, string | undefined> {
    return Object.fromEntries([...this.initialized].map((stack) => {
      const file = path.join(this.stackDir(stack), 'terraform.tfstate');
      return [stack, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined];
    }));
  }

  /** Puts back the states of a snapshot (stacks not in it are forgotten). */
  restore(snapshot: Record<string, string | undefined>): void {
    this.reset();
    for (const [stack, state] of Object.entries(snapshot)) {
      if (state !== undefined) {
        fs.writeFileSync(path.join(this.stackDir(stack), 'terraform.tfstate'), state);
      }
    }
  }

  /** Forgets every state (a new scenario), keeping the initialized directories. */
  reset(): void {
    for (const stack of this.initialized) {
      for (const file of ['terraform.tfstate', 'terraform.tfstate.backup', 'day2.tfplan']) {
        fs.rmSync(path.join(this.stackDir(stack), file), { force: true });
      }
    }
  }

  dispose(): void {
    if (this.rootDir) {
      fs.rmSync(this.rootDir, { recursive: true, force: true });
    }
  }
}
