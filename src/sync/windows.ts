/**
 * Window splitting for walking a list that has no cursor, no total and an
 * unknown page cap. Pure: no I/O, no clock. Times are the provider's wall
 * seconds (see `ProviderClock`), windows include both ends.
 *
 * The walk: cut `[start, end]` into consecutive windows; ask each one; a page
 * as full as the largest page the server has returned (or as `limit`) means
 * "there may be more", so the window is split in halves and both are asked
 * again; a one-second window that still comes back full is paged with
 * `offset` inside it. Windows are finished strictly in time order, which is
 * what lets the caller move a watermark after each one.
 */

/** Provider wall seconds, both ends included. */
export interface SyncWindow {
  start: number;
  end: number;
}

export function windowSeconds(w: SyncWindow): number {
  return w.end - w.start + 1;
}

/** The two halves of a window longer than one second. */
export function splitWindow(w: SyncWindow): [SyncWindow, SyncWindow] {
  if (w.end <= w.start) throw new RangeError('a one-second window cannot be split');
  const mid = w.start + Math.floor((w.end - w.start) / 2);
  return [
    { start: w.start, end: mid },
    { start: mid + 1, end: w.end },
  ];
}

/**
 * True when a page may have been cut short: as many rows as asked, or as
 * many as the largest page the server has returned so far (it may cap below
 * `limit`). An empty page is never full.
 */
export function isFullPage(rows: number, limit: number, largestPage: number): boolean {
  return rows > 0 && rows >= Math.min(limit, Math.max(largestPage, rows));
}

/**
 * Seconds every window's asked range reaches into each neighbour. Whether
 * `startDate`/`endDate` include their second, and at what precision the
 * provider compares them, is undocumented; a provider that stores
 * milliseconds and reads `endDate=…03` as `≤ …03.000` leaves out every row at
 * `…03.001`–`…03.999`. One second more at each end covers a window under
 * every reading (inclusive, exclusive, first instant of the second), so a
 * payout in a boundary second always lands in at least one window; the rows
 * asked twice are deduplicated by ID. Nothing learned from the answers may
 * ask less: a row on the bound proves only that that row was inside it.
 */
export const EDGE_OVERLAP_SECONDS = 1;

/** The `startDate`/`endDate` to ask for a window: the window and one second more at each end. */
export function requestRange(w: SyncWindow): SyncWindow {
  return { start: w.start - EDGE_OVERLAP_SECONDS, end: w.end + EDGE_OVERLAP_SECONDS };
}

export interface WindowPlannerOptions {
  /** First wall second to walk. */
  start: number;
  /** Last wall second to walk (included). */
  end: number;
  /** Length of the windows before any density is known, in seconds. */
  initialSeconds: number;
  /**
   * Length of the very first window (default `initialSeconds`). A verify
   * walk starts with half a window, so its edges fall inside the windows of
   * a regular walk of the same range.
   */
  firstSeconds?: number;
  /** Longest window ever asked, in seconds. */
  maxSeconds: number;
}

/**
 * Cuts `[start, end]` into consecutive windows, each sized from the density
 * of the windows finished so far so that a window usually fits in one page.
 */
export class WindowPlanner {
  readonly #end: number;
  readonly #maxSeconds: number;
  #next: number;
  #span: number;
  #first: number | null;

  constructor(options: WindowPlannerOptions) {
    this.#next = options.start;
    this.#end = options.end;
    this.#maxSeconds = Math.max(1, Math.floor(options.maxSeconds));
    this.#span = Math.min(this.#maxSeconds, Math.max(1, Math.floor(options.initialSeconds)));
    this.#first = options.firstSeconds === undefined ? null : Math.max(1, Math.floor(options.firstSeconds));
  }

  /** Seconds of the next window. */
  get span(): number {
    return this.#span;
  }

  /** The next window, or null when all of `[start, end]` has been handed out. */
  next(): SyncWindow | null {
    if (this.#next > this.#end) return null;
    const span = this.#first ?? this.#span;
    this.#first = null;
    const w = { start: this.#next, end: Math.min(this.#end, this.#next + span - 1) };
    this.#next = w.end + 1;
    return w;
  }

  /** A window finished with `rows` rows; aim the next ones at `targetRows`. */
  completed(w: SyncWindow, rows: number, targetRows: number): void {
    const seconds = windowSeconds(w);
    // Grow at most fourfold at a time: a quiet stretch says little about what follows.
    const wanted = rows === 0 ? seconds * 4 : Math.floor((seconds * Math.max(1, targetRows)) / rows);
    this.#span = Math.min(this.#maxSeconds, Math.max(1, Math.min(wanted, Math.max(this.#span, seconds) * 4)));
  }

  /** A window came back full and is being split: the following windows start smaller. */
  overflowed(w: SyncWindow): void {
    this.#span = Math.max(1, Math.min(this.#span, Math.floor(windowSeconds(w) / 2)));
  }
}

/** What to do with the window at the head of the queue once its first page is in. */
export type HeadAction = 'split' | 'commit' | 'page';

/**
 * The windows being walked, in time order: the head is the next to finish;
 * up to `lookahead` windows are asked ahead of it. A full head is split (its
 * first part asked next); a finished head leaves the queue.
 */
export class WindowQueue {
  readonly #planner: WindowPlanner;
  readonly #lookahead: number;
  readonly #limit: number;
  /** Windows handed out for fetching and not finished, in time order. */
  readonly #queue: SyncWindow[] = [];
  /** Of those, the ones not yet handed to `issue()`'s caller. */
  readonly #unissued = new Set<SyncWindow>();
  #largestPage = 0;
  #splits = 0;

  constructor(planner: WindowPlanner, options: { lookahead: number; limit: number }) {
    this.#planner = planner;
    this.#lookahead = Math.max(1, options.lookahead);
    this.#limit = options.limit;
  }

  get largestPage(): number {
    return this.#largestPage;
  }

  get splits(): number {
    return this.#splits;
  }

  /** Rows a window should bring: comfortably below what the server returns at most. */
  get targetRows(): number {
    const page = Math.min(this.#limit, this.#largestPage > 0 ? this.#largestPage : this.#limit);
    return Math.max(1, Math.floor(page * 0.75));
  }

  /**
   * Windows to start fetching now: the first `lookahead` windows of the
   * queue that are not asked yet, each cut to the current window size first
   * (the rest stays queued), so a window planned before the density was
   * known is not asked whole.
   */
  issue(): SyncWindow[] {
    while (this.#queue.length < this.#lookahead) {
      const w = this.#planner.next();
      if (!w) break;
      this.#queue.push(w);
      this.#unissued.add(w);
    }
    const out: SyncWindow[] = [];
    for (let i = 0; i < Math.min(this.#lookahead, this.#queue.length); i += 1) {
      let w = this.#queue[i];
      if (!w || !this.#unissued.has(w)) continue;
      this.#unissued.delete(w);
      const span = this.#planner.span;
      if (windowSeconds(w) > span) {
        const rest = { start: w.start + span, end: w.end };
        w = { start: w.start, end: w.start + span - 1 };
        this.#queue.splice(i, 1, w, rest);
        this.#unissued.add(rest);
      }
      out.push(w);
    }
    return out;
  }

  /** The window to finish next, or undefined when the walk is done. */
  head(): SyncWindow | undefined {
    return this.#queue[0];
  }

  /** Every page received (head or not) teaches the largest page size. */
  observePage(rows: number): void {
    if (rows > this.#largestPage) this.#largestPage = rows;
  }

  isFull(rows: number): boolean {
    return isFullPage(rows, this.#limit, this.#largestPage);
  }

  /**
   * Decides on the head from the size of its first page: `split` (replaced
   * by its halves), `page` (a full one-second window: page with offset, then
   * call `finishHead`), or `commit` (store the rows, then call `finishHead`).
   */
  resolveHead(rows: number): HeadAction {
    const head = this.#queue[0];
    if (!head) throw new Error('no window to resolve');
    this.observePage(rows);
    if (!this.isFull(rows)) return 'commit';
    if (windowSeconds(head) === 1) return 'page';
    this.#planner.overflowed(head);
    // At most half of it, and no more than the (now smaller) window size; the rest is cut when asked.
    const cut = Math.min(Math.floor(windowSeconds(head) / 2), this.#planner.span);
    const left = { start: head.start, end: head.start + cut - 1 };
    const right = { start: head.start + cut, end: head.end };
    this.#queue.splice(0, 1, left, right);
    this.#unissued.add(left);
    this.#unissued.add(right);
    this.#splits += 1;
    return 'split';
  }

  /** The head is stored: it leaves the queue and its density sizes later windows. */
  finishHead(rows: number): SyncWindow {
    const head = this.#queue.shift();
    if (!head) throw new Error('no window to finish');
    this.#planner.completed(head, rows, this.targetRows);
    return head;
  }
}
