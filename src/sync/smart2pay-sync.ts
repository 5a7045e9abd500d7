/**
 * The Smart2Pay window walker: puts every payout of the provider's list into
 * the ledger exactly once, whatever the list does (caps pages below `limit`,
 * sorts newest first, grows while we page, bursts more payouts into one
 * second than a page holds, shows rows late, answers 429/5xx).
 *
 * How (see `windows.ts` for the pure part):
 * - walk `[watermark − lookback, now − settle)` (or `--since/--until`) in
 *   `startDate`/`endDate` windows cut on the provider's wall clock, each
 *   asked with one second more at both ends (`requestRange`), so a payout in
 *   a boundary second is found whatever the provider's bounds mean;
 * - a full page splits the window; a full one-second window is paged with
 *   `offset` (position with overlap, or ID, per `smart2pay.offsetMode`);
 * - rows are deduplicated by ID and upserted one transaction per page
 *   (`upsertPayouts`), the next windows being fetched meanwhile;
 * - windows finish in time order, and the watermark moves (at most once a
 *   second, and at the end) only past windows whose rows are committed. A
 *   crash loses nothing: the next run starts again a look-back before it.
 */
import type { Smart2PayConfig } from '../config/schema.js';
import type { PayoutObservation } from '../domain/payout-observation.js';
import type { Ledger } from '../ledger/ledger.js';
import { upsertPayouts, type UpsertPayoutsCounts } from '../ledger/payout-store.js';
import type { Smart2PayClient, Smart2PayListFilters } from '../providers/smart2pay/client.js';
import { ProviderClock } from '../providers/smart2pay/provider-clock.js';
import { ProviderError } from '../shared/errors.js';
import { type Logger, silentLogger } from '../shared/logger.js';
import { formatInstant, type Instant } from '../shared/time.js';
import { InThreadListFetcher, type ListFetcher, WorkerListFetcher } from './list-fetcher.js';
import { nextWatermark, syncRange } from './sync-range.js';
import { advanceWatermark, readSyncState, SMART2PAY_PAYOUTS_STATE } from './sync-state.js';
import { requestRange, type SyncWindow, WindowPlanner, WindowQueue } from './windows.js';

export interface SyncProgress {
  windows: number;
  fetched: number;
  stored: number;
  /** Wall time of the end of the last finished window, as an instant. */
  reached: Instant;
  from: Instant;
  to: Instant;
  elapsedMs: number;
}

export interface Smart2PaySyncOptions {
  ledger: Ledger;
  /** Lists pages unless a worker (`smart2pay.listWorker`) or `fetcher` does. */
  client: Smart2PayClient;
  /** Fetches and maps list pages (default: per `smart2pay.listWorker`). */
  fetcher?: ListFetcher;
  config: Smart2PayConfig;
  now: Instant;
  /** `--since`: re-walk from here instead of the watermark. */
  since?: Instant | undefined;
  /** `--until`: walk up to here instead of now − settleSeconds. */
  until?: Instant | undefined;
  log?: Logger;
  onProgress?: (progress: SyncProgress) => void;
  /** Real time, for rates and checkpoint spacing (not the observation clock). */
  monotonicMs?: () => number;
  /** Stops the walk between windows (daemon shutdown); what is committed stays, the watermark says how far. */
  signal?: AbortSignal | undefined;
  /**
   * A verify walk (`sync --verify`, see `verify-sync.ts`): the first window
   * is half as long, so every edge falls inside a window of a regular walk;
   * the watermark is left alone; payouts the ledger did not have are named.
   */
  verify?: boolean;
}

export interface Smart2PaySyncResult extends Omit<UpsertPayoutsCounts, 'received'> {
  /** Rows received from the list (duplicates across pages included). */
  fetched: number;
  /** HTTP requests, retries included. */
  requests: number;
  retries: number;
  /** Windows finished. */
  windows: number;
  splits: number;
  /** Extra pages fetched with `offset` inside full one-second windows. */
  offsetPages: number;
  from: Instant;
  to: Instant;
  previousWatermark: Instant | null;
  watermark: Instant | null;
  /** Verify walks: provider IDs of the first payouts the ledger did not have (at most `MISSED_IDS_KEPT`). */
  missedIds: string[];
}

/** How many missed payouts a verify walk names (the count covers them all). */
export const MISSED_IDS_KEPT = 20;

/** Rows an offset page re-reads from the previous page, to notice rows moving under us. */
const POSITION_OVERLAP = 5;
/** A one-second window whose rows keep moving is re-paged from the start at most this often. */
const MAX_RESTARTS = 3;
const CHECKPOINT_EVERY_MS = 1000;
/**
 * SQLite page cache during a walk. Payouts arrive in time order and every
 * index on them appends (or nearly), so the pages a transaction touches are
 * the few at the right edge of each B-tree; the OS caches the file for the
 * rest. A million-payout sync writes as fast with 16 MiB as with the
 * ledger's 64 MiB, and the process holds 48 MB less.
 */
const SYNC_CACHE_KIB = 16 * 1024;

/** A page and the range actually asked (offset pages of a window must ask the same range). */
type Fetched = { ok: true; items: PayoutObservation[]; asked: SyncWindow } | { ok: false; error: unknown };

export async function syncSmart2PayPayouts(options: Smart2PaySyncOptions): Promise<Smart2PaySyncResult> {
  const { ledger, client, config, now } = options;
  const log = options.log ?? silentLogger;
  const monotonic = options.monotonicMs ?? (() => performance.now());
  const startedAt = monotonic();
  const clock = new ProviderClock(config.timezone);
  const state = await readSyncState(ledger, SMART2PAY_PAYOUTS_STATE);
  const previousWatermark = state?.watermark ?? null;
  const range = syncRange({
    now,
    settleSeconds: config.settleSeconds,
    lookbackHours: config.lookbackHours,
    syncFrom: config.syncFrom ?? null,
    watermark: previousWatermark,
    since: options.since,
    until: options.until,
  });
  const totals = { fetched: 0, inserted: 0, updated: 0, unchanged: 0, statusChanges: 0, regressions: 0 };
  let windowsDone = 0;
  let offsetPages = 0;
  const missedIds: string[] = [];
  /** Wall second after the last finished window (everything before it is committed). */
  let finishedThrough: number | null = null;
  let watermark = previousWatermark;

  // Wall seconds to walk: every instant in [from, to) shows a wall clock in [lo, hi].
  const offsets = clock.offsetRange(range.from, range.to);
  const lo = Math.floor((range.from + offsets.min) / 1000);
  const hi = clock.wallSeconds(range.to) - 1;
  // A worker thread only when there is something to walk.
  const fetcher =
    options.fetcher ??
    (config.listWorker && lo <= hi ? new WorkerListFetcher(config) : new InThreadListFetcher(client, config));
  const ownsFetcher = options.fetcher === undefined;
  const requestsBefore = fetcher.stats.requests;
  const retriesBefore = fetcher.stats.retries;
  const planner = new WindowPlanner({
    start: lo,
    end: hi,
    initialSeconds: config.windowHours * 3600,
    maxSeconds: config.windowHours * 3600,
    ...(options.verify ? { firstSeconds: (config.windowHours * 3600) / 2 } : {}),
  });
  const queue = new WindowQueue(planner, { lookahead: config.listConcurrency, limit: config.pageLimit });
  const label = (w: SyncWindow): string => {
    const f = (s: number) => {
      const t = clock.formatWallSeconds(s);
      return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;
    };
    return `${f(w.start)}..${f(w.end)} (${config.timezone})`;
  };
  const abort = new AbortController();
  const inFlight = new Map<SyncWindow, Promise<Fetched>>();

  const fetchPage = (w: SyncWindow, offset?: string | number, range?: SyncWindow): Promise<Fetched> => {
    const asked = range ?? requestRange(w);
    const filters: Smart2PayListFilters = {
      limit: config.pageLimit,
      startDate: clock.formatWallSeconds(asked.start),
      endDate: clock.formatWallSeconds(asked.end),
      ...(offset !== undefined ? { offset } : {}),
    };
    return fetcher.fetch(filters, abort.signal).then(
      (page) => ({ ok: true as const, items: page.observations, asked }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  };
  const failWindow = (w: SyncWindow, error: unknown): never => {
    if (error instanceof ProviderError && (error.status === 401 || error.status === 403)) throw error;
    const reason = error instanceof ProviderError ? error.message.replace(/^smart2pay: /, '') : (error as Error).message;
    throw new ProviderError('smart2pay', `sync window ${label(w)}: ${reason}`, {
      cause: error,
      ...(error instanceof ProviderError && error.status !== undefined ? { status: error.status } : {}),
    });
  };
  const store = async (items: readonly PayoutObservation[]): Promise<void> => {
    totals.fetched += items.length;
    if (items.length === 0) return;
    // Deduplicate by ID (the overlapping edges bring some rows twice); the last one wins.
    const byId = new Map<string, PayoutObservation>();
    for (const item of items) byId.set(item.providerPayoutId, item);
    const unique = byId.size === items.length ? items : [...byId.values()];
    if (options.verify && missedIds.length < MISSED_IDS_KEPT) {
      const known = await knownPayoutIds(ledger, unique.map((o) => o.providerPayoutId));
      for (const o of unique) if (!known.has(o.providerPayoutId) && missedIds.length < MISSED_IDS_KEPT) missedIds.push(o.providerPayoutId);
    }
    const counts = await upsertPayouts(ledger, unique, { source: 'list', now });
    totals.inserted += counts.inserted;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    totals.statusChanges += counts.statusChanges;
    totals.regressions += counts.regressions;
  };

  let lastCheckpoint = monotonic();
  const checkpoint = async (reachedWall: number, force: boolean): Promise<void> => {
    if (range.watermarkLimit === null || options.verify) return;
    const reached = clock.instantOfWallSeconds(reachedWall);
    const next = nextWatermark(watermark, reached, range.watermarkLimit);
    if (next === watermark && !force) return;
    if (!force && monotonic() - lastCheckpoint < CHECKPOINT_EVERY_MS) return;
    watermark = await advanceWatermark(
      ledger,
      SMART2PAY_PAYOUTS_STATE,
      next,
      { lastSyncAt: now, lastRange: { from: range.from, to: range.to }, timezone: config.timezone },
      now,
    );
    lastCheckpoint = monotonic();
  };

  /**
   * Pages a full one-second window with `offset`, storing each page as it
   * comes. Every page is checked to continue the previous one, so a wrong
   * `offsetMode` stops the sync instead of silently skipping rows:
   * - position: a page re-reads the last rows of the previous one; when none
   *   of them is there, rows moved (or offset is not a position): start again;
   * - id: a page starts from the payout whose ID was given, so it must hold it.
   */
  const pageWithOffset = async (w: SyncWindow, first: PayoutObservation[], asked: SyncWindow): Promise<number> => {
    const seen = new Set<string>();
    const wrongMode = `offset paging does not continue the previous page (check smart2pay.offsetMode, now "${config.offsetMode}")`;
    let rows = first;
    let offset = 0;
    let restarts = 0;
    let pages = 0;
    // Rows the current page must re-read from the previous one (position) or the ID it must hold (id).
    let expectOverlap: string[] = [];
    // After a restart, pages up to here are expected to bring nothing new.
    let highestOffset = 0;
    for (;;) {
      if (expectOverlap.length > 0) {
        const ids = new Set(rows.slice(0, config.offsetMode === 'position' ? expectOverlap.length : rows.length).map((r) => r.providerPayoutId));
        if (!expectOverlap.some((id) => ids.has(id))) {
          if (config.offsetMode === 'id') failWindow(w, new Error(wrongMode));
          // Rows moved by more than the overlap while we paged: start this second again.
          restarts += 1;
          if (restarts > MAX_RESTARTS) failWindow(w, new Error(`${wrongMode}, or rows kept moving (${MAX_RESTARTS} restarts)`));
          log.warn('rows moved while paging a one-second window; starting it again', { window: label(w) });
          offset = 0;
          expectOverlap = [];
          const again = await fetchPage(w, 0, asked);
          offsetPages += 1;
          if (!again.ok) failWindow(w, again.error);
          rows = again.ok ? again.items : [];
          queue.observePage(rows.length);
          continue;
        }
      }
      const fresh = rows.filter((r) => !seen.has(r.providerPayoutId)).length;
      await store(rows);
      for (const r of rows) seen.add(r.providerPayoutId);
      if (!queue.isFull(rows.length)) break;
      // id: a page holding only the payout it started from is the end (full only while pages seen are that small).
      if (config.offsetMode === 'id' && fresh === 0 && rows.length === 1 && expectOverlap.includes(rows[0]?.providerPayoutId ?? '')) break;
      if (fresh === 0 && offset >= highestOffset) failWindow(w, new Error(`${wrongMode}: a page brought no new payouts`));
      pages += 1;
      if (pages > 100_000) failWindow(w, new Error('offset paging did not end after 100,000 pages'));
      let next: string | number;
      if (config.offsetMode === 'position') {
        const overlap = Math.min(POSITION_OVERLAP, rows.length - 1);
        offset += rows.length - overlap;
        highestOffset = Math.max(highestOffset, offset);
        expectOverlap = rows.slice(rows.length - overlap).map((r) => r.providerPayoutId);
        next = offset;
      } else {
        const last = rows[rows.length - 1];
        if (!last) break;
        expectOverlap = [last.providerPayoutId];
        next = last.providerPayoutId;
      }
      const page = await fetchPage(w, next, asked);
      offsetPages += 1;
      if (!page.ok) failWindow(w, page.error);
      rows = page.ok ? page.items : [];
      queue.observePage(rows.length);
    }
    return seen.size;
  };

  const walk = async (): Promise<void> => {
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        for (const w of queue.issue()) inFlight.set(w, fetchPage(w));
        const head = queue.head();
        if (!head) break;
        const pending = inFlight.get(head);
        if (!pending) throw new Error('internal: window without request');
        const result = await pending;
        inFlight.delete(head);
        if (!result.ok) failWindow(head, result.error);
        const items = result.ok ? result.items : [];
        const action = queue.resolveHead(items.length);
        if (action === 'split') continue;
        let rows = items.length;
        if (action === 'page') {
          log.debug('one-second window overflows a page; paging with offset', { window: label(head), rows });
          rows = await pageWithOffset(head, items, result.ok ? result.asked : head);
        } else {
          await store(items);
        }
        queue.finishHead(rows);
        windowsDone += 1;
        finishedThrough = head.end + 1;
        await checkpoint(head.end + 1, false);
        options.onProgress?.({
          windows: windowsDone,
          fetched: totals.fetched,
          stored: totals.inserted + totals.updated + totals.unchanged,
          reached: clock.instantOfWallSeconds(head.end + 1),
          from: range.from,
          to: range.to,
          elapsedMs: monotonic() - startedAt,
        });
      }
      if (lo <= hi) await checkpoint(hi + 1, true);
      else if (range.watermarkLimit !== null) await checkpoint(clock.wallSeconds(range.to), true);
    } catch (error) {
      abort.abort();
      await Promise.allSettled(inFlight.values());
      if (ownsFetcher) await fetcher.close().catch(() => undefined);
      // The windows finished before the failure are committed: let the watermark say so.
      if (finishedThrough !== null) await checkpoint(finishedThrough, true).catch(() => undefined);
      if (watermark !== previousWatermark) {
        log.warn('sync stopped; payouts before the watermark are committed', { watermark: formatInstant(watermark ?? 0) });
      }
      throw error;
    }
  };
  await ledger.withPageCacheAtMost(SYNC_CACHE_KIB, walk);

  if (ownsFetcher) await fetcher.close();
  log.debug('sync walked', {
    windows: windowsDone,
    splits: queue.splits,
    largestPage: queue.largestPage,
    seconds: lo <= hi ? hi - lo + 1 : 0,
    spanAtEnd: planner.span,
  });
  return {
    ...totals,
    requests: fetcher.stats.requests - requestsBefore,
    retries: fetcher.stats.retries - retriesBefore,
    windows: windowsDone,
    splits: queue.splits,
    offsetPages,
    from: range.from,
    to: range.to,
    previousWatermark,
    watermark,
    missedIds,
  };
}

/** Which of these Smart2Pay payout IDs the ledger already holds. */
async function knownPayoutIds(ledger: Ledger, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ledger.db
    .selectFrom('payouts')
    .select('provider_payout_id')
    .where('provider', '=', 'smart2pay')
    .where('provider_payout_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.provider_payout_id));
}
