/**
 * Fencing a job's writes on its lease: a ledger opened with a `WriteFence`
 * (the daemon's job threads) checks, at the start of every transaction, that
 * `job_state.lease_owner` of the job is still this replica, and refuses the
 * transaction otherwise. The check also keeps the owner from changing until
 * the transaction ends: SQLite's `BEGIN IMMEDIATE` already holds the write
 * lock a takeover needs; PostgreSQL reads the row `FOR KEY SHARE`, which
 * blocks a takeover's `FOR UPDATE` but not the lease renewal's plain update.
 * So a run that lost its lease commits nothing more, on either dialect.
 */
import type { Database as BetterSqlite } from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection } from 'kysely';

export interface WriteFence {
  /** The job whose lease must be held. */
  job: string;
  /** The replica that must hold it. */
  owner: string;
}

/** A write refused because the job's lease is no longer this replica's. */
export class FencedWriteError extends Error {
  constructor(fence: WriteFence, holder: string | null) {
    super(`${fence.job}: write refused, the lease is held by ${holder ?? 'nobody'}, not ${fence.owner}`);
    this.name = 'FencedWriteError';
  }
}

const SQLITE_CHECK = 'select lease_owner from job_state where job = ?';
const POSTGRES_CHECK = 'select lease_owner from job_state where job = $1 for key share';

function ownerOf(rows: readonly unknown[]): string | null {
  const row = rows[0] as { lease_owner?: string | null } | undefined;
  return row?.lease_owner ?? null;
}

/** Runs inside a just-begun transaction: throws `FencedWriteError` (the caller rolls back). */
export async function checkFence(connection: DatabaseConnection, dialect: 'sqlite' | 'postgres', fence: WriteFence): Promise<void> {
  const sql = dialect === 'sqlite' ? SQLITE_CHECK : POSTGRES_CHECK;
  const { rows } = await connection.executeQuery(CompiledQuery.raw(sql, [fence.job]));
  const holder = ownerOf(rows);
  if (holder !== fence.owner) throw new FencedWriteError(fence, holder);
}

/** The same check on a raw better-sqlite3 handle, inside its transaction (the bulk upsert paths). */
export function checkFenceSync(raw: BetterSqlite, fence: WriteFence): void {
  const holder = ownerOf(raw.prepare(SQLITE_CHECK).all(fence.job));
  if (holder !== fence.owner) throw new FencedWriteError(fence, holder);
}

/** Begins a transaction through `begin`, then checks the fence; on refusal rolls back and throws. */
export async function beginFenced(
  connection: DatabaseConnection,
  dialect: 'sqlite' | 'postgres',
  fence: WriteFence | undefined,
  begin: () => Promise<void>,
): Promise<void> {
  await begin();
  if (!fence) return;
  try {
    await checkFence(connection, dialect, fence);
  } catch (error) {
    await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined);
    throw error;
  }
}
