/** Running one step: the operator made for it, its failure turned into the documented exit code and message. */
import { Interrupted, OperatorFailure, ExitCode } from './failure';
import { InvalidInput } from './inputs';
import { Operator, OperatorOptions } from './operator';

/** A step of the operator stage: its name in every line, the construct it serves, and what it does. */
export interface StepDefinition {
  readonly name: string;
  readonly construct: string;
  readonly run: (op: Operator) => Promise<void>;
}

/**
 * Runs a step to its end and returns its exit code, having printed why it failed: the message of an `OperatorFailure`
 * or an invalid input, the phase an interruption stopped, or an unexpected error as a bug of the operator.
 * Temporary directories are removed whatever happened.
 */
export async function runStep(step: StepDefinition, options: Omit<OperatorOptions, 'name' | 'construct'>): Promise<number> {
  const op = new Operator({ ...options, name: step.name, construct: step.construct });
  try {
    await step.run(op);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof OperatorFailure) {
      op.errorLine(error.message);
      return error.exitCode;
    }
    if (error instanceof InvalidInput) {
      op.errorLine(error.message);
      return ExitCode.INVALID_INPUT;
    }
    if (error instanceof Interrupted) {
      op.errorLine(`interrupted by ${error.signal} during ${op.phase}${error.signal === 'SIGHUP' ? ' (the terminal or SSH session that ran the deployment '
        + 'was closed?)' : ''}. ${op.interruptNote}`);
      return error.exitCode;
    }
    op.errorLine(`unexpected error in ${op.phase}, a bug of azure-golden-image's operator (please report it with this output): `
      + `${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.INTERNAL;
  } finally {
    op.cleanUp();
  }
}
