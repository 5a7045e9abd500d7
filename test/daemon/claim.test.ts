import fc from 'fast-check';
import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { decideClaim, type JobStateSnapshot, type JobTrigger } from '../../src/daemon/claim.js';
import { unclaimedTick } from '../../src/daemon/job-state-store.js';
import { nextTick, previousTick } from '../../src/daemon/schedule-ticks.js';

const T = Date.parse('2026-10-05T06:00:00Z');
const free: JobStateSnapshot = { lastTickAt: null, leaseOwner: null, leaseExpiresAt: null };

describe('decideClaim: one replica per tick, no overlap, takeover of dead leases', () => {
  it('claims a tick nobody claimed', () => {
    expect(decideClaim(free, { tick: T, now: T + 5, trigger: 'schedule' })).toEqual({ claim: true, tick: T, takeoverFrom: null });
    expect(decideClaim({ ...free, lastTickAt: T - 60_000 }, { tick: T, now: T, trigger: 'catch-up' })).toEqual({
      claim: true,
      tick: T,
      takeoverFrom: null,
    });
  });

  it('refuses a tick already claimed, and an older one', () => {
    expect(decideClaim({ ...free, lastTickAt: T }, { tick: T, now: T + 5, trigger: 'schedule' })).toEqual({
      claim: false,
      reason: 'tick-already-claimed',
    });
    expect(decideClaim({ ...free, lastTickAt: T }, { tick: T - 1000, now: T + 5, trigger: 'catch-up' })).toMatchObject({ claim: false });
  });

  it('refuses while a live lease is held, whatever the tick', () => {
    const held = { lastTickAt: T - 60_000, leaseOwner: 'a', leaseExpiresAt: T + 1 };
    expect(decideClaim(held, { tick: T, now: T, trigger: 'schedule' })).toEqual({ claim: false, reason: 'lease-held' });
  });

  it('takes over an expired lease and re-runs its unfinished tick', () => {
    const dead = { lastTickAt: T, leaseOwner: 'a', leaseExpiresAt: T + 10 };
    expect(decideClaim(dead, { tick: T, now: T + 10, trigger: 'takeover' })).toEqual({ claim: true, tick: T, takeoverFrom: 'a' });
    // A later tick supersedes the unfinished one: one run covers both.
    expect(decideClaim(dead, { tick: T + 60_000, now: T + 60_000, trigger: 'schedule' })).toEqual({
      claim: true,
      tick: T + 60_000,
      takeoverFrom: 'a',
    });
    // A replica whose clock lags never moves the tick backwards.
    expect(decideClaim(dead, { tick: T - 60_000, now: T + 11, trigger: 'takeover' })).toEqual({ claim: true, tick: T, takeoverFrom: 'a' });
  });

  it('the takeover sweep never runs a tick that was merely skipped', () => {
    expect(decideClaim({ ...free, lastTickAt: T - 60_000 }, { tick: T, now: T, trigger: 'takeover' })).toEqual({
      claim: false,
      reason: 'no-expired-lease',
    });
  });

  const snapshot = fc.record({
    lastTickAt: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
    leaseOwner: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    leaseExpiresAt: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
  });
  const trigger = fc.constantFrom<JobTrigger>('schedule', 'catch-up', 'takeover');

  it('property: a claim never overlaps a live lease and never goes back in ticks', () => {
    fc.assert(
      fc.property(snapshot, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), trigger, (state, tick, now, why) => {
        const decision = decideClaim(state, { tick, now, trigger: why });
        if (!decision.claim) return;
        expect(state.leaseOwner !== null && state.leaseExpiresAt !== null && state.leaseExpiresAt > now).toBe(false);
        expect(decision.tick).toBeGreaterThanOrEqual(tick);
        if (state.lastTickAt !== null) expect(decision.tick).toBeGreaterThanOrEqual(state.lastTickAt);
        expect(decision.takeoverFrom).toBe(state.leaseOwner);
      }),
    );
  });

  it('property: after a claim of tick T is recorded, nobody claims T again until its lease expires or is released', () => {
    fc.assert(
      fc.property(snapshot, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 500 }), trigger, (state, tick, now, lease, why) => {
        const first = decideClaim(state, { tick, now, trigger: why });
        if (!first.claim) return;
        const after: JobStateSnapshot = { lastTickAt: first.tick, leaseOwner: 'winner', leaseExpiresAt: now + lease };
        // Any other replica, any trigger, while the lease lives.
        for (const other of ['schedule', 'catch-up', 'takeover'] as const) {
          expect(decideClaim(after, { tick: first.tick, now: now + lease - 1, trigger: other }).claim).toBe(false);
        }
        // Finished and released: the same tick is never claimed again.
        const released: JobStateSnapshot = { lastTickAt: first.tick, leaseOwner: null, leaseExpiresAt: null };
        expect(decideClaim(released, { tick: first.tick, now: now + 10_000, trigger: 'catch-up' }).claim).toBe(false);
      }),
    );
  });

  it('a cancelled run gives its tick back, also when it re-ran an unfinished tick', () => {
    expect(unclaimedTick({ tick: T, previousTickAt: null })).toBeNull();
    expect(unclaimedTick({ tick: T, previousTickAt: T - 60_000 })).toBe(T - 60_000);
    const back = unclaimedTick({ tick: T, previousTickAt: T });
    expect(decideClaim({ lastTickAt: back, leaseOwner: null, leaseExpiresAt: null }, { tick: T, now: T, trigger: 'catch-up' }).claim).toBe(true);
  });
});

describe('schedule ticks (cron-parser, in the configured zone)', () => {
  it('previousTick is the latest tick at or before now, whole seconds', () => {
    const at = Date.parse('2026-03-01T10:00:04.000Z');
    expect(previousTick('*/2 * * * * *', 'UTC', at)).toBe(at);
    expect(previousTick('*/2 * * * * *', 'UTC', at + 999)).toBe(at);
    expect(previousTick('*/2 * * * * *', 'UTC', at + 1000)).toBe(at);
    expect(previousTick('*/2 * * * * *', 'UTC', at - 1)).toBe(at - 2000);
    expect(previousTick('*/15 * * * *', 'UTC', at)).toBe(Date.parse('2026-03-01T10:00:00Z'));
  });

  it('reads daily and monthly schedules in the zone, across daylight saving', () => {
    const now = Date.parse('2026-03-01T10:00:04Z');
    // 06:00 in Bucharest (UTC+2 in winter) is 04:00 UTC.
    expect(previousTick('0 6 * * *', 'Europe/Bucharest', now)).toBe(Date.parse('2026-03-01T04:00:00Z'));
    expect(previousTick('0 7 1 * *', 'Europe/Bucharest', now)).toBe(Date.parse('2026-03-01T05:00:00Z'));
    expect(previousTick('0 7 1 * *', 'Europe/Bucharest', Date.parse('2026-03-01T04:59:59Z'))).toBe(Date.parse('2026-02-01T05:00:00Z'));
    // Summer time (UTC+3) from 29 March 2026.
    expect(previousTick('0 6 * * *', 'Europe/Bucharest', Date.parse('2026-04-02T12:00:00Z'))).toBe(Date.parse('2026-04-02T03:00:00Z'));
    expect(nextTick('0 6 * * *', 'Europe/Bucharest', Date.parse('2026-03-28T12:00:00Z'))).toBe(Date.parse('2026-03-29T03:00:00Z'));
  });

  it('property: previousTick ≤ now < the tick after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
        fc.constantFrom('*/15 * * * *', '0 6 * * *', '0 7 1 * *', '*/5 * * * * *', '30 6 * * 1-5'),
        fc.constantFrom('UTC', 'Europe/Bucharest', 'America/New_York'),
        (now, expression, zone) => {
          const previous = previousTick(expression, zone, now);
          expect(previous).toBeLessThanOrEqual(now);
          expect(nextTick(expression, zone, previous)).toBeGreaterThan(now);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: node-cron fires at the ticks cron-parser finds (same expression, same zone)', async () => {
    const expressions = ['*/15 * * * *', '0 6 * * *', '0 7 1 * *', '*/5 * * * * *', '30 6 * * 1-5', '0 0 0 1 1 *'];
    const zones = ['UTC', 'Europe/Bucharest', 'America/New_York'];
    const tasks = new Map(
      expressions.flatMap((e) => zones.map((z) => [`${e}|${z}`, createTask(e, () => undefined, { timezone: z })] as const)),
    );
    try {
      fc.assert(
        fc.property(
          fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
          fc.constantFrom(...expressions),
          fc.constantFrom(...zones),
          (now, expression, zone) => {
            const tick = previousTick(expression, zone, now);
            expect(tasks.get(`${expression}|${zone}`)!.match(new Date(tick))).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      for (const task of tasks.values()) await task.destroy();
    }
  });
});
