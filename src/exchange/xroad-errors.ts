/**
 * The gateway's own failures as X-Road REST error bodies: `{ "type", "message", "detail" }` with
 * `detail` the call's X-Road-Id, the same type in the `X-Road-Error` header, and the HTTP status
 * that says what happened. X-Road's convention for the type: `Client.*` the caller broke the
 * protocol, `Server.ClientProxy.*` the consumer side (authentication) refused, `Server.ServerProxy.*`
 * the provider side (contracts, consent, limits, the upstream) refused or failed. We add a Persian
 * message beside the English one (`messages`).
 */

export const XROAD_ERRORS = {
  BadRequest: { type: 'Client.BadRequest', status: 400, fa: 'درخواست با پروتکل X-Road برای REST سازگار نیست.' },
  InvalidClient: { type: 'Client.InvalidClientIdentifier', status: 400, fa: 'سرآیند X-Road-Client نیست یا درست نیست.' },
  UriTooLong: { type: 'Client.BadRequest.UriTooLong', status: 414, fa: 'نشانی درخواست بیش از اندازه بلند است.' },
  BodyTooLarge: { type: 'Client.BadRequest.BodyTooLarge', status: 413, fa: 'حجم بدنهٔ درخواست بیش از حد مجاز است.' },
  ClientTimeout: { type: 'Client.RequestTimeout', status: 408, fa: 'بدنهٔ درخواست به‌موقع نرسید.' },
  MethodNotAllowed: { type: 'Client.BadRequest.MethodNotAllowed', status: 405, fa: 'این روش درخواست پشتیبانی نمی‌شود.' },
  AuthenticationFailed: { type: 'Server.ClientProxy.AuthenticationFailed', status: 401, fa: 'اعتبارنامه نیست، شناخته نیست، باطل یا منقضی شده است.' },
  ClientMismatch: { type: 'Server.ClientProxy.ClientIdentifierMismatch', status: 403, fa: 'اعتبارنامه از آنِ زیرسامانه‌ای که X-Road-Client نام می‌برد نیست.' },
  UnknownClient: { type: 'Server.ClientProxy.UnknownClient', status: 403, fa: 'زیرسامانهٔ مصرف‌کننده ثبت نشده است.' },
  UnknownService: { type: 'Server.ServerProxy.UnknownService', status: 404, fa: 'سرویس ثبت نشده یا غیرفعال است.' },
  UnknownInstance: { type: 'Server.ClientProxy.UnknownInstance', status: 404, fa: 'هیچ عضوی در این نمونهٔ X-Road ثبت نشده است.' },
  UnknownMember: { type: 'Server.ServerProxy.UnknownMember', status: 404, fa: 'عضو یا زیرسامانه ثبت نشده است.' },
  NoDescription: { type: 'Server.ServerProxy.NoServiceDescription', status: 404, fa: 'این سرویس سند OpenAPI ندارد.' },
  AccessDenied: { type: 'Server.ServerProxy.AccessDenied', status: 403, fa: 'قرارداد فعالی این فراخوانی را پوشش نمی‌دهد.' },
  ConsentRequired: { type: 'Server.ServerProxy.ConsentRequired', status: 403, fa: 'دادهٔ شخصی بدون رضایت شخص یا مبنای قانونی در دسترس نیست.' },
  ConsentInvalid: { type: 'Server.ServerProxy.ConsentInvalid', status: 403, fa: 'توکن رضایت معتبر نیست، منقضی یا باطل شده، یا برای این درخواست نیست.' },
  RateLimited: { type: 'Server.ServerProxy.RateLimitExceeded', status: 429, fa: 'تعداد درخواست‌ها در ثانیه بیش از قرارداد است.' },
  QuotaExceeded: { type: 'Server.ServerProxy.QuotaExceeded', status: 429, fa: 'سهمیهٔ روزانهٔ قرارداد تمام شده است.' },
  ServiceFailed: { type: 'Server.ServerProxy.ServiceFailed', status: 502, fa: 'سرویس‌دهنده در دسترس نیست یا پاسخ نادرست داد.' },
  ServiceTimeout: { type: 'Server.ServerProxy.ServiceFailed.Timeout', status: 504, fa: 'سرویس‌دهنده به‌موقع پاسخ نداد.' },
  DatabaseError: { type: 'Server.ServerProxy.DatabaseError', status: 503, fa: 'ثبت رویداد در دفتر ممیزی ممکن نشد؛ پاسخ فرستاده نمی‌شود.' },
  InternalError: { type: 'Server.ServerProxy.InternalError', status: 500, fa: 'خطایی در درگاه رخ داد.' },
} as const;

export type XRoadErrorName = keyof typeof XROAD_ERRORS;

/** A refusal or failure of the gateway, carried to the one place that audits and answers it. */
export class GatewayRefusal extends Error {
  constructor(
    readonly error: XRoadErrorName,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayRefusal';
  }
}

export function errorBody(name: XRoadErrorName, message: string, xroadId: string): string {
  const e = XROAD_ERRORS[name];
  return JSON.stringify({ type: e.type, message, detail: xroadId, messages: { fa: e.fa, en: message } });
}
