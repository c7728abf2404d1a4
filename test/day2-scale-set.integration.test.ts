/**
 * Day 2 of the scale-set example without Azure (DESIGN.md, "Image lifecycle: day 2 is the product", and "Testing what
 * cannot reach Azure" 8): its two stacks, `golden-image` (the golden-image example's image stack) and `web-scale-set`
 * (a Rolling Windows scale set from the image stack's image id, across stacks, behind a Standard load balancer with a
 * static public IP, and an operator verification step), as stand-ins (test/day2/standin.ts) planned and applied by real
 * Terraform through a sequence of changes. Each scenario asserts the exact sets of created, replaced, updated and
 * deleted resources and that no Azure rule breaks (test/day2/checker.ts: a scale set is never replaced by an image
 * change, `scale-set-rollout`).
 *
 * The point of a scale set is that a new image is an in-place update of its model, rolled through the instances by
 * Azure: the scale set, its load balancer and the public IP (hence the URL) survive every rebuild.
 *
 * Expected addresses are derived from the synthesized JSON (by type and construct path), never hard-coded hashes.
 * Changes are the example's own options (a re-synthesis), as a user makes them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { StepResult } from './day2/harness';
import {
  actions, addresses, clone, crossStackOutputs, DATA_VALUES, deployedBaseline, describeWithTerraform, EMPTY, NEW_BASE_VERSION, pathInStack,
  Resource, resources, scenarioHarness, Stacks, synthStacks, violationsOf,
} from './day2/scenario';
import { originalAddress, standInAddress } from './day2/standin';
import { buildApp, BuildAppOptions } from '../examples/scale-set/main';


const IMAGE = 'golden-image';
const SCALE_SET = 'web-scale-set';
const COUNT = 3;
const BIG_COUNT = 300;
const NEW_PAGE_TITLE = 'Golden image web server 2.0';
const SCALE_SET_TYPE = 'azurerm_windows_virtual_machine_scale_set';
/** What a rollout must leave alone: the load balancer and its parts, the public IP (the URL), the network. */
const KEPT = ['Web/PublicIp', 'Web/LoadBalancer', 'Web/BackendPool', 'Web/HealthProbe', 'Web/AppRule', 'Web/OutboundRule',
  'Web/VirtualNetwork', 'Web/Subnet', 'Web/NetworkSecurityGroup', 'Web/AdminPassword', 'ResourceGroup'];

const synth = (options: BuildAppOptions = {}): Stacks => synthStacks((app) => buildApp(app, options));

/** The one resource of a stack at construct path `<stack>/<p>`. */
function byPath(stack: any, p: string): Resource {
  const found = resources(stack).filter((r) => pathInStack(r) === p);
  if (found.length !== 1) {
    throw new Error(`expected one resource at ${p}, found ${found.length}`);
  }
  return found[0];
}

/** The one resource of a type in a stack. */
function byType(stack: any, type: string): Resource {
  const found = resources(stack).filter((r) => r.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0];
}

const address = (r: Resource) => addresses([r])[0];

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

/** The planned change of a provider resource's stand-in. */
function standInChange(step: StepResult, r: Resource): any {
  const rc = (step.plan.resource_changes ?? []).find((x: any) => x.address === standInAddress(r.type, r.name));
  if (!rc) {
    throw new Error(`${r.type}.${r.name} is not in the plan of ${step.stack}`);
  }
  return rc.change;
}

/** The arguments a planned update changes, from the plan's before and after (top-level keys of the stand-in's input). */
function changedArguments(step: StepResult, r: Resource): string[] {
  const change = standInChange(step, r);
  const before = change.before?.input ?? {};
  const after = change.after?.input ?? {};
  const unknown = change.after_unknown?.input ?? {};
  return [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) || anyUnknown(unknown[k]))
    .sort();
}

/** Whether an `after_unknown` value marks anything unknown. */
function anyUnknown(v: unknown): boolean {
  return v === true || (v !== null && typeof v === 'object' && Object.values(v).some(anyUnknown));
}

/** Values of a resource (by its address in the stand-in configuration) in the state after the apply. */
function stateValues(step: StepResult, standIn: string): any {
  const found = (step.stateAfter?.values?.root_module?.resources ?? []).find((r: any) => r.address === standIn);
  if (!found) {
    throw new Error(`${standIn} is not in the state of ${step.stack}`);
  }
  return found.values;
}

describeWithTerraform('day 2 of the scale-set example (stand-ins, real Terraform)', () => {
  const scenario = scenarioHarness(IMAGE, SCALE_SET);
  const { harness, deploy, both } = scenario;
  const suite = deployedBaseline(scenario, 'day-2 scale-set scenario', () => synth({ count: COUNT }));

  const imageResources = () => resources(suite.baseline[IMAGE]);
  const webResources = () => resources(suite.baseline[SCALE_SET]);
  const scaleSet = () => byType(suite.baseline[SCALE_SET], SCALE_SET_TYPE);
  const verification = () => byPath(suite.baseline[SCALE_SET], 'Web/Verification');
  const imageIds = (step: StepResult) => Object.values(crossStackOutputs(step));
  const sourceImageId = (step: StepResult) => stateValues(step, standInAddress(scaleSet().type, scaleSet().name)).input.source_image_id;

  /** The image-stack plan of a rebuild, as in test/day2.integration.test.ts: the build, its captures and the image copy replaced. */
  function expectRebuild(step: StepResult) {
    const rebuilt = imageResources().filter((r) => (r.type === 'terraform_data' && !r.path.endsWith('/ImageLine'))
      || r.type === 'azurerm_windows_virtual_machine' || r.type === 'azurerm_image' || r.type === 'azurerm_shared_image_version');
    expect(actions(step.summary)).toEqual({ ...EMPTY, replace: addresses(rebuilt) });
    expect(violationsOf(step)).toEqual([]);
    expect(imageIds(step)).toHaveLength(1);
    expect(imageIds(step)).not.toEqual(imageIds(suite.deployed.image));
  }

  /**
   * The scale-set plan after a rebuild was applied: the scale set updated in place, its image id and nothing else;
   * the verification runs again; the load balancer, its parts, the public IP and the network untouched.
   */
  function expectRollout(image: StepResult, web: StepResult) {
    expect(actions(web.summary)).toEqual({ ...EMPTY, update: [address(scaleSet())], replace: [address(verification())] });
    expect(changedArguments(web, scaleSet())).toEqual(['source_image_id']);
    const change = standInChange(web, scaleSet());
    expect(change.before.input.source_image_id).toBe(imageIds(suite.deployed.image)[0]);
    expect(change.after.input.source_image_id).toBe(imageIds(image)[0]);
    // No ForceNew argument moved (the stand-in's replace triggers are the provider's ForceNew arguments).
    expect(change.after.triggers_replace).toEqual(change.before.triggers_replace);
    const planned = plannedActions(web);
    for (const p of KEPT) {
      expect([p, planned[address(byPath(suite.baseline[SCALE_SET], p))]]).toEqual([p, ['no-op']]);
    }
    expect(violationsOf(web)).toEqual([]);
    // Applied: the scale set's model names the new image.
    expect(sourceImageId(web)).toBe(imageIds(image)[0]);
  }

  test('the example holds what the scenarios are about', () => {
    const types = webResources().map((r) => r.type).sort();
    expect(types.filter((t) => t.startsWith('azurerm_lb'))).toEqual([
      'azurerm_lb', 'azurerm_lb_backend_address_pool', 'azurerm_lb_outbound_rule', 'azurerm_lb_probe', 'azurerm_lb_rule',
    ]);
    expect(types.filter((t) => t === SCALE_SET_TYPE)).toHaveLength(1);
    expect(webResources().filter((r) => r.type === 'terraform_data').map(pathInStack)).toEqual(['Web/Verification']);
    const body = scaleSet().body;
    expect(body.upgrade_mode).toBe('Rolling');
    expect(body.instances).toBe(COUNT);
    // The image id crosses the stack boundary (a terraform_remote_state of the image stack).
    expect(body.source_image_id).toMatch(/^\$\{data\.terraform_remote_state\.[^}]+\}$/);
    expect(byPath(suite.baseline[SCALE_SET], 'Web/PublicIp').body.sku).toBe('Standard');
    expect(byPath(suite.baseline[SCALE_SET], 'Web/HealthProbe').body.protocol).toBe('Http');
  });

  test('first deploy creates everything, and a second plan changes nothing', () => {
    harness.reset();
    const first = both(suite.baseline);
    expect(actions(first.image.summary)).toEqual({ ...EMPTY, create: addresses(imageResources()) });
    expect(actions(first.fleet.summary)).toEqual({ ...EMPTY, create: addresses(webResources()) });
    expect(violationsOf(first.image, first.fleet)).toEqual([]);
    // The scale set runs the image the image stack made.
    expect(imageIds(first.image)).toHaveLength(1);
    expect(sourceImageId(first.fleet)).toBe(imageIds(first.image)[0]);

    const again = both(suite.baseline);
    expect(actions(again.image.summary)).toEqual(EMPTY);
    expect(actions(again.fleet.summary)).toEqual(EMPTY);
    expect(violationsOf(again.image, again.fleet)).toEqual([]);
  });

  test('a rebuild (page title changed): the scale set rolls onto the new image in place, only source_image_id changes; '
    + 'the load balancer, its pool, probe and rules and the public IP stay', () => {
    const changed = synth({ count: COUNT, pageTitle: NEW_PAGE_TITLE });
    // The scale-set stack itself does not change: only the image id it reads from the image stack's state.
    expect(changed[SCALE_SET]).toEqual(suite.baseline[SCALE_SET]);
    const image = deploy(IMAGE, changed[IMAGE]);
    expectRebuild(image);
    expectRollout(image, deploy(SCALE_SET, changed[SCALE_SET]));
  });

  test('base image version changed (latest resolved at plan time): the same rebuild and in-place rollout', () => {
    const options = { dataValues: { ...DATA_VALUES, azurerm_platform_image: { version: NEW_BASE_VERSION } } };
    const image = deploy(IMAGE, suite.baseline[IMAGE], options);
    expectRebuild(image);
    expectRollout(image, deploy(SCALE_SET, suite.baseline[SCALE_SET], options));
  });

  test(`count ${COUNT} -> ${BIG_COUNT}: the scale set updated in place (instances), the verification again, nothing else`, () => {
    const big = synth({ count: BIG_COUNT });
    const { image, fleet: web } = both(big);
    expect(actions(image.summary)).toEqual(EMPTY);
    expect(actions(web.summary)).toEqual({ ...EMPTY, update: [address(scaleSet())], replace: [address(verification())] });
    expect(changedArguments(web, scaleSet())).toEqual(['instances']);
    const change = standInChange(web, scaleSet());
    expect([change.before.input.instances, change.after.input.instances]).toEqual([COUNT, BIG_COUNT]);
    const planned = plannedActions(web);
    for (const p of KEPT) {
      expect([p, planned[address(byPath(big[SCALE_SET], p))]]).toEqual([p, ['no-op']]);
    }
    expect(violationsOf(image, web)).toEqual([]);
    // The subnet holds the larger set (Azure reserves 5 addresses of every subnet).
    const prefixes = byPath(big[SCALE_SET], 'Web/Subnet').body.address_prefixes;
    expect(prefixes).toHaveLength(1);
    expect(2 ** (32 - Number(prefixes[0].split('/')[1])) - 5).toBeGreaterThanOrEqual(BIG_COUNT);
  });

  test('the checker would catch a rebuild that replaces the scale set (an edited copy: computer_name_prefix changed with it)', () => {
    const changed = synth({ count: COUNT, pageTitle: NEW_PAGE_TITLE });
    const edited = clone(changed);
    byType(edited[SCALE_SET], SCALE_SET_TYPE).body.computer_name_prefix = 'app';
    const image = deploy(IMAGE, changed[IMAGE]);
    expectRebuild(image);
    const web = deploy(SCALE_SET, edited[SCALE_SET], { planOnly: true });
    expect(web.summary.replace).toEqual([address(scaleSet()), address(verification())].sort());
    expect(web.violations.map((v) => `${v.rule} ${v.address}`)).toEqual([`scale-set-rollout ${address(scaleSet())}`]);
    expect(web.violations[0].message).toContain('forced by computer_name_prefix');
  });

  test('destroy of web-scale-set: everything in it deleted, nothing in golden-image touched', () => {
    const imageState = path.join(harness.stackDir(IMAGE), 'terraform.tfstate');
    const before = fs.readFileSync(imageState, 'utf8');
    const web = harness.destroy(SCALE_SET, suite.baseline[SCALE_SET], { dataValues: DATA_VALUES });
    expect(actions(web.summary)).toEqual({ ...EMPTY, delete: addresses(webResources()) });
    expect(violationsOf(web)).toEqual([]);
    expect(harness.stateAddresses(SCALE_SET)).toEqual([]);
    // The image stack's state is byte for byte the same, and its next plan changes nothing.
    expect(fs.readFileSync(imageState, 'utf8')).toBe(before);
    const image = deploy(IMAGE, suite.baseline[IMAGE], { planOnly: true });
    expect(actions(image.summary)).toEqual(EMPTY);
    expect(violationsOf(image)).toEqual([]);
  });
});
