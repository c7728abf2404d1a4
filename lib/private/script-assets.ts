import { AssetType, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { scriptPath } from './scripts';

/**
 * A script under `lib/scripts` copied into the stack's `assets/` directory at synth, shared by every construct of the
 * stack that uses it. The source is resolved from the library's own location, so no cdktf.json is needed and the
 * synthesized JSON refers to it only by `./assets/<id>/<hash>/<file>`, relative to the stack directory (Terraform's
 * working directory).
 */
export function stackScriptAsset(scope: Construct, id: string, relativePath: string): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(id);
  if (existing instanceof TerraformAsset) {
    return existing;
  }
  return new TerraformAsset(stack, id, { path: scriptPath(relativePath), type: AssetType.FILE });
}

/** The asset's path as a local-exec command or its environment needs it: relative, starting with `./`. */
export function relativeAssetPath(asset: TerraformAsset): string {
  return `./${asset.path}`;
}
