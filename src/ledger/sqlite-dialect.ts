/**
 * Kysely's SQLite dialect with two changes the ledger needs:
 *
 * - writers start with `BEGIN IMMEDIATE` (then the write fence, if any): a deferred `BEGIN` that later writes
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
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { RetryPolicy } from 'cockatiel';
import { beginFenced, type WriteFence } from './write-fence.js';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export interface LedgerSqliteOptions {
  /** Checked at the start of every transaction (see `write-fence.ts`). */
  fence?: WriteFence | undefined;
  /** Retries SQLITE_BUSY asynchronously instead of in SQLite's sleeping busy handler (see `sqlite-busy.ts`). */
  busy?: RetryPolicy | undefined;
}

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #options: LedgerSqliteOptions;

  constructor(config: SqliteDialectConfig, options: LedgerSqliteOptions) {
    super(config);
    this.#options = options;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    const busy = this.#options.busy;
    if (!busy) return connection;
    return {
      executeQuery: (query) => busy.execute(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await beginFenced(connection, 'sqlite', this.#options.fence, async () => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    });
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
  readonly #options: LedgerSqliteOptions;

  constructor(database: BetterSqlite, options: LedgerSqliteOptions = {}) {
    const cached = withStatementCache(database);
    super({ database: cached });
    this.#database = cached;
    this.#options = options;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database }, this.#options);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
