/**
 * Smart2Pay's zone-less `YYYYMMDDHHMMSS` timestamps (`Created`, `startDate`,
 * `endDate`), read and written in the provider's configured zone, fast
 * enough for a million rows: the zone's offset is looked up once per
 * hour/quarter-hour and cached, and exact zone rules (@date-fns/tz through
 * `src/shared/time.ts`) are used wherever an hour is not uniform (a
 * daylight-saving change).
 *
 * "Wall seconds" are the provider's wall clock read as if it were UTC, in
 * seconds: the provider filters on its wall clock, so the sync cuts its
 * windows in these units.
 */
import {
  type Instant,
  instantToWallClock,
  MS_PER_HOUR,
  parseProviderTimestamp,
  TimeFormatError,
  wallClockToInstant,
} from '../../shared/time.js';

const QUARTER_HOUR_MS = 15 * 60 * 1000;
const CACHE_LIMIT = 200_000;

function isUtcZone(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z' || zone === '+00:00' || zone === 'GMT' || zone === 'Etc/GMT';
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export class ProviderClock {
  readonly zone: string;
  readonly #utc: boolean;
  /** UTC quarter-hour → zone offset in ms (offsets change only on quarter-hours). */
  readonly #offsetByQuarter = new Map<number, number>();
  /** Wall-clock hour → offset in ms, or NaN when the hour holds a zone change. */
  readonly #offsetByWallHour = new Map<number, number>();
  /** Wall-clock hour → `YYYYMMDDHH`. */
  readonly #hourPrefix = new Map<number, string>();

  constructor(zone: string) {
    this.zone = zone;
    this.#utc = isUtcZone(zone);
  }

  /** The zone's offset from UTC at an instant, in ms (wall = instant + offset). */
  offsetMs(instant: Instant): number {
    if (this.#utc) return 0;
    const quarter = Math.floor(instant / QUARTER_HOUR_MS);
    let offset = this.#offsetByQuarter.get(quarter);
    if (offset === undefined) {
      const w = instantToWallClock(quarter * QUARTER_HOUR_MS, this.zone);
      offset = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - quarter * QUARTER_HOUR_MS;
      if (this.#offsetByQuarter.size > CACHE_LIMIT) this.#offsetByQuarter.clear();
      this.#offsetByQuarter.set(quarter, offset);
    }
    return offset;
  }

  /** The provider's wall clock at an instant, as whole "wall seconds" (rounded down). */
  wallSeconds(instant: Instant): number {
    return Math.floor((instant + this.offsetMs(instant)) / 1000);
  }

  /** `YYYYMMDDHHMMSS` of wall seconds. */
  formatWallSeconds(wallSeconds: number): string {
    const hour = Math.floor(wallSeconds / 3600);
    let prefix = this.#hourPrefix.get(hour);
    if (prefix === undefined) {
      const d = new Date(hour * MS_PER_HOUR);
      prefix = `${String(d.getUTCFullYear()).padStart(4, '0')}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}`;
      if (this.#hourPrefix.size > CACHE_LIMIT) this.#hourPrefix.clear();
      this.#hourPrefix.set(hour, prefix);
    }
    const rest = wallSeconds - hour * 3600;
    const minute = Math.floor(rest / 60);
    return prefix + pad2(minute) + pad2(rest - minute * 60);
  }

  /** An instant as the provider's `YYYYMMDDHHMMSS` (milliseconds dropped). */
  format(instant: Instant): string {
    return this.formatWallSeconds(this.wallSeconds(instant));
  }

  /** Wall seconds of a `YYYYMMDDHHMMSS` text; throws TimeFormatError when it is not a valid date-time. */
  parseWallSeconds(text: string): number {
    if (text.length !== 14) throw new TimeFormatError(`"${text}" is not a YYYYMMDDHHMMSS timestamp`);
    let year = 0;
    for (let i = 0; i < 4; i += 1) year = year * 10 + digit(text, i);
    const month = digit(text, 4) * 10 + digit(text, 5);
    const day = digit(text, 6) * 10 + digit(text, 7);
    const hour = digit(text, 8) * 10 + digit(text, 9);
    const minute = digit(text, 10) * 10 + digit(text, 11);
    const second = digit(text, 12) * 10 + digit(text, 13);
    const ms = Date.UTC(year, month - 1, day, hour, minute, second);
    // Date.UTC rolls over (month 13, 31 February): a valid text survives the round trip.
    if (
      month < 1 ||
      month > 12 ||
      day < 1 ||
      hour > 23 ||
      minute > 59 ||
      second > 59 ||
      new Date(ms).getUTCDate() !== day ||
      year < 1970
    ) {
      throw new TimeFormatError(`"${text}" is not a valid date and time`);
    }
    return ms / 1000;
  }

  /** A provider `YYYYMMDDHHMMSS` as a UTC instant (the later instant when the wall clock repeats). */
  parse(text: string): Instant {
    const wallMs = this.parseWallSeconds(text) * 1000;
    if (this.#utc) return wallMs;
    const hour = Math.floor(wallMs / MS_PER_HOUR);
    let offset = this.#offsetByWallHour.get(hour);
    if (offset === undefined) {
      offset = this.#uniformOffsetOfWallHour(hour);
      if (this.#offsetByWallHour.size > CACHE_LIMIT) this.#offsetByWallHour.clear();
      this.#offsetByWallHour.set(hour, offset);
    }
    return Number.isNaN(offset) ? parseProviderTimestamp(text, this.zone) : wallMs - offset;
  }

  /**
   * The earliest instant whose wall clock shows `wallSeconds` or later: every
   * instant before it shows an earlier wall clock, even across a
   * daylight-saving change. Used to turn "walked every wall second before S"
   * into a watermark instant.
   */
  instantOfWallSeconds(wallSeconds: number): Instant {
    const wallMs = wallSeconds * 1000;
    if (this.#utc) return wallMs;
    // Candidates: each offset in force near the instant showing that wall
    // time (offsets reach ±14 h, so probe around the instant, not around the
    // wall time read as UTC); keep the earliest that reaches it.
    const near = wallMs - this.offsetMs(wallMs);
    let best = Number.POSITIVE_INFINITY;
    for (const probe of [near - 3 * MS_PER_HOUR, near, near + 3 * MS_PER_HOUR]) {
      const candidate = wallMs - this.offsetMs(probe);
      if (this.wallSeconds(candidate) >= wallSeconds && candidate < best) best = candidate;
    }
    if (!Number.isFinite(best)) best = wallMs - this.offsetMs(wallMs);
    // Step back while the previous second still shows the target wall time or later.
    while (this.wallSeconds(best - 1000) >= wallSeconds) best -= 1000;
    return best;
  }

  /** `[from, to)` of instants as the smallest and largest zone offset in force over it (ms). */
  offsetRange(from: Instant, to: Instant): { min: number; max: number } {
    if (this.#utc) return { min: 0, max: 0 };
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    // Zone changes are months apart; probing every 6 hours finds every offset in force.
    const step = 6 * MS_PER_HOUR;
    for (let t = from; ; t += step) {
      const at = Math.min(t, to);
      const offset = this.offsetMs(at);
      min = Math.min(min, offset);
      max = Math.max(max, offset);
      if (at >= to) break;
    }
    return { min, max };
  }

  /** The offset TZDate resolves every second of a wall-clock hour with, or NaN when it varies within the hour. */
  #uniformOffsetOfWallHour(hour: number): number {
    const start = hour * MS_PER_HOUR;
    let offset: number | undefined;
    for (const at of [start, start + 30 * 60 * 1000, start + 45 * 60 * 1000, start + MS_PER_HOUR - 1000]) {
      const d = new Date(at);
      const instant = wallClockToInstant(
        {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
          minute: d.getUTCMinutes(),
          second: d.getUTCSeconds(),
          millisecond: 0,
        },
        this.zone,
      );
      if (offset === undefined) offset = at - instant;
      else if (offset !== at - instant) return Number.NaN;
    }
    return offset ?? Number.NaN;
  }
}

function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  if (c < 0 || c > 9) throw new TimeFormatError(`"${text}" is not a YYYYMMDDHHMMSS timestamp`);
  return c;
}
