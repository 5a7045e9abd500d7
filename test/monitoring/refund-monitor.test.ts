import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { storeBalanceSnapshot } from '../../src/monitoring/balance-check.js';
import { recordRegressionSuspicions, type RefundMonitorRules, runRefundMonitor } from '../../src/monitoring/refund-monitor.js';
import { importProviderReport } from '../../src/imports/provider-report.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import {
  type BalanceSandbox,
  DAY,
  HOUR,
  insertPayout,
  insertRegression,
  observeStatus,
  setPayoutsWatermark,
  startBalanceSandbox,
  writeProject,
} from '../helpers/monitoring-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const RULES: RefundMonitorRules = { debitOn: 'success', refundLookbackDays: 90, refundMaxPayouts: 3, observationLagHours: 6, topupWindowDays: 5 };

async function exceptions(ledger: Ledger, kind?: string) {
  let q = ledger.db.selectFrom('exceptions').selectAll().orderBy('id');
  if (kind) q = q.where('kind', '=', kind);
  return (await q.execute()).map((e) => ({ ...e, details: JSON.parse(e.details) as Record<string, unknown> }));
}

async function snapshot(ledger: Ledger, amount: number, at: number, currency = 'EUR') {
  await storeBalanceSnapshot(ledger, [{ walletId: `wlt_${currency.toLowerCase()}`, currency, amount }], at);
}

/** Payouts every scenario starts with; only `refunded` can explain a refund of 120.00 EUR. */
async function standardPayouts(ledger: Ledger, now: number) {
  const refunded = await insertPayout(ledger, { providerPayoutId: '1001', amount: 120_00, createdAt: now - 3 * DAY });
  await insertPayout(ledger, { providerPayoutId: '1002', amount: 75_50, createdAt: now - 3 * DAY });
  await insertPayout(ledger, { providerPayoutId: '1003', amount: 120_00, method: 'wallet', createdAt: now - 2 * DAY }); // not a bank payout
  await insertPayout(ledger, { providerPayoutId: '1004', amount: 120_00, createdAt: now - 120 * DAY }); // beyond the look-back
  await insertPayout(ledger, { providerPayoutId: '1005', amount: 120_00, status: 'pending', createdAt: now - DAY }); // not succeeded
  await insertPayout(ledger, { providerPayoutId: '1006', amount: 120_00, currency: 'USD', createdAt: now - 2 * DAY }); // other currency
  return refunded;
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'manual refunds caught on the prefunding balance (CLI against the sandbox)', () => {
    let t: TestLedger;
    let sb: BalanceSandbox;
    let cwd: string;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      sb = await startBalanceSandbox({ EUR: 10_000_00, USD: 5_000_00 });
      cwd = writeProject(tempDir(), { databaseUrl: t.url, sandboxUrl: sb.server.url, project: sb.project });
    });
    afterEach(async () => {
      await sb.server.close();
      await t.cleanup();
    });
    const cli = async (...args: string[]) => {
      const run = await runCliInProcess([...args, '--json'], { cwd });
      expect(run.exitCode, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };

    it('a manual refund planted in the sandbox (balance credited, status untouched) is flagged on exactly that payout', async () => {
      const now = Date.now();
      const refunded = await standardPayouts(t.ledger, now);
      await setPayoutsWatermark(t.ledger, now + HOUR); // the sync is past both snapshots
      await cli('balance');
      sb.sandbox.plantManualRefund({ amount: 120_00, currency: 'EUR' });
      const second = await cli('balance');
      expect(second.refunds).toEqual([
        expect.objectContaining({ currency: 'EUR', intervals_checked: 1, suspected_payouts: [refunded], unexplained_increases: 0 }),
        expect.objectContaining({ currency: 'USD', intervals_checked: 1, suspected_payouts: [], unexplained_increases: 0 }),
      ]);
      const found = await exceptions(t.ledger);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ kind: 'suspected_manual_refund', status: 'open', payout_id: refunded, fingerprint: `suspected_manual_refund:payout:${refunded}` });
      expect(found[0]!.summary).toBe('suspected manual refund of EUR 120.00 for bank payout 1001 (M-1001): money back on the balance');
      expect(found[0]!.details).toMatchObject({
        state: 'suspected',
        amount: 120_00,
        currency: 'EUR',
        sources: ['balance'],
        payout: { id: refunded, provider_payout_id: '1001', method: 'bank_account' },
        candidates: [expect.objectContaining({ payout_id: refunded, amount: 120_00 })],
        evidence: [
          expect.objectContaining({
            source: 'balance',
            increase: 120_00,
            from: expect.objectContaining({ amount: 10_000_00 }) as unknown,
            to: expect.objectContaining({ amount: 10_120_00 }) as unknown,
            debited: 0,
            released: 0,
          }),
        ],
      });
      // It is an alert too, announced once.
      expect((second.alerts as { condition_key: string; notified: string }[]).find((a) => a.condition_key === `suspected_manual_refund:payout:${refunded}`)).toMatchObject({
        notified: 'fired',
      });
      const third = await cli('balance');
      expect(third.refunds).toEqual([expect.objectContaining({ intervals_checked: 1, suspected_payouts: [] }), expect.anything()]);
      expect(await exceptions(t.ledger)).toHaveLength(1);
      expect((third.alerts as { notified: string | null }[]).every((a) => a.notified === null)).toBe(true);
    });

    it('a top-up of the same amount imported first is not flagged', async () => {
      const now = Date.now();
      await standardPayouts(t.ledger, now);
      await setPayoutsWatermark(t.ledger, now + HOUR);
      await cli('balance');
      const file = path.join(cwd, 'topups.csv');
      const today = new Date(now).toISOString().slice(0, 10);
      writeFileSync(file, `date,currency,amount,reference\n${today},EUR,120.00,WIRE-2026-001\n`);
      expect(await cli('import', file, '--kind', 'topups')).toMatchObject({ kind: 'topups', rows: 1, inserted: 1, unchanged: 0 });
      sb.sandbox.topUp('EUR', 120_00, 'WIRE-2026-001');
      const second = await cli('balance');
      expect(second.refunds).toEqual([
        expect.objectContaining({ currency: 'EUR', explained_by_topups_or_reported_refunds: 1, suspected_payouts: [], unexplained_increases: 0 }),
        expect.anything(),
      ]);
      expect(await exceptions(t.ledger)).toEqual([]);
      const topup = await t.ledger.db.selectFrom('balance_movements').selectAll().executeTakeFirstOrThrow();
      expect(JSON.parse(topup.details!)).toMatchObject({ seen_on_balance: expect.any(Object) as unknown });
      // The same amount coming back once more is no longer the top-up: it is the refund.
      sb.sandbox.plantManualRefund({ amount: 120_00, currency: 'EUR' });
      await cli('balance');
      expect((await exceptions(t.ledger)).map((e) => e.kind)).toEqual(['suspected_manual_refund']);
    });

    it('a top-up imported after the increase was flagged closes the suspicion', async () => {
      const now = Date.now();
      await standardPayouts(t.ledger, now);
      await setPayoutsWatermark(t.ledger, now + HOUR);
      await cli('balance');
      sb.sandbox.topUp('EUR', 120_00);
      await cli('balance');
      expect((await exceptions(t.ledger)).map((e) => [e.kind, e.status])).toEqual([['suspected_manual_refund', 'open']]);
      const file = path.join(cwd, 'topups.csv');
      writeFileSync(file, `date,currency,amount,reference\n${new Date(now).toISOString()},EUR,120.00,WIRE-9\n`);
      const imported = await cli('import', file, '--kind', 'topups');
      expect(imported.closedExceptions).toHaveLength(1);
      const [closed] = await exceptions(t.ledger);
      expect(closed).toMatchObject({ status: 'resolved', resolved_by: 'system', resolution_note: 'the balance increase was top-up WIRE-9 (EUR 120.00), imported later' });
      const third = await cli('balance');
      expect((third.resolved_alerts as { kind: string; state: string; notified: string }[]).find((a) => a.kind === 'suspected_manual_refund')).toMatchObject({
        state: 'resolved',
        notified: 'resolved',
      });
    });

    it('waits for the sync to pass the later snapshot before judging an interval', async () => {
      const now = Date.now();
      const refunded = await standardPayouts(t.ledger, now);
      await setPayoutsWatermark(t.ledger, now - HOUR);
      await cli('balance');
      sb.sandbox.plantManualRefund({ amount: 120_00, currency: 'EUR' });
      const waiting = await cli('balance');
      expect(waiting.refunds).toEqual([expect.objectContaining({ currency: 'EUR', intervals_checked: 0, waiting_for_sync: 2 }), expect.anything()]);
      expect(await exceptions(t.ledger)).toEqual([]);
      await setPayoutsWatermark(t.ledger, Date.now() + HOUR);
      const caughtUp = await cli('balance');
      expect(caughtUp.refunds).toEqual([expect.objectContaining({ intervals_checked: 2, suspected_payouts: [refunded] }), expect.anything()]);
    });
  });

  describeDialect(dialect, 'refund monitor rules', () => {
    let t: TestLedger;
    const T0 = Date.parse('2026-11-16T08:00:00Z');
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      await setPayoutsWatermark(t.ledger, T0 + 30 * DAY);
    });
    afterEach(async () => t.cleanup());

    it('several payouts of that amount: an unexplained balance change listing them', async () => {
      const a = await insertPayout(t.ledger, { providerPayoutId: 'A', amount: 50_00, createdAt: T0 - 5 * DAY });
      const b = await insertPayout(t.ledger, { providerPayoutId: 'B', amount: 50_00, createdAt: T0 - 4 * DAY });
      await snapshot(t.ledger, 1_000_00, T0);
      await snapshot(t.ledger, 1_050_00, T0 + HOUR);
      const outcome = await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 2 * HOUR);
      expect(outcome.evaluated.map((i) => i.verdict)).toEqual(['unexplained_balance_change']);
      const [e] = await exceptions(t.ledger);
      expect(e).toMatchObject({ kind: 'unexplained_balance_change', payout_id: null, fingerprint: `unexplained_balance_change:EUR:${T0}:${T0 + HOUR}` });
      expect(e!.summary).toBe(
        'prefunding balance rose EUR 50.00 more than the ledger explains between 2026-11-16T08:00:00.000Z and 2026-11-16T09:00:00.000Z: 2 payouts add up to it: B | A',
      );
      expect(e!.details).toMatchObject({ amount: 50_00, currency: 'EUR', candidate_search: { size: 1 } });
      expect((e!.details.candidates as { payout_id: number }[][]).map((s) => s.map((c) => c.payout_id)).sort()).toEqual([[a], [b]].sort());
    });

    it('no payout fits: an unexplained balance change without candidates', async () => {
      await insertPayout(t.ledger, { providerPayoutId: 'A', amount: 50_00, createdAt: T0 - 5 * DAY });
      await snapshot(t.ledger, 1_000_00, T0);
      await snapshot(t.ledger, 1_033_33, T0 + HOUR);
      await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 2 * HOUR);
      const [e] = await exceptions(t.ledger);
      expect(e).toMatchObject({ kind: 'unexplained_balance_change' });
      expect(e!.details).toMatchObject({ amount: 33_33, candidates: [], reason: expect.stringMatching(/^no succeeded bank payout \(or up to 3 together\)/) as unknown });
    });

    it('a unique combination of payouts: each of them is suspected, with the others as candidates', async () => {
      // Not a whole amount: a rise of whole euros is read as a likelier un-imported top-up and never pinned.
      const a = await insertPayout(t.ledger, { providerPayoutId: 'A', amount: 40_10, createdAt: T0 - 5 * DAY });
      const b = await insertPayout(t.ledger, { providerPayoutId: 'B', amount: 65_25, createdAt: T0 - 4 * DAY });
      await insertPayout(t.ledger, { providerPayoutId: 'C', amount: 99_40, createdAt: T0 - 4 * DAY });
      await snapshot(t.ledger, 1_000_00, T0);
      await snapshot(t.ledger, 1_105_35, T0 + HOUR);
      await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 2 * HOUR);
      const found = await exceptions(t.ledger);
      expect(found.map((e) => [e.kind, e.payout_id])).toEqual([
        ['suspected_manual_refund', a],
        ['suspected_manual_refund', b],
      ]);
      expect(found[0]!.details.candidates).toEqual([expect.objectContaining({ payout_id: a }), expect.objectContaining({ payout_id: b })]);
    });

    it('debits and releases in the interval are expected; a debit observed late is not a refund', async () => {
      const p = await insertPayout(t.ledger, { providerPayoutId: 'P', amount: 300_00, status: 'pending', createdAt: T0 - HOUR });
      const q = await insertPayout(t.ledger, { providerPayoutId: 'Q', amount: 300_00, status: 'pending', createdAt: T0 - HOUR });
      await snapshot(t.ledger, 1_000_00, T0);
      // The provider debits P before the next snapshot; we observe it only after.
      await snapshot(t.ledger, 700_00, T0 + HOUR);
      await observeStatus(t.ledger, p, 'pending', 'succeeded', T0 + HOUR + 5 * 60_000);
      // Q succeeds and is observed within the next interval.
      await observeStatus(t.ledger, q, 'pending', 'succeeded', T0 + HOUR + 10 * 60_000);
      await snapshot(t.ledger, 400_00, T0 + 2 * HOUR);
      const outcome = await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 3 * HOUR);
      // P may have been debited on either side of the middle snapshot: both intervals are judged together, exactly.
      expect(outcome.evaluated.map((i) => [i.verdict, i.intervals, i.debited, i.residual, i.increase])).toEqual([['as_expected', 2, 600_00, 0, 0]]);
      expect(await exceptions(t.ledger)).toEqual([]);
      // Evaluated once: a re-run has nothing to do.
      expect((await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 3 * HOUR)).evaluated).toEqual([]);
    });

    it('debitOn creation: payouts are debited when created and released when they fail', async () => {
      await snapshot(t.ledger, 1_000_00, T0);
      await insertPayout(t.ledger, { providerPayoutId: 'N', amount: 200_00, status: 'pending', createdAt: T0 + 10 * 60_000 });
      const f = await insertPayout(t.ledger, { providerPayoutId: 'F', amount: 100_00, status: 'pending', createdAt: T0 + 20 * 60_000 });
      await observeStatus(t.ledger, f, 'pending', 'failed', T0 + 30 * 60_000);
      await snapshot(t.ledger, 800_00, T0 + HOUR);
      const outcome = await runRefundMonitor(t.ledger, 'EUR', { ...RULES, debitOn: 'creation' }, T0 + 2 * HOUR);
      expect(outcome.evaluated).toEqual([expect.objectContaining({ debited: 300_00, released: 100_00, residual: 0, verdict: 'as_expected' })]);
    });

    it('a regression seen by the poller is suspected; the provider report row confirms it', async () => {
      const p = await insertPayout(t.ledger, { providerPayoutId: '77', amount: 250_00, sessionId: 'ps_77', createdAt: T0 - 10 * DAY });
      await insertRegression(t.ledger, p, 'failed', T0);
      expect(await recordRegressionSuspicions(t.ledger, 90, T0 + HOUR)).toEqual([p]);
      expect(await recordRegressionSuspicions(t.ledger, 90, T0 + 2 * HOUR)).toEqual([]); // idempotent
      let [e] = await exceptions(t.ledger);
      expect(e!.details).toMatchObject({ state: 'suspected', sources: ['regression'], evidence: [expect.objectContaining({ source: 'regression', previous_status: 'succeeded', status: 'failed' })] });

      const file = path.join(tempDir(), 'report.csv');
      writeFileSync(
        file,
        [
          'operationId,transactionDate,finishedAt,typeOfPayment,paymentSessionId,paymentSessionMerchantMetadata,grossLocalAmount,paymentLocalAmount,feesLocalAmount,currency,RRN',
          'op_1,2026-11-06,2026-11-06 10:00:00,Advice,ps_77,M-77,251.00,250.00,1.00,EUR,111',
          'op_2,2026-11-16,2026-11-16 07:30:00,Refund,ps_77,M-77,-250.00,-250.00,0.00,EUR,222',
        ].join('\n'),
      );
      const imported = await importProviderReport(t.ledger, file, {
        timezone: 'UTC',
        refundAmountColumn: 'paymentLocalAmount',
        creditWindowDays: 5,
        clock: () => T0 + 3 * HOUR,
      });
      expect(imported).toMatchObject({ rows: 2, advices: 1, refunds: 1, inserted: 1, linked: 1, confirmed: [p], suspected: 0 });
      [e] = await exceptions(t.ledger);
      expect(e!.details).toMatchObject({
        state: 'confirmed',
        amount: 250_00,
        currency: 'EUR',
        sources: ['regression', 'report'],
        evidence: [
          expect.objectContaining({ source: 'regression' }),
          expect.objectContaining({ source: 'report', operation_id: 'op_2', row: 3, amount: 250_00, payment_session_id: 'ps_77', rrn: '222' }),
        ],
      });
      expect(e!.summary).toBe('confirmed manual refund of EUR 250.00 for bank payout 77 (M-77): status left succeeded, Refund in the provider report');
      const movement = await t.ledger.db.selectFrom('balance_movements').selectAll().executeTakeFirstOrThrow();
      expect(movement).toMatchObject({ kind: 'refund', reference: 'op_2', amount: 250_00, payout_id: p, occurred_at: Date.parse('2026-11-16T07:30:00Z') });
    });

    it('a reported refund imported before the balance shows it explains the increase, and the balance confirms it', async () => {
      const p = await insertPayout(t.ledger, { providerPayoutId: '88', amount: 80_00, merchantTransactionId: 'ORDER-88', createdAt: T0 - 10 * DAY });
      const file = path.join(tempDir(), 'report.csv');
      writeFileSync(
        file,
        'operationId,finishedAt,typeOfPayment,paymentSessionId,paymentSessionMerchantMetadata,grossLocalAmount,paymentLocalAmount,feesLocalAmount,currency,RRN\n' +
          'op_9,2026-11-16 08:10:00,Refund,,"{""merchant_transaction_id"":""ORDER-88""}",80.00,80.00,0,eur,\n',
      );
      const imported = await importProviderReport(t.ledger, file, { timezone: 'UTC', refundAmountColumn: 'paymentLocalAmount', creditWindowDays: 5, clock: () => T0 });
      expect(imported).toMatchObject({ linked: 1, suspected: 1, confirmed: [] });
      await snapshot(t.ledger, 1_000_00, T0);
      await snapshot(t.ledger, 1_080_00, T0 + HOUR);
      const outcome = await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 2 * HOUR);
      expect(outcome.evaluated).toEqual([expect.objectContaining({ verdict: 'pending_credits', payoutIds: [p] })]);
      const found = await exceptions(t.ledger);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ kind: 'suspected_manual_refund', payout_id: p });
      expect(found[0]!.details).toMatchObject({ state: 'confirmed', sources: ['balance', 'report'] });
    });

    it('a report imported after the balance flagged the payout confirms it, and the money is not counted twice', async () => {
      const p = await insertPayout(t.ledger, { providerPayoutId: '99', amount: 60_00, sessionId: 'ps_99', createdAt: T0 - 10 * DAY });
      await snapshot(t.ledger, 1_000_00, T0);
      await snapshot(t.ledger, 1_060_00, T0 + HOUR);
      await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + 2 * HOUR);
      const file = path.join(tempDir(), 'report.csv');
      writeFileSync(file, 'operationId,finishedAt,typeOfPayment,paymentSessionId,paymentLocalAmount,currency\nop_5,2026-11-16 08:30:00,Refund,ps_99,60.00,EUR\n');
      expect(
        await importProviderReport(t.ledger, file, { timezone: 'UTC', refundAmountColumn: 'paymentLocalAmount', creditWindowDays: 5, clock: () => T0 + 3 * HOUR }),
      ).toMatchObject({ confirmed: [p] });
      // Another 60.00 a day later is a new, unexplained increase (the reported refund was already seen).
      await snapshot(t.ledger, 1_120_00, T0 + DAY);
      await runRefundMonitor(t.ledger, 'EUR', RULES, T0 + DAY + HOUR);
      expect((await exceptions(t.ledger)).map((e) => [e.kind, (e.details as { state?: string }).state ?? null])).toEqual([
        ['suspected_manual_refund', 'confirmed'],
        ['unexplained_balance_change', null],
      ]);
    });
  });
}

describe('merchant reference in the report metadata', () => {
  it('is the text itself or a known key of a JSON object', async () => {
    const { merchantReference } = await import('../../src/imports/provider-report.js');
    expect(merchantReference('ORDER-1')).toBe('ORDER-1');
    expect(merchantReference('{"order_id": 42}')).toBe('42');
    expect(merchantReference('{"MerchantTransactionID":"M-1","x":1}')).toBe('M-1');
    expect(merchantReference('{"other":"x"}')).toBeNull();
    expect(merchantReference('has spaces')).toBeNull();
    expect(merchantReference(null)).toBeNull();
  });
});
