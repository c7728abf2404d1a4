#!/usr/bin/env bash
# CI under load: runs .ci/run on a clean clone of this repository's HEAD while LOAD other CPU-bound processes (default 4)
# keep every core busy, and prints how long it took and how it ended. No test may depend on wall-clock time; this is
# how that is shown (issue 24). The clone is made beside the repository (../<name>), where .ci/run finds what the
# project's machines keep beside it (../shared/terraform), and removed afterwards; its log stays in the printed file.
# Usage: test/bench/loaded-ci.sh [LOAD]
set -euo pipefail

load="${1:-4}"
[[ "$load" =~ ^[0-9]+$ ]] || { echo "usage: $0 [number of CPU-bound processes]" >&2; exit 2; }
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
clone="$(dirname "$repo")/ci-loaded-clone"
log="$(mktemp "${TMPDIR:-/tmp}/loaded-ci.XXXXXX.log")"

rm -rf "$clone"
git clone -q "$repo" "$clone"
burners=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ "${#burners[@]}" -gt 0 ]; then
    kill "${burners[@]}" 2>/dev/null || true
  fi
  rm -rf "$clone"
}
trap cleanup EXIT
for ((i = 0; i < load; i++)); do
  node -e 'for (;;) {}' &
  burners+=("$!")
done

echo "loaded CI: .ci/run on a clean clone of $(git -C "$repo" rev-parse --short HEAD), beside $load CPU-bound processes on $(nproc) cores; log: $log"
start=$SECONDS
rc=0
(cd "$clone" && CI=true bash .ci/run) >"$log" 2>&1 || rc=$?
echo "loaded CI: exit $rc after $((SECONDS - start)) s"
grep -E '^(Tests|Test Suites):' "$log" || true
exit "$rc"
