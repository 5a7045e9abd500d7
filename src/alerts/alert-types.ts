/**
 * The vocabulary of alerts. An alert is a condition (`condition_key`, e.g.
 * `low_balance:EUR`) that is firing or resolved; while it fires it is
 * notified once, then again as a reminder every `alerts.reminderHours`, and
 * once more when it resolves.
 */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What a notification announces. */
export type AlertEvent = 'fired' | 'reminder' | 'resolved';

/** A condition that holds now. */
export interface AlertCondition {
  /** e.g. `low_balance`, `projected_shortfall`, `runway`, `suspected_manual_refund`, `job_failing`. */
  kind: string;
  /** Identity of the condition: one firing alert per key at a time, e.g. `low_balance:EUR`. */
  conditionKey: string;
  severity: AlertSeverity;
  /** Short, e.g. `Low prefunding balance: EUR`. */
  title: string;
  /** A human sentence with the figures: what a chat channel shows. */
  text: string;
  /** Machine-readable figures (minor units, ISO instants). */
  details: Record<string, unknown>;
}

/**
 * The result of evaluating one condition: firing (with what to say), or
 * clear (with the sentence for the `resolved` message, if it was firing).
 */
export type AlertCheck =
  | { conditionKey: string; firing: AlertCondition }
  | { conditionKey: string; firing: null; clearText: string; clearDetails?: Record<string, unknown> };

/** One notification to send: an alert and the event it announces. */
export interface AlertNotification {
  alertId: number;
  event: AlertEvent;
  kind: string;
  conditionKey: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  details: Record<string, unknown>;
  firstFiredAt: number;
  /** True when an earlier delivery of this event failed and this one sends it again. */
  redelivery?: boolean;
}

export function severityRank(severity: string): number {
  return severity === 'critical' ? 2 : severity === 'warning' ? 1 : 0;
}
