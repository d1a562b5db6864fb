/** A failure the client caused or may see: an HTTP status, a stable machine code and a message in both languages. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messages: { fa: string; en: string },
    readonly details?: unknown,
  ) {
    super(messages.en);
    this.name = 'AppError';
  }
}

export const notFound = (what: { fa: string; en: string }): AppError =>
  new AppError(404, 'not_found', { fa: `${what.fa} پیدا نشد.`, en: `${what.en} was not found.` });

export const forbidden = (): AppError =>
  new AppError(403, 'forbidden', { fa: 'شما اجازه این کار را ندارید.', en: 'You are not allowed to do this.' });

export const invalid = (code: string, fa: string, en: string, details?: unknown): AppError => new AppError(400, code, { fa, en }, details);

export const conflict = (code: string, fa: string, en: string): AppError => new AppError(409, code, { fa, en });

/** The JSON body of every error response of the API. */
export function errorBody(e: AppError): { error: { code: string; message: { fa: string; en: string }; details?: unknown } } {
  return { error: { code: e.code, message: e.messages, ...(e.details !== undefined ? { details: e.details } : {}) } };
}
