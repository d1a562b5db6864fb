import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { toPersianDigits } from '../platform/text.js';
import { visualRuns } from './bidi-line.js';
import type { IssuedDocument, Localized } from './model.js';
import { formatNumber } from './number.js';
import { qrMatrix } from './qr.js';

/**
 * The printable document: A4, Persian first (right half, right to left), English beside it (left
 * half), the verification QR code at the foot. Drawn with pdfkit, whose fontkit applies Vazirmatn's
 * OpenType shaping (joining forms, ligatures, mark positioning); the bidi order of mixed lines is
 * ours (bidi-line.ts). The fonts are embedded as subsets, with a ToUnicode map, so the text can be
 * searched and copied.
 */

const fontDir = path.join(path.dirname(createRequire(import.meta.url).resolve('vazirmatn/package.json')), 'fonts', 'ttf');
// Read once per process: every document embeds (a subset of) the same two files.
const FONTS = {
  regular: fs.readFileSync(path.join(fontDir, 'Vazirmatn-Regular.ttf')),
  bold: fs.readFileSync(path.join(fontDir, 'Vazirmatn-Bold.ttf')),
};

/**
 * pdfkit parses a font anew for every document (fontkit.create), and fontkit decodes its OpenType
 * tables lazily on that object: for Vazirmatn's large GSUB and GPOS tables that decoding was most of
 * a document's rendering time. So each font is parsed once per process and handed to pdfkit through
 * fontkit's own extension point, `registerFormat`: pdfkit is given a short marker instead of the
 * font file, which only the format below recognises, and whose "parsing" returns the shared font.
 * Sharing is safe: each document takes its own subset (font.createSubset), layouts are fresh
 * objects, and nothing runs between a seek and a read of the font's stream (all synchronous).
 */
interface Fontkit {
  create(src: Uint8Array): unknown;
  registerFormat(format: unknown): void;
}
// The fontkit pdfkit itself requires (one module instance, one list of formats).
const fontkit = createRequire(createRequire(import.meta.url).resolve('pdfkit'))('fontkit') as Fontkit;
const MARK = Buffer.from('panjareh-shared-font:');
const sharedFonts = [fontkit.create(FONTS.regular), fontkit.create(FONTS.bold)];
const marker = (i: number) => Buffer.concat([MARK, Buffer.from([i])]);
const FONT_MARKERS = { regular: marker(0), bold: marker(1) };
class SharedFont {
  static probe(buffer: Uint8Array): boolean {
    return buffer.length === MARK.length + 1 && MARK.equals(buffer.subarray(0, MARK.length));
  }
  constructor(stream: { buffer: Uint8Array }) {
    // A constructor may return another object: `new` then yields the font parsed once.
    return sharedFonts[stream.buffer[MARK.length]!] as SharedFont;
  }
}
fontkit.registerFormat(SharedFont);

const PAGE = { width: 595.28, height: 841.89, margin: 48 };
const INK = '#1b1b1b';
const MUTED = '#555555';
const RULE = '#b8c4d0';
const ACCENT = '#0b4f7c';

export interface RenderInput {
  document: Pick<IssuedDocument, 'id' | 'title' | 'organization' | 'holder' | 'fields' | 'issuedAt' | 'expiresAt'>;
  /** `PUBLIC_URL/verify/{number}`: printed and in the QR code. */
  verifyUrl: string;
  platformName: Localized;
}

const jalali = new Intl.DateTimeFormat('fa-IR-u-ca-persian', { dateStyle: 'long', timeZone: 'Asia/Tehran' });
const gregorian = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'Asia/Tehran' });
export const jalaliDate = (iso: string): string => jalali.format(new Date(iso));
export const gregorianDate = (iso: string): string => gregorian.format(new Date(iso));

type Doc = PDFKit.PDFDocument;
type Align = 'left' | 'right' | 'center';
interface TextStyle {
  font: 'regular' | 'bold';
  size: number;
  color?: string;
}

// Runs come cut into single words or spaces (bidi-line.ts), which pdfkit shapes once per document and caches.
const SHAPE = { lineBreak: false };

function measure(doc: Doc, text: string, style: TextStyle): number {
  doc.font(style.font).fontSize(style.size);
  return doc.widthOfString(text, SHAPE);
}

/** One line, laid out by the bidi algorithm for a paragraph of direction `base`, aligned in [x, x + width]. */
function line(doc: Doc, text: string, style: TextStyle, box: { x: number; y: number; width: number; align: Align; base: 'rtl' | 'ltr' }): void {
  doc.font(style.font).fontSize(style.size).fillColor(style.color ?? INK);
  const runs = visualRuns(text, box.base).map((r) => ({ ...r, width: doc.widthOfString(r.text, SHAPE) }));
  const total = runs.reduce((s, r) => s + r.width, 0);
  let x = box.align === 'left' ? box.x : box.align === 'right' ? box.x + box.width - total : box.x + (box.width - total) / 2;
  for (const r of runs) {
    doc.text(r.text, x, box.y, SHAPE);
    x += r.width;
  }
}

/** Breaks `text` (logical order) into lines no wider than `width`, at spaces. */
function wrap(doc: Doc, text: string, style: TextStyle, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let current = '';
    for (const word of paragraph.split(/ +/)) {
      const candidate = current ? `${current} ${word}` : word;
      if (current && measure(doc, candidate, style) > width) {
        lines.push(current);
        current = word;
      } else current = candidate;
    }
    lines.push(current);
  }
  return lines;
}

/** A block of wrapped lines; returns the height used. */
function block(doc: Doc, text: string, style: TextStyle, box: { x: number; y: number; width: number; align: Align; base: 'rtl' | 'ltr' }, leading = 1.55): number {
  const lines = wrap(doc, text, style, box.width);
  lines.forEach((l, i) => line(doc, l, style, { ...box, y: box.y + i * style.size * leading }));
  return lines.length * style.size * leading;
}

function blockHeight(doc: Doc, text: string, style: TextStyle, width: number, leading = 1.55): number {
  return wrap(doc, text, style, width).length * style.size * leading;
}

interface Row {
  label: Localized;
  value: Localized;
}

function rows(d: RenderInput['document']): Row[] {
  const number = formatNumber(d.id);
  return [
    { label: { fa: 'نام دارنده', en: 'Holder' }, value: d.holder.name },
    { label: { fa: 'کد ملی', en: 'National code' }, value: { fa: toPersianDigits(d.holder.nationalCode), en: d.holder.nationalCode } },
    ...d.fields.map((f) => ({ label: f.label, value: { fa: f.value, en: f.value } })),
    { label: { fa: 'تاریخ صدور', en: 'Issued on' }, value: { fa: jalaliDate(d.issuedAt), en: gregorianDate(d.issuedAt) } },
    {
      label: { fa: 'اعتبار تا', en: 'Valid until' },
      value: d.expiresAt ? { fa: jalaliDate(d.expiresAt), en: gregorianDate(d.expiresAt) } : { fa: 'بدون تاریخ انقضا', en: 'Does not expire' },
    },
    { label: { fa: 'شماره سند', en: 'Document number' }, value: { fa: number, en: number } },
  ];
}

function drawQr(doc: Doc, text: string, x: number, y: number, size: number): void {
  const qr = qrMatrix(text);
  const quiet = 2;
  const cell = size / (qr.size + quiet * 2);
  doc.rect(x, y, size, size).fill('#ffffff');
  doc.fillColor('#000000');
  for (let r = 0; r < qr.size; r++) {
    for (let c = 0; c < qr.size; c++) {
      if (qr.dark(r, c)) doc.rect(x + (c + quiet) * cell, y + (r + quiet) * cell, cell + 0.05, cell + 0.05);
    }
  }
  doc.fill();
}

export function renderPdf(input: RenderInput): Promise<Buffer> {
  const d = input.document;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    // No default Helvetica: pdfkit would parse its metrics file for every document, and it is never used.
    font: null as unknown as string,
    pdfVersion: '1.7',
    lang: 'fa-IR',
    displayTitle: true,
    info: {
      Title: `${d.title.fa} | ${d.title.en}`,
      Author: `${d.organization.name.fa} | ${d.organization.name.en}`,
      Subject: formatNumber(d.id),
      Creator: `${input.platformName.en} (${input.platformName.fa})`,
      CreationDate: new Date(d.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', FONT_MARKERS.regular);
  doc.registerFont('bold', FONT_MARKERS.bold);

  const { width: W, height: H, margin: m } = PAGE;
  const inner = W - 2 * m;
  const half = (inner - 24) / 2;
  const right = { x: m + half + 24, width: half, align: 'right' as const, base: 'rtl' as const };
  const left = { x: m, width: half, align: 'left' as const, base: 'ltr' as const };

  // Band: the issuing organisation, Persian on the right, English on the left.
  doc.rect(0, 0, W, 6).fill(ACCENT);
  let y = m - 8;
  const orgFa = block(doc, d.organization.name.fa, { font: 'bold', size: 13 }, { ...right, y });
  const orgEn = block(doc, d.organization.name.en, { font: 'bold', size: 11 }, { ...left, y: y + 2 });
  y += Math.max(orgFa, orgEn);
  line(doc, `صادرشده در ${input.platformName.fa}`, { font: 'regular', size: 9, color: MUTED }, { ...right, y });
  line(doc, `Issued through ${input.platformName.en}`, { font: 'regular', size: 9, color: MUTED }, { ...left, y });
  y += 22;
  doc.moveTo(m, y).lineTo(W - m, y).lineWidth(0.8).strokeColor(RULE).stroke();
  y += 22;

  // Title, Persian then English, centred.
  y += block(doc, d.title.fa, { font: 'bold', size: 22, color: ACCENT }, { x: m, y, width: inner, align: 'center', base: 'rtl' }, 1.5);
  y += block(doc, d.title.en, { font: 'regular', size: 14, color: ACCENT }, { x: m, y, width: inner, align: 'center', base: 'ltr' }, 1.5);
  y += 16;

  // The rows: label above value, each side in its language.
  const labelStyle: TextStyle = { font: 'regular', size: 9, color: MUTED };
  const valueStyle: TextStyle = { font: 'bold', size: 12 };
  for (const row of rows(d)) {
    const h =
      labelStyle.size * 1.7 +
      Math.max(blockHeight(doc, row.value.fa, valueStyle, half), blockHeight(doc, row.value.en, valueStyle, half));
    if (y + h > H - 210) break; // never over the QR code: a document's fields are few
    doc.moveTo(m, y).lineTo(W - m, y).lineWidth(0.4).strokeColor(RULE).stroke();
    y += 6;
    line(doc, row.label.fa, labelStyle, { ...right, y });
    line(doc, row.label.en, labelStyle, { ...left, y });
    y += labelStyle.size * 1.7;
    const hv = Math.max(block(doc, row.value.fa, valueStyle, { ...right, y }), block(doc, row.value.en, valueStyle, { ...left, y }));
    y += hv + 4;
  }
  doc.moveTo(m, y).lineTo(W - m, y).lineWidth(0.4).strokeColor(RULE).stroke();

  // Foot: the QR code of the verification address, and how to check the document.
  const qrSize = 118;
  const qrY = H - m - qrSize - 14;
  drawQr(doc, input.verifyUrl, m, qrY, qrSize);
  line(doc, input.verifyUrl, { font: 'regular', size: 7.5, color: MUTED }, { x: m, y: qrY + qrSize + 2, width: inner, align: 'left', base: 'ltr' });
  const textX = m + qrSize + 20;
  const textW = W - m - textX;
  let fy = qrY + 4;
  fy += block(
    doc,
    'این سند به‌صورت الکترونیکی امضا شده است. برای بررسی اعتبار آن، رمزینه را بخوانید یا شماره سند را در نشانی زیر رمزینه وارد کنید.',
    { font: 'regular', size: 9.5 },
    { x: textX, y: fy, width: textW, align: 'right', base: 'rtl' },
  );
  fy += 6;
  block(
    doc,
    'This document is signed electronically. To check it, scan the QR code or enter the document number at the address below the code.',
    { font: 'regular', size: 9 },
    { x: textX, y: fy, width: textW, align: 'left', base: 'ltr' },
  );
  doc.end();
  return done;
}
