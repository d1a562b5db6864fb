import type { FieldKind } from '../model.js';
import { address } from './address.js';
import { choice, multiChoice, yesNo } from './choice.js';
import { mobile, nationalCode, postalCode } from './codes.js';
import type { KindSpec } from './common.js';
import { jalaliDate } from './date.js';
import { file } from './file.js';
import { number } from './number.js';
import { text, textarea } from './text.js';

export type { KindSpec, PostBody, Parsed } from './common.js';
export { parsePostalCode } from './codes.js';
export { parseNumber } from './number.js';
export { FILE_ID } from './file.js';

export const KINDS: Record<FieldKind, KindSpec> = {
  text,
  textarea,
  number,
  'jalali-date': jalaliDate,
  choice,
  'multi-choice': multiChoice,
  'yes-no': yesNo,
  'national-code': nationalCode,
  'postal-code': postalCode,
  mobile,
  address,
  file,
};
