/**
 * What the daemon tells when a job keeps failing. The scheduler calls the
 * hook; the real daemon plugs the monitoring alert API in (`wiring.ts`), and
 * every hook is also logged. The counts are shared by all replicas
 * (`job_state.consecutive_failures`), so it does not matter which one ran.
 */
import { describeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Instant } from '../shared/time.js';

export interface JobFailingEvent {
  job: string;
  /** Failed ticks in a row (each after its retries), at least `threshold`. */
  consecutiveFailures: number;
  /** The job's `daemon.failureThreshold`. */
  threshold: number;
  /** One line: the error of the latest failed run. */
  error: string;
  replica: string;
  runId: number;
  at: Instant;
}

export interface JobRecoveredEvent {
  job: string;
  /** Failed runs in a row before this success. */
  previousFailures: number;
  replica: string;
  runId: number;
  at: Instant;
}

export interface JobAlertHook {
  /**
   * Called after every failed tick once the job has failed
   * `daemon.failureThreshold` ticks in a row (so an alert API that keeps one
   * alert per condition can remind). A condition key such as
   * `job_failing:<job>` keeps one alert per job.
   */
  jobFailing(event: JobFailingEvent): Promise<void> | void;
  /** Called on the first success after the job had reached its threshold. */
  jobRecovered(event: JobRecoveredEvent): Promise<void> | void;
}

/** The hook that logs: always on, whatever else is plugged in. */
export function logJobAlerts(log: Logger): JobAlertHook {
  return {
    jobFailing: (e) =>
      log.error(`job ${e.job} failed ${e.consecutiveFailures} ticks in a row (threshold ${e.threshold})`, {
        job: e.job,
        failures: e.consecutiveFailures,
        error: e.error,
      }),
    jobRecovered: (e) =>
      log.info(`job ${e.job} succeeded again after ${e.previousFailures} failures in a row`, { job: e.job }),
  };
}

/** Calls every hook in turn; one hook failing never stops the others or the scheduler. */
export function combineJobAlerts(log: Logger, ...hooks: readonly JobAlertHook[]): JobAlertHook {
  const each = async (call: (hook: JobAlertHook) => Promise<void> | void) => {
    for (const hook of hooks) {
      try {
        await call(hook);
      } catch (error) {
        log.error('job alert hook failed', { error: describeError(error) });
      }
    }
  };
  return {
    jobFailing: (e) => each((h) => h.jobFailing(e)),
    jobRecovered: (e) => each((h) => h.jobRecovered(e)),
  };
}
