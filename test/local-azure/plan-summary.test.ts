/**
 * What a saved plan does, read from `terraform show -json` (plan-summary.ts), and the resources of a synthesized
 * stack by type and construct path (stack-resources.ts): the pieces every example's day-2 test compares with.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { actionsOf, summarizePlan } from './plan-summary';
import { addressesOf, addressOf, readStack, resourceAt, resourceOfType, resourcesOf, withEditedStack } from './stack-resources';

const change = (address: string, actions: string[], fields: Record<string, unknown> = {}) =>
  ({ address, mode: 'managed', change: { actions, before: {}, after: {}, after_unknown: {}, ...fields } });

describe('summarizePlan', () => {
  const plan = {
    resource_changes: [
      change('azurerm_lb.lb', ['delete', 'create'], {
        before: { sku: 'Standard', name: 'lb' }, after: { sku: 'Gateway', name: 'lb' }, after_unknown: { id: true }, replace_paths: [['sku']],
      }),
      change('azurerm_vm.vm["web0001"]', ['create', 'delete'], { replace_paths: [['network_interface', 0, 'name'], ['computer_name_prefix']] }),
      change('azurerm_vmss.vmss', ['update'], {
        before: { instances: 3, name: 'vmss', network_interface: [{ pool: ['a'] }] },
        after: { instances: 5, name: 'vmss', network_interface: [{}] },
        after_unknown: { network_interface: [{ pool: true }], tags: {} },
      }),
      change('azurerm_rg.rg', ['no-op']),
      change('azurerm_pip.new', ['create']),
      change('azurerm_pip.old', ['delete']),
      { address: 'data.azurerm_client_config.c', mode: 'data', change: { actions: ['read'] } },
    ],
  };

  test('action sets by address, sorted; reads of data sources and no-ops left out', () => {
    expect(actionsOf(summarizePlan(plan))).toEqual({
      create: ['azurerm_pip.new'], replace: ['azurerm_lb.lb', 'azurerm_vm.vm["web0001"]'], update: ['azurerm_vmss.vmss'], delete: ['azurerm_pip.old'],
    });
    expect(summarizePlan(plan).replaceOrder).toEqual({ 'azurerm_lb.lb': 'destroy-before-create', 'azurerm_vm.vm["web0001"]': 'create-before-destroy' });
  });

  test('what forces each replacement, and the top-level arguments each update or replacement changes', () => {
    const summary = summarizePlan(plan);
    expect(summary.replacePaths).toEqual({ 'azurerm_lb.lb': ['sku'], 'azurerm_vm.vm["web0001"]': ['network_interface.0.name', 'computer_name_prefix'] });
    // Changed values and values known only after the apply; an empty unknown marker is no change.
    expect(summary.changed).toEqual({ 'azurerm_lb.lb': ['id', 'sku'], 'azurerm_vm.vm["web0001"]': [], 'azurerm_vmss.vmss': ['instances', 'network_interface'] });
  });
});

describe('stack resources', () => {
  const stack = {
    resource: {
      azurerm_lb: { Web_LoadBalancer_1: { '//': { metadata: { path: 'web/Web/LoadBalancer' } }, 'sku': 'Standard' } },
      azurerm_public_ip: { Web_PublicIp_2: { '//': { metadata: { path: 'web/Web/PublicIp' } }, 'for_each': '${local.instances}' } },
      terraform_data: { Check: { count: 2 } },
    },
  };

  test('by type and construct path; addresses of single resources and for_each instances', () => {
    expect(resourcesOf(stack).map((r) => [r.type, r.name, r.path])).toEqual([
      ['azurerm_lb', 'Web_LoadBalancer_1', 'Web/LoadBalancer'], ['azurerm_public_ip', 'Web_PublicIp_2', 'Web/PublicIp'], ['terraform_data', 'Check', ''],
    ]);
    expect(addressOf(resourceOfType(stack, 'azurerm_lb'))).toBe('azurerm_lb.Web_LoadBalancer_1');
    expect(addressesOf([resourceAt(stack, 'Web/PublicIp'), resourceAt(stack, 'Web/LoadBalancer')], ['web0002', 'web0001'])).toEqual([
      'azurerm_lb.Web_LoadBalancer_1', 'azurerm_public_ip.Web_PublicIp_2["web0001"]', 'azurerm_public_ip.Web_PublicIp_2["web0002"]',
    ]);
    expect(() => resourceAt(stack, 'Web/Missing')).toThrow('expected one resource at Web/Missing, found 0');
    expect(() => resourceOfType(stack, 'azurerm_vm')).toThrow('expected one resource of type azurerm_vm, found 0');
    expect(() => addressesOf(resourcesOf(stack))).toThrow('terraform_data.Check uses count');
  });

  test('an edited copy of a stack directory\'s JSON, put back after its use, even when the use fails', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-resources-'));
    try {
      const synthesized = JSON.stringify(stack);
      fs.writeFileSync(path.join(directory, 'cdk.tf.json'), synthesized);
      const seen = await withEditedStack(directory, (json) => {
        resourceAt(json, 'Web/LoadBalancer').body.sku = 'Gateway';
      }, async () => resourceAt(readStack(directory), 'Web/LoadBalancer').body.sku);
      expect(seen).toBe('Gateway');
      expect(fs.readFileSync(path.join(directory, 'cdk.tf.json'), 'utf8')).toBe(synthesized);
      await expect(withEditedStack(directory, () => undefined, async () => {
        throw new Error('plan failed');
      })).rejects.toThrow('plan failed');
      expect(fs.readFileSync(path.join(directory, 'cdk.tf.json'), 'utf8')).toBe(synthesized);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
