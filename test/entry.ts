import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Node's arguments to run a source file as a process of its own: its bundle when the test runner built
 * one (scripts/test-bundles.mjs sets PANJAREH_TEST_BUNDLES), which starts in half the CPU time, and
 * the source through tsx otherwise (a file run by hand, or PANJAREH_TEST_TSX=1).
 */
export function nodeEntry(file: string): string[] {
  const dir = process.env.PANJAREH_TEST_BUNDLES;
  if (dir) {
    const bundle = path.join(dir, file.replace(/\.ts$/, '.mjs'));
    if (fs.existsSync(bundle)) return ['--enable-source-maps', bundle];
  }
  return ['--import', 'tsx', file];
}

/**
 * Starts `panjareh start --roles ROLES` on a free port as a process of its own and resolves with its
 * port once it says where it listens (an event, not a time limit: on a loaded machine loading the
 * platform alone has taken over 30 s); rejects with its standard error if it exits first.
 */
export async function startNode(roles: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...nodeEntry('src/cli.ts'), 'start', '--roles', roles, '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Open http:\/\/localhost:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code, signal) => reject(new Error(`the ${roles} node exited (${code ?? signal}): ${err}`)));
  });
  return { child, port };
}
