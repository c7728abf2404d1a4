/**
 * Callers TypeScript does not check (JavaScript, the other jsii languages): the runtime shapes of the props
 * (lib/private/validation/prop-types.ts), held to the TypeScript interfaces, and a table of wrong-typed values generated from those
 * interfaces for every construct and factory.
 *
 * - Every exported interface of lib/*.ts has a shape with the same members, each of the kind its type says.
 * - For every member of every props interface (nested structs and list elements too), each wrong-typed value is
 *   refused by the `expectRefused` contract (prop, value and fix named; nothing written): a boolean given as 'false',
 *   'true', 0 or a token; a number as '3'; a string as 3; a single value where a list is expected; a string or a list
 *   where a struct is expected; a plain object or a string where a construct or class is expected; a URN or an image id
 *   where an `IImage` is expected. No message holds a token's creation stack.
 * - `null` for every optional member synthesizes what leaving it out does; `null` for a required one is refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Lazy, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import * as lib from '../lib';
import {
  GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenImageChecks, GoldenVm, HyperVGeneration, ImageCopy, ImageFleet, ImageGallery,
  ImageScaleSet, ManagedImage, MarketplaceImage, OsType, WindowsSetup,
} from '../lib';
import {
  galleryImageProps, galleryImageVersionProps, galleryVersionAttributes, generalizedImageProps, IMAGE_ID, imageCopyProps, imageFleetProps,
  imageGalleryProps, imageScaleSetProps, managedImageAttributes,
} from './util/builders';
import { goldenVmProps } from './util/constructs';
import { Declarations, Member, readDeclarations } from './util/interfaces';
import { expectRefused, synthesize } from './util/refusal';
import { synthStack } from './util/synth';
import { hasKind, PropKind, registeredShapes } from '../lib/private/validation/prop-types';

const DECLARATIONS: Declarations = readDeclarations();
const SHAPES = registeredShapes();
const SEED_URN = 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest';
/** A third-party image with a purchase plan (Windows Server images have none), Gen2 by its SKU. */
const PLAN_IMAGE = { publisher: 'center-for-internet-security-inc', offer: 'cis-windows-server', sku: 'cis-windows-server2022-l1-gen2' };
const PLAN = { name: PLAN_IMAGE.sku, product: PLAN_IMAGE.offer, publisher: PLAN_IMAGE.publisher };
const MAP_TYPE = '{ [key: string]: string }';

// --- the shapes are the interfaces --------------------------------------------------------------------------------

/** The differences between `kind` and the declared `type` of `where` (none when they match). */
function mismatches(where: string, kind: PropKind | undefined, type: string): string[] {
  if (kind === undefined) {
    return [`${where}: no kind for ${type}`];
  }
  const differ = (expected: string) => [`${where}: ${type} has the kind ${kind.category} ${kind.typeName}, not ${expected}`];
  if (type.endsWith('[]')) {
    return kind.category === 'list' ? mismatches(`${where}[]`, kind.element, type.slice(0, -2)) : differ('a list');
  }
  if (['boolean', 'number', 'string'].includes(type)) {
    return kind.category === type && kind.typeName === type ? [] : differ(type);
  }
  if (type === MAP_TYPE) {
    return kind.category === 'map' && kind.typeName === MAP_TYPE ? [] : differ('a map');
  }
  if (DECLARATIONS.enums.has(type)) {
    const values = (lib as unknown as Record<string, object>)[type];
    return kind.category === 'enum' && kind.typeName === type && JSON.stringify(kind.enumValues) === JSON.stringify(values) ? [] : differ(`the enum ${type}`);
  }
  if (DECLARATIONS.interfaces.has(type)) {
    // The shape of the struct or interface itself, which its own row compares with its members.
    return kind === SHAPES.get(type) ? [] : differ(`the registered shape of ${type}`);
  }
  if (DECLARATIONS.classes.has(type)) {
    const cls = (lib as unknown as Record<string, { prototype: object }>)[type];
    const marked = hasKind(Object.create(cls.prototype), type);
    return kind.category === 'class' && kind.typeName === type && marked ? [] : differ(`the class ${type}, marked with markKind`);
  }
  // A type of another library (ITerraformDependable): an interface checked by its own rule.
  return kind.category === 'interface' && kind.typeName === type ? [] : differ(`the interface ${type}`);
}

describe('every exported interface has a runtime shape of the same members and kinds', () => {
  test.each([...DECLARATIONS.interfaces.keys()])('%s', (name) => {
    const members = DECLARATIONS.interfaces.get(name)!;
    const kind = SHAPES.get(name);
    expect(kind?.shape).toBeDefined();
    expect(Object.keys(kind!.shape!).sort()).toEqual(members.map((m) => m.name).sort());
    expect(members.flatMap((m) => mismatches(`${name}.${m.name}`, kind!.shape![m.name], m.type))).toEqual([]);
    if (kind!.required !== undefined) {
      expect([...kind!.required].sort()).toEqual(members.filter((m) => !m.optional).map((m) => m.name).sort());
    }
  });

  test('every shape is of an exported interface', () => {
    expect([...SHAPES.keys()].filter((name) => !DECLARATIONS.interfaces.has(name))).toEqual([]);
  });

  test('the comparison sees a kind that differs', () => {
    // A shape that drifted: a boolean checked as a string, a list as its element, an enum with other values.
    expect(mismatches('x', SHAPES.get('GoldenVmProps')!.shape!.location, 'boolean')).toHaveLength(1);
    expect(mismatches('x', SHAPES.get('GoldenVmProps')!.shape!.managementPorts, 'ManagementPort')).toHaveLength(1);
    expect(mismatches('x', SHAPES.get('GoldenVmProps')!.shape!.securityType, 'ImageSecurityType')).toHaveLength(1);
    expect(mismatches('x', SHAPES.get('GoldenVmProps')!.shape!.image, 'WindowsSetup')).toHaveLength(1);
  });
});

// --- where each props interface is given ------------------------------------------------------------------------

/** A props interface as a caller gives it: to which construct or factory, from which valid props. */
interface Root {
  /** The start of the error: the construct or factory. */
  readonly construct: string;
  /** The rows' name, when the construct takes more than one props interface. */
  readonly title?: string;
  /** The props interface. */
  readonly struct: string;
  /** What the members are named after in messages (`image.` for an `IImage` given as a plain object). */
  readonly prefix?: string;
  /** Valid props, made in the stack. */
  readonly base: (stack: TerraformStack) => Record<string, unknown>;
  /** Builds the construct (and what it needs) from the props. */
  readonly build: (stack: TerraformStack, props: any) => void;
}

/** An `IImage` given as a plain object, as JavaScript or a jsii language may implement it. */
function plainImage(): Record<string, unknown> {
  return {
    imageId: IMAGE_ID,
    imageName: 'img-golden',
    resourceGroupName: 'rg-golden',
    location: 'westeurope',
    osType: OsType.WINDOWS,
    hyperVGeneration: HyperVGeneration.V2,
    imageDependables: [],
  };
}

function goldenVm(stack: Construct, props: object = {}): GoldenVm {
  return new GoldenVm(stack, 'BuildVm', goldenVmProps(props));
}

const ROOTS: Root[] = [
  { construct: 'GoldenVm', struct: 'GoldenVmProps', base: () => ({ ...goldenVmProps() }), build: (s, p) => new GoldenVm(s, 'BuildVm', p) },
  {
    construct: 'MarketplaceImage',
    title: 'MarketplaceImage.fromParts',
    struct: 'MarketplaceImageParts',
    base: () => ({ ...PLAN_IMAGE }),
    build: (s, p) => goldenVm(s, { image: MarketplaceImage.fromParts(p) }),
  },
  {
    construct: 'MarketplaceImage',
    title: 'MarketplaceImage.fromUrn',
    struct: 'MarketplaceImageOptions',
    base: () => ({}),
    build: (s, p) => goldenVm(s, { image: MarketplaceImage.fromUrn(`${PLAN_IMAGE.publisher}:${PLAN_IMAGE.offer}:${PLAN_IMAGE.sku}:latest`, p) }),
  },
  { construct: 'WindowsSetup.iisAspNet', struct: 'IisAspNetSetupOptions', base: () => ({}), build: (s, p) => goldenVm(s, { setup: WindowsSetup.iisAspNet(p) }) },
  {
    construct: 'WindowsSetup.custom',
    struct: 'CustomSetupOptions',
    base: () => ({ steps: [{ name: 'first', script: 'Write-Output 1' }] }),
    build: (s, p) => goldenVm(s, { setup: WindowsSetup.custom(p) }),
  },
  { construct: 'GeneralizedImage', struct: 'GeneralizedImageProps', base: (s) => ({ ...generalizedImageProps(s) }), build: (s, p) => new GeneralizedImage(s, 'Image', p) },
  { construct: 'ImageCopy', struct: 'ImageCopyProps', base: (s) => ({ ...imageCopyProps(s) }), build: (s, p) => new ImageCopy(s, 'Copy', p) },
  {
    construct: 'ManagedImage.fromImageId',
    struct: 'ManagedImageAttributes',
    base: () => ({ ...managedImageAttributes() }),
    build: (s, p) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { image: ManagedImage.fromImageId(s, 'Imported', p) })),
  },
  { construct: 'ImageFleet', struct: 'ImageFleetProps', base: (s) => ({ ...imageFleetProps(s) }), build: (s, p) => new ImageFleet(s, 'Fleet', p) },
  { construct: 'ImageFleet', struct: 'IImage', prefix: 'image.', base: () => plainImage(), build: (s, p) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { image: p })) },
  { construct: 'ImageScaleSet', struct: 'ImageScaleSetProps', base: (s) => ({ ...imageScaleSetProps(s) }), build: (s, p) => new ImageScaleSet(s, 'Web', p) },
  { construct: 'ImageGallery', struct: 'ImageGalleryProps', base: () => ({ ...imageGalleryProps() }), build: (s, p) => new ImageGallery(s, 'Gallery', p) },
  { construct: 'GalleryImage', struct: 'GalleryImageProps', base: (s) => ({ ...galleryImageProps(s) }), build: (s, p) => new GalleryImage(s, 'Definition', p) },
  {
    construct: 'GalleryImageVersion',
    struct: 'GalleryImageVersionProps',
    base: (s) => ({ ...galleryImageVersionProps(s), targetRegions: [{ location: 'northeurope' }] }),
    build: (s, p) => new GalleryImageVersion(s, 'Version', p),
  },
  {
    construct: 'GalleryImageVersion.fromVersionId',
    struct: 'GalleryImageVersionAttributes',
    base: () => ({ ...galleryVersionAttributes() }),
    build: (s, p) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { image: GalleryImageVersion.fromVersionId(s, 'Imported', p) })),
  },
  {
    construct: 'GalleryImageVersion.importInto',
    struct: 'GalleryImageImportOptions',
    base: () => ({}),
    build: (s, p) => {
      const version = new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s));
      new ImageFleet(s, 'Fleet', imageFleetProps(s, { image: version.importInto(s, 'Imported', p) }));
    },
  },
];

/** A valid value of each struct where it is nested, to put a wrong member into (its optional members left out). */
const EXAMPLES: Record<string, () => Record<string, unknown>> = {
  GalleryTargetRegion: () => ({ location: 'northeurope' }),
  GalleryCanaryOptions: () => ({}),
  ScaleSetRollingUpgrade: () => ({}),
  GeneralizeTimeouts: () => ({}),
  SmokeTestOptions: () => ({}),
  PowerShellStep: () => ({ name: 'first', script: 'Write-Output 1' }),
  PurchasePlan: () => ({ ...PLAN }),
  GalleryImageIdentifier: () => ({ publisher: 'contoso', offer: 'web', sku: 'iis' }),
  ImageBuild: () => ({ revision: '20270115093000', lineName: 'img-golden' }),
};

test('every props interface is given somewhere, and every nested struct has an example', () => {
  // A shared interface (lib/common-props.ts) is given as part of every props interface that extends it.
  const roots = [...ROOTS.map((r) => r.struct), ...Object.keys(EXAMPLES)];
  const given = new Set([...roots, ...roots.flatMap((name) => DECLARATIONS.ancestors.get(name) ?? [])]);
  expect([...DECLARATIONS.interfaces.keys()].filter((name) => !given.has(name))).toEqual([]);
});

// --- wrong values, generated from the member types -------------------------------------------------------------------

interface WrongValue {
  readonly label: string;
  /** Makes the value (a token is made anew for each row). */
  readonly make: () => unknown;
  /** The construct's own check reports it (a list element, an unknown enum value): the prop may be named otherwise. */
  readonly loosely?: boolean;
}

const isStructType = (type: string) => DECLARATIONS.interfaces.has(type) && !/^I[A-Z]/.test(type);

/** What `TerraformVariable.booleanValue` is: a token object, `true` to `if`. */
const booleanToken = () => Lazy.anyValue({ produce: () => true });
const stringToken = () => Lazy.stringValue({ produce: () => 'Standard' });
/** What `TerraformVariable.value` is: any value, known to Terraform alone. */
const anyToken = () => Lazy.anyValue({ produce: () => ({}) });

const wrong = (label: string, value: unknown, loosely?: boolean): WrongValue => ({ label, make: () => value, loosely });

/** The wrong-typed values for a member of `type`. */
function wrongValuesOf(type: string): WrongValue[] {
  if (type.endsWith('[]')) {
    const element = type.slice(0, -2);
    const single = element === 'string' ? 'westeurope'
      : DECLARATIONS.enums.has(element) ? Object.values((lib as unknown as Record<string, object>)[element])[0]
        : isStructType(element) ? EXAMPLES[element]() : 'x';
    return [wrong('a single value, not a list', single), wrong('a null element', [null], true)];
  }
  switch (type) {
    case 'boolean':
      return [wrong("'false'", 'false'), wrong("'true'", 'true'), wrong('0', 0), { label: 'a token', make: booleanToken }];
    case 'number':
      return [wrong("'3'", '3')];
    case 'string':
      return [wrong('3', 3)];
    case MAP_TYPE:
      return [wrong('a string', 'owner=platform'), wrong('a list', ['owner'])];
    case 'IImage':
      return [wrong('a URN', SEED_URN), wrong('an image id', IMAGE_ID), wrong('a plain object', {})];
  }
  if (DECLARATIONS.enums.has(type)) {
    return [wrong('3', 3), { label: 'a token', make: stringToken }, wrong('no value of it', 'NotAValue', true)];
  }
  if (isStructType(type)) {
    return [wrong('a string', 'x'), wrong('a list of one', [EXAMPLES[type]()]), { label: 'a token', make: anyToken }];
  }
  // A class of this library (a construct, MarketplaceImage, WindowsSetup).
  return [wrong('a plain object', {}), wrong('a string', type === 'MarketplaceImage' ? SEED_URN : 'x')];
}

interface Case {
  readonly root: Root;
  /** The member's path in a message, e.g. `targetRegions[0].replicaCount`. */
  readonly prop: string;
  /** The props with `value` at the member. */
  readonly props: (stack: TerraformStack, value: unknown) => Record<string, unknown>;
  readonly wrong: WrongValue;
}

/** Where a member sits: the path in a message, and how to put a value there into the props. */
interface Place {
  readonly prop: string;
  readonly put: (stack: TerraformStack, value: unknown) => Record<string, unknown>;
}

/** Every member of `struct` at `place`, and the members of the structs nested in it, each with `visit`. */
function walk(struct: string, place: Place, visit: (member: Member, at: Place) => void): void {
  for (const member of DECLARATIONS.interfaces.get(struct)!) {
    const at: Place = {
      prop: `${place.prop}${member.name}`,
      put: (stack, value) => place.put(stack, { ...EXAMPLES[struct]?.(), [member.name]: value }),
    };
    visit(member, at);
    const element = member.type.replace(/\[\]$/, '');
    if (isStructType(element)) {
      const list = member.type.endsWith('[]');
      walk(element, {
        prop: `${at.prop}${list ? '[0]' : ''}.`,
        put: (stack, value) => at.put(stack, list ? [value] : value),
      }, visit);
    }
  }
}

function rootPlace(root: Root): Place {
  return { prop: root.prefix ?? '', put: (stack, value) => ({ ...root.base(stack), ...(value as object) }) };
}

/** Every wrong value of every member of every root; and every member, required or not, for the null rows. */
const CASES: Case[] = [];
const MEMBERS: Array<{ root: Root; member: Member; place: Place }> = [];
for (const root of ROOTS) {
  walk(root.struct, rootPlace(root), (member, place) => {
    MEMBERS.push({ root, member, place });
    CASES.push(...wrongValuesOf(member.type).map((value) => ({ root, prop: place.prop, props: place.put, wrong: value })));
  });
}

const STACK_TRACE_LINE = /^\s+at \S/m;

describe('a wrong-typed value: the construct\'s error naming the prop, the value and the fix', () => {
  test('the table covers every construct and factory with props', () => {
    expect(new Set(CASES.map((c) => c.root.construct))).toEqual(new Set(ROOTS.map((r) => r.construct)));
    expect(CASES.length).toBeGreaterThan(350);
  });

  test.each(CASES.map((c) => [c.root.title ?? c.root.construct, c.prop, c.wrong.label, c] as const))('%s %s = %s', (_, prop, __, c) => {
    const construct = c.root.construct;
    const value = c.wrong.make();
    const build = (stack: TerraformStack) => c.root.build(stack, c.props(stack, value));
    if (!c.wrong.loosely) {
      // A password is never shown, whatever its type.
      const message = expectRefused({ construct, prop, value: prop === 'adminPassword' ? '<redacted>' : value, build });
      expect(message).not.toContain('creationStack');
      expect(message).not.toMatch(STACK_TRACE_LINE);
      return;
    }
    // The construct's own check: one error of the construct, naming the prop (or the element) and a fix.
    const result = synthesize(build);
    expect(result.error).toBeDefined();
    expect(result.error).not.toBeInstanceOf(TypeError);
    const message = result.error!.message;
    expect(message.startsWith(construct)).toBe(true);
    expect(message).toMatch(new RegExp(`^  - ${prop.replace(/[.[\]]/g, '\\$&')}\\b.*\\. Fix: \\S`, 'm'));
    expect(message).not.toMatch(STACK_TRACE_LINE);
    expect(result.jsonFiles).toEqual([]);
  });
});

// --- null -----------------------------------------------------------------------------------------------------------

/** The stack's JSON: what `build` synthesizes (Testing.synthScope: no files, no copied assets). */
function synthJson(build: (stack: TerraformStack) => void): string {
  return synthStack(build).json;
}

/** A struct's place and its optional members, for the null rows: the root's props, and each nested struct. */
interface NullGroup {
  readonly root: Root;
  readonly label: string;
  /** The props with the struct holding `members` (a member set to null, or left out when `members` lacks it). */
  readonly props: (stack: TerraformStack, members: Record<string, unknown>) => Record<string, unknown>;
  readonly optional: string[];
}

const NULL_GROUPS: NullGroup[] = ROOTS.flatMap((root) => {
  const groups: NullGroup[] = [];
  const top = DECLARATIONS.interfaces.get(root.struct)!;
  const base = (stack: TerraformStack) => {
    const props = root.base(stack);
    // Left out: what null must mean.
    top.filter((m) => m.optional).forEach((m) => delete props[m.name]);
    return props;
  };
  groups.push({
    root,
    label: root.struct,
    props: (stack, members) => ({ ...base(stack), ...members }),
    optional: top.filter((m) => m.optional).map((m) => m.name),
  });
  walk(root.struct, rootPlace(root), (member, place) => {
    const element = member.type.replace(/\[\]$/, '');
    const nested = isStructType(element) ? DECLARATIONS.interfaces.get(element)!.filter((m) => m.optional).map((m) => m.name) : [];
    if (nested.length > 0) {
      const list = member.type.endsWith('[]');
      groups.push({
        root,
        label: `${place.prop}${list ? '[0]' : ''}`,
        props: (stack, members) => place.put(stack, list ? [{ ...EXAMPLES[element](), ...members }] : { ...EXAMPLES[element](), ...members }),
        optional: nested,
      });
    }
  });
  return groups;
});

describe('null for an optional member is leaving it out; for a required one, refused', () => {
  test.each(NULL_GROUPS.map((g) => [g.root.title ?? g.root.construct, g.label, g] as const))('%s %s: every optional member null at once', (_, __, group) => {
    const nulls = Object.fromEntries(group.optional.map((m) => [m, null]));
    const withNulls = synthJson((s) => group.root.build(s, group.props(s, nulls)));
    const leftOut = synthJson((s) => group.root.build(s, group.props(s, {})));
    if (withNulls !== leftOut) {
      // Which of them: one at a time.
      const alone = (member: string) => synthJson((s) => group.root.build(s, group.props(s, { [member]: null })));
      const differing = group.optional.filter((member) => alone(member) !== leftOut);
      expect(differing).toEqual([]);
    }
    expect(withNulls).toEqual(leftOut);
  });

  const required = MEMBERS.filter(({ member }) => !member.optional);
  test.each(required.map(({ root, place }) => [root.title ?? root.construct, place.prop, root, place] as const))('%s %s = null is refused', (_, member, root, place) => {
    const construct = root.construct;
    // An IImage without one of its own members is no IImage: the message names the image.
    const prop = root.prefix !== undefined && member.split('.').length === 2 ? root.prefix.slice(0, -1) : member;
    const result = synthesize((s) => root.build(s, place.put(s, null)));
    expect(result.error).toBeDefined();
    expect(result.error).not.toBeInstanceOf(TypeError);
    expect(result.error!.message.startsWith(construct)).toBe(true);
    expect(result.error!.message).toMatch(new RegExp(`^  - ${prop.replace(/[.[\]]/g, '\\$&')}\\b.*\\. Fix: \\S`, 'm'));
    expect(result.jsonFiles).toEqual([]);
  });
});

// --- a member the struct does not have ---------------------------------------------------------------------------

/** A struct where a caller gives it: the root's props, and each struct nested in them. */
interface StructPlace {
  readonly root: Root;
  readonly struct: string;
  /** The path of its members in a message (`canary.`, `targetRegions[0].`). */
  readonly prefix: string;
  /** Valid props with `extra` members in the struct. */
  readonly props: (stack: TerraformStack, extra: Record<string, unknown>) => Record<string, unknown>;
}

const STRUCT_PLACES: StructPlace[] = ROOTS.filter((root) => isStructType(root.struct)).flatMap((root) => {
  const places: StructPlace[] = [{ root, struct: root.struct, prefix: '', props: (stack, extra) => ({ ...root.base(stack), ...extra }) }];
  walk(root.struct, rootPlace(root), (member, place) => {
    const element = member.type.replace(/\[\]$/, '');
    if (isStructType(element)) {
      const list = member.type.endsWith('[]');
      const nested = (extra: Record<string, unknown>) => ({ ...EXAMPLES[element](), ...extra });
      places.push({ root, struct: element, prefix: `${place.prop}${list ? '[0]' : ''}.`, props: (stack, extra) => place.put(stack, list ? [nested(extra)] : nested(extra)) });
    }
  });
  return places;
});

/** A typo of a member: its second-to-last letter dropped (`location` as `locatin`). */
const dropLetter = (name: string) => `${name.slice(0, -2)}${name.slice(-1)}`;
/** A value that must never appear in a message: a misspelt member may be a password. */
const SECRET_LIKE = 'Pa55-w0rd-never-shown';

describe('a member the struct does not have is refused, its value not shown', () => {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  test.each(STRUCT_PLACES.map((p) => [p.root.title ?? p.root.construct, `${p.prefix || p.struct}`, p] as const))('%s %s: a typo names the member meant', (_, __, place) => {
    const members = DECLARATIONS.interfaces.get(place.struct)!.map((m) => m.name);
    const meant = members.find((m) => m.length >= 5) ?? members[0];
    const typo = dropLetter(meant);
    const result = synthesize((s) => place.root.build(s, place.props(s, { [typo]: SECRET_LIKE })));
    expect(result.error).toBeDefined();
    const message = result.error!.message;
    expect(message.startsWith(place.root.construct)).toBe(true);
    expect(message).toMatch(new RegExp(`^  - ${escape(`${place.prefix}${typo}`)}: a string \\(not shown\\) is not a member of ${place.struct}, `
      + `so it would be ignored\\. Fix: did you mean ${meant}\\? Rename it$`, 'm'));
    expect(message).not.toContain(SECRET_LIKE);
    expect(result.jsonFiles).toEqual([]);
  });

  test('the same letters in another case name the member; a name like none lists the members', () => {
    const members = DECLARATIONS.interfaces.get('ImageGalleryProps')!.map((m) => m.name);
    const build = (extra: Record<string, unknown>) => (s: TerraformStack) => new ImageGallery(s, 'Gallery', { ...imageGalleryProps(), ...extra } as any);
    expect(synthesize(build({ GalleryName: 'gal' })).error!.message).toContain('GalleryName: a string (not shown) is not a member of ImageGalleryProps, '
      + 'so it would be ignored. Fix: did you mean galleryName? Rename it');
    expect(synthesize(build({ colour: 'blue' })).error!.message).toContain('colour: a string (not shown) is not a member of ImageGalleryProps, so it would be '
      + `ignored. Fix: remove it; the members of ImageGalleryProps are ${members.join(', ')}`);
  });

  test('a member given as undefined is left out, known or not, as JavaScript spreads leave them', () => {
    const json = (extra: Record<string, unknown>) => synthJson((s) => new ImageGallery(s, 'Gallery', { ...imageGalleryProps(), ...extra } as any));
    expect(json({ colour: undefined })).toEqual(json({}));
  });

  test('an IImage given as a plain object may carry members of its own: it is an interface, not a struct', () => {
    const json = (image: Record<string, unknown>) => synthJson((s) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { image: image as any })));
    expect(json({ ...plainImage(), builtBy: 'platform team' })).toEqual(json(plainImage()));
  });
});

test('props given as a class instance whose members are getters, as TypeScript allows: read through the getters', () => {
  class BuildVmProps {
    public get location() { return 'westeurope'; }
    public get image() { return MarketplaceImage.fromUrn(SEED_URN); }
    public get setup() { return WindowsSetup.iisAspNet(); }
    public get vmSize() { return 'Standard_D4s_v5'; }
  }
  expect(synthJson((s) => new GoldenVm(s, 'BuildVm', new BuildVmProps()))).toContain('"size": "Standard_D4s_v5"');
});

// --- positional arguments -------------------------------------------------------------------------------------------

describe('a positional argument of the wrong type: the factory\'s error', () => {
  test.each([
    ['MarketplaceImage', 'urn', 42, (s: TerraformStack) => goldenVm(s, { image: MarketplaceImage.fromUrn(42 as unknown as string) })],
    ['MarketplaceImage', 'urn', ['a:b:c:d'], (s: TerraformStack) => goldenVm(s, { image: MarketplaceImage.fromUrn(['a:b:c:d'] as unknown as string) })],
    ['MarketplaceImage', 'options', 'V2', (s: TerraformStack) => goldenVm(s, { image: MarketplaceImage.fromUrn(SEED_URN, 'V2' as any) })],
    ['MarketplaceImage', 'version', 20348, (s: TerraformStack) => goldenVm(s, { image: MarketplaceImage.windowsServer2022DatacenterGen2(20348 as unknown as string) })],
    ['MarketplaceImage', 'parts', SEED_URN, (s: TerraformStack) => goldenVm(s, { image: MarketplaceImage.fromParts(SEED_URN as any) })],
    ['WindowsSetup.iisAspNet', 'options', 'Contoso web', (s: TerraformStack) => goldenVm(s, { setup: WindowsSetup.iisAspNet('Contoso web' as any) })],
    ['WindowsSetup.custom', 'options', [{ name: 'first', script: 'Write-Output 1' }], (s: TerraformStack) => goldenVm(s, {
      setup: WindowsSetup.custom([{ name: 'first', script: 'Write-Output 1' }] as any),
    })],
    ['GoldenImageChecks.applyTo', 'scope', 'stack', () => GoldenImageChecks.applyTo('stack' as unknown as Construct)],
    ['GoldenImageChecks.applyTo', 'scope', {}, () => GoldenImageChecks.applyTo({} as Construct)],
    ['GoldenVm', 'props', 'westeurope', (s: TerraformStack) => new GoldenVm(s, 'BuildVm', 'westeurope' as any)],
    ['GalleryImageVersion.importInto', 'options', true, (s: TerraformStack) => {
      new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s)).importInto(s, 'Imported', true as any);
    }],
  ])('%s %s = %p', (construct, prop, value, build) => {
    expectRefused({ construct, prop, value, build });
  });
});

// --- tokens -----------------------------------------------------------------------------------------------------------

describe('tokens: accepted where the prop takes one, refused where it is read at synth time, never a creation stack', () => {
  test("a variable's value (a token object) is a string or number token: the JSON of stringValue and numberValue", () => {
    const fleet = (value: (v: TerraformVariable) => unknown, count: (v: TerraformVariable) => unknown) => synthJson((s) => {
      const region = new TerraformVariable(s, 'region', { type: 'string' });
      const size = new TerraformVariable(s, 'size', { type: 'number' });
      new ImageFleet(s, 'Fleet', imageFleetProps(s, { location: value(region) as string, count: count(size) as number }));
    });
    const fromValues = fleet((v) => v.value, (v) => v.value);
    expect(fromValues).toEqual(fleet((v) => v.stringValue, (v) => v.numberValue));
    expect(fromValues).toContain('var.region');
  });

  test("a variable's value for tags: a map token", () => {
    const json = synthJson((s) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { tags: new TerraformVariable(s, 'tags', { type: 'map(string)' }).value })));
    expect(json).toContain('var.tags');
  });

  test('a TerraformVariable\'s booleanValue for a boolean: refused, as a token whatever its value', () => {
    const message = expectRefused({
      construct: 'GoldenVm',
      prop: 'publicIp',
      // Every token object is shown so.
      value: booleanToken(),
      build: (s) => goldenVm(s, { publicIp: new TerraformVariable(s, 'debug', { type: 'bool' }).booleanValue }),
      mentions: [/publicIp: <unresolved token> is not a boolean\. Fix: pass true or false: the construct reads it at synth time/],
    });
    expect(message).not.toContain('creationStack');
    expect(message).not.toMatch(STACK_TRACE_LINE);
  });

  test('a password token Terraform cannot resolve: refused without the token\'s creation stack', () => {
    const message = expectRefused({
      construct: 'GoldenVm',
      prop: 'adminPassword',
      value: '<redacted>',
      build: (s) => goldenVm(s, { adminPassword: Lazy.stringValue({ produce: () => { throw new Error('the vault is sealed'); } }) }),
      mentions: [/cannot be resolved at synth time \(Resolution error: the vault is sealed\.\)/],
    });
    expect(message).not.toContain('creation stack');
    expect(message).not.toMatch(STACK_TRACE_LINE);
  });
});

// --- two copies of the library --------------------------------------------------------------------------------------

/** The modules of the library's peer dependencies that lib/ loads: cdktf, constructs, the providers' bindings. */
function peerModules(): string[] {
  const directory = path.join(__dirname, '..', 'lib');
  const sources = fs.readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    .map((f) => fs.readFileSync(path.join(directory, f), 'utf8'));
  const names = sources.flatMap((text) => [...text.matchAll(/(?:from |require\()'(cdktf|constructs|@cdktf\/provider-[a-z]+\/[^']+)'/g)].map((m) => m[1]));
  return [...new Set(names)];
}

describe('two copies of the library in one program', () => {
  test("a build VM of the other copy is this copy's GoldenVm; a plain object is not", () => {
    // GIVEN a second copy of the library (a stack library and its app, each with its own), sharing the one cdktf,
    // constructs and provider bindings, its peer dependencies
    /* eslint-disable @typescript-eslint/no-require-imports */
    const shared = Object.fromEntries(peerModules().map((name) => [name, require(name)]));
    let other: typeof lib = lib;
    jest.isolateModules(() => {
      Object.entries(shared).forEach(([name, exports]) => jest.doMock(name, () => exports));
      other = require('../lib');
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect(other.GoldenVm).not.toBe(GoldenVm);
    // WHEN this copy's GeneralizedImage gets the other copy's GoldenVm
    const json = synthJson((s) => new GeneralizedImage(s, 'Image', { vm: new other.GoldenVm(s, 'BuildVm', goldenVmProps() as any) as unknown as GoldenVm }));
    // THEN it is taken, as by the other copy
    expect(json).toContain('generalize');
    expect(hasKind({ vmId: 'x', vmName: 'x' }, 'GoldenVm')).toBe(false);
  });
});
