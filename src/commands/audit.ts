import { Command, InvalidArgumentError, Option } from 'commander';
import { ExchangeAuditReader, rotateAuditSealKey, type StatsDimension, type StatsRow } from '../exchange/audit/index.js';
import { writeAudit } from '../platform/audit.js';
import { withPlatform } from './context.js';

/** `panjareh audit …`: the exchange's audit log, for operators. */

const DIMENSIONS: StatsDimension[] = ['service', 'consumer', 'provider'];
const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `15m`, `24h`, `7d` (that long ago) or an ISO date or time. */
export function parseSince(raw: string, now = Date.now()): Date {
  const rel = /^(\d+)([mhd])$/.exec(raw.trim());
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]!]!);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw.trim())) {
    const d = new Date(raw.trim());
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new InvalidArgumentError('a duration like 15m, 24h, 7d or an ISO time like 2026-11-23T08:00:00Z');
}

function parseDimensions(raw: string): StatsDimension[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((d) => !(DIMENSIONS as string[]).includes(d));
  if (bad || list.length === 0) throw new InvalidArgumentError(`a comma-separated list of ${DIMENSIONS.join(', ')}`);
  return [...new Set(list)] as StatsDimension[];
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
}

const ms = (v: number) => v.toFixed(v < 10 ? 2 : 1);

function table(title: string, rows: StatsRow[], top: number): string {
  if (rows.length === 0) return `${title}: no calls in this window`;
  const head = [title, 'calls', 'errors', 'error %', 'p50 ms', 'p95 ms'];
  const body = rows.slice(0, top).map((r) => [r.key ?? '(unknown)', String(r.calls), String(r.errors), ((100 * r.errors) / r.calls).toFixed(1), ms(r.p50Ms), ms(r.p95Ms)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const more = rows.length > top ? `\n… and ${rows.length - top} more` : '';
  return [line(head), ...body.map(line)].join('\n') + more;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description("the data exchange's audit log: verify its chains and seals, read its statistics");

  audit
    .command('verify')
    .description('recompute every hash of every chain, check links, gaps and seal signatures; exit 0 with a summary when intact, 1 naming the first bad record (chain, sequence, X-Road-Id, reason)')
    .option('--json', 'print the whole result as JSON (the exit code is the same)')
    .action((o: { json?: boolean }) =>
      withPlatform({}, async (p) => {
        const v = await new ExchangeAuditReader(p.database.db, p.keys).verify();
        if (o.json) console.log(JSON.stringify(v));
        const counts = `${v.chains} chain(s), ${v.records} record(s), ${v.seals} seal(s) checked, ${v.unsealed} record(s) not yet sealed`;
        if (v.ok) {
          if (!o.json) console.log(`Audit log intact: ${counts}.`);
          return;
        }
        const b = v.firstBad!;
        const others = v.problems.length > 1 ? `; ${v.problems.length - 1} more chain(s) broken` : '';
        throw new Error(`audit log BROKEN at chain ${b.chain}, sequence ${b.seq}, X-Road-Id ${b.id ?? '(missing record)'}: ${b.reason} (${counts}${others})`);
      }),
    );

  audit
    .command('stats')
    .description('calls, errors and p50/p95 latency per service, consumer subsystem and provider member, from the audit log')
    .option('--since <when>', 'start of the window: 15m, 24h, 7d ago or an ISO time (default 24h)', (v: string) => parseSince(v))
    .option('--until <when>', 'end of the window (default now), same forms as --since', (v: string) => parseSince(v))
    .addOption(new Option('--by <list>', `any of ${DIMENSIONS.join(',')}`).argParser(parseDimensions).default(DIMENSIONS, DIMENSIONS.join(',')))
    .addOption(new Option('--top <n>', 'rows per table').argParser(positiveInt).default(20))
    .option('--json', 'print the statistics as JSON')
    .action((o: { since?: Date; until?: Date; by: StatsDimension[]; top: number; json?: boolean }) =>
      withPlatform({}, async (p) => {
        const since = o.since ?? new Date(Date.now() - UNITS.d!);
        const s = await new ExchangeAuditReader(p.database.db, p.keys).stats({ since, until: o.until, by: o.by });
        if (o.json) {
          console.log(JSON.stringify(s));
          return;
        }
        const t = s.total;
        console.log(`From ${s.since} to ${s.until}: ${t.calls} call(s), ${t.errors} error(s), p50 ${ms(t.p50Ms)} ms, p95 ${ms(t.p95Ms)} ms.`);
        for (const d of o.by) console.log(`\n${table(d, s[d], o.top)}`);
      }),
    );

  audit
    .command('rotate-seal-key')
    .description('make a new audit-seal signing key; the old one keeps verifying the seals it made, for good')
    .action(() =>
      withPlatform({}, async (p) => {
        const r = await rotateAuditSealKey(p.keys);
        await writeAudit(p.database.db, { actor: 'cli', action: 'audit.seal-key.rotate', subject: r.kid, detail: { retired: r.retired } });
        console.log(`New audit-seal key ${r.kid}${r.retired ? `; ${r.retired} is retired and still verifies` : ''}.`);
      }),
    );
}
