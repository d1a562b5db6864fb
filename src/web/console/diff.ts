import type { Channel, Localized, ServiceData } from '../../catalog/index.js';
import { html, type SafeHtml } from '../html.js';
import { digits, fmtCost, fmtDays, type Lang } from '../i18n.js';
import { previewStrings } from './form-preview-strings.js';
import { CONSOLE } from './strings.js';

/**
 * What a version changes against the live one, field by field, for the reviewer: each changed field
 * with the published value and the new one, in both languages (a reviewer approves both). Fields are
 * compared as data, so a change of wording in one language alone shows.
 */

export interface DiffRow {
  field: string;
  label: string;
  before: SafeHtml;
  after: SafeHtml;
}

const fa = (s: string) => html`<span lang="fa" dir="rtl">${s}</span>`;
const en = (s: string) => html`<span lang="en" dir="ltr">${s}</span>`;
const both = (l: Localized | null | undefined): SafeHtml => (l ? html`${fa(l.fa)}<br>${en(l.en)}` : html`—`);
const lines = (items: SafeHtml[]): SafeHtml => (items.length ? html`<ul class="list-bullet">${items.map((i) => html`<li>${i}</li>`)}</ul>` : html`—`);
const code = (s: string) => html`<bdi dir="ltr">${s}</bdi>`;

function channel(c: Channel, lang: Lang): SafeHtml {
  const k = CONSOLE[lang].channelKinds;
  switch (c.type) {
    case 'online':
      return html`${k.online}: ${code(c.url)}`;
    case 'in-person':
      return html`${k['in-person']}: ${both(c.instructions)}`;
    case 'phone':
      return html`${k.phone}: ${code(c.number)}${c.instructions ? html` — ${both(c.instructions)}` : ''}`;
    default: {
      // Channel kinds added later (delivered on this platform, at a path) show their data as written.
      const other = c as { type: string; path?: string };
      return html`${k[other.type] ?? other.type}: ${code(other.path ?? JSON.stringify(other))}`;
    }
  }
}

/** Each field the reviewer reads, as shown in the diff. */
function views(lang: Lang, names: { organization: (c: string) => string; term: (kind: 'topics' | 'lifeEvents', c: string) => string }) {
  const f = CONSOLE[lang].fields;
  const yesNo = CONSOLE[lang].yesNo;
  return [
    ['slug', f.slug, (s: ServiceData) => code(s.slug)],
    ['organization', f.organization, (s: ServiceData) => html`${names.organization(s.organization)} ${code(s.organization)}`],
    ['title', f.title, (s: ServiceData) => both(s.title)],
    ['summary', f.summary, (s: ServiceData) => both(s.summary)],
    ['description', f.description, (s: ServiceData) => both(s.description)],
    ['topics', f.topics, (s: ServiceData) => lines(s.topics.map((t) => html`${names.term('topics', t)}`))],
    ['lifeEvents', f.lifeEvents, (s: ServiceData) => lines(s.lifeEvents.map((t) => html`${names.term('lifeEvents', t)}`))],
    ['channels', CONSOLE[lang].channels, (s: ServiceData) => lines(s.channels.map((c) => channel(c, lang)))],
    ['requirements', f.requirements, (s: ServiceData) => lines(s.requirements.map(both))],
    ['evidence', f.evidence, (s: ServiceData) => lines(s.evidence.map(both))],
    ['cost', f.cost, (s: ServiceData) => html`${fmtCost(s.cost.amount, lang)}`],
    ['processingDays', f.processingDays, (s: ServiceData) => html`${fmtDays(s.processingDays, lang)}`],
    ['legalBasis', f.legal, (s: ServiceData) => both(s.legalBasis)],
    ['output', f.output, (s: ServiceData) => both(s.output)],
    ['keywords', f.keywords, (s: ServiceData) => html`${fa(s.keywords.fa.join('، '))}<br>${en(s.keywords.en.join(', '))}`],
    ['smart', f.smart, (s: ServiceData) => html`${s.smart ? yesNo.yes : yesNo.no}`],
    // Any change of the definition shows here in brief; the reviewer reads it whole in the form's preview.
    ['delivery', f.delivery, (s: ServiceData) => {
      const d = s.delivery as { form?: { pages?: unknown[] }; steps?: unknown[] } | undefined;
      return d ? html`${previewStrings(lang).inBrief(digits(String(d.form?.pages?.length ?? 0), lang), digits(String(d.steps?.length ?? 0), lang))}` : html`—`;
    }],
  ] as Array<[keyof ServiceData, string, (s: ServiceData) => SafeHtml]>;
}

export type Names = Parameters<typeof views>[1];

/** The fields that differ between the live version and this one (none when they are the same). */
export function serviceDiff(lang: Lang, live: ServiceData, next: ServiceData, names: Names): DiffRow[] {
  return views(lang, names)
    .filter(([key]) => JSON.stringify(live[key] ?? null) !== JSON.stringify(next[key] ?? null))
    .map(([key, label, show]) => ({ field: key, label, before: show(live), after: show(next) }));
}

export function diffTable(lang: Lang, rows: DiffRow[]): SafeHtml {
  const c = CONSOLE[lang];
  if (!rows.length) return html`<p>${c.noChanges}</p>`;
  return html`<table class="diff"><caption class="visually-hidden">${c.changes}</caption><thead><tr><th scope="col">${c.field}</th><th scope="col">${c.published}</th><th scope="col">${c.thisVersion}</th></tr></thead><tbody>
${rows.map((r) => html`<tr id="diff-${r.field}"><th scope="row">${r.label}</th><td class="diff-old">${r.before}</td><td class="diff-new">${r.after}</td></tr>`)}
</tbody></table>`;
}

