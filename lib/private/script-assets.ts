import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SCRIPTS_DIRECTORY } from './scripts';

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
