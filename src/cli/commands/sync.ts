import type { Command } from 'commander';
import { requireSmart2PayConfig } from '../../providers/smart2pay/from-config.js';
import { UsageError } from '../../shared/errors.js';
import { formatHumanTime } from '../../shared/human-time.js';
import { formatInstant, parseDateTime, TimeFormatError } from '../../shared/time.js';
import { type InboxSummary, type RunSyncResult, runSync } from '../../sync/run-sync.js';
import type { SyncProgress } from '../../sync/smart2pay-sync.js';
import { runVerify, type VerifyResult } from '../../sync/verify-sync.js';
import { type CliState, commandAction } from '../action.js';
import { count, ProgressLine, rateAndEta } from '../progress.js';

interface SyncOptions extends Record<string, unknown> {
  since?: string;
  until?: string;
  poll: boolean;
  verify?: boolean;
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
    .option('--verify', 'self-check: re-walk [--since, --until) with shifted windows, store and count payouts the regular sync missed')
    .action(
      commandAction<SyncOptions>(state, async (ctx, _args, options) => {
        requireSmart2PayConfig(ctx.config, 'sync'); // before opening the ledger: a missing section is a config error
        const since = parseInstantOption('since', options.since, ctx.config.timezone);
        const until = parseInstantOption('until', options.until, ctx.config.timezone);
        if (since !== undefined && until !== undefined && since >= until) {
          throw new UsageError('--since must be before --until');
        }
        if (options.verify && since === undefined) throw new UsageError('--verify needs --since (the start of the stretch to check)');
        const ledger = await ctx.ledger();
        const zone = ctx.config.timezone;
        const progress = ProgressLine.of(ctx);
        const onProgress = (p: SyncProgress) =>
          progress.update(
            () => `sync: ${count(p.windows)} windows, ${count(p.fetched)} payouts, ${rateAndEta(p.fetched, p.elapsedMs)}, at ${formatHumanTime(p.reached, zone)}`,
          );
        if (options.verify && since !== undefined) {
          try {
            return verifyOutput(await runVerify({ config: ctx.config, ledger, log: ctx.log.child('sync'), clock: ctx.clock, since, until, onProgress }));
          } finally {
            progress.clear();
          }
        }
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
            onProgress,
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

/** `sync --verify`: the sync JSON shape (nothing polled, the watermark untouched) plus what the check found. */
function verifyOutput(result: VerifyResult): { json: Record<string, unknown>; text: string } {
  const { synced, range } = result;
  const json = {
    fetched: synced?.fetched ?? 0,
    inserted: synced?.inserted ?? 0,
    updated: synced?.updated ?? 0,
    unchanged: synced?.unchanged ?? 0,
    requests: synced?.requests ?? 0,
    retries: synced?.retries ?? 0,
    statusChanges: synced?.statusChanges ?? 0,
    regressions: synced?.regressions ?? 0,
    windows: synced?.windows ?? 0,
    splits: synced?.splits ?? 0,
    offsetPages: synced?.offsetPages ?? 0,
    from: range === null ? null : formatInstant(range.from),
    to: range === null ? null : formatInstant(range.to),
    watermark: synced?.watermark == null ? null : formatInstant(synced.watermark),
    poll: null,
    durationMs: result.durationMs,
    verify: { checked: range !== null, missed: result.missed, missedIds: result.missedIds },
  };
  if (range === null) {
    return { json, text: 'verify: nothing to check (nothing synced yet, or --since is not before what the regular sync has finished)' };
  }
  const walked =
    `verified ${formatInstant(range.from)} to ${formatInstant(range.to)}: ${count(json.fetched)} payouts fetched ` +
    `(${count(json.windows)} windows, ${count(json.requests)} requests, ${(result.durationMs / 1000).toFixed(1)} s)`;
  const found =
    result.missed === 0
      ? 'missed by the regular sync: 0'
      : `missed by the regular sync: ${count(result.missed)} (now stored), e.g. ${result.missedIds.slice(0, 5).join(', ')}`;
  return { json, text: `${walked}\n${found}` };
}
