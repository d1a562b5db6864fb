import { html, raw, type SafeHtml } from './html.js';
import { other, prefix, t, type Lang } from './i18n.js';

export interface PageOptions {
  lang: Lang;
  title: string;
  /** This page's path without the language prefix, for the language switch ("/services/x"). */
  path: string;
  body: SafeHtml;
  /** Extra class on <body>, e.g. a window's brand. */
  bodyStyle?: string;
  noindex?: boolean;
  /** The other language's address when it is not the usual prefix + path (sign-in pages keep one path and switch by ?lang=). */
  altHref?: string;
}

/**
 * Where the header's sign-in state goes. Pages are rendered without knowing who is looking; the
 * portal fills this in as the page is sent (see account-area.ts), so a page's code never has to pass
 * the visitor along and a node without the portal role simply leaves it empty.
 */
export const ACCOUNT_SLOT = '<!--pj-account-->';

/** The one page shell: skip link, header with the main links, sign-in state and language switch, main, footer. Persian pages are RTL. */
export function page(o: PageOptions): string {
  const s = t(o.lang);
  const alt = other(o.lang);
  const altHref = o.altHref ?? (`${prefix(alt)}${o.path}` || '/');
  return (
    '<!doctype html>' +
    html`<html lang="${o.lang}" dir="${o.lang === 'fa' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} | ${s.siteName}</title>
${o.noindex ? html`<meta name="robots" content="noindex">` : ''}
<link rel="stylesheet" href="/assets/style.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="alternate" hreflang="${alt}" href="${altHref}">
</head>
<body${o.bodyStyle ? html` style="${o.bodyStyle}"` : ''}>
<a class="skip-link" href="#main">${s.skip}</a>
<header class="site-header">
  <div class="container header-inner">
    <a class="brand" href="${prefix(o.lang) || '/'}"><span class="brand-name">${s.siteName}</span> <span class="brand-tagline">${s.tagline}</span></a>
    <nav class="header-nav" aria-label="${s.mainNav}">
      <ul class="inline-list">
        <li><a href="${prefix(o.lang)}/services">${s.navServices}</a></li>
        <li><a href="${prefix(o.lang)}/inquiries">${s.navInquiries}</a></li>
        ${raw(ACCOUNT_SLOT)}
        <li><a class="lang-switch" href="${altHref}" lang="${alt}" hreflang="${alt}">${s.switchLang}</a></li>
      </ul>
    </nav>
  </div>
</header>
<main id="main" class="container" tabindex="-1">
${o.body}
</main>
<footer class="site-footer">
  <div class="container">
    <p>${s.footer}</p>
    <ul class="inline-list">
      <li><a href="${prefix(o.lang)}/organizations">${s.allOrganizations}</a></li>
      <li><a href="${prefix(o.lang)}/developers">${s.developers}</a></li>
      <li><a href="${prefix(o.lang)}/api/docs">${s.apiDocs}</a></li>
      <li><a href="${prefix(o.lang)}/console">${s.staff}</a></li>
    </ul>
  </div>
</footer>
</body>
</html>`.value
  );
}

export interface Crumb {
  label: string;
  href?: string;
}

export function breadcrumbs(lang: Lang, crumbs: Crumb[]): SafeHtml {
  const s = t(lang);
  return html`<nav class="breadcrumbs" aria-label="${s.breadcrumb}"><ol>
<li><a href="${prefix(lang) || '/'}">${s.home}</a></li>
${crumbs.map((c) => (c.href ? html`<li><a href="${c.href}">${c.label}</a></li>` : html`<li aria-current="page">${c.label}</li>`))}
</ol></nav>`;
}
