/**
 * Every numeric prop of every construct, one row each, for the tests of numbers given as tokens
 * (test/token-numbers.test.ts and its integration tier): how to build the construct with a value, where a token's
 * plan-time check must sit (the resource that first uses the value), and values the rule refuses and takes.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import {
  galleryImageProps, galleryImageVersionProps, galleryVersionAttributes, imageCopyProps, imageFleetProps, imageScaleSetProps, managedImage,
  SUBSCRIPTION,
} from './builders';
import { goldenVmProps } from './constructs';
import {
  GalleryImage, GalleryImageVersion, GalleryImageVersionProps, GeneralizedImage, GeneralizedImageProps, GoldenVm, ImageCopy, ImageCopyMethod,
  FleetRollout, IImage, ImageCopyProps, ImageFleet, ImageFleetProps, ImageScaleSet, ImageScaleSetProps, SecurityType, WindowsSetup,
} from '../../lib';
import { CANARY_TIMEOUT_MINUTES } from '../../lib/operator/steps/canary';
import { PUBLISH_TIMEOUT_MINUTES, RETAIN_VERSIONS } from '../../lib/operator/steps/gallery-versions';
import { DEALLOCATE_MINUTES, SYSPREP_MINUTES } from '../../lib/operator/steps/generalize';
import { RETAIN_BUILDS } from '../../lib/operator/steps/images';
import { SETUP_MINUTES } from '../../lib/operator/steps/setup';
import { FLEET_VERIFY_TIMEOUT_MINUTES } from '../../lib/operator/steps/verify-fleet';
import { SCALE_SET_VERIFY_TIMEOUT_MINUTES } from '../../lib/operator/steps/verify-scale-set';

/** The name of the Terraform variable a row's token reads. */
export const VARIABLE = 'value';

/** A number known only to Terraform: the value of the number variable `value`. */
export function numberToken(stack: TerraformStack): number {
  return new TerraformVariable(stack, VARIABLE, { type: 'number' }).numberValue;
}

export interface NumberPropRow {
  /** The construct's name, the start of its errors. */
  readonly construct: string;
  readonly prop: string;
  /** What the row is, when one prop has several (another method, another image). */
  readonly variant?: string;
  /** Builds the construct (and what it needs) with `value` for the prop. */
  readonly build: (stack: TerraformStack, value: number) => void;
  /** The resource whose `lifecycle.precondition` checks a token: its type and the end of its construct path. */
  readonly checkedOn: { readonly type: string; readonly path: string };
  /** Values the synth-time check refuses (and so must the plan-time one). */
  readonly bad: number[];
  /** Values both take. */
  readonly good: number[];
}

/** A whole number in [min, max]: below, above and a fraction are bad; the bounds are good. */
function range(min: number, max: number, extraGood: number[] = []): Pick<NumberPropRow, 'bad' | 'good'> {
  return { bad: [min - 1, max + 1, min + 0.5], good: [min, max, ...extraGood] };
}

function inputRange(input: { min: number; max: number; default: number }): Pick<NumberPropRow, 'bad' | 'good'> {
  return range(input.min, input.max, [input.default]);
}

const DISK_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-golden-build/providers/Microsoft.Compute/disks/osdisk-golden`;

function generalizedImage(stack: TerraformStack, overrides: Partial<GeneralizedImageProps>): void {
  new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', goldenVmProps()), ...overrides });
}

/** A Trusted Launch build: no managed image, published to a gallery. */
function publishedBuild(stack: TerraformStack, overrides: Partial<GeneralizedImageProps>): void {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ securityType: SecurityType.TRUSTED_LAUNCH }));
  new GalleryImageVersion(stack, 'Version', {
    galleryImage: new GalleryImage(stack, 'Definition', galleryImageProps(stack)),
    source: new GeneralizedImage(stack, 'Image', { vm, ...overrides }),
  });
}

/** A copy of a build of this stack: within its region by OS disk (a line of images), or to another region by gallery. */
function buildCopy(stack: TerraformStack, overrides: Partial<ImageCopyProps>): void {
  const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps());
  new ImageCopy(stack, 'Copy', { source: new GeneralizedImage(stack, 'Image', { vm }), resourceGroupName: 'rg-images', ...overrides });
}

/** A managed image of a build of this stack whose setup is `setup`. */
export function builtImage(stack: TerraformStack, setup: WindowsSetup): IImage {
  return new GeneralizedImage(stack, 'Image', { vm: new GoldenVm(stack, 'BuildVm', goldenVmProps({ setup })) });
}

/** A setup whose smoke test proves https on port 8443 (a step of its own serves it). */
export function httpsSetup(): WindowsSetup {
  return WindowsSetup.custom({ steps: [{ name: 'Site over TLS', script: 'Write-Output tls' }], smokeTest: { url: 'https://localhost:8443/' } });
}

function fleet(stack: TerraformStack, overrides: Partial<ImageFleetProps>): void {
  new ImageFleet(stack, 'Fleet', imageFleetProps(stack, overrides));
}

function scaleSet(stack: TerraformStack, overrides: Partial<ImageScaleSetProps>): void {
  new ImageScaleSet(stack, 'Web', imageScaleSetProps(stack, overrides));
}

function version(stack: TerraformStack, overrides: Partial<GalleryImageVersionProps>): void {
  new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack, overrides));
}

const step = (path: string) => ({ type: 'terraform_data', path });

/** Every numeric prop that takes a token. */
export const NUMBER_PROPS: NumberPropRow[] = [
  {
    construct: 'GoldenVm',
    prop: 'setupTimeoutMinutes',
    checkedOn: step('BuildVm/Setup'),
    ...inputRange(SETUP_MINUTES),
    build: (s, setupTimeoutMinutes) => new GoldenVm(s, 'BuildVm', goldenVmProps({ setupTimeoutMinutes })),
  },
  {
    construct: 'GeneralizedImage',
    prop: 'timeouts.sysprepMinutes',
    checkedOn: step('Image/Generalize'),
    ...inputRange(SYSPREP_MINUTES),
    build: (s, sysprepMinutes) => generalizedImage(s, { timeouts: { sysprepMinutes } }),
  },
  {
    construct: 'GeneralizedImage',
    prop: 'timeouts.deallocateMinutes',
    checkedOn: step('Image/Generalize'),
    ...inputRange(DEALLOCATE_MINUTES),
    build: (s, deallocateMinutes) => generalizedImage(s, { timeouts: { deallocateMinutes } }),
  },
  {
    construct: 'GeneralizedImage',
    prop: 'retainBuilds',
    checkedOn: step('Image/Capture'),
    ...inputRange(RETAIN_BUILDS),
    build: (s, retainBuilds) => generalizedImage(s, { retainBuilds }),
  },
  {
    construct: 'GeneralizedImage',
    prop: 'retainBuilds',
    variant: 'without a managed image',
    checkedOn: step('Image/Generalize'),
    ...inputRange(RETAIN_BUILDS),
    build: (s, retainBuilds) => publishedBuild(s, { retainBuilds }),
  },
  {
    construct: 'ImageCopy',
    prop: 'timeoutMinutes',
    variant: 'COMPUTE_GALLERY',
    checkedOn: { type: 'azurerm_shared_image_version', path: 'Copy/GalleryImageVersion' },
    ...range(30, 720, [180]),
    build: (s, timeoutMinutes) => new ImageCopy(s, 'Copy', imageCopyProps(s, { location: 'northeurope', timeoutMinutes })),
  },
  {
    construct: 'ImageCopy',
    prop: 'timeoutMinutes',
    variant: 'OS_DISK, a build',
    checkedOn: step('Copy/Capture'),
    ...range(30, 720),
    build: (s, timeoutMinutes) => buildCopy(s, { timeoutMinutes }),
  },
  {
    construct: 'ImageCopy',
    prop: 'timeoutMinutes',
    variant: 'OS_DISK, an image',
    checkedOn: { type: 'azurerm_image', path: 'Copy/Image' },
    ...range(30, 720),
    build: (s, timeoutMinutes) => new ImageCopy(s, 'Copy', { source: managedImage(s, { osDiskId: DISK_ID }), resourceGroupName: 'rg-images', timeoutMinutes }),
  },
  {
    construct: 'ImageCopy',
    prop: 'retainBuilds',
    variant: 'OS_DISK, a build',
    checkedOn: step('Copy/Capture'),
    ...inputRange(RETAIN_BUILDS),
    build: (s, retainBuilds) => buildCopy(s, { retainBuilds }),
  },
  {
    construct: 'ImageCopy',
    prop: 'retainBuilds',
    variant: 'COMPUTE_GALLERY',
    checkedOn: { type: 'azurerm_shared_image_version', path: 'Copy/GalleryImageVersion' },
    ...inputRange(RETAIN_BUILDS),
    build: (s, retainBuilds) => buildCopy(s, { retainBuilds, method: ImageCopyMethod.COMPUTE_GALLERY, location: 'northeurope' }),
  },
  {
    construct: 'ImageFleet',
    prop: 'count',
    checkedOn: step('Fleet/ImageRevision'),
    ...range(1, 9999, [3]),
    build: (s, count) => fleet(s, { count, subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet` }),
  },
  {
    construct: 'ImageFleet',
    prop: 'appPort',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Fleet/NetworkSecurityGroup' },
    bad: [0, 65536, 80.5, -1, 22, 3389, 5985, 5986],
    good: [1, 80, 443, 8080, 65535],
    build: (s, appPort) => fleet(s, { appPort }),
  },
  {
    construct: 'ImageFleet',
    prop: 'appPort',
    variant: 'an image of WindowsSetup.iisAspNet()',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Fleet/NetworkSecurityGroup' },
    bad: [8080, 443, 3389],
    good: [80],
    build: (s, appPort) => fleet(s, { appPort, image: builtImage(s, WindowsSetup.iisAspNet()), rollout: FleetRollout.ALL_AT_ONCE }),
  },
  {
    construct: 'ImageFleet',
    prop: 'appPort',
    variant: 'an image whose smoke test proves https on 8443',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Fleet/NetworkSecurityGroup' },
    bad: [8443, 0],
    good: [80, 8080],
    build: (s, appPort) => fleet(s, { appPort, image: builtImage(s, httpsSetup()), rollout: FleetRollout.ALL_AT_ONCE }),
  },
  {
    construct: 'ImageFleet',
    prop: 'verifyTimeoutMinutes',
    checkedOn: step('Fleet/UrlCheck'),
    ...inputRange(FLEET_VERIFY_TIMEOUT_MINUTES),
    build: (s, verifyTimeoutMinutes) => fleet(s, { verifyUrls: true, verifyTimeoutMinutes }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'count',
    variant: 'a managed image',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    ...range(1, 600),
    build: (s, count) => scaleSet(s, { count, subnetPrefix: '10.0.0.0/20' }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'count',
    variant: 'a gallery image',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    ...range(1, 1000),
    build: (s, count) => new ImageScaleSet(s, 'Web', {
      ...imageScaleSetProps(s, { count, subnetPrefix: '10.0.0.0/20' }), image: GalleryImageVersion.fromVersionId(s, 'Version', galleryVersionAttributes()),
    }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'appPort',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Web/NetworkSecurityGroup' },
    bad: [0, 65535, 8080.5, 22, 3389, 5985, 5986],
    good: [1, 80, 8080, 65534],
    build: (s, appPort) => scaleSet(s, { appPort }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'appPort',
    variant: 'an image of WindowsSetup.iisAspNet()',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Web/NetworkSecurityGroup' },
    bad: [8080, 65535, 5986],
    good: [80],
    build: (s, appPort) => scaleSet(s, { appPort, image: builtImage(s, WindowsSetup.iisAspNet()) }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'appPort',
    variant: 'an image whose smoke test proves https on 8443',
    checkedOn: { type: 'azurerm_network_security_group', path: 'Web/NetworkSecurityGroup' },
    bad: [8443],
    good: [80, 8080],
    build: (s, appPort) => scaleSet(s, { appPort, image: builtImage(s, httpsSetup()) }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'rollingUpgrade.maxBatchInstancePercent',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    // 30: above maxUnhealthyInstancePercent (20 by default), which Azure refuses.
    bad: [4, 101, 10.5, 30],
    good: [5, 20],
    build: (s, maxBatchInstancePercent) => scaleSet(s, { rollingUpgrade: { maxBatchInstancePercent } }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'rollingUpgrade.maxUnhealthyInstancePercent',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    ...range(5, 100, [20]),
    build: (s, maxUnhealthyInstancePercent) => scaleSet(s, { rollingUpgrade: { maxBatchInstancePercent: 5, maxUnhealthyInstancePercent } }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'rollingUpgrade.maxUnhealthyUpgradedInstancePercent',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    ...range(0, 100, [20]),
    build: (s, maxUnhealthyUpgradedInstancePercent) => scaleSet(s, { rollingUpgrade: { maxUnhealthyUpgradedInstancePercent } }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'rollingUpgrade.pauseBetweenBatchesSeconds',
    checkedOn: { type: 'azurerm_windows_virtual_machine_scale_set', path: 'Web/ScaleSet' },
    ...range(0, 3600, [60]),
    build: (s, pauseBetweenBatchesSeconds) => scaleSet(s, { rollingUpgrade: { pauseBetweenBatchesSeconds } }),
  },
  {
    construct: 'ImageScaleSet',
    prop: 'verifyTimeoutMinutes',
    checkedOn: step('Web/Verification'),
    ...inputRange(SCALE_SET_VERIFY_TIMEOUT_MINUTES),
    build: (s, verifyTimeoutMinutes) => scaleSet(s, { verifyInstances: true, verifyTimeoutMinutes }),
  },
  {
    construct: 'GalleryImageVersion',
    prop: 'targetRegions[0].replicaCount',
    checkedOn: step('Version/Publish'),
    ...range(1, 100, [3]),
    build: (s, replicaCount) => version(s, { targetRegions: [{ location: 'northeurope', replicaCount }] }),
  },
  {
    construct: 'GalleryImageVersion',
    prop: 'retainVersions',
    checkedOn: step('Version/Publish'),
    ...inputRange(RETAIN_VERSIONS),
    build: (s, retainVersions) => version(s, { retainVersions }),
  },
  {
    construct: 'GalleryImageVersion',
    prop: 'publishTimeoutMinutes',
    checkedOn: step('Version/Publish'),
    ...inputRange(PUBLISH_TIMEOUT_MINUTES),
    build: (s, publishTimeoutMinutes) => version(s, { publishTimeoutMinutes }),
  },
  {
    construct: 'GalleryImageVersion',
    prop: 'canary.timeoutMinutes',
    checkedOn: step('Version/Publish'),
    ...inputRange(CANARY_TIMEOUT_MINUTES),
    build: (s, timeoutMinutes) => version(s, { canary: { timeoutMinutes } }),
  },
];

/** A row's title in test names. */
export function rowTitle(row: NumberPropRow): string {
  return `${row.construct} ${row.prop}${row.variant ? ` (${row.variant})` : ''}`;
}
