/**
 * Networks, tags and administrator names Azure (or Windows) would refuse at deploy time are refused at synth time, with
 * one error naming the prop, the value and the fix:
 * - subnets smaller than Azure's smallest (/29), address spaces over ranges Azure refuses;
 * - tags: more than 50 on a resource (counting the tags a construct adds), names of 0 or more than 512 characters, with
 *   `< > % & \ ? /` or control characters, starting with `microsoft`, `azure` or `windows`, repeated in another case,
 *   values over 256 characters; for tags an operator script passes on, also `=` in names and line breaks in values;
 * - administrator names Azure reserves or Windows refuses.
 */
import { TerraformStack } from 'cdktf';
import {
  GalleryImage, GalleryImageVersion, GeneralizedImage, GoldenVm, GoldenVmProps, HyperVGeneration, IImage, ImageCopy, ImageCopyMethod, ImageFleet,
  ImageGallery, ImageScaleSet, ManagedImage, SecurityType,
} from '../lib';
import { goldenVmProps } from './util/constructs';
import { expectRefused, Refusal, synthesize } from './util/refusal';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/disks/osdisk-golden`;

type Tags = { [key: string]: string };

// --- builders: one valid construct of each kind, with the props under test ------------------------------------------

function goldenVm(s: TerraformStack, overrides: Partial<GoldenVmProps> = {}): GoldenVm {
  return new GoldenVm(s, 'Build', goldenVmProps(overrides));
}

function managedImage(s: TerraformStack): IImage {
  return ManagedImage.fromImageId(s, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osDiskId: DISK_ID });
}

function generalizedImage(s: TerraformStack, tags: Tags): GeneralizedImage {
  return new GeneralizedImage(s, 'Image', { vm: goldenVm(s), tags });
}

function imageFleet(s: TerraformStack, overrides: object = {}): ImageFleet {
  return new ImageFleet(s, 'Fleet', { image: managedImage(s), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

function imageScaleSet(s: TerraformStack, overrides: object = {}): ImageScaleSet {
  return new ImageScaleSet(s, 'Web', { image: managedImage(s), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

function imageGallery(s: TerraformStack, tags?: Tags): ImageGallery {
  return new ImageGallery(s, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden', tags });
}

function galleryVersion(s: TerraformStack, tags: Tags): void {
  new GalleryImageVersion(s, 'Version', {
    galleryImage: new GalleryImage(s, 'Definition', { gallery: imageGallery(s), imageName: 'web-iis' }),
    source: new GeneralizedImage(s, 'Image', { vm: goldenVm(s, { securityType: SecurityType.TRUSTED_LAUNCH }) }),
    tags,
  });
}

/** `count` tags `tag01`, `tag02`, ... */
function manyTags(count: number): Tags {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`tag${String(i + 1).padStart(2, '0')}`, 'x']));
}

// --- networks -------------------------------------------------------------------------------------------------------

const NETWORKS: Array<[string, Refusal]> = [
  ['a /30 subnet for the build VM', {
    construct: 'GoldenVm',
    prop: 'subnetPrefix',
    value: '10.0.0.0/30',
    build: (s) => goldenVm(s, { subnetPrefix: '10.0.0.0/30' }),
    mentions: [/smallest subnet Azure allows, a \/29 \(8 addresses, of which Azure keeps 5\)/, /Fix: pass a \/29 or larger/],
  }],
  ['a /31 subnet for one fleet VM', {
    construct: 'ImageFleet',
    prop: 'subnetPrefix',
    value: '10.0.0.0/31',
    build: (s) => imageFleet(s, { count: 1, subnetPrefix: '10.0.0.0/31' }),
    mentions: [/smallest subnet Azure allows, a \/29/],
  }],
  ['a /32 subnet for one scale set instance', {
    construct: 'ImageScaleSet',
    prop: 'subnetPrefix',
    value: '10.0.0.0/32',
    build: (s) => imageScaleSet(s, { count: 1, subnetPrefix: '10.0.0.0/32' }),
    mentions: [/smallest subnet Azure allows, a \/29/],
  }],
  ['a link-local address space', {
    construct: 'GoldenVm',
    prop: 'addressSpace',
    value: '169.254.0.0/16',
    build: (s) => goldenVm(s, { addressSpace: '169.254.0.0/16', subnetPrefix: '169.254.0.0/24' }),
    mentions: [/overlaps 169\.254\.0\.0\/16 \(link-local\), which Azure refuses in a virtual network/, /private range \(RFC 1918\)/],
  }],
  ["an address space over Azure's DNS address", {
    construct: 'ImageFleet',
    prop: 'addressSpace',
    value: '168.63.0.0/16',
    build: (s) => imageFleet(s, { addressSpace: '168.63.0.0/16', subnetPrefix: '168.63.0.0/24' }),
    mentions: [/overlaps 168\.63\.129\.16\/32/],
  }],
  ['a multicast address space', {
    construct: 'ImageScaleSet',
    prop: 'addressSpace',
    value: '230.0.0.0/16',
    build: (s) => imageScaleSet(s, { addressSpace: '230.0.0.0/16', subnetPrefix: '230.0.0.0/22' }),
    mentions: [/224\.0\.0\.0\/4 \(multicast\)/],
  }],
  ['a loopback address space', {
    construct: 'GoldenVm',
    prop: 'addressSpace',
    value: '127.0.0.0/16',
    build: (s) => goldenVm(s, { addressSpace: '127.0.0.0/16', subnetPrefix: '127.0.0.0/24' }),
    mentions: [/loopback/],
  }],
];

// --- tags -----------------------------------------------------------------------------------------------------------

const LONG_NAME = 'n'.repeat(513);
const LONG_VALUE = 'v'.repeat(257);

const TAGS: Array<[string, Refusal]> = [
  ['51 tags on the build VM', {
    construct: 'GoldenVm',
    prop: 'tags',
    value: 51,
    build: (s) => goldenVm(s, { tags: manyTags(51) }),
    mentions: [/tags are more than the 50 Azure allows on a resource/, /Fix: pass at most 50/],
  }],
  ['49 tags on a captured image, which gets 2 more', {
    construct: 'GeneralizedImage',
    prop: 'tags',
    value: 49,
    build: (s) => generalizedImage(s, manyTags(49)),
    mentions: [/with the 2 the capture step adds \(golden-image-name, golden-image-revision\)/, /Fix: pass at most 48/],
  }],
  ['49 tags on a gallery version, which gets 2 more', {
    construct: 'GalleryImageVersion',
    prop: 'tags',
    value: 49,
    build: (s) => galleryVersion(s, manyTags(49)),
    mentions: [/the publish step adds/],
  }],
  ['a tag name of 513 characters', {
    construct: 'ImageFleet',
    prop: 'tags',
    value: LONG_NAME,
    build: (s) => imageFleet(s, { tags: { [LONG_NAME]: 'x' } }),
    mentions: [/is a tag name of 513 characters: Azure takes 1-512/],
  }],
  ['an empty tag name', {
    construct: 'ImageScaleSet',
    prop: 'tags',
    value: '',
    build: (s) => imageScaleSet(s, { tags: { '': 'x' } }),
    mentions: [/is a tag name of 0 characters/],
  }],
  ...['<', '>', '%', '&', '\\', '?', '/'].map((c): [string, Refusal] => [`a tag name with '${c}'`, {
    construct: 'ImageScaleSet',
    prop: 'tags',
    value: `cost${c}center`,
    build: (s) => imageScaleSet(s, { tags: { [`cost${c}center`]: 'x' } }),
    mentions: [`holds '${c}', which Azure refuses in tag names (< > % & \\ ? /)`],
  }]),
  ['a tag name with a tab', {
    construct: 'GoldenVm',
    prop: 'tags',
    value: 'cost\tcenter',
    build: (s) => goldenVm(s, { tags: { 'cost\tcenter': 'x' } }),
    mentions: [/holds a control character/],
  }],
  ["a tag name starting with 'Azure'", {
    construct: 'ImageGallery',
    prop: 'tags',
    value: 'Azure-env',
    build: (s) => imageGallery(s, { 'Azure-env': 'prod' }),
    mentions: [/starts with 'azure', a prefix Azure reserves for its own tag names \(microsoft, azure, windows, in any case\)/],
  }],
  ["a tag name starting with 'microsoft'", {
    construct: 'GalleryImage',
    prop: 'tags',
    value: 'microsoftTeam',
    build: (s) => new GalleryImage(s, 'Definition', { gallery: imageGallery(s), imageName: 'web-iis', tags: { microsoftTeam: 'x' } }),
    mentions: [/starts with 'microsoft'/],
  }],
  ["a tag name starting with 'WINDOWS'", {
    construct: 'ImageCopy',
    prop: 'tags',
    value: 'WINDOWS_version',
    build: (s) => new ImageCopy(s, 'Copy', { source: managedImage(s), resourceGroupName: 'rg-images', tags: { WINDOWS_version: '2022' } }),
    mentions: [/starts with 'windows'/],
  }],
  ['one tag name twice, in two cases', {
    construct: 'ImageFleet',
    prop: 'tags',
    value: 'env',
    build: (s) => imageFleet(s, { tags: { Env: 'prod', env: 'test' } }),
    mentions: [/is the tag name 'Env' again in another case: Azure tag names are case-insensitive/],
  }],
  ['a tag the publish step sets itself', {
    construct: 'GalleryImageVersion',
    prop: 'tags',
    value: 'Golden-Image-Name',
    build: (s) => galleryVersion(s, { 'Golden-Image-Name': 'mine' }),
    mentions: [/is the tag the publish step sets itself \('golden-image-name': Azure tag names are case-insensitive\)/],
  }],
  ['a tag value of 257 characters', {
    construct: 'GoldenVm',
    prop: "tags['owner']",
    value: LONG_VALUE,
    build: (s) => goldenVm(s, { tags: { owner: LONG_VALUE } }),
    mentions: [/is a tag value of 257 characters: Azure takes at most 256/],
  }],
  ['a line break in a tag value the capture step passes on', {
    construct: 'GeneralizedImage',
    prop: "tags['owner']",
    value: 'team\nweb',
    build: (s) => generalizedImage(s, { owner: 'team\nweb' }),
    mentions: [/holds a line break/],
  }],
  ["an '=' in a tag name the capture step passes on", {
    construct: 'ImageCopy',
    prop: 'tags',
    value: 'a=b',
    build: (s) => new ImageCopy(s, 'Copy', { source: generalizedImage(s, {}), resourceGroupName: 'rg-images', tags: { 'a=b': 'x' } }),
    mentions: [/holds '=', which the key=value lines passed to the Azure CLI cannot carry/],
  }],
];

// --- administrator names --------------------------------------------------------------------------------------------

const USERS: Array<[string, Refusal]> = [
  ...['\\', '/', '"', '[', ']', ':', '|', '<', '>', '+', '=', ';', ',', '?', '*', '@'].map((c): [string, Refusal] => [`'${c}' in the name`, {
    construct: 'GoldenVm',
    prop: 'adminUsername',
    value: `ops${c}admin`,
    build: (s) => goldenVm(s, { adminUsername: `ops${c}admin` }),
    mentions: [`Windows refuses '${c}' in a user name`],
  }]),
  ['a name of 21 characters', {
    construct: 'ImageFleet',
    prop: 'adminUsername',
    value: 'a'.repeat(21),
    build: (s) => imageFleet(s, { adminUsername: 'a'.repeat(21) }),
    mentions: [/it has 21 characters, Windows at most 20/],
  }],
  ['only periods and spaces', {
    construct: 'ImageScaleSet',
    prop: 'adminUsername',
    value: '. .',
    build: (s) => imageScaleSet(s, { adminUsername: '. .' }),
    mentions: [/Windows refuses a user name of only periods and spaces/],
  }],
  ['a name ending with a period', {
    construct: 'GoldenVm',
    prop: 'adminUsername',
    value: 'ops.',
    build: (s) => goldenVm(s, { adminUsername: 'ops.' }),
    mentions: [/ends with a period/],
  }],
  ['a tab in the name', {
    construct: 'ImageFleet',
    prop: 'adminUsername',
    value: 'ops\tadmin',
    build: (s) => imageFleet(s, { adminUsername: 'ops\tadmin' }),
    mentions: [/control characters/],
  }],
  ...['user5', 'SUPPORT_388945A0', 'David', '123'].map((name): [string, Refusal] => [`the reserved name '${name}'`, {
    construct: 'ImageScaleSet',
    prop: 'adminUsername',
    value: name,
    build: (s) => imageScaleSet(s, { adminUsername: name }),
    mentions: [/is not allowed for a Windows administrator: Azure reserves it/, /Fix: choose another name, e.g. 'fleetadmin'/],
  }]),
];

// --- accepted -------------------------------------------------------------------------------------------------------

const ACCEPTED: Array<[string, (s: TerraformStack) => void]> = [
  ['a /29 subnet for the build VM', (s) => goldenVm(s, { subnetPrefix: '10.0.0.0/29' })],
  ['a public address space', (s) => goldenVm(s, { addressSpace: '20.0.0.0/16', subnetPrefix: '20.0.0.0/24' })],
  ['50 tags on the build VM', (s) => goldenVm(s, { tags: manyTags(50) })],
  ['48 tags on a captured image', (s) => generalizedImage(s, manyTags(48))],
  ["'=' and line breaks in tags Terraform passes", (s) => goldenVm(s, { tags: { 'a=b': 'two\nlines' } })],
  ['tag names with other characters, and names only containing a reserved word', (s) => imageFleet(s, { tags: { 'cost-center:eu': 'x', 'team.azure': 'x', 'myWindows': 'x' } })],
  ['a tag value of 256 characters, and an empty value', (s) => imageGallery(s, { owner: 'v'.repeat(256), empty: '' })],
  ['a Windows user name that starts with a digit', (s) => goldenVm(s, { adminUsername: '1ops' })],
  ['a Windows user name with a space', (s) => imageFleet(s, { adminUsername: 'ops admin' })],
  ['a Windows user name with other letters and a period', (s) => imageScaleSet(s, { adminUsername: 'jöhn.doe' })],
  ['a copy by its gallery takes any literal tags', (s) => new ImageCopy(s, 'Copy', {
    source: managedImage(s), resourceGroupName: 'rg-images', method: ImageCopyMethod.COMPUTE_GALLERY, tags: { 'a=b': 'x' },
  })],
];

describe('networks, tags and users Azure refuses', () => {
  test.each(NETWORKS)('networks: %s', (_, row) => {
    // GIVEN a network Azure refuses, WHEN synthesized, THEN one error names it
    expectRefused(row);
  });

  test.each(TAGS)('tags: %s', (_, row) => {
    expectRefused(row);
  });

  test.each(USERS)('administrator names: %s', (_, row) => {
    const message = expectRefused(row);
    expect(message).toMatch(/adminUsername: .* is not allowed for a Windows administrator: /);
  });

  test.each(ACCEPTED)('accepted: %s', (_, build) => {
    // GIVEN values Azure takes, WHEN synthesized, THEN the app synthesizes
    const result = synthesize(build);
    expect(result.error).toBeUndefined();
  });

  test('a fleet subnet below /29 gets the /29 fact, not a count of NICs', () => {
    const message = expectRefused(NETWORKS[1][1]);
    expect(message).not.toMatch(/has room for/);
  });
});
