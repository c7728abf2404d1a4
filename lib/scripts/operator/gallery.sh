#!/usr/bin/env bash
# The Azure Compute Gallery versions of one image definition, kept outside Terraform's lifecycle so that a rebuild adds
# a version beside the earlier ones instead of replacing the one version Terraform knows (which would leave no version
# to roll back to):
#
#   gallery.sh publish     publishes build <revision> as version X.Y.Z from the generalized build VM, replicated to
#                          the target regions, and excluded from `latest` (promotion is a separate step)
#   gallery.sh replicate   brings the version's replicas in line with the target regions when they changed after it
#                          was published (more VMs use it, a region added or removed)
#   gallery.sh canary      boots one throwaway VM from the version in each canary region, checks in the guest that
#                          Windows took its new name and that the app's page answers with it, and deletes the VM
#   gallery.sh promote     lets `latest` resolve to the version (unless told not to), then deletes the line's versions
#                          beyond the newest GOLDEN_RETAIN_VERSIONS
#   gallery.sh delete-all  deletes every version of the line (the stack is being destroyed: Azure refuses to delete an
#                          image definition that still has versions)
#
# The line is every version of the definition tagged `golden-image-name=<definition>`; each also carries
# `golden-image-revision=<revision>` (YYYYMMDDhhmmss, so the newest sorts last). Versions made otherwise are never
# touched. Run by Terraform from the stack directory (GalleryImageVersion writes terraform_data resources whose
# local-exec provisioners run `bash "./assets/.../operator/gallery.sh" <subcommand>`). Every value comes from the
# environment and is checked before use:
#   GOLDEN_SUBSCRIPTION_ID          subscription (optional: else ARM_SUBSCRIPTION_ID, else az's default)
#   GOLDEN_GALLERY_RESOURCE_GROUP   resource group of the gallery (required)
#   GOLDEN_GALLERY_NAME             the gallery (required)
#   GOLDEN_GALLERY_IMAGE            the image definition: the line (required)
# publish, replicate, canary and promote:
#   GOLDEN_GALLERY_VERSION          the version, X.Y.Z (whole numbers 0-2147483647 without leading zeros) (required)
#   GOLDEN_BUILD_REVISION           the build's revision, 14 digits (required)
# publish and replicate:
#   GOLDEN_GALLERY_LOCATION         region of the version: the gallery's, e.g. westeurope (required)
#   GOLDEN_TARGET_REGIONS           one `region=replicaCount=storageType` per line (replicas 1-100; Standard_LRS,
#                                   Standard_ZRS or Premium_LRS); GOLDEN_GALLERY_LOCATION must be one of them (required)
#   GOLDEN_PUBLISH_TIMEOUT_MINUTES  how long the publication or replication may take, 30-720 (default 180)
# publish only:
#   GOLDEN_SOURCE_ID                resource id of the generalized build VM (required)
#   GOLDEN_END_OF_LIFE_DATE         YYYY-MM-DD (default none)
#   GOLDEN_IMAGE_TAGS               more tags, one `key=value` per line (default none)
# canary only:
#   GOLDEN_CANARY_REGIONS           one region per line, 1-20 of them, each a target region of the version (required)
#   GOLDEN_CANARY_SECURITY_TYPE     Standard or TrustedLaunch: the canary VMs' security type (required)
#   GOLDEN_CANARY_VM_SIZE           size of the canary VMs, e.g. Standard_D2s_v5 (required)
#   GOLDEN_CANARY_RESOURCE_GROUP    existing resource group the canary VMs are made in (required)
#   GOLDEN_CANARY_TIMEOUT_MINUTES   limit of each canary's creation and, separately, of its check in the guest (at
#                                   most 80 minutes there: Run Command stops a script after 90), 5-120 (default 30)
#   GOLDEN_CANARY_URL               http(s) URL the guest fetches, without spaces, quotes or query (default
#                                   http://localhost/)
#   GOLDEN_GUEST_DIRECTORY          directory of guest/canary-check.ps1, relative to the working directory (required)
#   GOLDEN_CANARY_PLAN_NAME         the purchase plan of a third-party image, which Azure needs to create the canary:
#   GOLDEN_CANARY_PLAN_PRODUCT      its name, product and publisher, all three or none, each 1-128 letters, digits,
#   GOLDEN_CANARY_PLAN_PUBLISHER    hyphens, underscores and periods (default none)
# promote only:
#   GOLDEN_EXCLUDE_FROM_LATEST      true: leave the version excluded from `latest` (default false: promote it)
#   GOLDEN_RETAIN_VERSIONS          how many of the line's versions to keep, this one included (1-50, default 3)
# Tuning variables for tests: see common.sh.
# Login: as generalize-vm.sh (an az session, or the azurerm provider's ARM_* variables).
#
# The canaries, one region after the other: VM `canary-<revision>-<line>-<NN>` and Windows computer name
# `c<YYMMDDhhmmss><NN>` (15 characters: the revision without its century, then NN, the region's index from 01 in
# GOLDEN_CANARY_REGIONS), where <line> is 8 hex digits of the CRC (cksum) of `<gallery resource group>/<gallery>/
# <definition>` in lower case, so that two lines with builds of the same revision never share a VM name. Each has its
# own VNet `<VM>-vnet` (subnet `canary`), no public IP and no NSG, a NIC and an OS disk deleted with it, the tags
# `golden-canary=<version>` and `golden-canary-image=<gallery>/<definition>`, and the administrator `canaryadmin`
# with a random password made here, written to a file readable by this user only and given to az as `@file`, so that
# it appears in no command line and no log. The canary and its VNet are deleted after the check, also when it fails;
# on SIGTERM/SIGINT/SIGHUP the VM's deletion is started without waiting; canaries left by an interrupted run (both tags)
# are deleted before the first new one is made.
#
# Replicate changes the replica counts and regions of a version that exists (Azure replicates in place) and never its
# storage types: a region that is kept keeps its storage type (the next build's version gets the new one), and a
# region that is no longer a target region loses its replicas (--allow-replicated-location-deletion).
#
# Idempotent: a version that exists already is not published again (one still being created is waited for, a failed
# one is deleted and published again); a promoted version is not updated again; deleting what is gone succeeds.
# Exit codes: 0 done; 2 invalid input; 3 az cannot be used (missing, crashing, lacking a module, cannot log in, or its
# session expired during the run); 4 timeout (the VM agent of a canary never ready included); 6 az failed; 8 the source
# VM, the gallery, the definition, the version or the canary resource group does not exist; 9 a canary failed (the
# version stays excluded from `latest`); 12 no temporary directory (TMPDIR); 129/130/143 interrupted
# (SIGHUP/SIGINT/SIGTERM).
# Written for bash 3.2 (macOS) and later.

set -euo pipefail
umask 077
export LC_ALL=C

readonly SCRIPT_NAME='gallery'
readonly SOURCE_CONSTRUCT='GalleryImageVersion'
readonly NAME_TAG='golden-image-name'
readonly REVISION_TAG='golden-image-revision'
readonly CANARY_TAG='golden-canary'
readonly CANARY_IMAGE_TAG='golden-canary-image'
readonly CANARY_MARKER='GOLDEN-IMAGE-CANARY-RESULT:'
readonly CANARY_ADMIN='canaryadmin'
readonly CANARY_NAME_PATTERN='^canary-[0-9]{14}-[0-9a-f]{8}-[0-9]{2}$'
readonly MAX_CANARY_REGIONS=20
readonly REGION_PATTERN='^[a-z][a-z0-9]{2,40}$'
readonly VERSION_QUERY='[[provisioningState, publishingProfile.excludeFromLatest, tags."golden-image-revision"]]'
# Run Command needs time beyond the check itself: waiting for the agent, uploading the script, returning the output.
readonly RUN_COMMAND_EXTRA_MINUTES=10
# The longest wait of the check in the guest: Run Command stops every script after 90 minutes.
readonly MAX_CHECK_MINUTES=80
# Deleting a VM, a NIC, a VNet or a replicated version.
readonly DELETE_MINUTES=30
# Set per subcommand: see fail_az in common.sh.
NOT_FOUND_HINT=''
# What an interruption leaves, per subcommand.
INTERRUPT_NOTE='Run the deployment again to resume.'
# The canary VM that may exist now: deleted on every way out.
CANARY_VM=''
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# --- the canary on every way out --------------------------------------------------------------------------------
on_gallery_exit() {
  local rc=$?
  if [ -n "$CANARY_VM" ]; then
    local vm=$CANARY_VM
    CANARY_VM=''
    log "$CURRENT_STEP: the run is ending (exit $rc): deleting canary $vm"
    if ! delete_canary "$vm"; then
      if [ -s "$AZ_ERR" ]; then
        sed 's/^/  az| /' "$AZ_ERR" >&2
      fi
      printf '[%s +%ss] ERROR: %s\n' "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$(canary_left_message "$vm")" >&2
    fi
  fi
  cleanup
  exit "$rc"
}

on_gallery_signal() {
  local signal=$1 code=$2
  trap - TERM INT HUP
  if [ -n "$CHILD_PID" ]; then
    kill "$CHILD_PID" 2>/dev/null || true
    CHILD_PID=''
  fi
  printf '[%s +%ss] ERROR: interrupted by SIG%s during step %s%s. %s\n' \
    "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$signal" "$CURRENT_STEP" "$(signal_note "$signal")" "$INTERRUPT_NOTE" >&2
  if [ -n "$CANARY_VM" ]; then
    local vm=$CANARY_VM rc=0
    CANARY_VM=''
    # Quickly, since the supervisor is waiting: the deletion goes on in Azure; its VNet is left for the next run.
    log "$CURRENT_STEP: starting the deletion of canary $vm (not waiting for it)"
    run_az_once "$CURRENT_STEP" 60 no vm delete "${CANARY_GROUP_ARGS[@]}" "--name=$vm" --yes --no-wait -o none || rc=$?
    if [ "$rc" -eq 0 ] || grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
      log "$CURRENT_STEP: canary $vm is being deleted; its VNet $vm-vnet is deleted by the next run (tagged $CANARY_TAG=$VERSION)"
    else
      printf '[%s +%ss] ERROR: %s\n' "$SCRIPT_NAME" "$((SECONDS - START_SECONDS))" "$(canary_left_message "$vm")" >&2
    fi
  fi
  exit "$code"
}

trap on_gallery_exit EXIT
trap 'on_gallery_signal TERM 143' TERM
trap 'on_gallery_signal INT 130' INT
trap 'on_gallery_signal HUP 129' HUP

canary_left_message() {
  printf 'canary %s (VM, NIC, VNet %s-vnet) may be left in resource group %s: delete it by hand, or run the deployment again (canaries tagged %s=%s are deleted first).' \
    "$1" "$1" "$CANARY_RESOURCE_GROUP" "$CANARY_TAG" "$VERSION"
}

# --- inputs -----------------------------------------------------------------------------------------------------
validate_line_inputs() {
  CURRENT_STEP='validate'
  SUBSCRIPTION_ID=${GOLDEN_SUBSCRIPTION_ID:-${ARM_SUBSCRIPTION_ID:-}}
  RESOURCE_GROUP=${GOLDEN_GALLERY_RESOURCE_GROUP:-}
  GALLERY=${GOLDEN_GALLERY_NAME:-}
  DEFINITION=${GOLDEN_GALLERY_IMAGE:-}
  validate_tuning_inputs
  require_subscription
  require_resource_group GOLDEN_GALLERY_RESOURCE_GROUP "$RESOURCE_GROUP"
  require_pattern GOLDEN_GALLERY_NAME "$GALLERY" '^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$' \
    'a gallery name (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit)'
  # No quote gets through: the name goes into JMESPath queries.
  require_pattern GOLDEN_GALLERY_IMAGE "$DEFINITION" '^[A-Za-z0-9]([-A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$' \
    'an image definition name (1-80 letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit)'
  SUBSCRIPTION_ARGS=()
  if [ -n "$SUBSCRIPTION_ID" ]; then
    SUBSCRIPTION_ARGS+=("--subscription=$SUBSCRIPTION_ID")
  fi
  # The --option=value form: a resource group name may start with a hyphen.
  GALLERY_ARGS=(${SUBSCRIPTION_ARGS[@]+"${SUBSCRIPTION_ARGS[@]}"} "--resource-group=$RESOURCE_GROUP" "--gallery-name=$GALLERY"
    "--gallery-image-definition=$DEFINITION")
  LINE="$GALLERY/$DEFINITION"
}

validate_version_inputs() {
  VERSION=${GOLDEN_GALLERY_VERSION:-}
  REVISION=${GOLDEN_BUILD_REVISION:-}
  require_pattern GOLDEN_GALLERY_VERSION "$VERSION" '^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$' \
    'a gallery image version X.Y.Z (whole numbers without leading zeros)'
  local major minor patch part
  IFS=. read -r major minor patch <<<"$VERSION"
  for part in "$major" "$minor" "$patch"; do
    if [ "$part" -gt 2147483647 ]; then
      fail 2 "GOLDEN_GALLERY_VERSION must be X.Y.Z with each part at most 2147483647; got $VERSION."
    fi
  done
  require_pattern GOLDEN_BUILD_REVISION "$REVISION" '^[0-9]{14}$' 'a build revision (14 digits, YYYYMMDDhhmmss)'
  VERSION_ARGS=("${GALLERY_ARGS[@]}" "--gallery-image-version=$VERSION")
}

validate_publish_inputs() {
  validate_version_inputs
  SOURCE_ID=${GOLDEN_SOURCE_ID:-}
  END_OF_LIFE=${GOLDEN_END_OF_LIFE_DATE:-}
  require_pattern GOLDEN_SOURCE_ID "$SOURCE_ID" \
    '^/subscriptions/[0-9A-Fa-f-]{36}/resourceGroups/[-A-Za-z0-9_.()]{1,90}/providers/Microsoft\.Compute/virtualMachines/[-A-Za-z0-9_.]{1,80}$' \
    'the resource id of the generalized build VM'
  if [ -n "$END_OF_LIFE" ]; then
    require_pattern GOLDEN_END_OF_LIFE_DATE "$END_OF_LIFE" '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' 'a date YYYY-MM-DD'
  fi
  validate_target_regions

  read_extra_tags
  NOT_FOUND_SUBJECT="the source VM $SOURCE_ID, or image definition $LINE in resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='one of them'
  NOT_FOUND_HINT='A build VM that is gone is built anew by the next deployment; a gallery or definition that is gone is created again by Terraform. Run the deployment again.'
}

# The version's region, its target regions (TARGET_REGIONS as given, TARGET_ARGS as az takes them) and the limit of a
# publication or replication (PUBLISH_MINUTES, PUBLISH_LIMIT).
validate_target_regions() {
  LOCATION=${GOLDEN_GALLERY_LOCATION:-}
  PUBLISH_MINUTES=${GOLDEN_PUBLISH_TIMEOUT_MINUTES:-180}
  require_pattern GOLDEN_GALLERY_LOCATION "$LOCATION" "$REGION_PATTERN" 'an Azure region name such as westeurope'
  require_number GOLDEN_PUBLISH_TIMEOUT_MINUTES "$PUBLISH_MINUTES" 30 720
  PUBLISH_LIMIT=$((PUBLISH_MINUTES * SECONDS_PER_MINUTE))

  TARGET_REGIONS=()
  TARGET_ARGS=()
  local line region seen=' ' has_location=no
  while IFS= read -r line; do
    line=${line%$'\r'}
    [ -n "$line" ] || continue
    require_pattern 'a line of GOLDEN_TARGET_REGIONS' "$line" \
      '^[a-z][a-z0-9]{2,40}=([1-9][0-9]?|100)=(Standard_LRS|Standard_ZRS|Premium_LRS)$' \
      'region=replicaCount=storageType (e.g. westeurope=2=Standard_ZRS; 1-100 replicas; Standard_LRS, Standard_ZRS or Premium_LRS)'
    region=${line%%=*}
    case "$seen" in
      *" $region "*) fail 2 "GOLDEN_TARGET_REGIONS names $region twice. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)." ;;
    esac
    seen="$seen$region "
    [ "$region" != "$LOCATION" ] || has_location=yes
    TARGET_REGIONS+=("$line")
    # az takes the storage type of `region=count=type` in lower case only (its validator compares the third part
    # with standard_lrs, standard_zrs, premium_lrs as it is; azure-cli issue 33880); its help writes it so, too.
    TARGET_ARGS+=("${line%=*}=$(printf '%s' "${line##*=}" | tr '[:upper:]' '[:lower:]')")
  done <<<"${GOLDEN_TARGET_REGIONS:-}"
  if [ "${#TARGET_REGIONS[@]}" -eq 0 ]; then
    fail 2 "GOLDEN_TARGET_REGIONS must hold at least one region=replicaCount=storageType line. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
  fi
  if [ "$has_location" = no ]; then
    fail 2 "GOLDEN_TARGET_REGIONS must include the gallery's own region $LOCATION (GOLDEN_GALLERY_LOCATION): Azure keeps a replica where the version is made. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
  fi
}

validate_replicate_inputs() {
  validate_version_inputs
  validate_target_regions
  NOT_FOUND_SUBJECT="version $VERSION of image definition $LINE in resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='it'
  NOT_FOUND_HINT='Run the deployment again: the publish step publishes it anew before it is replicated.'
}

validate_canary_inputs() {
  validate_version_inputs
  SECURITY_TYPE=${GOLDEN_CANARY_SECURITY_TYPE:-}
  VM_SIZE=${GOLDEN_CANARY_VM_SIZE:-}
  CANARY_RESOURCE_GROUP=${GOLDEN_CANARY_RESOURCE_GROUP:-}
  CANARY_MINUTES=${GOLDEN_CANARY_TIMEOUT_MINUTES:-30}
  CANARY_URL=${GOLDEN_CANARY_URL:-http://localhost/}
  GUEST_DIRECTORY=${GOLDEN_GUEST_DIRECTORY:-}
  require_pattern GOLDEN_CANARY_SECURITY_TYPE "$SECURITY_TYPE" '^(Standard|TrustedLaunch)$' 'Standard or TrustedLaunch'
  require_pattern GOLDEN_CANARY_VM_SIZE "$VM_SIZE" '^(Standard|Basic)_[A-Za-z0-9]+([-_][A-Za-z0-9]+){0,6}$' \
    'an Azure VM size such as Standard_D2s_v5'
  PLAN_ARGS=()
  if [ -n "${GOLDEN_CANARY_PLAN_NAME:-}${GOLDEN_CANARY_PLAN_PRODUCT:-}${GOLDEN_CANARY_PLAN_PUBLISHER:-}" ]; then
    local variable
    for variable in GOLDEN_CANARY_PLAN_NAME GOLDEN_CANARY_PLAN_PRODUCT GOLDEN_CANARY_PLAN_PUBLISHER; do
      require_pattern "$variable" "${!variable:-}" '^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$' \
        'a marketplace plan id (1-128 letters, digits, - _ .), given with the two other GOLDEN_CANARY_PLAN_ variables'
    done
    PLAN_ARGS=("--plan-name=$GOLDEN_CANARY_PLAN_NAME" "--plan-product=$GOLDEN_CANARY_PLAN_PRODUCT" "--plan-publisher=$GOLDEN_CANARY_PLAN_PUBLISHER")
  fi
  require_resource_group GOLDEN_CANARY_RESOURCE_GROUP "$CANARY_RESOURCE_GROUP"
  require_number GOLDEN_CANARY_TIMEOUT_MINUTES "$CANARY_MINUTES" 5 120
  # Passed to the guest as a Run Command parameter: nothing a command line could read otherwise.
  if [ "${#CANARY_URL}" -gt 2048 ]; then
    fail 2 "GOLDEN_CANARY_URL must be at most 2048 characters; got ${#CANARY_URL}."
  fi
  require_pattern GOLDEN_CANARY_URL "$CANARY_URL" '^https?://[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(/[-A-Za-z0-9._~/%]*)?$' \
    'an http(s) URL without spaces, quotes or query, such as http://localhost/'
  require_pattern GOLDEN_GUEST_DIRECTORY "$GUEST_DIRECTORY" '^[A-Za-z0-9_.][A-Za-z0-9_./-]*$' \
    'the relative path of the guest scripts directory (letters, digits, _ . / -)'
  if [ ! -d "$GUEST_DIRECTORY" ]; then
    fail 2 "GOLDEN_GUEST_DIRECTORY: no directory at $(shown "$GUEST_DIRECTORY") from $(shown "$PWD"). Run the deployment from the stack directory (cdktf and Terraform do)."
  fi
  CHECK_SCRIPT=$(guest_script canary-check.ps1)

  CANARY_REGIONS=()
  local region seen=' '
  while IFS= read -r region; do
    region=${region%$'\r'}
    [ -n "$region" ] || continue
    require_pattern 'a line of GOLDEN_CANARY_REGIONS' "$region" "$REGION_PATTERN" 'an Azure region name such as westeurope'
    case "$seen" in
      *" $region "*) fail 2 "GOLDEN_CANARY_REGIONS names $region twice. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)." ;;
    esac
    seen="$seen$region "
    CANARY_REGIONS+=("$region")
  done <<<"${GOLDEN_CANARY_REGIONS:-}"
  if [ "${#CANARY_REGIONS[@]}" -eq 0 ] || [ "${#CANARY_REGIONS[@]}" -gt "$MAX_CANARY_REGIONS" ]; then
    fail 2 "GOLDEN_CANARY_REGIONS must hold 1-$MAX_CANARY_REGIONS regions, one per line; got ${#CANARY_REGIONS[@]}. It comes from the $SOURCE_CONSTRUCT construct's props (or a Terraform variable given to them)."
  fi

  CANARY_LIMIT=$((CANARY_MINUTES * SECONDS_PER_MINUTE))
  # Run Command stops a script after 90 minutes: the guest's own wait stays below, with room for the rest.
  local check_minutes=$CANARY_MINUTES
  [ "$check_minutes" -le "$MAX_CHECK_MINUTES" ] || check_minutes=$MAX_CHECK_MINUTES
  CHECK_LIMIT=$((check_minutes * SECONDS_PER_MINUTE))
  RUN_COMMAND_LIMIT=$(((check_minutes + RUN_COMMAND_EXTRA_MINUTES) * SECONDS_PER_MINUTE))
  CANARY_GROUP_ARGS=(${SUBSCRIPTION_ARGS[@]+"${SUBSCRIPTION_ARGS[@]}"} "--resource-group=$CANARY_RESOURCE_GROUP")
  CANARY_IMAGE="$LINE"
  local crc
  crc=$(printf '%s' "$RESOURCE_GROUP/$GALLERY/$DEFINITION" | tr '[:upper:]' '[:lower:]' | cksum)
  LINE_KEY=$(printf '%08x' "${crc%% *}")
  NOT_FOUND_SUBJECT="version $VERSION of image definition $LINE in resource group $RESOURCE_GROUP, or the canary resource group $CANARY_RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='one of them'
  NOT_FOUND_HINT='Check that the canary resource group exists and that the version was published (the publish step runs first), then run the deployment again.'
  INTERRUPT_NOTE="Version $VERSION is left as it is, excluded from latest: run the deployment again to run the canaries again."
}

validate_promote_inputs() {
  validate_version_inputs
  EXCLUDE=${GOLDEN_EXCLUDE_FROM_LATEST:-false}
  RETAIN=${GOLDEN_RETAIN_VERSIONS:-3}
  require_pattern GOLDEN_EXCLUDE_FROM_LATEST "$EXCLUDE" '^(true|false)$' 'true or false'
  require_number GOLDEN_RETAIN_VERSIONS "$RETAIN" 1 50
  NOT_FOUND_SUBJECT="version $VERSION of image definition $LINE in resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='it'
  NOT_FOUND_HINT='Run the deployment again: the publish step publishes it anew before it is promoted.'
}

# --- the version ------------------------------------------------------------------------------------------------
# read_version STEP: sets VERSION_STATE (absent, or Azure's provisioningState: Creating, Updating, Succeeded, Failed,
# Deleting, ...), VERSION_EXCLUDED (True or False) and VERSION_REVISION (the revision tag, None without one).
read_version() {
  local step=$1 rc=0
  az_call "$step" "$QUERY_LIMIT" no sig image-version show "${VERSION_ARGS[@]}" --query "$VERSION_QUERY" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$step: az sig image-version show did not answer within ${QUERY_LIMIT}s."
  fi
  if [ "$rc" -ne 0 ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    VERSION_STATE=absent
    VERSION_EXCLUDED=''
    VERSION_REVISION=''
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$step: az sig image-version show" 'Check that the identity may read the gallery.'
  IFS=$'\t' read -r VERSION_STATE VERSION_EXCLUDED VERSION_REVISION < <(tr -d '\r' <"$AZ_OUT") || true
  VERSION_STATE=${VERSION_STATE:-unknown}
}

# Fails unless the version that exists was made from this build (a name taken by another build is never changed).
require_own_version() {
  local step=$1
  if [ "$VERSION_REVISION" != "$REVISION" ]; then
    fail 2 "$step: version $VERSION of $LINE exists already, but it is not build $REVISION (its $REVISION_TAG tag is $(shown "$VERSION_REVISION")). It is left as it is: give this build another version (GOLDEN_GALLERY_VERSION), or delete that version if it is not needed."
  fi
}

# require_published STEP PURPOSE: the version exists, is this build's, and is Succeeded (PURPOSE says what it cannot do
# otherwise); fails with 8 or 6 else. Sets what read_version sets.
require_published() {
  local step=$1 purpose=$2
  read_version "$step"
  if [ "$VERSION_STATE" = absent ]; then
    fail 8 "$step: version $VERSION of image definition $LINE in resource group $RESOURCE_GROUP was not found. $NOT_FOUND_HINT"
  fi
  require_own_version "$step"
  if [ "$VERSION_STATE" != Succeeded ]; then
    fail 6 "$step: version $VERSION is $VERSION_STATE, not Succeeded: $purpose. Run the deployment again (the publish step waits for it, or publishes a failed one again)."
  fi
}

publish() {
  validate_publish_inputs
  start_work
  INTERRUPT_NOTE="Azure goes on with what it accepted: run the deployment again to resume (a version still being created is waited for, a failed one is published again)."
  log "publish: version $VERSION of $LINE in resource group $RESOURCE_GROUP from $SOURCE_ID, build $REVISION"
  log "publish: target regions ${TARGET_REGIONS[*]}; excluded from latest until promoted; limit ${PUBLISH_MINUTES} minutes"
  ensure_az_session
  CURRENT_STEP='publish'
  local started=$SECONDS deadline=$((SECONDS + PUBLISH_LIMIT)) created=no
  while :; do
    read_version publish
    case "$VERSION_STATE" in
      absent)
        if [ "$created" = yes ]; then
          fail 6 "publish: az sig image-version create succeeded, but version $VERSION of $LINE does not exist. Run the deployment again."
        fi
        create_version "$deadline"
        created=yes
        ;;
      Succeeded)
        require_own_version publish
        if [ "$created" = yes ]; then
          log "publish: version $VERSION published in $((SECONDS - started))s (excluded from latest: $VERSION_EXCLUDED)"
        else
          log "publish: version $VERSION exists already (an earlier run published it): not publishing it again (excluded from latest: $VERSION_EXCLUDED)"
        fi
        return
        ;;
      Creating | Updating | Deleting | Migrating)
        if [ "$VERSION_STATE" != Deleting ]; then
          require_own_version publish
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
          fail 4 "publish: version $VERSION is still $VERSION_STATE after ${PUBLISH_MINUTES} minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES). Azure goes on: run the deployment again to wait for it, or look at its replication status (az sig image-version show --expand ReplicationStatus)."
        fi
        log "publish: version $VERSION is $VERSION_STATE (an earlier run's publication, or Azure still replicating): waiting, $((SECONDS - started))s of ${PUBLISH_LIMIT}s"
        pause publish "$POLL_SECONDS" "waiting for version $VERSION to leave $VERSION_STATE"
        ;;
      Failed)
        require_own_version publish
        if [ "$created" = yes ]; then
          fail 6 "publish: version $VERSION of $LINE was created but is in state Failed. Look at its replication status (az sig image-version show --expand ReplicationStatus), fix the cause, then run the deployment again: the failed version is deleted and published again."
        fi
        log "publish: version $VERSION is Failed (an earlier run's publication): deleting it to publish it again"
        delete_version "$VERSION"
        ;;
      *)
        fail 6 "publish: version $VERSION of $LINE is in state $(shown "$VERSION_STATE"), which this script does not know. Look at it in the portal, then run the deployment again."
        ;;
    esac
  done
}

# create_version DEADLINE: az sig image-version create, within what is left until DEADLINE.
create_version() {
  local deadline=$1 rc=0 started=$SECONDS limit
  limit=$((deadline - SECONDS))
  [ "$limit" -gt 0 ] || limit=1
  local args=(sig image-version create "${VERSION_ARGS[@]}" "--virtual-machine=$SOURCE_ID" "--location=$LOCATION"
    --target-regions "${TARGET_ARGS[@]}" --replication-mode=Full --exclude-from-latest=true
    --tags "$NAME_TAG=$DEFINITION" "$REVISION_TAG=$REVISION")
  args+=(${EXTRA_TAGS[@]+"${EXTRA_TAGS[@]}"})
  if [ -n "$END_OF_LIFE" ]; then
    args+=("--end-of-life-date=$END_OF_LIFE")
  fi
  log "publish: creating version $VERSION from the build VM and replicating it (limit ${limit}s)"
  az_call publish "$limit" no "${args[@]}" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "publish: az sig image-version create did not return within ${PUBLISH_MINUTES} minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES). Azure goes on creating and replicating it: run the deployment again, which waits for it."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'publish: az sig image-version create' 'The source must be the generalized build VM, in the gallery'"'"'s region, of the security type and generation of the image definition; a version left Failed is deleted and published again by the next run. Fix the cause, then run the deployment again.'
  log "publish: az sig image-version create returned after $((SECONDS - started))s"
}

# delete_version NAME: deletes a version of the line; one that is gone already counts as deleted.
delete_version() {
  local name=$1 rc=0 started=$SECONDS
  log "$CURRENT_STEP: deleting version $name of $LINE"
  az_call "$CURRENT_STEP" $((DELETE_MINUTES * SECONDS_PER_MINUTE)) no sig image-version delete "${GALLERY_ARGS[@]}" \
    "--gallery-image-version=$name" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: az sig image-version delete $name did not return within $DELETE_MINUTES minutes. Azure goes on deleting it: run the deployment again."
  fi
  if [ "$rc" -ne 0 ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    log "$CURRENT_STEP: version $name is already gone"
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$CURRENT_STEP: az sig image-version delete $name" 'Run the deployment again once the cause is fixed.'
  log "$CURRENT_STEP: version $name deleted in $((SECONDS - started))s"
}

# Sets LINE_VERSIONS to the line's versions, one `<revision> <version> <excluded from latest>` per line, oldest first.
# A missing resource group, gallery or definition holds no version.
list_line() {
  local rc=0
  az_call list "$QUERY_LIMIT" no sig image-version list "${GALLERY_ARGS[@]}" \
    --query "[?tags.\"$NAME_TAG\"=='$DEFINITION'].[tags.\"$REVISION_TAG\", name, publishingProfile.excludeFromLatest]" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "list: az sig image-version list did not answer within ${QUERY_LIMIT}s."
  fi
  if [ "$rc" -ne 0 ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    log "list: image definition $LINE or its gallery or resource group does not exist: no versions"
    LINE_VERSIONS=''
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'list: az sig image-version list' 'Check that the identity may read the gallery.'
  LINE_VERSIONS=$(tr -d '\r' <"$AZ_OUT" | awk -F '\t' 'NF == 3 && $1 ~ /^[0-9]+$/ { print $1 " " $2 " " $3 }' | sort)
}

# The version's replicas as Azure reports them, one `<region> <count> <storage type>` per line (region names in the
# canonical form: `West Europe` -> westeurope), in CURRENT_REGIONS.
read_replicas() {
  local rc=0
  az_call replicate "$QUERY_LIMIT" no sig image-version show "${VERSION_ARGS[@]}" \
    --query 'publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]' -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "replicate: az sig image-version show did not answer within ${QUERY_LIMIT}s."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'replicate: az sig image-version show' 'Check that the identity may read the gallery.'
  CURRENT_REGIONS=$(tr -d '\r' <"$AZ_OUT" | awk -F '\t' 'NF == 3 { name = tolower($1); gsub(/ /, "", name); print name " " $2 " " $3 }')
}

replicate() {
  validate_replicate_inputs
  start_work
  log "replicate: version $VERSION of $LINE in resource group $RESOURCE_GROUP: target regions ${TARGET_REGIONS[*]}"
  ensure_az_session
  CURRENT_STEP='replicate'
  require_published replicate 'its replicas cannot change yet'
  read_replicas
  local wanted=() changed=no removed=no line region count type current
  for line in "${TARGET_REGIONS[@]}"; do
    region=${line%%=*}
    count=${line#*=}
    count=${count%%=*}
    type=${line##*=}
    current=$(printf '%s\n' "$CURRENT_REGIONS" | awk -v r="$region" '$1 == r { print $2 " " $3 }')
    if [ -z "$current" ]; then
      log "replicate: $region: new, $count replica(s) of $type"
      changed=yes
    else
      if [ "${current#* }" != "$type" ]; then
        log "replicate: $region keeps its storage type ${current#* } (Azure does not change it in place; the next build's version gets $type)"
        type=${current#* }
      fi
      if [ "${current%% *}" != "$count" ]; then
        log "replicate: $region: ${current%% *} -> $count replica(s)"
        changed=yes
      fi
    fi
    wanted+=("$region=$count=$(printf '%s' "$type" | tr '[:upper:]' '[:lower:]')")
  done
  while read -r region _; do
    [ -n "$region" ] || continue
    case " ${TARGET_REGIONS[*]} " in
      *" $region="*) ;;
      *)
        log "replicate: $region is no longer a target region: its replicas are removed"
        changed=yes
        removed=yes
        ;;
    esac
  done <<<"$CURRENT_REGIONS"
  if [ "$changed" = no ]; then
    log "replicate: the replicas are as asked already"
    return
  fi
  local args=(sig image-version update "${VERSION_ARGS[@]}" --target-regions "${wanted[@]}")
  if [ "$removed" = yes ]; then
    args+=(--allow-replicated-location-deletion=true)
  fi
  local rc=0 started=$SECONDS
  az_call replicate "$PUBLISH_LIMIT" no "${args[@]}" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "replicate: az sig image-version update did not return within ${PUBLISH_MINUTES} minutes (GOLDEN_PUBLISH_TIMEOUT_MINUTES). Azure goes on replicating: run the deployment again, which compares the replicas anew."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'replicate: az sig image-version update' 'Check the regions (the gallery must be available there) and the replica quota, then run the deployment again.'
  log "replicate: replicas updated in $((SECONDS - started))s"
}

promote() {
  validate_promote_inputs
  start_work
  log "promote: version $VERSION of $LINE in resource group $RESOURCE_GROUP (keeping the newest $RETAIN of the line)"
  ensure_az_session
  CURRENT_STEP='promote'
  require_published promote 'it cannot serve VMs yet'
  if [ "$EXCLUDE" = true ]; then
    if [ "$VERSION_EXCLUDED" = True ]; then
      log "promote: GOLDEN_EXCLUDE_FROM_LATEST=true: version $VERSION stays excluded from latest (VMs that use latest keep the previous version)"
    else
      log "promote: GOLDEN_EXCLUDE_FROM_LATEST=true, but version $VERSION is already promoted (not excluded from latest): left as it is"
    fi
  elif [ "$VERSION_EXCLUDED" = False ]; then
    log "promote: version $VERSION is already promoted (not excluded from latest): nothing to change"
  else
    local rc=0 started=$SECONDS
    log "promote: letting latest resolve to version $VERSION (publishingProfile.excludeFromLatest=false)"
    az_call promote "$QUERY_LIMIT" no sig image-version update "${VERSION_ARGS[@]}" \
      --set publishingProfile.excludeFromLatest=false -o none || rc=$?
    if [ "$rc" -eq 124 ]; then
      fail 4 "promote: az sig image-version update did not return within ${QUERY_LIMIT}s. Run the deployment again."
    fi
    [ "$rc" -eq 0 ] || fail_az 6 'promote: az sig image-version update' 'The version stays excluded from latest. Run the deployment again once the cause is fixed.'
    log "promote: version $VERSION promoted in $((SECONDS - started))s: VMs and scale sets that use latest get it from now on"
  fi
  prune
}

# Deletes the line's versions beyond the newest RETAIN; never this build's, nor the newest one not excluded from
# latest (the one latest resolves to).
prune() {
  CURRENT_STEP='prune'
  list_line
  local count excess latest name
  count=$(printf '%s\n' "$LINE_VERSIONS" | sed '/^$/d' | wc -l | tr -d ' ')
  excess=$((count - RETAIN))
  if [ "$excess" -le 0 ]; then
    log "prune: $count version(s) in line $LINE, keeping all (at most $RETAIN)"
    return
  fi
  latest=$(printf '%s\n' "$LINE_VERSIONS" | awk '$3 == "False" { name = $2 } END { print name }')
  log "prune: $count version(s) in line $LINE, keeping the newest $RETAIN${latest:+ and $latest, which latest resolves to}"
  while read -r _ name _; do
    [ -n "$name" ] || continue
    if [ "$name" = "$VERSION" ] || [ "$name" = "$latest" ]; then
      continue
    fi
    delete_version "$name"
  done < <(printf '%s\n' "$LINE_VERSIONS" | sed '/^$/d' | head -n "$excess")
}

delete_all() {
  start_work
  log "delete-all: deleting every version of line $LINE in resource group $RESOURCE_GROUP"
  ensure_az_session
  CURRENT_STEP='delete-all'
  list_line
  local name
  while read -r _ name _; do
    [ -n "$name" ] || continue
    delete_version "$name"
  done < <(printf '%s\n' "$LINE_VERSIONS" | sed '/^$/d')
  log "delete-all: done"
}

# --- canaries ---------------------------------------------------------------------------------------------------
# The subscription: given, or az's current one (learned once the session exists).
resolve_subscription() {
  if [ -n "$SUBSCRIPTION_ID" ]; then
    return
  fi
  local rc=0
  az_call canary "$QUERY_LIMIT" no account show --query id -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "canary: az account show did not answer within ${QUERY_LIMIT}s."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'canary: az account show' 'Set GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID).'
  SUBSCRIPTION_ID=$(tr -d '\r\n' <"$AZ_OUT")
  require_pattern "the subscription of az's session (az account show)" "$SUBSCRIPTION_ID" \
    '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' 'a subscription id (a GUID)'
  log "canary: subscription $SUBSCRIPTION_ID (az's current one)"
}

# A password Azure accepts for a Windows VM (12-123 characters of at least 3 kinds: here upper and lower case
# letters and digits, 24 of them from /dev/urandom), written to PASSWORD_FILE only: builtins write it, so it appears in
# no process's arguments.
write_password_file() {
  local pool='' candidate=''
  while :; do
    pool=$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9')
    candidate=${pool:0:24}
    if [ "${#candidate}" -eq 24 ] && [[ $candidate =~ [A-Z] ]] && [[ $candidate =~ [a-z] ]] && [[ $candidate =~ [0-9] ]]; then
      break
    fi
  done
  PASSWORD_FILE="$WORK_DIR/canary-password"
  rm -f "$PASSWORD_FILE"
  (umask 077 && printf '%s' "$candidate" >"$PASSWORD_FILE")
  chmod 600 "$PASSWORD_FILE"
  pool=''
  candidate=''
}

# delete_canary_part WHAT ARGS...: one az deletion; what is gone already counts as deleted. Returns 1 on failure.
delete_canary_part() {
  local what=$1 rc=0
  shift
  az_call "$CURRENT_STEP" $((DELETE_MINUTES * SECONDS_PER_MINUTE)) no "$@" -o none || rc=$?
  if [ "$rc" -eq 0 ]; then
    log "$CURRENT_STEP: $what deleted"
    return 0
  fi
  if [ "$rc" -ne 124 ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    log "$CURRENT_STEP: $what is already gone"
    return 0
  fi
  if [ "$rc" -eq 124 ]; then
    printf '%s: az did not return within %s minutes\n' "$what" "$DELETE_MINUTES" >>"$AZ_ERR"
  fi
  return 1
}

# delete_canary NAME: the VM (its NIC and OS disk go with it), then its NIC (left behind when the VM's creation failed
# after the NIC was made), then its VNet. Returns 1 on the first failure, az's error in $AZ_ERR.
delete_canary() {
  local name=$1 started=$SECONDS
  log "$CURRENT_STEP: deleting canary $name (the VM with its NIC and OS disk, then its VNet $name-vnet)"
  delete_canary_part "VM $name" vm delete "${CANARY_GROUP_ARGS[@]}" "--name=$name" --yes || return 1
  delete_canary_part "NIC ${name}VMNic" network nic delete "${CANARY_GROUP_ARGS[@]}" "--name=${name}VMNic" || return 1
  delete_canary_part "VNet $name-vnet" network vnet delete "${CANARY_GROUP_ARGS[@]}" "--name=$name-vnet" || return 1
  log "$CURRENT_STEP: canary $name deleted in $((SECONDS - started))s"
}

# Deletes the canaries of this version and line that an interrupted run left (VMs, NICs or VNets with both tags).
delete_leftovers() {
  CURRENT_STEP='canary leftovers'
  local rc=0 name names
  az_call "$CURRENT_STEP" "$QUERY_LIMIT" no resource list "${CANARY_GROUP_ARGS[@]}" \
    --query "[?tags.\"$CANARY_TAG\"=='$VERSION' && tags.\"$CANARY_IMAGE_TAG\"=='$CANARY_IMAGE'].[type, name]" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: az resource list did not answer within ${QUERY_LIMIT}s."
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "$CURRENT_STEP: az resource list" 'Check that the identity may read the canary resource group.'
  names=$(tr -d '\r' <"$AZ_OUT" | awk -F '\t' 'NF == 2 {
      type = tolower($1); name = $2
      if (type == "microsoft.compute/virtualmachines") { print name }
      else if (type == "microsoft.network/networkinterfaces") { sub(/VMNic$/, "", name); print name }
      else if (type == "microsoft.network/virtualnetworks") { sub(/-vnet$/, "", name); print name }
    }' | sort -u)
  if [ -z "$names" ]; then
    log "$CURRENT_STEP: no canary of version $VERSION left by an earlier run"
    return
  fi
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    if ! [[ $name =~ $CANARY_NAME_PATTERN ]]; then
      log "$CURRENT_STEP: $(shown "$name") carries the canary tags but not a canary's name: left as it is"
      continue
    fi
    log "$CURRENT_STEP: canary $name was left by an interrupted earlier run"
    delete_canary "$name" || fail_az 6 "$CURRENT_STEP: deleting $name" "$(canary_left_message "$name")"
  done <<<"$names"
}

# run_canary INDEX REGION: one canary, from creation to deletion; fails with exit code 9 when it fails.
run_canary() {
  local index=$1 region=$2 suffix vm computer started=$SECONDS rc=0
  suffix=$(printf '%02d' "$index")
  vm="canary-$REVISION-$LINE_KEY-$suffix"
  computer="c${REVISION:2:12}$suffix"
  CURRENT_STEP="canary $region"
  log "$CURRENT_STEP: creating canary VM $vm (computer name $computer, $SECURITY_TYPE, $VM_SIZE) from version $VERSION (limit ${CANARY_LIMIT}s)"
  write_password_file
  local args=(vm create "${CANARY_GROUP_ARGS[@]}" "--name=$vm" "--location=$region" "--image=$IMAGE_ID" "--size=$VM_SIZE"
    "--security-type=$SECURITY_TYPE")
  if [ "$SECURITY_TYPE" = TrustedLaunch ]; then
    args+=(--enable-secure-boot=true --enable-vtpm=true)
  fi
  args+=(${PLAN_ARGS[@]+"${PLAN_ARGS[@]}"})
  args+=("--admin-username=$CANARY_ADMIN" "--admin-password=@$PASSWORD_FILE" "--computer-name=$computer"
    --public-ip-address= --nsg= "--vnet-name=$vm-vnet" --subnet=canary --nic-delete-option=Delete
    --os-disk-delete-option=Delete --tags "$CANARY_TAG=$VERSION" "$CANARY_IMAGE_TAG=$CANARY_IMAGE" -o none)
  CANARY_VM=$vm
  az_call "$CURRENT_STEP" "$CANARY_LIMIT" no "${args[@]}" || rc=$?
  rm -f "$PASSWORD_FILE"
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: canary $vm was not created within ${CANARY_MINUTES} minutes (GOLDEN_CANARY_TIMEOUT_MINUTES). Version $VERSION stays excluded from latest, so the previous version remains latest. Run the deployment again to retry."
  fi
  # az crashed or its session expired: not the canary's fault (a VM agent that never reports in is: exit 9 below).
  # The exit trap tries to delete what was made.
  local fault=''
  [ "$rc" -eq 0 ] || fault=$(az_fault)
  if [ "$fault" = module ] || [ "$fault" = crash ] || [ "$fault" = expired ]; then
    fail_az 6 "$CURRENT_STEP: az vm create" "$(canary_left_message "$vm")"
  fi
  if [ "$rc" -ne 0 ]; then
    local create_errors="$WORK_DIR/create.err" code=9 reason
    cp "$AZ_ERR" "$create_errors"
    sed 's/^/  az| /' "$create_errors" >&2
    reason="az vm create failed (printed above: e.g. no quota for $VM_SIZE in $region, a size without $SECURITY_TYPE, or a region the version is not replicated to)"
    if grep -Eq "$NOT_FOUND_PATTERN" "$create_errors"; then
      code=8
      reason="az vm create found nothing: $NOT_FOUND_SUBJECT was not found"
    fi
    CANARY_VM=''
    delete_canary "$vm" || fail_az 6 "$CURRENT_STEP: deleting canary $vm after its failed creation" "$(canary_left_message "$vm")"
    fail "$code" "$CURRENT_STEP: the canary could not be created: $reason. Version $VERSION stays excluded from latest, so the previous version remains latest. Fix the cause (or choose other canary regions or size), then run the deployment again."
  fi
  log "$CURRENT_STEP: canary $vm created in $((SECONDS - started))s"

  VM_ARGS=("${CANARY_GROUP_ARGS[@]}" "--name=$vm")
  local check_started=$SECONDS
  log "$CURRENT_STEP: checking the guest through Run Command: its computer name, then $CANARY_URL (limit ${CHECK_LIMIT}s)"
  rc=0
  run_guest_script "$CURRENT_STEP" "$RUN_COMMAND_LIMIT" "$CHECK_SCRIPT" 'the canary check' \
    "Url=$CANARY_URL" "ExpectedName=$computer" "TimeoutSeconds=$CHECK_LIMIT" || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "$CURRENT_STEP: Run Command did not return within ${RUN_COMMAND_LIMIT}s. Version $VERSION stays excluded from latest, so the previous version remains latest. Run the deployment again to retry."
  fi
  print_guest_output || true
  local last reason=''
  last=$(sed '/^[[:space:]]*$/d' "$GUEST_OUTPUT" | tail -n 1)
  case "$last" in
    "$CANARY_MARKER PASSED"*) ;;
    "$CANARY_MARKER FAILED"*)
      reason=${last#"$CANARY_MARKER FAILED"}
      reason=${reason# }
      ;;
    *) reason="the guest's output does not end with a result line ($CANARY_MARKER ...): the check did not run to its end" ;;
  esac
  if [ -n "$reason" ]; then
    CANARY_VM=''
    delete_canary "$vm" || fail_az 6 "$CURRENT_STEP: deleting canary $vm after its failed check" "$(canary_left_message "$vm")"
    fail 9 "$CURRENT_STEP: the canary failed: $reason. Its output is printed above. Version $VERSION stays excluded from latest, so VMs and scale sets that use latest keep the previous version. Fix the image (a new build publishes a new version), or run the deployment again to retry the canary."
  fi
  log "$CURRENT_STEP: the canary passed in $((SECONDS - check_started))s"
  CANARY_VM=''
  delete_canary "$vm" || fail_az 6 "$CURRENT_STEP: deleting canary $vm" "$(canary_left_message "$vm")"
  log "$CURRENT_STEP: done in $((SECONDS - started))s"
}

canary() {
  validate_canary_inputs
  start_work
  log "canary: version $VERSION of $LINE in resource group $RESOURCE_GROUP, one $SECURITY_TYPE $VM_SIZE VM in each of: ${CANARY_REGIONS[*]} (resource group $CANARY_RESOURCE_GROUP)"
  ensure_az_session
  CURRENT_STEP='canary'
  resolve_subscription
  IMAGE_ID="/subscriptions/$SUBSCRIPTION_ID/resourceGroups/$RESOURCE_GROUP/providers/Microsoft.Compute/galleries/$GALLERY/images/$DEFINITION/versions/$VERSION"
  require_published canary 'no VM can be made from it yet'
  log "canary: version $VERSION is published (excluded from latest: $VERSION_EXCLUDED)"
  delete_leftovers
  local index=0 region
  for region in "${CANARY_REGIONS[@]}"; do
    index=$((index + 1))
    run_canary "$index" "$region"
  done
  CURRENT_STEP='canary'
  log "canary: passed in ${#CANARY_REGIONS[@]} region(s): ${CANARY_REGIONS[*]}"
}

main() {
  local action=${1:-}
  validate_line_inputs
  case "$action" in
    publish) publish ;;
    replicate) replicate ;;
    canary) canary ;;
    promote) promote ;;
    delete-all) delete_all ;;
    *) fail 2 "usage: gallery.sh publish|replicate|canary|promote|delete-all (got $(shown "$action"))" ;;
  esac
}

main "$@"
