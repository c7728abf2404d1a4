#!/usr/bin/env bash
# Installs a current Azure CLI (Debian trixie's azure-cli 2.74) into a private prefix beside the system's az, for the
# tests that run the real CLI against the local Azure (issue 25). Prints the path of its launcher, `az`.
#
#   az=$(test/local-azure/install-az.sh)          # installs once, then only prints the path
#   test/local-azure/install-az.sh --path         # prints where it is (or would be), installs nothing
#
# Why not Debian's own azure-cli: bookworm's 2.45 cannot run most `az vm`/`az image` commands (its python3-azure lacks
# the compute API versions they call), and installing trixie's package would replace the system's libc and Python.
# Trixie's azure-cli and its SDKs are pure Python: they run on bookworm's Python 3.11 from a prefix on PYTHONPATH, on
# top of the Python libraries bookworm's own azure-cli package depends on (requests, cryptography, msrest, paramiko...).
#
# How: a private apt configuration (its own sources list with trixie's main archive, its own lists and cache; the
# system's apt state is not touched) downloads the pinned .debs with `apt-get download` (apt checks each against the
# archive's signed index, with the trixie keys of bookworm's debian-archive-keyring), `dpkg-deb -x` unpacks them into
# the prefix. The prefix lives outside the clone, in ${XDG_CACHE_HOME:-~/.cache}/azure-golden-image/az-<version>, so
# a later run (another CI run on the same machine) downloads nothing; it is built beside and moved into place last, so
# an interrupted install leaves no half prefix. Needs Debian bookworm's apt and /usr/bin/python3.
set -euo pipefail

# The packages, pinned: a new trixie point release that replaces one fails the download loudly (update the pins and
# AZ_VERSION together); the rest of azure-cli's dependencies are bookworm's.
AZ_VERSION=2.74.0-1
PACKAGES=(
  "azure-cli=$AZ_VERSION"
  "python3-azure-cli=$AZ_VERSION"
  "python3-azure-cli-core=$AZ_VERSION"
  "python3-azure-cli-telemetry=$AZ_VERSION"
  # The SDKs 2.74 calls (compute 2024-x API versions among them); 2.74 needs newer msal and knack than bookworm's.
  "python3-azure=20250603+git-1"
  "python3-azure-multiapi-storage=1.4.0-1"
  "python3-msal=1.32.3-1"
  "python3-msal-extensions=1.3.1-1"
  "python3-knack=0.12.0-2"
)

cache=${XDG_CACHE_HOME:-$HOME/.cache}/azure-golden-image
home="$cache/az-$AZ_VERSION"
launcher="$home/bin/az"

if [ "${1:-}" = "--path" ]; then
  echo "$launcher"
  exit 0
fi
if [ -x "$launcher" ]; then
  echo "$launcher"
  exit 0
fi

# The Python libraries trixie's CLI runs on: what bookworm's azure-cli package pulls in.
if ! dpkg-query -W -f='${Status}' azure-cli 2>/dev/null | grep -q 'install ok installed'; then
  echo "install-az: installing bookworm's azure-cli for the Python libraries the CLI runs on" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq azure-cli >/dev/null
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.az-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc" "$work/state/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/home/bin"
touch "$work/state/status"
cat > "$work/etc/trixie.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_options=(
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/etc"
  -o "Dir::State=$work/state" -o "Dir::State::status=$work/state/status" -o "Dir::Cache=$work/cache"
  # Only the package index: no translations, no AppStream metadata.
  -o "Acquire::Languages=none" -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
  -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
  # The private directories are root's; apt's download user (_apt) could not write them.
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1" -q
)
started=$(date +%s)
echo "install-az: downloading azure-cli $AZ_VERSION from Debian trixie" >&2
apt-get "${apt_options[@]}" update >&2
(cd "$work/debs" && apt-get "${apt_options[@]}" download "${PACKAGES[@]}" >&2)
packages_size=$(du -cb "$work"/debs/*.deb | tail -1 | cut -f1)
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/home/prefix"
done
site="$work/home/prefix/usr/lib/python3/dist-packages"
# bookworm's python3-azure makes `azure` a regular package (azure/__init__.py with pkgutil.extend_path), and Python
# prefers a regular package anywhere on sys.path to the namespace package trixie ships: without a regular package
# here, `import azure.cli` would load bookworm's 2.45. An empty one keeps every azure.* module in this prefix.
: > "$site/azure/__init__.py"
cat > "$work/home/bin/az" <<'EOF'
#!/bin/sh
# Debian trixie's Azure CLI from this prefix, on the system's Python 3 (test/local-azure/install-az.sh).
prefix=$(dirname "$(dirname "$(readlink -f "$0")")")/prefix
PYTHONPATH="$prefix/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" exec "$prefix/usr/bin/az" "$@"
EOF
chmod 755 "$work/home/bin/az"

# It runs, and it is the version pinned (not bookworm's, through a path mix-up): the core's version, and a vm command's
# parser, in a throwaway configuration directory.
check_config=$(mktemp -d)
version=$(AZURE_CONFIG_DIR="$check_config" PYTHONPATH="$site" /usr/bin/python3 -c 'from azure.cli.core import __version__; print(__version__)')
# (Its first command in a new configuration directory loads every command module to index them: trixie's monitor and
# rdbms modules fail to load there, which az reports and survives; the vm module is the one the tests need.)
if ! AZURE_CONFIG_DIR="$check_config" "$work/home/bin/az" vm show --help >"$work/check.log" 2>&1; then
  cat "$work/check.log" >&2
  exit 1
fi
rm -rf "$check_config"
if [ "$version" != "${AZ_VERSION%-*}" ]; then
  echo "install-az: the prefix runs azure-cli-core $version, not ${AZ_VERSION%-*}" >&2
  exit 1
fi

rm -rf "$home"
mv "$work/home" "$home"
echo "install-az: azure-cli $version in $home ($((packages_size / 1024 / 1024)) MiB of packages, $(( $(date +%s) - started )) s)" >&2
echo "$launcher"
