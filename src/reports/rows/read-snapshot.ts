/**
 * A report reads the ledger with many queries (totals first, then every
 * payout in chunks) while sync or the daemon may be writing. All of them run
 * in one read-only snapshot, so the totals in the Summary always equal the
 * sum of the rows in the Payouts sheet. Writers are never blocked: SQLite in
 * WAL mode and PostgreSQL's repeatable read both give readers a snapshot
 * without locks.
 *
 * On SQLite the snapshot also carries the raw better-sqlite3 handle: bulk
 * reads run Kysely-built queries through it in raw (array) mode, which is
 * about twice as fast as building an object per row.
 */
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import type { Compilable, Kysely } from 'kysely';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerDatabase } from '../../ledger/schema.js';

export type LedgerReader = Kysely<LedgerDatabase>;

/** SQLite page cache while a report reads, in KiB. */
const REPORT_CACHE_KIB = 8192;

export class ReadSnapshot {
  readonly db: LedgerReader;
  readonly #sqlite: BetterSqlite | null;
  readonly #statements = new Map<string, Statement<unknown[], unknown[]>>();

  constructor(db: LedgerReader, sqlite: BetterSqlite | null) {
    this.db = db;
    this.#sqlite = sqlite;
  }

  /**
   * Runs a select and returns its rows as arrays of values in select order:
   * on SQLite through a cached prepared statement in raw mode, elsewhere
   * through Kysely.
   */
  async rows(query: Compilable<object>): Promise<unknown[][]> {
    const compiled = query.compile();
    if (this.#sqlite) {
      let statement = this.#statements.get(compiled.sql);
      if (!statement) {
        statement = this.#sqlite.prepare<unknown[], unknown[]>(compiled.sql).raw(true);
        this.#statements.set(compiled.sql, statement);
      }
      return statement.all(...compiled.parameters);
    }
    const result = await this.db.executeQuery<Record<string, unknown>>(compiled);
    return result.rows.map((row) => Object.values(row));
  }
}

export async function withReadSnapshot<T>(ledger: Ledger, fn: (snapshot: ReadSnapshot) => Promise<T>): Promise<T> {
  if (ledger.dialect === 'postgres') {
    return ledger.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => fn(new ReadSnapshot(trx, null)));
  }
  // Kysely's SQLite transactions begin IMMEDIATE (they take the write lock):
  // a deferred BEGIN on the held connection is a plain read snapshot instead.
  // A report walks the ledger once (see withPageCacheAtMost).
  return ledger.withPageCacheAtMost(REPORT_CACHE_KIB, () =>
    ledger.withSqliteConnection(async (raw, db) => {
      raw.exec('begin deferred');
      try {
        const result = await fn(new ReadSnapshot(db, raw));
        raw.exec('commit');
        return result;
      } catch (error) {
        if (raw.inTransaction) raw.exec('rollback');
        throw error;
      }
    }),
  );
}
