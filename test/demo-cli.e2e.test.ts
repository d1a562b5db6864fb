import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from './cli-kit.js';
import { freshDatabase } from './harness.js';

/** `panjareh demo person …` as an operator runs it: a real process, its output and its exit code. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
before(async () => {
  db = await freshDatabase();
});
after(() => db.drop());

const cli = (args: string[], env: Record<string, string> = {}) => runCli(db, args, { PANJAREH_DEMO: 'true', ...env });

const lastLine = (s: string) => s.trim().split('\n').at(-1)!;
const add = (o: Record<string, string>) => ['demo', 'person', 'add', ...Object.entries(o).flatMap(([k, v]) => [`--${k}`, v])];
const person = { 'national-code': '0013542419', mobile: '09015550201', 'first-name': 'سارا', 'last-name': 'Karimi', 'birth-date': '1994-05-06', gender: 'female' };

test('demo person add: a good person is added and printed as JSON on the last line', async () => {
  const r = await cli(add({ ...person, 'father-name': 'Reza' }));
  assert.equal(r.code, 0, r.err);
  const printed = JSON.parse(lastLine(r.out));
  assert.deepEqual(
    [printed.nationalCode, printed.mobile, printed.firstName, printed.lastName, printed.fatherName.en, printed.gender, printed.alive],
    ['0013542419', '09015550201', { fa: 'سارا', en: 'سارا' }, { fa: 'Karimi', en: 'Karimi' }, 'Reza', 'female', true],
  );
  const again = await cli(add({ ...person, mobile: '09015550202' }));
  assert.equal(again.code, 1);
  assert.match(again.err, /already registered\. \(person_exists\)/);
});

test('demo person add: Persian digits are accepted everywhere', async () => {
  const r = await cli(add({ 'national-code': '۰۰۸۴-۵۷۵۹۴۸', mobile: '۰۹۳۵ ۵۵۵ ۰۲۰۳', 'first-name': 'Babak', 'last-name': 'آهنگر', 'birth-date': '۱۹۸۰-۰۱-۳۱' }));
  assert.equal(r.code, 0, r.err);
  const printed = JSON.parse(lastLine(r.out));
  assert.deepEqual([printed.nationalCode, printed.mobile, printed.birthDate, printed.gender, printed.operator], ['0084575948', '09355550203', '1980-01-31', 'male', 'Irancell']);
});

test('demo person add: a bad check digit, a bad date or a taken mobile is one clear line and exit 1', async () => {
  const check = await cli(add({ ...person, 'national-code': '0013542418' }));
  assert.equal(check.code, 1);
  assert.equal(check.err.trim().split('\n').length, 1, check.err);
  assert.match(check.err, /check digit \(or a 12-digit foreign national code\)\. \(invalid_national_code\)/);
  assert.doesNotMatch(check.err, /at .*\.ts:\d+/, 'no stack trace');

  const date = await cli(add({ ...person, 'national-code': '4608968882', 'birth-date': '1994-02-30' }));
  assert.equal(date.code, 1);
  assert.match(date.err, /invalid_birth_date/);

  // 09123456789 belongs to the documented demo person, loaded with the demo country.
  const taken = await cli(add({ ...person, 'national-code': '4608968882', mobile: '+98 912 345 6789' }));
  assert.equal(taken.code, 1);
  assert.match(taken.err, /registered to someone else\. \(mobile_taken\)/);
  assert.notEqual((await cli(add({ ...person, 'national-code': '4608968882', mobile: '09015550204', gender: 'other' }))).code, 0, 'gender is male or female');
});

test('demo person list shows the documented demo person first', async () => {
  const r = await cli(['demo', 'person', 'list', '--limit', '2']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^0499370899\tعلی رضایی \(Ali Rezaei\)\t09123456789$/);
  assert.match(lines[1]!, /deceased 2023-02-14/);
  assert.notEqual((await cli(['demo', 'person', 'list', '--limit', 'ten'])).code, 0);
});

test('outside demo mode the demo commands refuse with one line', async () => {
  for (const args of [add({ ...person, 'national-code': '4608968882', mobile: '09015550205' }), ['demo', 'person', 'list']]) {
    const r = await cli(args, { PANJAREH_DEMO: 'false' });
    assert.equal(r.code, 1);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /only in demo mode/);
    assert.equal(r.out, '');
  }
});

test('--help of the demo commands', async () => {
  assert.match((await cli(['--help'])).out, /\bdemo\b/);
  const help = await cli(['demo', 'person', 'add', '--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--national-code', '--mobile', '--first-name', '--last-name', '--birth-date', '--father-name', '--gender']) assert.match(help.out, new RegExp(flag));
  assert.match((await cli(['demo', 'person', 'list', '--help'])).out, /--limit/);
});
