import { Token } from 'cdktf';

/**
 * Collects every problem of one construct's props so the user sees them all in a single error.
 * Each problem names the prop, the value received and the fix.
 */
export class PropsValidator {
  private readonly problems: string[] = [];

  constructor(private readonly constructName: string) {}

  /** Records a problem with `prop`. */
  public fail(prop: string, value: unknown, problem: string, fix: string): void {
    this.problems.push(`${prop}: ${describeValue(value)} ${problem}. Fix: ${fix}`);
  }

  /** Records a problem unless `value` is an unresolved token or undefined, or `check` accepts it. */
  public check<T>(prop: string, value: T | undefined, check: (v: T) => boolean, problem: string, fix: string): void {
    if (value === undefined || isUnresolved(value)) {
      return;
    }
    if (!check(value)) {
      this.fail(prop, value, problem, fix);
    }
  }

  public get hasProblems(): boolean {
    return this.problems.length > 0;
  }

  /** Throws one error listing every recorded problem, if any. */
  public throwIfInvalid(): void {
    if (this.problems.length === 0) {
      return;
    }
    const count = this.problems.length === 1 ? '1 invalid prop' : `${this.problems.length} invalid props`;
    throw new Error(`${this.constructName}: ${count}:\n${this.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number') {
    return Token.isUnresolved(value);
  }
  if (Array.isArray(value)) {
    return Token.isUnresolved(value) || value.some((v) => isUnresolved(v));
  }
  return value !== null && typeof value === 'object' && Token.isUnresolved(value);
}

/** A value as a message shows it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number' && Token.isUnresolved(value)) {
    // Its encoding (a huge negative number) would only confuse.
    return '<unresolved number token>';
  }
  if (typeof value === 'string') {
    const oneLine = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return `'${oneLine}'`;
  }
  return JSON.stringify(value);
}
