/**
 * Day 2 without Azure (DESIGN.md, "Image lifecycle: day 2 is the product", and "Testing what cannot reach Azure" 8):
 * the bundled example's two stacks, as stand-ins (test/day2/standin.ts), planned and applied by real Terraform through
 * a sequence of changes; each scenario asserts the exact sets of created, replaced, updated and deleted resources and
 * that no Azure rule breaks (test/day2/checker.ts).
 *
 * Expected addresses are derived from the synthesized JSON (by type and construct path), never hard-coded hashes.
 * Changes are the example's own options (a re-synthesis), as a user makes them; the frozen old design has no options,
 * so its changes are made by editing its JSON (the `edit*` helpers).
 *
 * 'the checker catches the old design' runs the same harness on a frozen copy of the example as it was before the
 * day-2 design (test/day2/fixtures/old-design) and asserts that the violations the new design removes are detected.
 */
import * as fs from 'fs';
import * as path from 'path';
import { StepResult } from './day2/harness';
import {
  actions, addresses, clone, crossStackOutputs, DATA_VALUES, deployedBaseline, describeWithTerraform, Deployment, EMPTY, instanceNames,
  NEW_BASE_VERSION, resources, scenarioHarness as stacksHarness, Stacks, synthStacks, violationsOf,
} from './day2/scenario';
import { buildApp, BuildAppOptions } from '../examples/golden-image/main';


const IMAGE = 'golden-image';
const FLEET = 'golden-fleet';

const synth = (options: BuildAppOptions = {}): Stacks => synthStacks((app) => buildApp(app, options));

function fixture(name: string): Stacks {
  const dir = path.join(__dirname, 'day2', 'fixtures', name);
  return Object.fromEntries([IMAGE, FLEET].map((s) => [s, JSON.parse(fs.readFileSync(path.join(dir, s, 'cdk.tf.json'), 'utf8'))]));
}

// ---- Changes to the frozen old design, which has no options: edits of its synthesized image stack (its VM and, where
// it has one, its BuildSpec, whose size trigger replaced the VM) ----

const buildVmOf = (stack: any) => {
  const vms = resources(stack).filter((r) => r.type === 'azurerm_windows_virtual_machine');
  if (vms.length !== 1) {
    throw new Error(`expected one build VM in the image stack, found ${vms.length}`);
  }
  return vms[0].body;
};
const buildSpecOf = (stack: any) => resources(stack).find((r) => r.type === 'terraform_data' && r.path.endsWith('/BuildSpec'))?.body;

/** Sets every BuildSpec trigger whose key matches `key` with `change`; returns how many. */
function editBuildSpec(stack: any, key: RegExp, change: (old: any) => any): number {
  const triggers = buildSpecOf(stack)?.triggers_replace;
  if (!triggers || typeof triggers !== 'object') {
    return 0;
  }
  const keys = Object.keys(triggers).filter((k) => key.test(k));
  for (const k of keys) {
    triggers[k] = change(triggers[k]);
  }
  return keys.length;
}

/** A new setup: the VM's custom data (if the setup travels there) and the BuildSpec's setup/custom-data hash. */
function editSetup(stacks: Stacks): Stacks {
  const out = clone(stacks);
  const vm = buildVmOf(out[IMAGE]);
  let edits = editBuildSpec(out[IMAGE], /setup|custom_data/i, (old) => `${old}-changed`);
  if (typeof vm.custom_data === 'string' && !vm.custom_data.includes('${')) {
    vm.custom_data = Buffer.from(`${Buffer.from(vm.custom_data, 'base64').toString('utf8')}\n# changed\n`).toString('base64');
    edits++;
  }
  if (edits === 0) {
    throw new Error('no setup input found to change (BuildSpec trigger matching /setup|custom_data/, or VM custom_data)');
  }
  return out;
}

function editVmSize(stacks: Stacks, size = 'Standard_D4s_v5'): Stacks {
  const out = clone(stacks);
  buildVmOf(out[IMAGE]).size = size;
  editBuildSpec(out[IMAGE], /size/i, () => size);
  return out;
}

const TAGGABLE = new Set(['azurerm_resource_group', 'azurerm_virtual_network', 'azurerm_network_security_group',
  'azurerm_network_interface', 'azurerm_public_ip', 'azurerm_windows_virtual_machine', 'azurerm_image',
  'azurerm_shared_image_gallery', 'azurerm_shared_image', 'azurerm_shared_image_version', 'azurerm_managed_disk']);
const NEW_TAGS = { patch: '2026-02' };

/** New tags on every taggable resource of the image stack, and in the BuildSpec if it holds the tags. */
function editTags(stacks: Stacks): Stacks {
  const out = clone(stacks);
  for (const r of resources(out[IMAGE])) {
    if (TAGGABLE.has(r.type)) {
      r.body.tags = { ...(r.body.tags ?? {}), ...NEW_TAGS };
    }
  }
  const vmTags = buildVmOf(out[IMAGE]).tags;
  editBuildSpec(out[IMAGE], /tags/i, (old) => (typeof old === 'string' ? JSON.stringify(vmTags) : vmTags));
  return out;
}

/** Azure-side arguments that changed between two versions of a stack, by address (terraform_data excluded). */
function changedAzureResources(before: any, after: any): string[] {
  const strip = (b: any) => JSON.stringify({ ...b, '//': undefined });
  const old = new Map(resources(before).map((r) => [`${r.type}.${r.name}`, r.body]));
  return resources(after).filter((r) => r.type !== 'terraform_data' && old.has(`${r.type}.${r.name}`)
    && strip(old.get(`${r.type}.${r.name}`)) !== strip(r.body)).map((r) => `${r.type}.${r.name}`).sort();
}

// ---- The runs ----

const scenarioHarness = () => stacksHarness(IMAGE, FLEET);

describeWithTerraform('day 2 of the golden-image example (stand-ins, real Terraform)', () => {
  const scenario = scenarioHarness();
  const { harness, deploy, both } = scenario;
  const suite = deployedBaseline(scenario, 'day-2 scenario', () => synth({ fleetCount: 3 }));
  /** The baseline, deployed (restored from the snapshot). */
  const both0 = (): Deployment => suite.deployed;

  const imageResources = () => resources(suite.baseline[IMAGE]);
  const fleetResources = () => resources(suite.baseline[FLEET]);

  /**
   * The image-stack plan of a rebuild: build spec, VM, revision, operator and capture steps replaced, nothing else. The
   * image lines stay: replacing one would run its destroy-time deletion of every kept image.
   */
  function expectRebuild(step: StepResult, changed: Stacks, updates: string[] = []) {
    const rebuilt = imageResources().filter((r) => (r.type === 'terraform_data' && !r.path.endsWith('/ImageLine'))
      || r.type === 'azurerm_windows_virtual_machine' || r.type === 'azurerm_image' || r.type === 'azurerm_shared_image_version');
    expect(rebuilt.filter((r) => r.type === 'terraform_data').map((r) => r.path.split('/').slice(1).join('/')).sort()).toEqual([
      'BuildVm/BaseImageCheck', 'BuildVm/BuildRevision', 'BuildVm/BuildSpec', 'BuildVm/Setup', 'Image/Capture', 'Image/Generalize', 'ImageCopy/Capture',
    ]);
    expect(actions(step.summary)).toEqual({ create: [], replace: addresses(rebuilt), update: updates, delete: [] });
    expect(changedAzureResources(suite.baseline[IMAGE], changed[IMAGE]).filter((a) => !a.startsWith('azurerm_windows_virtual_machine.')))
      .toEqual(updates);
    expect(violationsOf(step)).toEqual([]);
  }

  /** The fleet-stack plan after a rebuild was applied: every instance rolls new-before-old onto the new image id. */
  function expectRollout(before: Deployment, image: StepResult, fleet: StepResult) {
    expect(crossStackOutputs(image)).not.toEqual(crossStackOutputs(before.image));
    for (const [name, value] of Object.entries(crossStackOutputs(image))) {
      expect([name, value]).not.toEqual([name, crossStackOutputs(before.image)[name]]);
    }
    const perInstance = fleetResources().filter((r) => r.body.for_each !== undefined);
    const steps = fleetResources().filter((r) => r.type === 'terraform_data');
    expect(actions(fleet.summary)).toEqual({ ...EMPTY, replace: addresses([...perInstance, ...steps], instanceNames(3)) });
    for (const address of addresses(perInstance, instanceNames(3))) {
      expect([address, fleet.summary.replaceOrder[address]]).toEqual([address, 'create-before-destroy']);
    }
    expect(violationsOf(fleet)).toEqual([]);
  }

  test('first deploy creates everything, and a second plan changes nothing', () => {
    harness.reset();
    const first = both(suite.baseline);
    expect(actions(first.image.summary)).toEqual({ ...EMPTY, create: addresses(imageResources()) });
    expect(actions(first.fleet.summary)).toEqual({ ...EMPTY, create: addresses(fleetResources(), instanceNames(3)) });
    expect(violationsOf(first.image, first.fleet)).toEqual([]);
    const again = both(suite.baseline);
    expect(actions(again.image.summary)).toEqual(EMPTY);
    expect(actions(again.fleet.summary)).toEqual(EMPTY);
  });

  test('setup changed: the build is replaced, the network untouched, then the fleet rolls new-before-old', () => {
    const before = both0();
    const changed = synth({ fleetCount: 3, pageTitle: 'Golden image web server 2.0' });
    const image = deploy(IMAGE, changed[IMAGE]);
    expectRebuild(image, changed);
    expectRollout(before, image, deploy(FLEET, changed[FLEET]));
  });

  test('base image version changed (latest resolved at plan time): the same rebuild and rollout', () => {
    const before = both0();
    const options = { dataValues: { ...DATA_VALUES, azurerm_platform_image: { version: NEW_BASE_VERSION } } };
    const image = deploy(IMAGE, suite.baseline[IMAGE], options);
    expectRebuild(image, suite.baseline);
    expectRollout(before, image, deploy(FLEET, suite.baseline[FLEET], options));
  });

  test('VM size changed: the same rebuild and rollout', () => {
    const before = both0();
    const changed = synth({ fleetCount: 3, buildVmSize: 'Standard_D4s_v5' });
    const image = deploy(IMAGE, changed[IMAGE]);
    expectRebuild(image, changed);
    expectRollout(before, image, deploy(FLEET, changed[FLEET]));
  });

  test('tags changed: the same rebuild (the build VM is never updated); taggable network resources update in place', () => {
    const before = both0();
    const changed = synth({ fleetCount: 3, tags: NEW_TAGS });
    const image = deploy(IMAGE, changed[IMAGE]);
    // GoldenVm's tags go on the resources it creates: its resource group and network, and the VM (replaced).
    const taggedInPlace = addresses(imageResources().filter((r) => ['BuildVm/ResourceGroup', 'BuildVm/VirtualNetwork',
      'BuildVm/NetworkSecurityGroup', 'BuildVm/NetworkInterface'].some((p) => r.path.endsWith(`/${p}`))));
    expect(taggedInPlace).toHaveLength(4);
    expectRebuild(image, changed, taggedInPlace);
    expectRollout(before, image, deploy(FLEET, changed[FLEET]));
  });

  test('fleet count 3 -> 5: two more instances, the URL check again, nothing in the image stack', () => {
    const five = synth({ fleetCount: 5 });
    const { image, fleet } = both(five);
    expect(actions(image.summary)).toEqual(EMPTY);
    const perInstance = resources(five[FLEET]).filter((r) => r.body.for_each !== undefined);
    const urlChecks = resources(five[FLEET]).filter((r) => r.type === 'terraform_data' && /UrlCheck/.test(r.path));
    expect(urlChecks).toHaveLength(1);
    expect(actions(fleet.summary)).toEqual({ ...EMPTY, create: addresses(perInstance, ['web0004', 'web0005']), replace: addresses(urlChecks) });
    expect(violationsOf(image, fleet)).toEqual([]);
  });

  test('a rebuild while the fleet runs: new images beside the old, the fleet rolls onto the new image id', () => {
    const before = both0();
    const changed = synth({ fleetCount: 3, buildVmSize: 'Standard_D4s_v5' });
    const image = deploy(IMAGE, changed[IMAGE]);
    expectRebuild(image, changed);
    const fleet = deploy(FLEET, changed[FLEET]);
    expectRollout(before, image, fleet);
    // The fleet's VMs now come from the new image id.
    const vmInputs = fleet.stateAfter.values.root_module.resources
      .filter((r: any) => /^terraform_data\.azurerm_windows_virtual_machine__[^[]+\[/.test(r.address) && !r.address.includes('__computed['))
      .map((r: any) => r.values.input.source_image_id);
    expect(vmInputs).toHaveLength(3);
    for (const id of vmInputs) {
      expect(Object.values(crossStackOutputs(image))).toContain(id);
    }
  });

  test('destroy of both stacks, fleet first: everything deleted, no rule broken', () => {
    const fleet = harness.destroy(FLEET, suite.baseline[FLEET], { dataValues: DATA_VALUES });
    expect(actions(fleet.summary)).toEqual({ ...EMPTY, delete: addresses(fleetResources(), instanceNames(3)) });
    const image = harness.destroy(IMAGE, suite.baseline[IMAGE], { dataValues: DATA_VALUES });
    expect(actions(image.summary)).toEqual({ ...EMPTY, delete: addresses(imageResources()) });
    expect(violationsOf(fleet, image)).toEqual([]);
    expect(harness.stateAddresses(FLEET)).toEqual([]);
    expect(harness.stateAddresses(IMAGE)).toEqual([]);
  });
});

describeWithTerraform('day 2: the checker catches the old design (frozen fixture of the example before the day-2 design)', () => {
  const { harness, deploy, both } = scenarioHarness();
  const old = fixture('old-design');
  const extensions = addresses(resources(old[IMAGE]).filter((r) => r.type === 'azurerm_virtual_machine_extension'));
  const vm = addresses(resources(old[IMAGE]).filter((r) => r.type === 'azurerm_windows_virtual_machine'));
  const rules = (step: StepResult) => step.violations.map((v) => `${v.rule} ${v.address}`).sort();

  beforeEach(() => harness.reset());
  afterAll(() => harness.dispose());

  test('the fixture is today\'s design: a setup extension on the build VM, one image name per stack', () => {
    expect(extensions).toHaveLength(1);
    expect(vm).toHaveLength(1);
  });

  test('first deploy: clean', () => {
    const first = both(old);
    expect(violationsOf(first.image, first.fleet)).toEqual([]);
  });

  test('a rebuild (VM size) deletes the setup extension of the generalized build VM', () => {
    both(old);
    const image = deploy(IMAGE, editVmSize(old)[IMAGE]);
    expect(image.summary.replace).toEqual(expect.arrayContaining([...vm, ...extensions]));
    expect(rules(image)).toEqual(extensions.map((e) => `frozen-vm ${e}`));
  });

  test('setup changed: the extension is replaced on the generalized VM', () => {
    both(old);
    const image = deploy(IMAGE, editSetup(old)[IMAGE]);
    expect(rules(image)).toEqual(extensions.map((e) => `frozen-vm ${e}`));
  });

  test('tags changed: the generalized build VM is updated in place', () => {
    both(old);
    const image = deploy(IMAGE, editTags(old)[IMAGE]);
    expect(image.summary.update).toEqual(expect.arrayContaining(vm));
    expect(rules(image)).toEqual(vm.map((v) => `frozen-vm ${v}`));
  });

  test('the rebuilt image keeps its name, hence its id: the fleet does not roll', () => {
    const before = both(old);
    const changed = editVmSize(old);
    const image = deploy(IMAGE, changed[IMAGE]);
    expect(crossStackOutputs(image)).toEqual(crossStackOutputs(before.image));
    const fleet = deploy(FLEET, changed[FLEET]);
    expect(actions(fleet.summary)).toEqual(EMPTY);
  });

  test('destroy: the image stack deletes the extension of the generalized VM', () => {
    both(old);
    harness.destroy(FLEET, old[FLEET]);
    const image = harness.destroy(IMAGE, old[IMAGE]);
    expect(rules(image)).toEqual(extensions.map((e) => `frozen-vm ${e}`));
  });
});
