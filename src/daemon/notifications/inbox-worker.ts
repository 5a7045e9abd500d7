/**
 * The daemon's inbox processor: confirms deliveries moments after they are
 * received. A receipt wakes it (`wake()`, never awaited by the handler: the
 * provider's answer does not wait for the provider's API); a sweep every
 * `sweepMs` picks up what failed and is due again, what another replica
 * left behind, and, at start, what a killed daemon left `received`.
 *
 * Its Smart2Pay client retries a failed GET once at most: the inbox itself
 * is the retry (with back-off), so one slow provider call never holds up the
 * deliveries behind it for minutes.
 */
import type { Config } from '../../config/schema.js';
import type { DaemonWorker } from '../workers.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { Smart2PayClient } from '../../providers/smart2pay/client.js';
import { createSmart2PayClient, createSmart2PayMapperFromConfig } from '../../providers/smart2pay/from-config.js';
import type { Clock } from '../../shared/clock.js';
import { describeError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { type InboxPassOptions, processInbox, type InboxSmart2Pay } from '../../inbox/inbox-processor.js';

export interface InboxWorkerOptions {
  config: Config;
  ledger: Ledger;
  clock: Clock;
  log: Logger;
  /** How often due deliveries are looked for without a wake-up. Default 2 s. */
  sweepMs?: number;
  pass?: Omit<InboxPassOptions, 'mode'>;
}

export class InboxWorker implements DaemonWorker {
  readonly name = 'inbox';
  readonly #o: InboxWorkerOptions;
  readonly #abort = new AbortController();
  #client: Smart2PayClient | undefined;
  #smart2pay: InboxSmart2Pay | null = null;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: InboxWorkerOptions) {
    this.#o = options;
  }

  start(): void {
    const s2p = this.#o.config.smart2pay;
    if (s2p) {
      this.#client = createSmart2PayClient({ ...s2p, http: { ...s2p.http, maxRetries: Math.min(1, s2p.http.maxRetries) } }, this.#o.log);
      this.#smart2pay = { client: this.#client, map: createSmart2PayMapperFromConfig(s2p), concurrency: s2p.poll.concurrency };
    }
    this.#timer = setInterval(() => this.wake(), this.#o.sweepMs ?? 2000);
    this.wake();
  }

  /** Runs a pass now, or right after the one running (receipts arriving during a pass are not missed). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#running;
    await this.#client?.close();
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        const result = await processInbox(
          { ledger: this.#o.ledger, clock: this.#o.clock, log: this.#o.log, smart2pay: this.#smart2pay, signal: this.#abort.signal },
          { ...this.#o.pass, mode: 'due' },
        );
        if (result.confirmed + result.rejected + result.retrying > 0) this.#o.log.debug('inbox pass', { ...result });
      } catch (error) {
        // The ledger was unreachable or a write failed: the claimed deliveries come back after their lease.
        if (!this.#stopped) this.#o.log.error('inbox pass failed; deliveries stay in the inbox', { error: describeError(error) });
      }
    } while (this.#again && !this.#stopped);
  }
}
