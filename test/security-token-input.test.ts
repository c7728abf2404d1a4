/**
 * Security props given as tokens, whose values only Terraform knows: the administrator password and the management
 * source range of GoldenVm, ImageFleet and ImageScaleSet.
 *
 * - A password from a TerraformVariable of the stack (directly, through a function or a local) must come from a
 *   sensitive variable without default: refused at synth otherwise (no cdk.tf.json is written, so a secret default
 *   never reaches it), naming the variable and the fix.
 * - A password token gets a precondition with Azure's Windows password rules; a range token gets the synth-time
 *   checks of a literal range as preconditions on the NSG that holds its rule.
 * Real Terraform evaluates the synthesized conditions in test/security-token-input.integration.test.ts.
 */
import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret';
import { Fn, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { expectRefused, Refusal, synthesize } from './util/refusal';
import { BUILDERS, checkedResource, PASSWORD_CHECKED_ON, preconditionsOf, variable } from './util/security-builders';

const SECRET_DEFAULT = 'Default-Secret-4711';

const NOT_SENSITIVE = /comes from TerraformVariable 'admin_password', which is not sensitive: Terraform would show the secret in plans\. Fix: declare it with sensitive: true/;
const HAS_DEFAULT = /comes from TerraformVariable 'admin_password', whose default would be written in plain text to cdk\.tf\.json\. Fix: remove the default .*TF_VAR_admin_password/;

const REFUSED: Array<Refusal & { readonly label: string }> = [
  {
    label: 'GoldenVm: a variable that is not sensitive',
    construct: 'GoldenVm',
    prop: 'adminPassword',
    value: '<redacted>',
    mentions: [NOT_SENSITIVE],
    build: (s) => BUILDERS.GoldenVm(s, { adminPassword: variable(s, 'admin_password') }),
  },
  {
    label: 'GoldenVm: a sensitive variable with a default',
    construct: 'GoldenVm',
    prop: 'adminPassword',
    value: '<redacted>',
    mentions: [HAS_DEFAULT],
    build: (s) => BUILDERS.GoldenVm(s, { adminPassword: variable(s, 'admin_password', { sensitive: true, default: SECRET_DEFAULT }) }),
  },
  {
    label: 'ImageFleet: a function of a variable that is not sensitive',
    construct: 'ImageFleet',
    prop: 'adminPassword',
    value: '<redacted>',
    mentions: [NOT_SENSITIVE],
    build: (s) => BUILDERS.ImageFleet(s, { adminPassword: Token.asString(Fn.trimspace(variable(s, 'admin_password'))) }),
  },
  {
    label: 'ImageFleet: a sensitive variable with a default, through two locals',
    construct: 'ImageFleet',
    prop: 'adminPassword',
    value: '<redacted>',
    mentions: [HAS_DEFAULT],
    build: (s) => {
      const inner = new TerraformLocal(s, 'inner', variable(s, 'admin_password', { sensitive: true, default: SECRET_DEFAULT }));
      const outer = new TerraformLocal(s, 'outer', Fn.trimspace(inner.asString));
      BUILDERS.ImageFleet(s, { adminPassword: outer.asString });
    },
  },
  {
    label: 'ImageScaleSet: a variable with a default, not sensitive',
    construct: 'ImageScaleSet',
    prop: 'adminPassword',
    value: '<redacted>',
    mentions: [NOT_SENSITIVE, HAS_DEFAULT, /: 2 invalid props:/],
    build: (s) => BUILDERS.ImageScaleSet(s, { adminPassword: variable(s, 'admin_password', { default: SECRET_DEFAULT }) }),
  },
];

// --- accepted: secrets that stay secret ------------------------------------------------------------------------------

interface Accepted {
  readonly label: string;
  readonly construct: keyof typeof BUILDERS;
  readonly password: (stack: TerraformStack) => string;
  /** The password's expression in the precondition. */
  readonly expression: string;
}

const ACCEPTED: Accepted[] = [
  { label: 'a sensitive variable without default', construct: 'GoldenVm', password: (s) => variable(s, 'admin_password', { sensitive: true }), expression: 'var.admin_password' },
  {
    label: 'a Key Vault secret',
    construct: 'ImageFleet',
    expression: 'data.azurerm_key_vault_secret.admin.value',
    password: (s) => {
      const secret = new DataAzurermKeyVaultSecret(s, 'admin', { name: 'admin-password', keyVaultId: 'kv-id' });
      secret.overrideLogicalId('admin');
      return secret.value;
    },
  },
  {
    label: 'a sensitive variable through a local, beside a non-sensitive variable of a longer name',
    construct: 'ImageScaleSet',
    expression: 'local.password',
    password: (s) => {
      variable(s, 'admin_password_hint', { default: 'not the password' });
      return new TerraformLocal(s, 'password', variable(s, 'admin_password', { sensitive: true })).asString;
    },
  },
];

// --- real Terraform ---------------------------------------------------------------------------------------------------

describe('token-valued security props', () => {
  describe('refused at synth: a password variable that would leak (no cdk.tf.json)', () => {
    test.each(REFUSED.map((row) => [row.label, row] as const))('%s', (_, row) => {
      const message = expectRefused(row);
      expect(message).not.toContain(SECRET_DEFAULT);
    });
  });

  describe('accepted: a secret token, checked at plan time', () => {
    test.each(ACCEPTED.map((row) => [row.construct, row.label, row] as const))('%s: %s', (construct, _, row) => {
      // GIVEN / WHEN
      const result = synthesize((s) => BUILDERS[construct](s, { adminPassword: row.password(s) }));
      // THEN one precondition on the resource that uses the password, with a message that cannot show it
      expect(result.error).toBeUndefined();
      const [check] = preconditionsOf(checkedResource(result.json!, PASSWORD_CHECKED_ON[construct])).filter((p) => p.condition.includes('length('));
      expect(check.condition).toContain(`length(${row.expression})`);
      expect(check.error_message).toMatch(new RegExp(`^${construct} 'stack/\\w+': adminPassword: '<redacted>' does not meet Azure's rules for Windows `
        + 'administrator passwords: 12-123 characters, with 3 of the 4 kinds .*\\. Fix: .*omit adminPassword to generate one$'));
      expect(check.error_message).not.toContain('${');
    });

    test('a generated password needs no check, and a literal range none either', () => {
      const result = synthesize((s) => BUILDERS.ImageFleet(s, { managementSourceRange: '203.0.113.0/24' }));
      expect(result.error).toBeUndefined();
      expect(result.json).not.toContain('precondition');
    });
  });

  describe('a management source range token: the synth-time checks as preconditions on the NSG', () => {
    test.each([
      ['GoldenVm', 'managementSourceRange'], ['GoldenVm', 'rdpSourceRange'], ['ImageFleet', 'managementSourceRange'], ['ImageScaleSet', 'managementSourceRange'],
    ] as const)('%s %s', (construct, prop) => {
      const result = synthesize((s) => BUILDERS[construct](s, { [prop]: variable(s, 'range') }));
      expect(result.error).toBeUndefined();
      const nsg = checkedResource(result.json!, 'azurerm_network_security_group');
      expect(nsg.security_rule.find((r: any) => r.name === 'allow-management-from-source-range').source_address_prefix).toBe('${var.range}');
      expect(preconditionsOf(nsg).map((p) => p.error_message)).toEqual([
        expect.stringMatching(new RegExp(`^${construct} 'stack/\\w+': ${prop}: \\$\\{try\\(format\\("'%s'", var\\.range\\), "null"\\)\\} opens the management ports to the whole Internet\\. Fix: `)),
        expect.stringMatching(new RegExp(`^${construct} 'stack/\\w+': ${prop}: .* is not an IPv4 CIDR with zero host bits\\. Fix: write it like '203\\.0\\.113\\.0/24'`)),
      ]);
    });

    test('a literal /00 prefix is the whole Internet at synth time too', () => {
      expectRefused({
        construct: 'ImageFleet',
        prop: 'managementSourceRange',
        value: '0.0.0.0/00',
        mentions: [/opens the management ports to the whole Internet/],
        build: (s) => BUILDERS.ImageFleet(s, { managementSourceRange: '0.0.0.0/00' }),
      });
    });
  });

});
