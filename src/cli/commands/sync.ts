import type { Command } from 'commander';
import { requireSmart2PayConfig } from '../../providers/smart2pay/from-config.js';
import { UsageError } from '../../shared/errors.js';
import { formatHumanTime } from '../../shared/human-time.js';
import { formatInstant, parseDateTime, TimeFormatError } from '../../shared/time.js';
import { type InboxSummary, type RunSyncResult, runSync } from '../../sync/run-sync.js';
import { type CliState, commandAction } from '../action.js';
import { count, ProgressLine, rateAndEta } from '../progress.js';

interface SyncOptions extends Record<string, unknown> {
  since?: string;
  until?: string;
  poll: boolean;
}

/** `--since`/`--until`: ISO 8601, or a local date-time read in the reporting zone. */
export function parseInstantOption(name: string, text: string | undefined, zone: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDateTime(text, zone);
  } catch (error) {
    if (error instanceof TimeFormatError) throw new UsageError(`--${name}: ${error.message}`);
    throw error;
  }
}

/** Whether the inbox had anything to report (most runs without a daemon have none). */
export function inboxActive(inbox: InboxSummary): boolean {
  return inbox.confirmed + inbox.rejected + inbox.retrying + inbox.pending > 0;
}

/** One line on the notification inbox after a sync or poll. */
export function inboxLine(inbox: InboxSummary): string {
  return (
    `notification inbox: ${count(inbox.confirmed)} confirmed, ${count(inbox.rejected)} rejected (unknown to the provider's API)` +
    (inbox.retrying > 0 ? `, ${count(inbox.retrying)} failed to confirm (retried later)` : '') +
    `, ${count(inbox.pending)} pending`
  );
}

export function registerSyncCommand(program: Command, state: CliState): void {
  program
    .command('sync')
    .description('pull payouts from the Smart2Pay list into the ledger, then refresh non-final statuses')
    .option('--since <iso>', 're-walk from this instant (ISO 8601) instead of the watermark')
    .option('--until <iso>', 'walk up to this instant instead of now minus settleSeconds')
    .option('--no-poll', 'skip the status poll that follows the list sync')
    .action(
      commandAction<SyncOptions>(state, async (ctx, _args, options) => {
        requireSmart2PayConfig(ctx.config, 'sync'); // before opening the ledger: a missing section is a config error
        const since = parseInstantOption('since', options.since, ctx.config.timezone);
        const until = parseInstantOption('until', options.until, ctx.config.timezone);
        if (since !== undefined && until !== undefined && since >= until) {
          throw new UsageError('--since must be before --until');
        }
        const ledger = await ctx.ledger();
        const zone = ctx.config.timezone;
        const progress = ProgressLine.of(ctx);
        let run: RunSyncResult;
        try {
          run = await runSync({
            config: ctx.config,
            ledger,
            log: ctx.log.child('sync'),
            clock: ctx.clock,
            since,
            until,
            poll: options.poll,
            onProgress: (p) =>
              progress.update(
                () => `sync: ${count(p.windows)} windows, ${count(p.fetched)} payouts, ${rateAndEta(p.fetched, p.elapsedMs)}, at ${formatHumanTime(p.reached, zone)}`,
              ),
          });
        } finally {
          progress.clear();
        }
        const { synced, polled, durationMs } = run;
        const json = {
          fetched: synced.fetched,
          inserted: synced.inserted,
          updated: synced.updated,
          unchanged: synced.unchanged,
          requests: synced.requests + (polled?.requests ?? 0),
          retries: synced.retries,
          statusChanges: synced.statusChanges,
          regressions: synced.regressions,
          windows: synced.windows,
          splits: synced.splits,
          offsetPages: synced.offsetPages,
          from: formatInstant(synced.from),
          to: formatInstant(synced.to),
          watermark: synced.watermark === null ? null : formatInstant(synced.watermark),
          poll: polled,
          inbox: run.inbox,
          durationMs,
        };
        const lines = [
          `synced ${count(synced.fetched)} payouts from ${formatHumanTime(synced.from, zone)} to ${formatHumanTime(synced.to, zone)}: ` +
            `${count(synced.inserted)} new, ${count(synced.updated)} updated, ${count(synced.unchanged)} unchanged ` +
            `(${count(synced.windows)} windows, ${count(synced.requests)} requests, ${(durationMs / 1000).toFixed(1)} s)`,
          synced.watermark === null
            ? 'watermark: not set (this walk does not join the synced past)'
            : `watermark: ${formatHumanTime(synced.watermark, zone)} (every payout created before it is in the ledger)`,
        ];
        if (polled) {
          lines.push(
            `polled ${count(polled.polled)} statuses: ${count(polled.changed)} changed` +
              (polled.regressions > 0 ? `, ${count(polled.regressions)} left Success` : '') +
              (polled.missing > 0 ? `, ${count(polled.missing)} unknown to the provider` : ''),
          );
        }
        if (inboxActive(run.inbox)) lines.push(inboxLine(run.inbox));
        return { json, text: lines.join('\n') };
      }),
    );
}
