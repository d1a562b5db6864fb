import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nationalCodeCheckDigit, parseForeignNationalCode, parseMobile, parseNationalCode, parsePersonCode } from './national-code.js';

test('national code check digit: weights 10..2, r = sum mod 11, r < 2 ? r : 11 - r', () => {
  // 0·10+4·9+9·8+9·7+3·6+7·5+0·4+8·3+9·2 = 266; 266 mod 11 = 2; 11 − 2 = 9
  assert.equal(nationalCodeCheckDigit('049937089'), 9);
  assert.equal(nationalCodeCheckDigit('010000001'), 0, 'sum 11: r = 0 gives 0');
  assert.equal(nationalCodeCheckDigit('000000006'), 1, 'sum 12: r = 1 gives 1');
  assert.equal(nationalCodeCheckDigit('100000000'), 1, 'sum 10: r = 10 gives 11 − 10 = 1');
  assert.throws(() => nationalCodeCheckDigit('12345678'));
});

test('parseNationalCode accepts valid codes in any digits, with spaces and dashes', () => {
  for (const good of ['0499370899', '0084575948', '0013542419', '4608968882', '0100000010', '0000000061']) assert.equal(parseNationalCode(good), good);
  assert.equal(parseNationalCode('۰۴۹۹۳۷۰۸۹۹'), '0499370899', 'Persian digits');
  assert.equal(parseNationalCode('٠٤٩٩٣٧٠٨٩٩'), '0499370899', 'Arabic-Indic digits');
  assert.equal(parseNationalCode(' 049-937089-9 '), '0499370899');
  assert.equal(parseNationalCode('049 937 0899'), '0499370899');
  assert.equal(parseNationalCode('۰۴۹۹-۳۷۰۸۹۹'), '0499370899');
});

test('parseNationalCode rejects wrong check digits, lengths, repeated digits and letters', () => {
  for (const bad of ['0499370898', '0499370890', '499370899', '04993708990', '', '   ', '1111111111', '0000000000', '۵۵۵۵۵۵۵۵۵۵', '04993708a9', 'O499370899', '+0499370899', '0499.370.899', '049937089９']) {
    assert.equal(parseNationalCode(bad), null, bad);
  }
  assert.equal(parseNationalCode(undefined as unknown as string), null);
  assert.equal(parseNationalCode('0'.repeat(1000)), null);
});

test('parseForeignNationalCode: twelve digits, not one repeated digit (no known check algorithm)', () => {
  assert.equal(parseForeignNationalCode('100123456789'), '100123456789');
  assert.equal(parseForeignNationalCode('۱۰۰۱-۲۳۴۵-۶۷۸۹'), '100123456789');
  for (const bad of ['10012345678', '1001234567890', '111111111111', '10012345678x', '0499370899']) assert.equal(parseForeignNationalCode(bad), null, bad);
  assert.deepEqual(parsePersonCode('0499370899'), { code: '0499370899', kind: 'citizen' });
  assert.deepEqual(parsePersonCode('100123456789'), { code: '100123456789', kind: 'foreign' });
  assert.equal(parsePersonCode('0499370898'), null);
});

test('parseMobile: every usual way of writing a mobile number gives 09XXXXXXXXX', () => {
  const canonical = '09123456789';
  for (const good of ['09123456789', '+989123456789', '00989123456789', '989123456789', '9123456789', '۰۹۱۲۳۴۵۶۷۸۹', '٠٩١٢٣٤٥٦٧٨٩', '0912 345 6789', '0912-345-6789', '+98 912 345 6789', '۰۹۱۲ ۳۴۵ ۶۷ ۸۹']) {
    assert.equal(parseMobile(good), canonical, good);
  }
  assert.equal(parseMobile('09351112233'), '09351112233');
});

test('parseMobile rejects landlines, wrong lengths, letters and stray signs', () => {
  for (const bad of ['02188776655', '2188776655', '0912345678', '091234567890', '+98912345678', '0912345678a', 'o9123456789', '', '++989123456789', '+1 912 345 6789', '0098 21 8877 6655', '(0912) 345 6789', '8123456789']) {
    assert.equal(parseMobile(bad), null, bad);
  }
});
