/**
 * Provider callbacks in a running daemon, against the real Smart2Pay sandbox:
 * a notification is written to the inbox and answered at once; the inbox
 * worker confirms it with a GET and stores what the API says. Smart Glocal
 * webhooks are validated strictly, kept in the inbox and applied under the
 * status rules.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { JobRegistry } from '../../src/daemon/jobs.js';
import { type DaemonServices, productionWiring } from '../../src/daemon/wiring.js';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { generateRsaKeyPair } from '../../src/providers/sandbox/smartglocal-sandbox.js';
import { signBody } from '../../src/providers/smartglocal/signature.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';
import { waitFor } from './helpers.js';

const SITE_ID = '1010';
const API_KEY = 'notification-test-key';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTH = { authorization: basic(SITE_ID, API_KEY) };

function sessionWebhook(type: string, payoutStatus: string, changes: { updatedAt?: string; amount?: unknown; createdAt?: unknown } = {}) {
  return JSON.stringify({
    type,
    session: {
      id: 'ps_3230',
      status: payoutStatus === 'succeeded' ? 'accepted' : 'in_progress',
      created_at: '2026-11-20T10:00:00.000000Z',
      updated_at: changes.updatedAt ?? '2026-11-20T10:05:00.000000Z',
      metadata: { merchant_transaction_id: 'SG-ORDER-77' },
      payments: [
        {
          id: 'po_1313',
          status: payoutStatus,
          created_at: changes.createdAt ?? '2026-11-20T10:00:01.123456Z',
          finished_at: null,
          amount_details: { amount: changes.amount ?? 125_050, currency: 'eur' },
          payment_method: { type: 'bank_account', bank_account: { system_type: 'global', global: { iban: 'RO49AAAA1B31007593840000', description: 'FAMILY_SUPPORT' } } },
          customer: { country: 'ro' },
        },
      ],
    },
  });
}

/** A notification body for payout `id` with some fields replaced (an old or forged notification). */
function alteredNotification(json: string, changes: Record<string, unknown>): string {
  const body = JSON.parse(json) as { Payout: Record<string, unknown> };
  return JSON.stringify({ Payout: { ...body.Payout, ...changes } });
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'provider notifications in the daemon: inbox, then confirmation', () => {
    let t: TestLedger;
    let daemon: Daemon;
    let files: { dir: string; remove: () => void };
    let providerKey: ReturnType<typeof createPrivateKey>;
    let api: RunningSmart2PaySandbox;
    let logs: string[];

    beforeEach(async () => {
      t = await createTestLedger(dialect);
      files = tempDirForSuite();
      api = await startSmart2PaySandbox({ seed: 7, count: 20, siteId: SITE_ID, apiKey: API_KEY });
      const keys = generateRsaKeyPair();
      providerKey = createPrivateKey(keys.privateKeyPem);
      writeFileSync(path.join(files.dir, 'provider-public.pem'), keys.publicKeyPem);
      writeFileSync(path.join(files.dir, 'our-private.pem'), generateRsaKeyPair().privateKeyPem);
      const config = parseConfigValue(
        {
          database: { url: t.url },
          server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 64 * 1024 },
          schedule: { sync: null, poll: null, balance: null, reconcile: null, dailyReport: null, monthlyReport: null, close: null, verify: null },
          smart2pay: {
            baseUrl: api.url,
            siteId: SITE_ID,
            apiKey: API_KEY,
            http: { maxRetries: 0, headersTimeoutMs: 400, bodyTimeoutMs: 400, connectTimeoutMs: 400, retryBaseDelayMs: 5, retryMaxDelayMs: 20, requestsPerSecond: 0 },
          },
          smartglocal: {
            baseUrl: 'http://127.0.0.1:9',
            project: 'proj',
            privateKeyPath: path.join(files.dir, 'our-private.pem'),
            providerPublicKeyPath: path.join(files.dir, 'provider-public.pem'),
          },
        },
        {},
      );
      logs = [];
      const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
      const services: DaemonServices = { config, ledger: t.ledger, log, clock: () => Date.now(), resolvePath: (p: string) => p };
      daemon = await Daemon.start({
        config,
        ledger: t.ledger,
        jobs: new JobRegistry(productionWiring.jobs(services)),
        routes: (router) => productionWiring.routes(router, services),
        workers: productionWiring.workers?.(services),
        log,
      });
    });

    afterEach(async () => {
      await daemon.stop();
      await api.close();
      await t.cleanup();
      files.remove();
    });

    const post = (route: string, body: string, headers: Record<string, string>) =>
      fetch(`${daemon.url}${route}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    const count = async (table: 'payouts' | 'payout_status_history' | 'notification_inbox' | 'exceptions' | 'alerts') =>
      Number((await t.ledger.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    const inbox = () => t.ledger.db.selectFrom('notification_inbox').selectAll().orderBy('id').execute();
    const settled = (n: number) =>
      waitFor(async () => {
        const rows = await inbox();
        return rows.length === n && rows.every((r) => r.status !== 'received') ? rows : undefined;
      }, `${n} settled deliveries`);
    const payout = (id: number) =>
      t.ledger.db.selectFrom('payouts').selectAll().where('provider', '=', 'smart2pay').where('provider_payout_id', '=', String(id)).executeTakeFirstOrThrow();
    const history = (payoutId: number) =>
      t.ledger.db.selectFrom('payout_status_history').select(['status', 'previous_status', 'source', 'regression']).where('payout_id', '=', payoutId).orderBy('id').execute();

    it('a notification delivered three times is one inbox row, confirmed once by a GET; the ledger holds what the API says', async () => {
      const added = api.sandbox.addPayout({ statusId: 2, merchantTransactionId: 'NOTIFY-1' });
      const body = api.sandbox.payoutJson(added.id);
      for (let i = 0; i < 3; i++) expect((await post('/notifications/smart2pay', body, AUTH)).status).toBe(204);
      const [row] = await settled(1);
      expect(row).toMatchObject({ provider: 'smart2pay', source: 'notification', subject: String(added.id), status: 'confirmed', deliveries: 3, note: null, body });
      const stored = await payout(added.id);
      expect(stored).toMatchObject({ merchant_transaction_id: 'NOTIFY-1', status: 'succeeded', provider_status: '2' });
      expect(await history(stored.id)).toEqual([{ status: 'succeeded', previous_status: null, source: 'get', regression: 0 }]);
      expect(await count('payouts')).toBe(1);
    });

    it('out of order (Success, then an old Open): the payout stays succeeded, no regression in its history', async () => {
      const added = api.sandbox.addPayout({ statusId: 1, merchantTransactionId: 'ORDER-1' });
      const open = api.sandbox.payoutJson(added.id);
      api.sandbox.setStatus(added.id, 2);
      const success = api.sandbox.payoutJson(added.id);
      expect((await post('/notifications/smart2pay', success, AUTH)).status).toBe(204);
      await settled(1);
      expect((await post('/notifications/smart2pay', open, AUTH)).status).toBe(204);
      const rows = await settled(2);
      expect(rows.map((r) => r.status)).toEqual(['confirmed', 'confirmed']);
      expect(rows[1]!.note).toMatch(/Status 1 \(API 2\)/);
      const stored = await payout(added.id);
      expect(stored.status).toBe('succeeded');
      expect(await history(stored.id)).toEqual([{ status: 'succeeded', previous_status: null, source: 'get', regression: 0 }]);
    });

    it('a status change the API confirms is recorded; the notification only triggered the GET', async () => {
      const added = api.sandbox.addPayout({ statusId: 1, merchantTransactionId: 'NOTIFY-2' });
      expect((await post('/notifications/smart2pay', api.sandbox.payoutJson(added.id), AUTH)).status).toBe(204);
      await settled(1);
      api.sandbox.setStatus(added.id, 4);
      expect((await post('/notifications/smart2pay', api.sandbox.payoutJson(added.id), AUTH)).status).toBe(204);
      await settled(2);
      const stored = await payout(added.id);
      expect(stored.status).toBe('failed');
      expect((await history(stored.id)).map((h) => [h.previous_status, h.status])).toEqual([
        [null, 'open'],
        ['open', 'failed'],
      ]);
    });

    it('forged amount, reference and created in an authenticated notification: the GET wins, the difference is noted, no exception or alert', async () => {
      const added = api.sandbox.addPayout({ statusId: 2, merchantTransactionId: 'REAL-REF', amount: 123_456, currency: 'EUR' });
      expect((await post('/notifications/smart2pay', api.sandbox.payoutJson(added.id), AUTH)).status).toBe(204);
      await settled(1);
      const before = await payout(added.id);
      const forged = alteredNotification(api.sandbox.payoutJson(added.id), { Amount: 100, MerchantTransactionID: 'FORGED-REF', Created: '20200101000000' });
      expect((await post('/notifications/smart2pay', forged, AUTH)).status).toBe(204);
      const rows = await settled(2);
      expect(rows[1]).toMatchObject({ status: 'confirmed' });
      expect(rows[1]!.note).toContain('Amount 100 (API 123456)');
      expect(rows[1]!.note).toContain('MerchantTransactionID FORGED-REF (API REAL-REF)');
      expect(rows[1]!.note).toContain('Created 2020-01-01T00:00:00.000Z');
      const after = await payout(added.id);
      expect(after).toEqual(before);
      expect(after).toMatchObject({ amount: 123_456, merchant_transaction_id: 'REAL-REF' });
      expect(await history(after.id)).toHaveLength(1);
      expect(await count('exceptions')).toBe(0);
      expect(await count('alerts')).toBe(0);
      expect(logs.some((l) => l.includes('smart2pay notification differs from the API'))).toBe(true);
    });

    it('a notification for a payout the API does not know stores nothing, and is kept as rejected with the reason and logged', async () => {
      const known = api.sandbox.addPayout({ statusId: 2 });
      const unknown = alteredNotification(api.sandbox.payoutJson(known.id), { ID: 987_654_321 });
      expect((await post('/notifications/smart2pay', unknown, AUTH)).status).toBe(204);
      const [row] = await settled(1);
      expect(row).toMatchObject({ subject: '987654321', status: 'rejected' });
      expect(row!.note).toMatch(/answered 404: the provider's API does not know this payout; nothing stored/);
      expect(row!.processed_at).not.toBeNull();
      expect(await count('payouts')).toBe(0);
      expect(logs.some((l) => l.includes('smart2pay notification rejected') && l.includes('987654321'))).toBe(true);
    });

    it('the API down (503) or timing out when notifications arrive: 204 at once, confirmed once it answers again', async () => {
      const a = api.sandbox.addPayout({ statusId: 2, merchantTransactionId: 'DOWN-1' });
      const b = api.sandbox.addPayout({ statusId: 4, merchantTransactionId: 'SLOW-1' });
      api.sandbox.setFaults({ down: true });
      expect((await post('/notifications/smart2pay', api.sandbox.payoutJson(a.id), AUTH)).status).toBe(204);
      // The answer did not wait for the API: the delivery is still waiting for it.
      expect((await inbox()).map((r) => r.status)).toEqual(['received']);
      await waitFor(async () => (await inbox())[0]!.note?.includes('503'), 'a failed attempt');
      api.sandbox.setFaults({ down: false, slowRate: 1, slowMs: 3000 });
      expect((await post('/notifications/smart2pay', api.sandbox.payoutJson(b.id), AUTH)).status).toBe(204);
      expect((await inbox()).map((r) => r.status)).toEqual(['received', 'received']);
      await waitFor(async () => (await inbox())[1]!.note?.includes('failed'), 'a timed-out attempt');
      expect(await count('payouts')).toBe(0);
      api.sandbox.resetFaults();
      const rows = await settled(2);
      expect(rows.map((r) => r.status)).toEqual(['confirmed', 'confirmed']);
      expect(rows.every((r) => r.attempts >= 2)).toBe(true);
      expect((await payout(a.id)).status).toBe('succeeded');
      expect((await payout(b.id)).status).toBe('failed');
    });

    it('answers 401 to bad credentials and 400 to a malformed body, keeping nothing', async () => {
      const body = api.sandbox.payoutJson([...api.sandbox.payouts()][1]!.id);
      expect((await post('/notifications/smart2pay', body, { authorization: basic(SITE_ID, 'guess') })).status).toBe(401);
      expect((await post('/notifications/smart2pay', body, {})).status).toBe(401);
      expect((await post('/notifications/smart2pay', '{"Payout": {"ID": 5', AUTH)).status).toBe(400);
      expect((await post('/notifications/smart2pay', '{"Payout": {"ID": "x"}}', AUTH)).status).toBe(400);
      expect((await post('/notifications/smart2pay', 'x'.repeat(70 * 1024), AUTH)).status).toBe(413);
      expect(await count('notification_inbox')).toBe(0);
      expect(await count('payouts')).toBe(0);
    });

    const sign = (body: string) => ({ 'x-partner-sign': signBody(body, providerKey) });

    it('Smart Glocal webhooks go through the inbox; a replay or a late in_progress never moves succeeded back', async () => {
      const started = sessionWebhook('ready_to_confirm', 'in_progress');
      const finished = sessionWebhook('payment_finished', 'succeeded');
      for (const body of [started, finished, finished]) expect((await post('/webhooks/smartglocal', body, sign(body))).status).toBe(200);
      await settled(2);
      // A captured webhook replayed (the same signed bytes), and a late retry of an older state (other bytes).
      const late = sessionWebhook('ready_to_confirm', 'in_progress', { updatedAt: '2026-11-20T10:04:00.000000Z' });
      for (const body of [started, late]) expect((await post('/webhooks/smartglocal', body, sign(body))).status).toBe(200);
      const rows = await settled(3);
      expect(rows.map((r) => [r.subject, r.status, r.deliveries])).toEqual([
        ['ps_3230', 'confirmed', 2],
        ['ps_3230', 'confirmed', 2],
        ['ps_3230', 'confirmed', 1],
      ]);
      const stored = await t.ledger.db.selectFrom('payouts').selectAll().executeTakeFirstOrThrow();
      expect(stored).toMatchObject({
        provider: 'smartglocal',
        provider_payout_id: 'po_1313',
        session_id: 'ps_3230',
        merchant_transaction_id: 'SG-ORDER-77',
        amount: 125_050,
        currency: 'EUR',
        status: 'succeeded',
        provider_status: 'succeeded',
        method: 'bank_account',
        purpose: 'FAMILY_SUPPORT',
        country: 'RO',
        created_at: Date.parse('2026-11-20T10:00:01.123Z'),
      });
      expect(await history(stored.id)).toEqual([
        { status: 'pending', previous_status: null, source: 'webhook', regression: 0 },
        { status: 'succeeded', previous_status: 'pending', source: 'webhook', regression: 0 },
      ]);
    });

    it('Smart Glocal: unsafe, negative or float amounts and times without a zone are refused with 400 and a log line, nothing kept', async () => {
      const bad: Array<[string, string]> = [
        ['amount', sessionWebhook('payment_finished', 'succeeded', { amount: '900719925474099312345' })],
        ['amount', sessionWebhook('payment_finished', 'succeeded', { amount: 2 ** 70 })],
        ['amount', sessionWebhook('payment_finished', 'succeeded', { amount: -700 })],
        ['amount', sessionWebhook('payment_finished', 'succeeded', { amount: '-700' })],
        ['amount', sessionWebhook('payment_finished', 'succeeded', { amount: 12.5 })],
        ['created_at', sessionWebhook('payment_finished', 'succeeded', { createdAt: '1' })],
        ['created_at', sessionWebhook('payment_finished', 'succeeded', { createdAt: '2026-11-20T10:00:01' })],
        ['created_at', sessionWebhook('payment_finished', 'succeeded', { createdAt: '2026-02-30T10:00:01Z' })],
        ['updated_at', sessionWebhook('payment_finished', 'succeeded', { updatedAt: '2026-11-20 10:05:00' })],
      ];
      for (const [field, body] of bad) {
        const response = await post('/webhooks/smartglocal', body, sign(body));
        expect(response.status, body).toBe(400);
        expect(((await response.json()) as { error: string }).error).toContain(field);
      }
      expect(logs.filter((l) => l.includes('smartglocal webhook refused (400)'))).toHaveLength(bad.length);
      expect(await count('notification_inbox')).toBe(0);
      expect(await count('payouts')).toBe(0);
      // Still accepted: digit strings within 2^53 and offsets other than Z.
      const good = sessionWebhook('payment_finished', 'succeeded', { amount: '9007199254740991', createdAt: '2026-11-20T12:00:01.5+02:00' });
      expect((await post('/webhooks/smartglocal', good, sign(good))).status).toBe(200);
      await settled(1);
      expect(await t.ledger.db.selectFrom('payouts').select(['amount', 'created_at']).executeTakeFirstOrThrow()).toEqual({
        amount: Number.MAX_SAFE_INTEGER,
        created_at: Date.parse('2026-11-20T10:00:01.500Z'),
      });
    });

    it('refuses a tampered or unsigned Smart Glocal webhook, keeping nothing', async () => {
      const body = sessionWebhook('payment_finished', 'succeeded');
      const signature = signBody(body, providerKey);
      const tampered = body.replace('125050', '925050');
      expect((await post('/webhooks/smartglocal', tampered, { 'x-partner-sign': signature })).status).toBe(401);
      expect((await post('/webhooks/smartglocal', body, {})).status).toBe(401);
      const otherKey = createPrivateKey(generateRsaKeyPair().privateKeyPem);
      expect((await post('/webhooks/smartglocal', body, { 'x-partner-sign': signBody(body, otherKey) })).status).toBe(401);
      const notJson = '{"type":';
      expect((await post('/webhooks/smartglocal', notJson, sign(notJson))).status).toBe(400);
      expect(await count('notification_inbox')).toBe(0);
      expect(await count('payouts')).toBe(0);
    });
  });
}
