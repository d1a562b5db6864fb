/**
 * Issued documents benchmark (`node --import tsx bench/documents.bench.ts`): documents per second
 * per core, and what the PAdES signature costs beside rendering the same PDF unsigned, in the same
 * run. Three cases, interleaved round by round so a busy machine weighs on all of them alike:
 *
 *  - render: the Persian PDF (pdfkit + fontkit shaping + bidi + QR), unsigned;
 *  - render + sign: the same PDF with its PAdES B-B signature (placeholder, CMS, RSA-2048);
 *  - issue: `Documents.issue` end to end: render, sign, the SD-JWT VC, the insert into the database.
 *
 * One process, one thread: documents per CPU second is documents per second per core. Wall-clock
 * rates are printed too; on a machine shared with other work they are lower.
 *
 * Environment (all optional): BENCH_SECONDS (3 s per case per round), BENCH_ROUNDS (5),
 * DATABASE_URL (postgres://… to run the issue case on PostgreSQL, in a schema of its own).
 */
import os from 'node:os';
import { freshDatabase } from '../test/harness.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db.js';
import { KeyStore, keyMigrations } from '../src/platform/keys.js';
import { migrate, platformMigrations } from '../src/platform/migrations.js';
import { Documents, documentMigrations, type IssueRequest } from '../src/documents/index.js';
import { DocumentCertificates, PDF_KEY_PURPOSE } from '../src/documents/certificate.js';
import { newDocumentNumber } from '../src/documents/number.js';
import { renderPdf, type RenderInput } from '../src/documents/render-pdf.js';
import { signPdf } from '../src/documents/sign-pades.js';
import { PLATFORM_NAME } from '../src/documents/service.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const PUBLIC_URL = 'https://panjareh.example';

const request: IssueRequest = {
  type: 'criminal-record-certificate',
  title: { fa: 'گواهی عدم سوءپیشینه', en: 'Criminal record certificate' },
  organization: { code: 'JUDICIARY', name: { fa: 'قوه قضاییه جمهوری اسلامی ایران', en: 'Judiciary of the Islamic Republic of Iran' } },
  holder: { nationalCode: '0012345679', name: { fa: 'علی محمدی', en: 'Ali Mohammadi' } },
  fields: [
    { key: 'purpose', label: { fa: 'منظور', en: 'Purpose' }, value: 'ارائه به سفارت (Embassy of Canada)' },
    { key: 'note', label: { fa: 'توضیح', en: 'Note' }, value: 'گواهی شماره AB-123 صادر شده در ۱۴۰۵' },
    { key: 'result', label: { fa: 'نتیجه', en: 'Result' }, value: 'فاقد سابقه کیفری مؤثر است.' },
  ],
  validDays: 90,
};

interface Sample {
  docs: number;
  wallS: number;
  cpuS: number;
}

/** Runs `one` back to back for `seconds`; a fresh document each time (its number changes the text and the QR code). */
async function measure(one: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let docs = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await one();
    docs++;
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { docs, wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f1 = (n: number) => n.toFixed(1);
const spread = (xs: number[], digits = 1) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main() {
  const shared = await freshDatabase();
  const config = loadConfig({ ...process.env, PANJAREH_DATA_DIR: shared.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL });
  const handle = openDatabase(config, { pgSchema: shared.pgSchema });
  try {
    await migrate(handle.db, handle.dialect, [...platformMigrations, ...keyMigrations, ...documentMigrations]);
    const keys = new KeyStore(handle.db);
    const documents = new Documents(handle.db, { publicUrl: PUBLIC_URL, keys });
    const pdfKey = await keys.active(PDF_KEY_PURPOSE, 'RS256');
    const identity = { key: pdfKey, certificate: await new DocumentCertificates({ organization: 'Panjareh', unit: 'bench' }).forKey(pdfKey, handle.db) };

    const input = (): RenderInput => {
      const id = newDocumentNumber();
      const now = new Date().toISOString();
      return {
        document: { id, title: request.title, organization: request.organization, holder: request.holder, fields: request.fields, issuedAt: now, expiresAt: now },
        verifyUrl: `${PUBLIC_URL}/verify/${id}`,
        platformName: PLATFORM_NAME,
      };
    };
    const signOpts = () => ({ reason: 'bench', location: 'bench', name: 'bench', contactInfo: 'bench', signingTime: new Date() });
    const cases: Record<string, () => Promise<unknown>> = {
      render: () => renderPdf(input()),
      'render + sign': async () => signPdf(await renderPdf(input()), identity, signOpts()),
      issue: () => documents.issue(handle.db, request),
    };
    // Warm-up: fonts parsed, code compiled, keys and certificate made.
    for (const one of Object.values(cases)) for (let i = 0; i < 5; i++) await one();

    const results: Record<string, Sample[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let r = 1; r <= rounds; r++) {
      for (const [name, one] of Object.entries(cases)) results[name]!.push(await measure(one));
      process.stderr.write(`round ${r}/${rounds} done\n`);
    }

    const perCpu = (s: Sample) => s.docs / s.cpuS;
    const perWall = (s: Sample) => s.docs / s.wallS;
    const msPerDoc = (s: Sample) => (s.cpuS * 1000) / s.docs;
    const ratio = results['render']!.map((s, i) => msPerDoc(results['render + sign']![i]!) / msPerDoc(s));
    const signMs = results['render']!.map((s, i) => msPerDoc(results['render + sign']![i]!) - msPerDoc(s));
    const pdfBytes = (await documents.pdf((await documents.issue(handle.db, request)).id))!.length;

    const lines = [
      `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end; database ${handle.dialect}; ${rounds} rounds × ${seconds} s per case, cases interleaved. Median (min–max) over the rounds.`,
      '',
      '| case | documents per CPU second (= per core) | CPU ms per document | documents per wall second |',
      '| --- | --- | --- | --- |',
      ...Object.entries(results).map(([name, ss]) => `| ${name} | ${spread(ss.map(perCpu))} | ${spread(ss.map(msPerDoc))} | ${spread(ss.map(perWall))} |`),
      '',
      `Signing beside rendering the same PDF: render + sign costs ${spread(ratio, 2)} × render alone, that is ${spread(signMs)} CPU ms per document for the signature. A signed document is ${Math.round(pdfBytes / 1024)} KB.`,
    ];
    console.log(lines.join('\n'));
    console.error(`(${f1(results['issue']!.reduce((s, x) => s + x.docs, 0))} documents issued in the issue case)`);
  } finally {
    await handle.close();
    await shared.drop();
  }
}

await main();
