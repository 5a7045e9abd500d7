import type { ExceptionKind } from '../domain/exception-kinds.js';

/**
 * The exception kinds the matcher raises and closes. It never touches the
 * others (`suspected_manual_refund`, `unexplained_balance_change` belong to
 * the balance monitors).
 */
export const MATCHER_KINDS = [
  'unknown_payout',
  'missing_at_provider',
  'amount_mismatch',
  'currency_mismatch',
  'status_mismatch',
  'duplicate_payout',
  'stuck_payout',
  'proposed_match',
] as const satisfies readonly ExceptionKind[];

export type MatcherKind = (typeof MATCHER_KINDS)[number];

/** Kinds about a matched pair: both the payout and the record are in this state. */
export const PAIR_KINDS: readonly MatcherKind[] = ['amount_mismatch', 'currency_mismatch', 'status_mismatch', 'stuck_payout'];

/** Kinds that give a payout its state. */
export const PAYOUT_STATE_KINDS: readonly MatcherKind[] = [...PAIR_KINDS, 'unknown_payout', 'duplicate_payout', 'proposed_match'];

/**
 * Kinds that give an internal record its state. A `duplicate_payout` names
 * the record the payout duplicates, but is the payout's state only: the
 * record already has its own (its match).
 */
export const RECORD_STATE_KINDS: readonly MatcherKind[] = [...PAIR_KINDS, 'missing_at_provider', 'proposed_match'];

export function isMatcherKind(kind: string): kind is MatcherKind {
  return (MATCHER_KINDS as readonly string[]).includes(kind);
}
