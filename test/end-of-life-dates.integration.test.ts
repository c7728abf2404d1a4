/**
 * Real Terraform evaluates what GalleryImage writes for an end-of-life date given as a token
 * (test/end-of-life-dates.test.ts): the rendered RFC 3339 time, and the plan-time check that passes a date that exists
 * and fails anything else, as the synth-time check of a literal does.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { GalleryImage, ImageGallery } from '../lib';
import { onlyResource, synthStack } from './util/synth';
import { evaluate } from './util/terraform';
import { describeWithTerraform } from './util/tools';

function synthesizedDefinition(): { endOfLife: string; condition: string } {
  const { parsed } = synthStack((stack: TerraformStack) => {
    const gallery = new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden' });
    new GalleryImage(stack, 'Definition', { gallery, imageName: 'web-iis', endOfLifeDate: new TerraformVariable(stack, 'eol', { type: 'string' }).stringValue });
  });
  const resource = onlyResource(parsed, 'azurerm_shared_image');
  return { endOfLife: resource.end_of_life_date, condition: resource.lifecycle.precondition[0].condition };
}

describeWithTerraform('an end-of-life date given as a token, under real Terraform', () => {
  test('rendered as midnight UTC; the check passes dates that exist and nothing else', () => {
    // GIVEN the synthesized expressions, with var.eol standing for each value
    const { endOfLife, condition } = synthesizedDefinition();
    const cases: Array<[string, boolean]> = [
      ['2027-12-31', true], ['2028-02-29', true], ['2999-01-01', true],
      ['2027-02-30', false], ['2027-02-29', false], ['2027-1-5', false], ['31.12.2027', false], ['2027-12-31T00:00:00Z', false], ['', false],
    ];
    const expressions: Record<string, string> = {};
    cases.forEach(([value, valid], i) => {
      const literal = JSON.stringify(value);
      expressions[`check_${i}`] = condition.split('var.eol').join(literal);
      if (valid) {
        expressions[`value_${i}`] = endOfLife.split('var.eol').join(literal);
      }
    });
    // WHEN
    const values = evaluate({}, expressions);
    // THEN
    expect(cases.map(([value], i) => [value, values[`check_${i}`]])).toEqual(cases.map(([value, valid]) => [value, valid]));
    cases.forEach(([value, valid], i) => {
      if (valid) {
        expect(values[`value_${i}`]).toBe(`${value}T00:00:00Z`);
      }
    });
  });
});
