import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderPages } from '../../identity/index.js';
import { html, raw } from '../html.js';
import type { Lang } from '../i18n.js';
import { messagePage } from './pages.js';
import { s } from './strings.js';

/** The pages the OpenID provider itself shows (errors it cannot send back to a site, sign-out), in our layout. */

const langOf = (ctx: KoaContextWithOIDC): Lang => {
  const ui = String(ctx.oidc?.params?.ui_locales ?? ctx.query?.lang ?? '');
  return /^en\b/.test(ui) ? 'en' : 'fa';
};

/** oidc-provider hands over its sign-out form as markup it made; we keep its fields and add our buttons. */
const FORM_ID = /id="op\.logoutForm"/;

export const providerPages: ProviderPages = {
  renderError(ctx, out) {
    const lang = langOf(ctx);
    const description = out.error_description ? html`<p dir="ltr" lang="en"><code>${out.error}</code>: ${out.error_description}</p>` : html`<p dir="ltr" lang="en"><code>${out.error}</code></p>`;
    const lead = lang === 'fa' ? 'درخواستی که سامانه برای ورود فرستاده بود پذیرفتنی نبود. به سامانه برگردید و دوباره تلاش کنید.' : 'The sign-in request the site sent could not be accepted. Go back to the site and try again.';
    return messagePage(lang, s(lang).errorTitle, lead, description);
  },
  logoutPage(ctx, form) {
    const lang = langOf(ctx);
    const t = s(lang);
    if (!FORM_ID.test(form)) throw new Error('unexpected sign-out form from oidc-provider');
    return messagePage(
      lang,
      t.logoutTitle,
      t.logoutLead,
      html`${raw(form)}<div class="button-group"><button class="button" type="submit" form="op.logoutForm" name="logout" value="yes">${t.logoutYes}</button><button class="button button--secondary" type="submit" form="op.logoutForm">${t.logoutNo}</button></div>`,
    );
  },
  loggedOutPage(ctx) {
    const lang = langOf(ctx);
    return messagePage(lang, s(lang).loggedOutTitle, s(lang).loggedOutLead, html`<p><a href="${lang === 'fa' ? '/' : '/en/'}">${lang === 'fa' ? 'صفحهٔ اصلی پنجره' : 'Panjareh home page'}</a></p>`);
  },
};
