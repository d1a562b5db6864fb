import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { DATABASE_URL, dialectUnderTest, freshDatabase } from '../../test/harness.js';
import { openDatabase } from './db.js';
import { migrate, platformMigrations } from './migrations.js';

test(
  'migrations start while other schemas of the database are created and dropped (bug: "schema … does not exist")',
  { skip: dialectUnderTest !== 'postgres' && 'a PostgreSQL race: runs in the PostgreSQL half of the suite' },
  async () => {
    const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    let stop = false;
    let churned = 0;
    // Someone else's schemas come and go, tables with serial columns in them, as other deployments and test runs do.
    const churn = (async () => {
      while (!stop) {
        const s = `churn_${process.pid}_${churned++}`;
        await admin.query(`create schema ${s}; create table ${s}.a (id serial primary key, x text); create table ${s}.b (id serial primary key)`);
        await admin.query(`drop schema ${s} cascade`);
      }
    })();
    const fresh = await freshDatabase();
    const database = openDatabase({ databaseUrl: DATABASE_URL, dataDir: fresh.dataDir }, { pgSchema: fresh.pgSchema });
    try {
      assert.equal((await migrate(database.db, 'postgres', platformMigrations)).length, platformMigrations.length);
      for (let i = 0; i < 40; i++) assert.deepEqual(await migrate(database.db, 'postgres', platformMigrations), [], 'nothing left to apply, and no error');
      const tables = await database.db.introspection.getTables({ withInternalKyselyTables: true });
      assert.ok(tables.some((t) => t.name === 'schema_migrations'));
      assert.ok(tables.every((t) => t.schema === tables[0]!.schema), 'only the platform\'s own schema');
      assert.ok(churned > 5, `schemas were dropped meanwhile (${churned})`);
    } finally {
      stop = true;
      await churn;
      await admin.end();
      await database.close();
      await fresh.drop();
    }
  },
);
