import * as fs from 'fs';
import * as path from 'path';

/**
 * The shell and PowerShell files under `lib/scripts`. Resolved from this file's own location
 * (`lib/private` in the sources, `dist/private` once compiled), never from the working directory.
 */
export const SCRIPTS_DIRECTORY = path.resolve(__dirname, '..', '..', 'lib', 'scripts');

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
