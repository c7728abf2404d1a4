/*
 * VM sizes: what a size's name tells (its vCPUs, family, features, version), what the size supports (Hyper-V
 * generations, CPU architecture, disk controllers, premium storage, Trusted Launch) by Microsoft Learn, and the one
 * check every construct that takes a size runs against the image its VMs boot (`checkVmSizeUse`).
 */
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { HyperVGeneration, SecurityType } from '../../image';
import { isVmSize } from '../naming/azure-names';
import { isUnresolved, PropsValidator } from '../validation/props-validator';

/**
 * vCPUs of a VM size, read from its name by Azure's naming convention ("Azure virtual machine sizes naming
 * conventions", learn.microsoft.com/azure/virtual-machines/vm-naming-conventions):
 * `Standard_<family><subfamily>*<vCPUs>[-<constrained vCPUs>]<additive features>*[_<accelerator>][_v<version>]`,
 * e.g. `Standard_D2s_v5` (2), `Standard_E16as_v5` (16), `Standard_NC24ads_A100_v4` (24).
 *
 * Quota counts the vCPUs of the size: for a constrained size (`Standard_E16-4s_v5`, 4 active of 16) the 16, the number
 * before the hyphen. The older sizes whose number is not the vCPU count (the memory-optimized D11-D15 and DS11-DS15,
 * v1 and v2, and the G and GS series) come from their size tables. Anything else that does not follow the convention
 * is unknown: undefined.
 */
const NAMED_EXCEPTIONS: Readonly<Record<string, number>> = {
  // Dv2/DSv2 memory-optimized and Dv1/DSv1 ("Previous generations"), and the G and GS series.
  D11: 2, D12: 4, D13: 8, D14: 16, D15: 20, G1: 2, G2: 4, G3: 8, G4: 16, G5: 32,
};

/** Families (and sub-families) this convention covers. */
const CONVENTION = /^Standard_(?:A|B|D|DC|DS|E|EC|F|FS|FX|H|HB|HC|HX|L|M|NC|ND|NG|NV)[a-z]*?(\d+)(?:-\d+)?[a-z]*(?:_[A-Za-z0-9]+)*$/;

export function vcpusOf(size: string): number | undefined {
  const older = /^Standard_(D|DS|G|GS)(\d+)(?:_v2)?(?:_Promo)?$/.exec(size);
  if (older) {
    const exception = NAMED_EXCEPTIONS[`${older[1].replace(/S$/, '')}${older[2]}`];
    if (exception !== undefined) {
      return exception;
    }
  }
  const match = CONVENTION.exec(size);
  if (!match) {
    return undefined;
  }
  const vcpus = Number(match[1]);
  return vcpus >= 1 ? vcpus : undefined;
}

// --- The name ---------------------------------------------------------------------------------------------------------

/**
 * A size's name read by the naming convention ("Azure virtual machine sizes naming conventions",
 * learn.microsoft.com/azure/virtual-machines/vm-naming-conventions): `[Family] + [Sub-family] + [# of vCPUs] +
 * [Constrained vCPUs] + [Additive features] + [Accelerator type] + [Version]`, e.g. `Standard_NC24ads_A100_v4`.
 */
export interface VmSizeName {
  /** The whole name. */
  readonly name: string;
  /** `Standard`, or `Basic` for the Basic A sizes. */
  readonly tier: string;
  /** The family letter, e.g. `D`, `E`, `N`. */
  readonly family: string;
  /**
   * Upper-case letters after the family letter: the sub-family (`C` of NC, `V` of NV, `B` of HB, `X` of FX), `C` of the
   * confidential DC and EC families, `P` of the FPGA NP family, `S` of the older premium-storage DS and GS sizes.
   */
  readonly subfamily: string;
  /** The number after the (sub-)family: the vCPUs, except for the older sizes `vcpusOf` knows by their tables. */
  readonly vcpus: number;
  /** Active vCPUs of a constrained size (`Standard_E16-4s_v5`: 4 of 16). */
  readonly constrainedVcpus?: number;
  /** The additive features, the lower-case letters in the order of the name (`ads`); see `hasFeature`. */
  readonly features: string;
  /** The accelerator of the newer GPU sizes, e.g. `A100`, `T4`. */
  readonly accelerator?: string;
  /** Other parts before the version, e.g. `1` of `Standard_M48s_1_v3`, `cc` of `Standard_DC4as_cc_v5`. */
  readonly variant?: string;
  /** The version of the series, 1 for a name without one. */
  readonly version: number;
}

/** The additive features of the naming convention, by their letter. */
export const ADDITIVE_FEATURES: Readonly<Record<string, string>> = {
  a: 'AMD processor',
  b: 'block storage performance',
  d: 'local temp disk',
  i: 'isolated',
  l: 'low memory',
  m: 'memory intensive',
  p: 'Arm64 processor',
  t: 'tiny memory',
  s: 'premium storage capable',
};

const HEAD = /^([A-Z])([A-Z]*)(\d+)(?:-(\d+))?([a-z]*)$/;

/** Reads a size's name; undefined when it does not follow the naming convention. */
export function parseVmSize(name: string): VmSizeName | undefined {
  const parts = name.split('_');
  const [tier, head, ...rest] = parts;
  if ((tier !== 'Standard' && tier !== 'Basic') || head === undefined || rest.some((p) => !/^[A-Za-z0-9]+$/.test(p))) {
    return undefined;
  }
  const match = HEAD.exec(head);
  if (!match) {
    return undefined;
  }
  // The retired promotional sizes (`Standard_D2_v2_Promo`) are their series' sizes at another price.
  const segments = rest[rest.length - 1] === 'Promo' ? rest.slice(0, -1) : rest;
  const versionSegment = segments.length > 0 && /^v\d+$/.test(segments[segments.length - 1]) ? segments[segments.length - 1] : undefined;
  const middle = versionSegment === undefined ? segments : segments.slice(0, -1);
  const accelerator = middle.find((p) => /^[A-Z]/.test(p));
  const variant = middle.filter((p) => p !== accelerator).join('_');
  return {
    name,
    tier,
    family: match[1],
    subfamily: match[2],
    vcpus: Number(match[3]),
    constrainedVcpus: match[4] === undefined ? undefined : Number(match[4]),
    features: match[5],
    accelerator,
    variant: variant === '' ? undefined : variant,
    version: versionSegment === undefined ? 1 : Number(versionSegment.slice(1)),
  };
}

/** Whether the size has the additive feature `letter` (one of `ADDITIVE_FEATURES`). */
export function hasFeature(size: VmSizeName, letter: string): boolean {
  return size.features.includes(letter);
}

/** Confidential computing (the naming convention's `C`): the DC and EC families, and the NCC confidential GPU sizes. */
export function isConfidential(size: VmSizeName): boolean {
  return (size.family === 'D' || size.family === 'E' || size.family === 'N') && size.subfamily.startsWith(size.family === 'N' ? 'CC' : 'C');
}

/** The FPGA sizes: the NP family. */
export function isFpga(size: VmSizeName): boolean {
  return size.family === 'N' && size.subfamily === 'P';
}

/** Arm64 sizes: the `p` feature (Ampere Altra: Dpsv5, Dplsv5, Epsv5, Bpsv2...; Azure Cobalt 100: Dpsv6, Epsv6...). */
export function isArm64(size: VmSizeName): boolean {
  return hasFeature(size, 'p');
}

/**
 * The families and sub-families the rules below cover (Microsoft Learn, "Sizes for virtual machines in Azure",
 * learn.microsoft.com/azure/virtual-machines/sizes/overview), by family letter. A size of any other is unknown.
 */
const KNOWN_SERIES: Readonly<Record<string, readonly string[]>> = {
  A: [''],
  B: [''],
  D: ['', 'S', 'C'],
  E: ['', 'C'],
  F: ['', 'X'],
  G: ['', 'S'],
  H: ['', 'B', 'C', 'X'],
  L: [''],
  M: [''],
  N: ['C', 'CC', 'D', 'G', 'M', 'P', 'V'],
};

/** Whether the rules know the size's family and sub-family (every `Basic` size is an A). */
export function isKnownSeries(size: VmSizeName): boolean {
  return (size.tier === 'Standard' || size.family === 'A') && (KNOWN_SERIES[size.family] ?? []).includes(size.subfamily);
}

// --- What a size supports -------------------------------------------------------------------------------------------

/** A set of sizes named as Microsoft Learn names them, for messages. */
interface SeriesRule {
  readonly series: string;
  readonly matches: (size: VmSizeName) => boolean;
}

function isSeries(size: VmSizeName, family: string, subfamily: string): boolean {
  return size.family === family && size.subfamily === subfamily;
}

/**
 * Sizes that boot Generation 1 (BIOS) images only.
 * - "Support for generation 2 VMs on Azure" (learn.microsoft.com/azure/virtual-machines/generation-2), "Generation 2
 *   VM sizes": the A-family, the NC-series and the NV-series (the first versions) under "Not supported size families".
 * - "Trusted launch for Azure virtual machines" (learn.microsoft.com/azure/virtual-machines/trusted-launch): the
 *   Dv2 and Dv3 series under "Not supported size families", which "don't support Generation 2 VMs"; their size pages
 *   ("Dv2 sizes series", "Dv3 sizes series") say "VM Generation Support: Generation 1", as does "Ev3-series and
 *   Esv3-series" for Ev3 (Esv3: Generation 1 and 2), "Av2 sizes series" and "NP sizes series".
 * Not listed, although its size page says "Generation 1": DSv2 (Standard_DS2_v2), which the Trusted Launch page counts
 * with the supported D-family, and which Azure runs as Gen2; a size the sources disagree on is not refused.
 */
const GENERATION_1_ONLY: readonly SeriesRule[] = [
  { series: 'A-family (Basic A, A, Av2)', matches: (s) => s.family === 'A' },
  { series: 'Dv2-series', matches: (s) => isSeries(s, 'D', '') && s.version === 2 && s.features === '' },
  { series: 'Dv3-series', matches: (s) => isSeries(s, 'D', '') && s.version === 3 && s.features === '' },
  { series: 'Ev3-series', matches: (s) => isSeries(s, 'E', '') && s.version === 3 && (s.features === '' || s.features === 'i') },
  { series: 'NC-series (v1)', matches: (s) => isSeries(s, 'N', 'C') && s.version === 1 && s.accelerator === undefined },
  { series: 'NV-series (v1)', matches: (s) => isSeries(s, 'N', 'V') && s.version === 1 && s.accelerator === undefined },
  { series: 'NP-series', matches: isFpga },
];

/**
 * The v6 and later D, E and F series attach their disks through NVMe only, no SCSI controller: every such name
 * (Intel, AMD and Arm64, with and without local disk, e.g. Dsv6, Ddsv6, Dlsv6, Dldsv6, Dasv6, Dadsv6, Dalsv6,
 * Daldsv6, Esv6, Edsv6, Easv6, Eadsv6, Fasv6, Falsv6, Famsv6, and their v7 successors).
 * - "General FAQ for NVMe" (learn.microsoft.com/azure/virtual-machines/enable-nvme-faqs): "the older generations of
 *   general purpose, memory optimized, and compute optimized VMs (D/Ev5 or Fv2 and older) support SCSI. The newer
 *   generations (Da/Ea/Fav6 and newer) typically support only the NVMe storage interface"; "Many of the latest Azure VM
 *   generations are NVMe-only and require an OS image that supports NVMe".
 * - The size pages: "Dsv6 and Ddsv6-series": "only works on OS images that are tagged with NVMe support"; "Dasv6-series
 *   sizes", "Fasv6 sizes series", "Dsv7 sizes series", "Esv7 sizes series": "This VM series will only work on OS images
 *   that support NVMe. If your current OS image doesn't have NVMe support, you'll see an error message".
 * Not among them: Ebsv5 and Ebdsv5, which have both ("NVMe overview", learn.microsoft.com/azure/virtual-machines/
 * nvme-overview: "some offering supports SCSI and NVMe, both interfaces, Ebsv5 is an example of such offering"); the
 * confidential DC and EC sizes, which run confidential VM images, and "Only Gen2 VM images with security type Standard
 * or Trusted Launch support NVMe" ("Supported OS images for remote NVMe"). Other families with NVMe-only sizes are not
 * known here: their sizes pass this rule.
 */
function isNvmeOnlyDEF(size: VmSizeName): boolean {
  return ['D', 'E', 'F'].includes(size.family) && size.subfamily === '' && size.version >= 6;
}

const NVME_ONLY: readonly SeriesRule[] = [
  { series: 'v6 and later D, E and F series', matches: isNvmeOnlyDEF },
];

/**
 * Sizes that boot Generation 2 (UEFI) images only.
 * - "Support for generation 2 VMs on Azure", note 1: "Mv2-series, DC-series, NDv2-series, Msv2 and Mdsv2-series Medium
 *   Memory do not support Generation 1 VM images"; the size pages of the later M series ("Msv3 Medium Memory sizes
 *   series", "Mbsv3 sizes series"), of the Arm64 sizes ("Dpsv5 sizes series": "VM Generation Support: Generation 2"),
 *   of "ECasv5 and ECadsv5-series", "NC_A100_v4 sizes series" and "NCads_H100_v5 sizes series" say the same.
 * - The v6 and later D, E and F series need NVMe, which Generation 1 lacks ("Dsv6 sizes series", "Dasv6-series sizes",
 *   "Esv6 sizes series": "Generation 1 VMs: Not Supported"; "Fasv6": "will only work on OS images that support NVMe").
 */
const GENERATION_2_ONLY: readonly SeriesRule[] = [
  { series: 'Arm64 sizes (p: Dpsv5, Dplsv5, Epsv5, Bpsv2, Dpsv6...)', matches: isArm64 },
  { series: 'M-series v2 and later (Mv2, Msv2, Mdsv2, Msv3, Mbsv3...)', matches: (s) => isSeries(s, 'M', '') && s.version >= 2 },
  { series: 'DC and EC confidential families', matches: (s) => (s.family === 'D' || s.family === 'E') && isConfidential(s) },
  { series: 'ND-series v2 and later (NDv2, ND A100 v4, ND H100 v5...)', matches: (s) => isSeries(s, 'N', 'D') && s.version >= 2 },
  {
    series: 'NC A100 v4 and NC H100 v5 series',
    matches: (s) => s.family === 'N' && s.subfamily.startsWith('C') && (s.accelerator === 'A100' || s.accelerator === 'H100'),
  },
  { series: 'v6 and later D, E and F series (NVMe only)', matches: isNvmeOnlyDEF },
];

/**
 * Sizes Trusted Launch does not run on ("Trusted launch for Azure virtual machines", "Virtual machines sizes"), besides
 * the Generation 1 sizes (Trusted Launch is Generation 2 only): "Not supported size families" A-family, Dv2-series,
 * Dv3-series, DC-Confidential-family, EC-Confidential-family (these run as confidential VMs instead), NC-series,
 * NV-series, NP-series; "Currently not supported size families" Dpsv5, Dpdsv5, Dplsv5, Dpldsv5, the M-family,
 * NDasrA100_v4 and NDm_A100_v4.
 */
const NO_TRUSTED_LAUNCH: readonly SeriesRule[] = [
  { series: 'DC and EC confidential families (confidential VMs instead)', matches: (s) => (s.family === 'D' || s.family === 'E') && isConfidential(s) },
  { series: 'Arm64 D-family v5 (Dpsv5, Dpdsv5, Dplsv5, Dpldsv5)', matches: (s) => isSeries(s, 'D', '') && isArm64(s) && s.version === 5 },
  { series: 'M-family', matches: (s) => isSeries(s, 'M', '') },
  { series: 'NDasrA100_v4 and NDm_A100_v4 series', matches: (s) => isSeries(s, 'N', 'D') && s.version === 4 },
];

function seriesOf(rules: readonly SeriesRule[], size: VmSizeName): string | undefined {
  return rules.find((rule) => rule.matches(size))?.series;
}

/** The series when the size boots Generation 1 images only. */
export function generation1OnlySeries(size: VmSizeName): string | undefined {
  return seriesOf(GENERATION_1_ONLY, size);
}

/** The series when the size boots Generation 2 images only. */
export function generation2OnlySeries(size: VmSizeName): string | undefined {
  return seriesOf(GENERATION_2_ONLY, size);
}

/** The Hyper-V generations of the images the size boots. */
export function supportedGenerations(size: VmSizeName): HyperVGeneration[] {
  if (generation1OnlySeries(size) !== undefined) {
    return [HyperVGeneration.V1];
  }
  return generation2OnlySeries(size) !== undefined ? [HyperVGeneration.V2] : [HyperVGeneration.V1, HyperVGeneration.V2];
}

/**
 * The series when the size attaches disks through NVMe only: it boots only images tagged for NVMe (a marketplace image
 * Azure tagged, or a version of a gallery definition with the `DiskControllerTypes` feature `SCSI, NVMe`).
 */
export function nvmeOnlySeries(size: VmSizeName): string | undefined {
  return seriesOf(NVME_ONLY, size);
}

/** An NVMe-only size, for messages: its series, and a size with SCSI and as many vCPUs to suggest instead. */
export interface NvmeOnlySize {
  readonly series: string;
  readonly sizeWithScsi: string;
}

/** The size given by name when it is NVMe only; undefined for a size with SCSI, a token, or a name the rules do not know. */
export function nvmeOnlySize(name: string): NvmeOnlySize | undefined {
  if (isUnresolved(name) || !isVmSize(name)) {
    return undefined;
  }
  const size = parseVmSize(name);
  const series = size !== undefined && isKnownSeries(size) ? nvmeOnlySeries(size) : undefined;
  return series === undefined ? undefined : { series, sizeWithScsi: versatileSizeFor(size!) };
}

/** The series when Trusted Launch VMs cannot have the size (every Generation 1 size among them). */
export function noTrustedLaunchSeries(size: VmSizeName): string | undefined {
  return generation1OnlySeries(size) ?? seriesOf(NO_TRUSTED_LAUNCH, size);
}

/**
 * Whether the size takes premium storage (Premium SSD, zone-redundant too) for its disks. The naming convention:
 * "s = Premium Storage capable ... (Note: some newer sizes without the attribute of s can still support Premium
 * Storage, such as M128, M64, etc.)"; the "M sizes series" page lists M64, M64m, M128, M128m with "Premium Storage:
 * Supported". The older DS and GS sizes carry the `s` in their family ("Dsv2 sizes series": "Premium Storage:
 * Supported"). Every other size without an `s` has "Premium Storage: Not Supported" (e.g. "Dv4 sizes series").
 */
export function supportsPremiumStorage(size: VmSizeName): boolean {
  return hasFeature(size, 's') || size.subfamily === 'S' || isSeries(size, 'M', '');
}

/** vCPU counts of the Dsv5 sizes. */
const DSV5_VCPUS = [2, 4, 8, 16, 32, 48, 64, 96];

/**
 * A size that boots every image these constructs use, with every option they set: Dsv5 (Generation 1 and 2, x64,
 * SCSI, premium storage, Trusted Launch; "Dsv5 sizes series"; SCSI: "Only Ebsv5 and Ebdsv5 VM sizes are equipped with
 * NVMe in the Intel v5 generation VMs", "FAQ for remote NVMe disks"), with at least the vCPUs of `size` where Dsv5 has
 * that many.
 */
export function versatileSizeFor(size: VmSizeName): string {
  const wanted = vcpusOf(size.name) ?? size.vcpus;
  return `Standard_D${DSV5_VCPUS.find((n) => n >= wanted) ?? DSV5_VCPUS[DSV5_VCPUS.length - 1]}s_v5`;
}

// --- The check --------------------------------------------------------------------------------------------------------

/**
 * Sizes Azure offers for Linux only, with the page that says so: Standard_B1ls ("B1ls is supported only on Linux",
 * Microsoft Learn, "B-series burstable virtual machine sizes"). Every VM this library makes runs Windows.
 */
export function linuxOnlySize(size: VmSizeName): string | undefined {
  const isB1ls = size.family === 'B' && size.subfamily === '' && size.vcpus === 1 && size.features === 'ls' && size.version === 1;
  return isB1ls ? 'B1ls is supported only on Linux: Microsoft Learn, "B-series burstable virtual machine sizes"' : undefined;
}

/** What the size check knows of the image a VM boots. */
export interface BootImage {
  /** How messages name it, e.g. `marketplace image 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest'`. */
  readonly description: string;
  readonly generation: HyperVGeneration;
  /**
   * Why the image is x64, as a clause that names it (`image 'x' is a managed image, and Azure ...`); undefined when its
   * architecture is unknown (a gallery image imported by id).
   */
  readonly x64Reason?: string;
  /** Whether the image is tagged for NVMe, which an NVMe-only size needs. */
  readonly nvme: NvmeTag;
}

/**
 * Whether Azure boots an image on an NVMe-only size: only when the image is tagged for NVMe ("General FAQ for NVMe":
 * "You can create an NVMe-supported VM only by using an image (Platform Image Repository and Azure Compute Gallery)
 * that's tagged as NVMe"). Otherwise Azure refuses the VM: "The VM size '<size>' cannot boot with OS image or disk.
 * Please check that disk controller types supported by the OS image or disk is one of the supported disk controller
 * types for the VM size".
 */
export interface NvmeTag {
  /** true: tagged; false: not tagged (`reason` says why); undefined: unknown here (`check` says how to find out). */
  readonly tagged?: boolean;
  /** Why the image is not tagged, as a clause that names it (`image 'x' is a managed image, which ...`). */
  readonly reason?: string;
  /** Another way out than a size with SCSI, e.g. `or publish the build to a GalleryImage with nvmeSupported: true`. */
  readonly alternative?: string;
  /** How to find out an unknown tag, e.g. an `az` command and what to do with its answer. */
  readonly check?: string;
}

/** The error Azure answers when an NVMe-only size meets an image without the tag, as users meet it after the bake. */
const NVME_BOOT_ERROR = 'cannot boot with OS image or disk';

/** One VM size a construct uses, and what its VMs boot with it. */
export interface VmSizeUse {
  /** The prop that sets the size, e.g. `vmSize`, `canary.vmSize`. */
  readonly prop: string;
  readonly size: string;
  readonly image: BootImage;
  /** Security type of the VMs: Trusted Launch needs a size that supports it. */
  readonly securityType: SecurityType;
  /** Why the VMs are Trusted Launch, for the message, e.g. `securityType is SecurityType.TRUSTED_LAUNCH`. */
  readonly trustedLaunchReason?: string;
  /** Another way out than another size when the VMs are Trusted Launch, e.g. `or pass securityType: SecurityType.STANDARD`. */
  readonly trustedLaunchAlternative?: string;
  /** The OS disk, when the construct lets the user choose its storage: premium storage needs a size that supports it. */
  readonly osDisk?: {
    readonly prop: string;
    readonly storageType: string;
    /** The Standard SSD choice in the prop's own terms, e.g. `osDiskStorageType: OsDiskStorageType.STANDARD_SSD_LRS`. */
    readonly standardSsd: string;
  };
}

/** Records a problem unless `vmSize` reads as a VM size name, as every construct that takes one checks it (a token is skipped). */
export function checkVmSizeName(validator: PropsValidator, vmSize: string): void {
  validator.check('vmSize', vmSize, isVmSize, "is not a VM size such as 'Standard_D2s_v5'", 'pick one from `az vm list-sizes --location <location> -o table`');
}

/**
 * Checks at synth time that the VMs of `use` can have the size: an Arm64 size needs an Arm64 image, the image's
 * generation must be one the size boots, an NVMe-only size needs an image tagged for NVMe, Trusted Launch VMs need a
 * size that supports it, a premium OS disk needs a size with premium storage. Each problem is recorded on `v` (naming the prop, the size, what it conflicts with, and a
 * size that fits); a size the rules do not know passes with a warning on `scope`. Tokens and names of another shape
 * (refused by the shape check) are skipped.
 */
export function checkVmSizeUse(scope: Construct, v: PropsValidator, use: VmSizeUse): void {
  if (isUnresolved(use.size) || !isVmSize(use.size)) {
    return;
  }
  const size = parseVmSize(use.size);
  const needsPremium = use.osDisk !== undefined && !isUnresolved(use.osDisk.storageType) && /^premium/i.test(use.osDisk.storageType);
  if (size === undefined || !isKnownSeries(size)) {
    const why = size === undefined ? 'its name does not follow Azure\'s naming convention' : `its family '${size.family}${size.subfamily}' is unknown here`;
    const what = ['boots', use.image.description, 'on x64', ...(use.securityType === SecurityType.TRUSTED_LAUNCH ? ['with Trusted Launch'] : []),
      ...(needsPremium ? [`with a ${use.osDisk!.storageType} OS disk`] : [])].join(' ');
    Annotations.of(scope).addWarning(`${use.prop} '${use.size}': the library cannot check this size (${why}): that it ${what}. Check it before `
      + `deploying: az vm list-skus --size ${use.size} --all -o json (capabilities HyperVGenerations, CpuArchitectureType, PremiumIO, TrustedLaunchDisabled, DiskControllerTypes).`);
    return;
  }
  const fitting = versatileSizeFor(size);
  const linuxOnly = linuxOnlySize(size);
  if (linuxOnly !== undefined) {
    v.fail(use.prop, use.size, `is offered for Linux only (${linuxOnly}), but the VMs run Windows`, `pick a size that runs Windows, e.g. '${fitting}'`);
    return;
  }
  const boots = checkArchitecture(scope, v, use, size, fitting) && checkGeneration(v, use, size, fitting) && checkNvme(scope, v, use, size, fitting);
  if (boots && use.securityType === SecurityType.TRUSTED_LAUNCH) {
    const series = noTrustedLaunchSeries(size);
    if (series !== undefined) {
      v.fail(use.prop, use.size, `does not support Trusted Launch (${series}), but ${use.trustedLaunchReason ?? 'the VMs are Trusted Launch'}`,
        `pick a size that supports Trusted Launch, e.g. '${fitting}'${use.trustedLaunchAlternative ? `, ${use.trustedLaunchAlternative}` : ''}`);
    }
  }
  if (needsPremium && !supportsPremiumStorage(size)) {
    v.fail(use.prop, use.size, `does not support premium storage (no 's' among its features), but ${use.osDisk!.prop} is ${use.osDisk!.storageType}`,
      `pick a size with premium storage (an 's' among its features), e.g. '${fitting}', or use a Standard SSD disk: ${use.osDisk!.standardSsd}`);
  }
}

/** Records a problem when the size is Arm64 and the image x64; returns whether the size can boot the image so far. */
function checkArchitecture(scope: Construct, v: PropsValidator, use: VmSizeUse, size: VmSizeName, fitting: string): boolean {
  if (!isArm64(size)) {
    return true;
  }
  if (use.image.x64Reason === undefined) {
    Annotations.of(scope).addWarning(`${use.prop} '${use.size}' is an Arm64 size: the library cannot check that ${use.image.description} is an Arm64 image. `
      + 'Check it before deploying: az sig image-definition show --query architecture (an x64 image does not boot on it).');
    return true;
  }
  v.fail(use.prop, use.size, `is an Arm64 size (the 'p' feature), but ${use.image.x64Reason}: an Arm64 VM boots Arm64 images only`,
    `pick an x64 size (without the 'p'), e.g. '${fitting}'`);
  return false;
}

/** Records a problem when the size does not boot the image's generation; returns whether it does. */
function checkGeneration(v: PropsValidator, use: VmSizeUse, size: VmSizeName, fitting: string): boolean {
  const generation = use.image.generation;
  if (!Object.values(HyperVGeneration).includes(generation) || supportedGenerations(size).includes(generation)) {
    return true;
  }
  if (generation === HyperVGeneration.V2) {
    v.fail(use.prop, use.size, `boots Generation 1 images only (${generation1OnlySeries(size)}), but ${use.image.description} is Gen2 (V2)`,
      `pick a size that supports Gen2, e.g. '${fitting}'`);
  } else {
    v.fail(use.prop, use.size, `boots Generation 2 images only (${generation2OnlySeries(size)}), but ${use.image.description} is Gen1 (V1)`,
      `pick a size that supports Gen1, e.g. '${fitting}', or use a Gen2 image`);
  }
  return false;
}

/**
 * Records a problem when the size is NVMe only and the image is not tagged for NVMe (warns on `scope` when that is
 * unknown); returns whether the size can boot the image so far.
 */
function checkNvme(scope: Construct, v: PropsValidator, use: VmSizeUse, size: VmSizeName, fitting: string): boolean {
  const series = nvmeOnlySeries(size);
  const nvme = use.image.nvme;
  if (series === undefined || nvme.tagged === true) {
    return true;
  }
  const azure = `Azure would refuse the VM: "The VM size '${use.size}' ${NVME_BOOT_ERROR}"`;
  if (nvme.tagged === undefined) {
    Annotations.of(scope).addWarning(`${use.prop} '${use.size}' attaches disks through NVMe only (${series}): the library cannot check that `
      + `${use.image.description} is tagged for NVMe, and without the tag ${azure}. Check it before deploying: ${nvme.check}`);
    return true;
  }
  v.fail(use.prop, use.size, `attaches disks through NVMe only (${series}) and boots only images tagged for NVMe, but ${nvme.reason}: ${azure}`,
    `pick a size with SCSI, e.g. '${fitting}'${nvme.alternative ? `, ${nvme.alternative}` : ''}`);
  return false;
}

/**
 * The Windows Server marketplace images Azure tags for NVMe ("Supported OS images for remote NVMe",
 * learn.microsoft.com/azure/virtual-machines/enable-nvme-interface): "Windows Server 2025, Windows Server 2022, Windows
 * Server 2019", and "Only Gen2 VM images with security type Standard or Trusted Launch support NVMe"; "Older operating
 * systems cannot support NVMe due to OS driver limitations. If an older version of the OS is not included in the list
 * below, it means that NVMe support is not present for that OS." The SKUs of the WindowsServer offer start with the
 * year (`2022-datacenter-core-g2`, `2019-datacenter-gensecond`, `2016-datacenter-gensecond`). An image's own tag:
 * `az vm image show --urn <urn> --query "features[?name=='DiskControllerTypes'].value"`.
 */
function windowsServerNvmeTag(image: Omit<MarketplaceImageParts, 'publisher'>, description: string): NvmeTag {
  const check = `az vm image show --urn ${image.urn} --query "features[?name=='DiskControllerTypes'].value" (it must list NVMe).`;
  if (image.hyperVGeneration === HyperVGeneration.V1) {
    return { tagged: false, reason: `${description} is Gen1, and Azure tags Gen2 images only for NVMe`, alternative: 'or use a Gen2 image' };
  }
  const year = isUnresolved(image.offer) || isUnresolved(image.sku) || image.offer.toLowerCase() !== 'windowsserver' ? undefined
    : /^(\d{4})-/.exec(image.sku)?.[1];
  if (year === undefined) {
    return { check };
  }
  if (Number(year) >= 2019) {
    return { tagged: true };
  }
  return {
    tagged: false,
    reason: `${description} is Windows Server ${year}, which Azure does not tag for NVMe (Windows Server 2019, 2022 and 2025 Gen2 images are)`,
    alternative: 'or build from Windows Server 2019 or later, e.g. MarketplaceImage.windowsServer2022DatacenterCoreGen2()',
  };
}

/**
 * A marketplace image as the size check sees it. Windows Server marketplace images are x64 (`az vm image show --urn
 * <urn> --query architecture`); for any other publisher, what the library captures is x64: a managed image (Azure
 * makes managed images of x64 VMs only: "All new features, like ARM64, Trusted Launch, and Confidential VM are only
 * supported through Azure Compute Gallery", "Create a legacy managed image of a generalized VM in Azure") or a version
 * of a `GalleryImage` definition, which is x64 (azurerm_shared_image's default architecture).
 */
/** What the size checks read of a marketplace image (a `MarketplaceImage`, which this private module does not import). */
export interface MarketplaceImageParts {
  readonly urn: string;
  readonly publisher: string;
  readonly offer: string;
  readonly sku: string;
  readonly hyperVGeneration: HyperVGeneration;
}

export function marketplaceBootImage(image: MarketplaceImageParts): BootImage {
  const description = `marketplace image '${image.urn}'`;
  const windowsServer = !isUnresolved(image.publisher) && image.publisher.toLowerCase() === 'microsoftwindowsserver';
  return {
    description,
    generation: image.hyperVGeneration,
    x64Reason: windowsServer ? `${description} is x64, as every Windows Server marketplace image`
      : 'the images this library captures are x64 (managed images, and the definitions GalleryImage creates)',
    nvme: windowsServer ? windowsServerNvmeTag(image, description)
      : { check: `az vm image show --urn ${image.urn} --query "features[?name=='DiskControllerTypes'].value" (it must list NVMe).` },
  };
}
