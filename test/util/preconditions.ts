/**
 * Real Terraform (provider-free) evaluates synthesized preconditions against many values of the variable they read:
 * the tier that proves a plan-time check fails `terraform plan` with the synth-time message for a bad value, and
 * passes a good one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PreconditionJson } from './security-builders';
import { terraform } from './terraform';

export interface PlannedCases {
  /** Per value, the error messages of the checks that failed (none when all held). */
  readonly messages: string[][];
  /** Terraform's whole output. */
  readonly output: string;
}

/** A variable the preconditions read: its Terraform type, and whether it is sensitive like the original. */
export interface CaseVariable {
  readonly type: 'string' | 'number';
  readonly sensitive?: boolean;
}

/**
 * Plans, with real Terraform, one provider-free `terraform_data` per value, each carrying the synthesized
 * preconditions with `var.<variable>` replaced by its own variable (sensitive like the original) set to the value.
 * Returns, per value, the error messages of the checks that failed (none when all held) and Terraform's whole output.
 */
export function planCases(preconditions: PreconditionJson[], variableName: string, sensitive: boolean, values: unknown[],
  type: 'string' | 'number' = 'string'): PlannedCases {
  return planCasesOf(preconditions, { [variableName]: { type, sensitive } }, values.map((value) => ({ [variableName]: value })));
}

/**
 * `planCases` for preconditions that read several variables: each case gives every one of them a value, and each
 * `terraform_data` reads its own copies of them.
 */
export function planCasesOf(preconditions: PreconditionJson[], variables: Record<string, CaseVariable>,
  cases: Array<Record<string, unknown>>): PlannedCases {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precondition-'));
  try {
    const names = Object.keys(variables);
    const caseOf = (i: number) => (text: string) => names.reduce(
      (result, name) => result.replace(new RegExp(`\\bvar\\.${name}\\b`, 'g'), `var.case_${i}_${name}`), text);
    const config = {
      variable: Object.fromEntries(cases.flatMap((_, i) => names.map((name) => [`case_${i}_${name}`,
        { type: variables[name].type, sensitive: variables[name].sensitive ?? false }]))),
      resource: {
        terraform_data: Object.fromEntries(cases.map((_, i) => [`case_${i}`, {
          lifecycle: { precondition: preconditions.map((p) => ({ condition: caseOf(i)(p.condition), error_message: caseOf(i)(p.error_message) })) },
        }])),
      },
    };
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config, null, 1));
    fs.writeFileSync(path.join(dir, 'cases.tfvars.json'),
      JSON.stringify(Object.fromEntries(cases.flatMap((values, i) => names.map((name) => [`case_${i}_${name}`, values[name]])))));
    terraform(dir, ['init', '-backend=false']);
    let output: string;
    try {
      output = terraform(dir, ['plan', '-var-file=cases.tfvars.json']);
    } catch (e) {
      output = (e as Error).message;
    }
    const messages: string[][] = cases.map(() => []);
    for (const { resource, message } of failedPreconditions(output)) {
      const where = /^terraform_data\.case_(\d+)$/.exec(resource);
      expect({ resource, where: where !== null }).toEqual({ resource, where: true });
      messages[Number(where![1])].push(message);
    }
    return { messages, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A failed precondition as `terraform plan` (or apply) reports it: the resource and the error message. */
export interface FailedPrecondition {
  /** `type.name`, without the index of a `for_each` or `count`. */
  readonly resource: string;
  readonly message: string;
}

/**
 * Every error diagnostic of Terraform's output, each of which must be a failed precondition: its resource, and its
 * message (the diagnostic's last paragraph, which Terraform wraps at word boundaries, joined again).
 */
export function failedPreconditions(output: string): FailedPrecondition[] {
  return output.split(/^Error: /m).slice(1).map((diagnostic) => {
    const where = /in resource "([^"]+)" "([^"]+)"|resource\.([\w-]+)\.([\w-]+)\.lifecycle\.precondition\[\d+\]/.exec(diagnostic);
    expect({ diagnostic, precondition: /^Resource precondition failed/.test(diagnostic) && where !== null }).toEqual({ diagnostic, precondition: true });
    const resource = where![1] !== undefined ? `${where![1]}.${where![2]}` : `${where![3]}.${where![4]}`;
    return { resource, message: diagnostic.trim().split(/\n\n/).pop()!.trim().replace(/\s*\n\s*/g, ' ') };
  });
}
