import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { testPlatform } from '../../../test/harness.js';
import { ConfigError, loadConfig } from '../config.js';
import { createOutboundMessages, DevOutbox, MessageNotSent, messagingWarning, OUTBOX_KEEP, OUTBOX_KEEP_MS } from './index.js';

const text = (to: string, body = 'code 123456') => ({ channel: 'sms' as const, to, body, purpose: 'sign-in' });

test('demo mode without a gateway: texts and e-mail go to the outbox, numbers stored normalised, newest first', async () => {
  const p = await testPlatform({ env: { PANJAREH_DEMO: 'true' } });
  try {
    const messages = createOutboundMessages({ demo: true, sms: undefined }, p.database.db);
    const outbox = new DevOutbox(p.database.db);
    await messages.send(text('+98 912 345 6789', 'first'));
    await messages.send(text('۰۹۱۲۳۴۵۶۷۸۹', 'second'));
    await messages.send(text('09350000000', 'someone else'));
    await messages.send({ channel: 'email', to: ' Ali@Example.ORG ', body: 'hello', purpose: 'notice' });
    const mine = await outbox.list('09123456789');
    assert.deepEqual(mine.map((m) => m.body), ['second', 'first'], 'both spellings are one number; newest first');
    assert.equal(mine[0]!.channel, 'sms');
    assert.equal(mine[0]!.purpose, 'sign-in');
    assert.deepEqual((await outbox.list('ali@example.org')).map((m) => m.body), ['hello']);
  } finally {
    await p.dispose();
  }
});

test('outside demo mode without a gateway a send fails loudly (503), for texts and e-mail', async () => {
  const p = await testPlatform({ env: { PANJAREH_DEMO: 'false' } });
  try {
    const messages = createOutboundMessages({ demo: false, sms: undefined }, p.database.db);
    await assert.rejects(messages.send(text('09123456789')), (e: unknown) => e instanceof MessageNotSent && e.status === 503 && /PANJAREH_SMS_URL/.test(e.message));
    await assert.rejects(messages.send({ channel: 'email', to: 'a@example.org', body: 'x', purpose: 'notice' }), (e: unknown) => e instanceof MessageNotSent && /PANJAREH_SMTP_URL/.test(e.message));
    const rows = await (p.database.db as Kysely<any>).selectFrom('dev_outbox').select('id').execute();
    assert.equal(rows.length, 0, 'nothing was kept anywhere');
  } finally {
    await p.dispose();
  }
});

test('with a gateway, texts go to it (never the outbox); in demo mode e-mail still goes to the outbox', async () => {
  const got: string[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => (b += d)).on('end', () => {
      got.push(b);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const p = await testPlatform({ env: { PANJAREH_DEMO: 'true' } });
  try {
    const sms = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`, from: '3000', timeoutMs: 5000 };
    const messages = createOutboundMessages({ demo: true, sms }, p.database.db);
    await messages.send(text('09123456789', 'via gateway'));
    await messages.send({ channel: 'email', to: 'a@example.org', body: 'mail', purpose: 'notice' });
    assert.equal(got.length, 1);
    assert.equal(JSON.parse(got[0]!).text, 'via gateway');
    const kept = await (p.database.db as Kysely<any>).selectFrom('dev_outbox').select(['channel', 'body']).execute();
    assert.deepEqual(kept, [{ channel: 'email', body: 'mail' }]);
  } finally {
    await p.dispose();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('the outbox keeps a day at most and the newest messages only', async () => {
  const p = await testPlatform();
  try {
    const db = p.database.db as Kysely<any>;
    const now = Date.now();
    const old = new Date(now - OUTBOX_KEEP_MS - 60_000).toISOString();
    const rows = Array.from({ length: OUTBOX_KEEP + 5 }, (_, i) => ({ id: `m${i}`, channel: 'sms', to: '09123456789', body: `n${i}`, purpose: 'test', created_at: new Date(now - 3_600_000 + i).toISOString() }));
    rows.push({ id: 'old', channel: 'sms', to: '09120000000', body: 'stale', purpose: 'test', created_at: old });
    for (let i = 0; i < rows.length; i += 200) await db.insertInto('dev_outbox').values(rows.slice(i, i + 200)).execute();
    await new DevOutbox(db).prune(now);
    const left = await db.selectFrom('dev_outbox').select('body').orderBy('created_at', 'asc').execute();
    assert.equal(left.length, OUTBOX_KEEP);
    assert.equal(left[0]!.body, 'n5', 'the five oldest of the day went');
    assert.ok(!left.some((r) => r.body === 'stale'), 'older than a day went');
    // A process's first send prunes too.
    await db.insertInto('dev_outbox').values({ ...rows.at(-1)!, id: 'old2' }).execute();
    await new DevOutbox(db).send(text('09123456789'));
    assert.equal((await db.selectFrom('dev_outbox').select('id').where('id', '=', 'old2').execute()).length, 0);
  } finally {
    await p.dispose();
  }
});

test('configuration: gateway address and credentials are checked; a missing gateway warns only where sign-in runs outside demo', () => {
  assert.equal(loadConfig({}).sms, undefined);
  const bearer = loadConfig({ PANJAREH_SMS_URL: 'https://sms.example.ir/api/send', PANJAREH_SMS_TOKEN: 't', PANJAREH_SMS_FROM: '3000' }).sms;
  assert.deepEqual(bearer, { url: 'https://sms.example.ir/api/send', token: 't', username: undefined, password: undefined, from: '3000', timeoutMs: 5000 });
  const basic = loadConfig({ PANJAREH_SMS_URL: 'http://10.0.0.5:8080/send', PANJAREH_SMS_USER: 'u', PANJAREH_SMS_PASSWORD: 'p', PANJAREH_SMS_TIMEOUT_MS: '2000' }).sms;
  assert.equal(basic?.username, 'u');
  assert.equal(basic?.password, 'p');
  assert.equal(basic?.token, undefined);
  assert.equal(basic?.timeoutMs, 2000);
  for (const [env, re] of [
    [{ PANJAREH_SMS_URL: 'ftp://sms.example.ir/' }, /PANJAREH_SMS_URL must be an http/],
    [{ PANJAREH_SMS_URL: 'sms.example.ir/send' }, /PANJAREH_SMS_URL must be an http/],
    [{ PANJAREH_SMS_URL: 'https://user:secret@sms.example.ir/' }, /must not carry credentials/],
    [{ PANJAREH_SMS_URL: 'https://sms.example.ir/', PANJAREH_SMS_TOKEN: 't', PANJAREH_SMS_USER: 'u', PANJAREH_SMS_PASSWORD: 'p' }, /not both/],
    [{ PANJAREH_SMS_URL: 'https://sms.example.ir/', PANJAREH_SMS_USER: 'u' }, /needs PANJAREH_SMS_PASSWORD/],
    [{ PANJAREH_SMS_URL: 'https://sms.example.ir/', PANJAREH_SMS_TIMEOUT_MS: 'soon' }, /PANJAREH_SMS_TIMEOUT_MS/],
  ] as const) {
    assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && re.test(e.message) && !/secret/.test(e.message));
  }
  const off = loadConfig({ PANJAREH_DEMO: 'false' });
  assert.match(messagingWarning(off) ?? '', /PANJAREH_SMS_URL/);
  assert.equal(messagingWarning({ ...off, roles: ['portal', 'gateway'] }), undefined, 'nodes that do not sign people in need no gateway');
  assert.equal(messagingWarning(loadConfig({})), undefined, 'demo mode has the outbox');
  assert.equal(messagingWarning(loadConfig({ PANJAREH_DEMO: 'false', PANJAREH_SMS_URL: 'https://sms.example.ir/' })), undefined);
});
