/**
 * `GET /healthz`: the state of each scheduled job, read from the ledger (so
 * every replica answers for the whole cluster).
 *
 * - `ok`: every enabled job's last tick succeeded (or it never ran);
 * - `degraded` (200): a job's last tick failed (after its retries): which
 *   job and since when are in the detailed view;
 * - `down` (503): the ledger does not answer in time, or a job failed
 *   `daemon.failureThreshold` ticks in a row.
 *
 * The public answer is terse (the status and each job's state); the detailed
 * view (last runs, errors, summaries, replica) is for the admin only.
 */
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';
import type { JobStateStore } from './job-state-store.js';
import { nextTick } from './schedule-ticks.js';

export type HealthStatus = 'ok' | 'degraded' | 'down';
export type JobHealthState = 'ok' | 'running' | 'failing' | 'down' | 'never-run' | 'off';

export interface JobHealth {
  /** The cron expression, or null when `schedule.<job>` is switched off. */
  schedule: string | null;
  enabled: boolean;
  /** failing: its last tick failed; down: `failureThreshold` ticks in a row failed. */
  state: JobHealthState;
  consecutiveFailures: number;
  failureThreshold: number;
  /** When the current run of failed ticks began. */
  failingSince: string | null;
  lastSuccessAt: string | null;
  /** The replica running the job now, if any. */
  runningOn: string | null;
  nextRunAt: string | null;
  lastRun: {
    id: number;
    replica: string | null;
    trigger: string | null;
    scheduledAt: string | null;
    startedAt: string;
    finishedAt: string | null;
    outcome: string;
    error: string | null;
    summary: unknown;
  } | null;
}

export interface HealthReport {
  status: HealthStatus;
  replica: string;
  checkedAt: string;
  ledger: { dialect: string; reachable: boolean; error?: string };
  jobs: Record<string, JobHealth>;
}

/** What anyone may see: the status and each job's state. */
export interface PublicHealth {
  status: HealthStatus;
  jobs: Record<string, JobHealthState>;
}

export interface HealthSource {
  store: JobStateStore;
  dialect: string;
  replica: string;
  /** Every job the daemon knows, with its expression (null: switched off). */
  schedule: ReadonlyArray<{ name: string; expression: string | null }>;
  timeZone: string;
  failureThreshold: (job: string) => number;
  clock: Clock;
  /** How long the ledger may take to answer before it counts as unreachable. */
  timeoutMs: number;
}

export function publicHealth(report: HealthReport): PublicHealth {
  return { status: report.status, jobs: Object.fromEntries(Object.entries(report.jobs).map(([name, j]) => [name, j.state])) };
}

export async function checkHealth(source: HealthSource): Promise<{ httpStatus: 200 | 503; report: HealthReport }> {
  const now = source.clock();
  const names = source.schedule.map((j) => j.name);
  const base = { replica: source.replica, checkedAt: iso(now) };
  let states;
  let runs;
  try {
    [states, runs] = await withTimeout(
      Promise.all([source.store.states(names), source.store.lastRuns(names)]),
      source.timeoutMs,
      `the ledger did not answer within ${source.timeoutMs} ms`,
    );
  } catch (error) {
    return {
      httpStatus: 503,
      report: { status: 'down', ...base, ledger: { dialect: source.dialect, reachable: false, error: describeError(error) }, jobs: {} },
    };
  }
  const jobs: Record<string, JobHealth> = {};
  let status: HealthStatus = 'ok';
  for (const { name, expression } of source.schedule) {
    const state = states.get(name);
    const run = runs.get(name);
    const failures = state?.consecutiveFailures ?? 0;
    const threshold = source.failureThreshold(name);
    const enabled = expression !== null;
    const leaseLive = state?.leaseOwner != null && (state.leaseExpiresAt ?? 0) > now;
    const jobState: JobHealthState = !enabled ? 'off' : failures >= threshold ? 'down' : failures > 0 ? 'failing' : leaseLive ? 'running' : run ? 'ok' : 'never-run';
    if (jobState === 'down') status = 'down';
    else if (jobState === 'failing' && status === 'ok') status = 'degraded';
    jobs[name] = {
      schedule: expression,
      enabled,
      state: jobState,
      consecutiveFailures: failures,
      failureThreshold: threshold,
      failingSince: isoOrNull(state?.failingSince ?? null),
      lastSuccessAt: isoOrNull(state?.lastSuccessAt ?? null),
      runningOn: leaseLive ? (state?.leaseOwner ?? null) : null,
      nextRunAt: expression === null ? null : iso(nextTick(expression, source.timeZone, now)),
      lastRun: run
        ? {
            id: run.id,
            replica: run.replica,
            trigger: run.trigger,
            scheduledAt: isoOrNull(run.scheduledAt),
            startedAt: iso(run.startedAt),
            finishedAt: isoOrNull(run.finishedAt),
            outcome: run.outcome,
            error: run.error,
            summary: run.summary,
          }
        : null,
    };
  }
  return { httpStatus: status === 'down' ? 503 : 200, report: { status, ...base, ledger: { dialect: source.dialect, reachable: true }, jobs } };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  // A query that answers after the timeout must not become an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function iso(instant: Instant): string {
  return new Date(instant).toISOString();
}

function isoOrNull(instant: Instant | null): string | null {
  return instant === null ? null : iso(instant);
}
