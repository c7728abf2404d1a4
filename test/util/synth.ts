import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** A synthesized stack, parsed. */
export interface SynthResult {
  readonly json: string;
  readonly parsed: any;
}

/** Synthesizes what `build` adds to a fresh stack with an azurerm provider declared. */
export function synthStack(build: (stack: TerraformStack) => void): SynthResult {
  const json = Testing.synthScope((scope: Construct) => {
    build(scope as TerraformStack);
  });
  return { json, parsed: JSON.parse(json) };
}

/** Resources of one type in a parsed stack, keyed by their Terraform name. */
export function resourcesOf(parsed: any, type: string): Record<string, any> {
  return parsed.resource?.[type] ?? {};
}

/** The single resource of a type; fails when there is not exactly one. */
export function onlyResource(parsed: any, type: string): any {
  const all = Object.values(resourcesOf(parsed, type));
  if (all.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${all.length}`);
  }
  return all[0];
}

/** The Terraform address (`type.name`) of the single resource of a type. */
export function addressOf(parsed: any, type: string): string {
  const names = Object.keys(resourcesOf(parsed, type));
  if (names.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${names.length}`);
  }
  return `${type}.${names[0]}`;
}

/** The resource of a type whose construct path ends with `pathSuffix` (e.g. `BuildVm/Setup`); fails unless exactly one. */
export function resourceAt(parsed: any, type: string, pathSuffix: string): any {
  const [, resource] = entryAt(parsed, type, pathSuffix);
  return resource;
}

/** The Terraform address of the resource of a type whose construct path ends with `pathSuffix`. */
export function addressAt(parsed: any, type: string, pathSuffix: string): string {
  const [name] = entryAt(parsed, type, pathSuffix);
  return `${type}.${name}`;
}

function entryAt(parsed: any, type: string, pathSuffix: string): [string, any] {
  // Terraform names are the construct path joined by `_`, then a hash (Testing.synth drops the metadata that has the path).
  const pattern = new RegExp(`(^|_)${pathSuffix.replace(/\//g, '_')}(_[0-9A-F]{8})?$`);
  const matches = Object.entries(resourcesOf(parsed, type)).filter(([name]) => pattern.test(name));
  if (matches.length !== 1) {
    throw new Error(`expected exactly one ${type} at .../${pathSuffix}, found ${matches.length}`);
  }
  return matches[0] as [string, any];
}
