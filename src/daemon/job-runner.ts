/**
 * Runs one job at a time per job name: claims the tick in the ledger, runs
 * the job (in a worker thread when it has a `thread` spec) with its lease
 * renewed in the background on its own connection, retries a failed run
 * within its tick (`daemon.retry`, cockatiel), records the outcome and calls
 * the alert hook. A job's failure is recorded and logged, never thrown: one
 * failing job never stops the others.
 */
import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Instant } from '../shared/time.js';
import type { JobTrigger } from './claim.js';
import type { JobAlertHook } from './job-alerts.js';
import type { ClaimedRun, FinishedRun, JobStateStore } from './job-state-store.js';
import { type RunningJobThread, startJobThread } from './job-thread.js';
import type { JobContext, JobDefinition, JobRegistry, JobSummary } from './jobs.js';

export interface JobRunnerOptions {
  config: Config;
  ledger: Ledger;
  store: JobStateStore;
  /** Renews leases through its own connection, so a job's long transaction never delays the renewal. Default: `store`. */
  leaseStore?: JobStateStore;
  registry: JobRegistry;
  log: Logger;
  clock: Clock;
  leaseMs: number;
  /** Failed ticks in a row at which `jobFailing` fires, per job. */
  failureThreshold: (job: string) => number;
  alerts: JobAlertHook;
  resolvePath: (p: string) => string;
}

/** The abort reason a job sees when the daemon shuts down. */
export class DaemonShutdownError extends Error {
  constructor() {
    super('the daemon is shutting down');
    this.name = 'DaemonShutdownError';
  }
}

/** The abort reason a job sees when another replica took its lease over. */
export class LeaseLostError extends Error {
  constructor(job: string) {
    super(`another replica took over the lease of ${job}`);
    this.name = 'LeaseLostError';
  }
}

interface ActiveRun {
  readonly controller: AbortController;
  promise: Promise<void>;
  claimed: ClaimedRun | undefined;
  thread: RunningJobThread | undefined;
}

export class JobRunner {
  readonly #o: JobRunnerOptions;
  readonly #active = new Map<string, ActiveRun>();
  #stopping = false;

  constructor(options: JobRunnerOptions) {
    this.#o = options;
  }

  isRunning(job: string): boolean {
    return this.#active.has(job);
  }

  /** Jobs running in this process now. */
  running(): string[] {
    return [...this.#active.keys()];
  }

  /**
   * Runs `job` for `tick` unless it is already running here, another replica
   * holds its lease, or the tick was already claimed. Never rejects.
   */
  trigger(job: string, tick: Instant, trigger: JobTrigger): Promise<void> {
    const definition = this.#o.registry.get(job);
    if (!definition || this.#stopping) return Promise.resolve();
    if (this.#active.has(job)) {
      this.#o.log.debug(`${job} is still running; tick skipped`, { tick: iso(tick), trigger });
      return Promise.resolve();
    }
    const active: ActiveRun = { controller: new AbortController(), promise: Promise.resolve(), claimed: undefined, thread: undefined };
    this.#active.set(job, active);
    active.promise = this.#claimAndRun(definition, tick, trigger, active)
      .catch((error: unknown) => this.#o.log.error(`${job}: unexpected scheduler error`, { error: describeError(error) }))
      .finally(() => {
        if (this.#active.get(job) === active) this.#active.delete(job);
      });
    return active.promise;
  }

  /** No new runs; running jobs see their signal aborted. */
  beginShutdown(): void {
    this.#stopping = true;
    for (const active of this.#active.values()) active.controller.abort(new DaemonShutdownError());
  }

  /**
   * Waits up to `graceMs` for running jobs to finish. Returns the runs still
   * going when the time is up (empty when everything finished).
   */
  async drain(graceMs: number): Promise<ClaimedRun[]> {
    const pending = [...this.#active.values()].map((a) => a.promise);
    if (pending.length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(pending).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (!timedOut) return [];
    return [...this.#active.values()].flatMap((a) => (a.claimed ? [a.claimed] : []));
  }

  /** Stops every job thread at once (after the grace: their open transactions roll back). */
  async terminateThreads(): Promise<void> {
    await Promise.all([...this.#active.values()].map((a) => a.thread?.terminate() ?? Promise.resolve()));
  }

  async #claimAndRun(definition: JobDefinition, tick: Instant, trigger: JobTrigger, active: ActiveRun): Promise<void> {
    const { store, log, clock } = this.#o;
    const job = definition.name;
    let claimed;
    try {
      claimed = await store.claim(job, { tick, now: clock(), trigger });
    } catch (error) {
      log.error(`${job}: could not claim its tick in the ledger; skipped`, { tick: iso(tick), error: describeError(error) });
      return;
    }
    if (!claimed.claim) {
      log.debug(`${job}: not run here (${claimed.reason})`, { tick: iso(tick), trigger });
      return;
    }
    const run = claimed.run;
    active.claimed = run;
    if (run.takeoverFrom !== null) {
      log.warn(`${job}: replica ${run.takeoverFrom} stopped renewing its lease; taking the job over`, { run: run.runId });
    }
    if (this.#stopping) {
      await this.#finish(run, { outcome: 'cancelled', error: new DaemonShutdownError().message, summary: null });
      return;
    }
    log.info(`${job} started`, { run: run.runId, trigger: run.trigger, tick: iso(run.tick) });
    const renewal = this.#keepLease(job, active.controller);
    let finished: FinishedRun;
    let current = run;
    try {
      const summary = await this.#withRetries(job, active, async (attempt, lastError) => {
        if (attempt > 0) {
          const next = await store.nextAttempt(current, lastError, clock());
          if (!next) {
            active.controller.abort(new LeaseLostError(job));
            throw new LeaseLostError(job);
          }
          current = next;
          active.claimed = next;
          log.info(`${job}: attempt ${attempt + 1} of ${this.#o.config.daemon.retry.attempts}`, { run: next.runId, tick: iso(next.tick) });
        }
        return this.#runOnce(definition, current, active);
      });
      finished = { outcome: 'succeeded', error: null, summary: toSummary(summary) };
    } catch (error) {
      const cancelled = active.controller.signal.aborted;
      finished = { outcome: cancelled ? 'cancelled' : 'failed', error: oneLine(describeError(error)), summary: null };
    } finally {
      clearInterval(renewal);
    }
    await this.#finish(current, finished);
  }

  /**
   * Runs `attempt` up to `daemon.retry.attempts` times with exponential
   * backoff (cockatiel) while it fails and the run is not aborted. Abortion
   * ends the wait between attempts at once.
   */
  async #withRetries<T>(job: string, active: ActiveRun, attempt: (n: number, lastError: string) => Promise<T>): Promise<T> {
    const { attempts, delaySeconds, maxDelaySeconds } = this.#o.config.daemon.retry;
    const signal = active.controller.signal;
    const policy = retry(
      handleWhen(() => !signal.aborted),
      {
        maxAttempts: attempts - 1,
        backoff: new ExponentialBackoff({
          initialDelay: delaySeconds * 1000,
          maxDelay: Math.max(delaySeconds, maxDelaySeconds) * 1000,
          generator: noJitterGenerator,
        }),
      },
    ).dangerouslyUnref();
    let lastError = '';
    const listener = policy.onRetry((event) => {
      const reason = 'error' in event ? describeError(event.error) : 'failed';
      this.#o.log.warn(`${job} failed; retrying in ${Math.round(event.delay / 1000)} s`, { attempt: event.attempt, error: oneLine(reason) });
    });
    // Abortion cuts the wait between attempts short; an attempt under way is left to finish
    // (it sees the signal itself), so the run is never reported over while its job still runs.
    let inAttempt = false;
    let waitCut: (() => void) | undefined;
    const cut = new Promise<never>((_, reject) => {
      waitCut = () => reject(signal.reason instanceof Error ? signal.reason : new DaemonShutdownError());
    });
    cut.catch(() => undefined);
    const stop = () => {
      if (!inAttempt) waitCut?.();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      return await Promise.race([
        policy.execute(async ({ attempt: n }) => {
          signal.throwIfAborted();
          inAttempt = true;
          try {
            return await attempt(n, lastError);
          } catch (error) {
            lastError = oneLine(describeError(error));
            throw error;
          } finally {
            inAttempt = false;
            if (signal.aborted) waitCut?.();
          }
        }, signal),
        cut,
      ]);
    } finally {
      listener.dispose();
      signal.removeEventListener('abort', stop);
    }
  }

  /** One attempt: in a worker thread when the job has a thread spec, else on this event loop. */
  async #runOnce(definition: JobDefinition, run: ClaimedRun, active: ActiveRun): Promise<JobSummary | undefined | void> {
    const signal = active.controller.signal;
    if (!definition.thread) return definition.run(this.#context(definition.name, run, signal));
    const o = this.#o;
    const thread = startJobThread(
      {
        job: definition.name,
        thread: definition.thread,
        config: o.config,
        runId: run.runId,
        tick: run.tick,
        trigger: run.trigger,
        replica: o.store.replica,
        baseDir: o.resolvePath('.'),
        // A job thread may wait for the write lock as long as its lease lasts: it blocks nothing else.
        busyTimeoutMs: Math.max(o.config.database.busyTimeoutMs, o.leaseMs),
      },
      signal,
      o.log.child(definition.name),
    );
    active.thread = thread;
    try {
      return (await thread.result) ?? undefined;
    } finally {
      active.thread = undefined;
    }
  }

  #context(job: string, run: ClaimedRun, signal: AbortSignal): JobContext {
    const o = this.#o;
    return Object.freeze({
      job,
      config: o.config,
      ledger: o.ledger,
      log: o.log.child(job),
      clock: o.clock,
      signal,
      scheduledAt: run.tick,
      trigger: run.trigger,
      replica: o.store.replica,
      runId: run.runId,
      resolvePath: o.resolvePath,
    });
  }

  /** Renews the lease every third of its length; a lost lease aborts the run. */
  #keepLease(job: string, controller: AbortController): NodeJS.Timeout {
    let renewing = false;
    return setInterval(() => {
      if (renewing) return;
      renewing = true;
      (this.#o.leaseStore ?? this.#o.store)
        .renew(job, this.#o.clock())
        .then((held) => {
          if (!held && !controller.signal.aborted) {
            this.#o.log.error(`${job}: lost its lease to another replica; stopping the run`);
            controller.abort(new LeaseLostError(job));
          }
        })
        .catch((error: unknown) => this.#o.log.warn(`${job}: could not renew its lease`, { error: describeError(error) }))
        .finally(() => {
          renewing = false;
        });
    }, Math.max(100, Math.floor(this.#o.leaseMs / 3)));
  }

  async #finish(run: ClaimedRun, finished: FinishedRun): Promise<void> {
    const { store, log, clock, alerts } = this.#o;
    const failureThreshold = this.#o.failureThreshold(run.job);
    const now = clock();
    const fields = { run: run.runId, ms: now - run.startedAt };
    if (finished.outcome === 'succeeded') log.info(`${run.job} succeeded`, fields);
    else if (finished.outcome === 'failed') log.error(`${run.job} failed`, { ...fields, error: finished.error ?? '' });
    else log.warn(`${run.job} ${finished.outcome}`, { ...fields, error: finished.error ?? '' });
    let result;
    try {
      result = await store.finish(run, finished, now);
    } catch (error) {
      log.error(`${run.job}: could not record the end of run ${run.runId}; its lease will expire`, {
        error: describeError(error),
      });
      return;
    }
    if (!result.leaseHeld) {
      log.warn(`${run.job}: the lease had been taken over by another replica; its state was left to it`, { run: run.runId });
      return;
    }
    const event = { job: run.job, replica: store.replica, runId: run.runId, at: now };
    if (finished.outcome === 'failed' && result.consecutiveFailures >= failureThreshold) {
      await safely(log, () =>
        alerts.jobFailing({
          ...event,
          consecutiveFailures: result.consecutiveFailures,
          threshold: failureThreshold,
          error: finished.error ?? 'failed',
        }),
      );
    }
    if (finished.outcome === 'succeeded' && result.previousFailures >= failureThreshold) {
      await safely(log, () => alerts.jobRecovered({ ...event, previousFailures: result.previousFailures }));
    }
  }
}

async function safely(log: Logger, call: () => Promise<void> | void): Promise<void> {
  try {
    await call();
  } catch (error) {
    log.error('job alert hook failed', { error: describeError(error) });
  }
}

/** A job's return value as storable JSON (a job that returns nothing has no summary). */
function toSummary(value: JobSummary | undefined | void): JobSummary | null {
  if (value === undefined || value === null) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JobSummary;
  } catch {
    return { note: 'the job returned a summary that is not JSON' };
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 1000 ? `${line.slice(0, 999)}…` : line;
}

function iso(instant: Instant): string {
  return new Date(instant).toISOString();
}
