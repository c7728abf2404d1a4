/**
 * `excludeFromLatest` and the consumers of a definition's latest (issue 23, point 3). Every build is published excluded
 * from latest and promoted once its canary passes (canary-then-promote); `excludeFromLatest: true` leaves every build
 * excluded. VMs that take the definition's latest (`version.latest`, `importInto(..., { latest: true })`) then never get
 * a build of this pipeline: when they are the app's only consumers of the version, that is refused; beside consumers of
 * the version itself (a staged rollout, promoted by hand) it is warned about.
 */
import { TerraformStack } from 'cdktf';
import { FleetRollout, GalleryImageVersion, GalleryImageVersionProps, IImage, ImageFleet, ImageScaleSet } from '../lib';
import { galleryImageVersionProps } from './util/builders';
import { warningsOf } from './util/constructs';
import { expectRefused, Refusal, synthesize } from './util/refusal';
import { resourceAt, synthStack } from './util/synth';

function version(stack: TerraformStack, props: Partial<GalleryImageVersionProps> = { excludeFromLatest: true }): GalleryImageVersion {
  return new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack, props));
}

const fleet = (stack: TerraformStack, image: IImage, id = 'Fleet') =>
  new ImageFleet(stack, id, { image, count: 2, namePrefix: id.toLowerCase(), resourceGroupName: `rg-${id.toLowerCase()}`, rollout: FleetRollout.ALL_AT_ONCE });
const scaleSet = (stack: TerraformStack, image: IImage) => new ImageScaleSet(stack, 'Web', { image, count: 2, namePrefix: 'web', resourceGroupName: 'rg-web' });

/** A second stack of the same app, as the fleet's stack of a two-stack app. */
const otherStack = (stack: TerraformStack) => new TerraformStack(stack.node.scope!, 'fleet');

const NEVER = /excludeFromLatest: true keeps every version of this pipeline out of the latest of GalleryImage 'stack\/Definition', but the app's only consumers of it take that latest/;
const FIX = /Fix: give them the version itself \(image: version, or version\.importInto\(scope, id\) in another stack\), which rolls each build out once its canary passes; or remove excludeFromLatest/;

describe('excludeFromLatest with consumers of the definition\'s latest', () => {
  describe('refused: the app\'s only consumers take the latest, which no build ever becomes', () => {
    const ROWS: Array<Refusal & { readonly label: string }> = [
      {
        label: 'an ImageFleet on version.latest',
        construct: 'GalleryImageVersion',
        prop: 'excludeFromLatest',
        value: true,
        mentions: [NEVER, /take that latest \(<ImageFleet 'stack\/Fleet'>\): no build would ever reach them/, FIX],
        build: (s) => fleet(s, version(s).latest),
      },
      {
        label: 'an ImageScaleSet on version.latest',
        construct: 'GalleryImageVersion',
        prop: 'excludeFromLatest',
        value: true,
        mentions: [NEVER, /\(<ImageScaleSet 'stack\/Web'>\)/],
        build: (s) => scaleSet(s, version(s).latest),
      },
      {
        label: 'an ImageFleet in another stack on importInto(..., { latest: true })',
        construct: 'GalleryImageVersion',
        prop: 'excludeFromLatest',
        value: true,
        mentions: [NEVER, /\(<ImageFleet 'fleet\/Fleet'>\)/],
        build: (s) => {
          const other = otherStack(s);
          fleet(other, version(s).importInto(other, 'Golden', { latest: true }));
        },
      },
      {
        label: 'a fleet and a scale set, both on the latest: both named',
        construct: 'GalleryImageVersion',
        prop: 'excludeFromLatest',
        value: true,
        mentions: [/\(<ImageFleet 'stack\/Fleet'>, <ImageScaleSet 'stack\/Web'>\)/],
        build: (s) => {
          const v = version(s);
          fleet(s, v.latest);
          scaleSet(s, v.latest);
        },
      },
    ];
    test.each(ROWS.map((row) => [row.label, row] as const))('%s', (_, row) => {
      expectRefused(row);
    });
  });

  describe('accepted', () => {
    test('canary-then-promote (excludeFromLatest not set) with a consumer of the latest: published excluded, promoted after the canary', () => {
      const { parsed } = synthStack((s) => fleet(s, version(s, {}).latest));
      const environment = (step: string) => resourceAt(parsed, 'terraform_data', `Version/${step}`).provisioner[0]['local-exec'].environment;
      expect(environment('Promote').GOLDEN_EXCLUDE_FROM_LATEST).toBe('false');
      expect(resourceAt(parsed, 'terraform_data', 'Version/Promote').depends_on).toEqual([expect.stringMatching(/^terraform_data\.Version_Canary_/)]);
    });

    test.each<[string, (s: TerraformStack) => GalleryImageVersion]>([
      ['excludeFromLatest with consumers of the version itself only', (s) => {
        const v = version(s);
        fleet(s, v);
        scaleSet(s, v);
        return v;
      }],
      ['excludeFromLatest and no consumer in this app (another configuration names the versions)', (s) => version(s)],
      ['excludeFromLatest: false with consumers of the latest', (s) => {
        const v = version(s, { excludeFromLatest: false });
        fleet(s, v.latest);
        return v;
      }],
    ])('%s: synthesized, no warning', (_, build) => {
      let built: GalleryImageVersion | undefined;
      const result = synthesize((s) => {
        built = build(s);
      });
      expect(result.error).toBeUndefined();
      expect(warningsOf(built!)).toEqual([]);
    });

    test('a staged rollout: a fleet on the version, another on the latest: synthesized, with a warning naming the latest\'s consumer and the promotion', () => {
      let built: GalleryImageVersion | undefined;
      const result = synthesize((s) => {
        built = version(s);
        fleet(s, built, 'Staging');
        fleet(s, built.latest, 'Production');
      });
      expect(result.error).toBeUndefined();
      expect(warningsOf(built!)).toEqual([
        "excludeFromLatest keeps every version of this pipeline out of the latest of GalleryImage 'stack/Definition', which <ImageFleet 'stack/Production'> take: they "
        + 'get a build only once it is promoted by hand, after the consumers of the version itself ran it (az sig image-version update -g <resource group> -r gal_golden -i '
        + 'web-iis -e <version> --set publishingProfile.excludeFromLatest=false).',
      ]);
    });
  });
});
