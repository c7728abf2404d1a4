/**
 * The verify-fleet step (lib/operator/steps/verify-fleet.ts) in-process on a simulated clock, its pages answered by a
 * simulated HTTP client (test/util/fake-http.ts); then Node's own client against real servers on loopback, in-process
 * and as real Terraform runs the provisioner ImageFleet synthesizes.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { HyperVGeneration, ImageFleet, ManagedImage } from '../../lib';
import { nodeHttpClient } from '../../lib/operator/http';
import { STEPS } from '../../lib/operator/main';
import { FLEET_VERIFY_TIMEOUT_MINUTES } from '../../lib/operator/steps/verify-fleet';
import { FakeClock } from '../util/fake-clock';
import { answer, fakePages } from '../util/fake-http';
import { runInProcess, StepRun } from '../util/operator';
import { hasTerraform, terraform } from '../util/terraform';
import { html, machinePage, withServer } from '../util/web-server';

// The simulated tests take milliseconds; those against real servers and real Terraform take real seconds on a loaded machine.
jest.setTimeout(60_000);

const WEB001 = 'http://203.0.113.10/';
const WEB002 = 'http://203.0.113.11:8080/';

function verify(env: Record<string, string>, options: { http?: Parameters<typeof runInProcess>[1]['http']; clock?: FakeClock } = {}): Promise<StepRun> {
  return runInProcess(STEPS['verify-fleet'], { env, az: undefined, http: options.http, clock: options.clock });
}

describe('verify-fleet: every VM\'s URL until its page shows the VM\'s computer name', () => {
  test('passes when every VM answers with its own computer name, in any case, with no az at all', async () => {
    // GIVEN two VMs whose pages print the name as Windows does (in capitals) or as given
    const pages = fakePages({ [WEB001]: () => answer(machinePage('WEB001')), [WEB002]: () => answer('<p>Served by web002</p>') });
    // WHEN
    const run = await verify({ FLEET_TARGETS: `web001=${WEB001} web002=${WEB002}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '10' }, { http: pages.client });
    // THEN
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')).toEqual([
      '[verify-fleet +0s] checking 2 VM(s) for up to 600s: each page must contain the VM\'s computer name',
      `[verify-fleet +0s] web001: OK (${WEB001} answers with its computer name)`,
      `[verify-fleet +0s] web002: OK (${WEB002} answers with its computer name)`,
      '[verify-fleet +0s] all 2 VM(s) answer with their own computer name',
      '',
    ]);
    expect([pages.requests(WEB001), pages.requests(WEB002)]).toEqual([1, 1]);
    // Each request limited by VERIFY_REQUEST_SECONDS (10 by default).
    expect(pages.all.map((request) => request.timeoutSeconds)).toEqual([10, 10]);
  });

  test('waits for a VM that is still starting, a round every VERIFY_INTERVAL_SECONDS, printing progress with the elapsed time', async () => {
    // GIVEN a VM that answers 503 twice before its page is up, and one that is up
    const pages = fakePages({ [WEB001]: (n) => (n <= 2 ? answer('Service Unavailable', 503) : answer(machinePage('web001'))), [WEB002]: () => answer(machinePage('web002')) });
    // WHEN
    const run = await verify({ FLEET_TARGETS: `web001=${WEB001} web002=${WEB002}`, VERIFY_INTERVAL_SECONDS: '7', VERIFY_REQUEST_SECONDS: '3' }, { http: pages.client });
    // THEN
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = [...run.stdout.matchAll(/\+(\d+)s\] web001: (waiting \(.*\)|OK)/g)].map((m) => `+${m[1]}s ${m[2]}`);
    expect(lines).toEqual(['+0s waiting (HTTP 503 Service Unavailable)', '+7s waiting (HTTP 503 Service Unavailable)', '+14s OK']);
    // A VM that passed is not asked again.
    expect([pages.requests(WEB001), pages.requests(WEB002)]).toEqual([3, 1]);
    expect(pages.all.every((request) => request.timeoutSeconds === 3)).toBe(true);
    expect(run.seconds).toBe(14);
  });

  test('fails with exit 11 at the deadline when a page shows another machine\'s name, listing what each VM answered', async () => {
    // GIVEN web001's address answers as web002 (swapped IPs, a stale DNS entry)
    const pages = fakePages({ [WEB001]: () => answer(machinePage('web002')), [WEB002]: () => answer(machinePage('web002')) });
    // WHEN
    const run = await verify({ FLEET_TARGETS: `web001=${WEB001} web002=${WEB002}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '1' }, { http: pages.client });
    // THEN
    expect(run.code).toBe(11);
    expect(run.seconds).toBe(60);
    expect(run.stdout).toContain('web002: OK');
    expect(run.stdout).toContain("web001: waiting (the page does not contain 'web001')");
    expect(run.stderr).toBe(`  web001 (${WEB001}): the page does not contain 'web001'\n`
      + '[verify-fleet +60s] ERROR: timed out after 60s (GOLDEN_VERIFY_TIMEOUT_MINUTES=1): 1 of 2 VM(s) did not answer with their computer name. '
      + 'Check the NSG, the app port and that the image serves the machine-name page.\n');
    // A round every 10 s, the last at the deadline: never a pause past it.
    expect(pages.requests(WEB001)).toBe(7);
  });

  test('a VM that refuses connections: exit 11 with the connection error', async () => {
    const pages = fakePages({});
    const run = await verify({ FLEET_TARGETS: `web001=${WEB001}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '1', VERIFY_INTERVAL_SECONDS: '25' }, { http: pages.client });
    expect(run.code).toBe(11);
    expect(run.stderr).toContain(`  web001 (${WEB001}): connect ECONNREFUSED 203.0.113.10:80\n`);
    // Rounds at 0, 25, 50 and, cut short, at the deadline.
    expect(pages.requests(WEB001)).toBe(4);
    expect(run.seconds).toBe(60);
  });

  test('a large fleet is checked 32 requests at a time, in the order of FLEET_TARGETS', async () => {
    const names = Array.from({ length: 70 }, (_, i) => `web${String(i + 1).padStart(4, '0')}`);
    let inFlight = 0;
    let most = 0;
    const client = async (request: { url: string }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return answer(machinePage(new URL(request.url).pathname.slice(1)));
    };
    const run = await verify({ FLEET_TARGETS: names.map((name) => `${name}=http://203.0.113.10/${name}`).join(' ') }, { http: client });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(most).toBe(32);
    expect([...run.stdout.matchAll(/\] (web\d{4}): OK/g)].map((m) => m[1])).toEqual(names);
  });

  test('SIGHUP during a round of requests: exit 129, and what the interruption leaves', async () => {
    const pages = fakePages({ [WEB001]: () => answer('booting', 503) });
    const run = await runInProcess(STEPS['verify-fleet'], {
      env: { FLEET_TARGETS: `web001=${WEB001}` },
      az: undefined,
      http: pages.client,
      interrupt: { signal: 'SIGHUP', whenRequest: () => pages.requests(WEB001) === 1 },
    });
    expect(run.code).toBe(129);
    expect(run.stderr).toBe('[verify-fleet +10s] ERROR: interrupted by SIGHUP during check (the terminal or SSH session that ran the deployment was closed?). '
      + 'Not every VM was checked; the check changes nothing in Azure: run the deployment again to check the fleet.\n');
  });

  describe('refuses bad input before fetching anything: exit 2', () => {
    test.each<[string, Record<string, string>, string]>([
      ['no targets', { FLEET_TARGETS: '' }, "FLEET_TARGETS is empty: expected space-separated name=url pairs such as 'web001=http://203.0.113.10/'. It comes from the ImageFleet construct"],
      ['no targets at all', {}, 'FLEET_TARGETS is empty'],
      ['a target without a name', { FLEET_TARGETS: 'http://127.0.0.1:9/' }, 'FLEET_TARGETS entry "http://127.0.0.1:9/" is not name=url with a computer name of 1-15 letters, digits and hyphens.'],
      ['a name longer than a computer name', { FLEET_TARGETS: 'webfrontend-0001=http://127.0.0.1:9/' }, 'is not name=url with a computer name of 1-15'],
      ['a URL that is no http URL', { FLEET_TARGETS: 'web001=ftp://127.0.0.1/' }, 'FLEET_TARGETS entry "web001=ftp://127.0.0.1/": "ftp://127.0.0.1/" is not an http(s) URL.'],
      ['a timeout that is no number', { FLEET_TARGETS: `web001=${WEB001}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '10m' },
        'GOLDEN_VERIFY_TIMEOUT_MINUTES must be a whole number; got "10m". It comes from the ImageFleet construct\'s props (verifyTimeoutMinutes)'],
      ['a timeout beyond the construct\'s bounds', { FLEET_TARGETS: `web001=${WEB001}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '61' }, 'GOLDEN_VERIFY_TIMEOUT_MINUTES must be between 1 and 60; got 61.'],
      ['a zero interval', { FLEET_TARGETS: `web001=${WEB001}`, VERIFY_INTERVAL_SECONDS: '0' },
        'VERIFY_INTERVAL_SECONDS must be between 1 and 3600; got 0. It is one of the operator\'s tuning variables: unset it to use the default.'],
      ['a request limit beyond 600 s', { FLEET_TARGETS: `web001=${WEB001}`, VERIFY_REQUEST_SECONDS: '601' }, 'VERIFY_REQUEST_SECONDS must be between 1 and 600; got 601.'],
    ])('%s', async (_, env, message) => {
      const pages = fakePages({});
      const run = await verify(env, { http: pages.client });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe('');
      expect(pages.all).toEqual([]);
    });
  });

  test('the construct\'s timeout and the step\'s are one definition', () => {
    expect(FLEET_VERIFY_TIMEOUT_MINUTES).toEqual({ env: 'GOLDEN_VERIFY_TIMEOUT_MINUTES', prop: 'verifyTimeoutMinutes', min: 1, max: 60, default: 15 });
  });
});

describe('verify-fleet with Node\'s own HTTP client against real servers on loopback', () => {
  test('in-process: a page behind a redirect, a VM that answers 503 first; a closed port\'s connection error', async () => {
    const clock = new FakeClock();
    // The real client takes real time: the simulated clock stands still meanwhile.
    const http = (request: Parameters<typeof nodeHttpClient>[0]) => clock.whileBusy(nodeHttpClient(request));
    await withServer((res, n) => {
      if (n === 1) {
        res.writeHead(302, { Location: '/machine' });
        res.end();
      } else {
        html(machinePage('web001'))(res);
      }
    }, (web001) => withServer((res, n) => {
      if (n === 1) {
        res.writeHead(503);
        res.end('starting');
      } else {
        html(machinePage('web002'))(res);
      }
    }, async (web002) => {
      const run = await verify({ FLEET_TARGETS: `web001=${web001.url} web002=${web002.url}` }, { http, clock });
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      // The redirect followed at once: OK at the first round.
      expect(run.stdout).toContain(`[verify-fleet +0s] web001: OK (${web001.url} answers with its computer name)`);
      expect(run.stdout).toContain('[verify-fleet +0s] web002: waiting (HTTP 503 Service Unavailable)');
      expect(run.stdout).toContain('[verify-fleet +10s] web002: OK');
      expect([web001.requests, web002.requests]).toEqual([2, 2]);
    }));
    // Nothing listens any more at a closed server's port: the connection error is the problem.
    const closed = await withServer(() => undefined, async (server) => server.url);
    const run = await verify({ FLEET_TARGETS: `web001=${closed}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '1', VERIFY_INTERVAL_SECONDS: '30' }, { http, clock: new FakeClock() });
    expect(run.code).toBe(11);
    expect(run.stderr).toMatch(new RegExp(`  web001 \\(${closed.replace(/[.]/g, '\\.')}\\): connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+`));
  });

  test('in-process: a server that never answers is given up after VERIFY_REQUEST_SECONDS of real time', async () => {
    await withServer(() => undefined, async (server) => {
      const clock = new FakeClock();
      const started = Date.now();
      const run = await verify({ FLEET_TARGETS: `web001=${server.url}`, GOLDEN_VERIFY_TIMEOUT_MINUTES: '1', VERIFY_INTERVAL_SECONDS: '60', VERIFY_REQUEST_SECONDS: '1' },
        { http: (request) => clock.whileBusy(nodeHttpClient(request)), clock });
      expect(run.code).toBe(11);
      expect(run.stderr).toContain(`  web001 (${server.url}): no answer within 1s\n`);
      // Two rounds (at 0 and at the deadline), each one real second.
      expect(server.requests).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    });
  });

  (hasTerraform() ? test : test.skip)('runs from real Terraform exactly as synthesized: node, the operator program, the environment', async () => {
    // GIVEN a page server for one VM, and a fleet whose app port is the server's
    await withServer(html(machinePage('WEB0001')), async (web0001) => {
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
        expect(output).toMatch(/\(local-exec\): Executing: \["node" "\.\/assets\/GoldenImageScripts\/[0-9A-F]{32}\/operator\/operator\.js" "verify-fleet"\]/);
        expect(output).toMatch(new RegExp(`\\[verify-fleet \\+\\d+s\\] web0001: OK \\(http://127\\.0\\.0\\.1:${port}/ answers with its computer name\\)`));
        expect(output).toContain('Apply complete! Resources: 1 added');
        expect(web0001.requests).toBe(1);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    });
  });
});
