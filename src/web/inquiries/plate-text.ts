import { html, type SafeHtml } from '../html.js';
import { digits, type Lang } from '../i18n.js';

/**
 * A plate as it is written on the car, left to right: `۱۲ب۳۴۵-۶۷`. Its letter is Arabic script, so
 * the Unicode bidirectional algorithm would carry the digits after it to the right-to-left side
 * (the plate then shows as `۱۲ ۶۷-۳۴۵ب`), in Persian and English text alike. A left-to-right mark
 * after each letter and an isolate around the whole keep it in order wherever the text goes:
 * a table cell, a heading, a hint, an error message or an accessible name.
 */
const LRI = '\u2066';
const PDI = '\u2069';
const LRM = '\u200E';
const ARABIC_LETTER = /(?![\u0660-\u0669\u06F0-\u06F9])\p{Script=Arabic}/gu;

export const plateText = (plate: string, lang: Lang): string => `${LRI}${digits(plate, lang).replace(ARABIC_LETTER, (c) => c + LRM)}${PDI}`;

export const plateHtml = (plate: string, lang: Lang): SafeHtml => html`<bdi class="plate" dir="ltr">${digits(plate, lang).replace(ARABIC_LETTER, (c) => c + LRM)}</bdi>`;

/** The example in hints and errors. */
export const EXAMPLE_PLATE = '12ب345-67';
