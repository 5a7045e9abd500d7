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
import { describePeriodDays, type ReportPeriod } from '../report-period.js';
import { REPORT_STATUSES, type ReportStatus } from '../rows/reconciliation-outcome.js';
import type { ReportTable } from './report-table.js';
import { DATE_TIME_FORMAT, type XlsxStyles } from '../writers/xlsx/xlsx-styles.js';
import type { XlsxWorkbookWriter } from '../writers/xlsx/xlsx-workbook-writer.js';
import { columnLetters, inlineStringCell, numberCell } from '../writers/xlsx/xlsx-xml.js';
import { formatMoney } from '../../shared/money.js';
import { neutraliseFormula } from '../writers/formula-guard.js';
import { adjustmentTotals, type AdjustmentTotal } from '../rows/adjustment-rows.js';
import { adjustmentTotalFacts, NO_ADJUSTMENTS } from './adjustments-section.js';

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

// ---------------------------------------------------------------- workbook

type SummaryCell =
  | { text: string; bold?: boolean; title?: boolean }
  | { int: number }
  | { money: number; currency: string }
  | { at: number }
  | null;

// Wide enough for a date-time (19 characters) wherever the blocks put one.
const WIDTHS = [30, 21, 20, 14, 22, 16, 22, 14, 18, 14, 18, 14, 18];

export async function writeSummarySheet(wb: XlsxWorkbookWriter, data: SummaryData, time: LocalTime): Promise<void> {
  const sheet = wb.startSheet('Summary', { widths: WIDTHS });
  const styles = wb.styles;
  const row = async (cells: SummaryCell[]): Promise<void> => {
    await sheet.addRow(summaryCells(cells, sheet.rowCount + 1, styles, time));
  };
  const gap = async (): Promise<void> => {
    await sheet.addEmptyRow();
  };
  const heading = (text: string): Promise<void> => row([{ text, bold: true }]);
  const label = (text: string): SummaryCell => ({ text, bold: true });
  const zone = data.period.zone;

  await row([{ text: `Payout report ${data.period.label}`, title: true }]);
  await gap();
  await row([label('Period'), { text: describePeriodDays(data.period) }]);
  await row([label('Time zone'), { text: `${zone}: the period is cut and every time in this workbook is shown in this zone` }]);
  await row([label('Period starts'), { at: data.period.from }]);
  await row([label('Period ends (exclusive)'), { at: data.period.to }]);
  await row([label('Generated at'), { at: data.generatedAt }]);
  if (data.watermarks.length === 0) await row([label('Data as of'), { text: 'never synced' }]);
  for (const w of data.watermarks) {
    await row([label(`Data as of (${w.source})`), w.watermark === null ? { text: 'never synced' } : { at: w.watermark }]);
  }
  await row([label('Payouts in the period'), { int: data.payouts }]);
  for (const note of data.notes) await row([label('Note'), { text: note }]);

  await gap();
  await heading('Payouts by status');
  await row([
    label('Currency'),
    ...REPORT_STATUSES.flatMap((s) => [label(capitalise(s)), label(`${capitalise(s)} amount`)]),
    label('Total'),
    label('Total amount'),
  ]);
  for (const t of data.statusTotals) {
    await row([
      { text: t.currency },
      ...REPORT_STATUSES.flatMap((s): SummaryCell[] => [{ int: t.byStatus[s].count }, { money: t.byStatus[s].amount, currency: t.currency }]),
      { int: t.total.count },
      { money: t.total.amount, currency: t.currency },
    ]);
  }
  if (data.statusTotals.length === 0) await row([{ text: 'No payouts in the period.' }]);
  await row([{ text: OPEN_STATUS_NOTE }]);

  await gap();
  await heading('Reconciliation');
  await row([label('Currency'), label('Outcome'), label('Payouts'), label('Amount')]);
  for (const o of data.outcomes) {
    await row([{ text: o.currency }, { text: o.outcome }, { int: o.count }, { money: o.amount, currency: o.currency }]);
  }
  if (data.outcomes.length === 0) await row([{ text: 'No payouts in the period.' }]);

  await gap();
  await heading('Adjustments to closed periods (effect on paid out)');
  await row([label('Closed period'), label('Currency'), label('Adjustments'), label('Amount')]);
  for (const a of data.adjustments) {
    await row([{ text: a.closedPeriod }, { text: a.currency }, { int: a.count }, { money: a.amount, currency: a.currency }]);
  }
  if (data.adjustments.length === 0) await row([{ text: NO_ADJUSTMENTS }]);

  await gap();
  await heading('Prefunding balance');
  await row([label('Currency'), label('Provider'), label('Wallet'), label('Opening balance'), label(`Opening as of (${zone})`), label('Closing balance'), label(`Closing as of (${zone})`)]);
  for (const b of data.balances) {
    await row([
      { text: b.currency },
      { text: b.provider },
      b.walletId === null ? null : { text: b.walletId },
      b.opening ? { money: b.opening.amount, currency: b.currency } : null,
      b.opening ? { at: b.opening.takenAt } : null,
      b.closing ? { money: b.closing.amount, currency: b.currency } : null,
      b.closing ? { at: b.closing.takenAt } : null,
    ]);
  }
  if (data.balances.length === 0) await row([{ text: 'No balance snapshots up to the end of the period.' }]);

  await gap();
  await heading('Alerts in the period');
  await row([label(`Fired at (${zone})`), label('Kind'), label('Severity'), label('State'), label(`Resolved at (${zone})`), label('Title')]);
  for (const a of data.alerts) {
    await row([{ at: a.firstFiredAt }, { text: a.kind }, { text: a.severity }, { text: a.state }, a.resolvedAt === null ? null : { at: a.resolvedAt }, { text: a.title }]);
  }
  if (data.alerts.length === 0) await row([{ text: 'No alerts.' }]);
  await sheet.close();
}

function summaryCells(cells: readonly SummaryCell[], rowNumber: number, styles: XlsxStyles, time: LocalTime): string {
  let xml = '';
  cells.forEach((cell, i) => {
    if (cell === null) return;
    const ref = `${columnLetters(i)}${rowNumber}`;
    if ('text' in cell) {
      const style = cell.title ? styles.style('General', 'title') : cell.bold ? styles.style('General', 'bold') : 0;
      xml += inlineStringCell(ref, neutraliseFormula(cell.text), style);
    } else if ('int' in cell) {
      xml += numberCell(ref, cell.int, styles.style('#,##0'));
    } else if ('money' in cell) {
      xml += numberCell(ref, formatMoney(cell.money, cell.currency), styles.money(cell.currency));
    } else {
      xml += numberCell(ref, time.excelSerial(cell.at), styles.style(DATE_TIME_FORMAT));
    }
  });
  return xml;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
    fact('status', 'total', null, { currency: t.currency, count: t.total.count, amount: t.total.amount });
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
