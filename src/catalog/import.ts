import fs from 'node:fs/promises';
import path from 'node:path';
import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import type { CatalogFile, ServiceData } from './model.js';
import * as store from './store.js';
import type { CatalogDb } from './store.js';
import type { DeliveryChecks } from './delivery-checks.js';
import { completeOrganization, completeService, completeTerm, completeWindow, slugify, validateCatalogFile, type RecordError } from './validate.js';

/** Larger files are refused before they are read, so an import cannot exhaust memory. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

export class ImportRejected extends Error {
  constructor(
    readonly file: string,
    readonly errors: RecordError[],
  ) {
    super(`${file}: ${errors.length} problem(s); nothing was imported`);
    this.name = 'ImportRejected';
  }
}

const fileError = (file: string, reason: string) => new ImportRejected(file, [{ section: 'file', index: null, code: null, field: '(file)', reason }]);

/** Reads and parses an import file, turning every way it can be unreadable into one clear message. */
export async function readCatalogFile(file: string, maxBytes = MAX_IMPORT_BYTES): Promise<unknown> {
  const name = path.basename(file);
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw fileError(name, `cannot read ${file}: no such file`);
  }
  if (!stat.isFile()) throw fileError(name, `${file} is not a regular file`);
  if (stat.size > maxBytes) throw fileError(name, `the file is ${Math.round(stat.size / 1048576)} MB; the limit is ${Math.round(maxBytes / 1048576)} MB — split it into several imports`);
  const text = await fs.readFile(file, 'utf8');
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw fileError(name, `not valid JSON: ${(e as Error).message}`);
  }
}

export interface ImportResult {
  created: number;
  updated: number;
  unchanged: number;
  referenceChanged: number;
}

export interface ImportOptions {
  actor: string;
  file?: string;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Imports a whole catalogue file in one transaction: everything is validated first and a file with any
 * bad record imports nothing. Imported services are published at once (an import is the authority's
 * own act). Idempotent by code: a record equal to the live one is left alone.
 */
export async function importCatalog(
  db: CatalogDb,
  parsed: unknown,
  opts: ImportOptions,
  /** The pages of this platform a `platform` channel may name (PlatformPaths.known()). */
  platformPaths: Set<string>,
  deliveries?: DeliveryChecks,
): Promise<{ result: ImportResult; changedServices: string[]; referenceChanged: boolean }> {
  const file = opts.file ?? 'input';
  const errors = validateCatalogFile(parsed, await store.knownCodes(db, platformPaths), deliveries);
  if (errors.length) throw new ImportRejected(file, errors);
  const data = parsed as CatalogFile;
  const result: ImportResult = { created: 0, updated: 0, unchanged: 0, referenceChanged: 0 };
  const changedServices: string[] = [];
  const services = data.services ?? [];

  await db.transaction().execute(async (trx) => {
    for (const o of data.organizations ?? []) if (await store.upsertOrganization(trx, completeOrganization(o))) result.referenceChanged++;
    for (const t of data.topics ?? []) if (await store.upsertTerm(trx, 'topics', completeTerm(t))) result.referenceChanged++;
    for (const t of data.lifeEvents ?? []) if (await store.upsertTerm(trx, 'life_events', completeTerm(t))) result.referenceChanged++;
    for (const w of data.windows ?? []) if (await store.upsertWindow(trx, completeWindow(w))) result.referenceChanged++;
    if (result.referenceChanged) await store.recordChange(trx, 'reference', '*');

    let done = 0;
    for (const input of services) {
      const row = await store.serviceRow(trx, input.code);
      const slug = input.slug ?? row?.slug ?? (await derivedSlug(trx, slugify(input.title!.en), input.code));
      const service: ServiceData = completeService(input, slug);
      const json = JSON.stringify(service);
      if (row?.data === json) {
        result.unchanged++;
      } else {
        if (!row) await store.insertServiceRow(trx, service.code, slug, service.organization);
        const latest = row ? await store.latestVersion(trx, service.code) : undefined;
        const version = (latest?.version ?? 0) + 1;
        if (row) await trx.updateTable('service_versions').set({ status: 'superseded' }).where('service_code', '=', service.code).where('status', '=', 'approved').execute();
        await trx
          .insertInto('service_versions')
          .values({ service_code: service.code, version, status: 'approved', data: json, author: opts.actor, created_at: nowIso(), updated_at: nowIso(), reviewer: opts.actor, reviewed_at: nowIso(), reason: null })
          .execute();
        await store.makeLive(trx, service, version);
        await store.recordEvent(trx, service.code, version, 'import', opts.actor);
        await store.recordChange(trx, 'service', service.code);
        changedServices.push(service.code);
        if (row) result.updated++;
        else result.created++;
      }
      opts.onProgress?.(++done, services.length);
    }
    await writeAudit(trx, { actor: opts.actor, action: 'catalog.import', subject: `file:${file}`, detail: { ...result } });
  });
  return { result, changedServices, referenceChanged: result.referenceChanged > 0 };
}

async function derivedSlug(trx: CatalogDb, wanted: string, code: string): Promise<string> {
  const owner = await store.serviceBySlug(trx, wanted);
  return !owner || owner.code === code ? wanted : `${wanted}-${code.toLowerCase()}`;
}

/** One line per problem, as the command line prints them: file, record, field, reason. */
export function formatImportErrors(e: ImportRejected): string {
  return e.errors
    .map((r) => `${e.file}: ${r.section === 'file' ? '' : `${r.section}[${r.index}]${r.code ? ` (${r.code})` : ''} `}${r.field}: ${r.reason}`)
    .join('\n');
}
