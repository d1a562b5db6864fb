import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { parseMobile } from '../national-code.js';
import type { OutboundMessage } from './types.js';

/**
 * The development outbox: in demo mode, messages are kept in the database (the newest 1,000, a day at most) so the
 * demo can be walked through without a phone, and read at GET /dev/outbox?to=09… Outside demo mode
 * neither the outbox nor its route exists.
 */

interface OutboxTables {
  dev_outbox: { id: string; channel: string; to: string; body: string; purpose: string; created_at: string };
}

/** The outbox keeps the newest KEEP messages and none older than KEEP_MS. */
export const KEEP = 1000;
export const KEEP_MS = 24 * 3_600_000;
/** Pruning runs on the first send of a process and then every PRUNE_EVERY sends (a delete per send would be waste). */
const PRUNE_EVERY = 50;

export class DevOutbox {
  private readonly db: Kysely<OutboxTables>;
  private sent = 0;
  private lastAt = 0;

  constructor(db: Kysely<any>) {
    this.db = db as Kysely<OutboxTables>;
  }

  async send(m: OutboundMessage): Promise<{ id: string }> {
    const id = randomUUID();
    const to = m.channel === 'sms' ? (parseMobile(m.to) ?? m.to) : m.to.trim().toLowerCase();
    // Strictly increasing within a process, so two messages in one millisecond still list newest first.
    this.lastAt = Math.max(Date.now(), this.lastAt + 1);
    await this.db.insertInto('dev_outbox').values({ id, channel: m.channel, to, body: m.body, purpose: m.purpose, created_at: new Date(this.lastAt).toISOString() }).execute();
    if (this.sent++ % PRUNE_EVERY === 0) await this.prune();
    return { id };
  }

  /** Drops messages older than a day and all but the newest KEEP. */
  async prune(now = Date.now()): Promise<void> {
    await this.db.deleteFrom('dev_outbox').where('created_at', '<', new Date(now - KEEP_MS).toISOString()).execute();
    const cutoff = await this.db.selectFrom('dev_outbox').select('created_at').orderBy('created_at', 'desc').offset(KEEP).limit(1).executeTakeFirst();
    if (cutoff) await this.db.deleteFrom('dev_outbox').where('created_at', '<=', cutoff.created_at).execute();
  }

  async list(to: string, limit = 20) {
    return this.db.selectFrom('dev_outbox').select(['id', 'channel', 'to', 'body', 'purpose', 'created_at']).where('to', '=', to).orderBy('created_at', 'desc').limit(limit).execute();
  }
}

export async function devOutboxRoutes(app: FastifyInstance, opts: { outbox: DevOutbox }) {
  app.get<{ Querystring: { to?: string } }>(
    '/dev/outbox',
    { schema: { hide: true, querystring: { type: 'object', required: ['to'], properties: { to: { type: 'string', minLength: 3, maxLength: 200 } } } } as never },
    async (req) => {
      const raw = req.query.to ?? '';
      const to = raw.includes('@') ? raw.trim().toLowerCase() : parseMobile(raw);
      if (!to) throw invalid('invalid_mobile', 'شماره همراه یا نشانی رایانامه معتبر نیست.', 'Give a mobile number (09…) or an e-mail address.');
      const rows = await opts.outbox.list(to);
      return { to, messages: rows.map((r) => ({ id: r.id, channel: r.channel, to: r.to, body: r.body, purpose: r.purpose, sentAt: r.created_at })) };
    },
  );
}

export const outboxMigration = {
  name: '20261123-30-platform-dev-outbox',
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('dev_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('to', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('dev_outbox_to').on('dev_outbox').columns(['to', 'created_at']).execute();
  },
};
