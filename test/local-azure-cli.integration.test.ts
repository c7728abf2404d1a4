/**
 * The current Azure CLI (Debian trixie's 2.74, installed by test/local-azure/install-az.sh into a private prefix):
 * it runs, and it is that version, not the system's bookworm 2.45 (/usr/bin/az) through a path mix-up.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { currentAzPath, describeWithCurrentAz } from './util/tools';

describeWithCurrentAz('the current Azure CLI', () => {
  test('az version: azure-cli 2.74.0 and its core, from the prefix install-az.sh made', () => {
    const configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'az-version-'));
    try {
      const result = spawnSync(currentAzPath(), ['version', '--output', 'json'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: configDirectory, AZURE_CONFIG_DIR: configDirectory, AZURE_CORE_COLLECT_TELEMETRY: 'false' },
      });
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ 'azure-cli': '2.74.0', 'azure-cli-core': '2.74.0' });
    } finally {
      fs.rmSync(configDirectory, { recursive: true, force: true });
    }
  });
});
