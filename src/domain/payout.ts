import type { Instant } from '../shared/time.js';
import type { PayoutMethod } from './payout-method.js';
import type { PayoutStatus } from './payout-status.js';

export type ProviderName = 'smart2pay' | 'smartglocal';

export interface PayoutReason {
  code: string;
  info: string | null;
}

/** A payout as the ledger knows it. Amounts in minor units, times UTC epoch ms. */
export interface Payout {
  /** Ledger ID. */
  id: number;
  provider: ProviderName;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  sessionId: string | null;
  siteId: string | null;
  amount: number;
  currency: string;
  createdAt: Instant;
  status: PayoutStatus;
  providerStatus: string | null;
  providerStatusInfo: string | null;
  reasons: PayoutReason[];
  method: PayoutMethod;
  providerMethod: string | null;
  purpose: string | null;
  purposeSource: string | null;
  country: string | null;
  description: string | null;
  firstSeenAt: Instant;
  updatedAt: Instant;
  statusChangedAt: Instant;
  finalAt: Instant | null;
  lastPolledAt: Instant | null;
}
