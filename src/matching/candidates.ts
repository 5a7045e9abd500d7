/**
 * Set-based helpers over the leftovers of a run, pure and in memory:
 * the one-to-one greedy assignment of scored candidate pairs, and an index
 * that finds the nearest item on the other side (by currency, then amount
 * and time) with a binary search instead of a scan.
 */
import { similarity } from './rules.js';

export interface ScoredPair {
  payoutId: number;
  recordId: number;
  score: number;
}

/**
 * Best pairs first: each payout and each record is claimed at most once (a
 * record claimed by one match cannot be claimed by another). Pairs scoring
 * at least `autoConfirm` become matches, those from `propose` up to it
 * proposals. Ties break on the lower payout, then record ID, so the result
 * does not depend on the order of the input.
 */
export function assignGreedy(pairs: readonly ScoredPair[], autoConfirm: number, propose: number): { matches: ScoredPair[]; proposals: ScoredPair[] } {
  const sorted = pairs.filter((c) => c.score >= propose).sort((a, b) => b.score - a.score || a.payoutId - b.payoutId || a.recordId - b.recordId);
  const payouts = new Set<number>();
  const records = new Set<number>();
  const matches: ScoredPair[] = [];
  const proposals: ScoredPair[] = [];
  for (const c of sorted) {
    if (payouts.has(c.payoutId) || records.has(c.recordId)) continue;
    payouts.add(c.payoutId);
    records.add(c.recordId);
    (c.score >= autoConfirm ? matches : proposals).push(c);
  }
  return { matches, proposals };
}

export interface Locatable {
  id: number;
  amount: number;
  currency: string;
  createdAt: number;
}

/** Items grouped by currency and sorted by amount, for nearest-neighbour look-ups. */
export class NearestIndex<T extends Locatable> {
  readonly #byCurrency = new Map<string, T[]>();

  constructor(items: Iterable<T>) {
    for (const item of items) {
      let list = this.#byCurrency.get(item.currency);
      if (!list) this.#byCurrency.set(item.currency, (list = []));
      list.push(item);
    }
    for (const list of this.#byCurrency.values()) list.sort((a, b) => a.amount - b.amount || a.id - b.id);
  }

  /**
   * The most similar item in the same currency (amount first, then time),
   * looking at the `reach` nearest amounts on each side; null when the
   * currency has none. `skip` leaves out items already spoken for.
   */
  nearest(target: Omit<Locatable, 'id'>, skip: (item: T) => boolean = () => false, reach = 8): T | null {
    const list = this.#byCurrency.get(target.currency);
    if (!list || list.length === 0) return null;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as T).amount < target.amount) lo = mid + 1;
      else hi = mid;
    }
    let best: T | null = null;
    let bestScore = -1;
    const consider = (item: T): void => {
      const s = similarity(target, item);
      if (s > bestScore || (s === bestScore && best !== null && item.id < best.id)) {
        best = item;
        bestScore = s;
      }
    };
    let taken = 0;
    for (let i = lo; i < list.length && taken < reach; i++) {
      const item = list[i] as T;
      if (skip(item)) continue;
      consider(item);
      taken += 1;
    }
    taken = 0;
    for (let i = lo - 1; i >= 0 && taken < reach; i--) {
      const item = list[i] as T;
      if (skip(item)) continue;
      consider(item);
      taken += 1;
    }
    return best;
  }
}
