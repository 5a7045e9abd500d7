/**
 * Manual refunds on busy days, against the Smart Glocal sandbox under each
 * debit model: the sandbox holds payouts at creation and releases failures
 * (`creation`) or debits them when they succeed (`success`), and the ledger
 * sees every change only when the next sync runs.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runRefundMonitor } from '../../src/monitoring/refund-monitor.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { busyLedger, cycle, exceptions, HOUR, rulesFor, T0, uniqueSucceeded } from '../helpers/busy-ledger.js';

for (const dialect of DIALECTS) {
  for (const model of ['creation', 'success'] as const) {
    describeDialect(dialect, `busy days, provider debiting on ${model}`, () => {
      let t: TestLedger;
      beforeEach(async () => {
        t = await createTestLedger(dialect);
      });
      afterEach(async () => t.cleanup());

      it('a refund while 213 payouts settle (15 % failing) and 30 are created is pinned on exactly that payout', async () => {
        const day = await busyLedger(t.ledger, model, 7);
        const rules = rulesFor(model);
        await cycle(day, T0, rules);
        for (let i = 0; i < 30; i++) day.create(T0 + HOUR + i * 60_000, 'EUR', 10_00 + Math.floor(day.random() * 300_000));
        day.settle(150, 0.15);
        const refunded = day.refund(uniqueSucceeded(day));
        await day.sync(T0 + 2 * HOUR);
        day.settle(63, 0.15); // settled after the sync, before the snapshot: observed by the next sync only
        await day.snapshot(T0 + 2 * HOUR + 30_000);
        await runRefundMonitor(t.ledger, 'EUR', rules, T0 + 2 * HOUR + 60_000);
        for (let k = 3; k < 6; k++) await cycle(day, T0 + k * HOUR, rules);
        const found = await exceptions(t.ledger);
        expect(found.map((e) => [e.kind, e.payout_id])).toEqual([['suspected_manual_refund', refunded.id]]);
        expect(found[0]!.details).toMatchObject({ amount: refunded.amount, sources: ['balance'] });
      });
    });
  }
}
