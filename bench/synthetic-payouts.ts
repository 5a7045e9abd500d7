/**
 * Deterministic payout data for benchmarks (fixed seed): the same rows on
 * every run, with a realistic mix of currencies, statuses, purposes and
 * methods, one month of creation times.
 */
import { PURPOSE_CODES } from '../src/domain/purposes.js';
import type { PayoutReportRow } from '../src/reports/rows/payout-rows.js';
import type { PayoutFixture } from '../test/helpers/ledger-fixtures.js';

export { seededRandom } from '../src/providers/sandbox/smart2pay-sandbox-data.js';

const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP', 'RON', 'JPY'];
const STATUSES = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'pending', 'open'];
const METHODS = ['bank_account', 'bank_account', 'wallet', 'card'];
const COUNTRIES = ['RO', 'DE', 'FR', 'GB', 'ES', 'IT', 'PL'];

export const MONTH_START = Date.parse('2026-09-30T21:00:00Z'); // 2026-10-01 00:00 in Bucharest
const MONTH_MS = 31 * 24 * 3600 * 1000;

/** The i-th of `count` payouts, spread evenly over October 2026 (Bucharest). */
export function syntheticPayout(i: number, count: number, random: () => number): PayoutFixture {
  const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
  const purpose = random() < 0.1 ? null : PURPOSE_CODES[Math.floor(random() * PURPOSE_CODES.length)]!;
  return {
    provider: 'smart2pay',
    providerPayoutId: String(5_000_000 + i),
    merchantTransactionId: `ORD-2026-${String(i).padStart(8, '0')}`,
    amount: 100 + Math.floor(random() * 5_000_000),
    currency: CURRENCIES[Math.floor(random() * CURRENCIES.length)]!,
    createdAt: MONTH_START + Math.floor((i / count) * MONTH_MS),
    status,
    providerStatus: status === 'succeeded' ? '2' : status === 'failed' ? '4' : '1',
    reasons: status === 'failed' ? [{ code: 'R03', info: 'Account does not exist' }] : null,
    method: METHODS[Math.floor(random() * METHODS.length)]!,
    purpose,
    country: COUNTRIES[Math.floor(random() * COUNTRIES.length)]!,
    description: `Withdrawal ${i}`,
  };
}

/** The same payout as a report row (for writer-only benchmarks, no ledger). */
export function syntheticReportRow(i: number, count: number, random: () => number): PayoutReportRow {
  const p = syntheticPayout(i, count, random);
  const matched = random() < 0.95;
  return {
    id: i + 1,
    provider: p.provider!,
    provider_payout_id: p.providerPayoutId!,
    merchant_transaction_id: p.merchantTransactionId ?? null,
    created_at: p.createdAt!,
    amount: p.amount!,
    currency: p.currency!,
    status: p.status!,
    provider_status: p.providerStatus ?? null,
    reasons: p.reasons ? p.reasons.map((r) => `${r.code}: ${r.info ?? ''}`).join('; ') : null,
    method: p.method!,
    purpose: p.purpose ?? 'UNSPECIFIED',
    country: p.country ?? null,
    description: p.description ?? null,
    match_id: matched ? i + 1 : null,
    reconciliation: matched ? 'matched' : 'amount_mismatch',
    internal_id: matched ? p.merchantTransactionId! : null,
  };
}
