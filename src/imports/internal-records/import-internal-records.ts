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
import { renameInputError } from '../import-file.js';
import { ProblemCollector } from '../tabular/problem-collector.js';
import { openRecordSource, type RecordTuple } from './record-reader.js';
import { type DuplicateRow, type StagedRecord, withStaging } from './staging.js';
import { clipValue } from '../../shared/redact.js';

export interface ImportInternalRecordsOptions {
  /** The file as given on the command line (shown in messages and stored in `imports`). */
  displayName?: string;
  config: Pick<Config, 'timezone' | 'internalRecords' | 'matching'>;
  /** XLSX: overrides `internalRecords.sheet`. */
  sheet?: string | undefined;
  clock: Clock;
  log?: Logger;
  /** Called after each batch: rows read so far, records written (staged) so far, and the phase. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  phase: 'reading' | 'merging';
  rowsRead: number;
  recordsWritten: number;
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

export async function importInternalRecords(ledger: Ledger, file: string, options: ImportInternalRecordsOptions): Promise<ImportOutcome> {
  const name = options.displayName ?? file;
  const { internalRecords } = options.config;
  const startedAt = options.clock();
  // Reading, validating and hashing run in a worker thread for CSV (see record-reader.ts); this thread writes.
  const source = openRecordSource({
    file,
    name,
    tabular: { encoding: internalRecords.encoding, delimiter: internalRecords.delimiter, sheet: options.sheet ?? internalRecords.sheet },
    config: { timezone: options.config.timezone, internalRecords, matching: options.config.matching },
  });
  let outcome;
  try {
    await source.opened;
    const problems = new ProblemCollector();
    outcome = await withStaging(ledger, async (staging) => {
      // Repeated IDs become problems at each flush, after the row problems before it (as when a flush wrote 5,000 records at once).
      let duplicates: DuplicateRow[] = [];
      const progress: ImportProgress = { phase: 'reading', rowsRead: 0, recordsWritten: 0 };
      const end = await source.run(async (batch) => {
        // Row numbers count the header (and lines inside quoted cells): close enough for a progress line.
        const lastRow = Math.max(batch.records.at(-1)?.[0] ?? 0, batch.problems.at(-1)?.row ?? 0);
        progress.rowsRead = Math.max(progress.rowsRead, lastRow - 1);
        progress.recordsWritten += batch.records.length;
        for (const p of batch.problems) problems.add(p);
        problems.addUnlisted(batch.moreProblems);
        if (batch.records.length > 0) {
          try {
            duplicates = duplicates.concat(await staging.add(batch.records.map(fromTuple)));
          } catch (error) {
            throw renameInputError(error, file, name);
          }
        }
        options.onProgress?.(progress);
        if (!batch.flush) return;
        for (const d of duplicates) {
          problems.add({ row: d.rowNumber, field: 'internal_id', message: `"${clipValue(d.internalId)}" appears more than once in the file` });
        }
        duplicates = [];
      });
      const { rows } = end;
      if (rows === 0) throw new InputError(name, [{ message: 'has a header but no rows' }]);
      problems.throwIfAny(name);
      if (end.sha256Error !== undefined) throw end.sha256Error;
      const sha256 = end.sha256 as string;
      options.onProgress?.({ ...progress, phase: 'merging', rowsRead: rows });
      const merged = await staging.merge({ fileName: name, sha256, rows, startedAt, now: options.clock() });
      return { rows, sha256, ...merged };
    }, { fileName: name, startedAt });
  } finally {
    await source.close();
  }
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

function fromTuple(t: RecordTuple): StagedRecord {
  return {
    rowNumber: t[0],
    internalId: t[1],
    reference: t[2],
    amount: t[3],
    currency: t[4],
    createdAt: t[5],
    method: t[6],
    purpose: t[7],
    country: t[8],
    status: t[9],
    contentHash: t[10],
  };
}

export { contentHash } from './record-reader.js';
