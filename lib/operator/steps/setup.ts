/**
 * setup-vm: the setup of a Windows build VM, run from the machine that runs Terraform while Terraform waits. Checks the
 * real VM against what the image needs, starts the setup in the guest, prints its log as it grows until it ends, then
 * removes every trace of the pipeline from the guest and restarts the VM while a reboot is pending. GoldenVm runs it
 * once per build VM.
 *
 * Why from here and not as a VM extension: once the VM is generalized, Azure refuses every change to it and to its
 * extensions ("Cannot modify extensions in the VM when the VM is not running"), so a Terraform-managed extension would
 * make every rebuild and every destroy fail. Run Command leaves nothing in the VM's model for Terraform to change or
 * delete.
 *
 * Why detached: Run Command returns only at the end of a script, only its last 4096 bytes of output, and stops any
 * script after 90 minutes. So setup-start.ps1 starts the setup (custom data, copied to an administrators-only folder)
 * as a scheduled task, setup-status.ps1 returns the new lines of its log at every poll (from a byte offset), and
 * setup-finish.ps1 removes the task, the folder (unless kept) and the custom data, and reports a pending reboot.
 *
 * Idempotent: a VM already generalized needs no setup; a setup already running in the guest is waited for, not started
 * again; one that already succeeded is not run again; the cleanup can run any number of times.
 *
 * Exit codes: 0 set up; 2 invalid input; 3 az cannot be used; 4 timeout (the VM agent never ready for Run Command
 * included); 5 the setup or its cleanup failed in the guest; 6 az failed; 7 the VM is in a state or of a kind the image
 * cannot come from; 8 the VM or its resource group does not exist; 12 no temporary directory; 129/130/143 interrupted.
 */
import * as path from 'path';
import { TIMED_OUT } from '../az';
import { ExitCode } from '../failure';
import { InputReader, NumberInput, shown, TextInput } from '../inputs';
import { Operator } from '../operator';
import { GuestOutput, guestMarker, printGuestOutput, Vm, vmEnvironment, VmInput, VmState } from '../vm';

export const SETUP_NAME = 'setup-vm';
export const SETUP_CONSTRUCT = 'GoldenVm';

/** How long the setup may run in the guest: it runs detached, so Run Command's 90 minutes do not bound it. */
export const SETUP_MINUTES: NumberInput = {
  env: 'GOLDEN_SETUP_TIMEOUT_MINUTES', prop: 'setupTimeoutMinutes', min: 5, max: 720, default: 60,
};
/** How long a restart (of a pending reboot) may take; also how long a VM still starting or stopping may take to settle. */
export const RESTART_MINUTES: NumberInput = { env: 'GOLDEN_RESTART_TIMEOUT_MINUTES', min: 1, max: 120, default: 20 };
/** The security type the image needs: Standard (a managed image) or TrustedLaunch (a gallery target). */
export const EXPECTED_SECURITY_TYPE: TextInput = {
  env: 'GOLDEN_EXPECTED_SECURITY_TYPE', pattern: /^(Standard|TrustedLaunch)$/, description: 'Standard or TrustedLaunch',
};
/** The Hyper-V generation of the marketplace image, as declared: the image is captured as it. */
export const EXPECTED_HYPERV_GENERATION: TextInput = {
  env: 'GOLDEN_EXPECTED_HYPERV_GENERATION', pattern: /^V[12]$/, description: 'V1 or V2',
};
/** true: keep setup.ps1 and the setup logs in the image, readable by administrators only. */
export const KEEP_SETUP_FILES: TextInput = { env: 'GOLDEN_KEEP_SETUP_FILES', pattern: /^(true|false)$/, description: 'true or false' };

/** The last lines of the guest scripts (and the setup log's result line, which setup-prelude.ps1 writes). */
export const START_MARKER = 'GOLDEN-IMAGE-SETUP-START:';
export const STATUS_MARKER = 'GOLDEN-IMAGE-SETUP-STATUS:';
export const RESULT_MARKER = 'GOLDEN-IMAGE-SETUP-RESULT:';
export const FINISH_MARKER = 'GOLDEN-IMAGE-SETUP-FINISH:';

/** One Run Command of the short guest scripts; the first one on a VM also installs Run Command's handler. */
const GUEST_CALL_SECONDS = 20 * 60;
/** Restarts while the guest still reports a pending reboot: more means something re-arms it at every boot. */
export const MAX_RESTARTS = 3;
const NOT_FOUND_HINT = 'Run the deployment again: Terraform sees the VM is gone and builds it again.';
/** A byte offset as setup-status.ps1 prints it. */
const OFFSET = /^(0|[1-9][0-9]{0,11})$/;

/** The step's inputs as the construct writes them (values or Terraform expressions). */
export interface SetupEnvironment extends VmInput {
  readonly setupMinutes: string;
  readonly expectedSecurityType: string;
  readonly expectedHyperVGeneration: string;
  readonly keepSetupFiles: boolean;
}

export function setupEnvironment(input: SetupEnvironment): Record<string, string> {
  return {
    ...vmEnvironment(input),
    [SETUP_MINUTES.env]: input.setupMinutes,
    [EXPECTED_SECURITY_TYPE.env]: input.expectedSecurityType,
    [EXPECTED_HYPERV_GENERATION.env]: input.expectedHyperVGeneration,
    [KEEP_SETUP_FILES.env]: input.keepSetupFiles ? 'true' : 'false',
  };
}

interface Settings {
  readonly scripts: { readonly start: string; readonly status: string; readonly finish: string };
  readonly setupMinutes: number;
  readonly setupSeconds: number;
  readonly restartMinutes: number;
  readonly restartSeconds: number;
  readonly expectedSecurityType: string;
  readonly expectedGeneration: string;
  readonly keepSetupFiles: string;
}

export async function setup(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, SETUP_CONSTRUCT);
  const vm = Vm.read(op, reader, NOT_FOUND_HINT);
  const scripts = { start: vm.guestScript('setup-start.ps1'), status: vm.guestScript('setup-status.ps1'), finish: vm.guestScript('setup-finish.ps1') };
  const setupMinutes = reader.number(SETUP_MINUTES);
  const restartMinutes = reader.number(RESTART_MINUTES);
  const settings: Settings = {
    scripts,
    setupMinutes,
    setupSeconds: setupMinutes * 60,
    restartMinutes,
    restartSeconds: restartMinutes * 60,
    expectedSecurityType: reader.optionalText(EXPECTED_SECURITY_TYPE) ?? 'Standard',
    expectedGeneration: reader.text(EXPECTED_HYPERV_GENERATION),
    keepSetupFiles: reader.optionalText(KEEP_SETUP_FILES) ?? 'false',
  };

  // A VM still starting or stopping (an interrupted restart) settles within a restart's time.
  const state = await vm.start(settings.restartSeconds, reader);
  if (state.generalized) {
    op.log('state: the VM is already generalized: its setup finished in an earlier run');
    return;
  }
  if (state.power !== 'running') {
    op.fail(ExitCode.UNEXPECTED_STATE, `state: the VM is ${state.power} (status codes: ${state.codes.join(' ')}), but the setup needs it running. `
      + 'Start it (`az vm start`), then run the deployment again.');
  }
  checkVmKind(op, state, settings);
  if (await startSetup(op, vm, settings)) {
    await followSetup(op, vm, settings);
  }
  await finishSetup(op, vm, settings);
  op.log('done: the VM is set up and clean, ready for Sysprep');
}

/**
 * Stops at once when Azure made another kind of VM than the configuration asks for: azurerm 4.x sends no
 * securityProfile for a Standard VM, so a subscription or policy that makes Trusted Launch the default turns the build
 * VM into one, and Azure refuses to capture a managed image from it, 30 minutes and more later. Read from the instance
 * view the state came from.
 */
function checkVmKind(op: Operator, state: VmState, settings: Settings): void {
  op.phase = 'check';
  const expected = settings.expectedSecurityType;
  // A Standard VM has no securityProfile, or says Standard.
  const security = state.securityType === undefined || ['', 'None', 'null', 'Standard'].includes(state.securityType) ? 'Standard' : state.securityType;
  const generation = state.hyperVGeneration === undefined || state.hyperVGeneration === '' || state.hyperVGeneration === 'None'
    ? undefined : state.hyperVGeneration;
  op.log(`check: security type ${security}, Hyper-V generation ${generation ?? 'unknown'} (expected ${expected}, ${settings.expectedGeneration})`);
  if (security !== expected) {
    if (security === 'TrustedLaunch' || security === 'ConfidentialVM') {
      op.fail(ExitCode.UNEXPECTED_STATE, `check: Azure created the build VM as ${security} although the configuration asks for ${expected} (a subscription `
        + 'default or an Azure Policy made it so: azurerm 4.x sends no security profile for a Standard VM). A managed image cannot be captured from a '
        + `${security} VM, so the build stops now instead of failing at the capture. Fix: let this subscription create Standard VMs (unregister the `
        + 'Trusted-Launch-by-default preview feature, or exempt the build\'s resource group from the policy), then run the deployment again (the VM is '
        + 'replaced).');
    }
    op.fail(ExitCode.UNEXPECTED_STATE, `check: the VM's security type is ${security}, but the image needs ${expected}. Fix: build the VM with the security `
      + 'type the image target needs, then run the deployment again.');
  }
  if (generation !== undefined && generation !== settings.expectedGeneration) {
    op.fail(ExitCode.UNEXPECTED_STATE, `check: the VM runs as Hyper-V generation ${generation}, but its marketplace image was declared `
      + `${settings.expectedGeneration}, and the image is captured as ${settings.expectedGeneration}. Fix: give MarketplaceImage the SKU's real generation `
      + `(hyperVGeneration: HyperVGeneration.${generation}), then run the deployment again.`);
  }
}

/**
 * Runs one of the setup's guest scripts; fails on a Run Command that does not return, or on output without the
 * script's result line. Returns the output and the text of the result line.
 */
async function runShortGuestScript(op: Operator, vm: Vm, phase: string, script: string, marker: string,
  parameters: Record<string, string> = {}): Promise<{ output: GuestOutput; result: string }> {
  const name = path.basename(script);
  const output = await vm.runGuestScript(phase, GUEST_CALL_SECONDS, script, name, parameters);
  if (output === TIMED_OUT) {
    return op.fail(ExitCode.TIMEOUT, `${phase}: Run Command (${name}) did not return within ${GUEST_CALL_SECONDS}s. Check the VM's agent in the portal, `
      + 'then run the deployment again.');
  }
  const result = guestMarker(output, marker);
  if (!result) {
    printToStderr(op, output);
    return op.fail(ExitCode.SETUP_FAILED, `${phase}: ${name} stopped before its result line (${marker} ...): its output is printed above. Run the `
      + 'deployment again; if it fails the same way, look at the guest\'s event log.');
  }
  return { output, result };
}

/** The guest's output and error stream, both on stderr: printed before a failure. */
function printToStderr(op: Operator, output: GuestOutput): void {
  op.print('  guest| ', output.stdout, 'stderr');
  op.print('  guest stderr| ', output.stderr, 'stderr');
}

/** Starts the setup in the guest; false when there is none left (an earlier run finished and removed it). */
async function startSetup(op: Operator, vm: Vm, settings: Settings): Promise<boolean> {
  op.phase = 'setup';
  op.log(`setup: starting the setup in the guest (limit ${settings.setupSeconds}s)`);
  const { output, result } = await runShortGuestScript(op, vm, 'setup', settings.scripts.start, START_MARKER);
  switch (result) {
    case 'STARTED':
      op.log('setup: started as a scheduled task in the guest');
      return true;
    case 'RUNNING':
      op.log('setup: already running in the guest (an interrupted earlier run): waiting for it, not starting it again');
      return true;
    case 'SUCCEEDED':
      op.log('setup: already succeeded in an earlier run: not running it again');
      return true;
    case 'NO-SETUP':
      op.log('setup: no setup left in the guest: an earlier run finished it and removed its files');
      return false;
    default:
      printToStderr(op, output);
      return op.fail(ExitCode.SETUP_FAILED, `setup: the setup could not be started in the guest: ${result}`);
  }
}

/** Polls setup-status.ps1 until the setup ends, printing the log's new lines as they come. */
async function followSetup(op: Operator, vm: Vm, settings: Settings): Promise<void> {
  const started = op.clock.now();
  const setupLog: string[] = [];
  let offset = '0';
  for (;;) {
    const { output, result: status } = await runShortGuestScript(op, vm, 'setup', settings.scripts.status, STATUS_MARKER, { Offset: offset });
    // A poll may bring no new line (a long step).
    const lines = output.stdout.split(/\r?\n/).filter((line) => !line.startsWith(STATUS_MARKER) && line.trim() !== '');
    setupLog.push(...lines);
    op.print('  guest| ', lines.join('\n'));
    const [state, nextOffset] = status.split(' ');
    switch (state) {
      case 'succeeded':
        op.log('setup: every step and the smoke test passed in the guest');
        return;
      case 'failed': {
        const failure = setupLog.filter((line) => line.startsWith(`${RESULT_MARKER} FAILURE`)).pop();
        op.fail(ExitCode.SETUP_FAILED, `setup: ${failure === undefined ? 'the setup failed (its log holds no failure line)' : failure.slice(`${RESULT_MARKER} FAILURE `.length)}. `
          + 'The guest\'s log is printed above (guest|). Nothing was imaged; the VM is left running. Fix the step (a change of the setup builds a new VM), '
          + 'then run the deployment again.');
      }
      case 'ended':
        op.fail(ExitCode.SETUP_FAILED, `setup: the setup process in the guest ended without a result line (guest status: ${status}): it was killed, or the VM `
          + 'restarted during the setup. A step must not restart the VM itself: a pending reboot is done after the setup. The guest\'s log is printed above; '
          + 'run the deployment again to start the setup anew.');
      case 'missing':
        op.fail(ExitCode.SETUP_FAILED, 'setup: the guest holds neither the setup\'s log nor its scheduled task: something removed them. Run the deployment again.');
      case 'running':
        break;
      default:
        op.fail(ExitCode.SETUP_FAILED, `setup: unexpected status line from the guest: ${shown(status)}`);
    }
    if (nextOffset === undefined || !OFFSET.test(nextOffset)) {
      op.fail(ExitCode.SETUP_FAILED, `setup: unexpected status line from the guest (no byte offset of the setup log): ${shown(status)}`);
    }
    offset = nextOffset;
    const waited = Math.floor((op.clock.now() - started) / 1000);
    if (waited >= settings.setupSeconds) {
      op.fail(ExitCode.TIMEOUT, `setup: the setup did not finish within ${settings.setupMinutes} minutes (GoldenVm setupTimeoutMinutes). It goes on in the `
        + 'guest: run the deployment again to keep waiting for it (it is not started twice), or raise setupTimeoutMinutes.');
    }
    op.log(`setup: running in the guest, ${waited}s of ${settings.setupSeconds}s`);
    await op.pause('setup', vm.tuning.pollSeconds, 'waiting for the next lines of the setup log', vm.tuning.pollSeconds);
  }
}

/** Removes the pipeline's traces from the guest; restarts the VM while the guest reports a pending reboot. */
async function finishSetup(op: Operator, vm: Vm, settings: Settings): Promise<void> {
  let restarts = 0;
  for (;;) {
    op.phase = 'cleanup';
    op.log(`cleanup: removing the setup's task, files and custom data from the guest (keep files: ${settings.keepSetupFiles})`);
    const { output, result } = await runShortGuestScript(op, vm, 'cleanup', settings.scripts.finish, FINISH_MARKER,
      { KeepSetupFiles: settings.keepSetupFiles });
    printGuestOutput(op, output);
    if (result === 'CLEAN') {
      op.log('cleanup: the guest is clean and needs no restart');
      return;
    }
    if (result !== 'REBOOT-PENDING' && !result.startsWith('REBOOT-PENDING ')) {
      op.fail(ExitCode.SETUP_FAILED, `cleanup: the guest could not be cleaned: ${result.replace(/^FAILURE /, '')}`);
    }
    const reasons = result.slice('REBOOT-PENDING '.length);
    if (restarts >= MAX_RESTARTS) {
      op.fail(ExitCode.SETUP_FAILED, `cleanup: a reboot is still pending after ${restarts} restarts (${reasons}): something in the setup re-arms it at every `
        + 'boot. Sysprep refuses to run with a pending reboot; fix the step that causes it, then run the deployment again.');
    }
    restarts += 1;
    await restart(op, vm, settings, restarts, reasons);
  }
}

async function restart(op: Operator, vm: Vm, settings: Settings, attempt: number, reasons: string): Promise<void> {
  op.phase = 'restart';
  op.log(`restart: a reboot is pending in the guest (${reasons}): restarting the VM (${attempt} of ${MAX_RESTARTS}, limit ${settings.restartSeconds}s)`);
  await vm.az.mustSucceed('restart', settings.restartSeconds, ['vm', 'restart', ...vm.args, '--output', 'none'], {
    timedOut: `restart: the VM did not restart within ${settings.restartMinutes} minutes. Check it in the portal, then run the deployment again.`,
    what: 'restart: az vm restart',
    hint: 'Run the deployment again: the setup is not repeated.',
  });
  op.log('restart: done; the next Run Command waits for the guest agent');
}
