import type { ChildProcess } from 'node:child_process';

/**
 * Load for the kill -9 tests: `clients` concurrent loops call `call` until the child process dies,
 * and the child gets SIGKILL once `killAfter` calls were acknowledged. `call` returns the id of an
 * acknowledged call, or null for a refusal; a call that throws (the process gone) counts as failed.
 */
export async function loadUntilKilled(child: ChildProcess, o: { clients: number; killAfter: number; call: () => Promise<string | null> }): Promise<{ ok: string[]; failed: number }> {
  const ok: string[] = [];
  let failed = 0;
  let killed = false;
  const exited = new Promise((r) => child.once('exit', r));
  const client = async () => {
    while (!killed || child.exitCode === null) {
      try {
        const id = await o.call();
        if (id === null) failed++;
        else ok.push(id);
      } catch {
        failed++;
        if (killed) return;
      }
      if (!killed && ok.length >= o.killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  await exited;
  return { ok, failed };
}
