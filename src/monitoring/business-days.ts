/**
 * Business-day arithmetic on calendar dates, kept as day numbers (days since
 * 1970-01-01, a Thursday) so counting is a formula, not a loop over days.
 * Business days are Monday to Friday; bank holidays are not known here.
 */
import { instantToWallClock, type Instant } from '../shared/time.js';

/** Days since 1970-01-01 of a calendar date. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

/** The calendar date (`YYYY-MM-DD`) of a day number. */
export function formatDayNumber(n: number): string {
  return new Date(n * 86_400_000).toISOString().slice(0, 10);
}

/** The local calendar day of an instant in `zone`, as a day number. */
export function localDayNumber(instant: Instant, zone: string): number {
  const w = instantToWallClock(instant, zone);
  return dayNumber(w.year, w.month, w.day);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

export function isBusinessDay(n: number): boolean {
  const d = weekday(n);
  return d >= 1 && d <= 5;
}

/** Business days among the seven days of a week that starts on a Thursday (day 0): Thu Fri Sat Sun Mon Tue Wed. */
const PREFIX = [0, 1, 2, 2, 2, 3, 4, 5] as const;

/** Business days d with 0 <= d < n (negative n counts backwards, so differences always work). */
function businessDaysBefore(n: number): number {
  const weeks = Math.floor(n / 7);
  return weeks * 5 + PREFIX[n - weeks * 7]!;
}

/**
 * Business days d with `from < d <= to`: how many business days there are
 * after day `from` up to and including day `to` (0 when `to <= from`).
 */
export function businessDaysBetween(from: number, to: number): number {
  if (to <= from) return 0;
  return businessDaysBefore(to + 1) - businessDaysBefore(from + 1);
}
