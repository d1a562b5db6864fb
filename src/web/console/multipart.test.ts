import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundaryOf, parseMultipart } from './multipart.js';

const body = (boundary: string, parts: string[]) => Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`);

test('reads text fields and a file as strings, repeated names as arrays, and drops an empty file input', async () => {
  // What a browser sends: the same encoding fetch's FormData produces.
  const form = new FormData();
  form.append('_csrf', 'tok');
  form.append('id', 'IR/GOV/NOCR/registry/person');
  form.append('name', 'ثبت احوال');
  form.append('methods', 'GET');
  form.append('methods', 'POST');
  form.append('openapi_file', new Blob(['{"openapi":"3.0.0",\r\n"paths":{}}'], { type: 'application/json' }), 'api.json');
  const req = new Request('http://x/', { method: 'POST', body: form });
  const boundary = boundaryOf(req.headers.get('content-type')!)!;
  const parsed = parseMultipart(Buffer.from(await req.arrayBuffer()), boundary);
  assert.deepEqual(parsed, { _csrf: 'tok', id: 'IR/GOV/NOCR/registry/person', name: 'ثبت احوال', methods: ['GET', 'POST'], openapi_file: '{"openapi":"3.0.0",\r\n"paths":{}}' });
});

test('an empty file input, as browsers send it (filename=""), is left out; an empty text field is kept', () => {
  const b = body('xyz', ['Content-Disposition: form-data; name="openapi_file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n', 'Content-Disposition: form-data; name="openapi_text"\r\n\r\n']);
  assert.deepEqual(parseMultipart(b, 'xyz'), { openapi_text: '' });
});

test('malformed bodies are a 400, never a crash', () => {
  const bad = (b: Buffer, boundary = 'xyz') => assert.throws(() => parseMultipart(b, boundary), (e: { status?: number }) => e.status === 400);
  bad(Buffer.from('garbage'));
  bad(body('xyz', ['Content-Disposition: form-data; name="a"\r\n\r\nno end']).subarray(0, 40));
  bad(body('xyz', ['Content-Disposition: form-data\r\n\r\nno name']));
  bad(body('xyz', ['no headers at all']));
  bad(Buffer.from(Array.from({ length: 101 }, (_, i) => `--xyz\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('') + '--xyz--'));
  assert.equal(boundaryOf('multipart/form-data'), null);
  assert.equal(boundaryOf('multipart/form-data; boundary="a b"'), 'a b');
});
