/**
 * The Summary: what the pack covers and its totals. Collected with a handful
 * of GROUP BY queries; laid out as labelled blocks in the workbook and as a
 * long table (`section,item,currency,count,amount,value`) in summary.csv.
 */
import type { Period } from '../../shared/time.js';
import type { LocalTime } from '../local-time.js';
import type { LedgerReader } from '../rows/read-snapshot.js';
import {
  alertsInPeriod,
  balanceEdges,
  type BalanceEdges,
  type OutcomeTotal,
  payoutTotals,
  type PurposeTotal,
  type ReportAlert,
  type SyncWatermark,
  syncWatermarks,
  type Total,
} from '../rows/report-aggregates.js';
import { packTitle, type ReportPeriod } from '../report-period.js';
import { REPORT_STATUSES, type ReportStatus } from '../rows/reconciliation-outcome.js';
import { adjustmentTotals, type AdjustmentTotal } from '../rows/adjustment-rows.js';
import { adjustmentTotalFacts } from './adjustments-section.js';
import type { ReportTable } from './report-table.js';

export interface CurrencyStatusTotals {
  currency: string;
  byStatus: Record<ReportStatus, Total>;
  total: Total;
}

export interface SummaryData {
  period: ReportPeriod;
  generatedAt: number;
  watermarks: SyncWatermark[];
  payouts: number;
  statusTotals: CurrencyStatusTotals[];
  outcomes: OutcomeTotal[];
  balances: BalanceEdges[];
  alerts: ReportAlert[];
  notes: string[];
  /** Adjustments to closed periods booked in this period, per closed period and currency. */
  adjustments: AdjustmentTotal[];
}

/** summary.csv's item for the count and amount of every status together. */
export const ALL_STATUSES = 'all_statuses';

export const OPEN_STATUS_NOTE = 'Open includes payouts still authorized, pending or in an unknown provider status.';

export async function collectSummary(
  db: LedgerReader,
  period: ReportPeriod,
  generatedAt: number,
  /** The payout totals when already known (added up from the rows); else computed by `payoutTotals`. */
  payouts?: { purposes: PurposeTotal[]; outcomes: OutcomeTotal[] },
): Promise<{ summary: SummaryData; purposeTotals: PurposeTotal[] }> {
  const { purposes: totals, outcomes } = payouts ?? (await payoutTotals(db, period));
  const watermarks = await syncWatermarks(db);
  const summary: SummaryData = {
    period,
    generatedAt,
    watermarks,
    payouts: totals.reduce((s, t) => s + t.count, 0),
    statusTotals: statusTotals(totals),
    outcomes,
    balances: await balanceEdges(db, period),
    alerts: await alertsInPeriod(db, period),
    notes: completenessNotes(period, watermarks, generatedAt),
    adjustments: await adjustmentTotals(db, period),
  };
  return { summary, purposeTotals: totals };
}

export function statusTotals(totals: readonly PurposeTotal[]): CurrencyStatusTotals[] {
  const byCurrency = new Map<string, CurrencyStatusTotals>();
  for (const t of totals) {
    let entry = byCurrency.get(t.currency);
    if (!entry) {
      const byStatus = Object.fromEntries(REPORT_STATUSES.map((s) => [s, { count: 0, amount: 0 }])) as Record<ReportStatus, Total>;
      entry = { currency: t.currency, byStatus, total: { count: 0, amount: 0 } };
      byCurrency.set(t.currency, entry);
    }
    entry.byStatus[t.status].count += t.count;
    entry.byStatus[t.status].amount += t.amount;
    entry.total.count += t.count;
    entry.total.amount += t.amount;
  }
  return [...byCurrency.values()];
}

/** Says when the ledger may not hold the whole period yet. */
function completenessNotes(period: Period, watermarks: readonly SyncWatermark[], now: number): string[] {
  const notes: string[] = [];
  if (watermarks.length === 0) notes.push('The ledger has never been synced from a provider: payouts may be missing.');
  for (const w of watermarks) {
    if (w.watermark === null || w.watermark < period.to) {
      notes.push(`Payouts from ${w.source} are synced only up to the "data as of" time: later payouts of the period are not in this report yet.`);
    }
  }
  if (period.to > now) notes.push('The period has not ended yet.');
  return notes;
}

// ---------------------------------------------------------------- CSV

export interface SummaryCsvRow {
  section: string;
  item: string;
  currency: string | null;
  count: number | null;
  amount: number | null;
  value: string | null;
}

/** summary.csv: one fact per row. Times in `value` are ISO 8601 with the zone's offset. */
export function summaryCsvRows(data: SummaryData, time: LocalTime): SummaryCsvRow[] {
  const rows: SummaryCsvRow[] = [];
  const fact = (section: string, item: string, value: string | null, extra: Partial<SummaryCsvRow> = {}): void => {
    rows.push({ section, item, currency: null, count: null, amount: null, value, ...extra });
  };
  fact('report', 'period', data.period.label);
  fact('report', 'title', packTitle(data.period));
  fact('report', 'first_day', data.period.firstDay);
  fact('report', 'last_day', data.period.lastDay);
  fact('report', 'time_zone', data.period.zone);
  fact('report', 'period_start', time.iso(data.period.from));
  fact('report', 'period_end_exclusive', time.iso(data.period.to));
  fact('report', 'generated_at', time.iso(data.generatedAt));
  for (const w of data.watermarks) fact('report', `data_as_of:${w.source}`, w.watermark === null ? null : time.iso(w.watermark));
  fact('report', 'payouts', null, { count: data.payouts });
  for (const note of data.notes) fact('report', 'note', note);
  for (const t of data.statusTotals) {
    for (const s of REPORT_STATUSES) {
      fact('status', s, null, { currency: t.currency, count: t.byStatus[s].count, amount: t.byStatus[s].amount });
    }
    // Every status added up: money paid is the `succeeded` row.
    fact('status', ALL_STATUSES, null, { currency: t.currency, count: t.total.count, amount: t.total.amount });
  }
  for (const o of data.outcomes) fact('reconciliation', o.outcome, null, { currency: o.currency, count: o.count, amount: o.amount });
  for (const a of adjustmentTotalFacts(data.adjustments)) fact('adjustments', a.item, null, { currency: a.currency, count: a.count, amount: a.amount });
  for (const b of data.balances) {
    const where = `${b.provider}${b.walletId === null ? '' : `/${b.walletId}`}`;
    if (b.opening) fact('balance', 'opening', `${where} at ${time.iso(b.opening.takenAt)}`, { currency: b.currency, amount: b.opening.amount });
    if (b.closing) fact('balance', 'closing', `${where} at ${time.iso(b.closing.takenAt)}`, { currency: b.currency, amount: b.closing.amount });
  }
  for (const a of data.alerts) {
    const resolved = a.resolvedAt === null ? '' : `, resolved ${time.iso(a.resolvedAt)}`;
    fact('alert', a.kind, `${time.iso(a.firstFiredAt)} ${a.severity} ${a.state}${resolved}: ${a.title}`);
  }
  return rows;
}

export function summaryCsvTable(data: SummaryData, time: LocalTime): ReportTable<SummaryCsvRow> {
  const rows = summaryCsvRows(data, time);
  return {
    sheet: 'Summary',
    csvFile: 'summary.csv',
    columns: [
      { title: null, csv: 'section', kind: 'text', value: (r) => r.section },
      { title: null, csv: 'item', kind: 'text', value: (r) => r.item },
      { title: null, csv: 'currency', kind: 'text', value: (r) => r.currency },
      { title: null, csv: 'count', kind: 'integer', value: (r) => r.count },
      { title: null, csv: 'amount', kind: 'money', value: (r) => (r.currency === null ? null : r.amount), currency: (r) => r.currency ?? '' },
      { title: null, csv: 'value', kind: 'text', value: (r) => r.value },
    ],
    rows: async function* () {
      yield rows;
    },
  };
}
