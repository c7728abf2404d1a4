/**
 * What the local Azure answers and is asked, independent of HTTPS: a request as the server read it (path with its
 * repeated slashes collapsed, the query, the JSON or form body) and the answer it writes. The HTTPS server
 * (server.ts) and the in-process unit tests both go through `LocalAzure.handle` with these.
 */

/** A JSON object as Azure sends and receives it. */
export type Json = { [key: string]: any };

export interface AzureRequest {
  readonly method: string;
  /** The path, URL-decoded per segment, with `//` collapsed (azurerm asks for `//metadata/endpoints`). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: { readonly [name: string]: string | undefined };
  /** The parsed body: JSON for Resource Manager, the form fields for the token endpoints. */
  readonly body?: Json;
  /** `https://127.0.0.1:<port>`: where the answer's absolute URLs (polling, paging) point. */
  readonly origin: string;
}

export interface AzureResponse {
  readonly status: number;
  readonly headers: { [name: string]: string };
  /** Written as JSON; none for 202/204 without a body. */
  readonly body?: unknown;
}

/** An answer with a JSON body. */
export function json(status: number, body: unknown, headers: { [name: string]: string } = {}): AzureResponse {
  return { status, headers, body };
}

/** An answer without a body. */
export function empty(status: number, headers: { [name: string]: string } = {}): AzureResponse {
  return { status, headers };
}

/** A request's path split into its segments (no empty ones). */
export function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** `path` without repeated or trailing slashes: `//metadata/endpoints/` is `/metadata/endpoints`. */
export function normalizePath(path: string): string {
  return `/${segmentsOf(path).join('/')}`;
}
