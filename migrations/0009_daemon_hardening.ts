/**
 * The daemon remembers failed ticks (issue 16):
 * - `job_state.retry_tick_at`: a tick whose run failed for good (after its
 *   retries); the next start runs it once more (catch-up), then forgets it;
 * - `job_state.failing_since`: when the current run of failed ticks began
 *   (null after a success), for `/healthz` ("degraded since").
 * SQLite adds one column per ALTER TABLE, so each is its own statement.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_state').addColumn('retry_tick_at', 'bigint').execute();
  await db.schema.alterTable('job_state').addColumn('failing_since', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_state').dropColumn('failing_since').execute();
  await db.schema.alterTable('job_state').dropColumn('retry_tick_at').execute();
}
