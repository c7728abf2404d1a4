/**
 * Real Terraform (provider-free) evaluates the preconditions synthesized for security props given as tokens
 * (test/security-token-input.test.ts) against bad and good values: each bad value fails with the synth-time message,
 * each good one passes, and a password is never printed.
 */
import { Fn, Token } from 'cdktf';
import { planCases } from './util/preconditions';
import { synthesize } from './util/refusal';
import { BUILDERS, checkedResource, preconditionsOf, variable } from './util/security-builders';
import { describeWithTerraform } from './util/tools';

describeWithTerraform('real Terraform evaluates the synthesized preconditions', () => {
  const WHOLE = 'opens the management ports to the whole Internet';
  const NO_CIDR = 'is not an IPv4 CIDR with zero host bits';

  test('management source range: the synth-time verdict, with the synth-time message, once per bad value', () => {
    // GIVEN the NSG preconditions of a fleet whose range is a variable
    const result = synthesize((s) => BUILDERS.ImageFleet(s, { managementSourceRange: Token.asString(Fn.trimspace(variable(s, 'range'))) }));
    const preconditions = preconditionsOf(checkedResource(result.json!, 'azurerm_network_security_group'));
    const cases: Array<[unknown, string | undefined]> = [
      ['*', WHOLE], ['Internet', WHOLE], ['ANY', WHOLE], ['0.0.0.0/0', WHOLE], ['10.0.0.0/00', WHOLE],
      ['10.0.0.5/24', NO_CIDR], ['203.0.113.7', NO_CIDR], ['300.1.1.1/32', NO_CIDR], ['10.0.0.0/33', NO_CIDR], ['fd00::/8', NO_CIDR],
      ['VirtualNetwork', NO_CIDR], ['', NO_CIDR], [null, NO_CIDR],
      ['203.0.113.0/24', undefined], ['203.0.113.7/32', undefined], ['10.0.0.0/8', undefined], [' 192.168.4.0/22 ', undefined],
    ];
      // WHEN Terraform plans every value
    const { messages } = planCases(preconditions, 'range', false, cases.map(([value]) => value));
    // THEN
    cases.forEach(([value, problem], i) => {
      const shownValue = value === null ? 'null' : `'${String(value).trim()}'`;
      const expected = problem === undefined ? [] : [`ImageFleet 'stack/Fleet': managementSourceRange: ${shownValue} ${problem}. Fix: ${problem === WHOLE
        ? 'give the range of your own network, e.g. your address with /32' : "write it like '203.0.113.0/24' ('203.0.113.7/32' for one address)"}`];
      expect({ value, messages: messages[i] }).toEqual({ value, messages: expected });
    });
  });

  test('admin password: Azure\'s Windows rules, and the value never shown', () => {
    // GIVEN the password precondition of a build VM whose password is a sensitive variable
    const result = synthesize((s) => BUILDERS.GoldenVm(s, { adminPassword: variable(s, 'admin_password', { sensitive: true }) }));
    const preconditions = preconditionsOf(checkedResource(result.json!, 'azurerm_windows_virtual_machine'));
    const cases: Array<[unknown, boolean]> = [
      ['Sh0rt-Pass!', false], // 11 characters
      ['alllowercase1234', false], // 2 kinds
      ['ALL-UPPER-AND-DASH', false], // 2 kinds
      [`Aa1-${'x'.repeat(120)}`, false], // 124 characters
      ['', false], [null, false],
      ['Correct-Horse-9', true], ['lowercaseUPPER123', true], ['abcdefgh12!!', true], ['ABCDEFGH_ijkl', true], [`Aa1-${'x'.repeat(119)}`, true],
    ];
      // WHEN Terraform plans every value
    const { messages, output } = planCases(preconditions, 'admin_password', true, cases.map(([value]) => value));
    // THEN
    cases.forEach(([value, valid], i) => {
      const expected = valid ? [] : [expect.stringMatching(/^GoldenVm 'stack\/BuildVm': adminPassword: '<redacted>' does not meet Azure's rules/)];
      expect({ value, messages: messages[i] }).toEqual({ value, messages: expected });
    });
    for (const [value] of cases) {
      if (typeof value === 'string' && value.length > 0) {
        expect(output).not.toContain(value);
      }
    }
  });
});
