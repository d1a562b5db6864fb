import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './cli-kit.js';
import { catalogFile, service } from './fixtures.js';
import { freshDatabase } from './harness.js';

/** The command line as an operator uses it: a real process, its output and its exit code. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
before(async () => {
  db = await freshDatabase();
});
after(() => db.drop());

const cli = (args: string[], env: Record<string, string> = {}) => runCli(db, args, env);

test('--help for every command', async () => {
  // Independent of one another, so the processes run side by side.
  const [top, start, imp, exp, staff, unknown] = await Promise.all([['--help'], ['start', '--help'], ['import', 'catalog', '--help'], ['export', 'catalog', '--help'], ['staff', 'grant', '--help'], ['frobnicate']].map((a) => cli(a)));
  assert.equal(top!.code, 0);
  for (const c of ['start', 'migrate', 'import', 'export', 'staff', 'breakglass', 'oidc', 'keys']) assert.match(top!.out, new RegExp(`\\b${c}\\b`));
  assert.match(start!.out, /--roles/);
  assert.match(imp!.out, /idempotent/);
  assert.match(exp!.out, /jsonld/);
  assert.match(staff!.out, /--role/);
  assert.notEqual(unknown!.code, 0);
});

test('import catalog: a bad file is reported record by record and nothing is imported; a good one imports once', async () => {
  const dir = db.dataDir;
  const bad = catalogFile();
  bad.services.push({ ...service('POST-0009', 'POST', ['الف', 'A']), cost: { amount: 'ten', currency: 'IRR' } } as never);
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
  const r = await cli(['import', 'catalog', path.join(dir, 'bad.json')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.json: services\[7\] \(POST-0009\) cost\.amount: must be integer/);
  assert.match(r.err, /nothing was imported/);

  fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(catalogFile()));
  const first = await cli(['import', 'catalog', path.join(dir, 'good.json')]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /7 created, 0 updated, 0 unchanged/);
  const second = await cli(['import', 'catalog', path.join(dir, 'good.json')]);
  assert.match(second.out, /0 created, 0 updated, 7 unchanged; 0 organisations/);

  fs.writeFileSync(path.join(dir, 'junk.json'), 'this is not json');
  const junk = await cli(['import', 'catalog', path.join(dir, 'junk.json')]);
  assert.equal(junk.code, 1);
  assert.match(junk.err, /not valid JSON/);
  assert.doesNotMatch(junk.err, /at .*\.ts:\d+/, 'no stack trace for a user mistake');
});

test('export catalog as JSON and JSON-LD', async () => {
  const json = await cli(['export', 'catalog']);
  assert.equal(json.code, 0, json.err);
  assert.equal(JSON.parse(json.out).services.length, 7);
  const ld = await cli(['export', 'catalog', '--format', 'jsonld']);
  assert.ok(JSON.parse(ld.out)['@graph'].some((n: { '@type': string }) => n['@type'] === 'PublicService'));
  assert.notEqual((await cli(['export', 'catalog', '--format', 'xml'])).code, 0);
});

test('breakglass add and staff grant: validated; passwords only for the operator\'s admin, roles granted to national codes', async () => {
  const r = await cli(['breakglass', 'add', '--username', 'operator']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Password \(shown once\): \S{12,}/);
  const given = await cli(['breakglass', 'add', '--username', 'operator2'], { PANJAREH_PASSWORD: 'a long enough password' });
  assert.equal(given.code, 0, given.err);
  assert.doesNotMatch(given.out, /Password/);
  assert.match((await cli(['breakglass', 'add', '--username', 'operator'])).err, /taken/);
  assert.match((await cli(['breakglass', 'add', '--username', 'x'])).err, /username/);

  const ok = await cli(['staff', 'grant', '--national-code', '۰۴۹۹۳۷۰۸۹۹', '--role', 'editor', '--organization', 'NOCR']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /Granted editor of NOCR to 0499370899/);
  assert.match((await cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor', '--organization', 'NOCR'])).err, /already holds/);
  assert.match((await cli(['staff', 'grant', '--national-code', '0499370898', '--role', 'reviewer'])).err, /check digit/);
  assert.match((await cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor', '--organization', 'NOWHERE'])).err, /Unknown organisation/);
  assert.match((await cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'editor'])).err, /must belong to an organisation/);
  assert.notEqual((await cli(['staff', 'grant', '--national-code', '0499370899', '--role', 'king'])).code, 0);
  const list = await cli(['staff', 'list']);
  const id = list.out.trim().split('\t')[0]!;
  assert.equal((await cli(['staff', 'revoke', id])).code, 0);
  assert.equal((await cli(['staff', 'list'])).out.trim(), '');
});

test('bad configuration is one clear line', async () => {
  const r = await cli(['migrate'], { PORT: 'eighty' });
  assert.equal(r.code, 1);
  assert.match(r.err, /configuration error: PORT must be a whole number/);
});

test('doctor: exit 0 on this configuration (--json); on a bad one each problem on a line of its own, exit 1, no secret', async () => {
  // The checks themselves, on both databases: test/readiness.e2e.test.ts. Here the command: its output and exit code.
  const secrets = { DATABASE_URL: 'postgres://doctor:s3cret-pw@127.0.0.1:1/nowhere', PANJAREH_SMS_TOKEN: 'sms-token-value' };
  const [good, bad] = await Promise.all([
    cli(['doctor', '--json']),
    cli(['doctor', '--roles', 'portal,idp'], { PANJAREH_DEMO: 'false', PUBLIC_URL: 'http://portal.example.ir', REDIS_URL: 'redis://127.0.0.1:1', PANJAREH_SMS_URL: 'https://127.0.0.1:1/send', ...secrets }),
  ]);
  assert.equal(good.code, 0, good.out + good.err);
  const report = JSON.parse(good.out) as { ok: boolean; checks: { name: string; status: string }[] };
  assert.equal(report.ok, true);
  assert.deepEqual(report.checks.slice(0, 3).map((c) => [c.name, c.status]), [['settings', 'ok'], ['database', 'ok'], ['migrations', 'ok']]);
  assert.equal(bad.code, 1, bad.out + bad.err);
  assert.match(bad.out, /^ok    settings +demo mode off; roles portal,idp; PostgreSQL$/m);
  assert.match(bad.out, /^fail  database +cannot reach postgres 127\.0\.0\.1:1\/nowhere \(DATABASE_URL\)/m);
  assert.match(bad.out, /^fail  redis +cannot reach redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\)/m);
  assert.match(bad.out, /^fail  public-url +PUBLIC_URL http:\/\/portal\.example\.ir: outside demo mode it must be https:\/\//m);
  assert.match(bad.out, /^fail  sms +PANJAREH_SMS_URL: cannot reach https:\/\/127\.0\.0\.1:1/m);
  assert.match(bad.out, /^4 fail, \d warn, \d ok: fix what fails before panjareh start\.$/m);
  for (const s of ['s3cret-pw', 'sms-token-value']) assert.ok(!bad.out.includes(s) && !bad.err.includes(s), s);
});
