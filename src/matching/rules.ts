/**
 * The matching rules, as pure functions over plain values: when amounts
 * agree, how a payout/record pair is scored, when statuses disagree, when a
 * payout is stuck. No I/O: the passes in `reconcile.ts` feed them ledger rows.
 */
import type { Config } from '../config/schema.js';
import { FINAL_STATUSES, type PayoutStatus, RELEASED_STATUSES } from '../domain/payout-status.js';
import { currencyExponent } from '../shared/currencies.js';
import { MS_PER_HOUR, type Instant } from '../shared/time.js';

/** What the matcher knows of a payout. */
export interface PayoutFacts {
  id: number;
  provider: string;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  amount: number;
  currency: string;
  createdAt: Instant;
  status: string;
  method: string;
  purpose: string | null;
  country: string | null;
}

/** What the matcher knows of an internal record. */
export interface RecordFacts {
  id: number;
  internalId: string;
  reference: string;
  amount: number;
  currency: string;
  createdAt: Instant;
  status: string | null;
  method: string | null;
  purpose: string | null;
  country: string | null;
}

export interface MatchingRules {
  /** Major units, applied per currency (`matching.amountToleranceAbsolute`). */
  toleranceAbsolute: string;
  tolerancePercent: number;
  timeWindowMs: number;
  autoConfirmScore: number;
  proposeScore: number;
  missingGraceMs: number;
  stuckMs: number;
}

export function rulesFromConfig(matching: Config['matching']): MatchingRules {
  return {
    toleranceAbsolute: matching.amountToleranceAbsolute,
    tolerancePercent: matching.amountTolerancePercent,
    timeWindowMs: matching.timeWindowHours * MS_PER_HOUR,
    autoConfirmScore: matching.autoConfirmScore,
    proposeScore: Math.min(matching.proposeScore, matching.autoConfirmScore),
    missingGraceMs: matching.missingGraceHours * MS_PER_HOUR,
    stuckMs: matching.stuckHours * MS_PER_HOUR,
  };
}

const absoluteCache = new Map<string, number>();

/**
 * The absolute tolerance in minor units of `currency`. Decimals the currency
 * does not have are dropped (0.50 is 0 JPY): a tolerance never grows by rounding.
 */
export function absoluteToleranceMinor(rules: MatchingRules, currency: string): number {
  const key = `${rules.toleranceAbsolute}|${currency}`;
  let cached = absoluteCache.get(key);
  if (cached === undefined) {
    const [whole = '0', fraction = ''] = rules.toleranceAbsolute.split('.');
    const exponent = currencyExponent(currency);
    cached = Number(whole + fraction.padEnd(exponent, '0').slice(0, exponent));
    absoluteCache.set(key, cached);
  }
  return cached;
}

/** Amounts agree when they differ by at most the absolute tolerance, or by at most the percentage of the internal amount. */
export function amountsAgree(rules: MatchingRules, payoutAmount: number, recordAmount: number, currency: string): boolean {
  const diff = Math.abs(payoutAmount - recordAmount);
  if (diff === 0) return true;
  if (diff <= absoluteToleranceMinor(rules, currency)) return true;
  return diff * 100 <= rules.tolerancePercent * Math.abs(recordAmount);
}

/** The largest amount difference that can agree for a payout of `amount` (a search bound; `amountsAgree` decides). */
export function amountSearchBound(rules: MatchingRules, amount: number, currency: string): number {
  const percent = rules.tolerancePercent > 0 ? Math.ceil((Math.abs(amount) * rules.tolerancePercent * 2) / 100) + 1 : 0;
  return absoluteToleranceMinor(rules, currency) + percent;
}

function agreementPoints(a: string | null, b: string | null, points: number): number {
  if (a === null || b === null || a === 'unknown' || b === 'unknown') return points / 2;
  return a === b ? points : 0;
}

/**
 * The tolerance pass's confidence (0-100) that a payout and a record are the
 * same payment, or null when they cannot be: different currency, amounts
 * that do not agree, or created further apart than the time window.
 *
 * amount 50 (exact 50; within tolerance 40 down to 20 at its edge),
 * currency 10, date 25 (full within an hour, falling to 0 at the window's
 * edge), purpose 7.5 and country 7.5 (half when either side does not say).
 */
export function scorePair(rules: MatchingRules, p: PayoutFacts, r: RecordFacts): number | null {
  if (p.currency !== r.currency) return null;
  if (!amountsAgree(rules, p.amount, r.amount, p.currency)) return null;
  const dt = Math.abs(p.createdAt - r.createdAt);
  if (dt > rules.timeWindowMs) return null;
  const diff = Math.abs(p.amount - r.amount);
  let amountPoints = 50;
  if (diff > 0) {
    const bound = Math.max(absoluteToleranceMinor(rules, p.currency), (rules.tolerancePercent * Math.abs(r.amount)) / 100, 1);
    amountPoints = 40 - 20 * Math.min(1, diff / bound);
  }
  const span = Math.max(rules.timeWindowMs - MS_PER_HOUR, 1);
  const datePoints = dt <= MS_PER_HOUR ? 25 : 25 * Math.max(0, 1 - (dt - MS_PER_HOUR) / span);
  const total = amountPoints + 10 + datePoints + agreementPoints(p.purpose, r.purpose, 7.5) + agreementPoints(p.country, r.country, 7.5);
  return Math.round(total);
}

/**
 * How alike two sides are, for "the nearest candidate" in diagnostics when
 * nothing is within tolerance: amount closeness (relative) weighs 60, time
 * closeness (over 30 days) 40. Only compared within one currency.
 */
export function similarity(p: Pick<PayoutFacts, 'amount' | 'createdAt'>, r: Pick<RecordFacts, 'amount' | 'createdAt'>): number {
  const biggest = Math.max(Math.abs(p.amount), Math.abs(r.amount), 1);
  const amount = 1 - Math.min(1, Math.abs(p.amount - r.amount) / biggest);
  const time = 1 - Math.min(1, Math.abs(p.createdAt - r.createdAt) / (30 * 24 * MS_PER_HOUR));
  return 60 * amount + 40 * time;
}

export function isFinalPayoutStatus(status: string): boolean {
  return FINAL_STATUSES.has(status as PayoutStatus);
}

/**
 * The company's belief and the provider's final word disagree: the company
 * says succeeded and the provider failed/cancelled/expired it, or the company
 * says failed/cancelled and the provider paid. Pending or empty on our side,
 * or a provider status that is not final yet, is never a disagreement (a
 * payout that stays non-final too long is `stuck_payout`).
 */
export function statusesDisagree(recordStatus: string | null, payoutStatus: string): boolean {
  if (recordStatus === null || recordStatus === 'pending') return false;
  if (!isFinalPayoutStatus(payoutStatus)) return false;
  const providerPaid = payoutStatus === 'succeeded';
  const providerReleased = RELEASED_STATUSES.has(payoutStatus as PayoutStatus);
  if (recordStatus === 'succeeded') return providerReleased;
  return providerPaid;
}

/** Not final (open, authorized, pending, unknown) for longer than `matching.stuckHours`. */
export function isStuck(rules: MatchingRules, payout: Pick<PayoutFacts, 'status' | 'createdAt'>, now: Instant): boolean {
  return !isFinalPayoutStatus(payout.status) && now - payout.createdAt > rules.stuckMs;
}
