/**
 * A job that lost its lease stops and writes nothing more (issue 16): the
 * balance, reconcile and report jobs honour their abort signal, and a ledger
 * fenced on the job's lease refuses every transaction once another replica
 * owns the lease (the Kysely paths and SQLite's raw bulk paths alike), so a
 * late write of the old run never lands, on both dialects.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../src/ledger/ledger.js';
import { upsertPayouts } from '../../src/ledger/payout-store.js';
import { FencedWriteError } from '../../src/ledger/write-fence.js';
import { reconcile } from '../../src/matching/reconcile.js';
import { rulesFromConfig } from '../../src/matching/rules.js';
import { parseConfigValue } from '../../src/config/load-config.js';
import { storeBalanceSnapshot } from '../../src/monitoring/balance-check.js';
import { writeReportPack } from '../../src/reports/report-pack.js';
import { resolveReportPeriod } from '../../src/reports/report-period.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDir } from '../helpers/temp-dir.js';
import { fillForReconcile } from './fixtures/bulk-ledger.js';

const config = parseConfigValue({}, {});
const count = async (ledger: Ledger, table: 'matches' | 'exceptions' | 'balance_snapshots' | 'payouts' | 'reconciliation_runs') =>
  Number((await ledger.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'daemon: a lost lease stops balance, reconcile and report, and refuses their late writes', () => {
    let t: TestLedger;
    let fenced: Ledger;
    const setOwner = (owner: string) =>
      t.ledger.db.updateTable('job_state').set({ lease_owner: owner, lease_expires_at: Date.now() + 60_000 }).execute();

    beforeEach(async () => {
      t = await createTestLedger(dialect);
      await fillForReconcile(t.ledger, 300, 50);
      for (const job of ['balance', 'reconcile', 'dailyReport']) {
        await t.ledger.db
          .insertInto('job_state')
          .values({ job, last_success_at: null, last_run_at: null, consecutive_failures: 0, lease_owner: 'me', lease_expires_at: Date.now() + 60_000, last_tick_at: null, retry_tick_at: null, failing_since: null })
          .execute();
      }
    });
    afterEach(async () => {
      await fenced?.close();
      await t.cleanup();
    });

    const openFenced = async (job: string) => {
      fenced = await openLedger({ url: t.url, migrate: false, poolSize: 2, fence: { job, owner: 'me' } });
      return fenced;
    };

    it('reconcile: writes while the lease is held, is refused once another replica took it over', async () => {
      const ledger = await openFenced('reconcile');
      await setOwner('other');
      await expect(reconcile(ledger, { rules: rulesFromConfig(config.matching), clock: Date.now })).rejects.toThrow(FencedWriteError);
      expect(await count(t.ledger, 'matches')).toBe(0);
      expect(await count(t.ledger, 'exceptions')).toBe(0);
      await setOwner('me');
      const outcome = await reconcile(ledger, { rules: rulesFromConfig(config.matching), clock: Date.now });
      expect(outcome.matched).toBe(300);
    });

    it('reconcile: an aborted signal stops the run and its transaction rolls back', async () => {
      const ledger = await openFenced('reconcile');
      const controller = new AbortController();
      controller.abort(new Error('lease lost'));
      await expect(reconcile(ledger, { rules: rulesFromConfig(config.matching), clock: Date.now, signal: controller.signal })).rejects.toThrow('lease lost');
      expect(await count(t.ledger, 'matches')).toBe(0);
    });

    it('balance: the snapshot of a run that lost its lease is refused', async () => {
      const ledger = await openFenced('balance');
      await setOwner('other');
      await expect(storeBalanceSnapshot(ledger, [{ walletId: 'w1', currency: 'EUR', amount: 1000 }], Date.now())).rejects.toThrow(FencedWriteError);
      expect(await count(t.ledger, 'balance_snapshots')).toBe(0);
    });

    it('report: a pack whose lease was lost is never published; an aborted one neither', async () => {
      const ledger = await openFenced('dailyReport');
      const outDir = tempDir();
      const period = resolveReportPeriod({ month: '2026-10' }, 'UTC');
      await setOwner('other');
      await expect(
        writeReportPack(ledger, { period, format: 'csv', outDir, now: Date.now(), beforeCommit: () => ledger.checkFence() }),
      ).rejects.toThrow(FencedWriteError);
      expect(readdirSync(outDir)).toEqual([]);
      await setOwner('me');
      const controller = new AbortController();
      controller.abort(new Error('shutting down'));
      await expect(writeReportPack(ledger, { period, format: 'csv', outDir, now: Date.now(), signal: controller.signal })).rejects.toThrow('shutting down');
      expect(readdirSync(outDir)).toEqual([]);
      const pack = await writeReportPack(ledger, { period, format: 'csv', outDir, now: Date.now(), beforeCommit: () => ledger.checkFence() });
      expect(existsSync(pack.csvDir!)).toBe(true);
    });

    it('the bulk payout upsert (raw SQLite path, Kysely on PostgreSQL) is refused too', async () => {
      const ledger = await openFenced('reconcile');
      await setOwner('other');
      const before = await count(t.ledger, 'payouts');
      const observation = {
        provider: 'smart2pay',
        providerPayoutId: 'LATE-1',
        merchantTransactionId: 'LATE-1',
        amount: 100,
        currency: 'EUR',
        createdAt: Date.now(),
        status: 'pending' as const,
        providerStatus: '1',
        method: 'bank_account' as const,
        raw: {},
      };
      await expect(upsertPayouts(ledger, [observation as never], { source: 'list', now: Date.now() })).rejects.toThrow(FencedWriteError);
      expect(await count(t.ledger, 'payouts')).toBe(before);
    });
  });
}
