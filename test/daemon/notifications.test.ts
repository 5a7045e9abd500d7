import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseConfigValue } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { JobRegistry } from '../../src/daemon/jobs.js';
import { productionWiring } from '../../src/daemon/wiring.js';
import { Smart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { generateRsaKeyPair } from '../../src/providers/sandbox/smartglocal-sandbox.js';
import { signBody } from '../../src/providers/smartglocal/signature.js';
import { silentLogger } from '../../src/shared/logger.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDirForSuite } from '../helpers/temp-dir.js';

const SITE_ID = '1010';
const API_KEY = 'notification-test-key';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function sessionWebhook(type: string, status: string, payoutStatus: string) {
  return JSON.stringify({
    type,
    session: {
      id: 'ps_3230',
      status,
      created_at: '2026-11-20T10:00:00.000000Z',
      updated_at: '2026-11-20T10:05:00.000000Z',
      metadata: { merchant_transaction_id: 'SG-ORDER-77' },
      payments: [
        {
          id: 'po_1313',
          status: payoutStatus,
          created_at: '2026-11-20T10:00:01.123456Z',
          finished_at: null,
          amount_details: { amount: 125_050, currency: 'eur' },
          payment_method: { type: 'bank_account', bank_account: { system_type: 'global', global: { iban: 'RO49AAAA1B31007593840000', description: 'FAMILY_SUPPORT' } } },
          customer: { country: 'ro' },
        },
      ],
    },
  });
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'provider notifications in the daemon', () => {
    let t: TestLedger;
    let daemon: Daemon;
    let files: { dir: string; remove: () => void };
    let providerKey: ReturnType<typeof createPrivateKey>;
    const sandbox = new Smart2PaySandbox({ seed: 7, count: 20, siteId: SITE_ID, apiKey: API_KEY });

    beforeEach(async () => {
      t = await createTestLedger(dialect);
      files = tempDirForSuite();
      const keys = generateRsaKeyPair();
      providerKey = createPrivateKey(keys.privateKeyPem);
      writeFileSync(path.join(files.dir, 'provider-public.pem'), keys.publicKeyPem);
      writeFileSync(path.join(files.dir, 'our-private.pem'), generateRsaKeyPair().privateKeyPem);
      const config = parseConfigValue(
        {
          database: { url: t.url },
          server: { host: '127.0.0.1', port: 0, bodyLimitBytes: 64 * 1024 },
          schedule: { sync: null, poll: null, balance: null, reconcile: null, dailyReport: null, monthlyReport: null, close: null },
          smart2pay: { baseUrl: 'http://127.0.0.1:9', siteId: SITE_ID, apiKey: API_KEY },
          smartglocal: {
            baseUrl: 'http://127.0.0.1:9',
            project: 'proj',
            privateKeyPath: path.join(files.dir, 'our-private.pem'),
            providerPublicKeyPath: path.join(files.dir, 'provider-public.pem'),
          },
        },
        {},
      );
      const services = { config, ledger: t.ledger, log: silentLogger, clock: () => Date.now(), resolvePath: (p: string) => p };
      daemon = await Daemon.start({
        config,
        ledger: t.ledger,
        jobs: new JobRegistry(productionWiring.jobs(services)),
        routes: (router) => productionWiring.routes(router, services),
        log: silentLogger,
      });
    });

    afterEach(async () => {
      await daemon.stop();
      await t.cleanup();
      files.remove();
    });

    const post = (route: string, body: string, headers: Record<string, string>) =>
      fetch(`${daemon.url}${route}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

    const count = async (table: 'payouts' | 'payout_status_history') =>
      Number((await t.ledger.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    it('stores a Smart2Pay notification with good credentials once, however often it is delivered', async () => {
      const payout = [...sandbox.payouts()][0]!;
      const body = sandbox.payoutJson(payout.id);
      for (let i = 0; i < 3; i++) {
        const response = await post('/notifications/smart2pay', body, { authorization: basic(SITE_ID, API_KEY) });
        expect(response.status).toBe(204);
      }
      const rows = await t.ledger.db.selectFrom('payouts').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: 'smart2pay', provider_payout_id: String(payout.id) });
      expect(await count('payout_status_history')).toBe(1);
      const history = await t.ledger.db.selectFrom('payout_status_history').select('source').executeTakeFirstOrThrow();
      expect(history.source).toBe('notification');
    });

    it('records a status change a later notification carries', async () => {
      const added = sandbox.addPayout({ statusId: 1, merchantTransactionId: 'NOTIFY-1' });
      const auth = { authorization: basic(SITE_ID, API_KEY) };
      expect((await post('/notifications/smart2pay', sandbox.payoutJson(added.id), auth)).status).toBe(204);
      sandbox.setStatus(added.id, 2);
      expect((await post('/notifications/smart2pay', sandbox.payoutJson(added.id), auth)).status).toBe(204);
      const row = await t.ledger.db.selectFrom('payouts').selectAll().where('provider_payout_id', '=', String(added.id)).executeTakeFirstOrThrow();
      expect(row.status).toBe('succeeded');
      expect(await count('payout_status_history')).toBe(2);
    });

    it('answers 401 to bad credentials and 400 to a malformed body, storing nothing', async () => {
      const body = sandbox.payoutJson([...sandbox.payouts()][1]!.id);
      const wrongKey = await post('/notifications/smart2pay', body, { authorization: basic(SITE_ID, 'guess') });
      expect(wrongKey.status).toBe(401);
      const none = await post('/notifications/smart2pay', body, {});
      expect(none.status).toBe(401);
      const auth = { authorization: basic(SITE_ID, API_KEY) };
      expect((await post('/notifications/smart2pay', '{"Payout": {"ID": 5', auth)).status).toBe(400);
      expect((await post('/notifications/smart2pay', '{"Payout": {"ID": "x"}}', auth)).status).toBe(400);
      expect((await post('/notifications/smart2pay', 'x'.repeat(70 * 1024), auth)).status).toBe(413);
      expect(await count('payouts')).toBe(0);
    });

    it('records the payouts of a signed Smart Glocal webhook, once per delivery set', async () => {
      const started = sessionWebhook('ready_to_confirm', 'in_progress', 'in_progress');
      const finished = sessionWebhook('payment_finished', 'accepted', 'succeeded');
      for (const body of [started, finished, finished]) {
        const response = await post('/webhooks/smartglocal', body, { 'x-partner-sign': signBody(body, providerKey) });
        expect(response.status).toBe(200);
      }
      const rows = await t.ledger.db.selectFrom('payouts').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
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
      const history = await t.ledger.db.selectFrom('payout_status_history').select(['status', 'source']).orderBy('id').execute();
      expect(history).toEqual([
        { status: 'pending', source: 'webhook' },
        { status: 'succeeded', source: 'webhook' },
      ]);
    });

    it('refuses a tampered or unsigned Smart Glocal webhook, storing nothing', async () => {
      const body = sessionWebhook('payment_finished', 'accepted', 'succeeded');
      const signature = signBody(body, providerKey);
      const tampered = body.replace('125050', '925050');
      expect((await post('/webhooks/smartglocal', tampered, { 'x-partner-sign': signature })).status).toBe(401);
      expect((await post('/webhooks/smartglocal', body, {})).status).toBe(401);
      const otherKey = createPrivateKey(generateRsaKeyPair().privateKeyPem);
      expect((await post('/webhooks/smartglocal', body, { 'x-partner-sign': signBody(body, otherKey) })).status).toBe(401);
      const notJson = '{"type":';
      expect((await post('/webhooks/smartglocal', notJson, { 'x-partner-sign': signBody(notJson, providerKey) })).status).toBe(400);
      expect(await count('payouts')).toBe(0);
    });
  });
}
