import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { catalogFile, service } from '../../test/fixtures.js';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { ImportRejected, formatImportErrors, readCatalogFile } from './import.js';

let tp: TestPlatform;
before(async () => {
  tp = await testPlatform();
});
after(() => tp.dispose());

const count = async (table: string) => Number((await tp.database.db.selectFrom(table as never).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

test('a file with 3 good and 2 bad services reports both bad ones and imports nothing; fixed, it imports; twice changes nothing', async () => {
  const file = catalogFile();
  file.services = [
    service('NOCR-0101', 'NOCR', ['یک', 'One']),
    service('NOCR-0102', 'NOCR', ['دو', 'Two']),
    { ...service('NOCR-0103', 'NOCR', ['سه', 'Three']), title: { fa: 'سه' } } as never, // no English title
    service('NOCR-0104', 'NOCR', ['چهار', 'Four']),
    service('NOCR-0105', 'NOPE', ['پنج', 'Five']), // unknown organisation
  ];
  await assert.rejects(
    () => tp.catalog.import(file, { actor: 'test', file: 'five.json' }),
    (e: unknown) => {
      assert.ok(e instanceof ImportRejected);
      const bad = e.errors.map((r) => `${r.index}:${r.field}`);
      assert.deepEqual(bad.sort(), ['2:title.en', '4:organization']);
      const text = formatImportErrors(e);
      assert.match(text, /five\.json: services\[2\] \(NOCR-0103\) title\.en: required field is missing/);
      assert.match(text, /five\.json: services\[4\] \(NOCR-0105\) organization: unknown organisation "NOPE"/);
      return true;
    },
  );
  assert.equal(await count('services'), 0, 'nothing half-written');
  assert.equal(await count('organizations'), 0, 'not even the good reference data');

  file.services[2] = service('NOCR-0103', 'NOCR', ['سه', 'Three']) as never;
  file.services[4] = service('NOCR-0105', 'NOCR', ['پنج', 'Five']) as never;
  const first = await tp.catalog.import(file, { actor: 'test' });
  assert.equal(first.created, 5);
  const versions = await count('service_versions');
  const changes = await count('catalog_changes');

  const second = await tp.catalog.import(structuredClone(file), { actor: 'test' });
  assert.deepEqual(second, { created: 0, updated: 0, unchanged: 5, referenceChanged: 0 });
  assert.equal(await count('service_versions'), versions, 'no new versions');
  assert.equal(await count('catalog_changes'), changes, 'no change events');

  // A real change to one record updates only that one.
  file.services[0]!.summary = { fa: 'خلاصه تازه', en: 'A new summary' };
  const third = await tp.catalog.import(file, { actor: 'test' });
  assert.deepEqual(third, { created: 0, updated: 1, unchanged: 4, referenceChanged: 0 });
  assert.equal(tp.catalog.read.service('NOCR-0101')?.summary.en, 'A new summary');
});

test('every kind of bad record is named: unknown fields, wrong types, bad channels, duplicates, script URLs', async () => {
  const file = catalogFile();
  file.services = [
    { ...service('POST-0201', 'POST', ['الف', 'A']), colour: 'red' } as never,
    { ...service('POST-0202', 'POST', ['ب', 'B']), processingDays: 'seven' } as never,
    { ...service('POST-0203', 'POST', ['ج', 'C']), channels: [{ type: 'fax', number: '1' }] } as never,
    { ...service('POST-0204', 'POST', ['د', 'D']), channels: [{ type: 'online', url: 'javascript:alert(1)' }] } as never,
    service('POST-0201', 'POST', ['ه', 'E']),
    { ...service('POST-0206', 'POST', ['و', 'F']), topics: ['no-such-topic'] } as never,
  ];
  const e = await tp.catalog.import(file, { actor: 'test' }).catch((x) => x);
  assert.ok(e instanceof ImportRejected);
  const got = e.errors.map((r) => `${r.index}:${r.field}:${r.reason}`);
  assert.ok(got.includes('0:colour:unknown field'), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('1:processingDays:')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('2:channels.0:')), got.join('\n'));
  assert.ok(got.some((g) => g.startsWith('3:channels.0')), got.join('\n'));
  assert.ok(got.includes('4:code:this code appears twice in the file'), got.join('\n'));
  assert.ok(got.includes('5:topics.0:unknown topic "no-such-topic"'), got.join('\n'));
});

test('a file that is not an object, not JSON, missing or too big gets one clear message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-import-'));
  try {
    const notJson = path.join(dir, 'a.json');
    fs.writeFileSync(notJson, '{ "services": [ oops');
    await assert.rejects(() => readCatalogFile(notJson), (e: ImportRejected) => /not valid JSON/.test(e.errors[0]!.reason));
    await assert.rejects(() => readCatalogFile(path.join(dir, 'missing.json')), (e: ImportRejected) => /no such file/.test(e.errors[0]!.reason));
    await assert.rejects(() => readCatalogFile(dir), (e: ImportRejected) => /not a regular file/.test(e.errors[0]!.reason));
    // A sparse file: large on disk without writing the bytes; refused before reading.
    const huge = path.join(dir, 'huge.json');
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 1024 * 1024 * 1024);
    await assert.rejects(() => readCatalogFile(huge), (e: ImportRejected) => /1024 MB; the limit is 256 MB/.test(e.errors[0]!.reason));
    await assert.rejects(() => tp.catalog.import([1, 2], { actor: 'test' }), (e: ImportRejected) => /one JSON object/.test(e.errors[0]!.reason));
    await assert.rejects(() => tp.catalog.import({ services: {} }, { actor: 'test' }), (e: ImportRejected) => e.errors[0]!.reason === 'must be an array');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('export writes the import format back; importing the export changes nothing; JSON-LD uses CPSV-AP', async () => {
  await tp.catalog.import(catalogFile(), { actor: 'test' });
  const exported = await tp.catalog.export();
  assert.ok(exported.services.length >= 7);
  const again = await tp.catalog.import(JSON.parse(JSON.stringify(exported)), { actor: 'test' });
  assert.equal(again.created + again.updated, 0);
  assert.equal(again.referenceChanged, 0);
  const ld = (await tp.catalog.exportJsonLd('https://panjareh.example')) as { '@context': Record<string, unknown>; '@graph': Array<Record<string, unknown>> };
  assert.equal(ld['@context']['@vocab'], 'http://data.europa.eu/m8g/');
  const svc = ld['@graph'].find((n) => n.identifier === 'RAHVAR-0001')!;
  assert.equal(svc['@type'], 'PublicService');
  assert.deepEqual(svc.hasCompetentAuthority, { '@id': 'https://panjareh.example/id/organization/RAHVAR' });
  assert.equal(svc.processingTime, 'P1D');
  assert.ok(ld['@graph'].some((n) => n['@type'] === 'PublicOrganisation' && n.identifier === 'NOCR'));
});

test('text is stored canonical (Persian letters) and HTML stays text', async () => {
  const file = { services: [service('NOCR-0301', 'NOCR', ['<script>alert("x")</script> كارت', 'Card <b>bold</b>'])] };
  await tp.catalog.import(file, { actor: 'test' });
  const s = tp.catalog.read.service('NOCR-0301')!;
  assert.equal(s.title.fa, '<script>alert("x")</script> کارت');
  assert.equal(s.title.en, 'Card <b>bold</b>');
  assert.equal(s.slug, 'card-b-bold-b');
});
