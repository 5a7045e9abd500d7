/**
 * ISO 4217 active currency codes and their minor-unit exponents.
 *
 * Taken from the ISO 4217 list (amendment 176+), not from ICU/CLDR: CLDR's
 * display digits differ from ISO for a few currencies (e.g. ALL, IQD, RSD),
 * and the ledger must agree with what providers and banks count in.
 */
const ZERO_DECIMALS = [
  'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF',
] as const;
const THREE_DECIMALS = ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'] as const;
const FOUR_DECIMALS = ['CLF', 'UYW'] as const;

const TWO_DECIMALS = [
  'AED', 'AFN', 'ALL', 'AMD', 'AOA', 'ARS', 'AUD', 'AWG', 'AZN', 'BAM', 'BBD', 'BDT', 'BGN', 'BMD', 'BND', 'BOB',
  'BOV', 'BRL', 'BSD', 'BTN', 'BWP', 'BYN', 'BZD', 'CAD', 'CDF', 'CHE', 'CHF', 'CHW', 'CNY', 'COP', 'COU', 'CRC',
  'CUP', 'CVE', 'CZK', 'DKK', 'DOP', 'DZD', 'EGP', 'ERN', 'ETB', 'EUR', 'FJD', 'FKP', 'GBP', 'GEL', 'GHS', 'GIP',
  'GMD', 'GTQ', 'GYD', 'HKD', 'HNL', 'HTG', 'HUF', 'IDR', 'ILS', 'INR', 'IRR', 'JMD', 'KES', 'KGS', 'KHR', 'KPW',
  'KYD', 'KZT', 'LAK', 'LBP', 'LKR', 'LRD', 'LSL', 'MAD', 'MDL', 'MGA', 'MKD', 'MMK', 'MNT', 'MOP', 'MRU', 'MUR',
  'MVR', 'MWK', 'MXN', 'MXV', 'MYR', 'MZN', 'NAD', 'NGN', 'NIO', 'NOK', 'NPR', 'NZD', 'PAB', 'PEN', 'PGK', 'PHP',
  'PKR', 'PLN', 'QAR', 'RON', 'RSD', 'RUB', 'SAR', 'SBD', 'SCR', 'SDG', 'SEK', 'SGD', 'SHP', 'SLE', 'SOS', 'SRD',
  'SSP', 'STN', 'SVC', 'SYP', 'SZL', 'THB', 'TJS', 'TMT', 'TOP', 'TRY', 'TTD', 'TWD', 'TZS', 'UAH', 'USD', 'USN',
  'UYU', 'UZS', 'VED', 'VES', 'WST', 'XCD', 'XCG', 'YER', 'ZAR', 'ZMW', 'ZWG',
] as const;

const EXPONENTS: ReadonlyMap<string, number> = new Map<string, number>([
  ...TWO_DECIMALS.map((c) => [c, 2] as const),
  ...ZERO_DECIMALS.map((c) => [c, 0] as const),
  ...THREE_DECIMALS.map((c) => [c, 3] as const),
  ...FOUR_DECIMALS.map((c) => [c, 4] as const),
]);

/** True for an active ISO 4217 code in upper case (callers normalise case first). */
export function isKnownCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/** Minor-unit exponent of a currency: 2 unless ISO 4217 says 0, 3 or 4. Unknown codes count as 2. */
export function currencyExponent(code: string): number {
  return EXPONENTS.get(code) ?? 2;
}

/** Upper-cases and trims a currency code; providers send `usd` as well as `USD`. */
export function normalizeCurrency(code: string): string {
  return code.trim().toUpperCase();
}

export function knownCurrencies(): string[] {
  return [...EXPONENTS.keys()].sort();
}
