import type { Kysely } from 'kysely';
import { AppError, invalid } from './errors.js';
import type { PortableMigration } from './migrations.js';

/**
 * The platform's "now". Deadlines, jobs and anything else that compares with the current time ask a
 * Clock instead of `new Date()`, so tests can hold time still (ManualClock) and the demo can move it
 * forward to show a deadline passing (DatabaseClock).
 */
export interface Clock {
  now(): Date;
  /** `now()` as an ISO 8601 UTC string (`toISOString`), the form timestamps are stored in. */
  nowIso(): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowIso: () => new Date().toISOString(),
};

/** A clock that moves only when told: for tests. */
export class ManualClock implements Clock {
  private ms: number;

  constructor(start: Date | string | number = '2026-12-07T08:00:00.000Z') {
    this.ms = new Date(start).getTime();
    if (Number.isNaN(this.ms)) throw new TypeError(`ManualClock: not a time: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.ms);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  set(t: Date | string | number): void {
    const ms = new Date(t).getTime();
    if (Number.isNaN(ms)) throw new TypeError(`ManualClock: not a time: ${String(t)}`);
    this.ms = ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface ClockTables {
  /** One row (`id = 'platform'`): how far the demo platform's time runs ahead of the real time. */
  platform_clock: { id: string; offset_ms: number; changed_at: string; changed_by: string | null };
}

export const clockMigrations: PortableMigration[] = [
  {
    name: '20261207-22-platform-clock',
    async up(db) {
      await db.schema
        .createTable('platform_clock')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Milliseconds: a month ahead is 2.6e9, past a 32-bit integer.
        .addColumn('offset_ms', 'bigint', (c) => c.notNull())
        .addColumn('changed_at', 'text', (c) => c.notNull())
        .addColumn('changed_by', 'text')
        .execute();
    },
  },
];

const ROW = 'platform';

export interface DatabaseClockOptions {
  /** Whether this platform's time may be moved: true only in demo mode (the caller decides). */
  allowed: boolean;
  /** How long a node trusts the offset it last read (default 3 s): another node's change reaches it within this. */
  cacheMs?: number;
  /** The real time underneath (default the system clock). */
  base?: Clock;
  log?: (msg: string, detail: Record<string, unknown>) => void;
}

/**
 * The real time plus an offset kept in the database, so every node of a demo platform moves together.
 * `now()` is synchronous (it is called everywhere), so it answers from the offset last read and, once
 * that is older than `cacheMs`, re-reads it in the background; `refresh()` reads it at once (call it
 * when the node starts). On a platform that is not a demo (`allowed: false`) the offset is never read
 * and cannot be set: the time is the real time.
 */
export class DatabaseClock implements Clock {
  private offset = 0;
  private readAt = -Infinity;
  private reading: Promise<number> | null = null;
  private readonly cacheMs: number;
  private readonly base: Clock;

  constructor(
    private readonly db: Kysely<any>,
    private readonly opts: DatabaseClockOptions,
  ) {
    this.cacheMs = opts.cacheMs ?? 3000;
    this.base = opts.base ?? systemClock;
  }

  now(): Date {
    if (this.opts.allowed && performance.now() - this.readAt > this.cacheMs) {
      this.refresh().catch((e: unknown) => this.opts.log?.('clock offset not read; the last one is used', { error: String(e) }));
    }
    return new Date(this.base.now().getTime() + this.offset);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  /** The offset in force, as this node last read it (ms ahead of the real time). */
  get offsetMs(): number {
    return this.offset;
  }

  /** Reads the offset from the database now (one read at a time however many callers ask). */
  async refresh(): Promise<number> {
    if (!this.opts.allowed) return 0;
    if (!this.reading) {
      this.reading = (async () => {
        try {
          const row = await this.db.selectFrom('platform_clock').select('offset_ms').where('id', '=', ROW).executeTakeFirst();
          this.offset = Number(row?.offset_ms ?? 0);
          this.readAt = performance.now();
          return this.offset;
        } finally {
          this.reading = null;
        }
      })();
    }
    return this.reading;
  }

  /** Moves the platform's time forward by `ms` (for every node, within `cacheMs`). Returns the new offset. */
  async advance(ms: number, by?: string): Promise<number> {
    this.mayMove();
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw invalid('clock_advance', 'زمان را فقط می‌توان به جلو برد (عددی مثبت از میلی‌ثانیه).', 'The time can only be moved forward (a positive whole number of milliseconds).');
    }
    // One statement, so two operators moving the time at once add up instead of one overwriting the other.
    const at = this.base.nowIso();
    const row = await this.db
      .insertInto('platform_clock')
      .values({ id: ROW, offset_ms: ms, changed_at: at, changed_by: by ?? null })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({ offset_ms: eb(eb.ref('platform_clock.offset_ms'), '+', ms), changed_at: at, changed_by: by ?? null })),
      )
      .returning('offset_ms')
      .executeTakeFirstOrThrow();
    this.offset = Number(row.offset_ms);
    this.readAt = performance.now();
    return this.offset;
  }

  /** Back to the real time. */
  async reset(by?: string): Promise<void> {
    this.mayMove();
    const at = this.base.nowIso();
    await this.db
      .insertInto('platform_clock')
      .values({ id: ROW, offset_ms: 0, changed_at: at, changed_by: by ?? null })
      .onConflict((oc) => oc.column('id').doUpdateSet({ offset_ms: 0, changed_at: at, changed_by: by ?? null }))
      .execute();
    this.offset = 0;
    this.readAt = performance.now();
  }

  private mayMove(): void {
    if (!this.opts.allowed) {
      throw new AppError(403, 'clock_demo_only', { fa: 'زمان سامانه فقط در حالت نمایشی جابه‌جا می‌شود.', en: "The platform's time can be moved only in demo mode." });
    }
  }
}
