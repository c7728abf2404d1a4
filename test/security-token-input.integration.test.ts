/**
 * Real Terraform (provider-free) evaluates the preconditions synthesized for security props given as tokens
 * (test/security-token-input.test.ts) against bad and good values: each bad value fails with the synth-time message,
 * each good one passes, and a password is never printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Fn, Token } from 'cdktf';
import { synthesize } from './util/refusal';
import { BUILDERS, checkedResource, PreconditionJson, preconditionsOf, variable } from './util/security-builders';
import { terraform } from './util/terraform';
import { describeWithTerraform } from './util/tools';

interface PlannedCases {
  /** Per value, the error messages of the checks that failed (none when all held). */
  readonly messages: string[][];
  /** Terraform's whole output. */
  readonly output: string;
}

/**
 * Plans, with real Terraform, one provider-free `terraform_data` per value, each carrying the synthesized
 * preconditions with `var.<variable>` replaced by its own variable (sensitive like the original) set to the value.
 * Returns, per value, the error messages of the checks that failed (none when all held) and Terraform's whole output.
 */
function planCases(preconditions: PreconditionJson[], variableName: string, sensitive: boolean, values: unknown[]): PlannedCases {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precondition-'));
  try {
    const reference = new RegExp(`\\bvar\\.${variableName}\\b`, 'g');
    const caseOf = (i: number) => (text: string) => text.replace(reference, `var.case_${i}`);
    const config = {
      variable: Object.fromEntries(values.map((_, i) => [`case_${i}`, { type: 'string', sensitive }])),
      resource: {
        terraform_data: Object.fromEntries(values.map((_, i) => [`case_${i}`, {
          lifecycle: { precondition: preconditions.map((p) => ({ condition: caseOf(i)(p.condition), error_message: caseOf(i)(p.error_message) })) },
        }])),
      },
    };
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config, null, 1));
    fs.writeFileSync(path.join(dir, 'cases.tfvars.json'), JSON.stringify(Object.fromEntries(values.map((v, i) => [`case_${i}`, v]))));
    terraform(dir, ['init', '-backend=false']);
    let output: string;
    try {
      output = terraform(dir, ['plan', '-var-file=cases.tfvars.json']);
    } catch (e) {
      output = (e as Error).message;
    }
    const messages: string[][] = values.map(() => []);
    for (const diagnostic of output.split(/^Error: /m).slice(1)) {
      const where = /resource\.terraform_data\.case_(\d+)\.lifecycle\.precondition\[\d+\]/.exec(diagnostic);
      expect({ diagnostic, where: where !== null }).toEqual({ diagnostic, where: true });
      // The message is the diagnostic's last paragraph, which Terraform wraps at word boundaries.
      messages[Number(where![1])].push(diagnostic.trim().split(/\n\n/).pop()!.trim().replace(/\s*\n\s*/g, ' '));
    }
    return { messages, output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

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
