import { Image } from '@cdktf/provider-azurerm/lib/image';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { VirtualMachineExtension } from '@cdktf/provider-azurerm/lib/virtual-machine-extension';
import { WindowsVirtualMachine } from '@cdktf/provider-azurerm/lib/windows-virtual-machine';
import { Aspects, Testing, TerraformStack } from 'cdktf';
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

function rawVm(stack: TerraformStack, overrides: { sku?: string; secureBootEnabled?: boolean; vtpmEnabled?: boolean } = {}): WindowsVirtualMachine {
  return new WindowsVirtualMachine(stack, 'Vm', {
    ...PLACEMENT,
    name: 'vm',
    size: 'Standard_D2s_v5',
    adminUsername: 'goldenadmin',
    adminPassword: '${var.password}',
    networkInterfaceIds: ['nic'],
    osDisk: { caching: 'ReadWrite', storageAccountType: 'StandardSSD_LRS' },
    sourceImageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: overrides.sku ?? '2022-datacenter-core-g2', version: 'latest' },
    secureBootEnabled: overrides.secureBootEnabled,
    vtpmEnabled: overrides.vtpmEnabled,
  });
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
});
