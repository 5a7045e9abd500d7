import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { businessDaysBetween, dayNumber, formatDayNumber, isBusinessDay, weekday } from '../../src/monitoring/business-days.js';
import { expectedChange, netResidual } from '../../src/monitoring/balance-residual.js';
import { computeRunway, runwayTooShort } from '../../src/monitoring/runway.js';
import { findExactSubsets } from '../../src/monitoring/subset-sum.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('business days', () => {
  it('knows the weekday of known dates', () => {
    expect(weekday(dayNumber(1970, 1, 1))).toBe(4); // Thursday
    expect(weekday(dayNumber(2026, 11, 21))).toBe(6); // Saturday
    expect(weekday(dayNumber(2024, 2, 29))).toBe(4);
    expect(formatDayNumber(dayNumber(2026, 11, 21))).toBe('2026-11-21');
  });

  it('counts business days after `from` up to and including `to`, like walking the calendar (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -40_000, max: 60_000 }), fc.integer({ min: -20, max: 400 }), (from, span) => {
        let walked = 0;
        for (let d = from + 1; d <= from + span; d++) if (isBusinessDay(d)) walked += 1;
        expect(businessDaysBetween(from, from + span)).toBe(walked);
      }),
    );
  });

  it('a week always has five business days, and the count never decreases (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -40_000, max: 60_000 }), fc.integer({ min: 0, max: 1000 }), (from, span) => {
        expect(businessDaysBetween(from, from + 7)).toBe(5);
        expect(businessDaysBetween(from, from + span + 1)).toBeGreaterThanOrEqual(businessDaysBetween(from, from + span));
      }),
    );
  });

  it('Friday to Monday is one business day; Friday to Sunday none', () => {
    const friday = dayNumber(2026, 11, 20);
    expect(businessDaysBetween(friday, friday + 3)).toBe(1);
    expect(businessDaysBetween(friday, friday + 2)).toBe(0);
    expect(businessDaysBetween(friday, friday)).toBe(0);
  });
});

describe('runway', () => {
  const monday = Date.parse('2026-11-23T09:00:00Z');

  it('runs out when the balance is spent at the average daily rate, counted in business days', () => {
    // 14 days of 1,000.00 a day; 2,500.00 left: 2.5 days → Wednesday 21:00 UTC.
    const r = computeRunway({ balance: 2_500_00, recentPayouts: 14_000_00, lookbackDays: 14, now: monday, zone: 'UTC' });
    expect(r).toEqual({ dailyRate: 1_000_00, runsOutAt: Date.parse('2026-11-25T21:00:00Z'), runsOutOn: '2026-11-25', businessDaysLeft: 2 });
    expect(runwayTooShort(r, 3)).toBe(true);
    expect(runwayTooShort(r, 2)).toBe(false);
  });

  it('counts weekends out: on a Friday, three calendar days last one business day', () => {
    const friday = Date.parse('2026-11-20T09:00:00Z');
    const r = computeRunway({ balance: 3_000_00, recentPayouts: 7_000_00, lookbackDays: 7, now: friday, zone: 'UTC' });
    expect(r.runsOutOn).toBe('2026-11-23');
    expect(r.businessDaysLeft).toBe(1);
  });

  it('counts days in the reporting zone', () => {
    // 22:30 UTC on Friday is already Saturday in Bucharest.
    const late = Date.parse('2026-11-20T22:30:00Z');
    const r = computeRunway({ balance: 1_000_00, recentPayouts: 7_000_00, lookbackDays: 7, now: late, zone: 'Europe/Bucharest' });
    expect(r.runsOutOn).toBe('2026-11-22');
    expect(r.businessDaysLeft).toBe(0);
  });

  it('never runs out without payouts; runs out today with nothing left', () => {
    expect(computeRunway({ balance: 100, recentPayouts: 0, lookbackDays: 14, now: monday, zone: 'UTC' })).toEqual({
      dailyRate: 0,
      runsOutAt: null,
      runsOutOn: null,
      businessDaysLeft: null,
    });
    const empty = computeRunway({ balance: -5_00, recentPayouts: 100_00, lookbackDays: 14, now: monday, zone: 'UTC' });
    expect(empty.runsOutAt).toBe(monday);
    expect(empty.businessDaysLeft).toBe(0);
  });

  it('more balance never shortens the runway; a faster rate never lengthens it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 10_000_000_000 }),
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') }),
        (balance, more, rate, faster, lookbackDays, now) => {
          const base = computeRunway({ balance, recentPayouts: rate, lookbackDays, now, zone: 'UTC' });
          const richer = computeRunway({ balance: balance + more, recentPayouts: rate, lookbackDays, now, zone: 'UTC' });
          const busier = computeRunway({ balance, recentPayouts: rate + faster, lookbackDays, now, zone: 'UTC' });
          expect(richer.runsOutAt!).toBeGreaterThanOrEqual(base.runsOutAt!);
          expect(richer.businessDaysLeft!).toBeGreaterThanOrEqual(base.businessDaysLeft!);
          expect(busier.runsOutAt!).toBeLessThanOrEqual(base.runsOutAt!);
          expect(base.runsOutAt!).toBeGreaterThanOrEqual(now);
          // The balance lasts balance / (rate / lookback) days, to the millisecond (rounded down).
          if (balance > 0 && BigInt(balance) * BigInt(lookbackDays) * BigInt(DAY) / BigInt(rate) < 100n * 365n * BigInt(DAY)) {
            expect(BigInt(base.runsOutAt! - now)).toBe((BigInt(balance) * BigInt(lookbackDays) * BigInt(DAY)) / BigInt(rate));
          }
        },
      ),
    );
  });
});

describe('exact subsets', () => {
  /** Every subset of at most `max` items that sums to target, by brute force. */
  function brute(amounts: number[], target: number, max: number): number[][] {
    const out: number[][] = [];
    const walk = (start: number, chosen: number[], sum: number) => {
      if (chosen.length > 0 && sum === target) out.push([...chosen]);
      if (chosen.length === max) return;
      for (let i = start; i < amounts.length; i++) walk(i + 1, [...chosen, i], sum + amounts[i]!);
    };
    walk(0, [], 0);
    return out;
  }

  it('finds exactly the smallest-size solutions a brute force finds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 150 }),
        fc.integer({ min: 1, max: 4 }),
        (amounts, target, maxSize) => {
          const all = brute(amounts, target, maxSize);
          const smallest = all.length === 0 ? null : Math.min(...all.map((s) => s.length));
          const expected = all.filter((s) => s.length === smallest).map((s) => s.sort((a, b) => a - b).join(','));
          const found = findExactSubsets({ items: amounts.map((amount, i) => ({ amount, item: i })), target, maxSize, maxSolutions: 10_000 });
          expect(found.complete).toBe(true);
          expect(found.size).toBe(smallest);
          expect(found.solutions.map((s) => [...s].sort((a, b) => a - b).join(',')).sort()).toEqual(expected.sort());
          for (const s of found.solutions) {
            expect(s.reduce((sum, i) => sum + amounts[i]!, 0)).toBe(target);
            expect(new Set(s).size).toBe(s.length);
          }
        },
      ),
    );
  });

  it('prefers one payout over a combination, and says when there are more solutions than kept', () => {
    const items = [50, 70, 120, 30, 90].map((amount, i) => ({ amount, item: `p${i}` }));
    expect(findExactSubsets({ items, target: 120, maxSize: 3 })).toMatchObject({ size: 1, solutions: [['p2']], more: false });
    expect(findExactSubsets({ items, target: 170, maxSize: 1 })).toMatchObject({ size: null, solutions: [] });
    const many = Array.from({ length: 30 }, (_, i) => ({ amount: 10, item: i }));
    const r = findExactSubsets({ items: many, target: 10, maxSize: 3, maxSolutions: 3 });
    expect(r).toMatchObject({ size: 1, more: true });
    expect(r.solutions).toHaveLength(3);
  });

  it('stays bounded on thousands of candidates and says when it gave up', () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ amount: 1000 + ((i * 7919) % 100_000), item: i }));
    const impossible = findExactSubsets({ items, target: 7, maxSize: 3 });
    expect(impossible).toMatchObject({ size: null, complete: true, considered: 0 });
    const hard = findExactSubsets({ items, target: 999_999_999, maxSize: 3, budget: 50_000 });
    expect(hard.size).toBeNull();
    expect(hard.considered).toBe(5000);
    const truncated = findExactSubsets({ items: items.map((i) => ({ ...i, amount: 2 * i.amount })), target: 150_001, maxSize: 3, budget: 10_000 });
    expect(truncated.complete).toBe(false);
  });
});

describe('balance residual', () => {
  const flows = (debited: number, released = 0) => ({ debited, released });

  it('expected change is released minus debited', () => {
    expect(expectedChange(flows(500, 200))).toBe(-300);
  });

  it('a debit observed one interval late nets to nothing; a refund stays visible (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (x, refund) => {
        const t = Date.parse('2026-11-21T10:00:00Z');
        // Interval 1: the provider debited x, we have not observed it yet.
        const first = netResidual(-x, flows(0), [], t, 6 * HOUR);
        expect(first.increase).toBe(0);
        // Interval 2: we observe the debit; the balance moves only by a refund, if any.
        const second = netResidual(refund, flows(x), first.carry, t + HOUR, 6 * HOUR);
        expect(second.increase).toBe(refund);
        expect(second.carry).toEqual([]);
      }),
    );
  });

  it('drops older than the observation lag expire and no longer mask an increase', () => {
    const t = Date.parse('2026-11-21T10:00:00Z');
    const drop = netResidual(-1_00, flows(0), [], t, 6 * HOUR);
    expect(netResidual(5_00, flows(0), drop.carry, t + 5 * HOUR, 6 * HOUR)).toMatchObject({ increase: 4_00, netted: 1_00 });
    expect(netResidual(5_00, flows(0), drop.carry, t + 7 * HOUR, 6 * HOUR)).toMatchObject({ increase: 5_00, netted: 0, carry: [] });
  });

  it('never reports more increase than the residual, nor less than the residual minus live drops (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ age: fc.integer({ min: 0, max: 10 * HOUR }), amount: fc.integer({ min: -1e6, max: -1 }) }), { maxLength: 6 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (drops, change, debited) => {
          const t = Date.parse('2026-11-21T10:00:00Z');
          const carry = drops.map((d) => ({ at: t - d.age, amount: d.amount }));
          const r = netResidual(change, flows(debited), carry, t, 6 * HOUR);
          const live = carry.filter((d) => t - d.at <= 6 * HOUR).reduce((s, d) => s - d.amount, 0);
          expect(r.residual).toBe(change + debited);
          expect(r.increase).toBe(Math.max(0, r.residual - live));
          expect(r.increase + r.netted).toBe(Math.max(0, r.residual));
          expect(r.carry.every((d) => d.amount < 0)).toBe(true);
        },
      ),
    );
  });
});
