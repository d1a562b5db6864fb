/** Server-side HTML with escaping by default: every interpolated value is text unless it is already SafeHtml. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
const SPECIAL = /[&<>"'`]/;
// Most values (names, codes, dates) have nothing to escape: testing first skips building a new string for them.
export const escapeHtml = (s: string): string => (SPECIAL.test(s) ? s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!) : s);

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks trusted markup (produced by our own code, never by input) as safe. */
export const raw = (s: string): SafeHtml => new SafeHtml(s);
