/**
 * `npx projen deploy:local` as README documents it (test/local-azure/deploy-local.ts), run as a user runs it: its
 * one-shot mode (`--once`) on a one-stack app of a consumer's shape (`--app`, `--stacks`) deploys to a local Azure,
 * destroys and stops, exit 0; bad arguments fail it naming them, before anything starts (the script exits 2, which projen
 * reports as 1). The bundled example through the same code:
 * test/local-azure-example-golden.integration.test.ts.
 */
import * as path from 'path';
import { describeWithPwsh } from './powershell/pwsh';
import { runProcess } from './util/process';
import { describeWithCurrentAz } from './util/tools';

const TIMEOUT_MS = 10 * 60_000;
const ROOT = path.join(__dirname, '..');

function deployLocal(args: string[]) {
  return runProcess('npx', ['projen', 'deploy:local', ...args], { cwd: ROOT, env: { ...process.env } as Record<string, string> });
}

describeWithCurrentAz('npx projen deploy:local', () => {
  describeWithPwsh('the command', () => {
    test('--once with an app of your own: deployed, destroyed, the local Azure stopped; exit 0', async () => {
      const run = await deployLocal(['--once', '--app', 'test/local-azure/apps/resource-group.ts', '--stacks', 'local-group']);
      expect({ status: run.status, stderr: run.stderr.replace(/^👾.*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
      expect(run.stdout).toMatch(/Local Azure at https:\/\/127\.0\.0\.1:\d+/);
      expect(run.stdout).toContain('azurerm_resource_group.Group: Creation complete');
      expect(run.stdout).toContain('Deployed local-group to the local Azure.');
      expect(run.stdout).toContain('azurerm_resource_group.Group: Destruction complete');
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
