import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { HttpSmsGateway, MessageNotSent } from './index.js';

/** A real local HTTP server standing in for an operator's gateway: it records what it got and answers as told. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let answer: (res: http.ServerResponse) => void = (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"queued"}');
const held: http.ServerResponse[] = [];
let server: http.Server;
let base = '';

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const r of held) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const message = { channel: 'sms' as const, to: '09123456789', body: 'پنجره: کد ورود شما 482913', purpose: 'sign-in' };

test('posts {to, from, text} as JSON with a bearer token and an idempotency key', async () => {
  seen.length = 0;
  const gw = new HttpSmsGateway({ url: `${base}/v1/send?x=1`, token: 's3cret', from: '3000123', timeoutMs: 5000 });
  const r = await gw.send(message);
  assert.match(r.id, /^[0-9a-f-]{36}$/);
  assert.equal(seen.length, 1);
  const s = seen[0]!;
  assert.equal(s.method, 'POST');
  assert.equal(s.url, '/v1/send?x=1');
  assert.match(String(s.headers['content-type']), /^application\/json/);
  assert.equal(s.headers.authorization, 'Bearer s3cret');
  assert.equal(s.headers['idempotency-key'], r.id);
  assert.deepEqual(JSON.parse(s.body), { to: '09123456789', from: '3000123', text: message.body });
});

test('basic credentials when a user and password are given; no authorization header when neither', async () => {
  seen.length = 0;
  await new HttpSmsGateway({ url: base, username: 'panjareh', password: 'p@ss:word', timeoutMs: 5000 }).send(message);
  assert.equal(seen[0]!.headers.authorization, `Basic ${Buffer.from('panjareh:p@ss:word').toString('base64')}`);
  await new HttpSmsGateway({ url: base, timeoutMs: 5000 }).send(message);
  assert.equal(seen[1]!.headers.authorization, undefined);
  assert.equal(JSON.parse(seen[1]!.body).from, undefined, 'no sender configured: the gateway uses its default');
});

test('a non-2xx answer is a MessageNotSent (503) naming the status and never the body', async () => {
  for (const status of [500, 401, 302]) {
    answer = (res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'rejected', echo: message.body }));
    const gw = new HttpSmsGateway({ url: base, token: 't', timeoutMs: 5000 });
    await assert.rejects(gw.send(message), (e: unknown) => {
      assert.ok(e instanceof MessageNotSent);
      assert.equal(e.status, 503);
      assert.equal(e.code, 'message_not_sent');
      assert.equal(e.gatewayStatus, status);
      assert.match(e.message, new RegExp(`HTTP ${status}`));
      assert.doesNotMatch(JSON.stringify({ m: e.message, s: e.stack, msgs: e.messages }), /482913/, 'the one-time code never appears in the error');
      return true;
    });
  }
  answer = (res) => res.writeHead(200).end();
});

test('a gateway that does not answer in time is an error naming the timeout', async () => {
  answer = (res) => void held.push(res); // never answers
  const gw = new HttpSmsGateway({ url: base, timeoutMs: 300 });
  const started = Date.now();
  await assert.rejects(gw.send(message), (e: unknown) => {
    assert.ok(e instanceof MessageNotSent);
    assert.match(e.message, /did not answer within 300 ms/);
    assert.equal(e.gatewayStatus, undefined);
    return true;
  });
  assert.ok(Date.now() - started < 20_000, 'it gave up instead of hanging');
  // A gateway that answers 200 and then stalls in its body has accepted the message (sending it again
  // would text the person twice); the send still ends within the timeout rather than hanging.
  answer = (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"sta');
    held.push(res);
  };
  const t0 = Date.now();
  assert.match((await gw.send(message)).id, /^[0-9a-f-]{36}$/);
  assert.ok(Date.now() - t0 < 20_000);
  answer = (res) => res.writeHead(200).end();
});

test('an unreachable gateway is an error naming why', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(new HttpSmsGateway({ url: `http://127.0.0.1:${port}/`, timeoutMs: 5000 }).send(message), (e: unknown) => {
    assert.ok(e instanceof MessageNotSent);
    assert.match(e.message, /could not be reached \(ECONNREFUSED\)/);
    return true;
  });
});

test('the SMS gateway refuses e-mail rather than texting an address', async () => {
  seen.length = 0;
  await assert.rejects(new HttpSmsGateway({ url: base, timeoutMs: 5000 }).send({ ...message, channel: 'email', to: 'a@example.org' }), /cannot send email/);
  assert.equal(seen.length, 0);
});
