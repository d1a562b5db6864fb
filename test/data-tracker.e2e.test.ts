import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Kysely } from 'kysely';
import { DEMO_AGENCIES, DEMO_FIXTURES } from '../src/agencies/index.js';
import { archiveAuditLog, ExchangeAuditReader, type ExchangeAuditRecord } from '../src/exchange/index.js';
import { writeSyntheticChain } from '../src/exchange/audit/synthetic.js';
import { connectPortalToExchange } from '../src/web/inquiries/connect.js';
import { PORTAL_CLIENT, storedPortalKey } from '../src/web/inquiries/credentials.js';
import { Browser } from './browser.js';
import { call, recordAudit, startUpstream } from './exchange-helpers.js';
import { testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The data tracker shows every read of a person's data: a read that names them by national code, and
 * one that names them indirectly — their car's plate, their certificate's number, the postal code of
 * their home — which the exchange resolves through the owning agency and records for them too. One
 * test per demo service, each a gateway call about Ali (the documented demo person) that must then be
 * the newest row of Ali's /account/data-access and of nobody else's.
 */

let tp: TestPlatform;
let ali: Browser;
let other: Browser;
let portalKey: string;
let reader: ExchangeAuditReader;
let audit: Map<string, ExchangeAuditRecord>;
const F = DEMO_FIXTURES.person;
const SERVICES = DEMO_AGENCIES.flatMap((a) => a.services);
const FINES = SERVICES.find((s) => s.code === 'vehicle-fines')!.id;
const BANK = 'IR/COM/10100000001/kyc';

/** What names Ali in each parameter a demo service takes (a new parameter fails here until it is added). */
const ALIS: Record<string, string> = { nationalCode: F.nationalCode, plate: F.plateId, certificateNumber: F.certificateNumber, postalCode: F.postalCode };
const ali$ = (name: string): string => {
  assert.ok(ALIS[name], `a value of Ali's for the parameter ${name}`);
  return encodeURIComponent(ALIS[name]!);
};
/** The service's path with Ali's values, and its required query parameters from the agency's OpenAPI document. */
function pathFor(s: (typeof SERVICES)[number]): string {
  const doc = DEMO_AGENCIES.find((a) => a.services.includes(s))!.openapi as { paths: Record<string, { get: { parameters: Array<{ name: string; in: string }> } }> };
  const query = doc.paths[s.path]!.get.parameters.filter((p) => p.in === 'query').map((p) => `${p.name}=${ali$(p.name)}`);
  return s.path.replace(/\{(\w+)\}/g, (_, name: string) => ali$(name)) + (query.length ? `?${query.join('&')}` : '');
}

const gateway = (client: string, key: string, path: string, extra: Record<string, string> = {}) => call(tp.url!, path, { headers: { 'x-road-client': client, authorization: `ApiKey ${key}`, ...extra } });

/** The rows of a tracker page (English), newest first. */
async function rows(browser: Browser): Promise<string[]> {
  const page = await browser.get('/en/account/data-access');
  assert.equal(page.status, 200);
  return [...page.body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).filter((r) => !r.includes('<th'));
}

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  await tp.agencies.seed();
  await connectPortalToExchange(tp);
  portalKey = (await storedPortalKey(tp.database.db))!;
  reader = new ExchangeAuditReader(tp.database.db, tp.keys);
  audit = recordAudit(tp);
  ali = new Browser(tp.url!);
  await signInToPortal(ali, tp.url!, { nationalCode: F.nationalCode, mobile: F.mobile });
  other = new Browser(tp.url!);
  await signInToPortal(other, tp.url!, DEMO_FIXTURES.foreign);
});
after(() => tp.dispose());

for (const s of SERVICES) {
  const indirect = s.dataSubject && s.dataSubject.identifier !== 'nationalCode' ? s.dataSubject.identifier : null;
  test(`${s.id}: a read of Ali's data${indirect ? ` (named by his ${indirect})` : ''} is in Ali's tracker and nobody else's`, async () => {
    assert.ok(s.dataSubject, `${s.id} says where a request names the person its data is about`);
    const before = (await reader.accessesOf(F.nationalCode)).total;
    const a = await gateway(PORTAL_CLIENT, portalKey, `/r1/${s.id}${pathFor(s)}`);
    assert.equal(a.status, 200, a.text);
    const id = a.headers['x-road-id'] as string;

    const found = await reader.accessesOf(F.nationalCode, { limit: 1 });
    assert.equal(found.total, before + 1, 'one more read in Ali\'s tracker');
    const rec = found.items[0]!;
    assert.deepEqual([rec.id, rec.service, rec.client, rec.status], [id, s.id, PORTAL_CLIENT, 200], 'the newest read is this call');
    if (indirect) {
      assert.equal(rec.subject, ALIS[s.dataSubject.name], 'the record keeps what the request named');
      assert.deepEqual(rec.persons, [F.nationalCode], 'and whose data the owning agency said it is');
    } else {
      assert.deepEqual([rec.subject, rec.persons], [F.nationalCode, null]);
    }

    const [newest] = await rows(ali);
    assert.ok(newest?.includes(s.id), `Ali's /account/data-access shows the read of ${s.id} first`);
    assert.ok(!(await rows(other)).some((r) => r.includes(s.id)), 'another person\'s tracker does not');
  });
}

test('Ali looks up his car\'s fines six times on the portal: six reads of the fines in his tracker', async () => {
  const count = async () => (await reader.accessesOf(F.nationalCode, { limit: 500 })).items.filter((r) => r.service === FINES).length;
  const before = await count();
  for (let i = 0; i < 6; i++) {
    const form = await ali.get('/en/inquiries/vehicle-fines');
    let r = await ali.post('/en/inquiries/vehicle-fines', { _csrf: Browser.csrf(form.body), plate: i % 2 ? '۱۲ب۳۴۵-۶۷' : F.plateId });
    if (r.status === 303 && r.location) r = { ...(await ali.get(r.location)), location: null };
    assert.equal(r.status, 200, r.body.slice(0, 300));
  }
  assert.equal(await count(), before + 6);
  const page = await rows(ali);
  assert.ok(page.slice(0, 12).filter((r) => r.includes(FINES)).length === 6, 'the six reads of the fines among the newest rows (each after a look at his vehicles)');
});

test('a consent for Ali covers his plate and no one else\'s: the owner of the other plate sees the refused attempt', async () => {
  const { registry, contracts, apiKeys, consents } = tp.exchange;
  await registry.addMember({ id: 'IR/COM/10100000001', name: 'Bank' }, 'test');
  await registry.addSubsystem({ id: BANK }, 'test');
  await contracts.grant({ client: BANK, service: FINES, purpose: 'Car loans', methods: ['GET'], paths: ['/vehicles/*/fines'] }, 'test');
  const key = (await apiKeys.create(BANK, { label: 'test' }, 'test')).key;
  const asked = await consents.request({ subject: F.nationalCode, client: BANK, services: [FINES], purpose: 'Car loan', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }, BANK);
  const { token } = await consents.approve(asked.id, F.nationalCode);
  const fines = (plate: string, extra: Record<string, string> = { 'x-panjareh-consent': token }) => gateway(BANK, key, `/r1/${FINES}/vehicles/${plate}/fines`, extra);

  const mine = await fines(F.plateId);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(audit.get(mine.headers['x-road-id'] as string)?.consentId, asked.id);

  const db = tp.database.db as Kysely<any>;
  const theirs = await db.selectFrom('agency_vehicles').select(['plate_id', 'national_code']).where('national_code', '!=', F.nationalCode).executeTakeFirstOrThrow();
  const refused = await fines(theirs.plate_id);
  assert.equal(refused.status, 403);
  assert.equal(refused.json.type, 'Server.ServerProxy.ConsentInvalid');
  const owner = await reader.accessesOf(theirs.national_code, { limit: 1 });
  assert.deepEqual([owner.items[0]?.id, owner.items[0]?.status, owner.items[0]?.persons], [refused.headers['x-road-id'], 403, [theirs.national_code]], 'the owner\'s tracker shows the refused attempt on their car');

  assert.equal((await fines('99-B-999-99')).status, 403, 'a plate nobody owns: the consent is for no one it names');
  assert.equal((await fines(F.plateId, {})).json.type, 'Server.ServerProxy.ConsentRequired');
});

test('an owning agency whose lookup fails: the call fails (502) and nothing leaves unrecorded; an indirect identifier without a lookup is refused', async () => {
  const upstream = await startUpstream();
  try {
    const { registry, contracts, apiKeys } = tp.exchange;
    await registry.addMember({ id: 'IR/GOV/TEST', name: 'Test agency' }, 'test');
    await registry.addSubsystem({ id: 'IR/GOV/TEST/things' }, 'test');
    await registry.addMember({ id: 'IR/COM/30300000003', name: 'Consumer' }, 'test');
    await registry.addSubsystem({ id: 'IR/COM/30300000003/app' }, 'test');
    const openapi = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: { '/things/{serial}': { get: { responses: {} } } } };
    await assert.rejects(
      registry.addService({ id: 'IR/GOV/TEST/things/thing', upstream: `${upstream.url}/base`, classification: 'internal', openapi, subject: { in: 'path', name: 'serial', identifier: 'serialNumber' } }, 'test'),
      (e: { code?: string }) => e.code === 'invalid_subject',
    );
    // The echo upstream answers its lookup with something that is not {"nationalCodes": […]}.
    await registry.addService({ id: 'IR/GOV/TEST/things/thing', upstream: `${upstream.url}/base`, classification: 'internal', openapi, subject: { in: 'path', name: 'serial', identifier: 'serialNumber', resolve: { path: '/owners/{value}' } } }, 'test');
    await contracts.grant({ client: 'IR/COM/30300000003/app', service: 'IR/GOV/TEST/things/thing', methods: ['GET'], paths: ['/things/*'] }, 'test');
    const key = (await apiKeys.create('IR/COM/30300000003/app', { label: 'test' }, 'test')).key;
    const a = await gateway('IR/COM/30300000003/app', key, '/r1/IR/GOV/TEST/things/thing/things/SN-1', { 'x-panjareh-subject-lookup': 'forged' });
    assert.equal(a.status, 502, a.text);
    assert.equal(a.json.type, 'Server.ServerProxy.ServiceFailed');
    assert.deepEqual(upstream.hits.map((h) => [h.url, h.headers['x-panjareh-subject-lookup']]), [['/base/owners/SN-1', 'IR/GOV/TEST/things/thing']], 'only the lookup, sent by the gateway; the call itself never went out');
    assert.equal(audit.get(a.headers['x-road-id'] as string)?.errorType, 'Server.ServerProxy.ServiceFailed');
  } finally {
    await upstream.close();
  }
  const v = await reader.verify();
  assert.equal(v.ok, true, JSON.stringify(v.firstBad));
});

test('after the log before 1 November is archived, the tracker says so instead of silently showing less', async () => {
  // A node's October, with reads of Ali, moved to an archive (src/exchange/audit/archive.ts).
  const at = (i: number) => new Date(Date.UTC(2026, 9, 1) + i * 3600_000).toISOString();
  await writeSyntheticChain(tp.database.db, tp.database.dialect, tp.keys, { chain: 'gw-october', count: 40, at, sealEvery: 10, record: (i) => (i % 4 ? {} : { subject: F.nationalCode }) });
  const total = (await reader.accessesOf(F.nationalCode)).total;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-tracker-archive-'));
  try {
    const r = await archiveAuditLog(tp.database.db, tp.database.dialect, tp.keys, { before: '2026-11-01', outputDir: dir });
    assert.equal(r.records, 40);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const now = await reader.accessesOf(F.nationalCode);
  assert.deepEqual([now.total, now.archivedBefore], [total - 10, '2026-11-01T00:00:00.000Z']);
  const en = await ali.get('/en/account/data-access');
  assert.match(en.body, /Accesses before 1 November 2026 have been moved to the data exchange&#39;s audit archive and are not listed here\./);
  const fa = await ali.get('/account/data-access');
  assert.match(fa.body, /دسترسی‌های پیش از ۱۰ آبان ۱۴۰۵ به بایگانی/);
  const v = await reader.verify();
  assert.equal(v.ok, true, JSON.stringify(v.firstBad));
});
