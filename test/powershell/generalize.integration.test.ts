/**
 * generalize.ps1 under pwsh, with the agent services, the registry's ImageState and Sysprep.exe stood in
 * (stand-ins.ps1): the outcomes the operator script reads from its last line, within Run Command's 4096 bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeWithPwsh, GUEST_DIRECTORY, lastLine, PwshResult, StandIns, StandInWorld } from './pwsh';


const SCRIPT = path.join(GUEST_DIRECTORY, 'generalize.ps1');
const STATE_KEY = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State';
const READY = 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE';
const RUNNING_AGENTS = { RdAgent: ['Running'], WindowsAzureGuestAgent: ['Running'] };

const standIns: StandIns[] = [];
afterAll(() => standIns.forEach((s) => s.dispose()));

interface Run extends PwshResult {
  world: StandIns;
}

async function generalize(world: StandInWorld, parameters: Record<string, string | string[]> = {}, prepare?: (s: StandIns) => void): Promise<Run> {
  const s = new StandIns({ registry: { [STATE_KEY]: { ImageState: 'IMAGE_STATE_COMPLETE' } }, services: RUNNING_AGENTS, ...world });
  standIns.push(s);
  fs.mkdirSync(s.path('Panther'));
  prepare?.(s);
  const result = await s.run(SCRIPT, {
    TimeoutSeconds: '3', PollSeconds: '1', PantherDirectory: s.path('Panther'), LeftoverFiles: [s.path('unattend.xml'), s.path('CustomData.bin')], ...parameters,
  });
  return { ...result, world: s };
}

/** What Run Command returns: the last 4096 bytes of the output. */
function runCommandTail(output: string): string {
  const bytes = Buffer.from(output, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString('utf8');
}

describeWithPwsh('generalize.ps1 under PowerShell', () => {
  test('already generalized: success without starting Sysprep again', async () => {
    const run = await generalize({ registry: { [STATE_KEY]: { ImageState: READY } } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`already generalized in the guest (ImageState ${READY}): not running Sysprep again`);
    expect(lastLine(run.stdout)).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
    expect(run.world.calls('Sysprep.exe')).toEqual([]);
  });

  test('waits for stopped agents to run, removes the leftovers, runs Sysprep with /quit and polls until it is ready', async () => {
    // GIVEN a stopped agent that starts, leftover files, and a Sysprep that reaches the ready state at the second poll
    const run = await generalize({ services: { RdAgent: ['Stopped', 'Running'], WindowsAzureGuestAgent: ['Running'] }, sysprep: { readyAfterPolls: 2 } }, { TimeoutSeconds: '25' }, (s) => {
      fs.writeFileSync(s.path('unattend.xml'), '<unattend/>');
      fs.writeFileSync(s.path('CustomData.bin'), 'setup');
    });
    // THEN
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('agent: waiting for service RdAgent to run (status: Stopped)');
    expect(run.stdout).toContain('agent: service RdAgent is running');
    expect(run.stdout).toContain(`cleanup: removed ${run.world.path('unattend.xml')}`);
    expect(fs.existsSync(run.world.path('CustomData.bin'))).toBe(false);
    expect(run.world.calls('Sysprep.exe')).toEqual([{
      command: 'Sysprep.exe',
      arguments: {
        FilePath: 'C:\\Windows\\System32\\Sysprep\\Sysprep.exe', ArgumentList: ['/oobe', '/generalize', '/quiet', '/quit', '/mode:vm'],
      },
    }]);
    expect(run.stdout).toContain(`sysprep: ImageState is ${READY}`);
    expect(lastLine(run.stdout)).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: SUCCESS');
  });

  test('an agent that never runs: failure naming it, before Sysprep', async () => {
    const run = await generalize({ services: { RdAgent: ['Running'] } });
    expect(run.code).toBe(1);
    expect(lastLine(run.stdout)).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: FAILURE service WindowsAzureGuestAgent was not running within 3 s (status: missing)');
    expect(run.world.calls('Sysprep.exe')).toEqual([]);
  });

  test('Sysprep never reaching the ready state: timeout with the Panther tails, all within Run Command\'s 4096 bytes', async () => {
    // GIVEN Panther logs of long lines, some not ASCII
    const run = await generalize({ sysprep: {} }, {}, (s) => {
      const long = (n: number) => `${n} ${'Sysprep action ünïcödé '.repeat(20)}`;
      fs.writeFileSync(s.path('Panther', 'setupact.log'), Array.from({ length: 200 }, (_, i) => long(i)).join('\r\n'));
      fs.writeFileSync(s.path('Panther', 'setuperr.log'), Array.from({ length: 50 }, (_, i) => `error ${long(i)}`).join('\r\n'));
    });
    // THEN
    expect(run.code).toBe(1);
    const tail = runCommandTail(run.stdout);
    expect(lastLine(tail)).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: FAILURE timed out after 3 s: ImageState is IMAGE_STATE_COMPLETE, not IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
    expect(tail).toContain(`----- last 14 lines of ${run.world.path('Panther', 'setupact.log')} -----`);
    expect(tail).toContain(`----- last 8 lines of ${run.world.path('Panther', 'setuperr.log')} -----`);
    expect(tail).toContain('199 Sysprep action ?n?c?d? ');
    expect(tail).toContain('error 49 Sysprep action');
  });

  test('Sysprep exiting early without reaching the ready state: failure with its exit code and the tails', async () => {
    const run = await generalize({ sysprep: { exitAfterPolls: 1, exitCode: 31 } }, { TimeoutSeconds: '20', ExitGraceSeconds: '1' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('(file not found)');
    expect(lastLine(run.stdout)).toBe('GOLDEN-IMAGE-SYSPREP-RESULT: FAILURE Sysprep exited with code 31 but ImageState is IMAGE_STATE_COMPLETE, not IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE');
  });
});
