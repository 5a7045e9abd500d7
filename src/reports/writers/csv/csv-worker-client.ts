/**
 * The main thread's side of the CSV writer thread (`csv-worker.ts`). Each
 * chunk of records goes over as one JSON string (V8's native JSON is about a
 * quarter of what quoting the chunk costs, and the thread does the quoting
 * beside the reader); at most a few chunks are in flight, so memory stays
 * flat and a slow disk slows the ledger reader down instead of filling
 * memory.
 */
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { RuntimeFailure } from '../../../shared/errors.js';
import { startModuleWorker } from '../../../shared/worker-thread.js';
import { type CsvOptions, DEFAULT_CSV_OPTIONS } from './csv-text.js';

export type CsvWorkerRequest =
  | { op: 'open'; seq: number; file: number; path: string; header: string[]; options: CsvOptions }
  | { op: 'write'; seq: number; file: number; records: string }
  | { op: 'close'; seq: number; file: number };

export type CsvWorkerReply = { seq: number; ok: true } | { seq: number; ok: false; message: string; code?: string | undefined };

/** Chunks handed over but not yet written, before the reader waits. */
const MAX_IN_FLIGHT = 3;

export class CsvWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  readonly #inFlight: Promise<void>[] = [];
  #seq = 0;
  #files = 0;
  #failure: Error | undefined;

  constructor() {
    this.#worker = startModuleWorker(import.meta.url, 'csv-worker');
    this.#worker.on('message', (reply: CsvWorkerReply) => {
      const waiter = this.#pending.get(reply.seq);
      this.#pending.delete(reply.seq);
      if (!waiter) return;
      if (reply.ok) waiter.resolve();
      else waiter.reject(this.#fail(new RuntimeFailure(`report: cannot write CSV (${reply.message})`)));
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (this.#pending.size > 0) this.#fail(new RuntimeFailure(`report: the CSV writer stopped (exit code ${code})`));
    });
  }

  #fail(error: Error): Error {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(this.#failure);
    this.#pending.clear();
    return this.#failure;
  }

  #send(request: CsvWorkerRequest): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const done = new Promise<void>((resolve, reject) => this.#pending.set(request.seq, { resolve, reject }));
    this.#worker.postMessage(request);
    return done;
  }

  /** Starts a CSV file with its header row. */
  open(path: string, header: readonly string[], options: CsvOptions = DEFAULT_CSV_OPTIONS): CsvWorkerFile {
    const file = ++this.#files;
    const opened = this.#send({ op: 'open', seq: ++this.#seq, file, path, header: [...header], options: { ...options } });
    this.#track(opened);
    return {
      write: (records) => this.#write(file, records),
      close: async () => {
        await Promise.all(this.#inFlight.splice(0));
        await this.#send({ op: 'close', seq: ++this.#seq, file });
      },
    };
  }

  async #write(file: number, records: readonly (readonly string[])[]): Promise<void> {
    if (records.length === 0) return;
    this.#track(this.#send({ op: 'write', seq: ++this.#seq, file, records: JSON.stringify(records) }));
    while (this.#inFlight.length >= MAX_IN_FLIGHT) await this.#inFlight.shift();
  }

  #track(promise: Promise<void>): void {
    // Rejections surface when awaited (close, or back-pressure); never unhandled meanwhile.
    promise.catch(() => undefined);
    this.#inFlight.push(promise);
  }

  /** Stops the thread (after the pack is written, or on failure). */
  async stop(): Promise<void> {
    const exited = once(this.#worker, 'exit');
    await this.#worker.terminate();
    await exited.catch(() => undefined);
  }
}

export interface CsvWorkerFile {
  write(records: readonly (readonly string[])[]): Promise<void>;
  /** Ends the file, flushed to disk. */
  close(): Promise<void>;
}
