import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatService, parseMemberId, parseServiceId, parseSubsystemId, serviceIdFromParts } from './ids.js';

test('member, subsystem and service ids follow the grammar', () => {
  assert.deepEqual(parseMemberId('IR/GOV/NOCR'), { instance: 'IR', memberClass: 'GOV', member: 'NOCR' });
  assert.deepEqual(parseSubsystemId('IR/COM/10100000001/kyc'), { instance: 'IR', memberClass: 'COM', member: '10100000001', subsystem: 'kyc' });
  const s = parseServiceId('IR-TEST/NGO/mahak.org/api_v2/vehicle-fines');
  assert.ok(s);
  assert.equal(formatService(s), 'IR-TEST/NGO/mahak.org/api_v2/vehicle-fines');
});

test('ids off the grammar are refused', () => {
  for (const bad of [
    'IR/GOV', // too short
    'IR/GOV/NOCR/registry', // a subsystem is not a member
    'ir/GOV/NOCR', // instance is upper case
    'IR/BIZ/NOCR', // unknown class
    'IR/gov/NOCR',
    'IR/GOV/.NOCR', // must start with a letter or digit
    'IR/GOV/NO CR',
    'IR/GOV/NO%43R',
    'IR/GOV/نوکر',
    'IR/GOV/' + 'x'.repeat(65),
    'IR/GOV/NOCR/',
    '/IR/GOV/NOCR',
  ]) assert.equal(parseMemberId(bad), null, bad);
  assert.equal(parseSubsystemId('IR/GOV/NOCR/..'), null);
  assert.equal(parseSubsystemId('IR/GOV/NOCR/a\\b'), null);
  assert.equal(parseServiceId('IR/GOV/NOCR/registry'), null);
  assert.equal(parseServiceId('IR/GOV/NOCR/registry/person/extra'), null);
});

test('metaservice names cannot be service codes, in any letter case', () => {
  for (const m of ['listMethods', 'allowedMethods', 'getOpenAPI', 'listClients', 'LISTMETHODS', 'getopenapi']) {
    assert.equal(parseServiceId(`IR/GOV/NOCR/registry/${m}`), null, m);
  }
  assert.ok(serviceIdFromParts(['IR', 'GOV', 'NOCR', 'registry', 'person']));
  assert.equal(serviceIdFromParts(['IR', 'GOV', 'NOCR', 'registry']), null);
});
