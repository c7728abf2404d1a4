/**
 * An operator step as Terraform sees it: a `terraform_data` whose local-exec provisioner runs the bundled operator
 * program (`node operator.js <step>`) with its inputs in the environment, and the number inputs checked at synth or plan.
 */
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { Fn, ITerraformDependable, Precondition, TerraformResourceLifecycle, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { scriptsAssetPath } from './scripts';
import { NumberInput } from '../../operator/inputs';
import { TerraformData } from '../terraform/terraform-data';
import { checkNumber, NumberCheck, wholeNumberBetween } from '../validation/number-rules';
import { PropsValidator } from '../validation/props-validator';

/** A step of the operator program (`lib/scripts/operator/operator.js`, bundled from `lib/operator`). */
export type OperatorProgramStep = 'generalize' | 'setup' | 'capture' | 'delete-all' | 'base-image' | 'gallery-publish' | 'gallery-replicate'
  | 'gallery-canary' | 'gallery-promote' | 'gallery-delete-all' | 'verify-fleet' | 'verify-scale-set';

export interface OperatorStepOptions {
  /** The step the operator program runs (`node operator.js <step>`, no shell). */
  readonly step: OperatorProgramStep;
  /** The step's inputs. With `when: 'destroy'` they may only reference `self`. */
  readonly environment: Record<string, string>;
  /** Run the step when the resource is destroyed (and replaced), not when it is created. */
  readonly whenDestroyed?: boolean;
  readonly triggersReplace?: unknown;
  readonly input?: unknown;
  readonly dependsOn?: ITerraformDependable[];
  readonly lifecycle?: TerraformResourceLifecycle;
}

/**
 * A step of the operator stage: a `terraform_data` whose local-exec provisioner runs a step of the operator program on
 * the machine that runs Terraform. The command is constant (the program's relative asset path and the step's name);
 * every value reaches the step through the environment, never through a shell's parsing.
 */
export function operatorStep(scope: Construct, id: string, options: OperatorStepOptions): TerraformData {
  return new TerraformData(scope, id, {
    triggersReplace: options.triggersReplace,
    input: options.input,
    dependsOn: options.dependsOn,
    lifecycle: options.lifecycle,
    provisioners: [{
      type: 'local-exec',
      ...operatorCommand(scope, options),
      environment: options.environment,
      when: options.whenDestroyed ? 'destroy' : undefined,
    }],
  });
}

/**
 * The command line of a step. The operator program runs as Terraform's `interpreter`, an argument array Terraform
 * starts directly: `node ./assets/<...>/operator/operator.js <step>`, no shell on any system (local-exec's default
 * interpreter is `/bin/sh -c`, and `cmd /C` on Windows: Terraform's "local-exec provisioner" page).
 */
function operatorCommand(scope: Construct, options: OperatorStepOptions): { command: string; interpreter: string[] } {
  return { interpreter: ['node', scriptsAssetPath(scope, 'operator/operator.js')], command: options.step };
}

/** The environment variable that tells VM-facing scripts where the guest PowerShell scripts are. */
export function guestDirectoryEnvironment(scope: Construct): Record<string, string> {
  return { GOLDEN_GUEST_DIRECTORY: guestDirectory(scope) };
}

/** The guest PowerShell scripts' directory, relative to the stack directory. */
export function guestDirectory(scope: Construct): string {
  return scriptsAssetPath(scope, 'guest');
}

/**
 * The rule of an operator input as a construct checks its prop (one definition for both: the step checks the value
 * again when it runs).
 */
export function numberInputCheck(input: NumberInput, unit: string): NumberCheck {
  return wholeNumberBetween(input.min, input.max,
    `is not a whole number of ${unit} between ${input.min} and ${input.max}${input.reason ? ` (${input.reason})` : ''}`, `pass e.g. ${input.default}`);
}

/**
 * Checks a prop against the rule of the operator input it becomes: a literal at synth; a token gets the preconditions
 * returned, for the resource that first uses the value (the step itself checks it again when it runs).
 */
export function checkNumberInput(v: PropsValidator, input: NumberInput, value: number, unit: string): Precondition[] {
  return checkNumber(v, input.prop ?? input.env, value, [numberInputCheck(input, unit)]);
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
