import type { ChildProcess } from 'node:child_process';

/**
 * Load for the kill -9 tests: `clients` concurrent loops call `call` until the child process dies,
 * and the child gets SIGKILL once `killAfter` calls were acknowledged (or, with `killAfterMs`, once that
 * long has passed since the first acknowledged call and at least `clients` were acknowledged, whichever
 * comes first: a slow machine then spends only so long under load, yet every client got through). `call` returns the id of an acknowledged call, or null for a
 * refusal; a call that throws (the process gone) counts as failed.
 */
export async function loadUntilKilled(child: ChildProcess, o: { clients: number; killAfter: number; killAfterMs?: number; call: () => Promise<string | null> }): Promise<{ ok: string[]; failed: number }> {
  const ok: string[] = [];
  let failed = 0;
  let killed = false;
  let firstAt = Infinity;
  const exited = new Promise((r) => child.once('exit', r));
  const client = async () => {
    while (!killed || child.exitCode === null) {
      try {
        const id = await o.call();
        if (id === null) failed++;
        else {
          ok.push(id);
          firstAt = Math.min(firstAt, performance.now());
        }
      } catch {
        failed++;
        if (killed) return;
      }
      if (!killed && (ok.length >= o.killAfter || (ok.length >= o.clients && performance.now() - firstAt >= (o.killAfterMs ?? Infinity)))) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  await exited;
  return { ok, failed };
}
