import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { DevOutbox } from './dev-outbox.js';
import { HttpSmsGateway } from './http-sms.js';
import { SmtpMailer } from './smtp-mail.js';
import { MessageNotSent, type OutboundMessage, type OutboundMessages } from './types.js';

export { MessageNotSent, type OutboundMessage, type OutboundMessages } from './types.js';
export { DevOutbox, devOutboxRoutes, outboxMigration, KEEP as OUTBOX_KEEP, KEEP_MS as OUTBOX_KEEP_MS } from './dev-outbox.js';
export { HttpSmsGateway, type SmsGatewayConfig } from './http-sms.js';
export { SmtpMailer, type MailConfig } from './smtp-mail.js';

/**
 * Text messages and e-mail leave the platform through one interface. With an SMS gateway configured
 * (PANJAREH_SMS_URL) texts go to it; in demo mode without one they land in the development outbox,
 * readable at /dev/outbox. Outside demo mode with no gateway a send fails loudly (MessageNotSent, 503):
 * codes are never silently dropped. E-mail goes to an SMTP relay (PANJAREH_SMTP_URL) the same way.
 *
 * A missing gateway is an error at send time rather than at start, because most processes never send
 * (the command line, portal-only and gateway-only nodes); `messagingWarning` names the gap at start.
 */
export function createOutboundMessages(config: Pick<Config, 'demo' | 'sms'> & Partial<Pick<Config, 'mail'>>, db: Kysely<any>): OutboundMessages & { close(): void } {
  const outbox = config.demo ? new DevOutbox(db) : undefined;
  const sms = config.sms ? new HttpSmsGateway(config.sms) : undefined;
  const mail = config.mail ? new SmtpMailer(config.mail) : undefined;
  return {
    async send(m: OutboundMessage) {
      if (m.channel === 'sms' && sms) return sms.send(m);
      if (m.channel === 'email' && mail) return mail.send(m);
      if (outbox) return outbox.send(m);
      throw new MessageNotSent(m.channel === 'sms' ? 'no SMS gateway is configured (set PANJAREH_SMS_URL)' : 'no mail relay is configured (set PANJAREH_SMTP_URL)');
    },
    close: () => mail?.close(),
  };
}

/** What a node that signs people in should say at start when its texts have nowhere to go; undefined when they do. */
export function messagingWarning(config: Pick<Config, 'demo' | 'sms' | 'roles'>): string | undefined {
  if (config.demo || config.sms || !config.roles.includes('idp')) return undefined;
  return 'PANJAREH_SMS_URL is not set and demo mode is off: sign-in codes cannot be sent, so no one can sign in by text message';
}
