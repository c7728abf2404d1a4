/**
 * Plan-time checks: a prop given as a token (a variable's value, a function's result, an attribute) is known only to
 * Terraform, so the synth-time check of a literal becomes a `lifecycle.precondition` with the same rule and the same
 * message, which fails `terraform plan` (or the apply, for a value known only then) before anything is created.
 */
import { Fn, IResolvable, Precondition, TerraformResourceLifecycle, Token } from 'cdktf';
import { PropsValidator } from './props-validator';

/**
 * A precondition whose error reads like the synth-time problem line:
 * `<Construct> '<path>': <prop>: <shown> <problem>. Fix: <fix>`. `shown` is the value as Terraform should print it
 * (`shownInTerraform`), or a placeholder for a secret.
 */
export function planTimeCheck(v: PropsValidator, prop: string, shown: string, condition: IResolvable, problem: string, fix: string): Precondition {
  return { condition, errorMessage: `${v.constructName}: ${prop}: ${shown} ${problem}. Fix: ${fix}` };
}

/** A string known only to Terraform, quoted as the synth-time messages show values (`'...'`), or `null`. */
export function shownInTerraform(value: string): string {
  return Token.asString(Fn.try([Fn.format("'%s'", [value]), 'null']));
}

/**
 * `lifecycle` with `preconditions` added to its own, or undefined when both are empty: a resource without plan-time
 * checks keeps its JSON unchanged.
 */
export function withPreconditions(preconditions: Precondition[], lifecycle?: TerraformResourceLifecycle): TerraformResourceLifecycle | undefined {
  if (preconditions.length === 0) {
    return lifecycle;
  }
  return { ...lifecycle, precondition: [...lifecycle?.precondition ?? [], ...preconditions] };
}
