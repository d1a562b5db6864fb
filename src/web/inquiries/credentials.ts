import type { Kysely } from 'kysely';
import type { ApiKeyInfo } from '../../exchange/index.js';
import { nowIso, type PlatformTables } from '../../platform/db.js';

/**
 * The portal is a consumer of the data exchange like any other: a subsystem with contracts and an
 * API key. The exchange keeps only the key's hash and shows it once, so the portal keeps the key
 * itself, where the platform keeps its other shared secrets (cookie signing, CSRF, the OTP pepper):
 * `platform_secrets`, which every node reads. Anyone who can read that table can already forge a
 * portal session for any citizen, so the key adds no new power to it. A key the authority revoked
 * or let expire is replaced at the next start (`ensurePortalKey`); running nodes read the store again
 * when the gateway refuses the key they hold.
 */

export const PORTAL_CLIENT = 'IR/GOV/PANJAREH/portal';
const SECRET_NAME = 'exchange-portal-api-key';

type Db = Kysely<PlatformTables>;

/** The portal's API key as stored, or null when the portal has not been connected to the exchange. */
export async function storedPortalKey(db: Db): Promise<string | null> {
  const row = await db.selectFrom('platform_secrets').select('value').where('name', '=', SECRET_NAME).executeTakeFirst();
  return row?.value ?? null;
}

/** Replaces `expected` (null: no key yet) by `next`; false when another node changed it first. */
async function swapPortalKey(db: Db, expected: string | null, next: string): Promise<boolean> {
  if (expected === null) {
    await db.insertInto('platform_secrets').values({ name: SECRET_NAME, value: next, created_at: nowIso() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    return (await storedPortalKey(db)) === next;
  }
  const r = await db.updateTable('platform_secrets').set({ value: next, created_at: nowIso() }).where('name', '=', SECRET_NAME).where('value', '=', expected).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface KeyIssuer {
  list(subsystem?: string): Promise<ApiKeyInfo[]>;
  create(subsystem: string, opts: { label?: string | null; expiresAt?: string | null }, actor: string): Promise<ApiKeyInfo & { key: string }>;
  revoke(id: number, actor: string, subsystem?: string): Promise<ApiKeyInfo>;
}

const prefixOf = (key: string): string | null => /^(pjx_[0-9a-f]{12})_/.exec(key)?.[1] ?? null;

/**
 * Makes sure the portal holds a live key of its subsystem: keeps the stored one while the exchange
 * still accepts it, otherwise creates one and stores it. Two nodes starting together may both create
 * one; the one whose store write loses revokes its own key and uses the winner's.
 */
export async function ensurePortalKey(db: Db, keys: KeyIssuer, actor = 'demo'): Promise<{ key: string; created: boolean }> {
  const current = await storedPortalKey(db);
  if (current) {
    const prefix = prefixOf(current);
    const now = Date.now();
    const live = (await keys.list(PORTAL_CLIENT)).some((k) => k.prefix === prefix && !k.revokedAt && (!k.expiresAt || Date.parse(k.expiresAt) > now));
    if (live) return { key: current, created: false };
  }
  const made = await keys.create(PORTAL_CLIENT, { label: 'national portal inquiries (kept by the portal)' }, actor);
  let stored: boolean;
  try {
    stored = await swapPortalKey(db, current, made.key);
  } catch (e) {
    // Nobody will ever hold this key: it must not stay live.
    await keys.revoke(made.id, actor, PORTAL_CLIENT).catch(() => undefined);
    throw e;
  }
  if (stored) return { key: made.key, created: true };
  await keys.revoke(made.id, actor, PORTAL_CLIENT);
  const winner = await storedPortalKey(db);
  if (!winner) throw new Error('the portal key store lost its key while it was being replaced');
  return { key: winner, created: false };
}
