/**
 * Indexes for the balance and refund monitors, and at most one firing alert
 * per condition:
 * - status history by observation time: the payouts debited or released
 *   between two balance snapshots;
 * - payouts by currency, status, method, amount and final time: payouts
 *   still to be debited (projected shortfall), and succeeded bank payouts of
 *   a given amount that a refund may be;
 * - payouts by currency and creation time: the recent payout rate (runway)
 *   and debits at creation;
 * - a partial unique index so two runs at once cannot both fire one condition.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s.createIndex('payout_status_history_observed_idx').on('payout_status_history').column('observed_at').execute();
  await s
    .createIndex('payouts_refund_candidates_idx')
    .on('payouts')
    .columns(['currency', 'status', 'method', 'amount', 'final_at'])
    .execute();
  await s.createIndex('payouts_currency_created_idx').on('payouts').columns(['currency', 'created_at']).execute();
  await s
    .createIndex('alerts_one_firing_per_condition')
    .on('alerts')
    .column('condition_key')
    .unique()
    .where(sql.ref('state'), '=', 'firing')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'alerts_one_firing_per_condition',
    'payouts_currency_created_idx',
    'payouts_refund_candidates_idx',
    'payout_status_history_observed_idx',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
