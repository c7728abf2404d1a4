import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../lib';
import { hasTerraform, terraform } from './util/terraform';

const SCRIPT = path.join(__dirname, '..', 'lib', 'scripts', 'operator', 'verify-fleet.sh');
// By absolute path, so that a test can run the script with a PATH that lacks curl.
const BASH = execFileSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).trim();

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs the script asynchronously (the test's HTTP servers live in this process) with only the given inputs. */
function runScript(env: Record<string, string>, pathVariable = process.env.PATH ?? ''): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(BASH, [SCRIPT], { env: { PATH: pathVariable, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

interface PageServer {
  readonly url: string;
  readonly requests: () => number;
  readonly close: () => Promise<void>;
}

/**
 * A page server on loopback: answers `body(n)` to its n-th request (1-based), with status 200, or 503 when the body is
 * undefined (a VM still booting).
 */
async function servePage(body: (request: number) => string | undefined, host = '127.0.0.1', port = 0): Promise<PageServer> {
  let count = 0;
  const server = http.createServer((_, response) => {
    count += 1;
    const page = body(count);
    response.writeHead(page === undefined ? 503 : 200, { 'Content-Type': 'text/html' });
    response.end(page ?? 'Service Unavailable');
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const machinePage = (name: string) => `<html><body><h1>Golden image web server</h1><p>Served by ${name}</p></body></html>`;
const FAST = { VERIFY_INTERVAL_SECONDS: '1', VERIFY_REQUEST_SECONDS: '2' };

describe('verify-fleet.sh', () => {
  const servers: PageServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function serve(body: (request: number) => string | undefined): Promise<PageServer> {
    const server = await servePage(body);
    servers.push(server);
    return server;
  }

  test('passes when every VM answers with its own computer name, in any case', async () => {
    // GIVEN two VMs whose pages print the name as Windows does, in capitals
    const web001 = await serve(() => machinePage('WEB001'));
    const web002 = await serve(() => machinePage('web002'));
    // WHEN
    const run = await runScript({ ...FAST, FLEET_TARGETS: `web001=${web001.url} web002=${web002.url}`, VERIFY_TIMEOUT_SECONDS: '10' });
    // THEN
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\[verify-fleet\] \+\d+s checking 2 VM\(s\) for up to 10s/);
    expect(run.stdout).toContain(`web001: OK (${web001.url} answers with its computer name)`);
    expect(run.stdout).toContain('all 2 VM(s) answer with their own computer name');
  });

  test('waits for a VM that is still starting, printing progress with the elapsed time', async () => {
    // GIVEN a VM that answers 503 twice before its page is up
    const web001 = await serve((n) => (n <= 2 ? undefined : machinePage('web001')));
    // WHEN
    const run = await runScript({ ...FAST, FLEET_TARGETS: `web001=${web001.url}`, VERIFY_TIMEOUT_SECONDS: '20' });
    // THEN
    expect(run.code).toBe(0);
    // Two waiting lines then OK, each stamped with the elapsed seconds; a round every second, so the stamps grow
    // (exact values depend on the machine's load: bash counts whole seconds of the clock).
    const lines = [...run.stdout.matchAll(/\+(\d+)s web001: (waiting|OK)/g)].map((m) => ({ seconds: Number(m[1]), what: m[2] }));
    expect(lines.map((l) => l.what)).toEqual(['waiting', 'waiting', 'OK']);
    expect(run.stdout).toMatch(/\+\d+s web001: waiting \(curl: \(22\) The requested URL returned error: 503/);
    expect(lines[1].seconds).toBeGreaterThan(lines[0].seconds);
    expect(lines[2].seconds).toBeGreaterThan(lines[1].seconds);
    expect(web001.requests()).toBe(3);
  });

  test('fails after the timeout when a page shows another machine\'s name', async () => {
    // GIVEN web001's address answers as web002 (e.g. swapped IPs or a stale DNS entry)
    const wrong = await serve(() => machinePage('web002'));
    const right = await serve(() => machinePage('web003'));
    // WHEN
    const run = await runScript({ ...FAST, FLEET_TARGETS: `web001=${wrong.url} web003=${right.url}`, VERIFY_TIMEOUT_SECONDS: '3' });
    // THEN
    expect(run.code).toBe(1);
    // bash counts whole seconds of the clock, so the deadline may come up to one second early.
    expect(run.seconds).toBeGreaterThanOrEqual(2);
    expect(run.stdout).toContain('web003: OK');
    expect(run.stdout).toContain("web001: waiting (the page does not contain 'web001')");
    expect(run.stderr).toContain(`[verify-fleet] web001 (${wrong.url}): the page does not contain 'web001'`);
    expect(run.stderr).toMatch(/ERROR: timed out after \d+s \(VERIFY_TIMEOUT_SECONDS=3\): 1 of 2 VM\(s\) did not answer with their computer name\. Check the NSG/);
    expect(wrong.requests()).toBeGreaterThanOrEqual(3);
  });

  test('fails after the timeout when a VM does not answer at all', async () => {
    // GIVEN a port where nothing listens any more
    const gone = await servePage(() => 'unused');
    await gone.close();
    // WHEN
    const run = await runScript({ ...FAST, FLEET_TARGETS: `web001=${gone.url}`, VERIFY_TIMEOUT_SECONDS: '2' });
    // THEN
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/web001 \(http:\/\/127\.0\.0\.1:\d+\/\): curl: \(7\) Failed to connect/);
    expect(run.stderr).toMatch(/ERROR: timed out after [23]s/);
  });

  describe('refuses bad input before fetching anything', () => {
    test.each<[string, Record<string, string>, RegExp]>([
      ['no targets', { FLEET_TARGETS: '' }, /FLEET_TARGETS is empty: expected space-separated name=url pairs/],
      ['a target without a name', { FLEET_TARGETS: 'http://127.0.0.1:9/' }, /FLEET_TARGETS entry 'http:\/\/127\.0\.0\.1:9\/' is not name=url/],
      ['a name longer than a computer name', { FLEET_TARGETS: 'webfrontend-0001=http://127.0.0.1:9/' }, /is not name=url with a computer name of 1-15/],
      ['a URL that is no http URL', { FLEET_TARGETS: 'web001=ftp://127.0.0.1/' }, /'ftp:\/\/127\.0\.0\.1\/' is not an http\(s\) URL/],
      ['a timeout that is no number', { FLEET_TARGETS: 'web001=http://127.0.0.1:9/', VERIFY_TIMEOUT_SECONDS: '10m' }, /VERIFY_TIMEOUT_SECONDS='10m' is not a whole number of seconds/],
      ['a zero interval', { FLEET_TARGETS: 'web001=http://127.0.0.1:9/', VERIFY_INTERVAL_SECONDS: '0' }, /VERIFY_INTERVAL_SECONDS='0' is not a whole number of seconds above 0/],
    ])('%s', async (_, env, message) => {
      const run = await runScript(env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });

    test('no curl on the machine', async () => {
      const run = await runScript({ FLEET_TARGETS: 'web001=http://127.0.0.1:9/' }, '/nonexistent');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('curl is not installed on the machine that runs Terraform');
    });
  });

  (hasTerraform() ? test : test.skip)('runs from real Terraform exactly as synthesized: command, interpreter, environment', async () => {
    // GIVEN a page server for one VM, and a fleet whose app port is the server's
    const web0001 = await serve(() => machinePage('WEB0001'));
    const port = Number(new URL(web0001.url).port);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-fleet-tf-'));
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = new TerraformStack(app, 'fleet');
      new AzurermProvider(stack, 'azurerm', { features: [{}] });
      const image = ManagedImage.fromImageId(stack, 'Golden', {
        imageId: '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Compute/images/img',
        location: 'westeurope',
        hyperVGeneration: HyperVGeneration.V2,
      });
      new ImageFleet(stack, 'Fleet', { image, count: 1, resourceGroupName: 'rg-app', namePrefix: 'web', appPort: port, verifyUrls: true, verifyTimeoutMinutes: 1 });
      app.synth();
      const stackDir = path.join(outdir, 'stacks', 'fleet');
      const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
      // Only the URL check and the instance map, with the public IP resource replaced by a stand-in on loopback.
      const [pipName] = Object.keys(synthesized.resource.azurerm_public_ip);
      const [checkName, check] = Object.entries<any>(synthesized.resource.terraform_data).find(([name]) => name.startsWith('Fleet_UrlCheck_'))!;
      const standIn = JSON.stringify({ ...check, depends_on: undefined }).split(`azurerm_public_ip.${pipName}`).join('local.fake_pip');
      const config = {
        locals: { ...synthesized.locals, fake_pip: { web0001: { ip_address: '127.0.0.1' } } },
        resource: { terraform_data: { [checkName]: JSON.parse(standIn) } },
      };
      fs.writeFileSync(path.join(stackDir, 'cdk.tf.json'), JSON.stringify(config, null, 2));
      // WHEN Terraform applies it (the built-in terraform_data needs no provider download)
      terraform(stackDir, ['init', '-backend=false']);
      const output = await new Promise<string>((resolve, reject) => {
        execFile('terraform', ['apply', '-auto-approve', '-no-color'], {
          cwd: stackDir, env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' }, timeout: 60_000,
        }, (error, stdout, stderr) => (error ? reject(new Error(`${stdout}\n${stderr}`)) : resolve(stdout)));
      });
      // THEN
      expect(output).toContain('(local-exec): Executing: ["bash" "./assets/');
      expect(output).toMatch(new RegExp(`\\[verify-fleet\\] \\+\\d+s web0001: OK \\(http://127\\.0\\.0\\.1:${port}/ answers with its computer name\\)`));
      expect(output).toContain('Apply complete! Resources: 1 added');
      expect(web0001.requests()).toBe(1);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
