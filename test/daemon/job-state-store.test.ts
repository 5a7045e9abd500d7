import { afterEach, expect, it } from 'vitest';
import { JobStateStore } from '../../src/daemon/job-state-store.js';
import { type Ledger, openLedger } from '../../src/ledger/ledger.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { jobRuns, jobState } from './helpers.js';

const T = Date.parse('2026-10-05T06:00:00Z');
const LEASE = 60_000;

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'job state in the ledger: tick claims, leases, outcomes', () => {
    let test: TestLedger | undefined;
    const extra: Ledger[] = [];
    afterEach(async () => {
      for (const l of extra.splice(0)) await l.close();
      await test?.cleanup();
      test = undefined;
    });

    async function setup() {
      test = await createTestLedger(dialect);
      return { ledger: test.ledger, a: new JobStateStore(test.ledger, 'replica-a', LEASE), b: new JobStateStore(test.ledger, 'replica-b', LEASE) };
    }

    it('one replica wins a tick; the run row and lease are written with the claim', async () => {
      const { ledger, a, b } = await setup();
      const won = await a.claim('sync', { tick: T, now: T + 10, trigger: 'schedule' });
      expect(won).toMatchObject({ claim: true, run: { job: 'sync', tick: T, previousTickAt: null, takeoverFrom: null } });
      expect(await b.claim('sync', { tick: T, now: T + 20, trigger: 'schedule' })).toEqual({ claim: false, reason: 'lease-held' });
      expect(await jobState(ledger, 'sync')).toMatchObject({ last_tick_at: T, lease_owner: 'replica-a', lease_expires_at: T + 10 + LEASE, last_run_at: T + 10 });
      const runs = await jobRuns(ledger, 'sync');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ replica: 'replica-a', outcome: 'running', scheduled_at: T, trigger: 'schedule', started_at: T + 10 });
    });

    // SQLite handles in one process cannot wait for each other (better-sqlite3 waits for a lock
    // synchronously, blocking the holder): several SQLite writers are tested as processes in daemon-process.test.ts.
    it.runIf(dialect === 'postgres')('concurrent claims of one tick from separate connections: exactly one wins', async () => {
      const { ledger } = await setup();
      const handles = [ledger, await openLedger({ url: test!.url, poolSize: 2 }), await openLedger({ url: test!.url, poolSize: 2 })];
      extra.push(handles[1]!, handles[2]!);
      const stores = handles.map((h, i) => new JobStateStore(h, `r${i}`, LEASE));
      for (let tick = T; tick < T + 5 * 60_000; tick += 60_000) {
        const results = await Promise.all(stores.map((store) => store.claim('poll', { tick, now: tick, trigger: 'schedule' })));
        expect(results.filter((r) => r.claim)).toHaveLength(1);
        const winner = results.findIndex((r) => r.claim);
        const result = results[winner]!;
        if (!result.claim) throw new Error('unreachable');
        expect(results.filter((r) => !r.claim).every((r) => !r.claim && r.reason === 'lease-held')).toBe(true);
        await stores[winner]!.finish(result.run, { outcome: 'succeeded', error: null, summary: null }, tick + 100);
      }
      const runs = await jobRuns(ledger, 'poll');
      expect(runs.map((r) => r.scheduled_at)).toEqual([0, 1, 2, 3, 4].map((i) => T + i * 60_000));
      expect(runs.every((r) => r.outcome === 'succeeded')).toBe(true);
    });

    it('a finished tick is never claimed again; the next tick is', async () => {
      const { a, b } = await setup();
      const first = await a.claim('reconcile', { tick: T, now: T, trigger: 'catch-up' });
      if (!first.claim) throw new Error('expected a claim');
      await a.finish(first.run, { outcome: 'succeeded', error: null, summary: { matched: 3 } }, T + 50);
      expect(await b.claim('reconcile', { tick: T, now: T + 100, trigger: 'catch-up' })).toEqual({ claim: false, reason: 'tick-already-claimed' });
      expect(await b.claim('reconcile', { tick: T + 60_000, now: T + 60_000, trigger: 'schedule' })).toMatchObject({
        claim: true,
        run: { previousTickAt: T },
      });
    });

    it('counts failures in a row, resets them on success, stores the summary and the last success', async () => {
      const { ledger, a } = await setup();
      const results = [];
      for (const [i, outcome] of (['failed', 'failed', 'succeeded', 'failed'] as const).entries()) {
        const claimed = await a.claim('balance', { tick: T + i * 1000, now: T + i * 1000, trigger: 'schedule' });
        if (!claimed.claim) throw new Error('expected a claim');
        results.push(
          await a.finish(
            claimed.run,
            { outcome, error: outcome === 'failed' ? `boom ${i}` : null, summary: outcome === 'succeeded' ? { balances: 2 } : null },
            T + i * 1000 + 500,
          ),
        );
      }
      expect(results.map((r) => [r.previousFailures, r.consecutiveFailures])).toEqual([
        [0, 1],
        [1, 2],
        [2, 0],
        [0, 1],
      ]);
      expect(await jobState(ledger, 'balance')).toMatchObject({
        consecutive_failures: 1,
        last_success_at: T + 2500,
        lease_owner: null,
        lease_expires_at: null,
      });
      const runs = await jobRuns(ledger, 'balance');
      expect(runs.map((r) => r.outcome)).toEqual(['failed', 'failed', 'succeeded', 'failed']);
      expect(runs[0]!.error).toBe('boom 0');
      expect(JSON.parse(runs[2]!.details!)).toEqual({ balances: 2 });
    });

    it('a cancelled run gives its tick back, so the next start catches it up', async () => {
      const { ledger, a, b } = await setup();
      const done = await a.claim('dailyReport', { tick: T, now: T, trigger: 'schedule' });
      if (!done.claim) throw new Error('expected a claim');
      await a.finish(done.run, { outcome: 'succeeded', error: null, summary: null }, T + 1);
      const next = await a.claim('dailyReport', { tick: T + 86_400_000, now: T + 86_400_000, trigger: 'schedule' });
      if (!next.claim) throw new Error('expected a claim');
      await a.finish(next.run, { outcome: 'cancelled', error: 'the daemon is shutting down', summary: null }, T + 86_400_500);
      expect(await jobState(ledger, 'dailyReport')).toMatchObject({ last_tick_at: T, lease_owner: null });
      expect(await b.claim('dailyReport', { tick: T + 86_400_000, now: T + 86_400_900, trigger: 'catch-up' })).toMatchObject({ claim: true });
    });

    it("a dead replica's expired lease is taken over: its run is abandoned and its tick re-run", async () => {
      const { ledger, a, b } = await setup();
      const dead = await a.claim('sync', { tick: T, now: T, trigger: 'schedule' });
      if (!dead.claim) throw new Error('expected a claim');
      expect(await a.renew('sync', T + 30_000)).toBe(true);
      // Still live at T + 30 s + lease - 1.
      expect(await b.claim('sync', { tick: T, now: T + 30_000 + LEASE - 1, trigger: 'takeover' })).toEqual({ claim: false, reason: 'lease-held' });
      const taken = await b.claim('sync', { tick: T, now: T + 30_000 + LEASE, trigger: 'takeover' });
      expect(taken).toMatchObject({ claim: true, run: { tick: T, takeoverFrom: 'replica-a', previousTickAt: T } });
      const runs = await jobRuns(ledger, 'sync');
      expect(runs.map((r) => [r.replica, r.outcome, r.scheduled_at, r.trigger])).toEqual([
        ['replica-a', 'abandoned', T, 'schedule'],
        ['replica-b', 'running', T, 'takeover'],
      ]);
      expect(runs[0]!.error).toMatch(/replica replica-a stopped renewing its lease; taken over by replica-b/);
      // The old owner can no longer renew, and finishing late leaves the new owner's state alone.
      expect(await a.renew('sync', T + 100_000)).toBe(false);
      const late = await a.finish(dead.run, { outcome: 'failed', error: 'late', summary: null }, T + 100_000);
      expect(late.leaseHeld).toBe(false);
      expect(await jobState(ledger, 'sync')).toMatchObject({ lease_owner: 'replica-b', consecutive_failures: 0 });
    });

    it('states and last runs for health', async () => {
      const { a } = await setup();
      const claimed = await a.claim('poll', { tick: T, now: T, trigger: 'schedule' });
      if (!claimed.claim) throw new Error('expected a claim');
      await a.finish(claimed.run, { outcome: 'succeeded', error: null, summary: { polled: 5 } }, T + 9);
      const states = await a.states(['poll', 'sync']);
      expect([...states.keys()]).toEqual(['poll']);
      expect(states.get('poll')).toMatchObject({ lastSuccessAt: T + 9, consecutiveFailures: 0, leaseOwner: null, lastTickAt: T });
      const runs = await a.lastRuns(['poll', 'sync']);
      expect(runs.get('poll')).toMatchObject({ outcome: 'succeeded', summary: { polled: 5 }, startedAt: T, finishedAt: T + 9 });
      expect(runs.has('sync')).toBe(false);
      expect(await a.states([])).toEqual(new Map());
    });
  });
}

