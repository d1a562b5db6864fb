import { SpanKind, context, trace, type Attributes } from '@opentelemetry/api';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely';
import { endWhenSettled } from './span.js';
import { tracer, tracingActive } from './setup.js';

/**
 * A span per database query, made by the Kysely dialect's connections: `SELECT exchange_services`,
 * with db.system (sqlite or postgresql), the statement's kind (db.operation.name) and its first
 * table (db.collection.name) — never the statement's text or its parameters, which hold the values
 * (national codes among them). Only queries made inside a traced operation (an HTTP request, an
 * audit commit) get a span: the background polls (jobs, the exchange's and the catalogue's change
 * feeds) would otherwise send a trace of their own several times a second.
 *
 * `openDatabase` wraps its dialect with this only when tracing is on: off, the driver is Kysely's own.
 */

export type DbSystem = 'sqlite' | 'postgresql';

const OPERATION: Record<string, string> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
  CreateTableNode: 'CREATE TABLE',
  CreateIndexNode: 'CREATE INDEX',
  AlterTableNode: 'ALTER TABLE',
  DropTableNode: 'DROP TABLE',
  DropIndexNode: 'DROP INDEX',
};

type Node = { kind?: string; [k: string]: unknown };

/** The name of a table node (possibly aliased), or undefined. */
function tableName(n: unknown): string | undefined {
  const node = n as Node | undefined;
  if (!node) return undefined;
  if (node.kind === 'AliasNode') return tableName(node.node);
  if (node.kind === 'TableNode') return ((node.table as Node)?.identifier as { name?: string } | undefined)?.name;
  return undefined;
}

function firstTable(q: Node): string | undefined {
  switch (q.kind) {
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return tableName((q.from as { froms?: unknown[] } | undefined)?.froms?.[0]);
    case 'InsertQueryNode':
      return tableName(q.into);
    case 'UpdateQueryNode':
      return tableName(q.table);
    case 'MergeQueryNode':
      return tableName(q.into);
    case 'CreateTableNode':
    case 'AlterTableNode':
    case 'DropTableNode':
      return tableName(q.table);
    default:
      return undefined;
  }
}

/** The table of a raw INSERT, UPDATE or DELETE (`sql\`insert into exchange_audit …\``): a name, never a value. */
function rawTable(text: string): string | undefined {
  return /^\s*(?:insert\s+into|update|delete\s+from)\s+"?([A-Za-z_][\w]*)"?/i.exec(text)?.[1];
}

/** The statement's kind: from Kysely's query tree, or the first keyword of raw SQL (`pragma`, `with`, `begin`). */
function operationOf(q: CompiledQuery): string {
  const kind = (q.query as Node).kind ?? '';
  const known = OPERATION[kind];
  if (known) return known;
  const word = /^\s*([A-Za-z]+)/.exec(q.sql)?.[1];
  return word ? word.toUpperCase() : 'QUERY';
}

const PATCHED = Symbol('panjareh.traced');

function traceConnection(conn: DatabaseConnection, system: DbSystem): DatabaseConnection {
  const c = conn as DatabaseConnection & { [PATCHED]?: true };
  if (c[PATCHED]) return c;
  const execute = c.executeQuery;
  // Patched on the driver's own object (pooled and reused): the driver's methods keep receiving it.
  c.executeQuery = function executeQuery<R>(this: DatabaseConnection, q: CompiledQuery): Promise<QueryResult<R>> {
    const parent = trace.getSpan(context.active());
    if (!tracingActive() || !parent?.isRecording()) return execute.call(this, q) as Promise<QueryResult<R>>;
    const op = operationOf(q);
    const table = firstTable(q.query as Node) ?? rawTable(q.sql);
    const attributes: Attributes = { 'db.system': system, 'db.system.name': system, 'db.operation.name': op };
    if (table) attributes['db.collection.name'] = table;
    const span = tracer().startSpan(table ? `${op} ${table}` : op, { kind: SpanKind.CLIENT, attributes });
    return endWhenSettled(span, execute.call(this, q) as Promise<QueryResult<R>>);
  };
  c[PATCHED] = true;
  return c;
}

function traceDriver(driver: Driver, system: DbSystem): Driver {
  return new Proxy(driver, {
    get(target, prop) {
      if (prop === 'acquireConnection') return async () => traceConnection(await target.acquireConnection(), system);
      const v = Reflect.get(target, prop, target) as unknown;
      // Bound to the driver itself: its methods use private fields, which a proxy does not have.
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** The dialect with a span per query (see above). */
export function traceDialect(dialect: Dialect, system: DbSystem): Dialect {
  return {
    createDriver: () => traceDriver(dialect.createDriver(), system),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
