/**
 * What a pack's sections and Summary are made of in each mode
 * (`report-pack.ts`, `PackMode`): the ledger's rows (live); a closed
 * period's snapshot, keeping the other sections' rows as they are written
 * (closing); or everything read back as it was kept (closed), so a closed
 * period's pack shows the closed figures whatever happened since.
 */
import type { PackMode } from './report-pack.js';
import type { LocalTime } from './local-time.js';
import { closedPayoutTotals, readClosedPackRows, readClosedPayoutRows } from './rows/closed-rows.js';
import { DEFAULT_CHUNK_ROWS, type PayoutReportRow } from './rows/payout-rows.js';
import type { ReadSnapshot } from './rows/read-snapshot.js';
import type { OutcomeTotal, PurposeTotal } from './rows/report-aggregates.js';
import type { ReportPeriod } from './report-period.js';
import { adjustmentsSince } from './rows/adjustment-rows.js';
import { adjustmentsSinceNote, closedNote } from './sections/adjustments-section.js';
import { balanceTable, exceptionsTable, payoutsTable, refundsTable, type SectionSource } from './sections/report-sections.js';
import type { ReportTable } from './sections/report-table.js';
import type { BalanceDayRow } from './rows/balance-rows.js';
import type { ExceptionReportRow } from './rows/exception-rows.js';
import type { RefundReportRow } from './rows/refund-rows.js';
import { collectSummary, type SummaryData } from './sections/summary-section.js';

export interface PackSections {
  payouts: ReportTable<PayoutReportRow>;
  exceptions: ReportTable<ExceptionReportRow>;
  refunds: ReportTable<RefundReportRow>;
  balance: ReportTable<BalanceDayRow>;
}

export function packSections(source: SectionSource, mode: PackMode): PackSections {
  const live = { exceptions: exceptionsTable(source), refunds: refundsTable(source), balance: balanceTable(source) };
  if (mode.kind === 'live') return { payouts: payoutsTable(source), ...live };
  const chunkRows = source.payoutChunkRows ?? source.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const payouts = { ...payoutsTable(source), rows: () => readClosedPayoutRows(source.snapshot, mode.close.id, chunkRows) };
  if (mode.kind === 'closing') {
    const trx = mode.trx;
    const closeId = mode.close.id;
    const kept = <R>(table: ReportTable<R>): ReportTable<R> => ({
      ...table,
      rows: async function* () {
        let chunk = 0;
        for await (const rows of table.rows()) {
          await trx.insertInto('closed_pack_rows').values({ close_id: closeId, section: table.csvFile, chunk, rows: JSON.stringify(rows) }).execute();
          chunk += 1;
          yield rows;
        }
      },
    });
    return { payouts, exceptions: kept(live.exceptions), refunds: kept(live.refunds), balance: kept(live.balance) };
  }
  const closeId = mode.close.id;
  const replayed = <R>(table: ReportTable<R>): ReportTable<R> => ({ ...table, rows: () => readClosedPackRows<R>(source.snapshot.db, closeId, table.csvFile) });
  return { payouts, exceptions: replayed(live.exceptions), refunds: replayed(live.refunds), balance: replayed(live.balance) };
}

/** The Summary and the By purpose totals of the pack. */
export async function packSummary(
  snapshot: ReadSnapshot,
  mode: PackMode,
  period: ReportPeriod,
  now: number,
  time: LocalTime,
  fromRows?: { purposes: PurposeTotal[]; outcomes: OutcomeTotal[] },
): Promise<{ summary: SummaryData; purposeTotals: PurposeTotal[] }> {
  if (mode.kind === 'live') return collectSummary(snapshot.db, period, now, fromRows);
  const totals = fromRows ?? (await closedPayoutTotals(snapshot.db, mode.close.id));
  if (mode.kind === 'closing') {
    const collected = await collectSummary(snapshot.db, period, now, totals);
    collected.summary.notes.unshift(closedNote(mode.close, time));
    await mode.trx
      .updateTable('period_closes')
      .set({ summary: JSON.stringify({ ...collected.summary, generatedAt: null }) })
      .where('id', '=', mode.close.id)
      .execute();
    return collected;
  }
  if (mode.close.summary === null) throw new Error(`period_closes ${mode.close.id} has no summary`);
  const kept = JSON.parse(mode.close.summary) as SummaryData;
  const since = adjustmentsSinceNote(await adjustmentsSince(snapshot.db, mode.close.id, period.zone));
  const summary: SummaryData = { ...kept, adjustments: kept.adjustments ?? [], generatedAt: now, notes: since ? [...kept.notes, since] : kept.notes };
  return { summary, purposeTotals: totals.purposes };
}
