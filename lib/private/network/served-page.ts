/**
 * The page a setup serves in the image, and the checks of everything that fetches it: the setup's own smoke test, the
 * canary of a gallery version, a fleet's URLs and verification, a scale set's health probe and URL. Each of these
 * needs the page's scheme and port (and path); one that cannot reach the page fails only after the bake (30-60
 * minutes), or never serves traffic (a scale set whose probe finds every instance unhealthy). What is known:
 *
 * - `WindowsSetup.iisAspNet()` without steps of the user's own serves exactly one page: `Default.aspx` at the root of
 *   IIS's Default Web Site, whose only binding on a fresh Windows Server is `http` on port 80 (`*:80:`); its
 *   `iisstart.htm` is removed (lib/scripts/guest/deploy-machine-name-page.ps1). Anything else is a mismatch.
 * - Any setup with a smoke test on the machine itself (`localhost`, `127.x.x.x`) proves that scheme on that port: a
 *   port serves either TLS or plain HTTP (an `https` binding of IIS's http.sys takes the port for TLS), so the other
 *   scheme on the same port is a mismatch. Other ports and paths are the user's steps' business: not judged.
 *
 * The page travels with the image through a registry keyed by object (setup, build VM, images and their views), so the
 * public API carries nothing of it.
 */
import { NumberCheck, noneOf, oneOf } from '../validation/number-rules';
import { describeValue, isUnresolved, PropsValidator } from '../validation/props-validator';

export type Scheme = 'http' | 'https';

/** Where a page is fetched: scheme, port and path (without the query). */
export interface PageAddress {
  readonly scheme: Scheme;
  readonly port: number;
  readonly path: string;
}

/** A site whose every page is known: its only scheme and port, and its only paths (compared without regard to case, as IIS does). */
export interface KnownSite {
  readonly scheme: Scheme;
  readonly port: number;
  readonly paths: readonly string[];
  /** The site in words, for messages. */
  readonly what: string;
}

export interface ServedPage {
  /** The setup, as messages name it: `WindowsSetup.iisAspNet without steps of your own`. */
  readonly setup: string;
  /** The site that alone serves the page, when the setup is fully known. */
  readonly only?: KnownSite;
  /** The scheme and port the setup's smoke test proved, and its URL. */
  readonly proven?: { readonly scheme: Scheme; readonly port: number; readonly url: string };
}

/** IIS's Default Web Site on a fresh Windows Server: `Default.aspx` (its default document) over http on port 80. */
export const IIS_DEFAULT_SITE: KnownSite = {
  scheme: 'http',
  port: 80,
  paths: ['/', '/Default.aspx'],
  what: "IIS's Default Web Site, whose only binding is http on port 80, with Default.aspx at its root",
};

const pages = new WeakMap<object, ServedPage>();

/** Records the page `owner` (a setup, a build VM, an image) serves. */
export function recordServedPage(owner: object, page: ServedPage | undefined): void {
  if (page) {
    pages.set(owner, page);
  }
}

/** Records that `derived` (a build VM, an image, a view of one) serves what `source` serves. */
export function inheritServedPage(derived: object, source: object | undefined): void {
  recordServedPage(derived, source === undefined || source === null ? undefined : pages.get(source));
}

/** The page `owner` serves, when its setup is known. */
export function servedPageOf(owner: object | undefined): ServedPage | undefined {
  return owner === undefined || owner === null ? undefined : pages.get(owner);
}

/** The scheme, port and path of an http(s) URL on the machine itself (`localhost`, `127.x.x.x`); undefined otherwise. */
export function localPageAddress(url: string | undefined): PageAddress | undefined {
  if (typeof url !== 'string' || isUnresolved(url)) {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const scheme = parsed.protocol === 'http:' ? 'http' : parsed.protocol === 'https:' ? 'https' : undefined;
  const host = parsed.hostname.toLowerCase();
  if (scheme === undefined || !(host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))) {
    return undefined;
  }
  return { scheme, port: parsed.port === '' ? defaultPort(scheme) : Number(parsed.port), path: parsed.pathname };
}

function defaultPort(scheme: Scheme): number {
  return scheme === 'http' ? 80 : 443;
}

/** The page a setup serves: `only` when the setup is fully known, `proven` by a smoke test on the machine itself. */
export function servedPage(setup: string, smokeTestUrl: string | undefined, only?: KnownSite): ServedPage {
  const address = localPageAddress(smokeTestUrl);
  return {
    setup,
    only,
    proven: address === undefined ? undefined : { scheme: address.scheme, port: address.port, url: smokeTestUrl! },
  };
}

/** What fetches the page, for messages. */
export interface PageConsumer {
  /** How it fetches: `the fleet's URLs and their verification (verifyUrls) use plain http`. */
  readonly plainHttp: string;
  /** What a mismatch does: `every URL of the fleet would go unanswered`. */
  readonly consequence: string;
}

/**
 * The checks of a port the page is fetched from over plain http (a fleet's or scale set's `appPort`): the only port of
 * a fully known setup; not a port its smoke test proved to serve https.
 */
export function servedPortChecks(page: ServedPage | undefined, consumer: PageConsumer): NumberCheck[] {
  const checks: NumberCheck[] = [];
  if (page?.only && page.only.scheme === 'http') {
    checks.push(oneOf([page.only.port], `is not the port the image serves its page on: its setup, ${page.setup}, serves it on http port `
      + `${page.only.port} only (${page.only.what}), so ${consumer.consequence}`,
    `pass ${page.only.port} (the default), or give the setup a step (stepsAfter) that binds IIS to that port, e.g. New-WebBinding -Name 'Default Web Site' `
      + "-Protocol http -Port <port>, and smoke-test it there (smokeTest: { url: 'http://localhost:<port>/' })"));
  }
  if (page?.proven && page.proven.scheme === 'https') {
    checks.push(noneOf([page.proven.port], 'is the port the image serves its page on over https (the setup\'s smoke test fetches '
      + `${describeValue(page.proven.url)}), but ${consumer.plainHttp}, so ${consumer.consequence}`,
    'serve plain http on a port of its own (a binding in a setup step, smoke-tested) and pass that port, or terminate TLS in front of the VMs '
      + '(Azure Application Gateway or Front Door)'));
  }
  return checks;
}

/**
 * Records a problem with `prop` when the page at `url` (on the machine itself) cannot be the page the setup serves:
 * another scheme, port or path than a fully known setup's, or the other scheme on the port its smoke test proved.
 */
export function checkPageUrl(v: PropsValidator, prop: string, url: string | undefined, page: ServedPage | undefined, consequence: string,
  fix: string): void {
  const address = localPageAddress(url);
  if (address === undefined || page === undefined) {
    return;
  }
  const only = page.only;
  if (only && (address.scheme !== only.scheme || address.port !== only.port || !servesPath(only, address.path))) {
    const what = address.scheme !== only.scheme ? `is ${address.scheme}` : address.port !== only.port ? `is on port ${address.port}` : `asks for ${describeValue(address.path)}`;
    v.fail(prop, url, `${what}, but the image's setup, ${page.setup}, serves its page only at ${only.scheme}://localhost${only.port === defaultPort(only.scheme) ? '' : `:${only.port}`}`
      + `${only.paths[0]} (${only.what}), so ${consequence}`, fix);
    return;
  }
  const proven = page.proven;
  if (proven && address.port === proven.port && address.scheme !== proven.scheme) {
    v.fail(prop, url, `is ${address.scheme} on port ${address.port}, where the image serves its page over ${proven.scheme} (the setup's smoke test fetches `
      + `${describeValue(proven.url)}), so ${consequence}`, `fetch ${describeValue(proven.url)}, or ${fix}`);
  }
}

/**
 * Records a problem with `prop` when `path` (a health probe's) is not a page a fully known setup serves: every request
 * there would answer 404.
 */
export function checkServedPath(v: PropsValidator, prop: string, path: string | undefined, page: ServedPage | undefined, consequence: string,
  fix: string): void {
  const only = page?.only;
  if (typeof path !== 'string' || isUnresolved(path) || only === undefined) {
    return;
  }
  if (!servesPath(only, path.replace(/\?.*$/, ''))) {
    v.fail(prop, path, `is not a page the image serves: its setup, ${page!.setup}, serves only ${only.paths.map((p) => describeValue(p)).join(' and ')} `
      + `(${only.what}), so ${consequence}`, fix);
  }
}

function servesPath(site: KnownSite, path: string): boolean {
  return site.paths.some((served) => served.toLowerCase() === path.toLowerCase());
}
