import type { Command } from 'commander';
import { reopenPeriod } from '../../closing/reopen-period.js';
import { resolveReportPeriod } from '../../reports/report-period.js';
import { type CliState, commandAction } from '../action.js';
import { actorOf } from '../actor.js';

interface ReopenOptions extends Record<string, unknown> {
  month?: string;
  from?: string;
  to?: string;
  note: string;
}

export function registerReopenCommand(program: Command, state: CliState): void {
  program
    .command('reopen')
    .description('reopen the latest closed period (its snapshot and manifest stay in the audit trail)')
    .option('--month <YYYY-MM>', 'the closed month')
    .option('--from <date>', 'first day (YYYY-MM-DD) of the closed period')
    .option('--to <date>', 'last day (YYYY-MM-DD), inclusive')
    .requiredOption('--note <why>', 'why it is reopened (kept in the audit trail)')
    .action(
      commandAction<ReopenOptions>(state, async (ctx, _args, options) => {
        const period = resolveReportPeriod({ month: options.month, from: options.from, to: options.to }, ctx.config.timezone);
        const ledger = await ctx.ledger();
        const r = await reopenPeriod(ledger, { period, note: options.note, actor: actorOf(ctx.io.env), now: ctx.clock() });
        return {
          json: {
            close_id: r.closeId,
            period: { label: r.label, from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.zone },
            closed_at: new Date(r.closedAt).toISOString(),
            closed_by: r.closedBy,
            reopened_at: new Date(r.reopenedAt).toISOString(),
            reopened_by: r.reopenedBy,
            payouts: r.payouts,
            adjustments: r.adjustments,
            manifest: r.manifest,
          },
          text: `reopened ${r.label} (closed ${new Date(r.closedAt).toISOString()} by ${r.closedBy}); its snapshot, manifest and ${r.adjustments} adjustments stay in the audit trail`,
        };
      }),
    );
}
