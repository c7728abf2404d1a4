/**
 * HTTP for the verification steps: one GET of a page with Node's own http and https modules (no curl), behind a small
 * interface so that the tests answer in-process instead.
 */
import * as http from 'http';
import * as https from 'https';

/** One GET. */
export interface PageRequest {
  /** An http(s) URL (the steps check it before any request). */
  readonly url: string;
  /** The limit of the whole request, redirects and body included (curl's --max-time). */
  readonly timeoutSeconds: number;
  /** Aborting it ends the request at once (an interruption). */
  readonly signal: AbortSignal;
}

/** What a GET gave: an answer (any status, after redirects), or why there was none. */
export type PageResult =
  | { readonly kind: 'answer'; readonly status: number; readonly statusText: string; readonly body: string }
  | { readonly kind: 'failed'; readonly error: string };

/** Fetches one page: Node's http/https in the program (`nodeHttpClient`), a simulation in tests. */
export type HttpClient = (request: PageRequest) => Promise<PageResult>;

/** The most of a page kept: a computer name is found near its start, and an error page may be large. */
export const MAX_PAGE_BYTES = 1024 * 1024;
/** Redirects followed (curl --location), each counted against the request's limit. */
export const MAX_REDIRECTS = 5;

/**
 * Node's http/https: every request on a new TCP connection (no agent, `Connection: close`), so that a load balancer
 * that picks a backend per connection (Azure's Standard load balancer: a hash of the 5-tuple, "Azure Load Balancer
 * distribution modes" on Microsoft Learn) picks anew for each; TLS certificates are checked as curl does. Redirects are
 * followed; at most MAX_PAGE_BYTES of the body are kept.
 */
export const nodeHttpClient: HttpClient = (request) => new Promise<PageResult>((resolve) => {
  let settled = false;
  let current: http.ClientRequest | undefined;
  const finish = (result: PageResult) => {
    if (!settled) {
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      current?.destroy();
      resolve(result);
    }
  };
  const timer = setTimeout(() => finish({ kind: 'failed', error: `no answer within ${request.timeoutSeconds}s` }), request.timeoutSeconds * 1000);
  const onAbort = () => finish({ kind: 'failed', error: 'interrupted' });
  if (request.signal.aborted) {
    onAbort();
    return;
  }
  request.signal.addEventListener('abort', onAbort, { once: true });

  const get = (url: URL, redirects: number) => {
    const client = url.protocol === 'https:' ? https : http;
    current = client.get(url, { agent: false, headers: { 'Connection': 'close', 'User-Agent': 'azure-golden-image-operator' } }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location !== undefined) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) {
          finish({ kind: 'failed', error: `more than ${MAX_REDIRECTS} redirects` });
          return;
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          finish({ kind: 'failed', error: `a redirect to ${JSON.stringify(location.slice(0, 200))}, which is no URL` });
          return;
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          finish({ kind: 'failed', error: `a redirect to ${next.protocol} (only http and https are followed)` });
          return;
        }
        get(next, redirects + 1);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => finish({
        kind: 'answer', status, statusText: response.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8'),
      });
      response.on('data', (chunk: Buffer) => {
        if (size < MAX_PAGE_BYTES) {
          chunks.push(chunk.subarray(0, MAX_PAGE_BYTES - size));
          size += chunk.length;
        }
        if (size >= MAX_PAGE_BYTES) {
          done();
        }
      });
      response.on('end', done);
      response.on('error', (error) => finish({ kind: 'failed', error: error.message }));
    });
    current.on('error', (error) => finish({ kind: 'failed', error: error.message }));
  };

  try {
    get(new URL(request.url), 0);
  } catch (error) {
    finish({ kind: 'failed', error: (error as Error).message });
  }
});
