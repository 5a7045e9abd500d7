import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Smart2PayConfig } from '../../src/config/schema.js';
import { type Smart2PayClient } from '../../src/providers/smart2pay/client.js';
import { createSmart2PayClient } from '../../src/providers/smart2pay/from-config.js';
import {
  HOSTILE_SMART2PAY_FAULTS,
  type RunningSmart2PaySandbox,
  type Smart2PaySandboxOptions,
  startSmart2PaySandbox,
} from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { currencyExponent } from '../../src/shared/currencies.js';
import { ProviderError } from '../../src/shared/errors.js';
import { rescaleMinor } from '../../src/shared/money.js';
import { MS_PER_HOUR } from '../../src/shared/time.js';
import { pollSmart2PayStatuses } from '../../src/sync/status-poller.js';
import { syncSmart2PayPayouts } from '../../src/sync/smart2pay-sync.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { ledgerPayouts, smart2payConfig, watermarkOf } from '../helpers/smart2pay.js';

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'Smart2Pay sync against the sandbox over HTTP', () => {
    let t: TestLedger;
    let sandbox: RunningSmart2PaySandbox;
    const clients: Smart2PayClient[] = [];

    beforeEach(async () => {
      t = await createTestLedger(dialect);
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await sandbox?.close();
      await t.cleanup();
    });

    async function startSandbox(options: Smart2PaySandboxOptions) {
      sandbox = await startSmart2PaySandbox({ seed: 11, ...options });
      return sandbox;
    }

    function sync(config: Smart2PayConfig, extra: { since?: number; until?: number } = {}) {
      const client = createSmart2PayClient(config);
      clients.push(client);
      return syncSmart2PayPayouts({ ledger: t.ledger, client, config, now: Date.now(), ...extra });
    }

    function poll(config: Smart2PayConfig) {
      const client = createSmart2PayClient(config);
      clients.push(client);
      return pollSmart2PayStatuses({
        ledger: t.ledger,
        client,
        clock: Date.now,
        concurrency: config.poll.concurrency,
        recentlyFinalHours: config.poll.recentlyFinalHours,
      });
    }

    /** Every sandbox payout visible now and created before `before`, by ID. */
    function sandboxPayouts(before = Number.POSITIVE_INFINITY) {
      return new Map([...sandbox.sandbox.payouts()].filter((p) => p.createdAt < before).map((p) => [String(p.id), p]));
    }

    async function expectExactlyOnce() {
      const { payouts, first } = await t.ledger.db
        .selectFrom('payouts')
        .select((eb) => [
          eb.fn.countAll<number>().as('payouts'),
          eb
            .selectFrom('payout_status_history')
            .select((e) => e.fn.countAll<number>().as('n'))
            .where('previous_status', 'is', null)
            .as('first'),
        ])
        .executeTakeFirstOrThrow();
      // One row per payout (the unique key guarantees it), and exactly one first observation each.
      expect(Number(first)).toBe(Number(payouts));
    }

    it('lands all 21,500 payouts exactly once through a hostile provider, picks up late arrivals next run, and converges', async () => {
      const end = Date.now() - 5 * 60_000;
      await startSandbox({ count: 20_000, days: 1.5, end, bursts: [{ at: end - 3 * MS_PER_HOUR, count: 1500 }], faults: HOSTILE_SMART2PAY_FAULTS });
      const before = sandboxPayouts();
      expect(before.size).toBe(21_500);
      const config = smart2payConfig(sandbox, {
        syncFrom: new Date(end - 3 * 24 * MS_PER_HOUR).toISOString(),
        pageLimit: 1000,
        poll: { recentlyFinalHours: 0 },
        listWorker: true, // pages parsed in a worker thread, as in production
      });

      const first = await sync(config);
      expect(first.splits).toBeGreaterThan(0);
      expect(first.offsetPages).toBeGreaterThan(0); // the burst: 1,500 payouts in one second, pages of 400
      expect(first.retries).toBeGreaterThan(0);
      let ledger = await ledgerPayouts(t.ledger);
      for (const id of before.keys()) expect(ledger.has(id), `payout ${id}`).toBe(true);
      for (const id of ledger.keys()) expect(sandbox.sandbox.getPayout(Number(id)), `payout ${id}`).toBeDefined();
      expect(first.inserted).toBe(ledger.size);
      await expectExactlyOnce();
      expect(await watermarkOf(t.ledger)).toBe(first.to - (first.to % 1000));

      // Payouts that arrived while we paged (some backdated into walked windows) come with the next run.
      const arrived = sandbox.sandbox.stats.arrivals;
      expect(arrived).toBeGreaterThan(0);
      sandbox.sandbox.setFaults({ arrivalsPerListRequest: 0 });
      const second = await sync(config);
      ledger = await ledgerPayouts(t.ledger);
      const expected = sandboxPayouts(second.to);
      expect(ledger.size).toBe(expected.size);
      for (const id of expected.keys()) expect(ledger.has(id), `payout ${id}`).toBe(true);
      await expectExactlyOnce();
      expect(second.inserted).toBeGreaterThan(0);

      // Statuses converge once the provider calms down: a re-walk and a poll bring every change.
      sandbox.sandbox.resetFaults();
      await sync(config);
      const polled = await poll(config);
      expect(polled.missing).toBe(0);
      ledger = await ledgerPayouts(t.ledger);
      const mismatched = [...sandboxPayouts().values()].filter((p) => {
        const row = ledger.get(String(p.id));
        return (
          !row ||
          row.providerStatus !== String(p.statusId) ||
          row.currency !== p.currency ||
          row.amount !== rescaleMinor(p.amount, 2, currencyExponent(p.currency)) ||
          row.createdAt !== p.createdAt
        );
      });
      expect(mismatched).toEqual([]);
      expect(sandbox.sandbox.stats.statusChanges).toBeGreaterThan(0);
      const { regressions } = await t.ledger.db
        .selectFrom('payout_status_history')
        .select((eb) => eb.fn.sum<number>('regression').as('regressions'))
        .executeTakeFirstOrThrow();
      expect(Number(regressions)).toBeGreaterThan(0);
    }, 240_000); // a stress walk of 21,500 payouts through every fault: minutes on a busy 2-core machine

    it('fails a malformed page naming the window and the field; earlier windows stay committed', async () => {
      const end = Date.now() - 5 * 60_000;
      await startSandbox({ count: 3000, days: 2, end });
      const all = [...sandbox.sandbox.payouts()];
      const victim = all[2000]!;
      sandbox.sandbox.setFaults({ malformed: { payoutId: victim.id, field: 'Amount' }, maxPageSize: 200 });
      const config = smart2payConfig(sandbox, { syncFrom: new Date(end - 3 * 24 * MS_PER_HOUR).toISOString(), windowHours: 1 });
      const cacheSize = dialect === 'sqlite' ? await t.ledger.withSqlite((raw) => raw.pragma('cache_size', { simple: true })) : null;
      const error = await sync(config).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^smart2pay: sync window \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\.\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(UTC\\): ` +
            `GET /v1/payouts returned an unusable response: Payouts\\[\\d+\\] \\(ID ${victim.id}\\): Amount must be an integer amount`,
        ),
      );
      expect((error as ProviderError).exitCode).toBe(1);
      // The walk's smaller SQLite page cache is given back, failure or not.
      if (dialect === 'sqlite') expect(await t.ledger.withSqlite((raw) => raw.pragma('cache_size', { simple: true }))).toBe(cacheSize);
      const ledger = await ledgerPayouts(t.ledger);
      const watermark = await watermarkOf(t.ledger);
      expect(watermark).not.toBeNull();
      expect(watermark!).toBeLessThanOrEqual(victim.createdAt);
      // Everything created before the watermark is in; nothing of the broken window's second is half-written.
      const committed = all.filter((p) => p.createdAt < watermark!);
      expect(committed.length).toBeGreaterThan(1000);
      for (const p of committed) expect(ledger.has(String(p.id))).toBe(true);
      expect(ledger.has(String(victim.id))).toBe(false);
      // Once the provider serves it properly, the next run completes.
      sandbox.sandbox.setFaults({ malformed: null });
      await sync(config);
      expect((await ledgerPayouts(t.ledger)).size).toBe(3000);
      if (dialect === 'sqlite') expect(await t.ledger.withSqlite((raw) => raw.pragma('cache_size', { simple: true }))).toBe(cacheSize);
    });

    it('leaves the watermark alone when the provider stays down longer than the retry budget', async () => {
      const end = Date.now() - 5 * 60_000;
      await startSandbox({ count: 500, days: 1, end });
      const config = smart2payConfig(sandbox, { syncFrom: new Date(end - 2 * 24 * MS_PER_HOUR).toISOString() });
      await sync(config);
      const watermark = await watermarkOf(t.ledger);
      sandbox.sandbox.setFaults({ down: true });
      const error = await sync({ ...config, http: { ...config.http, maxRetries: 2 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as Error).message).toMatch(/^smart2pay: sync window .*: GET \/v1\/payouts failed after 3 attempts: HTTP 503$/);
      expect(await watermarkOf(t.ledger)).toBe(watermark);
    });

    it('pages a one-second burst with offset, by position or by ID, whatever the sort order', async () => {
      const end = Date.now() - 5 * 60_000;
      await startSandbox({ count: 300, days: 1, end, bursts: [{ at: end - MS_PER_HOUR, count: 730 }] });
      const base = smart2payConfig(sandbox, { syncFrom: new Date(end - 2 * 24 * MS_PER_HOUR).toISOString(), pageLimit: 100 });
      const cases = [
        { order: 'newest-first', offsetMode: 'position' },
        { order: 'oldest-first', offsetMode: 'position' },
        { order: 'newest-first', offsetMode: 'id' },
        { order: 'oldest-first', offsetMode: 'id' },
      ] as const;
      for (const c of cases) {
        await t.ledger.db.deleteFrom('payout_status_history').execute();
        await t.ledger.db.deleteFrom('payouts').execute();
        await t.ledger.db.deleteFrom('sync_state').execute();
        sandbox.sandbox.setFaults({ order: c.order, offsetMode: c.offsetMode, maxPageSize: 64 });
        const result = await sync({ ...base, offsetMode: c.offsetMode });
        expect(result.offsetPages, JSON.stringify(c)).toBeGreaterThan(10);
        expect((await ledgerPayouts(t.ledger)).size, JSON.stringify(c)).toBe(1030);
      }
      // With the wrong offset meaning the walk stops rather than miss rows.
      await t.ledger.db.deleteFrom('payout_status_history').execute();
      await t.ledger.db.deleteFrom('payouts').execute();
      await t.ledger.db.deleteFrom('sync_state').execute();
      sandbox.sandbox.setFaults({ order: 'newest-first', offsetMode: 'position' });
      await expect(sync({ ...base, offsetMode: 'id' })).rejects.toThrow(/offset paging does not continue the previous page \(check smart2pay.offsetMode, now "id"\)/);
      sandbox.sandbox.setFaults({ offsetMode: 'id' });
      await expect(sync({ ...base, offsetMode: 'position' })).rejects.toThrow(/offset paging does not continue the previous page \(check smart2pay.offsetMode, now "position"\)/);
    });

    it('re-walks --since/--until on demand without moving the watermark backwards', async () => {
      const end = Date.now() - 5 * 60_000;
      await startSandbox({ count: 2000, days: 2, end });
      const config = smart2payConfig(sandbox, { syncFrom: new Date(end - 3 * 24 * MS_PER_HOUR).toISOString(), lookbackHours: 1 });
      await sync(config);
      const watermark = await watermarkOf(t.ledger);
      const all = [...sandbox.sandbox.payouts()];
      const since = all[500]!.createdAt;
      const until = all[900]!.createdAt;
      // Lose some rows, then re-walk just their stretch.
      const lost = all.slice(600, 700).map((p) => String(p.id));
      const lostIds = (await t.ledger.db.selectFrom('payouts').select('id').where('provider_payout_id', 'in', lost).execute()).map((r) => r.id);
      await t.ledger.db.deleteFrom('payout_status_history').where('payout_id', 'in', lostIds).execute();
      await t.ledger.db.deleteFrom('payouts').where('id', 'in', lostIds).execute();
      const rewalk = await sync(config, { since, until });
      expect(rewalk.inserted).toBe(100);
      expect(rewalk.from).toBe(since);
      expect(rewalk.to).toBe(until);
      expect(await watermarkOf(t.ledger)).toBe(watermark);
      expect((await ledgerPayouts(t.ledger)).size).toBe(2000);
      // A re-walk that starts after the watermark leaves a gap behind it: the watermark must not jump.
      const later = await sync(config, { since: Date.now() + MS_PER_HOUR, until: Date.now() + 2 * MS_PER_HOUR });
      expect(later.watermark).toBe(watermark);
    });

    it('reads Created, startDate and endDate in the provider zone', async () => {
      const end = Date.UTC(2026, 9, 25, 6); // around the fall-back of 25 October 2026 in Bucharest
      await startSandbox({ count: 1500, days: 1, end, zone: 'Europe/Bucharest' });
      const config = smart2payConfig(sandbox, { timezone: 'Europe/Bucharest', syncFrom: '2026-10-23T00:00:00Z', dateBounds: 'inclusive' });
      const result = await sync(config, { until: end + MS_PER_HOUR });
      const ledger = await ledgerPayouts(t.ledger);
      expect(ledger.size).toBe(1500);
      expect(result.windows).toBeGreaterThan(1);
      // The provider's repeated hour (03:00-04:00 local) reads as the later pass: the sandbox keeps what it was given.
      const shifted = [...sandbox.sandbox.payouts()].filter((p) => ledger.get(String(p.id))?.createdAt !== p.createdAt);
      expect(shifted.every((p) => p.createdAt >= Date.UTC(2026, 9, 25, 0) && p.createdAt < Date.UTC(2026, 9, 25, 1))).toBe(true);
    });
  });
}
