import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { createSmart2PayClient } from '../../src/providers/smart2pay/from-config.js';
import { ProviderClock } from '../../src/providers/smart2pay/provider-clock.js';
import { ProviderError } from '../../src/shared/errors.js';
import { fromRow, InThreadListFetcher, type ListFetcher, toRow, WorkerListFetcher } from '../../src/sync/list-fetcher.js';
import { smart2payConfig } from '../helpers/smart2pay.js';

let sandbox: RunningSmart2PaySandbox;
const fetchers: ListFetcher[] = [];
afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.close()));
  await sandbox.close();
});

const clock = new ProviderClock('UTC');

describe('list fetchers (in this thread and in a worker)', () => {
  it('the worker returns exactly what the in-thread fetcher returns, and the same errors', async () => {
    const end = Date.now() - 60_000;
    sandbox = await startSmart2PaySandbox({ seed: 3, count: 1200, days: 1, end });
    const config = smart2payConfig(sandbox, { http: { ...smart2payConfig(sandbox).http, maxRetries: 1 } });
    const inThread = new InThreadListFetcher(createSmart2PayClient(config), config, { ownsClient: true });
    const worker = new WorkerListFetcher(config);
    fetchers.push(inThread, worker);
    const all = [...sandbox.sandbox.payouts()];
    const asked = { start: clock.wallSeconds(all[100]!.createdAt), end: clock.wallSeconds(all[900]!.createdAt) };
    const filters = { startDate: clock.formatWallSeconds(asked.start), endDate: clock.formatWallSeconds(asked.end), limit: 1000 };
    const a = await inThread.fetch(filters);
    const b = await worker.fetch(filters);
    expect(b).toEqual(a);
    expect(a.observations.length).toBeGreaterThanOrEqual(801);
    expect(worker.stats.requests).toBe(1);
    expect(a.observations.map((o) => fromRow(toRow(o)))).toEqual(a.observations);

    sandbox.sandbox.setFaults({ malformed: { payoutId: all[500]!.id, field: 'Amount' } });
    const errors = await Promise.all([inThread.fetch(filters), worker.fetch(filters)].map((p) => p.catch((e: unknown) => e)));
    expect(errors[1]).toBeInstanceOf(ProviderError);
    expect((errors[1] as Error).message).toBe((errors[0] as Error).message);
    sandbox.sandbox.setFaults({ malformed: null, down: true });
    const down = await worker.fetch(filters).catch((e: unknown) => e);
    expect(down).toMatchObject({ message: 'smart2pay: GET /v1/payouts failed after 2 attempts: HTTP 503', status: 503, exitCode: 1 });
    expect(worker.stats.retries).toBeGreaterThan(0);
  });
});
