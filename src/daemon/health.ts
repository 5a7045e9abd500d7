/**
 * `GET /healthz`: the last run of each scheduled job, read from the ledger
 * (so every replica answers for the whole cluster). 503 when the ledger does
 * not answer in time or an enabled job failed more than
 * `daemon.failureThreshold` times in a row; 200 otherwise.
 */
import type { Clock } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';
import type { Instant } from '../shared/time.js';
import type { JobStateStore } from './job-state-store.js';
import { nextTick } from './schedule-ticks.js';

export interface JobHealth {
  /** The cron expression, or null when `schedule.<job>` is switched off. */
  schedule: string | null;
  enabled: boolean;
  /** failing: more than `failureThreshold` failures in a row. */
  status: 'ok' | 'failing' | 'never-run';
  consecutiveFailures: number;
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
  status: 'ok' | 'failing' | 'ledger-unreachable';
  replica: string;
  checkedAt: string;
  failureThreshold: number;
  ledger: { dialect: string; reachable: boolean; error?: string };
  jobs: Record<string, JobHealth>;
}

export interface HealthSource {
  store: JobStateStore;
  dialect: string;
  replica: string;
  /** Every job the daemon knows, with its expression (null: switched off). */
  schedule: ReadonlyArray<{ name: string; expression: string | null }>;
  timeZone: string;
  failureThreshold: number;
  clock: Clock;
  /** How long the ledger may take to answer before it counts as unreachable. */
  timeoutMs: number;
}

export async function checkHealth(source: HealthSource): Promise<{ httpStatus: 200 | 503; report: HealthReport }> {
  const now = source.clock();
  const names = source.schedule.map((j) => j.name);
  const base = {
    replica: source.replica,
    checkedAt: iso(now),
    failureThreshold: source.failureThreshold,
  };
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
      report: {
        status: 'ledger-unreachable',
        ...base,
        ledger: { dialect: source.dialect, reachable: false, error: describeError(error) },
        jobs: {},
      },
    };
  }
  const jobs: Record<string, JobHealth> = {};
  let failing = false;
  for (const { name, expression } of source.schedule) {
    const state = states.get(name);
    const run = runs.get(name);
    const failures = state?.consecutiveFailures ?? 0;
    const enabled = expression !== null;
    const isFailing = enabled && failures > source.failureThreshold;
    failing ||= isFailing;
    const leaseLive = state?.leaseOwner != null && (state.leaseExpiresAt ?? 0) > now;
    jobs[name] = {
      schedule: expression,
      enabled,
      status: isFailing ? 'failing' : run ? 'ok' : 'never-run',
      consecutiveFailures: failures,
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
  return {
    httpStatus: failing ? 503 : 200,
    report: { status: failing ? 'failing' : 'ok', ...base, ledger: { dialect: source.dialect, reachable: true }, jobs },
  };
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
