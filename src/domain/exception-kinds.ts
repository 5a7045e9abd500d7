/** The outcomes of product.md "Reconciliation outcomes", other than matched. */
export const EXCEPTION_KINDS = [
  'unknown_payout',
  'missing_at_provider',
  'amount_mismatch',
  'currency_mismatch',
  'status_mismatch',
  'duplicate_payout',
  'stuck_payout',
  'proposed_match',
  'suspected_manual_refund',
  'unexplained_balance_change',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export const EXCEPTION_STATUSES = ['open', 'resolved', 'ignored'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

export function isExceptionKind(value: string): value is ExceptionKind {
  return (EXCEPTION_KINDS as readonly string[]).includes(value);
}
