/**
 * Kysely's SQLite dialect with two changes the ledger needs:
 *
 * - writers start with `BEGIN IMMEDIATE`: a deferred `BEGIN` that later writes
 *   fails at once with SQLITE_BUSY when another process (the daemon, a
 *   second CLI) holds the write lock, instead of waiting for busy_timeout;
 * - migrations run in a transaction: SQLite has transactional DDL, Kysely's
 *   adapter just does not claim it, so a failed migration would otherwise
 *   leave half a schema behind.
 */
import type { Database as BetterSqlite } from 'better-sqlite3';
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

export class LedgerSqliteDialect extends SqliteDialect {
  readonly #database: BetterSqlite;

  constructor(database: BetterSqlite) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
