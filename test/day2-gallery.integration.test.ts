/**
 * Day 2 of the gallery-trusted-launch example without Azure (DESIGN.md, "Image lifecycle: day 2 is the product", and
 * "Testing what cannot reach Azure" 8): its two stacks, `gallery-image` (Trusted Launch build VM, generalized, published
 * as a gallery image version, replicated, canaried and promoted) and `gallery-fleet` (web servers from the promoted
 * version, across stacks), as stand-ins (test/day2/standin.ts) planned and applied by real Terraform through a sequence
 * of changes. Each scenario asserts the exact sets of created, replaced, updated and deleted resources and that no Azure
 * rule breaks (test/day2/checker.ts).
 *
 * Expected addresses are derived from the synthesized JSON (by type and construct path), never hard-coded hashes.
 * Changes are the example's own options (a re-synthesis), as a user makes them.
 */
import { StepResult } from './day2/harness';
import {
  actions, addresses, crossStackOutputs, deployedBaseline, describeWithTerraform, EMPTY, instanceNames, pathInStack, Resource,
  resources, scenarioHarness, Stacks, synthStacks, violationsOf,
} from './day2/scenario';
import { OPERATOR_OUTPUT_PREFIX, originalAddress, standInAddress } from './day2/standin';
import { buildApp, BuildAppOptions } from '../examples/gallery-trusted-launch/main';


const IMAGE = 'gallery-image';
const FLEET = 'gallery-fleet';
/** The example's fleet size, and the one that needs more replicas: one replica per 50 VMs of a region. */
const FLEET_COUNT = 3;
const BIG_FLEET_COUNT = 160;
const VMS_PER_REPLICA = 50;
const NEW_PAGE_TITLE = 'Golden image web server 2.0';

const synth = (options: BuildAppOptions = {}): Stacks => synthStacks((app) => buildApp(app, options));

/** The one resource of a stack at construct path `<stack>/<p>`. */
function byPath(stack: any, p: string): Resource {
  const found = resources(stack).filter((r) => pathInStack(r) === p);
  if (found.length !== 1) {
    throw new Error(`expected one resource at ${p}, found ${found.length}`);
  }
  return found[0];
}

const address = (r: Resource) => addresses([r])[0];

/** The resolved environment of an operator step, as the stand-in records it in the state after the apply. */
function operatorEnvironment(step: StepResult, r: Resource): Record<string, string> {
  const output = step.stateAfter?.values?.outputs?.[`${OPERATOR_OUTPUT_PREFIX}${r.name}`];
  if (!output) {
    throw new Error(`no operator output for ${r.path} in the state of ${step.stack}`);
  }
  return output.value.environment;
}

/** Values of a resource (by its address in the stand-in configuration) in the state after the apply. */
function stateValues(step: StepResult, standIn: string): any {
  const found = (step.stateAfter?.values?.root_module?.resources ?? []).find((r: any) => r.address === standIn);
  if (!found) {
    throw new Error(`${standIn} is not in the state of ${step.stack}`);
  }
  return found.values;
}

/** `X.Y.Z` as three numbers (Azure: each a 32-bit integer). */
function versionNumbers(version: string): number[] {
  expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  const numbers = version.split('.').map(Number);
  for (const n of numbers) {
    expect(n).toBeLessThanOrEqual(2 ** 31 - 1);
  }
  return numbers;
}

/** Negative, zero or positive as version `a` sorts before, with or after `b` (number by number). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [versionNumbers(a), versionNumbers(b)];
  return x.map((n, i) => n - y[i]).find((d) => d !== 0) ?? 0;
}

/** `name=count=storage` lines of GOLDEN_TARGET_REGIONS, as replica counts by region. */
function replicaCounts(targetRegions: string): Record<string, number> {
  return Object.fromEntries(targetRegions.split('\n').map((line) => {
    const [region, count, storage] = line.split('=');
    expect(storage).toMatch(/^(Standard_LRS|Standard_ZRS|Premium_LRS)$/);
    return [region, Number(count)];
  }));
}

/** The planned actions of every managed resource instance, by original address (no-ops included). */
function plannedActions(step: StepResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const rc of step.plan.resource_changes ?? []) {
    const original = originalAddress(rc.address);
    if (rc.mode === 'managed' && !original?.computed) {
      out[original?.address ?? rc.address] = rc.change.actions;
    }
  }
  return out;
}

/** `depends_on` of a resource in the plan's configuration (stand-in addresses). */
function configDependsOn(step: StepResult, standIn: string): string[] {
  const r = (step.plan.configuration?.root_module?.resources ?? []).find((x: any) => x.address === standIn);
  if (!r) {
    throw new Error(`${standIn} is not in the configuration of ${step.stack}`);
  }
  return r.depends_on ?? [];
}

/** Every address a resource references in the plan's configuration, directly (stand-in addresses, no attribute). */
function configReferences(step: StepResult, standIn: string): string[] {
  const r = (step.plan.configuration?.root_module?.resources ?? []).find((x: any) => x.address === standIn);
  const refs: string[] = [];
  const walk = (v: any) => {
    if (v && typeof v === 'object') {
      if (Array.isArray(v.references)) {
        refs.push(...v.references);
      }
      Object.values(v).forEach(walk);
    }
  };
  walk(r?.expressions);
  return [...new Set(refs)];
}

describeWithTerraform('day 2 of the gallery-trusted-launch example (stand-ins, real Terraform)', () => {
  const scenario = scenarioHarness(IMAGE, FLEET);
  const { harness, deploy, both } = scenario;
  const suite = deployedBaseline(scenario, 'day-2 gallery scenario', () => synth({ fleetCount: FLEET_COUNT }));

  const imageResources = () => resources(suite.baseline[IMAGE]);
  const fleetResources = () => resources(suite.baseline[FLEET]);
  const step = (p: string) => byPath(suite.baseline[IMAGE], p);
  /** The version's operator steps, in the order they must run. */
  const VERSION_CHAIN = ['Version/Publish', 'Version/Replication', 'Version/Canary', 'Version/Promote'];
  const promoteVersionId = (s: StepResult): string => stateValues(s, address(step('Version/Promote'))).output.version_id;

  test('first deploy creates everything, and a second plan changes nothing', () => {
    harness.reset();
    const first = both(suite.baseline);
    expect(actions(first.image.summary)).toEqual({ ...EMPTY, create: addresses(imageResources()) });
    expect(actions(first.fleet.summary)).toEqual({ ...EMPTY, create: addresses(fleetResources(), instanceNames(FLEET_COUNT)) });
    expect(violationsOf(first.image, first.fleet)).toEqual([]);
    // The stacks hold what the scenario is about: a gallery, a Trusted Launch definition, the version's steps.
    expect(imageResources().filter((r) => /^azurerm_shared_image/.test(r.type)).map(pathInStack).sort())
      .toEqual(['Gallery/Gallery', 'WebImage/Definition']);
    expect(step('WebImage/Definition').body.trusted_launch_enabled).toBe(true);
    // The fleet reads the version the promote step names, the one the publish step made.
    const version = operatorEnvironment(first.image, step('Version/Publish')).GOLDEN_GALLERY_VERSION;
    expect(promoteVersionId(first.image)).toMatch(new RegExp(`/galleries/gal_golden_web/images/web-iis/versions/${version.replace(/\./g, '\\.')}$`));
    expect(Object.values(crossStackOutputs(first.image))).toEqual([promoteVersionId(first.image)]);

    const again = both(suite.baseline);
    expect(actions(again.image.summary)).toEqual(EMPTY);
    expect(actions(again.fleet.summary)).toEqual(EMPTY);
    expect(violationsOf(again.image, again.fleet)).toEqual([]);
  });

  test('a rebuild (page title changed): the build and the version\'s steps are replaced, a higher version is promoted after '
    + 'its canary, then the fleet rolls new-before-old onto it', () => {
    const before = suite.deployed;
    const changed = synth({ fleetCount: FLEET_COUNT, pageTitle: NEW_PAGE_TITLE });
    const image = deploy(IMAGE, changed[IMAGE]);

    // Exactly the build and the version's steps are replaced; the VersionLine (whose replacement would delete every
    // kept version), the gallery, the definition and the network stay.
    const rebuilt = imageResources().filter((r) => (r.type === 'terraform_data' && pathInStack(r) !== 'Version/VersionLine')
      || r.type === 'azurerm_windows_virtual_machine');
    expect(rebuilt.map(pathInStack).sort()).toEqual([
      'Build/Generalize', 'BuildVm/BaseImageCheck', 'BuildVm/BuildRevision', 'BuildVm/BuildSpec', 'BuildVm/Setup', 'BuildVm/VirtualMachine',
      ...VERSION_CHAIN,
    ].sort());
    expect(actions(image.summary)).toEqual({ ...EMPTY, replace: addresses(rebuilt) });
    const planned = plannedActions(image);
    for (const p of ['Gallery/Gallery', 'Gallery/ResourceGroup', 'WebImage/Definition', 'Version/VersionLine', 'BuildVm/ResourceGroup',
      'BuildVm/VirtualNetwork', 'BuildVm/Subnet', 'BuildVm/NetworkSecurityGroup', 'BuildVm/SubnetNsgAssociation', 'BuildVm/NetworkInterface']) {
      expect([p, planned[address(step(p))]]).toEqual([p, ['no-op']]);
    }
    expect(violationsOf(image)).toEqual([]);

    // A new version X.Y.Z, higher than the old one, published and promoted.
    const oldVersion = operatorEnvironment(before.image, step('Version/Publish')).GOLDEN_GALLERY_VERSION;
    const newVersion = operatorEnvironment(image, step('Version/Publish')).GOLDEN_GALLERY_VERSION;
    expect(newVersion).not.toBe(oldVersion);
    expect(compareVersions(newVersion, oldVersion)).toBeGreaterThan(0);
    expect(promoteVersionId(image)).not.toBe(promoteVersionId(before.image));
    expect(promoteVersionId(image).endsWith(`/versions/${newVersion}`)).toBe(true);
    for (const p of VERSION_CHAIN.slice(1)) {
      expect([p, operatorEnvironment(image, step(p)).GOLDEN_GALLERY_VERSION]).toEqual([p, newVersion]);
    }

    // Promotion comes after the canary: Publish -> Replication -> Canary -> Promote in the planned configuration.
    VERSION_CHAIN.slice(1).forEach((p, i) => {
      expect([p, configDependsOn(image, address(step(p)))]).toEqual([p, [address(step(VERSION_CHAIN[i]))]]);
    });
    // Publishing waits for the generalized build, the definition and the line.
    expect(configDependsOn(image, address(step('Version/Publish'))).sort()).toEqual([
      address(step('Build/Generalize')), address(step('Version/VersionLine')),
      standInAddress('azurerm_shared_image', step('WebImage/Definition').name),
    ].sort());

    // Retention: the promote step keeps the newest 3 versions and is the only step that prunes.
    const retaining = image.standIn.operatorSteps.filter((s) => Object.keys(s.environment).some((k) => /RETAIN/.test(k)));
    expect(retaining.map((s) => s.address)).toEqual([address(step('Version/Promote'))]);
    expect(operatorEnvironment(image, step('Version/Promote')).GOLDEN_RETAIN_VERSIONS).toBe('3');
    const destroyTime = image.standIn.operatorSteps.filter((s) => s.destroyTime).map((s) => s.address);
    expect(destroyTime).toEqual([address(step('Version/VersionLine'))]);

    // The fleet rolls onto the new version id, new VMs before the old ones go.
    const newId = promoteVersionId(image);
    expect(Object.values(crossStackOutputs(image))).toEqual([newId]);
    const fleet = deploy(FLEET, changed[FLEET]);
    const perInstance = fleetResources().filter((r) => r.body.for_each !== undefined);
    const fleetSteps = fleetResources().filter((r) => r.type === 'terraform_data');
    expect(fleetSteps.map(pathInStack).sort()).toEqual(['Fleet/ImageRevision', 'Fleet/UrlCheck']);
    expect(actions(fleet.summary)).toEqual({ ...EMPTY, replace: addresses([...perInstance, ...fleetSteps], instanceNames(FLEET_COUNT)) });
    for (const a of addresses(perInstance, instanceNames(FLEET_COUNT))) {
      expect([a, fleet.summary.replaceOrder[a]]).toEqual([a, 'create-before-destroy']);
    }
    expect(violationsOf(fleet)).toEqual([]);
    const vm = byPath(suite.baseline[FLEET], 'Fleet/VirtualMachine');
    const sources = instanceNames(FLEET_COUNT).map((k) => stateValues(fleet, `${standInAddress(vm.type, vm.name)}["${k}"]`).input.source_image_id);
    expect(sources).toEqual(instanceNames(FLEET_COUNT).map(() => newId));
  });

  test(`fleet count ${FLEET_COUNT} -> ${BIG_FLEET_COUNT}: only the replication runs again (more replicas in northeurope), `
    + 'no rebuild; the fleet grows (planned)', () => {
    const big = synth({ fleetCount: BIG_FLEET_COUNT });
    // The example's subnet holds the fleet (Azure reserves 5 addresses of every subnet).
    const subnet = byPath(big[FLEET], 'Fleet/Subnet').body.address_prefixes;
    expect(subnet).toHaveLength(1);
    expect(2 ** (32 - Number(subnet[0].split('/')[1])) - 5).toBeGreaterThanOrEqual(BIG_FLEET_COUNT);

    const image = deploy(IMAGE, big[IMAGE]);
    const replication = byPath(big[IMAGE], 'Version/Replication');
    expect(actions(image.summary)).toEqual({ ...EMPTY, replace: [address(replication)] });
    expect(violationsOf(image)).toEqual([]);
    // The replica counts, in the planned trigger and in the step's environment: northeurope (the fleet's region) gets one
    // replica per 50 VMs, westeurope (the gallery's, no fleet) keeps one.
    const change = image.plan.resource_changes.find((rc: any) => rc.address === address(replication)).change;
    const expected = { westeurope: 1, northeurope: Math.ceil(BIG_FLEET_COUNT / VMS_PER_REPLICA) };
    expect(expected.northeurope).toBe(4);
    expect(replicaCounts(change.before.triggers_replace.target_regions)).toEqual({ westeurope: 1, northeurope: 1 });
    expect(replicaCounts(change.after.triggers_replace.target_regions)).toEqual(expected);
    expect(replicaCounts(operatorEnvironment(image, replication).GOLDEN_TARGET_REGIONS)).toEqual(expected);
    expect(replicaCounts(operatorEnvironment(suite.deployed.image, replication).GOLDEN_TARGET_REGIONS)).toEqual({ westeurope: 1, northeurope: 1 });
    // The same version: nothing rebuilt, nothing to roll out.
    expect(operatorEnvironment(image, replication).GOLDEN_GALLERY_VERSION)
      .toBe(operatorEnvironment(suite.deployed.image, replication).GOLDEN_GALLERY_VERSION);
    expect(crossStackOutputs(image)).toEqual(crossStackOutputs(suite.deployed.image));

    // Planned only: applying 157 more instances' stand-ins takes Terraform about two minutes and shows nothing more.
    const fleet = deploy(FLEET, big[FLEET], { planOnly: true });
    const perInstance = resources(big[FLEET]).filter((r) => r.body.for_each !== undefined);
    expect(actions(fleet.summary)).toEqual({
      ...EMPTY,
      create: addresses(perInstance, instanceNames(BIG_FLEET_COUNT, FLEET_COUNT + 1)),
      replace: [address(byPath(big[FLEET], 'Fleet/UrlCheck'))],
    });
    expect(violationsOf(fleet)).toEqual([]);
  });

  test('destroy, fleet first, then image: everything deleted, the versions before their definition, no rule broken', () => {
    const fleet = deploy(FLEET, suite.baseline[FLEET], { destroy: true });
    expect(actions(fleet.summary)).toEqual({ ...EMPTY, delete: addresses(fleetResources(), instanceNames(FLEET_COUNT)) });
    const image = deploy(IMAGE, suite.baseline[IMAGE], { destroy: true });
    expect(actions(image.summary)).toEqual({ ...EMPTY, delete: addresses(imageResources()) });
    expect(violationsOf(fleet, image)).toEqual([]);
    expect(harness.stateAddresses(FLEET)).toEqual([]);
    expect(harness.stateAddresses(IMAGE)).toEqual([]);

    // The VersionLine (whose destroy-time step deletes every version) references the definition through its input, so
    // Terraform destroys it first: Azure refuses to delete a definition that still has versions.
    const line = address(step('Version/VersionLine'));
    const definition = standInAddress('azurerm_shared_image', step('WebImage/Definition').name);
    expect(configReferences(image, line)).toContain(`${definition}.input.name`);
    const log = image.applyLog ?? '';
    const lineDestroyed = log.indexOf(`${line}: Destruction complete`);
    const definitionDestroying = log.indexOf(`${definition}: Destroying...`);
    expect(lineDestroyed).toBeGreaterThanOrEqual(0);
    expect(definitionDestroying).toBeGreaterThan(lineDestroyed);
  });
});
