/**
 * Writes a report pack: the workbook (`payouts-<label>.xlsx`) and/or the CSV
 * folder (`payouts-<label>/`). One read snapshot of the ledger feeds both
 * formats in a single pass: each section's chunks go to its sheet and its
 * CSV file as they are read, with back-pressure from both. Nothing appears
 * under a final name until the whole pack is written and flushed. The
 * payout totals (Summary, By purpose) come from a GROUP BY when there is a
 * workbook (its first sheet needs them before the rows); a CSV-only pack adds
 * them up from the payout rows it writes anyway and writes those two files
 * after payouts.csv (same bytes: a test compares both ways).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { detectAdjustments } from '../closing/detect-adjustments.js';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { PayoutReconError, RuntimeFailure } from '../shared/errors.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { commitFile, commitFolder, discard, removeLeftovers, temporarySibling } from './writers/atomic-output.js';
import { CsvWorker } from './writers/csv/csv-worker-client.js';
import { LocalTime } from './local-time.js';
import { XLSX_PAYOUT_CHUNK_ROWS } from './rows/payout-rows.js';
import { ReadSnapshot, withReadSnapshot } from './rows/read-snapshot.js';
import type { ClosedPeriodRecord } from './rows/closed-rows.js';
import { closeOfPeriod } from './rows/closed-rows.js';
import { adjustmentsTable } from './sections/adjustments-section.js';
import { packSections, packSummary } from './closed-pack.js';
import { PayoutTotalsCollector } from './rows/report-aggregates.js';
import { packName, type ReportPeriod } from './report-period.js';
import { byPurposeTable, type SectionSource } from './sections/report-sections.js';
import {
  type CellContext,
  csvColumns,
  csvRecordEncoder,
  type ReportColumn,
  type ReportTable,
  sheetColumns,
  xlsxHeaderCells,
  xlsxRowEncoder,
} from './sections/report-table.js';
import { type collectSummary, summaryCsvTable, writeSummarySheet, type SummaryData } from './sections/summary-section.js';
import { type XlsxSheetWriter, XlsxWorkbookWriter } from './writers/xlsx/xlsx-workbook-writer.js';
import { columnLetters, MAX_SHEET_ROWS } from './writers/xlsx/xlsx-xml.js';

export type ReportFormat = 'xlsx' | 'csv' | 'both';

export const CSV_FILES = ['summary.csv', 'by-purpose.csv', 'payouts.csv', 'exceptions.csv', 'refunds.csv', 'balance.csv', 'adjustments.csv'] as const;

export interface ReportPackOptions {
  period: ReportPeriod;
  format: ReportFormat;
  /** Destination folder (created when missing). */
  outDir: string;
  /** "Generated at". */
  now: number;
  log?: Logger;
  /** Rows per ledger read (default 2000 payouts, 100 exceptions or refunds). */
  chunkRows?: number;
  /** zlib level of the workbook's sheets (default 1). */
  compressionLevel?: number;
  /** Rows per sheet before a section continues on "<name> (2)" (Excel's limit; lowered in tests). */
  maxSheetRows?: number;
}

export interface ReportPackResult {
  /** Absolute path of the workbook, when written. */
  xlsx: string | null;
  /** Absolute path of the CSV folder, when written. */
  csvDir: string | null;
  /** Absolute paths of the CSV files, in section order. */
  csvFiles: string[];
  summary: SummaryData;
}

/**
 * Which figures the pack shows: the ledger's (live), or a closed period's
 * snapshot, either while the close is writing it (`closing`, inside the
 * close's transaction: the other sections' rows are kept as written) or
 * afterwards (`closed`: every section but Adjustments is read back as kept).
 */
export type PackMode =
  | { kind: 'live' }
  | { kind: 'closing'; close: Omit<ClosedPeriodRecord, 'summary'>; trx: LedgerTransaction }
  | { kind: 'closed'; close: ClosedPeriodRecord };

export async function writeReportPack(ledger: Ledger, options: ReportPackOptions): Promise<ReportPackResult> {
  // Changes to closed periods are booked before any pack is cut, so its Adjustments are up to date.
  await detectAdjustments(ledger, options.now);
  return writePack(options, (fn) =>
    withReadSnapshot(ledger, async (snapshot) => {
      const close = await closeOfPeriod(snapshot.db, options.period);
      return fn(snapshot, close ? { kind: 'closed', close } : { kind: 'live' });
    }),
  );
}

/** The closed pack, written from the snapshot inside the close's transaction. */
export async function writeClosingPack(trx: LedgerTransaction, close: Omit<ClosedPeriodRecord, 'summary'>, options: ReportPackOptions): Promise<ReportPackResult> {
  return writePack(options, (fn) => fn(new ReadSnapshot(trx, null), { kind: 'closing', close, trx }));
}

type SnapshotRunner = (fn: (snapshot: ReadSnapshot, mode: PackMode) => Promise<SummaryData>) => Promise<SummaryData>;

async function writePack(options: ReportPackOptions, inSnapshot: SnapshotRunner): Promise<ReportPackResult> {
  const { period, format, outDir } = options;
  const log = options.log ?? silentLogger;
  const name = packName(period);
  const xlsxPath = format === 'csv' ? null : path.join(outDir, `${name}.xlsx`);
  const csvDir = format === 'xlsx' ? null : path.join(outDir, name);

  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw fileFailure(error, outDir);
  });
  const leftovers = await removeLeftovers(outDir);
  if (leftovers.length > 0) log.info('removed leftovers of an interrupted report', { files: leftovers.join(' ') });

  const time = new LocalTime(period.zone);
  const xlsxTemp = xlsxPath ? temporarySibling(xlsxPath) : null;
  const csvTemp = csvDir ? temporarySibling(csvDir) : null;
  const workbook = xlsxTemp ? new XlsxWorkbookWriter(xlsxTemp, { compressionLevel: options.compressionLevel ?? 1, mtime: new Date(options.now) }) : null;
  const csvFiles: string[] = [];
  const csvWorker = csvTemp ? new CsvWorker() : null;
  try {
    if (csvTemp) await mkdir(csvTemp);
    const summary = await inSnapshot(async (snapshot, mode) => {
      const source: SectionSource = {
        snapshot,
        period,
        time,
        ...(options.chunkRows ? { chunkRows: options.chunkRows } : workbook ? { payoutChunkRows: XLSX_PAYOUT_CHUNK_ROWS } : {}),
      };
      const sections = packSections(source, mode);
      const writer = new SectionWriter(workbook, csvTemp, csvWorker, time, options.maxSheetRows ?? MAX_SHEET_ROWS, log);
      let collected: Awaited<ReturnType<typeof collectSummary>>;
      if (workbook) {
        // The Summary is the workbook's first sheet: its totals come first, from the GROUP BY.
        collected = await packSummary(snapshot, mode, period, options.now, time);
        await writeSummarySheet(workbook, collected.summary, time);
        if (csvTemp) await writer.write(summaryCsvTable(collected.summary, time), 'csv');
        await writer.write(byPurposeTable(collected.purposeTotals));
        await writer.write(sections.payouts);
      } else {
        // CSV files do not depend on each other's order: the totals are added up from the
        // payout rows as they are written, instead of scanning and sorting the period again.
        const totals = new PayoutTotalsCollector();
        await writer.write(withRowsSeenBy(sections.payouts, (rows) => totals.add(rows)));
        collected = await packSummary(snapshot, mode, period, options.now, time, totals.totals());
        await writer.write(summaryCsvTable(collected.summary, time), 'csv');
        await writer.write(byPurposeTable(collected.purposeTotals));
      }
      await writer.write(sections.exceptions);
      await writer.write(sections.refunds);
      await writer.write(sections.balance);
      await writer.write(adjustmentsTable(source));
      return collected.summary;
    });
    if (workbook && xlsxTemp && xlsxPath) {
      await workbook.finish();
      await commitFile(xlsxTemp, xlsxPath);
    }
    await csvWorker?.stop();
    if (csvTemp && csvDir) {
      await commitFolder(csvTemp, csvDir);
      csvFiles.push(...CSV_FILES.map((f) => path.join(csvDir, f)));
    }
    return { xlsx: xlsxPath, csvDir, csvFiles, summary };
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    await workbook?.abort(reason);
    await csvWorker?.stop();
    if (xlsxTemp) await discard(xlsxTemp);
    if (csvTemp) await discard(csvTemp);
    throw fileFailure(error, outDir);
  }
}

/** The table, with each chunk of its rows shown to `see` before it is written. */
function withRowsSeenBy<R>(table: ReportTable<R>, see: (rows: readonly R[]) => void): ReportTable<R> {
  return {
    ...table,
    rows: async function* () {
      for await (const chunk of table.rows()) {
        see(chunk);
        yield chunk;
      }
    },
  };
}

/** A file-system error as a one-line run-time failure naming the place; other errors pass through. */
function fileFailure(error: unknown, place: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof PayoutReconError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return error;
  const where = (error as NodeJS.ErrnoException).path ?? place;
  return new RuntimeFailure(`report: cannot write ${where} (${code})`, { cause: error });
}

/** Writes tables to the open workbook and/or CSV folder. */
class SectionWriter {
  readonly #workbook: XlsxWorkbookWriter | null;
  readonly #csvDir: string | null;
  readonly #csvWorker: CsvWorker | null;
  readonly #time: LocalTime;
  readonly #maxRows: number;
  readonly #log: Logger;

  constructor(workbook: XlsxWorkbookWriter | null, csvDir: string | null, csvWorker: CsvWorker | null, time: LocalTime, maxRows: number, log: Logger) {
    this.#workbook = workbook;
    this.#csvDir = csvDir;
    this.#csvWorker = csvWorker;
    this.#time = time;
    this.#maxRows = maxRows;
    this.#log = log;
  }

  async write<R>(table: ReportTable<R>, only?: 'csv'): Promise<void> {
    const wb = only === 'csv' ? null : this.#workbook;
    const csvPath = this.#csvDir ? path.join(this.#csvDir, table.csvFile) : null;
    const columns = sheetColumns(table.columns);
    const ctx: CellContext | null = wb ? { time: this.#time, styles: wb.styles, sharedStrings: wb.sharedStrings } : null;
    const encode = ctx ? xlsxRowEncoder(table.columns, ctx) : null;
    const record = csvPath ? csvRecordEncoder(table.columns, this.#time) : null;
    const csv = csvPath && this.#csvWorker ? this.#csvWorker.open(csvPath, csvColumns(table.columns).map((c) => c.csv ?? '')) : null;

    let part = 1;
    let sheet = wb ? startTableSheet(wb, table.sheet, columns) : null;
    let rows = 0;
    for await (const chunk of table.rows()) {
      if (sheet && wb && encode) {
        for (const row of chunk) {
          if (sheet.rowCount >= this.#maxRows) {
            await closeTableSheet(sheet, columns.length);
            part += 1;
            sheet = startTableSheet(wb, `${table.sheet} (${part})`, columns);
          }
          const pending = sheet.addRow(encode(row, sheet.rowCount + 1));
          if (pending) await pending;
        }
      }
      if (csv && record) await csv.write(chunk.map(record));
      rows += chunk.length;
      if (rows % 100_000 < chunk.length && rows >= 100_000) this.#log.debug(`${table.sheet}: ${rows} rows`);
    }
    if (sheet) await closeTableSheet(sheet, columns.length);
    await csv?.close();
  }
}

/** A sheet with the table's header row, frozen, columns at least as wide as their titles. */
function startTableSheet<R>(wb: XlsxWorkbookWriter, name: string, columns: readonly ReportColumn<R>[]): XlsxSheetWriter {
  const titles = columns.map((c) => c.title ?? '');
  const widths = columns.map((c, i) => Math.max(c.width ?? 12, Math.min((titles[i] ?? '').length + 3, 40)));
  const sheet = wb.startSheet(name, { widths, frozenRows: 1 });
  void sheet.addRow(xlsxHeaderCells(titles, 1, wb.styles)); // the first row never fills a batch
  return sheet;
}

async function closeTableSheet(sheet: XlsxSheetWriter, columnCount: number): Promise<void> {
  const last = `${columnLetters(Math.max(columnCount, 1) - 1)}${Math.max(sheet.rowCount, 1)}`;
  await sheet.close({ autoFilter: `A1:${last}`, ignoreNumbersAsText: `A1:${last}` });
}
