#!/usr/bin/env bash
# Post-deploy check of an ImageScaleSet (a Uniform VM scale set behind a Standard load balancer, upgrade mode Rolling
# gated by the load balancer's health probe), run by Terraform's local-exec on the machine that runs Terraform after
# every deployment and every image upgrade: ImageScaleSet writes a terraform_data whose provisioner runs
# `bash "./assets/.../operator/verify-scale-set.sh"`. A new source image starts a rolling upgrade that Azure carries out
# on its own, batch after batch, and Terraform's apply returns before it ends; so this script, within one deadline:
#   1. waits for the latest rolling upgrade to end (`az vmss rolling-upgrade get-latest`): Completed, or none ever run
#      (a first deployment: Azure answers NotFound), goes on; Faulted or Cancelled fails (exit 10); RollingForward is
#      waited for, with its progress;
#   2. waits until `az vmss list-instances` shows exactly GOLDEN_SCALE_SET_INSTANCES instances, each provisioned
#      (Succeeded) and on the latest model, and reads their computer names;
#   3. fetches GOLDEN_SCALE_SET_URL through the load balancer in batches of parallel requests, each on a new TCP
#      connection, until every instance's computer name has been seen in a page (case-insensitive). The load balancer
#      picks the instance by a hash of each connection's 5-tuple, so seeing all N takes about N*ln(N) requests: a batch
#      holds 2N of them (8-1000), at most 32 at a time.
# Nothing in Azure is changed. Every value comes from the environment and is checked before use:
#   GOLDEN_SUBSCRIPTION_ID            subscription (optional: else ARM_SUBSCRIPTION_ID, else az's default)
#   GOLDEN_SCALE_SET_RESOURCE_GROUP   resource group of the scale set (required)
#   GOLDEN_SCALE_SET_NAME             the scale set: 1-64 letters, digits, - _ . starting with a letter or digit (required)
#   GOLDEN_SCALE_SET_URL              the app's URL through the load balancer, http(s) with a host name or IPv4 address,
#                                     without spaces, quotes, brackets or braces, e.g. http://203.0.113.10:8080/ (required)
#   GOLDEN_SCALE_SET_INSTANCES        how many instances the scale set must have, 1-1000 (required)
#   VERIFY_TIMEOUT_SECONDS            the deadline of the three steps together, 1-86400 (default 1800; bash counts whole
#                                     seconds). It is checked between az calls and between batches of requests: an az
#                                     call started before it may take 30 s more, a batch VERIFY_REQUEST_SECONDS more.
#   VERIFY_INTERVAL_SECONDS           pause between two looks at Azure, and after a batch that saw no new instance,
#                                     1-3600 (default 10)
#   VERIFY_REQUEST_SECONDS            limit of one HTTP request, 1-600 (default 10)
# Tuning variables for tests: see common.sh.
# Login: as generalize-vm.sh (an az session, or the azurerm provider's ARM_* variables).
# Needs curl 7.68 or later (--parallel-immediate) on the machine that runs Terraform.
#
# A page that names none of the instances (an error page, or a machine outside the scale set still in the load
# balancer's backend pool) is reported: in the progress lines, in the error at the deadline, and as a warning when every
# instance was seen anyway.
# Exit codes: 0 verified; 2 invalid input; 3 az cannot be used (missing, crashing, lacking a module, cannot log in, or
# its session expired during the run); 4 timeout: the rolling upgrade or the instances were not ready by the deadline,
# or an az call did not answer; 5 curl is missing or older than 7.68; 6 az failed; 8 the scale set or its resource
# group does not exist; 10 the latest rolling upgrade Faulted or was Cancelled; 11 some instances never answered through
# the load balancer by the deadline; 12 no temporary directory (TMPDIR); 129/130/143 interrupted
# (SIGHUP/SIGINT/SIGTERM).
# Written for bash 3.2 (macOS) and later.

set -euo pipefail
umask 077
export LC_ALL=C

readonly SCRIPT_NAME='verify-scale-set'
readonly SOURCE_CONSTRUCT='ImageScaleSet'
# One row: the upgrade's state, its progress counts and its error (last: a message may hold tabs).
readonly UPGRADE_QUERY='[[runningStatus.code, progress.successfulInstanceCount, progress.failedInstanceCount, progress.inProgressInstanceCount, progress.pendingInstanceCount, error.code, error.message]]'
readonly INSTANCES_QUERY='[].[instanceId, osProfile.computerName, provisioningState, latestModelApplied]'
# No rolling upgrade has ever run on the scale set: 404 NotFound (a missing scale set is ResourceNotFound instead).
readonly NO_UPGRADE_PATTERN='\(NotFound\)|Code: NotFound|The entity was not found'
readonly URL_PATTERN='^https?://[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(/[-A-Za-z0-9._~/%!$&()*+,;=:@?]*)?$'
# A Windows computer name, as Azure gives each instance (its prefix and 6 characters of the instance id).
readonly COMPUTER_NAME_PATTERN='^[A-Za-z0-9][-A-Za-z0-9]{0,14}$'
# The least time an az call or a batch gets, even at the deadline: one slow answer must not fail the check.
readonly AZ_MIN_LIMIT=30
readonly MAX_PARALLEL=32
readonly MIN_BATCH=8
readonly MAX_BATCH=1000
# Names listed in one message at most.
readonly MAX_NAMES_SHOWN=20
NOT_FOUND_HINT='It is created by the deployment before this check runs: check GOLDEN_SCALE_SET_NAME and GOLDEN_SCALE_SET_RESOURCE_GROUP (they come from the ImageScaleSet construct), then run the deployment again.'
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The check reads only: an interruption leaves nothing behind but what cleanup (common.sh, on EXIT) removes.
on_verify_signal() {
  local signal=$1 code=$2
  trap - TERM INT HUP
  if [ -n "$CHILD_PID" ]; then
    kill "$CHILD_PID" 2>/dev/null || true
    CHILD_PID=''
  fi
  printf '[%s +%ss] ERROR: interrupted by SIG%s during step %s%s. The check changes nothing in Azure; Terraform taints a resource whose provisioner failed, so the next deployment runs it again.\n' \
    "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$signal" "$CURRENT_STEP" "$(signal_note "$signal")" >&2
  exit "$code"
}

trap 'on_verify_signal TERM 143' TERM
trap 'on_verify_signal INT 130' INT
trap 'on_verify_signal HUP 129' HUP

warn() {
  printf '[%s +%ss] WARNING: %s\n' "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$*" >&2
}

# --- inputs -----------------------------------------------------------------------------------------------------
validate_inputs() {
  CURRENT_STEP='validate'
  SUBSCRIPTION_ID=${GOLDEN_SUBSCRIPTION_ID:-${ARM_SUBSCRIPTION_ID:-}}
  RESOURCE_GROUP=${GOLDEN_SCALE_SET_RESOURCE_GROUP:-}
  SCALE_SET=${GOLDEN_SCALE_SET_NAME:-}
  URL=${GOLDEN_SCALE_SET_URL:-}
  EXPECTED_COUNT=${GOLDEN_SCALE_SET_INSTANCES:-}
  TIMEOUT_SECONDS=${VERIFY_TIMEOUT_SECONDS:-1800}
  INTERVAL_SECONDS=${VERIFY_INTERVAL_SECONDS:-10}
  REQUEST_SECONDS=${VERIFY_REQUEST_SECONDS:-10}
  validate_tuning_inputs
  require_subscription
  require_resource_group GOLDEN_SCALE_SET_RESOURCE_GROUP "$RESOURCE_GROUP"
  require_pattern GOLDEN_SCALE_SET_NAME "$SCALE_SET" '^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$' \
    'a scale set name (1-64 letters, digits, hyphens, underscores and periods, starting with a letter or digit)'
  if [ "${#URL}" -gt 2048 ]; then
    fail 2 "GOLDEN_SCALE_SET_URL must be at most 2048 characters; got ${#URL}."
  fi
  # The URL goes into curl's config file between double quotes: no quote, backslash or space gets through.
  require_pattern GOLDEN_SCALE_SET_URL "$URL" "$URL_PATTERN" \
    'an http(s) URL with a host name or IPv4 address, without spaces, quotes, brackets or braces, such as http://203.0.113.10/'
  if [[ $URL =~ ^https?://[^/:]+:([0-9]+) ]] && { [ "${BASH_REMATCH[1]}" -lt 1 ] || [ "${BASH_REMATCH[1]}" -gt 65535 ]; }; then
    fail 2 "GOLDEN_SCALE_SET_URL must have a port between 1 and 65535; got $(shown "$URL"). It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
  fi
  require_number GOLDEN_SCALE_SET_INSTANCES "$EXPECTED_COUNT" 1 1000
  require_number VERIFY_TIMEOUT_SECONDS "$TIMEOUT_SECONDS" 1 86400
  require_number VERIFY_INTERVAL_SECONDS "$INTERVAL_SECONDS" 1 3600
  require_number VERIFY_REQUEST_SECONDS "$REQUEST_SECONDS" 1 600

  SCALE_SET_ARGS=()
  if [ -n "$SUBSCRIPTION_ID" ]; then
    SCALE_SET_ARGS+=("--subscription=$SUBSCRIPTION_ID")
  fi
  # The --option=value form: a resource group name may start with a hyphen.
  SCALE_SET_ARGS+=("--resource-group=$RESOURCE_GROUP" "--name=$SCALE_SET")
  NOT_FOUND_SUBJECT="scale set $SCALE_SET in resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='the scale set or its resource group'
  DEADLINE=$((START_SECONDS + TIMEOUT_SECONDS))
}

require_curl() {
  command -v curl >/dev/null 2>&1 ||
    fail 5 'curl is not installed on the machine that runs Terraform: install curl 7.68 or later (the check fetches the app through the load balancer).'
  # --version last: curl refuses an option it does not know before it gets there.
  if ! curl --disable --parallel --parallel-immediate --parallel-max 2 --version >/dev/null 2>&1; then
    fail 5 "curl $(curl --disable --version 2>/dev/null | head -n 1 | cut -d ' ' -f 2) is too old: the check needs curl 7.68 or later (--parallel, --parallel-immediate). Install a newer curl on the machine that runs Terraform."
  fi
}

# --- helpers ------------------------------------------------------------------------------------------------------
# The limit of the next az call or batch: what is left until the deadline, at least MIN seconds.
limit_from_deadline() {
  local min=$1 remaining=$((DEADLINE - SECONDS))
  [ "$remaining" -ge "$min" ] || remaining=$min
  printf '%s' "$remaining"
}

# The lines of FILE as `a, b, c`, the first MAX_NAMES_SHOWN of them and how many more.
name_list() {
  local file=$1 count
  count=$(sed '/^$/d' "$file" | wc -l | tr -d ' ')
  sed '/^$/d' "$file" | head -n "$MAX_NAMES_SHOWN" | paste -s -d ',' - | sed 's/,/, /g' | tr -d '\n'
  if [ "$count" -gt "$MAX_NAMES_SHOWN" ]; then
    printf ' and %s more' "$((count - MAX_NAMES_SHOWN))"
  fi
}

# A count from az's tsv: None (not reported yet) is 0.
count_of() {
  case "$1" in
    '' | None) printf '0' ;;
    *) printf '%s' "$1" ;;
  esac
}

# next_look STEP MESSAGE: fails with exit 4 and MESSAGE once the deadline has passed; else waits for the next look.
next_look() {
  local step=$1 message=$2 remaining=$((DEADLINE - SECONDS))
  if [ "$remaining" -le 0 ]; then
    fail 4 "$step: after $((SECONDS - START_SECONDS))s (VERIFY_TIMEOUT_SECONDS=$TIMEOUT_SECONDS), $message."
  fi
  [ "$remaining" -le "$INTERVAL_SECONDS" ] || remaining=$INTERVAL_SECONDS
  pause "$step" "$remaining" 'waiting for the next look'
}

# --- 1. the rolling upgrade ---------------------------------------------------------------------------------------
# Sets UPGRADE_CODE (none, or Azure's runningStatus.code), UPGRADE_PROGRESS (the counts, for messages) and UPGRADE_ERROR.
read_rolling_upgrade() {
  local rc=0 row='' succeeded failed in_progress pending error_code error_message rest
  az_call "$CURRENT_STEP" "$(limit_from_deadline "$AZ_MIN_LIMIT")" no vmss rolling-upgrade get-latest "${SCALE_SET_ARGS[@]}" \
    --query "$UPGRADE_QUERY" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: az vmss rolling-upgrade get-latest did not answer in time (VERIFY_TIMEOUT_SECONDS=$TIMEOUT_SECONDS). Run the deployment again."
  fi
  if [ "$rc" -ne 0 ] && grep -Eq "$NO_UPGRADE_PATTERN" "$AZ_ERR" && ! grep -Eq 'ResourceNotFound|ResourceGroupNotFound' "$AZ_ERR"; then
    UPGRADE_CODE=none
    UPGRADE_PROGRESS=''
    UPGRADE_ERROR=''
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$CURRENT_STEP: az vmss rolling-upgrade get-latest" 'Check that the identity may read the scale set, then run the deployment again.'
  row=$(tr -d '\r' <"$AZ_OUT")
  IFS=$'\t' read -r UPGRADE_CODE succeeded failed in_progress pending error_code error_message <<<"$row" || true
  # A message over several lines: az's tsv writes it as it is.
  rest=$(printf '%s\n' "$row" | sed '1d' | tr '\n' ' ')
  UPGRADE_PROGRESS="$(count_of "$succeeded") succeeded, $(count_of "$failed") failed, $(count_of "$in_progress") in progress, $(count_of "$pending") pending"
  UPGRADE_ERROR=''
  if [ -n "${error_code:-}" ] && [ "$error_code" != None ]; then
    UPGRADE_ERROR="$error_code: "
  fi
  if [ -n "${error_message:-}" ] && [ "$error_message" != None ]; then
    UPGRADE_ERROR="$UPGRADE_ERROR$error_message${rest:+ $rest}"
  fi
  UPGRADE_ERROR=${UPGRADE_ERROR%: }
}

fail_upgrade() {
  local what
  if [ "$UPGRADE_CODE" = Faulted ]; then
    what="Faulted: Azure stopped it because the load balancer's health probe on the app's page found upgraded instances unhealthy"
  else
    what='Cancelled (az vmss rolling-upgrade cancel, or the portal) before every instance was upgraded'
  fi
  fail 10 "rolling upgrade: the latest rolling upgrade of scale set $SCALE_SET is $what (progress: $UPGRADE_PROGRESS)${UPGRADE_ERROR:+. Azure says: $UPGRADE_ERROR}. The instances not yet upgraded keep the previous image. Look at \`az vmss rolling-upgrade get-latest --resource-group $RESOURCE_GROUP --name $SCALE_SET\` and at the upgraded instances, then fix the image and deploy again, or roll back: deploy again with the previous source image id."
}

# --- 2. the instances ---------------------------------------------------------------------------------------------
# Reads the instances into NAMES_FILE (their computer names) and sets INSTANCES_PROBLEM (empty when they are as
# expected).
read_instances() {
  local rc=0 count=0 id computer state latest
  az_call "$CURRENT_STEP" "$(limit_from_deadline "$AZ_MIN_LIMIT")" no vmss list-instances "${SCALE_SET_ARGS[@]}" \
    --query "$INSTANCES_QUERY" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: az vmss list-instances did not answer in time (VERIFY_TIMEOUT_SECONDS=$TIMEOUT_SECONDS). Run the deployment again."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$CURRENT_STEP: az vmss list-instances" 'Check that the identity may read the scale set, then run the deployment again.'
  : >"$NAMES_FILE"
  : >"$WORK_DIR/unprovisioned"
  : >"$WORK_DIR/outdated"
  while IFS=$'\t' read -r id computer state latest; do
    [ -n "$id" ] || continue
    count=$((count + 1))
    if [ "$state" != Succeeded ]; then
      printf '%s (%s)\n' "$computer" "$state" >>"$WORK_DIR/unprovisioned"
    elif [ "$latest" != True ]; then
      printf '%s\n' "$computer" >>"$WORK_DIR/outdated"
    fi
    printf '%s\t%s\n' "$id" "$computer" >>"$NAMES_FILE"
  done < <(tr -d '\r' <"$AZ_OUT")
  INSTANCES_PROBLEM=''
  if [ "$count" -ne "$EXPECTED_COUNT" ]; then
    INSTANCES_PROBLEM="$count instance(s), not $EXPECTED_COUNT (GOLDEN_SCALE_SET_INSTANCES); "
  fi
  if [ -s "$WORK_DIR/unprovisioned" ]; then
    INSTANCES_PROBLEM="$INSTANCES_PROBLEM$(wc -l <"$WORK_DIR/unprovisioned" | tr -d ' ') not provisioned (Succeeded): $(name_list "$WORK_DIR/unprovisioned"); "
  fi
  if [ -s "$WORK_DIR/outdated" ]; then
    INSTANCES_PROBLEM="$INSTANCES_PROBLEM$(wc -l <"$WORK_DIR/outdated" | tr -d ' ') not on the latest model: $(name_list "$WORK_DIR/outdated"); "
  fi
  INSTANCES_PROBLEM=${INSTANCES_PROBLEM%; }
  INSTANCE_COUNT=$count
}

# Steps 1 and 2 together: the rolling upgrade is looked at again while the instances are waited for, since Azure may
# register the upgrade of this deployment's model only after the first look.
wait_for_scale_set() {
  local last_upgrade='' upgrade_line id computer
  while :; do
    CURRENT_STEP='rolling upgrade'
    read_rolling_upgrade
    case "$UPGRADE_CODE" in
      none) upgrade_line='no rolling upgrade has run on this scale set (a first deployment): nothing to wait for' ;;
      Completed) upgrade_line="the latest rolling upgrade Completed ($UPGRADE_PROGRESS)" ;;
      Faulted | Cancelled) fail_upgrade ;;
      RollingForward)
        log "rolling upgrade: RollingForward: $UPGRADE_PROGRESS; waiting, $((SECONDS - START_SECONDS))s of ${TIMEOUT_SECONDS}s"
        next_look "$CURRENT_STEP" "the latest rolling upgrade is still RollingForward ($UPGRADE_PROGRESS). Azure goes on with it: look at \`az vmss rolling-upgrade get-latest --resource-group $RESOURCE_GROUP --name $SCALE_SET\`, then run the deployment again to check again, or give the check more time (VERIFY_TIMEOUT_SECONDS comes from the $SOURCE_CONSTRUCT construct's props)"
        continue
        ;;
      *)
        fail 6 "rolling upgrade: az vmss rolling-upgrade get-latest reports the state $(shown "$UPGRADE_CODE"), which this script does not know (RollingForward, Completed, Faulted, Cancelled). Look at the scale set in the portal, then run the deployment again."
        ;;
    esac
    if [ "$upgrade_line" != "$last_upgrade" ]; then
      log "rolling upgrade: $upgrade_line"
      last_upgrade=$upgrade_line
    fi
    CURRENT_STEP='instances'
    read_instances
    if [ -z "$INSTANCES_PROBLEM" ]; then
      break
    fi
    log "instances: $INSTANCES_PROBLEM; waiting, $((SECONDS - START_SECONDS))s of ${TIMEOUT_SECONDS}s"
    next_look "$CURRENT_STEP" "the scale set is still not as expected: $INSTANCES_PROBLEM. Azure may still be creating, deleting or upgrading instances: look at \`az vmss list-instances --resource-group $RESOURCE_GROUP --name $SCALE_SET\` (a Failed instance needs a repair or a reimage), check that nothing else (autoscale, a manual change) sets the capacity, then run the deployment again"
  done
  # The names go into grep's pattern file: an empty or odd one would match pages it must not.
  while IFS=$'\t' read -r id computer; do
    if ! [[ $computer =~ $COMPUTER_NAME_PATTERN ]] || [ "$computer" = None ]; then
      fail 6 "instances: instance $(shown "$id") has no Windows computer name in az vmss list-instances (osProfile.computerName is $(shown "$computer")). Look at the scale set's OS profile, then run the deployment again."
    fi
  done <"$NAMES_FILE"
  cut -f 2 "$NAMES_FILE" >"$EXPECTED_FILE"
  log "instances: all $INSTANCE_COUNT provisioned and on the latest model: $(name_list "$EXPECTED_FILE")"
}

# --- 3. through the load balancer ---------------------------------------------------------------------------------
# One batch: BATCH_SIZE requests of URL by one curl, in BATCH_DIR, stopped after LIMIT_SECONDS.
run_batch() {
  local limit=$1 started=$SECONDS rc=0
  rm -rf "$BATCH_DIR"
  mkdir "$BATCH_DIR"
  # --disable: no ~/.curlrc. HTTP/1.1 and `Connection: close`: a new TCP connection per request (no reuse, no HTTP/2
  # multiplexing), so that the load balancer hashes each one anew; --parallel-immediate opens them at once instead of
  # waiting to see whether one could carry several. Output names in the config are relative to BATCH_DIR.
  (cd "$BATCH_DIR" && exec curl --disable --parallel --parallel-immediate --parallel-max "$PARALLEL" --silent --show-error \
    --fail --globoff --http1.1 --max-time "$REQUEST_SECONDS" --header 'Connection: close' --config "$CURL_CONFIG") \
    >/dev/null 2>"$CURL_ERR" </dev/null &
  CHILD_PID=$!
  # The requests that answered by then count; curl's own failures are in CURL_ERR.
  wait_for_child "$CURRENT_STEP: waiting for the batch of $BATCH_SIZE request(s)" "$limit" || rc=$?
  if [ "$rc" -eq 124 ]; then
    log "$CURRENT_STEP: batch stopped at the deadline, after $((SECONDS - started))s"
  fi
}

# A page's text, short and printable: tags and control characters out.
page_excerpt() {
  head -c 4000 "$1" | tr '\r\n\t' '   ' | sed -e 's/<[^>]*>/ /g' | tr -c '[:print:]' ' ' | tr -s ' ' | sed 's/^ //' | cut -c 1-120
}

check_load_balancer() {
  CURRENT_STEP='load balancer'
  local total batch=0 requests=0 pages=0 strangers=0 failures=0 first_stranger='' first_error=''
  local batch_pages batch_strangers batch_failures seen_before seen=0 file
  total=$(wc -l <"$EXPECTED_FILE" | tr -d ' ')
  BATCH_SIZE=$((2 * total))
  [ "$BATCH_SIZE" -ge "$MIN_BATCH" ] || BATCH_SIZE=$MIN_BATCH
  [ "$BATCH_SIZE" -le "$MAX_BATCH" ] || BATCH_SIZE=$MAX_BATCH
  PARALLEL=$MAX_PARALLEL
  [ "$PARALLEL" -le "$BATCH_SIZE" ] || PARALLEL=$BATCH_SIZE
  BATCH_DIR="$WORK_DIR/batch"
  CURL_CONFIG="$WORK_DIR/curl.config"
  CURL_ERR="$WORK_DIR/curl.err"
  local seen_file="$WORK_DIR/seen" found_file="$WORK_DIR/found" strangers_file="$WORK_DIR/strangers" missing_file="$WORK_DIR/missing"
  : >"$seen_file"
  : >"$CURL_CONFIG"
  local i=1
  while [ "$i" -le "$BATCH_SIZE" ]; do
    printf 'url = "%s"\noutput = "page-%s"\n' "$URL" "$i" >>"$CURL_CONFIG"
    i=$((i + 1))
  done
  log "$CURRENT_STEP: fetching $URL until each of the $total instance(s) has answered with its computer name: batches of $BATCH_SIZE request(s), $PARALLEL at a time, each on a new connection"
  while :; do
    batch=$((batch + 1))
    run_batch "$(limit_from_deadline "$REQUEST_SECONDS")"
    # Pages that hold one of the names, and which names; pages that hold none; failed requests.
    find "$BATCH_DIR" -type f -name 'page-*' -size +0 -exec grep -o -i -h -F -f "$EXPECTED_FILE" {} + 2>/dev/null |
      tr '[:upper:]' '[:lower:]' | sort -u >"$found_file" || true
    find "$BATCH_DIR" -type f -name 'page-*' -size +0 -exec grep -L -i -F -f "$EXPECTED_FILE" {} + 2>/dev/null >"$strangers_file" || true
    batch_pages=$(find "$BATCH_DIR" -type f -name 'page-*' -size +0 | wc -l | tr -d ' ')
    batch_strangers=$(sed '/^$/d' "$strangers_file" | wc -l | tr -d ' ')
    batch_failures=$(grep -c '^curl: (' "$CURL_ERR" || true)
    requests=$((requests + BATCH_SIZE))
    pages=$((pages + batch_pages))
    strangers=$((strangers + batch_strangers))
    failures=$((failures + batch_failures))
    if [ "$batch_strangers" -gt 0 ] && [ -z "$first_stranger" ]; then
      file=$(head -n 1 "$strangers_file")
      first_stranger=$(page_excerpt "$file")
    fi
    if [ "$batch_failures" -gt 0 ] && [ -z "$first_error" ]; then
      first_error=$(grep -m 1 '^curl: (' "$CURL_ERR" | cut -c 1-200)
    fi
    seen_before=$seen
    sort -u "$seen_file" "$found_file" >"$seen_file.new"
    mv "$seen_file.new" "$seen_file"
    seen=$(sed '/^$/d' "$seen_file" | wc -l | tr -d ' ')
    log "$CURRENT_STEP: batch $batch: $batch_pages page(s), $batch_failures failed request(s), $batch_strangers page(s) naming none of the instances; $seen of $total instance(s) seen"
    if [ "$batch_failures" -gt 0 ]; then
      log "$CURRENT_STEP: first failure of batch $batch: $(grep -m 1 '^curl: (' "$CURL_ERR" | cut -c 1-200)"
    fi
    if [ "$batch_strangers" -gt 0 ]; then
      log "$CURRENT_STEP: a page naming none of the instances (an error page, or a machine outside the scale set in the backend pool?): '$(page_excerpt "$(head -n 1 "$strangers_file")")'"
    fi
    if [ "$seen" -ge "$total" ]; then
      break
    fi
    grep -v -i -x -F -f "$seen_file" "$EXPECTED_FILE" >"$missing_file" || true
    if [ "$SECONDS" -ge "$DEADLINE" ]; then
      local stranger_note='' error_note=''
      [ -z "$first_stranger" ] || stranger_note=" (the first: '$first_stranger')"
      [ -z "$first_error" ] || error_note=" (the first: $first_error)"
      fail 11 "$CURRENT_STEP: after $((SECONDS - START_SECONDS))s (VERIFY_TIMEOUT_SECONDS=$TIMEOUT_SECONDS), $((total - seen)) of $total instance(s) never answered through the load balancer at $URL: $(name_list "$missing_file"). Of $requests request(s), $pages gave a page, $strangers of them naming none of the instances$stranger_note, and $failures failed$error_note. Check the NSG rule that lets the app port in, the load balancer rule, the health probe's path (an instance the probe finds down gets no connections), and that the app's page shows the computer name."
    fi
    if [ "$seen" -eq "$seen_before" ]; then
      log "$CURRENT_STEP: no new instance in batch $batch; not yet seen: $(name_list "$missing_file")"
      local remaining=$((DEADLINE - SECONDS))
      [ "$remaining" -le "$INTERVAL_SECONDS" ] || remaining=$INTERVAL_SECONDS
      pause "$CURRENT_STEP" "$remaining" 'waiting before the next batch'
    fi
  done
  log "$CURRENT_STEP: all $total instance(s) answered through the load balancer with their computer name ($requests request(s) in $batch batch(es))"
  if [ "$strangers" -gt 0 ]; then
    warn "$CURRENT_STEP: $strangers of $pages page(s) named none of the scale set's instances (the first: '$first_stranger'). The load balancer may also send connections to a machine outside the scale set (look at its backend pool), or an instance served another page."
  fi
}

main() {
  validate_inputs
  require_curl
  start_work
  NAMES_FILE="$WORK_DIR/instances"
  EXPECTED_FILE="$WORK_DIR/expected"
  log "scale set $SCALE_SET in resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+, subscription $SUBSCRIPTION_ID}: $EXPECTED_COUNT instance(s) expected behind $URL; deadline ${TIMEOUT_SECONDS}s"
  ensure_az_session
  wait_for_scale_set
  check_load_balancer
  CURRENT_STEP='done'
  log "verified in $((SECONDS - START_SECONDS))s: $EXPECTED_COUNT instance(s) on the latest model, each answering through the load balancer"
}

main "$@"
