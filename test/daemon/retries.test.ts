/**
 * A failed run is retried within its tick, and a tick that failed for good
 * is run once more at the next start (issue 16).
 */
import { afterEach, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { defaultFailureThreshold } from '../../src/daemon/failure-threshold.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { jobRuns, jobState, startInProcessDaemon, waitFor } from './helpers.js';

const YEARLY = '0 0 0 1 1 *';

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'daemon: retries within a tick, failed ticks re-run at the next start', () => {
    let test: TestLedger | undefined;
    const daemons: Daemon[] = [];
    afterEach(async () => {
      for (const d of daemons.splice(0)) await d.stop();
      await test?.cleanup();
      test = undefined;
    });

    it('a job that fails twice then succeeds is retried and succeeds within its tick', async () => {
      test = await createTestLedger(dialect);
      const { daemon, logs } = await startInProcessDaemon({
        ledger: test.ledger,
        spec: { schedule: { flaky: YEARLY }, jobs: [{ name: 'flaky', kind: 'fail', failTimes: 2 }] },
        daemon: { retry: { attempts: 3, delaySeconds: 0, maxDelaySeconds: 1 } },
      });
      daemons.push(daemon);
      const runs = await waitFor(async () => {
        const r = await jobRuns(test!.ledger, 'flaky');
        return r.some((x) => x.outcome === 'succeeded') ? r : undefined;
      }, 'the third attempt to succeed');
      expect(runs.map((r) => [r.outcome, r.trigger])).toEqual([
        ['failed', 'catch-up'],
        ['failed', 'retry'],
        ['succeeded', 'retry'],
      ]);
      expect(new Set(runs.map((r) => r.scheduled_at)).size).toBe(1);
      expect(await jobState(test.ledger, 'flaky')).toMatchObject({ consecutive_failures: 0, failing_since: null, retry_tick_at: null, lease_owner: null });
      expect(logs.join('\n')).toMatch(/flaky failed; retrying in 0 s/);
      expect((await daemon.health()).report.status).toBe('ok');
    });

    it('a tick that failed for good is degraded at once, re-run once at the next start, then forgotten', async () => {
      test = await createTestLedger(dialect);
      const spec = { schedule: { flaky: YEARLY }, jobs: [{ name: 'flaky', kind: 'fail' as const, failTimes: 2 }] };
      const first = await startInProcessDaemon({ ledger: test.ledger, spec, daemon: { retry: { attempts: 2, delaySeconds: 0 } } });
      daemons.push(first.daemon);
      await waitFor(async () => (await jobState(test!.ledger, 'flaky'))?.consecutive_failures === 1, 'the tick to fail for good');
      const tick = (await jobRuns(test.ledger, 'flaky'))[0]!.scheduled_at;
      expect(await jobState(test.ledger, 'flaky')).toMatchObject({ retry_tick_at: tick, lease_owner: null });
      const health = await fetch(`${first.daemon.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'degraded', jobs: { flaky: 'failing' } });
      const detail = (await first.daemon.health()).report.jobs.flaky!;
      expect(detail).toMatchObject({ state: 'failing', consecutiveFailures: 1 });
      expect(detail.failingSince).not.toBeNull();
      await daemons.pop()!.stop();

      const second = await startInProcessDaemon({ ledger: test.ledger, spec, daemon: { retry: { attempts: 2, delaySeconds: 0 } } });
      daemons.push(second.daemon);
      const runs = await waitFor(async () => {
        const r = await jobRuns(test!.ledger, 'flaky');
        return r.some((x) => x.outcome === 'succeeded') ? r : undefined;
      }, 'the re-run to succeed');
      expect(runs.map((r) => [r.outcome, r.trigger, r.scheduled_at])).toEqual([
        ['failed', 'catch-up', tick],
        ['failed', 'retry', tick],
        ['succeeded', 'catch-up', tick],
      ]);
      expect(await jobState(test.ledger, 'flaky')).toMatchObject({ retry_tick_at: null, consecutive_failures: 0, failing_since: null });
      await daemons.pop()!.stop();

      // Once re-run, the tick is not run again.
      const third = await startInProcessDaemon({ ledger: test.ledger, spec });
      daemons.push(third.daemon);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await jobRuns(test.ledger, 'flaky')).toHaveLength(3);
    });
  });
}

it('the default failure threshold follows how often a job runs', () => {
  expect(defaultFailureThreshold('0 3 * * *', 'UTC')).toBe(1);
  expect(defaultFailureThreshold('0 6 1 * *', 'UTC')).toBe(1);
  expect(defaultFailureThreshold('0 * * * *', 'UTC')).toBe(1);
  expect(defaultFailureThreshold('*/15 * * * *', 'UTC')).toBe(4);
  expect(defaultFailureThreshold('* * * * *', 'UTC')).toBe(6);
});
