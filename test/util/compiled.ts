import * as fs from 'fs';
import * as path from 'path';

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
