/**
 * `Az`: the operator's calls to the Azure CLI, with the version check, the session's cloud, retries on throttling
 * (Retry-After) and transient failures, timeouts, and not-found told apart from other failures.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExitCode } from './failure';
import { AzResult, azFault, crashLine, firstErrorLine, isNotFound, isTransient, matchingLine, missingModule, retryAfterSeconds } from './faults';
import { CLIENT_ID, InputReader, TENANT_ID, Tuning } from './inputs';
import { Operator } from './operator';
import { compareVersions } from './versions';

/** What `Az.mustSucceed` says when a call does not succeed. */
export interface CallFailure {
  /** The whole message when the call does not end within its limit (exit code 4). */
  readonly timedOut: string;
  /** The call, for messages: `deallocate: az vm deallocate`. */
  readonly what: string;
  /** What to do, after `<what> failed.`. */
  readonly hint: string;
  /** The exit code of a failure `Az.fail` does not classify itself; 6 by default. */
  readonly code?: number;
}

/** A call that reached its limit: az was stopped. */
export const TIMED_OUT = 'timed out';
export type AzOutcome = AzResult | typeof TIMED_OUT;

/** What a step says when the resource it works on has disappeared (ResourceNotFound): exit code 8. */
export interface NotFound {
  /** e.g. `VM vm-golden in resource group rg-golden`. */
  readonly subject: string;
  /** e.g. `the VM or its resource group`. */
  readonly what: string;
  /** What to do, e.g. run the deployment again. */
  readonly hint: string;
}

/**
 * The oldest Azure CLI the operator runs on (README: "Operator requirements"): `az sig image-version update
 * --allow-replicated-location-deletion` came with 2.42.0 (azure-cli HISTORY.rst, 2.42.0, #24364), and 2.43.0 cannot
 * create a VM from a gallery image in another resource group (azure-cli issue 24896, fixed in 2.44.0 by #24948), which
 * the canaries do. A CLI that passes this check but is broken (Debian bookworm's azure-cli 2.45, whose python3-azure
 * lacks azure.mgmt.compute.v2022_11_01) fails its first `az vm` call with exit code 3 and the missing module.
 */
export const MINIMUM_AZ_VERSION = '2.44.0';

/** The limit of a plain query, in seconds. */
export const QUERY_SECONDS = 300;

/**
 * az for a step: each call an argument array with progress lines while it runs, a hard limit, retries of transient
 * failures (after the time Azure asks for, `Retry-After`, else with exponential backoff) within the call's limit, and
 * the messages and exit codes of the failures no retry can help.
 */
export class Az {
  /** az's environment: the operator's, with a private AZURE_CONFIG_DIR once the step logged in itself. */
  private readonly env: Record<string, string | undefined>;
  /** The arguments of the last call, for messages about az's installation. */
  private lastArgs: readonly string[] = [];

  constructor(private readonly op: Operator, private readonly tuning: Tuning, private readonly notFound?: NotFound) {
    this.env = { ...op.env };
  }

  /** One az call: its result, or `TIMED_OUT` when it did not end within `limitSeconds` (az is then stopped). */
  public async once(phase: string, limitSeconds: number, args: readonly string[], stdin?: string): Promise<AzOutcome> {
    return this.run(phase, limitSeconds, args, stdin, this.op.interrupt);
  }

  /**
   * One az call after the step was interrupted (SIGTERM, SIGINT, SIGHUP), which does not stop it: the last call of a
   * step on its way out, e.g. starting the deletion of what it made. Bounded by `limitSeconds` alone.
   */
  public async afterInterruption(phase: string, limitSeconds: number, args: readonly string[]): Promise<AzOutcome> {
    return this.run(phase, limitSeconds, args, undefined, new AbortController().signal);
  }

  private async run(phase: string, limitSeconds: number, args: readonly string[], stdin: string | undefined,
    interrupt: AbortSignal): Promise<AzOutcome> {
    const runner = this.op.azRunner;
    if (runner === undefined) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, 'the Azure CLI (az) is not on PATH. Install it (https://aka.ms/azure-cli) on the machine that runs Terraform.');
    }
    const { clock } = this.op;
    this.lastArgs = args;
    const stop = new AbortController();
    const stopOnInterrupt = () => stop.abort();
    interrupt.addEventListener('abort', stopOnInterrupt, { once: true });
    let finished: AzResult | undefined;
    const running = runner({ args, stdin, env: this.env, signal: stop.signal, cwd: this.op.cwd }).then((result) => {
      finished = result;
      return result;
    });
    const started = clock.now();
    const end = started + limitSeconds * 1000;
    let nextProgress = started + this.tuning.pollSeconds * 1000;
    try {
      while (finished === undefined) {
        if (interrupt.aborted) {
          stop.abort();
          await running;
          this.checkInterrupted(interrupt);
        }
        if (clock.now() >= end) {
          stop.abort();
          await running;
          return TIMED_OUT;
        }
        if (clock.now() >= nextProgress) {
          this.op.log(`${phase}: waiting for ${commandWords(args)}, ${Math.floor((clock.now() - started) / 1000)}s of ${limitSeconds}s`);
          nextProgress = clock.now() + this.tuning.pollSeconds * 1000;
        }
        const wake = new AbortController();
        const wakeOnInterrupt = () => wake.abort();
        interrupt.addEventListener('abort', wakeOnInterrupt, { once: true });
        await Promise.race([running, clock.sleep(Math.min(end, nextProgress) - clock.now(), wake.signal)]);
        wake.abort();
        interrupt.removeEventListener('abort', wakeOnInterrupt);
      }
    } finally {
      interrupt.removeEventListener('abort', stopOnInterrupt);
    }
    this.checkInterrupted(interrupt);
    return finished;
  }

  /** Throws `Interrupted` when `interrupt` is the step's own and the step was interrupted. */
  private checkInterrupted(interrupt: AbortSignal): void {
    if (interrupt === this.op.interrupt) {
      this.op.checkInterrupted();
    }
  }

  /**
   * An az call, retrying transient failures (throttling, server errors, broken connections) while attempts and the
   * call's limit allow: after the `Retry-After` Azure gave, else after a delay doubled each time (at most 300 s).
   * A missing resource is never retried.
   */
  public async call(phase: string, limitSeconds: number, args: readonly string[], stdin?: string): Promise<AzOutcome> {
    const { clock } = this.op;
    const deadline = clock.now() + limitSeconds * 1000;
    let delay = this.tuning.retryBaseSeconds;
    for (let attempt = 1; ; attempt++) {
      const remaining = Math.max(1, Math.ceil((deadline - clock.now()) / 1000));
      const result = await this.once(phase, remaining, args, stdin);
      if (result === TIMED_OUT || result.exitCode === 0 || isNotFound(result) || !isTransient(result)) {
        return result;
      }
      if (attempt >= this.tuning.retryMaxAttempts) {
        this.op.log(`${phase}: ${commandWords(args)} still failing after ${attempt} attempts: giving up`);
        return result;
      }
      const asked = retryAfterSeconds(result);
      const wait = asked ?? delay;
      if (clock.now() + wait * 1000 >= deadline) {
        this.op.log(`${phase}: ${commandWords(args)} failed transiently, and the next attempt after ${wait}s`
          + `${asked === undefined ? '' : ' (as Azure asked: Retry-After)'} would pass the call's limit of ${limitSeconds}s: giving up`);
        return result;
      }
      this.op.log(`${phase}: transient az failure (attempt ${attempt} of ${this.tuning.retryMaxAttempts}): ${firstErrorLine(result)}`);
      this.op.log(`${phase}: retrying in ${wait}s${asked === undefined ? '' : ' (as Azure asked: Retry-After)'}`);
      await this.op.pause(phase, wait, 'waiting before the next attempt', this.tuning.pollSeconds);
      delay = Math.min(delay * 2, 300);
    }
  }

  /**
   * An az call that must succeed: exit code 4 with `failure.timedOut` when it does not end within `limitSeconds`, else
   * `fail` with `failure.code` (6 by default), `failure.what` and `failure.hint` when it fails.
   */
  public async mustSucceed(phase: string, limitSeconds: number, args: readonly string[], failure: CallFailure): Promise<AzResult> {
    const result = await this.call(phase, limitSeconds, args);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, failure.timedOut);
    }
    if (result.exitCode !== 0) {
      return this.fail(failure.code ?? ExitCode.AZ_FAILED, failure.what, failure.hint, result);
    }
    return result;
  }

  /**
   * A query whose answer is JSON: fails with exit code 4 when it does not answer within `limitSeconds`, and with `code`
   * and `hint` (or the exit codes of `fail`) when it fails.
   */
  public async query<T>(phase: string, args: readonly string[], code: number, hint: string, limitSeconds = QUERY_SECONDS): Promise<T> {
    const what = `${phase}: ${commandWords(args)}`;
    const result = await this.mustSucceed(phase, limitSeconds, [...args, '--output', 'json'], {
      timedOut: `${what} did not answer within ${limitSeconds}s.`, code, what, hint,
    });
    return this.parseJson<T>(what, result, 'null');
  }

  /** A successful call's JSON answer (`whenEmpty` for no output); exit code 3 when it is not JSON. */
  public parseJson<T>(what: string, result: AzResult, whenEmpty: string): T {
    try {
      return JSON.parse(result.stdout === '' ? whenEmpty : result.stdout) as T;
    } catch {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `${what} succeeded but its output is not JSON: `
        + `${JSON.stringify(result.stdout.slice(0, 200))}. Is \`az\` the Azure CLI? Check \`az version\`.`);
    }
  }

  /** The start of every step once its inputs are valid: the Azure CLI's version, then the az session. */
  public async start(reader: InputReader): Promise<void> {
    await this.checkVersion();
    await this.ensureSession(reader);
  }

  /**
   * Ends the step after a failed call: az's error output first (each line `  az| `), then exit code 3 when az crashed
   * or its session expired (after the login), 8 when the resource no longer exists, else `code` with the hint.
   * `notFound` says what is missing when the call can miss more than one thing (the step's own by default); null when
   * a missing resource is not what the failure means (the caller knows better, e.g. a replication that failed).
   */
  public fail(code: number, what: string, hint: string, result: AzResult, notFound: NotFound | null = this.notFound ?? null): never {
    this.op.print('  az| ', result.stderr, 'stderr');
    this.failIfBroken(what, result);
    const fault = azFault(result);
    if (this.op.phase !== 'login' && fault === 'expired') {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `${what} failed: the az session expired during the run: Azure refused its token `
        + `(${matchingLine(result, 'expired', 200)}), and a retry would be refused too. Log in again (\`az login\`; or, when the deployment logs `
        + 'in with the ARM_* variables, check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID, or ARM_USE_MSI), then run the deployment again.');
    }
    if (this.op.phase !== 'login' && notFound !== null && isNotFound(result)) {
      return this.op.fail(ExitCode.NOT_FOUND, `${what} failed: ${notFound.subject} was not found: ${notFound.what} was deleted `
        + `before or during this run. Nothing was retried. ${notFound.hint}`);
    }
    return this.op.fail(code, `${what} failed. ${hint}`);
  }

  /** Fails with exit code 3 when az crashed (a missing Python module, a traceback, killed), saying how to fix it. */
  public failIfBroken(what: string, result: AzResult): void {
    const fault = azFault(result);
    const line = crashLine(result);
    if (fault === 'module') {
      this.op.fail(ExitCode.AZ_UNUSABLE, `${what}: the Azure CLI is installed but crashes: ${line}. This installation lacks the Python module `
        + `${missingModule(result) ?? 'named above'} that \`${commandWords(this.lastArgs)}\` needs: a retry or a rerun fails the same way until az is `
        + `fixed. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    if (fault === 'crash') {
      this.op.fail(ExitCode.AZ_UNUSABLE, `${what}: the Azure CLI is installed but crashes: ${line} (exit status ${result.exitCode}): a retry or a `
        + `rerun fails the same way until az is fixed. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
  }

  /**
   * Checks once, before any other call, that az runs and is at least `MINIMUM_AZ_VERSION`: an older or broken CLI
   * would fail later, in the middle of a step, after the step changed something.
   */
  public async checkVersion(): Promise<void> {
    this.op.phase = 'az version';
    const result = await this.once('az version', QUERY_SECONDS, ['version', '--output', 'json']);
    if (result === TIMED_OUT) {
      return this.op.fail(ExitCode.TIMEOUT, `az version: the Azure CLI did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.op.print('  az| ', result.stderr, 'stderr');
      this.failIfBroken('az version', result);
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version failed (exit status ${result.exitCode}): ${crashLine(result)}. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    let version: unknown;
    try {
      version = (JSON.parse(result.stdout) as Record<string, unknown>)['azure-cli'];
    } catch {
      version = undefined;
    }
    const release = typeof version === 'string' ? /^\d+\.\d+\.\d+/.exec(version)?.[0] : undefined;
    if (typeof version !== 'string' || release === undefined) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version: no azure-cli version in its output (${JSON.stringify(result.stdout.slice(0, 200))}): is \`az\` `
        + `the Azure CLI? Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    // A pre-release suffix (2.44.0b1) is not compared: the release it leads to is.
    if (compareVersions(release, MINIMUM_AZ_VERSION) < 0) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `az version: the Azure CLI is ${version}; the operator steps need ${MINIMUM_AZ_VERSION} or later `
        + `(older ones lack commands and options the steps use). Nothing was done in Azure. Fix: ${UPGRADE_AZ}, then run the deployment again.`);
    }
    this.op.log(`az version: azure-cli ${version}`);
  }

  /**
   * Uses az's current session, or logs in with the azurerm provider's variables when there is none: a service
   * principal (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID; the secret on az's standard input, never on a
   * command line) or a managed identity (ARM_USE_MSI=true), in a private AZURE_CONFIG_DIR removed at the end, so the
   * operator's own az profile is never changed.
   */
  public async ensureSession(reader: InputReader): Promise<void> {
    this.op.phase = 'login';
    const cloud = this.expectedCloud();
    const current = await this.once('login', 60, ['account', 'show', '--query', 'environmentName', '--output', 'tsv']);
    if (current !== TIMED_OUT && current.exitCode === 0) {
      this.checkSessionCloud(current.stdout.trim(), cloud);
      this.op.log('login: using the current az session');
      return;
    }
    if (current !== TIMED_OUT) {
      // A CLI that crashes is not a missing session: no login with the ARM_* credentials would get further.
      const fault = azFault(current);
      if (fault === 'module' || fault === 'crash') {
        this.fail(ExitCode.AZ_UNUSABLE, 'login: az account show', '', current);
      }
    }
    const env = this.op.env;
    if (env.ARM_USE_MSI === 'true') {
      const clientId = reader.optionalText(CLIENT_ID);
      this.op.log('login: no az session; logging in with the managed identity (ARM_USE_MSI=true)');
      await this.usePrivateConfig(cloud);
      await this.login('az login --identity', ['login', '--identity', ...(clientId ? ['--username', clientId] : []), '--output', 'none'], undefined,
        'Check that this machine has a managed identity with access to the VM (Virtual Machine Contributor), or log in with az login before deploying.');
      return;
    }
    if (env.ARM_CLIENT_ID || env.ARM_CLIENT_SECRET || env.ARM_TENANT_ID) {
      const missing = ['ARM_CLIENT_ID', 'ARM_CLIENT_SECRET', 'ARM_TENANT_ID'].filter((name) => !env[name]);
      if (missing.length > 0) {
        this.op.fail(ExitCode.AZ_UNUSABLE, `az has no session, and the service principal variables are incomplete (missing: ${missing.join(' ')}). `
          + 'Set all three, or run `az login` before deploying.');
      }
      const clientId = reader.text(CLIENT_ID);
      const tenantId = reader.text(TENANT_ID);
      this.op.log(`login: no az session; logging in as service principal ${clientId} (ARM_CLIENT_ID/ARM_CLIENT_SECRET/ARM_TENANT_ID)`);
      await this.usePrivateConfig(cloud);
      await this.login('az login --service-principal',
        ['login', '--service-principal', '--username', clientId, '--password', '@-', '--tenant', tenantId, '--output', 'none'], env.ARM_CLIENT_SECRET,
        'Check ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (the same variables the azurerm provider uses).');
      return;
    }
    this.op.fail(ExitCode.AZ_UNUSABLE, 'az is not logged in and no credentials were given. Run `az login` (and `az account set --subscription <id>`) '
      + 'on this machine before deploying, or set ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (a service principal) or ARM_USE_MSI=true '
      + '(a managed identity), as for the azurerm provider.');
  }

  private async login(what: string, args: readonly string[], secret: string | undefined, hint: string): Promise<void> {
    const result = await this.call('login', QUERY_SECONDS, args, secret);
    if (result === TIMED_OUT) {
      this.op.fail(ExitCode.TIMEOUT, `login: ${what} did not answer within ${QUERY_SECONDS}s.`);
    }
    if (result.exitCode !== 0) {
      this.fail(ExitCode.AZ_UNUSABLE, what, hint, result);
    }
  }

  /**
   * The az cloud the deployment targets: the one the azurerm provider's ARM_ENVIRONMENT names (AzureCloud when unset),
   * or `undefined` for a cloud the provider finds through ARM_METADATA_HOSTNAME (Azure Stack Hub, a private cloud),
   * which only a cloud registered in az (`az cloud register`) can reach. An unknown ARM_ENVIRONMENT ends the step:
   * the provider would refuse it too.
   */
  private expectedCloud(): ExpectedCloud {
    const env = this.op.env;
    if (env.ARM_METADATA_HOSTNAME) {
      return { from: `ARM_METADATA_HOSTNAME=${env.ARM_METADATA_HOSTNAME}` };
    }
    const environment = (env.ARM_ENVIRONMENT ?? '').trim().toLowerCase();
    if (environment === '') {
      // Public by default; but the provider's cloud may be set in its block (`environment`), which no step sees: an
      // existing session in any cloud is then used as it is.
      return { name: 'AzureCloud', from: 'ARM_ENVIRONMENT unset (public)', implied: true };
    }
    const name = AZ_CLOUDS[environment];
    if (name === undefined) {
      return this.op.fail(ExitCode.AZ_UNUSABLE, `login: ARM_ENVIRONMENT is '${env.ARM_ENVIRONMENT}', which the azurerm provider does not know. `
        + `Fix: set it to ${Object.keys(AZ_CLOUDS).join(', ')} (or unset it for public Azure), then run the deployment again.`);
    }
    return { name, from: `ARM_ENVIRONMENT=${env.ARM_ENVIRONMENT}` };
  }

  /**
   * Ends the step when az's current session is in another cloud than ARM_ENVIRONMENT names: its calls would miss every
   * resource. Without ARM_ENVIRONMENT, any session is used (the provider block may name the cloud).
   */
  private checkSessionCloud(sessionCloud: string, cloud: ExpectedCloud): void {
    if (cloud.name === undefined || cloud.implied || sessionCloud === '' || sessionCloud.toLowerCase() === cloud.name.toLowerCase()) {
      return;
    }
    this.op.fail(ExitCode.AZ_UNUSABLE, `login: az is logged in to the cloud ${sessionCloud}, but the deployment targets ${cloud.name} `
      + `(${cloud.from}): every az call would look in the wrong cloud. Nothing was done in Azure. Fix: \`az cloud set --name ${cloud.name}\` `
      + 'and `az login` on this machine, or set ARM_ENVIRONMENT to the cloud az is logged in to, then run the deployment again.');
  }

  /**
   * A private AZURE_CONFIG_DIR, removed at the end, set to the deployment's cloud: a fresh one is AzureCloud. A cloud
   * that only ARM_METADATA_HOSTNAME describes is not known to a fresh az: the step ends with how to log in to it.
   */
  private async usePrivateConfig(cloud: ExpectedCloud): Promise<void> {
    if (cloud.name === undefined) {
      this.op.fail(ExitCode.AZ_UNUSABLE, `login: az has no session, and the deployment's cloud comes from ${cloud.from}, which a fresh az `
        + 'configuration does not know. Fix: register it and log in on this machine before deploying (`az cloud register --name <name> '
        + '--endpoint-resource-manager https://<resource manager>/ ...`, `az cloud set --name <name>`, `az login`): the steps then use that session.');
    }
    this.env.AZURE_CONFIG_DIR = this.op.temporaryDirectory('az');
    if (cloud.name !== 'AzureCloud') {
      const result = await this.call('login', QUERY_SECONDS, ['cloud', 'set', '--name', cloud.name, '--only-show-errors', '--output', 'none']);
      if (result === TIMED_OUT) {
        this.op.fail(ExitCode.TIMEOUT, `login: az cloud set did not answer within ${QUERY_SECONDS}s.`);
      }
      if (result.exitCode !== 0) {
        this.fail(ExitCode.AZ_UNUSABLE, `az cloud set --name ${cloud.name}`, `Check ${cloud.from}.`, result);
      }
    }
  }
}

/** The cloud the deployment targets, and the setting it comes from (for messages); no name for a registered cloud. */
interface ExpectedCloud {
  readonly name?: string;
  readonly from: string;
  /** Public Azure by default, not named by ARM_ENVIRONMENT: a fresh profile's cloud, not a reason to refuse a session. */
  readonly implied?: boolean;
}

/**
 * The az cloud of each ARM_ENVIRONMENT value the azurerm provider takes ("environment ... Possible values are public,
 * usgovernment and china", registry.terraform.io/providers/hashicorp/azurerm/latest/docs#environment-1; az's cloud
 * names, `az cloud list`: https://learn.microsoft.com/cli/azure/manage-clouds-azure-cli).
 */
const AZ_CLOUDS: Readonly<Record<string, string>> = {
  public: 'AzureCloud',
  usgovernment: 'AzureUSGovernment',
  china: 'AzureChinaCloud',
};

const UPGRADE_AZ = 'upgrade or reinstall the Azure CLI (`az upgrade`, or Microsoft\'s package from https://aka.ms/azure-cli instead of a Linux '
  + 'distribution\'s: e.g. Debian\'s azure-cli 2.45 lacks SDK modules its own commands need), check `az version`';

/** `az vm deallocate` from `['vm', 'deallocate', '--name=x']`: the command words, without options. */
export function commandWords(args: readonly string[]): string {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-')) {
      break;
    }
    words.push(arg);
  }
  return ['az', ...words].join(' ');
}

/** A guest script's path: a readable file in the guest scripts directory, relative to the working directory. */
export function guestScriptFile(op: Operator, directory: string, name: string): string {
  const file = path.resolve(op.cwd, directory, name);
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (fs.statSync(file).isFile()) {
      return file;
    }
  } catch {
    // reported below
  }
  return op.fail(ExitCode.INVALID_INPUT, `GOLDEN_GUEST_DIRECTORY: no readable ${name} in ${JSON.stringify(directory)} from ${JSON.stringify(op.cwd)}. `
    + 'Run the deployment from the stack directory (cdktf and Terraform do).');
}
