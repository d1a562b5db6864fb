import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTrackingCode, newTrackingCode, parseTrackingCode, verhoeffDigit, verhoeffValid } from './tracking-code.js';

test('Verhoeff: the published example 236 has check digit 3, and 2363 validates', () => {
  assert.equal(verhoeffDigit('236'), 3);
  assert.ok(verhoeffValid('2363'));
  assert.ok(!verhoeffValid('2364'));
});

test('a tracking code is twelve digits whose check digit catches every single error and neighbour swap', () => {
  for (let n = 0; n < 200; n++) {
    const code = newTrackingCode();
    assert.match(code, /^[1-9]\d{11}$/);
    assert.equal(parseTrackingCode(code), code);
    for (let i = 0; i < 12; i++) {
      for (let d = 0; d < 10; d++) {
        if (String(d) === code[i]) continue;
        const typo = code.slice(0, i) + d + code.slice(i + 1);
        assert.equal(parseTrackingCode(typo), null, `${typo} (a typo of ${code}) must be refused`);
      }
      if (i < 11 && code[i] !== code[i + 1]) {
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
        assert.equal(parseTrackingCode(swapped), null, `${swapped} (a swap in ${code}) must be refused`);
      }
    }
  }
});

test('a tracking code is read as people write it: Persian digits, dashes and spaces', () => {
  const code = newTrackingCode();
  const shown = formatTrackingCode(code);
  assert.match(shown, /^\d{4}-\d{4}-\d{4}$/);
  const persian = shown.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]!).replace(/-/g, ' - ');
  assert.equal(parseTrackingCode(persian), code);
  assert.equal(parseTrackingCode('12345'), null);
  assert.equal(parseTrackingCode('abcd-efgh-ijkl'), null);
});
