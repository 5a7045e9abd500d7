/**
 * Properties of the refund arithmetic over random provider days (plain
 * values, test/helpers/refund-day-sim.ts): under each debit model, every
 * manual refund is pinned on its payout or listed as a candidate, and no
 * payout that was not refunded is ever pinned.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/busy-ledger.js';
import { judgeDay, simulateDay } from '../helpers/refund-day-sim.js';

const shape = fc.record({
  candidates: fc.integer({ min: 20, max: 300 }),
  openAtStart: fc.integer({ min: 0, max: 60 }),
  created: fc.integer({ min: 0, max: 400 }),
  topups: fc.array(fc.record({ amount: fc.integer({ min: 1, max: 20 }).map((k) => k * 5_000_00), imported: fc.boolean() }), { maxLength: 2 }),
  refunds: fc.integer({ min: 0, max: 3 }),
  snapshots: fc.integer({ min: 2, max: 22 }),
  runEveryMinutes: fc.constantFrom(5, 10, 15, 30, 60),
  lagHours: fc.constantFrom(1, 6),
});

describe('refunds on random days', () => {
  for (const model of ['creation', 'success'] as const) {
    it(`${model}: every refund is pinned or listed; nothing else is pinned (property)`, () => {
      fc.assert(
        fc.property(shape, fc.integer({ min: 1, max: 2 ** 31 - 1 }), (s, seed) => {
          const day = simulateDay(model, s, seededRandom(seed));
          const verdict = judgeDay(day, model);
          for (const id of verdict.pinned) expect(day.refunded).toContain(id);
          for (const id of day.refunded) expect(verdict.pinned.has(id) || verdict.listed.has(id)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });
  }
});
