/**
 * The refund monitor's index keyed by when a payout became final instead of
 * by its amount: `(currency, status, method, final_at, id, amount)` replaces
 * `(currency, status, method, amount, final_at)`.
 *
 * Why: an index keyed by amount takes every new payout at a random place, so
 * each payout written dirties its own index page once the index outgrows a
 * page of inserts; at a million payouts that index alone was ~80 % of the
 * bytes a sync wrote (WAL and checkpoints) and half its storage CPU. Keyed by
 * `final_at` then `id`, new payouts land at the end of their
 * (currency, status, method) group: a few pages per transaction.
 *
 * The queries it serves stay index-only: "not yet debited" seeks
 * `(currency, status)`; refund candidates seek `(currency, 'succeeded',
 * 'bank_account', final_at range)`, read in the order they ask for
 * (`final_at desc, id desc`, no sort) and filter the amount inside the index.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('payouts_refund_candidates_idx').execute();
  await db.schema
    .createIndex('payouts_refund_final_idx')
    .on('payouts')
    .columns(['currency', 'status', 'method', 'final_at', 'id', 'amount'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('payouts_refund_final_idx').execute();
  await db.schema
    .createIndex('payouts_refund_candidates_idx')
    .on('payouts')
    .columns(['currency', 'status', 'method', 'amount', 'final_at'])
    .execute();
}
