import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { freshDatabase } from '../../test/harness.js';
import { openDatabase } from '../platform/db.js';
import { migrate } from '../platform/migrations.js';
import { QUEUE_ORDER_SQL, serviceMigrations } from './migrations.js';

/** One application row as the store writes it, with what decides its place in a queue. */
const row = (id: string, status: string, deadline: string | null, overdue: number) => ({
  id, tracking_code: `T${id}`, service_code: 'X-0001', service_version: 1, applicant: '0012345679', applicant_name_fa: 'سارا', applicant_name_en: 'Sara',
  status, step_index: 0, organization: 'NOCR', answers: '{}', prefill: '[]', fee_amount: 0, deadline, overdue, created_at: '2026-12-01T00:00:00.000Z', updated_at: '2026-12-01T00:00:00.000Z',
});
const orders = async (db: Kysely<any>) =>
  Object.fromEntries((await db.selectFrom('applications').select(['id', 'queue_order']).orderBy('id').execute()).map((r) => [r.id, r.queue_order === null ? null : Number(r.queue_order)]));

test('the open queue’s covering index: applications made before it keep their place, and later changes keep queue_order right', async () => {
  const where = await freshDatabase();
  const h = openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: where.dataDir }, { pgSchema: where.pgSchema });
  const db = h.db as Kysely<any>;
  try {
    const before = serviceMigrations.filter((m) => m.name < '20261208-63');
    assert.ok(before.length < serviceMigrations.length);
    await migrate(db, h.dialect, before);
    await db.insertInto('applications').values([row('a', 'submitted', '2026-12-10', 0), row('b', 'in_review', '2026-12-09', 1), row('c', 'approved', '2026-12-08', 0), row('d', 'draft', null, 0), row('e', 'changes_requested', '2026-12-11', 2)]).execute();
    const expected = { a: 0, b: -1, c: 100, d: null, e: -2 };
    assert.deepEqual(await orders(db), expected, 'before: the generated column');

    assert.deepEqual(await migrate(db, h.dialect, serviceMigrations), ['20261208-63-services-open-queue-covering']);
    assert.deepEqual(await orders(db), expected, 'after: the same places');
    // Every way a place changes: a new application, a status, an overdue level, a deadline given or taken away.
    await db.insertInto('applications').values(row('f', 'submitted', '2026-12-12', 1)).execute();
    await db.updateTable('applications').set({ status: 'approved' }).where('id', '=', 'a').execute();
    await db.updateTable('applications').set({ overdue: 2 }).where('id', '=', 'b').execute();
    await db.updateTable('applications').set({ deadline: '2026-12-20', status: 'submitted' }).where('id', '=', 'd').execute();
    await db.updateTable('applications').set({ deadline: null }).where('id', '=', 'e').execute();
    await db.updateTable('applications').set({ assigned_to: 'someone', rev: 3 }).where('id', '=', 'c').execute();
    assert.deepEqual(await orders(db), { a: 100, b: -2, c: 100, d: 0, e: null, f: -1 });
    const { rows } = await sql<{ n: number }>`select count(*) as n from applications where queue_order is distinct from (${sql.raw(QUEUE_ORDER_SQL)})`.execute(db);
    assert.equal(Number(rows[0]!.n), 0);
  } finally {
    await h.close();
    await where.drop();
  }
});
