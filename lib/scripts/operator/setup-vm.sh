#!/usr/bin/env bash
# Runs the setup of an Azure Windows build VM from the machine that runs Terraform, while Terraform waits: checks the
# real VM against what the image needs, starts the setup in the guest, streams its log until it ends, then removes
# every trace of the pipeline from the guest and restarts the VM while a reboot is pending.
#
# Why from here and not as a VM extension: once the VM is generalized, Azure refuses every change to it and to its
# extensions ("Cannot modify extensions in the VM when the VM is not running"), so a Terraform-managed extension
# would make every rebuild and every destroy fail. Run Command leaves nothing in the VM's model for Terraform to
# change or delete.
#
# Why detached: Run Command returns only at the end of a script, only its last 4096 bytes of output, and stops any
# script after 90 minutes. So setup-start.ps1 starts the setup (custom data, copied to an administrators-only folder)
# as a scheduled task, setup-status.ps1 returns the new lines of its log at every poll, and setup-finish.ps1 removes
# the task, the folder (unless kept) and the custom data, and reports a pending reboot.
#
# Run by Terraform from the stack directory: GoldenVm writes a terraform_data resource whose local-exec provisioner is
# `bash "./assets/.../operator/setup-vm.sh"`. Every value comes from the environment and is checked before use:
#   GOLDEN_RESOURCE_GROUP, GOLDEN_VM_NAME, GOLDEN_SUBSCRIPTION_ID, GOLDEN_GUEST_DIRECTORY: see common.sh
#   GOLDEN_SETUP_TIMEOUT_MINUTES       how long the setup may run in the guest (default 60)
#   GOLDEN_RESTART_TIMEOUT_MINUTES     how long a restart may take (default 20)
#   GOLDEN_EXPECTED_SECURITY_TYPE      Standard or TrustedLaunch: what the image needs (default Standard)
#   GOLDEN_EXPECTED_HYPERV_GENERATION  V1 or V2: the generation of the marketplace image (required)
#   GOLDEN_KEEP_SETUP_FILES            true: keep setup.ps1 and setup.log in the image, readable by administrators
#                                      only (default false: nothing of the setup stays)
# Login: as generalize-vm.sh (an az session, or the azurerm provider's ARM_* variables).
#
# Idempotent: a VM already generalized needs no setup; a setup already running in the guest is waited for, not
# started again; one that already succeeded is not run again; the cleanup can run any number of times.
#
# Exit codes: 0 set up; 2 invalid input; 3 az cannot be used (missing, crashing, lacking a module, cannot log in, or its
# session expired during the run); 4 timeout (the VM agent never ready for Run Command included); 5 the setup failed in
# the guest; 6 az failed; 7 the VM is in a state or of a kind the image cannot come from; 8 the VM or its resource group
# does not exist; 12 no temporary directory (TMPDIR); 129/130/143 interrupted (SIGHUP/SIGINT/SIGTERM).
# Written for bash 3.2 (macOS) and later.

set -euo pipefail
umask 077
export LC_ALL=C

readonly SCRIPT_NAME='setup-vm'
readonly SOURCE_CONSTRUCT='GoldenVm'
readonly NOT_FOUND_HINT='Run the deployment again: Terraform sees the VM is gone and builds it again.'
readonly START_MARKER='GOLDEN-IMAGE-SETUP-START:'
readonly STATUS_MARKER='GOLDEN-IMAGE-SETUP-STATUS:'
readonly RESULT_MARKER='GOLDEN-IMAGE-SETUP-RESULT:'
readonly FINISH_MARKER='GOLDEN-IMAGE-SETUP-FINISH:'
readonly SECURITY_QUERY='[[securityProfile.securityType, instanceView.hyperVGeneration]]'
# One Run Command of the short guest scripts; the first one on a VM also installs Run Command's handler.
readonly GUEST_CALL_MINUTES=20
# Restarts while the guest still reports a pending reboot: more means something re-arms it at every boot.
readonly MAX_RESTARTS=3
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

validate_inputs() {
  validate_vm_inputs
  START_SCRIPT=$(guest_script setup-start.ps1)
  STATUS_SCRIPT=$(guest_script setup-status.ps1)
  FINISH_SCRIPT=$(guest_script setup-finish.ps1)
  SETUP_MINUTES=${GOLDEN_SETUP_TIMEOUT_MINUTES:-60}
  RESTART_MINUTES=${GOLDEN_RESTART_TIMEOUT_MINUTES:-20}
  EXPECTED_SECURITY_TYPE=${GOLDEN_EXPECTED_SECURITY_TYPE:-Standard}
  EXPECTED_GENERATION=${GOLDEN_EXPECTED_HYPERV_GENERATION:-}
  KEEP_SETUP_FILES=${GOLDEN_KEEP_SETUP_FILES:-false}
  require_number GOLDEN_SETUP_TIMEOUT_MINUTES "$SETUP_MINUTES" 1 1440
  require_number GOLDEN_RESTART_TIMEOUT_MINUTES "$RESTART_MINUTES" 1 120
  require_pattern GOLDEN_EXPECTED_SECURITY_TYPE "$EXPECTED_SECURITY_TYPE" '^(Standard|TrustedLaunch)$' 'Standard or TrustedLaunch'
  require_pattern GOLDEN_EXPECTED_HYPERV_GENERATION "$EXPECTED_GENERATION" '^V[12]$' 'V1 or V2'
  require_pattern GOLDEN_KEEP_SETUP_FILES "$KEEP_SETUP_FILES" '^(true|false)$' 'true or false'
  SETUP_LIMIT=$((SETUP_MINUTES * SECONDS_PER_MINUTE))
  RESTART_LIMIT=$((RESTART_MINUTES * SECONDS_PER_MINUTE))
  GUEST_CALL_LIMIT=$((GUEST_CALL_MINUTES * SECONDS_PER_MINUTE))
}

# Stops at once when Azure made another kind of VM than the configuration asks for: azurerm 4.x sends no
# securityProfile for a Standard VM, so a subscription or policy that makes Trusted Launch the default turns the
# build VM into one, and Azure refuses to capture a managed image from it, 30 minutes and more later.
check_vm_kind() {
  CURRENT_STEP='check'
  local rc=0 security generation
  az_call check "$QUERY_LIMIT" no vm get-instance-view "${VM_ARGS[@]}" --query "$SECURITY_QUERY" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "check: az vm get-instance-view did not answer within ${QUERY_LIMIT}s."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'check: az vm get-instance-view' 'Check that the identity may read the VM.'
  IFS=$'\t' read -r security generation <"$AZ_OUT" || true
  generation=${generation%$'\r'}
  # A Standard VM has no securityProfile (az prints None), or says Standard.
  case "$security" in
    '' | None | null | Standard) security=Standard ;;
  esac
  log "check: security type $security, Hyper-V generation ${generation:-unknown} (expected $EXPECTED_SECURITY_TYPE, $EXPECTED_GENERATION)"
  if [ "$security" != "$EXPECTED_SECURITY_TYPE" ]; then
    if [ "$security" = TrustedLaunch ] || [ "$security" = ConfidentialVM ]; then
      fail 7 "check: Azure created the build VM as $security although the configuration asks for $EXPECTED_SECURITY_TYPE (a subscription default or an Azure Policy made it so: azurerm 4.x sends no security profile for a Standard VM). A managed image cannot be captured from a $security VM, so the build stops now instead of failing at the capture. Fix: let this subscription create Standard VMs (unregister the Trusted-Launch-by-default preview feature, or exempt the build's resource group from the policy), then run the deployment again (the VM is replaced)."
    fi
    fail 7 "check: the VM's security type is $security, but the image needs $EXPECTED_SECURITY_TYPE. Fix: build the VM with the security type the image target needs, then run the deployment again."
  fi
  if [ -n "$generation" ] && [ "$generation" != None ] && [ "$generation" != "$EXPECTED_GENERATION" ]; then
    fail 7 "check: the VM runs as Hyper-V generation $generation, but its marketplace image was declared $EXPECTED_GENERATION, and the image is captured as $EXPECTED_GENERATION. Fix: give MarketplaceImage the SKU's real generation (hyperVGeneration: HyperVGeneration.$generation), then run the deployment again."
  fi
}

# run_short_guest_script STEP SCRIPT MARKER [NAME=VALUE...]: runs a guest script of the setup; fails on a Run Command
# that does not return, or on output without the script's result line.
run_short_guest_script() {
  local step=$1 script=$2 marker=$3
  shift 3
  local rc=0
  run_guest_script "$step" "$GUEST_CALL_LIMIT" "$script" "$(basename "$script")" "$@" || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$step: Run Command ($(basename "$script")) did not return within ${GUEST_CALL_LIMIT}s. Check the VM's agent in the portal, then run the deployment again."
  fi
  if [ -z "$(guest_marker "$marker")" ]; then
    print_guest_output >&2 || true
    fail 5 "$step: $(basename "$script") stopped before its result line ($marker ...): its output is printed above. Run the deployment again; if it fails the same way, look at the guest's event log."
  fi
}

start_setup() {
  CURRENT_STEP='setup'
  log "setup: starting the setup in the guest (limit ${SETUP_LIMIT}s)"
  run_short_guest_script setup "$START_SCRIPT" "$START_MARKER"
  local started
  started=$(guest_marker "$START_MARKER")
  case "$started" in
    STARTED) log "setup: started as a scheduled task in the guest" ;;
    RUNNING) log "setup: already running in the guest (an interrupted earlier run): waiting for it, not starting it again" ;;
    SUCCEEDED) log "setup: already succeeded in an earlier run: not running it again" ;;
    NO-SETUP)
      log "setup: no setup left in the guest: an earlier run finished it and removed its files"
      return 1
      ;;
    *)
      print_guest_output >&2 || true
      fail 5 "setup: the setup could not be started in the guest: $started"
      ;;
  esac
}

# Polls setup-status.ps1 until the setup ends, printing the log's new lines as they come.
follow_setup() {
  local offset=0 started=$SECONDS status state next_offset failure
  local setup_log="$WORK_DIR/setup.log"
  : >"$setup_log"
  while :; do
    run_short_guest_script setup "$STATUS_SCRIPT" "$STATUS_MARKER" "Offset=$offset"
    # A poll may bring no new line (a long step): grep then exits 1, which must not end the script (pipefail).
    { grep -Ev "^$STATUS_MARKER" "$GUEST_OUTPUT" || true; } | sed -e '/^[[:space:]]*$/d' | tee -a "$setup_log" | sed 's/^/  guest| /'
    status=$(guest_marker "$STATUS_MARKER")
    state=${status%% *}
    next_offset=${status#"$state"}
    next_offset=${next_offset# }
    next_offset=${next_offset%% *}
    case "$state" in
      succeeded)
        log "setup: every step and the smoke test passed in the guest"
        return
        ;;
      failed)
        failure=$(grep -E "^$RESULT_MARKER FAILURE" "$setup_log" | tail -n 1 || true)
        fail 5 "setup: ${failure#"$RESULT_MARKER FAILURE "}. The guest's log is printed above (guest|). Nothing was imaged; the VM is left running. Fix the step (a change of the setup builds a new VM), then run the deployment again."
        ;;
      ended)
        fail 5 "setup: the setup process in the guest ended without a result line (guest status: ${status}): it was killed, or the VM restarted during the setup. A step must not restart the VM itself: a pending reboot is done after the setup. The guest's log is printed above; run the deployment again to start the setup anew."
        ;;
      missing)
        fail 5 "setup: the guest holds neither the setup's log nor its scheduled task: something removed them. Run the deployment again."
        ;;
      running) ;;
      *) fail 5 "setup: unexpected status line from the guest: $(shown "$status")" ;;
    esac
    require_pattern 'the offset of the setup log' "$next_offset" '^(0|[1-9][0-9]{0,11})$' 'a byte offset'
    offset=$next_offset
    if [ $((SECONDS - started)) -ge "$SETUP_LIMIT" ]; then
      fail 4 "setup: the setup did not finish within ${SETUP_MINUTES} minutes (GoldenVm setupTimeoutMinutes). It goes on in the guest: run the deployment again to keep waiting for it (it is not started twice), or raise setupTimeoutMinutes."
    fi
    log "setup: running in the guest, $((SECONDS - started))s of ${SETUP_LIMIT}s"
    pause setup "$POLL_SECONDS" 'waiting for the next lines of the setup log'
  done
}

# Removes the pipeline's traces from the guest; restarts the VM while the guest reports a pending reboot.
finish_setup() {
  CURRENT_STEP='cleanup'
  local restarts=0 finished
  while :; do
    log "cleanup: removing the setup's task, files and custom data from the guest (keep files: $KEEP_SETUP_FILES)"
    run_short_guest_script cleanup "$FINISH_SCRIPT" "$FINISH_MARKER" "KeepSetupFiles=$KEEP_SETUP_FILES"
    print_guest_output || true
    finished=$(guest_marker "$FINISH_MARKER")
    case "$finished" in
      CLEAN)
        log "cleanup: the guest is clean and needs no restart"
        return
        ;;
      REBOOT-PENDING*)
        if [ "$restarts" -ge "$MAX_RESTARTS" ]; then
          fail 5 "cleanup: a reboot is still pending after $restarts restarts (${finished#REBOOT-PENDING }): something in the setup re-arms it at every boot. Sysprep refuses to run with a pending reboot; fix the step that causes it, then run the deployment again."
        fi
        restarts=$((restarts + 1))
        restart_vm "$restarts" "${finished#REBOOT-PENDING }"
        ;;
      *) fail 5 "cleanup: the guest could not be cleaned: ${finished#FAILURE }" ;;
    esac
  done
}

restart_vm() {
  local attempt=$1 reasons=$2 rc=0
  CURRENT_STEP='restart'
  log "restart: a reboot is pending in the guest ($reasons): restarting the VM ($attempt of $MAX_RESTARTS, limit ${RESTART_LIMIT}s)"
  az_call restart "$RESTART_LIMIT" no vm restart "${VM_ARGS[@]}" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "restart: the VM did not restart within ${RESTART_MINUTES} minutes. Check it in the portal, then run the deployment again."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'restart: az vm restart' 'Run the deployment again: the setup is not repeated.'
  log "restart: done; the next Run Command waits for the guest agent"
  CURRENT_STEP='cleanup'
}

main() {
  validate_inputs
  # A VM still starting or stopping (an interrupted restart) settles within a restart's time.
  start_vm_run "$RESTART_LIMIT"
  if [ "$OS_STATE" = generalized ]; then
    log "state: the VM is already generalized: its setup finished in an earlier run"
    return
  fi
  if [ "$POWER_STATE" != running ]; then
    fail 7 "state: the VM is $POWER_STATE (status codes:$STATUS_CODES), but the setup needs it running. Start it (\`az vm start\`), then run the deployment again."
  fi

  check_vm_kind
  if start_setup; then
    follow_setup
  fi
  finish_setup
  log "done: the VM is set up and clean, ready for Sysprep"
}

main "$@"
