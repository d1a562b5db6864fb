import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../config.js';
import { MessageNotSent } from './types.js';
import { SmtpMailer } from './smtp-mail.js';

/** The SMTP carrier against a real SMTP server on loopback (smtp-server), with authentication. */

const received: { from: string; to: string[]; raw: string }[] = [];
let server: SMTPServer;
let port: number;

before(async () => {
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'panjareh' && auth.password === 'relay-secret') cb(null, { user: 'panjareh' });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.server.address() as AddressInfo).port;
});
after(() => new Promise<void>((r) => server.close(r)));

const config = (over: Partial<ConstructorParameters<typeof SmtpMailer>[0]> = {}) => ({ host: '127.0.0.1', port, implicitTls: false, username: 'panjareh', password: 'relay-secret', from: 'Panjareh <noreply@panjareh.example>', timeoutMs: 2000, ...over });

test('an e-mail reaches the relay: sender, recipient, subject by purpose, UTF-8 body', async () => {
  const mailer = new SmtpMailer(config());
  try {
    const { id } = await mailer.send({ channel: 'email', to: 'citizen@example.ir', purpose: 'sign-in', body: 'Panjareh sign-in code: 123456\nکد ورود شما ۱۲۳۴۵۶' });
    assert.ok(id.length > 0);
  } finally {
    mailer.close();
  }
  const m = received.at(-1)!;
  assert.equal(m.from, 'noreply@panjareh.example');
  assert.deepEqual(m.to, ['citizen@example.ir']);
  assert.match(m.raw, /^Subject: =\?UTF-8\?/m, 'the Persian subject is encoded');
  assert.match(m.raw, /X-Panjareh-Purpose: sign-in/);
  assert.match(m.raw, /charset=utf-8/i);
  assert.match(m.raw, /123456/);
});

test('a refused login, a relay that is not there and a wrong channel are MessageNotSent (503), never the body', async () => {
  const wrong = new SmtpMailer(config({ password: 'not-it' }));
  await assert.rejects(wrong.send({ channel: 'email', to: 'a@example.ir', purpose: 'sign-in', body: 'code 999888' }), (e: unknown) => e instanceof MessageNotSent && e.status === 503 && /credentials/.test(e.messages.en) && !e.messages.en.includes('999888'));
  wrong.close();
  const nowhere = new SmtpMailer(config({ port: 1 }));
  await assert.rejects(nowhere.send({ channel: 'email', to: 'a@example.ir', purpose: 'sign-in', body: 'x' }), (e: unknown) => e instanceof MessageNotSent && /could not be reached|did not answer/.test(e.messages.en));
  nowhere.close();
  const mailer = new SmtpMailer(config());
  await assert.rejects(mailer.send({ channel: 'sms', to: '09123456789', purpose: 'sign-in', body: 'x' }), MessageNotSent);
  mailer.close();
});

test('configuration: smtp:// or smtps://, no credentials in the URL, a sender address required', () => {
  const base = { PANJAREH_DATA_DIR: '/tmp/x', PANJAREH_SMTP_URL: 'smtps://mail.example.ir', PANJAREH_MAIL_FROM: 'noreply@example.ir' };
  const c = loadConfig(base).mail!;
  assert.deepEqual([c.host, c.port, c.implicitTls], ['mail.example.ir', 465, true]);
  assert.equal(loadConfig({ ...base, PANJAREH_SMTP_URL: 'smtp://mail.example.ir' }).mail!.port, 587);
  assert.throws(() => loadConfig({ ...base, PANJAREH_SMTP_URL: 'http://mail.example.ir' }), /smtp:\/\/ or smtps:\/\//);
  assert.throws(() => loadConfig({ ...base, PANJAREH_SMTP_URL: 'smtp://u:p@mail.example.ir' }), /must not carry credentials/);
  assert.throws(() => loadConfig({ ...base, PANJAREH_MAIL_FROM: '' }), /PANJAREH_MAIL_FROM/);
  assert.throws(() => loadConfig({ ...base, PANJAREH_SMTP_USER: 'u' }), /PANJAREH_SMTP_PASSWORD/);
  assert.equal(loadConfig({ PANJAREH_DATA_DIR: '/tmp/x' }).mail, undefined);
});
