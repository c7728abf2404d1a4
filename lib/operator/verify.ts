/**
 * What the two verification steps share (verify-fleet: every VM's own URL; verify-scale-set: the URL of a load
 * balancer): their tuning inputs, a page fetched and judged as curl --fail judged it, a computer name found in a page,
 * and how names and pages are shown in messages.
 */
import { NumberInput } from './inputs';
import { Operator } from './operator';

/** The timeout of a verification, in its construct's unit; each step gives its own bounds (its construct's). */
export const VERIFY_TIMEOUT_MINUTES_ENV = 'GOLDEN_VERIFY_TIMEOUT_MINUTES';
/** Pause between two rounds of requests (verify-fleet) or two looks at Azure (verify-scale-set). */
export const VERIFY_INTERVAL_SECONDS: NumberInput = { env: 'VERIFY_INTERVAL_SECONDS', min: 1, max: 3600, default: 10 };
/** The limit of one HTTP request. */
export const VERIFY_REQUEST_SECONDS: NumberInput = { env: 'VERIFY_REQUEST_SECONDS', min: 1, max: 600, default: 10 };
/** Requests in flight at once. */
export const MAX_PARALLEL_REQUESTS = 32;
/** Names listed in one message at most. */
export const MAX_NAMES_SHOWN = 20;

/** A fetched page, or why there is none. */
export type Fetched = { readonly page: string } | { readonly problem: string };

/**
 * GETs `url`: its page when the answer is a success, else the problem, as `curl --fail` saw it: no answer (the error),
 * or an HTTP error status (400 and above). Throws `Interrupted` when the step was interrupted meanwhile.
 */
export async function fetchPage(op: Operator, url: string, requestSeconds: number): Promise<Fetched> {
  const result = await op.http({ url, timeoutSeconds: requestSeconds, signal: op.interrupt });
  op.checkInterrupted();
  if (result.kind === 'failed') {
    return { problem: result.error };
  }
  if (result.status >= 400) {
    return { problem: `HTTP ${result.status}${result.statusText ? ` ${result.statusText}` : ''}` };
  }
  return { page: result.body };
}

/** Whether a page shows a computer name: Windows writes it in capitals, Azure names the VM in lower case. */
export function showsName(page: string, name: string): boolean {
  return page.toLowerCase().includes(name.toLowerCase());
}

/** A page's text, short and printable, for messages: tags and control characters out, spaces squeezed, 120 characters. */
export function pageExcerpt(page: string): string {
  return page.slice(0, 4000)
    .replace(/[\r\n\t]/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .replace(/^ /, '')
    .slice(0, 120);
}

/** `a, b, c`: the first MAX_NAMES_SHOWN names, and how many more. */
export function nameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_SHOWN).join(', ');
  return names.length > MAX_NAMES_SHOWN ? `${shown} and ${names.length - MAX_NAMES_SHOWN} more` : shown;
}

/**
 * Runs `task(0)` .. `task(count - 1)`, at most `limit` at a time, and returns their results in order; once `stopped()`
 * says so, no further task starts (its result is undefined).
 */
export async function inParallel<T>(count: number, limit: number, task: (index: number) => Promise<T>,
  stopped: () => boolean = () => false): Promise<Array<T | undefined>> {
  const results: Array<T | undefined> = new Array(count).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < count && !stopped()) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
