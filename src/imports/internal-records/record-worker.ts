/**
 * The record reader worker thread (see `record-reader.ts`): reads, validates
 * and hashes an internal-records file for the import writing in the main
 * thread, at most `IN_FLIGHT` batches ahead of it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  IN_FLIGHT,
  openRecords,
  type ReadRequest,
  readOpened,
  type RecordBatch,
  toTransported,
  type WorkerMessage,
  type WorkerRequest,
} from './record-reader.js';

const port = parentPort;
if (!port) throw new Error('record-worker must run in a worker thread');
const request = workerData as ReadRequest;

let unacknowledged = 0;
let wake: (() => void) | undefined;
port.on('message', (message: WorkerRequest) => {
  if (message.type !== 'ack') return;
  unacknowledged -= 1;
  const w = wake;
  wake = undefined;
  w?.();
});

const send = (message: WorkerMessage): void => port.postMessage(message);

async function emit(batch: RecordBatch): Promise<void> {
  send({ type: 'batch', batch });
  unacknowledged += 1;
  while (unacknowledged >= IN_FLIGHT) {
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}

async function main(): Promise<void> {
  const opened = await openRecords(request);
  send({ type: 'opened' });
  const end = await readOpened(opened, emit);
  const { sha256Error, ...rest } = end;
  send({ type: 'end', end: sha256Error === undefined ? rest : { ...rest, sha256Error: toTransported(sha256Error) } });
}

main().then(
  () => port.close(),
  (error: unknown) => {
    send({ type: 'error', error: toTransported(error) });
    port.close();
  },
);
