import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildServer, openPlatform, type Platform } from '../src/app.js';
import { loadConfig } from '../src/platform/config.js';

/**
 * Every test runs on the database the suite was started for: SQLite by default, PostgreSQL when
 * DATABASE_URL is set (each test platform then gets a schema of its own, dropped afterwards).
 */
export const DATABASE_URL = process.env.DATABASE_URL;
export const dialectUnderTest = DATABASE_URL ? 'postgres' : 'sqlite';

export interface TestPlatform extends Platform {
  app?: FastifyInstance;
  url?: string;
  dispose(): Promise<void>;
}

export interface Shared {
  dataDir: string;
  pgSchema?: string;
}

/** A fresh, empty database location (a temp directory, and for PostgreSQL a new schema). */
export async function freshDatabase(): Promise<Shared & { drop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-test-'));
  if (!DATABASE_URL) return { dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  const pgSchema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`create schema ${pgSchema}`);
  await client.end();
  return {
    dataDir,
    pgSchema,
    async drop() {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${pgSchema} cascade`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A port free right now (the server takes it a moment later), so PUBLIC_URL, the OpenID issuer, can name it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

type PlatformOptions = {
  shared?: Shared & { drop?: () => Promise<void> };
  listen?: boolean;
  env?: Record<string, string>;
  /** The host PUBLIC_URL names (default 127.0.0.1; WebAuthn needs a name such as localhost). */
  publicHost?: string;
};

/**
 * Opens a platform on `shared` (or on a fresh database); with `listen`, also starts the real HTTP server.
 * Its PUBLIC_URL must name its port before the platform opens, so the port is picked free first and
 * bound only once the platform is open, seconds later on a busy machine: another process can take it
 * meanwhile. The server then fails with EADDRINUSE and the platform is opened again on another port.
 */
export async function testPlatform(opts: PlatformOptions = {}): Promise<TestPlatform> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openTestPlatform(opts);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EADDRINUSE' || opts.env?.PORT || attempt === 5) throw e;
    }
  }
}

async function openTestPlatform(opts: PlatformOptions): Promise<TestPlatform> {
  const shared = opts.shared ?? (await freshDatabase());
  const ownsDb = !opts.shared;
  const port = opts.env?.PORT ? Number(opts.env.PORT) : opts.listen ? await freePort() : 0;
  const publicUrl = opts.listen ? { PUBLIC_URL: `http://${opts.publicHost ?? '127.0.0.1'}:${port}` } : {};
  const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: shared.dataDir, LOG_LEVEL: 'silent', PANJAREH_INDEX_SYNC_MS: '100', PANJAREH_LOGIN_RATE: '1000', ...publicUrl, ...opts.env }, { port, host: '127.0.0.1' });
  const platform = await openPlatform(config, { pgSchema: shared.pgSchema });
  await platform.catalog.read.rebuild();
  const tp: TestPlatform = {
    ...platform,
    async dispose() {
      if (tp.app) await tp.app.close();
      await platform.close();
      if (ownsDb) await (shared as { drop?: () => Promise<void> }).drop?.();
    },
  };
  if (opts.listen) {
    tp.app = await buildServer(platform);
    platform.catalog.read.startFollowing(config.indexSyncMs, () => undefined);
    try {
      await tp.app.listen({ port, host: '127.0.0.1' });
    } catch (e) {
      await tp.dispose();
      throw e;
    }
    const addr = tp.app.server.address();
    tp.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }
  return tp;
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
