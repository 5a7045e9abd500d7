/**
 * The CSV writer thread: it receives each chunk of records as JSON, quotes
 * it (`csv-text.ts`) and writes it (UTF-8 encoding, the file stream, the
 * final fsync), beside the main thread that reads the ledger and turns rows
 * into text. Messages come from
 * `csv-worker-client.ts`; each is answered when done, which is the
 * back-pressure the main thread waits on.
 */
import { parentPort } from 'node:worker_threads';
import { syncToDisk } from '../atomic-output.js';
import { CsvFileWriter } from './csv-file-writer.js';
import type { CsvWorkerReply, CsvWorkerRequest } from './csv-worker-client.js';

const port = parentPort;
if (!port) throw new Error('csv-worker runs as a worker thread');

const files = new Map<number, { writer: CsvFileWriter; path: string }>();
let queue: Promise<void> = Promise.resolve();

async function handle(request: CsvWorkerRequest): Promise<void> {
  switch (request.op) {
    case 'open':
      files.set(request.file, { writer: new CsvFileWriter(request.path, request.header, request.options), path: request.path });
      return;
    case 'write': {
      const file = files.get(request.file);
      if (!file) throw new Error(`csv-worker: file ${request.file} is not open`);
      await file.writer.writeRecords(JSON.parse(request.records) as string[][]);
      return;
    }
    case 'close': {
      const file = files.get(request.file);
      if (!file) throw new Error(`csv-worker: file ${request.file} is not open`);
      files.delete(request.file);
      await file.writer.close();
      await syncToDisk(file.path);
      return;
    }
  }
}

port.on('message', (request: CsvWorkerRequest) => {
  queue = queue.then(async () => {
    let reply: CsvWorkerReply;
    try {
      await handle(request);
      reply = { seq: request.seq, ok: true };
    } catch (error) {
      reply = { seq: request.seq, ok: false, message: error instanceof Error ? error.message : String(error), code: (error as NodeJS.ErrnoException).code };
    }
    port.postMessage(reply);
  });
});
