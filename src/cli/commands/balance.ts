import type { Command } from 'commander';
import type { AlertState } from '../../alerts/alert-store.js';
import type { DeliveryOutcome } from '../../alerts/alert-delivery.js';
import type { BalanceAssessment } from '../../monitoring/balance-conditions.js';
import { type BalanceMonitorResult, runBalanceCheck } from '../../monitoring/balance-check.js';
import type { RefundMonitorOutcome } from '../../monitoring/refund-monitor.js';
import { formatMoney, formatMoneyForDisplay } from '../../shared/money.js';
import { formatHumanTime, localizeTimes } from '../../shared/human-time.js';
import { formatInstant } from '../../shared/time.js';
import { type CliState, commandAction } from '../action.js';
import { describeDay } from '../../monitoring/balance-conditions.js';

export function registerBalanceCommand(program: Command, state: CliState): void {
  program
    .command('balance')
    .description('fetch prefunding balances, store a snapshot, evaluate balance and refund monitors, send alerts')
    .action(
      commandAction(state, async (ctx) => {
        const config = ctx.config;
        const ledger = await ctx.ledger();
        const result = await runBalanceCheck(ledger, config, {
          log: ctx.log.child('balance'),
          clock: ctx.clock,
          resolvePath: (p) => ctx.resolvePath(p),
        });
        return { json: balanceJson(result), text: balanceText(result, ctx.config.timezone) };
      }),
    );
}

function refundJson(r: RefundMonitorOutcome) {
  const count = (verdict: string) => r.evaluated.filter((i) => i.verdict === verdict).length;
  return {
    currency: r.currency,
    watermark: r.watermark === null ? null : formatInstant(r.watermark),
    intervals_checked: r.evaluated.length,
    waiting_for_sync: r.waiting,
    explained_by_topups_or_reported_refunds: count('pending_credits'),
    suspected_payouts: r.evaluated.flatMap((i) => (i.verdict === 'suspected_manual_refund' ? i.payoutIds : [])),
    unexplained_increases: count('unexplained_balance_change'),
    /** Increases whose refund candidates are several combinations (listed on the exception). */
    open_candidate_sets: r.evaluated.filter((i) => i.candidateSets.length > 1).length,
    debit_model: {
      configured: r.debitModel.configured,
      in_use: r.debitModel.inUse,
      detected: r.debitModel.detected,
      contradicted: r.debitModel.contradicted,
      scores: r.debitModel.verdict?.scores ?? null,
      note: r.debitModel.verdict?.reason ?? 'no snapshots covered by the sync yet',
    },
    held: r.held === null ? null : { from: formatInstant(r.held.from), to: formatInstant(r.held.to), reason: r.held.reason },
  };
}

function debitModelText(r: RefundMonitorOutcome): string {
  const m = r.debitModel;
  const why = m.verdict?.reason ?? 'no snapshots covered by the sync yet';
  if (m.configured === 'auto') return m.inUse === null ? `debit model not known yet (${why})` : `debit model ${m.inUse}, detected (${why})`;
  return m.contradicted ? `debit model ${m.configured} as configured, CONTRADICTED: the balance behaves as ${m.detected} (${why})` : `debit model ${m.configured} as configured`;
}

function alertJson(a: AlertState) {
  return {
    kind: a.kind,
    message: a.text,
    severity: a.severity,
    condition_key: a.conditionKey,
    state: a.state,
    notified: a.event,
    title: a.title,
  };
}

function deliveryJson(d: DeliveryOutcome) {
  return {
    condition_key: d.conditionKey,
    event: d.event,
    channel: d.channel,
    target: d.target,
    ok: d.ok,
    attempts: d.attempts,
    http_status: d.httpStatus,
    error: d.error,
  };
}

function assessmentJson(a: BalanceAssessment, walletIds: string[]) {
  return {
    currency: a.currency,
    amount: formatMoney(a.balance, a.currency),
    amount_minor: a.balance,
    wallet_ids: walletIds,
    threshold: a.threshold === null ? null : formatMoney(a.threshold, a.currency),
    projected: formatMoney(a.projected, a.currency),
    runway: {
      daily_rate: formatMoney(a.runway.dailyRate, a.currency),
      runs_out_on: a.runway.runsOutOn,
      business_days_left: a.runway.businessDaysLeft,
    },
  };
}

export function balanceJson(result: BalanceMonitorResult) {
  const webhooks = result.alerts.deliveries.filter((d) => d.channel === 'webhook');
  return {
    taken_at: result.balances[0] ? formatInstant(result.balances[0].takenAt) : null,
    balances: result.assessments.map((a) =>
      assessmentJson(a, result.balances.find((b) => b.currency === a.currency)?.walletIds ?? []),
    ),
    /** Conditions that hold now (announced this run or earlier). */
    alerts: result.alerts.alerts.filter((a) => a.state === 'firing').map(alertJson),
    /** Conditions that cleared in this run (a `resolved` message was sent). */
    resolved_alerts: result.alerts.alerts.filter((a) => a.state === 'resolved').map(alertJson),
    refunds: result.refunds.map(refundJson),
    deliveries: {
      sent: webhooks.filter((d) => d.ok).length,
      failed: webhooks.filter((d) => !d.ok).length,
      details: result.alerts.deliveries.map(deliveryJson),
    },
  };
}

/** Human output: times in the configured zone (`zone`). */
export function balanceText(result: BalanceMonitorResult, zone: string): string {
  const lines: string[] = [];
  if (result.balances.length === 0) {
    lines.push('The provider reported no prefunding wallet.');
  } else {
    lines.push(`Prefunding balances at ${formatHumanTime(result.balances[0]!.takenAt, zone)} (snapshot stored):`);
    for (const a of result.assessments) {
      const notes: string[] = [];
      if (a.threshold !== null) {
        notes.push(`${a.balance < a.threshold ? 'BELOW' : 'above'} threshold ${formatMoneyForDisplay(a.threshold, a.currency)}`);
      }
      if (a.projected !== a.balance) notes.push(`${formatMoneyForDisplay(a.projected, a.currency)} after payouts not yet debited`);
      if (a.runway.runsOutOn !== null) {
        notes.push(`lasts until ${describeDay(a.runway.runsOutOn)} (${a.runway.businessDaysLeft ?? 0} business days)`);
      }
      lines.push(`  ${a.currency} ${formatMoneyForDisplay(a.balance, a.currency).padStart(16)}${notes.length > 0 ? `   ${notes.join('; ')}` : ''}`);
    }
  }
  for (const r of result.refunds) {
    const checked = r.evaluated.length;
    const found = r.evaluated.filter((i) => i.verdict === 'suspected_manual_refund' || i.verdict === 'unexplained_balance_change').length;
    const waiting =
      r.waiting > 0
        ? `; ${r.waiting} snapshot${r.waiting === 1 ? '' : 's'} wait for sync (${r.watermark === null ? 'payouts not synced yet' : `ledger complete up to ${formatHumanTime(r.watermark, zone)}`})`
        : '';
    lines.push(
      `Refund check ${r.currency}: ${checked} interval${checked === 1 ? '' : 's'} checked, ${found === 0 ? 'no unexplained increase' : `${found} unexplained increase${found === 1 ? '' : 's'} (see payout-recon exceptions)`}${waiting}; ${debitModelText(r)}`,
    );
    if (r.held !== null) lines.push(`  waiting from ${formatInstant(r.held.from)}: ${r.held.reason}`);
  }
  const firing = result.alerts.alerts.filter((a) => a.state === 'firing');
  const resolved = result.alerts.alerts.filter((a) => a.state === 'resolved');
  if (firing.length > 0 || resolved.length > 0) {
    lines.push('Alerts:');
    for (const a of [...firing, ...resolved]) {
      const note = a.event === null ? 'still firing, already notified' : a.event;
      lines.push(`  [${a.severity}] ${a.conditionKey} (${note}): ${localizeTimes(a.text.replace(/^Resolved: /, ''), zone)}`);
    }
  } else {
    lines.push('No alerts.');
  }
  for (const d of result.alerts.failedDeliveries) {
    lines.push(
      `Webhook delivery to ${d.target ?? '?'} failed for ${d.conditionKey} (${d.event}): ${d.error ?? 'error'}. The snapshot is stored; the alert will be sent again on the next run.`,
    );
  }
  return lines.join('\n');
}
