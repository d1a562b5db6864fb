import type { Localized } from '../catalog/index.js';

/** The statuses of an application (the citizen's API names them so). */
export const STATUSES = ['draft', 'awaiting_payment', 'submitted', 'in_review', 'changes_requested', 'approved', 'rejected', 'withdrawn'] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses from which the applicant may still withdraw. */
export const WITHDRAWABLE: readonly Status[] = ['draft', 'awaiting_payment', 'submitted', 'in_review', 'changes_requested'];
/** Statuses a caseworker may decide in. */
export const DECIDABLE: readonly Status[] = ['submitted', 'in_review'];
export const FINAL: readonly Status[] = ['approved', 'rejected', 'withdrawn'];

export const STATUS_NAMES: Record<Status, Localized> = {
  draft: { fa: 'پیش‌نویس', en: 'Draft' },
  awaiting_payment: { fa: 'در انتظار پرداخت', en: 'Awaiting payment' },
  submitted: { fa: 'ثبت شده', en: 'Submitted' },
  in_review: { fa: 'در حال بررسی', en: 'In review' },
  changes_requested: { fa: 'نیازمند اصلاح', en: 'Changes requested' },
  approved: { fa: 'تأیید شده', en: 'Approved' },
  rejected: { fa: 'رد شده', en: 'Rejected' },
  withdrawn: { fa: 'انصراف داده شده', en: 'Withdrawn' },
};

/** The person an application is made by, as the web layer knows them from the signed-in session. */
export interface Applicant {
  nationalCode: string;
  name: Localized;
  mobile: string | null;
  email?: string | null;
}

/** Registry data read for one prefill source, as shown to the applicant and the caseworker. */
export interface PrefilledSource {
  id: string;
  source: Localized;
  fields: Array<{ id: string; label: Localized; value: string }>;
  items?: Array<{ label: string; fields: Array<{ id: string; label: Localized; value: string }> }>;
  /** The exchange call that brought it (support traces it in the audit log). */
  xroadId: string;
  at: string;
}

export interface HistoryEntry {
  at: string;
  actor: string;
  kind: string;
  status: Status;
  detail: Record<string, unknown>;
}

export interface Application {
  id: string;
  trackingCode: string;
  service: string;
  serviceVersion: number;
  applicant: { nationalCode: string; name: Localized };
  status: Status;
  step: number;
  organization: string;
  answers: Record<string, unknown>;
  prefill: PrefilledSource[];
  page: string | null;
  fee: { amount: number; currency: 'IRR'; paidAt: string | null };
  deadline: string | null;
  pausedRemainingDays: number | null;
  /** 0 on time, 1 overdue, 2 escalated to the authority. */
  overdue: number;
  assignedTo: string | null;
  firstApprovalBy: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  rev: number;
}

/** An application as a list shows it: everything but its answers and the registries' data. */
export type ApplicationSummary = Omit<Application, 'answers' | 'prefill'>;
/** An application as the API's lists show it (store.ts, LISTED_COLUMNS): what it is, where it is, its fee and dates. */
export type ListedApplication = Pick<ApplicationSummary, 'id' | 'trackingCode' | 'service' | 'serviceVersion' | 'status' | 'step' | 'organization' | 'fee' | 'deadline' | 'overdue' | 'createdAt' | 'submittedAt' | 'decidedAt'>;

/** A decision's reason, chosen from the service's list or written; the applicant reads it. */
export type Reason = Localized;
