/**
 * The inbox survives kill -9: the real binary (`bin/payout-recon.js daemon`)
 * answers a notification while the provider's API is down, is killed with
 * SIGKILL before it could confirm it, and the delivery is confirmed later,
 * by the restarted daemon or by `poll`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type RunningSmart2PaySandbox, startSmart2PaySandbox } from '../../src/providers/sandbox/smart2pay-sandbox.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { tempDir } from '../helpers/temp-dir.js';
import { daemonConfigObject, type DaemonProcess, spawnDaemon, waitFor } from './helpers.js';

const SITE_ID = '1010';
const API_KEY = 'kill-test-key';
const AUTH = { authorization: `Basic ${Buffer.from(`${SITE_ID}:${API_KEY}`).toString('base64')}`, 'content-type': 'application/json' };

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'notification inbox: kill -9 between the answer and the confirmation', () => {
    const running: DaemonProcess[] = [];
    let test: TestLedger | undefined;
    let api: RunningSmart2PaySandbox | undefined;
    afterEach(async () => {
      for (const p of running.splice(0)) p.kill('SIGKILL');
      await api?.close();
      await test?.cleanup();
      test = undefined;
      api = undefined;
    });

    async function killedWithTwoDeliveries() {
      test = await createTestLedger(dialect);
      api = await startSmart2PaySandbox({ seed: 3, count: 5, siteId: SITE_ID, apiKey: API_KEY });
      const cwd = tempDir();
      const config = {
        ...daemonConfigObject(test.url),
        smart2pay: { baseUrl: api.url, siteId: SITE_ID, apiKey: API_KEY, http: { maxRetries: 0, headersTimeoutMs: 1000, requestsPerSecond: 0 } },
      };
      writeFileSync(path.join(cwd, 'config.json'), JSON.stringify(config));
      const known = api.sandbox.addPayout({ statusId: 2, merchantTransactionId: 'KILL-1' });
      const unknown = JSON.stringify({ Payout: { ...(JSON.parse(api.sandbox.payoutJson(known.id)) as { Payout: object }).Payout, ID: 55_555_555 } });
      api.sandbox.setFaults({ down: true });
      const first = await spawnDaemon({ cwd, config, name: 'first' });
      running.push(first);
      const url = await first.url();
      for (const body of [api.sandbox.payoutJson(known.id), unknown]) {
        expect((await fetch(`${url}/notifications/smart2pay`, { method: 'POST', body, headers: AUTH })).status).toBe(204);
      }
      // Both tried against the API that is down, neither confirmed.
      await waitFor(async () => {
        const rows = await test!.ledger.db.selectFrom('notification_inbox').selectAll().execute();
        return rows.length === 2 && rows.every((r) => r.status === 'received' && r.note?.includes('503'));
      }, 'two failed attempts');
      first.kill('SIGKILL');
      expect(await first.exited).toBe(128 + 9);
      api.sandbox.resetFaults();
      return { cwd, config, known, ledger: test.ledger };
    }

    it('the restarted daemon confirms what the killed one received', async () => {
      const { cwd, config, known, ledger } = await killedWithTwoDeliveries();
      const second = await spawnDaemon({ cwd, config, name: 'second' });
      running.push(second);
      await second.url();
      const rows = await waitFor(async () => {
        const all = await ledger.db.selectFrom('notification_inbox').selectAll().orderBy('id').execute();
        return all.every((r) => r.status !== 'received') ? all : undefined;
      }, 'the deliveries to be settled');
      expect(rows.map((r) => [r.subject, r.status])).toEqual([
        [String(known.id), 'confirmed'],
        ['55555555', 'rejected'],
      ]);
      const payouts = await ledger.db.selectFrom('payouts').select(['provider_payout_id', 'status', 'merchant_transaction_id']).execute();
      expect(payouts).toEqual([{ provider_payout_id: String(known.id), status: 'succeeded', merchant_transaction_id: 'KILL-1' }]);
      expect(second.stderr()).toMatch(/smart2pay notification rejected .*55555555/);
    });

    it('poll --json confirms what the killed daemon left, and reports it', async () => {
      const { cwd, known, ledger } = await killedWithTwoDeliveries();
      const run = await runCliInProcess(['poll', '--json'], { cwd });
      expect(run.exitCode, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { inbox: unknown }).inbox).toEqual({ confirmed: 1, rejected: 1, retrying: 0, pending: 0 });
      expect(run.stderr).toMatch(/smart2pay notification rejected/);
      const payouts = await ledger.db.selectFrom('payouts').select(['provider_payout_id', 'status']).execute();
      expect(payouts).toEqual([{ provider_payout_id: String(known.id), status: 'succeeded' }]);
      const again = await runCliInProcess(['poll', '--json'], { cwd });
      expect((JSON.parse(again.stdout) as { inbox: unknown }).inbox).toEqual({ confirmed: 0, rejected: 0, retrying: 0, pending: 0 });
    });
  });
}
