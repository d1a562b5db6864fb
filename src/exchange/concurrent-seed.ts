import { AppError } from '../platform/errors.js';

/**
 * Registrations that several nodes make at once when they start on one database (the demo agencies,
 * the portal's consumer, the platform's own data services): each must end done whichever node won.
 */

/** Runs one registration; false when another node registered the same thing first, which counts as done. */
export async function unlessTaken(register: () => Promise<unknown>): Promise<boolean> {
  try {
    await register();
    return true;
  } catch (e) {
    if (e instanceof AppError && e.status === 409) return false;
    if (!(e instanceof AppError) && /unique|duplicate/i.test(String((e as Error)?.message ?? ''))) return false;
    throw e;
  }
}

/** A failure another node's start at the same moment caused: a conflict, a lock, a serialisation failure. */
export const isStartRace = (e: unknown): boolean =>
  (e instanceof AppError && e.status === 409) || /unique|duplicate|SQLITE_BUSY|database is locked|could not serialize|deadlock/i.test(String((e as Error)?.message ?? ''));

/** Runs an idempotent registration again when a concurrent start made it fail, at most three times. */
export async function retryStartRaces<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if (attempt >= 3 || !isStartRace(e)) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}
