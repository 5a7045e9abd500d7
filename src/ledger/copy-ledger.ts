/**
 * Copies every row of one ledger into another, empty one: the documented way
 * to move a SQLite ledger to PostgreSQL (or back). The target is migrated to
 * the same schema first; the whole copy is one transaction on the target, so
 * an interrupted copy leaves it empty and can simply be run again.
 */
import { sql } from 'kysely';
import { LedgerError } from '../shared/errors.js';
import type { Ledger, LedgerTransaction } from './ledger.js';
import { migrateLedger } from './migrate.js';
import type { LedgerDatabase } from './schema.js';

type TableName = keyof LedgerDatabase;

/**
 * Every ledger table, parents before children (foreign keys). A test checks
 * this list against the tables the migrations create.
 */
export const LEDGER_TABLES_IN_DEPENDENCY_ORDER: readonly TableName[] = [
  'payouts',
  'payout_status_history',
  'sync_state',
  'imports',
  'internal_records',
  'internal_record_changes',
  'reconciliation_runs',
  'matches',
  'exceptions',
  'exception_events',
  'audit_log',
  'balance_snapshots',
  'balance_movements',
  'alerts',
  'alert_deliveries',
  'job_runs',
  'job_state',
  'notification_inbox',
  'period_closes',
  'closed_payouts',
  'closed_pack_rows',
  'payout_adjustments',
];

/** Tables keyed by text rather than an integer `id`. */
const TEXT_KEYED: Partial<Record<TableName, string>> = { sync_state: 'key', job_state: 'job' };

export interface CopyLedgerOptions {
  /** Rows per read and per insert. */
  batchSize?: number;
  onProgress?: (table: string, copied: number) => void;
}

export interface CopyLedgerResult {
  tables: Record<string, number>;
  rows: number;
}

export async function copyLedger(source: Ledger, target: Ledger, options: CopyLedgerOptions = {}): Promise<CopyLedgerResult> {
  const batchSize = options.batchSize ?? 1000;
  const sourceMigrations = (await migrateLedger(source)).current;
  const targetMigrations = (await migrateLedger(target)).current;
  if (sourceMigrations.join() !== targetMigrations.join()) {
    throw new LedgerError(
      `ledger: ${target.location} and ${source.location} have different schemas (${targetMigrations.length} vs ${sourceMigrations.length} migrations); upgrade payout-recon where it is older`,
    );
  }
  for (const table of LEDGER_TABLES_IN_DEPENDENCY_ORDER) {
    const row = await target.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(row.n) > 0) {
      throw new LedgerError(`ledger: ${target.location} is not empty (table ${table} has ${Number(row.n)} rows); copy into a new, empty database`);
    }
  }
  const tables: Record<string, number> = {};
  let rows = 0;
  await target.transaction(async (trx) => {
    for (const table of LEDGER_TABLES_IN_DEPENDENCY_ORDER) {
      const copied = await copyTable(source, trx, table, batchSize, (n) => options.onProgress?.(table, n));
      tables[table] = copied;
      rows += copied;
    }
    if (target.dialect === 'postgres') await resetIdentities(trx);
  });
  return { tables, rows };
}

async function copyTable(
  source: Ledger,
  trx: LedgerTransaction,
  table: TableName,
  batchSize: number,
  progress: (copied: number) => void,
): Promise<number> {
  const key = TEXT_KEYED[table] ?? 'id';
  let copied = 0;
  let after: string | number | undefined;
  for (;;) {
    // Keyset pagination: memory stays at one batch whatever the table size.
    const query = source.db
      .selectFrom(table)
      .selectAll()
      .orderBy(sql.ref(key))
      .limit(batchSize);
    const batch: Record<string, unknown>[] = await (after === undefined ? query : query.where(sql.ref(key), '>', after)).execute();
    if (batch.length === 0) break;
    // Stay well below PostgreSQL's 65,535 bind parameters per statement.
    const perInsert = Math.max(1, Math.floor(30_000 / Object.keys(batch[0] ?? { x: 1 }).length));
    for (let i = 0; i < batch.length; i += perInsert) {
      // The rows come from a ledger with the same schema: their shape is the table's.
      await trx.insertInto(table).values(batch.slice(i, i + perInsert)).execute();
    }
    copied += batch.length;
    progress(copied);
    after = batch[batch.length - 1]?.[key] as string | number;
    if (batch.length < batchSize) break;
  }
  return copied;
}

/** Identity columns must continue after the copied ids, or the next insert collides. */
async function resetIdentities(trx: LedgerTransaction): Promise<void> {
  for (const table of LEDGER_TABLES_IN_DEPENDENCY_ORDER) {
    if (TEXT_KEYED[table]) continue;
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(
      trx,
    );
  }
}
