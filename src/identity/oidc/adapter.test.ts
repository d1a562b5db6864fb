import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { testPlatform } from '../../../test/harness.js';
import type { RelyingParties } from './clients.js';
import { databaseAdapter } from './adapter.js';

const noClients = { metadata: async () => undefined } as unknown as RelyingParties;

test('an access token is read with its grant in one statement; the grant is used once, by the lookup that follows', async () => {
  const p = await testPlatform();
  try {
    const Adapter = databaseAdapter(p.database.db, noClients);
    const grants = new Adapter('Grant');
    const tokens = new Adapter('AccessToken');
    await grants.upsert('g1', { accountId: 'a1', openid: { scope: 'openid profile' } } as never, 3600);
    await tokens.upsert('t1', { grantId: 'g1', accountId: 'a1', scope: 'openid profile' } as never, 600);

    const token = await tokens.find('t1');
    assert.equal(token?.grantId, 'g1');
    // Gone from the database after the token was read: the grant lookup of the same request is served from that one read…
    await sql`delete from oidc_payloads where model = 'Grant' and id = 'g1'`.execute(p.database.db);
    assert.equal((await grants.find('g1'))?.accountId, 'a1');
    // …once: any other lookup reads the database.
    assert.equal(await grants.find('g1'), undefined);

    // A grant changed or revoked after the token was read is never served from that read.
    await grants.upsert('g2', { accountId: 'a2' } as never, 3600);
    await tokens.upsert('t2', { grantId: 'g2', accountId: 'a2' } as never, 600);
    await tokens.find('t2');
    await grants.upsert('g2', { accountId: 'a2', changed: true } as never, 3600);
    assert.equal((await grants.find('g2') as { changed?: boolean })?.changed, true);
    await tokens.find('t2');
    await tokens.revokeByGrantId!('g2');
    await sql`delete from oidc_payloads where model = 'Grant' and id = 'g2'`.execute(p.database.db);
    assert.equal(await grants.find('g2'), undefined, 'not from the read before the revocation');
    assert.equal(await tokens.find('t2'), undefined);

    // A token whose grant is gone carries the absence with it.
    await tokens.upsert('t3', { grantId: 'missing', accountId: 'a3' } as never, 600);
    assert.equal((await tokens.find('t3'))?.grantId, 'missing');
    assert.equal(await grants.find('missing'), undefined);
  } finally {
    await p.dispose();
  }
});
