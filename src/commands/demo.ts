import { Command, InvalidArgumentError, Option } from 'commander';
import type { DemoAgencies } from '../agencies/index.js';
import type { Platform } from '../app.js';
import { loadConfig } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { withPlatform } from './context.js';

/**
 * `panjareh demo …`: the demo country's people, for trying sign-in and the agencies' back-ends.
 * Only in demo mode: these commands write to the agencies' registers, which a real deployment does not own.
 */

function demoOnly(): void {
  if (!loadConfig(process.env).demo) {
    throw new AppError(403, 'not_demo', { fa: 'این فرمان فقط در حالت نمایشی کار می‌کند.', en: 'The demo commands work only in demo mode, and PANJAREH_DEMO is false.' });
  }
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 10_000) throw new InvalidArgumentError('a whole number from 1 to 10000');
  return n;
}

/** The demo country's agencies, loaded first (a no-op once done) so a person added by hand never takes a generated one's place. */
async function agenciesOf(p: Platform): Promise<DemoAgencies> {
  await p.agencies.seed();
  return p.agencies;
}

export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('the demo country (demo mode only)');
  const person = demo.command('person').description("people in the demo country's civil registry and mobile register");

  person
    .command('add')
    .description('add a person to the civil registry and register a mobile line to them; prints the person as JSON on the last line')
    .requiredOption('--national-code <code>', '10-digit national code with a valid check digit (or a 12-digit foreign national code); Persian digits accepted')
    .requiredOption('--mobile <number>', 'mobile number: 09…, +989…, 9…; Persian digits accepted; must not belong to someone else')
    .requiredOption('--first-name <name>', 'first name, in Persian or English (one script is stored for both)')
    .requiredOption('--last-name <name>', 'last name, in Persian or English')
    .requiredOption('--birth-date <YYYY-MM-DD>', 'Gregorian birth date')
    .option('--father-name <name>', "father's name")
    .addOption(new Option('--gender <gender>', 'needed unless the first name tells it').choices(['male', 'female']))
    .action(async (o: { nationalCode: string; mobile: string; firstName: string; lastName: string; birthDate: string; fatherName?: string; gender?: string }) => {
      demoOnly();
      await withPlatform({}, async (p) => {
        const agencies = await agenciesOf(p);
        const added = await agencies.addPerson(
          { nationalCode: o.nationalCode, mobile: o.mobile, firstName: o.firstName, lastName: o.lastName, birthDate: o.birthDate, fatherName: o.fatherName, gender: o.gender },
          'cli',
        );
        console.log(`Added ${added.firstName.en} ${added.lastName.en} (${added.nationalCode}) with mobile ${added.mobile} (${added.operator}).`);
        console.log(JSON.stringify(added));
      });
    });

  person
    .command('list')
    .description('list people of the demo country: national code, name, mobile lines (the documented demo people first)')
    .option('--limit <n>', 'how many (1–10000)', positiveInt, 20)
    .action(async (o: { limit: number }) => {
      demoOnly();
      await withPlatform({}, async (p) => {
        const agencies = await agenciesOf(p);
        for (const x of await agencies.listPeople(o.limit)) {
          const status = x.alive ? '' : ` [deceased ${x.deathDate}]`;
          const name = `${x.firstName.fa} ${x.lastName.fa} (${x.firstName.en} ${x.lastName.en})`;
          console.log(`${x.nationalCode}\t${name}${status}\t${x.mobiles.join(', ') || '-'}`);
        }
      });
    });
}
