/**
 * Sends alert notifications to their channels (the log, and every URL in
 * `alerts.webhooks`) and records every delivery in `alert_deliveries`
 * (target: the webhook's host and a hash of its URL, `webhookKey`, so each
 * URL is tracked on its own; never the URL, which may carry a token). Runs after
 * the alert state is committed: a failed webhook is recorded and reported,
 * never thrown, and is sent again by the next run (`pendingRedeliveries`).
 */
import pLimit from 'p-limit';
import type { Ledger } from '../ledger/ledger.js';
import { fromJson } from '../ledger/mapping.js';
import type { Logger } from '../shared/logger.js';
import { formatInstant, type Instant } from '../shared/time.js';
import type { AlertEvent, AlertNotification, AlertSeverity } from './alert-types.js';
import { targetHost, WebhookSender, webhookKey } from './webhook-sender.js';

export interface AlertChannelsConfig {
  webhooks: readonly string[];
  webhookTimeoutMs: number;
  webhookRetries: number;
  webhookRetryDelayMs: number;
}

export interface DeliveryOutcome {
  alertId: number;
  conditionKey: string;
  event: AlertEvent;
  channel: 'webhook' | 'log';
  /** The webhook's host; null for the log. */
  target: string | null;
  ok: boolean;
  attempts: number;
  httpStatus: number | null;
  error: string | null;
}

/** A notification and, for a redelivery, the only webhooks it goes to again. */
export interface Delivery {
  notification: AlertNotification;
  /** Webhooks to send to, as `webhookKey`s; undefined: every configured webhook. */
  targets?: readonly string[];
}

/** The JSON document a webhook receives. `text` is what a chat channel (Slack, Teams, Mattermost) shows. */
export function webhookPayload(n: AlertNotification, sentAt: Instant): Record<string, unknown> {
  return {
    source: 'payout-recon',
    event: n.event,
    kind: n.kind,
    condition_key: n.conditionKey,
    severity: n.severity,
    title: n.title,
    text: n.text,
    details: n.details,
    alert_id: n.alertId,
    first_fired_at: formatInstant(n.firstFiredAt),
    sent_at: formatInstant(sentAt),
    ...(n.redelivery ? { redelivery: true } : {}),
  };
}

export async function deliverNotifications(
  ledger: Ledger,
  deliveries: readonly Delivery[],
  options: { channels: AlertChannelsConfig; log: Logger; clock: () => Instant },
): Promise<DeliveryOutcome[]> {
  if (deliveries.length === 0) return [];
  const { channels, log, clock } = options;
  const outcomes: DeliveryOutcome[] = [];
  const sender = new WebhookSender({
    timeoutMs: channels.webhookTimeoutMs,
    retries: channels.webhookRetries,
    retryDelayMs: channels.webhookRetryDelayMs,
  });
  const limit = pLimit(4);
  try {
    await Promise.all(
      deliveries.map((d) =>
        limit(async () => {
          const n = d.notification;
          if (!n.redelivery) {
            logNotification(log, n);
            outcomes.push(await record(ledger, n, 'log', null, { ok: true, attempts: 1, httpStatus: null, error: null }, clock()));
          }
          for (const url of channels.webhooks) {
            const key = webhookKey(url);
            if (d.targets && !d.targets.includes(key)) continue;
            const result = await sender.post(url, webhookPayload(n, clock()));
            if (!result.ok) {
              log.warn(`alert webhook delivery failed`, { target: key, condition: n.conditionKey, event: n.event, error: result.error });
            }
            outcomes.push(await record(ledger, n, 'webhook', key, result, clock()));
          }
        }),
      ),
    );
  } finally {
    await sender.close();
  }
  return outcomes;
}

function logNotification(log: Logger, n: AlertNotification): void {
  const fields = { kind: n.kind, condition: n.conditionKey, severity: n.severity };
  const line = `alert ${n.event}: ${n.text}`;
  if (n.event === 'resolved') log.info(line, fields);
  else if (n.severity === 'critical') log.error(line, fields);
  else log.warn(line, fields);
}

async function record(
  ledger: Ledger,
  n: AlertNotification,
  channel: 'webhook' | 'log',
  target: string | null,
  result: { ok: boolean; attempts: number; httpStatus: number | null; error: string | null },
  at: Instant,
): Promise<DeliveryOutcome> {
  await ledger.db
    .insertInto('alert_deliveries')
    .values({
      alert_id: n.alertId,
      channel,
      target,
      event: n.event,
      attempted_at: at,
      attempts: result.attempts,
      ok: result.ok ? 1 : 0,
      http_status: result.httpStatus,
      error: result.error,
    })
    .execute();
  return { alertId: n.alertId, conditionKey: n.conditionKey, event: n.event, channel, target: target === null ? null : targetHost(target), ...result };
}

/**
 * Notifications whose last webhook delivery to a still-configured webhook
 * URL failed, within `maxAgeMs`, and that still describe the alert (a firing
 * alert's `fired`/`reminder`, a resolved alert's `resolved`): the next run
 * sends them again, to the webhooks that missed them.
 */
function asSeverity(value: string): AlertSeverity {
  return value === 'critical' || value === 'info' ? value : 'warning';
}

export async function pendingRedeliveries(
  ledger: Ledger,
  options: { webhooks: readonly string[]; now: Instant; maxAgeMs: number; exclude?: ReadonlySet<number> },
): Promise<Delivery[]> {
  const keys = new Set(options.webhooks.map(webhookKey));
  if (keys.size === 0) return [];
  const rows = await ledger.db
    .selectFrom('alert_deliveries')
    .select(['id', 'alert_id', 'target', 'event', 'ok'])
    .where('channel', '=', 'webhook')
    .where('attempted_at', '>=', options.now - options.maxAgeMs)
    .orderBy('id')
    .execute();
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows) latest.set(`${row.alert_id}\u0000${row.target ?? ''}`, row);
  const failed = new Map<number, { event: string; targets: Set<string> }>();
  for (const row of latest.values()) {
    if (row.ok === 1 || row.target === null || !keys.has(row.target) || options.exclude?.has(row.alert_id)) continue;
    const entry = failed.get(row.alert_id) ?? { event: row.event, targets: new Set<string>() };
    if (entry.event !== row.event) continue; // a newer event reached some hosts: the next announcement catches up
    entry.targets.add(row.target);
    failed.set(row.alert_id, entry);
  }
  if (failed.size === 0) return [];
  const alerts = await ledger.db.selectFrom('alerts').selectAll().where('id', 'in', [...failed.keys()]).execute();
  const out: Delivery[] = [];
  for (const a of alerts) {
    const entry = failed.get(a.id)!;
    const event = entry.event as AlertEvent;
    const stillTrue = a.state === 'resolved' ? event === 'resolved' : event !== 'resolved';
    if (!stillTrue) continue;
    const details = fromJson<Record<string, unknown>>(a.details, {});
    const resolution = typeof details.resolution === 'string' ? details.resolution : a.text;
    out.push({
      notification: {
        alertId: a.id,
        event,
        kind: a.kind,
        conditionKey: a.condition_key,
        severity: asSeverity(a.severity),
        title: event === 'resolved' ? `Resolved: ${a.title}` : a.title,
        text: event === 'resolved' ? `Resolved: ${resolution}` : a.text,
        details,
        firstFiredAt: a.first_fired_at,
        redelivery: true,
      },
      targets: [...entry.targets],
    });
  }
  return out;
}
