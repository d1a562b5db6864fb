import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Catalog } from '../../catalog/index.js';
import type { NationalIdentity, StaffDirectory, StaffUser } from '../../identity/index.js';
import { AppError } from '../../platform/errors.js';
import { SESSION_COOKIE } from '../account/routes.js';
import type { Lang } from '../i18n.js';
import { formFieldOf, formToService, serviceToForm, type FieldError, type FormValues } from './form.js';
import { consoleServicePage, dashboardPage, loginPage, serviceFormPage, type FormContext } from './pages.js';
import type { Exchange } from '../../exchange/index.js';
import type { DevOutbox } from '../../platform/messaging/index.js';
import { toolLinks } from './authority-pages.js';
import { authorityRoutes, type AuthorityDeps } from './authority-routes.js';
import { AUTHORITY } from './authority-strings.js';
import { acceptMultipart } from './multipart.js';

/** The staff console: sign-in, the agency editors' drafts and the national reviewers' queue. */

export const STAFF_COOKIE = 'panjareh_staff';

declare module 'fastify' {
  interface FastifyRequest {
    staff: StaffUser | null;
  }
}

export interface ConsoleOptions {
  catalog: Catalog;
  staff: StaffDirectory;
  identity: NationalIdentity;
  secureCookies: boolean;
  loginRatePerMinute: number;
  /** The data exchange: its onboarding pages exist when it is given. */
  exchange?: Exchange;
  /** Demo mode only: the message outbox page exists when it is given. */
  outbox?: DevOutbox;
  /** Records privileged reads (the outbox) in the audit log. */
  audit?: AuthorityDeps['audit'];
}

const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
const actorOf = (req: FastifyRequest): Actor => ({ username: req.staff!.username, role: req.staff!.role, organization: req.staff!.organization, ...meta(req) });
const sendHtml = (reply: FastifyReply, body: string, status = 200) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
const codeParams = { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,29}-[0-9]{1,8}$' } } } as const;

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleOptions) {
  const { catalog, staff } = opts;
  app.decorateRequest('staff', null);
  acceptMultipart(app);
  // Staff are people signed in with the national identity who hold a role; the break-glass operator account signs in apart.
  app.addHook('onRequest', async (req) => {
    req.staff = await staff.session(req.cookies[STAFF_COOKIE]);
    if (!req.staff && req.person) {
      const found = await opts.identity.people.bySubject(req.person.subject);
      const name = found?.person ? `${found.person.firstName.fa} ${found.person.lastName.fa}` : req.person.nationalCode;
      req.staff = await opts.identity.staffGrants.staffUser(req.person.nationalCode, name);
    }
  });

  const formContext = async (req: FastifyRequest, reply: FastifyReply): Promise<FormContext> => ({
    user: req.staff!,
    csrf: await reply.generateCsrf(),
    organizations: catalog.read.allOrganizations(),
    topics: catalog.read.allTopics(),
    lifeEvents: catalog.read.allLifeEvents(),
  });

  /** The authority's tools, or for an agency editor whose organisation is an exchange member, its contracts. */
  const tools = async (user: StaffUser, lang: Lang) => {
    const a = AUTHORITY[lang];
    if (user.role === 'admin') {
      return [
        { href: '/console/relying-parties', label: a.relyingParties },
        ...(opts.exchange ? [{ href: '/console/exchange', label: a.exchange }, { href: '/console/exchange/contracts', label: a.contracts }, { href: '/console/exchange/keys', label: a.keys }] : []),
        ...(opts.outbox ? [{ href: '/console/outbox', label: a.outbox }] : []),
      ];
    }
    if (user.role !== 'editor' || !user.organization || !opts.exchange) return [];
    const own = (await opts.exchange.registry.members()).some((m) => m.id.split('/')[1] === 'GOV' && m.id.split('/')[2] === user.organization);
    return own ? [{ href: '/console/exchange/contracts', label: a.contracts }] : [];
  };
  const authorityDeps: AuthorityDeps = { identity: opts.identity, exchange: opts.exchange, outbox: opts.outbox, audit: opts.audit ?? (async () => undefined) };

  for (const lang of ['fa', 'en'] as Lang[]) {
    const p = `${lang === 'fa' ? '' : '/en'}/console`;
    /** Pages need a signed-in staff member: browsers go to the sign-in page, anything else gets 401. */
    const requireStaff = async (req: FastifyRequest, reply: FastifyReply) => {
      if (req.staff) return;
      if (req.method === 'GET') return reply.redirect(`${p}/login`, 303);
      throw new AppError(401, 'unauthorized', { fa: 'ابتدا وارد شوید.', en: 'Sign in first.' });
    };
    const guarded = { preHandler: [requireStaff] };
    const posted = { preHandler: [app.csrfProtection, requireStaff] };

    app.get(`${p}/login`, async (req, reply) => (req.staff ? reply.redirect(p, 303) : sendHtml(reply, loginPage(lang, await reply.generateCsrf(), [], '', !!req.person))));

    app.post<{ Body: { username?: string; password?: string } }>(
      `${p}/login`,
      {
        preHandler: app.csrfProtection,
        config: { rateLimit: { max: opts.loginRatePerMinute, timeWindow: '1 minute' } },
        schema: { body: { type: 'object', properties: { username: { type: 'string', maxLength: 200 }, password: { type: 'string', maxLength: 500 }, _csrf: { type: 'string' } } } },
      },
      async (req, reply) => {
        const username = req.body.username ?? '';
        try {
          const { token } = await staff.signIn(username, req.body.password ?? '', meta(req));
          reply.setCookie(STAFF_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secureCookies, maxAge: 8 * 3600 });
          return reply.redirect(p, 303);
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          return sendHtml(reply, loginPage(lang, await reply.generateCsrf(), [e.messages[lang]], username), e.status);
        }
      },
    );

    app.post(`${p}/logout`, { preHandler: app.csrfProtection }, async (req, reply) => {
      await staff.signOut(req.cookies[STAFF_COOKIE], meta(req));
      reply.clearCookie(STAFF_COOKIE, { path: '/' });
      await opts.identity.portalSessions.close(req.cookies[SESSION_COOKIE]);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect(`${p}/login`, 303);
    });

    app.get(p, guarded, async (req, reply) => {
      const actor = actorOf(req);
      const [pending, rows] = await Promise.all([actor.role === 'editor' ? [] : catalog.workflow.list(actor, true), catalog.workflow.list(actor)]);
      return sendHtml(reply, dashboardPage(lang, req.staff!, await reply.generateCsrf(), pending, rows, toolLinks(lang, await tools(req.staff!, lang))));
    });

    app.get(`${p}/services/new`, guarded, async (req, reply) =>
      sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), { organization: req.staff!.organization ?? '' }, [])),
    );

    /** Validates a posted form; on problems re-renders it with the values kept and every error listed. */
    const save = async (req: FastifyRequest<{ Body: FormValues }>, reply: FastifyReply, code?: string) => {
      const { input, errors } = formToService(req.body);
      let fieldErrors: FieldError[] = errors;
      if (!errors.length) {
        try {
          if (code) await catalog.workflow.edit(actorOf(req), code, input);
          else await catalog.workflow.createDraft(actorOf(req), input);
          return reply.redirect(`${p}/services/${code ?? String(input.code)}`, 303);
        } catch (e) {
          if (!(e instanceof AppError) || e.status === 403 || e.status === 404) throw e;
          fieldErrors = Array.isArray(e.details)
            ? (e.details as Array<{ field: string; reason: string }>).map((d) => ({ field: formFieldOf(d.field), reason: d.reason }))
            : [{ field: 'code', reason: e.messages[lang] }];
        }
      }
      return sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), req.body, fieldErrors, code), 400);
    };
    const formBody = { schema: { body: { type: 'object', additionalProperties: { anyOf: [{ type: 'string', maxLength: 10000 }, { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 200 } }] } } } };
    app.post<{ Body: FormValues }>(`${p}/services/new`, { ...posted, ...formBody }, (req, reply) => save(req, reply));
    app.get<{ Params: { code: string } }>(`${p}/services/:code`, { ...guarded, schema: { params: codeParams } }, async (req, reply) =>
      sendHtml(reply, consoleServicePage(lang, req.staff!, await reply.generateCsrf(), await catalog.workflow.working(actorOf(req), req.params.code))),
    );
    app.get<{ Params: { code: string } }>(`${p}/services/:code/edit`, { ...guarded, schema: { params: codeParams } }, async (req, reply) => {
      const w = await catalog.workflow.working(actorOf(req), req.params.code);
      return sendHtml(reply, serviceFormPage(lang, await formContext(req, reply), serviceToForm(w.data), [], req.params.code));
    });
    app.post<{ Body: FormValues; Params: { code: string } }>(`${p}/services/:code/edit`, { ...posted, ...formBody, schema: { ...formBody.schema, params: codeParams } }, (req, reply) =>
      save(req, reply, req.params.code),
    );

    // Workflow steps: each is one POST; a refused step shows the entry again with the reason.
    const step = (name: 'submit' | 'approve' | 'reject') =>
      app.post<{ Params: { code: string }; Body: { reason?: string } }>(`${p}/services/:code/${name}`, { ...posted, schema: { params: codeParams } }, async (req, reply) => {
        const actor = actorOf(req);
        const code = req.params.code;
        try {
          if (name === 'submit') await catalog.workflow.submit(actor, code);
          else if (name === 'approve') await catalog.workflow.approve(actor, code);
          else await catalog.workflow.reject(actor, code, String(req.body?.reason ?? ''));
          return reply.redirect(`${p}/services/${code}`, 303);
        } catch (e) {
          if (!(e instanceof AppError) || e.status === 403 || e.status === 404) throw e;
          return sendHtml(reply, consoleServicePage(lang, req.staff!, await reply.generateCsrf(), await catalog.workflow.working(actor, code), [e.messages[lang]]), e.status);
        }
      });
    step('submit');
    step('approve');
    step('reject');

    authorityRoutes(app, authorityDeps, { lang, base: p, guarded, posted });
  }
}
