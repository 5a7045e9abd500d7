/**
 * Running a job in a worker thread (the daemon's side; `job-worker.ts` is the
 * thread's). Why threads and not child processes: see docs/architecture.md
 * ("Daemon"). In short: a thread starts in milliseconds, shares the
 * process's signals (only the main thread handles them) and logs, can be
 * stopped with `terminate()` when a job overruns the shutdown grace, and the
 * config and results cross as structured clones; each thread opens its own
 * ledger connection, fenced on the job's lease, so the main thread's event
 * loop, its connections and the lease renewal never wait for a job.
 *
 * Messages: main → thread `{type: 'abort', reason}`; thread → main
 * `{type: 'log', …}`, then one `{type: 'done', summary}` or `{type: 'failed', error}`.
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from '../config/schema.js';
import type { LogFields, Logger, LogLevel } from '../shared/logger.js';
import { startModuleWorker } from '../shared/worker-thread.js';
import type { Instant } from '../shared/time.js';
import type { JobTrigger } from './claim.js';
import type { JobSummary, JobThreadSpec } from './jobs.js';

/** What a job thread is started with (its `workerData`). */
export interface JobThreadInput {
  job: string;
  thread: JobThreadSpec;
  config: Config;
  runId: number;
  tick: Instant;
  trigger: JobTrigger;
  replica: string;
  /** Relative paths of the configuration resolve from here. */
  baseDir: string;
  /** How long the thread's SQLite handle waits for another connection's write lock. */
  busyTimeoutMs: number;
}

export type JobThreadMessage =
  | { type: 'log'; level: LogLevel; scope: string[]; message: string; fields?: LogFields }
  | { type: 'done'; summary: JobSummary | null }
  | { type: 'failed'; name: string; error: string };

export type JobThreadCommand = { type: 'abort'; name: string; reason: string };

/** An error thrown in the thread, with its name kept (the runner tells a cancelled run by its signal). */
export class JobThreadError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface RunningJobThread {
  readonly result: Promise<JobSummary | null>;
  /** Stops the thread at once (its open transaction rolls back when its connection closes). */
  terminate(): Promise<void>;
}

export function startJobThread(input: JobThreadInput, signal: AbortSignal, log: Logger): RunningJobThread {
  const worker: Worker = startModuleWorker(import.meta.url, 'job-worker', { workerData: input });
  const onAbort = () => {
    const reason: unknown = signal.reason;
    const command: JobThreadCommand = {
      type: 'abort',
      name: reason instanceof Error ? reason.name : 'AbortError',
      reason: reason instanceof Error ? reason.message : 'aborted',
    };
    worker.postMessage(command);
  };
  const result = new Promise<JobSummary | null>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    worker.on('message', (message: JobThreadMessage) => {
      if (message.type === 'log') {
        const scoped = message.scope.reduce((l, s) => l.child(s), log);
        scoped[message.level](message.message, message.fields);
      } else if (message.type === 'done') {
        settle(() => resolve(message.summary));
      } else {
        settle(() => reject(new JobThreadError(message.name, message.error)));
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new JobThreadError('JobThreadExit', `the job thread stopped (exit code ${code}) before the job finished`))));
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    result,
    terminate: async () => {
      await worker.terminate();
    },
  };
}
