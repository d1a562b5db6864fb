import fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { demoCatalog, type Platform } from '../app.js';
import { withPlatform } from './context.js';
import { registerDemoCommands } from './demo.js';
import { registerIdentityCommands } from './identity.js';
import { registerExchangeCommands } from './exchange.js';
import { registerAuditCommands } from './audit.js';
import { connectPortalToExchange } from '../web/inquiries/connect.js';
import { PORTAL_CLIENT } from '../web/inquiries/credentials.js';
import { ImportRejected, formatImportErrors, readCatalogFile } from '../catalog/index.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { start } from '../server.js';

/** The command line's commands (`src/cli.ts` runs them); importable, so tests can read every command's help without a process each. */

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
  const country = await p.agencies.seed();
  if (country.seeded) console.log(`Demo country loaded: ${country.people} people, ${country.lines} mobile lines (sign in as ${country.demoPerson.nationalCode} / ${country.demoPerson.mobile}).`);
  // The demo agencies on the data exchange, and the portal as their consumer (its inquiry pages call them through the gateway).
  const exchange = await connectPortalToExchange(p);
  if (exchange.warning) console.warn(`warning: ${exchange.warning}`);
  if (exchange.agencies?.services || exchange.consumer.contracts) console.log(`Demo exchange: ${exchange.agencies?.services ?? 0} agency services registered, ${exchange.consumer.contracts} contracts for the portal (${PORTAL_CLIENT}).`);
  const hasServices = await p.catalog.db.selectFrom('services').select('code').limit(1).executeTakeFirst();
  if (hasServices) return;
  const bar = progress('demo catalogue');
  const result = await p.catalog.import(demoCatalog(), { actor: 'demo', file: 'demo/catalog', onProgress: bar.update });
  bar.stop();
  console.log(`Demo catalogue loaded: ${result.created} services.`);
  // Demo staff: roles granted to demo people, who sign in to the console with the national identity like everyone else.
  const [editor] = (await p.agencies.listPeople(10)).filter((x) => x.alive && x.mobiles.length > 0 && x.nationalCode !== country.demoPerson.nationalCode);
  await p.identity.staffGrants.grant({ nationalCode: country.demoPerson.nationalCode, role: 'reviewer' }, 'demo');
  console.log(`Demo staff: national reviewer ${country.demoPerson.nationalCode} / ${country.demoPerson.mobile}`);
  if (editor) {
    await p.identity.staffGrants.grant({ nationalCode: editor.nationalCode, role: 'editor', organization: 'NOCR' }, 'demo');
    console.log(`Demo staff: editor of NOCR ${editor.nationalCode} / ${editor.mobiles[0]}`);
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

  registerDemoCommands(cmd);
  registerIdentityCommands(cmd);
  registerExchangeCommands(cmd);
  registerAuditCommands(cmd);
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
