/**
 * What the demo country's agencies know, as the rest of the platform sees it. The identity provider
 * reads people and mobile lines through the two small interfaces here; later the data exchange serves
 * the same interfaces, so they stay small.
 */

export interface Localized {
  fa: string;
  en: string;
}

export interface RegistryPerson {
  nationalCode: string;
  kind: 'citizen' | 'foreign';
  firstName: Localized;
  lastName: Localized;
  fatherName: Localized;
  gender: 'male' | 'female';
  /** YYYY-MM-DD (Gregorian). */
  birthDate: string;
  alive: boolean;
  deathDate: string | null;
}

/** The civil registry (NOCR; for foreign nationals, the immigration bureau's register). */
export interface CivilRegistry {
  person(nationalCode: string): Promise<RegistryPerson | null>;
}

/** The operators' register of who owns which mobile line (kept by the communications regulator, CRA). */
export interface MobileOwnershipRegister {
  isRegisteredTo(mobile: string, nationalCode: string): Promise<boolean>;
  linesOf(nationalCode: string): Promise<{ mobile: string; operator: string }[]>;
}

export const OPERATORS = {
  MCI: { fa: 'همراه اول', en: 'MCI (Hamrah-e Aval)' },
  Irancell: { fa: 'ایرانسل', en: 'Irancell' },
  Rightel: { fa: 'رایتل', en: 'Rightel' },
} as const satisfies Record<string, Localized>;
export type Operator = keyof typeof OPERATORS;

/** Which operator first issued a prefix (09xx). Numbers move between operators, so the register, not the prefix, is the truth. */
const PREFIXES: Record<Operator, string[]> = {
  MCI: ['0910', '0911', '0912', '0913', '0914', '0915', '0916', '0917', '0918', '0919', '0990', '0991', '0992', '0993', '0994'],
  Irancell: ['0901', '0902', '0903', '0904', '0905', '0930', '0933', '0935', '0936', '0937', '0938', '0939', '0941'],
  Rightel: ['0920', '0921', '0922'],
};
export const operatorPrefixes = (op: Operator): readonly string[] => PREFIXES[op];

/** The operator a new demo line of this number belongs to; a prefix of none of the three goes to the largest. */
export function operatorOf(mobile: string): Operator {
  const p = mobile.slice(0, 4);
  for (const op of Object.keys(PREFIXES) as Operator[]) if (PREFIXES[op].includes(p)) return op;
  return 'MCI';
}

/**
 * Iranian private-car plates read «۱۲ ب ۳۴۵ ایران ۶۷»: two digits, a letter, three digits, and the
 * two-digit region. We write them `12ب345-67` for people, and for URLs `12-B-345-67`, with the letter
 * spelled in ASCII by this table.
 */
export const PLATE_LETTERS: Record<string, string> = {
  الف: 'ALEF', ب: 'B', پ: 'P', ت: 'T', ث: 'SE', ج: 'J', د: 'D', ز: 'Z', ژ: 'ZH', س: 'S', ش: 'SH', ص: 'SAD',
  ط: 'TA', ع: 'EIN', ف: 'F', ق: 'GH', ک: 'K', گ: 'G', ل: 'L', م: 'M', ن: 'N', و: 'V', ه: 'H', ی: 'Y',
};
const LETTER_OF_CODE = Object.fromEntries(Object.entries(PLATE_LETTERS).map(([fa, code]) => [code, fa]));
export const PLATE_ID_PATTERN = '^[0-9]{2}-[A-Z]{1,4}-[0-9]{3}-[0-9]{2}$';

export interface Plate {
  /** `12ب345-67` */
  plate: string;
  /** `12-B-345-67`: the form used in URLs */
  plateId: string;
}

export function plateFromParts(first: string, letter: string, second: string, region: string): Plate {
  const code = PLATE_LETTERS[letter];
  if (!code || !/^\d{2}$/.test(first) || !/^\d{3}$/.test(second) || !/^\d{2}$/.test(region)) throw new Error(`not a plate: ${first} ${letter} ${second} ${region}`);
  return { plate: `${first}${letter}${second}-${region}`, plateId: `${first}-${code}-${second}-${region}` };
}

/** The plate of a URL form `12-B-345-67`, or null when the form or the letter is unknown. */
export function parsePlateId(id: string): Plate | null {
  const m = /^(\d{2})-([A-Z]{1,4})-(\d{3})-(\d{2})$/.exec(id);
  const letter = m && LETTER_OF_CODE[m[2]!];
  return m && letter ? plateFromParts(m[1]!, letter, m[3]!, m[4]!) : null;
}

export const DEGREES = {
  associate: { fa: 'کاردانی', en: 'Associate degree' },
  bachelor: { fa: 'کارشناسی', en: "Bachelor's degree" },
  master: { fa: 'کارشناسی ارشد', en: "Master's degree" },
  doctorate: { fa: 'دکتری', en: 'Doctorate' },
} as const satisfies Record<string, Localized>;
export type Degree = keyof typeof DEGREES;

/**
 * Iranian driving licence grades (پایه): grade 3 is a car of up to 3.5 tonnes, grade 2 also vans and
 * small buses, grade 1 lorries and buses; a motorcycle licence is separate.
 */
export const LICENCE_CLASSES = {
  grade3: { fa: 'پایه سوم', en: 'Grade 3 (cars)' },
  grade2: { fa: 'پایه دوم', en: 'Grade 2 (cars, vans, minibuses)' },
  grade1: { fa: 'پایه یکم', en: 'Grade 1 (lorries and buses)' },
  motorcycle: { fa: 'موتورسیکلت', en: 'Motorcycle' },
} as const satisfies Record<string, Localized>;
export type LicenceClass = keyof typeof LICENCE_CLASSES;

/** Driving licence numbers: ten digits. */
export const LICENCE_NUMBER_PATTERN = '^[0-9]{10}$';

/** Ministry of Science certificate numbers: the Solar Hijri year of graduation, a dash, six digits (`1399-004512`). */
export const CERTIFICATE_NUMBER_PATTERN = '^[0-9]{4}-[0-9]{6}$';
