/**
 * The demo's "company records": an internal-records export built from the
 * payouts the provider reported, with discrepancies planted on purpose so the
 * matcher has something to find. Pure: payouts in, CSV rows and the plan out.
 */
import { formatMoney } from '../shared/money.js';
import { formatLocalDateTime, MS_PER_DAY } from '../shared/time.js';

export interface DemoPayout {
  id: number;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  amount: number;
  currency: string;
  createdAt: number;
  status: string;
  method: string;
  purpose: string | null;
  country: string | null;
}

export interface DemoRecordsPlan {
  /** Payouts the company has no record of: `unknown_payout`. */
  unknown: string[];
  /** Records the provider never paid: `missing_at_provider`. */
  missing: string[];
  /** Records with another amount: `amount_mismatch`. */
  amountChanged: string[];
  /** Records that say succeeded where the provider failed: `status_mismatch`. */
  statusChanged: string[];
  /** A record in another currency: `currency_mismatch`. */
  currencyChanged: string[];
  /** Records whose ID was mistyped: found by the tolerance pass instead of by reference. */
  mistyped: string[];
}

export const DEMO_RECORD_COLUMNS = ['internal_id', 'amount', 'currency', 'created_at', 'method', 'purpose', 'country', 'status'];

const COMPANY_STATUS: Record<string, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  expired: 'failed',
};

/** Builds the records (one CSV row each) for `payouts`, planting every kind of difference a few times. */
export function buildDemoRecords(
  payouts: readonly DemoPayout[],
  options: { zone: string; now: number },
): { rows: string[][]; plan: DemoRecordsPlan } {
  const plan: DemoRecordsPlan = { unknown: [], missing: [], amountChanged: [], statusChanged: [], currencyChanged: [], mistyped: [] };
  const withReference = payouts.filter((p) => p.merchantTransactionId !== null);
  // Plant on payouts spread evenly over the ones that qualify: deterministic for a given data set.
  const pick = (count: number, accept: (p: DemoPayout) => boolean, used: Set<number>): DemoPayout[] => {
    const pool = withReference.filter((p) => !used.has(p.id) && accept(p));
    const chosen: DemoPayout[] = [];
    for (let k = 0; k < count && k < pool.length; k++) {
      const p = pool[Math.floor(((k + 0.5) * pool.length) / count)];
      if (p && !used.has(p.id)) {
        chosen.push(p);
        used.add(p.id);
      }
    }
    return chosen;
  };
  const used = new Set<number>();
  const settledOld = (p: DemoPayout) => p.createdAt < options.now - 2 * MS_PER_DAY;
  const unknown = pick(3, (p) => p.status === 'succeeded' && settledOld(p), used);
  const amountChanged = pick(3, (p) => p.status === 'succeeded' && p.currency === 'EUR' && settledOld(p), used);
  const statusChanged = pick(2, (p) => p.status === 'failed', used);
  const currencyChanged = pick(1, (p) => p.status === 'succeeded' && p.currency !== 'GBP' && settledOld(p), used);
  const mistyped = pick(2, (p) => p.status === 'succeeded' && settledOld(p), used);
  plan.unknown = unknown.map((p) => p.merchantTransactionId ?? '');
  const skip = new Set(unknown.map((p) => p.id));
  const changedAmount = new Set(amountChanged.map((p) => p.id));
  const changedStatus = new Set(statusChanged.map((p) => p.id));
  const changedCurrency = new Set(currencyChanged.map((p) => p.id));
  const typo = new Set(mistyped.map((p) => p.id));

  const rows: string[][] = [];
  for (const p of withReference) {
    if (skip.has(p.id)) continue;
    let internalId = p.merchantTransactionId ?? '';
    let amount = p.amount;
    let currency = p.currency;
    let status = COMPANY_STATUS[p.status] ?? 'pending';
    if (changedAmount.has(p.id)) {
      amount += 900; // 9.00 more than the provider paid
      plan.amountChanged.push(internalId);
    }
    if (changedStatus.has(p.id)) {
      status = 'succeeded';
      plan.statusChanged.push(internalId);
    }
    if (changedCurrency.has(p.id)) {
      currency = 'GBP';
      plan.currencyChanged.push(internalId);
    }
    if (typo.has(p.id)) {
      internalId = `${internalId}X`; // an export typo: the reference no longer matches
      plan.mistyped.push(internalId);
    }
    rows.push([
      internalId,
      formatMoney(amount, currency),
      currency,
      formatLocalDateTime(p.createdAt, options.zone),
      p.method === 'unknown' ? '' : p.method,
      p.purpose ?? '',
      p.country ?? '',
      status,
    ]);
  }
  // Ordered by the company, never paid out by the provider.
  for (let i = 1; i <= 3; i++) {
    const internalId = `ORDER-NOT-PAID-${i}`;
    plan.missing.push(internalId);
    rows.push([
      internalId,
      formatMoney(12_345 * i, 'EUR'),
      'EUR',
      formatLocalDateTime(options.now - (3 + i) * MS_PER_DAY, options.zone),
      'bank_account',
      'SALARY_PAYMENT',
      'RO',
      'succeeded',
    ]);
  }
  return { rows, plan };
}
