/**
 * The operator's steps with the real Azure CLI against the local Azure (issue 25): the bundled operator
 * (lib/scripts/operator/operator.js, as Terraform's local-exec runs it: `node operator.js <step>`) in a child process,
 * with the current az (Debian trixie's 2.74, test/local-azure/install-az.sh) first on PATH and logged in to the local
 * Azure (test/local-azure/az-cli.ts), on VMs the real azurerm provider made there. Its guest scripts run through the
 * local Azure's Run Command under pwsh with test/powershell's stand-ins for Windows (run-command.ts). Every step is
 * checked by what the local Azure holds afterwards, and Azure's rules refuse what Azure refuses: a generalized VM
 * cannot be started, a VM that is not generalized cannot be captured.
 */
import * as path from 'path';
import { fleetUnderAz } from './local-azure/deployed-fleet';
import { describeWithPwsh, GUEST_DIRECTORY } from './powershell/pwsh';
import { ProcessRun, runProcess } from './util/process';
import { describeWithCurrentAz } from './util/tools';
import { SCRIPTS_DIRECTORY } from '../lib/private/steps/scripts';

const OPERATOR = path.join(SCRIPTS_DIRECTORY, 'operator', 'operator.js');
const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 10 * 60_000;
const SYSPREP_TAG = 'golden-image-sysprep';

describeWithCurrentAz('the operator\'s steps with the real Azure CLI against the local Azure', () => {
  describeWithPwsh('generalize and capture', () => {
    const azure = fleetUnderAz(2, 'build', SETUP_TIMEOUT_MS);

    /** Runs one operator step as Terraform's local-exec does, from the repository root, with the current az logged in. */
    function operator(step: string, environment: { [name: string]: string }): Promise<ProcessRun> {
      return runProcess(process.execPath, [OPERATOR, step], {
        cwd: path.join(__dirname, '..'),
        env: { ...azure.cli.environment(), GOLDEN_POLL_SECONDS: '1', GOLDEN_RETRY_BASE_SECONDS: '1', ...environment },
        signal: azure.stopping,
      });
    }

    const vmName = (id: string) => id.split('/').pop()!;
    const codesOf = (id: string) => azure.cli.json(['vm', 'get-instance-view', '--ids', id, '--query', 'instanceView.statuses[].code']);
    const generalizeInputs = (vmId: string) => ({
      GOLDEN_RESOURCE_GROUP: azure.fleet.resourceGroup,
      GOLDEN_VM_NAME: vmName(vmId),
      GOLDEN_GUEST_DIRECTORY: path.relative(path.join(__dirname, '..'), GUEST_DIRECTORY),
    });
    const captureInputs = (vmId: string, revision: string, retain: string) => ({
      GOLDEN_IMAGE_RESOURCE_GROUP: azure.fleet.resourceGroup,
      GOLDEN_IMAGE_NAME: 'img-golden-web',
      GOLDEN_BUILD_REVISION: revision,
      GOLDEN_SOURCE_ID: vmId,
      GOLDEN_IMAGE_LOCATION: 'westeurope',
      GOLDEN_HYPERV_GENERATION: 'V2',
      GOLDEN_RETAIN_BUILDS: retain,
    });
    const images = () => azure.running.azure.resources().filter((r) => r.type === 'Microsoft.Compute/images').map((r) => r.id.split('/').pop()).sort();

    test('generalize-vm: Sysprep in the guest through Run Command, the record tag, deallocate, generalize; a rerun does nothing', async () => {
      const [vmId] = azure.fleet.vmIds;
      const run = await operator('generalize', generalizeInputs(vmId));
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toContain('az version: azure-cli 2.74.0');
      expect(run.stdout).toContain('login: using the current az session');
      expect(run.stdout).toMatch(/guest\| .*GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS/);
      expect(run.stdout).toContain('verify: the VM is deallocated and generalized; the image can be captured');
      // What the local Azure holds: Sysprep ran in the guest with /quit, the tag, and the VM generalized and deallocated.
      expect(azure.running.azure.guestCalls(vmId, 'Sysprep.exe').map((call) => call.arguments.ArgumentList)).toEqual([['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm']]);
      expect(azure.running.azure.resource(vmId)!.tags).toMatchObject({ [SYSPREP_TAG]: 'succeeded' });
      expect(await codesOf(vmId)).toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);

      const again = await operator('generalize', generalizeInputs(vmId));
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('state: the VM is already generalized and deallocated: nothing to do');
      expect(azure.running.azure.guestCalls(vmId, 'Sysprep.exe')).toHaveLength(1);
      expect(azure.running.azure.unhandled).toEqual([]);
    }, STEP_TIMEOUT_MS);

    test('the generalized VM cannot be started again: az vm start fails with Azure\'s OperationNotAllowed', async () => {
      const [vmId] = azure.fleet.vmIds;
      const start = await azure.cli.run(['vm', 'start', '--ids', vmId]);
      expect(start.status).toBe(1);
      expect(start.stderr).toContain(`(OperationNotAllowed) Operation 'Start VM' is not allowed on VM '${vmName(vmId)}' since the VM is generalized.`);
      expect(await codesOf(vmId)).toEqual(['ProvisioningState/succeeded', 'OSState/generalized', 'PowerState/deallocated']);
    }, STEP_TIMEOUT_MS);

    test('capture: az image create from the generalized VM, tagged with the line and revision; a second build prunes the first; delete-all', async () => {
      const [vmId] = azure.fleet.vmIds;
      const first = await operator('capture', captureInputs(vmId, '20261207120000', '1'));
      expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
      expect(first.stdout).toContain('capture: img-golden-web-20261207120000 created');
      const image = azure.running.azure.resource(azure.running.azure.resources().find((r) => r.id.endsWith('/img-golden-web-20261207120000'))!.id)!;
      expect(image).toMatchObject({
        tags: { 'golden-image-name': 'img-golden-web', 'golden-image-revision': '20261207120000' },
        properties: {
          sourceVirtualMachine: { id: vmId },
          hyperVGeneration: 'V2',
          storageProfile: { osDisk: { osState: 'Generalized', managedDisk: { id: azure.running.azure.resource(vmId)!.properties.storageProfile.osDisk.managedDisk.id } } },
        },
      });
      // The same build again: nothing captured twice.
      const rerun = await operator('capture', captureInputs(vmId, '20261207120000', '1'));
      expect(rerun.stdout).toContain('capture: img-golden-web-20261207120000 exists already (an earlier run captured it): not capturing it again');
      // A newer build, keeping 1: the first goes.
      const second = await operator('capture', captureInputs(vmId, '20261208120000', '1'));
      expect(second.status).toBe(0);
      expect(images()).toEqual(['img-golden-web-20261208120000']);
      const deleted = await operator('delete-all', { GOLDEN_IMAGE_RESOURCE_GROUP: azure.fleet.resourceGroup, GOLDEN_IMAGE_NAME: 'img-golden-web' });
      expect(deleted.status).toBe(0);
      expect(images()).toEqual([]);
      expect(azure.running.azure.unhandled).toEqual([]);
    }, STEP_TIMEOUT_MS);

    test('capture from a VM that is not generalized: exit 6, az\'s OperationNotAllowed printed, no image', async () => {
      const vmId = azure.fleet.vmIds[1];
      const run = await operator('capture', captureInputs(vmId, '20261209120000', '3'));
      expect(run.status).toBe(6);
      expect(run.stderr).toContain(`(OperationNotAllowed) The operation 'Create Image' requires the Virtual Machine '${vmName(vmId)}' to be Generalized.`);
      expect(images()).toEqual([]);
    }, STEP_TIMEOUT_MS);
  });
});
