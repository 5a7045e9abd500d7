/**
 * The Adjustments section (sheet and adjustments.csv): changes detected in
 * the pack's period to payouts of closed periods, each with its signed
 * effect on the closed period's paid-out amount (succeeded, less confirmed
 * manual refunds). And its lines in the Summary: totals per closed period
 * and currency, and, in a closed period's own pack, who closed it and how
 * many adjustments it has had since.
 */
import { type AdjustmentReportRow, type AdjustmentTotal, readAdjustmentRows } from '../rows/adjustment-rows.js';
import type { ClosedPeriodRecord } from '../rows/closed-rows.js';
import type { LocalTime } from '../local-time.js';
import type { ReportTable } from './report-table.js';
import type { SectionSource } from './report-sections.js';

export function adjustmentsTable(source: SectionSource): ReportTable<AdjustmentReportRow> {
  const zone = source.time.zone;
  return {
    sheet: 'Adjustments',
    csvFile: 'adjustments.csv',
    columns: [
      { title: 'Adjustment', csv: 'adjustment_id', kind: 'id', width: 11, value: (r) => r.id },
      { title: `Detected (${zone})`, csv: 'detected_at', kind: 'datetime', width: 20, value: (r) => r.detectedAt },
      { title: 'Payout ID', csv: 'payout_id', kind: 'text', width: 16, value: (r) => r.providerPayoutId },
      { title: 'Merchant transaction ID', csv: 'merchant_transaction_id', kind: 'text', width: 24, value: (r) => r.merchantTransactionId },
      { title: 'Closed period', csv: 'closed_period', kind: 'text', repeats: true, width: 14, value: (r) => r.closedPeriod },
      { title: 'What changed', csv: 'what_changed', kind: 'text', repeats: true, width: 16, value: (r) => r.whatChanged },
      { title: 'Before', csv: 'before', kind: 'text', width: 22, value: (r) => r.before },
      { title: 'After', csv: 'after', kind: 'text', width: 22, value: (r) => r.after },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 9, value: (r) => r.currency },
      { title: 'Effect on paid out', csv: 'amount_effect', kind: 'money', width: 18, value: (r) => r.amountEffect, currency: (r) => r.currency },
    ],
    rows: () => readAdjustmentRows(source.snapshot.db, source.period, source.chunkRows),
  };
}

/** "Closed on … by …", kept in the closed pack's notes (so every later pack of the period repeats it). */
export function closedNote(close: Pick<ClosedPeriodRecord, 'closedAt' | 'closedBy' | 'note'>, time: LocalTime): string {
  return `Closed on ${time.iso(close.closedAt)} by ${close.closedBy}${close.note ? `: ${close.note}` : ''}. These figures are the closed ones; later changes are adjustments.`;
}

/** The note a later pack of a closed period adds: how many adjustments since, booked in which months. */
export function adjustmentsSinceNote(since: readonly { month: string; count: number }[]): string | null {
  const total = since.reduce((s, m) => s + m.count, 0);
  if (total === 0) return null;
  const where = since.map((m) => `${m.month} (${m.count})`).join(', ');
  return `${total} adjustment${total === 1 ? '' : 's'} since closing, booked in ${where}: see the Adjustments of ${since.length === 1 ? 'that period' : 'those periods'}.`;
}

export const NO_ADJUSTMENTS = 'No adjustments to closed periods detected in this period.';

/** summary.csv rows of the adjustment totals (section `adjustments`, item = the closed period). */
export function adjustmentTotalFacts(totals: readonly AdjustmentTotal[]): { item: string; currency: string; count: number; amount: number }[] {
  return totals.map((t) => ({ item: t.closedPeriod, currency: t.currency, count: t.count, amount: t.amount }));
}
