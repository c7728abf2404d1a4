/**
 * images: the managed images of one image line, kept outside Terraform's lifecycle so that a rebuild adds an image
 * beside the earlier ones instead of replacing the one image Terraform knows (which would leave no image to roll back
 * to). Two steps:
 *
 *   capture     captures build <revision> of the line as `<name>-<revision>` from a generalized VM or OS disk, then
 *               deletes the line's images beyond the newest GOLDEN_RETAIN_BUILDS
 *   delete-all  deletes every image of the line (the stack is being destroyed)
 *
 * An image line is every image in the resource group tagged `golden-image-name=<name>`; each also carries
 * `golden-image-revision=<revision>` (YYYYMMDDhhmmss, so the newest sorts last). GeneralizedImage and ImageCopy write
 * the terraform_data resources that run them: capture when a build is created, delete-all when the stack is destroyed.
 *
 * Idempotent: an image of this revision that exists already is not captured again; deleting what is gone succeeds.
 * Exit codes: 0 done; 2 invalid input; 3 az cannot be used (missing, too old, crashing, lacking a module, cannot log
 * in, or its session expired during the run); 4 timeout; 6 az failed; 8 the source (or the image resource group) does
 * not exist; 12 no temporary directory; 129/130/143 interrupted.
 */
import { Az, NotFound, TIMED_OUT } from '../az';
import { ExitCode } from '../failure';
import { azFault, isNotFound } from '../faults';
import { BUILD_REVISION, InputReader, NumberInput, readTuning, REGION_NAME, RESOURCE_GROUP, SUBSCRIPTION_ID, TextInput } from '../inputs';
import { Operator } from '../operator';
import { IMAGE_TAGS_ENV, NAME_TAG, readExtraTags, REVISION_TAG } from '../tags';

export const IMAGES_NAME = 'images';
export const IMAGES_CONSTRUCT = 'GeneralizedImage or ImageCopy';

/** The resource group of the line's images. */
export const IMAGE_RESOURCE_GROUP: TextInput = { ...RESOURCE_GROUP, env: 'GOLDEN_IMAGE_RESOURCE_GROUP' };
/** Longest line name: `<line>-<14-digit revision>` must fit a managed image name's 80 characters. */
export const MAX_IMAGE_LINE_NAME_LENGTH = 65;
/** The line's name: a managed image name short enough for the revision suffix (`<name>-<revision>`). */
export const IMAGE_LINE_NAME: TextInput = {
  env: 'GOLDEN_IMAGE_NAME',
  pattern: new RegExp(`^[A-Za-z0-9]([-A-Za-z0-9_.]{0,${MAX_IMAGE_LINE_NAME_LENGTH - 2}}[A-Za-z0-9_])?$`),
  description: `an image name of 1-${MAX_IMAGE_LINE_NAME_LENGTH} letters, digits, _ . - (the revision is appended to it)`,
};
/** What the build is captured from: the generalized VM, or a generalized managed disk. */
export const SOURCE_ID: TextInput = {
  env: 'GOLDEN_SOURCE_ID',
  pattern: /^\/subscriptions\/[0-9A-Fa-f-]{36}\/resourceGroups\/[-A-Za-z0-9_.()]{1,90}\/providers\/Microsoft\.Compute\/(virtualMachines|disks)\/[-A-Za-z0-9_.]{1,80}$/,
  description: 'the resource id of a VM or managed disk',
};
export const IMAGE_LOCATION: TextInput = { env: 'GOLDEN_IMAGE_LOCATION', ...REGION_NAME };
export const HYPERV_GENERATION: TextInput = { env: 'GOLDEN_HYPERV_GENERATION', pattern: /^V[12]$/, description: 'V1 or V2' };
/** The OS of a disk source (az needs it for a disk; a VM's own is used for a VM). */
export const OS_TYPE: TextInput = { env: 'GOLDEN_OS_TYPE', pattern: /^(Windows|Linux)$/, description: 'Windows or Linux' };
export const DEFAULT_OS_TYPE = 'Windows';
/** The storage type recorded in the image (default: the source's). */
export const STORAGE_SKU: TextInput = {
  env: 'GOLDEN_STORAGE_SKU',
  pattern: /^(Standard_LRS|Premium_LRS|StandardSSD_LRS|StandardSSD_ZRS|Premium_ZRS)$/,
  description: 'a storage type such as StandardSSD_LRS',
};
/** How many of the line's images stay, this build's included. */
export const RETAIN_BUILDS: NumberInput = { env: 'GOLDEN_RETAIN_BUILDS', prop: 'retainBuilds', min: 1, max: 50, default: 3 };

/** How long `az image create` may take. */
export const CAPTURE_MINUTES = 60;
/** The limit of a list or a deletion, in seconds. */
const QUERY_SECONDS = 300;
const NOT_FOUND_HINT = 'The source of the image is gone: run the deployment again, so that Terraform builds it anew.';

/** The inputs of both steps as the constructs write them (values or Terraform expressions). */
export interface ImageLineEnvironment {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly lineName: string;
}

/** The inputs of the capture step. */
export interface CaptureEnvironment extends ImageLineEnvironment {
  readonly revision: string;
  readonly sourceId: string;
  readonly location: string;
  readonly hyperVGeneration: string;
  readonly osType: string;
  readonly retainBuilds: string;
  readonly storageSku?: string;
  /** `key=value` per line (tagLines). */
  readonly tags?: string;
}

export function imageLineEnvironment(input: ImageLineEnvironment): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [IMAGE_RESOURCE_GROUP.env]: input.resourceGroup,
    [IMAGE_LINE_NAME.env]: input.lineName,
  };
}

export function captureEnvironment(input: CaptureEnvironment): Record<string, string> {
  return {
    ...imageLineEnvironment(input),
    [BUILD_REVISION.env]: input.revision,
    [SOURCE_ID.env]: input.sourceId,
    [IMAGE_LOCATION.env]: input.location,
    [HYPERV_GENERATION.env]: input.hyperVGeneration,
    [OS_TYPE.env]: input.osType,
    [RETAIN_BUILDS.env]: input.retainBuilds,
    ...(input.storageSku !== undefined ? { [STORAGE_SKU.env]: input.storageSku } : {}),
    ...(input.tags !== undefined ? { [IMAGE_TAGS_ENV]: input.tags } : {}),
  };
}

/** An image of the line: its revision tag and its name. */
interface LineImage {
  readonly revision: string;
  readonly name: string;
}

/** The image line in its resource group, through az. */
class ImageLine {
  public static read(op: Operator, reader: InputReader): ImageLine {
    op.phase = 'validate';
    const tuning = readTuning(reader);
    const subscriptionId = reader.optionalText(SUBSCRIPTION_ID, 'ARM_SUBSCRIPTION_ID');
    const resourceGroup = reader.text(IMAGE_RESOURCE_GROUP);
    const name = reader.text(IMAGE_LINE_NAME);
    return new ImageLine(op, new Az(op, tuning, {
      subject: `the source of image line ${name} or resource group ${resourceGroup}${subscriptionId ? ` (subscription ${subscriptionId})` : ''}`,
      what: 'it',
      hint: NOT_FOUND_HINT,
    } satisfies NotFound), name, resourceGroup, subscriptionId);
  }

  /** The az arguments that name the resource group, in the `--option=value` form (a group name may start with a hyphen). */
  public readonly groupArgs: readonly string[];

  private constructor(
    private readonly op: Operator,
    public readonly az: Az,
    public readonly name: string,
    public readonly resourceGroup: string,
    subscriptionId: string | undefined,
  ) {
    this.groupArgs = [...(subscriptionId ? [`--subscription=${subscriptionId}`] : []), `--resource-group=${resourceGroup}`];
  }

  /** The Azure CLI's version and the az session, once the inputs are valid. */
  public async start(reader: InputReader): Promise<void> {
    await this.az.start(reader);
  }

  /** The line's images, oldest first (by revision, then name); none when the resource group does not exist. */
  public async list(): Promise<LineImage[]> {
    const args = ['image', 'list', ...this.groupArgs, '--query', `[?tags."${NAME_TAG}"=='${this.name}'].[tags."${REVISION_TAG}", name]`, '--output', 'json'];
    const result = await this.az.call('list', QUERY_SECONDS, args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `list: az image list did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken('list: az image list', result);
      if (/ResourceGroupNotFound/.test(result.stderr) && azFault(result) === undefined) {
        return [];
      }
      return this.az.fail(ExitCode.AZ_FAILED, 'list: az image list', 'Check that the identity may read images in the resource group.', result);
    }
    const rows = this.az.parseJson<unknown>('list: az image list', result, '[]');
    const images = (Array.isArray(rows) ? rows : [])
      .filter((row): row is [string, string] => Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && /^[0-9]+$/.test(row[0])
        && typeof row[1] === 'string' && row[1] !== '')
      .map(([revision, name]) => ({ revision, name }));
    return images.sort(byRevision);
  }

  /** Deletes one image; one that is gone already counts as deleted. */
  public async delete(name: string): Promise<void> {
    this.op.log(`delete: deleting image ${name}`);
    const result = await this.az.call('delete', QUERY_SECONDS, ['image', 'delete', ...this.groupArgs, `--name=${name}`, '--output', 'none']);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `delete: az image delete ${name} did not return within ${QUERY_SECONDS}s. Run the deployment again.`);
    }
    if (result.exitCode !== 0) {
      this.az.failIfBroken(`delete: az image delete ${name}`, result);
      if (isNotFound(result) && azFault(result) === undefined) {
        this.op.log(`delete: ${name} is already gone`);
        return;
      }
      this.az.fail(ExitCode.AZ_FAILED, `delete: az image delete ${name}`, 'A VM scale set or gallery version may still use it; run the deployment again once '
        + 'it does not.', result);
    }
  }
}

/** Oldest first: by revision, then name, in code-unit order (as `sort` in the C locale). */
function byRevision(a: LineImage, b: LineImage): number {
  const [x, y] = [`${a.revision} ${a.name}`, `${b.revision} ${b.name}`];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** capture: this build's image, unless an earlier run captured it, then the line pruned to the newest retainBuilds. */
export async function capture(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, IMAGES_CONSTRUCT);
  const line = ImageLine.read(op, reader);
  const revision = reader.text(BUILD_REVISION);
  const sourceId = reader.text(SOURCE_ID);
  const location = reader.text(IMAGE_LOCATION);
  const generation = reader.text(HYPERV_GENERATION);
  const osType = reader.optionalText(OS_TYPE) ?? DEFAULT_OS_TYPE;
  const storageSku = reader.optionalText(STORAGE_SKU);
  const retain = reader.number(RETAIN_BUILDS);
  const extraTags = readExtraTags(op, op.env, 'the capture step');
  const imageName = `${line.name}-${revision}`;

  op.log(`capture: image ${imageName} in resource group ${line.resourceGroup} from ${sourceId} (keeping the newest ${retain} of line ${line.name})`);
  await line.start(reader);
  op.phase = 'capture';
  let images = await line.list();
  if (images.some((image) => image.revision === revision && image.name === imageName)) {
    op.log(`capture: ${imageName} exists already (an earlier run captured it): not capturing it again`);
  } else {
    const args = ['image', 'create', ...line.groupArgs, `--name=${imageName}`, `--source=${sourceId}`, `--location=${location}`,
      `--hyper-v-generation=${generation}`, '--tags', `${NAME_TAG}=${line.name}`, `${REVISION_TAG}=${revision}`, ...extraTags,
      ...(/\/disks\//.test(sourceId) ? [`--os-type=${osType}`] : []),
      ...(storageSku !== undefined ? [`--storage-sku=${storageSku}`] : []),
      '--output', 'none'];
    await line.az.mustSucceed('capture', CAPTURE_MINUTES * 60, args, {
      timedOut: `capture: az image create did not return within ${CAPTURE_MINUTES} minutes. Run the deployment again: an image that was created meanwhile `
        + 'is kept.',
      what: 'capture: az image create',
      hint: 'A managed image needs a generalized source of the Standard security type; the source is left as it is. Fix the cause, then run the deployment '
        + 'again.',
    });
    op.log(`capture: ${imageName} created`);
    images = [...images, { revision, name: imageName }].sort(byRevision);
  }
  await prune(op, line, images, retain, imageName);
}

/** Deletes the line's images beyond the newest `retain`, oldest first; never this build's. */
async function prune(op: Operator, line: ImageLine, images: readonly LineImage[], retain: number, imageName: string): Promise<void> {
  op.phase = 'prune';
  const excess = images.length - retain;
  if (excess <= 0) {
    op.log(`prune: ${images.length} image(s) in line ${line.name}, keeping all (at most ${retain})`);
    return;
  }
  op.log(`prune: ${images.length} image(s) in line ${line.name}, keeping the newest ${retain}`);
  for (const image of images.slice(0, excess)) {
    if (image.name !== imageName) {
      await line.delete(image.name);
    }
  }
}

/** delete-all: every image of the line, oldest first (the stack is being destroyed). Needs none of capture's inputs. */
export async function deleteAll(op: Operator): Promise<void> {
  const reader = new InputReader(op.env, IMAGES_CONSTRUCT);
  const line = ImageLine.read(op, reader);
  op.log(`delete-all: deleting every image of line ${line.name} in resource group ${line.resourceGroup}`);
  await line.start(reader);
  op.phase = 'delete-all';
  for (const image of await line.list()) {
    await line.delete(image.name);
  }
  op.log('delete-all: done');
}
