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

test('rows built from raw arrays are the objects better-sqlite3 builds (names, order, duplicates, every type); a column named __proto__ is an own property', async () => {
  const t = tempDatabase();
  try {
    const db = t.handle.db;
    await sql`create table kinds (id integer primary key, name text, amount real, data blob, note text)`.execute(db);
    const inserted = await sql<{ id: number; name: string }>`insert into kinds (id, name, amount, data, note) values (1, ${'نام'}, 2.5, ${Buffer.from([1, 2, 3])}, null) returning id, name`.execute(db);
    assert.deepEqual(inserted.rows, [{ id: 1, name: 'نام' }], 'a statement with RETURNING reads its rows too');
    const rows = await sql<Record<string, unknown>>`select id, name, amount, data, note, 1 as id, 7 as "a b" from kinds`.execute(db);
    const direct = new (require('better-sqlite3'))(t.file, { readonly: true });
    try {
      const expected = direct.prepare(`select id, name, amount, data, note, 1 as id, 7 as "a b" from kinds`).all();
      assert.deepEqual(rows.rows, expected);
      assert.deepEqual(Object.keys(rows.rows[0]!), Object.keys(expected[0]));
    } finally {
      direct.close();
    }
    // better-sqlite3 assigns a column named __proto__, which sets the row's prototype (a BLOB's Buffer) or is dropped; here it is a plain own property.
    const row = (await sql<Record<string, unknown>>`select id, data, 'x' as "__proto__" from kinds`.execute(db)).rows[0]!;
    assert.equal(Object.getPrototypeOf(row), Object.prototype, 'a column named __proto__ does not set the prototype');
    assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 'x');
    assert.ok(Buffer.isBuffer(row.data));
    // The same kept statement, read again after a write in between, answers the new data.
    await sql`update kinds set note = 'n' where id = 1`.execute(db);
    const again = await sql<Record<string, unknown>>`select id, name, amount, data, note, 1 as id, 7 as "a b" from kinds`.execute(db);
    assert.equal(again.rows[0]!.note, 'n');
    // Streaming the same statement gives objects too (Kysely's iterate path).
    const streamed: unknown[] = [];
    for await (const r of db.selectFrom('kinds' as never).select(['id' as never, 'name' as never]).stream()) streamed.push(r);
    assert.deepEqual(streamed, [{ id: 1, name: 'نام' }]);
  } finally {
    await t.dispose();
  }
});

test('the connection goes to waiting queries in turn; a transaction holds it to the end, and a failed one gives it back', async () => {
  const t = tempDatabase();
  try {
    const db = t.handle.db;
    await sql`create table log (n integer not null)`.execute(db);
    const done: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const trx = db.transaction().execute(async (tx) => {
      await sql`insert into log (n) values (0)`.execute(tx);
      await held;
      await sql`insert into log (n) values (1)`.execute(tx);
      done.push('transaction');
    });
    await new Promise((r) => setTimeout(r, 20));
    const reads = Array.from({ length: 300 }, (_, i) => sql<{ c: number }>`select count(*) as c from log`.execute(db).then((r) => {
      done.push(`read ${i}`);
      return r.rows[0]!.c;
    }));
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(done, [], 'no query runs while the transaction holds the connection');
    release();
    await trx;
    const counts = await Promise.all(reads);
    assert.deepEqual(done, ['transaction', ...Array.from({ length: 300 }, (_, i) => `read ${i}`)], 'the waiting queries ran in the order they asked');
    assert.ok(counts.every((c) => c === 2), 'each saw the committed transaction');
    await assert.rejects(db.transaction().execute(async (tx) => {
      await sql`insert into log (n) values (2)`.execute(tx);
      throw new Error('boom');
    }), /boom/);
    assert.equal((await sql<{ c: number }>`select count(*) as c from log`.execute(db)).rows[0]!.c, 2, 'rolled back, and the connection is free again');
  } finally {
    await t.dispose();
  }
});
