/**
 * A VM's extensions (`Microsoft.Compute/virtualMachines/extensions`, the Compute REST API's VirtualMachineExtensions):
 * PUT (201 new, 200 update; long-running), GET, DELETE (202). Azure changes a VM's extensions only while the VM runs:
 * a PUT or DELETE on a stopped, deallocated or generalized VM is refused with 409 `OperationNotAllowed`, "Cannot
 * modify extensions in the VM when the VM is not running." (the status and code as logged in azsk/AzTS-docs issue 415;
 * terraform-provider-azurerm issues 477, 6098 and 26705; Azure/RDS-Templates issue 685). A generalized VM never runs
 * again (vm-power.ts), so an extension can never be added to, changed on or removed from it: the reason DESIGN.md's
 * first lifecycle rule keeps every Terraform-managed child resource off the build VM.
 */
import { AzureError, childNotFound } from './errors';
import { AzureRequest, AzureResponse, empty, Json, json } from './http';
import { idOf, normalizeLocation, ResourceAddress } from './ids';
import { AzureState, clone, ResourceType } from './resource-manager';
import { StoredResource } from './store';
import { powerOf } from './vm-power';

const EXTENSION = 'Microsoft.Compute/virtualMachines/extensions';

/** The VM's extensions by lower-case name, kept beside it. */
function extensionsOf(vm: StoredResource): { [name: string]: Json } {
  vm.hidden.extensions ??= {};
  return vm.hidden.extensions as { [name: string]: Json };
}

function requireRunning(vm: StoredResource): void {
  if (powerOf(vm) !== 'running') {
    throw new AzureError(409, 'OperationNotAllowed', 'Cannot modify extensions in the VM when the VM is not running.');
  }
}

function serve(request: AzureRequest, address: ResourceAddress, vm: StoredResource, azure: AzureState): AzureResponse {
  const name = address.names[1];
  const extensions = extensionsOf(vm);
  const existing = extensions[name.toLowerCase()];
  switch (request.method) {
    case 'GET':
      if (existing === undefined) {
        throw childNotFound(idOf(address));
      }
      return json(200, clone(existing));
    case 'PUT': {
      requireRunning(vm);
      const body = request.body ?? {};
      const extension = {
        id: existing?.id ?? idOf(address),
        name: existing?.name ?? name,
        type: EXTENSION,
        location: normalizeLocation(body.location ?? vm.body.location),
        ...(body.tags !== undefined ? { tags: body.tags } : {}),
        properties: { ...body.properties, provisioningState: 'Succeeded' },
      };
      // Azure never returns an extension's protected settings.
      delete extension.properties.protectedSettings;
      extensions[name.toLowerCase()] = extension;
      const headers = azure.startOperation(request, 'Microsoft.Compute', vm.body.location, undefined, false);
      return json(existing === undefined ? 201 : 200, { ...clone(extension), properties: { ...extension.properties, provisioningState: 'Creating' } }, headers);
    }
    case 'DELETE':
      if (existing === undefined) {
        return empty(204);
      }
      requireRunning(vm);
      delete extensions[name.toLowerCase()];
      return empty(202, azure.startOperation(request, 'Microsoft.Compute', vm.body.location, undefined, true));
    default:
      throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
  }
}

export const EXTENSION_TYPE: ResourceType = {
  type: EXTENSION,
  child: true,
  longRunning: true,
  build: () => {
    throw new AzureError(405, 'MethodNotAllowed', 'An extension is served by its VM.');
  },
  serve,
};

