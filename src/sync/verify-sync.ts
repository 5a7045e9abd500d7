/**
 * The list walk's self-check (`sync --verify`, the daemon's `verify` job):
 * walk a past stretch again with windows shifted by half a window, so every
 * edge of the regular walk falls inside a verify window, store what is found,
 * and count the payouts the ledger did not have. Zero is expected; anything
 * else means the regular walk lost payouts (or the provider showed them
 * later than the look-back), and they are in the ledger now.
 *
 * Only the stretch the regular walk has finished with is checked: up to the
 * watermark less the look-back (later payouts may still be picked up by the
 * next sync's re-walk, so they are not "missed"); an explicit `--until` is
 * held to the watermark. The watermark itself is never moved.
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import { requireSmart2PayConfig } from '../providers/smart2pay/from-config.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { type Instant, MS_PER_HOUR } from '../shared/time.js';
import { runSync } from './run-sync.js';
import type { Smart2PaySyncResult, SyncProgress } from './smart2pay-sync.js';
import { readSyncState, SMART2PAY_PAYOUTS_STATE } from './sync-state.js';

export interface VerifyRangeInput {
  since: Instant;
  until?: Instant | undefined;
  /** The regular walk's watermark (null: nothing synced yet). */
  watermark: Instant | null;
  lookbackHours: number;
}

/** The stretch a verify walks: `[since, min(until, watermark))`, by default up to the watermark less the look-back. Null: nothing to check. */
export function verifyRange(input: VerifyRangeInput): { from: Instant; to: Instant } | null {
  if (input.watermark === null) return null;
  const to = input.until !== undefined ? Math.min(input.until, input.watermark) : input.watermark - input.lookbackHours * MS_PER_HOUR;
  return to > input.since ? { from: input.since, to } : null;
}

export interface RunVerifyOptions {
  config: Config;
  ledger: Ledger;
  log: Logger;
  clock: Clock;
  since: Instant;
  until?: Instant | undefined;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal | undefined;
}

export interface VerifyResult {
  /** The stretch checked, or null when there was none (nothing synced yet, or it starts after the watermark). */
  range: { from: Instant; to: Instant } | null;
  /** Payouts the regular walk had missed (now stored). */
  missed: number;
  /** The first of them, by provider ID. */
  missedIds: string[];
  /** The walk itself (null when there was nothing to check). */
  synced: Smart2PaySyncResult | null;
  durationMs: number;
}

export async function runVerify(options: RunVerifyOptions): Promise<VerifyResult> {
  const config = requireSmart2PayConfig(options.config, 'sync --verify');
  const started = performance.now();
  const state = await readSyncState(options.ledger, SMART2PAY_PAYOUTS_STATE);
  const range = verifyRange({ since: options.since, until: options.until, watermark: state?.watermark ?? null, lookbackHours: config.lookbackHours });
  if (range === null) return { range, missed: 0, missedIds: [], synced: null, durationMs: Math.round(performance.now() - started) };
  const { synced } = await runSync({
    config: options.config,
    ledger: options.ledger,
    log: options.log,
    clock: options.clock,
    since: range.from,
    until: range.to,
    verify: true,
    signal: options.signal,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (synced.inserted > 0) {
    options.log.warn(`sync --verify found ${synced.inserted} payouts the regular sync had missed; they are stored now`, {
      missed: synced.inserted,
      examples: synced.missedIds.join(' '),
    });
  }
  return { range, missed: synced.inserted, missedIds: synced.missedIds, synced, durationMs: Math.round(performance.now() - started) };
}
