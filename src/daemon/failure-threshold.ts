/**
 * `daemon.failureThreshold` per job: failed ticks in a row (each after its
 * retries) at which a job alerts and `/healthz` says `down`. Configured as
 * one number, per job, or left to a default by how often the job runs: the
 * number of its ticks in an hour, from 1 (hourly or slower: the first failed
 * tick of a daily report alerts) to 6 (a job every few minutes alerts after
 * six failed ticks, not after a passing blip).
 */
import type { Config } from '../config/schema.js';
import { nextTick } from './schedule-ticks.js';

const HOUR_MS = 3_600_000;
const MAX_DEFAULT = 6;

/** The default threshold for a cron expression (null: a job that is off gets 1). */
export function defaultFailureThreshold(expression: string | null, timeZone: string): number {
  if (expression === null) return 1;
  // Two ticks after a fixed instant: the schedule's period, without depending on today's date.
  const first = nextTick(expression, timeZone, Date.UTC(2025, 0, 6));
  const second = nextTick(expression, timeZone, first);
  const perHour = Math.floor(HOUR_MS / Math.max(1, second - first));
  return Math.min(MAX_DEFAULT, Math.max(1, perHour));
}

/** The threshold of each job, as a function of its name. */
export function failureThresholds(
  config: Pick<Config, 'daemon' | 'timezone'>,
  schedule: Readonly<Record<string, string | null>>,
): (job: string) => number {
  const configured = config.daemon.failureThreshold;
  return (job) => {
    if (typeof configured === 'number') return configured;
    return configured?.[job] ?? defaultFailureThreshold(schedule[job] ?? null, config.timezone);
  };
}
