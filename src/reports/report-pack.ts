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
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { detectAdjustments } from '../closing/detect-adjustments.js';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { PayoutReconError, RuntimeFailure } from '../shared/errors.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { commitFile, commitFolder, discard, removeLeftovers, temporarySibling } from './writers/atomic-output.js';
import { CsvWorker } from './writers/csv/csv-worker-client.js';
import { collectDashboard } from './html/dashboard-data.js';
import { renderHtmlReport } from './html/html-page.js';
import { LocalTime } from './local-time.js';
import { XLSX_PAYOUT_CHUNK_ROWS } from './rows/payout-rows.js';
import { ReadSnapshot, withReadSnapshot } from './rows/read-snapshot.js';
import type { ClosedPeriodRecord } from './rows/closed-rows.js';
import { closeOfPeriod } from './rows/closed-rows.js';
import { adjustmentsTable } from './sections/adjustments-section.js';
import { packSections, packSummary } from './closed-pack.js';
import { PayoutTotalsCollector } from './rows/report-aggregates.js';
import { packName, packTitle, type ReportPeriod } from './report-period.js';
import { type ReportProgress, SectionWriter } from './section-writer.js';

export type { ReportProgress } from './section-writer.js';
import { byPurposeTable, type SectionSource } from './sections/report-sections.js';
import type { ReportTable } from './sections/report-table.js';
import { type collectSummary, summaryCsvTable, type SummaryData } from './sections/summary-section.js';
import { writeSummarySheet } from './sections/summary-sheet.js';
import { type CsvOptions, DEFAULT_CSV_OPTIONS } from './writers/csv/csv-text.js';
import { XlsxWorkbookWriter } from './writers/xlsx/xlsx-workbook-writer.js';
import { MAX_SHEET_ROWS } from './writers/xlsx/xlsx-xml.js';

export type ReportFormat = 'xlsx' | 'csv' | 'both' | 'html' | 'all';

const WITH_XLSX: readonly ReportFormat[] = ['xlsx', 'both', 'all'];
const WITH_CSV: readonly ReportFormat[] = ['csv', 'both', 'all'];
const WITH_HTML: readonly ReportFormat[] = ['html', 'all'];

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
  /** Checked between sections and before publishing: an aborted pack is discarded (the daemon's shutdown, a lost lease). */
  signal?: AbortSignal | undefined;
  /** Runs just before the files are published; throw to discard them (the daemon's job checks its lease). */
  beforeCommit?: (() => Promise<void>) | undefined;
  /** What the HTML report needs beyond the ledger (`reports.locale`, `alerts.*`); defaults when absent. */
  html?: HtmlReportSettings;
  /** CSV byte-order mark and delimiter (`reports.csv`); default RFC 4180: no BOM, comma. */
  csv?: CsvOptions;
  /** Called as sections start and rows are written (for a progress line). */
  onProgress?: (progress: ReportProgress) => void;
}

export interface HtmlReportSettings {
  locale: string;
  lowBalance?: Readonly<Record<string, number>>;
  runwayLookbackDays?: number;
}

export interface ReportPackResult {
  /** Absolute path of the workbook, when written. */
  xlsx: string | null;
  /** Absolute path of the CSV folder, when written. */
  csvDir: string | null;
  /** Absolute paths of the CSV files, in section order. */
  csvFiles: string[];
  /** Absolute path of the HTML report, when written. */
  html: string | null;
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
  const checkpoint = () => options.signal?.throwIfAborted();
  const { period, format, outDir } = options;
  const log = options.log ?? silentLogger;
  const name = packName(period);
  const xlsxPath = WITH_XLSX.includes(format) ? path.join(outDir, `${name}.xlsx`) : null;
  const csvDir = WITH_CSV.includes(format) ? path.join(outDir, name) : null;
  const htmlPath = WITH_HTML.includes(format) ? path.join(outDir, `${name}.html`) : null;

  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw fileFailure(error, outDir);
  });
  const leftovers = await removeLeftovers(outDir);
  if (leftovers.length > 0) log.info('removed leftovers of an interrupted report', { files: leftovers.join(' ') });

  const time = new LocalTime(period.zone);
  const xlsxTemp = xlsxPath ? temporarySibling(xlsxPath) : null;
  const csvTemp = csvDir ? temporarySibling(csvDir) : null;
  const htmlTemp = htmlPath ? temporarySibling(htmlPath) : null;
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
      const writer = new SectionWriter({
        workbook,
        csvDir: csvTemp,
        csvWorker,
        csv: options.csv ?? DEFAULT_CSV_OPTIONS,
        time,
        maxRows: options.maxSheetRows ?? MAX_SHEET_ROWS,
        footer: packTitle(period),
        log,
        onProgress: options.onProgress,
      });
      const sections = packSections(source, mode);
      if (htmlTemp) {
        // The page's figures come from the same queries as the Summary's, inside the same snapshot.
        const data = await collectDashboard(snapshot.db, { period, time, now: options.now, ...htmlSettings(options.html) });
        await writeFile(htmlTemp, renderHtmlReport(data, { time, locale: options.html?.locale ?? DEFAULT_LOCALE, fullListsIn: `${name}.xlsx` }), { flag: 'wx' });
        if (!workbook && !csvTemp) return data.summary;
      }
      let collected: Awaited<ReturnType<typeof collectSummary>>;
      if (workbook) {
        // The Summary is the workbook's first sheet: its totals come first, from the GROUP BY.
        collected = await packSummary(snapshot, mode, period, options.now, time);
        writer.expectPayouts(collected.summary.payouts);
        await writeSummarySheet(workbook, collected.summary, time);
        if (csvTemp) await writer.write(summaryCsvTable(collected.summary, time), 'csv');
        await writer.write(byPurposeTable(collected.purposeTotals));
        checkpoint();
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
      checkpoint();
      await writer.write(sections.exceptions);
      checkpoint();
      await writer.write(sections.refunds);
      checkpoint();
      await writer.write(sections.balance);
      await writer.write(adjustmentsTable(source));
      return collected.summary;
    });
    checkpoint();
    // A job that lost its lease publishes nothing (the ledger's write fence says so).
    await options.beforeCommit?.();
    if (workbook && xlsxTemp && xlsxPath) {
      await workbook.finish();
      await commitFile(xlsxTemp, xlsxPath);
    }
    await csvWorker?.stop();
    if (csvTemp && csvDir) {
      await commitFolder(csvTemp, csvDir);
      csvFiles.push(...CSV_FILES.map((f) => path.join(csvDir, f)));
    }
    if (htmlTemp && htmlPath) await commitFile(htmlTemp, htmlPath);
    return { xlsx: xlsxPath, csvDir, csvFiles, html: htmlPath, summary };
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    await workbook?.abort(reason);
    await csvWorker?.stop();
    if (xlsxTemp) await discard(xlsxTemp);
    if (csvTemp) await discard(csvTemp);
    if (htmlTemp) await discard(htmlTemp);
    throw fileFailure(error, outDir);
  }
}

const DEFAULT_LOCALE = 'en-GB';

function htmlSettings(settings: HtmlReportSettings | undefined): { lowBalance?: Readonly<Record<string, number>>; runwayLookbackDays?: number } {
  return {
    ...(settings?.lowBalance ? { lowBalance: settings.lowBalance } : {}),
    ...(settings?.runwayLookbackDays ? { runwayLookbackDays: settings.runwayLookbackDays } : {}),
  };
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
