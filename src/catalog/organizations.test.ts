import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { catalogFile, service } from '../../test/fixtures.js';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { parseMemberId } from '../exchange/index.js';
import { nationalCodeCheckDigit } from '../platform/national-code.js';
import { ImportRejected } from './import.js';
import { MEMBER_ID, ORG_CODE } from './schemas.js';

/** Organisation codes as agencies really have them, and the link between an organisation and its exchange members. */

let tp: TestPlatform;
before(async () => (tp = await testPlatform()));
after(() => tp.dispose());

const L = (fa: string, en: string) => ({ fa, en });
const rejection = async (file: unknown) => {
  const e = await tp.catalog.import(file, { actor: 'test' }).catch((x: unknown) => x);
  assert.ok(e instanceof ImportRejected, `refused: ${String(e)}`);
  return e.errors;
};

test('codes such as POLICE-PASS and an 11-digit national identifier are imported, referenced and found in any letter case', async () => {
  const file = catalogFile();
  (file.organizations as unknown[]).push(
    { code: 'POLICE-PASS', name: L('پلیس گذرنامه', 'Passport Police'), parent: 'POLICE', website: null },
    { code: '10100000001', name: L('بانک نمونه', 'Sample Bank'), parent: null, website: null },
    { code: 'x_1', name: L('نمونه', 'Sample'), parent: null, website: null },
  );
  file.services.push(service('POLICE-PASS-0001', 'POLICE-PASS', ['صدور گذرنامه', 'Issue a passport']), service('10100000001-0001', '10100000001', ['افتتاح حساب', 'Open an account']));
  await tp.catalog.import(file, { actor: 'test' });
  const read = tp.catalog.read;
  assert.equal(read.organization('POLICE-PASS')?.name.en, 'Passport Police');
  assert.equal(read.organization('police-pass')?.code, 'POLICE-PASS', 'found without regard to case');
  assert.equal(read.organization('10100000001')?.parent, null);
  assert.equal(read.service('POLICE-PASS-0001')?.organization, 'POLICE-PASS');
  assert.deepEqual(read.search({ organization: 'police-pass', page: 1, pageSize: 10 }).items.map((i) => i.code), ['POLICE-PASS-0001'], 'a facet in another case filters the same');
  assert.equal(await tp.catalog.organizationCode('Police-Pass'), 'POLICE-PASS');
  assert.equal(await tp.catalog.organizationCode('NOPE'), undefined);
  // A grant names the code as the catalogue writes it.
  const nationalCode = `001234567${nationalCodeCheckDigit('001234567')}`;
  const g = await tp.identity.staffGrants.grant({ nationalCode, role: 'editor', organization: 'POLICE-PASS' }, 'test');
  assert.equal(g.organization, 'POLICE-PASS');
  await assert.rejects(tp.identity.staffGrants.grant({ nationalCode, role: 'editor', organization: 'police-pass' }, 'test'), /Unknown organisation/, 'the grant itself takes the exact code; the CLI resolves the case first');
});

test('codes are unique without regard to case, in a file and against the catalogue; a reference in the wrong case names the right one', async () => {
  const twice = catalogFile();
  (twice.organizations as unknown[]).push({ code: 'ABC', name: L('الف', 'A'), parent: null, website: null }, { code: 'abc', name: L('ب', 'B'), parent: null, website: null });
  const e1 = await rejection(twice);
  assert.ok(e1.some((e) => e.section === 'organizations' && e.code === 'abc' && e.field === 'code' && /"ABC" and "abc".*without regard to case/.test(e.reason)), JSON.stringify(e1));

  const clash = { organizations: [{ code: 'Nocr', name: L('ثبت', 'Registry'), parent: null, website: null }] };
  const e2 = await rejection(clash);
  assert.deepEqual(e2.map((e) => [e.field, e.reason]), [['code', 'organisation "NOCR" already exists; codes are unique without regard to case']]);

  const wrongCase = { services: [service('NOCR-0900', 'nocr', ['الف', 'A'])] };
  const e3 = await rejection(wrongCase);
  assert.match(e3[0]!.reason, /unknown organisation "nocr" \(did you mean "NOCR"\?/);

  const bad = { organizations: [{ code: 'HAS SPACE', name: L('الف', 'A') }, { code: 'X'.repeat(33), name: L('الف', 'A') }, { code: 'A/B', name: L('الف', 'A') }] };
  const e4 = await rejection(bad);
  assert.equal(e4.filter((e) => e.field === 'code' && /1 to 32 letters, digits, "-" or "_"/.test(e.reason)).length, 3, JSON.stringify(e4));
});

test('an organisation names its exchange members; organizationOfMember finds it from a member or a subsystem id, and back', async () => {
  const file = {
    organizations: [
      { code: 'NOCR', name: L('سازمان ثبت احوال کشور', 'National Organization for Civil Registration'), parent: null, website: 'https://www.sabteahval.ir', exchangeMembers: ['IR/GOV/NOCR'] },
      { code: '10100000002', name: L('بانک دوم', 'Second Bank'), parent: null, website: null, exchangeMembers: ['IR/COM/10100000002', 'IR-TEST/COM/10100000002'] },
    ],
  };
  await tp.catalog.import(file, { actor: 'test' });
  const read = tp.catalog.read;
  assert.equal(read.organizationOfMember('IR/GOV/NOCR')?.code, 'NOCR');
  assert.equal(read.organizationOfMember('IR/GOV/NOCR/registry')?.code, 'NOCR', 'a subsystem id');
  assert.equal(read.organizationOfMember('IR/GOV/NOCR/registry/person')?.code, 'NOCR', 'a service id');
  assert.equal(read.organizationOfMember('IR/COM/10100000002/kyc')?.name.fa, 'بانک دوم');
  assert.equal(read.organizationOfMember('IR/GOV/RAHVAR'), undefined);
  assert.equal(read.organizationOfMember('nonsense'), undefined);
  assert.deepEqual(read.membersOfOrganization('10100000002'), ['IR-TEST/COM/10100000002', 'IR/COM/10100000002']);
  assert.deepEqual(read.membersOfOrganization('POST'), []);

  // Export carries the links, an export imports again unchanged, and JSON-LD gives them as identifiers.
  const exported = await tp.catalog.export();
  assert.deepEqual(exported.organizations.find((o) => o.code === 'NOCR')?.exchangeMembers, ['IR/GOV/NOCR']);
  const again = await tp.catalog.import(JSON.parse(JSON.stringify(exported)), { actor: 'test' });
  assert.equal(again.referenceChanged, 0);
  const ld = (await tp.catalog.exportJsonLd('https://panjareh.example')) as { '@graph': Array<Record<string, any>>; '@context': Record<string, unknown> };
  const nocr = ld['@graph'].find((n) => n['@id'] === 'https://panjareh.example/id/organization/NOCR')!;
  assert.deepEqual(nocr['panjareh:exchangeMember'], ['IR/GOV/NOCR']);
  assert.deepEqual(nocr['adms:identifier'], [{ '@type': 'adms:Identifier', 'skos:notation': 'IR/GOV/NOCR', 'adms:schemaAgency': 'X-Road member (INSTANCE/CLASS/MEMBER)' }]);
  assert.equal(ld['@context'].adms, 'http://www.w3.org/ns/adms#');

  // A member is one agency: another organisation cannot claim it (in any case) unless the file moves it.
  const e = await rejection({ organizations: [{ code: 'POST', name: L('پست', 'Post'), exchangeMembers: ['IR/GOV/nocr'] }] });
  assert.match(e.find((x) => x.field === 'exchangeMembers.0')?.reason ?? '', /already linked to organisation "NOCR"/);
  const e2 = await rejection({ organizations: [{ code: 'POST', name: L('پست', 'Post'), exchangeMembers: ['IR/GOV/POST/postal', 'IR/XYZ/POST', 'POST'] }] });
  assert.equal(e2.filter((x) => /^exchangeMembers\.\d$/.test(x.field) && /INSTANCE\/CLASS\/MEMBER/.test(x.reason)).length, 3, JSON.stringify(e2));
  await tp.catalog.import(
    {
      organizations: [
        { code: 'NOCR', name: L('سازمان ثبت احوال کشور', 'National Organization for Civil Registration'), parent: null, website: 'https://www.sabteahval.ir', exchangeMembers: [] },
        { code: 'POST', name: L('شرکت ملی پست', 'Iran Post Company'), parent: null, website: 'https://post.ir', exchangeMembers: ['IR/GOV/NOCR'] },
      ],
    },
    { actor: 'test' },
  );
  assert.equal(tp.catalog.read.organizationOfMember('IR/GOV/NOCR')?.code, 'POST', 'moved within one import');
});

test('the catalogue’s patterns agree with the exchange’s member grammar', () => {
  const member = new RegExp(MEMBER_ID);
  for (const id of ['IR/GOV/NOCR', 'IR/COM/10100000001', 'IR-TEST/NGO/a.b_c-d', 'IR/GOV/NOCR/registry', 'ir/GOV/NOCR', 'IR/EDU/X', 'IR/GOV/-x', `IR/GOV/${'a'.repeat(64)}`, `IR/GOV/${'a'.repeat(65)}`, 'IRAN-IS-A-LONG-NAME/GOV/X']) {
    assert.equal(member.test(id), parseMemberId(id) !== null, id);
  }
  const org = new RegExp(ORG_CODE);
  for (const [code, ok] of [['POLICE-PASS', true], ['10100000001', true], ['nocr', true], ['A'.repeat(32), true], ['A'.repeat(33), false], ['', false], ['NO CR', false], ['NÖCR', false]] as const) assert.equal(org.test(code), ok, code);
});
