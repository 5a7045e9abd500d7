/**
 * Silent manual refunds, found on the prefunding balance.
 *
 * For each currency, every interval between two consecutive snapshots that
 * the ledger fully covers (the `smart2pay:payouts` watermark is past the
 * later snapshot: every payout created before it is in the ledger) is
 * evaluated once, in order:
 *
 *   residual = actual change − (released − debited)      (payout-flows.ts)
 *
 * netted against recent unexplained drops (balance-residual.ts). What stays
 * positive is money nobody told us about. It is explained, in this order, by
 * 1. pending credits: imported top-ups (dated up to `alerts.topupWindowDays`
 *    before the snapshot, or a day after) and refunds from the provider's
 *    daily report, not yet seen on the balance, alone or a few together
 *    adding up exactly: expected money, no exception (a reported refund
 *    seen on the balance gets `balance` evidence: confirmed);
 * 2. succeeded bank payouts of the currency that became final within
 *    `alerts.refundLookbackDays` (and before the interval began), one or
 *    up to `alerts.refundMaxPayouts` adding up exactly: a unique answer of
 *    the smallest size becomes a `suspected_manual_refund` on each payout;
 * 3. otherwise an `unexplained_balance_change` listing the candidates.
 *
 * Where the evaluation stopped (and the drops still carried) is kept in the
 * `sync_state` row `monitor:refunds:<currency>`, updated in the same
 * transaction as the exceptions: a re-run never evaluates an interval twice,
 * a crash evaluates it again from scratch.
 */
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import { formatInstant, type Instant, MS_PER_DAY, MS_PER_HOUR } from '../shared/time.js';
import { type CarriedDrop, netResidual } from './balance-residual.js';
import { type DebitRule, payoutFlows, payoutsWatermark, type RefundCandidate, refundCandidates } from './payout-flows.js';
import {
  type CandidatePayout,
  loadSuspectedPayout,
  recordRefundEvidence,
  recordUnexplainedChange,
  type RefundEvidence,
} from './refund-suspicions.js';
import { findExactSubsets } from './subset-sum.js';
import { type Kysely, sql } from 'kysely';

export interface RefundMonitorRules {
  debitOn: DebitRule;
  refundLookbackDays: number;
  refundMaxPayouts: number;
  observationLagHours: number;
  topupWindowDays: number;
}

export type IntervalVerdict = 'as_expected' | 'drop' | 'pending_credits' | 'suspected_manual_refund' | 'unexplained_balance_change';

export interface IntervalOutcome {
  currency: string;
  from: Instant;
  to: Instant;
  /** Actual change of the balance, minor units. */
  change: number;
  debited: number;
  released: number;
  residual: number;
  /** Part of the residual that offset earlier drops. */
  netted: number;
  /** Unexplained increase after netting. */
  increase: number;
  verdict: IntervalVerdict;
  /** Payouts suspected (for `suspected_manual_refund`). */
  payoutIds: number[];
  /** Balance movements (top-ups, reported refunds) that explained it. */
  movementIds: number[];
}

export interface RefundMonitorOutcome {
  currency: string;
  watermark: Instant | null;
  evaluated: IntervalOutcome[];
  /** Snapshots taken after the watermark: evaluated once sync has passed them. */
  waiting: number;
}

interface MonitorState {
  carry: CarriedDrop[];
}

/** Candidates loaded for combinations of two or more payouts (the newest first). */
const COMBINATION_CANDIDATES = 20_000;
/** Intervals evaluated per currency per run (a long outage catches up over several runs). */
const MAX_INTERVALS = 2_000;

const REFUND_LOCK_KEY = 7_264_115; // any constant shared by every replica

/** A 32-bit lock key per currency code. */
function currencyLockKey(currency: string): number {
  let key = 0;
  for (const ch of currency) key = (key * 31 + ch.charCodeAt(0)) | 0;
  return key;
}

export function refundStateKey(currency: string): string {
  return `monitor:refunds:${currency}`;
}

class ConcurrentRun extends Error {}

export async function runRefundMonitor(
  ledger: Ledger,
  currency: string,
  rules: RefundMonitorRules,
  now: Instant,
): Promise<RefundMonitorOutcome> {
  const watermark = await payoutsWatermark(ledger.db);
  const stateRow = await ledger.db.selectFrom('sync_state').selectAll().where('key', '=', refundStateKey(currency)).executeTakeFirst();
  const start = stateRow?.watermark ?? now - rules.refundLookbackDays * MS_PER_DAY;
  const waitingRow = await ledger.db
    .selectFrom('balance_snapshots')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('currency', '=', currency)
    .where('taken_at', '>', Math.max(start, watermark ?? Number.MIN_SAFE_INTEGER))
    .executeTakeFirstOrThrow();
  const outcome: RefundMonitorOutcome = { currency, watermark, evaluated: [], waiting: Number(waitingRow.n) };
  if (watermark === null) return outcome;
  const snapshots = await ledger.db
    .selectFrom('balance_snapshots')
    .select(['id', 'amount', 'taken_at'])
    .where('currency', '=', currency)
    .where('taken_at', '>=', start)
    .where('taken_at', '<=', watermark)
    .orderBy('taken_at')
    .orderBy('id')
    .limit(MAX_INTERVALS + 1)
    .execute();
  if (snapshots.length < 2) return outcome;
  try {
    outcome.evaluated = await ledger.transaction(async (trx) => {
      // PostgreSQL replicas: one evaluation per currency at a time (SQLite's BEGIN IMMEDIATE already serialises).
      if (ledger.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${REFUND_LOCK_KEY}, ${currencyLockKey(currency)})`.execute(trx);
      const state = fromJson<MonitorState>(stateRow?.details ?? null, { carry: [] });
      let carry = state.carry;
      const results: IntervalOutcome[] = [];
      for (let i = 1; i < snapshots.length; i++) {
        const a = snapshots[i - 1]!;
        const b = snapshots[i]!;
        const flows = await payoutFlows(trx, currency, a.taken_at, b.taken_at, rules.debitOn);
        const change = b.amount - a.amount;
        const netted = netResidual(change, flows, carry, b.taken_at, rules.observationLagHours * MS_PER_HOUR);
        carry = netted.carry;
        const interval: IntervalOutcome = {
          currency,
          from: a.taken_at,
          to: b.taken_at,
          change,
          debited: flows.debited,
          released: flows.released,
          residual: netted.residual,
          netted: netted.netted,
          increase: netted.increase,
          verdict: netted.residual < 0 ? 'drop' : 'as_expected',
          payoutIds: [],
          movementIds: [],
        };
        if (netted.increase > 0) await explainIncrease(trx, interval, { from: a, to: b }, rules, now);
        results.push(interval);
      }
      const last = snapshots[snapshots.length - 1]!;
      await saveState(trx, currency, stateRow ? { watermark: stateRow.watermark, updatedAt: stateRow.updated_at } : null, last.taken_at, { carry }, now);
      return results;
    });
  } catch (error) {
    if (error instanceof ConcurrentRun) return outcome; // another run evaluated these intervals
    throw error;
  }
  return outcome;
}

async function saveState(
  trx: LedgerTransaction,
  currency: string,
  previous: { watermark: Instant | null; updatedAt: Instant } | null,
  watermark: Instant,
  state: MonitorState,
  now: Instant,
): Promise<void> {
  const key = refundStateKey(currency);
  const details = toJson(state);
  if (!previous) {
    const inserted = await trx
      .insertInto('sync_state')
      .values({ key, watermark, details, updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!inserted) throw new ConcurrentRun();
    return;
  }
  let update = trx.updateTable('sync_state').set({ watermark, details, updated_at: now }).where('key', '=', key).where('updated_at', '=', previous.updatedAt);
  update = previous.watermark === null ? update.where('watermark', 'is', null) : update.where('watermark', '=', previous.watermark);
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new ConcurrentRun();
}

interface SnapshotPoint {
  id: number;
  amount: number;
  taken_at: Instant;
}

function balanceEvidence(interval: IntervalOutcome, points: { from: SnapshotPoint; to: SnapshotPoint }, matched: unknown[]): RefundEvidence {
  return {
    source: 'balance',
    key: `balance:${interval.currency}:${interval.from}:${interval.to}`,
    currency: interval.currency,
    increase: interval.increase,
    from: { snapshot_id: points.from.id, taken_at: formatInstant(points.from.taken_at), amount: points.from.amount },
    to: { snapshot_id: points.to.id, taken_at: formatInstant(points.to.taken_at), amount: points.to.amount },
    debited: interval.debited,
    released: interval.released,
    netted: interval.netted,
    matched,
  };
}

function candidateView(c: RefundCandidate): CandidatePayout {
  return {
    payout_id: c.payoutId,
    provider_payout_id: c.providerPayoutId,
    merchant_transaction_id: c.merchantTransactionId,
    amount: c.amount,
    succeeded_at: formatInstant(c.succeededAt),
  };
}

interface PendingCredit {
  id: number;
  kind: string;
  amount: number;
  reference: string;
  payoutId: number | null;
  details: Record<string, unknown>;
}

/** Imported top-ups and reported refunds of the currency near the interval that no balance increase has used yet. */
async function pendingCredits(db: Kysely<LedgerDatabase>, currency: string, to: Instant, windowDays: number): Promise<PendingCredit[]> {
  const rows = await db
    .selectFrom('balance_movements')
    .select(['id', 'kind', 'amount', 'reference', 'payout_id', 'details'])
    .where('currency', '=', currency)
    .where('kind', 'in', ['topup', 'refund'])
    .where('occurred_at', '>=', to - windowDays * MS_PER_DAY)
    .where('occurred_at', '<=', to + MS_PER_DAY)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      amount: r.amount,
      reference: r.reference,
      payoutId: r.payout_id,
      details: fromJson<Record<string, unknown>>(r.details, {}),
    }))
    .filter((r) => r.amount > 0 && r.details.seen_on_balance === undefined);
}

async function explainIncrease(
  trx: LedgerTransaction,
  interval: IntervalOutcome,
  points: { from: SnapshotPoint; to: SnapshotPoint },
  rules: RefundMonitorRules,
  now: Instant,
): Promise<void> {
  const { currency, increase } = interval;
  const seen = { from: formatInstant(points.from.taken_at), to: formatInstant(points.to.taken_at) };

  // 1. Money we expect: top-ups and reported refunds.
  const credits = await pendingCredits(trx, currency, points.to.taken_at, rules.topupWindowDays);
  const byCredits = findExactSubsets({
    items: credits.map((c) => ({ amount: c.amount, item: c })),
    target: increase,
    maxSize: rules.refundMaxPayouts,
    maxSolutions: 1,
  });
  const explained = byCredits.solutions[0];
  if (explained) {
    interval.verdict = 'pending_credits';
    for (const credit of explained) {
      interval.movementIds.push(credit.id);
      await trx
        .updateTable('balance_movements')
        .set({ details: toJson({ ...credit.details, seen_on_balance: seen }) })
        .where('id', '=', credit.id)
        .execute();
      if (credit.kind === 'refund') {
        const evidence = balanceEvidence(interval, points, [{ movement_id: credit.id, reference: credit.reference, amount: credit.amount }]);
        const payout = credit.payoutId === null ? undefined : await loadSuspectedPayout(trx, credit.payoutId);
        await recordRefundEvidence(trx, payout ? { payout } : { operationId: credit.reference, amount: credit.amount, currency }, [evidence], now);
        if (payout) interval.payoutIds.push(payout.id);
      }
    }
    return;
  }

  // 2. Succeeded bank payouts: one of exactly this amount, else a few adding up.
  const window = { currency, from: points.to.taken_at - rules.refundLookbackDays * MS_PER_DAY, to: points.from.taken_at };
  const single = await refundCandidates(trx, { ...window, maxAmount: increase, amount: increase, limit: 11 });
  let solutions: RefundCandidate[][];
  let search: Record<string, unknown>;
  if (single.length > 0) {
    solutions = single.slice(0, 10).map((c) => [c]);
    search = { size: 1, candidates_considered: single.length, more: single.length > 10, complete: true };
  } else if (rules.refundMaxPayouts > 1) {
    const pool = await refundCandidates(trx, { ...window, maxAmount: increase, limit: COMBINATION_CANDIDATES });
    const found = findExactSubsets({
      items: pool.map((c) => ({ amount: c.amount, item: c })),
      target: increase,
      maxSize: rules.refundMaxPayouts,
      maxSolutions: 10,
    });
    solutions = found.solutions;
    search = {
      size: found.size,
      candidates_considered: found.considered,
      candidates_truncated: pool.length >= COMBINATION_CANDIDATES,
      more: found.more,
      complete: found.complete,
    };
  } else {
    solutions = [];
    search = { size: null, candidates_considered: 0, complete: true };
  }
  search = { ...search, max_payouts: rules.refundMaxPayouts, lookback_days: rules.refundLookbackDays };

  const unique = solutions.length === 1 && search.more !== true;
  if (unique) {
    const matched = solutions[0]!;
    interval.verdict = 'suspected_manual_refund';
    const evidence = balanceEvidence(
      interval,
      points,
      matched.map((c) => ({ payout_id: c.payoutId, provider_payout_id: c.providerPayoutId, amount: c.amount })),
    );
    for (const candidate of matched) {
      const payout = await loadSuspectedPayout(trx, candidate.payoutId);
      if (!payout) continue;
      await recordRefundEvidence(trx, { payout }, [evidence], now, matched.map(candidateView));
      interval.payoutIds.push(payout.id);
    }
    return;
  }
  interval.verdict = 'unexplained_balance_change';
  const reason =
    solutions.length === 0
      ? search.complete === false
        ? `the search for payouts adding up to it stopped before the end (too many candidates)`
        : `no succeeded bank payout (or up to ${rules.refundMaxPayouts} together) of the last ${rules.refundLookbackDays} days adds up to it, and no imported top-up matches`
      : `${search.more === true ? 'more than ' : ''}${solutions.length} ${solutions[0]!.length === 1 ? 'payouts' : 'combinations of payouts'} add up to it`;
  await recordUnexplainedChange(
    trx,
    {
      currency,
      increase,
      from: points.from.taken_at,
      to: points.to.taken_at,
      evidence: balanceEvidence(interval, points, []),
      candidates: solutions.map((s) => s.map(candidateView)),
      search,
      reason,
    },
    now,
  );
}

/**
 * Suspicions from the poller: every payout seen leaving `succeeded` within
 * the look-back (`payout_status_history.regression = 1`) has a
 * `suspected_manual_refund` with `regression` evidence. Idempotent.
 */
export async function recordRegressionSuspicions(ledger: Ledger, lookbackDays: number, now: Instant): Promise<number[]> {
  const rows = await ledger.db
    .selectFrom('payout_status_history as h')
    .select(['h.id', 'h.payout_id', 'h.observed_at', 'h.previous_status', 'h.status', 'h.provider_status', 'h.source'])
    .where('h.regression', '=', 1)
    .where('h.observed_at', '>=', now - lookbackDays * MS_PER_DAY)
    .orderBy('h.id')
    .execute();
  if (rows.length === 0) return [];
  return ledger.transaction(async (trx) => {
    const touched: number[] = [];
    for (const row of rows) {
      const payout = await loadSuspectedPayout(trx, row.payout_id);
      if (!payout) continue;
      const { outcome } = await recordRefundEvidence(
        trx,
        { payout },
        [
          {
            source: 'regression',
            key: `regression:${row.id}`,
            history_id: row.id,
            observed_at: formatInstant(row.observed_at),
            previous_status: row.previous_status,
            status: row.status,
            provider_status: row.provider_status,
            observed_by: row.source,
          },
        ],
        now,
      );
      if (outcome !== 'unchanged' && outcome !== 'kept_closed') touched.push(payout.id);
    }
    return touched;
  });
}
