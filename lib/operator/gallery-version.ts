/**
 * One line of gallery image versions through az, as the gallery steps see it: a version's state and the build it comes
 * from, its replication per region (read when a publication or replication failed or timed out, so that the message
 * names the regions and Azure's reason), the line's versions, and deleting one.
 *
 * Replication status: `az sig image-version show --expand ReplicationStatus` (az's help: "The expand expression to apply
 * on the operation, e.g. 'ReplicationStatus'"; the REST API's `$expand=ReplicationStatus`, of the type
 * ReplicationStatusTypes: Microsoft Learn, "Gallery Image Versions - Get", and its example
 * GalleryImageVersion_Get_WithReplicationStatus.json in Azure/azure-rest-api-specs) adds the GalleryImageVersion's
 * `replicationStatus`: an `aggregatedState` (Unknown, InProgress, Completed, Failed: AggregatedReplicationState) and a
 * `summary` of one entry per region: `region` (its display name, e.g. "West US"), `state` (Unknown, Replicating,
 * Completed, Failed: RegionalReplicationState, Microsoft Learn's .NET and JavaScript SDK references), `details` and
 * `progress` (percent).
 */
import { Az, QUERY_SECONDS, TIMED_OUT } from './az';
import { ExitCode } from './failure';
import { azFault, firstErrorLine, isNotFound } from './faults';
import { definitionArgs, GALLERY_VERSION, GalleryLine, lineName, versionArgs } from './gallery-line';
import { shown } from './inputs';
import { Operator } from './operator';
import { NAME_TAG, REVISION_TAG } from './tags';

/** How long deleting a version (with its replicas) may take. */
export const DELETE_MINUTES = 30;
/** A look at a version's replication after a failure: short, since the step fails anyway. */
const REPLICATION_STATUS_SECONDS = 60;
/** What `read` finds when the version (or its definition, gallery or resource group) does not exist. */
export const ABSENT = 'absent';

/** A version as `read` finds it. */
export interface FoundVersion {
  /** Azure's provisioningState (Creating, Updating, Succeeded, Failed, Deleting, Migrating), or ABSENT. */
  readonly state: string;
  /** publishingProfile.excludeFromLatest; undefined when Azure gives none. */
  readonly excludedFromLatest?: boolean;
  /** Its `golden-image-revision` tag; undefined without one. */
  readonly revision?: string;
}

/** A version of the line: its revision tag, name and whether `latest` skips it. */
export interface LineVersion {
  readonly revision: string;
  readonly name: string;
  readonly excludedFromLatest: boolean;
}

/** One region of a version's replication, as Azure reports it (the region's name made canonical: `westeurope`). */
export interface RegionReplication {
  readonly region: string;
  /** Unknown, Replicating, Completed or Failed. */
  readonly state: string;
  readonly details: string;
  readonly progress?: number;
}

/** What a look at a version's replication found: the version absent, its status, or why it could not be read. */
export type ReplicationStatus =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly why: string }
  | { readonly kind: 'read'; readonly provisioningState: string; readonly regions: readonly RegionReplication[] };

/** The three fields `read` asks for, one row. */
const VERSION_QUERY = `[[provisioningState, publishingProfile.excludeFromLatest, tags."${REVISION_TAG}"]]`;

/** The versions of one line (an image definition), through az. */
export class GalleryVersions {
  constructor(private readonly op: Operator, public readonly az: Az, public readonly line: GalleryLine) {}

  /** `<gallery>/<definition>`, for messages. */
  public get name(): string {
    return lineName(this.line);
  }

  /** A version's state, its exclusion from latest and its revision; ABSENT when it (or its definition) does not exist. */
  public async read(phase: string, version: string): Promise<FoundVersion> {
    const what = `${phase}: az sig image-version show`;
    const result = await this.az.call(phase, QUERY_SECONDS, ['sig', 'image-version', 'show', ...versionArgs(this.line, version), '--query', VERSION_QUERY,
      '--output', 'json']);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === undefined) {
        return { state: ABSENT };
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the gallery.', result);
    }
    const rows = this.az.parseJson<unknown>(what, result, '[]');
    const [state, excluded, revision] = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] as unknown[] : [];
    return {
      state: typeof state === 'string' && state !== '' ? state : 'unknown',
      excludedFromLatest: typeof excluded === 'boolean' ? excluded : undefined,
      revision: typeof revision === 'string' ? revision : undefined,
    };
  }

  /** Fails (exit code 2) unless the version that exists was made from build `revision`: another build's is never changed. */
  public requireOwn(phase: string, version: string, revision: string, found: FoundVersion): void {
    if (found.revision !== revision) {
      this.op.fail(ExitCode.INVALID_INPUT, `${phase}: version ${version} of ${this.name} exists already, but it is not build ${revision} (${found.revision === undefined
        ? `it has no ${REVISION_TAG} tag` : `its ${REVISION_TAG} tag is ${shown(found.revision)}`}). It is left as it is: give this build another version `
        + `(${GALLERY_VERSION.env}), or delete that version if it is not needed.`);
    }
  }

  /**
   * The version exists, is build `revision`'s and Succeeded (`purpose` says what it cannot do otherwise): exit code 8
   * (with `notFoundHint`), 2 or 6 else, a version not Succeeded with its replication per region.
   */
  public async requirePublished(phase: string, version: string, revision: string, purpose: string, notFoundHint: string): Promise<FoundVersion> {
    const found = await this.read(phase, version);
    if (found.state === ABSENT) {
      this.op.fail(ExitCode.NOT_FOUND, `${phase}: version ${version} of image definition ${this.name} in resource group ${this.line.resourceGroup} was not found. `
        + notFoundHint);
    }
    this.requireOwn(phase, version, revision, found);
    if (found.state !== 'Succeeded') {
      const replication = describeReplication(await this.replication(phase, version));
      this.op.fail(ExitCode.AZ_FAILED, `${phase}: version ${version} is ${found.state}, not Succeeded (${replication}): ${purpose}. ${found.state === 'Failed'
        ? 'Fix the cause, then publish it again: replace the version\'s Publish step (`terraform apply -replace=<its address>`, or a new build), which deletes '
          + 'a failed version of its build and publishes it anew.'
        : 'Run the deployment again (the publish step waits for it, or publishes a failed one again).'}`);
    }
    return found;
  }

  /** The version's replication per region (`--expand ReplicationStatus`); never fails the step: the caller is failing already. */
  public async replication(phase: string, version: string): Promise<ReplicationStatus> {
    const result = await this.az.call(phase, REPLICATION_STATUS_SECONDS, ['sig', 'image-version', 'show', ...versionArgs(this.line, version),
      '--expand', 'ReplicationStatus', '--output', 'json']);
    if (result === TIMED_OUT) {
      return { kind: 'unreadable', why: `az sig image-version show did not answer within ${REPLICATION_STATUS_SECONDS}s` };
    }
    if (result.exitCode !== 0) {
      if (isNotFound(result) && azFault(result) === undefined) {
        return { kind: 'absent' };
      }
      return { kind: 'unreadable', why: firstErrorLine(result) || `az exited with status ${result.exitCode}` };
    }
    let body: { provisioningState?: unknown; replicationStatus?: { summary?: unknown } | null };
    try {
      body = JSON.parse(result.stdout);
    } catch {
      return { kind: 'unreadable', why: `az's output is not JSON: ${JSON.stringify(result.stdout.slice(0, 100))}` };
    }
    const summary = Array.isArray(body?.replicationStatus?.summary) ? body.replicationStatus!.summary as Array<Record<string, unknown>> : [];
    const regions = summary.filter((entry) => entry !== null && typeof entry === 'object' && typeof entry.region === 'string').map((entry) => ({
      region: canonicalRegion(entry.region as string),
      state: typeof entry.state === 'string' ? entry.state : 'Unknown',
      details: typeof entry.details === 'string' ? entry.details.replace(/\s+/g, ' ').trim().slice(0, 300) : '',
      progress: typeof entry.progress === 'number' ? entry.progress : undefined,
    }));
    return { kind: 'read', provisioningState: typeof body?.provisioningState === 'string' ? body.provisioningState : 'unknown', regions };
  }

  /** The line's versions, oldest first (by revision, then name); none when the definition, gallery or resource group is gone. */
  public async list(): Promise<LineVersion[]> {
    const what = 'list: az sig image-version list';
    const result = await this.az.call('list', QUERY_SECONDS, ['sig', 'image-version', 'list', ...definitionArgs(this.line), '--query',
      `[?tags."${NAME_TAG}"=='${this.line.definition}'].[tags."${REVISION_TAG}", name, publishingProfile.excludeFromLatest]`, '--output', 'json']);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === undefined) {
        this.op.log(`list: image definition ${this.name} or its gallery or resource group does not exist: no versions`);
        return [];
      }
      return this.az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the gallery.', result);
    }
    const rows = this.az.parseJson<unknown>(what, result, '[]');
    return (Array.isArray(rows) ? rows : [])
      .filter((row): row is [string, string, boolean | null] => Array.isArray(row) && row.length === 3 && typeof row[0] === 'string'
        && /^[0-9]+$/.test(row[0]) && typeof row[1] === 'string' && row[1] !== '')
      // Only a version Azure says is not excluded can be the one latest resolves to.
      .map(([revision, name, excluded]) => ({ revision, name, excludedFromLatest: excluded !== false }))
      .sort(byRevision);
  }

  /** Deletes a version of the line (in the step's current phase); one that is gone already counts as deleted. */
  public async delete(name: string): Promise<void> {
    const { phase, clock } = this.op;
    const started = clock.now();
    this.op.log(`${phase}: deleting version ${name} of ${this.name}`);
    const what = `${phase}: az sig image-version delete ${name}`;
    const result = await this.az.call(phase, DELETE_MINUTES * 60, ['sig', 'image-version', 'delete', ...definitionArgs(this.line),
      `--gallery-image-version=${name}`, '--output', 'none']);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `${what} did not return within ${DELETE_MINUTES} minutes. Azure goes on deleting it: run the deployment again.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(what, result);
      if (isNotFound(result) && azFault(result) === undefined) {
        this.op.log(`${phase}: version ${name} is already gone`);
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, what, 'Run the deployment again once the cause is fixed.', result);
    }
    this.op.log(`${phase}: version ${name} deleted in ${Math.floor((clock.now() - started) / 1000)}s`);
  }
}

/** Oldest first: by revision, then name, in code-unit order (as `sort` in the C locale). */
function byRevision(a: LineVersion, b: LineVersion): number {
  const [x, y] = [`${a.revision} ${a.name}`, `${b.revision} ${b.name}`];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A region's name as the steps write it: Azure reports display names (`West Europe` -> `westeurope`). */
export function canonicalRegion(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

/** The regions whose replication failed. */
export function failedRegions(status: ReplicationStatus): RegionReplication[] {
  return status.kind === 'read' ? status.regions.filter((r) => r.state === 'Failed') : [];
}

/**
 * A version's replication in words, for a message: the regions where it failed (with Azure's details), those still
 * replicating (with their progress), those completed; or why it could not be read.
 */
export function describeReplication(status: ReplicationStatus): string {
  if (status.kind === 'absent') {
    return 'Azure shows no such version';
  }
  if (status.kind === 'unreadable') {
    return `its replication status could not be read: ${status.why}`;
  }
  const inState = (state: string) => status.regions.filter((r) => r.state === state);
  const failed = inState('Failed').map((r) => (r.details === '' ? r.region : `${r.region} (${r.details})`));
  const replicating = inState('Replicating').map((r) => (r.progress === undefined ? r.region : `${r.region} (${r.progress}%)`));
  const completed = inState('Completed').map((r) => r.region);
  const other = status.regions.filter((r) => !['Failed', 'Replicating', 'Completed'].includes(r.state)).map((r) => `${r.region} (${r.state})`);
  const parts = [
    ...(failed.length > 0 ? [`replication failed in ${failed.join(', ')}`] : []),
    ...(replicating.length > 0 ? [`still replicating to ${replicating.join(', ')}`] : []),
    ...(completed.length > 0 ? [`replicated to ${completed.join(', ')}`] : []),
    ...(other.length > 0 ? [`replication state unknown in ${other.join(', ')}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : `Azure reports no replication status per region (provisioningState ${status.provisioningState})`;
}
