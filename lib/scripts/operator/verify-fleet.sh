#!/usr/bin/env bash
# Post-deploy check of an ImageFleet, run by Terraform's local-exec on the machine that runs Terraform:
# fetch every VM's URL until its page contains that VM's computer name (case-insensitive), and fail
# with a clear message if some VM has not answered so by the deadline.
#
# Inputs (environment only; the provisioner's command is constant):
#   FLEET_TARGETS            space-separated `name=url` pairs, e.g. "web001=http://203.0.113.10/ web002=http://..."
#   VERIFY_TIMEOUT_SECONDS   overall deadline for all VMs (default 900; bash's clock counts whole seconds)
#   VERIFY_INTERVAL_SECONDS  pause between rounds (default 10)
#   VERIFY_REQUEST_SECONDS   timeout of one HTTP request (default 10)
#
# Exit codes: 0 every VM answered; 1 invalid input, curl missing, or some VM did not answer by the deadline; 12 no
# temporary file (TMPDIR, or /tmp when unset, is missing, not a directory or not writable), as the other operator
# scripts; 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM.
set -euo pipefail

log() {
  printf '[verify-fleet] +%ss %s\n' "$((SECONDS - started))" "$*"
}

fail() {
  printf '[verify-fleet] ERROR: %s\n' "$*" >&2
  exit 1
}

is_positive_integer() {
  [[ "$1" =~ ^[1-9][0-9]*$ ]]
}

started=$SECONDS
targets="${FLEET_TARGETS:-}"
timeout_seconds="${VERIFY_TIMEOUT_SECONDS:-900}"
interval_seconds="${VERIFY_INTERVAL_SECONDS:-10}"
request_seconds="${VERIFY_REQUEST_SECONDS:-10}"

is_positive_integer "$timeout_seconds" || fail "VERIFY_TIMEOUT_SECONDS='$timeout_seconds' is not a whole number of seconds above 0."
is_positive_integer "$interval_seconds" || fail "VERIFY_INTERVAL_SECONDS='$interval_seconds' is not a whole number of seconds above 0."
is_positive_integer "$request_seconds" || fail "VERIFY_REQUEST_SECONDS='$request_seconds' is not a whole number of seconds above 0."
command -v curl >/dev/null 2>&1 || fail "curl is not installed on the machine that runs Terraform; install it, or set verifyUrls to false."

names=()
urls=()
read -r -a pairs <<<"$targets"
[[ ${#pairs[@]} -gt 0 ]] || fail "FLEET_TARGETS is empty: expected space-separated name=url pairs such as 'web001=http://203.0.113.10/'."
for pair in "${pairs[@]}"; do
  name="${pair%%=*}"
  url="${pair#*=}"
  if [[ "$pair" != *=* || ! "$name" =~ ^[A-Za-z0-9-]{1,15}$ ]]; then
    fail "FLEET_TARGETS entry '$pair' is not name=url with a computer name of 1-15 letters, digits and hyphens."
  fi
  [[ "$url" =~ ^https?://[^[:space:]/]+(/[^[:space:]]*)?$ ]] || fail "FLEET_TARGETS entry '$pair': '$url' is not an http(s) URL."
  names+=("$name")
  urls+=("$url")
done

# Before any request: nowhere to keep the pages is the machine's fault, not the fleet's.
if ! body_file="$(mktemp 2>/dev/null)"; then
  tmp_directory="${TMPDIR:-/tmp}"
  where='TMPDIR is not set, and /tmp'
  [[ -z "${TMPDIR:-}" ]] || where="TMPDIR=$(printf '%q' "$TMPDIR")"
  if [[ ! -e "$tmp_directory" ]]; then
    tmp_problem='does not exist'
  elif [[ ! -d "$tmp_directory" ]]; then
    tmp_problem='is not a directory'
  else
    tmp_problem='is not writable'
  fi
  printf '[verify-fleet] ERROR: %s %s, so mktemp cannot create the file this check keeps the pages in. Fix: set TMPDIR to an existing writable directory (or unset it to use /tmp) in the environment that runs Terraform, then run the deployment again.\n' \
    "$where" "$tmp_problem" >&2
  exit 12
fi
trap 'rm -f "$body_file"' EXIT
# As the other operator scripts: a closed terminal (HUP), Ctrl-C (INT) or a stop (TERM) ends the check with a message;
# the exit trap removes the page file. A running curl ends first (at most VERIFY_REQUEST_SECONDS).
on_signal() {
  trap - HUP INT TERM
  printf '[verify-fleet] ERROR: interrupted by SIG%s: not every VM was checked. The check changes nothing in Azure: run the deployment again to check the fleet.\n' "$1" >&2
  exit "$2"
}
trap 'on_signal HUP 129' HUP
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

log "checking ${#names[@]} VM(s) for up to ${timeout_seconds}s: each page must contain the VM's computer name"
problem=()
pending=("${!names[@]}")

while true; do
  still_pending=()
  for i in "${pending[@]}"; do
    name="${names[$i]}"
    url="${urls[$i]}"
    if error="$(curl --silent --show-error --fail --location --max-time "$request_seconds" --output "$body_file" -- "$url" 2>&1)"; then
      if grep --quiet --ignore-case --fixed-strings -- "$name" "$body_file"; then
        log "$name: OK ($url answers with its computer name)"
        continue
      fi
      problem[i]="the page does not contain '$name'"
    else
      problem[i]="${error:-curl failed}"
    fi
    still_pending+=("$i")
  done
  if [[ ${#still_pending[@]} -eq 0 ]]; then
    log "all ${#names[@]} VM(s) answer with their own computer name"
    exit 0
  fi
  pending=("${still_pending[@]}")
  elapsed=$((SECONDS - started))
  if ((elapsed >= timeout_seconds)); then
    for i in "${pending[@]}"; do
      printf '[verify-fleet] %s (%s): %s\n' "${names[$i]}" "${urls[$i]}" "${problem[$i]}" >&2
    done
    fail "timed out after ${elapsed}s (VERIFY_TIMEOUT_SECONDS=${timeout_seconds}): ${#pending[@]} of ${#names[@]} VM(s) did not answer with their computer name. Check the NSG, the app port and that the image serves the machine-name page."
  fi
  for i in "${pending[@]}"; do
    log "${names[$i]}: waiting (${problem[$i]})"
  done
  # Never sleep past the deadline.
  remaining=$((timeout_seconds - elapsed))
  sleep "$((interval_seconds < remaining ? interval_seconds : remaining))"
done
