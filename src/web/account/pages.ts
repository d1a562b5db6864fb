import { PORTAL_CLIENT_ID, SCOPE_PERMISSIONS, type ActiveSession, type ConnectedSite, type DeviceSummary, type RegistryPerson } from '../../identity/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtDate, fmtDateTime, prefix, type Lang } from '../i18n.js';
import { page } from '../layout.js';

/** "My Panjareh" (پنجرهٔ من): what the state knows about a person's identity, where they are signed in, and to whom they gave data. */

export interface SignInRow {
  at: string;
  method: string;
  outcome: 'success' | 'failure' | 'code_sent';
  reason: string | null;
  site: string | null;
  ip: string | null;
}

export interface PasskeyRow {
  credentialId: string;
  nickname: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  synced: boolean;
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
    device: 'مرورگر',
    thisDevice: 'همین دستگاه',
    unknownBrowser: 'مرورگر نامشخص',
    on: (browser: SafeHtml, os: SafeHtml) => html`${browser} روی ${os}`,
    portal: 'پنجره ملی خدمات دولت هوشمند',
    scopes: {
      openid: 'شناسهٔ شما نزد این سامانه',
      profile: 'نام، تاریخ تولد و جنسیت',
      national_code: 'کد ملی',
      phone: 'شماره همراه تأییدشده',
      offline_access: 'دسترسی ادامه‌دار، حتی وقتی حاضر نیستید',
      applications: SCOPE_PERMISSIONS.applications.fa,
    } as Record<string, string>,
    done: {
      sessionEnded: 'نشست خارج شد. آن مرورگر برای ادامه باید دوباره وارد شود.',
      passkeyRemoved: 'کلید عبور حذف شد؛ دیگر با آن نمی‌توان وارد شد.',
      passkeyAdded: 'کلید عبور ساخته شد. دفعهٔ بعد می‌توانید بدون پیامک با آن وارد شوید.',
    } as Record<string, string>,
    siteWithdrawn: (site: string, at: string) => `اجازهٔ «${site}» را در ${at} پس گرفتید. این سامانه دیگر اطلاعات شما را دریافت نمی‌کند؛ اگر دوباره با شناسهٔ ملی وارد آن شوید، پیش از هر چیز دوباره از شما اجازه می‌خواهد.`,
    reasons: {
      'mobile not registered to this national code': 'شماره همراه به نام این کد ملی نیست',
      'code wrong': 'کد یک‌بارمصرف نادرست بود',
      'code expired': 'کد یک‌بارمصرف منقضی شده بود',
      'code used': 'کد یک‌بارمصرف پیش‌تر به کار رفته بود',
      'code locked': 'کد پس از چند تلاش نادرست باطل شده بود',
      'code unknown': 'درخواست ورود پیدا نشد',
      'not in the civil registry': 'کد ملی در ثبت احوال نیست',
      'deceased in the civil registry': 'ثبت احوال این شخص را درگذشته می‌داند',
      throttled: 'تلاش‌های ناموفق بسیار از همین نشانی',
      passkey: 'کلید عبور پذیرفته نشد',
    } as Record<string, string>,
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
    codeSent: 'کد ورود فرستاده شد',
    signOut: 'خروج از پنجره',
    methods: { otp: 'کد پیامکی', passkey: 'کلید عبور' } as Record<string, string>,
    passkeys: 'کلیدهای عبور',
    myData: 'اطلاعات من',
    inquiries: 'استعلام‌های من',
    applications: 'درخواست‌های من',
    documents: 'مدارک من',
    consents: 'رضایت‌های من',
    dataAccess: 'ردیاب اطلاعات من: چه کسی اطلاعاتم را خواند',
    passkeysLead: 'با کلید عبور، بدون پیامک و فقط با قفل گوشی یا رایانهٔ خودتان (اثر انگشت، چهره یا رمز دستگاه) وارد می‌شوید؛ ورود با آن سطح اطمینان «بالا» دارد.',
    passkeysNone: 'هنوز کلید عبوری نساخته‌اید.',
    passkeyName: 'نام',
    passkeyUnnamed: 'بی‌نام',
    passkeySynced: '(همگام با حساب ابری)',
    passkeyCreated: 'ساخته‌شده',
    passkeyLastUsed: 'آخرین استفاده',
    passkeyNever: 'هنوز استفاده نشده',
    passkeyRemove: 'حذف',
    passkeyRemoveLabel: (name: string) => `حذف کلید عبور «${name}»`,
    passkeyAdd: 'افزودن کلید عبور',
    passkeyNickname: 'نامی برای این کلید (اختیاری)',
    passkeyNicknameHint: 'تا کلیدهایتان را از هم بازشناسید، مانند «گوشی من»',
    passkeyNoScript: 'ساختن کلید عبور به جاوااسکریپت مرورگر نیاز دارد.',
    passkeyAddFailed: 'کلید عبور ساخته نشد یا لغو شد؛ دوباره تلاش کنید.',
    passkeyReauth: 'برای افزودن کلید عبور باید همین حالا دوباره وارد شوید تا روشن شود خودتان هستید.',
    passkeyReauthLink: 'ورود دوباره برای افزودن کلید عبور',
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
    device: 'Browser',
    thisDevice: 'This device',
    unknownBrowser: 'Unknown browser',
    on: (browser: SafeHtml, os: SafeHtml) => html`${browser} on ${os}`,
    portal: 'Panjareh, the national service window',
    scopes: {
      openid: 'Your identifier at this site',
      profile: 'Name, date of birth and gender',
      national_code: 'National code',
      phone: 'Verified mobile number',
      offline_access: 'Continuing access, even when you are not there',
      applications: SCOPE_PERMISSIONS.applications.en,
    } as Record<string, string>,
    done: {
      sessionEnded: 'The session is signed out. That browser has to sign in again to go on.',
      passkeyRemoved: 'The passkey is removed; it can no longer be used to sign in.',
      passkeyAdded: 'The passkey is made. Next time you can sign in with it, without a text message.',
    } as Record<string, string>,
    siteWithdrawn: (site: string, at: string) => `You withdrew the permission of "${site}" at ${at}. The site no longer receives your information; if you sign in to it with your national identity again, it will first ask for your permission again.`,
    reasons: {
      'mobile not registered to this national code': 'The mobile number is not registered to this national code',
      'code wrong': 'The one-time code was wrong',
      'code expired': 'The one-time code had expired',
      'code used': 'The one-time code had been used already',
      'code locked': 'The code was cancelled after repeated wrong tries',
      'code unknown': 'The sign-in request was not found',
      'not in the civil registry': 'The national code is not in the civil registry',
      'deceased in the civil registry': 'The civil registry records this person as deceased',
      throttled: 'Too many failed tries from the same address',
      passkey: 'The passkey was not accepted',
    } as Record<string, string>,
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
    codeSent: 'Sign-in code sent',
    signOut: 'Sign out of Panjareh',
    methods: { otp: 'Text-message code', passkey: 'Passkey' } as Record<string, string>,
    passkeys: 'Passkeys',
    myData: 'My data',
    inquiries: 'My inquiries',
    applications: 'My applications',
    documents: 'My documents',
    consents: 'My consents',
    dataAccess: 'My data tracker: who read my data',
    passkeysLead: 'With a passkey you sign in without a text message, using only the lock of your own phone or computer (fingerprint, face or device PIN); such a sign-in has the level of assurance "high".',
    passkeysNone: 'You have no passkeys yet.',
    passkeyName: 'Name',
    passkeyUnnamed: 'Unnamed',
    passkeySynced: '(synced with a cloud account)',
    passkeyCreated: 'Created',
    passkeyLastUsed: 'Last used',
    passkeyNever: 'Not used yet',
    passkeyRemove: 'Remove',
    passkeyRemoveLabel: (name: string) => `Remove the passkey "${name}"`,
    passkeyAdd: 'Add a passkey',
    passkeyNickname: 'A name for this passkey (optional)',
    passkeyNicknameHint: 'To tell your passkeys apart, like "my phone"',
    passkeyNoScript: 'Making a passkey needs JavaScript in your browser.',
    passkeyAddFailed: 'The passkey was not made or was cancelled; try again.',
    passkeyReauth: 'To add a passkey, sign in again now, so that we know it is you.',
    passkeyReauthLink: 'Sign in again to add a passkey',
    loa: { 'http://eidas.europa.eu/LoA/substantial': 'Substantial (text message)', 'http://eidas.europa.eu/LoA/high': 'High (passkey)' } as Record<string, string>,
  },
};

export const accountStrings = (lang: Lang) => T[lang];

/** Browser and system names people know in Persian; others stay as their makers write them. */
const BROWSERS_FA: Record<string, string> = { Chrome: 'کروم', Chromium: 'کرومیوم', Firefox: 'فایرفاکس', Safari: 'سافاری', 'Microsoft Edge': 'اج', Opera: 'اپرا', 'Samsung Internet for Android': 'سامسونگ اینترنت', Vivaldi: 'ویوالدی', Brave: 'بریو', 'Yandex Browser': 'یاندکس' };
const SYSTEMS_FA: Record<string, string> = { Android: 'اندروید', iOS: 'آی‌اواس', iPadOS: 'آی‌پداواس', Windows: 'ویندوز', macOS: 'مک‌اواس', Linux: 'لینوکس', 'Chrome OS': 'کروم‌اواس', HarmonyOS: 'هارمونی‌اواس' };

function productName(name: string, lang: Lang, fa: Record<string, string>): SafeHtml {
  const known = lang === 'fa' ? fa[name] : undefined;
  return known ? html`${known}` : html`<bdi dir="ltr" lang="en">${name}</bdi>`;
}

/** "Chrome on Android" from what was noted at sign-in. */
export function deviceLabel(d: DeviceSummary | null, lang: Lang): SafeHtml {
  const t = T[lang];
  if (!d?.browser) return html`${d?.os ? productName(d.os, lang, SYSTEMS_FA) : t.unknownBrowser}`;
  const browser = productName(d.browser, lang, BROWSERS_FA);
  return d.os ? t.on(browser, productName(d.os, lang, SYSTEMS_FA)) : browser;
}

/** The same as plain text, for a button's accessible name. */
function deviceText(d: DeviceSummary | null, lang: Lang): string {
  const name = (n: string, fa: Record<string, string>) => (lang === 'fa' ? (fa[n] ?? n) : n);
  if (!d?.browser) return d?.os ? name(d.os, SYSTEMS_FA) : T[lang].unknownBrowser;
  return d.os ? (lang === 'fa' ? `${name(d.browser, BROWSERS_FA)} روی ${name(d.os, SYSTEMS_FA)}` : `${d.browser} on ${d.os}`) : name(d.browser, BROWSERS_FA);
}

/** A relying party's name; the portal's own in the page's language (its registered name holds both). */
export const siteName = (clientId: string, name: string, lang: Lang): string => (clientId === PORTAL_CLIENT_ID ? T[lang].portal : name);

/** What a failed sign-in's recorded reason means, in the page's language; the recorded words stay as a detail. */
function reasonText(reason: string, lang: Lang): SafeHtml {
  const t = T[lang];
  const key = reason.startsWith('throttled') ? 'throttled' : reason.startsWith('passkey') ? 'passkey' : reason;
  const known = t.reasons[key];
  return known ? html`<span class="secondary">(${known})</span>` : html`<span class="secondary" dir="ltr"><code>${reason}</code></span>`;
}

/** A confirmation at the top of the page after an action (post/redirect/get), shown once. */
export function confirmation(text: string | null | undefined): SafeHtml {
  return text ? html`<div class="panel panel--confirmation" role="status"><p><strong>${text}</strong></p></div>` : html``;
}

export function accountPage(
  lang: Lang,
  o: { csrf: string; nationalCode: string; person: RegistryPerson | null; mobile: string | null; sessions: ActiveSession[]; sites: ConnectedSite[]; signIns: SignInRow[]; passkeys: PasskeyRow[]; passkeyAddAllowed: boolean; notice?: string | null },
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
    body: html`${confirmation(o.notice)}<h1>${t.title}</h1>
<form method="post" action="${p}/account/signout">${csrf}<button class="button button--secondary" type="submit">${t.signOut}</button></form>
<nav aria-label="${t.myData}"><ul class="inline-list">
<li><a href="${p}/inquiries">${t.inquiries}</a></li>
<li><a href="${p}/account/applications">${t.applications}</a></li>
<li><a href="${p}/account/documents">${t.documents}</a></li>
<li><a href="${p}/account/consents">${t.consents}</a></li>
<li><a href="${p}/account/data-access">${t.dataAccess}</a></li>
</ul></nav>
<h2>${t.registry}</h2>
<dl class="summary-list">
<div><dt>${t.code}</dt><dd><bdi dir="ltr">${digits(o.nationalCode, lang)}</bdi></dd></div>
${person ? html`<div><dt>${t.name}</dt><dd>${person.firstName[lang]} ${person.lastName[lang]}</dd></div>
<div><dt>${t.father}</dt><dd>${person.fatherName[lang]}</dd></div>
<div><dt>${t.birth}</dt><dd>${fmtDate(`${person.birthDate}T12:00:00Z`, lang)}</dd></div>
<div><dt>${t.gender}</dt><dd>${t.genders[person.gender]}</dd></div>` : ''}
${o.mobile ? html`<div><dt>${t.mobile}</dt><dd><bdi dir="ltr">${digits(o.mobile, lang)}</bdi></dd></div>` : ''}
</dl>
<p class="secondary">${t.registryNote}</p>
<h2 id="sessions">${t.sessions}</h2>
${o.sessions.length === 0 ? html`<p>${t.sessionsNone}</p>` : html`<table><thead><tr><th scope="col">${t.device}</th><th scope="col">${t.signedIn}</th><th scope="col">${t.level}</th><th scope="col">${t.sitesIn}</th><th scope="col"><span class="visually-hidden">${t.endSession}</span></th></tr></thead><tbody>
${o.sessions.map((s) => html`<tr${s.current ? html` class="current-session"` : ''}><td>${deviceLabel(s.device, lang)}${s.current ? html` <strong class="tag">${t.thisDevice}</strong>` : ''}</td><td>${fmtDateTime(s.signedInAt, lang)}</td><td>${s.acr ? (t.loa[s.acr] ?? s.acr) : '-'}</td><td>${s.sites.map((x, i) => html`${i > 0 ? (lang === 'fa' ? '، ' : ', ') : ''}${siteName(x.clientId, x.name, lang)}`)}</td><td><form method="post" action="${p}/account/sessions/${s.id}/end">${csrf}<button class="button button--secondary" type="submit" aria-label="${t.endSession}: ${deviceText(s.device, lang)}${s.current ? ` (${t.thisDevice})` : ''}">${t.endSession}</button></form></td></tr>`)}
</tbody></table>`}
<h2 id="sites">${t.sites}</h2>
${o.sites.length === 0 ? html`<p>${t.sitesNone}</p>` : html`<table><thead><tr><th scope="col">${t.sitesIn}</th><th scope="col">${t.data}</th><th scope="col">${t.since}</th><th scope="col"><span class="visually-hidden">${t.revoke}</span></th></tr></thead><tbody>
${o.sites.map((g) => html`<tr><td>${g.name}</td><td><ul class="list-bullet">${g.scopes.filter((sc) => t.scopes[sc]).map((sc) => html`<li>${t.scopes[sc]}</li>`)}</ul></td><td>${fmtDate(g.since, lang)}</td><td><form method="post" action="${p}/account/sites/${g.grantId}/revoke">${csrf}<button class="button button--secondary" type="submit" aria-label="${t.revoke}: ${g.name}">${t.revoke}</button></form></td></tr>`)}
</tbody></table>`}
<h2 id="passkeys">${t.passkeys}</h2>
<p>${t.passkeysLead}</p>
${o.passkeys.length === 0 ? html`<p>${t.passkeysNone}</p>` : html`<table><thead><tr><th scope="col">${t.passkeyName}</th><th scope="col">${t.passkeyCreated}</th><th scope="col">${t.passkeyLastUsed}</th><th scope="col"><span class="visually-hidden">${t.passkeyRemove}</span></th></tr></thead><tbody>
${o.passkeys.map((k) => {
  const name = k.nickname ?? t.passkeyUnnamed;
  return html`<tr><td>${name}${k.synced ? html` <span class="secondary">${t.passkeySynced}</span>` : ''}</td><td>${fmtDateTime(k.createdAt, lang)}</td><td>${k.lastUsedAt ? fmtDateTime(k.lastUsedAt, lang) : t.passkeyNever}</td><td><form method="post" action="${p}/account/passkeys/remove">${csrf}<input type="hidden" name="credential_id" value="${k.credentialId}"><button class="button button--secondary" type="submit" aria-label="${t.passkeyRemoveLabel(name)}">${t.passkeyRemove}</button></form></td></tr>`;
})}
</tbody></table>`}
${o.passkeyAddAllowed ? html`<form id="passkey-add" data-options="/account/passkeys/options" data-verify="/account/passkeys" data-done="${p}/account#passkeys" data-csrf="${o.csrf}" data-error="passkey-add-error" data-failed="${t.passkeyAddFailed}" hidden>
<div class="form-group"><label for="passkey-nickname">${t.passkeyNickname}</label><p class="hint" id="passkey-nickname-hint">${t.passkeyNicknameHint}</p>
<input type="text" id="passkey-nickname" name="nickname" maxlength="100" autocomplete="off" aria-describedby="passkey-nickname-hint"></div>
<button class="button" type="submit">${t.passkeyAdd}</button>
</form>
<noscript><p class="secondary">${t.passkeyNoScript}</p></noscript>
<p id="passkey-add-error" class="error-message" role="alert"></p>
<script src="/assets/passkey.js" defer></script>` : html`<p>${t.passkeyReauth}</p>
<p><a class="button button--secondary" href="${p}/account/signin?reauth=1&amp;return=${encodeURIComponent(`${p}/account#passkeys`)}">${t.passkeyReauthLink}</a></p>`}
<h2>${t.log}</h2>
<table><thead><tr><th scope="col">${t.when}</th><th scope="col">${t.method}</th><th scope="col">${t.result}</th><th scope="col">${t.sitesIn}</th><th scope="col">${t.address}</th></tr></thead><tbody>
${o.signIns.map((e) => html`<tr><td>${fmtDateTime(e.at, lang)}</td><td>${t.methods[e.method] ?? e.method}</td><td>${e.outcome === 'success' ? t.ok : e.outcome === 'code_sent' ? t.codeSent : html`${t.failed}${e.reason ? html` ${reasonText(e.reason, lang)}` : ''}`}</td><td>${e.site ?? '-'}</td><td><bdi dir="ltr">${e.ip ?? '-'}</bdi></td></tr>`)}
</tbody></table>`,
  });
}
