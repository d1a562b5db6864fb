import fs from 'node:fs';
import { PLAIN_NAME } from './tar.js';

/**
 * The first entry of every backup archive, `manifest.json`: what the archive holds and the SHA-256 of
 * each of its other entries, so that a restore checks every byte before it puts anything in place.
 * The hashes catch a damaged or altered copy; they cannot tell who made it (whoever can change the
 * archive can change its manifest too), which is why `panjareh backup` prints the archive's own SHA-256
 * for the operator to keep apart from it (docs/operations.md, Backups).
 */

export const MANIFEST_NAME = 'manifest.json';
/** The SQLite database, the only part today: uploaded files, keys, secrets and both audit logs all live in it. */
export const DATABASE_PART = 'panjareh.sqlite';
const FORMAT = 'panjareh-backup';
const FORMAT_VERSION = 1;
/** A manifest is a few kilobytes; anything far larger is not one. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;

export interface BackupPart {
  name: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof FORMAT;
  formatVersion: typeof FORMAT_VERSION;
  /** The version of Panjareh that took it (package.json). */
  panjareh: string;
  /** When the snapshot was taken. */
  createdAt: string;
  /** Where it was taken: the machine, the node's id (PANJAREH_NODE_ID, when set) and Node.js. */
  node: { hostname: string; nodeId: string | null; nodejs: string };
  database: { dialect: 'sqlite'; part: typeof DATABASE_PART; pageSize: number; pages: number };
  /** The schema migrations applied in the snapshot, in the order they ran. */
  migrations: string[];
  /** Rows per table in the snapshot, for the operator's eye (uploaded files are `stored_files`, keys `signing_keys`). */
  tables: Record<string, number>;
  parts: BackupPart[];
}

export function newManifest(m: Omit<BackupManifest, 'format' | 'formatVersion'>): BackupManifest {
  return { format: FORMAT, formatVersion: FORMAT_VERSION, ...m };
}

/** The version of this Panjareh, as package.json says. */
export function platformVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** The manifest in `text`, checked for what a restore relies on; throws naming what is wrong. */
export function parseManifest(text: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw new Error('its manifest is not JSON: the archive is damaged');
  }
  if (m?.format !== FORMAT) throw new Error('it is not a Panjareh backup (its manifest has no "format": "panjareh-backup")');
  if (m.formatVersion !== FORMAT_VERSION) throw new Error(`its format version is ${String(m.formatVersion)}; this Panjareh reads version ${FORMAT_VERSION}: restore it with the version that wrote it (${String(m.panjareh)}) or a newer one`);
  const parts = Array.isArray(m.parts) ? m.parts : [];
  const wellFormed = (p: BackupPart) => typeof p?.name === 'string' && PLAIN_NAME.test(p.name) && p.name !== MANIFEST_NAME && Number.isSafeInteger(p.bytes) && p.bytes >= 0 && /^[0-9a-f]{64}$/.test(p.sha256 ?? '');
  if (parts.length === 0 || !parts.every(wellFormed)) throw new Error('its manifest does not list its parts with their sizes and SHA-256: the archive is damaged');
  if (new Set(parts.map((p) => p.name)).size !== parts.length) throw new Error('its manifest lists a part twice: the archive is damaged');
  if (m.database?.dialect !== 'sqlite' || !parts.some((p) => p.name === DATABASE_PART)) throw new Error(`its manifest names no SQLite database part (${DATABASE_PART})`);
  if (!Array.isArray(m.migrations) || !m.migrations.every((x) => typeof x === 'string')) throw new Error('its manifest does not list the schema migrations: the archive is damaged');
  return m as BackupManifest;
}
