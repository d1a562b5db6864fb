import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testPlatform } from './harness.js';

/** GET /dev/outbox: the demo's phone. Exists in demo mode only. */

test('demo mode: /dev/outbox lists what was sent to a number, newest first, however the number is written', async () => {
  const tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'true' } });
  try {
    await tp.messages.send({ channel: 'sms', to: '09121234567', body: 'پنجره: کد ورود شما 111111', purpose: 'sign-in' });
    await tp.messages.send({ channel: 'sms', to: '+989121234567', body: 'پنجره: کد ورود شما 222222', purpose: 'sign-in' });
    await tp.messages.send({ channel: 'sms', to: '09127654321', body: 'not yours', purpose: 'sign-in' });
    for (const spelled of ['09121234567', '۰۹۱۲۱۲۳۴۵۶۷', '+98 912 123 4567', '00989121234567', '9121234567']) {
      const res = await fetch(`${tp.url}/dev/outbox?to=${encodeURIComponent(spelled)}`);
      assert.equal(res.status, 200, spelled);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const json = (await res.json()) as { to: string; messages: { body: string; channel: string; purpose: string; sentAt: string }[] };
      assert.equal(json.to, '09121234567');
      assert.deepEqual(json.messages.map((m) => /\d{6}/.exec(m.body)?.[0]), ['222222', '111111'], spelled);
      assert.equal(json.messages[0]!.purpose, 'sign-in');
      assert.ok(json.messages[0]!.sentAt >= json.messages[1]!.sentAt);
    }
    const none = (await (await fetch(`${tp.url}/dev/outbox?to=09350000000`)).json()) as { messages: unknown[] };
    assert.deepEqual(none.messages, []);
    for (const bad of ['?to=12345', '?to=abc', '']) {
      const res = await fetch(`${tp.url}/dev/outbox${bad}`, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 400, bad);
      assert.ok(((await res.json()) as { error: { code: string } }).error.code, bad);
    }
  } finally {
    await tp.dispose();
  }
});

test('outside demo mode the route does not exist (404), even after messages were sent', async () => {
  const tp = await testPlatform({ listen: true, env: { PANJAREH_DEMO: 'false' } });
  try {
    await assert.rejects(tp.messages.send({ channel: 'sms', to: '09121234567', body: 'x', purpose: 'sign-in' }), /PANJAREH_SMS_URL/);
    const res = await fetch(`${tp.url}/dev/outbox?to=09121234567`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found');
  } finally {
    await tp.dispose();
  }
});
