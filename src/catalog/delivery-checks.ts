import type { ServiceDelivery } from './model.js';

/**
 * A service's online-delivery definition (`delivery`) is written with its catalogue entry and approved
 * with it, but its format belongs to the capability that delivers services (src/services/), which the
 * catalogue does not depend on. That capability registers its check here; the import and the
 * workflow run it and refuse a record with any problem. With no check registered, a record with a
 * delivery is refused: the platform cannot deliver it.
 */

export interface DeliveryProblem {
  /** Path inside the record, e.g. `delivery.form.pages.0.fields.1`. */
  field: string;
  reason: string;
}

/** What the catalogue knows when a record is checked: the organisations that exist (the file's own included, at import). */
export interface DeliveryContext {
  organizationExists(code: string): boolean;
}

export type DeliveryCheck = (delivery: ServiceDelivery, service: { code: string; organization: string }, ctx: DeliveryContext) => DeliveryProblem[];

/** The page a service delivered here starts at; its catalogue entry's "Start now" leads there. */
export const applyPath = (slug: string): string => `/services/${slug}/apply`;
/** Any service's apply page, as a channel may name it. */
export const APPLY_PATH = /^\/services\/[a-z0-9]+(?:-[a-z0-9]+)*\/apply$/;

export class DeliveryChecks {
  private check: DeliveryCheck | null = null;

  register(check: DeliveryCheck): void {
    this.check = check;
  }

  problems(delivery: ServiceDelivery | undefined, service: { code: string; organization: string }, ctx: DeliveryContext): DeliveryProblem[] {
    if (delivery === undefined) return [];
    if (!this.check) return [{ field: 'delivery', reason: 'online delivery is not available on this platform' }];
    return this.check(delivery, service, ctx);
  }
}
