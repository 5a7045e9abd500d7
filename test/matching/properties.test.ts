import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { PAYOUT_STATE_KINDS, RECORD_STATE_KINDS } from '../../src/matching/kinds.js';
import { reconcile } from '../../src/matching/reconcile.js';
import { payoutStates, recordStates } from '../../src/matching/states.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { HOUR, insertPayouts, insertRecords, matcherSnapshot, NOW, type PayoutSeed, type RecordSeed, rulesWith } from '../helpers/matching-fixtures.js';

const references = fc.constantFrom('R1', 'R2', 'R3', 'R4', 'R5', 'R6');
const amount = fc.constantFrom(1000, 1001, 1005, 1500, 2000);
const currency = fc.constantFrom('EUR', 'EUR', 'USD');
const hoursAgo = fc.integer({ min: 0, max: 200 });
const purpose = fc.constantFrom(null, 'SALARY_PAYMENT', 'FAMILY_SUPPORT');
const country = fc.constantFrom(null, 'RO', 'DE');

const payoutSeed: fc.Arbitrary<PayoutSeed> = fc.record({
  mtid: fc.option(references, { nil: null }),
  amount,
  currency,
  createdAt: hoursAgo.map((h) => NOW - h * HOUR),
  status: fc.constantFrom('succeeded', 'succeeded', 'failed', 'pending', 'open', 'cancelled'),
  purpose,
  country,
});

const recordSeed = (internalId: string): fc.Arbitrary<RecordSeed> =>
  fc.record({
    internalId: fc.constant(internalId),
    amount,
    currency,
    createdAt: hoursAgo.map((h) => NOW - h * HOUR),
    status: fc.constantFrom(null, 'succeeded', 'failed', 'pending', 'cancelled'),
    purpose,
    country,
  });

const scenario = fc.record({
  payouts: fc.array(payoutSeed, { maxLength: 10 }),
  // Internal IDs are unique (the importer guarantees it); R1..R6 are also MerchantTransactionIDs.
  records: fc.subarray(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'Q1', 'Q2']).chain((ids) => fc.tuple(...ids.map(recordSeed))),
  later: fc.record({
    payouts: fc.array(payoutSeed, { maxLength: 4 }),
    records: fc.subarray(['R1', 'R2', 'R3', 'N1', 'N2']),
    failFirst: fc.boolean(),
  }),
  matching: fc.record({
    amountToleranceAbsolute: fc.constantFrom('0.00', '0.05'),
    amountTolerancePercent: fc.constantFrom(0, 1),
    autoConfirmScore: fc.constantFrom(60, 90),
    proposeScore: fc.constantFrom(40, 50),
  }),
});

async function checkStates(ledger: Ledger, payoutIds: number[], recordIds: number[], now: number, graceMs: number): Promise<void> {
  const payouts = await payoutStates(ledger.db, payoutIds);
  for (const id of payoutIds) {
    const state = payouts.get(id);
    expect(state?.openExceptions).toBeLessThanOrEqual(1);
    expect(['matched', ...PAYOUT_STATE_KINDS]).toContain(state?.state);
  }
  const records = await recordStates(ledger.db, recordIds, now, graceMs);
  for (const id of recordIds) {
    const state = records.get(id);
    expect(state?.openExceptions).toBeLessThanOrEqual(1);
    expect(['matched', 'not_yet_due', ...RECORD_STATE_KINDS]).toContain(state?.state);
  }
  // A record is claimed by at most one payout and vice versa (also enforced by unique keys).
  const matches = await ledger.db.selectFrom('matches').select(['payout_id', 'internal_record_id']).execute();
  expect(new Set(matches.map((m) => m.payout_id)).size).toBe(matches.length);
  expect(new Set(matches.map((m) => m.internal_record_id)).size).toBe(matches.length);
}

async function reset(ledger: Ledger): Promise<void> {
  for (const table of ['exception_events', 'audit_log', 'exceptions', 'matches', 'reconciliation_runs', 'internal_record_changes', 'internal_records', 'payouts'] as const) {
    await ledger.db.deleteFrom(table).execute();
  }
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'matcher properties', () => {
    let t: TestLedger;
    beforeAll(async () => {
      t = await createTestLedger(dialect);
    });
    afterAll(async () => t.cleanup());
    const numRuns = dialect === 'sqlite' ? 60 : 20;

    it('every payout and every record ends a run in exactly one state; running twice equals running once', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          await reset(t.ledger);
          const payoutIds = await insertPayouts(t.ledger.db, s.payouts);
          const recordIds = await insertRecords(t.ledger.db, s.records);
          const rules = rulesWith(s.matching);
          await reconcile(t.ledger, { rules, clock: () => NOW });

          await checkStates(t.ledger, payoutIds, recordIds, NOW, rules.missingGraceMs);

          const once = await matcherSnapshot(t.ledger.db);
          const again = await reconcile(t.ledger, { rules, clock: () => NOW });
          expect(again).toMatchObject({ matched: 0, opened: 0, reopened: 0, updated: 0, closed: 0 });
          expect(await matcherSnapshot(t.ledger.db)).toEqual(once);

          // New data arrives (late payouts, records not yet imported, a payout failing) and time passes.
          const later = NOW + 30 * HOUR;
          const existingIds = new Set(s.records.map((r) => r.internalId));
          payoutIds.push(...(await insertPayouts(t.ledger.db, s.later.payouts)));
          const fresh = s.later.records.filter((id) => !existingIds.has(id)).map((id) => ({ internalId: id, amount: 1000, createdAt: NOW - HOUR }));
          recordIds.push(...(await insertRecords(t.ledger.db, fresh, NOW + HOUR)));
          if (s.later.failFirst && payoutIds.length > 0) {
            await t.ledger.db.updateTable('payouts').set({ status: 'failed', updated_at: NOW + HOUR }).where('id', '=', payoutIds[0]!).execute();
          }
          await reconcile(t.ledger, { rules, clock: () => later });
          await checkStates(t.ledger, payoutIds, recordIds, later, rules.missingGraceMs);
          const settled = await matcherSnapshot(t.ledger.db);
          await reconcile(t.ledger, { rules, clock: () => later });
          expect(await matcherSnapshot(t.ledger.db)).toEqual(settled);
        }),
        { numRuns },
      );
    });
  });
}
