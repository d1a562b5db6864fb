import { AppError } from '../errors.js';

export interface OutboundMessage {
  channel: 'sms' | 'email';
  to: string;
  body: string;
  /** E-mail only; otherwise a subject chosen by purpose. */
  subject?: string;
  /** Why it is sent (sign-in, notice, …): kept with the message, never its body in logs. */
  purpose: string;
}

export interface OutboundMessages {
  send(m: OutboundMessage): Promise<{ id: string }>;
}

/**
 * A message that could not be handed to its carrier. A 503, not a 500: the platform is working, its
 * carrier is not. The English message names the cause (the gateway's HTTP status, a timeout, no
 * gateway configured) and never the message's body.
 */
export class MessageNotSent extends AppError {
  constructor(
    cause: string,
    /** The gateway's HTTP status (or the mail relay's SMTP code), when it answered. */
    readonly gatewayStatus?: number,
  ) {
    super(503, 'message_not_sent', { fa: 'فرستادن پیام ممکن نشد؛ کمی بعد دوباره تلاش کنید.', en: `The message could not be sent: ${cause}.` });
    this.name = 'MessageNotSent';
  }
}
