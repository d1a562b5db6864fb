import type { KeyObject } from 'node:crypto';

/**
 * Public keys by key id for verifying tokens on the hot path. A known id is re-read every
 * `recheckMs`, so a key retired from the store stops verifying; an unknown id is looked up at most
 * once a second, so a flood of tokens with made-up ids costs no database round trips.
 */
export class VerificationKeyCache {
  private readonly keys = new Map<string, { key: KeyObject; at: number }>();
  private lastMiss = 0;

  constructor(
    private readonly lookup: (kid: string) => Promise<KeyObject | undefined>,
    private readonly recheckMs: number,
  ) {}

  async get(kid: string, now: number): Promise<KeyObject | undefined> {
    const hit = this.keys.get(kid);
    if (hit && now - hit.at < this.recheckMs) return hit.key;
    if (!hit) {
      if (now - this.lastMiss < 1000) return undefined;
      this.lastMiss = now;
    }
    const key = await this.lookup(kid);
    if (!key) {
      this.keys.delete(kid);
      return undefined;
    }
    // A handful of keys are live at a time; the bound only matters if ids were somehow minted freely.
    if (this.keys.size > 100) this.keys.clear();
    this.keys.set(kid, { key, at: now });
    return key;
  }
}
