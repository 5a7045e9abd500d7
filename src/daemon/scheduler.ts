/**
 * Turns the schedule into runs:
 * - node-cron fires each job at its ticks in the configured time zone (the
 *   tick's instant names it, the same on every replica);
 * - at start, a tick that failed for good (after its retries) runs once more,
 *   then each job's most recent tick (found backwards with cron-parser) is
 *   claimed once: if no daemon claimed it, it was missed and runs now;
 * - a sweep watches for leases that expired without being released (a dead
 *   replica) and takes those jobs over without waiting for their next tick.
 * Claiming, overlap and leases are the runner's and the ledger's business.
 */
import { createTask, type ScheduledTask } from 'node-cron';
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { JobRunner } from './job-runner.js';
import type { JobStateStore } from './job-state-store.js';
import { previousTick } from './schedule-ticks.js';

export interface ScheduledJob {
  name: string;
  /** node-cron expression (optional leading seconds field). */
  expression: string;
}

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  timeZone: string;
  runner: JobRunner;
  store: JobStateStore;
  clock: Clock;
  log: Logger;
  /** How often expired leases are looked for. */
  sweepMs: number;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #tasks: ScheduledTask[] = [];
  #sweep: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  start(): void {
    const { jobs, timeZone, runner, log } = this.#o;
    void this.#catchUp();
    for (const job of jobs) {
      const task = createTask(job.expression, (ctx) => runner.trigger(job.name, ctx.date.getTime(), 'schedule'), {
        name: `payout-recon:${job.name}`,
        timezone: timeZone,
        noOverlap: true,
        logger: cronLogger(log.child(job.name)),
      });
      // node-cron drops a tick it could not fire within a second (a blocked event loop): run it late
      // instead, or a daily job would wait a day. The claim still makes it once per tick.
      task.on('execution:missed', (ctx) => {
        log.debug(`${job.name}: tick ${ctx.date.toISOString()} fired late`);
        void runner.trigger(job.name, ctx.date.getTime(), 'schedule');
      });
      void task.start();
      this.#tasks.push(task);
    }
    this.#sweep = setInterval(() => void this.#takeOverExpiredLeases(), this.#o.sweepMs);
  }

  /**
   * Catch-up at start: a tick that failed for good runs once more, then the
   * latest tick runs unless a daemon already claimed it.
   */
  async #catchUp(): Promise<void> {
    const { jobs, timeZone, runner, store, clock, log } = this.#o;
    let states: Awaited<ReturnType<JobStateStore['states']>> = new Map();
    try {
      states = await store.states(jobs.map((j) => j.name));
    } catch (error) {
      log.warn('could not read the failed ticks to re-run', { error: describeError(error) });
    }
    await Promise.all(
      jobs.map(async (job) => {
        const failed = states.get(job.name)?.retryTickAt ?? null;
        if (failed !== null) {
          log.info(`${job.name}: re-running the tick that failed for good`, { tick: new Date(failed).toISOString() });
          await runner.trigger(job.name, failed, 'catch-up');
        }
        await runner.trigger(job.name, previousTick(job.expression, timeZone, clock()), 'catch-up');
      }),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    const tasks = this.#tasks.splice(0);
    for (const task of tasks) await task.destroy();
  }

  async #takeOverExpiredLeases(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    const { jobs, timeZone, runner, store, clock, log } = this.#o;
    try {
      const states = await store.states(jobs.map((j) => j.name));
      const now = clock();
      for (const job of jobs) {
        const state = states.get(job.name);
        if (!state || state.leaseOwner === null || (state.leaseExpiresAt ?? 0) > now || runner.isRunning(job.name)) continue;
        void runner.trigger(job.name, previousTick(job.expression, timeZone, now), 'takeover');
      }
    } catch (error) {
      log.warn('could not read job leases', { error: describeError(error) });
    } finally {
      this.#sweeping = false;
    }
  }
}

/** node-cron's own messages (overlap blocked, missed beats) are scheduler detail: debug level. */
function cronLogger(log: Logger) {
  const text = (m: string | Error) => (typeof m === 'string' ? m : m.message);
  return {
    info: (m: string) => log.debug(m),
    warn: (m: string) => log.debug(m),
    error: (m: string | Error) => log.error(text(m)),
    debug: (m: string | Error) => log.debug(text(m)),
  };
}
