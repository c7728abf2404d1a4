/**
 * ARM template deployments in a resource group (`PUT .../resourceGroups/{group}/providers/Microsoft.Resources/
 * deployments/{name}`; Microsoft Learn, "Deployments - Create Or Update" and "Understand the structure and syntax of
 * ARM templates"), as far as `az vm create` uses them: it builds a template of the VM and what it needs (a VNet, a NIC,
 * ...; azure-cli's vm/_template_builder.py) and deploys it in incremental mode, then follows the operation. Each of the
 * template's resources is created by a PUT of its own through this local Azure (so every rule of its type applies), in
 * the template's order, each only once the resources it `dependsOn` exist. The template language is held as far as
 * those templates use it: `[parameters('…')]`, `[variables('…')]`, `[resourceId('type', 'name'…)]`, `[concat(…)]`
 * and string literals; anything else fails the deployment as `InvalidTemplate` (a gap of this local Azure).
 *
 * A resource that Azure refuses fails the deployment: its operation ends `Failed` with Resource Manager's
 * `DeploymentFailed`, "At least one resource deployment operation failed. Please list deployment operations for
 * details. Please see https://aka.ms/arm-deployment-operations for usage details.", the resource's own error in its
 * `details` (Azure's answer as quoted in azure-cli issue 27975); what was created before it stays (incremental mode).
 */
import { AzureError } from './errors';
import { AzureRequest, AzureResponse, Json, json } from './http';
import { normalizeLocation } from './ids';
import { AzureState, clone } from './resource-manager';

/** How a deployment sends one of its resources: a request of its own to this Azure, with the deployment's token. */
export type Send = (request: AzureRequest) => AzureResponse;

const DEPLOYMENT = 'Microsoft.Resources/deployments';

/** The deployments of each group, by lower-case id (they are not resources a group's listing shows). */
export class Deployments {
  private readonly deployments = new Map<string, Json>();

  constructor(private readonly azure: AzureState, private readonly send: Send) {}

  /** A request on `<group id>/providers/Microsoft.Resources/deployments/{name}`. */
  public handle(request: AzureRequest, groupId: string, name: string): AzureResponse {
    const id = `${groupId}/providers/${DEPLOYMENT}/${name}`;
    if (request.method === 'GET') {
      const deployment = this.deployments.get(id.toLowerCase());
      if (deployment === undefined) {
        throw new AzureError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);
      }
      return json(200, clone(deployment));
    }
    if (request.method !== 'PUT') {
      throw new AzureError(405, 'MethodNotAllowed', `The requested method '${request.method}' is not allowed.`);
    }
    const properties = request.body?.properties ?? {};
    const deployment: Json = {
      id,
      name,
      type: DEPLOYMENT,
      properties: {
        templateHash: String(JSON.stringify(properties.template ?? {}).length),
        mode: properties.mode ?? 'Incremental',
        provisioningState: 'Running',
        timestamp: this.azure.now(),
        correlationId: this.azure.guid(),
        outputResources: [],
      },
    };
    this.deployments.set(id.toLowerCase(), deployment);
    let failure: AzureError | undefined;
    try {
      deployment.properties.outputResources = this.deploy(request, groupId, properties.template ?? {}, properties.parameters ?? {});
      deployment.properties.provisioningState = 'Succeeded';
    } catch (error) {
      if (!(error instanceof AzureError)) {
        throw error;
      }
      failure = error;
      deployment.properties.provisioningState = 'Failed';
      deployment.properties.error = error.toJson();
    }
    const pending = failure === undefined ? Promise.resolve(undefined) : Promise.reject(failure);
    // Settled at once: the operation must not count as unhandled while it waits for its first poll.
    pending.catch(() => undefined);
    const headers = this.azure.startOperation(request, 'Microsoft.Resources', 'global', id, false, pending);
    return json(201, { ...clone(deployment), properties: { ...deployment.properties, provisioningState: 'Accepted' } }, headers);
  }

  /** Creates the template's resources in order; returns their ids. */
  private deploy(request: AzureRequest, groupId: string, template: Json, parameterValues: Json): Json[] {
    const context: Context = { groupId, parameters: {}, variables: template.variables ?? {} };
    for (const [key, definition] of Object.entries<Json>(template.parameters ?? {})) {
      context.parameters[key] = parameterValues[key]?.value ?? definition.defaultValue;
    }
    const created = new Set<string>();
    const outputs: Json[] = [];
    for (const resource of template.resources ?? []) {
      const evaluated = evaluate(resource, context) as Json;
      const { type, name, apiVersion, dependsOn, ...body } = evaluated;
      for (const dependency of (dependsOn ?? []) as string[]) {
        const dependencyId = dependency.startsWith('/') ? dependency : `${groupId}/providers/${pathOf(dependency.split('/').slice(0, 2).join('/'),
          dependency.split('/').slice(2).join('/'))}`;
        if (!created.has(dependencyId.toLowerCase())) {
          throw invalidTemplate(`The resource '${type}/${name}' depends on '${dependency}', which is not defined before it in the template.`);
        }
      }
      const path = `${groupId}/providers/${pathOf(type, name)}`;
      const answer = this.send({ ...request, method: 'PUT', path, query: new URLSearchParams({ 'api-version': apiVersion }), body: withoutCopy(body) });
      if (answer.status >= 400) {
        const error = (answer.body as Json)?.error ?? { code: 'Unknown', message: `HTTP ${answer.status}` };
        const failed = new AzureError(400, 'DeploymentFailed', 'At least one resource deployment operation failed. Please list deployment operations for '
          + 'details. Please see https://aka.ms/arm-deployment-operations for usage details.');
        failed.details = [{ code: error.code, message: error.message }];
        throw failed;
      }
      created.add(path.toLowerCase());
      outputs.push({ id: path });
    }
    return outputs;
  }
}

/** What a template's expressions can refer to. */
interface Context {
  readonly groupId: string;
  readonly parameters: Json;
  readonly variables: Json;
}

function invalidTemplate(message: string): AzureError {
  return new AzureError(400, 'InvalidTemplate', `Deployment template validation failed: '${message}'.`);
}

/** `Microsoft.Network/virtualNetworks/subnets` named `vnet/snet`: `Microsoft.Network/virtualNetworks/vnet/subnets/snet`. */
function pathOf(type: string, name: string): string {
  const [namespace, ...types] = type.split('/');
  const names = name.split('/');
  return `${namespace}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
}

/** A resource's body without what only the template knows. */
function withoutCopy(body: Json): Json {
  const { condition, copy, comments, ...rest } = body;
  return { ...rest, ...(rest.location !== undefined ? { location: normalizeLocation(rest.location) } : {}) };
}

/** Every string of `value` that is an expression (`[...]`, not `[[`) replaced by its value. */
function evaluate(value: unknown, context: Context): unknown {
  if (typeof value === 'string') {
    return value.startsWith('[') && value.endsWith(']') && !value.startsWith('[[') ? new Expression(value.slice(1, -1), context).evaluate() : value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => evaluate(v, context));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, context)]));
  }
  return value;
}

/** One template expression: function calls and string literals. */
class Expression {
  private position = 0;

  constructor(private readonly text: string, private readonly context: Context) {}

  public evaluate(): unknown {
    const value = this.value();
    this.skipSpaces();
    if (this.position !== this.text.length) {
      throw invalidTemplate(`The template language expression '${this.text}' is not valid`);
    }
    return value;
  }

  private skipSpaces(): void {
    while (this.text[this.position] === ' ') {
      this.position++;
    }
  }

  private value(): unknown {
    this.skipSpaces();
    if (this.text[this.position] === '\'') {
      let literal = '';
      this.position++;
      for (;;) {
        const c = this.text[this.position++];
        if (c === undefined) {
          throw invalidTemplate(`The template language expression '${this.text}' has an unterminated string`);
        }
        if (c === '\'') {
          if (this.text[this.position] !== '\'') {
            return literal;
          }
          this.position++;
        }
        literal += c;
      }
    }
    const name = /^[A-Za-z][A-Za-z0-9]*/.exec(this.text.slice(this.position))?.[0];
    if (name === undefined) {
      throw invalidTemplate(`The template language expression '${this.text}' is not valid`);
    }
    this.position += name.length;
    this.skipSpaces();
    const args: unknown[] = [];
    if (this.text[this.position] !== '(') {
      throw invalidTemplate(`The template language expression '${this.text}' is not valid`);
    }
    this.position++;
    this.skipSpaces();
    while (this.text[this.position] !== ')') {
      args.push(this.value());
      this.skipSpaces();
      if (this.text[this.position] === ',') {
        this.position++;
      } else if (this.text[this.position] !== ')') {
        throw invalidTemplate(`The template language expression '${this.text}' is not valid`);
      }
    }
    this.position++;
    return this.call(name, args);
  }

  private call(name: string, args: unknown[]): unknown {
    switch (name.toLowerCase()) {
      case 'parameters': return this.context.parameters[String(args[0])];
      case 'variables': return this.context.variables[String(args[0])];
      case 'concat': return args.every((a) => Array.isArray(a)) ? args.flat() : args.map(String).join('');
      case 'resourceid': {
        const strings = args.map(String);
        const typeIndex = strings.findIndex((s) => s.includes('/') && !s.startsWith('/'));
        const type = strings[typeIndex];
        const names = strings.slice(typeIndex + 1);
        return `${this.context.groupId}/providers/${pathOf(type, names.join('/'))}`;
      }
      default: throw invalidTemplate(`The template function '${name}' is not known to this local Azure`);
    }
  }
}
