/**
 * The VM size rules of lib/private/vm/vm-sizes.ts on real size names: the parser (Azure's naming convention), and what
 * each size supports by Microsoft Learn (generations, architecture, disk controllers, premium storage, Trusted Launch).
 */
import { Lazy } from 'cdktf';
import { HyperVGeneration } from '../lib';
import {
  generation1OnlySeries, generation2OnlySeries, hasFeature, isArm64, isConfidential, isFpga, isKnownSeries, noTrustedLaunchSeries, nvmeOnlySeries,
  nvmeOnlySize, parseVmSize, supportedGenerations, supportsPremiumStorage, versatileSizeFor, VmSizeName,
} from '../lib/private/vm/vm-sizes';

function parsed(name: string): VmSizeName {
  const size = parseVmSize(name);
  if (size === undefined) {
    throw new Error(`${name} does not parse`);
  }
  return size;
}

describe('parseVmSize: the naming convention', () => {
  test.each<[string, Partial<VmSizeName>]>([
    ['Standard_A2_v2', { tier: 'Standard', family: 'A', subfamily: '', vcpus: 2, features: '', version: 2 }],
    ['Standard_B2s', { family: 'B', vcpus: 2, features: 's', version: 1 }],
    ['Standard_B2ats_v2', { family: 'B', vcpus: 2, features: 'ats', version: 2 }],
    ['Standard_D2s_v5', { family: 'D', subfamily: '', vcpus: 2, features: 's', version: 5, accelerator: undefined }],
    ['Standard_D2as_v5', { family: 'D', vcpus: 2, features: 'as', version: 5 }],
    ['Standard_D2ps_v5', { family: 'D', vcpus: 2, features: 'ps', version: 5 }],
    ['Standard_D2plds_v5', { family: 'D', vcpus: 2, features: 'plds', version: 5 }],
    ['Standard_E16-4s_v5', { family: 'E', vcpus: 16, constrainedVcpus: 4, features: 's', version: 5 }],
    ['Standard_DS2_v2', { family: 'D', subfamily: 'S', vcpus: 2, features: '', version: 2 }],
    ['Standard_DS11-1_v2', { family: 'D', subfamily: 'S', vcpus: 11, constrainedVcpus: 1, version: 2 }],
    ['Standard_D11_v2', { family: 'D', subfamily: '', vcpus: 11, features: '', version: 2 }],
    ['Standard_NC24ads_A100_v4', { family: 'N', subfamily: 'C', vcpus: 24, features: 'ads', accelerator: 'A100', version: 4 }],
    ['Standard_NC4as_T4_v3', { family: 'N', subfamily: 'C', vcpus: 4, features: 'as', accelerator: 'T4', version: 3 }],
    ['Standard_M128ms', { family: 'M', vcpus: 128, features: 'ms', version: 1 }],
    ['Standard_M208ms_v2', { family: 'M', vcpus: 208, features: 'ms', version: 2 }],
    ['Standard_M48s_1_v3', { family: 'M', vcpus: 48, features: 's', variant: '1', version: 3 }],
    ['Standard_D2s_v6', { family: 'D', vcpus: 2, features: 's', version: 6 }],
    ['Standard_F2s_v2', { family: 'F', vcpus: 2, features: 's', version: 2 }],
    ['Standard_FX4mds', { family: 'F', subfamily: 'X', vcpus: 4, features: 'mds', version: 1 }],
    ['Standard_HB120rs_v3', { family: 'H', subfamily: 'B', vcpus: 120, features: 'rs', version: 3 }],
    ['Standard_HB120-16rs_v3', { family: 'H', subfamily: 'B', vcpus: 120, constrainedVcpus: 16, features: 'rs', version: 3 }],
    ['Standard_L8s_v3', { family: 'L', vcpus: 8, features: 's', version: 3 }],
    ['Standard_DC2s_v3', { family: 'D', subfamily: 'C', vcpus: 2, features: 's', version: 3 }],
    ['Standard_DC4as_cc_v5', { family: 'D', subfamily: 'C', vcpus: 4, features: 'as', variant: 'cc', version: 5 }],
    ['Standard_NP10s', { family: 'N', subfamily: 'P', vcpus: 10, features: 's', version: 1 }],
    ['Standard_D2_v2_Promo', { family: 'D', vcpus: 2, features: '', version: 2 }],
    ['Basic_A1', { tier: 'Basic', family: 'A', vcpus: 1, features: '', version: 1 }],
  ])('%s', (name, expected) => {
    expect(parsed(name)).toMatchObject({ name, ...expected });
  });

  test.each(['Standard_Weird', 'Standard_d2s_v5', 'Premium_D2s_v5', 'Standard_D2s_v5-1', 'Standard_2s_v5', 'Standard_D2s_vfive_', 'D2s_v5'])(
    '%s does not follow it', (name) => {
      expect(parseVmSize(name)).toBeUndefined();
    });

  test('the additive features read from the name', () => {
    expect(hasFeature(parsed('Standard_D2plds_v5'), 'p')).toBe(true);
    expect(hasFeature(parsed('Standard_D2plds_v5'), 'l')).toBe(true);
    expect(hasFeature(parsed('Standard_D2plds_v5'), 'a')).toBe(false);
    expect(isArm64(parsed('Standard_D2ps_v5'))).toBe(true);
    expect(isArm64(parsed('Standard_D2s_v5'))).toBe(false);
    // The FPGA family is NP: its P is no Arm64 feature.
    expect(isArm64(parsed('Standard_NP10s'))).toBe(false);
    expect(isFpga(parsed('Standard_NP10s'))).toBe(true);
    expect(isConfidential(parsed('Standard_DC2s_v3'))).toBe(true);
    expect(isConfidential(parsed('Standard_EC2as_v5'))).toBe(true);
    expect(isConfidential(parsed('Standard_NCC40ads_H100_v5'))).toBe(true);
    // NC is the GPU sub-family, not confidential.
    expect(isConfidential(parsed('Standard_NC24ads_A100_v4'))).toBe(false);
  });

  test('known and unknown families', () => {
    for (const name of ['Standard_A2_v2', 'Standard_D2s_v5', 'Standard_DS2_v2', 'Standard_GS5', 'Standard_HC44rs', 'Standard_NV6ads_A10_v5', 'Basic_A1']) {
      expect(isKnownSeries(parsed(name))).toBe(true);
    }
    for (const name of ['Standard_Q4s_v2', 'Standard_DX2s_v5', 'Standard_NZ4_v1', 'Basic_D2s_v5']) {
      expect(isKnownSeries(parsed(name))).toBe(false);
    }
  });
});

describe('Hyper-V generations ("Support for generation 2 VMs on Azure", the size pages)', () => {
  const both = [HyperVGeneration.V1, HyperVGeneration.V2];
  test.each<[string, HyperVGeneration[]]>([
    ['Standard_D2s_v5', both], ['Standard_D2as_v5', both], ['Standard_B2s', both], ['Standard_B2ats_v2', both], ['Standard_E16-4s_v5', both],
    ['Standard_F2s_v2', both], ['Standard_M128ms', both], ['Standard_HB120rs_v3', both], ['Standard_L8s_v3', both], ['Standard_DS2_v2', both],
    ['Standard_D2s_v3', both], ['Standard_E2s_v3', both], ['Standard_D2_v4', both], ['Standard_NC6s_v3', both], ['Standard_NV4as_v4', both],
    ['Standard_A2_v2', [HyperVGeneration.V1]], ['Basic_A1', [HyperVGeneration.V1]], ['Standard_A0', [HyperVGeneration.V1]],
    ['Standard_D11_v2', [HyperVGeneration.V1]], ['Standard_D2_v2', [HyperVGeneration.V1]], ['Standard_D2_v3', [HyperVGeneration.V1]],
    ['Standard_E2_v3', [HyperVGeneration.V1]], ['Standard_E64i_v3', [HyperVGeneration.V1]], ['Standard_NC6', [HyperVGeneration.V1]],
    ['Standard_NV6', [HyperVGeneration.V1]], ['Standard_NP10s', [HyperVGeneration.V1]],
    ['Standard_D2ps_v5', [HyperVGeneration.V2]], ['Standard_D2plds_v5', [HyperVGeneration.V2]], ['Standard_B2pts_v2', [HyperVGeneration.V2]],
    ['Standard_M208ms_v2', [HyperVGeneration.V2]], ['Standard_M32ms_v2', [HyperVGeneration.V2]], ['Standard_M48s_1_v3', [HyperVGeneration.V2]],
    ['Standard_DC2s_v3', [HyperVGeneration.V2]], ['Standard_DC2as_v5', [HyperVGeneration.V2]], ['Standard_EC2as_v5', [HyperVGeneration.V2]],
    ['Standard_ND40rs_v2', [HyperVGeneration.V2]], ['Standard_ND96asr_v4', [HyperVGeneration.V2]], ['Standard_NC24ads_A100_v4', [HyperVGeneration.V2]],
    ['Standard_NC40ads_H100_v5', [HyperVGeneration.V2]], ['Standard_D2s_v6', [HyperVGeneration.V2]], ['Standard_D2as_v6', [HyperVGeneration.V2]],
    ['Standard_E2s_v6', [HyperVGeneration.V2]], ['Standard_F2as_v6', [HyperVGeneration.V2]],
  ])('%s boots %s', (name, generations) => {
    expect(supportedGenerations(parsed(name))).toEqual(generations);
  });

  test('the series a refusal names', () => {
    expect(generation1OnlySeries(parsed('Standard_D2_v3'))).toBe('Dv3-series');
    expect(generation1OnlySeries(parsed('Standard_D2s_v3'))).toBeUndefined();
    expect(generation2OnlySeries(parsed('Standard_M208ms_v2'))).toMatch(/^M-series v2 and later/);
    expect(generation2OnlySeries(parsed('Standard_D2ps_v5'))).toMatch(/^Arm64 sizes/);
  });
});

describe('Trusted Launch ("Trusted launch for Azure virtual machines", Virtual machines sizes)', () => {
  test.each(['Standard_D2s_v5', 'Standard_D2as_v5', 'Standard_B2s', 'Standard_B2ats_v2', 'Standard_E16-4s_v5', 'Standard_F2s_v2', 'Standard_L8s_v3',
    'Standard_HB120rs_v3', 'Standard_NC24ads_A100_v4', 'Standard_D2s_v6', 'Standard_DS2_v2', 'Standard_D2s_v3', 'Standard_D2ps_v6'])('%s supports it', (name) => {
    expect(noTrustedLaunchSeries(parsed(name))).toBeUndefined();
  });

  test.each<[string, string | RegExp]>([
    ['Standard_A2_v2', /^A-family/], ['Basic_A1', /^A-family/], ['Standard_D11_v2', 'Dv2-series'], ['Standard_D2_v3', 'Dv3-series'],
    ['Standard_DC2s_v3', /^DC and EC confidential/], ['Standard_EC2as_v5', /^DC and EC confidential/], ['Standard_NC6', 'NC-series (v1)'],
    ['Standard_NV6', 'NV-series (v1)'], ['Standard_NP10s', 'NP-series'], ['Standard_D2ps_v5', /^Arm64 D-family v5/], ['Standard_D2plds_v5', /^Arm64 D-family v5/],
    ['Standard_M128ms', 'M-family'], ['Standard_M208ms_v2', 'M-family'], ['Standard_ND96asr_v4', /^NDasrA100_v4/], ['Standard_ND96amsr_A100_v4', /^NDasrA100_v4/],
  ])('%s does not: %s', (name, series) => {
    expect(noTrustedLaunchSeries(parsed(name))).toMatch(series);
  });
});

describe('NVMe only ("General FAQ for NVMe", the v6 and v7 size pages; Ebsv5 has both)', () => {
  test.each(['Standard_D2s_v6', 'Standard_D2ds_v6', 'Standard_D2ls_v6', 'Standard_D2lds_v6', 'Standard_D2as_v6', 'Standard_D2ads_v6', 'Standard_D2als_v6',
    'Standard_D2alds_v6', 'Standard_E2s_v6', 'Standard_E2ds_v6', 'Standard_E2as_v6', 'Standard_E2ads_v6', 'Standard_E192is_v6', 'Standard_F2as_v6',
    'Standard_F2als_v6', 'Standard_F2ams_v6', 'Standard_D2ps_v6', 'Standard_E2pds_v6', 'Standard_D2s_v7', 'Standard_E2as_v7', 'Standard_F2as_v7'])(
    '%s attaches disks through NVMe only', (name) => {
      expect(nvmeOnlySeries(parsed(name))).toBe('v6 and later D, E and F series');
    });

  test.each(['Standard_D2s_v5', 'Standard_D2as_v5', 'Standard_D2ds_v5', 'Standard_E4bs_v5', 'Standard_E4bds_v5', 'Standard_E2s_v5', 'Standard_F2s_v2',
    'Standard_D2ps_v5', 'Standard_B2s', 'Standard_L8s_v3', 'Standard_M128ms', 'Standard_DS2_v2', 'Standard_D2_v3', 'Standard_NC24ads_A100_v4',
    'Standard_HB120rs_v3'])('%s has SCSI', (name) => {
    expect(nvmeOnlySeries(parsed(name))).toBeUndefined();
  });

  test('a size by name: its series and a size with SCSI and as many vCPUs; nothing for tokens and names the rules do not know', () => {
    expect(nvmeOnlySize('Standard_D16ads_v6')).toEqual({ series: 'v6 and later D, E and F series', sizeWithScsi: 'Standard_D16s_v5' });
    expect(nvmeOnlySize('Standard_E20s_v6')).toEqual({ series: 'v6 and later D, E and F series', sizeWithScsi: 'Standard_D32s_v5' });
    expect(nvmeOnlySize('Standard_D2s_v5')).toBeUndefined();
    expect(nvmeOnlySize('Standard_Q4s_v6')).toBeUndefined();
    expect(nvmeOnlySize(Lazy.stringValue({ produce: () => 'Standard_D2s_v6' }))).toBeUndefined();
  });
});

describe('premium storage (the naming convention\'s s; M and the older DS and GS without it)', () => {
  test.each(['Standard_D2s_v5', 'Standard_B2s', 'Standard_B2ats_v2', 'Standard_D2plds_v5', 'Standard_E16-4s_v5', 'Standard_DS2_v2', 'Standard_DS11-1_v2',
    'Standard_GS5', 'Standard_M128ms', 'Standard_M128', 'Standard_M64', 'Standard_M208ms_v2', 'Standard_F2s_v2', 'Standard_HB120rs_v3', 'Standard_L8s_v3',
    'Standard_DC2s_v3', 'Standard_NC24ads_A100_v4', 'Standard_D2s_v6'])('%s supports it', (name) => {
    expect(supportsPremiumStorage(parsed(name))).toBe(true);
  });

  test.each(['Standard_A2_v2', 'Basic_A1', 'Standard_D11_v2', 'Standard_D2_v3', 'Standard_D2_v4', 'Standard_D2a_v4', 'Standard_D2_v5', 'Standard_D2d_v5',
    'Standard_E2_v5', 'Standard_F2', 'Standard_NC6', 'Standard_H16r', 'Standard_E64i_v3'])('%s does not', (name) => {
    expect(supportsPremiumStorage(parsed(name))).toBe(false);
  });
});

describe('the size a fix suggests', () => {
  test.each<[string, string]>([
    ['Standard_A2_v2', 'Standard_D2s_v5'], ['Standard_A0', 'Standard_D2s_v5'], ['Standard_D11_v2', 'Standard_D2s_v5'], ['Standard_D15_v2', 'Standard_D32s_v5'],
    ['Standard_D4ps_v5', 'Standard_D4s_v5'], ['Standard_M128ms', 'Standard_D96s_v5'], ['Standard_E16-4s_v5', 'Standard_D16s_v5'], ['Standard_D2_v3', 'Standard_D2s_v5'],
  ])('for %s: %s', (name, suggestion) => {
    const size = parsed(suggestion);
    // The suggestion itself fits everything the checks know.
    expect(supportedGenerations(size)).toEqual([HyperVGeneration.V1, HyperVGeneration.V2]);
    expect(isArm64(size) || noTrustedLaunchSeries(size) !== undefined || !supportsPremiumStorage(size)).toBe(false);
    expect(versatileSizeFor(parsed(name))).toBe(suggestion);
  });
});
