import type { ActiveSession, ConnectedSite, RegistryPerson } from '../../identity/index.js';
import { html } from '../html.js';
import { digits, fmtDate, fmtDateTime, prefix, type Lang } from '../i18n.js';
import { page } from '../layout.js';

/** "My Panjareh" (پنجرهٔ من): what the state knows about a person's identity, where they are signed in, and to whom they gave data. */

export interface SignInRow {
  at: string;
  method: string;
  outcome: 'success' | 'failure';
  reason: string | null;
  site: string | null;
  ip: string | null;
}

const T = {
  fa: {
    title: 'پنجرهٔ من',
    registry: 'اطلاعات شما در ثبت احوال',
    registryNote: 'این اطلاعات از ثبت احوال خوانده می‌شود؛ برای اصلاح آن به سازمان ثبت احوال مراجعه کنید.',
    name: 'نام و نام خانوادگی',
    father: 'نام پدر',
    birth: 'تاریخ تولد',
    gender: 'جنسیت',
    genders: { male: 'مرد', female: 'زن' },
    code: 'کد ملی',
    mobile: 'شماره همراه تأییدشده',
    sessions: 'نشست‌های فعال',
    sessionsNone: 'نشست فعالی نیست.',
    signedIn: 'ورود',
    level: 'سطح اطمینان',
    sitesIn: 'سامانه‌ها',
    endSession: 'خروج این نشست',
    sites: 'سامانه‌های متصل',
    sitesNone: 'به هیچ سامانه‌ای اجازهٔ دریافت اطلاعات نداده‌اید.',
    since: 'از',
    data: 'اطلاعات',
    revoke: 'پس گرفتن اجازه',
    log: 'سابقهٔ ورودهای شما',
    when: 'زمان',
    method: 'روش',
    result: 'نتیجه',
    address: 'نشانی IP',
    ok: 'موفق',
    failed: 'ناموفق',
    signOut: 'خروج از پنجره',
    loa: { 'http://eidas.europa.eu/LoA/substantial': 'قابل‌توجه (پیامک)', 'http://eidas.europa.eu/LoA/high': 'بالا (کلید عبور)' } as Record<string, string>,
  },
  en: {
    title: 'My Panjareh',
    registry: 'Your civil registry record',
    registryNote: 'This comes from the civil registry; to correct it, contact the National Organization for Civil Registration.',
    name: 'Name',
    father: "Father's name",
    birth: 'Date of birth',
    gender: 'Gender',
    genders: { male: 'Male', female: 'Female' },
    code: 'National code',
    mobile: 'Verified mobile number',
    sessions: 'Active sessions',
    sessionsNone: 'No active sessions.',
    signedIn: 'Signed in',
    level: 'Level of assurance',
    sitesIn: 'Sites',
    endSession: 'Sign this session out',
    sites: 'Connected sites',
    sitesNone: 'You have not allowed any site to receive your information.',
    since: 'Since',
    data: 'Information',
    revoke: 'Withdraw permission',
    log: 'Your sign-ins',
    when: 'When',
    method: 'Method',
    result: 'Result',
    address: 'IP address',
    ok: 'Succeeded',
    failed: 'Failed',
    signOut: 'Sign out of Panjareh',
    loa: { 'http://eidas.europa.eu/LoA/substantial': 'Substantial (text message)', 'http://eidas.europa.eu/LoA/high': 'High (passkey)' } as Record<string, string>,
  },
};

export function accountPage(
  lang: Lang,
  o: { csrf: string; nationalCode: string; person: RegistryPerson | null; mobile: string | null; sessions: ActiveSession[]; sites: ConnectedSite[]; signIns: SignInRow[] },
): string {
  const t = T[lang];
  const p = prefix(lang);
  const csrf = html`<input type="hidden" name="_csrf" value="${o.csrf}">`;
  const person = o.person;
  return page({
    lang,
    title: t.title,
    path: '/account',
    noindex: true,
    body: html`<h1>${t.title}</h1>
<form method="post" action="${p}/account/signout">${csrf}<button class="button button--secondary" type="submit">${t.signOut}</button></form>
<h2>${t.registry}</h2>
<dl class="summary-list">
<div><dt>${t.code}</dt><dd>${digits(o.nationalCode, lang)}</dd></div>
${person ? html`<div><dt>${t.name}</dt><dd>${person.firstName[lang]} ${person.lastName[lang]}</dd></div>
<div><dt>${t.father}</dt><dd>${person.fatherName[lang]}</dd></div>
<div><dt>${t.birth}</dt><dd>${fmtDate(`${person.birthDate}T12:00:00Z`, lang)}</dd></div>
<div><dt>${t.gender}</dt><dd>${t.genders[person.gender]}</dd></div>` : ''}
${o.mobile ? html`<div><dt>${t.mobile}</dt><dd dir="ltr">${digits(o.mobile, lang)}</dd></div>` : ''}
</dl>
<p class="secondary">${t.registryNote}</p>
<h2>${t.sessions}</h2>
${o.sessions.length === 0 ? html`<p>${t.sessionsNone}</p>` : html`<table><thead><tr><th scope="col">${t.signedIn}</th><th scope="col">${t.level}</th><th scope="col">${t.sitesIn}</th><th scope="col"><span class="visually-hidden">${t.endSession}</span></th></tr></thead><tbody>
${o.sessions.map((s) => html`<tr><td>${fmtDateTime(s.signedInAt, lang)}</td><td>${s.acr ? (t.loa[s.acr] ?? s.acr) : '-'}</td><td>${s.sites.join('، ')}</td><td><form method="post" action="${p}/account/sessions/${s.id}/end">${csrf}<button class="button button--secondary" type="submit">${t.endSession}</button></form></td></tr>`)}
</tbody></table>`}
<h2>${t.sites}</h2>
${o.sites.length === 0 ? html`<p>${t.sitesNone}</p>` : html`<table><thead><tr><th scope="col">${t.sitesIn}</th><th scope="col">${t.data}</th><th scope="col">${t.since}</th><th scope="col"><span class="visually-hidden">${t.revoke}</span></th></tr></thead><tbody>
${o.sites.map((g) => html`<tr><td>${g.name}</td><td dir="ltr">${g.scope}</td><td>${fmtDate(g.since, lang)}</td><td><form method="post" action="${p}/account/sites/${g.grantId}/revoke">${csrf}<button class="button button--secondary" type="submit">${t.revoke}</button></form></td></tr>`)}
</tbody></table>`}
<h2>${t.log}</h2>
<table><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.method}</th><th scope="col">${t.result}</th><th scope="col">${t.sitesIn}</th><th scope="col">${t.address}</th></tr></thead><tbody>
${o.signIns.map((e) => html`<tr><td>${fmtDateTime(e.at, lang)}</td><td>${e.method}</td><td>${e.outcome === 'success' ? t.ok : html`${t.failed}${e.reason ? html` <span class="secondary" lang="en" dir="ltr">(${e.reason})</span>` : ''}`}</td><td>${e.site ?? '-'}</td><td dir="ltr">${e.ip ?? '-'}</td></tr>`)}
</tbody></table>`,
  });
}
