/**
 * verify-fleet: the post-deploy check of an ImageFleet (`verifyUrls`), run by its `UrlCheck` resource once the VMs
 * exist: fetch every VM's URL until its page contains that VM's computer name (in any case), in rounds
 * VERIFY_INTERVAL_SECONDS apart, and fail when some VM has not answered so by the deadline. It needs only Node.js (its
 * own http and https modules): no az, no curl.
 *
 * Nothing in Azure is read or changed, so a rerun simply checks again.
 * Exit codes: 0 every VM answered; 2 invalid input; 11 some VM did not answer with its computer name by the deadline;
 * 129/130/143 interrupted.
 */
import { ExitCode } from '../failure';
import { InputReader, InvalidInput, NumberInput, shown, TextInput } from '../inputs';
import { Operator } from '../operator';
import {
  fetchPage, inParallel, MAX_PARALLEL_REQUESTS, showsName, VERIFY_INTERVAL_SECONDS, VERIFY_REQUEST_SECONDS, VERIFY_TIMEOUT_MINUTES_ENV,
} from '../verify';

export const VERIFY_FLEET_NAME = 'verify-fleet';
export const VERIFY_FLEET_CONSTRUCT = 'ImageFleet';
export const VERIFY_FLEET_INTERRUPTED = 'Not every VM was checked; the check changes nothing in Azure: run the deployment again to check the fleet.';

/** The VMs and their URLs: space-separated `name=url` pairs (neither holds a space). */
export const FLEET_TARGETS_ENV = 'FLEET_TARGETS';
/** The name of a fleet VM in FLEET_TARGETS: its Windows computer name (at most 15 characters). */
export const FLEET_VM_NAME: TextInput = {
  env: FLEET_TARGETS_ENV, pattern: /^[A-Za-z0-9-]{1,15}$/, description: 'a computer name of 1-15 letters, digits and hyphens',
};
/** The URL of a fleet VM in FLEET_TARGETS. */
export const FLEET_VM_URL: TextInput = { env: FLEET_TARGETS_ENV, pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/, description: 'an http(s) URL' };
/** How long the VMs have to answer, all together. */
export const FLEET_VERIFY_TIMEOUT_MINUTES: NumberInput = {
  env: VERIFY_TIMEOUT_MINUTES_ENV, prop: 'verifyTimeoutMinutes', min: 1, max: 60, default: 15,
};

/** The step's inputs as ImageFleet writes them (values or Terraform expressions). */
export interface VerifyFleetEnvironment {
  /** `name=url` pairs, separated by spaces. */
  readonly targets: string;
  readonly timeoutMinutes: string;
}

export function verifyFleetEnvironment(input: VerifyFleetEnvironment): Record<string, string> {
  return { [FLEET_TARGETS_ENV]: input.targets, [FLEET_VERIFY_TIMEOUT_MINUTES.env]: input.timeoutMinutes };
}

interface Target {
  readonly name: string;
  readonly url: string;
}

/** FLEET_TARGETS, each pair checked; exit 2 naming the first bad one. */
export function readFleetTargets(env: Readonly<Record<string, string | undefined>>): Target[] {
  const pairs = (env[FLEET_TARGETS_ENV] ?? '').split(/\s+/).filter((pair) => pair !== '');
  const origin = `It comes from the ${VERIFY_FLEET_CONSTRUCT} construct (its VMs' computer names and addresses).`;
  if (pairs.length === 0) {
    throw new InvalidInput(`${FLEET_TARGETS_ENV} is empty: expected space-separated name=url pairs such as 'web001=http://203.0.113.10/'. ${origin}`);
  }
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const url = pair.slice(eq + 1);
    if (eq < 0 || !FLEET_VM_NAME.pattern.test(name)) {
      throw new InvalidInput(`${FLEET_TARGETS_ENV} entry ${shown(pair)} is not name=url with ${FLEET_VM_NAME.description}. ${origin}`);
    }
    if (!FLEET_VM_URL.pattern.test(url)) {
      throw new InvalidInput(`${FLEET_TARGETS_ENV} entry ${shown(pair)}: ${shown(url)} is not ${FLEET_VM_URL.description}. ${origin}`);
    }
    return { name, url };
  });
}

export async function verifyFleet(op: Operator): Promise<void> {
  op.interruptNote = VERIFY_FLEET_INTERRUPTED;
  op.phase = 'validate';
  const reader = new InputReader(op.env, VERIFY_FLEET_CONSTRUCT);
  const targets = readFleetTargets(op.env);
  const timeoutMinutes = reader.number(FLEET_VERIFY_TIMEOUT_MINUTES);
  const intervalSeconds = reader.number(VERIFY_INTERVAL_SECONDS);
  const requestSeconds = reader.number(VERIFY_REQUEST_SECONDS);
  const timeoutSeconds = timeoutMinutes * 60;

  op.phase = 'check';
  op.log(`checking ${targets.length} VM(s) for up to ${timeoutSeconds}s: each page must contain the VM's computer name`);
  const deadline = op.clock.now() + timeoutSeconds * 1000;
  let pending = targets;
  for (;;) {
    const problems = await inParallel(pending.length, MAX_PARALLEL_REQUESTS, (i) => problemOf(op, pending[i], requestSeconds));
    pending.forEach((target, i) => {
      if (problems[i] === undefined) {
        op.log(`${target.name}: OK (${target.url} answers with its computer name)`);
      }
    });
    const failing = pending.map((target, i) => ({ ...target, problem: problems[i] }))
      .filter((t): t is Target & { problem: string } => t.problem !== undefined);
    if (failing.length === 0) {
      op.log(`all ${targets.length} VM(s) answer with their own computer name`);
      return;
    }
    if (op.clock.now() >= deadline) {
      for (const target of failing) {
        op.print('  ', `${target.name} (${target.url}): ${target.problem}`, 'stderr');
      }
      op.fail(ExitCode.NOT_ANSWERED, `timed out after ${op.elapsedSeconds()}s (${FLEET_VERIFY_TIMEOUT_MINUTES.env}=${timeoutMinutes}): ${failing.length} of ${targets.length} `
        + 'VM(s) did not answer with their computer name. Check the NSG, the app port and that the image serves the machine-name page.');
    }
    for (const target of failing) {
      op.log(`${target.name}: waiting (${target.problem})`);
    }
    pending = failing;
    // Never past the deadline.
    await op.clock.sleep(Math.min(intervalSeconds * 1000, deadline - op.clock.now()), op.interrupt);
    op.checkInterrupted();
  }
}

/** Why a VM's page does not pass yet, or undefined when it shows the VM's computer name. */
async function problemOf(op: Operator, target: Target, requestSeconds: number): Promise<string | undefined> {
  const fetched = await fetchPage(op, target.url, requestSeconds);
  if ('problem' in fetched) {
    return fetched.problem;
  }
  return showsName(fetched.page, target.name) ? undefined : `the page does not contain '${target.name}'`;
}
