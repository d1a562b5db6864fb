import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { citizenApiResource } from '../src/identity/index.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db.js';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { catalogFile, service } from './fixtures.js';
import { freshDatabase, testPlatform } from './harness.js';
import { loadUntilKilled } from './kill-under-load.js';
import { startNode } from './entry.js';

/**
 * Kill -9 of the real server (`panjareh start --roles portal`, a child process) while citizens submit
 * applications through the API (`POST /api/v1/applications` with an Idempotency-Key). After a restart
 * on the same database: every application that got a 201 is there with its tracking code, its history
 * and its submitted status; no request made two; and each request that got no answer, sent again with
 * its key, ends as exactly one application (made now, or the one the lost answer was about).
 *
 * The access tokens are minted here with the provider's own signing key and exactly the claims the
 * provider puts in a citizen-API token (test/citizen-token.e2e.test.ts walks the code flow that issues
 * them): the test is about submissions, and a code flow per person would cost seconds each.
 */

/** The platform's address, the tokens' issuer: the child only needs to agree, nothing calls it. */
const ISSUER = 'http://panjareh-kill.test';
const SERVICES = ['NOCR-0031', 'POST-0031'];
/** One client loop per person: each person stays far below the daily limit of 20 a service. */
const CLIENTS = 16;
/** The kill comes after this many 201s, or after this long under load on a slow machine. */
const KILL_AFTER = 160;
const KILL_AFTER_MS = 3000;

const L = (fa: string, en: string) => ({ fa, en });
const form = {
  schema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { purpose: { type: 'string', enum: ['work', 'travel'] }, note: { type: 'string', maxLength: 200 } },
    required: ['purpose', 'note'],
    additionalProperties: false,
  },
  fields: {
    purpose: { kind: 'choice', label: L('کاربرد', 'Purpose'), options: [{ value: 'work', label: L('کار', 'Work') }, { value: 'travel', label: L('سفر', 'Travel') }] },
    note: { kind: 'text', label: L('یادداشت', 'Note') },
  },
  pages: [{ id: 'main', title: L('درخواست', 'Application'), fields: ['purpose', 'note'] }],
};
const delivery = (organization: string) => ({
  form,
  prefill: [],
  fee: null,
  steps: [{ id: 'check', organization, title: L('بررسی', 'Check'), deadlineDays: 5 }],
  reasons: [],
  document: null,
});

interface Attempt {
  key: string;
  person: number;
  body: { service: string; answers: { purpose: string; note: string } };
  /** Set when the server answered 201 before the kill. */
  acknowledged?: { id: string; trackingCode: string };
}

let db: Awaited<ReturnType<typeof freshDatabase>>;
const tokens: string[] = [];
const running: ChildProcess[] = [];

before(async () => {
  db = await freshDatabase();
  const p = await testPlatform({ shared: db, env: { PUBLIC_URL: ISSUER, PANJAREH_DEMO: 'false' } });
  try {
    const file = catalogFile();
    file.services.push(
      service(SERVICES[0]!, 'NOCR', ['گواهی آزمون', 'Test certificate'], { delivery: delivery('NOCR') }) as never,
      service(SERVICES[1]!, 'POST', ['گواهی نشانی آزمون', 'Test address certificate'], { delivery: delivery('POST') }) as never,
    );
    await p.catalog.import(file, { actor: 'test' });
    const site = await p.identity.clients.add({ name: 'برنامهٔ همراه / Mobile app', redirectUris: ['http://127.0.0.1:9/callback'] }, 'test');
    const key = await p.keys.active('oidc', 'RS256');
    for (let i = 0; i < CLIENTS; i++) {
      const first9 = String(412_000_000 + i).padStart(9, '0');
      const nationalCode = `${first9}${nationalCodeCheckDigit(first9)}`;
      await p.agencies.addPerson({ nationalCode, mobile: `0912${String(7_000_000 + i)}`, firstName: L('شهروند', 'Citizen'), lastName: L('آزمون', 'Test'), birthDate: '1980-01-01', gender: 'female' }, 'test');
      const sub = await p.identity.people.subjectOf(nationalCode);
      tokens.push(
        await new SignJWT({ scope: 'applications', client_id: site.clientId, jti: randomUUID() })
          .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid })
          .setIssuer(ISSUER)
          .setAudience(citizenApiResource(ISSUER))
          .setSubject(sub)
          .setIssuedAt()
          .setExpirationTime('1h')
          .sign(key.privateKey),
      );
    }
  } finally {
    await p.dispose();
  }
});

after(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db.drop();
});

/** Starts the portal node and returns its address once it says where it listens (an event, not a time). */
async function startPortal(): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env, PANJAREH_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', PANJAREH_DEMO: 'false', PUBLIC_URL: ISSUER, ...(db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {}) };
  const { child, port } = await startNode('portal', env);
  running.push(child);
  return { child, url: `http://127.0.0.1:${port}` };
}

const submit = (url: string, a: Attempt) =>
  fetch(`${url}/api/v1/applications`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[a.person]}`, 'idempotency-key': a.key, 'content-type': 'application/json' },
    body: JSON.stringify(a.body),
    signal: AbortSignal.timeout(20_000),
  });

test('kill -9 during submissions under load: no acknowledged application is lost, and a retry with its key makes exactly one', async (t) => {
  const first = await startPortal();
  const t0 = performance.now();
  const attempts: Attempt[] = [];
  /** Answers other than 201 that came back before the kill (none expected). */
  const refusals: string[] = [];
  let next = 0;
  const r = await loadUntilKilled(first.child, {
    clients: CLIENTS,
    killAfter: KILL_AFTER,
    killAfterMs: KILL_AFTER_MS,
    call: async () => {
      // Client `i` is person `i`; once the signal went, no new request starts (each would only be one more to retry).
      const n = next++;
      if (first.child.killed) throw new Error('killed');
      const key = `kill-${randomUUID()}`;
      const a: Attempt = { key, person: n % CLIENTS, body: { service: SERVICES[Math.floor(n / CLIENTS) % 2]!, answers: { purpose: n % 3 ? 'work' : 'travel', note: key } } };
      attempts.push(a);
      const res = await submit(first.url, a);
      const body = (await res.json()) as { id: string; trackingCode: string };
      if (res.status !== 201) {
        refusals.push(`${res.status} ${JSON.stringify(body)}`);
        return null;
      }
      a.acknowledged = { id: body.id, trackingCode: body.trackingCode };
      return body.id;
    },
  });
  const loadMs = performance.now() - t0;
  assert.equal(first.child.signalCode, 'SIGKILL');
  assert.deepEqual(refusals, [], 'every answer before the kill was a 201');
  const acknowledged = attempts.filter((a) => a.acknowledged);
  const unanswered = attempts.filter((a) => !a.acknowledged);
  assert.equal(acknowledged.length, r.ok.length);
  assert.ok(acknowledged.length >= CLIENTS, `${acknowledged.length} acknowledged`);
  assert.ok(unanswered.length > 0, 'the kill came while submissions were in flight');

  const second = await startPortal();
  // Every acknowledged application, as its applicant sees it through the API after the restart.
  const lost: string[] = [];
  const queue = [...acknowledged];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let a = queue.shift(); a; a = queue.shift()) {
        const res = await fetch(`${second.url}/api/v1/applications/${a.acknowledged!.id}`, { headers: { authorization: `Bearer ${tokens[a.person]}` } });
        const got = (await res.json()) as { trackingCode: string; status: string; answers: { note: string }; history: Array<{ kind: string; status: string }> };
        if (res.status !== 200) {
          lost.push(`${a.key}: ${res.status}`);
          continue;
        }
        assert.equal(got.trackingCode, a.acknowledged!.trackingCode, a.key);
        assert.equal(got.status, 'submitted', a.key);
        assert.equal(got.answers.note, a.key, a.key);
        assert.deepEqual(got.history.map((h) => [h.kind, h.status]), [['created', 'draft'], ['submitted', 'submitted']], a.key);
      }
    }),
  );
  assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged applications were lost`);

  // Each request without an answer, sent again with its key: 201 (it never committed) or 200 replayed (its answer was lost).
  const retried = new Map<string, string>();
  let replayed = 0;
  for (const a of unanswered) {
    const res = await submit(second.url, a);
    const body = (await res.json()) as { id: string; status: string };
    assert.ok(res.status === 201 || (res.status === 200 && res.headers.get('idempotent-replayed') === 'true'), `${a.key}: ${res.status} ${JSON.stringify(body)}`);
    assert.equal(body.status, 'submitted');
    if (res.status === 200) replayed++;
    retried.set(a.key, body.id);
  }
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));

  // In the database: exactly one application per request (its note is its key), each the one its answer named.
  const handle = openDatabase(loadConfig({ ...process.env, PANJAREH_DATA_DIR: db.dataDir }), { pgSchema: db.pgSchema });
  try {
    const rows = (await sql<{ id: string; answers: string; status: string; tracking_code: string }>`select id, answers, status, tracking_code from applications`.execute(handle.db)).rows;
    const byKey = new Map<string, string[]>();
    for (const row of rows) {
      const note = (JSON.parse(row.answers) as { note: string }).note;
      byKey.set(note, [...(byKey.get(note) ?? []), row.id]);
    }
    const twice = [...byKey].filter(([, ids]) => ids.length > 1);
    assert.deepEqual(twice, [], 'no request made two applications');
    assert.equal(rows.length, attempts.length, 'one application per request, and none from nowhere');
    for (const a of acknowledged) assert.deepEqual(byKey.get(a.key), [a.acknowledged!.id], a.key);
    for (const a of unanswered) assert.deepEqual(byKey.get(a.key), [retried.get(a.key)], a.key);
    assert.ok(rows.every((row) => row.status === 'submitted'));
    const keys = (await sql<{ key: string; application_id: string }>`select key, application_id from application_idempotency`.execute(handle.db)).rows;
    assert.equal(keys.length, attempts.length);
    for (const k of keys) assert.deepEqual(byKey.get(k.key), [k.application_id], k.key);
    // Each submission scheduled its deadline with it: none is without one.
    const deadlines = (await sql<{ n: number }>`select count(*) as n from platform_jobs where kind = 'application.deadline'`.execute(handle.db)).rows[0]!;
    assert.equal(Number(deadlines.n), attempts.length);
  } finally {
    await handle.close();
  }
  t.diagnostic(`${acknowledged.length} acknowledged, ${unanswered.length} unanswered (${replayed} of them had committed), load ${Math.round(loadMs)} ms`);
});
