/** The props validator every construct reports its problems to, and how values are shown in the messages. */
import { Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';

/**
 * Collects every problem of one construct's props so the user sees them all in a single error.
 * Each problem names the prop, the value received and the fix.
 */
export class PropsValidator {
  private readonly problems: string[] = [];
  private readonly failedProps = new Set<string>();

  /** The construct and its path, as messages start: `GoldenVm 'stack/BuildVm'`. */
  constructor(public readonly constructName: string) {}

  /** Records a problem with `prop`. */
  public fail(prop: string, value: unknown, problem: string, fix: string): void {
    this.problems.push(`${prop}: ${describeValue(value)} ${problem}. Fix: ${fix}`);
    this.failedProps.add(prop);
  }

  /** Records a problem with `prop` without showing its value (it may be a secret): `shown` says what it is instead. */
  public failUnshown(prop: string, shown: string, problem: string, fix: string): void {
    this.problems.push(`${prop}: ${shown} (not shown) ${problem}. Fix: ${fix}`);
    this.failedProps.add(prop);
  }

  /** Whether a problem with `prop` was recorded: a check that builds on the prop's value then has nothing to add. */
  public hasProblemWith(prop: string): boolean {
    return this.failedProps.has(prop);
  }

  /**
   * Records a problem unless `value` is an unresolved token, undefined or null (an optional prop left out, as
   * JavaScript and the other jsii languages may leave it), or `check` accepts it.
   */
  public check<T>(prop: string, value: T | undefined, check: (v: T) => boolean, problem: string, fix: string): void {
    if (value === undefined || value === null || isUnresolved(value)) {
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

/**
 * Records each required prop that is missing, `undefined` or `null`, with its fix: TypeScript cannot leave one out,
 * but JavaScript and the other jsii languages can, and may pass no props object at all. Call it before reading any
 * prop, then `throwIfInvalid()`, so nothing dereferences a missing one. `prefix` names a nested object
 * (`targetRegions[0]` gives `targetRegions[0].location`). Returns whether every required prop is there.
 */
export function requireProps<T>(v: PropsValidator, props: T | undefined | null, required: { readonly [K in keyof T]?: string },
  prefix?: string): boolean {
  let complete = true;
  for (const [prop, fix] of Object.entries(required) as Array<[string, string]>) {
    const value: unknown = props === undefined || props === null ? undefined : (props as Record<string, unknown>)[prop];
    if (value === undefined || value === null) {
      v.fail(prefix === undefined ? prop : `${prefix}.${prop}`, value, 'is missing', fix);
      complete = false;
    }
  }
  return complete;
}

/** A value as a message shows it. */
export function describeValue(value: unknown): string {
  return describe(value, 'top', new Set());
}

/**
 * Characters a message cannot show as they are: control characters (C0, DEL, C1), format characters (zero-width
 * spaces and joiners, bidi marks, embeddings, overrides and isolates, the BOM, soft hyphen), line and paragraph
 * separators, lone surrogates, and spaces other than the ASCII one (a no-break space looks like a space but is not).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/u;
const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** `text` between `quote`s, as a JavaScript literal writes it: the quote and backslash escaped, every invisible character too. */
function quoted(text: string, quote: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === '\\') {
      out += `\\${char}`;
    } else if (SHORT_ESCAPES[char] !== undefined) {
      out += SHORT_ESCAPES[char];
    } else if (INVISIBLE.test(char)) {
      out += code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += char;
    }
  }
  return `${quote}${out}${quote}`;
}

/**
 * One value, whole and on one line: a string in single quotes at the top (in double quotes inside a list or object,
 * as JSON writes them), every invisible character escaped; NaN and the infinities as JavaScript writes them; a
 * construct by its path; a token object (a variable's `value`, `Fn.*`, `Lazy`) as `<unresolved token>`; bytes by
 * their count. Nothing is cut: the problem may sit at the end of a long id.
 */
function describe(value: unknown, where: 'top' | 'nested', seen: Set<object>): string {
  if (typeof value === 'number' && Token.isUnresolved(value)) {
    // Its encoding (a huge negative number) would only confuse.
    return '<unresolved number token>';
  }
  if (typeof value === 'string') {
    return quoted(value, where === 'top' ? "'" : '"');
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined || value === null) {
    return String(value);
  }
  if (typeof value === 'function') {
    return `<function ${value.name || '(anonymous)'}>`;
  }
  if (typeof value === 'symbol') {
    return value.toString();
  }
  const object = value as object;
  if (Construct.isConstruct(object)) {
    return `<${object.constructor.name} '${object.node.path}'>`;
  }
  if (!Array.isArray(object) && (Tokenization.isResolvable(object) || Token.isUnresolved(object))) {
    // Its own fields hold the stack trace of its creation (creationStack): never part of a message.
    return '<unresolved token>';
  }
  if (ArrayBuffer.isView(object)) {
    return `<${object.byteLength} bytes>`;
  }
  if (seen.has(object)) {
    return '<circular>';
  }
  seen.add(object);
  const shown = Array.isArray(object)
    ? `[${object.map((item) => describe(item, 'nested', seen)).join(',')}]`
    : `{${Object.entries(object).map(([key, item]) => `${quoted(key, '"')}:${describe(item, 'nested', seen)}`).join(',')}}`;
  seen.delete(object);
  return shown;
}
