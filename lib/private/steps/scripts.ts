/**
 * The library's scripts (`lib/scripts`: the bundled operator program and the guest's PowerShell): found from this
 * module's own location, read for the synth-time checks, and copied into each stack as one asset that the operator
 * steps run from.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The operator program and the PowerShell files under `lib/scripts`, found from this file's own location, never from
 * the working directory: `lib/private/steps` in the sources, or wherever a build puts it inside the package.
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

const SCRIPTS_ASSET_ID = 'GoldenImageScripts';

/**
 * The whole `lib/scripts` directory (operator/ and guest/) copied into the stack's `assets/` directory at synth, once
 * per stack, shared by every construct of the stack: the operator program (`operator/operator.js`) runs from it and
 * sends the guest scripts to the VM. The source is resolved from the library's own location, so no cdktf.json is needed
 * and the synthesized JSON refers to it only by `./assets/GoldenImageScripts/<hash>`, relative to the stack directory
 * (Terraform's working directory).
 */
export function stackScriptsAsset(scope: Construct): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(SCRIPTS_ASSET_ID);
  if (existing instanceof TerraformAsset) {
    return existing;
  }
  return new TerraformAsset(stack, SCRIPTS_ASSET_ID, { path: SCRIPTS_DIRECTORY, type: AssetType.DIRECTORY });
}

/** A path inside the stack's scripts asset as a local-exec command or its environment needs it: relative, `./...`. */
export function scriptsAssetPath(scope: Construct, relativePath: string): string {
  return `./${stackScriptsAsset(scope).path}/${relativePath}`;
}
