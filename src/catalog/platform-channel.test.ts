import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catalogFile, service } from '../../test/fixtures.js';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { AppError } from '../platform/errors.js';
import { formToService, serviceToForm } from '../web/console/form.js';
import { formatImportErrors, ImportRejected } from './import.js';
import { PlatformPaths } from './platform-paths.js';

/** Services delivered on the platform itself: the `platform` channel, checked against the pages the platform serves. */

let tp: TestPlatform;
before(async () => {
  tp = await testPlatform();
  await tp.catalog.import(catalogFile(), { actor: 'test' });
});
after(() => tp.dispose());

const here = (code: string, path: string, title = 'Check vehicle fines') => service(code, 'RAHVAR', ['استعلام خلافی', title], { channels: [{ type: 'platform', path }, { type: 'online', url: 'https://rahvar120.ir/fines' }] });

test('the composition registers the portal’s inquiry pages; sources are read when asked, and may come and go', async () => {
  const known = await tp.catalog.platformPaths.known();
  for (const p of ['/inquiries', '/inquiries/vehicle-fines', '/inquiries/civil-registry', '/inquiries/postal-address']) assert.ok(known.has(p), p);
  assert.ok(![...known].some((p) => p.startsWith('/en')), 'paths are language-neutral');
  const paths = new PlatformPaths();
  let slugs = ['a'];
  paths.register('applications', async () => slugs.map((s) => `/services/${s}/apply`));
  assert.deepEqual([...(await paths.known())], ['/services/a/apply']);
  slugs = ['a', 'b'];
  assert.equal((await paths.known()).size, 2, 'read on every call, not once');
  paths.unregister('applications');
  assert.equal((await paths.known()).size, 0);
});

test('an import naming a page the platform does not serve is refused record by record; a known page imports', async () => {
  const file = {
    services: [
      here('RAHVAR-0101', '/inquiries/no-such-inquiry'),
      here('RAHVAR-0102', '/en/inquiries/vehicle-fines'),
      here('RAHVAR-0103', 'inquiries/vehicle-fines'),
      here('RAHVAR-0104', 'https://example.ir/x'),
    ],
  };
  const e = await tp.catalog.import(file, { actor: 'test', file: 'here.json' }).catch((x: unknown) => x);
  assert.ok(e instanceof ImportRejected);
  // Shape problems are reported before references; each record's line says which record and field.
  const lines = formatImportErrors(e).split('\n');
  const of = (i: number) => lines.find((l) => l.startsWith(`here.json: services[${i}] (RAHVAR-010${i + 1}) channels.0.path: `)) ?? '';
  assert.match(of(0), /there is no page "\/inquiries\/no-such-inquiry" on this platform; known pages: \/inquiries, \/inquiries\/certificate/);
  assert.match(of(1), /write the path without the language prefix: "\/inquiries\/vehicle-fines" \(English pages add \/en themselves\)$/);
  for (const i of [2, 3]) assert.match(of(i), /must be a page of this platform written without the language prefix/);
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.equal(tp.catalog.read.service('RAHVAR-0101'), undefined, 'nothing was imported');

  // A page another capability registers is accepted as soon as it is registered.
  await assert.rejects(tp.catalog.import({ services: [here('RAHVAR-0105', '/services/fines/apply')] }, { actor: 'test' }), ImportRejected);
  tp.catalog.platformPaths.register('test-applications', () => ['/services/fines/apply']);
  try {
    await tp.catalog.import({ services: [here('RAHVAR-0105', '/services/fines/apply', 'Apply about fines')] }, { actor: 'test' });
  } finally {
    tp.catalog.platformPaths.unregister('test-applications');
  }
  await tp.catalog.import({ services: [here('RAHVAR-0106', '/inquiries/vehicle-fines')] }, { actor: 'test' });
  assert.deepEqual(tp.catalog.read.service('RAHVAR-0106')?.channels[0], { type: 'platform', path: '/inquiries/vehicle-fines' });
});

test('search marks and filters services delivered here; export and JSON-LD carry the channel', async () => {
  const r = tp.catalog.read.search({ channel: 'platform', page: 1, pageSize: 50 });
  assert.deepEqual(r.items.map((i) => i.code).sort(), ['RAHVAR-0105', 'RAHVAR-0106']);
  const all = tp.catalog.read.search({ page: 1, pageSize: 1 });
  assert.deepEqual(all.facets.channel[0], { code: 'platform', count: 2, name: { fa: 'در همین درگاه', en: 'Here on Panjareh' } }, 'first among the channels');

  const exported = await tp.catalog.export();
  assert.deepEqual(exported.services.find((s) => s.code === 'RAHVAR-0106')?.channels, [{ type: 'platform', path: '/inquiries/vehicle-fines' }, { type: 'online', url: 'https://rahvar120.ir/fines' }]);
  const ld = (await tp.catalog.exportJsonLd('https://panjareh.example')) as { '@graph': Array<Record<string, any>> };
  const svc = ld['@graph'].find((n) => n.identifier === 'RAHVAR-0106')!;
  assert.deepEqual(svc.hasChannel[0], {
    '@id': 'https://panjareh.example/id/service/RAHVAR-0106#channel-1',
    '@type': 'Channel',
    'dct:type': 'platform',
    'schema:url': 'https://panjareh.example/inquiries/vehicle-fines',
    'panjareh:platformPath': '/inquiries/vehicle-fines',
  });
});

test('the console workflow refuses a platform page that does not exist, naming the field', async () => {
  const editor = { username: 'ed', role: 'editor' as const, organization: 'RAHVAR' };
  const e = await tp.catalog.workflow.createDraft(editor, here('RAHVAR-0107', '/inquiries/nope')).catch((x: unknown) => x);
  assert.ok(e instanceof AppError && e.code === 'invalid_service');
  assert.deepEqual((e.details as Array<{ field: string }>).map((d) => d.field), ['channels.0.path']);
  const ok = await tp.catalog.workflow.createDraft(editor, here('RAHVAR-0107', '/inquiries/vehicle-fines'));
  assert.equal((await tp.catalog.workflow.working(editor, ok.code)).data.channels[0]?.type, 'platform');
});

test('the console form carries the platform channel both ways', () => {
  const { input, errors } = formToService({ code: 'RAHVAR-0108', organization: 'RAHVAR', title_fa: 'الف', title_en: 'A', summary_fa: 'ب', summary_en: 'B', platform_path: ' /inquiries/vehicle-fines ', phone_number: '120' });
  assert.deepEqual(errors, []);
  assert.deepEqual(input.channels, [{ type: 'platform', path: '/inquiries/vehicle-fines' }, { type: 'phone', number: '120' }]);
  const back = serviceToForm({ ...(tp.catalog.read.service('RAHVAR-0106')!) });
  assert.equal(back.platform_path, '/inquiries/vehicle-fines');
  assert.equal(back.online_url, 'https://rahvar120.ir/fines');
});
