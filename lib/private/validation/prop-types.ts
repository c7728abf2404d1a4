/**
 * The runtime types of props: TypeScript checks them when it compiles a caller, but JavaScript and the other jsii
 * languages may pass anything. Unchecked, `'false'` for a boolean is true to `if`, one string where a list is expected
 * iterates its characters, a plain object where a construct is expected fails deep inside with a `TypeError`, and
 * `null` for an optional prop is taken for a value. So each constructor and factory checks its props against a shape
 * declared next to its props interface, before it reads them, and gets them back with every `null` dropped: `null`
 * means what leaving the prop out means. test/prop-types.test.ts holds every shape equal to its interface.
 *
 * A kind accepts a token where its type can carry one: a string or number token (and any unresolved value, made a
 * string or number token) for a string or number, a list token for a list of strings, a map token for a map. Booleans,
 * enum values, structs and constructs are read at synth time, so a token there is refused.
 */
import { Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { describeValue, isUnresolved, PropsValidator, requireProps } from './props-validator';

/** What a kind is, for the test that compares every shape with its TypeScript interface. */
export type KindCategory = 'boolean' | 'number' | 'string' | 'map' | 'enum' | 'list' | 'struct' | 'class' | 'interface';

/** The runtime check of one prop's type. */
export interface PropKind {
  readonly category: KindCategory;
  /** The type as the TypeScript declaration writes it: `boolean`, `string[]`, `SecurityType`, `GalleryTargetRegion[]`. */
  readonly typeName: string;
  /** The expected type in a message: `a boolean`, `a list of ManagementPort`. */
  readonly expected: string;
  /** An enum's values, by member name. */
  readonly enumValues?: Readonly<Record<string, string>>;
  /** A list's element kind. */
  readonly element?: PropKind;
  /** A struct's or interface's members. */
  readonly shape?: Shape<any>;
  /** The members a struct must have where no construct checks them (`strict`), or an interface must have. */
  readonly required?: readonly string[];
  /**
   * Records a problem with `value` (never undefined or null) at `prop`, or returns it as the construct reads it: a
   * struct without its nulls, an unresolved value of a string or number prop as a string or number token. `strict`:
   * inside an `IImage` given as a plain object, which no construct checks further, a struct's required members and a
   * list's elements must be there.
   */
  check(v: PropsValidator, prop: string, value: unknown, strict?: boolean): unknown;
}

/** The kind of every member of `T`: one entry per member, no more (the compiler holds a shape to its interface). */
export type Shape<T> = { readonly [K in keyof T]-?: PropKind };

/** A struct's kind, which `checkPropTypes` takes. */
export interface StructKind<T> extends PropKind {
  readonly shape: Shape<T>;
  /** One, as a fix shows it. */
  readonly example: string;
}

const registry = new Map<string, PropKind>();

/** Every struct and interface shape declared, by interface name (for test/prop-types.test.ts). */
export function registeredShapes(): ReadonlyMap<string, PropKind> {
  return registry;
}

/**
 * Checks `props` against `kind` and returns them with every `null` dropped (at any depth), or `undefined` for a
 * `null` or `undefined` props object (`requireProps` reports one that is required). `prop` names the props object in
 * a message about the object itself; its members are named alone (`location`, `canary.url`).
 */
export function checkPropTypes<T>(v: PropsValidator, props: T | undefined | null, kind: StructKind<T>, prop: string = 'props'): T {
  if (props === undefined || props === null) {
    return undefined as T;
  }
  return checkStruct(v, prop, props, kind, '', kind.example) as T;
}

/**
 * A construct's props as it reads them: the required ones there (`requireProps`, with their fixes), every member of the
 * kind its shape says, `null` dropped. Throws every problem at once, so that nothing reads a missing or wrong-typed prop.
 * `prop` names the props object in a message about the object itself (`attrs` of an importer, `parts`).
 */
export function readProps<T>(validator: PropsValidator, props: T | undefined | null, kind: StructKind<T>,
  required: { readonly [K in keyof T]?: string }, prop?: string): T {
  requireProps(validator, props, required);
  const checked = checkPropTypes(validator, props, kind, prop);
  validator.throwIfInvalid();
  return checked;
}

/** Checks one argument of a factory (`urn`, `scope`) against `kind`; returns it as the factory reads it, undefined for null. */
export function checkValueType<T>(v: PropsValidator, prop: string, value: T | undefined | null, kind: PropKind): T | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  return kind.check(v, prop, value) as T;
}

// --- what a value is, as a message says it ----------------------------------------------------------------------

/** `a string`, `a plain object`, `an unresolved token`, `a GoldenVm`: what a caller gave. */
function whatItIs(value: unknown): string {
  if (Array.isArray(value)) {
    return Token.isUnresolved(value) ? 'an unresolved list token' : 'a list';
  }
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? 'a string token' : 'a string';
  }
  if (typeof value === 'number') {
    return Token.isUnresolved(value) ? 'a number token' : 'a number';
  }
  if (typeof value !== 'object' || value === null) {
    return value === null ? 'null' : `a ${typeof value}`;
  }
  if (isTokenObject(value)) {
    return 'an unresolved token';
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype === null || prototype === Object.prototype) {
    return 'a plain object';
  }
  return `a ${(value as object).constructor?.name || 'class instance'}`;
}

/** An unresolved value that is not a string, number or list: `TerraformVariable.value`, `Fn.*`, `Lazy.anyValue`. */
function isTokenObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && (Tokenization.isResolvable(value) || Token.isUnresolved(value));
}

function refuse(v: PropsValidator, prop: string, value: unknown, expected: string, fix: string): undefined {
  // A token object shows as `<unresolved token>` already.
  v.fail(prop, value, isTokenObject(value) ? `is not ${expected}` : `is ${whatItIs(value)}, not ${expected}`, fix);
  return undefined;
}

function withArticle(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

// --- scalars ----------------------------------------------------------------------------------------------------

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, yes: true, no: false };

function booleanFix(value: unknown): string {
  const meant = typeof value === 'string' ? BOOLEAN_WORDS[value.trim().toLowerCase()]
    : typeof value === 'number' && (value === 0 || value === 1) ? value === 1 : undefined;
  if (meant !== undefined) {
    return `pass ${meant} (a boolean), not ${describeValue(value)}`;
  }
  return isTokenObject(value) || isUnresolved(value)
    ? 'pass true or false: the construct reads it at synth time to decide what to create, which a token cannot tell'
    : 'pass true or false';
}

/** `true` or `false`. A token is refused: every boolean prop decides at synth time what is created. */
export const BOOLEAN: PropKind = {
  category: 'boolean',
  typeName: 'boolean',
  expected: 'a boolean',
  check: (v, prop, value) => typeof value === 'boolean' ? value : refuse(v, prop, value, 'a boolean', booleanFix(value)),
};

/** A number, or a number token; any other unresolved value becomes a number token. */
export const NUMBER: PropKind = {
  category: 'number',
  typeName: 'number',
  expected: 'a number',
  check: (v, prop, value) => {
    if (typeof value === 'number') {
      return value;
    }
    if (isTokenObject(value)) {
      return Token.asNumber(value);
    }
    const text = typeof value === 'string' ? value.trim() : '';
    const fix = typeof value === 'string' && isUnresolved(value) ? 'pass a number token: Token.asNumber(...), or a TerraformVariable\'s numberValue'
      : text !== '' && Number.isFinite(Number(text)) ? `pass ${Number(text)} (a number), not ${describeValue(value)}` : 'pass a number';
    return refuse(v, prop, value, 'a number', fix);
  },
};

/** A string, or a string token; any other unresolved value becomes a string token. */
export const STRING: PropKind = {
  category: 'string',
  typeName: 'string',
  expected: 'a string',
  check: (v, prop, value) => {
    if (typeof value === 'string') {
      return value;
    }
    if (isTokenObject(value)) {
      return Token.asString(value);
    }
    const fix = typeof value === 'number' && isUnresolved(value) ? 'pass a string token: Token.asString(...)'
      : typeof value === 'number' || typeof value === 'boolean' ? `pass '${String(value)}' (a string)`
        : Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? `pass the one string, ${describeValue(value[0])}, not a list`
          : 'pass a string';
    return refuse(v, prop, value, 'a string', fix);
  },
};

/** What messages show instead of a secret (as lib/private/vm/credentials.ts does). */
const REDACTED = '<redacted>';

/** A secret string (a password): `STRING`, but a message never shows the value. */
export const SECRET_STRING: PropKind = {
  ...STRING,
  check: (v, prop, value) => {
    if (typeof value === 'string') {
      return value;
    }
    if (isTokenObject(value)) {
      return Token.asString(value);
    }
    v.fail(prop, REDACTED, `is ${whatItIs(value)}, not a string`, 'pass a string token: a sensitive TerraformVariable\'s stringValue or a Key Vault secret\'s value');
    return undefined;
  },
};

/** A map of strings (tags): an object whose values are strings, or a map token. */
export const STRING_MAP: PropKind = {
  category: 'map',
  typeName: '{ [key: string]: string }',
  expected: 'a map of strings',
  check: (v, prop, value) => {
    if (isTokenObject(value) || whatItIs(value) === 'a plain object') {
      return value;
    }
    return refuse(v, prop, value, 'a map of strings', "pass an object of string values, e.g. { owner: 'platform-team' }");
  },
};

/**
 * An enum's value: a string, not a token (every enum prop decides at synth time what is created). Which strings are
 * the enum's values each construct checks itself, with a fix that fits the prop (and with the other problems of its
 * props: an unknown value is no obstacle to checking the rest), unless `members` asks for it here (the members of an
 * `IImage`, which no construct checks).
 */
export function enumOf(name: string, values: Readonly<Record<string, string>>, members: boolean = false): PropKind {
  const all = Object.keys(values).map((key) => `${name}.${key}`).join(', ');
  return {
    category: 'enum',
    typeName: name,
    expected: withArticle(name),
    enumValues: values,
    check: (v, prop, value) => {
      const known = Object.values(values).includes(value as string);
      if (typeof value === 'string' && !Token.isUnresolved(value) && (known || !members)) {
        return value;
      }
      const fix = isUnresolved(value) || isTokenObject(value) ? `pass one of ${all}: the construct reads it at synth time, which a token cannot tell`
        : `pass one of ${all}`;
      if (typeof value === 'string' && !Token.isUnresolved(value)) {
        v.fail(prop, value, `is not ${withArticle(name)}`, fix);
        return undefined;
      }
      return refuse(v, prop, value, withArticle(name), fix);
    },
  };
}

// --- lists ------------------------------------------------------------------------------------------------------

/**
 * A list of `element`s. A list token is a list of strings only: the elements of the others are read at synth time. A
 * missing element (undefined, null) is the construct's to report, as it knows what the list is for, unless `noGaps`
 * asks for it here (the lists of an `IImage`, which no construct checks).
 */
export function listOf(element: PropKind, noGaps: boolean = false): PropKind {
  const expected = element.category === 'string' ? 'a list of strings' : `a list of ${element.typeName}`;
  return {
    category: 'list',
    typeName: `${element.typeName}[]`,
    expected,
    element,
    check: (v, prop, value, strict) => {
      if (!Array.isArray(value)) {
        if (isTokenObject(value) && element.category === 'string') {
          return Token.asList(value);
        }
        const fix = isTokenObject(value) ? `pass a list whose ${element.typeName} elements are given here (their own values may be tokens)`
          : `pass a list: [${describeValue(value)}]${value !== null && typeof value === 'object' ? ', even for one' : ''}`;
        return refuse(v, prop, value, expected, fix);
      }
      if (element.category !== 'string' && Token.isUnresolved(value)) {
        v.fail(prop, value, `is an unresolved list token, not ${expected}`,
          'pass a list whose elements are given here (their own values may be tokens): the construct reads them at synth time');
        return undefined;
      }
      return value.map((item, i) => {
        if (item !== undefined && item !== null) {
          return element.check(v, `${prop}[${i}]`, item, strict);
        }
        if (noGaps || strict) {
          v.fail(`${prop}[${i}]`, item, `is missing: a list of ${element.typeName} has no gaps`, 'remove it from the list');
        }
        return item;
      });
    },
  };
}

// --- structs and interfaces ---------------------------------------------------------------------------------------

/**
 * A struct (a jsii data type, a plain object in JavaScript, a dict in Python) whose members have `shape`; `example`
 * shows one in a fix. `required` lists its required members where they are checked here: in `strict` mode, for a
 * struct no construct checks further. Registered under `name` for the test that compares it with the interface.
 */
export function struct<T>(name: string, shape: Shape<T>, example: string, required?: ReadonlyArray<keyof T & string>): StructKind<T> {
  const kind: StructKind<T> = {
    category: 'struct',
    typeName: name,
    expected: `${withArticle(name)} object`,
    shape,
    example,
    required,
    check: (v, prop, value, strict) => checkStruct(v, prop, value, kind, `${prop}.`, example, strict),
  };
  register(name, kind);
  return kind;
}

function checkStruct(v: PropsValidator, prop: string, value: unknown, kind: PropKind, memberPrefix: string, example?: string,
  strict?: boolean): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isTokenObject(value) || Construct.isConstruct(value)) {
    const fix = Array.isArray(value) && value.length === 1 && whatItIs(value[0]) === 'a plain object' ? 'pass the object itself, not a list of it'
      : isTokenObject(value) ? `pass an object whose members are given here (their own values may be tokens)${example ? `, e.g. ${example}` : ''}`
        : `pass an object${example ? `, e.g. ${example}` : ` with the members of ${kind.typeName}`}`;
    return refuse(v, prop, value, kind.expected, fix);
  }
  const source = value as Record<string, unknown>;
  if (strict) {
    for (const member of (kind.required ?? []).filter((m) => source[m] === undefined || source[m] === null)) {
      v.fail(`${memberPrefix}${member}`, source[member], `is missing: ${withArticle(kind.typeName)} has it`, `give ${member}${example ? `, e.g. ${example}` : ''}`);
    }
  }
  const checked: Record<string, unknown> = {};
  // Its own members, and those a class instance has as getters.
  const keys = new Set([...Object.keys(source), ...Object.keys(kind.shape!).filter((key) => key in source)]);
  for (const key of keys) {
    const member = source[key];
    if (member === null) {
      continue;
    }
    const memberKind = kind.shape![key];
    if (memberKind === undefined && kind.category === 'struct' && member !== undefined) {
      refuseUnknownMember(v, memberPrefix, key, member, kind.typeName, Object.keys(kind.shape!));
      continue;
    }
    checked[key] = member === undefined || memberKind === undefined ? member : memberKind.check(v, `${memberPrefix}${key}`, member, strict);
  }
  return checked;
}

/**
 * A member the struct does not have: TypeScript refuses one in an object literal, but JavaScript and a value built
 * elsewhere pass it, and a misspelt prop (`vmsize`, `adminPasword`) would be ignored for its default without a word.
 * Its value is not shown: a misspelt secret is still a secret.
 */
export function refuseUnknownMember(v: PropsValidator, memberPrefix: string, name: string, value: unknown, typeName: string,
  members: readonly string[]): void {
  const meant = closestName(name, members);
  v.failUnshown(`${memberPrefix}${name}`, whatItIs(value), `is not a member of ${typeName}, so it would be ignored`,
    meant !== undefined ? `did you mean ${meant}? Rename it` : `remove it; the members of ${typeName} are ${members.join(', ')}`);
}

/** The member `name` most likely misspells: the same letters in another case, or at most two edits away; else undefined. */
function closestName(name: string, members: readonly string[]): string | undefined {
  const sameLetters = members.find((member) => member.toLowerCase() === name.toLowerCase());
  if (sameLetters !== undefined) {
    return sameLetters;
  }
  const scored = members.map((member) => ({ member, distance: editDistance(name.toLowerCase(), member.toLowerCase()) }))
    .filter(({ distance }) => distance <= 2)
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.member;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * A behavioural interface (`IImage`) whose `required` members must be there: implemented by constructs of this
 * library (of any copy of it), by constructs of the caller's, or by a plain object. A plain object is checked as a
 * struct whose parts no construct checks further (`strict`), and comes back without its nulls; of an instance, the
 * members that are plain values are checked against `shape`, and getters are not read (reading one may be what the
 * construct forbids). `fix` says what to pass instead of what was given.
 */
export function behaviour<T>(name: string, shape: Shape<T>, required: ReadonlyArray<keyof T & string>, fix: (value: unknown) => string): PropKind {
  const kind: PropKind = {
    category: 'interface',
    typeName: name,
    expected: withArticle(name),
    shape,
    required,
    check: (v, prop, value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || isTokenObject(value)) {
        return refuse(v, prop, value, withArticle(name), fix(value));
      }
      // Left out, or a plain value that is undefined or null (a getter is not read).
      const missing = required.filter((member) => !(member in value) || isNullish(dataProperty(value, member), value, member));
      if (missing.length > 0) {
        v.fail(prop, value, `is ${whatItIs(value)} without ${missing.join(', ')}, not ${withArticle(name)}`, fix(value));
        return undefined;
      }
      if (whatItIs(value) === 'a plain object') {
        return checkStruct(v, prop, value, kind, `${prop}.`, undefined, true);
      }
      for (const [member, memberKind] of Object.entries(shape) as Array<[string, PropKind]>) {
        const plain = dataProperty(value, member);
        if (plain !== undefined && plain !== null) {
          memberKind.check(v, `${prop}.${member}`, plain);
        }
      }
      return value;
    },
  };
  register(name, kind);
  return kind;
}

function isNullish(plain: unknown, object: object, member: string): boolean {
  return (plain === undefined || plain === null) && !hasGetter(object, member);
}

function hasGetter(object: object, member: string): boolean {
  return descriptorOf(object, member)?.get !== undefined;
}

/** The value of `member` when it is a plain value (not a getter) on the object or its prototypes. */
function dataProperty(object: object, member: string): unknown {
  const descriptor = descriptorOf(object, member);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function descriptorOf(object: object, member: string): PropertyDescriptor | undefined {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, member);
    if (descriptor) {
      return descriptor;
    }
  }
  return undefined;
}

/** Any construct: `Construct.isConstruct`, which holds across copies of the constructs library. */
export function anyConstruct(fix: string): PropKind {
  return {
    category: 'interface',
    typeName: 'IConstruct',
    expected: 'a construct',
    check: (v, prop, value) => Construct.isConstruct(value) ? value : refuse(v, prop, value, 'a construct', fix),
  };
}

/**
 * `kind` as the drift test compares it, but checked by the construct alone: for the props whose own checks already
 * cover every value a caller could give, with messages that know more (a setup step's script given as bytes: read it
 * with `WindowsSetup.stepFromFile`).
 */
export function checkedByConstruct(kind: PropKind): PropKind {
  return { ...kind, check: (_v, _prop, value) => value };
}

// --- classes of this library --------------------------------------------------------------------------------------

const markerOf = (name: string) => Symbol.for(`azure-golden-image.${name}`);

/**
 * Marks `cls`'s instances (and its subclasses') as `name`, for `instanceOf(name)`. A symbol of the global registry,
 * unlike `instanceof`, holds across two copies of this library in one program (a stack library and its app).
 */
export function markKind(cls: { prototype: object }, name: string): void {
  Object.defineProperty(cls.prototype, markerOf(name), { value: true });
}

/** Whether `value` is an instance of this library's class `name` (marked with `markKind`), from any copy of it. */
export function hasKind(value: unknown, name: string): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[markerOf(name)] === true;
}

/** An instance of this library's class `name` (marked with `markKind`); `fix` says how to make one from what was given. */
export function instanceOf(name: string, fix: (value: unknown) => string): PropKind {
  return {
    category: 'class',
    typeName: name,
    expected: withArticle(name),
    check: (v, prop, value) => hasKind(value, name) ? value : refuse(v, prop, value, withArticle(name), fix(value)),
  };
}

function register(name: string, kind: PropKind): void {
  if (registry.has(name)) {
    throw new Error(`prop-types: the shape of ${name} is declared twice`);
  }
  registry.set(name, kind);
}
