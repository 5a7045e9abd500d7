/**
 * Starting one of our worker-thread modules (the sync's list reader, the
 * import's record reader, the CSV report writer) from the module beside it:
 * the built `.js`, or, under the test runner, the `.ts` source with tsx's
 * loader registered in the thread first (a worker does not inherit it).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** For a worker that holds a few pages or batches at a time: keeps its heap, and the process's memory, small. */
export const SMALL_WORKER_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32 };

/** Starts the module `name` (without extension) that sits next to `caller` (its `import.meta.url`). */
export function startModuleWorker(caller: string, name: string, options: WorkerOptions = {}): Worker {
  const typescript = caller.endsWith('.ts');
  const url = new URL(`./${name}${typescript ? '.ts' : '.js'}`, caller);
  if (!typescript) return new Worker(url, options);
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}
