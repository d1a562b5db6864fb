import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { testPlatform } from '../../test/harness.js';
import { KeyStore } from './keys.js';

test('one active key per purpose, shared by every node; rotation keeps the old key verifying until it expires', async () => {
  const p = await testPlatform();
  try {
    const nodeA = new KeyStore(p.database.db);
    const nodeB = new KeyStore(p.database.db);
    const [a, b] = await Promise.all([nodeA.active('seal', 'EdDSA'), nodeB.active('seal', 'EdDSA')]);
    assert.equal(a.kid, b.kid, 'two nodes racing to make the first key agree on one');
    assert.equal((await nodeA.jwks('seal', 'EdDSA')).keys.length, 1);
    assert.equal((await nodeA.jwks('seal', 'EdDSA')).keys[0]!.d, undefined, 'the JWKS holds no private part');

    const jws = await new CompactSign(new TextEncoder().encode('hello')).setProtectedHeader({ alg: 'EdDSA', kid: a.kid }).sign(a.privateKey);
    const v1 = await p.database.db.selectFrom('signing_key_slots' as never).select('version' as never).executeTakeFirst();

    const r = await nodeA.rotate('seal', 'EdDSA', 3600);
    assert.equal(r.retired, a.kid);
    assert.notEqual((await nodeA.active('seal', 'EdDSA')).kid, a.kid);
    assert.ok(await nodeB.version('seal') > (v1 as unknown as { version: number }).version);
    // Node B still has the old key cached as active; an unknown kid makes it re-read at once.
    const fresh = await nodeB.byKid('seal', 'EdDSA', r.kid);
    assert.ok(fresh, 'the new key is found on the other node without waiting for its cache');
    const old = await nodeB.byKid('seal', 'EdDSA', a.kid);
    assert.ok(old?.retiredAt, 'the retired key still verifies');
    const { payload } = await compactVerify(jws, await importJWK(old!.publicJwk, 'EdDSA'));
    assert.equal(new TextDecoder().decode(payload), 'hello');

    // A retired key whose tokens have all expired leaves the JWKS.
    await nodeA.rotate('seal', 'EdDSA', 0);
    nodeA.forget();
    const kids = (await nodeA.jwks('seal', 'EdDSA')).keys.map((k) => k.kid);
    assert.equal(kids.length, 2, 'the first key expired after an hour is still there; the second, kept 0 s, is gone');
    assert.ok(kids.includes(a.kid));
    assert.ok(!kids.includes(r.kid));
  } finally {
    await p.dispose();
  }
});

test('RS256 and ES256 keys are made and published with their algorithm', async () => {
  const p = await testPlatform();
  try {
    for (const alg of ['RS256', 'ES256'] as const) {
      const k = await p.keys.active(`t-${alg}`, alg);
      assert.equal(k.publicJwk.alg, alg);
      assert.equal(k.publicJwk.use, 'sig');
      assert.equal(k.publicJwk.kty, alg === 'RS256' ? 'RSA' : 'EC');
    }
  } finally {
    await p.dispose();
  }
});
