import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { RelyingParties } from './clients.js';

/**
 * oidc-provider's storage on our database (SQLite or PostgreSQL), so that every node sees every
 * session, interaction, code, token and grant: a sign-in started on one node finishes on another.
 * One row per (model, id); the fields the provider looks things up by (grant, uid, user code) and the
 * account, for "My Panjareh", are lifted into indexed columns. Clients are not stored here: they are
 * the relying parties the authority registers (`oidc_clients`).
 */

export interface OidcPayloadTables {
  oidc_payloads: {
    model: string;
    id: string;
    payload: string;
    grant_id: string | null;
    uid: string | null;
    user_code: string | null;
    account_id: string | null;
    expires_at: string | null;
    consumed_at: string | null;
  };
}

type Db = Kysely<OidcPayloadTables>;

type Row = { payload: string; consumed_at: string | null; expires_at: string | null };

function parse(row: Row | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expires_at && row.expires_at <= new Date().toISOString()) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.consumed_at) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
  return payload;
}

/**
 * A grant read together with an access token, kept for the provider's `Grant.find` that follows it
 * in the same request (userinfo reads the token, then its grant): so a userinfo call is one database
 * round trip, the token lookup the spec requires, not two. An entry is used once and only within
 * PREFETCH_MS; anything else reads the database. The grant is as current as the token it came with.
 */
const PREFETCH_MS = 2000;
const PREFETCH_MAX = 10_000;

export function databaseAdapter(db: Kysely<any>, clients: RelyingParties): new (model: string) => Adapter {
  const d = db as Db;
  const prefetched = new Map<string, { row: Row | undefined; at: number }>();

  async function findAccessToken(id: string): Promise<AdapterPayload | undefined> {
    const row = await d
      .selectFrom('oidc_payloads as t')
      .leftJoin('oidc_payloads as g', (j) => j.on('g.model', '=', 'Grant').onRef('g.id', '=', 't.grant_id'))
      .select(['t.payload', 't.consumed_at', 't.expires_at', 't.grant_id', 'g.payload as g_payload', 'g.consumed_at as g_consumed_at', 'g.expires_at as g_expires_at'])
      .where('t.model', '=', 'AccessToken')
      .where('t.id', '=', id)
      .executeTakeFirst();
    if (row?.grant_id) {
      if (prefetched.size >= PREFETCH_MAX) prefetched.clear();
      prefetched.set(row.grant_id, { row: row.g_payload === null ? undefined : { payload: row.g_payload, consumed_at: row.g_consumed_at, expires_at: row.g_expires_at }, at: Date.now() });
    }
    return parse(row);
  }

  function takePrefetched(grantId: string): { row: Row | undefined } | undefined {
    const hit = prefetched.get(grantId);
    if (!hit) return undefined;
    prefetched.delete(grantId);
    return Date.now() - hit.at <= PREFETCH_MS ? hit : undefined;
  }

  return class DatabaseAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Grant') prefetched.delete(id);
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        uid: payload.uid ?? null,
        user_code: payload.userCode ?? null,
        account_id: payload.accountId ?? null,
        expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000).toISOString() : null,
      };
      await d
        .insertInto('oidc_payloads')
        .values({ model: this.model, id, ...row, consumed_at: null })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.metadata(id);
      if (this.model === 'AccessToken') return findAccessToken(id);
      if (this.model === 'Grant') {
        const hit = takePrefetched(id);
        if (hit) return parse(hit.row);
      }
      const row = await d.selectFrom('oidc_payloads').select(['payload', 'consumed_at', 'expires_at']).where('model', '=', this.model).where('id', '=', id).executeTakeFirst();
      return parse(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await d.selectFrom('oidc_payloads').select(['payload', 'consumed_at', 'expires_at']).where('model', '=', this.model).where('uid', '=', uid).executeTakeFirst();
      return parse(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await d.selectFrom('oidc_payloads').select(['payload', 'consumed_at', 'expires_at']).where('model', '=', this.model).where('user_code', '=', userCode).executeTakeFirst();
      return parse(row);
    }

    async consume(id: string): Promise<void> {
      await d.updateTable('oidc_payloads').set({ consumed_at: new Date().toISOString() }).where('model', '=', this.model).where('id', '=', id).execute();
    }

    async destroy(id: string): Promise<void> {
      if (this.model === 'Grant') prefetched.delete(id);
      await d.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      prefetched.delete(grantId);
      await d.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    }
  };
}

/** Removes what has expired; run now and then by any node (expired rows are already invisible to `find`). */
export async function sweepExpiredPayloads(db: Kysely<any>): Promise<number> {
  const r = await (db as Db).deleteFrom('oidc_payloads').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}
