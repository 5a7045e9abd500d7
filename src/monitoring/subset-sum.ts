/**
 * Which few items add up exactly to an amount: the bounded subset-sum that
 * explains a balance increase by one payout, or by two or three together.
 *
 * Sizes are tried from 1 up to `maxSize`, and the smallest size with any
 * solution wins (one refunded payout is far likelier than three refunded at
 * once that happen to add up). The search is over amounts sorted ascending,
 * prunes branches that can no longer reach the target, finds the last item
 * by binary search, stops after `maxSolutions + 1` solutions (enough to know
 * "more than one") and after `budget` steps: thousands of candidates never
 * become a combinatorial explosion; a truncated search says so.
 */

export interface SubsetItem<T> {
  /** Positive integer (minor units). Items that are zero, negative or above the target are ignored. */
  amount: number;
  item: T;
}

export interface SubsetSearch<T> {
  items: readonly SubsetItem<T>[];
  target: number;
  maxSize: number;
  /** Solutions kept (one more is searched for, to tell "exactly these" from "even more"). Default 10. */
  maxSolutions?: number;
  /** Search steps allowed in total. Default 2,000,000. */
  budget?: number;
}

export interface SubsetResult<T> {
  /** The size of the solutions found, or null when none was found. */
  size: number | null;
  /** Solutions of that size, at most `maxSolutions`; each lists its items in ascending amount. */
  solutions: T[][];
  /** True when more solutions of that size exist than were kept. */
  more: boolean;
  /** False when the step budget ran out before the search finished (so "no solution" is not proven). */
  complete: boolean;
  /** Items that could take part (0 < amount <= target). */
  considered: number;
}

export function findExactSubsets<T>(search: SubsetSearch<T>): SubsetResult<T> {
  const { target, maxSize } = search;
  const maxSolutions = search.maxSolutions ?? 10;
  let budget = search.budget ?? 2_000_000;
  const items = search.items
    .filter((i) => Number.isSafeInteger(i.amount) && i.amount > 0 && i.amount <= target)
    .map((i, order) => ({ ...i, order }))
    .sort((a, b) => a.amount - b.amount || a.order - b.order);
  const n = items.length;
  const amounts = items.map((i) => i.amount);
  const result: SubsetResult<T> = { size: null, solutions: [], more: false, complete: true, considered: n };
  if (target <= 0 || n === 0) return result;

  /** First index >= lo whose amount is >= value. */
  const lowerBound = (lo: number, value: number): number => {
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (amounts[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** Sum of the `count` largest amounts at or after `start` (they are the last ones). */
  const largest = (start: number, count: number): number => {
    let sum = 0;
    for (let i = Math.max(start, n - count); i < n; i++) sum += amounts[i]!;
    return sum;
  };

  for (let size = 1; size <= Math.min(maxSize, n); size++) {
    const found: number[][] = [];
    let stopped = false;
    const chosen: number[] = [];
    const walk = (start: number, slots: number, remaining: number): void => {
      if (stopped) return;
      if (slots === 1) {
        for (let i = lowerBound(start, remaining); i < n && amounts[i] === remaining; i++) {
          if (--budget < 0) {
            stopped = true;
            result.complete = false;
            return;
          }
          found.push([...chosen, i]);
          if (found.length > maxSolutions) {
            stopped = true;
            return;
          }
        }
        return;
      }
      if (largest(start, slots) < remaining) return;
      for (let i = start; i <= n - slots; i++) {
        if (--budget < 0) {
          stopped = true;
          result.complete = false;
          return;
        }
        // Ascending amounts: from here on, `slots` items sum to at least amounts[i] * slots.
        if (amounts[i]! * slots > remaining) return;
        chosen.push(i);
        walk(i + 1, slots - 1, remaining - amounts[i]!);
        chosen.pop();
        if (stopped) return;
      }
    };
    walk(0, size, target);
    if (found.length > 0) {
      result.size = size;
      result.more = found.length > maxSolutions;
      result.solutions = found.slice(0, maxSolutions).map((indexes) => indexes.map((i) => items[i]!.item));
      return result;
    }
    if (!result.complete) return result;
  }
  return result;
}
