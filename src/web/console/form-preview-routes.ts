import type { FastifyInstance, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Actor, Catalog, ServiceData } from '../../catalog/index.js';
import { AppError } from '../../platform/errors.js';
import type { OnlineServices } from '../../services/index.js';
import { pick, type Lang } from '../i18n.js';
import { formToService, type FormValues } from './form.js';
import { formPreviewPage, previewResult, type PreviewDeps, type PreviewResult } from './form-preview.js';
import { previewStrings } from './form-preview-strings.js';
import { sendHtml } from './kit.js';
import { formProblems } from './messages.js';
import { UNSAVED_PREVIEW_PATH } from './pages.js';

/**
 * The previews of a service's application form (form-preview.ts): of the version an entry's page
 * shows, and of a definition the service form holds before it is saved.
 */
export interface FormPreviewDeps {
  catalog: Catalog;
  forms: OnlineServices['forms'];
  actorOf(req: FastifyRequest): Actor;
}

export interface FormPreviewKit {
  lang: Lang;
  /** `/console` or `/en/console`. */
  base: string;
  guarded: RouteShorthandOptions;
  posted: RouteShorthandOptions;
  /** The service code in the address. */
  codeParams: object;
  /** The service form's body schema, which the unsaved preview receives. */
  formBody: { schema: { body: object } };
}

export function formPreviewRoutes(app: FastifyInstance, deps: FormPreviewDeps, kit: FormPreviewKit): void {
  const { catalog, forms } = deps;
  const { lang, base } = kit;
  const previewDeps: PreviewDeps = {
    problems: (delivery, s) => catalog.deliveries.problems(delivery as never, s, { organizationExists: (c) => !!catalog.read.organization(c) }),
    compile: (form) => forms.compiled(form),
  };
  const organizationName = (c: string, l: Lang) => {
    const o = catalog.read.organization(c);
    return o ? pick(o.name, l) : c;
  };

  // The application form of the version the entry's page shows, read only: who may open the entry may open this.
  app.get<{ Params: { code: string } }>(`${base}/services/:code/preview`, { ...kit.guarded, schema: { params: kit.codeParams } }, async (req, reply) => {
    const w = await catalog.workflow.working(deps.actorOf(req), req.params.code);
    if (!w.data.delivery) throw new AppError(404, 'not_delivered_here', { fa: 'این خدمت فرم درخواست برخط ندارد.', en: 'This service has no online application form.' });
    const result = previewResult(w.data, previewDeps);
    return sendHtml(reply, formPreviewPage(lang, req.staff!, await reply.generateCsrf(), { data: w.data, version: w.version, status: w.status, result, organizationName }));
  });

  /**
   * The service form's definition previewed before it is saved (the form's second button, in a new
   * tab): the same checks and pages as a saved version's preview, from what was posted. Nothing is
   * stored or read from a registry, so any catalogue staff member may preview what they typed.
   */
  const unsavedPreview = `${lang === 'fa' ? '' : '/en'}${UNSAVED_PREVIEW_PATH}`;
  app.post<{ Body: FormValues }>(unsavedPreview, { ...kit.posted, ...kit.formBody }, async (req, reply) => {
    const { input, errors } = formToService(req.body);
    const field = (k: string) => (typeof req.body[k] === 'string' ? (req.body[k] as string) : '');
    const data = { ...input, code: field('code').trim(), organization: field('organization'), title: { fa: field('title_fa').trim(), en: field('title_en').trim() } } as unknown as ServiceData;
    const notJson = errors.find((e) => e.field === 'delivery');
    const result: PreviewResult = notJson
      ? { ok: false, problems: [{ path: 'delivery', message: formProblems([notJson], ['delivery'])[0]!.message }] }
      : input.delivery === undefined
        ? { ok: false, problems: [{ path: 'delivery', message: { fa: previewStrings('fa').emptyDefinition, en: previewStrings('en').emptyDefinition } }] }
        : previewResult(data, previewDeps);
    // What the same preview in the other language posts again: the fields it shows, nothing more.
    const unsaved = Object.fromEntries(['code', 'organization', 'title_fa', 'title_en', 'delivery'].map((k) => [k, field(k)]));
    return sendHtml(reply, formPreviewPage(lang, req.staff!, await reply.generateCsrf(), { data, version: 0, status: 'draft', result, organizationName, unsaved }), result.ok ? 200 : 400);
  });
  // The unsaved preview has no address of its own; the language switch in the page's header leads back to a new entry's form.
  app.get(unsavedPreview, kit.guarded, async (_req, reply) => reply.redirect(`${base}/services/new`, 303));
}
