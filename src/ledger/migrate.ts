/**
 * Applies the migrations in `migrations/` through Kysely's Migrator.
 *
 * All pending migrations run in one transaction (SQLite and PostgreSQL both
 * have transactional DDL), so a failure leaves the schema as it was. On
 * PostgreSQL a session advisory lock is held around the whole run, so
 * replicas starting at once migrate one after the other (Kysely's own lock is
 * taken only after it has created its bookkeeping tables, which can race).
 */
import { type Kysely, type MigrationResult, Migrator, sql } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { LedgerError, RuntimeFailure } from '../shared/errors.js';
import type { Ledger } from './ledger.js';

const MIGRATION_LOCK_KEY = 7_264_115_001; // any constant shared by every replica

export interface MigrateOutcome {
  applied: string[];
  /** Every migration the ledger now has, oldest first. */
  current: string[];
}

export async function migrateLedger(ledger: Ledger): Promise<MigrateOutcome> {
  if (ledger.dialect === 'postgres') {
    return ledger.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
      try {
        return await runMigrator(conn as unknown as Kysely<unknown>, ledger.location);
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
      }
    });
  }
  return runMigrator(ledger.db as unknown as Kysely<unknown>, ledger.location);
}

async function runMigrator(db: Kysely<unknown>, location: string): Promise<MigrateOutcome> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) } });
  // Look before taking the write lock: every command opens the ledger, and a
  // busy writer (the daemon) must not make a read-only command wait or fail.
  const known = await migrator.getMigrations().catch(() => undefined);
  if (known && known.length > 0 && known.every((m) => m.executedAt !== undefined)) {
    await assertNoUnknownMigrations(db, location);
    return { applied: [], current: known.map((m) => m.name) };
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw migrationError(location, error, results);
  const current = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current,
  };
}

/** A ledger migrated by a newer payout-recon has migrations this build does not know. */
async function assertNoUnknownMigrations(db: Kysely<unknown>, location: string): Promise<void> {
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const unknown = rows.rows.map((r) => r.name).filter((name) => !Object.hasOwn(migrations, name));
  if (unknown.length > 0) throw migrationError(location, new Error(`previously executed migration ${unknown[0]} is missing`), undefined);
}

function migrationError(location: string, error: unknown, results: MigrationResult[] | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /previously executed migration (\S+) is missing/.exec(message);
  if (missing) {
    return new LedgerError(
      `ledger: ${location} was upgraded by a newer payout-recon (it has migration ${missing[1]}, which this version does not know); upgrade payout-recon`,
    );
  }
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new LedgerError(`ledger: ${location} is not a usable SQLite database (${message})`, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
    return new LedgerError(`ledger: cannot write to ${location} (${message})`, { cause: error });
  }
  return new RuntimeFailure(
    `ledger: migration ${failed ?? ''} failed on ${location}, nothing was changed (${message})`.replace('  ', ' '),
    { cause: error },
  );
}
