/**
 * A VM's power state and generalization, the actions that change them, and Azure's rules about them (Microsoft Learn,
 * "States and billing status of Azure Virtual Machines"; the Compute REST API's VirtualMachines Start, PowerOff,
 * Deallocate and Generalize operations):
 * - `POST .../start`, `.../powerOff`, `.../deallocate` are long-running (202 with `Azure-AsyncOperation` and
 *   `Location`): running, stopped (still allocated: Sysprep's `/shutdown` ends there too), deallocated.
 * - `POST .../generalize` answers 200 at once and marks the VM generalized: its instance view shows
 *   `OSState/generalized` beside the power state.
 * - A running VM cannot be generalized: 409 `OperationNotAllowed`, "Operation 'generalize' is not allowed on VM
 *   '{name}' since the VM is running." (Azure's answer to `az vm generalize` on a running VM, quoted in
 *   MicrosoftDocs/azure-docs issue 86809, "stop vm before generalize").
 * - A generalized VM can never be started again (Microsoft Learn, "Generalize a VM before creating an image": "After
 *   you have run Sysprep on a VM, that VM is considered generalized and cannot be restarted. The process of
 *   generalizing a VM is not reversible"): 409 `OperationNotAllowed`, "Operation 'Start VM' is not allowed on VM
 *   '{name}' since the VM is generalized." (Azure's words, quoted in bitnami/vms issue 1471 and Microsoft Q&A
 *   "Operation 'Start VM' is not allowed on VM since the VM is generalized").
 * - Nor changed: "If you generalize the virtual machine, no further actions on it are allowed. For example, a
 *   generalized virtual machine can't be started or modified" (the portal's capture page, quoted in
 *   MicrosoftDocs/azure-docs pull request 90194; DESIGN.md's first lifecycle rule): a PUT or PATCH of it is refused in
 *   the same shape, as operation 'Update VM' (the operation's name is ours: the sources quote only 'Start VM').
 * - Its extensions cannot change either: extensions.ts.
 */
import { AzureError } from './errors';
import { AzureRequest, AzureResponse, empty } from './http';
import { ActionHandler, AzureState } from './resource-manager';
import { StoredResource } from './store';

export type PowerState = 'running' | 'stopped' | 'deallocated';

const NAMESPACE = 'Microsoft.Compute';

/** The VM's power state (a new VM runs). */
export function powerOf(vm: StoredResource): PowerState {
  return (vm.hidden.powerState as PowerState | undefined) ?? 'running';
}

export function setPower(vm: StoredResource, power: PowerState): void {
  vm.hidden.powerState = power;
}

/** Whether the VM was generalized (`POST .../generalize`): for good, as Azure keeps it. */
export function isGeneralized(vm: StoredResource): boolean {
  return vm.hidden.generalized === true;
}

/** Compute's refusal of an operation on a VM in the state it is in. */
export function operationNotAllowed(operation: string, vm: StoredResource, because: string): AzureError {
  return new AzureError(409, 'OperationNotAllowed', `Operation '${operation}' is not allowed on VM '${vm.body.name}' since the VM is ${because}.`);
}

/** Refuses `operation` on a generalized VM (a start, an update). */
export function refuseIfGeneralized(operation: string, vm: StoredResource): void {
  if (isGeneralized(vm)) {
    throw operationNotAllowed(operation, vm, 'generalized');
  }
}

/** A power action: the VM reaches `power` (at once here), answered as the long-running operation Azure runs. */
function powerAction(power: PowerState, refuse?: (vm: StoredResource) => void): ActionHandler {
  return (vm: StoredResource, request: AzureRequest, azure: AzureState): AzureResponse => {
    refuse?.(vm);
    // Powering off a deallocated VM leaves it deallocated: it holds no hardware to stop.
    setPower(vm, power === 'stopped' && powerOf(vm) === 'deallocated' ? 'deallocated' : power);
    return empty(202, azure.startOperation(request, NAMESPACE, vm.body.location, undefined, true));
  };
}

function generalize(vm: StoredResource): AzureResponse {
  if (powerOf(vm) === 'running') {
    throw operationNotAllowed('generalize', vm, 'running');
  }
  vm.hidden.generalized = true;
  return empty(200);
}

/** The VM type's power actions, by action name and method. */
export const POWER_ACTIONS: { [action: string]: { [method: string]: ActionHandler } } = {
  start: { POST: powerAction('running', (vm) => refuseIfGeneralized('Start VM', vm)) },
  powerOff: { POST: powerAction('stopped') },
  deallocate: { POST: powerAction('deallocated') },
  generalize: { POST: generalize },
};
