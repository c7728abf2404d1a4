import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The directory of the simulated `az` (test/fake-az/az, around test/fake-az/simulator.js), put first on PATH. */
export const FAKE_AZ_DIRECTORY = path.join(__dirname, '..', 'fake-az');

export const SUBSCRIPTION_ID = '6f1c5b2a-3d4e-4f50-8a9b-0c1d2e3f4a5b';

/**
 * The build VM's setup as the guest runs it (setup-start.ps1 starts it as a scheduled task, setup-status.ps1 reads its
 * log, setup-finish.ps1 removes it). The log gets `lines` spread over `polls` status polls; at the poll numbered
 * `polls` the setup ends: with `GOLDEN-IMAGE-SETUP-RESULT: SUCCESS`, with `... FAILURE step '<failingStep>': ...`, or
 * without a result line (the process died: status `ended <task result>`).
 */
export interface SimulatedSetup {
  outcome: 'succeeds' | 'fails' | 'dies';
  polls: number;
  lines: string[];
  failingStep?: string;
  failureMessage?: string;
  // Written by the fake:
  /** Absent: never started; `removed`: setup-finish.ps1 removed the task, the files and the custom data. */
  phase?: 'running' | 'ended' | 'removed';
  /** How the setup ended (set with phase `ended`); a test may change `outcome` for the next start. */
  result?: 'succeeded' | 'failed' | 'died';
  /** Status polls since the (last) start. */
  statusPolls?: number;
  /** Times the guest started the setup's task. */
  starts?: number;
  /** The Offset of every status poll, in order. */
  offsets?: number[];
  /** Offsets that were not the start of a line of the log (or beyond its end): a bug of the caller. */
  badOffsets?: number[];
  /** KeepSetupFiles of the cleanup that removed the setup. */
  keptFiles?: boolean;
}

/** A managed image as `az image show` returns it (the fields the tests look at). */
export interface FakeImage {
  name: string;
  id?: string;
  location?: string;
  hyperVGeneration?: string;
  tags?: Record<string, string> | null;
  sourceVirtualMachine?: { id: string };
  storageProfile?: { osDisk: { osType: string; osState: string; managedDisk?: { id: string }; storageAccountType?: string | null } };
}

/**
 * A version of a gallery image definition, as the fake keeps it (`az sig image-version show` turns it into Azure's
 * shape: `publishingProfile.excludeFromLatest`, `storageProfile.source.id`, ...).
 */
export interface FakeGalleryVersion {
  /** X.Y.Z */
  name: string;
  location?: string;
  tags?: Record<string, string> | null;
  /** Creating, Updating, Succeeded, Failed, Deleting, ... */
  provisioningState: string;
  excludeFromLatest?: boolean;
  targetRegions?: Array<{ name: string; regionalReplicaCount: number; storageAccountType: string }>;
  /** Resource id of the source VM. */
  source?: string;
  replicationMode?: string;
  endOfLifeDate?: string;
  /** The marketplace purchase plan of the image the version comes from: `vm create` needs it (`--plan-*`). */
  purchasePlan?: { name: string; product: string; publisher: string };
  /**
   * How many more `show`s still see provisioningState as it is; the next one sees `becomes` (a Deleting version is
   * gone). Unset: it stays as it is.
   */
  pendingShows?: number;
  /** What a Creating or Updating version becomes (default Succeeded). */
  becomes?: 'Succeeded' | 'Failed';
  /**
   * Its replication per region (keyed by the region's canonical name), as `show --expand ReplicationStatus` reports it;
   * a region not given follows the provisioningState (see simulator.js).
   */
  replication?: Record<string, { state: 'Unknown' | 'Replicating' | 'Completed' | 'Failed'; details?: string; progress?: number }>;
}

/**
 * How the canary in a region fails: az vm create fails (quota) after making the VNet and NIC, the guest does not have
 * the computer name Azure gave it, the page never answers, the output ends before the result line, or the canary's
 * subnet has no outbound access (Run Command's output never comes back).
 */
export type CanaryFault = 'create-fails' | 'wrong-name' | 'no-answer' | 'no-marker' | 'private-subnet';

/** A canary VM made by `az vm create` (the fields the tests look at). */
export interface FakeCanaryVm {
  resourceGroup: string;
  name: string;
  location: string;
  computerName: string;
  image: string;
  size: string;
  securityType: string | null;
  secureBoot: string | null;
  vtpm: string | null;
  adminUsername: string | null;
  /** '' when az was told to make none. */
  publicIpAddress: string;
  /** '' when az was told to make none. */
  nsg: string;
  vnet: string;
  subnet: string;
  nic: string;
  nicDeleteOption: string;
  osDiskDeleteOption: string;
  tags: Record<string, string>;
}

export interface FakeVnet {
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string> | null;
  subnets: string[];
  /** false: its subnet is private (no default outbound access); unset: as Azure leaves a subnet made before API 2025-07-01. */
  defaultOutboundAccess?: boolean;
}

export interface FakeNic {
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string> | null;
  vnet: string;
  /** The VM the NIC is attached to. */
  vm?: string;
}

/** An instance of a scale set, as `az vmss list-instances` shows it (the fields the verify-scale-set step reads). */
export interface FakeScaleSetInstance {
  /** osProfile.computerName; null: no osProfile (az prints None). */
  computerName: string | null;
  latestModelApplied: boolean;
  /** Creating, Updating, Succeeded, Failed, Deleting, ... */
  provisioningState: string;
  /** Default: its index in the list. */
  instanceId?: string;
  /** The gallery image version it runs (storageProfile.imageReference.exactVersion), on a scale set with `galleryImage`. */
  version?: string;
}

/** runningStatus.code of a rolling upgrade. */
export type RollingUpgradeCode = 'RollingForward' | 'Cancelled' | 'Completed' | 'Faulted';

/** progress of a rolling upgrade; a count not given comes from the instances (latest: successful; others: pending; else 0). */
export interface FakeRollingUpgradeProgress {
  successfulInstanceCount?: number;
  failedInstanceCount?: number;
  inProgressInstanceCount?: number;
  pendingInstanceCount?: number;
}

/** The latest rolling upgrade of a scale set, as `az vmss rolling-upgrade get-latest` shows it. */
export interface FakeRollingUpgrade {
  code: RollingUpgradeCode;
  progress?: FakeRollingUpgradeProgress;
  /** error: Azure's code and message (Faulted), or null. */
  error?: { code: string; message: string } | null;
  /** How many more `get-latest`s still see it as it is; the next one sees `becomes`. Unset: it stays as it is. */
  pendingShows?: number;
  /** What it becomes (default Completed). Once Completed, every instance is on the latest model. */
  becomes?: { code: RollingUpgradeCode; progress?: FakeRollingUpgradeProgress; error?: { code: string; message: string } | null };
  /** The version it moves the instances to (a gallery definition's latest): theirs once it Completed. */
  targetVersion?: string;
}

/** A VM scale set (Uniform orchestration). */
export interface FakeScaleSet {
  instances: FakeScaleSetInstance[];
  /** null: no rolling upgrade has ever run (Azure answers 404 NotFound). */
  rollingUpgrade: FakeRollingUpgrade | null;
  /** How many more `list-instances` still see `instances`; the next one sees `thenInstances`. */
  pendingLists?: number;
  thenInstances?: FakeScaleSetInstance[];
  /** The region (default westeurope). */
  location?: string;
  /** The model's image: the latest of this gallery definition (a key of `galleryImages`); a managed image when unset. */
  galleryImage?: string;
  /** How many `get-latest`s see an upgrade `vmss rolling-upgrade start` started as RollingForward (default 1). */
  startedUpgradeShows?: number;
  /** Azure starts its own automatic OS image upgrade after this many more `list-instances`. */
  platformStartsAfterLists?: number;
  /** Computer names of instances an upgrade does not move to its version (Completed all the same). */
  upgradeLeavesBehind?: string[];
}

/** A marketplace SKU in a region, as `az vm image list --all` lists it. */
export interface FakeMarketplaceSku {
  publisher: string;
  offer: string;
  sku: string;
  /** In any order: the fake lists them in Azure's order, sorted as text. */
  versions: string[];
  /** x64 by default. */
  architecture?: 'x64' | 'Arm64';
  /** The purchase plan of a third-party image (`az vm image show`'s `plan`); none by default, as Windows Server's. */
  plan?: { name: string; product: string; publisher: string };
}

/** The simulated world: one VM, the operator's az session, and the faults to inject. */
export interface FakeAzState {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
  /** The operator's own `az login` session. */
  loggedIn: boolean;
  /** PowerState/<power>: running, stopped, deallocated, starting, ... */
  power: string;
  osState: 'specialized' | 'generalized';
  /** The VM's tags (`az vm update --set tags.<key>=<value>` writes them; the instance view shows them). */
  vmTags?: Record<string, string>;
  /** What `az version` reports as azure-cli's version (default 2.74.0). */
  cliVersion?: string;
  /** `none`: Run Command on the build VM runs the script but returns no output (a VM without outbound access). */
  runCommandOutput?: 'none';
  guestImageState: string;
  /**
   * What Run Command reports from the guest script: success; Sysprep timing out; output cut before the result
   * marker; an uncaught PowerShell error on StdErr, without a marker or with the failure marker (az exits 0); or
   * success with an error record on StdErr that did not stop the script.
   */
  sysprep: 'completes' | 'never-reaches-oobe' | 'no-marker' | 'exception' | 'exception-and-failure-marker' | 'completes-with-stderr';
  servicePrincipal?: { clientId: string; tenantId: string; secret: string };
  managedIdentity?: boolean;
  /**
   * Transient failures of a command (e.g. `vm deallocate`), each consumed once; for `vm run-command invoke`, only of
   * the guest script `script` (e.g. `setup-status.ps1`) when given.
   */
  transient?: Array<{ command: string; error: TransientError; times: number; script?: string }>;
  /**
   * Faults no retry fixes: a command (e.g. `vm deallocate`; for `vm run-command invoke`, only of the guest script
   * `script` when given) fails so every time, or `times` times.
   */
  faults?: Array<{ command: string; fault: AzFault; times?: number; script?: string }>;
  /** How many times `az vm generalize` fails with a (non-transient) authorization error. */
  failGeneralize?: number;
  /** Commands that never return. A hung `vm deallocate` was accepted by Azure: the VM is left deallocating. */
  hang?: string[];
  /** The VM (or its resource group) is deleted after `calls` (default 1) successful calls of `command`. */
  deleteAfter?: { command: string; calls?: number; what?: 'vm' | 'resource-group' };
  /**
   * How many more instance views show a starting, stopping or deallocating VM before Azure finishes the operation.
   * Unset: it never finishes.
   */
  settlesAfter?: number;
  /** How many `vm run-command invoke` calls meet an earlier Run Command still running in the guest (409 Conflict). */
  runCommandInProgress?: number;
  /** Commands that answer only once a file exists (its path): the test releases them when it has seen what it waits for. */
  holdUntil?: Record<string, string>;
  /** securityProfile.securityType of the VM: absent for a Standard VM (az prints None), or e.g. TrustedLaunch. */
  securityType?: 'Standard' | 'TrustedLaunch' | 'ConfidentialVM';
  /** instanceView.hyperVGeneration (V2 by default; absent: az prints None). */
  hyperVGeneration?: 'V1' | 'V2';
  /** The guest's setup (a default one that succeeds over 2 polls when absent). */
  setup?: Partial<SimulatedSetup>;
  /** Restarts needed before the guest reports no pending reboot, or `always` (something re-arms it at every boot). */
  rebootPending?: number | 'always';
  /** Managed images per resource group; a group is missing unless it is a key here or the VM's own group. */
  images?: Record<string, FakeImage[]>;
  /** Ids of managed disks that can be captured. */
  disks?: string[];
  /** More resource groups that exist (e.g. the canaries' group). */
  resourceGroups?: string[];
  /** Versions per image definition, keyed `<resource group>/<gallery>/<definition>`; a definition is missing unless it is a key. */
  galleryImages?: Record<string, FakeGalleryVersion[]>;
  /** How many `sig image-version create` calls leave the version Failed (and fail). */
  failGalleryCreate?: number;
  /** Regions (canonical name -> Azure's details) where every replication fails: a create or update to them leaves the version Failed. */
  failReplication?: Record<string, string>;
  /** Canary faults by region (a canary passes otherwise). */
  canaryFaults?: Record<string, CanaryFault>;
  canaryVms?: FakeCanaryVm[];
  vnets?: FakeVnet[];
  nics?: FakeNic[];
  /** Marketplace SKUs per region (`westeurope`); a region without a key lists none. */
  marketplace?: Record<string, FakeMarketplaceSku[]>;
  /** Purchase plans whose terms the subscription accepted, `<publisher>:<product>:<name>` (`az vm image terms show`'s `accepted`). */
  acceptedTerms?: string[];
  /** VM scale sets, keyed `<resource group>/<name>`; a scale set is missing unless it is a key. */
  scaleSets?: Record<string, FakeScaleSet>;
  // Written by the fake:
  /** File names of the guest scripts Run Command ran, in order. */
  guestScriptRuns?: string[];
  /** setup-finish.ps1 runs. */
  finishRuns?: number;
  /** `az vm restart` calls that restarted the VM. */
  restarts?: number;
  imagesCreated?: string[];
  /** Creates of an image that existed already (Azure updates it in place). */
  imagesRecreated?: string[];
  imagesDeleted?: string[];
  galleryVersionsCreated?: string[];
  /** Creates of a version that existed already (a Failed one, or a Succeeded one: Azure updates it in place). */
  galleryVersionsRecreated?: string[];
  galleryVersionsDeleted?: string[];
  galleryVersionUpdates?: Array<{ name: string; set: string[]; targetRegions: string[] }>;
  canaryVmsCreated?: string[];
  canaryVmsDeleted?: Array<{ name: string; noWait: boolean }>;
  nicsDeleted?: string[];
  vnetsDeleted?: string[];
  /** Where each `vm create` got --admin-password from: file (`@path`), stdin (`@-`), argument, or none. */
  canaryPasswordSources?: string[];
  /** The mode of each password file (`@path`), e.g. 0o600. */
  canaryPasswordFileModes?: number[];
  /** The passwords themselves (test-only): no argv and no output may hold them. */
  canaryPasswords?: string[];
  /** Each canary-check.ps1 run: the VM, its region and the parameters. */
  canaryChecks?: Array<{ vm: string; location: string; parameters: Record<string, string> }>;
  /** `vmss rolling-upgrade start` calls that started an upgrade. */
  rollingUpgradesStarted?: number;
  // Written by the fake:
  /** Run Command invocations of the guest script. */
  sysprepRuns?: number;
  /** Times the guest started Sysprep.exe (a rerun after Sysprep finished does not). */
  sysprepStarts?: number;
  deleted?: 'vm' | 'resource-group';
  generalizedWithoutSysprep?: boolean;
  hangingPids?: number[];
  logins?: Array<{ identity: string; configDir: string }>;
  passwordSources?: string[];
}

/** The errors az reports for throttling (429), server errors (5xx) and a broken connection. */
export type TransientError = '429' | '500' | '502' | '503' | '504' | 'connection';

/**
 * What makes az fail whatever the retries (test/fake-az/simulator.js's AZ_FAULTS):
 * - the CLI crashes: an unexpected Python exception (`crash`), a module missing at start-up (`startup-crash`) or in a
 *   subcommand (`missing-module`: Debian's azure-cli 2.45 on `az vm deallocate`; `import-error`), its launcher finds no
 *   interpreter (`no-interpreter`, exit 127) or may not run it (`not-executable`, 126), or it is killed (`killed`);
 * - Azure refuses the session's token: `refresh-token-expired` (AADSTS700082), `token-revoked` (AADSTS50173),
 *   `access-token-expired` (InvalidAuthenticationTokenTokenExpired), `expired-authentication-token`
 *   (ExpiredAuthenticationToken), `session-lost` ("Please run 'az login' to setup account.");
 * - Run Command finds the VM agent not ready: `agent-not-ready` (VMAgentStatusCommunicationError) or
 *   `agent-extension-status` (has not reported latest status for extension 'RunCommandWindows').
 */
export type AzFault = 'crash' | 'startup-crash' | 'missing-module' | 'import-error' | 'no-interpreter' | 'not-executable' | 'killed' | 'authorization'
| 'refresh-token-expired' | 'token-revoked' | 'access-token-expired' | 'expired-authentication-token' | 'session-lost'
| 'agent-not-ready' | 'agent-extension-status';

export const DEFAULT_STATE: FakeAzState = {
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroup: 'rg-golden',
  vmName: 'vm-golden',
  loggedIn: true,
  power: 'running',
  osState: 'specialized',
  guestImageState: 'IMAGE_STATE_COMPLETE',
  sysprep: 'completes',
  hyperVGeneration: 'V2',
};

/** The state a fake starts with: DEFAULT_STATE and what the test gives. */
export function initialState(state: Partial<FakeAzState> = {}): FakeAzState {
  return { ...DEFAULT_STATE, ...state };
}

/** A simulated `az` with its own state file, call log and temporary directory. */
export class FakeAz {
  public readonly directory: string;
  public readonly statePath: string;
  public readonly logPath: string;
  /** TMPDIR of the script under test: whatever it leaves there is visible. */
  public readonly tmpDirectory: string;

  constructor(state: Partial<FakeAzState> = {}) {
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-az-'));
    this.statePath = path.join(this.directory, 'state.json');
    this.logPath = path.join(this.directory, 'calls.log');
    this.tmpDirectory = path.join(this.directory, 'tmp');
    fs.mkdirSync(this.tmpDirectory);
    fs.writeFileSync(this.logPath, '');
    this.write(initialState(state));
  }

  /** The variables that make a process use this fake: PATH first, its files, a private HOME and TMPDIR. */
  public environment(): Record<string, string> {
    return {
      PATH: `${FAKE_AZ_DIRECTORY}${path.delimiter}${process.env.PATH}`,
      HOME: this.directory,
      TMPDIR: this.tmpDirectory,
      FAKE_AZ_STATE: this.statePath,
      FAKE_AZ_LOG: this.logPath,
    };
  }

  public state(): FakeAzState {
    return JSON.parse(fs.readFileSync(this.statePath, 'utf8'));
  }

  public update(patch: Partial<FakeAzState>): void {
    this.write({ ...this.state(), ...patch });
  }

  /** Every recorded call's argv, in order. */
  public calls(): string[][] {
    return fs.readFileSync(this.logPath, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  }

  /** The command of every call, e.g. `vm deallocate`. */
  public commands(): string[] {
    return this.calls().map(commandOf);
  }

  public clearLog(): void {
    fs.writeFileSync(this.logPath, '');
  }

  public dispose(): void {
    for (const pid of this.state().hangingPids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private write(state: FakeAzState): void {
    fs.writeFileSync(this.statePath, JSON.stringify(state, null, 2));
  }
}

/** The command words of an az argv, e.g. `vm deallocate`. */
export function commandOf(argv: string[]): string {
  const end = argv.findIndex((a) => a.startsWith('-'));
  return argv.slice(0, end === -1 ? argv.length : end).join(' ');
}

/** Whether a process exists and is not a zombie (Linux /proc). */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** A service principal the simulated az accepts; the secret has spaces, `$` and quotes, which must survive as they are. */
export const SERVICE_PRINCIPAL = {
  clientId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  tenantId: '11111111-2222-4333-8444-555555555555',
  secret: 'Sp-s3cret value with $pace and \'quotes\'',
};

