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
 * back, then as money missing, and a refund in either interval vanished in
 * that noise). segmentBalance settles each such doubt from the balance
 * itself, or judges the intervals on both sides together, so that the
 * residual of a segment is what nobody told us about, however many
 * payouts moved.
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

/** At most this many snapshot intervals are joined into one segment (then it is cut whatever the doubt). */
export const MAX_JOINED_INTERVALS = 24;
/** Changes seen late that may be assumed to explain a residual at a cut (a few minutes of activity). */
export const MAX_LATE_CHANGES = 4;

export interface Segment {
  /** Indexes into the points: the segment runs from points[start] to points[end]. */
  start: number;
  end: number;
  from: Instant;
  to: Instant;
  change: number;
  debited: number;
  released: number;
  /**
   * Money the balance moved in this segment for changes the ledger counts
   * in the next one (+ a release, − a debit, seen late), and (`early`) the
   * same from the segment before, counted here.
   */
  late: number;
  early: number;
  /** change + early − late − (released − debited). */
  residual: number;
  /** Payouts whose debit or release the segment counts. */
  moved: number;
  /**
   * The last segment only: a change observed after its end may have
   * happened before it, so it is judged with the next snapshot.
   */
  openEnd: boolean;
  /** True when the segment was cut at MAX_JOINED_INTERVALS with the doubt unsettled. */
  forced: boolean;
}

export interface SegmentOptions {
  /** Amounts a single refund may have (succeeded bank payouts): a residual of one of them is judged, not joined. */
  refundAmounts?: ReadonlySet<number>;
  /** `late` of the segment before the first point (judged in an earlier run). */
  early?: number;
  /**
   * False when nothing was decided about the changes around the first point
   * (the first snapshot ever, or a segment cut at MAX_JOINED_INTERVALS): changes
   * counted after it that may have happened before it are in doubt too.
   */
  startKnown?: boolean;
}

interface IntervalFlows {
  debited: number;
  released: number;
  moved: number;
  /** Signed effects of changes counted here that may have happened before the interval began. */
  straddling: number[];
}

/**
 * Splits the snapshots into segments and gives each its expected and
 * actual change. A change is counted in the interval of its observation.
 * At each snapshot, changes observed in the next interval that may have
 * happened before it leave a doubt (a change observed later still joins
 * every interval it may belong to); the segment is cut there when
 * - none may have (the snapshot is a clean boundary), or
 * - the residual so far is zero, or the amount of one possible refund, or
 * - exactly one set of at most `MAX_LATE_CHANGES` of them adds up to it
 *   (they happened before the snapshot: moved to this segment's side);
 * otherwise the next interval is joined (its residual and this one's are
 * then exact together), up to `MAX_JOINED_INTERVALS`.
 */
export function segmentBalance(points: readonly BalancePoint[], events: readonly LedgerEvent[], model: DebitModel, options: SegmentOptions = {}): Segment[] {
  if (points.length < 2) return [];
  const times = points.map((p) => p.takenAt);
  const last = times[times.length - 1]!;
  const flows: IntervalFlows[] = times.map(() => ({ debited: 0, released: 0, moved: 0, straddling: [] }));
  let openEnd = false;
  /** mustJoin[k]: a change counted two or more intervals after points[k] may have happened before it. */
  const mustJoin = new Array<boolean>(times.length).fill(false);
  for (const e of events) {
    const effect = eventEffect(e, model);
    if (effect.debit === 0 && effect.release === 0) continue;
    const w = windowOf(e);
    if (w.to > last) {
      if (w.from < last) openEnd = true;
      continue;
    }
    const i = firstAtOrAfter(times, w.to); // interval i is (times[i−1], times[i]]
    if (i === 0) continue;
    const f = flows[i]!;
    f.debited += effect.debit;
    f.released += effect.release;
    f.moved += 1;
    if (i >= 2 && w.from < times[i - 1]!) f.straddling.push(effect.release - effect.debit);
    for (let k = i - 2; k >= 1 && w.from < times[k]!; k--) mustJoin[k] = true;
  }
  const segments: Segment[] = [];
  let early = options.early ?? 0;
  let startKnown = options.startKnown ?? false;
  let start = 0;
  let acc = { debited: 0, released: 0, moved: 0 };
  for (let i = 1; i < points.length; i++) {
    const f = flows[i]!;
    acc = { debited: acc.debited + f.debited, released: acc.released + f.released, moved: acc.moved + f.moved };
    const change = points[i]!.amount - points[start]!.amount;
    const residual = change + early - (acc.released - acc.debited);
    let late = 0;
    let startLate = 0;
    let forced = false;
    if (i < points.length - 1) {
      // Changes counted after this snapshot that may be before it (+), and, when the start is in doubt, changes counted after the start that may be before it (−).
      const atEnd = flows[i + 1]!.straddling;
      const atStart = startKnown ? [] : flows[start + 1]!.straddling.map((x) => -x);
      const clean =
        !mustJoin[i] && (atEnd.length + atStart.length === 0 || residual === 0 || (residual > 0 && options.refundAmounts?.has(residual) === true));
      if (mustJoin[i] && i - start < MAX_JOINED_INTERVALS) continue;
      if (!clean) {
        const settled = uniqueSignedSet(residual, atEnd, atStart);
        if (settled) {
          late = settled.atEnd;
          startLate = settled.atStart;
        } else if (i - start < MAX_JOINED_INTERVALS) continue;
        else forced = true;
      }
    }
    segments.push({ start, end: i, from: times[start]!, to: times[i]!, change, ...acc, late, early: early - startLate, residual: residual - late - startLate, openEnd: false, forced });
    early = late;
    startKnown = !forced;
    start = i;
    acc = { debited: 0, released: 0, moved: 0 };
  }
  segments[segments.length - 1]!.openEnd = openEnd;
  return segments;
}

/** Doubtful changes considered at one snapshot (beyond, the doubt is left unsettled). */
const MAX_DOUBTFUL = 400;

/**
 * Exactly one smallest set of at most MAX_LATE_CHANGES doubtful changes adds
 * up to the residual: those at the end moved the balance here (+ their
 * effect), those at the start before the segment (− their effect, given
 * negated). Returns the part of each, or null. Sets of up to four are
 * found as two halves of up to two (meet in the middle).
 */
function uniqueSignedSet(residual: number, atEnd: readonly number[], atStart: readonly number[]): { atEnd: number; atStart: number } | null {
  const items = [...atEnd.map((x) => ({ x, end: true })), ...atStart.map((x) => ({ x, end: false }))];
  if (items.length > MAX_DOUBTFUL) return null;
  const halves: number[][] = [];
  for (let i = 0; i < items.length; i++) {
    halves.push([i]);
    for (let j = i + 1; j < items.length; j++) halves.push([i, j]);
  }
  const bySum = new Map<number, number[][]>();
  for (const h of halves) {
    const sum = h.reduce((acc, k) => acc + items[k]!.x, 0);
    const list = bySum.get(sum);
    if (list) list.push(h);
    else bySum.set(sum, [h]);
  }
  for (let size = 1; size <= MAX_LATE_CHANGES; size++) {
    const found = new Set<string>();
    if (size <= 2) for (const h of bySum.get(residual) ?? []) if (h.length === size) found.add(h.join(','));
    if (size > 2) {
      for (const h of halves) {
        const rest = residual - h.reduce((acc, k) => acc + items[k]!.x, 0);
        for (const g of bySum.get(rest) ?? []) {
          if (h.length + g.length !== size || g.some((k) => h.includes(k))) continue;
          found.add([...h, ...g].sort((x, y) => x - y).join(','));
          if (found.size > 1) return null;
        }
      }
    }
    if (found.size > 1) return null;
    if (found.size === 1) {
      const set = [...found][0]!.split(',').map((k) => items[Number(k)]!);
      return {
        atEnd: set.filter((i) => i.end).reduce((acc, i) => acc + i.x, 0),
        atStart: set.filter((i) => !i.end).reduce((acc, i) => acc + i.x, 0),
      };
    }
  }
  return null;
}

/** First index whose time is >= t. */
function firstAtOrAfter(times: readonly Instant[], t: Instant): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The change a model expects in `(from, to]`, each event counted at its observation (a creation at `created_at`). */
function expectedOver(events: readonly LedgerEvent[], from: Instant, to: Instant, model: DebitModel): number {
  let sum = 0;
  for (const e of events) {
    const at = e.kind === 'created' ? e.at : e.observedAt;
    if (at <= from || at > to) continue;
    const effect = eventEffect(e, model);
    sum += effect.release - effect.debit;
  }
  return sum;
}

export interface ModelScore {
  /** Segments on which the two models expect different changes. */
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
    const other: DebitModel = model === 'creation' ? 'success' : 'creation';
    // Only segments on which the two models expect different changes say anything.
    const segs = segmentBalance(points, events, model).filter((s) => !s.openEnd && expectedOver(events, s.from, s.to, other) !== s.released - s.debited);
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
