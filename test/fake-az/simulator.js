/*
 * A simulated Azure CLI for the tests of the operator (the Node.js operator's steps in lib/operator: setup, generalize,
 * capture, delete-all, base-image, the gallery version steps, gallery-canary, verify-fleet, verify-scale-set). It implements only the commands the operator uses,
 * rejects every other command or option with exit code 2 (as az's parser does), and keeps the state of one VM, its
 * guest, the managed images of some resource groups, the versions of some gallery image definitions, the canary VMs
 * made from them and some VM scale sets (test/util/fake-az.ts's FakeAzState).
 *
 * This module answers one call: `simulateAz({ argv, env, stdin, state, cwd })` returns az's exit code and output and
 * changes `state` (an object) in place; it reads no state file and writes no log. Two harnesses keep the state:
 *   test/fake-az/az                    the CLI (tests put its directory first on PATH): the state in the JSON file
 *                                      FAKE_AZ_STATE, every call's argv appended to FAKE_AZ_LOG (test/util/fake-az.ts)
 *   test/util/fake-az-inprocess.ts     InProcessAz: the state in memory, for an operator that runs az in-process
 * Files named by `@path` arguments (guest scripts, password files) and the session `az login` keeps in AZURE_CONFIG_DIR
 * are real files, as for az.
 *
 * Faults come from the state: `loggedIn: false` (no session), `transient` (throttling, server or connection errors
 * consumed one at a time), `sysprep: 'never-reaches-oobe'` or `'no-marker'` (output cut before the result line) or
 * `'exception'` / `'exception-and-failure-marker'` (a PowerShell error on Run Command's StdErr, az still exiting 0)
 * or `'completes-with-stderr'` (success, with an error record that did not stop the script),
 * `failGeneralize` (a count), `hang` (commands that never return, `hang: true` here; a hung `vm deallocate` was
 * accepted by Azure, so the VM is left deallocating), `holdUntil` (the CLI only: a command answers only once a file
 * exists: the test decides when), `deleteAfter` (the VM or its resource group is deleted after some successful calls:
 * every later VM command answers ResourceNotFound or ResourceGroupNotFound), `runCommandInProgress` (how many Run Command invocations meet
 * an earlier one still running in the guest: 409 Conflict), `settlesAfter` (how many instance views still show a
 * starting, stopping or deallocating VM before Azure finishes the operation; unset, it never does), `faults` (a
 * command fails as a broken az, an expired session or a VM agent that is not ready would make it: see AZ_FAULTS; each
 * entry every time, or `times` times).
 *
 * Marketplace: `vm image list --all` lists the versions of `marketplace` (region -> SKUs, each with its versions), as
 * azure-cli does (vm/_actions.py, `load_images_thru_services`): its --publisher, --offer and --sku match any name that
 * contains them, ignoring case (`_matched`), and the versions of each SKU come in Azure's order, sorted as text, not by
 * version number, whatever order the test gives them in (terraform-provider-azurerm issue 31577, azure-rest-api-specs
 * issue 30142: the last of Azure's list is not the newest version). A region without a key lists nothing. `vm image show`
 * shows one version with its purchase plan (`plan`, null by default); `vm image terms show` tells whether the
 * subscription accepted a plan's terms (`acceptedTerms`).
 *
 * Run Command dispatches on the guest script's file name: generalize.ps1 (Sysprep, above), setup-start.ps1,
 * setup-status.ps1 and setup-finish.ps1 (the detached setup: `setup` describes it, `rebootPending` the reboots it
 * leaves, see test/util/fake-az.ts). `vm restart` restarts the guest. `image create|list|show|delete` work on `images`
 * (resource group -> images; a group is missing unless it is a key there, the VM's own group, a group of
 * `resourceGroups` or of `galleryImages`).
 *
 * Galleries: `sig image-version create|show|list|update|delete` work on `galleryImages` (`<group>/<gallery>/<definition>`
 * -> its versions; a definition is missing unless it is a key there: ParentResourceNotFound). A version is created
 * only from the build VM once generalized; `failGalleryCreate` (a count) leaves the next versions Failed; a version
 * with `pendingShows` stays Creating (or Deleting, ...) for that many `show`s, then becomes `becomes` (Succeeded by
 * default; a Deleting one disappears); without it, it stays as it is. `show --expand ReplicationStatus` adds the
 * version's replication per region (`replication`, else derived from its provisioningState: Succeeded is Completed
 * everywhere, Creating or Updating is Replicating, Failed failed in its last target region), as Azure reports it
 * (REST API "Gallery Image Versions - Get", example GalleryImageVersion_Get_WithReplicationStatus.json: region display
 * names, state, details, progress). `failReplication` (region -> Azure's details) makes every create or update that
 * replicates to the region fail there, leaving the version Failed.
 * Canaries: `vm create` makes a VM from a gallery version (with its VNet and NIC, as az's template does) in a group of
 * `resourceGroups`, records where its password came from (`@file`: the file's mode too) and refuses a password Azure
 * would refuse; `vm delete` (its NIC with it when its delete option says so), `network nic delete`, `network vnet
 * delete` and `resource list` work on `canaryVms`, `nics` and `vnets`. Deleting what does not exist succeeds (ARM's
 * 204), unless its resource group is missing. `canaryFaults` (region -> fault) makes a canary fail: 'create-fails'
 * (az vm create fails for quota after the VNet and NIC were made), 'wrong-name' (the guest's computer name is not the
 * one Azure gave), 'no-answer' (the page never answers), 'no-marker' (output cut before the result line) or
 * 'private-subnet' (the canary's subnet has no default outbound access, as an Azure Policy would make it: Run Command
 * runs the check but its output never comes back).
 * Run Command on a canary runs canary-check.ps1 (Url, ExpectedName, TimeoutSeconds).
 *
 * Scale sets: `vmss rolling-upgrade get-latest|start` and `vmss list-instances` work on `scaleSets` (`<group>/<name>` ->
 * its instances and latest rolling upgrade; a scale set is missing unless it is a key there: ResourceNotFound). With
 * `rollingUpgrade: null` no upgrade has ever run (404 NotFound, as Azure answers). An upgrade with `pendingShows` stays
 * as it is for that many `get-latest`s, then becomes `becomes` (Completed by default); once Completed, every instance
 * is on the latest model, and on its `targetVersion` when it has one. Without a given progress, the counts come from
 * the instances (latest: successful; others: pending). After `pendingLists` more `list-instances`, the instances become
 * `thenInstances` (Azure adding or removing some). A scale set on a gallery definition's latest (`galleryImage`, a key
 * of `galleryImages`) shows each instance's `version` as storageProfile.imageReference.exactVersion; `vmss
 * rolling-upgrade start` starts an upgrade to the version latest resolves to in the scale set's region (RollingForward
 * for `startedUpgradeShows` get-latests, 1 by default), refused while one is RollingForward; `platformStartsAfterLists`
 * makes Azure start its own after that many `list-instances`; `upgradeLeavesBehind` names instances an upgrade does not
 * move to its version.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const RESULT_MARKER = 'GOLDEN-IMAGE-SYSPREP-RESULT:';
const SETUP_START_MARKER = 'GOLDEN-IMAGE-SETUP-START:';
const SETUP_STATUS_MARKER = 'GOLDEN-IMAGE-SETUP-STATUS:';
const SETUP_RESULT_MARKER = 'GOLDEN-IMAGE-SETUP-RESULT:';
const SETUP_FINISH_MARKER = 'GOLDEN-IMAGE-SETUP-FINISH:';
const CANARY_MARKER = 'GOLDEN-IMAGE-CANARY-RESULT:';
/** The most setup-status.ps1 returns of the log at one poll (whole lines): Run Command keeps only 4096 bytes. */
const STATUS_CHUNK_BYTES = 3000;
/** Run Command returns the last 4096 bytes of each stream. */
const RUN_COMMAND_OUTPUT_BYTES = 4096;
const READY_STATE = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE';
// The operation that ends each transitional power state.
const SETTLED_POWER = { starting: 'running', stopping: 'stopped', deallocating: 'deallocated' };
/** The display names Azure reports regions by in a version's replication status (`az account list-locations`). */
const REGION_DISPLAY_NAMES = {
  westeurope: 'West Europe', northeurope: 'North Europe', swedencentral: 'Sweden Central', eastus: 'East US', westus: 'West US', uksouth: 'UK South',
};

/** `West Europe` -> `westeurope`. */
function canonicalRegion(name) {
  return String(name).toLowerCase().replace(/\s+/g, '');
}

/**
 * How a call ends (thrown, so that a failure deep in a command ends the call as process.exit ended the script): exit
 * code, what az printed, the signal that killed it, or `hang` for a call that never returns.
 */
class Outcome {
  constructor(result) {
    this.result = result;
  }
}

function exitWith(code, stderr) {
  throw new Outcome({ code, stdout: '', stderr: stderr ? (stderr.endsWith('\n') ? stderr : `${stderr}\n`) : '' });
}

function parserError(message) {
  exitWith(2, `ERROR: ${message}\n\nExamples from AI knowledge base:\nhttps://aka.ms/cli_ref`);
}

/** The result of a call that ended with `outcome`; anything else thrown is a bug of the fake (or a file az could not read). */
function resultOf(outcome) {
  if (outcome instanceof Outcome) {
    return outcome.result;
  }
  throw outcome;
}

/** The command words of an argv (`vm deallocate`): the arguments before the first option. */
function commandOf(argv) {
  const words = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) {
      break;
    }
    words.push(arg);
  }
  return words.join(' ');
}

// --- parsing, with az's aliases, `--option=value` and `@file` / `@-` expansion ---------------------------------
const ALIASES = {
  '-g': '--resource-group', '-n': '--name', '-o': '--output', '-u': '--username', '-p': '--password',
  '-t': '--tenant', '-i': '--identity', '-s': '--subscription', '-h': '--help',
};
const GLOBAL_OPTIONS = ['--output', '--query', '--only-show-errors', '--debug', '--verbose'];
const VM_OPTIONS = ['--subscription', '--resource-group', '--name', ...GLOBAL_OPTIONS];
// Checked against `az image create -h` etc. of azure-cli 2.45 (--ids and --edge-zone left out: the scripts never use them).
const IMAGE_CREATE_OPTIONS = ['--subscription', '--resource-group', '--name', '--source', '--location', '--hyper-v-generation', '--os-type',
  '--storage-sku', '--tags', '--os-disk-caching', '--data-disk-sources', '--data-disk-caching', '--zone-resilient', ...GLOBAL_OPTIONS];
const GALLERY_DEFINITION_OPTIONS = ['--subscription', '--resource-group', '--gallery-name', '--gallery-image-definition', ...GLOBAL_OPTIONS];
const GALLERY_VERSION_OPTIONS = [...GALLERY_DEFINITION_OPTIONS, '--gallery-image-version'];
const COMMANDS = {
  'account show': { options: ['--subscription', ...GLOBAL_OPTIONS] },
  // `az cloud set -h` of azure-cli 2.45: --name (-n), --profile.
  'cloud set': { options: ['--name', '--profile', ...GLOBAL_OPTIONS] },
  'login': { options: ['--service-principal', '--username', '--password', '--tenant', '--identity', '--allow-no-subscriptions', ...GLOBAL_OPTIONS] },
  'vm get-instance-view': { options: VM_OPTIONS },
  // `az vm image list -h` of azure-cli 2.45 (its short aliases -l -p -f -s are left out: -p and -s mean --password and
  // --subscription elsewhere here, and the operator writes long options).
  'vm image list': { options: ['--all', '--location', '--publisher', '--offer', '--sku', '--architecture', '--edge-zone', '--subscription', ...GLOBAL_OPTIONS] },
  // `az vm image show -h` and `az vm image terms show -h` of azure-cli 2.45 (short aliases left out, as above).
  'vm image show': { options: ['--location', '--urn', '--publisher', '--offer', '--sku', '--version', '--edge-zone', '--subscription', ...GLOBAL_OPTIONS] },
  'vm image terms show': { options: ['--urn', '--publisher', '--offer', '--plan', '--subscription', ...GLOBAL_OPTIONS] },
  'vm run-command invoke': { options: ['--command-id', '--scripts', '--parameters', ...VM_OPTIONS] },
  'vm deallocate': { options: VM_OPTIONS },
  'vm generalize': { options: VM_OPTIONS },
  'vm restart': { options: ['--force', '--no-wait', ...VM_OPTIONS] },
  // `az vm update -h` of azure-cli 2.45: the generic update's options and some of its own.
  'vm update': { options: [...VM_OPTIONS, '--set', '--add', '--remove', '--force-string', '--no-wait', '--ids', '--size', '--license-type'] },
  // `az version`: no options but the global ones.
  'version': { options: GLOBAL_OPTIONS },
  'image create': { options: IMAGE_CREATE_OPTIONS },
  'image list': { options: ['--subscription', '--resource-group', ...GLOBAL_OPTIONS] },
  'image show': { options: ['--subscription', '--resource-group', '--name', '--expand', ...GLOBAL_OPTIONS] },
  'image delete': { options: ['--subscription', '--resource-group', '--name', ...GLOBAL_OPTIONS] },
  // Checked against `az sig image-version create -h` etc. of azure-cli 2.45 (its short aliases -r -i -e are left out:
  // the scripts never use them; -i means --identity in `az login`).
  'sig image-version create': { options: [...GALLERY_VERSION_OPTIONS, '--allow-replicated-location-deletion', '--data-snapshot-luns',
    '--data-snapshots', '--data-vhds-luns', '--data-vhds-storage-accounts', '--data-vhds-uris', '--end-of-life-date', '--exclude-from-latest',
    '--image-version', '--location', '--managed-image', '--no-wait', '--os-snapshot', '--os-vhd-storage-account', '--os-vhd-uri', '--replica-count',
    '--replication-mode', '--storage-account-type', '--tags', '--target-edge-zone-encryption', '--target-edge-zones', '--target-region-cvm-encryption',
    '--target-region-encryption', '--target-regions', '--virtual-machine'] },
  'sig image-version show': { options: [...GALLERY_VERSION_OPTIONS, '--expand'] },
  'sig image-version list': { options: GALLERY_DEFINITION_OPTIONS },
  'sig image-version update': { options: [...GALLERY_VERSION_OPTIONS, '--allow-replicated-location-deletion', '--no-wait', '--replica-count',
    '--target-edge-zones', '--target-regions', '--add', '--force-string', '--remove', '--set'] },
  'sig image-version delete': { options: GALLERY_VERSION_OPTIONS },
  // `az vm create -h` of azure-cli 2.45: the options the scripts use and some neighbours.
  'vm create': { options: [...VM_OPTIONS, '--location', '--image', '--size', '--security-type', '--enable-secure-boot', '--enable-vtpm',
    '--admin-username', '--admin-password', '--authentication-type', '--computer-name', '--public-ip-address', '--public-ip-sku', '--nsg', '--nsg-rule',
    '--vnet-name', '--subnet', '--vnet-address-prefix', '--subnet-address-prefix', '--nic-delete-option', '--os-disk-delete-option',
    '--data-disk-delete-option', '--storage-sku', '--os-disk-caching', '--os-disk-size-gb', '--tags', '--zone', '--license-type', '--enable-agent',
    '--assign-identity', '--custom-data', '--user-data', '--priority', '--eviction-policy', '--no-wait', '--disable-integrity-monitoring',
    '--plan-name', '--plan-product', '--plan-publisher', '--plan-promotion-code'] },
  'vm delete': { options: [...VM_OPTIONS, '--yes', '--no-wait', '--force-deletion', '--ids'] },
  'network nic delete': { options: [...VM_OPTIONS, '--no-wait', '--ids'] },
  'network vnet delete': { options: [...VM_OPTIONS, '--no-wait', '--ids'] },
  'resource list': { options: ['--subscription', '--resource-group', '--location', '--name', '--namespace', '--resource-type', '--tag', ...GLOBAL_OPTIONS] },
  // The verify-scale-set step: only the options it uses (`az vmss list-instances` of azure-cli 2.45 also has --expand,
  // --filter, --select and --ids; `az vmss rolling-upgrade get-latest` and `start` --ids).
  'vmss rolling-upgrade get-latest': { options: VM_OPTIONS },
  'vmss rolling-upgrade start': { options: VM_OPTIONS },
  'vmss list-instances': { options: VM_OPTIONS },
};
const FLAGS = new Set(['--all', '--service-principal', '--identity', '--allow-no-subscriptions', '--only-show-errors', '--debug', '--verbose', '--force', '--no-wait',
  '--yes', '--force-string', '--disable-integrity-monitoring']);
// Arguments az's parser checks against a list of choices (exit 2 otherwise).
const CHOICES = {
  '--hyper-v-generation': ['V1', 'V2'],
  '--os-type': ['Linux', 'Windows'],
  '--storage-sku': ['Standard_LRS', 'Premium_LRS', 'StandardSSD_LRS', 'UltraSSD_LRS', 'Premium_ZRS', 'StandardSSD_ZRS'],
  '--exclude-from-latest': ['false', 'true'],
  '--allow-replicated-location-deletion': ['false', 'true'],
  '--replication-mode': ['Full', 'Shallow'],
  '--storage-account-type': ['Premium_LRS', 'Standard_LRS', 'Standard_ZRS'],
  // azure-cli 2.45 takes any text here (its enum model is missing from Debian's SDK); Azure knows these.
  '--security-type': ['Standard', 'TrustedLaunch', 'ConfidentialVM'],
  '--enable-secure-boot': ['false', 'true'],
  '--enable-vtpm': ['false', 'true'],
  '--nic-delete-option': ['Delete', 'Detach'],
  '--os-disk-delete-option': ['Delete', 'Detach'],
  '--architecture': ['Arm64', 'x64'],
};

// --- output, with the --query expressions the script uses ------------------------------------------------------
const QUERIES = {
  'id': (result) => result.id,
  // login: the cloud of the current session.
  'environmentName': (result) => result.environmentName,
  'instanceView.statuses[].code': (result) => result.instanceView.statuses.map((s) => s.code),
  'value[].message': (result) => result.value.map((v) => v.message),
  'value[].[code, message]': (result) => result.value.map((v) => [v.code, v.message]),
  '[[securityProfile.securityType, instanceView.hyperVGeneration]]': (result) => [[
    result.securityProfile?.securityType ?? null, result.instanceView?.hyperVGeneration ?? null,
  ]],
  // gallery-replicate: the version's replicas.
  'publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]': (result) =>
    result.publishingProfile.targetRegions.map((r) => [r.name, r.regionalReplicaCount, r.storageAccountType]),
};
// A field path: `name`, `publishingProfile.excludeFromLatest`, `tags."golden-image-revision"`.
const PATH = String.raw`(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]+")(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]+"))*`;
// One row of fields of an object: `[[a, b.c]]`.
const ROW_QUERY = new RegExp(String.raw`^\[\[(${PATH}(?:, ${PATH})*)\]\]$`);
// Rows of fields of every item of a list: `[].[a, b.c]` (the verify-scale-set step).
const PROJECTION_QUERY = new RegExp(String.raw`^\[\]\.\[(${PATH}(?:, ${PATH})*)\]$`);
// Rows of the items whose fields equal literals: `[?a=='x' && tags."t"=='y'].[b, c]` (the images, gallery and canary steps).
const FILTER_QUERY = new RegExp(String.raw`^\[\?(${PATH}=='[^']*'(?: && ${PATH}=='[^']*')*)\]\.\[(${PATH}(?:, ${PATH})*)\]$`);

/** A field of an object as JMESPath reads it: null when any step is missing. */
function field(object, path) {
  let value = object;
  for (const [, name, quoted] of path.matchAll(/(?:^|\.)(?:([A-Za-z_][A-Za-z0-9_]*)|"([^"]+)")/g)) {
    if (value === null || value === undefined || typeof value !== 'object') {
      return null;
    }
    value = value[name ?? quoted];
  }
  return value ?? null;
}

function selectByQuery(query, result) {
  const select = QUERIES[query];
  if (select) {
    return select(result);
  }
  const row = ROW_QUERY.exec(query);
  if (row) {
    return [row[1].split(', ').map((path) => field(result, path))];
  }
  const projection = PROJECTION_QUERY.exec(query);
  if (projection && Array.isArray(result)) {
    return result.map((item) => projection[1].split(', ').map((path) => field(item, path)));
  }
  const filter = FILTER_QUERY.exec(query);
  if (filter && Array.isArray(result)) {
    const conditions = filter[1].split(' && ').map((condition) => /^(.*)=='([^']*)'$/.exec(condition).slice(1));
    const columns = filter[2].split(', ');
    // JMESPath: a missing field (or tags: null) is null, and null == 'x' is false.
    return result.filter((item) => conditions.every(([path, literal]) => field(item, path) === literal))
      .map((item) => columns.map((path) => field(item, path)));
  }
  return parserError(`argument --query: the fake az does not implement '${query}'`);
}

/** One cell as knack's tsv writes it: str() of the value (None, True), a list's length, nothing for an object. */
function tsvCell(value) {
  if (value === null || value === undefined) {
    return 'None';
  }
  if (Array.isArray(value)) {
    return String(value.length);
  }
  if (typeof value === 'object') {
    return '';
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  return String(value);
}

function tsvRow(row) {
  if (Array.isArray(row)) {
    return row.map(tsvCell).join('\t');
  }
  if (row !== null && typeof row === 'object') {
    return Object.keys(row).sort().map((key) => tsvCell(row[key])).join('\t');
  }
  return typeof row === 'boolean' ? String(row) : tsvCell(row);
}

// --- faults -----------------------------------------------------------------------------------------------------
const TRANSIENT_ERRORS = {
  429: "ERROR: (TooManyRequests) The request is being throttled as the limit has been reached for operation type - Read_30Min. For more information, see - https://aka.ms/throttling\nCode: TooManyRequests\nMessage: The request is being throttled as the limit has been reached for operation type - Read_30Min.",
  // azure-core's two shapes of a server error: ARM's error body, or only the HTTP status when there is no body.
  500: 'ERROR: (InternalServerError) An internal server error occurred. Please try again later.\nCode: InternalServerError\nMessage: An internal server error occurred. Please try again later.',
  502: "ERROR: Operation returned an invalid status 'Bad Gateway'",
  503: 'ERROR: (ServiceUnavailable) The service is temporarily unavailable. Please try again later.\nCode: ServiceUnavailable',
  504: "ERROR: (GatewayTimeout) The gateway did not receive a response from 'Microsoft.Compute' within the specified time period.\nCode: GatewayTimeout\nMessage: The gateway did not receive a response from 'Microsoft.Compute' within the specified time period.",
  connection: "ERROR: HTTPSConnectionPool(host='management.azure.com', port=443): Max retries exceeded with url: /subscriptions (Caused by NewConnectionError('Failed to establish a new connection: [Errno 101] Network is unreachable'))",
};

/**
 * What az prints and how it exits when it cannot do its work at all (`faults` in the state): the CLI crashing (an
 * unexpected Python exception; a module missing at start-up, or in a subcommand as Debian's azure-cli 2.45 does for
 * `az vm deallocate`; its launcher finding no interpreter, or no permission; killed by a signal), Azure refusing the
 * session's token mid-run, and Run Command finding the VM agent not ready (the wordings of Azure's answers, with the
 * name the call gives: --name).
 */
const PYTHON_FRAMES = [
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3/dist-packages/knack/cli.py", line 233, in invoke',
  '    cmd_result = self.invocation.execute(args)',
  '                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
  '  File "/usr/lib/python3/dist-packages/azure/cli/core/commands/__init__.py", line 561, in execute',
  '    self.commands_loader.load_arguments(command)',
];
const AZ_ISSUES = 'To check existing issues, please visit: https://github.com/Azure/azure-cli/issues\nTo open a new issue, please run `az feedback`';
const expiredArmToken = (code, message) => `ERROR: (${code}) ${message}\nCode: ${code}\nMessage: ${message}`;
const AZ_FAULTS = {
  'crash': () => ({ code: 1, stderr: ['ERROR: The command failed with an unexpected error. Here is the traceback:', "ERROR: 'NoneType' object has no attribute 'get'",
    ...PYTHON_FRAMES, '  File "/usr/lib/python3/dist-packages/azure/cli/core/_profile.py", line 347, in get_subscription',
    "AttributeError: 'NoneType' object has no attribute 'get'", AZ_ISSUES].join('\n') }),
  'startup-crash': () => ({ code: 1, stderr: ['Traceback (most recent call last):', '  File "<frozen runpy>", line 198, in _run_module_as_main',
    '  File "/usr/lib/python3/dist-packages/azure/cli/__main__.py", line 13, in <module>', '    from azure.cli.core import telemetry',
    '  File "/usr/lib/python3/dist-packages/azure/cli/core/_profile.py", line 13, in <module>', '    from msal import PublicClientApplication',
    "ModuleNotFoundError: No module named 'msal'"].join('\n') }),
  // Word for word what Debian's azure-cli 2.45 prints for `az vm deallocate` (before any request).
  'missing-module': () => ({ code: 1, stderr: ['ERROR: The command failed with an unexpected error. Here is the traceback:',
    "ERROR: No module named 'azure.mgmt.compute.v2022_11_01'", ...PYTHON_FRAMES,
    '  File "/usr/lib/python3.11/importlib/__init__.py", line 126, in import_module', '    return _bootstrap._gcd_import(name[level:], package, level)',
    '  File "<frozen importlib._bootstrap>", line 1142, in _find_and_load_unlocked',
    "ModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'", AZ_ISSUES].join('\n') }),
  'import-error': () => ({ code: 1, stderr: ['ERROR: The command failed with an unexpected error. Here is the traceback:',
    "ERROR: cannot import name 'RunCommandInput' from 'azure.mgmt.compute.v2022_08_01.models' (/usr/lib/python3/dist-packages/azure/mgmt/compute/v2022_08_01/models/__init__.py)",
    ...PYTHON_FRAMES,
    "ImportError: cannot import name 'RunCommandInput' from 'azure.mgmt.compute.v2022_08_01.models' (/usr/lib/python3/dist-packages/azure/mgmt/compute/v2022_08_01/models/__init__.py)",
    AZ_ISSUES].join('\n') }),
  'no-interpreter': () => ({ code: 127, stderr: '/usr/bin/az: line 3: /opt/az/bin/python3: No such file or directory' }),
  'not-executable': () => ({ code: 126, stderr: '/usr/bin/az: line 3: /opt/az/bin/python3: Permission denied' }),
  'killed': () => ({ signal: 'SIGKILL' }),
  'authorization': () => ({ code: 1, stderr: "ERROR: (AuthorizationFailed) The client 'operator@example.com' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/write' over scope '/subscriptions/x/resourceGroups/rg-golden/providers/Microsoft.Compute/virtualMachines/vm-golden' or the scope is invalid.\nCode: AuthorizationFailed" }),
  'refresh-token-expired': () => ({ code: 1, stderr: 'ERROR: AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-08-01T09:12:44.0000000Z and was inactive for 90.00:00:00. Trace ID: 0b7f6f43-8c1e-4c2e-9f0d-3a5b2c1d0e00 Correlation ID: 5d2a8c7e-1f3b-4a6d-9e8f-7c6b5a4d3e2f Timestamp: 2026-11-29 10:04:12Z\nInteractive authentication is needed. Please run:\naz login --scope https://management.core.windows.net//.default' }),
  'token-revoked': () => ({ code: 1, stderr: "ERROR: AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '2026-11-01T08:00:00.0000000Z' and the TokensValidFrom date (before which tokens are not valid) for this user is '2026-11-29T09:30:00.0000000Z'. Trace ID: 1c2d3e4f-0000-4000-8000-000000000001\nInteractive authentication is needed. Please run:\naz login --scope https://management.core.windows.net//.default" }),
  'access-token-expired': () => ({ code: 1, stderr: expiredArmToken('InvalidAuthenticationTokenTokenExpired', "The access token expiry UTC time '11/29/2026 10:00:00 AM' is earlier than current UTC time '11/29/2026 10:04:12 AM'.") }),
  'expired-authentication-token': () => ({ code: 1, stderr: expiredArmToken('ExpiredAuthenticationToken', 'The access token has expired. Acquire a new access token and send the request again.') }),
  'session-lost': () => ({ code: 1, stderr: "ERROR: Please run 'az login' to setup account." }),
  // azure-powershell issue 5741 (VMAgentStatusCommunicationError), azure-linux-extensions issue 684 (extension status).
  'agent-not-ready': (vmName) => {
    const message = `VM '${vmName}' has not reported status for VM agent or extensions. Please verify the VM has a running VM agent, and can establish outbound connections to Azure storage.`;
    return { code: 1, stderr: `ERROR: (VMAgentStatusCommunicationError) ${message}\nCode: VMAgentStatusCommunicationError\nMessage: ${message}` };
  },
  'agent-extension-status': (vmName) => ({ code: 1, stderr: `ERROR: VM agent on VM '${vmName}' has not reported latest status for extension 'RunCommandWindows'. Please verify the VM.` }),
};

// --- what Run Command returns from the guest ----------------------------------------------------------------------
/** The last 4096 bytes of a stream, as Run Command keeps them. */
function lastBytes(text) {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= RUN_COMMAND_OUTPUT_BYTES ? text : bytes.subarray(bytes.length - RUN_COMMAND_OUTPUT_BYTES).toString('utf8');
}

function guestOutput(lines, errorLines = []) {
  return { value: [
    { code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(lines.join('\n')) },
    { code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(errorLines.join('\n')) },
  ] };
}

// An uncaught PowerShell error as Run Command reports it: on StdErr, with the script's exit code nowhere in az's result.
const POWERSHELL_EXCEPTION = [
  'Exception calling "Start" with "0" argument(s): "Access is denied"',
  'At C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\1.1.18\\Downloads\\script0.ps1:102 char:3',
  "+   $process = Start-Process -FilePath $SysprepExe -ArgumentList '/oobe', ...",
  '+   ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
  '    + CategoryInfo          : NotSpecified: (:) [], MethodInvocationException',
  '    + FullyQualifiedErrorId : Win32Exception',
];

// --- the detached setup in the guest (setup-start.ps1, setup-status.ps1, setup-finish.ps1) ---------------------
const DEFAULT_SETUP = { outcome: 'succeeds', polls: 2, lines: ['==> [0s] install IIS', 'Success Restart Needed Exit Code      Feature Result', '==> [42s] smoke test', 'smoke test: http://localhost/ answered 200'] };
const SETUP_LOG = 'C:\\GoldenImage\\setup.log';

/**
 * The setup log after `polls` status polls since the setup started: the lines spread over `setup.polls` polls, then
 * (at that poll) the result line, unless the process died. UTF-8, one `\n` after each line, as setup-prelude.ps1 writes.
 */
function setupLog(setup) {
  const done = setup.statusPolls >= setup.polls;
  const count = done ? setup.lines.length : Math.floor((setup.statusPolls * setup.lines.length) / setup.polls);
  const lines = setup.lines.slice(0, count);
  if (done && setup.outcome === 'succeeds') {
    lines.push(`${SETUP_RESULT_MARKER} SUCCESS`);
  } else if (done && setup.outcome === 'fails') {
    lines.push(`${SETUP_RESULT_MARKER} FAILURE step '${setup.failingStep ?? 'install IIS'}': ${setup.failureMessage ?? 'Install-WindowsFeature: The request to add or remove features on the specified server failed.'}`);
  }
  return { text: lines.map((line) => `${line}\n`).join(''), done };
}

// --- canary VMs (the gallery-canary step) -----------------------------------------------------------------------------
const GALLERY_VERSION_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/i;

function sameName(a, b) {
  return String(a).toLowerCase() === String(b).toLowerCase();
}

/** Azure's rule for a Windows password: 12-123 characters, of at least 3 of lower case, upper case, digit, other. */
function passwordAccepted(password) {
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((kind) => kind.test(password)).length;
  return password.length >= 12 && password.length <= 123 && kinds >= 3;
}

/**
 * Parses one call of az (`argv`, without `az`) against `state` and returns how to answer it: `run()` answers it, changing
 * `state` in place. A call az's parser refuses gets its answer (exit 2) from `run()` too, with `parserError` set: the CLI
 * wrapper holds (`holdUntil`) only the calls that parsed, as the script did.
 *
 *   env    the variables of the call (AZURE_CONFIG_DIR: where `az login` keeps its session); none by default
 *   stdin  what `@-` reads (a string, or a function that reads it: called once, at the first `@-`); '' by default
 *   cwd    the directory `@path` arguments are relative to; process.cwd() by default
 */
function prepareAz({ argv, env = {}, stdin, state, cwd = process.cwd() }) {
  argv = [...argv];
  const commandName = commandOf(argv);
  let stdinRead = false;
  /** Standard input, read at its first use (a second `@-` reads nothing, as from a pipe at its end). */
  function readStdin() {
    if (stdinRead) {
      return '';
    }
    stdinRead = true;
    return (typeof stdin === 'function' ? stdin() : stdin) ?? '';
  }

  function expandFile(value) {
    // Like azure-cli's _expand_file_prefixed_files: `@-` is standard input, `@path` a file (kept as is if unreadable).
    if (!value.startsWith('@') || value.length === 1) {
      return { value, from: 'argument' };
    }
    if (value === '@-') {
      return { value: readStdin().replace(/\n+$/, ''), from: 'stdin' };
    }
    const file = value.slice(1);
    const fullPath = path.resolve(cwd, file);
    try {
      return { value: fs.readFileSync(fullPath, 'utf8').replace(/\n+$/, ''), from: 'file', file, fullPath };
    } catch {
      return { value, from: 'argument' };
    }
  }

  // --- parsing, with az's aliases, `--option=value` and `@file` / `@-` expansion -------------------------------
  const options = {};
  function parse() {
    let i = 0;
    while (i < argv.length && !argv[i].startsWith('-')) {
      i += 1;
    }
    const command = COMMANDS[commandName];
    if (!command) {
      parserError(`'${commandName}' is not a command supported by the fake az`);
    }
    while (i < argv.length) {
      let token = argv[i++];
      let inline;
      const eq = token.indexOf('=');
      if (token.startsWith('--') && eq > 0) {
        inline = token.slice(eq + 1);
        token = token.slice(0, eq);
      }
      const name = ALIASES[token] ?? token;
      if (!name.startsWith('--') || !command.options.includes(name)) {
        parserError(`unrecognized arguments: ${token}`);
      }
      const values = [];
      if (inline !== undefined) {
        values.push(inline);
      } else if (!FLAGS.has(name)) {
        while (i < argv.length && !argv[i].startsWith('-')) {
          values.push(argv[i++]);
        }
        if (values.length === 0) {
          parserError(`argument ${name}: expected at least one argument`);
        }
      }
      options[name] = values.map(expandFile);
      const choices = CHOICES[name];
      if (choices && !choices.includes(values[0])) {
        parserError(`argument ${name}: invalid choice: '${values[0]}' (choose from ${choices.map((c) => `'${c}'`).join(', ')})`);
      }
    }
  }
  const option = (name) => options[name]?.[0]?.value;

  // --- output ------------------------------------------------------------------------------------------------------
  function output(result) {
    const query = option('--query');
    let data = result;
    if (query !== undefined) {
      data = selectByQuery(query, result);
    }
    const format = option('--output') ?? 'json';
    if (format === 'none' || data === undefined) {
      return '';
    }
    if (format === 'tsv') {
      const rows = Array.isArray(data) ? data : [data];
      return rows.map((row) => tsvRow(row) + '\n').join('');
    }
    if (format === 'json') {
      return JSON.stringify(data, null, 2) + '\n';
    }
    return parserError(`argument --output/-o: invalid choice: '${format}'`);
  }

  function succeed(result) {
    const text = output(result);
    countTowardsDeletion();
    throw new Outcome({ code: 0, stdout: text, stderr: '' });
  }

  // --- faults -----------------------------------------------------------------------------------------------------
  function injectFaults() {
    const scriptName = options['--scripts']?.[0]?.file === undefined ? undefined : path.basename(options['--scripts'][0].file);
    const fault = (state.faults ?? []).find((f) => f.command === commandName && (f.times === undefined || f.times > 0) && (f.script === undefined || f.script === scriptName));
    if (fault) {
      if (fault.times !== undefined) {
        fault.times -= 1;
      }
      const injected = AZ_FAULTS[fault.fault](option('--name'));
      if (injected.signal) {
        // Killed: the shell sees 128 + the signal's number.
        throw new Outcome({ code: 128 + os.constants.signals[injected.signal], stdout: '', stderr: '', signal: injected.signal });
      }
      exitWith(injected.code, injected.stderr);
    }
    const transient = (state.transient ?? []).find((t) => t.command === commandName && t.times > 0 && (t.script === undefined || t.script === scriptName));
    if (transient) {
      transient.times -= 1;
      exitWith(1, TRANSIENT_ERRORS[transient.error]);
    }
    if ((state.hang ?? []).includes(commandName)) {
      if (commandName === 'vm deallocate' && state.power === 'running') {
        // Azure accepted the operation; only the client waits for it.
        state.power = 'deallocating';
      }
      throw new Outcome({ code: null, stdout: '', stderr: '', hang: true });
    }
  }

  // --- session ------------------------------------------------------------------------------------------------------
  function sessionFile() {
    return env.AZURE_CONFIG_DIR ? path.join(env.AZURE_CONFIG_DIR, 'fake-az-session.json') : undefined;
  }

  function hasSession() {
    // The operator's own session (`loggedIn`), or one made by `az login` in the current AZURE_CONFIG_DIR.
    const file = sessionFile();
    return state.loggedIn === true || (file !== undefined && fs.existsSync(file));
  }

  function requireSession() {
    if (!hasSession()) {
      exitWith(1, "ERROR: Please run 'az login' to setup account.");
    }
  }

  function cloudFile() {
    return env.AZURE_CONFIG_DIR ? path.join(env.AZURE_CONFIG_DIR, 'fake-az-cloud') : undefined;
  }

  /** The cloud `az cloud set` chose in the current AZURE_CONFIG_DIR; the operator's own session's (`state.cloud`); AzureCloud. */
  function sessionCloud() {
    const file = cloudFile();
    if (file !== undefined && fs.existsSync(file)) {
      return fs.readFileSync(file, 'utf8');
    }
    return state.cloud ?? 'AzureCloud';
  }

  /** `az cloud set --name`: one of az's built-in clouds (`az cloud list`), for the logins that follow in this config. */
  function cloudSet() {
    const name = option('--name');
    if (!['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'].includes(name)) {
      exitWith(1, `ERROR: Unable to find cloud '${name}'.`);
    }
    fs.writeFileSync(cloudFile(), name);
    succeed(undefined);
  }

  function login() {
    let identity;
    if (options['--identity']) {
      if (!state.managedIdentity) {
        exitWith(1, 'ERROR: Failed to connect to MSI. Please make sure MSI is configured correctly.');
      }
      identity = 'managed-identity';
    } else if (options['--service-principal']) {
      const sp = state.servicePrincipal ?? {};
      const password = options['--password']?.[0];
      state.passwordSources = [...(state.passwordSources ?? []), password?.from];
      if (option('--username') !== sp.clientId || option('--tenant') !== sp.tenantId || password?.value !== sp.secret) {
        exitWith(1, 'ERROR: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.');
      }
      identity = sp.clientId;
    } else {
      exitWith(1, 'ERROR: the fake az supports only --service-principal and --identity logins');
    }
    const file = sessionFile();
    if (!file) {
      exitWith(1, 'ERROR: the fake az expects AZURE_CONFIG_DIR to be set for a login');
    }
    fs.writeFileSync(file, JSON.stringify({ identity }));
    state.logins = [...(state.logins ?? []), { identity, configDir: env.AZURE_CONFIG_DIR }];
    succeed([{ id: state.subscriptionId, isDefault: true }]);
  }

  // --- the VM -------------------------------------------------------------------------------------------------------
  function resourceNotFound() {
    const resource = `The Resource 'Microsoft.Compute/virtualMachines/${option('--name')}' under resource group '${option('--resource-group')}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
    exitWith(3, `ERROR: (ResourceNotFound) ${resource}\nCode: ResourceNotFound\nMessage: ${resource}`);
  }

  function requireVm() {
    const subscription = option('--subscription');
    if (subscription !== undefined && subscription !== state.subscriptionId) {
      exitWith(1, `ERROR: Subscription '${subscription}' not found. Check the spelling and casing and try again.`);
    }
    if (state.deleted === 'resource-group' && option('--resource-group') === state.resourceGroup) {
      const group = `Resource group '${state.resourceGroup}' could not be found.`;
      exitWith(3, `ERROR: (ResourceGroupNotFound) ${group}\nCode: ResourceGroupNotFound\nMessage: ${group}`);
    }
    if (state.deleted === 'vm' || option('--resource-group') !== state.resourceGroup || option('--name') !== state.vmName) {
      resourceNotFound();
    }
  }

  /** Counts a successful call towards `deleteAfter`: the VM (or its group) is gone once the count is reached. */
  function countTowardsDeletion() {
    const deletion = state.deleteAfter;
    if (!deletion || deletion.command !== commandName || state.deleted) {
      return;
    }
    deletion.calls = (deletion.calls ?? 1) - 1;
    if (deletion.calls <= 0) {
      state.deleted = deletion.what ?? 'vm';
    }
  }

  /** Azure finishing a start, stop or deallocation after `settlesAfter` more looks at the instance view. */
  function settle() {
    const settled = SETTLED_POWER[state.power];
    if (settled === undefined || state.settlesAfter === undefined) {
      return;
    }
    if (state.settlesAfter <= 0) {
      state.power = settled;
      delete state.settlesAfter;
    } else {
      state.settlesAfter -= 1;
    }
  }

  function instanceView() {
    const statuses = [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' }];
    if (state.osState === 'generalized') {
      statuses.push({ code: 'OSState/generalized', level: 'Info', displayStatus: 'VM generalized' });
    }
    statuses.push({ code: `PowerState/${state.power}`, level: 'Info', displayStatus: `VM ${state.power}` });
    // A Standard VM has no securityProfile; the platform reports the Hyper-V generation in the instance view.
    const securityProfile = state.securityType === undefined ? null : { securityType: state.securityType, uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } };
    return {
      id: vmId(), name: state.vmName, tags: state.vmTags ?? {}, securityProfile, instanceView: { hyperVGeneration: state.hyperVGeneration ?? null, statuses },
    };
  }
  // The guest scripts Run Command can run, by file name, with a text each must hold (so that a test notices a wrong file).
  const GUEST_SCRIPTS = {
    'generalize.ps1': { mustHold: [READY_STATE, RESULT_MARKER], run: (parameters) => sysprepScript(parameters) },
    'setup-start.ps1': { mustHold: [SETUP_START_MARKER], run: () => setupStart() },
    'setup-status.ps1': { mustHold: [SETUP_STATUS_MARKER], run: (parameters) => setupStatus(parameters) },
    'setup-finish.ps1': { mustHold: [SETUP_FINISH_MARKER], run: (parameters) => setupFinish(parameters) },
    'canary-check.ps1': { mustHold: [CANARY_MARKER, '$env:COMPUTERNAME'], run: (parameters, vm) => canaryCheck(parameters, vm) },
  };

  function runCommand() {
    if (option('--command-id') !== 'RunPowerShellScript') {
      exitWith(1, `ERROR: (BadRequest) The command id '${option('--command-id')}' is not a Windows command.`);
    }
    const script = options['--scripts']?.[0];
    if (!script || script.from !== 'file') {
      exitWith(1, 'ERROR: fake az: --scripts must load a guest script from a file (@path)');
    }
    const name = path.basename(script.file);
    const guestScript = GUEST_SCRIPTS[name];
    if (!guestScript || !guestScript.mustHold.every((text) => script.value.includes(text))) {
      exitWith(1, `ERROR: fake az: --scripts @${script.file}: not a guest script the fake knows (${Object.keys(GUEST_SCRIPTS).join(', ')}), or without its marker`);
    }
    // A canary runs only the canary check, and the build VM everything else.
    const canary = findCanaryVm();
    if ((name === 'canary-check.ps1') !== (canary !== undefined)) {
      exitWith(1, `ERROR: fake az: ${name} on ${canary ? 'a canary VM' : 'the build VM'}: not a script the operator runs there`);
    }
    if (!canary && state.power !== 'running') {
      exitWith(1, `ERROR: (OperationNotAllowed) Operation 'RunCommand' is not allowed since the VM is ${state.power}.\nCode: OperationNotAllowed`);
    }
    if ((state.runCommandInProgress ?? 0) > 0) {
      state.runCommandInProgress -= 1;
      const message = 'Run command extension execution is in progress. Please wait for completion before invoking a run command.';
      exitWith(1, `ERROR: (Conflict) ${message}\nCode: Conflict\nMessage: ${message}`);
    }
    const parameters = Object.fromEntries((options['--parameters'] ?? []).map((p) => {
      const eq = p.value.indexOf('=');
      return eq < 0 ? [p.value, ''] : [p.value.slice(0, eq), p.value.slice(eq + 1)];
    }));
    state.guestScriptRuns = [...(state.guestScriptRuns ?? []), name];
    if ((state.runCommandOutput === 'none' && !canary) || (canary && !canaryHasOutboundAccess(canary))) {
      // The script ran, but its output never came back: a VM without outbound access to Azure (Run Command's docs).
      try {
        guestScript.run(parameters, canary);
      } catch (outcome) {
        resultOf(outcome);
      }
      return succeed({ value: [] });
    }
    return guestScript.run(parameters, canary);
  }

  function sysprepScript(parameters) {
    const timeout = parameters.TimeoutSeconds;
    state.sysprepRuns = (state.sysprepRuns ?? 0) + 1;
    if (state.guestImageState === READY_STATE) {
      return succeed(guestOutput([`[guest +0s] sysprep: already generalized in the guest (ImageState ${READY_STATE}): not running Sysprep again`, `${RESULT_MARKER} SUCCESS`]));
    }
    const started = [
      '[guest +0s] agent: service RdAgent is running',
      '[guest +0s] agent: service WindowsAzureGuestAgent is running',
      '[guest +0s] cleanup: removed C:\\AzureData\\CustomData.bin',
      '[guest +1s] sysprep: starting C:\\Windows\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quiet /quit /mode:vm (ImageState IMAGE_STATE_COMPLETE)',
    ];
    state.sysprepStarts = (state.sysprepStarts ?? 0) + 1;
    if (state.sysprep === 'never-reaches-oobe') {
      // Sysprep gave up half-way, as it does when an Appx package blocks it.
      state.guestImageState = 'IMAGE_STATE_UNDEPLOYABLE';
      return succeed(guestOutput([
        ...started,
        `[guest +${timeout}s] sysprep: waiting for ${READY_STATE} (ImageState IMAGE_STATE_UNDEPLOYABLE, ${timeout}s of ${timeout}s)`,
        '----- last 14 lines of C:\\Windows\\System32\\Sysprep\\Panther\\setupact.log -----',
        'Info SYSPRP ======================================================',
        'Info SYSPRP ========== Sysprep Generalize Validation ==========',
        'Error SYSPRP Package Microsoft.LanguageExperiencePackfr-FR_19041.1.2.0_neutral__8wekyb3d8bbwe was installed for a user, but not provisioned for all users.',
        '----- last 8 lines of C:\\Windows\\System32\\Sysprep\\Panther\\setuperr.log -----',
        'Error SYSPRP Failed to remove apps for the current user: 0x80073cf2.',
        'Error [0x0f0082] SYSPRP ActionPlatform::LaunchModule: Failure occurred while executing \'SysprepGeneralizeValidate\' from C:\\Windows\\System32\\AppxSysprep.dll; dwRet = 0x3cf2',
        `${RESULT_MARKER} FAILURE timed out after ${timeout} s: ImageState is IMAGE_STATE_UNDEPLOYABLE, not ${READY_STATE}`,
      ]));
    }
    if (state.sysprep === 'no-marker') {
      return succeed(guestOutput(started));
    }
    if (state.sysprep === 'exception') {
      return succeed(guestOutput(started, POWERSHELL_EXCEPTION));
    }
    if (state.sysprep === 'completes-with-stderr') {
      // A non-terminating error that the script does not stop for (the file went away between the test and the removal).
      state.guestImageState = READY_STATE;
      return succeed(guestOutput([...started, `[guest +40s] sysprep: ImageState is ${READY_STATE}`, `${RESULT_MARKER} SUCCESS`], [
        "Remove-Item : Cannot find path 'C:\\AzureData\\CustomData.bin' because it does not exist.",
        '    + CategoryInfo          : ObjectNotFound: (C:\\AzureData\\CustomData.bin:String) [Remove-Item], ItemNotFoundException',
      ]));
    }
    if (state.sysprep === 'exception-and-failure-marker') {
      return succeed(guestOutput([...started, `${RESULT_MARKER} FAILURE unexpected error: Access is denied`], POWERSHELL_EXCEPTION));
    }
    state.guestImageState = READY_STATE;
    return succeed(guestOutput([
      ...started,
      `[guest +12s] sysprep: waiting for ${READY_STATE} (ImageState IMAGE_STATE_UNDEPLOYABLE, 12s of ${timeout}s)`,
      `[guest +40s] sysprep: ImageState is ${READY_STATE}`,
      `${RESULT_MARKER} SUCCESS`,
    ]));
  }

  // --- the detached setup in the guest (setup-start.ps1, setup-status.ps1, setup-finish.ps1) ---------------------
  function setupOf() {
    state.setup = { ...DEFAULT_SETUP, ...(state.setup ?? {}) };
    return state.setup;
  }


  function setupStart() {
    const setup = setupOf();
    const copied = [
      '[guest +0s] setup: custom data copied to C:\\GoldenImage\\setup.ps1 (administrators only)',
    ];
    let result;
    if (setup.phase === 'removed') {
      result = 'NO-SETUP';
      copied.length = 0;
      copied.push('[guest +0s] setup: no C:\\GoldenImage\\setup.ps1, no custom data and no task: nothing to start');
    } else if (setup.phase === 'running') {
      result = 'RUNNING';
      copied.push('[guest +0s] setup: scheduled task GoldenImageSetup is running: not starting it again');
    } else if (setup.phase === 'ended' && setup.result === 'succeeded') {
      result = 'SUCCEEDED';
      copied.push(`[guest +0s] setup: ${SETUP_LOG} ends with ${SETUP_RESULT_MARKER} SUCCESS: not starting it again`);
    } else {
      // Never started, or an earlier attempt failed or died: (re)started from the beginning, with a new log.
      result = 'STARTED';
      setup.phase = 'running';
      setup.statusPolls = 0;
      delete setup.result;
      setup.starts = (setup.starts ?? 0) + 1;
      copied.push('[guest +1s] setup: scheduled task GoldenImageSetup registered and started as SYSTEM');
    }
    return succeed(guestOutput([...copied, `${SETUP_START_MARKER} ${result}`]));
  }

  function setupStatus(parameters) {
    const setup = setupOf();
    const offsetText = parameters.Offset;
    if (offsetText === undefined || !/^(0|[1-9][0-9]*)$/.test(offsetText)) {
      exitWith(1, `ERROR: fake az: setup-status.ps1 needs Offset=<bytes>, got ${JSON.stringify(offsetText)}`);
    }
    if (setup.phase === undefined || setup.phase === 'removed') {
      return succeed(guestOutput([`${SETUP_STATUS_MARKER} missing ${offsetText}`]));
    }
    if (setup.phase === 'running') {
      setup.statusPolls = (setup.statusPolls ?? 0) + 1;
    }
    const { text, done } = setupLog(setup);
    if (done) {
      setup.phase = 'ended';
      setup.result = { succeeds: 'succeeded', fails: 'failed', dies: 'died' }[setup.outcome];
    }
    const log = Buffer.from(text, 'utf8');
    let offset = Number(offsetText);
    setup.offsets = [...(setup.offsets ?? []), offset];
    // An offset that is not where a line starts is a bug of the caller: recorded, and read from the next line start.
    if (offset > log.length || (offset > 0 && log[offset - 1] !== 0x0a)) {
      setup.badOffsets = [...(setup.badOffsets ?? []), offset];
      offset = Math.min(offset, log.length);
      while (offset > 0 && offset < log.length && log[offset - 1] !== 0x0a) {
        offset += 1;
      }
    }
    // Whole lines, at most STATUS_CHUNK_BYTES (a longer single line alone).
    let end = offset;
    while (end < log.length) {
      const newline = log.indexOf(0x0a, end);
      const next = newline < 0 ? log.length : newline + 1;
      if (next - offset > STATUS_CHUNK_BYTES && end > offset) {
        break;
      }
      end = next;
    }
    const lines = log.subarray(offset, end).toString('utf8').split('\n').filter((line, i, all) => i < all.length - 1 || line !== '');
    let status;
    if (end < log.length || !done) {
      status = `running ${end}`;
    } else if (setup.outcome === 'succeeds') {
      status = `succeeded ${end}`;
    } else if (setup.outcome === 'fails') {
      status = `failed ${end}`;
    } else {
      // The task's last result (decimal, as setup-status.ps1 prints it): 0x8007042B, the process was terminated.
      status = `ended 2147943467 ${end}`;
    }
    return succeed(guestOutput([...lines, `${SETUP_STATUS_MARKER} ${status}`]));
  }

  function setupFinish(parameters) {
    const setup = setupOf();
    const keep = parameters.KeepSetupFiles;
    if (keep !== 'true' && keep !== 'false') {
      exitWith(1, `ERROR: fake az: setup-finish.ps1 needs KeepSetupFiles=true|false, got ${JSON.stringify(keep)}`);
    }
    state.finishRuns = (state.finishRuns ?? 0) + 1;
    if (setup.phase === 'running') {
      return succeed(guestOutput([`${SETUP_FINISH_MARKER} FAILURE the setup task GoldenImageSetup is still running`]));
    }
    const lines = [];
    if (setup.phase !== 'removed') {
      lines.push('[guest +0s] cleanup: removed scheduled task GoldenImageSetup');
      lines.push(keep === 'true'
        ? '[guest +0s] cleanup: kept C:\\GoldenImage\\setup.ps1 and setup.log (administrators only)'
        : '[guest +0s] cleanup: removed C:\\GoldenImage');
      lines.push('[guest +0s] cleanup: removed C:\\AzureData\\CustomData.bin');
      setup.phase = 'removed';
      setup.keptFiles = keep === 'true';
    }
    const pending = state.rebootPending === 'always' || (state.rebootPending ?? 0) > 0;
    lines.push(pending
      ? `${SETUP_FINISH_MARKER} REBOOT-PENDING ComponentBasedServicing,PendingFileRenameOperations`
      : `${SETUP_FINISH_MARKER} CLEAN`);
    return succeed(guestOutput(lines));
  }

  function restart() {
    if (state.power !== 'running') {
      exitWith(1, `ERROR: (OperationNotAllowed) Operation 'restart' is not allowed on VM '${state.vmName}' since the VM is ${state.power === 'deallocated' ? 'deallocated' : `marked as ${state.power}`}.\nCode: OperationNotAllowed`);
    }
    state.restarts = (state.restarts ?? 0) + 1;
    if (typeof state.rebootPending === 'number' && state.rebootPending > 0) {
      state.rebootPending -= 1;
    }
    if (state.setup?.phase === 'running') {
      // A restart kills the setup's process: its task ends without a result line.
      state.setup.outcome = 'dies';
      state.setup.polls = state.setup.statusPolls ?? 0;
    }
    state.power = 'running';
    succeed(undefined);
  }

  // --- managed images ----------------------------------------------------------------------------------------------
  function requireSubscription() {
    const subscription = option('--subscription');
    if (subscription !== undefined && subscription !== state.subscriptionId) {
      exitWith(1, `ERROR: Subscription '${subscription}' not found. Check the spelling and casing and try again.`);
    }
  }

  /** The images of the command's resource group; ResourceGroupNotFound when it does not exist. */
  function imagesOfGroup() {
    requireSubscription();
    const group = option('--resource-group');
    state.images = state.images ?? {};
    const exists = group in state.images || (group === state.resourceGroup && state.deleted !== 'resource-group');
    if (!exists) {
      const message = `Resource group '${group}' could not be found.`;
      exitWith(3, `ERROR: (ResourceGroupNotFound) ${message}\nCode: ResourceGroupNotFound\nMessage: ${message}`);
    }
    state.images[group] = state.images[group] ?? [];
    return state.images[group];
  }

  function imageId(group, name) {
    return `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/images/${name}`;
  }

  /**
   * `az vm update --set tags.<key>=<value>`: the generic update (GET, change, PUT) of the VM's tags. Azure refuses any
   * change to a generalized VM ("Operation 'update' is not allowed on VM '...' since the VM is generalized": the
   * OperationNotAllowed of "Create a legacy managed image" on Microsoft Learn: a generalized VM can no longer be
   * modified).
   */
  function vmUpdate() {
    const sets = (options['--set'] ?? []).map((v) => v.value);
    if (sets.length === 0) {
      exitWith(1, 'ERROR: fake az: vm update needs --set tags.<key>=<value>');
    }
    if (state.osState === 'generalized') {
      const message = `Operation 'update' is not allowed on VM '${state.vmName}' since the VM is generalized.`;
      exitWith(1, `ERROR: (OperationNotAllowed) ${message}\nCode: OperationNotAllowed\nMessage: ${message}`);
    }
    const tags = { ...(state.vmTags ?? {}) };
    for (const assignment of sets) {
      const match = /^tags\.([^=]+)=(.*)$/.exec(assignment);
      if (!match) {
        exitWith(1, `ERROR: fake az: vm update --set ${assignment}: only tags.<key>=<value> is simulated`);
      }
      tags[match[1]] = match[2];
    }
    state.vmTags = tags;
    succeed({ id: vmId(), name: state.vmName, tags });
  }

  function vmId() {
    return `/subscriptions/${state.subscriptionId}/resourceGroups/${state.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${state.vmName}`;
  }

  function imageCreate() {
    const group = option('--resource-group');
    const name = option('--name');
    if (group === undefined || name === undefined || option('--source') === undefined) {
      parserError('the following arguments are required: --name/-n, --resource-group/-g, --source');
    }
    const images = imagesOfGroup();
    const source = option('--source');
    // As az's validator: a VM is looked up first; otherwise a disk id needs --os-type (the VM's own is used for a VM).
    const image = { name, id: imageId(group, name), location: option('--location') ?? state.location ?? 'westeurope', hyperVGeneration: option('--hyper-v-generation') ?? 'V1', provisioningState: 'Succeeded' };
    if (/\/virtualMachines\//i.test(source)) {
      if (source.toLowerCase() !== vmId().toLowerCase() || state.deleted) {
        const message = `The Resource 'Microsoft.Compute/virtualMachines/${source.split('/').pop()}' under resource group '${source.split('/')[4]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
        exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
      }
      if (state.osState !== 'generalized') {
        exitWith(1, `ERROR: (OperationNotAllowed) The source virtual machine '${source}' is not generalized. Creating an image from a non-generalized source VM is not supported. (simulated message)\nCode: OperationNotAllowed`);
      }
      if (state.securityType !== undefined && state.securityType !== 'Standard') {
        exitWith(1, `ERROR: (BadRequest) Creating an image from a virtual machine of security type '${state.securityType}' is not supported; capture it to an Azure Compute Gallery. (simulated message)\nCode: BadRequest`);
      }
      // az ignores --os-type (the VM's is used) and --storage-sku for a VM source.
      image.sourceVirtualMachine = { id: source };
      image.storageProfile = { osDisk: { osType: 'Windows', osState: 'Generalized' } };
    } else if (/\/disks\//i.test(source)) {
      if (!(state.disks ?? []).some((disk) => disk.toLowerCase() === source.toLowerCase())) {
        const message = `The Resource 'Microsoft.Compute/disks/${source.split('/').pop()}' under resource group '${source.split('/')[4]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
        exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
      }
      if (option('--os-type') === undefined) {
        exitWith(1, "ERROR: usage error: os type is required to create the image, please specify '--os-type OS_TYPE'");
      }
      image.storageProfile = { osDisk: { osType: option('--os-type'), osState: 'Generalized', managedDisk: { id: source }, storageAccountType: option('--storage-sku') ?? null } };
    } else {
      exitWith(3, `ERROR: (ResourceNotFound) The source '${source}' is neither a VM nor a managed disk the fake az knows.\nCode: ResourceNotFound`);
    }
    // az's validate_tags: `key=value` split at the first `=`, `key` alone is an empty value; a later key wins.
    image.tags = {};
    for (const tag of (options['--tags'] ?? []).map((t) => t.value)) {
      const eq = tag.indexOf('=');
      if (eq < 0) {
        image.tags[tag] = '';
      } else {
        image.tags[tag.slice(0, eq)] = tag.slice(eq + 1);
      }
    }
    const existing = images.findIndex((other) => other.name.toLowerCase() === name.toLowerCase());
    if (existing >= 0) {
      // A PUT of an existing image: Azure updates it in place.
      state.imagesRecreated = [...(state.imagesRecreated ?? []), name];
      images.splice(existing, 1);
    }
    images.push(image);
    state.imagesCreated = [...(state.imagesCreated ?? []), name];
    return succeed(image);
  }

  function imageList() {
    if (option('--resource-group') === undefined) {
      requireSubscription();
      return succeed(Object.values(state.images ?? {}).flat());
    }
    return succeed(imagesOfGroup());
  }

  function findImage(verb) {
    const images = imagesOfGroup();
    const name = option('--name');
    if (name === undefined) {
      parserError('the following arguments are required: --name/-n');
    }
    const index = images.findIndex((image) => image.name.toLowerCase() === name.toLowerCase());
    if (index < 0) {
      const code = verb === 'delete' ? 'NotFound' : 'ResourceNotFound';
      const message = `The Resource 'Microsoft.Compute/images/${name}' under resource group '${option('--resource-group')}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
      exitWith(3, `ERROR: (${code}) ${message}\nCode: ${code}\nMessage: ${message}`);
    }
    return { images, index };
  }

  function imageShow() {
    const { images, index } = findImage('show');
    return succeed(images[index]);
  }

  function imageDelete() {
    const { images, index } = findImage('delete');
    const [image] = images.splice(index, 1);
    state.imagesDeleted = [...(state.imagesDeleted ?? []), image.name];
    return succeed(undefined);
  }

  function deallocate() {
    state.power = 'deallocated';
    succeed(undefined);
  }

  function generalize() {
    if (state.power !== 'deallocated' && state.power !== 'stopped') {
      exitWith(1, `ERROR: (OperationNotAllowed) Operation 'generalize' is not allowed on VM '${state.vmName}' since the VM is ${state.power}. Please stop the VM and retry.\nCode: OperationNotAllowed`);
    }
    if ((state.failGeneralize ?? 0) > 0) {
      state.failGeneralize -= 1;
      exitWith(1, "ERROR: (AuthorizationFailed) The client 'operator' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/generalize/action'.\nCode: AuthorizationFailed");
    }
    if (state.guestImageState !== READY_STATE) {
      // Azure accepts it, but an image captured from this VM would never boot: the tests assert this never happens.
      state.generalizedWithoutSysprep = true;
    }
    state.osState = 'generalized';
    succeed(undefined);
  }

  // --- gallery image versions (gallery.sh) ---------------------------------------------------------------------------
  function resourceGroupExists(group) {
    if (group === undefined) {
      return false;
    }
    const lower = group.toLowerCase();
    return (state.resourceGroups ?? []).some((g) => g.toLowerCase() === lower)
      || Object.keys(state.images ?? {}).some((g) => g.toLowerCase() === lower)
      || Object.keys(state.galleryImages ?? {}).some((key) => key.split('/')[0].toLowerCase() === lower)
      || Object.keys(state.scaleSets ?? {}).some((key) => key.split('/')[0].toLowerCase() === lower)
      || (lower === String(state.resourceGroup).toLowerCase() && state.deleted !== 'resource-group');
  }

  function requireResourceGroup(group) {
    if (!resourceGroupExists(group)) {
      const message = `Resource group '${group}' could not be found.`;
      exitWith(3, `ERROR: (ResourceGroupNotFound) ${message}\nCode: ResourceGroupNotFound\nMessage: ${message}`);
    }
  }

  function requireOptions(...names) {
    const missing = names.filter((name) => option(name) === undefined);
    if (missing.length > 0) {
      parserError(`the following arguments are required: ${missing.join(', ')}`);
    }
  }

  /** The versions of the command's image definition (ParentResourceNotFound when it or its gallery does not exist). */
  function galleryDefinition() {
    requireSubscription();
    requireOptions('--resource-group', '--gallery-name', '--gallery-image-definition');
    const group = option('--resource-group');
    const gallery = option('--gallery-name');
    const definition = option('--gallery-image-definition');
    requireResourceGroup(group);
    state.galleryImages = state.galleryImages ?? {};
    const key = Object.keys(state.galleryImages).find((k) => k.toLowerCase() === `${group}/${gallery}/${definition}`.toLowerCase());
    if (key === undefined) {
      const message = `Can not perform requested operation on nested resource. Parent resource '${gallery}/${definition}' not found.`;
      exitWith(3, `ERROR: (ParentResourceNotFound) ${message}\nCode: ParentResourceNotFound\nMessage: ${message}`);
    }
    return { group, gallery, definition, versions: state.galleryImages[key] };
  }

  /** The id of a definition keyed `<group>/<gallery>/<definition>`. */
  function galleryDefinitionId(key) {
    const [group, gallery, definition] = key.split('/');
    return `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/galleries/${gallery}/images/${definition}`;
  }

  function galleryVersionId(group, gallery, definition, name) {
    return `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/galleries/${gallery}/images/${definition}/versions/${name}`;
  }

  /**
   * A version's replication per target region, as `--expand ReplicationStatus` shows it: `replication` where given, else
   * what its provisioningState implies.
   */
  function replicationStatus(version) {
    const regions = version.targetRegions ?? [];
    const summary = regions.map((target, index) => {
      const given = (version.replication ?? {})[canonicalRegion(target.name)];
      let entry;
      if (given !== undefined) {
        entry = { state: given.state, details: given.details ?? '', progress: given.progress ?? (given.state === 'Completed' ? 100 : 0) };
      } else if (version.provisioningState === 'Succeeded') {
        entry = { state: 'Completed', details: '', progress: 100 };
      } else if (['Creating', 'Updating', 'Migrating'].includes(version.provisioningState)) {
        entry = { state: 'Replicating', details: '', progress: 0 };
      } else if (version.provisioningState === 'Failed') {
        entry = index === regions.length - 1
          ? { state: 'Failed', details: 'Replication job not completed. (simulated message)', progress: 0 }
          : { state: 'Completed', details: '', progress: 100 };
      } else {
        entry = { state: 'Unknown', details: '', progress: 0 };
      }
      return { region: REGION_DISPLAY_NAMES[canonicalRegion(target.name)] ?? target.name, ...entry };
    });
    const states = summary.map((r) => r.state);
    const aggregatedState = states.includes('Failed') ? 'Failed' : states.includes('Replicating') ? 'InProgress'
      : states.length > 0 && states.every((state) => state === 'Completed') ? 'Completed' : 'Unknown';
    return { aggregatedState, summary };
  }

  /** A version as az shows it (the fields the scripts read). */
  function versionView({ group, gallery, definition }, version) {
    return {
      name: version.name,
      id: galleryVersionId(group, gallery, definition, version.name),
      type: 'Microsoft.Compute/galleries/images/versions',
      location: version.location ?? 'westeurope',
      tags: version.tags ?? null,
      provisioningState: version.provisioningState,
      publishingProfile: {
        excludeFromLatest: version.excludeFromLatest ?? false,
        endOfLifeDate: version.endOfLifeDate ?? null,
        replicationMode: version.replicationMode ?? null,
        targetRegions: (version.targetRegions ?? []).map((r) => ({ name: r.name, regionalReplicaCount: r.regionalReplicaCount, storageAccountType: r.storageAccountType })),
      },
      storageProfile: { source: { id: version.source ?? null } },
      ...(option('--expand') === 'ReplicationStatus' ? { replicationStatus: replicationStatus(version) } : {}),
    };
  }

  /**
   * Replication to a region of `failReplication` fails: the version is left Failed, the region Failed with Azure's
   * details, and az reports the long-running operation's failure.
   */
  function failReplicationTo(version, regions) {
    const failing = regions.find((r) => (state.failReplication ?? {})[canonicalRegion(r.name)] !== undefined);
    if (failing === undefined) {
      return;
    }
    const details = state.failReplication[canonicalRegion(failing.name)];
    version.provisioningState = 'Failed';
    version.replication = { ...(version.replication ?? {}), [canonicalRegion(failing.name)]: { state: 'Failed', details, progress: 0 } };
    exitWith(1, `ERROR: (OperationExecutionFailed) Replication job not completed at region: '${failing.name}'. ${details} (simulated message)\nCode: OperationExecutionFailed`);
  }

  function versionNotFound({ group, gallery, definition }, name) {
    const message = `The Resource 'Microsoft.Compute/galleries/${gallery}/images/${definition}/versions/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
    exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
  }

  function findVersion(definition, name) {
    return definition.versions.findIndex((v) => v.name === name);
  }

  /** az's validate_tags: `key=value` split at the first `=`, `key` alone is an empty value; a later key wins. */
  function parseTags() {
    const tags = {};
    for (const tag of (options['--tags'] ?? []).map((t) => t.value)) {
      const eq = tag.indexOf('=');
      if (eq < 0) {
        tags[tag] = '';
      } else {
        tags[tag.slice(0, eq)] = tag.slice(eq + 1);
      }
    }
    return tags;
  }

  function galleryVersionCreate() {
    const definition = galleryDefinition();
    requireOptions('--gallery-image-version');
    const name = option('--gallery-image-version');
    if (!/^\d+\.\d+\.\d+$/.test(name)) {
      exitWith(1, `ERROR: (InvalidParameter) The gallery image version name '${name}' is invalid. (simulated message)\nCode: InvalidParameter`);
    }
    const source = option('--virtual-machine');
    if (source === undefined) {
      exitWith(1, 'ERROR: fake az: only --virtual-machine sources are simulated');
    }
    if (source.toLowerCase() !== vmId().toLowerCase() || state.deleted) {
      const message = `The Resource 'Microsoft.Compute/virtualMachines/${source.split('/').pop()}' under resource group '${source.split('/')[4]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
      exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
    }
    if (state.osState !== 'generalized') {
      exitWith(1, `ERROR: (BadRequest) The source virtual machine '${source}' must be generalized to create a generalized gallery image version. (simulated message)\nCode: BadRequest`);
    }
    const location = option('--location') ?? state.location ?? 'westeurope';
    const targetRegions = parseTargetRegions();
    if (targetRegions.length > 0 && !targetRegions.some((r) => r.name.toLowerCase() === location.toLowerCase())) {
      exitWith(1, `ERROR: (InvalidParameter) The target regions of the gallery image version must include its own region '${location}'. (simulated message)\nCode: InvalidParameter`);
    }
    const existing = findVersion(definition, name);
    if (existing >= 0) {
      const old = definition.versions[existing];
      if (old.provisioningState !== 'Succeeded' && old.provisioningState !== 'Failed') {
        exitWith(1, `ERROR: (Conflict) The gallery image version '${name}' is ${old.provisioningState}: another operation is in progress. (simulated message)\nCode: Conflict`);
      }
      state.galleryVersionsRecreated = [...(state.galleryVersionsRecreated ?? []), name];
      definition.versions.splice(existing, 1);
    }
    const version = {
      name,
      location,
      tags: parseTags(),
      provisioningState: 'Succeeded',
      excludeFromLatest: option('--exclude-from-latest') === 'true',
      targetRegions: targetRegions.length > 0 ? targetRegions : [{ name: location, regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' }],
      source,
      replicationMode: option('--replication-mode') ?? 'Full',
      endOfLifeDate: option('--end-of-life-date'),
    };
    definition.versions.push(version);
    state.galleryVersionsCreated = [...(state.galleryVersionsCreated ?? []), name];
    if ((state.failGalleryCreate ?? 0) > 0) {
      state.failGalleryCreate -= 1;
      version.provisioningState = 'Failed';
      exitWith(1, `ERROR: (OperationExecutionFailed) Replication job not completed at region: '${targetRegions[targetRegions.length - 1]?.name ?? location}'. (simulated message)\nCode: OperationExecutionFailed`);
    }
    failReplicationTo(version, version.targetRegions);
    return succeed(versionView(definition, version));
  }

  function galleryVersionShow() {
    const definition = galleryDefinition();
    requireOptions('--gallery-image-version');
    const name = option('--gallery-image-version');
    let index = findVersion(definition, name);
    if (index < 0) {
      return versionNotFound(definition, name);
    }
    const version = definition.versions[index];
    // Azure finishing what it does after `pendingShows` more looks.
    if (version.pendingShows !== undefined) {
      if (version.pendingShows > 0) {
        version.pendingShows -= 1;
      } else {
        delete version.pendingShows;
        if (version.provisioningState === 'Deleting') {
          definition.versions.splice(index, 1);
          index = -1;
        } else {
          version.provisioningState = version.becomes ?? 'Succeeded';
          delete version.becomes;
          if (version.provisioningState === 'Succeeded') {
            // Replicated everywhere now.
            delete version.replication;
          }
        }
      }
    }
    if (index < 0) {
      return versionNotFound(definition, name);
    }
    return succeed(versionView(definition, version));
  }

  function galleryVersionList() {
    const definition = galleryDefinition();
    return succeed(definition.versions.map((version) => versionView(definition, version)));
  }

  /**
   * --target-regions as az 2.45's validator reads them: `region`, `region=count`, `region=type` (any case) or
   * `region=count=type` (type in lower case only: it compares the third part as it is; azure-cli issue 33880). Exit 1,
   * before any request.
   */
  function parseTargetRegions() {
    const types = CHOICES['--storage-account-type'];
    const typeOf = (text) => types.find((type) => type.toLowerCase() === text.toLowerCase());
    return (options['--target-regions'] ?? []).map(({ value }) => {
      const parts = value.split('=');
      let count;
      let type;
      if (parts.length === 2 && /^-?[0-9]+$/.test(parts[1])) {
        count = Number(parts[1]);
      } else if (parts.length === 2) {
        type = typeOf(parts[1]);
        if (type === undefined) {
          exitWith(1, `ERROR: usage error: ${value} is an invalid target region argument. The second part is neither an integer replica count or a valid storage account type. Storage account types must be one of standard_lrs, standard_zrs, premium_lrs.`);
        }
      } else if (parts.length >= 3) {
        if (!/^-?[0-9]+$/.test(parts[1])) {
          exitWith(1, `ERROR: usage error: ${value} is an invalid target region argument. The second part must be a valid integer replica count.`);
        }
        count = Number(parts[1]);
        const third = parts.slice(2).join('=');
        if (!types.map((t) => t.toLowerCase()).includes(third)) {
          exitWith(1, `ERROR: usage error: ${value} is an invalid target region argument. The third part is not a valid storage account type. Storage account types must be one of standard_lrs, standard_zrs, premium_lrs.`);
        }
        type = typeOf(third);
      }
      return { name: parts[0], regionalReplicaCount: count ?? 1, storageAccountType: type ?? option('--storage-account-type') ?? 'Standard_LRS' };
    });
  }

  function galleryVersionUpdate() {
    const definition = galleryDefinition();
    requireOptions('--gallery-image-version');
    const name = option('--gallery-image-version');
    const index = findVersion(definition, name);
    if (index < 0) {
      return versionNotFound(definition, name);
    }
    const version = definition.versions[index];
    const targetRegions = parseTargetRegions();
    if (targetRegions.length > 0) {
      const canonical = (name) => name.toLowerCase().replace(/\s+/g, '');
      const wanted = new Set(targetRegions.map((r) => canonical(r.name)));
      const dropped = (version.targetRegions ?? []).filter((r) => !wanted.has(canonical(r.name)));
      if (dropped.length > 0 && option('--allow-replicated-location-deletion') !== 'true') {
        exitWith(1, `ERROR: (OperationNotAllowed) Removing replicated regions (${dropped.map((r) => r.name).join(', ')}) needs allowDeletionOfReplicatedLocations. (simulated message)\nCode: OperationNotAllowed`);
      }
      const changedType = targetRegions.find((r) => (version.targetRegions ?? []).some((old) => canonical(old.name) === canonical(r.name) && old.storageAccountType !== r.storageAccountType));
      if (changedType) {
        exitWith(1, `ERROR: (PropertyChangeNotAllowed) Changing property 'storageAccountType' of region '${changedType.name}' is not allowed. (simulated message)\nCode: PropertyChangeNotAllowed`);
      }
      version.targetRegions = targetRegions;
      failReplicationTo(version, targetRegions);
    }
    for (const { value } of options['--set'] ?? []) {
      // az's generic update: the value is read as JSON when it parses (false -> a boolean).
      const match = /^publishingProfile\.excludeFromLatest=(true|false)$/.exec(value);
      if (!match) {
        exitWith(1, `ERROR: fake az: --set ${value} is not simulated`);
      }
      version.excludeFromLatest = match[1] === 'true';
    }
    state.galleryVersionUpdates = [...(state.galleryVersionUpdates ?? []), {
      name, set: (options['--set'] ?? []).map((o) => o.value), targetRegions: (options['--target-regions'] ?? []).map((o) => o.value),
    }];
    return succeed(versionView(definition, version));
  }

  function galleryVersionDelete() {
    const definition = galleryDefinition();
    requireOptions('--gallery-image-version');
    const name = option('--gallery-image-version');
    const index = findVersion(definition, name);
    if (index >= 0) {
      definition.versions.splice(index, 1);
      state.galleryVersionsDeleted = [...(state.galleryVersionsDeleted ?? []), name];
    }
    // ARM answers 204 for what does not exist.
    return succeed(undefined);
  }

  // --- canary VMs (the gallery-canary step) -----------------------------------------------------------------------------
  /** The canary VM the command names (resource group and name), if any. */
  function findCanaryVm() {
    return (state.canaryVms ?? []).find((vm) => sameName(vm.resourceGroup, option('--resource-group')) && sameName(vm.name, option('--name')));
  }

  function networkId(group, type, name) {
    return `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Network/${type}/${name}`;
  }

  function vmCreate() {
    requireSubscription();
    requireOptions('--resource-group', '--name', '--image');
    const group = option('--resource-group');
    const name = option('--name');
    requireResourceGroup(group);
    // Windows VM resource names: 1-64 letters, digits and hyphens (the computer name is given apart).
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]{0,62}[A-Za-z0-9])?$/.test(name)) {
      exitWith(1, `ERROR: (InvalidParameter) The VM name '${name}' is invalid. (simulated message)\nCode: InvalidParameter`);
    }
    const computerName = option('--computer-name') ?? name;
    if (computerName.length > 15 || /^[0-9]+$/.test(computerName) || !/^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(computerName)) {
      exitWith(1, "ERROR: (InvalidParameter) Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] { } \\ | ; : . ' \" , < > / ?.\nCode: InvalidParameter\nTarget: windowsConfiguration.computerName");
    }
    const password = options['--admin-password']?.[0];
    state.canaryPasswordSources = [...(state.canaryPasswordSources ?? []), password?.from ?? 'none'];
    if (password?.from === 'file') {
      state.canaryPasswordFileModes = [...(state.canaryPasswordFileModes ?? []), fs.statSync(password.fullPath).mode & 0o777];
    }
    if (password !== undefined) {
      // Test-only: the tests look for it in every argv and every output.
      state.canaryPasswords = [...(state.canaryPasswords ?? []), password.value];
    }
    if (password === undefined || !passwordAccepted(password.value)) {
      exitWith(1, 'ERROR: The password length must be between 12 and 123. Password must have the 3 of the following: 1 lower case character, 1 upper case character, 1 number and 1 special character.');
    }
    const image = GALLERY_VERSION_ID.exec(option('--image'));
    if (!image) {
      exitWith(1, 'ERROR: fake az: only gallery image version ids are simulated as --image');
    }
    const [, , imageGroup, gallery, definition, versionName] = image;
    const key = Object.keys(state.galleryImages ?? {}).find((k) => k.toLowerCase() === `${imageGroup}/${gallery}/${definition}`.toLowerCase());
    const version = key === undefined ? undefined : state.galleryImages[key].find((v) => v.name === versionName);
    if (!version) {
      const message = `The Resource 'Microsoft.Compute/galleries/${gallery}/images/${definition}/versions/${versionName}' under resource group '${imageGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
      exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
    }
    const location = option('--location') ?? 'westeurope';
    if (version.provisioningState !== 'Succeeded') {
      exitWith(1, `ERROR: (BadRequest) The gallery image version '${versionName}' is ${version.provisioningState}. (simulated message)\nCode: BadRequest`);
    }
    if (!(version.targetRegions ?? []).some((r) => sameName(r.name, location))) {
      exitWith(1, `ERROR: (InvalidParameter) The gallery image version '${option('--image')}' is not replicated to region '${location}'. (simulated message)\nCode: InvalidParameter`);
    }
    const plan = version.purchasePlan;
    if (plan && !(sameName(option('--plan-name'), plan.name) && sameName(option('--plan-product'), plan.product) && sameName(option('--plan-publisher'), plan.publisher))) {
      // Azure's message for a VM from a custom image of a marketplace image with a plan, created without it.
      exitWith(1, 'ERROR: (VMMarketplaceInvalidInput) Creating a virtual machine from Marketplace image or a custom image sourced from a Marketplace image requires Plan information in the request. VM: \'' + option('--name') + '\'.\nCode: VMMarketplaceInvalidInput');
    }
    state.canaryVms = state.canaryVms ?? [];
    if (findCanaryVm()) {
      exitWith(1, "ERROR: (PropertyChangeNotAllowed) Changing property 'osProfile.adminPassword' is not allowed.\nCode: PropertyChangeNotAllowed\nTarget: osProfile.adminPassword");
    }
    const tags = parseTags();
    // az's template: the VNet (when it does not exist), the NIC `<name>VMNic`, then the VM; each with the tags.
    const vnetName = option('--vnet-name') ?? `${name}VNET`;
    const subnet = option('--subnet') ?? `${name}Subnet`;
    state.vnets = state.vnets ?? [];
    if (!state.vnets.some((v) => sameName(v.resourceGroup, group) && sameName(v.name, vnetName))) {
      // az vm create's template writes the VNet with api-version 2015-06-15 (azure-cli vm/_template_builder.py,
      // build_vnet_resource, 2.45 to 2.74), which sends no defaultOutboundAccess: the subnet keeps default outbound
      // access (private by default only from API 2025-07-01: Microsoft Learn, "Default outbound access in Azure").
      const privateSubnet = state.canaryFaults?.[location] === 'private-subnet';
      state.vnets.push({ resourceGroup: group, name: vnetName, location, tags, subnets: [subnet], ...(privateSubnet ? { defaultOutboundAccess: false } : {}) });
    }
    const nicName = `${name}VMNic`;
    state.nics = state.nics ?? [];
    if (!state.nics.some((n) => sameName(n.resourceGroup, group) && sameName(n.name, nicName))) {
      state.nics.push({ resourceGroup: group, name: nicName, location, tags, vnet: vnetName });
    }
    if (state.canaryFaults?.[location] === 'create-fails') {
      exitWith(1, 'ERROR: {"status":"Failed","error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.","details":[{"code":"OperationNotAllowed","message":"Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: '
        + location + ', Current Limit: 0, Current Usage: 0, Additional Required: 2, (Minimum) New Limit Required: 2."}]}}');
    }
    const vm = {
      resourceGroup: group, name, location, computerName, image: option('--image'), size: option('--size') ?? 'Standard_DS1_v2',
      securityType: option('--security-type') ?? null, secureBoot: option('--enable-secure-boot') ?? null, vtpm: option('--enable-vtpm') ?? null,
      adminUsername: option('--admin-username') ?? null, publicIpAddress: option('--public-ip-address') ?? `${name}PublicIP`, nsg: option('--nsg') ?? `${name}NSG`,
      vnet: vnetName, subnet, nic: nicName, nicDeleteOption: option('--nic-delete-option') ?? 'Detach', osDiskDeleteOption: option('--os-disk-delete-option') ?? 'Detach',
      tags,
    };
    state.canaryVms.push(vm);
    state.nics.find((n) => sameName(n.resourceGroup, group) && sameName(n.name, nicName)).vm = name;
    state.canaryVmsCreated = [...(state.canaryVmsCreated ?? []), name];
    return succeed({ id: `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${name}`, location, powerState: 'VM running', privateIpAddress: '10.0.0.4', publicIpAddress: '' });
  }

  function vmDelete() {
    requireSubscription();
    requireOptions('--resource-group', '--name');
    requireResourceGroup(option('--resource-group'));
    if (!options['--yes']) {
      exitWith(1, 'ERROR: Unable to prompt for confirmation as no tty available. Use --yes.');
    }
    if (sameName(option('--resource-group'), state.resourceGroup) && sameName(option('--name'), state.vmName)) {
      exitWith(1, 'ERROR: fake az: no script deletes the build VM');
    }
    const vm = findCanaryVm();
    if (vm) {
      state.canaryVms = state.canaryVms.filter((other) => other !== vm);
      const nic = (state.nics ?? []).find((n) => sameName(n.resourceGroup, vm.resourceGroup) && sameName(n.name, vm.nic));
      if (nic) {
        delete nic.vm;
        if (vm.nicDeleteOption === 'Delete') {
          state.nics = state.nics.filter((other) => other !== nic);
        }
      }
      state.canaryVmsDeleted = [...(state.canaryVmsDeleted ?? []), { name: vm.name, noWait: options['--no-wait'] !== undefined }];
    }
    return succeed(undefined);
  }

  function nicDelete() {
    requireSubscription();
    requireOptions('--resource-group', '--name');
    const group = option('--resource-group');
    requireResourceGroup(group);
    const nic = (state.nics ?? []).find((n) => sameName(n.resourceGroup, group) && sameName(n.name, option('--name')));
    if (nic?.vm !== undefined) {
      const id = networkId(group, 'networkInterfaces', nic.name);
      exitWith(1, `ERROR: (NicInUse) Network Interface ${id} is used by existing resource /subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${nic.vm}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.\nCode: NicInUse`);
    }
    if (nic) {
      state.nics = state.nics.filter((other) => other !== nic);
      state.nicsDeleted = [...(state.nicsDeleted ?? []), nic.name];
    }
    return succeed(undefined);
  }

  function vnetDelete() {
    requireSubscription();
    requireOptions('--resource-group', '--name');
    const group = option('--resource-group');
    requireResourceGroup(group);
    const vnet = (state.vnets ?? []).find((v) => sameName(v.resourceGroup, group) && sameName(v.name, option('--name')));
    if (vnet) {
      const user = (state.nics ?? []).find((n) => sameName(n.resourceGroup, group) && sameName(n.vnet, vnet.name));
      if (user) {
        const subnet = `${networkId(group, 'virtualNetworks', vnet.name)}/subnets/${vnet.subnets[0]}`;
        exitWith(1, `ERROR: (InUseSubnetCannotBeDeleted) Subnet ${vnet.subnets[0]} is in use by ${networkId(group, 'networkInterfaces', user.name)}/ipConfigurations/ipconfig${user.name} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.\nCode: InUseSubnetCannotBeDeleted\nTarget: ${subnet}`);
      }
      state.vnets = state.vnets.filter((other) => other !== vnet);
      state.vnetsDeleted = [...(state.vnetsDeleted ?? []), vnet.name];
    }
    return succeed(undefined);
  }

  /** Whether the canary's subnet lets it reach Azure: Run Command returns a script's output only then. */
  function canaryHasOutboundAccess(vm) {
    const vnet = (state.vnets ?? []).find((v) => sameName(v.resourceGroup, vm.resourceGroup) && sameName(v.name, vm.vnet));
    return vnet?.defaultOutboundAccess !== false;
  }

  /** `az resource list -g`: the canary VMs, NICs and VNets of the group, as generic resources. */
  function resourceList() {
    requireSubscription();
    requireOptions('--resource-group');
    const group = option('--resource-group');
    requireResourceGroup(group);
    const resource = (type, item) => ({
      id: `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/${type}/${item.name}`,
      name: item.name, type, resourceGroup: group, location: item.location, tags: item.tags ?? null,
    });
    const inGroup = (items) => (items ?? []).filter((item) => sameName(item.resourceGroup, group));
    return succeed([
      ...inGroup(state.canaryVms).map((vm) => resource('Microsoft.Compute/virtualMachines', vm)),
      ...inGroup(state.nics).map((nic) => resource('Microsoft.Network/networkInterfaces', nic)),
      ...inGroup(state.vnets).map((vnet) => resource('Microsoft.Network/virtualNetworks', vnet)),
    ]);
  }

  /** canary-check.ps1 in a canary VM, as the guest answers (`canaryFaults[region]` decides). */
  function canaryCheck(parameters, vm) {
    const { Url: url, ExpectedName: expected, TimeoutSeconds: timeout } = parameters;
    if (!url || !expected || !/^[1-9][0-9]*$/.test(timeout ?? '')) {
      exitWith(1, `ERROR: fake az: canary-check.ps1 needs Url, ExpectedName and TimeoutSeconds, got ${JSON.stringify(parameters)}`);
    }
    state.canaryChecks = [...(state.canaryChecks ?? []), { vm: vm.name, location: vm.location, parameters }];
    const fault = state.canaryFaults?.[vm.location];
    // Windows shows the computer name in upper case; a VM that was not specialized kept the build VM's.
    const actual = fault === 'wrong-name' ? 'VM-GOLDEN' : vm.computerName.toUpperCase();
    if (actual.toLowerCase() !== expected.toLowerCase()) {
      return succeed(guestOutput([
        `${CANARY_MARKER} FAILED the computer name is '${actual}', not '${expected}' as Azure named the VM: Windows did not take its new name at first boot (was the image generalized with Sysprep /oobe /generalize?)`,
      ]));
    }
    const named = `[guest +0s] canary: computer name ${actual}, as Azure named the VM`;
    if (fault === 'no-answer') {
      return succeed(guestOutput([
        named,
        `[guest +0s] canary: waiting for ${url}: Unable to connect to the remote server`,
        `${CANARY_MARKER} FAILED no answer from ${url} with the computer name within ${timeout}s (${Math.ceil(timeout / 2)} attempts): Unable to connect to the remote server`,
      ]));
    }
    if (fault === 'no-marker') {
      return succeed(guestOutput([named]));
    }
    return succeed(guestOutput([
      named,
      `[guest +2s] canary: ${url} answered 200 with the computer name (attempt 1)`,
      `${CANARY_MARKER} PASSED ${actual} answered ${url}`,
    ]));
  }

  // --- scale sets (the verify-scale-set step) -------------------------------------------------------------------------------
  /** The scale set the command names (ResourceGroupNotFound or ResourceNotFound when it does not exist). */
  function findScaleSet() {
    requireSubscription();
    requireOptions('--resource-group', '--name');
    const group = option('--resource-group');
    const name = option('--name');
    requireResourceGroup(group);
    const key = Object.keys(state.scaleSets ?? {}).find((k) => k.toLowerCase() === `${group}/${name}`.toLowerCase());
    if (key === undefined) {
      const message = `The Resource 'Microsoft.Compute/virtualMachineScaleSets/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
      exitWith(3, `ERROR: (ResourceNotFound) ${message}\nCode: ResourceNotFound\nMessage: ${message}`);
    }
    return { group, name, scaleSet: state.scaleSets[key] };
  }

  function rollingUpgradeGetLatest() {
    const { scaleSet } = findScaleSet();
    const upgrade = scaleSet.rollingUpgrade;
    if (!upgrade) {
      // What Azure answers for a scale set that never had a rolling upgrade.
      const message = 'The entity was not found in this Azure location.';
      exitWith(3, `ERROR: (NotFound) ${message}\nCode: NotFound\nMessage: ${message}`);
    }
    // Azure going on with the upgrade for `pendingShows` more looks.
    if (upgrade.pendingShows !== undefined) {
      if (upgrade.pendingShows > 0) {
        upgrade.pendingShows -= 1;
      } else {
        const next = upgrade.becomes ?? { code: 'Completed' };
        delete upgrade.pendingShows;
        delete upgrade.becomes;
        upgrade.code = next.code;
        upgrade.progress = next.progress;
        upgrade.error = next.error ?? null;
      }
    }
    if (upgrade.code === 'Completed') {
      scaleSet.instances.forEach((instance) => {
        instance.latestModelApplied = true;
        if (upgrade.targetVersion !== undefined && !(scaleSet.upgradeLeavesBehind ?? []).includes(instance.computerName)) {
          instance.version = upgrade.targetVersion;
        }
      });
    }
    // An upgrade to a version (a gallery definition's latest) counts the instances on it; another, those on the latest model.
    const upgraded = (instance) => (upgrade.targetVersion !== undefined ? instance.version === upgrade.targetVersion : instance.latestModelApplied);
    const latest = scaleSet.instances.filter(upgraded).length;
    const progress = {
      successfulInstanceCount: latest, failedInstanceCount: 0, inProgressInstanceCount: 0,
      pendingInstanceCount: scaleSet.instances.length - latest, ...(upgrade.progress ?? {}),
    };
    const now = new Date().toISOString();
    return succeed({
      id: null, name: null, type: null, location: 'westeurope', tags: null,
      policy: { maxBatchInstancePercent: 20, maxUnhealthyInstancePercent: 20, maxUnhealthyUpgradedInstancePercent: 20, pauseTimeBetweenBatches: 'PT0S' },
      runningStatus: { code: upgrade.code, startTime: now, lastAction: 'Start', lastActionTime: now },
      progress,
      error: upgrade.error ? { code: upgrade.error.code, message: upgrade.error.message, details: null, innererror: null, target: null } : null,
    });
  }

  /**
   * `az vm image list --all`: every version of the SKUs whose publisher, offer and SKU contain the filters (ignoring
   * case), each SKU's versions in Azure's text order, as azure-cli's `image_info` with the `urn` list_vm_images adds.
   */
  function vmImageList() {
    requireSubscription();
    if (!options['--all']) {
      exitWith(1, 'ERROR: fake az: only `az vm image list --all` (the live list) is simulated, not the offline alias list');
    }
    const location = option('--location');
    if (location === undefined) {
      exitWith(1, "ERROR: fake az: give --location (az would pick one of the subscription's regions)");
    }
    const matched = (filter, name) => filter === undefined || name.toLowerCase().includes(filter.toLowerCase());
    const architecture = option('--architecture');
    const images = [];
    for (const entry of state.marketplace?.[location] ?? []) {
      if (!matched(option('--publisher'), entry.publisher) || !matched(option('--offer'), entry.offer) || !matched(option('--sku'), entry.sku)) {
        continue;
      }
      if (architecture !== undefined && architecture !== (entry.architecture ?? 'x64')) {
        continue;
      }
      // Code-unit order: '26100.32230.260111' < '26100.4652.250708'.
      for (const version of [...entry.versions].sort()) {
        images.push({
          architecture: entry.architecture ?? 'x64', offer: entry.offer, publisher: entry.publisher, sku: entry.sku,
          urn: `${entry.publisher}:${entry.offer}:${entry.sku}:${version}`, version,
        });
      }
    }
    return succeed(images);
  }

  /**
   * `az vm image show`: one version of a SKU of `marketplace` in the region, as azure-cli prints the VirtualMachineImage
   * (Microsoft Learn, "Find and use Azure Marketplace VM images with Azure CLI": `plan` null for an image without one,
   * else its name, product and publisher). `latest` is the last version in Azure's text order, as azure-cli resolves it
   * (`_get_latest_image_version`: `$orderby=name desc&$top=1`). Azure's 404 for a version or SKU it does not list.
   */
  function vmImageShow() {
    requireSubscription();
    const location = option('--location');
    const urn = option('--urn');
    if (location === undefined || urn === undefined) {
      exitWith(1, 'ERROR: fake az: give --location and --urn (az would pick one of the subscription\'s regions for a missing --location)');
    }
    const parts = urn.split(':');
    if (parts.length !== 4) {
      exitWith(1, 'ERROR: --urn should be in the format of publisher:offer:sku:version or publisher:offer:sku:edge_zone:version');
    }
    const [publisher, offer, sku, wanted] = parts;
    const entry = (state.marketplace?.[location] ?? []).find((e) => sameName(e.publisher, publisher) && sameName(e.offer, offer) && sameName(e.sku, sku));
    const version = wanted.toLowerCase() === 'latest' ? [...(entry?.versions ?? [])].sort().pop() : entry?.versions.find((v) => v === wanted);
    if (entry === undefined || version === undefined) {
      exitWith(3, 'ERROR: (NotFound) Artifact: VMImage was not found.\nCode: NotFound\nMessage: Artifact: VMImage was not found.');
    }
    return succeed({
      architecture: entry.architecture ?? 'x64',
      automaticOsUpgradeProperties: { automaticOsUpgradeSupported: false },
      dataDiskImages: [],
      hyperVGeneration: /-g2$|gen2/i.test(entry.sku) ? 'V2' : 'V1',
      id: `/Subscriptions/${state.subscriptionId}/Providers/Microsoft.Compute/Locations/${location}/Publishers/${entry.publisher}/ArtifactTypes/VMImage/`
        + `Offers/${entry.offer}/Skus/${entry.sku}/Versions/${version}`,
      location,
      name: version,
      osDiskImage: { operatingSystem: 'Windows' },
      plan: entry.plan ?? null,
      tags: null,
    });
  }

  /**
   * `az vm image terms show --publisher --offer --plan`: the subscription's agreement for a plan, as Microsoft Learn's
   * "Find and use Azure Marketplace VM images with Azure CLI" prints it (Accept the terms): `accepted` as
   * `acceptedTerms` says. `--urn` resolves the image as azure-cli does (`_terms_prepare`: the URN's publisher and offer,
   * the image's plan name), here in the fake's own region, and fails for an image without a plan.
   */
  function vmImageTermsShow() {
    requireSubscription();
    let publisher = option('--publisher');
    let offer = option('--offer');
    let plan = option('--plan');
    const urn = option('--urn');
    if (urn !== undefined) {
      if (publisher !== undefined || offer !== undefined || plan !== undefined) {
        exitWith(1, 'ERROR: usage error: If using --urn, do not use any of --plan, --offer, --publisher.');
      }
      const [urnPublisher, urnOffer, urnSku] = urn.split(':');
      const entry = Object.values(state.marketplace ?? {}).flat()
        .find((e) => sameName(e.publisher, urnPublisher) && sameName(e.offer, urnOffer) && sameName(e.sku, urnSku));
      if (entry?.plan === undefined) {
        exitWith(1, `ERROR: Image '${urn}' has no terms to accept.`);
      }
      [publisher, offer, plan] = [urnPublisher, urnOffer, entry.plan.name];
    } else if (publisher === undefined || offer === undefined || plan === undefined) {
      exitWith(1, 'ERROR: usage error: If not using --urn, all of --plan, --offer and --publisher should be provided.');
    }
    const accepted = (state.acceptedTerms ?? []).some((key) => key.toLowerCase() === `${publisher}:${offer}:${plan}`.toLowerCase());
    return succeed({
      accepted,
      id: `/subscriptions/${state.subscriptionId}/providers/Microsoft.MarketplaceOrdering/offertypes/${publisher}/offers/${offer}/plans/${plan}`,
      licenseTextLink: `https://storelegalterms.blob.core.windows.net/legalterms/3E5ED_legalterms_${publisher.toUpperCase()}.txt`,
      name: plan,
      plan,
      privacyPolicyLink: 'https://example.com/privacy',
      product: offer,
      publisher,
      retrieveDatetime: '2026-12-01T12:00:00.000000Z',
      signature: 'SIMULATEDSIGNATURE',
      type: 'Microsoft.MarketplaceOrdering/offertypes',
    });
  }

  /**
   * The version a scale set's gallery definition's latest resolves to in the scale set's region: the highest
   * Major.Minor.Patch ("Store and share images in an Azure Compute Gallery", Image versions) of the versions not
   * excluded from latest, provisioned, and replicated to the region (automatic OS image upgrades roll out no other:
   * "Azure Virtual Machine Scale Set automatic OS image upgrades", custom images). Undefined when there is none.
   */
  function latestVersionFor(scaleSet) {
    const versions = (state.galleryImages ?? {})[scaleSet.galleryImage] ?? [];
    const region = (scaleSet.location ?? 'westeurope').toLowerCase();
    const parts = (name) => name.split('.').map(Number);
    const newer = (a, b) => {
      const [x, y] = [parts(a), parts(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    };
    return versions
      .filter((v) => !v.excludeFromLatest && v.provisioningState === 'Succeeded'
        && (v.targetRegions ?? []).some((r) => r.name.toLowerCase().replace(/\s+/g, '') === region))
      .map((v) => v.name)
      .sort(newer)
      .pop();
  }

  /** A rolling upgrade to the version latest resolves to, RollingForward for `shows` more get-latests. */
  function startUpgrade(scaleSet, shows) {
    scaleSet.rollingUpgrade = { code: 'RollingForward', pendingShows: shows, becomes: { code: 'Completed' }, targetVersion: latestVersionFor(scaleSet) };
  }

  /**
   * `az vmss rolling-upgrade start` (POST .../osRollingUpgrade): "Start a rolling upgrade to move all virtual machine
   * scale set instances to the latest available image OS version" (Microsoft Learn, automatic OS image upgrades,
   * "Manually trigger OS image upgrades"). az 2.45 waits for the long-running operation; the fake answers once Azure
   * accepted it (the upgrade then runs on), which the step must handle anyway. Refused while an upgrade runs.
   */
  function rollingUpgradeStart() {
    const { name, scaleSet } = findScaleSet();
    if (scaleSet.rollingUpgrade?.code === 'RollingForward') {
      const message = `Rolling upgrade of virtual machine scale set '${name}' cannot be started: a rolling upgrade is already in progress. (simulated message)`;
      exitWith(1, `ERROR: (OperationNotAllowed) ${message}\nCode: OperationNotAllowed\nMessage: ${message}`);
    }
    startUpgrade(scaleSet, scaleSet.startedUpgradeShows ?? 1);
    state.rollingUpgradesStarted = (state.rollingUpgradesStarted ?? 0) + 1;
    return succeed(undefined);
  }

  function listInstances() {
    const { group, name, scaleSet } = findScaleSet();
    if (scaleSet.platformStartsAfterLists !== undefined) {
      if (scaleSet.platformStartsAfterLists > 0) {
        scaleSet.platformStartsAfterLists -= 1;
      } else {
        // Azure's own automatic OS image upgrade, between two looks of the step.
        delete scaleSet.platformStartsAfterLists;
        startUpgrade(scaleSet, 1);
      }
    }
    if (scaleSet.pendingLists !== undefined) {
      if (scaleSet.pendingLists > 0) {
        scaleSet.pendingLists -= 1;
      } else {
        scaleSet.instances = scaleSet.thenInstances ?? scaleSet.instances;
        delete scaleSet.pendingLists;
        delete scaleSet.thenInstances;
      }
    }
    return succeed(scaleSet.instances.map((instance, index) => {
      const instanceId = instance.instanceId ?? String(index);
      return {
        id: `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}/virtualMachines/${instanceId}`,
        name: `${name}_${instanceId}`,
        instanceId,
        location: scaleSet.location ?? 'westeurope',
        latestModelApplied: instance.latestModelApplied,
        provisioningState: instance.provisioningState,
        // The model's image, and the version the instance runs (exactVersion, "differs from 'version', only if the value
        // specified in 'version' field is 'latest'": ImageReference of the Compute REST API).
        storageProfile: {
          imageReference: scaleSet.galleryImage === undefined ? { id: `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute/images/img-${name}`, exactVersion: null }
            : { id: galleryDefinitionId(scaleSet.galleryImage), exactVersion: instance.version ?? null },
        },
        // A scale set's VM has no osProfile while Azure has not set it up (az prints None).
        osProfile: instance.computerName === null ? null : { computerName: instance.computerName, adminUsername: 'azureuser', adminPassword: null },
      };
    }));
  }

  function main() {
    injectFaults();
    if (commandName === 'version') {
      // azure-cli's get_az_version_json(): `extensions` always, then one key per installed azure-cli* package.
      const version = state.cliVersion ?? '2.74.0';
      succeed({ 'azure-cli': version, 'azure-cli-core': version, 'azure-cli-telemetry': '1.1.0', 'extensions': {} });
    } else if (commandName === 'login') {
      login();
    } else if (commandName === 'cloud set') {
      cloudSet();
    } else {
      requireSession();
      if (commandName === 'account show') {
        // `environmentName` is the cloud of the session (Learn, `az account show` output: "environmentName": "AzureCloud").
        succeed({ environmentName: sessionCloud(), id: state.subscriptionId, name: 'fake subscription', state: 'Enabled', isDefault: true });
      } else if (commandName.startsWith('image ')) {
        ({
          'image create': imageCreate,
          'image list': imageList,
          'image show': imageShow,
          'image delete': imageDelete,
        })[commandName]();
      } else if (commandName.startsWith('sig ')) {
        ({
          'sig image-version create': galleryVersionCreate,
          'sig image-version show': galleryVersionShow,
          'sig image-version list': galleryVersionList,
          'sig image-version update': galleryVersionUpdate,
          'sig image-version delete': galleryVersionDelete,
        })[commandName]();
      } else if (['vm create', 'vm delete', 'network nic delete', 'network vnet delete', 'resource list'].includes(commandName)) {
        ({
          'vm create': vmCreate,
          'vm delete': vmDelete,
          'network nic delete': nicDelete,
          'network vnet delete': vnetDelete,
          'resource list': resourceList,
        })[commandName]();
      } else if (commandName === 'vm image list') {
        vmImageList();
      } else if (commandName === 'vm image show') {
        vmImageShow();
      } else if (commandName === 'vm image terms show') {
        vmImageTermsShow();
      } else if (commandName.startsWith('vmss ')) {
        ({
          'vmss rolling-upgrade get-latest': rollingUpgradeGetLatest,
          'vmss rolling-upgrade start': rollingUpgradeStart,
          'vmss list-instances': listInstances,
        })[commandName]();
      } else if (commandName === 'vm run-command invoke' && findCanaryVm()) {
        requireSubscription();
        runCommand();
      } else {
        requireVm();
        ({
          'vm get-instance-view': () => {
            settle();
            succeed(instanceView());
          },
          'vm run-command invoke': runCommand,
          'vm deallocate': deallocate,
          'vm generalize': generalize,
          'vm restart': restart,
          'vm update': vmUpdate,
        })[commandName]();
      }
    }
  }

  let parsed;
  try {
    parse();
  } catch (outcome) {
    parsed = resultOf(outcome);
  }
  return {
    command: commandName,
    argv,
    parserError: parsed,
    run() {
      if (parsed) {
        return { command: commandName, argv, ...parsed };
      }
      try {
        main();
      } catch (outcome) {
        return { command: commandName, argv, ...resultOf(outcome) };
      }
      throw new Error(`fake az: ${commandName} ended without an answer`);
    },
  };
}

/**
 * Answers one call of az: `{ command, argv, code, stdout, stderr }`, with `signal` when az was killed (code 128 + its
 * number) or `hang: true` (code null) when it never returns. `state` is changed in place; see prepareAz for the rest.
 */
function simulateAz(call) {
  return prepareAz(call).run();
}

module.exports = { simulateAz, prepareAz, commandOf };
