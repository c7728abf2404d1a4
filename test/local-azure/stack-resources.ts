/**
 * The resources of a synthesized stack (its cdk.tf.json), by type and construct path, and their Terraform addresses:
 * what a day-2 test derives the plan it expects from, so that no expectation hard-codes a construct's hashed name.
 * Also an edited copy of a deployed stack's JSON, written in place of the synthesized one and put back afterwards: a
 * change no option of an example makes, for the real provider to decide (deployed-app.ts `LocalDeployment.plan`).
 */
import * as fs from 'fs';
import * as path from 'path';

export interface StackResource {
  readonly type: string;
  /** Its name in the stack (`BuildVm_VirtualMachine_9CC1A530`). */
  readonly name: string;
  readonly body: any;
  /** Its construct path without the stack (`BuildVm/VirtualMachine`). */
  readonly path: string;
}

/** A synthesized stack's JSON, read from its directory. */
export function readStack(directory: string): any {
  return JSON.parse(fs.readFileSync(path.join(directory, 'cdk.tf.json'), 'utf8'));
}

/** Every resource of a stack's JSON. */
export function resourcesOf(stack: any): StackResource[] {
  return Object.entries<Record<string, any>>(stack.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) =>
    ({ type, name, body, path: String(body['//']?.metadata?.path ?? name).split('/').slice(1).join('/') })));
}

/** The one resource of a stack at construct path `constructPath`; throws naming what the stack has when there is none. */
export function resourceAt(stack: any, constructPath: string): StackResource {
  const found = resourcesOf(stack).filter((r) => r.path === constructPath);
  if (found.length !== 1) {
    throw new Error(`expected one resource at ${constructPath}, found ${found.length}; the stack has ${resourcesOf(stack).map((r) => r.path).join(', ')}`);
  }
  return found[0];
}

/** The one resource of a type in a stack. */
export function resourceOfType(stack: any, type: string): StackResource {
  const found = resourcesOf(stack).filter((r) => r.type === type);
  if (found.length !== 1) {
    throw new Error(`expected one resource of type ${type}, found ${found.length}`);
  }
  return found[0];
}

/** The addresses of resource instances, sorted: a `for_each` resource once per key of `keys`. */
export function addressesOf(list: StackResource[], keys: string[] = []): string[] {
  return list.flatMap((r) => {
    if (r.body.for_each !== undefined) {
      return keys.map((key) => `${r.type}.${r.name}["${key}"]`);
    }
    if (r.body.count !== undefined) {
      throw new Error(`${r.type}.${r.name} uses count: give its addresses by index`);
    }
    return [`${r.type}.${r.name}`];
  }).sort();
}

/** The address of a resource that has one instance. */
export const addressOf = (resource: StackResource): string => addressesOf([resource])[0];

/**
 * Writes `edit`'s change of a stack directory's JSON in place of the synthesized one, runs `use`, then puts the
 * synthesized JSON back, whatever `use` did.
 */
export async function withEditedStack<T>(directory: string, edit: (stack: any) => void, use: () => Promise<T>): Promise<T> {
  const file = path.join(directory, 'cdk.tf.json');
  const synthesized = fs.readFileSync(file, 'utf8');
  const edited = JSON.parse(synthesized);
  edit(edited);
  fs.writeFileSync(file, JSON.stringify(edited, null, 2));
  try {
    return await use();
  } finally {
    fs.writeFileSync(file, synthesized);
  }
}
