/**
 * Messages: every value is shown whole, on one line, as it really is (`describeValue`); and a prop JavaScript or
 * another jsii language leaves out, or sets to null, gets the construct's usual error, never a raw TypeError.
 */
import { Lazy, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import { Construct } from 'constructs';
import {
  GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenImageChecks, GoldenVm, ImageCopy, ImageFleet, ImageGallery, ImageScaleSet,
  ManagedImage, MarketplaceImage, WindowsSetup,
} from '../lib';
import {
  galleryImageProps, galleryImageVersionProps, galleryVersionAttributes, generalizedImageProps, imageCopyProps, imageFleetProps, imageGalleryProps,
  imageScaleSetProps, managedImageAttributes, SUBSCRIPTION,
} from './util/builders';
import { goldenVmProps } from './util/constructs';
import { expectRefused, synthesize } from './util/refusal';
import { describeValue } from '../lib/private/validation/props-validator';

describe('describeValue', () => {
  test.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [undefined, 'undefined'],
    [null, 'null'],
    [3, '3'],
    [true, 'true'],
    ['westeurope', "'westeurope'"],
  ])('%p is shown as %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });

  test.each([
    ['a line break', 'web\n01', "'web\\n01'"],
    ['a tab and a carriage return', 'web\t01\r', "'web\\t01\\r'"],
    ['a NUL and DEL', 'web\u000001\u007f', "'web\\u000001\\u007f'"],
    ['a C1 control', 'web\u0085', "'web\\u0085'"],
    ['a zero-width space', 'west\u200beurope', "'west\\u200beurope'"],
    ['a zero-width joiner and a BOM', '\ufeffweb\u200d', "'\\ufeffweb\\u200d'"],
    ['a bidi override and isolate', 'gal\u202e\u2066x', "'gal\\u202e\\u2066x'"],
    ['line and paragraph separators', 'a\u2028b\u2029', "'a\\u2028b\\u2029'"],
    ['a no-break space', 'West\u00a0Europe', "'West\\u00a0Europe'"],
    ['a lone surrogate', 'x\ud800', "'x\\ud800'"],
    ['an astral format character', 'x\u{e0001}', "'x\\u{e0001}'"],
    ['a quote and a backslash', "C:\\it's", "'C:\\\\it\\'s'"],
    ['letters of other scripts, which are visible', 'Zürich 東京', "'Zürich 東京'"],
  ])('%s is escaped: one line, what is really there', (_, value, expected) => {
    const shown = describeValue(value);
    expect(shown).toBe(expected);
    expect(shown).not.toMatch(/[\n\r\u2028\u2029]/);
  });

  test('a long value is shown whole, its end too', () => {
    const id = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${'r'.repeat(200)}/providers/Microsoft.Compute/images/${'i'.repeat(40)}!`;
    expect(id.length).toBeGreaterThanOrEqual(300);
    expect(describeValue(id)).toBe(`'${id}'`);
  });

  test('lists and objects: the same escaping inside, NaN and undefined shown, nested strings in JSON quotes', () => {
    expect(describeValue(['a\nb', NaN, undefined, null, 1])).toBe('["a\\nb",NaN,undefined,null,1]');
    expect(describeValue({ 'na\u200bme': 'x"y', 'count': Infinity, 'nested': { list: [] } })).toBe('{"na\\u200bme":"x\\"y","count":Infinity,"nested":{"list":[]}}');
  });

  test('a construct by its path, a cycle without end', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    expect(describeValue(stack)).toBe("<TerraformStack 'stack'>");
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('{"name":"a","self":<circular>}');
    expect(describeValue([cyclic, cyclic])).toBe('[{"name":"a","self":<circular>},{"name":"a","self":<circular>}]');
  });

  test('a token object by what it is, never its creation stack; bytes by their count', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const variable = new TerraformVariable(stack, 'v', { type: 'bool' });
    // Each holds the stack trace of its creation in a field (creationStack), which a message must never show.
    for (const token of [variable.booleanValue, variable.value, Lazy.anyValue({ produce: () => 1 }), Token.asAnyMap(variable.value)]) {
      expect(describeValue(token)).toBe('<unresolved token>');
    }
    expect(describeValue({ publicIp: variable.booleanValue })).toBe('{"publicIp":<unresolved token>}');
    expect(describeValue(Buffer.from('Write-Output 1'))).toBe('<14 bytes>');
  });

  test('a number token by what it is, not its encoding', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const token = new TerraformVariable(stack, 'n', { type: 'number' }).numberValue;
    expect(describeValue(token)).toBe('<unresolved number token>');
  });
});

describe('messages of the constructs', () => {
  test('a 300-character id whose problem is at its end is shown whole', () => {
    // GIVEN an image id whose only problem is the image name's last character
    const imageId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${'rg-'.padEnd(90, 'x')}/providers/Microsoft.Compute/images/${'img-'.padEnd(79, 'y')}.`;
    expect(imageId.length).toBeGreaterThan(270);
    // THEN the message shows all of it
    const message = expectRefused({
      construct: 'ManagedImage.fromImageId',
      prop: 'imageId',
      value: imageId,
      build: (s) => ManagedImage.fromImageId(s, 'Golden', managedImageAttributes({ imageId })),
    });
    expect(message).toContain(`'${imageId}'`);
  });

  test('a value with a line break stays on its problem line, the break shown', () => {
    const message = expectRefused({
      construct: 'GoldenVm',
      prop: 'vmName',
      value: 'vm-golden\n',
      build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ vmName: 'vm-golden\n' })),
    });
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toContain("vmName: 'vm-golden\\n' is not a valid VM name");
  });

  test('a value shown inside a problem goes through the same escaping', () => {
    expectRefused({
      construct: 'ImageFleet',
      prop: 'namePrefix',
      value: 'frontend\u200bweb',
      build: (s) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { namePrefix: 'frontend\u200bweb' })),
      mentions: [/instance names such as 'frontend\\u200bweb0*1' must fit/],
    });
  });
});

/** A construct or factory, the props it requires, valid props, and how to call it with props that may lack some. */
interface RequiredProps {
  readonly construct: string;
  readonly required: string[];
  readonly props: (scope: Construct) => object;
  readonly make: (scope: Construct, props: any) => unknown;
}

const REQUIRED: RequiredProps[] = [
  { construct: 'GoldenVm', required: ['location', 'image', 'setup'], props: () => goldenVmProps(), make: (s, p) => new GoldenVm(s, 'BuildVm', p) },
  { construct: 'GeneralizedImage', required: ['vm'], props: (s) => generalizedImageProps(s), make: (s, p) => new GeneralizedImage(s, 'Image', p) },
  { construct: 'ImageCopy', required: ['source'], props: (s) => imageCopyProps(s), make: (s, p) => new ImageCopy(s, 'Copy', p) },
  { construct: 'ImageFleet', required: ['image', 'count', 'namePrefix'], props: (s) => imageFleetProps(s), make: (s, p) => new ImageFleet(s, 'Fleet', p) },
  {
    construct: 'ImageScaleSet',
    required: ['image', 'count', 'namePrefix'],
    props: (s) => imageScaleSetProps(s),
    make: (s, p) => new ImageScaleSet(s, 'Web', p),
  },
  { construct: 'ImageGallery', required: ['location'], props: () => imageGalleryProps(), make: (s, p) => new ImageGallery(s, 'Gallery', p) },
  { construct: 'GalleryImage', required: ['gallery'], props: (s) => galleryImageProps(s), make: (s, p) => new GalleryImage(s, 'Definition', p) },
  {
    construct: 'GalleryImageVersion',
    required: ['galleryImage', 'source'],
    props: (s) => galleryImageVersionProps(s),
    make: (s, p) => new GalleryImageVersion(s, 'Version', p),
  },
  {
    construct: 'GalleryImageVersion.fromVersionId',
    required: ['imageId', 'location', 'hyperVGeneration', 'securityType'],
    props: () => galleryVersionAttributes(),
    make: (s, p) => GalleryImageVersion.fromVersionId(s, 'Imported', p),
  },
  {
    construct: 'ManagedImage.fromImageId',
    required: ['imageId', 'location', 'hyperVGeneration'],
    props: () => managedImageAttributes(),
    make: (s, p) => ManagedImage.fromImageId(s, 'Golden', p),
  },
  {
    construct: 'MarketplaceImage',
    required: ['publisher', 'offer', 'sku'],
    props: () => ({ publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2' }),
    make: (_, p) => MarketplaceImage.fromParts(p),
  },
  // Positional parameters: the "props" hold them by name.
  {
    construct: 'MarketplaceImage',
    required: ['urn'],
    props: () => ({ urn: 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest' }),
    make: (_, p) => MarketplaceImage.fromUrn(p?.urn),
  },
  { construct: 'WindowsSetup.custom', required: ['steps'], props: () => ({ steps: [{ name: 'App', script: 'Write-Output 1' }] }), make: (_, p) => WindowsSetup.custom(p) },
  { construct: 'GoldenImageChecks.applyTo', required: ['scope'], props: (s) => ({ scope: s }), make: (_, p) => GoldenImageChecks.applyTo(p?.scope) },
];

function without(props: object, prop: string): object {
  const copy: Record<string, unknown> = { ...props };
  delete copy[prop];
  return copy;
}

describe('a missing required prop: the construct\'s error, never a TypeError', () => {
  test('the valid props of every row are accepted', () => {
    for (const row of REQUIRED) {
      const error = synthesize((s) => row.make(s, row.props(s))).error?.message;
      expect({ construct: row.construct, error }).toEqual({ construct: row.construct, error: undefined });
    }
  });

  const cases = REQUIRED.flatMap((row) => row.required.flatMap((prop) => [
    [row.construct, prop, 'left out', row, (p: object) => without(p, prop), undefined] as const,
    [row.construct, prop, 'null', row, (p: object) => ({ ...p, [prop]: null }), null] as const,
  ]));
  test.each(cases)('%s %s %s', (construct, prop, _, row, change, value) => {
    expectRefused({ construct, prop, value, build: (s) => row.make(s, change(row.props(s))), mentions: [/ is missing\. Fix: \S/] });
  });

  test.each(REQUIRED.flatMap((row) => [[row.construct, 'undefined', row, undefined], [row.construct, 'null', row, null]] as const))(
    '%s with props %s names every required prop', (construct, _, row, props) => {
      const message = expectRefused({ construct, prop: row.required[0], value: undefined, build: (s) => row.make(s, props) });
      for (const prop of row.required) {
        expect(message).toContain(`  - ${prop}: undefined is missing. Fix: `);
      }
    });

  test.each([
    ['a target region without its location', { location: undefined }],
    ['a null target region', null],
  ])('GalleryImageVersion: %s', (_, region) => {
    expectRefused({
      construct: 'GalleryImageVersion',
      prop: 'targetRegions[0].location',
      value: undefined,
      build: (s) => new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [region as any] })),
    });
  });

  test('GalleryImageVersion.fromVersionId: a missing region in regions', () => {
    expectRefused({
      construct: 'GalleryImageVersion.fromVersionId',
      prop: 'regions[1]',
      value: undefined,
      build: (s) => GalleryImageVersion.fromVersionId(s, 'Imported', galleryVersionAttributes({ regions: ['westeurope', undefined as any] })),
    });
  });

  test('GalleryImage: an identifier without its sku', () => {
    expectRefused({
      construct: 'GalleryImage',
      prop: 'identifier.sku',
      value: undefined,
      build: (s) => new GalleryImage(s, 'Definition', galleryImageProps(s, { identifier: { publisher: 'contoso', offer: 'web' } as any })),
    });
  });

  test('null options of an optional options object mean the defaults', () => {
    expect(WindowsSetup.iisAspNet(null as any).steps.map((s) => s.name)).toEqual(WindowsSetup.iisAspNet().steps.map((s) => s.name));
    const json = synthesize((s) => {
      const version = new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s));
      version.importInto(s, 'Imported', null as any);
    });
    expect(json.error).toBeUndefined();
  });

  test('an optional prop set to null is left out, as the other jsii languages pass it', () => {
    const json = synthesize((s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ osDiskStorageType: null as any, securityType: null as any })));
    expect(json.error).toBeUndefined();
    expect(json.json).toContain('"storage_account_type": "StandardSSD_LRS"');
  });
});
