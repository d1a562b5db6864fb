import { html, type SafeHtml } from '../html.js';
import { shortReference } from '../../platform/uuid.js';
import { digits, fmtDate, fmtDateTime, fmtNumber, fmtYear, pick, prefix, type Lang } from '../i18n.js';
import { breadcrumbs, page } from '../layout.js';
import type { Address, Certificate, Fines, InquiryDef, InquiryResult, InsuranceRecord, Lines, PersonRecord, Vehicle } from './inquiries.js';
import { plateHtml, plateText } from './plate-text.js';
import { strings } from './strings.js';

/** The inquiry pages: the list, one form per inquiry, its answer, and why an inquiry failed. No JavaScript. */

const base = (lang: Lang) => `${prefix(lang)}/inquiries`;
const day = (iso: string, lang: Lang) => fmtDate(`${iso.slice(0, 10)}T12:00:00Z`, lang);
const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;
const crumbs = (lang: Lang, def?: InquiryDef) => breadcrumbs(lang, def ? [{ label: strings(lang).title, href: base(lang) }, { label: pick(def.title, lang) }] : [{ label: strings(lang).title }]);

/** Who is asking, for the list page: nobody, or a signed-in person (with their name when the provider released it). */
export type Asker = null | { name: string | null };

export function listPage(lang: Lang, o: { inquiries: readonly InquiryDef[]; asker: Asker }): string {
  const t = strings(lang);
  return page({
    lang,
    title: t.title,
    path: '/inquiries',
    body: html`${crumbs(lang)}<h1>${t.title}</h1>
<p class="lead">${t.lead}</p>
${o.asker
  ? html`<p class="inset">${o.asker.name ? t.signedInAs(o.asker.name) : t.signedInNoName} <a href="${prefix(lang)}/account">${t.backToAccount}</a></p>`
  : html`<p class="inset">${t.own} <a href="${prefix(lang)}/account/signin?return=${encodeURIComponent(base(lang))}">${strings(lang).signIn}</a></p>`}
<ul class="card-list">
${o.inquiries.map(
  (d) => html`<li><h2><a href="${base(lang)}/${d.slug}">${pick(d.title, lang)}</a></h2>
<p>${pick(d.summary, lang)}</p>
<p class="meta">${t.from}: ${pick(d.agency, lang)}${o.asker && d.personal ? '' : html` · <span class="tag ${d.personal ? 'tag--blue' : 'tag--grey'}">${d.personal ? t.signInNeeded : t.open}</span>`}</p></li>`,
)}
</ul>`,
  });
}

const FIELD_TEXT = {
  plate: (lang: Lang) => ({ label: strings(lang).plate, hint: strings(lang).plateHint }),
  postal_code: (lang: Lang) => ({ label: strings(lang).postalCode, hint: strings(lang).postalHint }),
  certificate: (lang: Lang) => ({ label: strings(lang).certificate, hint: strings(lang).certificateHint }),
};

export function formPage(lang: Lang, def: InquiryDef, o: { csrf: string; value?: string; error?: string; code?: string }): string {
  const t = strings(lang);
  const f = def.field;
  const text = f ? FIELD_TEXT[f.name](lang) : null;
  const described = f ? `${f.name}-hint${o.error ? ` ${f.name}-error` : ''}` : '';
  return page({
    lang,
    title: o.error ? `${t.problem}: ${pick(def.title, lang)}` : pick(def.title, lang),
    path: `/inquiries/${def.slug}`,
    noindex: def.personal,
    body: html`${crumbs(lang, def)}${o.error ? html`<div class="error-summary" role="alert" tabindex="-1" data-code="${o.code ?? ''}"><h2>${t.problem}</h2><ul><li>${f ? html`<a href="#${f.name}">${o.error}</a>` : o.error}</li></ul></div>` : ''}
<h1>${pick(def.title, lang)}</h1>
<p class="lead">${pick(def.summary, lang)}</p>
${def.personal ? html`<p class="secondary">${t.ownNote}</p>` : ''}
<form method="post" action="${base(lang)}/${def.slug}" novalidate>${csrfField(o.csrf)}
${f && text ? html`<div class="form-group"><label for="${f.name}">${text.label}</label><p class="hint" id="${f.name}-hint">${text.hint}</p>
${o.error ? html`<p class="error-message" id="${f.name}-error">${o.error}</p>` : ''}<input type="text" id="${f.name}" name="${f.name}" value="${o.value ?? ''}" inputmode="${f.inputmode}" autocomplete="off" spellcheck="false" maxlength="60" dir="ltr" aria-describedby="${described}"${o.error ? html` aria-invalid="true"` : ''}></div>` : ''}
<button class="button" type="submit">${t.ask}</button>
</form>
<p><a href="${base(lang)}">${t.all}</a></p>`,
  });
}

export function resultPage(lang: Lang, def: InquiryDef, o: { result: InquiryResult; references: string[]; csrf: string }): string {
  const t = strings(lang);
  return page({
    lang,
    title: pick(def.title, lang),
    path: `/inquiries/${def.slug}`,
    noindex: true,
    body: html`${crumbs(lang, def)}<h1>${pick(def.title, lang)}</h1>
${renderResult(lang, o.result, o.csrf)}
${references(lang, def, o.references)}
<p><a class="button button--secondary" href="${base(lang)}/${def.slug}">${t.again}</a> <a href="${base(lang)}">${t.all}</a></p>`,
  });
}

export function failurePage(lang: Lang, def: InquiryDef, o: { message: string; code: string; reference: string | null }): string {
  const t = strings(lang);
  return page({
    lang,
    title: t.failedTitle,
    path: `/inquiries/${def.slug}`,
    noindex: true,
    body: html`${crumbs(lang, def)}<h1>${t.failedTitle}</h1>
<p class="lead" data-code="${o.code}">${o.message}</p>
${o.reference ? references(lang, null, [o.reference]) : ''}
<p><a class="button button--secondary" href="${base(lang)}/${def.slug}">${t.again}</a> <a href="${base(lang)}">${t.all}</a></p>`,
  });
}

/**
 * The reference a person reads out or copies: short and unambiguous (see shortReference), with the
 * exchange's full X-Road-Ids one click away for support.
 */
function references(lang: Lang, def: InquiryDef | null, ids: string[]): SafeHtml {
  const t = strings(lang);
  const sep = lang === 'fa' ? '، ' : ', ';
  return html`<p class="secondary">${def ? html`${t.viaExchange(pick(def.agency, lang))} ` : ''}${t.reference}: ${ids.map((r, i) => html`${i ? sep : ''}<bdi class="code" dir="ltr">${shortReference(r)}</bdi>`)}. ${t.referenceHint}</p>
<details class="secondary"><summary>${t.xroadIds}</summary><ul>${ids.map((r) => html`<li><code dir="ltr">${r}</code></li>`)}</ul></details>`;
}

function renderResult(lang: Lang, r: InquiryResult, csrf: string): SafeHtml {
  switch (r.slug) {
    case 'civil-registry':
      return personView(lang, r.person);
    case 'insurance':
      return insuranceView(lang, r.record);
    case 'mobile-lines':
      return linesView(lang, r.lines);
    case 'vehicle-fines':
      return html`${vehiclesView(lang, r.vehicles, csrf)}${r.fines ? finesView(lang, r.fines) : ''}`;
    case 'certificate':
      return certificateView(lang, r.certificate);
    case 'postal-address':
      return addressView(lang, r.address);
  }
}

const row = (dt: string, dd: SafeHtml | string) => html`<div><dt>${dt}</dt><dd>${dd}</dd></div>`;

function personView(lang: Lang, p: PersonRecord): SafeHtml {
  const t = strings(lang);
  return html`<dl class="summary-list">
${row(t.nationalCode, digits(p.nationalCode, lang))}
${row(t.name, `${p.firstName[lang]} ${p.lastName[lang]}`)}
${row(t.father, p.fatherName[lang])}
${row(t.birth, day(p.birthDate, lang))}
${row(t.gender, t.genders[p.gender])}
${row(t.kind, t.kinds[p.kind])}
${row(t.alive, p.alive ? t.living : t.deceased(p.deathDate ? day(p.deathDate, lang) : '-'))}
</dl>`;
}

function insuranceView(lang: Lang, r: InsuranceRecord): SafeHtml {
  const t = strings(lang);
  if (r.periods.length === 0) return html`<p>${t.noInsurance}</p>`;
  return html`<dl class="summary-list">${row(t.totalMonths, t.months(fmtNumber(r.totalMonths, lang)))}</dl>
<table><thead><tr><th scope="col">${t.employer}</th><th scope="col">${t.workshop}</th><th scope="col">${t.periodFrom}</th><th scope="col">${t.periodTo}</th><th scope="col">${t.periodMonths}</th></tr></thead><tbody>
${r.periods.map((p) => html`<tr><td>${p.employer[lang]}</td><td><bdi dir="ltr">${digits(p.workshopCode, lang)}</bdi></td><td>${day(p.from, lang)}</td><td>${p.to ? day(p.to, lang) : t.current}</td><td>${t.months(fmtNumber(p.months, lang))}</td></tr>`)}
</tbody></table>`;
}

function linesView(lang: Lang, r: Lines): SafeHtml {
  const t = strings(lang);
  if (r.lines.length === 0) return html`<p>${t.noLines}</p>`;
  return html`<table><thead><tr><th scope="col">${t.mobile}</th><th scope="col">${t.operator}</th><th scope="col">${t.registeredAt}</th></tr></thead><tbody>
${r.lines.map((l) => html`<tr><td><bdi dir="ltr">${digits(l.mobile, lang)}</bdi></td><td>${l.operator[lang]}</td><td>${day(l.registeredAt, lang)}</td></tr>`)}
</tbody></table>`;
}

function vehiclesView(lang: Lang, vehicles: Vehicle[], csrf: string): SafeHtml {
  const t = strings(lang);
  if (vehicles.length === 0) return html`<h2>${t.vehicles}</h2><p>${t.noVehicles}</p>`;
  return html`<h2>${t.vehicles}</h2>
<table><thead><tr><th scope="col">${t.plate}</th><th scope="col">${t.make}</th><th scope="col">${t.modelYear}</th><th scope="col">${t.color}</th><th scope="col"><span class="visually-hidden">${t.seeFines}</span></th></tr></thead><tbody>
${vehicles.map(
  (v) => html`<tr><td>${plateHtml(v.plate, lang)}</td><td>${v.make[lang]}</td><td>${fmtYear(v.modelYear, lang)}</td><td>${v.color[lang]}</td>
<td><form method="post" action="${base(lang)}/vehicle-fines">${csrfField(csrf)}<input type="hidden" name="plate" value="${v.plateId}"><button class="button button--secondary" type="submit" aria-label="${t.seeFinesOf(plateText(v.plate, lang))}">${t.seeFines}</button></form></td></tr>`,
)}
</tbody></table>`;
}

function finesView(lang: Lang, f: Fines): SafeHtml {
  const t = strings(lang);
  const rials = (n: number) => t.rials(fmtNumber(n, lang));
  return html`<h2>${t.fines}: ${plateHtml(f.plate, lang)}</h2>
${f.fines.length === 0
  ? html`<p>${t.noFines}</p>`
  : html`<dl class="summary-list">${row(t.unpaidTotal, rials(f.unpaidTotal))}</dl>
<table><thead><tr><th scope="col">${t.committedAt}</th><th scope="col">${t.violation}</th><th scope="col">${t.location}</th><th scope="col">${t.amount}</th><th scope="col">${t.paid}</th></tr></thead><tbody>
${f.fines.map((x) => html`<tr><td>${fmtDateTime(x.committedAt, lang)}</td><td>${x.violation[lang]}</td><td>${x.location[lang]}</td><td>${rials(x.amount)}</td><td>${x.paid ? t.paidYes : html`<strong>${t.paidNo}</strong>`}</td></tr>`)}
</tbody></table>`}`;
}

function certificateView(lang: Lang, c: Certificate): SafeHtml {
  const t = strings(lang);
  if (!c.valid) return html`<p class="inset">${t.certificateInvalid}</p><dl class="summary-list">${row(t.certificate, digits(c.certificateNumber, lang))}</dl>`;
  return html`<p class="inset">${t.certificateValid}</p>
<dl class="summary-list">
${row(t.certificate, digits(c.certificateNumber, lang))}
${c.holder ? row(t.holder, `${c.holder.firstName[lang]} ${c.holder.lastName[lang]}`) : ''}
${c.university ? row(t.university, c.university[lang]) : ''}
${c.degree ? row(t.degree, c.degree[lang]) : ''}
${c.field ? row(t.field, c.field[lang]) : ''}
${c.graduationDate ? row(t.graduation, day(c.graduationDate, lang)) : ''}
</dl>`;
}

function addressView(lang: Lang, a: Address): SafeHtml {
  const t = strings(lang);
  return html`<dl class="summary-list">
${row(t.postalCode, digits(a.postalCode, lang))}
${row(t.address, a.text[lang])}
${row(t.province, a.province[lang])}
${row(t.city, a.city[lang])}
</dl>`;
}
