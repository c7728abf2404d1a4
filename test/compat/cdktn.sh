#!/usr/bin/env bash
# Runs the construct tests against CDK Terrain (cdktn), the community continuation of CDKTF, without changing a
# line of the library: npm aliases make `cdktf` resolve to cdktn and the @cdktf providers to their @cdktn builds.
# Usage: test/compat/cdktn.sh [workdir]   (default: a new temporary directory, removed afterwards)
set -euo pipefail

export CDKTN_VERSION=0.24.0
export CDKTN_AZURERM_VERSION=16.1.0
export CDKTN_RANDOM_VERSION=15.0.1
export CONSTRUCTS_VERSION=10.7.0

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-}"
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

echo "cdktn compatibility: copying the library and its construct tests to $work"
mkdir -p "$work"
cp -R "$repo/lib" "$repo/test" "$repo/examples" "$work/"
# The tests read the README too (the documented setup-step contract).
cp "$repo/tsconfig.json" "$repo/README.md" "$work/"

node - "$repo/package.json" "$work/package.json" "$repo/jest.config.json" <<'NODE'
const fs = require('fs');
const [source, target, jestConfig] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(source, 'utf8'));
const jest = JSON.parse(fs.readFileSync(jestConfig, 'utf8'));
const dev = pkg.devDependencies;
const out = {
  name: 'azure-golden-image-cdktn-compat',
  private: true,
  devDependencies: {
    cdktf: `npm:cdktn@${process.env.CDKTN_VERSION}`,
    cdktn: process.env.CDKTN_VERSION,
    '@cdktf/provider-azurerm': `npm:@cdktn/provider-azurerm@${process.env.CDKTN_AZURERM_VERSION}`,
    '@cdktf/provider-random': `npm:@cdktn/provider-random@${process.env.CDKTN_RANDOM_VERSION}`,
    constructs: process.env.CONSTRUCTS_VERSION,
    jest: dev.jest, 'ts-jest': dev['ts-jest'], typescript: dev.typescript, '@types/jest': dev['@types/jest'], '@types/node': dev['@types/node'],
  },
  jest: { ...jest, reporters: ['default'] },
};
fs.writeFileSync(target, JSON.stringify(out, null, 2));
NODE

cd "$work"
echo "cdktn compatibility: installing cdktn@$CDKTN_VERSION, @cdktn/provider-azurerm@$CDKTN_AZURERM_VERSION, @cdktn/provider-random@$CDKTN_RANDOM_VERSION"
# @cdktn/provider-azurerm 16.1.0 declares cdktn ^0.23 as its peer; 0.24 is the drop-in successor.
npm install --no-audit --no-fund --legacy-peer-deps --loglevel=error
resolved="$(node -p "const p = require('cdktf/package.json'); p.name + '@' + p.version")"
if [[ "$resolved" != "cdktn@$CDKTN_VERSION" ]]; then
  echo "cdktn compatibility: 'cdktf' resolves to $resolved, not cdktn@$CDKTN_VERSION" >&2
  exit 1
fi
echo "cdktn compatibility: 'cdktf' resolves to $resolved"
# Snapshots record the framework and provider versions, which differ by design; every other assertion must hold.
# The tests that synthesize constructs: the unit tier's construct tests and the integration tests that evaluate the
# synthesized JSON with real Terraform and no provider. Left out, as they do not depend on the framework: the operator's
# (test/operator, fake-az-inprocess), PowerShell, Azure CLI parser, packaging
# and consumer tests (readme-links packs too), the local Azure's own tests, and lazy-bindings (the library's own import
# graph, read in a TypeScript child process: tsx is not installed here). Every test that installs the azurerm provider
# is left out too (terraform-validate, terraform-apply, every local-azure* deploy, token-numbers-azurerm): the @cdktn
# provider bindings pin other provider versions (azurerm 4.73.0 for @cdktn/provider-azurerm 16.1.0) than the offline
# mirror holds (4.55.0), so their init would fail there.
npx jest --ci --testPathIgnorePatterns '/node_modules/' '/compat/' '/test/operator/' '/test/powershell/' 'fake-az-inprocess' \
  'terraform-apply' 'terraform-validate' 'local-azure' 'token-numbers-azurerm' 'az-parser' 'consumer' 'package' \
  'readme-links' 'lazy-bindings' -t '^(?!.*snapshot)'
