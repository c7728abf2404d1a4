/**
 * Synthesis benchmark: `npm run bench` (or `npx projen bench`). Prints its tables; every figure is measured in this run.
 *
 * Wall times are medians of RUNS runs after one warm-up run, each a fresh process (what a user pays per
 * `cdktf synth`); peak RSS is the process's own maxRSS. Set BENCH_RUNS to change the number of runs and
 * BENCH_SKIP_CLI=1 / BENCH_SKIP_TESTS=1 to skip the slow rows. The test rows run the README's test command, `npm test`
 * (type-check and the unit tier), and the integration tier (`npm run test:integration`); the unit tier's run is held
 * against its time budget, BENCH_TEST_BUDGET_S (90 s on the idle 2-core machine of the README's figures): over it, the
 * benchmark exits 1. BENCH_SKIP_INTEGRATION=1 skips the integration tier's row.
 *
 * A second table compares ImageFleet with ImageScaleSet for N = 3 / 300 / 3000 VMs (apps/fleets.js): resource
 * instances planned, VMs Azure creates, the time of a real `terraform plan` of the synthesized stack (empty state, so
 * every resource a create) with the real azurerm and random providers, installed once for the section from wherever
 * Terraform is configured to take them (TF_CLI_CONFIG_FILE, the registry), against a local Azure this process serves
 * for the section (test/local-azure/server.ts: the provider's metadata, token and resource provider calls), and the
 * synth time. The counts come from `terraform show -json` of the saved plan, cross-checked with `terraform console`
 * (the length of every for_each) on the same configuration, which counts alone for a plan stopped by the timeout.
 * BENCH_SKIP_FLEETS=1 skips it, BENCH_ONLY=fleets runs it alone. A plan is stopped after BENCH_PLAN_TIMEOUT_S (240)
 * or once the section has run BENCH_FLEETS_BUDGET_S (360), but never before 60 s; BENCH_FLEET_COUNTS (3,300,3000)
 * changes N.
 *
 * The last rows deploy, rebuild and destroy the golden-image example on the local Azure (local-deploy.ts: real
 * Terraform, providers and az 2.74; one run each, about 15 minutes on 2 cores); BENCH_SKIP_LOCAL_DEPLOY=1 skips them.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageScaleSet } from '../../lib/image-scale-set';
import { RunningLocalAzure, startLocalAzure } from '../local-azure/server';
import { initFromSharedProviders, installProviders, requiredProvidersOf } from '../util/terraform';

const REPO = path.resolve(__dirname, '..', '..');
const APPS = path.join(__dirname, 'apps');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EXAMPLE = 'examples/golden-image/main.ts';
const TEST_BUDGET_S = Number(process.env.BENCH_TEST_BUDGET_S ?? 90);
const env = { ...process.env, CHECKPOINT_DISABLE: '1', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

interface Sample { readonly seconds: number; readonly maxRssKb?: number; readonly bytes?: number }
interface Row { readonly label: string; readonly seconds: number; readonly maxRssMb?: number; readonly bytes?: number; readonly note?: string }

function run(command: string, args: string[], cwd = REPO): Sample {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  const last = result.stdout.trim().split('\n').pop() ?? '';
  const reported = last.startsWith('{') ? JSON.parse(last) : {};
  return { seconds, maxRssKb: reported.maxRssKb, bytes: reported.bytes };
}

/** One run of an npm script (a test tier), as a row. */
function timed(label: string, npmArgs: string[]): Row {
  const seconds = run('npm', npmArgs).seconds;
  process.stderr.write(`  ${label}: ${seconds.toFixed(1)} s\n`);
  return { label, seconds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Spec { readonly label: string; readonly command: string; readonly args: (outdir: string) => string[]; readonly note?: string }

function sampleOnce(spec: Spec): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  try {
    const sample = run(spec.command, spec.args(outdir));
    if (!fs.existsSync(path.join(outdir, 'stacks'))) {
      throw new Error(`${spec.label}: nothing synthesized into ${outdir}`);
    }
    return sample;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * One warm-up run of each spec, then RUNS rounds that run every spec once, interleaved, so that a change of the
 * machine's load during the benchmark shifts every row alike instead of the rows measured at that moment.
 */
function measureAll(specs: Spec[]): Row[] {
  specs.forEach(sampleOnce);
  const samples = specs.map(() => [] as Sample[]);
  for (let round = 0; round < RUNS; round++) {
    specs.forEach((spec, i) => samples[i].push(sampleOnce(spec)));
  }
  return specs.map((spec, i) => {
    const rss = samples[i].map((s) => s.maxRssKb).filter((v): v is number => v !== undefined);
    const row: Row = {
      label: spec.label,
      seconds: median(samples[i].map((s) => s.seconds)),
      maxRssMb: rss.length ? median(rss) / 1024 : undefined,
      bytes: samples[i][0].bytes,
      note: spec.note,
    };
    process.stderr.write(`  ${row.label}: ${row.seconds.toFixed(3)} s\n`);
    return row;
  });
}

function compileExamples(): void {
  fs.rmSync(path.join(REPO, 'dist-bench'), { recursive: true, force: true });
  run('npx', ['tsc', '-p', 'examples/tsconfig.json', '--noEmit', 'false', '--outDir', 'dist-bench', '--inlineSourceMap', 'false', '--inlineSources', 'false']);
}

function format(rows: Row[]): string {
  const header = ['#', 'what', 'median wall (s)', 'peak RSS (MB)', 'cdk.tf.json (bytes)', 'note'];
  const body = rows.map((r, i) => [String(i + 1), r.label, r.seconds.toFixed(3), r.maxRssMb?.toFixed(0) ?? '-', r.bytes ? String(r.bytes) : '-', r.note ?? '']);
  const lines = [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

/** The synthesis rows (the first table), as before the fleet section was added. */
function synthesisSection(): void {
  const node = process.execPath;
  const app = (file: string, ...extra: string[]) => (o: string) => [path.join(APPS, file), o, ...extra];
  const counts = [3, 30, 300, 3000];
  const [floor, library, barrel, deep, ...fleet] = measureAll([
    { label: 'floor: node + cdktf + empty stack', command: node, args: app('floor.js') },
    { label: 'bundled example via this library (compiled JS)', command: node, args: app('example.js', '3') },
    { label: 'same resources hand-written, barrel import', command: node, args: app('handwritten.js', 'barrel') },
    { label: 'same resources hand-written, deep imports', command: node, args: app('handwritten.js', 'deep') },
    ...counts.map((count) => ({ label: `example with fleet count ${count}`, command: node, args: app('example.js', String(count)) })),
  ]);

  const cli: Row[] = [];
  if (!process.env.BENCH_SKIP_CLI) {
    const cdktfSynth = (label: string, appCommand: string, note?: string): Spec =>
      ({ label, command: 'npx', args: (o) => ['cdktf', 'synth', '--app', appCommand, '--output', o], note });
    cli.push(...measureAll([
      cdktfSynth('cdktf synth, app: node --require tsx/cjs (shipped)', `node --require tsx/cjs ${EXAMPLE}`),
      cdktfSynth('cdktf synth, app: npx tsx', `npx tsx ${EXAMPLE}`),
      cdktfSynth('cdktf synth, app: ts-node --transpile-only', `npx ts-node --transpile-only -P examples/tsconfig.json ${EXAMPLE}`),
      cdktfSynth('cdktf synth, app: ts-node (type-checked)', `npx ts-node -P examples/tsconfig.json ${EXAMPLE}`),
      cdktfSynth('cdktf synth, app: precompiled JS (node)', 'node dist-bench/examples/golden-image/main.js', 'needs a tsc build first: not on a fresh clone'),
    ]));
  }

  const tests: Row[] = [];
  if (!process.env.BENCH_SKIP_TESTS) {
    tests.push(timed('unit tier (npm test: type-check + jest), one run', ['test', '--', '--silent']));
    if (!process.env.BENCH_SKIP_INTEGRATION) {
      tests.push(timed('integration tier (npm run test:integration), one run', ['run', 'test:integration', '--', '--silent']));
    }
  }

  const local = process.env.BENCH_SKIP_LOCAL_DEPLOY ? [] : localDeployRows();
  const rows = [floor, library, barrel, deep, ...fleet, ...cli, ...tests, ...local];
  const f3 = fleet[0];
  const f3000 = fleet[3];
  console.log(format(rows));
  console.log('');
  console.log(`library example vs the same resources hand-written with deep imports: ${(library.seconds / deep.seconds).toFixed(2)}x`);
  console.log(`(2)/(1) library example vs floor:        ${(library.seconds / floor.seconds).toFixed(2)}x (target <= 1.3x, 1.5x at worst)`);
  console.log(`(3)/(2) hand-written barrel vs library:  ${(barrel.seconds / library.seconds).toFixed(2)}x (target >= 5x)`);
  console.log(`fleet 3000 vs 3: time ${(f3000.seconds / f3.seconds).toFixed(2)}x, JSON ${((f3000.bytes ?? 0) / (f3.bytes ?? 1)).toFixed(2)}x (target <= 1.3x)`);
  if (tests.length > 0) {
    const within = tests[0].seconds <= TEST_BUDGET_S;
    console.log(`unit tier: ${tests[0].seconds.toFixed(0)} s of its ${TEST_BUDGET_S} s budget (BENCH_TEST_BUDGET_S): ${within ? 'within' : 'OVER'}`);
    if (!within) {
      process.exitCode = 1;
    }
  }
  console.log(machineLine());
}

/** The bundled example deployed, rebuilt and destroyed on the local Azure, one run (local-deploy.ts). */
function localDeployRows(): Row[] {
  const result = spawnSync('npx', ['tsx', path.join(__dirname, 'local-deploy.ts')], {
    cwd: REPO, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`test/bench/local-deploy.ts failed (${result.status}):\n${result.stdout}`);
  }
  const phases: { deploy: number; rebuild: number; destroy: number } = JSON.parse(result.stdout.trim().split('\n').pop()!);
  const note = 'one run: local Azure, real Terraform, providers and az 2.74';
  return [
    { label: 'golden-image example on the local Azure: deploy (both stacks)', seconds: phases.deploy, note },
    { label: 'same: rebuild after a setup change (fleet rolled out)', seconds: phases.rebuild, note },
    { label: 'same: destroy (both stacks)', seconds: phases.destroy, note },
  ];
}

function machineLine(): string {
  return `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// ImageFleet versus ImageScaleSet (the second table): for N VMs, what Terraform plans and how long a real
// `terraform plan` of the synthesized stack takes with the real azurerm and random providers, against a local Azure
// this process serves (test/local-azure/server.ts), and the synth time.

const FLEET_COUNTS = (process.env.BENCH_FLEET_COUNTS ?? '3,300,3000').split(',').map(Number);
/**
 * A plan still running after BENCH_PLAN_TIMEOUT_S seconds, or when the section has used its budget (but never before
 * MIN_PLAN_TIMEOUT_S), is stopped and reported as a lower bound.
 */
const PLAN_TIMEOUT_S = Number(process.env.BENCH_PLAN_TIMEOUT_S ?? 240);
const BUDGET_S = Number(process.env.BENCH_FLEETS_BUDGET_S ?? 360);
const MIN_PLAN_TIMEOUT_S = 60;
const MAX_SCALE_SET = ImageScaleSet.MAX_INSTANCES;
const MAX_FROM_MANAGED_IMAGE = ImageScaleSet.MAX_INSTANCES_FROM_MANAGED_IMAGE;
/** A first plan slower than this is not repeated: one run is the figure. */
const SLOW_PLAN_S = 20;
const PLAN_ARGS = ['plan', '-refresh=false', '-input=false', '-lock=false', '-out=bench.tfplan'];
const tfEnv = { ...env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' };

type ConstructName = 'ImageFleet' | 'ImageScaleSet';
interface FleetCase { readonly construct: ConstructName; readonly kind: 'fleet' | 'scaleset'; readonly count: number }

interface TfResult { readonly seconds: number; readonly stdout: string; readonly timedOut: boolean }

interface TfOptions {
  /** More environment: the local Azure's, for the provider. */
  readonly environment?: Record<string, string>;
  /** Killed (SIGKILL) after this long, and reported as timed out. */
  readonly timeoutSeconds?: number;
  /** What Terraform reads from stdin (`terraform console`). */
  readonly input?: string;
}

/**
 * `terraform <args>` in `dir`, timed, in a child process this process waits for without blocking its event loop: the
 * local Azure the provider calls is served from here (spawnSync would leave it unanswered). Unlike `runTerraformAsync`
 * (test/util/terraform.ts), a timeout kills Terraform and its providers outright and waits for Terraform to be gone,
 * so that a stopped plan does not keep a core busy under the next one, and stdin carries `terraform console`'s
 * expression. Terraform runs in a process group of its own: killed alone, it left the azurerm provider running
 * (re-parented to init, seen here), so the timeout kills the group, and Ctrl-C (SIGINT) or SIGTERM of the benchmark,
 * which no longer reaches that group from the terminal, is passed on to it.
 */
function tf(dir: string, args: string[], options: TfOptions = {}): Promise<TfResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('terraform', [...args, '-no-color'], {
      cwd: dir, env: { ...tfEnv, ...options.environment }, stdio: ['pipe', 'pipe', 'pipe'], detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const forward = (signal: NodeJS.Signals) => process.kill(-child.pid!, signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    let timedOut = false;
    const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, Math.round(options.timeoutSeconds * 1000));
    child.on('error', (error) => reject(new Error(`terraform ${args.join(' ')} did not run in ${dir} (${error.message})`)));
    child.on('close', (status) => {
      clearTimeout(timer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const out = Buffer.concat(stdout).toString('utf8');
      if (timedOut) {
        resolve({ seconds, stdout: out, timedOut: true });
      } else if (status !== 0) {
        reject(new Error(`terraform ${args.join(' ')} failed in ${dir} (${status}):\n${out}\n${Buffer.concat(stderr).toString('utf8')}`));
      } else {
        resolve({ seconds, stdout: out, timedOut: false });
      }
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Planned resource instances, by provider, and the VMs they make. */
interface Counts {
  /** azurerm resource instances (each an ARM create call by Terraform). */
  readonly azurerm: number;
  /** Other resource instances (random_password, terraform_data). */
  readonly others: number;
  /** VMs Azure creates: one per azurerm_windows_virtual_machine instance, `instances` per scale set. */
  readonly vms: number;
}

/** Counts from `terraform show -json` of the saved plan: resource_changes with a create action. */
function countsFromPlan(plan: any): Counts {
  const created = (plan.resource_changes ?? []).filter((rc: any) => rc.mode === 'managed' && rc.change.actions.includes('create'));
  const azurerm = created.filter((rc: any) => rc.type.startsWith('azurerm_')).length;
  let vms = 0;
  for (const rc of created) {
    if (rc.type === 'azurerm_windows_virtual_machine') {
      vms += 1;
    } else if (rc.type === 'azurerm_windows_virtual_machine_scale_set') {
      vms += Number(rc.change.after.instances);
    }
  }
  return { azurerm, others: created.length - azurerm, vms };
}

/**
 * The same counts without a plan, for a plan stopped by the timeout: `terraform console` evaluates, in the same
 * initialized directory of the real configuration, `length()` of every resource's for_each (its count; 1 for a single
 * resource) and the scale sets' `instances`. The console reads no state and calls no provider: it needs no Azure.
 * Cross-checked against the plan wherever the plan finishes.
 */
async function countsFromConsole(dir: string, config: any, environment: Record<string, string>): Promise<Counts> {
  const expression = (value: unknown): string => {
    const m = typeof value === 'string' ? /^\$\{([^]*)\}$/.exec(value) : null;
    return m ? m[1] : JSON.stringify(value);
  };
  const entries = Object.entries(config.resource as Record<string, Record<string, any>>)
    .flatMap(([type, blocks]) => Object.values(blocks).map((body) => ({ type, body })));
  const sizes = entries.map(({ body }) => (body.for_each !== undefined ? `length(${expression(body.for_each)})`
    : body.count !== undefined ? expression(body.count) : '1'));
  const instances = entries.map(({ type, body }) => (type === 'azurerm_windows_virtual_machine_scale_set' ? expression(body.instances) : '0'));
  const input = `jsonencode([[${sizes.join(', ')}], [${instances.join(', ')}]])\n`;
  const out = (await tf(dir, ['console'], { environment, input })).stdout.trim();
  const [sizeValues, instanceValues] = JSON.parse(JSON.parse(out)) as [number[], number[]];
  let azurerm = 0;
  let others = 0;
  let vms = 0;
  entries.forEach(({ type }, i) => {
    if (type.startsWith('azurerm_')) {
      azurerm += sizeValues[i];
    } else {
      others += sizeValues[i];
    }
    vms += type === 'azurerm_windows_virtual_machine' ? sizeValues[i] : sizeValues[i] * instanceValues[i];
  });
  return { azurerm, others, vms };
}

interface PlanMeasure {
  /** Median of the runs, or the one run, or the time at which the plan was stopped. */
  readonly seconds: number;
  /** Timed runs (after a warm-up when `repeated`). */
  readonly runs: number;
  readonly repeated: boolean;
  readonly stopped: boolean;
  readonly counts: Counts;
  /** Where the counts come from. */
  readonly countedBy: 'plan' | 'console';
  /** Requests the local Azure answered during the first plan (the provider's metadata, token and registration calls). */
  readonly azureRequests: number;
}

/** The one stack a fleet app synthesized: its name and its directory (Terraform's working directory). */
function stackOf(label: string, outdir: string): { name: string; dir: string } {
  const names = fs.readdirSync(path.join(outdir, 'stacks'));
  if (names.length !== 1) {
    throw new Error(`${label}: expected one stack in ${outdir}, found ${names.join(', ')}`);
  }
  return { name: names[0], dir: path.join(outdir, 'stacks', names[0]) };
}

/**
 * Times `terraform plan` of a stack initialized with the real providers, against the local Azure (empty state: every
 * resource a create): RUNS runs after a warm-up, or the first run alone when it took over SLOW_PLAN_S.
 */
async function measurePlan(label: string, dir: string, running: RunningLocalAzure, timeoutSeconds: number): Promise<PlanMeasure> {
  const environment = running.environment();
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
  const fromConsole = await countsFromConsole(dir, config, environment);

  process.stderr.write(`  ${label}: terraform plan of ${fromConsole.azurerm + fromConsole.others} resource instances (timeout ${timeoutSeconds.toFixed(0)} s)...\n`);
  const requestsBefore = running.azure.requests.length;
  const first = await tf(dir, PLAN_ARGS, { environment, timeoutSeconds });
  const azureRequests = running.azure.requests.length - requestsBefore;
  if (running.azure.unhandled.length > 0) {
    throw new Error(`${label}: the local Azure could not answer ${JSON.stringify(running.azure.unhandled)}`);
  }
  if (first.timedOut) {
    process.stderr.write(`  ${label}: plan stopped after ${first.seconds.toFixed(0)} s\n`);
    return { seconds: first.seconds, runs: 1, repeated: false, stopped: true, counts: fromConsole, countedBy: 'console', azureRequests };
  }
  const plan = JSON.parse((await tf(dir, ['show', '-json', 'bench.tfplan'])).stdout);
  const counts = countsFromPlan(plan);
  if (JSON.stringify(counts) !== JSON.stringify(fromConsole)) {
    throw new Error(`${label}: the plan's counts ${JSON.stringify(counts)} differ from terraform console's ${JSON.stringify(fromConsole)}`);
  }
  const repeated = first.seconds <= SLOW_PLAN_S;
  // The first run is the warm-up, unless it is slow: then it is the one run.
  const times: number[] = [];
  for (let i = 0; repeated && i < RUNS; i++) {
    times.push((await tf(dir, PLAN_ARGS, { environment })).seconds);
  }
  const seconds = repeated ? median(times) : first.seconds;
  process.stderr.write(`  ${label}: terraform plan ${seconds.toFixed(2)} s (${repeated ? `median of ${times.length}` : 'one run'}), `
    + `${counts.azurerm + counts.others} resource instances, ${azureRequests} requests to the local Azure\n`);
  return { seconds, runs: repeated ? times.length : 1, repeated, stopped: false, counts, countedBy: 'plan', azureRequests };
}

interface FleetRow { readonly c: FleetCase; readonly synth: Row; readonly plan: PlanMeasure; readonly note: string }

function formatFleets(rows: FleetRow[]): string {
  const header = ['#', 'construct', 'N', 'VMs Azure creates', 'Terraform resource instances', 'of which azurerm (ARM create calls by Terraform)',
    'of which others', 'terraform plan (s)', 'synth median wall (s)', 'synth peak RSS (MB)', 'cdk.tf.json (bytes)', 'note'];
  const body = rows.map((r, i) => {
    const n = r.plan.counts;
    const planCell = r.plan.stopped ? `> ${r.plan.seconds.toFixed(0)} (stopped)` : r.plan.seconds.toFixed(2);
    return [String(i + 1), r.c.construct, String(r.c.count), String(n.vms), String(n.azurerm + n.others), String(n.azurerm), String(n.others),
      planCell, r.synth.seconds.toFixed(3), r.synth.maxRssMb?.toFixed(0) ?? '-', r.synth.bytes ? String(r.synth.bytes) : '-', r.note];
  });
  return [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function fleetNote(c: FleetCase, plan: PlanMeasure): string {
  const notes: string[] = [];
  if (c.kind === 'scaleset' && c.count > MAX_FROM_MANAGED_IMAGE) {
    const sets = Math.ceil(c.count / MAX_SCALE_SET);
    notes.push(`${sets} ImageScaleSet${sets > 1 ? 's' : ''} of ${Math.ceil(c.count / sets)} from a gallery image version reference (GalleryImageVersion.fromVersionId): `
      + `one scale set holds at most ${MAX_SCALE_SET}, ${MAX_FROM_MANAGED_IMAGE} from a managed image`);
  } else {
    notes.push(`one ${c.construct} from a managed image (ManagedImage.fromImageId)`);
  }
  if (plan.stopped) {
    notes.push(`plan stopped after ${plan.seconds.toFixed(0)} s, one run; counts from terraform console (length of each for_each) in the same directory`);
  } else {
    notes.push(plan.repeated ? `plan: median of ${plan.runs} after a warm-up` : `plan: one run (over ${SLOW_PLAN_S} s)`);
  }
  notes.push(`${plan.azureRequests} requests to the local Azure`);
  return notes.join('; ');
}

async function fleetSection(): Promise<void> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const node = process.execPath;
  const app = path.join(APPS, 'fleets.js');
  const cases: FleetCase[] = (['fleet', 'scaleset'] as const).flatMap((kind) => FLEET_COUNTS.map((count) =>
    ({ construct: (kind === 'fleet' ? 'ImageFleet' : 'ImageScaleSet') as ConstructName, kind, count })));
  const label = (c: FleetCase) => `${c.construct} N=${c.count}`;
  process.stderr.write(`fleet section: synth of ${cases.length} stacks (${RUNS} runs after one warm-up each)\n`);
  const synth = measureAll(cases.map((c) => ({ label: `${label(c)} synth`, command: node, args: (o: string) => [app, o, c.kind, String(c.count)] })));

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fleets-'));
  const plans = new Map<FleetCase, PlanMeasure>();
  let running: RunningLocalAzure | undefined;
  let required: Record<string, any> = {};
  try {
    const stacks = new Map(cases.map((c) => {
      const outdir = path.join(root, 'synth', `${c.kind}-${c.count}`);
      fs.mkdirSync(path.dirname(outdir), { recursive: true });
      run(node, [app, outdir, c.kind, String(c.count)]);
      return [c, stackOf(label(c), outdir)];
    }));
    // The real providers, installed once from wherever Terraform is configured to take them (TF_CLI_CONFIG_FILE, the
    // registry) and linked into every stack; each stack's local backend keeps its (empty) state in its own directory.
    required = requiredProvidersOf([...stacks.values()].map((stack) => stack.dir));
    const providers = installProviders(root, required);
    stacks.forEach((stack) => initFromSharedProviders(stack.dir, providers, { backend: true }));
    running = await startLocalAzure();
    // Cheapest first (the scale sets, then the fleets by N), so that the section's budget is left to the largest fleet.
    const order = [...cases].sort((a, b) => (a.kind === b.kind ? a.count - b.count : a.kind === 'scaleset' ? -1 : 1));
    for (const c of order) {
      const timeout = Math.round(Math.max(MIN_PLAN_TIMEOUT_S, Math.min(PLAN_TIMEOUT_S, BUDGET_S - elapsed())));
      plans.set(c, await measurePlan(label(c), stacks.get(c)!.dir, running, timeout));
    }
  } finally {
    await running?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  const rows: FleetRow[] = cases.map((c, i) => ({ c, synth: synth[i], plan: plans.get(c)!, note: fleetNote(c, plans.get(c)!) }));

  console.log(formatFleets(rows));
  console.log('');
  const at = (construct: ConstructName, count: number) => rows.find((r) => r.c.construct === construct && r.c.count === count);
  const top = Math.max(...FLEET_COUNTS);
  const fleet = at('ImageFleet', top);
  const scaleSet = at('ImageScaleSet', top);
  if (fleet && scaleSet) {
    const total = (r: FleetRow) => r.plan.counts.azurerm + r.plan.counts.others;
    console.log(`resource instances at N=${top}, ImageFleet / ImageScaleSet: ${total(fleet)} / ${total(scaleSet)} = ${(total(fleet) / total(scaleSet)).toFixed(0)}x `
      + `(ARM create calls by Terraform: ${fleet.plan.counts.azurerm} / ${scaleSet.plan.counts.azurerm} = `
      + `${(fleet.plan.counts.azurerm / scaleSet.plan.counts.azurerm).toFixed(0)}x)${fleet.plan.countedBy === 'console' ? ', ImageFleet counted by terraform console' : ''}`);
    const planSeconds = (r: FleetRow) => (r.plan.stopped ? `> ${r.plan.seconds.toFixed(0)} s (stopped)` : `${r.plan.seconds.toFixed(2)} s`);
    console.log(`terraform plan at N=${top}, ImageFleet vs ImageScaleSet: ${planSeconds(fleet)} vs ${planSeconds(scaleSet)} = `
      + `${fleet.plan.stopped ? '> ' : ''}${(fleet.plan.seconds / scaleSet.plan.seconds).toFixed(0)}x`);
  }
  for (const construct of ['ImageFleet', 'ImageScaleSet'] as const) {
    const times = rows.filter((r) => r.c.construct === construct).map((r) => r.synth.seconds);
    console.log(`synth time over N=${FLEET_COUNTS.join('/')}, ${construct}: ${times.map((t) => t.toFixed(3)).join(' / ')} s, `
      + `max/min ${(Math.max(...times) / Math.min(...times)).toFixed(2)}x (target <= 1.3x, as for the example's fleet rows)`);
  }
  console.log(`section wall time: ${elapsed().toFixed(0)} s; terraform ${await terraformVersion()}, providers ${Object.entries(required).map(([name, p]) => `${name} ${p.version}`).join(', ')}`);
  console.log(machineLine());
}

async function terraformVersion(): Promise<string> {
  return JSON.parse((await tf(REPO, ['version', '-json'])).stdout).terraform_version;
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only && only !== 'fleets') {
    throw new Error(`BENCH_ONLY='${only}': the only section that can run alone is 'fleets'`);
  }
  process.stderr.write(`benchmark: ${RUNS} runs after one warm-up, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, `
    + `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
  compileExamples();
  if (!only) {
    synthesisSection();
  }
  if (!process.env.BENCH_SKIP_FLEETS) {
    if (!only) {
      console.log('');
    }
    await fleetSection();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
