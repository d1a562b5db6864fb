import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { testPlatform, type TestPlatform } from '../../test/harness.js';

let tp: TestPlatform;
before(async () => (tp = await testPlatform()));
after(() => tp.dispose());

// Bug: importing 10,000 services took 36 s, because SQLite looked up "the approved version of this
// service" through the status index, reading every approved version of every service each time.
test('a service’s versions are found by service and status through an index of both', async () => {
  const db = tp.catalog.db;
  if (tp.database.dialect === 'sqlite') {
    const plan = await sql<{ detail: string }>`explain query plan update service_versions set status = 'superseded' where service_code = ${'X'} and status = ${'approved'}`.execute(db);
    assert.match(plan.rows.map((r) => r.detail).join('\n'), /service_versions_code_status/);
  } else {
    const idx = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'service_versions_code_status' and schemaname = current_schema()`.execute(db);
    assert.match(idx.rows[0]?.indexdef ?? '', /\(service_code, status\)/);
  }
});
