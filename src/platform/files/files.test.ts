import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ManualClock } from '../clock.js';
import { AppError } from '../errors.js';
import { testDatabase } from '../jobs/test-database.js';
import { cleanFileName, FileStore, fileMigrations, MAX_FILE_BYTES, sniffMediaType } from './index.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0')]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>');

const refused = (status: number, code: string) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.status, status);
  assert.equal(e.code, code);
  assert.ok(e.messages.fa.length > 0 && e.messages.en.length > 0);
  return true;
};

test('sniffMediaType knows PDF, JPEG and PNG by their first bytes and nothing else', () => {
  assert.equal(sniffMediaType(PDF), 'application/pdf');
  assert.equal(sniffMediaType(PNG), 'image/png');
  assert.equal(sniffMediaType(JPEG), 'image/jpeg');
  assert.equal(sniffMediaType(HTML), null);
  assert.equal(sniffMediaType(Buffer.from('%PDF')), null, 'the header cut short');
  assert.equal(sniffMediaType(PNG.subarray(0, 7)), null);
  assert.equal(sniffMediaType(Buffer.from([0xff, 0xd8])), null);
  assert.equal(sniffMediaType(Buffer.from('GIF89a')), null);
  assert.equal(sniffMediaType(Buffer.from('PK\x03\x04')), null, 'a Word file (zip)');
  assert.equal(sniffMediaType(Buffer.from(' %PDF-1.4')), null, 'the signature must come first');
  assert.equal(sniffMediaType(new Uint8Array()), null);
});

test('cleanFileName keeps a name for display only', () => {
  assert.equal(cleanFileName('C:\\Users\\ali\\مدرک تحصیلی.pdf'), 'مدرک تحصیلی.pdf');
  assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
  assert.equal(cleanFileName('photo\u202Egpj.exe'), 'photogpj.exe', 'no right-to-left override');
  assert.equal(cleanFileName('a\r\nContent-Type: x.pdf'), 'aContent-Type_ x.pdf');
  assert.equal(cleanFileName('  نامه\u200cها   ۱۴۰۵ .png '), 'نامه\u200cها ۱۴۰۵ .png', 'the zero-width non-joiner stays');
  assert.equal(cleanFileName('...'), 'file');
  assert.equal(cleanFileName('.hidden.pdf'), 'hidden.pdf');
  const long = cleanFileName(`${'ب'.repeat(300)}.pdf`);
  assert.equal(Array.from(long).length, 120);
  assert.ok(long.endsWith('.pdf'));
});

test('put stores PDF, JPEG and PNG with their detected type, size and hash; get, meta, list and remove', async () => {
  const t = await testDatabase(fileMigrations);
  try {
    const clock = new ManualClock('2026-12-07T09:30:00.000Z');
    const files = new FileStore(t.db, { clock });
    // A second node (its own connection) reads what the first stored.
    const other = new FileStore(t.open().db);
    const pdf = await files.put(t.db, { bytes: PDF, name: 'گواهی.PDF', owner: 'app-1' });
    const jpeg = await files.put(t.db, { bytes: new Uint8Array(JPEG), name: 'scan.jpeg', owner: 'app-1' });
    const png = await files.put(t.db, { bytes: PNG, name: 'no extension', owner: 'app-2' });
    assert.deepEqual(pdf, {
      id: pdf.id,
      owner: 'app-1',
      name: 'گواهی.PDF',
      mediaType: 'application/pdf',
      size: PDF.length,
      sha256: createHash('sha256').update(PDF).digest('hex'),
      createdAt: '2026-12-07T09:30:00.000Z',
    });
    assert.equal(jpeg.mediaType, 'image/jpeg');
    assert.equal(png.mediaType, 'image/png');

    const got = await other.get(pdf.id);
    assert.ok(got && Buffer.isBuffer(got.bytes));
    assert.ok(got.bytes.equals(PDF), 'the same bytes back');
    assert.deepEqual(await other.meta(png.id), png);
    assert.deepEqual((await other.list('app-1')).map((f) => f.id).sort(), [pdf.id, jpeg.id].sort());
    assert.equal(await other.get('no-such-id'), null);
    assert.equal(await other.meta('no-such-id'), null);

    assert.equal(await files.remove(jpeg.id), true);
    assert.equal(await files.remove(jpeg.id), false);
    assert.equal(await other.get(jpeg.id), null);
  } finally {
    await t.dispose();
  }
});

test('put refuses what is not PDF, JPEG or PNG by content, whatever its name says; empty; over 5 MB', async () => {
  const t = await testDatabase(fileMigrations);
  try {
    const files = new FileStore(t.db);
    await assert.rejects(files.put(t.db, { bytes: HTML, name: 'certificate.pdf', owner: 'o' }), refused(400, 'file_type'), 'an HTML page named .pdf');
    await assert.rejects(files.put(t.db, { bytes: Buffer.from('MZ\x90\0'), name: 'x.png', owner: 'o' }), refused(400, 'file_type'));
    await assert.rejects(
      files.put(t.db, { bytes: PNG, name: 'certificate.pdf', owner: 'o' }),
      (e: unknown) => refused(400, 'file_type')(e) && /\.pdf but its content is a PNG image/.test((e as AppError).messages.en) && /PNG/.test((e as AppError).messages.fa),
      'a PNG named .pdf is not what it claims',
    );
    await assert.rejects(files.put(t.db, { bytes: PDF, name: 'letter.docx', owner: 'o' }), refused(400, 'file_type'));
    await assert.rejects(files.put(t.db, { bytes: Buffer.alloc(0), name: 'a.pdf', owner: 'o' }), refused(400, 'file_empty'));

    const atLimit = Buffer.alloc(MAX_FILE_BYTES, 0x20);
    PDF.copy(atLimit);
    const over = Buffer.concat([atLimit, Buffer.from(' ')]);
    await assert.rejects(files.put(t.db, { bytes: over, name: 'big.pdf', owner: 'o' }), refused(413, 'file_too_large'));
    assert.equal(MAX_FILE_BYTES, 5 * 1024 * 1024);
    const ok = await files.put(t.db, { bytes: atLimit, name: 'big.pdf', owner: 'o' });
    assert.equal(ok.size, MAX_FILE_BYTES, 'exactly 5 MB is accepted');
    assert.ok((await files.get(ok.id))!.bytes.equals(atLimit));

    const left = await files.list('o');
    assert.deepEqual(left.map((f) => f.id), [ok.id], 'nothing refused was stored');
  } finally {
    await t.dispose();
  }
});

test('a file stored inside a transaction that rolls back does not exist', async () => {
  const t = await testDatabase(fileMigrations);
  try {
    const files = new FileStore(t.db);
    let id = '';
    await assert.rejects(
      t.db.transaction().execute(async (trx) => {
        id = (await files.put(trx, { bytes: PDF, name: 'a.pdf', owner: 'draft-9' })).id;
        throw new Error('the application was not saved');
      }),
      /not saved/,
    );
    assert.ok(id);
    assert.equal(await files.meta(id), null);
  } finally {
    await t.dispose();
  }
});

test('storedBefore pages through the files of owners with a prefix stored before a time, oldest first', async () => {
  const t = await testDatabase(fileMigrations);
  try {
    const clock = new ManualClock('2026-11-01T00:00:00.000Z');
    const files = new FileStore(t.db, { clock });
    await files.put(t.db, { bytes: PDF, name: 'draft.pdf', owner: 'application:x' });
    await files.put(t.db, { bytes: PDF, name: 'persons.pdf', owner: 'persons' });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await files.put(t.db, { bytes: PDF, name: `${i}.pdf`, owner: `person:${i}` })).id);
      clock.advance(60_000);
    }
    const late = await files.put(t.db, { bytes: PDF, name: 'late.pdf', owner: 'person:9' });
    const before = late.createdAt;
    const seen: string[] = [];
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = await files.storedBefore('person:', before, 2, after);
      seen.push(...page.map((f) => f.id));
      if (page.length < 2) break;
      after = page[page.length - 1]!;
    }
    assert.deepEqual(seen, made, 'every person: file stored before, in order; not the draft’s, not "persons", not the later one');
  } finally {
    await t.dispose();
  }
});
