import { afterEach, describe, expect, it } from 'vitest';
import { Smart2PayClient } from '../../src/providers/smart2pay/client.js';
import { ProviderClock } from '../../src/providers/smart2pay/provider-clock.js';
import { HOSTILE_SMART2PAY_FAULTS, type RunningSmart2PaySandbox, type Smart2PaySandboxOptions, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';

const running: RunningSmart2PaySandbox[] = [];
const clients: Smart2PayClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const END = Date.UTC(2026, 9, 31, 12);
const utc = new ProviderClock('UTC');

async function start(options: Smart2PaySandboxOptions = {}) {
  const r = await startSmart2PaySandbox({ seed: 7, end: END, ...options });
  running.push(r);
  return r;
}

function client(r: RunningSmart2PaySandbox, apiKey = r.sandbox.apiKey) {
  const c = new Smart2PayClient({
    baseUrl: r.url,
    siteId: r.sandbox.siteId,
    apiKey,
    http: {
      connectTimeoutMs: 2000,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 5000,
      maxRetries: 0,
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 10,
      requestsPerSecond: 0,
      connections: 2,
    },
  });
  clients.push(c);
  return c;
}

async function get(r: RunningSmart2PaySandbox, path: string, auth = true) {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${r.sandbox.siteId}:${r.sandbox.apiKey}`).toString('base64')}` }
    : {};
  const res = await fetch(`${r.url}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('Smart2Pay sandbox', () => {
  it('checks Basic credentials', async () => {
    const r = await start({ count: 10 });
    expect((await get(r, '/v1/payouts', false)).status).toBe(401);
    await expect(client(r, 'wrong').listPayouts({ limit: 5 })).rejects.toThrow(
      'smart2pay: the provider refused our credentials (HTTP 401); check smart2pay.siteId and smart2pay.apiKey in the configuration',
    );
    expect(await client(r).listPayouts({ limit: 5 })).toHaveLength(5);
  });

  it('serves realistic payouts the client accepts: newest first, capped pages, amounts as numbers or strings, Reasons [] or null', async () => {
    const r = await start({ count: 3000, days: 3 });
    const c = client(r);
    const page = await c.listPayouts({ limit: 5000 });
    expect(page).toHaveLength(1000); // the sandbox's own cap
    const created = page.map((p) => p.payout.Created);
    expect([...created].sort().reverse()).toEqual(created);
    const raws = (await get(r, '/v1/payouts?limit=1000')).text;
    expect(raws).toMatch(/"Amount":"\d+"/);
    expect(raws).toMatch(/"Amount":\d+/);
    expect(raws).toMatch(/"Reasons":null/);
    expect(raws).toMatch(/"Reasons":\[\]/);
    expect(raws).toMatch(/"MethodID":\d+/);
    expect(raws).toMatch(/"Country":"[A-Z]{2}"/);
    const all = [...r.sandbox.payouts()];
    expect(all).toHaveLength(3000);
    expect(new Set(all.map((p) => p.statusId))).toEqual(expect.objectContaining({ size: expect.any(Number) as number }));
    expect(all.some((p) => p.statusId === 4 && p.reasons.length > 0)).toBe(true);
    expect(all.some((p) => p.statusId === 1)).toBe(true);
    expect(all.some((p) => p.currency === 'JPY' && p.amount % 100 === 0)).toBe(true);
    expect(all.some((p) => p.description !== null && /[A-Z]+_[A-Z]+/.test(p.description))).toBe(true);
    expect(all.every((p, i) => i === 0 || p.createdAt >= all[i - 1]!.createdAt)).toBe(true);
  });

  it('filters by date window (inclusive or exclusive bounds), currency, status and merchant transaction ID', async () => {
    const r = await start({ count: 2000, days: 1 });
    const c = client(r);
    const all = [...r.sandbox.payouts()];
    const from = all[100]!.createdAt;
    const to = all[300]!.createdAt;
    const inWindow = all.filter((p) => p.createdAt >= from && p.createdAt <= to).map((p) => String(p.id));
    const asked = { startDate: utc.format(from), endDate: utc.format(to), limit: 1000 };
    expect((await c.listPayouts(asked)).map((i) => i.payout.ID).sort()).toEqual(inWindow.sort());
    r.sandbox.setFaults({ startInclusive: false, endInclusive: false });
    const exclusive = all.filter((p) => p.createdAt > from && p.createdAt < to).map((p) => String(p.id));
    expect((await c.listPayouts(asked)).map((i) => i.payout.ID).sort()).toEqual(exclusive.sort());
    const eur = await c.listPayouts({ currency: 'EUR', limit: 1000 });
    expect(eur.length).toBeGreaterThan(0);
    expect(eur.every((i) => i.payout.Currency === 'EUR')).toBe(true);
    const failed = await c.listPayouts({ statusID: 4, limit: 1000 });
    expect(failed.every((i) => i.payout.Status.ID === 4)).toBe(true);
    const one = all[42]!;
    expect((await c.listPayouts({ merchantTransactionID: one.merchantTransactionId })).map((i) => i.payout.ID)).toEqual([String(one.id)]);
  });

  it('pages with offset as a position or as an ID, in either order', async () => {
    const r = await start({ count: 50, days: 1, faults: { maxPageSize: 20 } });
    const c = client(r);
    const pageIds = async (offset?: string | number) => (await c.listPayouts({ limit: 20, ...(offset !== undefined ? { offset } : {}) })).map((i) => Number(i.payout.ID));
    const newest = [...r.sandbox.payouts()].reverse().map((p) => p.id);
    expect(await pageIds()).toEqual(newest.slice(0, 20));
    expect(await pageIds(20)).toEqual(newest.slice(20, 40));
    r.sandbox.setFaults({ offsetMode: 'id' });
    expect(await pageIds(newest[19])).toEqual(newest.slice(19, 39));
    r.sandbox.setFaults({ order: 'oldest-first', offsetMode: 'position' });
    expect(await pageIds(45)).toEqual([...newest].reverse().slice(45));
  });

  it('answers GET and status for one payout, 404 for unknown or not yet visible ones', async () => {
    const r = await start({ count: 10 });
    const c = client(r);
    const p = [...r.sandbox.payouts()][3]!;
    const one = await c.getPayout(String(p.id));
    expect(one?.payout).toMatchObject({ ID: String(p.id), MerchantTransactionID: p.merchantTransactionId, Amount: p.amount });
    expect(await c.getPayoutStatus(String(p.id))).toMatchObject({ ID: String(p.id), Status: { ID: p.statusId } });
    expect(await c.getPayoutStatus('999999999')).toBeNull();
    const hidden = r.sandbox.addPayout({ createdAt: END - 3600_000, visibleAt: Date.now() + 60_000, statusId: 2 });
    expect(await c.getPayout(String(hidden.id))).toBeNull();
    expect((await c.listPayouts({ limit: 1000 })).some((i) => i.payout.ID === String(hidden.id))).toBe(false);
    expect(JSON.parse(r.sandbox.payoutJson(hidden.id))).toMatchObject({ Payout: { ID: hidden.id, Status: { ID: 2 } } });
  });

  it('lets tests plant payouts, bursts and status changes', async () => {
    const r = await start();
    const planted = r.sandbox.addPayout({
      createdAt: END,
      merchantTransactionId: 'ORDER-1',
      amount: 150_000,
      currency: 'JPY',
      methodId: null,
      description: 'Payment of salary',
      country: 'JP',
      statusId: 1,
    });
    expect(planted).toMatchObject({ merchantTransactionId: 'ORDER-1', amount: 150_000, currency: 'JPY', methodId: null, statusId: 1 });
    const burst = r.sandbox.addBurst(END - 60_000, 1500);
    expect(burst).toHaveLength(1500);
    expect(r.sandbox.count).toBe(1501);
    r.sandbox.setStatus(planted.id, 4, [{ code: 1101, info: 'Beneficiary bank account is closed' }]);
    const c = client(r);
    expect(await c.getPayoutStatus(String(planted.id))).toMatchObject({
      Status: { ID: 4, Info: 'Failed', Reasons: [{ Code: '1101', Info: 'Beneficiary bank account is closed' }] },
    });
    const inBurst = await c.listPayouts({ startDate: utc.format(END - 60_000), endDate: utc.format(END - 60_000), limit: 1000 });
    expect(inBurst).toHaveLength(1000);
    const open = r.sandbox.addPayout({ statusId: 9 });
    expect(r.sandbox.settleOpenPayouts()).toBe(1);
    expect([2, 4]).toContain(r.sandbox.getPayout(open.id)?.statusId);
    expect(r.sandbox.getPayout(planted.id)?.statusId).toBe(4);
  });

  it('misbehaves on demand: 429 with and without Retry-After, 503, down, malformed page, truncated body, arrivals', async () => {
    const r = await start({ count: 100, days: 1 });
    r.sandbox.setFaults({ rateLimitedRate: 1, retryAfterSeconds: 3 });
    const limited = await get(r, '/v1/payouts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    r.sandbox.setFaults({ retryAfterSeconds: null });
    expect((await get(r, '/v1/payouts')).headers.get('retry-after')).toBeNull();
    r.sandbox.setFaults({ rateLimitedRate: 0, unavailableRate: 1 });
    expect((await get(r, '/v1/payouts')).status).toBe(503);
    r.sandbox.setFaults({ unavailableRate: 0, down: true });
    expect((await get(r, '/v1/payouts/100000/status')).status).toBe(503);
    r.sandbox.resetFaults();
    const victim = [...r.sandbox.payouts()][10]!;
    r.sandbox.setFaults({ malformed: { payoutId: victim.id, field: 'Amount' } });
    await expect(client(r).listPayouts({ limit: 1000 })).rejects.toThrow(new RegExp(`\\(ID ${victim.id}\\): Amount must be an integer amount`));
    r.sandbox.setFaults({ malformed: null, truncatedRate: 1 });
    await expect(client(r).listPayouts({ limit: 1000 })).rejects.toThrow(/the body is not JSON/);
    r.sandbox.setFaults({ truncatedRate: 0, arrivalsPerListRequest: 3 });
    await client(r).listPayouts({ limit: 1 });
    await client(r).listPayouts({ limit: 1 });
    expect(r.sandbox.count).toBe(106);
    expect(r.sandbox.stats).toMatchObject({ rateLimited: 2, unavailable: 2, malformedPages: 1, truncated: 1, arrivals: 6 });
  });

  it('has a hostile preset with every fault switched on', () => {
    expect(HOSTILE_SMART2PAY_FAULTS).toMatchObject({ maxPageSize: 400, order: 'newest-first', startInclusive: false, endInclusive: false });
    expect(HOSTILE_SMART2PAY_FAULTS.rateLimitedRate).toBeGreaterThan(0);
    expect(HOSTILE_SMART2PAY_FAULTS.arrivalsPerListRequest).toBeGreaterThan(0);
  });
});
