/**
 * Real Terraform evaluates the plan-time check GoldenVm writes for zone-redundant storage in a region given as a token
 * (test/zone-redundant-storage.test.ts): it fails exactly the regions the synth-time check refuses, whatever the case
 * or spacing of the name, and passes the others (with zones, or unknown to the list).
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { GoldenVm, OsDiskStorageType } from '../lib';
import { goldenVmProps } from './util/constructs';
import { onlyResource, synthStack } from './util/synth';
import { evaluate } from './util/terraform';
import { describeWithTerraform } from './util/tools';

describeWithTerraform('zone-redundant storage in a region given as a token, under real Terraform', () => {
  test('the precondition fails the regions without zones and passes every other; its message shows the region', () => {
    // GIVEN the synthesized precondition, with var.region standing for each value
    const { parsed } = synthStack((stack: TerraformStack) => {
      const region = new TerraformVariable(stack, 'region', { type: 'string' }).stringValue;
      new GoldenVm(stack, 'BuildVm', goldenVmProps({ location: region, osDiskStorageType: OsDiskStorageType.PREMIUM_ZRS }));
    });
    const [check] = onlyResource(parsed, 'azurerm_windows_virtual_machine').lifecycle.precondition;
    const cases: Array<[string, boolean]> = [
      ['westus', false], ['West US', false], ['UK West', false], ['northcentralus', false],
      ['westeurope', true], ['West US 2', true], ['swedencentral', true], ['denmarkeast', true],
    ];
    const withRegion = (text: string, value: string) => text.split('var.region').join(JSON.stringify(value));
    const expressions: Record<string, string> = Object.fromEntries(cases.map(([value], i) => [`check_${i}`, withRegion(check.condition, value)]));
    expressions.message = withRegion(check.error_message, 'West US');
    // WHEN
    const values = evaluate({}, expressions);
    // THEN
    expect(cases.map(([value], i) => [value, values[`check_${i}`]])).toEqual(cases);
    expect(values.message).toMatch(/^GoldenVm 'stack\/BuildVm': osDiskStorageType: 'Premium_ZRS' is zone-redundant storage, but location 'West US' is a region without availability zones/);
  });
});
