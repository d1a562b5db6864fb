import type { Localized } from '../catalog/index.js';
import type { Status } from './model.js';
import { formatTrackingCode } from './tracking-code.js';

/**
 * The text message sent on each status change: short (one SMS part where it can be), the service's
 * Persian title, the tracking code, and where to follow it. Persian first; the platform's language
 * for messages is Persian, as people's phones are.
 */
const WHAT: Record<Status, string> = {
  draft: 'ذخیره شد',
  awaiting_payment: 'ثبت شد و در انتظار پرداخت است',
  submitted: 'ثبت شد',
  in_review: 'در حال بررسی است',
  changes_requested: 'نیازمند اصلاح است؛ لطفاً پاسخ دهید',
  approved: 'تأیید شد',
  rejected: 'رد شد',
  withdrawn: 'با انصراف شما بسته شد',
};

export function statusNotice(o: { service: Localized; trackingCode: string; status: Status; publicUrl: string }): string {
  return `پنجره: درخواست «${o.service.fa}» با کد رهگیری ${formatTrackingCode(o.trackingCode)} ${WHAT[o.status]}. ${o.publicUrl}/account/applications`;
}

export function overdueNotice(o: { service: Localized; trackingCode: string; publicUrl: string }): string {
  return `پنجره: مهلت قانونی رسیدگی به درخواست «${o.service.fa}» (کد رهگیری ${formatTrackingCode(o.trackingCode)}) گذشته است و به مرجع نظارت گزارش شد. ${o.publicUrl}/account/applications`;
}
