/**
 * The cloud's metadata and its identity platform: what a client reads before it talks to Resource Manager.
 * - `GET /metadata/endpoints?api-version=2022-09-01` (and later versions): one cloud's endpoints, the shape azurerm
 *   reads for `metadata_host` (`resourceManager` without a trailing slash, `authentication.loginEndpoint`,
 *   `microsoftGraphResourceId`: go-azure-sdk's sdk/internal/metadata/client.go and sdk/environments/from_endpoint.go,
 *   vendored in azurerm v4.55.0). `api-version=2018-01-01` (and 1.0): the older shape with `cloudEndpoint`, which
 *   azurerm reads for its list of regions (go-azure-helpers' resourcemanager/location/supported_azure.go: it compares
 *   `endpoint` with the resource manager's host).
 * - Tokens for a service principal's client secret (OAuth 2.0 client credentials): AAD's v2 form
 *   `POST /{tenant}/oauth2/v2.0/token` (scope), its v1 form `/{tenant}/oauth2/token` and ADFS's `/adfs/oauth2/token`
 *   (resource), with ADFS's OpenID configuration for MSAL. The token is a JWT whose claims clients read (`oid`, `tid`,
 *   `appid`: go-azure-sdk's sdk/claims/claims.go); nobody checks its signature, so it has none (`alg: none`).
 *   Resource Manager takes only tokens issued here.
 * - A wrong secret or an unknown client is refused as the identity platform refuses it (Microsoft Learn, "Microsoft
 *   Entra authentication and authorization error codes", https://learn.microsoft.com/entra/identity-platform/reference-error-codes:
 *   AADSTS7000215 "InvalidClientSecret - The provided client secret keys are invalid", AADSTS700016
 *   "UnauthorizedClient_DoesNotMatchRequest - The application wasn't found in the directory/tenant", AADSTS90002
 *   "InvalidTenantName - The tenant name wasn't found in the data store").
 */
import { AzureRequest, AzureResponse, Json, json } from './http';
import { same } from './ids';
import { LOCATIONS } from './resources';

/** The one identity this Azure knows: a service principal with a client secret. */
export interface ServicePrincipal {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The principal's object id (the token's `oid`). */
  readonly objectId: string;
}

/** The audiences Resource Manager accepts tokens for, as the public cloud lists them. */
const AUDIENCES = ['https://management.core.windows.net/', 'https://management.azure.com/'];

export class Identity {
  private readonly issued = new Set<string>();

  constructor(private readonly principal: ServicePrincipal) {}

  /** `GET /metadata/endpoints`, in the shape of the version asked for. */
  public metadata(request: AzureRequest): AzureResponse {
    const origin = request.origin;
    const version = request.query.get('api-version') ?? '';
    if (version === '2018-01-01' || version === '1.0') {
      return json(200, {
        galleryEndpoint: `${origin}/`,
        graphEndpoint: 'https://graph.windows.net/',
        portalEndpoint: `${origin}/`,
        authentication: { loginEndpoint: `${origin}/`, audiences: AUDIENCES },
        cloudEndpoint: { local: { endpoint: new URL(origin).host, locations: LOCATIONS } },
      });
    }
    return json(200, {
      portal: origin,
      authentication: { loginEndpoint: origin, audiences: AUDIENCES, tenant: 'common', identityProvider: 'AAD' },
      media: 'https://rest.media.azure.net',
      graphAudience: 'https://graph.windows.net/',
      graph: 'https://graph.windows.net/',
      name: 'LocalAzure',
      suffixes: {
        azureDataLakeStoreFileSystem: 'azuredatalakestore.net',
        acrLoginServer: 'azurecr.io',
        sqlServerHostname: 'database.windows.net',
        azureDataLakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
        keyVaultDns: 'vault.azure.net',
        storage: 'core.windows.net',
        azureFrontDoorEndpointSuffix: 'azurefd.net',
        storageSyncEndpointSuffix: 'afs.azure.net',
        mhsmDns: 'managedhsm.azure.net',
        mysqlServerEndpoint: 'mysql.database.azure.com',
        postgresqlServerEndpoint: 'postgres.database.azure.com',
        mariadbServerEndpoint: 'mariadb.database.azure.com',
        synapseAnalytics: 'dev.azuresynapse.net',
        attestationEndpoint: 'attest.azure.net',
      },
      batch: 'https://batch.core.windows.net/',
      resourceManager: origin,
      activeDirectoryDataLake: 'https://datalake.azure.net/',
      sqlManagement: 'https://management.core.windows.net:8443/',
      microsoftGraphResourceId: 'https://graph.microsoft.com/',
      appInsightsResourceId: 'https://api.applicationinsights.io',
      appInsightsTelemetryChannelResourceId: 'https://dc.applicationinsights.azure.com/v2/track',
      attestationResourceId: 'https://attest.azure.net',
      synapseAnalyticsResourceId: 'https://dev.azuresynapse.net',
      logAnalyticsResourceId: 'https://api.loganalytics.io',
      ossrDbmsResourceId: 'https://ossrdbms-aad.database.windows.net',
    });
  }

  /**
   * The identity platform's endpoints: `/{tenant}/oauth2/v2.0/token`, `/{tenant}/oauth2/token`, `/adfs/oauth2/token`,
   * `/adfs/.well-known/openid-configuration`; undefined for any other path.
   */
  public handle(request: AzureRequest, segments: string[]): AzureResponse | undefined {
    const lower = segments.map((s) => s.toLowerCase());
    if (lower[0] === 'adfs' && lower[1] === '.well-known' && lower[2] === 'openid-configuration' && request.method === 'GET') {
      return json(200, {
        issuer: `${request.origin}/adfs`,
        token_endpoint: `${request.origin}/adfs/oauth2/token`,
        authorization_endpoint: `${request.origin}/adfs/oauth2/authorize`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
      });
    }
    if (request.method !== 'POST' || lower[1] !== 'oauth2') {
      return undefined;
    }
    if (lower[0] === 'adfs' && lower[2] === 'token' && segments.length === 3) {
      return this.token(request, 'v1');
    }
    if (lower[2] === 'v2.0' && lower[3] === 'token' && segments.length === 4) {
      return this.tenantToken(request, segments[0], 'v2');
    }
    if (lower[2] === 'token' && segments.length === 3) {
      return this.tenantToken(request, segments[0], 'v1');
    }
    return undefined;
  }

  /** Whether a Resource Manager request carries a token issued here: undefined if so, else what is wrong. */
  public check(authorization: string | undefined): 'missing' | 'invalid' | undefined {
    if (authorization === undefined) {
      return 'missing';
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return match !== null && this.issued.has(match[1]) ? undefined : 'invalid';
  }

  /** The principal's object id: who Resource Manager's messages name as the actor. */
  public get actor(): string {
    return this.principal.objectId;
  }

  private tenantToken(request: AzureRequest, tenant: string, form: 'v1' | 'v2'): AzureResponse {
    if (!same(tenant, this.principal.tenantId) && !['common', 'organizations'].includes(tenant.toLowerCase())) {
      return oauthError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    return this.token(request, form);
  }

  private token(request: AzureRequest, form: 'v1' | 'v2'): AzureResponse {
    const fields = request.body ?? {};
    if (fields.grant_type !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (fields.client_id !== this.principal.clientId) {
      return oauthError(400, 'unauthorized_client', 700016,
        `Application with identifier '${fields.client_id}' was not found in the directory '${this.principal.tenantId}'.`);
    }
    if (fields.client_secret !== this.principal.clientSecret) {
      return oauthError(401, 'invalid_client', 7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.principal.clientId}'.`);
    }
    const resource: string = fields.resource ?? String(fields.scope ?? AUDIENCES[0]).split(' ')[0].replace(/\.default$/, '');
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresIn = 3599;
    const accessToken = unsignedJwt({
      aud: resource,
      iss: `https://sts.windows.net/${this.principal.tenantId}/`,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + expiresIn,
      appid: this.principal.clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${this.principal.tenantId}/`,
      idtyp: 'app',
      oid: this.principal.objectId,
      sub: this.principal.objectId,
      tid: this.principal.tenantId,
      ver: '1.0',
    });
    this.issued.add(accessToken);
    return form === 'v2'
      ? json(200, { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken })
      : json(200, { token_type: 'Bearer', expires_in: String(expiresIn), expires_on: String(issuedAt + expiresIn), resource, access_token: accessToken });
  }
}

/** The identity platform's error body (OAuth 2.0's `error` and `error_description`, with the AADSTS code). */
function oauthError(status: number, error: string, code: number, description: string): AzureResponse {
  return json(status, { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code] });
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** A JWT without signature: header and claims, and an empty third part. */
export function unsignedJwt(claims: Json): string {
  return `${base64url(JSON.stringify({ typ: 'JWT', alg: 'none' }))}.${base64url(JSON.stringify(claims))}.`;
}
