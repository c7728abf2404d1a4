#!/usr/bin/env bash
# The managed images of one image line, kept outside Terraform's lifecycle so that a rebuild adds an image beside the
# earlier ones instead of replacing the one image Terraform knows (which would leave no image to roll back to):
#
#   images.sh capture     captures build <revision> of the line as `<name>-<revision>` from a generalized VM or OS
#                         disk, then deletes the line's images beyond the newest GOLDEN_RETAIN_BUILDS
#   images.sh delete-all  deletes every image of the line (the stack is being destroyed)
#
# An image line is every image in the resource group tagged `golden-image-name=<name>`; each also carries
# `golden-image-revision=<revision>` (YYYYMMDDhhmmss, so the newest sorts last). Run by Terraform from the stack
# directory (GeneralizedImage and ImageCopy write terraform_data resources: capture when a build is created, delete-all
# when the stack is destroyed). Every value comes from the environment and is checked before use:
#   GOLDEN_SUBSCRIPTION_ID       subscription (optional: else ARM_SUBSCRIPTION_ID, else az's default)
#   GOLDEN_IMAGE_RESOURCE_GROUP  resource group of the images (required)
#   GOLDEN_IMAGE_NAME            name of the line: the images are `<name>-<revision>` (required)
# capture only:
#   GOLDEN_BUILD_REVISION        the build's revision, 14 digits (required)
#   GOLDEN_SOURCE_ID             resource id of the generalized VM or managed disk to capture (required)
#   GOLDEN_IMAGE_LOCATION        Azure region of the image: the source's (required)
#   GOLDEN_HYPERV_GENERATION     V1 or V2 (required)
#   GOLDEN_OS_TYPE               Windows or Linux (default Windows)
#   GOLDEN_STORAGE_SKU           storage type recorded in the image, e.g. StandardSSD_LRS (default: the source's)
#   GOLDEN_IMAGE_TAGS            more tags, one `key=value` per line (default none)
#   GOLDEN_RETAIN_BUILDS         how many of the line's images to keep, this one included (default 3)
# Login: as generalize-vm.sh (an az session, or the azurerm provider's ARM_* variables).
#
# Idempotent: an image of this revision that exists already is not captured again; deleting what is gone succeeds.
# Exit codes: 0 done; 2 invalid input; 3 az cannot be used (missing, crashing, lacking a module, cannot log in, or its
# session expired during the run); 4 timeout; 6 az failed; 8 the source does not exist; 12 no temporary directory
# (TMPDIR); 129/130/143 interrupted (SIGHUP/SIGINT/SIGTERM).
# Written for bash 3.2 (macOS) and later.

set -euo pipefail
umask 077
export LC_ALL=C

readonly SCRIPT_NAME='images'
readonly SOURCE_CONSTRUCT='GeneralizedImage or ImageCopy'
readonly NOT_FOUND_HINT='The source of the image is gone: run the deployment again, so that Terraform builds it anew.'
readonly NAME_TAG='golden-image-name'
readonly REVISION_TAG='golden-image-revision'
readonly IMAGE_NAME_PATTERN='^[A-Za-z0-9]([-A-Za-z0-9_.]{0,63}[A-Za-z0-9_])?$'
readonly CAPTURE_MINUTES=60
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

validate_line_inputs() {
  CURRENT_STEP='validate'
  SUBSCRIPTION_ID=${GOLDEN_SUBSCRIPTION_ID:-${ARM_SUBSCRIPTION_ID:-}}
  RESOURCE_GROUP=${GOLDEN_IMAGE_RESOURCE_GROUP:-}
  LINE_NAME=${GOLDEN_IMAGE_NAME:-}
  validate_tuning_inputs
  require_subscription
  require_resource_group GOLDEN_IMAGE_RESOURCE_GROUP "$RESOURCE_GROUP"
  require_pattern GOLDEN_IMAGE_NAME "$LINE_NAME" "$IMAGE_NAME_PATTERN" \
    'an image name of 1-65 letters, digits, _ . - (the revision is appended to it)'
  GROUP_ARGS=()
  if [ -n "$SUBSCRIPTION_ID" ]; then
    GROUP_ARGS+=("--subscription=$SUBSCRIPTION_ID")
  fi
  GROUP_ARGS+=("--resource-group=$RESOURCE_GROUP")
  NOT_FOUND_SUBJECT="the source of image line $LINE_NAME or resource group $RESOURCE_GROUP${SUBSCRIPTION_ID:+ (subscription $SUBSCRIPTION_ID)}"
  NOT_FOUND_WHAT='it'

}

validate_capture_inputs() {
  REVISION=${GOLDEN_BUILD_REVISION:-}
  SOURCE_ID=${GOLDEN_SOURCE_ID:-}
  LOCATION=${GOLDEN_IMAGE_LOCATION:-}
  GENERATION=${GOLDEN_HYPERV_GENERATION:-}
  OS_TYPE=${GOLDEN_OS_TYPE:-Windows}
  STORAGE_SKU=${GOLDEN_STORAGE_SKU:-}
  RETAIN=${GOLDEN_RETAIN_BUILDS:-3}
  require_pattern GOLDEN_BUILD_REVISION "$REVISION" '^[0-9]{14}$' 'a build revision (14 digits, YYYYMMDDhhmmss)'
  require_pattern GOLDEN_SOURCE_ID "$SOURCE_ID" \
    '^/subscriptions/[0-9A-Fa-f-]{36}/resourceGroups/[-A-Za-z0-9_.()]{1,90}/providers/Microsoft\.Compute/(virtualMachines|disks)/[-A-Za-z0-9_.]{1,80}$' \
    'the resource id of a VM or managed disk'
  require_pattern GOLDEN_IMAGE_LOCATION "$LOCATION" '^[a-z][a-z0-9]{2,40}$' 'an Azure region name such as westeurope'
  require_pattern GOLDEN_HYPERV_GENERATION "$GENERATION" '^V[12]$' 'V1 or V2'
  require_pattern GOLDEN_OS_TYPE "$OS_TYPE" '^(Windows|Linux)$' 'Windows or Linux'
  if [ -n "$STORAGE_SKU" ]; then
    require_pattern GOLDEN_STORAGE_SKU "$STORAGE_SKU" '^(Standard_LRS|Premium_LRS|StandardSSD_LRS|StandardSSD_ZRS|Premium_ZRS)$' 'a storage type such as StandardSSD_LRS'
  fi
  require_number GOLDEN_RETAIN_BUILDS "$RETAIN" 1 50
  IMAGE_NAME="$LINE_NAME-$REVISION"
  read_extra_tags
}

# Sets LINE_IMAGES to the line's images, one `<revision> <name>` per line, oldest first.
list_line() {
  local rc=0
  az_call list "$QUERY_LIMIT" no image list "${GROUP_ARGS[@]}" \
    --query "[?tags.\"$NAME_TAG\"=='$LINE_NAME'].[tags.\"$REVISION_TAG\", name]" -o tsv || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "list: az image list did not answer within ${QUERY_LIMIT}s."
  fi
  if [ "$rc" -ne 0 ] && grep -q 'ResourceGroupNotFound' "$AZ_ERR"; then
    LINE_IMAGES=''
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 'list: az image list' 'Check that the identity may read images in the resource group.'
  LINE_IMAGES=$(tr -d '\r' <"$AZ_OUT" | awk -F '\t' 'NF == 2 && $1 ~ /^[0-9]+$/ { print $1 " " $2 }' | sort)
}

delete_image() {
  local name=$1 rc=0
  log "delete: deleting image $name"
  az_call delete "$QUERY_LIMIT" no image delete "${GROUP_ARGS[@]}" "--name=$name" -o none || rc=$?
  if [ "$rc" -eq 124 ]; then
    fail 4 "delete: az image delete $name did not return within ${QUERY_LIMIT}s. Run the deployment again."
  fi
  if [ "$rc" -ne 0 ] && grep -Eq "$NOT_FOUND_PATTERN" "$AZ_ERR"; then
    log "delete: $name is already gone"
    return
  fi
  [ "$rc" -eq 0 ] || fail_az 6 "delete: az image delete $name" 'A VM scale set or gallery version may still use it; run the deployment again once it does not.'
}

capture() {
  validate_capture_inputs
  start_work
  log "capture: image $IMAGE_NAME in resource group $RESOURCE_GROUP from $SOURCE_ID (keeping the newest $RETAIN of line $LINE_NAME)"
  ensure_az_session
  CURRENT_STEP='capture'
  list_line
  if printf '%s\n' "$LINE_IMAGES" | grep -qx "$REVISION $IMAGE_NAME"; then
    log "capture: $IMAGE_NAME exists already (an earlier run captured it): not capturing it again"
  else
    local args=(image create "${GROUP_ARGS[@]}" "--name=$IMAGE_NAME" "--source=$SOURCE_ID" "--location=$LOCATION"
      "--hyper-v-generation=$GENERATION" --tags "$NAME_TAG=$LINE_NAME" "$REVISION_TAG=$REVISION")
    args+=(${EXTRA_TAGS[@]+"${EXTRA_TAGS[@]}"})
    case "$SOURCE_ID" in
      */disks/*) args+=("--os-type=$OS_TYPE") ;;
    esac
    if [ -n "$STORAGE_SKU" ]; then
      args+=("--storage-sku=$STORAGE_SKU")
    fi
    local rc=0
    az_call capture $((CAPTURE_MINUTES * SECONDS_PER_MINUTE)) no "${args[@]}" -o none || rc=$?
    if [ "$rc" -eq 124 ]; then
      fail 4 "capture: az image create did not return within $CAPTURE_MINUTES minutes. Run the deployment again: an image that was created meanwhile is kept."
    fi
    [ "$rc" -eq 0 ] || fail_az 6 'capture: az image create' 'A managed image needs a generalized source of the Standard security type; the source is left as it is. Fix the cause, then run the deployment again.'
    log "capture: $IMAGE_NAME created"
    LINE_IMAGES=$(printf '%s\n%s\n' "$LINE_IMAGES" "$REVISION $IMAGE_NAME" | sed '/^$/d' | sort)
  fi
  prune
}

# Deletes the line's images beyond the newest RETAIN; never this build's.
prune() {
  CURRENT_STEP='prune'
  local count excess name
  count=$(printf '%s\n' "$LINE_IMAGES" | sed '/^$/d' | wc -l | tr -d ' ')
  excess=$((count - RETAIN))
  if [ "$excess" -le 0 ]; then
    log "prune: $count image(s) in line $LINE_NAME, keeping all (at most $RETAIN)"
    return
  fi
  log "prune: $count image(s) in line $LINE_NAME, keeping the newest $RETAIN"
  while read -r _ name; do
    [ -n "$name" ] || continue
    if [ "$name" = "$IMAGE_NAME" ]; then
      continue
    fi
    delete_image "$name"
  done < <(printf '%s\n' "$LINE_IMAGES" | sed '/^$/d' | head -n "$excess")
}

delete_all() {
  start_work
  log "delete-all: deleting every image of line $LINE_NAME in resource group $RESOURCE_GROUP"
  ensure_az_session
  CURRENT_STEP='delete-all'
  list_line
  local name
  while read -r _ name; do
    [ -n "$name" ] || continue
    delete_image "$name"
  done < <(printf '%s\n' "$LINE_IMAGES" | sed '/^$/d')
  log "delete-all: done"
}

main() {
  local action=${1:-}
  validate_line_inputs
  case "$action" in
    capture) capture ;;
    delete-all) delete_all ;;
    *) fail 2 "usage: images.sh capture|delete-all (got $(shown "$action"))" ;;
  esac
}

main "$@"
