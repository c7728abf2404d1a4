import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, Aspects, TerraformOutput, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import { GoldenImageChecks, HyperVGeneration, IImage, ImageCopy, ImageFleet, ImageFleetProps, ManagedImage, OsType } from '../lib';
import { addressOf, onlyResource, resourcesOf, synthStack } from './util/synth';
import { evaluate, hasTerraform } from './util/terraform';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
const FOR_EACH_TYPES = ['azurerm_windows_virtual_machine', 'azurerm_network_interface', 'azurerm_public_ip', 'azurerm_network_interface_security_group_association'];

type FleetOverrides = Partial<Omit<ImageFleetProps, 'image'>> & { imageOsType?: OsType };

function importImage(stack: TerraformStack, osType: OsType = OsType.WINDOWS): IImage {
  return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osType });
}

function synthFleet(overrides: FleetOverrides = {}) {
  let fleet: ImageFleet | undefined;
  const { imageOsType, ...props } = overrides;
  const result = synthStack((stack) => {
    fleet = new ImageFleet(stack, 'Fleet', { image: importImage(stack, imageOsType), count: 3, resourceGroupName: 'rg-app', namePrefix: 'web', ...props });
  });
  return { ...result, fleet: fleet! };
}

function ref(parsed: any, type: string, attribute: string): string {
  return `\${${addressOf(parsed, type)}.${attribute}}`;
}

function sameKey(parsed: any, type: string, attribute: string): string {
  return `\${${addressOf(parsed, type)}[each.key].${attribute}}`;
}

function onlyLocal(parsed: any): [string, string] {
  const entries = Object.entries(parsed.locals ?? {});
  expect(entries).toHaveLength(1);
  return entries[0] as [string, string];
}

/** An output's value expression, found by the output's construct id (its name ends with a hash). */
function outputValue(parsed: any, id: string): string {
  const names = Object.keys(parsed.output ?? {}).filter((n) => n.startsWith(`Fleet_${id}_`));
  expect(names).toHaveLength(1);
  return parsed.output[names[0]].value;
}

describe('ImageFleet', () => {
  test('creates the VMs from the image as one for_each block keyed by instance name', () => {
    // WHEN
    const { parsed, fleet } = synthFleet();
    // THEN
    const [localName, instances] = onlyLocal(parsed);
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm).toMatchObject({
      for_each: `\${local.${localName}}`,
      name: '${each.key}',
      computer_name: '${each.key}',
      resource_group_name: 'rg-app',
      location: 'westeurope',
      size: 'Standard_D2s_v5',
      source_image_id: IMAGE_ID,
      admin_username: 'fleetadmin',
      admin_password: ref(parsed, 'random_password', 'result'),
      network_interface_ids: [sameKey(parsed, 'azurerm_network_interface', 'id')],
      os_disk: { caching: 'ReadWrite', storage_account_type: 'StandardSSD_LRS' },
      secure_boot_enabled: false,
      vtpm_enabled: false,
      provision_vm_agent: true,
    });
    expect(vm.depends_on).toBeUndefined();
    expect(instances).toBe('${zipmap(formatlist("%s%03d", "web", range(1, 4, 1)), formatlist("%s%03d", "web", range(1, 4, 1)))}');
    expect(fleet.instanceNames).toEqual(['web001', 'web002', 'web003']);
    for (const type of FOR_EACH_TYPES) {
      expect(onlyResource(parsed, type).for_each).toBe(`\${local.${localName}}`);
    }
  });

  test('gives each VM its own NIC and static Standard public IP, and the NSG to every NIC', () => {
    const { parsed } = synthFleet();
    expect(onlyResource(parsed, 'azurerm_public_ip')).toMatchObject({ name: 'pip-${each.key}', allocation_method: 'Static', sku: 'Standard', location: 'westeurope' });
    expect(onlyResource(parsed, 'azurerm_network_interface')).toMatchObject({
      name: 'nic-${each.key}',
      ip_configuration: [{
        name: 'primary',
        subnet_id: ref(parsed, 'azurerm_subnet', 'id'),
        private_ip_address_allocation: 'Dynamic',
        public_ip_address_id: sameKey(parsed, 'azurerm_public_ip', 'id'),
      }],
    });
    expect(onlyResource(parsed, 'azurerm_network_interface_security_group_association')).toMatchObject({
      network_interface_id: sameKey(parsed, 'azurerm_network_interface', 'id'),
      network_security_group_id: ref(parsed, 'azurerm_network_security_group', 'id'),
    });
    expect(onlyResource(parsed, 'azurerm_virtual_network')).toMatchObject({ name: 'vnet-web', address_space: ['10.0.0.0/16'] });
    expect(onlyResource(parsed, 'azurerm_subnet')).toMatchObject({ name: 'snet-web', address_prefixes: ['10.0.0.0/24'] });
  });

  describe('network security group', () => {
    const appRule = {
      name: 'allow-app-from-internet',
      priority: 100,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      source_port_range: '*',
      destination_port_range: '80',
      source_address_prefix: 'Internet',
      destination_address_prefix: '*',
    };

    test('opens only the app port by default: no RDP, no WinRM', () => {
      const { parsed } = synthFleet();
      const rules = onlyResource(parsed, 'azurerm_network_security_group').security_rule;
      expect(rules).toEqual([expect.objectContaining(appRule)]);
      expect(JSON.stringify(rules)).not.toMatch(/3389|5985|5986/);
    });

    test('opens RDP and WinRM to the management range only', () => {
      const { parsed } = synthFleet({ managementSourceRange: '203.0.113.0/24', appPort: 8080 });
      expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule).toEqual([
        expect.objectContaining({ ...appRule, destination_port_range: '8080' }),
        expect.objectContaining({
          name: 'allow-management-from-source-range',
          priority: 110,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          destination_port_ranges: ['3389', '5985', '5986'],
          source_address_prefix: '203.0.113.0/24',
          destination_address_prefix: '*',
        }),
      ]);
    });
  });

  describe('outputs', () => {
    test('names, private IPs, public IPs and URLs, as maps keyed by instance name', () => {
      const { parsed } = synthFleet();
      const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
      const pip = addressOf(parsed, 'azurerm_public_ip');
      expect(outputValue(parsed, 'InstanceNames')).toBe(`\${[ for key, val in ${vm}: key]}`);
      expect(outputValue(parsed, 'PrivateIpAddresses')).toBe(`\${{ for key, val in ${vm}: key => val.private_ip_address }}`);
      expect(outputValue(parsed, 'PublicIpAddresses')).toBe(`\${{ for key, val in ${pip}: key => val.ip_address }}`);
      expect(outputValue(parsed, 'Urls')).toBe(`\${{ for key, val in ${pip}: key => format("http://%s/", val.ip_address) }}`);
    });

    test('URLs carry a port other than 80, and use private IPs without public IPs', () => {
      const { parsed, fleet } = synthFleet({ publicIp: false, appPort: 8080 });
      const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
      expect(outputValue(parsed, 'Urls')).toBe(`\${{ for key, val in ${vm}: key => format("http://%s:%d/", val.private_ip_address, 8080) }}`);
      expect(Object.keys(parsed.output).filter((n) => n.startsWith('Fleet_PublicIpAddresses'))).toEqual([]);
      expect(resourcesOf(parsed, 'azurerm_public_ip')).toEqual({});
      expect(onlyResource(parsed, 'azurerm_network_interface').ip_configuration[0].public_ip_address_id).toBeUndefined();
      expect(fleet.publicIpAddresses).toBeUndefined();
      expect(fleet.publicIpAddressesOutput).toBeUndefined();
    });

    test('are public attributes too', () => {
      const { parsed } = synthStack((stack) => {
        const fleet = new ImageFleet(stack, 'Fleet', { image: importImage(stack), count: 2, resourceGroupName: 'rg-app', namePrefix: 'web' });
        new TerraformOutput(stack, 'urls', { value: fleet.urls });
        new TerraformOutput(stack, 'private', { value: fleet.privateIpAddresses });
        new TerraformOutput(stack, 'public', { value: fleet.publicIpAddresses });
        new TerraformOutput(stack, 'names', { value: fleet.instanceNames });
      });
      expect(parsed.output.urls.value).toBe(outputValue(parsed, 'Urls'));
      expect(parsed.output.private.value).toBe(outputValue(parsed, 'PrivateIpAddresses'));
      expect(parsed.output.public.value).toBe(outputValue(parsed, 'PublicIpAddresses'));
      expect(parsed.output.names.value).toEqual(['web001', 'web002']);
    });
  });

  (hasTerraform() ? test : test.skip)('real Terraform computes the instance names and evaluates every output and the URL check input', () => {
    // GIVEN the synthesized expressions, with the azurerm resources replaced by stand-ins of their attributes
    const { parsed } = synthFleet({ count: 12, verifyUrls: true, appPort: 8080 });
    const [localName, instances] = onlyLocal(parsed);
    const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
    const pip = addressOf(parsed, 'azurerm_public_ip');
    const names = Array.from({ length: 12 }, (_, i) => `web${String(i + 1).padStart(3, '0')}`);
    const standIns = {
      [localName]: instances,
      fake_vm: Object.fromEntries(names.map((n, i) => [n, { private_ip_address: `10.0.0.${i + 4}` }])),
      fake_pip: Object.fromEntries(names.map((n, i) => [n, { ip_address: `203.0.113.${i + 10}` }])),
    };
    const substitute = (expression: string) => expression.split(vm).join('local.fake_vm').split(pip).join('local.fake_pip');
    const check = onlyResource(parsed, 'terraform_data').provisioner[0]['local-exec'];
    // WHEN
    const values = evaluate(standIns, {
      for_each: `\${local.${localName}}`,
      names: substitute(outputValue(parsed, 'InstanceNames')),
      private: substitute(outputValue(parsed, 'PrivateIpAddresses')),
      public: substitute(outputValue(parsed, 'PublicIpAddresses')),
      urls: substitute(outputValue(parsed, 'Urls')),
      targets: substitute(check.environment.FLEET_TARGETS),
    });
    // THEN
    expect(Object.keys(values.for_each as object)).toEqual(names);
    expect(values.names).toEqual(names);
    expect((values.private as any).web012).toBe('10.0.0.15');
    expect((values.public as any).web001).toBe('203.0.113.10');
    expect((values.urls as any).web002).toBe('http://203.0.113.11:8080/');
    expect(values.targets).toBe(names.map((n, i) => `${n}=http://203.0.113.${i + 10}:8080/`).join(' '));
  });

  test('the JSON does not grow with count', () => {
    // GIVEN the same fleet of 3, 30 and 300 VMs (a /23 subnet holds 507)
    const jsons = [3, 30, 300].map((count) => synthFleet({ count, subnetPrefix: '10.0.0.0/23', verifyUrls: true }).json);
    process.stdout.write(`cdk.tf.json bytes for count 3/30/300: ${jsons.map((j) => j.length).join('/')}\n`);
    // THEN the JSON differs only in the end of the range of instance numbers
    expect(jsons[2].length - jsons[0].length).toBeLessThanOrEqual(4);
    expect(jsons[1].replace(/range\(1, 31, 1\)/g, 'range(1, 4, 1)')).toBe(jsons[0]);
    expect(jsons[2].replace(/range\(1, 301, 1\)/g, 'range(1, 4, 1)')).toBe(jsons[0]);
  });

  test('the URL check runs the shipped script with a constant command and its inputs in the environment only', () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-verify-'));
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = new TerraformStack(app, 'fleet');
      new AzurermProvider(stack, 'azurerm', { features: [{}] });
      new ImageFleet(stack, 'Fleet', { image: importImage(stack), count: 3, resourceGroupName: 'rg-app', namePrefix: 'web', verifyUrls: true, verifyTimeoutMinutes: 5 });
      // WHEN
      app.synth();
      // THEN
      const stackDir = path.join(outdir, 'stacks', 'fleet');
      const parsed = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
      const check = onlyResource(parsed, 'terraform_data');
      const exec = check.provisioner[0]['local-exec'];
      expect(exec.interpreter).toEqual(['bash']);
      expect(exec.command).toMatch(/^\.\/assets\/[\w-]+\/[0-9A-F]+\/verify-fleet\.sh$/);
      expect(exec.command).not.toContain('${');
      expect(fs.readFileSync(path.join(stackDir, exec.command), 'utf8'))
        .toBe(fs.readFileSync(path.join(__dirname, '..', 'lib', 'scripts', 'operator', 'verify-fleet.sh'), 'utf8'));
      const pip = addressOf(parsed, 'azurerm_public_ip');
      expect(exec.environment).toEqual({
        FLEET_TARGETS: `\${join(" ", [ for key, val in ${pip}: format("%s=http://%s/", key, val.ip_address)])}`,
        VERIFY_TIMEOUT_SECONDS: '300',
      });
      expect(check.depends_on).toEqual([addressOf(parsed, 'azurerm_windows_virtual_machine')]);
      expect(check.triggers_replace).toBe(`\${{ for key, val in ${pip}: key => format("http://%s/", val.ip_address) }}`);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('has no URL check unless asked, and warns when it would fetch private IPs', () => {
    expect(resourcesOf(synthFleet().parsed, 'terraform_data')).toEqual({});
    const { fleet } = synthFleet({ verifyUrls: true, publicIp: false });
    expect(fleet.node.metadata.map((m) => m.data)).toEqual([expect.stringMatching(/verifyUrls without publicIp fetches the private IPs/)]);
  });

  test('passes the stack-wide GoldenImageChecks, copy and URL check included', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'checked');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const copy = new ImageCopy(stack, 'Copy', { source: importImage(stack), resourceGroupName: 'rg-app-images', location: 'northeurope' });
    new ImageFleet(stack, 'Fleet', { image: copy, count: 3, resourceGroupName: 'rg-app', namePrefix: 'web', managementSourceRange: '203.0.113.0/24', verifyUrls: true });
    Aspects.of(stack).add(new GoldenImageChecks());
    // WHEN / THEN
    expect(() => Testing.fullSynth(stack)).not.toThrow();
  });

  test('uses a given subnet, VM size, user name and tags', () => {
    const tags = { app: 'web' };
    const { parsed } = synthFleet({
      subnetId: '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/app',
      vmSize: 'Standard_D4s_v5',
      adminUsername: 'webadmin',
      tags,
    });
    expect(resourcesOf(parsed, 'azurerm_virtual_network')).toEqual({});
    expect(resourcesOf(parsed, 'azurerm_subnet')).toEqual({});
    expect(onlyResource(parsed, 'azurerm_network_interface').ip_configuration[0].subnet_id).toMatch(/subnets\/app$/);
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine')).toMatchObject({ size: 'Standard_D4s_v5', admin_username: 'webadmin', tags });
    for (const type of ['azurerm_network_interface', 'azurerm_public_ip', 'azurerm_network_security_group']) {
      expect(onlyResource(parsed, type).tags).toEqual(tags);
    }
  });

  test('waits for everything the image needs', () => {
    const { parsed } = synthStack((stack) => {
      const source = importImage(stack);
      const dependency = new TerraformVariable(stack, 'unused', {});
      const image: IImage = { ...pick(source), imageDependables: [dependency] };
      new ImageFleet(stack, 'Fleet', { image, count: 1, resourceGroupName: 'rg-app', namePrefix: 'web' });
    });
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').depends_on).toEqual(['var.unused']);
  });

  test('accepts tokens for count, names, region, port and password', () => {
    // GIVEN
    let fleet: ImageFleet | undefined;
    const { parsed } = synthStack((stack: TerraformStack) => {
      const count = new TerraformVariable(stack, 'count', { type: 'number' });
      const prefix = new TerraformVariable(stack, 'prefix', { type: 'string' });
      const location = new TerraformVariable(stack, 'region', { type: 'string' });
      const rg = new TerraformVariable(stack, 'rg', { type: 'string' });
      const port = new TerraformVariable(stack, 'port', { type: 'number' });
      const password = new TerraformVariable(stack, 'password', { type: 'string', sensitive: true });
      // WHEN
      fleet = new ImageFleet(stack, 'Fleet', {
        image: importImage(stack),
        count: count.numberValue,
        namePrefix: prefix.stringValue,
        location: location.stringValue,
        resourceGroupName: rg.stringValue,
        appPort: port.numberValue,
        adminPassword: password.stringValue,
        verifyUrls: true,
      });
    });
    // THEN
    const [, instances] = onlyLocal(parsed);
    expect(instances).toBe('${zipmap(formatlist("%s%03d", var.prefix, range(1, (var.count + 1), 1)), formatlist("%s%03d", var.prefix, range(1, (var.count + 1), 1)))}');
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine')).toMatchObject({ location: '${var.region}', resource_group_name: '${var.rg}', admin_password: '${var.password}' });
    expect(resourcesOf(parsed, 'random_password')).toEqual({});
    expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule[0].destination_port_range).toBe('${var.port}');
    expect(onlyResource(parsed, 'azurerm_virtual_network').name).toBe('vnet-${var.prefix}');
    expect(outputValue(parsed, 'Urls')).toContain('format("http://%s:%d/", val.ip_address, var.port)');
    // Unknown until Terraform computes them.
    expect(Token.isUnresolved(fleet!.instanceNames)).toBe(true);
  });

  describe('bad input', () => {
    test.each<[string, FleetOverrides, RegExp]>([
      ['no VM', { count: 0 }, /count: 0 is not a whole number between 1 and 999/],
      ['more VMs than the limit', { count: 1000 }, /count: 1000 is not a whole number between 1 and 999.*Fix: pass 1-999/],
      ['a fractional count', { count: 2.5 }, /count: 2.5 is not a whole number/],
      ['a region other than the image\'s', { location: 'northeurope' },
        /location: 'northeurope' differs from the image's region 'westeurope'.*Fix: copy the image first, e.g. new ImageCopy\(.*location: 'northeurope'/],
      ['a name prefix too long for a computer name', { namePrefix: 'webfrontend-ne' },
        /namePrefix: 'webfrontend-ne' is too long: instance names such as 'webfrontend-ne001' must fit the 15 characters.*Fix: shorten it to at most 12 characters/],
      ['a name prefix starting with a digit', { namePrefix: '1web' }, /namePrefix: '1web' is not a valid name prefix/],
      ['a name prefix with an underscore', { namePrefix: 'web_' }, /namePrefix: 'web_' is not a valid name prefix/],
      ['a management range that is no CIDR', { managementSourceRange: '203.0.113.7' }, /managementSourceRange: '203.0.113.7' is not an IPv4 CIDR/],
      ['a management range with host bits', { managementSourceRange: '203.0.113.7/24' }, /managementSourceRange: '203.0.113.7\/24' is not an IPv4 CIDR with zero host bits/],
      ['management from the whole Internet', { managementSourceRange: '0.0.0.0/0' }, /managementSourceRange: '0.0.0.0\/0' opens RDP and WinRM to the whole Internet/],
      ['management from any source', { managementSourceRange: '*' }, /managementSourceRange: '\*' opens RDP and WinRM to the whole Internet/],
      ['management from the Internet tag', { managementSourceRange: 'Internet' }, /managementSourceRange: 'Internet' opens RDP and WinRM to the whole Internet/],
      ['port 0', { appPort: 0 }, /appPort: 0 is not a TCP port/],
      ['a port above 65535', { appPort: 70000 }, /appPort: 70000 is not a TCP port/],
      ['RDP as the app port', { appPort: 3389 }, /appPort: 3389 is a management port \(SSH, RDP or WinRM\), which would be opened to the whole Internet/],
      ['SSH as the app port', { appPort: 22 }, /appPort: 22 is a management port/],
      ['WinRM as the app port', { appPort: 5986 }, /appPort: 5986 is a management port/],
      ['a VM size', { vmSize: 'D2s_v5' }, /vmSize: 'D2s_v5' is not a VM size/],
      ['a reserved admin user name', { adminUsername: 'admin' }, /adminUsername: 'admin' is not allowed/],
      ['a literal password', { adminPassword: 'P@ssw0rd1234!' }, /adminPassword: '<redacted>' is a literal string/],
      ['a resource group name', { resourceGroupName: 'rg/app' }, /resourceGroupName: 'rg\/app' is not a valid resource group name/],
      ['a subnet too small for the fleet', { count: 300 }, /subnetPrefix: '10.0.0.0\/24' has room for 251 NICs \(Azure keeps 5 addresses\), not 300/],
      ['a subnet outside the address space', { addressSpace: '10.1.0.0/16', subnetPrefix: '10.2.0.0/24' }, /subnetPrefix: '10.2.0.0\/24' is not inside addressSpace/],
      ['network props with a given subnet', { subnetId: '/subscriptions/s/x', subnetPrefix: '10.0.1.0/24' }, /subnetPrefix: '10.0.1.0\/24' only applies to the network ImageFleet creates/],
      ['a Linux image', { imageOsType: OsType.LINUX }, /image: 'Linux' is not a Windows image/],
      ['a URL check timeout out of range', { verifyUrls: true, verifyTimeoutMinutes: 0 }, /verifyTimeoutMinutes: 0 is not a whole number of minutes between 1 and 60/],
    ])('%s', (_, overrides, message) => {
      expect(() => synthFleet(overrides)).toThrow(message);
    });

    test('reports every problem at once, with the path', () => {
      expect(() => synthFleet({ count: 0, namePrefix: 'much-too-long-prefix', appPort: 3389, managementSourceRange: '0.0.0.0/0' }))
        .toThrow(/ImageFleet 'stack\/Fleet': 4 invalid props:\n  - count: .*\n  - namePrefix: .*\n  - appPort: .*\n  - managementSourceRange: /);
    });
  });
});

function pick(image: IImage): Omit<IImage, 'imageDependables'> {
  return {
    imageId: image.imageId,
    imageName: image.imageName,
    resourceGroupName: image.resourceGroupName,
    location: image.location,
    osType: image.osType,
    hyperVGeneration: image.hyperVGeneration,
  };
}
