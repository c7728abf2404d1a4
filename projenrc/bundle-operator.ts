/**
 * Bundles the operator program (lib/operator/program.ts and what it imports) into one CommonJS file for Node 20,
 * lib/scripts/operator/operator.js: no dependency beyond Node's own modules, the same bytes on every machine (paths in
 * it are relative to the repository; no timestamps, no source map). `npx projen bundle:operator` writes it (pre-compile
 * runs it); test/operator/bundle.test.ts compares the committed file with `bundleOperator()`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';

export const REPOSITORY = path.resolve(__dirname, '..');
export const OPERATOR_BUNDLE = path.join(REPOSITORY, 'lib', 'scripts', 'operator', 'operator.js');

const BANNER = '// Generated from lib/operator by `npx projen bundle:operator` (projenrc/bundle-operator.ts): edit the TypeScript, not this file.';

/** The bundle's text. */
export function bundleOperator(): string {
  const result = buildSync({
    absWorkingDir: REPOSITORY,
    entryPoints: ['lib/operator/program.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    outfile: OPERATOR_BUNDLE,
    legalComments: 'none',
    charset: 'utf8',
    banner: { js: BANNER },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

if (require.main === module) {
  fs.writeFileSync(OPERATOR_BUNDLE, bundleOperator());
  console.log(`wrote ${path.relative(REPOSITORY, OPERATOR_BUNDLE)}`);
}
