/**
 * `Vm`: the operator's view of one VM: its state, power, Run Command scripts in its guest and their output streams.
 */
import { Az, guestScriptFile, NotFound, TIMED_OUT } from './az';
import { ExitCode } from './failure';
import { azFault, AzResult, isRunCommandBusy, matchingLine } from './faults';
import { GUEST_DIRECTORY, InputReader, readTuning, RESOURCE_GROUP, SUBSCRIPTION_ID, Tuning, VM_NAME } from './inputs';
import { Operator } from './operator';

/**
 * The inputs every VM-facing step reads (the constructs write them with `vmEnvironment`):
 *   GOLDEN_RESOURCE_GROUP    resource group of the VM (required)
 *   GOLDEN_VM_NAME           name of the VM resource (required)
 *   GOLDEN_SUBSCRIPTION_ID   subscription of the VM (optional: else ARM_SUBSCRIPTION_ID, else az's default)
 *   GOLDEN_GUEST_DIRECTORY   directory of the guest PowerShell scripts, relative to the working directory (required)
 */
export interface VmInput {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly vmName: string;
  readonly guestDirectory: string;
}

export function vmEnvironment(input: VmInput): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [RESOURCE_GROUP.env]: input.resourceGroup,
    [VM_NAME.env]: input.vmName,
    [GUEST_DIRECTORY.env]: input.guestDirectory,
  };
}

/** The VM's power state (`running`, `deallocated`, `stopped`, `starting`, ...) and whether Windows is generalized. */
export interface VmState {
  readonly power: string;
  readonly generalized: boolean;
  /** Every status code of the instance view, for messages. */
  readonly codes: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** `securityProfile.securityType`: none for a Standard VM (azurerm 4.x sends no security profile for one). */
  readonly securityType?: string;
  /** `instanceView.hyperVGeneration`, as the platform reports it (V1, V2; none when it does not). */
  readonly hyperVGeneration?: string;
}

/** The fields of `az vm get-instance-view`'s answer the steps read. */
interface InstanceView {
  readonly tags?: Record<string, string> | null;
  readonly securityProfile?: { readonly securityType?: string | null } | null;
  readonly instanceView?: {
    readonly statuses?: ReadonlyArray<{ readonly code?: string }> | null;
    readonly hyperVGeneration?: string | null;
  } | null;
}

/** What Run Command returned: the guest script's output and its error stream. */
export interface GuestOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Which VM: its resource group and name, the subscription (az's default when none), and the guest scripts' directory. */
export interface VmIdentity {
  readonly resourceGroup: string;
  readonly vmName: string;
  readonly subscriptionId?: string;
  readonly guestDirectory: string;
}

/**
 * What to do when Run Command returns no output of the guest script (see `guestStreams`) on a VM in a subnet the user
 * gave: open its outbound access to Azure.
 */
export const GIVEN_SUBNET_OUTPUT_FIX = 'allow outbound HTTPS to the AzureCloud service tag from the VM\'s subnet (the subnet given as subnetId), then run '
  + 'the deployment again.';

/** A VM that a step works on, through az: its state, and guest scripts through Run Command. */
export class Vm {
  /** Reads and checks the VM inputs and the tuning variables; fails with exit code 2 on an invalid one. */
  public static read(op: Operator, reader: InputReader, notFoundHint: string): Vm {
    op.phase = 'validate';
    const tuning = readTuning(reader);
    const resourceGroup = reader.text(RESOURCE_GROUP);
    const vmName = reader.text(VM_NAME);
    const subscriptionId = reader.optionalText({ ...SUBSCRIPTION_ID, env: SUBSCRIPTION_ID.env }, 'ARM_SUBSCRIPTION_ID');
    const guestDirectory = reader.text(GUEST_DIRECTORY);
    const notFound: NotFound = {
      subject: `VM ${vmName} in resource group ${resourceGroup}${subscriptionId ? ` (subscription ${subscriptionId})` : ''}`,
      what: 'the VM or its resource group',
      hint: notFoundHint,
    };
    return new Vm(op, tuning, { resourceGroup, vmName, subscriptionId, guestDirectory }, new Az(op, tuning, notFound), GIVEN_SUBNET_OUTPUT_FIX);
  }

  /**
   * A VM the step made itself (a canary), through the step's own `az` (and its messages for what is not found).
   * `outputFix` says what to do when Run Command returns no output of a guest script: the VM's network lacks outbound
   * access to Azure.
   */
  public static made(op: Operator, az: Az, tuning: Tuning, identity: VmIdentity, outputFix: string): Vm {
    return new Vm(op, tuning, identity, az, outputFix);
  }

  /** The az arguments that name the VM, in the `--option=value` form: a resource group name may start with a hyphen. */
  public readonly args: readonly string[];

  private constructor(
    private readonly op: Operator,
    public readonly tuning: Tuning,
    public readonly input: VmIdentity,
    public readonly az: Az,
    private readonly outputFix: string,
  ) {
    this.args = [
      ...(input.subscriptionId ? [`--subscription=${input.subscriptionId}`] : []),
      `--resource-group=${input.resourceGroup}`,
      `--name=${input.vmName}`,
    ];
  }

  /** The path of a guest script, checked to be a readable file. */
  public guestScript(name: string): string {
    return guestScriptFile(this.op, this.input.guestDirectory, name);
  }

  /**
   * The start of every VM step once its inputs are valid: the Azure CLI's version, the az session, and the VM's state
   * once it has settled (waiting up to `settleSeconds` while it is starting, stopping or deallocating).
   */
  public async start(settleSeconds: number, reader: InputReader): Promise<VmState> {
    const { input } = this;
    this.op.log(`VM ${input.vmName} in resource group ${input.resourceGroup}${input.subscriptionId ? `, subscription ${input.subscriptionId}` : ''}`);
    await this.az.start(reader);
    this.op.phase = 'state';
    return this.waitForSettledState(settleSeconds, await this.state('state'));
  }

  /** The VM's state from its instance view (the whole answer: its tags too). */
  public async state(phase: string): Promise<VmState> {
    const view = await this.az.query<InstanceView | null>(phase, ['vm', 'get-instance-view', ...this.args],
      ExitCode.AZ_FAILED, 'Check the VM name, resource group and subscription, and that the identity may read the VM.');
    const codes = (view?.instanceView?.statuses ?? []).map((status) => status.code ?? '').filter((code) => code !== '');
    let power = 'unknown';
    let generalized = false;
    for (const code of codes) {
      if (code.startsWith('PowerState/')) {
        power = code.slice('PowerState/'.length);
      } else if (code === 'OSState/generalized') {
        generalized = true;
      }
    }
    this.op.log(`${phase}: power state ${power}, OS state ${generalized ? 'generalized' : 'not-generalized'}`);
    return {
      power,
      generalized,
      codes,
      tags: view?.tags ?? {},
      securityType: view?.securityProfile?.securityType ?? undefined,
      hyperVGeneration: view?.instanceView?.hyperVGeneration ?? undefined,
    };
  }

  /** Waits while the VM is starting, stopping or deallocating (e.g. after an interrupted run). */
  private async waitForSettledState(limitSeconds: number, initial: VmState): Promise<VmState> {
    const started = this.op.clock.now();
    let state = initial;
    while (['starting', 'stopping', 'deallocating'].includes(state.power)) {
      const waited = Math.floor((this.op.clock.now() - started) / 1000);
      if (waited >= limitSeconds) {
        this.op.fail(ExitCode.TIMEOUT, `state: the VM stayed in PowerState/${state.power} for ${limitSeconds}s. Check it in the portal, then run the deployment again.`);
      }
      this.op.log(`state: VM is ${state.power}, waiting for it to settle, ${waited}s of ${limitSeconds}s`);
      await this.op.pause('state', this.tuning.pollSeconds, 'waiting for the VM to settle', this.tuning.pollSeconds);
      state = await this.state('state');
    }
    return state;
  }

  /**
   * Runs a guest PowerShell script through Run Command (doing `purpose`, e.g. `Sysprep`, for messages) and returns its
   * output streams, or `TIMED_OUT` when Run Command did not return within `limitSeconds`. While the VM agent is not
   * ready (a restarting Windows), it waits up to GOLDEN_AGENT_WAIT_SECONDS; while the guest still runs an earlier Run
   * Command (409 Conflict, typically this step's own from an interrupted run), up to `limitSeconds`. Any other az
   * failure ends the step (exit code 6, or those of `Az.fail`).
   */
  public async runGuestScript(phase: string, limitSeconds: number, script: string, purpose: string,
    parameters: Record<string, string> = {}): Promise<GuestOutput | typeof TIMED_OUT> {
    const names = Object.keys(parameters);
    const args = [
      'vm', 'run-command', 'invoke', ...this.args, '--command-id', 'RunPowerShellScript', '--scripts', `@${script}`,
      ...(names.length > 0 ? ['--parameters', ...names.map((name) => `${name}=${parameters[name]}`)] : []),
      '--query', 'value[].[code, message]', '--output', 'json',
    ];
    const started = this.op.clock.now();
    let agentSince: number | undefined;
    for (;;) {
      const result = await this.az.call(phase, limitSeconds, args);
      if (result === TIMED_OUT) {
        return TIMED_OUT;
      }
      if (result.exitCode === 0) {
        return guestStreams(this.op, phase, result, this.outputFix);
      }
      if (azFault(result) === 'agent') {
        agentSince ??= this.op.clock.now();
        await this.waitForAgent(phase, purpose, agentSince, result);
        continue;
      }
      if (!isRunCommandBusy(result)) {
        return this.az.fail(ExitCode.AZ_FAILED, `${phase}: az vm run-command invoke`,
          `The VM is left as it is (${purpose} did not run); run the deployment again once the cause is fixed.`, result);
      }
      const waited = Math.floor((this.op.clock.now() - started) / 1000);
      if (waited >= limitSeconds) {
        this.op.print('  az| ', result.stderr, 'stderr');
        this.op.fail(ExitCode.TIMEOUT, `${phase}: another Run Command kept running in the guest for ${limitSeconds}s, so ${purpose} could not start. `
          + 'Look at the VM\'s Run Command and extension status in the portal (Operations > Run command), then run the deployment again.');
      }
      this.op.log(`${phase}: another Run Command is still running in the guest (an interrupted earlier run?): waiting for it to end, ${waited}s of ${limitSeconds}s`);
      await this.op.pause(phase, this.tuning.pollSeconds, 'waiting for the earlier Run Command to end', this.tuning.pollSeconds);
    }
  }

  private async waitForAgent(phase: string, purpose: string, since: number, result: AzResult): Promise<void> {
    const { vmName, resourceGroup } = this.input;
    const waited = Math.floor((this.op.clock.now() - since) / 1000);
    if (waited >= this.tuning.agentWaitSeconds) {
      this.op.print('  az| ', result.stderr, 'stderr');
      this.op.fail(ExitCode.TIMEOUT, `${phase}: the VM agent (Windows Azure Guest Agent) of VM ${vmName} was still not ready after `
        + `${this.tuning.agentWaitSeconds}s (GOLDEN_AGENT_WAIT_SECONDS), so Run Command could not run ${purpose} in the guest. The VM is left as it is. `
        + 'Fix: look at the VM in the portal (Overview > Properties > Agent status; Help > Boot diagnostics: did Windows start?) or at '
        + `\`az vm get-instance-view --resource-group ${resourceGroup} --name ${vmName} --query instanceView.vmAgent\` (its status should be Ready); `
        + 'restart the VM if the agent stays not ready, then run the deployment again.');
    }
    this.op.log(`${phase}: the VM agent of VM ${vmName} is not ready, so Run Command cannot reach the guest yet (${matchingLine(result, 'agent', 160)}): `
      + `waiting for it, ${waited}s of ${this.tuning.agentWaitSeconds}s`);
    await this.op.pause(phase, this.tuning.pollSeconds, 'waiting for the VM agent', this.tuning.pollSeconds);
  }
}

/**
 * The guest script's streams from Run Command's answer, `[[code, message], ...]`: ComponentStatus/StdOut/... then
 * ComponentStatus/StdErr/.... An answer without them means the script's output never came back: Run Command returns
 * it only to a VM with outbound access to Azure ("Run scripts in your Windows VM by using action Run Commands" on
 * Microsoft Learn: "the VM needs outbound connectivity ... scripts might run successfully but not return the results").
 * `outputFix` says what to do then, for the VM's kind of network.
 */
export function guestStreams(op: Operator, phase: string, result: AzResult, outputFix: string = GIVEN_SUBNET_OUTPUT_FIX): GuestOutput {
  let rows: unknown;
  try {
    rows = JSON.parse(result.stdout === '' ? 'null' : result.stdout);
  } catch {
    rows = undefined;
  }
  let stdout: string | undefined;
  let stderr: string | undefined;
  if (Array.isArray(rows)) {
    for (const row of rows) {
      if (Array.isArray(row) && typeof row[0] === 'string') {
        const message = typeof row[1] === 'string' ? row[1] : '';
        if (row[0].startsWith('ComponentStatus/StdOut/')) {
          stdout = message;
        } else if (row[0].startsWith('ComponentStatus/StdErr/')) {
          stderr = message;
        }
      }
    }
  }
  if (stdout === undefined && stderr === undefined) {
    return op.fail(ExitCode.AZ_FAILED, `${phase}: Run Command succeeded but returned no output of the guest script (${JSON.stringify(result.stdout.slice(0, 200))}). `
      + 'Run Command returns the output only when the VM can reach Azure: a subnet without outbound access (a NAT gateway, a firewall or an NSG rule '
      + `that blocks outbound traffic to the AzureCloud service tag, or a private subnet) lets the script run but loses its result. Fix: ${outputFix}`);
  }
  return { stdout: stdout ?? '', stderr: stderr ?? '' };
}

/** The text after `<prefix> ` on the last line of the guest output that starts with the prefix (undefined: none). */
export function guestMarker(output: GuestOutput, prefix: string): string | undefined {
  let found: string | undefined;
  for (const line of output.stdout.split(/\r?\n/)) {
    if (line === prefix || line.startsWith(`${prefix} `)) {
      found = line.slice(prefix.length).replace(/^ /, '');
    }
  }
  return found;
}

/**
 * Prints the guest's output (each line `  guest| `), and its error stream (`  guest stderr| `) on stderr.
 * Returns whether the error stream held text.
 */
export function printGuestOutput(op: Operator, output: GuestOutput): boolean {
  op.print('  guest| ', output.stdout);
  const hasErrors = /\S/.test(output.stderr);
  if (hasErrors) {
    op.print('  guest stderr| ', output.stderr, 'stderr');
  }
  return hasErrors;
}

