/**
 * A job thread (see `job-thread.ts`): finds its job through the module and
 * factory it was given, opens its own ledger connection fenced on the job's
 * lease, runs the job with a signal the daemon aborts (shutdown, lost lease),
 * and reports logs and the outcome to the daemon.
 */
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openLedger } from '../ledger/ledger.js';
import { systemClock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { LogFields, Logger, LogLevel } from '../shared/logger.js';
import type { JobThreadCommand, JobThreadInput, JobThreadMessage } from './job-thread.js';
import type { JobContext, JobDefinition, JobSummary } from './jobs.js';

const port = parentPort;
if (!port) throw new Error('job-worker.ts runs as a worker thread only');
const input = workerData as JobThreadInput;
const post = (message: JobThreadMessage) => port.postMessage(message);

function forwardingLogger(scope: string[]): Logger {
  const at = (level: LogLevel) => (message: string, fields?: LogFields) =>
    post({ type: 'log', level, scope, message, ...(fields ? { fields } : {}) });
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (s) => forwardingLogger([...scope, s]) };
}

/** The abort reason as the job sees it: an error with the daemon's name for it. */
function abortReason(command: JobThreadCommand): Error {
  const error = new Error(command.reason);
  error.name = command.name;
  return error;
}

const controller = new AbortController();
port.on('message', (command: JobThreadCommand) => {
  if (command.type === 'abort' && !controller.signal.aborted) controller.abort(abortReason(command));
});

async function findJob(): Promise<JobDefinition> {
  const module = (await import(input.thread.module)) as Record<string, unknown>;
  const factory = module[input.thread.factory];
  if (typeof factory !== 'function') throw new Error(`${input.thread.module} has no job factory ${input.thread.factory}`);
  const jobs = (await (factory as (args: unknown) => readonly JobDefinition[] | Promise<readonly JobDefinition[]>)(input.thread.args)) ?? [];
  const job = jobs.find((j) => j.name === input.job);
  if (!job) throw new Error(`${input.thread.factory}() has no job ${input.job}`);
  return job;
}

async function main(): Promise<JobSummary | null> {
  const job = await findJob();
  const ledger = await openLedger({
    url: input.config.database.url,
    busyTimeoutMs: input.busyTimeoutMs,
    poolSize: 2,
    migrate: false,
    baseDir: input.baseDir,
    fence: { job: input.job, owner: input.replica },
  });
  try {
    const ctx: JobContext = Object.freeze({
      job: input.job,
      config: input.config,
      ledger,
      log: forwardingLogger([]),
      clock: systemClock,
      signal: controller.signal,
      scheduledAt: input.tick,
      trigger: input.trigger,
      replica: input.replica,
      runId: input.runId,
      resolvePath: (p: string) => path.resolve(input.baseDir, p),
    });
    const summary = await job.run(ctx);
    return summary === undefined || summary === null ? null : (JSON.parse(JSON.stringify(summary)) as JobSummary);
  } finally {
    await ledger.close();
  }
}

try {
  post({ type: 'done', summary: await main() });
} catch (error) {
  post({ type: 'failed', name: error instanceof Error ? error.name : 'Error', error: describeError(error) });
} finally {
  port.close();
}
