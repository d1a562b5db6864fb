import nodemailer, { type Transporter } from 'nodemailer';
import { MessageNotSent } from './types.js';
import type { OutboundMessage } from './types.js';

export interface MailConfig {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, port 465); otherwise STARTTLS, required unless the server is on this machine. */
  implicitTls: boolean;
  username?: string;
  password?: string;
  /** The platform's sender address (PANJAREH_MAIL_FROM). */
  from: string;
  /** Connecting, the greeting and each command must each finish within this. */
  timeoutMs: number;
}

/** Subjects by purpose; a message may bring its own. */
const SUBJECTS: Record<string, string> = {
  'sign-in': 'پنجره: کد ورود / Panjareh sign-in code',
};

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * E-mail through an SMTP relay (nodemailer, a pooled connection). Like the SMS gateway, a failure is
 * a MessageNotSent (503) that names the cause but never the body, and the relay's answers (which may
 * echo the message) are not logged.
 */
export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(private readonly c: MailConfig) {
    this.transport = nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.implicitTls,
      // Credentials and one-time codes never cross the network in the clear, except to a relay on this machine.
      requireTLS: !c.implicitTls && !isLoopback(c.host),
      auth: c.username !== undefined ? { user: c.username, pass: c.password ?? '' } : undefined,
      pool: true,
      maxConnections: 2,
      connectionTimeout: c.timeoutMs,
      greetingTimeout: c.timeoutMs,
      socketTimeout: c.timeoutMs,
      logger: false,
    });
  }

  async send(m: OutboundMessage): Promise<{ id: string }> {
    if (m.channel !== 'email') throw new MessageNotSent(`the mail relay cannot send ${m.channel}`);
    try {
      const info = await this.transport.sendMail({
        from: this.c.from,
        to: m.to,
        subject: m.subject ?? SUBJECTS[m.purpose] ?? 'پنجره / Panjareh',
        text: m.body,
        headers: { 'X-Panjareh-Purpose': m.purpose },
      });
      return { id: info.messageId };
    } catch (e) {
      const err = e as { code?: string; responseCode?: number };
      if (err.code === 'ETIMEDOUT' || err.code === 'ECONNECTION' && /timeout/i.test(String((e as Error).message))) {
        throw new MessageNotSent(`the mail relay did not answer within ${this.c.timeoutMs} ms`);
      }
      if (err.code === 'EAUTH') throw new MessageNotSent('the mail relay refused the platform\'s credentials', err.responseCode);
      if (err.responseCode) throw new MessageNotSent(`the mail relay refused the message (SMTP ${err.responseCode})`, err.responseCode);
      throw new MessageNotSent(`the mail relay could not be reached (${err.code ?? 'error'})`);
    }
  }

  close(): void {
    this.transport.close();
  }
}
