import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AppError, errorBody } from './errors.js';

export interface HttpOptions {
  logLevel: string;
  /** Renders an error as a page for browser routes; the API always answers JSON. */
  renderHtmlError?: (req: FastifyRequest, e: AppError) => string;
}

const MESSAGES: Record<number, { code: string; fa: string; en: string }> = {
  400: { code: 'bad_request', fa: 'درخواست نادرست است.', en: 'The request is not valid.' },
  401: { code: 'unauthorized', fa: 'ابتدا وارد شوید.', en: 'Sign in first.' },
  403: { code: 'forbidden', fa: 'شما اجازه این کار را ندارید.', en: 'You are not allowed to do this.' },
  404: { code: 'not_found', fa: 'صفحه یا منبع درخواستی پیدا نشد.', en: 'The page or resource was not found.' },
  405: { code: 'method_not_allowed', fa: 'این روش درخواست پشتیبانی نمی‌شود.', en: 'This request method is not supported.' },
  406: { code: 'not_acceptable', fa: 'قالب درخواستی پشتیبانی نمی‌شود.', en: 'The requested format is not supported.' },
  413: { code: 'payload_too_large', fa: 'حجم درخواست بیش از حد مجاز است.', en: 'The request body is too large.' },
  415: { code: 'unsupported_media_type', fa: 'نوع محتوای درخواست پشتیبانی نمی‌شود.', en: 'The request content type is not supported.' },
  429: { code: 'rate_limited', fa: 'تعداد درخواست‌ها زیاد است؛ کمی بعد دوباره تلاش کنید.', en: 'Too many requests; try again a little later.' },
  500: { code: 'internal_error', fa: 'خطایی در سامانه رخ داد. لطفاً بعداً دوباره تلاش کنید.', en: 'Something went wrong on our side. Please try again later.' },
};

export function statusError(status: number, details?: unknown): AppError {
  const m = MESSAGES[status] ?? MESSAGES[status >= 500 ? 500 : 400]!;
  return new AppError(status, m.code, { fa: m.fa, en: m.en }, details);
}

/** Turns anything thrown in a handler into an AppError with the right status; unknown errors become a logged 500. */
function toAppError(err: FastifyError | Error, req: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    return new AppError(400, 'invalid_request', { fa: 'مقادیر درخواست درست نیست.', en: `The request is not valid: ${fe.message}` }, fe.validation.map((v) => ({ field: v.instancePath || v.params?.missingProperty || '', reason: v.message })));
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || err instanceof SyntaxError) {
    return new AppError(400, 'invalid_json', { fa: 'بدنه درخواست JSON معتبر نیست.', en: 'The request body is not valid JSON.' });
  }
  if (fe.code?.startsWith('FST_CSRF')) {
    return new AppError(403, 'csrf_invalid', { fa: 'فرم منقضی یا نامعتبر است؛ صفحه را دوباره باز کنید و دوباره بفرستید.', en: 'The form has expired or is not valid; reload the page and send it again.' });
  }
  const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
  if (status === 500) req.log.error({ err }, 'unhandled error');
  return statusError(status);
}

const wantsHtml = (req: FastifyRequest) => !req.url.startsWith('/api/') && !req.url.startsWith('/healthz') && !req.url.startsWith('/readyz') && /text\/html|\*\/\*/.test(req.headers.accept ?? '*/*') && !/application\/json/.test(req.headers.accept ?? '');

function send(req: FastifyRequest, reply: FastifyReply, e: AppError, opts: HttpOptions) {
  reply.status(e.status);
  if (e.status === 429 && !reply.getHeader('retry-after')) reply.header('retry-after', '60');
  if (opts.renderHtmlError && wantsHtml(req)) return reply.type('text/html; charset=utf-8').send(opts.renderHtmlError(req, e));
  return reply.type('application/json; charset=utf-8').send(errorBody(e));
}

export function createHttpServer(opts: HttpOptions): FastifyInstance {
  const app = Fastify({
    logger: { level: opts.logLevel, redact: ['req.headers.cookie', 'req.headers.authorization'] },
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    trustProxy: process.env.PANJAREH_TRUST_PROXY === 'true',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    requestTimeout: 30_000,
  });
  app.setErrorHandler((err, req, reply) => send(req, reply, toAppError(err as Error, req), opts));
  app.setNotFoundHandler((req, reply) => send(req, reply, statusError(404), opts));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    if (!reply.getHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    return payload;
  });
  return app;
}
