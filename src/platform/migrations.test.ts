import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { freshDatabase } from '../../test/harness.js';
import { openDatabase } from './db.js';
import { migrate, type PortableMigration } from './migrations.js';

const table = (name: string, t: string): PortableMigration => ({ name, up: async (db) => void (await db.schema.createTable(t).addColumn('id', 'integer').execute()) });

test('a capability’s new migration that sorts before one already run still runs on upgrade', async () => {
  const where = await freshDatabase();
  const h = openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: where.dataDir }, { pgSchema: where.pgSchema });
  try {
    // Yesterday's release: its newest migration is -41.
    assert.deepEqual(await migrate(h.db, h.dialect, [table('20261207-41-a', 'mig_a')]), ['20261207-41-a']);
    // Today's adds a migration of another capability named -22, before it.
    assert.deepEqual(await migrate(h.db, h.dialect, [table('20261207-22-b', 'mig_b'), table('20261207-41-a', 'mig_a')]), ['20261207-22-b']);
    await sql`select count(*) from mig_b`.execute(h.db);
    assert.deepEqual(await migrate(h.db, h.dialect, [table('20261207-22-b', 'mig_b'), table('20261207-41-a', 'mig_a')]), [], 'nothing runs twice');
  } finally {
    await h.close();
    await where.drop();
  }
});
