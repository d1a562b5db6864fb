import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServiceData } from '../catalog/index.js';
import { testPlatform, type TestPlatform } from '../../test/harness.js';
import { CompiledQuery, sql } from 'kysely';
import { Applications } from './applications.js';
import { SUMMARY_COLUMNS } from './store.js';
import { QUEUE_ORDER_SQL } from './migrations.js';
import { Casework, type CaseActor } from './casework.js';
import type { Delivery } from './definition.js';
import type { Applicant, Application } from './model.js';
import type { FormEngine, JobScheduler } from './ports.js';

/**
 * The application's life on the real database (both dialects), with small stand-ins for the
 * capabilities around it: a clock the test moves, calendar days as working days, a job scheduler that
 * records what was scheduled, and a one-field form. test/applications.e2e.test.ts runs the real ones.
 */

let tp: TestPlatform;
let now = new Date('2026-12-07T08:00:00Z');
const clock = { now: () => now };
const days = {
  addWorkingDays: (from: Date, n: number) => new Date(from.getTime() + n * 86_400_000),
  remainingWorkingDays: (a: Date, b: Date) => Math.max(0, Math.ceil((b.getTime() - a.getTime()) / 86_400_000)),
};
const calendar = { calendar: async () => days };
const scheduled: Array<{ kind: string; key?: string; runAt: Date }> = [];
const cancelled: Array<{ kind: string; key: string }> = [];
const jobs: JobScheduler = {
  async schedule(_ex, kind, _payload, opts) {
    scheduled.push({ kind, key: opts.key, runAt: opts.runAt });
    return String(scheduled.length);
  },
  async cancel(_ex, kind, key) {
    cancelled.push({ kind, key });
    return true;
  },
};
const forms: FormEngine = {
  check: () => [],
  fields: () => ['purpose'],
  validate(_form, answers) {
    const errors = [];
    for (const k of Object.keys(answers)) if (k !== 'purpose') errors.push({ field: k, code: 'unknown', message: { fa: 'ناشناخته', en: 'unknown' } });
    if (!['employment', 'travel'].includes(String(answers.purpose))) errors.push({ field: 'purpose', code: 'enum', message: { fa: 'یکی را برگزینید', en: 'Choose one' } });
    return { answers, errors };
  },
};
const delivery = (fee: number, steps: Delivery['steps']): Delivery => ({ form: {}, prefill: [], fee: fee ? { amount: fee, refundOnReject: true } : null, steps, reasons: [], document: null });
const service = (code: string, d: Delivery) => ({ data: { code, slug: code.toLowerCase(), title: { fa: 'گواهی', en: 'Certificate' }, organization: 'JUDICIARY', delivery: d } as unknown as ServiceData, version: 3 });
const SERVICES: Record<string, ReturnType<typeof service>> = {
  'FREE-0001': service('FREE-0001', delivery(0, [{ id: 'check', organization: 'JUDICIARY', title: { fa: 'بررسی', en: 'Check' }, deadlineDays: 5 }])),
  'FEE-0001': service('FEE-0001', delivery(1_200_000, [{ id: 'check', organization: 'JUDICIARY', title: { fa: 'بررسی', en: 'Check' }, deadlineDays: 5 }])),
  'TWO-0001': service('TWO-0001', delivery(0, [
    { id: 'sso', organization: 'SSO', title: { fa: 'تأمین اجتماعی', en: 'Social Security' }, deadlineDays: 3 },
    { id: 'mcls', organization: 'MCLS', title: { fa: 'وزارت کار', en: 'Ministry of Labour' }, deadlineDays: 7, secondApprover: true },
  ])),
  'QUEUE-0001': service('QUEUE-0001', delivery(0, [{ id: 'check', organization: 'QUEUE', title: { fa: 'بررسی', en: 'Check' }, deadlineDays: 5 }])),
};
let apps: Applications;
let casework: Casework;
const ali: Applicant = { nationalCode: '0499370899', name: { fa: 'علی رضایی', en: 'Ali Rezaei' }, mobile: '09123456789' };
const sara: Applicant = { nationalCode: '0012345679', name: { fa: 'سارا', en: 'Sara' }, mobile: null };
const judiciary: CaseActor = { username: 'person:1111111111', organization: 'JUDICIARY' };
const judiciary2: CaseActor = { username: 'person:2222222222', organization: 'JUDICIARY' };
const sso: CaseActor = { username: 'person:3333333333', organization: 'SSO' };
const mcls1: CaseActor = { username: 'person:4444444444', organization: 'MCLS' };
const mcls2: CaseActor = { username: 'person:5555555555', organization: 'MCLS' };
const code = (e: unknown) => (e as { code?: string }).code;

before(async () => {
  tp = await testPlatform();
  const definitions = { version: async (c: string) => SERVICES[c] ?? null, organizationName: () => undefined };
  apps = new Applications(tp.database.db, { clock, calendar, jobs, definitions, forms, dailyLimit: 3 });
  casework = new Casework(apps, { clock, calendar, jobs });
});
after(() => tp.dispose());

test('a draft is saved page by page, then submitted once however often submit is pressed', async () => {
  const draft = await apps.startDraft(ali, 'FREE-0001', []);
  assert.equal(draft.status, 'draft');
  assert.match(draft.trackingCode, /^\d{12}$/);
  await apps.saveDraft(ali, draft.id, { purpose: 'travel' }, 'purpose');
  // A double click: both answer with the one submitted application, whichever commits first.
  const [a, b] = await Promise.all([apps.submit(ali, draft.id), apps.submit(ali, draft.id)]);
  assert.equal(a.status, 'submitted');
  assert.equal(b.status, 'submitted');
  assert.equal(a.id, b.id);
  const again = await apps.submit(ali, draft.id);
  assert.equal(again.status, 'submitted', 'a repeated submit answers with the submitted application');
  assert.equal(again.deadline, new Date(now.getTime() + 5 * 86_400_000).toISOString());
  const { history } = await apps.mine(ali, draft.id);
  assert.deepEqual(history.map((h) => h.kind), ['created', 'submitted']);
  await assert.rejects(() => apps.mine(sara, draft.id), (e) => code(e) === 'not_found', "someone else's application is not found");
});

test('the API submission with an Idempotency-Key makes one application, whatever the retries', async () => {
  const key = 'retry-key-0001';
  const results = await Promise.all([1, 2, 3].map(() => apps.create(ali, 'FREE-0001', { purpose: 'employment' }, key, [])));
  const ids = new Set(results.map((r) => r.application.id));
  assert.equal(ids.size, 1, 'three concurrent requests with one key make one application');
  assert.equal(results.filter((r) => !r.replayed).length, 1);
  await assert.rejects(() => apps.create(ali, 'FREE-0001', { purpose: 'travel' }, key, []), (e) => code(e) === 'idempotency_key_reused');
  await assert.rejects(() => apps.create(ali, 'FREE-0001', { purpose: 'x', extra: 1 }, 'another-key-1', []), (e) => {
    const details = (e as { details: Array<{ field: string }> }).details;
    return code(e) === 'invalid_answers' && details.length === 2;
  });
  await assert.rejects(() => apps.create(ali, 'NONE-0001', {}, 'another-key-2', []), (e) => code(e) === 'not_delivered_here');
});

test('a person may make at most the daily limit of new applications per service', async () => {
  // Ali made 2 FREE-0001 applications today already (the tests above); the limit here is 3.
  await apps.create(ali, 'FREE-0001', { purpose: 'travel' }, 'limit-key-001', []);
  await assert.rejects(() => apps.startDraft(ali, 'FREE-0001', []), (e) => code(e) === 'daily_limit' && (e as { status: number }).status === 429);
  await assert.doesNotReject(() => apps.startDraft(ali, 'FEE-0001', []), 'another service has its own limit');
  now = new Date(now.getTime() + 86_400_000);
  await assert.doesNotReject(() => apps.startDraft(ali, 'FREE-0001', []), 'the next day it starts again');
});

test('a fee is paid before the application enters the queue; a wrong amount or a second payment is refused', async () => {
  const { application } = await apps.create(sara, 'FEE-0001', { purpose: 'travel' }, 'fee-key-0001', []);
  assert.equal(application.status, 'awaiting_payment');
  assert.equal(application.fee.amount, 1_200_000);
  assert.equal(application.deadline, null, 'the deadline runs only once paid');
  await assert.rejects(() => casework.claim(judiciary, application.id), (e) => code(e) === 'not_in_queue');
  await assert.rejects(() => tp.database.db.transaction().execute((trx) => apps.paid(trx as never, application.id, { id: 'p1', amount: 1000 })), (e) => code(e) === 'wrong_amount');
  await tp.database.db.transaction().execute((trx) => apps.paid(trx as never, application.id, { id: 'p1', amount: 1_200_000 }));
  await assert.rejects(() => tp.database.db.transaction().execute((trx) => apps.paid(trx as never, application.id, { id: 'p2', amount: 1_200_000 })), (e) => code(e) === 'not_awaiting_payment');
  const paid = (await apps.mine(sara, application.id)).application;
  assert.equal(paid.status, 'submitted');
  assert.ok(paid.fee.paidAt);
  // Rejected: a refund job is scheduled, as the service's rule says.
  await casework.claim(judiciary, application.id);
  await assert.rejects(() => casework.decide(judiciary, application.id, { decision: 'reject', reasons: [] }), (e) => code(e) === 'reasons_required');
  await casework.decide(judiciary, application.id, { decision: 'reject', reasons: [{ fa: 'سابقه دارد', en: 'Has a record' }] });
  assert.ok(scheduled.some((s) => s.kind === 'application.refund' && s.key === application.id));
  await assert.rejects(() => casework.decide(judiciary, application.id, { decision: 'approve' }), (e) => code(e) === 'not_decidable', 'deciding twice is refused');
  await assert.rejects(() => apps.withdraw(sara, application.id), (e) => code(e) === 'not_withdrawable');
});

test('two steps at two agencies, the second with a second approver; another agency sees nothing', async () => {
  const { application } = await apps.create(sara, 'TWO-0001', { purpose: 'employment' }, 'two-steps-01', []);
  assert.equal(application.organization, 'SSO');
  assert.equal((await casework.queue(mcls1)).items.some((a) => a.id === application.id), false);
  await assert.rejects(() => casework.read(judiciary, application.id), (e) => code(e) === 'not_found');
  assert.ok((await casework.queue(sso)).items.some((a) => a.id === application.id));
  await casework.claim(sso, application.id);
  const atMcls = await casework.decide(sso, application.id, { decision: 'approve' });
  assert.equal(atMcls.status, 'submitted');
  assert.equal(atMcls.organization, 'MCLS');
  assert.equal(atMcls.step, 1);
  await casework.claim(mcls1, application.id);
  const first = await casework.decide(mcls1, application.id, { decision: 'approve' });
  assert.equal(first.status, 'in_review', 'one approval is not enough at this step');
  await casework.claim(mcls1, application.id);
  await assert.rejects(() => casework.decide(mcls1, application.id, { decision: 'approve' }), (e) => code(e) === 'second_approver_must_differ');
  await casework.reassign(mcls1, application.id, mcls2.username, async () => true);
  const done = await casework.decide(mcls2, application.id, { decision: 'approve' });
  assert.equal(done.status, 'approved');
  const seen = await apps.mine(sara, application.id);
  assert.ok(!seen.history.some((h) => h.kind === 'reassigned' || h.kind === 'first_approval'), 'internal events are the agency’s');
  assert.ok((await casework.read(mcls2, application.id)).history.some((h) => h.kind === 'first_approval'));
});

test('a request for changes pauses the deadline; the answer resumes it with the days that were left', async () => {
  const { application } = await apps.create(sara, 'FREE-0001', { purpose: 'employment' }, 'changes-key-01', []);
  now = new Date(now.getTime() + 2 * 86_400_000);
  await casework.claim(judiciary2, application.id);
  await assert.rejects(() => casework.decide(judiciary, application.id, { decision: 'approve' }), (e) => code(e) === 'assigned_to_other');
  const asked = await casework.decide(judiciary2, application.id, { decision: 'request_changes', reasons: [{ fa: 'هدف را دقیق‌تر بنویسید', en: 'Be more precise' }] });
  assert.equal(asked.status, 'changes_requested');
  assert.equal(asked.pausedRemainingDays, 3);
  assert.ok(cancelled.some((c) => c.kind === 'application.deadline' && c.key === application.id));
  now = new Date(now.getTime() + 10 * 86_400_000);
  await assert.rejects(() => apps.answerChanges(sara, application.id, { purpose: 'nonsense' }, ''), (e) => code(e) === 'invalid_answers');
  const answered = await apps.answerChanges(sara, application.id, { purpose: 'travel' }, 'done');
  assert.equal(answered.status, 'in_review');
  assert.equal(answered.deadline, new Date(now.getTime() + 3 * 86_400_000).toISOString());
  assert.equal(answered.answers.purpose, 'travel');
});

test('withdrawal, messages, and "my applications" paged newest first', async () => {
  const { application } = await apps.create(sara, 'FREE-0001', { purpose: 'employment' }, 'withdraw-key-1', []);
  await apps.message(sara, application.id, 'سلام');
  await assert.rejects(() => apps.message(sara, application.id, '  '), (e) => code(e) === 'message_empty');
  const w = await apps.withdraw(sara, application.id);
  assert.equal(w.status, 'withdrawn');
  await assert.rejects(() => casework.decide(judiciary, application.id, { decision: 'approve' }), (e) => code(e) === 'not_decidable');
  const all = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10; i++) {
    const page = await apps.listMine(sara, { limit: 2, cursor });
    all.push(...page.items);
    if (!page.next) break;
    cursor = page.next;
  }
  assert.equal(all.length, new Set(all.map((a) => a.id)).size, 'no application twice across pages');
  assert.ok(all.length >= 4);
  const sorted = [...all].sort((a, b) => (b.createdAt + b.id).localeCompare(a.createdAt + a.id));
  assert.deepEqual(all.map((a) => a.id), sorted.map((a) => a.id));
});

test('the queue: escalated, then overdue, then by deadline and id, every status and filter paged in that order', async () => {
  const agency: CaseActor = { username: 'person:6666666666', organization: 'QUEUE' };
  const person = (i: number): Applicant => ({ nationalCode: `77700000${String(i).padStart(2, '0')}`, name: { fa: 'متقاضی', en: 'Applicant' }, mobile: null });
  const made: Application[] = [];
  for (let i = 0; i < 9; i++) {
    // Two at each moment (equal deadlines: the id decides), a day apart.
    if (i % 2 === 0) now = new Date(now.getTime() + 86_400_000);
    made.push((await apps.create(person(i), 'QUEUE-0001', { purpose: 'travel' }, `queue-order-${i}`, [])).application);
  }
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = made.map((a) => a.id) as [string, string, string, string, string, string, string, string, string];
  const set = (id: string, overdue: number) => tp.database.db.updateTable('applications' as never).set({ overdue } as never).where('id' as never, '=', id as never).execute();
  // The deadline jobs' work: a7 and a2 overdue, a5 escalated; a8 in review, a3 changes requested (still queued), a4 approved, a6 withdrawn.
  await set(a7, 1);
  await set(a2, 1);
  await set(a5, 2);
  await casework.claim(agency, a8);
  await casework.claim(agency, a3);
  await casework.decide(agency, a3, { decision: 'request_changes', reasons: [{ fa: 'اصلاح', en: 'Fix' }] });
  await casework.claim(agency, a4);
  await casework.decide(agency, a4, { decision: 'approve' });
  await apps.withdraw(person(6), a6);

  const all = async (actor: CaseActor, f: Parameters<Casework['queue']>[1] = {}) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await casework.queue(actor, { ...f, limit: 2, cursor });
      ids.push(...page.items.map((a) => a.id));
      if (!page.next) return ids;
      cursor = page.next;
    }
    throw new Error('too many pages');
  };
  // The order the queue promises: overdue level descending, then deadline, then id (two share each deadline here).
  const overdue: Record<string, number> = { [a5]: 2, [a2]: 1, [a7]: 1 };
  const inOrder = (ids: string[]) =>
    made
      .filter((a) => ids.includes(a.id))
      .sort((x, y) => (overdue[y.id] ?? 0) - (overdue[x.id] ?? 0) || x.deadline!.localeCompare(y.deadline!) || (x.id < y.id ? -1 : 1))
      .map((a) => a.id);
  const queued = inOrder([a0, a1, a2, a3, a5, a7, a8]);
  assert.deepEqual(queued.slice(0, 3), [a5, a2, a7]);
  assert.deepEqual(await all(agency), queued, 'the whole queue: escalated, overdue, then on time');
  assert.deepEqual((await casework.queue(agency)).items.map((a) => a.id), queued, 'one page or many, the same order');
  // The agency API's list: the same queue, each item only what the API shows (store.ts, LISTED_COLUMNS).
  const listed = await casework.queueListed(agency);
  assert.deepEqual(listed.items.map((a) => a.id), queued);
  const full = (await casework.queue(agency)).items[0]!;
  assert.deepEqual(listed.items[0], { id: full.id, trackingCode: full.trackingCode, service: full.service, serviceVersion: full.serviceVersion, status: full.status, step: full.step, organization: full.organization, fee: full.fee, deadline: full.deadline, overdue: full.overdue, createdAt: full.createdAt, submittedAt: full.submittedAt, decidedAt: full.decidedAt });
  assert.deepEqual(await all(agency, { overdueOnly: true }), [a5, a2, a7]);
  assert.deepEqual(await all(agency, { status: 'submitted' }), inOrder([a0, a1, a2, a5, a7]));
  assert.deepEqual(await all(agency, { status: 'in_review' }), [a8]);
  assert.deepEqual(await all(agency, { status: 'changes_requested' }), [a3]);
  assert.deepEqual(await all(agency, { status: 'approved' }), [a4], 'a decided status is listed too');
  assert.deepEqual(await all(agency, { status: 'withdrawn' }), [a6]);
  assert.deepEqual(await all(agency, { status: 'submitted', overdueOnly: true }), [a5, a2, a7]);
  assert.deepEqual(await all(agency, { assignedTo: agency.username }), [a3, a8]);
  assert.deepEqual(await all({ username: 'authority', organization: null }, { overdueOnly: true }), [a5, a2, a7], 'the authority: every agency’s overdue work');
  assert.deepEqual(await all({ ...agency, organization: 'JUDICIARY' }, { overdueOnly: true }), [], 'another agency sees none of it');
});

test('an agency’s open queue is read from its partial index alone, on both databases', async () => {
  // The queries exactly as the queue sends them: a Kysely of its own over the same connection, its executeQuery watched.
  const db = tp.database.db.withPlugin({ transformQuery: (a) => a.node, transformResult: async (a) => a.result });
  const sent: CompiledQuery[] = [];
  const execute = db.executeQuery.bind(db);
  db.executeQuery = ((q: CompiledQuery) => (sent.push(q), execute(q))) as typeof db.executeQuery;
  const watched = new Casework(new Applications(db, {} as never), {} as never);
  const cursor = (await casework.queue(judiciary, { limit: 1 })).next ?? undefined;
  const open: Array<[string, Parameters<Casework['queue']>[1]]> = [
    ['the whole queue', {}],
    ['its overdue part', { overdueOnly: true }],
    ['a page after a cursor', { cursor }],
  ];
  for (const [what, f] of open) {
    sent.length = 0;
    await watched.queue(judiciary, f);
    const q = sent[0]!;
    assert.match(q.sql, /"queue_order" <= 0\b/, `${what}: the bound is in the SQL, so the partial index applies`);
    if (tp.database.dialect === 'sqlite') {
      const plan = (await tp.database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).rows.map((r) => r.detail).join('\n');
      assert.match(plan.replace(/"/g, ''), /USING COVERING INDEX applications_queue_open\b/, `${what}: ${plan} ${q.sql}`);
      assert.doesNotMatch(plan, /TEMP B-TREE/, `${what}: read in order, not sorted`);
    } else {
      // With plain scans ruled out, only an index-only scan of the partial index can answer: it applies and carries every column.
      const plan = await tp.database.db.transaction().execute(async (trx) => {
        for (const off of ['enable_seqscan', 'enable_bitmapscan', 'enable_indexscan', 'enable_sort']) await sql`select set_config(${off}, 'off', true)`.execute(trx);
        return (await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]))).rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      assert.match(plan, /Index Only Scan using applications_queue_open\b/, `${what}: ${plan}`);
      assert.doesNotMatch(plan, /\bSort\b/, `${what}: read in order, not sorted`);
    }
  }
  // SQLite's queue_order is a plain column its triggers keep (migrations.ts); after every insert and change above, it is what the expression says.
  const { rows } = await sql<{ n: number }>`select count(*) as n from applications where queue_order is distinct from (${sql.raw(QUEUE_ORDER_SQL)})`.execute(tp.database.db);
  assert.equal(Number(rows[0]!.n), 0);
  const { rows: queued } = await sql<{ n: number }>`select count(*) as n from applications where queue_order <= 0`.execute(tp.database.db);
  assert.ok(Number(queued[0]!.n) > 0, 'some open work to check');
});

test('"my applications" is read from its index alone: the index carries every column the list shows', async () => {
  // The list's query as listMine builds it (SUMMARY_COLUMNS): a column added to the list but not to the index shows here.
  const q = tp.database.db.selectFrom('applications' as never).select(SUMMARY_COLUMNS as never).where('applicant' as never, '=', sara.nationalCode as never).orderBy('created_at' as never, 'desc').orderBy('id' as never, 'desc').limit(21).compile();
  if (tp.database.dialect === 'sqlite') {
    const plan = (await tp.database.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).rows.map((r) => r.detail).join('\n');
    assert.match(plan.replace(/"/g, ''), /USING COVERING INDEX applications_applicant\b/, plan);
  } else {
    // PostgreSQL: every selected column is in the index (key or INCLUDE), so the planner may read it alone (an index-only scan, on a large table).
    const { rows } = await sql<{ def: string }>`select pg_get_indexdef(c.oid) as def from pg_class c where c.relname = 'applications_applicant' and c.relnamespace = (select oid from pg_namespace where nspname = current_schema())`.execute(tp.database.db);
    const def = rows[0]!.def;
    for (const column of SUMMARY_COLUMNS) assert.match(def, new RegExp(`\\b${column}\\b`), `${column} in ${def}`);
  }
});
