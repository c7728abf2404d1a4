import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Whether a `terraform` binary is on PATH (it is on this project's machine image; see DESIGN.md). */
export function hasTerraform(): boolean {
  return spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
}

const TERRAFORM_ENV = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };

/** Plain output of `terraform <args>` in `dir`; throws with Terraform's exit code and both its streams on failure. */
export function terraform(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync('terraform', [...args, '-no-color'], {
      // Outputs of a 9999-VM fleet's names fill megabytes.
      cwd: dir, env: { ...TERRAFORM_ENV, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024,
    });
  } catch (e: any) {
    throw new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${e.status}):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/**
 * Values of Terraform expressions, as JSON, computed by real Terraform from a configuration of locals only
 * (no provider, nothing to download): proves that synthesized expressions parse and evaluate as intended.
 */
export function evaluate(locals: Record<string, unknown>, expressions: Record<string, string>): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-evaluate-'));
  try {
    const output = Object.fromEntries(Object.entries(expressions).map(([name, value]) => [name, { value }]));
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify({ locals, output }, null, 2));
    terraform(dir, ['init', '-backend=false']);
    terraform(dir, ['apply', '-auto-approve']);
    const values = JSON.parse(terraform(dir, ['output', '-json']).replace(/^[^{]*/, ''));
    return Object.fromEntries(Object.entries(values).map(([name, v]) => [name, (v as { value: unknown }).value]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
