import { TerraformResource } from 'cdktf';

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
