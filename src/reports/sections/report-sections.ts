/**
 * The tabular sections of a pack: By purpose, Payouts, Exceptions, Refunds
 * and Balance, each defined once for both formats (`report-table.ts`). The
 * Summary has its own layout (`summary-section.ts`).
 */
import { purposeDescription } from '../../domain/purposes.js';
import type { Period } from '../../shared/time.js';
import { readBalanceDays, type BalanceDayRow } from '../rows/balance-rows.js';
import { readExceptionRows, type ExceptionReportRow } from '../rows/exception-rows.js';
import type { LocalTime } from '../local-time.js';
import { readPayoutRows, type PayoutReportRow } from '../rows/payout-rows.js';
import type { ReadSnapshot } from '../rows/read-snapshot.js';
import { readRefundRows, type RefundReportRow } from '../rows/refund-rows.js';
import type { PurposeTotal, Total } from '../rows/report-aggregates.js';
import type { ReportTable } from './report-table.js';

export interface SectionSource {
  snapshot: ReadSnapshot;
  period: Period;
  time: LocalTime;
  chunkRows?: number;
  /** Payouts per read (default `chunkRows`, else DEFAULT_CHUNK_ROWS). */
  payoutChunkRows?: number;
}

export interface ByPurposeRow {
  purpose: string;
  description: string;
  currency: string;
  status: string;
  count: number;
  amount: number;
  /** Of the currency's total amount; null when that total is zero. */
  share: number | null;
}

/** Purpose rows per currency: one row per currency, purpose group and status. */
export function byPurposeRows(totals: readonly PurposeTotal[]): ByPurposeRow[] {
  const all = currencyTotals(totals);
  return totals.map((t) => {
    const amount = all.get(t.currency)?.all.amount ?? 0;
    return {
      purpose: t.purpose,
      description: purposeDescription(t.purpose),
      currency: t.currency,
      status: t.status,
      count: t.count,
      amount: t.amount,
      share: amount === 0 ? null : t.amount / amount,
    };
  });
}

/**
 * Below the By purpose table, per currency: what was paid (succeeded) and
 * every status together, each labelled as what it is. The purpose cell is
 * empty, so a filter or pivot on purpose never picks them up.
 */
export function byPurposeTotalRows(totals: readonly PurposeTotal[]): ByPurposeRow[] {
  const rows: ByPurposeRow[] = [];
  for (const [currency, t] of currencyTotals(totals)) {
    const share = (value: number): number | null => (t.all.amount === 0 ? null : value / t.all.amount);
    rows.push({ purpose: '', description: `Paid total ${currency} (succeeded)`, currency, status: 'succeeded', ...t.paid, share: share(t.paid.amount) });
    rows.push({ purpose: '', description: `All statuses total ${currency} (paid or not)`, currency, status: 'all statuses', ...t.all, share: share(t.all.amount) });
  }
  return rows;
}

function currencyTotals(totals: readonly PurposeTotal[]): Map<string, { paid: Total; all: Total }> {
  const byCurrency = new Map<string, { paid: Total; all: Total }>();
  for (const t of totals) {
    let entry = byCurrency.get(t.currency);
    if (!entry) {
      entry = { paid: { count: 0, amount: 0 }, all: { count: 0, amount: 0 } };
      byCurrency.set(t.currency, entry);
    }
    entry.all.count += t.count;
    entry.all.amount += t.amount;
    if (t.status === 'succeeded') {
      entry.paid.count += t.count;
      entry.paid.amount += t.amount;
    }
  }
  return byCurrency;
}

export function byPurposeTable(totals: readonly PurposeTotal[]): ReportTable<ByPurposeRow> {
  const rows = byPurposeRows(totals);
  return {
    sheet: 'By purpose',
    csvFile: 'by-purpose.csv',
    columns: [
      { title: 'Purpose', csv: 'purpose', kind: 'text', repeats: true, width: 26, value: (r) => r.purpose },
      { title: 'Description', csv: 'purpose_description', kind: 'text', width: 44, value: (r) => r.description },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 10, value: (r) => r.currency },
      { title: 'Status', csv: 'status', kind: 'text', repeats: true, width: 12, value: (r) => r.status },
      { title: 'Payouts', csv: 'count', kind: 'integer', width: 12, value: (r) => r.count },
      { title: 'Amount', csv: 'amount', kind: 'money', width: 22, value: (r) => r.amount, currency: (r) => r.currency },
      { title: 'Share of currency amount (all statuses)', csv: 'share_percent', kind: 'percent', width: 14, value: (r) => r.share },
    ],
    rows: async function* () {
      for (let i = 0; i < rows.length; i += 5000) yield rows.slice(i, i + 5000);
    },
    totals: { heading: 'Totals per currency (not part of the table above)', rows: byPurposeTotalRows(totals) },
  };
}

export function payoutsTable(source: SectionSource): ReportTable<PayoutReportRow> {
  const zone = source.time.zone;
  return {
    sheet: 'Payouts',
    csvFile: 'payouts.csv',
    columns: [
      { title: 'Provider', csv: 'provider', kind: 'text', repeats: true, width: 12, value: (r) => r.provider },
      { title: 'Payout ID', csv: 'payout_id', kind: 'text', width: 16, value: (r) => r.provider_payout_id },
      { title: 'Merchant transaction ID', csv: 'merchant_transaction_id', kind: 'text', width: 24, value: (r) => r.merchant_transaction_id },
      { title: `Created (${zone})`, csv: 'created_at', kind: 'datetime', width: 20, value: (r) => r.created_at },
      { title: 'Amount', csv: 'amount', kind: 'money', width: 20, value: (r) => r.amount, currency: (r) => r.currency },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 9, value: (r) => r.currency },
      { title: 'Status', csv: 'status', kind: 'text', repeats: true, width: 11, value: (r) => r.status },
      { title: 'Provider status', csv: 'provider_status', kind: 'text', repeats: true, width: 10, value: (r) => r.provider_status },
      { title: 'Reasons', csv: 'reasons', kind: 'text', wrap: true, width: 30, value: (r) => r.reasons },
      { title: 'Method', csv: 'method', kind: 'text', repeats: true, width: 13, value: (r) => r.method },
      { title: 'Purpose', csv: 'purpose', kind: 'text', repeats: true, width: 22, value: (r) => r.purpose },
      { title: 'Country', csv: 'country', kind: 'text', repeats: true, width: 8, value: (r) => r.country },
      { title: 'Reconciliation', csv: 'reconciliation_status', kind: 'text', repeats: true, width: 22, value: (r) => r.reconciliation },
      { title: 'Internal ID', csv: 'internal_id', kind: 'text', width: 24, value: (r) => r.internal_id },
      { title: 'Description', csv: 'description', kind: 'text', wrap: true, width: 30, value: (r) => r.description },
    ],
    rows: () => readPayoutRows(source.snapshot, source.period, source.payoutChunkRows ?? source.chunkRows),
  };
}

export function exceptionsTable(source: SectionSource): ReportTable<ExceptionReportRow> {
  const zone = source.time.zone;
  return {
    sheet: 'Exceptions',
    csvFile: 'exceptions.csv',
    columns: [
      { title: 'Exception', csv: 'exception_id', kind: 'id', width: 10, value: (r) => r.id },
      { title: 'Kind', csv: 'kind', kind: 'text', repeats: true, width: 24, value: (r) => r.kind },
      { title: 'Status', csv: 'status', kind: 'text', repeats: true, width: 10, value: (r) => r.status },
      { title: `Opened (${zone})`, csv: 'opened_at', kind: 'datetime', width: 20, value: (r) => r.openedAt },
      { title: `Closed (${zone})`, csv: 'closed_at', kind: 'datetime', width: 20, value: (r) => r.closedAt },
      { title: 'Provider', csv: 'provider', kind: 'text', repeats: true, width: 12, value: (r) => r.provider },
      { title: 'Payout ID', csv: 'payout_id', kind: 'text', width: 16, value: (r) => r.providerPayoutId },
      { title: `Payout created (${zone})`, csv: 'payout_created_at', kind: 'datetime', width: 20, value: (r) => r.payoutCreatedAt },
      { title: 'Internal ID', csv: 'internal_id', kind: 'text', width: 24, value: (r) => r.internalId },
      { title: 'Amount', csv: 'amount', kind: 'money', width: 20, value: (r) => (r.currency === null ? null : r.amount), currency: (r) => r.currency ?? '' },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 9, value: (r) => r.currency },
      { title: 'What differs', csv: 'summary', kind: 'text', wrap: true, width: 60, value: (r) => r.summary },
      { title: 'Resolved by', csv: 'resolved_by', kind: 'text', width: 12, value: (r) => r.resolvedBy },
      { title: 'Resolution note', csv: 'resolution_note', kind: 'text', wrap: true, width: 40, value: (r) => r.resolutionNote },
      { title: 'Diagnostics', csv: 'details', kind: 'text', wrap: true, width: 60, value: (r) => r.details },
    ],
    rows: () => readExceptionRows(source.snapshot.db, source.period, source.chunkRows),
  };
}

export function refundsTable(source: SectionSource): ReportTable<RefundReportRow> {
  const zone = source.time.zone;
  return {
    sheet: 'Refunds',
    csvFile: 'refunds.csv',
    columns: [
      { title: 'Type', csv: 'type', kind: 'text', repeats: true, width: 28, value: (r) => r.type },
      { title: `Detected or occurred (${zone})`, csv: 'at', kind: 'datetime', width: 22, value: (r) => r.at },
      { title: 'Provider', csv: 'provider', kind: 'text', repeats: true, width: 12, value: (r) => r.provider },
      { title: 'Payout ID', csv: 'payout_id', kind: 'text', width: 16, value: (r) => r.providerPayoutId },
      { title: `Payout created (${zone})`, csv: 'payout_created_at', kind: 'datetime', width: 20, value: (r) => r.payoutCreatedAt },
      { title: 'Refund amount', csv: 'amount', kind: 'money', width: 20, value: (r) => (r.currency === null ? null : r.amount), currency: (r) => r.currency ?? '' },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 9, value: (r) => r.currency },
      { title: 'Exception', csv: 'exception_id', kind: 'id', width: 10, value: (r) => r.exceptionId },
      { title: 'Exception status', csv: 'exception_status', kind: 'text', repeats: true, width: 12, value: (r) => r.exceptionStatus },
      { title: 'Reference', csv: 'reference', kind: 'text', width: 20, value: (r) => r.reference },
      { title: 'Summary', csv: 'summary', kind: 'text', wrap: true, width: 50, value: (r) => r.summary },
      { title: 'Evidence', csv: 'evidence', kind: 'text', wrap: true, width: 60, value: (r) => r.evidence },
    ],
    rows: () => readRefundRows(source.snapshot.db, source.period, source.chunkRows),
  };
}

export function balanceTable(source: SectionSource): ReportTable<BalanceDayRow> {
  const zone = source.time.zone;
  return {
    sheet: 'Balance',
    csvFile: 'balance.csv',
    columns: [
      { title: `Day (${zone})`, csv: 'day', kind: 'date', width: 12, value: (r) => r.day },
      { title: 'Provider', csv: 'provider', kind: 'text', repeats: true, width: 12, value: (r) => r.provider },
      { title: 'Wallet', csv: 'wallet_id', kind: 'text', width: 16, value: (r) => r.walletId },
      { title: 'Currency', csv: 'currency', kind: 'text', repeats: true, width: 9, value: (r) => r.currency },
      { title: 'Opening balance', csv: 'opening_balance', kind: 'money', width: 20, value: (r) => r.opening, currency: (r) => r.currency },
      { title: 'Closing balance', csv: 'closing_balance', kind: 'money', width: 20, value: (r) => r.closing, currency: (r) => r.currency },
      { title: 'Lowest balance', csv: 'lowest_balance', kind: 'money', width: 20, value: (r) => r.lowest, currency: (r) => r.currency },
      { title: 'Top-ups', csv: 'topups', kind: 'money', width: 20, value: (r) => r.topups, currency: (r) => r.currency },
      { title: 'Refunds', csv: 'refunds', kind: 'money', width: 20, value: (r) => r.refunds, currency: (r) => r.currency },
      { title: 'Snapshots', csv: 'snapshots', kind: 'integer', width: 10, value: (r) => r.snapshots },
      { title: `Closing taken at (${zone})`, csv: 'closing_taken_at', kind: 'datetime', width: 20, value: (r) => r.lastSnapshotAt },
    ],
    rows: async function* () {
      const days = await readBalanceDays(source.snapshot.db, source.period, source.time, source.chunkRows);
      for (let i = 0; i < days.length; i += 5000) yield days.slice(i, i + 5000);
    },
  };
}
