import { PostgresDialect, sql, type DatabaseIntrospector, type DatabaseMetadata, type DatabaseMetadataOptions, type Kysely, type SchemaMetadata, type TableMetadata } from 'kysely';

/**
 * What Kysely's migrator asks of the database (which schemas and tables exist), answered for the
 * connection's own schema only.
 *
 * Kysely's PostgreSQL introspector reads every table of every schema in the database and, for each
 * column, calls functions that look a schema up by name (`pg_get_serial_sequence`,
 * `has_schema_privilege`). When anyone drops a schema while it runs (another deployment, a test run
 * cleaning up), those calls fail with `schema "…" does not exist`, and the migrator, which asks at
 * every start, fails with them: a node could not start because of someone else's schema. Here the
 * question is asked of the catalogue directly, without those functions, and only about
 * `current_schema()`: the schema the platform works in (the first of its `search_path`).
 */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows.map((r) => ({ name: r.name }));
  }

  async getTables(_options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p', 'm')
      order by c.relname`.execute(this.db);
    // Columns are not read: the migrator only asks whether its tables exist.
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v' || r.kind === 'm', columns: [] }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** Kysely's PostgreSQL dialect with the introspector above. */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}
