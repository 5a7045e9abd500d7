import type { Command } from 'commander';
import { type ReconcilePeriod, reconcile } from '../../matching/reconcile.js';
import { rulesFromConfig } from '../../matching/rules.js';
import { ExceptionsRemainError, UsageError } from '../../shared/errors.js';
import { MS_PER_DAY, parseDateTime, TimeFormatError } from '../../shared/time.js';
import { type CliState, commandAction } from '../action.js';
import { count, formatDuration, ProgressLine } from '../progress.js';

interface ReconcileOptions extends Record<string, unknown> {
  from?: string;
  to?: string;
  failOnExceptions?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `--from 2026-10-01 --to 2026-10-31` are whole local days in `timezone`
 * (the `to` day included); a date-time (ISO 8601, or local) is taken as is,
 * `--to` exclusive.
 */
export function parsePeriod(from: string | undefined, to: string | undefined, zone: string): ReconcilePeriod | undefined {
  if (from === undefined && to === undefined) return undefined;
  const read = (flag: string, text: string, endOfDay: boolean): number => {
    try {
      const instant = parseDateTime(text, zone);
      // The start of the next local day: midnight plus 24 h is wrong on a DST day.
      if (endOfDay && DAY.test(text.trim())) return parseDateTime(nextDay(text.trim()), zone);
      return instant;
    } catch (error) {
      if (error instanceof TimeFormatError) throw new UsageError(`reconcile: ${flag} ${error.message}`);
      throw error;
    }
  };
  const period = { from: from === undefined ? null : read('--from', from, false), to: to === undefined ? null : read('--to', to, true) };
  if (period.from !== null && period.to !== null && period.to <= period.from) throw new UsageError('reconcile: --to is before --from');
  return period;
}

function nextDay(day: string): string {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + MS_PER_DAY);
  return next.toISOString().slice(0, 10);
}

export function registerReconcileCommand(program: Command, state: CliState): void {
  program
    .command('reconcile')
    .description('match payouts against internal records and classify every difference')
    .option('--from <date>', 'first day of the period (YYYY-MM-DD or ISO 8601)')
    .option('--to <date>', 'last day of the period (YYYY-MM-DD or ISO 8601)')
    .option('--fail-on-exceptions', 'exit 3 when open exceptions remain')
    .action(
      commandAction<ReconcileOptions>(state, async (ctx, _args, options) => {
        const period = parsePeriod(options.from, options.to, ctx.config.timezone);
        const ledger = await ctx.ledger();
        const outcome = await ProgressLine.of(ctx).around((line) =>
          reconcile(ledger, {
            rules: rulesFromConfig(ctx.config.matching),
            clock: ctx.clock,
            period,
            log: ctx.log.child('reconcile'),
            onProgress: (p) =>
              line.update(
                () =>
                  `reconcile: step ${p.done + 1}/${p.steps} ${p.step}, ${count(p.matched)} matched` +
                  (p.leftovers ? `, ${count(p.leftovers.payouts)} payouts and ${count(p.leftovers.records)} records left for the tolerance pass` : '') +
                  ` (${formatDuration(line.elapsedMs)})`,
              ),
          }),
        );
        const kinds = Object.entries(outcome.exceptions);
        const lines = [
          `reconciliation run ${outcome.runId}: ${outcome.matched} matched (${outcome.matchedByReference} by reference, ${outcome.matchedByTolerance} by tolerance), ${outcome.matchedTotal} matched in all`,
          `exceptions: ${outcome.opened} opened, ${outcome.reopened} reopened, ${outcome.updated} updated, ${outcome.closed} closed automatically`,
          kinds.length === 0 ? 'open exceptions: none' : `open exceptions: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`,
        ];
        const json = {
          matched: outcome.matched,
          exceptions: outcome.exceptions,
          runId: outcome.runId,
          matchedByReference: outcome.matchedByReference,
          matchedByTolerance: outcome.matchedByTolerance,
          matchedTotal: outcome.matchedTotal,
          openExceptions: outcome.openExceptions,
          opened: outcome.opened,
          reopened: outcome.reopened,
          updated: outcome.updated,
          closed: outcome.closed,
          periodFrom: outcome.period?.from === null || outcome.period === null ? null : new Date(outcome.period.from).toISOString(),
          periodTo: outcome.period?.to === null || outcome.period === null ? null : new Date(outcome.period.to).toISOString(),
          durationMs: outcome.durationMs,
        };
        if (options.failOnExceptions && outcome.openExceptions > 0) {
          // The result is still printed: exit 3 says "done, but look at these".
          if (ctx.options.json) ctx.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
          else ctx.io.stdout(`${lines.join('\n')}\n`);
          throw new ExceptionsRemainError(`reconcile: ${outcome.openExceptions} open exceptions remain`);
        }
        return { json, text: lines.join('\n') };
      }),
    );
}
