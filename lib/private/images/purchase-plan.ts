/**
 * The purchase plan of third-party marketplace images, wherever an image travels: its checks, its comparison, and the
 * `plan` block of the azurerm VM resources.
 *
 * Azure: a VM created from a marketplace image that has a plan, or from a custom or gallery image captured from one,
 * must name the plan, and its terms must have been accepted once in the subscription ("Programmatic deployment of
 * Marketplace products", https://learn.microsoft.com/marketplace/programmatic-deploy-of-marketplace-products; "Supply
 * Azure Marketplace purchase plan information when creating images",
 * https://learn.microsoft.com/azure/virtual-machines/marketplace-images).
 */
import { PurchasePlan } from '../../image';
import { PURCHASE_PLAN_PART } from '../../operator/steps/canary';
import { isUnresolved, PropsValidator } from '../validation/props-validator';
// The rule the gallery-canary step checks GOLDEN_CANARY_PLAN_* against: one definition for both.

const PLAN_PARTS = ['name', 'product', 'publisher'] as const;

/** Records a problem unless `plan` is undefined or a plan whose three parts are marketplace ids (or tokens). */
export function checkPurchasePlan(v: PropsValidator, prop: string, plan: PurchasePlan | undefined, fix: string): void {
  if (plan === undefined) {
    return;
  }
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) {
    v.fail(prop, plan, 'is not a purchase plan', `pass { name, product, publisher }: ${fix}`);
    return;
  }
  for (const part of PLAN_PARTS) {
    const value = plan[part];
    if (value === undefined || value === null || value === '') {
      v.fail(`${prop}.${part}`, value ?? '', 'is empty: Azure needs the name, product and publisher of a plan', fix);
    } else {
      v.check(`${prop}.${part}`, value, (p) => typeof p === 'string' && PURCHASE_PLAN_PART.test(p),
        'is not a marketplace plan id (1-128 letters, digits, hyphens, underscores and periods)', fix);
    }
  }
}

/** Whether two plans are the same (Azure's ids are case-insensitive); undefined when a token makes it unknown. */
export function samePurchasePlan(a: PurchasePlan | undefined, b: PurchasePlan | undefined): boolean | undefined {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  if (PLAN_PARTS.some((part) => isUnresolved(a[part]) || isUnresolved(b[part]))) {
    return undefined;
  }
  return PLAN_PARTS.every((part) => a[part].toLowerCase() === b[part].toLowerCase());
}

/** The `plan` (VMs, scale sets) or `purchase_plan` (gallery image definitions) block of an image's plan. */
export function planBlock(plan: PurchasePlan | undefined): PurchasePlan | undefined {
  return plan === undefined ? undefined : { name: plan.name, product: plan.product, publisher: plan.publisher };
}

/** A plan as messages describe it: `name=x product=y publisher=z`, or `no purchase plan`. */
export function describePurchasePlan(plan: PurchasePlan | undefined): string {
  return plan === undefined ? 'no purchase plan' : `name=${plan.name} product=${plan.product} publisher=${plan.publisher}`;
}

/** A plan as code in a fix: `{ name: 'x', product: 'y', publisher: 'z' }`. */
export function purchasePlanLiteral(plan: PurchasePlan): string {
  return `{ name: '${plan.name}', product: '${plan.product}', publisher: '${plan.publisher}' }`;
}
