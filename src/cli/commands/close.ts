import type { Command } from 'commander';
import { closeJson, runClose } from '../../closing/run-close.js';
import { formatMoneyForDisplay } from '../../shared/money.js';
import { describePeriodDays } from '../../reports/report-period.js';
import { type CliState, commandAction } from '../action.js';
import { actorOf } from '../actor.js';
import { displayPath } from './report.js';

interface CloseOptions extends Record<string, unknown> {
  month?: string;
  from?: string;
  to?: string;
  note?: string;
  requireClean?: boolean;
}

export function registerCloseCommand(program: Command, state: CliState): void {
  program
    .command('close')
    .description('close a period: snapshot its payouts, write the closed pack with a manifest; later changes become adjustments')
    .option('--month <YYYY-MM>', 'the calendar month, cut in the configured timezone')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day (YYYY-MM-DD), inclusive')
    .option('--note <text>', 'kept with the close (who closed it is the OS user, or PAYOUT_RECON_ACTOR)')
    .option('--require-clean', 'refuse while any exception of the period is open')
    .action(
      commandAction<CloseOptions>(state, async (ctx, _args, options) => {
        const config = ctx.config;
        const ledger = await ctx.ledger();
        const result = await runClose(ledger, config, {
          request: { month: options.month, from: options.from, to: options.to },
          actor: actorOf(ctx.io.env),
          note: options.note ?? null,
          requireClean: Boolean(options.requireClean),
          reportsDir: ctx.resolvePath(config.reports.dir),
          now: ctx.clock(),
          log: ctx.log.child('close'),
        });
        const { period } = result;
        const lines = [`closed ${period.label}: ${describePeriodDays(period)} in ${period.zone}, ${result.payouts} payouts, by ${result.closedBy}`];
        for (const t of result.totals) lines.push(`  ${t.currency}: ${t.count} payouts, ${formatMoneyForDisplay(t.paid_out, t.currency)} paid out`);
        if (result.openExceptions > 0) lines.push(`  ${result.openExceptions} open exceptions, listed in the closed pack`);
        lines.push(`  closed pack: ${displayPath(ctx.io.cwd, result.packDir)} (${result.manifest.length} files, SHA-256 in MANIFEST.sha256 and the ledger)`);
        return { json: closeJson(result), text: lines.join('\n') };
      }),
    );
}
