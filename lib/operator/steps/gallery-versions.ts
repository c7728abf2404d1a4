/**
 * gallery versions: the Azure Compute Gallery versions of one image definition (a line), kept outside Terraform's
 * lifecycle so that a rebuild adds a version beside the earlier ones instead of replacing the one version Terraform
 * knows (which would leave no version to roll back to). Four steps (the canary between replicate and promote is
 * steps/canary.ts):
 *
 *   gallery-publish     publishes build <revision> as version X.Y.Z from the generalized build VM, replicated to the
 *                       target regions, and excluded from `latest` (promotion is a separate step)
 *   gallery-replicate   brings the version's replicas in line with the target regions when they changed after it was
 *                       published (more VMs use it, a region added or removed)
 *   gallery-promote     lets `latest` resolve to the version (unless told not to), then deletes the line's versions
 *                       beyond the newest GOLDEN_RETAIN_VERSIONS
 *   gallery-delete-all  deletes every version of the line (the stack is being destroyed: Azure refuses to delete an
 *                       image definition that still has versions)
 *
 * The line is every version of the definition tagged `golden-image-name=<definition>`; each also carries
 * `golden-image-revision=<revision>` (lib/operator/gallery-line.ts). GalleryImageVersion writes the terraform_data
 * resources that run them.
 *
 * Replicate changes the replica counts and regions of a version that exists (Azure replicates in place) and never its
 * storage types: a region that is kept keeps its storage type (the next build's version gets the new one), and a
 * region that is no longer a target region loses its replicas (--allow-replicated-location-deletion).
 *
 * A publication or replication that fails or times out is explained from the version's replication per region
 * (lib/operator/gallery-version.ts): the message names the regions where it failed, with Azure's details, and those
 * still replicating.
 *
 * Idempotent: a version that exists already is not published again (one still being created is waited for, a failed
 * one is deleted and published again, one of another build is refused); a promoted version is not updated again;
 * deleting what is gone succeeds.
 * Exit codes: 0 done; 2 invalid input (a version of this number from another build included); 3 az cannot be used
 * (missing, too old, crashing, lacking a module, cannot log in, or its session expired during the run); 4 timeout; 6
 * az failed (a publication or replication that failed included); 8 the source VM, the gallery, the definition or the
 * version does not exist; 12 no temporary directory; 129/130/143 interrupted.
 */
import { Az, NotFound, QUERY_SECONDS, TIMED_OUT } from '../az';
import { ExitCode } from '../failure';
import { AzResult, azFault } from '../faults';
import {
  GALLERY_CONSTRUCT, GalleryLine, GalleryVersionEnvironment, galleryVersionEnvironment, lineName, readGalleryLine, readGalleryVersion, versionArgs,
} from '../gallery-line';
import { ABSENT, canonicalRegion, describeReplication, failedRegions, GalleryVersions, ReplicationStatus } from '../gallery-version';
import { BUILD_REVISION, InputReader, isIsoDate, NumberInput, readTuning, TextInput, Tuning } from '../inputs';
import { Operator } from '../operator';
import { IMAGE_TAGS_ENV, NAME_TAG, readExtraTags, REVISION_TAG } from '../tags';

const REGION = /^[a-z][a-z0-9]{2,40}$/;

/** The gallery's region: where the version is made, from the build VM there. */
export const GALLERY_LOCATION: TextInput = { env: 'GOLDEN_GALLERY_LOCATION', pattern: REGION, description: 'an Azure region name such as westeurope' };
/** Azure's most replicas of a version per region ("Store and share images in an Azure Compute Gallery", Scaling). */
export const MAX_REPLICAS_PER_REGION = 100;
/** The storage types of a version's replicas (`az sig image-version create --storage-account-type`). */
export const GALLERY_STORAGE_TYPES: readonly string[] = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];
/** One target region per line: `region=replicaCount=storageType`. */
export const TARGET_REGIONS: TextInput = {
  env: 'GOLDEN_TARGET_REGIONS',
  pattern: new RegExp(`^[a-z][a-z0-9]{2,40}=([1-9][0-9]?|${MAX_REPLICAS_PER_REGION})=(${GALLERY_STORAGE_TYPES.join('|')})$`),
  description: `region=replicaCount=storageType (e.g. westeurope=2=Standard_ZRS; 1-${MAX_REPLICAS_PER_REGION} replicas; `
    + `${GALLERY_STORAGE_TYPES.slice(0, -1).join(', ')} or ${GALLERY_STORAGE_TYPES[GALLERY_STORAGE_TYPES.length - 1]})`,
};
/** How long a publication (or a replication) may take. */
export const PUBLISH_TIMEOUT_MINUTES: NumberInput = {
  env: 'GOLDEN_PUBLISH_TIMEOUT_MINUTES', prop: 'publishTimeoutMinutes', min: 30, max: 720, default: 180,
};
/** The generalized build VM the version is made from (Azure makes a version straight from a generalized VM). */
export const BUILD_VM_ID: TextInput = {
  env: 'GOLDEN_SOURCE_ID',
  pattern: /^\/subscriptions\/[0-9A-Fa-f-]{36}\/resourceGroups\/[-A-Za-z0-9_.()]{1,90}\/providers\/Microsoft\.Compute\/virtualMachines\/[-A-Za-z0-9_.]{1,80}$/,
  description: 'the resource id of the generalized build VM',
};
/** Informational for Azure: it keeps serving the version after that date. */
export const END_OF_LIFE_DATE: TextInput = {
  env: 'GOLDEN_END_OF_LIFE_DATE', pattern: /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, description: 'a date YYYY-MM-DD',
};
/** true: promote leaves the version excluded from `latest`. */
export const EXCLUDE_FROM_LATEST: TextInput = { env: 'GOLDEN_EXCLUDE_FROM_LATEST', pattern: /^(true|false)$/, description: 'true or false' };
/** How many of the line's versions stay, this build's included. */
export const RETAIN_VERSIONS: NumberInput = { env: 'GOLDEN_RETAIN_VERSIONS', prop: 'retainVersions', min: 1, max: 50, default: 3 };

/** One target region of a version. */
export interface TargetRegion {
  readonly location: string;
  readonly replicaCount: number;
  readonly storageType: string;
}

/** GOLDEN_TARGET_REGIONS as the steps read it: `region=replicaCount=storageType` per line. */
export function targetRegionLines(regions: readonly TargetRegion[]): string {
  return regions.map((r) => `${r.location}=${r.replicaCount}=${r.storageType}`).join('\n');
}

/** The inputs of the replicate step (and of publish) as the construct writes them (values or Terraform expressions). */
export interface GalleryReplicationEnvironment extends GalleryVersionEnvironment {
  readonly location: string;
  /** targetRegionLines. */
  readonly targetRegions: string;
  readonly publishTimeoutMinutes: string;
}

/** The inputs of the publish step. */
export interface GalleryPublishEnvironment extends GalleryReplicationEnvironment {
  readonly sourceId: string;
  readonly endOfLifeDate?: string;
  /** `key=value` per line (tagLines). */
  readonly tags?: string;
}

/** The inputs of the promote step. */
export interface GalleryPromoteEnvironment extends GalleryVersionEnvironment {
  /** `true` or `false`. */
  readonly excludeFromLatest: string;
  readonly retainVersions: string;
}

export function galleryReplicationEnvironment(input: GalleryReplicationEnvironment): Record<string, string> {
  return {
    ...galleryVersionEnvironment(input),
    [GALLERY_LOCATION.env]: input.location,
    [TARGET_REGIONS.env]: input.targetRegions,
    [PUBLISH_TIMEOUT_MINUTES.env]: input.publishTimeoutMinutes,
  };
}

export function galleryPublishEnvironment(input: GalleryPublishEnvironment): Record<string, string> {
  return {
    ...galleryReplicationEnvironment(input),
    [BUILD_VM_ID.env]: input.sourceId,
    ...(input.endOfLifeDate !== undefined ? { [END_OF_LIFE_DATE.env]: input.endOfLifeDate } : {}),
    ...(input.tags !== undefined ? { [IMAGE_TAGS_ENV]: input.tags } : {}),
  };
}

export function galleryPromoteEnvironment(input: GalleryPromoteEnvironment): Record<string, string> {
  return {
    ...galleryVersionEnvironment(input),
    [EXCLUDE_FROM_LATEST.env]: input.excludeFromLatest,
    [RETAIN_VERSIONS.env]: input.retainVersions,
  };
}

/** The version's region, its target regions and the limit of a publication or replication. */
interface Targets {
  readonly location: string;
  readonly regions: readonly TargetRegion[];
  readonly publishMinutes: number;
}

function readTargets(reader: InputReader): Targets {
  const location = reader.text(GALLERY_LOCATION);
  const publishMinutes = reader.number(PUBLISH_TIMEOUT_MINUTES);
  const regions: TargetRegion[] = [];
  for (const line of reader.lines(TARGET_REGIONS)) {
    const [region, count, storageType] = line.split('=');
    if (regions.some((r) => r.location === region)) {
      throw reader.invalid(`${TARGET_REGIONS.env} names ${region} twice.`);
    }
    regions.push({ location: region, replicaCount: Number(count), storageType });
  }
  if (regions.length === 0) {
    throw reader.invalid(`${TARGET_REGIONS.env} must hold at least one region=replicaCount=storageType line.`);
  }
  if (!regions.some((r) => r.location === location)) {
    throw reader.invalid(`${TARGET_REGIONS.env} must include the gallery's own region ${location} (${GALLERY_LOCATION.env}): Azure keeps a replica where the `
      + 'version is made.');
  }
  return { location, regions, publishMinutes };
}

/**
 * `--target-regions` as az takes them. az takes the storage type of `region=count=type` in lower case only (its
 * validator compares the third part with standard_lrs, standard_zrs, premium_lrs as it is; azure-cli issue 33880); its
 * help writes it so, too.
 */
function targetRegionArgs(regions: readonly TargetRegion[]): string[] {
  return regions.map((r) => `${r.location}=${r.replicaCount}=${r.storageType.toLowerCase()}`);
}

/** The inputs every step reads first: the tuning and the line. */
interface LineInputs {
  readonly reader: InputReader;
  readonly tuning: Tuning;
  readonly line: GalleryLine;
}

function readLineInputs(op: Operator): LineInputs {
  op.phase = 'validate';
  const reader = new InputReader(op.env, GALLERY_CONSTRUCT);
  return { reader, tuning: readTuning(reader), line: readGalleryLine(reader) };
}

/** The line's versions through az, with what the step says when the resource it works on has disappeared. */
function versionsOf(op: Operator, { tuning, line }: LineInputs, notFound: NotFound): GalleryVersions {
  return new GalleryVersions(op, new Az(op, tuning, notFound), line);
}

/** `in resource group <rg> (subscription <id>)`, for messages. */
function where(line: GalleryLine): string {
  return `in resource group ${line.resourceGroup}${line.subscriptionId ? ` (subscription ${line.subscriptionId})` : ''}`;
}

/** What replicate and promote say when their version has disappeared: the publish step runs before them. */
function versionNotFound(line: GalleryLine, version: string, done: string): NotFound {
  return { subject: `version ${version} of image definition ${lineName(line)} ${where(line)}`, what: 'it', hint: republishHint(done) };
}

function republishHint(done: string): string {
  return `Run the deployment again: the publish step publishes it anew before it is ${done}.`;
}

const SOURCE_HINT = 'The source must be the generalized build VM, in the gallery\'s region, of the security type and generation of the image definition; a '
  + 'version left Failed is deleted and published again by the next run. Fix the cause, then run the deployment again.';
const REBUILD_HINT = 'A build VM that is gone is built anew by the next deployment: run the deployment again.';
const RECREATE_HINT = 'Terraform creates a gallery, image definition or resource group that is gone again: run the deployment again.';

/**
 * What `az sig image-version create` found missing, read from Azure's error: the build VM (or its resource group),
 * the definition or its gallery (ParentResourceNotFound), or the gallery's resource group; both when it does not say.
 */
function missingForPublish(line: GalleryLine, sourceId: string, result: AzResult): NotFound {
  const group = /Resource group '([^']+)' could not be found/.exec(result.stderr)?.[1];
  const vmGroup = sourceId.split('/')[4];
  if (/Microsoft\.Compute\/virtualMachines\//i.test(result.stderr) || (group !== undefined && group.toLowerCase() === vmGroup.toLowerCase()
    && group.toLowerCase() !== line.resourceGroup.toLowerCase())) {
    return { subject: group === undefined ? `the build VM ${sourceId}` : `resource group ${group} of the build VM ${sourceId}`, what: 'it', hint: REBUILD_HINT };
  }
  if (group !== undefined) {
    return { subject: `resource group ${group} of gallery ${line.gallery}`, what: 'it', hint: RECREATE_HINT };
  }
  if (/ParentResourceNotFound|Microsoft\.Compute\/galleries\//i.test(result.stderr)) {
    return { subject: `image definition ${lineName(line)} ${where(line)}`, what: 'it or its gallery', hint: RECREATE_HINT };
  }
  return { subject: `the build VM ${sourceId}, or image definition ${lineName(line)} ${where(line)}`, what: 'one of them', hint: `${REBUILD_HINT} ${RECREATE_HINT}` };
}

/** Why a publication or replication failed, from the version's replication: the regions where it failed. */
function replicationFailure(version: string, status: ReplicationStatus): string {
  return `The replication of version ${version} failed: ${describeReplication(status)} (Azure's own error above)`;
}

/** A version found or left Failed, or a region whose replication Failed: the replication is the cause. */
function replicationFailed(status: ReplicationStatus): boolean {
  return failedRegions(status).length > 0 || (status.kind === 'read' && status.provisioningState === 'Failed');
}

function seconds(op: Operator, since: number): number {
  return Math.floor((op.clock.now() - since) / 1000);
}

/**
 * The version's end of life: a date that exists, and not before the build's own day (the date of its revision, the
 * plan's time in UTC: no clock of this machine decides), else the version would be published past its end of life.
 * GalleryImageVersion checks a literal date at synth; this checks one given as a Terraform variable.
 */
export function readEndOfLife(reader: InputReader, revision: string): string | undefined {
  const date = reader.optionalText(END_OF_LIFE_DATE);
  if (date === undefined) {
    return undefined;
  }
  if (!isIsoDate(date)) {
    throw reader.invalid(`${END_OF_LIFE_DATE.env} must be a date that exists; got ${date}.`);
  }
  const buildDay = `${revision.slice(0, 4)}-${revision.slice(4, 6)}-${revision.slice(6, 8)}`;
  if (date < buildDay) {
    throw reader.invalid(`${END_OF_LIFE_DATE.env} ${date} is before the build's own day, ${buildDay} (revision ${revision}): the version would be `
      + 'published past its end of life. Pass a later date, or none.');
  }
  return date;
}

/** gallery-publish: this build's version, unless an earlier run published it; waits for one being created, publishes a failed one again. */
export async function publish(op: Operator): Promise<void> {
  const inputs = readLineInputs(op);
  const { reader, tuning, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const sourceId = reader.text(BUILD_VM_ID);
  const endOfLife = readEndOfLife(reader, revision);
  const targets = readTargets(reader);
  const extraTags = readExtraTags(op, op.env, 'the publish step');
  const name = lineName(line);
  // What is missing is read from each failure (missingForPublish): a version or line that is gone counts as absent.
  const versions = versionsOf(op, inputs, { subject: `image definition ${name} ${where(line)}`, what: 'it or its gallery', hint: RECREATE_HINT });

  op.interruptNote = 'Azure goes on with what it accepted: run the deployment again to resume (a version still being created is waited for, a failed one '
    + 'is published again).';
  op.log(`publish: version ${version} of ${name} in resource group ${line.resourceGroup} from ${sourceId}, build ${revision}`);
  op.log(`publish: target regions ${targetRegionLines(targets.regions).split('\n').join(' ')}; excluded from latest until promoted; limit `
    + `${targets.publishMinutes} minutes`);
  await versions.az.start(reader);
  op.phase = 'publish';
  const limitSeconds = targets.publishMinutes * 60;
  const started = op.clock.now();
  const deadline = started + limitSeconds * 1000;
  let created = false;
  for (;;) {
    const found = await versions.read('publish', version);
    if (found.state === ABSENT) {
      if (created) {
        op.fail(ExitCode.AZ_FAILED, `publish: az sig image-version create succeeded, but version ${version} of ${name} does not exist. Run the deployment again.`);
      }
      await create(op, versions, { version, revision, sourceId, endOfLife, targets, extraTags, deadline });
      created = true;
    } else if (found.state === 'Succeeded') {
      versions.requireOwn('publish', version, revision, found);
      op.log(created ? `publish: version ${version} published in ${seconds(op, started)}s (excluded from latest: ${found.excludedFromLatest})`
        : `publish: version ${version} exists already (an earlier run published it): not publishing it again (excluded from latest: ${found.excludedFromLatest})`);
      return;
    } else if (['Creating', 'Updating', 'Deleting', 'Migrating'].includes(found.state)) {
      if (found.state !== 'Deleting') {
        versions.requireOwn('publish', version, revision, found);
      }
      if (op.clock.now() >= deadline) {
        const replication = describeReplication(await versions.replication('publish', version));
        op.fail(ExitCode.TIMEOUT, `publish: version ${version} is still ${found.state} after ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): `
          + `${replication}. Azure goes on: run the deployment again to wait for it.`);
      }
      op.log(`publish: version ${version} is ${found.state} (an earlier run's publication, or Azure still replicating): waiting, ${seconds(op, started)}s of `
        + `${limitSeconds}s`);
      await op.pause('publish', tuning.pollSeconds, `waiting for version ${version} to leave ${found.state}`, tuning.pollSeconds);
    } else if (found.state === 'Failed') {
      versions.requireOwn('publish', version, revision, found);
      const replication = describeReplication(await versions.replication('publish', version));
      if (created) {
        op.fail(ExitCode.AZ_FAILED, `publish: version ${version} of ${name} was created but is Failed: ${replication}. Fix the cause, then run the deployment `
          + 'again: the failed version is deleted and published again.');
      }
      op.log(`publish: version ${version} is Failed (an earlier run's publication: ${replication}): deleting it to publish it again`);
      await versions.delete(version);
    } else {
      op.fail(ExitCode.AZ_FAILED, `publish: version ${version} of ${name} is in state ${JSON.stringify(found.state)}, which this step does not know. Look at it `
        + 'in the portal, then run the deployment again.');
    }
  }
}

interface Publication {
  readonly version: string;
  readonly revision: string;
  readonly sourceId: string;
  readonly endOfLife?: string;
  readonly targets: Targets;
  readonly extraTags: readonly string[];
  /** When the step's limit ends (the clock's milliseconds). */
  readonly deadline: number;
}

/** az sig image-version create, within what is left of the step's limit. */
async function create(op: Operator, versions: GalleryVersions, publication: Publication): Promise<void> {
  const { version, revision, sourceId, endOfLife, targets, extraTags, deadline } = publication;
  const { line, az } = versions;
  const started = op.clock.now();
  const limit = Math.max(1, Math.ceil((deadline - started) / 1000));
  const args = ['sig', 'image-version', 'create', ...versionArgs(line, version), `--virtual-machine=${sourceId}`, `--location=${targets.location}`,
    '--target-regions', ...targetRegionArgs(targets.regions), '--replication-mode=Full', '--exclude-from-latest=true',
    '--tags', `${NAME_TAG}=${line.definition}`, `${REVISION_TAG}=${revision}`, ...extraTags,
    ...(endOfLife !== undefined ? [`--end-of-life-date=${endOfLife}`] : []),
    '--output', 'none'];
  op.log(`publish: creating version ${version} from the build VM and replicating it (limit ${limit}s)`);
  const result = await az.call('publish', limit, args);
  const what = 'publish: az sig image-version create';
  if (result === TIMED_OUT) {
    const replication = describeReplication(await versions.replication('publish', version));
    op.fail(ExitCode.TIMEOUT, `${what} did not return within ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): ${replication}. Azure goes on `
      + 'creating and replicating it: run the deployment again, which waits for it.');
  }
  if (result.exitCode !== 0) {
    // az worked and Azure refused or failed: a version it left Failed, or a region that failed, names the real cause.
    if (azFault(result) === undefined) {
      const status = await versions.replication('publish', version);
      if (replicationFailed(status)) {
        az.fail(ExitCode.AZ_FAILED, what, `${replicationFailure(version, status)}. Fix the cause, or leave the region out of targetRegions, then run the `
          + 'deployment again: the failed version is deleted and published again.', result, null);
      }
    }
    az.fail(ExitCode.AZ_FAILED, what, SOURCE_HINT, result, missingForPublish(line, sourceId, result));
  }
  op.log(`publish: az sig image-version create returned after ${seconds(op, started)}s`);
}

/** The version's replicas as Azure reports them, by canonical region: count and storage type. */
async function readReplicas(versions: GalleryVersions, version: string): Promise<Map<string, { count: number; storageType: string }>> {
  const rows = await versions.az.query<unknown>('replicate', ['sig', 'image-version', 'show', ...versionArgs(versions.line, version), '--query',
    'publishingProfile.targetRegions[].[name, regionalReplicaCount, storageAccountType]'], ExitCode.AZ_FAILED, 'Check that the identity may read the gallery.');
  const replicas = new Map<string, { count: number; storageType: string }>();
  for (const row of Array.isArray(rows) ? rows : []) {
    if (Array.isArray(row) && typeof row[0] === 'string' && typeof row[1] === 'number' && typeof row[2] === 'string') {
      replicas.set(canonicalRegion(row[0]), { count: row[1], storageType: row[2] });
    }
  }
  return replicas;
}

/** gallery-replicate: the version's replicas brought in line with the target regions, in place. */
export async function replicate(op: Operator): Promise<void> {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const targets = readTargets(reader);
  const versions = versionsOf(op, inputs, versionNotFound(line, version, 'replicated'));

  op.interruptNote = 'Azure goes on replicating what it accepted: run the deployment again, which compares the replicas anew.';
  op.log(`replicate: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup}: target regions `
    + targetRegionLines(targets.regions).split('\n').join(' '));
  await versions.az.start(reader);
  op.phase = 'replicate';
  await versions.requirePublished('replicate', version, revision, 'its replicas cannot change yet', republishHint('replicated'));
  const current = await readReplicas(versions, version);
  const wanted: TargetRegion[] = [];
  let changed = false;
  for (const target of targets.regions) {
    const replica = current.get(target.location);
    let storageType = target.storageType;
    if (replica === undefined) {
      op.log(`replicate: ${target.location}: new, ${target.replicaCount} replica(s) of ${target.storageType}`);
      changed = true;
    } else {
      if (replica.storageType !== target.storageType) {
        op.log(`replicate: ${target.location} keeps its storage type ${replica.storageType} (Azure does not change it in place; the next build's version gets `
          + `${target.storageType})`);
        storageType = replica.storageType;
      }
      if (replica.count !== target.replicaCount) {
        op.log(`replicate: ${target.location}: ${replica.count} -> ${target.replicaCount} replica(s)`);
        changed = true;
      }
    }
    wanted.push({ ...target, storageType });
  }
  const removed = [...current.keys()].filter((region) => !targets.regions.some((t) => t.location === region));
  for (const region of removed) {
    op.log(`replicate: ${region} is no longer a target region: its replicas are removed`);
  }
  if (!changed && removed.length === 0) {
    op.log('replicate: the replicas are as asked already');
    return;
  }
  const args = ['sig', 'image-version', 'update', ...versionArgs(line, version), '--target-regions', ...targetRegionArgs(wanted),
    // Azure removes a replicated region only when told so (az 2.42 and later).
    ...(removed.length > 0 ? ['--allow-replicated-location-deletion=true'] : []), '--output', 'none'];
  const started = op.clock.now();
  const what = 'replicate: az sig image-version update';
  const result = await versions.az.call('replicate', targets.publishMinutes * 60, args);
  if (result === TIMED_OUT) {
    const replication = describeReplication(await versions.replication('replicate', version));
    op.fail(ExitCode.TIMEOUT, `${what} did not return within ${targets.publishMinutes} minutes (${PUBLISH_TIMEOUT_MINUTES.env}): ${replication}. Azure goes `
      + 'on replicating: run the deployment again, which compares the replicas anew.');
  }
  if (result.exitCode !== 0) {
    if (azFault(result) === undefined) {
      const status = await versions.replication('replicate', version);
      if (replicationFailed(status)) {
        versions.az.fail(ExitCode.AZ_FAILED, what, `${replicationFailure(version, status)}. Fix the cause, or leave the region out of targetRegions, then `
          + 'run the deployment again.', result, null);
      }
    }
    versions.az.fail(ExitCode.AZ_FAILED, what, 'Check the regions (the gallery must be available there) and the replica quota, then run the deployment again.',
      result);
  }
  op.log(`replicate: replicas updated in ${seconds(op, started)}s`);
}

/** gallery-promote: `latest` resolves to the version (unless GOLDEN_EXCLUDE_FROM_LATEST=true), then the line is pruned. */
export async function promote(op: Operator): Promise<void> {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  const version = readGalleryVersion(reader);
  const revision = reader.text(BUILD_REVISION);
  const exclude = (reader.optionalText(EXCLUDE_FROM_LATEST) ?? 'false') === 'true';
  const retain = reader.number(RETAIN_VERSIONS);
  const versions = versionsOf(op, inputs, versionNotFound(line, version, 'promoted'));

  op.interruptNote = 'Run the deployment again to resume (a promoted version is not updated again; the pruning goes on where it stopped).';
  op.log(`promote: version ${version} of ${lineName(line)} in resource group ${line.resourceGroup} (keeping the newest ${retain} of the line)`);
  await versions.az.start(reader);
  op.phase = 'promote';
  const found = await versions.requirePublished('promote', version, revision, 'it cannot serve VMs yet', republishHint('promoted'));
  if (exclude) {
    op.log(found.excludedFromLatest === false
      ? `promote: ${EXCLUDE_FROM_LATEST.env}=true, but version ${version} is already promoted (not excluded from latest): left as it is`
      : `promote: ${EXCLUDE_FROM_LATEST.env}=true: version ${version} stays excluded from latest (VMs that use latest keep the previous version)`);
  } else if (found.excludedFromLatest === false) {
    op.log(`promote: version ${version} is already promoted (not excluded from latest): nothing to change`);
  } else {
    const started = op.clock.now();
    op.log(`promote: letting latest resolve to version ${version} (publishingProfile.excludeFromLatest=false)`);
    await versions.az.mustSucceed('promote', QUERY_SECONDS, ['sig', 'image-version', 'update', ...versionArgs(line, version),
      '--set', 'publishingProfile.excludeFromLatest=false', '--output', 'none'], {
      timedOut: `promote: az sig image-version update did not return within ${QUERY_SECONDS}s. Run the deployment again.`,
      what: 'promote: az sig image-version update',
      hint: 'The version stays excluded from latest. Run the deployment again once the cause is fixed.',
    });
    op.log(`promote: version ${version} promoted in ${seconds(op, started)}s: VMs and scale sets that use latest get it from now on`);
  }
  await prune(op, versions, version, retain);
}

/**
 * Deletes the line's versions beyond the newest `retain`, oldest first; never this build's, nor the newest one not
 * excluded from latest (the one latest resolves to).
 */
async function prune(op: Operator, versions: GalleryVersions, version: string, retain: number): Promise<void> {
  op.phase = 'prune';
  const all = await versions.list();
  const excess = all.length - retain;
  if (excess <= 0) {
    op.log(`prune: ${all.length} version(s) in line ${versions.name}, keeping all (at most ${retain})`);
    return;
  }
  const latest = all.filter((v) => !v.excludedFromLatest).pop()?.name;
  op.log(`prune: ${all.length} version(s) in line ${versions.name}, keeping the newest ${retain}${latest === undefined ? '' : ` and ${latest}, which latest `
    + 'resolves to'}`);
  for (const old of all.slice(0, excess)) {
    if (old.name !== version && old.name !== latest) {
      await versions.delete(old.name);
    }
  }
}

/** gallery-delete-all: every version of the line, oldest first (the stack is being destroyed). Needs none of the other steps' inputs. */
export async function deleteAll(op: Operator): Promise<void> {
  const inputs = readLineInputs(op);
  const { reader, line } = inputs;
  // A line that is gone holds no version (list), and a version that is gone counts as deleted.
  const versions = versionsOf(op, inputs, { subject: `image definition ${lineName(line)} ${where(line)}`, what: 'it', hint: RECREATE_HINT });
  op.interruptNote = 'Run the deployment (or the destroy) again to delete the versions left.';
  op.log(`delete-all: deleting every version of line ${lineName(line)} in resource group ${line.resourceGroup}`);
  await versions.az.start(reader);
  op.phase = 'delete-all';
  for (const old of await versions.list()) {
    await versions.delete(old.name);
  }
  op.log('delete-all: done');
}
