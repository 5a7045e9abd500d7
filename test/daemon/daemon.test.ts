/**
 * The daemon in this process on a real ledger, with second-level schedules
 * and real test jobs (they write to the ledger, take time, or fail).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import type { JobFailingEvent, JobRecoveredEvent } from '../../src/daemon/job-alerts.js';
import { previousTick } from '../../src/daemon/schedule-ticks.js';
import { type Ledger, openLedger } from '../../src/ledger/ledger.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { countBy, jobRuns, jobState, sleep, startInProcessDaemon, testRows, waitFor } from './helpers.js';

const EVERY_SECOND = '* * * * * *';
/** 1 January 00:00:00: never fires during a test, so only the catch-up at start runs it. */
const YEARLY = '0 0 0 1 1 *';

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'daemon: schedule, catch-up, overlap, failures, health, shutdown', () => {
    let test: TestLedger | undefined;
    const daemons: Daemon[] = [];
    const extra: Ledger[] = [];
    afterEach(async () => {
      for (const d of daemons.splice(0)) await d.stop();
      for (const l of extra.splice(0)) await l.close();
      await test?.cleanup();
      test = undefined;
    });

    async function start(options: Omit<Parameters<typeof startInProcessDaemon>[0], 'ledger'>) {
      test ??= await createTestLedger(dialect);
      const started = await startInProcessDaemon({ ledger: test.ledger, ...options });
      daemons.push(started.daemon);
      return started;
    }

    it('runs jobs on their schedule and records every run (start, end, outcome, replica, tick)', async () => {
      const { daemon } = await start({
        spec: { schedule: { tick: EVERY_SECOND }, jobs: [{ name: 'tick', kind: 'write', batches: 1, rowsPerBatch: 1, rowDelayMs: 0 }] },
        daemon: { replicaId: 'solo' },
      });
      const ledger = test!.ledger;
      await waitFor(async () => (await jobRuns(ledger, 'tick')).filter((r) => r.outcome === 'succeeded').length >= 3, '3 runs');
      await daemon.stop();
      const runs = await jobRuns(ledger, 'tick');
      expect(runs.every((r) => r.outcome === 'succeeded' && r.replica === 'solo' && r.finished_at !== null)).toBe(true);
      expect(runs[0]!.trigger).toBe('catch-up');
      expect(runs.slice(1).every((r) => r.trigger === 'schedule')).toBe(true);
      const ticks = runs.map((r) => r.scheduled_at!);
      expect(ticks.every((t) => t % 1000 === 0)).toBe(true);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
      // Each run wrote its row once, and the rows name their run.
      const rows = await testRows(ledger, 'tick');
      expect(rows.map((r) => r.runId)).toEqual(runs.map((r) => r.id));
      expect(JSON.parse(runs[0]!.details!)).toEqual({ batches: 1, rows: 1 });
      expect(await jobState(ledger, 'tick')).toMatchObject({
        consecutive_failures: 0,
        lease_owner: null,
        last_tick_at: ticks.at(-1),
        last_success_at: runs.at(-1)!.finished_at,
      });
    });

    it('a slow job on a fast schedule never overlaps itself; the ticks during a run are skipped', async () => {
      const { daemon } = await start({
        spec: { schedule: { slow: EVERY_SECOND }, jobs: [{ name: 'slow', kind: 'write', batches: 3, rowsPerBatch: 1, rowDelayMs: 450 }] },
      });
      const ledger = test!.ledger;
      await waitFor(async () => (await jobRuns(ledger, 'slow')).filter((r) => r.outcome === 'succeeded').length >= 3, '3 slow runs', 30_000);
      await daemon.stop();
      const runs = (await jobRuns(ledger, 'slow')).filter((r) => r.outcome === 'succeeded');
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.started_at).toBeGreaterThanOrEqual(runs[i - 1]!.finished_at!);
        // A run takes > 1.3 s, so at least one tick passed unclaimed between two runs.
        expect(runs[i]!.scheduled_at! - runs[i - 1]!.scheduled_at!).toBeGreaterThanOrEqual(2000);
      }
      const rows = await testRows(ledger, 'slow');
      expect([...countBy(rows, (r) => r.runId).values()].every((n) => n === 3)).toBe(true);
    });

    it('a job missed while no daemon ran is caught up exactly once at start, in the configured zone', async () => {
      test = await createTestLedger(dialect);
      const ledger = test.ledger;
      const zone = 'Europe/Bucharest';
      const missed = previousTick(YEARLY, zone, Date.now());
      const yearBefore = previousTick(YEARLY, zone, missed - 1);
      await ledger.db
        .insertInto('job_state')
        .values([
          // Last ran a year ago: this year's tick was missed.
          { job: 'yearly', last_tick_at: yearBefore, last_success_at: yearBefore + 5000, last_run_at: yearBefore, consecutive_failures: 0, lease_owner: null, lease_expires_at: null },
          // Already ran this year's tick: nothing to catch up.
          { job: 'upToDate', last_tick_at: missed, last_success_at: missed + 5000, last_run_at: missed, consecutive_failures: 0, lease_owner: null, lease_expires_at: null },
        ])
        .execute();
      const spec = {
        schedule: { yearly: YEARLY, upToDate: YEARLY },
        jobs: [
          { name: 'yearly', kind: 'write' as const, batches: 1, rowsPerBatch: 2, rowDelayMs: 0 },
          { name: 'upToDate', kind: 'write' as const, batches: 1, rowsPerBatch: 1, rowDelayMs: 0 },
        ],
      };
      const first = await start({ spec, timezone: zone });
      await waitFor(async () => (await jobRuns(ledger, 'yearly')).some((r) => r.outcome === 'succeeded'), 'the catch-up run');
      await sleep(1500);
      await first.daemon.stop();
      // A second start (a restart) finds nothing missed.
      const second = await start({ spec, timezone: zone });
      await sleep(1500);
      await second.daemon.stop();
      const runs = await jobRuns(ledger, 'yearly');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ outcome: 'succeeded', trigger: 'catch-up', scheduled_at: missed });
      // 1 January 00:00 in Bucharest is 22:00 UTC on 31 December.
      expect(new Date(missed).toISOString()).toMatch(/-12-31T22:00:00\.000Z$/);
      expect(await testRows(ledger, 'yearly')).toHaveLength(2);
      expect(await jobRuns(ledger, 'upToDate')).toEqual([]);
      expect(await jobState(ledger, 'yearly')).toMatchObject({ last_tick_at: missed, lease_owner: null });
    });

    it('a failing job never stops the others; degraded from its first failed tick, down (503) and an alert at failureThreshold, then recovery', async () => {
      const failing: JobFailingEvent[] = [];
      const recovered: JobRecoveredEvent[] = [];
      const { daemon, logs } = await start({
        spec: {
          schedule: { flaky: EVERY_SECOND, tick: EVERY_SECOND },
          jobs: [
            { name: 'flaky', kind: 'fail', failTimes: 3 },
            { name: 'tick', kind: 'write', batches: 1, rowsPerBatch: 1, rowDelayMs: 0 },
          ],
        },
        daemon: { failureThreshold: { flaky: 3 } },
        alerts: { jobFailing: (e) => void failing.push(e), jobRecovered: (e) => void recovered.push(e) },
      });
      const ledger = test!.ledger;
      const seen: Array<{ status: number; body: string; failures: number }> = [];
      const health = async () => {
        const res = await fetch(`${daemon.url}/healthz`);
        const body = (await res.json()) as { status: string; jobs: Record<string, string> };
        const detail = (await daemon.health()).report;
        seen.push({ status: res.status, body: body.status, failures: detail.jobs.flaky?.consecutiveFailures ?? 0 });
        return { status: res.status, body, detail };
      };
      const sick = await waitFor(async () => {
        const h = await health();
        return h.status === 503 ? h : undefined;
      }, '/healthz to answer 503', 30_000, 50);
      // The public answer: the status and each job's state, nothing else.
      expect(sick.body).toEqual({ status: 'down', jobs: { flaky: 'down', tick: sick.body.jobs.tick } });
      expect(['ok', 'running']).toContain(sick.body.jobs.tick);
      expect(sick.detail.jobs.flaky).toMatchObject({ state: 'down', consecutiveFailures: 3, failureThreshold: 3, lastRun: { outcome: 'failed' } });
      expect(sick.detail.jobs.flaky!.failingSince).not.toBeNull();
      expect(sick.detail.jobs.tick).toMatchObject({ consecutiveFailures: 0 });
      await waitFor(async () => ((await health()).status === 200 ? true : undefined), '/healthz to recover', 30_000, 50);
      await daemon.stop();

      // ok before the first failure, degraded (200) from the first failed tick, down (503) at the threshold.
      for (const s of seen) expect(s.status === 503).toBe(s.body === 'down');
      const order = seen.map((s) => s.body).filter((b, i, all) => b !== all[i - 1]);
      // (The first failure may come before the first look.)
      expect(order.filter((b) => b !== 'ok').slice(0, 2)).toEqual(['degraded', 'down']);
      expect(order.at(-1)).toBe('ok');
      expect(failing).toHaveLength(1);
      expect(failing[0]).toMatchObject({ job: 'flaky', consecutiveFailures: 3, threshold: 3, error: 'planned failure 3 of 3' });
      expect(recovered).toHaveLength(1);
      expect(recovered[0]).toMatchObject({ job: 'flaky', previousFailures: 3 });
      expect(logs.join('\n')).toMatch(/job flaky failed 3 ticks in a row \(threshold 3\)/);
      const flakyRuns = await jobRuns(ledger, 'flaky');
      expect(flakyRuns.slice(0, 4).map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', 'succeeded']);
      // The other job kept running on every tick meanwhile.
      const tickRuns = await jobRuns(ledger, 'tick');
      expect(tickRuns.length).toBeGreaterThanOrEqual(3);
      expect(tickRuns.every((r) => r.outcome === 'succeeded')).toBe(true);
    });

    it('/healthz answers 503 when the ledger is unreachable', async () => {
      test = await createTestLedger(dialect);
      const healthLedger = await openLedger({ url: test.url, migrate: false, poolSize: 1 });
      extra.push(healthLedger);
      const { daemon } = await start({
        healthLedger,
        spec: { schedule: { tick: YEARLY }, jobs: [{ name: 'tick', kind: 'write', batches: 1, rowsPerBatch: 1, rowDelayMs: 0 }] },
      });
      await waitFor(async () => (await jobRuns(test!.ledger, 'tick')).some((r) => r.outcome === 'succeeded'), 'the first run');
      const ok = await fetch(`${daemon.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ok', jobs: { tick: 'ok' } });
      expect((await daemon.health()).report).toMatchObject({
        status: 'ok',
        ledger: { dialect, reachable: true },
        jobs: { tick: { enabled: true, schedule: YEARLY, lastRun: { outcome: 'succeeded', trigger: 'catch-up' } } },
      });
      await healthLedger.close();
      const down = await fetch(`${daemon.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: 'down', jobs: {} });
      expect((await daemon.health()).report).toMatchObject({ status: 'down', ledger: { reachable: false } });
    });

    it('stop() lets the running transaction finish, cancels the rest of the job and gives its tick back', async () => {
      const spec = {
        schedule: { bulk: YEARLY },
        jobs: [{ name: 'bulk', kind: 'write' as const, batches: 50, rowsPerBatch: 5, rowDelayMs: 20 }],
      };
      const { daemon } = await start({ spec });
      const ledger = test!.ledger;
      await waitFor(async () => (await testRows(ledger, 'bulk')).length >= 10, 'two committed batches');
      const report = await daemon.stop();
      expect(report).toEqual({ graceful: true, abandoned: [] });
      const rows = await testRows(ledger, 'bulk');
      expect(rows.length % 5).toBe(0);
      expect(rows.length).toBeLessThan(250);
      const runs = await jobRuns(ledger, 'bulk');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ outcome: 'cancelled', error: 'the daemon is shutting down' });
      expect(await jobState(ledger, 'bulk')).toMatchObject({ lease_owner: null, last_tick_at: null });
      // The next start runs the cancelled tick again, to the end.
      const again = await start({ spec: { ...spec, jobs: [{ ...spec.jobs[0]!, batches: 2 }] } });
      await waitFor(async () => (await jobRuns(ledger, 'bulk')).some((r) => r.outcome === 'succeeded'), 'the re-run');
      await again.daemon.stop();
      expect((await jobRuns(ledger, 'bulk')).map((r) => [r.outcome, r.trigger, r.scheduled_at])).toEqual([
        ['cancelled', 'catch-up', runs[0]!.scheduled_at],
        ['succeeded', 'catch-up', runs[0]!.scheduled_at],
      ]);
    });
  });
}

describe('daemon: a blocked event loop', () => {
  it('a tick node-cron could not fire in time still runs, late and once', async () => {
    const test = await createTestLedger('sqlite');
    const { daemon } = await startInProcessDaemon({
      ledger: test.ledger,
      spec: {
        schedule: { blocker: YEARLY, victim: EVERY_SECOND },
        jobs: [
          { name: 'blocker', kind: 'block', blockMs: 3500 },
          { name: 'victim', kind: 'write', batches: 1, rowsPerBatch: 1, rowDelayMs: 0 },
        ],
      },
    });
    try {
      const blocked = await waitFor(async () => (await jobRuns(test.ledger, 'blocker')).find((r) => r.outcome === 'succeeded'), 'the block');
      const { blockedFrom, blockedTo } = JSON.parse(blocked.details!) as { blockedFrom: number; blockedTo: number };
      await waitFor(async () => (await jobRuns(test.ledger, 'victim')).some((r) => r.started_at > blockedTo + 1500), 'runs after the block');
      const victim = await jobRuns(test.ledger, 'victim');
      // node-cron drops ticks more than a second late; one of those ran once the loop was free.
      const late = victim.filter((r) => r.scheduled_at! > blockedFrom && r.scheduled_at! <= blockedTo - 1000);
      expect(late.length).toBeGreaterThanOrEqual(1);
      expect(late.every((r) => r.started_at >= blockedTo && r.outcome === 'succeeded')).toBe(true);
      expect(new Set(victim.map((r) => r.scheduled_at)).size).toBe(victim.length);
    } finally {
      await daemon.stop();
      await test.cleanup();
    }
  });
});
