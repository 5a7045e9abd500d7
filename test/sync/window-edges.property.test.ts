/**
 * Whatever `startDate`/`endDate` mean to the provider (inclusive whole
 * seconds, exclusive, or `Created` kept to the millisecond and compared with
 * the first instant of each bound's second), a sync stores every payout
 * exactly once: random payouts (many in one second, around window edges,
 * around day and daylight-saving boundaries in the provider's zone), random
 * page caps, window sizes, order, offset meaning and concurrency. The same
 * after the provider goes away at a random request (the sync stops with an
 * error) and after a kill -9 at a random request, each followed by one clean
 * sync. The look-back is 0, so only the watermark's claim keeps the resumed
 * sync whole.
 *
 * SQLite only: the walk is the same on both dialects (the kill-resume and
 * sync suites run it on PostgreSQL too).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Smart2PayConfig } from '../../src/config/schema.js';
import { type Ledger, openLedger } from '../../src/ledger/ledger.js';
import {
  BOUND_SEMANTICS,
  type BoundSemantics,
  type RunningSmart2PaySandbox,
  startSmart2PaySandbox,
} from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { createSmart2PayClient } from '../../src/providers/smart2pay/from-config.js';
import { ProviderError } from '../../src/shared/errors.js';
import { MS_PER_HOUR } from '../../src/shared/time.js';
import { syncSmart2PayPayouts } from '../../src/sync/smart2pay-sync.js';
import { runCliProcess } from '../helpers/cli.js';
import { createTestDatabase, createTestLedger, type TestLedger } from '../helpers/dialects.js';
import { FAST_HTTP, smart2payConfig, smart2payConfigFile } from '../helpers/smart2pay.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Instants around which payouts are placed: day boundaries and daylight-saving changes in the zone. */
const ANCHORS: readonly { zone: string; at: number }[] = [
  { zone: 'UTC', at: Date.UTC(2026, 9, 25, 0) },
  { zone: 'Europe/Bucharest', at: Date.UTC(2026, 9, 25, 1) }, // 04:00 → 03:00 local
  { zone: 'Europe/Bucharest', at: Date.UTC(2026, 2, 29, 1) }, // 03:00 → 04:00 local
  { zone: 'Europe/Bucharest', at: Date.UTC(2026, 9, 23, 21) }, // local midnight
  { zone: 'America/New_York', at: Date.UTC(2026, 10, 1, 6) }, // 02:00 → 01:00 local
];
const RANGE_MS = 3 * MS_PER_HOUR;

interface Scenario {
  anchor: number;
  /** Milliseconds from the anchor. */
  singles: number[];
  /** Seconds from the anchor holding many payouts each. */
  bursts: { second: number; count: number }[];
  pageLimit: number;
  maxPageSize: number;
  windowHours: number;
  listConcurrency: number;
  newestFirst: boolean;
  offsetMode: 'position' | 'id';
}

const ms = fc.integer({ min: 0, max: 999 });
/** Near a quarter hour from the anchor (where window edges fall), a second either side. */
const nearEdge = fc
  .tuple(fc.integer({ min: -12, max: 12 }), fc.integer({ min: -1, max: 1 }), ms)
  .map(([quarter, second, milli]) => (quarter * 900 + second) * 1000 + milli);
const anywhere = fc.integer({ min: -RANGE_MS + 1000, max: RANGE_MS - 1000 });

const scenario: fc.Arbitrary<Scenario> = fc.record({
  anchor: fc.integer({ min: 0, max: ANCHORS.length - 1 }),
  singles: fc.array(fc.oneof(nearEdge, anywhere), { minLength: 1, maxLength: 120 }),
  bursts: fc.array(fc.record({ second: fc.integer({ min: -3 * 3600 + 2, max: 3 * 3600 - 2 }), count: fc.integer({ min: 2, max: 45 }) }), {
    maxLength: 3,
  }),
  pageLimit: fc.integer({ min: 6, max: 60 }),
  maxPageSize: fc.integer({ min: 5, max: 80 }),
  windowHours: fc.integer({ min: 1, max: 4 }),
  listConcurrency: fc.integer({ min: 1, max: 4 }),
  newestFirst: fc.boolean(),
  offsetMode: fc.constantFrom('position' as const, 'id' as const),
});

let sandbox: RunningSmart2PaySandbox | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await sandbox?.close();
  sandbox = undefined;
});

async function setUp(bounds: BoundSemantics, s: Scenario) {
  await sandbox?.close();
  const { zone, at } = ANCHORS[s.anchor]!;
  sandbox = await startSmart2PaySandbox({
    bounds,
    zone,
    faults: { maxPageSize: s.maxPageSize, order: s.newestFirst ? 'newest-first' : 'oldest-first', offsetMode: s.offsetMode },
  });
  for (const offset of s.singles) sandbox.sandbox.addPayout({ createdAt: at + offset, statusId: 2 });
  for (const b of s.bursts) sandbox.sandbox.addBurst(at + b.second * 1000, b.count);
  const settings = {
    timezone: zone,
    syncFrom: new Date(at - RANGE_MS - MS_PER_HOUR).toISOString(),
    lookbackHours: 0,
    pageLimit: s.pageLimit,
    windowHours: s.windowHours,
    listConcurrency: s.listConcurrency,
    offsetMode: s.offsetMode,
  };
  return { sandbox, settings, until: at + RANGE_MS + MS_PER_HOUR };
}

async function sync(ledger: Ledger, config: Smart2PayConfig, until: number) {
  const client = createSmart2PayClient(config);
  try {
    return await syncSmart2PayPayouts({ ledger, client, config, now: Date.now(), until });
  } finally {
    await client.close();
  }
}

/** The ledger holds exactly the sandbox's payouts, each once. */
async function expectEveryPayoutOnce(ledger: Ledger, running: RunningSmart2PaySandbox): Promise<void> {
  const rows = await ledger.db.selectFrom('payouts').select('provider_payout_id').execute();
  const ids = rows.map((r) => r.provider_payout_id).sort();
  const expected = [...running.sandbox.payouts()].map((p) => String(p.id)).sort();
  expect(ids).toEqual(expected);
}

async function withLedger<T>(fn: (t: TestLedger) => Promise<T>): Promise<T> {
  const t = await createTestLedger('sqlite');
  try {
    return await fn(t);
  } finally {
    await t.cleanup();
  }
}

describe('sync at window edges, under every bound semantic', () => {
  for (const bounds of BOUND_SEMANTICS) {
    it(`${bounds}: one sync stores every payout exactly once`, async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const { sandbox: running, settings, until } = await setUp(bounds, s);
          await withLedger(async (t) => {
            await sync(t.ledger, smart2payConfig(running, settings), until);
            await expectEveryPayoutOnce(t.ledger, running);
          });
        }),
        { numRuns: 6, seed: 20 + BOUND_SEMANTICS.indexOf(bounds) },
      );
    }, 120_000);

    it(`${bounds}: a sync cut off at a random request, then one clean sync, stores every payout exactly once`, async () => {
      await fc.assert(
        fc.asyncProperty(scenario, fc.integer({ min: 1, max: 60 }), async (s, cutAfter) => {
          const { sandbox: running, settings, until } = await setUp(bounds, s);
          const config = smart2payConfig(running, { ...settings, http: { ...FAST_HTTP, maxRetries: 1 } });
          await withLedger(async (t) => {
            running.sandbox.setFaults({ downAfterListRequests: cutAfter });
            const cut = await sync(t.ledger, config, until).then(
              () => null,
              (error: unknown) => error,
            );
            if (cut !== null) expect(cut).toBeInstanceOf(ProviderError);
            running.sandbox.setFaults({ downAfterListRequests: null });
            await sync(t.ledger, config, until);
            await expectEveryPayoutOnce(t.ledger, running);
          });
        }),
        { numRuns: 4, seed: 40 + BOUND_SEMANTICS.indexOf(bounds) },
      );
    }, 120_000);

    it(`${bounds}: kill -9 at a random request, then one clean sync, stores every payout exactly once`, async () => {
      await fc.assert(
        fc.asyncProperty(scenario, fc.integer({ min: 1, max: 40 }), async (s, killAt) => {
          const { sandbox: running, settings, until } = await setUp(bounds, s);
          const database = await createTestDatabase('sqlite');
          cleanups.push(() => database.drop());
          const cwd = tempDir();
          writeFileSync(path.join(cwd, 'config.json'), smart2payConfigFile(running, database.url, settings));
          const untilArg = ['--until', new Date(until).toISOString()];
          const kill = new AbortController();
          const killed = runCliProcess(['sync', '--no-poll', ...untilArg], { cwd, signal: kill.signal, timeoutMs: 60_000 });
          let done = false;
          void killed.finally(() => {
            done = true;
          });
          while (!done && running.sandbox.stats.listRequests < killAt) await new Promise((r) => setTimeout(r, 2));
          kill.abort();
          await killed;
          const clean = await runCliProcess(['sync', '--no-poll', ...untilArg], { cwd, timeoutMs: 60_000 });
          expect(clean.exitCode, clean.stderr).toBe(0);
          const ledger = await openLedger({ url: database.url });
          try {
            await expectEveryPayoutOnce(ledger, running);
          } finally {
            await ledger.close();
          }
        }),
        { numRuns: 1, seed: 60 + BOUND_SEMANTICS.indexOf(bounds) },
      );
    }, 120_000);
  }
});
