import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { MessageNotSent } from './types.js';
import type { OutboundMessage } from './types.js';

export interface SmsGatewayConfig {
  url: string;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  /** HTTP basic credentials, for gateways that take a user and password instead of a token. */
  username?: string;
  password?: string;
  /** The sender number or name the operator assigned to the platform. */
  from?: string;
  /** The whole exchange (connect, headers, body) must finish within this. */
  timeoutMs: number;
}

/**
 * A plain HTTP SMS gateway: POST {to, from, text} as JSON. Operators' gateways differ in field names;
 * this is the common shape, and an adapter per provider can sit in front of it. Bodies are never
 * logged nor put in errors (they hold one-time codes), and neither is what the gateway answers, which
 * may echo them.
 */
export class HttpSmsGateway {
  constructor(private readonly c: SmsGatewayConfig) {}

  private authorization(): string | undefined {
    if (this.c.token) return `Bearer ${this.c.token}`;
    if (this.c.username !== undefined) return `Basic ${Buffer.from(`${this.c.username}:${this.c.password ?? ''}`).toString('base64')}`;
    return undefined;
  }

  async send(m: OutboundMessage): Promise<{ id: string }> {
    if (m.channel !== 'sms') throw new MessageNotSent(`the SMS gateway cannot send ${m.channel}`);
    const id = randomUUID();
    const auth = this.authorization();
    let status: number;
    try {
      const res = await request(this.c.url, {
        method: 'POST',
        // The key lets a gateway that supports it drop a retried duplicate.
        headers: { 'content-type': 'application/json', 'idempotency-key': id, ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ to: m.to, from: this.c.from, text: m.body }),
        signal: AbortSignal.timeout(this.c.timeoutMs),
        headersTimeout: this.c.timeoutMs,
        bodyTimeout: this.c.timeoutMs,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (e) {
      const err = e as { name?: string; code?: string };
      if (err.name === 'TimeoutError' || err.name === 'AbortError' || /TIMEOUT/.test(err.code ?? '')) {
        throw new MessageNotSent(`the SMS gateway did not answer within ${this.c.timeoutMs} ms`);
      }
      throw new MessageNotSent(`the SMS gateway could not be reached (${err.code ?? err.name ?? 'error'})`);
    }
    if (status < 200 || status >= 300) throw new MessageNotSent(`the SMS gateway answered HTTP ${status}`, status);
    return { id };
  }
}
