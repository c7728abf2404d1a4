/**
 * The current Azure CLI (test/local-azure/install-az.sh) pointed at a running local Azure, as a user points az at a
 * cloud of their own: `az cloud register` with the local Resource Manager (az reads the rest from its metadata
 * endpoint) and an ADFS-style authority (`<origin>/adfs`: MSAL then skips its online authority check, and az logs in
 * to tenant `adfs`), `az cloud set`, then `az login --service-principal` with the local Azure's principal (the secret
 * on standard input, as the operator passes it). Everything az writes goes to a temporary AZURE_CONFIG_DIR, never the
 * user's ~/.azure; the certificate is trusted through REQUESTS_CA_BUNDLE; telemetry is off and any other host is sent
 * to a closed port (HTTPS_PROXY), so nothing leaves the machine.
 *
 * Integration tier only: every call starts the real CLI (about 1.5 s; the first in a configuration directory builds
 * az's command index, about 12 s).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunningLocalAzure } from './server';
import { ProcessRun, runProcess } from '../util/process';
import { currentAzPath } from '../util/tools';

/** The cloud's name in az's configuration. */
export const LOCAL_CLOUD = 'LocalAzure';

export interface AzRun extends ProcessRun {
  readonly seconds: number;
}

export class AzCli {
  /** A configuration directory logged in to `running` (its cloud registered and active, its subscription the default). */
  public static async login(running: RunningLocalAzure): Promise<AzCli> {
    const cli = new AzCli(running);
    try {
      const { origin } = running;
      await cli.mustRun(['cloud', 'register', '--name', LOCAL_CLOUD, '--endpoint-resource-manager', origin,
        '--endpoint-active-directory', `${origin}/adfs`, '--output', 'none']);
      await cli.mustRun(['cloud', 'set', '--name', LOCAL_CLOUD, '--output', 'none']);
      const { clientId, clientSecret, tenantId } = running.azure.principal;
      await cli.mustRun(['login', '--service-principal', '--username', clientId, '--password', '@-', '--tenant', tenantId, '--output', 'none'],
        clientSecret);
      return cli;
    } catch (error) {
      cli.dispose();
      throw error;
    }
  }

  /** The launcher of the current Azure CLI. */
  public readonly az = currentAzPath();
  /** az's configuration directory (AZURE_CONFIG_DIR), removed by `dispose`. */
  public readonly configDirectory: string;

  private constructor(private readonly running: RunningLocalAzure) {
    this.configDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'local-azure-az-'));
  }

  /**
   * The environment az runs in, for this class's calls and for programs that run az themselves (the operator): the
   * current az first on PATH, this configuration directory, the certificate, no telemetry, no way out.
   */
  public environment(): Record<string, string> {
    const inherited = Object.fromEntries(Object.entries(process.env)
      .filter((entry): entry is [string, string] => entry[1] !== undefined && !/^(https?|no|all)_proxy$|^AZURE_|^REQUESTS_CA_BUNDLE$/i.test(entry[0])));
    return {
      ...inherited,
      PATH: [path.dirname(this.az), process.env.PATH ?? ''].join(path.delimiter),
      AZURE_CONFIG_DIR: this.configDirectory,
      REQUESTS_CA_BUNDLE: this.running.certificateFile,
      AZURE_CORE_COLLECT_TELEMETRY: 'false',
      AZURE_CORE_NO_COLOR: 'true',
      AZURE_CORE_SURVEY_MESSAGE: 'false',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      HTTP_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '127.0.0.1',
    };
  }

  /** Runs az with `args` (an argument array), `stdin` on its standard input. */
  public async run(args: readonly string[], stdin = ''): Promise<AzRun> {
    const started = Date.now();
    const run = await runProcess(this.az, args, { env: this.environment(), stdin });
    return { ...run, seconds: (Date.now() - started) / 1000 };
  }

  /** Runs az and fails unless it exits 0. */
  public async mustRun(args: readonly string[], stdin = ''): Promise<AzRun> {
    const result = await this.run(args, stdin);
    if (result.status !== 0) {
      throw new Error(`az ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /** Runs az with `--output json` and returns what it printed, parsed. */
  public async json(args: readonly string[]): Promise<any> {
    return JSON.parse((await this.mustRun([...args, '--output', 'json'])).stdout);
  }

  public dispose(): void {
    fs.rmSync(this.configDirectory, { recursive: true, force: true });
  }
}
