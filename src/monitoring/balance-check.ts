/**
 * One balance check, as `payout-recon balance` and the daemon's balance job
 * run it:
 * 1. fetch the prefunding balances (Smart Glocal `wallet/balance`);
 * 2. store one snapshot per currency, in one transaction, committed before
 *    anything else can fail;
 * 3. run the monitors: silent refunds between snapshots the ledger covers,
 *    regressions seen by the poller, then low balance, projected shortfall
 *    and runway for each currency;
 * 4. turn them into alerts (one per condition while it lasts) and deliver
 *    them; a failed webhook is reported in the result, never thrown.
 */
import type { AlertCheck } from '../alerts/alert-types.js';
import { type AlertRunResult, processAlertChecks } from '../alerts/alerts.js';
import { firingAlertKeys } from '../alerts/alert-store.js';
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import { fromJson } from '../ledger/mapping.js';
import type { Logger } from '../shared/logger.js';
import { formatMoneyForDisplay } from '../shared/money.js';
import { type Instant, MS_PER_DAY } from '../shared/time.js';
import { SMARTGLOCAL_PROVIDER, SmartGlocalClient, type WalletBalance } from '../providers/smartglocal/smartglocal-client.js';
import { ConfigError } from '../shared/errors.js';
import { assessBalance, type BalanceAssessment } from './balance-conditions.js';
import { notYetDebited, recentPayouts } from './payout-flows.js';
import { recordRegressionSuspicions, type RefundMonitorOutcome, runRefundMonitor } from './refund-monitor.js';

export interface StoredBalance {
  snapshotId: number;
  currency: string;
  /** Minor units: the sum of the currency's wallets. */
  amount: number;
  walletIds: string[];
  takenAt: Instant;
}

/** Sums wallets per currency and stores one snapshot row per currency, all in one transaction. */
export async function storeBalanceSnapshot(ledger: Ledger, wallets: readonly WalletBalance[], takenAt: Instant): Promise<StoredBalance[]> {
  const byCurrency = new Map<string, { amount: number; walletIds: string[] }>();
  for (const w of wallets) {
    const entry = byCurrency.get(w.currency) ?? { amount: 0, walletIds: [] };
    entry.amount += w.amount;
    if (w.walletId !== null) entry.walletIds.push(w.walletId);
    byCurrency.set(w.currency, entry);
  }
  const currencies = [...byCurrency.keys()].sort();
  return ledger.transaction(async (trx) => {
    const stored: StoredBalance[] = [];
    for (const currency of currencies) {
      const { amount, walletIds } = byCurrency.get(currency)!;
      const { id } = await trx
        .insertInto('balance_snapshots')
        .values({
          provider: SMARTGLOCAL_PROVIDER,
          wallet_id: walletIds.length === 0 ? null : walletIds.join(','),
          currency,
          amount,
          taken_at: takenAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      stored.push({ snapshotId: id, currency, amount, walletIds, takenAt });
    }
    return stored;
  });
}

export interface BalanceMonitorOptions {
  config: Pick<Config, 'alerts' | 'timezone'>;
  log: Logger;
  clock: () => Instant;
  /** Checked between steps and currencies: an aborted check stops there (the daemon's shutdown, a lost lease). */
  signal?: AbortSignal | undefined;
}

export interface BalanceMonitorResult {
  balances: StoredBalance[];
  assessments: BalanceAssessment[];
  refunds: RefundMonitorOutcome[];
  /** Payouts given regression evidence this run. */
  regressions: number[];
  alerts: AlertRunResult;
}

const REFUND_KINDS = ['suspected_manual_refund', 'unexplained_balance_change'] as const;

/** Steps 3 and 4 for balances already stored. */
export async function runBalanceMonitors(
  ledger: Ledger,
  balances: readonly StoredBalance[],
  options: BalanceMonitorOptions,
): Promise<BalanceMonitorResult> {
  const { alerts } = options.config;
  const now = options.clock();
  const refunds: RefundMonitorOutcome[] = [];
  for (const b of balances) {
    options.signal?.throwIfAborted();
    refunds.push(await runRefundMonitor(ledger, b.currency, alerts, now));
  }
  options.signal?.throwIfAborted();
  const regressions = await recordRegressionSuspicions(ledger, alerts.refundLookbackDays, now);

  const assessments: BalanceAssessment[] = [];
  for (const b of balances) {
    options.signal?.throwIfAborted();
    // Until `auto` can tell, count open payouts as still to be debited: the cautious projection.
    const debitOn = refunds.find((r) => r.currency === b.currency)?.debitModel.inUse ?? (alerts.debitOn === 'auto' ? 'success' : alerts.debitOn);
    const pending = await notYetDebited(ledger.db, b.currency, debitOn);
    const recent = await recentPayouts(ledger.db, b.currency, now - alerts.runwayLookbackDays * MS_PER_DAY, now);
    assessments.push(
      assessBalance(
        {
          currency: b.currency,
          balance: b.amount,
          notYetDebited: pending.amount,
          notYetDebitedCount: pending.count,
          recentPayouts: recent,
          takenAt: b.takenAt,
        },
        { ...alerts, debitOn, zone: options.config.timezone },
        now,
      ),
    );
  }
  const checks: AlertCheck[] = [...assessments.flatMap((a) => a.checks), ...refunds.map(debitModelCheck), ...(await refundAlertChecks(ledger))];
  options.signal?.throwIfAborted();
  const alertRun = await processAlertChecks(ledger, checks, { config: alerts, log: options.log, clock: options.clock });
  return { balances: [...balances], assessments, refunds, regressions, alerts: alertRun };
}

const MODEL_WORDS = { creation: 'at creation', success: 'when a payout succeeds' } as const;

/** One alert while the snapshots contradict a configured `alerts.debitOn`. */
export function debitModelCheck(r: RefundMonitorOutcome): AlertCheck {
  const conditionKey = `debit_model_mismatch:${r.currency}`;
  const m = r.debitModel;
  if (!m.contradicted || m.detected === null || m.configured === 'auto') {
    return { conditionKey, firing: null, clearText: `the ${r.currency} balance no longer contradicts alerts.debitOn (${m.configured}).` };
  }
  const text =
    `The ${r.currency} balance behaves as if the provider debits ${MODEL_WORDS[m.detected]}; set alerts.debitOn to ${m.detected} (or auto). ` +
    `With ${m.configured} configured, refunds are judged against the wrong expected change (${m.verdict?.reason ?? ''}).`;
  return {
    conditionKey,
    firing: {
      kind: 'debit_model_mismatch',
      conditionKey,
      severity: 'warning',
      title: `alerts.debitOn contradicted by the ${r.currency} balance`,
      text,
      details: { currency: r.currency, configured: m.configured, detected: m.detected, scores: m.verdict?.scores ?? null },
    },
  };
}

/** One alert per open refund exception (keyed by its fingerprint); resolved when the exception is closed. */
export async function refundAlertChecks(ledger: Ledger): Promise<AlertCheck[]> {
  const open = await ledger.db
    .selectFrom('exceptions')
    .select(['id', 'kind', 'fingerprint', 'summary', 'details'])
    .where('status', '=', 'open')
    .where('kind', 'in', [...REFUND_KINDS])
    .orderBy('id')
    .execute();
  const checks: AlertCheck[] = open.map((e) => {
    const details = fromJson<{ state?: string; amount?: number; currency?: string }>(e.details, {});
    const confirmed = e.kind === 'suspected_manual_refund' && details.state === 'confirmed';
    const money =
      typeof details.amount === 'number' && typeof details.currency === 'string'
        ? `${details.currency} ${formatMoneyForDisplay(details.amount, details.currency)}`
        : null;
    const title =
      e.kind === 'unexplained_balance_change'
        ? `Unexplained prefunding balance increase${money ? `: ${money}` : ''}`
        : `${confirmed ? 'Confirmed' : 'Suspected'} manual refund${money ? `: ${money}` : ''}`;
    return {
      conditionKey: e.fingerprint,
      firing: {
        kind: e.kind,
        conditionKey: e.fingerprint,
        severity: confirmed ? 'critical' : 'warning',
        title,
        text: `${title}. Exception ${e.id}: ${e.summary}. See \`payout-recon exceptions --kind ${e.kind}\`.`,
        details: { exception_id: e.id, ...details },
      },
    };
  });
  const openKeys = new Set(open.map((e) => e.fingerprint));
  const stale = (await firingAlertKeys(ledger, REFUND_KINDS.map((k) => `${k}:`))).filter((k) => !openKeys.has(k));
  if (stale.length > 0) {
    const closed = await ledger.db
      .selectFrom('exceptions')
      .select(['id', 'fingerprint', 'status', 'resolution_note'])
      .where('fingerprint', 'in', stale)
      .execute();
    const byKey = new Map(closed.map((e) => [e.fingerprint, e]));
    for (const key of stale) {
      const e = byKey.get(key);
      checks.push({
        conditionKey: key,
        firing: null,
        clearText: e
          ? `exception ${e.id} is ${e.status}${e.resolution_note ? `: ${e.resolution_note}` : ''}.`
          : 'the exception no longer exists.',
      });
    }
  }
  return checks;
}

/**
 * The whole balance check: fetch (Smart Glocal), store the snapshot, run the
 * monitors, send alerts. Needs the `smartglocal` config section.
 */
export async function runBalanceCheck(
  ledger: Ledger,
  config: Config,
  options: { log: Logger; clock: () => Instant; resolvePath: (p: string) => string; signal?: AbortSignal | undefined },
): Promise<BalanceMonitorResult> {
  if (!config.smartglocal) {
    throw new ConfigError('smartglocal is required to fetch balances: set smartglocal.baseUrl, smartglocal.project and smartglocal.privateKeyPath');
  }
  const client = SmartGlocalClient.fromConfig(config.smartglocal, options.resolvePath, options.log);
  const takenAt = options.clock();
  let wallets: WalletBalance[];
  try {
    wallets = await client.walletBalances(takenAt);
  } finally {
    await client.close();
  }
  options.signal?.throwIfAborted();
  const balances = await storeBalanceSnapshot(ledger, wallets, takenAt);
  return runBalanceMonitors(ledger, balances, { config, log: options.log, clock: options.clock, signal: options.signal });
}

/** A small summary of a balance check, e.g. for the daemon's `job_runs.details`. */
export function summarizeBalanceCheck(result: BalanceMonitorResult): Record<string, string | number | boolean | null> {
  const evaluated = result.refunds.flatMap((r) => r.evaluated);
  return {
    currencies: result.balances.map((b) => b.currency).join(','),
    alerts_firing: result.alerts.alerts.filter((a) => a.state === 'firing').length,
    alerts_resolved: result.alerts.alerts.filter((a) => a.state === 'resolved').length,
    notifications: result.alerts.notifications.length,
    failed_deliveries: result.alerts.failedDeliveries.length,
    refund_intervals_checked: evaluated.length,
    suspected_manual_refunds: evaluated.filter((i) => i.verdict === 'suspected_manual_refund').length,
    unexplained_balance_changes: evaluated.filter((i) => i.verdict === 'unexplained_balance_change').length,
  };
}
