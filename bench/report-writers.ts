/**
 * Writer-only comparison for docs/performance.md: the 14-column Payouts sheet
 * of N synthetic rows (no ledger), written by
 *   - exceljs:      exceljs's streaming WorkbookWriter as documented (useStyles,
 *                   numFmt per cell, row.commit(), yielding every 5,000 rows);
 *   - lean:         our streaming writer (src/reports/writers/xlsx/xlsx-workbook-writer.ts);
 *   - csv:          our CSV writer (csv-text.ts per chunk: PapaParse's unparse).
 * One run per process, so peak RSS is this writer's alone:
 *   npx tsx bench/report-writers.ts --writer lean --rows 1000000
 * Prints one JSON line: writer, rows, seconds, rows/s, peak RSS (MB), bytes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { CsvFileWriter } from '../src/reports/writers/csv/csv-file-writer.js';
import { LocalTime } from '../src/reports/local-time.js';
import type { PayoutReportRow } from '../src/reports/rows/payout-rows.js';
import { payoutsTable } from '../src/reports/sections/report-sections.js';
import { csvColumns, csvRecordEncoder, sheetColumns, xlsxHeaderCells, xlsxRowEncoder } from '../src/reports/sections/report-table.js';
import { moneyFormat } from '../src/reports/writers/xlsx/xlsx-styles.js';
import { XlsxWorkbookWriter } from '../src/reports/writers/xlsx/xlsx-workbook-writer.js';
import { formatMoney } from '../src/shared/money.js';
import type { ReadSnapshot } from '../src/reports/rows/read-snapshot.js';
import { seededRandom, syntheticReportRow } from './synthetic-payouts.js';

const { values } = parseArgs({
  options: {
    writer: { type: 'string', default: 'lean' },
    rows: { type: 'string', default: '200000' },
    level: { type: 'string', default: '1' },
  },
});
const rows = Number(values.rows);
const ZONE = 'Europe/Bucharest';
const CHUNK = 5000;

function* chunks(): Generator<PayoutReportRow[]> {
  const random = seededRandom(42);
  for (let start = 0; start < rows; start += CHUNK) {
    const chunk: PayoutReportRow[] = [];
    for (let i = start; i < Math.min(rows, start + CHUNK); i++) chunk.push(syntheticReportRow(i, rows, random));
    yield chunk;
  }
}

const table = payoutsTable({ snapshot: undefined as unknown as ReadSnapshot, period: { from: 0, to: 0 }, time: new LocalTime(ZONE) });

async function lean(file: string): Promise<void> {
  const time = new LocalTime(ZONE);
  const wb = new XlsxWorkbookWriter(file, { compressionLevel: Number(values.level) });
  const columns = sheetColumns(table.columns);
  const sheet = wb.startSheet('Payouts', { widths: columns.map((c) => c.width ?? 12), frozenRows: 1 });
  void sheet.addRow(xlsxHeaderCells(columns.map((c) => c.title ?? ''), 1, wb.styles));
  const encode = xlsxRowEncoder(table.columns, { time, styles: wb.styles, sharedStrings: wb.sharedStrings });
  for (const chunk of chunks()) {
    for (const row of chunk) {
      const pending = sheet.addRow(encode(row, sheet.rowCount + 1));
      if (pending) await pending;
    }
  }
  await sheet.close({ autoFilter: `A1:O${sheet.rowCount}` });
  await wb.finish();
}

async function csv(file: string): Promise<void> {
  const time = new LocalTime(ZONE);
  const writer = new CsvFileWriter(file, csvColumns(table.columns).map((c) => c.csv ?? ''));
  const record = csvRecordEncoder(table.columns, time);
  for (const chunk of chunks()) await writer.writeRecords(chunk.map(record));
  await writer.close();
}

async function exceljs(file: string): Promise<void> {
  const time = new LocalTime(ZONE);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('Payouts', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = sheetColumns(table.columns).map((c) => ({ header: c.title ?? '', width: c.width ?? 12 }));
  ws.autoFilter = 'A1:O1';
  let n = 0;
  for (const chunk of chunks()) {
    for (const r of chunk) {
      const row = ws.addRow([
        r.provider,
        r.provider_payout_id,
        r.merchant_transaction_id,
        // exceljs writes Dates as UTC: shift by the zone offset to show local time.
        new Date(time.wallClockMs(r.created_at)),
        Number(formatMoney(r.amount, r.currency)),
        r.currency,
        r.status,
        r.provider_status,
        r.reasons,
        r.method,
        r.purpose,
        r.country,
        r.reconciliation,
        r.internal_id,
        r.description,
      ]);
      row.getCell(4).numFmt = 'yyyy-mm-dd hh:mm:ss';
      row.getCell(5).numFmt = moneyFormat(r.currency);
      row.commit();
      if (++n % 5000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  ws.commit();
  await wb.commit();
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'payout-recon-bench-'));
const file = path.join(dir, values.writer === 'csv' ? 'payouts.csv' : 'payouts.xlsx');
const started = performance.now();
if (values.writer === 'lean') await lean(file);
else if (values.writer === 'csv') await csv(file);
else if (values.writer === 'exceljs') await exceljs(file);
else throw new Error(`unknown writer ${values.writer}`);
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(file).size;
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    writer: values.writer,
    level: values.writer === 'lean' ? Number(values.level) : undefined,
    rows,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    cpuSeconds: Number(((process.cpuUsage().user + process.cpuUsage().system) / 1e6).toFixed(2)),
    bytes,
  }),
);
