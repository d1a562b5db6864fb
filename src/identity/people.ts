import { randomUUID } from 'node:crypto';
import type { Kysely, Generated } from 'kysely';
import { nowIso } from '../platform/db.js';
import type { CivilRegistry, RegistryPerson } from './ports.js';

/**
 * People who hold the national digital identity. We keep only what the identity itself needs (the
 * random subject id that sites see, when they last signed in, their sign-in history); who they are
 * (names, birth date, alive) is read from the civil registry every time, never taken from them.
 */

export interface PeopleTables {
  identity_people: { national_code: string; subject: string; created_at: string; last_sign_in_at: string | null; mobile: string | null };
  identity_sign_ins: {
    id: Generated<number>;
    national_code: string | null;
    at: string;
    method: string;
    /** `code_sent`: a one-time code went to the person's mobile (the sign-in itself is a later row). */
    outcome: SignInOutcome;
    reason: string | null;
    client_id: string | null;
    acr: string | null;
    ip: string | null;
    user_agent: string | null;
  };
}

export type SignInOutcome = 'success' | 'failure' | 'code_sent';

export interface SignInEvent {
  at: string;
  method: string;
  outcome: SignInOutcome;
  reason: string | null;
  clientId: string | null;
  acr: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** Levels of assurance (eIDAS terms), sent to sites as `acr`. */
export const LOA_SUBSTANTIAL = 'http://eidas.europa.eu/LoA/substantial';
export const LOA_HIGH = 'http://eidas.europa.eu/LoA/high';

const CLAIMS_CACHE_MS = 60_000;

export class People {
  private readonly db: Kysely<PeopleTables>;
  /** Registry answers by subject, for a minute: userinfo then needs no lookup beyond the access token's. */
  private readonly cache = new Map<string, { at: number; nationalCode: string; person: RegistryPerson | null; mobile: string | null }>();

  constructor(
    db: Kysely<any>,
    readonly registry: CivilRegistry,
  ) {
    this.db = db as Kysely<PeopleTables>;
  }

  /** The subject id of a person, made on their first sign-in. */
  async subjectOf(nationalCode: string): Promise<string> {
    const found = await this.db.selectFrom('identity_people').select('subject').where('national_code', '=', nationalCode).executeTakeFirst();
    if (found) return found.subject;
    await this.db
      .insertInto('identity_people')
      .values({ national_code: nationalCode, subject: randomUUID(), created_at: nowIso(), last_sign_in_at: null, mobile: null })
      .onConflict((oc) => oc.column('national_code').doNothing())
      .execute();
    return (await this.db.selectFrom('identity_people').select('subject').where('national_code', '=', nationalCode).executeTakeFirstOrThrow()).subject;
  }

  /** The person behind a subject id, with their registry record (cached briefly). */
  async bySubject(subject: string): Promise<{ nationalCode: string; person: RegistryPerson | null; mobile: string | null } | null> {
    const hit = this.cache.get(subject);
    if (hit && Date.now() - hit.at < CLAIMS_CACHE_MS) return hit;
    // The verified mobile (the phone claim) comes with the same row, so a userinfo call reads nothing but its token and grant.
    const row = await this.db.selectFrom('identity_people').select(['national_code', 'mobile']).where('subject', '=', subject).executeTakeFirst();
    if (!row) return null;
    const entry = { at: Date.now(), nationalCode: row.national_code, person: await this.registry.person(row.national_code), mobile: row.mobile };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(subject, entry);
    return entry;
  }

  async setMobile(nationalCode: string, mobile: string): Promise<void> {
    await this.db.updateTable('identity_people').set({ mobile }).where('national_code', '=', nationalCode).execute();
    // This node sees the new mobile at once; other nodes within the cache's minute, like the registry record.
    for (const [subject, entry] of this.cache) if (entry.nationalCode === nationalCode) this.cache.delete(subject);
  }

  async mobileOf(nationalCode: string): Promise<string | null> {
    return (await this.db.selectFrom('identity_people').select('mobile').where('national_code', '=', nationalCode).executeTakeFirst())?.mobile ?? null;
  }

  /** Told of every sign-in event after it is recorded (metrics): its method, outcome and site, never who. */
  onSignIn: ((e: { method: string; outcome: SignInOutcome; clientId: string | null }) => void) | null = null;

  async recordSignIn(nationalCode: string | null, e: Omit<SignInEvent, 'at'>): Promise<void> {
    const at = nowIso();
    await this.db
      .insertInto('identity_sign_ins')
      .values({ national_code: nationalCode, at, method: e.method, outcome: e.outcome, reason: e.reason, client_id: e.clientId, acr: e.acr, ip: e.ip, user_agent: e.userAgent?.slice(0, 300) ?? null })
      .execute();
    if (nationalCode && e.outcome === 'success') await this.db.updateTable('identity_people').set({ last_sign_in_at: at }).where('national_code', '=', nationalCode).execute();
    this.onSignIn?.({ method: e.method, outcome: e.outcome, clientId: e.clientId });
  }

  async signIns(nationalCode: string, limit = 50): Promise<SignInEvent[]> {
    const rows = await this.db.selectFrom('identity_sign_ins').selectAll().where('national_code', '=', nationalCode).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ at: r.at, method: r.method, outcome: r.outcome, reason: r.reason, clientId: r.client_id, acr: r.acr, ip: r.ip, userAgent: r.user_agent }));
  }
}
