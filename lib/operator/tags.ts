/**
 * The tags of a build (a managed image; later a gallery image version): the line's own two, which the steps find a
 * line's builds by, and the user's, from GOLDEN_IMAGE_TAGS.
 */
import { ExitCode } from './failure';
import { Environment, shown } from './inputs';
import { Operator } from './operator';

/** The line a build belongs to. */
export const NAME_TAG = 'golden-image-name';
/** The build's revision (YYYYMMDDhhmmss: the newest sorts last). */
export const REVISION_TAG = 'golden-image-revision';
/** The line's own tags, set by the steps on every build. */
export const BUILD_TAGS: readonly string[] = [NAME_TAG, REVISION_TAG];

/** More tags of a build, one `key=value` per line. */
export const IMAGE_TAGS_ENV = 'GOLDEN_IMAGE_TAGS';

/** A tag as Azure accepts it: a key of 1-512 characters without < > % & \ ? / = or a control character, a value of at most 256. */
const TAG = /^[^<>%&\\?/=\x00-\x1f\x7f]+=[^\x00-\x1f\x7f]*$/;

/** `key=value` per line, as the steps read extra tags (GOLDEN_IMAGE_TAGS); the keys sorted. */
export function tagLines(tags: { readonly [key: string]: string }): string {
  return Object.keys(tags).sort().map((key) => `${key}=${tags[key]}`).join('\n');
}

/**
 * The extra tags of GOLDEN_IMAGE_TAGS as az's `--tags` words (`key=value`), checked: each as Azure accepts it, and none
 * of the line's own tags, whatever their case (Azure's tag keys ignore case and a later key wins in az, so a build
 * tagged with another line or revision here would escape this line's pruning and its deletion at destroy).
 */
export function readExtraTags(op: Operator, env: Environment, step: string): string[] {
  const tags: string[] = [];
  for (const tag of (env[IMAGE_TAGS_ENV] ?? '').split('\n')) {
    if (tag === '') {
      continue;
    }
    const eq = tag.indexOf('=');
    const key = eq < 0 ? tag : tag.slice(0, eq);
    const value = eq < 0 ? '' : tag.slice(eq + 1);
    if (!TAG.test(tag) || key.length > 512 || value.length > 256) {
      op.fail(ExitCode.INVALID_INPUT, `a line of ${IMAGE_TAGS_ENV} must be key=value, as Azure accepts tags (a key of 1-512 characters without `
        + `< > % & \\ ? / =, a value of at most 256); got ${shown(tag)}. It comes from the ${op.construct} construct's props (or a Terraform variable `
        + 'given to them).');
    }
    if (BUILD_TAGS.includes(key.toLowerCase())) {
      op.fail(ExitCode.INVALID_INPUT, `${IMAGE_TAGS_ENV} must not set ${shown(key)}: ${step} sets ${NAME_TAG} and ${REVISION_TAG} itself. It comes `
        + `from the ${op.construct} construct's props (or a Terraform variable given to them).`);
    }
    tags.push(tag);
  }
  return tags;
}
