/**
 * The real tools the integration tier runs (Terraform, the Azure CLI, PowerShell). A test that needs one never passes
 * without it: when the tool is missing, its block is one failing test that says how to install it (`.ci/run` installs
 * them all), never a skip.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface Tool {
  /** What the failing test is called, e.g. `terraform is installed`. */
  readonly name: string;
  /** Whether the tool runs here. */
  readonly found: () => boolean;
  /** How to install it. */
  readonly install: string;
}

const found = new Map<Tool, boolean>();

/** `describe(name, body)` when the tool runs here; else a block with one test that fails, saying how to install it. */
export function describeWithTool(tool: Tool, name: string, body: () => void): void {
  if (!found.has(tool)) {
    found.set(tool, tool.found());
  }
  if (found.get(tool)) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    test(`${tool.name} is installed`, () => {
      throw new Error(`${tool.name} was not found, and "${name}" needs it: ${tool.install}`);
    });
  });
}

/** Terraform 1.5 or later on PATH (or TERRAFORM). */
export const TERRAFORM: Tool = {
  name: 'terraform',
  found: () => spawnSync(process.env.TERRAFORM ?? 'terraform', ['version'], { stdio: 'ignore' }).status === 0,
  install: 'install Terraform 1.5 or later (https://developer.hashicorp.com/terraform/install) and put it on PATH.',
};

/** `describeWithTool(TERRAFORM, ...)`. */
export function describeWithTerraform(name: string, body: () => void): void {
  describeWithTool(TERRAFORM, name, body);
}

/** The script that installs the current Azure CLI into a private prefix, and prints its launcher's path. */
export const INSTALL_AZ_SCRIPT = path.join(__dirname, '..', 'local-azure', 'install-az.sh');

/**
 * The current Azure CLI's launcher: CURRENT_AZ when set (any az of 2.74 or later), else where
 * test/local-azure/install-az.sh puts Debian trixie's 2.74 (asked with `--path`, so the version is written once).
 */
export function currentAzPath(): string {
  return process.env.CURRENT_AZ ?? execFileSync('bash', [INSTALL_AZ_SCRIPT, '--path'], { encoding: 'utf8' }).trim();
}

/**
 * A current Azure CLI, which can run the `az vm`/`az image` commands that Debian bookworm's 2.45 (/usr/bin/az) only
 * parses: the tests that run az against the local Azure use it.
 */
export const CURRENT_AZ: Tool = {
  name: 'the Azure CLI 2.74',
  found: () => {
    try {
      fs.accessSync(currentAzPath(), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  install: `run ${path.relative(process.cwd(), INSTALL_AZ_SCRIPT)} (.ci/run does; it downloads Debian trixie's azure-cli with apt into ~/.cache), `
    + 'or name an az of 2.74 or later in CURRENT_AZ.',
};

/** `describeWithTool(CURRENT_AZ, ...)`. */
export function describeWithCurrentAz(name: string, body: () => void): void {
  describeWithTool(CURRENT_AZ, name, body);
}
