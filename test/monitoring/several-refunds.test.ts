/**
 * Two and three refunds between the same two snapshots of a busy day,
 * against the sandbox under each debit model: pinned when only one
 * combination of payouts fits, otherwise listed as candidates on one
 * exception, then narrowed by the provider's daily report; and a rise
 * that may contain a refund says so.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { importProviderReport } from '../../src/imports/provider-report.js';
import { runRefundMonitor } from '../../src/monitoring/refund-monitor.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { storeBalanceSnapshot } from '../../src/monitoring/balance-check.js';
import { type BusyLedger, busyLedger, cycle, DAY, exceptions, HOUR, rulesFor, T0 } from '../helpers/busy-ledger.js';
import { insertPayout, setPayoutsWatermark } from '../helpers/monitoring-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

// Above any random payout of the busy ledger (at most 3,010.00), so only these can add up to their sums.
const A = 4_100_17;
const B = 5_300_29;
const C = 6_700_41;

/** Refunds `refs` while 100 payouts settle (15 % failing) between two snapshots, then runs three more cycles. */
async function refundDuringBusyHour(day: BusyLedger, model: 'creation' | 'success', refs: string[]): Promise<void> {
  const rules = rulesFor(model);
  await cycle(day, T0, rules);
  day.settle(80, 0.15);
  for (const ref of refs) day.refund(ref);
  await day.sync(T0 + HOUR);
  day.settle(20, 0.15);
  await day.snapshot(T0 + HOUR + 30_000);
  await runRefundMonitor(day.ledger, 'EUR', rules, T0 + HOUR + 60_000);
  for (let k = 2; k < 5; k++) await cycle(day, T0 + k * HOUR, rules);
}

function reportFile(rows: { op: string; ref: string; amount: number }[]): string {
  const file = path.join(tempDir(), 'report.csv');
  const lines = rows.map((r) => `${r.op},2026-11-16 08:40:00,Refund,,M-${r.ref},${(r.amount / 100).toFixed(2)},EUR`);
  writeFileSync(file, ['operationId,finishedAt,typeOfPayment,paymentSessionId,paymentSessionMerchantMetadata,paymentLocalAmount,currency', ...lines].join('\n'));
  return file;
}

const importReport = (t: TestLedger, file: string) =>
  importProviderReport(t.ledger, file, { timezone: 'UTC', refundAmountColumn: 'paymentLocalAmount', creditWindowDays: 5, clock: () => T0 + 6 * HOUR });

/** The refs of the succeeded payouts created for `extra` amounts, in order. */
const extraRefs = (count: number) => Array.from({ length: count }, (_, i) => `P${i + 1}`);

for (const dialect of DIALECTS) {
  for (const model of ['creation', 'success'] as const) {
    describeDialect(dialect, `several refunds in one interval, provider debiting on ${model}`, () => {
      let t: TestLedger;
      beforeEach(async () => {
        t = await createTestLedger(dialect);
      });
      afterEach(async () => t.cleanup());

      it('two refunds that only one pair of payouts adds up to: both pinned', async () => {
        const day = await busyLedger(t.ledger, model, 11, 600, [A, B]);
        const [a, b] = extraRefs(2).map((r) => day.idOf(r));
        await refundDuringBusyHour(day, model, extraRefs(2));
        const found = await exceptions(t.ledger);
        expect(found.map((e) => [e.kind, e.payout_id])).toEqual([
          ['suspected_manual_refund', a],
          ['suspected_manual_refund', b],
        ]);
      });

      it('three refunds that only one triple adds up to: all three pinned', async () => {
        const day = await busyLedger(t.ledger, model, 12, 600, [A, B, C]);
        const ids = extraRefs(3).map((r) => day.idOf(r));
        await refundDuringBusyHour(day, model, extraRefs(3));
        expect((await exceptions(t.ledger)).map((e) => [e.kind, e.payout_id])).toEqual(ids.map((id) => ['suspected_manual_refund', id]));
      });

      it('two refunds where two pairs fit: the payout in both is pinned, the others listed, then the daily report narrows them', async () => {
        // P1 and P2 are both 4,100.17: either could be the second refund next to P3.
        const day = await busyLedger(t.ledger, model, 13, 600, [A, A, B]);
        const [p1, p2, p3] = extraRefs(3).map((r) => day.idOf(r));
        await refundDuringBusyHour(day, model, ['P1', 'P3']);
        let found = await exceptions(t.ledger);
        expect(found.map((e) => [e.kind, e.payout_id, e.status])).toEqual([
          ['suspected_manual_refund', p3, 'open'],
          ['unexplained_balance_change', null, 'open'],
        ]);
        const open = found[1]!;
        expect((open.details.candidates as { payout_id: number }[][]).map((c) => c.map((p) => p.payout_id)).sort()).toEqual([[p1], [p2]]);
        expect(open.details).toMatchObject({ amount: A + B, candidate_search: { pinned_payout_ids: [p3], unpinned_amount: A } });
        expect(open.summary).toMatch(/2 combinations of payouts add up to it: P[12] \| P[12]; refunded for certain: P3$/);

        const imported = await importReport(t, reportFile([{ op: 'op_1', ref: 'P1', amount: A }]));
        expect(imported.closedExceptions).toEqual([open.id]);
        found = await exceptions(t.ledger);
        expect(found.map((e) => [e.kind, e.payout_id, e.status])).toEqual([
          ['suspected_manual_refund', p3, 'open'],
          ['unexplained_balance_change', null, 'resolved'],
          ['suspected_manual_refund', p1, 'open'],
        ]);
        expect(found[1]!.resolution_note).toBe('narrowed to one combination of refunded payouts (P1) by later evidence');
        expect(found[2]!.details).toMatchObject({ state: 'confirmed', sources: ['balance', 'report'] });
        // The report's refund was seen on the balance: it explains nothing else.
        const movement = await t.ledger.db.selectFrom('balance_movements').select('details').executeTakeFirstOrThrow();
        expect(JSON.parse(movement.details!)).toHaveProperty('seen_on_balance');
        expect(found.some((e) => e.payout_id === p2)).toBe(false);
      });

      it('three refunds where two triples fit: listed, then narrowed by the daily report', async () => {
        const day = await busyLedger(t.ledger, model, 14, 600, [A, A, B, C]);
        const [p1, p2, p3, p4] = extraRefs(4).map((r) => day.idOf(r));
        await refundDuringBusyHour(day, model, ['P2', 'P3', 'P4']);
        let found = await exceptions(t.ledger);
        expect(found.map((e) => [e.kind, e.payout_id])).toEqual([
          ['suspected_manual_refund', p3],
          ['suspected_manual_refund', p4],
          ['unexplained_balance_change', null],
        ]);
        expect((found[2]!.details.candidates as { payout_id: number }[][]).map((c) => c.map((p) => p.payout_id)).sort()).toEqual([[p1], [p2]]);
        await importReport(t, reportFile([{ op: 'op_7', ref: 'P2', amount: A }, { op: 'op_8', ref: 'P4', amount: C }]));
        found = await exceptions(t.ledger);
        expect(found.find((e) => e.kind === 'unexplained_balance_change')!.status).toBe('resolved');
        expect(found.filter((e) => e.kind === 'suspected_manual_refund').map((e) => e.payout_id).sort()).toEqual([p2, p3, p4].sort());
      });
    });
  }
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'a rise that may contain a refund', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      await setPayoutsWatermark(t.ledger, T0 + 30 * DAY);
    });
    afterEach(async () => t.cleanup());

    it('a refund and a top-up not imported yet: one unexplained rise that names the payouts the refund could be', async () => {
      const a = await insertPayout(t.ledger, { providerPayoutId: 'A', amount: 50_00, createdAt: T0 - 5 * DAY });
      const b = await insertPayout(t.ledger, { providerPayoutId: 'B', amount: 75_50, createdAt: T0 - 4 * DAY });
      await insertPayout(t.ledger, { providerPayoutId: 'C', amount: 9_000_00, createdAt: T0 - 4 * DAY }); // more than the rise
      await storeBalanceSnapshot(t.ledger, [{ walletId: 'w', currency: 'EUR', amount: 1_000_00 }], T0);
      await storeBalanceSnapshot(t.ledger, [{ walletId: 'w', currency: 'EUR', amount: 1_000_00 + 5_000_00 + 75_50 }], T0 + HOUR);
      await runRefundMonitor(t.ledger, 'EUR', rulesFor('success'), T0 + 2 * HOUR);
      const [e, more] = await exceptions(t.ledger);
      expect(more).toBeUndefined();
      expect(e).toMatchObject({ kind: 'unexplained_balance_change' });
      expect(e!.summary).toMatch(/it may contain a refund \(with a top-up not imported yet\) of one of these payouts: B, A$/);
      expect((e!.details.may_contain_refund_of as { payout_id: number }[]).map((p) => p.payout_id)).toEqual([b, a]);
    });
  });
}
