/**
 * Security props given as tokens, whose values only Terraform knows: the administrator password and the management
 * source range of GoldenVm, ImageFleet and ImageScaleSet.
 *
 * - A password from a TerraformVariable of the stack (directly, through a function or a local) must come from a
 *   sensitive variable without default: refused at synth otherwise (no cdk.tf.json is written, so a secret default
 *   never reaches it), naming the variable and the fix.
 * - A password token gets a precondition with Azure's Windows password rules; a range token gets the synth-time
 *   checks of a literal range as preconditions on the NSG that holds its rule.
 * - Real Terraform (1.11, provider-free) evaluates the synthesized conditions against bad and good values: each bad
 *   value fails with the synth-time message, each good one passes, and a password is never printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataAzurermKeyVaultSecret } from '@cdktf/provider-azurerm/lib/data-azurerm-key-vault-secret';
import { Fn, TerraformLocal, TerraformStack, TerraformVariable, Token } from 'cdktf';
import {
  GoldenVm, GoldenVmProps, HyperVGeneration, ImageFleet, ImageFleetProps, ImageScaleSet, ImageScaleSetProps, ManagedImage, MarketplaceImage,
  WindowsSetup,
} from '../lib';
import { expectRefused, Refusal, synthesize } from './util/refusal';
import { resourcesOf } from './util/synth';
import { hasTerraform, terraform } from './util/terraform';

const IMAGE_ID = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden';
const SECRET_DEFAULT = 'Default-Secret-4711';

// --- builders -------------------------------------------------------------------------------------------------------

type Builder = (stack: TerraformStack, props: { adminPassword?: string; managementSourceRange?: string; rdpSourceRange?: string }) => void;

const BUILDERS: Record<'GoldenVm' | 'ImageFleet' | 'ImageScaleSet', Builder> = {
  GoldenVm: (stack, props) => new GoldenVm(stack, 'BuildVm', {
    location: 'westeurope', image: MarketplaceImage.windowsServer2022DatacenterCoreGen2(), setup: WindowsSetup.iisAspNet(), ...props as Partial<GoldenVmProps>,
  }),
  ImageFleet: (stack, props) => new ImageFleet(stack, 'Fleet', {
    image: managedImage(stack), count: 2, namePrefix: 'web', resourceGroupName: 'rg-fleet', ...props as Partial<ImageFleetProps>,
  }),
  ImageScaleSet: (stack, props) => new ImageScaleSet(stack, 'Web', {
    image: managedImage(stack), count: 2, namePrefix: 'web', resourceGroupName: 'rg-web', ...props as Partial<ImageScaleSetProps>,
  }),
};

function managedImage(stack: TerraformStack) {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
}

/** Where each construct checks a password token: the resource that uses it, once (a fleet: the one its VMs follow). */
const PASSWORD_CHECKED_ON: Record<keyof typeof BUILDERS, string> = {
  GoldenVm: 'azurerm_windows_virtual_machine',
  ImageFleet: 'terraform_data',
  ImageScaleSet: 'azurerm_windows_virtual_machine_scale_set',
};

function variable(stack: TerraformStack, name: string, options: { sensitive?: boolean; default?: string } = {}): string {
  return new TerraformVariable(stack, name, { type: 'string', ...options }).stringValue;
}

// --- refused: secrets from variables that would leak -----------------------------------------------------------------

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

interface PreconditionJson {
  readonly condition: string;
  readonly error_message: string;
}

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

function preconditionsOf(resource: any): PreconditionJson[] {
  return resource?.lifecycle?.precondition ?? [];
}

/** The one resource of `type` in the synthesized stack that has preconditions. */
function checkedResource(json: string, type: string): any {
  const checked = Object.values(resourcesOf(JSON.parse(json), type)).filter((r: any) => preconditionsOf(r).length > 0);
  expect(checked).toHaveLength(1);
  return checked[0];
}

const describeWithTerraform = hasTerraform() ? describe : describe.skip;

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
});
