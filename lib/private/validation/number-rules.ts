/**
 * Rules of numeric props (counts, percentages, ports, timeouts), each defined once: the synth-time check of a literal
 * and the plan-time precondition of a token (a Terraform variable's value, an attribute) derive from the same rule and
 * say the same thing, `<prop>: <value> <problem>. Fix: <fix>`.
 */
import { Fn, IResolvable, Op, Precondition, Token } from 'cdktf';
import { planTimeCheck } from './plan-checks';
import { isUnresolved, PropsValidator } from './props-validator';

/** One test of a number, for a literal and, as a Terraform expression, for a token. */
export interface NumberCheck {
  /** Whether a literal value passes. */
  readonly holds: (value: number) => boolean;
  /** The same test as a Terraform expression of a value known only to Terraform. */
  readonly condition: (value: number) => IResolvable;
  /** What is wrong, after the value: `is not a whole number between 1 and 50`. */
  readonly problem: string;
  /** How to fix it, for any value. */
  readonly fix: string;
  /** A fix that names what a literal value needs (e.g. how to split it), when the rule can say more than `fix`. */
  readonly fixFor?: (value: number) => string;
}

/** A whole number in [min, max]. */
export function wholeNumberBetween(min: number, max: number, problem: string, fix: string, fixFor?: (value: number) => string): NumberCheck {
  return {
    holds: (n) => Number.isInteger(n) && n >= min && n <= max,
    condition: (n) => Op.and(Op.and(Op.eq(Fn.floor(n), n), atMost(min, n)), atMost(n, max)),
    problem,
    fix,
    fixFor,
  };
}

/** None of `values`. */
export function noneOf(values: readonly number[], problem: string, fix: string): NumberCheck {
  return {
    holds: (n) => !values.includes(n),
    condition: (n) => Op.not(Fn.contains([...values], n)),
    problem,
    fix,
  };
}

/** One of `values`. */
export function oneOf(values: readonly number[], problem: string, fix: string): NumberCheck {
  return {
    holds: (n) => values.includes(n),
    condition: (n) => Fn.contains([...values], n),
    problem,
    fix,
  };
}

/**
 * Checks `value` of `prop` against `checks` in order and reports the first that fails, as one problem: a literal on
 * `v` at synth; a token as preconditions with the same messages, returned for the resource that first uses the
 * value (undefined, null or nothing to check: none).
 *
 * Each precondition is wrapped in `try()`: Terraform 1.11 evaluates both sides of `&&` and `||`, and a null or a
 * string that is no number must fail the first check with this message, not Terraform's "Invalid operand"; a later
 * check holds whenever an earlier one fails (one problem per value, as at synth time).
 */
export function checkNumber(v: PropsValidator, prop: string, value: number | undefined, checks: readonly NumberCheck[]): Precondition[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (isUnresolved(value)) {
    const shown = shownNumber(value);
    return checks.map((check, i) => {
      const earlier = checks.slice(0, i).map((c) => c.condition(value));
      const condition = i === 0
        ? Fn.try([check.condition(value), false])
        : Fn.try([Op.or(Op.not(allOf(earlier)), check.condition(value)), true]);
      return planTimeCheck(v, prop, shown, condition, check.problem, check.fix);
    });
  }
  const failed = checks.find((check) => !check.holds(value));
  if (failed) {
    v.fail(prop, value, failed.problem, failed.fixFor?.(value) ?? failed.fix);
  }
  return [];
}

/** Whether `value` passes every check (false for a token: only Terraform knows it). */
export function passes(value: number | undefined, checks: readonly NumberCheck[]): value is number {
  return value !== undefined && value !== null && !isUnresolved(value) && checks.every((check) => check.holds(value));
}

/** A number as a message shows it: the literal, or for a token the Terraform expression of its value (`null` for none). */
export function shownNumber(value: number): string {
  return isUnresolved(value) ? Token.asString(Fn.try([Fn.format('%v', [value]), 'null'])) : String(value);
}

/**
 * `a <= b` as a Terraform expression, the literal operand first: cdktf 0.21 writes a right operand 0 as `undefined`
 * (`Op.gte(x, 0)` gives `(x >= undefined)`, which Terraform cannot parse), a left one as `0`.
 */
export function atMost(a: number, b: number): IResolvable {
  return isUnresolved(b) ? Op.lte(a, b) : Op.gte(b, a);
}

/** `a && b && ...` as one Terraform expression. */
export function allOf(conditions: readonly IResolvable[]): IResolvable {
  return conditions.reduce((all, condition) => Op.and(all, condition));
}
