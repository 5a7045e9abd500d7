import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignGreedy, NearestIndex } from '../../src/matching/candidates.js';
import { differenceText, differences } from '../../src/matching/diagnostics.js';
import { absoluteToleranceMinor, amountsAgree, type PayoutFacts, type RecordFacts, scorePair, similarity, statusesDisagree } from '../../src/matching/rules.js';
import { HOUR, rulesWith } from '../helpers/matching-fixtures.js';

const T = Date.UTC(2026, 9, 1, 10, 0, 0);
const payout = (over: Partial<PayoutFacts> = {}): PayoutFacts => ({
  id: 1,
  provider: 'smart2pay',
  providerPayoutId: '500',
  merchantTransactionId: 'A-1',
  amount: 123_450,
  currency: 'EUR',
  createdAt: T,
  status: 'succeeded',
  method: 'bank_account',
  purpose: 'SALARY_PAYMENT',
  country: 'RO',
  ...over,
});
const record = (over: Partial<RecordFacts> = {}): RecordFacts => ({
  id: 1,
  internalId: 'A-1',
  reference: 'A-1',
  amount: 123_450,
  currency: 'EUR',
  createdAt: T - 60_000,
  status: 'succeeded',
  method: 'bank_account',
  purpose: 'SALARY_PAYMENT',
  country: 'RO',
  ...over,
});

describe('matching rules', () => {
  it('applies the absolute tolerance in the currency exponent, never rounding it up', () => {
    const rules = rulesWith({ amountToleranceAbsolute: '0.50' });
    expect(absoluteToleranceMinor(rules, 'EUR')).toBe(50);
    expect(absoluteToleranceMinor(rules, 'JPY')).toBe(0);
    expect(absoluteToleranceMinor(rules, 'KWD')).toBe(500);
    expect(amountsAgree(rules, 10_050, 10_000, 'EUR')).toBe(true);
    expect(amountsAgree(rules, 10_051, 10_000, 'EUR')).toBe(false);
    const percent = rulesWith({ amountTolerancePercent: 1 });
    expect(amountsAgree(percent, 101_000, 100_000, 'EUR')).toBe(true);
    expect(amountsAgree(percent, 101_001, 100_000, 'EUR')).toBe(false);
  });

  it('scores identical payments 100, and refuses other currencies, amounts beyond tolerance and times beyond the window', () => {
    const rules = rulesWith();
    expect(scorePair(rules, payout(), record())).toBe(100);
    expect(scorePair(rules, payout({ currency: 'USD' }), record())).toBeNull();
    expect(scorePair(rules, payout({ amount: 123_451 }), record())).toBeNull();
    expect(scorePair(rules, payout({ createdAt: T + 73 * HOUR }), record({ createdAt: T }))).toBeNull();
    // Unknown purpose and country on one side: half their points.
    expect(scorePair(rules, payout({ purpose: null, country: null }), record())).toBe(93);
    // Further apart in time: fewer points.
    const near = scorePair(rules, payout(), record({ createdAt: T - 2 * HOUR }))!;
    const far = scorePair(rules, payout(), record({ createdAt: T - 60 * HOUR }))!;
    expect(near).toBeGreaterThan(far);
  });

  it('scores stay within 0-100 and amounts inside the tolerance always score', () => {
    const rules = rulesWith({ amountToleranceAbsolute: '1.00', amountTolerancePercent: 2 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: -500, max: 500 }), fc.integer({ min: 0, max: 72 * 60 }), (amount, delta, minutes) => {
        const p = payout({ amount: amount + delta, createdAt: T + minutes * 60_000 });
        const r = record({ amount, createdAt: T });
        const score = scorePair(rules, p, r);
        if (amountsAgree(rules, p.amount, r.amount, 'EUR')) {
          expect(score).not.toBeNull();
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(100);
        } else {
          expect(score).toBeNull();
        }
      }),
    );
  });

  it('tells status disagreements only when the provider is final and the company claims an outcome', () => {
    expect(statusesDisagree('succeeded', 'failed')).toBe(true);
    expect(statusesDisagree('succeeded', 'expired')).toBe(true);
    expect(statusesDisagree('cancelled', 'succeeded')).toBe(true);
    expect(statusesDisagree('failed', 'cancelled')).toBe(false);
    expect(statusesDisagree('succeeded', 'pending')).toBe(false);
    expect(statusesDisagree('pending', 'failed')).toBe(false);
    expect(statusesDisagree(null, 'failed')).toBe(false);
  });

  it('lists each differing field with both values, provider first', () => {
    const rules = rulesWith();
    const diffs = differences(rules, payout({ amount: 123_450, status: 'failed', country: 'DE' }), record({ amount: 124_350 }), false);
    expect(diffs.map(differenceText)).toEqual(['amount 1,234.50 vs 1,243.50 EUR', 'status failed vs succeeded', 'country DE vs RO']);
    const currency = differences(rules, payout({ currency: 'USD', amount: 5_000 }), record({ amount: 5_000 }), false);
    expect(currency.map(differenceText)).toEqual(['currency USD vs EUR', 'amount 50.00 USD vs 50.00 EUR']);
  });
});

describe('greedy assignment', () => {
  const pair = fc.record({ payoutId: fc.integer({ min: 1, max: 8 }), recordId: fc.integer({ min: 1, max: 8 }), score: fc.integer({ min: 0, max: 100 }) });

  it('claims each payout and each record at most once, best scores first, whatever the input order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pair, { selector: (p) => `${p.payoutId}:${p.recordId}` }), (pairs) => {
        const { matches, proposals } = assignGreedy(pairs, 90, 50);
        const all = [...matches, ...proposals];
        expect(new Set(all.map((p) => p.payoutId)).size).toBe(all.length);
        expect(new Set(all.map((p) => p.recordId)).size).toBe(all.length);
        expect(matches.every((m) => m.score >= 90)).toBe(true);
        expect(proposals.every((m) => m.score >= 50 && m.score < 90)).toBe(true);
        // No unclaimed pair scoring at least 50 is left whose two sides are both free.
        const payouts = new Set(all.map((p) => p.payoutId));
        const records = new Set(all.map((p) => p.recordId));
        expect(pairs.some((p) => p.score >= 50 && !payouts.has(p.payoutId) && !records.has(p.recordId))).toBe(false);
        expect(assignGreedy([...pairs].reverse(), 90, 50)).toEqual({ matches, proposals });
      }),
    );
  });
});

describe('nearest index', () => {
  const item = fc.record({ amount: fc.integer({ min: 1, max: 5000 }), createdAt: fc.integer({ min: 0, max: 1000 * HOUR }), currency: fc.constantFrom('EUR', 'USD') });

  it('finds the most similar item of the same currency, like a full scan would', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), item, (items, target) => {
        const withIds = items.map((it, i) => ({ ...it, id: i + 1 }));
        const found = new NearestIndex(withIds).nearest(target, () => false, 1000);
        const same = withIds.filter((it) => it.currency === target.currency);
        if (same.length === 0) {
          expect(found).toBeNull();
          return;
        }
        const best = Math.max(...same.map((it) => similarity(target, it)));
        expect(similarity(target, found!)).toBe(best);
      }),
    );
  });
});
