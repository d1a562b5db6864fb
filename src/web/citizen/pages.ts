import type { Catalog, Organization, SearchResult, ServiceData, Term, ThematicWindow } from '../../catalog/index.js';
import type { DataService } from '../../exchange/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtCost, fmtDate, fmtDays, fmtNumber, pick, prefix, t, type Lang } from '../i18n.js';
import { breadcrumbs, page } from '../layout.js';
import { INQUIRIES } from '../inquiries/inquiries.js';
import { facets, pagination, searchForm, serviceList } from './components.js';
import { citizenStrings } from './strings.js';

/** An address shown as text: always left-to-right, so its slashes and dots stay in place inside Persian text. */
const externalUrl = (url: string): SafeHtml => html`<a href="${url}" rel="noopener external" dir="ltr">${url}</a>`;

export function homePage(catalog: Catalog, lang: Lang): string {
  const s = t(lang);
  const r = catalog.read;
  const p = prefix(lang);
  const termLinks = (items: Term[], path: string) =>
    html`<ul class="grid">${items.map((i) => html`<li><a href="${p}/${path}/${i.code}">${pick(i.name, lang)}</a></li>`)}</ul>`;
  const body = html`<h1>${s.homeTitle}</h1>
<p class="lead">${s.homeLead}</p>
${searchForm(lang)}
<p class="secondary">${s.stats(fmtNumber(r.size, lang), fmtNumber(r.allOrganizations().length, lang))}</p>
${doItHere(lang)}
<h2>${s.windows}</h2>
<ul class="grid">${r.allWindows().map((w) => html`<li><a href="${p}/windows/${w.code}">${pick(w.name, lang)}</a><br><span class="secondary">${pick(w.description, lang)}</span></li>`)}</ul>
<h2>${s.lifeEvents}</h2>
${termLinks(r.allLifeEvents(), 'life-events')}
<h2>${s.topics}</h2>
${termLinks(r.allTopics(), 'topics')}
<h2>${s.organizations}</h2>
<p><a href="${p}/organizations">${s.allOrganizations}</a></p>`;
  return page({ lang, title: s.homeTitle, path: '', body });
}

/** What a person can get done on the platform itself, first on the home page: the inquiries, then My Panjareh. */
function doItHere(lang: Lang): SafeHtml {
  const s = t(lang);
  const p = prefix(lang);
  return html`<section aria-labelledby="do-here">
<h2 id="do-here">${s.doHereTitle}</h2>
<p>${s.doHereLead}</p>
<ul class="task-grid">
${INQUIRIES.map(
  (d) => html`<li><a href="${p}/inquiries/${d.slug}">${pick(d.title, lang)}</a>
<span class="secondary">${pick(d.summary, lang)}</span>
<span class="tag ${d.personal ? 'tag--blue' : 'tag--grey'}">${d.personal ? s.signInNeeded : s.openToAll}</span></li>`,
)}
<li><a href="${p}/account">${s.myPanjareh}</a>
<span class="secondary">${s.myPanjarehLead}</span>
<span class="tag tag--blue">${s.signInNeeded}</span></li>
</ul>
</section>`;
}

export interface ListQuery {
  q?: string;
  organization?: string;
  topic?: string;
  lifeEvent?: string;
  channel?: string;
  smart?: string;
  page?: string;
}

const hrefWith = (base: string, params: Record<string, string | undefined>, pageNo: number) => {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...params, page: pageNo > 1 ? String(pageNo) : undefined })) if (v) qs.set(k, v);
  const str = qs.toString();
  return `${base}${str ? `?${str}` : ''}`;
};

/** A result listing with facets: the search page and every topic, life-event, organisation and window page. */
function listing(lang: Lang, result: SearchResult, params: Record<string, string | undefined>, base: string, omit: string[]): SafeHtml {
  const s = t(lang);
  return html`<div class="layout">
${facets(lang, result, params, base, omit)}
<div>
<p role="status"><strong>${s.resultsCount(fmtNumber(result.total, lang))}</strong></p>
${result.total === 0 ? html`<p>${s.noResults}</p>` : serviceList(lang, result.items)}
${pagination(lang, result, (n) => hrefWith(base, params, n))}
</div>
</div>`;
}

export function resultsPage(catalog: Catalog, lang: Lang, query: ListQuery, result: SearchResult): string {
  const s = t(lang);
  const params = { q: query.q, organization: query.organization, topic: query.topic, lifeEvent: query.lifeEvent, channel: query.channel, smart: query.smart };
  const body = html`${breadcrumbs(lang, [{ label: s.results }])}
<h1>${s.results}${query.q ? html`: «${query.q}»` : ''}</h1>
${searchForm(lang, query.q ?? '', Object.fromEntries(Object.entries(params).filter(([k, v]) => k !== 'q' && v)) as Record<string, string>)}
${listing(lang, result, params, `${prefix(lang)}/services`, [])}`;
  return page({ lang, title: query.q ? `${s.results}: ${query.q}` : s.results, path: `/services${query.q ? `?q=${encodeURIComponent(query.q)}` : ''}`, body, noindex: true });
}

export function servicePage(catalog: Catalog, lang: Lang, svc: ServiceData): string {
  const org = catalog.read.organization(svc.organization);
  const crumbs = breadcrumbs(lang, [...(org ? [{ label: pick(org.name, lang), href: `${prefix(lang)}/organizations/${org.code}` }] : []), { label: pick(svc.title, lang) }]);
  return page({ lang, title: pick(svc.title, lang), path: `/services/${svc.slug}`, body: html`${crumbs}${serviceContent(catalog, lang, svc)}` });
}

/** A service as the public reads it, from its title on: the service page, and the console's review page (a version not yet live). */
export function serviceContent(catalog: Catalog, lang: Lang, svc: ServiceData): SafeHtml {
  const s = t(lang);
  const p = prefix(lang);
  const org = catalog.read.organization(svc.organization);
  const online = svc.channels.find((c) => c.type === 'online');
  // Delivered here: "start" leads to the page on this platform, ahead of any agency website.
  const here = svc.channels.find((c) => c.type === 'platform');
  const cs = citizenStrings(lang);
  const published = catalog.read.publishedAt(svc.code);
  return html`<h1>${pick(svc.title, lang)}</h1>
<p class="lead">${pick(svc.summary, lang)}</p>
${svc.smart ? html`<p><span class="tag">${s.smartTag}</span></p>` : ''}
${here && here.type === 'platform'
  ? html`<p>${cs.startHereHint}</p><p><a class="button button--start" href="${p}${here.path}">${cs.startHere}</a></p>`
  : online && online.type === 'online' ? html`<p>${s.startOnlineHint}</p><p><a class="button button--start" href="${online.url}" rel="noopener external">${s.startOnline}</a></p>` : ''}
${pick(svc.description, lang) !== pick(svc.summary, lang) ? html`<p>${pick(svc.description, lang)}</p>` : ''}
${svc.requirements.length ? html`<h2>${s.requirements}</h2><ul>${svc.requirements.map((r) => html`<li>${pick(r, lang)}</li>`)}</ul>` : ''}
${svc.evidence.length ? html`<h2>${s.evidence}</h2><ul>${svc.evidence.map((r) => html`<li>${pick(r, lang)}</li>`)}</ul>` : ''}
<h2>${s.howToGet}</h2>
${svc.channels.map((c) =>
  c.type === 'platform'
    ? html`<h3>${cs.onPlatform}</h3><p><a href="${p}${c.path}">${cs.useHere}</a></p>`
    : c.type === 'online'
    ? html`<h3>${s.online}</h3><p>${externalUrl(c.url)}</p>`
    : c.type === 'in-person'
      ? html`<h3>${s.inPerson}</h3><p>${pick(c.instructions, lang)}</p>`
      : html`<h3>${s.phone}</h3><p><a href="tel:${c.number.replace(/[^0-9+]/g, '')}">${digits(c.number, lang)}</a>${c.instructions ? html` — ${pick(c.instructions, lang)}` : ''}</p>`,
)}
<h2>${s.cost} ${lang === 'fa' ? 'و' : 'and'} ${s.time}</h2>
<dl class="summary-list">
  <div><dt>${s.cost}</dt><dd>${fmtCost(svc.cost.amount, lang)}</dd></div>
  <div><dt>${s.time}</dt><dd>${fmtDays(svc.processingDays, lang)}</dd></div>
  ${svc.output ? html`<div><dt>${s.output}</dt><dd>${pick(svc.output, lang)}</dd></div>` : ''}
  ${svc.legalBasis ? html`<div><dt>${s.legalBasis}</dt><dd>${pick(svc.legalBasis, lang)}</dd></div>` : ''}
  <div><dt>${s.provider}</dt><dd>${org ? html`<a href="${p}/organizations/${org.code}">${pick(org.name, lang)}</a>` : svc.organization}</dd></div>
  <div><dt>${s.code}</dt><dd><bdi class="code" dir="ltr">${svc.code}</bdi></dd></div>
  ${published ? html`<div><dt>${s.updated}</dt><dd>${fmtDate(published, lang)}</dd></div>` : ''}
</dl>
${svc.topics.length || svc.lifeEvents.length
  ? html`<ul class="inline-list">${svc.topics.map((c) => catalog.read.topic(c)).filter(Boolean).map((tp) => html`<li><a class="tag tag--blue" href="${p}/topics/${tp!.code}">${pick(tp!.name, lang)}</a></li>`)}
${svc.lifeEvents.map((c) => catalog.read.lifeEvent(c)).filter(Boolean).map((le) => html`<li><a class="tag tag--grey" href="${p}/life-events/${le!.code}">${pick(le!.name, lang)}</a></li>`)}</ul>`
  : ''}`;
}

export function organizationsPage(catalog: Catalog, lang: Lang): string {
  const s = t(lang);
  const counts = catalog.read.serviceCounts();
  const collator = new Intl.Collator(lang);
  const orgs = catalog.read.allOrganizations().sort((a, b) => collator.compare(pick(a.name, lang), pick(b.name, lang)));
  const body = html`${breadcrumbs(lang, [{ label: s.organizations }])}
<h1>${s.organizations}</h1>
<ul class="grid">${orgs.map((o) => html`<li><a href="${prefix(lang)}/organizations/${o.code}">${pick(o.name, lang)}</a> <span class="secondary">(${fmtNumber(counts.get(o.code) ?? 0, lang)})</span></li>`)}</ul>`;
  return page({ lang, title: s.organizations, path: '/organizations', body });
}

export interface ListingPage {
  kind: 'organization' | 'topic' | 'lifeEvent' | 'window';
  code: string;
  title: string;
  intro: SafeHtml;
  result: SearchResult;
  params: Record<string, string | undefined>;
  path: string;
  window?: ThematicWindow;
  /** What follows the services (an organisation's data services). */
  outro?: SafeHtml;
}

/** Organisation, topic, life-event and window pages: a heading, an introduction and the filtered services. */
export function listingPage(lang: Lang, o: ListingPage): string {
  const s = t(lang);
  const section = { organization: [s.organizations, '/organizations'], topic: [s.topics, ''], lifeEvent: [s.lifeEvents, ''], window: [s.windows, ''] }[o.kind];
  const body = html`${breadcrumbs(lang, [...(section[1] ? [{ label: section[0]!, href: `${prefix(lang)}${section[1]}` }] : []), { label: o.title }])}
<div class="${o.window ? 'window-band' : ''}">
<h1>${o.title}</h1>
${o.intro}
</div>
${searchForm(lang, o.params.q ?? '', { [o.kind]: o.code })}
${listing(lang, o.result, o.params, `${prefix(lang)}${o.path}`, [o.kind])}
${o.outro ?? ''}`;
  return page({ lang, title: o.title, path: o.path, body, bodyStyle: o.window ? `--window: ${o.window.color}` : undefined });
}

export function organizationIntro(catalog: Catalog, lang: Lang, org: Organization): SafeHtml {
  const s = t(lang);
  const parent = org.parent ? catalog.read.organization(org.parent) : undefined;
  const children = catalog.read.allOrganizations().filter((o) => o.parent === org.code);
  return html`${org.website ? html`<p>${s.website}: ${externalUrl(org.website)}</p>` : ''}
${parent ? html`<p>${s.parentOrg}: <a href="${prefix(lang)}/organizations/${parent.code}">${pick(parent.name, lang)}</a></p>` : ''}
${children.length ? html`<p>${s.subOrgs}: ${children.map((c, i) => html`${i ? '، ' : ''}<a href="${prefix(lang)}/organizations/${c.code}">${pick(c.name, lang)}</a>`)}</p>` : ''}`;
}

/**
 * An organisation's data services on the exchange (its linked members' services), each leading to the
 * developer portal. The exchange names services in English only, so a Persian page names each by its
 * service code, an identifier read left to right.
 */
export function dataServicesSection(lang: Lang, org: Organization, services: DataService[] | undefined): SafeHtml {
  if (org.exchangeMembers.length === 0) return html``;
  const cs = citizenStrings(lang);
  // The exchange's name in the page's language (a Persian one where the agency gave it), else the service's code.
  const label = (x: DataService) => {
    const name = lang === 'fa' ? x.nameFa : x.name;
    return name ? name : html`<bdi dir="ltr">${x.id.split('/')[4] ?? x.id}</bdi>`;
  };
  return html`<section aria-labelledby="data-services">
<h2 id="data-services">${cs.dataServices}</h2>
<p>${cs.exchangeMember}: ${org.exchangeMembers.map((m, i) => html`${i ? (lang === 'fa' ? '، ' : ', ') : ''}<bdi class="code" dir="ltr">${m}</bdi>`)}</p>
${services && services.length
  ? html`<p>${cs.dataServicesLead}</p><ul class="list-bullet">${services.map(
      (x) => html`<li><a href="${prefix(lang)}/developers/services/${x.id}">${label(x)}</a> <span class="tag${x.classification === 'personal' ? ' tag--red' : ' tag--grey'}">${cs.classifications[x.classification] ?? x.classification}</span><br><span class="secondary" dir="ltr">${x.id}</span></li>`,
    )}</ul>`
  : html`<p>${cs.noDataServices}</p>`}
</section>`;
}
