/**
 * The ledger: one Kysely instance over SQLite (default) or PostgreSQL, with
 * the schema migrated on open. Everything that reads or writes payouts,
 * records, exceptions, balances, alerts or job runs goes through a Ledger.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as BetterSqlite } from 'better-sqlite3';
import { Kysely, sql, type Transaction } from 'kysely';
import type { RetryPolicy } from 'cockatiel';
import type pg from 'pg';
import { LedgerError, RuntimeFailure } from '../shared/errors.js';
import { migrateLedger } from './migrate.js';
import { createPostgresDialect, createPostgresPool, redactPostgresUrl } from './postgres-dialect.js';
import type { LedgerDatabase } from './schema.js';
import { NATIVE_BUSY_SLICE_MS, sqliteBusyPolicy } from './sqlite-busy.js';
import { LedgerSqliteDialect } from './sqlite-dialect.js';
import { checkFenceSync, type WriteFence } from './write-fence.js';

export type LedgerDialect = 'sqlite' | 'postgres';
export type LedgerDb = Kysely<LedgerDatabase>;
export type LedgerTransaction = Transaction<LedgerDatabase>;

export interface OpenLedgerOptions {
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://…`. */
  url: string;
  busyTimeoutMs?: number;
  poolSize?: number;
  /** Apply pending migrations (default true: every command does). */
  migrate?: boolean;
  /** Relative SQLite paths are resolved from here (default: the working directory). */
  baseDir?: string;
  /** Refuse every transaction unless this replica holds the job's lease (the daemon's job threads; see `write-fence.ts`). */
  fence?: WriteFence | undefined;
  /**
   * SQLite: wait for another connection's write lock asynchronously (up to
   * `busyTimeoutMs`) instead of in SQLite's sleeping busy handler, so the
   * event loop keeps running (the daemon's main thread; see `sqlite-busy.ts`).
   */
  waitForLocksAsync?: boolean;
}

interface LedgerExtras {
  fence?: WriteFence | undefined;
  busy?: RetryPolicy | undefined;
}

export class Ledger {
  readonly db: LedgerDb;
  readonly dialect: LedgerDialect;
  /** Where the ledger lives, safe to print (no password). */
  readonly location: string;
  readonly #sqlite: BetterSqlite | undefined;
  readonly #extras: LedgerExtras;
  #closed = false;

  constructor(db: LedgerDb, dialect: LedgerDialect, location: string, sqlite?: BetterSqlite, extras: LedgerExtras = {}) {
    this.db = db;
    this.dialect = dialect;
    this.location = location;
    this.#sqlite = sqlite;
    this.#extras = extras;
  }

  /** The write fence of this handle, if any. */
  get fence(): WriteFence | undefined {
    return this.#extras.fence;
  }

  /**
   * Throws `FencedWriteError` when this handle is fenced and the job's lease
   * is no longer ours (an empty transaction: the fence is checked at begin).
   * For writes outside the ledger, such as publishing report files.
   */
  async checkFence(): Promise<void> {
    if (this.#extras.fence) await this.transaction(async () => undefined);
  }

  /**
   * Runs `fn` with the raw better-sqlite3 handle while holding Kysely's only
   * SQLite connection, so no Kysely transaction can interleave with it. For
   * hot bulk paths (prepared statements inside `raw.transaction(...)`), which
   * must be synchronous. Never call it from inside a Kysely transaction.
   */
  async withSqlite<T>(fn: (raw: BetterSqlite) => T): Promise<T> {
    const raw = this.#sqlite;
    if (!raw) throw new Error('withSqlite is only available on a SQLite ledger');
    const { fence, busy } = this.#extras;
    const handle = fence ? fencedTransactions(raw, fence) : raw;
    // A transaction refused with SQLITE_BUSY was rolled back whole: run it again (see sqlite-busy.ts).
    if (busy) return this.db.connection().execute(() => busy.execute(() => fn(handle)));
    return this.db.connection().execute(async () => fn(handle));
  }

  /**
   * Like `withSqlite`, for long bulk reads that await between statements
   * (e.g. a report streaming a million payouts in pages): `fn` gets the raw
   * handle and a Kysely bound to the same held connection, so it may await;
   * nothing else runs on the connection meanwhile. Never use
   * `raw.transaction(...)` here (it commits at the first await): begin and
   * commit by hand when a snapshot is needed.
   */
  async withSqliteConnection<T>(fn: (raw: BetterSqlite, db: LedgerDb) => Promise<T>): Promise<T> {
    const raw = this.#sqlite;
    if (!raw) throw new Error('withSqliteConnection is only available on a SQLite ledger');
    return this.db.connection().execute((db) => fn(raw, db));
  }

  /**
   * Runs `fn` with SQLite's page cache at most `kib` KiB, then gives the
   * cache back (PostgreSQL: just runs it). For bulk passes that go through
   * the ledger once, in index order (sync, reconcile, reports): a small cache
   * is as fast, as the OS caches the file, and keeps the process's memory
   * from filling the ledger's 64 MiB. A ledger opened smaller keeps its size.
   */
  async withPageCacheAtMost<T>(kib: number, fn: () => Promise<T>): Promise<T> {
    const raw = this.#sqlite;
    if (!raw) return fn();
    const previous = raw.pragma('cache_size', { simple: true }) as number;
    const current = previous < 0 ? -previous : (previous * (raw.pragma('page_size', { simple: true }) as number)) / 1024;
    if (current > kib) raw.pragma(`cache_size = -${kib}`);
    try {
      return await fn();
    } finally {
      raw.pragma(`cache_size = ${previous}`);
    }
  }

  /** One transaction; a thrown error rolls everything in it back. */
  transaction<T>(fn: (trx: LedgerTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * Serialises transactions that take the same `key` until `trx` ends
   * (PostgreSQL: a transaction advisory lock; SQLite: nothing to do, a
   * writing transaction already excludes every other writer).
   */
  async lockUntilCommit(trx: LedgerTransaction, key: number): Promise<void> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}

export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const ledger = options.url.startsWith('sqlite:') ? openSqlite(options) : await openPostgres(options);
  if (options.migrate !== false) {
    try {
      await migrateLedger(ledger);
    } catch (error) {
      await ledger.close().catch(() => undefined);
      throw error;
    }
  }
  return ledger;
}

function sqlitePath(url: string): string {
  const rest = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (rest === '') throw new LedgerError('database.url "sqlite:" needs a path, e.g. "sqlite:./data/ledger.db"');
  return rest;
}

/** The raw handle with every `raw.transaction(...)` checking the fence first (the bulk upsert paths). */
function fencedTransactions(raw: BetterSqlite, fence: WriteFence): BetterSqlite {
  return new Proxy(raw, {
    get(target, property) {
      if (property === 'transaction') {
        return <A extends unknown[], R>(fn: (...args: A) => R) =>
          target.transaction((...args: A) => {
            checkFenceSync(target, fence);
            return fn(...args);
          });
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function openSqlite(options: OpenLedgerOptions): Ledger {
  const file = sqlitePath(options.url);
  const inMemory = file === ':memory:';
  const location = inMemory ? 'sqlite::memory:' : path.resolve(options.baseDir ?? process.cwd(), file);
  if (!inMemory) {
    try {
      mkdirSync(path.dirname(location), { recursive: true });
    } catch (error) {
      throw new LedgerError(
        `ledger: cannot create the folder ${path.dirname(location)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: error },
      );
    }
  }
  let raw: BetterSqlite;
  try {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    raw = new Database(inMemory ? ':memory:' : location, { timeout: options.waitForLocksAsync ? NATIVE_BUSY_SLICE_MS : busyTimeoutMs });
  } catch (error) {
    throw sqliteOpenError(location, error);
  }
  try {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('cache_size = -65536');
  } catch (error) {
    raw.close();
    throw sqliteOpenError(location, error);
  }
  const busy = options.waitForLocksAsync ? sqliteBusyPolicy(options.busyTimeoutMs ?? 5000) : undefined;
  const db = new Kysely<LedgerDatabase>({ dialect: new LedgerSqliteDialect(raw, { fence: options.fence, busy }) });
  return new Ledger(db, 'sqlite', location, raw, { fence: options.fence, busy });
}

/** Maps SQLite's open-time failures to one-line messages naming the file. */
export function sqliteOpenError(location: string, error: unknown): LedgerError | RuntimeFailure {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new LedgerError(`ledger: ${location} is not a usable SQLite database (${message})`, { cause: error });
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return new LedgerError(`ledger: cannot open ${location} for writing (${message})`, { cause: error });
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') {
    return new RuntimeFailure(`ledger: I/O error on ${location} (${message})`, { cause: error });
  }
  return new LedgerError(`ledger: cannot open ${location} (${message})`, { cause: error });
}

async function openPostgres(options: OpenLedgerOptions): Promise<Ledger> {
  const location = redactPostgresUrl(options.url);
  let pool: pg.Pool;
  try {
    pool = createPostgresPool({ url: options.url, poolSize: options.poolSize ?? 10 });
  } catch (error) {
    throw new LedgerError(`ledger: ${location} is not a usable PostgreSQL URL (${(error as Error).message})`);
  }
  // A pool emits 'error' when an idle client dies; without a listener that kills the process.
  pool.on('error', () => undefined);
  const db = new Kysely<LedgerDatabase>({ dialect: createPostgresDialect(pool, options.fence) });
  try {
    await db.connection().execute(async (conn) => {
      await conn.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
    });
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new RuntimeFailure(`ledger: cannot connect to ${location} (${(error as Error).message})`, { cause: error });
  }
  return new Ledger(db, 'postgres', location, undefined, { fence: options.fence });
}
