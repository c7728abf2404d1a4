/**
 * canary-check.ps1 under pwsh, run as `powershell.exe -File` runs it (the parameters as Run Command passes them), with
 * COMPUTERNAME set as Windows sets it and the page served by a real HTTP server on 127.0.0.1: the outcome the operator's
 * gallery-canary step (lib/operator/steps/canary.ts) reads from the last line, within Run Command's 4096 bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeWithPwsh, GUEST_DIRECTORY, HARNESS_DIRECTORY, lastLine, PwshResult, runPwsh, runScriptFile } from './pwsh';
import { html, withServer } from '../util/web-server';


const SCRIPT = path.join(GUEST_DIRECTORY, 'canary-check.ps1');
/** Windows' COMPUTERNAME (upper case) of a canary named c26120112000001 by the gallery-canary step. */
const COMPUTER_NAME = 'C26120112000001';
const EXPECTED_NAME = 'c26120112000001';
const PASSED = /^GOLDEN-IMAGE-CANARY-RESULT: PASSED C26120112000001 answered http:\/\/127\.0\.0\.1:\d+\/$/;

interface Check extends PwshResult {
  milliseconds: number;
}

async function check(url: string, parameters: Record<string, string> = {}, computerName = COMPUTER_NAME): Promise<Check> {
  const started = Date.now();
  const result = await runScriptFile(SCRIPT, { Url: url, ExpectedName: EXPECTED_NAME, TimeoutSeconds: '3', ...parameters }, { env: { COMPUTERNAME: computerName } });
  return { ...result, milliseconds: Date.now() - started };
}

/** Run Command keeps the last 4096 bytes of the output; the script must stay well below. */
function expectShortOutput(result: PwshResult): void {
  expect(Buffer.byteLength(result.stdout, 'utf8')).toBeLessThan(3000);
  expect(result.stderr).toBe('');
}

describeWithPwsh('canary-check.ps1 under PowerShell', () => {
  test('the right page with the computer name: PASSED on the last line, at the first attempt', async () => {
    const result = await withServer(html(`<h1>Contoso</h1><p>Served by ${COMPUTER_NAME}</p>`), (server) => check(server.url));
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toMatch(PASSED);
    expect(result.stdout).toContain(`canary: computer name ${COMPUTER_NAME}, as Azure named the VM`);
    expect(result.stdout).toMatch(/answered 200 with the computer name \(attempt 1\)/);
    expectShortOutput(result);
  });

  test('the computer name is compared as Windows compares it: without regard to case, on the page too', async () => {
    const result = await withServer(html(`<p>${EXPECTED_NAME}</p>`), (server) => check(server.url));
    expect(lastLine(result.stdout)).toMatch(PASSED);
  });

  test('retries until the page answers 200', async () => {
    const result = await withServer((res, request) => {
      if (request < 2) {
        res.writeHead(503);
        res.end('starting');
      } else {
        html(`<p>${COMPUTER_NAME}</p>`)(res);
      }
    }, (server) => check(server.url, { TimeoutSeconds: '10' }));
    expect(lastLine(result.stdout)).toMatch(PASSED);
    expect(result.stdout).toMatch(/canary: waiting for http:\/\/127\.0\.0\.1:\d+\/: .*503/);
    expect(result.stdout).toMatch(/\(attempt 2\)/);
  });

  test('a page with another computer name: FAILED within the timeout', async () => {
    const result = await withServer(html('<p>Served by VM-GOLDEN</p>'), (server) => check(server.url));
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toMatch(new RegExp(`^GOLDEN-IMAGE-CANARY-RESULT: FAILED no answer from http://127\\.0\\.0\\.1:\\d+/ with the computer name within 3s \\(\\d+ attempts\\): the page does not contain the computer name '${COMPUTER_NAME}'$`));
    expectShortOutput(result);
  });

  test('a server that never answers: FAILED within the timeout (each request is bounded by the deadline)', async () => {
    const result = await withServer(() => undefined, (server) => check(server.url));
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toMatch(/^GOLDEN-IMAGE-CANARY-RESULT: FAILED no answer from http:\/\/127\.0\.0\.1:\d+\/ with the computer name within 3s \(\d+ attempts\): .*time/i);
    // pwsh's start-up plus the 3 s: nowhere near a request's own 15 s limit.
    expect(result.milliseconds).toBeLessThan(12_000);
    expectShortOutput(result);
  });

  test('nothing listening: FAILED with the connection error', async () => {
    const port = await withServer(() => undefined, async (server) => server.url);
    const result = await check(port);
    expect(lastLine(result.stdout)).toMatch(/^GOLDEN-IMAGE-CANARY-RESULT: FAILED no answer from .* within 3s .*: .*refused/i);
  });

  test('COMPUTERNAME is not ExpectedName (the VM kept another name): FAILED at once, without asking the page', async () => {
    const result = await withServer(html(`<p>${COMPUTER_NAME}</p>`), async (server) => ({ run: await check(server.url, {}, 'VM-GOLDEN'), requests: server.requests }));
    expect(result.run.code).toBe(1);
    expect(result.requests).toBe(0);
    expect(result.run.stdout.trim().split(/\r?\n/)).toEqual([
      `GOLDEN-IMAGE-CANARY-RESULT: FAILED the computer name is 'VM-GOLDEN', not '${EXPECTED_NAME}' as Azure named the VM: Windows did not take its new name at first boot (was the image generalized with Sysprep /oobe /generalize?)`,
    ]);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['no ExpectedName', { ExpectedName: '' }, /FAILED no ExpectedName was given$/],
    ['no timeout', { TimeoutSeconds: '0' }, /FAILED TimeoutSeconds must be at least 1, got 0$/],
    ['a URL that is not http(s)', { Url: 'file:///etc/passwd' }, /FAILED Url must be an http\(s\) URL, got 'file:\/\/\/etc\/passwd'$/],
  ])('%s: FAILED', async (_, parameters, failure) => {
    const result = await check('http://127.0.0.1:9/', parameters);
    expect(result.code).toBe(1);
    expect(lastLine(result.stdout)).toMatch(failure);
  });

  test('a server answering a different long error each time: the output stays short and ends with the marker', async () => {
    const result = await withServer((res, request) => {
      res.writeHead(500 + (request % 5), { 'Content-Type': 'text/plain' });
      res.end('x'.repeat(5000));
    }, (server) => check(server.url, { TimeoutSeconds: '6' }));
    expect(lastLine(result.stdout)).toMatch(/^GOLDEN-IMAGE-CANARY-RESULT: FAILED no answer from /);
    expect(result.stdout.split('\n').every((line) => line.length <= 300)).toBe(true);
    expectShortOutput(result);
  });

  test('ASCII only, parses as Windows PowerShell 5.1 reads it, with 5.1 syntax only (check-ps51.ps1); param() comes first', async () => {
    const bytes = fs.readFileSync(SCRIPT);
    expect([...bytes].filter((b) => b > 0x7e || (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09))).toEqual([]);
    const result = await runPwsh(['-File', path.join(HARNESS_DIRECTORY, 'check-ps51.ps1'), SCRIPT]);
    expect(result.code).toBe(0);
    const [{ parseErrors, findings }] = JSON.parse(result.stdout);
    expect({ parseErrors, findings }).toEqual({ parseErrors: [], findings: [] });
    const code = bytes.toString('utf8').split('\n').filter((line) => !line.startsWith('#') && line.trim() !== '');
    expect(code[0]).toBe('param([string] $Url, [string] $ExpectedName, [int] $TimeoutSeconds)');
  });
});
