import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import {
  type BalanceSandbox,
  DAY,
  insertPayout,
  keyPair,
  startBalanceSandbox,
  startWebhookReceiver,
  type WebhookReceiver,
  writeProject,
} from '../helpers/monitoring-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

interface BalanceJson {
  taken_at: string;
  balances: { currency: string; amount: string; threshold: string | null; projected: string }[];
  alerts: { kind: string; message: string; severity: string; condition_key: string; state: string; notified: string | null }[];
  resolved_alerts: { kind: string; message: string; condition_key: string; state: string; notified: string | null }[];
  deliveries: { sent: number; failed: number; details: { channel: string; target: string | null; ok: boolean; attempts: number; error: string | null }[] };
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'balance command: snapshots and alerts against the sandbox', () => {
    let t: TestLedger;
    let sb: BalanceSandbox;
    let hook: WebhookReceiver;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      sb = await startBalanceSandbox();
      hook = await startWebhookReceiver();
    });
    afterEach(async () => {
      await hook.close();
      await sb.server.close();
      await t.cleanup();
    });

    const project = (alerts: Record<string, unknown> = {}, privateKeyPem?: string) =>
      writeProject(tempDir(), {
        databaseUrl: t.url,
        sandboxUrl: sb.server.url,
        project: sb.project,
        alerts: { lowBalance: { EUR: '5000.00' }, webhooks: [`${hook.url}/hooks/T0KEN-SECRET?token=abc`], ...alerts },
        ...(privateKeyPem ? { privateKeyPem } : {}),
      });
    const balance = async (cwd: string) => {
      const run = await runCliInProcess(['balance', '--json'], { cwd });
      expect(run.exitCode, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as BalanceJson;
    };

    it('a balance below the threshold fires exactly one alert over three runs, and one resolved when topped up', async () => {
      sb.sandbox.setBalance('EUR', 4_200_00);
      sb.sandbox.setBalance('USD', 100_00); // no threshold: never a low-balance alert
      const cwd = project();
      const runs = [await balance(cwd), await balance(cwd), await balance(cwd)];
      expect(runs[0]!.balances.map((b) => [b.currency, b.amount, b.threshold])).toEqual([
        ['EUR', '4200.00', '5000.00'],
        ['USD', '100.00', null],
      ]);
      for (const run of runs) {
        expect(run.alerts.map((a) => a.condition_key)).toEqual(['low_balance:EUR']);
      }
      expect(runs.map((r) => r.alerts[0]!.notified)).toEqual(['fired', null, null]);
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0]).toMatchObject({
        event: 'fired',
        kind: 'low_balance',
        condition_key: 'low_balance:EUR',
        severity: 'warning',
        title: 'Low prefunding balance: EUR',
        details: { currency: 'EUR', balance: 4_200_00, threshold: 5_000_00 },
      });
      expect(hook.received[0]!.text).toBe(
        'The EUR prefunding balance is EUR 4,200.00, below the EUR 5,000.00 threshold. Top up now: a bank wire takes 1–3 business days.',
      );

      sb.sandbox.topUp('EUR', 10_000_00, 'WIRE-7');
      const after = await balance(cwd);
      expect(after.alerts).toEqual([]);
      expect(after.resolved_alerts).toEqual([expect.objectContaining({ kind: 'low_balance', state: 'resolved', notified: 'resolved' })]);
      await balance(cwd);
      expect(hook.received.map((r) => r.event)).toEqual(['fired', 'resolved']);
      expect(hook.received[1]!.text).toBe('Resolved: The EUR prefunding balance is EUR 14,200.00, back above the EUR 5,000.00 threshold.');

      const snapshots = await t.ledger.db.selectFrom('balance_snapshots').selectAll().orderBy('id').execute();
      expect(snapshots).toHaveLength(10);
      expect(snapshots.slice(-2).map((s) => [s.currency, s.amount, s.wallet_id, s.provider])).toEqual([
        ['EUR', 14_200_00, 'wlt_eur', 'smartglocal'],
        ['USD', 100_00, 'wlt_usd', 'smartglocal'],
      ]);
      const alerts = await t.ledger.db.selectFrom('alerts').selectAll().execute();
      expect(alerts.map((a) => [a.condition_key, a.state, a.notify_count])).toEqual([['low_balance:EUR', 'resolved', 2]]);
      const deliveries = await t.ledger.db.selectFrom('alert_deliveries').selectAll().orderBy('id').execute();
      // A webhook is stored as its host and a hash of its URL (never the URL: it carries a token).
      const webhookTarget: unknown = expect.stringMatching(new RegExp(`^${new URL(hook.url).host}#[0-9a-f]{12}$`));
      expect(deliveries.map((d) => [d.channel, d.target, d.event, d.ok])).toEqual([
        ['log', null, 'fired', 1],
        ['webhook', webhookTarget, 'fired', 1],
        ['log', null, 'resolved', 1],
        ['webhook', webhookTarget, 'resolved', 1],
      ]);
      expect(JSON.stringify(deliveries)).not.toContain('T0KEN');
    });

    it('a projected shortfall fires while the plain balance is still above the threshold', async () => {
      sb.sandbox.setBalance('EUR', 6_000_00);
      const now = Date.now();
      await insertPayout(t.ledger, { providerPayoutId: '1', amount: 1_500_00, status: 'pending', createdAt: now - DAY });
      await insertPayout(t.ledger, { providerPayoutId: '2', amount: 1_000_00, status: 'authorized', createdAt: now - 2 * DAY });
      await insertPayout(t.ledger, { providerPayoutId: '3', amount: 9_000_00, status: 'failed', createdAt: now - 2 * DAY });
      await insertPayout(t.ledger, { providerPayoutId: '4', amount: 700_00, status: 'pending', currency: 'USD', createdAt: now - DAY });
      const cwd = project();
      const run = await balance(cwd);
      expect(run.balances[0]).toMatchObject({ currency: 'EUR', amount: '6000.00', projected: '3500.00' });
      expect(run.alerts.map((a) => [a.condition_key, a.state])).toEqual([['projected_shortfall:EUR', 'firing']]);
      expect(run.alerts[0]!.message).toBe(
        'The EUR prefunding balance of EUR 6,000.00 minus EUR 2,500.00 of 2 payouts ordered but not yet debited leaves EUR 3,500.00, below the EUR 5,000.00 threshold. Top up: a bank wire takes 1–3 business days.',
      );
      expect(hook.received.map((r) => r.kind)).toEqual(['projected_shortfall']);

      // With debitOn "creation" those payouts are already off the balance: no shortfall.
      const creation = project({ debitOn: 'creation' });
      const second = await balance(creation);
      expect(second.balances[0]).toMatchObject({ projected: '6000.00' });
      expect(second.alerts).toEqual([]);
      expect(second.resolved_alerts.map((a) => [a.condition_key, a.state])).toEqual([['projected_shortfall:EUR', 'resolved']]);
    });

    it('runway: alerts when the balance lasts fewer business days than a top-up takes, saying until when', async () => {
      sb.sandbox.setBalance('EUR', 20_000_00);
      const now = Date.now();
      // 14 days at 10,000.00 a day: 20,000.00 lasts two calendar days.
      for (let d = 1; d <= 14; d++) {
        await insertPayout(t.ledger, { providerPayoutId: `r${d}`, amount: 10_000_00, createdAt: now - d * DAY + 60_000 });
      }
      const run = await balance(project({ lowBalance: {}, runwayDays: 3 }));
      const runway = run.alerts.find((a) => a.kind === 'runway');
      expect(runway?.state).toBe('firing');
      expect(runway?.message).toMatch(
        /^At the recent payout rate of EUR 10,000\.00 a day \(14-day average\), the EUR prefunding balance \(EUR 20,000\.00 after payouts not yet debited\) runs out on (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d{2}-\d{2}: [0-2] business days? from today, fewer than the 3 a bank top-up may take\. Top up now\.$/,
      );
      expect(hook.received.map((r) => r.kind)).toEqual(['runway']);
      expect(hook.received[0]!.details).toMatchObject({ daily_rate: 10_000_00, lookback_days: 14, runway_days: 3 });
    });

    it('a failed webhook keeps the snapshot, records the failed delivery, does not fail the command, and is sent again next run', async () => {
      sb.sandbox.setBalance('EUR', 1_000_00);
      hook.failNext(500, 3); // the first attempt and both retries
      const cwd = project();
      const human = await runCliInProcess(['balance'], { cwd });
      expect(human.exitCode).toBe(0);
      expect(human.stdout).toContain(
        `Webhook delivery to ${new URL(hook.url).host} failed for low_balance:EUR (fired): HTTP 500 after 3 attempts. The snapshot is stored; the alert will be sent again on the next run.`,
      );
      expect(human.stdout).not.toContain('T0KEN');
      expect(hook.hits).toBe(3);
      expect(hook.received).toHaveLength(0);
      expect(await t.ledger.db.selectFrom('balance_snapshots').select('amount').execute()).toEqual([{ amount: 1_000_00 }]);
      const failed = await t.ledger.db.selectFrom('alert_deliveries').selectAll().where('channel', '=', 'webhook').execute();
      expect(failed).toEqual([
        expect.objectContaining({
          target: expect.stringMatching(new RegExp(`^${new URL(hook.url).host}#[0-9a-f]{12}$`)) as unknown,
          event: 'fired',
          ok: 0,
          attempts: 3,
          http_status: 500,
          error: 'HTTP 500 after 3 attempts',
        }),
      ]);
      expect(JSON.stringify(failed)).not.toContain('T0KEN');

      const next = await balance(cwd);
      expect(next.deliveries).toMatchObject({ sent: 1, failed: 0 });
      expect(hook.received).toEqual([expect.objectContaining({ event: 'fired', condition_key: 'low_balance:EUR', redelivery: true })]);
      await balance(cwd);
      expect(hook.received).toHaveLength(1);
    });

    it('two webhooks on one host are tracked apart: the one that failed is sent again, the other is not', async () => {
      sb.sandbox.setBalance('EUR', 1_000_00);
      hook.failNext(500, 3); // the first webhook's attempts; the second one (same host) gets through
      const cwd = project({ webhooks: [`${hook.url}/hooks/FIRST`, `${hook.url}/hooks/SECOND`] });
      const first = await balance(cwd);
      expect(first.deliveries).toMatchObject({ sent: 1, failed: 1 });
      expect(hook.received).toHaveLength(1);
      const targets = await t.ledger.db.selectFrom('alert_deliveries').select(['target', 'ok']).where('channel', '=', 'webhook').orderBy('id').execute();
      expect(new Set(targets.map((r) => r.target)).size).toBe(2);
      expect(JSON.stringify(targets)).not.toMatch(/FIRST|SECOND/);

      const next = await balance(cwd);
      expect(next.deliveries).toMatchObject({ sent: 1, failed: 0 });
      expect(hook.received).toHaveLength(2);
      expect(hook.received[1]).toMatchObject({ condition_key: 'low_balance:EUR', redelivery: true });
      await balance(cwd);
      expect(hook.received).toHaveLength(2);
    });

    it('an unreachable webhook is reported, never fatal', async () => {
      sb.sandbox.setBalance('EUR', 1_000_00);
      const run = await runCliInProcess(['balance', '--json'], { cwd: project({ webhooks: ['http://127.0.0.1:9/hook?token=SECRET'] }) });
      expect(run.exitCode).toBe(0);
      const json = JSON.parse(run.stdout) as BalanceJson;
      expect(json.deliveries.failed).toBe(1);
      expect(json.deliveries.details.find((d) => d.channel === 'webhook')).toMatchObject({ target: '127.0.0.1:9', ok: false, error: 'ECONNREFUSED after 3 attempts' });
      expect(run.stdout + run.stderr).not.toContain('SECRET');
    });

    it('a wrong private key is exit 1 with a clear message, and nothing is stored', async () => {
      sb.sandbox.setBalance('EUR', 1_000_00);
      const run = await runCliInProcess(['balance'], { cwd: project({}, keyPair(1).privateKeyPem) });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'smartglocal: the provider refused our credentials (HTTP 401); check smartglocal.project and smartglocal.privateKeyPath in the configuration\n',
      );
      expect(sb.sandbox.requests.map((r) => r.signatureValid)).toEqual([false]);
      expect(await t.ledger.db.selectFrom('balance_snapshots').selectAll().execute()).toEqual([]);
    });

    it('a key file that is missing or not a PEM key is a config error (exit 2) naming the key', async () => {
      const cwd = project();
      writeFileSync(path.join(cwd, 'smartglocal-private.pem'), 'garbage');
      const notPem = await runCliInProcess(['balance'], { cwd });
      expect(notPem.exitCode).toBe(2);
      expect(notPem.stderr).toBe(`config: smartglocal.privateKeyPath: the key file ${path.join(cwd, 'smartglocal-private.pem')} is not a PEM private key\n`);
      const config = JSON.parse((await import('node:fs')).readFileSync(path.join(cwd, 'config.json'), 'utf8')) as { smartglocal: { privateKeyPath: string } };
      config.smartglocal.privateKeyPath = './keys/none.pem';
      writeFileSync(path.join(cwd, 'config.json'), JSON.stringify(config));
      const missing = await runCliInProcess(['balance'], { cwd });
      expect(missing.exitCode).toBe(2);
      expect(missing.stderr).toMatch(/^config: smartglocal\.privateKeyPath: the key file .*keys\/none\.pem does not exist\n$/);
      expect(sb.sandbox.requests).toEqual([]);
    });

    it('without a smartglocal section, balance says what to configure (exit 2)', async () => {
      const cwd = tempDir();
      writeFileSync(path.join(cwd, 'config.json'), JSON.stringify({ database: { url: t.url } }));
      const run = await runCliInProcess(['balance'], { cwd });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toBe(
        'config: smartglocal is required to fetch balances: set smartglocal.baseUrl, smartglocal.project and smartglocal.privateKeyPath\n',
      );
    });

    it('the provider unreachable after retries is exit 1 and stores nothing', async () => {
      sb.sandbox.failWith({ kind: 'http', status: 502 });
      const run = await runCliInProcess(['balance', '--json'], { cwd: project() });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/will be retried reason="HTTP 502"/);
      expect(run.stderr).toMatch(/\nsmartglocal: POST \/api\/v1\/wallet\/balance failed after 3 attempts: HTTP 502\n$/);
      expect(await t.ledger.db.selectFrom('balance_snapshots').selectAll().execute()).toEqual([]);
    });
  });
}
