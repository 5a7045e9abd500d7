/**
 * The Smart2Pay sandbox's switchable misbehaviour (`Smart2PaySandbox.setFaults`)
 * and the bound semantics it can play.
 */

/**
 * What `startDate`/`endDate` mean (undocumented by the provider), each a
 * reading some real server has:
 * - `inclusive`: `Created` in whole seconds, both bounds included;
 * - `exclusive`: whole seconds, both bounds excluded;
 * - `milliseconds`: `Created` stored to the millisecond (the list shows whole
 *   seconds) and compared with each bound as the first instant of its second,
 *   as SQL `Created <= '2026-10-21 04:37:03'` does: `endDate=…03` leaves
 *   `…03.400` out.
 */
export type BoundSemantics = 'inclusive' | 'exclusive' | 'milliseconds';
export const BOUND_SEMANTICS: readonly BoundSemantics[] = ['inclusive', 'exclusive', 'milliseconds'];

/** The faults a bound semantic sets, and whether `Created` keeps milliseconds. */
export function boundSemanticsFaults(bounds: BoundSemantics): { startInclusive: boolean; endInclusive: boolean; milliseconds: boolean } {
  if (bounds === 'exclusive') return { startInclusive: false, endInclusive: false, milliseconds: false };
  return { startInclusive: true, endInclusive: true, milliseconds: bounds === 'milliseconds' };
}

export type BrokenField = 'Amount' | 'Created' | 'Currency' | 'ID' | 'Status';

export interface Smart2PaySandboxFaults {
  /** Rows a list page holds at most, whatever `limit` asks (the provider's own cap). */
  maxPageSize: number;
  /** Sort order of the list (the provider's examples are newest first). */
  order: 'newest-first' | 'oldest-first';
  /** Whether `startDate` / `endDate` include their second. */
  startInclusive: boolean;
  endInclusive: boolean;
  /** What `offset` means: a row position, or the ID to start from (included). */
  offsetMode: 'position' | 'id';
  /** Share of requests answered 429. */
  rateLimitedRate: number;
  /** `Retry-After` seconds sent with a 429; null sends none; `mixed` sends it with every other one. */
  retryAfterSeconds: number | null | 'mixed';
  /** Share of requests answered 503. */
  unavailableRate: number;
  /** Every request is answered 503: the provider is down. */
  down: boolean;
  /** The provider goes down (503) once it has answered this many list requests: an outage mid-walk. */
  downAfterListRequests: number | null;
  /** Share of requests delayed by `slowMs`. */
  slowRate: number;
  slowMs: number;
  /** New payouts created at each list request (payouts arriving while you page). */
  arrivalsPerListRequest: number;
  /** Arrivals get a `Created` up to this many seconds in the past: rows the provider shows late. */
  arrivalBackdateSeconds: number;
  /** Non-final payouts that turn final at each list request (status changes over time). */
  statusChangesPerListRequest: number;
  /** Share of those changes that reverse a Success payout instead (a regression). */
  reversalShare: number;
  /** Serve this payout with one broken field: the page holding it is malformed. */
  malformed: { payoutId: number; field: BrokenField } | null;
  /** Share of list requests answered with a cut-off JSON body. */
  truncatedRate: number;
}

export const DEFAULT_SMART2PAY_FAULTS: Readonly<Smart2PaySandboxFaults> = Object.freeze({
  maxPageSize: 1000,
  order: 'newest-first',
  startInclusive: true,
  endInclusive: true,
  offsetMode: 'position',
  rateLimitedRate: 0,
  retryAfterSeconds: 1,
  unavailableRate: 0,
  down: false,
  downAfterListRequests: null,
  slowRate: 0,
  slowMs: 0,
  arrivalsPerListRequest: 0,
  arrivalBackdateSeconds: 0,
  statusChangesPerListRequest: 0,
  reversalShare: 0,
  malformed: null,
  truncatedRate: 0,
});

/** A hostile but honest provider: every fault a real list has, all switched on. */
export const HOSTILE_SMART2PAY_FAULTS: Readonly<Partial<Smart2PaySandboxFaults>> = Object.freeze({
  maxPageSize: 400,
  order: 'newest-first',
  startInclusive: false,
  endInclusive: false,
  rateLimitedRate: 0.05,
  retryAfterSeconds: 'mixed',
  unavailableRate: 0.05,
  slowRate: 0.05,
  slowMs: 30,
  arrivalsPerListRequest: 2,
  arrivalBackdateSeconds: 600,
  statusChangesPerListRequest: 3,
  reversalShare: 0.1,
});
