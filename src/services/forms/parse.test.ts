import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nationalCodeCheckDigit } from '../../platform/national-code.js';
import { toPersianDigits } from '../../platform/text.js';
import { exampleForm } from './examples.js';
import { compileForm, mergePage, parsePage } from './index.js';

const form = compileForm(exampleForm);
const nine = '001234567';
const CODE = `${nine}${nationalCodeCheckDigit(nine)}`;
const BAD_CODE = `${nine}${(nationalCodeCheckDigit(nine) + 1) % 10}`;
const FILE = '0190d5d2-8a3b-7c4d-9e5f-0123456789ab';
const employment = { purpose: 'employment' };
const codes = (r: { errors: Array<{ field: string; code: string; part?: string }> }) => r.errors.map((e) => `${e.field}${e.part ? `.${e.part}` : ''}:${e.code}`);

describe('parsePage', () => {
  it('reads text with Arabic letters and stray controls normalised, spaces collapsed', () => {
    const r = parsePage(form, 'employer', { employer: '  شركت   \u200fكاري ', 'startDate-day': '1', 'startDate-month': '1', 'startDate-year': '1405' }, employment);
    assert.equal(r.answers.employer, 'شرکت کاری');
    assert.deepEqual(r.errors, []);
  });

  it('reads several lines of a textarea, keeping its line breaks', () => {
    const r = parsePage(form, 'letter', { letter: FILE, notes: 'یك\r\n  دو  \r\n\r\n\r\n\r\nسه' });
    assert.equal(r.answers.notes, 'یک\n دو\n\nسه');
  });

  it('reads numbers in Persian and Arabic-Indic digits with separators, and refuses words', () => {
    const base = { employer: 'x', 'startDate-day': '1', 'startDate-month': '1', 'startDate-year': '1405' };
    assert.equal(parsePage(form, 'employer', { ...base, staff: '۱٬۲۳۴' }, employment).answers.staff, 1234);
    assert.equal(parsePage(form, 'employer', { ...base, staff: '١,٠٠٠' }, employment).answers.staff, 1000);
    assert.equal(parsePage(form, 'employer', { ...base, staff: ' 12 ' }, employment).answers.staff, 12);
    assert.deepEqual(codes(parsePage(form, 'employer', { ...base, staff: 'twelve' }, employment)), ['staff:not_a_number']);
    assert.deepEqual(codes(parsePage(form, 'employer', { ...base, staff: '۱۲٫۵' }, employment)), ['staff:not_whole'], 'an integer field refuses a fraction');
    assert.deepEqual(codes(parsePage(form, 'employer', { ...base, staff: '0' }, employment)), ['staff:too_small']);
  });

  it('reads a Jalali date from three inputs in either digits, stored as YYYY-MM-DD', () => {
    const p = (d: string, m: string, y: string) => parsePage(form, 'employer', { employer: 'x', 'startDate-day': d, 'startDate-month': m, 'startDate-year': y }, employment);
    assert.equal(p('۱۶', '۹', '۱۴۰۵').answers.startDate, '1405-09-16');
    assert.equal(p('1', '12', '1403').answers.startDate, '1403-12-01');
    assert.equal(p('30', '12', '1403').answers.startDate, '1403-12-30', '1403 is a leap year');
    assert.deepEqual(codes(p('30', '12', '1404')), ['startDate:date_invalid'], '1404 is not');
    assert.deepEqual(codes(p('31', '7', '1405')), ['startDate:date_invalid'], 'Mehr has 30 days');
    assert.deepEqual(codes(p('16', '', '1405')), ['startDate.month:date_incomplete']);
    assert.deepEqual(codes(p('', '', '1405')), ['startDate.day:date_incomplete']);
    assert.deepEqual(codes(p('x', '9', '1405')), ['startDate.day:date_invalid']);
    assert.deepEqual(codes(p('16', '9', '05')), ['startDate.year:date_invalid']);
    assert.deepEqual(codes(p('7', '12', '2026')), ['startDate.year:date_gregorian']);
    assert.deepEqual(codes(p('1', '1', '1399')), ['startDate:date_too_early']);
    assert.deepEqual(codes(p('', '', '')), ['startDate:required'], 'a date left empty is unanswered');
    assert.ok(p('16', '', '1405').errors[0]!.message.fa.includes('ماه'));
  });

  it('reads a choice, several choices and yes/no, refusing values that are not offered', () => {
    assert.equal(parsePage(form, 'purpose', { purpose: 'emigration' }).answers.purpose, 'emigration');
    assert.deepEqual(codes(parsePage(form, 'purpose', { purpose: 'smuggling' })), ['purpose:choice']);
    assert.deepEqual(codes(parsePage(form, 'purpose', {})), ['purpose:required']);
    assert.deepEqual(parsePage(form, 'languages', { languages: ['en', 'fa'] }).answers.languages, ['fa', 'en'], 'in the options’ order');
    assert.deepEqual(parsePage(form, 'languages', { languages: 'ar' }).answers.languages, ['ar']);
    assert.deepEqual(codes(parsePage(form, 'languages', { languages: ['fa', 'xx'] })), ['languages:choice']);
    assert.deepEqual(codes(parsePage(form, 'languages', {})), ['languages:required']);
    assert.equal(parsePage(form, 'guarantor', { hasGuarantor: 'yes' }).answers.hasGuarantor, true);
    assert.equal(parsePage(form, 'guarantor', { hasGuarantor: 'no' }).answers.hasGuarantor, false);
    assert.deepEqual(codes(parsePage(form, 'guarantor', { hasGuarantor: 'maybe' })), ['hasGuarantor:choice']);
  });

  it('reads national codes, mobiles and postal codes in Persian digits with spaces and prefixes', () => {
    const g = { hasGuarantor: true };
    const r = parsePage(form, 'guarantor-details', { guarantorCode: toPersianDigits(`${CODE.slice(0, 3)}-${CODE.slice(3)}`), guarantorMobile: '+98 ۹۱۲ ۳۴۵ ۶۷۸۹', guarantorPostalCode: '۱۴۳۴۸-۴۳۱۸۱' }, g);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.answers, { guarantorCode: CODE, guarantorMobile: '09123456789', guarantorPostalCode: '1434843181' });
    assert.equal(parsePage(form, 'guarantor-details', { guarantorCode: CODE, guarantorMobile: '00989123456789' }, g).answers.guarantorMobile, '09123456789');
    const bad = parsePage(form, 'guarantor-details', { guarantorCode: BAD_CODE, guarantorMobile: '02188888888', guarantorPostalCode: '12345' }, g);
    assert.deepEqual(codes(bad), ['guarantorCode:national_code', 'guarantorMobile:mobile', 'guarantorPostalCode:postal_code']);
    assert.deepEqual(codes(parsePage(form, 'guarantor-details', { guarantorCode: '1111111111', guarantorMobile: '09123456789', guarantorPostalCode: '0000000000' }, g)), ['guarantorCode:national_code', 'guarantorPostalCode:postal_code']);
  });

  it('reads an address by parts, checking its postal code and the parts the schema requires', () => {
    const ok = parsePage(form, 'address', { 'newAddress-postalCode': '۱۴۳۴۸۴۳۱۸۱', 'newAddress-details': 'طبقه ۲، واحد ۴', 'workAddress-province': 'تهران', 'workAddress-city': 'تهران', 'workAddress-street': 'آزادی', 'workAddress-plaque': '۱۲' });
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.answers.newAddress, { postalCode: '1434843181', details: 'طبقه ۲، واحد ۴' });
    assert.deepEqual(ok.answers.workAddress, { province: 'تهران', city: 'تهران', street: 'آزادی', plaque: '۱۲' });
    const bad = parsePage(form, 'address', { 'newAddress-postalCode': 'abc', 'workAddress-city': 'تهران' });
    assert.deepEqual(codes(bad), ['newAddress.postalCode:postal_code', 'workAddress.province:required', 'workAddress.street:required', 'workAddress.plaque:required']);
    assert.ok(bad.errors[1]!.message.fa.startsWith('استان'));
    assert.deepEqual(codes(parsePage(form, 'address', { 'newAddress-details': 'x' })), ['newAddress.postalCode:required']);
    assert.deepEqual(codes(parsePage(form, 'address', {})), ['newAddress:required']);
  });

  it('reads a file field as a stored file id, keeping the one attached when none is chosen', () => {
    assert.equal(parsePage(form, 'letter', { letter: FILE.toUpperCase() }).answers.letter, FILE);
    assert.equal(parsePage(form, 'letter', { letter: '', 'letter-current': FILE }).answers.letter, FILE);
    assert.deepEqual(codes(parsePage(form, 'letter', { letter: '../../etc/passwd' })), ['letter:file_id']);
    assert.deepEqual(codes(parsePage(form, 'letter', {})), ['letter:required']);
  });

  it('refuses input too long to be an answer, and ignores inputs that are not the page’s', () => {
    const r = parsePage(form, 'letter', { letter: FILE, notes: 'x'.repeat(20_000), _csrf: 't', extra: 'y' });
    assert.deepEqual(codes(r), ['notes:too_long']);
    assert.deepEqual(Object.keys(r.posted).sort(), ['letter', 'notes']);
    assert.equal((r.posted.notes as string).length, 10_000, 'what is shown back is bounded too');
    assert.deepEqual(codes(parsePage(form, 'letter', { letter: FILE, notes: 'x'.repeat(2001) })), ['notes:too_long'], 'the schema’s maxLength');
  });

  it('takes the first value of a repeated single input', () => {
    assert.equal(parsePage(form, 'purpose', { purpose: ['other', 'employment'] }).answers.purpose, 'other');
  });

  it('reports fields left empty as cleared, and mergePage replaces the page’s answers in the draft', () => {
    const r = parsePage(form, 'letter', { letter: FILE, notes: '   ' });
    assert.deepEqual(r.cleared, ['notes']);
    assert.deepEqual(mergePage(form, { purpose: 'other', letter: 'old', notes: 'old' }, 'letter', r.answers), { purpose: 'other', letter: FILE });
  });

  it('refuses a page that does not exist with a 404', () => {
    assert.throws(() => parsePage(form, 'nope', {}), (e: { status?: number }) => e.status === 404);
  });
});
