/**
 * Azure's refusals, in Azure's shapes: Resource Manager and its resource providers answer
 * `{"error":{"code","message"[,"target","details"]}}` with the HTTP status (Microsoft Learn, "Azure REST API
 * reference", common error response: https://learn.microsoft.com/rest/api/azure/#error-response-body); the
 * identity platform answers OAuth's `{"error","error_description","error_codes"}` (identity.ts).
 *
 * Each builder here is one of Azure's answers, with the page or report it is taken from.
 */
import { AzureResponse, json } from './http';

/** A refusal, thrown by the code that checks a rule and turned into the answer by `LocalAzure.handle`. */
export class AzureError extends Error {
  /** The errors behind it (a deployment's failed resources), shown as the error's `details`. */
  public details?: Array<{ code: string; message: string }>;

  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly target?: string,
    public readonly headers: { [name: string]: string } = {},
  ) {
    super(message);
  }


  /** The error object of Azure's answers: code, message, and target and details when it has them. */
  public toJson(): { [key: string]: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.target !== undefined ? { target: this.target } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }

  /** The answer Azure writes for it. */
  public toResponse(): AzureResponse {
    const error = this.toJson();
    return json(this.status, { error }, this.headers);
  }
}

/**
 * A resource that does not exist, as Resource Manager words it (Microsoft Learn, "Resolve resource not found errors",
 * https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-not-found: "Code=ResourceNotFound;
 * Message=The Resource 'Microsoft.Storage/storageAccounts/{storage name}' under resource group {resource group name}
 * was not found"; the live text quotes the group and adds the aka.ms link).
 */
export function resourceNotFound(typeAndName: string, resourceGroup: string): AzureError {
  return new AzureError(404, 'ResourceNotFound',
    `The Resource '${typeAndName}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

/** A missing resource group (the same page: "Code=ResourceGroupNotFound"; "Resource group '{name}' could not be found."). */
export function resourceGroupNotFound(resourceGroup: string): AzureError {
  return new AzureError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

/** A subscription this Azure does not hold (Resource Manager's 404 `SubscriptionNotFound`). */
export function subscriptionNotFound(subscriptionId: string): AzureError {
  return new AzureError(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

/**
 * A missing child of an existing parent, as the network resource provider answers it (the same page: "There are two
 * error codes that indicate the resource can't be found. The NotFound error ..."; Microsoft.Network words it
 * "Resource {id} not found.").
 */
export function childNotFound(id: string): AzureError {
  return new AzureError(404, 'NotFound', `Resource ${id} not found.`);
}

/**
 * A reference to a resource that does not exist, e.g. a NIC in a subnet of a VNet that is not there (Microsoft Learn,
 * "Troubleshoot common Azure deployment errors", https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors:
 * "InvalidResourceReference: The resource either doesn't yet exist or is incorrectly referenced"; Microsoft.Network's
 * wording, HTTP 400).
 */
export function invalidResourceReference(referencedId: string, referencingId: string): AzureError {
  return new AzureError(400, 'InvalidResourceReference',
    `Resource ${referencedId} referenced by resource ${referencingId} was not found. Please make sure that the referenced resource exists, `
    + 'and that both resources are in the same region.');
}

/**
 * A PUT of a name that exists in the resource group, but in another region: the name is taken, the PUT is no update
 * (409 `InvalidResourceLocation`; Microsoft Learn, "Troubleshoot Azure Compute Gallery", https://learn.microsoft.com/troubleshoot/azure/virtual-machines/windows/troubleshoot-shared-images:
 * "The resource <galleryName> already exists in location <region_1> in resource group <resourceGroup>. A resource with
 * the same name cannot be created in location <region_2>. Please select a new resource name.", the same for every type).
 */
export function invalidResourceLocation(name: string, existingLocation: string, resourceGroup: string, location: string): AzureError {
  return new AzureError(409, 'InvalidResourceLocation', `The resource '${name}' already exists in location '${existingLocation}' in resource group '${resourceGroup}'. `
    + `A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`);
}

/** A request body without a required property (Resource Manager's 400 `InvalidRequestContent`, e.g. a VNet without address space). */
export function invalidRequestContent(message: string): AzureError {
  return new AzureError(400, 'InvalidRequestContent', message);
}

/**
 * A tracked resource without `location` (Resource Manager's 400 `LocationRequired`, "The location property is required
 * for this definition."; Microsoft Learn, "Resource location": every tracked resource has one).
 */
export function locationRequired(): AzureError {
  return new AzureError(400, 'LocationRequired', 'The location property is required for this definition.');
}

/**
 * No `api-version` (Resource Manager's 400 `MissingApiVersionParameter`: every Resource Manager request names its API
 * version, Microsoft Learn, "Azure REST API reference", "api-version").
 */
export function missingApiVersion(): AzureError {
  return new AzureError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
}

/**
 * A resource type this Azure does not know (Resource Manager's 400 `InvalidResourceType`, "The resource type '{type}'
 * could not be found in the namespace '{namespace}' for api version '{version}'."; "Troubleshoot common Azure deployment
 * errors" lists it). Here it also means "not built yet": the local Azure holds only the types the library creates.
 */
export function invalidResourceType(type: string, namespace: string, apiVersion: string): AzureError {
  return new AzureError(400, 'InvalidResourceType', `The resource type '${type}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`);
}

/**
 * Resource Manager's throttling (Microsoft Learn, "Understand how Azure Resource Manager throttles requests",
 * https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling: "When you reach
 * the limit, you receive the HTTP status code 429 Too many requests. The response includes a Retry-After value, which
 * specifies the number of seconds your application should wait"; the code and wording as ARM sends them since its
 * token-bucket limits, e.g. "Number of 'read' requests for subscription '...' actor '...' exceeded. Please try again
 * after '10' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional
 * information.").
 */
export function throttled(kind: 'read' | 'write' | 'delete', subscriptionId: string, actor: string, retryAfterSeconds: number): AzureError {
  return new AzureError(429, 'SubscriptionRequestsThrottled',
    `Number of '${kind}' requests for subscription '${subscriptionId}' actor '${actor}' exceeded. Please try again after '${retryAfterSeconds}' seconds `
    + 'after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.',
    undefined, { 'Retry-After': String(retryAfterSeconds) });
}

/**
 * Resource Manager without a usable token (401; the `WWW-Authenticate` header names the authority). Microsoft Learn,
 * "Azure REST API reference", "Create the request": every request carries `Authorization: Bearer <token>`.
 */
export function authenticationFailed(reason: 'missing' | 'invalid', authority: string): AzureError {
  const description = reason === 'missing' ? "The authentication failed because of missing 'Authorization' header." : 'The access token is invalid.';
  const headers = { 'WWW-Authenticate': `Bearer authorization_uri="${authority}", error="invalid_token", error_description="${description}"` };
  return reason === 'missing'
    ? new AzureError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", undefined, headers)
    : new AzureError(401, 'InvalidAuthenticationToken', description, undefined, headers);
}
