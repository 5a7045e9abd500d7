import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { parseAmountText, plainDecimal, THOUSANDS_SEPARATORS, type ThousandsSeparator } from '../../src/imports/formats/amount-text.js';
import { amountOfNumber } from '../../src/imports/formats/amount-text.js';
import { DateTextReader, dateFormatProblem } from '../../src/imports/formats/date-text.js';
import { importInternalRecords } from '../../src/imports/internal-records/import-internal-records.js';
import { importTopups } from '../../src/imports/topups.js';
import { InputError } from '../../src/shared/errors.js';
import { formatMoney, MoneyFormatError } from '../../src/shared/money.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDir } from '../helpers/temp-dir.js';

const EUROPEAN = { thousandsSeparator: '.', decimalSeparator: ',', dateFormats: ['dd.MM.yyyy HH:mm', 'dd.MM.yyyy'] };
const US = { thousandsSeparator: ',', decimalSeparator: '.', dateFormats: ['M/d/yyyy h:mm a', 'M/d/yyyy'] };
const NOW = Date.UTC(2026, 10, 1, 9, 0, 0);
/** 21 October 2026 14:03 in Bucharest (EEST, UTC+3). */
const CREATED = Date.UTC(2026, 9, 21, 11, 3, 0);

function config(internalRecords: Record<string, unknown> = {}) {
  return configSchema.parse({ timezone: 'Europe/Bucharest', internalRecords });
}

describe('amounts in every separator combination', () => {
  /** The characters a file may carry for a configured separator. */
  const spellings: Record<ThousandsSeparator, string[]> = { none: [''], '.': ['.'], ',': [','], ' ': [' ', '\u00a0'], '\u202f': ['\u202f'], "'": ["'", '\u2019'] };
  const combinations = THOUSANDS_SEPARATORS.flatMap((t) => (['.', ','] as const).filter((d) => d !== t).map((d) => ({ thousandsSeparator: t, decimalSeparator: d })));

  it('round-trips random amounts exactly, grouped or not', () => {
    expect(combinations).toHaveLength(10);
    fc.assert(
      fc.property(
        fc.constantFrom(...combinations),
        fc.constantFrom('EUR', 'JPY', 'KWD'),
        fc.integer({ min: -9_007_199_254_740, max: 9_007_199_254_740 }),
        fc.boolean(),
        fc.nat(),
        (format, currency, minor, grouped, pick) => {
          const plain = formatMoney(minor, currency);
          const [whole = '', fraction] = plain.replace('-', '').split('.');
          const options = spellings[format.thousandsSeparator];
          const group = grouped ? (options[pick % options.length] ?? '') : '';
          const digits = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
          const text = `${minor < 0 ? '-' : ''}${digits}${fraction === undefined ? '' : `${format.decimalSeparator}${fraction}`}`;
          expect(parseAmountText(text, currency, format)).toBe(minor);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses what is not a number in the configured format', () => {
    const european = { thousandsSeparator: '.', decimalSeparator: ',' } as const;
    for (const text of ['12.34,5', '1.2345,00', '1,234.56', '1.234.5', '1 234,56', 'abc', '', '1.234,', ',5']) {
      if (text === '1.234,') expect(plainDecimal(text, european)).toBe('1234.');
      else expect(plainDecimal(text, european), text).toBeNull();
    }
    expect(() => parseAmountText('1.234,567', 'EUR', european)).toThrow('"1.234,567" has more than 2 decimals for EUR');
    expect(() => parseAmountText('1,234.56', 'EUR', european)).toThrow(MoneyFormatError);
    expect(() => parseAmountText('1,234.56', 'EUR', { thousandsSeparator: 'none', decimalSeparator: '.' })).toThrow(/no thousands separators/);
  });

  it('reads spreadsheet numbers to the nearest minor unit only when the rest is binary noise', () => {
    expect(amountOfNumber(1234.56, 'EUR')).toBe(123_456);
    expect(amountOfNumber(0.1 + 0.2, 'EUR')).toBe(30);
    expect(amountOfNumber(12.300000000000001, 'EUR')).toBe(1230);
    expect(() => amountOfNumber(12.345, 'EUR')).toThrow('has more than 2 decimals');
    expect(amountOfNumber(1500, 'JPY')).toBe(1500);
  });
});

describe('dates in configured formats', () => {
  it('reads each format in the zone, and an offset as such', () => {
    const european = new DateTextReader({ dateFormats: EUROPEAN.dateFormats, timezone: 'Europe/Bucharest' });
    expect(european.read('21.10.2026 14:03')).toBe(CREATED);
    expect(european.read('21.10.2026')).toBe(Date.UTC(2026, 9, 20, 21, 0, 0));
    expect(european.read('2026-10-21T11:03:00Z')).toBe(CREATED); // ISO 8601 is always read
    const us = new DateTextReader({ dateFormats: US.dateFormats, timezone: 'Europe/Bucharest' });
    expect(us.read('10/21/2026 2:03 PM')).toBe(CREATED);
    const offset = new DateTextReader({ dateFormats: ["dd.MM.yyyy HH:mm XXX"], timezone: 'Europe/Bucharest' });
    expect(offset.read('21.10.2026 14:03 +00:00')).toBe(Date.UTC(2026, 9, 21, 14, 3, 0));
    expect(() => european.read('10/21/2026')).toThrow('"10/21/2026" matches none of the date formats "dd.MM.yyyy HH:mm", "dd.MM.yyyy" (nor ISO 8601)');
    expect(() => european.read('31.02.2026')).toThrow(/matches none/);
  });

  it('refuses a date two formats read differently, naming both readings', () => {
    const reader = new DateTextReader({ dateFormats: ['dd/MM/yyyy', 'MM/dd/yyyy'], timezone: 'UTC' });
    expect(() => reader.read('03/04/2026')).toThrow('"03/04/2026" is ambiguous: "dd/MM/yyyy" reads 2026-04-03 00:00:00, "MM/dd/yyyy" reads 2026-03-04 00:00:00');
    expect(reader.read('21/10/2026')).toBe(Date.UTC(2026, 9, 21)); // only one reads it
    expect(reader.read('04/04/2026')).toBe(Date.UTC(2026, 3, 4)); // both agree
  });

  it('checks configured formats', () => {
    expect(dateFormatProblem('dd.MM.yyyy HH:mm')).toBeNull();
    expect(dateFormatProblem('HH:mm')).toMatch(/year, a month and a day/);
    expect(dateFormatProblem('dd.MM.yyyy Q-day')).toMatch(/not a date-fns format/);
    expect(() => config({ dateFormats: ['HH:mm'] })).toThrow();
    const same = configSchema.safeParse({ internalRecords: { thousandsSeparator: ',', decimalSeparator: ',' } });
    expect(same.success).toBe(false);
    expect(JSON.stringify(same.error?.issues)).toContain('must differ from decimalSeparator');
  });
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'imports of files as people export them', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => t.cleanup());

    const importFile = (file: string, cfg: ReturnType<typeof config>) =>
      importInternalRecords(t.ledger, file, { config: cfg, clock: () => NOW, displayName: path.basename(file) });
    const records = () => t.ledger.db.selectFrom('internal_records').select(['internal_id', 'amount', 'currency', 'created_at', 'purpose']).orderBy('id').execute();
    const expected = [
      { internal_id: 'mt_100001', amount: 123_456, currency: 'EUR', created_at: CREATED, purpose: 'SALARY_PAYMENT' },
      { internal_id: 'mt_100002', amount: 100_000_000, currency: 'EUR', created_at: Date.UTC(2026, 9, 20, 21, 0, 0), purpose: null },
    ];

    it('imports the European export (";", BOM, CRLF, 1.234,56, 21.10.2026 14:03) with the European setup', async () => {
      const file = path.join(tempDir(), 'erp.csv');
      const lines = [
        'internal_id;amount;currency;created_at;method;purpose;country;status',
        'mt_100001;1.234,56;EUR;21.10.2026 14:03;bank_account;SALARY_PAYMENT;RO;succeeded',
        'mt_100002;1.000.000;EUR;21.10.2026;bank_account;;RO;succeeded',
      ];
      writeFileSync(file, `\ufeff${lines.join('\r\n')}\r\n`);
      expect(await importFile(file, config(EUROPEAN))).toMatchObject({ rows: 2, inserted: 2 });
      expect(await records()).toEqual(expected);
      // Without the setup the same file is refused, row by row.
      const refused = await importFile(file, config()).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as InputError).message).toContain('row 2, amount: "1.234,56" is not a decimal amount');
    });

    it('imports the same data as a US export (1,234.56, 10/21/2026 2:03 PM) with the US setup', async () => {
      const file = path.join(tempDir(), 'us.csv');
      const lines = [
        'internal_id,amount,currency,created_at,method,purpose,country,status',
        'mt_100001,"1,234.56",EUR,10/21/2026 2:03 PM,bank_account,SALARY_PAYMENT,RO,succeeded',
        'mt_100002,"1,000,000.00",EUR,10/21/2026,bank_account,,RO,succeeded',
      ];
      writeFileSync(file, `${lines.join('\n')}\n`);
      expect(await importFile(file, config(US))).toMatchObject({ rows: 2, inserted: 2 });
      expect(await records()).toEqual(expected);
    });

    it('refuses an ambiguous date, naming the row and both readings, and imports nothing', async () => {
      const file = path.join(tempDir(), 'mixed.csv');
      writeFileSync(file, ['internal_id,amount,currency,created_at', 'A-1,10.00,EUR,21/10/2026', 'A-2,10.00,EUR,03/04/2026', ''].join('\n'));
      const error = await importFile(file, config({ dateFormats: ['dd/MM/yyyy', 'MM/dd/yyyy'] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toBe(
        'mixed.csv: 1 problem, nothing imported\n  row 3, created_at: "03/04/2026" is ambiguous: "dd/MM/yyyy" reads 2026-04-03 00:00:00, "MM/dd/yyyy" reads 2026-03-04 00:00:00; keep one of these dateFormats',
      );
      expect(await records()).toEqual([]);
    });

    for (const date1904 of [false, true]) {
      it(`imports XLSX number and date cells exactly (${date1904 ? '1904' : '1900'} date system)`, async () => {
        const file = path.join(tempDir(), 'records.xlsx');
        const workbook = new ExcelJS.Workbook();
        workbook.properties.date1904 = date1904;
        const sheet = workbook.addWorksheet('Payouts');
        sheet.addRow(['internal_id', 'amount', 'currency', 'created_at', 'method', 'purpose', 'country', 'status']);
        sheet.addRow(['mt_100001', 1234.56, 'EUR', new Date(Date.UTC(2026, 9, 21, 14, 3, 0)), 'bank_account', 'SALARY_PAYMENT', 'RO', 'succeeded']);
        sheet.addRow(['mt_100002', 1_000_000, 'EUR', new Date(Date.UTC(2026, 9, 21)), 'bank_account', '', 'RO', 'succeeded']);
        sheet.getColumn(4).numFmt = 'dd.mm.yyyy hh:mm';
        await workbook.xlsx.writeFile(file);
        // The file really holds serials of its date system (1904: 1,462 days fewer).
        const zip = await JSZip.loadAsync(readFileSync(file));
        const xml = (await zip.file('xl/worksheets/sheet1.xml')?.async('string')) ?? '';
        const serial = 25_569 + Date.UTC(2026, 9, 21) / 86_400_000 - (date1904 ? 1462 : 0);
        expect(xml).toContain(`<v>${serial}</v>`);
        expect(await zip.file('xl/workbook.xml')?.async('string')).toContain(date1904 ? 'date1904="1"' : '<workbookPr');
        // The European setup does not apply to real number and date cells.
        expect(await importFile(file, config(EUROPEAN))).toMatchObject({ rows: 2, inserted: 2 });
        expect(await records()).toEqual(expected);
      });
    }

    it('reads top-ups in their own configured format', async () => {
      const file = path.join(tempDir(), 'topups.csv');
      writeFileSync(file, ['date,currency,amount,reference', '10/21/2026 2:03 PM,EUR,"25,000.00",WIRE-1', ''].join('\n'));
      const cfg = configSchema.parse({ timezone: 'Europe/Bucharest', topups: US });
      const outcome = await importTopups(t.ledger, file, { timezone: cfg.timezone, formats: cfg.topups, topupWindowDays: 5, clock: () => NOW });
      expect(outcome).toMatchObject({ rows: 1, inserted: 1 });
      const movement = await t.ledger.db.selectFrom('balance_movements').select(['amount', 'occurred_at']).executeTakeFirstOrThrow();
      expect(movement).toEqual({ amount: 2_500_000, occurred_at: CREATED });
    });
  });
}
