import { html, type SafeHtml } from '../html.js';
import type { Lang } from '../i18n.js';
import { DEV } from './strings.js';

/**
 * An OpenAPI 3 document rendered readably, without JavaScript: each operation with its parameters,
 * request body and responses; schemas as indented JSON in a disclosure. Local `$ref`s
 * (`#/components/…`) are followed, a bounded number of times so a cyclic document cannot loop.
 * Everything from the document is text: escaped by the `html` template like any input.
 */

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_SCHEMA_CHARS = 6000;

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const PERSIAN_LETTERS = /[\u0600-\u06FF]/g;
const LATIN_LETTERS = /[A-Za-z]/g;

/**
 * Text written by an agency (a document's descriptions, a service's name), in whatever language it
 * came: mostly Latin letters (an English text quoting a Persian word) is marked English and
 * left-to-right, so a Persian page neither reads it with a Persian voice nor lays it out right-to-left.
 */
export function docText(v: unknown): SafeHtml {
  const s = text(v);
  if (!s) return html``;
  const persian = s.match(PERSIAN_LETTERS)?.length ?? 0;
  const latin = s.match(LATIN_LETTERS)?.length ?? 0;
  return persian >= latin ? html`<span dir="auto">${s}</span>` : html`<span lang="en" dir="ltr">${s}</span>`;
}

/** Follows a local `$ref` (at most 10 hops); anything else is returned as it is. */
function deref(doc: Json, v: unknown): unknown {
  let cur = v;
  for (let i = 0; i < 10 && isObj(cur) && typeof cur.$ref === 'string'; i++) {
    const ref = cur.$ref;
    if (!ref.startsWith('#/')) return cur;
    let node: unknown = doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObj(node) ? node[key] : undefined;
    }
    if (node === undefined) return cur;
    cur = node;
  }
  return cur;
}

/** A one-line type of a schema in OpenAPI's own words, shown as code: `string (pattern …)`, `array of object`, `integer`. */
function typeOf(doc: Json, raw: unknown): string {
  const s = deref(doc, raw);
  if (!isObj(s)) return '';
  if (isObj(raw) && typeof raw.$ref === 'string') return raw.$ref.split('/').pop() ?? '';
  const t = Array.isArray(s.type) ? s.type.join(' | ') : text(s.type);
  if (t === 'array') return `array of ${typeOf(doc, s.items) || 'any'}`;
  const extras = [s.format ? `format ${text(s.format)}` : '', s.pattern ? `pattern ${text(s.pattern)}` : '', Array.isArray(s.enum) ? `one of ${s.enum.map(String).join(', ')}` : ''].filter(Boolean);
  return `${t || (s.oneOf ? 'oneOf' : s.anyOf ? 'anyOf' : s.allOf ? 'allOf' : 'any')}${extras.length ? ` (${extras.join('; ')})` : ''}`;
}

function schemaBlock(doc: Json, schema: unknown, lang: Lang): SafeHtml {
  if (schema === undefined) return html``;
  const s = DEV[lang];
  let json = JSON.stringify(deref(doc, schema), null, 2) ?? '';
  const cut = json.length > MAX_SCHEMA_CHARS;
  if (cut) json = `${json.slice(0, MAX_SCHEMA_CHARS)}\n…`;
  return html`<details><summary>${s.schema}</summary><pre class="code-block" dir="ltr" lang="en"><code>${json}</code></pre>${cut ? html`<p class="secondary">${s.truncated}</p>` : ''}</details>`;
}

function parametersTable(doc: Json, params: unknown[], lang: Lang): SafeHtml {
  const s = DEV[lang];
  const rows = params.map((p) => deref(doc, p)).filter(isObj);
  if (!rows.length) return html``;
  return html`<h4>${s.parameters}</h4><table><thead><tr><th scope="col">${s.name}</th><th scope="col">${s.location}</th><th scope="col">${s.required}</th><th scope="col">${s.type}</th><th scope="col">${s.description}</th></tr></thead><tbody>
${rows.map((p) => html`<tr><td><code dir="ltr">${text(p.name)}</code></td><td><code dir="ltr">${text(p.in)}</code></td><td>${p.required === true ? s.yes : s.no}</td><td><code dir="ltr">${typeOf(doc, p.schema)}</code></td><td>${docText(p.description)}</td></tr>`)}</tbody></table>`;
}

function contentList(doc: Json, content: unknown, lang: Lang): SafeHtml {
  if (!isObj(content)) return html``;
  return html`${Object.entries(content).map(([type, media]) => html`<p dir="ltr" lang="en"><code>${type}</code>${isObj(media) && media.schema ? html` — <code>${typeOf(doc, media.schema)}</code>` : ''}</p>${isObj(media) ? schemaBlock(doc, media.schema, lang) : ''}`)}`;
}

function responses(doc: Json, raw: unknown, lang: Lang): SafeHtml {
  const s = DEV[lang];
  if (!isObj(raw)) return html``;
  return html`<h4>${s.responses}</h4><dl class="summary-list">${Object.entries(raw).map(([code, r]) => {
    const resp = deref(doc, r);
    return html`<div><dt><code dir="ltr">${code}</code></dt><dd>${isObj(resp) ? html`${docText(resp.description)}${contentList(doc, resp.content, lang)}` : ''}</dd></div>`;
  })}</dl>`;
}

export interface Operation {
  method: string;
  path: string;
}

/** The operations of a document, in its order: for the catalogue's method lists. */
export function operationsOf(doc: unknown): Operation[] {
  if (!isObj(doc) || !isObj(doc.paths)) return [];
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!isObj(item)) continue;
    for (const m of METHODS) if (isObj(item[m])) out.push({ method: m.toUpperCase(), path });
  }
  return out;
}

/** The whole document: title, version, description, then every operation. */
export function renderOpenApi(doc: unknown, lang: Lang): SafeHtml {
  if (!isObj(doc)) return html``;
  const s = DEV[lang];
  const info = isObj(doc.info) ? doc.info : {};
  const paths = isObj(doc.paths) ? doc.paths : {};
  return html`<p><strong>${docText(info.title)}</strong>${info.version ? html` · ${s.version} <bdi dir="ltr">${text(info.version)}</bdi>` : ''}</p>
${info.description ? html`<p>${docText(info.description)}</p>` : ''}
${Object.entries(paths).map(([path, rawItem]) => {
  const item = deref(doc, rawItem);
  if (!isObj(item)) return html``;
  const shared = Array.isArray(item.parameters) ? item.parameters : [];
  return html`${METHODS.filter((m) => isObj(item[m])).map((m) => {
    const op = item[m] as Json;
    const own = Array.isArray(op.parameters) ? op.parameters : [];
    const body = deref(doc, op.requestBody);
    return html`<section class="panel">
<h3><code dir="ltr">${m.toUpperCase()} ${path}</code></h3>
${op.summary ? html`<p><strong>${docText(op.summary)}</strong></p>` : ''}
${op.description ? html`<p>${docText(op.description)}</p>` : ''}
${parametersTable(doc, [...shared, ...own], lang)}
${isObj(body) ? html`<h4>${s.requestBody}</h4>${body.description ? html`<p>${docText(body.description)}</p>` : ''}${contentList(doc, body.content, lang)}` : ''}
${responses(doc, op.responses, lang)}
</section>`;
  })}`;
})}`;
}
