import path from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvWorker } from '../../src/reports/writers/csv/csv-worker-client.js';
import { normaliseCellText } from '../../src/reports/writers/cell-text.js';
import { LocalTime } from '../../src/reports/local-time.js';
import { type ReportColumn, xlsxHeaderCells, xlsxRowEncoder } from '../../src/reports/sections/report-table.js';
import { XlsxWorkbookWriter } from '../../src/reports/writers/xlsx/xlsx-workbook-writer.js';
import { cellText, readCsv } from '../helpers/report-readers.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Row {
  text: string;
  repeated: string;
  amount: number;
  currency: string;
}

const COLUMNS: ReportColumn<Row>[] = [
  { title: 'Text', csv: 'text', kind: 'text', value: (r) => r.text },
  { title: 'Repeated', csv: 'repeated', kind: 'text', repeats: true, value: (r) => r.repeated },
  { title: 'Amount', csv: 'amount', kind: 'money', value: (r) => r.amount, currency: (r) => r.currency },
];

/** What a spreadsheet can hold of a string: XML 1.0 characters only, well-formed UTF-16. */
function storable(text: string): string {
  return text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

function decodeOoxml(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function writeWorkbook(file: string, rows: readonly Row[]): Promise<void> {
  const wb = new XlsxWorkbookWriter(file);
  const sheet = wb.startSheet('Data', { widths: [20, 20, 20], frozenRows: 1 });
  await sheet.addRow(xlsxHeaderCells(['Text', 'Repeated', 'Amount'], 1, wb.styles));
  const encode = xlsxRowEncoder(COLUMNS, { time: new LocalTime('UTC'), styles: wb.styles, sharedStrings: wb.sharedStrings });
  for (const row of rows) await sheet.addRow(encode(row, sheet.rowCount + 1));
  await sheet.close({ autoFilter: `A1:C${sheet.rowCount}` });
  await wb.finish();
}

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('=1+2', '-777', 'Invoice_x0041_B', 'a\rb\r\nc', ' leading and trailing ', '<b>&amp;</b> "q" \'s\'', 'tab\tand\nnewline', '😀 and \uD800 alone', ''),
);

describe('the streaming XLSX writer', () => {
  it('round-trips any text and amount through exceljs', async () => {
    const dir = tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ text: anyText, repeated: anyText, amount: fc.integer({ min: -1e12, max: 1e12 }), currency: fc.constantFrom('EUR', 'JPY', 'KWD') }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (rows) => {
          const file = path.join(dir, `round-trip-${n++}.xlsx`);
          await writeWorkbook(file, rows);
          const workbook = new ExcelJS.Workbook();
          await workbook.xlsx.readFile(file);
          const ws = workbook.getWorksheet('Data')!;
          rows.forEach((row, i) => {
            const r = ws.getRow(i + 2);
            for (const [col, text] of [[1, row.text], [2, row.repeated]] as const) {
              // The text itself, no apostrophe: formula-like text is guarded by the quotePrefix style instead.
              const expected = storable(text);
              expect(normaliseCellText(text)).toBe(expected);
              const value = r.getCell(col).value;
              // exceljs decodes `_xHHHH_` in shared strings (column 2) but not in inline strings: decode those as Excel does.
              const read = value === null ? '' : cellText(value);
              expect(col === 1 ? decodeOoxml(read) : read).toBe(expected);
            }
            const amount = r.getCell(3);
            expect(amount.type).toBe(ExcelJS.ValueType.Number);
            const exponent = row.currency === 'JPY' ? 0 : row.currency === 'KWD' ? 3 : 2;
            expect(amount.value).toBe(row.amount / 10 ** exponent);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('fails, instead of hanging, when the file cannot be written', async () => {
    const wb = new XlsxWorkbookWriter(path.join(tempDir(), 'missing-folder', 'x.xlsx'));
    const write = async (): Promise<void> => {
      const sheet = wb.startSheet('Data', { widths: [10] });
      for (let i = 0; i < 20_000; i++) await sheet.addRow(`<c r="A${i + 1}"><v>${i}</v></c>`);
      await sheet.close();
      await wb.finish();
    };
    await expect(write()).rejects.toThrow(/ENOENT/);
  });
});

describe('the CSV writer thread', () => {
  it('writes RFC 4180 records chunk by chunk', async () => {
    const dir = tempDir();
    const worker = new CsvWorker();
    try {
      const file = worker.open(path.join(dir, 'x.csv'), ['a', 'b']);
      for (let chunk = 0; chunk < 10; chunk++) {
        await file.write(Array.from({ length: 100 }, (_, i) => [`${chunk}-${i}`, 'quote " comma , newline \n end']));
      }
      await file.close();
    } finally {
      await worker.stop();
    }
    const { header, records } = readCsv(path.join(dir, 'x.csv'));
    expect(header).toEqual(['a', 'b']);
    expect(records).toHaveLength(1000);
    expect(records[999]).toEqual({ a: '9-99', b: 'quote " comma , newline \n end' });
  });

  it('reports a file it cannot write as an error, instead of hanging', async () => {
    const worker = new CsvWorker();
    try {
      const file = worker.open(path.join(tempDir(), 'missing-folder', 'x.csv'), ['a']);
      const writing = (async () => {
        for (let i = 0; i < 10; i++) await file.write([['x']]);
        await file.close();
      })();
      await expect(writing).rejects.toThrow(/cannot write CSV.*ENOENT/);
    } finally {
      await worker.stop();
    }
  });
});
