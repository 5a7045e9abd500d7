/**
 * A provider day as plain values, for the property test and the detection
 * benchmark: payouts created and settled (15 % failing) at random times,
 * observation runs (sync and poll) every 10 to 60 minutes, top-ups imported
 * or not, 0–3 manual refunds of succeeded bank payouts, snapshots at random
 * times; the balance moves as the debit model says. `judgeDay` runs the
 * monitor's arithmetic on it (debit-models.ts, balance-residual.ts, the
 * subset search and the pinning rule of refund-explain.ts).
 */
import { netResidual, type CarriedDrop } from '../../src/monitoring/balance-residual.js';
import { type BalancePoint, type DebitModel, type LedgerEvent, segmentBalance } from '../../src/monitoring/debit-models.js';
import { looksLikeTopUp, pinnedPayouts } from '../../src/monitoring/refund-explain.js';
import { findExactSubsets } from '../../src/monitoring/subset-sum.js';
import { seededRandom } from '../../src/providers/sandbox/smart2pay-sandbox-data.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export { seededRandom };

export interface DayShape {
  /** Succeeded bank payouts a refund may be of. */
  candidates: number;
  /** Payouts open when the day starts, and created during it. */
  openAtStart: number;
  created: number;
  /** Top-ups: amount in minor units and whether treasury imported it. */
  topups: { amount: number; imported: boolean }[];
  refunds: number;
  snapshots: number;
  runEveryMinutes: number;
  lagHours: number;
}

export interface SimDay {
  model: DebitModel;
  points: BalancePoint[];
  events: LedgerEvent[];
  candidates: { id: number; amount: number }[];
  importedTopups: number[];
  /** Payout IDs refunded by hand. */
  refunded: number[];
  lagMs: number;
}

/** Draws a day; `random` in [0, 1). */
export function simulateDay(model: DebitModel, shape: DayShape, random: () => number): SimDay {
  const amount = () => 10_00 + Math.floor(random() * 300_000);
  const candidates = Array.from({ length: shape.candidates }, (_, i) => ({ id: i + 1, amount: amount() }));
  let nextId = candidates.length + 1;
  const moves: { at: number; amount: number }[] = [];
  interface Life {
    id: number;
    amount: number;
    createdAt: number;
    settledAt: number | null;
    outcome: 'succeeded' | 'failed';
  }
  const lives: Life[] = [];
  const lastRun = DAY - HOUR; // a quiet last hour: the last snapshot follows the last observation
  const addLife = (createdAt: number) => {
    const settles = random() < 0.8;
    const life: Life = {
      id: nextId++,
      amount: amount(),
      createdAt,
      settledAt: settles ? Math.min(lastRun - 1, Math.max(createdAt, 0) + Math.floor(random() * 8 * HOUR)) : null,
      outcome: random() < 0.15 ? 'failed' : 'succeeded',
    };
    if (life.settledAt !== null && life.settledAt <= Math.max(createdAt, 0)) life.settledAt = null;
    lives.push(life);
  };
  for (let i = 0; i < shape.openAtStart; i++) addLife(-Math.floor(random() * 6 * HOUR) - 1);
  for (let i = 0; i < shape.created; i++) addLife(Math.floor(random() * (lastRun - 1)) + 1);
  for (const l of lives) {
    if (model === 'creation' && l.createdAt > 0) moves.push({ at: l.createdAt, amount: -l.amount });
    if (l.settledAt === null) continue;
    if (model === 'creation' && l.outcome === 'failed') moves.push({ at: l.settledAt, amount: l.amount });
    if (model === 'success' && l.outcome === 'succeeded') moves.push({ at: l.settledAt, amount: -l.amount });
  }
  for (const t of shape.topups) moves.push({ at: 1 + Math.floor(random() * (lastRun - 1)), amount: t.amount });
  const refunded: number[] = [];
  for (let i = 0; i < shape.refunds && i < candidates.length; i++) {
    let c = candidates[Math.floor(random() * candidates.length)]!;
    while (refunded.includes(c.id)) c = candidates[(c.id % candidates.length)]!;
    refunded.push(c.id);
    moves.push({ at: 1 + Math.floor(random() * (lastRun - 1)), amount: c.amount });
  }
  // Observation runs: each sees every change since the one before.
  const runs: number[] = [];
  for (let t = Math.floor(random() * shape.runEveryMinutes * 60_000); t < lastRun; t += shape.runEveryMinutes * 60_000) runs.push(t);
  runs.push(lastRun);
  const lagMs = shape.lagHours * HOUR;
  const events: LedgerEvent[] = [];
  const runAfter = (t: number) => runs.find((r) => r >= t)!;
  for (const l of lives) {
    if (l.createdAt > 0) events.push({ kind: 'created', payoutId: l.id, amount: l.amount, at: l.createdAt });
    const firstSeen = l.createdAt > 0 ? runAfter(l.createdAt) : -HOUR; // open payouts were seen before the day
    if (l.createdAt > 0 && (l.settledAt === null || l.settledAt > firstSeen)) {
      events.push({ kind: 'observed', payoutId: l.id, amount: l.amount, status: 'open', previousStatus: null, earliest: Math.max(l.createdAt, firstSeen - lagMs), observedAt: firstSeen });
    }
    if (l.settledAt === null) continue;
    const seen = runAfter(l.settledAt);
    const previous = l.createdAt > 0 && l.settledAt > firstSeen ? firstSeen : l.createdAt > 0 ? null : firstSeen;
    events.push({
      kind: 'observed',
      payoutId: l.id,
      amount: l.amount,
      status: l.outcome,
      previousStatus: previous === null ? null : 'open',
      earliest: Math.min(seen, Math.max(previous ?? l.createdAt, seen - lagMs)),
      observedAt: seen,
    });
  }
  // Snapshots: the day's start, random times, and after the last run.
  const times = new Set<number>([0, DAY - 1]);
  while (times.size < shape.snapshots + 2) times.add(1 + Math.floor(random() * (DAY - 2)));
  let balance = 1_000_000_00;
  moves.sort((a, b) => a.at - b.at);
  let m = 0;
  const points: BalancePoint[] = [...times]
    .sort((a, b) => a - b)
    .map((t, i) => {
      while (m < moves.length && moves[m]!.at <= t) balance += moves[m++]!.amount;
      return { id: i + 1, amount: balance, takenAt: t };
    });
  return { model, points, events, candidates, importedTopups: shape.topups.filter((t) => t.imported).map((t) => t.amount), refunded, lagMs };
}

export interface DayVerdict {
  /** Payouts pinned as refunded. */
  pinned: Set<number>;
  /** Payouts named as candidates (in a combination that fits, or as a refund a rise may contain). */
  listed: Set<number>;
  /** Segments that raised an unexplained balance change. */
  unexplained: number;
}

/** The monitor's judgement of a day under `model` (the one configured or detected). */
export function judgeDay(day: SimDay, model: DebitModel, maxSize = 3): DayVerdict {
  const refundAmounts = new Set(day.candidates.map((c) => c.amount));
  const segments = segmentBalance(day.points, day.events, model, { refundAmounts });
  const verdict: DayVerdict = { pinned: new Set(), listed: new Set(), unexplained: 0 };
  let carry: CarriedDrop[] = [];
  const credits = [...day.importedTopups];
  for (const seg of segments) {
    if (seg.openEnd) break;
    const netted = netResidual(seg.change + seg.early - seg.late, seg, carry, seg.to, day.lagMs);
    carry = netted.carry;
    if (netted.increase <= 0) continue;
    const byCredit = findExactSubsets({ items: credits.map((amount, i) => ({ amount, item: i })), target: netted.increase, maxSize, maxSolutions: 1 });
    if (byCredit.solutions[0]) {
      for (const i of byCredit.solutions[0].sort((a, b) => b - a)) credits.splice(i, 1);
      continue;
    }
    const pool = day.candidates.filter((c) => !verdict.pinned.has(c.id));
    const found = findExactSubsets({ items: pool.map((c) => ({ amount: c.amount, item: c.id })), target: netted.increase, maxSize, maxSolutions: 10 });
    const pinned = looksLikeTopUp(netted.increase, 'EUR') ? [] : pinnedPayouts(found.solutions, !found.more && found.complete, { pool: pool.map((c) => c.amount), target: netted.increase });
    for (const id of pinned) verdict.pinned.add(id);
    for (const id of found.solutions.flat()) verdict.listed.add(id);
    if (found.solutions.length === 0) for (const c of pool) if (c.amount < netted.increase) verdict.listed.add(c.id);
    if (pinned.length === 0 || found.solutions.length > 1) verdict.unexplained += 1;
  }
  return verdict;
}
