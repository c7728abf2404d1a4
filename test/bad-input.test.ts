/**
 * Bad input across every construct, one table: the cross-construct guard of the props validation.
 *
 * - Every rejected row builds its constructs into a fresh stack of a real `App` (temporary outdir) and synthesizes:
 *   construction must throw one error that starts with the construct's name, reports exactly one invalid prop, and
 *   has a line naming the prop, showing the value and saying how to fix it (`Fix:`); no cdk.tf.json may be written.
 * - Every accepted row passes an unresolved token (a TerraformVariable's value, or a Terraform function's result) to
 *   one prop: synthesis must succeed, and the token must reach cdk.tf.json as a Terraform expression.
 * - Per construct, two bad props give one error that lists both: the validation collects every problem.
 *
 * The per-construct test files check the exact wording of each message; this table checks the contract they share.
 */
import * as path from 'path';
import { Fn, TerraformStack, TerraformVariable, Token } from 'cdktf';
import {
  GalleryImage, GalleryImageProps, GalleryImageVersion, GalleryImageVersionProps, GalleryStorageType, GeneralizedImage, GeneralizedImageProps,
  GoldenVm, GoldenVmProps, HyperVGeneration, IImage, ImageCopy, ImageCopyMethod, ImageCopyProps, ImageFleet, ImageFleetProps, ImageGallery,
  ImageGalleryProps, ImageScaleSet, ImageScaleSetProps, ImageSecurityType, ManagedImage, ManagedImageAttributes, MarketplaceImage,
  MarketplaceImageParts, OsDiskStorageType, OsType, SecurityType, SmokeTestOptions, WindowsSetup,
} from '../lib';
import { problemLine, shown, synthesize } from './util/refusal';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden`;
const DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden-build/providers/Microsoft.Compute/disks/osdisk-golden`;
const SUBNET_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet`;
const SEED_URN = 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-core-g2:latest';

// --- builders: valid constructs, with the props under test overridden ------------------------------------------------

function goldenVm(stack: TerraformStack, overrides: Partial<GoldenVmProps> = {}): GoldenVm {
  return new GoldenVm(stack, 'BuildVm', {
    location: 'westeurope',
    image: MarketplaceImage.fromUrn(SEED_URN),
    setup: WindowsSetup.iisAspNet(),
    ...overrides,
  });
}

function marketplace(stack: TerraformStack, image: () => MarketplaceImage): void {
  goldenVm(stack, { image: image() });
}

function setup(stack: TerraformStack, windowsSetup: () => WindowsSetup): void {
  goldenVm(stack, { setup: windowsSetup() });
}

function smokeTest(stack: TerraformStack, options: SmokeTestOptions): void {
  setup(stack, () => WindowsSetup.iisAspNet({ smokeTest: options }));
}

function generalizedImage(stack: TerraformStack, overrides: Partial<GeneralizedImageProps> = {}): GeneralizedImage {
  return new GeneralizedImage(stack, 'Image', { vm: goldenVm(stack, { vmName: 'vm-golden', computerName: 'golden01' }), ...overrides });
}

function managedImage(stack: TerraformStack, overrides: Partial<ManagedImageAttributes> = {}): IImage {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, ...overrides });
}

function imageCopy(stack: TerraformStack, overrides: Partial<ImageCopyProps> = {}, source: Partial<ManagedImageAttributes> = {}): ImageCopy {
  return new ImageCopy(stack, 'Copy', { source: managedImage(stack, { osDiskId: DISK_ID, ...source }), resourceGroupName: 'rg-images', ...overrides });
}

function imageFleet(stack: TerraformStack, overrides: Partial<ImageFleetProps> = {}, image: Partial<ManagedImageAttributes> = {}): ImageFleet {
  return new ImageFleet(stack, 'Fleet', { image: managedImage(stack, image), count: 3, namePrefix: 'web', resourceGroupName: 'rg-fleet', ...overrides });
}

function imageScaleSet(stack: TerraformStack, overrides: Partial<ImageScaleSetProps> = {}): ImageScaleSet {
  return new ImageScaleSet(stack, 'Web', { image: managedImage(stack), count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', ...overrides });
}

const IDENTIFIER = { publisher: 'contoso', offer: 'web', sku: 'iis' };

function imageGallery(stack: TerraformStack, overrides: Partial<ImageGalleryProps> = {}): ImageGallery {
  return new ImageGallery(stack, 'Gallery', { location: 'westeurope', galleryName: 'gal_golden', ...overrides });
}

function galleryImage(stack: TerraformStack, overrides: Partial<GalleryImageProps> = {}): GalleryImage {
  return new GalleryImage(stack, 'Definition', { gallery: imageGallery(stack), imageName: 'web-iis', ...overrides });
}

/** A Trusted Launch build published to a TrustedLaunch definition in westeurope, replicated to northeurope. */
function galleryImageVersion(
  stack: TerraformStack, overrides: Partial<GalleryImageVersionProps> = {}, definition: Partial<GalleryImageProps> = {},
): void {
  const vm = goldenVm(stack, { vmName: 'vm-golden', computerName: 'golden01', securityType: SecurityType.TRUSTED_LAUNCH });
  new GalleryImageVersion(stack, 'Version', {
    galleryImage: galleryImage(stack, definition),
    source: new GeneralizedImage(stack, 'Image', { vm }),
    targetRegions: [{ location: 'northeurope' }],
    ...overrides,
  });
}

// --- tokens -------------------------------------------------------------------------------------------------------

/** The string variable every token row uses; its expression in cdk.tf.json is `var.token_value`. */
function stringToken(stack: TerraformStack): string {
  return new TerraformVariable(stack, 'token_value', { type: 'string' }).stringValue;
}

function numberToken(stack: TerraformStack): number {
  return new TerraformVariable(stack, 'token_value', { type: 'number' }).numberValue;
}

/** A Terraform function's result: `lower(var.token_value)`. */
function functionToken(stack: TerraformStack): string {
  return Token.asString(Fn.lower(stringToken(stack)));
}

/** `cidrsubnet(var.token_value, 8, 1)`: a CIDR known only at apply time. */
function cidrToken(stack: TerraformStack): string {
  return Token.asString(Fn.cidrsubnet(stringToken(stack), 8, 1));
}

type ConstructName = 'MarketplaceImage' | 'WindowsSetup' | 'GoldenVm' | 'GeneralizedImage' | 'ImageCopy' | 'ManagedImage' | 'ImageFleet'
  | 'ImageScaleSet' | 'ImageGallery' | 'GalleryImage' | 'GalleryImageVersion';

interface RejectedRow {
  readonly construct: ConstructName;
  readonly prop: string;
  /** The bad value, or how to make it in the stack (a token). */
  readonly value: unknown | ((stack: TerraformStack) => unknown);
  readonly build: (stack: TerraformStack, value: any) => void;
}

function rejects<T>(
  construct: ConstructName, prop: string, value: T | ((stack: TerraformStack) => T), build: (stack: TerraformStack, value: T) => void,
): RejectedRow {
  return { construct, prop, value, build };
}

interface AcceptedRow {
  readonly construct: ConstructName;
  readonly prop: string;
  readonly token: 'variable' | 'function';
  /** What the token must become in cdk.tf.json. */
  readonly expression: string;
  readonly build: (stack: TerraformStack) => void;
}

function accepts(construct: ConstructName, prop: string, token: AcceptedRow['token'], expression: string, build: (stack: TerraformStack) => void): AcceptedRow {
  return { construct, prop, token, expression, build };
}

// --- the table ------------------------------------------------------------------------------------------------------

const REJECTED: RejectedRow[] = [
  // MarketplaceImage: malformed URNs, parts, versions, generations
  rejects('MarketplaceImage', 'urn', 'MicrosoftWindowsServer/WindowsServer/2022-datacenter-g2/latest', (s, v) => marketplace(s, () => MarketplaceImage.fromUrn(v))),
  rejects('MarketplaceImage', 'urn', 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:', (s, v) => marketplace(s, () => MarketplaceImage.fromUrn(v))),
  rejects('MarketplaceImage', 'sku', '2022 datacenter', (s, v) => marketplace(s, () => MarketplaceImage.fromUrn(`MicrosoftWindowsServer:WindowsServer:${v}:latest`))),
  rejects('MarketplaceImage', 'version', '2022.1', (s, v) => marketplace(s, () => MarketplaceImage.fromUrn(`MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:${v}`))),
  rejects('MarketplaceImage', 'publisher', 'Microsoft+Windows', (s, v) => marketplace(s, () => MarketplaceImage.fromParts({ publisher: v, offer: 'WindowsServer', sku: 'x-g2' }))),
  rejects('MarketplaceImage', 'hyperVGeneration', 'V3', (s, v) => marketplace(s, () => MarketplaceImage.fromParts({
    publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', hyperVGeneration: v as HyperVGeneration,
  } as MarketplaceImageParts))),
  rejects('MarketplaceImage', 'hyperVGeneration', 'V1', (s, v) => marketplace(s, () => MarketplaceImage.fromUrn(
    'MicrosoftWindowsServer:WindowsServer:2019-datacenter-gensecond:latest', { hyperVGeneration: v as HyperVGeneration }))),

  // WindowsSetup: URLs, numbers, names; and tokens, which a script rendered at synth time cannot hold
  rejects('WindowsSetup', 'smokeTest.url', 'ftp://localhost/', (s, v) => smokeTest(s, { url: v })),
  rejects('WindowsSetup', 'smokeTest.timeoutSeconds', 3601, (s, v) => smokeTest(s, { timeoutSeconds: v })),
  rejects('WindowsSetup', 'smokeTest.expectText', '', (s, v) => smokeTest(s, { expectText: v })),
  rejects('WindowsSetup', 'steps[0].name', "Don't stop", (s, v) => setup(s, () => WindowsSetup.custom({ steps: [{ name: v, script: 'Write-Output 1' }] }))),
  rejects('WindowsSetup', 'steps[1].script', '', (s, v) => setup(s, () => WindowsSetup.custom({
    steps: [{ name: 'first', script: 'Write-Output 1' }, { name: 'second', script: v }],
  }))),
  rejects('WindowsSetup', 'pageTitle', stringToken, (s, v) => setup(s, () => WindowsSetup.iisAspNet({ pageTitle: v }))),
  rejects('WindowsSetup', 'smokeTest.url', functionToken, (s, v) => smokeTest(s, { url: v })),
  rejects('WindowsSetup', 'smokeTest.timeoutSeconds', numberToken, (s, v) => smokeTest(s, { timeoutSeconds: v })),
  rejects('WindowsSetup', 'smokeTest.expectText', stringToken, (s, v) => smokeTest(s, { expectText: v })),

  // GoldenVm: regions, names, sizes, CIDRs, numbers, enums, conflicting props
  rejects('GoldenVm', 'location', 'Europe/West', (s, v) => goldenVm(s, { location: v })),
  rejects('GoldenVm', 'resourceGroupName', 'rg golden', (s, v) => goldenVm(s, { resourceGroupName: v })),
  rejects('GoldenVm', 'vmName', '-golden', (s, v) => goldenVm(s, { vmName: v, computerName: 'golden01' })),
  rejects('GoldenVm', 'computerName', 'golden.web01', (s, v) => goldenVm(s, { computerName: v })),
  rejects('GoldenVm', 'vmSize', 'Standard D2s v5', (s, v) => goldenVm(s, { vmSize: v })),
  rejects('GoldenVm', 'adminUsername', 'root', (s, v) => goldenVm(s, { adminUsername: v })),
  rejects('GoldenVm', 'addressSpace', '10.0.0.0/33', (s, v) => goldenVm(s, { addressSpace: v })),
  rejects('GoldenVm', 'subnetPrefix', '192.168.0.0/24', (s, v) => goldenVm(s, { subnetPrefix: v })),
  rejects('GoldenVm', 'managementSourceRange', '10.0.0.5/24', (s, v) => goldenVm(s, { managementSourceRange: v })),
  rejects('GoldenVm', 'managementSourceRange', '203.0.113.7/32', (s, v) => goldenVm(s, { subnetId: SUBNET_ID, managementSourceRange: v })),
  rejects('GoldenVm', 'setupTimeoutMinutes', 4, (s, v) => goldenVm(s, { setupTimeoutMinutes: v })),
  rejects('GoldenVm', 'securityType', 'ConfidentialVM', (s, v) => goldenVm(s, { securityType: v as SecurityType })),
  rejects('GoldenVm', 'osDiskStorageType', 'UltraSSD_LRS', (s, v) => goldenVm(s, { osDiskStorageType: v as OsDiskStorageType })),

  // GeneralizedImage: names and timeouts
  rejects('GeneralizedImage', 'imageName', 'img-golden.', (s, v) => generalizedImage(s, { imageName: v })),
  rejects('GeneralizedImage', 'resourceGroupName', 'rg-images.', (s, v) => generalizedImage(s, { resourceGroupName: v })),
  rejects('GeneralizedImage', 'timeouts.sysprepMinutes', 90, (s, v) => generalizedImage(s, { timeouts: { sysprepMinutes: v } })),
  rejects('GeneralizedImage', 'timeouts.deallocateMinutes', 2.5, (s, v) => generalizedImage(s, { timeouts: { deallocateMinutes: v } })),

  // ImageCopy: names, regions, timeouts, enums, conflicting props
  rejects('ImageCopy', 'resourceGroupName', '', (s, v) => imageCopy(s, { resourceGroupName: v })),
  rejects('ImageCopy', 'location', 'Mars North!', (s, v) => imageCopy(s, { location: v })),
  rejects('ImageCopy', 'imageName', '_img-golden', (s, v) => imageCopy(s, { imageName: v })),
  rejects('ImageCopy', 'galleryName', 'gal-golden', (s, v) => imageCopy(s, { galleryName: v })),
  rejects('ImageCopy', 'timeoutMinutes', 1000, (s, v) => imageCopy(s, { timeoutMinutes: v })),
  rejects('ImageCopy', 'osDiskStorageType', 'Premium_LRS_v2', (s, v) => imageCopy(s, { osDiskStorageType: v as OsDiskStorageType })),
  rejects('ImageCopy', 'location', 'northeurope', (s, v) => imageCopy(s, { method: ImageCopyMethod.OS_DISK, location: v })),
  rejects('ImageCopy', 'resourceGroupName', 'rg-golden', (s, v) => imageCopy(s, { resourceGroupName: v })),
  rejects('ImageCopy', 'method', ImageCopyMethod.OS_DISK, (s, v) => imageCopy(s, { method: v }, { osDiskId: undefined })),

  // ManagedImage: ids, regions, generations, OS types
  rejects('ManagedImage', 'imageId', '/subscriptions/abc/images/img', (s, v) => managedImage(s, { imageId: v })),
  rejects('ManagedImage', 'location', 'eu-west-1', (s, v) => managedImage(s, { location: v })),
  rejects('ManagedImage', 'osDiskId', '/subscriptions/x/disks/d', (s, v) => managedImage(s, { osDiskId: v })),
  rejects('ManagedImage', 'hyperVGeneration', 'Gen2', (s, v) => managedImage(s, { hyperVGeneration: v as HyperVGeneration })),
  rejects('ManagedImage', 'osType', 'WindowsServer', (s, v) => managedImage(s, { osType: v as OsType })),

  // ImageFleet: counts, names, ports, CIDRs, regions, conflicting props (no row depends on the exact limits)
  rejects('ImageFleet', 'count', 0, (s, v) => imageFleet(s, { count: v })),
  rejects('ImageFleet', 'count', 1.5, (s, v) => imageFleet(s, { count: v })),
  rejects('ImageFleet', 'count', 100000, (s, v) => imageFleet(s, { count: v, subnetId: SUBNET_ID })),
  rejects('ImageFleet', 'namePrefix', '9web', (s, v) => imageFleet(s, { namePrefix: v })),
  rejects('ImageFleet', 'namePrefix', 'web_', (s, v) => imageFleet(s, { namePrefix: v })),
  rejects('ImageFleet', 'namePrefix', 'frontendwebsrv', (s, v) => imageFleet(s, { namePrefix: v })),
  rejects('ImageFleet', 'resourceGroupName', 'rg:fleet', (s, v) => imageFleet(s, { resourceGroupName: v })),
  rejects('ImageFleet', 'vmSize', 'Standard-D2s-v5', (s, v) => imageFleet(s, { vmSize: v })),
  rejects('ImageFleet', 'appPort', 0, (s, v) => imageFleet(s, { appPort: v })),
  rejects('ImageFleet', 'appPort', 65536, (s, v) => imageFleet(s, { appPort: v })),
  rejects('ImageFleet', 'appPort', 22, (s, v) => imageFleet(s, { appPort: v })),
  rejects('ImageFleet', 'managementSourceRange', 'Internet', (s, v) => imageFleet(s, { managementSourceRange: v })),
  rejects('ImageFleet', 'managementSourceRange', '203.0.113.7', (s, v) => imageFleet(s, { managementSourceRange: v })),
  rejects('ImageFleet', 'adminUsername', 'Admin', (s, v) => imageFleet(s, { adminUsername: v })),
  rejects('ImageFleet', 'verifyTimeoutMinutes', 0, (s, v) => imageFleet(s, { verifyUrls: true, verifyTimeoutMinutes: v })),
  rejects('ImageFleet', 'location', 'northeurope', (s, v) => imageFleet(s, { location: v })),
  rejects('ImageFleet', 'image', OsType.LINUX, (s, v) => imageFleet(s, {}, { osType: v })),
  rejects('ImageFleet', 'addressSpace', '10.0.0.0/8', (s, v) => imageFleet(s, { subnetId: SUBNET_ID, addressSpace: v })),
  rejects('ImageFleet', 'subnetPrefix', '10.0.0.1/24', (s, v) => imageFleet(s, { subnetPrefix: v })),
  rejects('ImageFleet', 'subnetPrefix', '10.0.0.0/29', (s, v) => imageFleet(s, { count: 10, subnetPrefix: v })),

  // ImageScaleSet: counts and limits, names, probes, upgrade policy, regions, conflicting props
  rejects('ImageScaleSet', 'count', 601, (s, v) => imageScaleSet(s, { count: v })),
  rejects('ImageScaleSet', 'count', 2.5, (s, v) => imageScaleSet(s, { count: v })),
  rejects('ImageScaleSet', 'namePrefix', 'frontend-web', (s, v) => imageScaleSet(s, { namePrefix: v })),
  rejects('ImageScaleSet', 'healthProbePath', 'health', (s, v) => imageScaleSet(s, { healthProbePath: v })),
  rejects('ImageScaleSet', 'vmSize', 'standard_d2s_v5 ', (s, v) => imageScaleSet(s, { vmSize: v })),
  rejects('ImageScaleSet', 'managementSourceRange', '0.0.0.0/0', (s, v) => imageScaleSet(s, { managementSourceRange: v })),
  rejects('ImageScaleSet', 'rollingUpgrade.maxBatchInstancePercent', 4, (s, v) => imageScaleSet(s, { rollingUpgrade: { maxBatchInstancePercent: v } })),
  rejects('ImageScaleSet', 'automaticOsUpgrade', true, (s, v) => imageScaleSet(s, { automaticOsUpgrade: v })),
  rejects('ImageScaleSet', 'subnetPrefix', '10.0.0.0/28', (s, v) => imageScaleSet(s, { count: 20, subnetPrefix: v })),
  rejects('ImageScaleSet', 'location', 'northeurope', (s, v) => imageScaleSet(s, { location: v })),

  // ImageGallery, GalleryImage: names, regions, enums, dates, contradictions
  rejects('ImageGallery', 'galleryName', 'gal-golden', (s, v) => imageGallery(s, { galleryName: v })),
  rejects('ImageGallery', 'location', 'Europe West', (s, v) => imageGallery(s, { location: v })),
  rejects('GalleryImage', 'imageName', 'web iis', (s, v) => galleryImage(s, { imageName: v, identifier: IDENTIFIER })),
  rejects('GalleryImage', 'securityType', 'Confidential', (s, v) => galleryImage(s, { securityType: v as ImageSecurityType })),
  rejects('GalleryImage', 'hyperVGeneration', HyperVGeneration.V1, (s, v) => galleryImage(s, { hyperVGeneration: v })),
  rejects('GalleryImage', 'endOfLifeDate', '2027-02-30', (s, v) => galleryImage(s, { endOfLifeDate: v })),
  rejects('GalleryImage', 'nvmeSupported', true, (s, v) => galleryImage(s, { nvmeSupported: v, hyperVGeneration: HyperVGeneration.V1, securityType: ImageSecurityType.STANDARD })),
  rejects('GalleryImage', 'nvmeSupported', 'yes', (s, v) => galleryImage(s, { nvmeSupported: v as unknown as boolean })),

  // GalleryImageVersion: regions, replicas, storage, limits, canary, the definition against the build
  rejects('GalleryImageVersion', 'targetRegions[0].location', 'north-europe', (s, v) => galleryImageVersion(s, { targetRegions: [{ location: v }] })),
  rejects('GalleryImageVersion', 'targetRegions[0].replicaCount', 0, (s, v) => galleryImageVersion(s, { targetRegions: [{ location: 'northeurope', replicaCount: v }] })),
  rejects('GalleryImageVersion', 'targetRegions[0].storageType', 'Premium_ZRS', (s, v) => galleryImageVersion(s, {
    targetRegions: [{ location: 'northeurope', storageType: v as GalleryStorageType }],
  })),
  rejects('GalleryImageVersion', 'retainVersions', 0, (s, v) => galleryImageVersion(s, { retainVersions: v })),
  rejects('GalleryImageVersion', 'publishTimeoutMinutes', 10, (s, v) => galleryImageVersion(s, { publishTimeoutMinutes: v })),
  rejects('GalleryImageVersion', 'canary.timeoutMinutes', 121, (s, v) => galleryImageVersion(s, { canary: { timeoutMinutes: v } })),
  rejects('GalleryImageVersion', 'canary.url', 'localhost/', (s, v) => galleryImageVersion(s, { canary: { url: v } })),
  // Fetched inside the canary, which must find its own computer name on the page: another host can never pass.
  rejects('GalleryImageVersion', 'canary.url', 'http://www.example.com/', (s, v) => galleryImageVersion(s, { canary: { url: v } })),
  rejects('GalleryImageVersion', 'canary.url', 'https://10.0.0.4:8443/health', (s, v) => galleryImageVersion(s, { canary: { url: v } })),
  rejects('GalleryImageVersion', 'galleryImage', ImageSecurityType.STANDARD, (s) => galleryImageVersion(s, {}, { securityType: ImageSecurityType.STANDARD })),
];

const ACCEPTED: AcceptedRow[] = [
  accepts('MarketplaceImage', 'urn', 'variable', 'split(\\":\\", var.token_value)', (s) => marketplace(s, () => MarketplaceImage.fromUrn(stringToken(s), { hyperVGeneration: HyperVGeneration.V2 }))),
  accepts('MarketplaceImage', 'sku', 'function', 'lower(var.token_value)', (s) => marketplace(s, () => MarketplaceImage.fromParts({
    publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: functionToken(s), hyperVGeneration: HyperVGeneration.V2,
  }))),
  accepts('MarketplaceImage', 'version', 'variable', '${var.token_value}', (s) => marketplace(s, () => MarketplaceImage.windowsServer2022DatacenterCoreGen2(stringToken(s)))),

  accepts('GoldenVm', 'location', 'variable', '${var.token_value}', (s) => goldenVm(s, { location: stringToken(s) })),
  accepts('GoldenVm', 'resourceGroupName', 'function', '${lower(var.token_value)}', (s) => goldenVm(s, { resourceGroupName: functionToken(s) })),
  accepts('GoldenVm', 'vmName', 'variable', '${var.token_value}', (s) => goldenVm(s, { vmName: stringToken(s), computerName: 'golden01' })),
  accepts('GoldenVm', 'computerName', 'function', '${lower(var.token_value)}', (s) => goldenVm(s, { computerName: functionToken(s) })),
  accepts('GoldenVm', 'vmSize', 'variable', '${var.token_value}', (s) => goldenVm(s, { vmSize: stringToken(s) })),
  accepts('GoldenVm', 'subnetId', 'variable', '${var.token_value}', (s) => goldenVm(s, { subnetId: stringToken(s) })),
  accepts('GoldenVm', 'addressSpace', 'function', '${cidrsubnet(var.token_value, 8, 1)}', (s) => goldenVm(s, { addressSpace: cidrToken(s) })),
  accepts('GoldenVm', 'subnetPrefix', 'function', '${cidrsubnet(var.token_value, 8, 1)}', (s) => goldenVm(s, { subnetPrefix: cidrToken(s) })),
  accepts('GoldenVm', 'managementSourceRange', 'variable', '${var.token_value}', (s) => goldenVm(s, { managementSourceRange: stringToken(s) })),
  accepts('GoldenVm', 'adminUsername', 'variable', '${var.token_value}', (s) => goldenVm(s, { adminUsername: stringToken(s) })),
  accepts('GoldenVm', 'adminPassword', 'variable', '${var.token_value}', (s) => goldenVm(s, {
    adminPassword: new TerraformVariable(s, 'token_value', { type: 'string', sensitive: true }).stringValue,
  })),
  accepts('GoldenVm', 'setupTimeoutMinutes', 'variable', '${var.token_value}', (s) => goldenVm(s, { setupTimeoutMinutes: numberToken(s) })),

  accepts('GeneralizedImage', 'imageName', 'function', '${lower(var.token_value)}', (s) => generalizedImage(s, { imageName: functionToken(s) })),
  accepts('GeneralizedImage', 'resourceGroupName', 'variable', '${var.token_value}', (s) => generalizedImage(s, { resourceGroupName: stringToken(s) })),
  accepts('GeneralizedImage', 'timeouts.sysprepMinutes', 'variable', '${var.token_value}', (s) => generalizedImage(s, { timeouts: { sysprepMinutes: numberToken(s) } })),
  accepts('GeneralizedImage', 'timeouts.deallocateMinutes', 'variable', '${var.token_value}', (s) => generalizedImage(s, { timeouts: { deallocateMinutes: numberToken(s) } })),

  accepts('ImageCopy', 'resourceGroupName', 'variable', '${var.token_value}', (s) => imageCopy(s, { resourceGroupName: stringToken(s) })),
  accepts('ImageCopy', 'location', 'variable', '${var.token_value}', (s) => imageCopy(s, { location: stringToken(s) })),
  accepts('ImageCopy', 'imageName', 'function', '${lower(var.token_value)}', (s) => imageCopy(s, { imageName: functionToken(s) })),
  accepts('ImageCopy', 'galleryName', 'variable', '${var.token_value}', (s) => imageCopy(s, { location: 'northeurope', galleryName: stringToken(s) })),
  accepts('ImageCopy', 'timeoutMinutes', 'variable', '${var.token_value}m', (s) => imageCopy(s, { location: 'northeurope', timeoutMinutes: numberToken(s) })),

  accepts('ManagedImage', 'imageId', 'variable', '${var.token_value}', (s) => imageFleet(s, {}, { imageId: stringToken(s) })),
  accepts('ManagedImage', 'location', 'function', '${lower(var.token_value)}', (s) => imageFleet(s, {}, { location: functionToken(s) })),
  accepts('ManagedImage', 'osDiskId', 'variable', '${var.token_value}', (s) => imageCopy(s, {}, { osDiskId: stringToken(s) })),

  accepts('ImageFleet', 'count', 'variable', '(var.token_value + 1)', (s) => imageFleet(s, { count: numberToken(s) })),
  accepts('ImageFleet', 'namePrefix', 'variable', 'var.token_value', (s) => imageFleet(s, { namePrefix: stringToken(s) })),
  accepts('ImageFleet', 'resourceGroupName', 'function', '${lower(var.token_value)}', (s) => imageFleet(s, { resourceGroupName: functionToken(s) })),
  accepts('ImageFleet', 'location', 'variable', '${var.token_value}', (s) => imageFleet(s, { location: stringToken(s) })),
  accepts('ImageFleet', 'vmSize', 'variable', '${var.token_value}', (s) => imageFleet(s, { vmSize: stringToken(s) })),
  accepts('ImageFleet', 'appPort', 'variable', '${var.token_value}', (s) => imageFleet(s, { appPort: numberToken(s) })),
  accepts('ImageFleet', 'managementSourceRange', 'variable', '${var.token_value}', (s) => imageFleet(s, { managementSourceRange: stringToken(s) })),
  accepts('ImageFleet', 'adminUsername', 'function', '${lower(var.token_value)}', (s) => imageFleet(s, { adminUsername: functionToken(s) })),
  accepts('ImageFleet', 'verifyTimeoutMinutes', 'variable', '"GOLDEN_VERIFY_TIMEOUT_MINUTES": "${var.token_value}"', (s) => imageFleet(s, { verifyUrls: true, verifyTimeoutMinutes: numberToken(s) })),
  accepts('ImageFleet', 'subnetId', 'variable', '${var.token_value}', (s) => imageFleet(s, { subnetId: stringToken(s) })),
  accepts('ImageFleet', 'addressSpace', 'function', '${cidrsubnet(var.token_value, 8, 1)}', (s) => imageFleet(s, { addressSpace: cidrToken(s) })),
  accepts('ImageFleet', 'subnetPrefix', 'function', '${cidrsubnet(var.token_value, 8, 1)}', (s) => imageFleet(s, { subnetPrefix: cidrToken(s) })),

  accepts('ImageScaleSet', 'namePrefix', 'variable', '${var.token_value}', (s) => imageScaleSet(s, { namePrefix: stringToken(s) })),
  accepts('ImageScaleSet', 'vmSize', 'function', '${lower(var.token_value)}', (s) => imageScaleSet(s, { vmSize: functionToken(s) })),
  accepts('ImageScaleSet', 'managementSourceRange', 'variable', 'var.token_value', (s) => imageScaleSet(s, { managementSourceRange: stringToken(s) })),

  accepts('ImageGallery', 'galleryName', 'variable', '${var.token_value}', (s) => imageGallery(s, { galleryName: stringToken(s) })),
  accepts('ImageGallery', 'location', 'function', '${lower(var.token_value)}', (s) => imageGallery(s, { location: functionToken(s) })),
  accepts('GalleryImage', 'imageName', 'variable', '${var.token_value}', (s) => galleryImage(s, { imageName: stringToken(s) })),
  // Rendered in RFC 3339 as a literal date is (with T00:00:00Z), and checked at plan: test/gallery.test.ts.
  accepts('GalleryImage', 'endOfLifeDate', 'variable', '${format(\\"%sT00:00:00Z\\", var.token_value)}', (s) => galleryImage(s, { endOfLifeDate: stringToken(s) })),

  accepts('GalleryImageVersion', 'targetRegions[0].replicaCount', 'variable', 'var.token_value', (s) => galleryImageVersion(s, {
    targetRegions: [{ location: 'northeurope', replicaCount: numberToken(s) }],
  })),
  accepts('GalleryImageVersion', 'endOfLifeDate', 'variable', '${var.token_value}', (s) => galleryImageVersion(s, { endOfLifeDate: stringToken(s) })),
];

/** Two bad props of one construct: [construct, build, [prop, value] of each]. */
const TWO_PROBLEMS: Array<[ConstructName, (stack: TerraformStack) => void, Array<[string, unknown]>]> = [
  ['MarketplaceImage', (s) => marketplace(s, () => MarketplaceImage.fromUrn('WindowsServer2022', { hyperVGeneration: 'V9' as HyperVGeneration })),
    [['urn', 'WindowsServer2022'], ['hyperVGeneration', 'V9']]],
  ['WindowsSetup', (s) => setup(s, () => WindowsSetup.iisAspNet({ pageTitle: '', smokeTest: { timeoutSeconds: 1 } })),
    [['pageTitle', ''], ['smokeTest.timeoutSeconds', 1]]],
  ['GoldenVm', (s) => goldenVm(s, { vmName: 'vm_golden', computerName: 'golden01', setupTimeoutMinutes: 0 }),
    [['vmName', 'vm_golden'], ['setupTimeoutMinutes', 0]]],
  ['GeneralizedImage', (s) => generalizedImage(s, { imageName: 'img golden', timeouts: { deallocateMinutes: 61 } }),
    [['imageName', 'img golden'], ['timeouts.deallocateMinutes', 61]]],
  ['ImageCopy', (s) => imageCopy(s, { galleryName: 'gallery-1', location: 'West Europe 2!' }),
    [['location', 'West Europe 2!'], ['galleryName', 'gallery-1']]],
  ['ManagedImage', (s) => managedImage(s, { osDiskId: 'osdisk-golden', hyperVGeneration: 'v2' as HyperVGeneration }),
    [['osDiskId', 'osdisk-golden'], ['hyperVGeneration', 'v2']]],
  ['ImageFleet', (s) => imageFleet(s, { vmSize: 'D2s_v5', verifyUrls: true, verifyTimeoutMinutes: 90 }),
    [['vmSize', 'D2s_v5'], ['verifyTimeoutMinutes', 90]]],
  ['ImageScaleSet', (s) => imageScaleSet(s, { count: 0, healthProbePath: 'index.aspx' }),
    [['count', 0], ['healthProbePath', 'index.aspx']]],
  ['ImageGallery', (s) => imageGallery(s, { galleryName: 'gal golden', location: 'West Europe!' }),
    [['location', 'West Europe!'], ['galleryName', 'gal golden']]],
  ['GalleryImage', (s) => galleryImage(s, { imageName: '-web', identifier: IDENTIFIER, endOfLifeDate: '31.12.2027' }),
    [['imageName', '-web'], ['endOfLifeDate', '31.12.2027']]],
  ['GalleryImageVersion', (s) => galleryImageVersion(s, { retainVersions: 51, canary: { timeoutMinutes: 1 } }),
    [['retainVersions', 51], ['canary.timeoutMinutes', 1]]],
];

const CONSTRUCTS: ConstructName[] = [
  'MarketplaceImage', 'WindowsSetup', 'GoldenVm', 'GeneralizedImage', 'ImageCopy', 'ManagedImage', 'ImageFleet',
  'ImageScaleSet', 'ImageGallery', 'GalleryImage', 'GalleryImageVersion',
];

function label(value: unknown): string {
  return typeof value === 'function' ? `a ${value.name.replace(/Token$/, '')} token` : shown(value);
}

describe('bad input, across every construct', () => {
  test('the table covers every construct, with rejected and accepted rows', () => {
    for (const construct of CONSTRUCTS) {
      expect({ construct, rejected: REJECTED.some((r) => r.construct === construct) }).toEqual({ construct, rejected: true });
    }
    // WindowsSetup renders its script at synth time: it accepts no token, and has rejected token rows instead.
    for (const construct of CONSTRUCTS.filter((c) => c !== 'WindowsSetup')) {
      expect({ construct, accepted: ACCEPTED.some((r) => r.construct === construct) }).toEqual({ construct, accepted: true });
    }
    expect(TWO_PROBLEMS.map(([construct]) => construct)).toEqual(CONSTRUCTS);
    expect(REJECTED.length).toBeGreaterThanOrEqual(30);
  });

  describe('rejected: one error naming the prop, the value and the fix; no cdk.tf.json', () => {
    test.each(REJECTED.map((row) => [row.construct, row.prop, label(row.value), row] as const))('%s %s = %s', (construct, prop, _, row) => {
      // GIVEN a fresh stack of a real App
      let value: unknown;
      // WHEN the constructs are added and the app synthesized
      const result = synthesize((stack) => {
        value = typeof row.value === 'function' ? (row.value as (s: TerraformStack) => unknown)(stack) : row.value;
        row.build(stack, value);
      });
      // THEN
      expect(result.error).toBeDefined();
      const message = result.error!.message;
      expect(message.startsWith(construct)).toBe(true);
      expect(message).toMatch(/: 1 invalid prop:\n/);
      expect(message).toMatch(problemLine(prop, value));
      expect(message).toContain('Fix:');
      expect(result.jsonFiles).toEqual([]);
    });
  });

  describe('accepted: an unresolved token reaches cdk.tf.json as an expression', () => {
    test.each(ACCEPTED.map((row) => [row.construct, row.prop, row.token, row] as const))('%s %s = a %s token', (_, __, ___, row) => {
      const result = synthesize(row.build);
      expect(result.error).toBeUndefined();
      expect(result.jsonFiles).toEqual(['stacks/stack/cdk.tf.json'.split('/').join(path.sep)]);
      expect(result.json).toContain(row.expression);
      // Nothing of the token's encoding leaks into the JSON.
      expect(result.json).not.toMatch(/TfToken|e\+\d{3}/);
    });
  });

  describe('two bad props: one error listing both', () => {
    test.each(TWO_PROBLEMS)('%s', (construct, build, problems) => {
      const result = synthesize(build);
      expect(result.error).toBeDefined();
      const message = result.error!.message;
      expect(message.startsWith(construct)).toBe(true);
      expect(message).toMatch(/: 2 invalid props:\n/);
      for (const [prop, value] of problems) {
        expect(message).toMatch(problemLine(prop, value));
      }
      expect(message.match(/^ {2}- /gm)).toHaveLength(2);
      expect(result.jsonFiles).toEqual([]);
    });
  });
});
