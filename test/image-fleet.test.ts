import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, Aspects, TerraformOutput, TerraformStack, TerraformVariable, Testing, Token } from 'cdktf';
import { FleetRollout, GoldenImageChecks, HyperVGeneration, IImage, ImageCopy, ImageFleet, ManagedImage, ManagementPort, OsType } from '../lib';
import { warningsOf } from './util/constructs';
import {
  FleetOverrides, FOR_EACH_TYPES, IMAGE_ID, importImage, INSTANCE_TYPES, NEXT_IMAGE_ID, onlyLocal, outputValue, synthFleet, terraformData,
} from './util/fleet';
import { addressOf, onlyResource, resourcesOf, synthStack } from './util/synth';
import { isComputerName } from '../lib/private/naming/azure-names';

/** Paths (`resource.type.name.attribute`) at which two parsed JSON documents differ. */
function differingPaths(a: unknown, b: unknown, at = ''): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths((a as any)[k], (b as any)[k], at ? `${at}.${k}` : k));
  }
  return a === b ? [] : [at];
}

function ref(parsed: any, type: string, attribute: string): string {
  return `\${${addressOf(parsed, type)}.${attribute}}`;
}

function sameKey(parsed: any, type: string, attribute: string): string {
  return `\${${addressOf(parsed, type)}[each.key].${attribute}}`;
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
      name: `\${each.key}-\${substr(sha1("${IMAGE_ID}"), 0, 6)}`,
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
    // The NSG association first: a new VM starts behind its NSG, and an old NIC keeps its NSG while the old VM runs.
    expect(vm.depends_on).toEqual([addressOf(parsed, 'azurerm_network_interface_security_group_association')]);
    expect(instances).toBe('${zipmap(formatlist("%s%04d", "web", range(1, 4, 1)), formatlist("%s%04d", "web", range(1, 4, 1)))}');
    expect(fleet.instanceNames).toEqual(['web0001', 'web0002', 'web0003']);
    for (const type of FOR_EACH_TYPES) {
      expect(onlyResource(parsed, type).for_each).toBe(`\${local.${localName}}`);
    }
  });

  test('Windows Update stays off on the VMs: patch mode Manual, which Azure allows only with automatic updates off', () => {
    const vm = onlyResource(synthFleet().parsed, 'azurerm_windows_virtual_machine');
    expect(vm.patch_mode).toBe('Manual');
    // Left out, azurerm sends enableAutomaticUpdates = true, and Azure refuses Manual with it (PatchSettings.patchMode).
    expect(vm.automatic_updates_enabled).toBe(false);
  });

  test('gives each VM its own NIC and static Standard public IP, and the NSG to every NIC', () => {
    const { parsed } = synthFleet();
    const revision = `\${substr(sha1("${IMAGE_ID}"), 0, 6)}`;
    expect(onlyResource(parsed, 'azurerm_public_ip')).toMatchObject({ name: `pip-\${each.key}-${revision}`, allocation_method: 'Static', sku: 'Standard', location: 'westeurope' });
    expect(onlyResource(parsed, 'azurerm_network_interface')).toMatchObject({
      name: `nic-\${each.key}-${revision}`,
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
    expect(onlyResource(parsed, 'azurerm_subnet')).toMatchObject({ name: 'snet-web', address_prefixes: ['10.0.0.0/24'], default_outbound_access_enabled: true });
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

    test.each([
      ['RDP alone by default', undefined, ['3389']],
      ['RDP and WinRM over HTTPS', [ManagementPort.WINRM_HTTPS, ManagementPort.RDP], ['3389', '5986']],
      ['WinRM over plain HTTP only when asked', [ManagementPort.WINRM_HTTP], ['5985']],
    ])('opens the management ports to the management range only: %s', (_, managementPorts, ports) => {
      const { parsed } = synthFleet({ managementSourceRange: '203.0.113.0/24', managementPorts, appPort: 8080 });
      expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule).toEqual([
        expect.objectContaining({ ...appRule, destination_port_range: '8080' }),
        expect.objectContaining({
          name: 'allow-management-from-source-range',
          priority: 110,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          destination_port_ranges: ports,
          source_address_prefix: '203.0.113.0/24',
          destination_address_prefix: '*',
        }),
      ]);
    });
  });

  describe('outputs', () => {
    test('none unless asked: no output at all by default', () => {
      const { parsed, fleet } = synthFleet();
      expect(parsed.output).toBeUndefined();
      const outputs = [fleet.instanceNamesOutput, fleet.privateIpAddressesOutput, fleet.publicIpAddressesOutput, fleet.urlsOutput];
      expect(outputs).toEqual([undefined, undefined, undefined, undefined]);
    });

    test('with outputPrefix, exactly four outputs with predictable names', () => {
      const { parsed } = synthFleet({ outputPrefix: 'web_fleet' });
      expect(Object.keys(parsed.output).sort()).toEqual(['web_fleet_instance_names', 'web_fleet_private_ips', 'web_fleet_public_ips', 'web_fleet_urls']);
    });

    test('names, private IPs, public IPs and URLs, as maps keyed by instance name', () => {
      const { parsed } = synthFleet({ outputPrefix: 'fleet' });
      const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
      const pip = addressOf(parsed, 'azurerm_public_ip');
      expect(outputValue(parsed, 'fleet_instance_names')).toBe(`\${[ for key, val in ${vm}: key]}`);
      expect(outputValue(parsed, 'fleet_private_ips')).toBe(`\${{ for key, val in ${vm}: key => val.private_ip_address }}`);
      expect(outputValue(parsed, 'fleet_public_ips')).toBe(`\${{ for key, val in ${pip}: key => val.ip_address }}`);
      expect(outputValue(parsed, 'fleet_urls')).toBe(`\${{ for key, val in ${pip}: key => format("http://%s/", val.ip_address) }}`);
    });

    test('URLs carry a port other than 80, and use private IPs without public IPs', () => {
      const { parsed, fleet } = synthFleet({ publicIp: false, appPort: 8080, outputPrefix: 'fleet' });
      const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
      expect(outputValue(parsed, 'fleet_urls')).toBe(`\${{ for key, val in ${vm}: key => format("http://%s:%d/", val.private_ip_address, 8080) }}`);
      expect(Object.keys(parsed.output).sort()).toEqual(['fleet_instance_names', 'fleet_private_ips', 'fleet_urls']);
      expect(resourcesOf(parsed, 'azurerm_public_ip')).toEqual({});
      expect(onlyResource(parsed, 'azurerm_network_interface').ip_configuration[0].public_ip_address_id).toBeUndefined();
      expect(fleet.publicIpAddresses).toBeUndefined();
      expect(fleet.publicIpAddressesOutput).toBeUndefined();
    });

    test('are public attributes too', () => {
      const { parsed } = synthStack((stack) => {
        const fleet = new ImageFleet(stack, 'Fleet', { image: importImage(stack), count: 2, resourceGroupName: 'rg-app', namePrefix: 'web', outputPrefix: 'fleet' });
        new TerraformOutput(stack, 'urls', { value: fleet.urls });
        new TerraformOutput(stack, 'private', { value: fleet.privateIpAddresses });
        new TerraformOutput(stack, 'public', { value: fleet.publicIpAddresses });
        new TerraformOutput(stack, 'names', { value: fleet.instanceNames });
      });
      expect(parsed.output.urls.value).toBe(outputValue(parsed, 'fleet_urls'));
      expect(parsed.output.private.value).toBe(outputValue(parsed, 'fleet_private_ips'));
      expect(parsed.output.public.value).toBe(outputValue(parsed, 'fleet_public_ips'));
      expect(parsed.output.names.value).toEqual(['web0001', 'web0002']);
    });
  });


  test('the JSON does not grow with count', () => {
    // GIVEN the same fleet of 3, 30, 300 and 3000 VMs (a /20 subnet holds 4091)
    const counts = [3, 30, 300, 3000];
    const jsons = counts.map((count) => synthFleet({ count, subnetPrefix: '10.0.0.0/20', verifyUrls: true }).json);
    process.stdout.write(`cdk.tf.json bytes for count ${counts.join('/')}: ${jsons.map((j) => j.length).join('/')}\n`);
    // THEN up to a thousand VMs the JSON differs only in the end of the range of instance numbers (in the map's keys
    // and values); beyond, by one range() per thousand (Terraform's range() returns at most 1024 numbers)
    expect(jsons[1].split('range(1, 31, 1)').join('range(1, 4, 1)')).toBe(jsons[0]);
    expect(jsons[2].split('range(1, 301, 1)').join('range(1, 4, 1)')).toBe(jsons[0]);
    expect(jsons[3].split('concat(range(1, 1001, 1), range(1001, 2001, 1), range(2001, 3001, 1))').join('range(1, 4, 1)')).toBe(jsons[0]);
    expect(jsons[3].length / jsons[0].length).toBeLessThan(1.02);
  });


  test('synthesizes 3000 VMs, the benchmark\'s largest fleet, with a /20 subnet', () => {
    // WHEN
    const { fleet } = synthFleet({ count: 3000, subnetPrefix: '10.0.0.0/20' });
    // THEN
    expect(fleet.instanceNames).toHaveLength(3000);
    expect(fleet.instanceNames[2999]).toBe('web3000');
    // A rollout would need room for 6000 NICs, and more than one managed image serves: warnings, not errors.
    expect(warningsOf(fleet)).toEqual([
      expect.stringMatching(/subnetPrefix '10.0.0.0\/20' has room for 4091 NICs: enough for 3000 VMs, but an image rollout creates 3000 new NICs before it removes the old ones.*Pass a \/19 or larger/),
      expect.stringMatching(/^3000 VMs from managed image 'img-golden': Azure serves about 20 concurrent deployments from one managed image.*Publish the build to an Azure Compute Gallery/),
    ]);
  });

  test('accepts the largest count and the longest name prefix', () => {
    const { fleet } = synthFleet({ count: ImageFleet.MAX_COUNT, namePrefix: 'webfrontend', subnetPrefix: '10.0.0.0/17' });
    expect(ImageFleet.MAX_COUNT).toBe(9999);
    expect(ImageFleet.MAX_NAME_PREFIX_LENGTH).toBe(11);
    expect(fleet.instanceNames[9998]).toBe('webfrontend9999');
    expect(fleet.instanceNames.every(isComputerName)).toBe(true);
    expect(warningsOf(fleet)).toEqual([expect.stringMatching(/^9999 VMs from managed image/)]);
  });

  test('the URL check runs the operator program\'s verify-fleet step with a constant command and its inputs in the environment only', () => {
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
      const check = terraformData(parsed, 'UrlCheck').body;
      const exec = check.provisioner[0]['local-exec'];
      expect(exec.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js$/)]);
      expect(exec.command).toBe('verify-fleet');
      expect(fs.readFileSync(path.join(stackDir, exec.interpreter[1]), 'utf8'))
        .toBe(fs.readFileSync(path.join(__dirname, '..', 'lib', 'scripts', 'operator', 'operator.js'), 'utf8'));
      const pip = addressOf(parsed, 'azurerm_public_ip');
      expect(exec.environment).toEqual({
        FLEET_TARGETS: `\${join(" ", [ for key, val in ${pip}: format("%s=http://%s/", key, val.ip_address)])}`,
        GOLDEN_VERIFY_TIMEOUT_MINUTES: '5',
      });
      expect(check.depends_on).toEqual([addressOf(parsed, 'azurerm_windows_virtual_machine')]);
      expect(check.triggers_replace).toBe(`\${{ for key, val in ${pip}: key => format("http://%s/", val.ip_address) }}`);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('has no URL check unless asked, and warns when it would fetch private IPs', () => {
    expect(Object.keys(resourcesOf(synthFleet().parsed, 'terraform_data')).filter((n) => n.includes('UrlCheck'))).toEqual([]);
    const { fleet } = synthFleet({ verifyUrls: true, publicIp: false });
    expect(warningsOf(fleet)).toEqual([expect.stringMatching(/verifyUrls without publicIp fetches the private IPs/)]);
  });

  test('passes the stack-wide GoldenImageChecks, copy and URL check included', () => {
    // GIVEN
    const stack = new TerraformStack(Testing.app(), 'checked');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    const copy = new ImageCopy(stack, 'Copy', { source: importImage(stack), resourceGroupName: 'rg-app-images', location: 'northeurope' });
    new ImageFleet(stack, 'Fleet', {
      image: copy,
      count: 3,
      resourceGroupName: 'rg-app',
      namePrefix: 'web',
      managementSourceRange: '203.0.113.0/24',
      verifyUrls: true,
      rollout: FleetRollout.ALL_AT_ONCE,
    });
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
      new ImageFleet(stack, 'Fleet', { image, count: 1, resourceGroupName: 'rg-app', namePrefix: 'web', rollout: FleetRollout.ALL_AT_ONCE });
    });
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').depends_on)
      .toEqual([addressOf(parsed, 'azurerm_network_interface_security_group_association'), 'var.unused']);
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
        outputPrefix: 'fleet',
      });
    });
    // THEN
    const [, instances] = onlyLocal(parsed);
    // Ten ranges of up to a thousand numbers, each clamped to the count (real Terraform evaluates them above).
    const numbers = 'concat(range(1, min((var.count + 1), 1001), 1), range(min((var.count + 1), 1001), min((var.count + 1), 2001), 1), '
      + Array.from({ length: 8 }, (_, i) => `range(min((var.count + 1), ${i + 2}001), min((var.count + 1), ${i + 3}001), 1)`).join(', ') + ')';
    expect(instances).toBe(`\${zipmap(formatlist("%s%04d", var.prefix, ${numbers}), formatlist("%s%04d", var.prefix, ${numbers}))}`);
    // Checked by Terraform, once, on the one resource every VM follows: the count, and the password (Azure's rules).
    expect(terraformData(parsed, 'ImageRevision').body.lifecycle.precondition.map((p: any) => p.error_message)).toEqual([
      "ImageFleet 'stack/Fleet': count: ${try(format(\"%v\", var.count), \"null\")} is not a whole number between 1 and 9999. "
        + 'Fix: pass 1-9999; beyond a few hundred VMs a VM scale set fits better (and the subscription\'s vCPU quota is usually lower)',
      expect.stringMatching(/adminPassword: '<redacted>' does not meet Azure's rules/),
    ]);
    // The app port, on the NSG that opens it: a TCP port, never a management port.
    expect(onlyResource(parsed, 'azurerm_network_security_group').lifecycle.precondition.map((p: any) => p.error_message)).toEqual([
      expect.stringMatching(/^ImageFleet 'stack\/Fleet': appPort: .* is not a TCP port \(a whole number 1-65535\)/),
      expect.stringMatching(/^ImageFleet 'stack\/Fleet': appPort: .* is a management port \(SSH, RDP or WinRM\)/),
    ]);
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine')).toMatchObject({ location: '${var.region}', resource_group_name: '${var.rg}', admin_password: '${var.password}' });
    expect(resourcesOf(parsed, 'random_password')).toEqual({});
    expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule[0].destination_port_range).toBe('${var.port}');
    expect(onlyResource(parsed, 'azurerm_virtual_network').name).toBe('vnet-${var.prefix}');
    expect(outputValue(parsed, 'fleet_urls')).toContain('format("http://%s:%d/", val.ip_address, var.port)');
    // Unknown until Terraform computes them.
    expect(Token.isUnresolved(fleet!.instanceNames)).toBe(true);
  });

  describe('image rollout', () => {
    const TYPES = INSTANCE_TYPES;

    test('two images: the JSON differs only in the image id, at the revision, the VM source and the three names', () => {
      // GIVEN the same fleet from two images
      const before = synthFleet({ verifyUrls: true });
      const after = synthFleet({ verifyUrls: true, imageId: NEXT_IMAGE_ID });
      // THEN replacing the one id by the other turns one JSON into the other
      expect(before.json.split(IMAGE_ID).join(NEXT_IMAGE_ID)).toBe(after.json);
      expect(after.json).not.toContain(IMAGE_ID);
      // AND these are the only values that differ
      const revision = terraformData(before.parsed, 'ImageRevision').address;
      expect(differingPaths(before.parsed, after.parsed)).toEqual([
        `resource.${addressOf(before.parsed, TYPES.nic)}.name`,
        `resource.${addressOf(before.parsed, TYPES.pip)}.name`,
        `resource.${addressOf(before.parsed, TYPES.vm)}.name`,
        `resource.${addressOf(before.parsed, TYPES.vm)}.source_image_id`,
        `resource.${revision}.triggers_replace`,
      ]);
    });

    test('VMs, NICs and public IPs are replaced create-before-destroy when the image revision is', () => {
      // WHEN
      const { parsed, fleet } = synthFleet({ verifyUrls: true });
      // THEN the revision follows the image id
      const revision = terraformData(parsed, 'ImageRevision');
      expect(revision.body).toEqual({ triggers_replace: IMAGE_ID });
      expect(fleet.imageRevision.terraformResourceType).toBe('terraform_data');
      // AND the per-instance resources follow the revision, new ones first; the plain address, not a "${...}" token
      for (const type of Object.values(TYPES)) {
        expect(onlyResource(parsed, type).lifecycle).toEqual({ create_before_destroy: true, replace_triggered_by: [revision.address] });
      }
      // AND the NSG association is new with its NIC (network_interface_id forces it), before the old one goes
      expect(onlyResource(parsed, 'azurerm_network_interface_security_group_association').lifecycle).toEqual({ create_before_destroy: true });
      // AND the URL check still follows the URLs and waits for the VMs
      expect(terraformData(parsed, 'UrlCheck').body.depends_on).toEqual([addressOf(parsed, TYPES.vm)]);
    });

    test('Azure names carry the revision, computed by Terraform from the image id; computer names and keys do not', () => {
      // GIVEN an image whose id is known only at apply time (another stack's output, a variable)
      const { parsed } = synthStack((stack) => {
        const imageId = new TerraformVariable(stack, 'image_id', { type: 'string' });
        const image = ManagedImage.fromImageId(stack, 'Golden', { imageId: imageId.stringValue, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
        new ImageFleet(stack, 'Fleet', { image, count: 3, resourceGroupName: 'rg-app', namePrefix: 'web' });
      });
      // THEN
      const copyId = 'var.image_id';
      const revision = `\${substr(sha1(${copyId}), 0, 6)}`;
      const vm = onlyResource(parsed, TYPES.vm);
      expect(vm.name).toBe(`\${each.key}-${revision}`);
      expect(vm.computer_name).toBe('${each.key}');
      expect(onlyResource(parsed, TYPES.nic).name).toBe(`nic-\${each.key}-${revision}`);
      expect(onlyResource(parsed, TYPES.pip).name).toBe(`pip-\${each.key}-${revision}`);
      expect(terraformData(parsed, 'ImageRevision').body.triggers_replace).toBe(`\${${copyId}}`);
      // The keys (Terraform addresses) stay the instance names.
      const [localName] = onlyLocal(parsed);
      for (const type of FOR_EACH_TYPES) {
        expect(onlyResource(parsed, type).for_each).toBe(`\${local.${localName}}`);
      }
    });


    test('refuses new-before-old for an image made in the same stack, naming both ways out', () => {
      // GIVEN a copy made in the same stack: Terraform would extend create-before-destroy to it and its fixed name collides
      const build = (rollout?: FleetRollout) => synthStack((stack) => {
        const copy = new ImageCopy(stack, 'Copy', { source: importImage(stack), resourceGroupName: 'rg-app-images', imageName: 'img-web' });
        new ImageFleet(stack, 'Fleet', { image: copy, count: 2, resourceGroupName: 'rg-app', namePrefix: 'web', rollout });
      });
      // THEN the default is refused at synth time
      expect(() => build()).toThrow(/rollout: 'NewBeforeOld' needs an image made in another stack.*Fix: deploy the fleet from a stack of its own with ManagedImage.fromImageId.*or pass rollout: FleetRollout.ALL_AT_ONCE/);
    });


    test('warns when the subnet cannot hold both fleets of a rollout', () => {
      expect(warningsOf(synthFleet({ count: 200 }).fleet)).toEqual([
        expect.stringMatching(/^subnetPrefix '10.0.0.0\/24' has room for 251 NICs: enough for 200 VMs, but an image rollout creates 200 new NICs .* Pass a \/23 or larger\.$/),
        expect.stringMatching(/^200 VMs from managed image/),
      ]);
      expect(warningsOf(synthFleet({ count: 125 }).fleet)).toEqual([expect.stringMatching(/^125 VMs from managed image/)]);
      expect(warningsOf(synthFleet({ count: 20 }).fleet)).toEqual([]);
      expect(warningsOf(synthFleet({ count: 3000, subnetPrefix: '10.0.0.0/19' }).fleet)).toEqual([expect.stringMatching(/^3000 VMs from managed image/)]);
    });
  });

  describe('bad input', () => {
    test.each<[string, FleetOverrides, RegExp]>([
      ['no VM', { count: 0 }, /count: 0 is not a whole number between 1 and 9999/],
      ['more VMs than the limit', { count: 10000 }, /count: 10000 is not a whole number between 1 and 9999.*Fix: pass 1-9999;/],
      ['a fractional count', { count: 2.5 }, /count: 2.5 is not a whole number/],
      ['a region other than the image\'s', { location: 'northeurope' },
        /location: 'northeurope' is not the image's region 'westeurope': Azure creates VMs only from an image in their own region.*Fix: copy the image first, e.g. new ImageCopy\(.*location: 'northeurope'/],
      ['a name prefix too long for a computer name', { namePrefix: 'webfrontend-' },
        /namePrefix: 'webfrontend-' is too long: instance names such as 'webfrontend-0001' must fit the 15 characters.*Fix: shorten it to at most 11 characters/],
      ['a name prefix starting with a digit', { namePrefix: '1web' }, /namePrefix: '1web' is not a valid name prefix/],
      ['a name prefix with an underscore', { namePrefix: 'web_' }, /namePrefix: 'web_' is not a valid name prefix/],
      ['a management range that is no CIDR', { managementSourceRange: '203.0.113.7' }, /managementSourceRange: '203.0.113.7' is not an IPv4 CIDR/],
      ['a management range with host bits', { managementSourceRange: '203.0.113.7/24' }, /managementSourceRange: '203.0.113.7\/24' is not an IPv4 CIDR with zero host bits/],
      ['management from the whole Internet', { managementSourceRange: '0.0.0.0/0' }, /managementSourceRange: '0.0.0.0\/0' opens the management ports to the whole Internet/],
      ['management from any source', { managementSourceRange: '*' }, /managementSourceRange: '\*' opens the management ports to the whole Internet/],
      ['management from the Internet tag', { managementSourceRange: 'Internet' }, /managementSourceRange: 'Internet' opens the management ports to the whole Internet/],
      ['port 0', { appPort: 0 }, /appPort: 0 is not a TCP port/],
      ['a port above 65535', { appPort: 70000 }, /appPort: 70000 is not a TCP port/],
      ['RDP as the app port', { appPort: 3389 }, /appPort: 3389 is a management port \(SSH, RDP or WinRM\), which would be opened to the whole Internet/],
      ['SSH as the app port', { appPort: 22 }, /appPort: 22 is a management port/],
      ['WinRM as the app port', { appPort: 5986 }, /appPort: 5986 is a management port/],
      ['a VM size', { vmSize: 'D2s_v5' }, /vmSize: 'D2s_v5' is not a VM size/],
      ['a reserved admin user name', { adminUsername: 'admin' }, /adminUsername: 'admin' is not allowed/],
      ['a literal password', { adminPassword: 'P@ssw0rd1234!' }, /adminPassword: '<redacted>' is a literal string/],
      ['a resource group name', { resourceGroupName: 'rg/app' }, /resourceGroupName: 'rg\/app' is not a valid resource group name/],
      ['a subnet too small for the fleet', { count: 300 },
        /subnetPrefix: '10.0.0.0\/24' has room for 251 NICs \(Azure keeps 5 addresses\), not 300. Fix: pass a \/23 or larger, a \/22 for image rollouts/],
      ['a /20 subnet for 5000 VMs', { count: 5000, subnetPrefix: '10.0.0.0/20' }, /subnetPrefix: '10.0.0.0\/20' has room for 4091 NICs .*, not 5000. Fix: pass a \/19 or larger, a \/18 for image rollouts/],
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
