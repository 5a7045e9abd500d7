import { afterEach, beforeEach, expect, it } from 'vitest';
import { type AlertCondition, raiseAlert, resolveAlert } from '../../src/alerts/alerts.js';
import { applyAlertChecks } from '../../src/alerts/alert-store.js';
import type { AlertsConfig } from '../../src/alerts/alerts.js';
import { parseConfigValue } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTestLedger, DIALECTS, describeDialect, type TestLedger } from '../helpers/dialects.js';
import { HOUR, startWebhookReceiver, type WebhookReceiver } from '../helpers/monitoring-fixtures.js';

const failing = (failures: number, severity: AlertCondition['severity'] = 'critical'): AlertCondition => ({
  kind: 'job_failing',
  conditionKey: 'job_failing:sync',
  severity,
  title: 'sync keeps failing',
  text: `sync failed ${failures} times in a row: smart2pay unreachable.`,
  details: { job: 'sync', failures },
});

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'alerts API (raise, remind, resolve)', () => {
    let t: TestLedger;
    let hook: WebhookReceiver;
    let config: AlertsConfig;
    let now: number;
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const options = () => ({ config, log, clock: () => now });
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      hook = await startWebhookReceiver();
      config = parseConfigValue({ alerts: { webhooks: [hook.url], reminderHours: 4, webhookRetries: 1, webhookRetryDelayMs: 5 } }).alerts;
      now = Date.parse('2026-11-21T10:00:00Z');
      lines.length = 0;
    });
    afterEach(async () => {
      await hook.close();
      await t.cleanup();
    });

    it('announces once, reminds after reminderHours, updates silently in between, resolves once', async () => {
      const first = await raiseAlert(t.ledger, failing(4), options());
      expect(first.notifications.map((n) => n.event)).toEqual(['fired']);
      now += HOUR;
      const quiet = await raiseAlert(t.ledger, failing(5), options());
      expect(quiet.notifications).toEqual([]);
      expect(quiet.alerts).toEqual([expect.objectContaining({ state: 'firing', event: null, text: 'sync failed 5 times in a row: smart2pay unreachable.' })]);
      now += 3 * HOUR;
      expect((await raiseAlert(t.ledger, failing(9), options())).notifications.map((n) => n.event)).toEqual(['reminder']);
      now += HOUR;
      expect((await resolveAlert(t.ledger, 'job_failing:sync', 'sync succeeded again.', options())).notifications.map((n) => n.event)).toEqual(['resolved']);
      expect((await resolveAlert(t.ledger, 'job_failing:sync', 'sync succeeded again.', options())).notifications).toEqual([]);
      expect(hook.received.map((r) => [r.event, r.severity, r.text])).toEqual([
        ['fired', 'critical', 'sync failed 4 times in a row: smart2pay unreachable.'],
        ['reminder', 'critical', 'sync failed 9 times in a row: smart2pay unreachable.'],
        ['resolved', 'critical', 'Resolved: sync succeeded again.'],
      ]);
      expect(hook.received[0]).toMatchObject({
        source: 'payout-recon',
        kind: 'job_failing',
        condition_key: 'job_failing:sync',
        title: 'sync keeps failing',
        details: { job: 'sync', failures: 4 },
        first_fired_at: '2026-11-21T10:00:00.000Z',
      });
      expect(lines.filter((l) => l.includes('alert '))).toHaveLength(3);
      // Once resolved, the condition can fire again as a new alert.
      now += HOUR;
      expect((await raiseAlert(t.ledger, failing(1), options())).notifications.map((n) => n.event)).toEqual(['fired']);
      const rows = await t.ledger.db.selectFrom('alerts').select(['state', 'notify_count']).orderBy('id').execute();
      expect(rows).toEqual([
        { state: 'resolved', notify_count: 3 },
        { state: 'firing', notify_count: 1 },
      ]);
    });

    it('a rise in severity is announced at once', async () => {
      await raiseAlert(t.ledger, failing(2, 'warning'), options());
      now += 60_000;
      expect((await raiseAlert(t.ledger, failing(3, 'warning'), options())).notifications).toEqual([]);
      expect((await raiseAlert(t.ledger, failing(5, 'critical'), options())).notifications.map((n) => [n.event, n.severity])).toEqual([['reminder', 'critical']]);
    });

    it('one firing alert per condition even when two runs fire it at once', async () => {
      const check = { conditionKey: 'low_balance:EUR', firing: { ...failing(1), kind: 'low_balance', conditionKey: 'low_balance:EUR' } };
      const results = await Promise.all([
        applyAlertChecks(t.ledger, [check], { now, reminderMs: HOUR }),
        applyAlertChecks(t.ledger, [check], { now, reminderMs: HOUR }),
      ]);
      expect(results.flatMap((r) => r.notifications).map((n) => n.event)).toEqual(['fired']);
      expect(await t.ledger.db.selectFrom('alerts').select('state').execute()).toEqual([{ state: 'firing' }]);
    });
  });
}

for (const dialect of DIALECTS) {
  describeDialect(dialect, 'job failure alerts for the daemon', () => {
    let t: TestLedger;
    let hook: WebhookReceiver;
    beforeEach(async () => {
      t = await createTestLedger(dialect);
      hook = await startWebhookReceiver();
    });
    afterEach(async () => {
      await hook.close();
      await t.cleanup();
    });

    it('a failing job fires once per condition, reminds, and resolves on the first success', async () => {
      const { jobFailureAlerts } = await import('../../src/alerts/job-alerts.js');
      let now = Date.parse('2026-11-21T10:00:00Z');
      const config = parseConfigValue({ alerts: { webhooks: [hook.url], reminderHours: 1 } });
      const alerts = jobFailureAlerts({ config, ledger: t.ledger, log: createLogger({ write: () => undefined }), clock: () => now });
      const failing = (n: number) => ({ job: 'sync', consecutiveFailures: n, threshold: 3, error: 'smart2pay: HTTP 503', replica: 'r1', at: now });
      await alerts.jobFailing(failing(4));
      now += 10 * 60_000;
      await alerts.jobFailing(failing(5));
      now += HOUR;
      await alerts.jobFailing(failing(11));
      await alerts.jobRecovered({ job: 'sync', previousFailures: 11, replica: 'r1', at: now });
      expect(hook.received.map((r) => [r.event, r.condition_key, r.severity])).toEqual([
        ['fired', 'job_failing:sync', 'critical'],
        ['reminder', 'job_failing:sync', 'critical'],
        ['resolved', 'job_failing:sync', 'critical'],
      ]);
      expect(hook.received[0]!.text).toBe('The sync job failed 4 ticks in a row (threshold 3); last error: smart2pay: HTTP 503');
      expect(hook.received[2]!.text).toBe('Resolved: The sync job succeeded again after 11 failures in a row.');
    });
  });
}
