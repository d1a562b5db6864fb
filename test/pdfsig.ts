/**
 * pdfsig's report on a PDF, for the tests that check our PAdES signatures with poppler.
 *
 * pdfsig exits non-zero for a bad signature, and some tests want exactly that report, so a non-zero
 * exit is not an error here. What is an error is no report at all: pdfsig could not be started or
 * died before writing (CI once got an empty report under heavy load). That is tried once more, and if
 * it stays empty the thrown error says why, instead of a bare "'' does not match".
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface RunFailure {
  stdout?: string;
  stderr?: string;
  code?: number | string;
  signal?: string;
  message?: string;
}

async function once(file: string): Promise<{ report: string; why: string }> {
  try {
    const { stdout, stderr } = await run('pdfsig', [file], { timeout: 60_000 });
    return { report: stdout, why: stderr };
  } catch (e) {
    const f = e as RunFailure;
    const why = [f.message, f.code !== undefined ? `code ${f.code}` : '', f.signal ? `signal ${f.signal}` : '', f.stderr ?? '']
      .filter(Boolean)
      .join('; ');
    return { report: String(f.stdout ?? ''), why };
  }
}

export async function pdfsigReport(file: string): Promise<string> {
  let attempt = await once(file);
  if (attempt.report.trim() === '') attempt = await once(file);
  if (attempt.report.trim() === '') throw new Error(`pdfsig gave no report on ${file}: ${attempt.why || 'no message'}`);
  return attempt.report;
}
