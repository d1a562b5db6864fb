import type { SearchResult, ServiceSummary } from '../../catalog/index.js';
import { html, type SafeHtml } from '../html.js';
import { citizenStrings } from './strings.js';
import { digits, fmtNumber, pick, prefix, t, type Lang } from '../i18n.js';

export function searchForm(lang: Lang, q = '', hidden: Record<string, string> = {}): SafeHtml {
  const s = t(lang);
  return html`<form class="search-form" action="${prefix(lang)}/services" method="get" role="search">
  <div class="field">
    <label for="q">${s.searchLabel}</label>
    <span class="hint" id="q-hint">${s.searchHint}</span>
    <input type="search" id="q" name="q" value="${q}" maxlength="200" aria-describedby="q-hint" autocomplete="off">
  </div>
  ${Object.entries(hidden).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
  <button class="button" type="submit">${s.searchButton}</button>
</form>`;
}

export function serviceList(lang: Lang, items: ServiceSummary[], headingLevel: 2 | 3 = 2): SafeHtml {
  const s = t(lang);
  const here = citizenStrings(lang).onPlatform;
  // Delivered here is said once, by the tag below, not again among the channel names.
  const names = { platform: '', online: s.online, 'in-person': s.inPerson, phone: s.phone };
  return html`<ul class="card-list">${items.map((i) => {
    const heading = html`<a href="${prefix(lang)}/services/${i.slug}">${pick(i.title, lang)}</a>`;
    const ways = [...new Set(i.channels.map((c) => names[c.type]))].filter(Boolean);
    return html`<li>
  ${headingLevel === 2 ? html`<h2>${heading}</h2>` : html`<h3>${heading}</h3>`}
  <p>${pick(i.summary, lang)}</p>
  <p class="meta">${pick(i.organization.name, lang)}${ways.length ? ` · ${ways.join(lang === 'fa' ? '، ' : ', ')}` : ''}
  ${i.channels.some((c) => c.type === 'platform') ? html` · <span class="tag tag--blue">${here}</span>` : ''}
  ${i.smart ? html` · <span class="tag">${s.smartTag}</span>` : ''}</p>
</li>`;
  })}</ul>`;
}

/** Facet filters as plain links (they work without JavaScript); a chosen value links to its removal. */
export function facets(lang: Lang, result: SearchResult, params: Record<string, string | undefined>, basePath: string, omit: string[] = []): SafeHtml {
  const s = t(lang);
  const groups: Array<[keyof SearchResult['facets'], string]> = [
    ['organization', s.organization],
    ['topic', s.topic],
    ['lifeEvent', s.lifeEvent],
    ['channel', s.channel],
    ['smart', s.smart],
  ];
  const href = (change: Record<string, string | undefined>) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...params, ...change, page: undefined })) if (v !== undefined && v !== '') qs.set(k, v);
    const str = qs.toString();
    return `${basePath}${str ? `?${str}` : ''}`;
  };
  const chosen = groups.filter(([k]) => params[k] !== undefined && !omit.includes(k)).length;
  const active = chosen > 0;
  // A disclosure (closed on a phone, so results come first; the stylesheet keeps it open on a wide screen) that needs no JavaScript.
  return html`<details class="facets"><summary>${s.filterToggle}${active ? html` (${fmtNumber(chosen, lang)})` : ''}</summary><aside aria-labelledby="facets-heading">
<h2 id="facets-heading">${s.filters}</h2>
${active ? html`<p><a href="${href(Object.fromEntries(groups.filter(([k]) => !omit.includes(k)).map(([k]) => [k, undefined])))}">${s.clearFilters}</a></p>` : ''}
${groups
  .filter(([k]) => !omit.includes(k) && result.facets[k].length > 0)
  .map(
    ([k, label]) => html`<h3>${label}</h3><ul>${result.facets[k].slice(0, 12).map((f) => {
      const selected = params[k] === f.code;
      return html`<li>${selected
        ? html`<a class="selected" aria-current="true" href="${href({ [k]: undefined })}">✓ ${pick(f.name, lang)} (${fmtNumber(f.count, lang)})</a>`
        : html`<a href="${href({ [k]: f.code })}">${pick(f.name, lang)} (${fmtNumber(f.count, lang)})</a>`}</li>`;
    })}</ul>`,
  )}
</aside></details>`;
}

export function pagination(lang: Lang, result: SearchResult, hrefFor: (page: number) => string): SafeHtml {
  const s = t(lang);
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  if (pages <= 1) return html``;
  return html`<nav class="pagination" aria-label="${s.pagination}">
${result.page > 1 ? html`<a href="${hrefFor(result.page - 1)}" rel="prev">${s.previous}</a>` : ''}
<span>${s.page(digits(String(result.page), lang), digits(String(pages), lang))}</span>
${result.page < pages ? html`<a href="${hrefFor(result.page + 1)}" rel="next">${s.next}</a>` : ''}
</nav>`;
}
