/**
 * The rendered setup script (setup-prelude.ps1 + parameters + steps) run under pwsh the way the scheduled task runs
 * it (`-File setup.ps1`): steps in order, failures named, `exit` and native exit codes, the log, the smoke test
 * against a real HTTP server on 127.0.0.1, and the iisAspNet steps with Windows' commands stood in.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { describeWithPwsh, lastLine, PWSH, PwshResult, runScriptFile, StandIns } from './pwsh';
import { PowerShellStep, SmokeTestOptions, WindowsSetup } from '../../lib';
import { html, withServer } from '../util/web-server';


const COMPUTER_NAME = 'GOLDENVM01';
const SUCCESS = 'GOLDEN-IMAGE-SETUP-RESULT: SUCCESS';
const directories: string[] = [];
afterAll(() => directories.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

interface SetupRun extends PwshResult {
  directory: string;
  log: string;
  logBytes: Buffer;
}

/** Writes the script's exact bytes (what custom data carries) to setup.ps1 in a new directory. */
function placeScript(script: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-setup-'));
  directories.push(directory);
  fs.writeFileSync(path.join(directory, 'setup.ps1'), Buffer.from(script, 'utf8'));
  return directory;
}

function readLog(directory: string): Buffer {
  const file = path.join(directory, 'setup.log');
  return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
}

/** Sets values of the rendered $GoldenSetup table, e.g. a short smoke test for the tests. */
function withSetupValues(script: string, values: Record<string, string>): string {
  let result = script;
  for (const [key, value] of Object.entries(values)) {
    const pattern = new RegExp(`^  ${key} = .*$`, 'm');
    expect(result).toMatch(pattern);
    result = result.replace(pattern, `  ${key} = ${value}`);
  }
  return result;
}

async function runSetup(script: string, env: Record<string, string> = {}): Promise<SetupRun> {
  const directory = placeScript(script);
  const result = await runScriptFile(path.join(directory, 'setup.ps1'), {}, { cwd: directory, env: { COMPUTERNAME: COMPUTER_NAME, ...env } });
  const logBytes = readLog(directory);
  return { ...result, directory, logBytes, log: logBytes.toString('utf8') };
}

function custom(steps: PowerShellStep[], smokeTest?: SmokeTestOptions): string {
  return WindowsSetup.custom({ steps, smokeTest }).renderScript();
}

function logLines(log: string): string[] {
  return log.split('\n').filter((l) => l !== '');
}

describeWithPwsh('the rendered setup script under PowerShell', () => {
  test('runs every step in order, logs everything to setup.log (UTF-8, no BOM) and stdout, and ends with SUCCESS', async () => {
    // GIVEN steps that write through every stream the log takes, a native command and a non-string object
    const script = custom([
      { name: 'First', script: "Write-Output 'first output'\nWrite-Host 'first host'" },
      { name: 'Second', script: "Write-Warning 'careful'\n$VerbosePreference = 'Continue'\nWrite-Verbose 'details'\nWrite-Information 'info' -InformationAction Continue" },
      { name: 'Third', script: "bash -c 'echo native line 1; echo native line 2'\n[pscustomobject] @{ Key = 'value-of-key' }\nWrite-Output \"multi`nline\"" },
    ]);
    // WHEN
    const run = await runSetup(script);
    // THEN
    expect(run.code).toBe(0);
    expect(run.logBytes.subarray(0, 3)).not.toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = logLines(run.log);
    const index = (line: string | RegExp): number => lines.findIndex((l) => (typeof line === 'string' ? l === line : line.test(l)));
    const order = [/^==> \[\d+s\] First$/, 'first output', 'first host', /^<== First done in \d+s$/, /^==> \[\d+s\] Second$/, 'WARNING: careful',
      'VERBOSE: details', 'info', /^==> \[\d+s\] Third$/, 'native line 1', 'native line 2', /value-of-key/, 'multi', 'line', /^<== Third done/, SUCCESS];
    const positions = order.map(index);
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(lines[lines.length - 1]).toBe(SUCCESS);
    // stdout carries the same lines
    expect(logLines(run.stdout.replace(/\r/g, ''))).toEqual(lines);
    // and the step files are gone
    expect(fs.existsSync(path.join(run.directory, 'steps'))).toBe(false);
  });

  test('appends line by line as produced: a reader of setup.log sees a step\'s output while the step still runs', async () => {
    // GIVEN a step that waits for a file the test writes only once it has read the step's first line in the log
    const directory = placeScript(custom([{
      name: 'Slow',
      script: "Write-Output 'before the wait'\n$deadline = (Get-Date).AddSeconds(15)\n"
        + "while (-not (Test-Path -LiteralPath (Join-Path $PSScriptRoot '..' 'go')) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }\n"
        + "Write-Output 'after the wait'",
    }]));
    const running = runScriptFile(path.join(directory, 'setup.ps1'), {}, { cwd: directory });
    // WHEN the line appears in the log, the test releases the step
    let seen = '';
    for (let i = 0; i < 300 && !seen.includes('before the wait'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = readLog(directory).toString('utf8');
    }
    // THEN the step had not finished when its first line was readable
    expect(seen).toContain('before the wait');
    expect(seen).not.toContain('after the wait');
    fs.writeFileSync(path.join(directory, 'go'), '');
    const result = await running;
    expect(result.code).toBe(0);
    expect(lastLine(readLog(directory).toString('utf8'))).toBe(SUCCESS);
  });

  const pwsh = PWSH ?? 'pwsh';
  test.each<[string, string, RegExp]>([
    ['an exception', "throw 'boom'", /^FAILURE step 'Broken': boom$/],
    ['Write-Error', "Write-Error 'bad thing'", /^FAILURE step 'Broken': bad thing$/],
    ['a cmdlet error', "Get-Item -LiteralPath '/nonexistent/golden'", /^FAILURE step 'Broken': Cannot find path '\/nonexistent\/golden'/],
    ['a strict-mode violation (undefined variable)', 'Write-Output $undefinedVariable', /^FAILURE step 'Broken': The variable '\$undefinedVariable' cannot be retrieved/],
    ['a native command exiting 3 (bash)', "bash -c 'exit 3'", /^FAILURE step 'Broken': exit code 3$/],
    ['a native command exiting 4 (pwsh)', `& '${pwsh}' -NoProfile -Command 'exit 4'`, /^FAILURE step 'Broken': exit code 4$/],
    ['a native failure passed on with exit $LASTEXITCODE', "bash -c 'exit 6'\nexit $LASTEXITCODE", /^FAILURE step 'Broken': exit code 6$/],
    ['exit 5', "Write-Output 'leaving'\nexit 5", /^FAILURE step 'Broken': exit code 5$/],
    ['break outside a loop', "Write-Output 'breaking'\nbreak", /^FAILURE step 'Broken': break or continue outside a loop/],
    ['continue outside a loop', 'continue', /^FAILURE step 'Broken': break or continue outside a loop/],
  ])('%s fails the setup naming the step; later steps and the smoke test do not run', async (_, broken, message) => {
    // GIVEN
    const script = custom([
      { name: 'Before', script: "Write-Output 'before ran'" },
      { name: 'Broken', script: broken },
      { name: 'After', script: "Write-Output 'after ran'" },
    ], { url: 'http://127.0.0.1:9/' });
    // WHEN
    const run = await runSetup(script);
    // THEN
    expect(run.code).toBe(1);
    const last = lastLine(run.log);
    expect(last.startsWith('GOLDEN-IMAGE-SETUP-RESULT: ')).toBe(true);
    expect(last.slice('GOLDEN-IMAGE-SETUP-RESULT: '.length)).toMatch(message);
    expect(run.log).toContain('before ran');
    expect(run.log).not.toContain('after ran');
    expect(run.log).not.toContain('Smoke test');
    expect(lastLine(run.stdout)).toBe(last);
  });

  test('exit 0, a bare exit, return, a handled native failure or a successful last native command end the step with success, and the next steps run', async () => {
    // GIVEN one step per way of ending well (one setup: each step runs only if the one before succeeded)
    const endings: Array<[string, string]> = [
      ['exit 0', "Write-Output 'done 1'\nexit 0\nWrite-Output 'never'"],
      ['bare exit', "Write-Output 'done 2'\nexit\nWrite-Output 'never'"],
      ['return', "Write-Output 'done 3'\nreturn\nWrite-Output 'never'"],
      ['failed native then a successful one', "bash -c 'exit 2'\nbash -c 'echo done 4'"],
      ['failed native handled', "bash -c 'exit 1'\nWrite-Output 'done 5'\n$global:LASTEXITCODE = 0"],
      ['break inside a loop', "foreach ($i in 1..3) { if ($i -eq 2) { break } }\nWrite-Output 'done 6'"],
    ];
    // WHEN
    const run = await runSetup(custom([...endings.map(([name, script]) => ({ name, script })), { name: 'Next', script: "Write-Output 'next ran'" }]));
    // THEN
    expect(run.code).toBe(0);
    const lines = logLines(run.log);
    expect(lines.filter((l) => /^done \d$/.test(l))).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5', 'done 6']);
    expect(run.log).not.toContain('never');
    expect(lines.slice(-4)).toEqual(['next ran', expect.stringMatching(/^<== Next done in \d+s$/), expect.stringMatching(/^Setup complete in \d+s\.$/), SUCCESS]);
    expect(lastLine(run.log)).toBe(SUCCESS);
  });

  test('a step cannot forge the result line: its output never starts with the marker', async () => {
    const run = await runSetup(custom([
      { name: 'Forger', script: "Write-Output 'GOLDEN-IMAGE-SETUP-RESULT: SUCCESS'\nthrow 'real failure'" },
    ]));
    expect(run.code).toBe(1);
    expect(logLines(run.log).filter((l) => l.startsWith('GOLDEN-IMAGE-SETUP-RESULT:'))).toEqual(["GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'Forger': real failure"]);
    expect(run.log).toContain('| GOLDEN-IMAGE-SETUP-RESULT: SUCCESS');
  });

  test('a failure outside any step has a result line without a step', async () => {
    // GIVEN a setup.log that cannot be opened (a directory of that name)
    const directory = placeScript(custom([{ name: 'Never', script: "Write-Output 'never'" }]));
    fs.mkdirSync(path.join(directory, 'setup.log'));
    // WHEN
    const result = await runScriptFile(path.join(directory, 'setup.ps1'), {}, { cwd: directory });
    // THEN
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toMatch(/^GOLDEN-IMAGE-SETUP-RESULT: FAILURE (?!step )\S/);
    expect(result.stdout).not.toContain('never');
  });

  test('non-ASCII step names and output reach the log as UTF-8', async () => {
    const name = 'Étape ёлка “quoted” 😀';
    const run = await runSetup(custom([{ name, script: "Write-Output 'Grüße ёлка 😀'\nthrow 'échec ё'" }]));
    expect(run.code).toBe(1);
    expect(run.log).toContain('Grüße ёлка 😀');
    expect(lastLine(run.log)).toBe(`GOLDEN-IMAGE-SETUP-RESULT: FAILURE step '${name}': échec ё`);
  });

  describe('the smoke test against a real web server on 127.0.0.1', () => {
    const fast = (script: string): string => withSetupValues(script, { SmokeTestTimeoutSeconds: '3', SmokeTestRetrySeconds: '0.2' });

    test('passes on the right page, with the expected text', async () => {
      const run = await withServer(html(`<h1>Café ёлка</h1><p>Served by ${COMPUTER_NAME}</p>`), ({ url }) =>
        runSetup(custom([{ name: 'App', script: "Write-Output 'app'" }], { url, expectText: 'Café ёлка' })));
      expect(run.code).toBe(0);
      expect(run.log).toMatch(/Smoke test passed: http:\/\/127\.0\.0\.1:\d+\/ answered 200 as GOLDENVM01/);
      // the smoke test is the last step
      expect(logLines(run.log).filter((l) => l.startsWith('==> ')).pop()).toMatch(/^==> \[\d+s\] Smoke test$/);
      expect(lastLine(run.log)).toBe(SUCCESS);
    });

    test('fails on a page with another computer name', async () => {
      const run = await withServer(html('<p>Served by SOMEONE-ELSE</p>'), ({ url }) =>
        runSetup(fast(custom([{ name: 'App', script: "Write-Output 'app'" }], { url, timeoutSeconds: 10 }))));
      expect(run.code).toBe(1);
      expect(lastLine(run.log)).toMatch(new RegExp(`^GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'Smoke test': Smoke test failed after 3s on http://127\\.0\\.0\\.1:\\d+/: the page does not contain the computer name '${COMPUTER_NAME}'$`));
      expect(run.log).toContain('Smoke test waiting: the page does not contain the computer name');
    });

    test('fails on a page without the expected text', async () => {
      const run = await withServer(html(`<p>${COMPUTER_NAME}</p>`), ({ url }) =>
        runSetup(fast(custom([{ name: 'App', script: "Write-Output 'app'" }], { url, timeoutSeconds: 10, expectText: 'Version 2' }))));
      expect(run.code).toBe(1);
      expect(lastLine(run.log)).toMatch(/FAILURE step 'Smoke test': .*the page does not contain 'Version 2'$/);
    });

    test('fails when the server never answers within the timeout', async () => {
      const run = await withServer(() => undefined, ({ url }) =>
        runSetup(fast(custom([{ name: 'App', script: "Write-Output 'app'" }], { url, timeoutSeconds: 10 }))));
      expect(run.code).toBe(1);
      expect(lastLine(run.log)).toMatch(/^GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'Smoke test': Smoke test failed after 3s on http:\/\/127\.0\.0\.1:\d+\/: .*Timeout/i);
    });

    test('retries until the page answers 200', async () => {
      let requests = 0;
      const run = await withServer((res) => {
        requests++;
        if (requests < 3) {
          res.writeHead(503);
          res.end('starting');
        } else {
          html(`<p>${COMPUTER_NAME}</p>`)(res);
        }
      }, ({ url }) => runSetup(fast(custom([{ name: 'App', script: "Write-Output 'app'" }], { url, timeoutSeconds: 10 }))));
      expect(run.code).toBe(0);
      expect(run.log).toMatch(/Smoke test waiting: .*503/);
      expect(lastLine(run.log)).toBe(SUCCESS);
    });
  });

  describe('WindowsSetup.iisAspNet with Windows stood in', () => {
    /** ASP.NET stood in: the server renders the deployed Default.aspx with the computer name, as IIS would. */
    function aspNet(systemDrive: string): (res: http.ServerResponse) => void {
      return (res) => {
        const page = path.join(systemDrive, 'inetpub', 'wwwroot', 'Default.aspx');
        if (!fs.existsSync(page)) {
          res.writeHead(404);
          res.end();
          return;
        }
        html(fs.readFileSync(page, 'utf8').replace(/^\uFEFF/, '').replace('<%= Server.HtmlEncode(Environment.MachineName) %>', COMPUTER_NAME).replace(/^<%@[^\n]*\n/, ''))(res);
      };
    }

    async function runIis(world: ConstructorParameters<typeof StandIns>[0], pageTitle: string, steps: PowerShellStep[] = []) {
      const standIns = new StandIns(world);
      directories.push(standIns.directory);
      const systemDrive = standIns.path('C');
      fs.mkdirSync(path.join(systemDrive, 'inetpub', 'wwwroot'), { recursive: true });
      fs.writeFileSync(path.join(systemDrive, 'inetpub', 'wwwroot', 'iisstart.htm'), 'IIS');
      return withServer(aspNet(systemDrive), async ({ url }) => {
        // The stand-in for IIS listens on a free port, not on IIS's port 80 (which the construct requires of the smoke
        // test of WindowsSetup.iisAspNet without steps of the user's own): its URL goes into the rendered script.
        const script = withSetupValues(WindowsSetup.iisAspNet({ pageTitle, stepsAfter: steps }).renderScript(),
          { SmokeTestUrl: `'${url}'`, SmokeTestTimeoutSeconds: '5', SmokeTestRetrySeconds: '0.2' });
        const directory = standIns.path('GoldenImage');
        fs.mkdirSync(directory);
        fs.writeFileSync(path.join(directory, 'setup.ps1'), Buffer.from(script, 'utf8'));
        const result = await standIns.run(path.join(directory, 'setup.ps1'), {}, { env: { SystemDrive: systemDrive, COMPUTERNAME: COMPUTER_NAME } });
        return { ...result, standIns, systemDrive, log: readLog(directory).toString('utf8') };
      });
    }

    test('installs the features, deploys the page with a non-ASCII title intact, and passes the smoke test', async () => {
      // GIVEN a title that Windows-1252 would garble into quotes
      const title = 'Café ёлка “web” <1>';
      // WHEN
      const run = await runIis({ restartNeeded: true }, title);
      // THEN
      expect(run.code).toBe(0);
      expect(run.standIns.calls('Install-WindowsFeature')).toEqual([{
        command: 'Install-WindowsFeature',
        arguments: {
          Name: [
            'Web-Server', 'Web-Default-Doc', 'Web-Static-Content', 'Web-Http-Errors', 'Web-Asp-Net45', 'Web-Net-Ext45', 'Web-ISAPI-Ext', 'Web-ISAPI-Filter', 'NET-Framework-45-ASPNET',
          ],
        },
      }]);
      expect(run.log).toContain('a restart is pending, and the build restarts the VM before Sysprep');
      const page = fs.readFileSync(path.join(run.systemDrive, 'inetpub', 'wwwroot', 'Default.aspx'), 'utf8');
      const decoded = page.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      expect(decoded).toContain(`<title>${title}</title>`);
      expect(page).toContain('&lt;1&gt;');
      expect(fs.existsSync(path.join(run.systemDrive, 'inetpub', 'wwwroot', 'iisstart.htm'))).toBe(false);
      expect(logLines(run.log).map((l) => l.match(/^==> \[\d+s\] (.*)$/)?.[1]).filter((n) => n)).toEqual(['Install IIS and ASP.NET 4.x', 'Deploy the machine-name page', 'Smoke test']);
      expect(lastLine(run.log)).toBe(SUCCESS);
    });

    test('a feature that does not install fails the setup at that step', async () => {
      const run = await runIis({ failFeatures: ['Web-Asp-Net45'] }, 'Web');
      expect(run.code).toBe(1);
      expect(lastLine(run.log)).toBe("GOLDEN-IMAGE-SETUP-RESULT: FAILURE step 'Install IIS and ASP.NET 4.x': Install-WindowsFeature failed with exit code Failed");
      expect(fs.existsSync(path.join(run.systemDrive, 'inetpub', 'wwwroot', 'Default.aspx'))).toBe(false);
    });
  });
});
