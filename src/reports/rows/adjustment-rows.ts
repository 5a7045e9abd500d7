/**
 * Adjustments to closed periods, as a pack shows them: those detected in the
 * pack's period (booked there), read by keyset on (detected_at, id); their
 * totals per closed period and currency; and, for a closed period, how many
 * were booked since and in which later months.
 */
import type { Expression, SqlBool } from 'kysely';
import type { Period } from '../../shared/time.js';
import { instantToWallClock } from '../../shared/time.js';
import type { LedgerReader } from './read-snapshot.js';

export interface AdjustmentReportRow {
  id: number;
  detectedAt: number;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  closedPeriod: string;
  whatChanged: string;
  before: string | null;
  after: string | null;
  currency: string;
  amountEffect: number;
}

export const ADJUSTMENT_CHUNK_ROWS = 2000;

export async function* readAdjustmentRows(db: LedgerReader, period: Period, chunkRows = ADJUSTMENT_CHUNK_ROWS): AsyncGenerator<AdjustmentReportRow[]> {
  let after: { at: number; id: number } | null = null;
  for (;;) {
    const position: { at: number; id: number } | null = after;
    const rows = await db
      .selectFrom('payout_adjustments as a')
      .innerJoin('payouts as p', 'p.id', 'a.payout_id')
      .innerJoin('period_closes as c', 'c.id', 'a.close_id')
      .select(['a.id', 'a.detected_at', 'p.provider_payout_id', 'p.merchant_transaction_id', 'c.label', 'a.what_changed', 'a.before_value', 'a.after_value', 'a.currency', 'a.amount_effect'])
      .where('a.detected_at', '<', period.to)
      .where((eb): Expression<SqlBool> =>
        position === null
          ? eb('a.detected_at', '>=', period.from)
          : eb.and([eb('a.detected_at', '>=', position.at), eb.or([eb('a.detected_at', '>', position.at), eb('a.id', '>', position.id)])]),
      )
      .orderBy('a.detected_at')
      .orderBy('a.id')
      .limit(chunkRows)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id,
      detectedAt: r.detected_at,
      providerPayoutId: r.provider_payout_id,
      merchantTransactionId: r.merchant_transaction_id,
      closedPeriod: r.label,
      whatChanged: r.what_changed,
      before: r.before_value,
      after: r.after_value,
      currency: r.currency,
      amountEffect: r.amount_effect,
    }));
    const last = rows[rows.length - 1]!;
    after = { at: Number(last.detected_at), id: Number(last.id) };
    if (rows.length < chunkRows) return;
  }
}

export interface AdjustmentTotal {
  closedPeriod: string;
  currency: string;
  count: number;
  /** Sum of the signed effects, minor units. */
  amount: number;
}

/** Adjustments booked in the period, per closed period and currency. */
export async function adjustmentTotals(db: LedgerReader, period: Period): Promise<AdjustmentTotal[]> {
  const rows = await db
    .selectFrom('payout_adjustments as a')
    .innerJoin('period_closes as c', 'c.id', 'a.close_id')
    .select((eb) => ['c.label', 'a.currency', eb.fn.countAll<number>().as('count'), eb.fn.sum<number>('a.amount_effect').as('amount')])
    .where('a.detected_at', '>=', period.from)
    .where('a.detected_at', '<', period.to)
    .groupBy(['c.label', 'a.currency'])
    .orderBy('c.label')
    .orderBy('a.currency')
    .execute();
  return rows.map((r) => ({ closedPeriod: r.label, currency: r.currency, count: Number(r.count), amount: Number(r.amount) }));
}

/** How many adjustments a close has had since, per month (in `zone`) they were booked in, oldest first. */
export async function adjustmentsSince(db: LedgerReader, closeId: number, zone: string): Promise<{ month: string; count: number }[]> {
  // Grouped by day in SQL would need dialect date functions; the distinct detection instants are few.
  const rows = await db
    .selectFrom('payout_adjustments')
    .select((eb) => ['detected_at', eb.fn.countAll<number>().as('count')])
    .where('close_id', '=', closeId)
    .groupBy('detected_at')
    .orderBy('detected_at')
    .execute();
  const months = new Map<string, number>();
  for (const r of rows) {
    const w = instantToWallClock(r.detected_at, zone);
    const month = `${w.year}-${String(w.month).padStart(2, '0')}`;
    months.set(month, (months.get(month) ?? 0) + Number(r.count));
  }
  return [...months].map(([month, count]) => ({ month, count }));
}
