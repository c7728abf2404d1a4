import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository's root. */
export const REPO = path.resolve(__dirname, '..', '..');

/** The environment of the tools these tests run (jsii, npm, tsc, a synthesizing app): quiet, no telemetry. */
export const TOOL_ENV = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', CHECKPOINT_DISABLE: '1' };

/** Runs a command in `cwd` and returns its standard output; throws with both streams when it fails. */
export function sh(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: TOOL_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e: any) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** True when the compiled library (dist/, .jsii) is missing, or older than a source or script under lib/. */
export function compiledIsStale(repo: string): boolean {
  const assembly = path.join(repo, '.jsii');
  if (!fs.existsSync(assembly) || !fs.existsSync(path.join(repo, 'dist', 'index.js'))) {
    return true;
  }
  const built = fs.statSync(assembly).mtimeMs;
  const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .reduce((max, e) => Math.max(max, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  return newest(path.join(repo, 'lib')) > built;
}

/**
 * Compiles the library with jsii when `compiledIsStale`, so that what the tests pack is what `npx projen build` makes
 * (CI compiles before the tests; this is for a local run after an edit under lib/).
 */
export function ensureCompiled(): void {
  if (compiledIsStale(REPO)) {
    sh('npx', ['jsii', '--silence-warnings=reserved-word'], REPO);
  }
}
