import { AppError } from './errors.js';
import { toPersianDigits } from './text.js';

/**
 * Every problem of one input at once. A service module checks each field of what it was given and
 * records what is wrong instead of stopping at the first mistake, so a form can mark every field
 * that needs fixing in one round and a command can say everything in one line.
 */

/** One problem: the input's field it belongs to (the service module's own name for it), a machine code, a message in both languages. */
export interface Problem {
  field: string;
  code: string;
  message: { fa: string; en: string };
}

/** The problems an error lists (its `details`), or none when it is not such an error. */
export function problemsOf(e: unknown): Problem[] {
  if (!(e instanceof AppError) || !Array.isArray(e.details)) return [];
  return e.details.filter((d): d is Problem => !!d && typeof d === 'object' && typeof d.field === 'string' && typeof d.code === 'string' && typeof d.message?.fa === 'string' && typeof d.message?.en === 'string');
}

export class Problems {
  private readonly found: Array<Problem & { status: number }> = [];

  /** Records a refusal (an AppError a check threw) against `field`. */
  add(field: string, e: AppError): void {
    this.found.push({ field, code: e.code, message: e.messages, status: e.status });
  }

  /** Runs a check; a refusal it throws is recorded against `field` and the result is undefined. Anything else (a fault, not a mistake) propagates. */
  check<T>(field: string, f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      this.add(field, e);
      return undefined;
    }
  }

  /** `check` for a check that reads the database. */
  async checkAsync<T>(field: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      if (!(e instanceof AppError) || e.status >= 500) throw e;
      this.add(field, e);
      return undefined;
    }
  }

  /** Whether anything is wrong with `field` (or, without one, with anything): later checks that build on it are skipped. */
  has(field?: string): boolean {
    return field === undefined ? this.found.length > 0 : this.found.some((p) => p.field === field);
  }

  get list(): Problem[] {
    return this.found.map(({ status: _s, ...p }) => p);
  }

  /**
   * Throws when anything was found. One problem is thrown as itself (its status, code and message,
   * as before problems were collected); several as one 400 `invalid_input` whose message says them
   * all on one line. `details` lists every problem either way.
   */
  throwIfAny(): void {
    const [first, ...rest] = this.found;
    if (!first) return;
    if (!rest.length) throw new AppError(first.status, first.code, first.message, this.list);
    const n = this.found.length;
    const join = (lang: 'fa' | 'en') => this.found.map((p) => p.message[lang].trim()).join(' ');
    throw new AppError(
      400,
      'invalid_input',
      { fa: `${toPersianDigits(String(n))} مشکل: ${join('fa')}`, en: `${n} problems: ${join('en')}` },
      this.list,
    );
  }
}
