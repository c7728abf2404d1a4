/**
 * The npm package holds what a consumer needs and nothing else: the compiled JavaScript with its typings, the jsii
 * assembly, the operator and guest scripts the compiled code copies at synth, and the docs. The file list is the one
 * `npm pack` makes from .npmignore (generated from .projenrc.ts), checked by rule rather than as a fixed list, so a
 * new construct or script needs no edit here but a stray file fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureCompiled, REPO, sh } from './util/compiled';


/** What may be packed: every packed path matches one of these. */
const ALLOWED: RegExp[] = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^API\.md$/,
  /^CHANGELOG\.md$/,
  /^\.jsii$/,
  /^dist\/(?:[\w.-]+\/)*[\w.-]+\.js$/,
  /^dist\/(?:[\w.-]+\/)*[\w.-]+\.d\.ts$/,
  /^lib\/scripts\/(?:operator|guest)\/[^/]+$/,
];

/** What must be packed besides the compiled code and the scripts. */
const REQUIRED = ['package.json', 'README.md', 'LICENSE', 'API.md', 'CHANGELOG.md', '.jsii'];

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

/** Files under `dir` (relative to the repository, with `/`), recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? filesUnder(rel) : [rel];
  });
}

/** The text of a packed file, with the source maps inlined in compiled code decoded (they are base64). */
function textOf(file: string): string {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  const maps = [...text.matchAll(/sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/g)]
    .map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
  return [text, ...maps].join('\n');
}

describe('npm package', () => {
  let packed: PackedFile[];
  let paths: string[];

  beforeAll(() => {
    ensureCompiled();
    const [result] = JSON.parse(sh('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], REPO));
    packed = result.files;
    paths = packed.map((f) => f.path).sort();
  });

  test('every packed file is on the allow-list', () => {
    expect(paths.length).toBeGreaterThan(REQUIRED.length);
    expect(paths.filter((p) => !ALLOWED.some((rule) => rule.test(p)))).toEqual([]);
  });

  test('holds the manifest, the docs and the jsii assembly', () => {
    expect(paths).toEqual(expect.arrayContaining(REQUIRED));
  });

  test('no TypeScript sources, tests, examples, benchmark builds, packages or tool configuration', () => {
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /^(?:test|examples|dist-bench|dist-packages|cdktf\.out|coverage|projenrc|\.projen)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /(?:^|\/)(?:jest\.config\.\w+|tsconfig(?:\.\w+)*\.json|[^/]*\.tsbuildinfo|\.projenrc\.\w+|cdktf\.json)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('lib/') && !p.startsWith('lib/scripts/'))).toEqual([]);
  });

  test('ships every operator and guest script of the repository, executable ones still executable', () => {
    const scripts = filesUnder('lib/scripts').sort();
    expect(scripts.filter((p) => p.startsWith('lib/scripts/operator/')).length).toBeGreaterThan(0);
    expect(scripts.filter((p) => p.startsWith('lib/scripts/guest/')).length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('lib/scripts/'))).toEqual(scripts);
    // Any of the owner, group and other execute bits (0o100, 0o010, 0o001).
    const executable = (mode: number): boolean => [0o100, 0o10, 0o1].some((bit) => Math.floor(mode / bit) % 2 === 1);
    for (const script of scripts) {
      const inPackage = packed.find((f) => f.path === script)!;
      expect([script, executable(inPackage.mode)]).toEqual([script, executable(fs.statSync(path.join(REPO, script)).mode)]);
    }
  });

  test('compiled code: every source under lib/ compiled, every .js with its .d.ts and every .d.ts with its .js', () => {
    const js = paths.filter((p) => p.startsWith('dist/') && p.endsWith('.js'));
    const dts = paths.filter((p) => p.endsWith('.d.ts'));
    expect(js).toContain('dist/index.js');
    expect(js.filter((p) => !dts.includes(p.replace(/\.js$/, '.d.ts')))).toEqual([]);
    expect(dts.filter((p) => !js.includes(p.replace(/\.d\.ts$/, '.js')))).toEqual([]);
    const sources = filesUnder('lib').filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.startsWith('lib/scripts/'));
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.map((p) => p.replace(/^lib\//, 'dist/').replace(/\.ts$/, '.js')).filter((p) => !js.includes(p))).toEqual([]);
  });

  test('package.json: no jest block, and main and types point at packed files', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('azure-golden-image');
    expect(manifest).not.toHaveProperty('jest');
    expect(manifest.main).toBe('dist/index.js');
    expect(manifest.types).toBe('dist/index.d.ts');
    expect(paths).toEqual(expect.arrayContaining([manifest.main, manifest.types]));
  });

  test('no packed file holds an absolute path of this machine', () => {
    const home = os.homedir();
    const machinePaths = [...new Set([REPO, fs.realpathSync(REPO), ...(home.length > 1 ? [`${home}/`] : [])])];
    const leaks = paths.flatMap((p) => {
      const text = textOf(p);
      return machinePaths.filter((m) => text.includes(m)).map((m) => `${p}: ${m}`);
    });
    expect(leaks).toEqual([]);
  });
});
