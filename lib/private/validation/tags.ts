/**
 * The tags Azure accepts on a resource, checked at synth time for every construct's `tags` prop.
 *
 * Sources: Microsoft Learn, "Use tags to organize your Azure resources and management hierarchy", Limitations
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations): at most 50 tag
 * name/value pairs per resource, names of at most 512 characters, values of at most 256, names without
 * `<`, `>`, `%`, `&`, `\`, `?`, `/`; tag names are case-insensitive. The ARM resource provider contract
 * (Azure/azure-resource-manager-rpc, v1.0/resource-api-reference.md, "tags") also refuses control characters in names.
 * Azure REST API, "Tags - Create Or Update" (https://learn.microsoft.com/rest/api/resources/tags/create-or-update):
 * "Tag names cannot have the following prefixes which are reserved for Azure use: 'microsoft', 'azure', 'windows'".
 */
import { isUnresolved, PropsValidator } from './props-validator';

export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_TAG_NAME_LENGTH = 512;
export const MAX_TAG_VALUE_LENGTH = 256;
const FORBIDDEN_NAME_CHARACTERS = ['<', '>', '%', '&', '\\', '?', '/'];
const RESERVED_NAME_PREFIXES = ['microsoft', 'azure', 'windows'];
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** What a construct does with the tags besides passing them to Terraform. */
export interface TagUse {
  /** Tags the construct sets itself on the same resource: they count towards the 50, and the user may not set them. */
  readonly added?: readonly string[];
  /**
   * The tags reach an operator script as `key=value` lines (GOLDEN_IMAGE_TAGS): the map must be literal (its values may
   * be tokens), names cannot hold `=` and values no line break or other control character.
   */
  readonly passedToScript?: boolean;
  /** Who sets `added`, for messages, e.g. `the capture step`. */
  readonly addedBy?: string;
}

/** Records a problem for each tag Azure (or the script the tags reach) would refuse. */
export function checkTags(v: PropsValidator, prop: string, tags: { [key: string]: string } | undefined, use: TagUse = {}): void {
  if (tags === undefined || tags === null) {
    return;
  }
  if (isUnresolved(tags)) {
    if (use.passedToScript) {
      v.fail(prop, tags, `is an unresolved map, but ${use.addedBy ?? 'the operator stage'} passes each tag to the Azure CLI and needs the keys at synth time`,
        'pass a literal map (its values may be tokens)');
    }
    return;
  }
  if (typeof tags !== 'object' || Array.isArray(tags)) {
    v.fail(prop, tags, 'is not a map of tag names to values', "pass e.g. { owner: 'platform-team' }");
    return;
  }
  const added = use.added ?? [];
  const names = Object.keys(tags);
  if (names.length + added.length > MAX_TAGS_PER_RESOURCE) {
    const besides = added.length > 0 ? `, with the ${added.length} ${use.addedBy ?? 'the construct'} adds (${added.join(', ')}),` : '';
    v.fail(prop, names.length, `tags${besides} are more than the ${MAX_TAGS_PER_RESOURCE} Azure allows on a resource`,
      `pass at most ${MAX_TAGS_PER_RESOURCE - added.length}; for more, put several values in one tag as a JSON string`);
  }
  const seen = new Map<string, string>(added.map((name) => [name.toLowerCase(), name]));
  for (const name of names) {
    checkTagName(v, prop, name, use);
    const earlier = seen.get(name.toLowerCase());
    if (earlier !== undefined && !isUnresolved(name)) {
      v.fail(prop, name, added.includes(earlier)
        ? `is the tag ${use.addedBy ?? 'the construct'} sets itself${earlier === name ? '' : ` ('${earlier}': Azure tag names are case-insensitive)`}`
        : `is the tag name '${earlier}' again in another case: Azure tag names are case-insensitive, so one would overwrite the other`,
      added.includes(earlier) ? 'remove it, or give it another name' : 'keep one of them');
    }
    seen.set(name.toLowerCase(), name);
    checkTagValue(v, `${prop}['${name}']`, tags[name], use);
  }
}

function checkTagName(v: PropsValidator, prop: string, name: string, use: TagUse): void {
  if (isUnresolved(name)) {
    return;
  }
  if (name.length === 0 || name.length > MAX_TAG_NAME_LENGTH) {
    v.fail(prop, name, `is a tag name of ${name.length} characters: Azure takes 1-${MAX_TAG_NAME_LENGTH}`, 'shorten it, or give it a name');
    return;
  }
  const forbidden = FORBIDDEN_NAME_CHARACTERS.find((c) => name.includes(c)) ?? (use.passedToScript && name.includes('=') ? '=' : undefined);
  if (forbidden !== undefined) {
    const why = forbidden === '=' ? 'which the key=value lines passed to the Azure CLI cannot carry'
      : `which Azure refuses in tag names (${FORBIDDEN_NAME_CHARACTERS.join(' ')})`;
    v.fail(prop, name, `holds '${forbidden}', ${why}`, "write it with letters, digits, '-', '_', '.' or ':', e.g. 'cost-center'");
  } else if (CONTROL_CHARACTER.test(name)) {
    v.fail(prop, name, 'holds a control character (a line break, a tab...), which Azure refuses in tag names', 'remove it');
  }
  const reserved = RESERVED_NAME_PREFIXES.find((p) => name.toLowerCase().startsWith(p));
  if (reserved !== undefined) {
    v.fail(prop, name, `starts with '${reserved}', a prefix Azure reserves for its own tag names (${RESERVED_NAME_PREFIXES.join(', ')}, in any case)`,
      `rename it so that it does not start with '${reserved}', e.g. 'app-${name}'`);
  }
}

function checkTagValue(v: PropsValidator, prop: string, value: string, use: TagUse): void {
  if (value === undefined || value === null || isUnresolved(value)) {
    return;
  }
  if (typeof value !== 'string') {
    v.fail(prop, value, 'is not a string: Azure tag values are strings', `pass it as a string, e.g. '${String(value)}'`);
    return;
  }
  if (value.length > MAX_TAG_VALUE_LENGTH) {
    v.fail(prop, value, `is a tag value of ${value.length} characters: Azure takes at most ${MAX_TAG_VALUE_LENGTH}`,
      'shorten it, or split it over several tags');
  }
  if (use.passedToScript && CONTROL_CHARACTER.test(value)) {
    v.fail(prop, value, 'holds a line break or another control character, which the key=value lines passed to the Azure CLI cannot carry',
      'write it on one line');
  }
}
