/**
 * What a saved Terraform plan does, as the real providers decided it (`terraform show -json` of the plan): the managed
 * resource instances it creates, replaces (and in which order), updates and deletes, by address. Day-2 tests compare it
 * with the sets they expect, derived from the synthesized JSON (test/local-azure/deployed-app.ts `LocalDeployment.plan`).
 */

export interface PlanSummary {
  /** Addresses (`azurerm_x.y`, `azurerm_x.y["k"]`), sorted. */
  readonly create: string[];
  readonly replace: string[];
  readonly update: string[];
  readonly delete: string[];
  /** The order of each replacement. */
  readonly replaceOrder: Record<string, 'create-before-destroy' | 'destroy-before-create'>;
  /** Why each replacement: the arguments the provider says force it (`replace_paths`), or none for a trigger. */
  readonly replacePaths: Record<string, string[]>;
  /**
   * The top-level arguments each update or replacement changes (its value before and after differ, or it is known only
   * after the apply), sorted: what the provider was asked to change.
   */
  readonly changed: Record<string, string[]>;
}

/** A plan that changes nothing, as the action sets `actionsOf` returns. */
export const NO_CHANGES = { create: [], replace: [], update: [], delete: [] };

/** A summary's action sets, without the order of its replacements. */
export const actionsOf = ({ create, replace, update, delete: deleted }: PlanSummary) => ({ create, replace, update, delete: deleted });

/** What `plan` (`terraform show -json` of a saved plan) does to managed resources; reads of data sources left out. */
export function summarizePlan(plan: any): PlanSummary {
  const out = { create: [] as string[], replace: [] as string[], update: [] as string[], delete: [] as string[] };
  const replaceOrder: Record<string, 'create-before-destroy' | 'destroy-before-create'> = {};
  const replacePaths: Record<string, string[]> = {};
  const changed: Record<string, string[]> = {};
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== 'managed') {
      continue;
    }
    const actions: string[] = change.change.actions;
    if (actions.length === 2) {
      out.replace.push(change.address);
      replaceOrder[change.address] = actions[0] === 'create' ? 'create-before-destroy' : 'destroy-before-create';
      replacePaths[change.address] = (change.change.replace_paths ?? []).map((steps: Array<string | number>) => steps.join('.'));
    } else if (actions[0] === 'create' || actions[0] === 'update' || actions[0] === 'delete') {
      out[actions[0]].push(change.address);
    }
    if (actions.length === 2 || actions[0] === 'update') {
      changed[change.address] = changedArguments(change.change);
    }
  }
  Object.values(out).forEach((list) => list.sort());
  return { ...out, replaceOrder, replacePaths, changed };
}

/** The top-level arguments a planned change gives another value, or one known only after the apply. */
function changedArguments({ before, after, after_unknown: unknown }: { before?: any; after?: any; after_unknown?: any }): string[] {
  const [was, will, unknownAfter] = [before ?? {}, after ?? {}, unknown ?? {}];
  return [...new Set([...Object.keys(was), ...Object.keys(will), ...Object.keys(unknownAfter)])]
    .filter((name) => JSON.stringify(was[name]) !== JSON.stringify(will[name]) || marksUnknown(unknownAfter[name]))
    .sort();
}

/** Whether an `after_unknown` value marks anything in it unknown. */
function marksUnknown(value: unknown): boolean {
  return value === true || (value !== null && typeof value === 'object' && Object.values(value).some(marksUnknown));
}
