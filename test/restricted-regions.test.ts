/**
 * Regions Azure opens only on request (issue 23, point 3): the restricted regions of Microsoft Learn's "Azure regions
 * list" and the early-access (EUAP) ones. A subscription granted access deploys there like anywhere else, and nothing
 * at synth or plan can tell, so they are not refused: every construct that creates something in such a region warns,
 * naming the region, how to request access and the open region it is paired with. Importers of what already exists
 * there do not warn.
 */
import { TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import {
  GalleryImageVersion, GoldenVm, ImageCopy, ImageFleet, ImageGallery, ImageScaleSet, ManagedImage,
} from '../lib';
import {
  galleryImageVersionProps, imageCopyProps, imageFleetProps, imageGalleryProps, imageScaleSetProps, managedImageAttributes,
} from './util/builders';
import { goldenVmProps, warningsOf } from './util/constructs';
import { synthStack } from './util/synth';
import { AZURE_PUBLIC_REGIONS, REGION_ACCESS_REQUEST, RESTRICTED_REGIONS } from '../lib/private/naming/regions';

/** One prop of a construct that creates something in a region: `build` puts `region` there and returns the construct. */
interface DeployingRegionProp {
  readonly construct: string;
  readonly prop: string;
  readonly build: (scope: Construct, region: string) => IConstruct;
}

const DEPLOYING: DeployingRegionProp[] = [
  { construct: 'GoldenVm', prop: 'location', build: (s, r) => new GoldenVm(s, 'BuildVm', goldenVmProps({ location: r })) },
  { construct: 'ImageCopy', prop: 'location', build: (s, r) => new ImageCopy(s, 'Copy', imageCopyProps(s, { location: r })) },
  { construct: 'ImageFleet', prop: 'location', build: (s, r) => new ImageFleet(s, 'Fleet', imageFleetProps(s, { location: r }, { location: r })) },
  { construct: 'ImageScaleSet', prop: 'location', build: (s, r) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, { location: r }, { location: r })) },
  { construct: 'ImageGallery', prop: 'location', build: (s, r) => new ImageGallery(s, 'Gallery', imageGalleryProps({ location: r })) },
  {
    construct: 'GalleryImageVersion',
    prop: 'targetRegions[1].location',
    build: (s, r) => new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [{ location: 'westeurope' }, { location: r }] })),
  },
];

function warningsFor(build: (stack: TerraformStack) => IConstruct): string[] {
  let construct: IConstruct | undefined;
  synthStack((stack) => {
    construct = build(stack);
  });
  return warningsOf(construct!);
}

describe('regions Azure opens only on request', () => {
  test('the list: public regions, each with an open region to suggest', () => {
    for (const [region, { open }] of RESTRICTED_REGIONS) {
      expect([region, AZURE_PUBLIC_REGIONS.includes(region), AZURE_PUBLIC_REGIONS.includes(open), RESTRICTED_REGIONS.has(open)])
        .toEqual([region, true, true, false]);
    }
    expect([...RESTRICTED_REGIONS.keys()]).toEqual(expect.arrayContaining(['francesouth', 'germanynorth', 'swedensouth', 'uaecentral', 'eastus2euap']));
  });

  describe.each(DEPLOYING.map((row) => [`${row.construct} ${row.prop}`, row] as const))('%s', (_, row) => {
    test('a restricted region: synthesized, with a warning naming the region, the access request and the open region', () => {
      const warnings = warningsFor((s) => row.build(s, 'francesouth'));
      expect(warnings).toEqual([`${row.prop} 'francesouth' is a region Azure opens only on request (access restricted: Microsoft Learn, "Azure regions `
        + 'list"): the deployment fails there unless the subscription has access. If it has, nothing to do; otherwise request access for the subscription '
        + `(Microsoft Learn, "Azure region access request process": ${REGION_ACCESS_REQUEST}), or deploy to 'francecentral', `
        + 'the open region it is paired with.']);
    });

    test('an early-access region by its display name: the program to enroll in', () => {
      const [warning] = warningsFor((s) => row.build(s, 'East US 2 EUAP'));
      expect(warning).toContain(`${row.prop} 'East US 2 EUAP' is a region Azure opens only on request (early access)`);
      expect(warning).toContain("have the subscription enrolled in the early access program of these regions (EUAP), or deploy to 'eastus2'");
    });

    test('an open region: no warning', () => {
      expect(warningsFor((s) => row.build(s, 'francecentral'))).toEqual([]);
    });
  });

  test('importers of what exists there already: no warning', () => {
    const image = warningsFor((s) => ManagedImage.fromImageId(s, 'Image', managedImageAttributes({ location: 'francesouth' })) as unknown as IConstruct);
    expect(image).toEqual([]);
  });
});
