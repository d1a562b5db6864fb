import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from './db.js';
import { QueryShapes } from './query-shapes.js';

const DATABASE_URL = process.env.DATABASE_URL?.trim() || undefined;

/** A database of its own: a SQLite file, or a schema of its own on PostgreSQL (the suite's other half). */
async function scratch() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pj-query-shapes-'));
  const schema = `t_shapes_${process.pid}_${Date.now()}`;
  const handle = openDatabase({ dataDir, databaseUrl: DATABASE_URL });
  const db = handle.db as Kysely<any>;
  if (DATABASE_URL) {
    await sql`create schema ${sql.id(schema)}`.execute(db);
    await sql`create table ${sql.id(schema, 'item')} (id integer primary key, owner text not null, at text not null)`.execute(db);
  } else await sql`create table item (id integer primary key, owner text not null, at text not null)`.execute(db);
  const table = DATABASE_URL ? `${schema}.item` : 'item';
  return {
    db,
    table,
    async dispose() {
      if (DATABASE_URL) await sql`drop schema ${sql.id(schema)} cascade`.execute(db);
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

test('a shape is built once and answers every later call with its own values, as the builder would', async () => {
  const s = await scratch();
  try {
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, owner: i % 2 ? 'odd' : 'even', at: `2026-01-${String((i % 28) + 1).padStart(2, '0')}` }));
    await s.db.insertInto(s.table).values(rows).execute();
    const shapes = new QueryShapes(s.db);
    const build = (owner: unknown, after: unknown, limit: unknown) =>
      s.db.selectFrom(s.table).select(['id', 'owner']).where('owner', '=', owner).where('id', '>', after).where('at', '<>', 'never').orderBy('id').limit(limit as number);
    let builds = 0;
    const list = (owner: string, after: number, limit: number) =>
      shapes.execute<{ id: number; owner: string }>('list', [owner, after, limit], (v) => {
        builds++;
        return build(v[0], v[1], v[2]);
      });
    for (const [owner, after, limit] of [['odd', 0, 3], ['even', 10, 5], ['odd', 30, 100], ['nobody', 0, 1]] as const) {
      const expected = await build(owner, after, limit).execute();
      assert.deepEqual(await list(owner, after, limit), expected, `${owner} after ${after}, ${limit}`);
    }
    assert.equal(builds, 1, 'the shape was built once, for the first call, and bound to the values of the others');
    assert.deepEqual(await list('even', 7, 2), [{ id: 9, owner: 'even' }, { id: 11, owner: 'even' }]);
    assert.equal(builds, 1);
  } finally {
    await s.dispose();
  }
});

test('a shape whose builder puts a value into the SQL text itself is built anew every time (never bound to a stale value)', async () => {
  const s = await scratch();
  try {
    await s.db.insertInto(s.table).values([{ id: 1, owner: 'a', at: 'x' }, { id: 2, owner: 'b', at: 'y' }]).execute();
    const shapes = new QueryShapes(s.db);
    let builds = 0;
    // sql.lit writes the value into the text: there is no parameter for it (a placeholder becomes the text 'placeholder').
    const byOwner = (owner: string) =>
      shapes.execute<{ id: number }>('literal', [owner], (v) => {
        builds++;
        return s.db.selectFrom(s.table).select('id').where('owner', '=', sql.lit(typeof v[0] === 'string' ? v[0] : 'placeholder'));
      });
    assert.deepEqual(await byOwner('a'), [{ id: 1 }]);
    assert.deepEqual(await byOwner('b'), [{ id: 2 }]);
    assert.equal(builds, 3, 'tried once with placeholders, then built for each call');
  } finally {
    await s.dispose();
  }
});
