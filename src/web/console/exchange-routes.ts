import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Contract, ContractTerms, Decider, Exchange, SubjectLocation } from '../../exchange/index.js';
import type { StaffUser } from '../../identity/index.js';
import { forbidden, invalid, notFound } from '../../platform/errors.js';
import { actorOf, fixable, isAuthority, pageContext, redirectDone, refusal, requireAuthority, sendHtml, type RouteKit } from './kit.js';
import type { Values } from './authority-pages.js';
import { AUTHORITY } from './authority-strings.js';
import type { FormProblem } from './messages.js';
import { contractsPage, exchangePage, keyCreatedPage, keysPage, serviceFormPage } from './exchange-pages.js';
import { setFlash, takeFlash } from '../flash.js';
import { consolePage, goneBody } from './pages.js';

/** The one-time cookie carrying a new API key from the form's POST to the page that shows it. */
const KEY_FLASH = 'panjareh_console_key';

/**
 * The data exchange in the console, the same operations as `panjareh exchange …` with the same rules
 * (the registry, contracts and keys modules validate and audit; this file only reads forms):
 * members, subsystems, services (with an OpenAPI document uploaded or pasted), contracts and API keys
 * for the national authority; an agency's editor sees and decides on contracts for its own services.
 */

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown) => str(v).split(/[,،]/).map((s) => s.trim()).filter(Boolean);
const latinDigits = (s: string) => s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));

const stringFields = (names: string[], max = 2000) => ({
  type: 'object',
  properties: Object.fromEntries([...names.map((n) => [n, { type: 'string', maxLength: max }]), ['_csrf', { type: 'string' }]]),
  additionalProperties: false,
});
const idParams = { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } } as const;

/** A whole number typed in a form (Persian digits accepted), `none` where allowed, or absent. */
function wholeOrNone(raw: unknown, field: string, allowNone: boolean): number | null | undefined {
  const s = latinDigits(str(raw));
  if (!s) return undefined;
  if (allowNone && s.toLowerCase() === 'none') return null;
  if (!/^\d{1,12}$/.test(s)) throw invalid(`invalid_${field}`, `${field === 'rate' ? 'شمار درخواست در ثانیه' : 'سهمیهٔ روزانه'} باید عدد صحیح باشد${allowNone ? ' یا none' : ''}.`, `The ${field === 'rate' ? 'rate' : 'daily quota'} must be a whole number${allowNone ? ' or "none"' : ''}.`);
  return Number(s);
}

function termsOf(b: Values): ContractTerms {
  const t: ContractTerms = {};
  if (str(b.methods)) t.methods = list(b.methods);
  if (str(b.paths)) t.paths = list(b.paths);
  const rate = wholeOrNone(b.rate, 'rate', false);
  if (rate !== undefined && rate !== null) t.ratePerSecond = rate;
  const quota = wholeOrNone(b.quota, 'quota', true);
  if (quota !== undefined) t.dailyQuota = quota;
  if (str(b.expires)) t.expiresAt = latinDigits(str(b.expires));
  if (str(b.legal_basis)) t.legalBasis = str(b.legal_basis);
  if (b.covers_personal === 'on') t.legalBasisCoversPersonalData = true;
  return t;
}

function subjectOf(b: Values): SubjectLocation | null {
  const where = str(b.subject_in);
  const name = str(b.subject_name);
  if (!where && !name) return null;
  if (!['path', 'query', 'header'].includes(where) || !name) throw invalid('invalid_subject', 'محل و نام پارامتر شناسهٔ شخص را هر دو بگویید.', 'Give both where the person is named (path, query or header) and the parameter’s name.');
  return { in: where as SubjectLocation['in'], name };
}

export function exchangeRoutes(app: FastifyInstance, exchange: Exchange, kit: RouteKit): void {
  const { lang, base, guarded, posted } = kit;
  const { registry, contracts, apiKeys } = exchange;
  /** The exchange members an agency's editor speaks for: GOV members whose code is the editor's organisation. */
  const providerMembers = async (user: StaffUser | null): Promise<string[]> => {
    if (!user || user.role !== 'editor' || !user.organization) return [];
    return (await registry.members()).map((m) => m.id).filter((id) => {
      const [, cls, code] = id.split('/');
      return cls === 'GOV' && code === user.organization;
    });
  };

  const registryPage = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) => {
    const [members, subsystems, services] = await Promise.all([registry.members(), registry.subsystems(), registry.services()]);
    return sendHtml(reply, exchangePage(await pageContext(req, reply, lang), { members, subsystems, services, organizationOf: kit.memberOrganization }, values, errors), status);
  };

  app.get(`${base}/exchange`, guarded, async (req, reply) => {
    requireAuthority(req);
    return registryPage(req, reply);
  });

  app.post<{ Body: Values }>(`${base}/exchange/members`, { ...posted, schema: { body: stringFields(['member_id', 'member_name'], 300) } }, async (req, reply) => {
    requireAuthority(req);
    try {
      await registry.addMember({ id: str(req.body.member_id), name: str(req.body.member_name) }, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange`, 'memberAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      return registryPage(req, reply, { ...req.body, _csrf: undefined }, [refusal(e, lang, { 'name_*': 'member_name', member_exists: 'member_id', 'invalid_*': 'member_id' })], e.status);
    }
  });

  app.post<{ Body: Values }>(`${base}/exchange/subsystems`, { ...posted, schema: { body: stringFields(['subsystem_id', 'subsystem_name'], 300) } }, async (req, reply) => {
    requireAuthority(req);
    try {
      await registry.addSubsystem({ id: str(req.body.subsystem_id), name: str(req.body.subsystem_name) || null }, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange`, 'subsystemAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      return registryPage(req, reply, { ...req.body, _csrf: undefined }, [refusal(e, lang, { 'name_*': 'subsystem_name', subsystem_exists: 'subsystem_id', 'invalid_*': 'subsystem_id', 'unknown_*': 'subsystem_id' })], e.status);
    }
  });

  const servicePage = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) =>
    sendHtml(reply, serviceFormPage(await pageContext(req, reply, lang), await registry.subsystems(), values, errors), status);

  app.get(`${base}/exchange/services/new`, guarded, async (req, reply) => {
    requireAuthority(req);
    return servicePage(req, reply);
  });

  // A multipart form (the OpenAPI file) or a plain one (pasted text): both arrive as strings.
  const serviceBody = {
    ...stringFields(['id', 'name', 'upstream', 'classification', 'subject_in', 'subject_name'], 2100),
    properties: { ...stringFields(['id', 'name', 'upstream', 'classification', 'subject_in', 'subject_name'], 2100).properties, openapi_text: { type: 'string', maxLength: 2_200_000 }, openapi_file: { type: 'string', maxLength: 2_200_000 } },
  };
  app.post<{ Body: Values }>(`${base}/exchange/services`, { ...posted, schema: { body: serviceBody } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    try {
      const file = str(b.openapi_file);
      const pasted = str(b.openapi_text);
      if (file && pasted) throw invalid('openapi_twice', 'یا پرونده را بفرستید یا متن را بچسبانید، نه هر دو.', 'Either upload a file or paste the text, not both.');
      await registry.addService(
        { id: str(b.id), name: str(b.name) || null, upstream: str(b.upstream), classification: str(b.classification) || 'internal', subject: subjectOf(b), openapi: file || pasted || undefined },
        actorOf(req),
      );
      return redirectDone(reply, kit, `${base}/exchange`, 'serviceAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      // The uploaded file is not echoed back (a file input cannot be refilled); pasted text is kept.
      return servicePage(req, reply, { ...b, _csrf: undefined, openapi_file: undefined }, [refusal(e, lang, { 'name_*': 'name', invalid_upstream: 'upstream', 'invalid_openapi': 'openapi_text', openapi_too_large: 'openapi_text', openapi_twice: 'openapi_text', invalid_subject: 'subject_name', subject_required: 'subject_name', service_exists: 'id', 'invalid_service*': 'id', 'unknown_*': 'id' })], e.status);
    }
  });

  /** Contracts this person may see: all for the authority, their own services' for a provider, none otherwise (403). */
  const visibleContracts = async (req: FastifyRequest): Promise<{ authority: boolean; items: Contract[]; members: string[] }> => {
    if (isAuthority(req.staff)) return { authority: true, items: await contracts.list(), members: [] };
    const members = await providerMembers(req.staff);
    if (!members.length) throw forbidden();
    // The store filters with LIKE, where "_" in a member code matches any character: keep exact owners only.
    const owned = (c: Contract) => members.some((m) => c.service.startsWith(`${m}/`));
    const items = (await Promise.all(members.map((provider) => contracts.list({ provider })))).flat().filter(owned);
    const unique = [...new Map(items.map((c) => [c.id, c])).values()].sort((x, y) => x.id - y.id);
    return { authority: false, items: unique, members };
  };

  const contractsView = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) => {
    const seen = await visibleContracts(req);
    const [subsystems, services] = seen.authority ? await Promise.all([registry.subsystems(), registry.services()]) : [[], []];
    return sendHtml(reply, contractsPage(await pageContext(req, reply, lang), { contracts: seen.items, authority: seen.authority, subsystems, services }, values, errors), status);
  };

  app.get(`${base}/exchange/contracts`, guarded, (req, reply) => contractsView(req, reply));

  const grantFields = ['client', 'service', 'methods', 'paths', 'rate', 'quota', 'expires', 'purpose', 'legal_basis', 'covers_personal'];
  app.post<{ Body: Values }>(`${base}/exchange/contracts`, { ...posted, schema: { body: stringFields(grantFields, 600) } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    try {
      await contracts.grant({ client: str(b.client), service: str(b.service), purpose: str(b.purpose) || undefined, ...termsOf(b) }, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange/contracts`, 'contractGranted');
    } catch (e) {
      if (!fixable(e)) throw e;
      return contractsView(req, reply, { ...b, _csrf: undefined }, [refusal(e, lang, { invalid_expiry: 'expires', expiry_in_past: 'expires', invalid_methods: 'methods', too_many_paths: 'paths', invalid_path_pattern: 'paths', invalid_rate: 'rate', invalid_quota: 'quota', invalid_subsystem_id: 'client', invalid_service_id: 'service' })], e.status);
    }
  });

  /** Who decides: the authority as itself, an editor as the provider member that owns the contract's service. */
  const deciderFor = async (req: FastifyRequest, id: number): Promise<Decider> => {
    if (isAuthority(req.staff)) return { actor: actorOf(req) };
    const members = await providerMembers(req.staff);
    if (!members.length) throw forbidden();
    const c = await contracts.get(id);
    if (!c) throw notFound({ fa: `قرارداد ${id}`, en: `Contract ${id}` });
    const owner = c.service.split('/').slice(0, 3).join('/');
    if (!members.includes(owner)) throw forbidden();
    return { actor: actorOf(req), provider: owner };
  };

  for (const step of ['approve', 'reject', 'revoke'] as const) {
    app.post<{ Params: { id: string }; Body: Values }>(
      `${base}/exchange/contracts/:id/${step}`,
      { ...posted, schema: { params: idParams, body: stringFields(['reason'], 600) } },
      async (req, reply) => {
        const id = Number(req.params.id);
        // Revoking is the authority's; providers approve or reject requests for their own services.
        if (step === 'revoke') requireAuthority(req);
        const who = await deciderFor(req, id);
        try {
          if (step === 'approve') await contracts.approve(id, who);
          else if (step === 'reject') {
            const reason = str(req.body?.reason);
            if (!reason) throw invalid('reason_required', AUTHORITY.fa.reasonRequired, AUTHORITY.en.reasonRequired);
            await contracts.reject(id, who, reason);
          } else await contracts.revoke(id, who);
          return redirectDone(reply, kit, `${base}/exchange/contracts`, step === 'approve' ? 'contractApproved' : step === 'reject' ? 'contractRejected' : 'contractRevoked');
        } catch (e) {
          if (!fixable(e)) throw e;
          return contractsView(req, reply, {}, [e.messages[lang]], e.status);
        }
      },
    );
  }

  const keysView = async (req: FastifyRequest, reply: FastifyReply, chosen: string, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) => {
    const [subsystems, keys] = await Promise.all([registry.subsystems(), apiKeys.list(chosen || undefined)]);
    return sendHtml(reply, keysPage(await pageContext(req, reply, lang), subsystems, keys, chosen, values, errors), status);
  };

  app.get<{ Querystring: { subsystem?: string } }>(
    `${base}/exchange/keys`,
    { ...guarded, schema: { querystring: { type: 'object', properties: { subsystem: { type: 'string', maxLength: 300 } } } } },
    async (req, reply) => {
      requireAuthority(req);
      return keysView(req, reply, str(req.query.subsystem));
    },
  );

  app.post<{ Body: Values }>(`${base}/exchange/keys`, { ...posted, schema: { body: stringFields(['subsystem', 'label', 'expires'], 300) } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    try {
      const k = await apiKeys.create(str(b.subsystem), { label: str(b.label) || null, expiresAt: latinDigits(str(b.expires)) || null }, actorOf(req));
      // Post/redirect/get: the key travels sealed in a one-time cookie to the page that shows it once.
      setFlash(reply, KEY_FLASH, keyCreatedPath, k, kit.secure);
      return reply.redirect(keyCreatedPath, 303);
    } catch (e) {
      if (!fixable(e)) throw e;
      return keysView(req, reply, str(b.subsystem), { ...b, _csrf: undefined }, [refusal(e, lang, { invalid_expiry: 'expires', expiry_in_past: 'expires', 'invalid_label*': 'label' })], e.status);
    }
  });

  const keyCreatedPath = `${base}/exchange/keys/created`;
  app.get(keyCreatedPath, guarded, async (req, reply) => {
    requireAuthority(req);
    const k = takeFlash<Parameters<typeof keyCreatedPage>[1]>(req, reply, KEY_FLASH, keyCreatedPath);
    const ctx = await pageContext(req, reply, lang);
    if (!k) return sendHtml(reply, consolePage(lang, AUTHORITY[lang].keyCreated, '/console/exchange/keys', ctx.user, goneBody(lang, { href: `${base}/exchange/keys`, label: AUTHORITY[lang].keys }), ctx.csrf));
    return sendHtml(reply, keyCreatedPage(ctx, k));
  });

  app.post<{ Params: { id: string } }>(`${base}/exchange/keys/:id/revoke`, { ...posted, schema: { params: idParams } }, async (req, reply) => {
    requireAuthority(req);
    try {
      const k = await apiKeys.revoke(Number(req.params.id), actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange/keys?subsystem=${encodeURIComponent(k.subsystem)}`, 'keyRevoked');
    } catch (e) {
      if (!fixable(e) || e.status === 404) throw e;
      return keysView(req, reply, '', {}, [e.messages[lang]], e.status);
    }
  });

}
