import fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { Platform } from '../app.js';
import { withPlatform } from './context.js';
import { registerBackupCommands } from './backup.js';
import { registerDoctorCommand } from './doctor.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../platform/config.js';
import { AppError } from '../platform/errors.js';

/**
 * The command line's commands (`src/cli.ts` runs them). Loading the whole platform costs seconds, so
 * this module and the groups' modules load it only in the commands that use it, and a group's module
 * (whose option lists name the capabilities' constants) is loaded only when the command line names
 * one of its commands: `panjareh --help` and `panjareh demo --help` never load the exchange.
 */

export type Register = (program: Command) => void;

export interface Group {
  /** The top-level commands the group's module adds, each with the description `panjareh --help` shows. */
  commands: Record<string, string>;
  load: () => Promise<Register>;
}

/**
 * Every group of commands, in the order `panjareh --help` lists them. Add a new group here. The
 * descriptions repeat the ones in the groups' modules; `program.test.ts` checks that they agree, so
 * `panjareh --help` reads the same whether a group is loaded or not.
 */
export const GROUPS: readonly Group[] = [
  { commands: { demo: 'the demo country (demo mode only)' }, load: async () => (await import('./demo.js')).registerDemoCommands },
  {
    commands: {
      oidc: "the national identity's OpenID Connect provider",
      keys: "the platform's signing keys",
      staff: 'staff roles: granted to people (national codes), who sign in with the national identity',
      breakglass: "the operator's local admin account, for when the national identity cannot be used",
    },
    load: async () => (await import('./identity.js')).registerIdentityCommands,
  },
  { commands: { exchange: 'the national data exchange: members, subsystems, data services, contracts and API keys' }, load: async () => (await import('./exchange.js')).registerExchangeCommands },
  { commands: { audit: "the data exchange's audit log: verify its chains, seals and archives, read its statistics, archive it" }, load: async () => (await import('./audit.js')).registerAuditCommands },
  { commands: { calendar: 'the working-day calendar: official holidays that legal deadlines skip' }, load: async () => (await import('./calendar.js')).registerCalendarCommands },
];

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
  const [{ demoCatalog }, { connectPortalToExchange }, { PORTAL_CLIENT }] = await Promise.all([import('../app.js'), import('../web/inquiries/connect.js'), import('../web/inquiries/credentials.js')]);
  const country = await p.agencies.seed();
  // The official holidays of the demo years, so legal deadlines skip them (kept apart: an older demo database gets them too).
  const { loadDemoHolidays } = await import('../platform/calendar/index.js');
  const holidays = await loadDemoHolidays(p.database.db);
  if (holidays.added) console.log(`Demo holidays loaded: ${holidays.added} days of ${holidays.years.join(' and ')}.`);
  if (country.seeded) console.log(`Demo country loaded: ${country.people} people, ${country.lines} mobile lines (sign in as ${country.demoPerson.nationalCode} / ${country.demoPerson.mobile}).`);
  // The demo agencies on the data exchange, and the portal as their consumer (its inquiry pages call them through the gateway).
  const exchange = await connectPortalToExchange(p);
  if (exchange.warning) console.warn(`warning: ${exchange.warning}`);
  if (exchange.agencies?.services || exchange.consumer.contracts) console.log(`Demo exchange: ${exchange.agencies?.services ?? 0} agency services registered, ${exchange.consumer.contracts} contracts for the portal (${PORTAL_CLIENT}).`);
  // The demo bank, a consumer of the documents' verification service (docs/documents.md has its curl).
  const { DEMO_BANK, seedDemoVerifier, VERIFICATION_SERVICE } = await import('../documents/index.js');
  if ((await seedDemoVerifier(p.exchange)).contract) console.log(`Demo exchange: ${DEMO_BANK.client} has a contract for ${VERIFICATION_SERVICE} (its key: panjareh exchange key create --subsystem ${DEMO_BANK.client}).`);
  const hasServices = await p.catalog.db.selectFrom('services').select('code').limit(1).executeTakeFirst();
  if (hasServices) return;
  const bar = progress('demo catalogue');
  const result = await p.catalog.import(demoCatalog(), { actor: 'demo', file: 'demo/catalog', onProgress: bar.update });
  bar.stop();
  console.log(`Demo catalogue loaded: ${result.created} services.`);
  // Demo staff: roles granted to demo people, who sign in to the console with the national identity like everyone else.
  const [editor, ...others] = (await p.agencies.listPeople(40)).filter((x) => x.alive && x.mobiles.length > 0 && x.nationalCode !== country.demoPerson.nationalCode);
  await p.identity.staffGrants.grant({ nationalCode: country.demoPerson.nationalCode, role: 'reviewer' }, 'demo');
  console.log(`Demo staff: national reviewer ${country.demoPerson.nationalCode} / ${country.demoPerson.mobile}`);
  if (editor) {
    await p.identity.staffGrants.grant({ nationalCode: editor.nationalCode, role: 'editor', organization: 'NOCR' }, 'demo');
    console.log(`Demo staff: editor of NOCR ${editor.nationalCode} / ${editor.mobiles[0]}`);
  }
  // One caseworker for each agency that handles a step of the demo's online services (docs/demo.md).
  for (const [i, organization] of DEMO_CASEWORK_AGENCIES.entries()) {
    const person = others[i];
    if (!person) break;
    await p.identity.staffGrants.grant({ nationalCode: person.nationalCode, role: 'caseworker', organization }, 'demo');
    console.log(`Demo staff: caseworker of ${organization} ${person.nationalCode} / ${person.mobiles[0]}`);
  }
}

/** Every deployment: the documents' verification service on the data exchange, upstream on this node (src/documents/exchange-service.ts). */
async function connectDocuments(p: Platform): Promise<void> {
  const { connectDocumentsToExchange, VERIFICATION_SERVICE } = await import('../documents/index.js');
  const r = await connectDocumentsToExchange(p);
  if (r.warning) console.warn(`warning: ${r.warning}`);
  else if (r.service || r.updated) console.log(`Documents: ${VERIFICATION_SERVICE} ${r.service ? 'registered' : 'updated'} on the data exchange (upstream ${r.upstream}).`);
}

/** The agencies whose caseworkers handle the demo's five online services, in the order their demo caseworkers are chosen. */
export const DEMO_CASEWORK_AGENCIES = ['JUDICIARY', 'MSRT', 'TAMIN', 'MCLS', 'RAHVAR', 'TCI'] as const;

/** The command line with the groups in `loaded`; every other group's commands are only named (for `--help` and suggestions). */
export function commandLine(loaded: ReadonlyMap<Group, Register>): Command {
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
    .action(async (o: ConfigFlags) => {
      const config = loadConfig(process.env, o);
      const { start } = await import('../server.js');
      return start(config, async (p) => {
        await connectDocuments(p);
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
      const { readCatalogFile } = await import('../catalog/index.js');
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

  // Top-level commands taking options, loaded when they run (./backup.ts says why they are not a group).
  registerBackupCommands(cmd);
  registerDoctorCommand(cmd);

  for (const group of GROUPS) {
    const register = loaded.get(group);
    if (register) register(cmd);
    else for (const [name, description] of Object.entries(group.commands)) cmd.command(name).description(description);
  }
  return cmd;
}

const ROOT_COMMANDS = ['start', 'migrate', 'import', 'export', 'backup', 'restore', 'doctor'];

/**
 * The groups whose modules this command line needs: the one naming its command (`exchange …`,
 * `help exchange`); none for `--help`, an unknown command or a command of this file; every group
 * when the line starts in any other way, so that commander sees exactly the whole program.
 */
function groupsFor(argv: string[]): readonly Group[] {
  const [first, second] = argv;
  if (first === undefined || first === '-h' || first === '--help') return [];
  const name = first === 'help' ? second : first;
  if (name === undefined) return [];
  if (name.startsWith('-')) return GROUPS;
  if (ROOT_COMMANDS.includes(name)) return [];
  return GROUPS.filter((g) => Object.hasOwn(g.commands, name));
}

export async function loadGroups(groups: readonly Group[] = GROUPS): Promise<Map<Group, Register>> {
  return new Map(await Promise.all(groups.map(async (g) => [g, await g.load()] as const)));
}

/** Every command, every group loaded: what tests read each command's help from without a process each. */
export async function program(): Promise<Command> {
  return commandLine(await loadGroups());
}

/** The command line for `argv`, with only the groups it names loaded. */
export async function programFor(argv: string[]): Promise<Command> {
  return commandLine(await loadGroups(groupsFor(argv)));
}

/**
 * The problems of a rejected catalogue import, one a line. Only the catalogue's code rejects an import,
 * and that code is loaded by then, so asking costs nothing; other errors never load it.
 */
async function importProblems(e: unknown): Promise<{ text: string; count: number } | undefined> {
  if (!(e instanceof Error) || e instanceof AppError || e instanceof ConfigError) return undefined;
  const { ImportRejected, formatImportErrors } = await import('../catalog/index.js');
  return e instanceof ImportRejected ? { text: formatImportErrors(e), count: e.errors.length } : undefined;
}

/** Every failure becomes one clear message and a non-zero exit, never a stack trace for a user's mistake. */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await programFor(argv)).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const rejected = await importProblems(e);
    if (rejected) {
      console.error(rejected.text);
      console.error(`${rejected.count} problem(s) found; nothing was imported.`);
    } else if (e instanceof ConfigError) console.error(`configuration error: ${e.message}`);
    else if (e instanceof AppError) console.error(`${e.messages.en} (${e.code})`);
    else if ((e as NodeJS.ErrnoException)?.code === 'EADDRINUSE') console.error(`error: the port is already in use: ${(e as Error).message}`);
    else if ((e as NodeJS.ErrnoException)?.code === 'ECONNREFUSED') console.error(`error: cannot reach the database: ${(e as Error).message}`);
    else console.error(`error: ${(e as Error)?.message ?? e}`);
    return 1;
  }
}
