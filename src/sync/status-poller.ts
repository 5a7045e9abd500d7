/**
 * Status polling: asks `GET /v1/payouts/{id}/status` for every payout that
 * may still change, with bounded concurrency, and records each change
 * (source `poll`) through the payout store.
 *
 * Polled: every non-final payout, plus payouts that became final within
 * `poll.recentlyFinalHours` (late reversals: a bank payout refunded after
 * Success). "Became final" is when we saw it turn final; a payout first seen
 * already final counts only if it was also created within that time, so a
 * first sync of years of history does not poll every old payout.
 */
import pLimit from 'p-limit';
import { FINAL_STATUSES } from '../domain/payout-status.js';
import type { Ledger } from '../ledger/ledger.js';
import { recordPayoutStatuses } from '../ledger/payout-store.js';
import type { Smart2PayClient } from '../providers/smart2pay/client.js';
import { smart2payStatusObservation } from '../providers/smart2pay/mapping.js';
import type { Smart2PayStatus } from '../providers/smart2pay/schemas.js';
import type { Clock } from '../shared/clock.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { type Instant, MS_PER_HOUR } from '../shared/time.js';

export interface PollOptions {
  ledger: Ledger;
  client: Smart2PayClient;
  /** Observation time of each batch. */
  clock: Clock;
  concurrency: number;
  recentlyFinalHours: number;
  log?: Logger;
  /** Payouts per batch (one transaction each). */
  batchSize?: number;
  /**
   * Leave out payouts created in `[from, to)`: a list sync that just walked
   * that range has already seen their current status.
   */
  skipCreated?: { from: Instant; to: Instant } | undefined;
  /** Stops between batches (daemon shutdown); each batch is its own transaction. */
  signal?: AbortSignal | undefined;
}

export interface PollResult {
  /** Payouts asked about. */
  polled: number;
  changed: number;
  unchanged: number;
  regressions: number;
  /** Payouts the provider answered 404 for. */
  missing: number;
  requests: number;
}

export interface PollCandidate {
  id: number;
  providerPayoutId: string;
}

/** The next batch of payouts to poll, after ledger id `afterId`, in id order. */
export async function pollCandidates(
  ledger: Ledger,
  options: {
    provider: string;
    now: Instant;
    recentlyFinalHours: number;
    afterId: number;
    limit: number;
    skipCreated?: { from: Instant; to: Instant } | undefined;
  },
): Promise<PollCandidate[]> {
  const cutoff = options.now - options.recentlyFinalHours * MS_PER_HOUR;
  const skip = options.skipCreated;
  let query = ledger.db
    .selectFrom('payouts')
    .select(['id', 'provider_payout_id'])
    .where('provider', '=', options.provider)
    .where('id', '>', options.afterId)
    .where((eb) =>
      eb.or([
        eb('status', 'not in', [...FINAL_STATUSES]),
        eb.and([
          eb('final_at', '>=', cutoff),
          eb.or([eb('final_at', '>', eb.ref('first_seen_at')), eb('created_at', '>=', cutoff)]),
        ]),
      ]),
    )
    .orderBy('id')
    .limit(options.limit);
  if (skip) query = query.where((eb) => eb.or([eb('created_at', '<', skip.from), eb('created_at', '>=', skip.to)]));
  const rows = await query.execute();
  return rows.map((r) => ({ id: r.id, providerPayoutId: r.provider_payout_id }));
}

export async function pollSmart2PayStatuses(options: PollOptions): Promise<PollResult> {
  const { ledger, client } = options;
  const log = options.log ?? silentLogger;
  const batchSize = options.batchSize ?? 500;
  const limit = pLimit(Math.max(1, options.concurrency));
  const requestsBefore = client.stats.requests;
  const result: PollResult = { polled: 0, changed: 0, unchanged: 0, regressions: 0, missing: 0, requests: 0 };
  const startedAt = options.clock();
  let afterId = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await pollCandidates(ledger, {
      provider: 'smart2pay',
      now: startedAt,
      recentlyFinalHours: options.recentlyFinalHours,
      afterId,
      limit: batchSize,
      skipCreated: options.skipCreated,
    });
    if (batch.length === 0) break;
    afterId = batch[batch.length - 1]?.id ?? afterId;
    const signal = options.signal;
    const statuses = await Promise.all(
      batch.map((p) => limit(() => client.getPayoutStatus(p.providerPayoutId, signal ? { signal } : {}))),
    );
    const found: Smart2PayStatus[] = [];
    statuses.forEach((status, i) => {
      if (status) {
        found.push(status);
        return;
      }
      result.missing += 1;
      if (result.missing <= 5) log.warn('the provider does not know a payout the ledger has', { payout: batch[i]?.providerPayoutId });
    });
    const counts = await recordPayoutStatuses(ledger, found.map(smart2payStatusObservation), { source: 'poll', now: options.clock() });
    result.polled += batch.length;
    result.changed += counts.changed;
    result.unchanged += counts.unchanged;
    result.regressions += counts.regressions;
    if (batch.length < batchSize) break;
  }
  result.requests = client.stats.requests - requestsBefore;
  return result;
}
