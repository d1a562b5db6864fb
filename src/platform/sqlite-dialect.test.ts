import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { openDatabase } from './db.js';

const require = createRequire(import.meta.url);

function tempDatabase() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pj-sqlite-dialect-'));
  const handle = openDatabase({ dataDir, databaseUrl: undefined });
  return { handle, file: path.join(dataDir, 'panjareh.sqlite'), dispose: async () => { await handle.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

/** Another connection to the same file, in its own thread (as the exchange's audit writer is), adding 100. */
function writerThread(file: string): { done: Promise<void> } {
  const worker = new Worker(
    `const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
     const db = new Database(${JSON.stringify(file)});
     db.pragma('busy_timeout = 5000');
     db.prepare('update counter set n = n + 100 where id = 1').run();
     db.close();`,
    { eval: true },
  );
  const done = new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the writer thread exited with ${code}`))));
  });
  return { done };
}

test('a transaction that reads, then writes after another connection committed, succeeds (no SQLITE_BUSY_SNAPSHOT)', async () => {
  const t = tempDatabase();
  try {
    const db = t.handle.db;
    await sql`create table counter (id integer primary key, n integer not null)`.execute(db);
    await sql`insert into counter (id, n) values (1, 0)`.execute(db);
    let writer: { done: Promise<void> } | undefined;
    await db.transaction().execute(async (trx) => {
      const before = (await sql<{ n: number }>`select n from counter where id = 1`.execute(trx)).rows[0]!.n;
      assert.equal(before, 0);
      // With a deferred BEGIN the other thread commits during this pause and the update below fails.
      writer = writerThread(t.file);
      await new Promise((r) => setTimeout(r, 300));
      await sql`update counter set n = n + 1 where id = 1`.execute(trx);
    });
    await writer!.done;
    const after = (await sql<{ n: number }>`select n from counter where id = 1`.execute(db)).rows[0]!.n;
    assert.equal(after, 101, 'both writes are there: ours, then the other thread’s after it waited');
  } finally {
    await t.dispose();
  }
});

test('kept statements answer correctly after a schema change, and many distinct texts stay bounded and right', async () => {
  const t = tempDatabase();
  try {
    const db = t.handle.db;
    await sql`create table thing (id integer primary key, name text not null)`.execute(db);
    await db.insertInto('thing' as never).values({ id: 1, name: 'یک' } as never).execute();
    const read = () => db.selectFrom('thing' as never).selectAll().where('id' as never, '=', 1 as never).execute();
    assert.deepEqual(await read(), [{ id: 1, name: 'یک' }]);
    await sql`alter table thing add column extra text`.execute(db);
    assert.deepEqual(await read(), [{ id: 1, name: 'یک', extra: null }], 'the same text now sees the new column');
    // More texts than the cache holds: each still gives its own answer.
    for (let i = 0; i < 700; i++) {
      const rows = await sql<{ v: number }>`${sql.raw(`select ${i} as v`)}`.execute(db);
      assert.equal(rows.rows[0]!.v, i);
    }
    assert.deepEqual(await read(), [{ id: 1, name: 'یک', extra: null }]);
  } finally {
    await t.dispose();
  }
});
