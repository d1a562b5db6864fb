import type { Kysely } from 'kysely';
import { exportCatalog, exportCatalogJsonLd } from './export.js';
import { importCatalog, type ImportOptions } from './import.js';
import { CatalogReadModel } from './read-model.js';
import type { CatalogDb } from './store.js';
import { Workflow } from './workflow.js';

export { catalogMigrations } from './migrations.js';
export { ImportRejected, formatImportErrors, readCatalogFile, MAX_IMPORT_BYTES } from './import.js';
export type { Actor, StaffRole } from './workflow.js';
export type { ServiceData, Localized, Organization, Term, ThematicWindow, Channel, ChannelType } from './model.js';
export type { SearchParams, SearchResult, ServiceSummary } from './read-model.js';
export { catalogRoutes } from './routes.js';

/** The catalogue capability: what other capabilities, the web layer and the CLI may use. */
export class Catalog {
  readonly db: CatalogDb;
  readonly read: CatalogReadModel;
  readonly workflow: Workflow;

  constructor(db: Kysely<any>) {
    this.db = db as CatalogDb;
    this.read = new CatalogReadModel(this.db);
    // A local publish is applied at once; other nodes pick it up from the change feed.
    this.workflow = new Workflow(this.db, () => this.read.sync());
  }

  async import(parsed: unknown, opts: ImportOptions) {
    const out = await importCatalog(this.db, parsed, opts);
    await this.read.sync();
    return out.result;
  }

  export() {
    return exportCatalog(this.db);
  }

  exportJsonLd(baseUrl: string) {
    return exportCatalogJsonLd(this.db, baseUrl);
  }
}
