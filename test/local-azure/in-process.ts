/**
 * The local Azure called in-process, for its unit tests: requests go straight to `LocalAzure.handle` (no TLS, no
 * sockets), logged in as its service principal like a client would be.
 */
import { AzureResponse, Json, normalizePath } from './http';
import { LocalAzure, LocalAzureOptions } from './local-azure';

/** The API versions azurerm 4.55 uses, so that requests look like the provider's. */
export const API = { resources: '2022-09-01', network: '2024-05-01', compute: '2024-03-01' };

export interface RequestOptions {
  readonly body?: Json;
  /** Form fields (the token endpoints). */
  readonly form?: { [field: string]: string };
  /** Replace the Authorization header the client sends. */
  readonly headers?: { [name: string]: string };
}

export class InProcessAzure {
  /** A response's JSON body. */
  public static body(response: AzureResponse): Json {
    return response.body as Json;
  }

  public readonly azure: LocalAzure;
  public readonly origin = 'https://127.0.0.1:44300';
  private readonly token: string;

  constructor(options: LocalAzureOptions = {}) {
    this.azure = new LocalAzure(options);
    const { clientId, clientSecret, tenantId } = this.azure.principal;
    const answer = this.request('POST', `/${tenantId}/oauth2/v2.0/token`, {
      form: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://management.azure.com/.default' },
    });
    this.token = (answer.body as Json).access_token;
  }

  /** The subscription's path, `/subscriptions/<id>`. */
  public get subscription(): string {
    return `/subscriptions/${this.azure.subscriptionId}`;
  }

  /** A group's path. */
  public group(name: string): string {
    return `${this.subscription}/resourceGroups/${name}`;
  }

  /** One request; `path` may carry a query. Resource Manager requests carry the token unless `headers` replace it. */
  public request(method: string, path: string, options: RequestOptions = {}): AzureResponse {
    const url = new URL(`${this.origin}${path}`);
    return this.azure.handle({
      method,
      path: normalizePath(url.pathname),
      query: url.searchParams,
      headers: options.headers ?? (this.token ? { authorization: `Bearer ${this.token}` } : {}),
      body: options.body ?? options.form,
      origin: this.origin,
    });
  }

  public get(path: string, version = API.network): AzureResponse {
    return this.request('GET', withVersion(path, version));
  }

  public put(path: string, body: Json, version = API.network): AzureResponse {
    return this.request('PUT', withVersion(path, version), { body });
  }

  public patch(path: string, body: Json, version = API.network): AzureResponse {
    return this.request('PATCH', withVersion(path, version), { body });
  }

  public delete(path: string, version = API.network): AzureResponse {
    return this.request('DELETE', withVersion(path, version));
  }
}

function withVersion(path: string, version: string): string {
  return path.includes('api-version=') ? path : `${path}${path.includes('?') ? '&' : '?'}api-version=${version}`;
}
