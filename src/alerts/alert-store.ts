/**
 * Alert state in the ledger (`alerts`): at most one firing row per
 * condition key (a partial unique index guards it), and the decision of
 * what to announce: a new condition is `fired`; one still true is silent
 * until `reminderHours` have passed since it was last announced (or its
 * severity rose), then it is a `reminder`; one no longer true is
 * `resolved`. The state changes are one transaction; sending happens after
 * it commits (`alert-delivery.ts`), so a failed webhook never undoes them.
 */
import { sql } from 'kysely';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { Instant } from '../shared/time.js';
import {
  type AlertCheck,
  type AlertCondition,
  type AlertEvent,
  type AlertNotification,
  type AlertSeverity,
  severityRank,
} from './alert-types.js';

/** An alert as the run left it. */
export interface AlertState {
  alertId: number;
  kind: string;
  conditionKey: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  state: 'firing' | 'resolved';
  /** What this run announced about it, if anything. */
  event: AlertEvent | null;
  firstFiredAt: Instant;
  details: Record<string, unknown>;
}

export interface AppliedChecks {
  notifications: AlertNotification[];
  /** Every alert the checks touched: firing ones (announced now or not) and the ones resolved now. */
  alerts: AlertState[];
}

const CHUNK = 500;

function asSeverity(value: string): AlertSeverity {
  return value === 'critical' || value === 'info' ? value : 'warning';
}

/** Applies the checks to the alert state and returns what must be announced. */
export async function applyAlertChecks(
  ledger: Ledger,
  checks: readonly AlertCheck[],
  options: { now: Instant; reminderMs: number },
): Promise<AppliedChecks> {
  if (checks.length === 0) return { notifications: [], alerts: [] };
  return ledger.transaction((trx) => applyInTransaction(trx, checks, options));
}

async function applyInTransaction(
  trx: LedgerTransaction,
  checks: readonly AlertCheck[],
  { now, reminderMs }: { now: Instant; reminderMs: number },
): Promise<AppliedChecks> {
  const keys = [...new Set(checks.map((c) => c.conditionKey))];
  const firingRows = new Map<string, Awaited<ReturnType<typeof selectFiring>>[number]>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    for (const row of await selectFiring(trx, keys.slice(i, i + CHUNK))) firingRows.set(row.condition_key, row);
  }
  const notifications: AlertNotification[] = [];
  const alerts: AlertState[] = [];
  for (const check of checks) {
    const row = firingRows.get(check.conditionKey);
    if (check.firing) {
      const c = check.firing;
      const details = toJson(c.details);
      if (!row) {
        const inserted = await trx
          .insertInto('alerts')
          .values({
            kind: c.kind,
            condition_key: c.conditionKey,
            severity: c.severity,
            title: c.title,
            text: c.text,
            details,
            state: 'firing',
            first_fired_at: now,
            last_notified_at: now,
            notify_count: 1,
            resolved_at: null,
          })
          .onConflict((oc) => oc.column('condition_key').where(sql<boolean>`state = 'firing'`).doNothing())
          .returning('id')
          .executeTakeFirst();
        // Another run fired it a moment ago: it announces it, not us.
        if (!inserted) continue;
        notifications.push(notification(inserted.id, 'fired', c, now));
        alerts.push(state(inserted.id, c, 'firing', 'fired', now));
        continue;
      }
      const due = row.last_notified_at === null || now - row.last_notified_at >= reminderMs;
      const escalated = severityRank(c.severity) > severityRank(row.severity);
      const changed = row.title !== c.title || row.text !== c.text || row.details !== details || row.severity !== c.severity;
      if (due || escalated) {
        const updated = await trx
          .updateTable('alerts')
          .set({
            kind: c.kind,
            severity: c.severity,
            title: c.title,
            text: c.text,
            details,
            last_notified_at: now,
            notify_count: row.notify_count + 1,
          })
          .where('id', '=', row.id)
          .where('state', '=', 'firing')
          .where('notify_count', '=', row.notify_count)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) > 0) {
          notifications.push(notification(row.id, 'reminder', c, row.first_fired_at));
          alerts.push(state(row.id, c, 'firing', 'reminder', row.first_fired_at));
          continue;
        }
      } else if (changed) {
        await trx
          .updateTable('alerts')
          .set({ kind: c.kind, severity: c.severity, title: c.title, text: c.text, details })
          .where('id', '=', row.id)
          .execute();
      }
      alerts.push(state(row.id, c, 'firing', null, row.first_fired_at));
      continue;
    }
    if (!row) continue;
    const resolvedDetails = { ...fromJson<Record<string, unknown>>(row.details, {}), ...(check.clearDetails ?? {}), resolution: check.clearText };
    const updated = await trx
      .updateTable('alerts')
      .set({
        state: 'resolved',
        resolved_at: now,
        last_notified_at: now,
        notify_count: row.notify_count + 1,
        details: toJson(resolvedDetails),
      })
      .where('id', '=', row.id)
      .where('state', '=', 'firing')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) continue;
    const resolved: AlertCondition = {
      kind: row.kind,
      conditionKey: row.condition_key,
      severity: asSeverity(row.severity),
      title: `Resolved: ${row.title}`,
      text: `Resolved: ${check.clearText}`,
      details: resolvedDetails,
    };
    notifications.push(notification(row.id, 'resolved', resolved, row.first_fired_at));
    alerts.push(state(row.id, resolved, 'resolved', 'resolved', row.first_fired_at));
  }
  return { notifications, alerts };
}

function selectFiring(trx: LedgerTransaction, keys: string[]) {
  return trx.selectFrom('alerts').selectAll().where('state', '=', 'firing').where('condition_key', 'in', keys).execute();
}

function notification(alertId: number, event: AlertEvent, c: AlertCondition, firstFiredAt: Instant): AlertNotification {
  return {
    alertId,
    event,
    kind: c.kind,
    conditionKey: c.conditionKey,
    severity: c.severity,
    title: c.title,
    text: c.text,
    details: c.details,
    firstFiredAt,
  };
}

function state(
  alertId: number,
  c: AlertCondition,
  s: 'firing' | 'resolved',
  event: AlertEvent | null,
  firstFiredAt: Instant,
): AlertState {
  return {
    alertId,
    kind: c.kind,
    conditionKey: c.conditionKey,
    severity: c.severity,
    title: c.title,
    text: c.text,
    state: s,
    event,
    firstFiredAt,
    details: c.details,
  };
}

/** Firing alerts whose key starts with one of `prefixes` (e.g. `suspected_manual_refund:`). */
export async function firingAlertKeys(ledger: Ledger, prefixes: readonly string[]): Promise<string[]> {
  if (prefixes.length === 0) return [];
  const rows = await ledger.db
    .selectFrom('alerts')
    .select('condition_key')
    .where('state', '=', 'firing')
    // LIKE's `_` matches any character and SQLite's LIKE ignores case: a superset, filtered exactly below.
    .where((eb) => eb.or(prefixes.map((p) => eb('condition_key', 'like', `${p}%`))))
    .execute();
  return rows.map((r) => r.condition_key).filter((k) => prefixes.some((p) => k.startsWith(p)));
}
