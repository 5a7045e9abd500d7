/**
 * What the ledger says about payouts and the prefunding balance: the sync
 * watermark, payouts not debited yet, the recent payout rate, and the
 * succeeded bank payouts a balance increase may be a refund of. (The
 * balance arithmetic of each debit model is in debit-models.ts.)
 */
import type { Kysely } from 'kysely';
import { RELEASED_STATUSES } from '../domain/payout-status.js';
import type { LedgerDatabase } from '../ledger/schema.js';
import type { Instant } from '../shared/time.js';

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
