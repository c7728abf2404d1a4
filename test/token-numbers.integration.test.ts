/**
 * Real Terraform evaluates the plan-time checks of numbers given as tokens (test/token-numbers.test.ts): for every
 * numeric prop of every construct, the checks synthesized for a number variable are planned (provider-free, one
 * `terraform_data` per value, test/util/preconditions.ts) with each value the synth-time check refuses, each it takes,
 * and null. A refused value fails `terraform plan` with exactly the synth-time problem line (a literal's fix may add an
 * example), once; a taken value plans; null (a variable left unset) is refused like a value that is no number.
 */
import { TerraformVariable } from 'cdktf';
import { ImageScaleSet } from '../lib';
import { imageScaleSetProps } from './util/builders';
import { NUMBER_PROPS, NumberPropRow, numberToken, rowTitle, VARIABLE } from './util/number-props';
import { planCases, planCasesOf } from './util/preconditions';
import { synthesize } from './util/refusal';
import { PreconditionJson, preconditionsOf } from './util/security-builders';
import { describeWithTerraform } from './util/tools';

/** The preconditions of the synthesized stack that read `variable` (a name, or a pattern of names). */
function preconditionsReading(json: string, variable: string): PreconditionJson[] {
  const parsed = JSON.parse(json);
  return Object.values<Record<string, unknown>>(parsed.resource ?? {})
    .flatMap((resources) => Object.values(resources).flatMap((resource) => preconditionsOf(resource)))
    .filter((p) => new RegExp(`\\bvar\\.${variable}\\b`).test(p.condition));
}

/** What Terraform must print for `value`: the synth-time problem line of the literal, after the construct and its path. */
function synthTimeMessage(row: NumberPropRow, value: number): string {
  const message = synthesize((s) => row.build(s, value)).error!.message;
  const [header] = message.split(/: \d+ invalid props?:\n/);
  const lines = message.split('\n').filter((l) => l.startsWith(`  - ${row.prop}: `));
  expect(lines).toHaveLength(1);
  return `${header}: ${lines[0].slice(4).replace(/ \(e\.g\. [^)]*\)/g, '')}`;
}

describeWithTerraform('real Terraform evaluates the plan-time checks of numbers given as tokens', () => {
  test.each(NUMBER_PROPS.map((row) => [rowTitle(row), row] as [string, NumberPropRow]))('%s: the synth-time verdict and message, at plan', (_, row) => {
    // GIVEN the checks synthesized for the prop as a number variable
    const result = synthesize((s) => row.build(s, numberToken(s)));
    const preconditions = preconditionsReading(result.json!, VARIABLE);
    expect(preconditions.length).toBeGreaterThan(0);
    const values: Array<number | null> = [...row.bad, ...row.good, null];
    // WHEN Terraform plans every value
    const { messages } = planCases(preconditions, VARIABLE, false, values, 'number');
    // THEN a bad value fails with the synth-time line, a good one plans, null fails the first check (every prop's first
    // rule asks for a whole number in its range, which a fraction fails too)
    const fraction = row.good[0] + 0.5;
    const firstProblem = synthTimeMessage(row, fraction).replace(`: ${row.prop}: ${fraction} `, `: ${row.prop}: null `);
    values.forEach((value, i) => {
      const expected = value === null ? [firstProblem] : row.bad.includes(value) ? [synthTimeMessage(row, value)] : [];
      expect({ value, messages: messages[i] }).toEqual({ value, messages: expected });
    });
  });

  test('the rolling upgrade\'s two percentages, both variables: a batch above the unhealthy share fails with both values', () => {
    // GIVEN the scale set's checks with both percentages as variables
    const result = synthesize((s) => new ImageScaleSet(s, 'Web', imageScaleSetProps(s, {
      rollingUpgrade: {
        maxBatchInstancePercent: new TerraformVariable(s, 'batch', { type: 'number' }).numberValue,
        maxUnhealthyInstancePercent: new TerraformVariable(s, 'unhealthy', { type: 'number' }).numberValue,
      },
    })));
    const preconditions = preconditionsReading(result.json!, '(batch|unhealthy)');
    // [batch, unhealthy, the problems]
    const cases: Array<[number, number, string[]]> = [
      [30, 20, ['rollingUpgrade.maxBatchInstancePercent: 30 is above maxUnhealthyInstancePercent (20), which Azure refuses: a batch upgrading counts as '
        + 'unhealthy. Fix: lower maxBatchInstancePercent to 20, or raise maxUnhealthyInstancePercent to 30']],
      [20, 30, []], [20, 20, []], [5, 100, []], [100, 100, []],
      // An invalid percentage is reported as such, not as a relation too.
      [101, 50, ['rollingUpgrade.maxBatchInstancePercent: 101 is not a whole percentage between 5 and 100. Fix: pass e.g. 20']],
      [50, 4, ['rollingUpgrade.maxUnhealthyInstancePercent: 4 is not a whole percentage between 5 and 100. Fix: pass e.g. 20']],
    ];
    // WHEN Terraform plans every pair
    const { messages } = planCasesOf(preconditions, { batch: { type: 'number' }, unhealthy: { type: 'number' } },
      cases.map(([batch, unhealthy]) => ({ batch, unhealthy })));
    // THEN
    cases.forEach(([batch, unhealthy, problems], i) => {
      expect({ batch, unhealthy, messages: messages[i] }).toEqual({ batch, unhealthy, messages: problems.map((p) => `ImageScaleSet 'stack/Web': ${p}`) });
    });
  });
});
