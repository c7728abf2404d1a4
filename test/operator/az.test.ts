/**
 * The operator's az client, in-process: retries and their waits (Retry-After, backoff) on a simulated clock, limits,
 * the version check, the login, and the messages of the failures no retry can help.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Az, MINIMUM_AZ_VERSION, TIMED_OUT } from '../../lib/operator/az';
import { findAz } from '../../lib/operator/az-process';
import { OperatorFailure } from '../../lib/operator/failure';
import { retryAfterSeconds } from '../../lib/operator/faults';
import { InputReader, Tuning } from '../../lib/operator/inputs';
import { command, failed, ok, scriptedAz, testOperator } from '../util/operator';

const TUNING: Tuning = { pollSeconds: 15, retryBaseSeconds: 5, retryMaxAttempts: 6, agentWaitSeconds: 600 };
const THROTTLED = 'ERROR: (TooManyRequests) The request is being throttled as the limit has been reached for operation type - Read_30Min.\nCode: TooManyRequests';
const NOT_FOUND = "ERROR: (ResourceNotFound) The Resource 'Microsoft.Compute/virtualMachines/vm' under resource group 'rg' was not found.\nCode: ResourceNotFound";

function client(answers: Parameters<typeof scriptedAz>[0], env: Record<string, string> = {}) {
  const az = scriptedAz(answers);
  const test = testOperator({ az: az.run, env });
  return { ...test, az, client: new Az(test.op, TUNING, { subject: 'VM vm in resource group rg', what: 'the VM or its resource group', hint: 'Run again.' }) };
}

async function failure(promise: Promise<unknown>): Promise<OperatorFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OperatorFailure) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the step to fail');
}

describe('retries', () => {
  test('a transient failure is retried after a delay doubled each time, then succeeds', async () => {
    const { client: az, clock, az: fake, stdout } = client([
      { match: command('vm deallocate'), result: failed(THROTTLED), times: 2 },
      { match: command('vm deallocate'), result: ok() },
    ]);
    const result = await az.call('deallocate', 1200, ['vm', 'deallocate', '--name=vm']);
    expect(result).toEqual(ok());
    expect(fake.calls).toHaveLength(3);
    // 5 s, then 10 s: nothing else waited.
    expect(clock.seconds()).toBe(15);
    expect(stdout()).toContain('deallocate: transient az failure (attempt 1 of 6): ERROR: (TooManyRequests)');
    expect(stdout()).toContain('deallocate: retrying in 10s');
  });

  test('Retry-After: the next attempt comes after the time Azure asked for, not the backoff', async () => {
    const { client: az, clock, stdout } = client([
      { match: command('vm deallocate'), result: failed(`${THROTTLED}\nRetry-After: 37`), times: 1 },
      { match: command('vm deallocate'), result: ok() },
    ]);
    await az.call('deallocate', 1200, ['vm', 'deallocate']);
    expect(clock.seconds()).toBe(37);
    expect(stdout()).toContain('deallocate: retrying in 37s (as Azure asked: Retry-After)');
  });

  test('a Retry-After beyond the call\'s limit ends the retries at once, saying why', async () => {
    const { client: az, clock, az: fake, stdout } = client([
      { match: command('vm deallocate'), result: failed(`${THROTTLED}\nPlease retry after 900 seconds.`) },
    ]);
    const result = await az.call('deallocate', 300, ['vm', 'deallocate']);
    expect(result).not.toBe(TIMED_OUT);
    expect(fake.calls).toHaveLength(1);
    expect(clock.seconds()).toBe(0);
    expect(stdout()).toContain('the next attempt after 900s (as Azure asked: Retry-After) would pass the call\'s limit of 300s: giving up');
  });

  test('a missing resource is never retried, whatever else the message says', async () => {
    const { client: az, az: fake } = client([{ match: command('vm deallocate'), result: failed(`${NOT_FOUND}\n503 Server Error`) }]);
    await az.call('deallocate', 1200, ['vm', 'deallocate']);
    expect(fake.calls).toHaveLength(1);
  });

  test('attempts run out: the last failure is returned after the configured attempts', async () => {
    const { client: az, az: fake, stdout } = client([{ match: command('vm deallocate'), result: failed(THROTTLED) }]);
    await az.call('deallocate', 3600, ['vm', 'deallocate']);
    expect(fake.calls).toHaveLength(6);
    expect(stdout()).toContain('az vm deallocate still failing after 6 attempts: giving up');
  });

  test('a call that does not end within its limit is stopped: its signal aborts, and the outcome says so', async () => {
    const { client: az, az: fake, clock, stdout } = client([{ match: command('vm deallocate'), result: 'hang' }]);
    expect(await az.call('deallocate', 60, ['vm', 'deallocate'])).toBe(TIMED_OUT);
    expect(fake.calls[0].signal.aborted).toBe(true);
    expect(clock.seconds()).toBe(60);
    // Progress lines every 15 s while az runs.
    expect(stdout()).toContain('deallocate: waiting for az vm deallocate, 15s of 60s');
    expect(stdout()).toContain('deallocate: waiting for az vm deallocate, 45s of 60s');
  });
});

describe('Retry-After in az\'s error output', () => {
  test.each([
    ['Retry-After: 12', 12],
    ["'Retry-After': '30'", 30],
    ['Please retry after 45 seconds.', 45],
    ["The operation was throttled. Try again after '17' seconds.", 17],
    ['TooManyRequests', undefined],
    ['Retry-After: Fri, 31 Dec 1999 23:59:59 GMT', undefined],
  ])('%s -> %s', (stderr, seconds) => {
    expect(retryAfterSeconds({ exitCode: 1, stdout: '', stderr })).toBe(seconds);
  });
});

describe('the Azure CLI\'s version', () => {
  // The comparison itself (2.9.0 < 2.10.0): test/operator/versions.test.ts.
  test.each(['2.44.0', '2.44.0b1', '2.100.0'])('%s passes: compared as numbers, a pre-release suffix left out', async (version) => {
    const { client: az, stdout } = client([{ match: command('version'), result: ok(`{"azure-cli": "${version}", "extensions": {}}`) }]);
    await az.checkVersion();
    expect(stdout()).toContain(`az version: azure-cli ${version}`);
  });

  test.each(['2.9.0', '2.43.9'])('%s is too old, although it sorts after 2.44.0 as text or nearly equals it', async (version) => {
    const { client: az } = client([{ match: command('version'), result: ok(`{"azure-cli": "${version}", "extensions": {}}`) }]);
    expect((await failure(az.checkVersion())).exitCode).toBe(3);
  });

  test('a current CLI passes, and its version is logged', async () => {
    const { client: az, stdout } = client([{ match: command('version'), result: ok('{"azure-cli": "2.74.0", "azure-cli-core": "2.74.0", "extensions": {}}') }]);
    await az.checkVersion();
    expect(stdout()).toContain('az version: azure-cli 2.74.0');
  });

  test('an old CLI (2.43) stops the step before anything is done, naming the minimum and the fix', async () => {
    const { client: az } = client([{ match: command('version'), result: ok('{"azure-cli": "2.43.0", "azure-cli-core": "2.43.0", "extensions": {}}') }]);
    const error = await failure(az.checkVersion());
    expect(error.exitCode).toBe(3);
    expect(error.message).toBe(`az version: the Azure CLI is 2.43.0; the operator steps need ${MINIMUM_AZ_VERSION} or later (older ones lack commands and `
      + 'options the steps use). Nothing was done in Azure. Fix: upgrade or reinstall the Azure CLI (`az upgrade`, or Microsoft\'s package from '
      + 'https://aka.ms/azure-cli instead of a Linux distribution\'s: e.g. Debian\'s azure-cli 2.45 lacks SDK modules its own commands need), check '
      + '`az version`, then run the deployment again.');
  });

  test('a CLI that crashes on a missing module is named as broken, with the module', async () => {
    const { client: az } = client([{
      match: command('version'),
      result: failed("Traceback (most recent call last):\n  File \"x.py\", line 1\nModuleNotFoundError: No module named 'azure.mgmt.compute.v2022_11_01'"),
    }]);
    const error = await failure(az.checkVersion());
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('lacks the Python module azure.mgmt.compute.v2022_11_01 that `az version` needs');
  });

  test('something that is not the Azure CLI answers: exit code 3', async () => {
    const { client: az } = client([{ match: command('version'), result: ok('az 1.0 (a different program)') }]);
    expect((await failure(az.checkVersion())).message).toMatch(/^az version: no azure-cli version in its output \("az 1.0/);
  });

  test('no az at all: exit code 3, how to install it', async () => {
    const { op } = testOperator();
    const error = await failure(new Az(op, TUNING).checkVersion());
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('the Azure CLI (az) is not on PATH');
  });
});

describe('login', () => {
  const SP = { ARM_CLIENT_ID: '00000000-0000-0000-0000-000000000001', ARM_TENANT_ID: 'contoso.onmicrosoft.com', ARM_CLIENT_SECRET: 's3cret;$(rm -rf /)' };

  test('without a session, the service principal logs in: the secret on standard input only, a private config directory', async () => {
    const { client: az, az: fake, op } = client([
      { match: command('account show'), result: failed("ERROR: Please run 'az login' to setup account.") },
      { match: command('login'), result: ok() },
    ], SP);
    await az.ensureSession(new InputReader(op.env, 'TestConstruct'));
    const login = fake.calls[1];
    expect(login.args).toEqual(['login', '--service-principal', '--username', SP.ARM_CLIENT_ID, '--password', '@-', '--tenant', SP.ARM_TENANT_ID,
      '--output', 'none']);
    expect(login.stdin).toBe(SP.ARM_CLIENT_SECRET);
    expect(fake.calls.flatMap((call) => call.args).join(' ')).not.toContain('s3cret');
    const configDir = login.env.AZURE_CONFIG_DIR!;
    expect(path.basename(configDir)).toMatch(/^test-step-az-/);
    expect(fs.existsSync(configDir)).toBe(true);
    op.cleanUp();
    expect(fs.existsSync(configDir)).toBe(false);
  });

  test('ARM_ENVIRONMENT=usgovernment: the private config is set to AzureUSGovernment before the login, as the provider targets it', async () => {
    const { client: az, az: fake, op } = client([
      { match: command('account show'), result: failed("ERROR: Please run 'az login' to setup account.") },
      { match: command('cloud set'), result: ok() },
      { match: command('login'), result: ok() },
    ], { ...SP, ARM_ENVIRONMENT: 'usgovernment' });
    await az.ensureSession(new InputReader(op.env, 'TestConstruct'));
    expect(fake.calls.map((call) => call.args.slice(0, 2).join(' '))).toEqual(['account show', 'cloud set', 'login --service-principal']);
    expect(fake.calls[1].args).toEqual(['cloud', 'set', '--name', 'AzureUSGovernment', '--only-show-errors', '--output', 'none']);
    // The private configuration: the cloud set there is the one the login uses, and the operator's own az profile is untouched.
    expect(path.basename(fake.calls[1].env.AZURE_CONFIG_DIR!)).toMatch(/^test-step-az-/);
    expect(fake.calls[2].env.AZURE_CONFIG_DIR).toBe(fake.calls[1].env.AZURE_CONFIG_DIR);
    op.cleanUp();
  });

  test('public Azure (ARM_ENVIRONMENT unset or public): no az cloud set, a fresh config is AzureCloud', async () => {
    for (const extra of [{}, { ARM_ENVIRONMENT: 'Public' }] as Array<Record<string, string>>) {
      const { client: az, az: fake, op } = client([
        { match: command('account show'), result: failed("ERROR: Please run 'az login' to setup account.") },
        { match: command('login'), result: ok() },
      ], { ...SP, ...extra });
      await az.ensureSession(new InputReader(op.env, 'TestConstruct'));
      expect(fake.calls.map((call) => call.args[0])).toEqual(['account', 'login']);
      op.cleanUp();
    }
  });

  test('the current session is in another cloud than ARM_ENVIRONMENT names: exit code 3 before any other call, both clouds named', async () => {
    const { client: az, az: fake, op } = client([{ match: command('account show'), result: ok('AzureCloud\n') }], { ARM_ENVIRONMENT: 'china' });
    const error = await failure(az.ensureSession(new InputReader(op.env, 'TestConstruct')));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('az is logged in to the cloud AzureCloud, but the deployment targets AzureChinaCloud (ARM_ENVIRONMENT=china)');
    expect(error.message).toContain('`az cloud set --name AzureChinaCloud`');
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].args).toEqual(['account', 'show', '--query', 'environmentName', '--output', 'tsv']);
  });

  test('the current session is in the cloud ARM_ENVIRONMENT names (case aside): used as it is', async () => {
    const { client: az, az: fake, op } = client([{ match: command('account show'), result: ok('AzureUSGovernment\n') }],
      { ARM_ENVIRONMENT: 'USGovernment' });
    await az.ensureSession(new InputReader(op.env, 'TestConstruct'));
    expect(fake.calls).toHaveLength(1);
  });

  test('without ARM_ENVIRONMENT, a session in any cloud is used: the provider block may name the cloud, which no step sees', async () => {
    const { client: az, az: fake, op } = client([{ match: command('account show'), result: ok('AzureUSGovernment\n') }]);
    await az.ensureSession(new InputReader(op.env, 'TestConstruct'));
    expect(fake.calls).toHaveLength(1);
  });

  test('an ARM_ENVIRONMENT the provider does not know: exit code 3, the values it takes', async () => {
    const { client: az, az: fake, op } = client([], { ...SP, ARM_ENVIRONMENT: 'german' });
    const error = await failure(az.ensureSession(new InputReader(op.env, 'TestConstruct')));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain("ARM_ENVIRONMENT is 'german', which the azurerm provider does not know. Fix: set it to public, usgovernment, china");
    expect(fake.calls).toHaveLength(0);
  });

  test('a cloud described by ARM_METADATA_HOSTNAME: the current session is used; without one, exit code 3 saying to register and log in', async () => {
    const hosted = { ARM_METADATA_HOSTNAME: 'management.local.example' };
    const session = client([{ match: command('account show'), result: ok('MyStack\n') }], hosted);
    await session.client.ensureSession(new InputReader(session.op.env, 'TestConstruct'));
    expect(session.az.calls).toHaveLength(1);

    const { client: az, az: fake, op } = client([{ match: command('account show'), result: failed("ERROR: Please run 'az login' to setup account.") }],
      { ...SP, ...hosted });
    const error = await failure(az.ensureSession(new InputReader(op.env, 'TestConstruct')));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('the deployment\'s cloud comes from ARM_METADATA_HOSTNAME=management.local.example, which a fresh az configuration does not know');
    expect(error.message).toContain('az cloud register');
    expect(fake.calls).toHaveLength(1);
  });

  test('incomplete service principal variables: exit code 3, naming what is missing', async () => {
    const { client: az, op } = client([{ match: command('account show'), result: failed("ERROR: Please run 'az login' to setup account.") }],
      { ARM_CLIENT_ID: SP.ARM_CLIENT_ID });
    const error = await failure(az.ensureSession(new InputReader(op.env, 'TestConstruct')));
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('(missing: ARM_CLIENT_SECRET ARM_TENANT_ID)');
  });
});

describe('finding az', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'find-az-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('Windows, the MSI layout: az.cmd\'s own Python is run with azure.cli, no cmd.exe; an az.exe is run as it is', () => {
    const msi = new Set(['C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin\\az.cmd', 'C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\python.exe']);
    const probe = { isFile: (file: string) => msi.has(file), isExecutableFile: () => false };
    expect(findAz({ Path: 'C:\\Windows;C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin' }, 'win32', probe)).toEqual({
      file: 'C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\python.exe', prefix: ['-IBm', 'azure.cli'],
    });
    msi.add('C:\\tools\\az.exe');
    expect(findAz({ Path: 'C:\\tools;C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin' }, 'win32', probe)).toEqual({ file: 'C:\\tools\\az.exe', prefix: [] });
    // An az.cmd without its Python beside it is not run through cmd.exe: no az.
    msi.delete('C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\python.exe');
    expect(findAz({ Path: 'C:\\Program Files\\Microsoft SDKs\\Azure\\CLI2\\wbin' }, 'win32', probe)).toBeUndefined();
  });

  test('Linux: the first executable az on PATH; none: undefined', () => {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.writeFileSync(path.join(root, 'bin', 'az'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findAz({ PATH: `${root}/missing:${root}/bin` }, 'linux')).toEqual({ file: path.join(root, 'bin', 'az'), prefix: [] });
    expect(findAz({ PATH: `${root}/missing` }, 'linux')).toBeUndefined();
  });
});
