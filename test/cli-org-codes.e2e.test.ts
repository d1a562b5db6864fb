import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import { runCli } from './cli-kit.js';
import { catalogFile, service } from './fixtures.js';
import { freshDatabase } from './harness.js';

/** Real agency codes and platform channels through the command line an operator uses. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
before(async () => (db = await freshDatabase()));
after(() => db.drop());

const cli = (args: string[]) => runCli(db, args);

test('import checks platform pages; staff grant --organization takes a code such as POLICE-PASS in any letter case', async () => {
  const file = catalogFile() as { organizations: unknown[]; services: unknown[] };
  file.organizations.push({ code: 'POLICE-PASS', name: { fa: 'پلیس گذرنامه', en: 'Passport Police' }, parent: 'POLICE', website: null, exchangeMembers: ['IR/GOV/POLICE-PASS'] });
  file.services.push(service('POLICE-PASS-0001', 'POLICE-PASS', ['گذرنامه', 'Passport'], { channels: [{ type: 'platform', path: '/inquiries/passport' }] }));
  const bad = path.join(db.dataDir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify(file));
  const refused = await cli(['import', 'catalog', bad]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /bad\.json: services\[7\] \(POLICE-PASS-0001\) channels\.0\.path: there is no page "\/inquiries\/passport" on this platform; known pages: \/inquiries, /);

  (file.services[7] as { channels: unknown[] }).channels = [{ type: 'platform', path: '/inquiries/civil-registry' }];
  const good = path.join(db.dataDir, 'good.json');
  fs.writeFileSync(good, JSON.stringify(file));
  const imported = await cli(['import', 'catalog', good]);
  assert.equal(imported.code, 0, imported.err);
  const exported = JSON.parse((await cli(['export', 'catalog'])).out) as { organizations: Array<{ code: string; exchangeMembers: string[] }>; services: Array<{ code: string; channels: unknown[] }> };
  assert.deepEqual(exported.organizations.find((o) => o.code === 'POLICE-PASS')?.exchangeMembers, ['IR/GOV/POLICE-PASS']);
  assert.deepEqual(exported.services.find((s) => s.code === 'POLICE-PASS-0001')?.channels, [{ type: 'platform', path: '/inquiries/civil-registry' }]);

  const nationalCode = `333444555${nationalCodeCheckDigit('333444555')}`;
  const granted = await cli(['staff', 'grant', '--national-code', nationalCode, '--role', 'editor', '--organization', 'police-pass']);
  assert.equal(granted.code, 0, granted.err);
  assert.match(granted.out, new RegExp(`Granted editor of POLICE-PASS to ${nationalCode}`));
  assert.match((await cli(['staff', 'list'])).out, new RegExp(`${nationalCode}\\teditor\\tPOLICE-PASS\\t`));
  const unknown = await cli(['staff', 'grant', '--national-code', nationalCode, '--role', 'editor', '--organization', 'NO-SUCH']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /Unknown organisation "NO-SUCH"/);
});
