import * as os from 'os';
import { TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { GoldenVm, GoldenVmProps, HyperVGeneration, MarketplaceImage, OsDiskStorageType, OsType, SecurityType, WindowsSetup } from '../lib';
import { goldenVmProps } from './util/constructs';
import { addressAt, addressOf, onlyResource, resourceAt, resourcesOf, synthStack } from './util/synth';

const props = goldenVmProps;

function synthVm(overrides: Partial<GoldenVmProps> = {}) {
  let vm: GoldenVm | undefined;
  const result = synthStack((stack) => {
    vm = new GoldenVm(stack, 'BuildVm', props(overrides));
  });
  return { ...result, vm: vm! };
}

describe('GoldenVm', () => {
  test('creates the VM from the marketplace image with the Standard security type', () => {
    // WHEN
    const { parsed } = synthVm();
    // THEN
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm.source_image_reference).toEqual({
      publisher: 'MicrosoftWindowsServer',
      offer: 'WindowsServer',
      sku: '2022-datacenter-core-g2',
      version: `\${data.azurerm_platform_image.${Object.keys(parsed.data.azurerm_platform_image)[0]}.version}`,
    });
    expect(vm.name).toBe('vm-golden');
    expect(vm.computer_name).toBe('golden01');
    expect(vm.size).toBe('Standard_D2s_v5');
    expect(vm.location).toBe('westeurope');
    expect(vm.secure_boot_enabled).toBe(false);
    expect(vm.vtpm_enabled).toBe(false);
    expect(vm.provision_vm_agent).toBe(true);
    expect(vm.os_disk).toEqual({ caching: 'ReadWrite', storage_account_type: 'StandardSSD_LRS' });
    expect(vm.network_interface_ids).toEqual([`\${${addressOf(parsed, 'azurerm_network_interface')}.id}`]);
  });

  test('keeps Windows Update off on the build VM (patch mode Manual, automatic updates off), recorded in the build spec', () => {
    const { parsed } = synthVm();
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm.patch_mode).toBe('Manual');
    // Left out, azurerm sends enableAutomaticUpdates = true, and Azure refuses Manual with it (PatchSettings.patchMode).
    expect(vm.automatic_updates_enabled).toBe(false);
    // The VM ignores changes of its own arguments: the spec is what replaces it when they change.
    expect(resourceAt(parsed, 'terraform_data', 'BuildVm/BuildSpec').triggers_replace).toMatchObject({
      patch_mode: 'Manual', automatic_updates_enabled: false,
    });
  });

  test('builds from Azure Edition without hotpatch, whose patching can be manual', () => {
    const vm = onlyResource(synthVm({ image: MarketplaceImage.windowsServer2022DatacenterAzureEdition() }).parsed, 'azurerm_windows_virtual_machine');
    expect(vm.source_image_reference.sku).toBe('2022-datacenter-azure-edition');
    expect(vm.patch_mode).toBe('Manual');
  });

  test('generates the admin password in Terraform and never writes it to the JSON', () => {
    const { parsed, json } = synthVm();
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm.admin_password).toBe(`\${${addressOf(parsed, 'random_password')}.result}`);
    expect(vm.admin_username).toBe('goldenadmin');
    expect(onlyResource(parsed, 'random_password')).toMatchObject({ length: 24, min_lower: 2, min_upper: 2, min_numeric: 2, min_special: 2 });
    expect(parsed.provider.random).toBeDefined();
    // No literal that looks like a Windows password anywhere in the stack.
    expect(json).not.toMatch(/"admin_password":\s*"[^$]/);
  });

  test('resolves a latest marketplace version at plan time, so a new version rebuilds; a pinned version never moves', () => {
    const latest = synthVm().parsed;
    expect(Object.values(latest.data.azurerm_platform_image)).toEqual([{
      location: 'westeurope', publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2',
    }]);
    const lookup = `data.azurerm_platform_image.${Object.keys(latest.data.azurerm_platform_image)[0]}.version`;
    // The resolved version is an input of the build: a new one replaces the VM.
    expect(resourceAt(latest, 'terraform_data', 'BuildVm/BuildSpec').triggers_replace.source_image_reference.version).toBe(`\${${lookup}}`);

    const pinned = synthVm({ image: MarketplaceImage.windowsServer2022DatacenterCoreGen2('20348.2849.241109') });
    expect(pinned.parsed.data).toBeUndefined();
    expect(onlyResource(pinned.parsed, 'azurerm_windows_virtual_machine').source_image_reference.version).toBe('20348.2849.241109');
    expect(pinned.vm.baseImageVersion).toBe('20348.2849.241109');
  });

  describe('the check of a `latest` lookup (azurerm takes the last of a list Azure sorts as text: provider issue 31577)', () => {
    test('runs the operator\'s base-image step before the VM is created, on what the lookup chose', () => {
      const { parsed, json, vm } = synthVm();
      const lookup = `data.azurerm_platform_image.${Object.keys(parsed.data.azurerm_platform_image)[0]}`;
      const address = addressAt(parsed, 'terraform_data', 'BuildVm/BaseImageCheck');
      expect(vm.baseImageCheck).toBeDefined();
      // The VM waits for the check: a failing check stops the deployment before the VM exists.
      expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').depends_on).toEqual([address]);
      const check = resourceAt(parsed, 'terraform_data', 'BuildVm/BaseImageCheck');
      // Again for every build and every version the lookup chooses; the check depends on nothing the build makes.
      expect(check.triggers_replace).toEqual({
        location: `\${${lookup}.location}`,
        publisher: 'MicrosoftWindowsServer',
        offer: 'WindowsServer',
        sku: '2022-datacenter-core-g2',
        version: `\${${lookup}.version}`,
        build_spec: `\${${addressAt(parsed, 'terraform_data', 'BuildVm/BuildSpec')}.id}`,
      });
      expect(check.depends_on).toBeUndefined();
      const exec = check.provisioner[0]['local-exec'];
      expect(exec.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js$/)]);
      expect(exec.command).toBe('base-image');
      expect(exec.when).toBeUndefined();
      // The provider's subscription and azurerm's normalized region, which the lookup used.
      expect(exec.environment).toEqual({
        GOLDEN_SUBSCRIPTION_ID: '${data.azurerm_client_config.GoldenImageClientConfig.subscription_id}',
        GOLDEN_BASE_IMAGE_LOCATION: `\${${lookup}.location}`,
        GOLDEN_BASE_IMAGE_PUBLISHER: 'MicrosoftWindowsServer',
        GOLDEN_BASE_IMAGE_OFFER: 'WindowsServer',
        GOLDEN_BASE_IMAGE_SKU: '2022-datacenter-core-g2',
        GOLDEN_BASE_IMAGE_VERSION: `\${${lookup}.version}`,
      });
      // Nothing of the machine that synthesized it.
      expect(JSON.stringify(check)).not.toContain(process.cwd());
      expect(JSON.stringify(check)).not.toContain(os.homedir());
      expect(json).not.toMatch(/"\/(home|root|tmp|Users)\//);
    });

    test('absent for a pinned version: the VM depends on nothing more', () => {
      const { parsed, vm } = synthVm({ image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2025-datacenter-g2:26100.32230.260111') });
      expect(vm.baseImageCheck).toBeUndefined();
      expect(Object.values<any>(resourcesOf(parsed, 'terraform_data')).filter((r) => r.provisioner?.[0]['local-exec'].command === 'base-image')).toEqual([]);
      expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').depends_on).toBeUndefined();
    });

    test('one check per build VM, each on its own lookup', () => {
      const { parsed } = synthStack((stack) => {
        new GoldenVm(stack, 'Web', props({ vmName: 'vm-web', computerName: 'web01' }));
        new GoldenVm(stack, 'Api', props({ vmName: 'vm-api', computerName: 'api01', image: MarketplaceImage.windowsServer2025DatacenterGen2() }));
      });
      const checks = Object.values<any>(resourcesOf(parsed, 'terraform_data')).filter((r) => r.provisioner?.[0]['local-exec'].command === 'base-image');
      expect(checks.map((r) => r.provisioner[0]['local-exec'].environment.GOLDEN_BASE_IMAGE_SKU).sort()).toEqual(['2022-datacenter-core-g2', '2025-datacenter-g2']);
      expect(new Set(checks.map((r) => r.triggers_replace.version)).size).toBe(2);
      expect(Object.keys(parsed.data.azurerm_client_config)).toEqual(['GoldenImageClientConfig']);
    });
  });

  test('carries the setup script as custom data and runs it from the operator stage: no extension on the VM', () => {
    const setup = WindowsSetup.iisAspNet();
    const { parsed } = synthVm({ setup, setupTimeoutMinutes: 120, keepSetupFiles: true });
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(Buffer.from(vm.custom_data, 'base64').toString('utf8')).toBe(setup.renderScript());
    // Azure refuses every change to a generalized VM's extensions: none may be a Terraform resource.
    expect(resourcesOf(parsed, 'azurerm_virtual_machine_extension')).toEqual({});
    expect(resourcesOf(parsed, 'azurerm_virtual_machine_run_command')).toEqual({});

    const vmAddress = addressOf(parsed, 'azurerm_windows_virtual_machine');
    const step = resourceAt(parsed, 'terraform_data', 'BuildVm/Setup');
    expect(step.triggers_replace).toBe(`\${${vmAddress}.id}`);
    const exec = step.provisioner[0]['local-exec'];
    // The operator program's setup step: Node.js runs it directly (an argument array, no shell).
    expect(exec.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js$/)]);
    expect(exec.command).toBe('setup');
    expect(exec.environment).toEqual({
      GOLDEN_SUBSCRIPTION_ID: `\${element(split("/", ${vmAddress}.id), 2)}`,
      GOLDEN_RESOURCE_GROUP: `\${${addressOf(parsed, 'azurerm_resource_group')}.name}`,
      GOLDEN_VM_NAME: 'vm-golden',
      GOLDEN_GUEST_DIRECTORY: expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/guest$/),
      GOLDEN_SETUP_TIMEOUT_MINUTES: '120',
      GOLDEN_EXPECTED_SECURITY_TYPE: 'Standard',
      GOLDEN_EXPECTED_HYPERV_GENERATION: 'V2',
      GOLDEN_KEEP_SETUP_FILES: 'true',
    });
    expect(synthVm().parsed.resource.terraform_data[addressAt(synthVm().parsed, 'terraform_data', 'BuildVm/Setup').split('.')[1]]
      .provisioner[0]['local-exec'].environment.GOLDEN_KEEP_SETUP_FILES).toBe('false');
  });

  test('creates its own network with no inbound rule and no public IP by default', () => {
    const { parsed } = synthVm();
    expect(onlyResource(parsed, 'azurerm_virtual_network').address_space).toEqual(['10.0.0.0/16']);
    expect(onlyResource(parsed, 'azurerm_subnet').address_prefixes).toEqual(['10.0.0.0/24']);
    // Outbound without a public IP: Run Command returns the setup's output only with it.
    expect(onlyResource(parsed, 'azurerm_subnet').default_outbound_access_enabled).toBe(true);
    expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule).toEqual([]);
    expect(onlyResource(parsed, 'azurerm_subnet_network_security_group_association')).toEqual({
      subnet_id: `\${${addressOf(parsed, 'azurerm_subnet')}.id}`,
      network_security_group_id: `\${${addressOf(parsed, 'azurerm_network_security_group')}.id}`,
    });
    const nic = onlyResource(parsed, 'azurerm_network_interface');
    expect(nic.ip_configuration[0].public_ip_address_id).toBeUndefined();
    expect(resourcesOf(parsed, 'azurerm_public_ip')).toEqual({});
    expect(onlyResource(parsed, 'azurerm_resource_group')).toEqual({ name: 'rg-vm-golden', location: 'westeurope' });
  });

  test('adds a public IP and an RDP rule limited to the given range only when asked', () => {
    const { parsed } = synthVm({ publicIp: true, managementSourceRange: '203.0.113.7/32' });
    const ip = onlyResource(parsed, 'azurerm_public_ip');
    expect(ip).toMatchObject({ allocation_method: 'Static', sku: 'Standard' });
    expect(onlyResource(parsed, 'azurerm_network_interface').ip_configuration[0].public_ip_address_id)
      .toBe(`\${${addressOf(parsed, 'azurerm_public_ip')}.id}`);
    expect(onlyResource(parsed, 'azurerm_network_security_group').security_rule).toEqual([expect.objectContaining({
      access: 'Allow', direction: 'Inbound', destination_port_ranges: ['3389'], source_address_prefix: '203.0.113.7/32',
    })]);
  });

  test('uses a given subnet and resource group instead of creating them', () => {
    const { parsed } = synthVm({ subnetId: '/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/build', resourceGroupName: 'rg-shared' });
    expect(resourcesOf(parsed, 'azurerm_virtual_network')).toEqual({});
    expect(resourcesOf(parsed, 'azurerm_network_security_group')).toEqual({});
    expect(resourcesOf(parsed, 'azurerm_resource_group')).toEqual({});
    expect(onlyResource(parsed, 'azurerm_network_interface').ip_configuration[0].subnet_id).toMatch(/subnets\/build$/);
    expect(onlyResource(parsed, 'azurerm_windows_virtual_machine').resource_group_name).toBe('rg-shared');
  });

  test('is frozen: the VM ignores changes of its own arguments and every input change replaces it, tags included', () => {
    const base = synthVm();
    const vm = onlyResource(base.parsed, 'azurerm_windows_virtual_machine');
    expect(vm.lifecycle).toEqual({ ignore_changes: 'all', replace_triggered_by: [addressAt(base.parsed, 'terraform_data', 'BuildVm/BuildSpec')] });
    const spec = (overrides: Partial<GoldenVmProps>) => resourceAt(synthVm(overrides).parsed, 'terraform_data', 'BuildVm/BuildSpec').triggers_replace;
    const before = spec({});
    expect(before).toMatchObject({ name: 'vm-golden', computer_name: 'golden01', size: 'Standard_D2s_v5', security_type: 'Standard', tags: {} });
    // Every argument of the VM is in the spec, so ignore_changes hides nothing that matters.
    for (const argument of ['name', 'resource_group_name', 'location', 'computer_name', 'size', 'source_image_reference', 'os_disk',
      'network_interface_ids', 'admin_username']) {
      expect(before[argument]).toEqual(vm[argument]);
    }
    expect(before.admin_password_sha256).toBe(`\${sha256(${addressOf(base.parsed, 'random_password')}.result)}`);
    expect(before.custom_data_sha256).toBe(WindowsSetup.iisAspNet().scriptHash);
    for (const change of [
      { vmSize: 'Standard_D4s_v5' },
      { image: MarketplaceImage.windowsServer2025DatacenterCoreGen2() },
      { image: MarketplaceImage.windowsServer2022DatacenterCoreGen2('20348.2849.241109') },
      { setup: WindowsSetup.iisAspNet({ pageTitle: 'Other' }) },
      { tags: { owner: 'platform' } },
      { osDiskStorageType: OsDiskStorageType.PREMIUM_LRS },
      { adminUsername: 'otheradmin' },
      { computerName: 'golden02' },
    ] as Array<Partial<GoldenVmProps>>) {
      expect(spec(change)).not.toEqual(before);
    }
    expect(spec({})).toEqual(before);
  });

  test('names each build: a revision replaced with the VM, from the plan time of its creation', () => {
    const { parsed, vm } = synthVm();
    const revision = resourceAt(parsed, 'terraform_data', 'BuildVm/BuildRevision');
    expect(revision).toEqual({
      triggers_replace: `\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.id}`,
      input: '${formatdate("YYYYMMDDhhmmss", plantimestamp())}',
      lifecycle: { ignore_changes: ['input'] },
    });
    const { parsed: withOutput } = synthStack((stack) => {
      const built = new GoldenVm(stack, 'BuildVm', props());
      new TerraformOutput(stack, 'revision', { value: built.buildRevision });
    });
    expect(withOutput.output.revision.value).toBe(`\${${addressAt(withOutput, 'terraform_data', 'BuildVm/BuildRevision')}.output}`);
    expect(vm.readyForCapture).toEqual([vm.setupStep]);
  });

  test('exposes what GeneralizedImage needs', () => {
    const { vm } = synthVm({ osDiskStorageType: OsDiskStorageType.PREMIUM_LRS, location: 'West Europe' });
    expect(vm.hyperVGeneration).toBe(HyperVGeneration.V2);
    expect(vm.osType).toBe(OsType.WINDOWS);
    expect(vm.location).toBe('westeurope');
    expect(vm.vmName).toBe('vm-golden');
    expect(vm.osDiskStorageType).toBe('Premium_LRS');
    expect(vm.readyForCapture).toEqual([vm.setupStep]);
    const { parsed } = synthStack((stack) => {
      const built = new GoldenVm(stack, 'BuildVm', props());
      new TerraformOutput(stack, 'id', { value: built.vmId });
      new TerraformOutput(stack, 'rg', { value: built.resourceGroupName });
    });
    expect(parsed.output.id.value).toBe(`\${${addressOf(parsed, 'azurerm_windows_virtual_machine')}.id}`);
    expect(parsed.output.rg.value).toBe(`\${${addressOf(parsed, 'azurerm_resource_group')}.name}`);
  });

  test('accepts unresolved tokens for names and location', () => {
    const { parsed } = synthStack((stack: TerraformStack) => {
      const location = new TerraformVariable(stack, 'location', { type: 'string' });
      const rg = new TerraformVariable(stack, 'rg', { type: 'string' });
      const name = new TerraformVariable(stack, 'computer', { type: 'string' });
      const password = new TerraformVariable(stack, 'password', { type: 'string', sensitive: true });
      new GoldenVm(stack, 'BuildVm', props({
        location: location.stringValue, resourceGroupName: rg.stringValue, computerName: name.stringValue, adminPassword: password.stringValue,
      }));
    });
    const vm = onlyResource(parsed, 'azurerm_windows_virtual_machine');
    expect(vm.location).toBe('${var.location}');
    expect(vm.computer_name).toBe('${var.computer}');
    expect(vm.admin_password).toBe('${var.password}');
    expect(resourcesOf(parsed, 'random_password')).toEqual({});
  });

  describe('bad input', () => {
    test.each<[string, Partial<GoldenVmProps>, RegExp]>([
      ['computer name over 15 characters', { computerName: 'golden-build-vm-01' }, /computerName: 'golden-build-vm-01' is not a Windows computer name \(1-15 .*Fix: shorten it/],
      ['computer name with invalid characters', { computerName: 'golden_01' }, /computerName: 'golden_01' is not a Windows computer name/],
      ['computer name of digits only', { computerName: '12345' }, /computerName: '12345' is not a Windows computer name/],
      ['a default computer name too long', { vmName: 'vm-golden-image-build', computerName: undefined }, /computerName \(from vmName\): 'vm-golden-image-build' .*Fix: pass computerName explicitly/],
      ['VM name with invalid characters', { vmName: 'vm golden' }, /vmName: 'vm golden' is not a valid VM name/],
      ['resource group name with invalid characters', { resourceGroupName: 'rg/golden' }, /resourceGroupName: 'rg\/golden' is not a valid resource group name/],
      ['resource group name ending in a period', { resourceGroupName: 'rg-golden.' }, /resourceGroupName: 'rg-golden.' is not a valid/],
      ['location that is no region', { location: 'west-europe!' }, /location: 'west-europe!' is not an Azure region name/],
      ['VM size', { vmSize: 'D2s_v5' }, /vmSize: 'D2s_v5' is not a VM size/],
      ['reserved admin user name', { adminUsername: 'Administrator' }, /adminUsername: 'Administrator' is not allowed/],
      ['Trusted Launch from a Gen1 image', { securityType: SecurityType.TRUSTED_LAUNCH, image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-core:latest') },
        /securityType: 'TrustedLaunch' needs a Gen2 image, but .* is Gen1.*Fix: use a Gen2 SKU/],
      ['literal password', { adminPassword: 'P@ssw0rd1234!' }, /adminPassword: '<redacted>' is a literal string, which would be written in plain text/],
      ['invalid management range', { managementSourceRange: '203.0.113.7' }, /managementSourceRange: '203.0.113.7' is not an IPv4 CIDR/],
      ['RDP open to the Internet', { managementSourceRange: '0.0.0.0/0' }, /managementSourceRange: '0.0.0.0\/0' opens the management ports to the whole Internet/],
      ['subnet outside the address space', { addressSpace: '10.1.0.0/16', subnetPrefix: '10.2.0.0/24' }, /subnetPrefix: '10.2.0.0\/24' is not inside addressSpace '10.1.0.0\/16'/],
      ['network props with a given subnet', { subnetId: '/subscriptions/s/x', addressSpace: '10.1.0.0/16' }, /addressSpace: '10.1.0.0\/16' only applies to the network GoldenVm creates.*Fix: remove addressSpace, or remove subnetId/],
      ['setup timeout', { setupTimeoutMinutes: 721 }, /setupTimeoutMinutes: 721 is not a whole number of minutes between 5 and 720/],
      // azurerm creates VMs from hotpatch images only with patch_mode AutomaticByPlatform (shared_schema.go:708 at v4.55.0).
      ['hotpatch image', { image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition-hotpatch:latest') },
        /image: 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition-hotpatch:latest' is a hotpatch image: azurerm creates VMs from it only with patch_mode AutomaticByPlatform.*Fix: build from the same release without hotpatch, e.g. 'MicrosoftWindowsServer:WindowsServer:2022-datacenter-g2:latest'/],
      ['hotpatch image in another case', { image: MarketplaceImage.fromUrn('MicrosoftWindowsServer:WindowsServer:2025-Datacenter-Azure-Edition:20348.1.1') },
        /image: .*2025-Datacenter-Azure-Edition:20348.1.1' is a hotpatch image.*Fix: .*'MicrosoftWindowsServer:WindowsServer:2025-datacenter-g2:20348.1.1'/],
    ])('%s', (_, overrides, message) => {
      expect(() => synthVm(overrides)).toThrow(message);
    });

    test('the literal password never appears in the error', () => {
      expect(() => synthVm({ adminPassword: 'P@ssw0rd1234!' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('P@ssw0rd1234!') }));
    });

    test('reports every problem of the construct in one error, with its path', () => {
      expect(() => synthVm({ computerName: 'much-too-long-computer-name', vmSize: 'big', securityType: 'Trusted' as SecurityType }))
        .toThrow(/GoldenVm 'stack\/BuildVm': 3 invalid props:\n  - computerName: .*\n  - vmSize: .*\n  - securityType: /);
    });
  });
});
