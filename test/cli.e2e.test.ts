import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { catalogFile, service } from './fixtures.js';
import { freshDatabase } from './harness.js';

/** The command line as an operator uses it: a real process, its output and its exit code. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
before(async () => {
  db = await freshDatabase();
});
after(() => db.drop());

function cli(args: string[], env: Record<string, string> = {}) {
  const schemaEnv = db.pgSchema ? { PGOPTIONS: `-c search_path=${db.pgSchema}` } : {};
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, PANJAREH_DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', ...schemaEnv, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help for every command', () => {
  const top = cli(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['start', 'migrate', 'import', 'export', 'staff', 'breakglass', 'oidc', 'keys']) assert.match(top.out, new RegExp(`\\b${c}\\b`));
  assert.match(cli(['start', '--help']).out, /--roles/);
  assert.match(cli(['import', 'catalog', '--help']).out, /idempotent/);
  assert.match(cli(['export', 'catalog', '--help']).out, /jsonld/);
  assert.match(cli(['staff', 'grant', '--help']).out, /--role/);
  assert.notEqual(cli(['frobnicate']).code, 0);
});

test('import catalog: a bad file is reported record by record and nothing is imported; a good one imports once', () => {
  const dir = db.dataDir;
  const bad = catalogFile();
  bad.services.push({ ...service('POST-0009', 'POST', ['الف', 'A']), cost: { amount: 'ten', currency: 'IRR' } } as never);
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
  const r = cli(['import', 'catalog', path.join(dir, 'bad.json')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.json: services\[7\] \(POST-0009\) cost\.amount: must be integer/);
  assert.match(r.err, /nothing was imported/);

  fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(catalogFile()));
  const first = cli(['import', 'catalog', path.join(dir, 'good.json')]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /7 created, 0 updated, 0 unchanged/);
  const second = cli(['import', 'catalog', path.join(dir, 'good.json')]);
  assert.match(second.out, /0 created, 0 updated, 7 unchanged; 0 organisations/);

  fs.writeFileSync(path.join(dir, 'junk.json'), 'this is not json');
  const junk = cli(['import', 'catalog', path.join(dir, 'junk.json')]);
  assert.equal(junk.code, 1);
  assert.match(junk.err, /not valid JSON/);
  assert.doesNotMatch(junk.err, /at .*\.ts:\d+/, 'no stack trace for a user mistake');
});

test('export catalog as JSON and JSON-LD', () => {
  const json = cli(['export', 'catalog']);
  assert.equal(json.code, 0, json.err);
  assert.equal(JSON.parse(json.out).services.length, 7);
  const ld = cli(['export', 'catalog', '--format', 'jsonld']);
  assert.ok(JSON.parse(ld.out)['@graph'].some((n: { '@type': string }) => n['@type'] === 'PublicService'));
  assert.notEqual(cli(['export', 'catalog', '--format', 'xml']).code, 0);
});

test('breakglass add and staff grant: validated; passwords only for the operator\'s admin, roles granted to national codes', () => {
  const r = cli(['breakglass', 'add', '--username', 'operator']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Password \(shown once\): \S{12,}/);
  const given = cli(['breakglass', 'add', '--username', 'operator2'], { PANJAREH_PASSWORD: 'a long enough password' });
  assert.equal(given.code, 0, given.err);
  assert.doesNotMatch(given.out, /Password/);
  assert.match(cli(['breakglass', 'add', '--username', 'operator']).err, /taken/);
  assert.match(cli(['breakglass', 'add', '--username', 'x']).err, /username/);

  const ok = cli(['staff', 'grant', '--national-code', '۰۴۹۹۳۷۰۸۹۹', '--role', 'editor', '--organization', 'NOCR']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /Granted editor of NOCR to 0499370899/);
  assert.match(cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor', '--organization', 'NOCR']).err, /already holds/);
  assert.match(cli(['staff', 'grant', '--national-code', '0499370898', '--role', 'reviewer']).err, /check digit/);
  assert.match(cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor', '--organization', 'NOWHERE']).err, /Unknown organisation/);
  assert.match(cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor']).err, /must belong to an organisation/);
  assert.notEqual(cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'king']).code, 0);
  const list = cli(['staff', 'list']);
  const id = list.out.trim().split('\t')[0]!;
  assert.equal(cli(['staff', 'revoke', id]).code, 0);
  assert.equal(cli(['staff', 'list']).out.trim(), '');
});

test('bad configuration is one clear line', () => {
  const r = cli(['migrate'], { PORT: 'eighty' });
  assert.equal(r.code, 1);
  assert.match(r.err, /configuration error: PORT must be a whole number/);
});
