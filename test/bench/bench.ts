/**
 * Synthesis benchmark: `npm run bench` (or `npx projen bench`). Prints one table; every figure is measured in this run.
 *
 * Wall times are medians of RUNS runs after one warm-up run, each a fresh process (what a user pays per
 * `cdktf synth`); peak RSS is the process's own maxRSS. Set BENCH_RUNS to change the number of runs and
 * BENCH_SKIP_CLI=1 / BENCH_SKIP_TESTS=1 to skip the slow rows.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO = path.resolve(__dirname, '..', '..');
const APPS = path.join(__dirname, 'apps');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const EXAMPLE = 'examples/golden-image/main.ts';
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

function main(): void {
  process.stderr.write(`benchmark: ${RUNS} runs after one warm-up, on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, `
    + `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
  compileExamples();
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
    const start = process.hrtime.bigint();
    run('npx', ['jest', '--ci', '--silent']);
    tests.push({ label: 'test suite (npx jest --ci), one run', seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    process.stderr.write(`  tests: ${tests[0].seconds.toFixed(1)} s\n`);
  }

  const rows = [floor, library, barrel, deep, ...fleet, ...cli, ...tests];
  const f3 = fleet[0];
  const f3000 = fleet[3];
  console.log(format(rows));
  console.log('');
  console.log(`library example vs the same resources hand-written with deep imports: ${(library.seconds / deep.seconds).toFixed(2)}x`);
  console.log(`(2)/(1) library example vs floor:        ${(library.seconds / floor.seconds).toFixed(2)}x (target <= 1.3x, 1.5x at worst)`);
  console.log(`(3)/(2) hand-written barrel vs library:  ${(barrel.seconds / library.seconds).toFixed(2)}x (target >= 5x)`);
  console.log(`fleet 3000 vs 3: time ${(f3000.seconds / f3.seconds).toFixed(2)}x, JSON ${((f3000.bytes ?? 0) / (f3.bytes ?? 1)).toFixed(2)}x (target <= 1.3x)`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}`);
}

main();
