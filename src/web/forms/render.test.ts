import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exampleForm } from '../../services/forms/examples.js';
import { compileForm, findPage, parsePage } from '../../services/forms/index.js';
import { nationalCodeCheckDigit } from '../../platform/national-code.js';
import { t } from '../i18n.js';
import { pageTitle, renderAnswersSummary, renderPage } from './index.js';
import { html } from '../html.js';

const form = compileForm(exampleForm);
const page = (id: string) => findPage(form, id)!;
const CODE = `001234567${nationalCodeCheckDigit('001234567')}`;
const FILE = '0190d5d2-8a3b-7c4d-9e5f-0123456789ab';

describe('renderPage', () => {
  it('shows every problem in a summary linking to its field, and each message next to its field (fa)', () => {
    const parsed = parsePage(form, 'employer', { employer: '', staff: 'abc', 'startDate-day': '۱۶', 'startDate-month': '', 'startDate-year': '۱۴۰۵', employerCode: '123' }, { purpose: 'employment' });
    const out = renderPage(form, page('employer'), { lang: 'fa', action: '/services/x/apply/employer', csrfToken: 'tok<>', errors: parsed.errors, posted: parsed.posted }).value;
    assert.match(out, new RegExp(`<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="error-summary-title"><h2 id="error-summary-title">${t('fa').problem}</h2>`));
    assert.match(out, /<li><a href="#field-employer">نام کارفرما را وارد کنید.<\/a><\/li>/);
    assert.match(out, /<li><a href="#field-startDate-month">تاریخ آغاز کار باید ماه داشته باشد.<\/a><\/li>/, 'a date’s problem links to the part that is wrong');
    assert.match(out, /<input id="field-employer" name="employer" type="text" value="" autocomplete="organization" aria-describedby="field-employer-error" aria-invalid="true">/);
    assert.match(out, /<p class="error-message" id="field-employerCode-error"><span class="visually-hidden">خطا: <\/span>کد ملی/);
    assert.match(out, /id="field-employerCode" name="employerCode" type="text" value="123" class="input--short" inputmode="numeric" autocomplete="off" dir="ltr"/, 'what was typed is shown back');
    assert.match(out, /id="field-startDate-month" name="startDate-month"[^>]*aria-invalid="true"/);
    assert.doesNotMatch(out, /id="field-startDate" name="startDate-day"[^>]*aria-invalid/, 'only the part that is wrong');
    assert.match(out, /<fieldset role="group" aria-describedby="field-startDate-hint field-startDate-error"><legend>تاریخ آغاز کار<\/legend>/);
    assert.match(out, /value="tok&lt;&gt;"/, 'escaped');
    assert.match(out, /<h1>کارفرما<\/h1>/);
    assert.equal(pageTitle(form, page('employer'), 'fa', true), 'خطا: کارفرما');
  });

  it('shows the same in English, with the saved answers in the inputs', () => {
    const { errors, posted } = parsePage(form, 'guarantor-details', { guarantorCode: CODE, guarantorMobile: '123', guarantorPostalCode: '' }, { hasGuarantor: true });
    const out = renderPage(form, page('guarantor-details'), { lang: 'en', action: '/en/x', csrfToken: 't', errors, posted, answers: { guarantorCode: CODE } }).value;
    assert.ok(out.includes(t('en').problem));
    assert.match(out, /<a href="#field-guarantorMobile">Guarantor’s mobile number must be a mobile number, like 09123456789.<\/a>/);
    assert.match(out, /type="tel" value="123" class="input--short" inputmode="tel" autocomplete="tel" dir="ltr"/);
    assert.match(out, /<span class="visually-hidden">Error: <\/span>/);
    assert.match(out, /<button class="button" type="submit">Continue<\/button>/);
    const saved = renderPage(form, page('guarantor-details'), { lang: 'en', action: '/en/x', csrfToken: 't', answers: { guarantorCode: CODE } }).value;
    assert.match(saved, new RegExp(`name="guarantorCode" type="text" value="${CODE}"`), 'without errors, the saved answer');
  });

  it('uses a lone question as the page’s heading, in its label or legend', () => {
    const radios = renderPage(form, page('purpose'), { lang: 'en', action: '/x', csrfToken: 't', answers: { purpose: 'other' } }).value;
    assert.match(radios, /<fieldset><legend class="legend--heading"><h1>What do you need the certificate for\?<\/h1><\/legend>/);
    assert.match(radios, /<input id="field-purpose-3" name="purpose" type="radio" value="other" checked>/);
    assert.match(radios, /aria-describedby="field-purpose-2-hint"><label for="field-purpose-2">Emigration<\/label><p class="hint" id="field-purpose-2-hint">/);
    assert.equal((radios.match(/<h1/g) ?? []).length, 1);
    const text = renderPage(form, page('purpose-other'), { lang: 'fa', action: '/x', csrfToken: 't' }).value;
    assert.match(text, /<h1 class="heading-label"><label for="field-purposeOther">کاربرد گواهی را بنویسید<\/label><\/h1>/);
    assert.equal(pageTitle(form, page('purpose-other'), 'fa'), 'کاربرد گواهی را بنویسید');
  });

  it('posts a page with a file as multipart, keeping the attached file', () => {
    const out = renderPage(form, page('letter'), { lang: 'fa', action: '/x', csrfToken: 't', answers: { letter: FILE }, fileName: () => 'نامه.pdf' }).value;
    assert.match(out, /enctype="multipart\/form-data"/);
    assert.match(out, /<input type="hidden" name="letter-current" value="0190d5d2-8a3b-7c4d-9e5f-0123456789ab">/);
    assert.match(out, /type="file" accept="application\/pdf,image\/jpeg,image\/png"/);
    assert.match(out, /نامه\.pdf/);
  });

  it('shows saved numbers and dates in Persian digits on Persian pages', () => {
    const out = renderPage(form, page('employer'), { lang: 'fa', action: '/x', csrfToken: 't', answers: { staff: 1234, startDate: '1405-09-06' } }).value;
    assert.match(out, /name="staff" type="text" value="۱۲۳۴"/);
    assert.match(out, /name="startDate-day" type="text" inputmode="numeric" class="date-input__short" maxlength="4" value="۶"/);
    assert.match(out, /name="startDate-year"[^>]*value="۱۴۰۵"/);
  });

  it('previews a page for the console with the same fields and nothing that can be posted', () => {
    const posted = renderPage(form, page('letter'), { lang: 'en', action: '/x', csrfToken: 't' }).value;
    const out = renderPage(form, page('letter'), { lang: 'en', action: '/x', csrfToken: 't', preview: true }).value;
    assert.doesNotMatch(out, /<form|_csrf|type="submit"/);
    assert.match(out, /<button class="button" type="button" disabled>Continue<\/button>/);
    assert.ok(out.includes(/<input id="field-letter"[^>]*>/.exec(posted)![0]), 'the field as the applicant sees it');
  });
});

describe('renderAnswersSummary', () => {
  const answers = {
    purpose: 'employment',
    languages: ['fa', 'en'],
    employer: 'شرکت',
    staff: 1234,
    startDate: '1405-09-16',
    hasGuarantor: false,
    guarantorCode: CODE, // on a hidden page: not shown
    newAddress: { postalCode: '1434843181', details: 'طبقه ۲' },
    workAddress: { province: 'تهران', city: 'تهران', street: 'آزادی', plaque: '۱۲' },
    letter: FILE,
  };

  it('lists the answers of the pages shown with change links (fa)', () => {
    const out = renderAnswersSummary(form, answers, 'fa', (p) => `/services/x/apply/${p}?change=1`).value;
    assert.match(out, /^<dl class="summary-list summary-list--actions">/);
    assert.match(out, /<dt>گواهی را برای چه کاری می‌خواهید؟<\/dt><dd>استخدام<\/dd><dd class="summary-list__action"><a href="\/services\/x\/apply\/purpose\?change=1">تغییر<span class="visually-hidden"> گواهی را برای چه کاری می‌خواهید؟<\/span><\/a><\/dd>/);
    assert.match(out, /<dd>فارسی، انگلیسی<\/dd>/);
    assert.match(out, /<dd>۱٬۲۳۴ نفر<\/dd>/);
    assert.match(out, /<dd>۱۶ آذر ۱۴۰۵<\/dd>/);
    assert.match(out, /<dd>خیر<\/dd>/);
    assert.match(out, /کد پستی: <span dir="ltr">۱۴۳۴۸۴۳۱۸۱<\/span>/);
    assert.match(out, /تهران، تهران، آزادی، پلاک ۱۲/);
    assert.doesNotMatch(out, /ضامن دارید؟<\/dt><dd>بله|guarantorCode|کد ملی ضامن/, 'a hidden page’s answers are not listed');
    assert.match(out, /<dt>توضیحات<\/dt><dd><span class="secondary">پاسخ داده نشده<\/span><\/dd>/);
    assert.doesNotMatch(out.replace(/href="[^"]*"/g, ''), /[0-9]/, 'Persian digits only');
  });

  it('lists them in English, with the Gregorian day beside a Jalali date', () => {
    const out = renderAnswersSummary(form, answers, 'en', (p) => `/en/x/${p}`).value;
    assert.match(out, /<dd>16 Azar 1405 \(7 December 2026\)<\/dd>/);
    assert.match(out, /<dd>1,234 people<\/dd>/);
    assert.match(out, /<dd>Persian, English<\/dd>/);
    assert.match(out, />Change<span class="visually-hidden"> Letter from the employer<\/span>/);
    assert.match(out, /<dd>File attached<\/dd>/);
  });

  it('in the console’s preview lists every question of every page, hidden or not, with the placeholder in place of an answer', () => {
    const out = renderAnswersSummary(form, {}, 'en', (p) => `#page-${p}`, { placeholder: html`<span class="secondary">the applicant’s answer</span>` }).value;
    const questions = form.pages.flatMap((p) => p.fields);
    assert.equal(out.match(/<dt>/g)?.length, questions.length, 'one row per question');
    assert.equal(out.match(/<dd><span class="secondary">the applicant’s answer<\/span><\/dd>/g)?.length, questions.length);
    for (const page of form.pages) assert.ok(out.includes(`href="#page-${page.id}"`), page.id);
  });
});
