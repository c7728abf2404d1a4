import { Image } from '@cdktf/provider-azurerm/lib/image';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { LinuxVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/linux-virtual-machine-scale-set';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { OrchestratedVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/orchestrated-virtual-machine-scale-set';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { SharedImage } from '@cdktf/provider-azurerm/lib/shared-image';
import { SharedImageVersion } from '@cdktf/provider-azurerm/lib/shared-image-version';
import { VirtualMachineExtension } from '@cdktf/provider-azurerm/lib/virtual-machine-extension';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { WindowsVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/windows-virtual-machine-scale-set';
import { Aspects, Testing, TerraformResource, TerraformStack, TerraformVariable } from 'cdktf';
import { GoldenImageChecks, GoldenVm } from '../lib';
import { goldenVmProps, warningsOf } from './util/constructs';

const PLACEMENT = { resourceGroupName: 'rg', location: 'westeurope' };

function checkedStack(build: (stack: TerraformStack) => void): () => string {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'checked');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    build(stack);
    Aspects.of(stack).add(new GoldenImageChecks());
    return Testing.fullSynth(stack);
  };
}

interface RawVmOverrides {
  readonly sku?: string;
  readonly secureBootEnabled?: boolean;
  readonly vtpmEnabled?: boolean;
  /** Creates the VM from this image id instead of a marketplace SKU. */
  readonly sourceImageId?: string;
}

function rawVm(stack: TerraformStack, overrides: RawVmOverrides = {}): WindowsVirtualMachine {
  return new WindowsVirtualMachine(stack, 'Vm', {
    ...PLACEMENT,
    name: 'vm',
    size: 'Standard_D2s_v5',
    adminUsername: 'goldenadmin',
    adminPassword: '${var.password}',
    networkInterfaceIds: ['nic'],
    osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
    ...(overrides.sourceImageId !== undefined
      ? { sourceImageId: overrides.sourceImageId }
      : { sourceImageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: overrides.sku ?? '2022-datacenter-core-g2', version: 'latest' } }),
    secureBootEnabled: overrides.secureBootEnabled,
    vtpmEnabled: overrides.vtpmEnabled,
  });
}

/** Secure Boot and vTPM both on: a Trusted Launch VM. */
const TRUSTED_LAUNCH = { secureBootEnabled: true, vtpmEnabled: true };

type SecurityType = 'Standard' | 'TrustedLaunchSupported' | 'TrustedLaunch';

/** A gallery image definition of the given security type (azurerm's default generation, V1, unless given). */
function definition(stack: TerraformStack, securityType: SecurityType, hyperVGeneration?: string): SharedImage {
  return new SharedImage(stack, 'Definition', {
    ...PLACEMENT,
    name: 'web',
    galleryName: 'gallery',
    osType: 'Windows',
    identifier: { publisher: 'Contoso', offer: 'Web', sku: 'web' },
    hyperVGeneration,
    trustedLaunchEnabled: securityType === 'TrustedLaunch' ? true : undefined,
    trustedLaunchSupported: securityType === 'TrustedLaunchSupported' ? true : undefined,
  });
}

/** A version of `image` captured from `source` (a VM's or a managed image's id). */
function version(stack: TerraformStack, image: SharedImage, source: string): SharedImageVersion {
  return new SharedImageVersion(stack, 'Version', {
    ...PLACEMENT,
    name: '1.0.0',
    galleryName: 'gallery',
    imageName: image.name,
    managedImageId: source,
    targetRegion: [{ name: 'westeurope', regionalReplicaCount: 1 }],
  });
}

/** A `terraform_data` step with the given input, declared the way this library declares its operator steps. */
function step(stack: TerraformStack, input: { [key: string]: unknown }): TerraformResource {
  const resource = new TerraformResource(stack, 'Step', { terraformResourceType: 'terraform_data' });
  resource.addOverride('input', input);
  return resource;
}

function galleryStep(stack: TerraformStack, securityType: string, hyperVGeneration = 'V2'): TerraformResource {
  return step(stack, { kind: 'gallery_image_version', version_id: '/subscriptions/s/.../versions/1.0.0', security_type: securityType, hyper_v_generation: hyperVGeneration });
}

function captureStep(stack: TerraformStack): TerraformResource {
  return step(stack, { image_id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/web-r1', hyper_v_generation: 'V2' });
}

const COMPUTE_KINDS = ['azurerm_windows_virtual_machine', 'azurerm_linux_virtual_machine', 'azurerm_windows_virtual_machine_scale_set',
  'azurerm_linux_virtual_machine_scale_set', 'azurerm_orchestrated_virtual_machine_scale_set'] as const;
type ComputeKind = typeof COMPUTE_KINDS[number];

/** A VM or scale set named `Fleet` created from `sourceImageId`, Trusted Launch when `trustedLaunch`. */
function fleet(stack: TerraformStack, kind: ComputeKind, sourceImageId: string, trustedLaunch: boolean): TerraformResource {
  const security = trustedLaunch ? TRUSTED_LAUNCH : {};
  const login = { adminUsername: 'fleetadmin', adminPassword: '${var.password}' };
  const osDisk = { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' };
  const networkInterface = [{ name: 'nic', primary: true, ipConfiguration: [{ name: 'ip', primary: true, subnetId: 'subnet' }] }];
  switch (kind) {
    case 'azurerm_windows_virtual_machine':
      return new WindowsVirtualMachine(stack, 'Fleet', { ...PLACEMENT, ...login, ...security, name: 'web', size: 'Standard_D2s_v5', networkInterfaceIds: ['nic'], osDisk, sourceImageId });
    case 'azurerm_linux_virtual_machine':
      return new LinuxVirtualMachine(stack, 'Fleet', {
        ...PLACEMENT, ...login, ...security, name: 'web', size: 'Standard_D2s_v5', disablePasswordAuthentication: false, networkInterfaceIds: ['nic'], osDisk, sourceImageId,
      });
    case 'azurerm_windows_virtual_machine_scale_set':
      return new WindowsVirtualMachineScaleSet(stack, 'Fleet', { ...PLACEMENT, ...login, ...security, name: 'web', sku: 'Standard_D2s_v5', instances: 2, networkInterface, osDisk, sourceImageId });
    case 'azurerm_linux_virtual_machine_scale_set':
      return new LinuxVirtualMachineScaleSet(stack, 'Fleet', {
        ...PLACEMENT, ...login, ...security, name: 'web', sku: 'Standard_D2s_v5', disablePasswordAuthentication: false, instances: 2, networkInterface, osDisk, sourceImageId,
      });
    case 'azurerm_orchestrated_virtual_machine_scale_set':
      // azurerm has no Secure Boot or vTPM setting on this one: always Standard.
      return new OrchestratedVirtualMachineScaleSet(stack, 'Fleet', { ...PLACEMENT, name: 'web', platformFaultDomainCount: 1, skuName: 'Standard_D2s_v5', instances: 2, sourceImageId });
  }
}

function rawImage(stack: TerraformStack, vm: WindowsVirtualMachine, hyperVGeneration?: string): Image {
  return new Image(stack, 'Image', { ...PLACEMENT, name: 'img', sourceVirtualMachineId: vm.id, hyperVGeneration });
}

describe('GoldenImageChecks', () => {
  test.each([
    ['RDP from *', '3389', '*', /\[GoldenImage:ManagementPortOpen\] NSG rule 'mgmt' allows RDP \(3389\) from any source \('\*'\)/],
    ['SSH from Internet', '22', 'Internet', /allows SSH \(22\) from any source \('Internet'\)/],
    ['WinRM within a range', '5000-6000', '0.0.0.0/0', /allows WinRM \(5985\), WinRM over HTTPS \(5986\)/],
    ['every port', '*', '*', /allows SSH \(22\), RDP \(3389\), WinRM/],
  ])('fails synthesis for an inline NSG rule opening %s', (_, port, source, message) => {
    expect(checkedStack((stack) => new NetworkSecurityGroup(stack, 'Nsg', {
      ...PLACEMENT,
      name: 'nsg',
      securityRule: [{ name: 'mgmt', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: port, sourceAddressPrefix: source, destinationAddressPrefix: '*' }],
    }))).toThrow(message);
  });

  test('fails synthesis for a standalone rule resource', () => {
    expect(checkedStack((stack) => new NetworkSecurityRule(stack, 'Rule', {
      name: 'rdp',
      resourceGroupName: 'rg',
      networkSecurityGroupName: 'nsg',
      priority: 100,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRanges: ['80', '3389'],
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
    }))).toThrow(/NSG rule 'rdp' allows RDP \(3389\)/);
  });

  test.each([
    ['the app port from the Internet', '80', '*', 'Allow', 'Inbound'],
    ['RDP from one address', '3389', '203.0.113.7/32', 'Allow', 'Inbound'],
    ['a deny rule', '3389', '*', 'Deny', 'Inbound'],
    ['an outbound rule', '22', '*', 'Allow', 'Outbound'],
  ])('accepts %s', (_, port, source, access, direction) => {
    expect(checkedStack((stack) => new NetworkSecurityGroup(stack, 'Nsg', {
      ...PLACEMENT,
      name: 'nsg',
      securityRule: [{ name: 'r', priority: 100, direction, access, protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: port, sourceAddressPrefix: source, destinationAddressPrefix: '*' }],
    }))).not.toThrow();
  });

  test('fails synthesis for a managed image of a Trusted Launch VM', () => {
    expect(checkedStack((stack) => rawImage(stack, rawVm(stack, { secureBootEnabled: true, vtpmEnabled: true }), 'V2')))
      .toThrow(/\[GoldenImage:TrustedLaunchManagedImage\] managed image azurerm_image\.Image is captured from azurerm_windows_virtual_machine\.Vm/);
  });

  test.each([
    ['a Gen2 VM captured as V1 (the default)', '2022-datacenter-core-g2', undefined, /hyper_v_generation 'V1', but its source VM azurerm_windows_virtual_machine.Vm runs the Gen2 SKU '2022-datacenter-core-g2'. Fix: set hyper_v_generation = 'V2'/],
    ['a Gen1 VM captured as V2', '2022-datacenter-core', 'V2', /hyper_v_generation 'V2', but .* runs the Gen1 SKU/],
  ])('fails synthesis for %s', (_, sku, generation, message) => {
    expect(checkedStack((stack) => rawImage(stack, rawVm(stack, { sku }), generation))).toThrow(message);
  });

  test('accepts a matching generation', () => {
    expect(checkedStack((stack) => rawImage(stack, rawVm(stack), 'V2'))).not.toThrow();
  });

  test('accepts the library\'s own build VM, and warns when it has a public IP', () => {
    let vm: GoldenVm | undefined;
    expect(checkedStack((stack) => {
      vm = new GoldenVm(stack, 'BuildVm', goldenVmProps({ publicIp: true, managementSourceRange: '203.0.113.7/32' }));
    })).not.toThrow();
    expect(warningsOf(vm!)).toEqual([expect.stringMatching(/\[GoldenImage:BuildVmPublicIp\]/)]);
  });

  test('fails synthesis for a resource attached to a GoldenVm\'s build VM, which would break every rebuild and destroy', () => {
    const build = (attach: boolean) => checkedStack((stack) => {
      const vm = new GoldenVm(stack, 'BuildVm', goldenVmProps());
      // The same extension on another VM is fine.
      const other = rawVm(stack);
      new VirtualMachineExtension(stack, 'Agent', {
        name: 'agent',
        publisher: 'Contoso',
        type: 'Agent',
        typeHandlerVersion: '1.0',
        virtualMachineId: attach ? vm.vmId : other.id,
      });
    });
    expect(build(true)).toThrow(/\[GoldenImage:ResourceOnBuildVm\] azurerm_virtual_machine_extension\.Agent is attached to a GoldenVm's build VM\..*Fix: run that work as a setup step/);
    expect(build(false)).not.toThrow();
  });
});

describe('GoldenImageChecks: Azure Compute Gallery and Trusted Launch', () => {
  describe('a gallery image version captured from a VM', () => {
    test.each([
      ['a Trusted Launch VM into a Standard definition', TRUSTED_LAUNCH, 'Standard',
        /\[GoldenImage:TrustedLaunchVmToNonTrustedLaunchDefinition\] gallery image version azurerm_shared_image_version\.Version is captured from azurerm_windows_virtual_machine\.Vm, a Trusted Launch VM \(Secure Boot or vTPM enabled\), into azurerm_shared_image\.Definition, a Standard definition\..*Fix: /],
      ['a Trusted Launch VM into a TrustedLaunchSupported definition', { vtpmEnabled: true }, 'TrustedLaunchSupported',
        /\[GoldenImage:TrustedLaunchVmToNonTrustedLaunchDefinition\] .* into azurerm_shared_image\.Definition, a TrustedLaunchSupported definition\./],
      ['a Standard VM into a TrustedLaunch definition', {}, 'TrustedLaunch',
        /\[GoldenImage:StandardVmToTrustedLaunchDefinition\] gallery image version azurerm_shared_image_version\.Version is captured from azurerm_windows_virtual_machine\.Vm, a Standard VM .* into azurerm_shared_image\.Definition, a TrustedLaunch definition\..*Fix: /],
    ])('fails synthesis for %s', (_, security, securityType, message) => {
      expect(checkedStack((stack) => version(stack, definition(stack, securityType as SecurityType, 'V2'), rawVm(stack, security).id))).toThrow(message);
    });

    test.each([
      ['a Trusted Launch VM into a TrustedLaunch definition', TRUSTED_LAUNCH, 'TrustedLaunch'],
      ['a Standard Gen2 VM into a Standard definition', {}, 'Standard'],
      ['a Standard Gen2 VM into a TrustedLaunchSupported definition', {}, 'TrustedLaunchSupported'],
    ])('accepts %s', (_, security, securityType) => {
      expect(checkedStack((stack) => version(stack, definition(stack, securityType as SecurityType, 'V2'), rawVm(stack, security).id))).not.toThrow();
    });

    test.each([
      ['a Gen2 VM into a V1 definition (the default)', '2022-datacenter-core-g2', undefined,
        /\[GoldenImage:HyperVGenerationMismatch\] gallery image version azurerm_shared_image_version\.Version is captured from azurerm_windows_virtual_machine\.Vm, which runs the Gen2 SKU '2022-datacenter-core-g2', into azurerm_shared_image\.Definition, whose hyper_v_generation is 'V1'\..*Fix: set hyper_v_generation = 'V2' on the definition/],
      ['a Gen1 VM into a V2 definition', '2022-datacenter-core', 'V2', /\[GoldenImage:HyperVGenerationMismatch\] .* runs the Gen1 SKU '2022-datacenter-core', .* whose hyper_v_generation is 'V2'/],
    ])('fails synthesis for %s', (_, sku, generation, message) => {
      expect(checkedStack((stack) => version(stack, definition(stack, 'Standard', generation), rawVm(stack, { sku }).id))).toThrow(message);
    });

    test('fails synthesis for a generation mismatch with the image the source VM was created from', () => {
      const build = (definitionGeneration: string) => checkedStack((stack) => {
        const image = new Image(stack, 'Image', { ...PLACEMENT, name: 'img', hyperVGeneration: 'V2', osDisk: { osType: 'Windows', osState: 'Generalized', storageType: 'Standard_LRS' } });
        version(stack, definition(stack, 'Standard', definitionGeneration), rawVm(stack, { sourceImageId: image.id }).id);
      });
      expect(build('V1')).toThrow(/\[GoldenImage:HyperVGenerationMismatch\] .* azurerm_windows_virtual_machine\.Vm, which was created from managed image azurerm_image\.Image \(V2\), into azurerm_shared_image\.Definition, whose hyper_v_generation is 'V1'/);
      expect(build('V2')).not.toThrow();
    });
  });

  describe('a TrustedLaunch or TrustedLaunchSupported definition', () => {
    test.each([
      ['TrustedLaunch', undefined, /\[GoldenImage:TrustedLaunchDefinitionNotGen2\] gallery image definition azurerm_shared_image\.Definition is TrustedLaunch but hyper_v_generation is 'V1' \(the default\)\..*Fix: set hyper_v_generation = 'V2'/],
      ['TrustedLaunchSupported', 'V1', /\[GoldenImage:TrustedLaunchDefinitionNotGen2\] gallery image definition azurerm_shared_image\.Definition is TrustedLaunchSupported but hyper_v_generation is 'V1'\. /],
    ])('fails synthesis when %s is Gen1 (hyper_v_generation %s)', (securityType, generation, message) => {
      expect(checkedStack((stack) => definition(stack, securityType as SecurityType, generation))).toThrow(message);
    });

    test.each([
      ['a TrustedLaunch V2 definition', 'TrustedLaunch', 'V2'],
      ['a TrustedLaunchSupported V2 definition', 'TrustedLaunchSupported', 'V2'],
      ['a Standard V1 definition', 'Standard', undefined],
    ])('accepts %s', (_, securityType, generation) => {
      expect(checkedStack((stack) => definition(stack, securityType as SecurityType, generation))).not.toThrow();
    });
  });

  describe('a VM or scale set created from an image of this stack', () => {
    const TRUSTED_LAUNCH_KINDS = COMPUTE_KINDS.filter((kind) => kind !== 'azurerm_orchestrated_virtual_machine_scale_set');

    test.each(TRUSTED_LAUNCH_KINDS)('fails synthesis for a Trusted Launch %s from a managed image', (kind) => {
      expect(checkedStack((stack) => {
        const image = new Image(stack, 'Image', { ...PLACEMENT, name: 'img', hyperVGeneration: 'V2', osDisk: { osType: 'Windows', osState: 'Generalized', storageType: 'Standard_LRS' } });
        fleet(stack, kind, image.id, true);
      })).toThrow(new RegExp(`\\[GoldenImage:TrustedLaunchVmFromManagedImage\\] ${kind}\\.Fleet is a Trusted Launch VM \\(Secure Boot or vTPM enabled\\), `
        + 'but its source_image_id is managed image azurerm_image\\.Image\\. Managed images are always the Standard security type.*Fix: '));
    });

    test.each([
      ['the latest version of a Standard definition', 'Standard', true, false,
        /\[GoldenImage:TrustedLaunchVmFromStandardImage\] azurerm_windows_virtual_machine\.Fleet is a Trusted Launch VM .* its source_image_id is gallery image definition azurerm_shared_image\.Definition, of the Standard security type\..*Fix: /],
      ['a version of a Standard definition', 'Standard', true, true,
        /\[GoldenImage:TrustedLaunchVmFromStandardImage\] .* gallery image version azurerm_shared_image_version\.Version \(definition azurerm_shared_image\.Definition\), of the Standard security type/],
      ['the latest version of a TrustedLaunch definition', 'TrustedLaunch', false, false,
        /\[GoldenImage:StandardVmFromTrustedLaunchImage\] azurerm_windows_virtual_machine\.Fleet has the Standard security type \(neither Secure Boot nor vTPM enabled\), but its source_image_id is gallery image definition azurerm_shared_image\.Definition, of the TrustedLaunch security type\..*Fix: set secure_boot_enabled = true and vtpm_enabled = true/],
      ['a version of a TrustedLaunch definition', 'TrustedLaunch', false, true,
        /\[GoldenImage:StandardVmFromTrustedLaunchImage\] .* gallery image version azurerm_shared_image_version\.Version \(definition azurerm_shared_image\.Definition\), of the TrustedLaunch security type/],
    ])('fails synthesis for a VM of the wrong security type from %s', (_, securityType, trustedLaunch, fromVersion, message) => {
      expect(checkedStack((stack) => {
        const image = definition(stack, securityType as SecurityType, 'V2');
        fleet(stack, 'azurerm_windows_virtual_machine', fromVersion ? version(stack, image, '/subscriptions/s/images/other').id : image.id, trustedLaunch as boolean);
      })).toThrow(message);
    });

    test('fails synthesis for an orchestrated scale set from a TrustedLaunch definition, which azurerm cannot make Trusted Launch', () => {
      expect(checkedStack((stack) => fleet(stack, 'azurerm_orchestrated_virtual_machine_scale_set', definition(stack, 'TrustedLaunch', 'V2').id, false)))
        .toThrow(/\[GoldenImage:StandardVmFromTrustedLaunchImage\] azurerm_orchestrated_virtual_machine_scale_set\.Fleet has the Standard security type.*Fix: publish into a TrustedLaunchSupported definition.* or use a Uniform scale set/);
    });

    test.each([
      ...COMPUTE_KINDS.map((kind) => [`a Standard ${kind} from a TrustedLaunchSupported definition`, kind, 'TrustedLaunchSupported', false] as const),
      ...TRUSTED_LAUNCH_KINDS.map((kind) => [`a Trusted Launch ${kind} from a TrustedLaunchSupported definition`, kind, 'TrustedLaunchSupported', true] as const),
      ...TRUSTED_LAUNCH_KINDS.map((kind) => [`a Trusted Launch ${kind} from a TrustedLaunch definition`, kind, 'TrustedLaunch', true] as const),
      ...COMPUTE_KINDS.map((kind) => [`a Standard ${kind} from a Standard definition`, kind, 'Standard', false] as const),
    ])('accepts %s, latest or a version', (_, kind, securityType, trustedLaunch) => {
      expect(checkedStack((stack) => fleet(stack, kind, definition(stack, securityType, 'V2').id, trustedLaunch))).not.toThrow();
      expect(checkedStack((stack) => fleet(stack, kind, version(stack, definition(stack, securityType, 'V2'), '/subscriptions/s/images/other').id, trustedLaunch)))
        .not.toThrow();
    });

    test('accepts a Standard VM from a managed image', () => {
      expect(checkedStack((stack) => {
        const image = new Image(stack, 'Image', { ...PLACEMENT, name: 'img', hyperVGeneration: 'V2', osDisk: { osType: 'Windows', osState: 'Generalized', storageType: 'Standard_LRS' } });
        fleet(stack, 'azurerm_windows_virtual_machine_scale_set', image.id, false);
      })).not.toThrow();
    });
  });

  describe('a VM or scale set created from this library\'s operator steps', () => {
    test.each([
      ['a Standard VM from a TrustedLaunch gallery step\'s version_id', 'TrustedLaunch', 'output.version_id', false,
        /\[GoldenImage:StandardVmFromTrustedLaunchImage\] azurerm_linux_virtual_machine_scale_set\.Fleet has the Standard security type .* its source_image_id is the gallery image version of terraform_data\.Step, of the TrustedLaunch security type\./],
      ['a Trusted Launch VM from a Standard gallery step\'s gallery_image_id', 'Standard', 'output.gallery_image_id', true,
        /\[GoldenImage:TrustedLaunchVmFromStandardImage\] azurerm_linux_virtual_machine_scale_set\.Fleet is a Trusted Launch VM .* the gallery image version of terraform_data\.Step, of the Standard security type\./],
    ])('fails synthesis for %s', (_, securityType, attribute, trustedLaunch, message) => {
      expect(checkedStack((stack) => fleet(stack, 'azurerm_linux_virtual_machine_scale_set', galleryStep(stack, securityType).getStringAttribute(attribute), trustedLaunch)))
        .toThrow(message);
    });

    test('fails synthesis for a Trusted Launch VM from the managed image capture step', () => {
      expect(checkedStack((stack) => fleet(stack, 'azurerm_windows_virtual_machine', captureStep(stack).getStringAttribute('output.image_id'), true)))
        .toThrow(/\[GoldenImage:TrustedLaunchVmFromManagedImage\] azurerm_windows_virtual_machine\.Fleet is a Trusted Launch VM .* its source_image_id is the managed image of terraform_data\.Step\. /);
    });

    test.each([
      ['a Standard VM from a TrustedLaunchSupported step', 'TrustedLaunchSupported', false],
      ['a Trusted Launch VM from a TrustedLaunchSupported step', 'TrustedLaunchSupported', true],
      ['a Trusted Launch VM from a TrustedLaunch step', 'TrustedLaunch', true],
      ['a Standard VM from a Standard step', 'Standard', false],
    ])('accepts %s', (_, securityType, trustedLaunch) => {
      for (const attribute of ['output.version_id', 'output.gallery_image_id']) {
        expect(checkedStack((stack) => fleet(stack, 'azurerm_windows_virtual_machine', galleryStep(stack, securityType).getStringAttribute(attribute), trustedLaunch)))
          .not.toThrow();
      }
    });

    test('accepts a Standard VM from the managed image capture step', () => {
      expect(checkedStack((stack) => fleet(stack, 'azurerm_windows_virtual_machine', captureStep(stack).getStringAttribute('output.image_id'), false))).not.toThrow();
    });
  });

  describe('reports nothing it cannot follow', () => {
    // Each case builds the same stack twice: once with everything known (fails), once with one value the checks cannot
    // follow (a variable, a literal name instead of a reference, a step of another kind), which they must leave alone.
    test.each([
      ['the VM\'s Secure Boot flag', (stack: TerraformStack, known: boolean) => {
        const secureBootEnabled = known ? false : new TerraformVariable(stack, 'secure_boot', { type: 'bool' }).booleanValue;
        new WindowsVirtualMachine(stack, 'Fleet', {
          ...PLACEMENT,
          name: 'web',
          size: 'Standard_D2s_v5',
          adminUsername: 'a',
          adminPassword: '${var.password}',
          networkInterfaceIds: ['nic'],
          osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
          secureBootEnabled,
          sourceImageId: definition(stack, 'TrustedLaunch', 'V2').id,
        });
      }],
      ...(['trustedLaunchEnabled', 'trustedLaunchSupported'] as const).map((flag) => [`the definition's ${flag}`, (stack: TerraformStack, known: boolean) => {
        const image = new SharedImage(stack, 'Definition', {
          ...PLACEMENT,
          name: 'web',
          galleryName: 'gallery',
          osType: 'Windows',
          identifier: { publisher: 'p', offer: 'o', sku: 's' },
          hyperVGeneration: 'V2',
          [flag]: known ? false : new TerraformVariable(stack, flag, { type: 'bool' }).booleanValue,
        });
        fleet(stack, 'azurerm_windows_virtual_machine', image.id, true);
      }] as [string, (stack: TerraformStack, known: boolean) => void]),
      ['the VM\'s source_image_id', (stack: TerraformStack, known: boolean) => {
        const image = definition(stack, 'TrustedLaunch', 'V2');
        fleet(stack, 'azurerm_windows_virtual_machine', known ? image.id : new TerraformVariable(stack, 'image_id', { type: 'string' }).stringValue, false);
      }],
      ['the version\'s image_name', (stack: TerraformStack, known: boolean) => {
        const image = definition(stack, 'Standard', 'V2');
        const captured = version(stack, image, rawVm(stack, TRUSTED_LAUNCH).id);
        if (!known) {
          captured.imageName = 'web';
        }
      }],
      ['the definition\'s hyper_v_generation', (stack: TerraformStack, known: boolean) => {
        definition(stack, 'TrustedLaunch', known ? 'V1' : new TerraformVariable(stack, 'generation', { type: 'string' }).stringValue);
      }],
      ['the managed image\'s hyper_v_generation', (stack: TerraformStack, known: boolean) => {
        rawImage(stack, rawVm(stack), known ? 'V1' : new TerraformVariable(stack, 'generation', { type: 'string' }).stringValue);
      }],
      ['the source VM\'s marketplace SKU', (stack: TerraformStack, known: boolean) => {
        rawImage(stack, rawVm(stack, { sku: known ? '2022-datacenter-core' : new TerraformVariable(stack, 'sku', { type: 'string' }).stringValue }), 'V2');
      }],
      ['the gallery step\'s security_type', (stack: TerraformStack, known: boolean) => {
        const security = known ? 'TrustedLaunch' : new TerraformVariable(stack, 'security_type', { type: 'string' }).stringValue;
        fleet(stack, 'azurerm_windows_virtual_machine', galleryStep(stack, security).getStringAttribute('output.version_id'), false);
      }],
      ['the step\'s kind', (stack: TerraformStack, known: boolean) => {
        const kind = known ? 'gallery_image_version' : 'something_else';
        const other = step(stack, { kind, version_id: 'v', security_type: 'TrustedLaunch', hyper_v_generation: 'V2' });
        fleet(stack, 'azurerm_windows_virtual_machine', other.getStringAttribute('output.version_id'), false);
      }],
      ['a step with an image_id that says it is something else', (stack: TerraformStack, known: boolean) => {
        const other = step(stack, { ...(known ? {} : { kind: 'something_else' }), image_id: 'i', hyper_v_generation: 'V2' });
        fleet(stack, 'azurerm_windows_virtual_machine', other.getStringAttribute('output.image_id'), true);
      }],
    ])('%s', (_, build) => {
      expect(checkedStack((stack) => build(stack, true))).toThrow(/\[GoldenImage:/);
      expect(checkedStack((stack) => build(stack, false))).not.toThrow();
    });
  });
});

describe('GoldenImageChecks.applyTo', () => {
  function openRdp(stack: TerraformStack): void {
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new NetworkSecurityGroup(stack, 'Nsg', {
      ...PLACEMENT,
      name: 'nsg',
      securityRule: [{ name: 'rdp', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '3389', sourceAddressPrefix: '*', destinationAddressPrefix: '*' }],
    });
  }
  const OPEN_RDP = /\[GoldenImage:ManagementPortOpen\] NSG rule 'rdp' allows RDP \(3389\)/;

  function checks(stack: TerraformStack): number {
    return Aspects.of(stack).all.filter((a) => a instanceof GoldenImageChecks).length;
  }

  test('cdktf never runs an aspect added to the App (the form the README used to show)', () => {
    const app = Testing.app();
    openRdp(new TerraformStack(app, 'web'));
    Aspects.of(app).add(new GoldenImageChecks());
    expect(() => app.synth()).not.toThrow();
  });

  test.each([
    ['created before the call', true],
    ['created after the call', false],
  ])('on an App, fails app.synth() for a stack %s', (_, before) => {
    const app = Testing.app();
    if (before) {
      openRdp(new TerraformStack(app, 'web'));
      GoldenImageChecks.applyTo(app);
    } else {
      GoldenImageChecks.applyTo(app);
      openRdp(new TerraformStack(app, 'web'));
    }
    expect(() => app.synth()).toThrow(OPEN_RDP);
  });

  test('on an App, checks every stack: the clean one synthesizes, the open one fails', () => {
    const app = Testing.app();
    GoldenImageChecks.applyTo(app);
    const clean = new TerraformStack(app, 'clean');
    new AzurermProvider(clean, 'azurerm', { features: [{}] });
    const open = new TerraformStack(app, 'open');
    openRdp(open);
    expect(() => app.synth()).toThrow(/\[open\/Nsg\] \[GoldenImage:ManagementPortOpen\]/);
    expect([checks(clean), checks(open)]).toEqual([1, 1]);
  });

  test('on a stack or a construct in it, checks that stack only, and Testing.synth sees it', () => {
    const app = Testing.app();
    const checked = new TerraformStack(app, 'checked');
    openRdp(checked);
    const other = new TerraformStack(app, 'other');
    openRdp(other);
    GoldenImageChecks.applyTo(checked.node.findChild('Nsg'));
    expect(() => Testing.fullSynth(checked)).toThrow(OPEN_RDP);
    expect(() => Testing.fullSynth(other)).not.toThrow();
    expect([checks(checked), checks(other)]).toEqual([1, 0]);
  });

  test('adds the checks to a stack once, however often it is called', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'web');
    openRdp(stack);
    GoldenImageChecks.applyTo(app);
    GoldenImageChecks.applyTo(app);
    GoldenImageChecks.applyTo(stack);
    expect(checks(stack)).toBe(1);
    let errors = 0;
    try {
      app.synth();
    } catch (e: any) {
      errors = (String(e.message).match(/ManagementPortOpen/g) ?? []).length;
    }
    expect(errors).toBe(1);
  });

  test('reports each finding once with applyTo(app) and a per-stack aspect of its own, in either order', () => {
    for (const applyFirst of [true, false]) {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'web');
      openRdp(stack);
      new GoldenVm(stack, 'BuildVm', goldenVmProps({ publicIp: true }));
      if (applyFirst) {
        GoldenImageChecks.applyTo(app);
      }
      Aspects.of(stack).add(new GoldenImageChecks());
      if (!applyFirst) {
        GoldenImageChecks.applyTo(app);
      }
      expect(checks(stack)).toBe(applyFirst ? 2 : 1);
      let message = '';
      try {
        app.synth();
      } catch (e: any) {
        message = String(e.message);
      }
      expect((message.match(/ManagementPortOpen/g) ?? []).length).toBe(1);
      const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => String(m.data).includes('BuildVmPublicIp'));
      expect(warnings).toHaveLength(1);
    }
  });
});
