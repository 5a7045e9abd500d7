/**
 * Money is an integer count of minor units everywhere inside payout-recon.
 * These helpers are the only way in (decimal text → minor units) and out
 * (minor units → decimal text, or a number for a spreadsheet cell). They work
 * on digit strings, never on floats, so `0.1 + 0.2` can never happen to money.
 */
import { clipValue } from './redact.js';
import { currencyExponent } from './currencies.js';

export type DecimalSeparator = '.' | ',';

export interface ParseMoneyOptions {
  /** `,` for files written with a decimal comma (`1234,50`). Default `.`. */
  decimalSeparator?: DecimalSeparator;
}

export class MoneyFormatError extends Error {}

const PATTERNS: Record<DecimalSeparator, RegExp> = {
  '.': /^([+-]?)(\d+)(?:\.(\d*))?$/,
  ',': /^([+-]?)(\d+)(?:,(\d*))?$/,
};

/**
 * Parses a decimal amount in major units (`"1234.50"`, `"-12.5"`, `"7"`) into
 * minor units for the currency. Thousands separators, exponents and more
 * non-zero decimals than the currency has are rejected, not rounded.
 */
export function parseMoney(text: string, currency: string, options: ParseMoneyOptions = {}): number {
  const separator = options.decimalSeparator ?? '.';
  const trimmed = text.trim();
  const match = PATTERNS[separator].exec(trimmed);
  if (!match) {
    throw new MoneyFormatError(
      `"${clipValue(text)}" is not a decimal amount (expected digits with an optional "${separator}" and decimals)`,
    );
  }
  const [, sign = '', whole = '', rawFraction = ''] = match;
  const exponent = currencyExponent(currency);
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > exponent) {
    throw new MoneyFormatError(`"${clipValue(text)}" has more than ${exponent} decimals for ${currency}`);
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  const minor = Number(digits);
  if (!Number.isSafeInteger(minor)) {
    throw new MoneyFormatError(`"${clipValue(text)}" is too large`);
  }
  return sign === '-' && minor !== 0 ? -minor : minor;
}

/**
 * Formats minor units as a plain decimal string in major units: `-1250` EUR →
 * `"-12.50"`. No grouping, never scientific notation: safe for CSV and JSON.
 */
export function formatMoney(minor: number, currency: string): string {
  assertMinorUnits(minor);
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = Math.abs(minor).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Like `formatMoney` with thousands grouped by commas, for messages: `1,234.50`. */
export function formatMoneyForDisplay(minor: number, currency: string): string {
  const plain = formatMoney(minor, currency);
  const [whole = '', fraction] = plain.split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const grouped = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? sign + grouped : `${sign}${grouped}.${fraction}`;
}

/**
 * Major units as a JavaScript number, only for the edge where a number is
 * required (a numeric spreadsheet cell). The result is the closest double to
 * the exact decimal, which is what a spreadsheet stores anyway.
 */
export function toMajorNumber(minor: number, currency: string): number {
  return Number(formatMoney(minor, currency));
}

/**
 * Rescales an integer amount from one exponent to another (Smart2Pay counts
 * "the last two digits" as decimals for every currency). Throws when the
 * amount cannot be represented exactly in the target exponent.
 */
export function rescaleMinor(amount: number, fromExponent: number, toExponent: number): number {
  assertMinorUnits(amount);
  if (fromExponent === toExponent) return amount;
  if (toExponent > fromExponent) {
    const scaled = amount * 10 ** (toExponent - fromExponent);
    if (!Number.isSafeInteger(scaled)) throw new MoneyFormatError(`amount ${amount} is too large`);
    return scaled;
  }
  const factor = 10 ** (fromExponent - toExponent);
  if (amount % factor !== 0) {
    throw new MoneyFormatError(
      `amount ${amount} has decimals that a currency with ${toExponent} decimals cannot hold`,
    );
  }
  return amount / factor;
}

export function assertMinorUnits(value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new MoneyFormatError(`${value} is not an integer amount of minor units`);
  }
}
