/**
 * The alerting API: evaluate conditions, keep one alert per condition while
 * it lasts, announce it on the log and the configured webhooks (fired, a
 * reminder after `alerts.reminderHours`, resolved), record every delivery.
 *
 * The balance monitors use `processAlertChecks`; other parts (the daemon's
 * "job keeps failing") use `raiseAlert` / `resolveAlert`:
 *
 *   await raiseAlert(ledger, {
 *     kind: 'job_failing', conditionKey: 'job_failing:sync', severity: 'critical',
 *     title: 'sync keeps failing', text: 'sync failed 4 times in a row: …', details: { job: 'sync', failures: 4 },
 *   }, { config: config.alerts, log });
 *   await resolveAlert(ledger, 'job_failing:sync', 'sync succeeded again.', { config: config.alerts, log });
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../shared/logger.js';
import { MS_PER_HOUR, type Instant } from '../shared/time.js';
import { type DeliveryOutcome, deliverNotifications, type Delivery, pendingRedeliveries } from './alert-delivery.js';
import { type AlertState, applyAlertChecks } from './alert-store.js';
import type { AlertCheck, AlertCondition, AlertNotification } from './alert-types.js';

export type AlertsConfig = Config['alerts'];

export interface AlertRunOptions {
  config: AlertsConfig;
  log: Logger;
  /** The clock (default: the system clock). */
  clock?: () => Instant;
}

export interface AlertRunResult {
  /** Alerts the checks touched, as they are now. */
  alerts: AlertState[];
  /** What was announced (new events and redeliveries of failed ones). */
  notifications: AlertNotification[];
  deliveries: DeliveryOutcome[];
  /** Webhook deliveries that failed after their retries. */
  failedDeliveries: DeliveryOutcome[];
}

/**
 * Applies the checks (commits the alert state), then announces what changed
 * and re-sends earlier announcements whose webhook delivery failed. Delivery
 * failures are returned, never thrown.
 */
export async function processAlertChecks(ledger: Ledger, checks: readonly AlertCheck[], options: AlertRunOptions): Promise<AlertRunResult> {
  const clock = options.clock ?? Date.now;
  const { config, log } = options;
  const now = clock();
  const reminderMs = config.reminderHours * MS_PER_HOUR;
  const applied = await applyAlertChecks(ledger, checks, { now, reminderMs });
  const announced = new Set(applied.notifications.map((n) => n.alertId));
  const redeliveries = await pendingRedeliveries(ledger, { webhooks: config.webhooks, now, maxAgeMs: reminderMs, exclude: announced });
  const deliveries: Delivery[] = [...applied.notifications.map((notification) => ({ notification })), ...redeliveries];
  const outcomes = await deliverNotifications(ledger, deliveries, { channels: config, log, clock });
  return {
    alerts: applied.alerts,
    notifications: deliveries.map((d) => d.notification),
    deliveries: outcomes,
    failedDeliveries: outcomes.filter((o) => !o.ok),
  };
}

/** Records that a condition holds (announced once, then as a reminder every `alerts.reminderHours`). */
export function raiseAlert(ledger: Ledger, condition: AlertCondition, options: AlertRunOptions): Promise<AlertRunResult> {
  return processAlertChecks(ledger, [{ conditionKey: condition.conditionKey, firing: condition }], options);
}

/** Records that a condition no longer holds; announces `resolved` (with `text`) only if it was firing. */
export function resolveAlert(
  ledger: Ledger,
  conditionKey: string,
  text: string,
  options: AlertRunOptions & { details?: Record<string, unknown> },
): Promise<AlertRunResult> {
  return processAlertChecks(
    ledger,
    [{ conditionKey, firing: null, clearText: text, ...(options.details ? { clearDetails: options.details } : {}) }],
    options,
  );
}

export type { AlertCheck, AlertCondition, AlertNotification } from './alert-types.js';
export type { AlertState } from './alert-store.js';
export type { DeliveryOutcome } from './alert-delivery.js';
