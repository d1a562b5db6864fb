import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/** Stands for the i-th value while a shape is built; no real value can be one. */
class Slot {
  constructor(readonly index: number) {}
}

interface Learned {
  sql: string;
  /** For each parameter of the SQL: the index of the caller's value, or a value the builder fixed itself. */
  parameters: Array<Slot | { fixed: unknown }>;
}

/**
 * Queries built with Kysely once per shape and then only bound to new values. The lists read most
 * often (an agency's queue, "my applications") built and compiled the same query on every request,
 * which cost more than SQLite took to run it (the applications benchmark's profile: 17 % of a queue
 * request in Kysely's builder and compiler, 0.03 ms to run the SQL itself).
 *
 * The caller names a shape (which clauses are present; anything that changes the SQL text, such as
 * the length of an `in` list, must be part of the name) and passes its values in a fixed order; the
 * first call builds the query with a placeholder for each value, keeps the SQL and where each value
 * goes, and later calls bind the values to that SQL. A value the builder puts into the SQL text
 * itself, rather than as a parameter, would be lost: such a shape is never kept, and is built anew
 * on every call instead.
 */
export class QueryShapes {
  private readonly learned = new Map<string, Learned | null>();

  constructor(private readonly db: Kysely<any>) {}

  async execute<R>(shape: string, values: readonly unknown[], build: (values: readonly unknown[]) => Compilable<R>): Promise<R[]> {
    let l = this.learned.get(shape);
    if (l === undefined) {
      l = learn(values.length, build);
      this.learned.set(shape, l);
    }
    const compiled = l === null ? build(values).compile() : CompiledQuery.raw(l.sql, l.parameters.map((p) => (p instanceof Slot ? values[p.index] : p.fixed)));
    return (await this.db.executeQuery<R>(compiled)).rows;
  }
}

function learn(count: number, build: (values: readonly unknown[]) => Compilable<unknown>): Learned | null {
  const slots = Array.from({ length: count }, (_, i) => new Slot(i));
  const compiled = build(slots).compile();
  const parameters = compiled.parameters.map((p) => (p instanceof Slot ? p : { fixed: p }));
  const bound = new Set(parameters.filter((p): p is Slot => p instanceof Slot).map((p) => p.index));
  return bound.size === count ? { sql: compiled.sql, parameters } : null;
}
