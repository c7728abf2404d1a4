/**
 * One version of a gallery line as the gallery steps read it: its provisioning state, whether it is excluded from
 * latest, and the build it was made from (its `golden-image-revision` tag). The steps after the publication start with
 * `requirePublished`: a version that is missing, another build's or not yet Succeeded cannot be worked on.
 */
import { Az, QUERY_SECONDS, TIMED_OUT } from './az';
import { ExitCode } from './failure';
import { azFault, isNotFound } from './faults';
import { GALLERY_VERSION, GalleryLine, lineName, versionArgs } from './gallery-line';
import { shown } from './inputs';
import { Operator } from './operator';
import { REVISION_TAG } from './tags';

/** A version as it is in Azure, or `absent`. */
export type VersionState = { readonly state: 'absent' } | PresentVersion;

export interface PresentVersion {
  /** Azure's provisioningState: Creating, Updating, Succeeded, Failed, Deleting, Migrating. */
  readonly state: string;
  readonly excludedFromLatest: boolean;
  /** The build's revision tag; undefined without one. */
  readonly revision?: string;
}

/** The three fields the steps read, one row. */
const VERSION_QUERY = `[[provisioningState, publishingProfile.excludeFromLatest, tags."${REVISION_TAG}"]]`;

/** The version's state; `absent` when it, its definition, gallery or resource group does not exist. */
export async function readVersion(op: Operator, az: Az, line: GalleryLine, version: string, phase: string): Promise<VersionState> {
  const what = `${phase}: az sig image-version show`;
  const result = await az.call(phase, QUERY_SECONDS, ['sig', 'image-version', 'show', ...versionArgs(line, version), '--query', VERSION_QUERY,
    '--output', 'json']);
  if (result === TIMED_OUT) {
    return op.fail(ExitCode.TIMEOUT, `${what} did not answer within ${QUERY_SECONDS}s.`);
  }
  if (result.exitCode !== 0) {
    az.failIfBroken(what, result);
    if (isNotFound(result) && azFault(result) === undefined) {
      return { state: 'absent' };
    }
    return az.fail(ExitCode.AZ_FAILED, what, 'Check that the identity may read the gallery.', result);
  }
  const rows = az.parseJson<unknown>(what, result, '[]');
  const [state, excluded, revision] = Array.isArray(rows) && Array.isArray(rows[0]) ? rows[0] as unknown[] : [];
  return {
    state: typeof state === 'string' && state !== '' ? state : 'unknown',
    excludedFromLatest: excluded === true,
    revision: typeof revision === 'string' ? revision : undefined,
  };
}

/** What a step after the publication needs of the version, and what it says otherwise. */
export interface PublishedVersionCheck {
  readonly line: GalleryLine;
  readonly version: string;
  /** This build's revision: a version of another build is never worked on. */
  readonly revision: string;
  readonly phase: string;
  /** What cannot be done with a version not yet Succeeded, e.g. `no VM can be made from it yet`. */
  readonly purpose: string;
  /** What to do when the version does not exist. */
  readonly notFoundHint: string;
}

/**
 * The version exists, was made from this build (a name taken by another build is never changed), and is Succeeded;
 * fails with exit code 8, 2 or 6 otherwise.
 */
export async function requirePublished(op: Operator, az: Az, check: PublishedVersionCheck): Promise<PresentVersion> {
  const { line, version, revision, phase } = check;
  const found = await readVersion(op, az, line, version, phase);
  if (found.state === 'absent') {
    return op.fail(ExitCode.NOT_FOUND, `${phase}: version ${version} of image definition ${lineName(line)} in resource group ${line.resourceGroup} was not found. `
      + check.notFoundHint);
  }
  const present = found as PresentVersion;
  if (present.revision !== revision) {
    return op.fail(ExitCode.INVALID_INPUT, `${phase}: version ${version} of ${lineName(line)} exists already, but it is not build ${revision} (${present.revision
      === undefined ? `it has no ${REVISION_TAG} tag` : `its ${REVISION_TAG} tag is ${shown(present.revision)}`}). It is left as it is: give this build another `
      + `version (${GALLERY_VERSION.env}), or delete that version if it is not needed.`);
  }
  if (present.state !== 'Succeeded') {
    return op.fail(ExitCode.AZ_FAILED, `${phase}: version ${version} is ${present.state}, not Succeeded: ${check.purpose}. Run the deployment again (the publish `
      + 'step waits for it, or publishes a failed one again).');
  }
  return present;
}
