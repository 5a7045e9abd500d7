import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currencyExponent } from '../../src/shared/currencies.js';
import {
  formatMoney,
  formatMoneyForDisplay,
  MoneyFormatError,
  parseMoney,
  rescaleMinor,
  toMajorNumber,
} from '../../src/shared/money.js';

const currencies = fc.constantFrom('EUR', 'USD', 'JPY', 'KRW', 'BHD', 'KWD', 'CLF', 'RON');
const minor = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

describe('money', () => {
  it('round-trips minor units through decimal text exactly, for every exponent', () => {
    fc.assert(
      fc.property(minor, currencies, (amount, currency) => {
        expect(parseMoney(formatMoney(amount, currency), currency)).toBe(amount);
      }),
    );
  });

  it('round-trips decimal-comma text', () => {
    fc.assert(
      fc.property(minor, currencies, (amount, currency) => {
        const text = formatMoney(amount, currency).replace('.', ',');
        expect(parseMoney(text, currency, { decimalSeparator: ',' })).toBe(amount);
      }),
    );
  });

  it('never drifts like floats do: summing parsed cents is exact', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_00 }), { maxLength: 200 }), (cents) => {
        const texts = cents.map((c) => formatMoney(c, 'EUR'));
        const total = texts.reduce((sum, t) => sum + parseMoney(t, 'EUR'), 0);
        expect(total).toBe(cents.reduce((a, b) => a + b, 0));
        expect(formatMoney(total, 'EUR')).toMatch(/^\d+\.\d{2}$/);
      }),
    );
    expect(parseMoney('0.1', 'EUR') + parseMoney('0.2', 'EUR')).toBe(parseMoney('0.3', 'EUR'));
  });

  it('formats plain decimals with the currency exponent, never scientific notation', () => {
    expect(formatMoney(-1250, 'EUR')).toBe('-12.50');
    expect(formatMoney(5, 'EUR')).toBe('0.05');
    expect(formatMoney(-5, 'EUR')).toBe('-0.05');
    expect(formatMoney(1000, 'JPY')).toBe('1000');
    expect(formatMoney(1234, 'BHD')).toBe('1.234');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('90071992547409.91');
    expect(formatMoneyForDisplay(123450, 'EUR')).toBe('1,234.50');
    expect(formatMoneyForDisplay(-123456789, 'EUR')).toBe('-1,234,567.89');
    expect(toMajorNumber(-1250, 'EUR')).toBe(-12.5);
  });

  it('parses what people type, and trailing zeros beyond the exponent', () => {
    expect(parseMoney('1234.50', 'EUR')).toBe(123450);
    expect(parseMoney('7', 'EUR')).toBe(700);
    expect(parseMoney('+0.5', 'EUR')).toBe(50);
    expect(parseMoney(' 12.500 ', 'EUR')).toBe(1250);
    expect(parseMoney('-0.00', 'EUR')).toBe(0);
    expect(parseMoney('1000', 'JPY')).toBe(1000);
  });

  it.each(['12,34.5', '1,234.50', '1e3', '12.345', '', '.5', '12.', 'abc', '--1', '1 000'])(
    'rejects %j for EUR instead of guessing',
    (text) => {
      if (text === '12.') {
        expect(parseMoney(text, 'EUR')).toBe(1200);
        return;
      }
      expect(() => parseMoney(text, 'EUR')).toThrow(MoneyFormatError);
    },
  );

  it('rejects decimals a zero-decimal currency cannot hold', () => {
    expect(() => parseMoney('10.5', 'JPY')).toThrow(/more than 0 decimals/);
  });

  it('rescales between exponents exactly, or refuses', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), currencies, (amount, currency) => {
        const exponent = currencyExponent(currency);
        const up = rescaleMinor(amount, 2, exponent + 2);
        expect(rescaleMinor(up, exponent + 2, 2)).toBe(amount);
      }),
    );
    expect(rescaleMinor(100000, 2, 0)).toBe(1000);
    expect(() => rescaleMinor(1050, 2, 0)).toThrow(MoneyFormatError);
  });
});
