/**
 * Helpers shared by the day-2 scenario tests (test/day2.integration.test.ts, test/day2-gallery.integration.test.ts, test/day2-scale-set.integration.test.ts):
 * synthesizing an example into parsed stacks, reading resources and their construct paths, expected addresses derived
 * from the synthesized JSON (never hard-coded hashes), the action sets of a plan, and a harness that deploys an image
 * stack and a fleet stack with the data-source values of a scenario.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { DeployOptions, Day2Harness, PlanSummary, readStacks, StepResult } from './harness';

export { describeWithTerraform } from '../util/tools';

export const BASE_VERSION = '20348.2700.240905';
export const NEW_BASE_VERSION = '20348.2762.241009';
/** What the data sources read at plan time: the marketplace's latest version, and the provider's subscription. */
export const DATA_VALUES = {
  azurerm_platform_image: { version: BASE_VERSION },
  azurerm_client_config: {
    subscription_id: '00000000-0000-0000-0000-000000000000',
    tenant_id: '11111111-1111-1111-1111-111111111111',
    client_id: '22222222-2222-2222-2222-222222222222',
    object_id: '33333333-3333-3333-3333-333333333333',
  },
};
export type Stacks = Record<string, any>;

export const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** The stacks an app builder synthesizes, parsed (in a temporary directory, removed afterwards). */
export function synthStacks(build: (app: App) => App): Stacks {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'day2-synth-'));
  try {
    build(new App({ outdir, stackTraces: false })).synth();
    return readStacks(outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

export interface Resource {
  readonly type: string;
  readonly name: string;
  readonly body: any;
  /** Construct path (`golden-image/BuildVm/VirtualMachine`). */
  readonly path: string;
}

export function resources(stack: any): Resource[] {
  return Object.entries<Record<string, any>>(stack.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ type, name, body, path: body['//']?.metadata?.path ?? name })));
}

/** The construct path of a resource without its stack (`BuildVm/VirtualMachine`). */
export const pathInStack = (r: Resource) => r.path.split('/').slice(1).join('/');

/** `web0001`... as the fleet's instance names. */
export const instanceNames = (count: number, from = 1) =>
  Array.from({ length: count - from + 1 }, (_, i) => `web${String(from + i).padStart(4, '0')}`);

/** Addresses of resource instances, for_each resources expanded with `keys`. */
export function addresses(list: Resource[], keys: string[] = []): string[] {
  return list.flatMap((r) => {
    if (r.body.for_each !== undefined) {
      return keys.map((k) => `${r.type}.${r.name}["${k}"]`);
    }
    if (r.body.count !== undefined) {
      throw new Error(`${r.type}.${r.name}: count is not expected in the example`);
    }
    return [`${r.type}.${r.name}`];
  }).sort();
}

export const EMPTY = { create: [], replace: [], update: [], delete: [] };
export const actions = (s: PlanSummary) => ({ create: s.create, replace: s.replace, update: s.update, delete: s.delete });

/** Outputs that cross the stack boundary (what the fleet reads from the image stack's state). */
export function crossStackOutputs(step: StepResult): Record<string, unknown> {
  const outputs = step.stateAfter?.values?.outputs ?? {};
  return Object.fromEntries(Object.entries<any>(outputs).filter(([k]) => k.startsWith('cross-stack-output-')).map(([k, v]) => [k, v.value]));
}

export const violationsOf = (...steps: StepResult[]) =>
  steps.flatMap((s) => s.violations.map((v) => `${s.stack}: ${v.rule} ${v.address}: ${v.message}`));

export interface Deployment {
  image: StepResult;
  fleet: StepResult;
}

/** A harness that deploys the image stack `image` and the fleet stack `fleet` with the scenario's data values. */
export function scenarioHarness(image: string, fleet: string, dataValues: DeployOptions['dataValues'] = DATA_VALUES) {
  const harness = new Day2Harness();
  const deploy = (stack: string, json: any, options: DeployOptions = {}) => harness.deploy(stack, json, {
    dataValues, ...options,
  });
  const both = (stacks: Stacks, options: DeployOptions = {}): Deployment =>
    ({ image: deploy(image, stacks[image], options), fleet: deploy(fleet, stacks[fleet], options) });
  return { harness, deploy, both };
}

/** The stacks of a suite's example before any change, and their first deployment. */
export interface Baseline {
  baseline: Stacks;
  /** The baseline deployed once (image, then fleet); `deployedBaseline` restores its states before each test. */
  deployed: Deployment;
}

/**
 * The jest hooks every day-2 suite shares: `synth()`'s stacks deployed once before all tests, their Terraform states
 * restored before each test, the harness removed and each test's time printed (as `<label> timings`) after all.
 */
export function deployedBaseline(scenario: ReturnType<typeof scenarioHarness>, label: string, synth: () => Stacks): Baseline {
  const suite = {} as Baseline;
  const timings: string[] = [];
  let states: Record<string, string | undefined>;
  let started = 0;
  beforeAll(() => {
    suite.baseline = synth();
    suite.deployed = scenario.both(suite.baseline);
    states = scenario.harness.snapshot();
  });
  beforeEach(() => {
    scenario.harness.restore(states);
    started = Date.now();
  });
  afterEach(() => {
    timings.push(`${expect.getState().currentTestName}: ${Date.now() - started} ms`);
  });
  afterAll(() => {
    scenario.harness.dispose();
    console.log(`${label} timings (stand-ins planned and applied by terraform):\n  ${timings.join('\n  ')}`);
  });
  return suite;
}
