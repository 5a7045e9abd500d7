/**
 * The list worker thread (see `list-fetcher.ts`): fetches, parses and maps
 * list pages for the sync running in the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createSmart2PayClient } from '../providers/smart2pay/from-config.js';
import { InThreadListFetcher, toRow, type WorkerInit, type WorkerRequest, type WorkerResponse } from './list-fetcher.js';

const port = parentPort;
if (!port) throw new Error('list-worker must run in a worker thread');
const { config } = workerData as WorkerInit;
const client = createSmart2PayClient(config);
const fetcher = new InThreadListFetcher(client, config, { ownsClient: true });
const aborts = new Map<number, AbortController>();

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'close') {
    for (const a of aborts.values()) a.abort();
    void fetcher.close().finally(() => {
      port.postMessage({ type: 'closed' } satisfies WorkerResponse);
      port.close();
    });
    return;
  }
  if (message.type === 'abort') {
    aborts.get(message.id)?.abort();
    return;
  }
  const abort = new AbortController();
  aborts.set(message.id, abort);
  fetcher.fetch(message.filters, abort.signal).then(
    (page) => {
      aborts.delete(message.id);
      port.postMessage({
        type: 'page',
        id: message.id,
        rows: page.observations.map(toRow),
        stats: { ...fetcher.stats },
      } satisfies WorkerResponse);
    },
    (error: unknown) => {
      aborts.delete(message.id);
      const e = error instanceof Error ? error : new Error(String(error));
      const status = (e as { status?: unknown }).status;
      port.postMessage({
        type: 'error',
        id: message.id,
        error: { name: e.name, message: e.message, ...(typeof status === 'number' ? { status } : {}) },
        stats: { ...fetcher.stats },
      } satisfies WorkerResponse);
    },
  );
});
