/**
 * An image line: the builds of one managed image name (`<line>-<revision>`), captured by the operator's capture step,
 * the newest `retainBuilds` kept and every build deleted with the line; shared by GeneralizedImage and ImageCopy.
 */
import { Fn, ITerraformDependable, Precondition, TerraformResource, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { HyperVGeneration, OsType } from '../../image';
import { captureEnvironment, IMAGE_LINE_NAME, imageLineEnvironment, MAX_IMAGE_LINE_NAME_LENGTH, RETAIN_BUILDS } from '../../operator/steps/images';
import { BUILD_TAGS, tagLines } from '../../operator/tags';
import { AZURE_RESOURCE, claimNames, resourceGroupScope } from '../naming/name-claims';
import { checkNumberInput, environmentNumber, operatorStep } from '../steps/operator-step';
import { withPreconditions } from '../validation/plan-checks';
import { PropsValidator } from '../validation/props-validator';
import { checkTags } from '../validation/tags';

export { MAX_IMAGE_LINE_NAME_LENGTH, tagLines };

/** How many builds of a line stay, unless a construct is told otherwise. */
export const DEFAULT_RETAIN_BUILDS = RETAIN_BUILDS.default;

/** Line name: a managed image name short enough for the revision suffix (the capture step checks it the same way). */
function isImageLineName(name: string): boolean {
  return IMAGE_LINE_NAME.pattern.test(name);
}

/** Records a problem unless `lineName` (given as `prop`) leaves room for the revision in a managed image name. */
export function checkImageLineName(v: PropsValidator, prop: string, lineName: string, fix: string): void {
  v.check(prop, lineName, isImageLineName,
    `is not a valid image line name (1-${MAX_IMAGE_LINE_NAME_LENGTH} letters, digits, underscores, periods and hyphens, starting with a letter or digit, ending with a letter, digit or underscore; the build revision is appended)`,
    fix);
}

/**
 * Claims the line `lineName` in its resource group: two lines of one name capture into one set of images and delete
 * each other's builds beyond `retainBuilds` (the capture step finds a line's images by their `golden-image-name` tag).
 */
export function claimImageLine(owner: IConstruct, v: PropsValidator, prop: string, lineName: string, resourceGroupName: string): void {
  claimNames(owner, v, {
    prop,
    value: lineName,
    names: [{ kind: AZURE_RESOURCE.IMAGE_LINE, scope: resourceGroupScope(resourceGroupName), name: lineName }],
    fix: 'pass another imageName to one of them, or put their images in different resource groups',
  });
}

/**
 * Records a problem unless `retainBuilds` is a whole number of builds to keep, as the capture step checks it (1-50);
 * for a token, returns the same check as preconditions.
 */
export function checkRetainBuilds(v: PropsValidator, retainBuilds: number): Precondition[] {
  return checkNumberInput(v, RETAIN_BUILDS, retainBuilds, 'builds');
}

/** What a build is captured from: the generalized VM, or a generalized managed disk. */
export interface CaptureSource {
  readonly virtualMachineId?: string;
  readonly diskId?: string;
}

export interface ImageLineOptions {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly lineName: string;
  readonly revision: string;
  readonly source: CaptureSource;
  readonly hyperVGeneration: HyperVGeneration;
  readonly osType: OsType;
  readonly retainBuilds: number;
  /** Storage type recorded in the image. */
  readonly storageType?: string;
  readonly tags?: { [key: string]: string };
  readonly dependsOn: ITerraformDependable[];
  /** Plan-time checks of token props for the capture step (`retainBuilds`, which it reads). */
  readonly preconditions?: Precondition[];
}

export interface ImageLine {
  /** Deletes every image of the line when destroyed (or replaced: a line moved elsewhere). */
  readonly imageLine: TerraformResource;
  /** Captures this build's image, then deletes the line's images beyond the newest `retainBuilds`. */
  readonly captureStep: TerraformResource;
  readonly imageName: string;
  /** The ARM id of this build's image, read from the capture step: using it waits for the capture. */
  readonly imageId: string;
}

/**
 * An image line in a resource group: build `<revision>` is captured as `<line>-<revision>` by the operator stage, and
 * the newest `retainBuilds` images stay. The images are not Terraform resources, so that a rebuild adds one beside the
 * others instead of replacing the one Terraform would know; the line resource deletes them all on destroy.
 */
export function imageLine(scope: Construct, options: ImageLineOptions): ImageLine {
  const lineInput = {
    subscription_id: options.subscriptionId,
    resource_group_name: options.resourceGroupName,
    image_line: options.lineName,
  };
  const line = operatorStep(scope, 'ImageLine', {
    step: 'delete-all',
    whenDestroyed: true,
    input: lineInput,
    // Moved to another resource group or name: the old line's images go with the old resource.
    triggersReplace: lineInput,
    // A destroy-time provisioner may only reference the resource itself.
    environment: imageLineEnvironment({
      subscriptionId: '${self.input.subscription_id}',
      resourceGroup: '${self.input.resource_group_name}',
      lineName: '${self.input.image_line}',
    }),
  });

  const imageName = `${options.lineName}-${options.revision}`;
  // Azure's id of the image, known as soon as its name is.
  const imageId = `/subscriptions/${options.subscriptionId}/resourceGroups/${options.resourceGroupName}`
    + `/providers/Microsoft.Compute/images/${imageName}`;
  const source = options.source.virtualMachineId ?? options.source.diskId!;
  const capture = operatorStep(scope, 'Capture', {
    step: 'capture',
    // One capture per build: a new revision is a new image.
    triggersReplace: options.revision,
    // What the step makes, for readers of the state (and the day-2 checks): a managed image.
    input: {
      image_id: imageId,
      image_name: imageName,
      resource_group_name: options.resourceGroupName,
      location: options.location,
      hyper_v_generation: options.hyperVGeneration,
      ...(options.source.virtualMachineId !== undefined
        ? { source_virtual_machine_id: options.source.virtualMachineId }
        : { source_disk_id: options.source.diskId }),
    },
    dependsOn: [line, ...options.dependsOn],
    environment: captureEnvironment({
      subscriptionId: options.subscriptionId,
      resourceGroup: options.resourceGroupName,
      lineName: options.lineName,
      revision: options.revision,
      sourceId: source,
      location: options.location,
      hyperVGeneration: options.hyperVGeneration,
      osType: options.osType,
      retainBuilds: environmentNumber(options.retainBuilds),
      storageSku: options.storageType,
      tags: options.tags !== undefined ? tagLines(options.tags) : undefined,
    }),
    lifecycle: withPreconditions(options.preconditions ?? []),
  });
  // Read back from the step: one reference that carries the dependency on the capture (and crosses stacks as one value).
  return {
    imageLine: line,
    captureStep: capture,
    imageName: Token.asString(capture.interpolationForAttribute('output.image_name')),
    imageId: Token.asString(capture.interpolationForAttribute('output.image_id')),
  };
}

/**
 * Records a problem for tags of a build (a captured image, a gallery version) that Azure or `step` would refuse: besides
 * Azure's rules, the map must be literal (the step needs the keys at synth time) and leave room for the build tags.
 */
export function checkCaptureTags(v: PropsValidator, tags: { [key: string]: string } | undefined, step: string = 'the capture step'): void {
  checkTags(v, 'tags', tags, { added: BUILD_TAGS, addedBy: step, passedToScript: true });
}

/**
 * A gallery image version name for a build revision (`YYYYMMDDhhmmss`): `YYYY.MMDD.hhmmss` without leading zeros, as
 * Azure wants `X.Y.Z` with each part a 32-bit integer; later builds get higher versions.
 */
export function galleryVersionName(revision: string): string {
  const part = (start: number, length: number) => Fn.tonumber(Fn.substr(revision, start, length));
  return Token.asString(Fn.format('%d.%d.%d', [part(0, 4), part(4, 4), part(8, 6)]));
}
