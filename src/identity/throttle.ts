import type { Kysely, Generated } from 'kysely';

/**
 * Sliding-window counters kept in the database, so every node counts the same attempts: one-time
 * codes sent per national code, per mobile and per address, and failed codes per address. Sign-in
 * traffic is small next to page views, so a row per attempt is affordable and exact.
 */

interface ThrottleTables {
  identity_throttle: { id: Generated<number>; key: string; at: string };
}

export interface Limit {
  key: string;
  max: number;
  windowMs: number;
}

export class Throttle {
  private readonly db: Kysely<ThrottleTables>;
  private sweptAt = 0;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<ThrottleTables>;
  }

  /** The first limit already reached, if any (nothing is counted). */
  async exceeded(limits: Limit[]): Promise<Limit | undefined> {
    for (const l of limits) {
      const since = new Date(Date.now() - l.windowMs).toISOString();
      const row = await this.db.selectFrom('identity_throttle').select((eb) => eb.fn.countAll<number>().as('n')).where('key', '=', l.key).where('at', '>', since).executeTakeFirstOrThrow();
      if (Number(row.n) >= l.max) return l;
    }
    return undefined;
  }

  /** Counts one attempt against each key. */
  async hit(keys: string[]): Promise<void> {
    const at = new Date().toISOString();
    await this.db.insertInto('identity_throttle').values(keys.map((key) => ({ key, at }))).execute();
    // Rows older than a day can no longer count against any window we use.
    if (Date.now() - this.sweptAt > 60_000) {
      this.sweptAt = Date.now();
      await this.db.deleteFrom('identity_throttle').where('at', '<', new Date(Date.now() - 86_400_000).toISOString()).execute();
    }
  }
}
