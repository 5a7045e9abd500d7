import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { importInternalRecords } from '../../src/imports/internal-records/import-internal-records.js';
import { internalRecordSchema, validateRecordCells } from '../../src/imports/internal-records/record-schema.js';
import { PLAIN_FORMATS } from '../../src/imports/formats/cell-reader.js';
import { InputError } from '../../src/shared/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/encodings');
const HEADER = 'internal_id,amount,currency,created_at,method,purpose,country,status';
const NOW = Date.UTC(2026, 10, 1, 9, 0, 0);

function config(overrides: Record<string, unknown> = {}) {
  return configSchema.parse({ timezone: 'Europe/Bucharest', ...overrides });
}

function csv(lines: string[], name = 'records.csv'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('internal record rows', () => {
  const schema = internalRecordSchema({ timezone: 'Europe/Bucharest', formats: PLAIN_FORMATS, reference: 'internal_id' });
  const row = (over: Record<string, string> = {}) => ({
    internal_id: 'A-1',
    amount: '1234.50',
    currency: 'eur',
    created_at: '2026-10-01 10:00:00',
    method: 'Bank_Account',
    purpose: 'Payment of salary',
    country: 'ro',
    status: 'Canceled',
    ...over,
  });

  it('normalizes a valid row into ledger values', () => {
    expect(validateRecordCells(schema, row())).toEqual({
      ok: true,
      record: {
        internalId: 'A-1',
        reference: 'A-1',
        amount: 123_450,
        currency: 'EUR',
        createdAt: Date.UTC(2026, 9, 1, 7, 0, 0), // 10:00 in Bucharest (UTC+3 in summer)
        method: 'bank_account',
        purpose: 'SALARY_PAYMENT',
        country: 'RO',
        status: 'cancelled',
      },
    });
    expect(validateRecordCells(schema, row({ method: '', purpose: '', country: '', status: '', created_at: '2026-10-01T10:00:00Z' }))).toMatchObject({
      ok: true,
      record: { method: null, purpose: null, country: null, status: null, createdAt: Date.UTC(2026, 9, 1, 10, 0, 0) },
    });
  });

  it.each([
    [{ amount: '12,34.5' }, 'amount', 'is not a decimal amount'],
    [{ amount: '1,234.50' }, 'amount', 'no thousands separators'],
    [{ amount: '12.345' }, 'amount', 'more than 2 decimals for EUR'],
    [{ amount: '0' }, 'amount', 'is not a positive amount'],
    [{ currency: 'EUX' }, 'currency', '"EUX" is not an ISO 4217 currency code'],
    [{ created_at: '01/10/2026' }, 'created_at', 'is not an ISO 8601 date-time'],
    [{ created_at: '2026-02-30 10:00:00' }, 'created_at', 'is not a valid date and time'],
    [{ internal_id: '-A1' }, 'internal_id', 'looks like a spreadsheet formula'],
    [{ internal_id: '=1+1' }, 'internal_id', 'looks like a spreadsheet formula'],
    [{ internal_id: 'A 1' }, 'internal_id', 'is not an internal ID'],
    [{ internal_id: 'x'.repeat(51) }, 'internal_id', 'is not an internal ID'],
    [{ purpose: '=HYPERLINK("http://x")' }, 'purpose', 'looks like a spreadsheet formula'],
    [{ purpose: '@SUM(A1)' }, 'purpose', 'looks like a spreadsheet formula'],
    [{ purpose: 'Lunch money' }, 'purpose', 'is not a known remittance purpose code'],
    [{ method: 'cash' }, 'method', 'is not one of bank_account, wallet, card'],
    [{ status: '+done' }, 'status', 'looks like a spreadsheet formula'],
    [{ country: 'UK' }, 'country', 'is not an ISO 3166-1 alpha-2 country code'],
  ])('rejects %j in %s', (cells, field, message) => {
    const result = validateRecordCells(schema, row(cells));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContainEqual({ field, message: expect.stringContaining(message) as string });
  });

  it('reports every bad field of a row, not only the first', () => {
    const result = validateRecordCells(schema, row({ amount: '12,34.5', currency: 'XXY', created_at: 'soon' }));
    expect(result.ok ? [] : result.problems.map((p) => p.field)).toEqual(['amount', 'currency', 'created_at']);
  });
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'import internal records', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => t.cleanup());

    const importFile = (file: string, cfg = config(), sheet?: string) =>
      importInternalRecords(t.ledger, file, { config: cfg, clock: () => NOW, sheet, displayName: path.basename(file) });
    const count = async (table: 'internal_records' | 'imports' | 'internal_record_changes') =>
      Number((await t.ledger.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('imports a file, then re-imports it and an updated export idempotently, recording each change', async () => {
      const lines = [
        HEADER,
        'A-1,1234.50,EUR,2026-10-01 10:00:00,bank_account,SALARY_PAYMENT,RO,succeeded',
        'A-2,99.99,EUR,2026-10-02 11:30:00,wallet,,DE,pending',
        'A-3,5000,JPY,2026-10-03T08:00:00Z,card,FAMILY_SUPPORT,JP,',
      ];
      const first = await importFile(csv(lines));
      expect(first).toMatchObject({ kind: 'internal', file: 'records.csv', rows: 3, inserted: 3, updated: 0, unchanged: 0 });
      const again = await importFile(csv(lines));
      expect(again).toMatchObject({ rows: 3, inserted: 0, updated: 0, unchanged: 3 });
      const before = await t.ledger.db.selectFrom('internal_records').selectAll().orderBy('id').execute();

      const updated = [...lines.slice(0, 2), 'A-2,99.99,EUR,2026-10-02 11:30:00,wallet,,DE,succeeded', lines[3]!, 'A-4,10,EUR,2026-10-04 00:00:00,,,,'];
      const third = await importFile(csv(updated));
      expect(third).toMatchObject({ rows: 4, inserted: 1, updated: 1, unchanged: 2 });
      const records = await t.ledger.db.selectFrom('internal_records').selectAll().orderBy('id').execute();
      expect(records).toHaveLength(4);
      expect(records[0]).toEqual(before[0]); // untouched, not even updated_at
      expect(records[1]).toMatchObject({ internal_id: 'A-2', status: 'succeeded', last_import_id: third.importId, first_import_id: first.importId });
      expect(records[2]).toMatchObject({ internal_id: 'A-3', amount: 5000, currency: 'JPY', created_at: Date.UTC(2026, 9, 3, 8, 0, 0), status: null });
      const changes = await t.ledger.db.selectFrom('internal_record_changes').selectAll().execute();
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ internal_record_id: records[1]!.id, import_id: third.importId });
      expect(JSON.parse(changes[0]!.changes)).toEqual({ status: ['pending', 'succeeded'] });
      const imports = await t.ledger.db.selectFrom('imports').selectAll().orderBy('id').execute();
      expect(imports.map((i) => [i.kind, i.rows, i.inserted, i.updated, i.unchanged])).toEqual([
        ['internal', 3, 3, 0, 0],
        ['internal', 3, 0, 0, 3],
        ['internal', 4, 1, 1, 2],
      ]);
      expect(imports[0]?.file_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(imports[0]?.file_sha256).toBe(imports[1]?.file_sha256);
      expect(imports[0]?.finished_at).toBe(NOW);
    });

    it.each([
      ['internal-records-windows-1252.csv', { encoding: 'windows-1252', decimalSeparator: ',' }],
      ['internal-records-utf-16le.csv', { decimalSeparator: ',' }],
      ['internal-records-utf-8-bom.csv', { decimalSeparator: ',', delimiter: ';' }],
    ])('reads %s with mapped (accented) headers and a decimal comma', async (name, settings) => {
      const cfg = config({
        internalRecords: {
          ...settings,
          columns: {
            internal_id: 'référence',
            amount: 'MONTANT',
            currency: 'Devise',
            created_at: 'Date',
            method: 'Méthode',
            purpose: 'Motif',
            country: 'Pays',
            status: 'Statut',
          },
        },
      });
      const outcome = await importFile(path.join(FIXTURES, name), cfg);
      expect(outcome).toMatchObject({ rows: 2, inserted: 2 });
      const records = await t.ledger.db.selectFrom('internal_records').select(['internal_id', 'amount', 'purpose', 'method']).orderBy('id').execute();
      expect(records).toEqual([
        { internal_id: 'FR-1', amount: 123_450, purpose: 'SALARY_PAYMENT', method: 'bank_account' },
        { internal_id: 'FR-2', amount: 9_999, purpose: 'FAMILY_SUPPORT', method: 'wallet' },
      ]);
    });

    it('reads XLSX (a named sheet, numbers and dates as cells) and JSON Lines', async () => {
      const dir = tempDir();
      const xlsx = path.join(dir, 'records.xlsx');
      const workbook = new ExcelJS.Workbook();
      workbook.addWorksheet('Notes').addRow(['nothing here']);
      const sheet = workbook.addWorksheet('Payouts');
      sheet.addRow(HEADER.split(','));
      sheet.addRow(['X-1', 1234.5, 'EUR', new Date(Date.UTC(2026, 9, 1, 10, 0, 0)), 'card', 'OTHER', 'RO', 'succeeded']);
      await workbook.xlsx.writeFile(xlsx);
      expect(await importFile(xlsx, config(), 'Payouts')).toMatchObject({ rows: 1, inserted: 1 });
      const jsonl = path.join(dir, 'records.jsonl');
      writeFileSync(jsonl, `${JSON.stringify({ internal_id: 'J-1', amount: '10.00', currency: 'EUR', created_at: '2026-10-01T10:00:00Z' })}\n`);
      expect(await importFile(jsonl)).toMatchObject({ rows: 1, inserted: 1 });
      const records = await t.ledger.db.selectFrom('internal_records').select(['internal_id', 'amount', 'created_at']).orderBy('id').execute();
      // The XLSX date cell is wall-clock time, read in the configured zone (Bucharest, UTC+3 in October).
      expect(records).toEqual([
        { internal_id: 'X-1', amount: 123_450, created_at: Date.UTC(2026, 9, 1, 7, 0, 0) },
        { internal_id: 'J-1', amount: 1_000, created_at: Date.UTC(2026, 9, 1, 10, 0, 0) },
      ]);
    });

    it('takes the reference from its own column when matching.reference is "reference"', async () => {
      const cfg = config({ matching: { reference: 'reference' }, internalRecords: { columns: { reference: 'mtid' } } });
      await importFile(csv([`${HEADER},mtid`, 'A-1,1.00,EUR,2026-10-01 10:00:00,,,,,S2P-991']), cfg);
      expect(await t.ledger.db.selectFrom('internal_records').select(['internal_id', 'reference']).execute()).toEqual([{ internal_id: 'A-1', reference: 'S2P-991' }]);
      await expect(importFile(csv([HEADER, 'A-2,1.00,EUR,2026-10-01 10:00:00,,,,']), cfg)).rejects.toThrow(/missing the column reference \(column "mtid"\)/);
    });

    const bad: [string, string[], Record<string, unknown>, RegExp][] = [
      ['a wrong delimiter', [HEADER.replaceAll(',', ';'), 'A-1;1.00;EUR;2026-10-01 10:00:00;;;;'], { internalRecords: { delimiter: ',' } }, /missing the columns internal_id, amount, currency, created_at \(the header has one column .*\); the delimiter looks wrong/],
      ['a missing column', ['internal_id,amount,created_at', 'A-1,1.00,2026-10-01 10:00:00'], {}, /row 1: is missing the column currency/],
      ['12,34.5', [HEADER, 'A-1,1.00,EUR,2026-10-01 10:00:00,,,,', 'A-2,"12,34.5",EUR,2026-10-01 10:00:00,,,,'], {}, /row 3, amount: "12,34\.5" is not a decimal amount/],
      ['an unknown currency', [HEADER, 'A-1,1.00,EUR,2026-10-01 10:00:00,,,,', 'A-2,1.00,EUX,2026-10-01 10:00:00,,,,'], {}, /row 3, currency: "EUX" is not an ISO 4217 currency code/],
      ['a duplicate internal_id', [HEADER, 'A-1,1.00,EUR,2026-10-01 10:00:00,,,,', 'A-2,1.00,EUR,2026-10-01 10:00:00,,,,', 'A-1,2.00,EUR,2026-10-01 10:00:00,,,,'], {}, /row 4, internal_id: "A-1" appears more than once in the file/],
      ['a formula-looking text cell', [HEADER, 'A-1,1.00,EUR,2026-10-01 10:00:00,,"=HYPERLINK(""http://evil"")",,'], {}, /row 2, purpose: "=HYPERLINK\("http:\/\/evil"\)" looks like a spreadsheet formula/],
      ['a row with too many fields', [HEADER, 'A-1,1.00,EUR,2026-10-01 10:00:00,,,,,extra'], {}, /row 2: has 9 fields, the header has 8/],
    ];
    it.each(bad)('refuses a file with %s, naming the row and field, and imports nothing', async (_name, lines, overrides, message) => {
      // A record already in the ledger must come through untouched.
      await importFile(csv([HEADER, 'A-1,5.00,EUR,2026-09-01 10:00:00,,,,']));
      const error = await importFile(csv(lines), config(overrides)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^records\.csv: /);
      expect(await count('internal_records')).toBe(1);
      expect(await count('imports')).toBe(1);
      expect(await count('internal_record_changes')).toBe(0);
      const kept = await t.ledger.db.selectFrom('internal_records').select(['amount']).executeTakeFirstOrThrow();
      expect(kept.amount).toBe(500);
    });

    it('keeps problems in row order across batches (read in a worker, written here) and imports nothing', async () => {
      const row = (i: number, amount = '10.00') => `R-${i},${amount},EUR,2026-10-01 10:00:00,,,,`;
      const lines = [HEADER, ...Array.from({ length: 12_000 }, (_, i) => row(i))];
      lines[2] = row(1, 'abc'); // row 3: a bad amount
      lines[4] = row(0); // row 5: R-0 again
      lines[10_999] = row(10_998, '-'); // row 11000: a bad amount, after the first batches
      const error = (await importFile(csv(lines)).catch((e: unknown) => e)) as InputError;
      expect(error).toBeInstanceOf(InputError);
      expect(error.total).toBe(3);
      expect(error.problems.map((p) => [p.row, p.field])).toEqual([
        [3, 'amount'],
        [5, 'internal_id'],
        [11_000, 'amount'],
      ]);
      expect(await count('internal_records')).toBe(0);
      expect(await count('imports')).toBe(0);

      const good = [HEADER, ...Array.from({ length: 12_000 }, (_, i) => row(i))];
      expect(await importFile(csv(good))).toMatchObject({ rows: 12_000, inserted: 12_000, updated: 0 });
      expect(await importFile(csv(good))).toMatchObject({ rows: 12_000, inserted: 0, unchanged: 12_000 });
    }, 180_000); // writes and reads a 12,000-row file through the worker: slow on a busy machine

    it('lists the first 20 problems and counts the rest', async () => {
      const lines = [HEADER, ...Array.from({ length: 30 }, (_, i) => `B-${i},abc,EUR,2026-10-01 10:00:00,,,,`)];
      const error = (await importFile(csv(lines)).catch((e: unknown) => e)) as InputError;
      expect(error.total).toBe(30);
      expect(error.message.split('\n')[0]).toBe('records.csv: 30 problems, nothing imported');
      expect(error.message).toContain('row 21, amount');
      expect(error.message).not.toContain('row 22,');
      expect(error.message).toContain('... and 10 more');
      expect(await count('internal_records')).toBe(0);
    });
  });
}
