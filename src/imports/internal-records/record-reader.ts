/**
 * Reading an internal-records file: opening it, finding the columns,
 * validating every row and hashing each record's content, as a stream of
 * batches of compact records plus the row problems found on the way. The
 * caller (`import-internal-records.ts`) only writes.
 *
 * This runs in a worker thread for CSV files (`record-worker.ts`): reading,
 * parsing and validating were half of an import, and writing must stay on
 * the thread that owns the ledger, so the two now overlap on two cores.
 * XLSX and JSON Lines files are read in the calling thread by the same code.
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from '../../config/schema.js';
import { InputError, type InputProblem } from '../../shared/errors.js';
import { SMALL_WORKER_LIMITS, startModuleWorker } from '../../shared/worker-thread.js';
import { checkRows, type ImportFile, openImportFile } from '../import-file.js';
import { ProblemCollector } from '../tabular/problem-collector.js';
import { formatOfFile, type TabularOptions, type TabularRow } from '../tabular/tabular-file.js';
import { type ColumnIndexes, planColumns, type RecordField } from './columns.js';
import { type InternalRecordInput, type InternalRecordSchema, internalRecordSchema, type RecordCells, validateRecordCells } from './record-schema.js';

/**
 * Valid records between two flushes: the writer adds the repeated IDs it
 * found as problems at each flush, so where flushes fall decides the order
 * of the problems listed.
 */
export const RECORD_BATCH = 5000;
/** Valid records per batch sent (a fraction of `RECORD_BATCH`: smaller batches survive fewer scavenges in the reader). */
const SEND_BATCH = 1000;
/** Row problems listed per batch: the import lists the first 20 of all and counts the rest. */
const PROBLEMS_PER_BATCH = 20;
/** Batches the worker may be ahead of the writer: keeps memory flat. */
export const IN_FLIGHT = 8;

/** A validated record as a tuple: cheap to copy between threads. */
export type RecordTuple = [
  rowNumber: number,
  internalId: string,
  reference: string,
  amount: number,
  currency: string,
  createdAt: number,
  method: string | null,
  purpose: string | null,
  country: string | null,
  status: InternalRecordInput['status'],
  contentHash: string,
];

export interface ReadRequest {
  /** The path opened, and the name the user gave (used in messages). */
  file: string;
  name: string;
  tabular: TabularOptions;
  config: Pick<Config, 'timezone' | 'internalRecords' | 'matching'>;
}

/** Records and the row problems found since the previous batch, in row order: the first `PROBLEMS_PER_BATCH`, and how many more. */
export interface RecordBatch {
  records: RecordTuple[];
  problems: InputProblem[];
  moreProblems: number;
  /** The end of a `RECORD_BATCH` (or of the file): the writer adds the repeated IDs found since the last flush as problems. */
  flush: boolean;
}

/** Every row was read: how many, and the file's hash (or the error hashing it, thrown by the caller when it needs the hash). */
export interface ReadEnd {
  rows: number;
  sha256: string | undefined;
  sha256Error?: Error;
}

export interface OpenedRecords {
  input: ImportFile;
  indexes: ColumnIndexes;
  schema: InternalRecordSchema;
}

/** Opens the file and finds the columns. Throws `InputError`s naming the file as the user gave it. */
export async function openRecords(request: ReadRequest): Promise<OpenedRecords> {
  const { file, name, config } = request;
  const { internalRecords, matching, timezone } = config;
  const input = await openImportFile(file, name, request.tabular);
  const indexes = planColumns(name, input.tabular.columns, internalRecords.columns, matching.reference);
  const schema = internalRecordSchema({ timezone, formats: internalRecords, reference: matching.reference });
  return { input, indexes, schema };
}

/** Collects one batch's row problems (the first `PROBLEMS_PER_BATCH`, then a count). */
class BatchProblems extends ProblemCollector {
  problems: InputProblem[] = [];
  more = 0;

  override add(problem: InputProblem): void {
    if (this.problems.length < PROBLEMS_PER_BATCH) this.problems.push(problem);
    else this.more += 1;
  }
}

/**
 * Validates and hashes every row, handing `emit` a batch every `SEND_BATCH`
 * valid records, a flush every `RECORD_BATCH`, and the rest with a last
 * flush at the end; reading waits for `emit`.
 */
export async function readOpened(opened: OpenedRecords, emit: (batch: RecordBatch) => void | Promise<void>): Promise<ReadEnd> {
  const { indexes, schema } = opened;
  const problems = new BatchProblems();
  const input: ImportFile = { ...opened.input, problems };
  let records: RecordTuple[] = [];
  let sinceFlush = 0;
  const take = (flush: boolean): RecordBatch => {
    const batch: RecordBatch = { records, problems: problems.problems, moreProblems: problems.more, flush };
    records = [];
    problems.problems = [];
    problems.more = 0;
    return batch;
  };
  const rows = await checkRows(input, (row) => {
    const result = validateRecordCells(schema, cellsOf(row.row.cells, row.row.typed, indexes));
    if (!result.ok) {
      for (const p of result.problems) row.fail(p.field, p.message);
      return;
    }
    const r = result.record;
    records.push([row.rowNumber, r.internalId, r.reference, r.amount, r.currency, r.createdAt, r.method, r.purpose, r.country, r.status, contentHash(r)]);
    if (records.length < SEND_BATCH) return undefined;
    sinceFlush += records.length;
    const flush = sinceFlush >= RECORD_BATCH;
    if (flush) sinceFlush = 0;
    return emit(take(flush));
  });
  await emit(take(true));
  try {
    return { rows, sha256: await input.sha256 };
  } catch (error) {
    return { rows, sha256: undefined, sha256Error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function cellsOf(cells: readonly string[], typed: TabularRow['typed'], indexes: ColumnIndexes): RecordCells {
  const cell = (field: RecordField): string | undefined => {
    const index = indexes[field];
    return index === undefined ? undefined : (cells[index] ?? '');
  };
  // Amounts and dates of an XLSX number or date cell are taken as such.
  const typedCell = (field: 'amount' | 'created_at'): number | Date | string => {
    const index = indexes[field];
    return (index === undefined ? undefined : typed?.[index]) ?? cell(field) ?? '';
  };
  return {
    internal_id: cell('internal_id') ?? '',
    amount: typedCell('amount'),
    currency: cell('currency') ?? '',
    created_at: typedCell('created_at'),
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

// ---------------------------------------------------------------- worker transport

/** Where the records come from: this thread, or the worker. */
export interface RecordSource {
  /** Resolves once the file is open with the required columns; rejects with why it cannot be read. */
  readonly opened: Promise<void>;
  /** Reads every row, calling `onBatch` for each batch in order (one at a time). */
  run(onBatch: (batch: RecordBatch) => void | Promise<void>): Promise<ReadEnd>;
  /** Stops reading (the worker, if any, is ended). */
  close(): Promise<void>;
}

/** CSV is read in a worker thread; XLSX and JSON Lines (and unknown extensions, which fail) in this thread. */
export function openRecordSource(request: ReadRequest): RecordSource {
  let worker = false;
  try {
    worker = formatOfFile(request.file) === 'csv';
  } catch {
    // The in-thread reader reports the unknown extension.
  }
  if (worker) return new WorkerRecordSource(request);
  const opened = openRecords(request);
  opened.catch(() => undefined);
  return {
    opened: opened.then(() => undefined),
    run: async (onBatch) => readOpened(await opened, onBatch),
    close: async () => undefined,
  };
}

export type WorkerMessage =
  | { type: 'opened' }
  | { type: 'batch'; batch: RecordBatch }
  | { type: 'end'; end: Omit<ReadEnd, 'sha256Error'> & { sha256Error?: TransportedError } }
  | { type: 'error'; error: TransportedError };

export type WorkerRequest = { type: 'ack' };

export interface TransportedError {
  name: string;
  message: string;
  stack?: string | undefined;
  input?: { file: string; problems: readonly InputProblem[]; total: number };
}

export function toTransported(error: unknown): TransportedError {
  if (error instanceof InputError) {
    return { name: error.name, message: error.message, input: { file: error.file, problems: error.problems, total: error.total } };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: e.message, stack: e.stack };
}

export function fromTransported(error: TransportedError): Error {
  if (error.input) return new InputError(error.input.file, error.input.problems, { total: error.input.total });
  const e = new Error(error.message);
  e.name = error.name;
  if (error.stack !== undefined) e.stack = error.stack;
  return e;
}

/**
 * Reads in a worker thread. The worker sends batches ahead of the writer but
 * waits for an acknowledgement once `IN_FLIGHT` are unacknowledged, so memory
 * stays flat however long the file is.
 */
class WorkerRecordSource implements RecordSource {
  readonly opened: Promise<void>;
  readonly #worker: Worker;
  readonly #queue: WorkerMessage[] = [];
  #failure: Error | undefined;
  #exited = false;
  #wake: (() => void) | undefined;

  constructor(request: ReadRequest) {
    this.#worker = startModuleWorker(import.meta.url, 'record-worker', { workerData: request, resourceLimits: SMALL_WORKER_LIMITS });
    this.#worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') this.#failure ??= fromTransported(message.error);
      else this.#queue.push(message);
      this.#signal();
    });
    this.#worker.on('error', (error) => {
      this.#failure ??= error;
      this.#signal();
    });
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      this.#failure ??= new Error(`the record reader worker stopped (exit code ${code})`);
      this.#signal();
    });
    this.opened = this.#next().then((message) => {
      if (message.type !== 'opened') throw new Error(`the record reader worker sent ${message.type} before opening the file`);
    });
    this.opened.catch(() => undefined);
  }

  async run(onBatch: (batch: RecordBatch) => void | Promise<void>): Promise<ReadEnd> {
    await this.opened;
    for (;;) {
      const message = await this.#next();
      if (message.type === 'end') {
        const { sha256Error } = message.end;
        return sha256Error === undefined ? { rows: message.end.rows, sha256: message.end.sha256 } : { ...message.end, sha256Error: fromTransported(sha256Error) };
      }
      if (message.type !== 'batch') throw new Error(`the record reader worker sent ${message.type} while reading`);
      await onBatch(message.batch);
      this.#worker.postMessage({ type: 'ack' } satisfies WorkerRequest);
    }
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    this.#failure ??= new Error('the record reader was closed');
    await this.#worker.terminate();
  }

  /** The next message in order; a failure is thrown once the messages before it are taken. */
  async #next(): Promise<WorkerMessage> {
    for (;;) {
      const message = this.#queue.shift();
      if (message) return message;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
