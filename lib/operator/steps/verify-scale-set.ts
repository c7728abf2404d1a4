/**
 * verify-scale-set: the post-deploy check of an ImageScaleSet (a Uniform VM scale set behind a Standard load balancer,
 * upgrade mode Rolling gated by the load balancer's health probe; `verifyInstances`), run by its `Verification` resource
 * after the scale set. A new source image starts a rolling upgrade that Azure carries out on its own, batch after batch,
 * and Terraform's apply returns before it ends; so this step, within one deadline:
 *   1. waits for the latest rolling upgrade to end (`az vmss rolling-upgrade get-latest`): Completed, or none ever run
 *      (a first deployment: Azure answers NotFound), goes on; Faulted or Cancelled fails (exit 10); RollingForward is
 *      waited for, with its progress;
 *   2. waits until `az vmss list-instances` shows exactly GOLDEN_SCALE_SET_INSTANCES instances, each provisioned
 *      (Succeeded) and on the latest model, and reads their computer names;
 *   3. fetches GOLDEN_SCALE_SET_URL through the load balancer in batches of parallel requests, each on a new TCP
 *      connection, until every instance's computer name has been seen in a page (in any case). The load balancer picks
 *      the instance by a hash of each connection's 5-tuple, so seeing all N takes about N*ln(N) requests: a batch holds
 *      2N of them (8-1000), at most 32 at a time.
 *
 * With automatic OS image upgrades from a gallery definition's latest (GOLDEN_SCALE_SET_GALLERY_IMAGE), step 2 also
 * makes the rollout of the version that latest now resolves to happen. Azure starts that upgrade only "when the new
 * image is published and replicated to the region of that scale set", and never rolls out a version excluded from
 * latest (Microsoft Learn, "Azure Virtual Machine Scale Set automatic OS image upgrades", "Automatic OS image upgrade
 * for custom images"); GalleryImageVersion publishes every version excluded from latest and makes it latest only after
 * its canary, so Azure may never start the rollout of a promoted version. When some instances run another version
 * than latest and no rolling upgrade runs, the step starts one (`az vmss rolling-upgrade start`: "Start a rolling
 * upgrade to move all virtual machine scale set instances to the latest available image OS version. Instances that are
 * already running the latest available OS version are not affected", the same page, "Manually trigger OS image
 * upgrades"), says so, and waits for it like any other. At most once per run; a rerun finds it running or done.
 *
 * Exit codes: 0 verified; 2 invalid input; 3 az cannot be used (missing, too old, crashing, lacking a module, cannot
 * log in, or its session expired during the run); 4 timeout: the rolling upgrade or the instances were not ready by
 * the deadline, or an az call did not answer; 6 az failed; 8 the scale set, its resource group or the gallery image
 * definition does not exist; 10 the latest rolling upgrade Faulted or was Cancelled; 11 some instances never answered
 * through the load balancer by the deadline; 12 no temporary directory (only a login with the ARM_* variables needs
 * one); 129/130/143 interrupted.
 */
import { Az, TIMED_OUT } from '../az';
import { ExitCode } from '../failure';
import { azFault, AzResult, firstErrorLine, isNotFound } from '../faults';
import { GALLERY_IMAGE, GALLERY_NAME } from '../gallery-line';
import { InputReader, InvalidInput, NumberInput, readTuning, RESOURCE_GROUP, shown, SUBSCRIPTION_ID, TextInput, Tuning } from '../inputs';
import { Operator } from '../operator';
import {
  fetchPage, inParallel, MAX_PARALLEL_REQUESTS, nameList, pageExcerpt, showsName, VERIFY_INTERVAL_SECONDS, VERIFY_REQUEST_SECONDS,
  VERIFY_TIMEOUT_MINUTES_ENV,
} from '../verify';
import { compareVersions } from '../versions';

export const VERIFY_SCALE_SET_NAME = 'verify-scale-set';
export const VERIFY_SCALE_SET_CONSTRUCT = 'ImageScaleSet';
export const VERIFY_SCALE_SET_INTERRUPTED = 'The check changes nothing in Azure, but for a rolling upgrade it started (said so above), which Azure '
  + 'carries on; Terraform taints a resource whose provisioner failed, so the next deployment runs it again.';

export const SCALE_SET_RESOURCE_GROUP: TextInput = { ...RESOURCE_GROUP, env: 'GOLDEN_SCALE_SET_RESOURCE_GROUP' };
/** Scale set names: 1-64 letters, digits, hyphens, underscores and periods (Microsoft Learn: "Naming rules and restrictions for Azure resources", virtualMachineScaleSets). */
export const SCALE_SET_NAME: TextInput = {
  env: 'GOLDEN_SCALE_SET_NAME',
  pattern: /^[A-Za-z0-9][-A-Za-z0-9_.]{0,63}$/,
  description: 'a scale set name (1-64 letters, digits, hyphens, underscores and periods, starting with a letter or digit)',
};
/** The app's URL through the load balancer: a host name or IPv4 address, an optional port, a path of URL characters. */
export const SCALE_SET_URL: TextInput = {
  env: 'GOLDEN_SCALE_SET_URL',
  pattern: /^https?:\/\/[A-Za-z0-9]([-A-Za-z0-9.]{0,252}[A-Za-z0-9])?(:[0-9]{1,5})?(\/[-A-Za-z0-9._~/%!$&()*+,;=:@?]*)?$/,
  description: 'an http(s) URL with a host name or IPv4 address, without spaces, quotes, brackets or braces, such as http://203.0.113.10/',
};
export const MAX_URL_LENGTH = 2048;
/** How many instances the scale set must have (given: it has no default). */
export const SCALE_SET_INSTANCES: NumberInput = { env: 'GOLDEN_SCALE_SET_INSTANCES', prop: 'count', min: 1, max: 1000, default: 1 };
/** The deadline of the whole check: the rolling upgrade of a large set takes a while. */
export const SCALE_SET_VERIFY_TIMEOUT_MINUTES: NumberInput = {
  env: VERIFY_TIMEOUT_MINUTES_ENV, prop: 'verifyTimeoutMinutes', min: 5, max: 480, default: 60,
};
const GALLERY_ID = new RegExp(`^/subscriptions/(?<subscription>${unanchored(SUBSCRIPTION_ID.pattern)})`
  + `/resourceGroups/(?<group>${unanchored(RESOURCE_GROUP.pattern)})/providers/Microsoft\\.Compute/galleries/(?<gallery>${unanchored(GALLERY_NAME.pattern)})`
  + `/images/(?<definition>${unanchored(GALLERY_IMAGE.pattern)})$`, 'i');
/** The gallery image definition whose latest the scale set follows with automatic OS image upgrades; unset otherwise. */
export const SCALE_SET_GALLERY_IMAGE: TextInput = {
  env: 'GOLDEN_SCALE_SET_GALLERY_IMAGE',
  pattern: GALLERY_ID,
  description: 'the resource id of a gallery image definition (/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.Compute/galleries/<gallery>/images/<definition>)',
};

/** The least time an az call or a batch of requests gets, even at the deadline: one slow answer must not fail the check. */
const AZ_MIN_SECONDS = 30;
const MIN_BATCH = 8;
const MAX_BATCH = 1000;
/** A Windows computer name, as Azure gives each instance (its prefix and 6 characters of the instance id). */
const COMPUTER_NAME = /^[A-Za-z0-9][-A-Za-z0-9]{0,14}$/;
/** No rolling upgrade has ever run on the scale set: 404 NotFound (a missing scale set is ResourceNotFound instead). */
const NO_UPGRADE = /\(NotFound\)|Code: NotFound|The entity was not found/;
const NOT_FOUND_HINT = 'It is created by the deployment before this check runs: check GOLDEN_SCALE_SET_NAME and GOLDEN_SCALE_SET_RESOURCE_GROUP (they come '
  + 'from the ImageScaleSet construct), then run the deployment again.';
/**
 * The states of a rolling upgrade (`runningStatus.code`: RollingUpgradeStatusCode of the Compute REST API, "Virtual
 * Machine Scale Set Rolling Upgrades - Get Latest").
 */
const KNOWN_STATES = ['RollingForward', 'Completed', 'Faulted', 'Cancelled'];

/** The step's inputs as ImageScaleSet writes them (values or Terraform expressions). */
export interface VerifyScaleSetEnvironment {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly scaleSetName: string;
  readonly url: string;
  readonly instances: string;
  readonly timeoutMinutes: string;
  /** The gallery image definition's id, with automatic OS image upgrades from its latest. */
  readonly galleryImageId?: string;
}

export function verifyScaleSetEnvironment(input: VerifyScaleSetEnvironment): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [SCALE_SET_RESOURCE_GROUP.env]: input.resourceGroup,
    [SCALE_SET_NAME.env]: input.scaleSetName,
    [SCALE_SET_URL.env]: input.url,
    [SCALE_SET_INSTANCES.env]: input.instances,
    [SCALE_SET_VERIFY_TIMEOUT_MINUTES.env]: input.timeoutMinutes,
    ...(input.galleryImageId !== undefined ? { [SCALE_SET_GALLERY_IMAGE.env]: input.galleryImageId } : {}),
  };
}

/** A gallery image definition, from its id. */
interface GalleryDefinition {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly gallery: string;
  readonly definition: string;
}

interface Inputs {
  readonly subscriptionId?: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly url: string;
  readonly expected: number;
  readonly timeoutMinutes: number;
  readonly intervalSeconds: number;
  readonly requestSeconds: number;
  readonly gallery?: GalleryDefinition;
  readonly tuning: Tuning;
}

/** The latest rolling upgrade, as `az vmss rolling-upgrade get-latest` shows it; `none` when none has ever run. */
interface RollingUpgrade {
  readonly code: string;
  /** `<n> succeeded, <n> failed, <n> in progress, <n> pending`. */
  readonly progress: string;
  /** Azure's error code and message, if any. */
  readonly error: string;
}

/** An instance, as `az vmss list-instances` shows it. */
interface Instance {
  readonly id: string;
  readonly computerName: string | null;
  readonly provisioningState: string;
  readonly latestModelApplied: boolean;
  /**
   * The image version the instance runs (`storageProfile.imageReference.exactVersion`: "differs from 'version', only
   * if the value specified in 'version' field is 'latest'", ImageReference of the Compute REST API); null when Azure
   * does not say.
   */
  readonly version: string | null;
  readonly location: string;
}

/** The version the definition's latest resolves to, for the scale set's region. */
interface RolloutTarget {
  readonly version: string;
  /** Whether it is replicated to the scale set's region: Azure rolls out no version that is not. */
  readonly inRegion: boolean;
}

const INSTANCES_QUERY = '[].[instanceId, osProfile.computerName, provisioningState, latestModelApplied, storageProfile.imageReference.exactVersion, location]';

export async function verifyScaleSet(op: Operator): Promise<void> {
  op.interruptNote = VERIFY_SCALE_SET_INTERRUPTED;
  const reader = new InputReader(op.env, VERIFY_SCALE_SET_CONSTRUCT);
  const inputs = readInputs(op, reader);
  const check = new ScaleSetCheck(op, inputs);
  op.log(`scale set ${inputs.name} in resource group ${inputs.resourceGroup}${inputs.subscriptionId ? `, subscription ${inputs.subscriptionId}` : ''}: `
    + `${inputs.expected} instance(s) expected behind ${inputs.url}; deadline ${inputs.timeoutMinutes * 60}s`);
  await check.az.start(reader);
  const names = await check.waitForScaleSet();
  await check.throughLoadBalancer(names);
  op.phase = 'done';
  op.log(`verified in ${op.elapsedSeconds()}s: ${inputs.expected} instance(s) on the latest model, each answering through the load balancer`);
}

function readInputs(op: Operator, reader: InputReader): Inputs {
  op.phase = 'validate';
  const tuning = readTuning(reader);
  const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, 'ARM_SUBSCRIPTION_ID');
  const resourceGroup = reader.text(SCALE_SET_RESOURCE_GROUP);
  const name = reader.text(SCALE_SET_NAME);
  const rawUrl = op.env[SCALE_SET_URL.env] ?? '';
  if (rawUrl.length > MAX_URL_LENGTH) {
    throw new InvalidInput(`${SCALE_SET_URL.env} must be at most ${MAX_URL_LENGTH} characters; got ${rawUrl.length}.`);
  }
  const url = reader.text(SCALE_SET_URL);
  const port = /^https?:\/\/[^/:]+:([0-9]+)/.exec(url)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new InvalidInput(`${SCALE_SET_URL.env} must have a port between 1 and 65535; got ${shown(url)}. It comes from the ${VERIFY_SCALE_SET_CONSTRUCT} `
      + 'construct\'s props (or a Terraform variable given to them).');
  }
  const expected = reader.requiredNumber(SCALE_SET_INSTANCES);
  const timeoutMinutes = reader.number(SCALE_SET_VERIFY_TIMEOUT_MINUTES);
  const intervalSeconds = reader.number(VERIFY_INTERVAL_SECONDS);
  const requestSeconds = reader.number(VERIFY_REQUEST_SECONDS);
  const galleryId = reader.optionalText(SCALE_SET_GALLERY_IMAGE);
  const parts = galleryId === undefined ? undefined : GALLERY_ID.exec(galleryId)!.groups!;
  const gallery = parts === undefined ? undefined
    : { subscriptionId: parts.subscription, resourceGroup: parts.group, gallery: parts.gallery, definition: parts.definition };
  return { subscriptionId, resourceGroup, name, url, expected, timeoutMinutes, intervalSeconds, requestSeconds, gallery, tuning };
}

/** The checks of one scale set against one deadline. */
class ScaleSetCheck {
  public readonly az: Az;
  /** The az arguments that name the scale set, in the `--option=value` form (a resource group name may start with a hyphen). */
  private readonly args: readonly string[];
  private readonly deadline: number;
  private readonly timeoutNote: string;

  constructor(private readonly op: Operator, private readonly inputs: Inputs) {
    this.az = new Az(op, inputs.tuning, {
      subject: `scale set ${inputs.name} in resource group ${inputs.resourceGroup}${inputs.subscriptionId ? ` (subscription ${inputs.subscriptionId})` : ''}`,
      what: 'the scale set or its resource group',
      hint: NOT_FOUND_HINT,
    });
    this.args = [
      ...(inputs.subscriptionId ? [`--subscription=${inputs.subscriptionId}`] : []),
      `--resource-group=${inputs.resourceGroup}`,
      `--name=${inputs.name}`,
    ];
    this.deadline = op.clock.now() + inputs.timeoutMinutes * 60 * 1000;
    this.timeoutNote = `${SCALE_SET_VERIFY_TIMEOUT_MINUTES.env}=${inputs.timeoutMinutes}`;
  }

  /**
   * Steps 1 and 2 together: the rolling upgrade is looked at again while the instances are waited for, since Azure may
   * register the upgrade of this deployment's model only after the first look. Returns the instances' computer names.
   */
  public async waitForScaleSet(): Promise<string[]> {
    const { op, inputs } = this;
    let lastUpgradeLine = '';
    let target: RolloutTarget | undefined;
    let targetRead = false;
    let rolloutStarted = false;
    let unknownVersionsSaid = false;
    for (;;) {
      op.phase = 'rolling upgrade';
      const upgrade = await this.readRollingUpgrade();
      if (upgrade.code === 'Faulted' || upgrade.code === 'Cancelled') {
        this.failUpgrade(upgrade);
      }
      if (upgrade.code === 'RollingForward') {
        // Whatever it ends as is said again, even in the same words as the upgrade before it.
        lastUpgradeLine = '';
        op.log(`rolling upgrade: RollingForward: ${upgrade.progress}; waiting, ${op.elapsedSeconds()}s of ${inputs.timeoutMinutes * 60}s`);
        await this.nextLook(`the latest rolling upgrade is still RollingForward (${upgrade.progress}). Azure goes on with it: look at \`az vmss `
          + `rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\`, then run the deployment again to check again, or give `
          + `the check more time (verifyTimeoutMinutes of the ${VERIFY_SCALE_SET_CONSTRUCT} construct)`);
        continue;
      }
      if (!KNOWN_STATES.includes(upgrade.code) && upgrade.code !== 'none') {
        op.fail(ExitCode.AZ_FAILED, `rolling upgrade: az vmss rolling-upgrade get-latest reports the state ${shown(upgrade.code)}, which this step does not `
          + `know (${KNOWN_STATES.join(', ')}). Look at the scale set in the portal, then run the deployment again.`);
      }
      const upgradeLine = upgrade.code === 'none' ? 'no rolling upgrade has run on this scale set (a first deployment): nothing to wait for'
        : `the latest rolling upgrade Completed (${upgrade.progress})`;
      if (upgradeLine !== lastUpgradeLine) {
        op.log(`rolling upgrade: ${upgradeLine}`);
        lastUpgradeLine = upgradeLine;
      }

      op.phase = 'instances';
      const instances = await this.readInstances();
      // Once per run: a version promoted meanwhile is the next run's.
      if (inputs.gallery !== undefined && !targetRead && instances.length > 0) {
        targetRead = true;
        target = await this.rolloutTarget(inputs.gallery, instances[0].location);
      }
      const rollout = target?.inRegion ? target : undefined;
      const behind = rollout === undefined ? [] : instances.filter((i) => i.version !== null && i.version !== rollout.version);
      const unknown = rollout === undefined ? [] : instances.filter((i) => i.version === null);
      if (unknown.length > 0 && !unknownVersionsSaid) {
        unknownVersionsSaid = true;
        op.log(`rolling upgrade: az vmss list-instances shows no image version (storageProfile.imageReference.exactVersion) for ${unknown.length} instance(s) `
          + `(${nameList(unknown.map(nameOf))}): whether they run ${rollout!.version} cannot be told, so no rolling upgrade is started for them`);
      }
      const settled = this.settlingProblems(instances);
      if (rollout !== undefined && behind.length > 0 && settled.length === 0 && !rolloutStarted) {
        rolloutStarted = true;
        await this.startRollingUpgrade(rollout, behind, instances.length);
        continue;
      }
      const problems = [...settled, ...(behind.length > 0 ? [`${behind.length} not on version ${rollout!.version}, the latest of `
        + `${galleryName(inputs.gallery!)}: ${nameList(behind.map((i) => `${nameOf(i)} (on ${i.version})`))}`] : [])];
      if (problems.length === 0) {
        this.requireComputerNames(instances);
        const names = instances.map((i) => i.computerName!);
        op.log(`instances: all ${instances.length} provisioned and on the latest model${rollout === undefined ? ''
          : ` and on version ${rollout.version}, the latest of ${galleryName(inputs.gallery!)}`}: ${nameList(names)}`);
        return names;
      }
      const problem = problems.join('; ');
      op.log(`instances: ${problem}; waiting, ${op.elapsedSeconds()}s of ${inputs.timeoutMinutes * 60}s`);
      await this.nextLook(`the scale set is still not as expected: ${problem}. Azure may still be creating, deleting or upgrading instances: look at `
        + `\`az vmss list-instances --resource-group ${inputs.resourceGroup} --name ${inputs.name}\` (a Failed instance needs a repair or a reimage), `
        + 'check that nothing else (autoscale, a manual change) sets the capacity, then run the deployment again');
    }
  }

  /** Step 3: the URL through the load balancer, in batches, until every instance's computer name was seen in a page. */
  public async throughLoadBalancer(names: readonly string[]): Promise<void> {
    const { op, inputs } = this;
    const phase = 'load balancer';
    op.phase = phase;
    const total = names.length;
    const batchSize = Math.min(MAX_BATCH, Math.max(MIN_BATCH, 2 * total));
    const parallel = Math.min(MAX_PARALLEL_REQUESTS, batchSize);
    const seen = new Set<string>();
    let batch = 0;
    let requests = 0;
    let pages = 0;
    let strangers = 0;
    let failures = 0;
    let firstStranger: string | undefined;
    let firstError: string | undefined;
    op.log(`${phase}: fetching ${inputs.url} until each of the ${total} instance(s) has answered with its computer name: batches of ${batchSize} `
      + `request(s), ${parallel} at a time, each on a new connection`);
    for (;;) {
      batch += 1;
      const started = op.clock.now();
      // The requests started by then count, even at the deadline: at least one request's time.
      const batchEnd = started + Math.max(this.deadline - started, inputs.requestSeconds * 1000);
      const results = await inParallel(batchSize, parallel, () => fetchPage(op, inputs.url, inputs.requestSeconds), () => op.clock.now() >= batchEnd);
      const answered = results.filter((r) => r !== undefined);
      if (answered.length < batchSize) {
        op.log(`${phase}: batch stopped at the deadline, after ${Math.floor((op.clock.now() - started) / 1000)}s`);
      }
      const seenBefore = seen.size;
      let batchPages = 0;
      let batchStrangers = 0;
      let batchFailures = 0;
      let batchStranger: string | undefined;
      let batchError: string | undefined;
      for (const result of answered) {
        if ('problem' in result) {
          batchFailures += 1;
          batchError ??= result.problem.slice(0, 200);
          continue;
        }
        batchPages += 1;
        const named = names.filter((name) => showsName(result.page, name));
        named.forEach((name) => seen.add(name));
        if (named.length === 0) {
          batchStrangers += 1;
          batchStranger ??= pageExcerpt(result.page);
        }
      }
      requests += answered.length;
      pages += batchPages;
      strangers += batchStrangers;
      failures += batchFailures;
      firstStranger ??= batchStranger;
      firstError ??= batchError;
      op.log(`${phase}: batch ${batch}: ${batchPages} page(s), ${batchFailures} failed request(s), ${batchStrangers} page(s) naming none of the instances; `
        + `${seen.size} of ${total} instance(s) seen`);
      if (batchError !== undefined) {
        op.log(`${phase}: first failure of batch ${batch}: ${batchError}`);
      }
      if (batchStranger !== undefined) {
        op.log(`${phase}: a page naming none of the instances (an error page, or a machine outside the scale set in the backend pool?): '${batchStranger}'`);
      }
      if (seen.size >= total) {
        break;
      }
      const missing = names.filter((name) => !seen.has(name));
      if (op.clock.now() >= this.deadline) {
        op.fail(ExitCode.NOT_ANSWERED, `${phase}: after ${op.elapsedSeconds()}s (${this.timeoutNote}), ${total - seen.size} of ${total} instance(s) never `
          + `answered through the load balancer at ${inputs.url}: ${nameList(missing)}. Of ${requests} request(s), ${pages} gave a page, ${strangers} of them `
          + `naming none of the instances${firstStranger === undefined ? '' : ` (the first: '${firstStranger}')`}, and ${failures} failed`
          + `${firstError === undefined ? '' : ` (the first: ${firstError})`}. Check the NSG rule that lets the app port in, the load balancer rule, the `
          + 'health probe\'s path (an instance the probe finds down gets no connections), and that the app\'s page shows the computer name.');
      }
      if (seen.size === seenBefore) {
        op.log(`${phase}: no new instance in batch ${batch}; not yet seen: ${nameList(missing)}`);
        await op.pause(phase, Math.min(inputs.intervalSeconds, (this.deadline - op.clock.now()) / 1000), 'waiting before the next batch',
          inputs.tuning.pollSeconds);
      }
    }
    op.log(`${phase}: all ${total} instance(s) answered through the load balancer with their computer name (${requests} request(s) in ${batch} batch(es))`);
    if (strangers > 0) {
      op.warn(`${phase}: ${strangers} of ${pages} page(s) named none of the scale set's instances (the first: '${firstStranger}'). The load balancer may also `
        + 'send connections to a machine outside the scale set (look at its backend pool), or an instance served another page.');
    }
  }

  /** The latest rolling upgrade; code `none` when none has ever run on the scale set. */
  private async readRollingUpgrade(): Promise<RollingUpgrade> {
    const what = 'rolling upgrade: az vmss rolling-upgrade get-latest';
    const result = await this.azCall('rolling upgrade', ['vmss', 'rolling-upgrade', 'get-latest', ...this.args, '--output', 'json'], what);
    if (result.exitCode !== 0) {
      if (NO_UPGRADE.test(result.stderr) && !/ResourceNotFound|ResourceGroupNotFound/.test(result.stderr) && azFault(result) === undefined) {
        return { code: 'none', progress: '', error: '' };
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the scale set, then run the deployment again.', result);
    }
    const status = this.az.parseJson<UpgradeStatus | null>(what, result, 'null');
    const progress = status?.progress ?? {};
    const count = (n: number | null | undefined) => n ?? 0;
    const error = [status?.error?.code, status?.error?.message].filter((part) => part !== undefined && part !== null && part !== '').join(': ');
    return {
      code: status?.runningStatus?.code ?? 'unknown',
      progress: `${count(progress.successfulInstanceCount)} succeeded, ${count(progress.failedInstanceCount)} failed, `
        + `${count(progress.inProgressInstanceCount)} in progress, ${count(progress.pendingInstanceCount)} pending`,
      error,
    };
  }

  private failUpgrade(upgrade: RollingUpgrade): never {
    const { inputs } = this;
    const what = upgrade.code === 'Faulted'
      ? 'Faulted: Azure stopped it because the load balancer\'s health probe on the app\'s page found upgraded instances unhealthy'
      : 'Cancelled (az vmss rolling-upgrade cancel, or the portal) before every instance was upgraded';
    return this.op.fail(ExitCode.ROLLING_UPGRADE_STOPPED, `rolling upgrade: the latest rolling upgrade of scale set ${inputs.name} is ${what} (progress: `
      + `${upgrade.progress})${upgrade.error ? `. Azure says: ${upgrade.error}` : ''}. The instances not yet upgraded keep the previous image. Look at `
      + `\`az vmss rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\` and at the upgraded instances, then fix the `
      + 'image and deploy again, or roll back: deploy again with the previous source image id.');
  }

  private async readInstances(): Promise<Instance[]> {
    const what = 'instances: az vmss list-instances';
    const result = await this.azCall('instances', ['vmss', 'list-instances', ...this.args, '--query', INSTANCES_QUERY, '--output', 'json'], what);
    if (result.exitCode !== 0) {
      this.az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the scale set, then run the deployment again.', result);
    }
    const rows = this.az.parseJson<unknown>(what, result, '[]');
    return (Array.isArray(rows) ? rows : []).filter((row): row is unknown[] => Array.isArray(row) && typeof row[0] === 'string' && row[0] !== '')
      .map((row) => ({
        id: row[0] as string,
        computerName: typeof row[1] === 'string' ? row[1] : null,
        provisioningState: typeof row[2] === 'string' ? row[2] : String(row[2]),
        latestModelApplied: row[3] === true,
        version: typeof row[4] === 'string' && row[4] !== '' ? row[4] : null,
        location: typeof row[5] === 'string' ? row[5] : '',
      }));
  }

  /** What keeps the instances from being as expected, whatever their image version: their count, provisioning, model. */
  private settlingProblems(instances: readonly Instance[]): string[] {
    const { expected } = this.inputs;
    const unprovisioned = instances.filter((i) => i.provisioningState !== 'Succeeded');
    const outdated = instances.filter((i) => i.provisioningState === 'Succeeded' && !i.latestModelApplied);
    return [
      ...(instances.length !== expected ? [`${instances.length} instance(s), not ${expected} (${SCALE_SET_INSTANCES.env})`] : []),
      ...(unprovisioned.length > 0 ? [`${unprovisioned.length} not provisioned (Succeeded): ${nameList(unprovisioned.map((i) => `${nameOf(i)} (${i.provisioningState})`))}`] : []),
      ...(outdated.length > 0 ? [`${outdated.length} not on the latest model: ${nameList(outdated.map(nameOf))}`] : []),
    ];
  }

  /** The computer names go into the page check: an empty or odd one would match pages it must not. */
  private requireComputerNames(instances: readonly Instance[]): void {
    for (const instance of instances) {
      if (instance.computerName === null || !COMPUTER_NAME.test(instance.computerName)) {
        this.op.fail(ExitCode.AZ_FAILED, `instances: instance ${shown(instance.id)} has no Windows computer name in az vmss list-instances `
          + `(osProfile.computerName is ${instance.computerName === null ? 'null' : shown(instance.computerName)}). Look at the scale set's OS profile, `
          + 'then run the deployment again.');
      }
    }
  }

  /**
   * The version the definition's latest resolves to: "the latest image is chosen based on the highest MajorVersion, then
   * MinorVersion, then Patch" (Microsoft Learn, "Store and share images in an Azure Compute Gallery", Image versions),
   * among the versions not excluded from latest (excluded ones are never rolled out: see the file's comment); only a
   * version whose provisioning Succeeded, so that the step never starts an upgrade to one still replicating or failed.
   * Undefined when there is none; `inRegion` tells whether it is replicated to the scale set's region.
   */
  private async rolloutTarget(gallery: GalleryDefinition, region: string): Promise<RolloutTarget | undefined> {
    const { op } = this;
    const line = galleryName(gallery);
    const what = 'rolling upgrade: az sig image-version list';
    const result = await this.azCall('rolling upgrade', ['sig', 'image-version', 'list', `--subscription=${gallery.subscriptionId}`,
      `--resource-group=${gallery.resourceGroup}`, `--gallery-name=${gallery.gallery}`, `--gallery-image-definition=${gallery.definition}`,
      '--output', 'json'], what);
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === undefined) {
        op.print('  az| ', result.stderr, 'stderr');
        op.fail(ExitCode.NOT_FOUND, `${what} failed: gallery image definition ${line} in resource group ${gallery.resourceGroup} (subscription `
          + `${gallery.subscriptionId}), whose latest the scale set follows (${SCALE_SET_GALLERY_IMAGE.env}), was not found. It comes from the `
          + `${VERIFY_SCALE_SET_CONSTRUCT} construct's image: check that the gallery and the definition exist, then run the deployment again.`);
      }
      this.az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the gallery\'s image versions, then run the deployment again.', result);
    }
    const versions = this.az.parseJson<unknown>(what, result, '[]');
    const latest = (Array.isArray(versions) ? versions as GalleryVersion[] : [])
      .filter((v) => typeof v?.name === 'string' && v.provisioningState === 'Succeeded' && v.publishingProfile?.excludeFromLatest !== true)
      .sort((a, b) => compareVersions(a.name, b.name))
      .pop();
    if (latest === undefined) {
      op.log(`rolling upgrade: no version of gallery image ${line} is latest (none has succeeded without being excluded from latest): nothing to roll out`);
      return undefined;
    }
    const inRegion = (latest.publishingProfile?.targetRegions ?? []).some((r) => typeof r?.name === 'string' && canonicalRegion(r.name) === canonicalRegion(region));
    if (!inRegion) {
      op.log(`rolling upgrade: version ${latest.name}, the latest of ${line}, is not replicated to ${region}, the scale set's region: Azure rolls out no `
        + 'version before it is replicated there, so the instances stay as they are (add the region to the version\'s target regions to roll it out)');
    }
    return { version: latest.name, inRegion };
  }

  /**
   * Starts the rolling upgrade Azure did not start. az (before 2.47 without --no-wait) may wait for the whole upgrade:
   * the call gets the time left, and the loop looks at the upgrade again either way.
   */
  private async startRollingUpgrade(target: RolloutTarget, behind: readonly Instance[], count: number): Promise<void> {
    const { op, inputs } = this;
    op.phase = 'rolling upgrade';
    op.log(`rolling upgrade: ${behind.length} of ${count} instance(s) do not run version ${target.version}, the latest of `
      + `${galleryName(inputs.gallery!)} (${nameList(behind.map((i) => `${nameOf(i)} on ${i.version}`))}), and no rolling upgrade runs for it: starting `
      + 'one (az vmss rolling-upgrade start). Azure starts its automatic OS image upgrade when a version is published and replicated, not when a version '
      + 'published excluded from latest becomes latest later.');
    const what = 'rolling upgrade: az vmss rolling-upgrade start';
    const limit = this.limitFromDeadline();
    const result = await this.az.call('rolling upgrade', limit, ['vmss', 'rolling-upgrade', 'start', ...this.args, '--output', 'none']);
    if (result === TIMED_OUT) {
      return op.fail(ExitCode.TIMEOUT, `${what} did not return within ${limit}s (${this.timeoutNote}): the rolling upgrade it started goes on in Azure. `
        + `Look at \`az vmss rolling-upgrade get-latest --resource-group ${inputs.resourceGroup} --name ${inputs.name}\`, then run the deployment again to `
        + 'check again (no second one is started while it runs).');
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      // Azure may have started its own upgrade meanwhile: then that is the one to wait for.
      const now = await this.readRollingUpgrade();
      if (now.code === 'RollingForward') {
        op.log(`rolling upgrade: az vmss rolling-upgrade start failed (${firstErrorLine(result) || `exit status ${result.exitCode}`}), but a rolling upgrade runs now (Azure started its own): waiting `
          + 'for it');
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, what, 'The instances stay on their version. Check that the identity may start a rolling upgrade of the scale set '
        + '(Microsoft.Compute/virtualMachineScaleSets/osRollingUpgrade/action), then run the deployment again.', result);
    }
    op.log(`rolling upgrade: started, to move the instances to version ${target.version}`);
  }

  /** An az call that must end by the deadline (with at least AZ_MIN_SECONDS): exit 4 when it does not. */
  private async azCall(phase: string, args: readonly string[], what: string): Promise<AzResult> {
    const result = await this.az.call(phase, this.limitFromDeadline(), args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer in time (${this.timeoutNote}). Run the deployment again.`);
    }
    return result;
  }

  /** The seconds left before the deadline, at least AZ_MIN_SECONDS: one slow answer must not fail the check. */
  private limitFromDeadline(): number {
    return Math.max(AZ_MIN_SECONDS, Math.ceil((this.deadline - this.op.clock.now()) / 1000));
  }

  /** Fails with exit code 4 and `message` once the deadline has passed; else waits for the next look. */
  private async nextLook(message: string): Promise<void> {
    const { op } = this;
    const remaining = (this.deadline - op.clock.now()) / 1000;
    if (remaining <= 0) {
      op.fail(ExitCode.TIMEOUT, `${op.phase}: after ${op.elapsedSeconds()}s (${this.timeoutNote}), ${message}.`);
    }
    await op.pause(op.phase, Math.min(this.inputs.intervalSeconds, remaining), 'waiting for the next look', this.inputs.tuning.pollSeconds);
  }
}

/** The fields of `az vmss rolling-upgrade get-latest`'s answer the step reads. */
interface UpgradeStatus {
  readonly runningStatus?: { readonly code?: string | null } | null;
  readonly progress?: {
    readonly successfulInstanceCount?: number | null;
    readonly failedInstanceCount?: number | null;
    readonly inProgressInstanceCount?: number | null;
    readonly pendingInstanceCount?: number | null;
  } | null;
  readonly error?: { readonly code?: string | null; readonly message?: string | null } | null;
}

/** The fields of a version in `az sig image-version list`'s answer the step reads. */
interface GalleryVersion {
  readonly name: string;
  readonly provisioningState?: string;
  readonly publishingProfile?: {
    readonly excludeFromLatest?: boolean | null;
    readonly targetRegions?: ReadonlyArray<{ readonly name?: string }> | null;
  } | null;
}

function nameOf(instance: Instance): string {
  return instance.computerName ?? `instance ${instance.id}`;
}

function galleryName(gallery: GalleryDefinition): string {
  return `${gallery.gallery}/${gallery.definition}`;
}

/** A region as az writes it in one place (`westeurope`) or another (`West Europe`). */
function canonicalRegion(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

/** A pattern's source without its anchors, to build a larger pattern from it. */
function unanchored(pattern: RegExp): string {
  return pattern.source.replace(/^\^/, '').replace(/\$$/, '');
}
