import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { acceptMultipart, MULTIPART_LIMIT } from './multipart.js';

test('a multipart form becomes the body before validation: text and file alike as strings; too large is a 413', async () => {
  const app = Fastify();
  app.setErrorHandler((e: { status?: number; statusCode?: number; code?: string }, _req, reply) => reply.status(e.status ?? e.statusCode ?? 500).send({ code: e.code }));
  await app.register(async (scope) => {
    acceptMultipart(scope);
    scope.post('/x', { schema: { body: { type: 'object', properties: { openapi_file: { type: 'string', maxLength: 100 } } } } }, async (req) => req.body);
  });
  const form = new FormData();
  form.append('_csrf', 'tok');
  form.append('name', 'ثبت احوال');
  form.append('methods', 'GET');
  form.append('methods', 'POST');
  form.append('openapi_file', new Blob(['{"openapi":"3.0.0",\r\n"paths":{}}'], { type: 'application/json' }), 'api.json');
  form.append('openapi_text', '');
  const req = new Request('http://x/', { method: 'POST', body: form });
  const res = await app.inject({ method: 'POST', url: '/x', headers: { 'content-type': req.headers.get('content-type')! }, payload: Buffer.from(await req.arrayBuffer()) });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { _csrf: 'tok', name: 'ثبت احوال', methods: ['GET', 'POST'], openapi_file: '{"openapi":"3.0.0",\r\n"paths":{}}', openapi_text: '' });

  const big = new FormData();
  big.append('openapi_file', new Blob([Buffer.alloc(MULTIPART_LIMIT + 1, 0x20)]), 'big.json');
  const bigReq = new Request('http://x/', { method: 'POST', body: big });
  const refused = await app.inject({ method: 'POST', url: '/x', headers: { 'content-type': bigReq.headers.get('content-type')! }, payload: Buffer.from(await bigReq.arrayBuffer()) });
  assert.equal(refused.statusCode, 413);
  assert.equal(refused.json().code, 'upload_too_large');
  const bad = await app.inject({ method: 'POST', url: '/x', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, payload: '--xyz\r\nno headers at all' });
  assert.equal(bad.statusCode, 400);
  await app.close();
});
