import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { PlatformTables } from './db.js';
import { nowIso } from './db.js';

/**
 * A named secret shared by every node through the database (cookie signing, CSRF). Created on first
 * use; a concurrent first use on another node loses the insert race and reads the winner's value.
 */
export async function sharedSecret(db: Kysely<PlatformTables>, name: string): Promise<string> {
  const found = await db.selectFrom('platform_secrets').select('value').where('name', '=', name).executeTakeFirst();
  if (found) return found.value;
  await db
    .insertInto('platform_secrets')
    .values({ name, value: randomBytes(32).toString('base64url'), created_at: nowIso() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('platform_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

/**
 * The prefix of this deployment's keys in a Redis that other deployments (and test databases) may
 * share, so that none counts another's rate limits: one value per database. (The secret's name is
 * from when only the exchange used it; kept so that counters survive an upgrade.)
 */
export const redisNamespace = (db: Kysely<PlatformTables>): Promise<string> => sharedSecret(db, 'exchange-redis-namespace');
