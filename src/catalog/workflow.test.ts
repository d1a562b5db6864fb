import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catalogFile, service } from '../../test/fixtures.js';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import type { Actor } from './workflow.js';

let tp: TestPlatform;
const nocrEditor: Actor = { username: 'ed.nocr', role: 'editor', organization: 'NOCR' };
const postEditor: Actor = { username: 'ed.post', role: 'editor', organization: 'POST' };
const reviewer: Actor = { username: 'rev', role: 'reviewer', organization: null };

before(async () => {
  tp = await testPlatform();
  await tp.catalog.import(catalogFile(), { actor: 'test' });
});
after(() => tp.dispose());

const wf = () => tp.catalog.workflow;
const code = (e: unknown) => (e as { code?: string }).code;

test('the workflow keeps the approved version live while a new draft is edited', async () => {
  await wf().createDraft(nocrEditor, service('NOCR-0500', 'NOCR', ['گذرنامه', 'Passport']));
  assert.equal(tp.catalog.read.service('NOCR-0500'), undefined, 'a draft is not public');
  await wf().submit(nocrEditor, 'NOCR-0500');
  await assert.rejects(() => wf().edit(nocrEditor, 'NOCR-0500', service('NOCR-0500', 'NOCR', ['x', 'x'])), (e) => code(e) === 'awaiting_review');
  await assert.rejects(() => wf().approve(nocrEditor, 'NOCR-0500'), (e) => code(e) === 'forbidden', 'editors cannot approve');
  await assert.rejects(() => wf().reject(reviewer, 'NOCR-0500', ' '), (e) => code(e) === 'reason_required');
  await wf().approve(reviewer, 'NOCR-0500');
  assert.equal(tp.catalog.read.service('NOCR-0500')?.title.en, 'Passport');

  const { version } = await wf().edit(nocrEditor, 'NOCR-0500', service('NOCR-0500', 'NOCR', ['گذرنامه تازه', 'New passport']));
  assert.equal(version, 2);
  assert.equal(tp.catalog.read.service('NOCR-0500')?.title.en, 'Passport', 'the approved version stays live');
  await wf().submit(nocrEditor, 'NOCR-0500');
  await wf().approve(reviewer, 'NOCR-0500');
  await tp.catalog.read.sync();
  assert.equal(tp.catalog.read.service('NOCR-0500')?.title.en, 'New passport');
  const w = await wf().working(reviewer, 'NOCR-0500');
  assert.deepEqual(
    w.history.map((h) => `${h.version}:${h.action}:${h.actor}`),
    ['1:create:ed.nocr', '1:submit:ed.nocr', '1:approve:rev', '2:edit:ed.nocr', '2:submit:ed.nocr', '2:approve:rev'],
  );
  const statuses = await tp.catalog.db.selectFrom('service_versions').select(['version', 'status']).where('service_code', '=', 'NOCR-0500').orderBy('version').execute();
  assert.deepEqual(statuses, [{ version: 1, status: 'superseded' }, { version: 2, status: 'approved' }]);
});

test("an editor of one agency cannot create, read, edit, submit or take over another agency's entries", async () => {
  await assert.rejects(() => wf().createDraft(postEditor, service('NOCR-0600', 'NOCR', ['الف', 'A'])), (e) => code(e) === 'forbidden');
  await assert.rejects(() => wf().edit(postEditor, 'NOCR-0001', service('NOCR-0001', 'NOCR', ['الف', 'A'])), (e) => code(e) === 'forbidden');
  await assert.rejects(() => wf().edit(postEditor, 'NOCR-0001', service('NOCR-0001', 'POST', ['الف', 'A'])), (e) => code(e) === 'forbidden');
  await assert.rejects(() => wf().edit(nocrEditor, 'NOCR-0001', service('NOCR-0001', 'POST', ['الف', 'A'])), (e) => code(e) === 'forbidden', 'no moving entries to another agency');
  await assert.rejects(() => wf().submit(postEditor, 'NOCR-0001'), (e) => code(e) === 'forbidden');
  await assert.rejects(() => wf().working(postEditor, 'NOCR-0001'), (e) => code(e) === 'forbidden');
  const listed = await wf().list(postEditor);
  assert.ok(listed.every((r) => r.data.organization === 'POST'));
});

test('bad drafts are refused with the fields named; codes and slugs stay unique', async () => {
  await assert.rejects(
    () => wf().createDraft(nocrEditor, { ...service('NOCR-0700', 'NOCR', ['ب', 'B']), cost: { amount: -5, currency: 'IRR' } }),
    (e) => code(e) === 'invalid_service' && JSON.stringify((e as { details: unknown }).details).includes('cost.amount'),
  );
  await assert.rejects(() => wf().createDraft(nocrEditor, service('NOCR-0001', 'NOCR', ['ب', 'B'])), (e) => code(e) === 'code_taken');
  const { code: c } = await wf().createDraft(nocrEditor, service('NOCR-0701', 'NOCR', ['ج', 'Birth certificate for a newborn']));
  const w = await wf().working(nocrEditor, c);
  assert.equal(w.data.slug, 'birth-certificate-for-a-newborn-nocr-0701', 'a derived slug that is taken gets the code appended');
  await assert.rejects(
    () => wf().edit(nocrEditor, c, { ...service(c, 'NOCR', ['ج', 'C']), slug: 'driving-licence' }),
    (e) => code(e) === 'slug_taken',
  );
  await assert.rejects(() => wf().submit(nocrEditor, 'NOCR-9999'), (e) => code(e) === 'not_found');
});
