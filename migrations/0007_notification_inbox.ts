/**
 * The notification inbox: every authenticated, valid provider callback
 * (Smart2Pay payout notifications, Smart Glocal webhooks) is written here,
 * raw, before it is answered. A processor confirms each one afterwards
 * (Smart2Pay: a GET of the payout; Smart Glocal: the signed session applied
 * under the status rules) and marks it `confirmed` or `rejected`; a crash
 * between the answer and the confirmation leaves it `received`, and the
 * next pass (daemon or `sync`/`poll`) finishes it.
 *
 * One row per distinct body per provider (`body_sha256`): a resent or
 * replayed delivery is byte-identical, so it only counts `deliveries`.
 * `(status, next_attempt_at)` serves the processor's "what is due" query.
 */
import type { Kysely } from 'kysely';
import { withId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await withId(db, db.schema.createTable('notification_inbox'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('body_sha256', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('last_received_at', 'bigint', (c) => c.notNull())
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('processed_at', 'bigint')
    .addColumn('note', 'text')
    .addUniqueConstraint('notification_inbox_body_unique', ['provider', 'body_sha256'])
    .execute();
  await db.schema.createIndex('notification_inbox_due_idx').on('notification_inbox').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_inbox').execute();
}
