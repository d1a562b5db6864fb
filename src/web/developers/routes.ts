import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { Sandbox, isSandboxId, parseServiceId, type DataService, type Exchange, type FieldProblem, type Member, type SandboxCredentials } from '../../exchange/index.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Lang } from '../i18n.js';
import { setFlash, takeFlash } from '../flash.js';
import { keyGonePage, keyPage, portalPage, sandboxPage, servicePage, type ProviderGroup } from './pages.js';

/**
 * The developer portal (`/developers`, `/en/developers`): the public catalogue of the exchange's data
 * services with their OpenAPI documents, how to call them, apply and sign in with Panjareh, and the
 * sandbox's self-service key form. Read-only except the form, which is CSRF-protected, rate-limited
 * per address here and limited per address and e-mail a day in the database (src/exchange/sandbox.ts).
 */

export interface DeveloperPortalOptions {
  exchange: Exchange;
  db: Kysely<any>;
  config: { publicUrl: string; demo: boolean; port: number; redisUrl: string | undefined; workers: number };
  /** Form posts a minute per address (all of them, good or bad). */
  formRatePerMinute?: number;
}

export const FORM_RATE_PER_MINUTE = 10;
/** The one-time cookie that carries a new key from the form's POST to the page that shows it. */
const KEY_FLASH = 'panjareh_sandbox_key';

const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const formBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    _csrf: { type: 'string', maxLength: 200 },
    name: { type: 'string', maxLength: 1000 },
    email: { type: 'string', maxLength: 1000 },
    organization: { type: 'string', maxLength: 1000 },
    terms: { type: 'string', maxLength: 10 },
  },
} as const;
type FormBody = { name?: string; email?: string; organization?: string; terms?: string };

export async function developerRoutes(app: FastifyInstance, opts: DeveloperPortalOptions): Promise<void> {
  const { exchange, config } = opts;
  const sandbox = new Sandbox(opts.db, exchange, { enabled: config.demo, port: config.port });
  // Without Redis each worker process counts alone, so each takes its share of the limit.
  const perMinute = opts.formRatePerMinute ?? FORM_RATE_PER_MINUTE;
  const formRate = config.redisUrl ? perMinute : Math.max(1, Math.ceil(perMinute / Math.max(1, config.workers)));

  /** Live services outside the sandbox instance, by provider; with their sandbox ids. */
  async function catalogue(): Promise<{ groups: ProviderGroup[]; members: Map<string, Member>; services: DataService[] }> {
    const [members, services] = await Promise.all([exchange.registry.members(), exchange.registry.services()]);
    const byId = new Map(members.map((m) => [m.id, m]));
    const groups = new Map<string, ProviderGroup>();
    for (const s of services) {
      if (s.disabled || isSandboxId(s.id)) continue;
      const memberId = s.subsystem.split('/').slice(0, 3).join('/');
      const member = byId.get(memberId) ?? { id: memberId, name: memberId, nameFa: null, createdAt: '' };
      const g = groups.get(memberId) ?? { member, services: [] };
      g.services.push({ service: s, sandboxId: sandbox.sandboxFor(s) });
      groups.set(memberId, g);
    }
    return { groups: [...groups.values()].sort((a, b) => a.member.name.localeCompare(b.member.name)), members: byId, services };
  }

  /** The services a key made now would cover: the sandbox copies of today's synthetic services. */
  async function sandboxServices(): Promise<DataService[]> {
    const { groups } = await catalogue();
    return groups.flatMap((g) => g.services.filter((e) => e.sandboxId).map((e) => ({ ...e.service, id: e.sandboxId!, subsystem: e.sandboxId!.split('/').slice(0, 4).join('/') })));
  }

  /** A live, non-sandbox service and its parsed OpenAPI document, or 404. */
  async function published(id: string): Promise<{ service: DataService; doc: unknown; text: string | null }> {
    const service = parseServiceId(id) && !isSandboxId(id) ? await exchange.registry.service(id) : undefined;
    if (!service || service.disabled) throw notFound({ fa: 'سرویس داده', en: 'The data service' });
    const text = (await exchange.registry.openApi(id)) ?? null;
    let doc: unknown = null;
    try {
      doc = text ? JSON.parse(text) : null;
    } catch {
      doc = null;
    }
    return { service, doc, text };
  }

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = `${lang === 'fa' ? '' : '/en'}/developers`;

    app.get(p, async (_req, reply) => {
      const { groups } = await catalogue();
      return reply.type('text/html; charset=utf-8').send(portalPage(lang, groups, config.publicUrl));
    });

    // Service ids contain "/": `/developers/services/IR/GOV/NOCR/registry/person[/openapi.json]`.
    app.get<{ Params: { '*': string } }>(`${p}/services/*`, async (req, reply) => {
      const parts = (req.params['*'] ?? '').split('/');
      const wantsJson = parts.length === 6 && parts[5] === 'openapi.json';
      if (parts.length !== 5 && !wantsJson) throw notFound({ fa: 'سرویس داده', en: 'The data service' });
      const id = parts.slice(0, 5).join('/');
      const { service, doc } = await published(id);
      const sandboxId = sandbox.sandboxFor(service);
      if (wantsJson) {
        if (!doc || typeof doc !== 'object') throw notFound({ fa: 'سند OpenAPI', en: 'The OpenAPI document' });
        // The document as a developer uses it: its servers are the gateway (and the sandbox), never the agency's own back-end.
        const servers = [{ url: `${config.publicUrl}/r1/${id}`, description: 'Panjareh data exchange gateway' }, ...(sandboxId ? [{ url: `${config.publicUrl}/r1/${sandboxId}`, description: 'Sandbox (synthetic data)' }] : [])];
        return reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${id.replace(/\//g, '_')}.openapi.json"`)
          .send(JSON.stringify({ ...(doc as object), servers }, null, 2));
      }
      const provider = (await exchange.registry.members()).find((m) => m.id === service.subsystem.split('/').slice(0, 3).join('/'));
      return reply.type('text/html; charset=utf-8').send(servicePage(lang, { service, provider, sandboxId, doc }, config.publicUrl));
    });

    const form = async (reply: FastifyReply, values: Record<string, string>, problems: FieldProblem[], status = 200, message?: string) =>
      sendHtml(reply, sandboxPage(lang, { enabled: sandbox.enabled, services: await sandboxServices(), rules: sandbox.rules, csrf: await reply.generateCsrf(), values, problems, message }), status);

    app.get(`${p}/sandbox`, async (_req, reply) => form(reply, {}, []));

    // The new key, shown once after the redirect; a refresh (or a stale or forged cookie) makes no key and says so.
    const keyPath = `${p}/sandbox/key`;
    app.get(keyPath, async (req, reply) => {
      const creds = takeFlash<SandboxCredentials>(req, reply, KEY_FLASH, keyPath);
      if (!creds) return sendHtml(reply, keyGonePage(lang));
      const services = (await exchange.registry.services()).filter((s) => creds.services.some((c) => c.id === s.id));
      return sendHtml(reply, keyPage(lang, creds, services, config.publicUrl));
    });

    app.post<{ Body: FormBody }>(
      `${p}/sandbox`,
      { preHandler: app.csrfProtection, config: { rateLimit: { max: formRate, timeWindow: '1 minute' } }, schema: { body: formBody } },
      async (req, reply) => {
        const b = req.body ?? {};
        const values = { name: b.name ?? '', email: b.email ?? '', organization: b.organization ?? '', terms: b.terms ?? '' };
        try {
          const creds = await sandbox.register(values, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
          // Post/redirect/get: the key travels sealed in a one-time cookie, never in the address.
          setFlash(reply, KEY_FLASH, keyPath, creds, config.publicUrl.startsWith('https://'));
          return reply.redirect(keyPath, 303);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          if (e.code === 'invalid_application') return form(reply, values, (e.details as FieldProblem[]) ?? [], 400);
          if (e.status === 429 || e.status === 503) {
            if (e.status === 429) reply.header('retry-after', '86400');
            return form(reply, values, [], e.status, e.messages[lang]);
          }
          throw e;
        }
      },
    );
  }
}
