import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { archiveAuditLog, auditSealKeys, ExchangeAuditReader, rotateAuditSealKey, verifyArchiveFiles, type ArchiveFileReport, type StatsDimension, type StatsRow } from '../exchange/audit/index.js';
import { writeAudit } from '../platform/audit.js';
import { fromJalali, parseJalali } from '../platform/calendar/jalali.js';
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

/**
 * The day records are archived before: an ISO date or time (`2026-11-01`, `2026-11-01T00:00:00Z`) or
 * a Jalali date (`1405/08/10`, Persian digits too). A date means 00:00 UTC of that day, the boundary
 * of the log's monthly partitions (UTC months).
 */
export function parseArchiveDate(raw: string): Date {
  const t = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t) && Number(t.slice(0, 4)) >= 1700) return new Date(`${t}T00:00:00.000Z`);
  if (/^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(new Date(t).getTime())) return new Date(t);
  try {
    const j = parseJalali(t);
    return new Date(`${fromJalali(j.y, j.m, j.d)}T00:00:00.000Z`);
  } catch {
    throw new InvalidArgumentError('an ISO date like 2026-11-01 (or time like 2026-11-01T00:00:00Z), or a Jalali date like 1405/08/10');
  }
}

/** One line per archive file: OK with what it holds, or BROKEN with where and why. */
function archiveLine(r: ArchiveFileReport): string {
  const name = path.basename(r.file);
  if (!r.ok) {
    const where = r.problem?.seq !== null && r.problem?.seq !== undefined ? ` at sequence ${r.problem.seq}${r.problem.id ? ` (X-Road-Id ${r.problem.id})` : ''}` : '';
    return `${r.file}: BROKEN${where}${r.chain ? ` of chain ${r.chain}` : ''}: ${r.problem?.reason ?? 'unknown'}`;
  }
  const trust = r.trusted === true ? 'a trust anchor' : `not checked against a trust anchor (pass --trust; the platform's are listed by audit seal-keys)`;
  return `OK ${name}: chain ${r.chain}, records ${r.first}…${r.last} (after ${r.from!.seq}), ${r.seals} seal(s), sha256 ${r.sha256}; signed by ${r.signer!.kid} (thumbprint ${r.signer!.thumbprint}), ${trust}`;
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
  const audit = program.command('audit').description("the data exchange's audit log: verify its chains, seals and archives, read its statistics, archive it");

  audit
    .command('verify')
    .description(
      'recompute every hash of every chain, check links, gaps and seal signatures; exit 0 with a summary when intact, 1 naming the first bad record (chain, sequence, X-Road-Id, reason). With --archive: the archive files instead, offline, without the database',
    )
    .option('--archive <file...>', 'check these archive files (from audit archive) on their own: the chain inside, its seals, the signature, and that consecutive files of a chain continue each other')
    .option('--trust <thumbprint...>', 'with --archive: the JWK thumbprints of the audit-seal keys to trust (audit seal-keys lists them); a file signed by another key is BROKEN')
    .option('--json', 'print the whole result as JSON (the exit code is the same)')
    .action(async (o: { json?: boolean; archive?: string[]; trust?: string[] }) => {
      if (o.archive) {
        // No platform, no database: an archive verifies with what it carries.
        const reports = await verifyArchiveFiles(o.archive, { trust: o.trust });
        if (o.json) console.log(JSON.stringify(reports));
        else for (const r of reports) (r.ok ? console.log : console.error)(archiveLine(r));
        const bad = reports.filter((r) => !r.ok).length;
        if (bad) throw new Error(`${bad} of ${reports.length} archive file(s) BROKEN`);
        if (!o.json) console.log(`${reports.length} archive file(s) intact.`);
        return;
      }
      if (o.trust) throw new InvalidArgumentError('--trust goes with --archive');
      return withPlatform({}, async (p) => {
        const v = await new ExchangeAuditReader(p.database.db, p.keys).verify();
        if (o.json) console.log(JSON.stringify(v));
        const archived = v.archived.length ? `; ${v.archived.length} chain(s) begin after archived records (${v.archived.reduce((n, a) => n + a.records, 0)} in all, before ${v.archived.map((a) => a.before).sort().at(-1)}), linked to the archives' last seals` : '';
        const counts = `${v.chains} chain(s), ${v.records} record(s), ${v.seals} seal(s) checked, ${v.unsealed} record(s) not yet sealed${archived}`;
        if (v.ok) {
          if (!o.json) console.log(`Audit log intact: ${counts}.`);
          return;
        }
        const b = v.firstBad!;
        const others = v.problems.length > 1 ? `; ${v.problems.length - 1} more chain(s) broken` : '';
        throw new Error(`audit log BROKEN at chain ${b.chain}, sequence ${b.seq}, X-Road-Id ${b.id ?? '(missing record)'}: ${b.reason} (${counts}${others})`);
      });
    });

  audit
    .command('archive')
    .description(
      'write every sealed record before DATE to signed, gzip-compressed archive files (one per chain and month) that verify on their own, then remove those rows (on PostgreSQL whole monthly partitions); each chain keeps a checkpoint so that audit verify still links it to the archive',
    )
    .requiredOption('--before <date>', 'archive records before this day: 2026-11-01 (00:00 UTC), an ISO time, or a Jalali date 1405/08/10', parseArchiveDate)
    .requiredOption('--output <dir>', 'the directory for the archive files (made when missing)')
    .option('--json', 'print the result as JSON')
    .action((o: { before: Date; output: string; json?: boolean }) =>
      withPlatform({}, async (p) => {
        const dir = path.resolve(o.output);
        const tty = process.stderr.isTTY;
        const r = await archiveAuditLog(p.database.db, p.database.dialect, p.keys, {
          before: o.before,
          outputDir: dir,
          onProgress: tty ? (x) => process.stderr.write(`\r${x.phase === 'archive' ? 'archiving' : 'removing'} ${x.chain}: ${x.records} record(s)   `) : undefined,
        });
        if (tty) process.stderr.write('\n');
        await writeAudit(p.database.db, { actor: 'cli', action: 'audit.archive', subject: r.before, detail: { records: r.records, files: r.files.map((f) => ({ file: f.file, sha256: f.sha256 })), partitions: r.deleted.partitions, problems: r.problems.length } });
        if (o.json) console.log(JSON.stringify(r));
        else {
          for (const f of r.files) console.log(`${f.file}  ${f.records} record(s) ${f.first}…${f.last}, ${f.seals} seal(s), ${f.bytes} bytes, sha256 ${f.sha256}`);
          const dropped = r.deleted.partitions.length ? `, ${r.deleted.partitions.length} partition(s) dropped (${r.deleted.partitions.join(', ')})` : '';
          console.log(`Archived ${r.records} record(s) of ${r.chains.length} chain(s) before ${r.before} into ${r.files.length} file(s) in ${dir}; removed ${r.deleted.records} row(s) one batch at a time${dropped}.`);
          console.log(`Signed by audit-seal key ${r.signer.kid}, thumbprint ${r.signer.thumbprint}: the trust anchor for audit verify --archive FILE --trust ${r.signer.thumbprint}.`);
        }
        if (r.problems.length) {
          throw new Error(`${r.problems.length} chain(s) not archived because they do not verify: ${r.problems.map((x) => `chain ${x.chain}, sequence ${x.seq}${x.id ? `, X-Road-Id ${x.id}` : ''}: ${x.reason}`).join('; ')}`);
        }
      }),
    );

  audit
    .command('seal-keys')
    .description("the audit-seal keys that still verify, with their JWK thumbprints: the trust anchors of archive files (keep them away from the database)")
    .option('--json', 'print them as JSON')
    .action((o: { json?: boolean }) =>
      withPlatform({}, async (p) => {
        const list = await auditSealKeys(p.keys);
        if (o.json) console.log(JSON.stringify(list));
        else for (const k of list) console.log(`${k.thumbprint}  ${k.kid}  made ${k.createdAt}${k.retiredAt ? `, retired ${k.retiredAt}` : ' (signing now)'}`);
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
        if (s.archivedBefore && s.since < s.archivedBefore) console.log(`Records before ${s.archivedBefore} are archived (audit archive) and not counted here.`);
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
