/**
 * The `import` command's balance-movement kinds: `--kind topups` and
 * `--kind provider-report` (the `import` command dispatches on `--kind`).
 */
import { smartglocalSection } from '../../config/sections/smartglocal.js';
import { importProviderReport } from '../../imports/provider-report.js';
import { importTopups } from '../../imports/topups.js';
import type { CommandOutcome } from '../action.js';
import type { CommandContext } from '../context.js';

export interface ImportKindOptions {
  sheet?: string | undefined;
}

export async function importTopupsKind(ctx: CommandContext, file: string, options: ImportKindOptions): Promise<CommandOutcome> {
  const ledger = await ctx.ledger();
  const outcome = await importTopups(ledger, ctx.resolvePath(file), {
    displayName: file,
    timezone: ctx.config.timezone,
    formats: ctx.config.topups,
    topupWindowDays: ctx.config.alerts.topupWindowDays,
    sheet: options.sheet,
    clock: ctx.clock,
  });
  const closed = outcome.closedExceptions.length;
  return {
    json: outcome,
    text:
      `${outcome.file}: ${outcome.rows} top-ups: ${outcome.inserted} new, ${outcome.unchanged} already imported` +
      (closed > 0 ? `; ${closed} balance exception${closed === 1 ? '' : 's'} explained by them and closed` : ''),
  };
}

/** Report settings when the `smartglocal` section is absent: the defaults. */
const DEFAULT_REPORT = smartglocalSection.shape.report.parse(undefined);

export async function importProviderReportKind(ctx: CommandContext, file: string, options: ImportKindOptions): Promise<CommandOutcome> {
  const report = ctx.config.smartglocal?.report ?? DEFAULT_REPORT;
  const ledger = await ctx.ledger();
  const outcome = await importProviderReport(ledger, ctx.resolvePath(file), {
    displayName: file,
    timezone: report.timezone,
    refundAmountColumn: report.refundAmountColumn,
    formats: report,
    creditWindowDays: ctx.config.alerts.topupWindowDays,
    refundLookbackDays: ctx.config.alerts.refundLookbackDays,
    sheet: options.sheet,
    clock: ctx.clock,
  });
  const parts = [
    `${outcome.file}: ${outcome.rows} rows (${outcome.advices} payouts, ${outcome.refunds} refunds)`,
    `${outcome.inserted} new refunds (${outcome.linked} linked to a payout), ${outcome.unchanged} already imported`,
  ];
  if (outcome.confirmed.length > 0) parts.push(`${outcome.confirmed.length} manual refunds confirmed`);
  if (outcome.suspected > 0) parts.push(`${outcome.suspected} suspected manual refunds (see payout-recon exceptions --kind suspected_manual_refund)`);
  return { json: outcome, text: parts.join('; ') };
}
