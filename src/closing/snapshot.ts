/**
 * The period's snapshot: every payout created in it, as the closed pack
 * reports it, copied into `closed_payouts` by the database itself
 * (`insert … select`, in keyset batches of a few thousand payouts), so no
 * payout passes through this process's memory. Runs inside the close's
 * transaction: a close that dies leaves no partial snapshot.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { LedgerDatabase, PayoutsTable } from '../ledger/schema.js';
import type { LedgerTransaction } from '../ledger/ledger.js';
import { openExceptionInternalIdSql, payoutOutcomeSql } from '../reports/rows/report-aggregates.js';
import { PAYOUT_REPORT_COLUMNS } from '../reports/rows/payout-rows.js';
import type { Period } from '../shared/time.js';
import { refundStatesInPeriod } from './refund-states.js';

export const SNAPSHOT_BATCH = 5000;

export interface PeriodTotal {
  currency: string;
  count: number;
  /** All payouts of the currency, any status (minor units). */
  amount: number;
  /** Succeeded, less confirmed manual refunds: what adjustments move. */
  paid_out: number;
}

/** Copies the period's payouts into the snapshot of `closeId`; returns how many. */
export async function writeSnapshot(
  trx: LedgerTransaction,
  closeId: number,
  period: Period,
  onBatch: (copied: number) => void = () => undefined,
  batch = SNAPSHOT_BATCH,
): Promise<number> {
  let after: { createdAt: number; id: number } | null = null;
  let copied = 0;
  for (;;) {
    // The last key of this batch, so the insert covers (after, last] by index range.
    let boundaryQuery = trx.selectFrom('payouts as p').select(['p.created_at', 'p.id']).where('p.created_at', '<', period.to);
    boundaryQuery = boundaryQuery.where((eb) => afterKey(eb, after, period.from));
    const boundary = await boundaryQuery.orderBy('p.created_at').orderBy('p.id').limit(1).offset(batch - 1).executeTakeFirst();

    let rows = trx
      .selectFrom('payouts as p')
      .leftJoin('matches as m', 'm.payout_id', 'p.id')
      .leftJoin('internal_records as r', 'r.id', 'm.internal_record_id')
      .select((eb) => [
        eb.val(closeId).as('close_id'),
        'p.id as payout_id',
        ...PAYOUT_REPORT_COLUMNS,
        sql<string | null>`case when m.id is null then ${openExceptionInternalIdSql()} else r.internal_id end`.as('internal_id'),
        payoutOutcomeSql().as('reconciliation'),
        eb.val('none').as('refund_state'),
      ])
      .where('p.created_at', '<', period.to);
    rows = rows.where((eb) => afterKey(eb, after, period.from));
    if (boundary) {
      const { created_at: c, id } = boundary;
      rows = rows.where('p.created_at', '<=', c).where((eb) => eb.or([eb('p.created_at', '<', c), eb('p.id', '<=', id)]));
    }
    const result = await trx
      .insertInto('closed_payouts')
      .columns([
        'close_id',
        'payout_id',
        'provider',
        'provider_payout_id',
        'merchant_transaction_id',
        'created_at',
        'amount',
        'currency',
        'status',
        'provider_status',
        'reasons',
        'method',
        'purpose',
        'country',
        'description',
        'internal_id',
        'reconciliation',
        'refund_state',
      ])
      .expression(rows)
      .executeTakeFirst();
    copied += Number(result.numInsertedOrUpdatedRows ?? 0n);
    onBatch(copied);
    if (!boundary) break;
    after = { createdAt: boundary.created_at, id: boundary.id };
  }
  for (const [payoutId, state] of await refundStatesInPeriod(trx, period.from, period.to)) {
    await trx.updateTable('closed_payouts').set({ refund_state: state }).where('close_id', '=', closeId).where('payout_id', '=', payoutId).execute();
  }
  return copied;
}

type PayoutsAsP = LedgerDatabase & { p: PayoutsTable };

/** Payouts after the keyset position (or from the period's start); the plain range keeps it an index scan. */
export function afterKey(eb: ExpressionBuilder<PayoutsAsP, 'p'>, after: { createdAt: number; id: number } | null, from: number): Expression<SqlBool> {
  if (!after) return eb('p.created_at', '>=', from);
  const { createdAt, id } = after;
  return eb.and([eb('p.created_at', '>=', createdAt), eb.or([eb('p.created_at', '>', createdAt), eb('p.id', '>', id)])]);
}

/** Per currency: count, amount and paid-out amount of a close's snapshot. */
export async function snapshotTotals(trx: LedgerTransaction, closeId: number): Promise<PeriodTotal[]> {
  const rows = await trx
    .selectFrom('closed_payouts')
    .select((eb) => [
      'currency',
      eb.fn.countAll<number>().as('count'),
      eb.fn.sum<number>('amount').as('amount'),
      eb.fn.sum<number>(sql`case when status = 'succeeded' and refund_state <> 'confirmed' then amount else 0 end`).as('paid_out'),
    ])
    .where('close_id', '=', closeId)
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return rows.map((r) => ({ currency: r.currency, count: Number(r.count), amount: Number(r.amount), paid_out: Number(r.paid_out) }));
}
