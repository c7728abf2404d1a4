/**
 * End-of-life dates (issue 23 point 2), on both constructs that take one: a definition's (GalleryImage, informational:
 * a past date is warned about) and a version's (GalleryImageVersion: each build publishes a version, so a past date is
 * refused). A token date is rendered in the RFC 3339 form azurerm validates, as a literal one is, and checked at plan:
 * real Terraform evaluates that check in test/end-of-life-dates.integration.test.ts. The date of today is injected
 * where it decides; elsewhere the dates are far from it, so no test depends on the day it runs.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenVm, ImageGallery, SecurityType } from '../lib';
import { goldenVmProps, warningsOf } from './util/constructs';
import { expectRefused } from './util/refusal';
import { onlyResource, synthStack } from './util/synth';
import { checkVersionEndOfLife, definitionEndOfLife } from '../lib/private/validation/dates';
import { PropsValidator } from '../lib/private/validation/props-validator';

function definition(stack: TerraformStack, endOfLifeDate?: string): GalleryImage {
  const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' });
  return new GalleryImage(stack, 'Definition', { gallery, imageName: 'web-iis', endOfLifeDate });
}

function version(stack: TerraformStack, endOfLifeDate?: string): GalleryImageVersion {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH }));
  return new GalleryImageVersion(stack, 'Version', {
    galleryImage: definition(stack), source: new GeneralizedImage(stack, 'Image', { vm }), endOfLifeDate,
  });
}

describe('end-of-life dates', () => {
  test('GalleryImageVersion: a date in the past is refused (a new version would be past its end of life from the start)', () => {
    expectRefused({
      construct: 'GalleryImageVersion',
      prop: 'endOfLifeDate',
      value: '2000-01-01',
      build: (s) => version(s, '2000-01-01'),
      mentions: [/is in the past \(today is \d{4}-\d{2}-\d{2}\): each build would publish a version past its end of life/, 'Fix: pass a later date, or none'],
    });
  });

  test.each([['GalleryImage', definition], ['GalleryImageVersion', version]] as const)('%s: a date that does not exist is refused', (construct, build) => {
    expectRefused({ construct, prop: 'endOfLifeDate', value: '2999-02-29', build: (s) => build(s, '2999-02-29'), mentions: ['is not a date YYYY-MM-DD'] });
  });

  test('GalleryImage: a date in the past synthesizes with a warning (informational: Azure keeps serving the definition)', () => {
    let made: GalleryImage | undefined;
    const { parsed } = synthStack((stack) => { made = definition(stack, '2000-01-01'); });
    expect(onlyResource(parsed, 'azurerm_shared_image').end_of_life_date).toBe('2000-01-01T00:00:00Z');
    expect(warningsOf(made!)).toEqual([expect.stringMatching(/^endOfLifeDate '2000-01-01' is in the past: consumers of the definition see it past its end of life/)]);
  });

  test('GalleryImage: a future date, no warning, RFC 3339 at midnight UTC', () => {
    let made: GalleryImage | undefined;
    const { parsed } = synthStack((stack) => { made = definition(stack, '2999-12-31'); });
    expect(onlyResource(parsed, 'azurerm_shared_image').end_of_life_date).toBe('2999-12-31T00:00:00Z');
    expect(onlyResource(parsed, 'azurerm_shared_image').lifecycle).toBeUndefined();
    expect(warningsOf(made!)).toEqual([]);
  });

  test('GalleryImage: a token date gets the same T00:00:00Z and a plan-time check that it is a date', () => {
    const { parsed } = synthStack((stack) => {
      definition(stack, new TerraformVariable(stack, 'eol', { type: 'string' }).stringValue);
    });
    const resource = onlyResource(parsed, 'azurerm_shared_image');
    expect(resource.end_of_life_date).toBe('${format("%sT00:00:00Z", var.eol)}');
    expect(resource.lifecycle.precondition).toEqual([{
      condition: '${can(formatdate("YYYY", format("%sT00:00:00Z", var.eol)))}',
      error_message: "GalleryImage 'stack/Definition': endOfLifeDate: ${try(format(\"'%s'\", var.eol), \"null\")} is not a date YYYY-MM-DD. Fix: pass e.g. '2027-12-31'",
    }]);
  });

  test('today decides: the day before is past, today and later are not', () => {
    const problems = (date: string) => {
      const v = new PropsValidator("GalleryImageVersion 'stack/Version'");
      checkVersionEndOfLife(v, 'endOfLifeDate', date, '2026-12-07');
      return v.hasProblems;
    };
    expect([problems('2026-12-06'), problems('2026-12-07'), problems('2026-12-08'), problems('2025-12-31')]).toEqual([true, false, false, true]);
    const warnings = (date: string) => {
      let scope: GalleryImage | undefined;
      synthStack((stack) => {
        scope = definition(stack);
        definitionEndOfLife(scope, new PropsValidator("GalleryImage 'stack/Definition'"), 'endOfLifeDate', date, '2026-12-07');
      });
      return warningsOf(scope!).length;
    };
    expect([warnings('2026-12-06'), warnings('2026-12-07')]).toEqual([1, 0]);
  });
});
