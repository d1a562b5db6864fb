import type { Kysely } from 'kysely';
import { exportCatalog, exportCatalogJsonLd } from './export.js';
import { importCatalog, type ImportOptions } from './import.js';
import { PlatformPaths } from './platform-paths.js';
import { CatalogReadModel } from './read-model.js';
import type { CatalogDb } from './store.js';
import { Workflow } from './workflow.js';

export { catalogMigrations } from './migrations.js';
export { ImportRejected, formatImportErrors, readCatalogFile, MAX_IMPORT_BYTES } from './import.js';
export type { Actor, StaffRole } from './workflow.js';
export type { ServiceData, Localized, Organization, Term, ThematicWindow, Channel, ChannelType } from './model.js';
export { CHANNEL_TYPES } from './model.js';
export type { SearchParams, SearchResult, ServiceSummary } from './read-model.js';
export { catalogRoutes } from './routes.js';
/** The schema check of one service record, for forms that list every problem at once (the console). */
export { validateServiceInput } from './validate.js';
export { PlatformPaths, type PlatformPathSource } from './platform-paths.js';
export { ORG_CODE, MEMBER_ID, PLATFORM_PATH, SERVICE_CODE } from './schemas.js';

/** The catalogue capability: what other capabilities, the web layer and the CLI may use. */
export class Catalog {
  readonly db: CatalogDb;
  readonly read: CatalogReadModel;
  readonly workflow: Workflow;
  /**
   * The pages of this platform that a `platform` channel may lead to. Whoever serves such pages
   * registers them (src/app.ts registers the inquiries); imports and edits naming others are refused.
   */
  readonly platformPaths = new PlatformPaths();

  constructor(db: Kysely<any>) {
    this.db = db as CatalogDb;
    this.read = new CatalogReadModel(this.db);
    // A local publish is applied at once; other nodes pick it up from the change feed.
    this.workflow = new Workflow(this.db, () => this.read.sync(), this.platformPaths);
  }

  async import(parsed: unknown, opts: ImportOptions) {
    const out = await importCatalog(this.db, parsed, opts, await this.platformPaths.known());
    await this.read.sync();
    return out.result;
  }

  /**
   * The code of an organisation as the catalogue writes it, given in any letter case (`police-pass` →
   * `POLICE-PASS`); undefined when there is none. Reads the database, so it works before the read model is built.
   */
  async organizationCode(code: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('organizations')
      .select('code')
      .where((eb) => eb(eb.fn('lower', ['code']), '=', code.toLowerCase()))
      .executeTakeFirst();
    return row?.code;
  }

  export() {
    return exportCatalog(this.db);
  }

  exportJsonLd(baseUrl: string) {
    return exportCatalogJsonLd(this.db, baseUrl);
  }
}
