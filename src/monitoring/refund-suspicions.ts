/**
 * Suspected manual refunds and unexplained balance changes as exceptions.
 *
 * A `suspected_manual_refund` is about one payout (fingerprint
 * `suspected_manual_refund:payout:<id>`), or, for a reported refund whose
 * payout we cannot find, about the report's operation
 * (`suspected_manual_refund:report:<operationId>`). Evidence accumulates on
 * it from three sources:
 * - `balance`: an unexplained balance increase matched to this payout alone;
 * - `regression`: the poller saw the payout leave `succeeded`;
 * - `report`: a `Refund` row of the provider's daily report.
 * One source makes it `suspected`; two different sources make it `confirmed`.
 *
 * `details` (read by the report pack's Refunds sheet):
 *   { state: "suspected" | "confirmed", amount: <minor>, currency,
 *     payout: {id, provider, provider_payout_id, merchant_transaction_id, method, created_at, succeeded_at} | null,
 *     sources: ["balance", "regression", "report"],       (sorted)
 *     evidence: [ {source: "balance", key, currency, increase, from: {taken_at, amount}, to: {…}, debited, released, netted, matched: [...]},
 *                 {source: "regression", key, history_id, observed_at, previous_status, status, provider_status},
 *                 {source: "report", key, operation_id, file, row, finished_at, amount, currency, payment_session_id, merchant_metadata, rrn} ],
 *     candidates: [ {payout_id, provider_payout_id, amount, succeeded_at} ] }
 *
 * An `unexplained_balance_change` is about one interval between two
 * snapshots (`unexplained_balance_change:<currency>:<from ms>:<to ms>`):
 *   { amount: <minor increase>, currency, evidence: [{source: "balance", …}],
 *     candidates: [[{payout_id, provider_payout_id, amount, succeeded_at}, …], …], candidate_search: {…}, reason,
 *     may_contain_refund_of: [{payout_id, …}] }
 * `candidates` are the combinations that fit (payouts pinned for certain
 * are left out of them); `may_contain_refund_of`, when none fits, names the
 * payouts a refund inside the rise could be.
 */
import type { Kysely } from 'kysely';
import { raiseExceptions, type RaiseOutcome } from '../exceptions/exception-store.js';
import { fromJson } from '../ledger/mapping.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import { formatMoneyForDisplay } from '../shared/money.js';
import { formatInstant, type Instant } from '../shared/time.js';

type Db = Kysely<LedgerDatabase>;

export type RefundState = 'suspected' | 'confirmed';
export type EvidenceSource = 'balance' | 'regression' | 'report';

/** One piece of evidence; `key` makes re-runs idempotent (the same evidence is never added twice). */
export interface RefundEvidence {
  source: EvidenceSource;
  key: string;
  [field: string]: unknown;
}

export interface CandidatePayout {
  payout_id: number;
  provider_payout_id: string;
  merchant_transaction_id: string | null;
  amount: number;
  succeeded_at: string;
}

export interface SuspectedPayout {
  id: number;
  provider: string;
  provider_payout_id: string;
  merchant_transaction_id: string | null;
  method: string;
  amount: number;
  currency: string;
  created_at: Instant;
  final_at: Instant | null;
}

export type RefundSubject = { payout: SuspectedPayout } | { operationId: string; amount: number; currency: string };

export interface RefundDetails {
  state: RefundState;
  amount: number;
  currency: string;
  payout: Record<string, unknown> | null;
  sources: EvidenceSource[];
  evidence: RefundEvidence[];
  candidates: CandidatePayout[];
}

export function refundFingerprint(subject: RefundSubject): string {
  return 'payout' in subject
    ? `suspected_manual_refund:payout:${subject.payout.id}`
    : `suspected_manual_refund:report:${subject.operationId}`;
}

export function refundStateOf(sources: readonly EvidenceSource[]): RefundState {
  return new Set(sources).size >= 2 ? 'confirmed' : 'suspected';
}

/** Merges evidence (by key, sorted, so an unchanged set gives the same JSON) and derives the state. */
export function mergeRefundDetails(
  previous: Partial<RefundDetails> | null,
  subject: RefundSubject,
  evidence: readonly RefundEvidence[],
  candidates: readonly CandidatePayout[] = [],
): RefundDetails {
  const byKey = new Map<string, RefundEvidence>();
  for (const e of previous?.evidence ?? []) byKey.set(e.key, e);
  for (const e of evidence) byKey.set(e.key, e);
  const merged = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const sources = [...new Set(merged.map((e) => e.source))].sort();
  const candidatesById = new Map<number, CandidatePayout>();
  for (const c of [...(previous?.candidates ?? []), ...candidates]) candidatesById.set(c.payout_id, c);
  const report = merged.find((e) => e.source === 'report');
  const payout = 'payout' in subject ? subject.payout : null;
  // The provider's own figure wins when it reported the refund; otherwise the payout's amount came back.
  const amount = typeof report?.amount === 'number' ? report.amount : payout ? payout.amount : (subject as { amount: number }).amount;
  const currency = payout ? payout.currency : (subject as { currency: string }).currency;
  return {
    state: refundStateOf(sources),
    amount,
    currency,
    payout: payout
      ? {
          id: payout.id,
          provider: payout.provider,
          provider_payout_id: payout.provider_payout_id,
          merchant_transaction_id: payout.merchant_transaction_id,
          method: payout.method,
          amount: payout.amount,
          created_at: formatInstant(payout.created_at),
          succeeded_at: payout.final_at === null ? null : formatInstant(payout.final_at),
        }
      : null,
    sources,
    evidence: merged,
    candidates: [...candidatesById.values()].sort((a, b) => a.payout_id - b.payout_id),
  };
}

const SOURCE_WORDS: Record<EvidenceSource, string> = {
  balance: 'money back on the balance',
  regression: 'status left succeeded',
  report: 'Refund in the provider report',
};

export function refundSummary(details: RefundDetails, subject: RefundSubject): string {
  const money = `${details.currency} ${formatMoneyForDisplay(details.amount, details.currency)}`;
  const what =
    'payout' in subject
      ? `bank payout ${subject.payout.provider_payout_id}${subject.payout.merchant_transaction_id ? ` (${subject.payout.merchant_transaction_id})` : ''}`
      : `reported operation ${subject.operationId} (payout not found in the ledger)`;
  return `${details.state} manual refund of ${money} for ${what}: ${details.sources.map((s) => SOURCE_WORDS[s]).join(', ')}`;
}

/**
 * Adds evidence to the refund exception of a payout (or reported
 * operation), opening it if needed. Run it inside the caller's transaction.
 */
export async function recordRefundEvidence(
  db: Db,
  subject: RefundSubject,
  evidence: readonly RefundEvidence[],
  now: Instant,
  candidates: readonly CandidatePayout[] = [],
): Promise<{ id: number; outcome: RaiseOutcome; state: RefundState; details: RefundDetails }> {
  const fingerprint = refundFingerprint(subject);
  const existing = await db.selectFrom('exceptions').select('details').where('fingerprint', '=', fingerprint).executeTakeFirst();
  const previous = existing ? fromJson<Partial<RefundDetails> | null>(existing.details, null) : null;
  const details = mergeRefundDetails(previous, subject, evidence, candidates);
  const outcomes = await raiseExceptions(
    db,
    [
      {
        kind: 'suspected_manual_refund',
        fingerprint,
        payoutId: 'payout' in subject ? subject.payout.id : null,
        internalRecordId: null,
        summary: refundSummary(details, subject),
        details: details as unknown as Record<string, unknown>,
      },
    ],
    now,
  );
  const outcome = outcomes.get(fingerprint)!;
  return { ...outcome, state: details.state, details };
}

/** The payout fields a suspicion shows, by ledger ID. */
export async function loadSuspectedPayout(db: Db, payoutId: number): Promise<SuspectedPayout | undefined> {
  return db
    .selectFrom('payouts')
    .select(['id', 'provider', 'provider_payout_id', 'merchant_transaction_id', 'method', 'amount', 'currency', 'created_at', 'final_at'])
    .where('id', '=', payoutId)
    .executeTakeFirst();
}

export interface UnexplainedChange {
  currency: string;
  increase: number;
  from: Instant;
  to: Instant;
  evidence: RefundEvidence;
  candidates: CandidatePayout[][];
  search: Record<string, unknown>;
  reason: string;
  /** Payouts a refund inside an otherwise unexplained rise could be (none fits it alone). */
  mayContainRefundOf?: CandidatePayout[];
}

export function unexplainedFingerprint(currency: string, from: Instant, to: Instant): string {
  return `unexplained_balance_change:${currency}:${from}:${to}`;
}

export async function recordUnexplainedChange(db: Db, change: UnexplainedChange, now: Instant): Promise<{ id: number; outcome: RaiseOutcome }> {
  const fingerprint = unexplainedFingerprint(change.currency, change.from, change.to);
  const money = `${change.currency} ${formatMoneyForDisplay(change.increase, change.currency)}`;
  const outcomes = await raiseExceptions(
    db,
    [
      {
        kind: 'unexplained_balance_change',
        fingerprint,
        payoutId: null,
        internalRecordId: null,
        summary: `prefunding balance rose ${money} more than the ledger explains between ${formatInstant(change.from)} and ${formatInstant(change.to)}: ${change.reason}`,
        details: {
          amount: change.increase,
          currency: change.currency,
          evidence: [change.evidence],
          candidates: change.candidates,
          candidate_search: change.search,
          reason: change.reason,
          may_contain_refund_of: change.mayContainRefundOf ?? [],
        },
      },
    ],
    now,
  );
  return outcomes.get(fingerprint)!;
}
