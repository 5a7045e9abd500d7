/**
 * Which stretch of time a sync walks, and how far it may move the watermark.
 * Pure: instants in, instants out.
 *
 * The watermark (sync_state `smart2pay:payouts`) means: every payout the
 * provider showed with `Created` before this instant is in the ledger. A run
 * walks `[watermark − lookback, now − settle)` (the first run starts at
 * `syncFrom`, or `lookback` before now), so rows the provider makes visible
 * late are picked up while they are younger than the look-back.
 */
import { type Instant, MS_PER_HOUR } from '../shared/time.js';

export interface SyncRangeInput {
  now: Instant;
  settleSeconds: number;
  lookbackHours: number;
  /** `smart2pay.syncFrom`. */
  syncFrom: Instant | null;
  /** The stored watermark, null before the first sync. */
  watermark: Instant | null;
  /** `--since`: re-walk from here. */
  since?: Instant | undefined;
  /** `--until`: walk up to here. */
  until?: Instant | undefined;
}

export interface SyncRange {
  /** First instant walked. */
  from: Instant;
  /** Walked up to, not including, this instant. */
  to: Instant;
  /**
   * The watermark this walk may claim when it finishes (the walk joins the
   * covered past and ends at or before the settled edge), or null when it
   * must leave the watermark alone (a re-walk that starts after it).
   */
  watermarkLimit: Instant | null;
}

export function syncRange(input: SyncRangeInput): SyncRange {
  const lookbackMs = input.lookbackHours * MS_PER_HOUR;
  const settled = input.now - input.settleSeconds * 1000;
  // Where the covered past begins: the old watermark, or where a first sync starts.
  const coveredFrom = input.watermark ?? input.syncFrom ?? input.now - lookbackMs;
  const defaultFrom = input.watermark !== null ? input.watermark - lookbackMs : coveredFrom;
  const from = input.since ?? defaultFrom;
  const to = input.until ?? settled;
  const joins = from <= coveredFrom;
  const limit = Math.min(to, settled);
  return { from, to: Math.max(from, to), watermarkLimit: joins && limit > from ? limit : null };
}

/** The watermark after a walk reached `reached`: never past the limit, never backwards. */
export function nextWatermark(current: Instant | null, reached: Instant, limit: Instant | null): Instant | null {
  if (limit === null) return current;
  const candidate = Math.min(reached, limit);
  return current === null || candidate > current ? candidate : current;
}
