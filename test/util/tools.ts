/**
 * The real tools the integration tier runs (Terraform, the Azure CLI, PowerShell). A test that needs one never passes
 * without it: when the tool is missing, its block is one failing test that says how to install it (`.ci/run` installs
 * them all), never a skip.
 */
import { spawnSync } from 'child_process';

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
