/**
 * `sync --verify` and the daemon's `verify` job: over a complete stretch
 * they find nothing; over one with a planted gap (payouts deleted from the
 * ledger, as a lossy walk would have left it) they report the gap, fill it,
 * and the job raises (then resolves) the `sync_missed_payouts` alert. Also a
 * 30,000-payout sync against the millisecond semantic stores every payout.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/config/load-config.js';
import type { JobContext } from '../../src/daemon/jobs.js';
import { type Ledger, openLedger } from '../../src/ledger/ledger.js';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { createSmart2PayClient } from '../../src/providers/smart2pay/from-config.js';
import { silentLogger } from '../../src/shared/logger.js';
import { MS_PER_DAY, MS_PER_HOUR } from '../../src/shared/time.js';
import { syncSmart2PayPayouts } from '../../src/sync/smart2pay-sync.js';
import { SYNC_MISSED_PAYOUTS_ALERT, verifyJob } from '../../src/sync/verify-job.js';
import { verifyRange } from '../../src/sync/verify-sync.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect } from '../helpers/dialects.js';
import { FAST_HTTP, ledgerPayouts, smart2payConfig, smart2payConfigFile } from '../helpers/smart2pay.js';
import { tempDir } from '../helpers/temp-dir.js';

let sandbox: RunningSmart2PaySandbox | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await sandbox?.close();
  sandbox = undefined;
});

const END = Date.now() - 10 * 60_000;
const SYNC_FROM = END - 3 * MS_PER_DAY;

/** Deletes payouts (and their history) created well inside the synced past: the gap a lossy walk leaves. */
async function plantGap(ledger: Ledger, count: number): Promise<string[]> {
  const victims = await ledger.db
    .selectFrom('payouts')
    .select(['id', 'provider_payout_id'])
    .where('created_at', '<', END - 12 * MS_PER_HOUR)
    .orderBy('created_at')
    .limit(count)
    .execute();
  const ids = victims.map((v) => v.id);
  await ledger.db.deleteFrom('payout_status_history').where('payout_id', 'in', ids).execute();
  await ledger.db.deleteFrom('payouts').where('id', 'in', ids).execute();
  return victims.map((v) => v.provider_payout_id);
}

describe('verifyRange', () => {
  it('checks up to the watermark less the look-back, an explicit --until held to the watermark, nothing before a first sync', () => {
    expect(verifyRange({ since: 0, watermark: 10 * MS_PER_HOUR, lookbackHours: 2 })).toEqual({ from: 0, to: 8 * MS_PER_HOUR });
    expect(verifyRange({ since: 0, until: 20 * MS_PER_HOUR, watermark: 10 * MS_PER_HOUR, lookbackHours: 2 })).toEqual({ from: 0, to: 10 * MS_PER_HOUR });
    expect(verifyRange({ since: 0, until: 5 * MS_PER_HOUR, watermark: 10 * MS_PER_HOUR, lookbackHours: 2 })).toEqual({ from: 0, to: 5 * MS_PER_HOUR });
    expect(verifyRange({ since: 9 * MS_PER_HOUR, watermark: 10 * MS_PER_HOUR, lookbackHours: 2 })).toBeNull();
    expect(verifyRange({ since: 0, watermark: null, lookbackHours: 2 })).toBeNull();
  });
});

describe('payout-recon sync --verify', () => {
  it('reports 0 over a complete stretch, reports and fills a planted gap, then reports 0 again', async () => {
    sandbox = await startSmart2PaySandbox({ seed: 8, count: 3000, days: 2, end: END, bounds: 'milliseconds' });
    const cwd = tempDir();
    writeFileSync(
      path.join(cwd, 'config.json'),
      smart2payConfigFile(sandbox, 'sqlite:./ledger.db', { syncFrom: new Date(SYNC_FROM).toISOString(), lookbackHours: 1, pageLimit: 200 }),
    );
    expect((await runCliInProcess(['sync', '--no-poll'], { cwd })).exitCode).toBe(0);
    const since = new Date(SYNC_FROM).toISOString();

    const clean = await runCliInProcess(['sync', '--verify', '--since', since, '--json'], { cwd });
    expect(clean.exitCode, clean.stderr).toBe(0);
    const cleanJson = JSON.parse(clean.stdout) as Record<string, unknown>;
    expect(cleanJson).toMatchObject({ inserted: 0, poll: null, verify: { checked: true, missed: 0, missedIds: [] } });
    expect(cleanJson.fetched).toBeGreaterThanOrEqual(2900);

    const ledger = await openLedger({ url: `sqlite:${path.join(cwd, 'ledger.db')}` });
    cleanups.push(() => ledger.close());
    const planted = await plantGap(ledger, 7);
    expect((await ledgerPayouts(ledger)).size).toBe(3000 - 7);

    const found = await runCliInProcess(['sync', '--verify', '--since', since, '--json'], { cwd });
    expect(found.exitCode, found.stderr).toBe(0);
    const foundJson = JSON.parse(found.stdout) as { inserted: number; verify: { missed: number; missedIds: string[] } };
    expect(foundJson.inserted).toBe(7);
    expect(foundJson.verify.missed).toBe(7);
    expect([...foundJson.verify.missedIds].sort()).toEqual([...planted].sort());
    expect((await ledgerPayouts(ledger)).size).toBe(3000);

    const human = await runCliInProcess(['sync', '--verify', '--since', since], { cwd });
    expect(human.stdout).toMatch(/^verified .* to .*: [\d,]+ payouts fetched/m);
    expect(human.stdout).toMatch(/^missed by the regular sync: 0$/m);
  });

  it('--verify without --since is a usage error', async () => {
    sandbox = await startSmart2PaySandbox({ seed: 8, count: 10 });
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'config.json'), smart2payConfigFile(sandbox, 'sqlite:./ledger.db'));
    const run = await runCliInProcess(['sync', '--verify'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--verify needs --since/);
  });
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'the daemon verify job', () => {
    it('raises sync_missed_payouts when the check finds missed payouts, resolves it when a check is clean', async () => {
      sandbox = await startSmart2PaySandbox({ seed: 9, count: 1500, days: 2, end: END, bounds: 'exclusive' });
      const t = await createTestLedger(dialect);
      cleanups.push(() => t.cleanup());
      const config = parseConfigValue({
        database: { url: 'sqlite::memory:' },
        smart2pay: {
          baseUrl: sandbox.url,
          siteId: sandbox.sandbox.siteId,
          apiKey: sandbox.sandbox.apiKey,
          settleSeconds: 0,
          listWorker: false,
          http: FAST_HTTP,
          syncFrom: new Date(SYNC_FROM).toISOString(),
          lookbackHours: 1,
          verifyDays: 4,
        },
      });
      const client = createSmart2PayClient(config.smart2pay!);
      await syncSmart2PayPayouts({ ledger: t.ledger, client, config: config.smart2pay!, now: Date.now() });
      await client.close();
      const planted = await plantGap(t.ledger, 3);
      const ctx: JobContext = {
        job: 'verify',
        config,
        ledger: t.ledger,
        log: silentLogger,
        clock: Date.now,
        signal: new AbortController().signal,
        scheduledAt: Date.now(),
        trigger: 'schedule',
        replica: 'test',
        runId: 1,
        resolvePath: (p) => p,
      };
      const found = await verifyJob.run(ctx);
      expect(found).toMatchObject({ checked: true, missed: 3 });
      const firing = await t.ledger.db.selectFrom('alerts').selectAll().where('condition_key', '=', SYNC_MISSED_PAYOUTS_ALERT).execute();
      expect(firing).toHaveLength(1);
      expect(firing[0]).toMatchObject({ state: 'firing', severity: 'critical' });
      for (const id of planted) expect(firing[0]!.text).toContain(id);

      expect(await verifyJob.run(ctx)).toMatchObject({ checked: true, missed: 0 });
      const after = await t.ledger.db.selectFrom('alerts').selectAll().where('condition_key', '=', SYNC_MISSED_PAYOUTS_ALERT).execute();
      expect(after.map((a) => a.state)).toEqual(['resolved']);
    });
  });
}

describe('a 30,000-payout sync against a provider that keeps milliseconds', () => {
  it('stores every payout', async () => {
    const end = Date.now() - 10 * 60_000;
    sandbox = await startSmart2PaySandbox({
      seed: 30,
      count: 29_000,
      days: 30,
      end,
      bounds: 'milliseconds',
      bursts: [{ at: end - 5 * MS_PER_DAY, count: 1000 }],
    });
    expect(sandbox.sandbox.count).toBe(30_000);
    const t = await createTestLedger('sqlite');
    cleanups.push(() => t.cleanup());
    const config = smart2payConfig(sandbox, { syncFrom: new Date(end - 31 * MS_PER_DAY).toISOString() });
    const client = createSmart2PayClient(config);
    cleanups.push(() => client.close());
    const result = await syncSmart2PayPayouts({ ledger: t.ledger, client, config, now: Date.now() });
    expect(result.inserted).toBe(30_000);
    expect((await ledgerPayouts(t.ledger)).size).toBe(30_000);
  }, 120_000);
});
