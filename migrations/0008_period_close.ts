/**
 * Month-end close: a closed period's figures never change; later changes to
 * its payouts are recorded as adjustments, booked in the period that detects
 * them.
 * - `period_closes`: one row per close (a reopened close stays, marked
 *   `reopened`, with its snapshot and manifest: the audit trail);
 * - `closed_payouts`: the snapshot, one row per payout of the period as the
 *   closed pack reported it;
 * - `closed_pack_rows`: the closed pack's other sections (exceptions,
 *   refunds, balance), as written, in chunks of JSON rows;
 * - `payout_adjustments`: each difference found between a closed snapshot
 *   and the ledger, once (`(close_id, payout_id, seq)` is unique, so two
 *   detectors racing record it once).
 */
import type { Kysely } from 'kysely';
import { withId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('period_closes'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('period_from', 'bigint', (c) => c.notNull())
    .addColumn('period_to', 'bigint', (c) => c.notNull())
    .addColumn('zone', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_by', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('payouts', 'bigint', (c) => c.notNull())
    .addColumn('totals', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('manifest', 'text')
    .addColumn('pack_dir', 'text')
    .addColumn('reopened_at', 'bigint')
    .addColumn('reopened_by', 'text')
    .addColumn('reopen_note', 'text')
    .execute();
  await db.schema.createIndex('period_closes_state_idx').on('period_closes').columns(['state', 'period_from']).execute();

  await withId(db, db.schema.createTable('closed_payouts'))
    .addColumn('close_id', 'bigint', (c) => c.notNull().references('period_closes.id'))
    .addColumn('payout_id', 'bigint', (c) => c.notNull().references('payouts.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_payout_id', 'text', (c) => c.notNull())
    .addColumn('merchant_transaction_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text')
    .addColumn('reasons', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text')
    .addColumn('country', 'text')
    .addColumn('description', 'text')
    .addColumn('internal_id', 'text')
    .addColumn('reconciliation', 'text', (c) => c.notNull())
    .addColumn('refund_state', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('closed_payouts_payout_idx').on('closed_payouts').columns(['close_id', 'payout_id']).unique().execute();
  await db.schema.createIndex('closed_payouts_created_idx').on('closed_payouts').columns(['close_id', 'created_at', 'payout_id']).execute();

  await withId(db, db.schema.createTable('closed_pack_rows'))
    .addColumn('close_id', 'bigint', (c) => c.notNull().references('period_closes.id'))
    .addColumn('section', 'text', (c) => c.notNull())
    .addColumn('chunk', 'bigint', (c) => c.notNull())
    .addColumn('rows', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('closed_pack_rows_idx').on('closed_pack_rows').columns(['close_id', 'section', 'chunk']).unique().execute();

  await withId(db, db.schema.createTable('payout_adjustments'))
    .addColumn('close_id', 'bigint', (c) => c.notNull().references('period_closes.id'))
    .addColumn('payout_id', 'bigint', (c) => c.notNull().references('payouts.id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('detected_at', 'bigint', (c) => c.notNull())
    .addColumn('what_changed', 'text', (c) => c.notNull())
    .addColumn('before_value', 'text')
    .addColumn('after_value', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_effect', 'bigint', (c) => c.notNull())
    .addColumn('state_after', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payout_adjustments_key_idx').on('payout_adjustments').columns(['close_id', 'payout_id', 'seq']).unique().execute();
  await db.schema.createIndex('payout_adjustments_detected_idx').on('payout_adjustments').columns(['detected_at', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['payout_adjustments', 'closed_pack_rows', 'closed_payouts', 'period_closes']) {
    await db.schema.dropTable(table).execute();
  }
}
