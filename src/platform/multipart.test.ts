import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { AppError } from './errors.js';
import { acceptMultipartForms, multipartBudget, readMultipart, type MultipartLimits } from './multipart.js';

/** One server for the file: a route that reads its form within the limits the query names and echoes what it read. */
let app: FastifyInstance;
let url = '';

before(async () => {
  app = Fastify();
  await acceptMultipartForms(app);
  app.post<{ Querystring: { files?: string; bytes?: string; fields?: string } }>('/read', async (req, reply) => {
    const limits: MultipartLimits = { files: Number(req.query.files ?? 1), fileBytes: Number(req.query.bytes ?? 100), fields: Number(req.query.fields ?? 10) };
    try {
      const form = await readMultipart(req, limits);
      return { fields: form.fields, files: form.files.map((f) => ({ field: f.field, filename: f.filename, text: f.bytes.toString('utf8'), truncated: f.truncated })), problem: form.problem ? [form.problem.status, form.problem.code] : null };
    } catch (e) {
      assert.ok(e instanceof AppError);
      return reply.status(e.status).send({ error: e.code });
    }
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => app.close());

const send = async (form: FormData | string, query = '', headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/read${query}`, { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

test('text fields (repeated names as arrays) and files with their names; an empty file input (counted among the files) is left out', async () => {
  const form = new FormData();
  form.append('_csrf', 'tok');
  form.append('name', 'ثبت احوال');
  form.append('m', 'GET');
  form.append('m', 'POST');
  form.append('empty', new Blob([]), '');
  form.append('doc', new Blob(['%PDF-1.7\r\n--not-a-boundary\r\n']), 'گواهی فوت.pdf');
  // Browsers write a quote in a file's name as %22 (the HTML standard); it comes back as a quote.
  form.append('quoted', new Blob(['x']), 'a "b".pdf');
  const r = await send(form, '?files=3');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    fields: { _csrf: 'tok', name: 'ثبت احوال', m: ['GET', 'POST'] },
    files: [
      { field: 'doc', filename: 'گواهی فوت.pdf', text: '%PDF-1.7\r\n--not-a-boundary\r\n', truncated: false },
      { field: 'quoted', filename: 'a "b".pdf', text: 'x', truncated: false },
    ],
    problem: null,
  });
});

test('a file over the limit is marked truncated; exactly at the limit it is whole', async () => {
  const at = new FormData();
  at.append('doc', new Blob(['x'.repeat(100)]), 'a.pdf');
  assert.deepEqual((await send(at)).body.files, [{ field: 'doc', filename: 'a.pdf', text: 'x'.repeat(100), truncated: false }]);
  const over = new FormData();
  over.append('doc', new Blob(['x'.repeat(101)]), 'a.pdf');
  over.append('after', 'kept');
  const r = await send(over);
  assert.equal((r.body.files as Array<{ truncated: boolean }>)[0]!.truncated, true);
  assert.deepEqual(r.body.fields, { after: 'kept' }, 'the form is still read to its end');
});

test('limits: too many files, too many fields, a body declared larger than the budget (not read at all)', async () => {
  const two = new FormData();
  two.append('_csrf', 'tok');
  two.append('a', new Blob(['1']), 'a.pdf');
  two.append('b', new Blob(['2']), 'b.pdf');
  const r = await send(two);
  assert.deepEqual(r.body.problem, [413, 'too_many_files']);
  assert.deepEqual(r.body.fields, { _csrf: 'tok' }, 'what came before the limit is kept');
  const none = new FormData();
  none.append('a', new Blob(['1']), 'a.pdf');
  assert.deepEqual((await send(none, '?files=0')).body.problem, [413, 'too_many_files']);
  const many = new FormData();
  for (let i = 0; i < 4; i++) many.append(`f${i}`, 'v');
  assert.deepEqual((await send(many, '?fields=3')).body.problem, [413, 'too_many_fields']);
  assert.equal(multipartBudget({ files: 1, fileBytes: 100 }), 100 + 16 * 1024 + 256 * 1024);
  const big = new FormData();
  big.append('doc', new Blob([Buffer.alloc(300 * 1024)]), 'big.pdf');
  const refused = await send(big);
  assert.deepEqual(refused.body, { fields: {}, files: [], problem: [413, 'upload_too_large'] });
});

test('a body that is not multipart, or is malformed, is a 400', async () => {
  const boundary = 'xyz';
  assert.equal((await send(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end`, '', { 'content-type': `multipart/form-data; boundary=${boundary}` })).status, 400);
  assert.equal((await send('garbage', '', { 'content-type': 'multipart/form-data' })).status, 400);
});
