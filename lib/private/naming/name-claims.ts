/**
 * The Azure names every construct makes, claimed at synth time so that two constructs never make two resources of one
 * type under one name in one resource group (or one VNet, one gallery). Azure compares names case-insensitively, so
 * `Web` and `web` are one name: the second resource fails the deploy with "already exists" (or, for the image and
 * version lines of the operator stage, quietly shares the first one's images and deletes them as its own).
 *
 * Where names are compared:
 * - within one stack, always;
 * - across the stacks of one app only when both stacks' azurerm providers (the default one, without alias) name the
 *   same subscription: the same `subscriptionId`, or none in both (both then deploy to the environment's subscription,
 *   `ARM_SUBSCRIPTION_ID` or the Azure CLI's). A stack whose provider is created after the construct, or names another
 *   subscription, is compared with no other stack: a false alarm would block a valid program.
 *
 * A resource group given as a literal is compared by its lower-case name; one given as a token matches the same
 * reference (`rg.name` read twice: cdktf makes a new token string at every read, so the strings differ), or the group it
 * names when a construct of this library created it (`rememberResourceGroup`). Names that are tokens are skipped (unknown until apply).
 */
import type { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { TerraformProvider, TerraformStack, Token, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';
import { PropsValidator } from '../validation/props-validator';

/** A type of Azure resource, as Azure keys its names, and as messages call it. */
export interface AzureResourceKind {
  readonly type: string;
  readonly label: string;
}

/** The resource types whose names the constructs claim; the lines are the operator stage's, compared like names. */
export const AZURE_RESOURCE = {
  RESOURCE_GROUP: { type: 'Microsoft.Resources/resourceGroups', label: 'resource group' },
  VIRTUAL_MACHINE: { type: 'Microsoft.Compute/virtualMachines', label: 'VM' },
  SCALE_SET: { type: 'Microsoft.Compute/virtualMachineScaleSets', label: 'scale set' },
  MANAGED_IMAGE: { type: 'Microsoft.Compute/images', label: 'managed image' },
  /** The operator stage's images `<line>-<revision>`, tagged `golden-image-name=<line>`: captured and pruned by line. */
  IMAGE_LINE: { type: 'Microsoft.Compute/images#line', label: 'image line' },
  MANAGED_DISK: { type: 'Microsoft.Compute/disks', label: 'managed disk' },
  GALLERY: { type: 'Microsoft.Compute/galleries', label: 'gallery' },
  GALLERY_IMAGE: { type: 'Microsoft.Compute/galleries/images', label: 'image definition' },
  /** Publisher, offer and SKU together identify a definition within its gallery. */
  GALLERY_IMAGE_IDENTIFIER: { type: 'Microsoft.Compute/galleries/images#identifier', label: 'image definition identifier' },
  /** The versions a GalleryImageVersion publishes to a definition, promotes and prunes by line. */
  VERSION_LINE: { type: 'Microsoft.Compute/galleries/images/versions#line', label: 'version line of image definition' },
  NETWORK_INTERFACE: { type: 'Microsoft.Network/networkInterfaces', label: 'NIC' },
  PUBLIC_IP: { type: 'Microsoft.Network/publicIPAddresses', label: 'public IP' },
  VIRTUAL_NETWORK: { type: 'Microsoft.Network/virtualNetworks', label: 'VNet' },
  SUBNET: { type: 'Microsoft.Network/virtualNetworks/subnets', label: 'subnet' },
  NETWORK_SECURITY_GROUP: { type: 'Microsoft.Network/networkSecurityGroups', label: 'NSG' },
  LOAD_BALANCER: { type: 'Microsoft.Network/loadBalancers', label: 'load balancer' },
} as const;

/** Where names must be unique: a resource group, the subscription (for groups), or a parent resource. */
export interface NameScope {
  readonly key: string;
  readonly description: string;
}

/** One name a construct makes. */
export interface ClaimedName {
  readonly kind: AzureResourceKind;
  readonly scope: NameScope;
  readonly name: string;
}

/** The names of one prop (as given, or the default it derives the names from). */
export interface NameClaim {
  /** The prop as messages name it, e.g. `vmName (from the construct id)`. */
  readonly prop: string;
  /** The prop's value as messages show it. */
  readonly value: unknown;
  readonly names: ClaimedName[];
  /** How to tell the two apart, e.g. `pass another vmName to one of them, or put them in different resource groups`. */
  readonly fix: string;
}

export const SUBSCRIPTION_SCOPE: NameScope = { key: 'subscription', description: 'the subscription' };

/**
 * Where a gallery's name must be unique: the subscription, across resource groups ("Gallery names must be unique
 * within your subscription", Microsoft Learn, "Create an Azure Compute Gallery"). What is inside a gallery is still
 * named within the gallery of its resource group (`rememberResource`).
 */
export const GALLERY_NAME_SCOPE: NameScope = SUBSCRIPTION_SCOPE;

/** The literal name of each group token made by a construct of this library (`ResourceGroup.name`). */
const groupTokens = new Map<string, string>();

/** Records that `token` (a created group's `name` attribute) names the group `name`, so claims in both agree. */
export function rememberResourceGroup(token: string, name: string): void {
  if (Token.isUnresolved(token) && !Token.isUnresolved(name)) {
    groupTokens.set(tokenIdentity(token), name);
  }
}

/**
 * What a token stands for: the Terraform address of the attribute it reads (with the stack it belongs to) when it is one
 * reference, e.g. `azurerm_resource_group.Rg.name` for `rg.name`; else the token string itself. cdktf makes a new token
 * string at every read of an attribute, over one reference object that keeps its address (`identifier`, cdktf's
 * `Reference` in lib/tfExpression.js) and its stack (`originStack`).
 */
function tokenIdentity(token: string): string {
  const fragments = Tokenization.reverseString(token);
  const reference = fragments.length === 1 ? fragments.firstToken as { identifier?: unknown; originStack?: IConstruct } | undefined : undefined;
  if (typeof reference?.identifier !== 'string' || reference.originStack === undefined) {
    return token;
  }
  return `stack-${numberOf(reference.originStack)}:${reference.identifier}`;
}

/** A number per stack object: two apps in one process (tests, a program with several) may have equal stack paths. */
const stackNumbers = new WeakMap<IConstruct, number>();
let stacksNumbered = 0;

function numberOf(stack: IConstruct): number {
  let number = stackNumbers.get(stack);
  if (number === undefined) {
    number = ++stacksNumbered;
    stackNumbers.set(stack, number);
  }
  return number;
}

/** The names of a resource group: its lower-case name, or what its token reads for a group known only at apply. */
export function resourceGroupScope(resourceGroupName: string): NameScope {
  const name = (Token.isUnresolved(resourceGroupName) ? groupTokens.get(tokenIdentity(resourceGroupName)) : undefined) ?? resourceGroupName;
  if (Token.isUnresolved(name)) {
    return { key: `group-token:${tokenIdentity(name)}`, description: 'the resource group given as the same token' };
  }
  return { key: `group:${name.toLowerCase()}`, description: `resource group '${name}'` };
}

/** The names inside a resource (subnets in a VNet, definitions in a gallery). */
export function scopeWithin(parent: ClaimedName): NameScope {
  const name = Token.isUnresolved(parent.name) ? parent.name : parent.name.toLowerCase();
  return { key: `${parent.scope.key}/${parent.kind.type}:${name}`, description: `${parent.kind.label} '${parent.name}' of ${parent.scope.description}` };
}

/** The resource a construct stands for (a gallery, a definition), for the constructs that make names inside it. */
const constructResources = new WeakMap<IConstruct, ClaimedName>();

export function rememberResource(construct: IConstruct, resource: ClaimedName): void {
  constructResources.set(construct, resource);
}

/** The resource `construct` stands for; one of its own (never equal to another's) when it recorded none. */
export function resourceOf(construct: IConstruct, kind: AzureResourceKind): ClaimedName {
  return constructResources.get(construct)
    ?? { kind, scope: { key: `construct:${construct.node.path}`, description: `construct '${construct.node.path}'` }, name: construct.node.id };
}

interface Claimant {
  readonly owner: IConstruct;
  readonly ownerLabel: string;
  readonly prop: string;
  readonly stack?: IConstruct;
  readonly subscription?: string;
  /** The claimant's validation: a construct whose props were refused was never made, and claims nothing. */
  readonly validator: PropsValidator;
}

const registries = new WeakMap<IConstruct, Map<string, Claimant[]>>();

function registryOf(scope: IConstruct): Map<string, Claimant[]> {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = new Map();
    registries.set(root, registry);
  }
  return registry;
}

function stackOf(scope: IConstruct): TerraformStack | undefined {
  return scope.node.scopes.reverse().find((s): s is TerraformStack => TerraformStack.isStack(s));
}

/**
 * The subscription the stack's default azurerm provider deploys to, as a comparable key: `environment` when it names
 * none; undefined when the stack has no such provider yet.
 */
function subscriptionOf(stack: TerraformStack | undefined): string | undefined {
  const provider = stack?.node.findAll().find((c) => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === 'azurerm'
    && (c as AzurermProvider).alias === undefined) as AzurermProvider | undefined;
  if (provider === undefined) {
    return undefined;
  }
  const id = provider.subscriptionId;
  if (id === undefined) {
    return 'environment';
  }
  return Token.isUnresolved(id) ? `token:${id}` : `id:${id.toLowerCase()}`;
}

/** Whether two claims reach the same Azure names: one stack, or stacks known to deploy to the same subscription. */
function sameTarget(a: Claimant, b: Claimant): boolean {
  return a.stack === b.stack || (a.subscription !== undefined && a.subscription === b.subscription);
}

const SHOWN_NAMES = 3;

function describeNames(names: ClaimedName[]): string {
  const shown = names.slice(0, SHOWN_NAMES);
  const byScope = new Map<string, ClaimedName[]>();
  for (const name of shown) {
    byScope.set(name.scope.description, [...byScope.get(name.scope.description) ?? [], name]);
  }
  const parts = [...byScope].map(([scope, inScope]) => `${inScope.map((n) => `the ${n.kind.label} '${n.name}'`).join(', ')} in ${scope}`);
  const more = names.length > SHOWN_NAMES ? ` and ${names.length - SHOWN_NAMES} more` : '';
  return `${parts.join('; ')}${more}`;
}

/**
 * Records a problem with `claim.prop` for each construct that made one of `claim.names` already (same type, same scope,
 * compared case-insensitively), then claims the names for `owner`. Call it before `v.throwIfInvalid()`: a construct
 * that throws claims nothing.
 */
export function claimNames(owner: IConstruct, v: PropsValidator, claim: NameClaim): void {
  const registry = registryOf(owner);
  const stack = stackOf(owner);
  const claimant: Claimant = {
    owner,
    ownerLabel: `${owner.constructor.name} '${owner.node.path}'`,
    prop: claim.prop,
    stack,
    subscription: subscriptionOf(stack),
    validator: v,
  };
  const conflicts = new Map<Claimant, ClaimedName[]>();
  for (const name of claim.names) {
    if (Token.isUnresolved(name.name)) {
      continue;
    }
    const key = `${name.scope.key}|${name.kind.type}|${name.name.toLowerCase()}`;
    const earlier = registry.get(key);
    if (earlier === undefined) {
      registry.set(key, [claimant]);
      continue;
    }
    const other = earlier.find((c) => c.owner !== owner && !c.validator.hasProblems && sameTarget(c, claimant));
    if (other !== undefined) {
      conflicts.set(other, [...conflicts.get(other) ?? [], name]);
    }
    earlier.push(claimant);
  }
  for (const [other, names] of conflicts) {
    // Across stacks, the comparison rests on the providers: say so, and how to tell it the stacks' subscriptions differ.
    const acrossStacks = other.stack !== claimant.stack
      ? ` (stack '${other.stack?.node.id}' and this stack deploy to the same subscription: their azurerm providers name the same one, or none)`
      : '';
    const fix = acrossStacks === '' ? claim.fix
      : `${claim.fix}; if the stacks deploy to different subscriptions, set subscriptionId on their azurerm providers`;
    v.fail(claim.prop, claim.value, `makes ${describeNames(names)}, which ${other.ownerLabel} (${other.prop}) makes already${acrossStacks}: Azure names `
      + 'are unique per resource type and scope, compared without regard to case, so the second would fail the deploy or take over the first', fix);
  }
}


/**
 * Claims the resource group `checkResourceGroup` settled, when the construct creates it: two constructs that create
 * one group make two `azurerm_resource_group` resources of one name, and the second fails the deploy.
 */
export function claimCreatedResourceGroup(owner: IConstruct, v: PropsValidator, prop: string, settled: { create: boolean; name: string }): void {
  if (!settled.create) {
    return;
  }
  claimNames(owner, v, {
    prop,
    value: settled.name,
    names: [{ kind: AZURE_RESOURCE.RESOURCE_GROUP, scope: SUBSCRIPTION_SCOPE, name: settled.name }],
    fix: 'give one of them another resourceGroupName, or let one create the group and pass its name to the other with createResourceGroup: false',
  });
}
