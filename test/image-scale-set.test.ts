import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Aspects, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import {
  GalleryImageVersion, GoldenImageChecks, HyperVGeneration, IImage, ImageScaleSet, ImageScaleSetProps, ImageSecurityType, ManagedImage,
  ManagementPort, SecurityType,
} from '../lib';
import { galleryImageVersionProps } from './util/builders';
import { warningsOf } from './util/constructs';
import { addressAt, addressOf, onlyResource, resourceAt, resourcesOf, synthStack } from './util/synth';
import { vcpusOf } from '../lib/private/vm/vm-sizes';

const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const IMAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/images/img-golden`;
const GALLERY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-gal/providers/Microsoft.Compute/galleries/gal_web/images/web-iis`;

type ImageChoice = 'managed' | 'version' | 'latest' | 'trusted-latest';
type Overrides = Partial<Omit<ImageScaleSetProps, 'image'>> & { imageChoice?: ImageChoice };

function imageOf(stack: TerraformStack, choice: ImageChoice): IImage {
  switch (choice) {
    case 'managed':
      return ManagedImage.fromImageId(stack, 'Golden', { imageId: IMAGE_ID, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2 });
    case 'version':
      return GalleryImageVersion.fromVersionId(stack, 'Golden', {
        imageId: `${GALLERY}/versions/2026.1129.101500`,
        location: 'westeurope',
        regions: ['westeurope', 'northeurope'],
        hyperVGeneration: HyperVGeneration.V2,
        securityType: ImageSecurityType.STANDARD,
      });
    case 'latest':
    case 'trusted-latest':
      return GalleryImageVersion.fromVersionId(stack, 'Golden', {
        imageId: GALLERY,
        location: 'westeurope',
        hyperVGeneration: HyperVGeneration.V2,
        latest: true,
        securityType: choice === 'latest' ? ImageSecurityType.STANDARD : ImageSecurityType.TRUSTED_LAUNCH,
      });
  }
}

function synthScaleSet(overrides: Overrides = {}) {
  let scaleSet: ImageScaleSet | undefined;
  const { imageChoice, ...props } = overrides;
  const result = synthStack((stack) => {
    scaleSet = new ImageScaleSet(stack, 'Web', { image: imageOf(stack, imageChoice ?? 'managed'), count: 3, namePrefix: 'web', ...props });
  });
  return { ...result, scaleSet: scaleSet! };
}

function errorOf(overrides: Overrides): string {
  try {
    synthScaleSet(overrides);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(overrides)}`);
}

const vmssOf = (parsed: any) => onlyResource(parsed, 'azurerm_windows_virtual_machine_scale_set');
const infosOf = (scaleSet: ImageScaleSet) => scaleSet.node.metadata.filter((m) => m.type === '@cdktf/info').map((m) => String(m.data));

describe('ImageScaleSet: what it creates', () => {
  const { parsed, scaleSet } = synthScaleSet();
  const vmss = vmssOf(parsed);

  test('one scale set behind one Standard load balancer with one static public IP, and no per-instance resource', () => {
    const counts = Object.fromEntries(Object.entries(parsed.resource).map(([type, byName]) => [type, Object.keys(byName as object).length]));
    expect(counts).toEqual({
      azurerm_resource_group: 1,
      azurerm_virtual_network: 1,
      azurerm_subnet: 1,
      azurerm_network_security_group: 1,
      azurerm_public_ip: 1,
      azurerm_lb: 1,
      azurerm_lb_backend_address_pool: 1,
      azurerm_lb_probe: 1,
      azurerm_lb_rule: 1,
      azurerm_lb_outbound_rule: 1,
      azurerm_windows_virtual_machine_scale_set: 1,
      random_password: 1,
    });
    const pip = onlyResource(parsed, 'azurerm_public_ip');
    expect(pip).toMatchObject({ name: 'pip-lb-web', sku: 'Standard', allocation_method: 'Static' });
    expect(pip.for_each).toBeUndefined();
    expect(onlyResource(parsed, 'azurerm_lb')).toMatchObject({
      name: 'lb-web', sku: 'Standard', frontend_ip_configuration: [{ name: 'public', public_ip_address_id: `\${${addressOf(parsed, 'azurerm_public_ip')}.id}` }],
    });
  });

  test('the instances: computer names from the prefix, the image, exactly count VMs, and the pool and NSG on their NIC', () => {
    expect(vmss).toMatchObject({
      name: 'vmss-web',
      computer_name_prefix: 'web',
      instances: 3,
      sku: 'Standard_D2s_v5',
      source_image_id: IMAGE_ID,
      overprovision: false,
      single_placement_group: false,
      secure_boot_enabled: false,
      vtpm_enabled: false,
      provision_vm_agent: true,
      resource_group_name: `\${${addressOf(parsed, 'azurerm_resource_group')}.name}`,
      location: 'westeurope',
    });
    const nic = vmss.network_interface[0];
    expect(nic.network_security_group_id).toMatch(/^\$\{azurerm_network_security_group\.[A-Za-z0-9_]+\.id\}$/);
    expect(nic.ip_configuration[0].load_balancer_backend_address_pool_ids).toEqual([expect.stringMatching(/^\$\{azurerm_lb_backend_address_pool\..+\.id\}$/)]);
    expect(nic.ip_configuration[0].public_ip_address).toBeUndefined();
    expect(vmss.admin_password).toMatch(/^\$\{random_password\..+\.result\}$/);
  });

  test('image upgrades roll in batches, gated by the load balancer\'s probe on the app page', () => {
    expect(vmss.upgrade_mode).toBe('Rolling');
    expect(vmss.rolling_upgrade_policy).toEqual({
      max_batch_instance_percent: 20,
      max_unhealthy_instance_percent: 20,
      max_unhealthy_upgraded_instance_percent: 20,
      pause_time_between_batches: 'PT60S',
      prioritize_unhealthy_instances_enabled: true,
      maximum_surge_instances_enabled: false,
    });
    const probeAddress = Object.keys(resourcesOf(parsed, 'azurerm_lb_probe'))[0];
    expect(vmss.health_probe_id).toBe(`\${azurerm_lb_probe.${probeAddress}.id}`);
    expect(onlyResource(parsed, 'azurerm_lb_probe')).toMatchObject({ protocol: 'Http', port: 80, request_path: '/' });
    expect(vmss.automatic_os_upgrade_policy).toBeUndefined();
    // Azure takes the probe for the set's health only once a rule uses it.
    const ruleAddress = Object.keys(resourcesOf(parsed, 'azurerm_lb_rule'))[0];
    expect(vmss.depends_on).toEqual(expect.arrayContaining([`azurerm_lb_rule.${ruleAddress}`]));
  });

  test('the rule forwards the app port to healthy instances; outbound traffic goes through the outbound rule', () => {
    const probeAddress = Object.keys(resourcesOf(parsed, 'azurerm_lb_probe'))[0];
    expect(onlyResource(parsed, 'azurerm_lb_rule')).toMatchObject({
      protocol: 'Tcp',
      frontend_port: 80,
      backend_port: 80,
      frontend_ip_configuration_name: 'public',
      probe_id: `\${azurerm_lb_probe.${probeAddress}.id}`,
      disable_outbound_snat: true,
    });
    expect(onlyResource(parsed, 'azurerm_lb_outbound_rule')).toMatchObject({ protocol: 'All', allocated_outbound_ports: 104, frontend_ip_configuration: [{ name: 'public' }] });
    const outboundAddress = Object.keys(resourcesOf(parsed, 'azurerm_lb_outbound_rule'))[0];
    expect(vmss.depends_on).toEqual(expect.arrayContaining([`azurerm_lb_outbound_rule.${outboundAddress}`]));
  });

  test('the NSG opens the app port to the Internet and nothing else', () => {
    const rules = onlyResource(parsed, 'azurerm_network_security_group').security_rule;
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ name: 'allow-app-from-internet', destination_port_range: '80', source_address_prefix: 'Internet', access: 'Allow' });
  });

  test('attributes: URL and IP of the load balancer, the set\'s name, and its vCPUs', () => {
    expect(scaleSet.scaleSetName).toBe('vmss-web');
    expect(scaleSet.url).toMatch(/^http:\/\/\$\{TfToken\[TOKEN\.\d+\]\}\/$/);
    expect(scaleSet.totalVcpus).toBe(6);
    expect(scaleSet.securityType).toBe(SecurityType.STANDARD);
    expect(scaleSet.automaticOsUpgrade).toBe(false);
  });

  test('the configuration has the same size for 3 and 1000 instances: only `instances` differs', () => {
    const small = JSON.stringify(synthScaleSet({ imageChoice: 'version', count: 3 }).parsed).replace('"instances":3', '');
    const large = JSON.stringify(synthScaleSet({ imageChoice: 'version', count: 1000 }).parsed).replace('"instances":1000', '');
    expect(large).toBe(small);
  });
});

describe('ImageScaleSet: limits', () => {
  test.each([
    ['managed', 600, undefined],
    ['managed', 601, 'count: 601 is not a whole number between 1 and 600, the most instances one scale set holds from a managed image'],
    ['version', 1000, undefined],
    ['version', 1001, 'count: 1001 is not a whole number between 1 and 1000'],
    ['latest', 3000, 'split the instances over several ImageScaleSets (e.g. 3 of 1000)'],
    ['managed', 0, 'count: 0 is not a whole number'],
    ['managed', 2.5, 'count: 2.5 is not a whole number'],
  ] as const)('%s image, count %d', (imageChoice, count, error) => {
    if (error === undefined) {
      expect(vmssOf(synthScaleSet({ imageChoice, count }).parsed).instances).toBe(count);
    } else {
      expect(errorOf({ imageChoice, count })).toContain(error);
    }
  });

  test('more than 600 from a managed image names both fixes: a gallery, or several sets', () => {
    const message = errorOf({ count: 1500 });
    expect(message).toContain('publish the image to an Azure Compute Gallery (GalleryImageVersion: 1000 per scale set)');
    expect(message).toContain('several ImageScaleSets (e.g. 3 of 500)');
  });

  test('a count known only to Terraform gets a plan-time precondition with the limit of the image', () => {
    const { parsed } = synthStack((stack) => {
      const count = new TerraformVariable(stack, 'count', { type: 'number' });
      new ImageScaleSet(stack, 'Web', { image: imageOf(stack, 'managed'), count: count.numberValue, namePrefix: 'web' });
    });
    const vmss = vmssOf(parsed);
    expect(vmss.instances).toBe('${var.count}');
    expect(vmss.lifecycle.precondition[0].error_message).toBe("ImageScaleSet 'stack/Web': count: ${try(format(\"%v\", var.count), \"null\")} is not a whole "
      + 'number between 1 and 600, the most instances one scale set holds from a managed image. Fix: pass 1-600; for more, publish the image to an Azure '
      + 'Compute Gallery (GalleryImageVersion: 1000 per scale set), or split the instances over several ImageScaleSets');
    expect(vmss.lifecycle.precondition[0].condition).toContain('(600 >= var.count)');
  });

  test('SNAT ports per instance fit one frontend IP at the largest count, surge included', () => {
    const cases: Array<[Overrides, number, number]> = [
      [{}, 104, 600],
      [{ imageChoice: 'version' }, 64, 1000],
      [{ imageChoice: 'version', rollingUpgrade: { maximumSurge: true } }, 32, 2000],
    ];
    for (const [overrides, ports, peak] of cases) {
      const { parsed, scaleSet } = synthScaleSet(overrides);
      expect(onlyResource(parsed, 'azurerm_lb_outbound_rule').allocated_outbound_ports).toBe(ports);
      expect(scaleSet.outboundPortsPerInstance).toBe(ports);
      expect(ports % 8).toBe(0);
      expect(ports * peak).toBeLessThanOrEqual(64000);
    }
  });

  test('the vCPUs are reported at synth time, with the surge batch when MaxSurge is on', () => {
    expect(infosOf(synthScaleSet({ count: 300, vmSize: 'Standard_D4s_v5' }).scaleSet)).toEqual([
      '300 instances x 4 vCPUs (Standard_D4s_v5) = 1200 vCPUs in westeurope. '
      + 'Check the regional and the size family\'s vCPU quotas before deploying: az vm list-usage --location westeurope -o table',
    ]);
    const surge = synthScaleSet({ count: 300, rollingUpgrade: { maximumSurge: true } }).scaleSet;
    expect(infosOf(surge)[0]).toContain('= 600 vCPUs in westeurope, up to 720 during an image upgrade (MaxSurge)');
  });

  test('a size whose vCPUs its name does not tell gets a warning instead', () => {
    // (Standard_A0, whose name does not tell its vCPUs either, boots Gen1 images only: this image is Gen2.)
    const { scaleSet } = synthScaleSet({ vmSize: 'Standard_Weird' });
    expect(infosOf(scaleSet)).toEqual([]);
    expect(warningsOf(scaleSet)).toContainEqual(expect.stringContaining("The vCPUs of size 'Standard_Weird' are not known from its name"));
  });

  test.each([
    ['Standard_D2s_v5', 2], ['Standard_DS1_v2', 1], ['Standard_DS12_v2', 4], ['Standard_D15_v2', 20], ['Standard_GS5', 32],
    ['Standard_E16-4s_v5', 16], ['Standard_NC24ads_A100_v4', 24], ['Standard_B1ls', 1], ['Standard_M128ms', 128], ['Standard_F16s_v2', 16],
    ['Standard_A0', undefined], ['Basic_A1', undefined], ['Standard_Weird', undefined],
  ] as const)('vCPUs of %s: %s', (size, vcpus) => {
    expect(vcpusOf(size)).toBe(vcpus);
  });

  test('a subnet too small for the instances (and the surge batch) is refused with the prefix that fits', () => {
    expect(errorOf({ imageChoice: 'version', count: 300, subnetPrefix: '10.0.0.0/24' }))
      .toContain("subnetPrefix: '10.0.0.0/24' has room for 251 instances (Azure keeps 5 addresses), not 300. Fix: pass a /23 or larger");
    expect(errorOf({ imageChoice: 'version', count: 240, subnetPrefix: '10.0.0.0/24', rollingUpgrade: { maximumSurge: true } }))
      .toContain('not 288 (240 and a surge batch)');
    expect(vmssOf(synthScaleSet({ imageChoice: 'version', count: 1000 }).parsed).instances).toBe(1000);
  });
});

describe('ImageScaleSet: refused input names the prop, the value and the fix', () => {
  test.each<[string, Overrides, string]>([
    ['namePrefix too long', { namePrefix: 'webservers' }, "namePrefix: 'webservers' is too long: Azure appends six characters"],
    ['namePrefix not a name', { namePrefix: '9web' }, "namePrefix: '9web' is not a valid name prefix"],
    ['management port as app port', { appPort: 3389 }, 'appPort: 3389 is a management port'],
    ['probe path without slash', { healthProbePath: 'health' }, "healthProbePath: 'health' is not an absolute URL path"],
    ['probe path with a space', { healthProbePath: '/a b' }, "healthProbePath: '/a b' is not an absolute URL path"],
    ['verify timeout', { verifyTimeoutMinutes: 4 }, 'verifyTimeoutMinutes: 4 is not a whole number of minutes between 5 and 480'],
    ['batch below 5', { rollingUpgrade: { maxBatchInstancePercent: 4 } }, 'rollingUpgrade.maxBatchInstancePercent: 4 is not a whole percentage between 5 and 100'],
    ['unhealthy above 100', { rollingUpgrade: { maxUnhealthyInstancePercent: 101 } }, 'rollingUpgrade.maxUnhealthyInstancePercent: 101 is not a whole percentage'],
    ['upgraded negative', { rollingUpgrade: { maxUnhealthyUpgradedInstancePercent: -1 } }, 'rollingUpgrade.maxUnhealthyUpgradedInstancePercent: -1 is not'],
    ['pause too long', { rollingUpgrade: { pauseBetweenBatchesSeconds: 3601 } }, 'rollingUpgrade.pauseBetweenBatchesSeconds: 3601 is not a whole number of seconds'],
    ['batch above unhealthy', { rollingUpgrade: { maxBatchInstancePercent: 50, maxUnhealthyInstancePercent: 20 } },
      'rollingUpgrade.maxBatchInstancePercent: 50 is above maxUnhealthyInstancePercent (20), which Azure refuses'],
    ['surge not a boolean', { rollingUpgrade: { maximumSurge: 'yes' as unknown as boolean } }, "rollingUpgrade.maximumSurge: 'yes' is a string, not a boolean. Fix: pass true (a boolean)"],
    ['automatic upgrade of a managed image', { automaticOsUpgrade: true }, 'automaticOsUpgrade: true needs the latest of a gallery image definition, but the image is a managed image'],
    ['automatic upgrade of a pinned version', { imageChoice: 'version', automaticOsUpgrade: true }, 'but the image is a pinned gallery image version'],
    ['Trusted Launch from a managed image', { securityType: SecurityType.TRUSTED_LAUNCH }, 'securityType: \'TrustedLaunch\' cannot be used with a managed image'],
    ['Standard from a TrustedLaunch image', { imageChoice: 'trusted-latest', securityType: SecurityType.STANDARD }, "securityType: 'Standard' cannot be used with image"],
    ['region the version is not in', { imageChoice: 'version', location: 'eastus' }, "location: 'eastus' is not the image's regions ('westeurope', 'northeurope')"],
    ['management open to the Internet', { managementSourceRange: '0.0.0.0/0' }, "managementSourceRange: '0.0.0.0/0' opens the management ports to the whole Internet"],
    ['literal password', { adminPassword: 'P@ssw0rd1234!' }, "adminPassword: '<redacted>' is a literal string"],
    ['reserved admin name', { adminUsername: 'admin' }, "adminUsername: 'admin' is not allowed"],
    ['output prefix', { outputPrefix: '1web' }, "outputPrefix: '1web' is not a Terraform output name prefix"],
  ])('%s', (_, overrides, expected) => {
    const message = errorOf(overrides);
    expect(message).toMatch(/^ImageScaleSet '[^']*\/Web': 1 invalid prop:\n/);
    expect(message).toContain(expected);
    expect(message).toMatch(/Fix: /);
  });
});

describe('ImageScaleSet: images', () => {
  test('a gallery definition\'s latest rolls out new versions on its own by default (automatic OS image upgrade)', () => {
    const { parsed, scaleSet } = synthScaleSet({ imageChoice: 'latest' });
    expect(vmssOf(parsed).automatic_os_upgrade_policy).toEqual({ enable_automatic_os_upgrade: true, disable_automatic_rollback: false });
    expect(vmssOf(parsed).source_image_id).toBe(GALLERY);
    expect(scaleSet.automaticOsUpgrade).toBe(true);
    expect(vmssOf(synthScaleSet({ imageChoice: 'latest', automaticOsUpgrade: false }).parsed).automatic_os_upgrade_policy).toBeUndefined();
  });

  test('Windows Update stays off on the instances, with automatic OS upgrade (Azure refuses both) and without', () => {
    // azurerm defaults enable_automatic_updates to true and always sends it; Azure refuses it with automatic OS upgrade
    // (AutomaticOSUpgradePolicy.enableAutomaticOSUpgrade, Compute REST API). Without it too: the next image patches.
    expect(vmssOf(synthScaleSet({ imageChoice: 'latest' }).parsed)).toMatchObject({
      automatic_os_upgrade_policy: { enable_automatic_os_upgrade: true }, enable_automatic_updates: false,
    });
    expect(vmssOf(synthScaleSet().parsed).enable_automatic_updates).toBe(false);
  });

  test('Trusted Launch follows a TrustedLaunch image: Secure Boot and vTPM on', () => {
    const { parsed, scaleSet } = synthScaleSet({ imageChoice: 'trusted-latest' });
    expect(vmssOf(parsed)).toMatchObject({ secure_boot_enabled: true, vtpm_enabled: true });
    expect(scaleSet.securityType).toBe(SecurityType.TRUSTED_LAUNCH);
  });

  test('more than 20 instances from a managed image get the same warning as a fleet: a gallery serves more', () => {
    expect(warningsOf(synthScaleSet({ count: 25 }).scaleSet)).toEqual([expect.stringContaining('25 VMs from managed image')]);
    expect(warningsOf(synthScaleSet({ count: 20 }).scaleSet)).toEqual([]);
  });
});

describe('ImageScaleSet: management, verification, outputs', () => {
  test('a management range opens the management ports to it only', () => {
    const { parsed } = synthScaleSet({ managementSourceRange: '203.0.113.0/24', managementPorts: [ManagementPort.RDP, ManagementPort.WINRM_HTTPS] });
    const rules = onlyResource(parsed, 'azurerm_network_security_group').security_rule;
    expect(rules[1]).toMatchObject({ source_address_prefix: '203.0.113.0/24', destination_port_ranges: ['3389', '5986'] });
  });

  test('verifyInstances runs the operator program\'s verify-scale-set step after the scale set, with every value in the environment', () => {
    const { parsed, json } = synthScaleSet({ verifyInstances: true, verifyTimeoutMinutes: 90, appPort: 8080 });
    const step = onlyResource(parsed, 'terraform_data');
    const provisioner = step.provisioner[0]['local-exec'];
    expect(provisioner.interpreter).toEqual(['node', expect.stringMatching(/^\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js$/)]);
    expect(provisioner.command).toBe('verify-scale-set');
    expect(provisioner.environment).toEqual({
      GOLDEN_SUBSCRIPTION_ID: expect.stringContaining('azurerm_windows_virtual_machine_scale_set.'),
      GOLDEN_SCALE_SET_RESOURCE_GROUP: expect.stringMatching(/^\$\{azurerm_windows_virtual_machine_scale_set\..+\.resource_group_name\}$/),
      GOLDEN_SCALE_SET_NAME: expect.stringMatching(/^\$\{azurerm_windows_virtual_machine_scale_set\..+\.name\}$/),
      GOLDEN_SCALE_SET_URL: expect.stringMatching(/^http:\/\/\$\{azurerm_public_ip\..+\.ip_address\}:8080\/$/),
      GOLDEN_SCALE_SET_INSTANCES: '3',
      GOLDEN_VERIFY_TIMEOUT_MINUTES: '90',
    });
    expect(step.triggers_replace).toEqual({ image: IMAGE_ID, instances: 3, url: provisioner.environment.GOLDEN_SCALE_SET_URL });
    expect(step.depends_on).toEqual([expect.stringMatching(/^azurerm_windows_virtual_machine_scale_set\./)]);
    // The password reaches the scale set only, from Terraform's state: never the script's environment.
    expect(JSON.stringify(provisioner)).not.toMatch(/random_password|admin_password/);
    expect(json).not.toContain('P@ss');
  });

  test('with automatic OS upgrades from a definition\'s latest, the step gets the definition (it starts the rollout Azure does not)', () => {
    const { parsed } = synthScaleSet({ imageChoice: 'latest', verifyInstances: true });
    const step = onlyResource(parsed, 'terraform_data');
    expect(step.provisioner[0]['local-exec'].environment.GOLDEN_SCALE_SET_GALLERY_IMAGE).toBe(GALLERY);
    // An image of elsewhere brings no promotion of this stack to follow.
    expect(step.triggers_replace).toEqual({ image: GALLERY, instances: 3, url: expect.any(String), promotions: [] });
    const optedOut = onlyResource(synthScaleSet({ imageChoice: 'latest', automaticOsUpgrade: false, verifyInstances: true }).parsed, 'terraform_data');
    expect(optedOut.provisioner[0]['local-exec'].environment.GOLDEN_SCALE_SET_GALLERY_IMAGE).toBeUndefined();
    expect(optedOut.triggers_replace.promotions).toBeUndefined();
  });

  test('a GalleryImageVersion\'s latest in the same stack: every promotion (a new promote step) checks again, and the rollout waits for it', () => {
    const { parsed } = synthStack((stack) => {
      const version = new GalleryImageVersion(stack, 'Version', galleryImageVersionProps(stack));
      new ImageScaleSet(stack, 'Web', { image: version.latest, count: 3, namePrefix: 'web', resourceGroupName: 'rg-web', verifyInstances: true });
    });
    const verification = resourceAt(parsed, 'terraform_data', 'Web/Verification');
    const promote = addressAt(parsed, 'terraform_data', 'Version/Promote');
    expect(verification.triggers_replace.promotions).toEqual([`\${${promote}.id}`]);
    expect(verification.provisioner[0]['local-exec'].environment.GOLDEN_SCALE_SET_GALLERY_IMAGE).toBe(`\${${promote}.output.gallery_image_id}`);
  });

  test('no verification step unless asked', () => {
    expect(resourcesOf(synthScaleSet().parsed, 'terraform_data')).toEqual({});
  });

  test('outputs with outputPrefix: the URL, the public IP and the name', () => {
    const { parsed } = synthScaleSet({ outputPrefix: 'web' });
    expect(Object.keys(parsed.output).sort()).toEqual(['web_public_ip', 'web_scale_set_name', 'web_url']);
    expect(parsed.output.web_url.value).toMatch(/^http:\/\/\$\{azurerm_public_ip\..+\.ip_address\}\/$/);
  });

  test('GoldenImageChecks finds nothing wrong with a scale set', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'web');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new ImageScaleSet(stack, 'Web', { image: imageOf(stack, 'managed'), count: 3, namePrefix: 'web', managementSourceRange: '203.0.113.7/32' });
    Aspects.of(stack).add(new GoldenImageChecks());
    // Each synthesis runs the aspect again: the distinct errors.
    const errorsAfterChecks = () => {
      Testing.synth(stack);
      return [...new Set(stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/error').map((m) => String(m.data))))];
    };
    expect(errorsAfterChecks()).toEqual([]);
    // The same check does see a team's own rule that opens RDP on the scale set's NSG to everyone.
    const nsg = (stack.node.findChild('Web') as ImageScaleSet).networkSecurityGroup;
    new NetworkSecurityRule(stack, 'TeamRdp', {
      name: 'rdp',
      priority: 200,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourcePortRange: '*',
      destinationPortRange: '3389',
      sourceAddressPrefix: '*',
      destinationAddressPrefix: '*',
      resourceGroupName: nsg.resourceGroupName,
      networkSecurityGroupName: nsg.name,
    });
    expect(errorsAfterChecks()).toEqual([expect.stringContaining('[GoldenImage:ManagementPortOpen]')]);
  });
});
