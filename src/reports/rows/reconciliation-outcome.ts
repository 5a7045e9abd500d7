/**
 * How a payout shows in the report: its status bucket and its
 * reconciliation outcome. Pure vocabulary, shared by the SQL aggregates and
 * the row readers so the Summary and the Payouts sheet always agree.
 */
import { EXCEPTION_KINDS, type ExceptionKind } from '../../domain/exception-kinds.js';

/** The status columns of the Summary and By purpose sheets. */
export const REPORT_STATUSES = ['succeeded', 'failed', 'cancelled', 'expired', 'open'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/**
 * Ledger status → report bucket. `authorized`, `pending` and `unknown` are
 * not final: for an accountant they are still open (money not yet paid out,
 * not yet released), so they count under `open`.
 */
export function reportStatus(status: string): ReportStatus {
  switch (status) {
    case 'succeeded':
    case 'failed':
    case 'cancelled':
    case 'expired':
      return status;
    default:
      return 'open';
  }
}

/**
 * When a payout has several open exceptions, the report names the most
 * important one: money possibly lost or paid twice first, then amounts and
 * currencies that disagree, then status questions, then the rest.
 */
export const EXCEPTION_PRIORITY: readonly ExceptionKind[] = [
  'suspected_manual_refund',
  'duplicate_payout',
  'amount_mismatch',
  'currency_mismatch',
  'status_mismatch',
  'unknown_payout',
  'stuck_payout',
  'proposed_match',
  'missing_at_provider',
  'unexplained_balance_change',
];

const RANK: ReadonlyMap<string, number> = new Map(EXCEPTION_PRIORITY.map((kind, i) => [kind, i]));

/** Rank of a kind (lower is more important); kinds this version does not know come last. */
export function exceptionRank(kind: string): number {
  return RANK.get(kind) ?? EXCEPTION_KINDS.length;
}

export const MATCHED = 'matched';
export const UNRECONCILED = 'unreconciled';

/**
 * `matched` when the payout has a match; else the most important kind among
 * its open exceptions; else `unreconciled` (not looked at by the matcher yet,
 * or nothing to say).
 */
export function reconciliationOutcome(matched: boolean, openExceptionKinds: readonly string[]): string {
  if (matched) return MATCHED;
  let best: string | undefined;
  for (const kind of openExceptionKinds) {
    if (best === undefined || exceptionRank(kind) < exceptionRank(best)) best = kind;
  }
  return best ?? UNRECONCILED;
}
