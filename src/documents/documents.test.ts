import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Attribute, ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ES256, digest } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { extractSignature } from '@signpdf/utils';
import { ManualClock } from '../platform/clock.js';
import { AppError } from '../platform/errors.js';
import { KeyStore, keyMigrations } from '../platform/keys.js';
import { platformMigrations } from '../platform/migrations.js';
import { testDatabase } from '../platform/jobs/test-database.js';
import { Documents, documentMigrations, formatNumber, type IssueRequest } from './index.js';
import { gregorianDate, jalaliDate } from './render-pdf.js';
import { pdfsigReport } from '../../test/pdfsig.js';

const run = promisify(execFile);
const PUBLIC_URL = 'https://panjareh.example';

const request = (over: Partial<IssueRequest> = {}): IssueRequest => ({
  type: 'criminal-record-certificate',
  title: { fa: 'گواهی عدم سوءپیشینه', en: 'Criminal record certificate' },
  organization: { code: 'JUDICIARY', name: { fa: 'قوه قضاییه', en: 'Judiciary' } },
  holder: { nationalCode: '0012345679', name: { fa: 'علی محمدی', en: 'Ali Mohammadi' } },
  fields: [
    { key: 'purpose', label: { fa: 'منظور', en: 'Purpose' }, value: 'ارائه به سفارت (Embassy of Canada)' },
    { key: 'note', label: { fa: 'توضیح', en: 'Note' }, value: 'گواهی شماره AB-123 صادر شده در ۱۴۰۵' },
  ],
  validDays: 90,
  ...over,
});

async function setup() {
  const t = await testDatabase([...platformMigrations, ...keyMigrations, ...documentMigrations]);
  const clock = new ManualClock('2026-12-07T08:00:00.000Z');
  const documents = new Documents(t.db, { publicUrl: PUBLIC_URL, keys: new KeyStore(t.db), clock });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'panjareh-docs-'));
  return {
    ...t,
    clock,
    documents,
    dir,
    async dispose() {
      fs.rmSync(dir, { recursive: true, force: true });
      await t.dispose();
    },
  };
}

const stripBidiMarks = (s: string) => s.replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');

test('an issued PDF carries a PAdES signature pdfsig reports valid, and one changed byte breaks it', async () => {
  const t = await setup();
  try {
    const doc = await t.documents.issue(t.db, request());
    const pdf = (await t.documents.pdf(doc.id))!;
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const file = path.join(t.dir, 'signed.pdf');
    fs.writeFileSync(file, pdf);
    const report = await pdfsigReport(file);
    assert.match(report, /Signature Validation: Signature is Valid\./);
    assert.match(report, /Signature Type: ETSI\.CAdES\.detached/);
    assert.match(report, /Signer Certificate Common Name: Panjareh document signing/);
    assert.match(report, /O=Panjareh/);
    assert.match(report, /Total document signed/);

    // One byte inside the first signed range (in the page content, past the header) changed.
    const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.toString('latin1'));
    assert.ok(range);
    const firstLength = Number(range[2]);
    const tampered = Buffer.from(pdf);
    const at = pdf.indexOf('stream', 200) + 20;
    assert.ok(at > 20 && at < firstLength, 'the changed byte is inside the signed range');
    tampered[at] = tampered[at]! ^ 0x01;
    const bad = path.join(t.dir, 'tampered.pdf');
    fs.writeFileSync(bad, tampered);
    const badReport = await pdfsigReport(bad);
    assert.doesNotMatch(badReport, /Signature is Valid\./);
    assert.match(badReport, /Signature Validation: /);
  } finally {
    await t.dispose();
  }
});

test('the CMS is CAdES: content type, message digest and signing-certificate-v2 signed, no signing-time', async () => {
  const t = await setup();
  try {
    const doc = await t.documents.issue(t.db, request());
    const { signature } = extractSignature((await t.documents.pdf(doc.id))!);
    const info = AsnConvert.parse(Buffer.from(signature, 'latin1'), ContentInfo);
    assert.equal(info.contentType, '1.2.840.113549.1.7.2');
    const sd = AsnConvert.parse(info.content, SignedData);
    assert.equal(sd.encapContentInfo.eContent, undefined, 'detached');
    const signer = sd.signerInfos[0]!;
    const types = (signer.signedAttrs ?? []).map((a: Attribute) => a.attrType);
    assert.ok(types.includes('1.2.840.113549.1.9.3'), 'content-type');
    assert.ok(types.includes('1.2.840.113549.1.9.4'), 'message-digest');
    assert.ok(types.includes('1.2.840.113549.1.9.16.2.47'), 'signing-certificate-v2');
    assert.ok(!types.includes('1.2.840.113549.1.9.5'), 'PAdES: no signing-time attribute');
    const cert = Buffer.from(AsnConvert.serialize(sd.certificates![0]!.certificate!));
    const scv2 = Buffer.from(signer.signedAttrs!.find((a) => a.attrType === '1.2.840.113549.1.9.16.2.47')!.attrValues[0]!);
    assert.ok(scv2.includes(createHash('sha256').update(cert).digest()), 'the certificate hash is the embedded certificate’s');
    // The certificate is made once per key and shared: a second document embeds the same one.
    const again = await t.documents.issue(t.db, request());
    const sd2 = AsnConvert.parse(AsnConvert.parse(Buffer.from(extractSignature((await t.documents.pdf(again.id))!).signature, 'latin1'), ContentInfo).content, SignedData);
    assert.deepEqual(Buffer.from(AsnConvert.serialize(sd2.certificates![0]!.certificate!)), cert);
    assert.match(await t.documents.signingCertificatePem(), /^-----BEGIN CERTIFICATE-----/);
  } finally {
    await t.dispose();
  }
});

test('pdftotext reads the Persian and English text back in logical order', async () => {
  const t = await setup();
  try {
    const doc = await t.documents.issue(t.db, request());
    const file = path.join(t.dir, 'doc.pdf');
    fs.writeFileSync(file, (await t.documents.pdf(doc.id))!);
    const text = stripBidiMarks((await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout);
    for (const expected of ['گواهی عدم سوءپیشینه', 'Criminal record certificate', 'علی محمدی', 'Ali Mohammadi', 'قوه قضاییه', '۰۰۱۲۳۴۵۶۷۹', '0012345679', 'AB-123', 'صادر شده در', formatNumber(doc.id), gregorianDate(doc.issuedAt), `${PUBLIC_URL}/verify/${formatNumber(doc.id)}`]) {
      assert.ok(text.includes(expected), `pdftotext gives back «${expected}»`);
    }
    // The Jalali date's month name (the day and year are digits, which pdftotext may place either side).
    assert.ok(text.includes(jalaliDate(doc.issuedAt).split(' ')[1]!), 'the Jalali month');
  } finally {
    await t.dispose();
  }
});

test('the SD-JWT VC verifies against the published keys, discloses only what the holder picks, and revocation shows in its status list', async () => {
  const t = await setup();
  try {
    const doc = await t.documents.issue(t.db, request());
    const sdJwt = (await t.documents.credential(doc.id))!;
    const metadata = await t.documents.issuerMetadata();
    assert.equal(metadata.issuer, PUBLIC_URL);
    const verifier = async (data: string, sig: string) => {
      for (const k of metadata.jwks.keys) if (await (await ES256.getVerifier(k))(data, sig)) return true;
      return false;
    };
    const fetched: string[] = [];
    const vc = new SDJwtVcInstance({
      hasher: digest,
      hashAlg: 'sha-256',
      verifier,
      statusListFetcher: async (uri) => {
        fetched.push(uri);
        return t.documents.statusList(Number(uri.split('/').pop()));
      },
    });
    const whole = await vc.verify(sdJwt);
    const claims = whole.payload as Record<string, any>;
    assert.equal(claims.iss, PUBLIC_URL);
    assert.equal(claims.vct, `${PUBLIC_URL}/credentials/criminal-record-certificate`);
    assert.equal(claims.document_number, doc.id);
    assert.equal(claims.national_code, '0012345679');
    assert.deepEqual(claims.name, { fa: 'علی محمدی', en: 'Ali Mohammadi' });
    assert.equal(claims.fields.purpose, 'ارائه به سفارت (Embassy of Canada)');
    assert.equal(claims.exp, Math.floor(Date.parse(doc.expiresAt!) / 1000));
    assert.equal(claims.verification, `${PUBLIC_URL}/verify/${formatNumber(doc.id)}`);
    assert.match(fetched[0]!, new RegExp(`^${PUBLIC_URL}/credentials/status/0$`));

    // Selective disclosure: the holder shows the purpose only.
    const shown = await vc.present(sdJwt, { fields: { purpose: true } } as never);
    const partial = (await vc.verify(shown)).payload as Record<string, any>;
    assert.equal(partial.fields.purpose, 'ارائه به سفارت (Embassy of Canada)');
    assert.equal(partial.fields.note, undefined);
    assert.equal(partial.national_code, undefined);
    assert.equal(partial.name, undefined);
    assert.equal(partial.document_number, doc.id, 'the number is always shown');

    // A credential whose signature was changed is refused.
    const [head, body, sig] = sdJwt.split('~')[0]!.split('.');
    await assert.rejects(vc.verify(`${head}.${body}.${sig!.slice(0, -4)}AAAA~`));

    await t.documents.revoke({ username: 'judiciary-staff', organization: 'JUDICIARY' }, doc.id, { fa: 'صدور اشتباه', en: 'Issued in error' });
    await assert.rejects(vc.verify(sdJwt), /status/i);
    // Another document on the same list is still good.
    const other = await t.documents.issue(t.db, request());
    await vc.verify((await t.documents.credential(other.id))!);
  } finally {
    await t.dispose();
  }
});

test('revocation: only the issuing organisation or the authority, audited, once; statuses are computed when read', async () => {
  const t = await setup();
  try {
    const doc = await t.documents.issue(t.db, request());
    assert.equal((await t.documents.verification(formatNumber(doc.id)))!.status, 'valid');
    await assert.rejects(
      t.documents.revoke({ username: 'tax-staff', organization: 'INTA' }, doc.id, { fa: 'دلیل', en: 'Reason' }),
      (e: unknown) => e instanceof AppError && e.status === 403,
    );
    const refused = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'documents.revoke.refused').execute();
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.actor, 'tax-staff');
    await assert.rejects(t.documents.revoke({ username: 'x', organization: null }, 'NOT-A-NUMBER', { fa: 'دلیل', en: 'Reason' }), (e: unknown) => e instanceof AppError && e.status === 404);
    await assert.rejects(t.documents.revoke({ username: 'x', organization: null }, doc.id, { fa: '', en: 'Reason' }), (e: unknown) => e instanceof AppError && e.status === 400);

    t.clock.advance(3_600_000);
    const revoked = await t.documents.revoke({ username: 'judiciary-staff', organization: 'JUDICIARY' }, doc.id, { fa: 'صدور اشتباه', en: 'Issued in error' });
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revokedAt, '2026-12-07T09:00:00.000Z');
    const v = (await t.documents.verification(doc.id))!;
    assert.equal(v.status, 'revoked');
    assert.deepEqual(v.revokedReason, { fa: 'صدور اشتباه', en: 'Issued in error' });
    assert.deepEqual(v.holder, { fa: 'ع*** م***', en: 'A*** M***' });
    const audited = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'documents.revoke').execute();
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.subject, `document:${doc.id}`);
    await assert.rejects(
      t.documents.revoke({ username: 'admin', organization: null }, doc.id, { fa: 'دلیل', en: 'Reason' }),
      (e: unknown) => e instanceof AppError && e.status === 409,
    );

    // The authority may revoke any organisation's document.
    const second = await t.documents.issue(t.db, request());
    assert.equal((await t.documents.revoke({ username: 'admin', organization: null }, second.id, { fa: 'دلیل', en: 'Reason' })).status, 'revoked');

    // Expiry is the clock's, read every time.
    const third = await t.documents.issue(t.db, request({ validDays: 1 }));
    assert.equal((await t.documents.get(third.id))!.status, 'valid');
    t.clock.advance(86_400_000);
    assert.equal((await t.documents.verification(third.id))!.status, 'expired');
    const forever = await t.documents.issue(t.db, request({ validDays: undefined }));
    assert.equal(forever.expiresAt, null);

    const mine = await t.documents.listForHolder('0012345679');
    assert.deepEqual(mine.map((d) => d.id).sort(), [doc.id, second.id, third.id, forever.id].sort());
    assert.equal((await t.documents.listForHolder('0067749828')).length, 0);
    assert.equal(await t.documents.verification('K7QF-3M9X-ABCD-EFGH2'), undefined);
  } finally {
    await t.dispose();
  }
});

test('issue runs inside the caller’s transaction: rolled back with it, committed with it', async () => {
  const t = await setup();
  try {
    let kept = '';
    await assert.rejects(
      t.db.transaction().execute(async (tx) => {
        const d = await t.documents.issue(tx, request({ applicationId: 'app-1' }));
        kept = d.id;
        throw new Error('the decision failed');
      }),
      /the decision failed/,
    );
    assert.equal(await t.documents.get(kept), undefined);
    const committed = await t.db.transaction().execute(async (tx) => t.documents.issue(tx, request({ applicationId: 'app-2' })));
    assert.equal((await t.documents.forApplication('app-2'))[0]!.id, committed.id);
    fs.writeFileSync(path.join(t.dir, 'tx.pdf'), (await t.documents.pdf(committed.id))!);
    assert.match(await pdfsigReport(path.join(t.dir, 'tx.pdf')), /Signature is Valid\./);
  } finally {
    await t.dispose();
  }
});

test('bad requests are refused with a 400 before anything is written', async () => {
  const t = await setup();
  try {
    const cases: Partial<IssueRequest>[] = [
      { type: 'Bad Type' },
      { holder: { nationalCode: '0012345678', name: { fa: 'علی', en: 'Ali' } } },
      { holder: { nationalCode: '0012345679', name: { fa: '', en: 'Ali' } } },
      { fields: [{ key: 'a', label: { fa: 'ا', en: 'a' }, value: 'x' }, { key: 'a', label: { fa: 'ب', en: 'b' }, value: 'y' }] },
      { fields: [{ key: 'a', label: { fa: 'ا', en: 'a' }, value: 'x'.repeat(501) }] },
      { validDays: -1 },
      { organization: { code: 'bad code!', name: { fa: 'ا', en: 'a' } } },
      { applicationId: 'x'.repeat(101) },
    ];
    for (const c of cases) {
      await assert.rejects(t.documents.issue(t.db, request(c)), (e: unknown) => e instanceof AppError && e.status === 400, JSON.stringify(c));
    }
    const { n } = await t.db.selectFrom('documents' as never).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n), 0);
  } finally {
    await t.dispose();
  }
});
