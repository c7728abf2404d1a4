/**
 * References between the library's resources that cdktf does not spell for us: what may go into a `depends_on`, and a
 * `for_each` resource's reference to the same instance of a sibling.
 */
import { ITerraformDependable, TerraformResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** The dependencies, or undefined when there are none: cdktf would write an empty `depends_on: []`. */
export function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length > 0 ? items : undefined;
}

/**
 * The dependables that live in `scope`'s stack. An object of another stack cannot be a dependency: cdktf writes it as
 * an attribute of a `terraform_remote_state`, which Terraform refuses in `depends_on` ("Invalid depends_on reference:
 * References in depends_on must be to a whole object"). Across stacks the values are the dependency: an image id read
 * from the other stack's outputs exists once that stack is deployed, and cdktf deploys it first.
 */
export function inStackOf(scope: Construct, dependables: readonly ITerraformDependable[]): ITerraformDependable[] {
  const stack = TerraformStack.of(scope);
  return dependables.filter((d) => !Construct.isConstruct(d) || TerraformStack.of(d) === stack);
}

/**
 * `${<type>.<name>[each.key].<attribute>}`: inside a `for_each` resource, the same instance of a sibling resource that
 * iterates over the same map. cdktf has no typed helper for it (its iterators only reach the resource's own
 * `each.key`/`each.value`), so the reference is spelled here, once. Terraform derives the dependency from it.
 */
export function sameKeyAttribute(sibling: TerraformResource, attribute: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(attribute)) {
    throw new Error(`sameKeyAttribute: '${attribute}' is not a Terraform attribute name`);
  }
  if (sibling.forEach === undefined) {
    throw new Error(`sameKeyAttribute: ${sibling.node.path} has no for_each, so it has no instance per key`);
  }
  return `\${${sibling.terraformResourceType}.${sibling.friendlyUniqueId}[each.key].${attribute}}`;
}
