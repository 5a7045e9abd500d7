/**
 * Helpers that keep one migration file valid on SQLite and PostgreSQL.
 * Schema is written with Kysely's schema builder only: no dialect SQL.
 */
import { type CreateTableBuilder, type Kysely, PostgresAdapter } from 'kysely';

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * An integer surrogate key: SQLite's rowid alias (`integer primary key`) or
 * a PostgreSQL identity column.
 */
export function withId<T extends string>(db: Kysely<unknown>, table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'> {
  return isPostgres(db)
    ? table.addColumn('id', 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (col) => col.primaryKey());
}
