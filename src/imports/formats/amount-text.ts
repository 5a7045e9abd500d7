/**
 * Amounts as people's files carry them: `1.234,56` from a European export,
 * `1,234.56` from a US one, `1 234,56` or `1'234.56` elsewhere. The text is
 * brought to a plain decimal (`1234.56`) by the configured separators and
 * then read by `parseMoney`, so money never passes through a float. Digit
 * grouping must be the real thing (groups of three), so a typo like
 * `12,34.5` is refused, not read as 1234.5.
 */
import { currencyExponent } from '../../shared/currencies.js';
import { type DecimalSeparator, MoneyFormatError, parseMoney } from '../../shared/money.js';

/** `none`, or the character grouping thousands. */
export type ThousandsSeparator = 'none' | '.' | ',' | ' ' | '\u202f' | "'";

export const THOUSANDS_SEPARATORS: readonly ThousandsSeparator[] = ['none', '.', ',', ' ', '\u202f', "'"];

export interface AmountFormat {
  thousandsSeparator: ThousandsSeparator;
  decimalSeparator: DecimalSeparator;
}

export const PLAIN_AMOUNTS: AmountFormat = { thousandsSeparator: 'none', decimalSeparator: '.' };

/**
 * What each configured separator also stands for in a file: a "space" is
 * often a no-break space (Excel in French), an apostrophe often the
 * typographic one (Swiss formats).
 */
const SEPARATOR_CHARACTERS: Record<Exclude<ThousandsSeparator, 'none'>, string> = {
  '.': '.',
  ',': ',',
  ' ': ' \u00a0',
  '\u202f': '\u202f',
  "'": "'\u2019",
};

const escapeClass = (chars: string): string => chars.replace(/[\\\]^-]/g, '\\$&');
const escape = (char: string): string => char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const patterns = new Map<string, RegExp>();

function patternOf(format: AmountFormat): RegExp {
  const key = `${format.thousandsSeparator}|${format.decimalSeparator}`;
  let pattern = patterns.get(key);
  if (!pattern) {
    const decimals = `(?:${escape(format.decimalSeparator)}(\\d*))?`;
    const grouped =
      format.thousandsSeparator === 'none'
        ? ''
        : `|\\d{1,3}(?:[${escapeClass(SEPARATOR_CHARACTERS[format.thousandsSeparator])}]\\d{3})+`;
    pattern = new RegExp(`^([+-]?)(\\d+${grouped})${decimals}$`);
    patterns.set(key, pattern);
  }
  return pattern;
}

/** A short description of the format for messages: `1.234,56`. */
export function describeAmountFormat(format: AmountFormat): string {
  const group = format.thousandsSeparator === 'none' ? '' : format.thousandsSeparator === '\u202f' ? '\u202f' : format.thousandsSeparator;
  return `1${group}234${format.decimalSeparator}56`;
}

/** The plain decimal (`-1234.56`) of an amount written in `format`, or null when it is not one. */
export function plainDecimal(text: string, format: AmountFormat): string | null {
  const match = patternOf(format).exec(text.trim());
  if (!match) return null;
  const [, sign = '', whole = '', fraction] = match;
  const digits = whole.replace(/\D/g, '');
  return fraction === undefined ? `${sign}${digits}` : `${sign}${digits}.${fraction}`;
}

/** The message for text that is not an amount in `format`. */
export function notAnAmount(text: string, format: AmountFormat): string {
  const grouping =
    format.thousandsSeparator === 'none'
      ? 'no thousands separators'
      : `thousands grouped by ${format.thousandsSeparator === ' ' ? 'a space' : format.thousandsSeparator === '\u202f' ? 'a narrow no-break space' : `"${format.thousandsSeparator}"`}`;
  return `"${text}" is not a decimal amount (expected digits with an optional "${format.decimalSeparator}" and decimals, ${grouping}, e.g. ${describeAmountFormat(format)})`;
}

/** Minor units of an amount written in `format`. Throws `MoneyFormatError` naming the text. */
export function parseAmountText(text: string, currency: string, format: AmountFormat): number {
  const plain = plainDecimal(text, format);
  if (plain === null) throw new MoneyFormatError(notAnAmount(text, format));
  try {
    return parseMoney(plain, currency);
  } catch (error) {
    // Name the text as it was written, not its plain form.
    if (error instanceof MoneyFormatError) throw new MoneyFormatError(error.message.replace(`"${plain}"`, `"${text.trim()}"`));
    throw error;
  }
}

/**
 * Minor units of a spreadsheet number cell. A cell holds a binary double
 * (12.30 may be 12.300000000000001), so the amount is the nearest whole
 * number of minor units, accepted only when the difference is binary noise,
 * far below a minor unit; a real third decimal on EUR is refused.
 */
export function amountOfNumber(value: number, currency: string): number {
  const exponent = currencyExponent(currency);
  const scaled = value * 10 ** exponent;
  const minor = Math.round(scaled);
  if (!Number.isFinite(value) || !Number.isSafeInteger(minor)) throw new MoneyFormatError(`${value} is not an amount`);
  // A few units in the last place of the double; at least a millionth of a minor unit.
  const noise = Math.max(1e-6, Math.abs(scaled) * Number.EPSILON * 16);
  if (Math.abs(scaled - minor) > noise) {
    throw new MoneyFormatError(`${value} has more than ${exponent} decimals for ${currency}`);
  }
  return minor === 0 ? 0 : minor;
}
