/** A minimal cookie-keeping HTTP client for end-to-end tests of the HTML forms (no JavaScript, like a plain browser). */
export class Browser {
  private cookies = new Map<string, string>();
  /** `userAgent`: the User-Agent header to send, as a particular browser would (none by default). */
  constructor(
    readonly base: string,
    private readonly userAgent?: string,
  ) {}

  private remember(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The cookies this browser holds, to hand to a real browser. */
  cookieList(): [string, string][] {
    return [...this.cookies];
  }

  private headers(extra: Record<string, string> = {}) {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'text/html', ...(this.userAgent ? { 'user-agent': this.userAgent } : {}), ...extra };
  }

  /** A path on this browser's server, or an absolute URL (a redirect's location) sent to this server. */
  private url(path: string): string {
    if (!/^https?:/.test(path)) return this.base + path;
    const u = new URL(path);
    return this.base + u.pathname + u.search;
  }

  async get(path: string): Promise<{ status: number; body: string; location: string | null; headers: Record<string, string> }> {
    const res = await fetch(this.url(path), { headers: this.headers(), redirect: 'manual' });
    this.remember(res);
    return { status: res.status, body: await res.text(), location: res.headers.get('location'), headers: Object.fromEntries(res.headers) };
  }

  async post(path: string, form: Record<string, string | string[]>): Promise<{ status: number; body: string; location: string | null; headers: Record<string, string> }> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await fetch(this.url(path), {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body,
      redirect: 'manual',
    });
    this.remember(res);
    return { status: res.status, body: await res.text(), location: res.headers.get('location'), headers: Object.fromEntries(res.headers) };
  }

  /** The CSRF token of the first form on a page. */
  static csrf(html: string): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!m) throw new Error('no CSRF token on the page');
    return m[1]!;
  }

  /** Opens a page and posts its form with the page's CSRF token. */
  async submit(pagePath: string, action: string, form: Record<string, string | string[]>) {
    const page = await this.get(pagePath);
    return this.post(action, { _csrf: Browser.csrf(page.body), ...form });
  }

  async signIn(username: string, password: string) {
    return this.submit('/console/login', '/console/login', { username, password });
  }
}
