#!/usr/bin/env bash
# Generalizes an Azure Windows build VM so that a managed image can be captured from it:
# Sysprep in the guest (Run Command), `az vm deallocate`, `az vm generalize`, then a check of the final state.
#
# Run by Terraform from the stack directory: GeneralizedImage writes a terraform_data resource whose local-exec
# provisioner is `bash "./assets/.../operator/generalize-vm.sh"`. Every value comes from the environment, so none is
# ever parsed by a shell; each is checked against a strict pattern before use.
#
#   GOLDEN_RESOURCE_GROUP              resource group of the VM (required)
#   GOLDEN_VM_NAME                     name of the VM resource (required)
#   GOLDEN_SUBSCRIPTION_ID             subscription of the VM (optional: else ARM_SUBSCRIPTION_ID, else az's default)
#   GOLDEN_GUEST_DIRECTORY             directory of guest/generalize.ps1, relative to the working directory (required)
#   GOLDEN_SYSPREP_TIMEOUT_MINUTES     how long Sysprep may run in the guest (default 30)
#   GOLDEN_DEALLOCATE_TIMEOUT_MINUTES  how long the deallocation may take (default 20)
#
# az must be logged in (`az login`), or given the azurerm provider's variables, used only when `az account show`
# finds no session, and then in a temporary AZURE_CONFIG_DIR deleted on exit (the operator's own az profile is
# never changed):
#   ARM_CLIENT_ID + ARM_CLIENT_SECRET + ARM_TENANT_ID  service principal; the secret reaches az on its standard
#                                                      input (`--password @-`), never on a command line (which any
#                                                      local user can read with ps)
#   ARM_USE_MSI=true [+ ARM_CLIENT_ID]                 managed identity (user-assigned when ARM_CLIENT_ID is set)
#
# Tuning variables for tests: see common.sh.
#
# Idempotent: the VM's state is read first. Already generalized: nothing to do. Already deallocated: Sysprep and
# the deallocation are skipped (this script only deallocates after Sysprep succeeded). Sysprep already finished
# in the guest: the guest script does not run it again. An earlier Run Command still running in the guest (an
# interrupted run: 409 Conflict) is waited for, within the Run Command limit.
#
# Exit codes: 0 generalized; 2 invalid input; 3 az cannot be used (missing, crashing, lacking a module, cannot log in,
# or its session expired during the run); 4 timeout (the VM agent never ready for Run Command included); 5 Sysprep
# failed; 6 az failed; 7 the VM is in a state this script cannot continue from; 8 the VM or its resource group does not
# exist (deleted during the run); 12 no temporary directory (TMPDIR); 129/130/143 interrupted (SIGHUP/SIGINT/SIGTERM).
# Written for bash 3.2 (macOS) and later.

set -euo pipefail
umask 077
export LC_ALL=C

readonly SCRIPT_NAME='generalize-vm'
readonly SOURCE_CONSTRUCT='GeneralizedImage'
readonly NOT_FOUND_HINT='If the deletion was intended, remove the GeneralizedImage from the configuration; otherwise run the deployment again: Terraform sees the VM is gone, builds it again, and this step runs anew.'
readonly RESULT_MARKER='GOLDEN-IMAGE-SYSPREP-RESULT:'
# Run Command needs time beyond Sysprep itself: waiting for the agent, uploading the script, returning the output.
readonly RUN_COMMAND_EXTRA_MINUTES=10
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

validate_inputs() {
  validate_vm_inputs
  GUEST_SCRIPT=$(guest_script generalize.ps1)
  SYSPREP_MINUTES=${GOLDEN_SYSPREP_TIMEOUT_MINUTES:-30}
  DEALLOCATE_MINUTES=${GOLDEN_DEALLOCATE_TIMEOUT_MINUTES:-20}
  require_number GOLDEN_SYSPREP_TIMEOUT_MINUTES "$SYSPREP_MINUTES" 1 80
  require_number GOLDEN_DEALLOCATE_TIMEOUT_MINUTES "$DEALLOCATE_MINUTES" 1 240

  SYSPREP_LIMIT=$((SYSPREP_MINUTES * SECONDS_PER_MINUTE))
  RUN_COMMAND_LIMIT=$(((SYSPREP_MINUTES + RUN_COMMAND_EXTRA_MINUTES) * SECONDS_PER_MINUTE))
  DEALLOCATE_LIMIT=$((DEALLOCATE_MINUTES * SECONDS_PER_MINUTE))
}

run_sysprep() {
  CURRENT_STEP='sysprep'
  log "sysprep: running Sysprep in the guest through Run Command (Sysprep limit ${SYSPREP_LIMIT}s)"
  local rc=0
  # 409 Conflict: the guest still runs an earlier Run Command, typically this step's own from a run that was
  # interrupted (its Sysprep goes on in the guest). It ends within its own limit, the same as this run's.
  run_guest_script sysprep "$RUN_COMMAND_LIMIT" "$GUEST_SCRIPT" Sysprep "TimeoutSeconds=$SYSPREP_LIMIT" "PollSeconds=$POLL_SECONDS" || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "sysprep: Run Command did not return within ${RUN_COMMAND_LIMIT}s (Sysprep limit ${SYSPREP_MINUTES} minutes plus ${RUN_COMMAND_EXTRA_MINUTES}). The VM is left running: look at C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log in the guest, then run the deployment again."
  fi

  # Run Command exits 0 even when the script failed: the outcome is the marker line of the guest script, and an
  # uncaught PowerShell error shows only on the guest's error stream.
  local has_errors=no
  if print_guest_output; then
    has_errors=yes
  fi

  local failure errors_note=''
  [ "$has_errors" = no ] || errors_note=", and so is the guest's error output (guest stderr|)"
  failure=$(grep -E "^$RESULT_MARKER FAILURE" "$GUEST_OUTPUT" | head -n 1 || true)
  if [ -n "$failure" ]; then
    fail 5 "sysprep: Sysprep failed in the guest: ${failure#"$RESULT_MARKER FAILURE "}. The tail of the Panther logs is printed above$errors_note; the VM is left running and not generalized, so its full logs stay readable in C:\\Windows\\System32\\Sysprep\\Panther. Fix the cause, then run the deployment again."
  fi
  if ! grep -Eq "^$RESULT_MARKER SUCCESS\$" "$GUEST_OUTPUT"; then
    if [ "$has_errors" = yes ]; then
      fail 5 "sysprep: the guest script stopped on an error, printed above (guest stderr|), before its result marker ($RESULT_MARKER ...), although Run Command reported success. The VM is left running and not generalized; fix the cause, then run the deployment again."
    fi
    fail 5 "sysprep: the guest script's output holds no result marker ($RESULT_MARKER ...): it did not run to its end. The VM is left running; run the deployment again."
  fi
  if [ "$has_errors" = yes ]; then
    log "sysprep: the guest script wrote to its error stream (printed above), but its result marker says Sysprep finished"
  fi
  log "sysprep: Windows is generalized in the guest"
}

deallocate_vm() {
  CURRENT_STEP='deallocate'
  log "deallocate: deallocating the VM (limit ${DEALLOCATE_LIMIT}s)"
  local rc=0
  az_call deallocate "$DEALLOCATE_LIMIT" no vm deallocate "${VM_ARGS[@]}" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "deallocate: the VM was not deallocated within ${DEALLOCATE_MINUTES} minutes (GeneralizedImage timeouts.deallocateMinutes). It may still be deallocating: run the deployment again to resume."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'deallocate: az vm deallocate' 'Run the deployment again to resume: Sysprep is not repeated.'
  log "deallocate: done"
}

generalize_vm() {
  CURRENT_STEP='generalize'
  log "generalize: marking the VM as generalized"
  local rc=0
  az_call generalize "$QUERY_LIMIT" no vm generalize "${VM_ARGS[@]}" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "generalize: az vm generalize did not return within ${QUERY_LIMIT}s. Run the deployment again to resume."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'generalize: az vm generalize' 'The VM is deallocated: run the deployment again to resume (Sysprep and the deallocation are not repeated).'
  log "generalize: done"
}

main() {
  validate_inputs
  start_vm_run "$DEALLOCATE_LIMIT"

  if [ "$OS_STATE" = generalized ] && [ "$POWER_STATE" = deallocated ]; then
    log "state: the VM is already generalized and deallocated: nothing to do"
    return
  fi
  if [ "$OS_STATE" = generalized ]; then
    log "state: the VM is already generalized: skipping Sysprep"
    deallocate_vm
  elif [ "$POWER_STATE" = deallocated ]; then
    log "state: the VM is already deallocated: skipping Sysprep and the deallocation (a previous run deallocated it after Sysprep succeeded)"
    generalize_vm
  elif [ "$POWER_STATE" = running ]; then
    run_sysprep
    deallocate_vm
    generalize_vm
  elif [ "$POWER_STATE" = stopped ]; then
    fail 7 "state: the VM is stopped but not deallocated, so this script cannot tell whether Sysprep ran (it never stops a VM itself). If Sysprep completed, deallocate it (\`az vm deallocate\`); otherwise start it (\`az vm start\`). Then run the deployment again."
  else
    fail 7 "state: unexpected power state '$POWER_STATE' (status codes:$STATUS_CODES). Check the VM in the portal, then run the deployment again."
  fi

  CURRENT_STEP='verify'
  read_vm_state verify
  if [ "$POWER_STATE" != deallocated ] || [ "$OS_STATE" != generalized ]; then
    fail 7 "verify: expected PowerState/deallocated and OSState/generalized, got:$STATUS_CODES"
  fi
  log "verify: the VM is deallocated and generalized; the image can be captured"
}

main "$@"
