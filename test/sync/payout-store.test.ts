import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PayoutObservation } from '../../src/domain/payout-observation.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { recordPayoutStatuses, upsertPayouts } from '../../src/ledger/payout-store.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';

const T0 = Date.UTC(2026, 9, 1, 12);

function observation(id: string, patch: Partial<PayoutObservation> = {}): PayoutObservation {
  return {
    provider: 'smart2pay',
    providerPayoutId: id,
    merchantTransactionId: `mt-${id}`,
    sessionId: null,
    siteId: '1010',
    amount: 12_345,
    currency: 'EUR',
    createdAt: T0,
    status: 'open',
    providerStatus: '1',
    providerStatusInfo: 'Open',
    reasons: [],
    method: 'bank_account',
    providerMethod: '1',
    purpose: 'SALARY_PAYMENT',
    country: 'DE',
    description: 'SALARY_PAYMENT',
    raw: JSON.stringify({ ID: Number(id), v: 1 }),
    ...patch,
  };
}

async function payout(ledger: Ledger, id: string) {
  return ledger.db.selectFrom('payouts').selectAll().where('provider_payout_id', '=', id).executeTakeFirstOrThrow();
}

async function history(ledger: Ledger, id: string) {
  return ledger.db
    .selectFrom('payout_status_history as h')
    .innerJoin('payouts as p', 'p.id', 'h.payout_id')
    .select(['h.status', 'h.previous_status', 'h.provider_status', 'h.source', 'h.observed_at', 'h.regression', 'h.reasons'])
    .where('p.provider_payout_id', '=', id)
    .orderBy('h.id')
    .execute();
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'payout store', () => {
    let t: TestLedger;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('inserts new payouts with their first status in the history', async () => {
      const counts = await upsertPayouts(t.ledger, [observation('1'), observation('2', { status: 'succeeded', providerStatus: '2' })], {
        source: 'list',
        now: T0 + 1000,
      });
      expect(counts).toEqual({ received: 2, inserted: 2, updated: 0, unchanged: 0, statusChanges: 0, regressions: 0 });
      const one = await payout(t.ledger, '1');
      expect(one).toMatchObject({
        amount: 12_345,
        currency: 'EUR',
        created_at: T0,
        status: 'open',
        method: 'bank_account',
        purpose: 'SALARY_PAYMENT',
        purpose_source: 'provider',
        first_seen_at: T0 + 1000,
        updated_at: T0 + 1000,
        status_changed_at: T0 + 1000,
        final_at: null,
        reasons: null,
      });
      expect((await payout(t.ledger, '2')).final_at).toBe(T0 + 1000);
      expect(await history(t.ledger, '1')).toEqual([
        { status: 'open', previous_status: null, provider_status: '1', source: 'list', observed_at: T0 + 1000, regression: 0, reasons: null },
      ]);
    });

    it('is idempotent: the same observation again writes nothing, not even updated_at', async () => {
      await upsertPayouts(t.ledger, [observation('1')], { source: 'list', now: T0 });
      const before = await payout(t.ledger, '1');
      const counts = await upsertPayouts(t.ledger, [observation('1'), observation('1')], { source: 'list', now: T0 + 60_000 });
      expect(counts).toMatchObject({ received: 2, inserted: 0, updated: 0, unchanged: 2 });
      expect(await payout(t.ledger, '1')).toEqual(before);
      expect(await history(t.ledger, '1')).toHaveLength(1);
    });

    it('records each status change with its source, sets final_at once, flags leaving succeeded as a regression', async () => {
      await upsertPayouts(t.ledger, [observation('1')], { source: 'list', now: T0 });
      const c1 = await upsertPayouts(t.ledger, [observation('1', { status: 'succeeded', providerStatus: '2', providerStatusInfo: 'Success' })], {
        source: 'get',
        now: T0 + 10,
      });
      expect(c1).toMatchObject({ updated: 1, statusChanges: 1, regressions: 0 });
      const reversed = await recordPayoutStatuses(
        t.ledger,
        [
          {
            provider: 'smart2pay',
            providerPayoutId: '1',
            status: 'cancelled',
            providerStatus: '3',
            providerStatusInfo: 'Cancelled',
            reasons: [{ code: '1303', info: 'Reversed' }],
          },
        ],
        { source: 'poll', now: T0 + 20 },
      );
      expect(reversed).toEqual({ received: 1, changed: 1, unchanged: 0, unknownPayouts: 0, regressions: 1 });
      const row = await payout(t.ledger, '1');
      expect(row).toMatchObject({ status: 'cancelled', final_at: T0 + 10, status_changed_at: T0 + 20, last_polled_at: T0 + 20 });
      expect(row.reasons).toBe(JSON.stringify([{ code: '1303', info: 'Reversed' }]));
      expect(JSON.parse(row.raw)).toEqual({ ID: 1, v: 1 }); // a status-only observation keeps the payload
      expect((await history(t.ledger, '1')).map((h) => [h.previous_status, h.status, h.source, h.regression])).toEqual([
        [null, 'open', 'list', 0],
        ['open', 'succeeded', 'get', 0],
        ['succeeded', 'cancelled', 'poll', 1],
      ]);
      // Polling the same status again changes nothing but the poll time.
      const again = await recordPayoutStatuses(
        t.ledger,
        [{ provider: 'smart2pay', providerPayoutId: '1', status: 'cancelled', providerStatus: '3', providerStatusInfo: 'Cancelled', reasons: [{ code: '1303', info: 'Reversed' }] }],
        { source: 'poll', now: T0 + 30 },
      );
      expect(again).toMatchObject({ changed: 0, unchanged: 1 });
      expect(await payout(t.ledger, '1')).toMatchObject({ updated_at: T0 + 20, last_polled_at: T0 + 30 });
      expect(await history(t.ledger, '1')).toHaveLength(3);
    });

    it('a provider status change within the same normalized status is a change too; unknown payouts are skipped', async () => {
      await upsertPayouts(t.ledger, [observation('1', { status: 'pending', providerStatus: '6' })], { source: 'list', now: T0 });
      const c = await upsertPayouts(t.ledger, [observation('1', { status: 'pending', providerStatus: '7' })], { source: 'list', now: T0 + 1 });
      expect(c.statusChanges).toBe(1);
      const s = await recordPayoutStatuses(
        t.ledger,
        [{ provider: 'smart2pay', providerPayoutId: '999', status: 'failed', providerStatus: '4', providerStatusInfo: null, reasons: [] }],
        { source: 'poll', now: T0 + 2 },
      );
      expect(s.unknownPayouts).toBe(1);
    });

    it('never erases what the provider did not say, nor a purpose from the internal record', async () => {
      await upsertPayouts(t.ledger, [observation('1')], { source: 'get', now: T0 });
      // A list row with fewer details: no description, no method, no country.
      const thin = observation('1', { description: null, purpose: null, method: 'unknown', providerMethod: null, country: null, raw: '{"ID":1}' });
      expect(await upsertPayouts(t.ledger, [thin], { source: 'list', now: T0 + 1 })).toMatchObject({ unchanged: 1 });
      expect(await payout(t.ledger, '1')).toMatchObject({ method: 'bank_account', description: 'SALARY_PAYMENT', country: 'DE', purpose: 'SALARY_PAYMENT' });
      // The matcher set the purpose from the internal record; the provider must not touch it.
      await t.ledger.db.updateTable('payouts').set({ purpose: 'FAMILY_SUPPORT', purpose_source: 'internal' }).execute();
      await upsertPayouts(t.ledger, [observation('1', { purpose: 'EDUCATION', description: 'EDUCATION' })], { source: 'list', now: T0 + 2 });
      expect(await payout(t.ledger, '1')).toMatchObject({ purpose: 'FAMILY_SUPPORT', purpose_source: 'internal', description: 'EDUCATION' });
      // A real change replaces the payload and moves updated_at.
      await upsertPayouts(t.ledger, [observation('1', { amount: 999, raw: '{"ID":1,"v":2}' })], { source: 'list', now: T0 + 3 });
      expect(await payout(t.ledger, '1')).toMatchObject({ amount: 999, raw: '{"ID":1,"v":2}', updated_at: T0 + 3 });
    });

    it('applies several observations of one payout in one batch in order', async () => {
      const counts = await upsertPayouts(
        t.ledger,
        [observation('1'), observation('1', { status: 'succeeded', providerStatus: '2' }), observation('1', { status: 'succeeded', providerStatus: '2' })],
        { source: 'notification', now: T0 },
      );
      expect(counts).toEqual({ received: 3, inserted: 1, updated: 1, unchanged: 1, statusChanges: 1, regressions: 0 });
      expect((await history(t.ledger, '1')).map((h) => h.status)).toEqual(['open', 'succeeded']);
      expect(await payout(t.ledger, '1')).toMatchObject({ status: 'succeeded', final_at: T0 });
    });

    it('writes a large batch in one transaction', async () => {
      const many = Array.from({ length: 2500 }, (_x, i) => observation(String(i + 1), { createdAt: T0 + i }));
      const counts = await upsertPayouts(t.ledger, many, { source: 'list', now: T0 });
      expect(counts.inserted).toBe(2500);
      const again = await upsertPayouts(t.ledger, [...many.slice(0, 10), observation('5000')], { source: 'list', now: T0 });
      expect(again).toMatchObject({ inserted: 1, unchanged: 10 });
      const { n } = await t.ledger.db.selectFrom('payout_status_history').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n)).toBe(2501);
    });
  });
}
