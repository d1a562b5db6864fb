import type { Kysely, Transaction } from 'kysely';

/** SQL for passkeys: user handles, credentials, challenges. Rules live in passkeys.ts. */

export type ChallengePurpose = 'registration' | 'authentication';

export interface PasskeyTables {
  identity_passkey_users: { national_code: string; user_handle: string; created_at: string };
  identity_passkeys: {
    credential_id: string;
    national_code: string;
    public_key: string;
    counter: number;
    transports: string;
    aaguid: string | null;
    device_type: string | null;
    backed_up: number;
    nickname: string | null;
    created_at: string;
    last_used_at: string | null;
  };
  identity_passkey_challenges: { challenge: string; purpose: ChallengePurpose; national_code: string | null; created_at: string; expires_at: string };
}

export type PasskeyRow = PasskeyTables['identity_passkeys'];
export type ChallengeRow = PasskeyTables['identity_passkey_challenges'];

export class PasskeyStore {
  readonly db: Kysely<PasskeyTables>;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<PasskeyTables>;
  }

  async handleOf(nationalCode: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('identity_passkey_users').select('user_handle').where('national_code', '=', nationalCode).executeTakeFirst();
    return row?.user_handle;
  }

  /** The person's handle, made on first need; two nodes racing agree on the one that was stored first. */
  async ensureHandle(nationalCode: string, fresh: string, now: string): Promise<string> {
    await this.db
      .insertInto('identity_passkey_users')
      .values({ national_code: nationalCode, user_handle: fresh, created_at: now })
      .onConflict((oc) => oc.column('national_code').doNothing())
      .execute();
    return (await this.handleOf(nationalCode))!;
  }

  async saveChallenge(row: ChallengeRow): Promise<void> {
    await this.db.insertInto('identity_passkey_challenges').values(row).execute();
    // Challenges never answered are of no further use; sweep them where new ones are made.
    await this.db.deleteFrom('identity_passkey_challenges').where('expires_at', '<', row.created_at).execute();
  }

  /** Reads and deletes a challenge in one go: of two nodes presented with it, only one gets it. */
  async takeChallenge(challenge: string): Promise<ChallengeRow | undefined> {
    const row = await this.db.selectFrom('identity_passkey_challenges').selectAll().where('challenge', '=', challenge).executeTakeFirst();
    if (!row) return undefined;
    const gone = await this.db.deleteFrom('identity_passkey_challenges').where('challenge', '=', challenge).executeTakeFirst();
    return Number(gone.numDeletedRows) === 1 ? row : undefined;
  }

  async credential(credentialId: string): Promise<PasskeyRow | undefined> {
    return this.db.selectFrom('identity_passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
  }

  async credentialsOf(nationalCode: string): Promise<PasskeyRow[]> {
    return this.db.selectFrom('identity_passkeys').selectAll().where('national_code', '=', nationalCode).orderBy('created_at', 'desc').orderBy('credential_id').execute();
  }

  async count(nationalCode: string): Promise<number> {
    const r = await this.db.selectFrom('identity_passkeys').select((eb) => eb.fn.countAll<number>().as('n')).where('national_code', '=', nationalCode).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async insert(trx: Transaction<PasskeyTables>, row: PasskeyRow): Promise<void> {
    await trx.insertInto('identity_passkeys').values(row).execute();
  }

  /**
   * Records a use. A counting authenticator must move its counter forward: the update only happens
   * while the stored counter is below the new one, so two nodes accepting the same counter cannot
   * both succeed. Returns false when it did not (a regression or a race lost).
   */
  async recordUse(credentialId: string, newCounter: number, now: string): Promise<boolean> {
    let q = this.db.updateTable('identity_passkeys').set({ counter: newCounter, last_used_at: now }).where('credential_id', '=', credentialId);
    if (newCounter > 0) q = q.where('counter', '<', newCounter);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async remove(trx: Transaction<PasskeyTables>, nationalCode: string, credentialId: string): Promise<boolean> {
    const r = await trx.deleteFrom('identity_passkeys').where('credential_id', '=', credentialId).where('national_code', '=', nationalCode).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}
