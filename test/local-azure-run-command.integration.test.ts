/**
 * Run Command in the local Azure (test/local-azure/run-command.ts): the script runs under a real pwsh with
 * test/powershell's stand-ins for Windows, as a long-running operation whose result holds the last 4096 bytes of each
 * stream. In-process (no HTTPS), but it starts pwsh: integration tier.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WindowsSetup } from '../lib';
import { nicBody, pathsIn, PLATFORM_IMAGE, subnetBody, vmBody, VmOptions, vnetBody, groupBody } from './local-azure/bodies';
import { AzureResponse, Json } from './local-azure/http';
import { API, InProcessAzure } from './local-azure/in-process';
import { describeWithPwsh, GUEST_DIRECTORY } from './powershell/pwsh';

const body = InProcessAzure.body;
const azures: InProcessAzure[] = [];
afterAll(async () => Promise.all(azures.map((client) => client.azure.dispose())));

function withRunningVm(options: VmOptions = {}) {
  const client = new InProcessAzure();
  azures.push(client);
  const paths = pathsIn(client, 'rg-build');
  client.put(paths.group, groupBody(), API.resources);
  client.put(paths.vnet('vnet'), vnetBody());
  const subnet = body(client.put(paths.subnet('vnet', 'snet'), subnetBody()));
  const nic = body(client.put(paths.nic('nic'), nicBody(subnet.id)));
  const vm = body(client.put(paths.vm('vm-build'), vmBody(nic.id, { imageReference: PLATFORM_IMAGE, ...options }), API.compute));
  const invoke = (script: string, parameters: { [name: string]: string } = {}) => client.request('POST', `${paths.vm('vm-build')}/runCommand?api-version=${API.compute}`, {
    body: { commandId: 'RunPowerShellScript', script: [script], parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) },
  });
  /** Polls as a client does: the status URL, then the result URL. */
  const outcome = (started: AzureResponse) => {
    const statusUrl = new URL(started.headers['Azure-AsyncOperation']);
    const statusAnswer = client.request('GET', statusUrl.pathname + statusUrl.search);
    const location = new URL(started.headers.Location);
    return { status: body(statusAnswer), retryAfter: statusAnswer.headers['Retry-After'], result: client.request('GET', location.pathname + location.search) };
  };
  const codes = () => (body(client.get(`${paths.vm('vm-build')}/instanceView`, API.compute)).statuses as Json[]).map((s) => s.code);
  return { client, vm, invoke, outcome, codes };
}

describeWithPwsh('Run Command in the local Azure', () => {
  test('generalize.ps1 with the operator\'s parameters: InProgress, then Succeeded with its output; Sysprep ran with /quit, the VM still runs', async () => {
    const { client, vm, invoke, outcome, codes } = withRunningVm();
    const script = fs.readFileSync(path.join(GUEST_DIRECTORY, 'generalize.ps1'), 'utf8');
    const started = invoke(script, { TimeoutSeconds: '60', PollSeconds: '1' });
    expect(started.status).toBe(202);
    const running = outcome(started);
    expect(running.status.status).toBe('InProgress');
    // Poll again in a second (without Retry-After, az waits 30 seconds between polls).
    expect(running.retryAfter).toBe('1');
    expect(running.result.status).toBe(202);
    // One script at a time.
    const second = invoke('Write-Output again');
    expect({ status: second.status, error: body(second).error }).toEqual({
      status: 409, error: { code: 'Conflict', message: 'Run command extension execution is in progress. Please wait for completion before invoking a run command.' },
    });
    await client.azure.settled();
    const done = outcome(started);
    expect(done.status).toMatchObject({ status: 'Succeeded', endTime: expect.any(String) });
    expect(done.retryAfter).toBeUndefined();
    expect(done.result.status).toBe(200);
    const [stdout, stderr] = body(done.result).value as Json[];
    expect([stdout.code, stderr.code]).toEqual(['ComponentStatus/StdOut/succeeded', 'ComponentStatus/StdErr/succeeded']);
    expect(stdout.message.trimEnd().split(/\r?\n/).pop()).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
    expect(client.azure.guestCalls(vm.id, 'Sysprep.exe').map((call) => call.arguments.ArgumentList)).toEqual([['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm']]);
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });

  test('Sysprep with /shutdown stops the VM (still allocated); each stream is cut to its last 4096 bytes', async () => {
    const { client, invoke, outcome, codes } = withRunningVm();
    const started = invoke([
      "1..300 | ForEach-Object { Write-Output ('line {0:d4} ' -f $_ + ('x' * 20)) }",
      "Start-Process -FilePath 'C:\\Windows\\System32\\Sysprep\\Sysprep.exe' -ArgumentList '/oobe','/generalize','/shutdown','/mode:vm'",
      "[Console]::Error.WriteLine('to stderr')",
    ].join('\n'));
    await client.azure.settled();
    const [stdout, stderr] = body(outcome(started).result).value as Json[];
    expect(Buffer.byteLength(stdout.message, 'utf8')).toBe(4096);
    expect(stdout.message.trimEnd().split(/\r?\n/).pop()).toMatch(/^line 0300 x{20}$/);
    expect(stderr.message).toContain('to stderr');
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/stopped']);
  });

  test('the setup\'s guest scripts: the custom data on the guest\'s C: drive runs as a scheduled task, its log is followed, then removed', async () => {
    const setup = WindowsSetup.custom({ steps: [{ name: 'Say hello', script: "Write-Output 'hello from the setup'" }] });
    const { client, vm, invoke, outcome } = withRunningVm({ customData: Buffer.from(setup.renderScript(), 'utf8').toString('base64') });
    const run = async (script: string, parameters: { [name: string]: string } = {}) => {
      const started = invoke(fs.readFileSync(path.join(GUEST_DIRECTORY, script), 'utf8'), parameters);
      await client.azure.settled();
      const [stdout, stderr] = body(outcome(started).result).value as Json[];
      return { stdout: stdout.message as string, stderr: stderr.message as string, last: (stdout.message as string).trimEnd().split(/\r?\n/).pop() };
    };
    const start = await run('setup-start.ps1');
    expect({ last: start.last, stderr: start.stderr }).toEqual({ last: 'GOLDEN-IMAGE-SETUP-START: STARTED', stderr: '' });
    let log = '';
    let status = '';
    for (let offset = '0', polls = 0; polls < 60; polls++) {
      const poll = await run('setup-status.ps1', { Offset: offset });
      log += poll.stdout;
      status = poll.last ?? '';
      [, , offset] = status.split(' ');
      if (!status.startsWith('GOLDEN-IMAGE-SETUP-STATUS: running')) {
        break;
      }
    }
    expect(status).toMatch(/^GOLDEN-IMAGE-SETUP-STATUS: succeeded \d+$/);
    expect(log).toContain('hello from the setup');
    const finish = await run('setup-finish.ps1');
    expect(finish.last).toBe('GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    // Nothing of the pipeline stays in the guest: no custom data, no setup folder, no task.
    const drive = path.join(client.azure.guestDirectory(vm.id)!, 'C');
    expect(fs.readdirSync(drive, { recursive: true })).toEqual(['AzureData']);
  });

  test('a VM deleted and made again under its name gets a new guest: Windows not generalized, no calls', async () => {
    const { client, vm, invoke, codes } = withRunningVm();
    invoke("Start-Process -FilePath 'C:\\Windows\\System32\\Sysprep\\Sysprep.exe' -ArgumentList '/oobe','/generalize','/quit','/mode:vm'");
    await client.azure.settled();
    expect(client.azure.guestCalls(vm.id, 'Sysprep.exe')).toHaveLength(1);
    const again = body(client.get(vm.id, API.compute));
    client.delete(vm.id, API.compute);
    expect(client.azure.guestDirectory(vm.id)).toBeUndefined();
    client.put(vm.id, { ...again, properties: { ...again.properties, storageProfile: { ...again.properties.storageProfile, osDisk: { createOption: 'FromImage' } } } }, API.compute);
    expect(client.azure.guestCalls(vm.id, 'Sysprep.exe')).toEqual([]);
    expect(codes()).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  });
});
