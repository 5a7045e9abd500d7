/**
 * Matching: an index on internal records by currency and amount, so the
 * matcher can ask "which records look like this payout" (tolerance
 * candidates, duplicate payouts) without scanning every record.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('internal_records_currency_amount_idx')
    .on('internal_records')
    .columns(['currency', 'amount', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('internal_records_currency_amount_idx').execute();
}
