import { writeAudit } from '../platform/audit.js';
import { nowIso } from '../platform/db.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../platform/errors.js';
import type { ServiceData } from './model.js';
import * as store from './store.js';
import type { CatalogDb } from './store.js';
import type { PlatformPaths } from './platform-paths.js';
import type { DeliveryChecks } from './delivery-checks.js';
import { completeService, platformChannelErrors, slugify, validateServiceInput } from './validate.js';

/**
 * The approval workflow: agency editors draft and submit their own organisation's entries; national
 * reviewers approve or reject them. Only an approved version is ever live; editing a live entry
 * starts a new draft version while the approved one stays published.
 */

/** A caseworker (the back office's role) is a staff member too, but may neither edit nor read the catalogue's working versions. */
export type StaffRole = 'editor' | 'reviewer' | 'admin' | 'caseworker';
export interface Actor {
  username: string;
  role: StaffRole;
  /** The agency an editor works for; null for the national authority's reviewers and admins. */
  organization: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

const SERVICE = { fa: 'خدمت', en: 'Service' };
const isAuthority = (a: Actor) => a.role === 'reviewer' || a.role === 'admin';

function mayEdit(actor: Actor, organization: string): boolean {
  return isAuthority(actor) || (actor.role === 'editor' && actor.organization === organization);
}

async function checkInput(db: CatalogDb, input: unknown, paths: PlatformPaths, deliveries: DeliveryChecks): Promise<Partial<ServiceData> & Pick<ServiceData, 'code' | 'organization'>> {
  const errors = validateServiceInput(input);
  // A platform channel must lead to a page this platform serves (checked once the record's shape is right).
  if (!errors.length) {
    const s = input as ServiceData;
    for (const p of platformChannelErrors(s.channels, await paths.known(), s.delivery !== undefined)) errors.push({ section: 'services', index: 0, code: s.code, ...p });
    if (s.delivery !== undefined) {
      const orgs = new Set((await db.selectFrom('organizations').select('code').execute()).map((o) => o.code));
      for (const p of deliveries.problems(s.delivery, s, { organizationExists: (c) => orgs.has(c) })) errors.push({ section: 'services', index: 0, code: s.code, ...p });
    }
  }
  if (errors.length) throw invalid('invalid_service', 'اطلاعات خدمت درست نیست.', 'The service record is not valid.', errors);
  return input as Partial<ServiceData> & Pick<ServiceData, 'code' | 'organization'>;
}

async function audit(db: CatalogDb, actor: Actor, action: string, code: string, detail: Record<string, unknown> = {}) {
  await writeAudit(db, { actor: actor.username, action, subject: `service:${code}`, detail, ip: actor.ip, userAgent: actor.userAgent });
}

/** Brings this node's read model up to date after a publish; other nodes follow the change feed. */
export type Notify = (code: string) => Promise<void>;

export class Workflow {
  constructor(
    private readonly db: CatalogDb,
    /** Called after a commit that changed what is live, so this node's index updates at once. */
    private readonly onPublish: Notify,
    /** The pages a `platform` channel may name. */
    private readonly platformPaths: PlatformPaths,
    /** The check of online-delivery definitions. */
    private readonly deliveries: DeliveryChecks,
  ) {}

  async createDraft(actor: Actor, raw: unknown): Promise<{ code: string; version: number }> {
    const input = await checkInput(this.db, raw, this.platformPaths, this.deliveries);
    if (!mayEdit(actor, input.organization)) throw forbidden();
    return this.db.transaction().execute(async (trx) => {
      if (!(await trx.selectFrom('organizations').select('code').where('code', '=', input.organization).executeTakeFirst())) {
        throw invalid('unknown_organization', 'سازمان ناشناخته است.', `Unknown organisation "${input.organization}".`);
      }
      if (await store.serviceRow(trx, input.code)) throw conflict('code_taken', 'این کد خدمت قبلاً ثبت شده است.', `Service code ${input.code} already exists.`);
      const slug = await this.freeSlug(trx, input.slug ?? slugify(input.title!.en), input.code);
      const data = completeService(input, slug);
      await store.insertServiceRow(trx, data.code, slug, data.organization);
      await trx
        .insertInto('service_versions')
        .values({ service_code: data.code, version: 1, status: 'draft', data: JSON.stringify(data), author: actor.username, created_at: nowIso(), updated_at: nowIso(), reviewer: null, reviewed_at: null, reason: null })
        .execute();
      await store.recordEvent(trx, data.code, 1, 'create', actor.username);
      await audit(trx, actor, 'catalog.service.create', data.code, { version: 1 });
      return { code: data.code, version: 1 };
    });
  }

  /** Saves an edit: in place while the newest version is a draft or rejected, else as a new draft version. */
  async edit(actor: Actor, code: string, raw: unknown): Promise<{ version: number }> {
    const input = await checkInput(this.db, raw, this.platformPaths, this.deliveries);
    if (input.code !== code) throw invalid('code_mismatch', 'کد خدمت را نمی‌توان تغییر داد.', 'The service code cannot be changed.');
    return this.db.transaction().execute(async (trx) => {
      const row = await store.serviceRow(trx, code);
      if (!row) throw notFound(SERVICE);
      // Both the current owner and the new one must be the editor's own: no moving entries to another agency.
      if (!mayEdit(actor, row.organization_code) || !mayEdit(actor, input.organization)) throw forbidden();
      const latest = (await store.latestVersion(trx, code))!;
      if (latest.status === 'submitted') throw conflict('awaiting_review', 'این نسخه در انتظار بررسی است و تا پایان بررسی قابل ویرایش نیست.', 'This version is awaiting review and cannot be edited until it is reviewed.');
      const slug = input.slug ? await this.freeSlug(trx, input.slug, code, true) : row.slug;
      const data = JSON.stringify(completeService(input, slug));
      let version = latest.version;
      if (latest.status === 'draft' || latest.status === 'rejected') {
        await trx.updateTable('service_versions').set({ data, status: 'draft', updated_at: nowIso() }).where('id', '=', latest.id).execute();
      } else {
        version = latest.version + 1;
        await trx
          .insertInto('service_versions')
          .values({ service_code: code, version, status: 'draft', data, author: actor.username, created_at: nowIso(), updated_at: nowIso(), reviewer: null, reviewed_at: null, reason: null })
          .execute();
      }
      await store.recordEvent(trx, code, version, 'edit', actor.username);
      await audit(trx, actor, 'catalog.service.edit', code, { version });
      return { version };
    });
  }

  async submit(actor: Actor, code: string): Promise<{ version: number }> {
    return this.db.transaction().execute(async (trx) => {
      const row = await store.serviceRow(trx, code);
      if (!row) throw notFound(SERVICE);
      if (!mayEdit(actor, row.organization_code)) throw forbidden();
      const latest = (await store.latestVersion(trx, code))!;
      if (latest.status !== 'draft') throw conflict('not_a_draft', 'فقط پیش‌نویس را می‌توان برای بررسی فرستاد.', 'Only a draft can be submitted for review.');
      await trx.updateTable('service_versions').set({ status: 'submitted', updated_at: nowIso() }).where('id', '=', latest.id).execute();
      await store.recordEvent(trx, code, latest.version, 'submit', actor.username);
      await audit(trx, actor, 'catalog.service.submit', code, { version: latest.version });
      return { version: latest.version };
    });
  }

  async approve(actor: Actor, code: string): Promise<{ version: number }> {
    if (!isAuthority(actor)) throw forbidden();
    const result = await this.db.transaction().execute(async (trx) => {
      const latest = await this.submitted(trx, code);
      const data = JSON.parse(latest.data) as ServiceData;
      await trx.updateTable('service_versions').set({ status: 'superseded' }).where('service_code', '=', code).where('status', '=', 'approved').execute();
      await trx.updateTable('service_versions').set({ status: 'approved', reviewer: actor.username, reviewed_at: nowIso(), reason: null, updated_at: nowIso() }).where('id', '=', latest.id).execute();
      await store.makeLive(trx, data, latest.version);
      await store.recordEvent(trx, code, latest.version, 'approve', actor.username);
      await store.recordChange(trx, 'service', code);
      await audit(trx, actor, 'catalog.service.approve', code, { version: latest.version });
      return { version: latest.version };
    });
    // Read-your-writes on this node. The change is committed either way: if this refresh fails, the
    // change-feed follower applies it on its next tick.
    await this.onPublish(code).catch(() => undefined);
    return result;
  }

  async reject(actor: Actor, code: string, reason: string): Promise<{ version: number }> {
    if (!isAuthority(actor)) throw forbidden();
    const why = reason.trim();
    if (why.length < 3 || why.length > 2000) throw invalid('reason_required', 'دلیل رد را بنویسید (۳ تا ۲۰۰۰ نویسه).', 'Give a reason for the rejection (3 to 2000 characters).');
    return this.db.transaction().execute(async (trx) => {
      const latest = await this.submitted(trx, code);
      await trx.updateTable('service_versions').set({ status: 'rejected', reviewer: actor.username, reviewed_at: nowIso(), reason: why, updated_at: nowIso() }).where('id', '=', latest.id).execute();
      await store.recordEvent(trx, code, latest.version, 'reject', actor.username, why);
      await audit(trx, actor, 'catalog.service.reject', code, { version: latest.version, reason: why });
      return { version: latest.version };
    });
  }

  /** The newest version (whatever its status) for the console, with the service's live version number. */
  async working(actor: Actor, code: string) {
    const row = await store.serviceRow(this.db, code);
    if (!row) throw notFound(SERVICE);
    if (!isAuthority(actor) && (actor.role !== 'editor' || actor.organization !== row.organization_code)) throw forbidden();
    const latest = (await store.latestVersion(this.db, code))!;
    return { ...latest, data: JSON.parse(latest.data) as ServiceData, liveVersion: row.live_version, history: await store.serviceEvents(this.db, code) };
  }

  /** Editors see their organisation's entries; the authority sees everything, or only what waits for review. */
  async list(actor: Actor, onlySubmitted = false) {
    const rows = await store.workingVersions(this.db, {
      ...(isAuthority(actor) ? {} : { organization: actor.role === 'editor' ? (actor.organization ?? '\u0000') : '\u0000' }),
      ...(onlySubmitted ? { status: 'submitted' } : {}),
    });
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as ServiceData }));
  }

  private async submitted(trx: CatalogDb, code: string) {
    if (!(await store.serviceRow(trx, code))) throw notFound(SERVICE);
    const latest = (await store.latestVersion(trx, code))!;
    if (latest.status !== 'submitted') throw conflict('not_submitted', 'این خدمت نسخه‌ای در انتظار بررسی ندارد.', 'This service has no version awaiting review.');
    return latest;
  }

  /** A slug not used by another service; an explicitly requested one that is taken is an error, a derived one gets the code appended. */
  private async freeSlug(trx: CatalogDb, wanted: string, code: string, explicit = false): Promise<string> {
    const owner = await store.serviceBySlug(trx, wanted);
    if (!owner || owner.code === code) return wanted;
    if (explicit) throw new AppError(409, 'slug_taken', { fa: 'این نشانی (slug) را خدمت دیگری دارد.', en: `The slug "${wanted}" belongs to another service.` });
    return `${wanted}-${code.toLowerCase()}`;
  }
}
