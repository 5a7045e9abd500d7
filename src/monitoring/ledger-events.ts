/**
 * The ledger's payout events of one currency between two instants, as the
 * plain values debit-models.ts works on: every creation, and every status
 * change with the window it may have happened in (after the payout's
 * previous observation, and at most `lagMs` before we saw it).
 */
import type { Kysely } from 'kysely';
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Instant } from '../shared/time.js';
import type { BalancePoint, LedgerEvent } from './debit-models.js';

type Db = Kysely<LedgerDatabase>;

/** Creations and observed status changes in `(from, to]`, of every provider (one prefunding balance). */
export async function loadLedgerEvents(db: Db, currency: string, from: Instant, to: Instant, lagMs: number): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  const created = await db
    .selectFrom('payouts')
    .select(['id', 'amount', 'created_at'])
    .where('currency', '=', currency)
    .where('created_at', '>', from)
    .where('created_at', '<=', to)
    .execute();
  for (const r of created) events.push({ kind: 'created', payoutId: r.id, amount: r.amount, at: r.created_at });
  // CROSS JOIN makes SQLite drive the join from the history rows of the interval (observed_at index).
  const observed = await db
    .selectFrom('payout_status_history as h')
    .crossJoin('payouts as p')
    .whereRef('p.id', '=', 'h.payout_id')
    .select((eb) => [
      'h.payout_id',
      'h.status',
      'h.previous_status',
      'h.observed_at',
      'p.amount',
      'p.created_at',
      eb
        .selectFrom('payout_status_history as h2')
        .select((e2) => e2.fn.max('h2.observed_at').as('m'))
        .whereRef('h2.payout_id', '=', 'h.payout_id')
        .whereRef('h2.id', '<', 'h.id')
        .as('previous_at'),
    ])
    .where('h.observed_at', '>', from)
    .where('h.observed_at', '<=', to)
    .where('p.currency', '=', currency)
    .execute();
  for (const r of observed) {
    const previous = r.previous_at === null ? r.created_at : Number(r.previous_at);
    events.push({
      kind: 'observed',
      payoutId: r.payout_id,
      amount: r.amount,
      status: r.status,
      previousStatus: r.previous_status,
      observedAt: r.observed_at,
      earliest: Math.min(r.observed_at, Math.max(previous, r.observed_at - lagMs)),
    });
  }
  return events;
}

/**
 * Snapshots of the currency in `[from, to]`, oldest first: the first
 * `limit` of them, or (`newest`) the last `limit`.
 */
export async function loadBalancePoints(db: Db, currency: string, from: Instant, to: Instant, limit: number, newest = false): Promise<BalancePoint[]> {
  const order = newest ? 'desc' : 'asc';
  const rows = await db
    .selectFrom('balance_snapshots')
    .select(['id', 'amount', 'taken_at'])
    .where('currency', '=', currency)
    .where('taken_at', '>=', from)
    .where('taken_at', '<=', to)
    .orderBy('taken_at', order)
    .orderBy('id', order)
    .limit(limit)
    .execute();
  if (newest) rows.reverse();
  return rows.map((r) => ({ id: r.id, amount: r.amount, takenAt: r.taken_at }));
}

/**
 * Payouts that may still change unseen before `at` under `creation`: not
 * final in the ledger, created by `at`, not observed since, of at most
 * `maxAmount`. A release of one of them seen late would read as money back.
 */
export async function unseenOpenPayouts(db: Db, currency: string, at: Instant, maxAmount: number): Promise<number> {
  const row = await db
    .selectFrom('payouts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('currency', '=', currency)
    .where('status', 'in', ['open', 'authorized', 'pending', 'unknown'])
    .where('created_at', '<=', at)
    .where('amount', '<=', maxAmount)
    .where('updated_at', '<', at)
    .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb('last_polled_at', '<', at)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Amounts of the succeeded bank payouts a single refund may be (final in `[from, to]`), at most 20,000. */
export async function refundCandidateAmounts(db: Db, currency: string, from: Instant, to: Instant): Promise<Set<number>> {
  const rows = await db
    .selectFrom('payouts')
    .select('amount')
    .distinct()
    .where('currency', '=', currency)
    .where('status', '=', 'succeeded')
    .where('method', '=', 'bank_account')
    .where('final_at', '>=', from)
    .where('final_at', '<=', to)
    .limit(20_000)
    .execute();
  return new Set(rows.map((r) => r.amount));
}
