/**
 * Normalized payout statuses, shared by every provider. The provider's own
 * status is always kept raw next to it (`payouts.provider_status`).
 */
export const PAYOUT_STATUSES = [
  'open',
  'authorized',
  'pending',
  'succeeded',
  'failed',
  'cancelled',
  'expired',
  'unknown',
] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<PayoutStatus> = new Set(['succeeded', 'failed', 'cancelled', 'expired']);

/** Final statuses in which the money went back to (or never left) the prefunding balance. */
export const RELEASED_STATUSES: ReadonlySet<PayoutStatus> = new Set(['failed', 'cancelled', 'expired']);

export function isFinalStatus(status: PayoutStatus): boolean {
  return FINAL_STATUSES.has(status);
}

export function isPayoutStatus(value: string): value is PayoutStatus {
  return (PAYOUT_STATUSES as readonly string[]).includes(value);
}

/**
 * Smart2Pay / GlobalPay status IDs. 1, 2, 3, 4, 5 and 9 are documented for
 * payouts; 6, 7, 8 and 10 are GlobalPay's pending states. Anything else is
 * kept raw and normalized to `unknown`, never dropped.
 */
const SMART2PAY_STATUS: ReadonlyMap<number, PayoutStatus> = new Map([
  [1, 'open'],
  [2, 'succeeded'],
  [3, 'cancelled'],
  [4, 'failed'],
  [5, 'expired'],
  [6, 'pending'], // PendingOnCustomer
  [7, 'pending'], // PendingOnProvider
  [8, 'pending'], // Submitted
  [9, 'authorized'],
  [10, 'pending'], // AuthorizeRequested
]);

export function normalizeSmart2PayStatus(statusId: number | null): PayoutStatus {
  if (statusId === null) return 'unknown';
  return SMART2PAY_STATUS.get(statusId) ?? 'unknown';
}

/** Smart Glocal payout statuses; both `canceled` and `cancelled` occur. */
const SMARTGLOCAL_STATUS: ReadonlyMap<string, PayoutStatus> = new Map([
  ['succeeded', 'succeeded'],
  ['in_progress', 'pending'],
  ['pending', 'pending'],
  ['failed', 'failed'],
  ['canceled', 'cancelled'],
  ['cancelled', 'cancelled'],
]);

export function normalizeSmartGlocalStatus(status: string | null): PayoutStatus {
  if (status === null) return 'unknown';
  return SMARTGLOCAL_STATUS.get(status.toLowerCase()) ?? 'unknown';
}
