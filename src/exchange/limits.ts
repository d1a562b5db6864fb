import type { Redis } from 'ioredis';

/**
 * Rate limit and daily quota per contract. The rate is counted in fixed one-second windows (at most
 * N calls within each second of the clock); the quota per day, the day ending at midnight Tehran
 * time (UTC+03:30, no daylight saving since 2022). A call refused by the rate limit does not use
 * quota; a call refused by the quota is not counted in it.
 *
 * One node counts in memory. With Redis, every node counts in the same keys (one round trip per call,
 * pipelined by ioredis); if Redis fails, the node falls back to counting alone rather than refusing
 * every call, and says so in its log.
 */

export type Verdict = 'ok' | 'rate' | 'quota';

export interface Limiter {
  take(contractId: number, ratePerSecond: number, dailyQuota: number | null, now: number): Verdict | Promise<Verdict>;
  close(): Promise<void>;
}

const TEHRAN_OFFSET_MS = 3.5 * 3_600_000;
const DAY_MS = 86_400_000;

/** The quota day of `now` (days since the epoch, Tehran time). */
export const quotaDay = (now: number): number => Math.floor((now + TEHRAN_OFFSET_MS) / DAY_MS);

/** Seconds until the quota day of `now` ends. */
export const secondsToNextDay = (now: number): number => Math.max(1, Math.ceil(((quotaDay(now) + 1) * DAY_MS - TEHRAN_OFFSET_MS - now) / 1000));

interface Counter {
  second: number;
  inSecond: number;
  day: number;
  inDay: number;
}

export class MemoryLimiter implements Limiter {
  private readonly counters = new Map<number, Counter>();

  take(contractId: number, ratePerSecond: number, dailyQuota: number | null, now: number): Verdict {
    const second = Math.floor(now / 1000);
    const day = quotaDay(now);
    let c = this.counters.get(contractId);
    if (!c) {
      c = { second, inSecond: 0, day, inDay: 0 };
      this.counters.set(contractId, c);
    }
    if (c.second !== second) {
      c.second = second;
      c.inSecond = 0;
    }
    if (c.day !== day) {
      c.day = day;
      c.inDay = 0;
    }
    if (c.inSecond >= ratePerSecond) return 'rate';
    c.inSecond++;
    if (dailyQuota !== null && c.inDay >= dailyQuota) return 'quota';
    c.inDay++;
    return 'ok';
  }

  async close(): Promise<void> {}
}

// KEYS[1] the second's counter, KEYS[2] the day's counter; ARGV rate, quota (-1: none).
const LUA = `
local r = redis.call('INCR', KEYS[1])
if r == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
if r > tonumber(ARGV[1]) then return 1 end
local q = tonumber(ARGV[2])
if q < 0 then return 0 end
local d = redis.call('INCR', KEYS[2])
if d == 1 then redis.call('EXPIRE', KEYS[2], 93600) end
if d > q then redis.call('DECR', KEYS[2]) return 2 end
return 0`;

type WithLimit = Redis & { pjxTake(k1: string, k2: string, rate: number, quota: number): Promise<number> };

export class RedisLimiter implements Limiter {
  private readonly redis: WithLimit;
  private readonly fallback = new MemoryLimiter();
  private warnedAt = 0;

  /** `namespace` keeps deployments (and test databases) sharing one Redis apart. */
  constructor(
    redis: Redis,
    private readonly namespace: string,
    private readonly warn: (msg: string, err: unknown) => void,
  ) {
    redis.defineCommand('pjxTake', { numberOfKeys: 2, lua: LUA });
    this.redis = redis as WithLimit;
  }

  async take(contractId: number, ratePerSecond: number, dailyQuota: number | null, now: number): Promise<Verdict> {
    const base = `pjx:${this.namespace}:${contractId}`;
    try {
      const r = await this.redis.pjxTake(`${base}:s:${Math.floor(now / 1000)}`, `${base}:d:${quotaDay(now)}`, ratePerSecond, dailyQuota ?? -1);
      return r === 0 ? 'ok' : r === 1 ? 'rate' : 'quota';
    } catch (e) {
      if (now - this.warnedAt > 60_000) {
        this.warnedAt = now;
        this.warn('exchange rate limits: Redis is unreachable; this node counts alone until it is back', e);
      }
      return this.fallback.take(contractId, ratePerSecond, dailyQuota, now);
    }
  }

  async close(): Promise<void> {
    // QUIT cannot be sent while Redis is unreachable (no offline queue): then drop the connection, or
    // its reconnection timer would keep the process alive for ever.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
