import path from 'node:path';
import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.js';
import { UsageError } from '../../shared/errors.js';
import { type CliState, commandAction } from '../action.js';
import { displayPath } from './report.js';

interface DemoFlags extends Record<string, unknown> {
  payouts?: string;
}

export function registerDemoCommand(program: Command, state: CliState): void {
  program
    .command('demo')
    .description('run the whole loop on an embedded sandbox provider: no account, no network')
    .option('--payouts <n>', 'payouts the sandbox provider starts with', '4000')
    .action(
      commandAction<DemoFlags>(state, async (ctx, _args, flags) => {
        const payouts = Number(flags.payouts ?? '4000');
        if (!Number.isInteger(payouts) || payouts < 100 || payouts > 2_000_000) {
          throw new UsageError('demo: --payouts must be an integer from 100 to 2000000');
        }
        // The demo needs no configuration file: it writes its own.
        const result = await runDemo({ cwd: ctx.io.cwd, log: ctx.log.child('demo'), clock: ctx.clock, payouts });
        const shown = (p: string) => displayPath(ctx.io.cwd, p);
        const xlsx = result.report.files.find((f) => f.endsWith('.xlsx'));
        const html = result.report.files.find((f) => f.endsWith('.html'));
        const kinds = Object.entries(result.reconcile.exceptions).filter(([, n]) => n > 0);
        const lines = [
          `payout-recon demo: ${(result.durationMs / 1000).toFixed(1)} s, everything on a sandbox provider at 127.0.0.1`,
          '',
          `1. Synced ${result.synced.payouts.toLocaleString('en-US')} payouts from the Smart2Pay sandbox (${result.synced.requests} requests).`,
          `2. Imported ${result.imported.rows.toLocaleString('en-US')} internal payout records, with differences planted on purpose.`,
          `3. Reconciled: ${result.reconcile.matched.toLocaleString('en-US')} matched (${result.reconcile.matchedByReference.toLocaleString('en-US')} by reference, ${result.reconcile.matchedByTolerance} by tolerance); open exceptions:`,
          ...kinds.map(([kind, n]) => {
            const example = result.examples.find((e) => e.kind === kind);
            return `     ${kind.padEnd(26)} ${String(n).padStart(3)}   e.g. ${example?.summary ?? ''}`;
          }),
          `4. The provider refunded bank payout ${result.refund.plantedOn} (${result.refund.amount} ${result.refund.currency}) by hand, without telling anyone:`,
          result.refund.caught
            ? `     caught from the balance alone: ${result.refund.summary ?? ''}`
            : '     NOT caught (see payout-recon exceptions --kind unexplained_balance_change)',
          `5. Alerts sent to the webhook (a chat channel would show these):`,
          ...(result.alerts.length === 0 ? ['     none'] : result.alerts.flatMap((a) => [`     [${a.severity}] ${a.title}`, `         ${a.text}`])),
          `6. Report pack for ${result.report.period} (${result.report.payouts.toLocaleString('en-US')} payouts):`,
          `     ${xlsx ? shown(xlsx) : '(no workbook)'}`,
          `     ${shown(path.dirname(result.report.files.find((f) => f.endsWith('.csv')) ?? ''))}${path.sep} (CSV files)`,
          `     ${html ? `${shown(html)} (charts: open it in a browser)` : '(no HTML report)'}`,
          '',
          `The demo ledger stays in ${result.workDir}; look around with, e.g.:`,
          `  npx payout-recon --config ${result.configPath} exceptions`,
        ];
        return {
          json: {
            ...result,
            report: { ...result.report, files: result.report.files.map(shown) },
          },
          text: lines.join('\n'),
        };
      }),
    );
}
