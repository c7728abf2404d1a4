# Shared by the bash operator scripts (gallery.sh, verify-scale-set.sh; the setup, generalize, capture and delete-all
# steps are the Node.js operator's, lib/operator): logging, input validation, the az session, az calls with progress
# lines, limits and retries of transient failures, and Run Command. Sourced, never run: the sourcing
# script sets `set -euo pipefail`, SCRIPT_NAME and SOURCE_CONSTRUCT (the construct whose props the inputs come from) and
# NOT_FOUND_HINT (what to do when the VM or its resource group has disappeared) first.
#
# Tuning, for tests:
#   GOLDEN_POLL_SECONDS         interval of progress lines and state polls (default 15)
#   GOLDEN_RETRY_BASE_SECONDS   first delay before retrying a transient az failure, doubled each time (default 5)
#   GOLDEN_RETRY_MAX_ATTEMPTS   attempts per az call, the first included (default 6)
#   GOLDEN_SECONDS_PER_MINUTE   length of a timeout minute (default 60)
#   GOLDEN_AGENT_WAIT_SECONDS   how long Run Command may keep answering that the VM agent is not ready before the step
#                               fails (default 600: a restarted Windows VM's agent reports in within minutes)
#
# Exit codes every script shares (see each script's header for the others):
#   3    the Azure CLI cannot be used: not on PATH, installed but crashing (a Python traceback, exit 126/127, a signal),
#        lacking a Python module a subcommand needs, not logged in, or its session expired during the run
#   12   no temporary directory: TMPDIR (or /tmp when unset) is missing, not a directory or not writable; checked
#        before any az call
#   129/130/143  interrupted by SIGHUP/SIGINT/SIGTERM: the running az is stopped, the temporary files and the private
#        az config are removed
# Written for bash 3.2 (macOS) and later.
# shellcheck shell=bash

# One row per stream of the guest script, `<code><TAB><message>`: ComponentStatus/StdOut/... then
# ComponentStatus/StdErr/...; az's tsv writes each message as it is, over as many lines as it has.
readonly MESSAGE_QUERY='value[].[code, message]'
# Seconds between two checks of a running az call (short at first: most calls return within a second);
# progress lines are printed every GOLDEN_POLL_SECONDS.
readonly FIRST_TICK_SECONDS=0.05
readonly FIRST_TICKS=20
readonly TICK_SECONDS=0.5
# Transient failures of az or Azure: throttling, server errors, broken connections. Azure's answers for the faults
# below (az crashing, an expired session, a VM agent not ready) do not match it: retrying cannot help them
# (run_guest_script waits for the agent instead).
readonly TRANSIENT_PATTERN='TooManyRequests|Too Many Requests|[Tt]hrottl|(^|[^0-9])(429|500|502|503|504) (Client|Server) Error|InternalServerError|Internal Server Error|ServiceUnavailable|Service Unavailable|GatewayTimeout|Gateway Timeout|BadGateway|Bad Gateway|InternalExecutionError|RetryableError|Connection aborted|ConnectionResetError|Connection reset|ConnectionError|Max retries exceeded|Temporary failure in name resolution|Read timed out'
# The VM or its resource group does not exist: final, never retried.
readonly NOT_FOUND_PATTERN='ResourceNotFound|ResourceGroupNotFound|\(NotFound\)|Code: NotFound'
# Run Command takes one script at a time per VM: Azure answers 409 Conflict while one runs.
readonly RUN_COMMAND_BUSY_PATTERN='Run command extension execution is in progress'
# Run Command needs the VM agent (Windows Azure Guest Agent) in the guest; while it has not reported in (Windows still
# booting after a restart, the agent restarting or updating itself), Azure answers VMAgentStatusCommunicationError "VM
# '<name>' has not reported status for VM agent or extensions", or "VM agent on VM '<name>' has not reported latest
# status for extension 'RunCommandWindows'" (azure-powershell issue 5741, azure-linux-extensions issue 684); the
# portal calls it "virtual machine agent status is not ready". Waited for, within GOLDEN_AGENT_WAIT_SECONDS.
readonly AGENT_NOT_READY_PATTERN='VMAgentStatusCommunicationError|has not reported (latest )?status for (VM agent|extension)|[Aa]gent (status )?is not ready|[Gg]uest agent is not ready|GuestAgentNotReady'
# az itself failed, whatever the command: an unexpected Python exception (azure-cli prints "The command failed with an
# unexpected error. Here is the traceback:" and the traceback), or one before the CLI could even start.
readonly AZ_CRASH_PATTERN='Traceback \(most recent call last\)|The command failed with an unexpected error'
# A crash on a Python module the installation lacks: e.g. Debian's azure-cli 2.45 package, whose SDK has no
# azure.mgmt.compute.v2022_11_01, crashes so on `az vm deallocate` (azure-cli issues 22697, 18804).
readonly AZ_MODULE_PATTERN="ModuleNotFoundError|No module named '|ImportError|cannot import name '"
# Azure refused the session's token: the refresh token expired (AADSTS700082: inactivity; AADSTS70043: sign-in
# frequency) or was revoked (AADSTS50173), the client secret expired (AADSTS7000222), an access token expired
# (ARM's InvalidAuthenticationTokenTokenExpired, ExpiredAuthenticationToken), or az lost the account. Only after the
# session was found or made: `az account show` reads the local profile and does not check the token.
readonly SESSION_EXPIRED_PATTERN="AADSTS700082|AADSTS70043|AADSTS50173|AADSTS7000222|The refresh token has expired|InvalidAuthenticationTokenTokenExpired|ExpiredAuthenticationToken|Please run 'az login' to setup account|Interactive authentication is needed"

START_SECONDS=$SECONDS
CURRENT_STEP='start'
CHILD_PID=''
# The exit status and the command words (e.g. `az vm deallocate`) of the last az call (run_az_once).
AZ_RC=0
AZ_COMMAND='az'
WORK_DIR=''
PRIVATE_AZ_CONFIG_DIR=''

log() {
  printf '[%s +%ss] %s\n' "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$*"
}

fail() {
  local code=$1
  shift
  printf '[%s +%ss] ERROR: %s\n' "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$*" >&2
  exit "$code"
}

cleanup() {
  if [ -n "$CHILD_PID" ]; then
    kill "$CHILD_PID" 2>/dev/null || true
  fi
  if [ -n "$WORK_DIR" ]; then
    rm -rf "$WORK_DIR"
  fi
  if [ -n "$PRIVATE_AZ_CONFIG_DIR" ]; then
    rm -rf "$PRIVATE_AZ_CONFIG_DIR"
  fi
}

on_signal() {
  local signal=$1 code=$2
  trap - TERM INT HUP
  if [ -n "$CHILD_PID" ]; then
    kill "$CHILD_PID" 2>/dev/null || true
  fi
  printf '[%s +%ss] ERROR: interrupted by SIG%s during step %s%s. The VM is left as it is: run the deployment again to resume (steps already done are detected and skipped).\n' \
    "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$signal" "$CURRENT_STEP" "$(signal_note "$signal")" >&2
  exit "$code"
}

# Why a signal may have come, for its message: SIGHUP is what a closed terminal or SSH session sends to what it ran.
signal_note() {
  if [ "$1" = HUP ]; then
    printf ' (the terminal or SSH session that ran the deployment was closed?)'
  fi
}

trap cleanup EXIT
trap 'on_signal TERM 143' TERM
trap 'on_signal INT 130' INT
trap 'on_signal HUP 129' HUP

# A value as the shell would quote it, cut to 100 characters: safe to print whatever it holds.
shown() {
  local quoted
  quoted=$(printf '%q' "$1")
  if [ "${#quoted}" -gt 100 ]; then
    quoted="${quoted:0:97}..."
  fi
  printf '%s' "$quoted"
}

# require_pattern NAME VALUE ERE DESCRIPTION: fails unless VALUE matches ERE entirely.
require_pattern() {
  local name=$1 value=$2 pattern=$3 description=$4
  if ! [[ $value =~ $pattern ]]; then
    fail 2 "$name must be $description; got $(shown "$value"). It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
  fi
}

# require_number NAME VALUE MIN MAX: a whole number without leading zeros in [MIN, MAX].
require_number() {
  local name=$1 value=$2 min=$3 max=$4
  require_pattern "$name" "$value" '^(0|[1-9][0-9]{0,5})$' "a whole number"
  if [ "$value" -lt "$min" ] || [ "$value" -gt "$max" ]; then
    fail 2 "$name must be between $min and $max; got $value."
  fi
}

# Waits SECONDS while printing progress lines.
pause() {
  local step=$1 seconds=$2 reason=$3 started=$SECONDS
  local next_progress=$((SECONDS + POLL_SECONDS))
  while [ $((SECONDS - started)) -lt "$seconds" ]; do
    if [ "$SECONDS" -ge "$next_progress" ]; then
      log "$step: $reason, $((SECONDS - started))s of ${seconds}s"
      next_progress=$((SECONDS + POLL_SECONDS))
    fi
    sleep "$TICK_SECONDS"
  done
}

# run_az_once STEP LIMIT_SECONDS FEED_SECRET ARGS...: one az call in the background, with progress lines while it
# runs and a hard limit. Output in $AZ_OUT and $AZ_ERR. Returns az's exit code, or 124 when the limit was reached.
run_az_once() {
  local step=$1 limit=$2 feed_secret=$3 rc=0 word
  shift 3
  AZ_COMMAND='az'
  for word in "$@"; do
    case "$word" in
      -*) break ;;
      *) AZ_COMMAND="$AZ_COMMAND $word" ;;
    esac
  done
  if [ "$feed_secret" = yes ]; then
    # printf is a shell builtin: the secret appears in no process's arguments.
    printf '%s' "$ARM_CLIENT_SECRET" | az "$@" >"$AZ_OUT" 2>"$AZ_ERR" &
  else
    az "$@" >"$AZ_OUT" 2>"$AZ_ERR" </dev/null &
  fi
  CHILD_PID=$!
  wait_for_child "$step: waiting for az $1 $2" "$limit" || rc=$?
  AZ_RC=$rc
  return "$rc"
}

# Waits for the background process CHILD_PID (the signal handlers stop it), logging "<what>, <elapsed>s of <limit>s"
# every POLL_SECONDS, and returns its exit status; after `limit` seconds it stops it and returns 124.
wait_for_child() {
  local what=$1 limit=$2
  local started=$SECONDS rc=0 ticks=0
  local next_progress=$((SECONDS + POLL_SECONDS))
  while kill -0 "$CHILD_PID" 2>/dev/null; do
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      kill "$CHILD_PID" 2>/dev/null || true
      wait "$CHILD_PID" 2>/dev/null || true
      CHILD_PID=''
      return 124
    fi
    if [ "$SECONDS" -ge "$next_progress" ]; then
      log "$what, $((SECONDS - started))s of ${limit}s"
      next_progress=$((SECONDS + POLL_SECONDS))
    fi
    if [ "$ticks" -lt "$FIRST_TICKS" ]; then
      ticks=$((ticks + 1))
      sleep "$FIRST_TICK_SECONDS"
    else
      sleep "$TICK_SECONDS"
    fi
  done
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=''
  return "$rc"
}

first_error_line() {
  grep -v '^[[:space:]]*$' "$AZ_ERR" | head -n 1 | cut -c 1-200 || true
}

# The kind of the last az call's failure when no retry can help, else nothing: `module` (the CLI crashed on a Python
# module its installation lacks), `crash` (it crashed otherwise: a traceback, exit 126 or 127 from its launcher, or
# killed by a signal), `expired` (Azure refused the session's token), `agent` (Run Command: the VM agent is not ready).
az_fault() {
  if grep -Eq "$AZ_MODULE_PATTERN" "$AZ_ERR"; then
    printf 'module'
  elif grep -Eq "$AZ_CRASH_PATTERN" "$AZ_ERR" || [ "$AZ_RC" -eq 126 ] || [ "$AZ_RC" -eq 127 ] || { [ "$AZ_RC" -gt 128 ] && [ "$AZ_RC" -lt 160 ]; }; then
    printf 'crash'
  elif grep -Eq "$SESSION_EXPIRED_PATTERN" "$AZ_ERR"; then
    printf 'expired'
  elif grep -Eq "$AGENT_NOT_READY_PATTERN" "$AZ_ERR"; then
    printf 'agent'
  fi
}

# The line that says why az crashed: a traceback's exception (its last line that names one), else az's first line of
# error output, else how it ended.
crash_line() {
  local line
  line=$(grep -E '^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)(: |$)' "$AZ_ERR" | tail -n 1 | cut -c 1-200 || true)
  [ -n "$line" ] || line=$(first_error_line)
  if [ -z "$line" ] && [ "$AZ_RC" -gt 128 ]; then
    line="az was killed by SIG$(kill -l "$((AZ_RC - 128))" 2>/dev/null || printf '%s' "$((AZ_RC - 128))") (exit status $AZ_RC)"
  fi
  printf '%s' "${line:-az exited with status $AZ_RC and printed nothing}"
}

# fail_if_az_broken STEP: fails with exit code 3 when the last az call crashed (az_fault: module or crash), saying so
# and how to fix the installation; returns otherwise.
fail_if_az_broken() {
  local step=$1 kind module line
  kind=$(az_fault)
  line=$(crash_line)
  case "$kind" in
    module)
      module=$(sed -nE -e "s/.*No module named '([^']+)'.*/\1/p" -e "s/.*cannot import name '[^']+' from '([^']+)'.*/\1/p" "$AZ_ERR" | tail -n 1)
      fail 3 "$step: the Azure CLI is installed but crashes: $line. This installation lacks the Python module ${module:-named above} that \`$AZ_COMMAND\` needs: a retry or a rerun fails the same way until az is fixed. Fix: upgrade or reinstall the Azure CLI: \`az upgrade\`, or Microsoft's package (https://aka.ms/azure-cli) instead of a Linux distribution's (e.g. Debian's azure-cli 2.45 lacks SDK modules its own commands need); check \`az version\`, then run the deployment again."
      ;;
    crash)
      fail 3 "$step: the Azure CLI is installed but crashes: $line (\`$AZ_COMMAND\`, exit status $AZ_RC): a retry or a rerun fails the same way until az is fixed. Fix: reinstall or upgrade it (\`az upgrade\`, or Microsoft's package from https://aka.ms/azure-cli), check \`az version\`, then run the deployment again."
      ;;
  esac
}

# az_call STEP LIMIT_SECONDS FEED_SECRET ARGS...: run_az_once, retrying transient failures with exponential backoff.
az_call() {
  local step=$1 limit=$2 feed_secret=$3
  shift 3
  local attempt=1 delay=$RETRY_BASE_SECONDS rc
  while :; do
    rc=0
    run_az_once "$step" "$limit" "$feed_secret" "$@" || rc=$?
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
      return "$rc"
    fi
    # Checked first: a missing VM stays missing, whatever else the message says.
    if grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR" || ! grep -Eq "$TRANSIENT_PATTERN" "$AZ_ERR"; then
      return "$rc"
    fi
    if [ "$attempt" -ge "$RETRY_MAX_ATTEMPTS" ]; then
      log "$step: az $1 $2 still failing after $attempt attempts: giving up"
      return "$rc"
    fi
    log "$step: transient az failure (attempt $attempt of $RETRY_MAX_ATTEMPTS): $(first_error_line)"
    log "$step: retrying in ${delay}s"
    pause "$step" "$delay" 'waiting before the next attempt'
    attempt=$((attempt + 1))
    delay=$((delay * 2))
    if [ "$delay" -gt 300 ]; then
      delay=300
    fi
  done
}

# Fails with az's own error output and a hint; with exit code 3 when az crashed or its session expired (after the
# login), 8 and what to do when the VM no longer exists.
fail_az() {
  local code=$1 step=$2 hint=$3
  if [ -s "$AZ_ERR" ]; then
    sed 's/^/  az| /' "$AZ_ERR" >&2
  fi
  fail_if_az_broken "$step"
  if [ "$CURRENT_STEP" != login ] && [ "$(az_fault)" = expired ]; then
    fail 3 "$step failed: the az session expired during the run: Azure refused its token ($(grep -E -m 1 "$SESSION_EXPIRED_PATTERN" "$AZ_ERR" | cut -c 1-200)), and a retry would be refused too. Log in again (\`az login\`; or, when the deployment logs in with the ARM_* variables, check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID, or ARM_USE_MSI), then run the deployment again."
  fi
  if [ "$CURRENT_STEP" != login ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    fail 8 "$step failed: $NOT_FOUND_SUBJECT was not found: $NOT_FOUND_WHAT was deleted before or during this run. Nothing was retried. $NOT_FOUND_HINT"
  fi
  fail "$code" "$step failed. $hint"
}

use_private_az_config() {
  PRIVATE_AZ_CONFIG_DIR=$(make_temp_directory "$SCRIPT_NAME-az") || exit
  export AZURE_CONFIG_DIR="$PRIVATE_AZ_CONFIG_DIR"
}

ensure_az_session() {
  CURRENT_STEP='login'
  command -v az >/dev/null 2>&1 || fail 3 "the Azure CLI (az) is not on PATH. Install it (https://aka.ms/azure-cli) on the machine that runs Terraform."
  local rc=0
  run_az_once login 60 no account show -o none || rc=$?
  if [ "$rc" -eq 0 ]; then
    log "login: using the current az session"
    return
  fi
  # A CLI that crashes is not a missing session: no login with the ARM_* credentials would get further.
  case "$(az_fault)" in
    module | crash) fail_az 3 'login: az account show' '' ;;
  esac
  if [ "${ARM_USE_MSI:-}" = true ]; then
    local args=(login --identity -o none)
    if [ -n "${ARM_CLIENT_ID:-}" ]; then
      require_pattern ARM_CLIENT_ID "$ARM_CLIENT_ID" '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' 'a client id (a GUID)'
      args+=(--username "$ARM_CLIENT_ID")
    fi
    log "login: no az session; logging in with the managed identity (ARM_USE_MSI=true)"
    use_private_az_config
    rc=0
    az_call login "$QUERY_LIMIT" no "${args[@]}" || rc=$?
    [ "$rc" -eq 0 ] || fail_az 3 'az login --identity' 'Check that this machine has a managed identity with access to the VM (Virtual Machine Contributor), or log in with az login before deploying.'
    return
  fi
  if [ -n "${ARM_CLIENT_ID:-}" ] || [ -n "${ARM_CLIENT_SECRET:-}" ] || [ -n "${ARM_TENANT_ID:-}" ]; then
    local missing=''
    [ -n "${ARM_CLIENT_ID:-}" ] || missing="$missing ARM_CLIENT_ID"
    [ -n "${ARM_CLIENT_SECRET:-}" ] || missing="$missing ARM_CLIENT_SECRET"
    [ -n "${ARM_TENANT_ID:-}" ] || missing="$missing ARM_TENANT_ID"
    if [ -n "$missing" ]; then
      fail 3 "az has no session, and the service principal variables are incomplete (missing:$missing). Set all three, or run \`az login\` before deploying."
    fi
    require_pattern ARM_CLIENT_ID "$ARM_CLIENT_ID" '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' 'a client id (a GUID)'
    require_pattern ARM_TENANT_ID "$ARM_TENANT_ID" '^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$' 'a tenant id (a GUID or a domain name)'
    log "login: no az session; logging in as service principal $ARM_CLIENT_ID (ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID)"
    use_private_az_config
    rc=0
    az_call login "$QUERY_LIMIT" yes login --service-principal --username "$ARM_CLIENT_ID" --password @- --tenant "$ARM_TENANT_ID" -o none || rc=$?
    [ "$rc" -eq 0 ] || fail_az 3 'az login --service-principal' 'Check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (the same variables the azurerm provider uses).'
    return
  fi
  fail 3 "az is not logged in and no credentials were given. Run \`az login\` (and \`az account set --subscription <id>\`) on this machine before deploying, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (a service principal) or ARM_USE_MSI=true (a managed identity), as for the azurerm provider."
}

split_guest_streams() {
  local stdout_file=$1 stderr_file=$2 target=$1 line
  : >"$stdout_file"
  : >"$stderr_file"
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in
      ComponentStatus/StdOut/*$'\t'*)
        target=$stdout_file
        line=${line#*$'\t'}
        ;;
      ComponentStatus/StdErr/*$'\t'*)
        target=$stderr_file
        line=${line#*$'\t'}
        ;;
    esac
    printf '%s\n' "$line" >>"$target"
  done <"$AZ_OUT"
}

# The tuning variables (see the header) and QUERY_LIMIT, the limit of a plain az query.
validate_tuning_inputs() {
  POLL_SECONDS=${GOLDEN_POLL_SECONDS:-15}
  RETRY_BASE_SECONDS=${GOLDEN_RETRY_BASE_SECONDS:-5}
  RETRY_MAX_ATTEMPTS=${GOLDEN_RETRY_MAX_ATTEMPTS:-6}
  SECONDS_PER_MINUTE=${GOLDEN_SECONDS_PER_MINUTE:-60}
  AGENT_WAIT_SECONDS=${GOLDEN_AGENT_WAIT_SECONDS:-600}
  require_number GOLDEN_POLL_SECONDS "$POLL_SECONDS" 1 3600
  require_number GOLDEN_RETRY_BASE_SECONDS "$RETRY_BASE_SECONDS" 0 300
  require_number GOLDEN_RETRY_MAX_ATTEMPTS "$RETRY_MAX_ATTEMPTS" 1 20
  require_number GOLDEN_SECONDS_PER_MINUTE "$SECONDS_PER_MINUTE" 1 60
  require_number GOLDEN_AGENT_WAIT_SECONDS "$AGENT_WAIT_SECONDS" 0 7200
  QUERY_LIMIT=$((5 * SECONDS_PER_MINUTE))
}

# require_resource_group NAME VALUE
require_resource_group() {
  require_pattern "$1" "$2" '^[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]$' \
    'an Azure resource group name (1-90 letters, digits, _ - . ( ), not ending in a period)'
}

# SUBSCRIPTION_ID, when set, must be a GUID.
require_subscription() {
  if [ -n "$SUBSCRIPTION_ID" ]; then
    require_pattern 'GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID)' "$SUBSCRIPTION_ID" \
      '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' 'a subscription id (a GUID)'
  fi
}

# A tag as Azure accepts it, `key=value`: the lengths (a key of 1-512 characters, a value of at most 256) are checked
# apart, since macOS's regex library allows no bound above 255.
readonly TAG_PATTERN='^[^<>%&\\?/=[:cntrl:]]+=[^[:cntrl:]]*$'

# Sets EXTRA_TAGS from GOLDEN_IMAGE_TAGS (one `key=value` per line), refusing the line's own tags NAME_TAG and
# REVISION_TAG (set by the sourcing script): Azure's tag keys ignore case and a later key wins in az, so an image or
# version tagged with another line or revision here would escape this line's pruning and delete-all.
read_extra_tags() {
  EXTRA_TAGS=()
  local tag key value
  while IFS= read -r tag; do
    [ -n "$tag" ] || continue
    key=${tag%%=*}
    value=${tag#*=}
    if ! [[ $tag =~ $TAG_PATTERN ]] || [ "${#key}" -gt 512 ] || [ "${#value}" -gt 256 ]; then
      fail 2 "a line of GOLDEN_IMAGE_TAGS must be key=value, as Azure accepts tags (a key of 1-512 characters without < > % & \\ ? / =, a value of at most 256); got $(shown "$tag"). It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
    fi
    case "$(printf '%s' "$key" | tr '[:upper:]' '[:lower:]')" in
      "$NAME_TAG" | "$REVISION_TAG")
        fail 2 "GOLDEN_IMAGE_TAGS must not set $(shown "$key"): $SCRIPT_NAME.sh sets $NAME_TAG and $REVISION_TAG itself. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
        ;;
    esac
    EXTRA_TAGS+=("$tag")
  done <<<"${GOLDEN_IMAGE_TAGS:-}"
}

# The guest script NAME in GUEST_DIRECTORY; fails unless it is a readable file.
guest_script() {
  local file="$GUEST_DIRECTORY/$1"
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    fail 2 "GOLDEN_GUEST_DIRECTORY: no readable $1 in $(shown "$GUEST_DIRECTORY") from $(shown "$PWD"). Run the deployment from the stack directory (cdktf and Terraform do)."
  fi
  printf '%s' "$file"
}

# run_guest_script STEP LIMIT_SECONDS SCRIPT PURPOSE [NAME=VALUE...]: runs a guest PowerShell script (doing PURPOSE, e.g.
# `Sysprep`, for messages) through Run Command and
# leaves its output in $GUEST_OUTPUT and its error stream in $GUEST_ERRORS. Returns 0, or 124 when Run Command did not
# return within LIMIT_SECONDS; any other az failure ends the script (fail_az). While the guest still runs an earlier
# Run Command (409 Conflict, typically this step's own from an interrupted run), it waits up to LIMIT_SECONDS for it.
run_guest_script() {
  local step=$1 limit=$2 script=$3 purpose=$4
  shift 4
  local rc started=$SECONDS agent_since=''
  local parameters=()
  if [ "$#" -gt 0 ]; then
    parameters=(--parameters "$@")
  fi
  while :; do
    rc=0
    az_call "$step" "$limit" no vm run-command invoke "${VM_ARGS[@]}" \
      --command-id RunPowerShellScript --scripts "@$script" ${parameters[@]+"${parameters[@]}"} \
      --query "$MESSAGE_QUERY" -o tsv || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$(az_fault)" = agent ]; then
      [ -n "$agent_since" ] || agent_since=$SECONDS
      wait_for_agent "$step" "$purpose" "$agent_since"
      continue
    fi
    # Any other outcome, a missing VM included, is handled below.
    if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || ! grep -Eq "$RUN_COMMAND_BUSY_PATTERN" "$AZ_ERR"; then
      break
    fi
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      sed 's/^/  az| /' "$AZ_ERR" >&2
      fail 4 "$step: another Run Command kept running in the guest for ${limit}s, so $purpose could not start. Look at the VM's Run Command and extension status in the portal (Operations > Run command), then run the deployment again."
    fi
    log "$step: another Run Command is still running in the guest (an interrupted earlier run?): waiting for it to end, $((SECONDS - started))s of ${limit}s"
    pause "$step" "$POLL_SECONDS" 'waiting for the earlier Run Command to end'
  done
  if [ "$rc" -eq 124 ]; then
    return 124
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$step: az vm run-command invoke" "The VM is left as it is ($purpose did not run); run the deployment again once the cause is fixed."
  GUEST_OUTPUT="$WORK_DIR/guest-output.txt"
  GUEST_ERRORS="$WORK_DIR/guest-errors.txt"
  split_guest_streams "$GUEST_OUTPUT" "$GUEST_ERRORS"
}

# wait_for_agent STEP PURPOSE SINCE: Run Command answered that the VM agent is not ready (see AGENT_NOT_READY_PATTERN),
# first at SINCE: fails with exit code 4 once it has said so for AGENT_WAIT_SECONDS, else waits POLL_SECONDS.
wait_for_agent() {
  local step=$1 purpose=$2 since=$3 argument vm='' group=''
  for argument in "${VM_ARGS[@]}"; do
    case "$argument" in
      --name=*) vm=${argument#--name=} ;;
      --resource-group=*) group=${argument#--resource-group=} ;;
    esac
  done
  if [ $((SECONDS - since)) -ge "$AGENT_WAIT_SECONDS" ]; then
    sed 's/^/  az| /' "$AZ_ERR" >&2
    fail 4 "$step: the VM agent (Windows Azure Guest Agent) of VM $vm was still not ready after ${AGENT_WAIT_SECONDS}s (GOLDEN_AGENT_WAIT_SECONDS), so Run Command could not run $purpose in the guest. The VM is left as it is. Fix: look at the VM in the portal (Overview > Properties > Agent status; Help > Boot diagnostics: did Windows start?) or at \`az vm get-instance-view --resource-group $group --name $vm --query instanceView.vmAgent\` (its status should be Ready); restart the VM if the agent stays not ready, then run the deployment again."
  fi
  log "$step: the VM agent of VM $vm is not ready, so Run Command cannot reach the guest yet ($(grep -E -m 1 "$AGENT_NOT_READY_PATTERN" "$AZ_ERR" | cut -c 1-160)): waiting for it, $((SECONDS - since))s of ${AGENT_WAIT_SECONDS}s"
  pause "$step" "$POLL_SECONDS" 'waiting for the VM agent'
}

# Prints the guest's output (each line prefixed `guest|`), and its error stream (prefixed `guest stderr|`) on stderr.
# Returns 0 when the error stream held text, 1 otherwise.
print_guest_output() {
  sed -e '/^[[:space:]]*$/d' -e 's/^/  guest| /' "$GUEST_OUTPUT"
  if grep -q '[^[:space:]]' "$GUEST_ERRORS"; then
    sed -e '/^[[:space:]]*$/d' -e 's/^/  guest stderr| /' "$GUEST_ERRORS" >&2
    return 0
  fi
  return 1
}

# Creates WORK_DIR and the az output files. Call once, after the inputs are validated and before any az call.
start_work() {
  WORK_DIR=$(make_temp_directory "$SCRIPT_NAME") || exit
  AZ_OUT="$WORK_DIR/az.out"
  AZ_ERR="$WORK_DIR/az.err"
}

# make_temp_directory NAME: prints the path of a new private directory in TMPDIR (/tmp when unset), or fails with exit
# code 12 saying why there is none. Run in a command substitution: the caller exits with its status.
make_temp_directory() {
  local directory problem where
  # macOS's mktemp before 10.11 needs -t; GNU's refuses a -t template without X's.
  if directory=$(mktemp -d 2>/dev/null || mktemp -d -t "$1" 2>/dev/null) && [ -n "$directory" ]; then
    printf '%s' "$directory"
    return
  fi
  directory=${TMPDIR:-/tmp}
  if [ ! -e "$directory" ]; then
    problem='does not exist'
  elif [ ! -d "$directory" ]; then
    problem='is not a directory'
  elif [ ! -w "$directory" ] || [ ! -x "$directory" ]; then
    problem='is not writable'
  else
    problem='is a writable directory, but mktemp could not create a directory in it (is the disk full?)'
  fi
  if [ -n "${TMPDIR:-}" ]; then
    where="TMPDIR=$(shown "$TMPDIR")"
  else
    where='TMPDIR is not set, and /tmp'
  fi
  fail 12 "$where $problem, so mktemp cannot create the temporary directory this script keeps az's output in. Fix: set TMPDIR to an existing writable directory (or unset it to use /tmp) in the environment that runs Terraform, then run the deployment again. Nothing was done in Azure."
}
