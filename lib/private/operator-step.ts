import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { Fn, ITerraformDependable, TerraformResourceLifecycle, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { scriptsAssetPath } from './script-assets';
import { TerraformData } from './terraform-data';

/** An operator script under `lib/scripts/operator`. */
export type OperatorScript = 'setup-vm.sh' | 'generalize-vm.sh' | 'images.sh' | 'gallery.sh' | 'verify-scale-set.sh';

export interface OperatorStepOptions {
  readonly script: OperatorScript;
  /** A constant argument of the script, e.g. `capture`. */
  readonly argument?: string;
  /** The script's inputs. With `when: 'destroy'` they may only reference `self`. */
  readonly environment: Record<string, string>;
  /** Run the script when the resource is destroyed (and replaced), not when it is created. */
  readonly whenDestroyed?: boolean;
  readonly triggersReplace?: unknown;
  readonly input?: unknown;
  readonly dependsOn?: ITerraformDependable[];
  readonly lifecycle?: TerraformResourceLifecycle;
}

/**
 * A step of the operator stage: a `terraform_data` whose local-exec provisioner runs one of the operator scripts on the
 * machine that runs Terraform. The command is constant (the script's relative asset path and a literal argument);
 * every value reaches the script through the environment, never through a shell's parsing.
 */
export function operatorStep(scope: Construct, id: string, options: OperatorStepOptions): TerraformData {
  const script = scriptsAssetPath(scope, `operator/${options.script}`);
  return new TerraformData(scope, id, {
    triggersReplace: options.triggersReplace,
    input: options.input,
    dependsOn: options.dependsOn,
    lifecycle: options.lifecycle,
    provisioners: [{
      type: 'local-exec',
      command: options.argument === undefined ? `bash "${script}"` : `bash "${script}" ${options.argument}`,
      environment: options.environment,
      when: options.whenDestroyed ? 'destroy' : undefined,
    }],
  });
}

/** The environment variable that tells VM-facing scripts where the guest PowerShell scripts are. */
export function guestDirectoryEnvironment(scope: Construct): Record<string, string> {
  return { GOLDEN_GUEST_DIRECTORY: scriptsAssetPath(scope, 'guest') };
}

/** The subscription of an Azure resource, from its id: whatever subscription az defaults to, the resource's own. */
export function subscriptionOf(resourceId: string): string {
  return Token.asString(Fn.element(Fn.split('/', resourceId), 2));
}

/** A whole number for the environment of a script. */
export function environmentNumber(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}

const CLIENT_CONFIG_ID = 'GoldenImageClientConfig';

/**
 * The subscription the stack's azurerm provider works in, read once per stack at plan time: the same for every build,
 * unlike a value split from a build VM's id (unknown while the VM is being replaced).
 */
export function providerSubscriptionId(scope: Construct): string {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(CLIENT_CONFIG_ID);
  const config = existing instanceof DataAzurermClientConfig ? existing : new DataAzurermClientConfig(stack, CLIENT_CONFIG_ID);
  return config.subscriptionId;
}
