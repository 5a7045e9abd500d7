import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isFullPage,
  requestRange,
  splitWindow,
  type SyncWindow,
  WindowPlanner,
  WindowQueue,
  windowSeconds,
} from '../../src/sync/windows.js';

/**
 * Walks `[start, end]` against a simulated list with the real planner and
 * queue: rows are wall seconds, the server returns at most `cap` rows of a
 * window (whatever `limit` says), and a full one-second window is paged by
 * position. Returns what the walk finished and collected.
 */
function simulate(options: { rows: number[]; start: number; end: number; cap: number; limit: number; lookahead: number; initial: number }) {
  const sorted = [...options.rows].sort((a, b) => a - b);
  const lowerBound = (t: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Row ids are positions in `sorted`; a page is the window's rows from `offset`, at most cap/limit of them.
  const page = (w: SyncWindow, offset = 0) => {
    const from = lowerBound(w.start) + offset;
    const to = Math.min(lowerBound(w.end + 1), from + Math.min(options.cap, options.limit));
    return Array.from({ length: Math.max(0, to - from) }, (_x, k) => ({ t: sorted[from + k]!, id: from + k }));
  };
  const planner = new WindowPlanner({ start: options.start, end: options.end, initialSeconds: options.initial, maxSeconds: options.initial });
  const queue = new WindowQueue(planner, { lookahead: options.lookahead, limit: options.limit });
  const fetched = new Map<SyncWindow, ReturnType<typeof page>>();
  const finished: SyncWindow[] = [];
  const collected: number[] = [];
  const paged: SyncWindow[] = [];
  let requests = 0;
  for (;;) {
    for (const w of queue.issue()) {
      fetched.set(w, page(w));
      requests += 1;
    }
    const head = queue.head();
    if (!head) break;
    const first = fetched.get(head);
    if (!first) throw new Error('head was never fetched');
    fetched.delete(head);
    const action = queue.resolveHead(first.length);
    if (action === 'split') continue;
    let rows = first;
    if (action === 'page') {
      paged.push(head);
      rows = [];
      for (let offset = 0; ; offset += first.length) {
        const more = page(head, offset);
        requests += 1;
        rows.push(...more);
        if (!queue.isFull(more.length)) break;
      }
    }
    collected.push(...rows.map((r) => r.id));
    finished.push(queue.finishHead(rows.length));
    if (requests > 100_000) throw new Error('the walk does not end');
  }
  return { finished, collected, paged, requests, sorted };
}

const walkCase = fc
  .record({
    start: fc.integer({ min: 0, max: 1_000_000 }),
    length: fc.integer({ min: 1, max: 200_000 }),
    cap: fc.integer({ min: 3, max: 60 }),
    limitExtra: fc.integer({ min: 0, max: 40 }),
    lookahead: fc.integer({ min: 1, max: 4 }),
    initial: fc.integer({ min: 60, max: 86_400 }),
    spread: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }),
    bursts: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), size: fc.integer({ min: 1, max: 120 }) }), { maxLength: 3 }),
  })
  .map((c) => {
    const end = c.start + c.length - 1;
    const at = (x: number) => c.start + Math.min(c.length - 1, Math.floor(x * c.length));
    const rows = [...c.spread.map(at), ...c.bursts.flatMap((b) => Array.from({ length: b.size }, () => at(b.at)))];
    return { rows, start: c.start, end, cap: c.cap, limit: c.cap + c.limitExtra, lookahead: c.lookahead, initial: c.initial };
  });

describe('window splitting', () => {
  it('splits a window into two halves that tile it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 30 }), (start, extra) => {
        const w = { start, end: start + extra };
        const [a, b] = splitWindow(w);
        expect(a.start).toBe(w.start);
        expect(a.end + 1).toBe(b.start);
        expect(b.end).toBe(w.end);
        expect(windowSeconds(a) + windowSeconds(b)).toBe(windowSeconds(w));
        expect(windowSeconds(a)).toBeGreaterThanOrEqual(1);
        expect(windowSeconds(b)).toBeGreaterThanOrEqual(1);
      }),
    );
    expect(() => splitWindow({ start: 5, end: 5 })).toThrow(/one-second/);
  });

  it('splitting always reaches one second, in at most log2(length) + 1 halvings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 36 }), (start, extra) => {
        let w = { start, end: start + extra };
        let steps = 0;
        while (windowSeconds(w) > 1) {
          w = splitWindow(w)[steps % 2]!;
          steps += 1;
        }
        expect(steps).toBeLessThanOrEqual(Math.ceil(Math.log2(extra + 1)) + 1);
      }),
    );
  });

  it('a page is full at the limit or at the largest page seen, never when empty', () => {
    expect(isFullPage(0, 1000, 0)).toBe(false);
    expect(isFullPage(1000, 1000, 1000)).toBe(true);
    expect(isFullPage(400, 1000, 400)).toBe(true); // the server caps at 400
    expect(isFullPage(399, 1000, 400)).toBe(false);
    expect(isFullPage(37, 1000, 0)).toBe(true); // the first page ever: we cannot know, so split
    expect(isFullPage(1200, 1000, 0)).toBe(true); // the server ignored limit
  });

  it('asks every window with one second more at each end, so neighbours overlap', () => {
    expect(requestRange({ start: 10, end: 20 })).toEqual({ start: 9, end: 21 });
    expect(requestRange({ start: 10, end: 10 })).toEqual({ start: 9, end: 11 });
  });

  it('a shortened first window shifts every later edge', () => {
    const planner = new WindowPlanner({ start: 0, end: 99, initialSeconds: 20, maxSeconds: 20, firstSeconds: 10 });
    const windows = [];
    for (let w = planner.next(); w; w = planner.next()) windows.push(w);
    expect(windows.map((w) => w.start)).toEqual([0, 10, 30, 50, 70, 90]);
  });

  it('the planner hands out windows that tile the range, and adapts their size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 50 }),
        (start, length, initial, densities) => {
          const planner = new WindowPlanner({ start, end: start + length - 1, initialSeconds: initial, maxSeconds: initial });
          let expected = start;
          let i = 0;
          for (let w = planner.next(); w; w = planner.next()) {
            if (w.start !== expected || w.end < w.start || windowSeconds(w) > initial) {
              throw new Error(`bad window ${JSON.stringify(w)} after ${expected - 1}`);
            }
            expected = w.end + 1;
            planner.completed(w, densities[i % Math.max(1, densities.length)] ?? 0, 600);
            i += 1;
          }
          expect(expected).toBe(start + length);
        },
      ),
    );
  });

  it('the walk finishes windows that tile the range in order and collects every row exactly once', () => {
    fc.assert(
      fc.property(walkCase, (c) => {
        const { finished, collected, paged, sorted } = simulate(c);
        // Tiling: no gap, no overlap, in time order.
        expect(finished[0]?.start).toBe(c.start);
        const gaps = finished.filter((w, i) => i > 0 && w.start !== finished[i - 1]!.end + 1);
        expect(gaps).toEqual([]);
        expect(finished[finished.length - 1]?.end).toBe(c.end);
        // Exactly once.
        const ids = [...collected].sort((a, b) => a - b);
        expect(ids.length).toBe(sorted.length);
        expect(ids.every((id, i) => id === i)).toBe(true);
        // Offset paging only for one-second windows.
        expect(paged.filter((w) => windowSeconds(w) !== 1)).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });

  it('a burst larger than a page in one second is paged with offset', () => {
    const rows = [...Array.from({ length: 250 }, () => 5000), 10, 20, 9000];
    const { paged, collected } = simulate({ rows, start: 0, end: 9999, cap: 40, limit: 100, lookahead: 2, initial: 10_000 });
    expect(paged).toEqual([{ start: 5000, end: 5000 }]);
    expect(collected).toHaveLength(rows.length);
  });
});
