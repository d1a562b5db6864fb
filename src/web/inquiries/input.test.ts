import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoUpstreamBase } from '../../exchange/index.js';
import { parseCertificateNumber, parsePlate, parsePostalCode } from './input.js';

test('postal codes: ten digits in any script, with or without the dash', () => {
  for (const raw of ['1434843181', '۱۴۳۴۸۴۳۱۸۱', '14348-43181', ' ۱۴۳۴۸–۴۳۱۸۱ ', '١٤٣٤٨٤٣١٨١']) assert.equal(parsePostalCode(raw), '1434843181', raw);
  for (const raw of ['143484318', '14348431811', '14348431a1', '', '1'.repeat(100), undefined, 1434843181]) assert.equal(parsePostalCode(raw), null, String(raw));
});

test('plates: as written on the car, in Persian or Latin digits, or in the URL form', () => {
  const ali = { plate: '12ب345-67', plateId: '12-B-345-67' };
  for (const raw of ['12ب345-67', '۱۲ب۳۴۵-۶۷', '۱۲ ب ۳۴۵ ایران ۶۷', '12-B-345-67', '12 b 345 67', '‏۱۲ب۳۴۵‏-۶۷']) assert.deepEqual(parsePlate(raw), ali, raw);
  assert.deepEqual(parsePlate('۴۴ الف ۱۲۳ - ۱۱'), { plate: '44الف123-11', plateId: '44-ALEF-123-11' });
  assert.deepEqual(parsePlate('44ا123-11'), { plate: '44الف123-11', plateId: '44-ALEF-123-11' }, 'alef typed alone');
  for (const raw of ['12X345-67', '12-XX-345-67', '1ب345-67', '12ب345-678', '12ب345', 'abc', '', '12چ345-67', undefined]) assert.equal(parsePlate(raw), null, String(raw));
});

test('certificate numbers: the Solar Hijri year and six digits', () => {
  for (const raw of ['1391-004512', '۱۳۹۱-۰۰۴۵۱۲', '1391004512', '1391 / 004512']) assert.equal(parseCertificateNumber(raw), '1391-004512', raw);
  for (const raw of ['1391-0045123', '1391-00451', '2391-004512', 'abcd-efghij', '', null]) assert.equal(parseCertificateNumber(raw), null, String(raw));
});

test('the demo upstreams are on this node’s loopback address, never on a public one', () => {
  assert.equal(demoUpstreamBase('0.0.0.0', 3000), 'http://127.0.0.1:3000');
  assert.equal(demoUpstreamBase('127.0.0.1', 8080), 'http://127.0.0.1:8080');
  assert.equal(demoUpstreamBase('::', 3000), 'http://[::1]:3000');
  assert.equal(demoUpstreamBase('localhost', 3000), 'http://127.0.0.1:3000');
  assert.equal(demoUpstreamBase('0.0.0.0', 0), null, 'port 0 is chosen at listen');
  assert.equal(demoUpstreamBase('10.0.0.5', 3000), null, 'a specific outside address cannot be reached from loopback');
});
