/**
 * Numbers and ports given as tokens (issue 23, point 4): every numeric prop of every construct has one rule, checked at
 * synth for a literal and at plan for a token, with the same message. Per prop (test/util/number-props.ts):
 *
 * - each bad literal is refused (the `expectRefused` contract), each good one synthesizes;
 * - a token synthesizes, and its plan-time checks sit on exactly one resource, the one that first uses the value
 *   (so `terraform plan` fails before anything is created), each worded like a synth-time problem line: for every bad
 *   literal, the same problem and fix after the value;
 * - test/token-numbers.integration.test.ts then lets real Terraform evaluate those checks on the same values.
 */
import { Fn, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import { FleetRollout, GalleryImageVersion, GoldenVm, ImageFleet, ImageScaleSet, SmokeTestOptions, WindowsSetup } from '../lib';
import { galleryImageVersionProps, imageScaleSetProps } from './util/builders';
import { goldenVmProps } from './util/constructs';
import { NUMBER_PROPS, NumberPropRow, numberToken, rowTitle, VARIABLE } from './util/number-props';
import { expectRefused, synthesize } from './util/refusal';
import { preconditionsOf } from './util/security-builders';

/** The problem line of a refusal, from the value on: `<problem>. Fix: <fix>`. */
function afterValue(message: string, prop: string, value: number): string {
  const line = message.split('\n').find((l) => l.startsWith(`  - ${prop}: ${value} `) || l.startsWith(`  - ${prop} (`));
  expect(line).toBeDefined();
  return line!.slice(line!.indexOf(`${value} `) + `${value} `.length);
}

interface Located {
  readonly address: string;
  readonly messages: string[];
}

/** Every resource of the synthesized stack with a precondition that reads the variable, and those preconditions' messages. */
function checksOnVariable(json: string): Located[] {
  const parsed = JSON.parse(json);
  const located: Located[] = [];
  for (const [type, resources] of Object.entries<Record<string, unknown>>(parsed.resource ?? {})) {
    for (const [name, resource] of Object.entries(resources)) {
      const reading = preconditionsOf(resource).filter((p) => p.condition.includes(`var.${VARIABLE}`));
      if (reading.length > 0) {
        located.push({ address: `${type}.${name}`, messages: reading.map((p) => p.error_message) });
      }
    }
  }
  return located;
}

describe.each(NUMBER_PROPS.map((row) => [rowTitle(row), row] as [string, NumberPropRow]))('%s', (_, row) => {
  test.each(row.bad)('refuses %p at synth, naming the prop, the value and the fix', (value) => {
    expectRefused({ construct: row.construct, prop: row.prop, value, build: (s) => row.build(s, value) });
  });

  test.each(row.good)('takes %p', (value) => {
    const result = synthesize((s) => row.build(s, value));
    expect(result.error?.message).toBeUndefined();
    expect(checksOnVariable(result.json!)).toEqual([]);
  });

  test('checks a token at plan on the resource that first uses it, with the synth-time messages', () => {
    // GIVEN the prop as a Terraform variable
    const result = synthesize((s) => row.build(s, numberToken(s)));
    expect(result.error?.message).toBeUndefined();
    // (cdktf 0.21 writes a right operand 0 as `undefined`, which Terraform cannot parse)
    expect(result.json).not.toMatch(/\bundefined\b/);
    // THEN its checks sit on one resource, the expected one
    const located = checksOnVariable(result.json!);
    expect(located.map((l) => l.address)).toEqual([expect.stringMatching(new RegExp(`^${row.checkedOn.type}\\.(.*_)?${row.checkedOn.path.replace(/\//g, '_')}_[0-9A-F]{8}$`))]);
    // AND each reads like a synth-time line: the construct and its path, a prop, the value (as Terraform shows it)
    const messages = located[0].messages;
    for (const message of messages) {
      expect(message).toMatch(new RegExp(`^${row.construct} 'stack/[^']+': [\\w.[\\]]+: \\S.* \\S.*\\. Fix: \\S`));
    }
    // AND every bad literal's problem and fix is one of them, word for word (a literal's fix may add an example, and may
    // name the value itself, which Terraform shows as the token's)
    const shown = `\${try(format("%v", var.${VARIABLE}), "null")}`;
    const asToken = (text: string, value: number) => {
      const [problem, fix] = text.replace(/ \(e\.g\. [^)]*\)/g, '').split('. Fix: ');
      return `${problem}. Fix: ${fix.replace(new RegExp(`(?<![\\d.])${String(value).replace('.', '\\.')}(?![\\d.])`, 'g'), shown)}`;
    };
    for (const value of row.bad) {
      const tail = asToken(afterValue(synthesize((s) => row.build(s, value)).error!.message, row.prop, value), value);
      expect({ value, messages }).toEqual({ value, messages: expect.arrayContaining([expect.stringContaining(`: ${row.prop}: ${shown} ${tail}`)]) });
    }
  });
});

/** The warnings and infos of every construct `build` makes in a fresh stack. */
function annotationsOf(build: (stack: TerraformStack) => void): string[] {
  const stack = new TerraformStack(Testing.app(), 'stack');
  build(stack);
  return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => String(m.type).startsWith('@cdktf/')).map((m) => String(m.data)));
}

/** A number token's encoding, as arithmetic or a template would show it (-1.8881545897087626e+289). */
const TOKEN_ENCODING = /\de\+\d{3}/;

describe('a number known only to Terraform is never computed with at synth', () => {
  test.each(NUMBER_PROPS.map((row) => [rowTitle(row), row] as [string, NumberPropRow]))('%s: no annotation shows its encoding', (_, row) => {
    expect(annotationsOf((s) => row.build(s, numberToken(s))).filter((a) => TOKEN_ENCODING.test(a))).toEqual([]);
  });

  test('a replica count: no warning that a fleet outgrows it', () => {
    const annotations = annotationsOf((s) => {
      const version = new GalleryImageVersion(s, 'Version', galleryImageVersionProps(s, { targetRegions: [{ location: 'westeurope', replicaCount: numberToken(s) }] }));
      new ImageFleet(s, 'Fleet', { image: version, count: 100, namePrefix: 'web', rollout: FleetRollout.ALL_AT_ONCE, subnetPrefix: '10.0.0.0/22' });
    });
    expect(annotations.filter((a) => /replica/.test(a))).toEqual([]);
  });

  test('a MaxSurge batch: the peak is unknown, neither checked against the subnet nor reported', () => {
    let scaleSet: ImageScaleSet | undefined;
    const annotations = annotationsOf((s) => {
      scaleSet = new ImageScaleSet(s, 'Web', imageScaleSetProps(s, {
        count: 20, subnetPrefix: '10.0.0.0/27', rollingUpgrade: { maximumSurge: true, maxBatchInstancePercent: numberToken(s) },
      }));
    });
    expect(annotations.filter((a) => /vCPUs/.test(a))).toEqual([expect.not.stringMatching(/during an image upgrade/)]);
    expect(scaleSet!.totalVcpus).toBe(40);
  });
});

describe('the rolling upgrade\'s two percentages, both known only to Terraform', () => {
  test('their relation is checked at plan, with both values as Terraform shows them', () => {
    const result = synthesize((s) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, {
      rollingUpgrade: {
        maxBatchInstancePercent: new TerraformVariable(s, 'batch', { type: 'number' }).numberValue,
        maxUnhealthyInstancePercent: new TerraformVariable(s, 'unhealthy', { type: 'number' }).numberValue,
      },
    })));
    const vmss = Object.values<any>(JSON.parse(result.json!).resource.azurerm_windows_virtual_machine_scale_set)[0];
    const relation = preconditionsOf(vmss).filter((p) => p.error_message.includes('is above maxUnhealthyInstancePercent'));
    expect(relation.map((p) => p.error_message)).toEqual([
      "ImageScaleSet 'stack/Web': rollingUpgrade.maxBatchInstancePercent: ${try(format(\"%v\", var.batch), \"null\")} is above maxUnhealthyInstancePercent "
      + '(${try(format("%v", var.unhealthy), "null")}), which Azure refuses: a batch upgrading counts as unhealthy. Fix: lower maxBatchInstancePercent to '
      + '${try(format("%v", var.unhealthy), "null")}, or raise maxUnhealthyInstancePercent to ${try(format("%v", var.batch), "null")}',
    ]);
  });
});

describe('a number that cannot be a token', () => {
  // The setup script is rendered and hashed at synth (it travels base64-encoded in custom data): Terraform could never
  // put a value into it, so a token is refused at synth rather than checked at plan.
  test.each<[string, (s: TerraformStack) => SmokeTestOptions]>([
    ['smokeTest.timeoutSeconds', (s) => ({ timeoutSeconds: numberToken(s) })],
  ])('WindowsSetup %s', (prop, options) => {
    expectRefused({
      construct: 'WindowsSetup',
      prop,
      // Shown as the validation shows any number token.
      value: Token.asNumber(Fn.abs(1)),
      build: (s) => new GoldenVm(s, 'BuildVm', goldenVmProps({ setup: WindowsSetup.iisAspNet({ smokeTest: options(s) }) })),
      mentions: ['the setup script is fixed at synth time'],
    });
  });
});
