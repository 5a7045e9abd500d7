/**
 * The balance arithmetic under each debit model, as pure functions of
 * plain values (the refund monitor loads them; the property tests and the
 * benchmark feed them directly).
 *
 * Debit models (`alerts.debitOn`; the provider does not document which it uses):
 * - `creation`: a payout's amount is held when it is created (`created_at`,
 *   the provider's own time: exact) and released when it fails, is
 *   cancelled or expires;
 * - `success`: a payout is debited when it succeeds, and released if it
 *   leaves `succeeded` for failed/cancelled/expired (a regression).
 *
 * Every status change is known only by when we observed it. It happened in
 * `(earliest, observedAt]`, `earliest` being the payout's previous
 * observation (its creation for the first), and at most
 * `alerts.observationLagHours` before we saw it. A snapshot taken inside
 * that window may or may not include it: the balance moved in one interval
 * and the ledger sees it in the next (a release seen late reads as money
 * back, then as money missing, and a refund in either interval vanishes in
 * the noise). So such a snapshot is no boundary: the intervals on both
 * sides are judged together as one segment, whose expected change is then
 * exact, however many payouts moved.
 */
import type { Instant } from '../shared/time.js';

export type DebitModel = 'creation' | 'success';
export const DEBIT_MODELS: readonly DebitModel[] = ['creation', 'success'];

const RELEASED = new Set(['failed', 'cancelled', 'expired']);

export interface BalancePoint {
  id: number;
  amount: number;
  takenAt: Instant;
}

export type LedgerEvent =
  /** A payout the provider created (`at` = its `created_at`). */
  | { kind: 'created'; payoutId: number; amount: number; at: Instant }
  /** A status change observed at `observedAt`, made after `earliest`. */
  | { kind: 'observed'; payoutId: number; amount: number; status: string; previousStatus: string | null; earliest: Instant; observedAt: Instant };

/** What an event does to the balance under a model: minor units debited and released (both >= 0). */
export function eventEffect(e: LedgerEvent, model: DebitModel): { debit: number; release: number } {
  if (e.kind === 'created') return model === 'creation' ? { debit: e.amount, release: 0 } : { debit: 0, release: 0 };
  if (model === 'creation') {
    const released = RELEASED.has(e.status) && (e.previousStatus === null || !RELEASED.has(e.previousStatus));
    return { debit: 0, release: released ? e.amount : 0 };
  }
  if (e.status === 'succeeded' && e.previousStatus !== 'succeeded') return { debit: e.amount, release: 0 };
  if (e.previousStatus === 'succeeded' && RELEASED.has(e.status)) return { debit: 0, release: e.amount };
  return { debit: 0, release: 0 };
}

/** When the event may have happened: `(from, to]`. */
function windowOf(e: LedgerEvent): { from: Instant; to: Instant } {
  return e.kind === 'created' ? { from: e.at, to: e.at } : { from: e.earliest, to: e.observedAt };
}

/**
 * At most this many snapshot intervals are joined: with payouts moving
 * around every snapshot, the chain is cut there and the change is counted
 * where it was observed (the drops carried by balance-residual.ts absorb a
 * debit seen late).
 */
export const MAX_JOINED_INTERVALS = 24;

export interface Segment {
  /** Indexes into the points: the segment runs from points[start] to points[end]. */
  start: number;
  end: number;
  from: Instant;
  to: Instant;
  change: number;
  debited: number;
  released: number;
  /** change − (released − debited). */
  residual: number;
  /** Payouts whose debit or release the segment counts. */
  moved: number;
  /**
   * The last segment only: a change observed after its end may have
   * happened before it, so it is judged together with the next interval.
   */
  openEnd: boolean;
}

/**
 * Splits the snapshots into segments (an interval, or several joined where
 * an event may lie on either side of a snapshot) and gives each its
 * expected and actual change. Events are counted in the segment of their
 * observation; events observed before the first point are ignored, events
 * observed after the last one only say whether it ends the last segment.
 */
export function segmentBalance(points: readonly BalancePoint[], events: readonly LedgerEvent[], model: DebitModel): Segment[] {
  if (points.length < 2) return [];
  const times = points.map((p) => p.takenAt);
  const first = times[0]!;
  const last = times[times.length - 1]!;
  /** blurred[i]: points[i] is no boundary (0 < i < length − 1). */
  const blurred = new Array<boolean>(points.length).fill(false);
  const moving: { at: Instant; debit: number; release: number }[] = [];
  let openEnd = false;
  for (const e of events) {
    const effect = eventEffect(e, model);
    if (effect.debit === 0 && effect.release === 0) continue;
    const w = windowOf(e);
    if (w.to > last && w.from < last) openEnd = true; // (a long chain's end is no better: wait for the next snapshot)
    if (w.to <= first || w.to > last) continue;
    moving.push({ at: w.to, ...effect });
    if (w.from >= w.to) continue;
    // Points strictly inside (from, to): the first index with time > from up to the last with time < to.
    let i = lowerBoundAfter(times, w.from);
    for (; i < times.length - 1 && times[i]! < w.to; i++) if (i > 0) blurred[i] = true;
  }
  const segments: Segment[] = [];
  let start = 0;
  for (let i = 1; i < points.length; i++) {
    if (i < points.length - 1 && blurred[i] && i - start < MAX_JOINED_INTERVALS) continue;
    segments.push({
      start,
      end: i,
      from: times[start]!,
      to: times[i]!,
      change: points[i]!.amount - points[start]!.amount,
      debited: 0,
      released: 0,
      residual: 0,
      moved: 0,
      openEnd: false,
    });
    start = i;
  }
  moving.sort((a, b) => a.at - b.at);
  let s = 0;
  for (const m of moving) {
    while (segments[s]!.to < m.at) s++;
    const seg = segments[s]!;
    seg.debited += m.debit;
    seg.released += m.release;
    seg.moved += 1;
  }
  for (const seg of segments) seg.residual = seg.change - (seg.released - seg.debited);
  segments[segments.length - 1]!.openEnd = openEnd;
  return segments;
}

/** First index whose time is > t. */
function lowerBoundAfter(times: readonly Instant[], t: Instant): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ModelScore {
  /** Segments in which payouts moved under this model. */
  informative: number;
  /** Of those, how many have a residual of zero. */
  zero: number;
}

export interface ModelVerdict {
  scores: Record<DebitModel, ModelScore>;
  /** The model the balance follows, or null while the snapshots cannot tell. */
  detected: DebitModel | null;
  reason: string;
}

/** Fewest informative segments, under the winning model, before a verdict. */
export const MIN_INFORMATIVE = 4;

/**
 * Which model the balance follows: the one under which the residuals of
 * segments with payout activity are zero far more often (at least
 * `MIN_INFORMATIVE` zeros, and at least three times as many as the other,
 * plus one). A refund or an un-imported top-up makes one segment non-zero
 * under both models, so it does not sway the verdict.
 */
export function detectDebitModel(points: readonly BalancePoint[], events: readonly LedgerEvent[]): ModelVerdict {
  const scores = {} as Record<DebitModel, ModelScore>;
  for (const model of DEBIT_MODELS) {
    const segs = segmentBalance(points, events, model).filter((s) => s.moved > 0 && !s.openEnd);
    scores[model] = { informative: segs.length, zero: segs.filter((s) => s.residual === 0).length };
  }
  const [a, b] = [scores.creation, scores.success];
  const pick = (win: ModelScore, lose: ModelScore) => win.zero >= MIN_INFORMATIVE && win.zero >= 3 * lose.zero + 1;
  const detected: DebitModel | null = pick(a, b) ? 'creation' : pick(b, a) ? 'success' : null;
  const summary = `residual zero in ${a.zero} of ${a.informative} segments with payout activity under creation, ${b.zero} of ${b.informative} under success`;
  const reason =
    detected !== null
      ? summary
      : Math.max(a.zero, b.zero) < MIN_INFORMATIVE
        ? `not enough snapshots with payout activity to tell yet (${summary}; ${MIN_INFORMATIVE} needed)`
        : `the snapshots do not clearly favour either model (${summary})`;
  return { scores, detected, reason };
}
