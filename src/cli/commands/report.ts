import path from 'node:path';
import type { Command } from 'commander';
import { reportFormat } from '../../config/sections/reports.js';
import { UsageError } from '../../shared/errors.js';
import { formatMoneyForDisplay } from '../../shared/money.js';
import { writeReportPack } from '../../reports/report-pack.js';
import { htmlReportSettings } from '../../reports/html/html-settings.js';
import { describePeriodDays, resolveReportPeriod } from '../../reports/report-period.js';
import { type CliState, commandAction } from '../action.js';
import { count, ProgressLine, rateAndEta } from '../progress.js';

interface ReportOptions extends Record<string, unknown> {
  month?: string;
  from?: string;
  to?: string;
  format?: string;
  out?: string;
}

export function registerReportCommand(program: Command, state: CliState): void {
  program
    .command('report')
    .description('write the report pack (Excel and/or CSV) for a month or a period')
    .option('--month <YYYY-MM>', 'the calendar month, cut in the configured timezone')
    .option('--from <date>', 'first day (YYYY-MM-DD)')
    .option('--to <date>', 'last day (YYYY-MM-DD), inclusive')
    .option('--format <format>', 'xlsx | csv | both | html | all (default: reports.format)')
    .option('--out <dir>', 'output folder (default: reports.dir)')
    .action(
      commandAction<ReportOptions>(state, async (ctx, _args, options) => {
        const config = ctx.config;
        const period = resolveReportPeriod({ month: options.month, from: options.from, to: options.to }, config.timezone);
        const parsedFormat = reportFormat.safeParse(options.format ?? config.reports.format);
        if (!parsedFormat.success) throw new UsageError('report: --format must be "xlsx", "csv", "both", "html" or "all"');
        const outDir = ctx.resolvePath(options.out ?? config.reports.dir);
        const ledger = await ctx.ledger();
        const started = Date.now();
        const pack = await ProgressLine.of(ctx).around((line) => {
          let sectionStarted = line.elapsedMs;
          let section = 0;
          return writeReportPack(ledger, {
            period,
            format: parsedFormat.data,
            outDir,
            now: ctx.clock(),
            log: ctx.log.child('report'),
            html: htmlReportSettings(config),
            csv: config.reports.csv,
            onProgress: (p) => {
              if (p.section !== section) {
                section = p.section;
                sectionStarted = line.elapsedMs;
              }
              const total = p.sheet === 'Payouts' && p.payouts !== null ? p.payouts : undefined;
              line.update(
                () =>
                  `report: sheet ${p.section}/${p.sections} ${p.sheet}, ${count(p.rows)}${total === undefined ? '' : ` of ${count(total)}`} rows, ` +
                  rateAndEta(p.rows, line.elapsedMs - sectionStarted, total),
              );
            },
          });
        });
        const shown = (p: string): string => displayPath(ctx.io.cwd, p);
        const files = [...(pack.xlsx ? [pack.xlsx] : []), ...pack.csvFiles, ...(pack.html ? [pack.html] : [])].map(shown);
        ctx.log.info(`wrote ${pack.summary.payouts} payouts in ${((Date.now() - started) / 1000).toFixed(1)} s`, { period: period.label });

        const payouts = (n: number): string => `${n} payout${n === 1 ? '' : 's'}`;
        const lines = [`report ${period.label}: ${describePeriodDays(period)} in ${period.zone}, ${payouts(pack.summary.payouts)}`];
        for (const t of pack.summary.statusTotals) {
          lines.push(`  ${t.currency}: ${payouts(t.total.count)}, ${formatMoneyForDisplay(t.byStatus.succeeded.amount, t.currency)} succeeded`);
        }
        if (pack.xlsx) lines.push(`  ${shown(pack.xlsx)}`);
        if (pack.csvDir) lines.push(`  ${shown(pack.csvDir)}${path.sep} (${pack.csvFiles.length} CSV files)`);
        if (pack.html) lines.push(`  ${shown(pack.html)}`);
        for (const note of pack.summary.notes) lines.push(`  note: ${note}`);
        return {
          json: {
            files,
            period: { label: period.label, from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString(), timezone: period.zone },
            payouts: pack.summary.payouts,
          },
          text: lines.join('\n'),
        };
      }),
    );
}

/** A path as the user would type it: relative to the working directory when under it. */
export function displayPath(cwd: string, target: string): string {
  const relative = path.relative(cwd, target);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : target;
}
