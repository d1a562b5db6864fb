import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { GROUPS, program, programFor } from './program.js';

/** The command line loads a group's module only when it is named; what it shows must not depend on that. */

/** Every command's help, depth first, with its path. */
function helps(c: Command, path: string[] = []): string[] {
  return [`${path.join(' ')}\n${c.helpInformation()}`, ...c.commands.flatMap((s) => helps(s, [...path, s.name()]))];
}

const top = (c: Command, name: string) => c.commands.find((x) => x.name() === name)!;

test('panjareh --help reads the same with no group loaded as with every one', async () => {
  const every = await program();
  for (const argv of [[], ['--help'], ['help'], ['frobnicate'], ['start']]) assert.equal((await programFor(argv)).helpInformation(), every.helpInformation(), argv.join(' '));
});

test("each group's commands are named in GROUPS as its module names and describes them", async () => {
  const every = await program();
  const root = ['start', 'migrate', 'import', 'export', 'backup', 'restore', 'doctor'];
  assert.deepEqual(
    every.commands.map((c) => c.name()),
    [...root, ...GROUPS.flatMap((g) => Object.keys(g.commands))],
  );
  for (const g of GROUPS) for (const [name, description] of Object.entries(g.commands)) assert.equal(top(every, name).description(), description, name);
});

test('a command line naming a group loads it whole, as the full program has it', async () => {
  const every = await program();
  for (const name of GROUPS.flatMap((g) => Object.keys(g.commands))) {
    for (const argv of [[name, '--help'], ['help', name]]) {
      const lean = await programFor(argv);
      assert.deepEqual(helps(top(lean, name), [name]), helps(top(every, name), [name]), argv.join(' '));
      assert.ok(top(lean, name).commands.length > 0, `${name} has its subcommands`);
    }
  }
});
