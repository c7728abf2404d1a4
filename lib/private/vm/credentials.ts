import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import {
  DefaultTokenResolver, Fn, Op, Precondition, StringConcat, TerraformLocal, TerraformStack, TerraformVariable, Tokenization,
} from 'cdktf';
import { Construct } from 'constructs';
import { planTimeCheck } from '../validation/plan-checks';
import { isUnresolved, PropsValidator } from '../validation/props-validator';

const RANDOM_PROVIDER_ID = 'random';

/** The stack's random provider: the user's own if declared, else one added once at stack level. */
function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.findAll().some((c) => c instanceof RandomProvider);
  if (!existing) {
    new RandomProvider(stack, RANDOM_PROVIDER_ID);
  }
}

/** What messages show instead of a secret. */
const REDACTED = '<redacted>';

/** An administrator password, and what Terraform must check of it. */
export interface AdminPassword {
  /** The given token, or the generated password's result. */
  readonly value: string;
  /** For the resource that uses the password: Azure's rules, checked at plan time, for a given password. */
  readonly preconditions: Precondition[];
}

/**
 * A Windows administrator password: the given one, which must be a token (a sensitive variable without default, or a
 * Key Vault secret) so it never appears in plain text in cdk.tf.json or in Terraform's output, or a generated one
 * held only in state.
 */
export function adminPassword(scope: Construct, id: string, v: PropsValidator, given: string | undefined): AdminPassword {
  if (given !== undefined) {
    if (!isUnresolved(given)) {
      v.fail('adminPassword', REDACTED, 'is a literal string, which would be written in plain text to cdk.tf.json',
        'omit it to generate one, or pass a token: a sensitive TerraformVariable\'s value or a Key Vault secret\'s value');
      return { value: given, preconditions: [] };
    }
    checkSecretVariables(scope, v, 'adminPassword', given);
    return { value: given, preconditions: [windowsPasswordCheck(v, 'adminPassword', given)] };
  }
  ensureRandomProvider(scope);
  // 24 characters from all four classes satisfy Azure's Windows password rules (12-123 characters, 3 of 4 classes).
  const password = new Password(scope, id, {
    length: 24,
    minLower: 2,
    minUpper: 2,
    minNumeric: 2,
    minSpecial: 2,
    overrideSpecial: '!#%*()-_=+[]{}:?',
  });
  return { value: password.result, preconditions: [] };
}

/**
 * Refuses a secret token that comes from a TerraformVariable of the stack (directly, or through locals) that is not
 * sensitive (Terraform would print the secret in plans) or has a default (cdktf would write it to cdk.tf.json).
 */
export function checkSecretVariables(scope: Construct, v: PropsValidator, prop: string, secret: string): void {
  let variables: SynthesizedVariable[];
  try {
    variables = variablesBehind(TerraformStack.of(scope), secret);
  } catch (e) {
    // cdktf's resolution error goes on with the token's creation stack: only its first line is for the user.
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    v.fail(prop, REDACTED, `cannot be resolved at synth time (${reason})`,
      'pass a token Terraform can resolve: a sensitive TerraformVariable\'s value or a Key Vault secret\'s value');
    return;
  }
  for (const variable of variables) {
    if (variable.config.sensitive !== true) {
      v.fail(prop, REDACTED, `comes from TerraformVariable '${variable.name}', which is not sensitive: Terraform would show the secret in plans`,
        `declare it with sensitive: true, e.g. new TerraformVariable(this, '${variable.name}', { type: 'string', sensitive: true })`);
    }
    if (variable.config.default !== undefined && variable.config.default !== null) {
      v.fail(prop, REDACTED, `comes from TerraformVariable '${variable.name}', whose default would be written in plain text to cdk.tf.json`,
        `remove the default and give the value when deploying (environment variable TF_VAR_${variable.name}, or -var on the Terraform command line)`);
    }
  }
}

interface SynthesizedVariable {
  readonly name: string;
  /** The variable's block as cdk.tf.json will hold it. */
  readonly config: { readonly sensitive?: boolean; readonly default?: unknown };
}

/** The stack's variables whose `var.<name>` the token's expression (or a local it reads, at any depth) mentions. */
function variablesBehind(stack: TerraformStack, token: string): SynthesizedVariable[] {
  // Not preparing: no cross-stack reference is registered by this look.
  const resolver = new DefaultTokenResolver(new StringConcat());
  const resolve = (value: unknown) => Tokenization.resolve(value, { scope: stack, resolver, preparing: false });
  const elements = stack.node.findAll();
  let text = JSON.stringify(resolve(token));
  const pending = elements.filter((c): c is TerraformLocal => c instanceof TerraformLocal)
    .map((local) => Object.entries(resolve(local.toTerraform()).locals ?? {})[0] as [string, unknown] | undefined)
    .filter((local): local is [string, unknown] => local !== undefined);
  for (let found = true; found;) {
    found = false;
    for (const [name, expression] of [...pending]) {
      if (mentions(text, `local.${name}`)) {
        text += JSON.stringify(expression);
        pending.splice(pending.findIndex(([n]) => n === name), 1);
        found = true;
      }
    }
  }
  return elements.filter((c): c is TerraformVariable => c instanceof TerraformVariable)
    .flatMap((variable) => Object.entries(resolve(variable.toTerraform()).variable ?? {}) as Array<[string, SynthesizedVariable['config']]>)
    .filter(([name]) => mentions(text, `var.${name}`))
    .map(([name, config]) => ({ name, config }));
}

/** Whether an expression's text mentions `address` (`var.pw`, not `var.pw2` or `foo.var.pw`). */
function mentions(text: string, address: string): boolean {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.-])${escaped}(?![\\w-])`).test(text);
}

/**
 * Azure's rules for a Windows administrator password, checked by Terraform: 12-123 characters, with 3 of the 4 kinds
 * lowercase letter, uppercase letter, digit, special character (Microsoft Learn, "Windows virtual machines FAQ": What
 * are the password requirements when creating a VM?; the Compute REST API's `OSProfile.adminPassword` defines a special
 * character as `[\W_]`, in RE2 `[^0-9A-Za-z]`). Its message never shows the value.
 */
function windowsPasswordCheck(v: PropsValidator, prop: string, password: string): Precondition {
  // 1 when the password has a character of the class, else 0 (not `?:`, which cdktf writes without parentheses).
  const has = (characterClass: string) => Fn.min([1, Fn.lengthOf(Fn.regexall(characterClass, password))]);
  const kinds = Op.add(Op.add(Op.add(has('[a-z]'), has('[A-Z]')), has('[0-9]')), has('[^0-9A-Za-z]'));
  const length = Fn.lengthOf(password);
  // try: a null password fails the check instead of failing its evaluation.
  const condition = Fn.try([Op.and(Op.and(Op.gte(length, 12), Op.lte(length, 123)), Op.gte(kinds, 3)), false]);
  return planTimeCheck(v, prop, `'${REDACTED}'`, condition,
    'does not meet Azure\'s rules for Windows administrator passwords: 12-123 characters, with 3 of the 4 kinds lowercase letter, '
      + 'uppercase letter, digit, special character',
    `give the ${prop} a value that does (this message never shows it), or omit ${prop} to generate one`);
}
