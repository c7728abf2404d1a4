/**
 * gallery-canary: before a new gallery image version becomes latest, boots one throwaway VM from it in each canary
 * region, one region after the other, checks in its guest (Run Command, guest/canary-check.ps1) that Windows took the
 * computer name Azure gave it and that the app's page answers with that name, and deletes it. A failing canary fails
 * the apply with exit code 9: the version stays excluded from latest, so VMs and scale sets that use latest keep the
 * previous version. GalleryImageVersion runs it once per version (and again when a region is added), between the
 * replication and the promotion.
 *
 * Each canary: VM `canary-<revision>-<line key>-<NN>` and Windows computer name `c<YYMMDDhhmmss><NN>` (15 characters:
 * the revision without its century, then NN, the region's index from 01 in GOLDEN_CANARY_REGIONS), where the line key
 * is 8 hex digits of the POSIX cksum CRC of `<gallery resource group>/<gallery>/<definition>` in lower case, so that
 * two lines with builds of the same revision never share a VM name. Each has its own VNet `<VM>-vnet` (subnet
 * `canary`), no public IP and no NSG, a NIC and an OS disk deleted with it, the tags `golden-canary=<version>` and
 * `golden-canary-image=<gallery>/<definition>`, and the administrator `canaryadmin` with a random password made here,
 * written to a file only this user can read in a private temporary directory and given to az as `@file`, so that it
 * appears in no command line and no log; the file is deleted once az has read it.
 *
 * The canary and its VNet are deleted after the check, also when it fails; on SIGTERM/SIGINT/SIGHUP the VM's deletion
 * is started without waiting (its VNet is left to the next run); canaries left by an interrupted run (both tags) are
 * deleted before the first new one is made. A rerun runs every canary again.
 *
 * Exit codes: 0 every canary passed; 2 invalid input, or the version is another build's; 3 az cannot be used; 4 timeout
 * (the VM agent of a canary never ready included); 6 az failed; 8 the version, its definition or the canary resource
 * group does not exist; 9 a canary failed (the version stays excluded from latest); 12 no temporary directory;
 * 129/130/143 interrupted.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Az, guestScriptFile, NotFound, TIMED_OUT } from '../az';
import { ExitCode, Interrupted, OperatorFailure } from '../failure';
import { azFault, AzResult, isNotFound } from '../faults';
import {
  GALLERY_CONSTRUCT, GALLERY_STEPS_NAME, GalleryLine, galleryVersionEnvironment, GalleryVersionEnvironment, lineName, readGalleryLine,
  readGalleryVersion,
} from '../gallery-line';
import { GalleryVersions } from '../gallery-version';
import {
  BUILD_REVISION, GUEST_DIRECTORY, InputReader, InvalidInput, NumberInput, readTuning, RESOURCE_GROUP, shown, SUBSCRIPTION_ID, TextInput, Tuning,
} from '../inputs';
import { Operator } from '../operator';
import { GuestOutput, printGuestOutput, Vm } from '../vm';

export const CANARY_NAME = GALLERY_STEPS_NAME;
export const CANARY_CONSTRUCT = GALLERY_CONSTRUCT;

// --- the inputs, each checked here and, for a literal prop, by GalleryImageVersion at synth ------------------------
/** The canary regions, one a line, each a target region of the version (Azure's region names: `westeurope`). */
export const CANARY_REGIONS: TextInput = {
  env: 'GOLDEN_CANARY_REGIONS', pattern: /^[a-z][a-z0-9]{2,40}$/, description: 'an Azure region name such as westeurope',
};
/** The most canary regions: the canaries run one after the other, each up to twice its timeout. */
export const MAX_CANARY_REGIONS = 20;
/** The canaries' security type: that of the VMs the version serves by default. */
export const CANARY_SECURITY_TYPE: TextInput = {
  env: 'GOLDEN_CANARY_SECURITY_TYPE', pattern: /^(Standard|TrustedLaunch)$/, description: 'Standard or TrustedLaunch',
};
/** A VM size such as `Standard_D2s_v5`, or a constrained-vCPU size such as `Standard_E16-4s_v5`. */
export const CANARY_VM_SIZE: TextInput = {
  env: 'GOLDEN_CANARY_VM_SIZE',
  pattern: /^(Standard|Basic)_[A-Za-z0-9]+([-_][A-Za-z0-9]+){0,6}$/,
  description: 'an Azure VM size such as Standard_D2s_v5',
};
export const DEFAULT_CANARY_VM_SIZE = 'Standard_D2s_v5';
/** An existing resource group the canaries (and their VNets) are made in. */
export const CANARY_RESOURCE_GROUP: TextInput = { ...RESOURCE_GROUP, env: 'GOLDEN_CANARY_RESOURCE_GROUP' };
/** The limit of each canary's creation and, separately, of its check in the guest (at most MAX_CHECK_MINUTES there). */
export const CANARY_TIMEOUT_MINUTES: NumberInput = {
  env: 'GOLDEN_CANARY_TIMEOUT_MINUTES', prop: 'canary.timeoutMinutes', min: 5, max: 120, default: 30,
};
/**
 * The longest wait of the check in the guest: Run Command stops every script after 90 minutes ("Run scripts in your
 * Windows VM by using action Run Commands" on Microsoft Learn, restrictions), and needs time beyond the check itself.
 */
export const MAX_CHECK_MINUTES = 80;
/** Waiting for the agent, uploading the script, returning the output: Run Command's time beyond the check. */
const RUN_COMMAND_EXTRA_MINUTES = 10;
/** The page the guest fetches: http(s), no space, quote or query (it reaches the guest as a Run Command parameter). */
export const CANARY_URL: TextInput = {
  env: 'GOLDEN_CANARY_URL',
  pattern: /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(\/[-A-Za-z0-9._~/%]*)?$/,
  description: 'an http(s) URL without spaces, quotes or query, such as http://localhost/',
};
export const MAX_CANARY_URL_LENGTH = 2048;
export const DEFAULT_CANARY_URL = 'http://localhost/';
/**
 * One part (name, product, publisher) of a marketplace purchase plan: 1-128 letters, digits, hyphens, underscores and
 * periods, as marketplace ids are. A canary of a third-party image needs the plan ("Supply Azure Marketplace purchase
 * plan information when creating images" on Microsoft Learn).
 */
export const PURCHASE_PLAN_PART = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,127}$/;
const PLAN_DESCRIPTION = 'a marketplace plan id (1-128 letters, digits, - _ .), given with the two other GOLDEN_CANARY_PLAN_ variables';
export const CANARY_PLAN_NAME: TextInput = { env: 'GOLDEN_CANARY_PLAN_NAME', pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };
export const CANARY_PLAN_PRODUCT: TextInput = { env: 'GOLDEN_CANARY_PLAN_PRODUCT', pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };
export const CANARY_PLAN_PUBLISHER: TextInput = { env: 'GOLDEN_CANARY_PLAN_PUBLISHER', pattern: PURCHASE_PLAN_PART, description: PLAN_DESCRIPTION };

/** Whether a URL is one the step takes as GOLDEN_CANARY_URL. */
export function isCanaryUrl(url: string): boolean {
  return url.length <= MAX_CANARY_URL_LENGTH && CANARY_URL.pattern.test(url);
}

/** A purchase plan as the environment carries it. */
export interface CanaryPurchasePlan {
  readonly name: string;
  readonly product: string;
  readonly publisher: string;
}

/** The step's inputs as the construct writes them (values or Terraform expressions). */
export interface CanaryEnvironment extends GalleryVersionEnvironment {
  readonly guestDirectory: string;
  readonly regions: readonly string[];
  readonly securityType: string;
  readonly vmSize: string;
  readonly canaryResourceGroup: string;
  readonly timeoutMinutes: string;
  readonly url: string;
  readonly purchasePlan?: CanaryPurchasePlan;
}

export function canaryEnvironment(input: CanaryEnvironment): Record<string, string> {
  return {
    ...galleryVersionEnvironment(input),
    [GUEST_DIRECTORY.env]: input.guestDirectory,
    [CANARY_REGIONS.env]: input.regions.join('\n'),
    [CANARY_SECURITY_TYPE.env]: input.securityType,
    [CANARY_VM_SIZE.env]: input.vmSize,
    [CANARY_RESOURCE_GROUP.env]: input.canaryResourceGroup,
    [CANARY_TIMEOUT_MINUTES.env]: input.timeoutMinutes,
    [CANARY_URL.env]: input.url,
    ...(input.purchasePlan === undefined ? {} : {
      [CANARY_PLAN_NAME.env]: input.purchasePlan.name,
      [CANARY_PLAN_PRODUCT.env]: input.purchasePlan.product,
      [CANARY_PLAN_PUBLISHER.env]: input.purchasePlan.publisher,
    }),
  };
}

// --- names -------------------------------------------------------------------------------------------------------
/** The tags of every canary's VM, NIC and VNet: the version, and the line it belongs to. */
export const CANARY_TAG = 'golden-canary';
export const CANARY_IMAGE_TAG = 'golden-canary-image';
/** The last line of canary-check.ps1's output: `<marker> PASSED <what>` or `<marker> FAILED <why>`. */
export const CANARY_MARKER = 'GOLDEN-IMAGE-CANARY-RESULT:';
export const CANARY_ADMIN = 'canaryadmin';
const CANARY_VM_NAME = /^canary-[0-9]{14}-[0-9a-f]{8}-[0-9]{2}$/;
const CANARY_SUBNET = 'canary';
/** Deleting a VM, a NIC or a VNet. */
const DELETE_MINUTES = 30;
/** Starting a deletion once interrupted: the supervisor that sent the signal is waiting. */
const INTERRUPTED_DELETE_SECONDS = 60;

/**
 * The CRC of POSIX `cksum` (IEEE Std 1003.1, cksum: the CRC-32 polynomial 0x04C11DB7 fed most significant bit first,
 * then the length in as few bytes as it needs, least significant first, and the result complemented).
 */
/* eslint-disable no-bitwise -- a CRC is bit arithmetic */
export function posixCksum(data: Uint8Array): number {
  let crc = 0;
  const feed = (byte: number) => {
    crc ^= byte << 24;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    }
  };
  data.forEach(feed);
  for (let length = data.length; length > 0; length = Math.floor(length / 256)) {
    feed(length & 0xff);
  }
  return ~crc >>> 0;
}
/* eslint-enable no-bitwise */

/** 8 hex digits that tell lines apart in canary names: the cksum CRC of `<rg>/<gallery>/<definition>` in lower case. */
export function lineKey(line: GalleryLine): string {
  const text = `${line.resourceGroup}/${line.gallery}/${line.definition}`.toLowerCase();
  return posixCksum(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0');
}

/** The VM and computer names of the canary in the `index`th region (from 1). */
export function canaryNames(revision: string, key: string, index: number): { vm: string; computer: string } {
  const suffix = String(index).padStart(2, '0');
  return { vm: `canary-${revision}-${key}-${suffix}`, computer: `c${revision.slice(2)}${suffix}` };
}

/**
 * A password Azure accepts for a Windows VM: 12-123 characters of at least 3 kinds ("Frequently asked questions about
 * Windows Virtual Machines" on Microsoft Learn), here 24 upper and lower case letters and digits, each kind at least
 * once, from the operating system's random source.
 */
export function canaryPassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (;;) {
    const password = Array.from({ length: 24 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password)) {
      return password;
    }
  }
}

// --- the step ----------------------------------------------------------------------------------------------------
interface Settings {
  readonly tuning: Tuning;
  readonly line: GalleryLine;
  readonly version: string;
  readonly revision: string;
  readonly regions: readonly string[];
  readonly securityType: string;
  readonly vmSize: string;
  readonly canaryResourceGroup: string;
  readonly url: string;
  readonly plan?: CanaryPurchasePlan;
  readonly guestDirectory: string;
  readonly checkScript: string;
  readonly createMinutes: number;
  readonly checkSeconds: number;
  readonly runCommandSeconds: number;
}


/** Reads and checks every input; fails with exit code 2 on an invalid one, before any az call. */
function readSettings(op: Operator, reader: InputReader): Settings {
  op.phase = 'validate';
  const tuning = readTuning(reader);
  const line = readGalleryLine(reader);
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const securityType = reader.text(CANARY_SECURITY_TYPE);
  const vmSize = reader.text(CANARY_VM_SIZE);
  const plan = readPurchasePlan(op, reader);
  const canaryResourceGroup = reader.text(CANARY_RESOURCE_GROUP);
  const minutes = reader.number(CANARY_TIMEOUT_MINUTES);
  const url = readUrl(op, reader);
  const guestDirectory = reader.text(GUEST_DIRECTORY);
  const checkScript = guestScriptFile(op, guestDirectory, 'canary-check.ps1');
  const regions = readRegions(reader);
  const checkMinutes = Math.min(minutes, MAX_CHECK_MINUTES);
  return {
    tuning,
    line,
    version,
    revision,
    regions,
    securityType,
    vmSize,
    canaryResourceGroup,
    url,
    plan,
    guestDirectory,
    checkScript,
    createMinutes: minutes,
    checkSeconds: checkMinutes * 60,
    runCommandSeconds: (checkMinutes + RUN_COMMAND_EXTRA_MINUTES) * 60,
  };
}

/** The purchase plan: all three parts or none. */
function readPurchasePlan(op: Operator, reader: InputReader): CanaryPurchasePlan | undefined {
  if ([CANARY_PLAN_NAME, CANARY_PLAN_PRODUCT, CANARY_PLAN_PUBLISHER].every((part) => !op.env[part.env])) {
    return undefined;
  }
  return { name: reader.text(CANARY_PLAN_NAME), product: reader.text(CANARY_PLAN_PRODUCT), publisher: reader.text(CANARY_PLAN_PUBLISHER) };
}

/** The URL: its length first (a long path matches the pattern), then the pattern. */
function readUrl(op: Operator, reader: InputReader): string {
  const length = (op.env[CANARY_URL.env] ?? '').length;
  if (length > MAX_CANARY_URL_LENGTH) {
    throw reader.invalid(`${CANARY_URL.env} must be at most ${MAX_CANARY_URL_LENGTH} characters; got ${length}.`);
  }
  return reader.optionalText(CANARY_URL) ?? DEFAULT_CANARY_URL;
}

function readRegions(reader: InputReader): string[] {
  const regions = reader.lines(CANARY_REGIONS);
  const twice = regions.find((region, i) => regions.indexOf(region) !== i);
  if (twice !== undefined) {
    throw reader.invalid(`${CANARY_REGIONS.env} names ${twice} twice.`);
  }
  if (regions.length === 0 || regions.length > MAX_CANARY_REGIONS) {
    throw reader.invalid(`${CANARY_REGIONS.env} must hold 1-${MAX_CANARY_REGIONS} regions, one per line; got ${regions.length}.`);
  }
  return regions;
}

const NOT_FOUND_HINT = 'Check that the canary resource group exists and that the version was published (the publish step runs first), then run the '
  + 'deployment again.';

/** What the step says when something it needs does not exist (exit code 8). */
function notFoundOf(settings: Settings): NotFound {
  const { line, version, canaryResourceGroup } = settings;
  return {
    subject: `version ${version} of image definition ${lineName(line)} in resource group ${line.resourceGroup}, or the canary resource group `
      + `${canaryResourceGroup}${line.subscriptionId ? ` (subscription ${line.subscriptionId})` : ''}`,
    what: 'one of them',
    hint: NOT_FOUND_HINT,
  };
}

/** A part of a canary that could not be deleted: az's failure, or none when az did not return in time. */
interface DeletionFailure {
  readonly what: string;
  readonly result?: AzResult;
}

/** The canaries of one run: the step's az and settings, and the image they boot from. */
class Canaries {
  /** The az arguments of the canary resource group, in the `--option=value` form (a group name may start with a hyphen). */
  private readonly groupArgs: readonly string[];
  private readonly key: string;
  /** The canary that may exist now: deleted on every way out until it is deleted on purpose. */
  private live: string | undefined;

  constructor(private readonly op: Operator, private readonly az: Az, private readonly settings: Settings, private readonly directory: string,
    private readonly imageId: string) {
    const { line, canaryResourceGroup } = settings;
    this.groupArgs = [...(line.subscriptionId ? [`--subscription=${line.subscriptionId}`] : []), `--resource-group=${canaryResourceGroup}`];
    this.key = lineKey(line);
  }

  /** Deletes the canaries of this version and line that an interrupted run left (VMs, NICs or VNets with both tags). */
  public async deleteLeftovers(): Promise<void> {
    const { op } = this;
    const { version, line } = this.settings;
    const phase = 'canary leftovers';
    op.phase = phase;
    const query = `[?tags."${CANARY_TAG}"=='${version}' && tags."${CANARY_IMAGE_TAG}"=='${lineName(line)}'].[type, name]`;
    const rows = await this.az.query<unknown>(phase, ['resource', 'list', ...this.groupArgs, '--query', query], ExitCode.AZ_FAILED,
      'Check that the identity may read the canary resource group.');
    const names = new Set<string>();
    for (const row of Array.isArray(rows) ? rows : []) {
      const name = Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'string' ? canaryOf(row[0], row[1]) : undefined;
      if (name !== undefined) {
        names.add(name);
      }
    }
    if (names.size === 0) {
      op.log(`${phase}: no canary of version ${version} left by an earlier run`);
      return;
    }
    for (const name of [...names].sort()) {
      if (!CANARY_VM_NAME.test(name)) {
        op.log(`${phase}: ${shown(name)} carries the canary tags but not a canary's name: left as it is`);
        continue;
      }
      op.log(`${phase}: canary ${name} was left by an interrupted earlier run`);
      await this.deleteOrFail(name, `${phase}: deleting ${name}`);
    }
  }

  /** One canary, from its creation to its deletion; fails with exit code 9 when it fails. */
  public async run(index: number, region: string): Promise<void> {
    const { op } = this;
    const { vm, computer } = canaryNames(this.settings.revision, this.key, index);
    const phase = `canary ${region}`;
    op.phase = phase;
    const started = op.clock.now();
    this.live = vm;
    try {
      await this.create(phase, vm, computer, region);
      await this.check(phase, vm, computer);
    } catch (error) {
      const left = this.live;
      this.live = undefined;
      if (left !== undefined) {
        await this.deleteOnTheWayOut(phase, left, error);
      }
      throw error;
    }
    op.log(`${phase}: done in ${secondsSince(op, started)}s`);
  }

  /**
   * `az vm create`: the canary with its own VNet and NIC. Its failures are the canary's (exit code 9, or 8 when
   * something it needs is missing), once it is deleted; a broken az or an expired session is not (exit code 3), nor is
   * a timeout (4): `run` deletes what was made on the way out.
   */
  private async create(phase: string, vm: string, computer: string, region: string): Promise<void> {
    const { op, az, settings } = this;
    const started = op.clock.now();
    const limit = settings.createMinutes * 60;
    op.log(`${phase}: creating canary VM ${vm} (computer name ${computer}, ${settings.securityType}, ${settings.vmSize}) from version `
      + `${settings.version} (limit ${limit}s)`);
    const passwordFile = path.join(this.directory, 'canary-password');
    fs.writeFileSync(passwordFile, canaryPassword(), { mode: 0o600, flag: 'wx' });
    let result;
    try {
      result = await az.call(phase, limit, this.createArgs(vm, computer, region, passwordFile));
    } finally {
      fs.rmSync(passwordFile, { force: true });
    }
    if (result === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${phase}: canary ${vm} was not created within ${settings.createMinutes} minutes (${CANARY_TIMEOUT_MINUTES.env}). `
        + `Version ${settings.version} stays excluded from latest, so the previous version remains latest. Run the deployment again to retry.`);
    }
    if (result.exitCode !== 0) {
      const fault = azFault(result);
      if (fault === 'module' || fault === 'crash' || fault === 'expired') {
        return az.fail(ExitCode.AZ_FAILED, `${phase}: az vm create`, this.leftMessage(vm), result);
      }
      op.print('  az| ', result.stderr, 'stderr');
      const missing = isNotFound(result);
      const reason = missing ? `az vm create found nothing: ${notFoundOf(settings).subject} was not found`
        : `az vm create failed (printed above: e.g. no quota for ${settings.vmSize} in ${region}, a size without ${settings.securityType}, or a region `
          + 'the version is not replicated to)';
      this.live = undefined;
      await this.deleteOrFail(vm, `${phase}: deleting canary ${vm} after its failed creation`);
      return op.fail(missing ? ExitCode.NOT_FOUND : ExitCode.CANARY_FAILED, `${phase}: the canary could not be created: ${reason}. Version `
        + `${settings.version} stays excluded from latest, so the previous version remains latest. Fix the cause (or choose other canary regions or size), `
        + 'then run the deployment again.');
    }
    op.log(`${phase}: canary ${vm} created in ${secondsSince(op, started)}s`);
  }

  /**
   * The canary's own network: its VNet `<vm>-vnet` with the subnet `canary`, made by `az vm create`, with no public IP
   * and no NSG (nothing reaches it from outside). Run Command returns the check's output only when the VM has
   * outbound access to Azure ("Run scripts in your Windows VM by using action Run Commands" on Microsoft Learn,
   * restrictions: "scripts might run successfully but not return the results"): here Azure's default outbound access.
   * Subnets are private (no default outbound access) by default only when made with network API version 2025-07-01
   * or later (Microsoft Learn, "Default outbound access in Azure"; Azure Networking Blog, "Private subnets by default
   * in Azure virtual networks"), and `az vm create` writes the VNet of its ARM template with api-version 2015-06-15
   * (azure-cli, vm/_template_builder.py, build_vnet_resource: the same in 2.45 and 2.74), so the canary's subnet keeps
   * it. No az from 2.44.0 (the oldest the operator runs on) on can make it explicit: `az vm create` has no such option
   * (2.45, 2.74), and `--default-outbound-access` of `az network vnet subnet create` (and of `az network vnet create
   * --subnets`) is not in 2.45's parser (its network API is 2022-01-01); `az network vnet create --subnet-name` sends
   * no defaultOutboundAccess in 2.45 (API 2022-01-01) nor in 2.74 (API 2024-05-01), so its subnet is not private
   * either, until an az moves that command to API 2025-07-01. A subnet made private otherwise (an Azure Policy) loses
   * the check's output: `outputFix` says so.
   */
  private createArgs(vm: string, computer: string, region: string, passwordFile: string): string[] {
    const { settings } = this;
    const { line, version, securityType, plan } = settings;
    return [
      'vm', 'create', ...this.groupArgs, `--name=${vm}`, `--location=${region}`, `--image=${this.imageId}`, `--size=${settings.vmSize}`,
      `--security-type=${securityType}`,
      ...(securityType === 'TrustedLaunch' ? ['--enable-secure-boot=true', '--enable-vtpm=true'] : []),
      ...(plan === undefined ? [] : [`--plan-name=${plan.name}`, `--plan-product=${plan.product}`, `--plan-publisher=${plan.publisher}`]),
      `--admin-username=${CANARY_ADMIN}`, `--admin-password=@${passwordFile}`, `--computer-name=${computer}`,
      '--public-ip-address=', '--nsg=', `--vnet-name=${vm}-vnet`, `--subnet=${CANARY_SUBNET}`, '--nic-delete-option=Delete', '--os-disk-delete-option=Delete',
      '--tags', `${CANARY_TAG}=${version}`, `${CANARY_IMAGE_TAG}=${lineName(line)}`, '--output', 'none',
    ];
  }

  /** The check in the guest, then the canary's deletion; fails with exit code 9 (after the deletion) when it fails. */
  private async check(phase: string, vm: string, computer: string): Promise<void> {
    const { op, settings } = this;
    const started = op.clock.now();
    op.log(`${phase}: checking the guest through Run Command: its computer name, then ${settings.url} (limit ${settings.checkSeconds}s)`);
    const canary = Vm.made(op, this.az, settings.tuning, {
      resourceGroup: settings.canaryResourceGroup, vmName: vm, subscriptionId: settings.line.subscriptionId, guestDirectory: settings.guestDirectory,
    }, this.outputFix(vm));
    const output = await canary.runGuestScript(phase, settings.runCommandSeconds, settings.checkScript, 'the canary check', {
      Url: settings.url,
      ExpectedName: computer,
      TimeoutSeconds: String(settings.checkSeconds),
    });
    if (output === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${phase}: Run Command did not return within ${settings.runCommandSeconds}s. Version ${settings.version} stays `
        + 'excluded from latest, so the previous version remains latest. Run the deployment again to retry.');
    }
    printGuestOutput(op, output);
    const reason = failureOf(output);
    this.live = undefined;
    await this.deleteOrFail(vm, reason === undefined ? `${phase}: deleting canary ${vm}` : `${phase}: deleting canary ${vm} after its failed check`);
    if (reason !== undefined) {
      return op.fail(ExitCode.CANARY_FAILED, `${phase}: the canary failed: ${reason}. Its output is printed above. Version ${settings.version} stays excluded from `
        + 'latest, so VMs and scale sets that use latest keep the previous version. Fix the image (a new build publishes a new version), or run the '
        + 'deployment again to retry the canary.');
    }
    op.log(`${phase}: the canary passed in ${secondsSince(op, started)}s`);
  }

  /** What to do when Run Command returns no output of the check: the canary's subnet lost its outbound access. */
  private outputFix(vm: string): string {
    const { canaryResourceGroup, version } = this.settings;
    return `the canary's own VNet ${vm}-vnet (subnet ${CANARY_SUBNET}, made by az vm create, no public IP) reaches Azure only through Azure's default `
      + 'outbound access, which az vm create leaves on (no az from 2.44 on has an option to set it explicitly), unless something takes it away: an '
      + 'Azure Policy that makes new subnets private (defaultOutboundAccess false) or sends their traffic through a firewall. Exempt resource group '
      + `${canaryResourceGroup} (canary.resourceGroupName) from it, or give the canaries another resource group, then run the deployment again. `
      + `Version ${version} stays excluded from latest.`;
  }

  /** What a message says of a canary that may be left. */
  private leftMessage(vm: string): string {
    return `canary ${vm} (VM, NIC, VNet ${vm}-vnet) may be left in resource group ${this.settings.canaryResourceGroup}: delete it by hand, or run the `
      + `deployment again (canaries tagged ${CANARY_TAG}=${this.settings.version} are deleted first).`;
  }

  /** The way out of a failed or interrupted canary: its deletion, only started when interrupted. */
  private async deleteOnTheWayOut(phase: string, vm: string, error: unknown): Promise<void> {
    const { op } = this;
    if (error instanceof Interrupted) {
      await this.startDeletion(phase, vm);
      return;
    }
    op.log(`${phase}: the run is ending (exit ${exitCodeOf(error)}): deleting canary ${vm}`);
    try {
      const failure = await this.deleteCanary(vm);
      if (failure !== undefined) {
        this.printFailure(failure);
        op.errorLine(this.leftMessage(vm));
      }
    } catch (cleanupError) {
      // Interrupted or failing while deleting: the step's own failure is the one it ends with.
      op.errorLine(`${this.leftMessage(vm)} (${(cleanupError as Error).message})`);
    }
  }

  /** Quickly, since the supervisor that sent the signal is waiting: the deletion goes on in Azure; the VNet is the next run's. */
  private async startDeletion(phase: string, vm: string): Promise<void> {
    const { op } = this;
    op.log(`${phase}: starting the deletion of canary ${vm} (not waiting for it)`);
    const args = ['vm', 'delete', ...this.groupArgs, `--name=${vm}`, '--yes', '--no-wait', '--output', 'none'];
    const result = await this.az.afterInterruption(phase, INTERRUPTED_DELETE_SECONDS, args);
    if (result !== TIMED_OUT && (result.exitCode === 0 || isNotFound(result))) {
      op.log(`${phase}: canary ${vm} is being deleted; its VNet ${vm}-vnet is deleted by the next run (tagged ${CANARY_TAG}=${this.settings.version})`);
      return;
    }
    this.printFailure({ what: `VM ${vm}`, result: result === TIMED_OUT ? undefined : result }, INTERRUPTED_DELETE_SECONDS);
    op.errorLine(this.leftMessage(vm));
  }

  /** Deletes a canary; fails saying what may be left when a part cannot be deleted (exit code 4 or 6, or az's own). */
  private async deleteOrFail(vm: string, what: string): Promise<void> {
    const failure = await this.deleteCanary(vm);
    if (failure?.result !== undefined) {
      this.az.fail(ExitCode.AZ_FAILED, what, this.leftMessage(vm), failure.result);
    }
    if (failure !== undefined) {
      this.op.fail(ExitCode.TIMEOUT, `${what}: az did not delete ${failure.what} within ${DELETE_MINUTES} minutes. ${this.leftMessage(vm)}`);
    }
  }

  private printFailure(failure: DeletionFailure, limitSeconds = DELETE_MINUTES * 60): void {
    if (failure.result !== undefined) {
      this.op.print('  az| ', failure.result.stderr, 'stderr');
    } else {
      this.op.print('  az| ', `${failure.what}: az did not return within ${limitSeconds}s`, 'stderr');
    }
  }

  /**
   * The VM (its NIC and OS disk go with it), then its NIC (left behind when the VM's creation failed after the NIC was
   * made), then its VNet; what is gone already counts as deleted. Returns the first failure, if any.
   */
  private async deleteCanary(vm: string): Promise<DeletionFailure | undefined> {
    const { op } = this;
    const phase = op.phase;
    const started = op.clock.now();
    op.log(`${phase}: deleting canary ${vm} (the VM with its NIC and OS disk, then its VNet ${vm}-vnet)`);
    const parts: Array<[string, string[]]> = [
      [`VM ${vm}`, ['vm', 'delete', ...this.groupArgs, `--name=${vm}`, '--yes']],
      [`NIC ${vm}VMNic`, ['network', 'nic', 'delete', ...this.groupArgs, `--name=${vm}VMNic`]],
      [`VNet ${vm}-vnet`, ['network', 'vnet', 'delete', ...this.groupArgs, `--name=${vm}-vnet`]],
    ];
    for (const [what, args] of parts) {
      const result = await this.az.call(phase, DELETE_MINUTES * 60, [...args, '--output', 'none']);
      if (result === TIMED_OUT) {
        return { what };
      }
      if (result.exitCode === 0) {
        op.log(`${phase}: ${what} deleted`);
      } else if (isNotFound(result) && azFault(result) === undefined) {
        op.log(`${phase}: ${what} is already gone`);
      } else {
        return { what, result };
      }
    }
    op.log(`${phase}: canary ${vm} deleted in ${secondsSince(op, started)}s`);
    return undefined;
  }
}

/** The canary a tagged resource belongs to: a VM's name, a NIC's without `VMNic`, a VNet's without `-vnet`. */
function canaryOf(type: string, name: string): string | undefined {
  switch (type.toLowerCase()) {
    case 'microsoft.compute/virtualmachines': return name;
    case 'microsoft.network/networkinterfaces': return name.replace(/VMNic$/, '');
    case 'microsoft.network/virtualnetworks': return name.replace(/-vnet$/, '');
    default: return undefined;
  }
}

/** Why the check failed, from the last line of the guest's output; undefined when it passed. */
function failureOf(output: GuestOutput): string | undefined {
  const last = output.stdout.split(/\r?\n/).filter((line) => line.trim() !== '').pop() ?? '';
  const failed = `${CANARY_MARKER} FAILED`;
  if (last.startsWith(`${CANARY_MARKER} PASSED`)) {
    return undefined;
  }
  if (last.startsWith(failed)) {
    return last.slice(failed.length).replace(/^ /, '');
  }
  return `the guest's output does not end with a result line (${CANARY_MARKER} ...): the check did not run to its end`;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof OperatorFailure) {
    return error.exitCode;
  }
  return error instanceof InvalidInput ? ExitCode.INVALID_INPUT : ExitCode.INTERNAL;
}

function secondsSince(op: Operator, started: number): number {
  return Math.floor((op.clock.now() - started) / 1000);
}

/** The subscription of az's session, when none was given. */
async function currentSubscription(op: Operator, az: Az): Promise<string> {
  const id = await az.query<unknown>('canary', ['account', 'show', '--query', 'id'], ExitCode.AZ_FAILED, 'Set GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID).');
  if (typeof id !== 'string' || !SUBSCRIPTION_ID.pattern.test(id)) {
    return op.fail(ExitCode.INVALID_INPUT, `the subscription of az's session (az account show) must be ${SUBSCRIPTION_ID.description}; got `
      + `${shown(String(id))}. Set GOLDEN_SUBSCRIPTION_ID (or ARM_SUBSCRIPTION_ID).`);
  }
  op.log(`canary: subscription ${id} (az's current one)`);
  return id;
}

/** gallery-canary: the canaries of this build's version, one region after the other. */
export async function galleryCanary(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, CANARY_CONSTRUCT);
  const settings = readSettings(op, reader);
  const directory = op.temporaryDirectory('canary');
  const { line, version, regions } = settings;
  op.interruptNote = `Version ${version} is left as it is, excluded from latest: run the deployment again to run the canaries again.`;
  op.log(`canary: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup}, one ${settings.securityType} ${settings.vmSize} VM `
    + `in each of: ${regions.join(' ')} (resource group ${settings.canaryResourceGroup})`);
  const az = new Az(op, settings.tuning, notFoundOf(settings));
  await az.start(reader);
  op.phase = 'canary';
  const subscriptionId = line.subscriptionId ?? await currentSubscription(op, az);
  const published = await new GalleryVersions(op, az, line).requirePublished('canary', version, settings.revision, 'no VM can be made from it yet',
    NOT_FOUND_HINT);
  op.log(`canary: version ${version} is published (excluded from latest: ${published.excludedFromLatest ? 'True' : 'False'})`);
  const imageId = `/subscriptions/${subscriptionId}/resourceGroups/${line.resourceGroup}/providers/Microsoft.Compute/galleries/${line.gallery}`
    + `/images/${line.definition}/versions/${version}`;
  const canaries = new Canaries(op, az, settings, directory, imageId);
  await canaries.deleteLeftovers();
  for (const [index, region] of regions.entries()) {
    await canaries.run(index + 1, region);
  }
  op.phase = 'canary';
  op.log(`canary: passed in ${regions.length} region(s): ${regions.join(' ')}`);
}
