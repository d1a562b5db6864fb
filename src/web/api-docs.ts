import type { FastifyInstance } from 'fastify';
import { renderOpenApi } from './developers/openapi-view.js';
import { html } from './html.js';
import { prefix, t, type Lang } from './i18n.js';
import { breadcrumbs, page } from './layout.js';

/**
 * The public API's reference at `/api/docs` (English at `/en/api/docs`), rendered on the server from
 * the OpenAPI document the routes describe, like the developer portal renders an agency's: readable
 * without JavaScript and accessible, which a script-built viewer is not. The document itself is at
 * `/api/docs/json`.
 */
export async function apiDocsRoutes(app: FastifyInstance & { swagger(): unknown }): Promise<void> {
  app.get('/api/docs/json', async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(app.swagger()));
  for (const lang of ['fa', 'en'] as Lang[]) {
    const s = t(lang);
    app.get(`${prefix(lang)}/api/docs`, async (_req, reply) => {
      const body = html`${breadcrumbs(lang, [{ label: s.apiDocs }])}
<h1>${s.apiDocs}</h1>
<p>${s.apiDocsLead} <a href="/api/docs/json" dir="ltr">/api/docs/json</a></p>
<h2>${s.apiOperations}</h2>
${renderOpenApi(app.swagger(), lang)}`;
      return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=300').send(page({ lang, title: s.apiDocs, path: '/api/docs', body }));
    });
  }
}
