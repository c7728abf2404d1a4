/**
 * End-of-life dates of gallery image definitions and versions: `YYYY-MM-DD` in the props, checked at synth when literal
 * and at plan when a token, and rendered in the RFC 3339 form azurerm validates (`end_of_life_date`:
 * `validation.IsRFC3339Time`, azurerm v4.55.0 internal/services/compute/shared_image_resource.go).
 */
import { Annotations, Fn, Precondition, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { planTimeCheck, shownInTerraform } from './plan-checks';
import { isUnresolved, PropsValidator } from './props-validator';
import { isIsoDate } from '../../operator/inputs';

const NOT_A_DATE = 'is not a date YYYY-MM-DD';
const DATE_FIX = "pass e.g. '2027-12-31'";

/** Today, as UTC `YYYY-MM-DD`: what a literal date is compared with at synth (the JSON never holds it). */
export function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A definition's end of life as azurerm takes it, and the plan-time check of a token. */
export interface RenderedEndOfLife {
  readonly value?: string;
  readonly preconditions: Precondition[];
}

/**
 * A definition's end-of-life date: a literal is checked at synth (a past one is only warned about: the date is
 * informational, Azure keeps serving the definition, "Azure Compute Gallery overview" on Microsoft Learn, and a
 * definition does reach its end of life while its app still deploys); a token is rendered with the same
 * `T00:00:00Z` as a literal and checked at plan to be a date that exists.
 */
export function definitionEndOfLife(scope: IConstruct, v: PropsValidator, prop: string, date: string | undefined,
  today = utcToday()): RenderedEndOfLife {
  if (date === undefined || date === null) {
    return { preconditions: [] };
  }
  if (isUnresolved(date)) {
    const rendered = Token.asString(Fn.format('%sT00:00:00Z', [date]));
    return {
      value: rendered,
      // formatdate reads RFC 3339 only: `2027-02-30`, `2027-1-5` or a time already appended fail.
      preconditions: [planTimeCheck(v, prop, shownInTerraform(date), Fn.can(Fn.formatdate('YYYY', rendered)), NOT_A_DATE, DATE_FIX)],
    };
  }
  if (!isIsoDate(date)) {
    v.fail(prop, date, NOT_A_DATE, DATE_FIX);
    return { preconditions: [] };
  }
  if (date < today) {
    Annotations.of(scope).addWarning(`${prop} '${date}' is in the past: consumers of the definition see it past its end of life (the date is `
      + 'informational, Azure keeps serving it). Pass a later date, or none.');
  }
  return { value: `${date}T00:00:00Z`, preconditions: [] };
}

/**
 * A version's end-of-life date, a literal one checked at synth: a date that exists, and not in the past (each build
 * publishes a new version, which would be past its end of life from the start). A token is checked by the publish
 * step when it runs.
 */
export function checkVersionEndOfLife(v: PropsValidator, prop: string, date: string | undefined, today = utcToday()): void {
  if (date === undefined || date === null || isUnresolved(date)) {
    return;
  }
  if (!isIsoDate(date)) {
    v.fail(prop, date, NOT_A_DATE, DATE_FIX);
  } else if (date < today) {
    v.fail(prop, date, `is in the past (today is ${today}): each build would publish a version past its end of life`, 'pass a later date, or none');
  }
}
