import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { StringDecoder } from 'string_decoder';

/** Whether a `terraform` binary is on PATH (it is on this project's machine image; see DESIGN.md). */
export function hasTerraform(): boolean {
  return spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
}

const TERRAFORM_ENV = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0' };

/** What one `terraform` command did: its exit code and both its streams. */
export interface TerraformRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `terraform <args>` in `dir`, whatever its exit code: for commands whose failure is itself the answer
 * (`validate -json` exits 1 for an invalid configuration and still prints its JSON). Throws only when Terraform
 * did not run to an exit code (not on PATH, killed by a signal, output beyond the buffer).
 */
export function runTerraform(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): TerraformRun {
  const result = spawnSync('terraform', [...args, '-no-color'], {
    // Outputs of a 9999-VM fleet's names fill megabytes.
    cwd: dir, env: { ...TERRAFORM_ENV, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error || result.status === null) {
    const reason = result.error?.message ?? `killed by ${result.signal}`;
    throw new Error(`terraform ${args.join(' ')} did not run in ${dir} (${reason}):\n${result.stdout ?? ''}\n${result.stderr ?? ''}`);
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * `terraform <args>` in `dir` without blocking the event loop: for tests whose own process serves what Terraform calls
 * (the local Azure, test/local-azure/server.ts), which `runTerraform`'s spawnSync would leave unanswered. `signal`
 * stops Terraform (SIGTERM: it stops gracefully), so that a test that gives up leaves nothing running. `echo` gets both
 * streams as they come (a user watching a deployment), besides the returned run.
 */
export function runTerraformAsync(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, signal?: AbortSignal,
  echo?: (text: string) => void): Promise<TerraformRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', [...args, '-no-color'], {
      cwd: dir, env: { ...TERRAFORM_ENV, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM',
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const keep = (into: Buffer[]) => {
      // A character split across chunks stays whole in what `echo` gets.
      const decoder = new StringDecoder('utf8');
      return (chunk: Buffer) => {
        into.push(chunk);
        echo?.(decoder.write(chunk));
      };
    };
    child.stdout.on('data', keep(stdout));
    child.stderr.on('data', keep(stderr));
    child.on('error', (error) => reject(new Error(`terraform ${args.join(' ')} did not run in ${dir} (${error.message})`)));
    child.on('close', (status, killedBy) => {
      const run = { status: status ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (status === null) {
        reject(new Error(`terraform ${args.join(' ')} was killed by ${killedBy} in ${dir}:\n${run.stdout}\n${run.stderr}`));
      } else {
        resolve(run);
      }
    });
  });
}

/** Plain output of `terraform <args>` in `dir`; throws with Terraform's exit code and both its streams on failure. */
export function terraform(dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
  const run = runTerraform(dir, args, extraEnv);
  if (run.status !== 0) {
    throw new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return run.stdout;
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

/** How a machine gives Terraform the real providers: the advice of every failure to install them. */
export const PROVIDER_SETUP_ADVICE = [
  'Terraform takes providers from wherever it is configured to: the registry (registry.terraform.io, needs internet',
  'access) or the CLI configuration in TF_CLI_CONFIG_FILE (e.g. a filesystem mirror). On this project\'s offline',
  'machines, from the repository root: export TF_CLI_CONFIG_FILE="$(../shared/terraform/mirror.sh)"',
  '(see ../shared/terraform/README.md there; .ci/run does this).',
].join('\n');

/** The `required_providers` of every stack, merged; stacks that disagree on a provider cannot share one install. */
export function requiredProvidersOf(directories: string[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const directory of directories) {
    const stack = JSON.parse(fs.readFileSync(path.join(directory, 'cdk.tf.json'), 'utf8'));
    for (const [name, requirement] of Object.entries<unknown>(stack.terraform?.required_providers ?? {})) {
      if (name in merged && JSON.stringify(merged[name]) !== JSON.stringify(requirement)) {
        throw new Error(`${directory} requires provider ${name} as ${JSON.stringify(requirement)}, another stack as ${JSON.stringify(merged[name])}`);
      }
      merged[name] = requirement;
    }
  }
  return merged;
}

/** Providers installed once for many configurations (see `installProviders`). */
export interface SharedProviders {
  /** The plugin cache (TF_PLUGIN_CACHE_DIR) holding them. */
  readonly pluginCacheDir: string;
  /** The dependency lock file that records their checksums. */
  readonly lockFile: string;
}

/**
 * Installs the given providers (a `required_providers` block) once into a plugin cache under `workDir`, taking them
 * from wherever Terraform is configured to (the registry, or TF_CLI_CONFIG_FILE); throws with
 * `PROVIDER_SETUP_ADVICE` and Terraform's own output when it cannot.
 */
export function installProviders(workDir: string, requiredProviders: Record<string, unknown>): SharedProviders {
  if (!hasTerraform()) {
    throw new Error(`No terraform binary runs from PATH: install Terraform (1.11 on this project's machines).\n${PROVIDER_SETUP_ADVICE}`);
  }
  const pluginCacheDir = path.join(workDir, 'plugin-cache');
  const providersDir = path.join(workDir, 'providers');
  // Terraform never creates the plugin cache directory itself.
  fs.mkdirSync(pluginCacheDir, { recursive: true });
  fs.mkdirSync(providersDir, { recursive: true });
  fs.writeFileSync(path.join(providersDir, 'main.tf.json'), JSON.stringify({ terraform: { required_providers: requiredProviders } }, null, 2));
  const init = runTerraform(providersDir, ['init', '-backend=false'], { TF_PLUGIN_CACHE_DIR: pluginCacheDir });
  if (init.status !== 0) {
    throw new Error(`terraform init could not install the providers ${JSON.stringify(requiredProviders)}.\n${PROVIDER_SETUP_ADVICE}\n\n`
      + `terraform init said (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  }
  return { pluginCacheDir, lockFile: path.join(providersDir, '.terraform.lock.hcl') };
}

/**
 * `terraform init -backend=false` in `dir` from the shared providers: the configuration gets links into the plugin
 * cache, not another copy or download of them. Since Terraform 1.4 a cache entry is used only when the
 * configuration's lock file already holds its checksum (hashicorp/terraform d0a35c60, "providercache: Ignore
 * lock-mismatching global cache entries"; its fixture internal/command/e2etest/testdata/plugin-cache); without one,
 * every init installs from the origin again: azurerm (200 MB unpacked) downloaded once per stack from the registry.
 * So the shared lock file goes in first (init drops the entries of providers a configuration does not use; seen
 * here: "Using hashicorp/azurerm v4.55.0 from the shared cache directory"). No backend by default: validation reads
 * no state, and a stack's own backend (the examples' relative local paths) stays unconfigured; `backend: true` for a
 * stack that is applied.
 */
export function initFromSharedProviders(dir: string, providers: SharedProviders, options: { backend?: boolean } = {}): void {
  fs.copyFileSync(providers.lockFile, path.join(dir, '.terraform.lock.hcl'));
  const args = options.backend ? ['init'] : ['init', '-backend=false'];
  const init = runTerraform(dir, args, { TF_PLUGIN_CACHE_DIR: providers.pluginCacheDir });
  if (init.status !== 0) {
    throw new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${init.status}).\n${PROVIDER_SETUP_ADVICE}\n\n`
      + `terraform init said:\n${init.stdout}\n${init.stderr}`);
  }
}

/** A diagnostic of `terraform validate -json`, the fields a failure message shows. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  /** The resource it is about, when it is about one. */
  readonly address?: string;
  readonly snippet?: { readonly context?: string; readonly code?: string };
}

/** The verdict of `terraform validate -json`. */
export interface Validation {
  readonly valid: boolean;
  readonly diagnostics: Diagnostic[];
}

/**
 * `terraform validate -json` in an initialized directory: the configuration checked against the providers' schemas
 * and the providers' own argument validation, offline (no credentials, no state, no API call).
 */
export function validate(dir: string, extraEnv: NodeJS.ProcessEnv = {}): Validation {
  const run = runTerraform(dir, ['validate', '-json'], extraEnv);
  // The verdict is on stdout for a valid (exit 0) and an invalid (exit 1) configuration alike; no JSON means
  // Terraform itself failed.
  let verdict: { valid: boolean; diagnostics?: Diagnostic[] };
  try {
    verdict = JSON.parse(run.stdout);
  } catch {
    throw new Error(`terraform validate -json printed no verdict in ${dir} (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  return { valid: verdict.valid, diagnostics: verdict.diagnostics ?? [] };
}

/** One diagnostic as a line or two for a failure message: severity, resource, summary, detail and the offending line. */
export function describeDiagnostic(diagnostic: Diagnostic): string {
  const where = [diagnostic.address ?? diagnostic.snippet?.context, diagnostic.snippet?.code?.trim()].filter(Boolean).join(': ');
  const detail = diagnostic.detail ? ` (${diagnostic.detail.replace(/\s+/g, ' ')})` : '';
  return `${diagnostic.severity}: ${diagnostic.summary}${detail}${where ? ` at ${where}` : ''}`;
}
