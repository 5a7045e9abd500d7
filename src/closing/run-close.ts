/**
 * Closing a period as the command and the daemon's job do it: the period
 * from `--month`/`--from/--to` (or the month before the tick), the config's
 * settle time, reports folder and format. Also what both print.
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import { resolveReportPeriod, type ReportPeriodRequest } from '../reports/report-period.js';
import { formatMoney } from '../shared/money.js';
import type { Logger } from '../shared/logger.js';
import { closePeriod, type ClosePeriodResult } from './close-period.js';

export interface RunCloseOptions {
  request: ReportPeriodRequest;
  actor: string;
  note?: string | null;
  requireClean?: boolean;
  reportsDir: string;
  now: number;
  log?: Logger;
}

export function runClose(ledger: Ledger, config: Config, options: RunCloseOptions): Promise<ClosePeriodResult> {
  const period = resolveReportPeriod(options.request, config.timezone);
  return closePeriod(ledger, {
    period,
    settleSeconds: config.smart2pay?.settleSeconds ?? 120,
    actor: options.actor,
    note: options.note ?? null,
    requireClean: options.requireClean ?? false,
    reportsDir: options.reportsDir,
    format: config.reports.format,
    now: options.now,
    ...(options.log ? { log: options.log } : {}),
  });
}

/** The `--json` document of `close` (product.md). */
export function closeJson(result: ClosePeriodResult): Record<string, unknown> {
  const { period } = result;
  return {
    close_id: result.closeId,
    period: { label: period.label, from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.zone },
    closed_at: new Date(result.closedAt).toISOString(),
    closed_by: result.closedBy,
    payouts: result.payouts,
    open_exceptions: result.openExceptions,
    totals: result.totals.map((t) => ({
      currency: t.currency,
      count: t.count,
      amount: formatMoney(t.amount, t.currency),
      paid_out: formatMoney(t.paid_out, t.currency),
    })),
    manifest: result.manifest,
  };
}
