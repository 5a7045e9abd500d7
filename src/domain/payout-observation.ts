/**
 * What a provider told us about one payout at one moment: the input of the
 * payout store (`src/ledger/payout-store.ts`), whichever way it arrived (the
 * list, a single GET, a status poll, a notification or a webhook).
 * Amounts are integer minor units of the currency's ISO 4217 exponent, times
 * UTC epoch milliseconds: provider quirks are undone before this point.
 */
import type { Instant } from '../shared/time.js';
import type { PayoutReason, ProviderName } from './payout.js';
import type { PayoutMethod } from './payout-method.js';
import type { PayoutStatus } from './payout-status.js';

/** How an observation reached us; recorded with every status change. */
export type ObservationSource = 'list' | 'get' | 'poll' | 'notification' | 'webhook';

export const OBSERVATION_SOURCES: readonly ObservationSource[] = ['list', 'get', 'poll', 'notification', 'webhook'];

/** A full payout as the provider describes it. */
export interface PayoutObservation {
  provider: ProviderName;
  /** The provider's ID of the payout, as text (Smart2Pay integer IDs included). */
  providerPayoutId: string;
  merchantTransactionId: string | null;
  /** Smart Glocal payment session; null for Smart2Pay. */
  sessionId: string | null;
  siteId: string | null;
  /** Integer minor units of `currency` (ISO 4217 exponent). */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  createdAt: Instant;
  status: PayoutStatus;
  /** The provider's own status, raw (`"2"`, `"succeeded"`); null when it sent none. */
  providerStatus: string | null;
  providerStatusInfo: string | null;
  reasons: PayoutReason[];
  /** `unknown` when the provider did not say: it never erases a method already known. */
  method: PayoutMethod;
  providerMethod: string | null;
  /** Remittance purpose code found in the provider's data, or null. */
  purpose: string | null;
  /** ISO 3166-1 alpha-2, or null. */
  country: string | null;
  description: string | null;
  /** The provider's payload for this payout, as JSON text (unknown fields included). */
  raw: string;
}

/** Only the status of a payout (Smart2Pay `GET /v1/payouts/{id}/status`). */
export interface PayoutStatusObservation {
  provider: ProviderName;
  providerPayoutId: string;
  status: PayoutStatus;
  providerStatus: string | null;
  providerStatusInfo: string | null;
  reasons: PayoutReason[];
}
