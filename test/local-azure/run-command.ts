/**
 * Run Command on a Windows VM (`POST .../virtualMachines/{vm}/runCommand`, the Compute REST API's
 * VirtualMachines_RunCommand; `az vm run-command invoke --command-id RunPowerShellScript`): the script runs in the
 * VM's guest, here a real PowerShell (pwsh) with the stand-ins test/powershell uses for what only Windows has
 * (services, the registry's ImageState, Sysprep.exe, scheduled tasks: stand-ins.ps1), in a world of its own per VM
 * that lasts as long as the VM (deleting the VM deletes it): the guest's C: drive is a directory of its own (test/local-azure/guest.ps1), where the
 * VM's custom data is, and a scheduled task's script really runs (the setup runs as one). As Azure does it:
 * - the request is long-running: 202 with `Azure-AsyncOperation` and `Location`; the status is `InProgress` while the
 *   script runs, and the `Location` URL then answers the result (the SDK's `final-state-via: location`):
 *   `{"value": [{"code": "ComponentStatus/StdOut/succeeded", "message": <output>}, {"code":
 *   "ComponentStatus/StdErr/succeeded", "message": <error output>}]}` (Microsoft Learn, "Run scripts in your Windows
 *   VM by using action Run Commands": its `az vm run-command invoke` example's answer);
 * - each stream holds only its last 4096 bytes ("The output is limited to the last 4,096 bytes", same page);
 * - the script's parameters are passed by name, as strings;
 * - one script at a time per VM: a second one while the first runs is refused, 409 `Conflict`, "Run command extension
 *   execution is in progress. Please wait for completion before invoking a run command." (lib/operator/faults.ts
 *   waits on it);
 * - only a running VM runs scripts: 409 `OperationNotAllowed`, "The operation requires the VM to be running (or set to
 *   run)." (quoted in MicrosoftDocs/azure-docs issue 32404);
 * - a script that fails still "succeeds": the outcome is in its output (same page: "the script might have failed but
 *   Run Command reports success").
 * What the guest does to the VM: Sysprep run with `/shutdown` stops it (PowerState/stopped, still allocated), as
 * Windows' shutdown does; with `/quit` (the operator's generalize.ps1) the VM keeps running.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzureError, invalidResourceType } from './errors';
import { GuestWeb, machineNameOf } from './guest-web';
import { AzureRequest, AzureResponse, empty, Json } from './http';
import { AzureState } from './resource-manager';
import { StoredResource } from './store';
import { powerOf, setPower } from './vm-power';
import { PWSH, runPwsh, StandInCall, StandIns, StandInWorld } from '../powershell/pwsh';

/** What Run Command returns of each stream. */
export const OUTPUT_LIMIT_BYTES = 4096;
const STATE_KEY = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State';
/** How a guest script runs: under the guest's C: drive, with the Windows stand-ins. */
const GUEST_WRAPPER = path.join(__dirname, 'guest.ps1');

/**
 * A freshly provisioned Windows guest: its agents run, it is not generalized, Sysprep would finish at its first check,
 * and a scheduled task's script really runs (the setup runs as one), in the guest as a Run Command's script does (its
 * C: drive, the stand-ins).
 */
function newGuest(drive: string): StandInWorld {
  return {
    registry: { [STATE_KEY]: { ImageState: 'IMAGE_STATE_COMPLETE' } },
    services: { RdAgent: ['Running'], WindowsAzureGuestAgent: ['Running'] },
    sysprep: { readyAfterPolls: 1 },
    runTasks: true,
    taskLauncher: ['-File', GUEST_WRAPPER, '-SystemDrive', drive],
  };
}

/** The guests of the VMs, by VM id: created at a VM's first Run Command (or from its image), removed with `dispose`. */
export class Guests {
  private readonly worlds = new Map<string, StandIns>();
  private readonly customData = new Map<string, string>();
  /** The C: drives captured in images, by image id (each a directory of its own). */
  private readonly captured = new Map<string, string>();
  /** The C: drives of scale set instances, by instance id (scale-sets.ts). */
  private readonly instanceDrives = new Map<string, string>();

  /**
   * What Windows finds of the VM's custom data: Azure places it in `%SYSTEMDRIVE%\AzureData\CustomData.bin` at
   * provisioning (Microsoft Learn, "Custom data and cloud-init on Azure Virtual Machines": "On Windows, custom data is
   * placed in %SYSTEMDRIVE%\AzureData\CustomData.bin as a binary file"). `base64` as the VM's PUT sends it.
   */
  public provision(vmId: string, base64: string): void {
    this.customData.set(vmId.toLowerCase(), base64);
  }

  /** The VM's guest. */
  public of(vm: StoredResource): StandIns {
    const key = vm.id.toLowerCase();
    let guest = this.worlds.get(key);
    if (guest === undefined) {
      guest = new StandIns();
      makeSystemDrive(guest);
      guest.setWorld(newGuest(systemDrive(guest)));
      const customData = this.customData.get(key);
      if (customData !== undefined) {
        const file = path.join(systemDrive(guest), 'AzureData', 'CustomData.bin');
        fs.mkdirSync(path.dirname(file));
        fs.writeFileSync(file, Buffer.from(customData, 'base64'));
      }
      this.worlds.set(key, guest);
    }
    return guest;
  }

  /**
   * An image captured from the VM's OS disk keeps what its C: drive holds then: a VM made from the image starts with
   * it (`startFromImage`). A VM whose guest never ran a script leaves an empty drive.
   */
  public capture(imageId: string, vmId: string): void {
    const drive = this.systemDrive(vmId);
    const snapshot = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-image-'));
    if (drive !== undefined) {
      fs.cpSync(drive, snapshot, { recursive: true, verbatimSymlinks: true });
    }
    this.forget(imageId);
    this.captured.set(imageId.toLowerCase(), snapshot);
  }

  /** An image deleted: its captured drive goes. */
  public forget(imageId: string): void {
    const snapshot = this.captured.get(imageId.toLowerCase());
    if (snapshot !== undefined) {
      fs.rmSync(snapshot, { recursive: true, force: true });
      this.captured.delete(imageId.toLowerCase());
    }
  }

  /** A VM made from an image: its guest's C: drive starts as the image's (when the image holds one). */
  public startFromImage(vm: StoredResource, imageId: string): void {
    const snapshot = this.captured.get(imageId.toLowerCase());
    if (snapshot !== undefined) {
      fs.cpSync(snapshot, this.driveOf(vm), { recursive: true, verbatimSymlinks: true });
    }
  }

  /**
   * A scale set instance made (or reimaged) from an image: its C: drive starts as the image's, or empty. Instances run
   * no scripts here (no Run Command on them), so their drive is a plain directory, keyed by the instance's id.
   */
  public startInstance(instanceId: string, imageId: string | undefined): string {
    this.removeInstance(instanceId);
    const drive = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-instance-'));
    const snapshot = imageId === undefined ? undefined : this.captured.get(imageId.toLowerCase());
    if (snapshot !== undefined) {
      fs.cpSync(snapshot, drive, { recursive: true, verbatimSymlinks: true });
    }
    this.instanceDrives.set(instanceId.toLowerCase(), drive);
    return drive;
  }

  /** The C: drive of a scale set instance, if it exists. */
  public instanceDrive(instanceId: string): string | undefined {
    return this.instanceDrives.get(instanceId.toLowerCase());
  }

  /** A scale set instance deleted: its drive goes. */
  public removeInstance(instanceId: string): void {
    const drive = this.instanceDrives.get(instanceId.toLowerCase());
    if (drive !== undefined) {
      fs.rmSync(drive, { recursive: true, force: true });
      this.instanceDrives.delete(instanceId.toLowerCase());
    }
  }

  /** The calls of a Windows command the VM's guest made (stand-ins.ps1 records them), e.g. `Sysprep.exe`; none before its first script. */
  public calls(vmId: string, command: string): StandInCall[] {
    return this.worlds.get(vmId.toLowerCase())?.calls(command) ?? [];
  }

  /** The directory of the VM's guest (its C: drive is `C` in it); none before its first script. */
  public directory(vmId: string): string | undefined {
    return this.worlds.get(vmId.toLowerCase())?.directory;
  }

  /** The directory of the VM's C: drive, its guest made if it has none yet. */
  public driveOf(vm: StoredResource): string {
    return systemDrive(this.of(vm));
  }

  /** The directory of the VM's C: drive, if its guest exists. */
  public systemDrive(vmId: string): string | undefined {
    const guest = this.worlds.get(vmId.toLowerCase());
    return guest === undefined ? undefined : systemDrive(guest);
  }

  /** The VM is deleted: its guest goes with it (a new VM of the same name starts from a fresh one). */
  public remove(vmId: string): void {
    const key = vmId.toLowerCase();
    this.worlds.get(key)?.dispose();
    this.worlds.delete(key);
    this.customData.delete(key);
  }

  public dispose(): void {
    for (const guest of this.worlds.values()) {
      guest.dispose();
    }
    this.worlds.clear();
    [...this.captured.keys()].forEach((imageId) => this.forget(imageId));
    [...this.instanceDrives.keys()].forEach((instanceId) => this.removeInstance(instanceId));
  }
}

/**
 * The guest's C: drive, a directory `C` that test/local-azure/guest.ps1 maps as the drive C:. .NET on Linux knows no
 * drives: a path PowerShell built (`Join-Path 'C:\\GoldenImage' 'setup.log'` is `C:/GoldenImage/setup.log`) is relative
 * to the working directory for it, so `C:` there is a link to the same directory.
 */
function systemDrive(guest: StandIns): string {
  return guest.path('C');
}

function makeSystemDrive(guest: StandIns): void {
  fs.mkdirSync(systemDrive(guest));
  fs.symlinkSync('C', guest.path('C:'));
}

/** The last `OUTPUT_LIMIT_BYTES` of a stream, as Run Command returns it. */
export function lastBytes(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - OUTPUT_LIMIT_BYTES)).toString('utf8');
}

/** Runs the script in the guest; resolves with Run Command's result. */
async function runInGuest(vm: StoredResource, guest: StandIns, web: GuestWeb, script: string, parameters: { [name: string]: string }): Promise<Json> {
  const runs = (vm.hidden.runCommands = ((vm.hidden.runCommands as number | undefined) ?? 0) + 1);
  const scriptFile = guest.path(`run-command-${runs}.ps1`);
  fs.writeFileSync(scriptFile, script);
  const sysprepCalls = guest.calls('Sysprep.exe').length;
  if (PWSH === undefined) {
    throw new AzureError(500, 'LocalAzureNeedsPwsh', 'The local Azure runs guest scripts under pwsh, which is not installed: '
      + 'dotnet tool install --global PowerShell --version 7.6.9 (.ci/run does).');
  }
  const ownPort80 = await web.loopback(vm.id);
  const result = await runPwsh(['-File', GUEST_WRAPPER, '-Script', scriptFile, '-SystemDrive', systemDrive(guest), '-ParametersJson', JSON.stringify(parameters)], {
    cwd: guest.directory,
    // What Windows sets in every process: the system drive and the computer name (guest-web.ts: machineNameOf). The
    // guest's own port 80 (its IIS) for guest.ps1.
    env: { GOLDEN_TEST_WORLD: guest.worldFile, GOLDEN_TEST_CALLS: guest.callsFile, SystemDrive: 'C:', COMPUTERNAME: machineNameOf(vm), GOLDEN_GUEST_PORT_80: ownPort80 },
  });
  // Sysprep /shutdown ends with Windows shut down: the VM is stopped, still allocated.
  const shutdown = guest.calls('Sysprep.exe').slice(sysprepCalls).some((call) => (call.arguments.ArgumentList as string[] ?? []).includes('/shutdown'));
  if (shutdown) {
    setPower(vm, 'stopped');
  }
  const status = (stream: string) => ({ code: `ComponentStatus/${stream}/succeeded`, level: 'Info', displayStatus: 'Provisioning succeeded' });
  return { value: [{ ...status('StdOut'), message: lastBytes(result.stdout) }, { ...status('StdErr'), message: lastBytes(result.stderr) }] };
}

/** `POST .../runCommand`. */
export function runCommand(vm: StoredResource, request: AzureRequest, azure: AzureState): AzureResponse {
  const body = request.body ?? {};
  if (body.commandId !== 'RunPowerShellScript') {
    // A gap of this local Azure (it holds Windows VMs only), recorded as unhandled.
    throw invalidResourceType(`virtualMachines/runCommand/${body.commandId}`, 'Microsoft.Compute', request.query.get('api-version') ?? '');
  }
  if (powerOf(vm) !== 'running') {
    throw new AzureError(409, 'OperationNotAllowed', 'The operation requires the VM to be running (or set to run).');
  }
  if (vm.hidden.runCommandActive === true) {
    throw new AzureError(409, 'Conflict', 'Run command extension execution is in progress. Please wait for completion before invoking a run command.');
  }
  const script = ((body.script ?? []) as string[]).join('\n');
  const parameters = Object.fromEntries(((body.parameters ?? []) as Array<{ name: string; value: string }>).map((p) => [p.name, String(p.value)]));
  vm.hidden.runCommandActive = true;
  const pending = runInGuest(vm, azure.guests.of(vm), azure.web, script, parameters).finally(() => {
    vm.hidden.runCommandActive = false;
  });
  return empty(202, azure.startOperation(request, 'Microsoft.Compute', vm.body.location, undefined, true, pending));
}
