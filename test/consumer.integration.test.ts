/**
 * The library as another team gets it: `npm pack`, the tarball installed into a fresh CDKTF app that imports it by
 * package name, compiled with tsc against the packaged typings, and synthesized.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureCompiled, REPO, sh, TOOL_ENV } from './util/compiled';
import { Snippet, typescriptSnippets } from './util/snippets';


function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** The TypeScript snippets a team copies: README.md's first (the whole app) and every other. */
const snippets: Snippet[] = [
  ...typescriptSnippets(path.join(REPO, 'README.md'), 'README.md'),
  ...typescriptSnippets(path.join(REPO, 'examples', 'README.md'), 'examples/README.md'),
];

/** The README's app with an NSG of the team's own that opens RDP to the Internet, added to its `web` stack. */
function withOpenRdp(code: string): string {
  expect(code).toMatch(/^const web = new TerraformStack\(app, 'web'\);$/m);
  expect(code).toMatch(/^app\.synth\(\);$/m);
  const nsg = "new NetworkSecurityGroup(web, 'TeamNsg', { name: 'nsg-team', resourceGroupName: 'rg-app', location: 'westeurope', securityRule: [{ "
    + "name: 'rdp', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '3389', "
    + "sourceAddressPrefix: '*', destinationAddressPrefix: '*' }] });\n";
  return "import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';\n"
    + code.replace(/^app\.synth\(\);$/m, `${nsg}app.synth();`);
}

describe('consumer app installing the packed library', () => {
  let app: string;
  const writeApp = (name: string, code: string) => {
    fs.mkdirSync(path.join(app, 'apps', name), { recursive: true });
    fs.writeFileSync(path.join(app, 'apps', name, 'main.ts'), code);
  };
  /** Runs a compiled snippet app in its own directory; its exit status, output and the stacks it wrote. */
  const runApp = (name: string) => {
    const dir = path.join(app, 'apps', name);
    try {
      const output = execFileSync(process.execPath, [path.join(app, 'out', 'apps', name, 'main.js')], { cwd: dir, env: TOOL_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return { ok: true, output, dir };
    } catch (e: any) {
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`, dir };
    }
  };
  let stackDir: string;
  let json: any;

  beforeAll(() => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-consumer-'));
    ensureCompiled();
    const tarball = sh('npm', ['pack', '--silent', '--pack-destination', app], REPO).trim().split('\n').pop()!;
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'team-app',
      private: true,
      dependencies: {
        'azure-golden-image': `file:./${tarball}`,
        ...Object.fromEntries(['cdktf', 'constructs', '@cdktf/provider-azurerm', '@cdktf/provider-random'].map((n) => [n, installedVersion(n)])),
      },
    }, null, 2));
    fs.copyFileSync(path.join(__dirname, 'consumer', 'main.ts'), path.join(app, 'main.ts'));
    // Every TypeScript snippet of the README and the examples' README, verbatim, as an app of its own; and the README's
    // app once more with one insecure resource of the team's own, which the checks must refuse.
    snippets.forEach((snippet, i) => writeApp(`snippet-${i + 1}`, snippet.code));
    writeApp('snippet-open-rdp', withOpenRdp(snippets[0].code));
    const tsconfig = JSON.parse(fs.readFileSync(path.join(__dirname, 'consumer', 'tsconfig.json'), 'utf8'));
    tsconfig.files = ['main.ts', ...fs.readdirSync(path.join(app, 'apps')).map((name) => `apps/${name}/main.ts`)];
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], app);
    // The packaged typings compile a consumer's TypeScript; the repository's tsc stands in for the team's.
    sh(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    sh(process.execPath, ['out/main.js'], app);
    stackDir = path.join(app, 'cdktf.out', 'stacks', 'consumer');
    json = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  });

  afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

  test('resolves the library from its own node_modules, not from this repository', () => {
    const resolved = sh(process.execPath, ['-p', "require.resolve('azure-golden-image')"], app).trim();
    expect(resolved).toBe(path.join(fs.realpathSync(app), 'node_modules', 'azure-golden-image', 'dist', 'index.js'));
  });

  test('synthesizes the whole pipeline', () => {
    const types = Object.keys(json.resource);
    expect(types).toEqual(expect.arrayContaining(['azurerm_windows_virtual_machine', 'terraform_data', 'random_password']));
    expect(types).not.toContain('azurerm_virtual_machine_extension');
    const captures = Object.entries<any>(json.resource.terraform_data).filter(([name]) => /^(Image|Copy)_Capture_/.test(name));
    expect(captures).toHaveLength(2);
    expect(captures.every(([, c]) => c.input.hyper_v_generation === 'V2')).toBe(true);
    const fleetVm = Object.values<any>(json.resource.azurerm_windows_virtual_machine).find((vm) => vm.for_each !== undefined);
    expect(fleetVm.source_image_id).toMatch(/^\$\{terraform_data\.Copy_Capture_[0-9A-F]{8}\.output\.image_id\}$/);
  });

  test('copies every script the provisioners run into cdktf.out, unchanged', () => {
    const scripts: string[] = [];
    for (const data of Object.values<any>(json.resource.terraform_data)) {
      for (const provisioner of data.provisioner ?? []) {
        const exec = provisioner['local-exec'];
        const words = [exec.command, ...(exec.interpreter ?? []), ...Object.values(exec.environment ?? {})].join(' ');
        scripts.push(...words.match(/\.\/assets\/[^\s"]+/g) ?? []);
      }
    }
    const commands = scripts.filter((s) => s.endsWith('.js')).map((s) => path.basename(s));
    expect([...new Set(commands)].sort()).toEqual(['operator.js']);
    // One copy of the whole scripts directory: the operator program runs from it, the guest scripts go to the VM.
    const directories = new Set(scripts.map((s) => s.replace(/\/(operator|guest)(\/[^/]+)?$/, '')));
    expect(directories.size).toBe(1);
    const copiedRoot = path.join(stackDir, [...directories][0]);
    const listed = (root: string) => ['operator', 'guest'].flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f}`)).sort();
    expect(listed(copiedRoot)).toEqual(listed(path.join(REPO, 'lib', 'scripts')));
    for (const file of listed(copiedRoot)) {
      expect(fs.readFileSync(path.join(copiedRoot, file), 'utf8')).toBe(fs.readFileSync(path.join(REPO, 'lib', 'scripts', file), 'utf8'));
    }
  });

  test('the README has TypeScript snippets, the first a whole app with two stacks', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(1);
    expect(snippets[0].code).toMatch(/new App\(\)[\s\S]*app\.synth\(\)/);
  });

  test('every TypeScript snippet of README.md and examples/README.md compiles and synthesizes as written', () => {
    snippets.forEach((snippet, i) => {
      const run = runApp(`snippet-${i + 1}`);
      if (!run.ok) {
        throw new Error(`${snippet.where}: the snippet does not synthesize:\n${run.output}`);
      }
      const stacks = fs.readdirSync(path.join(run.dir, 'cdktf.out', 'stacks'));
      expect(stacks.length).toBeGreaterThanOrEqual(1);
      for (const stack of stacks) {
        const text = fs.readFileSync(path.join(run.dir, 'cdktf.out', 'stacks', stack, 'cdk.tf.json'), 'utf8');
        // Nothing machine-specific: without a backend, cdktf would write the absolute path of a local state file.
        expect(text).not.toContain(app);
        expect(text).not.toContain(fs.realpathSync(app));
        expect(text).not.toContain(os.homedir());
      }
    });
  });

  test("the README's app gets the checks' errors for an insecure resource of the team's own", () => {
    const run = runApp('snippet-open-rdp');
    expect(run.ok).toBe(false);
    expect(run.output).toMatch(/\[web\/TeamNsg\] \[GoldenImage:ManagementPortOpen\] NSG rule 'rdp' allows RDP \(3389\) from any source/);
  });

  test('writes nothing machine-specific', () => {
    const text = JSON.stringify(json);
    expect(text).not.toContain(app);
    expect(text).not.toContain(REPO);
    expect(text).not.toContain(os.homedir());
  });
});
