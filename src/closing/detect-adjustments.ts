/**
 * Finds what changed, since it was closed, in every closed period, and
 * records each difference once as an adjustment booked now.
 *
 * For each payout the period knows (its snapshot row, or the state after its
 * latest adjustment) and each payout created in the period today, the state
 * booked last is compared with the ledger's; every difference becomes a
 * `payout_adjustments` row carrying the new state, so the next detection
 * compares with that and finds nothing: detection is idempotent, and a
 * further change records a new row. Rows are keyed `(close_id, payout_id,
 * seq)`: two detectors racing insert the same keys and the second one's are
 * ignored.
 *
 * It walks each closed period by keyset over (created_at, id), a few
 * thousand payouts a step, so memory does not grow with the period. Run
 * after every command that can change payouts and before every report.
 */
import type { Ledger, LedgerDb } from '../ledger/ledger.js';
import { purposeGroup } from '../reports/rows/payout-rows.js';
import { payoutOutcomeSql } from '../reports/rows/report-aggregates.js';
import { type AdjustmentStep, adjustmentSteps, parseState, type PayoutState, type RefundState } from './payout-state.js';
import { refundStatesOf } from './refund-states.js';
import { afterKey } from './snapshot.js';

export const DETECT_CHUNK_ROWS = 2000;

export interface DetectionResult {
  /** Closed periods compared. */
  closes: number;
  /** Adjustment rows recorded by this run. */
  recorded: number;
}

interface ActiveClose {
  id: number;
  period_from: number;
  period_to: number;
}

interface NewAdjustment {
  payoutId: number;
  step: AdjustmentStep;
}

export async function detectAdjustments(ledger: Ledger, now: number, chunkRows = DETECT_CHUNK_ROWS): Promise<DetectionResult> {
  const closes = await ledger.db.selectFrom('period_closes').select(['id', 'period_from', 'period_to']).where('state', '=', 'closed').orderBy('id').execute();
  let recorded = 0;
  for (const close of closes) {
    recorded += await detectInPeriod(ledger, close, now, chunkRows);
    recorded += await detectMovedOut(ledger, close, now);
  }
  return { closes: closes.length, recorded };
}

/** Payouts created in the closed period today, against what the period booked for them. */
async function detectInPeriod(ledger: Ledger, close: ActiveClose, now: number, chunkRows: number): Promise<number> {
  const db = ledger.db;
  let after: { createdAt: number; id: number } | null = null;
  let recorded = 0;
  for (;;) {
    const rows = await db
      .selectFrom('payouts as p')
      .leftJoin('closed_payouts as cp', (join) => join.onRef('cp.payout_id', '=', 'p.id').on('cp.close_id', '=', close.id))
      .select([
        'p.id',
        'p.created_at',
        'p.status',
        'p.amount',
        'p.currency',
        'p.purpose',
        payoutOutcomeSql().as('outcome'),
        'cp.id as snapshot_id',
        'cp.status as closed_status',
        'cp.amount as closed_amount',
        'cp.currency as closed_currency',
        'cp.purpose as closed_purpose',
        'cp.reconciliation as closed_outcome',
        'cp.refund_state as closed_refund',
      ])
      .where('p.created_at', '<', close.period_to)
      .where((eb) => afterKey(eb, after, close.period_from))
      .orderBy('p.created_at')
      .orderBy('p.id')
      .limit(chunkRows)
      .execute();
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id);
    const refunds = await refundStatesOf(db, ids);
    const latest = await latestStates(db, close.id, ids);
    const found: NewAdjustment[] = [];
    for (const r of rows) {
      const current: PayoutState = {
        status: r.status,
        amount: r.amount,
        currency: r.currency,
        purpose: purposeGroup(r.purpose),
        outcome: r.outcome,
        refund: refunds.get(r.id) ?? 'none',
      };
      const booked = latest.get(r.id);
      const known = booked !== undefined ? booked.state : r.snapshot_id === null ? null : closedState(r);
      for (const step of adjustmentSteps(known, current)) found.push({ payoutId: r.id, step });
    }
    recorded += await record(ledger, close.id, found, latest, now);
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    if (rows.length < chunkRows) break;
  }
  return recorded;
}

/** Payouts the period knew whose creation time the provider has since moved out of it. */
async function detectMovedOut(ledger: Ledger, close: ActiveClose, now: number): Promise<number> {
  const db = ledger.db;
  const snapshotIds = await db
    .selectFrom('closed_payouts as cp')
    .innerJoin('payouts as p', 'p.id', 'cp.payout_id')
    .select('cp.payout_id')
    .where('cp.close_id', '=', close.id)
    .where((eb) => eb.or([eb('p.created_at', '<', close.period_from), eb('p.created_at', '>=', close.period_to)]))
    .execute();
  const adjustedIds = await db
    .selectFrom('payout_adjustments as a')
    .innerJoin('payouts as p', 'p.id', 'a.payout_id')
    .select('a.payout_id')
    .distinct()
    .where('a.close_id', '=', close.id)
    .where((eb) => eb.or([eb('p.created_at', '<', close.period_from), eb('p.created_at', '>=', close.period_to)]))
    .execute();
  const ids = [...new Set([...snapshotIds.map((r) => r.payout_id), ...adjustedIds.map((r) => r.payout_id)])];
  let recorded = 0;
  for (let i = 0; i < ids.length; i += DETECT_CHUNK_ROWS) {
    const chunk = ids.slice(i, i + DETECT_CHUNK_ROWS);
    const latest = await latestStates(db, close.id, chunk);
    const snapshot = await db
      .selectFrom('closed_payouts as cp')
      .select(['cp.payout_id', 'cp.status as closed_status', 'cp.amount as closed_amount', 'cp.currency as closed_currency', 'cp.purpose as closed_purpose', 'cp.reconciliation as closed_outcome', 'cp.refund_state as closed_refund'])
      .where('cp.close_id', '=', close.id)
      .where('cp.payout_id', 'in', chunk)
      .execute();
    const snapshotState = new Map(snapshot.map((r) => [r.payout_id, closedState(r)]));
    const found: NewAdjustment[] = [];
    for (const id of chunk) {
      const booked = latest.get(id);
      const known = booked !== undefined ? booked.state : (snapshotState.get(id) ?? null);
      for (const step of adjustmentSteps(known, null)) found.push({ payoutId: id, step });
    }
    recorded += await record(ledger, close.id, found, latest, now);
  }
  return recorded;
}

function closedState(r: {
  closed_status: string | null;
  closed_amount: number | null;
  closed_currency: string | null;
  closed_purpose: string | null;
  closed_outcome: string | null;
  closed_refund: string | null;
}): PayoutState {
  return {
    status: r.closed_status ?? '',
    amount: r.closed_amount ?? 0,
    currency: r.closed_currency ?? '',
    purpose: purposeGroup(r.closed_purpose),
    outcome: r.closed_outcome ?? '',
    refund: (r.closed_refund ?? 'none') as RefundState,
  };
}

/** The state after each payout's latest adjustment in the close, with its sequence number. */
async function latestStates(db: LedgerDb, closeId: number, payoutIds: readonly number[]): Promise<Map<number, { seq: number; state: PayoutState | null }>> {
  const latest = new Map<number, { seq: number; state: PayoutState | null }>();
  if (payoutIds.length === 0) return latest;
  const rows = await db
    .selectFrom('payout_adjustments')
    .select(['payout_id', 'seq', 'state_after'])
    .where('close_id', '=', closeId)
    .where('payout_id', 'in', payoutIds)
    .orderBy('payout_id')
    .orderBy('seq')
    .execute();
  for (const r of rows) latest.set(r.payout_id, { seq: r.seq, state: parseState(r.state_after) });
  return latest;
}

/** Inserts the found adjustments in one transaction; keys already taken (a racing detector) are skipped. */
async function record(
  ledger: Ledger,
  closeId: number,
  found: readonly NewAdjustment[],
  latest: ReadonlyMap<number, { seq: number }>,
  now: number,
): Promise<number> {
  if (found.length === 0) return 0;
  const seqs = new Map<number, number>();
  const values = found.map(({ payoutId, step }) => {
    const seq = (seqs.get(payoutId) ?? latest.get(payoutId)?.seq ?? 0) + 1;
    seqs.set(payoutId, seq);
    return {
      close_id: closeId,
      payout_id: payoutId,
      seq,
      detected_at: now,
      what_changed: step.whatChanged,
      before_value: step.before,
      after_value: step.after,
      currency: step.currency,
      amount_effect: step.amountEffect,
      state_after: JSON.stringify(step.stateAfter),
    };
  });
  return ledger.transaction(async (trx) => {
    let inserted = 0;
    for (let i = 0; i < values.length; i += 500) {
      const result = await trx
        .insertInto('payout_adjustments')
        .values(values.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['close_id', 'payout_id', 'seq']).doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted;
  });
}
