/** How a payout reaches the recipient. Only `bank_account` payouts can be refunded by hand. */
export const PAYOUT_METHODS = ['bank_account', 'wallet', 'card', 'unknown'] as const;
export type PayoutMethod = (typeof PAYOUT_METHODS)[number];

export function isPayoutMethod(value: string): value is PayoutMethod {
  return (PAYOUT_METHODS as readonly string[]).includes(value);
}
