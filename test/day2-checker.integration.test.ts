/**
 * The day-2 stand-in and checker on small hand-written stacks (in cdk.tf.json form), run through real Terraform:
 * each Azure rule is caught, a clean change passes, and the stand-in plans what azurerm 4.55 would (ForceNew
 * arguments replace, others update, nested ForceNew fields precisely).
 */
import { replacementCause } from './day2/checker';
import { Day2Harness } from './day2/harness';
import { pick } from './day2/standin';
import { describeWithTerraform } from './util/tools';


const RG = '${azurerm_resource_group.rg.name}';
const VM_ID = '${azurerm_windows_virtual_machine.vm.id}';

function vm(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'vm-build',
    resource_group_name: RG,
    location: 'westeurope',
    size: 'Standard_D2s_v5',
    admin_username: 'admin1',
    admin_password: '${random_password.pw.result}',
    network_interface_ids: ['${azurerm_network_interface.nic.id}'],
    os_disk: { caching: 'ReadWrite', storage_account_type: 'StandardSSD_LRS' },
    source_image_reference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', version: 'latest' },
    secure_boot_enabled: false,
    vtpm_enabled: false,
    ...extra,
  };
}

/** A stack: resource group, password, NIC, VM; `extra` adds or overrides resources by type. */
function stack(extra: Record<string, Record<string, unknown>> = {}, vmExtra: Record<string, unknown> = {}): any {
  const resource: Record<string, Record<string, unknown>> = {
    azurerm_resource_group: { rg: { name: 'rg-build', location: 'westeurope' } },
    random_password: { pw: { length: 24 } },
    azurerm_network_interface: {
      nic: { name: 'nic-build', resource_group_name: RG, location: 'westeurope', ip_configuration: [{ name: 'primary', private_ip_address_allocation: 'Dynamic' }] },
    },
    azurerm_windows_virtual_machine: { vm: vm(vmExtra) },
  };
  for (const [type, byName] of Object.entries(extra)) {
    resource[type] = { ...(resource[type] ?? {}), ...byName };
  }
  return {
    terraform: { backend: { local: { path: '../main/terraform.tfstate' } }, required_providers: { azurerm: { source: 'azurerm', version: '4.55.0' } } },
    provider: { azurerm: [{ features: [{}] }] },
    resource,
  };
}

/** The operator stage that generalizes the VM (as GeneralizedImage synthesizes it). */
const generalize = {
  triggers_replace: VM_ID,
  provisioner: [{ 'local-exec': { command: 'bash ./generalize-vm.sh', environment: { GOLDEN_VM_NAME: 'vm-build', GOLDEN_RESOURCE_GROUP: RG } } }],
};

describeWithTerraform('day-2 stand-in: what azurerm 4.55 would plan', () => {
  const harness = new Day2Harness();
  afterAll(() => harness.dispose());
  beforeEach(() => harness.reset());

  test('force-new paths pick nested fields of blocks written as objects or lists', () => {
    const args = { os_disk: { storage_type: 'A', managed_disk_id: 'x' }, data_disk: [{ storage_type: 'B' }, { storage_type: 'C' }] };
    expect(pick(args, 'os_disk.#')).toBe(1);
    expect(pick(args, 'os_disk.storage_type')).toEqual(['A']);
    expect(pick(args, 'data_disk.storage_type')).toEqual(['B', 'C']);
    expect(pick(args, 'os_disk.blob_uri')).toBeUndefined();
    expect(pick(args, 'plan.*')).toBeUndefined();
  });

  test('VM: size and tags update in place, custom_data and the source image replace', () => {
    harness.deploy('main', stack());
    const sized = harness.deploy('main', stack({}, { size: 'Standard_D4s_v5', tags: { owner: 'ops' } }));
    expect(sized.summary).toMatchObject({ create: [], replace: [], update: ['azurerm_windows_virtual_machine.vm'], delete: [] });
    const custom = harness.deploy('main', stack({}, { size: 'Standard_D4s_v5', tags: { owner: 'ops' }, custom_data: 'V3JpdGUtT3V0cHV0IDE=' }));
    expect(custom.summary.replace).toEqual(['azurerm_windows_virtual_machine.vm']);
    expect(custom.summary.replaceOrder['azurerm_windows_virtual_machine.vm']).toBe('destroy-before-create');
    const version = harness.deploy('main', stack({}, {
      size: 'Standard_D4s_v5',
      tags: { owner: 'ops' },
      custom_data: 'V3JpdGUtT3V0cHV0IDE=',
      source_image_reference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-core-g2', version: '20348.1.1' },
    }));
    expect(version.summary.replace).toEqual(['azurerm_windows_virtual_machine.vm']);
  });

  test('image: os_disk.managed_disk_id updates in place, os_disk.storage_type replaces', () => {
    const image = (disk: string, storage: string) => ({
      azurerm_image: {
        img: { name: 'img', resource_group_name: RG, location: 'westeurope', os_disk: { managed_disk_id: disk, os_type: 'Windows', os_state: 'Generalized', storage_type: storage } },
      },
    });
    harness.deploy('main', stack(image('/disk/a', 'StandardSSD_LRS')));
    expect(harness.deploy('main', stack(image('/disk/b', 'StandardSSD_LRS'))).summary)
      .toMatchObject({ create: [], replace: [], update: ['azurerm_image.img'], delete: [] });
    expect(harness.deploy('main', stack(image('/disk/b', 'Premium_LRS'))).summary)
      .toMatchObject({ create: [], replace: ['azurerm_image.img'], update: [], delete: [] });
  });

  test('an update of a resource leaves its id known: the NSG association is not replaced when the NSG tags change', () => {
    const nsg = (tags: Record<string, string>) => ({
      azurerm_network_security_group: { nsg: { name: 'nsg', resource_group_name: RG, location: 'westeurope', tags } },
      azurerm_network_interface_security_group_association: {
        assoc: { network_interface_id: '${azurerm_network_interface.nic.id}', network_security_group_id: '${azurerm_network_security_group.nsg.id}' },
      },
    });
    harness.deploy('main', stack(nsg({ a: '1' })));
    expect(harness.deploy('main', stack(nsg({ a: '2' }))).summary)
      .toMatchObject({ create: [], replace: [], update: ['azurerm_network_security_group.nsg'], delete: [] });
  });

  test('a replaced VM gets a new OS disk id (Azure adds a random suffix), the same VM id (same name)', () => {
    const copy = { azurerm_image: { copy: { name: 'img', resource_group_name: RG, location: 'westeurope', os_disk: { managed_disk_id: '${azurerm_windows_virtual_machine.vm.os_disk[0].id}', storage_type: 'StandardSSD_LRS' } } } };
    const first = harness.deploy('main', stack(copy));
    const second = harness.deploy('main', stack(copy, { custom_data: 'eA==' }));
    const input = (r: any) => r.stateAfter.values.root_module.resources.find((x: any) => x.address === 'terraform_data.azurerm_image__copy').values.input;
    const vmId = (r: any) => r.stateAfter.values.root_module.resources.find((x: any) => x.address === 'terraform_data.azurerm_windows_virtual_machine__vm__computed').values.output.id;
    expect(input(first).os_disk[0].managed_disk_id).toMatch(/\/resourceGroups\/rg-build\/providers\/Microsoft\.Compute\/disks\/vm-build_OsDisk_1_[0-9a-f]{32}$/);
    expect(input(second).os_disk[0].managed_disk_id).not.toBe(input(first).os_disk[0].managed_disk_id);
    expect(vmId(second)).toBe(vmId(first));
    expect(vmId(first)).toBe('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm-build');
  });
});

describeWithTerraform('day-2 checker: each Azure rule is caught, a clean change passes', () => {
  const harness = new Day2Harness();
  afterAll(() => harness.dispose());
  beforeEach(() => harness.reset());

  const rules = (r: { violations: { rule: string; address: string }[] }) => r.violations.map((v) => `${v.rule} ${v.address}`).sort();

  test('clean: a generalized VM replaced through replace_triggered_by, a new capture beside the old', () => {
    const resources = (spec: string) => ({
      terraform_data: {
        spec: { triggers_replace: { size: spec } },
        revision: { triggers_replace: VM_ID, input: '${formatdate("YYYYMMDDhhmmss", plantimestamp())}', lifecycle: { ignore_changes: ['input'] } },
        generalize,
        capture: {
          triggers_replace: VM_ID,
          input: { image_name: 'img-${terraform_data.revision.output}', resource_group_name: RG, source_virtual_machine_id: VM_ID },
          provisioner: [{ 'local-exec': { command: 'bash ./capture.sh' } }],
        },
      },
    });
    const vmLifecycle = { lifecycle: { ignore_changes: 'all', replace_triggered_by: ['terraform_data.spec'] } };
    const first = harness.deploy('main', stack(resources('D2'), vmLifecycle));
    expect(first.violations).toEqual([]);
    const again = harness.deploy('main', stack(resources('D2'), { ...vmLifecycle, size: 'ignored' }));
    expect(again.summary).toMatchObject({ create: [], replace: [], update: [], delete: [] });
    const rebuild = harness.deploy('main', stack(resources('D4'), { ...vmLifecycle, size: 'Standard_D4s_v5' }));
    expect(rebuild.summary.replace).toEqual(['azurerm_windows_virtual_machine.vm', 'terraform_data.capture', 'terraform_data.generalize', 'terraform_data.revision', 'terraform_data.spec']);
    expect(rebuild.summary.update).toEqual([]);
    expect(rebuild.violations).toEqual([]);
  });

  test('frozen-vm: an in-place update of the generalized VM', () => {
    harness.deploy('main', stack({ terraform_data: { generalize } }));
    const r = harness.deploy('main', stack({ terraform_data: { generalize } }, { tags: { patch: '2026-02' } }));
    expect(r.summary.update).toEqual(['azurerm_windows_virtual_machine.vm']);
    expect(rules(r)).toEqual(['frozen-vm azurerm_windows_virtual_machine.vm']);
  });

  test('frozen-vm: the VM is not generalized before the first apply of its generalize stage', () => {
    harness.deploy('main', stack());
    const r = harness.deploy('main', stack({ terraform_data: { generalize } }, { tags: { patch: '2026-02' } }));
    expect(r.violations).toEqual([]);
  });

  test('frozen-vm: an extension of the generalized VM updated, then deleted when the VM is replaced', () => {
    const extension = (script: string) => ({
      terraform_data: { generalize },
      azurerm_virtual_machine_extension: {
        setup: { name: 'setup', virtual_machine_id: VM_ID, publisher: 'Microsoft.Compute', type: 'CustomScriptExtension', type_handler_version: '1.10', settings: script },
      },
    });
    harness.deploy('main', stack(extension('a')));
    const updated = harness.deploy('main', stack(extension('b')));
    expect(updated.summary.update).toEqual(['azurerm_virtual_machine_extension.setup']);
    expect(rules(updated)).toEqual(['frozen-vm azurerm_virtual_machine_extension.setup']);
    const replaced = harness.deploy('main', stack(extension('b'), { custom_data: 'eA==' }));
    expect(replaced.summary.replace).toContain('azurerm_virtual_machine_extension.setup');
    expect(rules(replaced)).toEqual(['frozen-vm azurerm_virtual_machine_extension.setup']);
  });

  test('frozen-vm: build VMs named by the caller', () => {
    harness.deploy('main', stack());
    const r = harness.deploy('main', stack({}, { size: 'Standard_D4s_v5' }), { check: { buildVms: ['azurerm_windows_virtual_machine.vm'] } });
    expect(rules(r)).toEqual(['frozen-vm azurerm_windows_virtual_machine.vm']);
  });

  test('same-name: two resources with one Azure name after the plan (names compared case-insensitively)', () => {
    const r = harness.deploy('main', stack({
      azurerm_image: {
        a: { name: 'img-web', resource_group_name: RG, location: 'westeurope', source_virtual_machine_id: VM_ID },
        b: { name: 'IMG-WEB', resource_group_name: RG, location: 'westeurope', source_virtual_machine_id: VM_ID },
      },
    }));
    expect(r.violations.map((v) => v.rule)).toEqual(['same-name']);
  });

  test('same-name: a create-before-destroy replacement that keeps its name', () => {
    const pip = (sku: string) => ({
      azurerm_public_ip: { pip: { name: 'pip-web', resource_group_name: RG, location: 'westeurope', allocation_method: 'Static', sku, lifecycle: { create_before_destroy: true } } },
    });
    harness.deploy('main', stack(pip('Basic')));
    const r = harness.deploy('main', stack(pip('Standard')));
    expect(r.summary.replaceOrder).toEqual({ 'azurerm_public_ip.pip': 'create-before-destroy' });
    expect(rules(r)).toEqual(['same-name azurerm_public_ip.pip']);
  });

  test('same-name: a create of a name another resource deletes in the same plan', () => {
    const image = (id: string) => ({ azurerm_image: { [id]: { name: 'img-web', resource_group_name: RG, location: 'westeurope', source_virtual_machine_id: VM_ID } } });
    harness.deploy('main', stack(image('old')));
    const r = harness.deploy('main', stack(image('new')));
    expect(r.summary).toMatchObject({ create: ['azurerm_image.new'], delete: ['azurerm_image.old'] });
    expect(rules(r)).toEqual(['same-name azurerm_image.new']);
  });

  test('same-name: an operator capture that reuses the name of the image its previous instance made', () => {
    const capture = (size: string) => ({
      terraform_data: {
        capture: { triggers_replace: { size }, input: { image_name: 'img-web', resource_group_name: RG } },
      },
    });
    harness.deploy('main', stack(capture('D2')));
    const r = harness.deploy('main', stack(capture('D4')));
    expect(r.summary.replace).toEqual(['terraform_data.capture']);
    expect(rules(r)).toEqual(['same-name terraform_data.capture']);
  });

  test('trusted-launch-image: azurerm_image and an operator capture from a Secure Boot / vTPM VM', () => {
    const images = {
      azurerm_image: { img: { name: 'img-web', resource_group_name: RG, location: 'westeurope', source_virtual_machine_id: VM_ID } },
      terraform_data: { capture: { input: { image_name: 'img-op', resource_group_name: RG, source_virtual_machine_id: VM_ID } } },
    };
    const secureBoot = harness.deploy('main', stack(images, { secure_boot_enabled: true }));
    expect(rules(secureBoot)).toEqual(['trusted-launch-image azurerm_image.img', 'trusted-launch-image terraform_data.capture']);
    harness.reset();
    const vtpm = harness.deploy('main', stack(images, { vtpm_enabled: true }), { planOnly: true });
    expect(rules(vtpm)).toEqual(['trusted-launch-image azurerm_image.img', 'trusted-launch-image terraform_data.capture']);
    harness.reset();
    expect(harness.deploy('main', stack(images)).violations).toEqual([]);
  });
});

describeWithTerraform('day-2 checker: gallery image versions and their line', () => {
  const harness = new Day2Harness();
  afterAll(() => harness.dispose());
  beforeEach(() => harness.reset());

  const rules = (r: { violations: { rule: string; address: string }[] }) => r.violations.map((v) => `${v.rule} ${v.address}`).sort();
  const DEFINITION_ID = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/gal_web/images/web`;

  const gallery = (trustedLaunch = true) => ({
    azurerm_shared_image_gallery: { gal: { name: 'gal_web', resource_group_name: RG, location: 'westeurope' } },
    azurerm_shared_image: {
      def: {
        name: 'web',
        gallery_name: '${azurerm_shared_image_gallery.gal.name}',
        resource_group_name: RG,
        location: 'westeurope',
        os_type: 'Windows',
        hyper_v_generation: 'V2',
        trusted_launch_enabled: trustedLaunch,
        identifier: { publisher: 'p', offer: 'o', sku: 's' },
      },
    },
  });
  /** The line as GalleryImageVersion synthesizes it: it names the definition through its input, deletes every version on destroy. */
  const referencingLine = { resource_group_name: RG, gallery_name: '${azurerm_shared_image_gallery.gal.name}', gallery_image: '${azurerm_shared_image.def.name}' };
  const line = (input: Record<string, unknown>, extraTriggers: Record<string, unknown> = {}) => ({
    input,
    triggers_replace: { ...input, ...extraTriggers },
    provisioner: [{ 'local-exec': { when: 'destroy', command: 'bash ./gallery.sh delete-all', environment: { GOLDEN_GALLERY_IMAGE: '${self.input.gallery_image}' } } }],
  });
  const publish = (version: string, revision: string) => ({
    triggers_replace: revision,
    input: { kind: 'gallery_image_version', version_id: `${DEFINITION_ID}/versions/${version}`, source_virtual_machine_id: VM_ID },
    provisioner: [{ 'local-exec': { command: 'bash ./gallery.sh publish' } }],
  });
  const promote = (version: string, revision: string) => ({
    triggers_replace: revision,
    input: { kind: 'gallery_image_version', version_id: `${DEFINITION_ID}/versions/${version}` },
    depends_on: ['terraform_data.publish'],
  });
  const versions = (version: string, revision: string) => ({
    ...gallery(),
    terraform_data: { line: line(referencingLine), publish: publish(version, revision), promote: promote(version, revision) },
  });

  test('clean: a new build publishes (and promotes) a new version beside the old', () => {
    expect(harness.deploy('main', stack(versions('2026.101.0', 'a'))).violations).toEqual([]);
    const rebuild = harness.deploy('main', stack(versions('2026.102.0', 'b')));
    expect(rebuild.summary.replace).toEqual(['terraform_data.promote', 'terraform_data.publish']);
    expect(rebuild.violations).toEqual([]);
  });

  test('same-name: a new build that publishes a version name again', () => {
    harness.deploy('main', stack(versions('2026.101.0', 'a')));
    const again = harness.deploy('main', stack(versions('2026.101.0', 'b')));
    expect(again.summary.replace).toEqual(['terraform_data.promote', 'terraform_data.publish']);
    expect(rules(again)).toEqual(['same-name terraform_data.publish']);
  });

  test('line-kept: a line replaced in place (same input) deletes every kept version; a line moved elsewhere may go', () => {
    const withLine = (l: any) => ({ ...gallery(), terraform_data: { line: l } });
    harness.deploy('main', stack(withLine(line(referencingLine, { revision: 'a' }))));
    const replaced = harness.deploy('main', stack(withLine(line(referencingLine, { revision: 'b' }))));
    expect(replaced.summary.replace).toEqual(['terraform_data.line']);
    expect(rules(replaced)).toEqual(['line-kept terraform_data.line']);
    const moved = harness.deploy('main', stack(withLine(line({ ...referencingLine, gallery_image: 'web-v2' }, { revision: 'b' }))));
    expect(moved.summary.replace).toEqual(['terraform_data.line']);
    expect(moved.violations).toEqual([]);
  });

  test('versions-before-definition: destroyed, the line that references its definition goes first', () => {
    harness.deploy('main', stack(versions('2026.101.0', 'a')));
    const destroyed = harness.destroy('main', stack(versions('2026.101.0', 'a')));
    expect(destroyed.summary.delete).toContain('azurerm_shared_image.def');
    expect(destroyed.violations).toEqual([]);
    const log = destroyed.applyLog ?? '';
    expect(log.indexOf('terraform_data.line: Destruction complete')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('terraform_data.azurerm_shared_image__def: Destroying...'))
      .toBeGreaterThan(log.indexOf('terraform_data.line: Destruction complete'));
  });

  test('versions-before-definition: a line that names its definition by literal names may be destroyed after it', () => {
    const literal = { ...gallery(), terraform_data: { line: line({ resource_group_name: 'rg-build', gallery_name: 'gal_web', gallery_image: 'web' }) } };
    harness.deploy('main', stack(literal));
    expect(rules(harness.destroy('main', stack(literal)))).toEqual(['versions-before-definition terraform_data.line']);
  });

  test('clean: a definition replaced with its line (which depends on it): the versions go first, then the definition', () => {
    const withLine = (trustedLaunch: boolean) => ({
      ...gallery(trustedLaunch), terraform_data: { line: line(referencingLine, { definition: '${azurerm_shared_image.def.id}' }) },
    });
    harness.deploy('main', stack(withLine(true)));
    const r = harness.deploy('main', stack(withLine(false)));
    expect(r.summary).toMatchObject({ create: [], replace: ['azurerm_shared_image.def', 'terraform_data.line'], update: [], delete: [] });
    expect(r.violations).toEqual([]);
  });

  test('versions-before-definition: a definition replaced while its line (and its versions) stays', () => {
    harness.deploy('main', stack({ ...gallery(true), terraform_data: { line: line(referencingLine) } }));
    const r = harness.deploy('main', stack({ ...gallery(false), terraform_data: { line: line(referencingLine) } }));
    expect(r.summary).toMatchObject({ create: [], replace: ['azurerm_shared_image.def'], update: [], delete: [] });
    expect(rules(r)).toEqual(['versions-before-definition azurerm_shared_image.def']);
  });
});

describe('day-2 stand-in: force-new paths nested in blocks inside blocks', () => {
  const nic = {
    network_interface: [{
      name: 'nic',
      ip_configuration: [
        { name: 'a', public_ip_address: { name: 'pip', version: 'IPv4', ip_tag: [{ tag: 't', type: 'FirstPartyUsage' }] } },
        { name: 'b' },
      ],
    }],
    rolling_upgrade_policy: { max_batch_instance_percent: 20 },
  };

  test('a.b.c.d picks every element of every level; absent all the way down is undefined', () => {
    expect(pick(nic, 'network_interface.name')).toEqual(['nic']);
    expect(pick(nic, 'network_interface.ip_configuration.name')).toEqual([['a', 'b']]);
    expect(pick(nic, 'network_interface.ip_configuration.public_ip_address.version')).toEqual([[['IPv4'], undefined]]);
    expect(pick(nic, 'network_interface.ip_configuration.public_ip_address.ip_tag.*'))
      .toEqual([[[[{ tag: 't', type: 'FirstPartyUsage' }]], undefined]]);
    expect(pick(nic, 'network_interface.ip_configuration.public_ip_address.public_ip_prefix_id')).toBeUndefined();
    expect(pick({ network_interface: [{ name: 'nic', ip_configuration: [{ name: 'a' }] }] },
      'network_interface.ip_configuration.public_ip_address.version')).toBeUndefined();
  });

  test('a.# is the count of a block written as an object or a list, whatever its fields', () => {
    expect(pick(nic, 'rolling_upgrade_policy.#')).toBe(1);
    expect(pick({ rolling_upgrade_policy: [{ max_batch_instance_percent: 50 }] }, 'rolling_upgrade_policy.#')).toBe(1);
    expect(pick({}, 'rolling_upgrade_policy.#')).toBeUndefined();
  });
});

describeWithTerraform('day-2 stand-in and checker: a load-balanced scale set (azurerm 4.55)', () => {
  const harness = new Day2Harness();
  afterAll(() => harness.dispose());
  beforeEach(() => harness.reset());

  const LB_ID = '${azurerm_lb.lb.id}';
  const IMAGE_1 = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-1';
  const IMAGE_2 = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-build/providers/Microsoft.Compute/images/img-2';
  const rules = (r: { violations: { rule: string; address: string }[] }) => r.violations.map((v) => `${v.rule} ${v.address}`).sort();
  const VMSS = 'azurerm_windows_virtual_machine_scale_set.vmss';
  const LB_CHILDREN = ['azurerm_lb_backend_address_pool.pool', 'azurerm_lb_outbound_rule.out', 'azurerm_lb_probe.http', 'azurerm_lb_rule.http'];

  interface Options {
    vmss?: Record<string, unknown>;
    publicIp?: Record<string, unknown>;
    ipConfiguration?: Record<string, unknown>;
    nicName?: string;
    lb?: Record<string, unknown>;
    probe?: Record<string, unknown>;
    vmssLifecycle?: Record<string, unknown>;
    extra?: Record<string, Record<string, unknown>>;
  }

  function scaleSet(o: Options = {}): any {
    return stack({
      azurerm_lb: {
        lb: {
          name: 'lb-web',
          resource_group_name: RG,
          location: 'westeurope',
          sku: 'Standard',
          frontend_ip_configuration: [{ name: 'public', public_ip_address_id: '/pip/lb' }],
          ...o.lb,
        },
      },
      azurerm_lb_backend_address_pool: { pool: { name: 'web', loadbalancer_id: LB_ID } },
      azurerm_lb_probe: { http: { name: 'http', loadbalancer_id: LB_ID, protocol: 'Http', port: 80, request_path: '/', ...o.probe } },
      azurerm_lb_rule: {
        http: {
          name: 'http',
          loadbalancer_id: LB_ID,
          frontend_ip_configuration_name: '${azurerm_lb.lb.frontend_ip_configuration[0].name}',
          protocol: 'Tcp',
          frontend_port: 80,
          backend_port: 80,
          backend_address_pool_ids: ['${azurerm_lb_backend_address_pool.pool.id}'],
          probe_id: '${azurerm_lb_probe.http.id}',
          disable_outbound_snat: true,
        },
      },
      azurerm_lb_outbound_rule: {
        out: {
          name: 'out',
          loadbalancer_id: LB_ID,
          protocol: 'All',
          backend_address_pool_id: '${azurerm_lb_backend_address_pool.pool.id}',
          frontend_ip_configuration: [{ name: '${azurerm_lb.lb.frontend_ip_configuration[0].name}' }],
        },
      },
      azurerm_windows_virtual_machine_scale_set: {
        vmss: {
          name: 'vmss-web',
          resource_group_name: RG,
          location: 'westeurope',
          sku: 'Standard_D2s_v5',
          instances: 3,
          admin_username: 'admin1',
          admin_password: '${random_password.pw.result}',
          computer_name_prefix: 'web',
          source_image_id: IMAGE_1,
          upgrade_mode: 'Rolling',
          health_probe_id: '${azurerm_lb_probe.http.id}',
          rolling_upgrade_policy: {
            max_batch_instance_percent: 20,
            max_unhealthy_instance_percent: 20,
            max_unhealthy_upgraded_instance_percent: 20,
            pause_time_between_batches: 'PT0S',
          },
          os_disk: { caching: 'ReadWrite', storage_account_type: 'StandardSSD_LRS' },
          network_interface: [{
            name: o.nicName ?? 'nic',
            primary: true,
            ip_configuration: [{
              name: 'internal',
              primary: true,
              subnet_id: '/subnets/web',
              load_balancer_backend_address_pool_ids: ['${azurerm_lb_backend_address_pool.pool.id}'],
              ...(o.publicIp ? { public_ip_address: [{ name: 'pip', ...o.publicIp }] } : {}),
              ...o.ipConfiguration,
            }],
          }],
          ...(o.vmssLifecycle ? { lifecycle: o.vmssLifecycle } : {}),
          ...o.vmss,
        },
      },
      ...o.extra,
    });
  }

  /** The arguments a planned change of `address` changes (top-level keys of the stand-in's input). */
  function changedArguments(step: any, address: string): string[] {
    const [type, name] = address.split('.');
    const rc = step.plan.resource_changes.find((x: any) => x.address === `terraform_data.${type}__${name}`);
    const before = rc.change.before?.input ?? {};
    const after = rc.change.after?.input ?? {};
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
  }

  test('a new image, the instance count, the rolling policy\'s fields, the ip configuration, sku and custom data update the scale set '
    + 'in place; the load balancer stays', () => {
    expect(harness.deploy('main', scaleSet()).violations).toEqual([]);
    const rollout = harness.deploy('main', scaleSet({
      vmss: {
        source_image_id: IMAGE_2,
        instances: 300,
        sku: 'Standard_D4s_v5',
        custom_data: 'eA==',
        rolling_upgrade_policy: {
          max_batch_instance_percent: 50,
          max_unhealthy_instance_percent: 50,
          max_unhealthy_upgraded_instance_percent: 50,
          pause_time_between_batches: 'PT1M',
        },
      },
      ipConfiguration: { name: 'internal-2', subnet_id: '/subnets/web-2' },
    }));
    expect(rollout.summary).toMatchObject({ create: [], replace: [], update: [VMSS], delete: [] });
    expect(changedArguments(rollout, VMSS)).toEqual(['custom_data', 'instances', 'network_interface', 'rolling_upgrade_policy', 'sku', 'source_image_id']);
    expect(rollout.violations).toEqual([]);
  });

  test('the scale set is replaced by its ForceNew arguments: network_interface.name, upgrade_mode, the rolling policy removed, '
    + 'a public IP version four blocks deep', () => {
    harness.deploy('main', scaleSet({ publicIp: {} }));
    const replaced = (o: Options) => {
      const r = harness.deploy('main', scaleSet(o), { planOnly: true });
      return {
        summary: r.summary,
        cause: replacementCause(r.plan.resource_changes.find((x: any) =>
          x.address === 'terraform_data.azurerm_windows_virtual_machine_scale_set__vmss').change),
      };
    };
    expect(replaced({ publicIp: {}, nicName: 'nic-2' })).toMatchObject({ summary: { replace: [VMSS], update: [] }, cause: ['network_interface.name'] });
    expect(replaced({ publicIp: {}, vmss: { upgrade_mode: 'Automatic' } })).toMatchObject({ summary: { replace: [VMSS] }, cause: ['upgrade_mode'] });
    expect(replaced({ publicIp: { version: 'IPv6' } })).toMatchObject({
      summary: { replace: [VMSS] }, cause: ['network_interface.ip_configuration.public_ip_address.version'],
    });
    expect(replaced({ publicIp: {}, vmss: { computer_name_prefix: 'app' } })).toMatchObject({ summary: { replace: [VMSS] }, cause: ['computer_name_prefix'] });
    expect(replaced({ publicIp: {}, vmss: { secure_boot_enabled: true } })).toMatchObject({ summary: { replace: [VMSS] }, cause: ['secure_boot_enabled'] });
    expect(replaced({ publicIp: { name: 'pip-2', domain_name_label: 'web' } }).summary).toMatchObject({ replace: [], update: [VMSS] });
    expect(replaced({ publicIp: {}, vmss: { rolling_upgrade_policy: undefined, upgrade_mode: undefined } }).cause)
      .toEqual(['rolling_upgrade_policy.#', 'upgrade_mode']);
  });

  test('load balancer: the probe\'s port updates in place; a new sku replaces the load balancer and, through its id, every child', () => {
    harness.deploy('main', scaleSet());
    expect(harness.deploy('main', scaleSet({ probe: { port: 8080, request_path: '/health' } })).summary)
      .toMatchObject({ create: [], replace: [], update: ['azurerm_lb_probe.http'], delete: [] });
    const sku = harness.deploy('main', scaleSet({ probe: { port: 8080, request_path: '/health' }, lb: { sku: 'Gateway' } }), { planOnly: true });
    expect(sku.summary.replace).toEqual(['azurerm_lb.lb', ...LB_CHILDREN]);
    // The scale set's pool and probe ids keep their names, hence their ids: known after apply, an update of the scale set.
    expect(sku.summary.update).toEqual([VMSS]);
  });

  test('load balancer children are identified under their load balancer: two pools with one name are caught', () => {
    const r = harness.deploy('main', scaleSet({ extra: { azurerm_lb_backend_address_pool: { pool: { name: 'web', loadbalancer_id: LB_ID }, again: { name: 'WEB', loadbalancer_id: LB_ID } } } }));
    expect(rules(r)).toEqual(['same-name azurerm_lb_backend_address_pool.again']);
  });

  test('scale-set-rollout: a scale set replaced while its image changes (a ForceNew argument, or replace_triggered_by)', () => {
    harness.deploy('main', scaleSet({ extra: { terraform_data: { revision: { triggers_replace: 'a' } } } }));
    const forced = harness.deploy('main', scaleSet({
      vmss: { source_image_id: IMAGE_2, upgrade_mode: 'Automatic', rolling_upgrade_policy: undefined },
      extra: { terraform_data: { revision: { triggers_replace: 'a' } } },
    }));
    expect(forced.summary.replace).toEqual([VMSS]);
    expect(rules(forced)).toEqual([`scale-set-rollout ${VMSS}`]);
    expect(forced.violations[0].message).toContain('forced by rolling_upgrade_policy.#, upgrade_mode');
    const triggered = harness.deploy('main', scaleSet({
      vmss: { source_image_id: IMAGE_1, upgrade_mode: 'Automatic', rolling_upgrade_policy: undefined },
      vmssLifecycle: { replace_triggered_by: ['terraform_data.revision'] },
      extra: { terraform_data: { revision: { triggers_replace: 'b' } } },
    }));
    expect(triggered.summary.replace).toEqual([VMSS, 'terraform_data.revision']);
    expect(triggered.violations.map((v) => v.message)).toEqual([expect.stringContaining('forced by lifecycle.replace_triggered_by')]);
    // Replaced without an image change: not this rule's business.
    const sameImage = harness.deploy('main', scaleSet({
      vmss: { source_image_id: IMAGE_1, upgrade_mode: 'Manual', rolling_upgrade_policy: undefined },
      extra: { terraform_data: { revision: { triggers_replace: 'b' } } },
    }));
    expect(sameImage.summary.replace).toEqual([VMSS]);
    expect(sameImage.violations).toEqual([]);
  });
});
