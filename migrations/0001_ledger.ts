/**
 * The ledger's first schema: payouts and their status history, sync state,
 * internal records, reconciliation (runs, matches, exceptions, audit trail),
 * balance snapshots and movements, alerts, job runs.
 * See `src/ledger/schema.ts` for what each column means.
 */
import type { Kysely } from 'kysely';
import { withId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;

  await withId(db, s.createTable('payouts'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_payout_id', 'text', (c) => c.notNull())
    .addColumn('merchant_transaction_id', 'text')
    .addColumn('session_id', 'text')
    .addColumn('site_id', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text')
    .addColumn('provider_status_info', 'text')
    .addColumn('reasons', 'text')
    .addColumn('method', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('provider_method', 'text')
    .addColumn('purpose', 'text')
    .addColumn('purpose_source', 'text')
    .addColumn('country', 'text')
    .addColumn('description', 'text')
    .addColumn('raw', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('final_at', 'bigint')
    .addColumn('last_polled_at', 'bigint')
    .addUniqueConstraint('payouts_provider_id_unique', ['provider', 'provider_payout_id'])
    .execute();
  await s.createIndex('payouts_created_at_idx').on('payouts').column('created_at').execute();
  await s.createIndex('payouts_merchant_transaction_id_idx').on('payouts').column('merchant_transaction_id').execute();

  await withId(db, s.createTable('payout_status_history'))
    .addColumn('payout_id', 'bigint', (c) => c.notNull().references('payouts.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('previous_status', 'text')
    .addColumn('provider_status', 'text')
    .addColumn('provider_status_info', 'text')
    .addColumn('reasons', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'bigint', (c) => c.notNull())
    .addColumn('regression', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await s.createIndex('payout_status_history_payout_idx').on('payout_status_history').column('payout_id').execute();

  await s
    .createTable('sync_state')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('watermark', 'bigint')
    .addColumn('details', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db, s.createTable('imports'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('file_sha256', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('rows', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('inserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withId(db, s.createTable('internal_records'))
    .addColumn('internal_id', 'text', (c) => c.notNull().unique())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('method', 'text')
    .addColumn('purpose', 'text')
    .addColumn('country', 'text')
    .addColumn('status', 'text')
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('first_import_id', 'bigint', (c) => c.references('imports.id'))
    .addColumn('last_import_id', 'bigint', (c) => c.references('imports.id'))
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await s.createIndex('internal_records_reference_idx').on('internal_records').column('reference').execute();
  await s.createIndex('internal_records_created_at_idx').on('internal_records').column('created_at').execute();

  await withId(db, s.createTable('internal_record_changes'))
    .addColumn('internal_record_id', 'bigint', (c) => c.notNull().references('internal_records.id'))
    .addColumn('import_id', 'bigint', (c) => c.references('imports.id'))
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();
  await s
    .createIndex('internal_record_changes_record_idx')
    .on('internal_record_changes')
    .column('internal_record_id')
    .execute();

  await withId(db, s.createTable('reconciliation_runs'))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('period_from', 'bigint')
    .addColumn('period_to', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('matched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('exception_counts', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('error', 'text')
    .execute();

  await withId(db, s.createTable('matches'))
    .addColumn('payout_id', 'bigint', (c) => c.notNull().unique().references('payouts.id'))
    .addColumn('internal_record_id', 'bigint', (c) => c.notNull().unique().references('internal_records.id'))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('confidence', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'bigint', (c) => c.references('reconciliation_runs.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .execute();

  await withId(db, s.createTable('exceptions'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payout_id', 'bigint', (c) => c.references('payouts.id'))
    .addColumn('internal_record_id', 'bigint', (c) => c.references('internal_records.id'))
    .addColumn('fingerprint', 'text', (c) => c.notNull().unique())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution_note', 'text')
    .addColumn('first_run_id', 'bigint', (c) => c.references('reconciliation_runs.id'))
    .addColumn('last_run_id', 'bigint', (c) => c.references('reconciliation_runs.id'))
    .execute();
  await s.createIndex('exceptions_status_kind_idx').on('exceptions').columns(['status', 'kind']).execute();
  await s.createIndex('exceptions_payout_idx').on('exceptions').column('payout_id').execute();
  await s.createIndex('exceptions_internal_record_idx').on('exceptions').column('internal_record_id').execute();

  await withId(db, s.createTable('exception_events'))
    .addColumn('exception_id', 'bigint', (c) => c.notNull().references('exceptions.id'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('run_id', 'bigint', (c) => c.references('reconciliation_runs.id'))
    .execute();
  await s.createIndex('exception_events_exception_idx').on('exception_events').column('exception_id').execute();

  await withId(db, s.createTable('audit_log'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('payout_id', 'bigint', (c) => c.references('payouts.id'))
    .addColumn('internal_record_id', 'bigint', (c) => c.references('internal_records.id'))
    .addColumn('exception_id', 'bigint', (c) => c.references('exceptions.id'))
    .addColumn('details', 'text')
    .execute();

  await withId(db, s.createTable('balance_snapshots'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('taken_at', 'bigint', (c) => c.notNull())
    .execute();
  await s
    .createIndex('balance_snapshots_currency_taken_idx')
    .on('balance_snapshots')
    .columns(['currency', 'taken_at'])
    .execute();

  await withId(db, s.createTable('balance_movements'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('provider', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('import_id', 'bigint', (c) => c.references('imports.id'))
    .addColumn('payout_id', 'bigint', (c) => c.references('payouts.id'))
    .addColumn('details', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('balance_movements_kind_reference_unique', ['kind', 'reference'])
    .execute();
  await s
    .createIndex('balance_movements_currency_occurred_idx')
    .on('balance_movements')
    .columns(['currency', 'occurred_at'])
    .execute();

  await withId(db, s.createTable('alerts'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('condition_key', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('first_fired_at', 'bigint', (c) => c.notNull())
    .addColumn('last_notified_at', 'bigint')
    .addColumn('notify_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('resolved_at', 'bigint')
    .execute();
  await s.createIndex('alerts_condition_state_idx').on('alerts').columns(['condition_key', 'state']).execute();

  await withId(db, s.createTable('alert_deliveries'))
    .addColumn('alert_id', 'bigint', (c) => c.notNull().references('alerts.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .execute();

  await withId(db, s.createTable('job_runs'))
    .addColumn('job', 'text', (c) => c.notNull())
    .addColumn('replica', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('details', 'text')
    .execute();
  await s.createIndex('job_runs_job_started_idx').on('job_runs').columns(['job', 'started_at']).execute();

  await s
    .createTable('job_state')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_run_at', 'bigint')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'job_state',
    'job_runs',
    'alert_deliveries',
    'alerts',
    'balance_movements',
    'balance_snapshots',
    'audit_log',
    'exception_events',
    'exceptions',
    'matches',
    'reconciliation_runs',
    'internal_record_changes',
    'internal_records',
    'imports',
    'sync_state',
    'payout_status_history',
    'payouts',
  ];
  for (const table of tables) await db.schema.dropTable(table).execute();
}
