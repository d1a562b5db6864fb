import { Command, CommanderError } from 'commander';
import type { DoctorReport } from './doctor-checks.js';

/**
 * `panjareh doctor`: checks a configuration before a start (src/commands/doctor-checks.ts does the
 * work). A command of its own at the top like backup (./backup.ts says why not a group): this module
 * is light, and the checks load only when the command runs.
 */

/** One line per check, then a summary: what `panjareh doctor` prints. */
export function formatDoctor(r: DoctorReport): string[] {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = r.checks.map((c) => `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.reason}`);
  const count = (s: string) => r.checks.filter((c) => c.status === s).length;
  const fails = count('fail');
  lines.push(`${fails} fail, ${count('warn')} warn, ${count('ok')} ok${fails ? ': fix what fails before panjareh start' : ''}.`);
  return lines;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check a configuration before a start, starting nothing: settings, database and migrations, Redis, keys, public URL, SMS and mail carriers, payments, clock; exit 1 when a check fails')
    .option('--roles <list>', 'the roles the node will play, as start takes them (default: all)')
    .option('--json', 'print the checks as JSON (the exit code is the same)')
    .action(async (o: { roles?: string; json?: boolean }) => {
      const { doctor } = await import('./doctor-checks.js');
      const r = await doctor(process.env, { flags: { roles: o.roles } });
      if (o.json) console.log(JSON.stringify(r));
      else for (const line of formatDoctor(r)) console.log(line);
      // Exit 1 without another message: the lines above say what failed.
      if (!r.ok) throw new CommanderError(1, 'panjareh.doctor', 'a check failed');
    });
}
