/**
 * Manual refunds on busy days, against the Smart Glocal sandbox under each
 * debit model: the sandbox holds payouts at creation and releases failures
 * (`creation`) or debits them when they succeed (`success`), and the ledger
 * sees every change only when the next sync runs.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { type RefundMonitorRules, runRefundMonitor } from '../../src/monitoring/refund-monitor.js';
import { SmartGlocalSandbox, type SandboxDebitModel } from '../../src/providers/sandbox/smartglocal-sandbox.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { BusyLedger, seededRandom, simulateActivity } from '../helpers/busy-ledger.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-16T08:00:00Z');
const rulesFor = (debitOn: RefundMonitorRules['debitOn']): RefundMonitorRules => ({
  debitOn,
  refundLookbackDays: 90,
  refundMaxPayouts: 3,
  observationLagHours: 6,
  topupWindowDays: 5,
});

async function exceptions(ledger: Ledger) {
  const rows = await ledger.db.selectFrom('exceptions').selectAll().orderBy('id').execute();
  return rows.map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> }));
}

/** 3,250 payouts over 30 days (the last 250 still open), synced, and a first snapshot. */
async function busyLedger(ledger: Ledger, model: SandboxDebitModel, seed: number, count = 3_250): Promise<BusyLedger> {
  const random = seededRandom(seed);
  const day = new BusyLedger(ledger, new SmartGlocalSandbox({ debitOn: model, balances: { EUR: 900_000_00 } }), random);
  for (let i = 0; i < count; i++) {
    const ref = day.create(T0 - 30 * DAY + i * Math.floor((29 * DAY) / count), 'EUR', 10_00 + Math.floor(random() * 300_000));
    if (i < count - 250) day.finish(ref, random() < 0.15 ? 'failed' : 'succeeded');
  }
  await day.sync(T0 - 2 * HOUR);
  await day.snapshot(T0 - HOUR);
  return day;
}

/** A succeeded bank payout whose amount no other payout has (so one refund of it can only be it). */
function uniqueSucceeded(day: BusyLedger, skip = 0): string {
  const counts = new Map<number, number>();
  for (const p of day.payouts.values()) counts.set(p.amount, (counts.get(p.amount) ?? 0) + 1);
  return [...day.payouts.values()].filter((p) => p.status === 'succeeded' && counts.get(p.amount) === 1)[skip]!.ref;
}

async function cycle(day: BusyLedger, at: number, rules: RefundMonitorRules) {
  await day.sync(at);
  await day.snapshot(at + 30_000);
  return runRefundMonitor(day.ledger, 'EUR', rules, at + 60_000);
}

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
