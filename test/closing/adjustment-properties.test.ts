/**
 * Property: whatever sequence of changes hits a closed month's payouts
 * (status, amount, currency, purpose, manual refunds, matches, late payouts,
 * creation moved out of the month), with detections at any points between
 * them, the closed paid-out totals plus every adjustment equal the ledger's
 * paid-out totals for the month today, per currency.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adjustmentSteps, paidOut, type PayoutState } from '../../src/closing/payout-state.js';
import { closePeriod } from '../../src/closing/close-period.js';
import { detectAdjustments } from '../../src/closing/detect-adjustments.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { LedgerFixtures } from '../helpers/ledger-fixtures.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

const OCTOBER = resolveReportPeriod({ month: '2026-10' }, 'UTC');
const STATUSES = ['succeeded', 'failed', 'pending', 'cancelled'];
const CURRENCIES = ['EUR', 'USD'];

const change = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), payout: fc.nat(5), status: fc.constantFrom(...STATUSES) }),
  fc.record({ kind: fc.constant('amount' as const), payout: fc.nat(5), amount: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.record({ kind: fc.constant('currency' as const), payout: fc.nat(5), currency: fc.constantFrom(...CURRENCIES) }),
  fc.record({ kind: fc.constant('purpose' as const), payout: fc.nat(5), purpose: fc.constantFrom('SALARY', 'FAMILY_SUPPORT', null) }),
  fc.record({ kind: fc.constant('refund' as const), payout: fc.nat(5), state: fc.constantFrom('suspected', 'confirmed'), status: fc.constantFrom('open', 'resolved', 'ignored') }),
  fc.record({ kind: fc.constant('match' as const), payout: fc.nat(5) }),
  fc.record({ kind: fc.constant('late' as const), amount: fc.integer({ min: 1, max: 1_000_000 }), currency: fc.constantFrom(...CURRENCIES), status: fc.constantFrom(...STATUSES) }),
  fc.record({ kind: fc.constant('move' as const), payout: fc.nat(5), inside: fc.boolean() }),
  fc.record({ kind: fc.constant('detect' as const) }),
);

const state = fc.record({
  status: fc.constantFrom(...STATUSES),
  amount: fc.integer({ min: 0, max: 1_000_000 }),
  currency: fc.constantFrom(...CURRENCIES),
  purpose: fc.constantFrom('SALARY', 'UNSPECIFIED'),
  outcome: fc.constantFrom('matched', 'unreconciled', 'suspected_manual_refund'),
  refund: fc.constantFrom('none' as const, 'suspected' as const, 'confirmed' as const),
});

it('adjustment steps chain from the booked state to the current one, and their effects add up to the paid-out difference', () => {
  fc.assert(
    fc.property(fc.option(state, { nil: null }), fc.option(state, { nil: null }), (known: PayoutState | null, current: PayoutState | null) => {
      const steps = adjustmentSteps(known, current);
      const effect = new Map<string, number>();
      for (const s of steps) effect.set(s.currency, (effect.get(s.currency) ?? 0) + s.amountEffect);
      const expected = new Map<string, number>();
      if (known) expected.set(known.currency, 0 - paidOut(known));
      if (current) expected.set(current.currency, (expected.get(current.currency) ?? 0) + paidOut(current));
      for (const c of CURRENCIES) expect(effect.get(c) ?? 0).toBe(expected.get(c) ?? 0);
      expect(steps.length === 0 ? known : steps[steps.length - 1]!.stateAfter).toEqual(current);
      expect(adjustmentSteps(current, current)).toEqual([]);
    }),
    { numRuns: 500 },
  );
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'adjustments keep closed totals + adjustments = the ledger today', () => {
    let t: TestLedger;
    const work = tempDirForSuite('payout-recon-close-prop-');
    beforeAll(async () => {
      t = await createTestLedger(dialect);
    });
    afterAll(async () => {
      await t.cleanup();
      work.remove();
    });

    it('for random change sequences', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 12 }), async (changes) => {
          run += 1;
          for (const table of ['payout_adjustments', 'closed_pack_rows', 'closed_payouts', 'period_closes', 'matches', 'exceptions', 'internal_records', 'payouts', 'sync_state'] as const) {
            await t.ledger.db.deleteFrom(table).execute();
          }
          const f = new LedgerFixtures(t.ledger);
          const ids: number[] = [];
          for (let i = 0; i < 6; i++) {
            ids.push(await f.payout({ providerPayoutId: `R${run}-${i}`, merchantTransactionId: `M${run}-${i}`, amount: 1000 * (i + 1), currency: CURRENCIES[i % 2]!, createdAt: OCTOBER.from + (i + 1) * 3_600_000, status: STATUSES[i % 3]! }));
          }
          await f.syncWatermark('smart2pay', OCTOBER.to + 3_600_000);
          const closed = await closePeriod(t.ledger, { period: OCTOBER, settleSeconds: 0, actor: 'p', reportsDir: work.dir, format: 'csv', now: OCTOBER.to + 7_200_000 });
          let now = OCTOBER.to + 86_400_000;
          let late = 0;
          for (const c of changes) {
            now += 1000;
            const id = 'payout' in c ? ids[c.payout]! : 0;
            switch (c.kind) {
              case 'status':
                await t.ledger.db.updateTable('payouts').set({ status: c.status }).where('id', '=', id).execute();
                break;
              case 'amount':
                await t.ledger.db.updateTable('payouts').set({ amount: c.amount }).where('id', '=', id).execute();
                break;
              case 'currency':
                await t.ledger.db.updateTable('payouts').set({ currency: c.currency }).where('id', '=', id).execute();
                break;
              case 'purpose':
                await t.ledger.db.updateTable('payouts').set({ purpose: c.purpose }).where('id', '=', id).execute();
                break;
              case 'refund':
                await f.exception({ kind: 'suspected_manual_refund', payoutId: id, status: c.status, resolvedBy: c.status === 'open' ? null : 'user', details: { state: c.state }, fingerprint: `refund:${id}:${now}` });
                break;
              case 'match': {
                const matched = await t.ledger.db.selectFrom('matches').select('id').where('payout_id', '=', id).executeTakeFirst();
                if (matched) await t.ledger.db.deleteFrom('matches').where('payout_id', '=', id).execute();
                else await f.match(id, await f.internalRecord({ internalId: `I${run}-${id}-${now}` }));
                break;
              }
              case 'late':
                late += 1;
                ids.push(await f.payout({ providerPayoutId: `L${run}-${late}`, amount: c.amount, currency: c.currency, status: c.status, createdAt: OCTOBER.from + late * 60_000 }));
                break;
              case 'move':
                await t.ledger.db.updateTable('payouts').set({ created_at: c.inside ? OCTOBER.from + 5000 : OCTOBER.to + 5000 }).where('id', '=', id).execute();
                break;
              case 'detect':
                await detectAdjustments(t.ledger, now);
                break;
            }
          }
          await detectAdjustments(t.ledger, now + 1000);
          expect((await detectAdjustments(t.ledger, now + 2000)).recorded).toBe(0);

          const today = await paidOutToday(t);
          const booked = await closedPlusAdjustments(t, closed.closeId);
          for (const c of CURRENCIES) expect(booked.get(c) ?? 0, c).toBe(today.get(c) ?? 0);
        }),
        { numRuns: 12 },
      );
    }, 240_000);
  });
}

/** Independent of the code under test: succeeded, less payouts whose refund exception (open, or accepted by a user) says confirmed. */
async function paidOutToday(t: TestLedger): Promise<Map<string, number>> {
  const payouts = await t.ledger.db.selectFrom('payouts').select(['id', 'amount', 'currency', 'status']).where('created_at', '>=', OCTOBER.from).where('created_at', '<', OCTOBER.to).execute();
  const refunds = await t.ledger.db.selectFrom('exceptions').select(['payout_id', 'status', 'resolved_by', 'details']).where('kind', '=', 'suspected_manual_refund').execute();
  const confirmed = new Set(
    refunds
      .filter((r) => (r.status === 'open' || (r.status === 'resolved' && r.resolved_by === 'user')) && (JSON.parse(r.details) as { state?: string }).state === 'confirmed')
      .map((r) => r.payout_id),
  );
  const totals = new Map<string, number>();
  for (const p of payouts) totals.set(p.currency, (totals.get(p.currency) ?? 0) + (p.status === 'succeeded' && !confirmed.has(p.id) ? p.amount : 0));
  return totals;
}

async function closedPlusAdjustments(t: TestLedger, closeId: number): Promise<Map<string, number>> {
  const close = await t.ledger.db.selectFrom('period_closes').select('totals').where('id', '=', closeId).executeTakeFirstOrThrow();
  const totals = new Map<string, number>();
  for (const c of JSON.parse(close.totals) as { currency: string; paid_out: number }[]) totals.set(c.currency, c.paid_out);
  for (const a of await t.ledger.db.selectFrom('payout_adjustments').select(['currency', 'amount_effect']).where('close_id', '=', closeId).execute()) {
    totals.set(a.currency, (totals.get(a.currency) ?? 0) + a.amount_effect);
  }
  return totals;
}
