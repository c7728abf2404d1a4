import { Interrupted, OperatorFailure, ExitCode } from './failure';
import { InvalidInput } from './inputs';
import { Operator, OperatorOptions } from './operator';

/** A step of the operator stage: its name in every line, the construct it serves, and what it does. */
export interface StepDefinition {
  readonly name: string;
  readonly construct: string;
  readonly run: (op: Operator) => Promise<void>;
  /** What an interruption leaves behind, said after `interrupted by <signal> during <phase>.` (default: RESUME_NOTE). */
  readonly interruptedNote?: string;
}

/** What most steps leave when interrupted: their work so far, which a rerun detects. */
export const RESUME_NOTE = 'The resources are left as they are: run the deployment again to resume (steps already done are detected and skipped).';

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
        + 'was closed?)' : ''}. ${step.interruptedNote ?? RESUME_NOTE}`);
      return error.exitCode;
    }
    op.errorLine(`unexpected error in ${op.phase}, a bug of azure-golden-image's operator (please report it with this output): `
      + `${(error as Error)?.stack ?? String(error)}`);
    return ExitCode.INTERNAL;
  } finally {
    op.cleanUp();
  }
}
