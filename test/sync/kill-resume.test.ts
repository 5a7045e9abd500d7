/**
 * Kill -9 at any moment, then run again: the ledger ends identical to an
 * uninterrupted sync. The CLI runs as a child process (the built binary)
 * against the sandbox in this process; it is killed when the ledger holds
 * about a quarter, a half and three quarters of the payouts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type Ledger, openLedger } from '../../src/ledger/ledger.js';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { createSmart2PayClient } from '../../src/providers/smart2pay/from-config.js';
import { MS_PER_HOUR } from '../../src/shared/time.js';
import { syncSmart2PayPayouts } from '../../src/sync/smart2pay-sync.js';
import { runCliProcess } from '../helpers/cli.js';
import { createTestDatabase, createTestLedger, DIALECTS, describeDialect } from '../helpers/dialects.js';
import { FAST_HTTP, smart2payConfig, smart2payConfigFile } from '../helpers/smart2pay.js';
import { tempDir } from '../helpers/temp-dir.js';

const N = 12_000;

/** Everything the sync decides, without the instants of this run or the surrogate keys. */
async function snapshot(ledger: Ledger) {
  const payouts = await ledger.db
    .selectFrom('payouts')
    .select([
      'provider_payout_id',
      'merchant_transaction_id',
      'site_id',
      'amount',
      'currency',
      'created_at',
      'status',
      'provider_status',
      'provider_status_info',
      'reasons',
      'method',
      'provider_method',
      'purpose',
      'purpose_source',
      'country',
      'description',
      'raw',
    ])
    .orderBy('provider_payout_id')
    .execute();
  const history = await ledger.db
    .selectFrom('payout_status_history as h')
    .innerJoin('payouts as p', 'p.id', 'h.payout_id')
    .select(['p.provider_payout_id', 'h.status', 'h.previous_status', 'h.provider_status', 'h.source', 'h.regression'])
    .orderBy('p.provider_payout_id')
    .orderBy('h.id')
    .execute();
  return { payouts, history };
}

async function countPayouts(ledger: Ledger): Promise<number> {
  const row = await ledger.db.selectFrom('payouts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'sync killed with -9', () => {
    let sandbox: RunningSmart2PaySandbox | undefined;
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
      await sandbox?.close();
    });

    it('resumes to a ledger identical to an uninterrupted sync', async () => {
      const end = Date.now() - 10 * 60_000;
      sandbox = await startSmart2PaySandbox({
        seed: 21,
        count: N,
        days: 2,
        end,
        bursts: [{ at: end - 5 * MS_PER_HOUR, count: 600 }],
        faults: { maxPageSize: 250, rateLimitedRate: 0.03, unavailableRate: 0.03, retryAfterSeconds: 'mixed' },
      });
      const settings = { syncFrom: new Date(end - 3 * 24 * MS_PER_HOUR).toISOString(), lookbackHours: 1, pageLimit: 250 };

      // The reference: one uninterrupted sync.
      const reference = await createTestLedger(dialect);
      cleanups.push(() => reference.cleanup());
      const config = smart2payConfig(sandbox, settings);
      const client = createSmart2PayClient(config);
      await syncSmart2PayPayouts({ ledger: reference.ledger, client, config, now: Date.now() });
      await client.close();
      expect(await countPayouts(reference.ledger)).toBe(N + 600);

      // The same sync as a child process, killed three times along the way.
      const database = await createTestDatabase(dialect);
      const cwd = tempDir();
      // A request rate limit stretches the run so the kills land mid-walk.
      writeFileSync(path.join(cwd, 'config.json'), smart2payConfigFile(sandbox, database.url, { ...settings, listWorker: true, http: { ...FAST_HTTP, requestsPerSecond: 60 } }));
      const watcher = await openLedger({ url: database.url, poolSize: 2 });
      cleanups.push(async () => {
        await watcher.close();
        await database.drop();
      });
      const seenAtKill: number[] = [];
      for (const share of [0.25, 0.5, 0.75]) {
        const kill = new AbortController();
        const run = runCliProcess(['sync', '--no-poll'], { cwd, signal: kill.signal, timeoutMs: 120_000 });
        let finished = false;
        void run.then(() => {
          finished = true;
        });
        while (!finished) {
          if ((await countPayouts(watcher)) >= share * N) {
            kill.abort();
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const result = await run;
        expect(result.exitCode, result.stderr).toBe(128); // killed, not finished
        seenAtKill.push(await countPayouts(watcher));
      }
      // Each kill left a partial ledger, and each run got further.
      expect(seenAtKill[0]).toBeGreaterThan(0);
      expect(seenAtKill[2]).toBeLessThan(N + 600);
      expect(seenAtKill[1]).toBeGreaterThan(seenAtKill[0]!);

      const last = await runCliProcess(['sync', '--no-poll', '--json'], { cwd });
      expect(last.exitCode, last.stderr).toBe(0);
      const resumed = await snapshot(watcher);
      const expected = await snapshot(reference.ledger);
      expect(resumed.payouts.length).toBe(expected.payouts.length);
      expect(resumed.payouts).toEqual(expected.payouts);
      expect(resumed.history).toEqual(expected.history);
    }, 240_000); // two full syncs and a killed one, as separate processes
  });
}
