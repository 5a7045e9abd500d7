/**
 * Fetching one page of the Smart2Pay list and turning it into ledger
 * observations, in this thread or in a worker thread.
 *
 * A sync spends about as long parsing pages (JSON, validation, mapping) as
 * storing them, and storing must stay on the thread that owns the ledger.
 * With the worker (`smart2pay.listWorker`, default on), parsing the next
 * pages overlaps storing this one, and the sync uses two cores. The worker
 * has its own HTTP client (same timeouts, retries and rate limit) and sends
 * back compact rows; errors cross as their message and HTTP status.
 */
import type { Worker } from 'node:worker_threads';
import type { Smart2PayConfig } from '../config/schema.js';
import type { PayoutReason } from '../domain/payout.js';
import type { PayoutMethod } from '../domain/payout-method.js';
import type { PayoutObservation } from '../domain/payout-observation.js';
import type { PayoutStatus } from '../domain/payout-status.js';
import { type Smart2PayClient, type Smart2PayListFilters } from '../providers/smart2pay/client.js';
import { createSmart2PayMapperFromConfig } from '../providers/smart2pay/from-config.js';
import { type createSmart2PayMapper, Smart2PayMappingError } from '../providers/smart2pay/mapping.js';
import { ProviderError } from '../shared/errors.js';
import { SMALL_WORKER_LIMITS, startModuleWorker } from '../shared/worker-thread.js';

export interface FetchedPage {
  /** In the provider's order. */
  observations: PayoutObservation[];
}

export interface ListFetcher {
  /** One list page. Throws ProviderError. */
  fetch(filters: Smart2PayListFilters, signal?: AbortSignal): Promise<FetchedPage>;
  /** HTTP requests sent and retried so far. */
  readonly stats: { requests: number; retries: number };
  close(): Promise<void>;
}

type MapperConfig = Pick<Smart2PayConfig, 'timezone' | 'amountDecimals' | 'methodIds' | 'api' | 'baseUrl'>;

/** Parses and maps in the calling thread. */
export class InThreadListFetcher implements ListFetcher {
  readonly #client: Smart2PayClient;
  readonly #map: ReturnType<typeof createSmart2PayMapper>;
  readonly #ownsClient: boolean;

  constructor(client: Smart2PayClient, config: MapperConfig, options: { ownsClient?: boolean } = {}) {
    this.#client = client;
    this.#ownsClient = options.ownsClient ?? false;
    this.#map = createSmart2PayMapperFromConfig(config);
  }

  get stats(): { requests: number; retries: number } {
    return this.#client.stats;
  }

  async fetch(filters: Smart2PayListFilters, signal?: AbortSignal): Promise<FetchedPage> {
    const items = await this.#client.listPayouts(filters, signal ? { signal } : {});
    const observations = new Array<PayoutObservation>(items.length);
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i]!;
      try {
        observations[i] = this.#map(item);
      } catch (error) {
        if (error instanceof Smart2PayMappingError) {
          throw new ProviderError('smart2pay', `GET /v1/payouts returned an unusable payout (ID ${item.payout.ID}): ${error.message}`);
        }
        throw error;
      }
    }
    return { observations };
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }
}

// ---------------------------------------------------------------- worker transport

/** An observation as a tuple: cheap to copy between threads. */
export type ObservationRow = [
  providerPayoutId: string,
  merchantTransactionId: string | null,
  siteId: string | null,
  amount: number,
  currency: string,
  createdAt: number,
  status: PayoutStatus,
  providerStatus: string | null,
  providerStatusInfo: string | null,
  reasons: PayoutReason[] | null,
  method: PayoutMethod,
  providerMethod: string | null,
  purpose: string | null,
  country: string | null,
  description: string | null,
  raw: string,
];

export function toRow(o: PayoutObservation): ObservationRow {
  return [
    o.providerPayoutId,
    o.merchantTransactionId,
    o.siteId,
    o.amount,
    o.currency,
    o.createdAt,
    o.status,
    o.providerStatus,
    o.providerStatusInfo,
    o.reasons.length === 0 ? null : o.reasons,
    o.method,
    o.providerMethod,
    o.purpose,
    o.country,
    o.description,
    o.raw,
  ];
}

export function fromRow(r: ObservationRow): PayoutObservation {
  return {
    provider: 'smart2pay',
    providerPayoutId: r[0],
    merchantTransactionId: r[1],
    sessionId: null,
    siteId: r[2],
    amount: r[3],
    currency: r[4],
    createdAt: r[5],
    status: r[6],
    providerStatus: r[7],
    providerStatusInfo: r[8],
    reasons: r[9] ?? [],
    method: r[10],
    providerMethod: r[11],
    purpose: r[12],
    country: r[13],
    description: r[14],
    raw: r[15],
  };
}

export interface WorkerInit {
  config: Smart2PayConfig;
}

export type WorkerRequest =
  | { type: 'fetch'; id: number; filters: Smart2PayListFilters }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export interface TransportedError {
  name: string;
  message: string;
  status?: number;
}

export type WorkerResponse =
  | { type: 'page'; id: number; rows: ObservationRow[]; stats: { requests: number; retries: number } }
  | { type: 'error'; id: number; error: TransportedError; stats: { requests: number; retries: number } }
  | { type: 'closed' };

function fromTransported(error: TransportedError): Error {
  if (error.name === 'ProviderError') {
    return new ProviderError('smart2pay', error.message.replace(/^smart2pay: /, ''), error.status !== undefined ? { status: error.status } : {});
  }
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}

/** Parses and maps in a worker thread. */
export class WorkerListFetcher implements ListFetcher {
  readonly stats = { requests: 0, retries: 0 };
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (page: FetchedPage) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #failed: Error | undefined;
  #closed = false;

  constructor(config: Smart2PayConfig) {
    this.#worker = startModuleWorker(import.meta.url, 'list-worker', { workerData: { config } satisfies WorkerInit, resourceLimits: SMALL_WORKER_LIMITS });
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerResponse) => this.#onMessage(message));
    this.#worker.on('error', (error) => this.#failAll(error));
    this.#worker.on('exit', (code) => {
      if (!this.#closed) this.#failAll(new Error(`the list worker stopped (exit code ${code})`));
    });
  }

  fetch(filters: Smart2PayListFilters, signal?: AbortSignal): Promise<FetchedPage> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    return new Promise<FetchedPage>((resolve, reject) => {
      const onAbort = () => this.#worker.postMessage({ type: 'abort', id } satisfies WorkerRequest);
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      this.#pending.set(id, {
        resolve: (page) => {
          settle();
          resolve(page);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.#worker.ref();
      this.#worker.postMessage({ type: 'fetch', id, filters } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    const timer = setTimeout(() => void this.#worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  #onMessage(message: WorkerResponse): void {
    if (message.type === 'closed') return;
    this.stats.requests = message.stats.requests;
    this.stats.retries = message.stats.retries;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (message.type === 'page') {
      pending.resolve({ observations: message.rows.map(fromRow) });
    } else {
      pending.reject(fromTransported(message.error));
    }
  }

  #failAll(error: Error): void {
    this.#failed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }
}
