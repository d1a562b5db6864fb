import type { Kysely } from 'kysely';
import { exportCatalog, exportCatalogJsonLd } from './export.js';
import { importCatalog, type ImportOptions } from './import.js';
import { PlatformPaths } from './platform-paths.js';
import { DeliveryChecks } from './delivery-checks.js';
import { CatalogReadModel } from './read-model.js';
import type { CatalogDb } from './store.js';
import type { ServiceData } from './model.js';
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
export { DeliveryChecks, applyPath, type DeliveryCheck, type DeliveryContext, type DeliveryProblem } from './delivery-checks.js';
export type { ServiceDelivery } from './model.js';
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
  /** The check of online-delivery definitions, registered by the capability that delivers services. */
  readonly deliveries = new DeliveryChecks();

  constructor(db: Kysely<any>) {
    this.db = db as CatalogDb;
    this.read = new CatalogReadModel(this.db);
    // A local publish is applied at once; other nodes pick it up from the change feed.
    this.workflow = new Workflow(this.db, () => this.read.sync(), this.platformPaths, this.deliveries);
  }

  async import(parsed: unknown, opts: ImportOptions) {
    const out = await importCatalog(this.db, parsed, opts, await this.platformPaths.known(), this.deliveries);
    await this.read.sync();
    return out.result;
  }

  /**
   * A service as approved: the live version when `version` is left out, else that version if it was
   * ever approved (an application made under version 3 is handled by version 3's rules, whatever is
   * live now). Reads the database, so every node sees a publish at once.
   */
  async serviceVersion(code: string, version?: number, executor?: Kysely<any>): Promise<{ data: ServiceData; version: number } | null> {
    const db = (executor as CatalogDb | undefined) ?? this.db;
    if (version === undefined) {
      const row = await db.selectFrom('services').select(['data', 'live_version']).where('code', '=', code).where('live_version', 'is not', null).executeTakeFirst();
      return row?.data ? { data: JSON.parse(row.data) as ServiceData, version: row.live_version! } : null;
    }
    const row = await db
      .selectFrom('service_versions')
      .select(['data', 'version'])
      .where('service_code', '=', code)
      .where('version', '=', version)
      .where('status', 'in', ['approved', 'superseded'])
      .executeTakeFirst();
    return row ? { data: JSON.parse(row.data) as ServiceData, version: row.version } : null;
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
