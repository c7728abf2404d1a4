/**
 * ImageFleet's expressions evaluated by real Terraform (`terraform console` over provider-free stand-ins) and its image
 * rollouts played by real Terraform plans against a model of Azure (test/util/rollout.ts). The synthesized JSON itself
 * is tested in test/image-fleet.test.ts.
 */
import { TerraformVariable } from 'cdktf';
import { FleetRollout, HyperVGeneration, ImageCopy, ImageFleet, ManagedImage } from '../lib';
import {
  IMAGE_ID, importImage, INSTANCE_TYPES, NEXT_IMAGE_ID, onlyLocal, outputValue, revisionOf, SUBSCRIPTION, synthFleet, terraformData,
} from './util/fleet';
import { playRollout } from './util/rollout';
import { addressOf, onlyResource, synthStack } from './util/synth';
import { evaluate } from './util/terraform';
import { describeWithTerraform } from './util/tools';
import { isComputerName, isNetworkResourceName, isWindowsVmName } from '../lib/private/naming/azure-names';

const TYPES = INSTANCE_TYPES;

describeWithTerraform('ImageFleet under real Terraform', () => {
  test('real Terraform computes the instance names and evaluates every output and the URL check input', () => {
    // GIVEN the synthesized expressions, with the azurerm resources replaced by stand-ins of their attributes
    const { parsed } = synthFleet({ count: 12, verifyUrls: true, appPort: 8080, outputPrefix: 'fleet' });
    const [localName, instances] = onlyLocal(parsed);
    const vm = addressOf(parsed, 'azurerm_windows_virtual_machine');
    const pip = addressOf(parsed, 'azurerm_public_ip');
    const names = Array.from({ length: 12 }, (_, i) => `web${String(i + 1).padStart(4, '0')}`);
    const standIns = {
      [localName]: instances,
      fake_vm: Object.fromEntries(names.map((n, i) => [n, { private_ip_address: `10.0.0.${i + 4}` }])),
      fake_pip: Object.fromEntries(names.map((n, i) => [n, { ip_address: `203.0.113.${i + 10}` }])),
    };
    const substitute = (expression: string) => expression.split(vm).join('local.fake_vm').split(pip).join('local.fake_pip');
    const check = terraformData(parsed, 'UrlCheck').body.provisioner[0]['local-exec'];
    // WHEN
    const values = evaluate(standIns, {
      for_each: `\${local.${localName}}`,
      names: substitute(outputValue(parsed, 'fleet_instance_names')),
      private: substitute(outputValue(parsed, 'fleet_private_ips')),
      public: substitute(outputValue(parsed, 'fleet_public_ips')),
      urls: substitute(outputValue(parsed, 'fleet_urls')),
      targets: substitute(check.environment.FLEET_TARGETS),
    });
    // THEN
    expect(Object.keys(values.for_each as object)).toEqual(names);
    expect(values.names).toEqual(names);
    expect((values.private as any).web0012).toBe('10.0.0.15');
    expect((values.public as any).web0001).toBe('203.0.113.10');
    expect((values.urls as any).web0002).toBe('http://203.0.113.11:8080/');
    expect(values.targets).toBe(names.map((n, i) => `${n}=http://203.0.113.${i + 10}:8080/`).join(' '));
  });

  test('real Terraform numbers the instances up to 9999, for a literal count and for one known only to Terraform', () => {
    // GIVEN the instance map's expression for literal counts around the thousands, and for a count variable
    const counts = [1, 999, 1000, 1001, 3000, 9999];
    const locals: Record<string, string> = {};
    for (const count of counts) {
      locals[`literal_${count}`] = onlyLocal(synthFleet({ count, subnetPrefix: '10.0.0.0/17' }).parsed)[1];
    }
    const { parsed } = synthStack((stack) => {
      const count = new TerraformVariable(stack, 'count', { type: 'number' });
      new ImageFleet(stack, 'Fleet', { image: importImage(stack), count: count.numberValue, resourceGroupName: 'rg-app', namePrefix: 'web' });
    });
    const [, withVariable] = onlyLocal(parsed);
    // Ten ranges, in the map's keys and in its values.
    expect(withVariable.match(/range\(/g)).toHaveLength(20);
    for (const count of [...counts, 0]) {
      locals[`variable_${count}`] = withVariable.split('var.count').join(String(count));
    }
    const condition = terraformData(parsed, 'ImageRevision').body.lifecycle.precondition[0];
    expect(condition.error_message).toMatch(/^ImageFleet '[^']+': count: .* is not a whole number between 1 and 9999\. Fix: pass 1-9999; /);
    const checks = Object.fromEntries([0, 1, 9999, 10000, 2.5].map((count) => [`valid_${String(count).replace('.', '_')}`, condition.condition.split('var.count').join(String(count))]));
    // WHEN
    const values = evaluate(locals, {
      ...Object.fromEntries(Object.keys(locals).map((name) => [name, `\${keys(local.${name})}`])),
      ...checks,
    });
    // THEN
    for (const count of counts) {
      const expected = Array.from({ length: count }, (_, i) => `web${String(i + 1).padStart(4, '0')}`);
      expect(values[`literal_${count}`]).toEqual(expected);
      expect(values[`variable_${count}`]).toEqual(expected);
    }
    expect(values.variable_0).toEqual([]);
    expect([values.valid_0, values.valid_1, values.valid_9999, values.valid_10000, values.valid_2_5]).toEqual([false, true, true, false, false]);
  });

  test('real Terraform computes names that differ per image, repeat for the same image and fit Azure\'s rules', () => {
    // GIVEN a fleet with the longest prefix (so the longest names), from two images, and from the first image again
    const props = { count: 12, namePrefix: 'webfrontend' };
    const fleets = { a: synthFleet(props), b: synthFleet({ ...props, imageId: NEXT_IMAGE_ID }), again: synthFleet(props) };
    const [localName, instances] = onlyLocal(fleets.a.parsed);
    const expressions: Record<string, string> = {};
    for (const [label, { parsed }] of Object.entries(fleets)) {
      expect(onlyLocal(parsed)).toEqual([localName, instances]);
      for (const [kind, type] of Object.entries(TYPES)) {
        // The resource's name template, evaluated for every key of its for_each map (quotes nest inside `${}`).
        const template = onlyResource(parsed, type).name.split('each.key').join('key');
        expressions[`${kind}_${label}`] = `\${{ for key, value in local.${localName}: key => "${template}" }}`;
      }
    }
    // WHEN
    const values = evaluate({ [localName]: instances }, expressions) as Record<string, Record<string, string>>;
    // THEN
    const keys = Object.keys(values.vm_a);
    expect(keys).toHaveLength(12);
    const [revisionA, revisionB] = [revisionOf(IMAGE_ID), revisionOf(NEXT_IMAGE_ID)];
    expect(revisionA).not.toBe(revisionB);
    for (const key of keys) {
      expect(values.vm_a[key]).toBe(`${key}-${revisionA}`);
      expect(values.nic_a[key]).toBe(`nic-${key}-${revisionA}`);
      expect(values.pip_a[key]).toBe(`pip-${key}-${revisionA}`);
      expect(values.vm_b[key]).toBe(`${key}-${revisionB}`);
    }
    for (const kind of Object.keys(TYPES)) {
      expect(values[`${kind}_again`]).toEqual(values[`${kind}_a`]);
    }
    const all = (kind: string) => [...Object.values(values[`${kind}_a`]), ...Object.values(values[`${kind}_b`])];
    expect(all('vm').filter((n) => !isWindowsVmName(n))).toEqual([]);
    expect(all('nic').concat(all('pip')).filter((n) => !isNetworkResourceName(n))).toEqual([]);
    expect(keys.filter((k) => !isComputerName(k))).toEqual([]);
    const longest = Math.max(...all('vm').map((n) => n.length));
    process.stdout.write(`longest VM name: ${longest} characters (Azure allows 64), e.g. ${values.vm_a[keys[11]]}\n`);
    expect(longest).toBe(22);
  });

  test.each([
    ['without', false],
    ['with', true],
  ])('real Terraform rolls a fleet %s the URL check to a new image new-first: every instance serves throughout', (_, verifyUrls) => {
    // GIVEN a deployed fleet
    const before = synthFleet({ verifyUrls }).json;
    // WHEN the image changes (terraform_data stand-ins for the Azure resources, replayed against a model of Azure)
    const rollout = playRollout(before, synthFleet({ verifyUrls, imageId: NEXT_IMAGE_ID }).json);
    process.stdout.write(`rollout ${verifyUrls ? 'with' : 'without'} URL check:\n  ${rollout.steps.join('\n  ')}\n`);
    // THEN Azure accepts every step: no name twice, no NIC on two VMs, no public IP on two NICs
    expect(rollout.violations).toEqual([]);
    // AND at no moment serves any instance less than before
    expect(rollout.servingBefore).toBe(3);
    expect(rollout.minServing).toBe(3);
    // AND the new fleet is all that is left
    const [a, b] = [revisionOf(IMAGE_ID), revisionOf(NEXT_IMAGE_ID)];
    const names = (format: (n: string) => string) => ['web0001', 'web0002', 'web0003'].map(format);
    expect(rollout.finalNames[TYPES.vm]).toEqual(names((n) => `${n}-${b}`));
    expect(rollout.finalNames[TYPES.nic]).toEqual(names((n) => `nic-${n}-${b}`));
    expect(rollout.finalNames[TYPES.pip]).toEqual(names((n) => `pip-${n}-${b}`));
    // AND every old VM goes after its replacement exists, and before its old NSG association
    const at = (step: string) => {
      expect(rollout.steps).toContain(step);
      return rollout.steps.indexOf(step);
    };
    for (const n of names((x) => x)) {
      expect(at(`destroy VM ${n}-${a}`)).toBeGreaterThan(at(`create VM ${n}-${b}`));
      expect(at(`destroy VM ${n}-${a}`)).toBeLessThan(at(`destroy NSG association of ${n}`));
    }
    if (verifyUrls) {
      // AND with the URL check, nothing old goes before every new URL has answered
      const checked = rollout.steps.findIndex((s) => s.startsWith('create check'));
      const firstOldGone = rollout.steps.findIndex((s) => s.startsWith('destroy') && !s.startsWith('destroy check'));
      for (const vm of names((n) => `create VM ${n}-${b}`)) {
        expect(checked).toBeGreaterThan(at(vm));
      }
      expect(firstOldGone).toBeGreaterThan(checked);
    }
  });

  test('ALL_AT_ONCE with an image made in the same stack: plain names, replaced destroy-first, no collision', () => {
    const synthWithCopy = (imageId: string, osDiskId: string) => synthStack((stack) => {
      const source = ManagedImage.fromImageId(stack, 'Golden', { imageId, location: 'westeurope', hyperVGeneration: HyperVGeneration.V2, osDiskId });
      const copy = new ImageCopy(stack, 'Copy', { source, resourceGroupName: 'rg-app-images', imageName: 'img-web' });
      new ImageFleet(stack, 'Fleet', { image: copy, count: 2, resourceGroupName: 'rg-app', namePrefix: 'web', rollout: FleetRollout.ALL_AT_ONCE });
    }).json;
    const disk = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-images/providers/Microsoft.Compute/disks/osdisk-golden`;
    const before = JSON.parse(synthWithCopy(IMAGE_ID, disk));
    const vm = onlyResource(before, TYPES.vm);
    expect(vm.name).toBe('${each.key}');
    expect(vm.lifecycle).toBeUndefined();
    expect(onlyResource(before, TYPES.nic).name).toBe('nic-${each.key}');
    // WHEN a new source image makes a new copy
    const rollout = playRollout(synthWithCopy(IMAGE_ID, disk), synthWithCopy(NEXT_IMAGE_ID, `${disk}-v2`));
    // THEN Azure accepts every step, but the fleet is down meanwhile: that is what ALL_AT_ONCE means
    expect(rollout.violations).toEqual([]);
    expect(rollout.minServing).toBe(0);
  });

  test('known limit: a new admin user name with the same image needs new VMs under the same names, which collide', () => {
    const rollout = playRollout(synthFleet().json, synthFleet({ adminUsername: 'webadmin' }).json);
    const revision = revisionOf(IMAGE_ID);
    expect(rollout.violations).toEqual(expect.arrayContaining([`create VM web0001-${revision}: already exists`]));
    // Azure stops at the first create, so the old fleet stays (the model carries on to list every collision).
    expect(rollout.steps.findIndex((s) => s.startsWith('create VM'))).toBeLessThan(rollout.steps.findIndex((s) => s.startsWith('destroy VM')));
  });
});

