/**
 * Job-failure alerts for the daemon: plug `jobFailureAlerts(services)` into
 * the daemon wiring (`alerts: (s) => jobFailureAlerts(s)`). A job failing
 * `daemon.failureThreshold` failed ticks in a row is the condition
 * `job_failing:<job>` (critical): announced once, reminded after
 * `alerts.reminderHours`, resolved on the first success. Structurally the
 * daemon's `JobAlertHook`.
 */
import type { Config } from '../config/schema.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Logger } from '../shared/logger.js';
import { formatInstant, type Instant } from '../shared/time.js';
import { raiseAlert, resolveAlert } from './alerts.js';

export interface JobFailing {
  job: string;
  consecutiveFailures: number;
  threshold: number;
  error: string;
  replica: string;
  at: Instant;
}

export interface JobRecovered {
  job: string;
  previousFailures: number;
  replica: string;
  at: Instant;
}

export function jobFailureAlerts(services: { config: Pick<Config, 'alerts'>; ledger: Ledger; log: Logger; clock: () => Instant }) {
  const options = { config: services.config.alerts, log: services.log, clock: services.clock };
  return {
    async jobFailing(e: JobFailing): Promise<void> {
      await raiseAlert(
        services.ledger,
        {
          kind: 'job_failing',
          conditionKey: `job_failing:${e.job}`,
          severity: 'critical',
          title: `payout-recon job ${e.job} keeps failing`,
          text: `The ${e.job} job failed ${e.consecutiveFailures} ticks in a row (threshold ${e.threshold}); last error: ${e.error}`,
          details: { job: e.job, consecutive_failures: e.consecutiveFailures, threshold: e.threshold, error: e.error, replica: e.replica, at: formatInstant(e.at) },
        },
        options,
      );
    },
    async jobRecovered(e: JobRecovered): Promise<void> {
      await resolveAlert(services.ledger, `job_failing:${e.job}`, `The ${e.job} job succeeded again after ${e.previousFailures} failures in a row.`, {
        ...options,
        details: { job: e.job, previous_failures: e.previousFailures, replica: e.replica, recovered_at: formatInstant(e.at) },
      });
    },
  };
}
