/**
 * Bookkeeping shared by the balance-movement imports (top-ups, provider
 * reports): the file's SHA-256 and its `imports` row.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { LedgerTransaction } from '../ledger/ledger.js';
import { InputError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';

export function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (error: NodeJS.ErrnoException) => reject(new InputError(file, [{ message: `cannot be read (${error.code ?? 'error'})` }])))
      .on('end', () => resolve(hash.digest('hex')));
  });
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
    return new InputError(name, error.problems, { total: error.total });
  }
  return error;
}
