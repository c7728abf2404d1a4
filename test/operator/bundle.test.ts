/**
 * The operator program the stacks' assets carry (lib/scripts/operator/operator.js) is what lib/operator bundles to:
 * committed so that synthesizing from the sources needs no build, it must never drift from them.
 */
import * as fs from 'fs';
import { bundleOperator, OPERATOR_BUNDLE } from '../../projenrc/bundle-operator';

test('the committed operator.js is the bundle of lib/operator (run `npx projen bundle:operator` after changing it)', () => {
  expect(fs.readFileSync(OPERATOR_BUNDLE, 'utf8') === bundleOperator()).toBe(true);
});

test('the bundle needs nothing beyond Node.js\'s own modules, and holds no machine-specific path', () => {
  const bundle = fs.readFileSync(OPERATOR_BUNDLE, 'utf8');
  const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  expect([...new Set(required)].sort()).toEqual(['child_process', 'crypto', 'fs', 'http', 'https', 'os', 'path']);
  expect(bundle).not.toContain(process.cwd());
  expect(bundle).not.toMatch(/\/(home|root|tmp|Users)\//);
});
