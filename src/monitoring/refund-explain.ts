/**
 * Explaining what stays of a segment's balance increase once the ledger's
 * debits and releases are accounted for, in this order:
 * 1. pending credits: imported top-ups (dated up to `alerts.topupWindowDays`
 *    before the snapshot, or a day after) and refunds from the provider's
 *    daily report, not yet seen on the balance, alone or a few together
 *    adding up exactly: expected money, no exception (a reported refund
 *    seen on the balance gets `balance` evidence: confirmed);
 * 2. succeeded bank payouts of the currency that became final within
 *    `alerts.refundLookbackDays` (and before the segment began), one or up
 *    to `alerts.refundMaxPayouts` adding up exactly (smallest size first):
 *    every payout that is in each combination found is pinned (a
 *    `suspected_manual_refund`); when combinations differ, one
 *    `unexplained_balance_change` lists them all (candidate-narrowing.ts
 *    narrows it as evidence arrives);
 * 3. otherwise an `unexplained_balance_change` that names the payouts a
 *    refund inside it could be (the rise may be a top-up not imported yet
 *    plus a refund).
 */
import type { Kysely } from 'kysely';
import type { LedgerTransaction } from '../ledger/ledger.js';
import { fromJson, toJson } from '../ledger/mapping.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import { currencyExponent } from '../shared/currencies.js';
import { formatInstant, type Instant, MS_PER_DAY } from '../shared/time.js';
import { type RefundCandidate, refundCandidates } from './payout-flows.js';
import {
  type CandidatePayout,
  loadSuspectedPayout,
  recordRefundEvidence,
  recordUnexplainedChange,
  type RefundEvidence,
} from './refund-suspicions.js';
import { findExactSubsets } from './subset-sum.js';

export interface ExplainRules {
  refundLookbackDays: number;
  refundMaxPayouts: number;
  topupWindowDays: number;
}

export interface SnapshotPoint {
  id: number;
  amount: number;
  taken_at: Instant;
}

/** What explainIncrease needs of the segment, and what it fills in. */
export interface ExplainedSegment {
  currency: string;
  from: Instant;
  to: Instant;
  debited: number;
  released: number;
  netted: number;
  increase: number;
  verdict: string;
  payoutIds: number[];
  movementIds: number[];
  /** Candidate combinations left open (an `unexplained_balance_change` lists them). */
  candidateSets: number[][];
}

/** Candidates loaded for combinations of two or more payouts (the newest first). */
const COMBINATION_CANDIDATES = 20_000;
/** Payouts named as "a refund inside it could be one of these". */
const NAMED_INSIDE = 10;

export function balanceEvidence(interval: ExplainedSegment, points: { from: SnapshotPoint; to: SnapshotPoint }, matched: unknown[]): RefundEvidence {
  return {
    source: 'balance',
    key: `balance:${interval.currency}:${interval.from}:${interval.to}`,
    currency: interval.currency,
    increase: interval.increase,
    from: { snapshot_id: points.from.id, taken_at: formatInstant(points.from.taken_at), amount: points.from.amount },
    to: { snapshot_id: points.to.id, taken_at: formatInstant(points.to.taken_at), amount: points.to.amount },
    debited: interval.debited,
    released: interval.released,
    netted: interval.netted,
    matched,
  };
}

export function candidateView(c: RefundCandidate): CandidatePayout {
  return {
    payout_id: c.payoutId,
    provider_payout_id: c.providerPayoutId,
    merchant_transaction_id: c.merchantTransactionId,
    amount: c.amount,
    succeeded_at: formatInstant(c.succeededAt),
  };
}

interface PendingCredit {
  id: number;
  kind: string;
  amount: number;
  reference: string;
  payoutId: number | null;
  details: Record<string, unknown>;
}

/** Imported top-ups and reported refunds of the currency near the interval that no balance increase has used yet. */
async function pendingCredits(db: Kysely<LedgerDatabase>, currency: string, to: Instant, windowDays: number): Promise<PendingCredit[]> {
  const rows = await db
    .selectFrom('balance_movements')
    .select(['id', 'kind', 'amount', 'reference', 'payout_id', 'details'])
    .where('currency', '=', currency)
    .where('kind', 'in', ['topup', 'refund'])
    .where('occurred_at', '>=', to - windowDays * MS_PER_DAY)
    .where('occurred_at', '<=', to + MS_PER_DAY)
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      amount: r.amount,
      reference: r.reference,
      payoutId: r.payout_id,
      details: fromJson<Record<string, unknown>>(r.details, {}),
    }))
    .filter((r) => r.amount > 0 && r.details.seen_on_balance === undefined);
}

/** A combination of two or more payouts is pinned only if chance would give one this seldom. */
const MAX_CHANCE_MATCHES = 0.005;

/**
 * How many combinations of `size` of these amounts would add up to
 * `target` by chance (a histogram of the amounts, convolved `size` times):
 * among thousands of payouts some triple adds up to almost any amount,
 * and a unique one then proves nothing. The `found` combinations that do add
 * up are taken out: the question is how many others would, by chance.
 */
export function chanceMatches(amounts: readonly number[], target: number, size: number, found = 0): number {
  const width = Math.max(1, Math.ceil(target / 200));
  const buckets = Math.floor(target / width) + 1;
  const single = new Array<number>(buckets).fill(0);
  for (const a of amounts) if (a > 0 && a <= target) single[Math.floor(a / width)]! += 1;
  let sums = single;
  for (let k = 2; k <= size; k++) {
    const next = new Array<number>(buckets).fill(0);
    for (let i = 0; i < buckets; i++) if (sums[i]! > 0) for (let j = 0; i + j < buckets; j++) next[i + j]! += sums[i]! * single[j]!;
    sums = next;
  }
  let factorial = 1;
  for (let k = 2; k <= size; k++) factorial *= k;
  const at = Math.floor(target / width);
  // Sums of `size` bucket floors land up to `size − 1` buckets low.
  let near = 0;
  for (let b = Math.max(0, at - size + 1); b <= at; b++) near += sums[b]!;
  return Math.max(0, near / factorial - found) / width;
}

/**
 * Which payouts are certainly refunded when any of `solutions` may be the
 * truth: those in every one of them (all of them, for a single solution);
 * none when the search was cut short, or when combinations of that size
 * would match by chance too often among `pool` (the candidates' amounts).
 */
export function pinnedPayouts(solutions: readonly (readonly number[])[], complete: boolean, chance?: { pool: readonly number[]; target: number }): number[] {
  if (solutions.length === 0 || !complete) return [];
  const size = solutions[0]!.length;
  if (chance && size >= 2 && chanceMatches(chance.pool, chance.target, size, solutions.length) > MAX_CHANCE_MATCHES) return [];
  return solutions[0]!.filter((id) => solutions.every((s) => s.includes(id)));
}

/**
 * A rise of a round amount (whole hundreds of the currency) is far likelier
 * a bank wire top-up not imported yet than refunds that happen to add up
 * to it: it is listed, never pinned.
 */
export function looksLikeTopUp(increase: number, currency: string): boolean {
  return increase % (100 * 10 ** currencyExponent(currency)) === 0;
}

export async function explainIncrease(
  trx: LedgerTransaction,
  interval: ExplainedSegment,
  points: { from: SnapshotPoint; to: SnapshotPoint },
  rules: ExplainRules,
  now: Instant,
): Promise<void> {
  const { currency, increase } = interval;
  const seen = { from: formatInstant(points.from.taken_at), to: formatInstant(points.to.taken_at) };

  // 1. Money we expect: top-ups and reported refunds.
  const credits = await pendingCredits(trx, currency, points.to.taken_at, rules.topupWindowDays);
  const byCredits = findExactSubsets({
    items: credits.map((c) => ({ amount: c.amount, item: c })),
    target: increase,
    maxSize: rules.refundMaxPayouts,
    maxSolutions: 1,
  });
  const explained = byCredits.solutions[0];
  if (explained) {
    interval.verdict = 'pending_credits';
    for (const credit of explained) {
      interval.movementIds.push(credit.id);
      await trx
        .updateTable('balance_movements')
        .set({ details: toJson({ ...credit.details, seen_on_balance: seen }) })
        .where('id', '=', credit.id)
        .execute();
      if (credit.kind === 'refund') {
        const evidence = balanceEvidence(interval, points, [{ movement_id: credit.id, reference: credit.reference, amount: credit.amount }]);
        const payout = credit.payoutId === null ? undefined : await loadSuspectedPayout(trx, credit.payoutId);
        await recordRefundEvidence(trx, payout ? { payout } : { operationId: credit.reference, amount: credit.amount, currency }, [evidence], now);
        if (payout) interval.payoutIds.push(payout.id);
      }
    }
    return;
  }

  // 2. Succeeded bank payouts: one of exactly this amount, else a few adding up.
  const window = { currency, from: points.to.taken_at - rules.refundLookbackDays * MS_PER_DAY, to: points.from.taken_at };
  const single = await refundCandidates(trx, { ...window, maxAmount: increase, amount: increase, limit: 11 });
  let solutions: RefundCandidate[][];
  let search: Record<string, unknown>;
  let pool: RefundCandidate[] = single;
  if (single.length > 0) {
    solutions = single.slice(0, 10).map((c) => [c]);
    search = { size: 1, candidates_considered: single.length, more: single.length > 10, complete: true };
  } else if (rules.refundMaxPayouts > 1) {
    pool = await refundCandidates(trx, { ...window, maxAmount: increase, limit: COMBINATION_CANDIDATES });
    const found = findExactSubsets({
      items: pool.map((c) => ({ amount: c.amount, item: c })),
      target: increase,
      maxSize: rules.refundMaxPayouts,
      maxSolutions: 10,
    });
    solutions = found.solutions;
    search = {
      size: found.size,
      candidates_considered: found.considered,
      candidates_truncated: pool.length >= COMBINATION_CANDIDATES,
      more: found.more,
      complete: found.complete,
    };
  } else {
    solutions = [];
    search = { size: null, candidates_considered: 0, complete: true };
  }
  search = { ...search, max_payouts: rules.refundMaxPayouts, lookback_days: rules.refundLookbackDays };

  const ids = solutions.map((s) => s.map((c) => c.payoutId));
  const roundAmount = looksLikeTopUp(increase, currency);
  const chance = { pool: pool.map((c) => c.amount), target: increase };
  const pinned = new Set(roundAmount ? [] : pinnedPayouts(ids, search.more !== true && search.complete !== false, chance));
  if (pinned.size > 0) {
    const matched = solutions[0]!.filter((c) => pinned.has(c.payoutId));
    const evidence = balanceEvidence(
      interval,
      points,
      matched.map((c) => ({ payout_id: c.payoutId, provider_payout_id: c.providerPayoutId, amount: c.amount })),
    );
    for (const candidate of matched) {
      const payout = await loadSuspectedPayout(trx, candidate.payoutId);
      if (!payout) continue;
      await recordRefundEvidence(trx, { payout }, [evidence], now, solutions.flat().map(candidateView));
      interval.payoutIds.push(payout.id);
    }
    interval.verdict = 'suspected_manual_refund';
    if (solutions.length === 1) return;
  }
  // Several combinations fit (beyond what is pinned), or none.
  const open = solutions.map((s) => s.filter((c) => !pinned.has(c.payoutId)));
  const rest = increase - [...pinned].reduce((sum, id) => sum + solutions[0]!.find((c) => c.payoutId === id)!.amount, 0);
  interval.candidateSets = open.map((s) => s.map((c) => c.payoutId));
  if (pinned.size === 0) interval.verdict = 'unexplained_balance_change';
  let inside: RefundCandidate[] = [];
  let reason: string;
  if (solutions.length === 0) {
    if (pool.length === 0) pool = await refundCandidates(trx, { ...window, maxAmount: increase - 1, limit: NAMED_INSIDE });
    inside = pool.filter((c) => c.amount < increase).slice(0, NAMED_INSIDE);
    reason =
      search.complete === false
        ? `the search for payouts adding up to it stopped before the end (too many candidates)`
        : `no succeeded bank payout (or up to ${rules.refundMaxPayouts} together) of the last ${rules.refundLookbackDays} days adds up to it, and no imported top-up matches`;
    if (inside.length > 0) {
      reason += `; it may contain a refund (with a top-up not imported yet) of ${inside.length === NAMED_INSIDE ? `one of the ${NAMED_INSIDE} newest of` : 'one of'} these payouts: ${inside.map((c) => c.providerPayoutId).join(', ')}`;
    }
  } else {
    const pinnedText = pinned.size > 0 ? `; refunded for certain: ${solutions[0]!.filter((c) => pinned.has(c.payoutId)).map((c) => c.providerPayoutId).join(', ')}` : '';
    reason = `${roundAmount ? 'a round amount, likelier a top-up not imported yet; ' : ''}${search.more === true ? 'more than ' : ''}${solutions.length} ${solutions[0]!.length === 1 ? 'payouts' : 'combinations of payouts'} add up to it: ${open
      .map((s) => s.map((c) => c.providerPayoutId).join(' + '))
      .join(' | ')}${pinnedText}`;
  }
  await recordUnexplainedChange(
    trx,
    {
      currency,
      increase,
      from: points.from.taken_at,
      to: points.to.taken_at,
      evidence: balanceEvidence(interval, points, []),
      candidates: open.map((s) => s.map(candidateView)),
      search: { ...search, pinned_payout_ids: [...pinned], unpinned_amount: rest },
      reason,
      mayContainRefundOf: inside.map(candidateView),
    },
    now,
  );
}
