/**
 * Writing to a Node stream with back-pressure: `write` resolves at once while
 * the stream has room and waits for `drain` when it has not, so a fast
 * producer (the ledger reader) never piles data up in memory ahead of a slow
 * consumer (deflate, the disk). A failure anywhere downstream is passed in
 * with `fail` and rejects the writer instead of leaving it waiting forever.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

export class StreamSink {
  readonly #stream: Writable;
  #error: Error | undefined;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', (error: Error) => {
      this.#error ??= error;
    });
  }

  /** Stops the stream with `error`: pending and later writes reject with it. */
  fail(error: Error): void {
    this.#error ??= error;
    if (!this.#stream.destroyed) this.#stream.destroy(error);
  }

  async write(chunk: string | Buffer): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#stream.write(chunk)) return;
    await this.#waitFor('drain');
  }

  /** Ends the stream and waits until everything was handed on (`finish`). */
  async end(): Promise<void> {
    if (this.#error) throw this.#error;
    this.#stream.end();
    if (this.#stream.writableFinished) return;
    await this.#waitFor('finish');
  }

  async #waitFor(event: 'drain' | 'finish'): Promise<void> {
    const ac = new AbortController();
    try {
      // `once` rejects on 'error'; 'close' without the event means the stream was destroyed.
      await Promise.race([
        once(this.#stream, event, { signal: ac.signal }),
        once(this.#stream, 'close', { signal: ac.signal }).then(() => {
          throw this.#error ?? new Error('the output stream closed early');
        }),
      ]);
    } finally {
      ac.abort();
    }
    if (this.#error) throw this.#error;
  }
}
