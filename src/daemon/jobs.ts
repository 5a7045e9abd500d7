/**
 * The daemon's job registry. A job is a named async function: it receives a
 * context (configuration, ledger, logger, clock, the tick it runs for and an
 * AbortSignal for shutdown) and returns a small JSON-able summary, stored with
 * its run in `job_runs.details` and shown by `/healthz`.
 *
 * The scheduler knows nothing of what a job does. A job named like a
 * `schedule.*` key (`sync`, `poll`, `balance`, `reconcile`, `dailyReport`,
 * `monthlyReport`) runs on that schedule; see `wiring.ts` for the jobs of the
 * real daemon.
 *
 * A job must be safe to run again (a crashed or cancelled run is re-run) and
 * keep each transaction short: check `signal` between transactions and stop
 * there (`signal.throwIfAborted()`), so a shutdown never cuts one in half.
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Instant } from '../shared/time.js';
import type { JobTrigger } from './claim.js';

export type { JobTrigger } from './claim.js';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What a run reports, e.g. `{"fetched": 120, "inserted": 3}`. Keep it small: it is stored per run. */
export type JobSummary = { readonly [key: string]: JsonValue };

export interface JobContext {
  /** The job's name (its `schedule` key). */
  readonly job: string;
  readonly config: Config;
  readonly ledger: Ledger;
  /** Scoped to the job (`daemon.sync: …`). */
  readonly log: Logger;
  readonly clock: Clock;
  /**
   * Aborted when the daemon shuts down or this replica lost the job's lease.
   * Finish the current transaction, then stop (throwing is fine: the run is
   * recorded as cancelled and its tick runs again at the next start).
   */
  readonly signal: AbortSignal;
  /** The schedule tick this run is for (UTC epoch ms): "yesterday" of a daily report is relative to it. */
  readonly scheduledAt: Instant;
  /** schedule, catch-up (the tick was missed while no daemon ran) or takeover (a dead replica's run). */
  readonly trigger: JobTrigger;
  /** This daemon's replica ID. */
  readonly replica: string;
  /** The `job_runs.id` of this run. */
  readonly runId: number;
  /** A path from the configuration (e.g. `reports.dir`), resolved from the daemon's working directory. */
  resolvePath(p: string): string;
}

/** Marks `jobs` to run in worker threads: each is found again by `factory(args)` of `module`. */
export function inThreads(jobs: readonly JobDefinition[], module: string, factory: string, args?: unknown): JobDefinition[] {
  return jobs.map((job) => ({ ...job, thread: { module, factory, ...(args === undefined ? {} : { args }) } }));
}

export type JobFunction = (ctx: JobContext) => Promise<JobSummary | undefined | void>;

/**
 * Where a worker thread finds a job: the module (a `file:` URL, usually the
 * defining module's `import.meta.url`) and the name of its export that,
 * called with `args`, returns the job definitions (this one among them).
 */
export interface JobThreadSpec {
  readonly module: string;
  readonly factory: string;
  /** Structured-cloneable; passed to the factory in the thread. */
  readonly args?: unknown;
}

export interface JobDefinition {
  /** Unique; a `schedule.<name>` key gives its cron expression. */
  readonly name: string;
  /** One line, for logs and `/healthz`. */
  readonly description: string;
  readonly run: JobFunction;
  /**
   * Set: the daemon runs the job in a worker thread with its own ledger
   * connection, fenced on the job's lease (see `job-thread.ts`), so nothing
   * the job does holds up the HTTP server, the lease renewal or the signals.
   * Unset: `run` runs on the daemon's event loop (small jobs, tests).
   */
  readonly thread?: JobThreadSpec;
}

export class JobRegistry {
  readonly #jobs = new Map<string, JobDefinition>();

  constructor(jobs: readonly JobDefinition[] = []) {
    for (const job of jobs) this.register(job);
  }

  /** Adds a job; a second job with the same name is a programming error. */
  register(job: JobDefinition): this {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(job.name)) throw new Error(`job name "${job.name}" must be a plain identifier`);
    if (this.#jobs.has(job.name)) throw new Error(`job "${job.name}" is registered twice`);
    this.#jobs.set(job.name, Object.freeze({ ...job }));
    return this;
  }

  get(name: string): JobDefinition | undefined {
    return this.#jobs.get(name);
  }

  has(name: string): boolean {
    return this.#jobs.has(name);
  }

  names(): string[] {
    return [...this.#jobs.keys()];
  }
}
