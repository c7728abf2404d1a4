/**
 * The inputs shared by the gallery steps (publish, replicate, canary, promote, delete-all): which line of versions they
 * work on (a gallery image definition) and which version of it. The steps' own inputs live in their modules.
 *
 * The line is every version of the definition tagged `golden-image-name=<definition>`; each also carries
 * `golden-image-revision=<revision>`. Versions made otherwise are never touched.
 */
import { BUILD_REVISION, InputReader, InvalidInput, RESOURCE_GROUP, SUBSCRIPTION_ID, TextInput } from './inputs';

/** The construct whose props the gallery steps' inputs come from. */
export const GALLERY_CONSTRUCT = 'GalleryImageVersion';
/** The name in every line the gallery steps print. */
export const GALLERY_STEPS_NAME = 'gallery';

export const GALLERY_RESOURCE_GROUP: TextInput = { ...RESOURCE_GROUP, env: 'GOLDEN_GALLERY_RESOURCE_GROUP' };
/** Gallery names: 1-80 letters, digits, underscores and periods, starting and ending with a letter or digit (Microsoft Learn: "Naming rules and restrictions for Azure resources", Microsoft.Compute/galleries). */
export const GALLERY_NAME: TextInput = {
  env: 'GOLDEN_GALLERY_NAME',
  pattern: /^[A-Za-z0-9]([A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/,
  description: 'a gallery name (1-80 letters, digits, underscores and periods, starting and ending with a letter or digit)',
};
/** Image definition names: as galleries, with hyphens (same page, galleries/images). No quote gets through: the name goes into JMESPath queries. */
export const GALLERY_IMAGE: TextInput = {
  env: 'GOLDEN_GALLERY_IMAGE',
  pattern: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,78}[A-Za-z0-9])?$/,
  description: 'an image definition name (1-80 letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit)',
};
/** Gallery image versions: Major.Minor.Patch, each a 32-bit whole number (same page, galleries/images/versions). */
export const GALLERY_VERSION: TextInput = {
  env: 'GOLDEN_GALLERY_VERSION',
  pattern: /^(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})\.(0|[1-9][0-9]{0,9})$/,
  description: 'a gallery image version X.Y.Z (whole numbers without leading zeros)',
};
/** The largest part of a version: Azure stores each as a 32-bit signed integer. */
export const MAX_VERSION_PART = 2147483647;

/** A line of versions: the definition, its gallery and resource group, and the subscription (az's default when none). */
export interface GalleryLine {
  readonly subscriptionId?: string;
  readonly resourceGroup: string;
  readonly gallery: string;
  readonly definition: string;
}

/** Reads the line's inputs (GOLDEN_SUBSCRIPTION_ID, else ARM_SUBSCRIPTION_ID, else az's default subscription). */
export function readGalleryLine(reader: InputReader): GalleryLine {
  return {
    subscriptionId: reader.optionalText(SUBSCRIPTION_ID, 'ARM_SUBSCRIPTION_ID'),
    resourceGroup: reader.text(GALLERY_RESOURCE_GROUP),
    gallery: reader.text(GALLERY_NAME),
    definition: reader.text(GALLERY_IMAGE),
  };
}

/** Reads GOLDEN_GALLERY_VERSION: X.Y.Z with each part at most 2147483647. */
export function readGalleryVersion(reader: InputReader): string {
  const version = reader.text(GALLERY_VERSION);
  if (version.split('.').some((part) => Number(part) > MAX_VERSION_PART)) {
    throw new InvalidInput(`${GALLERY_VERSION.env} must be X.Y.Z with each part at most ${MAX_VERSION_PART}; got ${version}.`);
  }
  return version;
}

/** The line as messages name it: `<gallery>/<definition>`. */
export function lineName(line: GalleryLine): string {
  return `${line.gallery}/${line.definition}`;
}

/**
 * az's arguments that name the definition, in the --option=value form (a resource group name may start with a hyphen):
 * for `az sig image-version` commands.
 */
export function definitionArgs(line: GalleryLine): string[] {
  return [
    ...(line.subscriptionId === undefined ? [] : [`--subscription=${line.subscriptionId}`]),
    `--resource-group=${line.resourceGroup}`,
    `--gallery-name=${line.gallery}`,
    `--gallery-image-definition=${line.definition}`,
  ];
}

/** az's arguments that name one version of the line. */
export function versionArgs(line: GalleryLine, version: string): string[] {
  return [...definitionArgs(line), `--gallery-image-version=${version}`];
}

/** The line's inputs as the construct writes them (values or Terraform expressions). */
export interface GalleryLineEnvironment {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly gallery: string;
  readonly definition: string;
}

/** The inputs of a step that works on one version of the line: the version and the build it comes from. */
export interface GalleryVersionEnvironment extends GalleryLineEnvironment {
  readonly version: string;
  readonly revision: string;
}

export function galleryLineEnvironment(input: GalleryLineEnvironment): Record<string, string> {
  return {
    [SUBSCRIPTION_ID.env]: input.subscriptionId,
    [GALLERY_RESOURCE_GROUP.env]: input.resourceGroup,
    [GALLERY_NAME.env]: input.gallery,
    [GALLERY_IMAGE.env]: input.definition,
  };
}

export function galleryVersionEnvironment(input: GalleryVersionEnvironment): Record<string, string> {
  return {
    ...galleryLineEnvironment(input),
    [GALLERY_VERSION.env]: input.version,
    [BUILD_REVISION.env]: input.revision,
  };
}
