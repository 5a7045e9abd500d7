/**
 * Writing an internal-records import into the ledger, all or nothing.
 *
 * Either way, the whole file is one transaction: a record is keyed by
 * `internal_id`; a changed one gets an `internal_record_changes` row
 * (`{field: [before, after]}` in ledger values: minor units, epoch ms) and is
 * updated in place, a new one is inserted, an identical one is left untouched
 * (not even `updated_at`). A repeated `internal_id` inside the file is caught
 * as it arrives by a temporary table keyed by it, so no ID set is held in
 * memory (SQLite: only IDs found unchanged are remembered there; inserted
 * and updated ones carry this import's ID). Nothing is committed unless
 * `merge` is reached.
 *
 * - SQLite: rows go straight into `internal_records` with prepared statements
 *   inside one `BEGIN IMMEDIATE` transaction held on the connection (one
 *   writer at a time, and half the work of staging then merging).
 * - PostgreSQL: rows are staged with multi-row inserts into an `ON COMMIT DROP`
 *   temp table and merged with three set-based statements.
 */
import type { Database as BetterSqlite } from 'better-sqlite3';
import { CompiledQuery } from 'kysely';
import type { Ledger, LedgerTransaction } from '../../ledger/ledger.js';
import type { Instant } from '../../shared/time.js';
import type { InternalRecordInput } from './record-schema.js';

export interface StagedRecord extends InternalRecordInput {
  rowNumber: number;
  contentHash: string;
}

export interface DuplicateRow {
  rowNumber: number;
  internalId: string;
}

export interface MergeCounts {
  importId: number;
  inserted: number;
  updated: number;
}

export interface ImportMeta {
  fileName: string;
  sha256: string;
  rows: number;
  startedAt: Instant;
  now: Instant;
}

export interface Staging {
  /** Stages rows; returns the ones whose internal_id was already staged. */
  add(rows: readonly StagedRecord[]): Promise<DuplicateRow[]>;
  /** Merges the staged rows into the ledger and records the import, in one transaction. */
  merge(meta: ImportMeta): Promise<MergeCounts>;
}

const STAGE = 'internal_records_stage';
const COLUMNS = [
  'row_number',
  'internal_id',
  'reference',
  'amount',
  'currency',
  'created_at',
  'method',
  'purpose',
  'country',
  'status',
  'content_hash',
] as const;
const FIELDS = ['reference', 'amount', 'currency', 'created_at', 'method', 'purpose', 'country', 'status'] as const;

function values(r: StagedRecord): (string | number | null)[] {
  return [r.rowNumber, r.internalId, r.reference, r.amount, r.currency, r.createdAt, r.method, r.purpose, r.country, r.status, r.contentHash];
}

function createStageSql(temporaryClause: string): string {
  return `create temp table ${STAGE} (
    internal_id text primary key,
    row_number integer not null,
    reference text not null,
    amount bigint not null,
    currency text not null,
    created_at bigint not null,
    method text,
    purpose text,
    country text,
    status text,
    content_hash text not null
  )${temporaryClause}`;
}

/** `{field: [before, after]}` of the fields that differ, as JSON text (PostgreSQL). */
function changesJson(): string {
  const pairs = FIELDS.map((f) => `'${f}', case when r.${f} is distinct from s.${f} then jsonb_build_array(r.${f}, s.${f}) end`).join(', ');
  return `jsonb_strip_nulls(jsonb_build_object(${pairs}))::text`;
}

/** The PostgreSQL merge statements; `$1` is the import's ID, `$2` the current instant. */
function mergeStatements(): { changes: string; update: string; insert: string } {
  return {
    changes: `insert into internal_record_changes (internal_record_id, import_id, changed_at, changes)
      select r.id, $1::bigint, $2::bigint, ${changesJson()}
      from ${STAGE} s join internal_records r on r.internal_id = s.internal_id
      where r.content_hash <> s.content_hash`,
    update: `update internal_records set
        ${FIELDS.map((f) => `${f} = s.${f}`).join(', ')},
        content_hash = s.content_hash, last_import_id = $1::bigint, updated_at = $2::bigint
      from ${STAGE} s
      where s.internal_id = internal_records.internal_id and internal_records.content_hash <> s.content_hash`,
    insert: `insert into internal_records (internal_id, ${FIELDS.join(', ')}, content_hash, first_import_id, last_import_id, imported_at, updated_at)
      select s.internal_id, ${FIELDS.map((f) => `s.${f}`).join(', ')}, s.content_hash, $1::bigint, $1::bigint, $2::bigint, $2::bigint
      from ${STAGE} s
      where not exists (select 1 from internal_records r where r.internal_id = s.internal_id)
      order by s.row_number`,
  };
}

/**
 * Runs `fn` with a staging area on the ledger's dialect; the staging table is
 * always dropped afterwards, and nothing reaches the ledger unless `merge`
 * completed.
 */
export async function withStaging<T>(ledger: Ledger, fn: (staging: Staging) => Promise<T>, meta: ImportStart): Promise<T> {
  if (ledger.dialect === 'sqlite') {
    return ledger.withSqlite(async (raw) => {
      raw.exec(`drop table if exists temp.${SEEN}`);
      raw.exec(`create temp table ${SEEN} (internal_id text primary key)`);
      raw.exec('begin immediate');
      try {
        const result = await fn(sqliteStaging(raw, meta));
        if (raw.inTransaction) throw new Error('internal records import: merge was not called');
        return result;
      } finally {
        if (raw.inTransaction) raw.exec('rollback');
        raw.exec(`drop table if exists temp.${SEEN}`);
      }
    });
  }
  return ledger.transaction(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw(createStageSql(' on commit drop')));
    return fn(postgresStaging(trx));
  });
}

export interface ImportStart {
  fileName: string;
  startedAt: Instant;
}

const SEEN = 'internal_records_seen';

interface ExistingRecord {
  id: number;
  reference: string;
  amount: number;
  currency: string;
  created_at: number;
  method: string | null;
  purpose: string | null;
  country: string | null;
  status: string | null;
  content_hash: string;
}

/** `{field: [before, after]}` of the fields that differ, in ledger values. */
export function recordChanges(before: ExistingRecord, after: StagedRecord): Record<string, [unknown, unknown]> {
  const now: Record<(typeof FIELDS)[number], unknown> = {
    reference: after.reference,
    amount: after.amount,
    currency: after.currency,
    created_at: after.createdAt,
    method: after.method,
    purpose: after.purpose,
    country: after.country,
    status: after.status,
  };
  const changes: Record<string, [unknown, unknown]> = {};
  for (const field of FIELDS) if (before[field] !== now[field]) changes[field] = [before[field], now[field]];
  return changes;
}

/**
 * SQLite writes straight into `internal_records` inside one `BEGIN IMMEDIATE`
 * transaction held for the whole file (rolled back on any problem): with one
 * writer at a time this costs half of staging-then-merging, and the
 * temporary `seen` table (IDs only, file-backed) catches repeated IDs.
 */
function sqliteStaging(raw: BetterSqlite, start: ImportStart): Staging {
  const importId = Number(
    raw
      .prepare(
        `insert into imports (kind, file_name, file_sha256, started_at, finished_at, rows, inserted, updated, unchanged)
         values ('internal', ?, '', ?, null, 0, 0, 0, 0)`,
      )
      .run(start.fileName, start.startedAt).lastInsertRowid,
  );
  const seen = raw.prepare(`insert into temp.${SEEN} (internal_id) values (?) on conflict (internal_id) do nothing`);
  const insert = raw.prepare(
    `insert into internal_records (internal_id, ${FIELDS.join(', ')}, content_hash, first_import_id, last_import_id, imported_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${importId}, ${importId}, ?, ?) on conflict (internal_id) do nothing`,
  );
  const existing = raw.prepare(
    `select id, ${FIELDS.join(', ')}, content_hash, first_import_id, last_import_id from internal_records where internal_id = ?`,
  );
  const update = raw.prepare(
    `update internal_records set ${FIELDS.map((f) => `${f} = ?`).join(', ')}, content_hash = ?, last_import_id = ${importId}, updated_at = ?
     where id = ?`,
  );
  const change = raw.prepare(`insert into internal_record_changes (internal_record_id, import_id, changed_at, changes) values (?, ${importId}, ?, ?)`);
  let inserted = 0;
  let updated = 0;
  let writing = true;
  const now = start.startedAt;
  return {
    add: async (rows) => {
      const duplicates: DuplicateRow[] = [];
      for (const r of rows) {
        const wasInserted =
          writing &&
          insert.run(r.internalId, r.reference, r.amount, r.currency, r.createdAt, r.method, r.purpose, r.country, r.status, r.contentHash, now, now)
            .changes > 0;
        if (wasInserted) {
          inserted += 1;
          continue;
        }
        // A record this import already inserted or updated, or one it found
        // unchanged (remembered in the temp table), is a repeat within the file.
        const before = existing.get(r.internalId) as (ExistingRecord & { first_import_id: number; last_import_id: number }) | undefined;
        const repeated =
          (before !== undefined && (before.first_import_id === importId || before.last_import_id === importId)) ||
          seen.run(r.internalId).changes === 0;
        if (repeated) {
          duplicates.push({ rowNumber: r.rowNumber, internalId: r.internalId });
          writing = false;
          continue;
        }
        if (!writing || before === undefined || before.content_hash === r.contentHash) continue;
        change.run(before.id, now, JSON.stringify(recordChanges(before, r)));
        update.run(r.reference, r.amount, r.currency, r.createdAt, r.method, r.purpose, r.country, r.status, r.contentHash, now, before.id);
        // Touched by this import now, so a later repeat is caught by last_import_id.
        updated += 1;
      }
      return duplicates;
    },
    /** Call only when the whole file was valid: there is nothing else to check. */
    merge: async (meta) => {
      if (!writing) throw new Error('internal records import: merge after a repeated internal_id');
      raw
        .prepare('update imports set file_sha256 = ?, finished_at = ?, rows = ?, inserted = ?, updated = ?, unchanged = ? where id = ?')
        .run(meta.sha256, meta.now, meta.rows, inserted, updated, meta.rows - inserted - updated, importId);
      raw.exec('commit');
      return { importId, inserted, updated };
    },
  };
}

const PG_BATCH = 1000;

function postgresStaging(trx: LedgerTransaction): Staging {
  const insertSql = (count: number): string => {
    const rows: string[] = [];
    for (let i = 0; i < count; i++) {
      const base = i * COLUMNS.length;
      rows.push(`(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`);
    }
    return `insert into ${STAGE} (${COLUMNS.join(', ')}) values ${rows.join(', ')} on conflict (internal_id) do nothing returning internal_id, row_number`;
  };
  const fullBatchSql = insertSql(PG_BATCH);
  return {
    add: async (rows) => {
      const duplicates: DuplicateRow[] = [];
      for (let i = 0; i < rows.length; i += PG_BATCH) {
        const batch = rows.slice(i, i + PG_BATCH);
        const text = batch.length === PG_BATCH ? fullBatchSql : insertSql(batch.length);
        const result = await trx.executeQuery<{ internal_id: string; row_number: number }>(CompiledQuery.raw(text, batch.flatMap(values)));
        const staged = new Set(result.rows.map((r) => r.row_number));
        for (const r of batch) if (!staged.has(r.rowNumber)) duplicates.push({ rowNumber: r.rowNumber, internalId: r.internalId });
      }
      return duplicates;
    },
    merge: async (meta) => {
      const sql = mergeStatements();
      const created = await trx
        .insertInto('imports')
        .values({
          kind: 'internal',
          file_name: meta.fileName,
          file_sha256: meta.sha256,
          started_at: meta.startedAt,
          finished_at: null,
          rows: meta.rows,
          inserted: 0,
          updated: 0,
          unchanged: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const params = [created.id, meta.startedAt];
      await trx.executeQuery(CompiledQuery.raw(sql.changes, params));
      const updated = Number((await trx.executeQuery(CompiledQuery.raw(sql.update, params))).numAffectedRows ?? 0);
      const inserted = Number((await trx.executeQuery(CompiledQuery.raw(sql.insert, params))).numAffectedRows ?? 0);
      await trx
        .updateTable('imports')
        .set({ finished_at: meta.now, inserted, updated, unchanged: meta.rows - inserted - updated })
        .where('id', '=', created.id)
        .execute();
      return { importId: created.id, inserted, updated };
    },
  };
}
