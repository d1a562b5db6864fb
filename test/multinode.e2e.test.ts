import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catalogFile, service } from './fixtures.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';

/**
 * Two nodes on one database (one SQLite file, or one PostgreSQL schema): each holds its own in-memory
 * search index, and a publish on either must reach the other through the change feed.
 */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let a: TestPlatform;
let b: TestPlatform;

before(async () => {
  db = await freshDatabase();
  a = await testPlatform({ shared: db, listen: true });
  b = await testPlatform({ shared: db, listen: true });
});
after(async () => {
  await a.dispose();
  await b.dispose();
  await db.drop();
});

const search = async (node: TestPlatform, q: string) =>
  ((await (await fetch(`${node.url}/api/v1/services?q=${encodeURIComponent(q)}`)).json()) as { items: Array<{ code: string; title: { en: string } }> }).items;

test('an import on one node is searchable on the other', async () => {
  await a.catalog.import(catalogFile(), { actor: 'test' });
  await eventually(async () => (await search(b, 'گواهینامه')).some((i) => i.code === 'RAHVAR-0001'));
});

test('an approval on one node reaches the other node’s index; an edit replaces the old text there', async () => {
  const editor = { username: 'e', role: 'editor' as const, organization: 'NOCR' };
  const reviewer = { username: 'r', role: 'reviewer' as const, organization: null };
  await a.catalog.workflow.createDraft(editor, service('NOCR-0777', 'NOCR', ['تمدید گذرنامه زیارتی', 'Pilgrimage passport renewal']));
  await a.catalog.workflow.submit(editor, 'NOCR-0777');
  await b.catalog.workflow.approve(reviewer, 'NOCR-0777'); // approved on the other node
  await eventually(async () => (await search(a, 'زیارتی')).some((i) => i.code === 'NOCR-0777'));
  assert.ok((await search(b, 'pilgrimage')).some((i) => i.code === 'NOCR-0777'), 'the approving node sees it at once');

  await a.catalog.workflow.edit(editor, 'NOCR-0777', service('NOCR-0777', 'NOCR', ['گذرنامه اربعین', 'Arbaeen passport']));
  await a.catalog.workflow.submit(editor, 'NOCR-0777');
  await a.catalog.workflow.approve(reviewer, 'NOCR-0777');
  await eventually(async () => (await search(b, 'Arbaeen')).some((i) => i.code === 'NOCR-0777'));
  assert.ok(!(await search(b, 'pilgrimage')).some((i) => i.code === 'NOCR-0777'), 'old words are gone from the other index');
});

test('a renamed organisation is reindexed on every node', async () => {
  const file = catalogFile();
  await a.catalog.import({ organizations: [{ ...file.organizations[3]!, name: { fa: 'پست جمهوری', en: 'Republic Post Office' } }] }, { actor: 'test' });
  await eventually(async () => (await search(b, 'Republic Post Office')).some((i) => i.code === 'POST-0001'));
});

test('a node started later builds its index from the database', async () => {
  const c = await testPlatform({ shared: db });
  try {
    assert.ok(c.catalog.read.size >= 8);
    assert.equal(c.catalog.read.service('NOCR-0777')?.title.en, 'Arbaeen passport');
  } finally {
    await c.dispose();
  }
});
