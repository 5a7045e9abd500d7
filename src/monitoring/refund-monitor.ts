/**
 * Silent manual refunds, found on the prefunding balance.
 *
 * For each currency, the snapshots that the ledger fully covers (the
 * `smart2pay:payouts` watermark is past them: every payout created before it
 * is in the ledger) are cut into segments (debit-models.ts: an interval, or
 * several joined where a payout's status change may lie on either side of a
 * snapshot), each evaluated once, in order:
 *
 *   residual = actual change − (released − debited)      (under the debit model)
 *
 * netted against recent unexplained drops (balance-residual.ts). What stays
 * positive is money nobody told us about, explained by refund-explain.ts.
 *
 * The debit model is `alerts.debitOn`, or with `auto` the one the snapshots
 * show (debit-models.ts); while they cannot tell, a segment is judged only
 * when both models agree on it, and the rest waits. Under `creation` a rise
 * waits while payouts not observed since the snapshot could explain it by
 * a release we have not seen yet (at most `alerts.observationLagHours`).
 *
 * Where the evaluation stopped (and the drops still carried) is kept in the
 * `sync_state` row `monitor:refunds:<currency>`, updated in the same
 * transaction as the exceptions: a re-run never evaluates a segment twice,
 * a crash evaluates it again from scratch.
 */
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import { formatInstant, type Instant, MS_PER_DAY, MS_PER_HOUR } from '../shared/time.js';
import { type CarriedDrop, netResidual } from './balance-residual.js';
import { narrowCandidateSets } from './candidate-narrowing.js';
import {
  type BalancePoint,
  type DebitModel,
  detectDebitModel,
  type ModelVerdict,
  type Segment,
  segmentBalance,
  type SegmentOptions,
} from './debit-models.js';
import { loadBalancePoints, loadLedgerEvents, refundCandidateAmounts, unseenOpenPayouts } from './ledger-events.js';
import { payoutsWatermark } from './payout-flows.js';
import { explainIncrease } from './refund-explain.js';
import { loadSuspectedPayout, recordRefundEvidence } from './refund-suspicions.js';
import { sql } from 'kysely';

export type DebitSetting = DebitModel | 'auto';

export interface RefundMonitorRules {
  debitOn: DebitSetting;
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
  /** Snapshot intervals judged together (1 unless a status change may lie on either side of a snapshot). */
  intervals: number;
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
  /** Candidate combinations left open (payout IDs). */
  candidateSets: number[][];
}

export interface DebitModelReport {
  configured: DebitSetting;
  /** The model the intervals are judged with; null while `auto` cannot tell. */
  inUse: DebitModel | null;
  /** What the snapshots show, whatever is configured. */
  detected: DebitModel | null;
  verdict: ModelVerdict | null;
  /** True when a configured model is contradicted by the snapshots. */
  contradicted: boolean;
}

export interface RefundMonitorOutcome {
  currency: string;
  watermark: Instant | null;
  evaluated: IntervalOutcome[];
  /** Snapshots taken after the watermark: evaluated once sync has passed them. */
  waiting: number;
  debitModel: DebitModelReport;
  /** Why evaluation stopped before the newest covered snapshot, if it did. */
  held: { from: Instant; to: Instant; reason: string } | null;
}

interface MonitorState {
  carry: CarriedDrop[];
  /** `late` of the last segment judged: money the balance moved before its end that the ledger counts after it. */
  early?: number;
  /** False when the last segment judged was cut with its doubt unsettled. */
  startKnown?: boolean;
}

/** Snapshot intervals evaluated per currency per run (a long outage catches up over several runs). */
const MAX_INTERVALS = 2_000;
/** Snapshots (of the last `SCORE_DAYS`) the debit model is detected on. */
const SCORE_POINTS = 400;
const SCORE_DAYS = 14;

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

/** Which debit model the snapshots show, and which one to judge with. */
async function debitModelFor(ledger: Ledger, currency: string, rules: RefundMonitorRules, watermark: Instant | null, now: Instant): Promise<DebitModelReport> {
  const configured = rules.debitOn;
  let verdict: ModelVerdict | null = null;
  if (watermark !== null) {
    const points = await loadBalancePoints(ledger.db, currency, now - SCORE_DAYS * MS_PER_DAY, watermark, SCORE_POINTS, true);
    if (points.length >= 2) {
      const events = await loadLedgerEvents(ledger.db, currency, points[0]!.takenAt, points[points.length - 1]!.takenAt, rules.observationLagHours * MS_PER_HOUR);
      verdict = detectDebitModel(points, events);
    }
  }
  const detected = verdict?.detected ?? null;
  return {
    configured,
    inUse: configured === 'auto' ? detected : configured,
    detected,
    verdict,
    contradicted: configured !== 'auto' && detected !== null && detected !== configured,
  };
}

/** Segments under the model, or (model unknown) the leading ones both models agree on. */
function judgeable(
  points: BalancePoint[],
  events: Parameters<typeof segmentBalance>[1],
  model: DebitModel | null,
  options: SegmentOptions,
): { segments: Segment[]; undecided: boolean } {
  if (model !== null) return { segments: segmentBalance(points, events, model, options), undecided: false };
  const a = segmentBalance(points, events, 'creation', options);
  const b = segmentBalance(points, events, 'success', options);
  const agreed: Segment[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.end !== y.end || x.residual !== y.residual || x.openEnd !== y.openEnd) return { segments: agreed, undecided: true };
    agreed.push(x.moved >= y.moved ? x : y);
  }
  return { segments: agreed, undecided: false };
}

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
  const debitModel = await debitModelFor(ledger, currency, rules, watermark, now);
  const outcome: RefundMonitorOutcome = { currency, watermark, evaluated: [], waiting: Number(waitingRow.n), debitModel, held: null };
  if (watermark === null) return outcome;
  const points = await loadBalancePoints(ledger.db, currency, start, watermark, MAX_INTERVALS + 1);
  if (points.length < 2) return outcome;
  const lagMs = rules.observationLagHours * MS_PER_HOUR;
  // Events up to the watermark: one seen after the last snapshot may belong before it.
  const events = await loadLedgerEvents(ledger.db, currency, points[0]!.takenAt, Math.max(watermark, points[points.length - 1]!.takenAt), lagMs);
  const state = fromJson<MonitorState>(stateRow?.details ?? null, { carry: [] });
  const refundAmounts = await refundCandidateAmounts(ledger.db, currency, points[0]!.takenAt - rules.refundLookbackDays * MS_PER_DAY, points[points.length - 1]!.takenAt);
  const { segments, undecided } = judgeable(points, events, debitModel.inUse, {
    refundAmounts,
    early: state.early ?? 0,
    startKnown: stateRow !== undefined && state.startKnown !== false,
  });
  const tail = segments[segments.length - 1];
  if (tail?.openEnd) {
    segments.pop();
    outcome.held = { from: tail.from, to: tail.to, reason: 'a payout status change seen after the last snapshot may have happened before it: judged with the next interval' };
  }
  const lastSegment = segments[segments.length - 1];
  if (undecided) {
    const from = lastSegment?.to ?? points[0]!.takenAt;
    outcome.held = { from, to: points[points.length - 1]!.takenAt, reason: `the debit model is not known yet: ${debitModel.verdict?.reason ?? 'no snapshots'}` };
  }
  try {
    outcome.evaluated = await ledger.transaction(async (trx) => {
      // PostgreSQL replicas: one evaluation per currency at a time (SQLite's BEGIN IMMEDIATE already serialises).
      if (ledger.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${REFUND_LOCK_KEY}, ${currencyLockKey(currency)})`.execute(trx);
      let carry = state.carry;
      let early = state.early ?? 0;
      let startKnown = state.startKnown !== false;
      const results: IntervalOutcome[] = [];
      let reached: Instant | null = null;
      for (const seg of segments) {
        const a = points[seg.start]!;
        const b = points[seg.end]!;
        // Changes seen late across a cut: their money moved on the side of the snapshot the balance shows it.
        const netted = netResidual(seg.change + seg.early - seg.late, seg, carry, b.takenAt, lagMs);
        // Under `creation`, a release we have not observed yet reads as money back: wait for it (at most the lag).
        if (
          netted.increase > 0 &&
          debitModel.inUse === 'creation' &&
          now < b.takenAt + lagMs &&
          (await unseenOpenPayouts(trx, currency, b.takenAt, netted.increase)) > 0
        ) {
          outcome.held = {
            from: a.takenAt,
            to: b.takenAt,
            reason: `payouts open at ${formatInstant(b.takenAt)} and not observed since could explain the rise when their release is seen (waiting up to ${rules.observationLagHours} h)`,
          };
          break;
        }
        carry = netted.carry;
        early = seg.late;
        startKnown = !seg.forced;
        const interval: IntervalOutcome = {
          currency,
          from: a.takenAt,
          to: b.takenAt,
          intervals: seg.end - seg.start,
          change: seg.change,
          debited: seg.debited,
          released: seg.released,
          residual: netted.residual,
          netted: netted.netted,
          increase: netted.increase,
          verdict: netted.residual < 0 ? 'drop' : 'as_expected',
          payoutIds: [],
          movementIds: [],
          candidateSets: [],
        };
        const snap = (p: BalancePoint) => ({ id: p.id, amount: p.amount, taken_at: p.takenAt });
        if (netted.increase > 0) await explainIncrease(trx, interval, { from: snap(a), to: snap(b) }, rules, now);
        results.push(interval);
        reached = b.takenAt;
      }
      if (reached !== null) {
        await saveState(trx, currency, stateRow ? { watermark: stateRow.watermark, updatedAt: stateRow.updated_at } : null, reached, { carry, early, startKnown }, now);
      }
      await narrowCandidateSets(trx, currency, rules.refundLookbackDays, now);
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
