/**
 * Kysely's SQLite dialect with two changes the ledger needs:
 *
 * - writers start with `BEGIN IMMEDIATE`: a deferred `BEGIN` that later writes
 *   fails at once with SQLITE_BUSY when another process (the daemon, a
 *   second CLI) holds the write lock, instead of waiting for busy_timeout;
 * - migrations run in a transaction: SQLite has transactional DDL, Kysely's
 *   adapter just does not claim it, so a failed migration would otherwise
 *   leave half a schema behind;
 * - prepared statements are reused: Kysely's driver prepares every query it
 *   runs, and the batched statements of a bulk pass (a 500-row insert of
 *   exceptions, an `in (…500 IDs)` look-up) are the same text every time, so
 *   parsing and planning them again cost more than running them (reconcile
 *   prepared ~1,000 of them at 1M payouts). A few statements are kept, most
 *   recently used first; one still iterating (a stream) is never handed out.
 */
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** Statements kept per database: enough for the batch shapes of one pass, few enough that their native memory stays small. */
const STATEMENT_CACHE_SIZE = 24;

/** The database as Kysely's driver sees it: `prepare` hands out a kept statement for a text it saw recently. */
function withStatementCache(database: BetterSqlite): { prepare(sql: string): Statement; close(): void } {
  const kept = new Map<string, Statement>();
  return {
    prepare(sql: string): Statement {
      const known = kept.get(sql);
      if (known !== undefined && !known.busy) {
        // Most recently used last (Map order), so the oldest goes first.
        kept.delete(sql);
        kept.set(sql, known);
        return known;
      }
      const statement = database.prepare(sql);
      if (known === undefined) {
        if (kept.size >= STATEMENT_CACHE_SIZE) kept.delete(kept.keys().next().value as string);
        kept.set(sql, statement);
      }
      return statement;
    },
    close(): void {
      kept.clear();
      database.close();
    },
  };
}

export class LedgerSqliteDialect extends SqliteDialect {
  readonly #database: ReturnType<typeof withStatementCache>;

  constructor(database: BetterSqlite) {
    const cached = withStatementCache(database);
    super({ database: cached });
    this.#database = cached;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
