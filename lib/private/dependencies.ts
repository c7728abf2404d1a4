/*
 * Dependencies between the library's resources: what may go into a `depends_on`.
 */
import { ITerraformDependable, TerraformStack } from 'cdktf';
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
