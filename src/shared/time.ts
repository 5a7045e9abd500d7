/**
 * Time in the ledger is a UTC instant stored as epoch milliseconds. Zones are
 * applied only here: when reading a provider's zone-less timestamps, when
 * reading a file's local date-times, and when cutting report periods.
 */
import { TZDate } from '@date-fns/tz';
import { addDays } from 'date-fns/addDays';
import { addMonths } from 'date-fns/addMonths';

/** Epoch milliseconds, UTC. The one time type of the ledger. */
export type Instant = number;

export class TimeFormatError extends Error {}

/** True when `zone` is an IANA zone name (or offset) this Node.js knows. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z' || zone === '+00:00';
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function checkWallClock(w: WallClock, original: string): void {
  const utc = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
  if (
    utc.getUTCFullYear() !== w.year ||
    utc.getUTCMonth() !== w.month - 1 ||
    utc.getUTCDate() !== w.day ||
    utc.getUTCHours() !== w.hour ||
    utc.getUTCMinutes() !== w.minute ||
    utc.getUTCSeconds() !== w.second
  ) {
    throw new TimeFormatError(`"${original}" is not a valid date and time`);
  }
}

/**
 * The instant at which the wall clock in `zone` shows the given time. In a
 * daylight-saving gap the time is moved forward by the gap (02:30 on a
 * spring-forward day reads as 03:30), in an overlap (the hour that repeats) the later one wins, as
 * @date-fns/tz resolves it.
 */
export function wallClockToInstant(w: WallClock, zone: string): Instant {
  if (isUtc(zone)) {
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  }
  const hourStart = stableHourStart(w, zone);
  if (hourStart !== null) return hourStart + w.minute * MS_PER_MINUTE + w.second * MS_PER_SECOND + w.millisecond;
  return new TZDate(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond, zone).getTime();
}

// Zone lookups cost microseconds each; a file of a million local date-times
// repeats the same few thousand hours. An hour whose length is exactly one
// hour has one offset throughout, so minutes and seconds can be added to its
// start; hours touched by a transition (a gap, an overlap, a 30-minute shift)
// are left to TZDate.
const hourStarts = new Map<string, number | null>();
const HOUR_CACHE_LIMIT = 100_000;

function stableHourStart(w: WallClock, zone: string): number | null {
  const key = `${zone}|${w.year}|${w.month}|${w.day}|${w.hour}`;
  let start = hourStarts.get(key);
  if (start === undefined) {
    const from = new TZDate(w.year, w.month - 1, w.day, w.hour, 0, 0, 0, zone).getTime();
    const to = new TZDate(w.year, w.month - 1, w.day, w.hour + 1, 0, 0, 0, zone).getTime();
    start = to - from === MS_PER_HOUR ? from : null;
    if (hourStarts.size >= HOUR_CACHE_LIMIT) hourStarts.clear();
    hourStarts.set(key, start);
  }
  return start;
}

/** The wall clock in `zone` at an instant. */
export function instantToWallClock(instant: Instant, zone: string): WallClock {
  const d = isUtc(zone) ? new Date(instant) : new TZDate(instant, zone);
  if (isUtc(zone)) {
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millisecond: d.getUTCMilliseconds(),
    };
  }
  return {
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
    millisecond: d.getMilliseconds(),
  };
}

/** Year to second from capture groups 1–6 of a date-time pattern. */
function wallClockOfParts(m: RegExpExecArray, millisecond: number): WallClock {
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millisecond };
}

const PROVIDER_TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** Smart2Pay's `YYYYMMDDHHMMSS` (no zone), read in the provider's zone. */
export function parseProviderTimestamp(text: string, zone: string): Instant {
  const m = PROVIDER_TIMESTAMP.exec(text);
  if (!m) throw new TimeFormatError(`"${text}" is not a YYYYMMDDHHMMSS timestamp`);
  const w = wallClockOfParts(m, 0);
  checkWallClock(w, text);
  return wallClockToInstant(w, zone);
}

const pad = (n: number, width = 2): string => n.toString().padStart(width, '0');

/** An instant as Smart2Pay's `YYYYMMDDHHMMSS` in the provider's zone (milliseconds dropped). */
export function formatProviderTimestamp(instant: Instant, zone: string): string {
  const w = instantToWallClock(instant, zone);
  return `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const ZONED_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads a date-time from a file or the command line. An ISO 8601 string with
 * `Z` or an offset is taken as is; `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` and
 * `YYYY-MM-DDTHH:MM[:SS]` without a zone are wall-clock time in `zone`.
 */
export function parseDateTime(text: string, zone: string): Instant {
  const trimmed = text.trim();
  if (ZONED_ISO.test(trimmed)) {
    const ms = Date.parse(trimmed.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(ms)) throw new TimeFormatError(`"${text}" is not a valid date and time`);
    return ms;
  }
  const m = LOCAL_DATE_TIME.exec(trimmed);
  if (!m) {
    throw new TimeFormatError(`"${text}" is not an ISO 8601 date-time or YYYY-MM-DD HH:MM:SS`);
  }
  const w: WallClock = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millisecond: m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0,
  };
  checkWallClock(w, text);
  return wallClockToInstant(w, zone);
}

const ZONED_ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * A provider's ISO 8601 date-time that must carry its zone (`Z` or an
 * offset) and seconds: `2024-05-27T02:03:00.000000Z`. A zone-less or partial
 * time would depend on the server's zone, so it is refused, as are
 * impossible dates (30 February) and offsets beyond ±23:59.
 */
export function parseZonedIsoDateTime(text: string): Instant {
  const m = ZONED_ISO_PARTS.exec(text);
  if (!m) throw new TimeFormatError(`"${text}" is not an ISO 8601 date-time with seconds and a zone (Z or ±HH:MM)`);
  const w = wallClockOfParts(m, m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0);
  checkWallClock(w, text);
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) throw new TimeFormatError(`"${text}" has an impossible UTC offset`);
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - offsetMs;
}

/** An instant as ISO 8601 UTC with milliseconds: `2026-10-31T23:30:00.000Z`. */
export function formatInstant(instant: Instant): string {
  return new Date(instant).toISOString();
}

/** An instant as `YYYY-MM-DD HH:MM:SS` wall-clock time in `zone`, for people. */
export function formatLocalDateTime(instant: Instant, zone: string): string {
  const w = instantToWallClock(instant, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** A half-open period `[from, to)` of instants. */
export interface Period {
  from: Instant;
  to: Instant;
}

/**
 * The calendar month `YYYY-MM` as cut in `zone`: from local midnight on the
 * 1st to local midnight on the 1st of the next month. Daylight-saving changes
 * inside the month are handled by the zone rules, so the period may be an
 * hour shorter or longer than the naive count of days.
 */
export function monthPeriod(month: string, zone: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(m?.[1]);
  const monthIndex = Number(m?.[2]);
  if (!m || monthIndex < 1 || monthIndex > 12) {
    throw new TimeFormatError(`"${month}" is not a month (expected YYYY-MM)`);
  }
  const start = new TZDate(year, monthIndex - 1, 1, zone);
  return { from: start.getTime(), to: addMonths(start, 1).getTime() };
}

/**
 * The local days `from`..`to` (both `YYYY-MM-DD`, inclusive) as cut in
 * `zone`: `[local midnight of from, local midnight after to)`.
 */
export function dayRangePeriod(fromDay: string, toDay: string, zone: string): Period {
  const from = parseLocalDay(fromDay, zone);
  const lastDay = parseLocalDay(toDay, zone);
  const to = addDays(lastDay, 1).getTime();
  if (to <= from.getTime()) {
    throw new TimeFormatError(`the period ${fromDay}..${toDay} ends before it starts`);
  }
  return { from: from.getTime(), to };
}

function parseLocalDay(day: string, zone: string): TZDate {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new TimeFormatError(`"${day}" is not a date (expected YYYY-MM-DD)`);
  const w = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0, millisecond: 0 };
  checkWallClock(w, day);
  return new TZDate(w.year, w.month - 1, w.day, zone);
}

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
