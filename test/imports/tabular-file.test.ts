import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { TextEncoding } from '../../src/imports/tabular/decode.js';
import { ProblemCollector } from '../../src/imports/tabular/problem-collector.js';
import { detectDelimiter, openTabularFile, type TabularRow } from '../../src/imports/tabular/tabular-file.js';
import { InputError } from '../../src/shared/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test/fixtures/encodings');

async function readAll(file: string, options: Parameters<typeof openTabularFile>[1] = {}) {
  const tabular = await openTabularFile(file, options);
  const rows: TabularRow[] = [];
  for await (const row of tabular.rows) rows.push(row);
  return { ...tabular, rows };
}

describe('tabular files', () => {
  it.each<[string, TextEncoding, string]>([
    ['utf-8.csv', 'auto', 'Ștefan Müller'],
    ['utf-8-bom.csv', 'auto', 'Ștefan Müller'],
    ['utf-16le.csv', 'auto', 'Ștefan Müller'],
    ['windows-1252.csv', 'windows-1252', 'Jürgen Müller'],
  ])('reads %s (%s) with its delimiter, accents and euro sign intact', async (name, encoding, person) => {
    const { columns, rows } = await readAll(path.join(FIXTURES, name), { encoding });
    expect(columns).toEqual(['internal_id', 'amount', 'currency', 'created_at', 'method', 'purpose', 'country', 'status']);
    expect(rows.map((r) => r.rowNumber)).toEqual([2, 3]);
    expect(rows[0]?.cells[5]).toBe('Café € support');
    expect(rows[1]?.cells[5]).toBe(person);
    expect(rows.every((r) => r.problem === undefined)).toBe(true);
  });

  it('refuses Windows-1252 read as UTF-8, saying which setting to change', async () => {
    const error = await readAll(path.join(FIXTURES, 'windows-1252.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('is not valid UTF-8');
    expect((error as Error).message).toContain('internalRecords.encoding to "windows-1252"');
  });

  it('detects the delimiter from the header, ignoring quoted ones', () => {
    expect(detectDelimiter('a,b,c')).toBe(',');
    expect(detectDelimiter('a;b;c')).toBe(';');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('"x;y;z",b,c')).toBe(',');
    expect(detectDelimiter('single')).toBe(',');
  });

  it('keeps quoted delimiters and line breaks inside a field, and flags rows with the wrong field count', async () => {
    const file = path.join(tempDir(), 'records.csv');
    writeFileSync(file, 'id;note;amount\n1;"a; b";1.00\n2;"line one\nline two";2.00\n\n3;short\n4;x;4.00;extra\n');
    const { rows, delimiter } = await readAll(file);
    expect(delimiter).toBe(';');
    expect(rows.map((r) => [r.rowNumber, r.cells, r.problem])).toEqual([
      [2, ['1', 'a; b', '1.00'], undefined],
      [3, ['2', 'line one\nline two', '2.00'], undefined],
      [6, ['3', 'short', ''], 'has 2 fields, the header has 3'],
      [7, ['4', 'x', '4.00'], 'has 4 fields, the header has 3'],
    ]);
  });

  it('reports an unclosed quote with its row', async () => {
    const file = path.join(tempDir(), 'broken.csv');
    writeFileSync(file, 'id,note\n1,ok\n2,"never closed\n');
    const error = await readAll(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('is not valid CSV');
  });

  it('reads the first XLSX sheet or a named one, with numbers, dates, formula results and rich text as text', async () => {
    const file = path.join(tempDir(), 'records.xlsx');
    const workbook = new ExcelJS.Workbook();
    const first = workbook.addWorksheet('Notes');
    first.addRow(['not', 'this']);
    first.addRow(['x', 'y']);
    const sheet = workbook.addWorksheet('Payouts');
    sheet.addRow(['internal_id', 'amount', 'created_at', 'purpose']);
    sheet.addRow(['A-1', 1234.5, new Date(Date.UTC(2026, 9, 31, 23, 30, 0)), { richText: [{ text: 'Family ' }, { text: 'support' }] }]);
    sheet.addRow(['A-2', { formula: 'B2*2', result: 2469 }, '2026-11-01 08:00:00', 'TRAVEL']);
    sheet.addRow([]);
    sheet.addRow(['A-3', 7, null, null, 'stray']);
    sheet.getCell('C2').numFmt = 'yyyy-mm-dd hh:mm:ss';
    await workbook.xlsx.writeFile(file);

    const named = await readAll(file, { sheet: 'Payouts' });
    expect(named.columns).toEqual(['internal_id', 'amount', 'created_at', 'purpose']);
    expect(named.rows.map((r) => [r.rowNumber, r.cells, r.problem])).toEqual([
      [2, ['A-1', '1234.5', '2026-10-31 23:30:00', 'Family support'], undefined],
      [3, ['A-2', '2469', '2026-11-01 08:00:00', 'TRAVEL'], undefined],
      [5, ['A-3', '7', '', ''], 'has values beyond the 4 header columns'],
    ]);
    const firstSheet = await readAll(file);
    expect(firstSheet.columns).toEqual(['not', 'this']);
    const missing = await readAll(file, { sheet: 'Nope' }).catch((e: unknown) => e);
    expect((missing as Error).message).toContain('has no sheet named "Nope" (sheets: Notes, Payouts)');
  });

  it('reads JSON Lines, flagging lines that are not JSON objects', async () => {
    const file = path.join(tempDir(), 'records.jsonl');
    writeFileSync(file, '{"internal_id":"A-1","amount":"12.50"}\n\n{"internal_id":"A-2","amount":3}\n{broken\n[1,2]\n');
    const { columns, rows } = await readAll(file);
    expect(columns).toEqual(['internal_id', 'amount']);
    expect(rows.map((r) => [r.rowNumber, r.cells, r.problem?.slice(0, 20)])).toEqual([
      [1, ['A-1', '12.50'], undefined],
      [3, ['A-2', '3'], undefined],
      [4, ['', ''], 'is not valid JSON (E'],
      [5, ['', ''], 'is not a JSON object'],
    ]);
  });

  it('refuses unknown extensions, missing files and empty files with the file named', async () => {
    const dir = tempDir();
    await expect(readAll(path.join(dir, 'records.pdf'))).rejects.toThrow(/records\.pdf: has an unknown extension ".pdf"/);
    await expect(readAll(path.join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot be read \(ENOENT\)/);
    writeFileSync(path.join(dir, 'empty.csv'), '');
    await expect(readAll(path.join(dir, 'empty.csv'))).rejects.toThrow(/empty\.csv: is empty/);
  });

  it('collects problems keeping the first twenty and counting the rest', () => {
    const collector = new ProblemCollector();
    for (let row = 2; row < 52; row++) collector.add({ row, field: 'amount', message: 'is not a decimal amount' });
    let message = '';
    try {
      collector.throwIfAny('records.csv');
    } catch (error) {
      message = (error as Error).message;
      expect((error as InputError).exitCode).toBe(2);
    }
    const lines = message.split('\n');
    expect(lines[0]).toBe('records.csv: 50 problems, nothing imported');
    expect(lines[1]).toBe('  row 2, amount: is not a decimal amount');
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('  ... and 30 more');
  });
});
