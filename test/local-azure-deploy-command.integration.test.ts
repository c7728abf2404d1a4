/**
 * `npx projen deploy:local` as README documents it (test/local-azure/deploy-local.ts), run as a user runs it: its
 * one-shot mode (`--once`) on the consumer app of the "Testing your app" guide, examples/testing/app.ts (`--app`,
 * `--stacks`), whose `buildApp` returns its stacks for the tests rather than the app: the image built, captured and
 * copied, the fleet of two from the copy, both URLs fetched, everything destroyed and the local Azure stopped, exit 0.
 * Bad arguments fail it naming them, before anything starts (the script exits 2, which projen reports as 1). The
 * bundled golden-image example, the command's default app, through the same code: test/local-azure-example-golden.integration.test.ts.
 */
import * as path from 'path';
import { describeWithPwsh } from './powershell/pwsh';
import { runProcess } from './util/process';
import { describeWithCurrentAz } from './util/tools';

const TIMEOUT_MS = 20 * 60_000;
const ROOT = path.join(__dirname, '..');

function deployLocal(args: string[]) {
  return runProcess('npx', ['projen', 'deploy:local', ...args], { cwd: ROOT, env: { ...process.env } as Record<string, string> });
}

describeWithCurrentAz('npx projen deploy:local', () => {
  describeWithPwsh('the command', () => {
    test('--once with the consumer app of the testing guide: its two stacks deployed, both URLs answer, destroyed, the local Azure stopped; exit 0', async () => {
      const run = await deployLocal(['--once', '--app', 'examples/testing/app.ts', '--stacks', 'testing-images,testing-web']);
      expect({ status: run.status, stderr: run.stderr.replace(/^👾.*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toMatch(/Local Azure at https:\/\/127\.0\.0\.1:\d+/);
      expect(run.stdout).toContain('Deployed testing-images, testing-web to the local Azure.');
      // Each of the fleet's two URLs, fetched once: 200.
      expect(run.stdout.match(/^ {2}web000[12] {2}http:\/\/127\.\d+\.\d+\.\d+\/ {2}200$/gm)).toHaveLength(2);
      expect(run.stdout).toContain('Destroying testing-web, testing-images...');
      expect(run.stdout).toContain('Destroyed; the local Azure holds 0 resources.');
    }, TIMEOUT_MS);

    test.each([
      [['--app', 'x.ts'], '--app and --stacks go together'],
      [['--fast'], "unknown or incomplete argument '--fast'"],
    ])('%j: fails naming the problem, before anything starts', async (args, problem) => {
      const run = await deployLocal(args);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`deploy:local: ${problem}`);
      expect(run.stdout).not.toContain('Local Azure at');
    }, TIMEOUT_MS);
  });
});
