import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nationalCodeCheckDigit } from '../src/platform/national-code.js';
import type { Application } from '../src/services/index.js';
import { Browser } from './browser.js';
import { applicant, delivery, prefill } from './casework-fixtures.js';
import { catalogFile, service } from './fixtures.js';
import { runCli } from './cli-kit.js';
import { eventually, freshDatabase, testPlatform, type TestPlatform } from './harness.js';
import { signInToPortal } from './signin.js';

/**
 * The back office through the staff console's pages: a caseworker's queue holds only their agency's
 * applications, paged by keyset; claim, reassign, internal note (never shown to the applicant), a
 * request for changes with a reason, approval; a stale page and a POST without CSRF are refused;
 * another agency's caseworker is told the application does not exist; the national authority sees
 * every agency's overdue work once a deadline passes.
 */

let tp: TestPlatform;
const code = (first9: string) => `${first9}${nationalCodeCheckDigit(first9)}`;
const person = (first9: string, mobile: string) => ({ nationalCode: code(first9), mobile });
const PEOPLE = {
  cw1: person('444555661', '09304445561'),
  cw2: person('444555662', '09304445562'),
  cwPost: person('444555663', '09304445563'),
  reviewer: person('444555664', '09304445564'),
  editorCw: person('444555665', '09304445565'),
};
const ALI = applicant(code('555666771'), 'علی رضایی', 'Ali Rezaei');
const SARA = applicant(code('555666772'), 'سارا احمدی', 'Sara Ahmadi');
const browsers = new Map<keyof typeof PEOPLE, Browser>();
const nocrApps: Application[] = [];
let postApp: Application;

async function staff(who: keyof typeof PEOPLE): Promise<Browser> {
  const known = browsers.get(who);
  if (known) return known;
  const b = new Browser(tp.url!);
  assert.equal(await signInToPortal(b, tp.url!, PEOPLE[who], '/console'), '/console');
  browsers.set(who, b);
  return b;
}

/**
 * Reads the holiday table into the calendar's cache now. On SQLite the services' transactions ask the
 * calendar for working days while they hold the only connection; a cache older than a minute (of the
 * platform's clock) is read again through another query, which then waits for that transaction forever.
 * Until the services compute their dates before the transaction, a test keeps the cache fresh.
 */
const freshCalendar = () => tp.calendar.reload();

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
let seq = 0;
const make = async (who: typeof ALI, service: string) =>
  (await tp.services.applications.create(who, service, { purpose: 'work' }, `test-key-${++seq}-${who.nationalCode}`, prefill('حسن'))).application;

before(async () => {
  tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  // The test runs the due jobs itself (after moving the clock), so none runs while the calendar's cache is stale.
  await tp.jobs.stop();
  const file = catalogFile();
  file.services.push(
    service('NOCR-0009', 'NOCR', ['گواهی تجرد', 'Certificate of single status'], { delivery: delivery('NOCR') }) as never,
    service('POST-0009', 'POST', ['گواهی نشانی', 'Certificate of address'], { delivery: delivery('POST') }) as never,
  );
  await tp.catalog.import(file, { actor: 'test' });
  await tp.catalog.read.rebuild();
  await tp.agencies.seed();
  const names: Record<keyof typeof PEOPLE, [string, string]> = { cw1: ['مینا', 'Mina'], cw2: ['رضا', 'Reza'], cwPost: ['نگار', 'Negar'], reviewer: ['بهرام', 'Bahram'], editorCw: ['لیلا', 'Leila'] };
  for (const [who, [fa, en]] of Object.entries(names) as Array<[keyof typeof PEOPLE, [string, string]]>) {
    await tp.agencies.addPerson({ ...PEOPLE[who], firstName: { fa, en }, lastName: { fa: 'کارمند', en: 'Staff' }, birthDate: '1985-01-01', gender: 'female' }, 'test');
  }
  const grants = tp.identity.staffGrants;
  await grants.grant({ nationalCode: PEOPLE.cw1.nationalCode, role: 'caseworker', organization: 'NOCR' }, 'test');
  await grants.grant({ nationalCode: PEOPLE.cw2.nationalCode, role: 'caseworker', organization: 'NOCR' }, 'test');
  await grants.grant({ nationalCode: PEOPLE.cwPost.nationalCode, role: 'caseworker', organization: 'POST' }, 'test');
  await grants.grant({ nationalCode: PEOPLE.reviewer.nationalCode, role: 'reviewer' }, 'test');
  await grants.grant({ nationalCode: PEOPLE.editorCw.nationalCode, role: 'editor', organization: 'NOCR' }, 'test');
  await grants.grant({ nationalCode: PEOPLE.editorCw.nationalCode, role: 'caseworker', organization: 'NOCR' }, 'test');
  await freshCalendar();
  // 27 of NOCR's (more than a page of 25; at most 20 a day per person and service) and one of the Post's.
  for (let i = 0; i < 27; i++) nocrApps.push(await make(i % 2 ? SARA : ALI, 'NOCR-0009'));
  // The Post's has an attachment: a letter stored as the applicant uploaded it.
  const letter = await tp.files.put(tp.database.db, { bytes: PDF, name: 'نامه کارفرما.pdf', owner: `person:${ALI.nationalCode}` });
  postApp = (await tp.services.applications.create(ALI, 'POST-0009', { purpose: 'work', letter: letter.id }, 'test-key-post-letter', prefill('حسن'))).application;
});
after(async () => {
  await tp.dispose();
});

/** The applications a queue page links to, in its order. */
const linked = (body: string) => [...body.matchAll(/href="(?:\/en)?\/console\/applications\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const words = (body: string) => body.replace(/<[^>]+>/g, '');
const read = (id: string) => tp.services.casework.read({ username: 'test', organization: null }, id).then((r) => r.application);
/** Opens the application page and posts one of its forms with the page's CSRF token. */
async function act(b: Browser, id: string, what: string, form: Record<string, string | string[]>, lang: 'fa' | 'en' = 'fa') {
  const p = lang === 'en' ? '/en' : '';
  return b.submit(`${p}/console/applications/${id}`, `${p}/console/applications/${id}/${what}`, form);
}

test('a caseworker: the console’s home is the queue; the catalogue’s pages are closed to them; the CLI and the grants know the role', async () => {
  const cw = await staff('cw1');
  const home = await cw.get('/console');
  assert.equal(home.status, 303);
  assert.equal(home.location, '/console/applications');
  assert.equal((await cw.get('/console/services/new')).status, 403);
  assert.equal((await cw.get('/console/services/NOCR-0001')).status, 403);
  const queue = await cw.get('/console/applications');
  assert.equal(queue.status, 200);
  assert.match(words(queue.body), /کارشناس رسیدگی · سازمان ثبت احوال کشور/, 'the bar names the role and the organisation');
  assert.match(words((await cw.get('/en/console/applications')).body), /caseworker · National Organization for Civil Registration/);
  await assert.rejects(tp.identity.staffGrants.grant({ nationalCode: PEOPLE.reviewer.nationalCode, role: 'caseworker' }, 'test'), /caseworker must belong to an organisation/);
  const { program } = await import('../src/commands/program.js');
  const cmd = await program();
  const grant = cmd.commands.find((c) => c.name() === 'staff')?.commands.find((c) => c.name() === 'grant');
  assert.ok(grant?.options.find((o) => o.long === '--role')?.argChoices?.includes('caseworker'), 'panjareh staff grant --role caseworker');
});

test('a person who is both an editor and a caseworker keeps the catalogue and finds the queue from the console’s home', async () => {
  const b = await staff('editorCw');
  const home = await b.get('/console');
  assert.equal(home.status, 200);
  assert.match(home.body, /href="\/console\/applications"/);
  assert.match(home.body, /href="\/console\/services\/new"/, 'still an editor');
  assert.equal((await b.get('/console/applications')).status, 200);
});

test('the queue: only the own agency’s applications, by deadline, a page at a time with a keyset cursor', async () => {
  const cw = await staff('cw1');
  const first = await cw.get('/console/applications');
  const page1 = linked(first.body);
  assert.equal(page1.length, 25);
  assert.ok(!page1.includes(postApp.id), 'not another agency’s application');
  const next = /<a href="([^"]+)" rel="next">/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(next, 'a next page link');
  assert.match(next, /^\/console\/applications\?cursor=/);
  const second = await cw.get(next);
  const page2 = linked(second.body);
  assert.equal(page2.length, 2);
  assert.doesNotMatch(second.body, /rel="next"/);
  assert.deepEqual(new Set([...page1, ...page2]), new Set(nocrApps.map((a) => a.id)), 'every NOCR application once');
  assert.match(first.body, new RegExp(`<bdi dir="ltr">[۰-۹-]{14}</bdi>`), 'the tracking code in Persian digits, isolated left to right');
  assert.match(words(first.body), /علی رضایی/);
  assert.match(words(first.body), /گواهی تجرد/);
  assert.match(words(first.body), /ثبت شده/);
  // The Post's caseworker sees only the Post's.
  assert.deepEqual(linked((await (await staff('cwPost')).get('/console/applications')).body), [postApp.id]);
  // A filter is a GET form: "in review" finds none yet.
  assert.deepEqual(linked((await cw.get('/console/applications?status=in_review')).body), []);
});

test('another agency’s caseworker is told the application does not exist, on the page and on every action', async () => {
  const post = await staff('cwPost');
  const id = nocrApps[0]!.id;
  assert.equal((await post.get(`/console/applications/${id}`)).status, 404);
  const own = await post.get(`/console/applications/${postApp.id}`);
  assert.equal(own.status, 200);
  const r = await post.post(`/console/applications/${id}/claim`, { _csrf: Browser.csrf(own.body) });
  assert.equal(r.status, 404);
  assert.equal((await read(id)).assignedTo, null);
});

test('an attachment is offered to the agency handling the application, and to no one else', async () => {
  const post = await staff('cwPost');
  const page = await post.get(`/console/applications/${postApp.id}`);
  const href = /<a href="(\/console\/applications\/[0-9a-f-]+\/files\/[0-9a-f-]+)" download><span dir="auto">نامه کارفرما.pdf<\/span><\/a>/.exec(page.body)?.[1];
  assert.ok(href, 'the answer links to the file by its name');
  const got = await post.get(href);
  assert.equal(got.status, 200);
  assert.equal(got.headers['content-type'], 'application/pdf');
  assert.match(got.headers['content-disposition'] ?? '', /^attachment; filename="[^"]*\.pdf"; filename\*=UTF-8''/);
  assert.equal(got.body, PDF.toString());
  assert.equal((await (await staff('cw1')).get(href)).status, 404, 'not another agency');
  assert.equal((await post.get(href.replace(/files\/.*/, `files/${nocrApps[0]!.id}`))).status, 404, 'only a file the answers name');
});

test('claim, an internal note the applicant never sees, a message, then a request for changes with a reason', async () => {
  const cw = await staff('cw1');
  const id = nocrApps[0]!.id;
  const page = await cw.get(`/console/applications/${id}`);
  assert.equal(page.status, 200);
  assert.match(words(page.body), /از ثبت احوال/, 'the registry data, by its source');
  assert.match(words(page.body), /حسن/);
  assert.match(words(page.body), /گواهی را برای چه کاری می‌خواهید؟\s*استخدام/, 'the answers, as “check your answers”');
  assert.doesNotMatch(page.body, /summary-list__action/, 'no change links');

  // Without the CSRF token: refused, nothing changes.
  assert.equal((await cw.post(`/console/applications/${id}/claim`, {})).status, 403);
  assert.equal((await read(id)).status, 'submitted');

  const claimed = await act(cw, id, 'claim', {});
  assert.equal(claimed.status, 303);
  assert.equal(claimed.location, `/console/applications/${id}`);
  const after = await cw.get(claimed.location!);
  assert.match(words(after.body), /درخواست به شما سپرده شد/, 'the confirmation says what happened and what next');
  assert.doesNotMatch(words((await cw.get(claimed.location!)).body), /درخواست به شما سپرده شد/, 'once');
  const a = await read(id);
  assert.equal(a.status, 'in_review');
  assert.equal(a.assignedTo, `person:${PEOPLE.cw1.nationalCode}`);
  assert.deepEqual(linked((await cw.get('/console/applications?mine=1')).body), [id], 'mine only');

  // An empty note: the page again with the problem linked to its field.
  const empty = await act(cw, id, 'note', { note: '  ' });
  assert.equal(empty.status, 400);
  assert.match(empty.body, /<div class="error-summary"[\s\S]*?<a href="#note">/);
  assert.match(empty.body, /<textarea id="note" name="note"[^>]*aria-invalid="true"/);
  const noted = await act(cw, id, 'note', { note: 'استعلام از دادگستری لازم است' });
  assert.equal(noted.status, 303);
  const withNote = await cw.get(`/console/applications/${id}`);
  assert.match(words(withNote.body), /یادداشت داخلی افزوده شد/);
  assert.match(words(withNote.body), /استعلام از دادگستری لازم است/);
  assert.equal((await act(cw, id, 'message', { message: 'مدارک شما در حال بررسی است' })).status, 303);

  const mine = await tp.services.applications.mine(ALI, id);
  assert.ok(!mine.history.some((h) => h.kind === 'note'), 'no note in the applicant’s history');
  assert.ok(!JSON.stringify(mine.history).includes('استعلام از دادگستری'), 'nor its text');
  assert.ok(mine.history.some((h) => h.kind === 'message' && h.detail.text === 'مدارک شما در حال بررسی است'), 'the message is theirs to read');

  // Asking for changes needs a reason: the page says so on the reasons' first checkbox.
  const rev = String((await read(id)).rev);
  await freshCalendar();
  const noReason = await act(cw, id, 'decision', { decision: 'request_changes', rev }, 'en');
  assert.equal(noReason.status, 400);
  assert.match(noReason.body, /<a href="#reason-0">[^<]*At least one reason is needed/);
  const asked = await act(cw, id, 'decision', { decision: 'request_changes', reasons: ['1'], reason_fa: '', reason_en: '', rev });
  assert.equal(asked.status, 303);
  assert.match(words((await cw.get(asked.location!)).body), /اصلاح از متقاضی خواسته شد و مهلت قانونی تا پاسخ او متوقف است/);
  const paused = await read(id);
  assert.equal(paused.status, 'changes_requested');
  assert.ok(paused.pausedRemainingDays! >= 1);
  const seen = await tp.services.applications.mine(ALI, id);
  const request = seen.history.find((h) => h.kind === 'changes_requested');
  assert.deepEqual(request?.detail.reasons, [{ fa: 'نشانی با ثبت احوال نمی‌خواند.', en: 'The address does not match the civil registry.' }], 'the applicant reads the reason chosen');
  assert.match(words((await cw.get(`/console/applications/${id}`)).body), /متوقف تا پاسخ متقاضی/, 'the deadline shows as paused');
});

test('a stale page is refused; the current one approves', async () => {
  const cw = await staff('cw1');
  const id = nocrApps[0]!.id;
  const stalePage = await cw.get(`/console/applications/${id}`);
  // The applicant answers meanwhile: the application moves on (and its revision with it).
  await freshCalendar();
  await tp.services.applications.answerChanges(ALI, id, { purpose: 'travel' }, 'نشانی درست شد');
  const staleRev = /name="rev" value="(\d+)"/.exec(stalePage.body)?.[1];
  assert.equal(staleRev, undefined, 'no decision form while changes are asked for');
  const fresh = await cw.get(`/console/applications/${id}`);
  const rev = /name="rev" value="(\d+)"/.exec(fresh.body)?.[1];
  assert.ok(rev);
  // The application changes again after the page was opened (here a reassignment, which moves its revision on).
  await tp.services.casework.reassign({ username: `person:${PEOPLE.cw1.nationalCode}`, organization: 'NOCR' }, id, `person:${PEOPLE.cw1.nationalCode}`, async () => true);
  const stale = await cw.post(`/console/applications/${id}/decision`, { _csrf: Browser.csrf(fresh.body), decision: 'approve', rev });
  assert.equal(stale.status, 409);
  assert.match(words(stale.body), /هم‌زمان تغییر کرد/);
  assert.equal((await read(id)).status, 'in_review', 'nothing decided');
  const approved = await act(cw, id, 'decision', { decision: 'approve', rev: String((await read(id)).rev) });
  assert.equal(approved.status, 303);
  assert.match(words((await cw.get(approved.location!)).body), /درخواست تأیید شد/);
  assert.equal((await read(id)).status, 'approved');
  assert.match(words((await cw.get(`/console/applications/${id}`)).body), /دیگر کاری در میز کار نمی‌ماند/);
});

test('reassigning: to another caseworker of the agency, never to someone else’s', async () => {
  const cw = await staff('cw1');
  const id = nocrApps[1]!.id;
  assert.equal((await act(cw, id, 'claim', {})).status, 303);
  const page = await cw.get(`/console/applications/${id}`);
  assert.match(page.body, new RegExp(`<option value="person:${PEOPLE.cw2.nationalCode}"[^>]*>رضا کارمند</option>`), 'colleagues by name');
  const wrong = await cw.post(`/console/applications/${id}/reassign`, { _csrf: Browser.csrf(page.body), to: `person:${PEOPLE.cwPost.nationalCode}` });
  assert.equal(wrong.status, 400);
  assert.match(wrong.body, /<a href="#to">/);
  const given = await act(cw, id, 'reassign', { to: `person:${PEOPLE.cw2.nationalCode}` });
  assert.equal(given.status, 303);
  assert.equal((await read(id)).assignedTo, `person:${PEOPLE.cw2.nationalCode}`);
  assert.deepEqual(linked((await (await staff('cw2')).get('/console/applications?mine=1')).body), [id]);
  // Rejected by its new caseworker with a written reason in both languages.
  const cw2 = await staff('cw2');
  const rejected = await act(cw2, id, 'decision', { decision: 'reject', reason_fa: 'سابقه ناقص', reason_en: 'Incomplete record', rev: String((await read(id)).rev) });
  assert.equal(rejected.status, 303);
  assert.equal((await read(id)).status, 'rejected');
  const history = (await tp.services.applications.mine(SARA, id)).history;
  assert.deepEqual(history.find((h) => h.kind === 'rejected')?.detail.reasons, [{ fa: 'سابقه ناقص', en: 'Incomplete record' }]);
});

test('the authority’s overdue list: every agency’s applications once their deadline passes', async () => {
  const reviewer = await staff('reviewer');
  assert.equal((await (await staff('cw1')).get('/console/overdue')).status, 403, 'not for a caseworker');
  const home = await reviewer.get('/console');
  assert.match(home.body, /href="\/console\/overdue"/);
  assert.equal((await reviewer.get('/console/applications')).status, 403, 'no queue for a reviewer without a caseworker grant');
  assert.deepEqual(linked((await reviewer.get('/console/overdue')).body), []);

  // A month later (the demo clock), the deadline jobs have run.
  await tp.clock.advance(30 * 86_400_000, 'test');
  await freshCalendar();
  await eventually(async () => {
    await tp.jobs.runDue();
    return (await read(postApp.id)).overdue > 0;
  }, 20_000);
  await eventually(async () => {
    await tp.jobs.runDue();
    return (await tp.services.casework.queue({ username: 'test', organization: null }, { overdueOnly: true, limit: 100 })).items.length === 26;
  }, 20_000);
  const list = await reviewer.get('/console/overdue');
  assert.equal(list.status, 200);
  const page1 = linked(list.body);
  assert.equal(page1.length, 25);
  assert.match(words(list.body), /شرکت ملی پست|سازمان ثبت احوال کشور/, 'the agency named');
  const next = /<a href="([^"]+)" rel="next">/.exec(list.body)?.[1]?.replaceAll('&amp;', '&');
  assert.ok(next);
  const page2 = linked((await reviewer.get(next)).body);
  assert.equal(page1.length + page2.length, 26, 'the 25 NOCR and 1 Post application still open');
  assert.ok([...page1, ...page2].includes(postApp.id));
  assert.match(words(list.body), /دیرکرد/);
  // The authority reads an application, without the caseworker's forms.
  const view = await reviewer.get(`/console/applications/${postApp.id}`);
  assert.equal(view.status, 200);
  assert.doesNotMatch(view.body, /\/claim"/);
  assert.match(words(view.body), /مرجع ملی این درخواست را فقط می‌بیند/);
  // The caseworker's "overdue only" filter.
  const overdue = linked((await (await staff('cwPost')).get('/console/applications?overdue=1')).body);
  assert.deepEqual(overdue, [postApp.id]);
});

test('the command line grants the role: `staff grant --role caseworker --organization nocr`, and refuses it without an organisation', async () => {
  const db = await freshDatabase();
  try {
    const p = await testPlatform({ shared: db });
    await p.catalog.import(catalogFile(), { actor: 'test' });
    await p.dispose();
    const nc = code('444555669');
    const granted = await runCli(db, ['staff', 'grant', '--national-code', nc, '--role', 'caseworker', '--organization', 'nocr']);
    assert.equal(granted.code, 0, granted.err);
    assert.match(granted.out, new RegExp(`Granted caseworker of NOCR to ${nc}`));
    const refused = await runCli(db, ['staff', 'grant', '--national-code', nc, '--role', 'caseworker']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /A caseworker must belong to an organisation/);
  } finally {
    await db.drop();
  }
});
