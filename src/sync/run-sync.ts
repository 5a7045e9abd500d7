/**
 * One sync as users and the daemon run it: walk the Smart2Pay list, then
 * poll the statuses of non-final (and recently final) payouts, then confirm
 * whatever the notification inbox still holds (a daemon killed between a
 * receipt and its confirmation, a provider API that was down). Shared by
 * `payout-recon sync`, `payout-recon poll` and the daemon's jobs, so a
 * scheduled sync does exactly what a manual one does.
 */
import type { Config, Smart2PayConfig } from '../config/schema.js';
import { type InboxPassResult, processInbox } from '../inbox/inbox-processor.js';
import { pendingDeliveries } from '../inbox/inbox-store.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Smart2PayClient } from '../providers/smart2pay/client.js';
import { createSmart2PayClient, createSmart2PayMapperFromConfig, requireSmart2PayConfig } from '../providers/smart2pay/from-config.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { type PollResult, pollSmart2PayStatuses } from './status-poller.js';
import { type Smart2PaySyncResult, type SyncProgress, syncSmart2PayPayouts } from './smart2pay-sync.js';

export interface RunSyncOptions {
  config: Config;
  ledger: Ledger;
  log: Logger;
  clock: Clock;
  since?: number | undefined;
  until?: number | undefined;
  /** Poll statuses after the list walk (default true). */
  poll?: boolean;
  /** A verify walk (see `verify-sync.ts`); nothing is polled after it. */
  verify?: boolean;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal | undefined;
}

/** What a sync or poll did with the notification inbox. */
export interface InboxSummary extends InboxPassResult {
  /** Deliveries still waiting for confirmation afterwards. */
  pending: number;
}

export interface RunSyncResult {
  synced: Smart2PaySyncResult;
  polled: PollResult | null;
  inbox: InboxSummary;
  durationMs: number;
}

/** Confirms every delivery still in the inbox (leases and back-off ignored: this is the catch-up). */
async function confirmInbox(
  ledger: Ledger,
  config: Smart2PayConfig,
  client: Smart2PayClient,
  options: { log: Logger; clock: Clock; signal?: AbortSignal | undefined },
): Promise<InboxSummary> {
  const done = await processInbox(
    {
      ledger,
      clock: options.clock,
      log: options.log.child('inbox'),
      smart2pay: { client, map: createSmart2PayMapperFromConfig(config), concurrency: config.poll.concurrency },
      signal: options.signal,
    },
    { mode: 'all' },
  );
  return { ...done, pending: await pendingDeliveries(ledger) };
}

/** Retries are routine against a busy provider (the result counts them): log them at debug level. */
export function quietRetries(log: Logger): Logger {
  return { ...log, warn: (message, fields) => (message.endsWith('will be retried') ? log.debug(message, fields) : log.warn(message, fields)) };
}

export async function runSync(options: RunSyncOptions): Promise<RunSyncResult> {
  const config = requireSmart2PayConfig(options.config, 'sync');
  const log = options.log;
  const client = createSmart2PayClient(config, quietRetries(log));
  const started = performance.now();
  try {
    const synced = await syncSmart2PayPayouts({
      ledger: options.ledger,
      client,
      config,
      now: options.clock(),
      since: options.since,
      until: options.until,
      log,
      signal: options.signal,
      verify: options.verify ?? false,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const polled =
      options.poll === false || options.verify
        ? null
        : await pollSmart2PayStatuses({
            ledger: options.ledger,
            client,
            clock: options.clock,
            concurrency: config.poll.concurrency,
            recentlyFinalHours: config.poll.recentlyFinalHours,
            log: log.child('poll'),
            skipCreated: { from: synced.from, to: synced.to },
            signal: options.signal,
          });
    const inbox = await confirmInbox(options.ledger, config, client, options);
    return { synced, polled, inbox, durationMs: Math.round(performance.now() - started) };
  } finally {
    await client.close();
  }
}

export interface RunPollOptions {
  config: Config;
  ledger: Ledger;
  log: Logger;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

export async function runPoll(options: RunPollOptions): Promise<PollResult & { inbox: InboxSummary }> {
  const config = requireSmart2PayConfig(options.config, 'poll');
  const client = createSmart2PayClient(config, quietRetries(options.log));
  try {
    const polled = await pollSmart2PayStatuses({
      ledger: options.ledger,
      client,
      clock: options.clock,
      concurrency: config.poll.concurrency,
      recentlyFinalHours: config.poll.recentlyFinalHours,
      log: options.log,
      signal: options.signal,
    });
    return { ...polled, inbox: await confirmInbox(options.ledger, config, client, options) };
  } finally {
    await client.close();
  }
}
