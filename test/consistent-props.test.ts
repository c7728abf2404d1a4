/**
 * The rules every construct shares, one table each: where a construct's resources go (`resourceGroupName` +
 * `createResourceGroup`) and which management ports a source range opens (`managementSourceRange` +
 * `managementPorts`, RDP alone by default; GoldenVm's deprecated `rdpSourceRange`), for every construct with them; and
 * the props GoldenVm, ImageFleet and ImageScaleSet share declared once, in lib/common-props.ts.
 */
import { TerraformStack } from 'cdktf';
import {
  GeneralizedImage, GoldenVm, GoldenVmProps, HyperVGeneration, ImageCopy, ImageFleet, ImageScaleSet, ManagedImage, ManagementPort,
} from '../lib';
import { goldenVmProps, warningsOf } from './util/constructs';
import { readDeclarations } from './util/interfaces';
import { onlyResource, resourcesOf, synthStack } from './util/synth';

const IMAGE_ID = '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-golden/providers/Microsoft.Compute/images/img-golden';

interface GroupProps {
  readonly resourceGroupName?: string;
  readonly createResourceGroup?: boolean;
}

function buildVm(stack: TerraformStack, props: Partial<GoldenVmProps> = {}): GoldenVm {
  return new GoldenVm(stack, 'BuildVm', goldenVmProps(props));
}

function sourceImage(stack: TerraformStack) {
  return ManagedImage.fromImageId(stack, 'Source', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
}

/** Each construct that places resources, with the group it creates when given no name, and its resource group prop's holder. */
const CONSTRUCTS: Array<[string, string, (stack: TerraformStack, props: GroupProps) => void, (parsed: any) => string[]]> = [
  ['GoldenVm', 'rg-vm-golden', (stack, props) => buildVm(stack, props),
    (parsed) => [onlyResource(parsed, 'azurerm_windows_virtual_machine').resource_group_name]],
  ['ImageCopy', 'rg-img-golden', (stack, props) => new ImageCopy(stack, 'Copy', { source: sourceImage(stack), ...props }),
    (parsed) => Object.values<any>(resourcesOf(parsed, 'azurerm_image')).map((i) => i.resource_group_name)],
  ['ImageFleet', 'rg-web', (stack, props) => new ImageFleet(stack, 'Fleet', { image: sourceImage(stack), count: 2, namePrefix: 'web', ...props }),
    (parsed) => [onlyResource(parsed, 'azurerm_windows_virtual_machine').resource_group_name]],
  ['ImageScaleSet', 'rg-web', (stack, props) => new ImageScaleSet(stack, 'Web', { image: sourceImage(stack), count: 2, namePrefix: 'web', ...props }),
    (parsed) => ['azurerm_windows_virtual_machine_scale_set', 'azurerm_lb', 'azurerm_public_ip', 'azurerm_network_security_group']
      .map((type) => onlyResource(parsed, type).resource_group_name)],
];

function groupsOf(parsed: any): any[] {
  return Object.values(resourcesOf(parsed, 'azurerm_resource_group'));
}

describe('one resource group rule for every construct', () => {
  describe.each(CONSTRUCTS)('%s', (_, createdName, make, placedIn) => {
    test(`creates '${createdName}' when given no name, and places its resources in it`, () => {
      const { parsed } = synthStack((stack) => make(stack, {}));
      expect(groupsOf(parsed)).toEqual([expect.objectContaining({ name: createdName, location: 'westeurope' })]);
      const groupAddress = `azurerm_resource_group.${Object.keys(resourcesOf(parsed, 'azurerm_resource_group'))[0]}`;
      expect(new Set(placedIn(parsed))).toEqual(new Set([`\${${groupAddress}.name}`]));
    });

    test('uses an existing group by name, creating nothing', () => {
      const { parsed } = synthStack((stack) => make(stack, { resourceGroupName: 'rg-existing' }));
      expect(groupsOf(parsed)).toEqual([]);
      expect(new Set(placedIn(parsed))).toEqual(new Set(['rg-existing']));
    });

    test('creates the named group with createResourceGroup: true', () => {
      const { parsed } = synthStack((stack) => make(stack, { resourceGroupName: 'rg-named', createResourceGroup: true }));
      expect(groupsOf(parsed)).toEqual([expect.objectContaining({ name: 'rg-named' })]);
    });

    test('refuses createResourceGroup: false without a name, and an invalid name', () => {
      expect(() => synthStack((stack) => make(stack, { createResourceGroup: false })))
        .toThrow(/createResourceGroup: false asks for an existing resource group, but resourceGroupName does not name one\. Fix: give resourceGroupName/);
      expect(() => synthStack((stack) => make(stack, { resourceGroupName: 'rg-ends-with-a-period.' })))
        .toThrow(/resourceGroupName: 'rg-ends-with-a-period\.' is not a valid resource group name/);
    });
  });

  describe('GeneralizedImage', () => {
    function images(props: GroupProps) {
      return synthStack((stack) => new GeneralizedImage(stack, 'Image', { vm: buildVm(stack, { resourceGroupName: 'rg-build' }), ...props })).parsed;
    }
    const lineGroup = (parsed: any) => Object.values<any>(resourcesOf(parsed, 'terraform_data'))
      .filter((d) => d.input?.image_line !== undefined).map((d) => d.input.resource_group_name);

    test("uses the build VM's group when given no name", () => {
      const parsed = images({});
      expect(groupsOf(parsed)).toEqual([]);
      expect(new Set(lineGroup(parsed))).toEqual(new Set(['rg-build']));
    });

    test('uses an existing group by name, or creates it', () => {
      expect(new Set(lineGroup(images({ resourceGroupName: 'rg-images' })))).toEqual(new Set(['rg-images']));
      const created = images({ createResourceGroup: true });
      expect(groupsOf(created)).toEqual([expect.objectContaining({ name: 'rg-img-vm-golden', location: 'westeurope' })]);
      expect(lineGroup(created)).toEqual([`\${azurerm_resource_group.${Object.keys(resourcesOf(created, 'azurerm_resource_group'))[0]}.name}`]);
    });
  });
});

describe('one management access rule for GoldenVm, ImageFleet and ImageScaleSet', () => {
  const MAKERS: Array<[string, (stack: TerraformStack, props: Record<string, unknown>) => unknown]> = [
    ['GoldenVm', (stack, props) => buildVm(stack, props)],
    ['ImageFleet', (stack, props) => new ImageFleet(stack, 'Fleet', { image: sourceImage(stack), count: 1, namePrefix: 'web', ...props })],
    ['ImageScaleSet', (stack, props) => new ImageScaleSet(stack, 'Web', { image: sourceImage(stack), count: 1, namePrefix: 'web', ...props })],
  ];
  function managementRule(parsed: any): any {
    return onlyResource(parsed, 'azurerm_network_security_group').security_rule.find((r: any) => r.name === 'allow-management-from-source-range');
  }

  describe.each(MAKERS)('%s', (_, make) => {
    test.each([
      ['nothing without a range', {}, undefined],
      ['RDP alone by default', { managementSourceRange: '203.0.113.7/32' }, ['3389']],
      ['WinRM over HTTPS beside RDP', { managementSourceRange: '203.0.113.7/32', managementPorts: [ManagementPort.RDP, ManagementPort.WINRM_HTTPS] }, ['3389', '5986']],
      ['every port, plain-HTTP WinRM included', { managementSourceRange: '203.0.113.0/24', managementPorts: [ManagementPort.WINRM_HTTP, ManagementPort.WINRM_HTTPS, ManagementPort.RDP] }, ['3389', '5985', '5986']],
    ])('opens %s', (__, props, ports) => {
      const rule = managementRule(synthStack((stack) => make(stack, props)).parsed);
      if (ports === undefined) {
        expect(rule).toBeUndefined();
      } else {
        expect(rule).toMatchObject({ direction: 'Inbound', access: 'Allow', protocol: 'Tcp', destination_port_ranges: ports, source_address_prefix: props.managementSourceRange });
      }
    });

    test.each([
      ['the whole Internet', { managementSourceRange: '0.0.0.0/0' }, /managementSourceRange: '0\.0\.0\.0\/0' opens the management ports to the whole Internet\. Fix: give the range of your own network/],
      ['the Internet tag', { managementSourceRange: 'Internet' }, /managementSourceRange: 'Internet' opens the management ports to the whole Internet/],
      ['not a CIDR', { managementSourceRange: '203.0.113.7' }, /managementSourceRange: '203\.0\.113\.7' is not an IPv4 CIDR with zero host bits/],
      ['no port', { managementSourceRange: '203.0.113.7/32', managementPorts: [] }, /managementPorts: \[\] lists no port\. Fix: list at least one/],
      ['a port twice', { managementSourceRange: '203.0.113.7/32', managementPorts: [ManagementPort.RDP, ManagementPort.RDP] }, /managementPorts: \["Rdp","Rdp"\] lists Rdp more than once/],
      ['an unknown port', { managementSourceRange: '203.0.113.7/32', managementPorts: ['22'] }, /managementPorts: \["22"\] holds '22', not a ManagementPort/],
      ['ports without a range', { managementPorts: [ManagementPort.RDP] }, /managementPorts: \["Rdp"\] opens nothing without managementSourceRange\. Fix: give managementSourceRange too/],
    ])('refuses %s', (__, props, message) => {
      expect(() => synthStack((stack) => make(stack, props))).toThrow(message);
    });
  });

  describe("GoldenVm's deprecated rdpSourceRange", () => {
    test('still opens RDP alone, with a deprecation warning', () => {
      let vm: GoldenVm | undefined;
      const { parsed } = synthStack((stack) => {
        vm = buildVm(stack, { rdpSourceRange: '203.0.113.7/32' });
      });
      expect(managementRule(parsed)).toMatchObject({ destination_port_ranges: ['3389'], source_address_prefix: '203.0.113.7/32' });
      expect(warningsOf(vm!)).toEqual([expect.stringMatching(/^rdpSourceRange is deprecated: use managementSourceRange/)]);
    });

    test('refuses it beside managementSourceRange, and checks it like managementSourceRange', () => {
      expect(() => synthStack((stack) => buildVm(stack, { rdpSourceRange: '203.0.113.7/32', managementSourceRange: '198.51.100.0/24' })))
        .toThrow(/rdpSourceRange: '203\.0\.113\.7\/32' is the deprecated name of managementSourceRange, which is given too \('198\.51\.100\.0\/24'\)\. Fix: remove rdpSourceRange/);
      expect(() => synthStack((stack) => buildVm(stack, { rdpSourceRange: '0.0.0.0/0' })))
        .toThrow(/rdpSourceRange: '0\.0\.0\.0\/0' opens the management ports to the whole Internet/);
    });
  });
});

describe('the props GoldenVm, ImageFleet and ImageScaleSet share are declared once (lib/common-props.ts)', () => {
  const declarations = readDeclarations();
  /** The members an interface declares itself, not those it inherits. */
  const own = (name: string): string[] => {
    const inherited = new Set((declarations.ancestors.get(name) ?? []).flatMap((base) => declarations.interfaces.get(base)!.map((m) => m.name)));
    return declarations.interfaces.get(name)!.map((m) => m.name).filter((member) => !inherited.has(member));
  };
  const both = (a: string[], b: string[]) => a.filter((member) => b.includes(member)).sort();

  test('each props interface extends the shared ones', () => {
    expect(declarations.ancestors.get('GoldenVmProps')).toContain('CommonVmProps');
    expect(declarations.ancestors.get('ImageFleetProps')).toEqual(expect.arrayContaining(['CommonFleetProps', 'CommonVmProps']));
    expect(declarations.ancestors.get('ImageScaleSetProps')).toEqual(expect.arrayContaining(['CommonFleetProps', 'CommonVmProps']));
  });

  test('no props interface declares again a member it inherits', () => {
    const again = [...declarations.interfaces].flatMap(([name, members]) => members.map((m) => m.name)
      .filter((member, i, names) => names.indexOf(member) !== i).map((member) => `${name}.${member}`));
    expect(again).toEqual([]);
  });

  test('no member is declared again by all three', () => {
    expect(both(both(own('GoldenVmProps'), own('ImageFleetProps')), own('ImageScaleSetProps'))).toEqual([]);
  });

  test('the two fleets declare apart only the members whose ranges or meanings differ', () => {
    // count (9999 VMs; 1000 or 600 instances), namePrefix (11 or 9 characters, other names), appPort (65535 or 65534),
    // verifyTimeoutMinutes (1-60 or 5-480), outputPrefix (other outputs). Anything else both take belongs in CommonFleetProps.
    expect(both(own('ImageFleetProps'), own('ImageScaleSetProps'))).toEqual(['appPort', 'count', 'namePrefix', 'outputPrefix', 'verifyTimeoutMinutes']);
  });
});
