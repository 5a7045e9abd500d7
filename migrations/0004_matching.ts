/**
 * Matching indexes:
 * - internal records by currency and amount: "which records look like this
 *   payout" (tolerance candidates, duplicate payouts) without a scan;
 * - payouts by `updated_at`, and payouts not final yet (a partial index,
 *   small): a daily run re-checks only the matched pairs that changed or are
 *   still moving, instead of joining every pair. (Records change only through
 *   imports, which a run learns from `imports`; an index on them would cost
 *   every imported row more than the scan it saves once after an import.)
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('internal_records_currency_amount_idx')
    .on('internal_records')
    .columns(['currency', 'amount', 'created_at'])
    .execute();
  await db.schema.createIndex('payouts_updated_at_idx').on('payouts').column('updated_at').execute();
  await db.schema
    .createIndex('payouts_not_final_idx')
    .on('payouts')
    .column('created_at')
    .where(sql.ref('final_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['payouts_not_final_idx', 'payouts_updated_at_idx', 'internal_records_currency_amount_idx']) {
    await db.schema.dropIndex(name).execute();
  }
}
