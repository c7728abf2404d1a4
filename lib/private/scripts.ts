import * as fs from 'fs';
import * as path from 'path';

/**
 * The shell and PowerShell files under `lib/scripts`, found from this file's own location, never from the working
 * directory: `lib/private` in the sources, `dist/private` once compiled, or any other build output inside the package.
 */
export const SCRIPTS_DIRECTORY = findScriptsDirectory(__dirname);

function findScriptsDirectory(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'lib', 'scripts');
    if (fs.existsSync(path.join(candidate, 'guest'))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`azure-golden-image: lib/scripts not found above ${start}; the package is incomplete (reinstall it)`);
    }
  }
}

export function scriptPath(relativePath: string): string {
  return path.join(SCRIPTS_DIRECTORY, relativePath);
}

const cache = new Map<string, string>();

/** A script's text with Windows-neutral line endings. */
export function readScript(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = fs.readFileSync(scriptPath(relativePath), 'utf8').replace(/\r\n/g, '\n');
    cache.set(relativePath, text);
  }
  return text;
}
