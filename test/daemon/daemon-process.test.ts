/**
 * The daemon as a process: real signals, real exit codes, several replicas
 * on one ledger. `bin/payout-recon.js daemon` for the binary itself (run
 * `npm run build` first; `npm test` does), and the test launcher (the same
 * command code with test jobs) for everything that needs jobs.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { runCliInProcess } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { TestDaemonSpec } from './fixtures/test-jobs.js';
import { countBy, daemonConfigObject, type DaemonProcess, jobRuns, jobState, sleep, spawnDaemon, testRows, waitFor } from './helpers.js';

const EVERY_SECOND = '* * * * * *';
const YEARLY = '0 0 0 1 1 *';

const running: DaemonProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGKILL');
});

async function spawn(...args: Parameters<typeof spawnDaemon>): Promise<DaemonProcess> {
  const p = await spawnDaemon(...args);
  running.push(p);
  return p;
}

/** Exit code, with the child's stderr in the failure message. */
async function exitOf(p: DaemonProcess): Promise<number> {
  const code = await p.exited;
  if (code !== 0) console.error(p.stderr());
  return code;
}

describe('payout-recon daemon (the built binary)', () => {
  it('serves /healthz on the port it logs, and exits 0 on SIGTERM', async () => {
    const cwd = tempDir();
    const p = await spawn({ cwd, config: daemonConfigObject('sqlite:./data/ledger.db') });
    const url = await p.url();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    p.child.kill('SIGTERM');
    expect(await exitOf(p)).toBe(0);
    expect(p.stdout()).toBe('daemon stopped\n');
    expect(p.stderr()).toMatch(/SIGTERM received: stopping/);
  });

  it('--json prints one JSON document when it stops (SIGINT)', async () => {
    const cwd = tempDir();
    const p = await spawn({ cwd, config: daemonConfigObject('sqlite:./ledger.db', { replicaId: 'blue' }), args: ['--json'] });
    await p.url();
    p.child.kill('SIGINT');
    expect(await exitOf(p)).toBe(0);
    expect(JSON.parse(p.stdout())).toEqual({ stopped: true, signal: 'SIGINT', replica: 'blue', graceful: true, abandoned: [] });
  });

  it('exits 1 naming host and port when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const config = { ...daemonConfigObject('sqlite:./ledger.db'), server: { host: '127.0.0.1', port } };
      const p = await spawn({ cwd: tempDir(), config });
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`server: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 on a schedule that is not a cron expression', async () => {
    const cwd = tempDir();
    const config = { ...daemonConfigObject('sqlite:./ledger.db'), schedule: { sync: 'every day' } };
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${cwd}/config.json`, JSON.stringify(config));
    const run = await runCliInProcess(['daemon'], { cwd });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe('config: schedule.sync must be a cron expression such as "*/15 * * * *"\n');
  });
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'daemon processes: shutdown, replicas, takeover', () => {
    let test: TestLedger | undefined;
    afterEach(async () => {
      for (const p of running.splice(0)) p.kill('SIGKILL');
      await test?.cleanup();
      test = undefined;
    });

    it('SIGTERM during a long ledger write: the transaction finishes, the rest is cancelled, exit 0; the next start re-runs it', async () => {
      test = await createTestLedger(dialect);
      const { ledger, url } = test;
      const cwd = tempDir();
      const bulk = { name: 'bulk', kind: 'write' as const, batches: 40, rowsPerBatch: 5, rowDelayMs: 20 };
      const p = await spawn({ cwd, config: daemonConfigObject(url), spec: { schedule: { bulk: YEARLY }, jobs: [bulk] } });
      await waitFor(async () => (await testRows(ledger, 'bulk')).length >= 10, 'two committed batches');
      p.child.kill('SIGTERM');
      expect(await exitOf(p)).toBe(0);
      const rows = await testRows(ledger, 'bulk');
      // Whole transactions only: every batch has all its rows.
      expect(rows.length % 5).toBe(0);
      expect([...countBy(rows, (r) => r.batch).values()].every((n) => n === 5)).toBe(true);
      expect(rows.length).toBeLessThan(200);
      const runs = await jobRuns(ledger, 'bulk');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ outcome: 'cancelled', trigger: 'catch-up' });
      expect(runs[0]!.finished_at).not.toBeNull();
      expect(await jobState(ledger, 'bulk')).toMatchObject({ lease_owner: null, lease_expires_at: null, last_tick_at: null });

      const again = await spawn({ cwd, name: 'again', config: daemonConfigObject(url), spec: { schedule: { bulk: YEARLY }, jobs: [{ ...bulk, batches: 2 }] } });
      await waitFor(async () => (await jobRuns(ledger, 'bulk')).some((r) => r.outcome === 'succeeded'), 'the re-run');
      again.child.kill('SIGTERM');
      expect(await exitOf(again)).toBe(0);
      expect((await jobRuns(ledger, 'bulk')).map((r) => [r.outcome, r.scheduled_at])).toEqual([
        ['cancelled', runs[0]!.scheduled_at],
        ['succeeded', runs[0]!.scheduled_at],
      ]);
    });

    it('a job that overruns shutdownGraceSeconds: exit 0 anyway, its open transaction rolled back, the run recorded as abandoned', async () => {
      test = await createTestLedger(dialect);
      const { ledger, url } = test;
      // One transaction of 40 rows over ~4 s that ignores the shutdown signal.
      const spec: TestDaemonSpec = {
        schedule: { stuck: YEARLY },
        jobs: [{ name: 'stuck', kind: 'write', batches: 1, rowsPerBatch: 40, rowDelayMs: 100, ignoreAbort: true }],
      };
      const p = await spawn({ cwd: tempDir(), config: daemonConfigObject(url, { shutdownGraceSeconds: 1 }), spec });
      await waitFor(async () => (await jobRuns(ledger, 'stuck')).some((r) => r.outcome === 'running'), 'the run to start');
      await sleep(300);
      p.child.kill('SIGTERM');
      expect(await exitOf(p)).toBe(0);
      expect(p.stderr()).toMatch(/still running after daemon\.shutdownGraceSeconds \(1 s\): stuck; stopping anyway/);
      expect(await testRows(ledger, 'stuck')).toEqual([]);
      const runs = await jobRuns(ledger, 'stuck');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ outcome: 'abandoned' });
      expect(runs[0]!.error).toMatch(/still running when the daemon stopped/);
      expect(await jobState(ledger, 'stuck')).toMatchObject({ lease_owner: null, last_tick_at: null });
    });

    it('two replicas on one ledger run each tick of a job exactly once', async () => {
      test = await createTestLedger(dialect);
      const { ledger, url } = test;
      const spec: TestDaemonSpec = {
        schedule: { tick: EVERY_SECOND },
        jobs: [{ name: 'tick', kind: 'write', batches: 1, rowsPerBatch: 1, rowDelayMs: 30 }],
      };
      const cwd = tempDir();
      const a = await spawn({ cwd, name: 'a', config: daemonConfigObject(url, { replicaId: 'A', leaseSeconds: 2 }), spec });
      const b = await spawn({ cwd, name: 'b', config: daemonConfigObject(url, { replicaId: 'B', leaseSeconds: 2 }), spec });
      await Promise.all([a.url(), b.url()]);
      const bothUp = Date.now();
      await waitFor(
        async () => (await jobRuns(ledger, 'tick')).filter((r) => r.outcome === 'succeeded' && r.started_at > bothUp).length >= 5,
        '5 ticks with both replicas up',
        30_000,
      );
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await exitOf(a)).toBe(0);
      expect(await exitOf(b)).toBe(0);
      const runs = await jobRuns(ledger, 'tick');
      const perTick = countBy(runs, (r) => r.scheduled_at!);
      expect([...perTick.values()].every((n) => n === 1)).toBe(true);
      const succeeded = runs.filter((r) => r.outcome === 'succeeded');
      expect(runs.every((r) => r.outcome === 'succeeded' || r.outcome === 'cancelled')).toBe(true);
      // The work itself happened once per tick: one row per successful run, none twice.
      const rows = await testRows(ledger, 'tick');
      expect(rows.map((r) => r.runId).sort((x, y) => x - y)).toEqual(succeeded.map((r) => r.id));
      expect(new Set(rows.map((r) => r.tick)).size).toBe(rows.length);
      console.log(`[${dialect}] ticks per replica:`, Object.fromEntries(countBy(runs, (r) => r.replica ?? '?')));
    });

    it("a replica killed with SIGKILL mid-job: after its lease expires the other replica takes the job over", async () => {
      test = await createTestLedger(dialect);
      const { ledger, url } = test;
      const spec: TestDaemonSpec = {
        schedule: { long: YEARLY },
        // Short transactions with pauses: SQLite processes share one write lock.
        jobs: [{ name: 'long', kind: 'write', batches: 200, rowsPerBatch: 1, rowDelayMs: 10, batchPauseMs: 50 }],
      };
      const cwd = tempDir();
      const a = await spawn({ cwd, name: 'a', config: daemonConfigObject(url, { replicaId: 'A', leaseSeconds: 2 }), spec });
      await waitFor(async () => (await testRows(ledger, 'long')).length >= 3, 'replica A to be writing');
      const b = await spawn({ cwd, name: 'b', config: daemonConfigObject(url, { replicaId: 'B', leaseSeconds: 2 }), spec });
      await b.url();
      await sleep(1000);
      // B found the job running on A (a live lease) and left it alone.
      expect((await jobRuns(ledger, 'long')).map((r) => [r.replica, r.outcome])).toEqual([['A', 'running']]);
      const leaseSeen = (await jobState(ledger, 'long'))!.lease_expires_at!;
      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await a.exited).toBe(128 + 9);
      const taken = await waitFor(async () => (await jobRuns(ledger, 'long')).find((r) => r.replica === 'B'), "B's takeover", 30_000);
      const runs = await jobRuns(ledger, 'long');
      expect(runs[0]).toMatchObject({ replica: 'A', outcome: 'abandoned' });
      expect(runs[0]!.error).toBe('replica A stopped renewing its lease; taken over by B');
      expect(taken).toMatchObject({ trigger: 'takeover', scheduled_at: runs[0]!.scheduled_at });
      // Not before A's lease ran out.
      expect(taken.started_at).toBeGreaterThanOrEqual(leaseSeen);
      expect(taken.started_at).toBeGreaterThanOrEqual(killedAt);
      await waitFor(async () => (await testRows(ledger, 'long')).some((r) => r.replica === 'B'), 'B to write');
      b.child.kill('SIGTERM');
      expect(await exitOf(b)).toBe(0);
      expect((await jobRuns(ledger, 'long')).map((r) => [r.replica, r.outcome])).toEqual([
        ['A', 'abandoned'],
        ['B', 'cancelled'],
      ]);
    });
  });
}
