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

function parse(row: { payload: string; consumed_at: string | null; expires_at: string | null } | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expires_at && row.expires_at <= new Date().toISOString()) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.consumed_at) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
  return payload;
}

export function databaseAdapter(db: Kysely<any>, clients: RelyingParties): new (model: string) => Adapter {
  const d = db as Db;
  return class DatabaseAdapter implements Adapter {
    constructor(readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
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
      await d.deleteFrom('oidc_payloads').where('model', '=', this.model).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await d.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    }
  };
}

/** Removes what has expired; run now and then by any node (expired rows are already invisible to `find`). */
export async function sweepExpiredPayloads(db: Kysely<any>): Promise<number> {
  const r = await (db as Db).deleteFrom('oidc_payloads').where('expires_at', '<=', new Date().toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}
