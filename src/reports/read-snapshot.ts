/**
 * A report reads the ledger with many queries (totals first, then every
 * payout in chunks) while sync or the daemon may be writing. All of them run
 * in one read-only snapshot, so the totals in the Summary always equal the
 * sum of the rows in the Payouts sheet. Writers are never blocked: SQLite in
 * WAL mode and PostgreSQL's repeatable read both give readers a snapshot
 * without locks.
 */
import { type Kysely, sql } from 'kysely';
import type { Ledger } from '../ledger/ledger.js';
import type { LedgerDatabase } from '../ledger/schema.js';

export type LedgerReader = Kysely<LedgerDatabase>;

export async function withReadSnapshot<T>(ledger: Ledger, fn: (db: LedgerReader) => Promise<T>): Promise<T> {
  if (ledger.dialect === 'postgres') {
    return ledger.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  }
  // Kysely's SQLite transactions begin IMMEDIATE (they take the write lock):
  // a deferred BEGIN on the one connection is a plain read snapshot instead.
  return ledger.db.connection().execute(async (db) => {
    await sql`begin deferred`.execute(db);
    try {
      const result = await fn(db);
      await sql`commit`.execute(db);
      return result;
    } catch (error) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw error;
    }
  });
}
