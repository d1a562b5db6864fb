import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Contract, ContractTerms, Decider, Exchange, SubjectLocation } from '../../exchange/index.js';
import type { StaffUser } from '../../identity/index.js';
import { forbidden, invalid, notFound } from '../../platform/errors.js';
import { actorOf, fixable, isAuthority, onForm, pageContext, redirectDone, refusal, requireAuthority, sendHtml, type RouteKit } from './kit.js';
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

/**
 * Which form field holds each input of a service module, so every problem it reports is shown on its
 * field, in the order the form shows them (see `onForm` in kit.ts). The modules name inputs as their own APIs do.
 */
const MEMBER_FIELDS = { id: 'member_id', nameFa: 'member_name_fa', name: 'member_name' };
const SUBSYSTEM_FIELDS = { id: 'subsystem_id', nameFa: 'subsystem_name_fa', name: 'subsystem_name' };
const SERVICE_FIELDS = { id: 'id', nameFa: 'name_fa', name: 'name', upstream: 'upstream', classification: 'classification', subject: 'subject_name', openapi: 'openapi_text' };
const CONTRACT_FIELDS = { client: 'client', service: 'service', methods: 'methods', paths: 'paths', ratePerSecond: 'rate', dailyQuota: 'quota', expiresAt: 'expires', purpose: 'purpose', legalBasis: 'legal_basis' };
const KEY_FIELDS = { subsystem: 'subsystem', expiresAt: 'expires' };

/** The terms as typed: numbers stay text (Persian digits too) for the contracts module to check with everything else; an empty box is the default. */
function termsOf(b: Values): ContractTerms {
  const t: ContractTerms = {};
  if (str(b.methods)) t.methods = list(b.methods);
  if (str(b.paths)) t.paths = list(b.paths);
  if (str(b.rate)) t.ratePerSecond = str(b.rate);
  if (str(b.quota)) t.dailyQuota = str(b.quota).toLowerCase() === 'none' ? null : str(b.quota);
  if (str(b.expires)) t.expiresAt = latinDigits(str(b.expires));
  if (str(b.legal_basis)) t.legalBasis = str(b.legal_basis);
  if (b.covers_personal === 'on') t.legalBasisCoversPersonalData = true;
  return t;
}

/** Where a request names the person, as chosen; the registry checks it (a place without a name, a name without a place). */
function subjectOf(b: Values): SubjectLocation | null {
  const where = str(b.subject_in);
  const name = str(b.subject_name);
  if (!where && !name) return null;
  return { in: where as SubjectLocation['in'], name };
}

export function exchangeRoutes(app: FastifyInstance, exchange: Exchange, kit: RouteKit): void {
  const { lang, base, guarded, posted } = kit;
  const { registry, contracts, apiKeys } = exchange;
  /**
   * The exchange members an agency's editor speaks for: those the catalogue links to the editor's
   * organisation (its `exchangeMembers`) that are registered on the exchange, as the registry writes them.
   */
  const providerMembers = async (user: StaffUser | null): Promise<string[]> => {
    if (!user || user.role !== 'editor' || !user.organization || !kit.membersOf) return [];
    const linked = new Set(kit.membersOf(user.organization).map((m) => m.toLowerCase()));
    if (!linked.size) return [];
    return (await registry.members()).map((m) => m.id).filter((id) => linked.has(id.toLowerCase()));
  };

  const registryPage = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) => {
    const [members, subsystems, services] = await Promise.all([registry.members(), registry.subsystems(), registry.services()]);
    return sendHtml(reply, exchangePage(await pageContext(req, reply, lang), { members, subsystems, services, organizationOf: kit.memberOrganization }, values, errors), status);
  };

  app.get(`${base}/exchange`, guarded, async (req, reply) => {
    requireAuthority(req);
    return registryPage(req, reply);
  });

  app.post<{ Body: Values }>(`${base}/exchange/members`, { ...posted, schema: { body: stringFields(['member_id', 'member_name', 'member_name_fa'], 300) } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    try {
      await registry.addMember({ id: str(b.member_id), name: str(b.member_name) || null, nameFa: str(b.member_name_fa) || null }, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange`, 'memberAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      return registryPage(req, reply, { ...b, _csrf: undefined }, refusal(e, lang, MEMBER_FIELDS), e.status);
    }
  });

  app.post<{ Body: Values }>(`${base}/exchange/subsystems`, { ...posted, schema: { body: stringFields(['subsystem_id', 'subsystem_name', 'subsystem_name_fa'], 300) } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    try {
      await registry.addSubsystem({ id: str(b.subsystem_id), name: str(b.subsystem_name) || null, nameFa: str(b.subsystem_name_fa) || null }, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange`, 'subsystemAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      return registryPage(req, reply, { ...b, _csrf: undefined }, refusal(e, lang, SUBSYSTEM_FIELDS), e.status);
    }
  });

  const servicePage = async (req: FastifyRequest, reply: FastifyReply, values: Values = {}, errors: Array<FormProblem | string> = [], status = 200) =>
    sendHtml(reply, serviceFormPage(await pageContext(req, reply, lang), await registry.subsystems(), values, errors), status);

  app.get(`${base}/exchange/services/new`, guarded, async (req, reply) => {
    requireAuthority(req);
    return servicePage(req, reply);
  });

  // A multipart form (the OpenAPI file) or a plain one (pasted text): both arrive as strings.
  const serviceFieldNames = ['id', 'name', 'name_fa', 'upstream', 'classification', 'subject_in', 'subject_name'];
  const serviceBody = {
    ...stringFields(serviceFieldNames, 2100),
    properties: { ...stringFields(serviceFieldNames, 2100).properties, openapi_text: { type: 'string', maxLength: 2_200_000 }, openapi_file: { type: 'string', maxLength: 2_200_000 } },
  };
  app.post<{ Body: Values }>(`${base}/exchange/services`, { ...posted, schema: { body: serviceBody } }, async (req, reply) => {
    requireAuthority(req);
    const b = req.body ?? {};
    // The uploaded file is not echoed back (a file input cannot be refilled); pasted text is kept.
    const again = (errors: Array<FormProblem | string>, status: number) => servicePage(req, reply, { ...b, _csrf: undefined, openapi_file: undefined }, errors, status);
    const file = str(b.openapi_file);
    const pasted = str(b.openapi_text);
    const input = { id: str(b.id), name: str(b.name) || null, nameFa: str(b.name_fa) || null, upstream: str(b.upstream), classification: str(b.classification) || 'internal', subject: subjectOf(b), openapi: file || pasted || undefined };
    if (file && pasted) {
      // Which document was meant is the person's to say; the rest of the form is checked meanwhile.
      const both = { field: 'openapi', code: 'openapi_twice', message: { fa: AUTHORITY.fa.openapiBoth, en: AUTHORITY.en.openapiBoth } };
      return again(onForm([...(await registry.checkService({ ...input, openapi: undefined })), both], lang, SERVICE_FIELDS), 400);
    }
    try {
      await registry.addService(input, actorOf(req));
      return redirectDone(reply, kit, `${base}/exchange`, 'serviceAdded');
    } catch (e) {
      if (!fixable(e)) throw e;
      return again(refusal(e, lang, SERVICE_FIELDS), e.status);
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
      return contractsView(req, reply, { ...b, _csrf: undefined }, refusal(e, lang, CONTRACT_FIELDS), e.status);
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
          // A missing reason belongs to that contract's reason box; other refusals (decided meanwhile) to the page.
          return contractsView(req, reply, {}, [e.code === 'reason_required' ? { field: `reason-${id}`, message: e.messages } : e.messages[lang]], e.status);
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
      return keysView(req, reply, str(b.subsystem), { ...b, _csrf: undefined }, refusal(e, lang, KEY_FIELDS), e.status);
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
