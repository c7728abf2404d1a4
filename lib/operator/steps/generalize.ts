/**
 * generalize-vm: Sysprep in the guest (Run Command), a record of its success on the VM, `az vm deallocate`,
 * `az vm generalize`, then a check of the final state. GeneralizedImage runs it once per build VM.
 *
 * Idempotent: the VM's state is read first. Already generalized: nothing to do but what is missing. Deallocated: only
 * with the record of Sysprep's success (the tag `golden-image-sysprep`) does it go on to generalize; a VM deallocated
 * by something else (an auto-shutdown schedule, a person) during or before Sysprep is refused, since every VM made from
 * its image would fail to provision. Sysprep already finished in the guest: the guest script does not run it again.
 *
 * Exit codes: 0 generalized; 2 invalid input; 3 az cannot be used; 4 timeout; 5 Sysprep failed; 6 az failed; 7 the VM
 * is in a state this step cannot continue from (stopped, deallocated without Sysprep's record); 8 the VM or its
 * resource group does not exist; 12 no temporary directory; 129/130/143 interrupted.
 */
import { TIMED_OUT } from '../az';
import { ExitCode } from '../failure';
import { InputReader, NumberInput } from '../inputs';
import { Operator } from '../operator';
import { guestMarker, printGuestOutput, Vm, vmEnvironment, VmInput, VmState } from '../vm';

export const GENERALIZE_NAME = 'generalize-vm';
export const GENERALIZE_CONSTRUCT = 'GeneralizedImage';

/** How long Sysprep may run in the guest: Run Command stops scripts after 90 minutes, and it needs time of its own. */
export const SYSPREP_MINUTES: NumberInput = {
  env: 'GOLDEN_SYSPREP_TIMEOUT_MINUTES',
  prop: 'timeouts.sysprepMinutes',
  min: 5,
  max: 80,
  default: 30,
  reason: 'Run Command stops scripts after 90 minutes',
};
/** How long the deallocation may take. */
export const DEALLOCATE_MINUTES: NumberInput = {
  env: 'GOLDEN_DEALLOCATE_TIMEOUT_MINUTES', prop: 'timeouts.deallocateMinutes', min: 5, max: 60, default: 20,
};

/** The last line of generalize.ps1's output: `<marker> SUCCESS` or `<marker> FAILURE <why>`. */
export const SYSPREP_RESULT_MARKER = 'GOLDEN-IMAGE-SYSPREP-RESULT:';
/**
 * The tag the step puts on the VM once Sysprep succeeded in the guest, before deallocating it: the only record of
 * Sysprep's success that outlives the guest (a deallocated VM cannot be asked). The VM resource ignores changes
 * (`ignore_changes = all`), so Terraform leaves the tag alone.
 */
export const SYSPREP_TAG = 'golden-image-sysprep';
export const SYSPREP_TAG_VALUE = 'succeeded';

/** Run Command needs time beyond Sysprep itself: waiting for the agent, uploading the script, returning the output. */
const RUN_COMMAND_EXTRA_MINUTES = 10;
const NOT_FOUND_HINT = 'If the deletion was intended, remove the GeneralizedImage from the configuration; otherwise run the deployment again: '
  + 'Terraform sees the VM is gone, builds it again, and this step runs anew.';

/** The step's inputs as the construct writes them (values or Terraform expressions). */
export interface GeneralizeEnvironment extends VmInput {
  readonly sysprepMinutes: string;
  readonly deallocateMinutes: string;
}

export function generalizeEnvironment(input: GeneralizeEnvironment): Record<string, string> {
  return {
    ...vmEnvironment(input),
    [SYSPREP_MINUTES.env]: input.sysprepMinutes,
    [DEALLOCATE_MINUTES.env]: input.deallocateMinutes,
  };
}

export async function generalize(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, GENERALIZE_CONSTRUCT);
  const vm = Vm.read(op, reader, NOT_FOUND_HINT);
  const script = vm.guestScript('generalize.ps1');
  const sysprepMinutes = reader.number(SYSPREP_MINUTES);
  const deallocateMinutes = reader.number(DEALLOCATE_MINUTES);
  const limits = {
    sysprepMinutes,
    sysprepSeconds: sysprepMinutes * 60,
    runCommandSeconds: (sysprepMinutes + RUN_COMMAND_EXTRA_MINUTES) * 60,
    deallocateMinutes,
    deallocateSeconds: deallocateMinutes * 60,
  };

  const state = await vm.start(limits.deallocateSeconds, reader);
  if (state.generalized && state.power === 'deallocated') {
    op.log('state: the VM is already generalized and deallocated: nothing to do');
    return;
  }
  if (state.generalized) {
    op.log('state: the VM is already generalized: skipping Sysprep');
    await deallocate(op, vm, limits);
  } else if (state.power === 'deallocated') {
    requireSysprepRecord(op, state);
    op.log(`state: the VM is already deallocated and tagged ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}: skipping Sysprep and the deallocation `
      + '(a previous run deallocated it after Sysprep succeeded)');
    await markGeneralized(op, vm);
  } else if (state.power === 'running') {
    await sysprep(op, vm, script, limits);
    await recordSysprep(op, vm);
    await deallocate(op, vm, limits);
    await markGeneralized(op, vm);
  } else if (state.power === 'stopped') {
    op.fail(ExitCode.UNEXPECTED_STATE, 'state: the VM is stopped but not deallocated, so this step cannot tell whether Sysprep ran (it never stops a VM '
      + 'itself). If Sysprep completed, deallocate it (`az vm deallocate`); otherwise start it (`az vm start`). Then run the deployment again.');
  } else {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: unexpected power state '${state.power}' (status codes: ${state.codes.join(' ')}). `
      + 'Check the VM in the portal, then run the deployment again.');
  }

  op.phase = 'verify';
  const final = await vm.state('verify');
  if (final.power !== 'deallocated' || !final.generalized) {
    op.fail(ExitCode.UNEXPECTED_STATE, `verify: expected PowerState/deallocated and OSState/generalized, got: ${final.codes.join(' ')}`);
  }
  op.log('verify: the VM is deallocated and generalized; the image can be captured');
}

interface Limits {
  readonly sysprepMinutes: number;
  readonly sysprepSeconds: number;
  readonly runCommandSeconds: number;
  readonly deallocateMinutes: number;
  readonly deallocateSeconds: number;
}

/**
 * A deallocated VM that is not generalized is generalized only when this step recorded Sysprep's success on it: else
 * it was deallocated by something else (an auto-shutdown schedule, a person, a platform event) before or during
 * Sysprep, and an image of it would fail every VM's provisioning ("Windows VM provisioning timed out" / OSProvisioning
 * errors: "Troubleshoot deployment issues when creating a new Windows VM" on Microsoft Learn: an image captured
 * without a successful Sysprep).
 */
function requireSysprepRecord(op: Operator, state: VmState): void {
  const recorded = Object.entries(state.tags).some(([key, value]) => key.toLowerCase() === SYSPREP_TAG && value === SYSPREP_TAG_VALUE);
  if (!recorded) {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: the VM is deallocated, but it has no tag ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}, which this step puts on it once `
      + 'Sysprep succeeded in the guest: something else deallocated it (an auto-shutdown schedule, a person) before Sysprep finished, or Sysprep failed. '
      + 'Generalizing it would capture an image every VM fails to provision from, so nothing was done. Fix: start the VM (`az vm start '
      + '--resource-group <group> --name <vm>`), remove any auto-shutdown schedule from it, then run the deployment again: Sysprep runs in the guest '
      + 'again. If Windows does not come back (the logs in C:\\Windows\\System32\\Sysprep\\Panther say why), build a new VM: '
      + '`terraform apply -replace=<the build VM\'s address>`.');
  }
}

async function sysprep(op: Operator, vm: Vm, script: string, limits: Limits): Promise<void> {
  op.phase = 'sysprep';
  op.log(`sysprep: running Sysprep in the guest through Run Command (Sysprep limit ${limits.sysprepSeconds}s)`);
  // 409 Conflict: the guest still runs an earlier Run Command, typically this step's own from a run that was
  // interrupted (its Sysprep goes on in the guest). It ends within its own limit, the same as this run's.
  const output = await vm.runGuestScript('sysprep', limits.runCommandSeconds, script, 'Sysprep', {
    TimeoutSeconds: String(limits.sysprepSeconds),
    PollSeconds: String(vm.tuning.pollSeconds),
  });
  if (output === TIMED_OUT) {
    op.fail(ExitCode.TIMEOUT, `sysprep: Run Command did not return within ${limits.runCommandSeconds}s (Sysprep limit ${limits.sysprepMinutes} minutes `
      + `plus ${RUN_COMMAND_EXTRA_MINUTES}). The VM is left running: look at C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log in the guest, then `
      + 'run the deployment again.');
  }
  // Run Command succeeds even when the script failed: the outcome is the marker line of the guest script, and an
  // uncaught PowerShell error shows only on the guest's error stream.
  const hasErrors = printGuestOutput(op, output);
  const failure = output.stdout.split(/\r?\n/).find((line) => line.startsWith(`${SYSPREP_RESULT_MARKER} FAILURE`));
  if (failure !== undefined) {
    op.fail(ExitCode.SYSPREP_FAILED, `sysprep: Sysprep failed in the guest: ${failure.slice(`${SYSPREP_RESULT_MARKER} FAILURE `.length)}. The tail of the `
      + `Panther logs is printed above${hasErrors ? ', and so is the guest\'s error output (guest stderr|)' : ''}; the VM is left running and not `
      + 'generalized, so its full logs stay readable in C:\\Windows\\System32\\Sysprep\\Panther. Fix the cause, then run the deployment again.');
  }
  if (guestMarker(output, SYSPREP_RESULT_MARKER) !== 'SUCCESS') {
    if (hasErrors) {
      op.fail(ExitCode.SYSPREP_FAILED, 'sysprep: the guest script stopped on an error, printed above (guest stderr|), before its result marker '
        + `(${SYSPREP_RESULT_MARKER} ...), although Run Command reported success. The VM is left running and not generalized; fix the cause, then run `
        + 'the deployment again.');
    }
    if (!/\S/.test(output.stdout)) {
      op.fail(ExitCode.SYSPREP_FAILED, 'sysprep: Run Command returned no output of the guest script, so nothing says whether Sysprep ran (no result marker, '
        + `${SYSPREP_RESULT_MARKER} ...). Run Command returns the output only when the VM can reach Azure: check that the VM's subnet allows outbound `
        + 'HTTPS to the AzureCloud service tag (no firewall, NAT or NSG rule blocking it), then run the deployment again. The VM is left running.');
    }
    op.fail(ExitCode.SYSPREP_FAILED, `sysprep: the guest script's output holds no result marker (${SYSPREP_RESULT_MARKER} ...): it did not run to its end. `
      + 'The VM is left running; run the deployment again.');
  }
  if (hasErrors) {
    op.log('sysprep: the guest script wrote to its error stream (printed above), but its result marker says Sysprep finished');
  }
  op.log('sysprep: Windows is generalized in the guest');
}

/**
 * Tags the VM `golden-image-sysprep=succeeded` through the VM itself (`az vm update --set tags...`: the permission to
 * change the VM, which the step has anyway, e.g. Virtual Machine Contributor; the Tags API would need
 * Microsoft.Resources/tags/write besides).
 */
async function recordSysprep(op: Operator, vm: Vm): Promise<void> {
  op.phase = 'record';
  await vm.az.mustSucceed('record', 300, ['vm', 'update', ...vm.args, '--set', `tags.${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}`, '--output', 'none'], {
    timedOut: 'record: az vm update did not return within 300s. Run the deployment again (Sysprep is not repeated: the guest knows it finished).',
    what: 'record: az vm update',
    hint: 'Run the deployment again once the cause is fixed: Sysprep is not repeated (the guest knows it finished).',
  });
  op.log(`record: tagged the VM ${SYSPREP_TAG}=${SYSPREP_TAG_VALUE}`);
}

async function deallocate(op: Operator, vm: Vm, limits: Limits): Promise<void> {
  op.phase = 'deallocate';
  op.log(`deallocate: deallocating the VM (limit ${limits.deallocateSeconds}s)`);
  await vm.az.mustSucceed('deallocate', limits.deallocateSeconds, ['vm', 'deallocate', ...vm.args, '--output', 'none'], {
    timedOut: `deallocate: the VM was not deallocated within ${limits.deallocateMinutes} minutes (GeneralizedImage timeouts.deallocateMinutes). `
      + 'It may still be deallocating: run the deployment again to resume.',
    what: 'deallocate: az vm deallocate',
    hint: 'Run the deployment again to resume: Sysprep is not repeated.',
  });
  op.log('deallocate: done');
}

async function markGeneralized(op: Operator, vm: Vm): Promise<void> {
  op.phase = 'generalize';
  op.log('generalize: marking the VM as generalized');
  await vm.az.mustSucceed('generalize', 300, ['vm', 'generalize', ...vm.args, '--output', 'none'], {
    timedOut: 'generalize: az vm generalize did not return within 300s. Run the deployment again to resume.',
    what: 'generalize: az vm generalize',
    hint: 'The VM is deallocated: run the deployment again to resume (Sysprep and the deallocation are not repeated).',
  });
  op.log('generalize: done');
}
