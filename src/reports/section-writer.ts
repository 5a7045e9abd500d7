/**
 * Writes a section's table to the open workbook and/or CSV folder, chunk by
 * chunk: each sheet with its header row frozen, filtered and printed on every
 * page, continued on "<name> (2)" past the row limit, with the table's totals
 * (if any) below the data, outside the filter range.
 */
import path from 'node:path';
import type { Logger } from '../shared/logger.js';
import type { LocalTime } from './local-time.js';
import {
  type CellContext,
  csvColumns,
  csvRecordEncoder,
  type ReportColumn,
  type ReportTable,
  sheetColumns,
  xlsxHeaderCells,
  xlsxRowEncoder,
  xlsxTextCell,
} from './sections/report-table.js';
import { widthFor } from './sections/sheet-blocks.js';
import type { CsvWorker } from './writers/csv/csv-worker-client.js';
import type { CsvOptions } from './writers/csv/csv-text.js';
import type { XlsxSheetWriter, XlsxWorkbookWriter } from './writers/xlsx/xlsx-workbook-writer.js';
import { columnLetters } from './writers/xlsx/xlsx-xml.js';

export interface SectionWriterOptions {
  workbook: XlsxWorkbookWriter | null;
  csvDir: string | null;
  csvWorker: CsvWorker | null;
  csv: CsvOptions;
  time: LocalTime;
  /** Rows per sheet before a section continues on "<name> (2)". */
  maxRows: number;
  /** The middle of every sheet's printed footer (the pack's title). */
  footer: string;
  log: Logger;
  /** Called as each section starts and after each chunk of rows (a progress line). */
  onProgress?: ((progress: ReportProgress) => void) | undefined;
}

/** The section being written (`section` of `sections`), its rows so far, and the payouts expected when known. */
export interface ReportProgress {
  sheet: string;
  section: number;
  sections: number;
  rows: number;
  payouts: number | null;
}

/** The pack's sections in the order a progress line counts them (one CSV file each). */
const SECTION_FILES: readonly string[] = ['summary.csv', 'by-purpose.csv', 'payouts.csv', 'exceptions.csv', 'refunds.csv', 'balance.csv', 'adjustments.csv'];

export class SectionWriter {
  readonly #o: SectionWriterOptions;
  #payouts: number | null = null;

  constructor(options: SectionWriterOptions) {
    this.#o = options;
  }

  /** The payout rows the Payouts section will hold (known before it when the workbook's Summary came first). */
  expectPayouts(payouts: number): void {
    this.#payouts = payouts;
  }

  async write<R>(table: ReportTable<R>, only?: 'csv'): Promise<void> {
    const { csvDir, csvWorker, time, maxRows, footer, log } = this.#o;
    const wb = only === 'csv' ? null : this.#o.workbook;
    const csvPath = csvDir ? path.join(csvDir, table.csvFile) : null;
    const columns = sheetColumns(table.columns);
    const ctx: CellContext | null = wb ? { time, styles: wb.styles, sharedStrings: wb.sharedStrings } : null;
    const encode = ctx ? xlsxRowEncoder(table.columns, ctx) : null;
    const record = csvPath ? csvRecordEncoder(table.columns, time) : null;
    const csv = csvPath && csvWorker ? csvWorker.open(csvPath, csvColumns(table.columns).map((c) => c.csv ?? ''), this.#o.csv) : null;

    let part = 1;
    let sheet = wb ? startTableSheet(wb, table.sheet, columns, footer) : null;
    let rows = 0;
    const progress = (): void =>
      this.#o.onProgress?.({ sheet: table.sheet, section: SECTION_FILES.indexOf(table.csvFile) + 1, sections: SECTION_FILES.length, rows, payouts: this.#payouts });
    progress();
    for await (const chunk of table.rows()) {
      if (sheet && wb && encode) {
        for (const row of chunk) {
          if (sheet.rowCount >= maxRows) {
            await closeTableSheet(sheet, columns.length);
            part += 1;
            sheet = startTableSheet(wb, `${table.sheet} (${part})`, columns, footer);
          }
          const pending = sheet.addRow(encode(row, sheet.rowCount + 1));
          if (pending) await pending;
        }
      }
      if (csv && record) await csv.write(chunk.map(record));
      rows += chunk.length;
      progress();
      if (rows % 100_000 < chunk.length && rows >= 100_000) log.debug(`${table.sheet}: ${rows} rows`);
    }
    if (sheet && wb && encode) {
      const dataRows = sheet.rowCount;
      if (table.totals && table.totals.rows.length > 0 && dataRows + table.totals.rows.length + 2 <= maxRows) {
        void sheet.addEmptyRow(); // never a promise: nothing is written for it
        await sheet.addRow(xlsxTextCell(`A${sheet.rowCount + 1}`, table.totals.heading, wb.styles, 'bold'));
        for (const row of table.totals.rows) await sheet.addRow(encode(row, sheet.rowCount + 1));
      }
      await closeTableSheet(sheet, columns.length, dataRows);
    }
    await csv?.close();
  }
}

/** A sheet with the table's header row, frozen and repeated on every printed page, columns at least as wide as their titles. */
function startTableSheet<R>(wb: XlsxWorkbookWriter, name: string, columns: readonly ReportColumn<R>[], footer: string): XlsxSheetWriter {
  const titles = columns.map((c) => c.title ?? '');
  // Titles are bold: about a tenth wider than the default font.
  const widths = columns.map((c, i) => Math.max(c.width ?? 12, widthFor((titles[i] ?? '').length * 1.1)));
  const sheet = wb.startSheet(name, { widths, frozenRows: 1, print: { footer, repeatRows: 1 } });
  void sheet.addRow(xlsxHeaderCells(titles, 1, wb.styles)); // the first row never fills a batch
  return sheet;
}

/** Closes a table's sheet; the filter covers the header and the data rows only. */
async function closeTableSheet(sheet: XlsxSheetWriter, columnCount: number, dataRows = sheet.rowCount): Promise<void> {
  const last = `${columnLetters(Math.max(columnCount, 1) - 1)}${Math.max(dataRows, 1)}`;
  await sheet.close({ autoFilter: `A1:${last}`, ignoreNumbersAsText: `A1:${last}` });
}
