import pg from 'pg';

/** One statement on its own connection (creating and dropping a benchmark's schema). */
export async function pgStatement(databaseUrl: string | undefined, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}
