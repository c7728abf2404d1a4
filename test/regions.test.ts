/**
 * Regions: every prop that takes one accepts the public cloud's regions (display names too) and the names listed in
 * the cdktf context key `azure-golden-image:extraRegions`, and refuses anything else with the closest known names.
 */
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  GalleryImageVersion, GoldenVm, ImageCopy, ImageFleet, ImageGallery, ImageScaleSet, ManagedImage,
} from '../lib';
import {
  galleryImageVersionProps, galleryVersionAttributes, imageCopyProps, imageFleetProps, imageGalleryProps, imageScaleSetProps, managedImageAttributes,
} from './util/builders';
import { goldenVmProps } from './util/constructs';
import { expectRefused, synthesize } from './util/refusal';
import { AZURE_PUBLIC_REGIONS, closestRegions, editDistance, EXTRA_REGIONS_CONTEXT, extraRegions } from '../lib/private/naming/regions';

/** What a construct or importer tells of its region(s). */
interface Located {
  readonly location: string;
  readonly regions?: string[];
}

/**
 * One prop that takes a region: `build` puts `region` there, everything else valid (a fleet's image in `imageRegion`),
 * and returns what tells the region back.
 */
interface RegionProp {
  readonly construct: string;
  readonly prop: string;
  readonly build: (scope: Construct, region: string, imageRegion: string) => Located;
}

const REGION_PROPS: RegionProp[] = [
  { construct: 'GoldenVm', prop: 'location', build: (s, r) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: r })) },
  { construct: 'ImageCopy', prop: 'location', build: (s, r) => new ImageCopy(s, 'Copy', imageCopyProps(s, { location: r })) },
  {
    construct: 'ImageFleet',
    prop: 'location',
    build: (s, r, i) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { location: r }, { location: i })),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'location',
    build: (s, r, i) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, { location: r }, { location: i })),
  },
  { construct: 'ImageGallery', prop: 'location', build: (s, r) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: r })) },
  {
    construct: 'GalleryImageVersion',
    prop: 'targetRegions[0].location',
    build: (s, r) => new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [{ location: r }] })),
  },
  {
    construct: 'GalleryImageVersion.fromVersionId',
    prop: 'location',
    build: (s, r) => GalleryImageVersion.fromVersionId(s, 'Imported', galleryVersionAttributes({ location: r })),
  },
  {
    construct: 'GalleryImageVersion.fromVersionId',
    prop: 'regions[1]',
    build: (s, r) => GalleryImageVersion.fromVersionId(s, 'Imported', galleryVersionAttributes({ regions: ['westeurope', r] })),
  },
  { construct: 'ManagedImage.fromImageId', prop: 'location', build: (s, r) => ManagedImage.fromImageId(s, 'Golden', managedImageAttributes({ location: r })) },
];

const EXTRA = { [EXTRA_REGIONS_CONTEXT]: ['chinanorth3', 'Atlantis Central'] };

function jsonOf(build: (stack: TerraformStack) => void, context?: Record<string, unknown>): string {
  const result = synthesize(build, context);
  expect(result.error).toBeUndefined();
  return result.json!;
}

describe('regions', () => {
  describe('the list', () => {
    test('holds the public cloud\'s regions by their canonical names, each once, the recent ones too', () => {
      expect(new Set(AZURE_PUBLIC_REGIONS).size).toBe(AZURE_PUBLIC_REGIONS.length);
      for (const region of AZURE_PUBLIC_REGIONS) {
        expect(region).toMatch(/^[a-z][a-z0-9]{2,40}$/);
      }
      expect(AZURE_PUBLIC_REGIONS).toEqual(expect.arrayContaining([
        'westeurope', 'northeurope', 'eastus', 'eastus2', 'westus3', 'swedencentral', 'newzealandnorth', 'italynorth', 'polandcentral',
        'spaincentral', 'mexicocentral', 'israelcentral', 'indonesiacentral', 'malaysiawest', 'chilecentral', 'austriaeast', 'belgiumcentral',
        'denmarkeast',
        // Restricted, paired-only regions: allowed on request, so legitimate.
        'australiacentral2', 'francesouth', 'germanynorth', 'norwaywest', 'southafricawest', 'switzerlandwest', 'uaecentral', 'swedensouth',
      ]));
    });

    test('leaves out the sovereign clouds, the geographies and the staging regions', () => {
      for (const name of ['chinanorth', 'chinaeast2', 'usgovvirginia', 'usdodeast', 'europe', 'global', 'unitedstates', 'eastusstg', 'eastusstage']) {
        expect({ name, listed: AZURE_PUBLIC_REGIONS.includes(name) }).toEqual({ name, listed: false });
      }
    });
  });

  describe('suggestions', () => {
    test.each([
      ['westeuroep', ['westeurope']],
      ['wsteurope', ['westeurope']],
      ['Europe West', ['westeurope']],
      ['west-europe', ['westeurope']],
      ['US East 2', ['eastus2']],
      ['westus4', ['westus', 'westus2', 'westus3']],
      ['Mars North!', []],
      ['eu-west-1', []],
    ])('%s -> %j', (input, expected) => {
      expect(closestRegions(input, AZURE_PUBLIC_REGIONS)).toEqual(expected);
    });

    test('count a swap of two neighbours as one edit', () => {
      expect(editDistance('westeuroep', 'westeurope')).toBe(1);
      expect(editDistance('eastus', 'eastus2')).toBe(1);
      expect(editDistance('', 'abc')).toBe(3);
      expect(editDistance('kitten', 'sitting')).toBe(3);
    });
  });

  describe('messages', () => {
    test('an unknown region: the closest names, and the context key for a region the list lacks', () => {
      const message = expectRefused({
        construct: 'GoldenVm',
        prop: 'location',
        value: 'westeuroep',
        build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'westeuroep' })),
      });
      expect(message).toContain("location: 'westeuroep' is not an Azure region name (did you mean 'westeurope'?). Fix: write the name as "
        + "`az account list-locations -o table` prints it, e.g. 'westeurope'; if 'westeuroep' is a region this library does not know yet, "
        + `add it to the cdktf context '${EXTRA_REGIONS_CONTEXT}' (cdktf.json: "context": { "${EXTRA_REGIONS_CONTEXT}": ["westeuroep"] })`);
    });

    test('up to three suggestions, closest first', () => {
      expectRefused({
        construct: 'ImageGallery',
        prop: 'location',
        value: 'westus4',
        build: (s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'westus4' })),
        mentions: ["is not an Azure region name (did you mean 'westus', 'westus2' or 'westus3'?)"],
      });
    });

    test('a geography: not a region, and its regions', () => {
      expectRefused({
        construct: 'ImageGallery',
        prop: 'location',
        value: 'Europe',
        build: (s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'Europe' })),
        mentions: ["is a geography, not a region: Azure places no resource in it (did you mean 'northeurope' or 'westeurope'?)"],
      });
    });

    test('a sovereign cloud\'s region: which cloud, and the context key', () => {
      expectRefused({
        construct: 'GoldenVm',
        prop: 'location',
        value: 'usgovvirginia',
        build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: 'usgovvirginia' })),
        mentions: ['is a region of Azure Government, not of the public cloud', `add 'usgovvirginia' to the cdktf context '${EXTRA_REGIONS_CONTEXT}'`],
      });
    });
  });

  describe('every prop that takes a region', () => {
    test.each(REGION_PROPS.map((row) => [row.construct, row.prop, row] as const))('%s %s refuses a misspelt region', (_, __, row) => {
      expectRefused({ construct: row.construct, prop: row.prop, value: 'westeuroep', build: (s) => row.build(s, 'westeuroep', 'westeurope'), mentions: ["did you mean 'westeurope'?"] });
    });

    test.each(REGION_PROPS.map((row) => [row.construct, row.prop, row] as const))('%s %s refuses a geography', (_, __, row) => {
      expectRefused({ construct: row.construct, prop: row.prop, value: 'europe', build: (s) => row.build(s, 'europe', 'westeurope'), mentions: ['is a geography'] });
    });

    test.each(REGION_PROPS.map((row) => [row.construct, row.prop, row] as const))('%s %s accepts a display name, made canonical', (_, __, row) => {
      let located: Located | undefined;
      const json = jsonOf((s) => {
        located = row.build(s, 'North Europe', 'northeurope');
      });
      expect([located!.location, ...located!.regions ?? []]).toContain('northeurope');
      expect(json).not.toContain('North Europe');
    });

    test.each(REGION_PROPS.map((row) => [row.construct, row.prop, row] as const))('%s %s accepts a region listed in the context', (_, __, row) => {
      let located: Located | undefined;
      // WHEN the region is unknown to the list, but listed in the App's context (as cdktf.json's "context" gives it)
      jsonOf((s) => {
        located = row.build(s, 'China North 3', 'chinanorth3');
      }, EXTRA);
      // THEN
      expect([located!.location, ...located!.regions ?? []]).toContain('chinanorth3');
    });
  });

  describe('the context key', () => {
    test('normalizes its names like the props, and takes a comma-separated string too', () => {
      expect(extraRegions(Testing.app({ context: EXTRA })).names).toEqual(['chinanorth3', 'atlantiscentral']);
      expect(extraRegions(Testing.app({ context: { [EXTRA_REGIONS_CONTEXT]: 'chinanorth3, usgovvirginia' } })).names).toEqual(['chinanorth3', 'usgovvirginia']);
      expect(extraRegions(Testing.app()).names).toEqual([]);
      jsonOf((s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'Atlantis Central' })), EXTRA);
    });

    test('is read from cdktf.json, which the CLI hands to the App as CDKTF_CONTEXT_JSON', () => {
      const before = process.env.CDKTF_CONTEXT_JSON;
      process.env.CDKTF_CONTEXT_JSON = JSON.stringify(EXTRA);
      try {
        const stack = new TerraformStack(new App({ outdir: Testing.app().outdir }), 'stack');
        expect(() => new ImageGallery(stack, 'Gallery', imageGalleryProps({ location: 'chinanorth3' }))).not.toThrow();
      } finally {
        if (before === undefined) {
          delete process.env.CDKTF_CONTEXT_JSON;
        } else {
          process.env.CDKTF_CONTEXT_JSON = before;
        }
      }
    });

    test('admits only the names it lists: another unknown region is still refused, with the listed ones as suggestions', () => {
      expectRefused({
        construct: 'ImageGallery',
        prop: 'location',
        value: 'chinanorth4',
        build: (s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'chinanorth4' })),
        context: EXTRA,
        mentions: ["did you mean 'chinanorth3'?"],
      });
    });

    test('refuses a value that is not a list of region names', () => {
      expectRefused({
        construct: 'ImageGallery',
        prop: `context '${EXTRA_REGIONS_CONTEXT}'`,
        value: { chinanorth3: true },
        build: (s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'chinanorth3' })),
        context: { [EXTRA_REGIONS_CONTEXT]: { chinanorth3: true } },
        mentions: ['is not a list of Azure region names', `"${EXTRA_REGIONS_CONTEXT}": ["chinanorth3"]`],
      });
      expectRefused({
        construct: 'ImageGallery',
        prop: `context '${EXTRA_REGIONS_CONTEXT}'`,
        value: ['china north 3!'],
        build: (s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'chinanorth3' })),
        context: { [EXTRA_REGIONS_CONTEXT]: ['china north 3!'] },
      });
    });

    test('is not needed for a listed region, and never read then', () => {
      // A malformed key does not matter while every region is in the list.
      jsonOf((s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: 'westeurope' })), { [EXTRA_REGIONS_CONTEXT]: 42 });
    });
  });

  test.each([
    ['ImageFleet', (s: TerraformStack) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { location: 'westeuroep' }))],
    ['ImageScaleSet', (s: TerraformStack) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, { location: 'westeuroep' }))],
  ])('%s: a misspelt location is one problem, not also "not the image\'s region"', (construct, build) => {
    const message = expectRefused({ construct, prop: 'location', value: 'westeuroep', build, mentions: ["did you mean 'westeurope'?"] });
    expect(message).toMatch(/: 1 invalid prop:\n/);
  });

  test('a token is left to Terraform', () => {
    const json = jsonOf((s) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: new TerraformVariable(s, 'region', { type: 'string' }).stringValue })));
    expect(json).toContain('"location": "${var.region}"');
  });
});
