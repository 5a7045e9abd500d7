/**
 * What the daemon needs to run each scheduled job once per schedule tick,
 * across replicas:
 * - `job_state.last_tick_at`: the schedule tick most recently claimed (a
 *   conditional update on it lets exactly one replica win tick T);
 * - `job_runs.scheduled_at` / `job_runs.trigger`: which tick a run was for and
 *   why it ran (schedule, catch-up at start, takeover of a dead replica's lease).
 * SQLite adds one column per ALTER TABLE, so each is its own statement.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_state').addColumn('last_tick_at', 'bigint').execute();
  await db.schema.alterTable('job_runs').addColumn('scheduled_at', 'bigint').execute();
  await db.schema.alterTable('job_runs').addColumn('trigger', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_runs').dropColumn('trigger').execute();
  await db.schema.alterTable('job_runs').dropColumn('scheduled_at').execute();
  await db.schema.alterTable('job_state').dropColumn('last_tick_at').execute();
}
