import fs from 'node:fs';
import path from 'node:path';

/** docs/benchmarks.md: a fixed introduction, then one dated section per run, newest first. */

const MARKER = '<!-- bench:results: each run of `npm run bench` adds its section below this line, newest first -->';

const INTRODUCTION = `# Benchmarks

How the public catalogue holds up at national size: **10,000 published services**, searched and read
by **50 concurrent clients** on the 2-core machine. Every figure comes from \`bench/catalog.bench.ts\`:

\`\`\`sh
npm run bench                             # SQLite (a fresh database file in a temp directory)
DATABASE_URL=postgres://… npm run bench   # PostgreSQL (a fresh schema, dropped afterwards)
BENCH_SECONDS=30 npm run bench            # longer load runs (default 10 s per target)
\`\`\`

## Goals (from the issue)

| what | goal |
| --- | --- |
| search API \`GET /api/v1/services?q=…\` | p95 under 10 ms at 50 concurrent clients |
| service page \`GET /services/{slug}\` | p95 under 20 ms at 50 concurrent clients |
| full re-index | under 2 s |

## Method

- **Catalogue.** The demo catalogue multiplied into 10,000 distinct services: each demo service once per
  province, then once per provincial office, each with its own code, slug, and a title and summary naming
  its province in both languages, so terms are shared as in a real national catalogue. It is imported with
  \`catalog.import()\` (validation, one transaction, publication) into a fresh database.
- **Search index against a reference.** Our index (\`src/catalog/search-index.ts\`) and MiniSearch configured
  as the catalogue used it before (\`bench/lib/minisearch-reference.ts\`: same fields, boosts, normalisation,
  prefix and typo tolerance) are built from the same services and asked the same queries, in the same run.
  MiniSearch combines the words of a query with OR, as the catalogue did; ours returns the services with
  every word when there are any, so it also ranks fewer services (the last row of its table).
- **Full re-index.** \`catalog.read.rebuild()\` as a node runs it at start: read every live service and the
  reference data from the database, build the index and the title orders.
- **HTTP.** The real server (\`buildServer\`, request logging off) on 127.0.0.1, following the change feed
  as \`panjareh start\` does. Each target gets a discarded warm-up, then a fixed run at 50 keep-alive
  connections, one target after another in one run; \`GET /healthz\` is the reference that shows what the
  framework, the sockets and the load generator cost on their own. The search API is measured twice:
  with the popular queries (the read model keeps up to 2,000 recent results and their JSON, each once it
  has been asked twice, as a portal whose citizens search for the same few hundred things would see), and
  with a cycle of more distinct searches than that cache holds, so that every request runs the full search.
- **One process and two.** The targets are measured first against the server in the benchmark's own
  process (as \`panjareh start\` runs by default), then against \`panjareh start --workers 2\` on the same
  database: a primary and one worker process per core, each a node with its own read model.
- **Load generator in its own process** (autocannon, \`bench/lib/load-generator.ts\`). Client and server
  still share the two cores; the CPU columns show how much each took.
- Latencies are computed from every 2xx response time; non-2xx answers and socket errors are counted apart
  and should be 0.

## Results

${MARKER}
`;

export function writeResults(file: string, section: string): void {
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const doc = existing.includes(MARKER) ? existing : INTRODUCTION;
  const at = doc.indexOf(MARKER) + MARKER.length;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${doc.slice(0, at)}\n\n${section.trim()}\n${doc.slice(at).replace(/^\n*/, '\n')}`);
}

/** A Markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const align = head.map((_h, i) => (rows.every((r) => typeof r[i] === 'number' || /^[\d,.]+( ms| µs|×| %)?$/.test(String(r[i]))) ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export const fmt = {
  ms: (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–'),
  int: (x: number) => Math.round(x).toLocaleString('en-US'),
  ratio: (x: number) => `${x.toFixed(2)}×`,
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function percentileOf(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
