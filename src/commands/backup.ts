import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../platform/config.js';

/**
 * `panjareh backup` and `panjareh restore`, for the embedded SQLite database. They are commands of
 * their own at the top (not a group in GROUPS): a group's commands are named before its module loads
 * and a command taking options would read differently in `panjareh --help` then. Like `start`, they
 * load what does the work (src/platform/backup/) only when they run, and never the platform itself:
 * a backup is a second connection to the live file, a restore writes files into an empty directory.
 */

const DOCS = 'docs/operations.md, section "Backups"';

/** The schema the nodes work in when PGOPTIONS names one, for the command the message shows. */
const schemaHint = () => /search_path\s*=\s*"?([A-Za-z_][A-Za-z0-9_$]*)/.exec(process.env.PGOPTIONS ?? '')?.[1] ?? 'SCHEMA';

/** On PostgreSQL these commands do not apply: say what does, and exit 2 without touching anything. */
function onPostgres(what: string, instead: string): never {
  const message = `panjareh ${what} is for the embedded SQLite database; this node is configured for PostgreSQL (DATABASE_URL). ${instead} (${DOCS}).`;
  console.error(message);
  throw new CommanderError(2, 'panjareh.notApplicable', message);
}

const megabytes = (n: number) => `${(n / 1_048_576).toFixed(n < 10 * 1_048_576 ? 2 : 0)} MB`;

/** What the operator is told a backup holds: the uploaded files and keys are in the database, not beside it. */
function holding(tables: Record<string, number>, migrations: number): string {
  return `${migrations} schema migrations, ${tables.stored_files ?? 0} uploaded file(s), ${tables.signing_keys ?? 0} signing key(s)`;
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent copy of the SQLite database (uploaded files, keys and audit logs are in it) to one archive, while the platform serves')
    .requiredOption('--output <file>', 'the archive to write: a new file (.tar.gz), or - for standard output')
    .action(async (o: { output: string }) => {
      const config = loadConfig(process.env);
      if (config.databaseUrl) onPostgres('backup', `Back PostgreSQL up with pg_dump: pg_dump --format=custom --schema=${schemaHint()} --no-owner --no-privileges --file=FILE "$DATABASE_URL"`);
      const { backupSqlite } = await import('../platform/backup/index.js');
      const toStdout = o.output === '-';
      const file = path.resolve(o.output);
      const r = await backupSqlite({ dataDir: config.dataDir, output: toStdout ? { stream: process.stdout } : { file }, nodeId: config.nodeId ?? null });
      const say = toStdout ? console.error : console.log;
      say(`Backup written to ${toStdout ? 'standard output' : file} (${megabytes(r.archive.bytes)}): the database as of ${r.manifest.createdAt}, ${holding(r.manifest.tables, r.manifest.migrations.length)}.`);
      say(`SHA-256 of the archive: ${r.archive.sha256} (keep it apart from the archive; the audit log has it too, as backup.create).`);
      if (r.notRecorded) console.error(`warning: the backup is complete, but it could not be recorded in the audit log: ${r.notRecorded}`);
      say("It holds the platform's private keys and people's data: keep it as secret as the database.");
    });

  program
    .command('restore')
    .description('bring a backup archive back into an empty data directory, after checking every part against its manifest')
    .requiredOption('--input <file>', 'the archive written by panjareh backup, or - for standard input')
    .option('--data-dir <dir>', 'the empty data directory to restore into (default PANJAREH_DATA_DIR, else ./data)')
    .action(async (o: { input: string; dataDir?: string }) => {
      const config = loadConfig(process.env, { dataDir: o.dataDir });
      if (config.databaseUrl) onPostgres('restore', 'Restore PostgreSQL with pg_restore, or unset DATABASE_URL to restore a SQLite backup into a data directory');
      const { restoreSqlite } = await import('../platform/backup/index.js');
      const r = await restoreSqlite({ input: o.input === '-' ? { stream: process.stdin } : { file: path.resolve(o.input) }, dataDir: config.dataDir });
      const m = r.manifest;
      const where = [m.node.hostname, m.node.nodeId].filter(Boolean).join(', node ');
      console.log(`Restored the backup of ${m.createdAt} (Panjareh ${m.panjareh}, taken on ${where}) into ${r.dataDir}: every part matched its manifest; ${holding(m.tables, m.migrations.length)}.`);
      console.log(`SHA-256 of the archive: ${r.archive.sha256} (compare it with the one kept when it was taken).`);
      console.log(`Start the platform with PANJAREH_DATA_DIR=${r.dataDir}, then run panjareh audit verify.`);
    });
}
