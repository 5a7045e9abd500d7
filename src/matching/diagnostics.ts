/**
 * What every exception says: the one-line `summary` and the `details` JSON
 * (the payout and/or record, the nearest candidate on the other side, and
 * each differing field with both values, provider first). Pure and
 * deterministic: the same facts always give the same text, so a re-run with
 * no new data finds nothing to update. Nothing here depends on "now".
 */
import type { ExceptionKind } from '../domain/exception-kinds.js';
import type { RaisedException } from '../exceptions/exception-store.js';
import { formatMoney, formatMoneyForDisplay } from '../shared/money.js';
import { formatInstant } from '../shared/time.js';
import { amountsAgree, type MatchingRules, type PayoutFacts, type RecordFacts, statusesDisagree } from './rules.js';

export type Condition = RaisedException;

/** One field that differs: the provider's value, then ours. */
export interface Difference {
  field: string;
  payout: string | null;
  record: string | null;
}

export function describePayout(p: PayoutFacts): Record<string, unknown> {
  return {
    id: p.providerPayoutId,
    provider: p.provider,
    ledger_id: p.id,
    merchant_transaction_id: p.merchantTransactionId,
    amount: formatMoney(p.amount, p.currency),
    currency: p.currency,
    created_at: formatInstant(p.createdAt),
    status: p.status,
    method: p.method,
    purpose: p.purpose,
    country: p.country,
  };
}

export function describeRecord(r: RecordFacts): Record<string, unknown> {
  return {
    internal_id: r.internalId,
    reference: r.reference,
    amount: formatMoney(r.amount, r.currency),
    currency: r.currency,
    created_at: formatInstant(r.createdAt),
    status: r.status,
    method: r.method,
    purpose: r.purpose,
    country: r.country,
  };
}

function money(minor: number, currency: string): string {
  return `${formatMoneyForDisplay(minor, currency)} ${currency}`;
}

/**
 * The fields in which a payout and a record differ. `core` fields (currency,
 * amount, status) always count; `created_at` counts when the two were
 * created further apart than the time window; reference, purpose, country
 * and method count when `candidate` is set (the pair was not tied by
 * reference) or both sides name different values.
 */
export function differences(rules: MatchingRules, p: PayoutFacts, r: RecordFacts, candidate: boolean): Difference[] {
  const out: Difference[] = [];
  if (p.currency !== r.currency) out.push({ field: 'currency', payout: p.currency, record: r.currency });
  if (p.currency !== r.currency || !amountsAgree(rules, p.amount, r.amount, p.currency)) {
    out.push({ field: 'amount', payout: money(p.amount, p.currency), record: money(r.amount, r.currency) });
  }
  if (statusesDisagree(r.status, p.status)) out.push({ field: 'status', payout: p.status, record: r.status });
  if (Math.abs(p.createdAt - r.createdAt) > rules.timeWindowMs) {
    out.push({ field: 'created_at', payout: formatInstant(p.createdAt), record: formatInstant(r.createdAt) });
  }
  if (candidate && p.merchantTransactionId !== r.reference) {
    out.push({ field: 'reference', payout: p.merchantTransactionId, record: r.reference });
  }
  const known = (v: string | null): v is string => v !== null && v !== 'unknown';
  if (known(p.purpose) && known(r.purpose) && p.purpose !== r.purpose) out.push({ field: 'purpose', payout: p.purpose, record: r.purpose });
  if (known(p.country) && known(r.country) && p.country !== r.country) out.push({ field: 'country', payout: p.country, record: r.country });
  if (known(p.method) && known(r.method) && p.method !== r.method) out.push({ field: 'method', payout: p.method, record: r.method });
  return out;
}

/** `amount 1,234.50 vs 1,243.50 EUR`, `status failed vs succeeded`. */
export function differenceText(d: Difference): string {
  if (d.field === 'amount' && d.payout && d.record) {
    const [pa, pc] = d.payout.split(' ');
    const [ra, rc] = d.record.split(' ');
    if (pc === rc) return `amount ${pa} vs ${ra} ${pc}`;
  }
  return `${d.field} ${d.payout ?? '(none)'} vs ${d.record ?? '(none)'}`;
}

function listed(diffs: readonly Difference[]): string {
  return diffs.length === 0 ? 'no field differs' : diffs.map(differenceText).join('; ');
}

function payoutName(p: PayoutFacts): string {
  return `payout ${p.providerPayoutId}`;
}

function recordName(r: RecordFacts): string {
  return `record ${r.internalId}`;
}

const MISMATCH_ORDER = ['currency', 'amount', 'status'] as const;

/**
 * A matched pair's exception, if any: currency, then amount, then status
 * mismatch (the first that applies names the kind, the details list them
 * all), else a stuck payout. The differing core fields are part of the
 * fingerprint: a user's decision on "amount differs" does not silence a
 * later "and now the status differs too".
 */
export function classifyPair(rules: MatchingRules, p: PayoutFacts, r: RecordFacts, stuck: boolean, matchMethod: string): Condition | null {
  const diffs = differences(rules, p, r, false);
  const core = diffs.filter((d) => (MISMATCH_ORDER as readonly string[]).includes(d.field)).map((d) => d.field);
  const first = MISMATCH_ORDER.find((f) => core.includes(f));
  const details = (extra: Record<string, unknown> = {}) => ({
    payout: describePayout(p),
    record: describeRecord(r),
    match_method: matchMethod,
    differences: diffs,
    ...extra,
  });
  if (first) {
    const kind: ExceptionKind = `${first}_mismatch`;
    return {
      kind,
      fingerprint: `${kind}:payout:${p.id}:record:${r.id}:${core.join('+')}`,
      payoutId: p.id,
      internalRecordId: r.id,
      summary: `${payoutName(p)} and ${recordName(r)}: ${listed(diffs)}`,
      details: details(),
    };
  }
  if (stuck) {
    return {
      kind: 'stuck_payout',
      fingerprint: `stuck_payout:payout:${p.id}:record:${r.id}`,
      payoutId: p.id,
      internalRecordId: r.id,
      summary: `${payoutName(p)} (${recordName(r)}, ${money(p.amount, p.currency)}) is still ${p.status}, created ${formatInstant(p.createdAt)}, more than ${rules.stuckMs / 3_600_000} h ago`,
      details: details({ stuck_after_hours: rules.stuckMs / 3_600_000 }),
    };
  }
  return null;
}

export function proposedMatch(rules: MatchingRules, p: PayoutFacts, r: RecordFacts, score: number): Condition {
  const diffs = differences(rules, p, r, true);
  return {
    kind: 'proposed_match',
    fingerprint: `proposed_match:payout:${p.id}:record:${r.id}`,
    payoutId: p.id,
    internalRecordId: r.id,
    summary: `${payoutName(p)} may be ${recordName(r)} (score ${score}): ${listed(diffs)}`,
    details: { payout: describePayout(p), record: describeRecord(r), score, candidate: { side: 'record', internal_id: r.internalId, score }, differences: diffs },
  };
}

export interface Nearest<T> {
  facts: T;
  /** The tolerance score when within tolerance, else null. */
  score: number | null;
}

export function unknownPayout(rules: MatchingRules, p: PayoutFacts, nearest: Nearest<RecordFacts> | null, stuck: boolean): Condition {
  const diffs = nearest ? differences(rules, p, nearest.facts, true) : [];
  const what = `${payoutName(p)} (${money(p.amount, p.currency)}, MerchantTransactionID ${p.merchantTransactionId ?? 'none'}, ${p.status}) has no internal record`;
  const near = nearest ? `nearest ${recordName(nearest.facts)}: ${listed(diffs)}` : `no unmatched record in ${p.currency}`;
  return {
    kind: 'unknown_payout',
    fingerprint: `unknown_payout:payout:${p.id}`,
    payoutId: p.id,
    internalRecordId: null,
    summary: `${what}; ${near}`,
    details: {
      payout: describePayout(p),
      candidate: nearest ? { side: 'record', ...describeRecord(nearest.facts), score: nearest.score } : null,
      differences: diffs,
      ...(stuck ? { also: ['stuck_payout'] } : {}),
    },
  };
}

export function duplicatePayout(
  rules: MatchingRules,
  p: PayoutFacts,
  r: RecordFacts,
  matched: PayoutFacts,
  how: 'reference' | 'similar',
  score: number | null,
): Condition {
  const diffs = differences(rules, p, r, how === 'similar');
  const because = how === 'reference' ? `same MerchantTransactionID ${p.merchantTransactionId ?? ''}` : `looks alike (score ${score ?? 0})`;
  return {
    kind: 'duplicate_payout',
    fingerprint: `duplicate_payout:payout:${p.id}:record:${r.id}`,
    payoutId: p.id,
    internalRecordId: r.id,
    summary: `${payoutName(p)} (${money(p.amount, p.currency)}, ${p.status}) duplicates ${payoutName(matched)} already matched to ${recordName(r)}: ${because}${diffs.length > 0 ? `; ${listed(diffs)}` : ''}`,
    details: {
      payout: describePayout(p),
      record: describeRecord(r),
      matched_payout: describePayout(matched),
      duplicate_by: how,
      score,
      candidate: { side: 'record', internal_id: r.internalId, score },
      differences: diffs,
    },
  };
}

export function missingAtProvider(rules: MatchingRules, r: RecordFacts, nearest: Nearest<PayoutFacts> | null): Condition {
  const diffs = nearest ? differences(rules, nearest.facts, r, true) : [];
  const what = `${recordName(r)} (${money(r.amount, r.currency)}, created ${formatInstant(r.createdAt)}) has no payout at the provider`;
  const near = nearest ? `nearest ${payoutName(nearest.facts)}: ${listed(diffs)}` : `no unmatched payout in ${r.currency}`;
  return {
    kind: 'missing_at_provider',
    fingerprint: `missing_at_provider:record:${r.id}`,
    payoutId: null,
    internalRecordId: r.id,
    summary: `${what}; ${near}`,
    details: {
      record: describeRecord(r),
      candidate: nearest ? { side: 'payout', ...describePayout(nearest.facts), score: nearest.score } : null,
      differences: diffs,
    },
  };
}
