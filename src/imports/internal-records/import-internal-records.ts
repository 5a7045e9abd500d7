/**
 * `payout-recon import <file>` for internal records: stream the file, validate
 * every row, stage the valid ones, and merge them only if no row had a
 * problem. Any problem (a bad cell, a repeated internal_id, a row with the
 * wrong number of fields) means nothing is imported: the `InputError` lists
 * the first 20 problems by row and field, and the count of the rest.
 */
import type { Config } from '../../config/schema.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { InputError } from '../../shared/errors.js';
import { checkRows, openImportFile, renameInputError } from '../import-file.js';
import { type ColumnIndexes, planColumns, type RecordField } from './columns.js';
import { type InternalRecordInput, internalRecordSchema, type RecordCells, validateRecordCells } from './record-schema.js';
import { type StagedRecord, withStaging } from './staging.js';

export interface ImportInternalRecordsOptions {
  /** The file as given on the command line (shown in messages and stored in `imports`). */
  displayName?: string;
  config: Pick<Config, 'timezone' | 'internalRecords' | 'matching'>;
  /** XLSX: overrides `internalRecords.sheet`. */
  sheet?: string | undefined;
  clock: Clock;
  log?: Logger;
}

export interface ImportOutcome {
  kind: 'internal';
  file: string;
  importId: number;
  sha256: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

const BATCH = 5000;

export async function importInternalRecords(ledger: Ledger, file: string, options: ImportInternalRecordsOptions): Promise<ImportOutcome> {
  const name = options.displayName ?? file;
  const { internalRecords, matching, timezone } = options.config;
  const startedAt = options.clock();
  const input = await openImportFile(file, name, {
    encoding: internalRecords.encoding,
    delimiter: internalRecords.delimiter,
    sheet: options.sheet ?? internalRecords.sheet,
  });
  const { tabular, problems } = input;
  const indexes = planColumns(name, tabular.columns, internalRecords.columns, matching.reference);
  const schema = internalRecordSchema({ timezone, decimalSeparator: internalRecords.decimalSeparator, reference: matching.reference });

  const outcome = await withStaging(ledger, async (staging) => {
    let batch: StagedRecord[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const staged = batch;
      batch = [];
      for (const d of await staging.add(staged)) {
        problems.add({ row: d.rowNumber, field: 'internal_id', message: `"${d.internalId}" appears more than once in the file` });
      }
    };
    const rows = await checkRows(input, (row) => {
      const result = validateRecordCells(schema, cellsOf(row.row.cells, indexes));
      if (!result.ok) {
        for (const p of result.problems) row.fail(p.field, p.message);
        return;
      }
      const staged = result.record as StagedRecord;
      staged.rowNumber = row.rowNumber;
      staged.contentHash = contentHash(result.record);
      batch.push(staged);
      return batch.length >= BATCH ? flush() : undefined;
    });
    await flush().catch((error: unknown) => {
      throw renameInputError(error, file, name);
    });
    if (rows === 0) throw new InputError(name, [{ message: 'has a header but no rows' }]);
    problems.throwIfAny(name);
    const sha256 = await input.sha256;
    const merged = await staging.merge({ fileName: name, sha256, rows, startedAt, now: options.clock() });
    return { rows, sha256, ...merged };
  }, { fileName: name, startedAt });
  const result: ImportOutcome = {
    kind: 'internal',
    file: name,
    importId: outcome.importId,
    sha256: outcome.sha256,
    rows: outcome.rows,
    inserted: outcome.inserted,
    updated: outcome.updated,
    unchanged: outcome.rows - outcome.inserted - outcome.updated,
  };
  options.log?.info('internal records imported', { file: name, rows: result.rows, inserted: result.inserted, updated: result.updated });
  return result;
}

function cellsOf(cells: readonly string[], indexes: ColumnIndexes): RecordCells {
  const cell = (field: RecordField): string | undefined => {
    const index = indexes[field];
    return index === undefined ? undefined : (cells[index] ?? '');
  };
  return {
    internal_id: cell('internal_id') ?? '',
    amount: cell('amount') ?? '',
    currency: cell('currency') ?? '',
    created_at: cell('created_at') ?? '',
    method: cell('method'),
    purpose: cell('purpose'),
    country: cell('country'),
    status: cell('status'),
    reference: cell('reference'),
  };
}

/**
 * Identity of a record's content: an updated export changes it, a repeated
 * one does not. Not a security boundary, so a fast 64-bit FNV-1a (two 32-bit
 * lanes) instead of a cryptographic hash, which was a tenth of an import.
 */
export function contentHash(r: InternalRecordInput): string {
  const canonical = `${r.reference}\u001f${r.amount}\u001f${r.currency}\u001f${r.createdAt}\u001f${r.method ?? ''}\u001f${r.purpose ?? ''}\u001f${r.country ?? ''}\u001f${r.status ?? ''}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ canonical.length;
  for (let i = 0; i < canonical.length; i++) {
    const c = canonical.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}
