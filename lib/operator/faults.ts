/**
 * What an az failure means, read from its exit status and its error output: the only interface azure-cli gives.
 * Each pattern names its source where it comes from Azure or the CLI rather than from observation.
 */

/** What an az process gave back. */
export interface AzResult {
  /** The exit status; 128 + n when a signal n ended it (as a shell reports it). */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Transient failures of az or Azure: throttling, server errors, broken connections. Azure's answers for the faults
 * below (az crashing, an expired session, a VM agent not ready) do not match it: retrying cannot help them.
 */
const TRANSIENT = /TooManyRequests|Too Many Requests|[Tt]hrottl|(^|[^0-9])(429|500|502|503|504) (Client|Server) Error|InternalServerError|Internal Server Error|ServiceUnavailable|Service Unavailable|GatewayTimeout|Gateway Timeout|BadGateway|Bad Gateway|InternalExecutionError|RetryableError|Connection aborted|ConnectionResetError|Connection reset|ConnectionError|Max retries exceeded|Temporary failure in name resolution|Read timed out/;
/** The resource or its resource group does not exist: final, never retried. */
const NOT_FOUND = /ResourceNotFound|ResourceGroupNotFound|\(NotFound\)|Code: NotFound/;
/** Run Command takes one script at a time per VM: Azure answers 409 Conflict while one runs. */
const RUN_COMMAND_BUSY = /Run command extension execution is in progress/;
/**
 * The VM agent (Windows Azure Guest Agent) has not reported in: VMAgentStatusCommunicationError "VM '<name>' has not
 * reported status for VM agent or extensions", or "VM agent on VM '<name>' has not reported latest status for extension
 * 'RunCommandWindows'" (azure-powershell issue 5741, azure-linux-extensions issue 684).
 */
const AGENT_NOT_READY = /VMAgentStatusCommunicationError|has not reported (latest )?status for (VM agent|extension)|[Aa]gent (status )?is not ready|[Gg]uest agent is not ready|GuestAgentNotReady/;
/** az itself failed: an unexpected Python exception ("The command failed with an unexpected error"). */
const AZ_CRASH = /Traceback \(most recent call last\)|The command failed with an unexpected error/;
/**
 * A crash on a Python module the installation lacks: Debian bookworm's azure-cli 2.45, whose SDK has no
 * azure.mgmt.compute.v2022_11_01, crashes so on `az vm deallocate` (azure-cli issues 22697, 18804).
 */
const AZ_MODULE = /ModuleNotFoundError|No module named '|ImportError|cannot import name '/;
/**
 * Azure refused the session's token: the refresh token expired (AADSTS700082, AADSTS70043) or was revoked
 * (AADSTS50173), the client secret expired (AADSTS7000222), an access token expired (ARM's
 * InvalidAuthenticationTokenTokenExpired, ExpiredAuthenticationToken), or az lost the account.
 */
const SESSION_EXPIRED = /AADSTS700082|AADSTS70043|AADSTS50173|AADSTS7000222|The refresh token has expired|InvalidAuthenticationTokenTokenExpired|ExpiredAuthenticationToken|Please run 'az login' to setup account|Interactive authentication is needed/;

export function isTransient(result: AzResult): boolean {
  return TRANSIENT.test(result.stderr);
}

export function isNotFound(result: AzResult): boolean {
  return NOT_FOUND.test(result.stderr);
}

export function isRunCommandBusy(result: AzResult): boolean {
  return RUN_COMMAND_BUSY.test(result.stderr);
}

/**
 * The kind of a failure no retry can help, if it is one: `module` (the CLI crashed on a Python module its installation
 * lacks), `crash` (it crashed otherwise: a traceback, exit 126 or 127 from its launcher, killed by a signal), `expired`
 * (Azure refused the session's token), `agent` (Run Command: the VM agent is not ready).
 */
export type AzFault = 'module' | 'crash' | 'expired' | 'agent';

export function azFault(result: AzResult): AzFault | undefined {
  const { stderr, exitCode } = result;
  if (AZ_MODULE.test(stderr)) {
    return 'module';
  }
  if (AZ_CRASH.test(stderr) || exitCode === 126 || exitCode === 127 || (exitCode > 128 && exitCode < 160)) {
    return 'crash';
  }
  if (SESSION_EXPIRED.test(stderr)) {
    return 'expired';
  }
  if (AGENT_NOT_READY.test(stderr)) {
    return 'agent';
  }
  return undefined;
}

/** The first line of the error output that matches `pattern`'s kind, cut to `length`: for messages. */
export function matchingLine(result: AzResult, kind: 'expired' | 'agent', length: number): string {
  const pattern = kind === 'expired' ? SESSION_EXPIRED : AGENT_NOT_READY;
  return (lines(result.stderr).find((line) => pattern.test(line)) ?? '').slice(0, length);
}

/** The first non-blank line of az's error output, cut to 200 characters. */
export function firstErrorLine(result: AzResult): string {
  return (lines(result.stderr).find((line) => line.trim() !== '') ?? '').slice(0, 200);
}

const SIGNAL_NAMES: Record<number, string> = { 1: 'HUP', 2: 'INT', 3: 'QUIT', 6: 'ABRT', 9: 'KILL', 11: 'SEGV', 13: 'PIPE', 15: 'TERM' };

/**
 * The line that says why az crashed: a traceback's exception (its last line that names one), else az's first line of
 * error output, else how it ended.
 */
export function crashLine(result: AzResult): string {
  const exception = lines(result.stderr).filter((line) => /^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)(: |$)/.test(line)).pop();
  const line = exception?.slice(0, 200) ?? firstErrorLine(result);
  if (line !== '') {
    return line;
  }
  if (result.exitCode > 128) {
    const n = result.exitCode - 128;
    return `az was killed by SIG${SIGNAL_NAMES[n] ?? n} (exit status ${result.exitCode})`;
  }
  return `az exited with status ${result.exitCode} and printed nothing`;
}

/** The Python module a `module` crash names, if it names one. */
export function missingModule(result: AzResult): string | undefined {
  let found: string | undefined;
  for (const line of lines(result.stderr)) {
    const match = /No module named '([^']+)'/.exec(line) ?? /cannot import name '[^']+' from '([^']+)'/.exec(line);
    if (match) {
      found = match[1];
    }
  }
  return found;
}

/**
 * How long Azure asked the client to wait before the next request, in seconds, when the failure says so. az's SDK
 * (azure-core's RetryPolicy: retry_status=3, respecting Retry-After) has already waited out a 429's or 503's
 * `Retry-After` header three times before az fails, and az prints the headers only with `--debug`
 * (`'Retry-After': 'N'`, azure-cli core/sdk/policies.py); what reaches the error output is ARM's message body:
 * "Please try again after '372' seconds." (ResourceRequestsThrottled, SubscriptionRequestsThrottled). Delta-seconds
 * only (an HTTP date is not read).
 */
export function retryAfterSeconds(result: AzResult): number | undefined {
  const match = /Retry-After['"]?\s*[:=]\s*['"]?(\d{1,6})\b/i.exec(result.stderr)
    ?? /(?:retry|try again) after '?(\d{1,6})'? ?(?:seconds?|s)\b/i.exec(result.stderr);
  return match ? Number(match[1]) : undefined;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/);
}
