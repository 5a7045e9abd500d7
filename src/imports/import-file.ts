/**
 * What every import shares: opening the file (format, hash) with errors
 * that name it as the user gave it, walking its rows while collecting
 * row-numbered problems, and its `imports` row. The balance-movement imports
 * (top-ups, provider reports) also share finding what was imported before.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Ledger, LedgerTransaction } from '../ledger/ledger.js';
import { InputError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';
import { ProblemCollector } from './tabular/problem-collector.js';
import { openTabularFile, type TabularFile, type TabularOptions, type TabularRow } from './tabular/tabular-file.js';
import { clipValue } from '../shared/redact.js';

export function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (error: NodeJS.ErrnoException) => reject(new InputError(file, [{ message: `cannot be read (${error.code ?? 'error'})` }])))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** An import file being read: `file` is the path opened, `name` the one the user gave (used in messages). */
export interface ImportFile {
  file: string;
  name: string;
  tabular: TabularFile;
  /** Hashed while the rows are read. */
  sha256: Promise<string>;
  problems: ProblemCollector;
}

export async function openImportFile(file: string, name: string, options: TabularOptions): Promise<ImportFile> {
  const sha256 = fileSha256(file).catch((error: unknown) => {
    throw renameInputError(error, file, name);
  });
  // A failed hash must not go unhandled while the rows are being read.
  sha256.catch(() => undefined);
  const tabular = await openTabularFile(file, options).catch((error: unknown) => {
    throw renameInputError(error, file, name);
  });
  return { file, name, tabular, sha256, problems: new ProblemCollector() };
}

/** One row being checked: its cells, and the problems found in it. */
export class RowCheck {
  ok = true;

  constructor(
    readonly row: TabularRow,
    private readonly problems: ProblemCollector,
  ) {}

  get rowNumber(): number {
    return this.row.rowNumber;
  }

  /** The trimmed cell of a column index (`''` for a column the file does not have, index -1). */
  cell(index: number): string {
    return index < 0 ? '' : (this.row.cells[index] ?? '').trim();
  }

  /** The cell's typed value (XLSX numbers and dates), if any. */
  typed(index: number): number | Date | undefined {
    return index < 0 ? undefined : this.row.typed?.[index];
  }

  fail(field: string, message: string): void {
    this.problems.add({ row: this.row.rowNumber, field, message });
    this.ok = false;
  }

  /** `key` must appear once in the file: `firstRows` remembers the row of each key seen. */
  unique(firstRows: Map<string, number>, key: string, field: string): void {
    const first = firstRows.get(key);
    if (first !== undefined) this.fail(field, `"${clipValue(key)}" is repeated (first on row ${first})`);
    else firstRows.set(key, this.row.rowNumber);
  }
}

/**
 * Calls `visit` for every well-formed row of the file (rows the reader could
 * not split are problems) and returns how many rows the file has. Problems
 * go to `input.problems`; the caller throws them when it is done.
 */
export async function checkRows(input: ImportFile, visit: (row: RowCheck) => void | Promise<void>): Promise<number> {
  let rows = 0;
  try {
    for await (const row of input.tabular.rows) {
      rows += 1;
      if (row.problem !== undefined) {
        input.problems.add({ row: row.rowNumber, message: row.problem });
        continue;
      }
      const pending = visit(new RowCheck(row, input.problems));
      if (pending) await pending;
    }
  } catch (error) {
    throw renameInputError(error, input.file, input.name);
  }
  return rows;
}

export async function recordImport(
  trx: LedgerTransaction,
  entry: { kind: string; fileName: string; sha256: string; startedAt: Instant; finishedAt: Instant; rows: number; inserted: number; unchanged: number },
): Promise<number> {
  const { id } = await trx
    .insertInto('imports')
    .values({
      kind: entry.kind,
      file_name: entry.fileName,
      file_sha256: entry.sha256,
      started_at: entry.startedAt,
      finished_at: entry.finishedAt,
      rows: entry.rows,
      inserted: entry.inserted,
      updated: 0,
      unchanged: entry.unchanged,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** Re-labels an `InputError` about `path` so messages name the file as the user gave it. */
export function renameInputError(error: unknown, path: string, name: string): unknown {
  if (error instanceof InputError && error.file === path && path !== name) {
    return new InputError(name, error.problems, { total: error.total, cause: error.cause });
  }
  return error;
}

// ---------------------------------------------------------------- balance movements

export interface ImportedMovement {
  currency: string;
  amount: number;
  occurred_at: number;
}

/** A movement read from a file, keyed by its reference. */
export interface FileMovement {
  row: number;
  reference: string;
  currency: string;
  amount: number;
  occurredAt: Instant;
}

const LOOKUP_CHUNK = 500;

/**
 * Splits the movements of a file into those not imported yet and those
 * imported before; a reference imported before with another currency,
 * amount or time is a problem on its row (`describe` says what it was), as a
 * reference must not change meaning.
 */
export async function newMovements<M extends FileMovement>(
  ledger: Ledger,
  kind: 'topup' | 'refund',
  movements: readonly M[],
  input: ImportFile,
  problem: { field: string; describe: (before: ImportedMovement) => string },
): Promise<{ fresh: M[]; unchanged: number }> {
  const existing = new Map<string, ImportedMovement>();
  for (let i = 0; i < movements.length; i += LOOKUP_CHUNK) {
    const found = await ledger.db
      .selectFrom('balance_movements')
      .select(['reference', 'currency', 'amount', 'occurred_at'])
      .where('kind', '=', kind)
      .where(
        'reference',
        'in',
        movements.slice(i, i + LOOKUP_CHUNK).map((m) => m.reference),
      )
      .execute();
    for (const f of found) existing.set(f.reference, f);
  }
  for (const m of movements) {
    const before = existing.get(m.reference);
    if (before && (before.currency !== m.currency || before.amount !== m.amount || before.occurred_at !== m.occurredAt)) {
      input.problems.add({ row: m.row, field: problem.field, message: `"${clipValue(m.reference)}" was imported before as ${problem.describe(before)}` });
    }
  }
  input.problems.throwIfAny(input.name);
  const fresh = movements.filter((m) => !existing.has(m.reference));
  return { fresh, unchanged: movements.length - fresh.length };
}
