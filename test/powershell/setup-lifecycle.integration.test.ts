/**
 * setup-start.ps1, setup-status.ps1 and setup-finish.ps1 under pwsh, with Task Scheduler, icacls and the registry
 * stood in (stand-ins.ps1): their states, idempotency, the log window logic and Run Command's 4096-byte bound; and
 * the operator's loop end to end, the rendered setup really running as the "task"; and the operator's setup step itself
 * (lib/operator/steps/setup.ts, in-process on a simulated clock) with its Run Commands answered by these guest scripts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeWithPwsh, GUEST_DIRECTORY, lastLine, PwshResult, StandIns, StandInWorld } from './pwsh';
import { WindowsSetup } from '../../lib';
import { AzInvocation } from '../../lib/operator/az-process';
import { AzResult } from '../../lib/operator/faults';
import { STEPS } from '../../lib/operator/main';
import { SUBSCRIPTION_ID } from '../util/fake-az';
import { InProcessAz } from '../util/fake-az-inprocess';
import { FakeClock } from '../util/fake-clock';
import { resolveEnvironment, stepProvisioner, subscriptionExpression, synthSeedStack } from '../util/generalize-stack';
import { runInProcess } from '../util/operator';


const START = path.join(GUEST_DIRECTORY, 'setup-start.ps1');
const STATUS = path.join(GUEST_DIRECTORY, 'setup-status.ps1');
const FINISH = path.join(GUEST_DIRECTORY, 'setup-finish.ps1');
const TASK = 'GoldenImageSetup';
const SUCCESS = 'GOLDEN-IMAGE-SETUP-RESULT: SUCCESS';

const worlds: StandIns[] = [];
afterAll(() => worlds.forEach((w) => w.dispose()));

/** A guest: its setup directory and custom data paths inside a temporary directory. */
class Guest {
  public readonly standIns: StandIns;
  public readonly directory: string;
  public readonly customData: string;

  constructor(world: StandInWorld = {}) {
    this.standIns = new StandIns(world);
    worlds.push(this.standIns);
    this.directory = this.standIns.path('GoldenImage');
    this.customData = this.standIns.path('AzureData', 'CustomData.bin');
    fs.mkdirSync(path.dirname(this.customData));
  }

  public file(name: string): string {
    return path.join(this.directory, name);
  }

  public writeLog(content: string | Buffer): void {
    fs.mkdirSync(this.directory, { recursive: true });
    fs.writeFileSync(this.file('setup.log'), content);
  }

  public async run(script: string, parameters: Record<string, string> = {}): Promise<PwshResult> {
    const common: Record<string, string> = { Directory: this.directory, TaskName: TASK };
    if (script !== STATUS) {
      common.CustomDataPath = this.customData;
    }
    const result = await this.standIns.run(script, { ...common, ...parameters });
    // Run Command returns only the last 4096 bytes: every output must fit, its marker last.
    expect(Buffer.byteLength(result.stdout, 'utf8')).toBeLessThanOrEqual(4096);
    return result;
  }

  public setTask(state: string, lastTaskResult: number): void {
    const world = this.standIns.world();
    world.tasks = { [TASK]: { state, lastTaskResult } };
    this.standIns.setWorld(world);
  }
}

function status(output: string): string {
  const line = lastLine(output);
  expect(line).toMatch(/^GOLDEN-IMAGE-SETUP-STATUS: /);
  return line.slice('GOLDEN-IMAGE-SETUP-STATUS: '.length);
}

/** The printed log text of a status call (everything before its marker), with the line end the operator adds. */
function printed(output: string): string {
  const lines = output.replace(/\r\n/g, '\n').split('\n');
  const marker = lines.findIndex((l) => l.startsWith('GOLDEN-IMAGE-SETUP-STATUS: '));
  const text = lines.slice(0, marker).join('\n');
  return marker > 0 ? text + '\n' : '';
}

describeWithPwsh('setup-start.ps1', () => {
  test('first run: an administrators-only directory, the custom data copied byte for byte, the task registered and started', async () => {
    // GIVEN custom data (bytes of every kind: the copy must not re-encode them)
    const guest = new Guest();
    const script = Buffer.concat([Buffer.from(WindowsSetup.custom({ steps: [{ name: 'A', script: 'Write-Output a' }] }).renderScript(), 'utf8'), Buffer.from([0xff, 0x00, 0x0d, 0x0a])]);
    fs.writeFileSync(guest.customData, script);
    // WHEN
    const result = await guest.run(START);
    // THEN
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toBe('GOLDEN-IMAGE-SETUP-START: STARTED');
    expect(fs.readFileSync(guest.file('setup.ps1'))).toEqual(script);
    expect(guest.standIns.calls('icacls').map((c) => c.arguments.args)).toEqual([
      [guest.directory, '/reset', '/T', '/C', '/Q'],
      [guest.directory, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', '/C', '/Q'],
    ]);
    expect(guest.standIns.world().tasks![TASK]).toMatchObject({
      execute: 'powershell.exe',
      argument: `-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "${guest.file('setup.ps1')}"`,
      userId: 'S-1-5-18',
      logonType: 'ServiceAccount',
      runLevel: 'Highest',
      force: true,
      starts: 1,
      state: 'Running',
      executionTimeLimit: '1.00:00:00',
    });
  });

  test('idempotent: a second call while the task runs starts nothing', async () => {
    const guest = new Guest();
    fs.writeFileSync(guest.customData, 'Write-Output 1');
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: STARTED');
    const again = await guest.run(START);
    expect(again.code).toBe(0);
    expect(lastLine(again.stdout)).toBe('GOLDEN-IMAGE-SETUP-START: RUNNING');
    expect(guest.standIns.calls('Register-ScheduledTask')).toHaveLength(1);
    expect(guest.standIns.world().tasks![TASK].starts).toBe(1);
  });

  test('a task queued (or reporting "currently running" as its last result) counts as running', async () => {
    const guest = new Guest();
    fs.writeFileSync(guest.customData, 'Write-Output 1');
    guest.setTask('Queued', 267045);
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: RUNNING');
    guest.setTask('Ready', 267009);
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: RUNNING');
  });

  test('an earlier run that succeeded: SUCCEEDED, nothing started', async () => {
    const guest = new Guest();
    fs.writeFileSync(guest.customData, 'Write-Output 1');
    guest.writeLog(`==> [0s] A\n<== A done in 0s\n${SUCCESS}\n`);
    guest.setTask('Ready', 0);
    const result = await guest.run(START);
    expect(lastLine(result.stdout)).toBe('GOLDEN-IMAGE-SETUP-START: SUCCEEDED');
    expect(guest.standIns.calls()).toEqual([]);
  });

  test('nothing to run (an earlier run finished and cleaned up): NO-SETUP', async () => {
    const guest = new Guest();
    const result = await guest.run(START);
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toBe('GOLDEN-IMAGE-SETUP-START: NO-SETUP');
    expect(fs.existsSync(guest.directory)).toBe(false);
  });

  test('after a failed or killed run: the old logs are moved aside, the copy is reused when custom data is gone, and it starts again', async () => {
    // GIVEN a failed first attempt whose custom data is gone, and an older attempt's log
    const guest = new Guest();
    guest.writeLog("==> [0s] A\nGOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'A': boom\n");
    fs.writeFileSync(guest.file('setup.1.log'), 'older attempt\n');
    fs.writeFileSync(guest.file('setup.ps1'), 'Write-Output kept');
    guest.setTask('Ready', 1);
    // WHEN
    const result = await guest.run(START);
    // THEN
    expect(lastLine(result.stdout)).toBe('GOLDEN-IMAGE-SETUP-START: STARTED');
    expect(result.stdout).toContain('moved the log of an earlier attempt to setup.2.log');
    expect(fs.existsSync(guest.file('setup.log'))).toBe(false);
    expect(fs.readFileSync(guest.file('setup.1.log'), 'utf8')).toBe('older attempt\n');
    expect(fs.readFileSync(guest.file('setup.2.log'), 'utf8')).toContain('FAILURE step');
    expect(fs.readFileSync(guest.file('setup.ps1'), 'utf8')).toBe('Write-Output kept');
    expect(guest.standIns.world().tasks![TASK]).toMatchObject({ state: 'Running', starts: 1 });
  });

  test('an error: FAILURE with the message, exit 1, the marker last', async () => {
    const guest = new Guest({ icaclsExitCode: 5 });
    fs.writeFileSync(guest.customData, 'Write-Output 1');
    const result = await guest.run(START);
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toBe(`GOLDEN-IMAGE-SETUP-START: FAILURE icacls /reset failed on ${guest.directory} with exit code 5`);
    expect(guest.standIns.calls('Start-ScheduledTask')).toEqual([]);
  });
});

describeWithPwsh('setup-status.ps1', () => {
  test('no log and no task: missing; a running task without a log yet: running; a task that ended without a log: ended <its result>', async () => {
    const guest = new Guest();
    expect(status((await guest.run(STATUS)).stdout)).toBe('missing 0');
    guest.setTask('Running', 267009);
    expect(status((await guest.run(STATUS)).stdout)).toBe('running 0');
    guest.setTask('Ready', 2147942402);
    expect(status((await guest.run(STATUS)).stdout)).toBe('ended 2147942402 0');
  });

  test('prints complete lines only while the log grows, and goes on from the offset it returned', async () => {
    // GIVEN a running task whose log ends in the middle of a line
    const guest = new Guest();
    guest.setTask('Running', 267009);
    guest.writeLog('line one\nline two\nline thr');
    // WHEN
    const first = await guest.run(STATUS);
    // THEN only the complete lines, and the offset after them
    expect(printed(first.stdout)).toBe('line one\nline two\n');
    expect(status(first.stdout)).toBe(`running ${'line one\nline two\n'.length}`);
    // WHEN the line is completed and the setup ends
    fs.appendFileSync(guest.file('setup.log'), `ee\n${SUCCESS}\n`);
    guest.setTask('Ready', 0);
    const second = await guest.run(STATUS, { Offset: String('line one\nline two\n'.length) });
    expect(printed(second.stdout)).toBe(`line three\n${SUCCESS}\n`);
    expect(status(second.stdout)).toBe(`succeeded ${fs.statSync(guest.file('setup.log')).size}`);
  });

  test('a result line counts only once the log is read to its end; failed and succeeded', async () => {
    const guest = new Guest();
    guest.setTask('Ready', 1);
    const log = `${'x'.repeat(50)}\n${'y'.repeat(50)}\nGOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'A': boom\n`;
    guest.writeLog(log);
    const partial = await guest.run(STATUS, { MaxBytes: '60' });
    expect(status(partial.stdout)).toBe('running 51');
    const rest = await guest.run(STATUS, { Offset: '51', MaxBytes: '3000' });
    expect(status(rest.stdout)).toBe(`failed ${Buffer.byteLength(log)}`);
  });

  test('a task that died without a result line: ended <its last result>, its unfinished last line printed', async () => {
    const guest = new Guest();
    guest.setTask('Ready', 3221225786);
    guest.writeLog('==> [0s] A\nhalf a li');
    const result = await guest.run(STATUS);
    expect(printed(result.stdout)).toBe('==> [0s] A\nhalf a li\n');
    expect(status(result.stdout)).toBe(`ended 3221225786 ${'==> [0s] A\nhalf a li'.length}`);
  });

  test('small windows reassemble the log exactly: multi-byte UTF-8 at the boundaries, a line longer than the window never split inside a character', async () => {
    // GIVEN a log with 2-, 3- and 4-byte characters and a line far longer than the window
    const guest = new Guest();
    guest.setTask('Ready', 0);
    const log = `Grüße ёлка\n${'é€😀'.repeat(12)}\nshort\n${'ü'.repeat(7)}😀\n${SUCCESS}\n`;
    guest.writeLog(log);
    // WHEN the operator polls with a 16-byte window
    const polls = await guest.standIns.pollStatus(STATUS, { Directory: guest.directory, TaskName: TASK, MaxBytes: '16' });
    let offset = 0;
    let text = '';
    let state = '';
    for (const poll of polls) {
      expect(poll.code).toBe(0);
      state = status(poll.output);
      const next = Number(state.split(' ').pop());
      // each poll prints exactly the bytes between its offsets, at most 16, never half a character
      const chunk = Buffer.from(log).subarray(offset, next);
      expect(chunk.length).toBeLessThanOrEqual(16);
      const body = poll.output.slice(0, poll.output.lastIndexOf('GOLDEN-IMAGE-SETUP-STATUS: '));
      expect(body).not.toContain('\uFFFD');
      expect(body).toBe(chunk.length === 0 ? '' : chunk.toString('utf8').replace(/\n$/, '') + '\n');
      text += chunk.toString('utf8');
      offset = next;
    }
    // THEN every byte came through once, in order, and the state says so
    expect(text).toBe(log);
    expect(state).toBe(`succeeded ${Buffer.byteLength(log)}`);
  });

  test('the output stays within 4096 bytes whatever MaxBytes asks, the marker last', async () => {
    const guest = new Guest();
    guest.setTask('Running', 267009);
    guest.writeLog(Array.from({ length: 400 }, (_, i) => `${i} ${'Grüße ёлка 😀 '.repeat(10)}`).join('\n') + '\n');
    for (const maxBytes of ['3000', '100000']) {
      const result = await guest.run(STATUS, { MaxBytes: maxBytes });
      expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(4096);
      expect(status(result.stdout)).toMatch(/^running \d+$/);
    }
  });

  test('an offset beyond a replaced log reads the new log from its start; a bad offset is an error', async () => {
    const guest = new Guest();
    guest.setTask('Running', 267009);
    guest.writeLog('new attempt\n');
    const result = await guest.run(STATUS, { Offset: '5000' });
    expect(printed(result.stdout)).toBe('new attempt\n');
    expect(status(result.stdout)).toBe('running 12');
    const bad = await guest.run(STATUS, { Offset: 'ten' });
    expect(bad.code).toBe(1);
    expect(status(bad.stdout)).toMatch(/^error /);
  });
});

describeWithPwsh('setup-finish.ps1', () => {
  function finishedGuest(world: StandInWorld = {}): Guest {
    const guest = new Guest(world);
    guest.writeLog(`${SUCCESS}\n`);
    fs.writeFileSync(guest.file('setup.ps1'), 'Write-Output 1');
    fs.writeFileSync(guest.file('setup.1.log'), 'older\n');
    fs.mkdirSync(guest.file('steps'));
    fs.writeFileSync(guest.customData, 'Write-Output 1');
    guest.setTask('Ready', 0);
    return guest;
  }

  test('removes the task, the directory and the custom data: CLEAN; and again, idempotent', async () => {
    const guest = finishedGuest();
    const first = await guest.run(FINISH);
    expect(first.code).toBe(0);
    expect(lastLine(first.stdout)).toBe('GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(guest.standIns.world().tasks).toEqual({});
    expect(fs.existsSync(guest.directory)).toBe(false);
    expect(fs.existsSync(guest.customData)).toBe(false);
    const second = await guest.run(FINISH);
    expect(second.code).toBe(0);
    expect(lastLine(second.stdout)).toBe('GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(guest.standIns.calls('Unregister-ScheduledTask')).toHaveLength(1);
  });

  test('KeepSetupFiles=true keeps setup.ps1 and the logs only, administrators-only', async () => {
    const guest = finishedGuest();
    const result = await guest.run(FINISH, { KeepSetupFiles: 'true' });
    expect(lastLine(result.stdout)).toBe('GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(fs.readdirSync(guest.directory).sort()).toEqual(['setup.1.log', 'setup.log', 'setup.ps1']);
    expect(guest.standIns.calls('icacls').map((c) => c.arguments.args)).toEqual([
      [guest.directory, '/reset', '/T', '/C', '/Q'],
      [guest.directory, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', '/C', '/Q'],
    ]);
    expect(fs.existsSync(guest.customData)).toBe(false);
  });

  test.each<[string, Record<string, Record<string, unknown>>, string]>([
    ['servicing', { 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending': {} }, 'REBOOT-PENDING ComponentBasedServicing'],
    ['Windows Update', { 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired': {} }, 'REBOOT-PENDING WindowsUpdate'],
    // Alone, it comes back after every boot (Windows and its services set it again): a restart for it never ends.
    ['file renames alone (no restart)', { 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager': { PendingFileRenameOperations: ['\\??\\C:\\a', ''] } }, 'CLEAN'],
    ['file renames beside servicing', {
      'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending': {},
      'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager': { PendingFileRenameOperations: ['\\??\\C:\\a'] },
    }, 'REBOOT-PENDING ComponentBasedServicing,PendingFileRenameOperations'],
    ['no file renames (empty values)', { 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager': { PendingFileRenameOperations: ['', ''] } }, 'CLEAN'],
    ['all three', {
      'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending': {},
      'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired': {},
      'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager': { PendingFileRenameOperations: ['\\??\\C:\\a'] },
    }, 'REBOOT-PENDING ComponentBasedServicing,WindowsUpdate,PendingFileRenameOperations'],
  ])('reports a pending reboot: %s', async (_, registry, expected) => {
    const guest = finishedGuest({ registry });
    const result = await guest.run(FINISH);
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toBe(`GOLDEN-IMAGE-SETUP-FINISH: ${expected}`);
  });

  test('refuses while the setup task runs, and rejects a KeepSetupFiles that is not true or false', async () => {
    const guest = finishedGuest();
    guest.setTask('Running', 267009);
    const running = await guest.run(FINISH);
    expect(running.code).toBe(1);
    expect(lastLine(running.stdout)).toMatch(/^GOLDEN-IMAGE-SETUP-FINISH: FAILURE the setup task GoldenImageSetup is still running/);
    expect(fs.existsSync(guest.file('setup.ps1'))).toBe(true);
    const bad = await guest.run(FINISH, { KeepSetupFiles: 'yes' });
    expect(lastLine(bad.stdout)).toBe("GOLDEN-IMAGE-SETUP-FINISH: FAILURE KeepSetupFiles must be true or false, not 'yes'");
  });
});

describeWithPwsh('the operator\'s loop, end to end', () => {
  test('start, poll the status from offset to offset until it succeeds (the printed lines are the whole log), then finish', async () => {
    // GIVEN custom data holding a rendered setup whose "task" really runs (detached pwsh -File)
    const guest = new Guest({ runTasks: true });
    const setup = WindowsSetup.custom({
      steps: [
        { name: 'Étape 1', script: "Write-Output 'Grüße ёлка'\nStart-Sleep -Milliseconds 300\nWrite-Host 'host line'" },
        { name: 'Step 2', script: '1..5 | ForEach-Object { Write-Output "line $_"; Start-Sleep -Milliseconds 100 }' },
      ],
    });
    fs.writeFileSync(guest.customData, Buffer.from(setup.renderScript(), 'utf8'));
    // WHEN
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: STARTED');
    const polls = await guest.standIns.pollStatus(STATUS, { Directory: guest.directory, TaskName: TASK, MaxBytes: '120' }, 100);
    const shown = polls.map((p) => printed(p.output)).join('');
    const state = status(polls[polls.length - 1].output);
    // THEN
    expect(state).toBe(`succeeded ${fs.statSync(guest.file('setup.log')).size}`);
    expect(shown).toBe(fs.readFileSync(guest.file('setup.log'), 'utf8'));
    expect(shown).toMatch(/\n==> \[\d+s\] Étape 1\nGrüße ёлка\nhost line\n/);
    expect(polls.length).toBeGreaterThan(1);
    expect(lastLine(shown)).toBe(SUCCESS);
    // and a second start does not run it again
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: SUCCEEDED');
    const finished = await guest.run(FINISH);
    expect(lastLine(finished.stdout)).toBe('GOLDEN-IMAGE-SETUP-FINISH: CLEAN');
    expect(fs.existsSync(guest.directory)).toBe(false);
    expect(lastLine((await guest.run(START)).stdout)).toBe('GOLDEN-IMAGE-SETUP-START: NO-SETUP');
    // Many pwsh starts in a row (a detached task, each poll): 30 s is not enough on a loaded 2-core CI machine.
  });
});

describeWithPwsh('the operator\'s setup step against these guest scripts, end to end', () => {
  const REBOOT_PENDING = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending';

  /**
   * az as the step sees it: Run Command runs the guest script under pwsh with the stand-ins (in the guest's directories),
   * `az vm restart` clears the stand-ins' pending reboot; the rest is the simulated az.
   */
  function azWithGuest(guest: Guest, fake: InProcessAz, restarts: string[], clock: FakeClock) {
    return async (invocation: AzInvocation): Promise<AzResult> => {
      const args = invocation.args;
      if (args[0] === 'vm' && args[1] === 'restart') {
        const world = guest.standIns.world();
        delete world.registry?.[REBOOT_PENDING];
        guest.standIns.setWorld(world);
        restarts.push(args.join(' '));
        return fake.run(invocation);
      }
      if (args[0] !== 'vm' || args[1] !== 'run-command') {
        return fake.run(invocation);
      }
      const script = args[args.indexOf('--scripts') + 1].replace(/^@/, '');
      const parametersAt = args.indexOf('--parameters');
      const parameters = parametersAt < 0 ? {} : Object.fromEntries(args.slice(parametersAt + 1, args.indexOf('--query'))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
      // The simulated clock stands still while pwsh runs: the machine's speed never reaches a simulated limit.
      const result = await clock.whileBusy(guest.run(path.join(GUEST_DIRECTORY, path.basename(script)), parameters));
      // Run Command's answer: the script's streams, whatever its exit code.
      return { exitCode: 0, stdout: JSON.stringify([['ComponentStatus/StdOut/succeeded', result.stdout], ['ComponentStatus/StdErr/succeeded', result.stderr]]), stderr: '' };
    };
  }

  test('start, follow the log from offset to offset, clean, restart for a pending reboot, clean again: the printed log is the whole log', async () => {
    // GIVEN a guest whose rendered setup really runs as the task, and a reboot pending once it is done
    const guest = new Guest({ runTasks: true, registry: { [REBOOT_PENDING]: {} } });
    const setup = WindowsSetup.custom({
      steps: [
        { name: 'Étape 1', script: "Write-Output 'Grüße ёлка'\nStart-Sleep -Milliseconds 300\nWrite-Host 'host line'" },
        { name: 'Step 2', script: '1..5 | ForEach-Object { Write-Output "line $_"; Start-Sleep -Milliseconds 200 }' },
      ],
    });
    fs.writeFileSync(guest.customData, Buffer.from(setup.renderScript(), 'utf8'));
    const seed = synthSeedStack();
    const fake = new InProcessAz({ setup: {} });
    const restarts: string[] = [];
    const clock = new FakeClock();
    try {
      const environment = resolveEnvironment(stepProvisioner(seed, 'Setup').environment, { [subscriptionExpression(seed.vmAddress)]: SUBSCRIPTION_ID });
      // WHEN
      const result = await runInProcess(STEPS.setup, {
        env: { ...fake.environment(), ...environment },
        az: azWithGuest(guest, fake, restarts, clock),
        clock,
        cwd: seed.stackDirectory,
      });
      // THEN the step succeeded, printed every line of the log once, in order, and left a clean guest
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      const end = result.stdout.indexOf('] setup: every step and the smoke test passed in the guest');
      expect(end).toBeGreaterThan(0);
      const printedLog = result.stdout.slice(0, end).split('\n').filter((line) => line.startsWith('  guest| ')).map((line) => line.slice('  guest| '.length));
      expect(printedLog).toContain('Grüße ёлка');
      expect(printedLog.filter((line) => /^line \d$/.test(line))).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
      expect(printedLog[printedLog.length - 1]).toBe(SUCCESS);
      expect(result.stdout).toContain('setup: started as a scheduled task in the guest');
      expect(result.stdout).toContain('restart: a reboot is pending in the guest (ComponentBasedServicing): restarting the VM (1 of 3, limit 1200s)');
      expect(result.stdout).toContain('cleanup: the guest is clean and needs no restart');
      expect(restarts).toHaveLength(1);
      expect(fs.existsSync(guest.directory)).toBe(false);
      expect(fs.existsSync(guest.customData)).toBe(false);
      expect(guest.standIns.world().tasks?.[TASK]).toBeUndefined();
    } finally {
      fake.dispose();
      fs.rmSync(seed.outdir, { recursive: true, force: true });
    }
  });
});
