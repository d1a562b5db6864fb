import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { demoCatalog, openPlatform, type Platform } from './app.js';
import { ImportRejected, formatImportErrors, readCatalogFile } from './catalog/index.js';
import { STAFF_ROLES } from './identity/index.js';
import { ConfigError, loadConfig, type ConfigFlags } from './platform/config.js';
import { AppError } from './platform/errors.js';
import { start } from './server.js';

/** `panjareh <command>`: the one entry point of the platform (also `npm run panjareh -- <command>`). */

async function withPlatform<T>(flags: ConfigFlags, fn: (p: Platform) => Promise<T>): Promise<T> {
  const platform = await openPlatform(loadConfig(process.env, flags));
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

/** A progress bar on a terminal; on a pipe or in CI, nothing (the final summary says it all). */
function progress(label: string) {
  if (!process.stderr.isTTY) return { update: (_d: number, _t: number) => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream: process.stderr }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}

async function seedDemo(p: Platform): Promise<void> {
  const hasServices = await p.catalog.db.selectFrom('services').select('code').limit(1).executeTakeFirst();
  if (hasServices) return;
  const bar = progress('demo catalogue');
  const result = await p.catalog.import(demoCatalog(), { actor: 'demo', file: 'demo/catalog', onProgress: bar.update });
  bar.stop();
  console.log(`Demo catalogue loaded: ${result.created} services.`);
  // Demo staff accounts, with passwords made now and shown once, so the console can be tried at once.
  for (const [username, role, organization] of [
    ['reviewer', 'reviewer', null],
    ['editor.nocr', 'editor', 'NOCR'],
  ] as const) {
    const password = randomBytes(9).toString('base64url');
    await p.staff.add({ username, password, role, organization, displayName: username }, 'demo');
    console.log(`Demo staff account: ${username} / ${password} (${role}${organization ? ` of ${organization}` : ''})`);
  }
}

export function program(): Command {
  const cmd = new Command('panjareh')
    .description('Panjareh — the national window to government services')
    .showHelpAfterError()
    .exitOverride();

  cmd
    .command('start')
    .description('start the platform (with the demo catalogue unless PANJAREH_DEMO=false)')
    .option('--port <n>', 'port to listen on (env PORT, default 3000)')
    .option('--host <address>', 'address to listen on (env HOST, default 0.0.0.0)')
    .option('--roles <list>', 'comma-separated roles this node plays: portal,idp,gateway,worker (default: all)')
    .option('--workers <n>', 'HTTP worker processes, or "auto" for one per core (env PANJAREH_WORKERS, default 1)')
    .action((o: ConfigFlags) => {
      const config = loadConfig(process.env, o);
      return start(config, async (p) => {
        if (config.demo) await seedDemo(p);
      });
    });

  cmd
    .command('migrate')
    .description('bring the database schema up to date (start does this too)')
    .action(() => withPlatform({}, async (p) => console.log(`Database is up to date (${p.database.where}).`)));

  const imp = cmd.command('import').description('import data');
  imp
    .command('catalog <file>')
    .description('import a catalogue JSON file: validated whole first, published at once, idempotent by code')
    .action(async (file: string) => {
      const parsed = await readCatalogFile(file);
      await withPlatform({}, async (p) => {
        const bar = progress('importing');
        const r = await p.catalog.import(parsed, { actor: 'cli', file, onProgress: bar.update });
        bar.stop();
        console.log(`Imported ${file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged; ${r.referenceChanged} organisations/topics/life events/windows changed.`);
      });
    });

  const exp = cmd.command('export').description('export data');
  exp
    .command('catalog')
    .description('write the live catalogue to standard output (or --output FILE)')
    .addOption(new Option('--format <format>', 'json (the import format) or jsonld (CPSV-AP)').choices(['json', 'jsonld']).default('json'))
    .option('--output <file>', 'write to this file instead of standard output')
    .action((o: { format: 'json' | 'jsonld'; output?: string }) =>
      withPlatform({}, async (p) => {
        const data = o.format === 'jsonld' ? await p.catalog.exportJsonLd(p.config.publicUrl) : await p.catalog.export();
        const text = `${JSON.stringify(data, null, 2)}\n`;
        if (o.output) fs.writeFileSync(o.output, text);
        else process.stdout.write(text);
      }),
    );

  const user = cmd.command('user').description('manage staff accounts');
  user
    .command('add')
    .description('add a staff account; the password is read from PANJAREH_PASSWORD or generated and printed once')
    .requiredOption('--username <name>', 'sign-in name (lowercase letters, digits, . _ -)')
    .addOption(new Option('--role <role>', 'what the account may do').choices([...STAFF_ROLES]).makeOptionMandatory())
    .option('--organization <code>', 'the agency an editor works for (editors only)')
    .option('--name <display name>', 'name shown in the console')
    .action((o: { username: string; role: string; organization?: string; name?: string }) =>
      withPlatform({}, async (p) => {
        const generated = !process.env.PANJAREH_PASSWORD;
        const password = process.env.PANJAREH_PASSWORD ?? randomBytes(12).toString('base64url');
        const u = await p.staff.add({ username: o.username, password, role: o.role, organization: o.organization ?? null, displayName: o.name });
        console.log(`Added ${u.role} ${u.username}${u.organization ? ` of ${u.organization}` : ''}.`);
        if (generated) console.log(`Password (shown once): ${password}`);
      }),
    );
  return cmd;
}

/** Every failure becomes one clear message and a non-zero exit, never a stack trace for a user's mistake. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ImportRejected) {
      console.error(formatImportErrors(e));
      console.error(`${e.errors.length} problem(s) found; nothing was imported.`);
    } else if (e instanceof ConfigError) console.error(`configuration error: ${e.message}`);
    else if (e instanceof AppError) console.error(`${e.messages.en} (${e.code})`);
    else if ((e as NodeJS.ErrnoException)?.code === 'EADDRINUSE') console.error(`error: the port is already in use: ${(e as Error).message}`);
    else if ((e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') console.error(`error: cannot reach the database: ${(e as Error).message}`);
    else console.error(`error: ${(e as Error)?.message ?? e}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// `start` keeps the process alive with its server; every other command, and a failed start, ends here.
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
