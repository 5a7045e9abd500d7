/**
 * Row ↔ domain mapping: the one place that knows how the ledger stores
 * things (JSON in text columns, 0/1 flags, nullable provider fields).
 */
import type { Payout, PayoutReason, ProviderName } from '../domain/payout.js';
import { isPayoutMethod } from '../domain/payout-method.js';
import { isPayoutStatus } from '../domain/payout-status.js';
import type { PayoutRow } from './schema.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a JSON text column; a null column is `fallback`. */
export function fromJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === '') return fallback;
  return JSON.parse(text) as T;
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number | null): boolean {
  return value === 1;
}

export function payoutFromRow(row: Omit<PayoutRow, 'raw'> & { raw?: string }): Payout {
  return {
    id: row.id,
    provider: row.provider as ProviderName,
    providerPayoutId: row.provider_payout_id,
    merchantTransactionId: row.merchant_transaction_id,
    sessionId: row.session_id,
    siteId: row.site_id,
    amount: row.amount,
    currency: row.currency,
    createdAt: row.created_at,
    status: isPayoutStatus(row.status) ? row.status : 'unknown',
    providerStatus: row.provider_status,
    providerStatusInfo: row.provider_status_info,
    reasons: fromJson<PayoutReason[]>(row.reasons, []),
    method: isPayoutMethod(row.method) ? row.method : 'unknown',
    providerMethod: row.provider_method,
    purpose: row.purpose,
    purposeSource: row.purpose_source,
    country: row.country,
    description: row.description,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
    statusChangedAt: row.status_changed_at,
    finalAt: row.final_at,
    lastPolledAt: row.last_polled_at,
  };
}
