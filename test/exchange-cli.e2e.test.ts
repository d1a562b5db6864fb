import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Command } from 'commander';
import { sql } from 'kysely';
import { program } from '../src/commands/program.js';
import { runCli, runCliSync } from './cli-kit.js';
import { call, startUpstream } from './exchange-helpers.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';

/** `panjareh exchange …` as an operator uses it, and a running gateway node picking the changes up. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let upstream: Awaited<ReturnType<typeof startUpstream>>;
let node: TestPlatform | undefined;

before(async () => {
  db = await freshDatabase();
  upstream = await startUpstream();
});
after(async () => {
  await node?.dispose();
  await db.drop();
  await upstream.close();
});

const cli = (args: string[]) => runCliSync(db, args);
const cliAsync = (args: string[]) => runCli(db, args);

async function inBatches<T, R>(items: T[], size: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}

const ok = (args: string[]) => {
  const r = cli(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return r.out;
};

test('--help for every exchange command', async () => {
  // The binary itself once; every command's help in this process (a process per command costs seconds each).
  assert.match(ok(['exchange', '--help']), /member|subsystem|service|contract|key/);
  const exchange = (await program()).commands.find((c) => c.name() === 'exchange');
  assert.ok(exchange, 'an exchange command group');
  const groups = { member: ['add', 'list'], subsystem: ['add', 'list'], service: ['add', 'update', 'disable', 'enable', 'list'], contract: ['grant', 'apply', 'approve', 'reject', 'revoke', 'list'], key: ['create', 'revoke', 'list'] };
  for (const [group, commands] of Object.entries(groups)) {
    const g = exchange.commands.find((c) => c.name() === group);
    assert.ok(g, `exchange ${group}`);
    for (const c of commands) assert.ok(g.commands.some((x) => x.name() === c), `exchange ${group} ${c}`);
  }
  const walk = (c: Command, path: string[]): void => {
    const help = c.helpInformation();
    assert.match(help, new RegExp(`^Usage: panjareh ${path.join(' ')}`), path.join(' '));
    assert.ok(c.description().length > 0, `${path.join(' ')} says what it does`);
    for (const sub of c.commands) walk(sub, [...path, sub.name()]);
  };
  walk(exchange, ['exchange']);
  const help = (...names: string[]) => names.reduce((c, n) => c.commands.find((x) => x.name() === n)!, exchange).helpInformation();
  assert.match(help('service', 'add'), /--subject/);
  for (const group of ['member', 'subsystem', 'service']) assert.match(help(group, 'add'), /--name-fa <text>/, `${group} add takes a Persian name`);
  assert.match(help('contract', 'grant'), /--legal-basis-covers-personal-data/);
});

test('register, grant, create a key; a running node serves the call; revoke the key and the node refuses it', async () => {
  const openapi = path.join(db.dataDir, 'person.json');
  fs.writeFileSync(openapi, JSON.stringify({ openapi: '3.0.3', info: { title: 'x', version: '1' }, paths: { '/persons/{nationalCode}': { get: {} } } }));
  // Names in English (--name) and Persian (--name-fa), each shown on the pages of its language.
  ok(['exchange', 'member', 'add', '--id', 'IR/GOV/NOCR', '--name', 'Civil Registration', '--name-fa', 'سازمان ثبت احوال']);
  ok(['exchange', 'member', 'add', '--id', 'IR/COM/10100000001', '--name', 'Bank']);
  ok(['exchange', 'subsystem', 'add', '--id', 'IR/GOV/NOCR/registry', '--name-fa', 'ثبت']);
  ok(['exchange', 'subsystem', 'add', '--id', 'IR/COM/10100000001/kyc', '--name', 'KYC']);
  assert.match(ok(['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/person', '--upstream', `${upstream.url}/base`, '--openapi', openapi, '--classification', 'personal', '--subject', 'path:nationalCode', '--name', 'Person', '--name-fa', 'شخص']), /Registered service IR\/GOV\/NOCR\/registry\/person \(personal\)/);
  assert.match(ok(['exchange', 'contract', 'grant', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person', '--paths', '/persons/*', '--rate', '20', '--quota', '1000', '--expires', '2099-12-31', '--legal-basis', 'AML Act art. 7', '--legal-basis-covers-personal-data']), /Granted contract 1/);
  const created = ok(['exchange', 'key', 'create', '--subsystem', 'IR/COM/10100000001/kyc', '--label', 'production']);
  const lines = created.trim().split('\n');
  const key = lines[lines.length - 1]!;
  assert.match(key, /^pjx_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'the key alone on the last line');
  assert.doesNotMatch(ok(['exchange', 'key', 'list']), new RegExp(key.slice(-20)), 'list never shows the secret');
  node = await testPlatform({ shared: db, listen: true });
  const stored = await sql<{ secret_hash: string }>`select secret_hash from exchange_api_keys`.execute(node.database.db);
  assert.equal(stored.rows.length, 1);
  assert.ok(!stored.rows[0]!.secret_hash.includes(key.slice(17)), 'stored hashed');

  assert.match(ok(['exchange', 'member', 'list']), /^IR\/GOV\/NOCR\tCivil Registration\tسازمان ثبت احوال$/m);
  const nocr = (await node.exchange.registry.members()).find((m) => m.id === 'IR/GOV/NOCR');
  assert.deepEqual([nocr?.name, nocr?.nameFa], ['Civil Registration', 'سازمان ثبت احوال']);
  assert.equal((await node.exchange.registry.subsystems('IR/GOV/NOCR'))[0]?.nameFa, 'ثبت');
  const person = await node.exchange.registry.service('IR/GOV/NOCR/registry/person');
  assert.deepEqual([person?.name, person?.nameFa], ['Person', 'شخص']);
  assert.match(ok(['exchange', 'service', 'list']), /IR\/GOV\/NOCR\/registry\/person\tpersonal\tpath:nationalCode/);
  assert.match(ok(['exchange', 'contract', 'list', '--status', 'active']), /^1\tactive\tIR\/COM\/10100000001\/kyc\tIR\/GOV\/NOCR\/registry\/person\tGET\t\/persons\/\*\t20\/s\t1000\/day/m);

  const headers = { 'x-road-client': 'IR/COM/10100000001/kyc', authorization: `ApiKey ${key}` };
  const a = await call(node.url!, '/r1/IR/GOV/NOCR/registry/person/persons/0499370899', { headers });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.url, '/base/persons/0499370899');

  ok(['exchange', 'key', 'revoke', '--id', '1']);
  await eventually(async () => (await call(node!.url!, '/r1/IR/GOV/NOCR/registry/person/persons/0499370899', { headers })).status === 401, 3000);
  ok(['exchange', 'contract', 'revoke', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person']);
  assert.match(ok(['exchange', 'contract', 'list']), /^1\trevoked/m);
  const audited = await sql<{ action: string }>`select action from audit_log where action like 'exchange.%' order by id`.execute(node.database.db);
  assert.deepEqual(
    audited.rows.map((r) => r.action),
    ['exchange.member.add', 'exchange.member.add', 'exchange.subsystem.add', 'exchange.subsystem.add', 'exchange.service.add', 'exchange.contract.grant', 'exchange.key.create', 'exchange.key.revoke', 'exchange.contract.revoke'],
  );
});

test('mistakes are one clear line and a non-zero exit', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['exchange', 'member', 'add', '--id', 'IR/XXX/NOCR', '--name', 'x'], /not a valid member id/],
    [['exchange', 'member', 'add', '--id', 'IR/GOV/nocr', '--name', 'x'], /already registered/],
    [['exchange', 'subsystem', 'add', '--id', 'IR/GOV/NOWHERE/x'], /member IR\/GOV\/NOWHERE was not found/],
    [['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/x', '--upstream', 'file:///etc/passwd'], /http:\/\/ or https:\/\//],
    [['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/x', '--upstream', 'http://u:p@example.org'], /no credentials/],
    [['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/x', '--upstream', 'http://example.org', '--classification', 'personal'], /--subject/],
    [['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/x', '--upstream', 'http://example.org', '--classification', 'personal', '--subject', 'path:code'], /No path of the OpenAPI document names \{code\}/],
    [['exchange', 'service', 'add', '--id', 'IR/GOV/NOCR/registry/listMethods', '--upstream', 'http://example.org'], /not a valid service id/],
    // Every problem at once, still on one line.
    [['exchange', 'member', 'add', '--id', 'IR/XXX/NOCR'], /^2 problems: .*not a valid member id.*The member's name is required: in English, in Persian or both\. \(invalid_input\)$/m],
    [['exchange', 'contract', 'grant', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person', '--methods', 'TRACE'], /Methods must be among/],
    [['exchange', 'contract', 'grant', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person', '--paths', '/a/../b'], /not a valid path pattern/],
    [['exchange', 'contract', 'grant', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person', '--expires', '2001-01-01'], /in the past/],
    [['exchange', 'contract', 'grant', '--client', 'IR/COM/10100000001/kyc', '--service', 'IR/GOV/NOCR/registry/person', '--legal-basis-covers-personal-data'], /legal basis is required/],
    [['exchange', 'key', 'create', '--subsystem', 'IR/COM/1/none'], /was not found/],
    [['exchange', 'key', 'revoke', '--id', '1'], /already revoked/],
    [['exchange', 'contract', 'revoke'], /--id, or with --client and --service/],
  ];
  // Independent of one another, so a few processes run at once (each spends seconds loading the platform).
  const results = await inBatches(cases, 4, ([args]) => cliAsync(args));
  cases.forEach(([args, message], i) => {
    const r = results[i]!;
    assert.equal(r.code, 1, `${args.join(' ')} exits 1`);
    assert.match(r.err, message, args.join(' '));
    assert.equal(r.err.trim().split('\n').filter((l) => !/oidc-provider WARNING/.test(l)).length, 1, `one line: ${r.err}`);
  });
});
