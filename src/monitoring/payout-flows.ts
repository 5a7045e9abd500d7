/**
 * What the ledger says about money leaving and coming back to the
 * prefunding balance. All times are our observation times except `created_at`.
 *
 * When a payout counts as debited (`alerts.debitOn`, an assumption: the
 * provider does not document it):
 * - `success`: when we observe it enter `succeeded`, i.e. the
 *   `observed_at` of its `payout_status_history` row with status
 *   `succeeded` and a previous status that is not `succeeded` (its first
 *   observation included). Released back when we observe it leave
 *   `succeeded` for `failed`, `cancelled` or `expired` (a regression).
 *   Open, authorized and pending payouts are still to be debited.
 * - `creation`: at its `created_at` (the provider's creation time).
 *   Released back when we observe it enter `failed`, `cancelled` or
 *   `expired` from any other status (its first observation included).
 * Every provider's payouts count: they all draw on one prefunding balance.
 */
import type { Kysely } from 'kysely';
import { RELEASED_STATUSES } from '../domain/payout-status.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Instant } from '../shared/time.js';
import type { PayoutFlows } from './balance-residual.js';

type Db = Kysely<LedgerDatabase>;
export type DebitRule = 'success' | 'creation';

/** The sync state row whose watermark says "every payout created before this instant is in the ledger". */
export const PAYOUTS_SYNC_KEY = 'smart2pay:payouts';

const RELEASED = [...RELEASED_STATUSES];
const NOT_YET_DEBITED = ['open', 'authorized', 'pending'];

export async function payoutsWatermark(db: Db): Promise<Instant | null> {
  const row = await db.selectFrom('sync_state').select('watermark').where('key', '=', PAYOUTS_SYNC_KEY).executeTakeFirst();
  return row?.watermark ?? null;
}

/** Payouts debited and released back in `(from, to]`, per the debit rule. */
export async function payoutFlows(db: Db, currency: string, from: Instant, to: Instant, debitOn: DebitRule): Promise<PayoutFlows> {
  // CROSS JOIN makes SQLite drive the join from the history rows of the
  // interval (observed_at index), not from every payout of the currency.
  const history = () =>
    db
      .selectFrom('payout_status_history as h')
      .crossJoin('payouts as p')
      .whereRef('p.id', '=', 'h.payout_id')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('p.amount'), eb.lit(0)).as('total'))
      .where('h.observed_at', '>', from)
      .where('h.observed_at', '<=', to)
      .where('p.currency', '=', currency);
  if (debitOn === 'success') {
    const debited = await history()
      .where('h.status', '=', 'succeeded')
      .where((eb) => eb.or([eb('h.previous_status', 'is', null), eb('h.previous_status', '!=', 'succeeded')]))
      .executeTakeFirstOrThrow();
    const released = await history()
      .where('h.previous_status', '=', 'succeeded')
      .where('h.status', 'in', RELEASED)
      .executeTakeFirstOrThrow();
    return { debited: Number(debited.total), released: Number(released.total) };
  }
  const debited = await db
    .selectFrom('payouts')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
    .where('currency', '=', currency)
    .where('created_at', '>', from)
    .where('created_at', '<=', to)
    .executeTakeFirstOrThrow();
  const released = await history()
    .where('h.status', 'in', RELEASED)
    .where((eb) => eb.or([eb('h.previous_status', 'is', null), eb('h.previous_status', 'not in', RELEASED)]))
    .executeTakeFirstOrThrow();
  return { debited: Number(debited.total), released: Number(released.total) };
}

/** Payouts ordered but not debited yet: open/authorized/pending under `success`, none under `creation`. */
export async function notYetDebited(db: Db, currency: string, debitOn: DebitRule): Promise<{ amount: number; count: number }> {
  if (debitOn === 'creation') return { amount: 0, count: 0 };
  const row = await db
    .selectFrom('payouts')
    .select((eb) => [eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('amount'), eb.fn.countAll<number>().as('count')])
    .where('currency', '=', currency)
    .where('status', 'in', NOT_YET_DEBITED)
    .executeTakeFirstOrThrow();
  return { amount: Number(row.amount), count: Number(row.count) };
}

/**
 * The payouts that make "the recent payout rate": created in `[from, to)`
 * and not failed, cancelled or expired (ordered money, whenever it is debited).
 */
export async function recentPayouts(db: Db, currency: string, from: Instant, to: Instant): Promise<number> {
  const row = await db
    .selectFrom('payouts')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
    .where('currency', '=', currency)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .where('status', 'not in', RELEASED)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

export interface RefundCandidate {
  payoutId: number;
  provider: string;
  providerPayoutId: string;
  merchantTransactionId: string | null;
  amount: number;
  currency: string;
  createdAt: Instant;
  /** When we first saw it final (succeeded): `final_at`. */
  succeededAt: Instant;
}

/**
 * Succeeded bank payouts of the currency that became final in
 * `[from, to]`, of at most `maxAmount`, not already suspected of a manual
 * refund and without a reported refund: what an unexplained balance
 * increase may be. Newest first, at most `limit`.
 */
export async function refundCandidates(
  db: Db,
  query: { currency: string; from: Instant; to: Instant; maxAmount: number; limit: number; amount?: number },
): Promise<RefundCandidate[]> {
  let q = db
    .selectFrom('payouts as p')
    .select(['p.id', 'p.provider', 'p.provider_payout_id', 'p.merchant_transaction_id', 'p.amount', 'p.currency', 'p.created_at', 'p.final_at'])
    .where('p.currency', '=', query.currency)
    .where('p.status', '=', 'succeeded')
    .where('p.final_at', '>=', query.from)
    .where('p.final_at', '<=', query.to)
    .where('p.method', '=', 'bank_account')
    .where('p.amount', '>', 0)
    .where('p.amount', '<=', query.maxAmount)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('exceptions as e')
            .select('e.id')
            .whereRef('e.payout_id', '=', 'p.id')
            .where('e.kind', '=', 'suspected_manual_refund'),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom('balance_movements as m').select('m.id').whereRef('m.payout_id', '=', 'p.id').where('m.kind', '=', 'refund')),
      ),
    );
  if (query.amount !== undefined) q = q.where('p.amount', '=', query.amount);
  const rows = await q.orderBy('p.final_at', 'desc').orderBy('p.id', 'desc').limit(query.limit).execute();
  return rows.map((r) => ({
    payoutId: r.id,
    provider: r.provider,
    providerPayoutId: r.provider_payout_id,
    merchantTransactionId: r.merchant_transaction_id,
    amount: r.amount,
    currency: r.currency,
    createdAt: r.created_at,
    succeededAt: r.final_at ?? r.created_at,
  }));
}
